"""The SDK's build cache for test guests, filled on the host before they boot.

Under TCG one gcc run takes tens of seconds, and a guest builds the samples many times over
(the conformance suite, the C client's plan, the guest tests, the demo, fault injection),
each process from scratch, after compiling musl's archive for itself. The host builds musl's
archive and every sample here, natively, into a cache under the VM tier's, and the guests
read it through the SDK's own cache variable: the same images, from the same sources and
compiler (the guest runs the host's root filesystem), found under the same key
(vmpl_sgx.samples.image_cache). A guest that misses (another $CC, say) builds as before.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tests.vm.cache import cache_dir, locked
from vmpl_sgx.musl import CACHE_ENV
from vmpl_sgx.samples import SAMPLE_NAMES, build_sample

CACHE_VARIABLE = CACHE_ENV
"""The guest's variable naming the cache: the SDK's own."""


def sample_cache() -> Path:
    """The cache directory, with musl's archive and every sample's image for this host's
    compiler and sources in it."""
    root = cache_dir() / "sdk"
    with locked("sdk-cache"):
        previous = os.environ.get(CACHE_ENV)
        os.environ[CACHE_ENV] = str(root)
        try:
            with tempfile.TemporaryDirectory() as scratch:
                for name in SAMPLE_NAMES:  # a hit is a copy: milliseconds
                    build_sample(name, Path(scratch) / f"{name}.elf")
        finally:
            if previous is None:
                del os.environ[CACHE_ENV]
            else:
                os.environ[CACHE_ENV] = previous
    return root
