"""The AES-128 block cipher (FIPS-197), encryption only: CMAC needs nothing else."""

from __future__ import annotations

from typing import List, Tuple

BLOCK_SIZE = 16
KEY_SIZE = 16
_ROUNDS = 10


def _xtime(value: int) -> int:
    value <<= 1
    return (value ^ 0x11B) if value & 0x100 else value


def _gf_mul(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        a = _xtime(a)
        b >>= 1
    return product


def _make_sbox() -> List[int]:
    # Multiplicative inverse in GF(2^8) (a^254), then the affine map of FIPS-197 5.1.1.
    box = []
    for value in range(256):
        inverse = 1
        for _ in range(254):
            inverse = _gf_mul(inverse, value)
        inverse = inverse if value else 0
        affine = inverse
        for shift in range(1, 5):
            affine ^= ((inverse << shift) | (inverse >> (8 - shift))) & 0xFF
        box.append(affine ^ 0x63)
    return box


SBOX = tuple(_make_sbox())


def _ror(word: int, bits: int) -> int:
    return ((word >> bits) | (word << (32 - bits))) & 0xFFFFFFFF


def _make_tables() -> Tuple[Tuple[int, ...], ...]:
    # One round's SubBytes + MixColumns per input byte, for each of the four row positions.
    t0 = tuple((_xtime(s) & 0xFF) << 24 | s << 16 | s << 8 | (_xtime(s) ^ s) & 0xFF for s in SBOX)
    return (
        t0,
        tuple(_ror(w, 8) for w in t0),
        tuple(_ror(w, 16) for w in t0),
        tuple(_ror(w, 24) for w in t0),
    )


_T0, _T1, _T2, _T3 = _make_tables()


class Aes128:
    """One expanded AES-128 key; `encrypt_block` maps 16 bytes to 16 bytes."""

    __slots__ = ("_round_keys",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise ValueError(f"an AES-128 key is {KEY_SIZE} bytes, not {len(key)}")
        words = [int.from_bytes(key[i : i + 4], "big") for i in range(0, 16, 4)]
        rcon = 1
        for i in range(4, 4 * (_ROUNDS + 1)):
            temp = words[i - 1]
            if i % 4 == 0:
                temp = (
                    SBOX[(temp >> 16) & 0xFF] << 24
                    | SBOX[(temp >> 8) & 0xFF] << 16
                    | SBOX[temp & 0xFF] << 8
                    | SBOX[temp >> 24]
                ) ^ (rcon << 24)
                rcon = _xtime(rcon)
            words.append(words[i - 4] ^ temp)
        self._round_keys = tuple(words)

    def encrypt_block(self, block: bytes) -> bytes:
        if len(block) != BLOCK_SIZE:
            raise ValueError(f"an AES block is {BLOCK_SIZE} bytes, not {len(block)}")
        rk = self._round_keys
        s0 = int.from_bytes(block[0:4], "big") ^ rk[0]
        s1 = int.from_bytes(block[4:8], "big") ^ rk[1]
        s2 = int.from_bytes(block[8:12], "big") ^ rk[2]
        s3 = int.from_bytes(block[12:16], "big") ^ rk[3]
        t0, t1, t2, t3 = _T0, _T1, _T2, _T3
        for r in range(4, 4 * _ROUNDS, 4):
            s0, s1, s2, s3 = (
                t0[s0 >> 24] ^ t1[(s1 >> 16) & 0xFF] ^ t2[(s2 >> 8) & 0xFF] ^ t3[s3 & 0xFF] ^ rk[r],
                t0[s1 >> 24]
                ^ t1[(s2 >> 16) & 0xFF]
                ^ t2[(s3 >> 8) & 0xFF]
                ^ t3[s0 & 0xFF]
                ^ rk[r + 1],
                t0[s2 >> 24]
                ^ t1[(s3 >> 16) & 0xFF]
                ^ t2[(s0 >> 8) & 0xFF]
                ^ t3[s1 & 0xFF]
                ^ rk[r + 2],
                t0[s3 >> 24]
                ^ t1[(s0 >> 16) & 0xFF]
                ^ t2[(s1 >> 8) & 0xFF]
                ^ t3[s2 & 0xFF]
                ^ rk[r + 3],
            )
        return b"".join(
            _final_word(a, b, c, d, rk[4 * _ROUNDS + i]).to_bytes(4, "big")
            for i, (a, b, c, d) in enumerate(
                ((s0, s1, s2, s3), (s1, s2, s3, s0), (s2, s3, s0, s1), (s3, s0, s1, s2))
            )
        )


def _final_word(a: int, b: int, c: int, d: int, round_key: int) -> int:
    """One column of the last round: SubBytes and ShiftRows without MixColumns."""
    sb = SBOX
    word = sb[a >> 24] << 24 | sb[(b >> 16) & 0xFF] << 16 | sb[(c >> 8) & 0xFF] << 8 | sb[d & 0xFF]
    return word ^ round_key
