"""What an exception exit says in words: `#PF reading 0x0 at handle_request+0x1c`.

The place comes from the faulting instruction (RUN.exception_rip, reported for DEBUG
enclaves only) and the function symbols of the enclave's image; without either the
instruction's address, or nothing, stands in. An image built with -g adds its source line
(`at handle_request+0x1c (enclave.c:42)`, from vmpl_sgx.dwarf_lines).
"""

from __future__ import annotations

import bisect
from typing import Sequence, Tuple

VECTOR_NAMES = {
    0: "#DE", 1: "#DB", 3: "#BP", 4: "#OF", 5: "#BR", 6: "#UD", 7: "#NM",
    13: "#GP", 14: "#PF", 16: "#MF", 17: "#AC", 19: "#XM",
}
_PF = 14
_PF_WRITE, _PF_FETCH = 0x2, 0x10


class FunctionSymbols:
    """Enclave offsets as `function+0xoffset`, from (offset, size, name) of the image's
    function symbols."""

    def __init__(self, functions: Sequence[Tuple[int, int, str]]) -> None:
        self._functions = sorted(functions)
        self._starts = [start for start, _, _ in self._functions]

    def name(self, offset: int) -> str | None:
        """`function+0x1c` for the function that holds `offset`, or None."""
        index = bisect.bisect_right(self._starts, offset)
        # The closest start first; a few before it in case symbols nest or alias.
        for start, size, name in reversed(self._functions[max(0, index - 8) : index]):
            if offset < start + max(size, 1):
                return f"{name}+0x{offset - start:x}"
        return None

    def __len__(self) -> int:
        return len(self._functions)


def describe_fault(
    vector: int, error_code: int, address: int, where: str, line: str = ""
) -> str:
    """`#PF writing 0x10 at f+0x4`, `#UD at f+0x9 (f.c:7)`; `where` is '' when the place is
    unknown, `line` (`f.c:7`) '' without line information."""
    name = VECTOR_NAMES.get(vector, f"vector {vector}")
    if vector == _PF:
        access = "executing" if error_code & _PF_FETCH else (
            "writing" if error_code & _PF_WRITE else "reading"
        )
        text = f"{name} {access} 0x{address:x}"
    else:
        text = name
    if line:
        where = f"{where} ({line})" if where else line
    return f"{text} at {where}" if where else text
