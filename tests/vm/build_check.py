"""Build the module against both Debian kernels' headers (W=1 C=1), without booting.

    python -m tests.vm.build_check [--kernel {bookworm,backports,all}] [--module-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from tests.vm.cache import cache_dir
from tests.vm.kernels import KERNEL_NAMES, prepare_kernel
from tests.vm.module_build import build_module
from tests.vm.prereqs import check_prereqs, in_ci, install_missing_packages
from tests.vm.proc import VmError
from tests.vm.run import DEFAULT_MODULE_DIR


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.vm.build_check")
    parser.add_argument("--kernel", choices=[*KERNEL_NAMES, "all"], default="all")
    parser.add_argument("--module-dir", type=Path, default=DEFAULT_MODULE_DIR)
    args = parser.parse_args(argv)
    kernels = list(KERNEL_NAMES) if args.kernel == "all" else [args.kernel]

    install_missing_packages()
    problems = check_prereqs(kernels)
    if problems:
        verdict = "FAIL" if in_ci() else "SKIP"
        for problem in problems:
            print(f"{verdict}: kernel build prerequisite: {problem}", file=sys.stderr)
        return 1 if in_ci() else 0

    failed = 0
    for name in kernels:
        try:
            kernel = prepare_kernel(name)
            out = cache_dir() / "builds" / kernel.release / args.module_dir.resolve().name
            build = build_module(args.module_dir, kernel.headers, out)
            print(f"[{name} {kernel.release}] OK {build.ko} (log {build.log})")
        except VmError as exc:
            print(f"[{name}] FAIL: {exc}")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
