"""RSA private keys in PEM: PKCS#1 (RSA PRIVATE KEY) and PKCS#8 (PRIVATE KEY), unencrypted.

Only what a signing key needs: a strict DER reader for exactly these two structures (definite,
minimal lengths; minimal non-negative INTEGERs; nothing left over at any level) and the matching
writers. Anything else, including encrypted keys, is refused with `KeyFormatError`.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import NamedTuple, Union

from vmpl_sgx.errors import SdkError

PKCS1_LABEL = "RSA PRIVATE KEY"
PKCS8_LABEL = "PRIVATE KEY"

_TAG_INTEGER = 0x02
_TAG_OCTET_STRING = 0x04
_TAG_NULL = 0x05
_TAG_OID = 0x06
_TAG_SEQUENCE = 0x30

_RSA_ENCRYPTION_OID = bytes.fromhex("2a864886f70d010101")  # 1.2.840.113549.1.1.1
_RSA_ALGORITHM_IDENTIFIER = (
    bytes([_TAG_SEQUENCE, 13, _TAG_OID, 9]) + _RSA_ENCRYPTION_OID + bytes([_TAG_NULL, 0])
)
_PEM_LINE = 64


class KeyFormatError(SdkError, ValueError):
    """The key text is not an unencrypted RSA private key in strict PKCS#1 or PKCS#8 PEM."""


class PrivateKeyNumbers(NamedTuple):
    """The fields of RSAPrivateKey (RFC 8017, two primes), named as there."""

    modulus: int
    public_exponent: int
    private_exponent: int
    prime1: int
    prime2: int
    exponent1: int
    exponent2: int
    coefficient: int


# ---- PEM armour


_PEM_BLOCK = re.compile(
    r"-----BEGIN (?P<label>[A-Z0-9 ]+)-----\r?\n(?P<body>.*?)-----END (?P<end>[A-Z0-9 ]+)-----",
    re.DOTALL,
)


def decode_private_key_pem(text: Union[str, bytes]) -> PrivateKeyNumbers:
    """Parse one PKCS#1 or PKCS#8 RSA private key PEM block; nothing else may surround it."""
    label, der = _decode_pem(text)
    if label == PKCS1_LABEL:
        return _parse_pkcs1(der)
    if label == PKCS8_LABEL:
        return _parse_pkcs8(der)
    if label == "ENCRYPTED PRIVATE KEY":
        raise KeyFormatError("encrypted keys are not supported: decrypt the key first")
    raise KeyFormatError(f"expected a {PKCS1_LABEL!r} or {PKCS8_LABEL!r} PEM block, got {label!r}")


def encode_pkcs1_pem(numbers: PrivateKeyNumbers) -> str:
    return _encode_pem(PKCS1_LABEL, _encode_pkcs1(numbers))


def encode_pkcs8_pem(numbers: PrivateKeyNumbers) -> str:
    return _encode_pem(PKCS8_LABEL, _encode_pkcs8(numbers))


def _decode_pem(text: Union[str, bytes]) -> tuple[str, bytes]:
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise KeyFormatError("PEM must be ASCII text") from None
    blocks = list(_PEM_BLOCK.finditer(text))
    if len(blocks) != 1:
        raise KeyFormatError(f"expected exactly one PEM block, found {len(blocks)}")
    block = blocks[0]
    if text[: block.start()].strip() or text[block.end() :].strip():
        raise KeyFormatError("unexpected text before or after the PEM block")
    label = block["label"]
    if block["end"] != label:
        raise KeyFormatError(f"BEGIN {label!r} does not match END {block['end']!r}")
    body = block["body"]
    if "Proc-Type:" in body or "DEK-Info:" in body:
        raise KeyFormatError("encrypted keys are not supported: decrypt the key first")
    compact = "".join(body.split())
    try:
        der = base64.b64decode(compact, validate=True)
    except binascii.Error as error:
        raise KeyFormatError(f"PEM body is not valid base64: {error}") from None
    if base64.b64encode(der).decode("ascii") != compact:
        raise KeyFormatError("PEM body is not canonical base64 (stray padding bits)")
    return label, der


def _encode_pem(label: str, der: bytes) -> str:
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + _PEM_LINE] for i in range(0, len(body), _PEM_LINE)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])


# ---- strict DER reading


class _DerReader:
    """Reads consecutive DER elements from data[start:end]."""

    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self._data = data
        self._pos = start
        self._end = len(data) if end is None else end

    def element(self, tag: int, what: str) -> tuple[int, int]:
        """The (start, end) of the next element's contents, which must have `tag`."""
        data, pos, end = self._data, self._pos, self._end
        if pos + 2 > end:
            raise KeyFormatError(f"DER: {what} is missing or truncated")
        if data[pos] != tag:
            raise KeyFormatError(f"DER: {what} must have tag {tag:#04x}, found {data[pos]:#04x}")
        first = data[pos + 1]
        pos += 2
        if first < 0x80:
            length = first
        else:
            count = first & 0x7F
            if count == 0:
                raise KeyFormatError(f"DER: {what} uses an indefinite length")
            if count > 4 or pos + count > end:
                raise KeyFormatError(f"DER: {what} has an impossible length")
            length = int.from_bytes(data[pos : pos + count], "big")
            if data[pos] == 0 or length < 0x80:
                raise KeyFormatError(f"DER: {what} length is not minimally encoded")
            pos += count
        if pos + length > end:
            raise KeyFormatError(f"DER: {what} runs past the end of its container")
        self._pos = pos + length
        return pos, pos + length

    def sequence(self, what: str) -> _DerReader:
        start, end = self.element(_TAG_SEQUENCE, what)
        return _DerReader(self._data, start, end)

    def unsigned(self, what: str) -> int:
        start, end = self.element(_TAG_INTEGER, what)
        value = self._data[start:end]
        if not value:
            raise KeyFormatError(f"DER: {what} is an empty INTEGER")
        if len(value) > 1 and (
            (value[0] == 0 and value[1] < 0x80) or (value[0] == 0xFF and value[1] >= 0x80)
        ):
            raise KeyFormatError(f"DER: {what} INTEGER is not minimally encoded")
        if value[0] >= 0x80:
            raise KeyFormatError(f"DER: {what} must not be negative")
        return int.from_bytes(value, "big")

    def raw(self, tag: int, what: str) -> bytes:
        start, end = self.element(tag, what)
        return self._data[start:end]

    def at_end(self) -> bool:
        return self._pos == self._end

    def finish(self, what: str) -> None:
        if not self.at_end():
            raise KeyFormatError(f"DER: unexpected bytes after the {what}")


def _parse_pkcs1(der: bytes) -> PrivateKeyNumbers:
    outer = _DerReader(der)
    key = outer.sequence("RSAPrivateKey")
    outer.finish("RSAPrivateKey")
    version = key.unsigned("RSAPrivateKey version")
    if version != 0:
        raise KeyFormatError(f"RSAPrivateKey version must be 0 (two primes), got {version}")
    names = PrivateKeyNumbers._fields
    numbers = PrivateKeyNumbers(*(key.unsigned(f"RSAPrivateKey {name}") for name in names))
    key.finish("RSAPrivateKey fields")
    return numbers


def _parse_pkcs8(der: bytes) -> PrivateKeyNumbers:
    outer = _DerReader(der)
    info = outer.sequence("PrivateKeyInfo")
    outer.finish("PrivateKeyInfo")
    version = info.unsigned("PrivateKeyInfo version")
    if version != 0:
        raise KeyFormatError(f"PrivateKeyInfo version must be 0, got {version}")
    algorithm = info.sequence("AlgorithmIdentifier")
    oid = algorithm.raw(_TAG_OID, "algorithm OID")
    if oid != _RSA_ENCRYPTION_OID:
        raise KeyFormatError(
            "PrivateKeyInfo algorithm must be rsaEncryption (1.2.840.113549.1.1.1)"
        )
    if algorithm.raw(_TAG_NULL, "rsaEncryption parameters") != b"":
        raise KeyFormatError("DER: rsaEncryption parameters must be an empty NULL")
    algorithm.finish("AlgorithmIdentifier")
    private_key = info.raw(_TAG_OCTET_STRING, "privateKey")
    if not info.at_end():
        raise KeyFormatError("PrivateKeyInfo attributes or public key are not supported")
    return _parse_pkcs1(private_key)


# ---- DER writing


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def _der(tag: int, contents: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(contents)) + contents


def _der_unsigned(value: int) -> bytes:
    # One extra bit keeps the sign bit clear; zero still takes one byte.
    return _der(_TAG_INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _encode_pkcs1(numbers: PrivateKeyNumbers) -> bytes:
    fields = b"".join(_der_unsigned(value) for value in (0, *numbers))
    return _der(_TAG_SEQUENCE, fields)


def _encode_pkcs8(numbers: PrivateKeyNumbers) -> bytes:
    contents = (
        _der_unsigned(0)
        + _RSA_ALGORITHM_IDENTIFIER
        + _der(_TAG_OCTET_STRING, _encode_pkcs1(numbers))
    )
    return _der(_TAG_SEQUENCE, contents)
