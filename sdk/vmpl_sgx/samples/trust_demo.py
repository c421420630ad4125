"""The demo's local attestation and sealing part: the attest and peer samples (one signer, two
MRENCLAVEs) check each other's reports inside the enclaves, then seal and unseal across a
reload. Each step checks what it shows, so a demo run is also a test (the VM tier runs it)."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Callable, Tuple

from vmpl_sgx._abi import KeyPolicy, Report, TrustStatus
from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.errors import SdkError
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import (
    ATTEST_REPORT,
    ATTEST_SEAL,
    ATTEST_TARGETINFO,
    ATTEST_UNSEAL,
    ATTEST_VERIFY,
    build_sample,
)
from vmpl_sgx.status_names import ecall_status_name

SECRET = b"the database key"


class TrustDemoError(SdkError, RuntimeError):
    """A step of the demo did not end as local attestation and sealing must."""


def _status(value: int) -> str:
    return ecall_status_name(value)


def _expect(what: str, got: int, wanted: TrustStatus) -> str:
    if got != wanted:
        raise TrustDemoError(f"{what}: {_status(got)}, expected {wanted.name}")
    return wanted.name


def _report(sender: EnclaveApp, receiver: EnclaveApp) -> bytes:
    return sender.ecall(ATTEST_REPORT, receiver.ecall(ATTEST_TARGETINFO) + bytes(64))


def _seal(app: EnclaveApp, policy: KeyPolicy) -> bytes:
    status, blob = app.call(ATTEST_SEAL, struct.pack("<HHI", policy, 0, 0) + SECRET)
    _expect(f"sealing under {policy.name}", status, TrustStatus.OK)
    return blob


def _unseal(app: EnclaveApp, blob: bytes) -> Tuple[int, bytes]:
    status, output = app.call(ATTEST_UNSEAL, struct.pack("<HHI", 0, 0, 0) + blob)
    return status, output[8:]


def run_local_trust(new_enclave: Callable[[], Enclave], scratch: Path, key: RsaPrivateKey) -> None:
    images = {name: build_sample(name, scratch / f"{name}.elf") for name in ("attest", "peer")}

    def load(name: str) -> EnclaveApp:
        return EnclaveApp.load(images[name], key, new_enclave())

    with load("attest") as alice, load("peer") as bob:
        names = [bytes(Report.from_buffer_copy(_report(app, app)).body.mrenclave).hex()[:16]
                 for app in (alice, bob)]
        print(f"local attestation: attest (MRENCLAVE {names[0]}...) and peer "
              f"(MRENCLAVE {names[1]}...), one signer")
        report = _report(alice, bob)
        verdict = _expect("peer checking attest's report", bob.call(ATTEST_VERIFY, report)[0],
                          TrustStatus.OK)
        forged = report[:64] + bytes([report[64] ^ 1]) + report[65:]
        refused = _expect("peer checking a changed report", bob.call(ATTEST_VERIFY, forged)[0],
                          TrustStatus.AUTH_FAILED)
        print(f"  peer checked attest's report with its own report key: {verdict}; "
              f"one byte changed: {refused}")
        back = _expect("attest checking peer's report",
                       alice.call(ATTEST_VERIFY, _report(bob, alice))[0], TrustStatus.OK)
        print(f"  attest checked peer's report: {back}")
        by_enclave = _seal(alice, KeyPolicy.MRENCLAVE)
        by_signer = _seal(alice, KeyPolicy.MRSIGNER)
    print(f"sealing: AES-128-GCM under an EGETKEY seal key, {len(by_enclave)}-byte blobs")
    with load("attest") as alice, load("peer") as bob:
        status, text = _unseal(alice, by_enclave)
        _expect("attest unsealing its MRENCLAVE blob after a reload", status, TrustStatus.OK)
        print(f"  attest, reloaded, unseals its MRENCLAVE-bound blob: {text.decode()!r}")
        status, _ = _unseal(bob, by_enclave)
        print("  peer (another MRENCLAVE) is refused it: "
              + _expect("peer unsealing the MRENCLAVE blob", status, TrustStatus.AUTH_FAILED))
        status, text = _unseal(bob, by_signer)
        _expect("peer unsealing the MRSIGNER blob", status, TrustStatus.OK)
        print(f"  peer (the same signer) unseals the MRSIGNER-bound blob: {text.decode()!r}")
