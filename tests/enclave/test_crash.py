"""A fault in enclave code ends its RUN with an exception exit; the host and the enclave live on."""

from __future__ import annotations

import os
import struct
import threading
from typing import List

import pytest

from vmpl_sgx._abi import Enclu, Exit
from vmpl_sgx.app import EnclaveApp, EnclaveFaultError
from vmpl_sgx.executor.vectors import VECTOR_BP, VECTOR_DE, VECTOR_PF, VECTOR_UD
from vmpl_sgx.image import ImageParams
from vmpl_sgx.samples import (
    FAULTS_BREAKPOINT,
    FAULTS_COUNT,
    FAULTS_DIVIDE,
    FAULTS_ILLEGAL,
    FAULTS_NULL_READ,
    FAULTS_RENDEZVOUS,
    FAULTS_STACK_OVERFLOW,
    FAULTS_SYSTEM_CALL,
    FAULTS_WRITE_CODE,
)

from .conftest import LoadApp

PF_WRITE = 0x2
PF_PRESENT = 0x1


def _count(app: EnclaveApp) -> int:
    value: int = struct.unpack("<Q", app.ecall(FAULTS_COUNT))[0]
    return value


def _in_code(app: EnclaveApp, address: int) -> bool:
    code = next(region for region in app.layout.regions if region.secinfo_flags & 0x4)
    base = app.enclave.base
    return base + code.offset <= address < base + code.end


@pytest.mark.parametrize(
    ("call_id", "vector"),
    [
        (FAULTS_NULL_READ, VECTOR_PF),
        (FAULTS_ILLEGAL, VECTOR_UD),
        (FAULTS_DIVIDE, VECTOR_DE),
        (FAULTS_BREAKPOINT, VECTOR_BP),
        (FAULTS_WRITE_CODE, VECTOR_PF),
        (FAULTS_STACK_OVERFLOW, VECTOR_PF),
        (FAULTS_SYSTEM_CALL, VECTOR_UD),
    ],
)
def test_fault_is_an_exception_exit(load_app: LoadApp, call_id: int, vector: int) -> None:
    app = load_app("faults")
    assert _count(app) == 1
    with pytest.raises(EnclaveFaultError) as caught:
        app.ecall(call_id)
    fault = caught.value
    assert fault.vector == vector
    if call_id == FAULTS_NULL_READ:
        assert fault.address == 0
        assert not fault.error_code & PF_WRITE
    if call_id == FAULTS_WRITE_CODE:
        assert _in_code(app, fault.address)
        assert fault.error_code & (PF_WRITE | PF_PRESENT) == PF_WRITE | PF_PRESENT
    if call_id in (FAULTS_ILLEGAL, FAULTS_DIVIDE, FAULTS_BREAKPOINT):
        assert _in_code(app, fault.address)
    if call_id == FAULTS_STACK_OVERFLOW:
        stack = next(region for region in app.layout.regions if region.name == "stack 0")
        guard = app.enclave.base + stack.offset - 4096
        assert guard <= fault.address < guard + 4096
    # The host process is untouched, and the enclave's memory survived the worker.
    assert os.getpid() > 0
    assert _count(app) == 2


def test_raw_exception_exit(load_app: LoadApp) -> None:
    app = load_app("faults")
    tcs = app.enclave.tcs_address(app.tcs_offsets[0])
    result = app.enclave.run(tcs, FAULTS_ILLEGAL, b"", 64)
    assert result.exit_kind == Exit.EXCEPTION
    assert result.exception is not None and result.exception.vector == VECTOR_UD
    assert result.function == Enclu.EENTER  # unchanged after an exception
    assert result.output == b""


def test_repeated_faults(load_app: LoadApp) -> None:
    app = load_app("faults")
    for _ in range(3):
        with pytest.raises(EnclaveFaultError):
            app.ecall(FAULTS_DIVIDE)
    assert _count(app) == 1


def test_fault_on_one_tcs_leaves_the_other_running(load_app: LoadApp) -> None:
    app = load_app("faults", ImageParams(threads=2))
    results: List[bytes] = []
    # TCS 1 waits inside the enclave for a peer while TCS 0 faults, then TCS 0 comes back.
    waiter = threading.Thread(target=lambda: results.append(app.ecall(FAULTS_RENDEZVOUS, thread=1)))
    waiter.start()
    with pytest.raises(EnclaveFaultError):
        app.ecall(FAULTS_NULL_READ, thread=0)
    assert struct.unpack("<Q", app.ecall(FAULTS_RENDEZVOUS, thread=0)) == (0,)
    waiter.join(timeout=60)
    assert results and struct.unpack("<Q", results[0]) == (1,)
