"""Messages between the executor and a worker process: SETUP and its answer as one
SOCK_SEQPACKET datagram each, the messages of a RUN through the worker's channel (channel.py).

Every message starts with a kind byte and three zero bytes, then a fixed header for its
kind, then variable bytes (input, output, ocall request or answer). Little-endian throughout.
"""

from __future__ import annotations

import enum
import struct
from typing import NamedTuple, Tuple, Union


class Kind(enum.IntEnum):
    # executor -> worker
    SETUP = 1
    """Map the enclave and get ready to run on one TCS."""
    ENTER = 2
    """Start an ecall."""
    ANSWER = 3
    """The answer to the ocall the worker waits on."""
    # worker -> executor
    READY = 10
    SETUP_FAILED = 11
    NORMAL = 12
    """The ecall returned."""
    OCALL = 13
    """Enclave code called the host; the worker waits for ANSWER."""
    CRASH = 14
    """Enclave code faulted; the worker exits right after sending this."""
    OUTPUT_OVERFLOW = 15
    """The ecall returned claiming more output than the buffer holds."""


class Mapping(NamedTuple):
    """Enclave pages [offset, offset + length) mapped with `prot` (PROT_* bits)."""

    offset: int
    length: int
    prot: int


class Setup(NamedTuple):
    base: int
    size: int
    tcs_offset: int
    entry_offset: int
    fsbase_offset: int
    gsbase_offset: int
    mappings: Tuple[Mapping, ...]


class Enter(NamedTuple):
    call_id: int
    output_capacity: int
    input: bytes


class Answer(NamedTuple):
    status: int
    output_capacity: int
    """Output capacity of the RUN that carried the answer: the limit for the next ocall request."""
    payload: bytes


class Ready(NamedTuple):
    pass


class SetupFailed(NamedTuple):
    errno: int
    reason: str


class Normal(NamedTuple):
    retval: int
    output: bytes


class Ocall(NamedTuple):
    call_id: int
    request: bytes


class Crash(NamedTuple):
    signo: int
    code: int
    """si_code: positive when the kernel raised the signal for a fault."""
    trapno: int
    error_code: int
    address: int
    """si_addr: the faulting data address for #PF, the instruction for #UD and #DE."""
    rip: int


class OutputOverflow(NamedTuple):
    output_len: int


Message = Union[Setup, Enter, Answer, Ready, SetupFailed, Normal, Ocall, Crash, OutputOverflow]

_KIND = struct.Struct("<B3x")
_SETUP = struct.Struct("<QQQQQQI4x")
_MAPPING = struct.Struct("<QQI4x")
_TWO_U32 = struct.Struct("<II")
_U64 = struct.Struct("<Q")
_I32 = struct.Struct("<i")
_OCALL = struct.Struct("<I4x")
_CRASH = struct.Struct("<iiQQQQ")

SPAWN_REQUEST = b"spawn"
"""What the executor sends the zygote, with the worker's socket and memory file attached."""
SPAWN_ANSWER = struct.Struct("<q")
"""The zygote's answer: the worker's pid (with a pidfd attached where the kernel has them)."""

MAX_HEADER = _KIND.size + _SETUP.size
"""Bytes a message needs beyond its variable part (the mapping list of SETUP aside)."""


class MessageError(ValueError):
    """A message that does not decode: the other side is broken or not a worker."""


def _with_kind(kind: Kind, header: bytes, tail: bytes = b"") -> bytes:
    return b"".join((_KIND.pack(kind), header, tail))


_ENTER_HEAD = struct.Struct("<B3xII")
"""Kind, call_id and capacity of ENTER (and, with its own kind byte, of ANSWER): the
messages of every RUN get their own short paths below."""
_NORMAL_HEAD = struct.Struct("<B3xQ")
_OCALL_HEAD = struct.Struct("<B3xI4x")


def encode(message: Message) -> bytes:
    """The datagram for `message`."""
    if isinstance(message, Enter):
        return _ENTER_HEAD.pack(Kind.ENTER, message.call_id, message.output_capacity) + (
            message.input
        )
    if isinstance(message, Normal):
        return _NORMAL_HEAD.pack(Kind.NORMAL, message.retval) + message.output
    if isinstance(message, Ocall):
        return _OCALL_HEAD.pack(Kind.OCALL, message.call_id) + message.request
    if isinstance(message, Answer):
        return _ENTER_HEAD.pack(Kind.ANSWER, message.status, message.output_capacity) + (
            message.payload
        )
    if isinstance(message, Setup):
        head = _SETUP.pack(
            message.base,
            message.size,
            message.tcs_offset,
            message.entry_offset,
            message.fsbase_offset,
            message.gsbase_offset,
            len(message.mappings),
        )
        maps = b"".join(_MAPPING.pack(*mapping) for mapping in message.mappings)
        return _with_kind(Kind.SETUP, head, maps)
    if isinstance(message, Answer):
        head = _TWO_U32.pack(message.status, message.output_capacity)
        return _with_kind(Kind.ANSWER, head, message.payload)
    if isinstance(message, Ready):
        return _with_kind(Kind.READY, b"")
    if isinstance(message, SetupFailed):
        return _with_kind(Kind.SETUP_FAILED, _I32.pack(message.errno), message.reason.encode())
    if isinstance(message, Ocall):
        return _with_kind(Kind.OCALL, _OCALL.pack(message.call_id), message.request)
    if isinstance(message, Crash):
        return _with_kind(Kind.CRASH, _CRASH.pack(*message))
    return _with_kind(Kind.OUTPUT_OVERFLOW, _U64.pack(message.output_len))


def decode(data: bytes) -> Message:
    """The message in one datagram; raises MessageError if it is malformed."""
    if len(data) < _KIND.size:
        raise MessageError(f"a message of {len(data)} bytes has no kind")
    head = data[0]
    if head == Kind.NORMAL and len(data) >= _NORMAL_HEAD.size:
        return Normal(_NORMAL_HEAD.unpack_from(data)[1], data[_NORMAL_HEAD.size :])
    if head == Kind.ENTER and len(data) >= _ENTER_HEAD.size:
        _, call_id, capacity = _ENTER_HEAD.unpack_from(data)
        return Enter(call_id, capacity, data[_ENTER_HEAD.size :])
    if head == Kind.OCALL and len(data) >= _OCALL_HEAD.size:
        return Ocall(_OCALL_HEAD.unpack_from(data)[1], data[_OCALL_HEAD.size :])
    if head == Kind.ANSWER and len(data) >= _ENTER_HEAD.size:
        _, status, capacity = _ENTER_HEAD.unpack_from(data)
        return Answer(status, capacity, data[_ENTER_HEAD.size :])
    try:
        kind = Kind(data[0])
    except ValueError:
        raise MessageError(f"unknown message kind {data[0]}") from None
    body = data[_KIND.size :]
    try:
        return _decode_body(kind, body)
    except struct.error as error:
        raise MessageError(f"{kind.name} message of {len(data)} bytes: {error}") from None


def _decode_body(kind: Kind, body: bytes) -> Message:
    if kind is Kind.SETUP:
        base, size, tcs, entry, fsbase, gsbase, count = _SETUP.unpack_from(body)
        tail = body[_SETUP.size :]
        if len(tail) != count * _MAPPING.size:
            raise MessageError(f"SETUP names {count} mappings but carries {len(tail)} bytes")
        mappings = tuple(
            Mapping(*_MAPPING.unpack_from(tail, i * _MAPPING.size)) for i in range(count)
        )
        return Setup(base, size, tcs, entry, fsbase, gsbase, mappings)
    if kind is Kind.ENTER:
        call_id, capacity = _TWO_U32.unpack_from(body)
        return Enter(call_id, capacity, body[_TWO_U32.size :])
    if kind is Kind.ANSWER:
        status, capacity = _TWO_U32.unpack_from(body)
        return Answer(status, capacity, body[_TWO_U32.size :])
    if kind is Kind.READY:
        return Ready()
    if kind is Kind.SETUP_FAILED:
        (number,) = _I32.unpack_from(body)
        return SetupFailed(number, body[_I32.size :].decode(errors="replace"))
    if kind is Kind.NORMAL:
        return Normal(_U64.unpack_from(body)[0], body[_U64.size :])
    if kind is Kind.OCALL:
        return Ocall(_OCALL.unpack_from(body)[0], body[_OCALL.size :])
    if kind is Kind.CRASH:
        return Crash(*_CRASH.unpack(body))
    return OutputOverflow(_U64.unpack(body)[0])
