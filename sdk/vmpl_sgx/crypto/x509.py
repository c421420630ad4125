"""Reading X.509 certificates: only what an AMD ARK -> ASK -> VCEK chain needs.

Parses the to-be-signed bytes, the signature algorithm (RSASSA-PSS with its parameters, or
ECDSA with SHA-384), the issuer and subject names (kept as raw DER for comparison), the
public key (RSA, or an EC P-384 point) and the extensions. No validity-period or name-form
policy: the verifier decides what to check.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Dict, List, NamedTuple, Union

from vmpl_sgx.crypto import der
from vmpl_sgx.crypto.p384 import decode_point
from vmpl_sgx.crypto.rsa_pss import RsaPublic

OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
OID_RSASSA_PSS = "1.2.840.113549.1.1.10"
OID_MGF1 = "1.2.840.113549.1.1.8"
OID_SHA384 = "2.16.840.1.101.3.4.2.2"
OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
OID_SECP384R1 = "1.3.132.0.34"
OID_ECDSA_SHA384 = "1.2.840.10045.4.3.3"
OID_COMMON_NAME = "2.5.4.3"


class EcPublic(NamedTuple):
    """A P-384 public point; usable wherever `p384` takes a point."""

    x: int
    y: int


PublicKey = Union[RsaPublic, EcPublic]


class CertificateError(ValueError):
    """A certificate this parser cannot read, or one using an algorithm it does not support."""


@dataclass(frozen=True)
class SignatureAlgorithm:
    oid: str
    pss_hash: str | None = None
    pss_salt: int | None = None

    @property
    def is_pss_sha384(self) -> bool:
        return self.oid == OID_RSASSA_PSS and self.pss_hash == OID_SHA384

    @property
    def is_ecdsa_sha384(self) -> bool:
        return self.oid == OID_ECDSA_SHA384


@dataclass(frozen=True)
class Certificate:
    der: bytes
    tbs: bytes
    serial: int
    issuer: bytes
    subject: bytes
    public_key: PublicKey
    signature_algorithm: SignatureAlgorithm
    signature: bytes
    extensions: Dict[str, bytes] = field(default_factory=dict)
    """extnValue contents (the bytes inside the OCTET STRING) by OID."""

    @property
    def common_name(self) -> str:
        return _common_name(self.subject)


def parse_pem(text: Union[str, bytes]) -> List[Certificate]:
    """Every certificate in a PEM bundle, in order."""
    if isinstance(text, bytes):
        text = text.decode("ascii")
    blocks = re.findall(
        r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, flags=re.S
    )
    if not blocks:
        raise CertificateError("no PEM certificate found")
    return [parse_der(base64.b64decode("".join(b.split()), validate=True)) for b in blocks]


def parse_der(data: bytes) -> Certificate:
    try:
        return _parse(bytes(data))
    except der.DerError as err:
        raise CertificateError(f"malformed certificate: {err}") from err


def _parse(data: bytes) -> Certificate:
    outer = der.read_all(der.read_one(data, der.SEQUENCE, "Certificate").content)
    if len(outer) != 3:
        raise CertificateError("a Certificate has three parts")
    tbs_element, algorithm_element, signature_element = outer
    der.expect(tbs_element, der.SEQUENCE, "TBSCertificate")
    parts = der.read_all(tbs_element.content)
    if parts and parts[0].tag == 0xA0:  # [0] EXPLICIT version
        parts = parts[1:]
    if len(parts) < 6:
        raise CertificateError("TBSCertificate is missing fields")
    serial = der.integer(parts[0], "serialNumber")
    inner_algorithm = _algorithm(parts[1])
    outer_algorithm = _algorithm(algorithm_element)
    if inner_algorithm != outer_algorithm:
        raise CertificateError("the two signature algorithm fields differ")
    extensions: Dict[str, bytes] = {}
    for extra in parts[6:]:
        if extra.tag == 0xA3:
            extensions = _extensions(extra)
    return Certificate(
        der=data,
        tbs=tbs_element.encoded,
        serial=serial,
        issuer=der.expect(parts[2], der.SEQUENCE, "issuer").encoded,
        subject=der.expect(parts[4], der.SEQUENCE, "subject").encoded,
        public_key=_public_key(parts[5]),
        signature_algorithm=outer_algorithm,
        signature=der.bit_string(signature_element, "signatureValue"),
        extensions=extensions,
    )


def _algorithm(element: der.Element) -> SignatureAlgorithm:
    der.expect(element, der.SEQUENCE, "AlgorithmIdentifier")
    items = der.read_all(element.content)
    if not items:
        raise CertificateError("empty AlgorithmIdentifier")
    algorithm = der.oid(items[0])
    if algorithm != OID_RSASSA_PSS:
        return SignatureAlgorithm(algorithm)
    # RSASSA-PSS-params: [0] hash, [1] mask generation, [2] salt length, [3] trailer field.
    hash_oid = "1.3.14.3.2.26"  # SHA-1 when absent (RFC 4055)
    mgf_hash = hash_oid
    salt = 20
    params = der.read_all(items[1].content) if len(items) > 1 else []
    for param in params:
        inner, _ = der.read(param.content)
        if param.tag == 0xA0:
            hash_oid = der.oid(der.read_all(inner.content)[0])
        elif param.tag == 0xA1:
            mgf = der.read_all(inner.content)
            if der.oid(mgf[0]) != OID_MGF1:
                raise CertificateError("PSS with a mask generation function other than MGF1")
            mgf_hash = der.oid(der.read_all(mgf[1].content)[0])
        elif param.tag == 0xA2:
            salt = der.integer(inner, "saltLength")
        elif param.tag == 0xA3 and der.integer(inner, "trailerField") != 1:
            raise CertificateError("PSS trailer field other than 1")
    if mgf_hash != hash_oid:
        raise CertificateError("PSS with different message and MGF1 hashes")
    return SignatureAlgorithm(algorithm, hash_oid, salt)


def _public_key(element: der.Element) -> PublicKey:
    der.expect(element, der.SEQUENCE, "SubjectPublicKeyInfo")
    algorithm_element, key_element = der.read_all(element.content)
    items = der.read_all(algorithm_element.content)
    algorithm = der.oid(items[0])
    key = der.bit_string(key_element, "subjectPublicKey")
    if algorithm in (OID_RSA_ENCRYPTION, OID_RSASSA_PSS):
        modulus, exponent = der.read_all(der.read_one(key, der.SEQUENCE, "RSAPublicKey").content)
        n = der.integer(modulus, "modulus")
        e = der.integer(exponent, "publicExponent")
        if n <= 0 or e <= 0:
            raise CertificateError("RSA key with a non-positive number")
        return RsaPublic(n, e)
    if algorithm == OID_EC_PUBLIC_KEY:
        if len(items) < 2 or der.oid(items[1]) != OID_SECP384R1:
            raise CertificateError("EC key on a curve other than P-384")
        return EcPublic(*decode_point(key))
    raise CertificateError(f"unsupported public key algorithm {algorithm}")


def _extensions(wrapper: der.Element) -> Dict[str, bytes]:
    found: Dict[str, bytes] = {}
    sequence, _ = der.read(wrapper.content)
    for extension in der.read_all(der.expect(sequence, der.SEQUENCE, "Extensions").content):
        items = der.read_all(extension.content)
        name = der.oid(items[0])
        if name in found:
            raise CertificateError(f"extension {name} appears twice")
        found[name] = der.expect(items[-1], der.OCTET_STRING, "extnValue").content
    return found


def _common_name(name: bytes) -> str:
    for rdn in der.read_all(der.read_one(name, der.SEQUENCE, "Name").content):
        for attribute in der.read_all(rdn.content):
            kind, value = der.read_all(attribute.content)
            if der.oid(kind) == OID_COMMON_NAME:
                return value.content.decode("utf-8", "replace")
    return ""


def extension_integer(value: bytes) -> int:
    """An extension whose value is a DER INTEGER (AMD's TCB component versions)."""
    return der.integer(der.read_one(value, der.INTEGER, "INTEGER extension"), "extension")


def extension_bytes(value: bytes) -> bytes:
    """An extension holding bytes, either wrapped in an OCTET STRING or stored bare (hwID)."""
    try:
        return der.read_one(value, der.OCTET_STRING, "OCTET STRING extension").content
    except der.DerError:
        return value
