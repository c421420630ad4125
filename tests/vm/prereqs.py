"""What the VM tier needs on the host, and installing what is missing when we can."""

from __future__ import annotations

import os
import platform
from typing import Dict, List, Sequence

from tests.vm.apt_sources import debian_source, os_codename
from tests.vm.initramfs import find_static_busybox
from tests.vm.proc import VmError, find_tool, run
from vmpl_sgx.musl import MuslError, check_headers, find_source

# command -> the Debian package that provides it
APT_TOOLS = {"apt-get": "apt", "apt-cache": "apt", "dpkg-deb": "dpkg"}
TOOLS = {
    "qemu-system-x86_64": "qemu-system-x86",
    "depmod": "kmod",
    "modprobe": "kmod",
    "sparse": "sparse",
    "pahole": "dwarves",  # the 6.12 headers ship vmlinux, so modules get BTF
    "make": "make",
    "gcc": "gcc",
    "timeout": "coreutils",
}
STATIC_BUSYBOX_PACKAGE = "busybox-static"


def in_ci() -> bool:
    """In CI a missing prerequisite is a failure; elsewhere callers skip the tier."""
    return os.environ.get("CI", "").lower() == "true"


def _have(command: str) -> bool:
    return find_tool(command) is not None


def missing_packages() -> List[str]:
    """Debian packages to install so every tool the tier runs is present."""
    packages: Dict[str, None] = {}
    for command, package in TOOLS.items():
        if not _have(command):
            packages[package] = None
    try:
        find_static_busybox()
    except VmError:
        packages[STATIC_BUSYBOX_PACKAGE] = None
    return list(packages)


def check_prereqs(kernels: Sequence[str] = ("bookworm", "backports")) -> List[str]:
    """Problems that stop the tier from running, each saying exactly what to do; [] if none.

    Read-only: missing packages count as problems only when they cannot be installed here
    (not root, or no apt); `install_missing_packages` installs them otherwise.
    """
    problems: List[str] = []
    if platform.machine() != "x86_64":
        problems.append(f"the host is {platform.machine()}: the tier builds amd64 modules")
    if os.geteuid() != 0:
        problems.append(
            "not running as root: the guest sees the host's files with the permissions of the "
            "QEMU process (9p, security_model=none), so a non-root run cannot read everything "
            "the guest script may need; run as root (e.g. `sudo -E make vmtest`)"
        )
    no_apt = [c for c in APT_TOOLS if not _have(c)]
    if no_apt:
        problems.append(
            f"apt is not available ({', '.join(no_apt)} not found): the VM tier fetches "
            "Debian kernel packages with apt and needs a Debian host"
        )
    elif "backports" in kernels:
        # The backports suite is fetched from the mirror of the machine's own Debian source.
        try:
            debian_source(os_codename())
        except VmError as exc:
            problems.append(f"cannot locate the Debian mirror for backports: {exc}")
    packages = missing_packages()
    if packages:
        install = f"apt-get install -y --no-install-recommends {' '.join(packages)}"
        if no_apt:
            problems.append(f"missing packages: {' '.join(packages)}")
        elif os.geteuid() != 0:
            problems.append(
                f"missing packages: {' '.join(packages)}; not running as root, so they cannot "
                f"be installed here: run `sudo {install}`"
            )
    return problems


def check_guest_build_prereqs() -> List[str]:
    """The guest builds a sample enclave from the host's files, its libc from musl's source
    and musl-dev's headers; [] when both are there, else what to install."""
    try:
        check_headers()
        find_source()
    except MuslError as exc:
        return [f"the guest cannot build enclaves: {exc}"]
    return []


def install_missing_packages() -> List[str]:
    """Install missing tool packages when root with apt; return what was installed."""
    packages = missing_packages()
    if not packages or os.geteuid() != 0 or not all(_have(c) for c in APT_TOOLS):
        return []
    # Another apt run (e.g. a provisioning step) may hold the dpkg lock: wait for it.
    lock_wait = ["-o", "DPkg::Lock::Timeout=900"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", *lock_wait, "-q", "-y", "--no-install-recommends", "install", *packages]
    try:
        run(install, env=env)
    except VmError:
        # A fresh machine may have no package lists yet.
        run(["apt-get", *lock_wait, "-q", "update"], env=env)
        run(install, env=env)
    return packages
