"""SIGSTRUCTs for tests, built field by field and signed with an RsaPrivateKey."""

from __future__ import annotations

from vmpl_sgx._abi import SIGSTRUCT_SIZE, Sigstruct
from vmpl_sgx.rsa import MODULUS_BYTES, RsaPrivateKey

HEADER = bytes.fromhex("06000000e100000000000100")
HEADER2 = bytes.fromhex("01010000600000006000000001000000")
ALL_ATTRIBUTES = 0xFFFFFFFFFFFFFFFF


def put(raw: bytearray, field: str, value: int | bytes) -> None:
    """Store `value` in SIGSTRUCT field `field` of `raw` (integers little-endian)."""
    descriptor = getattr(Sigstruct, field)
    data = value if isinstance(value, bytes) else value.to_bytes(descriptor.size, "little")
    assert len(data) <= descriptor.size
    raw[descriptor.offset : descriptor.offset + len(data)] = data


def get(raw: bytes | bytearray, field: str) -> int:
    descriptor = getattr(Sigstruct, field)
    return int.from_bytes(raw[descriptor.offset : descriptor.offset + descriptor.size], "little")


def sign(key: RsaPrivateKey, raw: bytearray) -> bytearray:
    """(Re)compute signature, Q1 and Q2 over the signed bytes of `raw`."""
    signature = int.from_bytes(key.sign(bytes(raw[0:128] + raw[900:1028])), "big")
    modulus = key.public_key.modulus
    square = signature * signature
    put(raw, "signature", signature.to_bytes(MODULUS_BYTES, "little"))
    put(raw, "q1", (square // modulus).to_bytes(MODULUS_BYTES, "little"))
    put(raw, "q2", ((square % modulus) * signature // modulus).to_bytes(MODULUS_BYTES, "little"))
    return raw


def make_sigstruct(
    key: RsaPrivateKey,
    mrenclave: bytes,
    *,
    attributes: int = 0,
    attributemask: int = 0,
    xfrm: int = 0,
    xfrmmask: int = 0,
    miscselect: int = 0,
    miscmask: int = 0,
    vendor: int = 0,
    isvprodid: int = 0x11,
    isvsvn: int = 0x22,
) -> bytearray:
    raw = bytearray(SIGSTRUCT_SIZE)
    put(raw, "header", HEADER)
    put(raw, "header2", HEADER2)
    put(raw, "vendor", vendor)
    put(raw, "date", 0x20250101)
    put(raw, "modulus", key.public_key.modulus.to_bytes(MODULUS_BYTES, "little"))
    put(raw, "exponent", 3)
    fields: dict[str, int | bytes] = {
        "enclavehash": mrenclave,
        "attributes": attributes,
        "attributemask": attributemask,
        "xfrm": xfrm,
        "xfrmmask": xfrmmask,
        "miscselect": miscselect,
        "miscmask": miscmask,
        "isvprodid": isvprodid,
        "isvsvn": isvsvn,
    }
    for name, value in fields.items():
        put(raw, name, value)
    return sign(key, raw)
