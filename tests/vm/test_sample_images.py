"""The build cache the host fills for the test guests (tests/vm/sample_images.py): musl's
archive and every sample, found by a process that has only the cache variable, as a guest."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import vmpl_sgx
from tests.vm import sample_images
from vmpl_sgx.samples import SAMPLE_NAMES

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc)")

# Builds every sample in a fresh process and reports which ones ran the compiler.
PROBE = """
import sys, tempfile
from pathlib import Path
import vmpl_sgx.samples as samples
built = []
real = samples._build
samples._build = lambda name, out: built.append(name) or real(name, out)
with tempfile.TemporaryDirectory() as scratch:
    for name in samples.SAMPLE_NAMES:
        samples.build_sample(name, Path(scratch) / name)
print(" ".join(built))
"""


def test_filled_on_the_host_and_read_like_a_guest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VMPL_SGX_VM_CACHE", str(tmp_path / "vm"))
    monkeypatch.delenv(sample_images.CACHE_VARIABLE, raising=False)
    root = sample_images.sample_cache()
    assert sample_images.CACHE_VARIABLE not in os.environ  # restored
    assert len(list(root.glob("musl-*/libvmpl_sgx_musl.a"))) == 1
    kept = sorted(path.name.split("-")[0] for path in root.glob("samples/*.elf"))
    assert kept == sorted(SAMPLE_NAMES)

    sdk = Path(vmpl_sgx.__file__).resolve().parents[1]
    guest = {**os.environ, sample_images.CACHE_VARIABLE: str(root), "TMPDIR": str(tmp_path),
             "PYTHONPATH": str(sdk)}
    ran = subprocess.run([sys.executable, "-c", PROBE], env=guest, capture_output=True,
                         text=True, check=True).stdout
    assert ran.split() == []  # every image came from the cache
    assert sample_images.sample_cache() == root  # a second fill finds everything
