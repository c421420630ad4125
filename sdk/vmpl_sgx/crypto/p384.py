"""ECDSA over NIST P-384 with SHA-384 (FIPS 186-5), as SNP reports are signed.

Points are affine (x, y) integer pairs at the interface and Jacobian triples inside. Signing
draws its nonce deterministically (RFC 6979), so a signature never depends on an RNG.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Dict, Iterator, List, Tuple

P = 2**384 - 2**128 - 2**96 + 2**32 - 1
N = int(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
    "C7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
    16,
)
B = int(
    "B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE814112"
    "0314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF",
    16,
)
GX = int(
    "AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B98"
    "59F741E082542A385502F25DBF55296C3A545E3872760AB7",
    16,
)
GY = int(
    "3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147C"
    "E9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F",
    16,
)
G = (GX, GY)
COORDINATE_SIZE = 48

Point = Tuple[int, int]
_Jacobian = Tuple[int, int, int]
_INFINITY: _Jacobian = (1, 1, 0)
_WINDOW = 4


class InvalidPointError(ValueError):
    """A public key is not a point of P-384 (or is the point at infinity)."""


def on_curve(point: Point) -> bool:
    x, y = point
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x - 3 * x + B)) % P == 0


def _double(point: _Jacobian) -> _Jacobian:
    x, y, z = point
    if not z or not y:
        return _INFINITY
    delta = z * z % P
    gamma = y * y % P
    beta = x * gamma % P
    alpha = 3 * (x - delta) * (x + delta) % P  # a = -3
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y + z) ** 2 - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return x3, y3, z3


def _add(p1: _Jacobian, p2: _Jacobian) -> _Jacobian:
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    if not z1:
        return p2
    if not z2:
        return p1
    z1z1 = z1 * z1 % P
    if z2 == 1:  # mixed addition: the window tables hold affine points
        u1, s1 = x1, y1
    else:
        z2z2 = z2 * z2 % P
        u1 = x1 * z2z2 % P
        s1 = y1 * z2 * z2z2 % P
    u2 = x2 * z1z1 % P
    s2 = y2 * z1 * z1z1 % P
    h = (u2 - u1) % P
    r = (s2 - s1) % P
    if not h:
        return _double(p1) if not r else _INFINITY
    hh = h * h % P
    hhh = h * hh % P
    v = u1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - s1 * hhh) % P
    return x3, y3, h * z1 * z2 % P


def _to_affine(point: _Jacobian) -> Point | None:
    x, y, z = point
    if not z:
        return None
    zinv = pow(z, -1, P)
    zinv2 = zinv * zinv % P
    return x * zinv2 % P, y * zinv2 * zinv % P


def _window_table(point: Point) -> List[_Jacobian]:
    table = [_INFINITY, (point[0], point[1], 1)]
    for _ in range(2, 1 << _WINDOW):
        table.append(_add(table[-1], table[1]))
    affine = [_to_affine(entry) for entry in table[1:]]
    return [_INFINITY] + [(a[0], a[1], 1) if a else _INFINITY for a in affine]


_TABLES: Dict[Point, List[_Jacobian]] = {}


def _table(point: Point) -> List[_Jacobian]:
    # G's table is reused by every operation; a public key's by every report it checks.
    table = _TABLES.get(point)
    if table is None:
        if len(_TABLES) > 64:
            _TABLES.clear()
        table = _TABLES[point] = _window_table(point)
    return table


def _multi_scalar(pairs: List[Tuple[int, Point]]) -> _Jacobian:
    """sum(k * P) with one shared chain of doublings (4-bit fixed windows)."""
    tables = [(k, _table(pt)) for k, pt in pairs]
    acc = _INFINITY
    mask = (1 << _WINDOW) - 1
    for shift in range(384 - _WINDOW, -1, -_WINDOW):
        for _ in range(_WINDOW):
            acc = _double(acc)
        for k, table in tables:
            digit = (k >> shift) & mask
            if digit:
                acc = _add(acc, table[digit])
    return acc


def public_key(private: int) -> Point:
    point = _to_affine(_multi_scalar([(private, G)]))
    if point is None or not 0 < private < N:
        raise ValueError("a P-384 private key lies in [1, n - 1]")
    return point


def generate_private_key() -> int:
    return secrets.randbelow(N - 1) + 1


def _bits2int(data: bytes) -> int:
    # SHA-384 and n are both 384 bits long: no truncation needed.
    return int.from_bytes(data, "big")


def _rfc6979_nonces(private: int, digest: bytes) -> Iterator[int]:
    """Candidate nonces k of RFC 6979, 3.2, with HMAC-SHA-384."""
    x = private.to_bytes(COORDINATE_SIZE, "big")
    h1 = (_bits2int(digest) % N).to_bytes(COORDINATE_SIZE, "big")
    v = b"\x01" * 48
    k = b"\x00" * 48
    k = hmac.new(k, v + b"\x00" + x + h1, hashlib.sha384).digest()
    v = hmac.new(k, v, hashlib.sha384).digest()
    k = hmac.new(k, v + b"\x01" + x + h1, hashlib.sha384).digest()
    v = hmac.new(k, v, hashlib.sha384).digest()
    while True:
        v = hmac.new(k, v, hashlib.sha384).digest()
        candidate = _bits2int(v)
        if 0 < candidate < N:
            yield candidate
        k = hmac.new(k, v + b"\x00", hashlib.sha384).digest()
        v = hmac.new(k, v, hashlib.sha384).digest()


def sign_digest(private: int, digest: bytes) -> Tuple[int, int]:
    """The ECDSA signature (r, s) of a 48-byte SHA-384 digest."""
    if len(digest) != 48:
        raise ValueError("ECDSA P-384 signs a 48-byte SHA-384 digest")
    e = _bits2int(digest)
    for k in _rfc6979_nonces(private, digest):
        point = _to_affine(_multi_scalar([(k, G)]))
        if point is None:
            continue
        r = point[0] % N
        s = pow(k, -1, N) * (e + r * private) % N
        if r and s:
            return r, s
    raise AssertionError("unreachable")  # pragma: no cover


def sign(private: int, message: bytes) -> Tuple[int, int]:
    return sign_digest(private, hashlib.sha384(message).digest())


def verify_digest(public: Point, digest: bytes, signature: Tuple[int, int]) -> bool:
    """Whether (r, s) is a valid signature of the SHA-384 digest under `public`."""
    if not on_curve(public):
        raise InvalidPointError("the public key is not a point of P-384")
    r, s = signature
    if not (0 < r < N and 0 < s < N) or len(digest) != 48:
        return False
    w = pow(s, -1, N)
    e = _bits2int(digest)
    point = _to_affine(_multi_scalar([(e * w % N, G), (r * w % N, public)]))
    return point is not None and point[0] % N == r


def verify(public: Point, message: bytes, signature: Tuple[int, int]) -> bool:
    return verify_digest(public, hashlib.sha384(message).digest(), signature)


def encode_point(point: Point) -> bytes:
    """SEC 1 uncompressed encoding: 0x04 || X || Y."""
    return b"\x04" + point[0].to_bytes(48, "big") + point[1].to_bytes(48, "big")


def decode_point(data: bytes) -> Point:
    if len(data) != 97 or data[0] != 4:
        raise InvalidPointError("expected a 97-byte uncompressed P-384 point")
    point = (int.from_bytes(data[1:49], "big"), int.from_bytes(data[49:], "big"))
    if not on_curve(point):
        raise InvalidPointError("the encoded point is not on P-384")
    return point
