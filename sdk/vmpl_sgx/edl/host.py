"""What generated host modules run on: the EDL wire format in Python, and `EdlApp`.

A generated module (vmpl-sgx edger8r) describes each function as a `FunctionSpec` and
subclasses `EdlApp` with one typed method per ecall and one `on_<ocall>` method per ocall.
Arguments are checked against the EDL's sizes before anything reaches the enclave, and
answers from the enclave are checked before anything reaches the caller.
"""

from __future__ import annotations

import dataclasses
import inspect
import struct
from pathlib import Path
from types import TracebackType
from typing import Any, Callable, ClassVar, Dict, List, Sequence, Tuple, Type, TypeVar, Union

from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.errors import SdkError
from vmpl_sgx.image import ImageParams
from vmpl_sgx.rsa import RsaPrivateKey

SizeRef = Union[int, str, None]
_U64 = struct.Struct("<Q")


class EdlCallError(SdkError):
    """An ecall's arguments, an ocall's answer or a message broke the interface's rules."""


class EdlArgumentError(EdlCallError):
    """The caller's arguments (or an ocall handler's results) do not fit the EDL declaration."""


class EdlMessageError(EdlCallError):
    """A message from the other side does not match the EDL declaration."""


class OcallSignatureError(EdlCallError):
    """An ocall handler is registered under an unknown name or cannot take the ocall's
    parameters."""


@dataclasses.dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: str
    """scalar, user_check, string, in, out or inout."""
    fmt: str = ""
    """`struct` character of the scalar or of the pointed-to element ("" for void)."""
    element: int = 0
    """sizeof the pointed-to type."""
    size: SizeRef = None
    count: SizeRef = None


@dataclasses.dataclass(frozen=True)
class FunctionSpec:
    name: str
    id: int
    ret: str
    """`struct` character of the return type, "" for void."""
    params: Tuple[ParamSpec, ...]


def _pack(function: FunctionSpec, name: str, fmt: str, value: object) -> bytes:
    if fmt in "fd" and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EdlArgumentError(
            f"{function.name}({name}): expects a number, got {type(value).__name__}"
        )
    try:
        return struct.pack("<" + fmt, value)
    except struct.error:
        raise EdlArgumentError(
            f"{function.name}({name}): {value!r} does not fit the C type "
            f"({struct.calcsize(fmt)} bytes, format {fmt!r})"
        ) from None


def _reference(function: FunctionSpec, value: SizeRef, default: int, values: Dict[str, object])\
        -> int:
    if value is None:
        return default
    if isinstance(value, int):
        return value
    number = values[value]
    if not isinstance(number, int) or number < 0:
        raise EdlArgumentError(
            f"{function.name}({value}): a size or count must be a non-negative integer, "
            f"got {number!r}"
        )
    return number


def buffer_bytes(function: FunctionSpec, param: ParamSpec, values: Dict[str, object]) -> int:
    """Bytes of a sized pointer: (size= or sizeof element) * (count= or 1)."""
    element = _reference(function, param.size, param.element, values)
    return element * _reference(function, param.count, 1, values)


def encode_call(function: FunctionSpec, args: Sequence[object]) -> bytes:
    """The request for `function` with `args` (an ecall's input, an ocall's request)."""
    values = {param.name: value for param, value in zip(function.params, args)}
    header = bytearray()
    data = bytearray()
    for param in function.params:
        value = values[param.name]
        where = f"{function.name}({param.name})"
        if param.kind == "scalar":
            header += _pack(function, param.name, param.fmt, value)
        elif param.kind == "user_check":
            header += _pack(function, param.name, "Q", value)
        elif param.kind == "string":
            if not isinstance(value, str):
                raise EdlArgumentError(f"{where}: expects str, got {type(value).__name__}")
            encoded = value.encode() + b"\0"
            if b"\0" in encoded[:-1]:
                raise EdlArgumentError(f"{where}: the string holds a NUL character")
            header += _U64.pack(len(encoded))
            data += encoded
        else:
            want = buffer_bytes(function, param, values)
            writable = param.kind in ("out", "inout")
            if writable and not isinstance(value, bytearray):
                raise EdlArgumentError(
                    f"{where}: [{param.kind}] expects a bytearray to fill, got "
                    f"{type(value).__name__}"
                )
            if not isinstance(value, (bytes, bytearray, memoryview)):
                raise EdlArgumentError(f"{where}: expects bytes, got {type(value).__name__}")
            if len(value) != want:
                raise EdlArgumentError(
                    f"{where}: {len(value)} bytes given, the declaration says {want}"
                )
            header += _U64.pack(want)
            if param.kind != "out":
                data += value
    return bytes(header + data)


def decode_call(function: FunctionSpec, message: bytes) -> List[object]:
    """The arguments of a request (an ocall's, on the host): [out] and [in, out] buffers
    become bytearrays the handler fills in place."""
    view = memoryview(message)
    at = 0
    values: Dict[str, object] = {}
    lengths: Dict[str, int] = {}

    def take(count: int, what: str) -> memoryview:
        nonlocal at
        if count > len(view) - at:
            raise EdlMessageError(f"{function.name}: the request is too short for {what}")
        chunk = view[at : at + count]
        at += count
        return chunk

    for param in function.params:
        if param.kind == "scalar":
            size = struct.calcsize(param.fmt)
            values[param.name] = struct.unpack("<" + param.fmt, take(size, param.name))[0]
        elif param.kind == "user_check":
            values[param.name] = _U64.unpack(take(8, param.name))[0]
        else:
            lengths[param.name] = _U64.unpack(take(8, param.name))[0]
    for param in function.params:
        if param.kind in ("scalar", "user_check"):
            continue
        length = lengths[param.name]
        if param.kind != "string" and length != buffer_bytes(function, param, values):
            raise EdlMessageError(
                f"{function.name}({param.name}): {length} bytes sent, the declaration says "
                f"{buffer_bytes(function, param, values)}"
            )
        if param.kind == "string":
            raw = bytes(take(length, param.name))
            if not raw.endswith(b"\0"):
                raise EdlMessageError(f"{function.name}({param.name}): string without NUL")
            values[param.name] = raw[:-1].decode("utf-8", errors="replace")
        elif param.kind == "in":
            values[param.name] = bytes(take(length, param.name))
        elif param.kind == "inout":
            values[param.name] = bytearray(take(length, param.name))
        else:
            values[param.name] = bytearray(length)
    if at != len(view):
        raise EdlMessageError(f"{function.name}: {len(view) - at} bytes after the request")
    return [values[param.name] for param in function.params]


def encode_result(function: FunctionSpec, result: object, args: Sequence[object]) -> bytes:
    """The answer: the return value, then every [out] and [in, out] buffer."""
    answer = bytearray()
    if function.ret:
        answer += _pack(function, "return value", function.ret, result)
    elif result is not None:
        raise EdlArgumentError(f"{function.name}: returns void, the handler returned {result!r}")
    values = {param.name: value for param, value in zip(function.params, args)}
    for param, value in zip(function.params, args):
        if param.kind in ("out", "inout"):
            want = buffer_bytes(function, param, values)
            if not isinstance(value, bytearray) or len(value) != want:
                raise EdlArgumentError(
                    f"{function.name}({param.name}): the handler must fill the {want}-byte "
                    "bytearray in place, not resize or replace it"
                )
            answer += value
    return bytes(answer)


def decode_result(function: FunctionSpec, message: bytes, args: Sequence[object]) -> object:
    """The return value of an answer; its buffers are copied into the caller's bytearrays."""
    size = struct.calcsize("<" + function.ret) if function.ret else 0
    values = {param.name: value for param, value in zip(function.params, args)}
    outs = [
        (value, buffer_bytes(function, param, values))
        for param, value in zip(function.params, args)
        if param.kind in ("out", "inout")
    ]
    want = size + sum(length for _, length in outs)
    if len(message) != want:
        raise EdlMessageError(f"{function.name}: the answer has {len(message)} bytes, not {want}")
    result = struct.unpack_from("<" + function.ret, message)[0] if function.ret else None
    at = size
    for value, length in outs:
        assert isinstance(value, bytearray)  # encode_call let nothing else through
        value[:] = message[at : at + length]
        at += length
    return result


def as_int(value: object) -> int:
    assert isinstance(value, int)
    return value


def as_float(value: object) -> float:
    assert isinstance(value, float)
    return value


AppT = TypeVar("AppT", bound="EdlApp")


class EdlApp:
    """An enclave with a generated interface: ecalls are methods, ocalls are served by
    handlers registered by name."""

    ECALLS: ClassVar[Tuple[FunctionSpec, ...]] = ()
    OCALLS: ClassVar[Tuple[FunctionSpec, ...]] = ()

    def __init__(self, app: EnclaveApp) -> None:
        self.app = app

    @classmethod
    def load(
        cls: Type[AppT],
        image: str | Path,
        key: RsaPrivateKey | None = None,
        backend: str | Enclave = "auto",
        params: ImageParams | None = None,
        *,
        isvprodid: int = 0,
        isvsvn: int = 0,
        manifest: str | Path | None = None,
    ) -> AppT:
        """EnclaveApp.load (with a key, or with the manifest `vmpl-sgx sign` wrote), with this
        interface on top."""
        app = EnclaveApp.load(
            image, key, backend, params, isvprodid=isvprodid, isvsvn=isvsvn, manifest=manifest
        )
        return cls(app)

    def register_ocall(self, name: str, handler: Callable[..., Any]) -> None:
        """Serve ocall `name` with `handler`, which takes the ocall's parameters in order."""
        spec = next((f for f in self.OCALLS if f.name == name), None)
        if spec is None:
            known = ", ".join(f.name for f in self.OCALLS) or "none"
            raise OcallSignatureError(f"no ocall {name!r} in this interface (ocalls: {known})")
        try:
            inspect.signature(handler).bind(*(None for _ in spec.params))
        except TypeError as error:
            names = ", ".join(param.name for param in spec.params)
            raise OcallSignatureError(
                f"the handler of {name} cannot take its {len(spec.params)} parameters "
                f"({names}): {error}"
            ) from None
        except ValueError:  # no signature to inspect (some builtins): trust it
            pass

        def serve(request: bytes) -> bytes:
            args = decode_call(spec, request)
            return encode_result(spec, handler(*args), args)

        self.app.register_ocall(spec.id, serve)

    def _ecall(self, index: int, args: Tuple[object, ...]) -> object:
        spec = self.ECALLS[index]
        output = self.app.ecall(spec.id, encode_call(spec, args))
        return decode_result(spec, output, args)

    def close(self) -> None:
        self.app.close()

    def __enter__(self: AppT) -> AppT:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
