"""EGETKEY and the report key, rooted in the SEH instance's secret.

A key is AES-128-CMAC, under a per-key-name key derived from the root secret, of a packed
derivation record: the key name, the identity fields the policy selects, the requested SVNs,
the masked attributes (INIT and DEBUG always included, so a DEBUG enclave never shares a key
with a production one), the masks themselves and the key id. Same record, same key; any
difference gives an unrelated key.
"""

from __future__ import annotations

import ctypes
import struct

from vmpl_sgx._abi import Attr, KeyName, KeyPolicy, Keyrequest, KeyStatus, Targetinfo
from vmpl_sgx.crypto.cmac import aes_cmac
from vmpl_sgx.seh.errors import GeneralProtectionFault, KeyRequestError
from vmpl_sgx.seh.identity import EnclaveIdentity
from vmpl_sgx.seh.root_secret import RootSecret

CPU_SVN_SIZE = 16
_ALWAYS_IN_MASK = int(Attr.INIT | Attr.DEBUG)
_KNOWN_POLICY = int(
    KeyPolicy.MRENCLAVE
    | KeyPolicy.MRSIGNER
    | KeyPolicy.NOISVPRODID
    | KeyPolicy.CONFIGID
    | KeyPolicy.ISVFAMILYID
    | KeyPolicy.ISVEXTPRODID
)
_KSS_POLICY = int(KeyPolicy.CONFIGID | KeyPolicy.ISVFAMILYID | KeyPolicy.ISVEXTPRODID)
_NEEDED_ATTRIBUTE = {
    KeyName.EINITTOKEN: Attr.EINITTOKENKEY,
    KeyName.PROVISION: Attr.PROVISIONKEY,
    KeyName.PROVISION_SEAL: Attr.PROVISIONKEY,
}


def _record(
    name: int,
    identity: EnclaveIdentity,
    *,
    policy: int,
    isv_svn: int,
    config_svn: int,
    cpu_svn: bytes,
    attribute_mask: int,
    xfrm_mask: int,
    misc_mask: int,
    key_id: bytes,
) -> bytes:
    mask = attribute_mask | _ALWAYS_IN_MASK

    def use(bit: KeyPolicy) -> bool:
        return bool(policy & bit)

    return b"".join(
        (
            struct.pack("<HHHH", name, policy, isv_svn, config_svn),
            cpu_svn,
            struct.pack(
                "<QQI",
                identity.attributes & mask,
                identity.xfrm & xfrm_mask,
                identity.miscselect & misc_mask,
            ),
            struct.pack("<QQI", mask, xfrm_mask, misc_mask),
            identity.mrenclave if use(KeyPolicy.MRENCLAVE) else bytes(32),
            identity.mrsigner if use(KeyPolicy.MRSIGNER) else bytes(32),
            struct.pack("<H", 0 if use(KeyPolicy.NOISVPRODID) else identity.isv_prod_id),
            identity.config_id if use(KeyPolicy.CONFIGID) else bytes(64),
            identity.isv_family_id if use(KeyPolicy.ISVFAMILYID) else bytes(16),
            identity.isv_ext_prod_id if use(KeyPolicy.ISVEXTPRODID) else bytes(16),
            key_id,
        )
    )


def _derive(root: RootSecret, record: bytes) -> bytes:
    return aes_cmac(root.derive("egetkey", size=16), record)


def report_key(root: RootSecret, target: EnclaveIdentity, key_id: bytes, cpu_svn: bytes) -> bytes:
    """The REPORT key of `target`: what EREPORT MACs with and what EGETKEY(REPORT) returns."""
    everything = (1 << 64) - 1
    record = _record(
        int(KeyName.REPORT),
        target,
        policy=int(KeyPolicy.MRENCLAVE | KeyPolicy.CONFIGID | KeyPolicy.NOISVPRODID),
        isv_svn=0,
        config_svn=target.config_svn,
        cpu_svn=cpu_svn,
        attribute_mask=everything,
        xfrm_mask=everything,
        misc_mask=0xFFFFFFFF,
        key_id=key_id,
    )
    return _derive(root, record)


def target_identity(info: Targetinfo) -> EnclaveIdentity:
    """The part of an identity a TARGETINFO names (all the report key depends on)."""
    if any(any(getattr(info, name)) for name in Targetinfo.RESERVED_FIELDS):
        raise GeneralProtectionFault("EREPORT: TARGETINFO reserved bytes are not zero")
    return EnclaveIdentity(
        mrenclave=bytes(info.mrenclave),
        mrsigner=bytes(32),
        attributes=info.attributes,
        xfrm=info.xfrm,
        miscselect=info.miscselect,
        isv_prod_id=0,
        isv_svn=0,
        config_id=bytes(info.config_id),
        config_svn=info.config_svn,
    )


def targetinfo_of(identity: EnclaveIdentity) -> Targetinfo:
    """TARGETINFO naming `identity`, as an enclave builds it from its own report."""
    info = Targetinfo()
    ctypes.memmove(info.mrenclave, identity.mrenclave, 32)
    info.attributes = identity.attributes
    info.xfrm = identity.xfrm
    info.config_svn = identity.config_svn
    info.miscselect = identity.miscselect
    ctypes.memmove(info.config_id, identity.config_id, 64)
    return info


def egetkey(
    root: RootSecret, identity: EnclaveIdentity, request: Keyrequest, cpu_svn: bytes
) -> bytes:
    """The 16-byte key `request` asks for; KeyRequestError with SGX's status when refused."""
    if request.reserved1 or any(request.reserved2) or request.key_policy & ~_KNOWN_POLICY:
        raise GeneralProtectionFault("EGETKEY: reserved KEYREQUEST bits are not zero")
    if request.key_policy & _KSS_POLICY and not identity.attributes & Attr.KSS:
        raise GeneralProtectionFault("EGETKEY: KSS policy bits without the KSS attribute")
    try:
        name = KeyName(request.key_name)
    except ValueError:
        raise KeyRequestError(
            int(KeyStatus.INVALID_KEYNAME), f"EGETKEY: no key name {request.key_name}"
        ) from None
    key_id = bytes(request.key_id)
    if name is KeyName.REPORT:
        return report_key(root, identity, key_id, cpu_svn)
    needed = _NEEDED_ATTRIBUTE.get(name)
    if needed is not None and not identity.attributes & needed:
        raise KeyRequestError(
            int(KeyStatus.INVALID_ATTRIBUTE),
            f"EGETKEY: {name.name} needs the {needed.name} attribute",
        )
    if request.isv_svn > identity.isv_svn or request.config_svn > identity.config_svn:
        raise KeyRequestError(
            int(KeyStatus.INVALID_ISVSVN),
            f"EGETKEY: ISVSVN {request.isv_svn} / CONFIGSVN {request.config_svn} above the "
            f"enclave's {identity.isv_svn} / {identity.config_svn}",
        )
    requested_cpu_svn = bytes(request.cpu_svn)
    if any(a > b for a, b in zip(requested_cpu_svn, cpu_svn)):
        raise KeyRequestError(int(KeyStatus.INVALID_CPUSVN), "EGETKEY: CPUSVN above the platform's")
    policy = request.key_policy
    if name is KeyName.EINITTOKEN:
        policy = int(KeyPolicy.MRSIGNER)  # the launch key binds to the signer only
    record = _record(
        int(name),
        identity,
        policy=policy,
        isv_svn=request.isv_svn,
        config_svn=request.config_svn,
        cpu_svn=requested_cpu_svn,
        attribute_mask=request.attribute_mask,
        xfrm_mask=request.xfrm_mask,
        misc_mask=request.misc_mask,
        key_id=key_id,
    )
    return _derive(root, record)
