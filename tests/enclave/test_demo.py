"""The shipped demo runs end to end on the simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest

from vmpl_sgx.samples import demo


def test_demo_runs(images: Dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main([]) == 0
    out = capsys.readouterr().out
    assert out.count("matches hashlib") == 3
    assert "'measured|signed|loaded|run' from 4 ocalls" in out
    assert "vector 14" in out and "still counts: 2" in out
    assert "peer checked attest's report with its own report key: OK; one byte changed: " \
        "AUTH_FAILED" in out
    assert "attest checked peer's report: OK" in out
    assert "attest, reloaded, unseals its MRENCLAVE-bound blob: 'the database key'" in out
    assert "peer (another MRENCLAVE) is refused it: AUTH_FAILED" in out
    assert "peer (the same signer) unseals the MRSIGNER-bound blob: 'the database key'" in out
    assert "remote attestation: a quote from simulator" in out
    assert "REPORTDATA bound" in out
    assert "(other nonce) is refused: report-data" in out
    assert "unless debug is allowed: debug" in out
