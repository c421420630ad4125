"""RSASSA-PSS with SHA-384, MGF1-SHA-384 and a 48-byte salt (RFC 8017, 8.1), as AMD signs.

Verification for any modulus size; key generation and signing (public exponent 65537) for
the model's test chain. Prime generation reuses the Miller-Rabin test of `vmpl_sgx.rsa`.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from typing import NamedTuple

from vmpl_sgx.rsa import _SMALL_PRIMES_PRODUCT, _is_probable_prime

SALT_SIZE = 48
HASH_SIZE = 48
PUBLIC_EXPONENT = 65537


class RsaPublic(NamedTuple):
    modulus: int
    exponent: int


class RsaPrivate(NamedTuple):
    modulus: int
    exponent: int
    private_exponent: int
    p: int
    q: int

    @property
    def public(self) -> RsaPublic:
        return RsaPublic(self.modulus, self.exponent)


def _mgf1(seed: bytes, length: int) -> bytes:
    out = b"".join(
        hashlib.sha384(seed + counter.to_bytes(4, "big")).digest()
        for counter in range(-(-length // HASH_SIZE))
    )
    return out[:length]


def _encode(digest: bytes, salt: bytes, em_bits: int) -> bytes:
    em_len = -(-em_bits // 8)
    h = hashlib.sha384(bytes(8) + digest + salt).digest()
    db = bytes(em_len - len(salt) - HASH_SIZE - 2) + b"\x01" + salt
    masked = bytes(a ^ b for a, b in zip(db, _mgf1(h, len(db))))
    masked = bytes([masked[0] & (0xFF >> (8 * em_len - em_bits))]) + masked[1:]
    return masked + h + b"\xbc"


def verify_digest(
    key: RsaPublic, digest: bytes, signature: bytes, salt_size: int = SALT_SIZE
) -> bool:
    """EMSA-PSS-VERIFY of a SHA-384 digest; `signature` is big-endian, as X.509 stores it."""
    n, e = key
    k = (n.bit_length() + 7) // 8
    if len(signature) != k or len(digest) != HASH_SIZE:
        return False
    s = int.from_bytes(signature, "big")
    if s >= n:
        return False
    em_bits = n.bit_length() - 1
    em_len = -(-em_bits // 8)
    em = pow(s, e, n).to_bytes(k, "big")[k - em_len :]
    if em[-1] != 0xBC or em_len < HASH_SIZE + salt_size + 2:
        return False
    masked, h = em[: em_len - HASH_SIZE - 1], em[em_len - HASH_SIZE - 1 : -1]
    top_mask = 0xFF >> (8 * em_len - em_bits)
    if masked[0] & ~top_mask & 0xFF:
        return False
    db = bytearray(a ^ b for a, b in zip(masked, _mgf1(h, len(masked))))
    db[0] &= top_mask
    padding = em_len - HASH_SIZE - salt_size - 2
    if any(db[:padding]) or db[padding] != 1:
        return False
    salt = bytes(db[len(db) - salt_size :]) if salt_size else b""
    expected = hashlib.sha384(bytes(8) + digest + salt).digest()
    return hmac.compare_digest(expected, h)


def verify(key: RsaPublic, message: bytes, signature: bytes) -> bool:
    return verify_digest(key, hashlib.sha384(message).digest(), signature)


def sign(key: RsaPrivate, message: bytes) -> bytes:
    digest = hashlib.sha384(message).digest()
    em = _encode(digest, secrets.token_bytes(SALT_SIZE), key.modulus.bit_length() - 1)
    k = (key.modulus.bit_length() + 7) // 8
    m = int.from_bytes(em, "big")
    # CRT: about four times faster than one pow modulo n.
    sp = pow(m, key.private_exponent % (key.p - 1), key.p)
    sq = pow(m, key.private_exponent % (key.q - 1), key.q)
    s = sq + key.q * ((sp - sq) * pow(key.q, -1, key.p) % key.p)
    if pow(s, key.exponent, key.modulus) != m:  # never release a faulty signature
        raise ArithmeticError("RSA signature failed its own check")
    return s.to_bytes(k, "big")


def generate(bits: int) -> RsaPrivate:
    """A fresh RSA key of exactly `bits` bits with e = 65537 (slow: seconds for 4096 bits)."""
    while True:
        p = _random_prime(bits // 2)
        q = _random_prime(bits // 2)
        if p == q:
            continue
        n = p * q
        d = pow(PUBLIC_EXPONENT, -1, math.lcm(p - 1, q - 1))
        return RsaPrivate(n, PUBLIC_EXPONENT, d, p, q)


def _random_prime(bits: int) -> int:
    top_bits = 0b11 << (bits - 2)
    while True:
        candidate = secrets.randbits(bits) | top_bits | 1
        if candidate % PUBLIC_EXPONENT == 1:
            continue
        if math.gcd(candidate, _SMALL_PRIMES_PRODUCT) != 1:
            continue
        if _is_probable_prime(candidate):
            return candidate
