"""Ocalls: handlers called with the enclave's request, answers passed back with ERESUME."""

from __future__ import annotations

import struct
from typing import List

import pytest

from vmpl_sgx._abi import EnclaveStatus, Enclu, Exit
from vmpl_sgx.app import EcallError, EnclaveApp, OcallHandlerError, OcallRefusedError
from vmpl_sgx.errors import InvalidArgumentError
from vmpl_sgx.ocall_answer import decode_answer, encode_answer
from vmpl_sgx.samples import (
    OCALL_CHECKSUM,
    OCALL_ID_GET_RECORD,
    OCALL_ID_LOG,
    OCALL_ID_RELAY,
    OCALL_JOIN,
    OCALL_MISSING,
    OCALL_RELAY,
)

from .conftest import LoadApp

RECORDS = [b"alpha", b"beta", b"", b"delta" * 50]


def _serve_records(app: EnclaveApp, log: List[bytes]) -> None:
    def get_record(request: bytes) -> bytes:
        index: int = struct.unpack("<I", request)[0]
        return RECORDS[index]

    def log_line(line: bytes) -> bytes:
        log.append(line)
        return b""

    app.register_ocall(OCALL_ID_GET_RECORD, get_record)
    app.register_ocall(OCALL_ID_LOG, log_line)


def test_join_builds_result_from_ocall_answers(load_app: LoadApp) -> None:
    app = load_app("ocall")
    log: List[bytes] = []
    _serve_records(app, log)
    assert app.ecall(OCALL_JOIN, struct.pack("<I", 4)) == b"|".join(RECORDS)
    assert log == [b"joined records: 4"]


def test_checksum_keeps_records_inside(load_app: LoadApp) -> None:
    app = load_app("ocall")
    _serve_records(app, [])
    output = app.ecall(OCALL_CHECKSUM, struct.pack("<I", 4))
    assert struct.unpack("<Q", output)[0] == sum(sum(record) for record in RECORDS)


def test_unknown_ocall_id(load_app: LoadApp) -> None:
    app = load_app("ocall")
    with pytest.raises(EcallError) as caught:
        app.ecall(OCALL_MISSING)
    assert caught.value.status == EnclaveStatus.UNKNOWN_CALL
    # Without a handler for GET_RECORD the join fails the same way, cleanly.
    assert app.call(OCALL_JOIN, struct.pack("<I", 1))[0] == EnclaveStatus.UNKNOWN_CALL


def test_handler_failure_reaches_the_caller(load_app: LoadApp) -> None:
    app = load_app("ocall")

    def broken(request: bytes) -> bytes:
        raise RuntimeError("disk on fire")

    app.register_ocall(OCALL_ID_RELAY, broken)
    with pytest.raises(OcallHandlerError) as caught:
        app.ecall(OCALL_RELAY, b"x")
    assert isinstance(caught.value.__cause__, RuntimeError)
    app.register_ocall(OCALL_ID_RELAY, lambda request: request[::-1])
    assert app.ecall(OCALL_RELAY, b"abc") == b"cba"


def test_refusal_status(load_app: LoadApp) -> None:
    app = load_app("ocall")

    def refuse(request: bytes) -> bytes:
        raise OcallRefusedError(EnclaveStatus.BAD_INPUT)

    app.register_ocall(OCALL_ID_RELAY, refuse)
    assert app.call(OCALL_RELAY, b"x") == (EnclaveStatus.BAD_INPUT, b"")


def test_oversize_answer(load_app: LoadApp) -> None:
    app = load_app("ocall")
    app.register_ocall(OCALL_ID_RELAY, lambda request: request * 2000)
    # 2000 bytes do not fit the enclave's 1024-byte response buffer.
    assert app.call(OCALL_RELAY, b"x")[0] == EnclaveStatus.OUTPUT_TOO_SMALL
    # More than a RUN can carry never leaves the host.
    app.register_ocall(OCALL_ID_RELAY, lambda request: bytes(1 << 20))
    assert app.call(OCALL_RELAY, b"x")[0] == EnclaveStatus.OUTPUT_TOO_SMALL
    app.register_ocall(OCALL_ID_RELAY, lambda request: request)
    assert app.ecall(OCALL_RELAY, b"fine") == b"fine"


def test_oversize_request(load_app: LoadApp) -> None:
    app = load_app("ocall", output_capacity=64)
    app.register_ocall(OCALL_ID_RELAY, lambda request: b"never called")
    # The request (100 bytes) cannot fit the RUN's 64-byte output: the ocall fails inside.
    assert app.call(OCALL_RELAY, bytes(100))[0] == EnclaveStatus.OUTPUT_TOO_SMALL
    assert app.ecall(OCALL_RELAY, bytes(10)) == b"never called"


def test_raw_ocall_exit_and_resume(load_app: LoadApp) -> None:
    app = load_app("ocall")
    enclave = app.enclave
    tcs = enclave.tcs_address(app.tcs_offsets[0])
    first = enclave.run(tcs, OCALL_RELAY, b"ping", 4096)
    assert first.exit_kind == Exit.OCALL
    assert (first.ocall_id, first.output) == (OCALL_ID_RELAY, b"ping")
    # EENTER while the ocall waits is refused; ERESUME answers it.
    with pytest.raises(InvalidArgumentError):
        enclave.run(tcs, OCALL_RELAY, b"again", 4096)
    done = enclave.run(tcs, 0, encode_answer(0, b"pong"), 4096, function=Enclu.ERESUME)
    assert (done.exit_kind, done.retval, done.output) == (Exit.NORMAL, 0, b"pong")
    # A malformed answer (no header) reaches the enclave as OCALL_FAILED.
    enclave.run(tcs, OCALL_RELAY, b"ping", 4096)
    done = enclave.run(tcs, 0, b"", 4096, function=Enclu.ERESUME)
    assert done.retval == EnclaveStatus.OCALL_FAILED


def test_eresume_ignores_call_id(load_app: LoadApp) -> None:
    app = load_app("ocall")
    tcs = app.enclave.tcs_address(app.tcs_offsets[0])
    first = app.enclave.run(tcs, OCALL_RELAY, b"ping", 4096)
    assert first.exit_kind == Exit.OCALL
    answer = encode_answer(0, b"pong")
    done = app.enclave.run(tcs, 0xDEAD, answer, 4096, function=Enclu.ERESUME)
    assert (done.exit_kind, done.retval, done.output) == (Exit.NORMAL, 0, b"pong")


def test_answer_encoding() -> None:
    assert decode_answer(encode_answer(0, b"abc")) == (0, b"abc")
    assert decode_answer(b"\x00" * 7) == (EnclaveStatus.OCALL_FAILED, b"")
    assert decode_answer(b"\x00" * 4 + b"\x01\x00\x00\x00") == (EnclaveStatus.OCALL_FAILED, b"")
    with pytest.raises(ValueError, match="32 bits"):
        encode_answer(1 << 32)
