"""Benchmarks that need the real module (run inside the test guest by benchmarks/vm_bench.sh).

B1: SEH calls per loaded page for a 16 MiB measured enclave, read from the module's
debugfs counters, plus the ioctl syscalls the load took.
B4 heaps: enclaves with 16 MiB to 1 GiB heaps of unmeasured zero pages loaded through the
module: seconds, SEH calls and resident-memory growth of this process and of the SEH, which
must stay proportional to the page count with no page contents in host or SEH memory.
B3: GET_INFO from Python (ns per call) at three levels, to set against the C client's
figure: bare `fcntl.ioctl` (the floor for any Python code), the SDK's ioctl layer
(`DeviceBackend.ioctl`, which every SDK call goes through: the B3 metric) and the public
`Enclave.info()`, which also decodes the answer. C, fcntl and the SDK layer take turns in
B3_ROUNDS rounds, so that the emulated guest's speed, which drifts, reaches all three alike;
the B3 ratio is the median of the rounds' SDK/C ratios.
RUN: what the SDK adds on top of the RUN ioctl, for `Enclave.run` and `EnclaveApp.ecall`,
timed around the SDK call and inside the backend's ioctl, on a sample enclave's ecall that
makes no ocall.
RUN from C and from Python: the same empty ecall on the same image, RUN_CALLS times through
the C client's bench-run (tests/vm/c_client, path in $VMPL_SGX_C_CLIENT) and through
`Enclave.run`, in this boot; the C figure is taken before and after the Python one.
Prints one JSON line.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sdk"))

from vmpl_sgx._abi import IOC_ENCLAVE_RUN, IOC_GET_INFO, PAGE_SIZE, Info
from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.backend import IoctlArg
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.image import ImageParams, layout_from_file
from vmpl_sgx.layout import Layout, Region, load, reg_flags, sign
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import FAULTS_COUNT, build_sample

STATS = Path("/sys/kernel/debug/vmpl_sgx/stats")
MIB = 1 << 20
GET_INFO_CALLS = 20000
B3_ROUNDS = 5
RUN_CALLS = 300
RUN_CAPACITY = 64
C_CLIENT_ENV = "VMPL_SGX_C_CLIENT"
HEAP_SERIES_MIB = (16, 64, 256, 1024)


def counters() -> Dict[str, int]:
    pairs = (line.split() for line in STATS.read_text().splitlines())
    return {name: int(value) for name, value in pairs}


def seh_calls_since_reset() -> int:
    """SEH calls the module counted since STATS was reset, the close's DESTROY left out."""
    return sum(v for k, v in counters().items() if k.startswith("calls.") and k != "calls.destroy")


class TimedBackend:
    """The device, counting each ioctl and the nanoseconds spent inside it, per command."""

    name = "device"

    def __init__(self) -> None:
        self.inner = DeviceBackend()
        self.calls: Counter[int] = Counter()
        self.ns: Counter[int] = Counter()

    @property
    def closed(self) -> bool:
        return self.inner.closed

    def ioctl(self, cmd: int, arg: IoctlArg) -> int:
        start = time.perf_counter_ns()
        try:
            return self.inner.ioctl(cmd, arg)
        finally:
            self.ns[cmd] += time.perf_counter_ns() - start
            self.calls[cmd] += 1

    def reset(self) -> None:
        self.calls.clear()
        self.ns.clear()

    def close(self) -> None:
        self.inner.close()


def b1_calls_per_page() -> Dict[str, float]:
    data = bytes(range(256)) * (16 * MIB // 256)
    layout = Layout(
        size=32 * MIB,
        base=32 * MIB * 16,
        regions=(
            Region.tcs(0, oentry=PAGE_SIZE, ossa=PAGE_SIZE, nssa=1),
            Region(PAGE_SIZE, data, reg_flags("rw"), True, "data"),
        ),
    )
    sigstruct = sign(layout, RsaPrivateKey.generate())
    STATS.write_text("0\n")
    backend = TimedBackend()
    start = time.perf_counter()
    with Enclave(backend) as enclave:
        load(enclave, layout, sigstruct)
        seconds = time.perf_counter() - start
    calls = seh_calls_since_reset()
    return {
        "pages": layout.page_count,
        "seh_calls": calls,
        "seh_calls_per_page": calls / layout.page_count,
        "ioctl_syscalls": sum(backend.calls.values()),
        "load_seconds": seconds,
    }


def _kib(field: str, pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    raise LookupError(f"{field} not in /proc/{pid}/status")


def b4_zero_heaps() -> list[Dict[str, float]]:
    """Load enclaves whose heap is unmeasured zero pages (Region.zeros) through the module,
    one heap size after another: seconds, SEH calls, ioctl syscalls, and how much the
    resident memory of this process and of the SEH ($VMPL_SGX_SEH_PID) grew."""
    seh_pid = os.environ.get("VMPL_SGX_SEH_PID")
    series = []
    for heap_mib in HEAP_SERIES_MIB:
        heap = heap_mib * MIB
        size = 1 << (heap + 2 * PAGE_SIZE - 1).bit_length()
        layout = Layout(
            size=size,
            base=size,
            regions=(
                Region.tcs(0, oentry=PAGE_SIZE, ossa=PAGE_SIZE, nssa=1),
                Region(PAGE_SIZE, bytes(range(256)) * 16, reg_flags("rw"), True, "data"),
                Region.zeros(2 * PAGE_SIZE, heap, reg_flags("rw"), "heap"),
            ),
        )
        sigstruct = sign(layout, RsaPrivateKey.generate())
        own_before = _kib("VmRSS:")
        seh_before = _kib("VmRSS:", seh_pid) if seh_pid else 0
        STATS.write_text("0\n")
        backend = TimedBackend()
        start = time.perf_counter()
        with Enclave(backend) as enclave:
            load(enclave, layout, sigstruct)
            seconds = time.perf_counter() - start
            own_after = _kib("VmRSS:")
            seh_after = _kib("VmRSS:", seh_pid) if seh_pid else 0
        series.append({
            "heap_mib": heap_mib,
            "pages": layout.page_count,
            "seconds": seconds,
            "seh_calls": seh_calls_since_reset(),
            "ioctl_syscalls": sum(backend.calls.values()),
            "rss_growth_mib": (own_after - own_before) / 1024,
            "seh_rss_growth_mib": (seh_after - seh_before) / 1024 if seh_pid else -1.0,
        })
    return series


def _ns_per_call(action: Callable[[], object], calls: int) -> float:
    for _ in range(100):
        action()
    start = time.perf_counter_ns()
    for _ in range(calls):
        action()
    return (time.perf_counter_ns() - start) / calls


def _c_client_figure(client: str, arguments: List[str], name: str) -> float:
    """The `name=<number>` line the C client prints when run with `arguments`."""
    out = subprocess.run([client, *arguments], check=True, capture_output=True,
                         text=True).stdout
    found = re.search(rf"^{name}=([0-9.]+)", out, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"the C client printed no {name}: {out!r}")
    return float(found.group(1))


def _c_get_info_ns(client: str, calls: int) -> float:
    """ns per GET_INFO from C: the C client's own timing of `calls` calls."""
    return _c_client_figure(client, ["bench-info", str(calls)], "get_info_ns")


def b3_get_info_ns(calls: int = GET_INFO_CALLS) -> Dict[str, Any]:
    """ns per GET_INFO: C (with the C client), bare fcntl, the SDK's ioctl layer, in rounds;
    then the public Enclave.info()."""
    client = os.environ.get(C_CLIENT_ENV)
    backend = DeviceBackend()
    buffer = bytearray(Info())
    fd = backend.fileno()
    ioctl = backend.ioctl
    bare = fcntl.ioctl
    per_round = calls // B3_ROUNDS
    for _ in range(1000):  # the emulator translates each path's code on its first runs
        bare(fd, IOC_GET_INFO, buffer, True)
        ioctl(IOC_GET_INFO, buffer)
    rounds: List[Dict[str, float]] = []
    for _ in range(B3_ROUNDS):
        turn = {"c_ns": _c_get_info_ns(client, per_round)} if client else {}
        # Loops written out rather than through a lambda, whose call would count against Python.
        start = time.perf_counter_ns()
        for _ in range(per_round):
            bare(fd, IOC_GET_INFO, buffer, True)
        turn["fcntl_ns"] = (time.perf_counter_ns() - start) / per_round
        start = time.perf_counter_ns()
        for _ in range(per_round):
            ioctl(IOC_GET_INFO, buffer)
        turn["sdk_ioctl_ns"] = (time.perf_counter_ns() - start) / per_round
        rounds.append(turn)
    results: Dict[str, Any] = {
        "rounds": rounds,
        "fcntl_ns": statistics.median(turn["fcntl_ns"] for turn in rounds),
        "sdk_ioctl_ns": statistics.median(turn["sdk_ioctl_ns"] for turn in rounds),
    }
    if client:
        results["c_ns"] = statistics.median(turn["c_ns"] for turn in rounds)
        results["sdk_over_c"] = statistics.median(
            turn["sdk_ioctl_ns"] / turn["c_ns"] for turn in rounds
        )
    with Enclave(backend) as enclave:
        results["enclave_info_ns"] = _ns_per_call(enclave.info, calls // 4)
    return results


def run_overhead_us(calls: int = RUN_CALLS) -> Dict[str, float]:
    """Mean µs per RUN inside the ioctl, and what Enclave.run / EnclaveApp.ecall add."""
    backend = TimedBackend()
    with tempfile.TemporaryDirectory() as scratch:
        image = build_sample("faults", Path(scratch) / "faults.elf")
        app = EnclaveApp.load(image, RsaPrivateKey.generate(), Enclave(backend))
    with app:
        enclave = app.enclave
        tcs = enclave.tcs_address(app.tcs_offsets[0])
        app.ecall(FAULTS_COUNT)  # starts the enclave's worker

        def timed(action: Callable[[], object]) -> tuple[float, float]:
            backend.reset()
            start = time.perf_counter_ns()
            for _ in range(calls):
                action()
            total = time.perf_counter_ns() - start
            assert backend.calls[IOC_ENCLAVE_RUN] == calls, backend.calls
            inside = backend.ns[IOC_ENCLAVE_RUN]
            return inside / calls / 1e3, (total - inside) / calls / 1e3

        run_ioctl, run_outside = timed(lambda: enclave.run(tcs, FAULTS_COUNT, b"", 64))
        ecall_ioctl, ecall_outside = timed(lambda: app.ecall(FAULTS_COUNT))
    # TimedBackend's own bookkeeping falls outside the inner ioctl: measure it and take it out.
    wrapper = _wrapper_us()
    return {
        "run_ioctl_us": run_ioctl,
        "enclave_run_overhead_us": run_outside - wrapper,
        "app_ecall_ioctl_us": ecall_ioctl,
        "app_ecall_overhead_us": ecall_outside - wrapper,
        "timing_wrapper_us": wrapper,
        "calls": calls,
    }


def _wrapper_us(calls: int = GET_INFO_CALLS // 4) -> float:
    """µs TimedBackend.ioctl spends outside the ioctl it wraps (GET_INFO through both)."""
    timed = TimedBackend()
    plain = DeviceBackend()
    buffer = bytearray(Info())
    through_timed = _ns_per_call(lambda: timed.ioctl(IOC_GET_INFO, buffer), calls)
    through_plain = _ns_per_call(lambda: plain.ioctl(IOC_GET_INFO, buffer), calls)
    timed.close()
    plain.close()
    return (through_timed - through_plain) / 1e3


def _c_run_ns(client: str, scratch: Path, image: Path, key: RsaPrivateKey) -> float:
    """ns per RUN of the empty ecall from C, on a fresh enclave of `image`."""
    from tests.vm.guest.c_client_plan import load_lines

    layout = layout_from_file(image, ImageParams())
    lines = load_lines(scratch, layout, sign(layout, key))
    tcs = layout.base + layout.tcs_offsets[0]
    lines.append(f"run 0x{tcs:x} {FAULTS_COUNT} - {RUN_CAPACITY}")  # starts the worker
    lines.append(f"bench-run 0x{tcs:x} {FAULTS_COUNT} {RUN_CAPACITY} {RUN_CALLS}")
    plan = scratch / "plan.txt"
    plan.write_text("\n".join(lines) + "\n")
    return _c_client_figure(client, ["load", str(plan)], "bench_run_ns")


def run_c_and_python(calls: int = RUN_CALLS) -> Dict[str, object]:
    """ns per RUN of the same empty ecall from C and through Enclave.run, in this boot."""
    client = os.environ.get(C_CLIENT_ENV)
    if not client:
        return {"skipped": f"${C_CLIENT_ENV} names no C client"}
    key = RsaPrivateKey.generate()
    with tempfile.TemporaryDirectory() as scratch:
        image = build_sample("faults", Path(scratch) / "faults.elf")
        c_before = _c_run_ns(client, Path(scratch) / "c1", image, key)
        with EnclaveApp.load(image, key, Enclave(DeviceBackend())) as app:
            enclave = app.enclave
            tcs = enclave.tcs_address(app.tcs_offsets[0])
            py_ns = _ns_per_call(lambda: enclave.run(tcs, FAULTS_COUNT, b"", RUN_CAPACITY), calls)
        c_after = _c_run_ns(client, Path(scratch) / "c2", image, key)
    return {"c_run_ns": [c_before, c_after], "python_run_ns": py_ns, "calls": calls}


def main() -> int:
    result = {
        "b1": b1_calls_per_page(),
        "b4_heaps": b4_zero_heaps(),
        "b3": b3_get_info_ns(),
        "run": run_overhead_us(),
        "run_c_vs_python": run_c_and_python(),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
