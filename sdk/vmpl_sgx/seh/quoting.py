"""Quotes: an enclave's report, checked by the SEH, turned into an SNP report for VMPL 0.

The enclave targets its report at the SEH's quoting identity (QUOTING_TARGETINFO). The SEH
checks the MAC with that identity's report key, wraps the report body in a services manifest
under the vmpl-sgx enclave service GUID, and asks the firmware (here the model's) for an SNP
report at VMPL 0 whose REPORT_DATA is SHA-512(nonce || manifest). Buffer sizes negotiate as
in the SVSM attestation protocol: a buffer too small fails (QUOTE_TOO_SMALL) and the sizes
needed come back. A report whose MAC does not verify is refused with INVALID_REPORT.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from vmpl_sgx._abi import REPORT_SIZE, Attr, Report, SehResult
from vmpl_sgx.attestation import cert_table, manifest
from vmpl_sgx.attestation.quote import Quote
from vmpl_sgx.seh.errors import SehError
from vmpl_sgx.seh.identity import EnclaveIdentity

QUOTING_IDENTITY = EnclaveIdentity(
    mrenclave=hashlib.sha256(b"vmpl-sgx SEH quoting identity, version 1").digest(),
    mrsigner=bytes(32),
    attributes=int(Attr.INIT | Attr.MODE64BIT),
    xfrm=0x3,
    miscselect=0,
    isv_prod_id=0,
    isv_svn=0,
)
"""The identity enclaves target when they want a quote; the QUOTING_TARGET call returns it."""


class QuoteSizes(NamedTuple):
    """Bytes of the three answer buffers: SNP report, manifest, certificate table."""

    report: int
    manifest: int
    certificates: int


class BufferTooSmallError(SehError):
    """A quote buffer is too small; `needed` says the sizes to retry with (QUOTE_TOO_SMALL)."""

    def __init__(self, needed: QuoteSizes) -> None:
        super().__init__(SehResult.QUOTE_TOO_SMALL, f"quote buffers too small; need {needed}")
        self.needed = needed


__all__ = ["QUOTING_IDENTITY", "BufferTooSmallError", "Quote", "QuoteSizes"]


def enclave_manifest(report: Report) -> bytes:
    return manifest.encode({manifest.ENCLAVE_SERVICE_GUID: bytes(report.body)})


def parse_report(raw: bytes) -> Report:
    if len(raw) != REPORT_SIZE:
        raise SehError(SehResult.INVALID_PARAMETER, f"a REPORT is {REPORT_SIZE} bytes")
    return Report.from_buffer_copy(raw)


def certificates(ark: bytes, ask: bytes, vcek: bytes) -> bytes:
    return cert_table.encode(
        {cert_table.VCEK_GUID: vcek, cert_table.ASK_GUID: ask, cert_table.ARK_GUID: ark}
    )
