"""What building the debug kernel needs on top of the VM tier's own prerequisites."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List

from tests.vm.proc import find_tool, run

# command -> Debian package
BUILD_TOOLS = {"bc": "bc", "bison": "bison", "flex": "flex", "xz": "xz-utils",
               "make": "make", "gcc": "gcc", "tar": "tar"}
# header -> Debian package (objtool needs libelf; the build's host tools need OpenSSL)
BUILD_HEADERS = {"/usr/include/gelf.h": "libelf-dev",
                 "/usr/include/openssl/opensslv.h": "libssl-dev"}


def missing_debug_packages() -> List[str]:
    packages: Dict[str, None] = {}
    for command, package in BUILD_TOOLS.items():
        if find_tool(command) is None:
            packages[package] = None
    for header, package in BUILD_HEADERS.items():
        if not Path(header).is_file():
            packages[package] = None
    return list(packages)


def install_debug_packages() -> List[str]:
    """Install what is missing when root with apt (as the VM tier does for its tools)."""
    packages = missing_debug_packages()
    if not packages or os.geteuid() != 0 or find_tool("apt-get") is None:
        return []
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "-o", "DPkg::Lock::Timeout=900", "-q", "-y", "--no-install-recommends",
         "install", *packages], env=env)
    return packages


def check_debug_prereqs() -> List[str]:
    packages = missing_debug_packages()
    if not packages:
        return []
    return [f"building the debug kernel needs: {' '.join(packages)} "
            f"(`apt-get install -y --no-install-recommends {' '.join(packages)}` as root)"]
