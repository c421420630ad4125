"""Source lines of code addresses, from an image's DWARF line table (.debug_line).

Reads line-number programs of DWARF versions 2 to 5 (gcc writes 5 by default, 4 with
-gdwarf-4) and answers `enclave.c:42` for an enclave offset, as binutils' addr2line -s
does. Only what x86-64 images use: one operation per instruction, no segment selectors;
a unit it cannot read is skipped, the others still answer.
"""

from __future__ import annotations

import bisect
import contextlib
import struct
from typing import Callable, Dict, List, NamedTuple, Sequence, Tuple

from vmpl_sgx.elf import BytesLike, debug_sections

_U8, _U16, _U32, _U64 = (struct.Struct(f"<{c}") for c in "BHIQ")

# Standard opcodes (DWARF 5, 6.2.5.2)
_COPY, _ADVANCE_PC, _ADVANCE_LINE, _SET_FILE = 1, 2, 3, 4
_CONST_ADD_PC, _FIXED_ADVANCE_PC = 8, 9
# Extended opcodes
_END_SEQUENCE, _SET_ADDRESS = 1, 2
# DWARF 5 entry formats: content types and forms
_LNCT_PATH, _LNCT_DIRECTORY_INDEX = 1, 2
_FORM_BLOCK, _FORM_DATA1, _FORM_DATA2, _FORM_DATA4, _FORM_DATA8 = 0x09, 0x0B, 0x05, 0x06, 0x07
_FORM_DATA16, _FORM_STRING, _FORM_STRP, _FORM_UDATA, _FORM_LINE_STRP = 0x1E, 0x08, 0x0E, 0x0F, 0x1F
_FIXED_FORMS = {_FORM_DATA1: 1, _FORM_DATA2: 2, _FORM_DATA4: 4, _FORM_DATA8: 8, _FORM_DATA16: 16}


class DwarfError(ValueError):
    """A line-number program this reader cannot follow."""


class _Reader:
    def __init__(self, data: bytes, offset: int, end: int) -> None:
        self.data, self.offset, self.end = data, offset, end

    def fixed(self, layout: struct.Struct) -> int:
        if self.offset + layout.size > self.end:
            raise DwarfError("truncated line-number program")
        (value,) = layout.unpack_from(self.data, self.offset)
        self.offset += layout.size
        return int(value)

    def sized(self, size: int) -> int:
        if self.offset + size > self.end:
            raise DwarfError("truncated line-number program")
        value = int.from_bytes(self.data[self.offset : self.offset + size], "little")
        self.offset += size
        return value

    def _leb(self) -> tuple[int, int, int]:
        """A LEB128 number's bits, their count and its last byte."""
        value = shift = 0
        while True:
            byte = self.fixed(_U8)
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, shift, byte

    def uleb(self) -> int:
        return self._leb()[0]

    def sleb(self) -> int:
        value, shift, last = self._leb()
        return value - (1 << shift) if last & 0x40 else value

    def cstring(self) -> str:
        stop = self.data.find(b"\0", self.offset, self.end)
        if stop < 0:
            raise DwarfError("unterminated string")
        text = self.data[self.offset : stop].decode(errors="replace")
        self.offset = stop + 1
        return text


def _string_at(table: bytes, offset: int) -> str:
    stop = table.find(b"\0", offset)
    if offset >= len(table) or stop < 0:
        raise DwarfError(f"string offset 0x{offset:x} is outside its section")
    return table[offset:stop].decode(errors="replace")


class _Unit(NamedTuple):
    """What one unit's header says that its program needs."""

    version: int
    min_length: int
    line_base: int
    line_range: int
    opcode_base: int
    opcode_lengths: Tuple[int, ...]
    address_size: int
    files: Tuple[str, ...]


Row = Tuple[int, int, int]
"""(address, file index, line) of one line-table row."""


class LineTable:
    """Address ranges of an image's code, each with its file and line."""

    def __init__(self, sequences: Sequence[Tuple[List[Row], int, Tuple[str, ...]]]) -> None:
        # Each sequence: its rows by address (the last row at an address wins, as in
        # binutils), its end address and its unit's file names.
        self._sequences = sorted(
            ((rows[0][0], end, [r[0] for r in rows], rows, files)
             for rows, end, files in sequences if rows),
            key=lambda s: s[0],
        )
        self._starts = [s[0] for s in self._sequences]

    @classmethod
    def from_image(cls, data: BytesLike) -> LineTable:
        """The line table of an ELF image; empty without .debug_line."""
        sections = debug_sections(data)
        return cls.parse(
            sections.get(".debug_line", b""),
            line_str=sections.get(".debug_line_str", b""),
            strings=sections.get(".debug_str", b""),
        )

    @classmethod
    def parse(cls, debug_line: bytes, *, line_str: bytes = b"", strings: bytes = b"") -> LineTable:
        """Every unit of `debug_line` this reader can follow."""
        sequences: List[Tuple[List[Row], int, Tuple[str, ...]]] = []
        offset = 0
        while offset + 4 <= len(debug_line):
            reader = _Reader(debug_line, offset, len(debug_line))
            length = reader.fixed(_U32)
            offset_size = 4
            if length == 0xFFFFFFFF:
                length, offset_size = reader.fixed(_U64), 8
            end = reader.offset + length
            if length == 0 or end > len(debug_line):
                break
            reader.end = end
            with contextlib.suppress(DwarfError):  # one unreadable unit hides no other
                sequences += _run_program(reader, offset_size, line_str, strings)
            offset = end
        return cls(sequences)

    def __len__(self) -> int:
        return len(self._sequences)

    def where(self, address: int) -> Tuple[str, int] | None:
        """(file name, line) of the code at `address`, or None if no row covers it."""
        index = bisect.bisect_right(self._starts, address) - 1
        while index >= 0:
            start, end, addresses, rows, files = self._sequences[index]
            if start <= address < end:
                _, file, line = rows[bisect.bisect_right(addresses, address) - 1]
                if line == 0 or not 0 <= file < len(files):
                    return None
                return files[file], line
            index -= 1  # an earlier sequence may still cover it (code the linker dropped)
        return None

    def describe(self, address: int) -> str:
        """`enclave.c:42` for `address` (the file's base name), or ''."""
        found = self.where(address)
        if found is None:
            return ""
        path, line = found
        return f"{path.rsplit('/', 1)[-1]}:{line}"


def _header(reader: _Reader, offset_size: int, line_str: bytes, strings: bytes) -> _Unit:
    version = reader.fixed(_U16)
    if not 2 <= version <= 5:
        raise DwarfError(f"DWARF version {version}")
    address_size = 8
    if version >= 5:
        address_size = reader.fixed(_U8)
        if reader.fixed(_U8):
            raise DwarfError("segment selectors")
    header_length = reader.sized(offset_size)
    program = reader.offset + header_length
    min_length = reader.fixed(_U8)
    if version >= 4 and reader.fixed(_U8) != 1:
        raise DwarfError("more than one operation per instruction")
    reader.fixed(_U8)  # default_is_stmt: addr2line answers from every row
    line_base = reader.fixed(_U8)
    line_base -= 256 if line_base >= 128 else 0
    line_range = reader.fixed(_U8)
    opcode_base = reader.fixed(_U8)
    if not line_range or not opcode_base:
        raise DwarfError("line_range or opcode_base is 0")
    lengths = tuple(reader.fixed(_U8) for _ in range(opcode_base - 1))
    if version >= 5:
        directories = _entries(reader, offset_size, line_str, strings, ())
        files = _entries(reader, offset_size, line_str, strings, directories)
    else:
        directories = ("",)  # directory 0: the unit's compilation directory
        while True:
            name = reader.cstring()
            if not name:
                break
            directories += (name,)
        names: List[str] = [""]  # file numbers start at 1 before DWARF 5
        while True:
            name = reader.cstring()
            if not name:
                break
            directory = reader.uleb()
            reader.uleb()  # modification time
            reader.uleb()  # length
            names.append(_join(directories, directory, name))
        files = tuple(names)
    reader.offset = program
    return _Unit(
        version, min_length, line_base, line_range, opcode_base, lengths, address_size, files
    )


def _entries(
    reader: _Reader, offset_size: int, line_str: bytes, strings: bytes,
    directories: Tuple[str, ...],
) -> Tuple[str, ...]:
    """A DWARF 5 directory or file name table; file names joined with their directory."""
    formats = [(reader.uleb(), reader.uleb()) for _ in range(reader.fixed(_U8))]
    readers: Dict[int, Callable[[], int | str]] = {
        _FORM_STRING: reader.cstring,
        _FORM_LINE_STRP: lambda: _string_at(line_str, reader.sized(offset_size)),
        _FORM_STRP: lambda: _string_at(strings, reader.sized(offset_size)),
        _FORM_UDATA: reader.uleb,
    }
    names = []
    for _ in range(reader.uleb()):
        path, directory = "", 0
        for content, form in formats:
            if form in readers:
                value = readers[form]()
            elif form in _FIXED_FORMS:
                value = reader.sized(_FIXED_FORMS[form])
            elif form == _FORM_BLOCK:
                reader.offset += reader.uleb()
                continue
            else:
                raise DwarfError(f"form 0x{form:x} in a file name table")
            if content == _LNCT_PATH and isinstance(value, str):
                path = value
            elif content == _LNCT_DIRECTORY_INDEX and isinstance(value, int):
                directory = value
        names.append(_join(directories, directory, path) if directories else path)
    return tuple(names)


def _join(directories: Tuple[str, ...], index: int, name: str) -> str:
    if name.startswith("/") or not 0 <= index < len(directories) or not directories[index]:
        return name
    return f"{directories[index].rstrip('/')}/{name}"


def _run_program(
    reader: _Reader, offset_size: int, line_str: bytes, strings: bytes
) -> List[Tuple[List[Row], int, Tuple[str, ...]]]:
    """Run one unit's line-number program; its sequences as (rows, end address, files)."""
    unit = _header(reader, offset_size, line_str, strings)
    sequences: List[Tuple[List[Row], int, Tuple[str, ...]]] = []
    rows: List[Row] = []
    address, file, line = 0, 1, 1

    def emit() -> None:
        if rows and rows[-1][0] == address:
            rows[-1] = (address, file, line)  # the last row at an address wins
        else:
            rows.append((address, file, line))

    while reader.offset < reader.end:
        opcode = reader.fixed(_U8)
        if opcode >= unit.opcode_base:  # special opcode: advance both, emit a row
            step = opcode - unit.opcode_base
            address += (step // unit.line_range) * unit.min_length
            line += unit.line_base + step % unit.line_range
            emit()
        elif opcode == 0:
            size = reader.uleb()
            after = reader.offset + size
            sub = reader.fixed(_U8) if size else 0
            if sub == _END_SEQUENCE:
                if rows and address > rows[0][0]:
                    ordered = sorted(rows, key=lambda row: row[0])
                    sequences.append((ordered, address, unit.files))
                rows = []
                address, file, line = 0, 1, 1
            elif sub == _SET_ADDRESS:
                address = reader.sized(size - 1)
            reader.offset = after  # define_file, discriminators and the rest: skipped
        elif opcode == _COPY:
            emit()
        elif opcode == _ADVANCE_PC:
            address += reader.uleb() * unit.min_length
        elif opcode == _ADVANCE_LINE:
            line += reader.sleb()
        elif opcode == _SET_FILE:
            file = reader.uleb()
        elif opcode == _CONST_ADD_PC:
            address += ((255 - unit.opcode_base) // unit.line_range) * unit.min_length
        elif opcode == _FIXED_ADVANCE_PC:
            address += reader.fixed(_U16)
        else:  # column, is_stmt, basic block, prologue, epilogue, isa: no bearing on lines
            for _ in range(unit.opcode_lengths[opcode - 1]):
                reader.uleb()
    return sequences
