"""MRENCLAVE exactly as SGX computes it: SHA-256 over the 64-byte records of ECREATE, EADD, EEXTEND.

One `Measurement` serves both sides: the SEH model feeds it operation by operation as pages are
added, and a signing tool feeds it whole regions with `add_pages`, which builds the same record
stream in batches and is the fast path.

Record formats (all integers little-endian):
    ECREATE  "ECREATE\\0" | ssa_frame_size u32 | size u64 | 44 zero bytes
    EADD     "EADD\\0\\0\\0\\0" | page offset u64 | SECINFO flags u64 | 40 zero bytes
    EEXTEND  "EEXTEND\\0" | chunk offset u64 | 48 zero bytes, then the chunk's 256 bytes
"""

from __future__ import annotations

import _thread
import hashlib
import os
import queue
import struct
from typing import Callable, Iterator, Union

from vmpl_sgx.errors import SdkError

PAGE_SIZE = 4096
CHUNK_SIZE = 256
"""EEXTEND measures 256 bytes at a time: 16 chunks per page."""

RECORD_SIZE = 64
MEASURED_PAGE_RECORD_BYTES = RECORD_SIZE + (PAGE_SIZE // CHUNK_SIZE) * (RECORD_SIZE + CHUNK_SIZE)
"""Bytes hashed for one measured page: its EADD record and 16 EEXTEND records with data (5184)."""

BytesLike = Union[bytes, bytearray, memoryview]

_U64_LIMIT = 1 << 64
_U32_LIMIT = 1 << 32

_ECREATE = struct.Struct("<8sIQ44x")
_EADD = struct.Struct("<8sQQ40x")
_EEXTEND = struct.Struct("<8sQ48x")
_ECREATE_TAG = b"ECREATE\0"
_EADD_TAG = b"EADD\0\0\0\0"
_EEXTEND_TAG = b"EEXTEND\0"


class MeasurementError(SdkError, ValueError):
    """An operation that SGX would not measure: bad order, alignment, range or size."""


class Measurement:
    """A running MRENCLAVE. Not thread-safe: one caller at a time.

    `overlap_hashing` lets `add_pages` hash on a helper thread while it builds the next batch of
    records; None (the default) enables it when more than one CPU is usable.
    """

    def __init__(self, *, overlap_hashing: bool | None = None) -> None:
        self._hash = hashlib.sha256()
        self._enclave_size: int | None = None
        self._broken = False
        self.overlap_hashing = overlap_hashing

    # ---- one operation at a time

    def ecreate(self, ssa_frame_size: int, size: int) -> None:
        """Start the measurement (must be the first operation, exactly once)."""
        if self._enclave_size is not None:
            raise MeasurementError("ECREATE must be measured exactly once")
        _check_range("ssa_frame_size", ssa_frame_size, _U32_LIMIT)
        _check_range("size", size, _U64_LIMIT)
        self._checked_hash().update(_ECREATE.pack(_ECREATE_TAG, ssa_frame_size, size))
        self._enclave_size = size

    def eadd(self, offset: int, secinfo_flags: int) -> None:
        """Measure adding the page at `offset` (from the enclave base) with these SECINFO flags."""
        self._check_span(offset, PAGE_SIZE, PAGE_SIZE)
        _check_range("secinfo_flags", secinfo_flags, _U64_LIMIT)
        self._checked_hash().update(_EADD.pack(_EADD_TAG, offset, secinfo_flags))

    def eextend(self, offset: int, chunk: BytesLike) -> None:
        """Measure one 256-byte chunk at `offset` (256-byte aligned)."""
        self._check_span(offset, CHUNK_SIZE, CHUNK_SIZE)
        view = _byte_view(chunk)
        if len(view) != CHUNK_SIZE:
            raise MeasurementError(f"EEXTEND measures exactly {CHUNK_SIZE} bytes, got {len(view)}")
        update = self._checked_hash().update
        update(_EEXTEND.pack(_EEXTEND_TAG, offset))
        update(view)

    def eextend_page(self, offset: int, data: BytesLike) -> None:
        """Measure a whole page as SGX loaders do: 16 EEXTENDs of 256 bytes."""
        self._check_span(offset, PAGE_SIZE, PAGE_SIZE)
        view = _byte_view(data)
        if len(view) != PAGE_SIZE:
            raise MeasurementError(f"a page is {PAGE_SIZE} bytes, got {len(view)}")
        pieces: list[BytesLike] = []
        for start in range(0, PAGE_SIZE, CHUNK_SIZE):
            pieces.append(_EEXTEND.pack(_EEXTEND_TAG, offset + start))
            pieces.append(view[start : start + CHUNK_SIZE])
        self._checked_hash().update(b"".join(pieces))

    # ---- many pages at once

    def add_pages(
        self, offset: int, data: BytesLike, secinfo_flags: int, measured: bool = True
    ) -> None:
        """EADD the consecutive pages in `data` starting at `offset`, and EEXTEND them if measured.

        Same digest as calling `eadd` (and `eextend_page`) page by page, only much faster.
        Unmeasured pages contribute their EADD record only; their contents are not read.
        """
        view = _byte_view(data)
        if len(view) % PAGE_SIZE:
            raise MeasurementError(f"data must be whole pages, got {len(view)} bytes")
        self._check_span(offset, len(view), PAGE_SIZE)
        _check_range("secinfo_flags", secinfo_flags, _U64_LIMIT)
        page_count = len(view) // PAGE_SIZE
        if measured:
            self._feed(offset, page_count, view, secinfo_flags)
        else:
            self._feed(offset, page_count, None, secinfo_flags)

    def add_unmeasured_pages(self, offset: int, page_count: int, secinfo_flags: int) -> None:
        """EADD `page_count` consecutive pages without EEXTEND (no contents needed)."""
        if page_count < 0:
            raise MeasurementError(f"page_count must not be negative, got {page_count}")
        self._check_span(offset, page_count * PAGE_SIZE, PAGE_SIZE)
        _check_range("secinfo_flags", secinfo_flags, _U64_LIMIT)
        self._feed(offset, page_count, None, secinfo_flags)

    # ---- results

    def digest(self) -> bytes:
        """MRENCLAVE so far, leaving the measurement open for more operations."""
        return self._checked_hash().copy().digest()

    def hexdigest(self) -> str:
        return self.digest().hex()

    def copy(self) -> Measurement:
        """An independent snapshot that can diverge from this one."""
        clone = Measurement(overlap_hashing=self.overlap_hashing)
        clone._hash = self._checked_hash().copy()
        clone._enclave_size = self._enclave_size
        return clone

    __copy__ = copy

    # ---- internals

    def _checked_hash(self) -> hashlib._Hash:
        if self._broken:
            raise MeasurementError("the measurement is unusable: an add_pages call was interrupted")
        return self._hash

    def _check_span(self, offset: int, length: int, alignment: int) -> None:
        if self._enclave_size is None:
            raise MeasurementError("ECREATE must be measured before any page")
        if offset < 0 or offset % alignment:
            raise MeasurementError(
                f"offset {offset:#x} must be a non-negative multiple of {alignment}"
            )
        if offset + length > self._enclave_size:
            raise MeasurementError(
                f"range {offset:#x}+{length:#x} lies outside the enclave size "
                f"{self._enclave_size:#x} given to ECREATE"
            )

    def _feed(self, offset: int, page_count: int, view: memoryview | None, flags: int) -> None:
        if page_count == 0:
            return
        update = self._checked_hash().update
        builder = _take_builder()
        try:
            batches = builder.batches(offset, page_count, view, flags)
            if view is not None and page_count >= _OVERLAP_MIN_PAGES and self._should_overlap():
                _update_on_helper_thread(update, batches)
            else:
                for batch in batches:
                    update(batch)
        except BaseException:
            # Part of the records may have been hashed: the state no longer matches any layout.
            self._broken = True
            raise
        finally:
            _return_builder(builder)

    def _should_overlap(self) -> bool:
        if self.overlap_hashing is not None:
            return self.overlap_hashing
        return _usable_cpus() > 1


def _check_range(name: str, value: int, limit: int) -> None:
    if not 0 <= value < limit:
        raise MeasurementError(f"{name} {value:#x} does not fit in {limit.bit_length() - 1} bits")


def _byte_view(data: BytesLike) -> memoryview:
    view = memoryview(data)
    if not view.c_contiguous:
        raise MeasurementError("page data must be a contiguous buffer")
    return view.cast("B")


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# ---- the batch builder
#
# CPython cannot interleave 64-byte headers with 256-byte chunks in one C call without creating
# an object per piece, and per-object work is what costs. The cheapest gather found is
# bytes.join over a list of long-lived pieces that never change between batches:
#   * the chunk pieces are memoryviews of a staging buffer that takes each batch's data in one
#     contiguous copy;
#   * an offset is split as low 2 bytes (fixed by the page's slot in its 64 KiB window) and high
#     6 bytes (shared by the whole window), so every header is two pieces: a constant
#     b"EEXTEND\0" + low2 per slot, and one per-window object high6 + 48 zero bytes.
# Per batch only the few per-window objects are rebuilt; the join does the rest in C.

_BATCH_PAGES = 32
"""Pages per batch: two 64 KiB windows; about 166 KB of records, comfortably inside L2."""

_WINDOW_PAGES = 16
"""Pages per 64 KiB window, the span over which an offset's high 6 bytes stay constant."""

_CHUNKS_PER_PAGE = PAGE_SIZE // CHUNK_SIZE
_PIECES_PER_RECORD = 3
_PIECES_PER_PAGE = _PIECES_PER_RECORD * (1 + _CHUNKS_PER_PAGE)
_ZERO40 = bytes(40)
_ZERO48 = bytes(48)


class _RecordBuilder:
    """Turns runs of pages into the exact record stream, one batch of bytes at a time."""

    def __init__(self) -> None:
        self._staging = bytearray(_BATCH_PAGES * PAGE_SIZE)
        staging = memoryview(self._staging)
        # The middle piece of each record is a placeholder, replaced for every batch.
        measured: list[BytesLike] = []
        eadd_only: list[BytesLike] = []
        for page in range(_BATCH_PAGES):
            low_offset = (page % _WINDOW_PAGES) * PAGE_SIZE
            eadd_head = _EADD_TAG + low_offset.to_bytes(2, "little")
            # Each record is (constant head, per-window tail, data); EADD has no data.
            measured += [eadd_head, b"", b""]
            eadd_only += [eadd_head, b""]
            for chunk in range(_CHUNKS_PER_PAGE):
                start = page * PAGE_SIZE + chunk * CHUNK_SIZE
                head = _EEXTEND_TAG + (low_offset + chunk * CHUNK_SIZE).to_bytes(2, "little")
                measured += [head, b"", staging[start : start + CHUNK_SIZE]]
        self._measured = measured
        self._eadd_only = eadd_only

    def batches(
        self, offset: int, page_count: int, view: memoryview | None, flags: int
    ) -> Iterator[bytes]:
        """Yield the records of `page_count` pages from `offset`: EADD only when `view` is None."""
        flag_bytes = flags.to_bytes(8, "little")
        first_page = offset // PAGE_SIZE
        end_page = first_page + page_count
        page = first_page
        source = 0
        join = b"".join
        while page < end_page:
            # Batches are aligned to _BATCH_PAGES so that template slot == page % _BATCH_PAGES.
            batch_start = page - page % _BATCH_PAGES
            lo = page - batch_start
            hi = min(_BATCH_PAGES, end_page - batch_start)
            window = batch_start // _WINDOW_PAGES
            if view is None:
                pieces = self._eadd_only
                pieces[1::2] = _eadd_tails(window, flag_bytes)
                yield join(pieces if hi - lo == _BATCH_PAGES else pieces[2 * lo : 2 * hi])
            else:
                pieces = self._measured
                pieces[1::3] = _measured_tails(window, flag_bytes)
                length = (hi - lo) * PAGE_SIZE
                self._staging[lo * PAGE_SIZE : hi * PAGE_SIZE] = view[source : source + length]
                source += length
                if hi - lo == _BATCH_PAGES:
                    yield join(pieces)
                else:
                    yield join(pieces[_PIECES_PER_PAGE * lo : _PIECES_PER_PAGE * hi])
            page = batch_start + hi


def _high6(window: int) -> bytes:
    return window.to_bytes(6, "little")


def _measured_tails(first_window: int, flag_bytes: bytes) -> list[bytes]:
    tails: list[bytes] = []
    for window in range(first_window, first_window + _BATCH_PAGES // _WINDOW_PAGES):
        high = _high6(window)
        eadd_tail = high + flag_bytes + _ZERO40
        eextend_tail = high + _ZERO48
        tails += ([eadd_tail] + [eextend_tail] * _CHUNKS_PER_PAGE) * _WINDOW_PAGES
    return tails


def _eadd_tails(first_window: int, flag_bytes: bytes) -> list[bytes]:
    tails: list[bytes] = []
    for window in range(first_window, first_window + _BATCH_PAGES // _WINDOW_PAGES):
        tails += [_high6(window) + flag_bytes + _ZERO40] * _WINDOW_PAGES
    return tails


_BUILDER_POOL: list[_RecordBuilder] = []
_BUILDER_POOL_MAX = 4


def _take_builder() -> _RecordBuilder:
    try:
        return _BUILDER_POOL.pop()
    except IndexError:
        return _RecordBuilder()


def _return_builder(builder: _RecordBuilder) -> None:
    if len(_BUILDER_POOL) < _BUILDER_POOL_MAX:
        _BUILDER_POOL.append(builder)


# ---- overlapping hashing with building
#
# hashlib releases the GIL while it hashes a large buffer, so a helper thread can hash batch k
# while this thread builds batch k + 1. After queueing a batch the builder waits until the
# hasher has taken it: the builder is then blocked, not holding the GIL, whenever the hasher
# needs the GIL to pick up work, so the hasher never waits out the interpreter's switch interval,
# and the first batch is hashed while the second is built.

_OVERLAP_MIN_PAGES = 8 * _BATCH_PAGES
"""Below this (1 MiB) the helper thread's start-up costs about what the overlap saves."""

_HASHER_EXITED = object()


def _update_on_helper_thread(update: Callable[[bytes], None], batches: Iterator[bytes]) -> None:
    queued: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    taken: queue.SimpleQueue[object] = queue.SimpleQueue()
    failures: list[BaseException] = []

    def hasher() -> None:
        while (batch := queued.get()) is not None:
            taken.put(None)
            if not failures:
                try:
                    update(batch)
                except BaseException as error:  # re-raised by the caller
                    failures.append(error)
        taken.put(_HASHER_EXITED)

    # A bare thread: it starts without the handshake threading.Thread waits for. Starting it
    # first lets it be ready for the GIL by the time the first batch is queued.
    try:
        _thread.start_new_thread(hasher, ())
    except RuntimeError:  # no new threads, e.g. while the interpreter shuts down
        for batch in batches:
            update(batch)
        return
    try:
        for batch in batches:
            queued.put(batch)
            taken.get()
            if failures:
                break
    finally:
        queued.put(None)
        # Return only once the hasher has finished every batch and let go of the hash object.
        while taken.get() is not _HASHER_EXITED:
            pass
    if failures:
        raise failures[0]
