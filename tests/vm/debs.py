"""Unpacking .deb files without installing them."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Callable, List

from tests.vm.proc import VmError, run


def extract_all(deb: Path, dest: Path) -> None:
    run(["dpkg-deb", "-x", str(deb), str(dest)])


def extract_selected(deb: Path, dest: Path, select: Callable[[str], str | None]) -> List[Path]:
    """Write the regular files for which `select(name)` gives a relative path under `dest`.

    Member names arrive normalized without a leading "./". Only regular files are written,
    and only to paths `select` chose, so a hostile archive cannot write elsewhere.
    """
    written: List[Path] = []
    proc = subprocess.Popen(
        ["dpkg-deb", "--fsys-tarfile", str(deb)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
        for member in archive:
            name = member.name[2:] if member.name.startswith("./") else member.name
            target = select(name) if member.isfile() else None
            if target is None:
                continue
            out = (dest / target).resolve()
            if dest.resolve() not in out.parents:
                raise VmError(f"{deb}: refusing to write {name} outside {dest}")
            source = archive.extractfile(member)
            if source is None:
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            with source, open(out, "wb") as sink:
                shutil.copyfileobj(source, sink)
            out.chmod(member.mode & 0o755)
            written.append(out)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if proc.wait() != 0:
        raise VmError(f"dpkg-deb --fsys-tarfile {deb} failed: {stderr.strip()}")
    return written
