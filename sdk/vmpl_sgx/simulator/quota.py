"""The per-user cap on SEH memory, as the module's quota.c applies it.

The pages the SEH holds for enclaves (each SECS and every added page) are charged to the user
who opened the enclave's file, until the file is closed; none left gives EDQUOT. 0: no cap.
"""

from __future__ import annotations

import threading
from typing import Dict

DEFAULT_SEH_PAGES_PER_USER = 65536
"""The module parameter seh_pages_per_user's default (256 MiB of pages)."""


class Quota:
    """Pages charged per user id, under one lock (the module's quota_lock)."""

    def __init__(self, pages_per_user: int = DEFAULT_SEH_PAGES_PER_USER) -> None:
        if pages_per_user < 0:
            raise ValueError("seh_pages_per_user is 0 (no cap) or a page count")
        self.pages_per_user = pages_per_user
        self._lock = threading.Lock()
        self._pages: Dict[int, int] = {}

    def charge(self, uid: int, want: int) -> int:
        """Up to `want` pages for `uid` within the cap; how many were granted (0: none left)."""
        with self._lock:
            held = self._pages.get(uid, 0)
            cap = self.pages_per_user
            grant = want if not cap else max(0, min(want, cap - held))
            if held + grant:
                self._pages[uid] = held + grant
            return grant

    def uncharge(self, uid: int, pages: int) -> None:
        with self._lock:
            left = self._pages.get(uid, 0) - pages
            if left < 0:
                raise AssertionError(f"uid {uid} gives back {pages} pages it was not charged")
            if left:
                self._pages[uid] = left
            else:
                self._pages.pop(uid, None)

    def held(self, uid: int) -> int:
        with self._lock:
            return self._pages.get(uid, 0)
