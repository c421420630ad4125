"""The identity of an enclave after ENCLAVE_INIT, as the SDK knows it without asking.

ENCLAVE_INIT succeeds only when the SEH's EINIT accepted the SIGSTRUCT: the enclave's
measurement equals SIGSTRUCT.enclavehash, its attributes and MISCSELECT pass the SIGSTRUCT's
masks, and MRSIGNER becomes the SHA-256 of the signer's modulus. So after a successful INIT
these values are the ones the SEH recorded. The ioctl (the same layout as Linux's
sgx_enclave_init) returns nothing, so the SDK keeps them from the SECS and SIGSTRUCT it passed.
"""

from __future__ import annotations

from typing import Union

from vmpl_sgx._abi import Attr, Secs, Sigstruct
from vmpl_sgx.enclave_identity import EnclaveIdentity
from vmpl_sgx.sigstruct import mrsigner, read_params

BytesLike = Union[bytes, bytearray, memoryview]

__all__ = ["EnclaveIdentity", "identity_after_init"]


def identity_after_init(secs: BytesLike, sigstruct: BytesLike) -> EnclaveIdentity:
    """The identity of an enclave created from `secs` that EINIT accepted `sigstruct` for."""
    created = Secs.from_buffer_copy(bytes(secs))
    params = read_params(sigstruct)
    modulus = bytes(Sigstruct.from_buffer_copy(bytes(sigstruct)).modulus)
    return EnclaveIdentity(
        mrenclave=params.enclavehash,
        mrsigner=mrsigner(modulus),
        attributes=created.attributes | Attr.INIT,
        xfrm=created.xfrm,
        miscselect=created.miscselect,
        isv_prod_id=params.isvprodid,
        isv_svn=params.isvsvn,
        config_id=bytes(created.config_id),
        config_svn=created.config_svn,
        isv_family_id=params.isvfamilyid,
        isv_ext_prod_id=params.isvextprodid,
    )
