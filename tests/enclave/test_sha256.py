"""The SHA-256 sample computes digests inside the enclave that match hashlib."""

from __future__ import annotations

import hashlib
import os

import pytest

from vmpl_sgx.image import ImageParams
from vmpl_sgx.samples import SHA256_DIGEST, SHA256_DOUBLE_DIGEST

from .conftest import LoadApp

SIZES = [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 1000, 4095, 4096, 4097, 65535, 65536]


def test_digests_match_hashlib(load_app: LoadApp) -> None:
    app = load_app("sha256")
    for size in SIZES:
        data = os.urandom(size)
        assert app.ecall(SHA256_DIGEST, data) == hashlib.sha256(data).digest(), size


def test_double_digest(load_app: LoadApp) -> None:
    app = load_app("sha256")
    data = b"vmpl-sgx"
    inner = hashlib.sha256(data).digest()
    assert app.ecall(SHA256_DOUBLE_DIGEST, data) == hashlib.sha256(inner).digest()


@pytest.mark.parametrize("thread", [0, 1])
def test_each_tcs_computes(load_app: LoadApp, thread: int) -> None:
    app = load_app("sha256", ImageParams(threads=2))
    assert app.ecall(SHA256_DIGEST, b"abc", thread=thread) == hashlib.sha256(b"abc").digest()
