"""copy_from_user and copy_to_user for the simulator: this process's memory by raw address.

A bad pointer must fail like the kernel's copies do (EFAULT), never crash the interpreter, so
nothing here dereferences an address. Bytes move through /proc/self/mem, where an unmapped
address reads as EIO. That file ignores page protections (the kernel accesses it with
FOLL_FORCE), so every access is first checked against /proc/self/maps: reads need a readable
mapping, writes a writable one.

The mappings are read at most once per `UserMemory` (the simulator makes one per ioctl) and read
again once when an address is not found, since the caller may have mapped memory since.

Memory the SDK allocated itself and keeps mapped read-write for as long as it is registered in
`OWNED` (the per-TCS run buffers of `vmpl_sgx.enclave`) needs neither check nor detour: an
access that lies wholly inside one registered range is a plain copy.
"""

from __future__ import annotations

import bisect
import ctypes
import os
import threading
from typing import Dict, List, NamedTuple, Union

BytesLike = Union[bytes, bytearray, memoryview]

_ADDRESS_LIMIT = 1 << 63
"""/proc/self/mem offsets are signed; user space lies far below this anyway."""


class UserFault(Exception):  # noqa: N818 - mirrors the kernel's notion of a fault
    """An access touched an address that is unmapped or lacks the permission needed."""

    def __init__(self, address: int, length: int, write: bool) -> None:
        kind = "write" if write else "read"
        super().__init__(f"cannot {kind} {length} bytes at 0x{address:x}")
        self.address = address
        self.length = length
        self.write = write


class Mapping(NamedTuple):
    start: int
    end: int
    readable: bool
    writable: bool


def read_maps(path: str = "/proc/self/maps") -> List[Mapping]:
    """The mappings of this process, sorted by address."""
    mappings = []
    with open(path, "rb") as maps:
        for line in maps:
            span, perms = line.split(None, 2)[:2]
            start, _, end = span.partition(b"-")
            mappings.append(
                Mapping(int(start, 16), int(end, 16), perms[:1] == b"r", perms[1:2] == b"w")
            )
    mappings.sort()
    return mappings


class _MemFile:
    """The /proc/self/mem descriptor of the current process.

    A descriptor opened before fork() still names the parent's memory, so a child drops the
    inherited one and opens its own.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = -1
        self._fd = -1

    def fd(self) -> int:
        with self._lock:
            pid = os.getpid()
            if self._pid != pid:
                self._close()
                self._fd = os.open("/proc/self/mem", os.O_RDWR | os.O_CLOEXEC)
                self._pid = pid
            return self._fd

    def after_fork(self) -> None:
        # The lock may have been held by a thread that does not exist in the child.
        self._lock = threading.Lock()
        self._close()

    def _close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
        self._fd, self._pid = -1, -1


_MEM = _MemFile()
os.register_at_fork(after_in_child=_MEM.after_fork)


class OwnedRanges:
    """Ranges of this process's memory that stay mapped read-write while registered.

    Keyed by start address: a lookup is one dict access, which the GIL makes atomic, so the
    hot path takes no lock. Whoever registers a range unregisters it before freeing it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ranges: Dict[int, int] = {}

    def add(self, address: int, length: int) -> None:
        with self._lock:
            self._ranges[address] = length

    def remove(self, address: int) -> None:
        with self._lock:
            self._ranges.pop(address, None)

    def covers(self, address: int, length: int) -> bool:
        """True if [address, address + length) starts a registered range and fits in it."""
        size = self._ranges.get(address)
        return size is not None and 0 <= length <= size


OWNED = OwnedRanges()


class UserMemory:
    """Reads and writes of user memory that fail with UserFault where the kernel's would fault."""

    def __init__(self) -> None:
        self._maps: List[Mapping] | None = None
        self._starts: List[int] = []

    # ---- copies

    def read(self, address: int, length: int) -> bytes:
        """copy_from_user: all `length` bytes at `address`, or UserFault."""
        if length == 0:
            return b""
        if OWNED.covers(address, length):
            return ctypes.string_at(address, length)
        self._check(address, length, write=False)
        try:
            data = os.pread(_MEM.fd(), length, address)
        except OSError:
            raise UserFault(address, length, write=False) from None
        if len(data) != length:
            raise UserFault(address, length, write=False)
        return data

    def write(self, address: int, data: BytesLike) -> None:
        """copy_to_user: store all of `data` at `address`, or UserFault."""
        length = len(data)
        if length == 0:
            return
        if OWNED.covers(address, length):
            ctypes.memmove(address, bytes(data), length)
            return
        self._check(address, length, write=True)
        try:
            written = os.pwrite(_MEM.fd(), data, address)
        except OSError:
            raise UserFault(address, length, write=True) from None
        if written != length:
            raise UserFault(address, length, write=True)

    def check_writable(self, address: int, length: int) -> None:
        """Raise UserFault unless the whole range is mapped writable (nothing is written)."""
        if length and not OWNED.covers(address, length):
            self._check(address, length, write=True)

    def readable_bytes(self, address: int, length: int) -> int:
        """How many bytes from `address` on, up to `length`, lie in readable mappings."""
        if not _in_user_range(address, length):
            return 0
        end = self._covered_end(address, address + length, write=False)
        if end < address + length:
            self._refresh()
            end = self._covered_end(address, address + length, write=False)
        return end - address

    # ---- mappings

    def _check(self, address: int, length: int, write: bool) -> None:
        if not _in_user_range(address, length):
            raise UserFault(address, length, write)
        end = address + length
        if self._covered_end(address, end, write) < end:
            self._refresh()
            if self._covered_end(address, end, write) < end:
                raise UserFault(address, length, write)

    def _refresh(self) -> None:
        self._maps = read_maps()
        self._starts = [mapping.start for mapping in self._maps]

    def _covered_end(self, start: int, end: int, write: bool) -> int:
        """The end of the run of suitable mappings that covers `start` (at most `end`)."""
        if self._maps is None:
            self._refresh()
        maps = self._maps or []
        index = bisect.bisect_right(self._starts, start) - 1
        position = start
        while 0 <= index < len(maps) and position < end:
            mapping = maps[index]
            allowed = mapping.writable if write else mapping.readable
            if not (mapping.start <= position < mapping.end and allowed):
                break
            position = mapping.end
            index += 1
        return min(max(position, start), end)


def _in_user_range(address: int, length: int) -> bool:
    return address >= 0 and length >= 0 and address + length <= _ADDRESS_LIMIT

