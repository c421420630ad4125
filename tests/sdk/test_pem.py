"""PKCS#1 and PKCS#8 PEM: round trips and every refusal of the strict reader."""

from __future__ import annotations

import base64
import math

import pytest

from vmpl_sgx import pem
from vmpl_sgx.pem import KeyFormatError, PrivateKeyNumbers
from vmpl_sgx.rsa import KeyExponentError, KeySizeError, RsaPrivateKey


def der_of(text: str) -> bytes:
    lines = text.strip().splitlines()
    return base64.b64decode("".join(lines[1:-1]))


def armour(label: str, der: bytes) -> str:
    return pem._encode_pem(label, der)


def test_pkcs1_round_trip(rsa_key: RsaPrivateKey) -> None:
    text = rsa_key.to_pkcs1_pem()
    assert text.startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    assert text.endswith("-----END RSA PRIVATE KEY-----\n")
    assert all(len(line) <= 64 for line in text.splitlines())
    assert RsaPrivateKey.from_pem(text) == rsa_key
    assert RsaPrivateKey.from_pem(text.encode()) == rsa_key


def test_pkcs8_round_trip(rsa_key: RsaPrivateKey) -> None:
    text = rsa_key.to_pkcs8_pem()
    assert text.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert RsaPrivateKey.from_pem(text) == rsa_key
    # PKCS#8 wraps exactly the PKCS#1 encoding.
    assert der_of(rsa_key.to_pkcs1_pem()) in der_of(text)


def test_tolerates_surrounding_whitespace_and_crlf(rsa_key: RsaPrivateKey) -> None:
    text = "\n  " + rsa_key.to_pkcs1_pem().replace("\n", "\r\n") + "\n\n"
    assert RsaPrivateKey.from_pem(text) == rsa_key


def test_size_and_exponent_errors_come_through_pem(rsa_key: RsaPrivateKey) -> None:
    n, _, _, p, q, _, _, q_inverse = rsa_key.numbers
    d = pow(65537, -1, math.lcm(p - 1, q - 1))
    e65537 = PrivateKeyNumbers(n, 65537, d, p, q, d % (p - 1), d % (q - 1), q_inverse)
    with pytest.raises(KeyExponentError, match="exponent must be 3"):
        RsaPrivateKey.from_pem(pem.encode_pkcs8_pem(e65537))
    small = rsa_key.numbers._replace(modulus=rsa_key.numbers.modulus >> 1024)
    with pytest.raises(KeySizeError, match="must be 3072 bits"):
        RsaPrivateKey.from_pem(pem.encode_pkcs1_pem(small))


# ---- armour refusals


def test_refuses_trailing_garbage(rsa_key: RsaPrivateKey) -> None:
    with pytest.raises(KeyFormatError, match="unexpected text before or after"):
        RsaPrivateKey.from_pem(rsa_key.to_pkcs1_pem() + "garbage\n")


def test_refuses_leading_text(rsa_key: RsaPrivateKey) -> None:
    with pytest.raises(KeyFormatError, match="unexpected text before or after"):
        RsaPrivateKey.from_pem("Bag Attributes\n" + rsa_key.to_pkcs1_pem())


def test_refuses_two_blocks(rsa_key: RsaPrivateKey) -> None:
    with pytest.raises(KeyFormatError, match="exactly one PEM block, found 2"):
        RsaPrivateKey.from_pem(rsa_key.to_pkcs1_pem() + rsa_key.to_pkcs8_pem())


def test_refuses_no_block() -> None:
    with pytest.raises(KeyFormatError, match="found 0"):
        RsaPrivateKey.from_pem("nothing here")


def test_refuses_other_labels(rsa_key: RsaPrivateKey) -> None:
    text = rsa_key.to_pkcs1_pem().replace("RSA PRIVATE KEY", "PUBLIC KEY")
    with pytest.raises(KeyFormatError, match="got 'PUBLIC KEY'"):
        RsaPrivateKey.from_pem(text)


def test_refuses_mismatched_end(rsa_key: RsaPrivateKey) -> None:
    text = rsa_key.to_pkcs1_pem().replace("END RSA PRIVATE KEY", "END PRIVATE KEY")
    with pytest.raises(KeyFormatError, match="does not match END"):
        RsaPrivateKey.from_pem(text)


def test_refuses_encrypted_pkcs8() -> None:
    text = armour("ENCRYPTED PRIVATE KEY", b"\x30\x00")
    with pytest.raises(KeyFormatError, match="encrypted keys are not supported"):
        RsaPrivateKey.from_pem(text)


def test_refuses_encrypted_traditional(rsa_key: RsaPrivateKey) -> None:
    lines = rsa_key.to_pkcs1_pem().splitlines()
    headers = [
        "Proc-Type: 4,ENCRYPTED",
        "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF",
        "",
    ]
    text = "\n".join([lines[0], *headers, *lines[1:]]) + "\n"
    with pytest.raises(KeyFormatError, match="encrypted keys are not supported"):
        RsaPrivateKey.from_pem(text)


def test_refuses_bad_base64(rsa_key: RsaPrivateKey) -> None:
    lines = rsa_key.to_pkcs1_pem().splitlines()
    lines[1] = "*" + lines[1][1:]
    with pytest.raises(KeyFormatError, match="not valid base64"):
        RsaPrivateKey.from_pem("\n".join(lines))


def test_refuses_non_canonical_base64() -> None:
    # "MAA=" decodes to 30 00; "MAB=" decodes to the same bytes with stray padding bits.
    with pytest.raises(KeyFormatError, match="not canonical base64"):
        RsaPrivateKey.from_pem(
            "-----BEGIN RSA PRIVATE KEY-----\nMAB=\n-----END RSA PRIVATE KEY-----\n"
        )


def test_refuses_non_ascii() -> None:
    with pytest.raises(KeyFormatError, match="ASCII"):
        RsaPrivateKey.from_pem("-----BEGIN RSA PRIVATE KEY-----\né\n".encode())


# ---- DER refusals


def pkcs1_fields(rsa_key: RsaPrivateKey, version: bytes = b"\x02\x01\x00") -> bytes:
    return version + b"".join(pem._der_unsigned(value) for value in rsa_key.numbers)


def load_pkcs1_der(der: bytes) -> RsaPrivateKey:
    return RsaPrivateKey.from_pem(armour(pem.PKCS1_LABEL, der))


def load_pkcs8_der(der: bytes) -> RsaPrivateKey:
    return RsaPrivateKey.from_pem(armour(pem.PKCS8_LABEL, der))


def test_der_trailing_bytes_after_the_key(rsa_key: RsaPrivateKey) -> None:
    with pytest.raises(KeyFormatError, match="unexpected bytes after the RSAPrivateKey"):
        load_pkcs1_der(der_of(rsa_key.to_pkcs1_pem()) + b"\x00")


def test_der_trailing_field_inside_the_key(rsa_key: RsaPrivateKey) -> None:
    der = pem._der(0x30, pkcs1_fields(rsa_key) + pem._der_unsigned(7))
    with pytest.raises(KeyFormatError, match="unexpected bytes after the RSAPrivateKey fields"):
        load_pkcs1_der(der)


def test_der_multi_prime_version(rsa_key: RsaPrivateKey) -> None:
    der = pem._der(0x30, pkcs1_fields(rsa_key, b"\x02\x01\x01"))
    with pytest.raises(KeyFormatError, match="version must be 0 \\(two primes\\), got 1"):
        load_pkcs1_der(der)


def test_der_missing_field(rsa_key: RsaPrivateKey) -> None:
    fields = pkcs1_fields(rsa_key)
    last = pem._der_unsigned(rsa_key.numbers.coefficient)
    with pytest.raises(KeyFormatError, match="RSAPrivateKey coefficient is missing"):
        load_pkcs1_der(pem._der(0x30, fields[: -len(last)]))


def test_der_non_minimal_integer(rsa_key: RsaPrivateKey) -> None:
    der = pem._der(0x30, pkcs1_fields(rsa_key, b"\x02\x02\x00\x00"))
    with pytest.raises(KeyFormatError, match="version INTEGER is not minimally encoded"):
        load_pkcs1_der(der)


def test_der_negative_integer(rsa_key: RsaPrivateKey) -> None:
    der = pem._der(0x30, pkcs1_fields(rsa_key, b"\x02\x01\xff"))
    with pytest.raises(KeyFormatError, match="version must not be negative"):
        load_pkcs1_der(der)


def test_der_empty_integer(rsa_key: RsaPrivateKey) -> None:
    der = pem._der(0x30, pkcs1_fields(rsa_key, b"\x02\x00"))
    with pytest.raises(KeyFormatError, match="empty INTEGER"):
        load_pkcs1_der(der)


def test_der_non_minimal_length(rsa_key: RsaPrivateKey) -> None:
    der = pem._der(0x30, pkcs1_fields(rsa_key, b"\x02\x81\x01\x00"))
    with pytest.raises(KeyFormatError, match="length is not minimally encoded"):
        load_pkcs1_der(der)


def test_der_indefinite_length(rsa_key: RsaPrivateKey) -> None:
    der = b"\x30\x80" + pkcs1_fields(rsa_key) + b"\x00\x00"
    with pytest.raises(KeyFormatError, match="indefinite length"):
        load_pkcs1_der(der)


def test_der_length_past_the_end(rsa_key: RsaPrivateKey) -> None:
    der = der_of(rsa_key.to_pkcs1_pem())
    with pytest.raises(KeyFormatError, match="runs past the end"):
        load_pkcs1_der(der[:-1])


def test_der_wrong_tag(rsa_key: RsaPrivateKey) -> None:
    der = b"\x31" + der_of(rsa_key.to_pkcs1_pem())[1:]
    with pytest.raises(KeyFormatError, match="RSAPrivateKey must have tag 0x30, found 0x31"):
        load_pkcs1_der(der)


def pkcs8(version: bytes, algorithm: bytes, key: bytes, extra: bytes = b"") -> bytes:
    return pem._der(0x30, version + algorithm + pem._der(0x04, key) + extra)


def test_pkcs8_wrong_algorithm(rsa_key: RsaPrivateKey) -> None:
    pss = bytes.fromhex("300b06092a864886f70d01010a")  # RSASSA-PSS
    der = pkcs8(b"\x02\x01\x00", pss, der_of(rsa_key.to_pkcs1_pem()))
    with pytest.raises(KeyFormatError, match="algorithm must be rsaEncryption"):
        load_pkcs8_der(der)


def test_pkcs8_parameters_must_be_null(rsa_key: RsaPrivateKey) -> None:
    algorithm = bytes.fromhex("300d06092a864886f70d0101010500")[:-2] + b"\x04\x00"
    der = pkcs8(b"\x02\x01\x00", algorithm, der_of(rsa_key.to_pkcs1_pem()))
    with pytest.raises(KeyFormatError, match="rsaEncryption parameters must have tag 0x05"):
        load_pkcs8_der(der)


def test_pkcs8_version(rsa_key: RsaPrivateKey) -> None:
    der = pkcs8(b"\x02\x01\x01", pem._RSA_ALGORITHM_IDENTIFIER, der_of(rsa_key.to_pkcs1_pem()))
    with pytest.raises(KeyFormatError, match="PrivateKeyInfo version must be 0, got 1"):
        load_pkcs8_der(der)


def test_pkcs8_attributes_refused(rsa_key: RsaPrivateKey) -> None:
    der = pkcs8(
        b"\x02\x01\x00", pem._RSA_ALGORITHM_IDENTIFIER, der_of(rsa_key.to_pkcs1_pem()), b"\xa0\x00"
    )
    with pytest.raises(KeyFormatError, match="attributes or public key are not supported"):
        load_pkcs8_der(der)


def test_pkcs8_trailing_bytes_in_the_wrapped_key(rsa_key: RsaPrivateKey) -> None:
    der = pkcs8(
        b"\x02\x01\x00", pem._RSA_ALGORITHM_IDENTIFIER, der_of(rsa_key.to_pkcs1_pem()) + b"\0"
    )
    with pytest.raises(KeyFormatError, match="unexpected bytes after the RSAPrivateKey"):
        load_pkcs8_der(der)


def test_integer_encoding_is_minimal() -> None:
    assert pem._der_unsigned(0) == b"\x02\x01\x00"
    assert pem._der_unsigned(0x7F) == b"\x02\x01\x7f"
    assert pem._der_unsigned(0x80) == b"\x02\x02\x00\x80"
    assert pem._der_unsigned(0x100) == b"\x02\x02\x01\x00"
    assert pem._der_length(0x7F) == b"\x7f"
    assert pem._der_length(0x80) == b"\x81\x80"
    assert pem._der_length(0x1234) == b"\x82\x12\x34"
