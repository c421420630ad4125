"""`Enclave`: one enclave through its backend, with the lifecycle create, add pages, init, run.

The methods issue the raw ioctls and never check an argument in a way that would change the
errno the backend reports; they only sharpen the error class afterwards when they know more
(the state the enclave is in, the owning process, whether ADD_PAGES' EBUSY was a duplicate
page). Every buffer whose address an ioctl carries is kept alive until the ioctl returns.
"""

from __future__ import annotations

import ctypes
import dataclasses
import enum
import errno
import os
import time
from types import TracebackType
from typing import Callable, Optional, Union

from vmpl_sgx import _abi
from vmpl_sgx._abi import (
    PAGE_SIZE,
    QUOTE_NONCE_SIZE,
    QUOTE_REPORT_SIZE,
    SECS_SIZE,
    SIGSTRUCT_SIZE,
    Cap,
    EnclaveAddPages,
    EnclaveCreate,
    EnclaveInit,
    EnclaveQuote,
    EnclaveRun,
    Enclu,
    Exit,
    Info,
    PageFlag,
    QuotingTarget,
    RunFlag,
    Secinfo,
    Secs,
)
from vmpl_sgx.attestation.quote import Quote
from vmpl_sgx.backend import DEVICE_PATH, Backend
from vmpl_sgx.buffers import PinnedBuffer
from vmpl_sgx.errors import (
    ADD_PAGES,
    CREATE,
    GET_INFO,
    INIT,
    QUOTE,
    QUOTING_TARGET,
    RUN,
    BadValueError,
    BusyError,
    CallInterruptedError,
    EnclaveStateError,
    EntryParkedError,
    InvalidArgumentError,
    NotOwnerError,
    PageExistsError,
    QuoteBufferTooSmallError,
    RunTimeoutError,
    SdkError,
    VmplSgxError,
    error_for,
)
from vmpl_sgx.identity import EnclaveIdentity, identity_after_init
from vmpl_sgx.info import BackendInfo
from vmpl_sgx.interrupted import InterruptedRuns, ParkedRun, deadline
from vmpl_sgx.run_buffers import RUN_FIELDS, RunSlots
from vmpl_sgx.seh.executor import ExitInfo
from vmpl_sgx.selection import open_backend

BytesLike = Union[bytes, bytearray, memoryview]
OwnedRun = Callable[[int, int, int, bytes, int], Optional[ExitInfo]]
"""A backend's RUN that takes (tcs, function, call_id, input, output_capacity) as values and
returns the exit, or None when the RUN must go through the ioctl."""
Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes in all) as ENCLAVE_ADD_PAGES makes progress."""

CHUNK_BYTES = 8 << 20
"""Source bytes staged per ENCLAVE_ADD_PAGES call: bounds the memory a large region needs."""

ZERO_CHUNK_BYTES = 256 << 20
"""Zero pages asked for per ENCLAVE_ADD_PAGES call: nothing is staged, this only paces progress."""

_COUNT_UNTOUCHED = (1 << 64) - 1
"""Put in `count` before the call: still there afterwards means the module never wrote it."""
_MAX_EMPTY_CALLS = 3
_IOC_RUN = _abi.IOC_ENCLAVE_RUN
_EXITS = {int(kind): kind for kind in Exit}
# Read as module globals on the RUN path: an Enum class attribute costs several times a global
# in CPython 3.11.
_NORMAL, _OCALL, _EXCEPTION = Exit.NORMAL, Exit.OCALL, Exit.EXCEPTION
_EEXIT = int(Enclu.EEXIT)
_new_object = object.__new__
_EXIT_KIND = int(vars(EnclaveRun)["exit_kind"].offset)
_QUOTE_FIRST_SIZES = (PAGE_SIZE, PAGE_SIZE, 2 * PAGE_SIZE)
"""Buffers of the first ENCLAVE_QUOTE try: an SNP report, a manifest and three certificates."""


class EnclaveState(enum.Enum):
    NEW = "new"
    CREATED = "created"
    INITIALIZED = "initialized"
    CLOSED = "closed"


@dataclasses.dataclass(frozen=True)
class ExceptionInfo:
    vector: int
    error_code: int
    address: int
    """Faulting enclave linear address."""
    rip: int = 0
    """Enclave linear address of the faulting instruction; 0 if the backend does not say
    (GET_INFO without VMPL_SGX_CAP_EXCEPTION_RIP)."""


@dataclasses.dataclass(frozen=True)
class RunResult:
    """How one ENCLAVE_RUN ended."""

    exit_kind: Exit
    output: bytes
    retval: int = 0
    """The enclave's return value on a normal exit."""
    ocall_id: int | None = None
    """The ocall number on an ocall exit; answer it with run(function=ERESUME)."""
    exception: ExceptionInfo | None = None
    function: int = Enclu.EEXIT

    @property
    def is_ocall(self) -> bool:
        return self.exit_kind == Exit.OCALL


class Enclave:
    """One enclave: one open file of the device or the simulator. Closing it destroys it."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._owner = os.getpid()
        self._state = EnclaveState.NEW
        self.base = 0
        self.size = 0
        self._run_slots = RunSlots()
        # The simulator takes a plain RUN without the argument struct (None: the ioctl).
        self._owned_run: OwnedRun | None = getattr(backend, "run_owned", None)
        self._interrupted = InterruptedRuns()
        self._secs = b""
        self._identity: EnclaveIdentity | None = None
        self._zero_pages: bool | None = None

    @classmethod
    def open(cls, backend: str = "auto", path: str = DEVICE_PATH) -> Enclave:
        """A new enclave on `backend` ('auto', 'device' or 'simulator'; see open_backend)."""
        return cls(open_backend(backend, path))

    @property
    def backend(self) -> Backend:
        return self._backend

    @property
    def backend_name(self) -> str:
        return self._backend.name

    @property
    def state(self) -> EnclaveState:
        return EnclaveState.CLOSED if self._backend.closed else self._state

    # ---- ioctls

    def info(self) -> BackendInfo:
        """GET_INFO: versions, transport, capabilities and limits of the backend."""
        buffer = bytearray(ctypes.sizeof(Info))
        self._ioctl(_abi.IOC_GET_INFO, buffer, GET_INFO)
        return BackendInfo.from_struct(Info.from_buffer_copy(buffer))

    def create(self, secs: BytesLike | Secs) -> None:
        """ENCLAVE_CREATE from a 4096-byte SECS."""
        raw = bytes(secs)
        if len(raw) != SECS_SIZE:
            raise BadValueError(f"a SECS is {SECS_SIZE} bytes, not {len(raw)}")
        with PinnedBuffer.holding(raw) as page:
            self._ioctl(_abi.IOC_ENCLAVE_CREATE, bytearray(EnclaveCreate(src=page.address)), CREATE)
        parsed = Secs.from_buffer_copy(raw)
        self.base, self.size = parsed.base, parsed.size
        self._secs = raw
        self._state = EnclaveState.CREATED

    def add_pages(
        self,
        offset: int,
        data: BytesLike,
        secinfo_flags: int,
        measure: bool = True,
        *,
        progress: Progress | None = None,
    ) -> int:
        """ENCLAVE_ADD_PAGES of `data` at enclave `offset`, all with the same SECINFO flags.

        Loops on partial counts (a signal may cut a call short) and returns the bytes added.
        A failure raises with `count` set to the bytes added before it.
        """
        view = memoryview(data).cast("B")
        total = len(view)
        flags = int(PageFlag.MEASURE) if measure else 0
        secinfo = ctypes.create_string_buffer(bytes(Secinfo(flags=secinfo_flags)))
        if not total or total % PAGE_SIZE:
            # Whatever the module says about it, in one call, as a raw caller would see it.
            with PinnedBuffer.holding(view, max(total, PAGE_SIZE)) as source:
                return self._add_chunk(
                    source.address, offset=offset, length=total, secinfo=secinfo, flags=flags
                )
        done = 0
        with PinnedBuffer(min(total, CHUNK_BYTES)) as source:
            while done < total:
                piece = min(CHUNK_BYTES, total - done)
                source.write(view[done : done + piece])
                done += self._add_chunk(
                    source.address,
                    offset=offset + done,
                    length=piece,
                    secinfo=secinfo,
                    flags=flags,
                    before=done,
                )
                if progress is not None:
                    progress(done, total)
        return done

    def add_zero_pages(
        self,
        offset: int,
        length: int,
        secinfo_flags: int,
        *,
        progress: Progress | None = None,
    ) -> int:
        """Unmeasured zero pages at enclave `offset`: with VMPL_SGX_CAP_ZERO_PAGES through
        ENCLAVE_ADD_PAGES with VMPL_SGX_PAGE_ZERO (no source, nothing copied), otherwise as
        ordinary unmeasured pages from one reused zero buffer. Same MRENCLAVE either way."""
        if self._zero_pages is None:
            self._zero_pages = self.info().has(Cap.ZERO_PAGES)
        if not self._zero_pages or not length or length % PAGE_SIZE:
            return self._add_zeros_staged(offset, length, secinfo_flags, progress)
        secinfo = ctypes.create_string_buffer(bytes(Secinfo(flags=secinfo_flags)))
        done = 0
        while done < length:
            piece = min(ZERO_CHUNK_BYTES, length - done)
            done += self._add_chunk(
                0, offset=offset + done, length=piece, secinfo=secinfo,
                flags=int(PageFlag.ZERO), before=done,
            )
            if progress is not None:
                progress(done, length)
        return done

    def _add_zeros_staged(
        self, offset: int, length: int, secinfo_flags: int, progress: Progress | None
    ) -> int:
        zeros = memoryview(bytes(min(max(length, 0), CHUNK_BYTES) or PAGE_SIZE))
        if not length or length % PAGE_SIZE:
            return self.add_pages(offset, zeros[:length], secinfo_flags, False)
        done = 0
        while done < length:
            piece = min(CHUNK_BYTES, length - done)
            try:
                done += self.add_pages(offset + done, zeros[:piece], secinfo_flags, False)
            except VmplSgxError as error:
                error.count = done + (error.count or 0)
                raise
            if progress is not None:
                progress(done, length)
        return done

    def _add_chunk(
        self,
        src: int,
        *,
        offset: int,
        length: int,
        secinfo: ctypes.Array[ctypes.c_char],
        flags: int,
        before: int = 0,
    ) -> int:
        done = 0
        empty_calls = 0
        while True:
            arg = EnclaveAddPages(
                src=src + done if src else 0,  # 0 stays 0: ZERO pages take no source
                offset=offset + done,
                length=length - done,
                secinfo=ctypes.addressof(secinfo),
                flags=flags,
                count=_COUNT_UNTOUCHED,
            )
            buffer = bytearray(arg)
            try:
                self._ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, buffer, ADD_PAGES)
            except VmplSgxError as error:
                count = EnclaveAddPages.from_buffer(buffer).count
                written = count != _COUNT_UNTOUCHED
                done += count if written else 0
                if error.errno == errno.EINTR and written:
                    continue  # interrupted before its first page; a restart loses nothing
                raise self._add_pages_error(error, written, offset + done, before + done) from None
            count = EnclaveAddPages.from_buffer(buffer).count
            done += count
            if done >= length:
                return done
            empty_calls = empty_calls + 1 if count == 0 else 0
            if empty_calls >= _MAX_EMPTY_CALLS:
                raise error_for(errno.EIO, ADD_PAGES, "the call keeps succeeding without a page")

    def _add_pages_error(
        self, error: VmplSgxError, count_written: bool, where: int, added: int
    ) -> VmplSgxError:
        if error.errno == errno.EBUSY and count_written:
            error = _retyped(
                error, PageExistsError, f"a page already exists at enclave offset 0x{where:x}"
            )
        error.count = added
        return error

    def init(self, sigstruct: BytesLike) -> None:
        """ENCLAVE_INIT with a 1808-byte SIGSTRUCT. A rejected one leaves the enclave as it was."""
        raw = bytes(sigstruct)
        if len(raw) != SIGSTRUCT_SIZE:
            raise BadValueError(f"a SIGSTRUCT is {SIGSTRUCT_SIZE} bytes, not {len(raw)}")
        held = ctypes.create_string_buffer(raw, SIGSTRUCT_SIZE)
        arg = EnclaveInit(sigstruct=ctypes.addressof(held))
        self._ioctl(_abi.IOC_ENCLAVE_INIT, bytearray(arg), INIT)
        self._state = EnclaveState.INITIALIZED
        self._identity = identity_after_init(self._secs, raw)

    @property
    def identity(self) -> EnclaveIdentity:
        """MRENCLAVE, MRSIGNER, attributes and ISV fields; EnclaveStateError before INIT."""
        if self._identity is None:
            raise EnclaveStateError(
                errno.EINVAL, INIT, "the enclave has no identity until ENCLAVE_INIT succeeds"
            )
        return self._identity

    def run(
        self,
        tcs: int,
        call_id: int = 0,
        input: BytesLike = b"",
        output_capacity: int = 0,
        function: int = Enclu.EENTER,
        *,
        timeout: float | None = None,
    ) -> RunResult:
        """ENCLAVE_RUN on the TCS at linear address `tcs` (see tcs_address).

        A signal that interrupts the call is handled (by Python) and the same RUN is issued
        again, which resumes the parked entry and receives its result. When the handler
        raises (KeyboardInterrupt), or the RUN outlives `timeout` seconds (RunTimeoutError;
        main thread only), the entry stays parked: `resume(tcs)` receives its result and
        `cancel(tcs)` gives it up. Any other RUN on that TCS raises EntryParkedError; a RUN
        never returns the result of another.
        """
        data = input if type(input) is bytes else bytes(input)
        owned = self._owned_run
        if owned is not None:
            if timeout is not None:
                raise SdkError("the simulator cannot interrupt a RUN: timeout= needs the device")
            try:
                exit_info = owned(tcs, function, call_id, data, output_capacity)
            except VmplSgxError as error:
                raise self._sharpened(error, RUN) from None
            if exit_info is not None:
                return _result_of(exit_info, function)
        elif timeout is not None and self._backend.name == "simulator":
            raise SdkError("the simulator cannot interrupt a RUN: timeout= needs the device")
        slot = self._run_slots.take(tcs)
        try:
            slot.fill(tcs, function, call_id, data, output_capacity)
            buffer = slot.arg
            try:
                with deadline(timeout, tcs, lambda: _returned(buffer)):
                    self._run_until_done(buffer)
            except (KeyboardInterrupt, RunTimeoutError):
                if not _returned(buffer):  # else it is over, only its result is dropped
                    self._interrupted.parked(
                        tcs, ParkedRun(function, call_id, data, output_capacity)
                    )
                raise
            self._interrupted.finished(tcs)
            (_, done_function, vector, error_code, address, done_call_id, kind, _, _, _, _,
             output_len, _, retval, rip) = RUN_FIELDS.unpack_from(buffer)
            output = slot.output(output_len)
        finally:
            slot.lock.release()
        exit_kind = _EXITS.get(kind)
        if exit_kind is None:
            exit_kind = Exit(kind)  # raises ValueError for a kind the ABI does not know
        # Built without the frozen dataclass's __init__, which sets each field through
        # object.__setattr__ and cost more than the rest of this method.
        result: RunResult = _new_object(RunResult)
        result.__dict__.update(
            exit_kind=exit_kind,
            output=output,
            retval=retval,
            ocall_id=done_call_id if exit_kind is Exit.OCALL else None,
            exception=(
                ExceptionInfo(vector, error_code, address, rip)
                if exit_kind is Exit.EXCEPTION
                else None
            ),
            function=done_function,
        )
        return result

    def _run_until_done(self, buffer: bytearray) -> None:
        while True:
            try:
                self._ioctl(_IOC_RUN, buffer, RUN)
                return
            except CallInterruptedError:
                # The entry stays parked; only the same RUN resumes it.
                continue
            except EntryParkedError as error:
                raise _retyped(
                    error, EntryParkedError, "an interrupted RUN's entry is parked on this "
                    "TCS: resume() receives its result, cancel() gives it up",
                ) from None

    def resume(self, tcs: int, *, timeout: float | None = None) -> RunResult:
        """Issue the interrupted RUN on `tcs` again and return its result (never another's);
        EntryCancelledError if `cancel(tcs)` gave it up."""
        parked = self._interrupted.to_resume(tcs)
        return self.run(
            tcs, parked.call_id, parked.data, parked.output_capacity, parked.function,
            timeout=timeout,
        )

    def cancel(self, tcs: int) -> None:
        """Give up the entry parked on `tcs` and any ocall it waits for (VMPL_SGX_RUN_CANCEL);
        the TCS takes a new ecall. Resuming the cancelled call raises EntryCancelledError."""
        arg = bytearray(EnclaveRun(tcs=tcs, flags=int(RunFlag.CANCEL)))
        self._ioctl(_IOC_RUN, arg, RUN)
        self._interrupted.cancelled(tcs)

    def interrupted(self) -> list[int]:
        """The TCS addresses whose RUN was interrupted and is neither resumed nor cancelled."""
        return self._interrupted.tcs_list()
    def quoting_target(self) -> bytes:
        """QUOTING_TARGET: the 512-byte TARGETINFO to aim a REPORT at before `quote`."""
        buffer = bytearray(ctypes.sizeof(QuotingTarget))
        self._ioctl(_abi.IOC_QUOTING_TARGET, buffer, QUOTING_TARGET)
        return bytes(QuotingTarget.from_buffer(buffer).targetinfo)

    def quote(self, report: BytesLike, nonce: BytesLike, busy_wait: float = 600.0) -> Quote:
        """ENCLAVE_QUOTE: a REPORT this enclave made for `quoting_target()` and a 64-byte nonce
        become an SNP report at VMPL 0, the manifest and the certificates.

        Buffers start at usual sizes and grow to what the SEH says it needs. While the SEH is
        busy (a loopback SEH generates its test chain once), retries for up to `busy_wait`
        seconds. A report the SEH refuses raises ReportRefusedError.
        """
        raw_report, raw_nonce = bytes(report), bytes(nonce)
        if len(raw_report) != QUOTE_REPORT_SIZE:
            raise BadValueError(f"a REPORT is {QUOTE_REPORT_SIZE} bytes, not {len(raw_report)}")
        if len(raw_nonce) != QUOTE_NONCE_SIZE:
            raise BadValueError(f"the nonce is {QUOTE_NONCE_SIZE} bytes, not {len(raw_nonce)}")
        held = ctypes.create_string_buffer(raw_report + raw_nonce)
        sizes = _QUOTE_FIRST_SIZES
        deadline = time.monotonic() + busy_wait
        grown = False
        while True:
            outputs = [ctypes.create_string_buffer(max(size, 1)) for size in sizes]
            arg = EnclaveQuote(
                report=ctypes.addressof(held),
                nonce=ctypes.addressof(held) + QUOTE_REPORT_SIZE,
                snp_report=ctypes.addressof(outputs[0]),
                manifest=ctypes.addressof(outputs[1]),
                certificates=ctypes.addressof(outputs[2]),
                snp_report_len=sizes[0],
                manifest_len=sizes[1],
                certificates_len=sizes[2],
            )
            buffer = bytearray(arg)
            try:
                self._ioctl(_abi.IOC_ENCLAVE_QUOTE, buffer, QUOTE)
            except QuoteBufferTooSmallError as error:
                done = EnclaveQuote.from_buffer(buffer)
                error.needed = (done.snp_report_len, done.manifest_len, done.certificates_len)
                if grown:
                    raise
                sizes, grown = error.needed, True
                continue
            except BusyError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.5)
                continue
            done = EnclaveQuote.from_buffer(buffer)
            lengths = (done.snp_report_len, done.manifest_len, done.certificates_len)
            report_part, manifest_part, certificates_part = (
                out.raw[:length] for out, length in zip(outputs, lengths)
            )
            return Quote(report_part, manifest_part, certificates_part)

    def tcs_address(self, offset: int) -> int:
        """The linear address RUN wants for the TCS page at enclave `offset`."""
        return self.base + offset

    # ---- lifetime

    def close(self) -> None:
        """Close the file; the module destroys the enclave."""
        self._backend.close()

    def __enter__(self) -> Enclave:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Enclave({self.backend_name}, {self.state.value})"

    # ---- errors

    def _ioctl(self, cmd: int, arg: bytearray, name: str) -> None:
        try:
            self._backend.ioctl(cmd, arg)
        except VmplSgxError as error:
            raise self._sharpened(error, name) from None

    def _sharpened(self, error: VmplSgxError, name: str) -> VmplSgxError:
        """The same errno with a more telling class, when this object knows why it happened."""
        if error.errno == errno.EPERM and os.getpid() != self._owner:
            return _retyped(
                error, NotOwnerError, f"process {os.getpid()} does not own this enclave; "
                f"process {self._owner} opened it"
            )
        if type(error) is InvalidArgumentError:
            wrong = _wrong_state(self._state, name)
            if wrong:
                return _retyped(error, EnclaveStateError, wrong)
        return error


def _returned(buffer: bytearray) -> bool:
    """Whether the RUN in `buffer` came back: exit_kind, zero before, is written on success."""
    return bool(int.from_bytes(buffer[_EXIT_KIND : _EXIT_KIND + 4], "little"))


def _result_of(exit_info: ExitInfo, function: int) -> RunResult:
    """The RunResult of an exit, as the RUN's write-back would describe it."""
    kind = exit_info.kind
    exit_kind = _EXITS.get(kind)
    if exit_kind is None:
        exit_kind = Exit(kind)
    output = exit_info.output
    result: RunResult = _new_object(RunResult)
    result.__dict__.update(
        exit_kind=exit_kind,
        output=output if type(output) is bytes else bytes(output),
        retval=exit_info.retval if kind == _NORMAL else 0,
        ocall_id=exit_info.call_id if kind == _OCALL else None,
        exception=(
            ExceptionInfo(
                exit_info.exception_vector,
                exit_info.exception_error_code,
                exit_info.exception_addr,
                exit_info.exception_rip,
            )
            if kind == _EXCEPTION
            else None
        ),
        function=int(function) if kind == _EXCEPTION else _EEXIT,
    )
    return result


def _wrong_state(state: EnclaveState, name: str) -> str | None:
    """Why `name` cannot run in `state`, or None if the state is right for it."""
    needs = {
        CREATE: (EnclaveState.NEW,),
        ADD_PAGES: (EnclaveState.CREATED,),
        INIT: (EnclaveState.CREATED,),
        RUN: (EnclaveState.INITIALIZED,),
        QUOTE: (EnclaveState.INITIALIZED,),
    }.get(name)
    if needs is None or state in needs:
        return None
    wanted = " or ".join(s.value for s in needs)
    return f"the enclave is {state.value}; {name} needs it {wanted}"


def _retyped(error: VmplSgxError, kind: type[VmplSgxError], constraint: str) -> VmplSgxError:
    better = error_for(error.errno, error.ioctl, constraint, kind=kind)
    better.count = error.count
    better.__cause__ = error
    return better
