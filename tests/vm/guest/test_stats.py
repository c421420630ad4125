"""The counters file: a write resets the counters and leaves the gauges. Device only."""

from __future__ import annotations

from tests.conformance import raw
from tests.vm.guest.conftest import DEVICE, STATS, stats
from vmpl_sgx.device import DeviceBackend


def test_a_write_resets_counters_not_gauges(seh: object) -> None:
    handle = DeviceBackend(DEVICE)
    try:
        raw.get_info(handle)  # the session's QUERY_PROTOCOL and QUERY, at least
        before = stats()
        assert before["calls.query"] >= 1
        assert before["live.enclaves"] >= 1  # this open file
        with open(STATS, "w") as stream:
            stream.write("0\n")
        after = stats()
        counters = {name: value for name, value in after.items() if not name.startswith("live.")}
        assert counters and set(counters.values()) == {0}, counters
        assert after["live.enclaves"] == before["live.enclaves"]
    finally:
        handle.close()
