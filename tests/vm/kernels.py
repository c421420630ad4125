"""The two Debian kernels the module is tested in, fetched into the cache.

bookworm: the ABI that bookworm's `linux-headers-amd64` currently points at (it drifts, so
it is resolved at run time). backports: the same meta package in bookworm-backports (6.12,
the first Debian kernel with SVSM guest support). For each: headers usable for an
out-of-tree build, the vmlinuz, and the few modules the guest needs to mount 9p.
"""

from __future__ import annotations

import gzip
import lzma
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import List

from tests.vm.apt import Apt, backports_apt, system_apt
from tests.vm.cache import cache_dir, fresh_staging, is_complete, locked, publish
from tests.vm.debs import extract_all, extract_selected
from tests.vm.proc import VmError, run

KERNEL_NAMES = ("bookworm", "backports")
HEADERS_META = "linux-headers-amd64"
# Module directories the guest's initramfs draws from (virtio transport, 9p, its caches,
# overlayfs for a writable /tmp over the read-only host root).
GUEST_MODULE_DIRS = ("drivers/virtio", "net/9p", "fs/9p", "fs/netfs", "fs/fscache", "fs/overlayfs")
# Index files depmod and modprobe need to tell built-in from missing modules.
MODULE_INDEX_FILES = ("modules.order", "modules.builtin", "modules.builtin.modinfo")


@dataclass(frozen=True)
class Kernel:
    name: str  # "bookworm" or "backports"
    release: str  # e.g. 6.1.0-56-amd64, what `uname -r` says inside the guest
    headers: Path  # the directory for `make -C`
    vmlinuz: Path
    modules_root: Path  # ROOT for `depmod -b` / `modprobe -d`: holds lib/modules/<release>
    cache: Path  # this kernel's cache directory


def apt_for(name: str) -> Apt:
    if name == "bookworm":
        return system_apt()
    if name == "backports":
        return backports_apt()
    raise VmError(f"unknown kernel {name!r}; expected one of {', '.join(KERNEL_NAMES)}")


def resolve_release(name: str, apt: Apt | None = None) -> str:
    """The ABI the suite's headers meta package depends on, e.g. 6.1.0-56-amd64."""
    apt = apt or apt_for(name)
    deps = apt.depends(HEADERS_META)
    if not deps and apt.private_lists is None and os.geteuid() == 0:
        apt.update()  # a fresh machine may have empty lists
        deps = apt.depends(HEADERS_META)
    for dep in deps:
        if dep.startswith("linux-headers-"):
            return dep[len("linux-headers-") :]
    raise VmError(
        f"{apt.label}: `apt-cache depends {HEADERS_META}` names no linux-headers-* package "
        "(apt lists missing? run `apt-get update` as root)"
    )


def prepare_kernel(name: str) -> Kernel:
    """Resolve, download and unpack one kernel, or reuse the cached copy."""
    apt = apt_for(name)
    release = resolve_release(name, apt)
    try:
        return _prepare(name, apt, release)
    except VmError as first:
        # Stale lists name packages the mirror has dropped: refresh, re-resolve, retry once.
        try:
            apt.update()
        except VmError:
            raise first from None
        return _prepare(name, apt, resolve_release(name, apt))


def _prepare(name: str, apt: Apt, release: str) -> Kernel:
    root = cache_dir() / "kernels" / release
    headers_root, image_root = root / "headers", root / "image"
    with locked(f"kernel-{release}"):
        debs = cache_dir() / "debs"
        if not is_complete(headers_root):
            staging = fresh_staging(headers_root)
            _unpack_headers(apt, release, debs, staging)
            publish(staging, headers_root)
        if not is_complete(image_root):
            staging = fresh_staging(image_root)
            _unpack_image(apt, release, debs, staging)
            publish(staging, image_root)
    kernel = Kernel(
        name=name,
        release=release,
        headers=headers_root / "usr" / "src" / f"linux-headers-{release}",
        vmlinuz=image_root / "boot" / f"vmlinuz-{release}",
        modules_root=image_root,
        cache=root,
    )
    _check_headers(kernel.headers, headers_root)
    return kernel


# ---- headers -------------------------------------------------------------------------------


def _unpack_headers(apt: Apt, release: str, debs: Path, dest: Path) -> None:
    top = f"linux-headers-{release}"
    # The arch package leans on -common (the tree) and linux-kbuild-* (scripts, host tools).
    packages = [top] + [
        dep for dep in apt.depends(top) if dep.startswith(("linux-headers-", "linux-kbuild-"))
    ]
    for deb in apt.download(packages, debs):
        extract_all(deb, dest)
    _relocate_absolute_links(dest)
    _relocate_makefile_include(dest / "usr" / "src" / top)


def _relocate_absolute_links(root: Path) -> None:
    """Make absolute symlinks (lib/modules/*/build -> /usr/src/...) point inside `root`."""
    for dirpath, dirnames, filenames in os.walk(root):
        for entry in dirnames + filenames:
            link = Path(dirpath) / entry
            if not link.is_symlink():
                continue
            target = os.readlink(link)
            if os.path.isabs(target):
                inside = root / target.lstrip("/")
                link.unlink()
                link.symlink_to(os.path.relpath(inside, link.parent))


def _relocate_makefile_include(headers: Path) -> None:
    """The arch Makefile includes -common by absolute path; make it relative to itself."""
    makefile = headers / "Makefile"
    text = makefile.read_text()
    fixed = re.sub(
        r"^include /usr/src/(\S+)$",
        r"include $(dir $(lastword $(MAKEFILE_LIST)))../\1",
        text,
        flags=re.MULTILINE,
    )
    makefile.write_text(fixed)


def _check_headers(headers: Path, root: Path) -> None:
    """Fail early, naming the broken piece, rather than deep inside a module build."""
    problems = []
    for name in ("Makefile", ".config", "Module.symvers", "scripts", "include", "arch"):
        path = headers / name
        if not path.exists():
            problems.append(f"{path} missing or a dangling link")
        elif root.resolve() not in path.resolve().parents:
            problems.append(f"{path} resolves outside {root}: {path.resolve()}")
    for line in (headers / "Makefile").read_text().splitlines():
        if line.startswith("include "):
            included = line.split(None, 1)[1].replace(
                "$(dir $(lastword $(MAKEFILE_LIST)))", f"{headers}/"
            )
            if not Path(included).is_file():
                problems.append(f"{headers}/Makefile includes missing {included}")
    if problems:
        raise VmError("unusable kernel headers:\n  " + "\n  ".join(problems))


# ---- image and guest modules ---------------------------------------------------------------


def _image_package(apt: Apt, release: str) -> str:
    for candidate in (f"linux-image-{release}", f"linux-image-{release}-unsigned"):
        try:
            apt.deb_name(candidate)
        except VmError:
            continue
        return candidate
    raise VmError(f"{apt.label}: no linux-image-{release}[-unsigned] package")


def _unpack_image(apt: Apt, release: str, debs: Path, dest: Path) -> None:
    """vmlinuz, the guest's module directories and the module indexes, then depmod."""
    (deb,) = apt.download([_image_package(apt, release)], debs)
    prefix = f"lib/modules/{release}/"
    wanted_dirs = tuple(f"kernel/{d}/" for d in GUEST_MODULE_DIRS)

    def select(name: str) -> str | None:
        if name in (f"boot/vmlinuz-{release}", f"boot/config-{release}"):
            return name
        # Modules live in lib/modules or, on merged-/usr packages, usr/lib/modules.
        rel = name[4:] if name.startswith("usr/lib/modules/") else name
        if not rel.startswith(prefix):
            return None
        inner = rel[len(prefix) :]
        if inner in MODULE_INDEX_FILES or inner.startswith(wanted_dirs):
            return rel
        return None

    written = extract_selected(deb, dest, select)
    if not (dest / "boot" / f"vmlinuz-{release}").is_file():
        raise VmError(f"{deb} holds no boot/vmlinuz-{release}")
    for path in written:
        _decompress_module(path)
    _strip_compressed_names(dest / prefix / "modules.order")
    run(["depmod", "-b", str(dest), release])


def _decompress_module(path: Path) -> None:
    """Store modules plain: the guest's busybox insmod then needs no decompressor."""
    if path.suffix not in (".xz", ".gz", ".zst") or not path.name.endswith(".ko" + path.suffix):
        return
    plain = path.with_suffix("")
    if path.suffix == ".zst":
        if not shutil.which("zstd"):
            raise VmError(f"{path} is zstd-compressed: install the zstd package")
        subprocess.run(["zstd", "-q", "-d", "-f", str(path), "-o", str(plain)], check=True)
    elif path.suffix == ".xz":
        with lzma.open(path, "rb") as source, open(plain, "wb") as sink:
            shutil.copyfileobj(source, sink)
    else:
        with gzip.open(path, "rb") as source, open(plain, "wb") as sink:
            shutil.copyfileobj(source, sink)
    path.unlink()


def _strip_compressed_names(order: Path) -> None:
    if order.is_file():
        lines: List[str] = [
            re.sub(r"\.ko\.(xz|gz|zst)$", ".ko", line) for line in order.read_text().splitlines()
        ]
        order.write_text("\n".join(lines) + "\n")
