"""The broken rule: once the SEH is gone, every later CREATE, ADD_PAGES, INIT and RUN on an
enclave created with it fails with EIO, after the owner and busy checks.

The device tier provokes this by stopping its loopback SEH; here the simulator's
`detach_seh()` hook does the same, so these tests skip on the device.
"""

from __future__ import annotations

import errno
from typing import Iterator

import pytest

from tests.conformance import raw
from tests.conformance.conftest import Target, load_regions
from vmpl_sgx import _abi
from vmpl_sgx._abi import Transport
from vmpl_sgx.layout import Layout, build_secs
from vmpl_sgx.simulator import Simulator


@pytest.fixture
def simulator(target: Target) -> Iterator[Simulator]:
    target.require_hooks()
    yield Simulator()  # its own SEH: detaching it disturbs no other test


def test_created_enclave_of_a_gone_seh_is_eio(
    simulator: Simulator, keep: raw.Keep, layout: Layout
) -> None:
    handle = simulator.open()
    raw.create(handle, keep, build_secs(layout))
    simulator.detach_seh()
    # NULL arguments: the broken check comes before the argument is read.
    assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_CREATE, 0)) == errno.EIO
    assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, 0)) == errno.EIO
    assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_INIT, 0)) == errno.EIO
    assert raw.errno_of(lambda: raw.get_info(handle)) == 0
    handle.close()


def test_initialized_enclave_of_a_gone_seh_is_eio(
    simulator: Simulator, keep: raw.Keep, layout: Layout, sigstruct: bytes
) -> None:
    handle = simulator.open()
    raw.create(handle, keep, build_secs(layout))
    load_regions(handle, keep, list(layout.regions))
    raw.init(handle, keep, sigstruct)
    simulator.detach_seh()
    assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_RUN, 0)) == errno.EIO
    handle.close()


def test_create_without_an_seh_is_eio(
    simulator: Simulator, keep: raw.Keep, layout: Layout
) -> None:
    simulator.detach_seh()
    handle = simulator.open()
    assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_CREATE, 0)) == errno.EFAULT
    assert raw.errno_of(lambda: raw.create(handle, keep, build_secs(layout))) == errno.EIO
    info = raw.get_info(handle)
    assert info.transport == Transport.SIMULATOR
    handle.close()


def test_a_new_seh_does_not_revive_old_enclaves(
    simulator: Simulator, keep: raw.Keep, layout: Layout
) -> None:
    old = simulator.open()
    raw.create(old, keep, build_secs(layout))
    simulator.detach_seh()
    simulator.attach_seh()
    assert raw.errno_of(lambda: old.ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, 0)) == errno.EIO
    new = simulator.open()
    raw.create(new, keep, build_secs(layout))
    load_regions(new, keep, list(layout.regions))
    old.close()
    new.close()
