"""Zero pages an enclave holds, kept as runs of offsets instead of one buffer per page.

EADD of a zero page (descriptor flag ZERO) stores nothing but its place and SECINFO flags:
a 1 GiB heap is one run, not 262144 page buffers. A page leaves its run when something
writes it (the enclave then keeps it as an ordinary page).
"""

from __future__ import annotations

import bisect
from typing import Iterator, List, Tuple

from vmpl_sgx._abi import PAGE_SIZE


class ZeroRuns:
    """Disjoint runs [start, end) of zero pages with one SECINFO flags value each, sorted."""

    def __init__(self) -> None:
        self._starts: List[int] = []
        self._ends: List[int] = []
        self._flags: List[int] = []
        self.page_count = 0

    def _index(self, offset: int) -> int:
        """Index of the run holding `offset`, or -1."""
        index = bisect.bisect_right(self._starts, offset) - 1
        if index >= 0 and offset < self._ends[index]:
            return index
        return -1

    def __contains__(self, offset: object) -> bool:
        return isinstance(offset, int) and self._index(offset) >= 0

    def flags_at(self, offset: int) -> int | None:
        index = self._index(offset)
        return None if index < 0 else self._flags[index]

    def overlaps(self, start: int, end: int) -> bool:
        """True if any zero page lies in [start, end)."""
        index = bisect.bisect_left(self._ends, start + 1)
        return index < len(self._starts) and self._starts[index] < end

    def add(self, start: int, pages: int, flags: int) -> None:
        """Add `pages` zero pages from `start`; the caller made sure none of them exists."""
        end = start + pages * PAGE_SIZE
        index = bisect.bisect_right(self._starts, start)
        self.page_count += pages
        # Join the run before when it ends here with the same flags (the usual case:
        # a large range arrives in order, batch after batch).
        if index and self._ends[index - 1] == start and self._flags[index - 1] == flags:
            self._ends[index - 1] = end
            if index < len(self._starts) and self._starts[index] == end and (
                self._flags[index] == flags
            ):
                self._ends[index - 1] = self._ends[index]
                self._remove(index)
            return
        if index < len(self._starts) and self._starts[index] == end and self._flags[index] == flags:
            self._starts[index] = start
            return
        self._starts.insert(index, start)
        self._ends.insert(index, end)
        self._flags.insert(index, flags)

    def take(self, offset: int) -> int:
        """Remove the page at `offset` from its run (splitting it); returns its flags."""
        index = self._index(offset)
        if index < 0:
            raise KeyError(offset)
        start, end, flags = self._starts[index], self._ends[index], self._flags[index]
        self._remove(index)
        self.page_count -= 1
        if offset + PAGE_SIZE < end:
            self._insert(index, offset + PAGE_SIZE, end, flags)
        if start < offset:
            self._insert(index, start, offset, flags)
        return flags

    def runs(self) -> Iterator[Tuple[int, int, int]]:
        """(start, end, flags) of every run, ascending."""
        return iter(list(zip(self._starts, self._ends, self._flags)))

    def offsets(self) -> Iterator[int]:
        for start, end, _ in self.runs():
            yield from range(start, end, PAGE_SIZE)

    def _remove(self, index: int) -> None:
        del self._starts[index], self._ends[index], self._flags[index]

    def _insert(self, index: int, start: int, end: int, flags: int) -> None:
        self._starts.insert(index, start)
        self._ends.insert(index, end)
        self._flags.insert(index, flags)
