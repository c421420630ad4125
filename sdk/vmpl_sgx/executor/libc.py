"""The few libc calls the executor needs that Python's standard library does not offer.

Only Linux on x86-64 is supported: struct layouts below are that ABI's.
"""

from __future__ import annotations

import ctypes
import functools
import os

PROT_NONE = 0
PROT_READ = 1
PROT_WRITE = 2
PROT_EXEC = 4

MAP_SHARED = 0x01
MAP_PRIVATE = 0x02
MAP_FIXED = 0x10
MAP_ANONYMOUS = 0x20
MAP_NORESERVE = 0x4000
MAP_FIXED_NOREPLACE = 0x100000
MAP_FAILED = ctypes.c_void_p(-1).value

SA_ONSTACK = 0x08000000
SA_SIGINFO = 0x00000004
SA_NODEFER = 0x40000000

PR_SET_PDEATHSIG = 1

MFD_CLOEXEC = 0x0001
MFD_EXEC = 0x0010
"""Ask for an executable memfd explicitly; kernels before 6.3 reject the flag (EINVAL)."""


class SigAction(ctypes.Structure):
    """struct sigaction as glibc declares it on x86-64 (glibc fills in sa_restorer)."""

    _fields_ = (
        ("sa_sigaction", ctypes.c_void_p),
        ("sa_mask", ctypes.c_uint64 * 16),
        ("sa_flags", ctypes.c_int),
        ("sa_restorer", ctypes.c_void_p),
    )


class StackT(ctypes.Structure):
    """stack_t, the argument of sigaltstack()."""

    _fields_ = (
        ("ss_sp", ctypes.c_void_p),
        ("ss_flags", ctypes.c_int),
        ("ss_size", ctypes.c_size_t),
    )


_libc = ctypes.CDLL(None, use_errno=True)

_mmap = _libc.mmap
_mmap.argtypes = (
    ctypes.c_void_p,
    ctypes.c_size_t,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_long,
)
_mmap.restype = ctypes.c_void_p

_sigaction = _libc.sigaction
_sigaction.argtypes = (ctypes.c_int, ctypes.POINTER(SigAction), ctypes.POINTER(SigAction))
_sigaction.restype = ctypes.c_int

_sigaltstack = _libc.sigaltstack
_sigaltstack.argtypes = (ctypes.POINTER(StackT), ctypes.POINTER(StackT))
_sigaltstack.restype = ctypes.c_int


SYS_FUTEX = 202
"""x86-64's futex(2) number; the words are in shared memory, so no FUTEX_PRIVATE_FLAG."""
FUTEX_WAIT = 0
FUTEX_WAKE = 1


class Timespec(ctypes.Structure):
    _fields_ = (("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long))


_prctl = _libc.prctl
_prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
_prctl.restype = ctypes.c_int


def _raise_errno(what: str) -> None:
    number = ctypes.get_errno()
    raise OSError(number, f"{what}: {os.strerror(number)}")


def mmap(address: int, length: int, prot: int, flags: int, *, fd: int = -1, offset: int = 0) -> int:
    """mmap(2); returns the address, raises OSError on failure."""
    result = _mmap(address or None, length, prot, flags, fd, offset)
    if result is None or result == MAP_FAILED:
        _raise_errno(f"mmap of 0x{length:x} bytes at 0x{address:x}")
    return int(result)


def sigaction(signum: int, handler: int, flags: int) -> None:
    """Install `handler` (a C function address) for `signum` with an empty mask."""
    action = SigAction(sa_sigaction=handler, sa_flags=flags)
    if _sigaction(signum, ctypes.byref(action), None) != 0:
        _raise_errno(f"sigaction({signum})")


def sigaltstack(address: int, size: int) -> None:
    stack = StackT(ss_sp=address, ss_flags=0, ss_size=size)
    if _sigaltstack(ctypes.byref(stack), None) != 0:
        _raise_errno("sigaltstack")


def set_parent_death_signal(signum: int) -> None:
    if _prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        _raise_errno("prctl(PR_SET_PDEATHSIG)")


_syscall = _libc.syscall
"""syscall(2) without a prototype: arguments built once (see Futex) pass without conversion."""
_syscall.restype = ctypes.c_long
_SYS_FUTEX_ARG = ctypes.c_long(SYS_FUTEX)
_FUTEX_WAIT_ARG = ctypes.c_int(FUTEX_WAIT)
_FUTEX_WAKE_ARG = ctypes.c_int(FUTEX_WAKE)
_ONE_WAITER = ctypes.c_int(1)


def _timespec(seconds: float) -> Timespec:
    whole = int(seconds)
    return Timespec(whole, int((seconds - whole) * 1e9))


class Futex:
    """FUTEX_WAIT and FUTEX_WAKE on the u32 at one address.

    A channel's round trip makes four futex calls, and converting each call's seven
    arguments cost more than the system call: here the arguments are built once, and so is
    the timeout of the usual wait (`usual_timeout` seconds).
    """

    def __init__(self, address: int, usual_timeout: float | None = None) -> None:
        word = ctypes.c_void_p(address)
        self._wake = functools.partial(_syscall, _SYS_FUTEX_ARG, word, _FUTEX_WAKE_ARG, _ONE_WAITER)
        self._wait = functools.partial(_syscall, _SYS_FUTEX_ARG, word, _FUTEX_WAIT_ARG)
        self._usual_timeout = usual_timeout
        self._usual = _timespec(usual_timeout if usual_timeout is not None else 0.0)
        self._usual_pointer = ctypes.byref(self._usual)

    def wake(self) -> None:
        """Wake one waiter."""
        self._wake()

    def wait(self, expected: int, timeout: float | None) -> int:
        """Sleep while the word holds `expected` (a u32), at most `timeout` seconds (None: no
        limit). Returns 0 or the errno (EAGAIN, EINTR, ETIMEDOUT are the usual ones). ctypes
        lets go of the GIL meanwhile."""
        value = ctypes.c_uint32(expected)
        if timeout is None:
            result = self._wait(value, None)
        elif timeout == self._usual_timeout:
            result = self._wait(value, self._usual_pointer)
        else:
            result = self._wait(value, ctypes.byref(_timespec(timeout)))
        return ctypes.get_errno() if result < 0 else 0
