"""ENTER in slices: the SEH parks an entry still running at the end of its slice
(INCOMPLETE), CONTINUE runs it on, ABANDON gives it up (and a pending ocall)."""

from __future__ import annotations

from typing import Any

import pytest

from vmpl_sgx._abi import PAGE_SIZE, Cap, Enclu, Exit, SehCall, SehEnterOp, SehEnterReq, SehResult
from vmpl_sgx.seh import EnclaveView, ExitInfo, SehModel

from .helpers import Harness
from .test_enter import TCS_A, TCS_B, ready

SLICE_S = 0.05
DONE = ExitInfo(Exit.NORMAL, output=b"done", retval=7)


class SlicedScript:
    """A sliced executor whose wait_exit answers the next scripted slice (None: still running)."""

    capabilities = int(Cap.RUN | Cap.OCALL | Cap.EXCEPTION_INFO)

    def __init__(self, *slices: ExitInfo | None) -> None:
        self.slices = list(slices)
        self.log: list[tuple[Any, ...]] = []

    def enter(self, *args: Any) -> ExitInfo:
        raise AssertionError("a model with slices never runs an entry to its exit at once")

    resume = enter

    def start_enter(
        self, enclave: EnclaveView, tcs_offset: int, call_id: int, input: bytes, cap: int
    ) -> None:
        self.log.append(("start_enter", tcs_offset, call_id, input, cap))

    def start_resume(self, enclave: EnclaveView, tcs_offset: int, input: bytes, cap: int) -> None:
        self.log.append(("start_resume", tcs_offset, input, cap))

    def wait_exit(
        self, enclave: EnclaveView, tcs_offset: int, timeout: float | None
    ) -> ExitInfo | None:
        self.log.append(("wait", tcs_offset, timeout))
        return self.slices.pop(0)

    def cancel(self, enclave: EnclaveView, tcs_offset: int) -> None:
        self.log.append(("cancel", tcs_offset))

    def forget(self, enclave: EnclaveView) -> None:
        self.log.append(("forget",))


def sliced(*slices: ExitInfo | None) -> tuple[Harness, int, SlicedScript]:
    executor = SlicedScript(*slices)
    harness, handle = ready(executor, slice_s=SLICE_S)  # type: ignore[arg-type]
    return harness, handle, executor


def cont(harness: Harness, handle: int) -> SehResult:
    return harness.enter(handle, TCS_A, function=SehEnterOp.CONTINUE)[0]


def abandon(harness: Harness, handle: int, tcs: int, **fields: int) -> SehResult:
    request = SehEnterReq(handle=handle, tcs_offset=tcs, function=SehEnterOp.ABANDON, **fields)
    reply = harness.call(SehCall.ENTER, request)
    assert reply.rcx == 0
    return reply.result


def test_an_entry_past_its_slice_is_parked_and_continued_to_its_exit() -> None:
    harness, handle, executor = sliced(None, None, DONE)
    assert harness.enter(handle, TCS_A, call_id=3, data=b"in")[0] is SehResult.INCOMPLETE
    assert harness.enter(handle, TCS_A, function=SehEnterOp.CONTINUE)[0] is SehResult.INCOMPLETE
    result, rsp, output = harness.enter(handle, TCS_A, function=SehEnterOp.CONTINUE)
    assert result is SehResult.SUCCESS and rsp is not None
    assert (rsp.exit_kind, rsp.retval, output) == (Exit.NORMAL, 7, b"done")
    assert executor.log == [
        ("start_enter", TCS_A, 3, b"in", PAGE_SIZE),
        ("wait", TCS_A, SLICE_S),
        ("wait", TCS_A, SLICE_S),
        ("wait", TCS_A, SLICE_S),
    ]
    # The TCS is free again.
    assert cont(harness, handle) is SehResult.INVALID_REQUEST


@pytest.mark.parametrize("function", [Enclu.EENTER, Enclu.ERESUME])
def test_a_parked_tcs_takes_only_its_continuation(function: int) -> None:
    harness, handle, _ = sliced(None, DONE)
    assert harness.enter(handle, TCS_A)[0] is SehResult.INCOMPLETE
    assert harness.enter(handle, TCS_A, function=function)[0] is SehResult.TCS_BUSY
    other = harness.enter(handle, TCS_A, function=SehEnterOp.CONTINUE, output_capacity=0)
    assert other[0] is SehResult.INVALID_PARAMETER  # not the parked entry's capacity
    assert harness.enter(handle, TCS_A, function=SehEnterOp.CONTINUE)[0] is SehResult.SUCCESS


def test_other_tcs_pages_run_while_one_is_parked() -> None:
    harness, handle, _ = sliced(None, DONE, DONE)
    assert harness.enter(handle, TCS_A)[0] is SehResult.INCOMPLETE
    assert harness.enter(handle, TCS_B)[0] is SehResult.SUCCESS
    assert harness.enter(handle, TCS_A, function=SehEnterOp.CONTINUE)[0] is SehResult.SUCCESS


def test_abandon_ends_a_parked_entry_and_frees_the_tcs() -> None:
    harness, handle, executor = sliced(None, DONE)
    assert harness.enter(handle, TCS_A)[0] is SehResult.INCOMPLETE
    assert abandon(harness, handle, TCS_A) is SehResult.SUCCESS
    assert ("cancel", TCS_A) in executor.log
    assert cont(harness, handle) is SehResult.INVALID_REQUEST
    assert harness.enter(handle, TCS_A)[0] is SehResult.SUCCESS


def test_abandon_forgets_a_pending_ocall() -> None:
    harness, handle, executor = sliced(ExitInfo(Exit.OCALL, call_id=5, output=b"ask"), DONE)
    result, rsp, _ = harness.enter(handle, TCS_A)
    assert result is SehResult.SUCCESS and rsp is not None and rsp.exit_kind == Exit.OCALL
    assert harness.enter(handle, TCS_A)[0] is SehResult.OCALL_PENDING
    assert abandon(harness, handle, TCS_A) is SehResult.SUCCESS
    assert ("cancel", TCS_A) not in executor.log  # nothing ran: the next EENTER replaces it
    assert harness.enter(handle, TCS_A, function=Enclu.ERESUME)[0] is SehResult.NO_OCALL_PENDING
    assert harness.enter(handle, TCS_A)[0] is SehResult.SUCCESS


def test_abandon_checks_its_request() -> None:
    harness, handle, executor = sliced()
    assert abandon(harness, handle, TCS_A) is SehResult.SUCCESS  # nothing to give up
    assert abandon(harness, handle, 0x2000) is SehResult.NOT_TCS
    assert abandon(harness, handle + 1, TCS_A) is SehResult.BAD_HANDLE
    assert abandon(harness, handle, TCS_A, input_len=1) is SehResult.INVALID_PARAMETER
    assert abandon(harness, handle, TCS_A, output_capacity=1) is SehResult.INVALID_PARAMETER
    assert executor.log == []


def test_a_model_without_slices_has_no_continuation() -> None:
    executor = SlicedScript(DONE)
    harness, handle = ready(executor)  # type: ignore[arg-type]
    assert cont(harness, handle) is SehResult.INVALID_REQUEST
    with pytest.raises(AssertionError):
        harness.enter(handle, TCS_A)  # runs to the exit at once: enter(), not start_enter()


def test_slices_must_be_positive() -> None:
    with pytest.raises(ValueError, match="slice_s"):
        SehModel(slice_s=0)
