"""The executor channel's wait: an answer inside the poll, an answer after the waiter went
to sleep (no lost wake-up), and a timeout that passes with no answer."""

from __future__ import annotations

import os
import time

import pytest

from vmpl_sgx.executor import channel
from vmpl_sgx.executor.channel import TO_EXECUTOR, TO_WORKER, Channel


def _answer_after(fd: int, delay_s: float, rounds: int) -> int:
    """Fork a peer that answers each of `rounds` messages after `delay_s`; its pid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the peer process
        try:
            peer = Channel(fd, 5.0)
            for _ in range(rounds):
                if not peer.wait(TO_WORKER, 5.0):
                    break
                message = peer.take()
                time.sleep(delay_s)
                peer.post(message[::-1], TO_EXECUTOR)
        finally:
            os._exit(0)
    return pid


@pytest.mark.parametrize("delay_s", [0.0, 20 * channel.SPIN_S])
def test_answers_arrive_whether_the_waiter_polls_or_sleeps(delay_s: float) -> None:
    ours, fd = Channel.create(5.0)
    pid = _answer_after(fd, delay_s, rounds=50)
    try:
        for number in range(50):
            start = time.monotonic()
            ours.post(b"ping %d" % number, TO_WORKER)
            assert ours.wait(TO_EXECUTOR, 5.0), f"no answer to message {number}"
            # A missed wake-up would leave the wait asleep until its timeout.
            assert time.monotonic() - start < 1.0
            assert ours.take() == (b"ping %d" % number)[::-1]
    finally:
        os.waitpid(pid, 0)
        ours.close()
        os.close(fd)


def test_a_wait_with_no_answer_ends_after_its_timeout() -> None:
    ours, fd = Channel.create(0.05)
    try:
        start = time.monotonic()
        assert not ours.wait(TO_EXECUTOR, 0.05)
        assert time.monotonic() - start >= 0.05
        assert not ours.wait(TO_EXECUTOR, 0.0)
    finally:
        ours.close()
        os.close(fd)
