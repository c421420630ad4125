"""The native executor: runs enclave code on this machine's CPU, one worker process per TCS.

Process model. The SEH model (this process) keeps every enclave's state and checks; enclave
code never runs here. At an enclave's first ENTER its pages are copied into a shared memory
file (see memory_file). Each TCS gets its own worker process, spawned on first use, which
maps that file at SECS.base with each page's SECINFO permissions and calls the entry point
on its main thread. Ecalls on different TCSs therefore run at the same time, in different
processes, on shared enclave memory, as threads of an SGX enclave do. Workers are forked by
a zygote process started once per executor, so a new worker costs a fork, not an
interpreter start (see zygote.py).

Faults. A fault in enclave code (bad pointer, illegal instruction, division by zero, int3)
raises a signal in the worker; its handler reports signal, trap number, error code and
address, and the worker exits. The RUN ends with an exception exit carrying the vector; the
enclave's memory stays in the file, and the next ENTER on that TCS starts a fresh worker.
A worker that vanishes without a report counts as #UD: from enclave code only a system call,
which SGX forbids with #UD, can end the process that way.

Ocalls. Enclave code calls the frame's ocall function, which in the worker sends the request
here; ENTER returns an ocall exit with the request as output, the worker waiting. The
application's ERESUME input (see vmpl_sgx.ocall_answer) goes back to the worker, the ocall
returns into enclave code with it, and the next exit of that call ends the ERESUME.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from typing import Dict

from vmpl_sgx._abi import PAGE_SIZE, Cap, Exit, SehResult, Tcs
from vmpl_sgx.executor import messages, vectors
from vmpl_sgx.executor.channel import TO_EXECUTOR, TO_WORKER, Channel
from vmpl_sgx.executor.memory_file import MemoryFile
from vmpl_sgx.executor.spawner import Spawner, WorkerError
from vmpl_sgx.seh.errors import SehError
from vmpl_sgx.seh.executor import EnclaveView, ExitInfo

RECEIVE_LIMIT = 1 << 20
SETUP_TIMEOUT = 60.0
"""Seconds a new worker may take to map the enclave and answer."""
DEATH_CHECK_S = 0.02
"""How often a wait for an exit looks whether the worker still lives: a worker that ends
without a report (a system call in enclave code, a kill) is noticed within this."""


class TcsWorker:
    """The executor's end of one worker process: runs ecalls of one TCS.

    An entry is started (`start`), then waited for (`wait`, with a timeout; a wait that
    times out leaves the entry running and can be repeated), or ended (`cancel`, which ends
    the worker: enclave code cannot be stopped any other way; the TCS takes a fresh worker
    at its next entry). `enter` and `resume` are start and wait without a limit.
    """

    def __init__(self, memory: MemoryFile, setup: messages.Setup, spawner: Spawner) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock = ours
        self.waiting_in_ocall = False
        self.running = False
        """An entry was started and its exit not yet collected."""
        try:
            self.channel, channel_fd = Channel.create(DEATH_CHECK_S)
        except BaseException:
            ours.close()
            theirs.close()
            raise
        try:
            self.process = spawner.spawn(theirs.fileno(), memory.fd, channel_fd)
        except BaseException:
            ours.close()
            self.channel.close()
            raise
        finally:
            theirs.close()
            os.close(channel_fd)
        try:
            self._handshake(setup)
        except BaseException:
            self.close()
            raise

    def _handshake(self, setup: messages.Setup) -> None:
        self.sock.sendall(messages.encode(setup))
        self.sock.settimeout(SETUP_TIMEOUT)
        try:
            data = self.sock.recv(RECEIVE_LIMIT)
        except OSError as error:
            raise WorkerError(f"the worker did not start: {error}") from error
        finally:
            self.sock.settimeout(None)
        if not data:
            raise WorkerError("the worker exited at start")
        reply = messages.decode(data)
        if isinstance(reply, messages.SetupFailed):
            raise WorkerError(f"the worker cannot map the enclave: {reply.reason}")
        if not isinstance(reply, messages.Ready):
            raise WorkerError(f"the worker answered SETUP with {type(reply).__name__}")

    @property
    def alive(self) -> bool:
        return self.sock.fileno() >= 0 and self.process.running()

    def enter(self, call_id: int, data: bytes, output_capacity: int) -> ExitInfo:
        self.start(messages.Enter(call_id, output_capacity, data))
        return self._wait_forever()

    def resume(self, data: bytes, output_capacity: int) -> ExitInfo:
        self.start(messages.Answer(0, output_capacity, data))
        return self._wait_forever()

    def start(self, message: messages.Enter | messages.Answer) -> None:
        """Hand the worker an ENTER or the ANSWER its ocall waits for; it runs meanwhile."""
        if self.running:
            raise SehError(SehResult.TCS_BUSY, "an entry on this TCS has not exited yet")
        self.waiting_in_ocall = False
        self.channel.post(messages.encode(message), TO_WORKER)
        self.running = True

    def wait(self, timeout: float | None) -> ExitInfo | None:
        """The exit of the entry started last; None if it has not exited within `timeout`
        seconds (None: no limit). A worker found dead ends the entry with an exception exit."""
        if not self.running:
            raise SehError(SehResult.INVALID_REQUEST, "no entry runs on this TCS")
        channel = self.channel
        # Most exits come within the first step, which waits with the ready-made timeout.
        step = DEATH_CHECK_S if timeout is None else min(DEATH_CHECK_S, max(timeout, 0.0))
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if channel.wait(TO_EXECUTOR, step) or channel.state == TO_EXECUTOR:
                break
            if not self.process.running():
                # It may have posted its report just before it ended.
                if channel.state == TO_EXECUTOR:
                    break
                # Gone without a report: only a system call (or a kill) ends it from enclave code.
                self.running = False
                self.close()
                return _exception(vectors.from_death(None))
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                step = min(DEATH_CHECK_S, left)
        self.running = False
        return self._exit(messages.decode(channel.take()))

    def cancel(self) -> None:
        """End the entry in progress by ending the worker; the TCS is free again."""
        self.running = False
        self.close()

    def _wait_forever(self) -> ExitInfo:
        exit_info = self.wait(None)
        assert exit_info is not None
        return exit_info

    def _exit(self, reply: messages.Message) -> ExitInfo:
        if isinstance(reply, messages.Normal):
            return ExitInfo(Exit.NORMAL, 0, reply.output, reply.retval)
        if isinstance(reply, messages.Ocall):
            self.waiting_in_ocall = True
            return ExitInfo(Exit.OCALL, reply.call_id, reply.request)
        if isinstance(reply, messages.Crash):
            self.close()
            return _exception(vectors.from_crash(reply))
        if isinstance(reply, messages.OutputOverflow):
            raise SehError(SehResult.OUTPUT_TOO_SMALL, f"{reply.output_len} bytes of output")
        self.close()
        raise SehError(SehResult.INVALID_REQUEST, f"the worker sent {type(reply).__name__}")

    def close(self) -> None:
        """End the worker if it still runs."""
        self.sock.close()
        self.process.kill()
        self.channel.close()


def _exception(fault: vectors.ExceptionExit) -> ExitInfo:
    return ExitInfo(
        Exit.EXCEPTION,
        exception_vector=fault.vector,
        exception_error_code=fault.error_code,
        exception_addr=fault.address,
        exception_rip=fault.rip,
    )


class _EnclaveState:
    """What the executor keeps for one enclave: its memory file and a worker per TCS."""

    def __init__(self, view: EnclaveView) -> None:
        self.view = view
        self.lock = threading.Lock()
        self.memory: MemoryFile | None = None
        self.workers: Dict[int, TcsWorker] = {}

    def close(self) -> None:
        with self.lock:
            for worker in self.workers.values():
                worker.close()
            self.workers.clear()
            if self.memory is not None:
                self.memory.close()
                self.memory = None


class NativeExecutor:
    """Runs enclave images natively in worker processes (see the module's description).

    python: the interpreter that runs the workers (this one by default).
    """

    capabilities = int(Cap.RUN | Cap.OCALL | Cap.EXCEPTION_INFO | Cap.EXCEPTION_RIP)

    def __init__(self, python: str = sys.executable) -> None:
        self.python = python
        self._spawner = Spawner(python)
        self._lock = threading.Lock()
        self._enclaves: Dict[int, _EnclaveState] = {}
        self.workers_started = 0

    # ---- the Executor interface

    def enter(
        self,
        enclave: EnclaveView,
        tcs_offset: int,
        call_id: int,
        input: bytes,
        output_capacity: int,
    ) -> ExitInfo:
        worker = self._worker(enclave, tcs_offset)
        return worker.enter(call_id, input, output_capacity)

    def resume(
        self,
        enclave: EnclaveView,
        tcs_offset: int,
        input: bytes,
        output_capacity: int,
    ) -> ExitInfo:
        worker = self._waiting_worker(enclave, tcs_offset)
        return worker.resume(input, output_capacity)

    def _waiting_worker(self, enclave: EnclaveView, tcs_offset: int) -> TcsWorker:
        """The worker whose enclave code waits in an ocall on this TCS; NO_OCALL_PENDING if none."""
        state = self._state(enclave)
        with state.lock:
            worker = state.workers.get(tcs_offset)
        if worker is None or not worker.waiting_in_ocall:
            raise SehError(SehResult.NO_OCALL_PENDING, "no enclave code waits for an ocall answer")
        return worker

    # ---- entries that run while the caller does something else (time slices, cancellation)

    def start_resume(
        self, enclave: EnclaveView, tcs_offset: int, input: bytes, output_capacity: int
    ) -> None:
        """ERESUME without waiting: collect the exit with `wait_exit`, or end it with `cancel`."""
        worker = self._waiting_worker(enclave, tcs_offset)
        worker.start(messages.Answer(0, output_capacity, input))

    def start_enter(
        self,
        enclave: EnclaveView,
        tcs_offset: int,
        call_id: int,
        input: bytes,
        output_capacity: int,
    ) -> None:
        """EENTER without waiting: collect the exit with `wait_exit`, or end it with `cancel`."""
        worker = self._worker(enclave, tcs_offset)
        worker.start(messages.Enter(call_id, output_capacity, input))

    def wait_exit(
        self, enclave: EnclaveView, tcs_offset: int, timeout: float | None
    ) -> ExitInfo | None:
        """The exit of the entry started on the TCS; None if it runs on after `timeout`
        seconds (it keeps running; wait again later)."""
        worker = self._running_worker(enclave, tcs_offset)
        return worker.wait(timeout)

    def cancel(self, enclave: EnclaveView, tcs_offset: int) -> None:
        """End the entry running on the TCS (its worker ends); the next EENTER starts afresh."""
        worker = self._running_worker(enclave, tcs_offset)
        worker.cancel()

    def _running_worker(self, enclave: EnclaveView, tcs_offset: int) -> TcsWorker:
        state = self._state(enclave)
        with state.lock:
            worker = state.workers.get(tcs_offset)
        if worker is None or not worker.running:
            raise SehError(SehResult.INVALID_REQUEST, "no entry runs on this TCS")
        return worker

    def forget(self, enclave: EnclaveView) -> None:
        with self._lock:
            state = self._enclaves.pop(enclave.handle, None)
        if state is not None:
            state.close()

    # ---- state

    def close(self) -> None:
        """End every worker and drop every memory file."""
        with self._lock:
            states = list(self._enclaves.values())
            self._enclaves.clear()
        for state in states:
            state.close()
        self._spawner.close()

    def __enter__(self) -> NativeExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _state(self, enclave: EnclaveView) -> _EnclaveState:
        with self._lock:
            state = self._enclaves.get(enclave.handle)
            if state is None or state.view is not enclave:
                if state is not None:
                    state.close()
                state = self._enclaves[enclave.handle] = _EnclaveState(enclave)
            return state

    def _worker(self, enclave: EnclaveView, tcs_offset: int) -> TcsWorker:
        state = self._state(enclave)
        with state.lock:
            worker = state.workers.get(tcs_offset)
            if worker is not None and worker.alive:
                if worker.running:
                    raise SehError(SehResult.TCS_BUSY, "an entry on this TCS has not exited yet")
                if worker.waiting_in_ocall:
                    # The SEH ended the ecall without an answer (its request did not fit):
                    # that call can never continue, so its worker goes.
                    worker.close()
                else:
                    return worker
            if state.memory is None:
                state.memory = MemoryFile(enclave)
            setup = _setup(enclave, tcs_offset, state.memory)
            try:
                worker = TcsWorker(state.memory, setup, self._spawner)
            except WorkerError as error:
                raise SehError(SehResult.NO_MEMORY, str(error)) from error
            self.workers_started += 1
            state.workers[tcs_offset] = worker
            return worker


def _setup(enclave: EnclaveView, tcs_offset: int, memory: MemoryFile) -> messages.Setup:
    tcs = Tcs.from_buffer_copy(enclave.read(tcs_offset, PAGE_SIZE))
    return messages.Setup(
        base=enclave.base,
        size=enclave.size,
        tcs_offset=tcs_offset,
        entry_offset=tcs.oentry,
        fsbase_offset=tcs.ofsbase,
        gsbase_offset=tcs.ogsbase,
        mappings=tuple(memory.mappings),
    )


__all__ = ["NativeExecutor", "TcsWorker", "WorkerError"]
