"""The interface between the SEH and whatever runs enclave code.

The SEH model owns enclave state and every protocol check; an executor only
runs code. ENTER hands it the enclave and the run buffers and gets back how the
enclave left. Without an executor ENTER answers NO_IMAGE.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple, Protocol, Tuple, runtime_checkable

from vmpl_sgx._abi import Exit


class ExitInfo(NamedTuple):
    """How the enclave left: a normal return, an ocall, or an exception."""

    kind: Exit
    call_id: int = 0
    """The ocall number on an ocall exit."""
    output: bytes = b""
    """Bytes for the output buffer: the ecall result, or the ocall's request."""
    retval: int = 0
    """Return value on a normal exit."""
    exception_vector: int = 0
    exception_error_code: int = 0
    exception_addr: int = 0
    """Faulting enclave linear address on an exception exit."""
    exception_rip: int = 0
    """Linear address of the faulting instruction on an exception exit; 0 if unknown."""


EXIT_KINDS = frozenset((Exit.NORMAL, Exit.OCALL, Exit.EXCEPTION))
"""The exits an executor may report."""


class EnclaveView(Protocol):
    """What an executor may see and touch of an initialized enclave."""

    @property
    def handle(self) -> int: ...

    @property
    def base(self) -> int: ...

    @property
    def size(self) -> int: ...

    @property
    def ssa_frame_size(self) -> int: ...

    @property
    def attributes(self) -> int: ...

    @property
    def xfrm(self) -> int: ...

    @property
    def miscselect(self) -> int: ...

    @property
    def mrenclave(self) -> bytes: ...

    @property
    def mrsigner(self) -> bytes: ...

    def page_flags(self, offset: int) -> int | None:
        """SECINFO.flags of the page at `offset`, or None if no page is there."""

    def page_offsets(self) -> Iterator[int]:
        """Offsets of every page, in ascending order."""

    def page_runs(self) -> Iterator[Tuple[int, int, int, bytearray | None]]:
        """(offset, length, SECINFO flags, contents) of every page in ascending order: a page
        with contents alone, consecutive zero pages with equal flags as one run (None)."""

    def read(self, offset: int, length: int) -> bytes:
        """Enclave bytes at `offset`; raises EnclaveAccessError over a missing page."""

    def write(self, offset: int, data: bytes) -> None:
        """Store enclave bytes at `offset`; raises EnclaveAccessError over a missing page."""


class Executor(Protocol):
    """Runs enclave code for ENTER. Raise SehError to answer a call with a result code."""

    @property
    def capabilities(self) -> int:
        """VMPL_SGX_CAP_* bits QUERY reports."""

    def enter(
        self,
        enclave: EnclaveView,
        tcs_offset: int,
        call_id: int,
        input: bytes,
        output_capacity: int,
    ) -> ExitInfo:
        """EENTER: start ecall `call_id` on the TCS at `tcs_offset` and run until it exits."""

    def resume(
        self,
        enclave: EnclaveView,
        tcs_offset: int,
        input: bytes,
        output_capacity: int,
    ) -> ExitInfo:
        """ERESUME: hand `input` to the ocall pending on the TCS and run until the next exit."""

    def forget(self, enclave: EnclaveView) -> None:
        """Drop any state kept for `enclave`; it is being destroyed."""


@runtime_checkable
class SlicedExecutor(Executor, Protocol):
    """An executor that can run an entry in slices: the SEH bounds each one (the ENTER
    continuation), parks the entry in between and may give it up."""

    def start_enter(
        self, enclave: EnclaveView, tcs_offset: int, call_id: int, input: bytes,
        output_capacity: int,
    ) -> None:
        """EENTER without waiting for the exit."""

    def start_resume(
        self, enclave: EnclaveView, tcs_offset: int, input: bytes, output_capacity: int
    ) -> None:
        """ERESUME without waiting for the exit."""

    def wait_exit(
        self, enclave: EnclaveView, tcs_offset: int, timeout: float | None
    ) -> ExitInfo | None:
        """The exit of the entry started on the TCS, or None while it runs on after `timeout`."""

    def cancel(self, enclave: EnclaveView, tcs_offset: int) -> None:
        """End the entry running on the TCS; the next EENTER starts afresh."""
