"""User memory with chosen protections, for pointing ioctls at good and bad addresses."""

from __future__ import annotations

import ctypes
import mmap

PAGE = mmap.PAGESIZE
NONE, READ, RW = 0, mmap.PROT_READ, mmap.PROT_READ | mmap.PROT_WRITE

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [
    ctypes.c_void_p,
    ctypes.c_size_t,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_long,
]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_MAP_FAILED = ctypes.c_void_p(-1).value


class Mapping:
    """`pages` anonymous pages at a fixed address, filled while writable, then protected."""

    def __init__(self, pages: int, data: bytes = b"", prot: int = RW) -> None:
        self.size = pages * PAGE
        flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
        address = _libc.mmap(None, self.size, RW, flags, -1, 0)
        if address in (None, _MAP_FAILED):
            raise OSError(ctypes.get_errno(), "mmap failed")
        self.address: int = address
        if data:
            self.write(0, data)
        if prot != RW:
            self.protect(prot)

    def write(self, offset: int, data: bytes) -> None:
        assert offset + len(data) <= self.size
        ctypes.memmove(self.address + offset, data, len(data))

    def read(self, offset: int, length: int) -> bytes:
        return ctypes.string_at(self.address + offset, length)

    def protect(self, prot: int, offset: int = 0, length: int | None = None) -> None:
        size = self.size - offset if length is None else length
        if _libc.mprotect(self.address + offset, size, prot):
            raise OSError(ctypes.get_errno(), "mprotect failed")

    def guard_page(self, index: int) -> int:
        """Make page `index` inaccessible; returns its address.

        A guard page faults like a hole but, unlike an unmapped page, cannot be filled by a
        later mmap() of the test itself.
        """
        self.protect(NONE, index * PAGE, PAGE)
        return self.address + index * PAGE

    def page(self, index: int) -> int:
        return self.address + index * PAGE

    def close(self) -> None:
        if self.size:
            _libc.munmap(self.address, self.size)
        self.size = 0


UNMAPPED_ADDRESS = 0x1000
"""Below mmap_min_addr: nothing is ever mapped there without MAP_FIXED."""
BEYOND_USER_ADDRESS = 0x7FFF_FFFF_F000
"""The first page past x86-64 user space (4-level paging)."""
KERNEL_ADDRESS = 0xFFFF_8000_0000_0000
"""Never a user address."""
BAD_ADDRESSES = {
    "null": 0,
    "unmapped": UNMAPPED_ADDRESS,
    "beyond-user": BEYOND_USER_ADDRESS,
    "kernel": KERNEL_ADDRESS,
}
