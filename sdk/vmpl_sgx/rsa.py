"""RSA-3072 with public exponent 3, the only key SGX accepts for SIGSTRUCT.

Key generation, PKCS#1 v1.5 SHA-256 signing (with the Chinese remainder theorem) and
verification, and loading and saving keys through `vmpl_sgx.pem`. Signatures and moduli are
big-endian here, as in PKCS#1; SIGSTRUCT stores them little-endian.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from typing import Union

from vmpl_sgx.errors import SdkError
from vmpl_sgx.pem import (
    KeyFormatError,
    PrivateKeyNumbers,
    decode_private_key_pem,
    encode_pkcs1_pem,
    encode_pkcs8_pem,
)

__all__ = [
    "MODULUS_BITS",
    "MODULUS_BYTES",
    "PUBLIC_EXPONENT",
    "KeyExponentError",
    "KeyFormatError",
    "KeySizeError",
    "PrivateKeyNumbers",
    "RsaPrivateKey",
    "RsaPublicKey",
    "SigningFaultError",
]

MODULUS_BITS = 3072
MODULUS_BYTES = MODULUS_BITS // 8
PUBLIC_EXPONENT = 3

_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
"""DER DigestInfo prefix for SHA-256 (RFC 8017, section 9.2, note 1)."""

_MILLER_RABIN_ROUNDS = 5
"""FIPS 186-5 Table B.1 asks 4 rounds for random 1536-bit candidates (error probability at most
2**-128); one more for margin. Candidates are drawn afresh at random, as that bound assumes."""

_PRIME_DISTANCE_BITS = MODULUS_BITS // 2 - 100
"""p and q must differ in their top 100 bits (FIPS 186-5, A.1.3)."""


class KeySizeError(SdkError, ValueError):
    """The RSA modulus is not 3072 bits long."""


class KeyExponentError(SdkError, ValueError):
    """The RSA public exponent is not 3."""


class SigningFaultError(SdkError, RuntimeError):
    """A computed signature failed its own check; it was withheld to protect the key."""


BytesLike = Union[bytes, bytearray, memoryview]


class RsaPublicKey:
    """An RSA-3072 public key with exponent 3."""

    __slots__ = ("_modulus",)

    def __init__(self, modulus: int, exponent: int = PUBLIC_EXPONENT) -> None:
        _check_size_and_exponent(modulus, exponent)
        self._modulus = modulus

    @property
    def modulus(self) -> int:
        return self._modulus

    @property
    def exponent(self) -> int:
        return PUBLIC_EXPONENT

    def verify(self, message: BytesLike, signature: BytesLike) -> bool:
        """True if `signature` (big-endian, 384 bytes) is a PKCS#1 v1.5 SHA-256 signature."""
        return self.verify_digest(hashlib.sha256(message).digest(), signature)

    def verify_digest(self, digest: BytesLike, signature: BytesLike) -> bool:
        if len(signature) != MODULUS_BYTES or len(digest) != hashlib.sha256().digest_size:
            return False
        value = int.from_bytes(signature, "big")
        if value >= self._modulus:
            return False
        return pow(value, PUBLIC_EXPONENT, self._modulus) == _encode_digest(digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RsaPublicKey) and other._modulus == self._modulus

    def __hash__(self) -> int:
        return hash(self._modulus)

    def __repr__(self) -> str:
        return f"RsaPublicKey(modulus=0x{_abbreviated(self._modulus)})"


class RsaPrivateKey:
    """An RSA-3072 private key with exponent 3; checked for consistency when built."""

    __slots__ = ("_numbers",)

    def __init__(self, numbers: PrivateKeyNumbers) -> None:
        _check_private_numbers(numbers)
        self._numbers = numbers

    @classmethod
    def generate(cls) -> RsaPrivateKey:
        """A fresh key from the operating system's randomness (`secrets`)."""
        return cls(_generate_numbers())

    @classmethod
    def from_pem(cls, text: Union[str, bytes]) -> RsaPrivateKey:
        """Load an unencrypted PKCS#1 or PKCS#8 PEM key."""
        return cls(decode_private_key_pem(text))

    def to_pkcs1_pem(self) -> str:
        return encode_pkcs1_pem(self._numbers)

    def to_pkcs8_pem(self) -> str:
        return encode_pkcs8_pem(self._numbers)

    @property
    def numbers(self) -> PrivateKeyNumbers:
        return self._numbers

    @property
    def public_key(self) -> RsaPublicKey:
        return RsaPublicKey(self._numbers.modulus)

    def sign(self, message: BytesLike) -> bytes:
        """PKCS#1 v1.5 SHA-256 signature of `message`, big-endian, 384 bytes."""
        return self.sign_digest(hashlib.sha256(message).digest())

    def sign_digest(self, digest: BytesLike) -> bytes:
        """PKCS#1 v1.5 signature of a SHA-256 digest, big-endian, 384 bytes."""
        if len(digest) != hashlib.sha256().digest_size:
            raise ValueError(f"a SHA-256 digest is 32 bytes, got {len(digest)}")
        n, _, _, p, q, dp, dq, q_inverse = self._numbers
        encoded = _encode_digest(digest)
        # CRT: two half-size exponentiations instead of one full-size one.
        mod_p = pow(encoded, dp, p)
        mod_q = pow(encoded, dq, q)
        signature = mod_q + q * ((q_inverse * (mod_p - mod_q)) % p)
        # A wrong CRT half would leak a factor of n through the signature (with e = 3 the check
        # is nearly free).
        if pow(signature, PUBLIC_EXPONENT, n) != encoded:
            raise SigningFaultError("RSA signature failed verification; not released")
        return signature.to_bytes(MODULUS_BYTES, "big")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RsaPrivateKey) and other._numbers == self._numbers

    def __hash__(self) -> int:
        return hash(self._numbers.modulus)

    def __repr__(self) -> str:
        # Never print private numbers.
        return f"RsaPrivateKey(modulus=0x{_abbreviated(self._numbers.modulus)})"


def _abbreviated(value: int) -> str:
    return f"{value:x}"[:16] + "..."


def _encode_digest(digest: BytesLike) -> int:
    """EMSA-PKCS1-v1_5 encoding of a SHA-256 digest for a 384-byte modulus, as an integer."""
    info = _SHA256_DIGEST_INFO + bytes(digest)
    padding = b"\xff" * (MODULUS_BYTES - 3 - len(info))
    return int.from_bytes(b"\x00\x01" + padding + b"\x00" + info, "big")


def _check_size_and_exponent(modulus: int, exponent: int) -> None:
    if modulus.bit_length() != MODULUS_BITS:
        raise KeySizeError(
            f"the RSA modulus must be {MODULUS_BITS} bits, got {modulus.bit_length()}"
        )
    if exponent != PUBLIC_EXPONENT:
        raise KeyExponentError(f"the RSA public exponent must be {PUBLIC_EXPONENT}, got {exponent}")


def _check_private_numbers(numbers: PrivateKeyNumbers) -> None:
    n, e, d, p, q, dp, dq, q_inverse = numbers
    _check_size_and_exponent(n, e)
    if p < 2 or q < 2 or p * q != n:
        raise KeyFormatError("inconsistent RSA key: modulus != prime1 * prime2")
    if (d * e) % math.lcm(p - 1, q - 1) != 1:
        raise KeyFormatError("inconsistent RSA key: privateExponent is not the inverse of e")
    if dp != d % (p - 1) or dq != d % (q - 1):
        raise KeyFormatError("inconsistent RSA key: exponent1 or exponent2 does not match")
    if not 0 < q_inverse < p or (q_inverse * q) % p != 1:
        raise KeyFormatError("inconsistent RSA key: coefficient is not prime2^-1 mod prime1")


# ---- key generation


def _generate_numbers() -> PrivateKeyNumbers:
    half = MODULUS_BITS // 2
    while True:
        p = _random_prime(half)
        q = _random_prime(half)
        if abs(p - q) >> _PRIME_DISTANCE_BITS == 0:
            continue
        if p < q:
            p, q = q, p
        n = p * q
        d = pow(PUBLIC_EXPONENT, -1, math.lcm(p - 1, q - 1))
        if d.bit_length() <= half:  # FIPS 186-5: d > 2**(nlen/2)
            continue
        return PrivateKeyNumbers(
            n, PUBLIC_EXPONENT, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p)
        )


def _random_prime(bits: int) -> int:
    """A random prime of exactly `bits` bits, top two bits set, with gcd(3, p - 1) == 1."""
    top_bits = 0b11 << (bits - 2)  # p * q then has exactly 2 * bits bits
    while True:
        candidate = secrets.randbits(bits) | top_bits | 1
        # p % 3 == 1 would make 3 divide p - 1, and e = 3 would have no inverse.
        if candidate % 3 != 2:
            continue
        if math.gcd(candidate, _SMALL_PRIMES_PRODUCT) != 1:
            continue
        if _is_probable_prime(candidate):
            return candidate


def _is_probable_prime(candidate: int) -> bool:
    """Miller-Rabin with random bases; `candidate` is odd and has no small factor."""
    odd_part = candidate - 1
    twos = 0
    while odd_part % 2 == 0:
        odd_part //= 2
        twos += 1
    for _ in range(_MILLER_RABIN_ROUNDS):
        base = secrets.randbelow(candidate - 3) + 2
        x = pow(base, odd_part, candidate)
        if x in (1, candidate - 1):
            continue
        for _ in range(twos - 1):
            x = pow(x, 2, candidate)
            if x == candidate - 1:
                break
        else:
            return False
    return True


def _small_primes(limit: int) -> list[int]:
    sieve = bytearray([1]) * limit
    sieve[:2] = b"\x00\x00"
    for i in range(2, math.isqrt(limit) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytes(len(range(i * i, limit, i)))
    return [i for i in range(limit) if sieve[i]]


_SMALL_PRIMES_PRODUCT = math.prod(_small_primes(1 << 14))
"""Product of the primes below 2**14: one gcd (about 0.1 ms) rejects 83% of candidates, each of
which would otherwise cost a Miller-Rabin round (about 15 ms)."""
