"""ADD_PAGES with ZERO descriptors: no guest page read, no buffer kept, SGX's measurement."""

from __future__ import annotations

from vmpl_sgx._abi import (
    PAGE_SIZE,
    SehAddPagesReq,
    SehAddPagesRsp,
    SehCall,
    SehDescFlag,
    SehResult,
)
from vmpl_sgx.measure import Measurement
from vmpl_sgx.seh import SehModel
from vmpl_sgx.seh.enclave import Enclave

from .helpers import ENCLAVE_SIZE, REG_RW, REG_RX, TCS_FLAGS, Harness, Page, make_secs, page_of

ZERO = int(SehDescFlag.ZERO)
MEASURE = int(SehDescFlag.MEASURE)
BIG_SIZE = 1 << 24  # room for several full batches


def add_zero(
    harness: Harness,
    handle: int,
    offset: int,
    count: int,
    secinfo: int = REG_RW,
    *,
    flags: int = ZERO,
    src: int = 0,
) -> tuple[SehResult, int]:
    request = SehAddPagesReq(handle=handle, count=count)
    for index in range(count):
        desc = request.pages[index]
        desc.src_gpa, desc.offset = src, offset + index * PAGE_SIZE
        desc.secinfo_flags, desc.flags = secinfo, flags
    reply = harness.call(SehCall.ADD_PAGES, request)
    return reply.result, SehAddPagesRsp.from_buffer_copy(reply.caa[: reply.rcx]).done


def enclave_of(harness: Harness, handle: int) -> Enclave:
    enclave = harness.model.enclave(handle)
    assert enclave is not None
    return enclave


def unmeasured(size: int, *runs: tuple[int, int, int]) -> bytes:
    expected = Measurement()
    expected.ecreate(1, size)
    for offset, count, flags in runs:
        for page in range(count):
            expected.eadd(offset + page * PAGE_SIZE, flags)
    return expected.digest()


def test_batches_of_zero_pages_keep_no_buffer_and_measure_like_eadd() -> None:
    harness = Harness()
    handle = harness.created(make_secs(size=BIG_SIZE))
    assert add_zero(harness, handle, 0x10000, 128) == (SehResult.SUCCESS, 128)
    assert add_zero(harness, handle, 0x90000, 128) == (SehResult.SUCCESS, 128)
    assert add_zero(harness, handle, 0x110000, 5, REG_RX) == (SehResult.SUCCESS, 5)
    enclave = enclave_of(harness, handle)
    assert enclave.pages == {}
    assert enclave.page_count == 261
    assert list(enclave.zero.runs()) == [(0x10000, 0x110000, REG_RW), (0x110000, 0x115000, REG_RX)]
    assert enclave.measurement.digest() == unmeasured(
        BIG_SIZE, (0x10000, 256, REG_RW), (0x110000, 5, REG_RX)
    )
    assert enclave.page_flags(0x10000) == REG_RW and enclave.page_flags(0x114000) == REG_RX
    assert enclave.page_flags(0x115000) is None and enclave.page_flags(0xF000) is None
    assert enclave.read(0x10FFF0, 32) == bytes(32)


def test_a_mixed_batch_stores_data_pages_and_zero_runs_in_order() -> None:
    harness = Harness()
    handle = harness.created()
    pages = [
        Page(0x0, page_of(0x11), REG_RX),
        Page(0x1000, b"", REG_RW, measure=False, desc_flags=ZERO),
        Page(0x2000, b"", REG_RW, measure=False, desc_flags=ZERO),
        Page(0x3000, page_of(0x22), REG_RW),
    ]
    # The helper names a guest page for every descriptor; ZERO ones must name none.
    request = SehAddPagesReq(handle=handle, count=4)
    for index, page in enumerate(pages):
        desc = request.pages[index]
        desc.offset, desc.secinfo_flags = page.offset, page.secinfo
        if page.desc_flags == ZERO:
            desc.flags = ZERO
        else:
            desc.src_gpa, desc.flags = harness.guest.page(page.data), MEASURE
    assert harness.call(SehCall.ADD_PAGES, request).result is SehResult.SUCCESS
    enclave = enclave_of(harness, handle)
    expected = Measurement()
    expected.ecreate(1, ENCLAVE_SIZE)
    for page in pages:
        expected.eadd(page.offset, page.secinfo)
        if page.desc_flags is None:
            expected.eextend_page(page.offset, page.data)
    assert enclave.measurement.digest() == expected.digest()
    assert list(enclave.page_offsets()) == [0, 0x1000, 0x2000, 0x3000]
    assert [(run[0], run[1], run[3] is None) for run in enclave.page_runs()] == [
        (0, PAGE_SIZE, False), (0x1000, 2 * PAGE_SIZE, True), (0x3000, PAGE_SIZE, False),
    ]


def test_writing_a_zero_page_gives_it_a_buffer_and_splits_its_run() -> None:
    harness = Harness()
    handle = harness.created()
    assert add_zero(harness, handle, 0x1000, 4) == (SehResult.SUCCESS, 4)
    enclave = enclave_of(harness, handle)
    enclave.write(0x2FFE, b"abcd")  # straddles the second and third page
    assert sorted(enclave.pages) == [0x2000, 0x3000]
    assert list(enclave.zero.runs()) == [(0x1000, 0x2000, REG_RW), (0x4000, 0x5000, REG_RW)]
    assert enclave.read(0x2FFC, 8) == b"\0\0abcd\0\0"
    assert enclave.page_count == 4 and enclave.page_flags(0x3000) == REG_RW


def test_zero_with_measure_or_a_source_is_invalid_parameter() -> None:
    harness = Harness()
    handle = harness.created()
    gpa = harness.guest.page(page_of(1))
    assert add_zero(harness, handle, 0x1000, 2, flags=ZERO | MEASURE) == (
        SehResult.INVALID_PARAMETER, 0,
    )
    assert add_zero(harness, handle, 0x1000, 1, src=gpa) == (SehResult.INVALID_PARAMETER, 0)
    assert add_zero(harness, handle, 0x1000, 1, flags=ZERO | 4) == (SehResult.INVALID_PARAMETER, 0)
    assert enclave_of(harness, handle).page_count == 0


def test_zero_batch_stops_at_an_existing_page_with_the_pages_before_it() -> None:
    harness = Harness()
    handle = harness.created()
    assert harness.add_pages(handle, [Page(0x4000, page_of(3))]) == (SehResult.SUCCESS, 1)
    assert add_zero(harness, handle, 0x1000, 5) == (SehResult.PAGE_EXISTS, 3)
    assert add_zero(harness, handle, 0x2000, 1) == (SehResult.PAGE_EXISTS, 0)
    assert add_zero(harness, handle, 0x5000, 2) == (SehResult.SUCCESS, 2)
    assert enclave_of(harness, handle).page_count == 6


def test_zero_tcs_is_eadd_failed_and_outside_is_bad_page() -> None:
    harness = Harness()
    handle = harness.created()
    assert add_zero(harness, handle, 0x0, 1, TCS_FLAGS) == (SehResult.EADD_FAILED, 0)
    assert add_zero(harness, handle, ENCLAVE_SIZE - PAGE_SIZE, 2) == (SehResult.BAD_PAGE, 1)


def test_zero_pages_count_against_the_memory_limit_until_destroy() -> None:
    harness = Harness(SehModel(memory_limit=3 * PAGE_SIZE))
    handle = harness.created()
    assert add_zero(harness, handle, 0x1000, 4) == (SehResult.NO_MEMORY, 3)
    assert harness.destroy(handle) is SehResult.SUCCESS
    again = harness.created()
    assert add_zero(harness, again, 0x1000, 3) == (SehResult.SUCCESS, 3)
