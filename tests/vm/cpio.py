"""A minimal writer for the cpio "newc" format the kernel unpacks as an initramfs.

Written here rather than with cpio(1) so entries get root ownership, device nodes need no
privileges, and the archive is byte-for-byte reproducible.
"""

from __future__ import annotations

import stat
from typing import BinaryIO

_TRAILER = "TRAILER!!!"


class CpioWriter:
    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._ino = 1
        self._written = 0

    def _entry(
        self, name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0)
    ) -> None:
        name_bytes = name.encode() + b"\0"
        fields = [
            self._ino, mode, 0, 0,  # ino, mode, uid, gid
            2 if stat.S_ISDIR(mode) else 1, 0,  # nlink, mtime
            len(data), 0, 0,  # filesize, dev major/minor
            rdev[0], rdev[1], len(name_bytes), 0,  # rdev major/minor, namesize, check
        ]
        self._ino += 1
        header = b"070701" + b"".join(b"%08X" % value for value in fields)
        self._write(header + name_bytes)
        self._pad()
        self._write(data)
        self._pad()

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._written += len(data)

    def _pad(self) -> None:
        self._write(b"\0" * (-self._written % 4))

    def directory(self, name: str, perm: int = 0o755) -> None:
        self._entry(name, stat.S_IFDIR | perm)

    def file(self, name: str, data: bytes, perm: int = 0o644) -> None:
        self._entry(name, stat.S_IFREG | perm, data)

    def symlink(self, name: str, target: str) -> None:
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def char_device(self, name: str, major: int, minor: int, perm: int = 0o600) -> None:
        self._entry(name, stat.S_IFCHR | perm, rdev=(major, minor))

    def close(self) -> None:
        self._entry(_TRAILER, 0)
