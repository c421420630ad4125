"""SehModel.enter (the simulator's ENTER, without the Calling Area) answers every request as
the ENTER call through the Calling Area does: same results, exits, state and stats."""

from __future__ import annotations

from typing import List, Tuple

from vmpl_sgx._abi import PAGE_SIZE, Enclu, Exit, SehResult
from vmpl_sgx.seh import ExitInfo

from .test_enter import TCS_A, TCS_B, ScriptedExecutor, ready

LIMIT = 2 * PAGE_SIZE
"""The SEH's max_run_buffer here."""
Request = Tuple[int, int, int, bytes, int]
"""handle offset (added to the enclave's handle), tcs_offset, function, input, capacity"""

REQUESTS: List[Request] = [
    (0, TCS_A, Enclu.EENTER, b"first", PAGE_SIZE),  # ocall exit
    (0, TCS_A, Enclu.EENTER, b"", PAGE_SIZE),  # OCALL_PENDING
    (0, TCS_B, Enclu.ERESUME, b"", PAGE_SIZE),  # NO_OCALL_PENDING
    (0, TCS_A, Enclu.ERESUME, b"answer", 100),  # output too small: the ecall ends
    (0, TCS_A, Enclu.ERESUME, b"", PAGE_SIZE),  # NO_OCALL_PENDING again
    (100, TCS_A, Enclu.EENTER, b"", PAGE_SIZE),  # BAD_HANDLE
    (0, TCS_A, Enclu.EEXIT, b"", PAGE_SIZE),  # INVALID_PARAMETER
    (0, TCS_A, Enclu.EENTER, bytes(LIMIT + 1), PAGE_SIZE),  # INVALID_PARAMETER
    (0, TCS_A, Enclu.EENTER, b"", LIMIT + 1),  # INVALID_PARAMETER
    (0, 0x2000, Enclu.EENTER, b"", PAGE_SIZE),  # NOT_TCS
    (0, TCS_B, Enclu.EENTER, b"x" * (PAGE_SIZE + 3), 2 * PAGE_SIZE),  # normal exit
    (0, TCS_A, Enclu.EENTER, b"", PAGE_SIZE),  # exception exit
]


def _steps() -> ScriptedExecutor:
    return ScriptedExecutor(
        ExitInfo(Exit.OCALL, call_id=3, output=b"please"),
        ExitInfo(Exit.OCALL, call_id=4, output=b"z" * 101),
        lambda view, tcs, call, data, cap: ExitInfo(Exit.NORMAL, output=data[::-1], retval=9),
        ExitInfo(Exit.EXCEPTION, exception_vector=14, exception_error_code=6, exception_addr=8),
    )


def test_direct_enter_answers_as_the_calling_area_does() -> None:
    wire_executor, direct_executor = _steps(), _steps()
    wire, wire_handle = ready(wire_executor, max_run_buffer=LIMIT)
    direct, direct_handle = ready(direct_executor, max_run_buffer=LIMIT)
    for extra, tcs, function, data, capacity in REQUESTS:
        result, rsp, output = wire.enter(wire_handle + extra, tcs, function, 5, data, capacity)
        got, exit_info = direct.model.enter(direct_handle + extra, tcs, function, 5, data, capacity)
        assert got is result, (tcs, function)
        if result is not SehResult.SUCCESS:
            assert exit_info is None
            continue
        assert rsp is not None and exit_info is not None
        assert (exit_info.kind, exit_info.output) == (rsp.exit_kind, output)
        if exit_info.kind == Exit.NORMAL:
            assert exit_info.retval == rsp.retval == 9
        if exit_info.kind == Exit.OCALL:
            assert exit_info.call_id == rsp.call_id
        if exit_info.kind == Exit.EXCEPTION:
            fields = (exit_info.exception_vector, exit_info.exception_error_code)
            assert fields == (rsp.exception_vector, rsp.exception_error_code) == (14, 6)
    assert direct_executor.seen == wire_executor.seen
    assert direct.model.stats.snapshot()["calls"] == wire.model.stats.snapshot()["calls"]
    assert direct.model.stats.snapshot()["failures"] == wire.model.stats.snapshot()["failures"]
