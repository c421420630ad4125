"""The common SVSM calling path's decisions, fed every case through the emulated VMPL0
gate: the GHCB MSR clobbered after the exit (an NMI), a call never delivered, a refused
Run-VMPL0, INCOMPLETE in the middle of an ADD_PAGES batch, and a thread moved to another
CPU between slices. No enclave may be broken where the outcome is known. Device only."""

from __future__ import annotations

import errno
import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Dict, Iterator

import pytest

from tests.conformance import raw
from tests.vm.guest.conftest import DEVICE, SehStarter, errno_name, param, set_param, stats
from tests.vm.guest.device_calls import (
    HOLD,
    big_layout,
    fresh_enclave_works,
    load_on_device,
    wait_in_flight,
)
from vmpl_sgx._abi import PAGE_SIZE
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.layout import build_secs, load, sample_layout, sign
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import SHA256_DIGEST

GATE_PARAMS = ("emul_refuse_runs", "emul_drop_runs", "emul_clobber_ghcb", "seh_retries")


@pytest.fixture(autouse=True)
def gate_params() -> Iterator[None]:
    saved = {name: param(name) for name in GATE_PARAMS}
    yield
    for name, value in saved.items():
        set_param(name, value)


def negotiate() -> None:
    """The session's QUERY (GET_INFO's probe), so that injected faults meet other calls."""
    handle = DeviceBackend(DEVICE)
    try:
        raw.get_info(handle)
    finally:
        handle.close()


def delta(before: Dict[str, int], after: Dict[str, int], name: str) -> int:
    return after[name] - before[name]


def test_ghcb_clobbered_after_the_exit(start_seh: SehStarter, key: RsaPrivateKey) -> None:
    """call_pending 0 decides: an answer stays valid whatever the GHCB MSR reads."""
    start_seh()
    negotiate()
    set_param("emul_clobber_ghcb", "1000")
    before = stats()
    fresh_enclave_works(key)
    after = stats()
    clobbered = 1000 - int(param("emul_clobber_ghcb"))
    assert clobbered >= 3, "CREATE, ADD_PAGES and INIT saw no clobbered GHCB MSR"
    for name in ("seh.malformed", "seh.lost", "enclaves.broken", "seh.retries"):
        assert delta(before, after, name) == 0, name


def test_call_never_delivered_is_issued_again(
    start_seh: SehStarter, key: RsaPrivateKey
) -> None:
    """call_pending still 1: the call never reached the SEH; it goes again, nothing breaks."""
    start_seh()
    negotiate()
    set_param("emul_drop_runs", "5")
    before = stats()
    fresh_enclave_works(key)
    after = stats()
    assert param("emul_drop_runs") == "0"
    assert delta(before, after, "calls.create") == 1, "a re-issued slice counted as a call"
    for name in ("seh.malformed", "seh.lost", "enclaves.broken", "seh.retries"):
        assert delta(before, after, name) == 0, name


def test_refused_run_vmpl(start_seh: SehStarter, key: RsaPrivateKey) -> None:
    """A refused Run-VMPL0 is repeated up to seh_retries times; beyond that the call fails
    with EIO, and as the SEH never saw it the enclave is not broken."""
    start_seh()
    set_param("seh_retries", "3")
    handle = DeviceBackend(DEVICE)
    try:
        raw.get_info(handle)
        with raw.kept() as keep:
            secs = build_secs(sample_layout())
            set_param("emul_refuse_runs", "2")
            before = stats()
            raw.create(handle, keep, secs)
            after = stats()
            assert delta(before, after, "seh.refused") == 2
            handle.close()
            handle = DeviceBackend(DEVICE)
            set_param("emul_refuse_runs", "4")
            before = stats()
            number = raw.errno_of(lambda: raw.create(handle, keep, secs))
            after = stats()
            assert number == errno.EIO, errno_name(number)
            assert delta(before, after, "seh.refused") == 4
            assert delta(before, after, "enclaves.broken") == 0
            # Nothing happened at VMPL0: the same enclave can still be created.
            raw.create(handle, keep, secs)
    finally:
        handle.close()
    fresh_enclave_works(key)


def test_incomplete_mid_add_pages_keeps_progress(
    start_seh: SehStarter, key: RsaPrivateKey
) -> None:
    """INCOMPLETE with done pages: the module sends only the rest (the continuation),
    the count is exact, no page is added twice, and the measurement comes out right."""
    start_seh("incomplete-after:3")
    handle = DeviceBackend(DEVICE)
    try:
        assert raw.get_info(handle).max_pages_per_call >= 8
        with raw.kept() as keep:
            raw.create(handle, keep, build_secs(sample_layout()))
            data = b"".join(bytes([page]) * PAGE_SIZE for page in range(8))
            before = stats()
            number, count = raw.add_data(handle, keep, 0x2000, data)
            after = stats()
            assert (number, count) == (0, len(data)), errno_name(number)
            # 8 pages, 3 per slice: 3 + 3 (INCOMPLETE each) + 2.
            assert delta(before, after, "calls.add-pages") == 3
            assert delta(before, after, "results.incomplete") == 2
            assert delta(before, after, "seh.continued") == 2
            assert delta(before, after, "results.page-exists") == 0
            assert delta(before, after, "pages.added") == 8
            assert delta(before, after, "enclaves.broken") == 0
    finally:
        handle.close()
    # A whole load through continuations: EINIT checks the measurement.
    layout = big_layout(8)
    with Enclave(DeviceBackend(DEVICE)) as enclave:
        load(enclave, layout, sign(layout, key))


def test_thread_moved_between_slices(
    start_seh: SehStarter, key: RsaPrivateKey, sha256_image: Path
) -> None:
    """Nothing waits in one CPU's Calling Area: a RUN whose thread moves to another CPU
    while the SEH holds the call completes with its own result."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.fail(f"the guest has {len(cpus)} CPU; the tier boots 2")
    start_seh(HOLD)
    app = load_on_device(sha256_image, key)
    try:
        result: Dict[str, object] = {}
        tids: list[int] = []
        ready = threading.Event()

        def run() -> None:
            tids.append(threading.get_native_id())
            os.sched_setaffinity(0, {cpus[0]})
            ready.set()
            result["out"] = app.ecall(SHA256_DIGEST, b"moved")
            result["cpu"] = os.sched_getaffinity(0)

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        assert ready.wait(30)
        wait_in_flight()
        time.sleep(0.15)
        os.sched_setaffinity(tids[0], {cpus[1]})
        worker.join(60)
        assert not worker.is_alive(), "the RUN did not finish"
        assert result["out"] == hashlib.sha256(b"moved").digest()
        assert result["cpu"] == {cpus[1]}
    finally:
        app.close()


def test_seh_gone_counts_lost_and_broken(start_seh: SehStarter) -> None:
    """The end of a session counts in seh.lost and breaks (and counts) its enclaves."""
    seh = start_seh()
    handle = DeviceBackend(DEVICE)
    try:
        with raw.kept() as keep:
            raw.create(handle, keep, build_secs(sample_layout()))
            before = stats()
            seh.stop()
            after = stats()
            assert delta(before, after, "seh.lost") == 1
            assert delta(before, after, "enclaves.broken") == 1
            assert raw.add_data(handle, keep, 0x2000, bytes(PAGE_SIZE))[0] == errno.EIO
            assert delta(after, stats(), "enclaves.broken") == 0, "counted twice"
    finally:
        handle.close()
