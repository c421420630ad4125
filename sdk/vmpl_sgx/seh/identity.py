"""What EREPORT and EGETKEY know about an enclave: its SECS identity after EINIT."""

from __future__ import annotations

from vmpl_sgx._abi import SehResult
from vmpl_sgx.enclave_identity import EnclaveIdentity
from vmpl_sgx.seh.enclave import Enclave, EnclaveState
from vmpl_sgx.seh.errors import SehError

__all__ = ["EnclaveIdentity", "identity_of"]


def identity_of(enclave: Enclave) -> EnclaveIdentity:
    """The identity of an initialized enclave; BAD_STATE before EINIT (no identity yet)."""
    if enclave.state is not EnclaveState.INITIALIZED:
        raise SehError(SehResult.BAD_STATE, "EREPORT/EGETKEY need an initialized enclave")
    return EnclaveIdentity(
        mrenclave=enclave.mrenclave,
        mrsigner=enclave.mrsigner,
        attributes=enclave.attributes,
        xfrm=enclave.xfrm,
        miscselect=enclave.miscselect,
        isv_prod_id=enclave.isv_prod_id,
        isv_svn=enclave.isv_svn,
        config_id=enclave.config_id,
        config_svn=enclave.config_svn,
        isv_family_id=enclave.isv_family_id,
        isv_ext_prod_id=enclave.isv_ext_prod_id,
    )
