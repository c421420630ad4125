"""Loopback messages of /dev/vmpl_sgx_seh, encoded and decoded without touching any device.

A message is the 64-byte header, the page table (16 bytes an entry), the
4096-byte Calling Area image and the contents of every page in the table. A
request lists every page of the call; the response lists exactly the request's
writable pages, in the same order, with their new contents.
"""

from __future__ import annotations

import ctypes
from typing import NamedTuple, Sequence, Tuple, Union

from vmpl_sgx._abi import (
    LB_MAGIC,
    LB_MAX_PAGES,
    LB_VERSION,
    PAGE_SIZE,
    SEH_CAA_BUFFER_SIZE,
    LbCaa,
    LbHeader,
    LbPage,
    LbPageFlag,
)

Buffer = Union[bytes, bytearray, memoryview]

HEADER_SIZE = ctypes.sizeof(LbHeader)
ENTRY_SIZE = ctypes.sizeof(LbPage)
CAA_IMAGE_SIZE = ctypes.sizeof(LbCaa)
# A plain int: IntFlag arithmetic is slow on a per-page path, and ~ of an IntFlag keeps
# only its declared bits on newer Pythons.
_WRITABLE = int(LbPageFlag.WRITABLE)


class MessageError(ValueError):
    """A loopback message that does not follow the format."""


class LbPageData(NamedTuple):
    """One page of a message: its guest-physical address, LB_PAGE flags and 4096 bytes."""

    gpa: int
    flags: int
    data: Buffer

    @property
    def writable(self) -> bool:
        return bool(self.flags & _WRITABLE)


class LbMessage(NamedTuple):
    """A decoded message. Decoding a bytearray gives writable views into it, not copies."""

    seq: int
    rax: int
    rcx: int
    caa: memoryview
    """The 4088-byte Calling Area buffer."""
    pages: Tuple[LbPageData, ...]
    rdx: int = 0
    r8: int = 0
    r9: int = 0


def message_size(npages: int) -> int:
    """Bytes of a message with `npages` pages."""
    return HEADER_SIZE + npages * (ENTRY_SIZE + PAGE_SIZE) + CAA_IMAGE_SIZE


def _encode(header: LbHeader, caa: Buffer, pages: Sequence[LbPageData]) -> bytes:
    caa_bytes = bytes(caa)
    if len(caa_bytes) > SEH_CAA_BUFFER_SIZE:
        raise MessageError(f"Calling Area image of {len(caa_bytes)} bytes")
    if len(pages) > LB_MAX_PAGES:
        raise MessageError(f"{len(pages)} pages, more than {LB_MAX_PAGES}")
    header.magic, header.version, header.npages = LB_MAGIC, LB_VERSION, len(pages)
    parts: list[Buffer] = [bytes(header)]
    parts += [bytes(LbPage(gpa=page.gpa, flags=page.flags)) for page in pages]
    parts.append(caa_bytes.ljust(CAA_IMAGE_SIZE, b"\0"))
    for page in pages:
        if len(page.data) != PAGE_SIZE:
            raise MessageError(f"page 0x{page.gpa:x} has {len(page.data)} bytes")
        parts.append(page.data)
    return b"".join(parts)


def _decode(message: Buffer) -> LbMessage:
    view = memoryview(message).cast("B")
    if len(view) < HEADER_SIZE:
        raise MessageError(f"message of {len(view)} bytes is shorter than its header")
    header = LbHeader.from_buffer_copy(view[:HEADER_SIZE])
    if header.magic != LB_MAGIC or header.version != LB_VERSION:
        raise MessageError(f"magic 0x{header.magic:x} version {header.version} are not ours")
    if header.reserved or header.npages > LB_MAX_PAGES:
        raise MessageError(f"bad header: npages {header.npages}, reserved {header.reserved}")
    if len(view) != message_size(header.npages):
        raise MessageError(f"{len(view)} bytes for {header.npages} pages")
    caa_at = HEADER_SIZE + header.npages * ENTRY_SIZE
    if any(view[caa_at + SEH_CAA_BUFFER_SIZE : caa_at + CAA_IMAGE_SIZE]):
        raise MessageError("Calling Area image padding is not zero")
    pages = []
    seen = set()
    data_at = caa_at + CAA_IMAGE_SIZE
    for index in range(header.npages):
        entry_at = HEADER_SIZE + index * ENTRY_SIZE
        entry = LbPage.from_buffer_copy(view[entry_at : entry_at + ENTRY_SIZE])
        if entry.reserved or entry.flags & ~_WRITABLE:
            raise MessageError(f"page entry {index} has unknown flags or reserved bits")
        if entry.gpa % PAGE_SIZE or entry.gpa in seen:
            raise MessageError(f"page entry {index}: GPA 0x{entry.gpa:x} unaligned or repeated")
        seen.add(entry.gpa)
        start = data_at + index * PAGE_SIZE
        pages.append(LbPageData(entry.gpa, entry.flags, view[start : start + PAGE_SIZE]))
    return LbMessage(
        seq=header.seq,
        rax=header.rax,
        rcx=header.rcx,
        caa=view[caa_at : caa_at + SEH_CAA_BUFFER_SIZE],
        pages=tuple(pages),
        rdx=header.rdx,
        r8=header.r8,
        r9=header.r9,
    )


def encode_request(
    seq: int,
    rax: int,
    rcx: int,
    caa: Buffer,
    pages: Sequence[LbPageData] = (),
    *,
    rdx: int = 0,
    r8: int = 0,
    r9: int = 0,
) -> bytes:
    """A request message: the registers, the Calling Area buffer and every page of the call."""
    header = LbHeader(seq=seq, rax=rax, rcx=rcx, rdx=rdx, r8=r8, r9=r9)
    return _encode(header, caa, pages)


def decode_request(message: Buffer) -> LbMessage:
    """Parse a request; raises MessageError if it breaks the format."""
    return _decode(message)


def encode_response(
    seq: int, rax: int, rcx: int, caa: Buffer, pages: Sequence[LbPageData] = ()
) -> bytes:
    """A response message; `pages` are the request's writable pages, in order."""
    if not all(page.writable for page in pages):
        raise MessageError("a response carries only writable pages")
    return _encode(LbHeader(seq=seq, rax=rax, rcx=rcx), caa, pages)


def decode_response(message: Buffer) -> LbMessage:
    """Parse a response; raises MessageError if it breaks the format."""
    decoded = _decode(message)
    if not all(page.writable for page in decoded.pages):
        raise MessageError("a response carries only writable pages")
    return decoded


def answer(request: LbMessage, rax: int, rcx: int) -> bytes:
    """The response to `request`: its Calling Area buffer and writable pages as they are now."""
    writable = [page for page in request.pages if page.writable]
    return encode_response(request.seq, rax, rcx, request.caa, writable)
