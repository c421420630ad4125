"""The differential fuzzer, simulator against simulator: it runs, agrees, is deterministic and
reports a divergence."""

from __future__ import annotations

import errno
from typing import List

import pytest

from tests.vm import fuzz
from vmpl_sgx.backend import Backend, IoctlArg
from vmpl_sgx.errors import error_for
from vmpl_sgx.seh import SehModel
from vmpl_sgx.simulator import Simulator


def test_simulator_against_itself(capsys: pytest.CaptureFixture[str]) -> None:
    rc = fuzz.main(["--seed", "1", "--calls", "300", "--backends", "simulator,simulator"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert out == "FUZZ calls=300 divergences=0 seed=1\n"


class _Recorder(fuzz.Fuzzer):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.seen: List[str] = []

    def call(self, slot: fuzz.Slot, op: fuzz.Op) -> fuzz.Outcome:
        outcome = super().call(slot, op)
        self.seen.append(f"{op.describe()} -> {outcome[:2]}")
        return outcome


def _fuzzer(seed: int, second: Simulator, wrap: bool = False) -> _Recorder:
    first = Simulator(SehModel())

    def open_second() -> Backend:
        opened = second.open()
        return _Skewed(opened) if wrap else opened

    return _Recorder(seed, (first.open, open_second), ("a", "b"), 2)


def test_same_seed_same_sequence() -> None:
    runs = []
    for _ in range(2):
        fuzzer = _fuzzer(5, Simulator(SehModel()))
        try:
            fuzzer.run(150)
        finally:
            fuzzer.close()
        runs.append(fuzzer.seen)
    assert runs[0] == runs[1]


class _Skewed:
    """A simulator file that answers unknown ioctls with EINVAL instead of ENOTTY."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name

    @property
    def closed(self) -> bool:
        return self.inner.closed

    def ioctl(self, cmd: int, arg: IoctlArg) -> int:
        try:
            return self.inner.ioctl(cmd, arg)
        except Exception as error:
            if getattr(error, "errno", None) == errno.ENOTTY:
                raise error_for(errno.EINVAL, None) from error
            raise

    def close(self) -> None:
        self.inner.close()


def test_a_divergence_is_caught() -> None:
    fuzzer = _fuzzer(7, Simulator(SehModel()), wrap=True)
    try:
        with pytest.raises(fuzz.DivergenceError, match=r"seed=7 .*\n  op: UNKNOWN"):
            fuzzer.run(2000)
    finally:
        fuzzer.close()
