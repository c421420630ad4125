"""The verifier against a real AMD-signed SNP report, VCEK and Milan chain.

Source of the data: the `omne-attest` package (version 0.1.0, Apache-2.0, a dev dependency),
whose `omne_attest/vectors/` folder ships a 1184-byte version-2 SNP report captured on a rented
AMD Milan confidential VM (`attestation.bin`), that chip's VCEK from AMD's key distribution
service (`kds_vcek.der`) and AMD's Milan ASK and ARK (`milan_ask.der`, `milan_ark.der`). The
tests read them from the installed package; nothing of them is copied here (README.md).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import struct

import pytest

from vmpl_sgx.attestation import errors, snp_report
from vmpl_sgx.attestation.verify import verify_snp_report
from vmpl_sgx.crypto import x509
from vmpl_sgx.seh.trust import SehTrust

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
    with pytest.raises(errors.ProductMismatchError, match="not an ARK"):
        verify(anchor=ASK)
    with pytest.raises(errors.ProductMismatchError, match="not an ARK"):
        verify(anchor=ASK, ask=ARK)  # ARK and ASK swapped
    model = SehTrust().chain
    with pytest.raises(errors.ChainError, match="ASK: issuer name"):
        verify(ask=x509.parse_der(model.ask))  # the SEH model's ASK: not signed by AMD's ARK
    with pytest.raises(errors.ChainError, match="ASK: issuer name"):
        verify(anchor=x509.parse_der(model.ark))  # the model's ARK did not sign AMD's ASK
    with pytest.raises(errors.ChainError, match="not the trust anchor"):
        verify_snp_report(REPORT, anchor=ARK, ask=ASK, vcek=VCEK, ark=VCEK)


def test_a_non_vmpl0_report_is_rejected() -> None:
    # Setting VMPL 1 in the real report only breaks AMD's signature ...
    report = bytearray(REPORT)
    struct.pack_into("<I", report, 0x30, 1)
    with pytest.raises(errors.AttestationError) as caught:
        verify(bytes(report))
    assert caught.value.check == "report-signature"
    # ... so the VMPL check itself runs on a report the SEH model signed for VMPL 1.
    model = SehTrust()
    chain = model.chain
    with pytest.raises(errors.VmplError, match="VMPL 1"):
        verify_snp_report(
            model.snp_report(bytes(64), vmpl=1),
            anchor=x509.parse_der(chain.ark),
            ask=x509.parse_der(chain.ask),
            vcek=x509.parse_der(chain.vcek),
        )
