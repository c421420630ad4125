"""Reading EDL: Intel's syntax for the subset the generator supports, with file:line errors.

    enclave {
        include "types.h";
        from "other.edl" import *;          // or: import name, name;
        trusted {
            public int ecall_sum([in, count=n] const int *values, size_t n);
        };
        untrusted {
            void ocall_log([in, string] const char *line);
        };
    };

Everything else Intel's edger8r knows (structs, enums, arrays, private ecalls, allow(),
isptr, sizefunc, wstring, ...) is refused with the file and line where it appears.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Dict, List, Sequence, Set, Tuple

from vmpl_sgx.edl.model import TYPES, CType, EdlError, Function, Interface, Param, SizeRef

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\f\v]+)
  | (?P<newline>\n)
  | (?P<comment>//[^\n]*)
  | (?P<block>/\*.*?\*/)
  | (?P<string>"[^"\n]*")
  | (?P<number>0[xX][0-9a-fA-F]+|[0-9]+)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[{}()\[\];,*=])
    """,
    re.VERBOSE | re.DOTALL,
)

_TYPE_WORDS = {"signed", "unsigned", "short", "long", "int", "char", "double"}
_SUPPORTED_ATTRIBUTES = {"in", "out", "string", "user_check", "size", "count"}
_KNOWN_UNSUPPORTED = {
    "struct": "struct types",
    "union": "union types",
    "enum": "enum types",
    "typedef": "typedefs",
    "wchar_t": "wchar_t",
    "bool": "bool",
    "long double": "long double",
}


@dataclasses.dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int


def tokenize(text: str, file: str) -> List[Token]:
    tokens: List[Token] = []
    line = 1
    position = 0
    while position < len(text):
        if text[position] == "#":
            raise EdlError(file, line, "preprocessor directives are not supported in EDL")
        match = _TOKEN.match(text, position)
        if match is None and text.startswith("/*", position):
            raise EdlError(file, line, "unterminated comment")
        if match is None:
            raise EdlError(file, line, f"unexpected character {text[position]!r}")
        kind = match.lastgroup or ""
        value = match.group()
        if kind in ("ident", "number", "string", "punct"):
            tokens.append(Token(kind, value, line))
        line += value.count("\n")
        position = match.end()
    tokens.append(Token("eof", "", line))
    return tokens


class _Parser:
    def __init__(self, tokens: List[Token], file: str) -> None:
        self.tokens = tokens
        self.at = 0
        self.file = file

    # ---- token access

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.at + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.at += 1
        return token

    def error(self, message: str, token: Token | None = None) -> EdlError:
        return EdlError(self.file, (token or self.peek()).line, message)

    def expect(self, text: str) -> Token:
        token = self.take()
        if token.text != text:
            found = token.text or "end of file"
            raise self.error(f"expected {text!r}, found {found!r}", token)
        return token

    def accept(self, text: str) -> bool:
        if self.peek().text == text and self.peek().kind != "string":
            self.at += 1
            return True
        return False

    def ident(self, what: str) -> Token:
        token = self.take()
        if token.kind != "ident":
            raise self.error(f"expected {what}, found {token.text or 'end of file'!r}", token)
        return token

    def unsupported(self, token: Token, what: str) -> EdlError:
        return self.error(f"{what} are not supported by vmpl-sgx edger8r", token)

    # ---- grammar

    def enclave(self) -> Tuple[List[str], List[Tuple[str, List[str], Token]], List[Function],
                               List[Function]]:
        includes: List[str] = []
        imports: List[Tuple[str, List[str], Token]] = []
        ecalls: List[Function] = []
        ocalls: List[Function] = []
        self.expect("enclave")
        self.expect("{")
        while not self.accept("}"):
            token = self.peek()
            if token.text == "include":
                includes.append(self.include())
            elif token.text == "from":
                imports.append(self.import_())
            elif token.text == "trusted":
                self.take()
                self.section(ecalls, includes, trusted=True)
            elif token.text == "untrusted":
                self.take()
                self.section(ocalls, includes, trusted=False)
            elif token.text in _KNOWN_UNSUPPORTED:
                raise self.unsupported(token, _KNOWN_UNSUPPORTED[token.text])
            else:
                raise self.error(
                    f"expected include, from, trusted or untrusted, found "
                    f"{token.text or 'end of file'!r}"
                )
        self.accept(";")
        if self.peek().kind != "eof":
            raise self.error(f"unexpected {self.peek().text!r} after the enclave block")
        return includes, imports, ecalls, ocalls

    def include(self) -> str:
        self.expect("include")
        token = self.take()
        if token.kind != "string":
            raise self.error("include needs a quoted header name", token)
        self.expect(";")
        return token.text[1:-1]

    def import_(self) -> Tuple[str, List[str], Token]:
        start = self.expect("from")
        token = self.take()
        if token.kind != "string":
            raise self.error('from needs a quoted file name: from "x.edl" import ...;', token)
        self.expect("import")
        names: List[str] = []
        if not self.accept("*"):
            names.append(self.ident("a function name").text)
            while self.accept(","):
                names.append(self.ident("a function name").text)
        self.expect(";")
        return token.text[1:-1], names, start

    def section(self, into: List[Function], includes: List[str], trusted: bool) -> None:
        self.expect("{")
        while not self.accept("}"):
            if self.peek().text == "include":
                if trusted:
                    includes.append(self.include())
                else:  # headers of the untrusted side: nothing to generate for them
                    self.include()
                continue
            if self.peek().text in _KNOWN_UNSUPPORTED:
                token = self.peek()
                raise self.unsupported(token, _KNOWN_UNSUPPORTED[token.text])
            into.append(self.function(trusted))
        self.accept(";")

    def function(self, trusted: bool) -> Function:
        start = self.peek()
        if self.peek().text == "[":
            raise self.unsupported(start, "function attributes ([cdecl], [dllimport], ...)")
        if trusted:
            if not self.accept("public"):
                raise self.error(
                    "private ecalls (without 'public') are not supported: mark the ecall public"
                )
        elif self.peek().text == "public":
            raise self.error("'public' belongs to trusted functions only")
        ret, pointer = self.type_()
        if pointer:
            raise self.unsupported(start, "pointer return values")
        name = self.ident("a function name")
        self.expect("(")
        params: List[Param] = []
        if self.peek().text == "void" and self.peek(1).text == ")":
            self.take()
        if not self.accept(")"):
            params.append(self.param())
            while self.accept(","):
                params.append(self.param())
            self.expect(")")
        if self.peek().text != ";":
            raise self.unsupported(self.peek(), f"'{self.peek().text}' after a function")
        self.expect(";")
        function = Function(name.text, ret, tuple(params), self.file, name.line)
        self.check(function, trusted)
        return function

    def type_(self) -> Tuple[CType, bool]:
        """A scalar type with an optional '*'; const is handled by the caller for params."""
        start = self.peek()
        if start.text in _KNOWN_UNSUPPORTED:
            raise self.unsupported(start, _KNOWN_UNSUPPORTED[start.text])
        words: List[str] = []
        if self.peek().text in _TYPE_WORDS:
            while self.peek().text in _TYPE_WORDS:
                words.append(self.take().text)
        else:
            words.append(self.ident("a type").text)
        name = _canonical(words)
        if name == "long double":
            raise self.unsupported(start, "long double")
        ctype = TYPES.get(name)
        if ctype is None:
            raise self.error(
                f"type {' '.join(words)!r} is not supported: use fixed-width integers, "
                "size_t, the basic C integer types, float or double",
                start,
            )
        pointer = self.accept("*")
        if self.peek().text == "*":
            raise self.unsupported(self.peek(), "pointers to pointers")
        return ctype, pointer

    def param(self) -> Param:
        start = self.peek()
        attributes: Dict[str, SizeRef] = {}
        if self.accept("["):
            while True:
                token = self.ident("a parameter attribute")
                if token.text not in _SUPPORTED_ATTRIBUTES:
                    raise self.error(
                        f"the attribute {token.text!r} is not supported (supported: in, out, "
                        "string, user_check, size=, count=)",
                        token,
                    )
                if token.text in attributes:
                    raise self.error(f"attribute {token.text!r} given twice", token)
                value: SizeRef = None
                if token.text in ("size", "count"):
                    self.expect("=")
                    value = self.size_value()
                attributes[token.text] = value
                if self.accept("]"):
                    break
                self.expect(",")
        const = self.accept("const")
        ctype, pointer = self.type_()
        if self.accept("const"):
            const = True
        name = self.ident("a parameter name")
        if self.peek().text == "[":
            raise self.unsupported(self.peek(), "array parameters")
        if ctype.is_void and not pointer:
            raise self.error(f"parameter {name.text!r} cannot be void", name)
        return Param(
            name=name.text,
            ctype=ctype,
            const=const,
            pointer=pointer,
            direction_in="in" in attributes,
            direction_out="out" in attributes,
            string="string" in attributes,
            user_check="user_check" in attributes,
            size=attributes.get("size"),
            count=attributes.get("count"),
            line=start.line,
        )

    def size_value(self) -> SizeRef:
        token = self.take()
        if token.kind == "number":
            return int(token.text, 0)
        if token.kind == "ident":
            return token.text
        raise self.error("size= and count= take a number or a parameter name", token)

    # ---- rules between parameters

    def check(self, function: Function, trusted: bool) -> None:
        seen: Set[str] = set()
        for param in function.params:
            where = EdlError(self.file, param.line, "")

            def fail(message: str, where: EdlError = where, param: Param = param) -> EdlError:
                return EdlError(where.file, where.line, f"{function.name}({param.name}): {message}")

            if param.name in seen:
                raise fail("parameter name used twice")
            seen.add(param.name)
            directed = param.direction_in or param.direction_out
            sized = param.size is not None or param.count is not None
            if not param.pointer:
                if directed or param.string or param.user_check or sized:
                    raise fail("pointer attributes on a parameter that is not a pointer")
                continue
            if param.user_check:
                if directed or param.string or sized:
                    raise fail("user_check takes no other attribute")
                continue
            if not directed:
                raise fail("a pointer needs [in], [out], [in, out] or [user_check]")
            if param.direction_out and param.const:
                raise fail("[out] on a const pointer")
            if param.string:
                if param.direction_out or sized:
                    raise fail("string is supported as [in, string] only, without size or count")
                if param.ctype.name != "char":
                    raise fail("string needs a char pointer")
                continue
            if param.ctype.is_void and param.size is None:
                raise fail("a void pointer needs size=")
            for value in (param.size, param.count):
                if isinstance(value, int) and value <= 0:
                    raise fail("size= and count= must be positive")
                if isinstance(value, str):
                    other = function.param(value)
                    if other is None:
                        raise fail(f"size or count names {value!r}, which is no parameter")
                    if other.pointer or other.ctype.is_float:
                        raise fail(f"size or count names {value!r}, which is not an integer")


def _canonical(words: Sequence[str]) -> str:
    """'unsigned long int' -> 'unsigned long', 'signed' -> 'int', ...; unknown stays as is."""
    if len(words) == 1 and words[0] not in _TYPE_WORDS:
        return words[0]
    unsigned = "unsigned" in words
    longs = words.count("long")
    if "double" in words:
        return "long double" if longs else ("double" if len(words) == 1 else " ".join(words))
    if "char" in words:
        base = "unsigned char" if unsigned else ("signed char" if "signed" in words else "char")
        return base
    if "short" in words:
        base = "short"
    elif longs == 1:
        base = "long"
    elif longs >= 2:
        base = "long long"
    else:
        base = "int"
    return f"unsigned {base}" if unsigned else base


def _parse_one(path: Path) -> Tuple[List[str], List[Tuple[str, List[str], Token]], List[Function],
                                    List[Function]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise EdlError(str(path), 0, f"cannot read: {error}") from None
    return _Parser(tokenize(text, str(path)), str(path)).enclave()


def _resolve(
    path: Path, search: Sequence[Path], stack: Tuple[Path, ...], cache: Dict[Path, Interface]
) -> Interface:
    if path in cache:
        return cache[path]
    includes, imports, ecalls, ocalls = _parse_one(path)
    for target, names, token in imports:
        found = _find(target, path.parent, search)
        if found is None:
            raise EdlError(str(path), token.line, f"cannot find {target!r} to import from")
        if found in stack:
            raise EdlError(str(path), token.line, f"{target!r} imports itself through a cycle")
        other = _resolve(found, search, (*stack, found), cache)
        wanted = set(names)
        for name in names:
            if not any(f.name == name for f in (*other.ecalls, *other.ocalls)):
                raise EdlError(str(path), token.line, f"{target!r} declares no function {name!r}")
        _merge(ecalls, [f for f in other.ecalls if not wanted or f.name in wanted])
        _merge(ocalls, [f for f in other.ocalls if not wanted or f.name in wanted])
        includes += [name for name in other.includes if name not in includes]
    names_seen: Dict[str, Function] = {}
    for function in (*ecalls, *ocalls):
        earlier = names_seen.get(function.name)
        if earlier is not None:
            raise EdlError(
                function.file,
                function.line,
                f"{function.name} is declared twice (first at {earlier.file}:{earlier.line})",
            )
        names_seen[function.name] = function
    stem = re.sub(r"\W", "_", path.stem)
    result = Interface(stem, tuple(includes), tuple(ecalls), tuple(ocalls))
    cache[path] = result
    return result


def _merge(into: List[Function], functions: Sequence[Function]) -> None:
    for function in functions:
        if function not in into:  # the same declaration reached through two imports
            into.append(function)


def _find(name: str, directory: Path, search: Sequence[Path]) -> Path | None:
    for candidate in (directory / name, *(base / name for base in search)):
        if candidate.is_file():
            return candidate.resolve()
    return None


def parse_file(path: str | Path, search_path: Sequence[str | Path] = ()) -> Interface:
    """Parse the EDL file at `path` and everything it imports (looked up next to the importing
    file, then in `search_path`). Raises EdlError naming the file and line of any problem."""
    resolved = Path(path).resolve()
    if not resolved.is_file():
        raise EdlError(str(path), 0, "no such EDL file")
    return _resolve(resolved, [Path(p) for p in search_path], (resolved,), {})
