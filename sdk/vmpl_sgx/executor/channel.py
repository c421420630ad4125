"""The executor's channel to one worker: a shared memory page of messages and a futex.

Per RUN the executor and its worker pass one message each way (ENTER or ANSWER in, NORMAL,
OCALL, CRASH or OUTPUT_OVERFLOW back; encoded as in `messages`). Through a socket that cost
two system calls and a wake-up per direction plus the socket's copies. Here the message is
written into a shared memory file, the state word flips, and FUTEX_WAKE wakes the other side,
which sleeps in FUTEX_WAIT on that word: one copy and one wake-up per direction.

Layout: the state word (u32) at 0, the message length (u64) at 8, the message from 64 on.
The state says whose message the area holds; only the side it names as sender writes. x86-64
keeps stores in order, so the message is visible before the state that announces it.

A wait first polls the state word for up to SPIN_S seconds before it sleeps: the other side
usually answers within that, and a sleep and its wake-up cost more than the whole answer
(the scheduler's wake-up latency). The poll yields the core between looks, since on a busy
host the other side may be waiting for this very core (a poll that did not yield made round
trips four times slower there), and it is bounded, so a slow answer costs at most SPIN_S.
The post still always wakes, so a side that went to sleep is never missed (a "sleeping"
flag to skip the wake would need a store-load barrier that Python cannot issue).

Waiting is bounded: `wait()` takes a timeout and returns None when it passes, so the
executor can find a worker that died without a report, and a caller can stop waiting for an
entry that runs long and come back to it later (or end it by ending the worker).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import mmap
import os
import struct
import time

from vmpl_sgx.executor import libc

EMPTY = 0
"""Nothing posted."""
TO_WORKER = 1
"""The executor posted a message; the worker is to read it."""
TO_EXECUTOR = 2
"""The worker posted a message; the executor is to read it."""

DATA_OFFSET = 64
CHANNEL_SIZE = DATA_OFFSET + (1 << 20)
"""Room for the largest message: 64 KiB of run buffer with its header, with a wide margin."""
MAX_MESSAGE = CHANNEL_SIZE - DATA_OFFSET

SPIN_S = 100e-6
"""How long a wait polls before it sleeps; longer than most answers, short beside a sleep."""
_SPIN_CHECKS = 4
"""Polls between two yields of the core."""

_STATE = struct.Struct("<I")
_LENGTH = struct.Struct("<Q")


_DETACHED = ctypes.c_uint32(EMPTY)
"""What a closed channel's state word reads as."""


class ChannelError(Exception):
    """A message does not fit the channel."""


class Channel:
    """One end of a channel over the shared memory file `fd` (see the module's description)."""

    def __init__(self, fd: int, usual_timeout: float | None = None) -> None:
        """`usual_timeout`: the timeout most waits on this end use (their futex calls are
        prepared once)."""
        self._map = mmap.mmap(fd, CHANNEL_SIZE, mmap.MAP_SHARED)
        self._word = ctypes.c_uint32.from_buffer(self._map)
        self._futex = libc.Futex(ctypes.addressof(self._word), usual_timeout)

    @classmethod
    def create(cls, usual_timeout: float | None = None) -> tuple[Channel, int]:
        """A new channel and its file, which the other end maps (the caller closes it)."""
        fd = os.memfd_create("vmpl-sgx-channel", libc.MFD_CLOEXEC)
        try:
            os.ftruncate(fd, CHANNEL_SIZE)
            return cls(fd, usual_timeout), fd
        except BaseException:
            os.close(fd)
            raise

    @property
    def state(self) -> int:
        return self._word.value

    def post(self, message: bytes, state: int) -> None:
        """Put `message` in the area, hand it over with `state` and wake the other side."""
        length = len(message)
        if length > MAX_MESSAGE:
            raise ChannelError(f"a message of {length} bytes does not fit the channel")
        self._map[DATA_OFFSET : DATA_OFFSET + length] = message
        _LENGTH.pack_into(self._map, 8, length)
        self._word.value = state
        self._futex.wake()

    def take(self) -> bytes:
        """The message in the area; the state goes back to EMPTY."""
        (length,) = _LENGTH.unpack_from(self._map, 8)
        length = min(length, MAX_MESSAGE)
        message = self._map[DATA_OFFSET : DATA_OFFSET + length]
        self._word.value = EMPTY
        return message

    def wait(self, state: int, timeout: float | None) -> bool:
        """Sleep until the state is `state`; False if `timeout` seconds passed first."""
        word = self._word
        current = word.value
        if current == state:
            return True
        if timeout is None or timeout > 0:
            spin_end = time.monotonic() + (SPIN_S if timeout is None else min(SPIN_S, timeout))
            while True:
                for _ in range(_SPIN_CHECKS):
                    if word.value == state:
                        return True
                # Hand the core over: on a busy machine the other side may share this one.
                os.sched_yield()
                if time.monotonic() >= spin_end:
                    break
            current = word.value
            if current == state:
                return True
        # The first sleep takes the timeout as given, so that the usual one is ready-made.
        deadline = None if timeout is None else time.monotonic() + timeout
        left = timeout
        while True:
            if self._map.closed:
                return False
            number = self._futex.wait(current, left)
            if number not in (0, errno.EAGAIN, errno.EINTR, errno.ETIMEDOUT):
                raise OSError(number, f"futex wait: {os.strerror(number)}")
            current = word.value
            if current == state:
                return True
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False

    def close(self) -> None:
        """Unmap the area, unless a wait in another thread still holds it (then the mapping
        goes when the last reference does)."""
        if self._map.closed:
            return
        # The ctypes view exports the mapping's buffer: it must go before the mapping.
        self._word = _DETACHED
        with contextlib.suppress(BufferError):
            self._map.close()

