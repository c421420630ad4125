"""An entry parked on a TCS: its exit could not be handed to the RUN that asked for it.

The module parks an entry when a signal interrupts its RUN and when the copy-out of its exit
fails; the simulator cannot see a signal in the middle of a call, so only the second happens
here. Either way only the same RUN (docs/ioctl-semantics.md, "Signals and parked entries")
receives the exit; any other RUN on that TCS fails with EALREADY.
"""

from __future__ import annotations

from typing import NamedTuple

from vmpl_sgx._abi import EnclaveRun, SehEnterFault, SehEnterRsp


class ParkedEntry(NamedTuple):
    """The RUN that started the entry (what identifies it) and the exit it is owed."""

    function: int
    call_id: int
    data: bytes
    output_capacity: int
    rsp: SehEnterRsp
    fault: SehEnterFault
    output: bytes

    def resumed_by(self, run: EnclaveRun, data: bytes) -> bool:
        """Whether `run` with input `data` is the same RUN: function, call, lengths, input."""
        return (
            run.function == self.function
            and run.call_id == self.call_id
            and run.output_capacity == self.output_capacity
            and data == self.data
        )
