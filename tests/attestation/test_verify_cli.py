"""`vmpl-sgx verify`: exit status by the result, --json, a policy file."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from vmpl_sgx import cli
from vmpl_sgx._abi import Attr
from vmpl_sgx.attestation import cert_table
from vmpl_sgx.seh.identity import EnclaveIdentity
from vmpl_sgx.seh.quoting import QuoteSizes
from vmpl_sgx.seh.trust import SehTrust

NONCE = hashlib.sha512(b"cli nonce").digest()
ENCLAVE = EnclaveIdentity(b"C" * 32, b"D" * 32, int(Attr.INIT | Attr.MODE64BIT), 3, 0, 2, 7)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    trust = SehTrust()
    report = trust.ereport(ENCLAVE, trust.quoting_targetinfo(), bytes(64))
    quote = trust.quote(bytes(report), NONCE, QuoteSizes(8192, 8192, 16384))
    folder = tmp_path_factory.mktemp("verify")
    (folder / "quote.bin").write_bytes(quote.to_bytes())
    (folder / "nonce.bin").write_bytes(NONCE)
    table = cert_table.decode(quote.certificates)
    (folder / "ark.der").write_bytes(table[cert_table.ARK_GUID])
    # The model's ASK and ARK as AMD's key distribution service serves a cert_chain.
    chain = [table[cert_table.ASK_GUID], table[cert_table.ARK_GUID]]
    (folder / "chain.pem").write_text("".join(_pem(der) for der in chain))
    names = ("quote.bin", "nonce.bin", "ark.der", "chain.pem")
    return {name: str(folder / name) for name in names}


def _pem(der: bytes) -> str:
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join(["-----BEGIN CERTIFICATE-----", *lines, "-----END CERTIFICATE-----", ""])


def run(files: dict[str, str], *options: str) -> int:
    base = ["verify", files["quote.bin"], "--anchor", files["ark.der"], "--nonce", NONCE.hex()]
    return cli.main([*base, *options])


def test_a_good_quote_exits_0_and_prints_the_identity(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(files, "--json", "--mrenclave", (b"C" * 32).hex(), "--min-isvsvn", "7") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["verified"] is True
    assert shown["mrsigner"] == (b"D" * 32).hex()
    assert shown["isv_svn"] == 7
    assert shown["product"] == "Milan-B0"


def test_a_failed_check_exits_5_and_names_it(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(files, "--json", "--mrenclave", (b"X" * 32).hex()) == cli.EXIT_NOT_TRUSTED
    shown = json.loads(capsys.readouterr().out)
    assert shown["error"]["type"] == "MrenclaveMismatchError"
    assert shown["error"]["message"].startswith("mrenclave:")
    assert run(files, "--mrsigner", (b"D" * 32).hex(), "--min-isvsvn", "8") == 5
    other = cli.main(
        [
            "verify",
            files["quote.bin"],
            "--anchor",
            files["ark.der"],
            "--nonce-file",
            files["quote.bin"],  # not the nonce
            "--mrsigner",
            (b"D" * 32).hex(),
        ]
    )
    assert other == 5


def test_a_policy_file(files: dict[str, str], tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"mrsigner": (b"D" * 32).hex(), "min_tcb": [3, 0, 8, 115]}))
    assert run(files, "--policy", str(policy)) == 0
    policy.write_text(json.dumps({"mrsigner": (b"D" * 32).hex(), "min_tcb": [3, 0, 9, 115]}))
    assert run(files, "--policy", str(policy)) == 5
    assert run(files, "--policy", str(policy), "--min-tcb", "3,0,8,115") == 0  # options win
    policy.write_text(json.dumps({"mrsigner": (b"D" * 32).hex(), "colour": "blue"}))
    assert run(files, "--policy", str(policy)) == cli.EXIT_USAGE


def test_usage_errors(files: dict[str, str]) -> None:
    assert run(files) == cli.EXIT_USAGE  # neither MRENCLAVE nor MRSIGNER expected
    with pytest.raises(SystemExit) as caught:
        run(files, "--mrenclave", "abcd")
    assert caught.value.code == cli.EXIT_USAGE


def test_an_amd_chain_file_instead_of_an_anchor(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["verify", files["quote.bin"], "--nonce", NONCE.hex(), "--mrsigner", (b"D" * 32).hex()]
    assert cli.main([*base, "--amd-chain", files["chain.pem"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verified"] is True
    assert cli.main([*base, "--amd-chain", files["ark.der"], "--json"]) == 5  # DER, one cert
    assert json.loads(capsys.readouterr().out)["error"]["type"] == "AmdChainError"
