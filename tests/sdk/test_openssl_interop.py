"""Cross-checks with the openssl command: its keys load and sign alike; ours pass its checks."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from vmpl_sgx.pem import KeyFormatError
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.sigstruct import SigstructParams, create_sigstruct, signed_data

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is not installed")

MESSAGE = b"signed by both implementations\n"


def openssl(*args: str, stdin: bytes | None = None) -> bytes:
    assert OPENSSL is not None
    result = subprocess.run([OPENSSL, *args], input=stdin, capture_output=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"openssl {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout


def openssl_major() -> int:
    match = re.match(rb"OpenSSL (\d+)\.", openssl("version"))
    return int(match.group(1)) if match else 0


@pytest.fixture(scope="module")
def keys_by_openssl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`openssl genrsa -3 3072` (PKCS#8 since OpenSSL 3) and its `-traditional` (PKCS#1) form."""
    if openssl_major() < 3:
        pytest.skip("needs OpenSSL 3 (genrsa writes PKCS#8 and knows -traditional)")
    directory = tmp_path_factory.mktemp("openssl-keys")
    keys = {"pkcs8": directory / "pkcs8.pem", "pkcs1": directory / "pkcs1.pem"}
    openssl("genrsa", "-3", "-out", str(keys["pkcs8"]), "3072")
    openssl("genrsa", "-traditional", "-3", "-out", str(keys["pkcs1"]), "3072")
    return keys


@pytest.mark.parametrize(
    ("form", "label"), [("pkcs8", "PRIVATE KEY"), ("pkcs1", "RSA PRIVATE KEY")]
)
def test_openssl_keys_load_and_sign_identically(
    keys_by_openssl: dict[str, Path], form: str, label: str, tmp_path: Path
) -> None:
    path = keys_by_openssl[form]
    text = path.read_text()
    assert text.startswith(f"-----BEGIN {label}-----")
    key = RsaPrivateKey.from_pem(text)
    message = tmp_path / "message"
    message.write_bytes(MESSAGE)
    theirs = openssl("dgst", "-sha256", "-sign", str(path), str(message))
    assert key.sign(MESSAGE) == theirs
    assert key.public_key.verify(MESSAGE, theirs)


def test_we_write_what_openssl_writes(keys_by_openssl: dict[str, Path]) -> None:
    for form, write in (
        ("pkcs8", RsaPrivateKey.to_pkcs8_pem),
        ("pkcs1", RsaPrivateKey.to_pkcs1_pem),
    ):
        text = keys_by_openssl[form].read_text()
        assert write(RsaPrivateKey.from_pem(text)) == text


@pytest.mark.parametrize("form", ["pkcs1", "pkcs8"])
def test_openssl_accepts_our_keys(rsa_key: RsaPrivateKey, form: str, tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    path.write_text(rsa_key.to_pkcs1_pem() if form == "pkcs1" else rsa_key.to_pkcs8_pem())
    assert b"RSA key ok" in openssl("rsa", "-check", "-noout", "-in", str(path))
    details = openssl("rsa", "-text", "-noout", "-in", str(path))
    assert b"Private-Key: (3072 bit" in details and b"publicExponent: 3 (0x3)" in details


def test_openssl_verifies_our_signatures(rsa_key: RsaPrivateKey, tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text(rsa_key.to_pkcs8_pem())
    public = tmp_path / "public.pem"
    openssl("rsa", "-in", str(key), "-pubout", "-out", str(public))
    message, signature = tmp_path / "message", tmp_path / "signature"
    message.write_bytes(MESSAGE)
    signature.write_bytes(rsa_key.sign(MESSAGE))
    assert b"Verified OK" in openssl(
        "dgst", "-sha256", "-verify", str(public), "-signature", str(signature), str(message)
    )


def test_openssl_verifies_a_sigstruct_signature(rsa_key: RsaPrivateKey, tmp_path: Path) -> None:
    sigstruct = create_sigstruct(
        SigstructParams(enclavehash=bytes(range(32)), attributes=4, xfrm=3), rsa_key
    )
    key = tmp_path / "key.pem"
    key.write_text(rsa_key.to_pkcs1_pem())
    public = tmp_path / "public.pem"
    openssl("rsa", "-in", str(key), "-pubout", "-out", str(public))
    data, signature = tmp_path / "signed", tmp_path / "signature"
    data.write_bytes(signed_data(sigstruct))
    signature.write_bytes(sigstruct[516:900][::-1])  # stored little-endian
    assert b"Verified OK" in openssl(
        "dgst", "-sha256", "-verify", str(public), "-signature", str(signature), str(data)
    )


@pytest.mark.parametrize(
    "encrypt",
    [
        ("pkcs8", "-topk8", "-v2", "aes-128-cbc", "-passout", "pass:secret"),
        ("rsa", "-aes128", "-traditional", "-passout", "pass:secret"),
    ],
)
def test_encrypted_openssl_keys_are_refused(
    rsa_key: RsaPrivateKey, encrypt: tuple[str, ...], tmp_path: Path
) -> None:
    if openssl_major() < 3:
        pytest.skip("needs OpenSSL 3 for -traditional")
    plain = tmp_path / "key.pem"
    plain.write_text(rsa_key.to_pkcs1_pem())
    encrypted = openssl(*encrypt, "-in", str(plain)).decode()
    with pytest.raises(KeyFormatError, match="encrypted keys are not supported"):
        RsaPrivateKey.from_pem(encrypted)
