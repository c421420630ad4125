"""The DER subset X.509 certificates use: reading TLVs and writing them back.

Integers are two's complement and read as signed, so a certificate with a non-positive serial
number (as some of AMD's VCEKs carry) still parses.
"""

from __future__ import annotations

from typing import List, NamedTuple, Tuple

INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OID = 0x06
UTF8_STRING = 0x0C
PRINTABLE_STRING = 0x13
IA5_STRING = 0x16
UTC_TIME = 0x17
GENERALIZED_TIME = 0x18
SEQUENCE = 0x30
SET = 0x31
BOOLEAN = 0x01


class DerError(ValueError):
    """Bytes that are not the DER this parser expects."""


class Element(NamedTuple):
    tag: int
    content: bytes
    encoded: bytes
    """The whole TLV, as signatures cover it."""


def read(data: bytes, offset: int = 0) -> Tuple[Element, int]:
    """The element at `offset` and the offset just past it."""
    if offset + 2 > len(data):
        raise DerError("truncated DER element")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte DER tags are not used by X.509")
    first = data[offset + 1]
    pos = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise DerError("indefinite or oversized DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        if length < 0x80 or data[pos] == 0:
            raise DerError("non-minimal DER length")
        pos += count
    end = pos + length
    if end > len(data):
        raise DerError("DER element runs past its container")
    return Element(tag, data[pos:end], data[offset:end]), end


def read_all(data: bytes) -> List[Element]:
    """Every element of a constructed value's content, in order."""
    elements = []
    offset = 0
    while offset < len(data):
        element, offset = read(data, offset)
        elements.append(element)
    return elements


def read_one(data: bytes, tag: int, what: str) -> Element:
    """`data` holds exactly one element with this tag."""
    element, end = read(data)
    if end != len(data):
        raise DerError(f"{what}: trailing bytes after the element")
    expect(element, tag, what)
    return element


def expect(element: Element, tag: int, what: str) -> Element:
    if element.tag != tag:
        raise DerError(f"{what}: tag {element.tag:#04x}, expected {tag:#04x}")
    return element


def integer(element: Element, what: str) -> int:
    expect(element, INTEGER, what)
    if not element.content:
        raise DerError(f"{what}: empty INTEGER")
    return int.from_bytes(element.content, "big", signed=True)


def bit_string(element: Element, what: str) -> bytes:
    expect(element, BIT_STRING, what)
    if not element.content or element.content[0] != 0:
        raise DerError(f"{what}: BIT STRING with unused bits")
    return element.content[1:]


def oid(element: Element, what: str = "OBJECT IDENTIFIER") -> str:
    expect(element, OID, what)
    data = element.content
    if not data:
        raise DerError(f"{what}: empty OID")
    arcs: List[int] = []
    value = 0
    for byte in data:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


# ---- writing


def encode(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + content


def encode_integer(value: int) -> bytes:
    size = value.bit_length() // 8 + 1  # room for the sign bit
    return encode(INTEGER, value.to_bytes(size, "big", signed=True))


def encode_oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        rest = arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        body.extend(reversed(chunk))
    return encode(OID, bytes(body))


def encode_sequence(*items: bytes) -> bytes:
    return encode(SEQUENCE, b"".join(items))


def encode_bit_string(data: bytes) -> bytes:
    return encode(BIT_STRING, b"\x00" + data)


def encode_explicit(number: int, content: bytes) -> bytes:
    return encode(0xA0 | number, content)
