"""apt queries and downloads, against the machine's sources or a private backports source."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import List, Sequence

from tests.vm.apt_sources import backports_sources_text, debian_source, os_codename
from tests.vm.cache import cache_dir, locked
from tests.vm.proc import VmError, run

# Private backports lists older than this are refreshed before use.
LISTS_MAX_AGE_S = 24 * 3600
_DEPENDS = re.compile(r"^\s*\|?(?:Pre)?Depends:\s*<?([^\s>]+)>?\s*$")


def _is_root() -> bool:
    return os.geteuid() == 0


class Apt:
    """apt-cache / apt-get with a fixed set of `-o` options (none: the machine's own config)."""

    def __init__(self, label: str, options: Sequence[str] = (), private_lists: Path | None = None):
        self.label = label
        self.options = list(options)
        self.private_lists = private_lists
        if _is_root():
            # apt-get download into a root-owned cache dir cannot be sandboxed as _apt.
            self.options += ["-o", "APT::Sandbox::User=root"]

    def _argv(self, tool: str, *args: str) -> List[str]:
        return [tool, *self.options, *args]

    def update(self) -> None:
        if self.private_lists is None and not _is_root():
            raise VmError("the machine's apt lists are empty or stale; refreshing them needs root")
        run(self._argv("apt-get", "-q", "-o", "DPkg::Lock::Timeout=600", "update"))

    def refresh_if_stale(self) -> None:
        """Refresh private lists older than a day; the machine's own are never touched here.

        A failed refresh is tolerated when older lists exist, so cached kernels still work
        offline.
        """
        if self.private_lists is None:
            return
        stamps = list(self.private_lists.glob("*_Packages*"))
        if stamps and time.time() - max(p.stat().st_mtime for p in stamps) < LISTS_MAX_AGE_S:
            return
        try:
            self.update()
        except VmError:
            if not stamps:
                raise
            return
        for stamp in self.private_lists.glob("*_Packages*"):
            stamp.touch()  # an unchanged index is not rewritten; record that it was checked

    def depends(self, package: str) -> List[str]:
        """Direct dependencies of the candidate version of `package` (alternatives included)."""
        try:
            out = run(self._argv("apt-cache", "depends", package))
        except VmError:
            return []
        return [m.group(1) for line in out.splitlines() if (m := _DEPENDS.match(line))]

    def download(self, packages: Sequence[str], dest: Path) -> List[Path]:
        """Download the candidate .debs into `dest` (kept: a second run finds them there)."""
        dest.mkdir(parents=True, exist_ok=True)
        wanted = {pkg: self.deb_name(pkg) for pkg in packages}
        missing = [pkg for pkg, name in wanted.items() if not (dest / name).is_file()]
        if missing:
            run(self._argv("apt-get", "-q", "download", *missing), cwd=dest)
        paths = [dest / name for name in wanted.values()]
        absent = [str(p) for p in paths if not p.is_file()]
        if absent:
            raise VmError(f"apt-get download did not produce: {', '.join(absent)}")
        return paths

    def deb_name(self, package: str) -> str:
        out = run(self._argv("apt-cache", "show", "--no-all-versions", package))
        match = re.search(r"^Filename:\s*(\S+)$", out, re.MULTILINE)
        if not match:
            raise VmError(f"apt-cache show {package}: no Filename field")
        return Path(match.group(1)).name


def system_apt() -> Apt:
    return Apt("system")


def backports_apt() -> Apt:
    """apt over a private sources file holding only `<codename>-backports`."""
    codename = os_codename()
    suite = f"{codename}-backports"
    root = cache_dir() / "apt" / suite
    lists = root / "lists"
    (lists / "partial").mkdir(parents=True, exist_ok=True)
    (root / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    parts = root / "sources.list.d"  # empty: the machine's own sources stay out
    parts.mkdir(exist_ok=True)
    sources = root / f"{suite}.sources"
    text = backports_sources_text(debian_source(codename), suite)
    if not sources.is_file() or sources.read_text() != text:
        sources.write_text(text)
    options = [
        "-o", f"Dir::Etc::SourceList={sources}",
        "-o", f"Dir::Etc::SourceParts={parts}",
        "-o", f"Dir::State::Lists={lists}",
        "-o", f"Dir::Cache={root}",
        "-o", "Dir::Cache::pkgcache=",
        "-o", "Dir::Cache::srcpkgcache=",
    ]
    apt = Apt(suite, options, private_lists=lists)
    with locked(f"apt-{suite}"):
        apt.refresh_if_stale()
    return apt
