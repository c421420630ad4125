"""Enclave pages are kept compactly: loading 256 MiB costs at most about 1.3x that in memory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter so that the numbers are this load's alone. Like the module, it
# reuses one set of 128 bounce pages for every ADD_PAGES call.
LOAD = textwrap.dedent(
    """
    import gc, sys
    from tests.seh.helpers import REG_RW, Harness, make_secs
    from vmpl_sgx._abi import PAGE_SIZE, SehAddPagesReq, SehCall

    def status(field):
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise LookupError(field)

    size = int(sys.argv[1])
    harness = Harness()
    handle = harness.created(make_secs(size=1 << 30, base=0))
    bounce = [harness.guest.page(bytes([index]) * PAGE_SIZE) for index in range(128)]
    request = SehAddPagesReq(handle=handle, count=128)
    gc.collect()
    before = status("VmRSS")
    for start in range(0, size, 128 * PAGE_SIZE):
        for index, desc in enumerate(request.pages):
            desc.src_gpa, desc.offset = bounce[index], start + index * PAGE_SIZE
            desc.secinfo_flags, desc.flags = REG_RW, 1
        assert harness.call(SehCall.ADD_PAGES, request).result == 0
    print((status("VmHWM") - before) / size)
    """
)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_loading_256_mib_takes_at_most_1_3x_memory() -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "sdk"), str(ROOT)]))
    result = subprocess.run(
        [sys.executable, "-c", LOAD, str(256 << 20)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    ratio = float(result.stdout)
    assert 1.0 <= ratio <= 1.3, ratio
