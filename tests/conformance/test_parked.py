"""Parked entries: a RUN never hands one call's result to another (docs/ioctl-semantics.md,
"Signals and parked entries"), and VMPL_SGX_RUN_CANCEL gives one up. Both backends park an
exit whose copy-out failed; the signal cases need a device (tests/vm/guest/test_faults.py)."""

from __future__ import annotations

import errno
from typing import Iterator

import pytest

from tests.conformance import raw
from tests.conformance.conftest import Target, load_regions
from tests.conformance.memory import READ
from vmpl_sgx import _abi
from vmpl_sgx._abi import PAGE_SIZE, Cap, EnclaveRun, Enclu, Exit, RunFlag
from vmpl_sgx.backend import Backend
from vmpl_sgx.layout import Layout, build_secs

INPUT = b"parked input"
CAPACITY = 64
WARM_UP_TRIES = 3


@pytest.fixture
def runnable(
    target: Target, keep: raw.Keep, layout: Layout, sigstruct: bytes
) -> Iterator[Backend]:
    """The sample enclave, initialized on a backend whose SEH runs enclave code."""
    executor = None
    opener = target.open
    if target.is_simulator:
        from vmpl_sgx.executor import NativeExecutor  # noqa: PLC0415
        from vmpl_sgx.seh import SehModel  # noqa: PLC0415
        from vmpl_sgx.simulator import Simulator  # noqa: PLC0415

        executor = NativeExecutor()
        opener = Simulator(SehModel(executor=executor)).open
    handle = opener()
    try:
        if not raw.get_info(handle).capabilities & Cap.RUN:
            pytest.skip("this SEH runs no enclave code")
        for _ in range(WARM_UP_TRIES):
            raw.create(handle, keep, build_secs(layout))
            load_regions(handle, keep, list(layout.regions))
            raw.init(handle, keep, sigstruct)
            number = raw.run_errno(handle, **fields(layout, keep))
            if number != errno.ETIMEDOUT:
                break
            # The SEH's first enclave code (its workers starting) outlived seh_timeout_ms
            # on a slow guest; that enclave is broken, the next one is not.
            handle.close()
            handle = opener()
        assert number == 0, f"the first RUN failed with errno {number}"
        yield handle
    finally:
        handle.close()
        if executor is not None:
            executor.close()


def fields(layout: Layout, keep: raw.Keep, data: bytes = INPUT, **more: int) -> dict[str, int]:
    values = {
        "tcs": layout.base,
        "function": int(Enclu.EENTER),
        "call_id": 0,
        "input": keep.map(data).address if data else 0,
        "input_len": len(data),
        "output": keep.map(pages=1).address,
        "output_capacity": CAPACITY,
    }
    values.update(more)
    return values


def park(handle: Backend, keep: raw.Keep, run: dict[str, int]) -> None:
    """RUN from a read-only argument: the entry runs, writing back its exit fails."""
    arg = keep.map(bytes(EnclaveRun(**run)), prot=READ).address
    number = raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_RUN, arg))
    assert number == errno.EFAULT


def test_a_failed_write_back_parks_the_exit_for_the_same_run(
    runnable: Backend, keep: raw.Keep, layout: Layout
) -> None:
    run = fields(layout, keep)
    park(runnable, keep, run)
    done = raw.run(runnable, **run)  # the same RUN, from a writable argument
    assert done.exit_kind == Exit.NORMAL
    assert done.function == Enclu.EEXIT
    # Received once: the next RUN enters again.
    assert raw.run(runnable, **run).exit_kind == Exit.NORMAL


@pytest.mark.parametrize(
    "change", ["call_id", "input", "input_len", "output_capacity", "function"]
)
def test_another_run_on_a_parked_tcs_is_ealready(
    runnable: Backend, keep: raw.Keep, layout: Layout, change: str
) -> None:
    run = fields(layout, keep)
    park(runnable, keep, run)
    other = dict(run)
    if change == "call_id":
        other["call_id"] = 1
    elif change == "input":
        other["input"] = keep.map(b"other  input").address  # same length, other bytes
    elif change == "input_len":
        other["input_len"] = len(INPUT) - 1
    elif change == "output_capacity":
        other["output_capacity"] = CAPACITY * 2
    else:
        other["function"] = int(Enclu.ERESUME)
    buffer = bytearray(EnclaveRun(**other, output_len=0xA5A5))
    number = raw.errno_of(lambda: runnable.ioctl(_abi.IOC_ENCLAVE_RUN, buffer))
    assert number == errno.EALREADY
    assert EnclaveRun.from_buffer_copy(buffer).output_len == 0xA5A5  # nothing written back
    # It changed nothing: the same RUN still receives the parked exit.
    assert raw.run(runnable, **run).exit_kind == Exit.NORMAL


def test_earlier_checks_come_before_the_parked_entry(
    runnable: Backend, keep: raw.Keep, layout: Layout
) -> None:
    run = fields(layout, keep)
    park(runnable, keep, run)
    bad = dict(run, input=raw.bad_address(keep, "no-access"))
    assert raw.run_errno(runnable, **bad) == errno.EFAULT  # step 8 before step 9
    assert raw.run_errno(runnable, **dict(run, flags=1 << 31)) == errno.EINVAL
    assert raw.run(runnable, **run).exit_kind == Exit.NORMAL


def test_a_parked_exit_whose_write_back_fails_again_stays_parked(
    runnable: Backend, keep: raw.Keep, layout: Layout
) -> None:
    run = fields(layout, keep)
    park(runnable, keep, run)
    park(runnable, keep, run)  # the same RUN receives the exit and fails to write it again
    assert raw.run(runnable, **run).exit_kind == Exit.NORMAL
    assert raw.run(runnable, **dict(run, call_id=2)).exit_kind == Exit.NORMAL


def cancel(handle: Backend, layout: Layout, **fields: int) -> int:
    """RUN with VMPL_SGX_RUN_CANCEL; its errno, after checking nothing was written back."""
    fields.setdefault("tcs", layout.base)
    fields.setdefault("flags", int(RunFlag.CANCEL))
    buffer = bytearray(EnclaveRun(output_len=0xA5A5, **fields))
    number = raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_RUN, buffer))
    assert EnclaveRun.from_buffer_copy(buffer).output_len == 0xA5A5
    return number


def test_cancel_gives_up_a_parked_exit(
    runnable: Backend, keep: raw.Keep, layout: Layout
) -> None:
    run = fields(layout, keep)
    park(runnable, keep, run)
    assert cancel(runnable, layout) == 0
    # Any RUN goes in now; the same one enters anew.
    assert raw.run(runnable, **dict(run, call_id=4)).exit_kind == Exit.NORMAL
    assert raw.run(runnable, **run).exit_kind == Exit.NORMAL


def test_cancel_with_nothing_parked_succeeds(runnable: Backend, layout: Layout) -> None:
    assert cancel(runnable, layout) == 0
    assert cancel(runnable, layout, function=0) == 0  # function is not used


def test_cancel_checks_the_tcs_and_the_flags(runnable: Backend, layout: Layout) -> None:
    assert cancel(runnable, layout, tcs=layout.base + PAGE_SIZE) == errno.EINVAL  # code page
    assert cancel(runnable, layout, tcs=layout.base - PAGE_SIZE) == errno.EINVAL
    assert cancel(runnable, layout, tcs=layout.base + 8) == errno.EINVAL
    assert cancel(runnable, layout, flags=int(RunFlag.CANCEL) | 2) == errno.EINVAL


def test_cancel_before_init_is_einval(target: Target, keep: raw.Keep, layout: Layout) -> None:
    handle = target.open()
    try:
        raw.create(handle, keep, build_secs(layout))
        assert cancel(handle, layout) == errno.EINVAL
    finally:
        handle.close()
