"""The per-TCS RUN buffers: reused call to call, never shared by two RUNs at once."""

from __future__ import annotations

import gc

from vmpl_sgx._abi import Enclu
from vmpl_sgx.run_buffers import RUN_FIELDS, RunSlot, RunSlots
from vmpl_sgx.usermem import OWNED


def test_a_busy_slot_is_not_shared() -> None:
    slots = RunSlots()
    first = slots.take(0x10000)
    second = slots.take(0x10000)  # a RUN on the same TCS while the first one holds its slot
    assert second is not first
    first.lock.release()
    second.lock.release()
    again = slots.take(0x10000)
    assert again is first
    again.lock.release()


def test_fill_stages_input_and_names_owned_buffers() -> None:
    slot = RunSlot()
    slot.fill(0x7000, Enclu.EENTER, 5, b"abc", 100)
    fields = RUN_FIELDS.unpack_from(slot.arg)
    tcs, function, call_id = fields[0], fields[1], fields[5]
    input_address, output_address, input_len, capacity = fields[7:11]
    assert (tcs, function, call_id, input_len, capacity) == (0x7000, Enclu.EENTER, 5, 3, 100)
    assert OWNED.covers(input_address, 3) and not OWNED.covers(input_address, 4)
    assert OWNED.covers(output_address, 100) and not OWNED.covers(output_address, 101)
    # A later call with less input and no output leaves nothing of the first one behind.
    slot.fill(0x7000, Enclu.ERESUME, 0, b"", 0)
    fields = RUN_FIELDS.unpack_from(slot.arg)
    assert fields[7:11] == (0, 0, 0, 0) and fields[1] == Enclu.ERESUME
    del slot
    gc.collect()
    assert not OWNED.covers(input_address, 1)
    assert not OWNED.covers(output_address, 1)
