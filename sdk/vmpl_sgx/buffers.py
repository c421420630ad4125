"""Memory at a fixed, page-aligned address, for the pointers an ioctl argument carries."""

from __future__ import annotations

import ctypes
import mmap
from types import TracebackType
from typing import Union

from vmpl_sgx._abi import PAGE_SIZE

BytesLike = Union[bytes, bytearray, memoryview]


class PinnedBuffer:
    """Anonymous, page-aligned memory whose address stays valid until `close()`.

    Keep the object referenced while an ioctl may use `address`.
    """

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError("size must not be negative")
        self.size = size
        self._map = mmap.mmap(-1, max(PAGE_SIZE, -(-size // PAGE_SIZE) * PAGE_SIZE))
        self._anchor: ctypes.c_char | None = ctypes.c_char.from_buffer(self._map)
        self.address = ctypes.addressof(self._anchor)

    @classmethod
    def holding(cls, data: BytesLike, size: int | None = None) -> PinnedBuffer:
        """A buffer of `size` bytes (default: len(data)) that starts with `data`."""
        buffer = cls(len(data) if size is None else size)
        buffer.write(data)
        return buffer

    def write(self, data: BytesLike, offset: int = 0) -> None:
        end = offset + len(data)
        if offset < 0 or end > self.size:
            raise ValueError(f"{len(data)} bytes at {offset} do not fit {self.size} bytes")
        self._map[offset:end] = bytes(data)

    def read(self, length: int | None = None, offset: int = 0) -> bytes:
        end = self.size if length is None else offset + length
        if offset < 0 or end > self.size:
            raise ValueError(f"{end - offset} bytes at {offset} are beyond {self.size} bytes")
        return self._map[offset:end]

    def close(self) -> None:
        if self._anchor is not None:
            self._anchor = None  # releases the export, which must go before the mapping
            self._map.close()

    def __enter__(self) -> PinnedBuffer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
