"""The tier's own makes run free of an outer make's jobserver (tests/vm/proc.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.vm.proc import own_make_env

ROOT = Path(__file__).resolve().parents[2]
INNER = """
import subprocess, sys
sys.path.insert(0, {root!r})
from tests.vm.proc import own_make_env
env = own_make_env() if sys.argv[1] == "own" else None
done = subprocess.run(["make", "-j2", "-f", {inner!r}], env=env, capture_output=True,
                      text=True)
print(done.stdout + done.stderr)
"""


@pytest.mark.parametrize("which", ["inherited", "own"])
def test_an_inner_make_under_make_j2_warns_only_with_the_inherited_environment(
    tmp_path: Path, which: str
) -> None:
    if shutil.which("make") is None:
        pytest.skip("no make")
    inner = tmp_path / "inner.mk"
    inner.write_text("all:\n\t@echo inner\n")
    script = tmp_path / "inner.py"
    script.write_text(INNER.format(root=str(ROOT), inner=str(inner)))
    outer = tmp_path / "outer.mk"
    outer.write_text(f"a:\n\t@{sys.executable} {script} {which}\nb:\n\t@true\n")
    # The outer make must not be inside one itself (as under `make -j2 tox`).
    done = subprocess.run(["make", "-j2", "-f", str(outer), "a", "b"], capture_output=True,
                          text=True, check=True, env=own_make_env())
    assert "inner" in done.stdout
    assert ("jobserver" in done.stdout + done.stderr) == (which == "inherited")


def test_own_make_env_keeps_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAKEFLAGS", " -j2 --jobserver-auth=fifo:/tmp/x")
    monkeypatch.setenv("MAKELEVEL", "1")
    env = own_make_env(LC_ALL="C")
    assert "MAKEFLAGS" not in env and "MAKELEVEL" not in env
    assert env["LC_ALL"] == "C" and env["PATH"]
