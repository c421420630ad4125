"""RSASSA-PSS-SHA-384: our signatures verify in `cryptography` and theirs in ours."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from vmpl_sgx.crypto import rsa_pss


def test_generate_sign_verify_small_key() -> None:
    key = rsa_pss.generate(1024)  # small: the test is about the algorithm, not the size
    assert key.modulus.bit_length() == 1024
    signature = rsa_pss.sign(key, b"tbs")
    assert rsa_pss.verify(key.public, b"tbs", signature)
    assert not rsa_pss.verify(key.public, b"tbs!", signature)
    flipped = bytearray(signature)
    flipped[-1] ^= 1
    assert not rsa_pss.verify(key.public, b"tbs", bytes(flipped))
    assert not rsa_pss.verify(key.public, b"tbs", signature[1:])


def test_interop_with_cryptography_4096() -> None:

    theirs = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    numbers = theirs.private_numbers()
    ours = rsa_pss.RsaPrivate(
        numbers.public_numbers.n, numbers.public_numbers.e, numbers.d, numbers.p, numbers.q
    )
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48)
    their_signature = theirs.sign(b"certificate", pss, hashes.SHA384())
    assert rsa_pss.verify(ours.public, b"certificate", their_signature)
    assert not rsa_pss.verify(ours.public, b"certificatf", their_signature)
    our_signature = rsa_pss.sign(ours, b"certificate")
    theirs.public_key().verify(our_signature, b"certificate", pss, hashes.SHA384())
    with pytest.raises(InvalidSignature):
        theirs.public_key().verify(our_signature, b"other", pss, hashes.SHA384())
    # A different salt length is a different scheme: the verifier must not accept it.
    short_salt = theirs.sign(
        b"certificate",
        padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=20),
        hashes.SHA384(),
    )
    assert not rsa_pss.verify(ours.public, b"certificate", short_salt)
