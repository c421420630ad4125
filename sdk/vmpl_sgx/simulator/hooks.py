"""Test hooks of the simulator: hold an ioctl in the middle so that another can run meanwhile.

The conformance suite uses `SimulatorBackend.hold()` to keep an ENCLAVE_ADD_PAGES (or a RUN)
in progress while it checks that a second call gets EBUSY. On the device the same test keeps
a large ENCLAVE_ADD_PAGES busy instead; the kernel module has no such hook.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Dict

HOLD_LIMIT_S = 60.0
"""A held call goes on by itself after this long, so a failed test cannot hang forever."""


class Hold:
    """One call of `ioctl` stopped at its hook point until `release()`.

    For CREATE, ADD_PAGES and INIT the hook point is right after the owner, busy and broken
    checks, with the enclave's lock held; for RUN, right after the TCS was claimed.
    """

    def __init__(self, ioctl: str) -> None:
        self.ioctl = ioctl
        self._entered = threading.Event()
        self._released = threading.Event()

    def wait_entered(self, timeout: float = 10.0) -> bool:
        """Wait until a call reached the hook point; False on timeout."""
        return self._entered.wait(timeout)

    def release(self) -> None:
        self._released.set()

    def reached(self) -> None:
        """Called by the held ioctl at its hook point."""
        self._entered.set()
        self._released.wait(HOLD_LIMIT_S)

    def __enter__(self) -> Hold:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


class Hooks:
    """The holds armed on one simulated enclave file. Each one catches the next call only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: Dict[str, Hold] = {}

    def hold(self, ioctl: str) -> Hold:
        hold = Hold(ioctl)
        with self._lock:
            self._armed[ioctl] = hold
        return hold

    def armed(self) -> bool:
        """True while some hold waits for its call."""
        return bool(self._armed)

    def reached(self, ioctl: str) -> None:
        if not self._armed:  # the usual case, on every RUN: no lock needed to see it
            return
        with self._lock:
            hold = self._armed.pop(ioctl, None)
        if hold is not None:
            hold.reached()
