"""Ecall statuses are shown by their spec names: runtime statuses and the trust statuses."""

from __future__ import annotations

import pytest

from vmpl_sgx._abi import EnclaveStatus, TrustStatus
from vmpl_sgx.app import EcallError
from vmpl_sgx.status_names import ecall_status_name


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (0, "OK"),
        (int(EnclaveStatus.OUTPUT_TOO_SMALL), "OUTPUT_TOO_SMALL"),
        (int(TrustStatus.NO_AESNI), "NO_AESNI"),
        (int(TrustStatus.OUTPUT_TOO_SMALL), "OUTPUT_TOO_SMALL"),
        (int(TrustStatus.AUTH_FAILED), "AUTH_FAILED"),
        (0x263, "611"),  # in neither enum: the number
    ],
)
def test_status_names(status: int, name: str) -> None:
    assert ecall_status_name(status) == name


def test_every_trust_status_has_its_own_number_and_name() -> None:
    # The trust statuses start at 0x100 so that they never shadow a runtime status.
    runtime = {int(member) for member in EnclaveStatus}
    for member in TrustStatus:
        if member != TrustStatus.OK:
            assert int(member) not in runtime
            assert ecall_status_name(int(member)) == member.name


def test_ecall_error_names_a_trust_status() -> None:
    error = EcallError(5, int(TrustStatus.KEY_REFUSED), b"")
    assert str(error) == "ecall 5 returned status KEY_REFUSED"
    assert error.status == TrustStatus.KEY_REFUSED
