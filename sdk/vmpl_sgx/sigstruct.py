"""SIGSTRUCT: build the 1808 bytes from enclave parameters, sign, verify; MRSIGNER.

The signature covers bytes [0, 128) and [900, 1028). Modulus, signature, Q1 and Q2 are stored
little-endian; Q1 = floor(S**2 / M) and Q2 = floor((S**2 mod M) * S / M) let EINIT check the
signature without a division.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from typing import Mapping, Union

from vmpl_sgx.errors import SdkError
from vmpl_sgx.rsa import MODULUS_BITS, MODULUS_BYTES, PUBLIC_EXPONENT, RsaPrivateKey, RsaPublicKey

SIGSTRUCT_SIZE = 1808
HEADER = bytes.fromhex("06000000e100000000000100")
HEADER2 = bytes.fromhex("01010000600000006000000001000000")
VENDOR_NONE = 0
VENDOR_INTEL = 0x8086
TYPE_DEBUG = 0x80000000
"""SIGSTRUCT.type bit of a debug-signed enclave."""

_LAYOUT: Mapping[str, tuple[int, int]] = {
    # name: (offset, size). The one place that knows where SIGSTRUCT fields live.
    "header": (0, 12),
    "type": (12, 4),
    "vendor": (16, 4),
    "date": (20, 4),
    "header2": (24, 16),
    "swdefined": (40, 4),
    "reserved1": (44, 84),
    "modulus": (128, 384),
    "exponent": (512, 4),
    "signature": (516, 384),
    "miscselect": (900, 4),
    "miscmask": (904, 4),
    "reserved2": (908, 4),
    "isvfamilyid": (912, 16),
    "attributes": (928, 8),
    "xfrm": (936, 8),
    "attributemask": (944, 8),
    "xfrmmask": (952, 8),
    "enclavehash": (960, 32),
    "reserved3": (992, 16),
    "isvextprodid": (1008, 16),
    "isvprodid": (1024, 2),
    "isvsvn": (1026, 2),
    "reserved4": (1028, 12),
    "q1": (1040, 384),
    "q2": (1424, 384),
}

_SIGNED_REGIONS = ((0, 128), (900, 1028))
"""What the signature covers: everything before the key material and the enclave's identity."""

_ALL_ONES_64 = (1 << 64) - 1
_ALL_ONES_32 = (1 << 32) - 1

BytesLike = Union[bytes, bytearray, memoryview]


class SigstructError(SdkError, ValueError):
    """A SIGSTRUCT, or a parameter for one, breaks a format constraint (named in the message)."""


class SigstructSignatureError(SigstructError):
    """The signature, Q1 or Q2 of a SIGSTRUCT does not check out."""


@dataclasses.dataclass(frozen=True)
class SigstructParams:
    """What the enclave author chooses. The masks default to all ones: exact match required."""

    enclavehash: bytes
    attributes: int
    xfrm: int
    attributemask: int = _ALL_ONES_64
    xfrmmask: int = _ALL_ONES_64
    miscselect: int = 0
    miscmask: int = _ALL_ONES_32
    isvprodid: int = 0
    isvsvn: int = 0
    vendor: int = VENDOR_NONE
    date: datetime.date | None = None
    """None means today (UTC); pass a date for reproducible output."""
    debug: bool = False
    """Sets the debug bit of SIGSTRUCT.type (not the DEBUG attribute)."""
    swdefined: int = 0
    isvfamilyid: bytes = bytes(16)
    isvextprodid: bytes = bytes(16)


def build_sigstruct(params: SigstructParams) -> bytearray:
    """The unsigned SIGSTRUCT: key material, signature, Q1 and Q2 are left zero."""
    if params.vendor not in (VENDOR_NONE, VENDOR_INTEL):
        raise SigstructError(f"vendor must be 0 or {VENDOR_INTEL:#x}, got {params.vendor:#x}")
    date = params.date or datetime.datetime.now(datetime.timezone.utc).date()
    sigstruct = bytearray(SIGSTRUCT_SIZE)
    _put_bytes(sigstruct, "header", HEADER)
    _put_int(sigstruct, "type", TYPE_DEBUG if params.debug else 0)
    _put_int(sigstruct, "vendor", params.vendor)
    _put_int(sigstruct, "date", _bcd_date(date))
    _put_bytes(sigstruct, "header2", HEADER2)
    _put_int(sigstruct, "swdefined", params.swdefined)
    for name in ("miscselect", "miscmask", "attributes", "xfrm", "attributemask", "xfrmmask"):
        _put_int(sigstruct, name, getattr(params, name))
    _put_int(sigstruct, "isvprodid", params.isvprodid)
    _put_int(sigstruct, "isvsvn", params.isvsvn)
    for name in ("enclavehash", "isvfamilyid", "isvextprodid"):
        _put_bytes(sigstruct, name, getattr(params, name))
    return sigstruct


def sign_sigstruct(sigstruct: BytesLike, key: RsaPrivateKey) -> bytes:
    """Fill in modulus, exponent, signature, Q1 and Q2 of a built SIGSTRUCT."""
    signed = bytearray(sigstruct)
    _check_layout(signed)
    modulus = key.numbers.modulus
    _put_bytes(signed, "modulus", modulus.to_bytes(MODULUS_BYTES, "little"))
    _put_int(signed, "exponent", PUBLIC_EXPONENT)
    signature = int.from_bytes(key.sign(signed_data(signed)), "big")
    _put_bytes(signed, "signature", signature.to_bytes(MODULUS_BYTES, "little"))
    q1, q2 = _q1_q2(signature, modulus)
    _put_bytes(signed, "q1", q1.to_bytes(MODULUS_BYTES, "little"))
    _put_bytes(signed, "q2", q2.to_bytes(MODULUS_BYTES, "little"))
    return bytes(signed)


def create_sigstruct(params: SigstructParams, key: RsaPrivateKey) -> bytes:
    return sign_sigstruct(build_sigstruct(params), key)


def verify_sigstruct(sigstruct: BytesLike) -> None:
    """Raise unless the header constants, exponent, signature, Q1 and Q2 all check out."""
    data = bytes(sigstruct)
    _check_layout(data)
    exponent = _get_int(data, "exponent")
    if exponent != PUBLIC_EXPONENT:
        raise SigstructError(f"exponent must be {PUBLIC_EXPONENT}, got {exponent}")
    modulus = _get_int(data, "modulus")
    if modulus.bit_length() != MODULUS_BITS:
        raise SigstructError(f"modulus must be {MODULUS_BITS} bits, got {modulus.bit_length()}")
    signature = _get_int(data, "signature")
    if signature >= modulus:
        raise SigstructSignatureError("signature is not smaller than the modulus")
    public_key = RsaPublicKey(modulus)
    if not public_key.verify(signed_data(data), signature.to_bytes(MODULUS_BYTES, "big")):
        raise SigstructSignatureError("signature does not verify over the signed fields")
    q1, q2 = _q1_q2(signature, modulus)
    if _get_int(data, "q1") != q1:
        raise SigstructSignatureError("q1 is not floor(signature**2 / modulus)")
    if _get_int(data, "q2") != q2:
        raise SigstructSignatureError(
            "q2 is not floor((signature**2 mod modulus) * signature / modulus)"
        )


def signed_data(sigstruct: BytesLike) -> bytes:
    """The 256 bytes the signature covers."""
    data = bytes(sigstruct)
    return b"".join(data[start:end] for start, end in _SIGNED_REGIONS)


def mrsigner(modulus_le: BytesLike) -> bytes:
    """MRSIGNER: SHA-256 of the signer's modulus exactly as SIGSTRUCT stores it (little-endian)."""
    if len(modulus_le) != MODULUS_BYTES:
        raise SigstructError(f"modulus must be {MODULUS_BYTES} bytes, got {len(modulus_le)}")
    return hashlib.sha256(modulus_le).digest()


def read_params(sigstruct: BytesLike) -> SigstructParams:
    """The author's parameters recorded in a SIGSTRUCT (the signature is not checked)."""
    data = bytes(sigstruct)
    _check_layout(data)
    return SigstructParams(
        enclavehash=_get_bytes(data, "enclavehash"),
        attributes=_get_int(data, "attributes"),
        xfrm=_get_int(data, "xfrm"),
        attributemask=_get_int(data, "attributemask"),
        xfrmmask=_get_int(data, "xfrmmask"),
        miscselect=_get_int(data, "miscselect"),
        miscmask=_get_int(data, "miscmask"),
        isvprodid=_get_int(data, "isvprodid"),
        isvsvn=_get_int(data, "isvsvn"),
        vendor=_get_int(data, "vendor"),
        date=_date_from_bcd(_get_int(data, "date")),
        debug=bool(_get_int(data, "type") & TYPE_DEBUG),
        swdefined=_get_int(data, "swdefined"),
        isvfamilyid=_get_bytes(data, "isvfamilyid"),
        isvextprodid=_get_bytes(data, "isvextprodid"),
    )


def _q1_q2(signature: int, modulus: int) -> tuple[int, int]:
    square = signature * signature
    return square // modulus, (square % modulus) * signature // modulus


def _check_layout(data: BytesLike) -> None:
    if len(data) != SIGSTRUCT_SIZE:
        raise SigstructError(f"a SIGSTRUCT is {SIGSTRUCT_SIZE} bytes, got {len(data)}")
    if _get_bytes(data, "header") != HEADER:
        raise SigstructError(f"header must be {HEADER.hex()}")
    if _get_bytes(data, "header2") != HEADER2:
        raise SigstructError(f"header2 must be {HEADER2.hex()}")


# ---- field access through _LAYOUT


def _get_bytes(data: BytesLike, name: str) -> bytes:
    offset, size = _LAYOUT[name]
    return bytes(data[offset : offset + size])


def _get_int(data: BytesLike, name: str) -> int:
    return int.from_bytes(_get_bytes(data, name), "little")


def _put_bytes(data: bytearray, name: str, value: bytes) -> None:
    offset, size = _LAYOUT[name]
    if len(value) != size:
        raise SigstructError(f"{name} must be {size} bytes, got {len(value)}")
    data[offset : offset + size] = value


def _put_int(data: bytearray, name: str, value: int) -> None:
    size = _LAYOUT[name][1]
    if not 0 <= value < 1 << (8 * size):
        raise SigstructError(f"{name} {value:#x} does not fit in {8 * size} bits")
    _put_bytes(data, name, value.to_bytes(size, "little"))


def _bcd_date(date: datetime.date) -> int:
    """The date as Intel's signing tool stores it: one u32 holding BCD 0xYYYYMMDD."""
    return int(f"{date.year:04d}{date.month:02d}{date.day:02d}", 16)


def _date_from_bcd(value: int) -> datetime.date | None:
    """The date recorded in a SIGSTRUCT, or None if it is not a valid BCD date.

    Intel's form (u32 0xYYYYMMDD) comes first; SIGSTRUCTs this SDK wrote before it followed
    Intel (year u16 in the low half, month and day above it) are still read.
    """
    intel = f"{value:08x}"
    older = f"{value & 0xFFFF:04x}{value >> 16 & 0xFF:02x}{value >> 24:02x}"
    for digits in (intel, older):
        try:
            return datetime.date(int(digits[:4], 10), int(digits[4:6], 10), int(digits[6:], 10))
        except ValueError:
            continue
    return None
