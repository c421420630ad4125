"""`EnclaveIdentity`: who an enclave is, in one spelling for every part of the SDK.

The host API (`Enclave.identity`), the SEH model (EREPORT, EGETKEY, quotes) and the quote
verifier all use this one type, with the field names of the spec's report body. It depends on
nothing but the generated ABI, so the SEH model, which never imports the host API, and the
verifier can share it.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmpl_sgx._abi import Attr


@dataclass(frozen=True)
class EnclaveIdentity:
    mrenclave: bytes
    mrsigner: bytes
    attributes: int
    """SECS.attributes with INIT set, as EINIT leaves them."""
    xfrm: int
    miscselect: int
    isv_prod_id: int
    isv_svn: int
    config_id: bytes = bytes(64)
    config_svn: int = 0
    isv_family_id: bytes = bytes(16)
    isv_ext_prod_id: bytes = bytes(16)
    report_data: bytes = bytes(64)
    """REPORTDATA of the report the identity was read from (a verified quote); zero otherwise."""

    @property
    def debug(self) -> bool:
        return bool(self.attributes & Attr.DEBUG)
