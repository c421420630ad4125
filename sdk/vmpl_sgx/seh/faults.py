"""Ways the loopback SEH can misbehave on purpose, for the module's fault-injection tests.

result:<name>   answer every SEH call except QUERY with that result code
                (a SehResult name such as bad-state or busy, or a number)
hang            read calls and never answer them
die-after:<n>   answer n calls (probes included), read the next one and exit at once
delay:<ms>      answer every call, each after waiting that many milliseconds
delay-enter:<ms>
                the same for ENTER only (a RUN's entry, resumption or continuation), so
                that a test can act on a RUN in flight without slowing the loading calls
incomplete-after:<n>
                add at most n pages per ADD_PAGES call and answer INCOMPLETE
                (progress kept) when the request had more
"""

from __future__ import annotations

import ctypes
from typing import Dict, NamedTuple

from vmpl_sgx._abi import (
    SEH_PROTOCOL,
    SehAddPagesReq,
    SehAddPagesRsp,
    SehCall,
    SehCreateRsp,
    SehEnterRsp,
    SehInitRsp,
    SehQueryRsp,
    SehResult,
)
from vmpl_sgx.seh.messages import LbMessage
from vmpl_sgx.seh.model import CORE_PROTOCOL, CORE_QUERY_PROTOCOL

EXIT_DIED_ON_PURPOSE = 3
"""Exit status of a server that died because of die-after."""


class Fault(NamedTuple):
    kind: str = "none"
    result: SehResult | None = None
    calls: int = 0
    delay: float = 0.0


NO_FAULT = Fault()


def _result(name: str) -> SehResult:
    try:
        return SehResult(int(name, 0))
    except ValueError:
        pass
    try:
        return SehResult[name.upper().replace("-", "_")]
    except KeyError:
        raise ValueError(f"unknown result code {name!r}") from None


def parse_fault(text: str) -> Fault:
    """Parse a --fault argument; raises ValueError with a readable message."""
    kind, _, argument = text.partition(":")
    if kind == "none" and not argument:
        return NO_FAULT
    if kind == "hang" and not argument:
        return Fault("hang")
    if kind == "result" and argument:
        return Fault("result", result=_result(argument))
    if kind in ("die-after", "delay", "delay-enter") and argument.isdigit():
        if kind == "die-after":
            return Fault(kind, calls=int(argument))
        return Fault(kind, delay=int(argument) / 1000)
    if kind == "incomplete-after" and argument.isdigit() and int(argument) > 0:
        return Fault(kind, calls=int(argument))
    raise ValueError(
        f"unknown fault {text!r}: use result:<name>, hang, die-after:<n>, delay:<ms>, "
        "delay-enter:<ms> or incomplete-after:<n>"
    )


_PROBES = frozenset(
    {(SEH_PROTOCOL << 32) | SehCall.QUERY, (CORE_PROTOCOL << 32) | CORE_QUERY_PROTOCOL}
)
"""The calls a transport makes to find and size the SEH; faults leave them alone."""

_RESPONSE_SIZE: Dict[SehCall, int] = {
    SehCall.QUERY: ctypes.sizeof(SehQueryRsp),
    SehCall.CREATE: ctypes.sizeof(SehCreateRsp),
    SehCall.ADD_PAGES: ctypes.sizeof(SehAddPagesRsp),
    SehCall.INIT: ctypes.sizeof(SehInitRsp),
    SehCall.ENTER: ctypes.sizeof(SehEnterRsp),
    SehCall.DESTROY: 0,
}


def injected_answer(fault: Fault, request: LbMessage) -> tuple[int, int] | None:
    """(RAX, RCX) a result fault answers `request` with, or None to serve it for real.

    The response is zeroed and as long as the call's response when the result is
    SUCCESS, or for ADD_PAGES (whose `done` count comes with every result); else empty.
    """
    if fault.kind != "result" or fault.result is None or request.rax in _PROBES:
        return None
    number = request.rax & 0xFFFFFFFF
    size = 0
    if request.rax >> 32 == SEH_PROTOCOL and number in _RESPONSE_SIZE:
        call = SehCall(number)
        if fault.result is SehResult.SUCCESS or call is SehCall.ADD_PAGES:
            size = _RESPONSE_SIZE[call]
    request.caa[:size] = bytes(size)
    return fault.result, size


_ADD_PAGES = (SEH_PROTOCOL << 32) | SehCall.ADD_PAGES
_ENTER = (SEH_PROTOCOL << 32) | SehCall.ENTER


def delay_of(fault: Fault, rax: int) -> float:
    """Seconds to hold the call `rax` before serving it: any call's for delay:<ms>, only
    ENTER's for delay-enter:<ms>."""
    if fault.kind == "delay" or (fault.kind == "delay-enter" and rax == _ENTER):
        return fault.delay
    return 0.0


def cut_add_pages(fault: Fault, request: LbMessage) -> bool:
    """incomplete-after:<n>: shorten an ADD_PAGES request of more than n pages to its
    first n in place (the unused descriptors zeroed, as a request's are). True when it
    was cut: serve it, then answer INCOMPLETE; the response's done says what went in."""
    if fault.kind != "incomplete-after" or request.rax != _ADD_PAGES:
        return False
    if request.rcx != ctypes.sizeof(SehAddPagesReq):
        return False  # malformed: the model answers it as it is
    add = SehAddPagesReq.from_buffer(request.caa)
    if add.count <= fault.calls:
        return False
    for index in range(fault.calls, min(add.count, len(add.pages))):
        ctypes.memset(ctypes.addressof(add.pages[index]), 0, ctypes.sizeof(add.pages[index]))
    add.count = fault.calls
    return True
