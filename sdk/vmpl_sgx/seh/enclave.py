"""One enclave as the SEH keeps it: SECS fields, pages, measurement and thread state."""

from __future__ import annotations

import enum
from typing import Iterator, NamedTuple, Sequence

from vmpl_sgx._abi import PAGE_SIZE, Attr, Secs
from vmpl_sgx.measure import Measurement
from vmpl_sgx.seh.eadd import is_tcs
from vmpl_sgx.seh.errors import EnclaveAccessError


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
    """A page that passed the EADD checks, waiting to be added."""

    offset: int
    data: bytearray
    flags: int
    measured: bool


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
        self.threads: dict[int, ThreadState] = {}
        self.measurement = Measurement()
        self.measurement.ecreate(self._ssa_frame_size, self._size)
        self._mrenclave = b""
        self._mrsigner = b""

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

    def page_flags(self, offset: int) -> int | None:
        page = self.pages.get(offset)
        return None if page is None else page.flags

    def page_offsets(self) -> Iterator[int]:
        return iter(sorted(self.pages))

    def read(self, offset: int, length: int) -> bytes:
        out = bytearray()
        for page, start, end in self._span(offset, length):
            out += page.data[start:end]
        return bytes(out)

    def write(self, offset: int, data: bytes) -> None:
        done = 0
        for page, start, end in self._span(offset, len(data)):
            page.data[start:end] = data[done : done + end - start]
            done += end - start

    def _span(self, offset: int, length: int) -> Iterator[tuple[Page, int, int]]:
        # Check the whole range first so a failed access changes nothing.
        if offset < 0 or length < 0:
            raise EnclaveAccessError(offset)
        pieces = []
        position, end = offset, offset + length
        while position < end:
            page_offset = position - position % PAGE_SIZE
            page = self.pages.get(page_offset)
            if page is None:
                raise EnclaveAccessError(position)
            stop = min(end, page_offset + PAGE_SIZE)
            pieces.append((page, position - page_offset, stop - page_offset))
            position = stop
        return iter(pieces)

    # ---- changes the model makes after its checks passed

    def add_pages(self, pages: Sequence[NewPage]) -> None:
        """EADD (and EEXTEND the measured ones) checked pages in order; their data is kept uncopied.

        Consecutive pages alike are measured as one run: the same records, hashed much faster.
        """
        for page in pages:
            self.pages[page.offset] = Page(page.data, page.flags)
            if is_tcs(page.flags):
                self.threads[page.offset] = ThreadState()
        for run in _runs(pages):
            first = run[0]
            if first.measured:
                data = b"".join(page.data for page in run)
                self.measurement.add_pages(first.offset, data, first.flags, measured=True)
            else:
                self.measurement.add_unmeasured_pages(first.offset, len(run), first.flags)

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
    )
