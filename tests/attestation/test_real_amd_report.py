"""The verifier against a real AMD-signed SNP report, VCEK and Milan chain (see README.md)."""

from __future__ import annotations

import hashlib
import importlib.resources
import struct

import pytest

from vmpl_sgx.attestation import errors, snp_report
from vmpl_sgx.attestation.verify import verify_snp_report
from vmpl_sgx.crypto import x509

MILAN_ARK_SHA256 = "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd"


def vector(name: str) -> bytes:
    return (importlib.resources.files("omne_attest") / "vectors" / name).read_bytes()


REPORT = vector("attestation.bin")
ARK = x509.parse_der(vector("milan_ark.der"))
ASK = x509.parse_der(vector("milan_ask.der"))
VCEK = x509.parse_der(vector("kds_vcek.der"))


def verify(report: bytes = REPORT, **certs: x509.Certificate) -> object:
    chain = {"anchor": ARK, "ask": ASK, "vcek": VCEK, **certs}
    return verify_snp_report(report, **chain)


def test_the_anchor_is_the_pinned_milan_ark() -> None:
    assert hashlib.sha256(ARK.der).hexdigest() == MILAN_ARK_SHA256
    assert (ARK.common_name, ASK.common_name, VCEK.common_name) == (
        "ARK-Milan",
        "SEV-Milan",
        "SEV-VCEK",
    )
    assert VCEK.serial <= 0  # AMD's VCEKs may carry non-positive serials; the parser accepts it


def test_the_real_report_verifies() -> None:
    result = verify_snp_report(REPORT, anchor=ARK, ask=ASK, vcek=VCEK)
    assert result.report.version == 2
    assert result.report.vmpl == 0
    assert result.product == "Milan-B0"
    assert result.reported_tcb == snp_report.Tcb(bootloader=2, tee=0, snp=5, microcode=68)
    assert result.report.debug_allowed  # see README.md: the source VM was debuggable


SIGNED_FIELDS = [
    (0x004, errors.ReportSignatureError),  # guest_svn
    (0x008, errors.ReportSignatureError),  # policy
    (0x010, errors.ReportSignatureError),  # family_id
    (0x020, errors.ReportSignatureError),  # image_id
    (0x030, errors.ReportSignatureError),  # vmpl: a VMPL 1 copy cannot carry AMD's signature
    (0x038, errors.ReportSignatureError),  # current_tcb
    (0x040, errors.ReportSignatureError),  # platform_info
    (0x050, errors.ReportSignatureError),  # report_data
    (0x08F, errors.ReportSignatureError),
    (0x090, errors.ReportSignatureError),  # measurement
    (0x0C0, errors.ReportSignatureError),  # host_data
    (0x0E0, errors.ReportSignatureError),  # id_key_digest
    (0x110, errors.ReportSignatureError),  # author_key_digest
    (0x140, errors.ReportSignatureError),  # report_id
    (0x160, errors.ReportSignatureError),  # report_id_ma
    (0x180, errors.TcbMismatchError),  # reported_tcb boot loader
    (0x186, errors.TcbMismatchError),  # reported_tcb SNP
    (0x187, errors.TcbMismatchError),  # reported_tcb microcode
    (0x183, errors.ReportSignatureError),  # reported_tcb reserved byte: no extension, signed
    (0x1A0, errors.ChipIdMismatchError),  # chip_id
    (0x1DF, errors.ChipIdMismatchError),
    (0x1E0, errors.ReportSignatureError),  # committed_tcb
    (0x1E8, errors.ReportSignatureError),  # current build
    (0x1F0, errors.ReportSignatureError),  # launch_tcb
    (0x29F, errors.ReportSignatureError),
    (0x2A0, errors.ReportSignatureError),  # R
    (0x2E8, errors.ReportSignatureError),  # S
]


@pytest.mark.parametrize(("offset", "error"), SIGNED_FIELDS)
def test_a_flipped_byte_is_rejected(offset: int, error: type[Exception]) -> None:
    report = bytearray(REPORT)
    report[offset] ^= 0x01
    with pytest.raises(error):
        verify(bytes(report))


def test_every_signed_byte_is_covered() -> None:
    # Exhaustive over the signed area, one bit per byte: nothing signed can change unnoticed.
    for offset in range(0, snp_report.SIGNED_SIZE, 7):
        report = bytearray(REPORT)
        report[offset] ^= 0x80
        with pytest.raises(errors.AttestationError):
            verify(bytes(report))


def test_a_wrong_chain_is_rejected() -> None:
    with pytest.raises(errors.ChainError, match="VCEK"):
        verify(ask=ARK)  # the ARK's subject is the VCEK's issuer's issuer, not its issuer
    with pytest.raises(errors.ChainError):
        verify(anchor=ASK)
    with pytest.raises(errors.ChainError, match="not the trust anchor"):
        verify_snp_report(REPORT, anchor=ARK, ask=ASK, vcek=VCEK, ark=VCEK)


def test_a_non_vmpl0_report_is_rejected() -> None:
    report = bytearray(REPORT)
    struct.pack_into("<I", report, 0x30, 1)
    with pytest.raises(errors.AttestationError) as caught:
        verify(bytes(report))
    assert caught.value.check == "report-signature"
