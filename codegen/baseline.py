"""ABI compatibility: a committed snapshot of a released ABI and the rules it imposes.

Growth is allowed (new structs, ioctls, constants, enum entries, result codes);
anything the baseline has must keep its number, place and size.
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
        problems += _prefix_problems(f"struct {name} field", struct["fields"], current["fields"])
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
