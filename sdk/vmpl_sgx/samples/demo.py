"""Build, measure, sign, load and run the sample enclaves: `python -m vmpl_sgx.samples.demo`.

On the simulator the enclaves run in this machine's CPU through the native executor; on the
device (/dev/vmpl_sgx) the SEH behind the module runs them.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import secrets
import struct
import sys
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from vmpl_sgx._abi import Report
from vmpl_sgx.app import EnclaveApp, EnclaveFaultError
from vmpl_sgx.attestation import cert_table
from vmpl_sgx.attestation.errors import AttestationError
from vmpl_sgx.attestation.verify import Expectations, verify_quote
from vmpl_sgx.crypto import x509
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.image import ImageParams
from vmpl_sgx.layout import mrenclave
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import (
    ATTEST_REPORT,
    FAULTS_COUNT,
    FAULTS_NULL_READ,
    build_sample,
)
from vmpl_sgx.samples.records_u import RecordsApp
from vmpl_sgx.samples.trust_demo import run_local_trust

RECORDS = (b"measured", b"signed", b"loaded", b"run")


def _get_record(index: int, record: bytearray, capacity: int) -> int:
    data = RECORDS[index]
    record[: len(data)] = data
    return len(data)


def run(new_enclave: Callable[[], Enclave], scratch: Path, key: RsaPrivateKey) -> None:
    # The records sample's interface is records/records.edl; RecordsApp is generated from it.
    image = build_sample("records", scratch / "records.elf")
    with RecordsApp.load(image, key, new_enclave()) as app:
        print(f"records (EDL interface): MRENCLAVE {mrenclave(app.app.layout).hex()}")
        for size in (0, 3, 4096):
            data = bytes(range(256)) * (size // 256) + b"abc"[: size % 256]
            digest = bytearray(32)
            app.digest(data, len(data), digest)
            verdict = "matches" if digest == hashlib.sha256(data).digest() else "DIFFERS from"
            print(f"  {len(data):5} bytes -> {digest.hex()[:16]}... {verdict} hashlib")

        app.on_get_record(_get_record)
        app.on_log_line(lambda line: print(f"  enclave says: {line}"))
        joined = bytearray(256)
        length = app.join(len(RECORDS), joined, len(joined))
        text = joined[:length].decode()
        print(f"ocall: the enclave built {text!r} from {len(RECORDS)} ocalls")

    params = ImageParams(threads=2)
    faults = build_sample("faults", scratch / "faults.elf")
    with EnclaveApp.load(faults, key, new_enclave(), params) as app:
        app.ecall(FAULTS_COUNT)
        try:
            app.ecall(FAULTS_NULL_READ)
        except EnclaveFaultError as fault:
            print(f"faults: {fault}")
        count = struct.unpack("<Q", app.ecall(FAULTS_COUNT))[0]
        print(f"  the host lives on and the enclave still counts: {count}")

    run_local_trust(new_enclave, scratch, key)


def remote_attestation(
    new_enclave: Callable[[], Enclave], scratch: Path, key: RsaPrivateKey
) -> None:
    """A quote of the attest sample through ENCLAVE_QUOTE, checked by the pure-Python verifier."""
    image = build_sample("attest", scratch / "attest.elf")
    with EnclaveApp.load(image, key, new_enclave()) as app:
        enclave = app.enclave
        public_key_hash = hashlib.sha256(b"the enclave's public key").digest()
        raw = app.ecall(ATTEST_REPORT, enclave.quoting_target() + public_key_hash.ljust(64, b"\0"))
        nonce = secrets.token_bytes(64)
        quote = enclave.quote(raw, nonce)
    mrenclave_ = bytes(Report.from_buffer_copy(raw).body.mrenclave)
    print(f"remote attestation: a quote from {enclave.backend_name}: SNP report (VMPL 0), "
          f"manifest {len(quote.manifest)} bytes, {len(quote.certificates)} bytes of certificates")
    # The model's own test ARK, taken from the quote only because this is a demo of the model.
    anchor = x509.parse_der(cert_table.decode(quote.certificates)[cert_table.ARK_GUID])
    expect = Expectations(mrenclave=mrenclave_, allow_debug=True)
    result = verify_quote(quote, nonce, expect, anchor=anchor)
    bound = result.enclave.report_data[:32] == public_key_hash
    print(f"  verified: ARK -> ASK -> VCEK -> report, nonce fresh, MRENCLAVE "
          f"{mrenclave_.hex()[:16]}..., REPORTDATA {'bound' if bound else 'NOT bound'}")
    try:
        verify_quote(quote, secrets.token_bytes(64), expect, anchor=anchor)
    except AttestationError as refused:
        print(f"  a replayed quote (other nonce) is refused: {refused.check}")
    stricter = dataclasses.replace(expect, allow_debug=False)
    try:
        verify_quote(quote, nonce, stricter, anchor=anchor)
    except AttestationError as refused:
        print(f"  this DEBUG sample is refused unless debug is allowed: {refused.check}")
    print("  the chain is the SEH model's test root: it proves this SEH instance vouched for the"
          " enclave, not AMD hardware, memory encryption or VMPL0 isolation")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vmpl_sgx.samples.demo", description=__doc__)
    parser.add_argument("--backend", choices=("auto", "simulator", "device"), default="auto")
    args = parser.parse_args(argv)
    key = RsaPrivateKey.generate()
    with tempfile.TemporaryDirectory() as scratch:
        run(lambda: Enclave.open(args.backend), Path(scratch), key)
        remote_attestation(lambda: Enclave.open(args.backend), Path(scratch), key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
