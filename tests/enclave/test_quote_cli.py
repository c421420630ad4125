"""`vmpl-sgx quote` pipes into `vmpl-sgx verify`: the attest sample's quote on the simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict

import pytest

from vmpl_sgx import cli

NONCE = "cd" * 64


def test_a_quote_from_the_command_line_verifies(
    images: Dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quote, ark = tmp_path / "quote.bin", tmp_path / "ark.der"
    argv = ["quote", str(images["attest"]), "--backend", "simulator", "--nonce", NONCE]
    argv += ["--report-data", "6b6579", "-o", str(quote), "--save-ark", str(ark), "--json"]
    assert cli.main(argv) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["nonce"] == NONCE
    assert shown["sizes"][0] == 1184
    verify = ["verify", str(quote), "--anchor", str(ark), "--allow-debug", "--json"]
    verify += ["--mrenclave", shown["mrenclave"]]
    assert cli.main([*verify, "--nonce", NONCE]) == 0
    verified = json.loads(capsys.readouterr().out)
    assert verified["report_data"].startswith("6b6579")
    assert cli.main([*verify, "--nonce", "ef" * 64]) == cli.EXIT_NOT_TRUSTED
    capsys.readouterr()


def test_json_and_a_quote_on_stdout_are_refused(images: Dict[str, Path]) -> None:
    argv = ["quote", str(images["attest"]), "--backend", "simulator", "-o", "-", "--json"]
    assert cli.main(argv) == cli.EXIT_USAGE
