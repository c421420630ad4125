"""The coverage verdict (tests/vm/coverage.py) on recorded tracer output."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.vm import coverage

FUNCTIONS = """\
vmpl_sgx_ioctl
vmpl_sgx_ioc_get_info
lb_read_caa_msr
encl_begin.isra.0
svsm_read_caa_msr
svsm_vmgexit
vmpl_sgx_seh_unbind
"""

KALLSYMS = """\
ffffffffc0a01000 t svsm_read_caa_msr\t[vmpl_sgx]
ffffffffc0a01040 t svsm_vmgexit\t[vmpl_sgx]
ffffffffc0a02000 T vmpl_sgx_seh_unbind\t[vmpl_sgx]
ffffffffc0a02100 t vmpl_sgx_exit\t[vmpl_sgx]
ffffffffc0a05000 d lb_misc\t[vmpl_sgx]
ffffffffc0a03000 T vmpl_sgx_ioctl\t[vmpl_sgx]
"""

GATE = ["svsm_read_caa_msr", "svsm_vmgexit"]


def test_names_and_addresses_after_unload_are_counted() -> None:
    reached = "vmpl_sgx_ioctl\nvmpl_sgx_ioc_get_info\nlb_read_caa_msr\nencl_begin.isra.0\n"
    reached += "vmpl_sgx_init\n0xffffffffc0a02004\n__x64_sys_reboot\n"
    record = coverage.parse(FUNCTIONS, reached, KALLSYMS)
    assert "vmpl_sgx_seh_unbind" in record.reached  # named through kallsyms (ENDBR offset)
    verdict = coverage.judge(record, GATE)
    assert verdict.passed, verdict.problems
    assert (verdict.reached, verdict.total) == (5, 7)
    assert verdict.line() == ("VMTIER coverage=5/7 unreached=svsm_read_caa_msr,svsm_vmgexit")


def test_an_unreached_function_outside_the_gate_fails_naming_it() -> None:
    reached = "vmpl_sgx_ioctl\nlb_read_caa_msr\nencl_begin.isra.0\nvmpl_sgx_seh_unbind\n"
    verdict = coverage.judge(coverage.parse(FUNCTIONS, reached, KALLSYMS), GATE)
    assert not verdict.passed
    assert verdict.unexpected == ["vmpl_sgx_ioc_get_info"]
    assert "unreached outside the hardware gate: vmpl_sgx_ioc_get_info" in verdict.problems[0]
    assert verdict.line().endswith("unreached=svsm_read_caa_msr,svsm_vmgexit,vmpl_sgx_ioc_get_info")


def test_lost_events_are_named_with_the_failure() -> None:
    reached = "vmpl_sgx_ioctl\nLOST CPU:1 [LOST 120 EVENTS]\n"
    verdict = coverage.judge(coverage.parse(FUNCTIONS, reached, KALLSYMS), GATE)
    assert not verdict.passed
    assert "overran 1 times" in verdict.problems[0]


def test_compiler_suffixes_match_the_gate_list() -> None:
    functions = "svsm_vmgexit.constprop.0\nsvsm_read_caa_msr\nvmpl_sgx_ioctl\n"
    verdict = coverage.judge(coverage.parse(functions, "vmpl_sgx_ioctl\n", ""), GATE)
    assert verdict.passed, verdict.problems
    assert verdict.unreached == ["svsm_read_caa_msr", "svsm_vmgexit.constprop.0"]


def test_a_gate_name_the_module_lacks_fails() -> None:
    verdict = coverage.judge(
        coverage.parse(FUNCTIONS, FUNCTIONS, KALLSYMS), [*GATE, "svsm_this_ca"]
    )
    assert not verdict.passed
    assert verdict.stale == ["svsm_this_ca"]


@pytest.mark.parametrize(
    ("functions", "reached", "problem"),
    [("", "vmpl_sgx_ioctl\n", "no traceable module function"), (FUNCTIONS, "", "no module")],
)
def test_nothing_recorded_fails(functions: str, reached: str, problem: str) -> None:
    verdict = coverage.judge(coverage.parse(functions, reached, KALLSYMS), GATE)
    assert not verdict.passed
    assert any(problem in p for p in verdict.problems)


def test_addresses_outside_the_module_are_ignored() -> None:
    symbols = coverage.module_symbols(KALLSYMS)
    assert [name for _, name in symbols][:2] == ["svsm_read_caa_msr", "svsm_vmgexit"]
    assert "lb_misc" not in {name for _, name in symbols}  # data, not text
    assert coverage.name_of("0xffffffffc0a00fff", symbols) is None
    assert coverage.name_of("0xffffffffc0a03200", symbols) is None
    assert coverage.name_of("0xffffffffc0a01044", symbols) == "svsm_vmgexit"


def test_the_committed_gate_list_is_the_hardware_gate() -> None:
    names = coverage.read_names(coverage.HARDWARE_GATE.read_text())
    assert names == GATE
    svsm = (Path(__file__).parents[2] / "kernel_module" / "svsm.c").read_text()
    for name in names:
        assert f" {name}(" in svsm


def test_main_prints_the_line_and_fails_on_unexpected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "coverage-functions.txt").write_text(FUNCTIONS)
    (tmp_path / "coverage-kallsyms.txt").write_text(KALLSYMS)
    (tmp_path / "coverage-reached.txt").write_text("vmpl_sgx_ioctl\n")
    assert coverage.main([str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("VMTIER coverage=1/7 unreached=")
    assert "vmpl_sgx_ioc_get_info" in err
    (tmp_path / "coverage-reached.txt").write_text(FUNCTIONS.replace("svsm_", "x_"))
    assert coverage.main([str(tmp_path)]) == 0
