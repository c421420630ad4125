"""ECDSA P-384 with SHA-384: self-consistency, RFC 6979 determinism, and `cryptography` interop."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from vmpl_sgx.crypto import p384


def test_curve_constants() -> None:
    assert p384.on_curve(p384.G)
    # n * G is the point at infinity, so (n - 1) * G = -G.
    minus_g = p384.public_key(p384.N - 1)
    assert minus_g == (p384.GX, p384.P - p384.GY)


def test_sign_verify_and_tamper() -> None:
    private = p384.generate_private_key()
    public = p384.public_key(private)
    signature = p384.sign(private, b"report body")
    assert p384.verify(public, b"report body", signature)
    assert not p384.verify(public, b"report bodY", signature)
    r, s = signature
    assert not p384.verify(public, b"report body", (r, (s + 1) % p384.N))
    assert not p384.verify(public, b"report body", (0, s))
    other = p384.public_key(p384.generate_private_key())
    assert not p384.verify(other, b"report body", signature)


def test_signing_is_deterministic() -> None:
    private = 0x1234567890ABCDEF
    assert p384.sign(private, b"m") == p384.sign(private, b"m")
    assert p384.sign(private, b"m") != p384.sign(private, b"n")


def test_points_off_the_curve_are_refused() -> None:
    with pytest.raises(p384.InvalidPointError):
        p384.verify((p384.GX, p384.GY + 1), b"m", (1, 1))
    with pytest.raises(p384.InvalidPointError):
        p384.decode_point(b"\x04" + bytes(96))
    assert p384.decode_point(p384.encode_point(p384.G)) == p384.G


def test_interop_with_cryptography() -> None:

    for _ in range(3):
        theirs = ec.generate_private_key(ec.SECP384R1())
        numbers = theirs.public_key().public_numbers()
        point = (numbers.x, numbers.y)
        assert p384.public_key(theirs.private_numbers().private_value) == point
        message = hashlib.sha512(bytes([_])).digest()
        der_signature = theirs.sign(message, ec.ECDSA(hashes.SHA384()))
        assert p384.verify(point, message, utils.decode_dss_signature(der_signature))
        ours = p384.sign(theirs.private_numbers().private_value, message)
        theirs.public_key().verify(
            utils.encode_dss_signature(*ours), message, ec.ECDSA(hashes.SHA384())
        )
        with pytest.raises(InvalidSignature):
            theirs.public_key().verify(
                utils.encode_dss_signature(*ours), message + b"x", ec.ECDSA(hashes.SHA384())
            )
