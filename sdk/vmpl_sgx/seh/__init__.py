"""The Secure Enclave Handler: the SEH side of the vmpl-sgx protocol, in Python.

It plays the part of SGX hardware at VMPL0 for the kernel module's loopback
transport (`python -m vmpl_sgx.seh`) and for the SDK's in-process simulator.
"""

from __future__ import annotations

from vmpl_sgx.seh.errors import EnclaveAccessError, SehError, SehFault
from vmpl_sgx.seh.executor import EnclaveView, Executor, ExitInfo
from vmpl_sgx.seh.memory import GuestMemory
from vmpl_sgx.seh.model import DEFAULT_MAX_ENCLAVE_SIZE, SehModel
from vmpl_sgx.seh.stats import SehStats

__all__ = [
    "DEFAULT_MAX_ENCLAVE_SIZE",
    "EnclaveAccessError",
    "EnclaveView",
    "Executor",
    "ExitInfo",
    "GuestMemory",
    "SehError",
    "SehFault",
    "SehModel",
    "SehStats",
]
