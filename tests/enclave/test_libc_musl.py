"""The enclave libc's musl objects: they need nothing but each other and what the runtime
provides, run no system call, no %fs/%gs access and no lock; a function outside them fails the
build with its name; missing musl source fails it with what to install."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from vmpl_sgx import musl
from vmpl_sgx.build import BuildError, build_enclave, compiler

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc)")


@pytest.fixture(scope="module")
def members(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The archive the build links, taken apart."""
    archive = musl.libc_archive(compiler())
    out = tmp_path_factory.mktemp("members")
    subprocess.run(["ar", "x", str(archive)], cwd=out, check=True)
    return sorted(out.glob("*.o"))


def test_archive_holds_every_selected_source(members: list[Path]) -> None:
    assert len(members) == len(musl.SOURCES)


def test_members_need_exactly_what_the_runtime_provides(members: list[Path]) -> None:
    defined, undefined = musl.symbols(members)
    assert undefined - defined == musl.RUNTIME_PROVIDES | musl.LINKER_DEFINED
    assert {"snprintf", "vsnprintf", "memcpy", "strstr", "strlen"} <= defined
    # What would need system calls, TLS or locales is absent.
    assert not defined & {"fopen", "printf", "__errno_location", "wcrtomb", "__lockfile"}


def test_members_run_no_forbidden_instruction(members: list[Path]) -> None:
    assert musl.forbidden_instructions(members) == {}


def _object(tmp_path: Path, name: str, code: str) -> Path:
    source = tmp_path / f"{name}.c"
    source.write_text(code)
    obj = tmp_path / f"{name}.o"
    subprocess.run(["cc", "-O2", "-fPIE", "-c", str(source), "-o", str(obj)], check=True)
    return obj


def test_check_refuses_a_system_call_and_fs(tmp_path: Path) -> None:
    obj = _object(
        tmp_path,
        "bad",
        "long f(void) { long r; __asm__ volatile(\"syscall\" : \"=a\"(r) : \"a\"(39));"
        " return r; }\n"
        "long g(void) { long r; __asm__ volatile(\"mov %%fs:0x28, %0\" : \"=r\"(r)); return r; }\n",
    )
    found = musl.forbidden_instructions([obj])
    assert list(found) == ["bad.o"]
    assert any("syscall" in line for line in found["bad.o"])
    assert any("%fs" in line for line in found["bad.o"])
    with pytest.raises(musl.MuslError, match="syscall"):
        musl.check_objects([obj])


def test_check_refuses_an_unknown_symbol(tmp_path: Path) -> None:
    obj = _object(tmp_path, "needs", "int fclose(void *); int f(void) { return fclose(0); }\n")
    with pytest.raises(musl.MuslError, match="fclose"):
        musl.check_objects([obj])


def test_unsupported_function_fails_the_build_by_name(tmp_path: Path) -> None:
    source = tmp_path / "enclave.c"
    source.write_text(
        '#include "vmpl_sgx_enclave.h"\n'
        "void *fopen(const char *path, const char *mode);\n"
        "static uint64_t ecall_open(struct vmpl_sgx_call *call)\n"
        '{ (void)call; return fopen("/etc/passwd", "r") ? 1 : 0; }\n'
        "VMPL_SGX_ECALLS(VMPL_SGX_ECALL(0, ecall_open))\n"
    )
    output = tmp_path / "enclave.elf"
    with pytest.raises(BuildError) as caught:
        build_enclave([source], output)
    message = str(caught.value)
    assert "undefined reference to `fopen'" in message
    assert "not in the enclave libc: fopen" in message
    assert not output.exists()


def test_missing_source_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(musl.SOURCE_ENV, str(tmp_path / "nothing"))
    source = tmp_path / "enclave.c"
    source.write_text("int x;\n")
    with pytest.raises(BuildError, match="install musl-dev and musl's source"):
        build_enclave([source], tmp_path / "enclave.elf")


def test_missing_headers_say_install_musl_dev(tmp_path: Path) -> None:
    with pytest.raises(musl.MuslError, match="install musl-dev"):
        musl.check_headers(tmp_path)
