"""ENCLAVE_ADD_PAGES: every check in order, partial counts, and count's write-back."""

from __future__ import annotations

import errno

import pytest

from tests.conformance import raw
from tests.conformance.conftest import load_regions
from tests.conformance.memory import READ
from vmpl_sgx import _abi
from vmpl_sgx._abi import PAGE_SIZE, EnclaveAddPages, PageType, Secinfo, SecinfoFlag, Secs
from vmpl_sgx.backend import Backend
from vmpl_sgx.layout import Layout, build_secs, tcs_page

R, W, X = int(SecinfoFlag.R), int(SecinfoFlag.W), int(SecinfoFlag.X)
REG, TCS = int(PageType.REG) << 8, int(PageType.TCS) << 8
GOOD_TCS = tcs_page(oentry=0x1000, ossa=0x4000, nssa=1)


def add(handle: Backend, keep: raw.Keep, **fields: int) -> tuple[int, int]:
    """ADD_PAGES with good defaults (one RW page at 0x2000) and `fields` changed."""
    values = {
        "offset": 0x2000,
        "length": PAGE_SIZE,
        "flags": raw.MEASURE,
    }
    values.update(fields)
    if "src" not in values:
        values["src"] = keep.map(pages=max(1, min(values["length"], 1 << 20) // PAGE_SIZE)).address
    if "secinfo" not in values:
        values["secinfo"] = raw.secinfo(keep, raw.REG_RW)
    return raw.add_pages_raw(handle, **values)


# ---- success


def test_adds_and_counts(created: Backend, keep: raw.Keep) -> None:
    assert raw.add_data(created, keep, 0x1000, b"\x90" * 3 * PAGE_SIZE, raw.REG_RX) == (
        0,
        3 * PAGE_SIZE,
    )


def test_unmeasured_pages(created: Backend, keep: raw.Keep) -> None:
    assert raw.add_data(created, keep, 0x1000, bytes(PAGE_SIZE), measure=False) == (0, PAGE_SIZE)


def test_tcs_page(created: Backend, keep: raw.Keep) -> None:
    assert raw.add_data(created, keep, 0, GOOD_TCS, raw.TCS) == (0, PAGE_SIZE)


def test_whole_sample_layout(created: Backend, keep: raw.Keep, layout: Layout) -> None:
    load_regions(created, keep, list(layout.regions))


def test_argument_at_a_user_address_gets_count(created: Backend, keep: raw.Keep) -> None:
    source = keep.map(bytes(2 * PAGE_SIZE))
    arg = EnclaveAddPages(
        src=source.address,
        offset=0x1000,
        length=2 * PAGE_SIZE,
        secinfo=raw.secinfo(keep, raw.REG_RW),
        flags=raw.MEASURE,
        count=raw.UNTOUCHED,
    )
    place = keep.map(bytes(arg))
    created.ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, place.address)
    assert EnclaveAddPages.from_buffer_copy(place.read(0, 48)).count == 2 * PAGE_SIZE


def test_more_pages_than_one_seh_call(handle: Backend, keep: raw.Keep, layout: Layout) -> None:
    per_call = raw.get_info(handle).max_pages_per_call
    pages = 2 * per_call + 3
    big = _layout_of_size(layout, pages)
    raw.create(handle, keep, big)
    assert raw.add_data(handle, keep, 0, bytes(pages * PAGE_SIZE)) == (0, pages * PAGE_SIZE)


def _layout_of_size(layout: Layout, pages: int) -> bytes:
    secs = Secs.from_buffer_copy(build_secs(layout))
    size = 1 << max(pages * PAGE_SIZE - 1, 0x2000).bit_length()
    secs.size, secs.base = size, size
    return bytes(secs)


# ---- step 1-2: state (before the argument is even read)


def test_before_create_is_einval(handle: Backend, keep: raw.Keep) -> None:
    assert add(handle, keep) == (errno.EINVAL, raw.UNTOUCHED)
    assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, 0)) == errno.EINVAL


def test_after_init_is_einval(initialized: Backend, keep: raw.Keep) -> None:
    assert add(initialized, keep, offset=0x8000) == (errno.EINVAL, raw.UNTOUCHED)
    assert raw.errno_of(lambda: initialized.ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, 0)) == errno.EINVAL


# ---- step 3: the argument


@pytest.mark.parametrize("where", raw.BAD_PLACES)
def test_unreadable_argument_is_efault(created: Backend, keep: raw.Keep, where: str) -> None:
    address = raw.bad_address(keep, where)
    assert raw.errno_of(lambda: created.ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, address)) == (
        errno.EFAULT
    )


# ---- steps 4-6: src, range, flags; count is written back as 0


def test_src_not_page_aligned_is_einval(created: Backend, keep: raw.Keep) -> None:
    source = keep.map(bytes(2 * PAGE_SIZE))
    assert add(created, keep, src=source.address + 8) == (errno.EINVAL, 0)


@pytest.mark.parametrize(
    "fields",
    [
        {"offset": 0x2008},
        {"offset": 0x800},
        {"length": 0},
        {"length": 100},
        {"length": PAGE_SIZE + 1},
        {"offset": 0x10000},
        {"offset": 0xF000, "length": 2 * PAGE_SIZE},
        {"offset": (1 << 64) - PAGE_SIZE, "length": 2 * PAGE_SIZE},
        {"offset": PAGE_SIZE, "length": (1 << 64) - PAGE_SIZE},
    ],
    ids=[
        "offset-unaligned",
        "offset-half-page",
        "length-zero",
        "length-short",
        "length-unaligned",
        "offset-at-end",
        "range-past-end",
        "overflow",
        "length-overflow",
    ],
)
def test_bad_range_is_einval(created: Backend, keep: raw.Keep, fields: dict[str, int]) -> None:
    source = keep.map(bytes(2 * PAGE_SIZE))
    assert add(created, keep, src=source.address, **fields) == (errno.EINVAL, 0)


@pytest.mark.parametrize("flags", [4, 0x80, 1 << 63, raw.MEASURE | 4])
def test_unknown_flags_are_einval(created: Backend, keep: raw.Keep, flags: int) -> None:
    assert add(created, keep, flags=flags) == (errno.EINVAL, 0)


# ---- step 7: SECINFO copy


@pytest.mark.parametrize("where", raw.BAD_PLACES)
def test_unreadable_secinfo_is_efault(created: Backend, keep: raw.Keep, where: str) -> None:
    assert add(created, keep, secinfo=raw.bad_address(keep, where)) == (errno.EFAULT, 0)


def test_secinfo_running_into_a_hole_is_efault(created: Backend, keep: raw.Keep) -> None:
    pages = keep.map(pages=2)
    pages.guard_page(1)
    assert add(created, keep, secinfo=pages.page(1) - 32) == (errno.EFAULT, 0)


# ---- step 8: SECINFO rules

BAD_SECINFO = {
    "type-secs": int(PageType.SECS) << 8 | R,
    "type-va": int(PageType.VA) << 8,
    "type-trim": int(PageType.TRIM) << 8,
    "type-unknown": 0x7F << 8 | R,
    "w-without-r": REG | W,
    "wx-without-r": REG | W | X,
    "tcs-with-r": TCS | R,
    "tcs-with-w": TCS | R | W,
    "tcs-with-x": TCS | X,
    "pending": REG | R | int(SecinfoFlag.PENDING),
    "modified": REG | R | int(SecinfoFlag.MODIFIED),
    "pr": REG | R | int(SecinfoFlag.PR),
    "bit-6": REG | R | 0x40,
    "bit-16": REG | R | 1 << 16,
    "bit-32": REG | R | 1 << 32,
    "bit-63": REG | R | 1 << 63,
}


@pytest.mark.parametrize("flags", BAD_SECINFO.values(), ids=BAD_SECINFO.keys())
def test_bad_secinfo_is_einval(created: Backend, keep: raw.Keep, flags: int) -> None:
    assert add(created, keep, secinfo=raw.secinfo(keep, flags)) == (errno.EINVAL, 0)


@pytest.mark.parametrize("index", [0, 27, 55])
def test_secinfo_reserved_byte_is_einval(created: Backend, keep: raw.Keep, index: int) -> None:
    reserved = bytearray(56)
    reserved[index] = 1
    secinfo = raw.secinfo(keep, raw.REG_RW, bytes(reserved))
    assert add(created, keep, secinfo=secinfo) == (errno.EINVAL, 0)


@pytest.mark.parametrize("flags", [REG, REG | R, REG | R | X, REG | X, REG | R | W | X, TCS])
def test_good_secinfo(created: Backend, keep: raw.Keep, flags: int) -> None:
    data = GOOD_TCS if flags == TCS else bytes(PAGE_SIZE)
    assert raw.add_data(created, keep, 0, data, flags) == (0, PAGE_SIZE)


# ---- the order of the checks


def test_src_is_checked_before_secinfo(created: Backend, keep: raw.Keep) -> None:
    source = keep.map(bytes(2 * PAGE_SIZE))
    assert add(created, keep, src=source.address + 1, secinfo=0) == (errno.EINVAL, 0)


def test_flags_are_checked_before_secinfo(created: Backend, keep: raw.Keep) -> None:
    assert add(created, keep, flags=4, secinfo=0) == (errno.EINVAL, 0)


def test_secinfo_is_checked_before_the_source(created: Backend, keep: raw.Keep) -> None:
    bad = raw.secinfo(keep, REG | W)
    assert add(created, keep, src=0, secinfo=bad) == (errno.EINVAL, 0)


def test_range_is_checked_before_src_is_read(created: Backend, keep: raw.Keep) -> None:
    assert add(created, keep, src=0, offset=0x10000) == (errno.EINVAL, 0)


# ---- step 9: source pages, duplicates, malformed TCS; count says how far it got


@pytest.mark.parametrize("where", raw.BAD_PLACES)
def test_unreadable_first_page_is_efault_with_nothing_added(
    created: Backend, keep: raw.Keep, where: str
) -> None:
    assert add(created, keep, src=raw.bad_address(keep, where)) == (errno.EFAULT, 0)
    assert add(created, keep) == (0, PAGE_SIZE)  # nothing was added at 0x2000


def test_read_only_source_is_fine(created: Backend, keep: raw.Keep) -> None:
    source = keep.map(b"\x11" * PAGE_SIZE, prot=READ)
    assert add(created, keep, src=source.address) == (0, PAGE_SIZE)


def test_hole_in_the_source_gives_a_partial_count(created: Backend, keep: raw.Keep) -> None:
    source = keep.map(bytes(4 * PAGE_SIZE))
    source.guard_page(2)
    result = add(created, keep, src=source.address, offset=0x1000, length=4 * PAGE_SIZE)
    assert result == (errno.EFAULT, 2 * PAGE_SIZE)
    # The two pages before the hole are in; the rest can be added after them.
    assert add(created, keep, offset=0x1000) == (errno.EBUSY, 0)
    assert add(created, keep, offset=0x3000, length=2 * PAGE_SIZE) == (0, 2 * PAGE_SIZE)


def test_hole_after_the_first_seh_call(handle: Backend, keep: raw.Keep, layout: Layout) -> None:
    per_call = raw.get_info(handle).max_pages_per_call
    pages = per_call + 4
    raw.create(handle, keep, _layout_of_size(layout, pages))
    source = keep.map(bytes(pages * PAGE_SIZE))
    source.guard_page(per_call + 1)
    result = add(handle, keep, src=source.address, offset=0, length=pages * PAGE_SIZE)
    assert result == (errno.EFAULT, (per_call + 1) * PAGE_SIZE)


def test_duplicate_page_is_ebusy_with_the_pages_before_it(
    created: Backend, keep: raw.Keep
) -> None:
    assert add(created, keep, offset=0x3000) == (0, PAGE_SIZE)
    assert add(created, keep, offset=0x1000, length=4 * PAGE_SIZE) == (errno.EBUSY, 2 * PAGE_SIZE)
    assert add(created, keep, offset=0x1000) == (errno.EBUSY, 0)
    assert add(created, keep, offset=0x2000) == (errno.EBUSY, 0)
    assert add(created, keep, offset=0x4000) == (0, PAGE_SIZE)


def test_duplicate_first_page_adds_nothing(created: Backend, keep: raw.Keep) -> None:
    assert add(created, keep, offset=0x2000) == (0, PAGE_SIZE)
    assert add(created, keep, offset=0x2000, length=2 * PAGE_SIZE) == (errno.EBUSY, 0)
    assert add(created, keep, offset=0x3000) == (0, PAGE_SIZE)


def test_malformed_tcs_is_eio_with_the_pages_before_it(created: Backend, keep: raw.Keep) -> None:
    bad = bytearray(GOOD_TCS)
    bad[4000] = 1  # a reserved byte
    data = GOOD_TCS + bytes(bad)
    assert raw.add_data(created, keep, 0, data, raw.TCS) == (errno.EIO, PAGE_SIZE)
    assert raw.add_data(created, keep, PAGE_SIZE, GOOD_TCS, raw.TCS) == (0, PAGE_SIZE)


@pytest.mark.parametrize(
    "fields",
    [{"nssa": 0}, {"ossa": 0x4100}, {"oentry": 0x10000}, {"ossa": 0xF000, "nssa": 2}],
    ids=["nssa-zero", "ossa-unaligned", "oentry-outside", "ssa-past-end"],
)
def test_malformed_tcs_fields_are_eio(
    created: Backend, keep: raw.Keep, fields: dict[str, int]
) -> None:
    values = {"oentry": 0x1000, "ossa": 0x4000, "nssa": 1}
    values.update(fields)
    oentry, ossa = values.pop("oentry"), values.pop("ossa")
    data = tcs_page(oentry, ossa, **values)
    assert raw.add_data(created, keep, 0, data, raw.TCS) == (errno.EIO, 0)


# ---- step 10: count's write-back


def test_count_write_back_fault_is_efault_after_adding(created: Backend, keep: raw.Keep) -> None:
    source = keep.map(bytes(PAGE_SIZE))
    arg = EnclaveAddPages(
        src=source.address,
        offset=0x1000,
        length=PAGE_SIZE,
        secinfo=raw.secinfo(keep, raw.REG_RW),
        flags=raw.MEASURE,
    )
    place = keep.map(bytes(arg), prot=READ)
    number = raw.errno_of(lambda: created.ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, place.address))
    assert number == errno.EFAULT
    assert add(created, keep, offset=0x1000) == (errno.EBUSY, 0)  # the page went in


def test_count_write_back_fault_overrides_an_earlier_error(
    created: Backend, keep: raw.Keep
) -> None:
    arg = EnclaveAddPages(src=1, offset=0, length=PAGE_SIZE, secinfo=0, flags=0)  # EINVAL
    place = keep.map(bytes(arg), prot=READ)
    number = raw.errno_of(lambda: created.ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, place.address))
    assert number == errno.EFAULT


def test_unaligned_secinfo_address_is_accepted(created: Backend, keep: raw.Keep) -> None:
    info = keep.map(pages=1)
    info.write(12, bytes(Secinfo(flags=raw.REG_RW)))
    source = keep.map(bytes(PAGE_SIZE))
    added = raw.add_pages_raw(
        created, src=source.address, offset=0x3000, length=PAGE_SIZE, secinfo=info.address + 12
    )
    assert added == (0, PAGE_SIZE)
