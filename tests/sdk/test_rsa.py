"""RSA-3072 e=3: generation, signing, verification and the key checks."""

from __future__ import annotations

import hashlib
import math

import pytest

from vmpl_sgx.pem import PrivateKeyNumbers
from vmpl_sgx.rsa import (
    MODULUS_BITS,
    MODULUS_BYTES,
    KeyExponentError,
    KeyFormatError,
    KeySizeError,
    RsaPrivateKey,
    RsaPublicKey,
    SigningFaultError,
)

MESSAGE = b"an enclave's signed fields"


def test_generated_key_has_the_required_shape(rsa_key: RsaPrivateKey) -> None:
    n, e, d, p, q, dp, dq, q_inverse = rsa_key.numbers
    assert n.bit_length() == MODULUS_BITS and e == 3
    assert p.bit_length() == q.bit_length() == MODULUS_BITS // 2
    assert p % 3 == 2 and q % 3 == 2  # so gcd(3, p - 1) == gcd(3, q - 1) == 1
    assert math.gcd(e, (p - 1) * (q - 1)) == 1
    assert (d * e) % math.lcm(p - 1, q - 1) == 1
    assert abs(p - q) >> (MODULUS_BITS // 2 - 100) > 0
    assert (dp, dq, q_inverse) == (d % (p - 1), d % (q - 1), pow(q, -1, p))


def test_sign_then_verify(rsa_key: RsaPrivateKey) -> None:
    signature = rsa_key.sign(MESSAGE)
    assert len(signature) == MODULUS_BYTES
    public = rsa_key.public_key
    assert public.verify(MESSAGE, signature)
    assert public.verify_digest(hashlib.sha256(MESSAGE).digest(), signature)
    assert rsa_key.sign_digest(hashlib.sha256(MESSAGE).digest()) == signature


def test_signature_is_textbook_pkcs1_v15(rsa_key: RsaPrivateKey) -> None:
    signature = int.from_bytes(rsa_key.sign(MESSAGE), "big")
    encoded = pow(signature, 3, rsa_key.numbers.modulus).to_bytes(MODULUS_BYTES, "big")
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420")
    padding = b"\xff" * (MODULUS_BYTES - 3 - len(digest_info) - 32)
    assert (
        encoded == b"\x00\x01" + padding + b"\x00" + digest_info + hashlib.sha256(MESSAGE).digest()
    )


def test_verify_rejects_everything_else(rsa_key: RsaPrivateKey) -> None:
    public = rsa_key.public_key
    signature = rsa_key.sign(MESSAGE)
    assert not public.verify(MESSAGE + b"!", signature)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not public.verify(MESSAGE, flipped)
    assert not public.verify(MESSAGE, signature[1:])
    too_big = public.modulus.to_bytes(MODULUS_BYTES, "big")
    assert not public.verify(MESSAGE, too_big)
    assert not public.verify_digest(b"short", signature)


def test_sign_digest_needs_a_sha256_digest(rsa_key: RsaPrivateKey) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        rsa_key.sign_digest(b"\0" * 20)


def test_faulty_crt_result_is_withheld(rsa_key: RsaPrivateKey) -> None:
    numbers = rsa_key.numbers
    faulty = object.__new__(RsaPrivateKey)
    object.__setattr__(faulty, "_numbers", numbers._replace(exponent1=numbers.exponent1 ^ 2))
    with pytest.raises(SigningFaultError, match="not released"):
        faulty.sign(MESSAGE)


def test_keys_compare_by_value_and_hide_secrets(rsa_key: RsaPrivateKey) -> None:
    assert RsaPrivateKey(rsa_key.numbers) == rsa_key
    assert RsaPublicKey(rsa_key.numbers.modulus) == rsa_key.public_key
    text = repr(rsa_key)
    assert str(rsa_key.numbers.private_exponent)[:12] not in text
    assert f"{rsa_key.numbers.private_exponent:x}"[:12] not in text


# ---- size, exponent and consistency


def test_wrong_modulus_size(rsa_key: RsaPrivateKey) -> None:
    n = rsa_key.numbers.modulus
    with pytest.raises(KeySizeError, match="must be 3072 bits, got 3071"):
        RsaPublicKey(n >> 1)
    with pytest.raises(KeySizeError, match="must be 3072 bits, got 2048"):
        RsaPrivateKey(rsa_key.numbers._replace(modulus=(1 << 2047) | 1))


def test_wrong_exponent(rsa_key: RsaPrivateKey) -> None:
    with pytest.raises(KeyExponentError, match="exponent must be 3, got 65537"):
        RsaPublicKey(rsa_key.numbers.modulus, 65537)
    with pytest.raises(KeyExponentError, match="got 65537"):
        RsaPrivateKey(e65537_numbers(rsa_key))


def e65537_numbers(key: RsaPrivateKey) -> PrivateKeyNumbers:
    """A valid RSA key with the same primes and e = 65537."""
    n, _, _, p, q, _, _, q_inverse = key.numbers
    d = pow(65537, -1, math.lcm(p - 1, q - 1))
    return PrivateKeyNumbers(n, 65537, d, p, q, d % (p - 1), d % (q - 1), q_inverse)


@pytest.mark.parametrize(
    ("field", "constraint"),
    [
        ("prime1", "modulus != prime1 \\* prime2"),
        ("private_exponent", "privateExponent is not the inverse"),
        ("exponent1", "exponent1 or exponent2"),
        ("exponent2", "exponent1 or exponent2"),
        ("coefficient", "coefficient is not"),
    ],
)
def test_inconsistent_numbers(rsa_key: RsaPrivateKey, field: str, constraint: str) -> None:
    broken = rsa_key.numbers._replace(**{field: getattr(rsa_key.numbers, field) + 2})
    with pytest.raises(KeyFormatError, match=f"inconsistent RSA key: {constraint}"):
        RsaPrivateKey(broken)


def test_typed_errors_are_value_errors() -> None:
    for error in (KeyFormatError, KeySizeError, KeyExponentError):
        assert issubclass(error, ValueError)
