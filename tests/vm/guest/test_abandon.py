"""Closing an enclave file whose RUN a signal interrupted: the release gives the entry up at
the SEH (nobody will collect it) and every call, page and enclave is freed. Device only."""

from __future__ import annotations

import errno
from pathlib import Path

from tests.vm.guest.conftest import SehStarter, errno_name, wait_gauges
from tests.vm.guest.device_calls import HOLD, RawRun, load_on_device, signal_in_flight
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import SHA256_DIGEST


def test_close_after_an_interrupted_run(
    start_seh: SehStarter, key: RsaPrivateKey, sha256_image: Path
) -> None:
    start_seh(HOLD)
    app = load_on_device(sha256_image, key)
    try:
        backend = app.enclave.backend
        assert isinstance(backend, DeviceBackend)
        call = RawRun(app, SHA256_DIGEST, b"never collected")
        with signal_in_flight() as fired:
            number = call.errno(backend)
        assert fired and number == errno.EINTR, errno_name(number)
    finally:
        app.close()
    wait_gauges()
