"""The raw ioctl layer, struct by struct, as any C client would drive /dev/vmpl_sgx."""

from __future__ import annotations

import contextlib
import ctypes
from typing import Callable, Iterator, Tuple

from tests.conformance.memory import BAD_ADDRESSES, NONE, Mapping
from vmpl_sgx import _abi
from vmpl_sgx._abi import (
    PAGE_SIZE,
    EnclaveAddPages,
    EnclaveCreate,
    EnclaveInit,
    EnclaveRun,
    Info,
    PageFlag,
    PageType,
    Secinfo,
    SecinfoFlag,
)
from vmpl_sgx.backend import Backend
from vmpl_sgx.errors import VmplSgxError

REG_RW = (PageType.REG << 8) | SecinfoFlag.R | SecinfoFlag.W
REG_RX = (PageType.REG << 8) | SecinfoFlag.R | SecinfoFlag.X
TCS = PageType.TCS << 8
MEASURE = int(PageFlag.MEASURE)
UNTOUCHED = (1 << 64) - 1
"""Put in `count` before a call, to tell whether the module wrote it."""


def ioc(direction: int, nr: int, size: int) -> int:
    """_IOC(dir, 0xA4, nr, size) with Linux's x86 encoding (dir: 1 write, 2 read, 3 both)."""
    return (direction << 30) | (size << 16) | (_abi.MAGIC << 8) | nr


def errno_of(call: Callable[[], object]) -> int:
    """0 if the call succeeded, else the errno of the VmplSgxError it raised."""
    try:
        call()
    except VmplSgxError as error:
        return error.errno
    return 0


class Keep:
    """Mappings that must outlive the calls pointing into them."""

    def __init__(self) -> None:
        self.mappings: list[Mapping] = []

    def map(self, data: bytes = b"", pages: int | None = None, prot: int = 3) -> Mapping:
        count = pages if pages is not None else max(1, -(-len(data) // PAGE_SIZE))
        mapping = Mapping(count, data, prot)
        self.mappings.append(mapping)
        return mapping

    def close(self) -> None:
        for mapping in self.mappings:
            mapping.close()
        self.mappings.clear()


BAD_PLACES = (*BAD_ADDRESSES, "no-access")
"""Every kind of address a copy from or to user space must fail on."""


def bad_address(keep: Keep, where: str) -> int:
    """An address of kind `where` (see BAD_PLACES)."""
    if where == "no-access":
        return keep.map(pages=1, prot=NONE).address
    return BAD_ADDRESSES[where]


def get_info(handle: Backend) -> Info:
    buffer = bytearray(ctypes.sizeof(Info))
    handle.ioctl(_abi.IOC_GET_INFO, buffer)
    return Info.from_buffer_copy(buffer)


def create(handle: Backend, keep: Keep, secs: bytes) -> None:
    page = keep.map(secs)
    handle.ioctl(_abi.IOC_ENCLAVE_CREATE, bytearray(EnclaveCreate(src=page.address)))


def create_at(handle: Backend, src: int) -> None:
    handle.ioctl(_abi.IOC_ENCLAVE_CREATE, bytearray(EnclaveCreate(src=src)))


def secinfo(keep: Keep, flags: int, reserved: bytes = b"") -> int:
    info = Secinfo(flags=flags)
    raw = bytearray(bytes(info))
    raw[8 : 8 + len(reserved)] = reserved
    return keep.map(bytes(raw)).address


def add_pages_raw(
    handle: Backend,
    *,
    src: int,
    offset: int,
    length: int,
    secinfo: int,
    flags: int = MEASURE,
) -> Tuple[int, int]:
    """(errno or 0, count as written back, UNTOUCHED if never written)."""
    arg = EnclaveAddPages(
        src=src, offset=offset, length=length, secinfo=secinfo, flags=flags, count=UNTOUCHED
    )
    buffer = bytearray(arg)
    number = errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, buffer))
    return number, EnclaveAddPages.from_buffer(buffer).count


def add_data(
    handle: Backend, keep: Keep, offset: int, data: bytes, flags: int = REG_RW, measure: bool = True
) -> Tuple[int, int]:
    source = keep.map(data)
    return add_pages_raw(
        handle,
        src=source.address,
        offset=offset,
        length=len(data),
        secinfo=secinfo(keep, flags),
        flags=MEASURE if measure else 0,
    )


def init_at(handle: Backend, address: int) -> None:
    handle.ioctl(_abi.IOC_ENCLAVE_INIT, bytearray(EnclaveInit(sigstruct=address)))


def init(handle: Backend, keep: Keep, sigstruct: bytes) -> None:
    init_at(handle, keep.map(sigstruct).address)


def run(handle: Backend, **fields: int) -> EnclaveRun:
    """RUN with these fields (function defaults to EENTER); returns the struct written back."""
    fields.setdefault("function", _abi.Enclu.EENTER)
    buffer = bytearray(EnclaveRun(**fields))
    handle.ioctl(_abi.IOC_ENCLAVE_RUN, buffer)
    return EnclaveRun.from_buffer_copy(buffer)


def run_errno(handle: Backend, raw: bytes | None = None, /, **fields: int) -> int:
    if raw is not None:
        buffer = bytearray(raw)
        return errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_RUN, buffer))
    return errno_of(lambda: run(handle, **fields))


@contextlib.contextmanager
def kept() -> Iterator[Keep]:
    keep = Keep()
    try:
        yield keep
    finally:
        keep.close()
