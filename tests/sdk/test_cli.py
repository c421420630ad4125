"""The vmpl-sgx command: output, JSON, exit statuses."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest

from vmpl_sgx import cli
from vmpl_sgx.backend import BACKEND_ENV
from vmpl_sgx.layout import mrenclave, sample_layout
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.sigstruct import read_params, verify_sigstruct

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_MRENCLAVE = mrenclave(sample_layout()).hex()


def run_module(*args: str, env: Dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "sdk"))
    environment.pop(BACKEND_ENV, None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "vmpl_sgx", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=False,
    )


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> Tuple[int, str, str]:
    status = cli.main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def key_file(tmp_path: Path, rsa_key: RsaPrivateKey) -> Path:
    path = tmp_path / "key.pem"
    path.write_text(rsa_key.to_pkcs1_pem())
    return path


# ---- as a program


def test_info_json() -> None:
    result = run_module("info", "--json", "--backend", "simulator")
    assert result.returncode == 0, result.stderr
    info: Dict[str, Any] = json.loads(result.stdout)
    assert info["backend"] == "simulator"
    assert info["transport"] == "simulator"
    assert info["api_version"] == 1
    assert info["seh_protocol"] == 0x5E
    assert info["max_pages_per_call"] == 128
    assert set(info["capabilities"]) <= {
        "run", "ocall", "exception_info", "zero_pages", "exception_rip", "model_root_secret"
    }
    assert "model_root_secret" in info["capabilities"]
    assert info["key_root"] == "model secret"


def test_info_human_on_the_environment_backend() -> None:
    result = run_module("info", env={BACKEND_ENV: "simulator"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split() == ["backend", "simulator"]
    assert "max enclave size   64 GiB" in result.stdout
    assert "key root           model secret, not hardware" in result.stdout


def test_missing_device_exits_3() -> None:
    result = run_module("info", "--json", "--backend", "device", "--device", "/nonexistent/x")
    assert result.returncode == cli.EXIT_NO_BACKEND
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "DeviceMissingError"
    assert error["errno"] == "ENOENT"
    assert "module loaded" in result.stderr


def test_usage_errors_exit_2() -> None:
    assert run_module().returncode == cli.EXIT_USAGE
    assert run_module("frobnicate").returncode == cli.EXIT_USAGE
    assert run_module("info", "--backend", "quantum").returncode == cli.EXIT_USAGE


def _one_line_usage_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == cli.EXIT_USAGE, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--isvsvn", "70000", "argument --isvsvn: 70000 is not in 0..65535"),
        ("--isvprodid", "-1", "argument --isvprodid: -1 is not in 0..65535"),
        ("--isvprodid", "0x10000", "argument --isvprodid: 0x10000 is not in 0..65535"),
        ("--isvsvn", "ten", "argument --isvsvn: 'ten' is not a number"),
    ],
)
def test_bad_numbers_are_usage_errors(option: str, value: str, said: str) -> None:
    line = _one_line_usage_error(
        run_module("sign", "sample", "--key", "k.pem", "-o", "s.bin", option, value)
    )
    assert line.startswith("vmpl-sgx sign: error: ") and said in line


def test_a_bogus_backend_in_the_environment_is_a_usage_error() -> None:
    line = _one_line_usage_error(run_module("info", env={BACKEND_ENV: "bogus"}))
    assert "$VMPL_SGX_BACKEND='bogus'" in line


def test_a_non_json_layout_is_a_usage_error(tmp_path: Path) -> None:
    layout = tmp_path / "layout.json"
    layout.write_text("not json")
    assert "not JSON" in _one_line_usage_error(run_module("measure", str(layout)))


def test_build_is_a_listed_command() -> None:
    assert "build" in run_module("--help").stdout
    assert "'build'" in _one_line_usage_error(run_module("frobnicate"))
    line = _one_line_usage_error(run_module("build"))
    assert line.startswith("vmpl-sgx build: error: ")
    assert run_module("build", "-h").stdout.startswith("usage: vmpl-sgx build ")


def test_verbose_says_each_thing_once(key_file: Path) -> None:
    result = run_module("demo", "-v", "--backend", "simulator", "--key", str(key_file))
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("using the simulator backend") == 1
    assert "vmpl_sgx: vmpl_sgx:" not in result.stderr


def test_demo_checks_the_device_before_making_a_key() -> None:
    result = run_module("demo", "--backend", "device", "--device", "/nonexistent/x")
    assert result.returncode == cli.EXIT_NO_BACKEND
    assert "generating" not in result.stderr


def test_help_documents_exit_statuses_and_the_layout_format() -> None:
    top = run_module("--help").stdout
    assert "exit status" in top and "4  the enclave was rejected" in top
    assert '"regions"' in run_module("measure", "--help").stdout


def test_version() -> None:
    assert run_module("--version").stdout.startswith("vmpl-sgx ")


# ---- in process


def test_measure_sample(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_main(capsys, "measure", "sample", "--json")
    assert status == 0
    assert json.loads(out) == {"mrenclave": SAMPLE_MRENCLAVE, "pages": 7, "size": 0x10000}
    status, out, _ = run_main(capsys, "measure", "sample")
    assert out.splitlines()[0] == f"MRENCLAVE          {SAMPLE_MRENCLAVE}"


def test_measure_json_layout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    layout = tmp_path / "l.json"
    layout.write_text(
        json.dumps(
            {
                "size": 8192,
                "base": 0,
                "regions": [{"offset": 0, "permissions": "rw", "hex": "00"}],
            }
        )
    )
    status, out, _ = run_main(capsys, "measure", str(layout), "--json")
    assert status == 0 and json.loads(out)["pages"] == 1


def test_bad_layout_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run_main(capsys, "measure", str(tmp_path / "none.json"), "--json")
    assert status == cli.EXIT_USAGE
    assert json.loads(out)["error"]["exit_status"] == cli.EXIT_USAGE
    assert "none.json" in err


def test_keygen(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "new.pem"
    status, out, _ = run_main(capsys, "keygen", str(path), "--json")
    assert status == 0
    key = RsaPrivateKey.from_pem(path.read_bytes())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(out)["key"] == str(path)
    assert len(json.loads(out)["mrsigner"]) == 64
    status, _, err = run_main(capsys, "keygen", str(path))
    assert status == cli.EXIT_USAGE and "--force" in err
    assert RsaPrivateKey.from_pem(path.read_bytes()) == key


def test_sign(capsys: pytest.CaptureFixture[str], tmp_path: Path, key_file: Path) -> None:
    output = tmp_path / "enclave.sig"
    args = ("sign", "sample", "--key", str(key_file), "-o", str(output), "--isvsvn", "2")
    status, out, _ = run_main(capsys, *args, "--json")
    assert status == 0
    sigstruct = output.read_bytes()
    verify_sigstruct(sigstruct)
    assert read_params(sigstruct).enclavehash.hex() == SAMPLE_MRENCLAVE
    assert read_params(sigstruct).isvsvn == 2
    printed = json.loads(out)
    assert printed["mrenclave"] == SAMPLE_MRENCLAVE
    assert len(printed["mrsigner"]) == 64


def test_sign_takes_hex_numbers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, key_file: Path
) -> None:
    output = tmp_path / "enclave.sig"
    args = ("sign", "sample", "--key", str(key_file), "-o", str(output))
    status, _, _ = run_main(capsys, *args, "--isvprodid", "0x1234", "--isvsvn", "0xffff")
    assert status == 0
    params = read_params(output.read_bytes())
    assert (params.isvprodid, params.isvsvn) == (0x1234, 0xFFFF)


def test_sign_with_a_bad_key_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    status, _, err = run_main(capsys, "sign", "sample", "--key", str(bad), "-o", "x")
    assert status == cli.EXIT_USAGE and "bad.pem" in err


def test_demo(capsys: pytest.CaptureFixture[str], key_file: Path) -> None:
    args = ("demo", "--backend", "simulator", "--key", str(key_file), "--json")
    status, out, _ = run_main(capsys, *args)
    assert status == 0
    result = json.loads(out)
    assert result["backend"] == "simulator"
    assert result["mrenclave"] == SAMPLE_MRENCLAVE
    assert result["state"] == "initialized"
    assert result["pages"] == 7
    # The identity EINIT gave it: INIT | DEBUG | MODE64BIT for the sample, ISV fields 0.
    assert (result["attributes"], result["isvprodid"], result["isvsvn"]) == (7, 0, 0)


def test_demo_human(capsys: pytest.CaptureFixture[str], key_file: Path) -> None:
    status, out, _ = run_main(capsys, "demo", "--backend", "simulator", "--key", str(key_file))
    assert status == 0
    # The sample enclaves ran: the SHA-256 enclave agrees with hashlib, the ocall
    # enclave built its answer from the host's records, the host survived a crash.
    assert out.count("matches hashlib") == 3
    assert "DIFFERS" not in out
    assert "'measured|signed|loaded|run' from 4 ocalls" in out
    assert "faulted: #PF reading 0x0" in out and "vector 14" in out


def test_demo_of_a_rejected_enclave_exits_4(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, key_file: Path
) -> None:
    layout = tmp_path / "l.json"
    layout.write_text(
        json.dumps(
            {
                "size": 8192,
                "base": 0,
                "ssa_frame_size": 0,  # ECREATE refuses it
                "regions": [{"offset": 0, "permissions": "rw"}],
            }
        )
    )
    args = ("demo", str(layout), "--backend", "simulator", "--key", str(key_file), "--json")
    status, out, err = run_main(capsys, *args)
    assert status == cli.EXIT_REJECTED
    error = json.loads(out)["error"]
    assert (error["ioctl"], error["errno"]) == ("ENCLAVE_CREATE", "EIO")
    assert "ECREATE" in err


def test_progress_line_only_after_a_while() -> None:
    stream = io.StringIO()
    line = cli.ProgressLine(stream, "loading")
    line(1, 2)
    assert stream.getvalue() == ""
    line.started -= 0.6
    line(1, 2)
    assert stream.getvalue() == ""  # under a second: no bar
    line.started -= 10
    line(1 << 20, 2 << 20)
    assert f"loading: [{'#' * 15}{' ' * 15}] 1.0 of 2.0 MiB (50%)" in stream.getvalue()
    line.close()
    assert stream.getvalue().endswith("\r\033[K")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_demo_shows_a_progress_bar_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, key_file: Path
) -> None:
    layout = tmp_path / "l.json"
    layout.write_text(
        json.dumps({"size": 8192, "base": 0, "regions": [{"offset": 0, "permissions": "rw"}]})
    )
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(cli, "_PROGRESS_DELAY_S", 0.0)  # this load is quicker than a second
    args = ["demo", str(layout), "--backend", "simulator", "--key", str(key_file)]
    assert cli.main(args) == cli.EXIT_OK
    assert "\rloading: [" in terminal.getvalue()
    assert terminal.getvalue().count("\r\033[K") == 1  # the bar is wiped once done
