"""The debug kernel: Debian's linux-source-6.12 built with the checkers of debug_kernel.config.

The source comes from bookworm-backports (the kernel family users run), through the tier's
private backports apt. The build is `make allnoconfig` with the committed fragment as
KCONFIG_ALLCONFIG, then bzImage and modules_prepare, so the module can be built against
the tree. It is cached outside the clone, under
`${XDG_CACHE_HOME:-~/.cache}/vmpl-sgx/debug-kernel/<source version>-<fragment hash>/`
($VMPL_SGX_DEBUG_KERNEL_CACHE overrides the parent), so every clone on a machine shares
one build, and a new source version or fragment gets a new one.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Dict, List

from tests.vm.apt import backports_apt
from tests.vm.cache import cache_dir, fresh_staging, is_complete, publish
from tests.vm.kernels import Kernel
from tests.vm.proc import VmError, own_make_env, run

SOURCE_PACKAGE = "linux-source-6.12"
FRAGMENT = Path(__file__).with_name("debug_kernel.config")
CACHE_ENV = "VMPL_SGX_DEBUG_KERNEL_CACHE"
TREE = "linux"
BUILD_LOG = "build.log"
BUILD_SECONDS = "build-seconds"
# The build yields to everything else on the machine.
NICE = 15
_SETTING = re.compile(r"^(CONFIG_\w+)=(.*)$")
_UNSET = re.compile(r"^# (CONFIG_\w+) is not set$")


def debug_cache_root() -> Path:
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).resolve()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).resolve() / "vmpl-sgx" / "debug-kernel"


def settings(text: str) -> Dict[str, str]:
    """CONFIG_* -> value of a fragment or .config ("n" for `# ... is not set`)."""
    found: Dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        match = _SETTING.match(line)
        if match:
            found[match.group(1)] = match.group(2)
            continue
        match = _UNSET.match(line)
        if match:
            found[match.group(1)] = "n"
    return found


def fragment_hash(text: str) -> str:
    """Hash of the settings only, so comments can change without a rebuild."""
    lines = [f"{name}={value}" for name, value in settings(text).items()]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]


def config_mismatches(fragment: str, config: str) -> List[str]:
    """Fragment settings the resolved .config does not have (Kconfig drops unmet ones)."""
    have = settings(config)
    return [
        f"{name}: wanted {value}, got {have.get(name, 'n')}"
        for name, value in settings(fragment).items()
        if have.get(name, "n") != value
    ]


def cache_key(version: str, fragment: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9.-]", "_", version)
    return f"{safe}-{fragment_hash(fragment)}"


def _source_deb() -> Path:
    apt = backports_apt()
    (deb,) = apt.download([SOURCE_PACKAGE], cache_dir() / "debs")
    return deb


def _deb_version(deb: Path) -> str:
    return run(["dpkg-deb", "-f", str(deb), "Version"]).strip()


def _unpack_source(deb: Path, dest: Path) -> Path:
    """The source tarball inside the .deb, unpacked as dest/linux."""
    inner = f"./usr/src/{SOURCE_PACKAGE}.tar.xz"
    deb_tar = subprocess.Popen(
        ["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    pick = subprocess.Popen(
        ["tar", "-xO", inner], stdin=deb_tar.stdout, stdout=subprocess.PIPE
    )
    assert deb_tar.stdout is not None
    deb_tar.stdout.close()
    unpack = subprocess.run(["tar", "-xJ"], stdin=pick.stdout, cwd=dest, check=False)
    if pick.wait() or deb_tar.wait() or unpack.returncode:
        raise VmError(f"unpacking {inner} from {deb} failed")
    (dest / SOURCE_PACKAGE).rename(dest / TREE)
    return dest / TREE


def _make(tree: Path, log: Path, *targets: str) -> None:
    argv = ["nice", "-n", str(NICE), "make", "-C", str(tree), *targets]
    with open(log, "a") as out:
        status = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, env=own_make_env(),
                                check=False).returncode
    if status:
        tail = log.read_text(errors="replace").splitlines()[-30:]
        raise VmError(f"`make {' '.join(targets)}` in {tree} exited {status}; last lines of "
                      f"{log}:\n" + "\n".join(tail))


def _configured(tree: Path) -> bool:
    """A tree an interrupted build left behind, configured from this fragment."""
    config = tree / ".config"
    return config.is_file() and not config_mismatches(FRAGMENT.read_text(), config.read_text())


def build(deb: Path, final: Path, jobs: int) -> None:
    """Unpack, configure and build into final's staging directory.

    A staging directory that an interrupted build left configured is built on (make
    rebuilds only what is missing; an interrupted make deletes its half-written targets),
    so a killed run does not start the long build from scratch.
    """
    started = time.monotonic()
    staging = final.with_name(final.name + ".partial")
    tree = staging / TREE
    log = staging / BUILD_LOG
    resumed = _configured(tree)
    if not resumed:
        staging = fresh_staging(final)
        tree = _unpack_source(deb, staging)
        _make(tree, log, "allnoconfig", f"KCONFIG_ALLCONFIG={FRAGMENT}")
        wrong = config_mismatches(FRAGMENT.read_text(), (tree / ".config").read_text())
        if wrong:
            raise VmError(f"{FRAGMENT.name}: Kconfig did not take these settings (missing "
                          "dependencies?):\n  " + "\n  ".join(wrong))
    _make(tree, log, f"-j{jobs}", "bzImage", "modules_prepare")
    spent = f"{time.monotonic() - started:.0f}"
    (staging / BUILD_SECONDS).write_text(spent + (" (resumed)" if resumed else "") + "\n")
    publish(staging, final)


def _module_symvers(tree: Path) -> None:
    """External modules link against Module.symvers, which `make modules` writes. The tree
    builds no modules of its own, so its Module.symvers is vmlinux's exports (vmlinux.symvers,
    written by the bzImage link)."""
    symvers = tree / "Module.symvers"
    if not symvers.is_file():
        staged = symvers.with_name(symvers.name + ".tmp")
        staged.write_bytes((tree / "vmlinux.symvers").read_bytes())
        staged.rename(symvers)


def prepare_debug_kernel(jobs: int | None = None) -> Kernel:
    """Build the debug kernel, or reuse the cached build; the Kernel the tier boots."""
    deb = _source_deb()
    root = debug_cache_root()
    final = root / cache_key(_deb_version(deb), FRAGMENT.read_text())
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f"{final.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second run waits for the first one's build
        if not is_complete(final):
            print(f"building the debug kernel in {final} (log {final}.partial/{BUILD_LOG})",
                  flush=True)
            build(deb, final, jobs or os.cpu_count() or 1)
        tree = final / TREE
        _module_symvers(tree)
    release = (tree / "include" / "config" / "kernel.release").read_text().strip()
    return Kernel(
        name="debug",
        release=release,
        headers=tree,
        vmlinuz=tree / "arch" / "x86" / "boot" / "bzImage",
        modules_root=final,
        cache=final,
    )


def build_seconds(kernel: Kernel) -> str:
    """How long the cached build took when it was made."""
    path = kernel.cache / BUILD_SECONDS
    if not path.is_file():
        return "unknown"
    seconds, _, note = path.read_text().strip().partition(" ")
    return f"{seconds} s {note}".rstrip()
