"""An enclave image before it is loaded: SECS fields and regions of pages, and what follows.

From a `Layout` come the SECS (`build_secs`), MRENCLAVE (`mrenclave`, with the same
`Measurement` the SEH model uses), a signed SIGSTRUCT (`sign`) and the whole load (`load`:
CREATE, one ADD_PAGES per region, INIT). Regions are added, and so measured, in the order given.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Callable, Iterator, Sequence, Tuple, Union

from vmpl_sgx._abi import (
    PAGE_SIZE,
    SECS_SIZE,
    Attr,
    EnclaveThreadData,
    PageType,
    SecinfoFlag,
    Secs,
    Tcs,
)
from vmpl_sgx.enclave import Enclave, Progress
from vmpl_sgx.errors import SdkError
from vmpl_sgx.measure import Measurement
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.sigstruct import SigstructParams, create_sigstruct

BytesLike = Union[bytes, bytearray, memoryview]

SECINFO_TCS = int(PageType.TCS) << 8
SECINFO_REG = int(PageType.REG) << 8
R, W, X = int(SecinfoFlag.R), int(SecinfoFlag.W), int(SecinfoFlag.X)


class LayoutError(SdkError, ValueError):
    """A layout, region or permission string breaks a rule; the message says which."""

def reg_flags(permissions: str) -> int:
    """SECINFO flags of a regular page with permissions like 'r', 'rw' or 'rx'."""
    bits = {"r": R, "w": W, "x": X}
    flags = SECINFO_REG
    for letter in permissions.lower():
        if letter not in bits:
            raise LayoutError(f"permission {letter!r} is none of r, w, x")
        flags |= bits[letter]
    return flags


def pad_to_pages(data: BytesLike, pages: int | None = None) -> bytes:
    """`data` zero-padded to whole pages: `pages` of them, or as few as hold it (at least one)."""
    raw = bytes(data)
    if pages is None:
        pages = max(1, -(-len(raw) // PAGE_SIZE))
    if len(raw) > pages * PAGE_SIZE:
        raise LayoutError(f"{len(raw)} bytes do not fit {pages} pages")
    return raw.ljust(pages * PAGE_SIZE, b"\0")


def tcs_page(
    oentry: int,
    ossa: int,
    *,
    nssa: int = 1,
    ofsbase: int = 0,
    ogsbase: int = 0,
    fslimit: int = 0xFFF,
    gslimit: int = 0xFFF,
    flags: int = 0,
) -> bytes:
    """A TCS page as EADD wants it: state and cssa zero, reserved bytes zero."""
    tcs = Tcs(
        flags=flags,
        ossa=ossa,
        nssa=nssa,
        oentry=oentry,
        ofsbase=ofsbase,
        ogsbase=ogsbase,
        fslimit=fslimit,
        gslimit=gslimit,
    )
    return bytes(tcs)


@dataclasses.dataclass(frozen=True)
class Region:
    """Consecutive pages added with one ENCLAVE_ADD_PAGES: same SECINFO, measured or not."""

    offset: int
    data: bytes
    secinfo_flags: int
    measured: bool = True
    name: str = ""
    zero_size: int = 0
    """Bytes of zero pages, with empty `data` and never measured (see `zeros`)."""

    @classmethod
    def zeros(cls, offset: int, size: int, secinfo_flags: int, name: str = "") -> Region:
        """`size` bytes of unmeasured zero pages: no contents are built, copied or sent, and
        backends with VMPL_SGX_CAP_ZERO_PAGES add them with VMPL_SGX_PAGE_ZERO."""
        return cls(offset, b"", secinfo_flags, False, name, size)

    @property
    def is_zero(self) -> bool:
        return self.zero_size > 0

    @property
    def size(self) -> int:
        return self.zero_size or len(self.data)

    @property
    def end(self) -> int:
        return self.offset + self.size

    @property
    def is_tcs(self) -> bool:
        return (self.secinfo_flags & int(SecinfoFlag.PAGE_TYPE_MASK)) == SECINFO_TCS

    @classmethod
    def tcs(cls, offset: int, name: str = "tcs", **fields: int) -> Region:
        """One TCS page at `offset`; `fields` go to `tcs_page` (oentry and ossa needed)."""
        return cls(offset, tcs_page(**fields), SECINFO_TCS, True, name)


@dataclasses.dataclass(frozen=True)
class Layout:
    """SECS fields and the regions to add, in order."""

    size: int
    base: int
    regions: Tuple[Region, ...]
    ssa_frame_size: int = 1
    attributes: int = int(Attr.MODE64BIT)
    xfrm: int = 0x3
    miscselect: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "regions", tuple(self.regions))
        self.validate()

    def validate(self) -> None:
        """Raise ValueError for what no load could accept: misaligned, overlapping, outside."""
        if self.size < 2 * PAGE_SIZE or self.size & (self.size - 1):
            raise LayoutError(f"size 0x{self.size:x} is not a power of two of at least 8 KiB")
        if self.base % self.size:
            raise LayoutError(f"base 0x{self.base:x} is not aligned to size 0x{self.size:x}")
        taken: list[Tuple[int, int, str]] = []
        for region in self.regions:
            label = region.name or f"region at 0x{region.offset:x}"
            if region.offset % PAGE_SIZE or not region.size or region.size % PAGE_SIZE:
                raise LayoutError(f"{label}: offset and size must be whole pages")
            if region.zero_size < 0 or (region.is_zero and (region.data or region.measured)):
                raise LayoutError(f"{label}: a zero region has no data and is not measured")
            if region.end > self.size:
                raise LayoutError(f"{label} ends at 0x{region.end:x}, beyond 0x{self.size:x}")
            for start, end, other in taken:
                if region.offset < end and start < region.end:
                    raise LayoutError(f"{label} overlaps {other}")
            taken.append((region.offset, region.end, label))

    @property
    def tcs_offsets(self) -> Tuple[int, ...]:
        return tuple(
            region.offset + page
            for region in self.regions
            if region.is_tcs
            for page in range(0, region.size, PAGE_SIZE)
        )

    @property
    def page_count(self) -> int:
        return sum(region.size for region in self.regions) // PAGE_SIZE

    def pages(self) -> Iterator[Tuple[int, int, bool]]:
        """(offset, secinfo flags, measured) of every page in load order."""
        for region in self.regions:
            for page in range(region.offset, region.end, PAGE_SIZE):
                yield page, region.secinfo_flags, region.measured


def build_secs(layout: Layout) -> bytes:
    """The 4096-byte SECS that ENCLAVE_CREATE takes."""
    secs = Secs(
        size=layout.size,
        base=layout.base,
        ssa_frame_size=layout.ssa_frame_size,
        miscselect=layout.miscselect,
        attributes=layout.attributes,
        xfrm=layout.xfrm,
    )
    raw = bytes(secs)
    assert len(raw) == SECS_SIZE
    return raw


def mrenclave(layout: Layout) -> bytes:
    """MRENCLAVE of the layout loaded in order, exactly as the SEH measures it."""
    measurement = Measurement()
    measurement.ecreate(layout.ssa_frame_size, layout.size)
    for region in layout.regions:
        if region.is_zero:
            pages = region.size // PAGE_SIZE
            measurement.add_unmeasured_pages(region.offset, pages, region.secinfo_flags)
        else:
            measurement.add_pages(region.offset, region.data, region.secinfo_flags, region.measured)
    return measurement.digest()


def sigstruct_params(
    layout: Layout,
    *,
    isvprodid: int = 0,
    isvsvn: int = 0,
    date: datetime.date | None = None,
) -> SigstructParams:
    """What the SIGSTRUCT of `layout` says: its MRENCLAVE and SECS fields, matched exactly."""
    return SigstructParams(
        enclavehash=mrenclave(layout),
        attributes=layout.attributes,
        xfrm=layout.xfrm,
        miscselect=layout.miscselect,
        isvprodid=isvprodid,
        isvsvn=isvsvn,
        date=date,
    )


def sign(
    layout: Layout,
    key: RsaPrivateKey,
    *,
    isvprodid: int = 0,
    isvsvn: int = 0,
    date: datetime.date | None = None,
) -> bytes:
    """A signed 1808-byte SIGSTRUCT for `layout`."""
    params = sigstruct_params(layout, isvprodid=isvprodid, isvsvn=isvsvn, date=date)
    return create_sigstruct(params, key)


def load(
    enclave: Enclave,
    layout: Layout,
    sigstruct: BytesLike,
    *,
    progress: Progress | None = None,
) -> None:
    """CREATE, one ADD_PAGES per region, INIT. `progress` gets (bytes added, bytes in all)."""
    enclave.create(build_secs(layout))
    total = sum(region.size for region in layout.regions)
    before = 0
    for region in layout.regions:
        report = _offset_progress(progress, before, total)
        if region.is_zero:
            flags = region.secinfo_flags
            enclave.add_zero_pages(region.offset, region.size, flags, progress=report)
        else:
            enclave.add_pages(
                region.offset, region.data, region.secinfo_flags, region.measured, progress=report
            )
        before += region.size
    enclave.init(sigstruct)


def _offset_progress(progress: Progress | None, before: int, total: int) -> Progress | None:
    if progress is None:
        return None
    report: Callable[[int, int], None] = progress
    return lambda done, _region_total: report(before + done, total)


# ---- a small synthetic enclave for tests and demos

SAMPLE_BASE = 0x7F0000000000
SAMPLE_SIZE = 0x10000
SAMPLE_CODE = bytes([0xC3]) + bytes([0xCC]) * 15
"""ret, then int3 padding: nothing runs it yet, but it looks like code."""


def sample_layout(
    *,
    base: int = SAMPLE_BASE,
    data: bytes = b"vmpl-sgx sample enclave data",
    attributes: int = int(Attr.MODE64BIT | Attr.DEBUG),
) -> Layout:
    """One thread: TCS, a code page, a data page, thread data, an SSA frame and a 2-page stack.

    0x0000 TCS | 0x1000 code (rx) | 0x2000 data (rw) | 0x3000 thread data (rw)
    0x4000 SSA (rw) | 0x5000-0x6fff stack (rw, not measured)
    """
    thread_data = EnclaveThreadData(
        self_offset=0x3000, stack_top_offset=0x7000, stack_size=0x2000, thread_index=0
    )
    regions: Sequence[Region] = (
        Region.tcs(0x0, oentry=0x1000, ossa=0x4000, nssa=1, ofsbase=0x3000, ogsbase=0x3000),
        Region(0x1000, pad_to_pages(SAMPLE_CODE), reg_flags("rx"), True, "code"),
        Region(0x2000, pad_to_pages(data), reg_flags("rw"), True, "data"),
        Region(0x3000, pad_to_pages(bytes(thread_data)), reg_flags("rw"), True, "thread data"),
        Region(0x4000, bytes(PAGE_SIZE), reg_flags("rw"), True, "ssa"),
        Region(0x5000, bytes(2 * PAGE_SIZE), reg_flags("rw"), False, "stack"),
    )
    return Layout(size=SAMPLE_SIZE, base=base, regions=tuple(regions), attributes=attributes)
