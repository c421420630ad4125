"""The executor's side of the zygote: start it once, ask it for workers."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import threading
from pathlib import Path
from typing import Dict, NamedTuple

from vmpl_sgx.executor.messages import SPAWN_ANSWER, SPAWN_REQUEST

_SDK_ROOT = Path(__file__).resolve().parents[2]
"""The directory holding the vmpl_sgx package, so that the zygote imports this very copy."""


class WorkerError(Exception):
    """A worker could not be started or could not map the enclave."""


def _environment() -> Dict[str, str]:
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(_SDK_ROOT) + (os.pathsep + path if path else "")
    return env


class WorkerProcess:
    """A worker the zygote forked: its pid and, where the kernel has them, a pidfd."""

    def __init__(self, pid: int, pidfd: int) -> None:
        self.pid = pid
        self.pidfd = pidfd
        # Asked before every entry: the poll set is made once.
        self._exited = select.poll()
        if pidfd >= 0:
            self._exited.register(pidfd, select.POLLIN)

    def running(self) -> bool:
        if self.pidfd >= 0:
            return not self._exited.poll(0)  # a pidfd turns readable when its process exits
        if self.pid <= 0:
            return False  # killed already
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL it if it still runs; the pidfd makes sure no recycled pid is hit."""
        try:
            if self.pidfd >= 0:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            elif self.pid > 0:
                os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        finally:
            if self.pidfd >= 0:
                self._exited.unregister(self.pidfd)
                os.close(self.pidfd)
            self.pidfd, self.pid = -1, -1


class _Answer(NamedTuple):
    pid: int
    pidfd: int


class Spawner:
    """Starts the zygote on first use (again if it died) and has it fork workers."""

    def __init__(self, python: str) -> None:
        self.python = python
        self._lock = threading.Lock()
        self._control: socket.socket | None = None
        self._zygote: subprocess.Popen[bytes] | None = None

    def spawn(self, worker_fd: int, memory_fd: int, channel_fd: int) -> WorkerProcess:
        """A new worker serving `worker_fd` (its socket) and the channel file `channel_fd` on
        the enclave file `memory_fd`."""
        with self._lock:
            for _ in range(2):
                answer = self._ask(worker_fd, memory_fd, channel_fd)
                if answer is not None:
                    return WorkerProcess(answer.pid, answer.pidfd)
                self._stop()  # the zygote died: the next round starts a fresh one
        raise WorkerError("the zygote process does not answer")

    def _ask(self, worker_fd: int, memory_fd: int, channel_fd: int) -> _Answer | None:
        control = self._start()
        try:
            socket.send_fds(control, [SPAWN_REQUEST], [worker_fd, memory_fd, channel_fd])
            data, fds, _, _ = socket.recv_fds(control, SPAWN_ANSWER.size, 1)
        except OSError:
            return None
        if len(data) != SPAWN_ANSWER.size:
            for fd in fds:
                os.close(fd)
            return None
        return _Answer(SPAWN_ANSWER.unpack(data)[0], fds[0] if fds else -1)

    def _start(self) -> socket.socket:
        if self._control is not None:
            return self._control
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._zygote = subprocess.Popen(
                [self.python, "-m", "vmpl_sgx.executor.zygote", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                env=_environment(),
                stdin=subprocess.DEVNULL,
            )
        except OSError as error:
            ours.close()
            raise WorkerError(f"cannot start the zygote: {error}") from error
        finally:
            theirs.close()
        self._control = ours
        return ours

    def _stop(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._zygote is not None:
            # Closing its control socket ends it; its workers die with it.
            try:
                self._zygote.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._zygote.kill()
                self._zygote.wait()
            self._zygote = None

    def close(self) -> None:
        """End the zygote and with it every worker it forked."""
        with self._lock:
            self._stop()
