"""Unknown ecalls, oversize buffers and the executor's own edges fail cleanly."""

from __future__ import annotations

import hashlib

import pytest

from vmpl_sgx._abi import RUN_BUFFER_MAX, EnclaveStatus
from vmpl_sgx.app import EcallError
from vmpl_sgx.errors import TooBigError
from vmpl_sgx.samples import SHA256_DIGEST

from .conftest import LoadApp


def test_unknown_ecall_id(load_app: LoadApp) -> None:
    app = load_app("sha256")
    with pytest.raises(EcallError) as caught:
        app.ecall(12345, b"data")
    assert caught.value.status == EnclaveStatus.UNKNOWN_CALL
    assert app.ecall(SHA256_DIGEST, b"ok") == hashlib.sha256(b"ok").digest()


def test_oversize_input(load_app: LoadApp) -> None:
    app = load_app("sha256")
    with pytest.raises(TooBigError):
        app.ecall(SHA256_DIGEST, bytes(RUN_BUFFER_MAX + 1))
    assert (
        app.ecall(SHA256_DIGEST, bytes(RUN_BUFFER_MAX))
        == hashlib.sha256(bytes(RUN_BUFFER_MAX)).digest()
    )


def test_output_does_not_fit(load_app: LoadApp) -> None:
    app = load_app("sha256", output_capacity=16)
    status, output = app.call(SHA256_DIGEST, b"abc")
    assert (status, output) == (EnclaveStatus.OUTPUT_TOO_SMALL, b"")
