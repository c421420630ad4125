"""The native executor's entries that run while the caller waits in bounded slices."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest

from vmpl_sgx._abi import PAGE_SIZE, Exit, Secs
from vmpl_sgx.executor import NativeExecutor
from vmpl_sgx.image import ImageParams, layout_from_file
from vmpl_sgx.layout import build_secs, mrenclave
from vmpl_sgx.samples import FAULTS_COUNT, FAULTS_RENDEZVOUS
from vmpl_sgx.seh import SehError
from vmpl_sgx.seh.enclave import Enclave as SehEnclave
from vmpl_sgx.seh.enclave import NewPage

Loaded = Tuple[NativeExecutor, SehEnclave, Tuple[int, ...]]


@pytest.fixture
def two_threads(images: Dict[str, Path]) -> Iterator[Loaded]:
    """The faults sample with two TCSs, initialized in an SEH record, and its own executor."""
    layout = layout_from_file(images["faults"], ImageParams(threads=2))
    view = SehEnclave(1, Secs.from_buffer_copy(build_secs(layout)))
    view.add_pages(
        [
            NewPage(
                region.offset + page,
                bytearray(region.data[page : page + PAGE_SIZE]),
                region.secinfo_flags,
                region.measured,
            )
            for region in layout.regions
            for page in range(0, region.size, PAGE_SIZE)
        ]
    )
    view.initialize(mrenclave(layout), bytes(32), 0, 0)
    with NativeExecutor() as executor:
        yield executor, view, layout.tcs_offsets


def test_an_entry_waited_for_in_slices_exits_once_it_can(two_threads: Loaded) -> None:
    executor, view, (first, second) = two_threads
    # The rendezvous ecall spins until the other TCS arrives: it cannot exit on its own.
    executor.start_enter(view, first, FAULTS_RENDEZVOUS, b"", 64)
    assert executor.wait_exit(view, first, 0.05) is None
    assert executor.wait_exit(view, first, 0.05) is None
    with pytest.raises(SehError):
        executor.enter(view, first, FAULTS_COUNT, b"", 64)  # that TCS is still busy
    other = executor.enter(view, second, FAULTS_RENDEZVOUS, b"", 64)
    done = executor.wait_exit(view, first, 30.0)
    assert done is not None and done.kind == Exit.NORMAL
    assert sorted(struct.unpack("<Q", exit.output)[0] for exit in (done, other)) == [0, 1]


def test_a_cancelled_entry_frees_its_tcs(two_threads: Loaded) -> None:
    executor, view, (first, _) = two_threads
    executor.start_enter(view, first, FAULTS_RENDEZVOUS, b"", 64)
    assert executor.wait_exit(view, first, 0.05) is None
    executor.cancel(view, first)
    with pytest.raises(SehError):
        executor.wait_exit(view, first, 0.0)  # nothing runs there any more
    again = executor.enter(view, first, FAULTS_COUNT, b"", 64)
    assert again.kind == Exit.NORMAL
