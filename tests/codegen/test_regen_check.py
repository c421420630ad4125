"""`python -m codegen --check` guards the committed outputs against drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.render import OUTPUTS

from .conftest import ROOT, run_codegen


def test_check_passes_on_the_committed_tree() -> None:
    result = run_codegen(ROOT, "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_fails_after_a_spec_change(scratch: Path) -> None:
    spec = scratch / "abi" / "vmpl_sgx.yaml"
    text = spec.read_text()
    spec.write_text(text.replace("value: 0x5E", "value: 0x5F", 1))
    result = run_codegen(scratch, "--check")
    assert result.returncode == 1
    assert "VMPL_SGX_SEH_PROTOCOL 0x5F" in result.stdout
    assert "SEH_PROTOCOL: Final = 0x5F" in result.stdout


@pytest.mark.parametrize("output", [o.path for o in OUTPUTS])
def test_check_fails_after_a_hand_edit(scratch: Path, output: str) -> None:
    path = scratch / output
    path.write_text(path.read_text() + "\nhand edit\n")
    result = run_codegen(scratch, "--check")
    assert result.returncode == 1
    assert f"a/{output}" in result.stdout
    assert "+hand edit" not in result.stdout and "-hand edit" in result.stdout


def test_one_command_carries_a_new_field_into_header_and_ctypes(scratch: Path) -> None:
    spec = scratch / "abi" / "vmpl_sgx.yaml"
    text = spec.read_text()
    anchor = "          - {name: max_enclave_size, type: u64,"
    assert anchor in text
    spec.write_text(
        text.replace(anchor, '          - {name: scratch_field, type: u64, doc: "New."}\n' + anchor)
    )
    result = run_codegen(scratch)
    assert result.returncode == 0, result.stderr
    header = (scratch / "kernel_module/include/uapi/linux/vmpl_sgx.h").read_text()
    abi = (scratch / "sdk/vmpl_sgx/_abi.py").read_text()
    asserts = (scratch / "kernel_module/gen/layout_asserts.h").read_text()
    assert "__u64 scratch_field;" in header
    assert '("scratch_field", ctypes.c_uint64)' in abi
    assert "offsetof(struct vmpl_sgx_info, scratch_field) == 40" in asserts
    # The info struct grew, so its ioctl number changed with it.
    assert "sizeof(struct vmpl_sgx_info) == 72" in asserts
    assert "static_assert(VMPL_SGX_IOC_GET_INFO == 0x8048A480U);" in asserts


def test_outputs_are_deterministic(scratch: Path) -> None:
    before = {o.path: (scratch / o.path).read_bytes() for o in OUTPUTS}
    assert run_codegen(scratch).returncode == 0
    after = {o.path: (scratch / o.path).read_bytes() for o in OUTPUTS}
    assert before == after
    for data in after.values():
        assert b"\r\n" not in data
        assert str(ROOT).encode() not in data


def test_every_output_carries_the_banner() -> None:
    for out in OUTPUTS:
        head = (ROOT / out.path).read_text().splitlines()[:6]
        assert any("Do not edit: generated from abi/vmpl_sgx.yaml" in line for line in head)
        assert any("python -m codegen" in line for line in head)
