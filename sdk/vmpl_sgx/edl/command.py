"""`vmpl-sgx edger8r FILE.edl`: write NAME_t.h, NAME_t.c (trusted) and NAME_u.py (host)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, Sequence

from vmpl_sgx.edl import host_py, trusted_c
from vmpl_sgx.edl.model import EdlError, Interface
from vmpl_sgx.edl.parser import parse_file


def outputs(interface: Interface, trusted: bool = True, untrusted: bool = True) -> Dict[str, str]:
    """File name -> text of everything generated for `interface`."""
    files: Dict[str, str] = {}
    if trusted:
        files[f"{interface.name}_t.h"] = trusted_c.header(interface)
        files[f"{interface.name}_t.c"] = trusted_c.source(interface)
    if untrusted:
        files[f"{interface.name}_u.py"] = host_py.module(interface)
    return files


def generate(
    edl: str | Path,
    out_dir: str | Path,
    search_path: Sequence[str | Path] = (),
    *,
    trusted: bool = True,
    untrusted: bool = True,
) -> Dict[str, Path]:
    """Parse `edl` and write the generated files to `out_dir`; their paths by name."""
    interface = parse_file(edl, search_path)
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    written: Dict[str, Path] = {}
    for name, text in outputs(interface, trusted, untrusted).items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written[name] = path
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Exit status 0, or 2 with file:line on stderr when the EDL is wrong."""
    parser = argparse.ArgumentParser(
        prog="vmpl-sgx edger8r",
        description="Generate the trusted C bridge (NAME_t.h, NAME_t.c) and the typed Python "
        "host module (NAME_u.py) of an EDL file.",
    )
    parser.add_argument("edl", type=Path, help="the .edl file")
    parser.add_argument(
        "-o", "--out-dir", type=Path, default=Path("."), help="where to write (default: .)"
    )
    parser.add_argument(
        "--search-path",
        action="append",
        default=[],
        type=Path,
        help="directory to look for imported .edl files in (repeatable)",
    )
    side = parser.add_mutually_exclusive_group()
    side.add_argument("--trusted", action="store_true", help="only NAME_t.h and NAME_t.c")
    side.add_argument("--untrusted", action="store_true", help="only NAME_u.py")
    args = parser.parse_args(argv)
    try:
        written = generate(
            args.edl,
            args.out_dir,
            args.search_path,
            trusted=not args.untrusted,
            untrusted=not args.trusted,
        )
    except EdlError as error:
        print(f"vmpl-sgx edger8r: {error}", file=sys.stderr)
        return 2
    for path in written.values():
        print(path)
    return 0
