"""The debug-kernel tier: the whole VM suite, then allocation-failure injection and leak
scans, in Debian's 6.12 source built with KASAN, lockdep, UBSAN, kmemleak and friends.

    python -m tests.vm.debug_run [--timeout S] [--param KEY=VALUE ...] [--echo]
        [--cpus N] [--tcg-thread multi|single] [--memory MB] [--module-dir DIR]
        [--guest-script PATH] [--prepare-only]

Builds (or reuses) the debug kernel (tests/vm/debug_kernel.py), builds the module against
it (W=1 C=1), boots it under QEMU with tests/vm/guest_debug.sh and passes only when the
guest script passed, it printed its VMTIER-DEBUG line with every checker on, and the
console has no checker report at all (tests/vm/debug_reports.py). On failure the first
lines of each report are printed; the whole console stays in the run directory. Another
--guest-script (one case, say) passes with exit status 0 and no report.
--prepare-only builds (or finds) the kernel and stops: `make test` runs it beside tox, so
that a cold build overlaps the Python matrix. Missing prerequisites skip the tier (exit 0),
or fail it when CI=true.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, NamedTuple, Sequence

from tests.vm.cache import REPO_ROOT, cache_dir
from tests.vm.debug_kernel import build_seconds, prepare_debug_kernel
from tests.vm.debug_prereqs import check_debug_prereqs, install_debug_packages
from tests.vm.debug_reports import describe, reports_in
from tests.vm.initramfs import build_initramfs
from tests.vm.model_keys import GUEST_VARIABLE, model_keys_file
from tests.vm.module_build import build_module
from tests.vm.prereqs import check_prereqs, in_ci, install_missing_packages
from tests.vm.proc import VmError
from tests.vm.qemu import BootResult, boot
from tests.vm.run import DEFAULT_MODULE_DIR, _new_run_dir, _parse_params
from tests.vm.sample_images import CACHE_VARIABLE, sample_cache

GUEST_SCRIPT = REPO_ROOT / "tests" / "vm" / "guest_debug.sh"
# page_owner records allocation sites; every KASAN report is printed, not only the first.
# watchdog_thresh=60 (soft lockups after 120 s, not 20): under TCG, KASAN's stack saving
# kept the boot CPU in ACPI's PCI interrupt routing for over 60 s on a loaded host. The
# production tiers keep the default, and they are the ones that check a looping ecall.
KERNEL_PARAMS = {"page_owner": "on", "kasan_multi_shot": "1", "panic_on_warn": "0",
                 "watchdog_thresh": "60"}
PARTS_VARIABLE = "VMPL_SGX_VM_PARTS"
ALL_PARTS = ("conformance", "c_client", "fuzz", "guest", "demo", "faultinject")
SPLIT = ("conformance,c_client,fuzz,demo", "guest,faultinject")
"""--guests 2: the parts of each guest (about even in time: 880 s and 1106 s with the demo's
48 s in the second; both check for leaks)."""
REQUIRED_ON = ("kasan=on", "lockdep=on", "kmemleak=on", "page_owner=on",
               "fault_injection=on")


def _tier_line(guest_log: Path) -> str | None:
    try:
        text = guest_log.read_text(errors="replace")
    except OSError:
        return None
    found = [line.strip() for line in text.splitlines() if line.startswith("VMTIER-DEBUG ")]
    return found[-1] if found else None


def run_tier(args: argparse.Namespace) -> int:
    started = time.monotonic()
    kernel = prepare_debug_kernel()
    prepared_s = time.monotonic() - started
    initramfs = build_initramfs(kernel, chain=[])  # virtio, 9p and overlayfs are built in
    build = build_module(args.module_dir, kernel.headers,
                         cache_dir() / "builds" / f"debug-{kernel.release}"
                         / args.module_dir.resolve().name)
    params = {"VMPL_SGX_VM_MODULE": str(build.ko), GUEST_VARIABLE: str(model_keys_file()),
              CACHE_VARIABLE: str(sample_cache()),
              **KERNEL_PARAMS,
              **_parse_params(args.param)}
    whole = args.guest_script.resolve() == GUEST_SCRIPT
    shares = SPLIT if whole and args.guests == 2 else (None,)
    print(f"[debug {kernel.release}] booting {len(shares)} guest(s) (kernel build "
          f"{build_seconds(kernel)}, prepared in {prepared_s:.0f} s)", flush=True)

    def one(index: int) -> GuestVerdict:
        share = shares[index]
        name = f"debug {index + 1}/{len(shares)}" if len(shares) > 1 else "debug"
        result = boot(kernel.vmlinuz, initramfs, args.guest_script,
                      _new_run_dir(f"debug-{kernel.release}"
                                   + (f"-{index + 1}" if len(shares) > 1 else "")),
                      cwd=REPO_ROOT,
                      params={**params, **({PARTS_VARIABLE: share} if share else {})},
                      timeout_s=args.timeout, memory_mb=args.memory, cpus=args.cpus,
                      single_thread=args.tcg_thread == "single", echo=args.echo,
                      echo_prefix=f"[{name}] ")
        return _verdict(f"{name} {kernel.release}", result, whole)

    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        verdicts = list(pool.map(one, range(len(shares))))
    for verdict in verdicts:
        print("\n".join(verdict.lines), flush=True)
    failed = not all(verdict.passed for verdict in verdicts)
    if whole:
        ran = {part for verdict in verdicts for part in _parts_of(verdict.tier_line)}
        missing = [part for part in ALL_PARTS if part not in ran]
        if missing:
            print(f"[debug {kernel.release}] FAIL: no guest ran {', '.join(missing)}",
                  flush=True)
            failed = True
    return 1 if failed else 0


def _parts_of(line: str | None) -> List[str]:
    """The parts a VMTIER-DEBUG line says its guest ran (parts=a,b,...)."""
    for word in (line or "").split():
        if word.startswith("parts="):
            return word[len("parts="):].split(",")
    return []


class GuestVerdict(NamedTuple):
    passed: bool
    lines: List[str]
    """What to print: PASS or FAIL with the reasons, where the logs are, the tier line."""
    tier_line: str | None


def _verdict(name: str, result: BootResult, whole: bool) -> GuestVerdict:
    """One guest's verdict: its status, its VMTIER-DEBUG line, the console's reports."""
    reports = reports_in(result.console_log)
    line = _tier_line(result.results_dir / "guest.log")
    problems: List[str] = []
    if not result.ok:
        problems.append(result.failure() or "the guest failed")
    if not whole:
        pass  # a single case: its status and the console decide
    elif line is None:
        problems.append("the guest printed no VMTIER-DEBUG line")
    else:
        problems += [f"checker not active: {want}" for want in REQUIRED_ON if want not in line]
    if reports:
        problems.append(f"{len(reports)} checker report(s) on the console")
    verdict = "PASS" if not problems else "FAIL: " + "; ".join(problems)
    out = [
        f"[{name}] {verdict} ({result.seconds:.0f} s in the guest)",
        f"  console: {result.console_log}",
        f"  results: {result.results_dir}",
        f"  {line or 'VMTIER-DEBUG (none)'} reports={len(reports)}",
    ]
    if problems:
        out += [f"  {text}" for text in describe(reports)]
        if not reports:
            console = result.console_log.read_text(errors="replace").splitlines()
            out.append("  last console lines:")
            out += [f"    {text.rstrip()}" for text in console[-40:]]
    return GuestVerdict(not problems, out, line)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.vm.debug_run", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--module-dir", type=Path, default=DEFAULT_MODULE_DIR)
    parser.add_argument("--guest-script", type=Path, default=GUEST_SCRIPT)
    parser.add_argument("--timeout", type=float, default=3600.0, help="the boot, seconds")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment variable for the guest script")
    parser.add_argument("--echo", action="store_true", help="stream the guest console")
    parser.add_argument("--cpus", type=int, default=2, metavar="N")
    parser.add_argument("--guests", type=int, choices=[1, 2], default=1,
                        help="2: split the suite between two guests booted at once "
                        "(conformance, C client, fuzz, demo | guest tests, fault injection)")
    parser.add_argument("--tcg-thread", choices=["multi", "single"], default="multi",
                        help="single: all vCPUs in one host thread, for a guest that shares "
                        "the host's CPUs with other guests")
    parser.add_argument("--prepare-only", action="store_true",
                        help="build or find the debug kernel, then stop")
    parser.add_argument("--memory", type=int, default=3072, metavar="MB",
                        help="guest memory (KASAN's shadow takes an eighth)")
    args = parser.parse_args(argv)
    try:
        install_missing_packages()
        install_debug_packages()
    except VmError as exc:
        print(f"installing prerequisites failed: {exc}", file=sys.stderr)
    problems = check_prereqs(["backports"]) + check_debug_prereqs()
    if problems:
        verdict = "FAIL" if in_ci() else "SKIP"
        for problem in problems:
            print(f"{verdict}: debug tier prerequisite: {problem}", file=sys.stderr)
        return 1 if in_ci() else 0
    try:
        if args.prepare_only:
            kernel = prepare_debug_kernel()
            print(f"[debug {kernel.release}] kernel ready (build {build_seconds(kernel)})",
                  flush=True)
            return 0
        return run_tier(args)
    except VmError as exc:
        print(f"[debug] FAIL: {exc}", flush=True)
        return 1


if __name__ == "__main__":
    os.environ.setdefault("LC_ALL", "C")
    sys.exit(main())
