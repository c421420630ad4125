"""Enclave code calls EREPORT and EGETKEY through the runtime; the SEH serves them.

Two enclaves attest to each other (a report targeted at B verifies with B's report key only),
seal keys follow their policy across reloads, and a report targeted at the SEH's quoting
identity becomes a quote the pure-Python verifier accepts.
"""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import struct
from pathlib import Path
from typing import Callable, Dict, Iterator

import pytest

from vmpl_sgx._abi import KeyAnswer, KeyName, KeyPolicy, Keyrequest, KeyStatus, Report
from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.attestation import cert_table
from vmpl_sgx.attestation.errors import DebugNotAllowedError
from vmpl_sgx.attestation.verify import Expectations, verify_quote
from vmpl_sgx.crypto import x509
from vmpl_sgx.crypto.cmac import cmac_matches
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.executor import NativeExecutor
from vmpl_sgx.image import ImageParams
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import ATTEST_GETKEY, ATTEST_REPORT, ATTEST_TARGETINFO
from vmpl_sgx.seh import SehModel
from vmpl_sgx.simulator import Simulator

Load = Callable[..., EnclaveApp]
NONCE = hashlib.sha512(b"enclave quote").digest()


@pytest.fixture(scope="module")
def model(executor: NativeExecutor) -> SehModel:
    return SehModel(executor=executor)


@pytest.fixture
def load(images: Dict[str, Path], key: RsaPrivateKey, model: SehModel) -> Iterator[Load]:
    simulator = Simulator(model)
    opened: list[Enclave] = []

    def make(signer: RsaPrivateKey = key, params: ImageParams | None = None) -> EnclaveApp:
        enclave = Enclave(simulator.open())
        opened.append(enclave)
        return EnclaveApp.load(images["attest"], signer, enclave, params, isvsvn=3)

    yield make
    for enclave in opened:
        enclave.close()


def report_for(app: EnclaveApp, target: bytes, data: bytes = bytes(64)) -> Report:
    return Report.from_buffer_copy(app.ecall(ATTEST_REPORT, target + data))


def get_key(app: EnclaveApp, request: Keyrequest) -> KeyAnswer:
    return KeyAnswer.from_buffer_copy(app.ecall(ATTEST_GETKEY, bytes(request)))


def report_key(app: EnclaveApp, report: Report) -> bytes:
    request = Keyrequest(key_name=int(KeyName.REPORT))
    ctypes.memmove(request.key_id, bytes(report.key_id), 32)
    answer = get_key(app, request)
    assert answer.status == KeyStatus.SUCCESS
    return bytes(answer.key)


def seal_key(app: EnclaveApp, policy: KeyPolicy, **fields: int) -> KeyAnswer:
    request = Keyrequest(key_name=int(KeyName.SEAL), key_policy=int(policy))
    for name, value in fields.items():
        setattr(request, name, value)
    return get_key(app, request)


def test_two_enclaves_attest_to_each_other(load: Load) -> None:
    alice = load()
    bob = load(params=ImageParams(heap_size=0x2000))  # another MRENCLAVE
    bob_target = bob.ecall(ATTEST_TARGETINFO)
    report = report_for(alice, bob_target, b"hello bob".ljust(64, b"\0"))
    assert bytes(report.body.report_data).startswith(b"hello bob")
    assert report.body.isv_svn == 3
    assert bytes(report.body.mrenclave) != bytes(
        Report.from_buffer_copy(bob.ecall(ATTEST_REPORT, bob_target + bytes(64))).body.mrenclave
    )
    body = bytes(report)[:384]
    assert cmac_matches(report_key(bob, report), body, bytes(report.mac))
    assert not cmac_matches(report_key(alice, report), body, bytes(report.mac))


def test_seal_keys_follow_their_policy_across_reloads(load: Load) -> None:
    first = load()
    again = load()  # the same image and signer, loaded anew
    other_signer = load(signer=RsaPrivateKey.generate())
    other_image = load(params=ImageParams(heap_size=0x2000))
    by_enclave = seal_key(first, KeyPolicy.MRENCLAVE)
    assert by_enclave.status == KeyStatus.SUCCESS
    assert bytes(seal_key(again, KeyPolicy.MRENCLAVE).key) == bytes(by_enclave.key)
    assert bytes(seal_key(other_image, KeyPolicy.MRENCLAVE).key) != bytes(by_enclave.key)
    by_signer = bytes(seal_key(first, KeyPolicy.MRSIGNER).key)
    assert bytes(seal_key(other_image, KeyPolicy.MRSIGNER).key) == by_signer
    assert bytes(seal_key(other_signer, KeyPolicy.MRSIGNER).key) != by_signer


def test_key_status_codes_reach_the_enclave(load: Load) -> None:
    app = load()
    assert seal_key(app, KeyPolicy.MRENCLAVE, isv_svn=4).status == KeyStatus.INVALID_ISVSVN
    assert seal_key(app, KeyPolicy.MRENCLAVE, key_name=9).status == KeyStatus.INVALID_KEYNAME
    assert get_key(app, Keyrequest(key_name=int(KeyName.PROVISION))).status == (
        KeyStatus.INVALID_ATTRIBUTE
    )


def test_an_enclave_report_becomes_a_verified_quote(load: Load, model: SehModel) -> None:
    app = load()
    target = app.enclave.quoting_target()
    assert target == bytes(model.trust.quoting_targetinfo())
    public_key_hash = hashlib.sha256(b"enclave public key").digest()
    report = report_for(app, target, public_key_hash.ljust(64, b"\0"))
    quote = app.enclave.quote(bytes(report), NONCE)  # ENCLAVE_QUOTE, buffers negotiated
    anchor = x509.parse_der(cert_table.decode(quote.certificates)[cert_table.ARK_GUID])
    expect = Expectations(mrenclave=bytes(report.body.mrenclave), min_isv_svn=3)
    # The sample loads as a DEBUG enclave, which a verifier refuses unless told otherwise.
    with pytest.raises(DebugNotAllowedError):
        verify_quote(quote, NONCE, expect, anchor=anchor)
    expect = dataclasses.replace(expect, allow_debug=True)
    result = verify_quote(quote, NONCE, expect, anchor=anchor)
    assert result.enclave.report_data[:32] == public_key_hash
    assert struct.unpack_from("<I", quote.report, 0x30)[0] == 0  # VMPL 0
