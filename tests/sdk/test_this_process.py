"""The simulator's cached process id follows fork, so a child never passes for the owner."""

from __future__ import annotations

import os

from vmpl_sgx.simulator import this_process


def test_the_id_is_this_process_and_a_forked_child_gets_its_own() -> None:
    assert this_process.pid == os.getpid()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(write, f"{this_process.pid} {os.getpid()}".encode())
        os._exit(0)
    os.close(write)
    cached, real = os.read(read, 64).decode().split()
    os.close(read)
    os.waitpid(child, 0)
    assert cached == real != str(os.getpid())
    assert this_process.pid == os.getpid()
