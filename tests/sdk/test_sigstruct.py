"""SIGSTRUCT: layout, signing, verification, tampering, MRSIGNER and parameter checks."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib

import pytest

from vmpl_sgx import sigstruct as sig
from vmpl_sgx.rsa import MODULUS_BYTES, RsaPrivateKey
from vmpl_sgx.sigstruct import (
    SigstructError,
    SigstructParams,
    SigstructSignatureError,
    build_sigstruct,
    create_sigstruct,
    mrsigner,
    read_params,
    sign_sigstruct,
    signed_data,
    verify_sigstruct,
)

PARAMS = SigstructParams(
    enclavehash=hashlib.sha256(b"enclave").digest(),
    attributes=0x4,
    xfrm=0x3,
    attributemask=0xFFFFFFFFFFFFFFFD,
    xfrmmask=0xFFFFFFFFFFFFFFFC,
    miscselect=0x1,
    miscmask=0xFFFFFFFE,
    isvprodid=0x1234,
    isvsvn=0x5678,
    vendor=sig.VENDOR_INTEL,
    date=datetime.date(2024, 1, 31),
    debug=True,
    swdefined=0xCAFE,
    isvfamilyid=bytes(range(16)),
    isvextprodid=bytes(range(16, 32)),
)


@pytest.fixture(scope="module")
def signed(rsa_key: RsaPrivateKey) -> bytes:
    return create_sigstruct(PARAMS, rsa_key)


def test_layout_follows_the_reference() -> None:
    raw = build_sigstruct(PARAMS)
    assert len(raw) == 1808
    assert raw[0:12] == bytes.fromhex("06000000e100000000000100")
    assert raw[12:16] == bytes.fromhex("00000080")  # type: debug bit 31
    assert raw[16:20] == bytes.fromhex("86800000")  # vendor 0x8086
    assert raw[20:24] == bytes.fromhex("31012420")  # u32 BCD 0x20240131, little-endian
    assert raw[24:40] == bytes.fromhex("01010000600000006000000001000000")
    assert raw[40:44] == (0xCAFE).to_bytes(4, "little")
    assert raw[900:904] == (1).to_bytes(4, "little")
    assert raw[904:908] == (0xFFFFFFFE).to_bytes(4, "little")
    assert raw[912:928] == bytes(range(16))
    assert raw[928:936] == (4).to_bytes(8, "little")
    assert raw[936:944] == (3).to_bytes(8, "little")
    assert raw[944:952] == (0xFFFFFFFFFFFFFFFD).to_bytes(8, "little")
    assert raw[952:960] == (0xFFFFFFFFFFFFFFFC).to_bytes(8, "little")
    assert raw[960:992] == PARAMS.enclavehash
    assert raw[1008:1024] == bytes(range(16, 32))
    assert raw[1024:1028] == bytes.fromhex("34127856")
    # Unsigned: key material, signature, Q1, Q2 and every reserved byte stay zero.
    for start, end in ((44, 128), (128, 900), (908, 912), (992, 1008), (1028, 1808)):
        assert not any(raw[start:end]), (start, end)


def test_layout_table_matches_the_generated_abi() -> None:
    abi = pytest.importorskip("vmpl_sgx._abi")
    structure = getattr(abi, "Sigstruct", None)
    if structure is None:
        pytest.skip("the generated ABI has no Sigstruct")
    generated = {
        name: (getattr(structure, name).offset, getattr(structure, name).size)
        for name, *_ in structure._fields_
    }
    assert generated == dict(sig._LAYOUT)


def test_layout_table_tiles_the_structure() -> None:
    position = 0
    for offset, size in sig._LAYOUT.values():
        assert offset == position
        position += size
    assert position == sig.SIGSTRUCT_SIZE


def test_sign_fills_key_material(rsa_key: RsaPrivateKey, signed: bytes) -> None:
    n = rsa_key.numbers.modulus
    assert signed[128:512] == n.to_bytes(MODULUS_BYTES, "little")
    assert signed[512:516] == (3).to_bytes(4, "little")
    s = int.from_bytes(signed[516:900], "little")
    assert int.from_bytes(signed[1040:1424], "little") == s * s // n
    assert int.from_bytes(signed[1424:1808], "little") == (s * s % n) * s // n
    assert rsa_key.public_key.verify(
        signed[0:128] + signed[900:1028], s.to_bytes(MODULUS_BYTES, "big")
    )
    # Everything but the signing fields is what build_sigstruct produced.
    raw = build_sigstruct(PARAMS)
    assert signed[:128] == raw[:128] and signed[900:1040] == raw[900:1040]


def test_round_trip_verifies_and_reads_back(signed: bytes) -> None:
    verify_sigstruct(signed)
    verify_sigstruct(bytearray(signed))
    assert read_params(signed) == PARAMS
    assert signed_data(signed) == signed[0:128] + signed[900:1028]


def test_signing_is_deterministic(rsa_key: RsaPrivateKey, signed: bytes) -> None:
    assert sign_sigstruct(build_sigstruct(PARAMS), rsa_key) == signed
    assert sign_sigstruct(signed, rsa_key) == signed  # re-signing replaces, never accumulates


def test_default_date_is_today_and_masks_are_strict(rsa_key: RsaPrivateKey) -> None:
    params = SigstructParams(enclavehash=bytes(32), attributes=4, xfrm=3)
    before = datetime.datetime.now(datetime.timezone.utc).date()
    read = read_params(build_sigstruct(params))
    after = datetime.datetime.now(datetime.timezone.utc).date()
    assert read.date in (before, after)
    assert (read.attributemask, read.xfrmmask, read.miscmask) == (2**64 - 1, 2**64 - 1, 2**32 - 1)
    assert not read.debug and read.vendor == 0


def test_mrsigner_hashes_the_stored_modulus(rsa_key: RsaPrivateKey, signed: bytes) -> None:
    modulus_le = rsa_key.numbers.modulus.to_bytes(MODULUS_BYTES, "little")
    assert mrsigner(signed[128:512]) == hashlib.sha256(modulus_le).digest()
    assert mrsigner(memoryview(signed)[128:512]) == mrsigner(modulus_le)
    with pytest.raises(SigstructError, match="modulus must be 384 bytes, got 383"):
        mrsigner(modulus_le[1:])


# ---- tampering


def test_date_is_intels_u32_bcd() -> None:
    raw = build_sigstruct(dataclasses.replace(PARAMS, date=datetime.date(2026, 12, 1)))
    assert raw[20:24] == bytes.fromhex("01122620")
    assert read_params(raw).date == datetime.date(2026, 12, 1)


def test_date_in_the_older_layout_is_still_read() -> None:
    raw = bytearray(build_sigstruct(PARAMS))
    raw[20:24] = bytes.fromhex("e6070c01")  # year u16 0x07e6 is not BCD: no date
    assert read_params(bytes(raw)).date is None
    raw[20:24] = bytes.fromhex("26201201")  # year u16 at +0, month at +2, day at +3
    assert read_params(bytes(raw)).date == datetime.date(2026, 12, 1)


def tampered(data: bytes, offset: int, xor: int = 1) -> bytes:
    changed = bytearray(data)
    changed[offset] ^= xor
    return bytes(changed)


@pytest.mark.parametrize(
    "field",
    [
        "type",
        "vendor",
        "date",
        "swdefined",
        "miscselect",
        "attributes",
        "xfrmmask",
        "enclavehash",
        "isvprodid",
        "isvsvn",
    ],
)
def test_tampering_a_signed_field_breaks_the_signature(signed: bytes, field: str) -> None:
    offset = sig._LAYOUT[field][0]
    with pytest.raises(SigstructSignatureError, match="signature does not verify"):
        verify_sigstruct(tampered(signed, offset))


def test_tampering_the_signature(signed: bytes) -> None:
    with pytest.raises(SigstructSignatureError, match="signature does not verify"):
        verify_sigstruct(tampered(signed, 600))


def test_tampering_the_modulus(signed: bytes) -> None:
    with pytest.raises(SigstructSignatureError):
        verify_sigstruct(tampered(signed, 130))
    short = bytearray(signed)
    short[511] = 0  # top byte of the little-endian modulus
    with pytest.raises(SigstructError, match="modulus must be 3072 bits"):
        verify_sigstruct(bytes(short))


@pytest.mark.parametrize(("offset", "name"), [(1100, "q1"), (1500, "q2")])
def test_tampering_q1_q2(signed: bytes, offset: int, name: str) -> None:
    with pytest.raises(SigstructSignatureError, match=f"{name} is not floor"):
        verify_sigstruct(tampered(signed, offset))


@pytest.mark.parametrize(("offset", "field"), [(0, "header must be"), (30, "header2 must be")])
def test_tampering_the_headers(signed: bytes, offset: int, field: str) -> None:
    with pytest.raises(SigstructError, match=field):
        verify_sigstruct(tampered(signed, offset))


def test_exponent_must_be_three(signed: bytes) -> None:
    with pytest.raises(SigstructError, match="exponent must be 3, got 65537"):
        verify_sigstruct(signed[:512] + (65537).to_bytes(4, "little") + signed[516:])


def test_signature_must_be_below_the_modulus(signed: bytes) -> None:
    forged = signed[:516] + signed[128:512] + signed[900:]
    with pytest.raises(SigstructSignatureError, match="not smaller than the modulus"):
        verify_sigstruct(forged)


@pytest.mark.parametrize("length", [0, 1807, 1809])
def test_size_must_be_1808(signed: bytes, length: int) -> None:
    data = (signed + b"\0")[:length]
    with pytest.raises(SigstructError, match=f"a SIGSTRUCT is 1808 bytes, got {length}"):
        verify_sigstruct(data)
    with pytest.raises(SigstructError, match="1808 bytes"):
        read_params(data)


def test_unsigned_fields_outside_the_signature_do_not_matter(signed: bytes) -> None:
    # reserved4 sits after isvsvn, outside both signed ranges: only EINIT's own rules cover it.
    verify_sigstruct(tampered(signed, sig._LAYOUT["reserved4"][0]))


# ---- parameter checks


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"vendor": 0x1234}, "vendor must be 0 or 0x8086, got 0x1234"),
        ({"isvprodid": 1 << 16}, "isvprodid 0x10000 does not fit in 16 bits"),
        ({"isvsvn": -1}, "isvsvn -0x1 does not fit in 16 bits"),
        ({"attributes": 1 << 64}, "attributes 0x10000000000000000 does not fit in 64 bits"),
        ({"miscmask": 1 << 32}, "miscmask .* does not fit in 32 bits"),
        ({"swdefined": 1 << 32}, "swdefined .* does not fit in 32 bits"),
        ({"enclavehash": bytes(31)}, "enclavehash must be 32 bytes, got 31"),
        ({"isvfamilyid": bytes(17)}, "isvfamilyid must be 16 bytes, got 17"),
        ({"isvextprodid": b""}, "isvextprodid must be 16 bytes, got 0"),
    ],
)
def test_parameters_out_of_range(change: dict[str, object], message: str) -> None:
    with pytest.raises(SigstructError, match=message):
        build_sigstruct(dataclasses.replace(PARAMS, **change))  # type: ignore[arg-type]


def test_sign_refuses_a_malformed_sigstruct(rsa_key: RsaPrivateKey) -> None:
    with pytest.raises(SigstructError, match="header must be"):
        sign_sigstruct(bytes(1808), rsa_key)


def test_errors_are_value_errors() -> None:
    assert issubclass(SigstructSignatureError, SigstructError)
    assert issubclass(SigstructError, ValueError)
