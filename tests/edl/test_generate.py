"""What `vmpl-sgx edger8r` writes: C that compiles warning-free, Python that passes
mypy --strict, and the committed sample module kept in step with its EDL."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vmpl_sgx import cli
from vmpl_sgx.build import CFLAGS, INCLUDE_DIR, compiler
from vmpl_sgx.edl.command import generate, outputs
from vmpl_sgx.edl.parser import parse_file
from vmpl_sgx.samples import EDL_SAMPLES, SAMPLES_DIR

from .conftest import DATA

ROOT = Path(__file__).resolve().parents[2]


def _compile(c_file: Path, *include_dirs: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("cc") is None:
        pytest.skip("no C compiler (cc)")
    command = [
        *compiler(), *CFLAGS, "-Werror", "-c", "-o", str(c_file.with_suffix(".o")),
        *(f"-I{directory}" for directory in (*include_dirs, INCLUDE_DIR)), str(c_file),
    ]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_intel_style_edl_compiles_unchanged(tmp_path: Path) -> None:
    written = generate(DATA / "intel_style.edl", tmp_path)
    assert sorted(written) == ["intel_style_t.c", "intel_style_t.h", "intel_style_u.py"]
    result = _compile(written["intel_style_t.c"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # not even a warning with -Wall -Wextra
    header = written["intel_style_t.h"].read_text()
    assert "void ecall_pointer_in(int *val);" in header
    assert "uint64_t ocall_pointer_out(int32_t *arr);" in header


@pytest.mark.slow
def test_generated_python_passes_mypy_strict(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    for edl in ("intel_style.edl", "kitchen.edl"):
        generate(DATA / edl, tmp_path, untrusted=True, trusted=False)
    user = tmp_path / "use_kitchen.py"
    user.write_text(
        "from kitchen_u import KitchenApp\n\n\n"
        "def total(app: KitchenApp) -> int:\n"
        "    app.on_ocall_print(lambda line: None)\n"
        "    return app.sum(b'', 0) + int(app.half(1.0, 2.0))\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "intel_style_u.py", "kitchen_u.py", "use_kitchen.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        env={"MYPYPATH": str(ROOT / "sdk"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # And a wrongly typed call is caught.
    user.write_text(
        "from kitchen_u import KitchenApp\n\n\n"
        "def wrong(app: KitchenApp) -> str:\n"
        "    return app.sum('text', 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "use_kitchen.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        env={"MYPYPATH": str(ROOT / "sdk"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert "incompatible type" in result.stdout and "Incompatible return" in result.stdout


@pytest.mark.parametrize("name", sorted(EDL_SAMPLES))
def test_committed_sample_modules_are_current(name: str) -> None:
    interface = parse_file(SAMPLES_DIR / EDL_SAMPLES[name][0])
    text = outputs(interface, trusted=False)[f"{interface.name}_u.py"]
    committed = SAMPLES_DIR / f"{interface.name}_u.py"
    hint = f"regenerate: vmpl-sgx edger8r --untrusted -o {SAMPLES_DIR}"
    assert committed.read_text() == text, hint


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = outputs(parse_file(DATA / "kitchen.edl"))
    assert first == outputs(parse_file(DATA / "kitchen.edl"))


def test_cli_writes_files_and_reports_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["edger8r", str(DATA / "kitchen.edl"), "-o", str(tmp_path), "--trusted"]) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kitchen_t.c", "kitchen_t.h"]
    bad = tmp_path / "bad.edl"
    bad.write_text("enclave {\n  trusted {\n    public void f(int *p);\n  };\n};\n")
    assert cli.main(["edger8r", str(bad), "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3: f(p): a pointer needs" in err
    assert "Traceback" not in err


def test_build_reports_edl_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "e.c"
    source.write_text("")
    bad = tmp_path / "bad.edl"
    bad.write_text("enclave {\n  trusted {\n    public void f(struct s x);\n  };\n};\n")
    status = cli.main(["build", "--edl", str(bad), "-o", str(tmp_path / "e.elf"), str(source)])
    assert status == 1
    assert f"{bad}:3: struct types are not supported" in capsys.readouterr().err
