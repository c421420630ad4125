"""Running host commands with errors that say what failed."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Mapping, Sequence

# Where root's tools (depmod, modprobe) live even when PATH leaves them out (non-root users).
SBIN_DIRS = ("/usr/sbin", "/sbin")


class VmError(RuntimeError):
    """A step of the VM tier failed; the message says which and why."""


def find_tool(command: str) -> str | None:
    """The full path of `command`, looking in the sbin directories too."""
    found = shutil.which(command)
    if found is None:
        found = shutil.which(command, path=":".join(SBIN_DIRS))
    return found


MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")
"""What a make that started us passes down: its jobserver and options."""


def own_make_env(**extra: str) -> Dict[str, str]:
    """The environment for a make of our own (it names its -j): without what an outer make
    passes down, which under `make -jN` makes the inner one warn that it resets the
    jobserver (a warning the module build's scan rightly fails on)."""
    env = {name: value for name, value in os.environ.items() if name not in MAKE_VARIABLES}
    env.update(extra)
    return env


def run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run a command, return its stdout; raise VmError with its output on failure."""
    tool = find_tool(argv[0]) or argv[0]
    try:
        proc = subprocess.run(
            [tool, *argv[1:]],
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as exc:
        raise VmError(f"command not found: {argv[0]}") from exc
    if proc.returncode != 0:
        out = (proc.stdout + proc.stderr).strip()
        raise VmError(f"`{shlex.join(argv)}` exited {proc.returncode}:\n{out}")
    return proc.stdout
