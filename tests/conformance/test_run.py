"""ENCLAVE_RUN: owner, state, copies, fields, sizes, TCS, then what the SEH says."""

from __future__ import annotations

import errno

import pytest

from tests.conformance import raw
from tests.conformance.memory import READ
from vmpl_sgx import _abi
from vmpl_sgx._abi import PAGE_SIZE, Cap, EnclaveRun, Enclu
from vmpl_sgx.backend import Backend
from vmpl_sgx.layout import Layout

TCS = 0  # the sample layout's TCS offset


def good(layout: Layout, **fields: int) -> dict[str, int]:
    values = {"tcs": layout.base + TCS, "function": int(Enclu.EENTER)}
    values.update(fields)
    return values


def test_before_init_is_einval(loaded: Backend, layout: Layout) -> None:
    assert raw.run_errno(loaded, **good(layout)) == errno.EINVAL
    assert raw.errno_of(lambda: loaded.ioctl(_abi.IOC_ENCLAVE_RUN, 0)) == errno.EINVAL


def test_before_create_is_einval(handle: Backend, layout: Layout) -> None:
    assert raw.run_errno(handle, **good(layout)) == errno.EINVAL


@pytest.mark.parametrize("where", raw.BAD_PLACES)
def test_unreadable_argument_is_efault(initialized: Backend, keep: raw.Keep, where: str) -> None:
    address = raw.bad_address(keep, where)
    assert raw.errno_of(lambda: initialized.ioctl(_abi.IOC_ENCLAVE_RUN, address)) == errno.EFAULT


@pytest.mark.parametrize("flags", [2, 3, 0x80000000])
def test_unknown_flags_are_einval(initialized: Backend, layout: Layout, flags: int) -> None:
    assert raw.run_errno(initialized, **good(layout, flags=flags)) == errno.EINVAL


RESERVED_AT = vars(EnclaveRun)["reserved"].offset


@pytest.mark.parametrize("index", [0, 91, 175])
def test_reserved_bytes_are_einval(initialized: Backend, layout: Layout, index: int) -> None:
    data = bytearray(EnclaveRun(**good(layout)))
    data[RESERVED_AT + index] = 1
    assert raw.run_errno(initialized, bytes(data)) == errno.EINVAL


@pytest.mark.parametrize("function", [0, 1, int(Enclu.EEXIT), 5, 0xFFFFFFFF])
def test_unknown_function_is_einval(initialized: Backend, layout: Layout, function: int) -> None:
    assert raw.run_errno(initialized, **good(layout, function=function)) == errno.EINVAL


@pytest.mark.parametrize("where", ["below-base", "at-end", "unaligned", "zero"])
def test_tcs_outside_the_enclave_is_einval(
    initialized: Backend, layout: Layout, where: str
) -> None:
    tcs = {
        "below-base": layout.base - PAGE_SIZE,
        "at-end": layout.base + layout.size,
        "unaligned": layout.base + 8,
        "zero": 0,
    }[where]
    assert raw.run_errno(initialized, **good(layout, tcs=tcs)) == errno.EINVAL


@pytest.mark.parametrize("field", ["input_len", "output_capacity"])
def test_buffers_above_the_limit_are_e2big(
    initialized: Backend, layout: Layout, field: str
) -> None:
    limit = raw.get_info(initialized).max_run_buffer
    # Pointers stay NULL: the size check comes before any copy.
    assert raw.run_errno(initialized, **good(layout, **{field: limit + 1})) == errno.E2BIG


def test_size_is_checked_after_the_tcs(initialized: Backend, layout: Layout) -> None:
    fields = good(layout, tcs=layout.base + 8, input_len=1 << 31)
    assert raw.run_errno(initialized, **fields) == errno.EINVAL


@pytest.mark.parametrize("where", raw.BAD_PLACES)
def test_unreadable_input_is_efault(
    initialized: Backend, keep: raw.Keep, layout: Layout, where: str
) -> None:
    fields = good(layout, input=raw.bad_address(keep, where), input_len=16)
    assert raw.run_errno(initialized, **fields) == errno.EFAULT


@pytest.mark.parametrize("where", [*raw.BAD_PLACES, "read-only"])
def test_unwritable_output_is_efault(
    initialized: Backend, keep: raw.Keep, layout: Layout, where: str
) -> None:
    if where == "read-only":
        address = keep.map(pages=1, prot=READ).address
    else:
        address = raw.bad_address(keep, where)
    fields = good(layout, output=address, output_capacity=64)
    assert raw.run_errno(initialized, **fields) == errno.EFAULT


def test_output_running_into_a_guard_page_is_efault(
    initialized: Backend, keep: raw.Keep, layout: Layout
) -> None:
    out = keep.map(pages=2)
    out.guard_page(1)
    fields = good(layout, output=out.page(1) - 16, output_capacity=32)
    assert raw.run_errno(initialized, **fields) == errno.EFAULT


def test_not_a_tcs_page_is_einval(initialized: Backend, layout: Layout) -> None:
    code = layout.base + 0x1000
    assert raw.run_errno(initialized, **good(layout, tcs=code)) == errno.EINVAL
    missing = layout.base + 0x8000  # no page there at all
    assert raw.run_errno(initialized, **good(layout, tcs=missing)) == errno.EINVAL


def test_eresume_without_an_ocall_is_einval(initialized: Backend, layout: Layout) -> None:
    fields = good(layout, function=int(Enclu.ERESUME))
    assert raw.run_errno(initialized, **fields) == errno.EINVAL


def test_eenter_without_enclave_code_is_enoexec(
    initialized: Backend, keep: raw.Keep, layout: Layout
) -> None:
    if raw.get_info(initialized).capabilities & Cap.RUN:
        pytest.skip("this backend runs enclave code")
    data = keep.map(b"input")
    out = keep.map(pages=1)
    fields = good(layout, input=data.address, input_len=5, output=out.address, output_capacity=64)
    assert raw.run_errno(initialized, **fields) == errno.ENOEXEC


def test_zero_length_buffers_need_no_pointers(initialized: Backend, layout: Layout) -> None:
    number = raw.run_errno(initialized, **good(layout))
    assert number in (0, errno.ENOEXEC)
