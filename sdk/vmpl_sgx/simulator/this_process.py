"""This process's id, kept current across fork without a system call per use.

os.getpid() is a system call, and every simulated RUN checks that its caller owns the enclave:
that call cost as much as the rest of the check. The id only changes in a child of fork, and
os.fork (multiprocessing's too) runs the hook that refreshes it here.
"""

from __future__ import annotations

import os

pid = os.getpid()


def _forked() -> None:
    global pid  # noqa: PLW0603 - the one value this module keeps
    pid = os.getpid()


os.register_at_fork(after_in_child=_forked)
