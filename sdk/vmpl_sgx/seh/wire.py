"""Reading a request out of the Calling Area buffer and writing a response into it."""

from __future__ import annotations

import ctypes
from typing import TypeVar, Union

from vmpl_sgx._abi import SEH_CAA_BUFFER_SIZE, SehResult
from vmpl_sgx.seh.errors import SehError

CallingArea = Union[bytearray, memoryview]
Request = TypeVar("Request", bound=ctypes.Structure)


def reserved_fields_clear(struct: ctypes.Structure) -> bool:
    """True if every field the spec marks reserved is zero."""
    names: tuple[str, ...] = getattr(struct, "RESERVED_FIELDS", ())
    for name in names:
        value = getattr(struct, name)
        if isinstance(value, int):
            if value:
                return False
        elif bytes(value).count(0) != ctypes.sizeof(value):
            # Counting zero bytes runs in C; any() over a ctypes array converts every element.
            return False
    return True


def read_request(kind: type[Request], caa: CallingArea, length: int) -> Request:
    """Copy the request out of the buffer (the guest may change it meanwhile) and check its form."""
    if length != ctypes.sizeof(kind) or length > SEH_CAA_BUFFER_SIZE:
        expected = ctypes.sizeof(kind)
        raise SehError(
            SehResult.INVALID_FORMAT, f"{kind.__name__} is {expected} bytes, not {length}"
        )
    request = kind.from_buffer_copy(bytes(caa[:length]))
    if not reserved_fields_clear(request):
        raise SehError(SehResult.INVALID_FORMAT, f"{kind.__name__} has non-zero reserved fields")
    return request


def write_response(caa: CallingArea, response: ctypes.Structure) -> int:
    """Put `response` at the start of the buffer; returns its length for RCX."""
    data = bytes(response)
    caa[: len(data)] = data
    return len(data)
