"""The module against a misbehaving SEH: killed, wrong answers, no answers, and signals,
closes and load in the middle of calls. Device only (see conftest.py)."""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import signal
import threading
import time
import traceback
from pathlib import Path
from typing import Callable, List

import pytest

from tests.conformance import raw
from tests.conformance.memory import READ, RW, Mapping
from tests.vm.guest.conftest import (
    DEVICE,
    Seh,
    SehStarter,
    errno_name,
    param,
    set_param,
    stats,
)
from tests.vm.guest.device_calls import (
    HOLD,
    RawRun,
    alarm,
    big_layout,
    fresh_enclave_works,
    load_on_device,
    signal_in_flight,
    wait_in_flight,
)
from vmpl_sgx import _abi
from vmpl_sgx._abi import PAGE_SIZE, SEH_RESULT_ERRNO, EnclaveRun, SehResult
from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.errors import EntryParkedError
from vmpl_sgx.image import ImageParams, layout_from_file
from vmpl_sgx.layout import Layout, build_secs, load, sample_layout, sign
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import SHA256_DIGEST

SIGSTRUCT_SIZE = 1808
PROMPT = 1.5
"""Seconds a call may take to fail once its SEH is gone."""

# A delay:<ms> SEH holds every call that long, the session's QUERY (GET_INFO's probe) and
# every call that loads an enclave included, so each test's delay is only as long as the
# window it needs; an SEH call itself takes milliseconds under TCG.
KILL_DELAY_MS = 1000
"""test_seh_killed_mid_call: the SEH is killed 0.3 s into a call it holds this long."""
TIMEOUT_MS = 500
"""seh_timeout_ms for the timeout tests (the module's default is 30000)."""
LATE_DELAY_MS = 1500
"""test_seh_answers_too_late: the answer comes this long after the call, 1 s after
TIMEOUT_MS ran out; a call that waits for it instead of timing out is told apart."""


# ---- helpers


class Worker(threading.Thread):
    """Runs `call` (returning an errno or 0) and notes when it returned."""

    def __init__(self, call: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.result: object = None
        self.error: str | None = None
        self.finished = 0.0

    def run(self) -> None:
        try:
            self.result = self.call()
        except BaseException:  # reported by the test
            self.error = traceback.format_exc()
        self.finished = time.monotonic()

    def describe(self) -> str:
        """The result as an errno name, for assertion messages."""
        return errno_name(self.result) if isinstance(self.result, int) else repr(self.result)


def wait_late_answer_refused(seh: Seh, timeout: float = 30.0) -> None:
    """Until the SEH logs that the module refused an answer (one to a call that timed out)."""
    deadline = time.monotonic() + timeout
    while "the device refused an answer" not in seh.log_path.read_text(errors="replace"):
        assert seh.process.poll() is None, f"the SEH exited: {seh.log()}"
        assert time.monotonic() < deadline, f"no late answer refused in {timeout}s: {seh.log()}"
        time.sleep(0.05)


# ---- the SEH killed in the middle of a call


@pytest.mark.parametrize("call", ["add_pages", "init"])
def test_seh_killed_mid_call(start_seh: SehStarter, key: RsaPrivateKey, call: str) -> None:
    seh = start_seh(f"delay:{KILL_DELAY_MS}")
    handle = DeviceBackend(DEVICE)
    try:
        with raw.kept() as keep:
            raw.create(handle, keep, build_secs(sample_layout()))

            def add() -> int:
                return raw.add_data(handle, keep, 0x2000, bytes(PAGE_SIZE))[0]

            def init() -> int:
                return raw.errno_of(lambda: raw.init(handle, keep, bytes(SIGSTRUCT_SIZE)))

            worker = Worker(add if call == "add_pages" else init)
            worker.start()
            wait_in_flight()
            time.sleep(0.3)
            killed = time.monotonic()
            seh.kill(signal.SIGKILL)
            worker.join(30)
            assert not worker.is_alive(), f"{call} still waits after the SEH died"
            assert worker.error is None, worker.error
            assert worker.result == errno.EIO, worker.describe()
            assert worker.finished - killed < PROMPT, "the call did not fail promptly"
            # Broken from now on, whatever the call.
            assert raw.add_data(handle, keep, 0x3000, bytes(PAGE_SIZE))[0] == errno.EIO
            assert raw.errno_of(lambda: raw.init(handle, keep, bytes(SIGSTRUCT_SIZE))) == errno.EIO
            assert raw.errno_of(
                lambda: raw.create(handle, keep, build_secs(sample_layout()))
            ) == errno.EIO
    finally:
        handle.close()
    start_seh()
    fresh_enclave_works(key)


def test_seh_killed_before_answering_create(start_seh: SehStarter, key: RsaPrivateKey) -> None:
    """die-after: the SEH reads CREATE and exits without answering."""
    start_seh("die-after:2")  # QUERY_PROTOCOL and QUERY (GET_INFO's probe) are its answers
    handle = DeviceBackend(DEVICE)
    try:
        with raw.kept() as keep:
            secs = build_secs(sample_layout())
            assert raw.errno_of(lambda: raw.create(handle, keep, secs)) == errno.EIO
            assert raw.errno_of(lambda: raw.create(handle, keep, secs)) == errno.EIO
    finally:
        handle.close()
    start_seh()
    fresh_enclave_works(key)


# ---- every result code the protocol has


FAILURES = [result for result in SehResult if result is not SehResult.SUCCESS]


def _fault_name(result: SehResult) -> str:
    return result.name.lower().replace("_", "-")


@pytest.mark.parametrize("result", FAILURES, ids=_fault_name)
def test_seh_result_code(
    start_seh: SehStarter, restore_params: None, result: SehResult
) -> None:
    set_param("seh_retries", "5")
    retries = int(param("seh_retries"))
    start_seh(f"result:{_fault_name(result)}")
    handle = DeviceBackend(DEVICE)
    try:
        with raw.kept() as keep:
            before = stats()
            number = raw.errno_of(lambda: raw.create(handle, keep, build_secs(sample_layout())))
            after = stats()
            expected = SEH_RESULT_ERRNO[result]
            assert number == expected, f"{errno_name(number)}, not {errno_name(expected)}"
            repeated = after["seh.retries"] - before["seh.retries"]
            made = after["calls.create"] - before["calls.create"]
            if result in _abi.SEH_RESULT_RETRY:
                assert (repeated, made) == (retries, retries + 1)
            else:
                assert (repeated, made) == (0, 1)
            # GET_INFO is answered from the session's QUERY, which the fault leaves alone.
            assert raw.get_info(handle).max_pages_per_call >= 1
    finally:
        handle.close()


# ---- an SEH that never answers, or too late


def test_seh_never_answers(start_seh: SehStarter, restore_params: None) -> None:
    """hang leaves even the session's QUERY_PROTOCOL unanswered: the first call times out after
    seh_timeout_ms, the session is unusable and its calls fail with EIO (seh.c: "QUERY
    failed (-110); its calls fail with -EIO"), promptly from then on."""
    set_param("seh_timeout_ms", str(TIMEOUT_MS))
    timeout = TIMEOUT_MS / 1000
    start_seh("hang", wait=False)
    handle = DeviceBackend(DEVICE)
    try:
        with raw.kept() as keep:
            secs = build_secs(sample_layout())
            before = stats()
            started = time.monotonic()
            number = raw.errno_of(lambda: raw.create(handle, keep, secs))
            elapsed = time.monotonic() - started
            assert number == errno.EIO, errno_name(number)
            assert 0.9 * timeout <= elapsed < 10, f"failed after {elapsed:.2f}s, not {timeout}s"
            assert stats()["seh.timeouts"] == before["seh.timeouts"] + 1
            started = time.monotonic()
            assert raw.errno_of(lambda: raw.create(handle, keep, secs)) == errno.EIO
            # Never created, so not broken: the state check answers first (EINVAL).
            assert raw.add_data(handle, keep, 0, bytes(PAGE_SIZE))[0] == errno.EINVAL
            assert time.monotonic() - started < PROMPT, "a failed session waited again"
    finally:
        handle.close()


@pytest.mark.parametrize("call", ["create", "add_pages", "init"])
def test_seh_answers_too_late(start_seh: SehStarter, restore_params: None, call: str) -> None:
    """QUERY answered in time, then a call outlives seh_timeout_ms: ETIMEDOUT, the enclave
    is broken (EIO, at once), and the late answer is refused without harm."""
    seh = start_seh(f"delay:{LATE_DELAY_MS}")  # GET_INFO's QUERY within the default timeout
    timeout, late = TIMEOUT_MS / 1000, LATE_DELAY_MS / 1000
    handle = DeviceBackend(DEVICE)
    try:
        with raw.kept() as keep:
            secs = build_secs(sample_layout())
            if call != "create":
                raw.create(handle, keep, secs)
            set_param("seh_timeout_ms", str(TIMEOUT_MS))
            before = stats()
            started = time.monotonic()
            if call == "create":
                number = raw.errno_of(lambda: raw.create(handle, keep, secs))
            elif call == "add_pages":
                number = raw.add_data(handle, keep, 0x2000, bytes(PAGE_SIZE))[0]
            else:
                number = raw.errno_of(lambda: raw.init(handle, keep, bytes(SIGSTRUCT_SIZE)))
            elapsed = time.monotonic() - started
            assert number == errno.ETIMEDOUT, errno_name(number)
            assert 0.9 * timeout <= elapsed < late - 0.1, (
                f"timed out after {elapsed:.2f}s, not {timeout}s"
            )
            assert stats()["seh.timeouts"] == before["seh.timeouts"] + 1
            started = time.monotonic()
            assert raw.add_data(handle, keep, 0x3000, bytes(PAGE_SIZE))[0] == errno.EIO
            assert raw.errno_of(lambda: raw.init(handle, keep, bytes(SIGSTRUCT_SIZE))) == errno.EIO
            assert time.monotonic() - started < PROMPT, "a broken enclave waited for the SEH"
    finally:
        handle.close()
    wait_late_answer_refused(seh)
    assert seh.process.poll() is None, f"the SEH did not survive a refused answer: {seh.log()}"


# ---- signals


def test_signals_during_add_pages(start_seh: SehStarter, key: RsaPrivateKey) -> None:
    start_seh("delay:250")
    handle = DeviceBackend(DEVICE)
    per_call = raw.get_info(handle).max_pages_per_call
    pages = per_call * 8
    layout = big_layout(pages)
    data = layout.regions[0].data
    source = Mapping(pages, data)
    interrupted = partial = calls = 0
    try:
        with raw.kept() as keep:
            raw.create(handle, keep, build_secs(layout))
            flags = raw.secinfo(keep, raw.REG_RW)
            before = stats()
            done = 0
            with alarm(0.1, 0.1) as fired:
                while done < len(data) and calls < 10 * pages:
                    calls += 1
                    number, count = raw.add_pages_raw(
                        handle,
                        src=source.address + done,
                        offset=done,
                        length=len(data) - done,
                        secinfo=flags,
                    )
                    assert number in (0, errno.EINTR), errno_name(number)
                    assert count != raw.UNTOUCHED and count % (per_call * PAGE_SIZE) == 0, count
                    if number == errno.EINTR:
                        assert count == 0, "EINTR after pages were added"
                        interrupted += 1
                    elif done + count < len(data):
                        partial += 1
                    done += count
            assert fired, "SIGALRM never fired"
            assert done == len(data)
            assert partial + interrupted >= 1, "no ADD_PAGES call was cut short"
            added = stats()["pages.added"] - before["pages.added"]
            assert added == pages, f"the module added {added} pages, the caller counted {pages}"
            # The enclave holds its bounce pages until it is released (then 0: gauges_settle).
            assert stats()["live.pages"] > 0, "live.pages does not count the bounce pages"
            # The SEH measured exactly these pages in this order, or INIT would refuse.
            raw.init(handle, keep, sign(layout, key))
    finally:
        source.close()
        handle.close()
    print(f"ADD_PAGES: {calls} calls, {partial} partial, {interrupted} EINTR")


def test_signal_during_run_parks_the_entry(
    start_seh: SehStarter, key: RsaPrivateKey, sha256_image: Path
) -> None:
    start_seh(HOLD)
    app = load_on_device(sha256_image, key)
    backend = app.enclave.backend
    assert isinstance(backend, DeviceBackend)
    try:
        first, second = b"the interrupted input", b"another input"
        before = stats()
        call = RawRun(app, SHA256_DIGEST, first)
        with signal_in_flight() as fired:
            number = call.errno(backend)
        assert fired and number == errno.EINTR, errno_name(number)
        # Another RUN on that TCS never receives the parked entry's result.
        other = RawRun(app, SHA256_DIGEST, second)
        number = other.errno(backend)
        assert number == errno.EALREADY, errno_name(number)
        assert other.output_bytes() == b""
        # The same RUN resumes the entry and receives its result.
        number = call.errno(backend)
        assert number == 0, errno_name(number)
        assert call.output_bytes() == hashlib.sha256(first).digest()
        after = stats()
        assert after["run.interrupted"] - before["run.interrupted"] == 1
        assert after["run.collected"] - before["run.collected"] == 1
        # The SDK resumes an interrupted RUN by itself (the same RUN again).
        with alarm(0.2, 0.3):
            assert app.ecall(SHA256_DIGEST, second) == hashlib.sha256(second).digest()
        assert app.ecall(SHA256_DIGEST, b"") == hashlib.sha256(b"").digest()
    finally:
        app.close()


def test_sdk_never_returns_an_interrupted_ecalls_output(
    start_seh: SehStarter, key: RsaPrivateKey, sha256_image: Path
) -> None:
    """Ctrl-C in a long ecall, then a different ecall: the old output never comes back."""
    start_seh(HOLD)
    app = load_on_device(sha256_image, key)
    try:
        before = stats()["run.interrupted"]
        with signal_in_flight(signal.default_int_handler), pytest.raises(KeyboardInterrupt):
            app.ecall(SHA256_DIGEST, b"interrupted")
        assert stats()["run.interrupted"] > before, "the signal came before the RUN"
        try:
            output = app.ecall(SHA256_DIGEST, b"the next call")
        except EntryParkedError:
            pass
        else:
            assert output == hashlib.sha256(b"the next call").digest(), "an old result"
    finally:
        app.close()


def test_failed_copy_out_parks_the_exit(
    start_seh: SehStarter, key: RsaPrivateKey, sha256_image: Path
) -> None:
    """The output turns read-only while the SEH holds the entry: EFAULT, and the exit is
    parked, not dropped; the same RUN with the output writable again receives it."""
    start_seh(HOLD)
    app = load_on_device(sha256_image, key)
    backend = app.enclave.backend
    assert isinstance(backend, DeviceBackend)
    output = Mapping(max(1, -(-app.output_capacity // PAGE_SIZE)))
    try:
        call = RawRun(app, SHA256_DIGEST, b"parked exit")
        run = EnclaveRun.from_buffer(call.buffer)
        run.output = output.address
        before = stats()
        worker = Worker(lambda: call.errno(backend))
        worker.start()
        wait_in_flight()
        output.protect(READ)
        worker.join(30)
        assert not worker.is_alive() and worker.error is None, worker.error
        assert worker.result == errno.EFAULT, worker.describe()
        output.protect(RW)
        other = RawRun(app, SHA256_DIGEST, b"another input")
        assert other.errno(backend) == errno.EALREADY
        number = call.errno(backend)
        assert number == 0, errno_name(number)
        done = EnclaveRun.from_buffer(call.buffer)
        assert output.read(0, done.output_len) == hashlib.sha256(b"parked exit").digest()
        assert stats()["run.collected"] - before["run.collected"] == 1
    finally:
        app.close()
        output.close()


def test_close_during_run(start_seh: SehStarter, key: RsaPrivateKey, sha256_image: Path) -> None:
    start_seh(HOLD)  # the RUN is still held when its fd is closed 0.2 s into it
    app = load_on_device(sha256_image, key)
    backend = app.enclave.backend
    assert isinstance(backend, DeviceBackend)
    data = b"closed under its feet"
    call = RawRun(app, SHA256_DIGEST, data)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong]
    holder = (ctypes.c_char * len(call.buffer)).from_buffer(call.buffer)
    address = ctypes.addressof(holder)
    fd = backend.fileno()

    def run() -> int:
        if libc.ioctl(fd, _abi.IOC_ENCLAVE_RUN, address) < 0:
            return ctypes.get_errno()
        return 0

    worker = Worker(run)
    try:
        worker.start()
        wait_in_flight()
        time.sleep(0.2)
        app.close()  # close() of the fd while the RUN is inside the module
        worker.join(60)
        assert not worker.is_alive(), "RUN hangs after its fd was closed"
        assert worker.error is None, worker.error
        # The RUN holds its own reference to the file: it completes normally.
        assert worker.result == 0, worker.describe()
        assert call.output_bytes() == hashlib.sha256(data).digest()
    finally:
        worker.join(60)
        app.close()
    # The SEH serves on.
    with Enclave(DeviceBackend(DEVICE)) as enclave:
        assert enclave.info().max_pages_per_call >= 1


# ---- load: many processes, each with several threads


PROCESSES = 8
ENCLAVES = 4


def _child(image: Path, layout: Layout, sigstruct: bytes) -> None:
    failures: List[str] = []

    def lifecycle(index: int) -> None:
        try:
            enclave = Enclave(DeviceBackend(DEVICE))
            load(enclave, layout, sigstruct)
            with EnclaveApp(enclave, layout) as app:
                for size in (0, 3, 4096 + index):
                    data = bytes((os.getpid() + index + n) % 256 for n in range(size))
                    digest = app.ecall(SHA256_DIGEST, data)
                    if digest != hashlib.sha256(data).digest():
                        failures.append(f"enclave {index}: wrong digest for {size} bytes")
        except BaseException:
            failures.append(f"enclave {index}: {traceback.format_exc()}")

    threads = [threading.Thread(target=lifecycle, args=(i,)) for i in range(ENCLAVES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise AssertionError("\n".join(failures))


def test_many_processes_and_threads(
    seh: object, key: RsaPrivateKey, sha256_image: Path, tmp_path: Path
) -> None:
    layout = layout_from_file(sha256_image, ImageParams())
    sigstruct = sign(layout, key)
    before = stats()
    children = {}
    for index in range(PROCESSES):
        report = tmp_path / f"child-{index}.txt"
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                _child(sha256_image, layout, sigstruct)
            except BaseException:
                report.write_text(traceback.format_exc())
                status = 1
            finally:
                os._exit(status)
        children[pid] = report
    deadline = time.monotonic() + 600
    failures = []
    while children:
        for pid, report in list(children.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                del children[pid]
                if status != 0:
                    text = report.read_text() if report.exists() else "no report"
                    failures.append(f"child {pid}: status {status}: {text}")
        if time.monotonic() > deadline:
            for pid in children:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            failures.append(f"{len(children)} children still running after 600s")
            break
        time.sleep(0.1)
    assert not failures, "\n".join(failures)
    after = stats()
    created = after["enclaves.created"] - before["enclaves.created"]
    assert created == PROCESSES * ENCLAVES
