"""The kernel module's device, /dev/vmpl_sgx: one open file is one enclave."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import threading

from vmpl_sgx.backend import DEVICE_PATH, IoctlArg, check_arg, ioctl_name
from vmpl_sgx.errors import OPEN, error_for, error_from_os

_libc = ctypes.CDLL(None, use_errno=True)
# fcntl.ioctl() parses an integer argument as a C int, which cannot carry a 64-bit pointer,
# so a raw address goes through libc with the argument as an unsigned long.
_ioctl = _libc.ioctl
_ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong]
_ioctl.restype = ctypes.c_int

_fcntl_ioctl = fcntl.ioctl
FCNTL_BUFFER_MAX = 1024
"""Largest buffer fcntl.ioctl() stages in its own copy, releasing the GIL around the call
and copying the result back on success and on failure alike (CPython's IOCTL_BUFSZ)."""


class DeviceBackend:
    """An open file of the device. ioctls run without the GIL, so threads may overlap them."""

    name = "device"

    def __init__(self, path: str = DEVICE_PATH) -> None:
        self.path = path
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except OSError as error:
            raise error_from_os(error, OPEN) from error
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def fileno(self) -> int:
        return self._fd

    def ioctl(self, cmd: int, arg: IoctlArg) -> int:
        fd = self._fd
        if type(arg) is bytearray and len(arg) <= FCNTL_BUFFER_MAX and fd >= 0:
            # The common case, kept short: every argument struct of the ABI fits. A ctypes
            # call costs several times fcntl's, which would dominate a null ioctl.
            try:
                done: int = _fcntl_ioctl(fd, cmd, arg, True)
            except OSError as error:
                raise error_for(error.errno or errno.EIO, ioctl_name(cmd)) from None
            return done
        check_arg(arg)
        if fd < 0:
            raise error_for(errno.EBADF, ioctl_name(cmd), "the device file is closed")
        if isinstance(arg, int):
            result = _ioctl(fd, cmd, arg)
        else:
            # A pointer straight into a large bytearray: the module's write-back lands in it,
            # on success and on failure, as with fcntl.ioctl(fd, cmd, buf, True).
            holder = (ctypes.c_char * len(arg)).from_buffer(arg)
            try:
                result = _ioctl(fd, cmd, ctypes.addressof(holder))
            finally:
                del holder
        if result < 0:
            raise error_for(ctypes.get_errno(), ioctl_name(cmd))
        return int(result)

    def close(self) -> None:
        with self._lock:
            fd, self._fd = self._fd, -1
        if fd >= 0:
            try:
                os.close(fd)
            except OSError as error:
                raise error_from_os(error, None) from error

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"fd {self._fd}"
        return f"DeviceBackend({self.path!r}, {state})"
