"""Cost of one full quote verification: the pure-Python verifier beside the C-backed library.

The quote comes from the SEH model (a version-3 SNP report, the services manifest and the
ARK -> ASK -> VCEK table; the model's two RSA-4096 keys take seconds to generate first). The
pure-Python side runs vmpl_sgx.attestation.verify_quote end to end: parse the report and the
three certificates, three RSA-4096 PSS signatures, the ECDSA P-384 report signature, the VCEK
extensions, REPORT_DATA and the enclave expectations. The reference does the same cryptographic
checks with the `cryptography` library (OpenSSL) and the same parsing of report and manifest;
it is skipped when that library is absent. Two more rows time the report-only verification
(chain, extensions, signature, VMPL) of the real AMD-signed Milan report that the omne-attest
package ships, both ways, when that package is installed. The table gives the median and the
best of several runs; the goal line takes the best, as the other benchmarks do, since engineers
sharing the machine inflate the median.

Prints a table, then `BENCH B7 quote_verify_ms=<best> goal<=20 PASS|FAIL`.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.resources
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Callable, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sdk"))

from vmpl_sgx._abi import Attr
from vmpl_sgx.attestation import cert_table, manifest, snp_report
from vmpl_sgx.attestation.quote import Quote
from vmpl_sgx.attestation.verify import Expectations, verify_quote, verify_snp_report
from vmpl_sgx.crypto import x509
from vmpl_sgx.seh.identity import EnclaveIdentity
from vmpl_sgx.seh.quoting import QuoteSizes
from vmpl_sgx.seh.trust import SehTrust

GOAL_MS = 20.0
NONCE = hashlib.sha512(b"benchmark nonce").digest()
ENCLAVE = EnclaveIdentity(b"E" * 32, b"S" * 32, int(Attr.INIT | Attr.MODE64BIT), 3, 0, 1, 1)
EXPECT = Expectations(mrenclave=b"E" * 32, min_isv_svn=1)


def make_quote() -> Quote:
    trust = SehTrust()
    report = trust.ereport(ENCLAVE, trust.quoting_targetinfo(), bytes(64))
    return trust.quote(bytes(report), NONCE, QuoteSizes(8192, 8192, 16384))


def snp_with_cryptography(raw: bytes, ark_der: bytes, ask_der: bytes, vcek_der: bytes) -> None:
    """The chain and report signature checks of verify_snp_report, done by OpenSSL."""
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48)
    ark = cx509.load_der_x509_certificate(ark_der)
    ask = cx509.load_der_x509_certificate(ask_der)
    with warnings.catch_warnings():
        # AMD's VCEKs may have non-positive serials, which RFC 5280 forbids and the library
        # warns about (and may refuse one day); our own parser accepts them.
        warnings.simplefilter("ignore")
        vcek = cx509.load_der_x509_certificate(vcek_der)
    for issuer, cert in ((ark, ark), (ark, ask), (ask, vcek)):
        issuer_key = issuer.public_key()
        assert isinstance(issuer_key, rsa.RSAPublicKey)
        issuer_key.verify(cert.signature, cert.tbs_certificate_bytes, pss, hashes.SHA384())
    report = snp_report.decode(raw)
    signature = utils.encode_dss_signature(report.signature_r, report.signature_s)
    vcek_key = vcek.public_key()
    assert isinstance(vcek_key, ec.EllipticCurvePublicKey)
    vcek_key.verify(signature, raw[: snp_report.SIGNED_SIZE], ec.ECDSA(hashes.SHA384()))
    assert report.vmpl == 0


def with_cryptography(quote: Quote, anchor_der: bytes) -> Callable[[], None]:
    import cryptography  # noqa: F401 - ImportError here when the library is absent

    def run() -> None:
        table = cert_table.decode(quote.certificates)
        ask, vcek = table[cert_table.ASK_GUID], table[cert_table.VCEK_GUID]
        snp_with_cryptography(quote.report, anchor_der, ask, vcek)
        report = snp_report.decode(quote.report)
        assert report.report_data == manifest.report_data(NONCE, quote.manifest)
        body = manifest.decode(quote.manifest)[manifest.ENCLAVE_SERVICE_GUID]
        assert body[64:96] == EXPECT.mrenclave

    return run


def real_amd_vectors() -> Tuple[bytes, bytes, bytes, bytes] | None:
    """The real Milan report, ARK, ASK and VCEK the omne-attest package ships, if installed."""
    try:
        folder = importlib.resources.files("omne_attest") / "vectors"
    except ModuleNotFoundError:
        return None
    names = ("attestation.bin", "milan_ark.der", "milan_ask.der", "kds_vcek.der")
    raw, ark, ask, vcek = ((folder / name).read_bytes() for name in names)
    return raw, ark, ask, vcek


def real_report_rows(repeat: int) -> None:
    """One SNP report verification (no quote around it) of a real AMD-signed report."""
    vectors = real_amd_vectors()
    if vectors is None:
        print(f"{'real Milan report':<28} {'SKIP: omne-attest not installed':>21}")
        return
    raw, ark_der, ask_der, vcek_der = vectors
    ark, ask, vcek = (x509.parse_der(der) for der in (ark_der, ask_der, vcek_der))

    def ours() -> None:
        verify_snp_report(raw, anchor=ark, ask=ask, vcek=vcek)

    rows = [("real report, vmpl_sgx", ours)]
    try:
        import cryptography  # noqa: F401
    except ImportError:
        pass
    else:
        rows.append(("real report, cryptography", lambda: snp_with_cryptography(*vectors)))
    for label, run in rows:
        times = timed(run, repeat)
        print(f"{label:<28} {statistics.median(times):>10.2f} {min(times):>10.2f}")


def timed(run: Callable[[], None], repeat: int) -> List[float]:
    run()  # warm caches (P-384 tables, imports)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    quote = make_quote()
    anchor_der = cert_table.decode(quote.certificates)[cert_table.ARK_GUID]
    anchor = x509.parse_der(anchor_der)

    def run() -> None:
        verify_quote(quote, NONCE, EXPECT, anchor=anchor)

    ours = timed(run, args.repeat)
    print(f"{'verifier':<28} {'median ms':>10} {'best ms':>10}")
    print(f"{'vmpl_sgx (pure Python)':<28} {statistics.median(ours):>10.2f} {min(ours):>10.2f}")
    try:
        reference = timed(with_cryptography(quote, anchor_der), args.repeat)
    except ImportError:
        print(f"{'cryptography (OpenSSL)':<28} {'SKIP: cryptography not installed':>21}")
    else:
        print(
            f"{'cryptography (OpenSSL)':<28} {statistics.median(reference):>10.2f} "
            f"{min(reference):>10.2f}"
        )
    real_report_rows(args.repeat)
    best = min(ours)
    verdict = "PASS" if best <= GOAL_MS else "FAIL"
    print(f"BENCH B7 quote_verify_ms={best:.2f} goal<={GOAL_MS:.0f} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
