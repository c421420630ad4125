"""EREPORT: a report about the calling enclave, MACed with the target enclave's report key."""

from __future__ import annotations

import ctypes

from vmpl_sgx._abi import REPORT_DATA_SIZE, Report, ReportBody, Targetinfo
from vmpl_sgx.crypto.cmac import aes_cmac, cmac_matches
from vmpl_sgx.seh.identity import EnclaveIdentity
from vmpl_sgx.seh.keys import report_key, target_identity
from vmpl_sgx.seh.root_secret import RootSecret


def report_body(identity: EnclaveIdentity, report_data: bytes, cpu_svn: bytes) -> ReportBody:
    body = ReportBody()
    ctypes.memmove(body.cpu_svn, cpu_svn, 16)
    body.miscselect = identity.miscselect
    ctypes.memmove(body.isv_ext_prod_id, identity.isv_ext_prod_id, 16)
    body.attributes = identity.attributes
    body.xfrm = identity.xfrm
    ctypes.memmove(body.mrenclave, identity.mrenclave, 32)
    ctypes.memmove(body.mrsigner, identity.mrsigner, 32)
    ctypes.memmove(body.config_id, identity.config_id, 64)
    body.isv_prod_id = identity.isv_prod_id
    body.isv_svn = identity.isv_svn
    body.config_svn = identity.config_svn
    ctypes.memmove(body.isv_family_id, identity.isv_family_id, 16)
    ctypes.memmove(body.report_data, report_data, REPORT_DATA_SIZE)
    return body


def ereport(
    root: RootSecret,
    identity: EnclaveIdentity,
    *,
    target: Targetinfo,
    report_data: bytes,
    key_id: bytes,
    cpu_svn: bytes,
) -> Report:
    """The REPORT `identity` makes for `target`; `key_id` is the SEH's current report key id."""
    if len(report_data) != REPORT_DATA_SIZE:
        raise ValueError(f"REPORTDATA is {REPORT_DATA_SIZE} bytes, not {len(report_data)}")
    key = report_key(root, target_identity(target), key_id, cpu_svn)
    report = Report()
    report.body = report_body(identity, report_data, cpu_svn)
    ctypes.memmove(report.key_id, key_id, 32)
    ctypes.memmove(report.mac, aes_cmac(key, bytes(report.body)), 16)
    return report


def mac_matches(report: Report, key: bytes) -> bool:
    """Whether the report's MAC verifies under a report key (the target's check)."""
    return cmac_matches(key, bytes(report.body), bytes(report.mac))
