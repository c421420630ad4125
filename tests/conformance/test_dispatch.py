"""Command numbers: only the five exact ones are known; anything else is ENOTTY."""

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
    size = ctypes.sizeof(spec.struct) + delta
    cmd = ioc(DIRECTIONS[spec.direction], spec.nr, size)
    assert cmd not in KNOWN
    assert errno_of(lambda: handle.ioctl(cmd, bytearray(max(size, 8)))) == errno.ENOTTY


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
