"""ENCLAVE_RUN for a caller in this process whose buffers are Python objects (Enclave.run).

The ioctl's way packs an argument struct, which the simulator unpacks, copies the input out
of and the output into memory named by address, and writes the results back into the
struct: most of a simulated RUN's cost beside the enclave's own. Here the same RUN takes the
values as they are and returns the exit.

Only the plain case goes this way. Whenever a step of docs/ioctl-semantics.md would fail, or
anything else is unusual (a test hold armed), `run_owned` returns None and the caller issues
the ioctl, so every error a RUN can report still comes from one place: `ioctls.enclave_run`.
The SEH's own answers (OCALL_PENDING, TCS busy in the SEH, ...) come from the same
`SehSession.enter_exit` either way.
"""

from __future__ import annotations

from vmpl_sgx._abi import PAGE_SIZE, Enclu
from vmpl_sgx.seh import ExitInfo
from vmpl_sgx.simulator import this_process
from vmpl_sgx.simulator.enclave_file import EnclaveFile, State
from vmpl_sgx.simulator.failure import Failure
from vmpl_sgx.simulator.hooks import Hooks
from vmpl_sgx.simulator.ioctls import Host

_FUNCTIONS = (Enclu.EENTER, Enclu.ERESUME)
_INITIALIZED = State.INITIALIZED  # a global: an Enum class attribute costs several times more


def run_owned(  # noqa: PLR0917 - the fields of one RUN
    file: EnclaveFile,
    host: Host,
    hooks: Hooks,
    tcs: int,
    function: int,
    call_id: int,
    data: bytes,
    output_capacity: int,
) -> ExitInfo | None:
    """RUN on the TCS at linear address `tcs`; None if the ioctl must take it (see above).
    Raises Failure only for what the SEH answered."""
    session = file.session
    # Steps 1 and 2: owner, broken, state.
    if (
        file.owner != this_process.pid
        or file.state is not _INITIALIZED
        or session is None
        or file.is_broken(host.session)
    ):
        return None
    # Steps 4-7; step 8 holds by construction: the buffers are the caller's objects.
    offset = tcs - file.base
    if function not in _FUNCTIONS or not 0 <= offset < file.size or offset % PAGE_SIZE:
        return None
    try:
        limit = session.limits().max_run_buffer
    except Failure:
        return None
    if len(data) > limit or output_capacity > limit or hooks.armed():
        return None
    index = offset // PAGE_SIZE
    try:
        parked = file.claim_tcs(index)  # 9
    except Failure:
        return None
    if parked is not None:  # only the ioctl's way resumes a parked entry, or refuses
        file.unclaim_tcs(index, parked)
        return None
    try:
        return session.enter_exit(  # 10
            file.handle, offset, function, call_id, data, output_capacity
        )
    except Failure as failure:
        if failure.lost:
            file.lost = True
        raise
    finally:
        file.unclaim_tcs(index)
