"""Typed errors of the SDK: one class per kind of failure, each keeping the errno it came from.

Every error names the ioctl that failed and, when the code raising it knows, the exact
constraint. When only the errno is known (the kernel module says no more), the message lists
the causes docs/ioctl-semantics.md gives for that errno on that ioctl, from `CAUSES` below.
"""

from __future__ import annotations

import errno as _errno
import os
from typing import Mapping, Tuple

# ioctl names as docs/ioctl-semantics.md writes them; "open" is opening the device.
CREATE = "ENCLAVE_CREATE"
ADD_PAGES = "ENCLAVE_ADD_PAGES"
INIT = "ENCLAVE_INIT"
GET_INFO = "GET_INFO"
RUN = "ENCLAVE_RUN"
QUOTE = "ENCLAVE_QUOTE"
QUOTING_TARGET = "QUOTING_TARGET"
OPEN = "open"

ERESTARTSYS = 512
"""Kernel-internal 'restart the call'; user space sees EINTR instead."""


class VmplSgxError(Exception):
    """Base of every error the SDK raises: a failed device or simulator operation, or (through
    SdkError) a rule the SDK checks itself."""

    def __init__(
        self,
        errno: int,
        ioctl: str | None = None,
        constraint: str | None = None,
        causes: Tuple[str, ...] = (),
    ) -> None:
        self.errno = errno
        self.ioctl = ioctl
        self.constraint = constraint
        self.causes = causes
        self.count: int | None = None
        """Bytes ENCLAVE_ADD_PAGES added before it failed, when the SDK knows."""
        super().__init__(_message(errno, ioctl, constraint, causes))

    @property
    def errno_name(self) -> str:
        return _errno.errorcode.get(self.errno, str(self.errno))


class SdkError(VmplSgxError):
    """An error the SDK finds itself, with no failed system call behind it.

    The message names the broken rule (it is also `constraint`). `errno` is EINVAL when an
    input breaks a rule, or what the subclass says.
    """

    def __init__(self, message: str, errno: int = _errno.EINVAL) -> None:
        Exception.__init__(self, message)
        self.errno = errno
        self.ioctl = None
        self.constraint = message
        self.causes = ()
        self.count = None


class BadValueError(SdkError, ValueError):
    """A value handed to the SDK has the wrong size or range; the message says which."""


class InvalidArgumentError(VmplSgxError):
    """EINVAL: an argument breaks a rule, or the enclave is in the wrong state."""


class EnclaveStateError(InvalidArgumentError):
    """EINVAL because the enclave is not in the state the operation needs."""


class BadAddressError(VmplSgxError):
    """EFAULT: a user address cannot be read or written."""


class BusyError(VmplSgxError):
    """EBUSY: another operation holds the enclave or the TCS, or a page already exists."""


class PageExistsError(BusyError):
    """EBUSY from ENCLAVE_ADD_PAGES: a page of the range is already in the enclave."""


class PermissionDeniedError(VmplSgxError):
    """EPERM or EACCES."""


class NotOwnerError(PermissionDeniedError):
    """EPERM: the enclave belongs to another process (the one that opened the device)."""


class InitRejectedError(PermissionDeniedError):
    """EPERM from ENCLAVE_INIT: the SEH rejected the SIGSTRUCT (EINIT failed)."""


class TooBigError(VmplSgxError):
    """E2BIG: a RUN buffer is above GET_INFO.max_run_buffer."""


class NoSpaceError(VmplSgxError):
    """ENOSPC: the enclave produced more output than the buffer holds."""


class QuoteBufferTooSmallError(NoSpaceError):
    """ENOSPC from ENCLAVE_QUOTE: a quote buffer is too small; `needed` holds the sizes
    (SNP report, manifest, certificates) to retry with."""

    needed: Tuple[int, int, int] = (0, 0, 0)


class ReportRefusedError(VmplSgxError):
    """EBADMSG from ENCLAVE_QUOTE: the SEH refused the REPORT, whose MAC does not verify under
    the quoting identity's report key (forged, or targeted at another enclave)."""


class OutOfMemoryError(VmplSgxError):
    """ENOMEM: the SEH (or the kernel) has no memory for this request."""


class QuotaExceededError(VmplSgxError):
    """EDQUOT: the user who opened the enclave holds seh_pages_per_user SEH pages already."""


class CallInterruptedError(VmplSgxError):
    """EINTR: a signal interrupted the call."""


class EntryParkedError(VmplSgxError):
    """EALREADY from ENCLAVE_RUN: an interrupted entry is parked on the TCS; only the
    same RUN resumes it (and receives its result)."""


class EntryCancelledError(VmplSgxError):
    """ECANCELED: the interrupted call was given up with cancel(); it has no result."""


class RunTimeoutError(CallInterruptedError):
    """A RUN outlived its timeout=; its entry is parked (resume() or cancel())."""


class SehFailureError(VmplSgxError):
    """EIO and other failures on the SEH's side: rejected SECS or TCS, SEH gone, broken enclave."""


class SehTimeoutError(SehFailureError):
    """ETIMEDOUT: the SEH did not answer in time; the enclave is broken from now on."""


class NotSupportedError(VmplSgxError):
    """ENOTTY or EOPNOTSUPP: the command or the call is not implemented."""


class NoImageError(NotSupportedError):
    """ENOEXEC from ENCLAVE_RUN: the enclave holds no code the SEH can run."""


class DeviceMissingError(VmplSgxError):
    """Opening the device failed because it does not exist (module not loaded)."""


class ClosedError(VmplSgxError):
    """EBADF: the enclave's file was closed."""


_BY_ERRNO: Mapping[int, type[VmplSgxError]] = {
    _errno.EINVAL: InvalidArgumentError,
    _errno.EFAULT: BadAddressError,
    _errno.EBUSY: BusyError,
    _errno.EPERM: PermissionDeniedError,
    _errno.EACCES: PermissionDeniedError,
    _errno.E2BIG: TooBigError,
    _errno.ENOSPC: NoSpaceError,
    _errno.ENOMEM: OutOfMemoryError,
    _errno.EDQUOT: QuotaExceededError,
    _errno.EINTR: CallInterruptedError,
    ERESTARTSYS: CallInterruptedError,
    _errno.EALREADY: EntryParkedError,
    _errno.ECANCELED: EntryCancelledError,
    _errno.EIO: SehFailureError,
    _errno.ENODEV: SehFailureError,
    _errno.EPROTO: SehFailureError,
    _errno.EAGAIN: SehFailureError,
    _errno.ETIMEDOUT: SehTimeoutError,
    _errno.ENOTTY: NotSupportedError,
    _errno.EOPNOTSUPP: NotSupportedError,
    _errno.ENOEXEC: NotSupportedError,
    _errno.EBADF: ClosedError,
    _errno.EBADMSG: ReportRefusedError,
}

# Where one errno means one specific thing on one ioctl.
_BY_IOCTL_AND_ERRNO: Mapping[Tuple[str, int], type[VmplSgxError]] = {
    (CREATE, _errno.EPERM): NotOwnerError,
    (ADD_PAGES, _errno.EPERM): NotOwnerError,
    (RUN, _errno.EPERM): NotOwnerError,
    (INIT, _errno.EPERM): InitRejectedError,
    (RUN, _errno.ENOEXEC): NoImageError,
    (QUOTE, _errno.EPERM): NotOwnerError,
    (QUOTE, _errno.ENOSPC): QuoteBufferTooSmallError,
    (OPEN, _errno.ENOENT): DeviceMissingError,
    (OPEN, _errno.ENODEV): DeviceMissingError,
    (OPEN, _errno.ENXIO): DeviceMissingError,
}

_NOT_OWNER = "the caller is not the process that opened the device (after fork() or fd passing)"
_BUSY_LOCK = "another ENCLAVE_CREATE, ENCLAVE_ADD_PAGES or ENCLAVE_INIT is running on this enclave"
_BROKEN = "the enclave is broken: its SEH went away or an earlier call timed out"
_NO_SEH = "no SEH is attached"
_ARG_UNREADABLE = "the argument struct cannot be read"
_QUOTA = (
    "the user who opened the enclave holds seh_pages_per_user SEH pages already (module "
    "parameter; pages come back when that user's enclave files are closed)"
)

CAUSES: Mapping[Tuple[str, int], Tuple[str, ...]] = {
    # ENCLAVE_CREATE
    (CREATE, _errno.EPERM): (_NOT_OWNER,),
    (CREATE, _errno.EBUSY): (_BUSY_LOCK,),
    (CREATE, _errno.EIO): (
        _BROKEN,
        "ECREATE rejected the SECS: size below 8 KiB, base not aligned to size, SSA frame "
        "size, reserved fields, MISCSELECT/ATTRIBUTES/XFRM masks or ATTRIBUTES.INIT set",
        _NO_SEH,
    ),
    (CREATE, _errno.EINVAL): (
        "the enclave was already created",
        "SECS.size is zero or not a power of two",
    ),
    (CREATE, _errno.EFAULT): (_ARG_UNREADABLE, "the 4096-byte SECS at src cannot be read"),
    (CREATE, _errno.ENOMEM): ("SECS.size is beyond the SEH's max_enclave_size",),
    (CREATE, _errno.EDQUOT): (_QUOTA,),
    # ENCLAVE_ADD_PAGES
    (ADD_PAGES, _errno.EPERM): (_NOT_OWNER,),
    (ADD_PAGES, _errno.EBUSY): (
        _BUSY_LOCK,
        "a page of the range is already in the enclave (count says how many bytes went in)",
    ),
    (ADD_PAGES, _errno.EIO): (_BROKEN, "EADD rejected a malformed TCS page", _NO_SEH),
    (ADD_PAGES, _errno.EINVAL): (
        "the enclave is not created, or already initialized",
        "src is not page-aligned",
        "offset is not page-aligned, length is zero or not page-aligned, offset + length "
        "overflows or is beyond SECS.size",
        "flags has a bit other than VMPL_SGX_PAGE_MEASURE",
        "SECINFO: page type other than REG or TCS, W without R, a TCS with R/W/X, a flag "
        "bit other than R, W, X and the page type, or a non-zero reserved byte",
    ),
    (ADD_PAGES, _errno.EFAULT): (
        _ARG_UNREADABLE,
        "the 64-byte SECINFO cannot be read",
        "a source page cannot be read (count says how many bytes went in before it)",
        "count cannot be written back",
    ),
    (ADD_PAGES, _errno.EINTR): ("a signal arrived before the first page was added",),
    (ADD_PAGES, _errno.ENOMEM): ("the SEH has no memory left for more pages",),
    (ADD_PAGES, _errno.EDQUOT): (_QUOTA + " (count says how many bytes went in before)",),
    # ENCLAVE_INIT
    (INIT, _errno.EPERM): (
        _NOT_OWNER,
        "the SEH rejected the SIGSTRUCT: malformed, bad signature or Q1/Q2, MRENCLAVE "
        "different from enclavehash, or attributes/MISCSELECT outside the masks",
    ),
    (INIT, _errno.EBUSY): (_BUSY_LOCK,),
    (INIT, _errno.EIO): (_BROKEN, _NO_SEH),
    (INIT, _errno.EINVAL): (
        "the enclave is not created, or already initialized",
        "SIGSTRUCT.vendor is neither 0 nor 0x8086",
    ),
    (INIT, _errno.EFAULT): (_ARG_UNREADABLE, "the 1808-byte SIGSTRUCT cannot be read"),
    (INIT, _errno.EACCES): (
        "the SECS attributes ask for PROVISIONKEY or EINITTOKENKEY, which are never granted",
    ),
    # GET_INFO
    (GET_INFO, _errno.EFAULT): ("the result cannot be written to the argument",),
    # ENCLAVE_RUN
    (RUN, _errno.EPERM): (_NOT_OWNER,),
    (RUN, _errno.EIO): (_BROKEN,),
    (RUN, _errno.EINVAL): (
        "the enclave is not initialized",
        "flags or a reserved byte is not zero",
        "function is neither EENTER nor ERESUME",
        "tcs is outside the enclave or not page-aligned",
        "tcs is not a TCS page",
        "ERESUME without a pending ocall",
        "EENTER while an ocall waits for its answer",
    ),
    (RUN, _errno.E2BIG): ("input_len or output_capacity is above GET_INFO.max_run_buffer",),
    (RUN, _errno.EFAULT): (
        _ARG_UNREADABLE,
        "the input cannot be read",
        "the output range is not writable",
        "the results cannot be written back",
    ),
    (RUN, _errno.EBUSY): ("another RUN is active on this TCS",),
    (RUN, _errno.ENOSPC): ("the enclave wrote more than output_capacity",),
    (RUN, _errno.ENOEXEC): ("the enclave holds no code the SEH can run",),
    (RUN, _errno.EINTR): (
        "a signal interrupted the call; the entry stays parked and only the same RUN "
        "(same call, lengths and input) resumes it and receives its result",
    ),
    (RUN, _errno.EALREADY): (
        "an interrupted entry is parked on this TCS: only the same RUN resumes it "
        "(resume()), or cancel() gives it up",
    ),
    (RUN, _errno.ECANCELED): ("the interrupted call was cancelled: it has no result",),
    # ENCLAVE_QUOTE
    (QUOTE, _errno.EPERM): (_NOT_OWNER,),
    (QUOTE, _errno.EIO): (_BROKEN,),
    (QUOTE, _errno.EINVAL): (
        "the enclave is not initialized",
        "flags or a reserved byte is not zero",
    ),
    (QUOTE, _errno.E2BIG): ("a buffer length is above VMPL_SGX_QUOTE_BUFFER_MAX",),
    (QUOTE, _errno.EFAULT): (
        _ARG_UNREADABLE,
        "the 432-byte REPORT or the 64-byte nonce cannot be read",
        "an output range is not writable",
        "the results cannot be written back",
    ),
    (QUOTE, _errno.EBADMSG): (
        "the SEH refused the REPORT: its MAC does not verify under the quoting identity's "
        "report key (forged, or targeted at another enclave)",
    ),
    (QUOTE, _errno.ENOSPC): (
        "a buffer is too small; the *_len fields hold the sizes needed",
    ),
    (QUOTE, _errno.EBUSY): (
        "the SEH is busy (it may still be generating its quoting chain); try again",
    ),
    # QUOTING_TARGET
    (QUOTING_TARGET, _errno.EIO): (_NO_SEH,),
    (QUOTING_TARGET, _errno.EFAULT): ("the result cannot be written to the argument",),
    # opening the device
    (OPEN, _errno.ENOENT): ("the device does not exist: is the vmpl_sgx module loaded?",),
    (OPEN, _errno.ENODEV): ("the device has no driver behind it",),
    (OPEN, _errno.ENXIO): ("the device has no driver behind it",),
    (OPEN, _errno.EACCES): ("no permission to open the device (see the udev rule)",),
}

# Causes that hold for any ioctl.
_ANY_IOCTL: Mapping[int, Tuple[str, ...]] = {
    _errno.ENOTTY: ("unknown command, or a known number with the wrong size or direction",),
    _errno.ETIMEDOUT: ("the SEH did not answer in time; the enclave is broken from now on",),
    _errno.EBADF: ("the enclave's file is closed",),
}


def causes_for(errno: int, ioctl: str | None) -> Tuple[str, ...]:
    """The documented causes of `errno` on `ioctl`, most specific first; empty if none."""
    if ioctl is not None:
        found = CAUSES.get((ioctl, _errno.EINTR if errno == ERESTARTSYS else errno))
        if found:
            return found
    return _ANY_IOCTL.get(errno, ())


def error_for(
    errno: int,
    ioctl: str | None = None,
    constraint: str | None = None,
    *,
    kind: type[VmplSgxError] | None = None,
) -> VmplSgxError:
    """The error for `errno` from `ioctl`; `constraint` names the rule that failed, if known.

    `kind` overrides the class when the caller knows more than the errno (say, that an EPERM
    from ENCLAVE_INIT came from the owner check).
    """
    if kind is None:
        kind = _BY_IOCTL_AND_ERRNO.get((ioctl or "", errno)) or _BY_ERRNO.get(errno, VmplSgxError)
    causes = () if constraint else causes_for(errno, ioctl)
    return kind(errno, ioctl, constraint, causes)


def error_from_os(error: OSError, ioctl: str | None) -> VmplSgxError:
    """Wrap an OSError from a system call so that no bare OSError leaves the SDK."""
    number = error.errno if error.errno is not None else _errno.EIO
    constraint = None
    if error.filename is not None:
        why = causes_for(number, ioctl)
        constraint = f"{error.filename}: {'; '.join(why) or error.strerror}"
    wrapped = error_for(number, ioctl, constraint)
    wrapped.__cause__ = error
    return wrapped


def _message(
    errno: int, ioctl: str | None, constraint: str | None, causes: Tuple[str, ...]
) -> str:
    name = _errno.errorcode.get(errno, str(errno))
    what = f"{ioctl} failed" if ioctl else "failed"
    text = f"{what} with {name} ({os.strerror(errno)})"
    if constraint:
        return f"{text}: {constraint}"
    if len(causes) == 1:
        return f"{text}: {causes[0]}"
    if causes:
        return f"{text}; one of: " + "; ".join(causes)
    return text

