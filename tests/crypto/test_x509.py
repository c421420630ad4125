"""X.509: certificates we build parse and verify in `cryptography`, and theirs parse in ours."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509 as their_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from vmpl_sgx.crypto import der, p384, rsa_pss, x509, x509_build

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
TCB_OID = "1.3.6.1.4.1.3704.1.3.1"
HWID_OID = "1.3.6.1.4.1.3704.1.4"


@pytest.fixture(scope="module")
def issuer() -> rsa_pss.RsaPrivate:
    return rsa_pss.generate(1024)


def _leaf(issuer: rsa_pss.RsaPrivate, serial: int) -> tuple[bytes, p384.Point]:
    point = p384.public_key(p384.generate_private_key())
    cert = x509_build.build(
        serial=serial,
        issuer=x509_build.name("ASK"),
        subject=x509_build.name("VCEK"),
        subject_key=point,
        signer=issuer,
        extensions={TCB_OID: der.encode_integer(7), HWID_OID: bytes(range(64))},
        not_before=START,
    )
    return cert, point


def test_round_trip_with_negative_serial(issuer: rsa_pss.RsaPrivate) -> None:
    cert_der, point = _leaf(issuer, serial=-5)
    cert = x509.parse_der(cert_der)
    assert cert.serial == -5
    assert cert.common_name == "VCEK"
    assert cert.public_key == point
    assert isinstance(cert.public_key, x509.EcPublic)
    assert cert.signature_algorithm.is_pss_sha384
    assert cert.signature_algorithm.pss_salt == 48
    assert x509.extension_integer(cert.extensions[TCB_OID]) == 7
    assert x509.extension_bytes(cert.extensions[HWID_OID]) == bytes(range(64))
    assert rsa_pss.verify(issuer.public, cert.tbs, cert.signature)
    assert cert.issuer == x509_build.name("ASK")


def test_truncated_or_garbled_certificates_are_refused(issuer: rsa_pss.RsaPrivate) -> None:
    cert_der, _ = _leaf(issuer, serial=1)
    with pytest.raises(x509.CertificateError):
        x509.parse_der(cert_der[:-1])
    with pytest.raises(x509.CertificateError):
        x509.parse_der(cert_der + b"\x00")
    with pytest.raises(x509.CertificateError, match="no PEM"):
        x509.parse_pem("nothing here")


def test_cryptography_reads_and_verifies_ours(issuer: rsa_pss.RsaPrivate) -> None:

    cert_der, point = _leaf(issuer, serial=12345)
    theirs = their_x509.load_der_x509_certificate(cert_der)
    assert theirs.serial_number == 12345
    assert theirs.public_key().public_numbers().x == point[0]  # type: ignore[union-attr]
    public = rsa.RSAPublicNumbers(issuer.exponent, issuer.modulus).public_key()
    public.verify(
        theirs.signature,
        theirs.tbs_certificate_bytes,
        padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48),
        hashes.SHA384(),
    )


def test_we_read_a_certificate_cryptography_built() -> None:

    root = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = ec.generate_private_key(ec.SECP384R1())
    name = their_x509.Name([their_x509.NameAttribute(NameOID.COMMON_NAME, "SEV-VCEK")])
    builder = (
        their_x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(leaf.public_key())
        .serial_number(99)
        .not_valid_before(START)
        .not_valid_after(START.replace(year=2030))
        .add_extension(
            their_x509.UnrecognizedExtension(
                their_x509.ObjectIdentifier(TCB_OID), der.encode_integer(219)
            ),
            critical=False,
        )
    )
    built = builder.sign(
        root,
        hashes.SHA384(),
        rsa_padding=padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48),
    )
    ours = x509.parse_pem(built.public_bytes(serialization.Encoding.PEM))[0]
    assert ours.serial == 99
    assert ours.common_name == "SEV-VCEK"
    assert x509.extension_integer(ours.extensions[TCB_OID]) == 219
    numbers = root.public_key().public_numbers()
    assert rsa_pss.verify(rsa_pss.RsaPublic(numbers.n, numbers.e), ours.tbs, ours.signature)
    assert ours.public_key == (
        leaf.public_key().public_numbers().x,
        leaf.public_key().public_numbers().y,
    )
