"""`EnclaveIdentity`: what an initialized enclave is, as EINIT established it.

ENCLAVE_INIT succeeds only when the SEH's EINIT accepted the SIGSTRUCT: the enclave's
measurement equals SIGSTRUCT.enclavehash, its attributes and MISCSELECT pass the SIGSTRUCT's
masks, and MRSIGNER becomes the SHA-256 of the signer's modulus. So after a successful INIT
these values are the ones the SEH recorded. The ioctl (the same layout as Linux's
sgx_enclave_init) returns nothing, so the SDK keeps them from the SECS and SIGSTRUCT it passed.
"""

from __future__ import annotations

import dataclasses
from typing import Union

from vmpl_sgx._abi import Attr, Secs, Sigstruct
from vmpl_sgx.sigstruct import mrsigner, read_params

BytesLike = Union[bytes, bytearray, memoryview]


@dataclasses.dataclass(frozen=True)
class EnclaveIdentity:
    mrenclave: bytes
    mrsigner: bytes
    attributes: int
    """SECS.attributes with INIT set, as EINIT leaves them."""
    xfrm: int
    miscselect: int
    isvprodid: int
    isvsvn: int
    isvfamilyid: bytes
    isvextprodid: bytes

    @property
    def debug(self) -> bool:
        return bool(self.attributes & Attr.DEBUG)

    @classmethod
    def after_init(cls, secs: BytesLike, sigstruct: BytesLike) -> EnclaveIdentity:
        """The identity of an enclave created from `secs` that EINIT accepted `sigstruct` for."""
        created = Secs.from_buffer_copy(bytes(secs))
        params = read_params(sigstruct)
        modulus = bytes(Sigstruct.from_buffer_copy(bytes(sigstruct)).modulus)
        return cls(
            mrenclave=params.enclavehash,
            mrsigner=mrsigner(modulus),
            attributes=created.attributes | Attr.INIT,
            xfrm=created.xfrm,
            miscselect=created.miscselect,
            isvprodid=params.isvprodid,
            isvsvn=params.isvsvn,
            isvfamilyid=params.isvfamilyid,
            isvextprodid=params.isvextprodid,
        )
