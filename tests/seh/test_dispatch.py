"""Routing of calls: protocols, call numbers, request form, QUERY, statistics and threads."""

from __future__ import annotations

import ctypes
import threading

import pytest

from vmpl_sgx._abi import (
    PAGE_SIZE,
    RUN_BUFFER_MAX,
    SEH_CAA_BUFFER_SIZE,
    SEH_MAX_PAGES_PER_CALL,
    SEH_PROTOCOL,
    Cap,
    SehAddPagesReq,
    SehCall,
    SehCreateReq,
    SehDestroyReq,
    SehEnterReq,
    SehInitReq,
    SehQueryReq,
    SehQuoteReq,
    SehResult,
)
from vmpl_sgx.seh import DEFAULT_MAX_ENCLAVE_SIZE, GuestMemory, SehModel
from vmpl_sgx.seh.model import CORE_QUERY_PROTOCOL

from .helpers import Harness, Page, page_of, raw_call, seh_rax

REQUESTS: dict[SehCall, type[ctypes.Structure]] = {
    SehCall.QUERY: SehQueryReq,
    SehCall.CREATE: SehCreateReq,
    SehCall.ADD_PAGES: SehAddPagesReq,
    SehCall.INIT: SehInitReq,
    SehCall.ENTER: SehEnterReq,
    SehCall.DESTROY: SehDestroyReq,
    SehCall.QUOTE: SehQuoteReq,
}
"""Every call with a request; QUOTING_TARGET has none (RCX 0)."""


def query_protocol(model: SehModel, protocol: int, version: int) -> tuple[int, int]:
    caa = bytearray(SEH_CAA_BUFFER_SIZE)
    return model.call(CORE_QUERY_PROTOCOL, (protocol << 32) | version, caa, GuestMemory())


def test_query_protocol_reports_the_seh_version_range() -> None:
    model = SehModel()
    assert query_protocol(model, SEH_PROTOCOL, 1) == (SehResult.SUCCESS, (1 << 32) | 1)
    assert query_protocol(model, 0, 1) == (SehResult.SUCCESS, (1 << 32) | 1)


@pytest.mark.parametrize(("protocol", "version"), [(SEH_PROTOCOL, 0), (SEH_PROTOCOL, 2), (1, 1)])
def test_query_protocol_answers_zero_for_what_it_does_not_speak(
    protocol: int, version: int
) -> None:
    assert query_protocol(SehModel(), protocol, version) == (SehResult.SUCCESS, 0)


def test_other_core_calls_are_unsupported() -> None:
    caa = bytearray(SEH_CAA_BUFFER_SIZE)
    assert SehModel().call(1, 0, caa, GuestMemory()) == (SehResult.UNSUPPORTED_CALL, 0)


@pytest.mark.parametrize("protocol", [1, 2, 4, 0x5D, 0x5F, 0xFFFFFFFF])
def test_unknown_protocols(protocol: int) -> None:
    caa = bytearray(SEH_CAA_BUFFER_SIZE)
    result = SehModel().call(protocol << 32, 8, caa, GuestMemory())
    assert result == (SehResult.UNSUPPORTED_PROTOCOL, 0)


@pytest.mark.parametrize("number", [8, 9, 0x100, 0xFFFFFFFF])
def test_unknown_calls(number: int) -> None:
    caa = bytearray(SEH_CAA_BUFFER_SIZE)
    result = SehModel().call(seh_rax(number), 8, caa, GuestMemory())
    assert result == (SehResult.UNSUPPORTED_CALL, 0)


@pytest.mark.parametrize("call", list(REQUESTS))
@pytest.mark.parametrize("delta", [-1, 1])
def test_rcx_must_be_the_request_size(call: SehCall, delta: int) -> None:
    harness = Harness()
    size = ctypes.sizeof(REQUESTS[call])
    reply = harness.call(call, REQUESTS[call](), rcx=size + delta)
    assert reply.result is SehResult.INVALID_FORMAT
    assert reply.rcx == 0


@pytest.mark.parametrize("call", list(REQUESTS))
def test_rcx_beyond_the_buffer_is_invalid_format(call: SehCall) -> None:
    reply = Harness().call(call, REQUESTS[call](), rcx=SEH_CAA_BUFFER_SIZE + 1)
    assert reply.result is SehResult.INVALID_FORMAT


@pytest.mark.parametrize(
    "request_",
    [SehQueryReq(version=1, reserved=1), SehAddPagesReq(handle=1, count=1, reserved=0x80000000)],
)
def test_reserved_fields_must_be_zero(request_: ctypes.Structure) -> None:
    call = SehCall.QUERY if isinstance(request_, SehQueryReq) else SehCall.ADD_PAGES
    reply = Harness().call(call, request_)
    assert reply.result is SehResult.INVALID_FORMAT
    assert reply.rcx == 0


def test_quoting_target_takes_no_request_bytes() -> None:
    caa = bytearray(SEH_CAA_BUFFER_SIZE)
    model = SehModel()
    assert model.call(seh_rax(SehCall.QUOTING_TARGET), 8, caa, GuestMemory()) == (
        SehResult.INVALID_FORMAT,
        0,
    )
    assert model.call(seh_rax(SehCall.QUOTING_TARGET), 0, caa, GuestMemory()) == (
        SehResult.SUCCESS,
        512,
    )


def test_a_short_calling_area_is_a_caller_bug() -> None:
    with pytest.raises(ValueError, match="Calling Area"):
        SehModel().call(seh_rax(SehCall.QUERY), 8, bytearray(100), GuestMemory())


def test_query_reports_limits_and_only_zero_pages_without_an_executor() -> None:
    result, rsp = Harness().query()
    assert result is SehResult.SUCCESS and rsp is not None
    assert rsp.version == 1
    assert rsp.max_pages_per_call == SEH_MAX_PAGES_PER_CALL
    assert rsp.max_run_buffer == RUN_BUFFER_MAX
    # The SEH's own; RUN and OCALL need an executor.
    assert rsp.capabilities == Cap.ZERO_PAGES | Cap.MODEL_ROOT_SECRET
    assert rsp.max_enclave_size == DEFAULT_MAX_ENCLAVE_SIZE
    assert rsp.reserved == 0


def test_query_speaks_at_most_its_own_version_and_honours_options() -> None:
    model = SehModel(max_pages_per_call=7, max_enclave_size=1 << 30, max_run_buffer=PAGE_SIZE)
    result, rsp = Harness(model).query(version=9)
    assert result is SehResult.SUCCESS and rsp is not None
    assert (rsp.version, rsp.max_pages_per_call, rsp.max_run_buffer) == (1, 7, PAGE_SIZE)
    assert rsp.max_enclave_size == 1 << 30


def test_query_of_version_zero_is_an_invalid_parameter() -> None:
    assert Harness().query(version=0) == (SehResult.INVALID_PARAMETER, None)


@pytest.mark.parametrize(
    "options",
    [
        {"max_pages_per_call": 0},
        {"max_pages_per_call": 129},
        {"max_run_buffer": 16 * PAGE_SIZE + 1},
        {"max_enclave_size": -1},
        {"memory_limit": -1},
    ],
)
def test_bad_options_are_refused(options: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        SehModel(**options)  # type: ignore[arg-type]


def test_stats_count_calls_failures_pages_and_measured_bytes() -> None:
    harness = Harness()
    harness.query()
    handle = harness.created()
    pages = [Page(0, page_of(1)), Page(0x1000, page_of(2), measure=False), Page(0, page_of(3))]
    assert harness.add_pages(handle, pages) == (SehResult.PAGE_EXISTS, 2)
    harness.destroy(handle)
    harness.destroy(handle)
    query_protocol(harness.model, SEH_PROTOCOL, 1)
    raw_call(harness.model, 7 << 32, b"", harness.guest.memory)
    snapshot = harness.model.stats.snapshot()
    assert snapshot["calls"] == {
        "query": 1,
        "create": 1,
        "add_pages": 1,
        "destroy": 2,
        "query_protocol": 1,
        "unsupported": 1,
    }
    assert snapshot["failures"] == {"add_pages": 1, "destroy": 1, "unsupported": 1}
    assert snapshot["pages_added"] == 2
    assert snapshot["bytes_measured"] == PAGE_SIZE
    harness.model.stats.reset()
    assert harness.model.stats.snapshot() == {
        "calls": {},
        "failures": {},
        "pages_added": 0,
        "bytes_measured": 0,
    }


def test_calls_from_many_threads_keep_state_consistent() -> None:
    model = SehModel()
    handles: list[int] = []
    results: list[tuple[SehResult, int]] = []

    def worker(index: int) -> None:
        harness = Harness(model)
        handle = harness.created()
        handles.append(handle)
        pages = [Page(offset, page_of(index)) for offset in range(0, 0x8000, PAGE_SIZE)]
        results.append(harness.add_pages(handle, pages))

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(handles)) == 8 and 0 not in handles
    assert results == [(SehResult.SUCCESS, 8)] * 8
    assert model.stats.pages_added == 64
