"""GuestMemory: the guest pages one call may touch."""

from __future__ import annotations

import pytest

from vmpl_sgx._abi import PAGE_SIZE, SehResult
from vmpl_sgx.seh import GuestMemory, SehError, SehFault


def test_read_returns_the_page_in_place_and_read_only() -> None:
    memory = GuestMemory()
    buf = bytearray(b"a" * PAGE_SIZE)
    memory.add(0x1000, buf, writable=False)
    view = memory.read(0x1000, 16)
    assert bytes(view) == b"a" * 16
    assert view.readonly
    buf[0] = ord("b")
    assert bytes(memory.read(0x1000, 1)) == b"b"


def test_write_goes_to_the_buffer_of_a_writable_page() -> None:
    memory = GuestMemory()
    buf = bytearray(PAGE_SIZE)
    memory.add(0x2000, buf, writable=True)
    memory.write(0x2000, b"xyz")
    assert buf[:4] == b"xyz\0"
    assert memory.is_writable(0x2000)


@pytest.mark.parametrize("gpa", [0x3000, 0x1001, 0x1800])
def test_unknown_or_unaligned_addresses_fault(gpa: int) -> None:
    memory = GuestMemory()
    memory.add(0x1000, bytearray(PAGE_SIZE), writable=True)
    with pytest.raises(SehFault) as caught:
        memory.read(gpa)
    assert caught.value.result is SehResult.INVALID_ADDRESS
    assert isinstance(caught.value, SehError)
    with pytest.raises(SehFault):
        memory.write(gpa, b"x")


def test_accesses_never_cross_a_page() -> None:
    memory = GuestMemory()
    memory.add(0x1000, bytearray(PAGE_SIZE), writable=True)
    memory.add(0x2000, bytearray(PAGE_SIZE), writable=True)
    with pytest.raises(SehFault):
        memory.read(0x1000, PAGE_SIZE + 1)
    with pytest.raises(SehFault):
        memory.write(0x1000, bytes(PAGE_SIZE + 1))


def test_read_only_pages_refuse_writes() -> None:
    memory = GuestMemory()
    memory.add(0x1000, bytearray(PAGE_SIZE), writable=False)
    with pytest.raises(SehFault):
        memory.write(0x1000, b"x")
    with pytest.raises(SehFault):
        memory.check(0x1000, writable=True)
    memory.check(0x1000)
    assert not memory.is_writable(0x1000)
    assert 0x1000 in memory and len(memory) == 1 and list(memory) == [0x1000]


def test_add_rejects_bad_pages() -> None:
    memory = GuestMemory()
    with pytest.raises(ValueError, match="aligned"):
        memory.add(0x1001, bytearray(PAGE_SIZE), writable=False)
    with pytest.raises(ValueError, match="bytes"):
        memory.add(0x1000, bytearray(100), writable=False)
    with pytest.raises(ValueError, match="read-only"):
        memory.add(0x1000, bytes(PAGE_SIZE), writable=True)
    memory.add(0x1000, bytes(PAGE_SIZE), writable=False)
