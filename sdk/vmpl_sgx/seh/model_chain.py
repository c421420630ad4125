"""The SEH model's stand-in for AMD's key hierarchy: a test ARK -> ASK -> VCEK chain.

Everything in it is real cryptography (RSA-4096 PSS certificates, a P-384 VCEK whose key
signs the reports), but the root is generated here, not AMD's: a report it signs proves only
that this SEH instance made it. The two RSA-4096 keys take seconds to generate in pure Python,
so they are made once per root-secret file (kept beside it, mode 0600) or once per process.
The VCEK key follows from the root secret, the chip id and the TCB, like a real VCEK.
"""

from __future__ import annotations

import datetime
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from vmpl_sgx.attestation.snp_report import Tcb
from vmpl_sgx.crypto import der, p384, rsa_pss, x509_build
from vmpl_sgx.seh.root_secret import RootSecret

RSA_BITS = 4096
PRODUCT_NAME = "Milan-B0"
OID_PRODUCT_NAME = "1.3.6.1.4.1.3704.1.2"
OID_BL_SPL = "1.3.6.1.4.1.3704.1.3.1"
OID_TEE_SPL = "1.3.6.1.4.1.3704.1.3.2"
OID_SNP_SPL = "1.3.6.1.4.1.3704.1.3.3"
OID_UCODE_SPL = "1.3.6.1.4.1.3704.1.3.8"
OID_HWID = "1.3.6.1.4.1.3704.1.4"
_NOT_BEFORE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


@dataclass(frozen=True)
class RootKeys:
    ark: rsa_pss.RsaPrivate
    ask: rsa_pss.RsaPrivate


_process_keys: RootKeys | None = None
_process_lock = threading.Lock()


def _generate() -> RootKeys:
    return RootKeys(rsa_pss.generate(RSA_BITS), rsa_pss.generate(RSA_BITS))


def process_keys() -> RootKeys:
    """ARK and ASK keys shared by every SEH model of this process."""
    global _process_keys  # noqa: PLW0603 - one cache per process is the point
    with _process_lock:
        if _process_keys is None:
            _process_keys = _generate()
        return _process_keys


def file_keys(path: Path) -> RootKeys:
    """ARK and ASK keys kept in `path` (JSON, mode 0600), generated on first use."""
    if not path.exists():
        keys = _generate()
        text = json.dumps({name: list(getattr(keys, name)) for name in ("ark", "ask")})
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text)
        return keys
    stored = json.loads(path.read_text())
    return RootKeys(rsa_pss.RsaPrivate(*stored["ark"]), rsa_pss.RsaPrivate(*stored["ask"]))


class ModelChain:
    """The certificates of one SEH instance and the VCEK key that signs its reports."""

    def __init__(self, keys: RootKeys, root: RootSecret, chip_id: bytes, tcb: Tcb) -> None:
        if len(chip_id) != 64:
            raise ValueError("a chip id is 64 bytes")
        ark_name = x509_build.name("ARK-Milan (vmpl-sgx model)")
        ask_name = x509_build.name("SEV-Milan (vmpl-sgx model)")
        serial = int.from_bytes(root.derive("serial", size=8), "big") >> 1
        self.ark = x509_build.build(
            serial=serial,
            issuer=ark_name,
            subject=ark_name,
            subject_key=keys.ark.public,
            signer=keys.ark,
            extensions={},
            not_before=_NOT_BEFORE,
        )
        self.ask = x509_build.build(
            serial=serial + 1,
            issuer=ark_name,
            subject=ask_name,
            subject_key=keys.ask.public,
            signer=keys.ark,
            extensions={},
            not_before=_NOT_BEFORE,
        )
        seed = root.derive("vcek", chip_id + tcb.encode().to_bytes(8, "little"), size=64)
        self.vcek_private = int.from_bytes(seed, "big") % (p384.N - 1) + 1
        self.vcek = x509_build.build(
            serial=serial + 2,
            issuer=ask_name,
            subject=x509_build.name("SEV-VCEK (vmpl-sgx model)"),
            subject_key=p384.public_key(self.vcek_private),
            signer=keys.ask,
            extensions={
                OID_PRODUCT_NAME: der.encode(der.IA5_STRING, PRODUCT_NAME.encode()),
                OID_BL_SPL: der.encode_integer(tcb.bootloader),
                OID_TEE_SPL: der.encode_integer(tcb.tee),
                OID_SNP_SPL: der.encode_integer(tcb.snp),
                OID_UCODE_SPL: der.encode_integer(tcb.microcode),
                OID_HWID: der.encode(der.OCTET_STRING, chip_id),
            },
            not_before=_NOT_BEFORE,
        )
