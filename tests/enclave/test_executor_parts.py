"""The executor's pieces on their own: messages, fault mapping, the build front end."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Dict

import pytest

from vmpl_sgx.build import BuildError, build_enclave, main
from vmpl_sgx.executor import messages
from vmpl_sgx.executor.vectors import (
    VECTOR_BP,
    VECTOR_DE,
    VECTOR_GP,
    VECTOR_PF,
    VECTOR_UD,
    from_crash,
    from_death,
)
from vmpl_sgx.samples import SAMPLES_DIR, sources

SEGV_MAPERR = 1
SI_KERNEL = 0x80


@pytest.mark.parametrize(
    "message",
    [
        messages.Setup(
            1 << 44, 1 << 20, 0x5000, 0x10, 0x7000, 0x7000, (messages.Mapping(0, 4096, 5),)
        ),
        messages.Enter(7, 4096, b"input"),
        messages.Answer(0, 64, b"\x00" * 8 + b"payload"),
        messages.Ready(),
        messages.SetupFailed(17, "range taken"),
        messages.Normal(3, b"output"),
        messages.Ocall(9, b"request"),
        messages.Crash(11, 1, 14, 6, 0x1234, 0x5678),
        messages.OutputOverflow(99),
    ],
)
def test_messages_round_trip(message: messages.Message) -> None:
    assert messages.decode(messages.encode(message)) == message


@pytest.mark.parametrize("data", [b"", b"\xff\x00\x00\x00", b"\x0e\x00\x00\x00short"])
def test_malformed_messages(data: bytes) -> None:
    with pytest.raises(messages.MessageError):
        messages.decode(data)


def test_fault_mapping() -> None:
    page_fault = messages.Crash(signal.SIGSEGV, SEGV_MAPERR, 14, 6, 0x1000, 0x2000)
    assert from_crash(page_fault) == (VECTOR_PF, 6, 0x1000, 0x2000)  # rip: the instruction
    general = messages.Crash(signal.SIGSEGV, SI_KERNEL, 13, 0, 0, 0x2000)
    assert from_crash(general) == (VECTOR_GP, 0, 0x2000, 0x2000)
    breakpoint_ = messages.Crash(signal.SIGTRAP, SI_KERNEL, 3, 0, 0, 0x2001)
    assert from_crash(breakpoint_) == (VECTOR_BP, 0, 0x2001, 0x2001)
    # Sent by kill(): no trap number to trust, the signal decides.
    assert from_crash(messages.Crash(signal.SIGILL, 0, 0, 0, 0, 0x3000)).vector == VECTOR_UD
    assert from_crash(messages.Crash(signal.SIGFPE, -6, 14, 0, 0, 0)).vector == VECTOR_DE
    assert from_death(None) == (VECTOR_UD, 0, 0, 0)
    assert from_death(signal.SIGSEGV).vector == VECTOR_PF


def test_build_reports_compiler_errors(tmp_path: Path, images: Dict[str, Path]) -> None:
    source = tmp_path / "broken.c"
    source.write_text("this is not C;\n")
    stale = tmp_path / "broken.elf"
    stale.write_bytes(b"an image from an earlier build")
    with pytest.raises(BuildError, match="failed with status"):
        build_enclave([source], stale)
    assert sorted(tmp_path.iterdir()) == [source]  # no output, no scratch file
    with pytest.raises(BuildError, match="no such source file"):
        build_enclave([tmp_path / "missing.c"], tmp_path / "missing.elf")
    with pytest.raises(BuildError, match="no source files"):
        build_enclave([], tmp_path / "nothing.elf")


def test_build_command_line(
    tmp_path: Path, images: Dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "sha.elf"
    args = ["-o", str(output), "-I", str(SAMPLES_DIR / "sha256"), *map(str, sources("sha256"))]
    assert main(args) == 0
    assert output.read_bytes() == images["sha256"].read_bytes()  # builds are reproducible
    assert main(["-o", str(tmp_path / "x.elf"), str(tmp_path / "missing.c")]) == 1
    assert "no such source file" in capsys.readouterr().err


def test_build_passes_cflags(
    tmp_path: Path, images: Dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "flagged.c"
    source.write_text(
        "#ifndef FROM_CFLAGS\n#error FROM_CFLAGS is not set\n#endif\n"
        '#include "vmpl_sgx_enclave.h"\n'
        "static uint64_t nothing(struct vmpl_sgx_call *call) { (void)call; return 0; }\n"
        "VMPL_SGX_ECALLS(VMPL_SGX_ECALL(0, nothing))\n"
    )
    output = tmp_path / "flagged.elf"
    assert main(["-o", str(output), str(source)]) == 1
    assert "FROM_CFLAGS is not set" in capsys.readouterr().err
    assert not output.exists()
    assert main(["-o", str(output), "--cflags=-DFROM_CFLAGS=1 -O1", str(source)]) == 0
    assert output.exists()
