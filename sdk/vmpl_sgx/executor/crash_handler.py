"""The worker's handler for faults in enclave code: report them to the executor, then exit.

A fault in native code cannot be handled by a Python signal handler (Python only notes the
signal and would return into the faulting instruction). The handler is a ctypes callback
installed with sigaction(): the faulting thread runs enclave code called through ctypes, so
it does not hold the GIL and the callback can take it. It runs on an alternate stack, since
the fault may be an overflow of the enclave's stack, and never returns.
"""

from __future__ import annotations

import ctypes
import os
from typing import Callable

from vmpl_sgx.executor import libc
from vmpl_sgx.executor.messages import Crash, encode
from vmpl_sgx.executor.vectors import FAULT_SIGNALS

EXIT_CRASHED = 70
"""Exit status of a worker after it reported a fault."""

ALT_STACK_SIZE = 1 << 20
"""Room for the Python frames of the handler itself."""

# Offsets in siginfo_t and ucontext_t on x86-64 Linux.
_SI_CODE = 8
_SI_ADDR = 16
_GREGS = 40
_REG_RIP = 16
_REG_ERR = 19
_REG_TRAPNO = 20

_HANDLER_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_installed: list[object] = []
"""Keeps the callback and the alternate stack alive for the life of the process."""


def _u64(address: int) -> int:
    return ctypes.c_uint64.from_address(address).value


def _handler(report: Callable[[bytes], None]) -> Callable[[int, int | None, int | None], None]:
    def on_fault(signo: int, info: int | None, context: int | None) -> None:
        try:
            code = ctypes.c_int.from_address(info + _SI_CODE).value if info else 0
            address = _u64(info + _SI_ADDR) if info else 0
            gregs = (context or 0) + _GREGS
            trapno = _u64(gregs + 8 * _REG_TRAPNO) if context else 0
            error = _u64(gregs + 8 * _REG_ERR) if context else 0
            rip = _u64(gregs + 8 * _REG_RIP) if context else 0
            report(encode(Crash(signo, code, trapno, error, address, rip)))
        finally:
            os._exit(EXIT_CRASHED)

    return on_fault


def install(report: Callable[[bytes], None]) -> None:
    """Catch every fault signal on an alternate stack and hand the CRASH message to `report`."""
    stack = libc.mmap(
        0, ALT_STACK_SIZE, libc.PROT_READ | libc.PROT_WRITE, libc.MAP_PRIVATE | libc.MAP_ANONYMOUS
    )
    libc.sigaltstack(stack, ALT_STACK_SIZE)
    callback = _HANDLER_TYPE(_handler(report))
    address = ctypes.cast(callback, ctypes.c_void_p).value or 0
    for signum in FAULT_SIGNALS:
        libc.sigaction(signum, address, libc.SA_SIGINFO | libc.SA_ONSTACK)
    _installed.append(callback)
