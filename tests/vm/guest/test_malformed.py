"""An answer no SEH may give: SUCCESS for CREATE with enclave handle 0. The call fails with EIO,
counts as malformed and breaks the enclave (its state in the SEH is unknown). Device only."""

from __future__ import annotations

import errno

from tests.conformance import raw
from tests.vm.guest.conftest import DEVICE, SehStarter, stats, wait_gauges
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.layout import build_secs, sample_layout

SECS = build_secs(sample_layout())


def test_create_answered_with_handle_zero_is_malformed(start_seh: SehStarter) -> None:
    start_seh("result:success")  # SUCCESS with a zeroed response: handle 0
    handle = DeviceBackend(DEVICE)
    try:
        with raw.kept() as keep:
            before = stats()
            assert raw.errno_of(lambda: raw.create(handle, keep, SECS)) == errno.EIO
            after = stats()
            assert after["seh.malformed"] - before["seh.malformed"] == 1
            assert after["enclaves.broken"] - before["enclaves.broken"] == 1
            # Broken: the file cannot be used again, whatever the SEH says now.
            assert raw.errno_of(lambda: raw.create(handle, keep, SECS)) == errno.EIO
    finally:
        handle.close()
    wait_gauges()
