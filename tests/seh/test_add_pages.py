"""ADD_PAGES: EADD/EEXTEND semantics, every check in order, and the `done` count."""

from __future__ import annotations

import pytest

from vmpl_sgx._abi import (
    PAGE_SIZE,
    PageType,
    SecinfoFlag,
    SehAddPagesReq,
    SehAddPagesRsp,
    SehCall,
    SehDescFlag,
    SehResult,
)
from vmpl_sgx.measure import Measurement
from vmpl_sgx.seh import SehModel

from .helpers import (
    ENCLAVE_SIZE,
    REG_R,
    REG_RW,
    REG_RX,
    TCS_FLAGS,
    Harness,
    Page,
    make_secs,
    make_tcs,
    page_of,
)


def digest_of(harness: Harness, handle: int) -> bytes:
    enclave = harness.model.enclave(handle)
    assert enclave is not None
    return enclave.measurement.digest()


def test_pages_are_stored_and_measured_exactly_as_measure_py_does() -> None:
    harness = Harness()
    handle = harness.created()
    pages = [
        Page(0x0, make_tcs(), TCS_FLAGS),
        Page(0x1000, bytes(range(256)) * 16, REG_RX),
        Page(0x2000, page_of(0x41), REG_RW, measure=False),
        Page(0x5000, page_of(0x42), REG_R),
    ]
    assert harness.add_pages(handle, pages) == (SehResult.SUCCESS, 4)
    expected = Measurement()
    expected.ecreate(1, ENCLAVE_SIZE)
    for page in pages:
        expected.eadd(page.offset, page.secinfo)
        if page.measure:
            expected.eextend_page(page.offset, page.data)
    assert digest_of(harness, handle) == expected.digest()
    enclave = harness.model.enclave(handle)
    assert enclave is not None
    assert list(enclave.page_offsets()) == [0, 0x1000, 0x2000, 0x5000]
    assert enclave.page_flags(0x1000) == REG_RX and enclave.page_flags(0x3000) is None
    assert enclave.read(0x1FFE, 4) == b"\xfe\xff\x41\x41"
    assert list(enclave.threads) == [0]


def test_batch_measurement_matches_measure_py_add_pages() -> None:
    harness = Harness()
    handle = harness.created()
    data = b"".join(page_of(index) for index in range(16))
    pages = [Page(index * PAGE_SIZE, page_of(index), REG_RX) for index in range(16)]
    assert harness.add_pages(handle, pages) == (SehResult.SUCCESS, 16)
    expected = Measurement()
    expected.ecreate(1, ENCLAVE_SIZE)
    expected.add_pages(0, data, REG_RX, measured=True)
    assert digest_of(harness, handle) == expected.digest()


def test_the_seh_keeps_its_own_copy_of_each_page() -> None:
    harness = Harness()
    handle = harness.created()
    assert harness.add_pages(handle, [Page(0, page_of(7))]) == (SehResult.SUCCESS, 1)
    for gpa in list(harness.guest.memory):
        harness.guest.memory.add(gpa, bytearray(PAGE_SIZE), writable=True)
    enclave = harness.model.enclave(handle)
    assert enclave is not None and enclave.read(0, 2) == b"\x07\x07"


def test_a_full_batch_of_max_pages_per_call() -> None:
    harness = Harness()
    handle = harness.created(make_secs(size=1 << 20, base=0))
    pages = [Page(index * PAGE_SIZE, page_of(index % 256)) for index in range(128)]
    assert harness.add_pages(handle, pages) == (SehResult.SUCCESS, 128)


def test_unknown_handle_is_bad_handle_with_done_zero() -> None:
    harness = Harness()
    assert harness.add_pages(12345, [Page(0, page_of(1))]) == (SehResult.BAD_HANDLE, 0)


def test_initialized_enclave_is_bad_state() -> None:
    harness = Harness()
    handle = harness.created()
    enclave = harness.model.enclave(handle)
    assert enclave is not None
    enclave.initialize(b"m" * 32, b"s" * 32, 0, 0)
    assert harness.add_pages(handle, [Page(0, page_of(1))]) == (SehResult.BAD_STATE, 0)


@pytest.mark.parametrize("count", [0, 5, 129])
def test_count_outside_one_to_max_is_invalid_parameter(count: int) -> None:
    harness = Harness(SehModel(max_pages_per_call=4))
    handle = harness.created()
    request = SehAddPagesReq(handle=handle, count=count)
    for index in range(min(count, 128)):
        request.pages[index].src_gpa = harness.guest.page(page_of(1))
        request.pages[index].offset = index * PAGE_SIZE
        request.pages[index].secinfo_flags = REG_RW
    reply = harness.call(SehCall.ADD_PAGES, request)
    assert reply.result is SehResult.INVALID_PARAMETER
    assert SehAddPagesRsp.from_buffer_copy(reply.caa[: reply.rcx]).done == 0


def test_descriptors_beyond_count_are_not_read() -> None:
    harness = Harness()
    handle = harness.created()
    request = SehAddPagesReq(handle=handle, count=1)
    request.pages[0].src_gpa = harness.guest.page(page_of(1))
    request.pages[0].secinfo_flags = REG_RW
    request.pages[1].src_gpa = 0xBAD000
    request.pages[1].secinfo_flags = 0xFFFFFFFF
    request.pages[1].flags = 0xFF
    assert harness.call(SehCall.ADD_PAGES, request).result is SehResult.SUCCESS


def test_a_missing_source_page_is_invalid_address() -> None:
    harness = Harness()
    handle = harness.created()
    request = SehAddPagesReq(handle=handle, count=2)
    request.pages[0].src_gpa = harness.guest.page(page_of(1))
    request.pages[0].secinfo_flags = REG_RW
    request.pages[1].src_gpa = 0xBAD000
    request.pages[1].offset = PAGE_SIZE
    request.pages[1].secinfo_flags = REG_RW
    reply = harness.call(SehCall.ADD_PAGES, request)
    assert reply.result is SehResult.INVALID_ADDRESS
    assert SehAddPagesRsp.from_buffer_copy(reply.caa[: reply.rcx]).done == 1


@pytest.mark.parametrize("offset", [0x800, ENCLAVE_SIZE, ENCLAVE_SIZE + PAGE_SIZE, 1 << 63])
def test_offsets_unaligned_or_outside_are_bad_page(offset: int) -> None:
    harness = Harness()
    handle = harness.created()
    assert harness.add_pages(handle, [Page(offset, page_of(1))]) == (SehResult.BAD_PAGE, 0)


REG = PageType.REG << 8
BAD_SECINFO = {
    "SECS type": PageType.SECS << 8 | SecinfoFlag.R,
    "VA type": PageType.VA << 8,
    "TRIM type": PageType.TRIM << 8,
    "unknown type": 0x7F << 8 | SecinfoFlag.R,
    "W without R": REG | SecinfoFlag.W,
    "WX without R": REG | SecinfoFlag.W | SecinfoFlag.X,
    "TCS with R": TCS_FLAGS | SecinfoFlag.R,
    "TCS with X": TCS_FLAGS | SecinfoFlag.X,
    "PENDING": REG | SecinfoFlag.R | SecinfoFlag.PENDING,
    "MODIFIED": REG | SecinfoFlag.R | SecinfoFlag.MODIFIED,
    "PR": REG | SecinfoFlag.R | SecinfoFlag.PR,
    "bit 6": REG | SecinfoFlag.R | 0x40,
    "bit 16": REG | SecinfoFlag.R | 0x10000,
    "bit 31": REG | SecinfoFlag.R | 0x80000000,
}


@pytest.mark.parametrize("name", list(BAD_SECINFO))
def test_bad_secinfo_is_bad_page(name: str) -> None:
    harness = Harness()
    handle = harness.created()
    pages = [Page(0, page_of(1)), Page(PAGE_SIZE, page_of(2), BAD_SECINFO[name])]
    assert harness.add_pages(handle, pages) == (SehResult.BAD_PAGE, 1)


@pytest.mark.parametrize("secinfo", [REG, REG | SecinfoFlag.X, REG_R, REG_RW, REG_RX, REG_RW | 4])
def test_every_valid_regular_permission_set(secinfo: int) -> None:
    harness = Harness()
    handle = harness.created()
    assert harness.add_pages(handle, [Page(0, page_of(1), secinfo)]) == (SehResult.SUCCESS, 1)


@pytest.mark.parametrize("flags", [0x2, 0x80000000, 0x3])
def test_unknown_descriptor_flags_are_invalid_parameter(flags: int) -> None:
    harness = Harness()
    handle = harness.created()
    pages = [Page(0, page_of(1)), Page(PAGE_SIZE, page_of(2), desc_flags=flags)]
    assert harness.add_pages(handle, pages) == (SehResult.INVALID_PARAMETER, 1)


def test_duplicates_are_page_exists_within_and_across_calls() -> None:
    harness = Harness()
    handle = harness.created()
    assert harness.add_pages(handle, [Page(0, page_of(1))]) == (SehResult.SUCCESS, 1)
    assert harness.add_pages(handle, [Page(0, page_of(2))]) == (SehResult.PAGE_EXISTS, 0)
    pages = [Page(0x1000, page_of(3)), Page(0x2000, page_of(3)), Page(0x1000, page_of(4))]
    assert harness.add_pages(handle, pages) == (SehResult.PAGE_EXISTS, 2)
    enclave = harness.model.enclave(handle)
    assert enclave is not None and enclave.read(0, 1) == b"\x01"


def test_a_failed_page_leaves_the_measurement_at_the_pages_before_it() -> None:
    harness = Harness()
    handle = harness.created()
    pages = [Page(0, page_of(1)), Page(0x1000, page_of(2)), Page(0x1000, page_of(3))]
    assert harness.add_pages(handle, pages) == (SehResult.PAGE_EXISTS, 2)
    expected = Measurement()
    expected.ecreate(1, ENCLAVE_SIZE)
    expected.add_pages(0, page_of(1) + page_of(2), REG_RW)
    assert digest_of(harness, handle) == expected.digest()


BAD_TCS = {
    "reserved byte": make_tcs() + b"",
    "flags bit 1": make_tcs(flags=2),
    "state": make_tcs(state=1),
    "cssa": make_tcs(cssa=1),
    "nssa zero": make_tcs(nssa=0),
    "ossa unaligned": make_tcs(ossa=0x2008),
    "ofsbase unaligned": make_tcs(ofsbase=0x10),
    "ogsbase unaligned": make_tcs(ogsbase=0x3001),
    "SSA frames beyond the enclave": make_tcs(ossa=ENCLAVE_SIZE - PAGE_SIZE, nssa=2),
    "ossa outside": make_tcs(ossa=ENCLAVE_SIZE),
    "oentry outside": make_tcs(oentry=ENCLAVE_SIZE),
}
BAD_TCS["reserved byte"] = make_tcs()[:4000] + b"\x01" + make_tcs()[4001:]


@pytest.mark.parametrize("name", list(BAD_TCS))
def test_malformed_tcs_is_eadd_failed(name: str) -> None:
    harness = Harness()
    handle = harness.created()
    pages = [Page(0x1000, page_of(1)), Page(0, BAD_TCS[name], TCS_FLAGS)]
    assert harness.add_pages(handle, pages) == (SehResult.EADD_FAILED, 1)


def test_tcs_variants_that_are_well_formed() -> None:
    harness = Harness()
    handle = harness.created(make_secs(ssa_frame_size=2))
    pages = [
        Page(0x0, make_tcs(ossa=ENCLAVE_SIZE - 2 * PAGE_SIZE, nssa=1, flags=1), TCS_FLAGS),
        Page(0x1000, make_tcs(ossa=0, nssa=8, ofsbase=0x4000, ogsbase=0x5000), TCS_FLAGS),
    ]
    assert harness.add_pages(handle, pages) == (SehResult.SUCCESS, 2)


def test_32_bit_enclaves_need_fs_and_gs_limits_ending_in_fff() -> None:
    harness = Harness()
    handle = harness.created(make_secs(attributes=0, base=0x10000))
    bad = make_tcs(fslimit=0xFFF, gslimit=0x1000)
    good = make_tcs(fslimit=0xFFFFFFFF, gslimit=0x1FFF)
    assert harness.add_pages(handle, [Page(0, bad, TCS_FLAGS)]) == (SehResult.EADD_FAILED, 0)
    assert harness.add_pages(handle, [Page(0, good, TCS_FLAGS)]) == (SehResult.SUCCESS, 1)


def test_a_tcs_that_is_not_measured_is_still_checked() -> None:
    harness = Harness()
    handle = harness.created()
    page = Page(0, make_tcs(nssa=0), TCS_FLAGS, measure=False)
    assert harness.add_pages(handle, [page]) == (SehResult.EADD_FAILED, 0)


def test_checks_run_in_order_address_offset_secinfo_flags_duplicate_tcs() -> None:
    harness = Harness()
    handle = harness.created()
    assert harness.add_pages(handle, [Page(0, make_tcs(), TCS_FLAGS)])[0] is SehResult.SUCCESS
    # A duplicate TCS offset with a malformed TCS: the duplicate wins.
    assert harness.add_pages(handle, [Page(0, page_of(9), TCS_FLAGS)])[0] is SehResult.PAGE_EXISTS
    # Bad descriptor flags on a duplicate: flags win.
    dup = Page(0, page_of(1), desc_flags=SehDescFlag.MEASURE | 4)
    assert harness.add_pages(handle, [dup])[0] is SehResult.INVALID_PARAMETER
    # Bad SECINFO and bad flags: SECINFO wins.
    both = Page(0x1000, page_of(1), REG | SecinfoFlag.W, desc_flags=4)
    assert harness.add_pages(handle, [both])[0] is SehResult.BAD_PAGE


def test_memory_limit_is_no_memory_and_destroy_gives_it_back() -> None:
    harness = Harness(SehModel(memory_limit=3 * PAGE_SIZE))
    first = harness.created()
    pages = [Page(index * PAGE_SIZE, page_of(index)) for index in range(4)]
    assert harness.add_pages(first, pages) == (SehResult.NO_MEMORY, 3)
    second = harness.created()
    assert harness.add_pages(second, [Page(0, page_of(1))]) == (SehResult.NO_MEMORY, 0)
    assert harness.destroy(first) is SehResult.SUCCESS
    assert harness.add_pages(second, pages[:3]) == (SehResult.SUCCESS, 3)
