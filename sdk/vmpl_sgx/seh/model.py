"""The Secure Enclave Handler: the SEH side of the protocol, playing the part of SGX hardware.

`SehModel.call()` takes what an SVSM call carries (RAX, RCX, the Calling Area
buffer and the guest pages the request names) and returns the new RAX and RCX.
The loopback server and the in-process simulator both run it.

Checks run in a fixed order and the first failure decides the result:

- every call: protocol (UNSUPPORTED_PROTOCOL), call (UNSUPPORTED_CALL), RCX equal
  to the request size and reserved fields zero (INVALID_FORMAT);
- CREATE: SECS address, ECREATE checks (ECREATE_FAILED), size above
  max_enclave_size (NO_MEMORY);
- ADD_PAGES: handle, state, count, then per page: source address (none for a
  ZERO page), offset (BAD_PAGE), SECINFO (BAD_PAGE), descriptor flags
  (INVALID_PARAMETER, also ZERO with MEASURE or a source address),
  duplicate (PAGE_EXISTS), TCS contents (EADD_FAILED), memory limit (NO_MEMORY);
- INIT: handle, state, SIGSTRUCT address, SIGSTRUCT fields, signature,
  measurement, attributes;
- ENTER: unused run-buffer entries (INVALID_FORMAT), handle, state, function and
  sizes (INVALID_PARAMETER), run-buffer addresses, TCS (NOT_TCS), busy or parked TCS
  (TCS_BUSY), ocall rules, executor (NO_IMAGE), output size (OUTPUT_TOO_SMALL). With
  slices, an entry still running at the end of its slice is parked and ENTER answers
  INCOMPLETE; CONTINUE needs a parked entry (INVALID_REQUEST) and its output capacity
  (INVALID_PARAMETER); ABANDON takes no run buffers (INVALID_PARAMETER).
- QUOTE and QUOTING_TARGET: see `vmpl_sgx.seh.quote_call`.
"""

from __future__ import annotations

import ctypes
import itertools
import threading
from typing import Callable, Dict, Tuple

from vmpl_sgx._abi import (
    PAGE_SIZE,
    RUN_BUFFER_MAX,
    SEH_CAA_BUFFER_SIZE,
    SEH_MAX_PAGES_PER_CALL,
    SEH_MIN_VERSION,
    SEH_PROTOCOL,
    SEH_RUN_PAGES,
    SEH_VERSION,
    SIGSTRUCT_SIZE,
    Attr,
    Cap,
    Enclu,
    Exit,
    Keyrequest,
    Report,
    Secs,
    SehAddPagesReq,
    SehAddPagesRsp,
    SehCall,
    SehCreateReq,
    SehCreateRsp,
    SehDescFlag,
    SehDestroyReq,
    SehEnterFault,
    SehEnterOp,
    SehEnterReq,
    SehEnterRsp,
    SehInitReq,
    SehInitRsp,
    SehPageDesc,
    SehQueryReq,
    SehQueryRsp,
    SehResult,
    Sigstruct,
    Targetinfo,
)
from vmpl_sgx.seh import einit, leaves, quote_call
from vmpl_sgx.seh.eadd import check_secinfo, check_tcs, is_tcs
from vmpl_sgx.seh.enclave import Enclave, EnclaveState, NewPage, ThreadState
from vmpl_sgx.seh.errors import SehError
from vmpl_sgx.seh.executor import EXIT_KINDS, Executor, ExitInfo, SlicedExecutor
from vmpl_sgx.seh.identity import identity_of
from vmpl_sgx.seh.memory import GuestMemory
from vmpl_sgx.seh.quoting import Quote, QuoteSizes
from vmpl_sgx.seh.secs import check_secs
from vmpl_sgx.seh.stats import SehStats
from vmpl_sgx.seh.trust import SehTrust
from vmpl_sgx.seh.wire import CallingArea, read_request, write_response

CORE_PROTOCOL = 0
CORE_PROTOCOL_VERSION = 1
CORE_QUERY_PROTOCOL = 6

SEH_CALLS = frozenset(call.value for call in SehCall)

DEFAULT_MAX_ENCLAVE_SIZE = 1 << 36
"""64 GiB, the usual 64-bit limit of SGX CPUs. Pages are stored only once added,
so a large SECS.size costs nothing by itself."""

_DESC_MEASURE = int(SehDescFlag.MEASURE)
_RUN_FUNCTIONS = (Enclu.EENTER, Enclu.ERESUME, SehEnterOp.CONTINUE)
# The RUN path reads these as module globals: an Enum class attribute costs several times a
# global in CPython 3.11, and one ENTER compares against a dozen of them.
_EENTER, _ERESUME = Enclu.EENTER, Enclu.ERESUME
_CONTINUE, _ABANDON = SehEnterOp.CONTINUE, SehEnterOp.ABANDON
_SUCCESS, _INCOMPLETE = SehResult.SUCCESS, SehResult.INCOMPLETE
_OCALL = Exit.OCALL
_INITIALIZED = EnclaveState.INITIALIZED
_DESC_ZERO = int(SehDescFlag.ZERO)
_ZERO_PAGE = bytes(PAGE_SIZE)
_PAGES_AT = vars(SehAddPagesReq)["pages"].offset
_DESC_SIZE = ctypes.sizeof(SehPageDesc)
MODEL_CAPABILITIES = int(Cap.ZERO_PAGES | Cap.MODEL_ROOT_SECRET)
"""What QUERY reports whatever the executor: zero pages are the SEH's own business, and the
model's keys come from its root secret, never from SNP hardware."""
Result = Tuple[SehResult, int]
_Handler = Callable[[CallingArea, int, GuestMemory], int]


def _pages_for(length: int) -> int:
    return -(-length // PAGE_SIZE)


class SehModel:
    """The SEH. Thread-safe: one lock guards all enclave state; enclave code runs outside it.

    max_enclave_size: largest SECS.size CREATE accepts (NO_MEMORY above it).
    max_pages_per_call: ADD_PAGES descriptors per call, 1 to 128.
    max_run_buffer: largest ENTER input and output, at most 16 pages.
    memory_limit: bytes of enclave pages all enclaves together may hold (NO_MEMORY
        beyond it); None for no limit.
    executor: runs enclave code for ENTER; None answers ENTER with NO_IMAGE.
    slice_s: longest enclave slice in seconds (the ENTER continuation), for an executor
        that runs entries in slices; None runs every entry to its exit in one call.
    """

    def __init__(
        self,
        *,
        max_enclave_size: int = DEFAULT_MAX_ENCLAVE_SIZE,
        max_pages_per_call: int = SEH_MAX_PAGES_PER_CALL,
        max_run_buffer: int = RUN_BUFFER_MAX,
        memory_limit: int | None = None,
        executor: Executor | None = None,
        trust: SehTrust | None = None,
        slice_s: float | None = None,
    ) -> None:
        if not 1 <= max_pages_per_call <= SEH_MAX_PAGES_PER_CALL:
            raise ValueError(f"max_pages_per_call must be 1 to {SEH_MAX_PAGES_PER_CALL}")
        if not 0 <= max_run_buffer <= SEH_RUN_PAGES * PAGE_SIZE:
            raise ValueError(f"max_run_buffer must be 0 to {SEH_RUN_PAGES * PAGE_SIZE}")
        if max_enclave_size < 0 or (memory_limit is not None and memory_limit < 0):
            raise ValueError("sizes must not be negative")
        self.max_enclave_size = max_enclave_size
        self.max_pages_per_call = max_pages_per_call
        self.max_run_buffer = max_run_buffer
        self.memory_limit = memory_limit
        self.executor = executor
        self._sliced_answer: Tuple[Executor | None, SlicedExecutor | None] = (None, None)
        if slice_s is not None and slice_s <= 0:
            raise ValueError("slice_s must be positive")
        self.slice_s = slice_s
        self.trust = trust or SehTrust()
        """Root secret, report keys and the quoting chain of this SEH instance."""
        self.stats = SehStats()
        self._lock = threading.Lock()
        self._enclaves: Dict[int, Enclave] = {}
        self._handles = itertools.count(1)
        self._pages_held = 0
        self._handlers: Dict[SehCall, _Handler] = {
            SehCall.QUERY: self._query,
            SehCall.CREATE: self._create,
            SehCall.INIT: self._init,
            SehCall.DESTROY: self._destroy,
        }

    # ---- entry point

    def call(self, rax: int, rcx: int, caa: CallingArea, memory: GuestMemory) -> Tuple[int, int]:
        """Serve one SVSM call; returns (RAX, RCX). The response replaces the request in `caa`."""
        if len(caa) < SEH_CAA_BUFFER_SIZE:
            raise ValueError(f"Calling Area buffer of {len(caa)} bytes, not {SEH_CAA_BUFFER_SIZE}")
        protocol, number = rax >> 32, rax & 0xFFFFFFFF
        if protocol == CORE_PROTOCOL:
            return self._core(number, rcx)
        if protocol != SEH_PROTOCOL:
            self.stats.count_call("unsupported", failed=True)
            return SehResult.UNSUPPORTED_PROTOCOL, 0
        if number not in SEH_CALLS:
            self.stats.count_call("unsupported", failed=True)
            return SehResult.UNSUPPORTED_CALL, 0
        call = SehCall(number)
        if call is SehCall.ADD_PAGES:
            result, length = self._add_pages(caa, rcx, memory)
        elif call is SehCall.ENTER:
            result, length = self._enter(caa, rcx, memory)
        elif call is SehCall.QUOTE:
            result, length = quote_call.serve_quote(self, caa, rcx, memory)
        elif call is SehCall.QUOTING_TARGET:
            result, length = quote_call.serve_quoting_target(self, caa, rcx)
        else:
            result, length = self._simple(call, caa, rcx, memory)
        self.stats.count_call(call.name.lower(), failed=result is not SehResult.SUCCESS)
        return result, length

    def enclave(self, handle: int) -> Enclave | None:
        """The enclave behind `handle`, for tests and tools; None if there is none."""
        with self._lock:
            return self._enclaves.get(handle)

    # ---- EREPORT, EGETKEY and quotes for an initialized enclave

    def ereport(self, handle: int, target: Targetinfo, report_data: bytes) -> Report:
        """EREPORT by the enclave behind `handle` for `target` (BAD_HANDLE, BAD_STATE)."""
        with self._lock:
            identity = identity_of(self._find(handle))
        return self.trust.ereport(identity, target, report_data)

    def egetkey(self, handle: int, request: Keyrequest) -> bytes:
        """EGETKEY by the enclave behind `handle`; KeyRequestError carries SGX's status."""
        with self._lock:
            identity = identity_of(self._find(handle))
        return self.trust.egetkey(identity, request)

    def require_initialized(self, handle: int) -> None:
        """BAD_HANDLE or BAD_STATE unless `handle` names an initialized enclave."""
        with self._lock:
            self._expect(self._find(handle), EnclaveState.INITIALIZED)

    def quote(self, report: bytes, nonce: bytes, capacity: QuoteSizes) -> Quote:
        """An SNP report at VMPL 0 binding an enclave report targeted at the quoting identity."""
        return self.trust.quote(report, nonce, capacity)

    def _core(self, number: int, rcx: int) -> Tuple[int, int]:
        if number != CORE_QUERY_PROTOCOL:
            self.stats.count_call("core", failed=True)
            return SehResult.UNSUPPORTED_CALL, 0
        self.stats.count_call("query_protocol", failed=False)
        protocol, version = rcx >> 32, rcx & 0xFFFFFFFF
        ranges = {
            CORE_PROTOCOL: (CORE_PROTOCOL_VERSION, CORE_PROTOCOL_VERSION),
            SEH_PROTOCOL: (SEH_MIN_VERSION, SEH_VERSION),
        }
        low, high = ranges.get(protocol, (1, 0))
        # SVSM convention: the supported range if the asked version is in it, else 0.
        return SehResult.SUCCESS, (high << 32) | low if low <= version <= high else 0

    def _simple(self, call: SehCall, caa: CallingArea, rcx: int, memory: GuestMemory) -> Result:
        try:
            with self._lock:
                return SehResult.SUCCESS, self._handlers[call](caa, rcx, memory)
        except SehError as error:
            return error.result, 0

    def _find(self, handle: int) -> Enclave:
        enclave = self._enclaves.get(handle)
        if enclave is None:
            raise SehError(SehResult.BAD_HANDLE, f"no enclave with handle 0x{handle:x}")
        return enclave

    @staticmethod
    def _expect(enclave: Enclave, state: EnclaveState) -> None:
        if enclave.state is not state:
            raise SehError(SehResult.BAD_STATE, f"enclave is {enclave.state.value}")

    # ---- QUERY, CREATE, INIT, DESTROY (called with the lock held)

    def _query(self, caa: CallingArea, rcx: int, memory: GuestMemory) -> int:
        request = read_request(SehQueryReq, caa, rcx)
        if request.version < SEH_MIN_VERSION:
            raise SehError(SehResult.INVALID_PARAMETER, f"version {request.version} is too old")
        capabilities = MODEL_CAPABILITIES
        if self.executor is not None:
            capabilities |= self.executor.capabilities
        response = SehQueryRsp(
            version=min(request.version, SEH_VERSION),
            max_pages_per_call=self.max_pages_per_call,
            max_run_buffer=self.max_run_buffer,
            capabilities=capabilities,
            max_enclave_size=self.max_enclave_size,
        )
        return write_response(caa, response)

    def _create(self, caa: CallingArea, rcx: int, memory: GuestMemory) -> int:
        request = read_request(SehCreateReq, caa, rcx)
        secs = Secs.from_buffer_copy(memory.read(request.secs_gpa))
        check_secs(secs)
        if secs.size > self.max_enclave_size:
            raise SehError(SehResult.NO_MEMORY, f"size 0x{secs.size:x} is above the limit")
        handle = next(self._handles)
        self._enclaves[handle] = Enclave(handle, secs)
        return write_response(caa, SehCreateRsp(handle=handle))

    def _init(self, caa: CallingArea, rcx: int, memory: GuestMemory) -> int:
        request = read_request(SehInitReq, caa, rcx)
        enclave = self._find(request.handle)
        self._expect(enclave, EnclaveState.CREATED)
        raw = bytes(memory.read(request.sigstruct_gpa, SIGSTRUCT_SIZE))
        sig = Sigstruct.from_buffer_copy(raw)
        einit.check_fields(sig)
        einit.check_signature(raw)
        mrenclave = enclave.measurement.digest()
        einit.check_measurement(sig, mrenclave)
        einit.check_attributes(sig, enclave)
        mrsigner = einit.mrsigner(sig)
        enclave.initialize(
            mrenclave,
            mrsigner,
            sig.isvprodid,
            sig.isvsvn,
            isv_family_id=bytes(sig.isvfamilyid),
            isv_ext_prod_id=bytes(sig.isvextprodid),
        )
        return write_response(caa, SehInitRsp.from_buffer_copy(mrenclave + mrsigner))

    def _destroy(self, caa: CallingArea, rcx: int, memory: GuestMemory) -> int:
        request = read_request(SehDestroyReq, caa, rcx)
        enclave = self._find(request.handle)
        del self._enclaves[request.handle]
        self._pages_held -= enclave.page_count
        if self.executor is not None:
            self.executor.forget(enclave)
        return 0

    # ---- ADD_PAGES: the response says how many pages went in, on success and on failure

    def _add_pages(self, caa: CallingArea, rcx: int, memory: GuestMemory) -> Result:
        try:
            request = read_request(SehAddPagesReq, caa, rcx)
        except SehError as error:
            return error.result, 0
        accepted: list[NewPage] = []
        result = SehResult.SUCCESS
        with self._lock:
            try:
                enclave = self._find(request.handle)
                self._expect(enclave, EnclaveState.CREATED)
                if not 1 <= request.count <= self.max_pages_per_call:
                    raise SehError(SehResult.INVALID_PARAMETER, f"count {request.count}")
                if self._add_zero_run(enclave, request):
                    return result, write_response(caa, SehAddPagesRsp(done=request.count))
                claimed: set[int] = set()
                for desc in request.pages[: request.count]:
                    accepted.append(self._check_page(enclave, desc, memory, claimed, len(accepted)))
            except SehError as error:
                result = error.result
            # The pages before a failure stay added, as with EADD one page at a time.
            if accepted:
                self._commit(enclave, accepted)
        return result, write_response(caa, SehAddPagesRsp(done=len(accepted)))

    def _check_page(
        self,
        enclave: Enclave,
        desc: SehPageDesc,
        memory: GuestMemory,
        claimed: set[int],
        pending: int,
    ) -> NewPage:
        """Run the EADD checks on one descriptor; `claimed` holds earlier offsets of the batch."""
        # A private copy first: the guest must not change the page between check and use.
        # A zero page names no guest page (src_gpa 0) and is stored as no buffer at all.
        src_gpa, desc_flags = desc.src_gpa, desc.flags
        zero = bool(desc_flags & _DESC_ZERO)
        data = None if zero else bytearray(memory.read(src_gpa))
        offset, flags = desc.offset, desc.secinfo_flags
        if offset % PAGE_SIZE or offset >= enclave.size:
            raise SehError(SehResult.BAD_PAGE, f"offset 0x{offset:x} is not a page of the enclave")
        check_secinfo(flags)
        if desc_flags & ~(_DESC_MEASURE | _DESC_ZERO) or (
            zero and (desc_flags & _DESC_MEASURE or src_gpa)
        ):
            raise SehError(SehResult.INVALID_PARAMETER, f"descriptor flags 0x{desc_flags:x}")
        if enclave.has_page(offset) or offset in claimed:
            raise SehError(SehResult.PAGE_EXISTS, f"offset 0x{offset:x} already holds a page")
        if is_tcs(flags):
            check_tcs(_ZERO_PAGE if data is None else data, enclave.size,
                      enclave.ssa_frame_size, enclave.mode64bit)
        held = self._pages_held + pending + 1
        if self.memory_limit is not None and held * PAGE_SIZE > self.memory_limit:
            raise SehError(SehResult.NO_MEMORY, "the SEH's page memory is used up")
        claimed.add(offset)
        return NewPage(offset, data, flags, bool(desc_flags & _DESC_MEASURE))

    def _add_zero_run(self, enclave: Enclave, request: SehAddPagesReq) -> bool:
        """Add the whole batch at once if it is consecutive zero pages that pass every check;
        False leaves everything as it was for the page-by-page path, which finds the failure."""
        count = request.count
        words = memoryview(request).cast("B")[_PAGES_AT : _PAGES_AT + count * _DESC_SIZE]
        fields = words.cast("Q")  # per descriptor: src_gpa, offset, secinfo_flags | flags << 32
        first, flags_word = fields[1], fields[2]
        end = first + count * PAGE_SIZE
        flags = flags_word & 0xFFFFFFFF
        if (
            flags_word >> 32 != _DESC_ZERO
            or any(fields[0::3])
            or fields[1::3].tolist() != list(range(first, end, PAGE_SIZE))
            or fields[2::3].tolist() != [flags_word] * count
            or first % PAGE_SIZE
            or end > enclave.size
            or is_tcs(flags)
            or enclave.zero.overlaps(first, end)
            or not enclave.pages.keys().isdisjoint(range(first, end, PAGE_SIZE))
        ):
            return False
        if self.memory_limit is not None and (
            (self._pages_held + count) * PAGE_SIZE > self.memory_limit
        ):
            return False
        try:
            check_secinfo(flags)
        except SehError:
            return False
        enclave.add_zero_run(first, count, flags)
        self._pages_held += count
        self.stats.count_pages(count, 0)
        return True

    def _commit(self, enclave: Enclave, pages: list[NewPage]) -> None:
        enclave.add_pages(pages)
        self._pages_held += len(pages)
        self.stats.count_pages(len(pages), PAGE_SIZE * sum(page.measured for page in pages))

    # ---- ENTER: checks under the lock, enclave code outside it

    def _enter(self, caa: CallingArea, rcx: int, memory: GuestMemory) -> Result:
        try:
            request = read_request(SehEnterReq, caa, rcx)
            inputs = self._run_pages(request.input_gpa, request.input_len)
            outputs = self._run_pages(request.output_gpa, request.output_capacity)
            if request.function == SehEnterOp.ABANDON:
                self._abandon(
                    request.handle, request.tcs_offset, request.input_len,
                    request.output_capacity,
                )
                return SehResult.SUCCESS, 0

            def check_run_buffers() -> None:
                memory.check_all(inputs)
                memory.check_all(outputs, writable=True)

            def read_input() -> bytes:
                return b"".join(bytes(memory.read(gpa)) for gpa in inputs)[: request.input_len]

            exit_info = self._run_entry(
                request.handle,
                request.tcs_offset,
                request.function,
                request.call_id,
                request.input_len,
                request.output_capacity,
                check_run_buffers,
                read_input,
            )
        except SehError as error:
            return error.result, 0
        if exit_info is None:  # still running: parked until the continuation
            return SehResult.INCOMPLETE, 0
        self._store_output(exit_info.output, outputs, memory)
        length = write_response(caa, enter_response(exit_info))
        fault = bytes(enter_fault(exit_info))
        caa[length : length + len(fault)] = fault
        return SehResult.SUCCESS, length + len(fault)

    def enter(  # noqa: PLR0917 - the fields of one ENTER request
        self,
        handle: int,
        tcs_offset: int,
        function: int,
        call_id: int,
        data: bytes,
        output_capacity: int,
    ) -> Tuple[SehResult, ExitInfo | None]:
        """ENTER for a transport in this process whose run buffers are its own memory: the
        same checks, order and results as the call through the Calling Area, without the
        request and response structs or guest pages. Returns (result, exit) with the exit
        on SUCCESS only (INCOMPLETE: the entry is parked, issue CONTINUE); counted in
        `stats` like any other call."""
        try:
            if function == _ABANDON:
                self._abandon(handle, tcs_offset, len(data), output_capacity)
                exit_info = None
            else:
                exit_info = self._run_entry(
                    handle, tcs_offset, function, call_id, len(data), output_capacity, None,
                    data,
                )
        except SehError as error:
            self.stats.count_call("enter", True)
            return error.result, None
        self.stats.count_call("enter", False)
        if exit_info is None and function != _ABANDON:
            return _INCOMPLETE, None
        return _SUCCESS, exit_info

    def _abandon(self, handle: int, tcs_offset: int, input_len: int, capacity: int) -> None:
        """ABANDON: the TCS's parked entry ends and its ocall is forgotten."""
        if input_len or capacity:
            raise SehError(SehResult.INVALID_PARAMETER, "ABANDON takes no run buffers")
        with self._lock:
            enclave = self._find(handle)
            self._expect(enclave, EnclaveState.INITIALIZED)
            thread = enclave.threads.get(tcs_offset)
            if thread is None:
                raise SehError(SehResult.NOT_TCS, f"no TCS at offset 0x{tcs_offset:x}")
            if thread.busy:
                raise SehError(SehResult.TCS_BUSY, f"TCS 0x{tcs_offset:x} is running")
            parked = thread.parked
            thread.parked = thread.ocall_pending = False
        executor = self.executor
        sliced = self._sliced(executor)
        if parked and sliced is not None:
            sliced.cancel(enclave, tcs_offset)

    def _sliced(self, executor: Executor | None) -> SlicedExecutor | None:
        """`executor` if it runs slices, else None. A protocol's isinstance costs about as
        much as a whole empty ecall, so the answer is kept for the executor last asked about."""
        known, sliced = self._sliced_answer
        if executor is not known:
            sliced = executor if isinstance(executor, SlicedExecutor) else None
            self._sliced_answer = (executor, sliced)
        return sliced

    def _run_entry(  # noqa: PLR0917 - the fields of one ENTER request
        self,
        handle: int,
        tcs_offset: int,
        function: int,
        call_id: int,
        input_len: int,
        output_capacity: int,
        check_run_buffers: Callable[[], None] | None,
        read_input: Callable[[], bytes] | bytes,
    ) -> ExitInfo | None:
        """Claim the TCS, run the enclave until it exits (or for one slice: None, the entry
        parked), release the TCS; SehError if a check fails or the exit does not fit
        `output_capacity`. `read_input` is the input, or what reads it once the TCS is
        claimed."""
        with self._lock:
            enclave, thread, executor = self._claim_thread(
                handle, tcs_offset, function, input_len, output_capacity, check_run_buffers
            )
        try:
            data = read_input if isinstance(read_input, bytes) else read_input()
            exit_info = self._execute(
                executor, enclave, tcs_offset, function, call_id, data, output_capacity
            )
        except BaseException:
            with self._lock:
                thread.busy = False
                thread.parked = False
            raise
        if exit_info is None:
            with self._lock:
                thread.busy = False
                thread.parked = True
                thread.parked_capacity = output_capacity
            return None
        # An exit that does not fit ends the ecall: there is no ocall to answer.
        fits = len(exit_info.output) <= output_capacity
        with self._lock:
            thread.busy = False
            thread.parked = False
            thread.ocall_pending = fits and exit_info.kind == _OCALL
        if not fits:
            raise SehError(SehResult.OUTPUT_TOO_SMALL, f"{len(exit_info.output)} bytes")
        if exit_info.exception_rip and not enclave.attributes & Attr.DEBUG:
            # As on SGX, where only a debugger sees a production enclave's SSA, never its RIP.
            exit_info = exit_info._replace(exception_rip=0)
        return exit_info

    @staticmethod
    def _run_pages(gpas: ctypes.Array[ctypes.c_uint64], length: int) -> list[int]:
        """The guest pages a run buffer of `length` bytes uses; the rest must be zero."""
        entries: list[int] = gpas[:]  # one C call, not a conversion per element
        used = min(_pages_for(length), len(entries))
        if any(entries[used:]):
            raise SehError(SehResult.INVALID_FORMAT, "unused run-buffer entries are not zero")
        return entries[:used]

    def _claim_thread(  # noqa: PLR0917 - the fields of one ENTER request
        self,
        handle: int,
        tcs_offset: int,
        function: int,
        input_len: int,
        output_capacity: int,
        check_run_buffers: Callable[[], None] | None,
    ) -> Tuple[Enclave, ThreadState, Executor]:
        enclave = self._find(handle)
        if enclave.state is not _INITIALIZED:
            self._expect(enclave, _INITIALIZED)
        if function not in _RUN_FUNCTIONS:
            raise SehError(SehResult.INVALID_PARAMETER, f"function {function}")
        limit = self.max_run_buffer
        if input_len > limit or output_capacity > limit:
            length = input_len if input_len > limit else output_capacity
            raise SehError(SehResult.INVALID_PARAMETER, f"run buffer of {length} bytes")
        if check_run_buffers is not None:
            check_run_buffers()
        thread = enclave.threads.get(tcs_offset)
        if thread is None:
            raise SehError(SehResult.NOT_TCS, f"no TCS at offset 0x{tcs_offset:x}")
        if thread.busy:
            raise SehError(SehResult.TCS_BUSY, f"TCS 0x{tcs_offset:x} is running")
        if function == _CONTINUE:
            if not thread.parked:
                raise SehError(SehResult.INVALID_REQUEST, "CONTINUE without a parked entry")
            if output_capacity != thread.parked_capacity:
                raise SehError(
                    SehResult.INVALID_PARAMETER, "CONTINUE with another output capacity"
                )
        elif thread.parked:
            raise SehError(SehResult.TCS_BUSY, f"an entry is parked on TCS 0x{tcs_offset:x}")
        if function == _EENTER and thread.ocall_pending:
            raise SehError(SehResult.OCALL_PENDING, "EENTER while an ocall waits for its answer")
        if function == _ERESUME and not thread.ocall_pending:
            raise SehError(SehResult.NO_OCALL_PENDING, "ERESUME without a pending ocall")
        if self.executor is None:
            raise SehError(SehResult.NO_IMAGE, "this SEH has no executor for enclave code")
        thread.busy = True
        return enclave, thread, self.executor

    def _execute(  # noqa: PLR0917 - the fields of one ENTER request
        self,
        executor: Executor,
        enclave: Enclave,
        tcs_offset: int,
        function: int,
        call_id: int,
        data: bytes,
        capacity: int,
    ) -> ExitInfo | None:
        """Run the entry to its exit, or for one slice (None: it runs on, parked)."""
        sliced = None if self.slice_s is None else self._sliced(executor)
        exit_info: ExitInfo | None
        if function == _EENTER:
            if sliced is None:
                exit_info = executor.enter(enclave, tcs_offset, call_id, data, capacity)
            else:
                sliced.start_enter(enclave, tcs_offset, call_id, data, capacity)
                exit_info = sliced.wait_exit(enclave, tcs_offset, self.slice_s)
        elif function == _ERESUME:
            exit_info = self._resume(executor, sliced, enclave, tcs_offset, data, capacity)
        elif sliced is None:
            raise SehError(SehResult.INVALID_REQUEST, "this SEH runs no slices")
        else:  # CONTINUE
            exit_info = sliced.wait_exit(enclave, tcs_offset, self.slice_s)
        # EREPORT and EGETKEY leave enclave code as ocalls the SEH answers itself.
        while (
            exit_info is not None
            and exit_info.kind == _OCALL
            and exit_info.call_id in leaves.LEAF_IDS
        ):
            answer = leaves.serve(
                self.trust, identity_of(enclave), exit_info.call_id, bytes(exit_info.output)
            )
            exit_info = self._resume(executor, sliced, enclave, tcs_offset, answer, capacity)
        if exit_info is not None and exit_info.kind not in EXIT_KINDS:
            raise ValueError(f"the executor returned exit kind {exit_info.kind!r}")
        return exit_info

    def _resume(  # noqa: PLR0917 - the fields of one ERESUME
        self,
        executor: Executor,
        sliced: SlicedExecutor | None,
        enclave: Enclave,
        tcs_offset: int,
        answer: bytes,
        capacity: int,
    ) -> ExitInfo | None:
        """ERESUME with `answer`: to the exit, or for one slice when `sliced`."""
        if sliced is None:
            return executor.resume(enclave, tcs_offset, answer, capacity)
        sliced.start_resume(enclave, tcs_offset, answer, capacity)
        return sliced.wait_exit(enclave, tcs_offset, self.slice_s)

    @staticmethod
    def _store_output(output: bytes, outputs: list[int], memory: GuestMemory) -> None:
        for index, gpa in enumerate(outputs):
            chunk = output[index * PAGE_SIZE : (index + 1) * PAGE_SIZE]
            if not chunk:
                break
            memory.write(gpa, chunk)


def enter_response(exit_info: ExitInfo) -> SehEnterRsp:
    """The ENTER response that reports `exit_info` (the output travels separately)."""
    response = SehEnterRsp(exit_kind=exit_info.kind, output_len=len(exit_info.output))
    if exit_info.kind == Exit.NORMAL:
        response.retval = exit_info.retval
    elif exit_info.kind == Exit.OCALL:
        response.call_id = exit_info.call_id
    elif exit_info.kind == Exit.EXCEPTION:
        response.exception_vector = exit_info.exception_vector
        response.exception_error_code = exit_info.exception_error_code
        response.exception_addr = exit_info.exception_addr
    return response


def enter_fault(exit_info: ExitInfo) -> SehEnterFault:
    """The seh_enter_fault that follows the ENTER response: the faulting instruction on an
    exception exit (already 0 unless the enclave has DEBUG), 0 on any other exit."""
    exception = exit_info.kind == Exit.EXCEPTION
    return SehEnterFault(exception_rip=exit_info.exception_rip if exception else 0)
