"""Layouts written as JSON, for the command line. `FORMAT_HELP` documents the format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Mapping

from vmpl_sgx._abi import PAGE_SIZE, Attr
from vmpl_sgx.errors import SdkError
from vmpl_sgx.layout import (
    SECINFO_TCS,
    Layout,
    Region,
    pad_to_pages,
    reg_flags,
    sample_layout,
    tcs_page,
)

SAMPLE = "sample"

FORMAT_HELP = """\
LAYOUT is "sample" (a built-in one-thread enclave) or a JSON file:

  {
    "size": "0x10000",                  power of two, at least 8 KiB
    "base": "0x7f0000000000",           aligned to size
    "ssa_frame_size": 1,                optional, pages (1)
    "attributes": ["MODE64BIT"],        optional, names or a number (MODE64BIT)
    "xfrm": 3, "miscselect": 0,         optional (3, 0)
    "regions": [                        added (and measured) in this order
      {"offset": 0, "tcs": {"oentry": "0x1000", "ossa": "0x4000", "nssa": 1}},
      {"offset": "0x1000", "permissions": "rx", "file": "code.bin"},
      {"offset": "0x2000", "permissions": "rw", "hex": "48656c6c6f"},
      {"offset": "0x4000", "permissions": "rw", "pages": 2, "measured": false}
    ]
  }

Numbers may be JSON numbers or "0x..." strings. A region is a TCS page ("tcs": its
fields oentry, ossa, nssa, ofsbase, ogsbase, fslimit, gslimit, flags) or regular pages
("permissions": r, rw, rx or rwx) filled from "file" (relative to the JSON file), "hex"
or "fill" (a byte value), else zeros; "pages" sets the size, by default just enough for the
contents. "measured" (default true) and "name" are optional.
"""

_LAYOUT_KEYS = {"size", "base", "ssa_frame_size", "attributes", "xfrm", "miscselect", "regions"}
_REGION_KEYS = {"offset", "tcs", "permissions", "file", "hex", "fill", "pages", "measured", "name"}
_TCS_KEYS = {"oentry", "ossa", "nssa", "ofsbase", "ogsbase", "fslimit", "gslimit", "flags"}


class LayoutFileError(SdkError, ValueError):
    """The layout description is malformed; the message says where."""


def layout_from_argument(argument: str) -> Layout:
    """The built-in sample for "sample", else the JSON file at `argument`."""
    if argument == SAMPLE:
        return sample_layout()
    return read_layout(Path(argument))


def read_layout(path: Path) -> Layout:
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise LayoutFileError(f"{path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise LayoutFileError(f"{path}: not JSON: {error}") from None
    try:
        return parse_layout(document, path.parent)
    except LayoutFileError as error:
        raise LayoutFileError(f"{path}: {error}") from None


def parse_layout(document: object, root: Path) -> Layout:
    """A Layout from a parsed JSON document; files are looked up under `root`."""
    top = _object(document, "the layout", _LAYOUT_KEYS)
    regions = top.get("regions")
    if not isinstance(regions, list) or not regions:
        raise LayoutFileError("regions must be a non-empty list")
    try:
        return Layout(
            size=_number(top, "size"),
            base=_number(top, "base"),
            ssa_frame_size=_number(top, "ssa_frame_size", 1),
            attributes=_attributes(top.get("attributes", int(Attr.MODE64BIT))),
            xfrm=_number(top, "xfrm", 3),
            miscselect=_number(top, "miscselect", 0),
            regions=tuple(_region(item, index, root) for index, item in enumerate(regions)),
        )
    except LayoutFileError:
        raise
    except ValueError as error:
        raise LayoutFileError(str(error)) from None


def _region(item: object, index: int, root: Path) -> Region:
    where = f"regions[{index}]"
    fields = _object(item, where, _REGION_KEYS)
    offset = _number(fields, "offset", where=where)
    name = str(fields.get("name", ""))
    measured = fields.get("measured", True)
    if not isinstance(measured, bool):
        raise LayoutFileError(f"{where}.measured must be true or false")
    if "tcs" in fields:
        if "permissions" in fields:
            raise LayoutFileError(f"{where} has both tcs and permissions")
        tcs = _object(fields["tcs"], f"{where}.tcs", _TCS_KEYS)
        values = {key: _number(tcs, key, where=f"{where}.tcs") for key in tcs}
        for needed in ("oentry", "ossa"):
            if needed not in values:
                raise LayoutFileError(f"{where}.tcs needs {needed}")
        return Region(offset, tcs_page(**values), SECINFO_TCS, measured, name)
    permissions = fields.get("permissions")
    if not isinstance(permissions, str):
        raise LayoutFileError(f"{where} needs tcs or permissions")
    try:
        flags = reg_flags(permissions)
    except ValueError as error:
        raise LayoutFileError(f"{where}.permissions: {error}") from None
    pages = _number(fields, "pages", where=where) if "pages" in fields else None
    contents = _contents(fields, where, root)
    try:
        data = pad_to_pages(contents, pages)
    except ValueError as error:
        raise LayoutFileError(f"{where}: {error}") from None
    return Region(offset, data, flags, measured, name)


def _contents(fields: Mapping[str, Any], where: str, root: Path) -> bytes:
    sources = [key for key in ("file", "hex", "fill") if key in fields]
    if len(sources) > 1:
        raise LayoutFileError(f"{where} has more than one of file, hex and fill")
    if "file" in fields:
        path = root / str(fields["file"])
        try:
            return path.read_bytes()
        except OSError as error:
            raise LayoutFileError(f"{where}.file {path}: {error.strerror}") from None
    if "hex" in fields:
        try:
            return bytes.fromhex(str(fields["hex"]))
        except ValueError:
            raise LayoutFileError(f"{where}.hex is not hexadecimal") from None
    if "fill" in fields:
        byte = _number(fields, "fill", where=where)
        if not 0 <= byte <= 0xFF:
            raise LayoutFileError(f"{where}.fill must be a byte value")
        pages = _number(fields, "pages", 1, where=where)
        return bytes([byte]) * pages * PAGE_SIZE
    return b""


def _object(value: object, where: str, allowed: set[str]) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise LayoutFileError(f"{where} must be an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise LayoutFileError(f"{where} has unknown keys: {', '.join(unknown)}")
    return value


def _number(
    fields: Mapping[str, Any], key: str, default: int | None = None, where: str = "layout"
) -> int:
    value = fields.get(key, default)
    if value is None:
        raise LayoutFileError(f"{where}.{key} is missing")
    if isinstance(value, bool):
        raise LayoutFileError(f"{where}.{key} must be a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        try:
            number = int(value, 0)
        except ValueError:
            raise LayoutFileError(f"{where}.{key}: {value!r} is not a number") from None
    else:
        raise LayoutFileError(f"{where}.{key} must be a number")
    if number < 0:
        raise LayoutFileError(f"{where}.{key} must not be negative")
    return number


def _attributes(value: object) -> int:
    if isinstance(value, list):
        names: List[str] = [str(name).upper() for name in value]
        try:
            return sum(int(Attr[name]) for name in set(names))
        except KeyError as error:
            known = ", ".join(attr.name for attr in Attr if attr.name)
            raise LayoutFileError(f"attributes: unknown {error.args[0]} (known: {known})") from None
    return _number({"attributes": value}, "attributes")
