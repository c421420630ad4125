"""The C compiler is the judge: the generated headers and the ctypes module must agree.

A probe compiled against the generated headers prints every struct size, field
offset, constant and ioctl number; each must equal what ctypes computes from
vmpl_sgx._abi. Where the system has Linux's <asm/sgx.h>, the SGX-compatible
ioctls and their structs must equal Linux's.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from vmpl_sgx import _abi

from .conftest import ROOT

INCLUDES = [
    ROOT / "kernel_module" / "include" / "uapi",
    ROOT / "kernel_module" / "gen",
]
# The enclave runtime's include directory carries the enclave libc's own stdio.h and
# string.h; the probes are host programs, so it is searched after the system headers.
ENCLAVE_INCLUDE = ROOT / "sdk" / "vmpl_sgx" / "runtime" / "include"
LINUX_SGX_HEADER = Path("/usr/include/x86_64-linux-gnu/asm/sgx.h")

PRELUDE = """
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#define __maybe_unused __attribute__((unused))
#include <linux/vmpl_sgx.h>
#include <seh_abi.h>
#include <vmpl_sgx_enclave_abi.h>
"""


def structs() -> list[type[ctypes.Structure]]:
    return [
        obj
        for obj in vars(_abi).values()
        if isinstance(obj, type)
        and issubclass(obj, ctypes.Structure)
        and obj is not ctypes.Structure
    ]


def constants() -> dict[str, int]:
    return {
        name: value
        for name, value in vars(_abi).items()
        if name.isupper() and isinstance(value, int) and not isinstance(value, bool)
    }


def compiler() -> str:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler (install gcc)")
    return cc


def compile_and_run(tmp_path: Path, source: str) -> str:
    src = tmp_path / "probe.c"
    exe = tmp_path / "probe"
    src.write_text(source)
    flags = ["-std=c11", "-Wall", "-Wextra", "-Werror"]
    include = [f"-I{p}" for p in INCLUDES] + ["-idirafter", str(ENCLAVE_INCLUDE)]
    subprocess.run([compiler(), *flags, *include, str(src), "-o", str(exe)], check=True)
    return subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout


def test_c_layouts_constants_and_ioctls_equal_ctypes(tmp_path: Path) -> None:
    lines = [PRELUDE, "int main(void)\n{"]
    expected = []
    for cls in structs():
        c_name = cls.C_NAME
        lines.append(f'\tprintf("size {c_name} %zu\\n", sizeof({c_name}));')
        expected.append(f"size {c_name} {ctypes.sizeof(cls)}")
        for field_name, *_ in cls._fields_:
            where = f"{c_name}.{field_name}"
            lines.append(f'\tprintf("offset {where} %zu\\n", offsetof({c_name}, {field_name}));')
            expected.append(f"offset {c_name}.{field_name} {getattr(cls, field_name).offset}")
    for name, value in constants().items():
        lines.append(f'\tprintf("const {name} %llu\\n", (unsigned long long)VMPL_SGX_{name});')
        expected.append(f"const {name} {value}")
    lines.append("\treturn 0;\n}\n")
    output = compile_and_run(tmp_path, "\n".join(lines)).splitlines()
    assert output == expected
    assert len(expected) > 150  # every struct, field and constant really was compared


def test_sgx_compatible_ioctls_equal_linux(tmp_path: Path) -> None:
    if not LINUX_SGX_HEADER.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{LINUX_SGX_HEADER} missing: install linux-libc-dev")
        pytest.skip(f"{LINUX_SGX_HEADER} missing: install linux-libc-dev")
    checks = [
        "VMPL_SGX_IOC_ENCLAVE_CREATE == SGX_IOC_ENCLAVE_CREATE",
        "VMPL_SGX_IOC_ENCLAVE_ADD_PAGES == SGX_IOC_ENCLAVE_ADD_PAGES",
        "VMPL_SGX_IOC_ENCLAVE_INIT == SGX_IOC_ENCLAVE_INIT",
        "VMPL_SGX_PAGE_MEASURE == SGX_PAGE_MEASURE",
        "VMPL_SGX_MAGIC == SGX_MAGIC",
    ]
    pairs = {
        "enclave_create": ["src"],
        "enclave_add_pages": ["src", "offset", "length", "secinfo", "flags", "count"],
        "enclave_init": ["sigstruct"],
    }
    for name, fields in pairs.items():
        ours, linux = f"struct vmpl_sgx_{name}", f"struct sgx_{name}"
        checks.append(f"sizeof({ours}) == sizeof({linux})")
        for f in fields:
            checks.append(f"offsetof({ours}, {f}) == offsetof({linux}, {f})")
            checks.append(f"sizeof(((({ours} *)0)->{f})) == sizeof(((({linux} *)0)->{f}))")
    # ENCLAVE_RUN starts like struct sgx_enclave_run.
    for f in ["tcs", "function", "exception_vector", "exception_error_code", "exception_addr"]:
        checks.append(
            f"offsetof(struct vmpl_sgx_enclave_run, {f}) == offsetof(struct sgx_enclave_run, {f})"
        )
    checks.append("sizeof(struct vmpl_sgx_enclave_run) == sizeof(struct sgx_enclave_run)")
    source = (
        PRELUDE
        + "#include <asm/sgx.h>\n"
        + "".join(f'_Static_assert({c}, "{c}");\n' for c in checks)
        + 'int main(void)\n{\n\tputs("ok");\n\treturn 0;\n}\n'
    )
    assert compile_and_run(tmp_path, source) == "ok\n"


def test_uapi_header_alone_gives_host_clients_the_enclave_statuses(tmp_path: Path) -> None:
    names = [f"VMPL_SGX_ENCLAVE_STATUS_{status.name}" for status in _abi.EnclaveStatus]
    lines = [
        "#include <stdio.h>",
        "#include <linux/vmpl_sgx.h>",
        "int main(void)\n{",
        '\tprintf("answer %zu\\n", sizeof(struct vmpl_sgx_enclave_ocall_answer));',
        *(f'\tprintf("{name} %d\\n", {name});' for name in names),
        "\treturn 0;\n}",
    ]
    out = compile_and_run(tmp_path, "\n".join(lines) + "\n").splitlines()
    expected = [f"answer {ctypes.sizeof(_abi.EnclaveOcallAnswer)}"]
    expected += [f"{name} {int(status)}" for name, status in zip(names, _abi.EnclaveStatus)]
    assert out == expected
