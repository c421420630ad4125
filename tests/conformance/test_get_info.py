"""GET_INFO: no owner, lock or state check; fills every byte."""

from __future__ import annotations

import ctypes
import errno

import pytest

from tests.conformance import raw
from tests.conformance.conftest import Target
from tests.conformance.memory import READ
from vmpl_sgx import _abi
from vmpl_sgx._abi import Cap, Info, Transport
from vmpl_sgx.backend import Backend

SIZE = ctypes.sizeof(Info)


def test_before_create(handle: Backend, target: Target) -> None:
    info = raw.get_info(handle)
    assert info.size == _abi.INFO_SIZE_VER0 == SIZE
    assert info.api_version == _abi.API_VERSION
    assert info.seh_protocol == _abi.SEH_PROTOCOL
    assert _abi.SEH_MIN_VERSION <= info.seh_version <= _abi.SEH_VERSION
    assert info.transport in target.expected_transports()
    assert 1 <= info.max_pages_per_call <= _abi.SEH_MAX_PAGES_PER_CALL
    assert info.max_run_buffer <= _abi.RUN_BUFFER_MAX
    known = Cap.RUN | Cap.OCALL | Cap.EXCEPTION_INFO | Cap.ZERO_PAGES | Cap.EXCEPTION_RIP
    assert info.capabilities & ~int(known | Cap.MODEL_ROOT_SECRET) == 0
    assert info.max_enclave_size >= _abi.MIN_ENCLAVE_SIZE


def test_the_model_seh_says_its_keys_come_from_a_model_secret(handle: Backend) -> None:
    """The simulator's SEH and the loopback SEH are the SEH model: GET_INFO passes on that
    their report, sealing and quoting keys are rooted in its secret, not in hardware."""
    info = raw.get_info(handle)
    if info.transport == Transport.SVSM:
        pytest.skip("an SEH behind the SVSM says for itself where its keys come from")
    assert info.transport in (Transport.SIMULATOR, Transport.LOOPBACK)
    assert info.capabilities & Cap.MODEL_ROOT_SECRET


def test_fills_every_byte(handle: Backend) -> None:
    buffer = bytearray(b"\xff" * SIZE)
    handle.ioctl(_abi.IOC_GET_INFO, buffer)
    info = Info.from_buffer_copy(buffer)
    assert info.reserved0 == 0
    assert list(info.reserved1) == [0, 0]


def test_same_answer_in_every_state(initialized: Backend, target: Target) -> None:
    fresh = target.open()
    try:
        assert bytes(raw.get_info(fresh)) == bytes(raw.get_info(initialized))
    finally:
        fresh.close()


def test_writes_to_a_user_address(handle: Backend, keep: raw.Keep) -> None:
    out = keep.map(pages=1)
    assert handle.ioctl(_abi.IOC_GET_INFO, out.address) == 0
    assert Info.from_buffer_copy(out.read(0, SIZE)).size == SIZE


@pytest.mark.parametrize("where", raw.BAD_PLACES)
def test_unwritable_argument_is_efault(handle: Backend, keep: raw.Keep, where: str) -> None:
    address = raw.bad_address(keep, where)
    assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_GET_INFO, address)) == errno.EFAULT


def test_read_only_argument_is_efault(handle: Backend, keep: raw.Keep) -> None:
    out = keep.map(pages=1, prot=READ)
    assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_GET_INFO, out.address)) == errno.EFAULT


def test_argument_straddling_a_hole_is_efault(handle: Backend, keep: raw.Keep) -> None:
    out = keep.map(pages=2)
    out.guard_page(1)
    address = out.page(1) - SIZE // 2
    assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_GET_INFO, address)) == errno.EFAULT


# ---- extensible: every struct size from the first published one (the spec's extensible-doc)

SPEC = next(spec for spec in _abi.IOCTLS if spec.number == _abi.IOC_GET_INFO)
SIZE_FIELD = ctypes.sizeof(ctypes.c_uint32)  # Info.size, the first field


def _sized(handle: Backend, size: int, buffer_size: int) -> bytearray:
    buffer = bytearray(b"\xff" * buffer_size)
    handle.ioctl(_abi.ioc_sized(SPEC, size), buffer)
    return buffer


def test_minimum_is_the_first_published_size() -> None:
    assert SPEC.min_size == _abi.INFO_SIZE_VER0 <= SIZE


@pytest.mark.parametrize("extra", [8, 64, 4096 - SIZE])
def test_newer_caller_gets_these_fields_then_zeros(handle: Backend, extra: int) -> None:
    """A binary built against a larger struct: the module's fields, size names them, zeros
    after them (the fields this module does not have) up to the caller's size, nothing past."""
    want = bytes(raw.get_info(handle))
    got = _sized(handle, SIZE + extra, SIZE + extra + 16)
    assert Info.from_buffer_copy(got).size == SIZE
    assert bytes(got[:SIZE]) == want
    assert bytes(got[SIZE : SIZE + extra]) == bytes(extra)
    assert bytes(got[SIZE + extra :]) == b"\xff" * 16


@pytest.mark.parametrize("size", range(_abi.INFO_SIZE_VER0, SIZE + 1, 8))
def test_older_caller_gets_the_prefix_it_knows(handle: Backend, size: int) -> None:
    """A binary built against a smaller struct (down to the first published size): the fields
    it knows, size says how many bytes were filled, nothing written past its struct."""
    want = bytes(raw.get_info(handle))
    got = _sized(handle, size, SIZE + 16)
    assert Info.from_buffer_copy(got).size == size
    assert bytes(got[SIZE_FIELD:size]) == want[SIZE_FIELD:size]
    assert bytes(got[size:]) == b"\xff" * (SIZE + 16 - size)


@pytest.mark.parametrize("size", [0, 4, 8, _abi.INFO_SIZE_VER0 - 8, _abi.INFO_SIZE_VER0 - 1])
def test_below_the_first_published_size_is_enotty(handle: Backend, size: int) -> None:
    cmd = _abi.ioc_sized(SPEC, size)
    buffer = bytearray(b"\xff" * 64)
    assert raw.errno_of(lambda: handle.ioctl(cmd, buffer)) == errno.ENOTTY
    assert buffer == b"\xff" * 64


def test_larger_struct_with_an_unwritable_tail_is_efault(handle: Backend, keep: raw.Keep) -> None:
    """The zero-fill is a write like the fields: a hole after the module's fields faults."""
    out = keep.map(pages=2)
    out.guard_page(1)
    address = out.page(1) - SIZE
    cmd = _abi.ioc_sized(SPEC, SIZE + 64)
    assert raw.errno_of(lambda: handle.ioctl(cmd, address)) == errno.EFAULT
