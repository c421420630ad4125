"""The ELF reader refuses everything the loader cannot place unchanged, and says why."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Dict

import pytest

from vmpl_sgx.build import BuildError, build_enclave
from vmpl_sgx.elf import PF_R, PF_W, PF_X, ElfError, load_elf, parse_elf

PHDR_SIZE = 56


def _raw(images: Dict[str, Path]) -> bytearray:
    return bytearray(images["sha256"].read_bytes())


def _phdr_offset(raw: bytearray, index: int) -> int:
    phoff: int = struct.unpack_from("<Q", raw, 32)[0]
    return phoff + index * PHDR_SIZE


def _program_headers(raw: bytearray) -> list[tuple[int, ...]]:
    (count,) = struct.unpack_from("<H", raw, 56)
    return [struct.unpack_from("<IIQQQQQQ", raw, _phdr_offset(raw, i)) for i in range(count)]


def _load_index(raw: bytearray, flags: int) -> int:
    for index, header in enumerate(_program_headers(raw)):
        if header[0] == 1 and header[1] == flags:
            return index
    raise AssertionError(f"no PT_LOAD with flags {flags}")


def test_sample_image_is_accepted(images: Dict[str, Path]) -> None:
    image = load_elf(images["sha256"])
    assert image.entry == image.symbols["vmpl_sgx_entry"]
    perms = [(s.readable, s.writable, s.executable) for s in image.segments]
    assert (True, False, True) in perms and (True, True, False) in perms
    assert all(not (s.writable and s.executable) for s in image.segments)
    assert image.end % 4096 == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not an ELF file"),
        (b"MZ" + bytes(100), "not an ELF file"),
        (b"\x7fELF\x01\x01\x01" + bytes(100), "not ELF64"),
        (b"\x7fELF\x02\x02\x01" + bytes(100), "not little-endian"),
    ],
)
def test_not_an_elf64_file(data: bytes, message: str) -> None:
    with pytest.raises(ElfError, match=message):
        parse_elf(data)


def test_wrong_machine(images: Dict[str, Path]) -> None:
    raw = _raw(images)
    struct.pack_into("<H", raw, 18, 183)  # EM_AARCH64
    with pytest.raises(ElfError, match="not x86-64: ELF machine 183"):
        parse_elf(raw)


def test_not_position_independent(images: Dict[str, Path]) -> None:
    raw = _raw(images)
    struct.pack_into("<H", raw, 16, 2)  # ET_EXEC
    with pytest.raises(ElfError, match="ET_EXEC, not ET_DYN"):
        parse_elf(raw)


def test_writable_and_executable_segment(images: Dict[str, Path]) -> None:
    raw = _raw(images)
    index = _load_index(raw, PF_R | PF_X)
    struct.pack_into("<I", raw, _phdr_offset(raw, index) + 4, PF_R | PF_W | PF_X)
    with pytest.raises(ElfError, match="writable and executable"):
        parse_elf(raw)


def test_segment_past_end_of_file(images: Dict[str, Path]) -> None:
    raw = _raw(images)
    index = _load_index(raw, PF_R)
    offset = _phdr_offset(raw, index)
    struct.pack_into("<QQ", raw, offset + 32, len(raw) * 2, len(raw) * 2)  # filesz, memsz
    with pytest.raises(ElfError, match="past the end of the file"):
        parse_elf(raw)


def test_segment_outside_the_enclave(images: Dict[str, Path]) -> None:
    with pytest.raises(ElfError, match="outside the enclave"):
        load_elf(images["sha256"], max_end=0x1000)
    raw = _raw(images)
    offset = _phdr_offset(raw, _load_index(raw, PF_R | PF_W))
    struct.pack_into("<Q", raw, offset + 40, 1 << 48)  # memsz
    with pytest.raises(ElfError, match="47-bit enclave range"):
        parse_elf(raw)


def test_overlapping_segments(images: Dict[str, Path]) -> None:
    raw = _raw(images)
    offset = _phdr_offset(raw, _load_index(raw, PF_R))
    # Move the read-only segment onto the code's page (keeping address = offset mod 4096).
    struct.pack_into("<QQ", raw, offset + 16, 0, 0)
    with pytest.raises(ElfError, match="overlap or share a page"):
        parse_elf(raw)


def test_misaligned_segment(images: Dict[str, Path]) -> None:
    raw = _raw(images)
    offset = _phdr_offset(raw, _load_index(raw, PF_R))
    (vaddr,) = struct.unpack_from("<Q", raw, offset + 16)
    struct.pack_into("<Q", raw, offset + 16, vaddr + 8)
    with pytest.raises(ElfError, match="differ modulo the page size"):
        parse_elf(raw)


@pytest.mark.parametrize(("p_type", "message"), [(3, "PT_INTERP"), (7, "PT_TLS")])
def test_interpreter_and_tls(images: Dict[str, Path], p_type: int, message: str) -> None:
    raw = _raw(images)
    dynamic = next(i for i, h in enumerate(_program_headers(raw)) if h[0] == 2)
    struct.pack_into("<I", raw, _phdr_offset(raw, dynamic), p_type)
    with pytest.raises(ElfError, match=message):
        parse_elf(raw)


def test_missing_entry_symbol(images: Dict[str, Path]) -> None:
    raw = _raw(images)
    at = raw.find(b"vmpl_sgx_entry\0")
    assert at > 0
    raw[at : at + 14] = b"something_else"
    with pytest.raises(ElfError, match="missing entry symbol vmpl_sgx_entry"):
        parse_elf(raw)


def test_entry_elsewhere(images: Dict[str, Path]) -> None:
    raw = _raw(images)
    struct.pack_into("<Q", raw, 24, 0x10)
    with pytest.raises(ElfError, match="e_entry 0x10 is not vmpl_sgx_entry"):
        parse_elf(raw)


def test_truncated_header_table(images: Dict[str, Path]) -> None:
    raw = _raw(images)
    struct.pack_into("<Q", raw, 32, len(raw) - 8)  # e_phoff near the end
    with pytest.raises(ElfError, match="program header table"):
        parse_elf(raw)


def test_dynamic_relocations_are_refused(tmp_path: Path, images: Dict[str, Path]) -> None:
    source = tmp_path / "pointers.c"
    source.write_text(
        '#include "vmpl_sgx_enclave.h"\n'
        'static const char *greetings[] = {"hello", "hallo"};\n'
        "static uint64_t hello(struct vmpl_sgx_call *call)\n"
        "{ return vmpl_sgx_output(call, greetings[call->input_len & 1], 5); }\n"
        "VMPL_SGX_ECALLS(VMPL_SGX_ECALL(0, hello))\n"
    )
    with pytest.raises(BuildError, match="dynamic relocations"):
        build_enclave([source], tmp_path / "pointers.elf")
