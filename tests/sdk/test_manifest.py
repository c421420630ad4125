"""The manifest `vmpl-sgx sign` writes: its fields, and what a malformed one is refused for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vmpl_sgx._abi import Attr
from vmpl_sgx.image import ImageParams
from vmpl_sgx.manifest import FORMAT, VERSION, Manifest, ManifestError, read_manifest

GOOD = {
    "format": FORMAT,
    "version": VERSION,
    "image": "enclave.elf",
    "image_sha256": "AB" * 32,
    "sigstruct": "enclave.elf.sigstruct",
    "mrenclave": "cd" * 32,
    "mrsigner": "ef" * 32,
    "threads": 2,
    "stack_size": "0x20000",
    "heap_size": 0,
    "ssa_frames": 3,
    "debug": False,
    "attributes": "0x4",
    "xfrm": 3,
    "miscselect": 0,
    "isvprodid": 7,
    "isvsvn": "0x10",
}


def test_round_trip_and_hex_numbers() -> None:
    manifest = Manifest.from_json(json.dumps(GOOD))
    assert manifest.params == ImageParams(
        threads=2, stack_size=0x20000, nssa=3, attributes=int(Attr.MODE64BIT)
    )
    assert (manifest.isvprodid, manifest.isvsvn, manifest.debug) == (7, 16, False)
    assert manifest.image_sha256 == "ab" * 32
    assert Manifest.from_json(manifest.to_json()) == manifest


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other"}, "format is not"),
        ({"version": 2}, "version 2; this SDK reads 1"),
        ({"threads": -1}, "threads must be a non-negative integer"),
        ({"threads": 0}, "threads must be 1 to 4096"),
        ({"stack_size": 100}, "not a whole number of pages"),
        ({"heap_size": "lots"}, "heap_size 'lots' is not a number"),
        ({"debug": True}, "debug says True, attributes say otherwise"),
        ({"debug": "yes"}, "debug must be true or false"),
        ({"image": ""}, "image must be a non-empty string"),
        ({"extra": 1}, "unknown fields extra"),
    ],
)
def test_malformed_manifests(change: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ManifestError, match=message):
        Manifest.from_json(json.dumps({**GOOD, **change}))


def test_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="No such file"):
        read_manifest(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ManifestError, match="not JSON"):
        read_manifest(broken)
