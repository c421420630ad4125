"""`make bench`: every benchmark, ending with one `BENCH <id> ...` line per goal.

B2 (measurement against hashlib) and the simulator's B1 and B4 run here; B1 on the real
module and B3 (GET_INFO from Python against C) run in a Debian 6.12 guest under QEMU
through the VM tier's harness, which needs root and apt; without them those lines say
SKIP and why. Numbers and method: docs/performance.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[1]
B3_GOAL = 3.0


def run_script(args: List[str]) -> List[str]:
    """Run a benchmark script, echo its output, return its BENCH lines."""
    out = subprocess.run(
        [sys.executable, *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    print(out, end="")
    return [line for line in out.splitlines() if line.startswith("BENCH ")]


def device_benchmarks() -> List[str]:
    sys.path.insert(0, str(ROOT))
    from tests.vm.run import check_prereqs, run_kernel

    missing = check_prereqs(("backports",))
    if missing:
        reason = "; ".join(missing)
        return [f"BENCH B1-device SKIP {reason}", f"BENCH B3 SKIP {reason}"]
    run = run_kernel("backports", ROOT / "benchmarks" / "vm_bench.sh", ROOT / "kernel_module")
    bench = Path(run.boot.results_dir) / "bench.json"
    if not run.ok or not bench.exists():
        raise SystemExit(f"the benchmark guest failed: {run.boot.failure()}")
    data = json.loads(bench.read_text())
    print(json.dumps(data, indent=1))
    b1 = data["device"]["b1"]["seh_calls_per_page"]
    ratio = data["device"]["b3_python_get_info_ns"] / data["c_get_info_ns"]
    return [
        f"BENCH B1-device seh_calls_per_page={b1:.5f} goal<=0.0625 "
        f"{'PASS' if b1 <= 1 / 16 else 'FAIL'}",
        f"BENCH B3 null_ioctl_py_over_c={ratio:.2f} goal<={B3_GOAL} "
        f"{'PASS' if ratio <= B3_GOAL else 'FAIL'}",
    ]


def main() -> int:
    lines = run_script(["benchmarks/measure_bench.py"])
    lines += run_script(["benchmarks/load_bench.py", "--plot", "docs/load-scaling.png"])
    lines += device_benchmarks()
    print()
    order = {"B1": 0, "B1-device": 1, "B2": 2, "B3": 3, "B4": 4}
    for line in sorted(set(lines), key=lambda text: order.get(text.split()[1], 9)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
