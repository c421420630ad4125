"""`EnclaveApp`: an enclave image loaded and callable like a library: ecalls in, ocalls out.

    app = EnclaveApp.load("enclave.elf", key)
    app.register_ocall(1, lambda request: b"answer")
    digest = app.ecall(0, b"data")

`ecall` runs one ENCLAVE_RUN and, for every ocall exit, calls the handler registered for its
number and passes the answer back with the next RUN (ERESUME, see vmpl_sgx.ocall_answer),
until the ecall returns or faults. Several threads may call at once: each call takes a free
TCS (waiting for one when all are busy).
"""

from __future__ import annotations

import errno
import logging
import queue
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Callable, Dict, Optional, Tuple

from vmpl_sgx._abi import Attr, EnclaveStatus, Enclu, Exit
from vmpl_sgx.dwarf_lines import LineTable
from vmpl_sgx.elf import parse_elf
from vmpl_sgx.enclave import Enclave, RunResult
from vmpl_sgx.errors import RunTimeoutError, SdkError
from vmpl_sgx.fault_text import FunctionSymbols, describe_fault
from vmpl_sgx.image import ImageParams, layout_from_file
from vmpl_sgx.layout import Layout, load, sign
from vmpl_sgx.manifest import ManifestError, signed_layout
from vmpl_sgx.ocall_answer import HEADER_SIZE, encode_answer
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.runtime_ocalls import OCALL_ABORT, OCALL_LOG, log_line, split_request
from vmpl_sgx.status_names import ecall_status_name

log = logging.getLogger("vmpl_sgx")

OcallHandler = Callable[[bytes], Optional[bytes]]
"""Takes the enclave's request bytes, returns the answer bytes (None: an empty answer)."""

CALL_ID_LIMIT = 1 << 32
"""Ecall and ocall numbers are u32 in ENCLAVE_RUN."""

# Read as module globals on the ecall path: an Enum class attribute costs several times a
# global in CPython 3.11.
_OK, _OCALL, _EXCEPTION = EnclaveStatus.OK, Exit.OCALL, Exit.EXCEPTION


class CallIdError(SdkError, ValueError):
    """An ecall or ocall number outside 0 to 2**32 - 1, or a TCS index outside the layout's."""


class HandlerTypeError(SdkError, TypeError):
    """register_ocall was given something that cannot be called."""


class NoFreeTcsError(SdkError):
    """An ecall made from an ocall handler found no free TCS; waiting would never end, since
    the caller holds one itself. errno is EBUSY."""

    def __init__(self, message: str) -> None:
        super().__init__(message, errno.EBUSY)


class EcallError(SdkError):
    """The ecall returned a status other than OK."""

    def __init__(self, call_id: int, status: int, output: bytes) -> None:
        super().__init__(f"ecall {call_id} returned status {ecall_status_name(status)}", 0)
        self.call_id = call_id
        self.status = status
        self.output = output


class EnclaveFaultError(SdkError):
    """Enclave code faulted: the RUN ended with an exception exit and the ecall is over.

    `rip` is the faulting instruction's linear address (0 unless the backend reports it,
    which it does for DEBUG enclaves only); `where` names it as function+offset when the
    image's symbols are known, else as an address; `line` is its source line
    (`enclave.c:42`) when the image has DWARF line information, else ''."""

    def __init__(
        self, call_id: int, vector: int, error_code: int, address: int, *, rip: int = 0,
        where: str = "", line: str = "",
    ) -> None:
        where = where or (f"0x{rip:x}" if rip else "")
        text = describe_fault(vector, error_code, address, where, line)
        super().__init__(
            f"ecall {call_id} faulted: {text} "
            f"(vector {vector}, error code 0x{error_code:x}, address 0x{address:x})",
            0,
        )
        self.call_id = call_id
        self.vector = vector
        self.error_code = error_code
        self.address = address
        self.rip = rip
        self.where = where
        self.line = line


class EnclaveAbortError(EnclaveFaultError):
    """Enclave code called abort() or failed an assert: the message it left, then #UD."""

    def __init__(
        self, call_id: int, vector: int, error_code: int, address: int, message: str
    ) -> None:
        super().__init__(call_id, vector, error_code, address)
        self.args = (f"ecall {call_id} aborted: {message}",)
        self.constraint = self.args[0]
        self.message = message


class OcallRefusedError(SdkError):
    """Raise from an ocall handler to answer with a particular status instead of bytes."""

    def __init__(self, status: int = int(EnclaveStatus.OCALL_FAILED)) -> None:
        super().__init__(f"ocall refused with status {status}", 0)
        self.status = status


class OcallHandlerError(SdkError):
    """An ocall handler raised; the enclave got OCALL_FAILED and the ecall ran to its end."""

    def __init__(self, call_id: int, ocall_id: int) -> None:
        super().__init__(f"the handler of ocall {ocall_id} failed during ecall {call_id}", 0)
        self.call_id = call_id
        self.ocall_id = ocall_id


class EnclaveApp:
    """An initialized enclave, its layout, its ocall handlers and a pool of its TCSs."""

    def __init__(
        self, enclave: Enclave, layout: Layout, output_capacity: int | None = None
    ) -> None:
        self.enclave = enclave
        self.layout = layout
        self.max_run_buffer = enclave.info().max_run_buffer
        self.output_capacity = self.max_run_buffer if output_capacity is None else output_capacity
        self._ocalls: Dict[int, OcallHandler] = {}
        self._free: queue.SimpleQueue[int] = queue.SimpleQueue()
        for offset in layout.tcs_offsets:
            self._free.put(offset)
        self._holding = threading.local()  # .count: TCSs this thread holds (>0 in a handler)
        self.symbols: FunctionSymbols | None = None
        """The image's function symbols, to name fault locations (set by `load`)."""
        self.lines: LineTable | None = None
        """The image's DWARF line table, for the source line of a fault (set by `load`)."""
        self._interrupted_ecalls: Dict[int, int] = {}  # TCS offset -> its interrupted ecall

    @classmethod
    def load(
        cls,
        image: str | Path,
        key: RsaPrivateKey | None = None,
        backend: str | Enclave = "auto",
        params: ImageParams | None = None,
        *,
        isvprodid: int = 0,
        isvsvn: int = 0,
        manifest: str | Path | None = None,
    ) -> EnclaveApp:
        """Lay out, measure, sign and load the image at `image` on `backend` (a backend name
        for Enclave.open, or an Enclave not yet created).

        With `manifest` (written by `vmpl-sgx sign`) the layout and SIGSTRUCT come from it
        instead of `params` and `key`, and an image other than the one signed is refused
        (vmpl_sgx.manifest.ImageMismatchError)."""
        if manifest is None and key is None:
            raise ManifestError("EnclaveApp.load needs a signing key or a manifest")
        if manifest is not None and (key is not None or params is not None or isvprodid or isvsvn):
            raise ManifestError(
                "a manifest fixes the layout, key and ISV fields: pass no key, params, "
                "isvprodid or isvsvn with it (sign again to change them)"
            )
        enclave = Enclave.open(backend) if isinstance(backend, str) else backend
        try:
            # The SEH's limit first: an oversized heap fails before anything is allocated.
            limit = enclave.info().max_enclave_size
            if manifest is not None:
                layout, sigstruct, _ = signed_layout(manifest, image, max_size=limit)
            else:
                assert key is not None
                chosen = params if params is not None else ImageParams()
                layout = layout_from_file(image, chosen, max_size=limit)
                sigstruct = sign(layout, key, isvprodid=isvprodid, isvsvn=isvsvn)
            load(enclave, layout, sigstruct)
            app = cls(enclave, layout)
            if layout.attributes & Attr.DEBUG:  # only DEBUG enclaves report where they fault
                data = Path(image).read_bytes()
                app.symbols = FunctionSymbols(parse_elf(data).functions)
                app.lines = LineTable.from_image(data)
            return app
        except BaseException:
            enclave.close()
            raise

    @property
    def tcs_offsets(self) -> Tuple[int, ...]:
        return self.layout.tcs_offsets

    def register_ocall(self, ocall_id: int, handler: OcallHandler) -> None:
        """Serve ocall `ocall_id` with `handler` from now on."""
        _check_call_id("ocall", ocall_id)
        if not callable(handler):
            raise HandlerTypeError(f"the handler of ocall {ocall_id} is not callable")
        self._ocalls[ocall_id] = handler

    def ecall(
        self,
        call_id: int,
        data: bytes = b"",
        *,
        thread: int | None = None,
        timeout: float | None = None,
    ) -> bytes:
        """Run ecall `call_id` with `data`; its output, or EcallError, EnclaveFaultError,
        OcallHandlerError. `thread` picks a TCS by index; by default any free one.

        An ecall never returns another ecall's output. One interrupted (KeyboardInterrupt,
        or RunTimeoutError after `timeout` seconds, main thread only) stays parked on its
        TCS: `resume(thread)` finishes it, `cancel(thread)` gives it up; until then another
        ecall on that TCS raises EntryParkedError."""
        status, output = self.call(call_id, data, thread=thread, timeout=timeout)
        if status != _OK:
            raise EcallError(call_id, status, output)
        return output

    def call(
        self,
        call_id: int,
        data: bytes = b"",
        *,
        thread: int | None = None,
        timeout: float | None = None,
    ) -> Tuple[int, bytes]:
        """Like ecall, but a status other than OK is returned, not raised: (status, output)."""
        _check_call_id("ecall", call_id)
        if thread is not None:
            return self._call_on(self._thread_offset(thread), call_id, data, timeout)
        held = getattr(self._holding, "count", 0)
        try:
            offset = self._free.get_nowait() if held else self._free.get()
        except queue.Empty:
            raise NoFreeTcsError(
                f"ecall {call_id} from an ocall handler: every TCS is busy"
            ) from None
        self._holding.count = held + 1
        try:
            return self._call_on(offset, call_id, data, timeout)
        finally:
            self._holding.count = held
            self._free.put(offset)

    def resume(self, thread: int = 0, *, timeout: float | None = None) -> bytes:
        """Finish the ecall interrupted on TCS `thread`: its own output (as ecall), never
        another's; EntryCancelledError after cancel(thread)."""
        offset = self._thread_offset(thread)
        tcs = self.enclave.tcs_address(offset)
        call_id = self._interrupted_ecalls.get(offset, 0)
        status, output = self._call_on(
            offset, call_id, b"", timeout, lambda left: self.enclave.resume(tcs, timeout=left)
        )
        if status != EnclaveStatus.OK:
            raise EcallError(call_id, status, output)
        return output

    def cancel(self, thread: int | None = None) -> None:
        """Give up the ecall interrupted on TCS `thread` (every interrupted one by default):
        the TCS takes new ecalls; resuming it raises EntryCancelledError."""
        if thread is None:
            offsets = tuple(self._interrupted_ecalls)
        else:
            offsets = (self._thread_offset(thread),)
        for offset in offsets:
            self.enclave.cancel(self.enclave.tcs_address(offset))
            self._interrupted_ecalls.pop(offset, None)

    def _thread_offset(self, thread: int) -> int:
        if not 0 <= thread < len(self.tcs_offsets):
            raise CallIdError(f"thread {thread} is not in 0..{len(self.tcs_offsets) - 1}")
        return self.tcs_offsets[thread]

    def _call_on(
        self,
        tcs_offset: int,
        call_id: int,
        data: bytes,
        timeout: float | None = None,
        first: Callable[[float | None], RunResult] | None = None,
    ) -> Tuple[int, bytes]:
        tcs = self.enclave.tcs_address(tcs_offset)
        left = _no_deadline if timeout is None else _deadline(timeout)
        failure: Tuple[int, BaseException] | None = None
        aborted: str | None = None
        try:
            if first is not None:
                result = first(left())
            else:
                result = self.enclave.run(
                    tcs, call_id, data, self.output_capacity, timeout=left()
                )
            while result.exit_kind == _OCALL:
                ocall_id = result.ocall_id if result.ocall_id is not None else -1
                if ocall_id == OCALL_ABORT:
                    # The runtime answers nothing to this: #UD follows and ends the entry.
                    aborted = split_request(result.output)[1]
                answer, error = self._answer(ocall_id, result.output)
                if error is not None and failure is None:
                    failure = (ocall_id, error)
                result = self.enclave.run(
                    tcs, 0, answer, self.output_capacity, function=Enclu.ERESUME,
                    timeout=left(),
                )
        except (KeyboardInterrupt, RunTimeoutError):
            # Parked in a RUN, or waiting for an ocall answer: resume() or cancel().
            self._interrupted_ecalls[tcs_offset] = call_id
            raise
        self._interrupted_ecalls.pop(tcs_offset, None)
        if result.exit_kind is _EXCEPTION:
            self._raise_fault(call_id, result, aborted)
        if failure is not None:
            raise OcallHandlerError(call_id, failure[0]) from failure[1]
        return result.retval, result.output

    def _answer(self, ocall_id: int, request: bytes) -> Tuple[bytes, BaseException | None]:
        """The ERESUME input for an ocall, and the handler's exception if it failed."""
        handler = self._ocalls.get(ocall_id)
        if handler is None and ocall_id in (OCALL_LOG, OCALL_ABORT):
            if ocall_id == OCALL_LOG:
                log_line(request)
            return encode_answer(EnclaveStatus.OK), None
        if handler is None:
            return encode_answer(EnclaveStatus.UNKNOWN_CALL), None
        try:
            payload = handler(request)
        except OcallRefusedError as refusal:
            return encode_answer(refusal.status), None
        except Exception as error:  # handed to the caller once the enclave is out
            log.debug("ocall %d handler failed: %r", ocall_id, error)
            return encode_answer(EnclaveStatus.OCALL_FAILED), error
        if payload is None:  # a void ocall
            payload = b""
        if not isinstance(payload, (bytes, bytearray, memoryview)):
            wrong = TypeError(f"the handler returned {type(payload).__name__}, not bytes")
            return encode_answer(EnclaveStatus.OCALL_FAILED), wrong
        if len(payload) + HEADER_SIZE > self.max_run_buffer:
            # It could not even be handed over; the enclave learns the answer is too big.
            return encode_answer(EnclaveStatus.OUTPUT_TOO_SMALL), None
        return encode_answer(EnclaveStatus.OK, payload), None

    def _raise_fault(self, call_id: int, result: RunResult, aborted: str | None = None) -> None:
        if result.exit_kind == Exit.EXCEPTION and result.exception is not None:
            fault = result.exception
            if aborted is not None:
                raise EnclaveAbortError(
                    call_id, fault.vector, fault.error_code, fault.address, aborted
                )
            where = line = ""
            if fault.rip and self.symbols is not None:
                where = self.symbols.name(fault.rip - self.enclave.base) or ""
            if fault.rip and self.lines is not None:
                line = self.lines.describe(fault.rip - self.enclave.base)
            raise EnclaveFaultError(
                call_id, fault.vector, fault.error_code, fault.address, rip=fault.rip,
                where=where, line=line,
            )

    # ---- lifetime

    def close(self) -> None:
        """Destroy the enclave."""
        self.enclave.close()

    def __enter__(self) -> EnclaveApp:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _no_deadline() -> float | None:
    return None


def _deadline(timeout: float) -> Callable[[], float | None]:
    """Seconds left of `timeout` from now, at least 1 ms, each time it is called."""
    end = time.monotonic() + timeout
    return lambda: max(end - time.monotonic(), 0.001)


def _check_call_id(kind: str, call_id: int) -> None:
    if not 0 <= call_id < CALL_ID_LIMIT:
        raise CallIdError(f"{kind} number {call_id} is not in 0..{CALL_ID_LIMIT - 1}")
