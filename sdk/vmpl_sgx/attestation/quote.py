"""A quote as it travels: the SNP report, the services manifest and the certificate table.

Saved as one file: magic "VSQ1", three u32 lengths, then the three parts in that order.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

MAGIC = b"VSQ1"
_HEADER = struct.Struct("<4sIII")


class QuoteFormatError(ValueError):
    """Bytes that are not a saved quote."""


class Quote(NamedTuple):
    report: bytes
    manifest: bytes
    certificates: bytes
    """A certificate table (ARK, ASK, VCEK); may be empty when the verifier gets them elsewhere."""

    def to_bytes(self) -> bytes:
        header = _HEADER.pack(MAGIC, len(self.report), len(self.manifest), len(self.certificates))
        return header + self.report + self.manifest + self.certificates

    @classmethod
    def from_bytes(cls, data: bytes) -> Quote:
        if len(data) < _HEADER.size:
            raise QuoteFormatError("shorter than a quote header")
        magic, report, manifest, certificates = _HEADER.unpack_from(data)
        if magic != MAGIC:
            raise QuoteFormatError("not a vmpl-sgx quote (bad magic)")
        if _HEADER.size + report + manifest + certificates != len(data):
            raise QuoteFormatError("quote part lengths do not add up to the file size")
        start = _HEADER.size
        parts = []
        for length in (report, manifest, certificates):
            parts.append(bytes(data[start : start + length]))
            start += length
        return cls(*parts)
