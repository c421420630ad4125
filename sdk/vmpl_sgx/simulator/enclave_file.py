"""What the simulator keeps per open file: the module's struct vmpl_sgx_encl."""

from __future__ import annotations

import enum
import errno
import os
import threading
from typing import Dict, Set

from vmpl_sgx.errors import NotOwnerError
from vmpl_sgx.simulator.failure import Failure
from vmpl_sgx.simulator.parked import ParkedEntry
from vmpl_sgx.simulator.seh_link import SehSession

NOT_OWNER = "the caller is not the process that opened the device (after fork() or fd passing)"


class State(enum.IntEnum):
    NEW = 0
    """Nothing created in the SEH yet."""
    CREATED = 1
    """CREATE done: pages may be added."""
    INITIALIZED = 2
    """INIT done: RUN allowed."""


class EnclaveFile:
    """Owner, state, SEH handle, the lock of CREATE/ADD_PAGES/INIT and the running TCS pages."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.lock = threading.Lock()
        self.state = State.NEW
        self.lost = False
        self.session: SehSession | None = None
        self.handle = 0
        self.base = 0
        self.size = 0
        self.attributes = 0
        self.quota_uid = os.getuid()
        """The user the SEH pages of this enclave are charged to: the opener."""
        self.quota_pages = 0
        self._run_lock = threading.Lock()
        self._running: Set[int] = set()
        self._parked: Dict[int, ParkedEntry] = {}

    def check_owner(self) -> None:
        if os.getpid() != self.owner:
            raise Failure(errno.EPERM, NOT_OWNER, kind=NotOwnerError)

    def is_broken(self, current: SehSession | None) -> bool:
        """Lost track of the SEH's state, or created in an SEH session that has ended."""
        return self.lost or (self.state >= State.CREATED and self.session is not current)

    # ---- RUN's per-TCS claim

    def claim_tcs(self, index: int) -> ParkedEntry | None:
        """Mark the TCS running (EBUSY if a RUN is active on it); returns its parked entry."""
        with self._run_lock:
            if index in self._running:
                raise Failure(errno.EBUSY, "another RUN is active on this TCS")
            self._running.add(index)
            return self._parked.pop(index, None)

    def unclaim_tcs(self, index: int, parked: ParkedEntry | None = None) -> None:
        """End the RUN on the TCS, keeping `parked` for the same RUN to receive."""
        with self._run_lock:
            self._running.discard(index)
            if parked is not None:
                self._parked[index] = parked
