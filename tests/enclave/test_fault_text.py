"""EnclaveFaultError in words (`#PF reading 0x0 ...`) and naming code addresses from an
image's function symbols, checked against binutils' nm."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Dict

import pytest

from vmpl_sgx._abi import Attr
from vmpl_sgx.app import EnclaveFaultError
from vmpl_sgx.elf import load_elf
from vmpl_sgx.fault_text import FunctionSymbols, describe_fault
from vmpl_sgx.image import ImageParams
from vmpl_sgx.samples import FAULTS_ILLEGAL, FAULTS_NULL_READ

from .conftest import LoadApp


def nm_functions(image: Path) -> Dict[str, tuple[int, int]]:
    """binutils' view, independent of vmpl_sgx.elf: function name -> (address, size)."""
    out = subprocess.run(
        ["nm", "-S", "--defined-only", str(image)], check=True, capture_output=True, text=True
    ).stdout
    found = {}
    for line in out.splitlines():
        fields = line.split()
        # Weak functions are W. Symbols without a size (musl's assembly, where nm cannot tell
        # a function from a label) have no size field and are left out.
        if len(fields) == 4 and fields[2] in "tTW":
            found[fields[3]] = (int(fields[0], 16), int(fields[1], 16))
    return found


def test_function_symbols_of_an_image_match_nm(images: Dict[str, Path]) -> None:
    expected = nm_functions(images["faults"])
    functions = load_elf(images["faults"]).functions
    assert {name: (start, size) for start, size, name in functions if size} == expected
    symbols = FunctionSymbols(functions)
    for start, size in expected.values():
        if size:
            # Aliases (musl's fwrite and fwrite_unlocked) share an address: either name will do.
            aliases = {other for other, place in expected.items() if place == (start, size)}
            assert symbols.name(start + size - 1) in {f"{a}+0x{size - 1:x}" for a in aliases}


def test_fault_messages_say_what_happened(load_app: LoadApp) -> None:
    app = load_app("faults")
    assert app.symbols is not None and len(app.symbols) > 0  # DEBUG: symbols are read
    with pytest.raises(EnclaveFaultError) as caught:
        app.ecall(FAULTS_NULL_READ)
    assert "faulted: #PF reading 0x0 at " in str(caught.value)  # where: test_fault_location
    with pytest.raises(EnclaveFaultError) as caught:
        app.ecall(FAULTS_ILLEGAL)
    assert "faulted: #UD at " in str(caught.value)


def test_production_enclaves_get_no_symbols(load_app: LoadApp) -> None:
    assert load_app("faults", ImageParams(attributes=int(Attr.MODE64BIT))).symbols is None


def test_an_instruction_address_is_named_when_known() -> None:
    error = EnclaveFaultError(1, 14, 0x4, 0, rip=0x7F0000001234, where="handle_request+0x1c")
    assert str(error) == (
        "ecall 1 faulted: #PF reading 0x0 at handle_request+0x1c "
        "(vector 14, error code 0x4, address 0x0)"
    )
    assert "at 0x7f0000001234 (" in str(EnclaveFaultError(1, 6, 0, 0x10, rip=0x7F0000001234))


def test_symbols_name_offsets_inside_functions_only() -> None:
    symbols = FunctionSymbols([(0x2000, 0x10, "b"), (0x1000, 0x100, "a"), (0x1010, 0x8, "inner")])
    assert symbols.name(0x1000) == "a+0x0"
    assert symbols.name(0x1014) == "inner+0x4"
    assert symbols.name(0x1020) == "a+0x20"  # past the nested one, still in a
    assert symbols.name(0x1100) is None and symbols.name(0xFFF) is None
    assert symbols.name(0x200F) == "b+0xf" and symbols.name(0x2010) is None


def test_fault_words() -> None:
    assert describe_fault(14, 0x4, 0, "f+0x1c") == "#PF reading 0x0 at f+0x1c"
    assert describe_fault(14, 0x6, 0x10, "") == "#PF writing 0x10"
    assert describe_fault(14, 0x14, 0x5000, "0x5000") == "#PF executing 0x5000 at 0x5000"
    assert describe_fault(13, 0, 0, "g+0x2") == "#GP at g+0x2"
    assert describe_fault(99, 0, 0, "") == "vector 99"
    # With a source line from the image's DWARF line table.
    assert describe_fault(14, 0x4, 0, "f+0x1c", "f.c:42") == "#PF reading 0x0 at f+0x1c (f.c:42)"
    assert describe_fault(6, 0, 0x1000, "", "f.c:7") == "#UD at f.c:7"


def test_fault_error_message_with_a_line() -> None:
    error = EnclaveFaultError(1, 14, 0x4, 0, rip=0x7F0000001234, where="f+0x1c", line="f.c:42")
    assert error.line == "f.c:42"
    assert str(error).startswith("ecall 1 faulted: #PF reading 0x0 at f+0x1c (f.c:42) (vector 14")
