"""ENCLAVE_CREATE: state, copies, size, then whatever ECREATE rejects."""

from __future__ import annotations

import dataclasses
import errno

import pytest

from tests.conformance import raw
from vmpl_sgx._abi import PAGE_SIZE, SECS_SIZE, Attr, Secs
from vmpl_sgx.backend import Backend
from vmpl_sgx.layout import Layout, build_secs


def secs_with(layout: Layout, **fields: int) -> bytes:
    secs = Secs.from_buffer_copy(build_secs(layout))
    for name, value in fields.items():
        setattr(secs, name, value)
    return bytes(secs)


def create_errno(handle: Backend, keep: raw.Keep, secs: bytes) -> int:
    return raw.errno_of(lambda: raw.create(handle, keep, secs))


def test_success(handle: Backend, keep: raw.Keep, layout: Layout) -> None:
    assert create_errno(handle, keep, build_secs(layout)) == 0


def test_twice_is_einval(created: Backend, keep: raw.Keep, layout: Layout) -> None:
    assert create_errno(created, keep, build_secs(layout)) == errno.EINVAL


def test_twice_is_einval_before_the_argument_is_read(created: Backend) -> None:
    assert raw.errno_of(lambda: raw.create_at(created, 0)) == errno.EINVAL
    assert raw.errno_of(lambda: created.ioctl(0x4008A400, 0)) == errno.EINVAL


def test_null_argument_is_efault(handle: Backend) -> None:
    assert raw.errno_of(lambda: handle.ioctl(0x4008A400, 0)) == errno.EFAULT


@pytest.mark.parametrize("where", raw.BAD_PLACES)
def test_unreadable_secs_is_efault(handle: Backend, keep: raw.Keep, where: str) -> None:
    address = raw.bad_address(keep, where)
    assert raw.errno_of(lambda: raw.create_at(handle, address)) == errno.EFAULT


def test_secs_running_into_a_hole_is_efault(
    handle: Backend, keep: raw.Keep, layout: Layout
) -> None:
    pages = keep.map(pages=2)
    pages.write(PAGE_SIZE // 2, build_secs(layout)[: PAGE_SIZE // 2])
    pages.guard_page(1)
    assert raw.errno_of(lambda: raw.create_at(handle, pages.address + PAGE_SIZE // 2)) == (
        errno.EFAULT
    )


def test_unaligned_secs_address_is_accepted(
    handle: Backend, keep: raw.Keep, layout: Layout
) -> None:
    pages = keep.map(pages=2)
    pages.write(8, build_secs(layout))
    raw.create_at(handle, pages.address + 8)


@pytest.mark.parametrize("size", [0, 0x3000, 0x10001, (1 << 64) - 1])
def test_size_not_a_power_of_two_is_einval(
    handle: Backend, keep: raw.Keep, layout: Layout, size: int
) -> None:
    assert create_errno(handle, keep, secs_with(layout, size=size)) == errno.EINVAL


ECREATE_REJECTS = {
    "size-below-8k": {"size": PAGE_SIZE, "base": 0},
    "base-misaligned": {"base": 0x7F0000001000},
    "ssa-frame-size-zero": {"ssa_frame_size": 0},
    "attributes-init": {"attributes": int(Attr.MODE64BIT | Attr.INIT)},
    "attributes-reserved": {"attributes": int(Attr.MODE64BIT) | 0x8},
    "miscselect-reserved": {"miscselect": 2},
    "xfrm-without-sse": {"xfrm": 1},
}


@pytest.mark.parametrize("fields", ECREATE_REJECTS.values(), ids=ECREATE_REJECTS.keys())
def test_what_ecreate_rejects_is_eio(
    handle: Backend, keep: raw.Keep, layout: Layout, fields: dict[str, int]
) -> None:
    assert create_errno(handle, keep, secs_with(layout, **fields)) == errno.EIO


def test_reserved_secs_bytes_are_eio(handle: Backend, keep: raw.Keep, layout: Layout) -> None:
    secs = bytearray(build_secs(layout))
    secs[SECS_SIZE - 1] = 1
    assert create_errno(handle, keep, bytes(secs)) == errno.EIO


def test_failed_create_leaves_the_file_usable(
    handle: Backend, keep: raw.Keep, layout: Layout
) -> None:
    assert create_errno(handle, keep, secs_with(layout, ssa_frame_size=0)) == errno.EIO
    assert create_errno(handle, keep, secs_with(layout, size=0)) == errno.EINVAL
    assert create_errno(handle, keep, build_secs(layout)) == 0


def test_size_beyond_the_seh_limit_is_enomem(
    handle: Backend, keep: raw.Keep, layout: Layout
) -> None:
    limit = raw.get_info(handle).max_enclave_size
    size = 1 << limit.bit_length()
    if size * 2 > 1 << 47:
        pytest.skip(f"max_enclave_size 0x{limit:x} leaves no canonical size above it")
    big = dataclasses.replace(layout, size=size, base=size)
    assert create_errno(handle, keep, build_secs(big)) == errno.ENOMEM
