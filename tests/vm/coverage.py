"""The VM tier's coverage verdict: which of the module's traceable functions ran.

    python -m tests.vm.coverage RESULTS_DIR

reads the files tests/vm/coverage.sh left in RESULTS_DIR, prints

    VMTIER coverage=<reached>/<total> unreached=<names, comma-separated, or ->

and exits 1 if a function other than the hardware gate's (coverage_hardware_gate.txt) was not
reached, if that list names a function the module does not have, or if nothing was recorded.
Total is every module function the function tracer can see (available_filter_functions after
insmod); see tests/vm/README.md, "Coverage", for what it cannot see.
"""

from __future__ import annotations

import bisect
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Sequence, Set, Tuple

HARDWARE_GATE = Path(__file__).with_name("coverage_hardware_gate.txt")
MODULE = "vmpl_sgx"
_KALLSYMS = re.compile(r"^([0-9a-fA-F]+)\s+([A-Za-z])\s+(\S+)\s+\[" + MODULE + r"\]")
_ADDRESS = re.compile(r"^(?:0x([0-9a-fA-F]+)|([0-9a-f]{16}))$")


def base_name(name: str) -> str:
    """A function's source name: without the compiler's .isra.0, .constprop.0, .part.0 ..."""
    return name.split(".", 1)[0]


def read_names(text: str) -> List[str]:
    """Names, one a line; '#' starts a comment."""
    names = []
    for raw in text.splitlines():
        name = raw.split("#", 1)[0].strip()
        if name:
            names.append(name)
    return names


def module_symbols(kallsyms: str) -> List[Tuple[int, str]]:
    """The module's text symbols from /proc/kallsyms lines, sorted by address."""
    symbols = []
    for line in kallsyms.splitlines():
        match = _KALLSYMS.match(line)
        if match and match.group(2) in "tT":
            symbols.append((int(match.group(1), 16), match.group(3)))
    return sorted(symbols)


def name_of(token: str, symbols: Sequence[Tuple[int, str]]) -> str | None:
    """A traced function as the reader wrote it: a name, or an address printed after the
    module was gone, named through the symbols (None if outside the module)."""
    match = _ADDRESS.match(token)
    if not match:
        return token.split("+", 1)[0]
    address = int(match.group(1) or match.group(2), 16)
    index = bisect.bisect_right(symbols, (address, "\uffff")) - 1
    if index < 0 or not symbols:
        return None
    # A traced address is the function's start, or a few bytes in (the ENDBR before the
    # fentry call); one past the last symbol is outside the module.
    start, name = symbols[index]
    return name if address - start < 64 else None


@dataclass
class Record:
    functions: Set[str]
    reached: Set[str]
    lost: List[str] = field(default_factory=list)


def parse(functions: str, reached: str, kallsyms: str) -> Record:
    symbols = module_symbols(kallsyms)
    names: Set[str] = set()
    lost = []
    for raw in reached.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("LOST "):
            lost.append(line[5:])
            continue
        name = name_of(line, symbols)
        if name is not None:
            names.add(name)
    return Record(set(read_names(functions)), names, lost)


@dataclass
class Verdict:
    total: int
    reached: int
    unreached: List[str]
    unexpected: List[str]
    """Unreached functions outside the hardware gate: each fails the tier."""
    stale: List[str]
    """Hardware-gate names the module does not have: the list is out of date."""
    lost: List[str]
    problems: List[str]

    @property
    def passed(self) -> bool:
        return not self.problems

    def line(self) -> str:
        return (
            f"VMTIER coverage={self.reached}/{self.total} "
            f"unreached={','.join(self.unreached) or '-'}"
        )


def judge(record: Record, hardware_gate: Iterable[str]) -> Verdict:
    allowed = set(hardware_gate)
    functions = record.functions
    reached = functions & record.reached
    unreached = sorted(functions - reached)
    unexpected = [name for name in unreached if base_name(name) not in allowed]
    present = {base_name(name) for name in functions}
    stale = sorted(allowed - present)
    problems = []
    if not functions:
        problems.append("no traceable module function was recorded (coverage-functions.txt)")
    if not reached:
        problems.append("the tracer recorded no module function at all")
    if unexpected:
        why = f"unreached outside the hardware gate: {', '.join(unexpected)}"
        if record.lost:
            why += f" (the trace buffer overran {len(record.lost)} times: events were lost)"
        problems.append(why)
    if stale:
        problems.append(
            f"{HARDWARE_GATE.name} names functions the module does not have: {', '.join(stale)}"
        )
    return Verdict(
        len(functions), len(reached), unreached, unexpected, stale, record.lost, problems
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m tests.vm.coverage RESULTS_DIR", file=sys.stderr)
        return 2
    results = Path(args[0])

    def text(name: str) -> str:
        path = results / name
        return path.read_text(errors="replace") if path.exists() else ""

    record = parse(
        text("coverage-functions.txt"), text("coverage-reached.txt"), text("coverage-kallsyms.txt")
    )
    verdict = judge(record, read_names(HARDWARE_GATE.read_text()))
    print(verdict.line())
    extra = sorted(record.reached - record.functions)
    if extra:
        # Init code (freed after insmod, so not in the total) shows up here.
        print(f"coverage: also ran, not counted: {', '.join(extra)}", file=sys.stderr)
    for problem in verdict.problems:
        print(f"coverage: {problem}", file=sys.stderr)
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    sys.exit(main())
