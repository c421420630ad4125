"""What EINIT checks in a SIGSTRUCT before it initializes an enclave."""

from __future__ import annotations

import hmac

from vmpl_sgx import sigstruct
from vmpl_sgx._abi import VENDOR_INTEL, SehResult, Sigstruct
from vmpl_sgx.seh.enclave import Enclave
from vmpl_sgx.seh.errors import SehError


def check_fields(sig: Sigstruct) -> None:
    """Raise INVALID_SIGSTRUCT for a vendor other than 0 and Intel or non-zero reserved bytes."""
    if sig.vendor not in (0, VENDOR_INTEL):
        why = f"vendor 0x{sig.vendor:x} is neither 0 nor 0x{VENDOR_INTEL:x}"
    elif any(any(getattr(sig, name)) for name in Sigstruct.RESERVED_FIELDS):
        why = "reserved bytes are not zero"
    else:
        return
    raise SehError(SehResult.INVALID_SIGSTRUCT, f"SIGSTRUCT: {why}")


def check_signature(raw: bytes) -> None:
    """Raise INVALID_SIGSTRUCT for bad header constants, exponent or key size, and
    INVALID_SIGNATURE unless the RSA signature and its Q1/Q2 helpers verify."""
    try:
        sigstruct.verify_sigstruct(raw)
    except sigstruct.SigstructSignatureError as error:
        raise SehError(SehResult.INVALID_SIGNATURE, f"SIGSTRUCT: {error}") from None
    except sigstruct.SigstructError as error:
        raise SehError(SehResult.INVALID_SIGSTRUCT, f"SIGSTRUCT: {error}") from None


def check_measurement(sig: Sigstruct, mrenclave: bytes) -> None:
    """Raise INVALID_MEASUREMENT unless the SIGSTRUCT names this enclave's measurement."""
    if not hmac.compare_digest(bytes(sig.enclavehash), mrenclave):
        raise SehError(SehResult.INVALID_MEASUREMENT, "MRENCLAVE differs from enclavehash")


def check_attributes(sig: Sigstruct, enclave: Enclave) -> None:
    """Raise INVALID_ATTRIBUTE unless attributes, XFRM and MISCSELECT match under the masks."""
    pairs = (
        ("attributes", enclave.attributes, sig.attributes, sig.attributemask),
        ("xfrm", enclave.xfrm, sig.xfrm, sig.xfrmmask),
        ("miscselect", enclave.miscselect, sig.miscselect, sig.miscmask),
    )
    for name, actual, expected, mask in pairs:
        if actual & mask != expected & mask:
            raise SehError(
                SehResult.INVALID_ATTRIBUTE,
                f"{name} 0x{actual:x} differs from 0x{expected:x} under mask 0x{mask:x}",
            )


def mrsigner(sig: Sigstruct) -> bytes:
    """SHA-256 of the modulus bytes as stored."""
    return sigstruct.mrsigner(bytes(sig.modulus))
