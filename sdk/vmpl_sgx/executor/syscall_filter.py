"""System calls from enclave code fault, as in SGX: a seccomp filter for the worker.

SGX raises #UD for SYSCALL, SYSENTER and INT 0x80 inside an enclave. A worker runs enclave
code natively, so without a filter such a call would really reach the kernel. The filter
looks at the instruction pointer the kernel records for every system call: a call made from
inside the enclave's range gets SIGSYS instead (SECCOMP_RET_TRAP), which the crash handler
reports as #UD; every call from outside it (Python, libc, the ocall path) goes through.
"""

from __future__ import annotations

import ctypes
import os
import struct

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_TRAP = 0x00030000
SECCOMP_RET_ALLOW = 0x7FFF0000
SYS_SECCOMP = 1
"""si_code of the SIGSYS a SECCOMP_RET_TRAP raises."""
SYSCALL_INSN_LENGTH = 2
"""SYSCALL (0f 05), SYSENTER (0f 34) and INT 0x80 (cd 80) are two bytes long; the kernel
records the address after them."""

# BPF instruction classes and fields (linux/bpf_common.h).
_LD_W_ABS = 0x00 | 0x00 | 0x20
_ALU_AND_K = 0x04 | 0x50 | 0x00
_JMP_JEQ_K = 0x05 | 0x10 | 0x00
_RET_K = 0x06 | 0x00
# Offsets in struct seccomp_data: nr (u32), arch (u32), instruction_pointer (u64), args.
_IP_LOW = 8
_IP_HIGH = 12


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k & 0xFFFFFFFF)


def program(base: int, size: int) -> bytes:
    """The filter: SIGSYS for calls whose instruction pointer is in [base, base + size),
    which must be a naturally aligned power of two (as every enclave's range is)."""
    if size <= 0 or size & (size - 1) or base % size:
        raise ValueError(f"0x{base:x}+0x{size:x} is not a naturally aligned power of two")
    mask = ~(size - 1) & (1 << 64) - 1
    return b"".join(
        (
            _insn(_LD_W_ABS, 0, 0, _IP_HIGH),
            _insn(_ALU_AND_K, 0, 0, mask >> 32),
            _insn(_JMP_JEQ_K, 0, 4, base >> 32),  # another high half: allow
            _insn(_LD_W_ABS, 0, 0, _IP_LOW),
            _insn(_ALU_AND_K, 0, 0, mask),
            _insn(_JMP_JEQ_K, 0, 1, base),
            _insn(_RET_K, 0, 0, SECCOMP_RET_TRAP),
            _insn(_RET_K, 0, 0, SECCOMP_RET_ALLOW),
        )
    )


def install(base: int, size: int) -> None:
    """Install the filter in this process for good (it cannot be removed, and it does not
    need privileges: no_new_privs is set first). OSError if the kernel refuses."""
    try:
        code = program(base, size)
    except ValueError as error:
        raise OSError(22, str(error)) from None
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong,
                      ctypes.c_ulong)
    prctl.restype = ctypes.c_int
    if prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(number)}")
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = _SockFprog(len(code) // 8, ctypes.addressof(buffer))
    if prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"prctl(PR_SET_SECCOMP): {os.strerror(number)}")
