"""Enclave code in slices: an SEH with a slice length parks a long entry and the simulator
continues it (the ENTER continuation) until it exits; cancel() and resume() on the SDK."""

from __future__ import annotations

import struct
import time
from pathlib import Path
from typing import Dict, Iterator

import pytest

from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.errors import SdkError
from vmpl_sgx.executor import NativeExecutor
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import FAULTS_COUNT, FAULTS_SPIN
from vmpl_sgx.seh import SehModel
from vmpl_sgx.simulator import Simulator, SimulatorBackend

SLICE_S = 0.01


@pytest.fixture
def sliced_app(
    images: Dict[str, Path], key: RsaPrivateKey, executor: NativeExecutor
) -> Iterator[EnclaveApp]:
    model = SehModel(executor=executor, slice_s=SLICE_S)
    app = EnclaveApp.load(images["faults"], key, Enclave(Simulator(model).open()))
    yield app
    app.close()


def spin(app: EnclaveApp, rounds: int) -> int:
    value: int = struct.unpack("<Q", app.ecall(FAULTS_SPIN, struct.pack("<Q", rounds)))[0]
    return value


def test_a_long_ecall_runs_in_slices_to_its_result(sliced_app: EnclaveApp) -> None:
    backend = sliced_app.enclave.backend
    assert isinstance(backend, SimulatorBackend)
    model = backend.simulator.model
    assert model is not None
    assert spin(sliced_app, 10) == 45  # the worker is up: what follows is enclave code
    rounds, took = 1000, 0.0
    while took < 20 * SLICE_S:  # long enough for several slices
        rounds *= 4
        before = model.stats.calls["enter"]
        started = time.monotonic()
        assert spin(sliced_app, rounds) == rounds * (rounds - 1) // 2 % (1 << 64)
        took = time.monotonic() - started
    assert model.stats.calls["enter"] - before > 1  # continued at least once
    assert spin(sliced_app, 10) == 45  # the TCS is free again


def test_nothing_to_resume_or_cancel(sliced_app: EnclaveApp) -> None:
    with pytest.raises(SdkError, match="no interrupted RUN"):
        sliced_app.resume()
    sliced_app.cancel()  # nothing interrupted: nothing to do
    sliced_app.cancel(0)  # the TCS given explicitly: the SEH has nothing to give up
    assert sliced_app.ecall(FAULTS_COUNT) == struct.pack("<Q", 1)


def test_timeout_needs_a_device(sliced_app: EnclaveApp) -> None:
    with pytest.raises(SdkError, match="timeout= needs the device"):
        sliced_app.ecall(FAULTS_COUNT, timeout=1.0)
