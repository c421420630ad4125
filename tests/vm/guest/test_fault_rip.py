"""RUN.exception_rip through the module: an exception exit parked by a signal reaches the
same RUN with the faulting instruction it had (docs/ioctl-semantics.md, "Signals and parked
entries"). The copy-out case runs in the conformance suite (tests/conformance/test_fault_rip.py)."""

from __future__ import annotations

import errno

from tests.vm.guest.conftest import SampleImage, SehStarter, errno_name, stats
from tests.vm.guest.device_calls import HOLD, RawRun, load_on_device, signal_in_flight
from vmpl_sgx._abi import Cap, EnclaveRun, Exit
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import FAULTS_NULL_READ

VECTOR_PF = 14


def test_a_fault_exit_parked_by_a_signal_keeps_its_instruction(
    start_seh: SehStarter, key: RsaPrivateKey, sample_image: SampleImage
) -> None:
    start_seh(HOLD)
    app = load_on_device(sample_image("faults"), key)  # DEBUG, as ImageParams() is by default
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
