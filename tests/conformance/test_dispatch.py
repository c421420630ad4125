"""Command numbers: the exact ones, and an extensible one at any size from its minimum, are
known; anything else is ENOTTY."""

from __future__ import annotations

import ctypes
import errno
import functools

import pytest

from tests.conformance.raw import errno_of, ioc
from vmpl_sgx import _abi
from vmpl_sgx.backend import Backend

KNOWN = {spec.number for spec in _abi.IOCTLS}
DIRECTIONS = {"write": 1, "read": 2, "readwrite": 3}


@pytest.mark.parametrize("nr", [*sorted(_abi.RESERVED_IOCTL_NUMBERS), 0x08, 0x7F, 0x83, 0xFF])
@pytest.mark.parametrize("direction", [0, 1, 2, 3])
def test_unknown_number_is_enotty(handle: Backend, nr: int, direction: int) -> None:
    cmd = ioc(direction, nr, 8 if direction else 0)
    assert errno_of(lambda: handle.ioctl(cmd, bytearray(256))) == errno.ENOTTY


@pytest.mark.parametrize("spec", _abi.IOCTLS, ids=lambda spec: spec.name)
@pytest.mark.parametrize("delta", [-8, 8, 64])
def test_known_number_with_wrong_size_is_enotty(
    handle: Backend, spec: _abi.IoctlSpec, delta: int
) -> None:
    """A fixed-size command at another size, an extensible one below its minimum."""
    base = spec.min_size or ctypes.sizeof(spec.struct)
    size = base - abs(delta) if spec.min_size else base + delta
    cmd = ioc(DIRECTIONS[spec.direction], spec.nr, size)
    assert cmd not in KNOWN
    assert _abi.lookup_ioctl(cmd) is None
    assert errno_of(lambda: handle.ioctl(cmd, bytearray(max(size, 8)))) == errno.ENOTTY


EXTENSIBLE = [spec for spec in _abi.IOCTLS if spec.min_size]


@pytest.mark.parametrize("spec", EXTENSIBLE, ids=lambda spec: spec.name)
@pytest.mark.parametrize("delta", [0, 8, 64, 1000])
def test_extensible_number_is_known_at_every_size_from_its_minimum(
    handle: Backend, spec: _abi.IoctlSpec, delta: int
) -> None:
    """Only the size bits differ: the same command, answered (no ENOTTY)."""
    assert spec.direction == "read"  # an argument it only writes: any buffer content works
    size = ctypes.sizeof(spec.struct) + delta
    cmd = _abi.ioc_sized(spec, size)
    assert cmd == ioc(DIRECTIONS[spec.direction], spec.nr, size)
    assert _abi.lookup_ioctl(cmd) is spec
    assert handle.ioctl(cmd, bytearray(size)) == 0


@pytest.mark.parametrize("spec", _abi.IOCTLS, ids=lambda spec: spec.name)
def test_known_number_with_wrong_direction_is_enotty(handle: Backend, spec: _abi.IoctlSpec) -> None:
    size = ctypes.sizeof(spec.struct)
    for direction in {0, 1, 2, 3} - {DIRECTIONS[spec.direction]}:
        cmd = ioc(direction, spec.nr, size)
        assert errno_of(functools.partial(handle.ioctl, cmd, bytearray(size))) == errno.ENOTTY


def test_other_magic_is_enotty(handle: Backend) -> None:
    cmd = _abi.IOC_GET_INFO ^ (0x01 << 8)
    assert errno_of(lambda: handle.ioctl(cmd, bytearray(64))) == errno.ENOTTY


def test_unknown_command_wins_over_a_bad_pointer(handle: Backend) -> None:
    assert errno_of(lambda: handle.ioctl(ioc(3, 0x03, 8), 0)) == errno.ENOTTY
