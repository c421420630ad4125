"""How an application answers an ocall: the input of the ERESUME that follows an ocall exit.

The answer starts with struct vmpl_sgx_enclave_ocall_answer (abi/vmpl_sgx.yaml): the
status of the host's service (a VMPL_SGX_ENCLAVE_STATUS_* value) and 4 reserved zero
bytes, followed by the answer's bytes. The enclave's ocall returns that status; only
with OK does it get the bytes. The header lets a host say "no handler" or "failed" apart from an
empty answer. An input too short for the header, or with reserved bytes set,
reaches the enclave as OCALL_FAILED.
"""

from __future__ import annotations

import ctypes
import struct
from typing import Tuple, Union

from vmpl_sgx._abi import EnclaveOcallAnswer, EnclaveStatus
from vmpl_sgx.errors import BadValueError

HEADER = struct.Struct("<II")
HEADER_SIZE = HEADER.size
if ctypes.sizeof(EnclaveOcallAnswer) != HEADER_SIZE:  # a spec change must show up here
    raise ImportError("struct vmpl_sgx_enclave_ocall_answer no longer matches ocall_answer.py")

BytesLike = Union[bytes, bytearray, memoryview]


def encode_answer(status: int, payload: BytesLike = b"") -> bytes:
    """The ERESUME input carrying `status` and, with OK, `payload`."""
    if not 0 <= status < 1 << 32:
        raise BadValueError(f"ocall status {status} does not fit in 32 bits")
    return HEADER.pack(status, 0) + bytes(payload)


def decode_answer(data: BytesLike) -> Tuple[int, bytes]:
    """(status, payload) of an ERESUME input; a malformed one is OCALL_FAILED."""
    raw = bytes(data)
    if len(raw) < HEADER_SIZE:
        return int(EnclaveStatus.OCALL_FAILED), b""
    status, reserved = HEADER.unpack_from(raw)
    if reserved:
        return int(EnclaveStatus.OCALL_FAILED), b""
    return status, raw[HEADER_SIZE:]
