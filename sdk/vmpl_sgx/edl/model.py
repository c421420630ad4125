"""What an EDL file describes: C types, parameters with their attributes, functions."""

from __future__ import annotations

import dataclasses
from typing import Dict, Tuple, Union

from vmpl_sgx.errors import SdkError


class EdlError(SdkError):
    """The EDL file is malformed or uses a construct the generator does not support."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line
        self.message = message


@dataclasses.dataclass(frozen=True)
class CType:
    """A scalar C type as the x86-64 System V ABI lays it out."""

    name: str
    """Canonical C spelling, as the generated code writes it."""
    fmt: str
    """Its `struct` format character (little-endian, no padding); empty for void."""
    size: int

    @property
    def is_void(self) -> bool:
        return not self.fmt

    @property
    def is_float(self) -> bool:
        return self.fmt in ("f", "d")

    @property
    def py_type(self) -> str:
        if self.is_void:
            return "None"
        return "float" if self.is_float else "int"


def _types() -> Dict[str, CType]:
    table: Dict[str, CType] = {}
    for names, fmt, size in (
        (("void",), "", 0),
        (("char", "signed char", "int8_t"), "b", 1),
        (("unsigned char", "uint8_t"), "B", 1),
        (("short", "int16_t"), "h", 2),
        (("unsigned short", "uint16_t"), "H", 2),
        (("int", "int32_t"), "i", 4),
        (("unsigned int", "uint32_t"), "I", 4),
        (("long", "long long", "int64_t"), "q", 8),
        (("unsigned long", "unsigned long long", "uint64_t", "size_t"), "Q", 8),
        (("float",), "f", 4),
        (("double",), "d", 8),
    ):
        for name in names:
            table[name] = CType(name, fmt, size)
    return table


TYPES = _types()

SizeRef = Union[int, str, None]
"""A size= or count= value: a number, the name of an integer parameter, or absent."""


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter: a scalar, or a pointer with its direction and size attributes."""

    name: str
    ctype: CType
    const: bool = False
    pointer: bool = False
    direction_in: bool = False
    direction_out: bool = False
    string: bool = False
    user_check: bool = False
    size: SizeRef = None
    count: SizeRef = None
    line: int = 0

    @property
    def kind(self) -> str:
        """scalar, user_check, string, in, out or inout."""
        if not self.pointer:
            return "scalar"
        if self.user_check:
            return "user_check"
        if self.string:
            return "string"
        if self.direction_in and self.direction_out:
            return "inout"
        return "in" if self.direction_in else "out"

    @property
    def element_size(self) -> int:
        """Bytes of one element: size= when given, else the pointed-to type's size."""
        if isinstance(self.size, int):
            return self.size
        return self.ctype.size

    def c_decl(self) -> str:
        const = "const " if self.const else ""
        star = " *" if self.pointer else " "
        return f"{const}{self.ctype.name}{star}{self.name}"


@dataclasses.dataclass(frozen=True)
class Function:
    """An ecall (trusted) or ocall (untrusted) and where the EDL declares it."""

    name: str
    ret: CType
    params: Tuple[Param, ...]
    file: str
    line: int

    def param(self, name: str) -> Param | None:
        for param in self.params:
            if param.name == name:
                return param
        return None

    def c_params(self) -> str:
        return ", ".join(param.c_decl() for param in self.params) or "void"


@dataclasses.dataclass(frozen=True)
class Interface:
    """A parsed EDL file with its imports resolved. Ids are positions in these tuples."""

    name: str
    includes: Tuple[str, ...]
    ecalls: Tuple[Function, ...]
    ocalls: Tuple[Function, ...]
