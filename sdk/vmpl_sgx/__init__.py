"""vmpl-sgx: SGX-style enclaves in AMD SEV-SNP guests, from Python, with the standard library only.

    import vmpl_sgx
    from vmpl_sgx.layout import load, sample_layout, sign

    layout = sample_layout()
    with vmpl_sgx.open_enclave() as enclave:   # /dev/vmpl_sgx if present, else the simulator
        load(enclave, layout, sign(layout, key))

Every error is a `vmpl_sgx.VmplSgxError`: a failed call carries the errno the kernel module (or
the simulator, which behaves the same) reported; a rule the SDK checks itself (ELF, image, key,
SIGSTRUCT, layout file, EnclaveApp) raises a `vmpl_sgx.SdkError`. See `vmpl_sgx.errors`.
"""

from __future__ import annotations

from vmpl_sgx.backend import BACKEND_ENV, DEVICE_PATH, Backend
from vmpl_sgx.enclave import Enclave, EnclaveState, ExceptionInfo, RunResult
from vmpl_sgx.errors import (
    BadAddressError,
    BusyError,
    CallInterruptedError,
    ClosedError,
    DeviceMissingError,
    EnclaveStateError,
    EntryCancelledError,
    EntryParkedError,
    InitRejectedError,
    InvalidArgumentError,
    NoImageError,
    NoSpaceError,
    NotOwnerError,
    NotSupportedError,
    OutOfMemoryError,
    PageExistsError,
    PermissionDeniedError,
    QuotaExceededError,
    RunTimeoutError,
    SdkError,
    SehFailureError,
    SehTimeoutError,
    TooBigError,
    VmplSgxError,
    error_for,
)
from vmpl_sgx.identity import EnclaveIdentity
from vmpl_sgx.info import BackendInfo
from vmpl_sgx.selection import open_backend

__version__ = "0.1.0"

__all__ = [
    "BACKEND_ENV",
    "DEVICE_PATH",
    "Backend",
    "BackendInfo",
    "BadAddressError",
    "BusyError",
    "CallInterruptedError",
    "ClosedError",
    "DeviceMissingError",
    "Enclave",
    "EnclaveIdentity",
    "EnclaveState",
    "EnclaveStateError",
    "EntryCancelledError",
    "EntryParkedError",
    "ExceptionInfo",
    "InitRejectedError",
    "InvalidArgumentError",
    "NoImageError",
    "NoSpaceError",
    "NotOwnerError",
    "NotSupportedError",
    "OutOfMemoryError",
    "PageExistsError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RunResult",
    "RunTimeoutError",
    "SdkError",
    "SehFailureError",
    "SehTimeoutError",
    "TooBigError",
    "VmplSgxError",
    "__version__",
    "error_for",
    "open_backend",
    "open_enclave",
]


def open_enclave(backend: str = "auto", path: str = DEVICE_PATH) -> Enclave:
    """A new enclave on `backend` ('auto', 'device' or 'simulator'); see `open_backend`."""
    return Enclave.open(backend, path)
