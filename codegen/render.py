"""Render every generated file from the model, in memory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from .filters import FILTERS
from .model import Model

TEMPLATES = Path(__file__).resolve().parent / "templates"
SPEC_REL = "abi/vmpl_sgx.yaml"
REGEN = "python -m codegen"


@dataclass(frozen=True)
class Output:
    path: str
    template: str
    comment: str

    def banner_text(self) -> str:
        return (
            f"Do not edit: generated from {SPEC_REL} by codegen/templates/{self.template}. "
            f"Regenerate with: {REGEN}"
        )

    def banner(self) -> str:
        if self.comment == "c":
            return (
                "/*\n"
                f" * Do not edit: generated from {SPEC_REL}\n"
                f" * by codegen/templates/{self.template}.\n"
                f" * Regenerate with: {REGEN}\n"
                " */"
            )
        return (
            f"# Do not edit: generated from {SPEC_REL}\n"
            f"# by codegen/templates/{self.template}.\n"
            f"# Regenerate with: {REGEN}"
        )


OUTPUTS = (
    Output("kernel_module/include/uapi/linux/vmpl_sgx.h", "uapi_header.h.j2", "c"),
    Output("kernel_module/gen/seh_abi.h", "seh_abi.h.j2", "c"),
    Output("kernel_module/gen/layout_asserts.h", "layout_asserts.h.j2", "c"),
    Output("kernel_module/gen/ioctl_table.h", "ioctl_table.h.j2", "c"),
    Output("sdk/vmpl_sgx/runtime/include/vmpl_sgx_enclave_abi.h", "enclave_abi.h.j2", "c"),
    Output("sdk/vmpl_sgx/_abi.py", "abi.py.j2", "py"),
    Output("docs/abi.md", "abi.md.j2", "md"),
)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - the outputs are C, Python and Markdown, not HTML
    )
    env.filters.update(FILTERS)
    return env


def _context(model: Model, output: Output) -> dict[str, Any]:
    scope = {
        "kernel_module/include/uapi/linux/vmpl_sgx.h": model.scope("uapi"),
        "kernel_module/gen/seh_abi.h": model.scope("seh"),
        "sdk/vmpl_sgx/runtime/include/vmpl_sgx_enclave_abi.h": model.scope("enclave"),
    }.get(output.path, model.groups)
    call_enum = next(e for g in model.groups for e in g.enums if e.py_name == "SehCall")
    return {
        "model": model,
        "groups": scope,
        "structs": [s for s in model.structs if s.scope != "enclave"],
        "ioctls": model.ioctls,
        "results": model.results,
        "call_enum": call_enum,
        "reserved_structs": [s for s in model.structs if s.reserved_fields and s.scope == "uapi"],
        "frame_size": model.structs_by_name["enclave_frame"].size,
        "banner": output.banner(),
        "banner_text": output.banner_text(),
    }


def _tidy(text: str, max_blank: int) -> str:
    """Collapse the blank lines template control flow leaves, end with one newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    tidy: list[str] = []
    blank = 0
    for line in lines:
        blank = blank + 1 if not line else 0
        if blank > max_blank:
            continue
        tidy.append(line)
    while tidy and not tidy[-1]:
        tidy.pop()
    return "\n".join(tidy) + "\n"


def render_all(model: Model) -> dict[str, str]:
    env = _environment()
    return {
        out.path: _tidy(
            env.get_template(out.template).render(**_context(model, out)),
            max_blank=2 if out.comment == "py" else 1,
        )
        for out in OUTPUTS
    }
