"""CREATE: the ECREATE checks, the size limit, handles and the first measurement record."""

from __future__ import annotations

import ctypes

import pytest

from vmpl_sgx._abi import (
    MIN_ENCLAVE_SIZE,
    PAGE_SIZE,
    Attr,
    Secs,
    SehCall,
    SehCreateReq,
    SehResult,
)
from vmpl_sgx.measure import Measurement
from vmpl_sgx.seh import SehModel
from vmpl_sgx.seh.enclave import EnclaveState
from vmpl_sgx.seh.secs import XFRM_SUPPORTED, ssa_frame_pages

from .helpers import Harness, make_secs

# sgx.md test vector V1: ECREATE(ssa=1, size=0x2000).
V1 = "9e197c8837c6d65632dbdd59cd7df4f1a25b68d8e4e5eb6ca3b20b05311fecb8"


def test_create_returns_distinct_nonzero_handles_and_measures_ecreate() -> None:
    harness = Harness()
    first = harness.created(make_secs(size=0x2000, base=0x2000))
    second = harness.created()
    assert first and second and first != second
    enclave = harness.model.enclave(first)
    assert enclave is not None
    assert enclave.state is EnclaveState.CREATED
    assert (enclave.base, enclave.size, enclave.ssa_frame_size) == (0x2000, 0x2000, 1)
    assert enclave.measurement.digest().hex() == V1


def test_create_measures_ssa_frame_size_and_size_like_measure_py() -> None:
    harness = Harness()
    handle = harness.created(make_secs(size=1 << 20, base=1 << 20, ssa_frame_size=3))
    expected = Measurement()
    expected.ecreate(3, 1 << 20)
    enclave = harness.model.enclave(handle)
    assert enclave is not None and enclave.measurement.digest() == expected.digest()


@pytest.mark.parametrize(
    "secs",
    [
        make_secs(size=MIN_ENCLAVE_SIZE, base=0),
        make_secs(xfrm=0x7),
        make_secs(xfrm=XFRM_SUPPORTED),
        make_secs(miscselect=1),
        make_secs(attributes=Attr.MODE64BIT | Attr.KSS | Attr.AEXNOTIFY | Attr.PROVISIONKEY),
        make_secs(attributes=0, base=0x10000),
        make_secs(size=1 << 31, base=1 << 31, attributes=0),
        make_secs(size=1 << 36, base=0xFFFF800000000000),
    ],
)
def test_valid_secs_variants_are_accepted(secs: Secs) -> None:
    assert Harness().create(secs)[0] is SehResult.SUCCESS


def _with(**fields: object) -> Secs:
    secs = make_secs()
    for name, value in fields.items():
        if isinstance(value, bytes):
            ctypes.memmove(ctypes.addressof(secs) + getattr(Secs, name).offset, value, len(value))
        else:
            setattr(secs, name, value)
    return secs


BAD_SECS = {
    "size zero": _with(size=0),
    "size below 8 KiB": _with(size=PAGE_SIZE, base=0),
    "size not a power of two": _with(size=0x3000, base=0),
    "base not aligned to size": _with(base=0x7F0000001000),
    "ssa_frame_size zero": _with(ssa_frame_size=0),
    "miscselect reserved bit": _with(miscselect=2),
    "attributes reserved bit 3": _with(attributes=Attr.MODE64BIT | 0x8),
    "attributes reserved bit 63": _with(attributes=Attr.MODE64BIT | (1 << 63)),
    "attributes INIT": _with(attributes=Attr.MODE64BIT | Attr.INIT),
    "xfrm without SSE": _with(xfrm=0x1),
    "xfrm without x87": _with(xfrm=0x2),
    "xfrm unsupported MPX": _with(xfrm=0x1B),
    "xfrm AVX-512 partly": _with(xfrm=0x27),
    "xfrm AVX-512 without AVX": _with(xfrm=0xE3),
    "reserved1": _with(reserved1=b"\x01"),
    "reserved2": _with(reserved2=b"\x00\x01"),
    "reserved3": _with(reserved3=b"\x00" * 31 + b"\x01"),
    "reserved4": _with(reserved4=b"\x00" * 3833 + b"\x01"),
    "config_id without KSS": _with(config_id=b"\x01"),
    "config_svn without KSS": _with(config_svn=1),
    "32-bit enclave above 4 GiB": _with(attributes=0),
    "non-canonical base": _with(size=1 << 36, base=1 << 47),
    "range crossing the canonical hole": _with(size=1 << 48, base=0),
}


@pytest.mark.parametrize("name", list(BAD_SECS))
def test_ecreate_rejects(name: str) -> None:
    harness = Harness()
    assert harness.create(BAD_SECS[name]) == (SehResult.ECREATE_FAILED, 0)


def test_kss_allows_config_fields() -> None:
    secs = _with(config_id=b"\x01", config_svn=7)
    secs.attributes |= Attr.KSS
    assert Harness().create(secs)[0] is SehResult.SUCCESS


def test_ssa_frame_size_must_hold_the_xsave_area() -> None:
    # Every supported XFRM fits one page, so any frame of at least one page is enough.
    assert ssa_frame_pages(XFRM_SUPPORTED, 1) == 1
    assert ssa_frame_pages(0x3, 0) == 1
    assert (
        Harness().create(make_secs(ssa_frame_size=4, xfrm=XFRM_SUPPORTED))[0] is SehResult.SUCCESS
    )


def test_sizes_above_the_limit_are_no_memory() -> None:
    harness = Harness(SehModel(max_enclave_size=1 << 20))
    assert harness.create(make_secs(size=1 << 21, base=0))[0] is SehResult.NO_MEMORY
    assert harness.create(make_secs(size=1 << 20, base=0))[0] is SehResult.SUCCESS


def test_ecreate_checks_come_before_the_size_limit() -> None:
    harness = Harness(SehModel(max_enclave_size=1 << 20))
    assert harness.create(make_secs(size=3 << 20, base=0))[0] is SehResult.ECREATE_FAILED


def test_an_unknown_secs_address_is_invalid_address() -> None:
    harness = Harness()
    for gpa in (0xDEAD000, 0x100800):
        reply = harness.call(SehCall.CREATE, SehCreateReq(secs_gpa=gpa))
        assert (reply.result, reply.rcx) == (SehResult.INVALID_ADDRESS, 0)
