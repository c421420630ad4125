"""The certificate table an SNP report travels with (GHCB specification, extended guest request).

Entries of (GUID, u32 offset, u32 length), ended by an all-zero entry, then the certificates
(DER). The GUIDs name the ARK, the ASK and the VCEK.
"""

from __future__ import annotations

import struct
import uuid
from typing import Dict, Mapping

ARK_GUID = uuid.UUID("c0b406a4-a803-4952-9743-3fb6014cd0ae")
ASK_GUID = uuid.UUID("4ab7b379-bbac-4fe4-a02f-05aef327c782")
VCEK_GUID = uuid.UUID("63da758d-e664-4564-adc5-f4b93be8accd")
_ENTRY = struct.Struct("<16sII")


class CertTableFormatError(ValueError):
    """Bytes that are not a well-formed certificate table."""


def encode(certificates: Mapping[uuid.UUID, bytes]) -> bytes:
    offset = _ENTRY.size * (len(certificates) + 1)
    entries = []
    for guid, der in certificates.items():
        entries.append(_ENTRY.pack(guid.bytes_le, offset, len(der)))
        offset += len(der)
    return b"".join(entries) + bytes(_ENTRY.size) + b"".join(certificates.values())


def decode(data: bytes) -> Dict[uuid.UUID, bytes]:
    data = bytes(data)
    found: Dict[uuid.UUID, bytes] = {}
    position = 0
    while True:
        if position + _ENTRY.size > len(data):
            raise CertTableFormatError("certificate table without its terminating entry")
        guid, offset, length = _ENTRY.unpack_from(data, position)
        position += _ENTRY.size
        if guid == bytes(16):
            return found
        if offset + length > len(data):
            raise CertTableFormatError("a certificate runs past the table's end")
        found[uuid.UUID(bytes_le=guid)] = data[offset : offset + length]
