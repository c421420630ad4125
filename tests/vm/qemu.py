"""Booting a kernel + initramfs under QEMU (TCG) with the host root shared over 9p."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Mapping

from tests.vm.console import find_problems, init_failure, reported_rc
from tests.vm.proc import VmError

QEMU = "qemu-system-x86_64"
# x86 COMMAND_LINE_SIZE is 2048 including the terminating NUL.
MAX_CMDLINE = 2047
BASE_APPEND = "console=ttyS0 panic=-1 oops=panic mitigations=off"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Kernel command-line words cannot carry these (quoting exists but is not worth the risk).
_UNSAFE = re.compile(r"[\s\"']")
TIMEOUT_STATUS = 124  # timeout(1): the time limit was hit
OUTPUT_LOCK = threading.Lock()  # whole lines on stdout when guests boot in parallel


@dataclass
class BootResult:
    rc: int | None  # the guest script's exit status; None: the guest never reported one
    console_log: Path
    results_dir: Path
    problems: List[str] = field(default_factory=list)  # suspicious kernel console lines
    init_error: str | None = None  # guest_init.sh could not reach the guest script
    qemu_status: int = 0
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure() is None

    def failure(self) -> str | None:
        """Why the run counts as failed, or None."""
        if self.timed_out:
            return f"timed out after {self.seconds:.0f} s"
        if self.init_error:
            return f"guest init failed: {self.init_error}"
        if self.problems:
            return f"kernel console shows {len(self.problems)} problem line(s): {self.problems[0]}"
        if self.rc is None:
            return f"the guest never reported an exit status (QEMU exited {self.qemu_status})"
        if self.rc != 0:
            return f"guest script exited {self.rc}"
        return None


def _virtfs(path: Path, tag: str, readonly: bool) -> str:
    escaped = str(path).replace(",", ",,")  # QEMU option syntax doubles literal commas
    opts = f"local,path={escaped},mount_tag={tag},security_model=none,multidevs=remap"
    return opts + (",readonly=on" if readonly else "")


def _cmdline_words(params: Mapping[str, str]) -> List[str]:
    words = []
    for key, value in params.items():
        if not _ENV_NAME.match(key):
            raise VmError(f"guest parameter name {key!r} is not an environment variable name")
        if _UNSAFE.search(value):
            raise VmError(f"guest parameter {key}={value!r} holds whitespace or quotes")
        words.append(f"{key}={value}")
    return words


def qemu_argv(
    vmlinuz: Path,
    initramfs: Path,
    results_dir: Path,
    append: str,
    memory_mb: int,
    cpus: int,
    single_thread: bool = False,
) -> List[str]:
    return [
        QEMU, "-accel", "tcg,thread=single" if single_thread else "tcg", "-cpu", "max",
        "-m", str(memory_mb), "-smp", str(cpus),
        "-no-user-config", "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-virtfs", _virtfs(Path("/"), "hostroot", readonly=True),
        "-virtfs", _virtfs(results_dir, "results", readonly=False),
        "-kernel", str(vmlinuz), "-initrd", str(initramfs),
        "-append", append,
    ]


def boot(
    vmlinuz: Path,
    initramfs: Path,
    guest_script: Path,
    run_dir: Path,
    *,
    cwd: Path | None = None,
    params: Mapping[str, str] | None = None,
    timeout_s: float = 300.0,
    memory_mb: int = 2048,
    cpus: int = 2,
    single_thread: bool = False,
    echo: bool = False,
    echo_prefix: str = "",
) -> BootResult:
    """Boot once and run `guest_script` (a host path) inside the guest.

    `run_dir` receives console.log and results/ (the writable share, which the guest sees
    at the same path, exported as VMPL_SGX_VM_RESULTS). `params` become environment
    variables of the guest script. `single_thread` runs all `cpus` vCPUs in one host
    thread, taking turns (TCG's round-robin mode), instead of a host thread each.
    `echo` copies the console to stdout as it arrives; with `echo_prefix`, line by line,
    each line starting with the prefix.
    """
    guest_script = guest_script.resolve()
    if not guest_script.is_file():
        raise VmError(f"guest script {guest_script} does not exist")
    run_dir = run_dir.resolve()
    results_dir = run_dir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("rc", "guest.log", "dmesg.txt"):
        (results_dir / stale).unlink(missing_ok=True)
    console_log = run_dir / "console.log"
    guest_env = {
        "VMPL_SGX_VM_SCRIPT": str(guest_script),
        "VMPL_SGX_VM_RESULTS": str(results_dir),
        "VMPL_SGX_VM_CWD": str((cwd or Path.cwd()).resolve()),
        **(params or {}),
    }
    append = " ".join([BASE_APPEND, *_cmdline_words(guest_env)])
    if len(append) > MAX_CMDLINE:
        raise VmError(f"kernel command line is {len(append)} bytes, the limit is {MAX_CMDLINE}")
    argv = [
        "timeout", "--kill-after=10", str(int(timeout_s)),
        *qemu_argv(vmlinuz, initramfs, results_dir, append, memory_mb, cpus, single_thread),
    ]
    # Kept beside the console log so a failing boot can be rerun by hand.
    (run_dir / "qemu.sh").write_text(shlex.join(argv) + "\n")

    started = time.monotonic()
    with open(console_log, "wb") as log:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        assert proc.stdout is not None
        echoed = _Echo(echo_prefix.encode()) if echo else None
        while True:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            log.write(chunk)
            log.flush()
            if echoed is not None:
                echoed.write(chunk)
        if echoed is not None:
            echoed.close()
        status = proc.wait()
    seconds = time.monotonic() - started

    return BootResult(
        rc=_guest_rc(results_dir / "rc", console_log),
        console_log=console_log,
        results_dir=results_dir,
        problems=find_problems(console_log),
        init_error=init_failure(console_log),
        qemu_status=status,
        timed_out=status in (TIMEOUT_STATUS, 128 + 9),
        seconds=seconds,
    )


class _Echo:
    """Copies console output to stdout: as it comes, or whole lines with a prefix."""

    def __init__(self, prefix: bytes) -> None:
        self.prefix = prefix
        self.partial = b""

    def write(self, chunk: bytes) -> None:
        if not self.prefix:
            self._out(chunk)
            return
        *lines, self.partial = (self.partial + chunk).split(b"\n")
        if lines:
            self._out(b"".join(self.prefix + line + b"\n" for line in lines))

    def close(self) -> None:
        if self.prefix and self.partial:
            self._out(self.prefix + self.partial + b"\n")
        self.partial = b""

    @staticmethod
    def _out(data: bytes) -> None:
        with OUTPUT_LOCK:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()


def _guest_rc(rc_file: Path, console_log: Path) -> int | None:
    """The rc file on the results share; the console sentinel if the file is missing."""
    try:
        return int(rc_file.read_text().strip())
    except (OSError, ValueError):
        return reported_rc(console_log)
