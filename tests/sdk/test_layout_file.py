"""JSON layouts for the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vmpl_sgx._abi import PAGE_SIZE, Attr, Tcs
from vmpl_sgx.layout import SECINFO_TCS, reg_flags, sample_layout
from vmpl_sgx.layout_file import FORMAT_HELP, LayoutFileError, layout_from_argument, parse_layout

GOOD = {
    "size": "0x10000",
    "base": "0x7f0000000000",
    "attributes": ["MODE64BIT", "debug"],
    "regions": [
        {"offset": 0, "tcs": {"oentry": "0x1000", "ossa": "0x4000", "nssa": 1}},
        {"offset": "0x1000", "permissions": "rx", "file": "code.bin", "name": "code"},
        {"offset": "0x2000", "permissions": "rw", "hex": "48656c6c6f"},
        {"offset": "0x3000", "permissions": "rw", "fill": 255},
        {"offset": "0x4000", "permissions": "rw", "pages": 2, "measured": False},
    ],
}


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "layout.json"
    path.write_text(json.dumps(document))
    return path


def test_good_layout(tmp_path: Path) -> None:
    (tmp_path / "code.bin").write_bytes(b"\xc3" * 100)
    layout = layout_from_argument(str(write(tmp_path, GOOD)))
    assert (layout.size, layout.base) == (0x10000, 0x7F0000000000)
    assert layout.attributes == int(Attr.MODE64BIT | Attr.DEBUG)
    assert (layout.ssa_frame_size, layout.xfrm, layout.miscselect) == (1, 3, 0)
    tcs, code, hello, filled, empty = layout.regions
    assert tcs.secinfo_flags == SECINFO_TCS and Tcs.from_buffer_copy(tcs.data).ossa == 0x4000
    assert code.data == b"\xc3" * 100 + bytes(PAGE_SIZE - 100) and code.name == "code"
    assert code.secinfo_flags == reg_flags("rx")
    assert hello.data.startswith(b"Hello\0") and hello.size == PAGE_SIZE
    assert filled.data == b"\xff" * PAGE_SIZE
    assert empty.size == 2 * PAGE_SIZE and not empty.measured


def test_sample_by_name() -> None:
    assert layout_from_argument("sample") == sample_layout()


def test_numeric_attributes(tmp_path: Path) -> None:
    document = dict(GOOD, attributes=6, regions=GOOD["regions"][2:3])
    assert parse_layout(document, tmp_path).attributes == 6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"regions": []}, "non-empty"),
        ({"colour": "blue"}, "unknown keys: colour"),
        ({"size": "lots"}, "not a number"),
        ({"size": -1}, "negative"),
        ({"size": True}, "must be a number"),
        ({"size": "0x3000"}, "power of two"),
        ({"attributes": ["FAST"]}, "unknown FAST"),
        ({"regions": [{"offset": 0, "permissions": "rq"}]}, "permissions"),
        ({"regions": [{"offset": 0}]}, "needs tcs or permissions"),
        ({"regions": [{"offset": 0, "tcs": {"ossa": 0}}]}, "needs oentry"),
        ({"regions": [{"offset": 0, "tcs": {"oentry": 0, "ossa": 0}, "permissions": "r"}]}, "both"),
        ({"regions": [{"offset": 0, "permissions": "r", "hex": "zz"}]}, "not hexadecimal"),
        ({"regions": [{"offset": 0, "permissions": "r", "file": "missing.bin"}]}, "missing.bin"),
        ({"regions": [{"offset": 0, "permissions": "r", "fill": 256}]}, "byte value"),
        ({"regions": [{"offset": 0, "permissions": "r", "hex": "00", "fill": 1}]}, "more than one"),
        ({"regions": [{"offset": 0, "permissions": "r", "measured": "yes"}]}, "true or false"),
        ({"regions": [{"offset": 0, "permissions": "r", "hex": "00" * 5000, "pages": 1}]}, "fit"),
        ({"regions": ["page"]}, "must be an object"),
    ],
)
def test_bad_layouts(tmp_path: Path, change: dict[str, object], message: str) -> None:
    (tmp_path / "code.bin").write_bytes(b"\xc3")
    with pytest.raises(LayoutFileError, match=message):
        layout_from_argument(str(write(tmp_path, dict(GOOD, **change))))


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(LayoutFileError, match="No such file"):
        layout_from_argument(str(tmp_path / "absent.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(LayoutFileError, match="not JSON"):
        layout_from_argument(str(broken))
    with pytest.raises(LayoutFileError, match="must be an object"):
        layout_from_argument(str(write(tmp_path, [1, 2])))


def test_format_help_names_every_key() -> None:
    for key in ("size", "base", "ssa_frame_size", "attributes", "xfrm", "miscselect", "regions",
                "offset", "tcs", "permissions", "file", "hex", "fill", "pages", "measured", "name"):
        assert f'"{key}"' in FORMAT_HELP or key in FORMAT_HELP
