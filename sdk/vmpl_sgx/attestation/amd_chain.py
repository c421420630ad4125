"""AMD's ASK and ARK from the PEM file AMD's key distribution service hands out.

The project ships no AMD certificate: a verifier fetches `cert_chain` for its product (ASK
first, then ARK; see docs/attestation.md), checks the ARK's fingerprint out of band, and
passes the file here. This module also names the SNP product a certificate or a report's
CPUID belongs to, so that a Genoa report is never checked against the Milan root.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Union

from vmpl_sgx.attestation.chain import product_name, signed_by
from vmpl_sgx.attestation.errors import AmdChainError, ChainError, ProductMismatchError
from vmpl_sgx.attestation.snp_report import SnpReport, Tcb
from vmpl_sgx.crypto import x509
from vmpl_sgx.crypto.x509 import Certificate

PRODUCTS = ("Milan", "Genoa", "Turin")
KDS = "https://kdsintf.amd.com/vcek/v1"
CERT_CHAIN_URL = KDS + "/{product}/cert_chain"


@dataclass(frozen=True)
class AmdChain:
    """A checked ASK and ARK: the ARK is self-signed and signed the ASK, both of `product`."""

    ask: Certificate
    ark: Certificate
    product: str


def _named_product(cert: Certificate, prefix: str) -> str | None:
    # AMD names them "ARK-Milan" and "SEV-Milan"; the SEH model adds " (vmpl-sgx model)".
    name = cert.common_name
    if not name.startswith(prefix):
        return None
    product = name[len(prefix) :].split(" ", 1)[0]
    return product if product in PRODUCTS else None


def ark_product(ark: Certificate) -> str | None:
    """ "Milan", "Genoa" or "Turin" for an ARK named after its product, else None."""
    return _named_product(ark, "ARK-")


def vcek_product(vcek: Certificate) -> str | None:
    """The product of a VCEK's product-name extension ("Milan-B0" is Milan), else None."""
    product = product_name(vcek).split("-", 1)[0]
    return product if product in PRODUCTS else None


def cpuid_product(cpuid: bytes) -> str | None:
    """The product of a report's CPUID family and model bytes; None when it names none."""
    family, model = cpuid[0], cpuid[1]
    if family == 0x19 and model <= 0x0F:
        return "Milan"
    if family == 0x19 and (0x10 <= model <= 0x1F or 0xA0 <= model <= 0xAF):
        return "Genoa"  # and its Bergamo and Siena variants, which share Genoa's keys
    if family == 0x1A and model <= 0x1F:
        return "Turin"
    return None


def check_product(anchor: Certificate, vcek: Certificate, report: SnpReport) -> str:
    """The product the anchor, the VCEK and (version 3 and later) the report all name."""
    product = ark_product(anchor)
    if product is None:
        raise ProductMismatchError(
            f"the anchor {anchor.common_name!r} is not an ARK of {', '.join(PRODUCTS)}"
        )
    certified = vcek_product(vcek)
    if certified != product:
        raise ProductMismatchError(
            f"the VCEK is for {product_name(vcek) or 'no product'!r}, the anchor for {product}"
        )
    if report.cpuid != bytes(3):  # reserved (zero) in version 2 reports
        reported = cpuid_product(report.cpuid)
        if reported != product:
            raise ProductMismatchError(
                f"the report's CPUID {report.cpuid.hex()} is {reported or 'no known product'},"
                f" the anchor is for {product}"
            )
    return product


def parse_amd_chain(pem: Union[str, bytes]) -> AmdChain:
    """Check a `cert_chain` PEM (ASK, then ARK) and return it; AmdChainError otherwise."""
    try:
        certificates = x509.parse_pem(pem)
    except (x509.CertificateError, ValueError) as err:
        raise AmdChainError(f"not a PEM certificate chain: {err}") from None
    if len(certificates) != 2:
        raise AmdChainError(f"{len(certificates)} certificates, not the ASK and the ARK")
    ask, ark = certificates
    product = ark_product(ark)
    if product is None:
        raise AmdChainError(
            f"the second certificate {ark.common_name!r} is not the ARK of {', '.join(PRODUCTS)}"
        )
    if _named_product(ask, "SEV-") != product:
        raise AmdChainError(f"the first certificate {ask.common_name!r} is not the {product} ASK")
    try:
        signed_by(ark, ark, "ARK self-signature")
        signed_by(ask, ark, "ASK")
    except ChainError as err:
        raise AmdChainError(err.detail) from None
    return AmdChain(ask, ark, product)


def load_amd_chain(path: Union[str, Path]) -> AmdChain:
    """`parse_amd_chain` of a file (OSError if it cannot be read)."""
    return parse_amd_chain(Path(path).read_bytes())


def vcek_url(product: str, report: SnpReport) -> str:
    """Where AMD's key distribution service serves the VCEK for this report's chip and TCB."""
    turin = product == "Turin"
    tcb = Tcb.decode(report.tcb_value("reported_tcb"), turin=turin)
    chip = report.chip_id[:8] if turin else report.chip_id  # Turin names chips by 8 bytes
    query = f"blSPL={tcb.bootloader}&teeSPL={tcb.tee}&snpSPL={tcb.snp}&ucodeSPL={tcb.microcode}"
    if turin:
        query = f"fmcSPL={tcb.fmc}&{query}"
    return f"{KDS}/{product}/{chip.hex()}?{query}"
