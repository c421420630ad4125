"""Counters of the work the SEH model did, for benchmarks and tests."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Dict, Union


class SehStats:
    """Calls and failures per call name, pages added and bytes measured (EEXTEND).

    Read the fields directly, or take a consistent copy with snapshot() while calls go on.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.pages_added = 0
        self.bytes_measured = 0

    def count_call(self, name: str, failed: bool) -> None:
        with self._lock:
            self.calls[name] += 1
            if failed:
                self.failures[name] += 1

    def count_pages(self, added: int, measured_bytes: int) -> None:
        with self._lock:
            self.pages_added += added
            self.bytes_measured += measured_bytes

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.failures.clear()
            self.pages_added = 0
            self.bytes_measured = 0

    def snapshot(self) -> Dict[str, Union[int, Dict[str, int]]]:
        """A plain, consistent copy, safe to keep while the model goes on."""
        with self._lock:
            return {
                "calls": dict(self.calls),
                "failures": dict(self.failures),
                "pages_added": self.pages_added,
                "bytes_measured": self.bytes_measured,
            }
