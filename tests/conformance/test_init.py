"""ENCLAVE_INIT: state, copies, vendor, privileged attributes, then what EINIT rejects."""

from __future__ import annotations

import dataclasses
import errno

import pytest

from tests.conformance import raw
from tests.conformance.conftest import load_regions
from vmpl_sgx import _abi
from vmpl_sgx._abi import PAGE_SIZE, SIGSTRUCT_SIZE, Attr
from vmpl_sgx.backend import Backend
from vmpl_sgx.layout import Layout, Region, build_secs, sign
from vmpl_sgx.rsa import RsaPrivateKey

VENDOR = 16
SIGNATURE = 516
ENCLAVEHASH = 960


def init_errno(handle: Backend, keep: raw.Keep, sigstruct: bytes) -> int:
    return raw.errno_of(lambda: raw.init(handle, keep, sigstruct))


def changed(sigstruct: bytes, offset: int, value: bytes) -> bytes:
    data = bytearray(sigstruct)
    data[offset : offset + len(value)] = value
    return bytes(data)


def test_success(loaded: Backend, keep: raw.Keep, sigstruct: bytes) -> None:
    assert init_errno(loaded, keep, sigstruct) == 0


def test_twice_is_einval(initialized: Backend, keep: raw.Keep, sigstruct: bytes) -> None:
    assert init_errno(initialized, keep, sigstruct) == errno.EINVAL
    assert raw.errno_of(lambda: raw.init_at(initialized, 0)) == errno.EINVAL


def test_before_create_is_einval(handle: Backend, keep: raw.Keep, sigstruct: bytes) -> None:
    assert init_errno(handle, keep, sigstruct) == errno.EINVAL
    assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_INIT, 0)) == errno.EINVAL


def test_null_argument_is_efault(loaded: Backend) -> None:
    assert raw.errno_of(lambda: loaded.ioctl(_abi.IOC_ENCLAVE_INIT, 0)) == errno.EFAULT


@pytest.mark.parametrize("where", raw.BAD_PLACES)
def test_unreadable_sigstruct_is_efault(loaded: Backend, keep: raw.Keep, where: str) -> None:
    address = raw.bad_address(keep, where)
    assert raw.errno_of(lambda: raw.init_at(loaded, address)) == errno.EFAULT


def test_sigstruct_running_into_a_hole_is_efault(
    loaded: Backend, keep: raw.Keep, sigstruct: bytes
) -> None:
    pages = keep.map(pages=2)
    start = PAGE_SIZE - SIGSTRUCT_SIZE // 2
    pages.write(start, sigstruct[: SIGSTRUCT_SIZE // 2])
    pages.guard_page(1)
    assert raw.errno_of(lambda: raw.init_at(loaded, pages.address + start)) == errno.EFAULT


@pytest.mark.parametrize("vendor", [1, 0x8087, 0xFFFFFFFF])
def test_unknown_vendor_is_einval(
    loaded: Backend, keep: raw.Keep, sigstruct: bytes, vendor: int
) -> None:
    bad = changed(sigstruct, VENDOR, vendor.to_bytes(4, "little"))
    assert init_errno(loaded, keep, bad) == errno.EINVAL


def test_intel_vendor_passes_the_vendor_check(
    loaded: Backend, keep: raw.Keep, sigstruct: bytes
) -> None:
    # 0x8086 is allowed; changing it breaks the signature, which EINIT then rejects.
    bad = changed(sigstruct, VENDOR, (0x8086).to_bytes(4, "little"))
    assert init_errno(loaded, keep, bad) == errno.EPERM


@pytest.mark.parametrize("attribute", [Attr.PROVISIONKEY, Attr.EINITTOKENKEY])
def test_privileged_attributes_are_eacces(
    handle: Backend, keep: raw.Keep, layout: Layout, key: RsaPrivateKey, attribute: Attr
) -> None:
    privileged = dataclasses.replace(layout, attributes=layout.attributes | attribute)
    raw.create(handle, keep, build_secs(privileged))
    load_regions(handle, keep, list(privileged.regions))
    assert init_errno(handle, keep, sign(privileged, key)) == errno.EACCES
    # Checked after the vendor, before anything the SEH looks at.
    assert init_errno(handle, keep, bytes(SIGSTRUCT_SIZE)) == errno.EACCES
    bad_vendor = changed(bytes(SIGSTRUCT_SIZE), VENDOR, b"\x01")
    assert init_errno(handle, keep, bad_vendor) == errno.EINVAL


def test_garbage_is_eperm(loaded: Backend, keep: raw.Keep) -> None:
    assert init_errno(loaded, keep, bytes(SIGSTRUCT_SIZE)) == errno.EPERM


def test_bad_signature_is_eperm(loaded: Backend, keep: raw.Keep, sigstruct: bytes) -> None:
    flipped = bytes([sigstruct[SIGNATURE] ^ 1])
    assert init_errno(loaded, keep, changed(sigstruct, SIGNATURE, flipped)) == errno.EPERM


def test_other_measurement_is_eperm(
    loaded: Backend, keep: raw.Keep, layout: Layout, key: RsaPrivateKey
) -> None:
    other = dataclasses.replace(layout, ssa_frame_size=2)
    assert init_errno(loaded, keep, sign(other, key)) == errno.EPERM


def test_other_attributes_are_eperm(
    loaded: Backend, keep: raw.Keep, layout: Layout, key: RsaPrivateKey
) -> None:
    other = dataclasses.replace(layout, attributes=int(Attr.MODE64BIT))
    assert init_errno(loaded, keep, sign(other, key)) == errno.EPERM


def test_tampered_page_is_eperm_then_the_right_sigstruct_works(
    created: Backend, keep: raw.Keep, layout: Layout, key: RsaPrivateKey, sigstruct: bytes
) -> None:
    regions = list(layout.regions)
    data = next(i for i, region in enumerate(regions) if region.name == "data")
    tampered_data = b"tampered" + regions[data].data[8:]
    regions[data] = dataclasses.replace(regions[data], data=tampered_data)
    load_regions(created, keep, regions)
    assert init_errno(created, keep, sigstruct) == errno.EPERM
    # A failed INIT leaves the enclave as it was: still CREATED, initializable.
    tampered = dataclasses.replace(layout, regions=tuple(regions))
    assert init_errno(created, keep, sign(tampered, key)) == 0
    assert init_errno(created, keep, sign(tampered, key)) == errno.EINVAL


def test_failed_init_still_accepts_pages(
    loaded: Backend, keep: raw.Keep, layout: Layout, key: RsaPrivateKey
) -> None:
    assert init_errno(loaded, keep, bytes(SIGSTRUCT_SIZE)) == errno.EPERM
    extra = Region(0x8000, bytes(PAGE_SIZE), raw.REG_RW)
    load_regions(loaded, keep, [extra])
    grown = dataclasses.replace(layout, regions=(*layout.regions, extra))
    assert init_errno(loaded, keep, sign(grown, key)) == 0


def test_enclavehash_is_what_einit_compares(
    loaded: Backend, keep: raw.Keep, sigstruct: bytes
) -> None:
    other_hash = changed(sigstruct, ENCLAVEHASH, bytes(32))
    assert init_errno(loaded, keep, other_hash) == errno.EPERM


def test_unaligned_sigstruct_address_is_accepted(
    loaded: Backend, keep: raw.Keep, sigstruct: bytes
) -> None:
    pages = keep.map(pages=2)
    pages.write(PAGE_SIZE - 8, sigstruct)  # straddles a page boundary, 8-byte misaligned
    raw.init_at(loaded, pages.address + PAGE_SIZE - 8)
