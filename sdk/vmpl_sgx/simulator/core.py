"""The simulator: the kernel module's user ABI in this process, in front of the SEH model."""

from __future__ import annotations

import contextlib
import errno
import threading
from typing import Callable, Mapping

from vmpl_sgx import _abi
from vmpl_sgx._abi import SEH_MAX_PAGES_PER_CALL
from vmpl_sgx.backend import IoctlArg, check_arg, ioctl_name
from vmpl_sgx.errors import RUN, error_for
from vmpl_sgx.seh import ExitInfo, SehModel
from vmpl_sgx.simulator import ioctls
from vmpl_sgx.simulator.enclave_file import EnclaveFile, State
from vmpl_sgx.simulator.failure import Failure
from vmpl_sgx.simulator.hooks import Hold, Hooks
from vmpl_sgx.simulator.owned_run import run_owned
from vmpl_sgx.simulator.quota import DEFAULT_SEH_PAGES_PER_USER, Quota
from vmpl_sgx.simulator.seh_link import DEFAULT_RETRIES, SehSession

_HANDLERS: Mapping[int, Callable[[ioctls.Call], None]] = {
    _abi.IOC_ENCLAVE_CREATE: ioctls.enclave_create,
    _abi.IOC_ENCLAVE_ADD_PAGES: ioctls.enclave_add_pages,
    _abi.IOC_ENCLAVE_INIT: ioctls.enclave_init,
    _abi.IOC_GET_INFO: ioctls.get_info,
    _abi.IOC_ENCLAVE_RUN: ioctls.enclave_run,
    _abi.IOC_ENCLAVE_QUOTE: ioctls.enclave_quote,
    _abi.IOC_QUOTING_TARGET: ioctls.quoting_target,
}


class Simulator:
    """A stand-in for the kernel module whose SEH is a `SehModel` in this process.

    Each `open()` is one open file of the device: one enclave. All files of a simulator share
    its SEH, as all files of the module share the one SEH it is bound to.

    model: the SEH; a default SehModel (no enclave execution) if None.
    max_pages_per_call: the module's own limit on pages per ADD_PAGES call (its
        max_pages_per_call parameter); the SEH's QUERY answer may lower it.
    seh_pages_per_user: the module's per-user cap on SEH pages (its parameter of that name;
        0: no cap); `quota.pages_per_user` changes it later, as writing the parameter does.
    """

    def __init__(
        self,
        model: SehModel | None = None,
        *,
        max_pages_per_call: int = SEH_MAX_PAGES_PER_CALL,
        retries: int = DEFAULT_RETRIES,
        seh_pages_per_user: int = DEFAULT_SEH_PAGES_PER_USER,
    ) -> None:
        if not 1 <= max_pages_per_call <= SEH_MAX_PAGES_PER_CALL:
            raise ValueError(f"max_pages_per_call must be 1 to {SEH_MAX_PAGES_PER_CALL}")
        self._max_pages_per_call = max_pages_per_call
        self.quota = Quota(seh_pages_per_user)
        self._retries = retries
        self._lock = threading.Lock()
        self._sessions = 0
        self._session: SehSession | None = None
        self.attach_seh(model if model is not None else SehModel())

    @property
    def session(self) -> SehSession | None:
        return self._session

    @property
    def max_pages_per_call(self) -> int:
        return self._max_pages_per_call

    @property
    def model(self) -> SehModel | None:
        """The SEH in use, None while detached."""
        session = self._session
        return session.model if session is not None else None

    def open(self) -> SimulatorBackend:
        """Open a new enclave file."""
        return SimulatorBackend(self)

    # ---- test hooks: the SEH going away and coming back

    def detach_seh(self) -> None:
        """The SEH goes away: every enclave created so far is broken (EIO), CREATE fails (EIO).

        The module sees this when the loopback SEH closes its device or dies.
        """
        with self._lock:
            self._session = None

    def attach_seh(self, model: SehModel | None = None) -> None:
        """Start a new SEH session (enclaves of earlier sessions stay broken)."""
        with self._lock:
            self._sessions += 1
            self._session = SehSession(
                self._sessions,
                model if model is not None else SehModel(),
                self._max_pages_per_call,
                self._retries,
            )


class SimulatorBackend:
    """One open enclave file of a `Simulator`; the `Backend` protocol.

    The simulator cannot see a signal in the middle of a call: it never fails with EINTR and
    never stops ADD_PAGES early for one. Signal behaviour can only be tested on the device.
    """

    name = "simulator"

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self._file = EnclaveFile()
        self._hooks = Hooks()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def ioctl(self, cmd: int, arg: IoctlArg) -> int:
        check_arg(arg)
        name = ioctl_name(cmd)
        if self._closed:
            raise error_for(errno.EBADF, name, "the enclave's file is closed")
        spec = _abi.lookup_ioctl(cmd)
        handler = _HANDLERS.get(spec.number) if spec is not None else None
        if handler is None or name is None:
            raise error_for(errno.ENOTTY, name, f"unknown command 0x{cmd:x}")
        call = ioctls.Call(name, self.simulator, self._file, self._hooks, arg)
        call.size = _abi.ioc_size(cmd)
        try:
            handler(call)
        except Failure as failure:
            raise error_for(failure.errno, name, failure.constraint, kind=failure.kind) from None
        return 0

    def run_owned(
        self, tcs: int, function: int, call_id: int, data: bytes, output_capacity: int
    ) -> ExitInfo | None:
        """ENCLAVE_RUN without the argument struct, for Enclave.run (see owned_run); None
        when the call must go through `ioctl`, which then reports what is wrong with it."""
        if self._closed:
            return None
        try:
            return run_owned(
                self._file, self.simulator, self._hooks, tcs, function, call_id, data,
                output_capacity,
            )
        except Failure as failure:
            raise error_for(failure.errno, RUN, failure.constraint, kind=failure.kind) from None

    def close(self) -> None:
        """Close the file: DESTROY the enclave in the SEH, as the module's release does."""
        if self._closed:
            return
        self._closed = True
        file = self._file
        session = file.session
        alive = session is not None and session is self.simulator.session
        if file.state >= State.CREATED and session is not None and alive:
            # As in the module, a failed DESTROY is not the caller's problem.
            with contextlib.suppress(Failure):
                session.destroy(file.handle)
        self.simulator.quota.uncharge(file.quota_uid, file.quota_pages)

    def hold(self, ioctl: str) -> Hold:
        """Test hook: stop the next call of `ioctl` (an `errors` name such as ADD_PAGES) at its
        hook point until the returned Hold is released. See `vmpl_sgx.simulator.hooks`."""
        return self._hooks.hold(ioctl)

    def __repr__(self) -> str:
        return f"SimulatorBackend({'closed' if self._closed else self._file.state.name.lower()})"

