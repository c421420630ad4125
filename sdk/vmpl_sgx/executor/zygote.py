"""The zygote: one process per executor that forks the workers.

Starting a Python interpreter and importing what a worker needs takes a few hundred
milliseconds; forking a process that has already done so takes about a millisecond. The
zygote is started once, with nothing but the worker's modules loaded and a single thread (so
fork() is safe), and then forks a worker for every request that arrives on its control
socket with the worker's socket and the enclave's memory file attached.

Lifetimes. The zygote serves until its control socket closes, which happens when the
executor closes it or its process ends; it then exits, and every worker it forked dies with
it (PR_SET_PDEATHSIG). This ties the workers to the zygote's single thread rather than to
whichever thread of the executor's process first ran an enclave.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from typing import Sequence

from vmpl_sgx.executor import libc, worker
from vmpl_sgx.executor.messages import SPAWN_ANSWER, SPAWN_REQUEST


def _fork_worker(control: socket.socket, fds: Sequence[int]) -> int:
    zygote = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    # The worker: forget the zygote's control channel, die with the zygote, serve.
    status = 1
    try:
        control.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        libc.set_parent_death_signal(signal.SIGKILL)
        if os.getppid() == zygote:
            status = worker.main([str(fd) for fd in fds])
    finally:
        os._exit(status)


def serve(control: socket.socket) -> int:
    # Workers are never waited for: the kernel reaps them, the executor watches their sockets.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, len(SPAWN_REQUEST), 3)
        except OSError:
            return 0
        if not message:
            return 0
        if message != SPAWN_REQUEST or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            return 1
        pid = _fork_worker(control, fds)
        for fd in fds:
            os.close(fd)
        try:
            pidfd = [os.pidfd_open(pid)]
        except (AttributeError, OSError):
            pidfd = []
        try:
            socket.send_fds(control, [SPAWN_ANSWER.pack(pid)], pidfd)
        finally:
            for fd in pidfd:
                os.close(fd)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    control = socket.socket(fileno=int(args[0]))
    return serve(control)


if __name__ == "__main__":
    sys.exit(main())
