"""ABI compatibility: a committed snapshot of a released ABI and the rules it imposes.

Growth is allowed (new structs, ioctls, constants, enum entries, result codes, fields
carved out of reserved bytes); anything the baseline has must keep its number, place and
size.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .model import Model

Snapshot = dict[str, Any]


def snapshot(model: Model) -> Snapshot:
    return {
        "api_version": model.api_version,
        "structs": {
            s.name: {
                "size": s.size,
                "fields": [[f.name, f.type, f.count, f.offset] for f in s.fields],
            }
            for s in model.structs
        },
        "ioctls": [[i.name, i.value] for i in model.ioctls],
        "constants": {c.py_name: c.value for g in model.groups for c in g.constants},
        "enums": {
            e.py_name: [[x.name, x.value] for x in e.entries] for g in model.groups for e in g.enums
        },
        "results": [[r.name, r.value, r.errno] for r in model.results],
    }


def _prefix_problems(kind: str, old: list[Any], new: list[Any]) -> list[str]:
    problems = []
    for index, item in enumerate(old):
        if index >= len(new):
            problems.append(f"{kind}: {item[0]} removed")
        elif new[index] != item:
            problems.append(
                f"{kind}: {item} became {new[index]} (renumbered, reordered or removed)"
            )
    return problems


_SCALAR_SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}


def _field_problems(kind: str, old: list[Any], new: list[Any]) -> list[str]:
    """As _prefix_problems, except that new fields may take over reserved bytes: a reserved
    u8 array may become scalar fields that fill exactly its bytes (the rest reserved)."""
    problems = []
    index = 0
    for item in old:
        if index >= len(new):
            problems.append(f"{kind}: {item[0]} removed")
            continue
        after = index + 1 if new[index] == item else _carved(item, new, index)
        if after is None:
            problems.append(
                f"{kind}: {item} became {new[index]} (renumbered, reordered or removed)"
            )
            after = index + 1
        index = after
    return problems


def _carved(reserved: list[Any], new: list[Any], start: int) -> int | None:
    """Index past the new fields that fill exactly the bytes of `reserved`, or None."""
    name, kind, count, offset = reserved
    if not name.startswith("reserved") or kind != "u8":
        return None
    end = offset + count
    for index in range(start, len(new)):
        _, new_kind, new_count, new_offset = new[index]
        if new_offset != offset or new_kind not in _SCALAR_SIZES:
            return None
        offset += _SCALAR_SIZES[new_kind] * new_count
        if offset == end:
            return index + 1
        if offset > end:
            return None
    return None


def compare(old: Snapshot, new: Snapshot) -> list[str]:
    """Every way `new` breaks what `old` promised; empty when compatible."""
    problems: list[str] = []
    if new["api_version"] != old["api_version"]:
        problems.append(f"api_version changed {old['api_version']} -> {new['api_version']}")
    for name, struct in old["structs"].items():
        current = new["structs"].get(name)
        if current is None:
            problems.append(f"struct {name} removed")
            continue
        if current["size"] != struct["size"]:
            problems.append(f"struct {name} resized {struct['size']} -> {current['size']}")
        problems += _field_problems(f"struct {name} field", struct["fields"], current["fields"])
    problems += _prefix_problems("ioctl", old["ioctls"], new["ioctls"])
    for name, value in old["constants"].items():
        if new["constants"].get(name) != value:
            problems.append(f"constant {name} changed {value} -> {new['constants'].get(name)}")
    for name, entries in old["enums"].items():
        problems += _prefix_problems(f"enum {name}", entries, new["enums"].get(name, []))
    problems += _prefix_problems("result", old["results"], new["results"])
    return problems


def dump_snapshot(snap: Snapshot) -> str:
    """JSON with one field, ioctl or entry per line, so baseline diffs read well."""
    text = json.dumps(snap, indent=1)
    return re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", _one_line_list, text) + "\n"


def _one_line_list(match: re.Match[str]) -> str:
    return "[" + ", ".join(part.strip() for part in match.group(1).split(",")) + "]"
