"""Building an out-of-tree module against one kernel's headers, warnings treated as errors."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import List

from tests.vm.proc import VmError, find_tool, own_make_env

# Kbuild leaves these in the module directory; never copy a stale one into a build.
BUILD_ARTIFACTS = (
    "*.o", "*.ko", "*.mod", "*.mod.c", ".*.cmd", "*.symvers", "modules.order", ".tmp_versions",
    "*.dwo", ".cache.mk",
)
# kbuild prints this for every module when pahole or vmlinux is missing; it is harmless.
IGNORED_LINES = ("Skipping BTF generation",)


@dataclass(frozen=True)
class ModuleBuild:
    ko: Path
    log: Path
    build_dir: Path


def find_build_problems(log_text: str) -> List[str]:
    """Lines with warning:/error: (any case, so modpost's "WARNING: modpost:" counts)."""
    problems = []
    for line in log_text.splitlines():
        lowered = line.lower()
        if any(ignored in line for ignored in IGNORED_LINES):
            continue
        if "warning:" in lowered or "error:" in lowered:
            problems.append(line)
    return problems


def kernel_compiler(headers: Path) -> str:
    """The compiler command the kernel was built with (Debian's headers invoke exactly it)."""
    config = (headers / ".config").read_text(errors="replace")
    match = re.search(r'^CONFIG_CC_VERSION_TEXT="(\S+)', config, re.MULTILINE)
    return match.group(1) if match else "gcc"


def build_module(
    module_dir: Path,
    headers: Path,
    build_dir: Path,
    *,
    ko_name: str | None = None,
    extra_make_args: List[str] | None = None,
) -> ModuleBuild:
    """Copy `module_dir` to `build_dir` (one per kernel, so builds never clobber each
    other), run `make -C headers M=build_dir W=1 C=1 modules`, and return the .ko.

    Raises VmError if make fails or its output has any warning or error line; the full
    log is in build_dir/build.log either way.
    """
    module_dir = module_dir.resolve()
    if not module_dir.is_dir():
        raise VmError(f"module directory {module_dir} does not exist")
    if shutil.which("sparse") is None:
        raise VmError("C=1 needs sparse: install the sparse package")
    compiler = kernel_compiler(headers)
    if find_tool(compiler) is None:
        version = compiler.rsplit("gcc-", 1)[-1] if "gcc-" in compiler else ""
        package = f"gcc-{version}" if version.isdigit() else "gcc"
        raise VmError(f"{headers} was built with {compiler}: install the {package} package")
    build_dir = build_dir.resolve()
    if build_dir.exists():
        shutil.rmtree(build_dir)
    shutil.copytree(module_dir, build_dir, ignore=shutil.ignore_patterns(*BUILD_ARTIFACTS))
    log = build_dir / "build.log"
    argv = [
        "make", "-C", str(headers), f"M={build_dir}", "W=1", "C=1",
        f"-j{os.cpu_count() or 1}", *(extra_make_args or []), "modules",
    ]
    # LC_ALL=C: compiler messages must say "warning:" in English for the scan below.
    env = own_make_env(LC_ALL="C")
    proc = subprocess.run(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env=env, check=False,
    )
    text = proc.stdout.decode(errors="replace")
    log.write_text(f"$ {' '.join(argv)}\n{text}")
    if proc.returncode != 0:
        raise VmError(f"module build failed (make exited {proc.returncode}); see {log}:\n{text}")
    problems = find_build_problems(text)
    if problems:
        raise VmError(f"module build has warnings/errors; see {log}:\n" + "\n".join(problems))
    kos = sorted(build_dir.glob("*.ko"))
    if ko_name is not None:
        kos = [ko for ko in kos if ko.name == ko_name]
    if len(kos) != 1:
        names = ", ".join(ko.name for ko in kos) or "none"
        raise VmError(f"expected one {ko_name or '*.ko'} in {build_dir}, found: {names}")
    return ModuleBuild(ko=kos[0], log=log, build_dir=build_dir)
