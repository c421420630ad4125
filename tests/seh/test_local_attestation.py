"""EREPORT and EGETKEY in the SEH model: SGX semantics, keys rooted in the instance's secret."""

from __future__ import annotations

import ctypes
import os
import stat
from pathlib import Path

import pytest

from vmpl_sgx._abi import (
    Attr,
    KeyName,
    KeyPolicy,
    Keyrequest,
    KeyStatus,
    Report,
    SehResult,
    Targetinfo,
)
from vmpl_sgx.seh import SehError, SehModel
from vmpl_sgx.seh.ereport import mac_matches
from vmpl_sgx.seh.errors import GeneralProtectionFault, KeyRequestError
from vmpl_sgx.seh.identity import EnclaveIdentity
from vmpl_sgx.seh.keys import targetinfo_of
from vmpl_sgx.seh.root_secret import RootSecret, RootSecretError
from vmpl_sgx.seh.trust import SehTrust

from .helpers import Harness

ATTRS = int(Attr.INIT | Attr.MODE64BIT)
ALICE = EnclaveIdentity(b"A" * 32, b"S" * 32, ATTRS, 3, 0, isv_prod_id=7, isv_svn=5)
BOB = EnclaveIdentity(b"B" * 32, b"S" * 32, ATTRS, 3, 0, isv_prod_id=7, isv_svn=5)
ALICE_DEBUG = EnclaveIdentity(b"A" * 32, b"S" * 32, ATTRS | Attr.DEBUG, 3, 0, 7, 5)
DATA = bytes(range(64))


def key_request(name: KeyName, policy: int = 0, **fields: int) -> Keyrequest:
    request = Keyrequest(key_name=int(name), key_policy=policy)
    for field, value in fields.items():
        setattr(request, field, value)
    return request


def own_report_key(trust: SehTrust, who: EnclaveIdentity, report: Report) -> bytes:
    request = key_request(KeyName.REPORT)
    ctypes.memmove(request.key_id, bytes(report.key_id), 32)
    return trust.egetkey(who, request)


def test_report_describes_the_caller_and_verifies_for_the_target_only() -> None:
    trust = SehTrust()
    report = trust.ereport(ALICE, targetinfo_of(BOB), DATA)
    body = report.body
    assert bytes(body.mrenclave) == ALICE.mrenclave
    assert bytes(body.mrsigner) == ALICE.mrsigner
    assert (body.isv_prod_id, body.isv_svn, body.attributes) == (7, 5, ATTRS)
    assert bytes(body.report_data) == DATA
    assert bytes(body.cpu_svn) == trust.platform.cpu_svn
    assert mac_matches(report, own_report_key(trust, BOB, report))
    assert not mac_matches(report, own_report_key(trust, ALICE, report))
    tampered = Report.from_buffer_copy(bytes(report))
    tampered.body.isv_svn = 6
    assert not mac_matches(tampered, own_report_key(trust, BOB, report))


def test_another_seh_instance_cannot_verify() -> None:
    report = SehTrust().ereport(ALICE, targetinfo_of(BOB), DATA)
    other = SehTrust()
    assert not mac_matches(report, own_report_key(other, BOB, report))


def test_targetinfo_reserved_bytes_fault() -> None:
    target = targetinfo_of(BOB)
    target.reserved3[5] = 1
    with pytest.raises(GeneralProtectionFault):
        SehTrust().ereport(ALICE, target, DATA)


def test_seal_key_policies() -> None:
    trust = SehTrust()
    by_enclave = key_request(KeyName.SEAL, KeyPolicy.MRENCLAVE)
    by_signer = key_request(KeyName.SEAL, KeyPolicy.MRSIGNER)
    assert trust.egetkey(ALICE, by_enclave) == trust.egetkey(ALICE, by_enclave)
    assert trust.egetkey(ALICE, by_enclave) != trust.egetkey(BOB, by_enclave)
    assert trust.egetkey(ALICE, by_signer) == trust.egetkey(BOB, by_signer)
    assert trust.egetkey(ALICE, by_signer) != trust.egetkey(ALICE, by_enclave)
    other_product = EnclaveIdentity(b"B" * 32, b"S" * 32, ATTRS, 3, 0, 8, 5)
    assert trust.egetkey(BOB, by_signer) != trust.egetkey(other_product, by_signer)
    no_product = key_request(KeyName.SEAL, KeyPolicy.MRSIGNER | KeyPolicy.NOISVPRODID)
    assert trust.egetkey(BOB, no_product) == trust.egetkey(other_product, no_product)
    with_id = key_request(KeyName.SEAL, KeyPolicy.MRENCLAVE)
    with_id.key_id[0] = 1
    assert trust.egetkey(ALICE, with_id) != trust.egetkey(ALICE, by_enclave)
    older = key_request(KeyName.SEAL, KeyPolicy.MRENCLAVE, isv_svn=4)
    assert trust.egetkey(ALICE, older) != trust.egetkey(ALICE, by_enclave)


def test_debug_enclave_never_gets_a_production_key() -> None:
    trust = SehTrust()
    for request in (
        key_request(KeyName.SEAL, KeyPolicy.MRENCLAVE),
        key_request(KeyName.SEAL, KeyPolicy.MRSIGNER, attribute_mask=0),
        key_request(KeyName.REPORT),
    ):
        assert trust.egetkey(ALICE, request) != trust.egetkey(ALICE_DEBUG, request)


@pytest.mark.parametrize(
    ("request_fields", "status"),
    [
        ({"isv_svn": 6}, KeyStatus.INVALID_ISVSVN),
        ({"config_svn": 1}, KeyStatus.INVALID_ISVSVN),
        ({"key_name": 9}, KeyStatus.INVALID_KEYNAME),
        ({"key_name": int(KeyName.PROVISION)}, KeyStatus.INVALID_ATTRIBUTE),
        ({"key_name": int(KeyName.EINITTOKEN)}, KeyStatus.INVALID_ATTRIBUTE),
    ],
)
def test_egetkey_status_codes(request_fields: dict[str, int], status: KeyStatus) -> None:
    request = key_request(KeyName.SEAL, KeyPolicy.MRENCLAVE)
    for field, value in request_fields.items():
        setattr(request, field, value)
    with pytest.raises(KeyRequestError) as caught:
        SehTrust().egetkey(ALICE, request)
    assert caught.value.status == status


def test_cpusvn_above_the_platform_is_refused() -> None:
    request = key_request(KeyName.SEAL, KeyPolicy.MRENCLAVE)
    request.cpu_svn[3] = 2  # the platform's CPUSVN bytes are all 1
    with pytest.raises(KeyRequestError) as caught:
        SehTrust().egetkey(ALICE, request)
    assert caught.value.status == KeyStatus.INVALID_CPUSVN


def test_reserved_bits_fault() -> None:
    for request in (
        key_request(KeyName.SEAL, 0x40),
        key_request(KeyName.SEAL, KeyPolicy.CONFIGID),  # KSS bits need the KSS attribute
        key_request(KeyName.SEAL, reserved1=1),
    ):
        with pytest.raises(GeneralProtectionFault):
            SehTrust().egetkey(ALICE, request)


def test_root_secret_file_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "root-secret"
    first = SehTrust(path)
    key = first.egetkey(ALICE, key_request(KeyName.SEAL, KeyPolicy.MRENCLAVE))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = SehTrust(path)
    assert again.egetkey(ALICE, key_request(KeyName.SEAL, KeyPolicy.MRENCLAVE)) == key
    assert SehTrust().egetkey(ALICE, key_request(KeyName.SEAL, KeyPolicy.MRENCLAVE)) != key
    os.chmod(path, 0o644)
    with pytest.raises(RootSecretError, match="lets others read"):
        RootSecret.from_file(path)


def test_model_serves_initialized_enclaves_only() -> None:
    harness = Harness(SehModel())
    handle = harness.created()
    with pytest.raises(SehError) as caught:
        harness.model.ereport(handle, Targetinfo(), DATA)
    assert caught.value.result is SehResult.BAD_STATE
    with pytest.raises(SehError) as caught:
        harness.model.egetkey(handle + 100, key_request(KeyName.SEAL))
    assert caught.value.result is SehResult.BAD_HANDLE
    enclave = harness.model.enclave(handle)
    assert enclave is not None
    enclave.initialize(b"m" * 32, b"s" * 32, 3, 4, isv_family_id=b"f" * 16)
    report = harness.model.ereport(handle, Targetinfo(), DATA)
    assert bytes(report.body.mrenclave) == b"m" * 32
    assert bytes(report.body.isv_family_id) == b"f" * 16
    assert report.body.isv_svn == 4
    key = harness.model.egetkey(handle, key_request(KeyName.SEAL, KeyPolicy.MRSIGNER))
    assert len(key) == 16
