"""EREPORT and EGETKEY as enclave code reaches them: ocalls with ids the SEH keeps for itself.

The SEH answers these without ending the RUN; the host never sees them. A malformed request
gets BAD_INPUT; reserved bits that SGX answers with #GP get BAD_INPUT too (the model has no
way to raise an exception inside a running enclave).
"""

from __future__ import annotations

import ctypes

from vmpl_sgx._abi import (
    KEYREQUEST_SIZE,
    REPORT_DATA_SIZE,
    TARGETINFO_SIZE,
    EnclaveStatus,
    KeyAnswer,
    Keyrequest,
    KeyStatus,
    Leaf,
    Targetinfo,
)
from vmpl_sgx.ocall_answer import encode_answer
from vmpl_sgx.seh.errors import GeneralProtectionFault, KeyRequestError
from vmpl_sgx.seh.identity import EnclaveIdentity
from vmpl_sgx.seh.trust import SehTrust

LEAF_IDS = frozenset(int(leaf) for leaf in Leaf)


def serve(trust: SehTrust, identity: EnclaveIdentity, leaf: int, request: bytes) -> bytes:
    """The ERESUME input (ocall answer header and bytes) that answers one leaf call."""
    try:
        if leaf == Leaf.EREPORT:
            if len(request) != TARGETINFO_SIZE + REPORT_DATA_SIZE:
                return encode_answer(EnclaveStatus.BAD_INPUT)
            target = Targetinfo.from_buffer_copy(request[:TARGETINFO_SIZE])
            report = trust.ereport(identity, target, request[TARGETINFO_SIZE:])
            return encode_answer(EnclaveStatus.OK, bytes(report))
        if len(request) != KEYREQUEST_SIZE:
            return encode_answer(EnclaveStatus.BAD_INPUT)
        answer = KeyAnswer(status=int(KeyStatus.SUCCESS))
        try:
            key = trust.egetkey(identity, Keyrequest.from_buffer_copy(request))
            ctypes.memmove(answer.key, key, len(key))
        except KeyRequestError as refused:
            answer.status = refused.status
        return encode_answer(EnclaveStatus.OK, bytes(answer))
    except GeneralProtectionFault:
        return encode_answer(EnclaveStatus.BAD_INPUT)
