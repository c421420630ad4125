"""The backend under test, chosen by $VMPL_SGX_BACKEND: 'simulator' (default) or 'device'.

The suite drives it only through the raw ioctl layer, so it runs unchanged against the kernel
module. The device is skipped when /dev/vmpl_sgx (or $VMPL_SGX_DEVICE) is missing, unless
$VMPL_SGX_REQUIRE_DEVICE=1, which turns that into a failure. Tests that need the simulator's
documented test hooks (`SimulatorBackend.hold`, `Simulator.detach_seh`) skip on the device,
or take another way to the same state (see `Target.observe_while_busy`).
"""

from __future__ import annotations

import errno
import os
import threading
import time
from typing import Callable, Iterator, List, Tuple, TypeVar

import pytest

from tests.conformance import raw
from tests.conformance.memory import READ, Mapping
from vmpl_sgx._abi import PAGE_SIZE, Attr, Transport
from vmpl_sgx.backend import BACKEND_ENV, DEVICE_PATH, Backend
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.errors import ADD_PAGES
from vmpl_sgx.layout import Layout, Region, build_secs, reg_flags, sample_layout, sign
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.simulator import Simulator, SimulatorBackend

T = TypeVar("T")

BACKEND = os.environ.get(BACKEND_ENV, "simulator")
DEVICE = os.environ.get("VMPL_SGX_DEVICE", DEVICE_PATH)
REQUIRE_DEVICE = os.environ.get("VMPL_SGX_REQUIRE_DEVICE") == "1"
HOOKS_ONLY = "needs the simulator's test hooks; the kernel module has none"


class Target:
    """Opens enclave files on the backend under test."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.simulator = Simulator() if name == "simulator" else None

    @property
    def is_simulator(self) -> bool:
        return self.simulator is not None

    def open(self) -> Backend:
        if self.simulator is not None:
            return self.simulator.open()
        return DeviceBackend(DEVICE)

    def require_hooks(self) -> Simulator:
        if self.simulator is None:
            pytest.skip(HOOKS_ONLY)
        return self.simulator

    def expected_transports(self) -> Tuple[int, ...]:
        if self.is_simulator:
            return (Transport.SIMULATOR,)
        return (Transport.SVSM, Transport.LOOPBACK)

    # ---- keeping ENCLAVE_ADD_PAGES busy

    def observe_while_busy(self, observe: Callable[[Backend], T]) -> T:
        """Run `observe` on an enclave while an ENCLAVE_ADD_PAGES on it is in progress.

        The simulator holds the call with its hook. The device gets an ADD_PAGES large enough
        to outlast `observe`, grown and retried when it was not.
        """
        if isinstance(self.simulator, Simulator):
            return self._observe_held(observe)
        for pages in (16384, 32768, 65536):
            done, result = self._observe_large(observe, pages)
            if done:
                return result
        pytest.fail("could not keep ENCLAVE_ADD_PAGES busy long enough on the device")

    def _observe_held(self, observe: Callable[[Backend], T]) -> T:
        handle = self.open()
        assert isinstance(handle, SimulatorBackend)
        with raw.kept() as keep:
            raw.create(handle, keep, build_secs(_big_layout(PAGE_SIZE * 4)))
            with handle.hold(ADD_PAGES) as hold:
                source = keep.map(bytes(PAGE_SIZE))
                worker = _adder(handle, keep, source.address, 1)
                worker.start()
                assert hold.wait_entered(), "the held ADD_PAGES never started"
                try:
                    result = observe(handle)
                finally:
                    hold.release()
                    worker.join()
        handle.close()
        return result

    def _observe_large(self, observe: Callable[[Backend], T], pages: int) -> Tuple[bool, T]:
        handle = self.open()
        zeros = Mapping(pages, prot=READ)  # reads the shared zero page: cheap to copy
        try:
            with raw.kept() as keep:
                raw.create(handle, keep, build_secs(_big_layout(pages * PAGE_SIZE)))
                worker = _adder(handle, keep, zeros.address, pages)
                worker.start()
                if not _wait_busy(handle, worker):
                    worker.join()
                    return False, None  # type: ignore[return-value]
                result = observe(handle)
                still_running = worker.is_alive()
                worker.join()
                return still_running, result
        finally:
            zeros.close()
            handle.close()


def _big_layout(size: int) -> Layout:
    power = 1 << max(size - 1, PAGE_SIZE).bit_length()
    return Layout(
        size=power,
        base=power,
        regions=(Region(0, bytes(PAGE_SIZE), reg_flags("rw")),),
        attributes=int(Attr.MODE64BIT),
    )


def _adder(handle: Backend, keep: raw.Keep, src: int, pages: int) -> threading.Thread:
    flags = raw.secinfo(keep, raw.REG_RW)

    def add() -> None:
        raw.add_pages_raw(
            handle, src=src, offset=0, length=pages * PAGE_SIZE, secinfo=flags, flags=raw.MEASURE
        )

    return threading.Thread(target=add, daemon=True)


def _wait_busy(handle: Backend, worker: threading.Thread) -> bool:
    """Poll with INIT(NULL): EBUSY while ADD_PAGES holds the lock, EFAULT otherwise."""
    deadline = time.monotonic() + 30
    while worker.is_alive() and time.monotonic() < deadline:
        if raw.errno_of(lambda: raw.init_at(handle, 0)) == errno.EBUSY:
            return True
    return False


# ---- fixtures


@pytest.fixture(scope="session")
def target() -> Target:
    if BACKEND not in ("simulator", "device"):
        pytest.fail(f"${BACKEND_ENV}={BACKEND!r}: use simulator or device")
    if BACKEND == "device" and not os.path.exists(DEVICE):
        message = f"{DEVICE} is missing: load vmpl_sgx.ko to run the suite on the device"
        if REQUIRE_DEVICE:
            pytest.fail(message + " ($VMPL_SGX_REQUIRE_DEVICE=1)")
        pytest.skip(message)
    return Target(BACKEND)


@pytest.fixture
def handle(target: Target) -> Iterator[Backend]:
    """A fresh enclave file, closed after the test."""
    opened = target.open()
    yield opened
    opened.close()


@pytest.fixture
def keep() -> Iterator[raw.Keep]:
    with raw.kept() as mappings:
        yield mappings


@pytest.fixture(scope="session")
def key() -> RsaPrivateKey:
    return RsaPrivateKey.generate()


@pytest.fixture(scope="session")
def layout() -> Layout:
    return sample_layout()


@pytest.fixture(scope="session")
def sigstruct(layout: Layout, key: RsaPrivateKey) -> bytes:
    return sign(layout, key)


def load_regions(handle: Backend, keep: raw.Keep, regions: List[Region]) -> None:
    for region in regions:
        number, count = raw.add_data(
            handle, keep, region.offset, region.data, region.secinfo_flags, region.measured
        )
        assert (number, count) == (0, region.size)


@pytest.fixture
def created(handle: Backend, keep: raw.Keep, layout: Layout) -> Backend:
    """An enclave created from the sample layout's SECS, no pages yet."""
    raw.create(handle, keep, build_secs(layout))
    return handle


@pytest.fixture
def loaded(created: Backend, keep: raw.Keep, layout: Layout) -> Backend:
    """The sample layout created and added, not initialized."""
    load_regions(created, keep, list(layout.regions))
    return created


@pytest.fixture
def initialized(loaded: Backend, keep: raw.Keep, sigstruct: bytes) -> Backend:
    raw.init(loaded, keep, sigstruct)
    return loaded

