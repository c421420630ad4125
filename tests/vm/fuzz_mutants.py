"""What the differential fuzzer's budget buys: calls until it catches an injected bug.

    python -m tests.vm.fuzz_mutants [--seeds 10] [--calls 2000] [--no-bias]

Runs the fuzzer with the simulator on both sides, the second one mutated to behave like a
module with one bug, for each seed, and prints the call at which the fuzzer reported the
divergence (or that it did not within --calls). The mutants change outcomes exactly where
the bug would show, so what is measured is whether the fuzzer's inputs reach the
boundary:

- add-past-end: ADD_PAGES accepts a range ending one page past SECS.size (the module
  would add it; the simulator says EINVAL).
- privileged-errno: INIT of an enclave with PROVISIONKEY/EINITTOKENKEY fails with EPERM
  instead of EACCES.

--no-bias sets the fuzzer's EDGE_BIAS and PRIVILEGED_BIAS to 0 (the fuzzer before them).
"""

from __future__ import annotations

import argparse
import errno
import re
import sys
from typing import Callable, Dict, List, Sequence

from tests.vm import fuzz
from vmpl_sgx import _abi
from vmpl_sgx.backend import Backend, IoctlArg
from vmpl_sgx.errors import error_for
from vmpl_sgx.seh import SehModel
from vmpl_sgx.simulator import Simulator

_PAST_END = re.compile(r"offset \+ length 0x([0-9a-f]+) is beyond SECS.size 0x([0-9a-f]+)")


def _add_past_end(cmd: int, error: Exception) -> int | None:
    match = _PAST_END.search(str(error))
    if cmd == _abi.IOC_ENCLAVE_ADD_PAGES and match:
        end, size = int(match.group(1), 16), int(match.group(2), 16)
        if end == size + _abi.PAGE_SIZE:
            return 0  # accepted: any outcome but the simulator's EINVAL diverges
    return None


def _privileged_errno(cmd: int, error: Exception) -> int | None:
    if cmd == _abi.IOC_ENCLAVE_INIT and getattr(error, "errno", None) == errno.EACCES:
        raise error_for(errno.EPERM, None) from error
    return None


MUTANTS: Dict[str, Callable[[int, Exception], int | None]] = {
    "add-past-end": _add_past_end,
    "privileged-errno": _privileged_errno,
}


class Mutated:
    """A simulator file whose failures pass through one mutant."""

    def __init__(self, inner: Backend, mutant: Callable[[int, Exception], int | None]):
        self.inner = inner
        self.mutant = mutant
        self.name = inner.name

    @property
    def closed(self) -> bool:
        return self.inner.closed

    def ioctl(self, cmd: int, arg: IoctlArg) -> int:
        try:
            return self.inner.ioctl(cmd, arg)
        except Exception as error:
            replaced = self.mutant(cmd, error)
            if replaced is None:
                raise
            return replaced

    def close(self) -> None:
        self.inner.close()


def calls_to_catch(mutant: str, seed: int, calls: int) -> int | None:
    """The call number of the first divergence, None if none within `calls`."""
    first, second = Simulator(SehModel()), Simulator(SehModel())

    def open_mutated() -> Backend:
        return Mutated(second.open(), MUTANTS[mutant])

    fuzzer = fuzz.Fuzzer(seed, (first.open, open_mutated), ("simulator", mutant), 3)
    try:
        fuzzer.run(calls)
    except fuzz.DivergenceError:
        return fuzzer.calls
    finally:
        fuzzer.close()
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.vm.fuzz_mutants")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--no-bias", action="store_true")
    args = parser.parse_args(argv)
    if args.no_bias:
        fuzz.EDGE_BIAS = 0.0
        fuzz.PRIVILEGED_BIAS = 0.0
    for mutant in MUTANTS:
        found: List[str] = []
        caught = 0
        for seed in range(1, args.seeds + 1):
            at = calls_to_catch(mutant, seed, args.calls)
            found.append("-" if at is None else str(at))
            caught += at is not None
        print(f"{mutant}: caught on {caught}/{args.seeds} seeds within {args.calls} calls "
              f"(call of detection per seed: {' '.join(found)})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
