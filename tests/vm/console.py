"""Reading the guest's serial console log: the sentinels guest_init.sh prints, and trouble."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

SENTINEL = "VMPL_SGX_VM: "
# Kernel messages that mean the run is not clean, whatever the guest script said. The
# taint notes for an unsigned out-of-tree module ("loading out-of-tree module taints
# kernel", "module verification failed") are expected and not listed.
PROBLEM_PATTERNS = (
    "BUG:",
    "Oops",
    "WARNING:",
    "Call Trace",
    "Kernel panic",
    "general protection fault",
    "KASAN",
    "UBSAN",
    "hung_task",
    "blocked for more than",
)
_PROBLEM = re.compile("|".join(re.escape(p) for p in PROBLEM_PATTERNS))
# search, not match: a kernel message can share the line the sentinel starts on.
_RC = re.compile(re.escape(SENTINEL) + r"RC=(\d+)\s*$")
_INIT_FAILED = re.compile(re.escape(SENTINEL) + r"INIT-FAILED: (.*)$")


def _lines(log: Path) -> List[str]:
    if not log.is_file():
        return []
    # Serial output has \r\n line ends and may hold stray bytes.
    return [line.rstrip("\r") for line in log.read_text(errors="replace").splitlines()]


def find_problems(log: Path) -> List[str]:
    """Console lines matching PROBLEM_PATTERNS, in order."""
    return [line for line in _lines(log) if _PROBLEM.search(line)]


def reported_rc(log: Path) -> int | None:
    """The status on the last RC= sentinel line, or None if the guest never reported."""
    rc = None
    for line in _lines(log):
        match = _RC.search(line)
        if match:
            rc = int(match.group(1))
    return rc


def init_failure(log: Path) -> str | None:
    for line in _lines(log):
        match = _INIT_FAILED.search(line)
        if match:
            return match.group(1)
    return None
