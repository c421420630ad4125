"""The SHA-256 sample computes digests inside the enclave that match hashlib."""

from __future__ import annotations

import hashlib
import os

import pytest

from vmpl_sgx._abi import EnclaveStatus, Exit
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


def test_too_small_output_is_a_status_not_enospc(load_app: LoadApp) -> None:
    # docs/ioctl-semantics.md: the runtime refuses to write past output_capacity, so
    # the RUN succeeds and the ecall's status says OUTPUT_TOO_SMALL.
    app = load_app("sha256")
    tcs = app.enclave.tcs_address(app.tcs_offsets[0])
    done = app.enclave.run(tcs, SHA256_DIGEST, b"abc", 16)
    assert (done.exit_kind, done.retval, done.output) == (
        Exit.NORMAL,
        EnclaveStatus.OUTPUT_TOO_SMALL,
        b"",
    )
    assert app.enclave.run(tcs, SHA256_DIGEST, b"abc", 32).output == hashlib.sha256(b"abc").digest()
