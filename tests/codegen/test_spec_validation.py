"""The schema and the model refuse specs that describe a broken ABI."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from codegen.model import SpecError, build, ioc
from codegen.spec import SPEC_PATH, load_yaml, validate


@pytest.fixture
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = load_yaml(SPEC_PATH)
    return copy.deepcopy(loaded)


def group(spec: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(g for g in spec["groups"] if g["name"] == name)
    return found


def struct(spec: dict[str, Any], name: str) -> dict[str, Any]:
    for g in spec["groups"]:
        for s in g.get("structs", []):
            if s["name"] == name:
                found: dict[str, Any] = s
                return found
    raise KeyError(name)


def test_committed_spec_is_valid(spec: dict[str, Any]) -> None:
    validate(spec)
    build(spec)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s.update(bogus=1),
        lambda s: s["groups"][0].update(colour="blue"),
        lambda s: struct(s, "info")["fields"][0].update(typo=1),
        lambda s: group(s, "seh")["results"]["entries"][0].update(errno="NOTANERRNO"),
        lambda s: struct(s, "info")["fields"][0].pop("doc"),
    ],
    ids=["top-level", "group", "field", "errno-pattern", "missing-doc"],
)
def test_schema_rejects_unknown_or_missing_keys(spec: dict[str, Any], mutate: Any) -> None:
    mutate(spec)
    with pytest.raises(jsonschema.ValidationError):
        validate(spec)


def test_implicit_padding_is_refused(spec: dict[str, Any]) -> None:
    fields = struct(spec, "info")["fields"]
    fields.remove(next(f for f in fields if f["name"] == "reserved0"))
    with pytest.raises(SpecError, match="capabilities: offset 20 is not 8-aligned"):
        build(spec)


def test_tail_padding_is_refused(spec: dict[str, Any]) -> None:
    struct(spec, "seh_query_req")["fields"].append({"name": "x", "type": "u64", "doc": "x"})
    struct(spec, "seh_query_req")["fields"].append({"name": "y", "type": "u8", "doc": "y"})
    with pytest.raises(SpecError, match="tail padding"):
        build(spec)


def test_duplicate_ioctl_number_is_refused(spec: dict[str, Any]) -> None:
    group(spec, "user")["ioctls"]["commands"][1]["nr"] = 0
    with pytest.raises(SpecError, match="taken or reserved"):
        build(spec)


def test_reserved_ioctl_number_is_refused(spec: dict[str, Any]) -> None:
    group(spec, "user")["ioctls"]["commands"][3]["nr"] = 0x82
    with pytest.raises(SpecError, match="taken or reserved"):
        build(spec)


def test_unknown_errno_is_refused(spec: dict[str, Any]) -> None:
    group(spec, "seh")["results"]["entries"][1]["errno"] = "ENOTANERRNO"
    with pytest.raises(SpecError, match="unknown errno"):
        build(spec)


def test_protocol_codes_start_at_0x80001000(spec: dict[str, Any]) -> None:
    entries = group(spec, "seh")["results"]["entries"]
    entries.append({"name": "stray", "value": 0x80000100, "errno": "EIO", "doc": "x"})
    with pytest.raises(SpecError, match="0x80001000"):
        build(spec)


def test_ioctl_numbers_match_linux_sgx() -> None:
    assert ioc("write", 0xA4, 0, 8) == 0x4008A400
    assert ioc("readwrite", 0xA4, 1, 48) == 0xC030A401
    assert ioc("write", 0xA4, 2, 8) == 0x4008A402
    with pytest.raises(SpecError):
        ioc("read", 0xA4, 0x90, 1 << 14)


def test_sgx_structure_size_must_match_its_constant(spec: dict[str, Any]) -> None:
    fields = struct(spec, "keyrequest")["fields"]
    fields[-1]["count"] = 426
    with pytest.raises(SpecError, match="keyrequest is 504 bytes, not KEYREQUEST_SIZE"):
        build(spec)


def test_report_data_must_match_its_constant(spec: dict[str, Any]) -> None:
    const = next(c for c in group(spec, "sgx-keys")["constants"] if c["name"] == "report-data-size")
    const["value"] = 32
    with pytest.raises(SpecError, match="REPORT_DATA_SIZE"):
        build(spec)
