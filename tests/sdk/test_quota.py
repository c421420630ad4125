"""The per-user cap on SEH pages in the simulator (the module's seh_pages_per_user)."""

from __future__ import annotations

import errno
from typing import Iterator

import pytest

from tests.conformance import raw
from vmpl_sgx._abi import PAGE_SIZE
from vmpl_sgx.errors import QuotaExceededError
from vmpl_sgx.layout import build_secs, sample_layout
from vmpl_sgx.simulator import Simulator
from vmpl_sgx.simulator.quota import DEFAULT_SEH_PAGES_PER_USER, Quota

SECS = build_secs(sample_layout())


@pytest.fixture
def keep() -> Iterator[raw.Keep]:
    with raw.kept() as mappings:
        yield mappings


def test_default_is_the_module_default() -> None:
    assert Simulator().quota.pages_per_user == DEFAULT_SEH_PAGES_PER_USER == 65536


def test_pages_go_in_up_to_the_cap_then_edquot_and_come_back_at_close(keep: raw.Keep) -> None:
    simulator = Simulator(max_pages_per_call=4, seh_pages_per_user=6)
    first = simulator.open()
    raw.create(first, keep, SECS)  # 1 page
    # 8 pages wanted, 5 left: the first five go in (across batches), then EDQUOT.
    assert raw.add_data(first, keep, 0x1000, bytes(8 * PAGE_SIZE)) == (
        errno.EDQUOT,
        5 * PAGE_SIZE,
    )
    second = simulator.open()
    with pytest.raises(QuotaExceededError) as caught:
        raw.create(second, keep, SECS)
    assert caught.value.errno == errno.EDQUOT
    assert "seh_pages_per_user" in str(caught.value)
    first.close()  # gives its 6 pages back
    raw.create(second, keep, SECS)
    assert raw.add_data(second, keep, 0x1000, bytes(5 * PAGE_SIZE)) == (0, 5 * PAGE_SIZE)
    assert simulator.quota.held(second._file.quota_uid) == 6
    second.close()
    assert simulator.quota.held(second._file.quota_uid) == 0


def test_pages_the_seh_refused_are_given_back(keep: raw.Keep) -> None:
    simulator = Simulator(seh_pages_per_user=10)
    handle = simulator.open()
    raw.create(handle, keep, SECS)
    assert raw.add_data(handle, keep, 0x1000, bytes(PAGE_SIZE)) == (0, PAGE_SIZE)
    # The SEH stops at the page already present: only the page before it stays charged.
    assert raw.add_data(handle, keep, 0x0, bytes(3 * PAGE_SIZE)) == (errno.EBUSY, PAGE_SIZE)
    assert simulator.quota.held(handle._file.quota_uid) == 3


def test_zero_is_no_cap() -> None:
    quota = Quota(0)
    assert quota.charge(1000, 10**9) == 10**9
    quota.uncharge(1000, 10**9)
    assert quota.held(1000) == 0


def test_users_are_charged_apart_and_a_lowered_cap_refuses_the_next_page() -> None:
    quota = Quota(4)
    assert quota.charge(1, 3) == 3
    assert quota.charge(2, 9) == 4
    quota.pages_per_user = 2
    assert quota.charge(1, 1) == 0
    quota.uncharge(1, 3)
    assert quota.charge(1, 5) == 2
    with pytest.raises(ValueError):
        Quota(-1)
