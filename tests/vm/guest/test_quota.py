"""The per-user cap on SEH pages (module parameter seh_pages_per_user): a user at the cap gets
EDQUOT from CREATE and ADD_PAGES, with exact counts, another user is not affected, and closing
the enclave files gives the pages back. Device only."""

from __future__ import annotations

import errno
import os
import stat
from typing import Iterator

import pytest

from tests.conformance import raw
from tests.vm.guest.conftest import DEVICE, param, set_param, wait_gauges
from tests.vm.guest.test_privileges import as_user
from vmpl_sgx._abi import PAGE_SIZE
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.errors import QuotaExceededError
from vmpl_sgx.layout import build_secs, sample_layout

SECS = build_secs(sample_layout())
CAP = 6


@pytest.fixture
def capped() -> Iterator[None]:
    saved = param("seh_pages_per_user")
    assert saved == "65536"  # the documented default
    set_param("seh_pages_per_user", str(CAP))
    yield
    set_param("seh_pages_per_user", saved)


def other_user_creates() -> int:
    handle = DeviceBackend(DEVICE)
    try:
        with raw.kept() as keep:
            raw.create(handle, keep, SECS)
            return raw.add_data(handle, keep, 0x1000, bytes(2 * PAGE_SIZE))[1]
    finally:
        handle.close()


@pytest.fixture
def open_to_all() -> Iterator[None]:
    """The device readable and writable by any user, so that a second uid can use it."""
    mode = stat.S_IMODE(os.stat(DEVICE).st_mode)
    os.chmod(DEVICE, 0o666)
    yield
    os.chmod(DEVICE, mode)


def test_cap_is_hit_and_recovers(seh: object, capped: None, open_to_all: None) -> None:
    first = DeviceBackend(DEVICE)
    second = DeviceBackend(DEVICE)
    try:
        with raw.kept() as keep:
            raw.create(first, keep, SECS)  # 1 page
            # 8 wanted, 5 left: the first five go in, then EDQUOT with their count.
            result = raw.add_data(first, keep, 0x1000, bytes(8 * PAGE_SIZE))
            assert result == (errno.EDQUOT, 5 * PAGE_SIZE)
            assert raw.add_data(first, keep, 0x7000, bytes(PAGE_SIZE)) == (errno.EDQUOT, 0)
            with pytest.raises(QuotaExceededError) as caught:
                raw.create(second, keep, SECS)
            assert caught.value.errno == errno.EDQUOT
            # The cap is per user: another user still gets its own pages.
            assert as_user([], other_user_creates) == 2 * PAGE_SIZE
            first.close()  # its 6 pages come back
            raw.create(second, keep, SECS)
            assert raw.add_data(second, keep, 0x1000, bytes(5 * PAGE_SIZE)) == (0, 5 * PAGE_SIZE)
    finally:
        first.close()
        second.close()
    wait_gauges()


def test_zero_is_no_cap(seh: object, capped: None) -> None:
    set_param("seh_pages_per_user", "0")
    handle = DeviceBackend(DEVICE)
    try:
        with raw.kept() as keep:
            raw.create(handle, keep, SECS)
            assert raw.add_data(handle, keep, 0x1000, bytes(8 * PAGE_SIZE)) == (0, 8 * PAGE_SIZE)
    finally:
        handle.close()
    wait_gauges()
