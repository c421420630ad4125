"""Signals in the middle of ENCLAVE_ADD_PAGES (device only: the simulator cannot see them)."""

from __future__ import annotations

import errno
import signal
import threading
from typing import List

import pytest

from tests.conformance import raw
from tests.conformance.conftest import Target
from tests.conformance.memory import READ
from vmpl_sgx._abi import PAGE_SIZE, Attr
from vmpl_sgx.layout import Layout, Region, build_secs, reg_flags

PAGES = 16384


def test_interrupted_add_pages_loses_no_pages(target: Target, keep: raw.Keep) -> None:
    if target.is_simulator:
        pytest.skip("the simulator cannot see a signal in the middle of a call")
    length = PAGES * PAGE_SIZE
    handle = target.open()
    layout = Layout(
        size=length, base=length, regions=(Region(0, bytes(PAGE_SIZE), reg_flags("rw")),),
        attributes=int(Attr.MODE64BIT),
    )
    zeros = keep.map(pages=PAGES, prot=READ)
    secinfo = raw.secinfo(keep, raw.REG_RW)
    caught: List[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda number, frame: caught.append(number))
    try:
        raw.create(handle, keep, build_secs(layout))
        main = threading.get_ident()
        timer = threading.Timer(0.02, lambda: signal.pthread_kill(main, signal.SIGUSR1))
        timer.start()
        first = raw.add_pages_raw(
            handle, src=zeros.address, offset=0, length=length, secinfo=secinfo
        )
        timer.join()
        number, count = first
        assert number in (0, errno.EINTR)
        assert count % PAGE_SIZE == 0 and count <= length
        if number == errno.EINTR:
            assert count == 0  # interrupted before its first page
        done = count
        while done < length:  # as a loader continues after a partial count
            number, count = raw.add_pages_raw(
                handle, src=zeros.address + done, offset=done, length=length - done,
                secinfo=secinfo,
            )
            assert number in (0, errno.EINTR)
            done += count
        assert done == length
        last = raw.add_pages_raw(
            handle, src=zeros.address, offset=length - PAGE_SIZE, length=PAGE_SIZE,
            secinfo=secinfo,
        )
        assert last == (errno.EBUSY, 0)  # every page went in exactly once
    finally:
        signal.signal(signal.SIGUSR1, previous)
        handle.close()
