"""One enclave as the SEH keeps it: SECS fields, pages, measurement and thread state."""

from __future__ import annotations

import enum
from typing import Iterator, NamedTuple, Optional, Sequence, Tuple

from vmpl_sgx._abi import PAGE_SIZE, Attr, Secs
from vmpl_sgx.measure import Measurement
from vmpl_sgx.seh.eadd import is_tcs
from vmpl_sgx.seh.errors import EnclaveAccessError
from vmpl_sgx.seh.zero_runs import ZeroRuns

_ZERO_PAGE = bytes(PAGE_SIZE)


class EnclaveState(enum.Enum):
    CREATED = "created"
    """ECREATE done; pages may be added."""
    INITIALIZED = "initialized"
    """EINIT done; the enclave may be entered."""


class Page:
    """One enclave page: a private copy of its contents and its SECINFO flags."""

    __slots__ = ("data", "flags")

    def __init__(self, data: bytearray, flags: int) -> None:
        self.data = data
        self.flags = flags


class NewPage(NamedTuple):
    """A page that passed the EADD checks, waiting to be added; data None for a zero page."""

    offset: int
    data: bytearray | None
    flags: int
    measured: bool


PageRun = Tuple[int, int, int, Optional[bytearray]]
"""(offset, length, SECINFO flags, contents or None for zeros) of consecutive pages."""


class ThreadState:
    """Run state of one TCS."""

    __slots__ = ("busy", "ocall_pending", "parked", "parked_capacity")

    def __init__(self) -> None:
        self.busy = False
        self.ocall_pending = False
        self.parked = False
        """An entry ran past its slice and waits for the ENTER continuation."""
        self.parked_capacity = 0
        """The output capacity of the parked entry's ENTER."""


class Enclave:
    """An enclave from ECREATE to DESTROY. The model checks every call before it changes this."""

    def __init__(self, handle: int, secs: Secs) -> None:
        self._handle = handle
        self._size = secs.size
        self._base = secs.base
        self._ssa_frame_size = secs.ssa_frame_size
        self._miscselect = secs.miscselect
        self._attributes = secs.attributes
        self._xfrm = secs.xfrm
        self.config_id = bytes(secs.config_id)
        self.config_svn = secs.config_svn
        self.isv_prod_id = 0
        self.isv_svn = 0
        self.isv_family_id = bytes(16)
        self.isv_ext_prod_id = bytes(16)
        self.state = EnclaveState.CREATED
        self.pages: dict[int, Page] = {}
        """Pages with contents of their own."""
        self.zero = ZeroRuns()
        """Zero pages (EADD with the ZERO descriptor flag), stored as runs."""
        self.threads: dict[int, ThreadState] = {}
        self._measurement = Measurement()
        self._measurement.ecreate(self._ssa_frame_size, self._size)
        self._unmeasured = (0, 0, 0)
        """(offset, pages, flags) of zero pages added but not yet fed to the measurement:
        consecutive batches are fed as one run, which hashes the same records faster."""
        self._mrenclave = b""
        self._mrsigner = b""

    @property
    def measurement(self) -> Measurement:
        """MRENCLAVE so far, every page added included."""
        self._feed_unmeasured()
        return self._measurement

    def _feed_unmeasured(self) -> None:
        offset, pages, flags = self._unmeasured
        if pages:
            self._unmeasured = (0, 0, 0)
            self._measurement.add_unmeasured_pages(offset, pages, flags)

    # ---- what executors see (EnclaveView)

    @property
    def handle(self) -> int:
        return self._handle

    @property
    def base(self) -> int:
        return self._base

    @property
    def size(self) -> int:
        return self._size

    @property
    def ssa_frame_size(self) -> int:
        return self._ssa_frame_size

    @property
    def attributes(self) -> int:
        # ATTRIBUTES.INIT is set once EINIT succeeded, as in the SECS of real hardware.
        init = Attr.INIT if self.state is EnclaveState.INITIALIZED else 0
        return self._attributes | init

    @property
    def xfrm(self) -> int:
        return self._xfrm

    @property
    def miscselect(self) -> int:
        return self._miscselect

    @property
    def mode64bit(self) -> bool:
        return bool(self._attributes & Attr.MODE64BIT)

    @property
    def mrenclave(self) -> bytes:
        """The final measurement; empty until EINIT."""
        return self._mrenclave

    @property
    def mrsigner(self) -> bytes:
        """SHA-256 of the signer's modulus; empty until EINIT."""
        return self._mrsigner

    @property
    def page_count(self) -> int:
        return len(self.pages) + self.zero.page_count

    def has_page(self, offset: int) -> bool:
        return offset in self.pages or offset in self.zero

    def page_flags(self, offset: int) -> int | None:
        page = self.pages.get(offset)
        return self.zero.flags_at(offset) if page is None else page.flags

    def page_offsets(self) -> Iterator[int]:
        return iter(sorted([*self.pages, *self.zero.offsets()]))

    def page_runs(self) -> Iterator[PageRun]:
        """Every page in ascending order: a page with contents alone, zero pages by runs."""
        runs: list[PageRun] = [
            (offset, PAGE_SIZE, page.flags, page.data) for offset, page in self.pages.items()
        ]
        runs += [(start, end - start, flags, None) for start, end, flags in self.zero.runs()]
        return iter(sorted(runs, key=lambda run: run[0]))

    def read(self, offset: int, length: int) -> bytes:
        out = bytearray()
        for page, start, end in self._span(offset, length, writing=False):
            out += page[start:end]
        return bytes(out)

    def write(self, offset: int, data: bytes) -> None:
        done = 0
        for page, start, end in self._span(offset, len(data), writing=True):
            assert isinstance(page, bytearray)  # writing gave every page its own buffer
            page[start:end] = data[done : done + end - start]
            done += end - start

    def _span(
        self, offset: int, length: int, *, writing: bool
    ) -> Iterator[tuple[bytearray | bytes, int, int]]:
        # Check the whole range first so a failed access changes nothing.
        if offset < 0 or length < 0:
            raise EnclaveAccessError(offset)
        pieces: list[tuple[int, int, int]] = []
        position, end = offset, offset + length
        while position < end:
            page_offset = position - position % PAGE_SIZE
            if not self.has_page(page_offset):
                raise EnclaveAccessError(position)
            stop = min(end, page_offset + PAGE_SIZE)
            pieces.append((page_offset, position - page_offset, stop - page_offset))
            position = stop
        return iter([(self._data(page, writing), start, stop) for page, start, stop in pieces])

    def _data(self, offset: int, writing: bool) -> bytearray | bytes:
        """The contents of the page at `offset`; a zero page that is written leaves its run."""
        page = self.pages.get(offset)
        if page is not None:
            return page.data
        if not writing:
            return _ZERO_PAGE
        page = Page(bytearray(PAGE_SIZE), self.zero.take(offset))
        self.pages[offset] = page
        return page.data

    # ---- changes the model makes after its checks passed

    def add_pages(self, pages: Sequence[NewPage]) -> None:
        """EADD (and EEXTEND the measured ones) checked pages in order; their data is kept uncopied.

        Consecutive pages alike are measured as one run: the same records, hashed much faster.
        """
        for page in pages:
            if page.data is not None:
                self.pages[page.offset] = Page(page.data, page.flags)
            if is_tcs(page.flags):
                self.threads[page.offset] = ThreadState()
        for run in _runs(pages):
            first = run[0]
            if first.data is None:
                self.zero.add(first.offset, len(run), first.flags)
            if first.measured:
                assert all(page.data is not None for page in run)
                data = b"".join(page.data for page in run if page.data is not None)
                self.measurement.add_pages(first.offset, data, first.flags, measured=True)
            else:
                self.measurement.add_unmeasured_pages(first.offset, len(run), first.flags)

    def add_zero_run(self, offset: int, count: int, flags: int) -> None:
        """EADD `count` checked, consecutive zero REG pages from `offset`, unmeasured."""
        self.zero.add(offset, count, flags)
        start, pages, pending_flags = self._unmeasured
        if pages and start + pages * PAGE_SIZE == offset and pending_flags == flags:
            self._unmeasured = (start, pages + count, flags)
            return
        self._feed_unmeasured()
        self._unmeasured = (offset, count, flags)

    def initialize(
        self,
        mrenclave: bytes,
        mrsigner: bytes,
        isv_prod_id: int,
        isv_svn: int,
        *,
        isv_family_id: bytes = bytes(16),
        isv_ext_prod_id: bytes = bytes(16),
    ) -> None:
        """EINIT succeeded: record the identity and allow ENTER."""
        self._mrenclave = mrenclave
        self._mrsigner = mrsigner
        self.isv_prod_id = isv_prod_id
        self.isv_svn = isv_svn
        self.isv_family_id = isv_family_id
        self.isv_ext_prod_id = isv_ext_prod_id
        self.state = EnclaveState.INITIALIZED


def _runs(pages: Sequence[NewPage]) -> Iterator[Sequence[NewPage]]:
    """Split `pages` into runs of consecutive offsets with the same flags and measure bit."""
    start = 0
    for index in range(1, len(pages) + 1):
        if index == len(pages) or not _continues(pages[index - 1], pages[index]):
            yield pages[start:index]
            start = index


def _continues(previous: NewPage, page: NewPage) -> bool:
    return (
        page.offset == previous.offset + PAGE_SIZE
        and page.flags == previous.flags
        and page.measured == previous.measured
        and (page.data is None) == (previous.data is None)
    )
