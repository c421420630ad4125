"""Exceptions that carry an SEH result code back to the caller of a call."""

from __future__ import annotations

from vmpl_sgx._abi import SehResult


class SehError(Exception):
    """A call failed with `result`; the model turns it into the RAX value."""

    def __init__(self, result: SehResult, message: str = "") -> None:
        super().__init__(message or result.name)
        self.result = result


class SehFault(SehError):  # noqa: N818 - the name other code imports
    """A guest-physical address the request named cannot be used (INVALID_ADDRESS)."""

    def __init__(self, gpa: int, message: str = "") -> None:
        super().__init__(SehResult.INVALID_ADDRESS, message or f"bad guest page 0x{gpa:x}")
        self.gpa = gpa


class EnclaveAccessError(Exception):
    """An executor touched enclave memory where no page is (or not as the page allows)."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"no accessible enclave page at offset 0x{offset:x}")
        self.offset = offset


class GeneralProtectionFault(SehError):  # noqa: N818 - named after the x86 exception it models
    """An ENCLU leaf would raise #GP(0) (reserved bits set): the enclave sees an exception."""

    VECTOR = 13

    def __init__(self, message: str) -> None:
        super().__init__(SehResult.INVALID_FORMAT, message)


class KeyRequestError(Exception):
    """EGETKEY refused the request with an SGX status code (`status`, a KeyStatus)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
