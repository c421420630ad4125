"""A strict reader of enclave images: 64-bit x86-64 position-independent ELF files.

It accepts only what the loader can place in an enclave unchanged: ET_DYN images whose
loadable segments sit at page-separated enclave offsets, none both writable and executable,
with no dynamic relocations (the image is measured before anyone knows where it will run,
so nothing in it may be patched with an address), no interpreter and no thread-local
storage. Every rejection says what is wrong and where.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Dict, List, NamedTuple, Tuple, Union

from vmpl_sgx.errors import SdkError

PAGE_SIZE = 4096
ENTRY_SYMBOL = "vmpl_sgx_entry"
"""The runtime's entry point (runtime/entry.S); TCS.oentry points at it."""

PF_X = 1
PF_W = 2
PF_R = 4

_EM_X86_64 = 62
_ET_NAMES = {0: "ET_NONE", 1: "ET_REL", 2: "ET_EXEC", 3: "ET_DYN", 4: "ET_CORE"}
_ET_DYN = 3
_PT_LOAD, _PT_DYNAMIC, _PT_INTERP, _PT_TLS = 1, 2, 3, 7
_STT_FUNC = 2
_SHT_SYMTAB, _SHT_RELA, _SHT_DYNSYM, _SHT_REL, _SHT_RELR = 2, 4, 11, 9, 19
_SHF_ALLOC = 2
_SHF_COMPRESSED = 0x800
_ELFCOMPRESS_ZLIB = 1
_CHDR = struct.Struct("<IIQQ")
_SHN_UNDEF = 0

_DT_NULL, _DT_NEEDED, _DT_PLTRELSZ, _DT_RELASZ, _DT_RELSZ = 0, 1, 2, 8, 18
_DT_TEXTREL, _DT_RELRSZ = 22, 35
_DT_RELOCATION_SIZES = {
    _DT_RELASZ: "DT_RELA",
    _DT_RELSZ: "DT_REL",
    _DT_PLTRELSZ: "DT_JMPREL",
    _DT_RELRSZ: "DT_RELR",
}

_IDENT = struct.Struct("<4sBBBB8x")
_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_PHDR = struct.Struct("<IIQQQQQQ")
_SHDR = struct.Struct("<IIQQQQIIQQ")
_SYM = struct.Struct("<IBBHQQ")
_DYN = struct.Struct("<qQ")
_RELA = struct.Struct("<QQq")

_RELOCATION_TYPES = {
    0: "R_X86_64_NONE",
    1: "R_X86_64_64",
    6: "R_X86_64_GLOB_DAT",
    7: "R_X86_64_JUMP_SLOT",
    8: "R_X86_64_RELATIVE",
    37: "R_X86_64_IRELATIVE",
}

BytesLike = Union[bytes, bytearray, memoryview]


class ElfError(SdkError, ValueError):
    """The file is not an enclave image this loader accepts; the message says why."""


class Segment(NamedTuple):
    """A PT_LOAD segment: `data` (its file bytes) at enclave offset `vaddr`, zeros up to `memsz`."""

    number: int
    """Index of its program header."""
    vaddr: int
    memsz: int
    flags: int
    data: bytes

    @property
    def readable(self) -> bool:
        return bool(self.flags & PF_R)

    @property
    def writable(self) -> bool:
        return bool(self.flags & PF_W)

    @property
    def executable(self) -> bool:
        return bool(self.flags & PF_X)

    @property
    def first_page(self) -> int:
        return self.vaddr - self.vaddr % PAGE_SIZE

    @property
    def end_page(self) -> int:
        """Offset just past the last page the segment touches."""
        return -(-(self.vaddr + self.memsz) // PAGE_SIZE) * PAGE_SIZE

    def describe(self) -> str:
        perms = "".join(
            c if self.flags & f else "-" for c, f in (("R", PF_R), ("W", PF_W), ("X", PF_X))
        )
        return f"segment {self.number} ({perms}, 0x{self.vaddr:x}+0x{self.memsz:x})"


class ElfImage(NamedTuple):
    """What the loader needs of an enclave image."""

    entry: int
    """Enclave offset of the entry point."""
    segments: Tuple[Segment, ...]
    """Loadable segments in ascending address order."""
    symbols: Dict[str, int]
    """Defined symbols by name (empty for a stripped image)."""
    functions: Tuple[Tuple[int, int, str], ...] = ()
    """(address, size, name) of every function symbol, ascending by address."""

    @property
    def end(self) -> int:
        """Enclave offset just past the image's last page."""
        return self.segments[-1].end_page


def load_elf(path: str | Path, *, max_end: int | None = None) -> ElfImage:
    """Read and check the enclave image at `path`."""
    return parse_elf(Path(path).read_bytes(), max_end=max_end)


def parse_elf(data: BytesLike, *, max_end: int | None = None) -> ElfImage:
    """Check an enclave image; `max_end` bounds where segments may end (enclave size)."""
    raw = bytes(data)
    header = _header(raw)
    e_entry, e_phoff, e_shoff = header[4], header[5], header[6]
    e_phentsize, e_phnum, e_shentsize, e_shnum = header[9], header[10], header[11], header[12]
    programs = _table(raw, e_phoff, e_phnum, e_phentsize, _PHDR, what="program header")
    sections = _table(raw, e_shoff, e_shnum, e_shentsize, _SHDR, what="section header")
    segments = _segments(raw, programs, max_end)
    _check_dynamic(raw, programs)
    _check_relocation_sections(raw, sections)
    symbols, functions = _symbols(raw, sections)
    entry = _entry(e_entry, symbols, segments)
    return ElfImage(entry, tuple(segments), symbols, tuple(sorted(functions)))


def debug_sections(data: BytesLike) -> Dict[str, bytes]:
    """The image's .debug_* sections by name, zlib-compressed ones inflated; sections that
    cannot be read are left out (debug information is a convenience, never required)."""
    raw = bytes(data)
    header = _header(raw)
    sections = _table(raw, header[6], header[12], header[11], _SHDR, what="section header")
    found: Dict[str, bytes] = {}
    for index, name in _section_names(raw, sections).items():
        _, _, sh_flags, _, sh_offset, sh_size, *_rest = sections[index]
        if not name.startswith(".debug_") or sh_offset + sh_size > len(raw):
            continue
        body = raw[sh_offset : sh_offset + sh_size]
        if sh_flags & _SHF_COMPRESSED:
            if len(body) < _CHDR.size or _CHDR.unpack_from(body)[0] != _ELFCOMPRESS_ZLIB:
                continue
            try:
                body = zlib.decompress(body[_CHDR.size :])
            except zlib.error:
                continue
        found[name] = body
    return found


def _header(raw: bytes) -> Tuple[int, ...]:
    if len(raw) < _EHDR.size or raw[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    _, elf_class, encoding, version, _ = _IDENT.unpack_from(raw)
    if elf_class != 2:
        raise ElfError(f"not ELF64: ELF class {elf_class} (enclaves are 64-bit x86-64 code)")
    if encoding != 1:
        raise ElfError("not little-endian: this is no x86-64 image")
    if version != 1:
        raise ElfError(f"unknown ELF version {version}")
    header = _EHDR.unpack_from(raw)
    e_type, e_machine = header[1], header[2]
    if e_machine != _EM_X86_64:
        raise ElfError(f"not x86-64: ELF machine {e_machine}")
    if e_type != _ET_DYN:
        name = _ET_NAMES.get(e_type, str(e_type))
        raise ElfError(
            f"{name}, not ET_DYN: link the enclave position-independent "
            "(-static-pie, see vmpl_sgx.build)"
        )
    return tuple(header)


def _table(
    raw: bytes, offset: int, count: int, entsize: int, layout: struct.Struct, *, what: str
) -> List[Tuple[int, ...]]:
    if count == 0:
        return []
    if entsize != layout.size:
        raise ElfError(f"{what} entries are {entsize} bytes, not {layout.size}")
    if offset + count * entsize > len(raw):
        raise ElfError(
            f"the {what} table (0x{offset:x}, {count} entries) runs past the end of the file"
        )
    return [layout.unpack_from(raw, offset + i * entsize) for i in range(count)]


def _segments(raw: bytes, programs: List[Tuple[int, ...]], max_end: int | None) -> List[Segment]:
    segments: List[Segment] = []
    for index, (p_type, p_flags, p_offset, p_vaddr, _, p_filesz, p_memsz, _) in enumerate(programs):
        if p_type == _PT_INTERP:
            raise ElfError(f"program header {index} is PT_INTERP: the image wants a dynamic loader")
        if p_type == _PT_TLS:
            raise ElfError(
                f"program header {index} is PT_TLS: thread-local storage is not supported"
            )
        if p_type != _PT_LOAD or p_memsz == 0:
            continue
        segment = Segment(index, p_vaddr, p_memsz, p_flags, b"")
        where = segment.describe()
        if p_filesz > p_memsz:
            raise ElfError(f"{where}: file size 0x{p_filesz:x} exceeds memory size")
        if p_offset + p_filesz > len(raw):
            raise ElfError(f"{where}: its file bytes run past the end of the file")
        if (p_vaddr - p_offset) % PAGE_SIZE:
            raise ElfError(f"{where}: address and file offset differ modulo the page size")
        if p_flags & PF_W and p_flags & PF_X:
            raise ElfError(f"{where} is writable and executable; no enclave page may be both")
        if not p_flags & (PF_R | PF_W | PF_X):
            raise ElfError(f"{where} has no permissions")
        if segment.end_page >= 1 << 47:
            raise ElfError(f"{where} lies outside the 47-bit enclave range")
        if max_end is not None and segment.end_page > max_end:
            raise ElfError(f"{where} ends beyond 0x{max_end:x}, outside the enclave")
        segments.append(segment._replace(data=raw[p_offset : p_offset + p_filesz]))
    if not segments:
        raise ElfError("no loadable segment")
    segments.sort(key=lambda segment: segment.vaddr)
    for before, after in zip(segments, segments[1:]):
        if after.first_page < before.end_page:
            raise ElfError(
                f"{before.describe()} and {after.describe()} overlap or share a page; each page "
                "gets one set of permissions, so segments must be page-separated"
            )
    return segments


def _check_dynamic(raw: bytes, programs: List[Tuple[int, ...]]) -> None:
    for index, (p_type, _, p_offset, _, _, p_filesz, _, _) in enumerate(programs):
        if p_type != _PT_DYNAMIC:
            continue
        if p_offset + p_filesz > len(raw):
            raise ElfError(f"program header {index} (PT_DYNAMIC) runs past the end of the file")
        for position in range(p_offset, p_offset + p_filesz - _DYN.size + 1, _DYN.size):
            tag, value = _DYN.unpack_from(raw, position)
            if tag == _DT_NULL:
                break
            if tag == _DT_NEEDED:
                raise ElfError(
                    "the image needs shared libraries (DT_NEEDED); enclaves are self-contained"
                )
            if tag == _DT_TEXTREL:
                raise ElfError("the image has text relocations (DT_TEXTREL)")
            if tag in _DT_RELOCATION_SIZES and value:
                raise ElfError(
                    f"the image has dynamic relocations ({_DT_RELOCATION_SIZES[tag]}, "
                    f"{value} bytes): "
                    "it would have to be patched at load time, which measurement forbids; "
                    "avoid initialized pointers in static data (function pointer tables, "
                    "pointers to strings) and use VMPL_SGX_ECALLS for the ecall table"
                )


def _check_relocation_sections(raw: bytes, sections: List[Tuple[int, ...]]) -> None:
    names = _section_names(raw, sections)
    for index, (_, sh_type, sh_flags, _, sh_offset, sh_size, *_rest) in enumerate(sections):
        if (
            sh_type not in (_SHT_RELA, _SHT_REL, _SHT_RELR)
            or not sh_flags & _SHF_ALLOC
            or not sh_size
        ):
            continue
        detail = ""
        if sh_type == _SHT_RELA and sh_offset + _RELA.size <= len(raw):
            r_offset, r_info, _ = _RELA.unpack_from(raw, sh_offset)
            kind = _RELOCATION_TYPES.get(r_info & 0xFFFFFFFF, f"type {r_info & 0xFFFFFFFF}")
            detail = f", the first {kind} at offset 0x{r_offset:x}"
        raise ElfError(
            f"section {names.get(index, index)} holds dynamic relocations "
            f"({sh_size} bytes{detail}): "
            "avoid initialized pointers in static data and use VMPL_SGX_ECALLS for the ecall table"
        )


def _section_names(raw: bytes, sections: List[Tuple[int, ...]]) -> Dict[int, str]:
    header = _EHDR.unpack_from(raw)
    shstrndx = header[13]
    if not sections or shstrndx >= len(sections):
        return {}
    strtab = sections[shstrndx]
    names = {}
    for index, section in enumerate(sections):
        names[index] = _string(raw, strtab[4], strtab[5], section[0])
    return names


def _string(raw: bytes, table_offset: int, table_size: int, index: int) -> str:
    if index >= table_size or table_offset + table_size > len(raw):
        return ""
    start = table_offset + index
    end = raw.find(b"\0", start, table_offset + table_size)
    return raw[start : end if end >= 0 else table_offset + table_size].decode(errors="replace")


def _symbols(
    raw: bytes, sections: List[Tuple[int, ...]]
) -> Tuple[Dict[str, int], List[Tuple[int, int, str]]]:
    """Defined symbols of .symtab, or of .dynsym when the image is stripped; and the
    functions among them with their sizes."""
    tables = [s for s in sections if s[1] == _SHT_SYMTAB] or [
        s for s in sections if s[1] == _SHT_DYNSYM
    ]
    symbols: Dict[str, int] = {}
    functions: List[Tuple[int, int, str]] = []
    for _, _, _, _, offset, size, link, _, _, _ in tables:
        if link >= len(sections) or offset + size > len(raw):
            raise ElfError("the symbol table or its string table runs past the end of the file")
        strtab = sections[link]
        for position in range(offset, offset + size - _SYM.size + 1, _SYM.size):
            st_name, st_info, _, st_shndx, st_value, st_size = _SYM.unpack_from(raw, position)
            if st_name and st_shndx != _SHN_UNDEF:
                name = _string(raw, strtab[4], strtab[5], st_name)
                symbols.setdefault(name, st_value)
                if st_info & 0xF == _STT_FUNC:
                    functions.append((st_value, st_size, name))
    return symbols, functions


def _entry(e_entry: int, symbols: Dict[str, int], segments: List[Segment]) -> int:
    entry = symbols.get(ENTRY_SYMBOL)
    if entry is None:
        raise ElfError(
            f"missing entry symbol {ENTRY_SYMBOL}: link the vmpl-sgx runtime "
            "(runtime/entry.S) into the image, and do not strip its symbols"
        )
    if entry != e_entry:
        raise ElfError(f"e_entry 0x{e_entry:x} is not {ENTRY_SYMBOL} (0x{entry:x})")
    if not any(s.executable and s.vaddr <= entry < s.vaddr + s.memsz for s in segments):
        raise ElfError(f"{ENTRY_SYMBOL} (0x{entry:x}) is not in an executable segment")
    return entry
