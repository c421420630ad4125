"""Build a module for each Debian kernel, boot that kernel under QEMU and run a guest script.

    python -m tests.vm.run --kernel {bookworm,backports,all} --module-dir DIR \\
        --guest-script PATH [--timeout S] [--param KEY=VALUE ...] [--echo] [--jobs N]

Inside the guest the script runs as root in the host's root filesystem (read-only, with
writable /tmp and /run) and gets VMPL_SGX_VM_MODULE (the .ko built for the booted kernel),
VMPL_SGX_VM_RESULTS (a writable directory, visible on the host afterwards),
VMPL_SGX_VM_KERNEL and every --param. Exit status 0 and a clean kernel console pass.
Missing prerequisites skip the run (exit 0), or fail it when CI=true.

With --kernel all the kernels are prepared and their modules built one after the other,
then booted up to --jobs at a time (default: as many as there are CPUs); each guest's
console lines carry its kernel's name when echoed, and each kernel's verdict is printed as
one block when its guest ends. The exit status is non-zero if any kernel failed. When the
parallel guests have more vCPUs than the host has CPUs, each guest's vCPUs share one host
thread (--tcg-thread).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Sequence

from tests.vm.cache import REPO_ROOT, cache_dir
from tests.vm.initramfs import build_initramfs
from tests.vm.kernels import KERNEL_NAMES, Kernel, prepare_kernel
from tests.vm.model_keys import GUEST_VARIABLE, model_keys_file
from tests.vm.module_build import ModuleBuild, build_module
from tests.vm.prereqs import (
    check_guest_build_prereqs,
    check_prereqs,
    in_ci,
    install_missing_packages,
)
from tests.vm.proc import VmError
from tests.vm.qemu import OUTPUT_LOCK, BootResult, boot
from tests.vm.sample_images import CACHE_VARIABLE, sample_cache

__all__ = ["KernelRun", "PreparedKernel", "boot_kernel", "check_prereqs", "main",
           "prepare_run", "run_kernel"]

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


@dataclass
class PreparedKernel:
    """A kernel with its initramfs and the module built for it, ready to boot."""

    name: str
    kernel: Kernel
    initramfs: Path
    build: ModuleBuild | None
    timings: Dict[str, float] = field(default_factory=dict)


def prepare_run(name: str, module_dir: Path | None = None) -> PreparedKernel:
    """Prepare kernel `name` (download, unpack, initramfs) and build `module_dir` for it."""
    timings: Dict[str, float] = {}
    started = time.monotonic()
    kernel = prepare_kernel(name)
    initramfs = build_initramfs(kernel)
    timings["prepare"] = time.monotonic() - started
    build = None
    if module_dir is not None:
        started = time.monotonic()
        build_dir = cache_dir() / "builds" / kernel.release / module_dir.resolve().name
        build = build_module(module_dir, kernel.headers, build_dir)
        timings["build"] = time.monotonic() - started
    return PreparedKernel(name, kernel, initramfs, build, timings)


def boot_kernel(
    prepared: PreparedKernel,
    guest_script: Path,
    *,
    timeout_s: float = 300.0,
    params: Mapping[str, str] | None = None,
    echo: bool = False,
    echo_prefix: str = "",
    cpus: int = 2,
    single_thread: bool = False,
) -> KernelRun:
    """Boot a prepared kernel and run `guest_script` in it."""
    guest_params: Dict[str, str] = {GUEST_VARIABLE: str(model_keys_file()),
                                    CACHE_VARIABLE: str(sample_cache())}
    if prepared.build is not None:
        guest_params["VMPL_SGX_VM_MODULE"] = str(prepared.build.ko)
    guest_params.update(params or {})
    kernel = prepared.kernel
    result = boot(kernel.vmlinuz, prepared.initramfs, guest_script,
                  _new_run_dir(kernel.release), cwd=REPO_ROOT, params=guest_params,
                  timeout_s=timeout_s, echo=echo, echo_prefix=echo_prefix, cpus=cpus,
                  single_thread=single_thread)
    timings = dict(prepared.timings)
    timings["boot"] = result.seconds
    return KernelRun(kernel=kernel, build=prepared.build, boot=result, timings=timings)


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
    return boot_kernel(prepare_run(name, module_dir), guest_script, timeout_s=timeout_s,
                       params=params, echo=echo)


def _say(lines: Sequence[str]) -> None:
    with OUTPUT_LOCK:  # one kernel's block at a time
        for line in lines:
            print(line)
        sys.stdout.flush()


def _print_run(run: KernelRun) -> None:
    steps = ", ".join(f"{step} {secs:.1f} s" for step, secs in run.timings.items())
    verdict = "PASS" if run.ok else f"FAIL: {run.boot.failure()}"
    lines = [
        f"[{run.kernel.name} {run.kernel.release}] {verdict} ({steps})",
        f"  console: {run.boot.console_log}",
        f"  results: {run.boot.results_dir}",
    ]
    summary = _vmtier_line(run.boot.results_dir / "guest.log")
    if summary:
        lines.append(f"  {summary}")
    if not run.ok:
        lines += [f"  problem: {line}" for line in run.boot.problems[:20]]
        console = run.boot.console_log.read_text(errors="replace").splitlines()
        lines.append("  last console lines:")
        lines += [f"    {line.rstrip()}" for line in console[-40:]]
    _say(lines)


def _vmtier_line(guest_log: Path) -> str | None:
    """The guest script's last VMTIER summary line, if it wrote one."""
    try:
        text = guest_log.read_text(errors="replace")
    except OSError:
        return None
    found = [line.strip() for line in text.splitlines() if line.startswith("VMTIER ")]
    return found[-1] if found else None


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
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="guests booted at a time (default: the number of CPUs)")
    parser.add_argument("--cpus", type=int, default=2, metavar="N",
                        help="virtual CPUs of each guest (default: %(default)s)")
    parser.add_argument("--tcg-thread", choices=["auto", "multi", "single"], default="auto",
                        help="a host thread per vCPU (multi), one per guest (single), or "
                        "single only when the parallel guests have more vCPUs than the host "
                        "has CPUs (auto, the default)")
    args = parser.parse_args(argv)
    kernels: List[str] = list(KERNEL_NAMES) if args.kernel == "all" else [args.kernel]
    if args.jobs < 1 or args.cpus < 1:
        parser.error("--jobs and --cpus must be at least 1")

    try:
        install_missing_packages()
    except VmError as exc:
        print(f"installing prerequisites failed: {exc}", file=sys.stderr)
    problems = check_prereqs(kernels) + check_guest_build_prereqs()
    if problems:
        verdict = "FAIL" if in_ci() else "SKIP"
        for problem in problems:
            print(f"{verdict}: VM tier prerequisite: {problem}", file=sys.stderr)
        return 1 if in_ci() else 0
    if not args.guest_script.is_file():
        print(f"FAIL: guest script {args.guest_script} does not exist", file=sys.stderr)
        return 1

    params = _parse_params(args.param)
    failed = 0
    # Downloads, unpacking and builds one kernel at a time; then the boots, in parallel.
    prepared: List[PreparedKernel] = []
    for name in kernels:
        try:
            prepared.append(prepare_run(name, args.module_dir))
        except VmError as exc:
            _say([f"[{name}] FAIL: {exc}"])
            failed += 1

    jobs = min(args.jobs, max(1, len(prepared)))
    # More vCPU threads than host CPUs makes TCG crawl: a vCPU spinning on a lock or an IPI
    # waits for another whose host thread is not running (with 2 guests of 2 vCPUs on 2
    # CPUs each guest took 1.6 times as long as alone; one thread per guest, as long).
    single_thread = args.tcg_thread == "single" or (
        args.tcg_thread == "auto" and jobs * args.cpus > (os.cpu_count() or 1)
    )

    def boot_one(item: PreparedKernel) -> bool:
        """Boot one prepared kernel and report it; whether it passed."""
        _say([f"[{item.name} {item.kernel.release}] booting"])
        try:
            run = boot_kernel(item, args.guest_script, timeout_s=args.timeout, params=params,
                              echo=args.echo, echo_prefix=f"[{item.name}] ", cpus=args.cpus,
                              single_thread=single_thread)
        except VmError as exc:
            _say([f"[{item.name}] FAIL: {exc}"])
            return False
        _print_run(run)
        return run.ok

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        failed += sum(1 for passed in pool.map(boot_one, prepared) if not passed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
