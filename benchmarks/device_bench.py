"""Benchmarks that need the real module (run inside the test guest by benchmarks/vm_bench.sh).

B1: SEH calls per loaded page for a 16 MiB measured enclave, read from the module's
debugfs counters, plus the ioctl syscalls the load took.
B3: GET_INFO from the Python SDK (ns per call), to set against the C client's figure.
Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Dict

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sdk"))

from vmpl_sgx._abi import IOC_GET_INFO, PAGE_SIZE, Info
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.layout import Layout, Region, load, reg_flags, sign
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.selection import open_backend

STATS = Path("/sys/kernel/debug/vmpl_sgx/stats")
MIB = 1 << 20


def counters() -> Dict[str, int]:
    pairs = (line.split() for line in STATS.read_text().splitlines())
    return {name: int(value) for name, value in pairs}


class CountingBackend:
    """Counts the ioctl syscalls a load makes, passing each through."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.ioctls = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def ioctl(self, cmd: int, arg: object) -> int:
        self.ioctls += 1
        return self.inner.ioctl(cmd, arg)  # type: ignore[attr-defined, no-any-return]


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
    backend = CountingBackend(open_backend("device"))
    start = time.perf_counter()
    with Enclave(backend) as enclave:  # type: ignore[arg-type]
        load(enclave, layout, sigstruct)
        seconds = time.perf_counter() - start
    after = counters()
    calls = sum(v for k, v in after.items() if k.startswith("calls.") and k != "calls.destroy")
    return {
        "pages": layout.page_count,
        "seh_calls": calls,
        "seh_calls_per_page": calls / layout.page_count,
        "ioctl_syscalls": backend.ioctls,
        "load_seconds": seconds,
    }


def b3_python_get_info_ns(calls: int = 20000) -> float:
    backend = open_backend("device")
    buffer = bytearray(Info())
    ioctl = backend.ioctl
    for _ in range(100):
        ioctl(IOC_GET_INFO, buffer)
    start = time.perf_counter_ns()
    for _ in range(calls):
        ioctl(IOC_GET_INFO, buffer)
    elapsed = time.perf_counter_ns() - start
    backend.close()
    return elapsed / calls


def main() -> int:
    result = {"b1": b1_calls_per_page(), "b3_python_get_info_ns": b3_python_get_info_ns()}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
