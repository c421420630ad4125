"""The SEV-SNP ATTESTATION_REPORT (1184 bytes), versions 2 to 5: reading and writing.

Layout from AMD's SEV-SNP firmware ABI specification (publication 56860), little-endian. The
signature covers bytes 0x000-0x29F; R and S are 72-byte little-endian, zero-padded integers.
"""

from __future__ import annotations

import dataclasses
import struct
from dataclasses import dataclass
from typing import Any

REPORT_SIZE = 0x4A0
SIGNED_SIZE = 0x2A0
SIGNATURE_ALGO_ECDSA_P384_SHA384 = 1
MIN_VERSION = 2
MAX_VERSION = 5
POLICY_DEBUG = 1 << 19
POLICY_RESERVED_ONE = 1 << 17
SIGNING_KEY_VCEK = 0
_COMPONENT_SIZE = 72


class SnpReportFormatError(ValueError):
    """Bytes that are not an SNP attestation report this code understands."""


@dataclass(frozen=True)
class Tcb:
    """A TCB version: the security patch levels (SPLs) of the firmware components.

    Milan and Genoa store boot loader, TEE, SNP and microcode SPLs in bytes 0, 1, 6 and 7 of
    the 64-bit value; Turin stores FMC, boot loader, TEE, SNP and microcode in bytes 0-3 and 7.
    """

    bootloader: int = 0
    tee: int = 0
    snp: int = 0
    microcode: int = 0
    fmc: int = 0
    """Turin only."""

    def encode(self, turin: bool = False) -> int:
        if turin:
            low = self.fmc | self.bootloader << 8 | self.tee << 16 | self.snp << 24
            return low | self.microcode << 56
        return self.bootloader | self.tee << 8 | self.snp << 48 | self.microcode << 56

    @classmethod
    def decode(cls, value: int, turin: bool = False) -> Tcb:
        byte = value.to_bytes(8, "little")
        if turin:
            return cls(byte[1], byte[2], byte[3], byte[7], fmc=byte[0])
        return cls(byte[0], byte[1], byte[6], byte[7])

    def at_least(self, other: Tcb) -> bool:
        """Every component at least `other`'s (TCB versions are ordered component-wise)."""
        return all(a >= b for a, b in zip(dataclasses.astuple(self), dataclasses.astuple(other)))


@dataclass(frozen=True)
class SnpReport:
    version: int = 3
    guest_svn: int = 0
    policy: int = POLICY_RESERVED_ONE | 1 << 16
    family_id: bytes = bytes(16)
    image_id: bytes = bytes(16)
    vmpl: int = 0
    signature_algo: int = SIGNATURE_ALGO_ECDSA_P384_SHA384
    current_tcb: Tcb = Tcb()
    platform_info: int = 0
    key_info: int = SIGNING_KEY_VCEK
    """Bit 0 author_key_en, bit 1 mask_chip_key, bits 4:2 the signing key."""
    report_data: bytes = bytes(64)
    measurement: bytes = bytes(48)
    host_data: bytes = bytes(32)
    id_key_digest: bytes = bytes(48)
    author_key_digest: bytes = bytes(48)
    report_id: bytes = bytes(32)
    report_id_ma: bytes = b"\xff" * 32
    reported_tcb: Tcb = Tcb()
    cpuid: bytes = bytes(3)
    """Family, model, stepping (version 3 and later)."""
    chip_id: bytes = bytes(64)
    committed_tcb: Tcb = Tcb()
    current_build: bytes = bytes(3)
    committed_build: bytes = bytes(3)
    launch_tcb: Tcb = Tcb()
    signature_r: int = 0
    signature_s: int = 0
    raw: bytes = b""
    """The bytes this report was parsed from (empty for one built in memory)."""

    @property
    def debug_allowed(self) -> bool:
        return bool(self.policy & POLICY_DEBUG)

    @property
    def signing_key(self) -> int:
        return (self.key_info >> 2) & 0x7

    def tcb_value(self, name: str) -> int:
        """The raw 64-bit value of a TCB field (to decode with another product's layout)."""
        offset = {"current_tcb": 0x38, "reported_tcb": 0x180, "committed_tcb": 0x1E0}
        offset["launch_tcb"] = 0x1F0
        if self.raw:
            return int(struct.unpack_from("<Q", self.raw, offset[name])[0])
        tcb: Tcb = getattr(self, name)
        return tcb.encode()

    def signed_bytes(self) -> bytes:
        return (self.raw or encode(self))[:SIGNED_SIZE]


_FIELDS = (
    # (name, offset, struct format or byte count)
    ("version", 0x000, "<I"),
    ("guest_svn", 0x004, "<I"),
    ("policy", 0x008, "<Q"),
    ("family_id", 0x010, 16),
    ("image_id", 0x020, 16),
    ("vmpl", 0x030, "<I"),
    ("signature_algo", 0x034, "<I"),
    ("current_tcb", 0x038, "<Q"),
    ("platform_info", 0x040, "<Q"),
    ("key_info", 0x048, "<I"),
    ("report_data", 0x050, 64),
    ("measurement", 0x090, 48),
    ("host_data", 0x0C0, 32),
    ("id_key_digest", 0x0E0, 48),
    ("author_key_digest", 0x110, 48),
    ("report_id", 0x140, 32),
    ("report_id_ma", 0x160, 32),
    ("reported_tcb", 0x180, "<Q"),
    ("cpuid", 0x188, 3),
    ("chip_id", 0x1A0, 64),
    ("committed_tcb", 0x1E0, "<Q"),
    ("current_build", 0x1E8, 3),
    ("committed_build", 0x1EC, 3),
    ("launch_tcb", 0x1F0, "<Q"),
)
_TCB_FIELDS = frozenset({"current_tcb", "reported_tcb", "committed_tcb", "launch_tcb"})


def encode(report: SnpReport) -> bytes:
    """The 1184 report bytes, signature included as it stands in `report`."""
    out = bytearray(REPORT_SIZE)
    for name, offset, kind in _FIELDS:
        value = getattr(report, name)
        if name in _TCB_FIELDS:
            value = value.encode()
        if isinstance(kind, str):
            struct.pack_into(kind, out, offset, value)
        else:
            if len(value) != kind:
                raise SnpReportFormatError(f"{name} is {kind} bytes, not {len(value)}")
            out[offset : offset + kind] = value
    out[0x2A0 : 0x2A0 + 48] = report.signature_r.to_bytes(48, "little")
    out[0x2E8 : 0x2E8 + 48] = report.signature_s.to_bytes(48, "little")
    return bytes(out)


def decode(data: bytes) -> SnpReport:
    """Parse a report of version 2 to 5; the layout checks are the verifier's first step."""
    data = bytes(data)
    if len(data) != REPORT_SIZE:
        raise SnpReportFormatError(f"an SNP report is {REPORT_SIZE} bytes, not {len(data)}")
    fields: dict[str, Any] = {}
    for name, offset, kind in _FIELDS:
        if isinstance(kind, str):
            number = struct.unpack_from(kind, data, offset)[0]
            fields[name] = Tcb.decode(number) if name in _TCB_FIELDS else number
        else:
            fields[name] = data[offset : offset + kind]
    version = fields["version"]
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise SnpReportFormatError(f"report version {version} is not 2 to 5")
    if version == 2:
        fields["cpuid"] = bytes(3)  # reserved before version 3
    r_bytes = data[0x2A0 : 0x2A0 + _COMPONENT_SIZE]
    s_bytes = data[0x2E8 : 0x2E8 + _COMPONENT_SIZE]
    return SnpReport(
        **fields,
        signature_r=int.from_bytes(r_bytes, "little"),
        signature_s=int.from_bytes(s_bytes, "little"),
        raw=data,
    )
