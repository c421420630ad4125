"""The parsed ABI model: every name, number, size and offset, computed once.

Templates render from this model only; they never do arithmetic of their own.
"""

from __future__ import annotations

import errno as errno_module
from dataclasses import dataclass, field
from typing import Any

SCALARS = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}

IOC_DIR = {"none": 0, "write": 1, "read": 2, "readwrite": 3}
IOC_DIR_MACRO = {"none": "_IO", "write": "_IOW", "read": "_IOR", "readwrite": "_IOWR"}
IOC_DIR_C = {
    "none": "_IOC_NONE",
    "write": "_IOC_WRITE",
    "read": "_IOC_READ",
    "readwrite": "_IOC_READ | _IOC_WRITE",
}
IOC_SIZE_LIMIT = 1 << 14

# The SVSM specification's generic result codes; protocols add theirs from 0x80001000.
SVSM_GENERIC_RESULTS = frozenset(range(0x80000000, 0x80000008))


class SpecError(ValueError):
    """The spec is well-formed YAML but describes an impossible ABI."""


def upper(name: str) -> str:
    return name.replace("-", "_").upper()


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def doc_lines(doc: str) -> list[str]:
    return doc.strip().splitlines()


@dataclass(frozen=True)
class Constant:
    name: str
    value: int
    doc: str
    c_name: str
    py_name: str
    hexa: bool


@dataclass(frozen=True)
class EnumEntry:
    name: str
    value: int
    doc: str
    c_name: str
    py_name: str


@dataclass(frozen=True)
class Enum:
    name: str
    doc: str
    kind: str
    c_prefix: str
    py_name: str
    entries: tuple[EnumEntry, ...]


@dataclass(frozen=True)
class Result:
    name: str
    value: int
    errno: str
    retry: bool
    doc: str
    c_name: str
    py_name: str

    @property
    def errno_value(self) -> int:
        return 0 if self.errno == "0" else int(getattr(errno_module, self.errno))


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    count: int
    reserved: bool
    doc: str
    offset: int
    size: int
    align: int
    struct: Struct | None = None

    @property
    def is_array(self) -> bool:
        return self.count > 1

    @property
    def elem_size(self) -> int:
        return self.size // self.count


@dataclass(frozen=True)
class Struct:
    name: str
    doc: str
    scope: str
    fields: tuple[Field, ...]
    size: int
    align: int
    c_name: str
    py_name: str

    @property
    def reserved_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.reserved)


@dataclass(frozen=True)
class Ioctl:
    name: str
    nr: int
    dir: str
    struct: Struct
    doc: str
    value: int
    c_name: str
    py_name: str
    handler_name: str
    min_size: Constant | None = None
    """Extensible argument: the smallest size the command accepts; None for a fixed size."""

    @property
    def macro(self) -> str:
        return IOC_DIR_MACRO[self.dir]

    @property
    def dir_c(self) -> str:
        return IOC_DIR_C[self.dir]

    @property
    def base(self) -> int:
        """The command with its size bits cleared: what an extensible command is matched by."""
        return self.value & ~((IOC_SIZE_LIMIT - 1) << 16)


@dataclass(frozen=True)
class ReservedIoctl:
    nr: int
    doc: str


@dataclass(frozen=True)
class Group:
    name: str
    doc: str
    scope: str
    prefix: str
    constants: tuple[Constant, ...]
    enums: tuple[Enum, ...]
    results: tuple[Result, ...]
    results_doc: str
    structs: tuple[Struct, ...]
    ioctls: tuple[Ioctl, ...]
    magic: int | None
    reserved_ioctls: tuple[ReservedIoctl, ...]
    extensible_doc: str = ""
    also_in: tuple[str, ...] = ()
    """Other scopes whose header renders this group too."""


@dataclass(frozen=True)
class Model:
    name: str
    doc: str
    api_version: int
    groups: tuple[Group, ...]
    structs_by_name: dict[str, Struct] = field(default_factory=dict)

    def scope(self, scope: str) -> tuple[Group, ...]:
        return tuple(g for g in self.groups if scope in (g.scope, *g.also_in))

    @property
    def structs(self) -> tuple[Struct, ...]:
        return tuple(s for g in self.groups for s in g.structs)

    @property
    def ioctls(self) -> tuple[Ioctl, ...]:
        return tuple(i for g in self.groups for i in g.ioctls)

    @property
    def results(self) -> tuple[Result, ...]:
        return tuple(r for g in self.groups for r in g.results)


def ioc(direction: str, magic: int, nr: int, size: int) -> int:
    """Linux's _IOC() for x86-64: dir in bits 31-30, size 29-16, type 15-8, nr 7-0."""
    if size >= IOC_SIZE_LIMIT:
        raise SpecError(f"ioctl argument of {size} bytes does not fit _IOC_SIZE")
    return (IOC_DIR[direction] << 30) | (size << 16) | (magic << 8) | nr


def _min_size(raw: dict[str, Any], constants: list[Constant], arg: Struct) -> Constant | None:
    """The constant an extensible command names as its smallest size, checked."""
    name = raw.get("min-size")
    if name is None:
        return None
    found = next((c for c in constants if c.name == name), None)
    if found is None:
        raise SpecError(f"ioctl {raw['name']}: min-size {name} is no constant of its group")
    if not 0 < found.value <= arg.size:
        raise SpecError(
            f"ioctl {raw['name']}: min-size {found.value} is not within 1..{arg.size} "
            f"(the size of struct {arg.name})"
        )
    return found


def _build_struct(raw: dict[str, Any], scope: str, known: dict[str, Struct]) -> Struct:
    name = raw["name"]
    offset = 0
    align = 1
    fields: list[Field] = []
    seen: set[str] = set()
    for raw_field in raw["fields"]:
        fname = raw_field["name"]
        if fname in seen:
            raise SpecError(f"struct {name}: duplicate field {fname}")
        seen.add(fname)
        ftype = raw_field["type"]
        count = int(raw_field.get("count", 1))
        nested = None
        if ftype in SCALARS:
            elem_size = elem_align = SCALARS[ftype]
        elif ftype in known:
            nested = known[ftype]
            elem_size, elem_align = nested.size, nested.align
        else:
            raise SpecError(f"struct {name}.{fname}: unknown type {ftype}")
        if offset % elem_align:
            raise SpecError(
                f"struct {name}.{fname}: offset {offset} is not {elem_align}-aligned; "
                "add an explicit padding field"
            )
        fields.append(
            Field(
                name=fname,
                type=ftype,
                count=count,
                reserved=bool(raw_field.get("reserved", False)),
                doc=raw_field["doc"],
                offset=offset,
                size=elem_size * count,
                align=elem_align,
                struct=nested,
            )
        )
        offset += elem_size * count
        align = max(align, elem_align)
    if offset % align:
        raise SpecError(
            f"struct {name}: size {offset} needs tail padding to {align}; "
            "add an explicit padding field"
        )
    return Struct(
        name=name,
        doc=raw["doc"],
        scope=scope,
        fields=tuple(fields),
        size=offset,
        align=align,
        c_name=f"vmpl_sgx_{name}",
        py_name=camel(name),
    )


def _names(prefix: str, name: str) -> tuple[str, str]:
    """C and Python spellings of a group-level name."""
    py = upper(f"{prefix}_{name}" if prefix else name)
    return f"VMPL_SGX_{py}", py


def build(spec: dict[str, Any]) -> Model:
    """Turn a schema-valid spec into the model, checking what a schema cannot."""
    known: dict[str, Struct] = {}
    groups: list[Group] = []
    c_names: set[str] = set()
    py_names: set[str] = set()

    def claim(c_name: str, py_name: str) -> None:
        if c_name in c_names or py_name in py_names:
            raise SpecError(f"name collision: {c_name} / {py_name}")
        c_names.add(c_name)
        py_names.add(py_name)

    for raw_group in spec["groups"]:
        prefix = raw_group["prefix"]
        scope = raw_group["scope"]
        constants = []
        for raw in raw_group.get("constants", []):
            c_name, py_name = _names(prefix, raw["name"])
            claim(c_name, py_name)
            hexa = raw.get("format", "hex" if raw["value"] >= 0x10000 else "decimal") == "hex"
            constants.append(Constant(raw["name"], raw["value"], raw["doc"], c_name, py_name, hexa))

        enums = []
        for raw in raw_group.get("enums", []):
            c_prefix = raw.get("c-prefix", raw["name"])
            enum_c, _ = _names(prefix, c_prefix)
            py_class = camel(f"{prefix}_{raw['name']}" if prefix else raw["name"])
            claim(enum_c + "__ENUM", py_class)
            entries = []
            values: set[int] = set()
            for entry in raw["entries"]:
                if entry["value"] in values and raw["kind"] == "enum":
                    raise SpecError(f"enum {raw['name']}: duplicate value {entry['value']}")
                values.add(entry["value"])
                c_name = f"{enum_c}_{upper(entry['name'])}"
                claim(c_name, f"{py_class}.{upper(entry['name'])}")
                entries.append(
                    EnumEntry(
                        entry["name"], entry["value"], entry["doc"], c_name, upper(entry["name"])
                    )
                )
            enums.append(
                Enum(raw["name"], raw["doc"], raw["kind"], enum_c, py_class, tuple(entries))
            )

        results = []
        results_doc = ""
        if "results" in raw_group:
            results_doc = raw_group["results"]["doc"]
            result_c, _ = _names(prefix, "result")
            seen_values: set[int] = set()
            for raw in raw_group["results"]["entries"]:
                if raw["value"] in seen_values:
                    raise SpecError(f"result {raw['name']}: duplicate value")
                seen_values.add(raw["value"])
                if raw["errno"] != "0" and not hasattr(errno_module, raw["errno"]):
                    raise SpecError(f"result {raw['name']}: unknown errno {raw['errno']}")
                c_name = f"{result_c}_{upper(raw['name'])}"
                claim(c_name, f"SehResult.{upper(raw['name'])}")
                results.append(
                    Result(
                        raw["name"],
                        raw["value"],
                        raw["errno"],
                        bool(raw.get("retry", False)),
                        raw["doc"],
                        c_name,
                        upper(raw["name"]),
                    )
                )
            for r in results:
                if r.value and r.value not in SVSM_GENERIC_RESULTS and r.value < 0x80001000:
                    raise SpecError(
                        f"result {r.name}: {r.value:#x} is neither an SVSM generic code nor a "
                        "protocol code (protocol codes start at 0x80001000)"
                    )

        structs = []
        for raw in raw_group.get("structs", []):
            if raw["name"] in known:
                raise SpecError(f"duplicate struct {raw['name']}")
            struct = _build_struct(raw, scope, known)
            claim(struct.c_name, struct.py_name)
            known[struct.name] = struct
            structs.append(struct)

        ioctls = []
        magic = None
        reserved_nrs = tuple(
            ReservedIoctl(r["nr"], r["doc"]) for r in raw_group.get("reserved-ioctl-numbers", [])
        )
        if "ioctls" in raw_group:
            magic = raw_group["ioctls"]["magic"]
            used: set[int] = {r.nr for r in reserved_nrs}
            if len(used) != len(reserved_nrs):
                raise SpecError("duplicate reserved ioctl number")
            for raw in raw_group["ioctls"]["commands"]:
                if raw["nr"] in used:
                    raise SpecError(f"ioctl {raw['name']}: number {raw['nr']:#x} taken or reserved")
                used.add(raw["nr"])
                arg_struct = known.get(raw["struct"])
                if arg_struct is None:
                    raise SpecError(f"ioctl {raw['name']}: unknown struct {raw['struct']}")
                c_name, py_name = _names(prefix, f"ioc_{raw['name']}")
                claim(c_name, py_name)
                min_size = _min_size(raw, constants, arg_struct)
                ioctls.append(
                    Ioctl(
                        name=raw["name"],
                        nr=raw["nr"],
                        dir=raw["dir"],
                        struct=arg_struct,
                        doc=raw["doc"],
                        value=ioc(raw["dir"], magic, raw["nr"], arg_struct.size),
                        c_name=c_name,
                        py_name=py_name,
                        handler_name=f"vmpl_sgx_ioc_{raw['name']}",
                        min_size=min_size,
                    )
                )
        groups.append(
            Group(
                name=raw_group["name"],
                doc=raw_group["doc"],
                scope=scope,
                prefix=prefix,
                constants=tuple(constants),
                enums=tuple(enums),
                results=tuple(results),
                results_doc=results_doc,
                structs=tuple(structs),
                ioctls=tuple(ioctls),
                magic=magic,
                reserved_ioctls=reserved_nrs,
                extensible_doc=raw_group.get("ioctls", {}).get("extensible-doc", ""),
                also_in=tuple(raw_group.get("also-in", ())),
            )
        )
    model = Model(spec["name"], spec["doc"], spec["api-version"], tuple(groups), dict(known))
    _check_cross_references(model)
    return model


# Architectural SGX structures whose size the spec also states as a constant.
_SIZED_STRUCTS = {
    "targetinfo": "TARGETINFO_SIZE",
    "report_body": "REPORT_BODY_SIZE",
    "report": "REPORT_SIZE",
    "keyrequest": "KEYREQUEST_SIZE",
}


def _check_cross_references(model: Model) -> None:
    """Facts that tie separate parts of the spec together."""
    consts = {c.py_name: c.value for g in model.groups for c in g.constants}
    if consts.get("API_VERSION") != model.api_version:
        raise SpecError("constant api-version must equal the spec's api-version")
    add_req = model.structs_by_name.get("seh_add_pages_req")
    if add_req is not None:
        descs = next(f for f in add_req.fields if f.name == "pages")
        if descs.count != consts["SEH_MAX_PAGES_PER_CALL"]:
            raise SpecError("seh_add_pages_req.pages must hold SEH_MAX_PAGES_PER_CALL entries")
    caa_size = consts.get("SEH_CAA_BUFFER_SIZE", 1 << 62)
    for struct in model.structs:
        if struct.name.startswith("seh_") and struct.size > caa_size:
            raise SpecError(f"struct {struct.name} does not fit the Calling Area buffer")
    for struct_name, const_name in _SIZED_STRUCTS.items():
        sized = model.structs_by_name.get(struct_name)
        if sized is not None and sized.size != consts.get(const_name):
            raise SpecError(f"struct {struct_name} is {sized.size} bytes, not {const_name}")
    body = model.structs_by_name.get("report_body")
    if body is not None:
        data = next(f for f in body.fields if f.name == "report_data")
        if data.size != consts.get("REPORT_DATA_SIZE"):
            raise SpecError("report_body.report_data must be REPORT_DATA_SIZE bytes")
    if "LB_MAX_MESSAGE" in consts:
        header = model.structs_by_name["lb_header"].size
        entry = model.structs_by_name["lb_page"].size
        caa = model.structs_by_name["lb_caa"].size
        pages = consts["LB_MAX_PAGES"]
        expect = header + pages * entry + caa + pages * consts["PAGE_SIZE"]
        if consts["LB_MAX_MESSAGE"] != expect:
            raise SpecError(f"LB_MAX_MESSAGE must be {expect}")
