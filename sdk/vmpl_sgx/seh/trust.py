"""Everything one SEH instance needs to make reports, keys and quotes.

The root secret and the test chain load lazily: an SEH that never attests never creates a
secret file nor spends seconds generating RSA-4096 keys.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from vmpl_sgx._abi import REPORT_DATA_SIZE, Keyrequest, Report, SehResult, Targetinfo
from vmpl_sgx.attestation import manifest, snp_report
from vmpl_sgx.attestation.snp_report import SnpReport, Tcb
from vmpl_sgx.crypto import p384
from vmpl_sgx.seh import ereport as ereport_leaf
from vmpl_sgx.seh import keys, model_chain, quoting
from vmpl_sgx.seh.errors import SehError
from vmpl_sgx.seh.identity import EnclaveIdentity
from vmpl_sgx.seh.root_secret import RootSecret

DEFAULT_TCB = Tcb(bootloader=3, tee=0, snp=8, microcode=115)


@dataclass(frozen=True)
class Platform:
    """What the model's firmware reports: its measurement, chip and TCB."""

    measurement: bytes = hashlib.sha384(b"vmpl-sgx model SEH launch").digest()
    chip_id: bytes = hashlib.sha512(b"vmpl-sgx model chip").digest()
    tcb: Tcb = DEFAULT_TCB
    cpu_svn: bytes = bytes([1] * 16)
    """The SGX CPUSVN the SEH reports and derives keys for."""
    policy: int = snp_report.POLICY_RESERVED_ONE | 1 << 16
    guest_svn: int = 0
    cpuid: bytes = bytes([0x19, 0x01, 0x01])
    host_data: bytes = field(default=bytes(32))


class SehTrust:
    def __init__(self, root_secret_path: Path | None = None, platform: Platform | None = None):
        self.platform = platform or Platform()
        self._path = root_secret_path
        self._root: RootSecret | None = None
        self._chain: model_chain.ModelChain | None = None
        self._lock = threading.Lock()
        self._chain_lock = threading.Lock()
        """Held while the chain is generated (seconds), so that `_lock` never is that long."""
        self.report_key_id = secrets.token_bytes(32)
        """Key id of this instance's report keys (SGX: CR_REPORT_KEYID, fresh each boot)."""
        self._background = False
        self._warming: threading.Thread | None = None

    def chain_in_background(self) -> None:
        """Generate the test chain in a thread when the first quote needs it, answering BUSY
        until it is ready: it takes seconds (minutes in an emulated guest), longer than a
        caller waits for one SEH call. Nothing is generated before a quote is asked for."""
        self._background = True

    def _chain_or_busy(self) -> model_chain.ModelChain:
        if self._background:
            with self._lock:
                ready = self._chain is not None
                if not ready and self._warming is None:
                    self._warming = threading.Thread(
                        target=lambda: self.chain, name="seh-chain", daemon=True
                    )
                    self._warming.start()
                warming = self._warming
            if not ready and warming is not None and warming.is_alive():
                raise SehError(SehResult.BUSY, "the quoting chain is still being generated")
        return self.chain

    @property
    def root_secret_origin(self) -> str:
        """Where the root secret lives: a file path, or "per process"."""
        return str(self._path) if self._path is not None else "per process"

    @property
    def root(self) -> RootSecret:
        with self._lock:
            if self._root is None:
                if self._path is None:
                    self._root = RootSecret.per_process()
                else:
                    self._root = RootSecret.from_file(self._path)
            return self._root

    @property
    def chain(self) -> model_chain.ModelChain:
        with self._lock:
            if self._chain is not None:
                return self._chain
        root = self.root
        with self._chain_lock:
            if self._chain is None:
                if self._path is None:
                    root_keys = model_chain.process_keys()
                else:
                    root_keys = model_chain.file_keys(self._path.with_suffix(".chain.json"))
                built = model_chain.ModelChain(
                    root_keys, root, self.platform.chip_id, self.platform.tcb
                )
                with self._lock:
                    self._chain = built
            return self._chain

    # ---- the ENCLU leaves

    def ereport(self, identity: EnclaveIdentity, target: Targetinfo, report_data: bytes) -> Report:
        return ereport_leaf.ereport(
            self.root,
            identity,
            target=target,
            report_data=report_data,
            key_id=self.report_key_id,
            cpu_svn=self.platform.cpu_svn,
        )

    def egetkey(self, identity: EnclaveIdentity, request: Keyrequest) -> bytes:
        return keys.egetkey(self.root, identity, request, self.platform.cpu_svn)

    # ---- quotes

    def quoting_targetinfo(self) -> Targetinfo:
        return keys.targetinfo_of(quoting.QUOTING_IDENTITY)

    def quote(self, raw_report: bytes, nonce: bytes, capacity: quoting.QuoteSizes) -> quoting.Quote:
        """Check an enclave report targeted at the quoting identity and answer with a quote."""
        report = quoting.parse_report(raw_report)
        if len(nonce) != manifest.NONCE_SIZE:
            raise SehError(SehResult.INVALID_PARAMETER, f"the nonce is {manifest.NONCE_SIZE} bytes")
        key = keys.report_key(
            self.root, quoting.QUOTING_IDENTITY, bytes(report.key_id), self.platform.cpu_svn
        )
        if not ereport_leaf.mac_matches(report, key):
            raise SehError(
                SehResult.INVALID_REPORT,
                "the report's MAC does not verify for the quoting identity "
                "(forged, or targeted at another enclave)",
            )
        blob = quoting.enclave_manifest(report)
        chain = self._chain_or_busy()
        certificates = quoting.certificates(chain.ark, chain.ask, chain.vcek)
        needed = quoting.QuoteSizes(snp_report.REPORT_SIZE, len(blob), len(certificates))
        if any(have < need for have, need in zip(capacity, needed)):
            raise quoting.BufferTooSmallError(needed)
        signed = self.snp_report(manifest.report_data(nonce, blob))
        return quoting.Quote(signed, blob, certificates)

    def snp_report(self, report_data: bytes, vmpl: int = 0) -> bytes:
        """What the model firmware answers to SNP_GUEST_REQUEST(MSG_REPORT_REQ) at `vmpl`."""
        if len(report_data) != 64 or REPORT_DATA_SIZE != 64:
            raise ValueError("SNP REPORT_DATA is 64 bytes")
        platform = self.platform
        chain = self.chain
        unsigned = SnpReport(
            version=3,
            guest_svn=platform.guest_svn,
            policy=platform.policy,
            vmpl=vmpl,
            current_tcb=platform.tcb,
            reported_tcb=platform.tcb,
            committed_tcb=platform.tcb,
            launch_tcb=platform.tcb,
            report_data=report_data,
            measurement=platform.measurement,
            host_data=platform.host_data,
            report_id=self.root.derive("report id", size=32),
            cpuid=platform.cpuid,
            chip_id=platform.chip_id,
        )
        r, s = p384.sign(chain.vcek_private, snp_report.encode(unsigned)[: snp_report.SIGNED_SIZE])
        return snp_report.encode(dataclasses.replace(unsigned, signature_r=r, signature_s=s))
