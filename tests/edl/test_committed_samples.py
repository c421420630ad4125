"""The committed host modules of the EDL samples are exactly what `vmpl-sgx edger8r` writes
from their EDL files today (they are generated files: regenerate, never edit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmpl_sgx import samples
from vmpl_sgx.edl.command import generate

SAMPLES = Path(samples.__file__).resolve().parent


@pytest.mark.parametrize("name", sorted(samples.EDL_SAMPLES))
def test_committed_host_module_matches_the_generator(name: str, tmp_path: Path) -> None:
    edl_file, _ = samples.EDL_SAMPLES[name]
    written = generate(SAMPLES / edl_file, tmp_path, trusted=False, untrusted=True)
    module = f"{name}_u.py"
    assert written[module].read_text() == (SAMPLES / module).read_text(), (
        f"samples/{module} differs from what edger8r generates from {edl_file}: "
        f"run `vmpl-sgx edger8r --untrusted` on it again"
    )
