"""Two sample enclaves (attest and peer: one signer, two MRENCLAVEs) check each other's reports
inside the enclave and seal and unseal with the runtime's AES-GCM helpers across reloads."""

from __future__ import annotations

import ctypes
import os
import struct
from pathlib import Path
from typing import Callable, Dict, Iterator, Tuple

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vmpl_sgx._abi import (
    SEAL_ATTRIBUTE_MASK,
    SEALED_AUTHENTICATED_SIZE,
    SEALED_HEADER_SIZE,
    KeyAnswer,
    KeyPolicy,
    KeyStatus,
    Report,
    SealedHeader,
    TrustStatus,
)
from vmpl_sgx.app import EcallError, EnclaveApp
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.executor import NativeExecutor
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import (
    ATTEST_GETKEY,
    ATTEST_NAME,
    ATTEST_REPORT,
    ATTEST_SEAL,
    ATTEST_TARGETINFO,
    ATTEST_UNSEAL,
    ATTEST_VERIFY,
)
from vmpl_sgx.sealed_blob import parse_sealed_blob
from vmpl_sgx.seh import SehModel
from vmpl_sgx.simulator import Simulator

Load = Callable[..., EnclaveApp]
SECRET = b"the database key"


@pytest.fixture(scope="module")
def simulator(executor: NativeExecutor) -> Simulator:
    return Simulator(SehModel(executor=executor))


@pytest.fixture
def load(images: Dict[str, Path], key: RsaPrivateKey, simulator: Simulator) -> Iterator[Load]:
    """load(sample, signer=key): a fresh enclave of that sample on one SEH (one root secret)."""
    opened: list[Enclave] = []

    def make(name: str, signer: RsaPrivateKey = key) -> EnclaveApp:
        enclave = Enclave(simulator.open())
        opened.append(enclave)
        return EnclaveApp.load(images[name], signer, enclave, isvsvn=3)

    yield make
    for enclave in opened:
        enclave.close()


def seal(app: EnclaveApp, policy: int, text: bytes, aad: bytes = b"") -> Tuple[int, bytes]:
    return app.call(ATTEST_SEAL, struct.pack("<HHI", policy, 0, len(aad)) + aad + text)


def sealed(app: EnclaveApp, policy: int, text: bytes = SECRET, aad: bytes = b"") -> bytes:
    status, blob = seal(app, policy, text, aad)
    assert status == TrustStatus.OK
    return blob


def unseal(app: EnclaveApp, blob: bytes, required: int = 0) -> Tuple[int, bytes, bytes]:
    status, output = app.call(ATTEST_UNSEAL, struct.pack("<HHI", required, 0, 0) + blob)
    if status != TrustStatus.OK:
        assert output == b""
        return status, b"", b""
    aad_len, text_len = struct.unpack_from("<II", output)
    assert len(output) == 8 + aad_len + text_len
    return status, output[8 : 8 + aad_len], output[8 + aad_len :]


def report_for(app: EnclaveApp, target: bytes, data: bytes = bytes(64)) -> bytes:
    return app.ecall(ATTEST_REPORT, target + data)


def test_the_two_samples_are_two_enclaves_of_one_signer(load: Load) -> None:
    alice, bob = load("attest"), load("peer")
    assert (alice.ecall(ATTEST_NAME), bob.ecall(ATTEST_NAME)) == (b"attest", b"peer")
    own = [Report.from_buffer_copy(report_for(app, bytes(512))).body for app in (alice, bob)]
    assert bytes(own[0].mrenclave) != bytes(own[1].mrenclave)
    assert bytes(own[0].mrsigner) == bytes(own[1].mrsigner)


def test_each_enclave_checks_the_other_s_report_with_its_own_report_key(load: Load) -> None:
    alice, bob = load("attest"), load("peer")
    for sender, receiver in ((alice, bob), (bob, alice)):
        report = report_for(sender, receiver.ecall(ATTEST_TARGETINFO), b"hello".ljust(64, b"\0"))
        sender_mrenclave = bytes(Report.from_buffer_copy(report).body.mrenclave)
        assert receiver.call(ATTEST_VERIFY, report) == (TrustStatus.OK, sender_mrenclave)
        # Not targeted at the sender: its report key is another.
        assert sender.call(ATTEST_VERIFY, report)[0] == TrustStatus.AUTH_FAILED
        with pytest.raises(EcallError, match=r"returned status AUTH_FAILED$") as caught:
            sender.ecall(ATTEST_VERIFY, report)  # the error names the status as the spec does
        assert caught.value.status == TrustStatus.AUTH_FAILED
        for offset in (0, 64, 320, 383, 400, 431):  # body, key id and MAC bytes
            forged = bytearray(report)
            forged[offset] ^= 0x01
            assert receiver.call(ATTEST_VERIFY, bytes(forged)) == (TrustStatus.AUTH_FAILED, b"")


def test_sealing_follows_the_key_policy_across_reloads(load: Load) -> None:
    alice = load("attest")
    by_enclave = sealed(alice, KeyPolicy.MRENCLAVE, aad=b"v1")
    by_signer = sealed(alice, KeyPolicy.MRSIGNER)
    alice.enclave.close()

    again = load("attest")  # the same enclave, loaded anew
    assert unseal(again, by_enclave) == (TrustStatus.OK, b"v1", SECRET)
    assert unseal(again, by_signer) == (TrustStatus.OK, b"", SECRET)
    peer = load("peer")  # another MRENCLAVE, the same signer
    assert unseal(peer, by_enclave)[0] == TrustStatus.AUTH_FAILED
    assert unseal(peer, by_signer) == (TrustStatus.OK, b"", SECRET)
    # The peer can insist on blobs bound to its own MRENCLAVE.
    assert unseal(peer, by_signer, KeyPolicy.MRENCLAVE)[0] == TrustStatus.WRONG_POLICY
    # The same code under another signer is the same MRENCLAVE (as on SGX), not the same signer.
    stranger = load("attest", signer=RsaPrivateKey.generate())
    assert unseal(stranger, by_enclave) == (TrustStatus.OK, b"v1", SECRET)
    assert unseal(stranger, by_signer)[0] == TrustStatus.AUTH_FAILED


def test_a_sealed_blob_is_aes_gcm_under_the_key_its_header_names(load: Load) -> None:
    app = load("attest")
    data = sealed(app, KeyPolicy.MRENCLAVE | KeyPolicy.NOISVPRODID, aad=b"label")
    blob = parse_sealed_blob(data)
    assert blob.key_policy == KeyPolicy.MRENCLAVE | KeyPolicy.NOISVPRODID
    assert (blob.isv_svn, blob.attribute_mask, blob.aad) == (3, SEAL_ATTRIBUTE_MASK, b"label")
    answer = KeyAnswer.from_buffer_copy(app.ecall(ATTEST_GETKEY, bytes(blob.key_request())))
    assert answer.status == KeyStatus.SUCCESS
    aead = AESGCM(bytes(answer.key))
    plain = aead.decrypt(blob.iv, blob.ciphertext + blob.tag, blob.gcm_additional_data)
    assert plain == SECRET
    assert parse_sealed_blob(sealed(app, KeyPolicy.MRENCLAVE)).key_id != blob.key_id


@pytest.mark.parametrize(
    ("offset", "status"),
    [
        (0, TrustStatus.MALFORMED),  # magic
        (8, TrustStatus.MALFORMED),  # key name
        (10, TrustStatus.AUTH_FAILED),  # key policy MRENCLAVE -> MRENCLAVE | MRSIGNER
        (16, TrustStatus.KEY_REFUSED),  # CPUSVN above the platform's
        (32, TrustStatus.AUTH_FAILED),  # attribute mask
        (56, TrustStatus.AUTH_FAILED),  # key id
        (88, TrustStatus.AUTH_FAILED),  # IV
        (100, TrustStatus.MALFORMED),  # additional data size
        (108, TrustStatus.MALFORMED),  # reserved
        (112, TrustStatus.AUTH_FAILED),  # tag
        (128, TrustStatus.AUTH_FAILED),  # additional data
        (131, TrustStatus.AUTH_FAILED),  # ciphertext
    ],
)
def test_unseal_rejects_a_changed_blob(load: Load, offset: int, status: int) -> None:
    app = load("attest")
    blob = bytearray(sealed(app, KeyPolicy.MRENCLAVE, aad=b"aad"))
    blob[offset] ^= 0x02
    assert unseal(app, bytes(blob))[0] == status


def test_unseal_rejects_short_blobs_newer_versions_and_bad_policies(load: Load) -> None:
    app = load("attest")
    blob = sealed(app, KeyPolicy.MRENCLAVE)
    assert unseal(app, blob[:-1])[0] == TrustStatus.MALFORMED
    assert unseal(app, blob + b"\0")[0] == TrustStatus.MALFORMED
    assert unseal(app, blob[:127])[0] == TrustStatus.MALFORMED
    newer = bytearray(blob)
    newer[12:14] = struct.pack("<H", 4)  # sealed by ISVSVN 4; this enclave has 3
    assert unseal(app, bytes(newer))[0] == TrustStatus.KEY_REFUSED
    anyone = bytearray(blob)
    anyone[10:12] = struct.pack("<H", KeyPolicy.NOISVPRODID)  # bound to no identity
    assert unseal(app, bytes(anyone))[0] == TrustStatus.BAD_POLICY


@pytest.mark.parametrize("policy", [0, KeyPolicy.NOISVPRODID, KeyPolicy.MRENCLAVE | 0x40])
def test_seal_refuses_a_policy_without_identity_or_with_unknown_bits(
    load: Load, policy: int
) -> None:
    assert seal(load("attest"), policy, SECRET) == (TrustStatus.BAD_POLICY, b"")


def test_seal_says_when_the_output_cannot_hold_the_blob(load: Load) -> None:
    app = load("attest")
    small = EnclaveApp(app.enclave, app.layout, output_capacity=600)
    assert seal(small, KeyPolicy.MRENCLAVE, bytes(472))[0] == TrustStatus.OK
    assert seal(small, KeyPolicy.MRENCLAVE, bytes(473)) == (TrustStatus.OUTPUT_TOO_SMALL, b"")
    # Below the 576 bytes an EREPORT request needs, the leaves cannot leave the enclave.
    tiny = EnclaveApp(app.enclave, app.layout, output_capacity=300)
    assert seal(tiny, KeyPolicy.MRENCLAVE, b"x") == (TrustStatus.LEAF_FAILED, b"")


def test_the_enclave_unseals_a_blob_cryptography_sealed_under_its_key(load: Load) -> None:
    app = load("attest")
    header = SealedHeader.from_buffer_copy(sealed(app, KeyPolicy.MRENCLAVE)[:SEALED_HEADER_SIZE])
    ctypes.memmove(header.key_id, os.urandom(32), 32)
    ctypes.memmove(header.iv, os.urandom(12), 12)
    header.aad_size, header.text_size = 4, len(SECRET)
    request = parse_sealed_blob(bytes(header) + b"note" + SECRET).key_request()
    answer = KeyAnswer.from_buffer_copy(app.ecall(ATTEST_GETKEY, bytes(request)))
    assert answer.status == KeyStatus.SUCCESS
    made = AESGCM(bytes(answer.key)).encrypt(
        bytes(header.iv), SECRET, bytes(header)[:SEALED_AUTHENTICATED_SIZE] + b"note"
    )
    ctypes.memmove(header.tag, made[-16:], 16)
    assert unseal(app, bytes(header) + b"note" + made[:-16]) == (TrustStatus.OK, b"note", SECRET)
