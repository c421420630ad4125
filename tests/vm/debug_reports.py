"""Reports of the debug kernel's checkers in a console log, each with its first lines.

One report is one start line (below) and what follows it; the tier fails on any. Fault
injection's own "FAULT_INJECTION: forcing a failure" lines are not reports (the guest
turns their stack dumps off), and neither are the checkers' boot banners.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import List

# Where each checker's report starts (dmesg text after the timestamp).
REPORT_STARTS = (
    r"BUG: KASAN: ",
    r"UBSAN: ",
    r"WARNING: possible circular locking dependency",
    r"WARNING: possible recursive locking",
    r"WARNING: inconsistent lock state",
    r"WARNING: .*lock.* detected",
    r"BUG: sleeping function called from invalid context",
    r"BUG: scheduling while atomic",
    r"BUG: workqueue leaked lock",
    r"BUG: .*still has locks held",
    r"ODEBUG: ",
    r"kmemleak: \d+ new suspected memory leaks",
    r"unreferenced object 0x",
    r"INFO: task .* blocked for more than",
    r"watchdog: BUG: soft lockup",
    r"rcu: INFO: .*detected stall",
    r"rcu: .*self-detected stall",
    r"WARNING: CPU: ",
    r"BUG: ",
    r"Oops",
    r"general protection fault",
    r"Kernel panic",
)
_START = re.compile("|".join(f"(?:{p})" for p in REPORT_STARTS))
_TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s*")
FIRST_LINES = 8


@dataclass(frozen=True)
class Report:
    line_no: int  # 1-based, in the console log
    lines: List[str]  # the start line and the ones after it

    @property
    def title(self) -> str:
        return self.lines[0]


def _text(line: str) -> str:
    return _TIMESTAMP.sub("", line.rstrip("\r"))


def find_reports(lines: List[str], first_lines: int = FIRST_LINES) -> List[Report]:
    """Every report start, with up to `first_lines` lines from it (a report inside a
    report's first lines, like KASAN's own "BUG:" title line, is not counted twice)."""
    reports: List[Report] = []
    skip_until = 0
    for index, raw in enumerate(lines):
        text = _text(raw)
        if index < skip_until or not _START.search(text):
            continue
        block = [_text(line) for line in lines[index : index + first_lines]]
        reports.append(Report(line_no=index + 1, lines=block))
        # Lockdep and KASAN headers are followed by "---" rulers and a second title.
        skip_until = index + 2
    return reports


def reports_in(log: Path) -> List[Report]:
    if not log.is_file():
        return []
    return find_reports(log.read_text(errors="replace").splitlines())


def describe(reports: List[Report], limit: int = 10) -> List[str]:
    """The failure message: each report's first lines, indented, at most `limit` reports."""
    out: List[str] = []
    for report in reports[:limit]:
        out.append(f"report at console line {report.line_no}:")
        out += [f"    {line}" for line in report.lines]
    if len(reports) > limit:
        out.append(f"... and {len(reports) - limit} more")
    return out
