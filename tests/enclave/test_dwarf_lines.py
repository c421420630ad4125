"""Source lines from an image's DWARF line table (vmpl_sgx.dwarf_lines), checked against
binutils' addr2line on the faults sample built with -g, DWARF 4 and 5."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Dict, List

import pytest

from vmpl_sgx.app import EnclaveApp, EnclaveFaultError
from vmpl_sgx.build import build_enclave
from vmpl_sgx.dwarf_lines import LineTable
from vmpl_sgx.elf import debug_sections, load_elf
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.image import layout_from_file
from vmpl_sgx.layout import mrenclave
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import FAULTS_ILLEGAL, FAULTS_NULL_READ, SAMPLES_DIR

from .conftest import LoadApp

VARIANTS = {"dwarf4": "-gdwarf-4", "dwarf5": "-gdwarf-5", "dwarf5-O0": "-gdwarf-5 -O0"}
HEADER_QUIRK_SHARE = 0.05
"""At most this share of addresses may differ from addr2line in the file name only: with
DWARF 5, binutils 2.40 names the unit's .c file for rows of gcc's file 1 when that is a
header (readelf's decoded lines name the header, as we do)."""


def addr2line() -> str:
    found = shutil.which("addr2line")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("addr2line (binutils) is missing on CI")
        pytest.skip("addr2line (binutils) is missing")
    return found


@pytest.fixture(scope="module")
def debug_images(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    """The faults sample built with line information, one image per DWARF variant."""
    out = tmp_path_factory.mktemp("debug-images")
    return {
        name: build_enclave(
            [SAMPLES_DIR / "faults" / "enclave.c"],
            out / f"faults-{name}.elf",
            include_dirs=[SAMPLES_DIR / "faults"],
            extra_flags=flags.split(),
        )
        for name, flags in VARIANTS.items()
    }


def addr2line_lines(image: Path, addresses: List[int]) -> List[str]:
    """`file.c:42` (or `??:0`) of each address, as binutils says."""
    out = subprocess.run(
        [addr2line(), "-s", "-e", str(image)],
        input="\n".join(f"0x{address:x}" for address in addresses),
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    assert len(out) == len(addresses)
    lines = [line.split(" (discriminator")[0].replace(":?", ":0") for line in out]
    # Without a line, addr2line may still name a file from the symbol table (musl's objects
    # carry no line information); that is no line either.
    return ["??:0" if line.endswith(":0") else line for line in lines]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_code_address_has_addr2line_s_line(
    debug_images: Dict[str, Path], variant: str
) -> None:
    image = debug_images[variant]
    table = LineTable.from_image(image.read_bytes())
    assert len(table) > 0
    code = next(segment for segment in load_elf(image).segments if segment.executable)
    addresses = list(range(code.vaddr, code.vaddr + code.memsz))
    expected = addr2line_lines(image, addresses)
    quirks = 0
    for address, want in zip(addresses, expected):
        got = table.describe(address) or "??:0"
        if got == want:
            continue
        ours, theirs = got.rsplit(":", 1), want.rsplit(":", 1)
        assert ours[1] == theirs[1], f"0x{address:x}: addr2line {want}, ours {got}"
        assert ours[0].endswith(".h") and theirs[0].endswith(".c"), (address, want, got)
        quirks += 1
    assert quirks <= HEADER_QUIRK_SHARE * len(addresses)
    # The sample's own code is named by its own file.
    assert any(line.startswith("enclave.c:") for line in expected)


def test_an_image_without_line_information_says_nothing(images: Dict[str, Path]) -> None:
    data = images["faults"].read_bytes()
    assert ".debug_line" not in debug_sections(data)
    table = LineTable.from_image(data)
    assert len(table) == 0 and table.describe(0) == "" and table.where(0x1000) is None


def test_damaged_line_tables_answer_without_raising(debug_images: Dict[str, Path]) -> None:
    sections = debug_sections(debug_images["dwarf5"].read_bytes())
    line, line_str = sections[".debug_line"], sections.get(".debug_line_str", b"")
    whole = LineTable.parse(line, line_str=line_str)
    randomness = random.Random(13)
    for length in sorted(randomness.sample(range(len(line)), 200)):
        cut = LineTable.parse(line[:length], line_str=line_str)
        assert len(cut) <= len(whole)
        cut.describe(randomness.randrange(0x10000))
    for _ in range(200):
        damaged = bytearray(line)
        damaged[randomness.randrange(len(damaged))] = randomness.randrange(256)
        LineTable.parse(bytes(damaged), line_str=line_str[: randomness.randrange(64)]).describe(
            randomness.randrange(0x10000)
        )


@pytest.mark.parametrize(
    ("call_id", "text"), [(FAULTS_NULL_READ, "#PF reading 0x0 at "), (FAULTS_ILLEGAL, "#UD at ")]
)
def test_a_fault_names_its_source_line(
    debug_images: Dict[str, Path],
    key: RsaPrivateKey,
    new_enclave: Callable[[], Enclave],
    call_id: int,
    text: str,
) -> None:
    image = debug_images["dwarf5"]
    app = EnclaveApp.load(image, key, new_enclave())
    with pytest.raises(EnclaveFaultError) as caught:
        app.ecall(call_id)
    fault = caught.value
    (expected,) = addr2line_lines(image, [fault.rip - app.enclave.base])
    assert expected.startswith("enclave.c:")
    assert fault.line == expected
    assert f"{text}{fault.where} ({expected}) (vector" in str(fault)


def test_an_image_without_line_information_names_no_line(load_app: LoadApp) -> None:
    app = load_app("faults")
    with pytest.raises(EnclaveFaultError) as caught:
        app.ecall(FAULTS_NULL_READ)
    assert caught.value.line == "" and caught.value.where
    assert f" at {caught.value.where} (vector" in str(caught.value)


def test_line_information_leaves_mrenclave_alone(
    debug_images: Dict[str, Path], tmp_path: Path
) -> None:
    plain = build_enclave(
        [SAMPLES_DIR / "faults" / "enclave.c"], tmp_path / "plain.elf",
        include_dirs=[SAMPLES_DIR / "faults"],
    )
    debug = debug_images["dwarf5"]
    assert debug.stat().st_size > plain.stat().st_size  # the debug sections are there
    assert mrenclave(layout_from_file(debug)) == mrenclave(layout_from_file(plain))
