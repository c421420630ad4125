"""From an enclave image (ELF) to a `Layout`: the pages to add, their permissions and order.

Enclave offsets, from 0:

    image       the ELF's loadable segments at their addresses, each page with the SECINFO
                permissions of its segment (R, R+W or R+X; never W and X together); measured
    heap        optional, R+W, zero pages, not measured (added without building their contents)
    per thread  guard page (never added), stack (R+W), TCS, SSA frames (R+W), thread data
                (R+W, a struct vmpl_sgx_enclave_thread_data at the page's start); all measured

The enclave size is the smallest power of two holding all of it. Regions are listed, and so
added and measured, in ascending offset order, so MRENCLAVE depends only on the image and
these parameters, never on the enclave's base.
"""

from __future__ import annotations

import dataclasses
import errno
from pathlib import Path
from typing import List

from vmpl_sgx._abi import MIN_ENCLAVE_SIZE, PAGE_SIZE, Attr, EnclaveThreadData
from vmpl_sgx.elf import ElfImage, Segment, load_elf
from vmpl_sgx.errors import SdkError
from vmpl_sgx.layout import Layout, Region, W, X, reg_flags
from vmpl_sgx.seh.secs import ssa_frame_pages

DEFAULT_BASE = 1 << 44
"""16 TiB: far from where Linux places programs, libraries and mmap()s, so a worker can map
the enclave there. Any base aligned to the enclave size works; MRENCLAVE does not depend on it."""

DEFAULT_STACK_SIZE = 64 << 10
DEFAULT_XFRM = 0x3
"""x87 and SSE, what compiled C uses; a larger XFRM needs larger SSA frames."""


class ImageError(SdkError, ValueError):
    """The parameters cannot make an enclave from this image."""


class EnclaveTooLargeError(SdkError):
    """The layout would exceed the largest enclave the SEH accepts (GET_INFO's
    max_enclave_size); raised before anything is allocated or added."""

    def __init__(self, message: str) -> None:
        super().__init__(message, errno.ENOMEM)


@dataclasses.dataclass(frozen=True)
class ImageParams:
    """How to lay out an image: threads, their stacks and SSA frames, heap, SECS fields."""

    threads: int = 1
    """TCS pages, one per thread that may be inside the enclave at a time."""
    stack_size: int = DEFAULT_STACK_SIZE
    heap_size: int = 0
    nssa: int = 2
    """SSA frames per TCS."""
    attributes: int = int(Attr.MODE64BIT | Attr.DEBUG)
    xfrm: int = DEFAULT_XFRM
    miscselect: int = 0
    base: int | None = None
    """SECS.base; None picks DEFAULT_BASE (or the size, when that is larger)."""

    def check(self) -> None:
        if not 1 <= self.threads <= 4096:
            raise ImageError(f"threads must be 1 to 4096, got {self.threads}")
        for name in ("stack_size", "heap_size"):
            value = getattr(self, name)
            if value < 0 or value % PAGE_SIZE:
                raise ImageError(f"{name} 0x{value:x} is not a whole number of pages")
        if self.stack_size == 0:
            raise ImageError("stack_size must be at least one page")
        if self.nssa < 1:
            raise ImageError("nssa must be at least 1")


def _pow2_at_least(value: int) -> int:
    return max(MIN_ENCLAVE_SIZE, 1 << max(0, value - 1).bit_length())


def _pages_of(segment: Segment) -> bytes:
    start = segment.first_page
    content = bytearray(segment.end_page - start)
    offset = segment.vaddr - start
    content[offset : offset + len(segment.data)] = segment.data
    return bytes(content)


def _segment_flags(segment: Segment) -> int:
    # x86 cannot make a page writable but not readable, so W implies R.
    letters = "r" if segment.readable or segment.writable else ""
    letters += "w" if segment.writable else ""
    letters += "x" if segment.executable else ""
    return reg_flags(letters)


def enclave_size(image: ElfImage, params: ImageParams) -> int:
    """SECS.size of `image` laid out with `params`, computed without building the layout."""
    ssa_bytes = params.nssa * ssa_frame_pages(params.xfrm, params.miscselect) * PAGE_SIZE
    per_thread = PAGE_SIZE + params.stack_size + PAGE_SIZE + ssa_bytes + PAGE_SIZE
    return _pow2_at_least(image.end + params.heap_size + params.threads * per_thread)


def layout_from_elf(
    image: ElfImage, params: ImageParams | None = None, *, max_size: int | None = None
) -> Layout:
    """The Layout of `image` with `params`; see the module's description for the map.
    EnclaveTooLargeError, before any page is built, if it would exceed `max_size`."""
    params = params if params is not None else ImageParams()
    params.check()
    if max_size is not None:
        size = enclave_size(image, params)
        if size > max_size:
            raise EnclaveTooLargeError(
                f"the enclave would need 0x{size:x} bytes (heap 0x{params.heap_size:x}, "
                f"{params.threads} threads of 0x{params.stack_size:x}-byte stacks), above "
                f"the SEH's max_enclave_size 0x{max_size:x}"
            )
    regions: List[Region] = []
    for segment in image.segments:
        flags = _segment_flags(segment)
        if flags & W and flags & X:  # the ELF reader refuses these already; never load one
            raise ImageError(f"{segment.describe()} would be writable and executable")
        regions.append(
            Region(segment.first_page, _pages_of(segment), flags, True, f"segment {segment.number}")
        )
    cursor = image.end
    heap_offset = 0
    if params.heap_size:
        heap_offset = cursor
        regions.append(Region.zeros(cursor, params.heap_size, reg_flags("rw"), "heap"))
        cursor += params.heap_size
    ssa_frame_size = ssa_frame_pages(params.xfrm, params.miscselect)
    ssa_bytes = params.nssa * ssa_frame_size * PAGE_SIZE
    for index in range(params.threads):
        cursor += PAGE_SIZE  # guard page below the stack: an overflow faults, it cannot spill
        stack_offset = cursor
        stack_top = stack_offset + params.stack_size
        tcs_offset = stack_top
        ssa_offset = tcs_offset + PAGE_SIZE
        thread_offset = ssa_offset + ssa_bytes
        thread_data = EnclaveThreadData(
            self_offset=thread_offset,
            stack_top_offset=stack_top,
            stack_size=params.stack_size,
            heap_offset=heap_offset,
            heap_size=params.heap_size,
            thread_index=index,
        )
        regions += [
            Region(stack_offset, bytes(params.stack_size), reg_flags("rw"), True, f"stack {index}"),
            Region.tcs(
                tcs_offset,
                name=f"tcs {index}",
                oentry=image.entry,
                ossa=ssa_offset,
                nssa=params.nssa,
                ofsbase=thread_offset,
                ogsbase=thread_offset,
            ),
            Region(ssa_offset, bytes(ssa_bytes), reg_flags("rw"), True, f"ssa {index}"),
            Region(
                thread_offset,
                bytes(thread_data).ljust(PAGE_SIZE, b"\0"),
                reg_flags("rw"),
                True,
                f"thread data {index}",
            ),
        ]
        cursor = thread_offset + PAGE_SIZE
    size = _pow2_at_least(cursor)
    assert size == enclave_size(image, params)  # the check above saw this very size
    base = params.base if params.base is not None else max(DEFAULT_BASE, size)
    return Layout(
        size=size,
        base=base,
        regions=tuple(regions),
        ssa_frame_size=ssa_frame_size,
        attributes=params.attributes,
        xfrm=params.xfrm,
        miscselect=params.miscselect,
    )


def layout_from_file(
    path: str | Path, params: ImageParams | None = None, *, max_size: int | None = None
) -> Layout:
    """Read the enclave image at `path` (see vmpl_sgx.elf) and lay it out."""
    return layout_from_elf(load_elf(path), params, max_size=max_size)
