"""Parsing EDL: the supported subset, imports, and file:line errors for everything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmpl_sgx.edl import EdlError, parse_file

from .conftest import DATA


def _edl(tmp_path: Path, body: str, name: str = "x.edl") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def test_kitchen_interface() -> None:
    interface = parse_file(DATA / "kitchen.edl")
    assert interface.name == "kitchen"
    assert interface.includes == ("kitchen_types.h",)
    assert [f.name for f in interface.ecalls][:3] == ["sum", "fill", "reverse"]
    # Named imports take only what they name.
    assert [f.name for f in interface.ocalls] == [
        "ocall_words", "ocall_print", "ocall_wait", "ocall_scale"
    ]
    values = interface.ecalls[0].params[0]
    assert (values.kind, values.count, values.const) == ("in", "n", True)
    assert interface.ecalls[2].params[0].kind == "inout"
    assert interface.ecalls[3].params[0].kind == "string"
    assert interface.ecalls[4].params[0].kind == "user_check"


def test_intel_style_file_with_imports() -> None:
    interface = parse_file(DATA / "intel_style.edl")
    names = {f.name for f in interface.ecalls}
    assert {"ecall_main", "ecall_pointer_in", "ecall_type_int", "ecall_type_double"} <= names
    assert "ecall_type_char" not in names  # not in the import list
    unsigned_long = parse_file(DATA / "Types.edl").ecalls[5].params[0].ctype
    assert (unsigned_long.name, unsigned_long.size) == ("unsigned long", 8)


def test_search_path(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    _edl(lib, "enclave { trusted { public void f(void); }; };", "lib.edl")
    main = _edl(tmp_path, 'enclave { from "lib.edl" import *; };')
    with pytest.raises(EdlError, match=r"cannot find 'lib\.edl'"):
        parse_file(main)
    assert [f.name for f in parse_file(main, [lib]).ecalls] == ["f"]


@pytest.mark.parametrize(
    ("line", "text", "message"),
    [
        (3, "public void f(struct s *p);", "struct types are not supported"),
        (3, "public void f([in] int *p[4]);", "array parameters are not supported"),
        (3, "void f(void);", "private ecalls"),
        (3, "public void f([isptr] int *p);", "the attribute 'isptr' is not supported"),
        (3, "public void f([in, out, string] char *s);", "[in, string] only"),
        (3, "public void f(int *p);", "needs [in], [out], [in, out] or [user_check]"),
        (3, "public void f([in] void *p);", "a void pointer needs size="),
        (3, "public void f([in, size=len] int *p);", "names 'len', which is no parameter"),
        (3, "public void f([in, size=d] int *p, double d);", "'d', which is not an integer"),
        (3, "public void f([out] const int *p);", "[out] on a const pointer"),
        (3, "public void f([in] int p);", "not a pointer"),
        (3, "public int *f(void);", "pointer return values are not supported"),
        (3, "public void f(wchar_t c);", "wchar_t are not supported"),
        (3, "public void f(long double c);", "long double are not supported"),
        (3, "public void f(int **p);", "pointers to pointers"),
        (3, "public void f(my_type_t v);", "type 'my_type_t' is not supported"),
        (3, "public void f(int a, int a);", "parameter name used twice"),
        (3, "public void f(void) allow(g);", "'allow' after a function"),
        (3, "public void f(void) transition_using_threads;", "'transition_using_threads'"),
        (3, "[cdecl] void f(void);", "function attributes"),
        (3, "public void f([in, size=0] int *p);", "must be positive"),
    ],
)
def test_unsupported_constructs_name_file_and_line(
    tmp_path: Path, line: int, text: str, message: str
) -> None:
    path = _edl(tmp_path, f"enclave {{\n  trusted {{\n    {text}\n  }};\n}};\n")
    with pytest.raises(EdlError) as caught:
        parse_file(path)
    assert caught.value.line == line
    assert caught.value.file.endswith("x.edl")
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{caught.value.file}:{line}: ")


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("enclave {\n  struct point { int x; };\n};", 2, "struct types"),
        ("enclave {\n#include <x.h>\n};", 2, "preprocessor directives"),
        ("enclave {\n  trusted {\n  };\n};\nextra", 5, "after the enclave block"),
        ("enclave {\n  /* never closed", 2, "unterminated comment"),
        ("enclave {\n  from \"nowhere.edl\" import *;\n};", 2, "cannot find"),
        ("enclave {\n  trusted {\n    public void f(void);\n    public void f(void);\n  };\n};",
         4, "declared twice"),
        ("enclave {\n  untrusted {\n    public void f(void);\n  };\n};", 3, "trusted functions"),
        ("enclave {\n  trusted {\n    public void f(int a\n  };\n};", 4, "expected ')'"),
    ],
)
def test_malformed_files(tmp_path: Path, body: str, line: int, message: str) -> None:
    with pytest.raises(EdlError) as caught:
        parse_file(_edl(tmp_path, body))
    assert (caught.value.line, message in str(caught.value)) == (line, True), str(caught.value)


def test_import_cycle_and_unknown_name(tmp_path: Path) -> None:
    _edl(tmp_path, 'enclave {\n from "b.edl" import *;\n};', "a.edl")
    _edl(tmp_path, 'enclave {\n from "a.edl" import *;\n};', "b.edl")
    with pytest.raises(EdlError, match="cycle"):
        parse_file(tmp_path / "a.edl")
    _edl(tmp_path, "enclave { trusted { public void f(void); }; };", "c.edl")
    main = _edl(tmp_path, 'enclave {\n\n from "c.edl" import g;\n};', "d.edl")
    with pytest.raises(EdlError, match="declares no function 'g'") as caught:
        parse_file(main)
    assert caught.value.line == 3


def test_diamond_import_is_one_declaration(tmp_path: Path) -> None:
    _edl(tmp_path, "enclave { untrusted { void log(void); }; };", "base.edl")
    _edl(tmp_path, 'enclave { from "base.edl" import *; };', "left.edl")
    _edl(tmp_path, 'enclave { from "base.edl" import *; };', "right.edl")
    top = _edl(tmp_path, 'enclave { from "left.edl" import *; from "right.edl" import *; };')
    assert [f.name for f in parse_file(top).ocalls] == ["log"]
