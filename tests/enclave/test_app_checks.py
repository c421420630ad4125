"""EnclaveApp refuses what it cannot do at once: bad call numbers, handlers that are not
callable, a nested ecall with no TCS left; and it takes None as a void ocall's answer."""

from __future__ import annotations

import threading
from typing import List

import pytest

from vmpl_sgx.app import CallIdError, HandlerTypeError, NoFreeTcsError, OcallHandlerError
from vmpl_sgx.errors import VmplSgxError
from vmpl_sgx.image import ImageParams
from vmpl_sgx.samples import OCALL_ID_RELAY, OCALL_RELAY

from .conftest import LoadApp


@pytest.mark.parametrize("call_id", [1 << 32, (1 << 32) + OCALL_RELAY, -1])
def test_ecall_number_out_of_range(load_app: LoadApp, call_id: int) -> None:
    app = load_app("ocall")
    app.register_ocall(OCALL_ID_RELAY, lambda request: request)
    with pytest.raises(CallIdError, match=r"not in 0\.\.4294967295"):
        app.ecall(call_id, b"x")
    with pytest.raises(CallIdError):
        app.call(call_id, b"x")


def test_thread_index_out_of_range(load_app: LoadApp) -> None:
    app = load_app("ocall")
    with pytest.raises(CallIdError, match="thread -1"):
        app.ecall(OCALL_RELAY, b"x", thread=-1)


def test_register_ocall_checks_at_once(load_app: LoadApp) -> None:
    app = load_app("ocall")
    with pytest.raises(HandlerTypeError, match="not callable"):
        app.register_ocall(OCALL_ID_RELAY, b"answer")  # type: ignore[arg-type]
    with pytest.raises(CallIdError):
        app.register_ocall(1 << 32, lambda request: request)
    assert isinstance(HandlerTypeError("x"), (TypeError, VmplSgxError))


def test_none_is_a_void_answer(load_app: LoadApp) -> None:
    app = load_app("ocall")
    seen: List[bytes] = []

    def void(request: bytes) -> bytes | None:
        seen.append(request)
        return None

    app.register_ocall(OCALL_ID_RELAY, void)
    assert app.ecall(OCALL_RELAY, b"note") == b""
    assert seen == [b"note"]


def test_nested_ecall_without_a_free_tcs(load_app: LoadApp) -> None:
    app = load_app("ocall", ImageParams(threads=1))

    def nested(request: bytes) -> bytes:
        return app.ecall(OCALL_RELAY, request)

    app.register_ocall(OCALL_ID_RELAY, nested)
    outcome: List[BaseException] = []

    def run() -> None:
        try:
            app.ecall(OCALL_RELAY, b"x")
        except BaseException as error:
            outcome.append(error)

    caller = threading.Thread(target=run, daemon=True)
    caller.start()
    caller.join(30)
    assert not caller.is_alive(), "the nested ecall waited for a TCS that never came free"
    assert len(outcome) == 1 and isinstance(outcome[0], OcallHandlerError)
    assert isinstance(outcome[0].__cause__, NoFreeTcsError)
    # The TCS went back to the pool: the app still works.
    app.register_ocall(OCALL_ID_RELAY, lambda request: request)
    assert app.ecall(OCALL_RELAY, b"ok") == b"ok"
