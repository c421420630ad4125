"""Sample images come from the build cache only when every input is the same: a hit is the
same bytes without a compiler run, any changed input is a new build, a damaged entry is
rebuilt, and a cache that cannot be written is still read."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import List

import pytest

from vmpl_sgx import build, musl
from vmpl_sgx.build import BuildError
from vmpl_sgx.samples import build_sample, image_cache

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc)")


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv(musl.CACHE_ENV, str(root))
    return root


@pytest.fixture()
def compiler_runs(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The samples whose build ran the compiler (build_enclave) from now on."""
    runs: List[str] = []
    real = image_cache.cached_build

    def counting(name: str, output: Path, make: image_cache.Make) -> Path:
        def counted(out: Path) -> Path:
            runs.append(name)
            return make(out)
        return real(name, output, counted)

    monkeypatch.setattr("vmpl_sgx.samples.cached_build", counting)
    return runs


def _cached_images(cache: Path) -> List[Path]:
    return sorted((cache / image_cache.DIRECTORY).glob("*.elf"))


def test_a_hit_is_the_same_image_without_a_compiler_run(
    cache: Path, tmp_path: Path, compiler_runs: List[str]
) -> None:
    first = build_sample("sha256", tmp_path / "first.elf")
    assert compiler_runs == ["sha256"]
    assert len(_cached_images(cache)) == 1
    second = build_sample("sha256", tmp_path / "second.elf")
    assert compiler_runs == ["sha256"]
    assert second.read_bytes() == first.read_bytes()


def test_every_input_is_in_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cc = build.compiler()
    before = image_cache.image_key("sha256", cc)
    assert image_cache.image_key("ocall", cc) != before
    assert image_cache.image_key("sha256", [*cc, "-m64"]) != before
    with monkeypatch.context() as patch:
        patch.setattr(build, "CFLAGS", (*build.CFLAGS, "-O3"))
        assert image_cache.image_key("sha256", cc) != before
    # A copy of the package with one runtime header changed.
    package = tmp_path / "package"
    shutil.copytree(image_cache.PACKAGE_DIR, package)
    monkeypatch.setattr(image_cache, "PACKAGE_DIR", package)
    assert image_cache.image_key("sha256", cc) == before
    header = package / "runtime" / "include" / "vmpl_sgx_enclave.h"
    header.write_text(header.read_text() + "\n/* changed */\n")
    assert image_cache.image_key("sha256", cc) != before


def test_a_damaged_entry_is_rebuilt(
    cache: Path, tmp_path: Path, compiler_runs: List[str]
) -> None:
    good = build_sample("faults", tmp_path / "good.elf").read_bytes()
    (entry,) = _cached_images(cache)
    entry.write_bytes(good[: len(good) // 2])
    again = build_sample("faults", tmp_path / "again.elf")
    assert compiler_runs == ["faults", "faults"]
    assert again.read_bytes() == good
    assert entry.read_bytes() == good
    assert not list(tmp_path.glob(".again.elf.*"))


def test_a_cache_that_cannot_be_written_is_replaced_by_the_temporary_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiler_runs: List[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(musl.CACHE_ENV, str(blocker / "cache"))  # not a directory, even for root
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    first = build_sample("attest", tmp_path / "first.elf")
    (kept,) = scratch.glob(f"vmpl-sgx-*/{image_cache.DIRECTORY}/attest-*.elf")
    assert kept.read_bytes() == first.read_bytes()
    build_sample("attest", tmp_path / "again.elf")
    assert compiler_runs == ["attest"]


def test_missing_musl_is_a_build_error_naming_what_to_install(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(musl.SOURCE_ENV, str(tmp_path / "nothing"))
    with pytest.raises(BuildError, match="install musl-dev and musl's source"):
        build_sample("sha256", tmp_path / "sha256.elf")
    assert not (tmp_path / "sha256.elf").exists()


def test_an_unknown_sample_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown sample 'nope'"):
        build_sample("nope", tmp_path / "nope.elf")
