"""The SEH's QUOTE and QUOTING_TARGET calls: the wire around `SehTrust.quote`.

QUOTE carries the enclave's REPORT and the nonce in the Calling Area buffer and names, per
output (SNP report, manifest, certificate table), up to SEH_QUOTE_PAGES writable guest pages
and a capacity. Checks, in order: request form (INVALID_FORMAT: size, reserved field, unused
page entries not zero), capacities (INVALID_PARAMETER above the pages), the handle and its
state (BAD_HANDLE, BAD_STATE: only an initialized enclave), the output pages (INVALID_ADDRESS),
then the report's MAC (INVALID_REPORT) and the sizes (QUOTE_TOO_SMALL, with the sizes needed
in the response, as in the SVSM attestation protocol). While the loopback SEH still generates
its test chain a QUOTE answers BUSY.
"""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING, List, Tuple

from vmpl_sgx._abi import (
    PAGE_SIZE,
    SEH_QUOTE_PAGES,
    SehQuoteReq,
    SehQuoteRsp,
    SehQuotingTargetRsp,
    SehResult,
)
from vmpl_sgx.seh.errors import SehError
from vmpl_sgx.seh.memory import GuestMemory
from vmpl_sgx.seh.quoting import BufferTooSmallError, QuoteSizes
from vmpl_sgx.seh.wire import CallingArea, read_request, write_response

if TYPE_CHECKING:
    from vmpl_sgx.seh.model import SehModel

Result = Tuple[SehResult, int]


def _pages(gpas: ctypes.Array[ctypes.c_uint64], capacity: int) -> List[int]:
    entries: List[int] = gpas[:]
    used = -(-capacity // PAGE_SIZE)
    if used > SEH_QUOTE_PAGES:
        raise SehError(SehResult.INVALID_PARAMETER, f"a quote buffer of {capacity} bytes")
    if any(entries[used:]):
        raise SehError(SehResult.INVALID_FORMAT, "unused quote page entries are not zero")
    return entries[:used]


def _store(data: bytes, pages: List[int], memory: GuestMemory) -> None:
    for index, gpa in enumerate(pages):
        chunk = data[index * PAGE_SIZE : (index + 1) * PAGE_SIZE]
        if not chunk:
            break
        memory.write(gpa, chunk)


def serve_quote(model: SehModel, caa: CallingArea, rcx: int, memory: GuestMemory) -> Result:
    try:
        request = read_request(SehQuoteReq, caa, rcx)
        capacity = QuoteSizes(
            request.snp_report_capacity,
            request.manifest_capacity,
            request.certificates_capacity,
        )
        targets = [
            _pages(request.snp_report_gpa, capacity.report),
            _pages(request.manifest_gpa, capacity.manifest),
            _pages(request.certificates_gpa, capacity.certificates),
        ]
        model.require_initialized(request.handle)
        for pages in targets:
            memory.check_all(pages, writable=True)
        quote = model.trust.quote(bytes(request.report), bytes(request.nonce), capacity)
    except BufferTooSmallError as small:
        needed = SehQuoteRsp(
            snp_report_len=small.needed.report,
            manifest_len=small.needed.manifest,
            certificates_len=small.needed.certificates,
        )
        return SehResult.QUOTE_TOO_SMALL, write_response(caa, needed)
    except SehError as error:
        return error.result, 0
    for data, pages in zip(quote, targets):
        _store(data, pages, memory)
    response = SehQuoteRsp(
        snp_report_len=len(quote.report),
        manifest_len=len(quote.manifest),
        certificates_len=len(quote.certificates),
    )
    return SehResult.SUCCESS, write_response(caa, response)


def serve_quoting_target(model: SehModel, caa: CallingArea, rcx: int) -> Result:
    if rcx != 0:
        return SehResult.INVALID_FORMAT, 0
    response = SehQuotingTargetRsp()
    ctypes.memmove(response.targetinfo, bytes(model.trust.quoting_targetinfo()), 512)
    return SehResult.SUCCESS, write_response(caa, response)
