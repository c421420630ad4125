"""Jinja filters: the only formatting logic, shared by every template."""

from __future__ import annotations

import re
import textwrap
from typing import Callable

from .model import Field

_C_TYPES = {"u8": "__u8", "u16": "__u16", "u32": "__u32", "u64": "__u64"}
_STDINT_TYPES = {"u8": "uint8_t", "u16": "uint16_t", "u32": "uint32_t", "u64": "uint64_t"}
_CTYPES = {
    "u8": "ctypes.c_uint8",
    "u16": "ctypes.c_uint16",
    "u32": "ctypes.c_uint32",
    "u64": "ctypes.c_uint64",
}


def one_line(doc: str) -> str:
    """The whole doc as one line (member descriptions, table cells)."""
    return " ".join(doc.split())


def summary(doc: str) -> str:
    """First sentence of a doc."""
    text = one_line(doc)
    match = re.match(r"(.+?\.)(\s|$)", text)
    return match.group(1) if match else text


def rest_lines(doc: str, width: int = 74) -> list[str]:
    """Everything after the first sentence, wrapped."""
    text = one_line(doc)[len(summary(doc)) :].strip()
    return textwrap.wrap(text, width) if text else []


def wrap(doc: str, width: int = 74) -> list[str]:
    return textwrap.wrap(one_line(doc), width)


def py_doc(doc: str, indent: int = 0) -> str:
    """Docstring body wrapped to the line length the project's linters use."""
    text = one_line(doc).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = textwrap.wrap(text, 96 - indent)
    if len(lines) <= 1:
        return text
    pad = " " * indent
    return ("\n" + pad).join(lines) + "\n" + pad


def c_literal(value: int, hexa: bool = False) -> str:
    text = f"0x{value:X}" if hexa else str(value)
    if value > 0xFFFFFFFF:
        return text + "ULL"
    if value > 0x7FFFFFFF:
        return text + "U"
    return text


def py_literal(value: int, hexa: bool = False) -> str:
    return f"0x{value:X}" if hexa else str(value)


def hex2(value: int) -> str:
    return f"0x{value:02X}"


def hex8(value: int) -> str:
    return f"0x{value:08X}"


def c_decl(field: Field, stdint: bool = False) -> str:
    types = _STDINT_TYPES if stdint else _C_TYPES
    base = f"struct {field.struct.c_name}" if field.struct else types[field.type]
    suffix = f"[{field.count}]" if field.is_array else ""
    return f"{base} {field.name}{suffix}"


def py_ctype(field: Field) -> str:
    base = field.struct.py_name if field.struct else _CTYPES[field.type]
    return f"{base} * {field.count}" if field.is_array else base


def py_annotation(field: Field) -> str:
    base = field.struct.py_name if field.struct else _CTYPES[field.type]
    if field.is_array:
        return f"ctypes.Array[{base}]"
    return base if field.struct else "int"


def md_type(field: Field) -> str:
    base = field.struct.name if field.struct else field.type
    return f"{base}[{field.count}]" if field.is_array else base


FILTERS: dict[str, Callable[..., object]] = {
    "one_line": one_line,
    "one_para": one_line,
    "summary": summary,
    "rest_lines": rest_lines,
    "more_lines": rest_lines,
    "py_doc": py_doc,
    "wrap": wrap,
    "c_literal": c_literal,
    "py_literal": py_literal,
    "hex2": hex2,
    "hex8": hex8,
    "c_decl": c_decl,
    "py_ctype": py_ctype,
    "py_annotation": py_annotation,
    "md_type": md_type,
}
