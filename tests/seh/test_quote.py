"""Quotes from the SEH model: SNP report layout, signature, chain and size negotiation.

Checked here with the `cryptography` library as an independent reader; the project's own
verifier has its tests in tests/attestation.
"""

from __future__ import annotations

import hashlib
import struct

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from vmpl_sgx._abi import Attr, SehResult
from vmpl_sgx.attestation import cert_table, manifest, snp_report
from vmpl_sgx.seh import SehError
from vmpl_sgx.seh.identity import EnclaveIdentity
from vmpl_sgx.seh.keys import targetinfo_of
from vmpl_sgx.seh.quoting import BufferTooSmallError, QuoteSizes
from vmpl_sgx.seh.trust import SehTrust

PLENTY = QuoteSizes(8192, 8192, 16384)
NONCE = hashlib.sha512(b"nonce").digest()
ENCLAVE = EnclaveIdentity(b"E" * 32, b"S" * 32, int(Attr.INIT | Attr.MODE64BIT), 3, 0, 1, 2)


@pytest.fixture(scope="module")
def trust() -> SehTrust:
    return SehTrust()


def quotable_report(trust: SehTrust) -> bytes:
    return bytes(trust.ereport(ENCLAVE, trust.quoting_targetinfo(), b"\x42" * 64))


def test_quote_layout_and_binding(trust: SehTrust) -> None:
    report = quotable_report(trust)
    quote = trust.quote(report, NONCE, PLENTY)
    assert len(quote.report) == 1184
    version, _, policy = struct.unpack_from("<IIQ", quote.report)
    vmpl, algo = struct.unpack_from("<II", quote.report, 0x30)
    assert (version, vmpl, algo) == (3, 0, 1)
    assert policy & (1 << 17)
    assert quote.report[0x50:0x90] == hashlib.sha512(NONCE + quote.manifest).digest()
    assert quote.report[0x90:0xC0] == trust.platform.measurement
    assert quote.report[0x1A0:0x1E0] == trust.platform.chip_id
    services = manifest.decode(quote.manifest)
    assert services == {manifest.ENCLAVE_SERVICE_GUID: report[:384]}
    parsed = snp_report.decode(quote.report)
    assert parsed.reported_tcb == trust.platform.tcb
    assert snp_report.encode(parsed) == quote.report


def test_chain_and_signature_verify_with_cryptography(trust: SehTrust) -> None:
    quote = trust.quote(quotable_report(trust), NONCE, PLENTY)
    certs = cert_table.decode(quote.certificates)
    ark = x509.load_der_x509_certificate(certs[cert_table.ARK_GUID])
    ask = x509.load_der_x509_certificate(certs[cert_table.ASK_GUID])
    vcek = x509.load_der_x509_certificate(certs[cert_table.VCEK_GUID])
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48)
    for issuer, cert in ((ark, ark), (ark, ask), (ask, vcek)):
        issuer_key = issuer.public_key()
        assert isinstance(issuer_key, rsa.RSAPublicKey)
        issuer_key.verify(
            cert.signature, cert.tbs_certificate_bytes, pss, hashes.SHA384()
        )
    r = int.from_bytes(quote.report[0x2A0:0x2E8], "little")
    s = int.from_bytes(quote.report[0x2E8:0x330], "little")
    vcek_key = vcek.public_key()
    assert isinstance(vcek_key, ec.EllipticCurvePublicKey)
    vcek_key.verify(
        utils.encode_dss_signature(r, s), quote.report[:0x2A0], ec.ECDSA(hashes.SHA384())
    )
    hwid = vcek.extensions.get_extension_for_oid(x509.ObjectIdentifier("1.3.6.1.4.1.3704.1.4"))
    assert trust.platform.chip_id in hwid.value.value  # type: ignore[attr-defined]


def test_small_buffers_get_the_sizes_needed(trust: SehTrust) -> None:
    report = quotable_report(trust)
    with pytest.raises(BufferTooSmallError) as caught:
        trust.quote(report, NONCE, QuoteSizes(1184, 10, 16384))
    assert caught.value.result is SehResult.QUOTE_TOO_SMALL
    needed = caught.value.needed
    quote = trust.quote(report, NONCE, needed)
    assert (len(quote.report), len(quote.manifest), len(quote.certificates)) == tuple(needed)


def test_forged_or_misdirected_reports_are_refused(trust: SehTrust) -> None:
    report = bytearray(quotable_report(trust))
    report[64] ^= 1  # MRENCLAVE
    with pytest.raises(SehError, match="MAC does not verify") as caught:
        trust.quote(bytes(report), NONCE, PLENTY)
    assert caught.value.result is SehResult.INVALID_REPORT
    other_target = bytes(trust.ereport(ENCLAVE, trust.quoting_targetinfo(), b"\x42" * 64))
    misdirected = trust.ereport(ENCLAVE, targetinfo_of(ENCLAVE), bytes(64))
    with pytest.raises(SehError, match="MAC does not verify"):
        trust.quote(bytes(misdirected), NONCE, PLENTY)
    with pytest.raises(SehError, match="MAC does not verify"):  # another SEH instance
        SehTrust().quote(other_target, NONCE, PLENTY)
    with pytest.raises(SehError, match="nonce"):
        trust.quote(other_target, NONCE[:32], PLENTY)
