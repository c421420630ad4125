"""The image-layout options of `vmpl-sgx measure|sign|run ENCLAVE.elf` and how an image
argument becomes a layout: from those options, or from the manifest `sign` wrote."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any, Dict, Tuple

from vmpl_sgx._abi import Attr
from vmpl_sgx.arguments import unsigned
from vmpl_sgx.image import ImageParams
from vmpl_sgx.manifest import default_manifest_path

ELF_MAGIC = b"\x7fELF"

LAYOUT_OPTIONS = ("threads", "heap", "stack", "ssa_frames", "debug")

OPTIONS_HELP = """\
ENCLAVE.elf layout (defaults: 1 thread, 64 KiB stack, no heap, 2 SSA frames, DEBUG):
  numbers in decimal or 0x hex; sizes are bytes, whole pages. sign writes
  ENCLAVE.elf.sigstruct and ENCLAVE.elf.manifest.json (the image's SHA-256 and every
  layout parameter); measure and run use that manifest when it is there and no layout
  option is given, and refuse an image other than the one signed.
"""


def is_elf(argument: str) -> bool:
    """Whether `argument` names an ELF file (an enclave image rather than a JSON layout)."""
    try:
        with open(argument, "rb") as file:
            return file.read(4) == ELF_MAGIC
    except OSError:
        return False


def add_layout_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("ENCLAVE.elf layout")
    group.add_argument("--threads", type=unsigned(12), help="TCSs: threads inside at once")
    group.add_argument("--heap", type=unsigned(64), help="heap bytes (unmeasured)")
    group.add_argument("--stack", type=unsigned(64), help="stack bytes per thread")
    group.add_argument("--ssa-frames", type=unsigned(32), help="SSA frames per TCS")
    debug = group.add_mutually_exclusive_group()
    debug.add_argument(
        "--debug", dest="debug", action="store_true", default=None,
        help="set the DEBUG attribute (the default; for development only)",
    )
    debug.add_argument(
        "--no-debug", dest="debug", action="store_false",
        help="clear DEBUG: a production enclave",
    )


def layout_options_given(args: argparse.Namespace) -> bool:
    return any(getattr(args, name, None) is not None for name in LAYOUT_OPTIONS)


def params_from(args: argparse.Namespace) -> ImageParams:
    """ImageParams with the options given replacing the defaults (not checked yet)."""
    params = ImageParams()
    changes: Dict[str, Any] = {}
    for option, field in (
        ("threads", "threads"),
        ("heap", "heap_size"),
        ("stack", "stack_size"),
        ("ssa_frames", "nssa"),
    ):
        value = getattr(args, option, None)
        if value is not None:
            changes[field] = value
    if args.debug is not None:
        attributes = params.attributes & ~int(Attr.DEBUG)
        changes["attributes"] = attributes | (int(Attr.DEBUG) if args.debug else 0)
    return dataclasses.replace(params, **changes)


def manifest_for(args: argparse.Namespace, image: str) -> Tuple[Path | None, str]:
    """The manifest measure or run should follow, if any, and a reason to refuse: --manifest,
    or IMAGE.manifest.json when no layout option is given."""
    explicit = getattr(args, "manifest", None)
    if explicit is not None:
        if layout_options_given(args):
            return None, "--manifest fixes the layout: give no layout options with it"
        return Path(explicit), ""
    default = default_manifest_path(image)
    if not layout_options_given(args) and default.is_file():
        return default, ""
    return None, ""
