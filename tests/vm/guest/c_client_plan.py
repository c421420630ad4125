"""Write a load plan of the sha256 sample for tests/vm/c_client (see its header comment).

    python -m tests.vm.guest.c_client_plan OUTDIR [INPUT_TEXT]

OUTDIR gets secs.bin, pages.bin (every region's data, one after another), sigstruct.bin,
plan.txt (create, one add per region, init, one run of the sha256 ecall on INPUT_TEXT)
and expected.txt: the run's output as the client prints it (hashlib's digest in hex).
The SIGSTRUCT is signed with the guest tests' fixed key (tests/vm/guest/keys.py).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import List, Sequence

from tests.vm.guest.keys import guest_key
from vmpl_sgx.image import ImageParams, layout_from_file
from vmpl_sgx.layout import Layout, build_secs, sign
from vmpl_sgx.samples import SHA256_DIGEST, build_sample

OUTPUT_CAPACITY = 4096


def load_lines(out: Path, layout: Layout, sigstruct: bytes) -> List[str]:
    """Write secs.bin, pages.bin and sigstruct.bin for `layout` into `out`; return the plan
    lines that create, add and init it."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "secs.bin").write_bytes(build_secs(layout))
    (out / "sigstruct.bin").write_bytes(sigstruct)
    lines = [f"create {out / 'secs.bin'}"]
    position = 0
    with open(out / "pages.bin", "wb") as pages:
        for region in layout.regions:
            pages.write(region.data)
            lines.append(
                f"add 0x{region.offset:x} 0x{region.secinfo_flags:x} {int(region.measured)} "
                f"{out / 'pages.bin'} {position} {region.size}"
            )
            position += region.size
    lines.append(f"init {out / 'sigstruct.bin'}")
    return lines


def write_plan(out: Path, data: bytes) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    layout = layout_from_file(build_sample("sha256", out / "sha256.elf"), ImageParams())
    lines = load_lines(out, layout, sign(layout, guest_key()))
    tcs = layout.base + layout.tcs_offsets[0]
    lines.append(f"run 0x{tcs:x} {SHA256_DIGEST} {data.hex() or '-'} {OUTPUT_CAPACITY}")
    plan = out / "plan.txt"
    plan.write_text("\n".join(lines) + "\n")
    (out / "expected.txt").write_text(hashlib.sha256(data).hexdigest() + "\n")
    return plan


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.vm.guest.c_client_plan")
    parser.add_argument("out", type=Path)
    parser.add_argument("input", nargs="?", default="vmpl-sgx c client, sha256 ecall")
    args = parser.parse_args(argv)
    print(write_plan(args.out, args.input.encode()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
