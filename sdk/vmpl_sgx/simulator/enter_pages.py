"""The bounce pages of ENTER, kept and reused as the module keeps its per-TCS run pages.

Building a page table of sixteen fresh output pages per RUN cost more than the rest of the
simulated RUN together. A set holds SEH_RUN_PAGES input pages (read-only to the SEH) and as
many output pages (writable), each at a fixed made-up guest-physical address, with its page
table built once. A RUN takes a free set and gives it back; parallel RUNs get separate sets.
"""

from __future__ import annotations

import ctypes
import threading
from typing import List

from vmpl_sgx._abi import PAGE_SIZE, SEH_RUN_PAGES
from vmpl_sgx.seh import GuestMemory


class EnterPages:
    """One set of ENTER bounce pages and the page table that names them."""

    def __init__(self, gpa_base: int) -> None:
        self.input_gpas = [gpa_base + index * PAGE_SIZE for index in range(SEH_RUN_PAGES)]
        self.output_gpas = [
            gpa_base + (SEH_RUN_PAGES + index) * PAGE_SIZE for index in range(SEH_RUN_PAGES)
        ]
        self.input_table = (ctypes.c_uint64 * SEH_RUN_PAGES)(*self.input_gpas)
        self.output_table = (ctypes.c_uint64 * SEH_RUN_PAGES)(*self.output_gpas)
        self._input = bytearray(SEH_RUN_PAGES * PAGE_SIZE)
        self._output = bytearray(SEH_RUN_PAGES * PAGE_SIZE)
        self.memory = GuestMemory()
        inputs, outputs = memoryview(self._input), memoryview(self._output)
        for index in range(SEH_RUN_PAGES):
            page = slice(index * PAGE_SIZE, (index + 1) * PAGE_SIZE)
            self.memory.add(self.input_gpas[index], inputs[page], False)
            self.memory.add(self.output_gpas[index], outputs[page], True)

    def stage_input(self, data: bytes) -> int:
        """Copy `data` into the input pages, zero to the end of its last page; pages used."""
        pages = -(-len(data) // PAGE_SIZE)
        end = pages * PAGE_SIZE
        self._input[: len(data)] = data
        self._input[len(data) : end] = bytes(end - len(data))
        return pages

    def output(self, length: int) -> bytes:
        """The first `length` bytes the SEH wrote to the output pages."""
        return bytes(self._output[:length])


class EnterPagePool:
    """Free sets of ENTER pages; a new one is made when every set is in use."""

    def __init__(self, gpa_base: int) -> None:
        self._gpa_base = gpa_base
        self._lock = threading.Lock()
        self._free: List[EnterPages] = []

    def take(self) -> EnterPages:
        with self._lock:
            if self._free:
                return self._free.pop()
        return EnterPages(self._gpa_base)

    def give_back(self, pages: EnterPages) -> None:
        with self._lock:
            self._free.append(pages)
