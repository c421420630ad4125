"""Building SEH requests with the ABI's ctypes structs and driving the model with them."""

from __future__ import annotations

import ctypes
from typing import NamedTuple, Sequence

from vmpl_sgx._abi import (
    PAGE_SIZE,
    SEH_CAA_BUFFER_SIZE,
    SEH_PROTOCOL,
    Attr,
    Enclu,
    PageType,
    SecinfoFlag,
    Secs,
    SehAddPagesReq,
    SehAddPagesRsp,
    SehCall,
    SehCreateReq,
    SehCreateRsp,
    SehDescFlag,
    SehDestroyReq,
    SehEnterFault,
    SehEnterReq,
    SehEnterRsp,
    SehInitReq,
    SehInitRsp,
    SehQueryReq,
    SehQueryRsp,
    SehResult,
    Tcs,
)
from vmpl_sgx.seh import GuestMemory, SehModel

REG_RW = (PageType.REG << 8) | SecinfoFlag.R | SecinfoFlag.W
REG_RX = (PageType.REG << 8) | SecinfoFlag.R | SecinfoFlag.X
REG_R = (PageType.REG << 8) | SecinfoFlag.R
TCS_FLAGS = PageType.TCS << 8
ENCLAVE_SIZE = 0x10000
ENCLAVE_BASE = 0x7F0000000000
DEFAULT_ATTRIBUTES = Attr.MODE64BIT | Attr.DEBUG


def make_secs(
    size: int = ENCLAVE_SIZE,
    base: int = ENCLAVE_BASE,
    ssa_frame_size: int = 1,
    attributes: int = DEFAULT_ATTRIBUTES,
    xfrm: int = 0x3,
    miscselect: int = 0,
) -> Secs:
    return Secs(
        size=size,
        base=base,
        ssa_frame_size=ssa_frame_size,
        attributes=attributes,
        xfrm=xfrm,
        miscselect=miscselect,
    )


def make_tcs(ossa: int = 0x2000, nssa: int = 1, oentry: int = 0x1000, **fields: int) -> bytes:
    tcs = Tcs(ossa=ossa, nssa=nssa, oentry=oentry)
    for name, value in fields.items():
        setattr(tcs, name, value)
    return bytes(tcs)


def page_of(byte: int) -> bytes:
    return bytes([byte]) * PAGE_SIZE


class Page(NamedTuple):
    """One page to add: offset, contents, SECINFO flags and whether to measure it."""

    offset: int
    data: bytes
    secinfo: int = REG_RW
    measure: bool = True
    desc_flags: int | None = None


class Guest:
    """Guest pages at made-up guest-physical addresses, as a transport would hand them over."""

    def __init__(self) -> None:
        self.memory = GuestMemory()
        self._next_gpa = 0x100000

    def page(self, data: bytes = b"", writable: bool = False) -> int:
        gpa = self._next_gpa
        self._next_gpa += PAGE_SIZE
        self.memory.add(gpa, bytearray(data.ljust(PAGE_SIZE, b"\0")), writable)
        return gpa

    def read(self, gpa: int, length: int = PAGE_SIZE) -> bytes:
        return bytes(self.memory.read(gpa, length))


class Reply(NamedTuple):
    result: SehResult
    rcx: int
    caa: bytearray

    def response(self, kind: type[ctypes.Structure]) -> ctypes.Structure:
        assert self.rcx == ctypes.sizeof(kind)
        return kind.from_buffer_copy(self.caa[: self.rcx])


def raw_call(
    model: SehModel, rax: int, request: bytes | ctypes.Structure, memory: GuestMemory, rcx: int = -1
) -> Reply:
    caa = bytearray(SEH_CAA_BUFFER_SIZE)
    data = bytes(request)
    caa[: len(data)] = data
    result, length = model.call(rax, len(data) if rcx < 0 else rcx, caa, memory)
    return Reply(SehResult(result), length, caa)


def seh_rax(call: int) -> int:
    return (SEH_PROTOCOL << 32) | call


class Harness:
    """One model and one guest, with a method per SEH call."""

    def __init__(self, model: SehModel | None = None) -> None:
        self.model = model if model is not None else SehModel()
        self.guest = Guest()
        self.fault = SehEnterFault()
        """What followed the last successful ENTER's response."""

    def call(self, call: SehCall, request: ctypes.Structure, rcx: int = -1) -> Reply:
        return raw_call(self.model, seh_rax(call), request, self.guest.memory, rcx)

    def query(self, version: int = 1) -> tuple[SehResult, SehQueryRsp | None]:
        reply = self.call(SehCall.QUERY, SehQueryReq(version=version))
        if reply.result is not SehResult.SUCCESS:
            return reply.result, None
        return reply.result, SehQueryRsp.from_buffer_copy(reply.caa[: reply.rcx])

    def create(self, secs: Secs | bytes | None = None) -> tuple[SehResult, int]:
        raw = bytes(secs if secs is not None else make_secs())
        reply = self.call(SehCall.CREATE, SehCreateReq(secs_gpa=self.guest.page(raw)))
        if reply.result is not SehResult.SUCCESS:
            assert reply.rcx == 0
            return reply.result, 0
        return reply.result, SehCreateRsp.from_buffer_copy(reply.caa[: reply.rcx]).handle

    def created(self, secs: Secs | None = None) -> int:
        result, handle = self.create(secs)
        assert result is SehResult.SUCCESS
        return handle

    def add_pages(self, handle: int, pages: Sequence[Page]) -> tuple[SehResult, int]:
        request = SehAddPagesReq(handle=handle, count=len(pages))
        for index, page in enumerate(pages):
            desc = request.pages[index]
            desc.src_gpa = self.guest.page(page.data)
            desc.offset = page.offset
            desc.secinfo_flags = page.secinfo
            if page.desc_flags is not None:
                desc.flags = page.desc_flags
            else:
                desc.flags = SehDescFlag.MEASURE if page.measure else 0
        reply = self.call(SehCall.ADD_PAGES, request)
        rsp = SehAddPagesRsp.from_buffer_copy(reply.caa[: reply.rcx])
        assert reply.rcx == ctypes.sizeof(SehAddPagesRsp)
        return reply.result, rsp.done

    def init(self, handle: int, sigstruct: bytes) -> tuple[SehResult, SehInitRsp | None]:
        request = SehInitReq(handle=handle, sigstruct_gpa=self.guest.page(sigstruct))
        reply = self.call(SehCall.INIT, request)
        if reply.result is not SehResult.SUCCESS:
            assert reply.rcx == 0
            return reply.result, None
        return reply.result, SehInitRsp.from_buffer_copy(reply.caa[: reply.rcx])

    def enter(
        self,
        handle: int,
        tcs_offset: int,
        function: int = Enclu.EENTER,
        call_id: int = 0,
        data: bytes = b"",
        output_capacity: int = PAGE_SIZE,
    ) -> tuple[SehResult, SehEnterRsp | None, bytes]:
        """ENTER with `data` as input; returns the result, response and output bytes."""
        request = SehEnterReq(
            handle=handle,
            tcs_offset=tcs_offset,
            function=function,
            call_id=call_id,
            input_len=len(data),
            output_capacity=output_capacity,
        )
        for index in range(0, len(data), PAGE_SIZE):
            request.input_gpa[index // PAGE_SIZE] = self.guest.page(data[index : index + PAGE_SIZE])
        outputs = []
        for index in range(-(-output_capacity // PAGE_SIZE)):
            outputs.append(self.guest.page(writable=True))
            request.output_gpa[index] = outputs[-1]
        reply = self.call(SehCall.ENTER, request)
        if reply.result is not SehResult.SUCCESS:
            assert reply.rcx == 0
            return reply.result, None, b""
        rsp = SehEnterRsp.from_buffer_copy(reply.caa[: reply.rcx])
        # The seh_enter_fault after the response, which the model always sends.
        assert reply.rcx == ctypes.sizeof(SehEnterRsp) + ctypes.sizeof(SehEnterFault)
        self.fault = SehEnterFault.from_buffer_copy(reply.caa[ctypes.sizeof(rsp) : reply.rcx])
        output = b"".join(self.guest.read(gpa) for gpa in outputs)[: rsp.output_len]
        return reply.result, rsp, output

    def destroy(self, handle: int) -> SehResult:
        reply = self.call(SehCall.DESTROY, SehDestroyReq(handle=handle))
        assert reply.rcx == 0
        return reply.result
