"""What the SDK needs from something that answers /dev/vmpl_sgx ioctls, and how to pick one.

Two backends implement it: the kernel module's device (`vmpl_sgx.device`) and the in-process
simulator (`vmpl_sgx.simulator`), which follows the module's user ABI check for check.
"""

from __future__ import annotations

from typing import Mapping, Protocol, Union

from vmpl_sgx import _abi
from vmpl_sgx.errors import ADD_PAGES, CREATE, GET_INFO, INIT, QUOTE, QUOTING_TARGET, RUN

DEVICE_PATH = "/dev/vmpl_sgx"
BACKEND_ENV = "VMPL_SGX_BACKEND"
"""Environment variable naming the backend `open_backend("auto")` picks."""
BACKEND_NAMES = ("auto", "device", "simulator")

IoctlArg = Union[bytearray, int]
"""A buffer holding the argument struct, or a raw user address (0 is a valid bad one)."""

IOCTL_NAMES: Mapping[int, str] = {
    _abi.IOC_ENCLAVE_CREATE: CREATE,
    _abi.IOC_ENCLAVE_ADD_PAGES: ADD_PAGES,
    _abi.IOC_ENCLAVE_INIT: INIT,
    _abi.IOC_GET_INFO: GET_INFO,
    _abi.IOC_ENCLAVE_RUN: RUN,
    _abi.IOC_ENCLAVE_QUOTE: QUOTE,
    _abi.IOC_QUOTING_TARGET: QUOTING_TARGET,
}


class Backend(Protocol):
    """One open enclave file.

    `ioctl` behaves as `fcntl.ioctl(fd, cmd, arg, True)` does: a bytearray is handed over as
    the argument and gets the struct the call wrote back (also on failure); an int is passed
    as the raw pointer value. Failures raise `vmpl_sgx.errors.VmplSgxError` subclasses, whose
    `errno` is the one the module returns; the result is the ioctl's return value.
    """

    @property
    def name(self) -> str:
        """'device' or 'simulator'."""

    @property
    def closed(self) -> bool: ...

    def ioctl(self, cmd: int, arg: IoctlArg) -> int: ...

    def close(self) -> None: ...


def ioctl_name(cmd: int) -> str | None:
    """The name of a known command number (an extensible one at any size it takes), as the
    errors use it."""
    spec = _abi.lookup_ioctl(cmd)
    return IOCTL_NAMES.get(spec.number) if spec is not None else None


def check_arg(arg: object) -> None:
    """Reject argument types `fcntl.ioctl(..., True)` would treat differently."""
    if isinstance(arg, bool) or not isinstance(arg, (bytearray, int)):
        raise TypeError(f"an ioctl argument is a bytearray or an int, not {type(arg).__name__}")
