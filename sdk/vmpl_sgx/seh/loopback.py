"""The user-space SEH behind the kernel module's loopback transport.

Each read() of /dev/vmpl_sgx_seh returns one pending SEH call; the answer goes
back with one write(). Any descriptor with the same one-message-per-read
behaviour (a SOCK_SEQPACKET socket, say) works as well.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import time
from typing import Union

from vmpl_sgx._abi import LB_MAX_MESSAGE, SEH_PROTOCOL, SehCall, SehResult
from vmpl_sgx.seh.faults import (
    EXIT_DIED_ON_PURPOSE,
    NO_FAULT,
    Fault,
    cut_add_pages,
    delay_of,
    injected_answer,
)
from vmpl_sgx.seh.memory import GuestMemory
from vmpl_sgx.seh.messages import MessageError, answer, decode_request
from vmpl_sgx.seh.model import CORE_PROTOCOL, CORE_QUERY_PROTOCOL, SEH_CALLS, SehModel

log = logging.getLogger("vmpl_sgx.seh")

DEFAULT_DEVICE = "/dev/vmpl_sgx_seh"


def call_name(rax: int) -> str:
    """A readable name for the call in RAX, for logs."""
    protocol, number = rax >> 32, rax & 0xFFFFFFFF
    if protocol == SEH_PROTOCOL and number in SEH_CALLS:
        return SehCall(number).name
    if protocol == CORE_PROTOCOL and number == CORE_QUERY_PROTOCOL:
        return "QUERY_PROTOCOL"
    return f"0x{protocol:x}:{number}"


def serve_message(
    model: SehModel, message: Union[bytearray, memoryview], fault: Fault = NO_FAULT
) -> bytes:
    """Answer one request message. `message` must be writable: its Calling Area and
    pages are used in place, so the response is built without copying them first."""
    request = decode_request(message)
    injected = injected_answer(fault, request)
    if injected is not None:
        rax, rcx = injected
    else:
        cut = cut_add_pages(fault, request)
        memory = GuestMemory()
        for page in request.pages:
            memory.add(page.gpa, page.data, page.writable)
        rax, rcx = model.call(request.rax, request.rcx, request.caa, memory)
        if cut and rax == SehResult.SUCCESS:
            rax = SehResult.INCOMPLETE
    log.debug(
        "seq %d: %s rcx=%d pages=%d -> 0x%x rcx=%d",
        request.seq,
        call_name(request.rax),
        request.rcx,
        len(request.pages),
        rax,
        rcx,
    )
    return answer(request, rax, rcx)


NOMEM_PAUSE_S = 0.01
"""Pause before reading or answering again after the device ran out of memory."""
NOMEM_ATTEMPTS = 100
"""Tries at one answer while the device keeps running out of memory; then the SEH stops."""


class LoopbackServer:
    """Serves SEH calls read from `fd` until a stop request, end of file or an error.

    The loop waits with select() on the device and on a pipe of its own, so that
    request_stop() (from a signal handler or another thread) wakes it without
    ever abandoning a call it has already read.
    """

    def __init__(self, fd: int, model: SehModel, fault: Fault = NO_FAULT) -> None:
        self.fd = fd
        self.model = model
        self.fault = fault
        self.answered = 0
        # bytearray(n) writes its zeros, so every page is resident before the module copies
        # a call into it: that copy never needs a page (under memory pressure it would fail).
        self._buffer = bytearray(LB_MAX_MESSAGE)
        self._stopping = False
        self._wake_read, self._wake_write = os.pipe()
        for end in (self._wake_read, self._wake_write):
            os.set_blocking(end, False)

    def request_stop(self) -> None:
        """Stop after the call in progress, or at once while waiting for one."""
        self._stopping = True
        with contextlib.suppress(BlockingIOError):  # a full pipe has wake-ups enough
            os.write(self._wake_write, b"\0")

    def close(self) -> None:
        """Release the wake-up pipe (not the device descriptor, which the caller owns)."""
        os.close(self._wake_read)
        os.close(self._wake_write)

    def serve(self, once: bool = False) -> int:
        """Run the loop; returns the process exit status (0 for a clean stop)."""
        try:
            while True:
                message = self._next_message()
                if message is None:
                    return 0
                if self.fault.kind == "hang":
                    log.debug("hang: leaving a call unanswered")
                    continue
                if self.fault.kind == "die-after" and self.answered >= self.fault.calls:
                    log.warning("die-after: exiting in the middle of a call")
                    os._exit(EXIT_DIED_ON_PURPOSE)
                if self.fault.delay:
                    time.sleep(delay_of(self.fault, decode_request(message).rax))
                self._answer(serve_message(self.model, message, self.fault))
                self.answered += 1
                if once:
                    return 0
        except MessageError as error:
            log.error("malformed message from the device: %s", error)
        except OSError as error:
            log.error("device error: %s", error)
        return 1

    def _next_message(self) -> memoryview | None:
        """The next call, or None once asked to stop or at end of file."""
        while not self._stopping:
            readable, _, _ = select.select([self.fd, self._wake_read], [], [])
            if self._wake_read in readable:
                self._drain_wake_ups()
            if self.fd in readable and not self._stopping:
                try:
                    length = os.readv(self.fd, [self._buffer])
                except OSError as error:
                    # Out of memory delivering a call: the module puts it back at the
                    # head of its queue, so it is read again.
                    if error.errno != errno.ENOMEM:
                        raise
                    log.warning("reading a call: %s; reading it again", error)
                    time.sleep(NOMEM_PAUSE_S)
                    continue
                if not length:
                    log.info("the device reported end of file")
                    return None
                return memoryview(self._buffer)[:length]
        log.info("stopping on request")
        return None

    def _drain_wake_ups(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_read, 64):
                pass

    def _answer(self, response: bytes) -> None:
        try:
            written = self._write(response)
        except OSError as error:
            # The module refuses answers to calls it gave up on (ENOENT) and answers it
            # finds malformed (EINVAL, the call fails); either way the session goes on.
            if error.errno not in (errno.ENOENT, errno.EINVAL):
                raise
            log.warning("the device refused an answer: %s", error)
            return
        if written != len(response):
            raise OSError(f"short write: {written} of {len(response)} bytes")

    def _write(self, response: bytes) -> int:
        """os.write, again after a pause while the device is out of memory: it failed
        before taking the answer, so the call still waits for it (had the module failed
        the call instead, the next try gets ENOENT)."""
        for _ in range(NOMEM_ATTEMPTS - 1):
            try:
                return os.write(self.fd, response)
            except OSError as error:
                if error.errno != errno.ENOMEM:
                    raise
                log.warning("answering a call: %s; answering again", error)
                time.sleep(NOMEM_PAUSE_S)
        return os.write(self.fd, response)
