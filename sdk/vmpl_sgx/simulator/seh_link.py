"""The simulator's half of the SEH protocol: what the module's seh.c does, against SehModel.

Requests are built exactly as the module builds them: the request struct in a Calling Area
buffer, bulk data in bounce pages named by guest-physical address (here made-up ones, each
call with its own page table), INCOMPLETE and BUSY retried a bounded number of times, and the
result mapped to an errno through the spec's table. ENTER, the call of every RUN, is the
exception: its run buffers are this process's own memory, so it reaches the model through
SehModel.enter, with the same checks and results and without the request struct and pages.
"""

from __future__ import annotations

import array
import ctypes
import errno
import threading
from typing import NamedTuple, Sequence, Tuple

from vmpl_sgx import _abi
from vmpl_sgx._abi import (
    PAGE_SIZE,
    RUN_BUFFER_MAX,
    SEH_CAA_BUFFER_SIZE,
    SEH_MAX_PAGES_PER_CALL,
    SEH_MIN_VERSION,
    SEH_PROTOCOL,
    SEH_QUOTE_PAGES,
    SEH_VERSION,
    SIGSTRUCT_SIZE,
    Cap,
    SehAddPagesReq,
    SehAddPagesRsp,
    SehCall,
    SehCreateReq,
    SehCreateRsp,
    SehDescFlag,
    SehDestroyReq,
    SehEnterFault,
    SehEnterOp,
    SehEnterRsp,
    SehInitReq,
    SehInitRsp,
    SehPageDesc,
    SehQueryReq,
    SehQueryRsp,
    SehQuoteReq,
    SehQuoteRsp,
    SehQuotingTargetRsp,
    SehResult,
)
from vmpl_sgx.seh import ExitInfo, GuestMemory, SehModel
from vmpl_sgx.seh.executor import EXIT_KINDS
from vmpl_sgx.seh.model import enter_fault, enter_response
from vmpl_sgx.simulator.failure import Failure

DEFAULT_RETRIES = 16
"""As the module's seh_retries parameter."""

KNOWN_CAPABILITIES = int(
    Cap.RUN
    | Cap.OCALL
    | Cap.EXCEPTION_INFO
    | Cap.ZERO_PAGES
    | Cap.EXCEPTION_RIP
    | Cap.MODEL_ROOT_SECRET
)

_GPA_BASE = 0x1_0000_0000
"""Where the made-up guest-physical addresses of one call's pages start."""

_RESULT_TEXT = {
    SehResult.ECREATE_FAILED: "ECREATE rejected the SECS",
    SehResult.NO_MEMORY: "the SEH has no memory for this (SECS.size beyond max_enclave_size, "
    "or its page memory is used up)",
    SehResult.EADD_FAILED: "EADD rejected a malformed TCS page",
    SehResult.INVALID_SIGSTRUCT: "EINIT: the SIGSTRUCT is malformed",
    SehResult.INVALID_SIGNATURE: "EINIT: the SIGSTRUCT's signature or Q1/Q2 does not verify",
    SehResult.INVALID_MEASUREMENT: "EINIT: MRENCLAVE differs from SIGSTRUCT.enclavehash",
    SehResult.INVALID_ATTRIBUTE: "EINIT: attributes, XFRM or MISCSELECT differ from the "
    "SIGSTRUCT's under its masks",
    SehResult.NOT_TCS: "tcs is not a TCS page",
    SehResult.TCS_BUSY: "another RUN is active on this TCS",
    SehResult.NO_OCALL_PENDING: "ERESUME without a pending ocall",
    SehResult.OCALL_PENDING: "EENTER while an ocall waits for its answer",
    SehResult.OUTPUT_TOO_SMALL: "the enclave wrote more than output_capacity",
    SehResult.NO_IMAGE: "the enclave holds no code the SEH can run",
    SehResult.QUOTE_TOO_SMALL: "a quote buffer is too small; the lengths say what is needed",
    SehResult.INVALID_REPORT: "the REPORT's MAC does not verify for the quoting identity "
    "(forged, or targeted at another enclave)",
    SehResult.BUSY: "the SEH is busy (it may still be generating its quoting chain); "
    "try again",
}


def result_text(result: int) -> str:
    """What an SEH result code means, with its name."""
    try:
        code = SehResult(result)
    except ValueError:
        return f"the SEH answered an unknown result 0x{result:x}"
    name = code.name.lower().replace("_", "-")
    return f"{_RESULT_TEXT.get(code, 'the SEH refused the call')} (SEH result {name})"


def result_errno(result: int) -> int:
    """errno for a result code as the spec maps it; EIO for one it does not know."""
    try:
        return _abi.SEH_RESULT_ERRNO[SehResult(result)]
    except ValueError:
        return errno.EIO


def _is_generic(result: int) -> bool:
    """The SVSM's own codes, which come before any SEH work and without a response."""
    return 0 < result < SehResult.NO_MEMORY


# Read as module globals on the RUN path: an Enum class attribute costs several times a global
# in CPython 3.11.
_SUCCESS, _INCOMPLETE = SehResult.SUCCESS, SehResult.INCOMPLETE
_CONTINUE = SehEnterOp.CONTINUE
_RETRY = _abi.SEH_RESULT_RETRY
_DESC_SIZE = ctypes.sizeof(SehPageDesc)
_ZERO_DESC = int(SehDescFlag.ZERO)


def _zero_descs(offset: int, count: int, secinfo_flags: int) -> bytes:
    """The descriptors of `count` zero pages from `offset`, packed as the request holds them:
    per descriptor the words src_gpa (0), offset, secinfo_flags | flags << 32."""
    words = array.array("Q", bytes(count * _DESC_SIZE))
    words[1::3] = array.array("Q", range(offset, offset + count * PAGE_SIZE, PAGE_SIZE))
    words[2::3] = array.array("Q", [secinfo_flags | _ZERO_DESC << 32]) * count
    return words.tobytes()


class Limits(NamedTuple):
    """What QUERY negotiated, clamped to the module's own limits."""

    version: int
    max_pages_per_call: int
    max_run_buffer: int
    capabilities: int
    max_enclave_size: int


def default_limits(max_pages_per_call: int) -> Limits:
    """What GET_INFO reports while no SEH has answered QUERY."""
    return Limits(SEH_VERSION, max_pages_per_call, RUN_BUFFER_MAX, 0, 0)


class Page(NamedTuple):
    """One bounce page handed to the SEH."""

    data: bytearray | memoryview
    writable: bool


class Reply(NamedTuple):
    result: int
    response: bytes


class QuoteReply(NamedTuple):
    """What QUOTE gave: errno 0 with the three parts, or ENOSPC with the sizes needed."""

    errno: int
    lengths: Tuple[int, int, int]
    parts: Tuple[bytes, bytes, bytes]


class SehSession:
    """One SEH the simulator talks to. Ends when the SEH goes away (see Simulator.detach_seh)."""

    def __init__(
        self,
        number: int,
        model: SehModel,
        max_pages_per_call: int = SEH_MAX_PAGES_PER_CALL,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        self.number = number
        self.model = model
        self.module_max_pages = max_pages_per_call
        self.retries = retries
        self._lock = threading.Lock()
        self._limits: Limits | None = None
        self._query_failed = False

    # ---- transport

    def _call(
        self,
        call: SehCall,
        request: ctypes.Structure,
        pages: Sequence[Page],
    ) -> Reply:
        """Run `call` with `pages` at consecutive made-up addresses."""
        raw = bytes(request)
        for attempt in range(self.retries + 1):
            caa = bytearray(SEH_CAA_BUFFER_SIZE)
            caa[: len(raw)] = raw
            memory = GuestMemory()
            for index, page in enumerate(pages):
                memory.add(_GPA_BASE + index * PAGE_SIZE, page.data, page.writable)
            rax, rcx = self.model.call((SEH_PROTOCOL << 32) | call, len(raw), caa, memory)
            if rax not in _abi.SEH_RESULT_RETRY or attempt == self.retries:
                return Reply(int(rax), bytes(caa[: min(rcx, SEH_CAA_BUFFER_SIZE)]))
        raise AssertionError("unreachable")

    @staticmethod
    def _malformed(call: SehCall, what: str) -> Failure:
        return Failure(errno.EIO, f"the SEH answered {call.name} with {what}", lost=True)

    def _exec(
        self,
        call: SehCall,
        request: ctypes.Structure,
        pages: Sequence[Page],
        rsp_min: int,
    ) -> bytes:
        """Run a call; raise its errno unless it succeeded with a response of `rsp_min` bytes."""
        reply = self._call(call, request, pages)
        number = result_errno(reply.result)
        if number:
            raise Failure(number, result_text(reply.result))
        if len(reply.response) < rsp_min:
            raise self._malformed(call, "a short response")
        return reply.response

    # ---- negotiation

    def limits(self) -> Limits:
        """The negotiated limits, asking QUERY the first time; EIO if the SEH fails it."""
        known = self._limits  # set once, never changed: every RUN reads it without the lock
        if known is not None:
            return known
        with self._lock:
            if self._limits is not None:
                return self._limits
            if self._query_failed:
                raise Failure(errno.EIO, "the SEH failed QUERY; its calls fail")
            try:
                self._limits = self._query()
            except Failure as failure:
                self._query_failed = True
                raise Failure(errno.EIO, f"the SEH failed QUERY: {failure.constraint}") from None
            return self._limits

    def _query(self) -> Limits:
        request = SehQueryReq(version=SEH_VERSION)
        raw = self._exec(SehCall.QUERY, request, (), ctypes.sizeof(SehQueryRsp))
        rsp = SehQueryRsp.from_buffer_copy(raw[: ctypes.sizeof(SehQueryRsp)])
        if not SEH_MIN_VERSION <= rsp.version <= SEH_VERSION:
            raise Failure(errno.EPROTO, f"the SEH speaks protocol version {rsp.version}")
        if not rsp.max_pages_per_call or rsp.reserved:
            raise Failure(errno.EPROTO, "the QUERY response is malformed")
        return Limits(
            version=rsp.version,
            max_pages_per_call=min(rsp.max_pages_per_call, self.module_max_pages),
            max_run_buffer=min(rsp.max_run_buffer, RUN_BUFFER_MAX),
            capabilities=rsp.capabilities & KNOWN_CAPABILITIES,
            max_enclave_size=rsp.max_enclave_size,
        )

    # ---- requests

    def create(self, secs: bytes) -> int:
        """CREATE from a SECS page; returns the handle."""
        self.limits()
        request = SehCreateReq(secs_gpa=_GPA_BASE)
        raw = self._exec(SehCall.CREATE, request, [Page(bytearray(secs), False)], 8)
        handle = SehCreateRsp.from_buffer_copy(raw[:8]).handle
        if not handle:
            raise self._malformed(SehCall.CREATE, "enclave handle 0")
        return handle

    def add_pages(
        self,
        handle: int,
        pages: Sequence[memoryview],
        offset: int,
        secinfo_flags: int,
        desc_flags: int,
    ) -> Tuple[int, int, str]:
        """ADD_PAGES of consecutive pages; returns (pages added, errno, why it stopped)."""
        request = SehAddPagesReq(handle=handle, count=len(pages))
        for index in range(len(pages)):
            desc: SehPageDesc = request.pages[index]
            desc.src_gpa = _GPA_BASE + index * PAGE_SIZE
            desc.offset = offset + index * PAGE_SIZE
            desc.secinfo_flags = secinfo_flags
            desc.flags = desc_flags
        reply = self._call(SehCall.ADD_PAGES, request, [Page(page, False) for page in pages])
        return self._added(reply, len(pages))

    def add_zero_pages(
        self, handle: int, count: int, offset: int, secinfo_flags: int
    ) -> Tuple[int, int, str]:
        """ADD_PAGES of `count` consecutive zero pages: ZERO descriptors, no guest pages."""
        request = SehAddPagesReq(handle=handle, count=count)
        ctypes.memmove(request.pages, _zero_descs(offset, count, secinfo_flags), count * _DESC_SIZE)
        return self._added(self._call(SehCall.ADD_PAGES, request, ()), count)

    def _added(self, reply: Reply, count: int) -> Tuple[int, int, str]:
        number = result_errno(reply.result)
        if _is_generic(reply.result):
            return 0, number, result_text(reply.result)
        size = ctypes.sizeof(SehAddPagesRsp)
        if len(reply.response) < size:
            raise self._malformed(SehCall.ADD_PAGES, "no ADD_PAGES response")
        done = SehAddPagesRsp.from_buffer_copy(reply.response[:size]).done
        if done > count or (not number and done != count):
            raise self._malformed(SehCall.ADD_PAGES, "an impossible page count")
        return done, number, result_text(reply.result) if number else ""

    def init(self, handle: int, sigstruct: bytes) -> SehInitRsp:
        page = bytearray(PAGE_SIZE)
        page[:SIGSTRUCT_SIZE] = sigstruct
        request = SehInitReq(handle=handle, sigstruct_gpa=_GPA_BASE)
        size = ctypes.sizeof(SehInitRsp)
        raw = self._exec(SehCall.INIT, request, [Page(page, False)], size)
        return SehInitRsp.from_buffer_copy(raw[:size])

    def enter(
        self,
        handle: int,
        tcs_offset: int,
        *,
        function: int,
        call_id: int,
        data: bytes,
        output_capacity: int,
    ) -> Tuple[SehEnterRsp, SehEnterFault, bytes]:
        """ENTER with `data` as input; returns the response, the seh_enter_fault that
        follows it (exception_rip 0 unless an exception exit of a DEBUG enclave) and the
        output bytes."""
        exit_info = self.enter_exit(
            handle,
            tcs_offset,
            function=function,
            call_id=call_id,
            data=data,
            output_capacity=output_capacity,
        )
        return enter_response(exit_info), enter_fault(exit_info), bytes(exit_info.output)

    def enter_exit(  # noqa: PLR0917 - the fields of one ENTER; positional on the RUN path
        self,
        handle: int,
        tcs_offset: int,
        function: int,
        call_id: int,
        data: bytes,
        output_capacity: int,
    ) -> ExitInfo:
        """ENTER with `data` as input; the exit, checked as the module checks a response.

        The run buffers are this process's own memory, so the request goes to the SEH model
        without the Calling Area and bounce pages (SehModel.enter): the same checks and
        results, retried and mapped to an errno as any other call."""
        model = self.model
        attempt = 0
        while True:
            result, exit_info = model.enter(
                handle, tcs_offset, function, call_id, data, output_capacity
            )
            if result == _INCOMPLETE:
                # Parked at the end of a slice: the ENTER continuation. The simulator sees
                # no signal between slices, so it continues until the exit.
                function = _CONTINUE
                continue
            if result not in _RETRY or attempt == self.retries:
                break
            attempt += 1
        if result != _SUCCESS:
            number = result_errno(result)
            if number:
                raise Failure(number, result_text(result))
        if exit_info is None:
            raise self._malformed(SehCall.ENTER, "a short response")
        if exit_info.kind not in EXIT_KINDS:
            raise self._malformed(SehCall.ENTER, "an unknown exit kind")
        if len(exit_info.output) > output_capacity:
            raise self._malformed(SehCall.ENTER, "more output than capacity")
        return exit_info

    def abandon(self, handle: int, tcs_offset: int) -> None:
        """ABANDON: the SEH gives up the TCS's parked entry and the ocall it waits for."""
        result, _ = self.model.enter(handle, tcs_offset, SehEnterOp.ABANDON, 0, b"", 0)
        number = result_errno(result)
        if number:
            raise Failure(number, result_text(result))

    def destroy(self, handle: int) -> None:
        self._exec(SehCall.DESTROY, SehDestroyReq(handle=handle), (), 0)

    def quote(
        self, handle: int, report: bytes, nonce: bytes, capacities: Sequence[int]
    ) -> QuoteReply:
        """QUOTE into bounce pages of the given capacities (each at most SEH_QUOTE_PAGES)."""
        request = SehQuoteReq(handle=handle)
        ctypes.memmove(request.report, report, len(request.report))
        ctypes.memmove(request.nonce, nonce, len(request.nonce))
        request.snp_report_capacity, request.manifest_capacity, request.certificates_capacity = (
            capacities
        )
        pages: list[Page] = []
        tables = (request.snp_report_gpa, request.manifest_gpa, request.certificates_gpa)
        for capacity, table in zip(capacities, tables):
            for index in range(-(-capacity // PAGE_SIZE)):
                if index >= SEH_QUOTE_PAGES:
                    raise Failure(errno.E2BIG, f"a quote buffer of {capacity} bytes")
                table[index] = _GPA_BASE + len(pages) * PAGE_SIZE
                pages.append(Page(bytearray(PAGE_SIZE), True))
        reply = self._call(SehCall.QUOTE, request, pages)
        size = ctypes.sizeof(SehQuoteRsp)
        if reply.result == SehResult.QUOTE_TOO_SMALL:
            if len(reply.response) < size:
                raise self._malformed(SehCall.QUOTE, "no sizes with QUOTE_TOO_SMALL")
            rsp = SehQuoteRsp.from_buffer_copy(reply.response[:size])
            lengths = (rsp.snp_report_len, rsp.manifest_len, rsp.certificates_len)
            return QuoteReply(errno.ENOSPC, lengths, (b"", b"", b""))
        number = result_errno(reply.result)
        if number:
            raise Failure(number, result_text(reply.result))
        if len(reply.response) < size:
            raise self._malformed(SehCall.QUOTE, "a short response")
        rsp = SehQuoteRsp.from_buffer_copy(reply.response[:size])
        lengths = (rsp.snp_report_len, rsp.manifest_len, rsp.certificates_len)
        if any(length > capacity for length, capacity in zip(lengths, capacities)):
            raise self._malformed(SehCall.QUOTE, "more quote bytes than capacity")
        parts = []
        start = 0
        for length, capacity in zip(lengths, capacities):
            end = start + -(-capacity // PAGE_SIZE)
            parts.append(b"".join(bytes(page.data) for page in pages[start:end])[:length])
            start = end
        return QuoteReply(0, lengths, (parts[0], parts[1], parts[2]))

    def quoting_target(self) -> bytes:
        """QUOTING_TARGET: the 512-byte TARGETINFO of the quoting identity."""
        self.limits()
        reply = self._call_raw(SehCall.QUOTING_TARGET)
        number = result_errno(reply.result)
        if number:
            raise Failure(number, result_text(reply.result))
        size = ctypes.sizeof(SehQuotingTargetRsp)
        if len(reply.response) < size:
            raise self._malformed(SehCall.QUOTING_TARGET, "a short response")
        return bytes(SehQuotingTargetRsp.from_buffer_copy(reply.response[:size]).targetinfo)

    def _call_raw(self, call: SehCall) -> Reply:
        """A call without request bytes (RCX 0) or pages."""
        caa = bytearray(SEH_CAA_BUFFER_SIZE)
        rax, rcx = self.model.call((SEH_PROTOCOL << 32) | call, 0, caa, GuestMemory())
        return Reply(int(rax), bytes(caa[: min(rcx, SEH_CAA_BUFFER_SIZE)]))
