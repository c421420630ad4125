"""The simulator's copy_from_user/copy_to_user: raw addresses, never a crash."""

from __future__ import annotations

import ctypes
import os
import warnings
from typing import Iterator

import pytest

from tests.conformance.memory import NONE, READ, Mapping
from vmpl_sgx.usermem import OWNED, UserFault, UserMemory, read_maps

PAGE = 4096


@pytest.fixture
def mapping() -> Iterator[Mapping]:
    pages = Mapping(3, b"A" * PAGE + b"B" * PAGE + b"C" * PAGE)
    yield pages
    pages.close()


def test_reads_and_writes_own_memory() -> None:
    buffer = ctypes.create_string_buffer(b"hello world", 32)
    memory = UserMemory()
    assert memory.read(ctypes.addressof(buffer), 5) == b"hello"
    memory.write(ctypes.addressof(buffer), b"HELLO")
    assert buffer.value == b"HELLO world"


def test_reads_across_mappings(mapping: Mapping) -> None:
    assert UserMemory().read(mapping.address + PAGE - 2, 4) == b"AABB"


@pytest.mark.parametrize(
    "address", [0, 0x1000, 0x7FFF_FFFF_F000, 0xFFFF_8000_0000_0000, (1 << 64) - 8, -8]
)
def test_bad_addresses_fault(address: int) -> None:
    memory = UserMemory()
    with pytest.raises(UserFault):
        memory.read(address, 8)
    with pytest.raises(UserFault):
        memory.write(address, b"12345678")


def test_zero_length_never_faults() -> None:
    memory = UserMemory()
    assert memory.read(0, 0) == b""
    memory.write(0, b"")
    memory.check_writable(0, 0)


def test_no_access_page_faults_for_reads_and_writes(mapping: Mapping) -> None:
    mapping.protect(NONE, PAGE, PAGE)
    memory = UserMemory()
    with pytest.raises(UserFault) as caught:
        memory.read(mapping.address + PAGE, 8)
    assert not caught.value.write
    with pytest.raises(UserFault):
        memory.read(mapping.address + PAGE - 4, 8)  # runs into it
    with pytest.raises(UserFault):
        memory.write(mapping.address + PAGE, b"x")


def test_read_only_page_refuses_writes_but_not_reads(mapping: Mapping) -> None:
    mapping.protect(READ, PAGE, PAGE)
    memory = UserMemory()
    assert memory.read(mapping.address + PAGE, 2) == b"BB"
    with pytest.raises(UserFault) as caught:
        memory.write(mapping.address + PAGE, b"zz")
    assert caught.value.write
    with pytest.raises(UserFault):
        memory.check_writable(mapping.address, 2 * PAGE)
    memory.check_writable(mapping.address, PAGE)
    assert mapping.read(PAGE, 2) == b"BB"  # nothing was written


def test_readable_bytes_stops_at_the_first_bad_page(mapping: Mapping) -> None:
    mapping.protect(NONE, 2 * PAGE, PAGE)
    memory = UserMemory()
    assert memory.readable_bytes(mapping.address, 3 * PAGE) == 2 * PAGE
    assert memory.readable_bytes(mapping.address + 2 * PAGE, PAGE) == 0
    assert memory.readable_bytes(0, PAGE) == 0


def test_sees_memory_mapped_after_its_first_look() -> None:
    memory = UserMemory()
    before = ctypes.create_string_buffer(b"x", 8)
    memory.read(ctypes.addressof(before), 1)  # loads the mappings
    later = Mapping(1, b"later")
    try:
        assert memory.read(later.address, 5) == b"later"
    finally:
        later.close()


def test_maps_are_sorted_and_sane() -> None:
    maps = read_maps()
    assert maps == sorted(maps)
    assert all(mapping.start < mapping.end for mapping in maps)


def test_child_reads_its_own_memory_after_fork() -> None:
    buffer = ctypes.create_string_buffer(b"parent", 16)
    memory = UserMemory()
    assert memory.read(ctypes.addressof(buffer), 6) == b"parent"
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() with threads around
        pid = os.fork()
    if pid == 0:
        status = 1
        try:
            buffer.value = b"child!"
            seen = UserMemory().read(ctypes.addressof(buffer), 6)
            os.write(write_end, seen)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        seen = pipe.read()
    os.waitpid(pid, 0)
    assert seen == b"child!"


def test_owned_ranges_are_copied_without_the_maps() -> None:
    buffer = ctypes.create_string_buffer(b"owned bytes", 16)
    address = ctypes.addressof(buffer)
    OWNED.add(address, 16)
    try:
        assert OWNED.covers(address, 16)
        assert not OWNED.covers(address, 17)
        assert not OWNED.covers(address + 1, 1)  # only from a registered start
        memory = UserMemory()
        assert memory.read(address, 5) == b"owned"
        memory.write(address, b"OWNED")
        memory.check_writable(address, 16)
        assert buffer.value == b"OWNED bytes"
        assert memory._maps is None  # never looked at /proc/self/maps
    finally:
        OWNED.remove(address)
    assert not OWNED.covers(address, 1)
