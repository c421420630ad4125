"""ENTER: the checks before enclave code runs, the executor interface, ocalls and exits."""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest

from vmpl_sgx._abi import (
    PAGE_SIZE,
    RUN_BUFFER_MAX,
    Attr,
    Cap,
    Enclu,
    Exit,
    SehCall,
    SehEnterReq,
    SehResult,
)
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.seh import EnclaveAccessError, EnclaveView, ExitInfo, SehError, SehModel

from .helpers import REG_RW, TCS_FLAGS, Harness, Page, make_secs, make_tcs, page_of
from .signing import make_sigstruct

TCS_A = 0x0
TCS_B = 0x1000
Step = Callable[[EnclaveView, int, int, bytes, int], ExitInfo]


class ScriptedExecutor:
    """Answers each enter/resume with the next step of a script and records what it saw."""

    capabilities = int(Cap.RUN | Cap.OCALL | Cap.EXCEPTION_INFO)

    def __init__(self, *steps: ExitInfo | Step) -> None:
        self.steps = list(steps)
        self.seen: list[tuple[str, int, int, bytes, int]] = []
        self.forgotten: list[int] = []

    def _next(
        self, enclave: EnclaveView, tcs: int, call_id: int, data: bytes, cap: int
    ) -> ExitInfo:
        step = self.steps.pop(0)
        return step if isinstance(step, ExitInfo) else step(enclave, tcs, call_id, data, cap)

    def enter(
        self,
        enclave: EnclaveView,
        tcs_offset: int,
        call_id: int,
        input: bytes,
        output_capacity: int,
    ) -> ExitInfo:
        self.seen.append(("enter", tcs_offset, call_id, input, output_capacity))
        return self._next(enclave, tcs_offset, call_id, input, output_capacity)

    def resume(
        self, enclave: EnclaveView, tcs_offset: int, input: bytes, output_capacity: int
    ) -> ExitInfo:
        self.seen.append(("resume", tcs_offset, 0, input, output_capacity))
        return self._next(enclave, tcs_offset, 0, input, output_capacity)

    def forget(self, enclave: EnclaveView) -> None:
        self.forgotten.append(enclave.handle)


def ready(executor: ScriptedExecutor | None = None, **options: Any) -> tuple[Harness, int]:
    """An initialized enclave with TCS pages at TCS_A and TCS_B and a data page at 0x2000."""
    harness = Harness(SehModel(executor=executor, **options))
    handle = harness.created()
    pages = [
        Page(TCS_A, make_tcs(ossa=0x3000), TCS_FLAGS),
        Page(TCS_B, make_tcs(ossa=0x4000), TCS_FLAGS),
        Page(0x2000, page_of(0x55), REG_RW),
    ]
    assert harness.add_pages(handle, pages) == (SehResult.SUCCESS, 3)
    enclave = harness.model.enclave(handle)
    assert enclave is not None
    enclave.initialize(b"m" * 32, b"s" * 32, 1, 2)
    return harness, handle


def test_without_an_executor_enter_is_no_image() -> None:
    harness, handle = ready()
    assert harness.enter(handle, TCS_A)[0] is SehResult.NO_IMAGE


def test_query_reports_the_executors_capabilities() -> None:
    harness, _ = ready(ScriptedExecutor())
    _, rsp = harness.query()
    assert rsp is not None
    executor = Cap.RUN | Cap.OCALL | Cap.EXCEPTION_INFO
    assert rsp.capabilities == executor | Cap.ZERO_PAGES | Cap.MODEL_ROOT_SECRET


def test_a_normal_exit_returns_output_and_retval() -> None:
    executor = ScriptedExecutor(ExitInfo(Exit.NORMAL, call_id=9, output=b"result", retval=42))
    harness, handle = ready(executor)
    result, rsp, output = harness.enter(handle, TCS_B, call_id=7, data=b"argument")
    assert result is SehResult.SUCCESS and rsp is not None
    assert (rsp.exit_kind, rsp.retval, rsp.output_len, rsp.call_id) == (Exit.NORMAL, 42, 6, 0)
    assert (rsp.exception_vector, rsp.exception_addr) == (0, 0)
    assert output == b"result"
    assert executor.seen == [("enter", TCS_B, 7, b"argument", PAGE_SIZE)]


def test_run_buffers_span_several_guest_pages() -> None:
    data = bytes(index % 251 for index in range(3 * PAGE_SIZE + 100))
    executor = ScriptedExecutor(
        lambda view, tcs, call, given, cap: ExitInfo(Exit.NORMAL, output=given[::-1])
    )
    harness, handle = ready(executor)
    result, rsp, output = harness.enter(handle, TCS_A, data=data, output_capacity=RUN_BUFFER_MAX)
    assert result is SehResult.SUCCESS and rsp is not None
    assert output == data[::-1]
    assert executor.seen[0][3] == data and executor.seen[0][4] == RUN_BUFFER_MAX


def test_the_executor_sees_and_changes_enclave_memory() -> None:
    def step(view: EnclaveView, tcs: int, call_id: int, data: bytes, cap: int) -> ExitInfo:
        assert view.page_flags(0x2000) == REG_RW and view.page_flags(0x5000) is None
        assert view.attributes & 1 and view.mrenclave == b"m" * 32 and view.size == 0x10000
        before = view.read(0x2FFE, 2)
        view.write(0x2000, b"hello")
        with pytest.raises(EnclaveAccessError):
            view.read(0x2FFE, 4)
        with pytest.raises(EnclaveAccessError):
            view.write(0x5000, b"x")
        return ExitInfo(Exit.NORMAL, output=before + view.read(0x2000, 5))

    harness, handle = ready(ScriptedExecutor(step))
    assert harness.enter(handle, TCS_A)[2] == b"\x55\x55hello"


def test_an_ocall_must_be_answered_by_eresume() -> None:
    executor = ScriptedExecutor(
        ExitInfo(Exit.OCALL, call_id=3, output=b"please"),
        ExitInfo(Exit.NORMAL, retval=1),
    )
    harness, handle = ready(executor)
    result, rsp, output = harness.enter(handle, TCS_A, call_id=1)
    assert result is SehResult.SUCCESS and rsp is not None
    assert (rsp.exit_kind, rsp.call_id, output, rsp.retval) == (Exit.OCALL, 3, b"please", 0)
    assert harness.enter(handle, TCS_A)[0] is SehResult.OCALL_PENDING
    # Another TCS is independent of the pending ocall.
    assert harness.enter(handle, TCS_B, function=Enclu.ERESUME)[0] is SehResult.NO_OCALL_PENDING
    result, rsp, _ = harness.enter(handle, TCS_A, function=Enclu.ERESUME, data=b"answer")
    assert result is SehResult.SUCCESS and rsp is not None and rsp.exit_kind == Exit.NORMAL
    assert executor.seen[-1] == ("resume", TCS_A, 0, b"answer", PAGE_SIZE)
    assert harness.enter(handle, TCS_A, function=Enclu.ERESUME)[0] is SehResult.NO_OCALL_PENDING


def test_an_exception_exit_reports_its_fields_and_ends_the_ecall() -> None:
    executor = ScriptedExecutor(
        ExitInfo(
            Exit.EXCEPTION,
            retval=5,
            exception_vector=14,
            exception_error_code=6,
            exception_addr=0x7F0000002000,
            exception_rip=0x7F0000001010,
        ),
        ExitInfo(Exit.NORMAL),
    )
    harness, handle = ready(executor)
    result, rsp, _ = harness.enter(handle, TCS_A)
    assert result is SehResult.SUCCESS and rsp is not None
    assert (rsp.exit_kind, rsp.exception_vector, rsp.exception_error_code) == (
        Exit.EXCEPTION,
        14,
        6,
    )
    assert (rsp.exception_addr, rsp.retval) == (0x7F0000002000, 0)
    assert harness.fault.exception_rip == 0x7F0000001010  # a DEBUG enclave: it is told
    assert harness.enter(handle, TCS_A)[0] is SehResult.SUCCESS


def test_a_production_enclave_keeps_its_instruction_pointer() -> None:
    fault = ExitInfo(Exit.EXCEPTION, exception_vector=6, exception_rip=0x7F0000001010)
    harness = Harness(SehModel(executor=ScriptedExecutor(fault)))
    handle = harness.created(make_secs(attributes=Attr.MODE64BIT))
    assert harness.add_pages(handle, [Page(TCS_A, make_tcs(ossa=0x3000), TCS_FLAGS)]) == (
        SehResult.SUCCESS, 1,
    )
    enclave = harness.model.enclave(handle)
    assert enclave is not None
    enclave.initialize(b"m" * 32, b"s" * 32, 1, 2)
    result, rsp, _ = harness.enter(handle, TCS_A)
    assert result is SehResult.SUCCESS and rsp is not None
    assert (rsp.exit_kind, rsp.exception_vector) == (Exit.EXCEPTION, 6)
    assert harness.fault.exception_rip == 0


def test_too_much_output_is_output_too_small_and_ends_the_ecall() -> None:
    executor = ScriptedExecutor(
        ExitInfo(Exit.OCALL, call_id=1, output=b"x" * 101),
        ExitInfo(Exit.NORMAL, output=b"y" * 100),
    )
    harness, handle = ready(executor)
    assert harness.enter(handle, TCS_A, output_capacity=100)[0] is SehResult.OUTPUT_TOO_SMALL
    assert harness.enter(handle, TCS_A, function=Enclu.ERESUME)[0] is SehResult.NO_OCALL_PENDING
    result, _, output = harness.enter(handle, TCS_A, output_capacity=100)
    assert (result, output) == (SehResult.SUCCESS, b"y" * 100)


def test_unknown_handle_and_uninitialized_enclave() -> None:
    harness, handle = ready(ScriptedExecutor())
    assert harness.enter(handle + 100, TCS_A)[0] is SehResult.BAD_HANDLE
    other = harness.created()
    assert harness.add_pages(other, [Page(0, make_tcs(), TCS_FLAGS)])[0] is SehResult.SUCCESS
    assert harness.enter(other, 0)[0] is SehResult.BAD_STATE


@pytest.mark.parametrize("function", [0, 1, Enclu.EEXIT, 5, 0xFFFFFFFF])
def test_functions_other_than_eenter_and_eresume(function: int) -> None:
    harness, handle = ready(ScriptedExecutor())
    assert harness.enter(handle, TCS_A, function=function)[0] is SehResult.INVALID_PARAMETER


def test_run_buffers_above_the_limit_are_invalid_parameter() -> None:
    harness, handle = ready(ScriptedExecutor(), max_run_buffer=2 * PAGE_SIZE)
    too_big = bytes(2 * PAGE_SIZE + 1)
    assert harness.enter(handle, TCS_A, data=too_big)[0] is SehResult.INVALID_PARAMETER
    result = harness.enter(handle, TCS_A, output_capacity=2 * PAGE_SIZE + 1)[0]
    assert result is SehResult.INVALID_PARAMETER


def test_sizes_beyond_sixteen_pages_are_invalid_parameter() -> None:
    harness, handle = ready(ScriptedExecutor())
    request = SehEnterReq(handle=handle, function=Enclu.EENTER, input_len=0xFFFFFFFF)
    for index in range(16):
        request.input_gpa[index] = harness.guest.page()
    assert harness.call(SehCall.ENTER, request).result is SehResult.INVALID_PARAMETER


@pytest.mark.parametrize("field", ["input_gpa", "output_gpa"])
def test_unused_run_buffer_entries_must_be_zero(field: str) -> None:
    harness, handle = ready(ScriptedExecutor())
    request = SehEnterReq(handle=handle, function=Enclu.EENTER, input_len=10, output_capacity=10)
    request.input_gpa[0] = harness.guest.page()
    request.output_gpa[0] = harness.guest.page(writable=True)
    getattr(request, field)[1] = harness.guest.page(writable=True)
    reply = harness.call(SehCall.ENTER, request)
    assert (reply.result, reply.rcx) == (SehResult.INVALID_FORMAT, 0)


def test_run_buffer_pages_must_exist_and_output_pages_be_writable() -> None:
    harness, handle = ready(ScriptedExecutor(ExitInfo(Exit.NORMAL)))
    base = {"handle": handle, "function": Enclu.EENTER, "input_len": 10, "output_capacity": 10}
    unknown_input = SehEnterReq(**base)
    unknown_input.input_gpa[0] = 0xBAD000
    unknown_input.output_gpa[0] = harness.guest.page(writable=True)
    assert harness.call(SehCall.ENTER, unknown_input).result is SehResult.INVALID_ADDRESS
    read_only_output = SehEnterReq(**base)
    read_only_output.input_gpa[0] = harness.guest.page()
    read_only_output.output_gpa[0] = harness.guest.page(writable=False)
    assert harness.call(SehCall.ENTER, read_only_output).result is SehResult.INVALID_ADDRESS


@pytest.mark.parametrize("offset", [0x2000, 0x5000, 0x800, 0x10000, 1 << 63])
def test_a_target_that_is_not_a_tcs_page(offset: int) -> None:
    harness, handle = ready(ScriptedExecutor())
    assert harness.enter(handle, offset)[0] is SehResult.NOT_TCS


def test_a_running_tcs_is_busy_while_others_run_concurrently() -> None:
    inside = threading.Event()
    release = threading.Event()

    def blocking(view: EnclaveView, tcs: int, call_id: int, data: bytes, cap: int) -> ExitInfo:
        inside.set()
        assert release.wait(10)
        return ExitInfo(Exit.NORMAL, retval=1)

    executor = ScriptedExecutor(blocking, ExitInfo(Exit.NORMAL, retval=2))
    harness, handle = ready(executor)
    results: list[SehResult] = []
    runner = threading.Thread(target=lambda: results.append(harness.enter(handle, TCS_A)[0]))
    runner.start()
    assert inside.wait(10)
    try:
        assert harness.enter(handle, TCS_A)[0] is SehResult.TCS_BUSY
        assert harness.enter(handle, TCS_A, function=Enclu.ERESUME)[0] is SehResult.TCS_BUSY
        # The model's lock is free while enclave code runs: other calls go on.
        result, rsp, _ = harness.enter(handle, TCS_B)
        assert result is SehResult.SUCCESS and rsp is not None and rsp.retval == 2
        assert harness.query()[0] is SehResult.SUCCESS
    finally:
        release.set()
        runner.join()
    assert results == [SehResult.SUCCESS]


def test_executor_errors_become_results_and_free_the_tcs() -> None:
    def refuse(view: EnclaveView, tcs: int, call_id: int, data: bytes, cap: int) -> ExitInfo:
        raise SehError(SehResult.NO_IMAGE, "no code here")

    def crash(view: EnclaveView, tcs: int, call_id: int, data: bytes, cap: int) -> ExitInfo:
        raise RuntimeError("executor bug")

    executor = ScriptedExecutor(refuse, crash, ExitInfo(Exit.NONE), ExitInfo(Exit.NORMAL))
    harness, handle = ready(executor)
    assert harness.enter(handle, TCS_A)[0] is SehResult.NO_IMAGE
    with pytest.raises(RuntimeError, match="executor bug"):
        harness.enter(handle, TCS_A)
    with pytest.raises(ValueError, match="exit kind"):
        harness.enter(handle, TCS_A)
    assert harness.enter(handle, TCS_A)[0] is SehResult.SUCCESS


def test_destroy_tells_the_executor_to_forget_the_enclave() -> None:
    executor = ScriptedExecutor()
    harness, handle = ready(executor)
    assert harness.destroy(handle) is SehResult.SUCCESS
    assert executor.forgotten == [handle]
    assert harness.enter(handle, TCS_A)[0] is SehResult.BAD_HANDLE


def test_enter_after_a_real_init(signing_key: RsaPrivateKey) -> None:
    executor = ScriptedExecutor(ExitInfo(Exit.NORMAL, output=b"hi", retval=7))
    harness = Harness(SehModel(executor=executor))
    handle = harness.created()
    assert harness.add_pages(handle, [Page(0, make_tcs(), TCS_FLAGS)])[0] is SehResult.SUCCESS
    enclave = harness.model.enclave(handle)
    assert enclave is not None
    sigstruct = make_sigstruct(signing_key, enclave.measurement.digest())
    assert harness.init(handle, bytes(sigstruct))[0] is SehResult.SUCCESS
    result, rsp, output = harness.enter(handle, 0, call_id=5, data=b"x")
    assert result is SehResult.SUCCESS and rsp is not None
    assert (rsp.retval, output) == (7, b"hi")
