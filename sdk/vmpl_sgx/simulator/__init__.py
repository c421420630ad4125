"""The SDK's simulator: /dev/vmpl_sgx's user ABI in this process, in front of the SEH model.

It makes every check the kernel module makes, in the same order and with the same errno
(docs/ioctl-semantics.md), builds the same SEH requests and maps their results through the
same table. User pointers are followed the way the kernel follows them, through
`vmpl_sgx.usermem`, so a bad pointer fails with EFAULT instead of crashing.

Differences from the device: no signals are seen in the middle of a call, and the SEH cannot
time out. `Simulator.detach_seh()` and `SimulatorBackend.hold()` are test hooks.
"""

from __future__ import annotations

import threading

from vmpl_sgx.executor import NativeExecutor
from vmpl_sgx.seh import SehModel
from vmpl_sgx.simulator.core import Simulator, SimulatorBackend
from vmpl_sgx.simulator.hooks import Hold

__all__ = ["Hold", "Simulator", "SimulatorBackend", "default_simulator"]

_default: Simulator | None = None
_default_lock = threading.Lock()


def default_simulator() -> Simulator:
    """The process-wide simulator that `open_backend("simulator")` uses."""
    global _default  # noqa: PLW0603 - one lazily made instance per process
    with _default_lock:
        if _default is None:
            # The native executor starts its worker processes only on the first RUN.
            _default = Simulator(SehModel(executor=NativeExecutor()))
        return _default
