"""The SVSM services manifest, and the enclave service entry vmpl-sgx puts in it.

Format (SVSM specification, attestation protocol): header GUID, u32 total length, u32 entry
count, then per service a 24-byte entry (GUID, u32 offset, u32 length), then the blobs. The
enclave service's blob is the 384-byte SGX report body of the quoted enclave: its MRENCLAVE,
MRSIGNER, attributes, ISV fields and REPORTDATA, exactly as EREPORT stated them.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from typing import Dict, Mapping

MANIFEST_GUID = uuid.UUID("63849ebb-3d92-4670-a1ff-58f9c94b87bb")
ENCLAVE_SERVICE_GUID = uuid.UUID("a19eca83-4c0b-438f-a8c2-721f5e9ce708")
"""The vmpl-sgx enclave service (chosen at random for this project; no registry assigns them)."""
ENCLAVE_MANIFEST_VERSION = 1
NONCE_SIZE = 64
_HEADER = struct.Struct("<16sII")
_ENTRY = struct.Struct("<16sII")


class ManifestFormatError(ValueError):
    """Bytes that are not a well-formed services manifest."""


def encode(services: Mapping[uuid.UUID, bytes]) -> bytes:
    offset = _HEADER.size + _ENTRY.size * len(services)
    entries = []
    blobs = []
    for guid, blob in services.items():
        entries.append(_ENTRY.pack(guid.bytes_le, offset, len(blob)))
        blobs.append(blob)
        offset += len(blob)
    header = _HEADER.pack(MANIFEST_GUID.bytes_le, offset, len(services))
    return header + b"".join(entries) + b"".join(blobs)


def decode(data: bytes) -> Dict[uuid.UUID, bytes]:
    data = bytes(data)
    if len(data) < _HEADER.size:
        raise ManifestFormatError("manifest shorter than its header")
    guid, total, count = _HEADER.unpack_from(data)
    if uuid.UUID(bytes_le=guid) != MANIFEST_GUID:
        raise ManifestFormatError("manifest header GUID is not the services manifest's")
    if total != len(data):
        raise ManifestFormatError(f"manifest says {total} bytes, has {len(data)}")
    if _HEADER.size + count * _ENTRY.size > total:
        raise ManifestFormatError("manifest entry table runs past its end")
    services: Dict[uuid.UUID, bytes] = {}
    for index in range(count):
        guid, offset, length = _ENTRY.unpack_from(data, _HEADER.size + index * _ENTRY.size)
        if offset + length > total:
            raise ManifestFormatError("a service blob runs past the manifest's end")
        service = uuid.UUID(bytes_le=guid)
        if service in services:
            raise ManifestFormatError(f"service {service} appears twice")
        services[service] = data[offset : offset + length]
    return services


def report_data(nonce: bytes, manifest: bytes) -> bytes:
    """REPORT_DATA of an SVSM attestation: SHA-512(nonce || manifest)."""
    if len(nonce) != NONCE_SIZE:
        raise ValueError(f"the nonce is {NONCE_SIZE} bytes, not {len(nonce)}")
    return hashlib.sha512(nonce + manifest).digest()
