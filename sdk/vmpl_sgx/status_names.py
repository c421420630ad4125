"""Names for the statuses an ecall returns, as the spec gives them.

An ecall returns either a runtime status (`EnclaveStatus`, below 0x100) or, from the trust
and sealing functions, a `TrustStatus` (from 0x100, so the two never collide). Messages show
the name ("AUTH_FAILED"); a number neither defines stays a number.
"""

from __future__ import annotations

from vmpl_sgx._abi import EnclaveStatus, TrustStatus

_NAMES = {int(member): member.name for member in EnclaveStatus}
_NAMES.update({int(member): member.name for member in TrustStatus if member != TrustStatus.OK})


def ecall_status_name(status: int) -> str:
    """The spec's name of an ecall status, or the number as text when it has none."""
    return _NAMES.get(status, str(status))
