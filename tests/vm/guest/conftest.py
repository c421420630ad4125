"""Fixtures of the device-only guest tests: SEH processes, debugfs gauges, module parameters.

These tests run inside the test guest as root, with vmpl_sgx.ko loaded with
transport=loopback and no SEH attached: each test starts (and stops) its own SEH, the
`main()` of `python -m vmpl_sgx.seh` with that command line, in a process forked from
pytest. A fresh interpreter costs 3 to 7 s under TCG (interpreter start and imports over
9p) and these tests start 40 of them; a fork costs a fraction of a second. The
`python -m vmpl_sgx.seh` entry point itself is what tests/vm/guest_tests.sh starts for
the conformance suite and the demo. Without /dev/vmpl_sgx_seh the tests are all skipped.
"""

from __future__ import annotations

import contextlib
import errno
import faulthandler
import gc
import io
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

import pytest

from tests.conformance import raw
from tests.vm.guest.keys import guest_key
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.errors import VmplSgxError
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import build_sample
from vmpl_sgx.seh.__main__ import main as seh_main

DEVICE = "/dev/vmpl_sgx"
SEH_DEVICE = "/dev/vmpl_sgx_seh"
DEBUGFS = "/sys/kernel/debug"
STATS = DEBUGFS + "/vmpl_sgx/stats"
PARAMS = "/sys/module/vmpl_sgx/parameters"
SKIP_REASON = (
    f"device-only guest tests: {SEH_DEVICE} is absent (they run inside the test guest "
    "with vmpl_sgx.ko loaded with transport=loopback; see tests/vm/guest_tests.sh)"
)
HAVE_DEVICE = os.path.exists(SEH_DEVICE) and os.path.exists(DEVICE)
SETTLE = 20.0
"""Seconds the gauges get to return to 0 after a test."""


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    if HAVE_DEVICE:
        return
    here = Path(__file__).resolve().parent
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


# ---- debugfs and module parameters


def ensure_debugfs() -> None:
    if not os.path.exists(STATS):
        subprocess.run(["mount", "-t", "debugfs", "none", DEBUGFS], check=False)


def stats() -> Dict[str, int]:
    ensure_debugfs()
    values = {}
    with open(STATS) as stream:
        for line in stream:
            name, _, value = line.strip().partition(" ")
            if value:
                values[name] = int(value)
    return values


def wait_gauges(
    names: Tuple[str, ...] = ("live.calls", "live.enclaves", "live.pages"),
    timeout: float = SETTLE,
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        now = stats()
        left = {name: now[name] for name in names if now[name] != 0}
        if not left:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"gauges did not return to 0 within {timeout}s: {left}")
        time.sleep(0.1)


def param(name: str) -> str:
    return Path(PARAMS, name).read_text().strip()


def set_param(name: str, value: str) -> None:
    Path(PARAMS, name).write_text(value)


# ---- SEH processes


def _holds_seh_device(pid: int) -> bool:
    try:
        entries = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for entry in entries:
        try:
            if os.readlink(f"/proc/{pid}/fd/{entry}") == SEH_DEVICE:
                return True
        except OSError:
            continue
    return False


def get_info_works() -> bool:
    try:
        handle = DeviceBackend(DEVICE)
    except VmplSgxError:
        return False
    try:
        raw.get_info(handle)
        return True
    except VmplSgxError:
        return False
    finally:
        handle.close()


class ForkedProcess:
    """A process forked from this one that runs `main(argv)` of `python -m vmpl_sgx.seh`
    and exits with its status; the part of subprocess.Popen the tests use."""

    def __init__(self, argv: List[str], log_fd: int) -> None:
        gc.collect()  # no garbage left for the child to collect (see _child)
        pid = os.fork()
        if pid == 0:
            _child(argv, log_fd)  # never returns
        self.pid = pid
        self.args = ["python", "-m", "vmpl_sgx.seh", *argv]
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
            time.sleep(0.01)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _child(argv: List[str], log_fd: int) -> None:
    """The forked SEH: pytest's state out of the way, then the SEH's main(); os._exit()."""
    status = 1
    try:
        # Nothing of pytest's runs here again: its objects are never collected (so none
        # closes a descriptor number the SEH reuses), its fault handler and log handlers
        # are off, and the descriptors it had open are closed, as after an exec.
        gc.freeze()
        faulthandler.disable()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
            signal.signal(sig, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
        sys.stderr = io.TextIOWrapper(
            io.FileIO(2, "w", closefd=False), errors="backslashreplace", write_through=True
        )
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        root.setLevel(logging.WARNING)
        status = seh_main(argv)
    except SystemExit as done:
        status = done.code if isinstance(done.code, int) else int(done.code is not None)
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(status)


class Seh:
    """One SEH process (see the module's description)."""

    def __init__(self, fault: str | None, extra: Tuple[str, ...], log_dir: Path) -> None:
        argv = []
        if fault:
            argv += ["--fault", fault]
        argv += list(extra)
        self.fault = fault
        self.log_path = log_dir / f"seh-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (lives as long as the process)
        self.process = ForkedProcess(argv, self._log.fileno())

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_attached(self, timeout: float = 60.0) -> None:
        """Until the process holds the SEH device open (it may not answer anything yet)."""
        deadline = time.monotonic() + timeout
        while not _holds_seh_device(self.pid):
            if self.process.poll() is not None:
                pytest.fail(f"the SEH exited with {self.process.returncode}: {self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the SEH did not open {SEH_DEVICE} within {timeout}s")
            time.sleep(0.05)

    def wait_serving(self, timeout: float = 60.0) -> None:
        """Until GET_INFO (and so the session's QUERY) works."""
        self.wait_attached(timeout)
        deadline = time.monotonic() + timeout
        while not get_info_works():
            if self.process.poll() is not None:
                pytest.fail(f"the SEH exited with {self.process.returncode}: {self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"GET_INFO did not work within {timeout}s")
            time.sleep(0.1)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self._log.close()

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-2000:]


SehStarter = Callable[..., Seh]


@pytest.fixture(scope="session")
def seh_logs() -> Iterator[Path]:
    results = os.environ.get("VMPL_SGX_VM_RESULTS")
    if results and os.path.isdir(results):
        path = Path(results, "guest-seh")
        path.mkdir(exist_ok=True)
        yield path
    else:
        path = Path(tempfile.mkdtemp(prefix="vmpl-sgx-seh-"))
        yield path
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(autouse=True)
def gauges_settle() -> Iterator[None]:
    """Every test leaves live.calls, live.enclaves and live.pages at 0 (with no SEH running)."""
    if not HAVE_DEVICE:
        pytest.skip(SKIP_REASON)
    yield
    wait_gauges()


@pytest.fixture
def start_seh(seh_logs: Path) -> Iterator[SehStarter]:
    """start_seh(fault=None, *extra, wait=True): an SEH process, stopped after the test.

    The previous SEH of the test must be gone first (the device takes one at a time).
    """
    started: List[Seh] = []

    def start(fault: str | None = None, *extra: str, wait: bool = True) -> Seh:
        for old in started:
            try:  # one that died on purpose may still be on its way out
                old.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                raise AssertionError("an SEH of this test is still running") from None
        seh = Seh(fault, extra, seh_logs)
        started.append(seh)
        if wait:
            seh.wait_serving()
        else:
            seh.wait_attached()
        return seh

    yield start
    for seh in started:
        seh.stop()
    # With the SEH gone nothing can be in flight any more.
    wait_gauges(("live.calls",))


@pytest.fixture
def seh(start_seh: SehStarter) -> Seh:
    """A healthy SEH, serving."""
    return start_seh()


@pytest.fixture
def faulty_seh(start_seh: SehStarter) -> Callable[[str], Seh]:
    """faulty_seh(fault): an SEH started with --fault fault, serving GET_INFO."""
    return start_seh


@pytest.fixture
def restore_params() -> Iterator[None]:
    names = ("seh_timeout_ms", "seh_retries")
    saved = {name: param(name) for name in names}
    yield
    for name, value in saved.items():
        set_param(name, value)


@pytest.fixture(scope="session")
def key() -> RsaPrivateKey:
    return guest_key()


SampleImage = Callable[[str], Path]


@pytest.fixture(scope="session")
def sample_image() -> Iterator[SampleImage]:
    """The image of sample `name`, built once per session where unprivileged children can
    read it too."""
    directory = Path(tempfile.mkdtemp(prefix="vmpl-sgx-guest-"))
    directory.chmod(0o755)
    built: Dict[str, Path] = {}

    def image(name: str) -> Path:
        if name not in built:
            built[name] = build_sample(name, directory / f"{name}.elf")
            built[name].chmod(0o755)
        return built[name]

    yield image
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def sha256_image(sample_image: SampleImage) -> Path:
    return sample_image("sha256")


def errno_name(number: int) -> str:
    return errno.errorcode.get(number, str(number))
