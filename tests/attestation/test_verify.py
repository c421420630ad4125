"""The pure-Python verifier against quotes of the SEH model: accepts good ones, names each
check a bad one fails."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from vmpl_sgx._abi import Attr
from vmpl_sgx.attestation import cert_table, errors, manifest
from vmpl_sgx.attestation.quote import Quote, QuoteFormatError
from vmpl_sgx.attestation.snp_report import Tcb
from vmpl_sgx.attestation.verify import Expectations, verify_quote, verify_snp_report
from vmpl_sgx.crypto import rsa_pss, x509, x509_build
from vmpl_sgx.errors import VmplSgxError
from vmpl_sgx.seh.identity import EnclaveIdentity
from vmpl_sgx.seh.quoting import QuoteSizes
from vmpl_sgx.seh.trust import Platform, SehTrust

NONCE = hashlib.sha512(b"verifier nonce").digest()
PLENTY = QuoteSizes(8192, 8192, 16384)
ENCLAVE = EnclaveIdentity(b"E" * 32, b"S" * 32, int(Attr.INIT | Attr.MODE64BIT), 3, 0, 9, 4)
EXPECT = Expectations(mrenclave=b"E" * 32, mrsigner=b"S" * 32, min_isv_svn=4)


def make_quote(trust: SehTrust, who: EnclaveIdentity = ENCLAVE) -> Quote:
    report = trust.ereport(who, trust.quoting_targetinfo(), b"\x11" * 64)
    return trust.quote(bytes(report), NONCE, PLENTY)


def anchor_of(quote: Quote) -> x509.Certificate:
    return x509.parse_der(cert_table.decode(quote.certificates)[cert_table.ARK_GUID])


@pytest.fixture(scope="module")
def trust() -> SehTrust:
    return SehTrust()


@pytest.fixture(scope="module")
def good(trust: SehTrust) -> Quote:
    return make_quote(trust)


def test_a_good_quote_verifies(trust: SehTrust, good: Quote) -> None:
    result = verify_quote(good, NONCE, EXPECT, anchor=anchor_of(good))
    assert result.enclave.mrenclave == b"E" * 32
    assert result.enclave.isv_svn == 4
    assert result.enclave.report_data == b"\x11" * 64
    assert result.snp.reported_tcb == trust.platform.tcb
    assert result.snp.product == "Milan-B0"
    assert result.snp.report.measurement == trust.platform.measurement
    assert Quote.from_bytes(good.to_bytes()) == good


def test_saved_quote_format_is_checked(good: Quote) -> None:
    with pytest.raises(QuoteFormatError):
        Quote.from_bytes(good.to_bytes()[:-1])
    with pytest.raises(QuoteFormatError):
        Quote.from_bytes(b"XXXX" + good.to_bytes()[4:])


def _flipped(quote: Quote, offset: int) -> Quote:
    report = bytearray(quote.report)
    report[offset] ^= 0x01
    return quote._replace(report=bytes(report))


@pytest.mark.parametrize(
    ("offset", "error"),
    [
        (0x000, errors.ReportFormatError),  # version 3 -> 2 is still a version; see below
        (0x008, errors.ReportSignatureError),  # policy
        (0x030, errors.ReportSignatureError),  # vmpl: the signature fails before VMPL is read
        (0x034, errors.ReportFormatError),  # signature algorithm
        (0x050, errors.ReportSignatureError),  # report data
        (0x090, errors.ReportSignatureError),  # measurement
        (0x0C0, errors.ReportSignatureError),  # host data
        (0x140, errors.ReportSignatureError),  # report id
        (0x180, errors.TcbMismatchError),  # reported TCB: boot loader SPL
        (0x187, errors.TcbMismatchError),  # reported TCB: microcode SPL
        (0x1A0, errors.ChipIdMismatchError),  # chip id
        (0x1DF, errors.ChipIdMismatchError),
        (0x1E0, errors.ReportSignatureError),  # committed TCB
        (0x1F0, errors.ReportSignatureError),  # launch TCB
        (0x29F, errors.ReportSignatureError),  # last signed byte
        (0x2A0, errors.ReportSignatureError),  # R
        (0x2E8, errors.ReportSignatureError),  # S
    ],
)
def test_a_flipped_byte_is_rejected(good: Quote, offset: int, error: type[Exception]) -> None:
    bad = _flipped(good, offset)
    if offset == 0:
        # 3 ^ 1 = 2 is a valid version, so the signature is what catches it.
        error = errors.ReportSignatureError
    with pytest.raises(error):
        verify_quote(bad, NONCE, EXPECT, anchor=anchor_of(good))


def test_every_failure_is_a_typed_sdk_error(good: Quote) -> None:
    with pytest.raises(VmplSgxError) as caught:
        verify_quote(_flipped(good, 0x60), NONCE, EXPECT, anchor=anchor_of(good))
    assert isinstance(caught.value, errors.AttestationError)
    assert caught.value.check == "report-signature"
    assert "report-signature" in str(caught.value)


def test_wrong_chain_is_rejected(good: Quote) -> None:
    their = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_numbers()
    other_key = rsa_pss.RsaPrivate(
        their.public_numbers.n, their.public_numbers.e, their.d, their.p, their.q
    )
    name = x509_build.name("ARK-Milan (vmpl-sgx model)")
    other_ark = x509_build.build(
        serial=1,
        issuer=name,
        subject=name,
        subject_key=other_key.public,
        signer=other_key,
        extensions={},
        not_before=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    )
    anchor = x509.parse_der(other_ark)
    with pytest.raises(errors.ChainError, match="not the trust anchor"):
        verify_quote(good, NONCE, EXPECT, anchor=anchor)
    no_ark = good._replace(
        certificates=cert_table.encode(
            {
                guid: der
                for guid, der in cert_table.decode(good.certificates).items()
                if guid != cert_table.ARK_GUID
            }
        )
    )
    with pytest.raises(errors.ChainError, match="ASK: signature does not verify"):
        verify_quote(no_ark, NONCE, EXPECT, anchor=anchor)
    swapped = cert_table.decode(good.certificates)
    swapped[cert_table.ASK_GUID], swapped[cert_table.VCEK_GUID] = (
        swapped[cert_table.VCEK_GUID],
        swapped[cert_table.ASK_GUID],
    )
    with pytest.raises(errors.ChainError):
        verify_quote(
            good._replace(certificates=cert_table.encode(swapped)),
            NONCE,
            EXPECT,
            anchor=anchor_of(good),
        )


def _vcek_of(trust: SehTrust) -> x509.Certificate:
    return x509.parse_der(trust.chain.vcek)


def test_wrong_chip_id_or_tcb_is_rejected(good: Quote) -> None:
    anchor = anchor_of(good)
    table = cert_table.decode(good.certificates)
    ask = x509.parse_der(table[cert_table.ASK_GUID])
    other_chip = SehTrust(platform=Platform(chip_id=bytes(range(64))))
    with pytest.raises(errors.ChipIdMismatchError):
        verify_snp_report(good.report, anchor=anchor, ask=ask, vcek=_vcek_of(other_chip))
    newer = SehTrust(platform=Platform(tcb=Tcb(bootloader=3, tee=0, snp=9, microcode=115)))
    with pytest.raises(errors.TcbMismatchError, match="snp SPL"):
        verify_snp_report(good.report, anchor=anchor, ask=ask, vcek=_vcek_of(newer))


def test_non_vmpl0_report_is_rejected(trust: SehTrust, good: Quote) -> None:
    table = cert_table.decode(good.certificates)
    raw = trust.snp_report(bytes(64), vmpl=1)
    with pytest.raises(errors.VmplError):
        verify_snp_report(
            raw,
            anchor=anchor_of(good),
            ask=x509.parse_der(table[cert_table.ASK_GUID]),
            vcek=x509.parse_der(table[cert_table.VCEK_GUID]),
        )


def test_nonce_and_manifest_are_bound(good: Quote) -> None:
    anchor = anchor_of(good)
    with pytest.raises(errors.ReportDataError):
        verify_quote(good, hashlib.sha512(b"other").digest(), EXPECT, anchor=anchor)
    services = manifest.decode(good.manifest)
    body = bytearray(services[manifest.ENCLAVE_SERVICE_GUID])
    body[258] += 1  # ISVSVN
    forged = manifest.encode({manifest.ENCLAVE_SERVICE_GUID: bytes(body)})
    with pytest.raises(errors.ReportDataError):
        verify_quote(good._replace(manifest=forged), NONCE, EXPECT, anchor=anchor)


@pytest.mark.parametrize(
    ("expect", "error"),
    [
        (dataclasses.replace(EXPECT, mrenclave=b"X" * 32), errors.MrenclaveMismatchError),
        (dataclasses.replace(EXPECT, mrsigner=b"X" * 32), errors.MrsignerMismatchError),
        (dataclasses.replace(EXPECT, isv_prod_id=10), errors.IsvProdIdMismatchError),
        (dataclasses.replace(EXPECT, min_isv_svn=5), errors.IsvSvnTooLowError),
        (dataclasses.replace(EXPECT, launch_measurement=bytes(48)), errors.LaunchMeasurementError),
        (dataclasses.replace(EXPECT, min_tcb=Tcb(3, 0, 8, 116)), errors.TcbTooLowError),
    ],
)
def test_expectations(good: Quote, expect: Expectations, error: type[Exception]) -> None:
    with pytest.raises(error):
        verify_quote(good, NONCE, expect, anchor=anchor_of(good))


def test_expectations_that_hold(trust: SehTrust, good: Quote) -> None:
    holds = dataclasses.replace(
        EXPECT,
        mrenclave=None,
        isv_prod_id=9,
        launch_measurement=trust.platform.measurement,
        min_tcb=Tcb(3, 0, 8, 115),
    )
    verify_quote(good, NONCE, holds, anchor=anchor_of(good))
    with pytest.raises(ValueError, match="MRENCLAVE or MRSIGNER"):
        verify_quote(good, NONCE, Expectations(), anchor=anchor_of(good))


def test_debug_is_refused_unless_allowed(trust: SehTrust) -> None:
    debug = dataclasses.replace(ENCLAVE, attributes=ENCLAVE.attributes | Attr.DEBUG)
    quote = make_quote(trust, debug)
    with pytest.raises(errors.DebugNotAllowedError, match="DEBUG attribute"):
        verify_quote(quote, NONCE, EXPECT, anchor=anchor_of(quote))
    verify_quote(
        quote, NONCE, dataclasses.replace(EXPECT, allow_debug=True), anchor=anchor_of(quote)
    )
    debug_vm = SehTrust(platform=Platform(policy=(1 << 17) | (1 << 19)))
    vm_quote = make_quote(debug_vm)
    with pytest.raises(errors.DebugNotAllowedError, match="SNP policy"):
        verify_quote(vm_quote, NONCE, EXPECT, anchor=anchor_of(vm_quote))
