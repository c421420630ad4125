"""Enclave load cost on the simulator: SEH calls per page, time and peak memory per size.

Each size loads in a fresh process (so peak RSS belongs to that load alone): a layout of
one TCS page and SIZE bytes of measured data pages is signed outside the timed region,
then CREATE + ADD_PAGES + INIT run on the simulator. Each size loads LOAD_RUNS times and
the fastest run counts, so that one disturbed run does not bend the fit. Reported per size:
load seconds, MiB/s, peak RSS growth over the process's RSS before the load, and the SEH
model's calls per loaded page.

The heap series loads an enclave of one TCS page and a data page followed by a heap of
HEAP MiB: unmeasured zero pages (vmpl_sgx.layout.Region.zeros), added with
VMPL_SGX_PAGE_ZERO; up to 256 MiB also "staged", with the SEH's ZERO_PAGES capability
masked so the loader sends zero bytes as ordinary unmeasured pages, as before zero pages
existed. The simulator's SEH model runs in the same process, so the RSS column covers the
host side and the SEH model together.

Final lines, for scripts:
  BENCH B1 seh_calls_per_page=<v> goal<=0.0625 PASS|FAIL   (16 MiB, simulator)
  BENCH B4 load_time_linearity_r2=<v> goal>=0.99 PASS|FAIL; heap_1gib_s=<v> goal<=1.0
      PASS|FAIL; heap_1gib_rss_mib=<v> goal<=64 PASS|FAIL
--json prints the per-size results as one JSON line before them; --plot PNG draws time
and memory against size (needs matplotlib, a benchmark-only extra).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "sdk"))

MIB = 1 << 20
DEFAULT_SIZES = (1, 4, 16, 64, 256)
LOAD_RUNS = 3
"""Loads per size; the fastest counts."""
DEFAULT_HEAPS = (16, 64, 256, 1024, 4096)
STAGED_UP_TO = 256
B1_GOAL = 1 / 16
B4_GOAL = 0.99
HEAP_GOAL_S = 1.0
HEAP_GOAL_RSS_MIB = 64


def _rss_kib(field: str = "VmRSS:") -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def _reset_peak_rss() -> None:
    """Linux: writing 5 to clear_refs resets VmHWM (peak RSS) to the current RSS."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def measure_one(size_mib: int) -> Dict[str, Any]:
    """Runs in the child process: load one enclave of size_mib MiB of measured pages."""
    from vmpl_sgx._abi import PAGE_SIZE
    from vmpl_sgx.enclave import Enclave
    from vmpl_sgx.layout import Layout, Region, load, reg_flags, sign
    from vmpl_sgx.rsa import RsaPrivateKey
    from vmpl_sgx.seh import SehModel
    from vmpl_sgx.simulator import Simulator

    data_bytes = size_mib * MIB
    # Distinct page contents, cheap to make: a counter pattern, not zeros.
    data = bytes(range(256)) * (data_bytes // 256)
    enclave_size = 1 << (data_bytes + PAGE_SIZE - 1).bit_length()
    layout = Layout(
        size=enclave_size,
        base=enclave_size * 16,
        regions=(
            Region.tcs(0, oentry=PAGE_SIZE, ossa=PAGE_SIZE, nssa=1),
            Region(PAGE_SIZE, data, reg_flags("rw"), True, "data"),
        ),
    )
    sigstruct = sign(layout, RsaPrivateKey.generate())
    model = SehModel()
    # No per-user page cap: 256 MiB and a TCS is one page over the module's default, which
    # an administrator raises for enclaves that large (seh_pages_per_user).
    simulator = Simulator(model, seh_pages_per_user=0)
    rss_before = _rss_kib()
    start = time.perf_counter()
    with Enclave(simulator.open()) as enclave:
        load(enclave, layout, sigstruct)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    snapshot = model.stats.snapshot()
    calls = snapshot["calls"]
    assert isinstance(calls, dict)
    seh_calls = sum(calls.values())
    return {
        "size_mib": size_mib,
        "pages": layout.page_count,
        "seconds": seconds,
        "mib_per_s": size_mib / seconds,
        "peak_growth_mib": (peak - rss_before) / 1024,
        "seh_calls": seh_calls,
        "seh_calls_per_page": seh_calls / layout.page_count,
        "add_pages_calls": calls.get("add-pages", 0),
    }


def measure_heap(heap_mib: int, staged: bool) -> Dict[str, Any]:
    """Runs in the child process: load one enclave with a heap of heap_mib MiB."""
    from vmpl_sgx._abi import PAGE_SIZE
    from vmpl_sgx.enclave import Enclave
    from vmpl_sgx.layout import Layout, Region, load, reg_flags, sign
    from vmpl_sgx.rsa import RsaPrivateKey
    from vmpl_sgx.seh import SehModel, model
    from vmpl_sgx.simulator import Simulator

    if staged:
        model.MODEL_CAPABILITIES = 0  # the loader then sends the zeros as page contents
    heap = heap_mib * MIB
    enclave_size = 1 << (heap + 2 * PAGE_SIZE - 1).bit_length()
    layout = Layout(
        size=enclave_size,
        base=enclave_size,
        regions=(
            Region.tcs(0, oentry=PAGE_SIZE, ossa=PAGE_SIZE, nssa=1),
            Region(PAGE_SIZE, bytes(range(256)) * 16, reg_flags("rw"), True, "data"),
            Region.zeros(2 * PAGE_SIZE, heap, reg_flags("rw"), "heap"),
        ),
    )
    sigstruct = sign(layout, RsaPrivateKey.generate())
    seh = SehModel()
    simulator = Simulator(seh, seh_pages_per_user=0)  # heaps of GiBs: no per-user cap
    _reset_peak_rss()  # signing and imports peaked before; count only the load's peak
    rss_before = _rss_kib()
    start, cpu_start = time.perf_counter(), time.process_time()
    with Enclave(simulator.open()) as enclave:
        load(enclave, layout, sigstruct)
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
        peak = _rss_kib("VmHWM:")
    calls = seh.stats.snapshot()["calls"]
    assert isinstance(calls, dict)
    return {
        "heap_mib": heap_mib,
        "staged": staged,
        "pages": layout.page_count,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_growth_mib": (peak - rss_before) / 1024,
        "seh_calls": sum(calls.values()),
    }


def fastest_child(size_mib: int) -> Dict[str, Any]:
    """The fastest of LOAD_RUNS loads of `size_mib`, each in its own process."""
    return min((run_child(size_mib) for _ in range(LOAD_RUNS)), key=lambda r: r["seconds"])


def run_child(size_mib: int, *extra: str) -> Dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(size_mib), *extra],
        check=True, capture_output=True, text=True,
    ).stdout
    result: Dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def r_squared(xs: List[float], ys: List[float]) -> float:
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    ss_res = sum((y - (slope * x + intercept)) ** 2 for x, y in zip(xs, ys))
    ss_tot = sum((y - mean_y) ** 2 for y in ys)
    return 1.0 - ss_res / ss_tot if ss_tot else 1.0


def plot(results: List[Dict[str, Any]], path: Path) -> None:
    import matplotlib  # type: ignore[import-not-found, unused-ignore]

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]

    sizes = [r["size_mib"] for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(sizes, [r["seconds"] for r in results], "o-")
    left.set_xlabel("enclave data (MiB)")
    left.set_ylabel("load time (s)")
    left.set_title("CREATE + ADD_PAGES + INIT, simulator")
    right.plot(sizes, [r["peak_growth_mib"] for r in results], "o-", label="peak RSS growth")
    right.plot(sizes, sizes, "--", label="enclave size")
    right.set_xlabel("enclave data (MiB)")
    right.set_ylabel("MiB")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="MiB, comma-separated (%(default)s)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--heaps", default=",".join(map(str, DEFAULT_HEAPS)),
                        help="heap series, MiB, comma-separated (%(default)s)")
    parser.add_argument("--plot", type=Path, help="write a PNG of time and memory by size")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--heap", choices=("zero", "staged"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        if args.heap:
            print(json.dumps(measure_heap(args.child, args.heap == "staged")))
        else:
            print(json.dumps(measure_one(args.child)))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")]
    if 16 not in sizes:
        sizes.append(16)
    results = [fastest_child(size) for size in sorted(sizes)]
    print(f"{'MiB':>5} {'pages':>7} {'seconds':>8} {'MiB/s':>7} {'peak+MiB':>9} {'SEH calls':>9} "
          f"{'calls/page':>10}")
    for r in results:
        print(f"{r['size_mib']:>5} {r['pages']:>7} {r['seconds']:>8.3f} {r['mib_per_s']:>7.1f} "
              f"{r['peak_growth_mib']:>9.1f} {r['seh_calls']:>9} {r['seh_calls_per_page']:>10.5f}")
    if args.plot:
        try:
            plot(results, args.plot)
            print(f"plot: {args.plot}")
        except ImportError:
            print("plot: skipped, matplotlib is not installed")
    heaps = heap_series(sorted({int(s) for s in args.heaps.split(",")} | {1024}))
    if args.json:
        print(json.dumps({"load": results, "heap": heaps, "cpu_count": os.cpu_count()}))
    b1 = next(r for r in results if r["size_mib"] == 16)["seh_calls_per_page"]
    r2 = r_squared([r["size_mib"] for r in results], [r["seconds"] for r in results])
    gib = next(r for r in heaps if r["heap_mib"] == 1024 and not r["staged"])
    heap_s, heap_rss = gib["seconds"], gib["peak_growth_mib"]
    print(f"BENCH B1 seh_calls_per_page={b1:.5f} goal<={B1_GOAL:.4f} {verdict(b1 <= B1_GOAL)}")
    print(f"BENCH B4 load_time_linearity_r2={r2:.4f} goal>={B4_GOAL} {verdict(r2 >= B4_GOAL)}; "
          f"heap_1gib_s={heap_s:.3f} goal<={HEAP_GOAL_S} {verdict(heap_s <= HEAP_GOAL_S)}; "
          f"heap_1gib_rss_mib={heap_rss:.1f} goal<={HEAP_GOAL_RSS_MIB} "
          f"{verdict(heap_rss <= HEAP_GOAL_RSS_MIB)}")
    return 0


def heap_series(sizes: List[int]) -> List[Dict[str, Any]]:
    """Each heap size with zero pages, and staged as well up to STAGED_UP_TO; printed."""
    heaps = []
    for size in sizes:
        heaps.append(run_child(size, "--heap", "zero"))
        if size <= STAGED_UP_TO:
            heaps.append(run_child(size, "--heap", "staged"))
    print(f"\n{'heap MiB':>8} {'added as':>8} {'pages':>8} {'seconds':>8} {'CPU s':>7} "
          f"{'peak+MiB':>9} {'SEH calls':>9}")
    for r in heaps:
        how = "staged" if r["staged"] else "zero"
        print(f"{r['heap_mib']:>8} {how:>8} {r['pages']:>8} {r['seconds']:>8.3f} "
              f"{r['cpu_seconds']:>7.3f} {r['peak_growth_mib']:>9.1f} {r['seh_calls']:>9}")
    return heaps


if __name__ == "__main__":
    sys.exit(main())
