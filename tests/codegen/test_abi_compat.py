"""The committed v1 baseline: what was released keeps its numbers, places and sizes."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from codegen.baseline import compare, dump_snapshot, snapshot
from codegen.model import build
from codegen.spec import SPEC_PATH, load_model, load_yaml

from .conftest import ROOT

BASELINE = ROOT / "abi" / "baseline-v1.json"


def current() -> dict[str, Any]:
    return snapshot(load_model())


def baseline() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(BASELINE.read_text())
    return loaded


def test_spec_is_compatible_with_the_baseline() -> None:
    assert compare(baseline(), current()) == []


def test_baseline_file_is_in_canonical_form() -> None:
    assert BASELINE.read_text() == dump_snapshot(baseline())


def mutated(mutate: Any) -> dict[str, Any]:
    spec = copy.deepcopy(load_yaml(SPEC_PATH))
    mutate(spec)
    return snapshot(build(spec))


def user(spec: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = spec["groups"][0]
    return found


def test_appending_is_allowed() -> None:
    def add(spec: dict[str, Any]) -> None:
        user(spec)["constants"].append({"name": "new-limit", "value": 7, "doc": "New."})
        user(spec)["ioctls"]["commands"].append(
            {
                "name": "new_call",
                "nr": 0x84,
                "dir": "write",
                "struct": "enclave_init",
                "doc": "New.",
            }
        )

    assert compare(baseline(), mutated(add)) == []


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda s: user(s)["ioctls"]["commands"].__setitem__(
                slice(0, 2), list(reversed(user(s)["ioctls"]["commands"][0:2]))
            ),
            "ioctl",
        ),
        (lambda s: user(s)["ioctls"]["commands"].pop(0), "ioctl"),
        (lambda s: user(s)["ioctls"]["commands"][4].update(nr=0x90), "ioctl"),
        (lambda s: user(s)["constants"][2].update(value=4096), "constant RUN_BUFFER_MAX"),
        (lambda s: user(s)["enums"][0]["entries"].reverse(), "enum Transport"),
        (
            lambda s: user(s)["structs"][3]["fields"].insert(
                0, {"name": "x", "type": "u64", "doc": "x"}
            ),
            "struct info",
        ),
    ],
    ids=["reorder", "remove", "renumber", "constant", "enum-reorder", "resize"],
)
def test_breaking_changes_are_caught(mutate: Any, message: str) -> None:
    problems = compare(baseline(), mutated(mutate))
    assert problems
    assert any(message in p for p in problems), problems


def _run_fields(spec: dict[str, Any]) -> list[dict[str, Any]]:
    run = next(s for s in user(spec)["structs"] if s["name"] == "enclave_run")
    fields: list[dict[str, Any]] = run["fields"]
    return fields


def _carve(*new: dict[str, Any], left: int) -> Any:
    """Replace enclave_run's reserved tail by `new` fields and `left` reserved bytes."""

    def mutate(spec: dict[str, Any]) -> None:
        fields = _run_fields(spec)
        fields.pop()
        fields.extend(new)
        if left:
            fields.append({"name": "reserved", "type": "u8", "count": left, "reserved": True,
                           "doc": "Zero."})

    return mutate


def test_carving_fields_out_of_reserved_bytes_is_allowed() -> None:
    # What the spec does already (exception_rip); one more u32 pair from what is left.
    extra = [{"name": "a", "type": "u32", "doc": "a"}, {"name": "b", "type": "u32", "doc": "b"}]
    fields = _run_fields(load_yaml(SPEC_PATH))
    left = fields[-1]["count"] - 8
    assert compare(baseline(), mutated(_carve(*extra, left=left))) == []


def test_carving_that_does_not_fill_the_reserved_bytes_exactly_is_caught() -> None:
    fields = _run_fields(load_yaml(SPEC_PATH))
    # The remainder eight bytes short: the struct shrinks.
    short = _carve(left=fields[-1]["count"] - 8)
    assert any("resized" in p or "became" in p for p in compare(baseline(), mutated(short)))
    # A field that is not a plain integer cannot take over reserved bytes.
    nested = {"name": "n", "type": "enclave_create", "doc": "n"}  # a struct of one u64
    problems = compare(baseline(), mutated(_carve(nested, left=fields[-1]["count"] - 8)))
    assert any("became" in p for p in problems), problems
