"""RUN.exception_rip through the module: an exception exit parked by a signal reaches the
same RUN with the faulting instruction it had (docs/ioctl-semantics.md, "Signals and parked
entries"). The copy-out case runs in the conformance suite (tests/conformance/test_fault_rip.py)."""

from __future__ import annotations

import errno
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from tests.vm.guest.conftest import SehStarter, errno_name, stats
from tests.vm.guest.test_faults import HOLD, RawRun, load_sha256, signal_in_flight
from vmpl_sgx._abi import Cap, EnclaveRun, Exit
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import FAULTS_NULL_READ, build_sample

VECTOR_PF = 14


@pytest.fixture(scope="module")
def faults_image() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="vmpl-sgx-guest-"))
    image = build_sample("faults", directory / "faults.elf")
    for path in (directory, *directory.iterdir()):
        path.chmod(0o755)  # unprivileged children read it too
    yield image
    shutil.rmtree(directory, ignore_errors=True)


def test_a_fault_exit_parked_by_a_signal_keeps_its_instruction(
    start_seh: SehStarter, key: RsaPrivateKey, faults_image: Path
) -> None:
    start_seh(HOLD)
    app = load_sha256(faults_image, key)  # DEBUG, as ImageParams() is by default
    backend = app.enclave.backend
    assert isinstance(backend, DeviceBackend)
    try:
        assert app.enclave.info().has(Cap.EXCEPTION_RIP)
        reference = RawRun(app, FAULTS_NULL_READ, b"")
        number = reference.errno(backend)
        assert number == 0, errno_name(number)
        expected = EnclaveRun.from_buffer(reference.buffer)
        assert expected.exit_kind == Exit.EXCEPTION and expected.exception_vector == VECTOR_PF
        assert expected.exception_rip != 0
        before = stats()
        call = RawRun(app, FAULTS_NULL_READ, b"")
        with signal_in_flight() as fired:
            number = call.errno(backend)
        assert fired and number == errno.EINTR, errno_name(number)
        number = call.errno(backend)  # the same RUN collects the parked exit
        assert number == 0, errno_name(number)
        done = EnclaveRun.from_buffer(call.buffer)
        assert done.exit_kind == Exit.EXCEPTION and done.exception_vector == VECTOR_PF
        assert done.exception_addr == 0
        assert done.exception_rip == expected.exception_rip
        assert stats()["run.collected"] - before["run.collected"] == 1
    finally:
        app.close()
