"""The secret every EREPORT MAC and EGETKEY key of one SEH instance derives from.

On hardware the SEH would take it from an SNP MSG_KEY_REQ bound to its launch measurement at
VMPL0. The model keeps one per instance instead: a file it creates with mode 0600 (loopback
SEH, so keys survive a restart) or fresh random bytes per process (simulator).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

SECRET_SIZE = 32


def default_path() -> Path:
    """Where the loopback SEH keeps its root secret unless told otherwise."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return Path(state) / "vmpl-sgx" / "seh-root-secret"


class RootSecretError(OSError):
    """The root secret file is unusable: wrong size, or readable by others."""


class RootSecret:
    __slots__ = ("_secret", "origin")

    def __init__(self, secret: bytes, origin: str) -> None:
        if len(secret) != SECRET_SIZE:
            raise RootSecretError(f"a root secret is {SECRET_SIZE} bytes, not {len(secret)}")
        self._secret = bytes(secret)
        self.origin = origin
        """Where the secret lives, as GET_INFO and docs describe it ("per process" or a path)."""

    @classmethod
    def per_process(cls) -> RootSecret:
        return cls(secrets.token_bytes(SECRET_SIZE), "per process")

    @classmethod
    def from_file(cls, path: Path) -> RootSecret:
        """Read the secret at `path`, creating it (mode 0600, never overwritten) if absent."""
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(SECRET_SIZE))
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise RootSecretError(
                f"{path}: mode {stat.S_IMODE(mode):o} lets others read the secret"
            )
        return cls(path.read_bytes(), str(path))

    def derive(self, label: str, context: bytes = b"", size: int = 32) -> bytes:
        """An independent secret for one purpose (HMAC-SHA-512 keyed with the root)."""
        if size > 64:
            raise ValueError("at most 64 derived bytes")
        message = label.encode() + b"\x00" + context
        return hmac.new(self._secret, message, hashlib.sha512).digest()[:size]

    def __repr__(self) -> str:
        return f"RootSecret(origin={self.origin!r})"
