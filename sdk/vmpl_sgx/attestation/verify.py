"""Verify an SNP report, or a whole vmpl-sgx quote down to the enclave's identity.

`verify_snp_report` checks what AMD's hardware vouches for: one product named by the anchor,
the VCEK and the report's CPUID, the chain from the trust anchor to the VCEK, the VCEK's
extensions against the report, the report signature and VMPL 0.
`verify_quote` adds what the SEH vouches for: REPORT_DATA = SHA-512(nonce || manifest), the
enclave's report body in the manifest, and the caller's expectations of that enclave. Each
failure raises the AttestationError subclass named after its check.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass

from vmpl_sgx._abi import REPORT_BODY_SIZE, ReportBody
from vmpl_sgx.attestation import cert_table, errors, manifest, snp_report
from vmpl_sgx.attestation.amd_chain import AmdChain, check_product
from vmpl_sgx.attestation.chain import check_extensions, product_name, verify_chain
from vmpl_sgx.attestation.quote import Quote
from vmpl_sgx.attestation.snp_report import SnpReport, Tcb
from vmpl_sgx.crypto import p384, x509
from vmpl_sgx.crypto.x509 import Certificate
from vmpl_sgx.enclave_identity import EnclaveIdentity

__all__ = [
    "EnclaveIdentity",
    "Expectations",
    "VerifiedQuote",
    "VerifiedSnpReport",
    "verify_quote",
    "verify_snp_report",
]


@dataclass(frozen=True)
class Expectations:
    """What the verifier insists on. Name at least MRENCLAVE or MRSIGNER."""

    mrenclave: bytes | None = None
    mrsigner: bytes | None = None
    isv_prod_id: int | None = None
    min_isv_svn: int = 0
    allow_debug: bool = False
    launch_measurement: bytes | None = None
    """The SNP MEASUREMENT of the firmware + SEH image, when the verifier pins it."""
    min_tcb: Tcb | None = None


@dataclass(frozen=True)
class VerifiedSnpReport:
    report: SnpReport
    product: str
    reported_tcb: Tcb


@dataclass(frozen=True)
class VerifiedQuote:
    snp: VerifiedSnpReport
    enclave: EnclaveIdentity


def verify_snp_report(
    raw_report: bytes,
    *,
    anchor: Certificate,
    ask: Certificate,
    vcek: Certificate,
    ark: Certificate | None = None,
) -> VerifiedSnpReport:
    """Product, chain, VCEK extensions, signature and VMPL 0 of one SNP report."""
    try:
        report = snp_report.decode(raw_report)
    except snp_report.SnpReportFormatError as err:
        raise errors.ReportFormatError(str(err)) from None
    if report.signature_algo != snp_report.SIGNATURE_ALGO_ECDSA_P384_SHA384:
        raise errors.ReportFormatError(f"signature algorithm {report.signature_algo} is not 1")
    if report.signing_key != snp_report.SIGNING_KEY_VCEK:
        raise errors.ReportFormatError(f"signed by key {report.signing_key}, not the VCEK")
    check_product(anchor, vcek, report)
    public = verify_chain(anchor, ask, vcek, ark)
    reported = check_extensions(vcek, report)
    digest = hashlib.sha384(report.signed_bytes()).digest()
    if not p384.verify_digest(public, digest, (report.signature_r, report.signature_s)):
        raise errors.ReportSignatureError("the VCEK's signature over bytes 0x000-0x29F fails")
    if report.vmpl != 0:
        raise errors.VmplError(f"requested for VMPL {report.vmpl}, not 0")
    return VerifiedSnpReport(report, product_name(vcek), reported)


_TABLE_NAMES = {
    cert_table.ARK_GUID: "ARK",
    cert_table.ASK_GUID: "ASK",
    cert_table.VCEK_GUID: "VCEK",
}


def _from_table(quote: Quote, guid: uuid.UUID) -> Certificate | None:
    if not quote.certificates:  # a quote may travel without its certificates
        return None
    try:
        der = cert_table.decode(quote.certificates).get(guid)
        return None if der is None else x509.parse_der(der)
    except (cert_table.CertTableFormatError, x509.CertificateError) as err:
        raise errors.ChainError(str(err)) from None


def _required(quote: Quote, guid: uuid.UUID) -> Certificate:
    certificate = _from_table(quote, guid)
    if certificate is None:
        raise errors.ChainError(f"the quote's certificate table lacks the {_TABLE_NAMES[guid]}")
    return certificate


def _enclave_identity(raw_manifest: bytes) -> EnclaveIdentity:
    try:
        services = manifest.decode(raw_manifest)
    except manifest.ManifestFormatError as err:
        raise errors.ManifestError(str(err)) from None
    blob = services.get(manifest.ENCLAVE_SERVICE_GUID)
    if blob is None:
        raise errors.ManifestError("no vmpl-sgx enclave service in the manifest")
    if len(blob) != REPORT_BODY_SIZE:
        raise errors.ManifestError(f"enclave entry of {len(blob)} bytes, not {REPORT_BODY_SIZE}")
    body = ReportBody.from_buffer_copy(blob)
    return EnclaveIdentity(
        mrenclave=bytes(body.mrenclave),
        mrsigner=bytes(body.mrsigner),
        attributes=body.attributes,
        xfrm=body.xfrm,
        miscselect=body.miscselect,
        isv_prod_id=body.isv_prod_id,
        isv_svn=body.isv_svn,
        config_svn=body.config_svn,
        config_id=bytes(body.config_id),
        isv_family_id=bytes(body.isv_family_id),
        isv_ext_prod_id=bytes(body.isv_ext_prod_id),
        report_data=bytes(body.report_data),
    )


def _equal(actual: bytes, expected: bytes) -> bool:
    return hmac.compare_digest(actual, bytes(expected))


def _check_expectations(
    verified: VerifiedSnpReport, enclave: EnclaveIdentity, expect: Expectations
) -> None:
    if expect.mrenclave is not None and not _equal(enclave.mrenclave, expect.mrenclave):
        raise errors.MrenclaveMismatchError(f"enclave is {enclave.mrenclave.hex()}")
    if expect.mrsigner is not None and not _equal(enclave.mrsigner, expect.mrsigner):
        raise errors.MrsignerMismatchError(f"signer is {enclave.mrsigner.hex()}")
    if expect.isv_prod_id is not None and enclave.isv_prod_id != expect.isv_prod_id:
        raise errors.IsvProdIdMismatchError(f"ISVPRODID {enclave.isv_prod_id}")
    if enclave.isv_svn < expect.min_isv_svn:
        raise errors.IsvSvnTooLowError(f"ISVSVN {enclave.isv_svn} < {expect.min_isv_svn}")
    if not expect.allow_debug and enclave.debug:
        raise errors.DebugNotAllowedError("the enclave has the DEBUG attribute")
    if not expect.allow_debug and verified.report.debug_allowed:
        raise errors.DebugNotAllowedError("the VM's SNP policy allows debugging")
    measurement = expect.launch_measurement
    if measurement is not None and not _equal(verified.report.measurement, measurement):
        raise errors.LaunchMeasurementError(f"measurement {verified.report.measurement.hex()}")
    if expect.min_tcb is not None and not verified.reported_tcb.at_least(expect.min_tcb):
        raise errors.TcbTooLowError(f"reported TCB {verified.reported_tcb} < {expect.min_tcb}")


def verify_quote(
    quote: Quote,
    nonce: bytes,
    expect: Expectations,
    *,
    anchor: Certificate | None = None,
    amd_chain: AmdChain | None = None,
    ask: Certificate | None = None,
    vcek: Certificate | None = None,
) -> VerifiedQuote:
    """Everything from the trust anchor to the enclave's identity.

    The anchor is `anchor` (an ARK the caller trusts) or `amd_chain`'s ARK (then its ASK is
    the ASK). An ASK or VCEK not given comes from the quote's certificate table; an ARK in
    that table must be the anchor, and is ignored when the caller gives both ASK and VCEK.
    """
    if expect.mrenclave is None and expect.mrsigner is None:
        raise ValueError("expectations must name MRENCLAVE or MRSIGNER (or both)")
    if anchor is not None and amd_chain is not None:
        raise ValueError("give the trust anchor either as `anchor` or as `amd_chain`, not both")
    if amd_chain is not None:
        anchor, ask = amd_chain.ark, ask or amd_chain.ask
    if anchor is None:
        raise ValueError("no trust anchor: give `anchor` or `amd_chain`")
    given = ask is not None and vcek is not None
    verified = verify_snp_report(
        quote.report,
        anchor=anchor,
        ask=ask or _required(quote, cert_table.ASK_GUID),
        vcek=vcek or _required(quote, cert_table.VCEK_GUID),
        ark=None if given else _from_table(quote, cert_table.ARK_GUID),
    )
    if len(nonce) != manifest.NONCE_SIZE:
        raise errors.ReportDataError(f"the nonce is {manifest.NONCE_SIZE} bytes")
    expected = manifest.report_data(nonce, quote.manifest)
    if not _equal(verified.report.report_data, expected):
        raise errors.ReportDataError("REPORT_DATA is not SHA-512(nonce || manifest)")
    enclave = _enclave_identity(quote.manifest)
    _check_expectations(verified, enclave, expect)
    return VerifiedQuote(verified, enclave)


__all__ = [
    "EnclaveIdentity",
    "Expectations",
    "VerifiedQuote",
    "VerifiedSnpReport",
    "verify_quote",
    "verify_snp_report",
]
