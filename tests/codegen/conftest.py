"""Helpers for the generator gates: a scratch copy of the parts of the tree the generator reads."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.render import OUTPUTS

ROOT = Path(__file__).resolve().parents[2]


def run_codegen(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codegen", "--root", str(root), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A copy of the spec and every committed generated output."""
    shutil.copytree(ROOT / "abi", tmp_path / "abi")
    for out in OUTPUTS:
        dest = tmp_path / out.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / out.path, dest)
    return tmp_path
