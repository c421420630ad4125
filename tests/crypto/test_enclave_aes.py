"""The enclave runtime's AES-NI code (runtime/aes.c), built for this host: AES-128-GCM against
the GCM specification's AES-128 test cases (as NIST's SP 800-38D validation uses them) and
AES-CMAC against SP 800-38B, both also against `cryptography`, then random inputs."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.crypto.test_aes_cmac import CMAC_KEY, CMAC_MESSAGE, CMAC_VECTORS
from vmpl_sgx.build import RUNTIME_DIR

SIZE = ctypes.c_size_t

# McGrew and Viega, "The Galois/Counter Mode of Operation", test cases 1-4 (AES-128, 96-bit IV):
# key, IV, plaintext, additional data, ciphertext, tag.
GCM_KEY = "feffe9928665731c6d6a8f9467308308"
GCM_IV = "cafebabefacedbaddecaf888"
GCM_PLAINTEXT = (
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
)
GCM_CIPHERTEXT = (
    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"
)
GCM_VECTORS = [
    ("00" * 16, "00" * 12, "", "", "", "58e2fccefa7e3061367f1d57a4e7455a"),
    ("00" * 16, "00" * 12, "00" * 16, "", "0388dace60b6a392f328c2b971b2fe78",
     "ab6e47d42cec13bdf53a67b21257bddf"),
    (GCM_KEY, GCM_IV, GCM_PLAINTEXT, "", GCM_CIPHERTEXT, "4d5c2af327cd64a62cf35abd2ba6fab4"),
    (GCM_KEY, GCM_IV, GCM_PLAINTEXT[:120], "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     GCM_CIPHERTEXT[:120], "5bc94fbc3221a5db94fae95ae7121a47"),
]


class EnclaveAes:
    """ctypes front of the functions aes.h declares."""

    def __init__(self, library: ctypes.CDLL) -> None:
        self.lib = library

    def encrypt(self, key: bytes, iv: bytes, text: bytes, aad: bytes, split: int = 0) -> bytes:
        out = ctypes.create_string_buffer(max(len(text), 1))
        tag = ctypes.create_string_buffer(16)
        first, second = aad[:split], aad[split:]
        self.lib.vmpl_sgx_gcm_encrypt(key, iv, first, SIZE(len(first)), second,
                                      SIZE(len(second)), text, out, SIZE(len(text)), tag)
        return out.raw[: len(text)] + tag.raw

    def decrypt(self, key: bytes, iv: bytes, sealed: bytes, aad: bytes) -> tuple[int, bytes]:
        text, tag = sealed[:-16], sealed[-16:]
        out = ctypes.create_string_buffer(b"\xaa" * max(len(text), 1))
        result = self.lib.vmpl_sgx_gcm_decrypt(key, iv, aad, SIZE(len(aad)), b"", SIZE(0), text,
                                               out, SIZE(len(text)), tag)
        return result, out.raw[: len(text)]

    def cmac(self, key: bytes, data: bytes) -> bytes:
        mac = ctypes.create_string_buffer(16)
        self.lib.vmpl_sgx_aes_cmac(key, data, SIZE(len(data)), mac)
        return mac.raw


@pytest.fixture(scope="module")
def aes(tmp_path_factory: pytest.TempPathFactory) -> EnclaveAes:
    if shutil.which("cc") is None:
        pytest.skip("no C compiler (cc) to build runtime/aes.c")
    library = tmp_path_factory.mktemp("aes") / "aes.so"
    command = ["cc", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
               "-o", str(library), str(Path(RUNTIME_DIR) / "aes.c")]
    subprocess.run(command, check=True, capture_output=True)
    lib = ctypes.CDLL(str(library))
    lib.vmpl_sgx_gcm_decrypt.restype = ctypes.c_int
    if not lib.vmpl_sgx_aesni_present():
        pytest.skip("this CPU has no AES-NI or PCLMULQDQ")
    return EnclaveAes(lib)


@pytest.mark.parametrize(("key", "iv", "text", "aad", "ciphertext", "tag"), GCM_VECTORS)
def test_gcm_specification_vectors(
    aes: EnclaveAes, key: str, iv: str, text: str, aad: str, ciphertext: str, tag: str
) -> None:
    key_b, iv_b, text_b, aad_b = (bytes.fromhex(value) for value in (key, iv, text, aad))
    expected = bytes.fromhex(ciphertext + tag)
    assert AESGCM(key_b).encrypt(iv_b, text_b, aad_b) == expected  # the vector itself
    assert aes.encrypt(key_b, iv_b, text_b, aad_b) == expected
    assert aes.decrypt(key_b, iv_b, expected, aad_b) == (0, text_b)


@pytest.mark.parametrize(("length", "mac"), CMAC_VECTORS)
def test_cmac_sp800_38b_vectors(aes: EnclaveAes, length: int, mac: str) -> None:
    assert aes.cmac(CMAC_KEY, CMAC_MESSAGE[:length]).hex() == mac


@pytest.mark.parametrize("text_len", [0, 1, 15, 16, 17, 63, 64, 65, 1000])
@pytest.mark.parametrize("aad_len", [0, 5, 16, 37])
def test_gcm_equals_cryptography(aes: EnclaveAes, text_len: int, aad_len: int) -> None:
    key, iv, text, aad = (os.urandom(n) for n in (16, 12, text_len, aad_len))
    expected = AESGCM(key).encrypt(iv, text, aad)
    # The additional data in two pieces, cut anywhere, is the same additional data.
    for split in {0, aad_len // 3, aad_len}:
        assert aes.encrypt(key, iv, text, aad, split) == expected
    assert aes.decrypt(key, iv, expected, aad) == (0, text)


@pytest.mark.parametrize("length", [0, 1, 16, 17, 384, 1000])
def test_cmac_equals_cryptography(aes: EnclaveAes, length: int) -> None:
    key, data = os.urandom(16), os.urandom(length)
    reference = cmac.CMAC(algorithms.AES(key))
    reference.update(data)
    assert aes.cmac(key, data) == reference.finalize()


def test_gcm_decrypt_rejects_any_change_and_clears_the_output(aes: EnclaveAes) -> None:
    key, iv, text, aad = os.urandom(16), os.urandom(12), os.urandom(40), b"header"
    sealed = aes.encrypt(key, iv, text, aad)
    for index in (0, 39, 40, 55):  # ciphertext bytes and tag bytes
        changed = bytearray(sealed)
        changed[index] ^= 0x01
        assert aes.decrypt(key, iv, bytes(changed), aad) == (-1, bytes(40))
    assert aes.decrypt(key, iv, sealed, b"Header") == (-1, bytes(40))
    assert aes.decrypt(key, bytes(12), sealed, aad) == (-1, bytes(40))
    assert aes.decrypt(bytes(16), iv, sealed, aad) == (-1, bytes(40))
