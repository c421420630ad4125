"""Guest memory as the SEH sees it: the guest pages a call names, by guest-physical address.

Only the pages a transport registered exist; every other address faults, like a
GPA outside the memory the SEH may touch.
"""

from __future__ import annotations

from typing import Iterator, Union

from vmpl_sgx._abi import PAGE_SIZE
from vmpl_sgx.seh.errors import SehFault

PageBuffer = Union[bytearray, memoryview, bytes]


class GuestMemory:
    """A page table from guest-physical address to a 4096-byte buffer and a writable flag."""

    def __init__(self) -> None:
        self._pages: dict[int, tuple[memoryview, bool]] = {}

    def add(self, gpa: int, buf: PageBuffer, writable: bool) -> None:
        """Map the page at `gpa` to `buf`; the buffer is used in place, not copied."""
        if gpa < 0 or gpa % PAGE_SIZE:
            raise ValueError(f"guest page address 0x{gpa:x} is not page-aligned")
        view = memoryview(buf).cast("B")
        if len(view) != PAGE_SIZE:
            raise ValueError(f"guest page 0x{gpa:x} has {len(view)} bytes, not {PAGE_SIZE}")
        if writable and view.readonly:
            raise ValueError(f"guest page 0x{gpa:x} is writable but its buffer is read-only")
        self._pages[gpa] = (view, writable)

    def _page(self, gpa: int, length: int) -> tuple[memoryview, bool]:
        # Accesses never cross a page: guest pages are not contiguous in the SEH's view.
        if gpa % PAGE_SIZE or not 0 <= length <= PAGE_SIZE:
            raise SehFault(gpa)
        try:
            return self._pages[gpa]
        except KeyError:
            raise SehFault(gpa) from None

    def read(self, gpa: int, length: int = PAGE_SIZE) -> memoryview:
        """The first `length` bytes of the page at `gpa`, read-only."""
        view, _ = self._page(gpa, length)
        return view[:length].toreadonly()

    def write(self, gpa: int, data: PageBuffer) -> None:
        """Copy `data` to the start of the writable page at `gpa`."""
        chunk = memoryview(data).cast("B")
        view, writable = self._page(gpa, len(chunk))
        if not writable:
            raise SehFault(gpa, f"guest page 0x{gpa:x} is read-only")
        view[: len(chunk)] = chunk

    def check(self, gpa: int, writable: bool = False) -> None:
        """Raise SehFault unless the page at `gpa` exists (and is writable if asked)."""
        _, page_writable = self._page(gpa, PAGE_SIZE)
        if writable and not page_writable:
            raise SehFault(gpa, f"guest page 0x{gpa:x} is read-only")

    def check_all(self, gpas: list[int], writable: bool = False) -> None:
        """`check` for each of `gpas`, in order."""
        pages = self._pages
        for gpa in gpas:
            entry = pages.get(gpa)
            if entry is None or (writable and not entry[1]):
                self.check(gpa, writable)  # raises the fault with its message

    def is_writable(self, gpa: int) -> bool:
        """True if `gpa` names a page the SEH may write."""
        entry = self._pages.get(gpa)
        return entry is not None and entry[1]

    def __contains__(self, gpa: object) -> bool:
        return gpa in self._pages

    def __len__(self) -> int:
        return len(self._pages)

    def __iter__(self) -> Iterator[int]:
        return iter(self._pages)
