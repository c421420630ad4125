"""Enclave.run on the simulator takes a plain RUN without the ioctl (SimulatorBackend.run_owned)
and must give exactly what the ioctl gives: the same results, and every error from the ioctl."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pytest

from vmpl_sgx._abi import Enclu, Exit
from vmpl_sgx.enclave import Enclave, RunResult
from vmpl_sgx.errors import InvalidArgumentError, VmplSgxError
from vmpl_sgx.image import ImageParams, layout_from_file
from vmpl_sgx.layout import load, sign
from vmpl_sgx.ocall_answer import encode_answer
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import FAULTS_COUNT, FAULTS_DIVIDE, OCALL_CHECKSUM
from vmpl_sgx.simulator import SimulatorBackend

Outcome = Tuple[str, object]


def _session(
    images: Dict[str, Path], key: RsaPrivateKey, new_enclave: Callable[[], Enclave]
) -> List[Outcome]:
    """Runs that cover every exit kind and two refusals; what each one gave."""
    outcomes: List[Outcome] = []

    def record(action: Callable[[], RunResult]) -> None:
        try:
            outcomes.append(("result", action()))
        except VmplSgxError as error:
            outcomes.append(("error", (type(error), error.errno, str(error))))

    enclaves = {}
    for name in ("faults", "ocall"):
        layout = layout_from_file(images[name], ImageParams())
        enclave = enclaves[name] = new_enclave()
        load(enclave, layout, sign(layout, key))
    faults, ocall = enclaves["faults"], enclaves["ocall"]
    tcs = faults.tcs_address(layout_from_file(images["faults"]).tcs_offsets[0])
    record(lambda: faults.run(tcs, FAULTS_COUNT, b"", 64))
    record(lambda: faults.run(tcs, FAULTS_DIVIDE, b"", 64))
    record(lambda: faults.run(tcs + 1, FAULTS_COUNT, b"", 64))  # not page-aligned: EINVAL
    record(lambda: faults.run(tcs, FAULTS_COUNT, b"", 64, function=Enclu.EEXIT))
    record(lambda: faults.run(tcs, FAULTS_COUNT, b"", 64, function=Enclu.ERESUME))
    ocall_tcs = ocall.tcs_address(layout_from_file(images["ocall"]).tcs_offsets[0])
    record(lambda: ocall.run(ocall_tcs, OCALL_CHECKSUM, struct.pack("<I", 2), 4096))
    record(lambda: ocall.run(ocall_tcs, OCALL_CHECKSUM, b"", 4096))  # an ocall waits
    answer = encode_answer(0, b"record")
    for _ in range(2):
        record(lambda: ocall.run(ocall_tcs, 0, answer, 4096, function=Enclu.ERESUME))
    return outcomes


def test_owned_runs_equal_ioctl_runs(
    images: Dict[str, Path],
    key: RsaPrivateKey,
    new_enclave: Callable[[], Enclave],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken: List[bool] = []
    real = SimulatorBackend.run_owned

    def spy(self: SimulatorBackend, *args: object) -> object:
        done = real(self, *args)  # type: ignore[arg-type]
        taken.append(done is not None)
        return done

    monkeypatch.setattr(SimulatorBackend, "run_owned", spy)
    owned = _session(images, key, new_enclave)
    assert taken.count(True) >= 5 and taken.count(False) >= 2  # both ways were taken

    monkeypatch.setattr(SimulatorBackend, "run_owned", lambda self, *args: None)
    by_ioctl = _session(images, key, new_enclave)
    assert owned == by_ioctl
    kinds = [value.exit_kind for what, value in owned if isinstance(value, RunResult)]
    assert {Exit.NORMAL, Exit.EXCEPTION, Exit.OCALL} <= set(kinds)
    refusals = [value for what, value in owned if what == "error"]
    assert refusals and all(isinstance(value, tuple) for value in refusals)
    assert any(value[0] is InvalidArgumentError for value in refusals)  # type: ignore[index]
