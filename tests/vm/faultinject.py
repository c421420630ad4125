"""Allocation-failure injection into vmpl_sgx.ko, run inside the debug kernel's guest.

    python -m tests.vm.faultinject [--rounds N] [--probabilities 5,20,50] [--seh-log PATH]

Two modes, both through failslab and fail_page_alloc, and both limited to allocations
with a vmpl_sgx.ko function on the stack (the fault attributes' require-start/-end span
the module's text), so Python, 9p and the rest of the guest allocate normally:

- every N: fail the N-th such allocation of this thread (/proc/thread-self/fail-nth) along
  one lifecycle (create, add pages, init, run, close), for N = 1, 2, ... until a lifecycle
  passes with the N-th never reached. Every failure must surface as -ENOMEM.
- random: `--rounds` lifecycles at each probability, with the test process and the
  serving SEH's threads marked make-it-fail (task-filter), so the SEH's side of the
  loopback fails too. A failure must surface as -ENOMEM, or as -EIO when the SEH's side
  failed and the enclave broke (docs/ioctl-semantics.md: an SEH that went away). An SEH
  that exits over a failed allocation of its own is started again.

It starts its own SEH (the module must be loaded with the loopback transport and no other
SEH attached), and every lifecycle's output is checked. After every lifecycle the
module's live.* gauges must return to 0. Prints
`VMTIER-DEBUG faultinject=<allocations failed>/<lifecycles> clean`, or what went wrong
(exit status 1).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from tests.vm.guest.keys import guest_key
from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.errors import VmplSgxError
from vmpl_sgx.image import ImageParams, layout_from_file
from vmpl_sgx.layout import Layout, load, sign
from vmpl_sgx.samples import SHA256_DIGEST, build_sample

DEVICE = "/dev/vmpl_sgx"
SEH_DEVICE = "/dev/vmpl_sgx_seh"
DEBUGFS = Path("/sys/kernel/debug")
STATS = DEBUGFS / "vmpl_sgx" / "stats"
ATTRS = ("failslab", "fail_page_alloc")
GAUGES = ("live.calls", "live.enclaves", "live.pages")
FAIL_NTH = Path("/proc/thread-self/fail-nth")
# The longest lifecycle has far fewer module allocations; a bound against a runaway loop.
MAX_NTH = 500
SETTLE_S = 30.0
# Never reached: `times` only serves to count the injected failures down.
TIMES = 1_000_000


def write(path: Path, value: str) -> None:
    path.write_text(value + "\n")


def module_text_span(name: str = "vmpl_sgx") -> Tuple[int, int]:
    """[start, end) around every text symbol of the module, from /proc/kallsyms (root)."""
    addresses = []
    for line in Path("/proc/kallsyms").read_text().splitlines():
        words = line.split()
        if len(words) >= 4 and words[3] == f"[{name}]" and words[1] in "tT":
            addresses.append(int(words[0], 16))
    if not addresses or max(addresses) == 0:
        raise SystemExit(f"faultinject: no text symbols of {name} in /proc/kallsyms")
    # The last function's size is unknown; module text is page-granular.
    return min(addresses), max(addresses) + 4096


def configure(span: Tuple[int, int], probability: int, task_filter: bool) -> None:
    for attr in ATTRS:
        base = DEBUGFS / attr
        settings: Dict[str, str] = {
            "probability": "0",  # off while the others change
            "interval": "1",
            "times": str(TIMES),
            "space": "0",
            "verbose": "0",  # the reports scan must not see a stack per injected failure
            "task-filter": "Y" if task_filter else "N",
            "stacktrace-depth": "32",
            "require-start": hex(span[0]),
            "require-end": hex(span[1]),
            "ignore-gfp-wait": "N",  # the module allocates with GFP_KERNEL
        }
        if attr == "fail_page_alloc":
            settings["ignore-gfp-highmem"] = "Y"  # user pages faulted in by copies
            settings["min-order"] = "0"
        for name, value in settings.items():
            write(base / name, value)
        write(base / "probability", str(probability))


def injected() -> int:
    """Failures injected since the last configure(): each one counts `times` down."""
    return sum(TIMES - int((DEBUGFS / attr / "times").read_text()) for attr in ATTRS)


def stats() -> Dict[str, int]:
    values = {}
    for line in STATS.read_text().splitlines():
        name, _, value = line.partition(" ")
        if value:
            values[name] = int(value)
    return values


def settle() -> Dict[str, int]:
    """{} once every live gauge is 0, else the ones still up after SETTLE_S."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        now = stats()
        left = {name: now[name] for name in GAUGES if now[name] != 0}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def set_make_it_fail(pids: Sequence[int], on: bool) -> None:
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):  # a thread that just ended
                write(task / "make-it-fail", "1" if on else "0")


class Seh:
    """`python -m vmpl_sgx.seh`, started again whenever it is found gone.

    It serves only while it holds the SEH device open. One that closed it (it stopped over
    an error) may take a while to exit under TCG: that one is waited for, up to
    EXIT_WAIT_S, before the next one starts, since the device takes one SEH at a time.
    """

    EXIT_WAIT_S = 60.0

    def __init__(self, log: Path) -> None:
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.problems: List[str] = []

    def attached(self) -> bool:
        """Whether the SEH process runs and holds the device."""
        if self.process is None or self.process.poll() is not None:
            return False
        return any(_is_seh_device(fd) for fd in _listdir(Path(f"/proc/{self.process.pid}/fd")))

    def ensure(self) -> int:
        if self.attached():
            assert self.process is not None
            return self.process.pid
        if self.process is not None:
            try:
                self.process.wait(timeout=self.EXIT_WAIT_S)
            except subprocess.TimeoutExpired:
                self.problems.append(
                    f"the SEH closed its device but still ran {self.EXIT_WAIT_S:.0f} s later: "
                    f"{_task_states(self.process.pid)}")
                self.process.kill()
                self.process.wait(timeout=60)
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "vmpl_sgx.seh"],
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        self.starts += 1
        deadline = time.monotonic() + 120
        while not self.attached():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"faultinject: the SEH did not attach (see {self.log})")
            time.sleep(0.1)
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)


def _listdir(path: Path) -> List[Path]:
    try:
        return list(path.iterdir())
    except OSError:
        return []


def _task_states(pid: int) -> str:
    """Each thread's state and wait channel, for a report."""
    states = []
    for task in _listdir(Path(f"/proc/{pid}/task")):
        try:
            state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
            wchan = (task / "wchan").read_text().strip() or "-"
        except OSError:
            continue
        states.append(f"{task.name}:{state}/{wchan}")
    return " ".join(states) or "(gone)"


def _is_seh_device(fd: Path) -> bool:
    try:
        return os.readlink(fd) == SEH_DEVICE
    except OSError:
        return False


def lifecycle(layout: Layout, sigstruct: bytes, data: bytes) -> None:
    """create, add pages, init, run, close; raises what the SDK raised."""
    enclave = Enclave(DeviceBackend(DEVICE))
    try:
        load(enclave, layout, sigstruct)
        app = EnclaveApp(enclave, layout)
        digest = app.ecall(SHA256_DIGEST, data)
        if digest != hashlib.sha256(data).digest():
            raise AssertionError(f"the enclave answered {digest.hex()} for {data!r}")
    finally:
        enclave.close()


class Tally:
    def __init__(self) -> None:
        self.lifecycles = 0
        self.failed_allocations = 0
        self.problems: List[str] = []

    def check(self, what: str, error: BaseException | None, allowed: Tuple[int, ...]) -> None:
        self.lifecycles += 1
        if isinstance(error, VmplSgxError):
            if error.errno not in allowed:
                name = errno.errorcode.get(error.errno, str(error.errno))
                self.problems.append(f"{what}: {name} ({error}), expected one of "
                                     f"{[errno.errorcode[e] for e in allowed]}")
        elif error is not None:
            self.problems.append(f"{what}: {type(error).__name__}: {error}")
        left = settle()
        if left:
            self.problems.append(f"{what}: gauges not back to 0 after close: {left}")


def every_nth(tally: Tally, layout: Layout, sigstruct: bytes) -> None:
    for nth in range(1, MAX_NTH + 1):
        write(FAIL_NTH, str(nth))
        error: BaseException | None = None
        try:
            lifecycle(layout, sigstruct, b"fail-nth")
        except Exception as exc:
            error = exc
        remaining = int(FAIL_NTH.read_text().strip() or "0")
        write(FAIL_NTH, "0")
        if remaining:  # the N-th allocation never came: every one has been failed once
            tally.check(f"fail-nth={nth} (not reached)", error, ())
            print(f"faultinject: one lifecycle makes {nth - 1} module allocations")
            return
        if error is None:
            # A failed allocation the module absorbed (it retried or had a fallback).
            tally.check(f"fail-nth={nth}", None, ())
        else:
            tally.check(f"fail-nth={nth}", error, (errno.ENOMEM,))
    tally.problems.append(f"fail-nth: more than {MAX_NTH} allocations in one lifecycle")
    tally.failed_allocations += injected()


def random_rounds(tally: Tally, layout: Layout, sigstruct: bytes, seh: Seh,
                  probabilities: Sequence[int], rounds: int, span: Tuple[int, int]) -> None:
    for probability in probabilities:
        failed = 0
        configure(span, 0, task_filter=True)
        for index in range(rounds):
            seh_pid = seh.ensure()
            before = stats()
            write(DEBUGFS / "failslab" / "probability", str(probability))
            write(DEBUGFS / "fail_page_alloc" / "probability", str(probability))
            set_make_it_fail([seh_pid], True)
            write(Path("/proc/self/make-it-fail"), "1")
            error: BaseException | None = None
            try:
                lifecycle(layout, sigstruct, f"round {index}".encode())
            except Exception as exc:
                error = exc
            finally:
                write(Path("/proc/self/make-it-fail"), "0")
                with contextlib.suppress(OSError):  # the SEH may have exited
                    set_make_it_fail([seh_pid], False)
                write(DEBUGFS / "failslab" / "probability", "0")
                write(DEBUGFS / "fail_page_alloc" / "probability", "0")
            # The SEH's side failed for good: the enclave broke, or the SEH stopped over
            # one of its own allocations (then CREATE has no enclave to break).
            seh_broke = (stats()["enclaves.broken"] > before["enclaves.broken"]
                         or not seh.attached())
            allowed = (errno.ENOMEM, errno.EIO) if seh_broke else (errno.ENOMEM,)
            if error is not None:
                failed += 1
            tally.check(f"p={probability}% round {index}", error, allowed)
        count = injected()
        tally.failed_allocations += count
        print(f"faultinject: p={probability}%: {count} allocations failed, {failed} of "
              f"{rounds} lifecycles failed")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.vm.faultinject")
    parser.add_argument("--seh-log", type=Path, default=Path("/tmp/faultinject-seh.log"))
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--probabilities", default="5,20,50")
    args = parser.parse_args(argv)
    for attr in ATTRS:
        if not (DEBUGFS / attr / "require-start").is_file():
            print(f"faultinject: {DEBUGFS / attr} lacks the stack filter: not a debug kernel")
            return 1
    span = module_text_span()
    with tempfile.TemporaryDirectory(prefix="vmpl-sgx-faultinject-") as directory:
        layout = layout_from_file(build_sample("sha256", Path(directory) / "sha256.elf"),
                                  ImageParams())
    sigstruct = sign(layout, guest_key())
    seh = Seh(args.seh_log)
    tally = Tally()
    try:
        seh.ensure()
        lifecycle(layout, sigstruct, b"warm-up")  # must pass with nothing injected
        configure(span, 0, task_filter=False)
        every_nth(tally, layout, sigstruct)
        probabilities = [int(p) for p in args.probabilities.split(",") if p]
        random_rounds(tally, layout, sigstruct, seh, probabilities, args.rounds, span)
    finally:
        configure(span, 0, task_filter=False)
        seh.stop()
    print(f"faultinject: the SEH was started {seh.starts} time(s)")
    tally.problems += seh.problems
    for problem in tally.problems:
        print(f"faultinject: {problem}")
    verdict = "clean" if not tally.problems else f"FAILED ({len(tally.problems)} problems)"
    print(f"VMTIER-DEBUG faultinject={tally.failed_allocations}/{tally.lifecycles} {verdict}")
    return 0 if not tally.problems else 1


if __name__ == "__main__":
    sys.exit(main())
