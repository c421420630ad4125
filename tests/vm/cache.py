"""Where the VM tier keeps downloads, extracted kernels, builds and run results."""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_ENV = "VMPL_SGX_VM_CACHE"
# Written last into a finished directory, so a half-done one from a killed run is never reused.
COMPLETE_MARKER = ".complete"


def cache_dir() -> Path:
    """The cache root: $VMPL_SGX_VM_CACHE, else <repo>/.cache/vm."""
    override = os.environ.get(CACHE_ENV)
    root = Path(override) if override else REPO_ROOT / ".cache" / "vm"
    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextmanager
def locked(name: str) -> Iterator[None]:
    """Serialize concurrent runs that fill the same cache entry."""
    lock_dir = cache_dir() / "locks"
    lock_dir.mkdir(exist_ok=True)
    with open(lock_dir / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_complete(path: Path) -> bool:
    return (path / COMPLETE_MARKER).is_file()


def fresh_staging(final: Path) -> Path:
    """An empty sibling directory to fill before it is renamed onto `final`."""
    staging = final.with_name(final.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def publish(staging: Path, final: Path) -> None:
    """Mark `staging` complete and move it into place (replacing a stale `final`)."""
    (staging / COMPLETE_MARKER).write_text("")
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)
