"""What several guest test files share: enclaves loaded on the device, ENCLAVE_RUNs built by
hand, and signals timed to a call the module has in flight (tests/vm/guest/conftest.py has
the fixtures)."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import struct
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any, Callable, Iterator, List

from tests.conformance import raw
from tests.vm.guest.conftest import DEVICE, stats
from vmpl_sgx import _abi
from vmpl_sgx._abi import PAGE_SIZE, Attr, EnclaveRun, Enclu
from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.image import ImageParams, layout_from_file
from vmpl_sgx.layout import Layout, Region, load, reg_flags, sample_layout, sign
from vmpl_sgx.rsa import RsaPrivateKey

HOLD = "delay-enter:2000"
"""The SEH of tests that act on a RUN while it is held (a signal, a close, a write-protect,
a move): only ENTER waits, so loading stays prompt, and it waits far longer than a loaded TCG
guest takes to see the call live (wait_in_flight) and act. A timer started before the call
could fire before the call was even made."""


def wait_in_flight(timeout: float = 30.0) -> None:
    """Until some SEH call is alive in the module."""
    deadline = time.monotonic() + timeout
    while stats()["live.calls"] < 1:
        assert time.monotonic() < deadline, "no SEH call became live"
        time.sleep(0.02)


def fresh_enclave_works(key: RsaPrivateKey) -> None:
    """A new enclave loads on the device (the module still serves after what a test did)."""
    layout = sample_layout()
    with Enclave(DeviceBackend(DEVICE)) as enclave:
        load(enclave, layout, sign(layout, key))


@contextlib.contextmanager
def alarm(first: float, interval: float = 0.0) -> Iterator[List[int]]:
    """SIGALRM after `first` seconds (then every `interval`), caught by a no-op handler
    installed without SA_RESTART (Python's default), so that system calls see EINTR."""
    fired: List[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    signal.setitimer(signal.ITIMER_REAL, first, interval)
    try:
        yield fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def signal_in_flight(
    handler: Callable[[int, FrameType | None], Any] | None = None,
) -> Iterator[List[int]]:
    """SIGALRM to this thread as soon as an SEH call is live in the module, caught by
    `handler` (by default a no-op, installed without SA_RESTART, so the call sees EINTR);
    yields the list of signals the default handler saw."""
    fired: List[int] = []
    previous = signal.signal(
        signal.SIGALRM, handler or (lambda signum, frame: fired.append(signum))
    )
    target = threading.get_ident()
    done = threading.Event()

    def send() -> None:
        deadline = time.monotonic() + 60
        while not done.is_set() and time.monotonic() < deadline:
            if stats()["live.calls"] >= 1:
                signal.pthread_kill(target, signal.SIGALRM)
                return
            time.sleep(0.01)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        yield fired
    finally:
        done.set()
        sender.join()
        signal.signal(signal.SIGALRM, previous)


def load_on_device(image: Path, key: RsaPrivateKey) -> EnclaveApp:
    """An EnclaveApp of `image` (default ImageParams), signed with `key`, on the device."""
    layout = layout_from_file(image, ImageParams())
    enclave = Enclave(DeviceBackend(DEVICE))
    try:
        load(enclave, layout, sign(layout, key))
    except BaseException:
        enclave.close()
        raise
    return EnclaveApp(enclave, layout)


class RawRun:
    """An ENCLAVE_RUN of ecall `call_id` built by hand, to see each ioctl's own result."""

    def __init__(self, app: EnclaveApp, call_id: int, data: bytes) -> None:
        self.input = ctypes.create_string_buffer(data, max(len(data), 1))
        self.output = ctypes.create_string_buffer(app.output_capacity)
        self.buffer = bytearray(
            EnclaveRun(
                tcs=app.enclave.tcs_address(app.tcs_offsets[0]),
                function=Enclu.EENTER,
                call_id=call_id,
                input=ctypes.addressof(self.input),
                input_len=len(data),
                output=ctypes.addressof(self.output),
                output_capacity=app.output_capacity,
            )
        )

    def errno(self, backend: DeviceBackend) -> int:
        return raw.errno_of(lambda: backend.ioctl(_abi.IOC_ENCLAVE_RUN, self.buffer))

    def output_bytes(self) -> bytes:
        done = EnclaveRun.from_buffer(self.buffer)
        return self.output.raw[: done.output_len]


def big_layout(pages: int) -> Layout:
    """A layout of `pages` data pages, each filled with its own index."""
    data = b"".join(struct.pack("<I", page) * (PAGE_SIZE // 4) for page in range(pages))
    size = 1 << (pages * PAGE_SIZE - 1).bit_length()
    return Layout(
        size=size,
        base=size,
        regions=(Region(0, data, reg_flags("rw")),),
        attributes=int(Attr.MODE64BIT),
    )
