"""A worker process: runs the enclave code of one TCS for the native executor.

Forked by the zygote (see zygote.py) with its socket, the enclave's memory file and its
channel file; `python -m vmpl_sgx.executor.worker SOCKET_FD MEMORY_FD CHANNEL_FD` starts one
by hand. SETUP and its answer go over the socket. It maps the enclave's memory file at
SECS.base with each page's permissions, then serves the executor's messages one at a time
over the channel (see channel.py): ENTER calls the enclave's entry point on this
process's main thread; an ocall from enclave code becomes an OCALL message and the
call waits for the ANSWER; a fault is reported by the crash handler, which ends the
process. A seccomp filter (syscall_filter.py) turns system calls made by enclave code into
faults. Enclave memory lives in the shared file, so it outlives the process.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
from typing import Sequence

from vmpl_sgx._abi import PAGE_SIZE, EnclaveFrame, EnclaveStatus
from vmpl_sgx.executor import crash_handler, libc, syscall_filter
from vmpl_sgx.executor.channel import TO_EXECUTOR, TO_WORKER, Channel
from vmpl_sgx.executor.messages import (
    Answer,
    Enter,
    MessageError,
    Normal,
    Ocall,
    OutputOverflow,
    Ready,
    Setup,
    SetupFailed,
    decode,
    encode,
)
from vmpl_sgx.ocall_answer import decode_answer

EXIT_PROTOCOL = 71
"""Exit status when the executor sent something unexpected, or went away mid-call."""
RECEIVE_LIMIT = 1 << 20

_ENTRY_TYPE = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p)
_OCALL_TYPE = ctypes.CFUNCTYPE(
    ctypes.c_uint64,
    ctypes.c_uint32,
    ctypes.c_void_p,
    ctypes.c_uint64,
    ctypes.c_void_p,
    ctypes.c_uint64,
    ctypes.c_void_p,
)
_OK = int(EnclaveStatus.OK)
_OUTPUT_TOO_SMALL = int(EnclaveStatus.OUTPUT_TOO_SMALL)
_OCALL_FAILED = int(EnclaveStatus.OCALL_FAILED)


def map_enclave(setup: Setup, memory_fd: int) -> None:
    """Reserve [base, base + size) and map each run of pages from the memory file."""
    reserve = libc.MAP_PRIVATE | libc.MAP_ANONYMOUS | libc.MAP_NORESERVE | libc.MAP_FIXED_NOREPLACE
    got = libc.mmap(setup.base, setup.size, libc.PROT_NONE, reserve)
    if got != setup.base:
        # Kernels before 4.17 take MAP_FIXED_NOREPLACE as a mere hint.
        raise OSError(17, f"the enclave range 0x{setup.base:x} is not free in the worker")
    for mapping in setup.mappings:
        if mapping.prot == libc.PROT_NONE:
            continue
        libc.mmap(
            setup.base + mapping.offset,
            mapping.length,
            mapping.prot,
            libc.MAP_SHARED | libc.MAP_FIXED,
            fd=memory_fd,
            offset=mapping.offset,
        )


class Worker:
    """Runs ecalls of one TCS, one at a time, and carries its ocalls to the executor."""

    def __init__(self, channel: Channel, setup: Setup) -> None:
        self.channel = channel
        self.setup = setup
        self.capacity = 0
        """Output capacity of the RUN in progress: an ocall request must fit it."""
        self._entry = _ENTRY_TYPE(setup.base + setup.entry_offset)
        self._ocall = _OCALL_TYPE(self._on_ocall)
        self._ocall_address = ctypes.cast(self._ocall, ctypes.c_void_p).value or 0
        # Reused from call to call (grown when a call needs more): a fresh 64 KiB output
        # buffer per call costs more than the call. The frame's fixed fields are set once.
        self._input = ctypes.create_string_buffer(1)
        self._output = ctypes.create_string_buffer(1)
        self._frame = EnclaveFrame(
            tcs=setup.base + setup.tcs_offset,
            enclave_base=setup.base,
            fsbase=setup.base + setup.fsbase_offset,
            gsbase=setup.base + setup.gsbase_offset,
            ocall=self._ocall_address,
        )
        self._input_address = ctypes.addressof(self._input)
        self._output_address = ctypes.addressof(self._output)
        self._frame_address = ctypes.addressof(self._frame)

    def send(self, data: bytes) -> None:
        self.channel.post(data, TO_EXECUTOR)

    def receive(self) -> bytes:
        # No timeout: the executor ends this process when it no longer needs it, and the
        # zygote's end ends it too (PR_SET_PDEATHSIG).
        self.channel.wait(TO_WORKER, None)
        return self.channel.take()

    def serve(self) -> None:
        while True:
            message = decode(self.receive())
            if not isinstance(message, Enter):
                raise MessageError(f"expected ENTER, got {type(message).__name__}")
            self.send(encode(self.run(message)))

    def run(self, enter: Enter) -> Normal | OutputOverflow:
        capacity = self.capacity = enter.output_capacity
        data = enter.input
        frame = self._frame
        if data:
            if len(data) > len(self._input):
                self._input = ctypes.create_string_buffer(len(data))
                self._input_address = ctypes.addressof(self._input)
            ctypes.memmove(self._input_address, data, len(data))
        if capacity > len(self._output):
            self._output = ctypes.create_string_buffer(capacity)
            self._output_address = ctypes.addressof(self._output)
        # Every field the enclave may have changed is set again.
        frame.call_id = enter.call_id
        frame.input = self._input_address
        frame.input_len = len(data)
        frame.output = self._output_address
        frame.output_capacity = capacity
        frame.output_len = 0
        retval = self._entry(self._frame_address)
        # Only output_len is the enclave's word; the capacity checked is the worker's own.
        output_len = frame.output_len
        if output_len > capacity:
            return OutputOverflow(output_len)
        output = ctypes.string_at(self._output_address, output_len) if output_len else b""
        return Normal(retval, output)

    def _on_ocall(  # noqa: PLR0917 - the C signature of vmpl_sgx_enclave_ocall_fn
        self,
        call_id: int,
        request: int | None,
        request_len: int,
        response: int | None,
        response_capacity: int,
        response_len: int | None,
    ) -> int:
        try:
            return self._ocall_round_trip(
                call_id,
                request or 0,
                request_len,
                response or 0,
                response_capacity,
                response_len or 0,
            )
        except BaseException:
            # An exception cannot cross back into enclave code; the executor sees the exit.
            os._exit(EXIT_PROTOCOL)

    def _ocall_round_trip(  # noqa: PLR0917 - the same arguments, unpacked
        self,
        call_id: int,
        request: int,
        request_len: int,
        response: int,
        response_capacity: int,
        response_len: int,
    ) -> int:
        # A request that cannot reach the application fails here, inside the enclave's
        # ocall, rather than as an exit that would leave this thread waiting forever.
        if request_len > self.capacity:
            return _OUTPUT_TOO_SMALL
        self.send(encode(Ocall(call_id, ctypes.string_at(request, request_len))))
        message = decode(self.receive())
        if not isinstance(message, Answer):
            raise MessageError(f"expected ANSWER, got {type(message).__name__}")
        self.capacity = message.output_capacity
        status, payload = decode_answer(message.payload)
        if status != _OK:
            return status
        if len(payload) > response_capacity:
            return _OUTPUT_TOO_SMALL
        if payload and not response:
            return _OCALL_FAILED
        ctypes.memmove(response, payload, len(payload))
        if response_len:
            ctypes.c_uint64.from_address(response_len).value = len(payload)
        return _OK


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    sock = socket.socket(fileno=int(args[0]))
    memory_fd = int(args[1])
    channel = Channel(int(args[2]))
    os.close(int(args[2]))
    libc.set_parent_death_signal(signal.SIGKILL)
    setup = decode(sock.recv(RECEIVE_LIMIT))
    if not isinstance(setup, Setup):
        return EXIT_PROTOCOL
    try:
        if setup.base % PAGE_SIZE or setup.size % PAGE_SIZE:
            raise OSError(22, "base and size must be page-aligned")
        map_enclave(setup, memory_fd)
        crash_handler.install(lambda report: channel.post(report, TO_EXECUTOR))
        # Last: from here on a system call made by enclave code faults (#UD), as in SGX.
        syscall_filter.install(setup.base, setup.size)
    except OSError as error:
        sock.sendall(encode(SetupFailed(error.errno or 0, str(error))))
        return 1
    os.close(memory_fd)
    worker = Worker(channel, setup)
    sock.sendall(encode(Ready()))
    try:
        worker.serve()
    except MessageError:
        return EXIT_PROTOCOL
    return 0


if __name__ == "__main__":
    sys.exit(main())
