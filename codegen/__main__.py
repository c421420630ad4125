"""python -m codegen [--check]: write (or verify) every file generated from the spec."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from .baseline import dump_snapshot, snapshot
from .render import render_all
from .spec import ROOT, load_model

BASELINE_REL = "abi/baseline-v1.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument(
        "--check",
        action="store_true",
        help="render in memory and fail with a diff if any committed output differs",
    )
    parser.add_argument(
        "--write-baseline",
        action="store_true",
        help=f"snapshot the current ABI into {BASELINE_REL} (only when releasing an ABI version)",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    args = parser.parse_args(argv)

    model = load_model(args.root / "abi" / "vmpl_sgx.yaml")
    if args.write_baseline:
        path = args.root / BASELINE_REL
        path.write_text(dump_snapshot(snapshot(model)), encoding="utf-8")
        print(f"wrote {BASELINE_REL}")
        return 0
    outputs = render_all(model)
    stale = 0
    for rel, text in outputs.items():
        path = args.root / rel
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale += 1
            sys.stdout.writelines(
                difflib.unified_diff(
                    (current or "").splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"a/{rel}",
                    tofile=f"b/{rel} (from the spec)",
                )
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            print(f"wrote {rel}")
    if stale:
        print(
            f"codegen --check: {stale} generated file(s) differ from the spec; "
            "run `python -m codegen` and commit the result",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
