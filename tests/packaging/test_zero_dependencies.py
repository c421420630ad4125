"""The SDK needs nothing but the standard library, at install time and at import time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCES = (
    ".git", ".venv", ".tox", ".cache", "__pycache__", "*.egg-info", "build", "dist",
    ".mypy_cache", ".ruff_cache", ".pytest_cache",
)
"""What the copy of the tree a wheel is built from leaves out: caches and build output."""

IMPORT_PROBE = r"""
import json, os, sys, sysconfig
sys.path.insert(0, sys.argv[1])
before = set(sys.modules)
import vmpl_sgx
import vmpl_sgx.cli
stdlib = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")}
foreign = []
for name, module in sorted(sys.modules.items()):
    if name in before or name.split(".")[0] == "vmpl_sgx":
        continue
    path = getattr(module, "__file__", None)
    if path is None:
        continue  # built into the interpreter
    real = os.path.realpath(path)
    if "site-packages" in real or not any(real.startswith(p + os.sep) for p in stdlib):
        foreign.append((name, real))
print(json.dumps(foreign))
"""


def test_import_loads_only_the_standard_library() -> None:
    result = subprocess.run(
        [sys.executable, "-I", "-c", IMPORT_PROBE, str(ROOT / "sdk")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SDK's wheel, built by the backend pyproject.toml pins, in pip's isolated build
    environment: the interpreter's own setuptools (maybe too old for the PEP 639 license
    field) plays no part. It builds a copy of the tree, because setuptools writes build/
    and *.egg-info into the tree it builds, and tox runs two environments, each with this
    test, at once."""
    source = tmp_path_factory.mktemp("source") / "tree"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    out = tmp_path_factory.mktemp("wheel")
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out),
         str(source)],
        check=True,
        env=env,
        cwd=out,
    )
    (built,) = out.glob("vmpl_sgx-*.whl")
    return built


def test_installing_pulls_nothing(tmp_path: Path, wheel: Path) -> None:
    """Resolve `pip install` of the wheel without any index: any dependency would fail it."""
    report = tmp_path / "report.json"
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-index",
            "--ignore-installed",
            "--quiet",
            "--report",
            str(report),
            str(wheel),
        ],
        check=True,
        env=env,
        cwd=tmp_path,
    )
    installs = json.loads(report.read_text())["install"]
    assert [item["metadata"]["name"] for item in installs] == ["vmpl-sgx"]
    assert installs[0]["metadata"].get("requires_dist", []) == [] or all(
        "extra ==" in req for req in installs[0]["metadata"]["requires_dist"]
    )


def test_wheel_holds_the_sdk_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "vmpl_sgx/py.typed" in names
    assert "vmpl_sgx/_abi.py" in names
    assert not [n for n in names if n.startswith(("codegen/", "tests/", "abi/"))]
