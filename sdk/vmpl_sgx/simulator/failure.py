"""How the simulator's steps fail: an errno and the rule that was broken."""

from __future__ import annotations

from vmpl_sgx.errors import VmplSgxError


class Failure(Exception):  # noqa: N818 - a step's outcome, turned into a VmplSgxError later
    """A check failed with `errno`; `constraint` says which. `lost` marks the enclave broken."""

    def __init__(
        self,
        errno: int,
        constraint: str,
        *,
        kind: type[VmplSgxError] | None = None,
        lost: bool = False,
    ) -> None:
        super().__init__(constraint)
        self.errno = errno
        self.constraint = constraint
        self.kind = kind
        self.lost = lost
