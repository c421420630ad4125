"""INIT: SIGSTRUCT checks in order, signature and Q1/Q2, measurement, attribute masks."""

from __future__ import annotations

import hashlib

import pytest

from vmpl_sgx._abi import (
    PAGE_SIZE,
    SIGSTRUCT_SIZE,
    Attr,
    SehCall,
    SehInitReq,
    SehResult,
)
from vmpl_sgx.measure import Measurement
from vmpl_sgx.rsa import MODULUS_BYTES, RsaPrivateKey
from vmpl_sgx.seh.enclave import EnclaveState
from vmpl_sgx.sigstruct import SigstructParams, create_sigstruct, mrsigner

from .helpers import (
    DEFAULT_ATTRIBUTES,
    ENCLAVE_SIZE,
    REG_RX,
    TCS_FLAGS,
    Harness,
    Page,
    make_secs,
    make_tcs,
    page_of,
)
from .signing import ALL_ATTRIBUTES, get, make_sigstruct, put, sign

PAGES = [Page(0, make_tcs(), TCS_FLAGS), Page(0x1000, page_of(0xC3), REG_RX)]


def built() -> tuple[Harness, int, bytes]:
    """A created enclave with two pages, and its expected MRENCLAVE."""
    harness = Harness()
    handle = harness.created()
    assert harness.add_pages(handle, PAGES) == (SehResult.SUCCESS, 2)
    expected = Measurement()
    expected.ecreate(1, ENCLAVE_SIZE)
    for page in PAGES:
        expected.add_pages(page.offset, page.data, page.secinfo)
    return harness, handle, expected.digest()


def test_init_succeeds_and_reports_mrenclave_and_mrsigner(signing_key: RsaPrivateKey) -> None:
    harness, handle, mrenclave = built()
    sigstruct = make_sigstruct(
        signing_key,
        mrenclave,
        attributes=DEFAULT_ATTRIBUTES,
        attributemask=ALL_ATTRIBUTES & ~Attr.INIT,
        xfrm=0x3,
        xfrmmask=ALL_ATTRIBUTES,
        miscmask=0xFFFFFFFF,
    )
    result, rsp = harness.init(handle, bytes(sigstruct))
    assert result is SehResult.SUCCESS and rsp is not None
    modulus = signing_key.public_key.modulus.to_bytes(MODULUS_BYTES, "little")
    assert bytes(rsp.mrenclave) == mrenclave
    assert bytes(rsp.mrsigner) == hashlib.sha256(modulus).digest()
    enclave = harness.model.enclave(handle)
    assert enclave is not None and enclave.state is EnclaveState.INITIALIZED
    assert (enclave.mrenclave, enclave.mrsigner) == (mrenclave, bytes(rsp.mrsigner))
    assert enclave.attributes == DEFAULT_ATTRIBUTES | Attr.INIT
    assert (enclave.isv_prod_id, enclave.isv_svn) == (0x11, 0x22)
    # Initialized: no more pages, no second INIT.
    assert harness.add_pages(handle, [Page(0x2000, page_of(1))])[0] is SehResult.BAD_STATE
    assert harness.init(handle, bytes(sigstruct))[0] is SehResult.BAD_STATE


def test_intel_vendor_is_accepted(signing_key: RsaPrivateKey) -> None:
    harness, handle, mrenclave = built()
    sigstruct = make_sigstruct(signing_key, mrenclave, vendor=0x8086)
    assert harness.init(handle, bytes(sigstruct))[0] is SehResult.SUCCESS


def test_unknown_handle_and_sigstruct_address() -> None:
    harness, handle, _ = built()
    assert harness.init(handle + 1, bytes(SIGSTRUCT_SIZE))[0] is SehResult.BAD_HANDLE
    reply = harness.call(SehCall.INIT, SehInitReq(handle=handle, sigstruct_gpa=0xBAD000))
    assert (reply.result, reply.rcx) == (SehResult.INVALID_ADDRESS, 0)


def _field(name: str, value: int | bytes) -> tuple[str, int | bytes]:
    return name, value


BAD_FIELDS = {
    "header byte": _field("header", b"\x07"),
    "header2 byte": _field("header2", b"\x01\x02"),
    "vendor 1": _field("vendor", 1),
    "vendor intel+1": _field("vendor", 0x8087),
    "exponent 65537": _field("exponent", 65537),
    "exponent 0": _field("exponent", 0),
    "modulus short": _field("modulus", b"\x00" * 383 + b"\x7f"),
    "modulus zero": _field("modulus", bytes(MODULUS_BYTES)),
    "reserved1": _field("reserved1", b"\x00\x01"),
    "reserved2": _field("reserved2", b"\x01"),
    "reserved3": _field("reserved3", b"\x00" * 15 + b"\x01"),
    "reserved4": _field("reserved4", b"\x01"),
}


@pytest.mark.parametrize("name", list(BAD_FIELDS))
def test_malformed_sigstructs_are_invalid_sigstruct(name: str, signing_key: RsaPrivateKey) -> None:
    harness, handle, mrenclave = built()
    sigstruct = make_sigstruct(signing_key, mrenclave)
    put(sigstruct, *BAD_FIELDS[name])
    sign(signing_key, sigstruct)  # a valid signature does not make the fields right
    assert harness.init(handle, bytes(sigstruct)) == (SehResult.INVALID_SIGSTRUCT, None)


def _flip(raw: bytearray, field: str, byte: int = 0) -> bytearray:
    put(raw, field, bytes([get(raw, field).to_bytes(MODULUS_BYTES, "little")[byte] ^ 1]))
    return raw


def test_signature_errors_are_invalid_signature(signing_key: RsaPrivateKey) -> None:
    harness, handle, mrenclave = built()
    good = make_sigstruct(signing_key, mrenclave)
    modulus = signing_key.public_key.modulus
    cases = {
        "signature bit": _flip(bytearray(good), "signature"),
        "q1 bit": _flip(bytearray(good), "q1"),
        "q2 bit": _flip(bytearray(good), "q2"),
        "signed field changed": bytearray(good),
        "another modulus": bytearray(good),
        "even modulus": bytearray(good),
        "signature not below the modulus": bytearray(good),
    }
    put(cases["signed field changed"], "isvsvn", 0x23)
    put(cases["another modulus"], "modulus", (modulus + 2).to_bytes(MODULUS_BYTES, "little"))
    put(cases["even modulus"], "modulus", (modulus + 1).to_bytes(MODULUS_BYTES, "little"))
    too_big = cases["signature not below the modulus"]
    put(too_big, "signature", modulus.to_bytes(MODULUS_BYTES, "little"))
    for name, raw in cases.items():
        assert harness.init(handle, bytes(raw)) == (SehResult.INVALID_SIGNATURE, None), name
    assert harness.init(handle, bytes(good))[0] is SehResult.SUCCESS


def test_measurement_mismatch_is_invalid_measurement(signing_key: RsaPrivateKey) -> None:
    harness, handle, mrenclave = built()
    wrong = bytes([mrenclave[0] ^ 1]) + mrenclave[1:]
    assert harness.init(handle, bytes(make_sigstruct(signing_key, wrong)))[0] is (
        SehResult.INVALID_MEASUREMENT
    )
    # A page added after signing changes MRENCLAVE too.
    assert harness.add_pages(handle, [Page(0x3000, page_of(0), measure=False)])[0] == 0
    result = harness.init(handle, bytes(make_sigstruct(signing_key, mrenclave)))[0]
    assert result is SehResult.INVALID_MEASUREMENT


@pytest.mark.parametrize(
    "fields",
    [
        {"attributes": Attr.MODE64BIT, "attributemask": Attr.DEBUG | Attr.MODE64BIT},
        {"attributes": DEFAULT_ATTRIBUTES | Attr.KSS, "attributemask": Attr.KSS},
        {"xfrm": 0x7, "xfrmmask": 0x7},
        {"xfrm": 0x2, "xfrmmask": 0x1},
        {"miscselect": 1, "miscmask": 1},
    ],
)
def test_mismatches_under_the_masks_are_invalid_attribute(
    fields: dict[str, int], signing_key: RsaPrivateKey
) -> None:
    harness, handle, mrenclave = built()
    sigstruct = make_sigstruct(signing_key, mrenclave, **fields)
    assert harness.init(handle, bytes(sigstruct)) == (SehResult.INVALID_ATTRIBUTE, None)


def test_differences_outside_the_masks_are_fine(signing_key: RsaPrivateKey) -> None:
    harness, handle, mrenclave = built()
    sigstruct = make_sigstruct(
        signing_key,
        mrenclave,
        attributes=Attr.KSS,
        attributemask=Attr.MODE64BIT,
        xfrm=0x7,
        xfrmmask=0x3,
        miscselect=1,
        miscmask=0,
    )
    put(sigstruct, "attributes", Attr.MODE64BIT | Attr.KSS)
    sign(signing_key, sigstruct)
    assert harness.init(handle, bytes(sigstruct))[0] is SehResult.SUCCESS


def test_checks_run_in_order(signing_key: RsaPrivateKey) -> None:
    harness, handle, _ = built()
    everything_wrong = make_sigstruct(signing_key, bytes(32), xfrm=0x7, xfrmmask=0x7)
    assert harness.init(handle, bytes(everything_wrong))[0] is SehResult.INVALID_MEASUREMENT
    _flip(everything_wrong, "signature")
    assert harness.init(handle, bytes(everything_wrong))[0] is SehResult.INVALID_SIGNATURE
    put(everything_wrong, "vendor", 7)
    assert harness.init(handle, bytes(everything_wrong))[0] is SehResult.INVALID_SIGSTRUCT


def test_a_failed_init_leaves_the_enclave_as_it_was(signing_key: RsaPrivateKey) -> None:
    harness, handle, _ = built()
    assert harness.init(handle, bytes(make_sigstruct(signing_key, bytes(32))))[0] != 0
    enclave = harness.model.enclave(handle)
    assert enclave is not None and enclave.state is EnclaveState.CREATED
    assert enclave.mrenclave == b"" and enclave.attributes & Attr.INIT == 0
    assert harness.add_pages(handle, [Page(0x2000, page_of(5))])[0] is SehResult.SUCCESS
    expected = Measurement()
    expected.ecreate(1, ENCLAVE_SIZE)
    for page in [*PAGES, Page(0x2000, page_of(5))]:
        expected.add_pages(page.offset, page.data, page.secinfo)
    result, rsp = harness.init(handle, bytes(make_sigstruct(signing_key, expected.digest())))
    assert result is SehResult.SUCCESS and rsp is not None
    assert bytes(rsp.mrenclave) == expected.digest()


def test_a_sigstruct_must_start_its_page(
    signing_key: RsaPrivateKey,
) -> None:
    harness, handle, mrenclave = built()
    gpa = harness.guest.page(bytes(make_sigstruct(signing_key, mrenclave)))
    reply = harness.call(SehCall.INIT, SehInitReq(handle=handle, sigstruct_gpa=gpa + 64))
    assert reply.result is SehResult.INVALID_ADDRESS
    reply = harness.call(SehCall.INIT, SehInitReq(handle=handle, sigstruct_gpa=gpa))
    assert reply.result is SehResult.SUCCESS


def test_a_large_enclave_end_to_end(signing_key: RsaPrivateKey) -> None:
    harness = Harness()
    size = 1 << 22
    handle = harness.created(make_secs(size=size, base=size, ssa_frame_size=2))
    expected = Measurement()
    expected.ecreate(2, size)
    offset = 0
    while offset < size:
        batch = [Page(offset + index * PAGE_SIZE, page_of(index)) for index in range(128)]
        assert harness.add_pages(handle, batch) == (SehResult.SUCCESS, 128)
        expected.add_pages(offset, b"".join(page.data for page in batch), batch[0].secinfo)
        offset += 128 * PAGE_SIZE
    result, rsp = harness.init(handle, bytes(make_sigstruct(signing_key, expected.digest())))
    assert result is SehResult.SUCCESS and rsp is not None
    assert harness.model.stats.bytes_measured == size


def test_a_sigstruct_from_the_signing_tool_is_accepted(signing_key: RsaPrivateKey) -> None:
    harness, handle, mrenclave = built()
    params = SigstructParams(
        enclavehash=mrenclave,
        attributes=DEFAULT_ATTRIBUTES,
        xfrm=0x3,
        attributemask=ALL_ATTRIBUTES & ~Attr.INIT,
        isvprodid=3,
        isvsvn=4,
    )
    raw = create_sigstruct(params, signing_key)
    result, rsp = harness.init(handle, raw)
    assert result is SehResult.SUCCESS and rsp is not None
    assert bytes(rsp.mrsigner) == mrsigner(raw[128:512])
    enclave = harness.model.enclave(handle)
    assert enclave is not None and (enclave.isv_prod_id, enclave.isv_svn) == (3, 4)
