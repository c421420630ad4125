"""What running enclave code natively costs: worker spawn, ecall and ocall round trips.

Two levels are timed, each as the median of single round trips: an ecall is one EENTER to
its return; an ocall, one ocall exit to the next (the answer's ERESUME and the enclave code
up to its next ocall). "executor" drives the SEH model directly with guest pages in this
process (what the loopback SEH does per RUN, minus the kernel); "app" goes through the SDK's
EnclaveApp, Enclave.run, the simulator's RUN steps and the SEH model's ENTER checks, which
is what an application on the simulator pays. Every figure is the median of single round
trips over several rounds.

Beside them, in the same run, the floor any round trip between two processes has here: a C
ping-pong through a futex word in shared memory (benchmarks/futex_pingpong.c), the mechanism
the executor's channel uses; and the floor for two Python processes, the same ping-pong
through the executor's own channel with empty messages (benchmarks/channel_pingpong.py),
which is what the interpreter costs before any message is decoded or any enclave code runs.
The two levels and the floors take turns, round by round, so that the host's load, which
changes from second to second on a shared machine, weighs on the figures a ratio compares
alike.

The round trips are pinned: this process (the SDK, the simulator and the SEH model) on one
CPU, the executor's zygote and workers on another, so both levels cross the same two cores.
Unpinned, the scheduler put each worker beside or away from this process anew in every
run, which moved one level's median against the other's by up to 2x between runs on a
quiet 2-CPU machine. The floors run unpinned, as any two processes would.

A third figure times the SDK alone: EnclaveApp's ecall on a simulator whose executor
returns at once (no worker, no round trip): what the SDK, the simulator and the SEH model's
checks add to the executor's round trip.

Prints a table, a line `enclave spawn_ms=... ecall_us=... ocall_us=...`, and two goals:
`BENCH B5 ecall_sdk_over_executor` (EnclaveApp's empty ecall on the simulator over the
executor's own round trip, goal <= 1.5) and `BENCH B6 executor_round_trip_us` (goal: at most
3x the C floor). --json prints the results as one JSON line before the final lines.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Set

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sdk"))

from vmpl_sgx._abi import PAGE_SIZE, Cap, Exit, Secs
from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.executor import NativeExecutor
from vmpl_sgx.image import ImageParams, layout_from_file
from vmpl_sgx.layout import Layout, build_secs, mrenclave
from vmpl_sgx.ocall_answer import encode_answer
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import (
    FAULTS_COUNT,
    OCALL_CHECKSUM,
    OCALL_ID_GET_RECORD,
    build_sample,
)
from vmpl_sgx.seh import EnclaveView, ExitInfo, SehModel
from vmpl_sgx.seh.enclave import Enclave as SehEnclave
from vmpl_sgx.seh.enclave import NewPage
from vmpl_sgx.simulator import Simulator

OCALLS_PER_ECALL = 100
B5_GOAL = 1.5
B6_GOAL = 3.0
PINGPONG_ROUND_TRIPS = 20000
PYTHON_PINGPONG_ROUND_TRIPS = 5000
ROUNDS = 5
"""Turns the app level, the executor level and the floor take."""
HERE = Path(__file__).resolve().parent


def _descendants(root: int) -> List[int]:
    """Every process below `root`, from /proc."""
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it exited meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # after the name: state, then ppid
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


@contextlib.contextmanager
def affinity(cpus: Set[int]) -> Iterator[None]:
    """This process on `cpus` until the block ends; what it starts meanwhile inherits them."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


@contextlib.contextmanager
def pinned_apart() -> Iterator[bool]:
    """This process on its first allowed CPU, its descendants (the executors' zygotes and
    workers) on the second, until the block ends; yields whether there were two CPUs."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        yield False
        return
    for pid in _descendants(os.getpid()):
        with contextlib.suppress(ProcessLookupError):  # it exited meanwhile
            os.sched_setaffinity(pid, {cpus[1]})
    with affinity({cpus[0]}):
        yield True


def _times(action: Callable[[], object], repeat: int) -> List[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def _median_seconds(action: Callable[[], object], repeat: int) -> float:
    return statistics.median(_times(action, repeat))


def measure(repeat: int) -> Dict[str, float]:
    key = RsaPrivateKey.generate()
    with tempfile.TemporaryDirectory() as scratch, NativeExecutor() as executor:
        faults = build_sample("faults", Path(scratch) / "faults.elf")
        ocall = build_sample("ocall", Path(scratch) / "ocall.elf")
        simulator = Simulator(SehModel(executor=executor))

        def load(image: Path, threads: int = 1) -> EnclaveApp:
            return EnclaveApp.load(
                image, key, Enclave(simulator.open()), ImageParams(threads=threads)
            )

        # Spawn: the first ecall on a TCS starts its worker (the enclave's memory file is
        # made once, at the enclave's first ecall); the second ecall on it does not.
        spawn: List[float] = []
        first_file: List[float] = []
        for _ in range(max(3, repeat // 20)):
            with load(faults, threads=2) as app:
                first_file.append(_median_seconds(lambda: app.ecall(FAULTS_COUNT, thread=0), 1))
                spawn.append(_median_seconds(lambda: app.ecall(FAULTS_COUNT, thread=1), 1))
                steady = _median_seconds(lambda: app.ecall(FAULTS_COUNT, thread=1), 5)
                spawn[-1] -= steady

        # The two levels take turns, round by round, with the floor's runs in between: a
        # change of the host's load then reaches all three alike.
        records = struct.pack("<I", OCALLS_PER_ECALL)
        ecall_app: List[float] = []
        ocall_app: List[int] = []
        ecall_direct: List[float] = []
        ocall_direct: List[float] = []
        floor: List[float] = []
        python_floor: List[float] = []
        binary = build_floor(Path(scratch))
        ecall_sdk: List[float] = []
        at_once = EnclaveApp.load(
            faults, key, Enclave(Simulator(SehModel(executor=_AtOnce())).open())
        )
        every_cpu = os.sched_getaffinity(0)
        with load(faults) as app, load(ocall) as ocalling, _ExecutorLevel(
            faults, ocall
        ) as direct, at_once:
            stamps: List[int] = []
            ocalling.register_ocall(OCALL_ID_GET_RECORD, lambda request: _stamp(stamps, b"r"))
            app.ecall(FAULTS_COUNT)  # every worker runs from here on
            ocalling.ecall(OCALL_CHECKSUM, records)
            per_round = max(1, repeat // ROUNDS)
            with pinned_apart() as pinned:
                for round_number in range(ROUNDS):
                    ecall_app += _times(lambda: app.ecall(FAULTS_COUNT), per_round)
                    ecall_direct += _times(direct.ecall, per_round)
                    ecall_sdk += _times(lambda: at_once.ecall(FAULTS_COUNT), per_round)
                    for _ in range(max(1, per_round // OCALLS_PER_ECALL * 2)):
                        # Each ocall round trip on its own: from one handler call to the
                        # next, which spans the handler's return, the ERESUME and the
                        # enclave's next ocall exit.
                        stamps.clear()
                        ocalling.ecall(OCALL_CHECKSUM, records)
                        ocall_app += [b - a for a, b in zip(stamps, stamps[1:])]
                        ocall_direct += direct.ocalls()
                    if round_number % 2 == 0:
                        with affinity(every_cpu):
                            floor.append(floor_run_us(binary))
                            python_floor.append(python_floor_run_us())
        floor.sort()
    return {
        "floor_us": statistics.median(floor),
        "floor_low_us": floor[0],
        "floor_high_us": floor[-1],
        "python_floor_us": statistics.median(python_floor),
        "spawn_ms": statistics.median(spawn) * 1e3,
        "first_ecall_ms": statistics.median(first_file) * 1e3,
        "ecall_app_us": statistics.median(ecall_app) * 1e6,
        "ocall_app_us": statistics.median(ocall_app) / 1e3,
        "ecall_executor_us": statistics.median(ecall_direct) * 1e6,
        "ecall_sdk_only_us": statistics.median(ecall_sdk) * 1e6,
        "ocall_executor_us": statistics.median(ocall_direct) * 1e6,
        "pinned": float(pinned),
    }


def build_floor(scratch: Path) -> Path:
    """The C futex ping-pong (benchmarks/futex_pingpong.c), compiled into `scratch`."""
    binary = scratch / "futex_pingpong"
    subprocess.run(
        ["cc", "-O2", "-o", str(binary), str(HERE / "futex_pingpong.c")],
        check=True, capture_output=True,
    )
    return binary


def floor_run_us(binary: Path) -> float:
    """Median round trip, in µs, of one run of PINGPONG_ROUND_TRIPS."""
    out = subprocess.run(
        [str(binary), str(PINGPONG_ROUND_TRIPS)], check=True, capture_output=True, text=True
    ).stdout
    return float(out) / 1e3


def python_floor_run_us() -> float:
    """Median round trip, in µs, of one run of the Python ping-pong (channel_pingpong.py)."""
    out = subprocess.run(
        [sys.executable, str(HERE / "channel_pingpong.py"), str(PYTHON_PINGPONG_ROUND_TRIPS)],
        check=True, capture_output=True, text=True,
    ).stdout
    return float(out) / 1e3


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def goal_lines(results: Dict[str, float]) -> List[str]:
    """The B5 and B6 lines for `results`."""
    b5 = results["ecall_app_us"] / results["ecall_executor_us"]
    b6 = results["ecall_executor_us"] / results["floor_us"]
    return [
        f"BENCH B5 ecall_sdk_over_executor={b5:.2f} goal<={B5_GOAL} {verdict(b5 <= B5_GOAL)}",
        f"BENCH B6 executor_round_trip_us={results['ecall_executor_us']:.1f} "
        f"floor_us={results['floor_us']:.1f} ratio={b6:.2f} goal<={B6_GOAL}x "
        f"{verdict(b6 <= B6_GOAL)}; python_floor_us={results['python_floor_us']:.1f} "
        f"({results['python_floor_us'] / results['floor_us']:.2f}x the floor)",
    ]


def _stamp(stamps: List[int], answer: bytes) -> bytes:
    stamps.append(time.perf_counter_ns())
    return answer


def load_direct(layout: Layout) -> SehEnclave:
    """The SEH's own record of `layout` loaded and initialized, without any transport."""
    enclave = SehEnclave(1, Secs.from_buffer_copy(build_secs(layout)))
    enclave.add_pages(
        [
            NewPage(
                region.offset + page,
                bytearray(region.data[page : page + PAGE_SIZE]),
                region.secinfo_flags,
                region.measured,
            )
            for region in layout.regions
            for page in range(0, region.size, PAGE_SIZE)
        ]
    )
    enclave.initialize(mrenclave(layout), bytes(32), 0, 0)
    return enclave


class _AtOnce:
    """An executor whose enclave returns at once: EnclaveApp on it times the SDK, the
    simulator and the SEH model's checks alone, without a worker or a round trip."""

    capabilities = int(Cap.RUN | Cap.OCALL | Cap.EXCEPTION_INFO)
    _EXIT = ExitInfo(Exit.NORMAL, 0, bytes(8), 0)

    def enter(
        self, enclave: EnclaveView, tcs_offset: int, call_id: int, input: bytes, capacity: int
    ) -> ExitInfo:
        return self._EXIT

    def resume(
        self, enclave: EnclaveView, tcs_offset: int, input: bytes, capacity: int
    ) -> ExitInfo:
        return self._EXIT

    def forget(self, enclave: EnclaveView) -> None:
        pass


class _ExecutorLevel:
    """The same round trips with the executor called straight, as the SEH model calls it."""

    def __init__(self, faults: Path, ocall: Path) -> None:
        self.executor = NativeExecutor()
        layout = layout_from_file(faults)
        self.faults = load_direct(layout)
        self.faults_tcs = layout.tcs_offsets[0]
        layout = layout_from_file(ocall)
        self.ocall = load_direct(layout)
        self.ocall_tcs = layout.tcs_offsets[0]
        self.answer = encode_answer(0, b"r")
        self.records = struct.pack("<I", OCALLS_PER_ECALL)
        self.ecall()
        self.ocalls()

    def ecall(self) -> None:
        self.executor.enter(self.faults, self.faults_tcs, FAULTS_COUNT, b"", 64)

    def ocalls(self) -> List[float]:
        """One ecall of the ocall sample: each ocall round trip (ERESUME to the next exit)."""
        executor, view, tcs = self.executor, self.ocall, self.ocall_tcs
        executor.enter(view, tcs, OCALL_CHECKSUM, self.records, 4096)
        return [  # the last one ends the ecall
            _median_seconds(lambda: executor.resume(view, tcs, self.answer, 4096), 1)
            for _ in range(OCALLS_PER_ECALL)
        ]

    def __enter__(self) -> _ExecutorLevel:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.executor.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="timed runs per figure")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args()
    results = measure(args.repeat)
    rows = [
        ("worker spawn (per TCS, first ecall)", results["spawn_ms"], "ms"),
        ("first ecall of an enclave (memory file + spawn)", results["first_ecall_ms"], "ms"),
        ("ecall round trip, executor", results["ecall_executor_us"], "us"),
        ("ecall round trip, EnclaveApp on the simulator", results["ecall_app_us"], "us"),
        ("ecall, EnclaveApp, enclave returning at once", results["ecall_sdk_only_us"], "us"),
        ("ocall round trip, executor", results["ocall_executor_us"], "us"),
        ("ocall round trip, EnclaveApp on the simulator", results["ocall_app_us"], "us"),
        ("C futex ping-pong between two processes (floor)", results["floor_us"], "us"),
        ("  the floor's lowest run of three", results["floor_low_us"], "us"),
        ("  the floor's highest run of three", results["floor_high_us"], "us"),
        ("Python ping-pong through the executor's channel", results["python_floor_us"], "us"),
    ]
    for label, value, unit in rows:
        print(f"{label:<50} {value:10.1f} {unit}")
    print("round trips pinned: this process on one CPU, the workers on another"
          if results["pinned"] else "round trips not pinned: one CPU")
    if args.json:
        print(json.dumps(results, sort_keys=True))
    print(
        "enclave "
        f"spawn_ms={results['spawn_ms']:.1f} "
        f"ecall_us={results['ecall_executor_us']:.1f} "
        f"ocall_us={results['ocall_executor_us']:.1f} "
        f"ecall_app_us={results['ecall_app_us']:.1f} "
        f"ocall_app_us={results['ocall_app_us']:.1f} "
        f"floor_us={results['floor_us']:.1f}"
    )
    print("\n".join(goal_lines(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
