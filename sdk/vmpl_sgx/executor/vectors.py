"""From a fault in a worker to the exception exit SGX reports: vector, error code, address,
and the faulting instruction."""

from __future__ import annotations

import signal
from typing import NamedTuple

from vmpl_sgx.executor.messages import Crash
from vmpl_sgx.executor.syscall_filter import SYSCALL_INSN_LENGTH

VECTOR_DE = 0
"""#DE, divide error."""
VECTOR_BP = 3
"""#BP, breakpoint (int3)."""
VECTOR_UD = 6
"""#UD, invalid opcode; also what SGX raises for SYSCALL and the other instructions an
enclave may not execute."""
VECTOR_GP = 13
VECTOR_PF = 14
VECTOR_AC = 17

_SIGNAL_VECTORS = {
    int(signal.SIGSEGV): VECTOR_PF,
    int(signal.SIGBUS): VECTOR_PF,
    int(signal.SIGILL): VECTOR_UD,
    int(signal.SIGFPE): VECTOR_DE,
    int(signal.SIGTRAP): VECTOR_BP,
    int(signal.SIGSYS): VECTOR_UD,  # a system call from enclave code (syscall_filter.py)
}
FAULT_SIGNALS = tuple(_SIGNAL_VECTORS)
"""The signals a fault in enclave code raises; the worker catches each of them."""

_KERNEL_VECTORS = frozenset({0, 1, 3, 4, 5, 6, 7, 13, 14, 16, 17, 19})
"""Trap numbers the kernel records in the signal frame for faults of user code."""
_WITH_ERROR_CODE = frozenset({VECTOR_GP, VECTOR_PF, VECTOR_AC})
_SI_KERNEL = 0x80


class ExceptionExit(NamedTuple):
    vector: int
    error_code: int
    address: int
    rip: int = 0
    """The faulting instruction; 0 when the worker died without saying."""


def from_crash(crash: Crash) -> ExceptionExit:
    """What a fault caught by the worker's signal handler is as an SGX exception.

    When the kernel raised the signal for a fault (si_code positive, or SI_KERNEL for #GP
    and int3), its trap number is the vector. The address is si_addr: the data address of a
    page fault (0 too), the instruction of #UD and #DE; where it is 0 for other vectors (#GP,
    #BP) the instruction pointer stands in.
    """
    if crash.signo == signal.SIGSYS:
        # si_call_addr (and RIP) follow the two-byte SYSCALL, SYSENTER or INT 0x80.
        insn = (crash.address or crash.rip) - SYSCALL_INSN_LENGTH
        return ExceptionExit(VECTOR_UD, 0, insn, insn)
    if (crash.code > 0 or crash.code == _SI_KERNEL) and crash.trapno in _KERNEL_VECTORS:
        vector = crash.trapno
    else:
        vector = _SIGNAL_VECTORS.get(crash.signo, VECTOR_GP)
    error = crash.error_code & 0xFFFF if vector in _WITH_ERROR_CODE else 0
    if vector == VECTOR_PF:
        return ExceptionExit(vector, error, crash.address, crash.rip)
    return ExceptionExit(vector, error, crash.address or crash.rip, crash.rip)


def from_death(signo: int | None) -> ExceptionExit:
    """A worker that died without a report: killed by `signo`, or exited (None).

    Enclave code can only end its process through a system call, which SGX forbids with #UD.
    """
    if signo is None:
        return ExceptionExit(VECTOR_UD, 0, 0)
    return ExceptionExit(_SIGNAL_VECTORS.get(signo, VECTOR_GP), 0, 0)
