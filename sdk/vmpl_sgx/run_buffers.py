"""The buffers one ENCLAVE_RUN hands the backend, kept per TCS and reused from call to call.

A RUN names its input and output by address. Allocating them per call costs more than the
simulator's whole RUN, so each TCS keeps one input and one output buffer, grown when a call
needs more, and the argument struct as a bytearray. The buffers are registered as owned
memory (`vmpl_sgx.usermem.OWNED`) while they exist, so the simulator copies them directly
instead of checking the process's mappings first.

One RUN at a time uses a slot: a second RUN on the same TCS at the same moment (which the
backend answers with EBUSY) takes a fresh slot instead of sharing the first one's buffers.
"""

from __future__ import annotations

import ctypes
import struct
import threading
import weakref
from typing import Dict

from vmpl_sgx._abi import EnclaveRun
from vmpl_sgx.usermem import OWNED

RUN_SIZE = ctypes.sizeof(EnclaveRun)
_RESERVED = int(vars(EnclaveRun)["reserved"].offset)
RUN_FIELDS = struct.Struct("<QIHHQIIQQIIIIQQ")
"""EnclaveRun up to its reserved bytes: tcs, function, exception vector, error code and
address, call_id, exit_kind, input, output, input_len, output_capacity, output_len, flags,
retval, exception_rip."""
if RUN_FIELDS.size != _RESERVED:
    raise ImportError("RUN_FIELDS does not match struct vmpl_sgx_enclave_run")
_ZERO_RESERVED = bytes(RUN_SIZE - _RESERVED)


class _Owned:
    """A zeroed ctypes buffer registered as owned memory until it is freed."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.buffer = ctypes.create_string_buffer(size)
        self.address = ctypes.addressof(self.buffer)
        OWNED.add(self.address, size)
        weakref.finalize(self, OWNED.remove, self.address)


class RunSlot:
    """The argument struct and the input and output buffers of RUNs on one TCS."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arg = bytearray(RUN_SIZE)
        self._input: _Owned | None = None
        self._output: _Owned | None = None

    def fill(
        self, tcs: int, function: int, call_id: int, data: bytes, output_capacity: int
    ) -> None:
        """Write the RUN's argument struct, with `data` staged as its input."""
        input_address = self._stage_input(data) if data else 0
        output_address = self._output_buffer(output_capacity) if output_capacity else 0
        RUN_FIELDS.pack_into(
            self.arg, 0, tcs, function, 0, 0, 0, call_id, 0,
            input_address, output_address, len(data), output_capacity, 0, 0, 0, 0,
        )
        self.arg[_RESERVED:] = _ZERO_RESERVED

    def output(self, length: int) -> bytes:
        """The first `length` bytes the RUN wrote to its output buffer."""
        if not length or self._output is None:
            return b""
        return ctypes.string_at(self._output.address, min(length, self._output.size))

    def _stage_input(self, data: bytes) -> int:
        held = self._input
        if held is None or held.size < len(data):
            held = self._input = _Owned(len(data))
        ctypes.memmove(held.address, data, len(data))
        return held.address

    def _output_buffer(self, capacity: int) -> int:
        held = self._output
        if held is None or held.size < capacity:
            held = self._output = _Owned(capacity)
        return held.address


class RunSlots:
    """One reusable RunSlot per TCS address."""

    def __init__(self) -> None:
        self._slots: Dict[int, RunSlot] = {}

    def take(self, tcs: int) -> RunSlot:
        """The TCS's slot, locked; a fresh one if a RUN on the TCS holds it right now.
        Give it back with `slot.lock.release()`."""
        slot = self._slots.get(tcs)
        if slot is None:
            slot = self._slots.setdefault(tcs, RunSlot())
        if slot.lock.acquire(blocking=False):
            return slot
        spare = RunSlot()
        spare.lock.acquire()
        return spare
