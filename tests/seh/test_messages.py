"""Loopback messages: layout, round trips, and everything decoding refuses."""

from __future__ import annotations

import ctypes
import struct

import pytest

from vmpl_sgx._abi import (
    LB_MAGIC,
    LB_MAX_MESSAGE,
    LB_MAX_PAGES,
    LB_VERSION,
    PAGE_SIZE,
    SEH_CAA_BUFFER_SIZE,
    LbHeader,
    LbPage,
    LbPageFlag,
)
from vmpl_sgx.seh.messages import (
    LbPageData,
    MessageError,
    answer,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
    message_size,
)

RW = int(LbPageFlag.WRITABLE)


def sample_pages() -> list[LbPageData]:
    return [
        LbPageData(0x1000, 0, bytes([1]) * PAGE_SIZE),
        LbPageData(0x5000, RW, bytes([2]) * PAGE_SIZE),
        LbPageData(0x3000, 0, bytes([3]) * PAGE_SIZE),
        LbPageData(0x9000, RW, bytes([4]) * PAGE_SIZE),
    ]


def test_request_layout_follows_the_spec() -> None:
    caa = b"request".ljust(64, b"\x07")
    message = encode_request(7, 0x5E00000002, 64, caa, sample_pages(), rdx=1, r8=2, r9=3)
    assert len(message) == message_size(4) == 64 + 4 * 16 + 4096 + 4 * 4096
    header = LbHeader.from_buffer_copy(message)
    assert (header.magic, header.version, header.seq, header.npages) == (LB_MAGIC, LB_VERSION, 7, 4)
    assert (header.rax, header.rcx, header.rdx, header.r8, header.r9) == (0x5E00000002, 64, 1, 2, 3)
    entry = LbPage.from_buffer_copy(message, 64 + 16)
    assert (entry.gpa, entry.flags, entry.reserved) == (0x5000, RW, 0)
    caa_at = 64 + 4 * 16
    assert message[caa_at : caa_at + 64] == caa
    assert message[caa_at + 64 : caa_at + 4096] == bytes(4096 - 64)
    assert message[caa_at + 4096 + PAGE_SIZE : caa_at + 4096 + PAGE_SIZE + 2] == b"\x02\x02"


def test_request_round_trip() -> None:
    message = encode_request(9, 1, 2, b"abc", sample_pages(), r9=5)
    decoded = decode_request(message)
    registers = (decoded.seq, decoded.rax, decoded.rcx, decoded.rdx, decoded.r8, decoded.r9)
    assert registers == (9, 1, 2, 0, 0, 5)
    assert len(decoded.caa) == SEH_CAA_BUFFER_SIZE
    assert bytes(decoded.caa[:4]) == b"abc\0"
    assert [(page.gpa, page.flags, bytes(page.data)) for page in decoded.pages] == [
        (page.gpa, page.flags, page.data) for page in sample_pages()
    ]
    assert [page.writable for page in decoded.pages] == [False, True, False, True]


def test_decoding_a_bytearray_gives_writable_views_into_it() -> None:
    message = bytearray(encode_request(1, 2, 3, b"", sample_pages()))
    decoded = decode_request(message)
    decoded.caa[0] = 0xAA
    decoded.pages[1].data[0] = 0xBB  # type: ignore[index]
    assert message[64 + 4 * 16] == 0xAA
    assert message[64 + 4 * 16 + 4096 + PAGE_SIZE] == 0xBB


def test_answer_echoes_seq_and_carries_only_writable_pages_in_order() -> None:
    message = bytearray(encode_request(42, 0x5E00000001, 8, b"req", sample_pages()))
    request = decode_request(message)
    request.caa[:3] = b"rsp"
    request.pages[3].data[:2] = b"zz"  # type: ignore[index]
    response = decode_response(answer(request, 0x80001003, 3))
    assert (response.seq, response.rax, response.rcx) == (42, 0x80001003, 3)
    assert bytes(response.caa[:3]) == b"rsp"
    assert [(page.gpa, page.flags) for page in response.pages] == [(0x5000, RW), (0x9000, RW)]
    assert bytes(response.pages[0].data) == bytes([2]) * PAGE_SIZE
    assert bytes(response.pages[1].data[:3]) == b"zz\x04"


def test_the_largest_message_is_lb_max_message() -> None:
    pages = [LbPageData(index * PAGE_SIZE, 0, bytes(PAGE_SIZE)) for index in range(LB_MAX_PAGES)]
    assert len(encode_request(0, 0, 0, b"", pages)) == LB_MAX_MESSAGE


def test_encode_refuses_what_the_format_cannot_carry() -> None:
    page = LbPageData(0x1000, 0, bytes(PAGE_SIZE))
    with pytest.raises(MessageError):
        encode_request(0, 0, 0, bytes(SEH_CAA_BUFFER_SIZE + 1))
    with pytest.raises(MessageError):
        encode_request(0, 0, 0, b"", [page] * (LB_MAX_PAGES + 1))
    with pytest.raises(MessageError):
        encode_request(0, 0, 0, b"", [LbPageData(0x1000, 0, b"short")])
    with pytest.raises(MessageError):
        encode_response(0, 0, 0, b"", [page])
    assert decode_response(encode_response(0, 0, 0, b"", [page._replace(flags=RW)])).pages


def corrupt(offset: int, fmt: str, value: int) -> bytearray:
    message = bytearray(encode_request(1, 2, 3, b"", sample_pages()))
    struct.pack_into(fmt, message, offset, value)
    return message


ENTRY = ctypes.sizeof(LbHeader)
CAA_PAD = ENTRY + 4 * 16 + SEH_CAA_BUFFER_SIZE
BAD_MESSAGES = {
    "magic": corrupt(0, "<I", 0x12345678),
    "version": corrupt(4, "<I", 2),
    "header reserved": corrupt(60, "<I", 1),
    "npages too many": corrupt(56, "<I", LB_MAX_PAGES + 1),
    "npages disagrees with the length": corrupt(56, "<I", 3),
    "entry reserved": corrupt(ENTRY + 12, "<I", 1),
    "entry unknown flag": corrupt(ENTRY + 8, "<I", 2),
    "entry unaligned GPA": corrupt(ENTRY, "<Q", 0x1001),
    "entry repeated GPA": corrupt(ENTRY + 16, "<Q", 0x1000),
    "Calling Area padding": corrupt(CAA_PAD, "<B", 1),
}


@pytest.mark.parametrize("name", list(BAD_MESSAGES))
def test_decode_refuses(name: str) -> None:
    with pytest.raises(MessageError):
        decode_request(BAD_MESSAGES[name])


@pytest.mark.parametrize("length", [0, 10, 63])
def test_decode_refuses_truncated_headers(length: int) -> None:
    with pytest.raises(MessageError, match="header"):
        decode_request(encode_request(1, 2, 3, b"")[:length])


def test_decode_refuses_truncated_or_padded_bodies() -> None:
    message = encode_request(1, 2, 3, b"", sample_pages())
    for bad in (message[:-1], message + b"\0"):
        with pytest.raises(MessageError):
            decode_request(bad)


def test_responses_must_list_only_writable_pages() -> None:
    with pytest.raises(MessageError, match="writable"):
        decode_response(encode_request(1, 2, 3, b"", sample_pages()))
