"""What ECREATE checks in a SECS before it creates an enclave."""

from __future__ import annotations

from vmpl_sgx._abi import (
    ATTRIBUTES_RESERVED,
    MIN_ENCLAVE_SIZE,
    MISCSELECT_RESERVED,
    PAGE_SIZE,
    XFRM_MANDATORY,
    Attr,
    Secs,
    SehResult,
)
from vmpl_sgx.seh.errors import SehError

# XSAVE components the SEH can save in an SSA frame: x87, SSE, AVX, the three
# AVX-512 components and PKRU. AMD SEV-SNP hosts have no MPX or AMX.
XFRM_X87 = 1 << 0
XFRM_SSE = 1 << 1
XFRM_AVX = 1 << 2
XFRM_AVX512 = (1 << 5) | (1 << 6) | (1 << 7)
XFRM_PKRU = 1 << 9
XFRM_SUPPORTED = XFRM_X87 | XFRM_SSE | XFRM_AVX | XFRM_AVX512 | XFRM_PKRU

# End offset of each component in the standard (non-compacted) XSAVE layout.
_XSAVE_LEGACY_AND_HEADER = 512 + 64
_XSAVE_COMPONENT_END = {
    2: 576 + 256,
    5: 1088 + 64,
    6: 1152 + 512,
    7: 1664 + 1024,
    9: 2688 + 8,
}
SSA_GPR_SIZE = 184
SSA_EXINFO_SIZE = 16
MISCSELECT_EXINFO = 1

# Linear addresses are 48-bit canonical: a 64-bit enclave lies wholly in the lower or upper half.
_CANONICAL_LOW_END = 1 << 47
_CANONICAL_HIGH_START = (1 << 64) - (1 << 47)
_FOUR_GIB = 1 << 32


def ssa_frame_bytes(xfrm: int, miscselect: int) -> int:
    """Bytes one SSA frame needs: the XSAVE area for `xfrm`, MISC for `miscselect`, and the GPRs."""
    xsave = _XSAVE_LEGACY_AND_HEADER
    for bit, end in _XSAVE_COMPONENT_END.items():
        if xfrm & (1 << bit):
            xsave = max(xsave, end)
    misc = SSA_EXINFO_SIZE if miscselect & MISCSELECT_EXINFO else 0
    return xsave + misc + SSA_GPR_SIZE


def ssa_frame_pages(xfrm: int, miscselect: int) -> int:
    """Smallest SECS.ssa_frame_size for `xfrm` and `miscselect`, in pages."""
    return -(-ssa_frame_bytes(xfrm, miscselect) // PAGE_SIZE)


def _fail(why: str) -> SehError:
    return SehError(SehResult.ECREATE_FAILED, f"ECREATE: {why}")


def _canonical(base: int, size: int) -> bool:
    return base + size <= _CANONICAL_LOW_END or base >= _CANONICAL_HIGH_START


def check_xfrm(xfrm: int) -> None:
    """XFRM must be a valid XCR0 value made of supported components."""
    if xfrm & XFRM_MANDATORY != XFRM_MANDATORY:
        raise _fail(f"xfrm 0x{xfrm:x} lacks x87 or SSE")
    if xfrm & ~XFRM_SUPPORTED:
        raise _fail(f"xfrm 0x{xfrm:x} has components outside 0x{XFRM_SUPPORTED:x}")
    avx512 = xfrm & XFRM_AVX512
    if avx512 and (avx512 != XFRM_AVX512 or not xfrm & XFRM_AVX):
        raise _fail(f"xfrm 0x{xfrm:x} enables AVX-512 partly or without AVX")


def check_secs(secs: Secs) -> None:
    """Raise ECREATE_FAILED unless hardware ECREATE would accept `secs`."""
    size, base = secs.size, secs.base
    if size < MIN_ENCLAVE_SIZE or size & (size - 1):
        raise _fail(f"size 0x{size:x} is not a power of two of at least 0x{MIN_ENCLAVE_SIZE:x}")
    if base & (size - 1):
        raise _fail(f"base 0x{base:x} is not aligned to size 0x{size:x}")
    for name in Secs.RESERVED_FIELDS:
        if any(getattr(secs, name)):
            raise _fail(f"{name} is not zero")
    if secs.miscselect & MISCSELECT_RESERVED:
        raise _fail(f"miscselect 0x{secs.miscselect:x} has reserved bits")
    attributes = secs.attributes
    if attributes & ATTRIBUTES_RESERVED:
        raise _fail(f"attributes 0x{attributes:x} have reserved bits")
    if attributes & Attr.INIT:
        raise _fail("attributes.INIT is set")
    if not attributes & Attr.KSS and (any(secs.config_id) or secs.config_svn):
        raise _fail("config_id or config_svn set without attributes.KSS")
    if attributes & Attr.MODE64BIT:
        if not _canonical(base, size):
            raise _fail(f"range 0x{base:x}+0x{size:x} is not canonical")
    elif base + size > _FOUR_GIB:
        raise _fail(f"32-bit enclave range 0x{base:x}+0x{size:x} goes beyond 4 GiB")
    check_xfrm(secs.xfrm)
    needed = ssa_frame_pages(secs.xfrm, secs.miscselect)
    if secs.ssa_frame_size < needed:
        raise _fail(f"ssa_frame_size {secs.ssa_frame_size} is below the {needed} page(s) needed")
