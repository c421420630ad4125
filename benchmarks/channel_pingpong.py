"""The floor of a round trip between two Python processes: the executor's own channel.

Two interpreters pass the turn back and forth through `vmpl_sgx.executor.channel.Channel`
(a futex word in shared memory, polled before it sleeps), with an empty message each way and
nothing else to do. Beside the C ping-pong (futex_pingpong.c) it shows how much of the
executor's round trip the interpreter costs before any message is decoded or any enclave
code runs. Prints the median round trip in ns over N round trips, each timed on its own,
like futex_pingpong.

    python benchmarks/channel_pingpong.py N
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sdk"))

from vmpl_sgx.executor.channel import TO_EXECUTOR, TO_WORKER, Channel


def answer(fd: int, count: int) -> None:
    """The other process: answer `count` messages."""
    channel = Channel(fd)
    for _ in range(count):
        channel.wait(TO_WORKER, None)
        channel.post(channel.take(), TO_EXECUTOR)


def median_round_trip_ns(count: int) -> float:
    channel, fd = Channel.create()
    peer = subprocess.Popen(
        [sys.executable, __file__, "--answer", str(fd), str(count)], pass_fds=(fd,)
    )
    os.close(fd)
    times = []
    clock = time.perf_counter_ns
    try:
        for _ in range(count):
            start = clock()
            channel.post(b"", TO_WORKER)
            channel.wait(TO_EXECUTOR, None)
            channel.take()
            times.append(clock() - start)
    finally:
        if peer.wait(timeout=60) != 0:
            raise RuntimeError(f"the answering process exited with {peer.returncode}")
        channel.close()
    return statistics.median(times)


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "--answer":
        answer(int(argv[1]), int(argv[2]))
        return 0
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    print(f"{median_round_trip_ns(int(argv[0])):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
