"""Exception exits of DEBUG enclaves carry the faulting instruction, named from the image's
symbols; production enclaves keep it to themselves, as on SGX."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Dict

import pytest

from vmpl_sgx._abi import Attr, Cap, Exit
from vmpl_sgx.app import EnclaveFaultError
from vmpl_sgx.image import ImageParams
from vmpl_sgx.samples import FAULTS_ILLEGAL, FAULTS_NULL_READ, FAULTS_WRITE_CODE

from .conftest import LoadApp


def nm_function_at(image: Path, offset: int) -> str:
    """binutils' view, independent of vmpl_sgx.elf: the function symbol holding `offset`."""
    out = subprocess.run(
        ["nm", "-S", "--defined-only", str(image)], check=True, capture_output=True, text=True
    ).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[2] in "tT":
            start, size = int(fields[0], 16), int(fields[1], 16)
            if start <= offset < start + size:
                return f"{fields[3]}+0x{offset - start:x}"
    raise AssertionError(f"nm knows no function at 0x{offset:x}")


@pytest.mark.parametrize(
    ("call_id", "text"),
    [
        (FAULTS_NULL_READ, "#PF reading 0x0 at "),
        (FAULTS_ILLEGAL, "#UD at "),
        (FAULTS_WRITE_CODE, "#PF writing 0x"),
    ],
)
def test_debug_faults_name_the_function(
    load_app: LoadApp, images: Dict[str, Path], call_id: int, text: str
) -> None:
    app = load_app("faults")
    assert app.enclave.info().has(Cap.EXCEPTION_RIP)
    with pytest.raises(EnclaveFaultError) as caught:
        app.ecall(call_id)
    fault = caught.value
    code = next(region for region in app.layout.regions if region.secinfo_flags & 0x4)
    assert app.enclave.base + code.offset <= fault.rip < app.enclave.base + code.end
    # The compiler may inline an ecall into the dispatcher: nm says where the code is.
    expected = nm_function_at(images["faults"], fault.rip - app.enclave.base)
    assert fault.where == expected
    assert f"{text}" in str(fault) and f" at {expected} (vector" in str(fault)


def test_raw_run_reports_the_instruction(load_app: LoadApp) -> None:
    app = load_app("faults")
    result = app.enclave.run(app.enclave.tcs_address(app.tcs_offsets[0]), FAULTS_ILLEGAL)
    assert result.exit_kind == Exit.EXCEPTION and result.exception is not None
    # ud2 faults on itself: address and instruction are the same.
    assert result.exception.rip == result.exception.address != 0


def test_production_enclaves_hide_the_instruction(load_app: LoadApp) -> None:
    app = load_app("faults", ImageParams(attributes=int(Attr.MODE64BIT)))
    assert app.symbols is None
    with pytest.raises(EnclaveFaultError) as caught:
        app.ecall(FAULTS_NULL_READ)
    assert caught.value.rip == 0 and caught.value.where == ""
    assert "#PF reading 0x0 (vector 14" in str(caught.value)
