"""The guest's initramfs: busybox-static, the virtio/9p module chain and guest_init.sh."""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import struct
from pathlib import Path
from typing import List, Tuple

from tests.vm.cache import locked
from tests.vm.cpio import CpioWriter
from tests.vm.kernels import Kernel
from tests.vm.proc import VmError, run

INIT_SCRIPT = Path(__file__).with_name("guest_init.sh")
# What the guest loads: the virtio PCI transport, 9p over virtio, and overlayfs (/tmp).
GUEST_MODULES = ("virtio_pci", "9pnet_virtio", "9p", "overlay")
BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")
_PT_INTERP = 3


def find_static_busybox() -> Path:
    """A statically linked busybox (package busybox-static): the initramfs has no libc."""
    for candidate in BUSYBOX_CANDIDATES:
        path = Path(candidate)
        if path.is_file() and is_static_elf(path):
            return path
    raise VmError("no statically linked busybox: install the busybox-static package")


def is_static_elf(path: Path) -> bool:
    """True for a 64-bit little-endian ELF without a program interpreter."""
    with open(path, "rb") as handle:
        header = handle.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2 or header[5] != 1:
            return False
        phoff, = struct.unpack_from("<Q", header, 32)
        phentsize, phnum = struct.unpack_from("<HH", header, 54)
        handle.seek(phoff)
        table = handle.read(phentsize * phnum)
    return all(
        struct.unpack_from("<I", table, i * phentsize)[0] != _PT_INTERP for i in range(phnum)
    )


def module_chain(kernel: Kernel, names: Tuple[str, ...] = GUEST_MODULES) -> List[Tuple[Path, str]]:
    """(module file, parameters) in load order; built-in modules are skipped."""
    # -a: without it modprobe takes the names after the first as module parameters.
    out = run(
        ["modprobe", "-d", str(kernel.modules_root), "-S", kernel.release, "--show-depends",
         "-a", *names]
    )
    chain: List[Tuple[Path, str]] = []
    seen = set()
    for line in out.splitlines():
        words = line.split(None, 2)
        if len(words) < 2 or words[0] != "insmod":
            continue  # "builtin virtio_pci" and the like
        path = Path(words[1])
        if path not in seen:
            seen.add(path)
            chain.append((path, words[2].strip() if len(words) > 2 else ""))
    if not chain:
        raise VmError(f"modprobe found none of {names} for {kernel.release}")
    return chain


def build_initramfs(kernel: Kernel, chain: List[Tuple[Path, str]] | None = None) -> Path:
    """Build (or reuse) this kernel's initramfs; its name carries a hash of its inputs.

    `chain` defaults to the kernel's virtio/9p module chain; [] for a kernel that has
    them built in.
    """
    busybox = find_static_busybox()
    if chain is None:
        chain = module_chain(kernel)
    applets = run([str(busybox), "--list-full"]).split()
    init = INIT_SCRIPT.read_bytes()
    digest = hashlib.sha256(init)
    digest.update(busybox.read_bytes())
    for path, params in chain:
        digest.update(f"{path.name}:{params}:{path.stat().st_size}".encode())
    target = kernel.cache / f"initramfs-{digest.hexdigest()[:12]}.cpio.gz"
    with locked(f"initramfs-{kernel.release}"):
        if target.is_file():
            return target
        for stale in kernel.cache.glob("initramfs-*.cpio.gz"):
            stale.unlink()
        raw = io.BytesIO()
        writer = CpioWriter(raw)
        dirs = {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "run",
                "host", "results", "rw", "modules", "etc"}
        for directory in sorted(dirs):
            writer.directory(directory)
        # The kernel opens /dev/console for init's stdio before devtmpfs is mounted.
        writer.char_device("dev/console", 5, 1)
        writer.char_device("dev/null", 1, 3, 0o666)
        writer.file("bin/busybox", busybox.read_bytes(), 0o755)
        for applet in applets:
            if applet != "bin/busybox" and applet.split("/")[0] in ("bin", "sbin", "usr"):
                writer.symlink(applet, "/bin/busybox")
        order = []
        for index, (path, params) in enumerate(chain):
            name = f"{index:02d}-{path.name}"
            writer.file(f"modules/{name}", path.read_bytes())
            order.append(f"{name} {params}".rstrip())
        writer.file("modules/order", ("\n".join(order) + "\n").encode())
        writer.file("init", init, 0o755)
        writer.close()
        partial = target.with_suffix(".partial")
        with open(partial, "wb") as out, gzip.GzipFile(
            fileobj=out, mode="wb", mtime=0, compresslevel=6
        ) as gz:
            gz.write(raw.getvalue())
        shutil.move(str(partial), target)
    return target
