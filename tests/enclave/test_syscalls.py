"""System calls from enclave code fault with #UD, as in SGX, and never reach the kernel;
the worker's own calls (ocalls, the executor channel) keep working."""

from __future__ import annotations

import struct

import pytest

from vmpl_sgx.app import EnclaveApp, EnclaveFaultError
from vmpl_sgx.executor.syscall_filter import program
from vmpl_sgx.executor.vectors import VECTOR_UD
from vmpl_sgx.samples import (
    FAULTS_COUNT,
    FAULTS_INT80,
    FAULTS_MANY_CALLS,
    FAULTS_SYSENTER,
    FAULTS_SYSTEM_CALL,
    FAULTS_THREAD_INDEX,
)

from .conftest import LoadApp


def _code_range(app: EnclaveApp) -> range:
    code = next(region for region in app.layout.regions if region.secinfo_flags & 0x4)
    base = app.enclave.base
    return range(base + code.offset, base + code.end)


def _count(app: EnclaveApp, thread: int = 0) -> int:
    value: int = struct.unpack("<Q", app.ecall(FAULTS_COUNT, thread=thread))[0]
    return value


@pytest.mark.parametrize("call_id", [FAULTS_SYSTEM_CALL, FAULTS_INT80, FAULTS_SYSENTER])
def test_system_call_instructions_fault_with_ud(load_app: LoadApp, call_id: int) -> None:
    app = load_app("faults")
    assert _count(app) == 1
    with pytest.raises(EnclaveFaultError) as caught:
        app.ecall(call_id, thread=0)
    # #UD at the instruction itself: the filter refused it before the kernel ran it (an
    # exit that really happened would leave no address at all).
    assert caught.value.vector == VECTOR_UD
    assert caught.value.address in _code_range(app)
    # Enclave memory outlives the worker; the same TCS works on.
    assert _count(app) == 2


def test_syscall_heavy_ecall_then_a_normal_one_on_the_same_tcs(load_app: LoadApp) -> None:
    app = load_app("faults")
    with pytest.raises(EnclaveFaultError) as caught:
        app.ecall(FAULTS_MANY_CALLS, thread=0)
    assert caught.value.vector == VECTOR_UD
    assert _count(app, thread=0) == 1
    assert struct.unpack("<Q", app.ecall(FAULTS_THREAD_INDEX, thread=0))[0] == 0


def test_ocalls_still_make_their_system_calls(load_app: LoadApp) -> None:
    # The ocall path runs host code (and its system calls) in the same worker.
    app = load_app("ocall")
    app.register_ocall(3, lambda request: request.upper())
    assert app.ecall(3, b"relay") == b"RELAY"


def test_program_refuses_ranges_it_cannot_express() -> None:
    assert len(program(1 << 44, 1 << 20)) == 8 * 8
    with pytest.raises(ValueError, match="naturally aligned"):
        program((1 << 44) + 4096, 1 << 20)
    with pytest.raises(ValueError, match="naturally aligned"):
        program(1 << 44, 3 << 20)
