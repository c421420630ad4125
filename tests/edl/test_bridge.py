"""EDL-generated enclaves end to end on the simulator: marshalling both ways, checked sizes,
ocall handlers by name, and malformed requests answered with a status."""

from __future__ import annotations

import struct
import threading
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, List

import pytest

from vmpl_sgx._abi import EnclaveStatus
from vmpl_sgx.app import EcallError, EnclaveApp, OcallHandlerError
from vmpl_sgx.edl.host import (
    EdlArgumentError,
    EdlMessageError,
    OcallSignatureError,
    decode_call,
    decode_result,
)
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.image import ImageParams
from vmpl_sgx.rsa import RsaPrivateKey

NewEnclave = Callable[[], Enclave]


@pytest.fixture
def app(
    kitchen: Path, kitchen_module: ModuleType, key: RsaPrivateKey, new_enclave: NewEnclave
) -> Any:
    return kitchen_module.KitchenApp.load(kitchen, key, new_enclave(), ImageParams(threads=2))


def _serve_all(app: Any, printed: List[str]) -> None:
    def words(which: int, out: bytearray) -> int:
        out[:] = struct.pack("<4I", which, 20, 30, 400)
        return 5

    app.on_ocall_words(words)
    app.on_ocall_scale(lambda value, blob: value * 3 + len(blob))
    app.on_ocall_wait(lambda token: token * 2)
    app.on_ocall_print(printed.append)


def test_scalars_and_buffers(app: Any) -> None:
    assert app.sum(struct.pack("<3i", 5, -7, 100), 3) == 98
    assert app.sum(b"", 0) == 0
    buf = bytearray(6)
    app.fill(buf, 6, 0xAB)
    assert buf == b"\xab" * 6
    data = bytearray(b"abcdef")
    assert app.reverse(data, 6) == 6
    assert data == b"fedcba"
    assert app.length("h\u00e9llo") == 6  # UTF-8 bytes, without the NUL
    assert app.address(0x1234_5678_9ABC) == 0x1234_5678_9ABC  # user_check passes through
    assert app.half(5.0, 0.25) == 2.75
    assert app.negate(-128) == -128  # int8_t wraps in C, the type survives the trip
    assert app.negate(5) == -5
    app.nothing()


def test_ocalls_by_name(app: Any) -> None:
    printed: List[str] = []
    _serve_all(app, printed)
    # 5 + 7 + 400 + (2*3 + 16) + 7*2
    assert app.ask(7) == 5 + 7 + 400 + 22 + 14
    assert app.greet("enclave") == EnclaveStatus.OK
    assert printed == ["hello, enclave"]


def test_missing_handler_reaches_the_enclave_as_a_status(app: Any) -> None:
    app.on_ocall_words(lambda which, out: 0)
    assert app.ask(1) == 1000 + EnclaveStatus.UNKNOWN_CALL  # ocall_scale has no handler


def test_handler_signature_is_checked(app: Any) -> None:
    with pytest.raises(OcallSignatureError, match="no ocall 'ocall_nope'"):
        app.register_ocall("ocall_nope", lambda: None)
    with pytest.raises(OcallSignatureError, match="cannot take its 2 parameters"):
        app.register_ocall("ocall_words", lambda which: 0)
    with pytest.raises(OcallSignatureError):
        app.on_ocall_print(lambda a, b: None)
    app.register_ocall("ocall_print", lambda *lines: None)  # anything that binds is fine


def test_handler_results_are_checked(app: Any) -> None:
    printed: List[str] = []
    _serve_all(app, printed)

    def shrinks(which: int, out: bytearray) -> int:
        del out[:]
        return 0

    app.on_ocall_words(shrinks)
    with pytest.raises(OcallHandlerError) as caught:
        app.ask(1)
    assert isinstance(caught.value.__cause__, EdlArgumentError)
    assert "fill the 16-byte bytearray in place" in str(caught.value.__cause__)
    app.on_ocall_words(lambda which, out: "five")
    with pytest.raises(OcallHandlerError) as caught:
        app.ask(1)
    assert "expects a number" in str(caught.value.__cause__)


def test_arguments_are_checked_before_the_enclave(app: Any) -> None:
    with pytest.raises(EdlArgumentError, match=r"sum\(values\): 8 bytes given, .* says 12"):
        app.sum(b"\0" * 8, 3)
    with pytest.raises(EdlArgumentError, match="expects a bytearray to fill"):
        app.fill(b"\0" * 4, 4, 1)
    with pytest.raises(EdlArgumentError, match="does not fit the C type"):
        app.negate(200)
    with pytest.raises(EdlArgumentError, match="non-negative"):
        app.sum(b"", -1)
    with pytest.raises(EdlArgumentError, match="NUL"):
        app.length("a\0b")


def _raw(app: Any) -> EnclaveApp:
    raw: EnclaveApp = app.app
    return raw


@pytest.mark.parametrize(
    ("ecall", "message"),
    [
        (0, b""),  # no header at all
        (0, struct.pack("<QQ", 12, 3)[:12]),  # a short header
        (0, struct.pack("<QQ", 8, 3) + bytes(8)),  # 8 bytes claimed, 3 ints declared
        (0, struct.pack("<QQ", 1 << 63, 1 << 61)),  # element * count overflows
        (0, struct.pack("<QQ", 4 << 40, 1 << 40)),  # consistent, but far larger than the input
        (0, struct.pack("<QQ", 12, 3) + bytes(11)),  # data short by one byte
        (0, struct.pack("<QQ", 12, 3) + bytes(13)),  # a byte after the data
        (3, struct.pack("<Q", 3) + b"abc"),  # a string without its NUL
        (3, struct.pack("<Q", 0)),  # a string of no bytes at all
        (2, struct.pack("<QQ", (1 << 64) - 1, (1 << 64) - 1)),  # [in, out] of 2^64-1 bytes
        (9, b"x"),  # bytes for an ecall without parameters
    ],
)
def test_malformed_requests_answer_bad_input(app: Any, ecall: int, message: bytes) -> None:
    assert _raw(app).call(ecall, message) == (EnclaveStatus.BAD_INPUT, b"")
    assert app.sum(struct.pack("<i", 4), 1) == 4  # and the enclave works on


def test_unknown_ecall(app: Any) -> None:
    assert _raw(app).call(10, b"")[0] == EnclaveStatus.UNKNOWN_CALL


def test_output_that_cannot_fit(kitchen_module: ModuleType, app: Any) -> None:
    small = kitchen_module.KitchenApp(EnclaveApp(app.app.enclave, app.app.layout, 64))
    with pytest.raises(EcallError) as caught:
        small.fill(bytearray(65), 65, 1)
    assert caught.value.status == EnclaveStatus.OUTPUT_TOO_SMALL
    buf = bytearray(64)
    small.fill(buf, 64, 2)
    assert buf == b"\2" * 64


def test_buffers_beyond_the_stack_need_a_larger_stack(
    kitchen: Path, kitchen_module: ModuleType, key: RsaPrivateKey, new_enclave: NewEnclave
) -> None:
    # 60 KiB (RUN carries at most 64): more than a 64 KiB stack keeps for copies.
    values = struct.pack("<i", 1) * (60 << 10 >> 2)
    app = kitchen_module.KitchenApp.load(kitchen, key, new_enclave())
    with pytest.raises(EcallError) as caught:
        app.sum(values, len(values) // 4)
    assert caught.value.status == EnclaveStatus.BAD_INPUT
    big = kitchen_module.KitchenApp.load(
        kitchen, key, new_enclave(), ImageParams(stack_size=256 << 10)
    )
    assert big.sum(values, len(values) // 4) == len(values) // 4


def test_ocalls_from_two_threads_find_their_own_ecall(app: Any) -> None:
    printed: List[str] = []
    _serve_all(app, printed)
    both_inside = threading.Barrier(2, timeout=30)

    def wait(token: int) -> int:
        both_inside.wait()  # both ecalls are in an ocall at once
        return token * 2

    app.on_ocall_wait(wait)
    results: List[int] = [0, 0]

    def run(index: int) -> None:
        results[index] = app.ask(index + 1)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    expected = [5 + which + 400 + 22 + which * 2 for which in (1, 2)]
    assert results == expected


def test_enclave_message_checks_on_the_host(kitchen_module: ModuleType) -> None:
    words = kitchen_module.KitchenApp.OCALLS[0]
    with pytest.raises(EdlMessageError, match="too short"):
        decode_call(words, b"\1\0")
    with pytest.raises(EdlMessageError, match="8 bytes sent, the declaration says 16"):
        decode_call(words, struct.pack("<IQ", 1, 8) + bytes(8))
    sum_ = kitchen_module.KitchenApp.ECALLS[0]
    with pytest.raises(EdlMessageError, match="the answer has 2 bytes, not 4"):
        decode_result(sum_, b"\0\0", (b"", 0))
