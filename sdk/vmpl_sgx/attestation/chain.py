"""Checking ARK -> ASK -> VCEK and the VCEK's extensions against a report."""

from __future__ import annotations

import contextlib
import hmac

from vmpl_sgx.attestation.errors import ChainError, ChipIdMismatchError, TcbMismatchError
from vmpl_sgx.attestation.snp_report import SnpReport, Tcb
from vmpl_sgx.crypto import der, rsa_pss, x509
from vmpl_sgx.crypto.x509 import Certificate, EcPublic

OID_PRODUCT_NAME = "1.3.6.1.4.1.3704.1.2"
OID_HWID = "1.3.6.1.4.1.3704.1.4"
_TCB_OIDS = {
    "bootloader": "1.3.6.1.4.1.3704.1.3.1",
    "tee": "1.3.6.1.4.1.3704.1.3.2",
    "snp": "1.3.6.1.4.1.3704.1.3.3",
    "microcode": "1.3.6.1.4.1.3704.1.3.8",
}
_TURIN_FMC_OID = "1.3.6.1.4.1.3704.1.3.9"


def signed_by(cert: Certificate, issuer: Certificate, what: str) -> None:
    if cert.issuer != issuer.subject:
        raise ChainError(f"{what}: issuer name is not the subject of {issuer.common_name!r}")
    algorithm = cert.signature_algorithm
    if not algorithm.is_pss_sha384 or algorithm.pss_salt != rsa_pss.SALT_SIZE:
        raise ChainError(f"{what}: not signed with RSASSA-PSS, SHA-384, 48-byte salt")
    key = issuer.public_key
    if not isinstance(key, rsa_pss.RsaPublic):
        raise ChainError(f"{what}: the issuer's key is not an RSA key")
    if not rsa_pss.verify(key, cert.tbs, cert.signature):
        raise ChainError(f"{what}: signature does not verify under {issuer.common_name!r}")


def verify_chain(
    anchor: Certificate, ask: Certificate, vcek: Certificate, ark: Certificate | None = None
) -> EcPublic:
    """The VCEK's public key once ARK (the anchor) -> ASK -> VCEK all verify."""
    if ark is not None and ark.der != anchor.der:
        raise ChainError("ARK: the quote's ARK is not the trust anchor")
    signed_by(anchor, anchor, "ARK self-signature")
    signed_by(ask, anchor, "ASK")
    signed_by(vcek, ask, "VCEK")
    key = vcek.public_key
    if not isinstance(key, EcPublic):
        raise ChainError("VCEK: the key is not a P-384 key")
    return key


def product_name(vcek: Certificate) -> str:
    """The VCEK's product name ("Milan-B0", "Genoa", "Turin", ...), or "" if it has none."""
    value = vcek.extensions.get(OID_PRODUCT_NAME, b"")
    with contextlib.suppress(der.DerError):  # some certificates store the name bare
        value = der.read_one(value, der.IA5_STRING, "productName").content
    return value.decode("ascii", "replace")


def check_extensions(vcek: Certificate, report: SnpReport) -> Tcb:
    """Compare the VCEK's TCB and hwID extensions with the report; return the reported TCB."""
    turin = product_name(vcek).startswith("Turin")
    reported = Tcb.decode(report.tcb_value("reported_tcb"), turin=turin)
    oids = dict(_TCB_OIDS, fmc=_TURIN_FMC_OID) if turin else _TCB_OIDS
    for component, oid in oids.items():
        value = vcek.extensions.get(oid)
        if value is None:
            raise TcbMismatchError(f"the VCEK has no {component} SPL extension ({oid})")
        try:
            certified = x509.extension_integer(value)
        except ValueError as err:
            raise TcbMismatchError(f"{component} SPL extension is not an INTEGER") from err
        if certified != getattr(reported, component):
            raise TcbMismatchError(
                f"{component} SPL: VCEK {certified}, report {getattr(reported, component)}"
            )
    hwid = vcek.extensions.get(OID_HWID)
    if hwid is None:
        raise ChipIdMismatchError("the VCEK has no hwID extension")
    chip = x509.extension_bytes(hwid)
    size = 8 if turin else 64  # Turin certifies the first 8 bytes of CHIP_ID
    if len(chip) != size or not hmac.compare_digest(chip, report.chip_id[:size]):
        raise ChipIdMismatchError("the VCEK's hwID is not the report's CHIP_ID")
    return reported
