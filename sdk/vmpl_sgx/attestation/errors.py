"""Why a quote was refused: one exception class per check, all under VmplSgxError.

`check` names the check that failed, for logs, the CLI's JSON output and policy tooling.
"""

from __future__ import annotations

import errno

from vmpl_sgx.errors import SdkError


class AttestationError(SdkError):
    """A quote or SNP report failed verification."""

    check = "attestation"

    def __init__(self, message: str) -> None:
        super().__init__(f"{self.check}: {message}", errno.EACCES)
        self.detail = message
        """The message without the check's name in front."""


class ReportFormatError(AttestationError):
    check = "report-format"


class ChainError(AttestationError):
    """A certificate does not chain to the trust anchor (ARK self-signature, ASK, VCEK)."""

    check = "certificate-chain"


class AmdChainError(ChainError):
    """AMD's `cert_chain` file is not an ASK then an ARK of one product, the ARK signed by
    itself and the ASK by the ARK."""

    check = "amd-chain"


class ProductMismatchError(ChainError):
    """The anchor, the VCEK and the report's CPUID do not name the same SNP product."""

    check = "product"


class TcbMismatchError(AttestationError):
    """The VCEK's TCB extensions differ from the report's REPORTED_TCB."""

    check = "vcek-tcb"


class ChipIdMismatchError(AttestationError):
    """The VCEK's hwID extension differs from the report's CHIP_ID."""

    check = "vcek-chip-id"


class ReportSignatureError(AttestationError):
    check = "report-signature"


class VmplError(AttestationError):
    """The report was not requested for VMPL 0, so the SEH did not ask for it."""

    check = "vmpl"


class ReportDataError(AttestationError):
    """REPORT_DATA is not SHA-512(nonce || manifest)."""

    check = "report-data"


class ManifestError(AttestationError):
    check = "manifest"


class MrenclaveMismatchError(AttestationError):
    check = "mrenclave"


class MrsignerMismatchError(AttestationError):
    check = "mrsigner"


class IsvProdIdMismatchError(AttestationError):
    check = "isv-prod-id"


class IsvSvnTooLowError(AttestationError):
    check = "isv-svn"


class DebugNotAllowedError(AttestationError):
    """The enclave (or the VM around it) is debuggable and the policy does not allow it."""

    check = "debug"


class LaunchMeasurementError(AttestationError):
    check = "launch-measurement"


class TcbTooLowError(AttestationError):
    check = "minimum-tcb"
