"""The busy rule: CREATE, ADD_PAGES and INIT on one enclave are serialized; a second one that
arrives meanwhile fails at once with EBUSY. RUN does not take that lock."""

from __future__ import annotations

import errno
import threading
from typing import Dict

import pytest

from tests.conformance import raw
from tests.conformance.conftest import Target
from vmpl_sgx import _abi
from vmpl_sgx._abi import Enclu
from vmpl_sgx.backend import Backend
from vmpl_sgx.errors import RUN
from vmpl_sgx.layout import Layout, build_secs
from vmpl_sgx.simulator import SimulatorBackend


def test_second_call_while_add_pages_runs_is_ebusy(target: Target) -> None:
    def observe(handle: Backend) -> Dict[str, int]:
        # NULL arguments: the busy check comes before the argument is read.
        return {
            "create": raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_CREATE, 0)),
            "add_pages": raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, 0)),
            "init": raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_INIT, 0)),
            "get_info": raw.errno_of(lambda: raw.get_info(handle)),
            "run": raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_RUN, 0)),
        }

    assert target.observe_while_busy(observe) == {
        "create": errno.EBUSY,
        "add_pages": errno.EBUSY,
        "init": errno.EBUSY,
        "get_info": 0,
        "run": errno.EINVAL,  # no lock: it sees an enclave that is not initialized
    }


def test_second_run_on_a_running_tcs_is_ebusy(
    target: Target, initialized: Backend, keep: raw.Keep, layout: Layout
) -> None:
    target.require_hooks()
    assert isinstance(initialized, SimulatorBackend)
    results: Dict[str, int] = {}
    with initialized.hold(RUN) as hold:
        first = threading.Thread(
            target=lambda: results.setdefault(
                "first", raw.run_errno(initialized, tcs=layout.base)
            )
        )
        first.start()
        assert hold.wait_entered()
        results["second"] = raw.run_errno(initialized, tcs=layout.base)
        results["resume"] = raw.run_errno(initialized, tcs=layout.base, function=Enclu.ERESUME)
        results["init"] = raw.errno_of(lambda: initialized.ioctl(_abi.IOC_ENCLAVE_INIT, 0))
        hold.release()
        first.join()
    assert results["second"] == errno.EBUSY
    assert results["resume"] == errno.EBUSY
    assert results["init"] == errno.EINVAL  # RUN holds no lock: INIT sees the state
    assert results["first"] in (0, errno.ENOEXEC)


def test_threads_racing_on_create_get_one_winner(
    target: Target, keep: raw.Keep, layout: Layout
) -> None:
    handle = target.open()
    try:
        page = keep.map(build_secs(layout))
        results: list[int] = []
        lock = threading.Lock()

        def create() -> None:
            number = raw.errno_of(lambda: raw.create_at(handle, page.address))
            with lock:
                results.append(number)

        threads = [threading.Thread(target=create) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results.count(0) == 1
        assert set(results) <= {0, errno.EBUSY, errno.EINVAL}
    finally:
        handle.close()


@pytest.mark.parametrize("ioctl", ["create", "init"])
def test_busy_wins_over_the_state_check(target: Target, ioctl: str) -> None:
    cmd = {"create": _abi.IOC_ENCLAVE_CREATE, "init": _abi.IOC_ENCLAVE_INIT}[ioctl]
    # The enclave is created (CREATE would be EINVAL), but the lock is taken first.
    result = target.observe_while_busy(lambda handle: raw.errno_of(lambda: handle.ioctl(cmd, 0)))
    assert result == errno.EBUSY
