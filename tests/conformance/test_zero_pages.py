"""ENCLAVE_ADD_PAGES with VMPL_SGX_PAGE_ZERO: zero pages without a source, measured as SGX does."""

from __future__ import annotations

import errno

from tests.conformance import raw
from tests.conformance.conftest import load_regions
from tests.conformance.test_add_pages import GOOD_TCS, _layout_of_size
from vmpl_sgx._abi import PAGE_SIZE, Cap, PageFlag
from vmpl_sgx.backend import Backend
from vmpl_sgx.layout import Layout

ZERO = int(PageFlag.ZERO)


def zero(
    handle: Backend,
    keep: raw.Keep,
    offset: int = 0x5000,
    length: int = 2 * PAGE_SIZE,
    secinfo_flags: int = raw.REG_RW,
    *,
    src: int = 0,
    flags: int = ZERO,
) -> tuple[int, int]:
    secinfo = raw.secinfo(keep, secinfo_flags)
    return raw.add_pages_raw(
        handle, src=src, offset=offset, length=length, secinfo=secinfo, flags=flags
    )


def test_the_backend_offers_zero_pages(created: Backend) -> None:
    assert raw.get_info(created).capabilities & Cap.ZERO_PAGES


def test_zero_stack_pages_give_the_measurement_signed_for_ordinary_ones(
    created: Backend, keep: raw.Keep, layout: Layout, sigstruct: bytes
) -> None:
    # The sample's stack is unmeasured zeros, signed as ordinary pages: INIT checks MRENCLAVE.
    stack = [region for region in layout.regions if region.name == "stack"]
    assert len(stack) == 1 and not stack[0].measured and not any(stack[0].data)
    for region in layout.regions:
        if region is stack[0]:
            assert zero(created, keep, region.offset, region.size) == (0, region.size)
        else:
            load_regions(created, keep, [region])
    raw.init(created, keep, sigstruct)


def test_more_zero_pages_than_one_seh_call(
    handle: Backend, keep: raw.Keep, layout: Layout
) -> None:
    pages = 2 * raw.get_info(handle).max_pages_per_call + 3
    raw.create(handle, keep, _layout_of_size(layout, pages))
    assert zero(handle, keep, 0, pages * PAGE_SIZE) == (0, pages * PAGE_SIZE)
    assert raw.add_data(handle, keep, 0, bytes(PAGE_SIZE)) == (errno.EBUSY, 0)


def test_zero_with_measure_is_einval(created: Backend, keep: raw.Keep) -> None:
    assert zero(created, keep, flags=ZERO | raw.MEASURE) == (errno.EINVAL, 0)


def test_zero_with_a_source_is_einval(created: Backend, keep: raw.Keep) -> None:
    source = keep.map(bytes(2 * PAGE_SIZE))
    assert zero(created, keep, src=source.address) == (errno.EINVAL, 0)


def test_zero_over_an_existing_page_is_ebusy_with_the_pages_before_it(
    created: Backend, keep: raw.Keep
) -> None:
    assert raw.add_data(created, keep, 0x3000, bytes(PAGE_SIZE)) == (0, PAGE_SIZE)
    assert zero(created, keep, 0x1000, 4 * PAGE_SIZE) == (errno.EBUSY, 2 * PAGE_SIZE)
    assert zero(created, keep, 0x1000, PAGE_SIZE) == (errno.EBUSY, 0)
    assert zero(created, keep, 0x4000, PAGE_SIZE) == (0, PAGE_SIZE)


def test_a_zero_tcs_is_malformed_eio(created: Backend, keep: raw.Keep) -> None:
    assert raw.add_data(created, keep, 0, GOOD_TCS, raw.TCS) == (0, PAGE_SIZE)
    assert zero(created, keep, PAGE_SIZE, PAGE_SIZE, raw.TCS) == (errno.EIO, 0)


def test_zero_range_beyond_the_enclave_is_einval(created: Backend, keep: raw.Keep) -> None:
    assert zero(created, keep, 0xF000, 2 * PAGE_SIZE) == (errno.EINVAL, 0)
