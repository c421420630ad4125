"""The guest script's fuzz step: the fixed seed, then a fresh random seed named in the summary."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Stands in for the guest's Python: records each fuzz run's arguments, answers the seed draw.
STUB_PYTHON = """#!/bin/sh
if [ "$1" = "-c" ]; then echo 3141592653; exit 0; fi
echo "$*" >> "$RESULTS/runs"
"""

STEP = """
set -u
now() { echo 0; }
summary=""; rc=0
note() { summary="${summary:+$summary, }$1"; }
fail() { note "$1"; rc=1; }
. tests/vm/fuzz_runs.sh
fuzz_runs
echo "VMTIER $summary"
"""


def _run(tmp_path: Path, random_seed: str) -> tuple[str, str]:
    python = tmp_path / "python"
    python.write_text(STUB_PYTHON)
    python.chmod(0o755)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHON": str(python),
        "RESULTS": str(tmp_path),
        "FUZZ_SEED": "20240601",
        "FUZZ_CALLS": "7",
        "FUZZ_RANDOM_SEED": random_seed,
    }
    done = subprocess.run(
        ["sh", "-c", STEP], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout, (tmp_path / "runs").read_text()


def test_fixed_seed_then_a_fresh_one(tmp_path: Path) -> None:
    out, runs = _run(tmp_path, "")
    assert runs.splitlines() == [
        "-m tests.vm.fuzz --seed 20240601 --calls 7",
        "-m tests.vm.fuzz --seed 3141592653 --calls 7",
    ]
    assert re.search(r"fuzz=7 calls seed 20240601 \(0s\), fuzz_random=7 calls seed 3141592653", out)


def test_random_seed_can_be_replayed(tmp_path: Path) -> None:
    out, runs = _run(tmp_path, "99")
    assert runs.splitlines()[1] == "-m tests.vm.fuzz --seed 99 --calls 7"
    assert "fuzz_random=7 calls seed 99" in out
