"""RUNs that did not return: interrupted entries the SDK can resume or cancel, and timeouts.

A RUN that a signal interrupts (Ctrl-C's KeyboardInterrupt, a `timeout=`) leaves its entry
parked on the TCS (docs/ioctl-semantics.md, "Signals and parked entries"). Only the same RUN
receives its result, so the SDK remembers that RUN per TCS: `Enclave.resume` issues it again,
`Enclave.cancel` gives the entry up, after which resuming raises EntryCancelledError.
"""

from __future__ import annotations

import contextlib
import errno
import signal
import threading
from types import FrameType
from typing import Callable, Dict, Iterator, NamedTuple, Set

from vmpl_sgx.errors import RUN, EntryCancelledError, RunTimeoutError, SdkError


class ParkedRun(NamedTuple):
    """What identifies an interrupted RUN: the same fields resume its entry."""

    function: int
    call_id: int
    data: bytes
    output_capacity: int


class InterruptedRuns:
    """Per TCS: the RUN whose entry is parked, or the mark that it was cancelled."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parked: Dict[int, ParkedRun] = {}
        self._cancelled: Set[int] = set()

    def parked(self, tcs: int, run: ParkedRun) -> None:
        with self._lock:
            self._parked[tcs] = run
            self._cancelled.discard(tcs)

    def finished(self, tcs: int) -> None:
        """A RUN on the TCS returned: nothing is parked there any more."""
        with self._lock:
            self._parked.pop(tcs, None)
            self._cancelled.discard(tcs)

    def cancelled(self, tcs: int) -> None:
        with self._lock:
            if self._parked.pop(tcs, None) is not None:
                self._cancelled.add(tcs)

    def to_resume(self, tcs: int) -> ParkedRun:
        """The RUN to issue again; EntryCancelledError after a cancel, SdkError if none."""
        with self._lock:
            run = self._parked.get(tcs)
            if run is not None:
                return run
            if tcs in self._cancelled:
                raise EntryCancelledError(
                    errno.ECANCELED, RUN,
                    f"the interrupted call on TCS 0x{tcs:x} was cancelled: it has no result",
                )
        raise SdkError(f"no interrupted RUN on TCS 0x{tcs:x} to resume")

    def tcs_list(self) -> list[int]:
        with self._lock:
            return sorted(self._parked)


class _Expired(BaseException):
    """Raised by the SIGALRM handler of `deadline`: the RUN took longer than its timeout."""


@contextlib.contextmanager
def deadline(timeout: float | None, tcs: int, returned: Callable[[], bool]) -> Iterator[None]:
    """Interrupt the RUN inside after `timeout` seconds with SIGALRM (main thread only, as
    Python runs signal handlers there); it then raises RunTimeoutError, its entry parked.
    `returned` tells whether the RUN has come back already: then the alarm is too late."""
    if timeout is None:
        yield
        return
    if timeout <= 0:
        raise SdkError(f"timeout {timeout} is not positive")
    if threading.current_thread() is not threading.main_thread():
        raise SdkError("timeout= needs the main thread: it interrupts the RUN with SIGALRM")

    def expire(number: int, frame: FrameType | None) -> None:
        if not returned():
            raise _Expired()

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Expired:
        raise RunTimeoutError(
            errno.ETIMEDOUT, RUN,
            f"the RUN on TCS 0x{tcs:x} took longer than {timeout} s; its entry is parked: "
            "resume() receives its result, cancel() gives it up",
        ) from None
    finally:
        signal.signal(signal.SIGALRM, previous)
