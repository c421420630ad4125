"""The host-made chain keys the test guests' SEH models use (tests/vm/model_keys.py)."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from tests.vm import model_keys
from vmpl_sgx.crypto import rsa_pss, x509
from vmpl_sgx.seh.trust import SehTrust


def test_made_once_private_and_used_by_the_seh_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VMPL_SGX_VM_CACHE", str(tmp_path / "cache"))
    path = model_keys.model_keys_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert model_keys.model_keys_file().read_text() == text  # found, not made again

    # Where the guest script puts it: beside the SEH's root secret.
    secret = tmp_path / "state" / "seh-root-secret"
    secret.parent.mkdir()
    shutil.copy(path, secret.with_suffix(".chain.json"))
    chain = SehTrust(secret).chain
    stored = json.loads(text)
    ark = x509.parse_der(chain.ark)
    ask = x509.parse_der(chain.ask)
    assert ark.public_key == rsa_pss.RsaPrivate(*stored["ark"]).public
    assert ask.public_key == rsa_pss.RsaPrivate(*stored["ask"]).public
    assert rsa_pss.verify(ark.public_key, ask.tbs, ask.signature)  # the ARK signed the ASK
