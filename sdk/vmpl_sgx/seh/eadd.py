"""What EADD checks in a page descriptor's SECINFO and in a TCS page's contents."""

from __future__ import annotations

from vmpl_sgx._abi import PAGE_SIZE, PageType, SecinfoFlag, SehResult, Tcs
from vmpl_sgx.seh.errors import SehError

# Plain ints: inverting an IntFlag keeps only its declared bits on newer Pythons, and
# IntFlag arithmetic is slow on a path taken for every page.
_PAGE_TYPE_SHIFT = 8
_PAGE_TYPE_MASK = int(SecinfoFlag.PAGE_TYPE_MASK)
_R, _W = int(SecinfoFlag.R), int(SecinfoFlag.W)
_PERMISSIONS = _R | _W | int(SecinfoFlag.X)
_ALLOWED_FLAGS = _PERMISSIONS | _PAGE_TYPE_MASK
_REG, _TCS = int(PageType.REG), int(PageType.TCS)
TCS_FLAG_DBGOPTIN = 0x1
# In a 32-bit enclave the low 12 bits of the FS and GS limits must be all ones.
_SEGMENT_LIMIT_LOW = 0xFFF


def page_type(secinfo_flags: int) -> int:
    """The page type field of SECINFO.flags."""
    return (secinfo_flags & _PAGE_TYPE_MASK) >> _PAGE_TYPE_SHIFT


def is_tcs(secinfo_flags: int) -> bool:
    return page_type(secinfo_flags) == _TCS


def check_secinfo(secinfo_flags: int) -> None:
    """Raise BAD_PAGE unless EADD accepts `secinfo_flags` (a REG or TCS page)."""
    kind = page_type(secinfo_flags)
    permissions = secinfo_flags & _PERMISSIONS
    if secinfo_flags & ~_ALLOWED_FLAGS:
        why = f"SECINFO flags 0x{secinfo_flags:x} have bits beyond R, W, X and the page type"
    elif kind not in (_REG, _TCS):
        why = f"page type {kind} is neither REG nor TCS"
    elif kind == _TCS and permissions:
        why = "a TCS page has R, W or X set"
    elif permissions & _W and not permissions & _R:
        why = "W without R"
    else:
        return
    raise SehError(SehResult.BAD_PAGE, why)


def check_tcs(
    data: bytes | bytearray | memoryview,
    enclave_size: int,
    ssa_frame_size: int,
    mode64bit: bool,
) -> None:
    """Raise EADD_FAILED unless `data` is a TCS that EADD accepts in this enclave."""
    tcs = Tcs.from_buffer_copy(data)
    ssa_end = tcs.ossa + tcs.nssa * ssa_frame_size * PAGE_SIZE
    if any(tcs.reserved):
        why = "reserved bytes are not zero"
    elif tcs.flags & ~TCS_FLAG_DBGOPTIN:
        why = f"flags 0x{tcs.flags:x} have reserved bits"
    elif tcs.state or tcs.cssa:
        why = "state or cssa is not zero"
    elif tcs.nssa < 1:
        why = "nssa is zero"
    elif (tcs.ossa | tcs.ofsbase | tcs.ogsbase) % PAGE_SIZE:
        why = "ossa, ofsbase or ogsbase is not page-aligned"
    elif ssa_end > enclave_size:
        why = f"SSA frames end at 0x{ssa_end:x}, beyond the enclave"
    elif tcs.oentry >= enclave_size:
        why = f"oentry 0x{tcs.oentry:x} is outside the enclave"
    elif not mode64bit and (
        tcs.fslimit & _SEGMENT_LIMIT_LOW != _SEGMENT_LIMIT_LOW
        or tcs.gslimit & _SEGMENT_LIMIT_LOW != _SEGMENT_LIMIT_LOW
    ):
        why = "32-bit enclave FS/GS limits do not end in 0xFFF"
    else:
        return
    raise SehError(SehResult.EADD_FAILED, f"malformed TCS: {why}")
