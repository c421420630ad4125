"""AES-128 and AES-CMAC against FIPS-197 and SP 800-38B vectors and against `cryptography`."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from vmpl_sgx.crypto.aes import SBOX, Aes128
from vmpl_sgx.crypto.cmac import aes_cmac, cmac_matches

# SP 800-38B, Appendix D.1 (the same as RFC 4493, section 4).
CMAC_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
CMAC_MESSAGE = bytes.fromhex(
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
)
CMAC_VECTORS = [
    (0, "bb1d6929e95937287fa37d129b756746"),
    (16, "070a16b46b4d4144f79bdd9dd04a287c"),
    (40, "dfa66747de9ae63030ca32611497c827"),
    (64, "51f0bebf7e3b9d92fc49741779363cfe"),
]


def test_sbox_corners() -> None:
    # FIPS-197 Figure 7.
    assert (SBOX[0x00], SBOX[0x53], SBOX[0xFF]) == (0x63, 0xED, 0x16)


@pytest.mark.parametrize(
    ("key", "plaintext", "ciphertext"),
    [
        # FIPS-197 Appendix C.1 and Appendix B.
        (
            "000102030405060708090a0b0c0d0e0f",
            "00112233445566778899aabbccddeeff",
            "69c4e0d86a7b0430d8cdb78070b4c55a",
        ),
        (
            "2b7e151628aed2a6abf7158809cf4f3c",
            "3243f6a8885a308d313198a2e0370734",
            "3925841d02dc09fbdc118597196a0b32",
        ),
    ],
)
def test_fips197_vectors(key: str, plaintext: str, ciphertext: str) -> None:
    block = Aes128(bytes.fromhex(key)).encrypt_block(bytes.fromhex(plaintext))
    assert block.hex() == ciphertext


@pytest.mark.parametrize(("length", "mac"), CMAC_VECTORS)
def test_sp800_38b_vectors(length: int, mac: str) -> None:
    assert aes_cmac(CMAC_KEY, CMAC_MESSAGE[:length]).hex() == mac


def test_cmac_matches_rejects_any_flipped_bit() -> None:
    mac = aes_cmac(CMAC_KEY, CMAC_MESSAGE)
    assert cmac_matches(CMAC_KEY, CMAC_MESSAGE, mac)
    for bit in range(0, 128, 7):
        forged = bytearray(mac)
        forged[bit // 8] ^= 1 << (bit % 8)
        assert not cmac_matches(CMAC_KEY, CMAC_MESSAGE, bytes(forged))


def test_wrong_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="AES-128 key is 16 bytes"):
        Aes128(bytes(24))
    with pytest.raises(ValueError, match="AES block is 16 bytes"):
        Aes128(bytes(16)).encrypt_block(bytes(15))


def test_against_cryptography_on_random_inputs() -> None:

    for length in [0, 1, 15, 16, 17, 31, 32, 33, 384, 1000]:
        key = os.urandom(16)
        message = os.urandom(length)
        reference = cmac.CMAC(algorithms.AES(key))
        reference.update(message)
        assert aes_cmac(key, message) == reference.finalize()
        block = os.urandom(16)
        encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        assert Aes128(key).encrypt_block(block) == encryptor.update(block) + encryptor.finalize()
