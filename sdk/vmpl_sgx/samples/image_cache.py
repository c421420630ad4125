"""Sample images, built once per compiler and source, then copied from a cache.

A sample's build has no input outside this package but the compiler and musl's source: its
sources, the runtime, the EDL generator (records), the build flags. Their digest names the
image in the cache that musl's archive lives in (vmpl_sgx.musl.cache_root(): $VMPL_SGX_CACHE,
else ~/.cache/vmpl-sgx), so any change to one of them is a new build. Test suites build the
same samples in many processes, and under an emulator one build takes tens of seconds: the
VM tier fills the cache on the host before its guests boot, and they read it (read-only).

A cached EDL sample comes without the trusted bridge that a build writes beside the image
(OUTPUT.edl/); nothing of the samples' needs it after the link.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Sequence

from vmpl_sgx import build, musl
from vmpl_sgx.elf import ElfError, load_elf

PACKAGE_DIR = Path(__file__).resolve().parents[1]
# What a sample's image is made of, besides the compiler and musl: every file under these
# (the runtime's C and headers, every sample, the EDL generator) and these modules.
INPUT_DIRS = ("runtime", "samples", "edl")
INPUT_MODULES = ("build.py", "musl.py")
DIRECTORY = "samples"
Make = Callable[[Path], Path]
"""What builds an image at the path it is given (vmpl_sgx.build.build_enclave's way)."""


def image_key(name: str, cc: Sequence[str]) -> str:
    """The digest of everything the image of sample `name` is built from."""
    digest = hashlib.sha256()
    for part in (name, musl.archive_key(cc), *build.CFLAGS, *build.LDFLAGS, *build.LIBS):
        digest.update(part.encode() + b"\0")
    for path in _inputs():
        digest.update(str(path.relative_to(PACKAGE_DIR)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def _inputs() -> Iterator[Path]:
    for directory in INPUT_DIRS:
        for path in sorted((PACKAGE_DIR / directory).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                yield path
    for module in INPUT_MODULES:
        yield PACKAGE_DIR / module


def _roots() -> tuple[Path, Path]:
    """Where images are looked for and kept, as for musl's archive: the cache, else a
    directory under the temporary directory (a read-only cache is only read)."""
    return musl.cache_root(), Path(tempfile.gettempdir()) / f"vmpl-sgx-{os.getuid()}"


def cached_build(name: str, output: Path, make: Make) -> Path:
    """The image of sample `name` at `output`: copied from the cache, else built by
    `make(output)` and kept in the cache for the next build."""
    try:
        file_name = f"{name}-{image_key(name, build.compiler())}.elf"
    except musl.MuslError:
        return make(output)  # which reports what is missing, as BuildError
    for root in _roots():
        cached = root / DIRECTORY / file_name
        if cached.is_file() and _copy(cached, output):
            return output
    make(output)
    for root in _roots():
        if _keep(output, root / DIRECTORY / file_name):
            break
    return output


def _copy(cached: Path, output: Path) -> bool:
    """Copy a cached image to `output` (the way a build replaces it); False, and no file at
    `output`, when the cached one does not load (a damaged cache is built around)."""
    scratch = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(cached, scratch)
        load_elf(scratch)
        os.replace(scratch, output)
    except (OSError, ElfError):
        scratch.unlink(missing_ok=True)
        return False
    return True


def _keep(image: Path, cached: Path) -> bool:
    """Put a copy of `image` in the cache; False if the cache cannot be written."""
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=cached.parent, prefix=".")
    except OSError:
        return False
    scratch = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as out, image.open("rb") as source:
            shutil.copyfileobj(source, out)
        os.chmod(scratch, 0o644)  # mkstemp made it private; an image is not secret
        os.replace(scratch, cached)
    except OSError:
        scratch.unlink(missing_ok=True)
        return False
    return True
