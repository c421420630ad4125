"""Build a module for each Debian kernel, boot that kernel under QEMU and run a guest script.

    python -m tests.vm.run --kernel {bookworm,backports,all} --module-dir DIR \\
        --guest-script PATH [--timeout S] [--param KEY=VALUE ...] [--echo]

Inside the guest the script runs as root in the host's root filesystem (read-only, with
writable /tmp and /run) and gets VMPL_SGX_VM_MODULE (the .ko built for the booted kernel),
VMPL_SGX_VM_RESULTS (a writable directory, visible on the host afterwards),
VMPL_SGX_VM_KERNEL and every --param. Exit status 0 and a clean kernel console pass.
Missing prerequisites skip the run (exit 0), or fail it when CI=true.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Sequence

from tests.vm.cache import REPO_ROOT, cache_dir
from tests.vm.initramfs import build_initramfs
from tests.vm.kernels import KERNEL_NAMES, Kernel, prepare_kernel
from tests.vm.module_build import ModuleBuild, build_module
from tests.vm.prereqs import check_prereqs, in_ci, install_missing_packages
from tests.vm.proc import VmError
from tests.vm.qemu import BootResult, boot

__all__ = ["KernelRun", "check_prereqs", "main", "run_kernel"]

DEFAULT_MODULE_DIR = REPO_ROOT / "kernel_module"
DEFAULT_GUEST_SCRIPT = REPO_ROOT / "tests" / "vm" / "guest_tests.sh"
RUNS_KEPT = 10  # per kernel; older run directories are deleted


@dataclass
class KernelRun:
    kernel: Kernel
    build: ModuleBuild | None
    boot: BootResult
    timings: Dict[str, float] = field(default_factory=dict)  # seconds per step

    @property
    def ok(self) -> bool:
        return self.boot.ok


def _new_run_dir(release: str) -> Path:
    runs = cache_dir() / "runs" / release
    runs.mkdir(parents=True, exist_ok=True)
    for old in sorted(runs.iterdir())[:-RUNS_KEPT]:
        shutil.rmtree(old, ignore_errors=True)
    run_dir = runs / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    run_dir.mkdir()
    return run_dir


def run_kernel(
    name: str,
    guest_script: Path,
    module_dir: Path | None = None,
    *,
    timeout_s: float = 300.0,
    params: Mapping[str, str] | None = None,
    echo: bool = False,
) -> KernelRun:
    """Prepare kernel `name`, build `module_dir` for it, boot it and run `guest_script`."""
    timings: Dict[str, float] = {}
    started = time.monotonic()
    kernel = prepare_kernel(name)
    initramfs = build_initramfs(kernel)
    timings["prepare"] = time.monotonic() - started

    guest_params: Dict[str, str] = {}
    build = None
    if module_dir is not None:
        started = time.monotonic()
        build_dir = cache_dir() / "builds" / kernel.release / module_dir.resolve().name
        build = build_module(module_dir, kernel.headers, build_dir)
        timings["build"] = time.monotonic() - started
        guest_params["VMPL_SGX_VM_MODULE"] = str(build.ko)
    guest_params.update(params or {})

    result = boot(kernel.vmlinuz, initramfs, guest_script, _new_run_dir(kernel.release),
                  cwd=REPO_ROOT, params=guest_params, timeout_s=timeout_s, echo=echo)
    timings["boot"] = result.seconds
    return KernelRun(kernel=kernel, build=build, boot=result, timings=timings)


def _print_run(run: KernelRun) -> None:
    steps = ", ".join(f"{step} {secs:.1f} s" for step, secs in run.timings.items())
    verdict = "PASS" if run.ok else f"FAIL: {run.boot.failure()}"
    print(f"[{run.kernel.name} {run.kernel.release}] {verdict} ({steps})")
    print(f"  console: {run.boot.console_log}")
    print(f"  results: {run.boot.results_dir}")
    if not run.ok:
        for line in run.boot.problems[:20]:
            print(f"  problem: {line}")
        lines = run.boot.console_log.read_text(errors="replace").splitlines()
        print("  last console lines:")
        for line in lines[-40:]:
            print(f"    {line.rstrip()}")


def _parse_params(pairs: Sequence[str]) -> Dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--param {pair!r}: expected KEY=VALUE")
        params[key] = value
    return params


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.vm.run", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--kernel", choices=[*KERNEL_NAMES, "all"], default="all")
    parser.add_argument("--module-dir", type=Path, default=DEFAULT_MODULE_DIR)
    parser.add_argument("--guest-script", type=Path, default=DEFAULT_GUEST_SCRIPT)
    parser.add_argument("--timeout", type=float, default=300.0, help="per boot, seconds")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment variable for the guest script")
    parser.add_argument("--echo", action="store_true", help="stream the guest console")
    args = parser.parse_args(argv)
    kernels: List[str] = list(KERNEL_NAMES) if args.kernel == "all" else [args.kernel]

    try:
        install_missing_packages()
    except VmError as exc:
        print(f"installing prerequisites failed: {exc}", file=sys.stderr)
    problems = check_prereqs(kernels)
    if problems:
        verdict = "FAIL" if in_ci() else "SKIP"
        for problem in problems:
            print(f"{verdict}: VM tier prerequisite: {problem}", file=sys.stderr)
        return 1 if in_ci() else 0
    if not args.guest_script.is_file():
        print(f"FAIL: guest script {args.guest_script} does not exist", file=sys.stderr)
        return 1

    failed = 0
    for name in kernels:
        try:
            run = run_kernel(name, args.guest_script, args.module_dir, timeout_s=args.timeout,
                             params=_parse_params(args.param), echo=args.echo)
        except VmError as exc:
            print(f"[{name}] FAIL: {exc}")
            failed += 1
            continue
        _print_run(run)
        failed += 0 if run.ok else 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
