"""A native reference for B3: a null ioctl from C, bare fcntl and the SDK's ioctl layer.

B3 proper runs in a QEMU/TCG guest, where every instruction is emulated and interpreted
Python suffers far more than one system call does. This script makes the same comparison
on the machine itself, without emulation, on an ioctl every Linux kernel has: FIONREAD on a
FIFO, through the same `DeviceBackend.ioctl` the SDK uses for the device. It prints a table
and one JSON line; it is not a goal of its own.
"""

from __future__ import annotations

import fcntl
import json
import os
import statistics
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sdk"))

from vmpl_sgx.device import DeviceBackend

HERE = Path(__file__).resolve().parent
CALLS = 200_000
ROUNDS = 5


def c_ns(binary: Path, fifo: Path) -> float:
    out = subprocess.run([str(binary), str(fifo), str(CALLS)], check=True,
                         capture_output=True, text=True).stdout
    return float(out)


def python_ns(fifo: Path) -> Dict[str, float]:
    backend = DeviceBackend(str(fifo))
    fd = backend.fileno()
    buffer = bytearray(4)
    bare = fcntl.ioctl
    ioctl = backend.ioctl
    request = termios.FIONREAD
    for _ in range(1000):
        ioctl(request, buffer)
    start = time.perf_counter_ns()
    for _ in range(CALLS):
        bare(fd, request, buffer, True)
    middle = time.perf_counter_ns()
    for _ in range(CALLS):
        ioctl(request, buffer)
    end = time.perf_counter_ns()
    backend.close()
    return {"fcntl_ns": (middle - start) / CALLS, "sdk_ioctl_ns": (end - middle) / CALLS}


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        binary = Path(scratch) / "null_ioctl"
        subprocess.run(["gcc", "-O2", "-o", str(binary), str(HERE / "null_ioctl.c")], check=True)
        fifo = Path(scratch) / "fifo"
        os.mkfifo(fifo)
        c: List[float] = []
        bare: List[float] = []
        sdk: List[float] = []
        for _ in range(ROUNDS):  # interleaved, so a change in machine load hits all three
            c.append(c_ns(binary, fifo))
            py = python_ns(fifo)
            bare.append(py["fcntl_ns"])
            sdk.append(py["sdk_ioctl_ns"])
    result = {
        "c_ns": statistics.median(c),
        "fcntl_ns": statistics.median(bare),
        "sdk_ioctl_ns": statistics.median(sdk),
    }
    result["sdk_over_c"] = result["sdk_ioctl_ns"] / result["c_ns"]
    print(f"native null ioctl (FIONREAD on a FIFO), median of {ROUNDS} x {CALLS} calls:")
    print(f"  C {result['c_ns']:.0f} ns, fcntl.ioctl {result['fcntl_ns']:.0f} ns, "
          f"SDK ioctl layer {result['sdk_ioctl_ns']:.0f} ns: "
          f"{result['sdk_over_c']:.2f}x C")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
