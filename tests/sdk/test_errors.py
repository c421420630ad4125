"""The error hierarchy: classes by errno and ioctl, messages, causes."""

from __future__ import annotations

import errno

import pytest

from vmpl_sgx import errors
from vmpl_sgx.app import EcallError, EnclaveFaultError, OcallHandlerError, OcallRefusedError
from vmpl_sgx.build import BuildError
from vmpl_sgx.elf import ElfError
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.errors import (
    ADD_PAGES,
    CAUSES,
    CREATE,
    INIT,
    OPEN,
    RUN,
    BadAddressError,
    BadValueError,
    BusyError,
    CallInterruptedError,
    ClosedError,
    DeviceMissingError,
    InitRejectedError,
    InvalidArgumentError,
    NoImageError,
    NoSpaceError,
    NotOwnerError,
    NotSupportedError,
    OutOfMemoryError,
    PermissionDeniedError,
    SdkError,
    SehFailureError,
    SehTimeoutError,
    TooBigError,
    VmplSgxError,
    error_for,
    error_from_os,
)
from vmpl_sgx.image import ImageError
from vmpl_sgx.layout import LayoutError, reg_flags
from vmpl_sgx.layout_file import LayoutFileError
from vmpl_sgx.measure import MeasurementError
from vmpl_sgx.pem import KeyFormatError
from vmpl_sgx.rsa import KeyExponentError, KeySizeError
from vmpl_sgx.sigstruct import SigstructError
from vmpl_sgx.simulator import Simulator


@pytest.mark.parametrize(
    ("number", "ioctl", "kind"),
    [
        (errno.EINVAL, ADD_PAGES, InvalidArgumentError),
        (errno.EFAULT, CREATE, BadAddressError),
        (errno.EBUSY, ADD_PAGES, BusyError),
        (errno.EPERM, CREATE, NotOwnerError),
        (errno.EPERM, RUN, NotOwnerError),
        (errno.EPERM, INIT, InitRejectedError),
        (errno.EACCES, INIT, PermissionDeniedError),
        (errno.E2BIG, RUN, TooBigError),
        (errno.ENOSPC, RUN, NoSpaceError),
        (errno.ENOMEM, CREATE, OutOfMemoryError),
        (errno.EINTR, ADD_PAGES, CallInterruptedError),
        (errors.ERESTARTSYS, ADD_PAGES, CallInterruptedError),
        (errno.EIO, CREATE, SehFailureError),
        (errno.ETIMEDOUT, INIT, SehTimeoutError),
        (errno.ENOTTY, None, NotSupportedError),
        (errno.EOPNOTSUPP, RUN, NotSupportedError),
        (errno.ENOEXEC, RUN, NoImageError),
        (errno.ENOENT, OPEN, DeviceMissingError),
        (errno.ENODEV, OPEN, DeviceMissingError),
        (errno.EBADF, RUN, ClosedError),
        (errno.EXDEV, RUN, VmplSgxError),
    ],
)
def test_class_by_errno_and_ioctl(number: int, ioctl: str | None, kind: type) -> None:
    error = error_for(number, ioctl)
    assert type(error) is kind
    assert error.errno == number
    assert error.ioctl == ioctl


def test_every_class_is_a_vmpl_sgx_error_and_not_an_oserror() -> None:
    assert issubclass(SehTimeoutError, SehFailureError)
    assert issubclass(InitRejectedError, PermissionDeniedError)
    assert issubclass(NoImageError, NotSupportedError)
    for kind in (BusyError, DeviceMissingError, ClosedError):
        assert issubclass(kind, VmplSgxError)
        assert not issubclass(kind, OSError)


def test_message_names_the_ioctl_and_the_constraint() -> None:
    error = error_for(errno.EINVAL, ADD_PAGES, "offset 0x1001 is not page-aligned")
    text = str(error)
    assert text.startswith("ENCLAVE_ADD_PAGES failed with EINVAL")
    assert text.endswith("offset 0x1001 is not page-aligned")
    assert error.constraint == "offset 0x1001 is not page-aligned"
    assert error.causes == ()
    assert error.errno_name == "EINVAL"


def test_raw_errors_list_the_documented_causes() -> None:
    error = error_for(errno.EINVAL, ADD_PAGES)
    assert error.constraint is None
    assert error.causes == CAUSES[(ADD_PAGES, errno.EINVAL)]
    assert "one of:" in str(error)
    assert "src is not page-aligned" in str(error)


def test_single_cause_reads_as_the_reason() -> None:
    assert str(error_for(errno.E2BIG, RUN)).endswith(
        "input_len or output_capacity is above GET_INFO.max_run_buffer"
    )


def test_causes_for_any_ioctl() -> None:
    assert "unknown command" in str(error_for(errno.ENOTTY, CREATE))
    assert "did not answer" in str(error_for(errno.ETIMEDOUT, RUN))


def test_every_documented_errno_has_causes() -> None:
    documented = {
        CREATE: {errno.EPERM, errno.EBUSY, errno.EIO, errno.EINVAL, errno.EFAULT, errno.ENOMEM},
        ADD_PAGES: {errno.EPERM, errno.EBUSY, errno.EIO, errno.EINVAL, errno.EFAULT, errno.EINTR},
        INIT: {errno.EPERM, errno.EBUSY, errno.EIO, errno.EINVAL, errno.EFAULT, errno.EACCES},
        RUN: {
            errno.EPERM, errno.EIO, errno.EINVAL, errno.EFAULT, errno.E2BIG, errno.EBUSY,
            errno.ENOSPC, errno.ENOEXEC, errno.EINTR,
        },
    }
    for ioctl, numbers in documented.items():
        for number in numbers:
            assert errors.causes_for(number, ioctl), (ioctl, number)


def test_kind_overrides_the_class() -> None:
    error = error_for(errno.EPERM, INIT, "not the owner", kind=NotOwnerError)
    assert type(error) is NotOwnerError


def test_error_from_os_keeps_the_os_error_as_cause() -> None:
    original = FileNotFoundError(errno.ENOENT, "No such file or directory", "/dev/vmpl_sgx")
    error = error_from_os(original, OPEN)
    assert isinstance(error, DeviceMissingError)
    assert error.__cause__ is original
    assert "/dev/vmpl_sgx" in str(error)
    assert "module loaded" in str(error)


def test_count_defaults_to_none() -> None:
    assert error_for(errno.EBUSY, ADD_PAGES).count is None


@pytest.mark.parametrize(
    ("kind", "second_base"),
    [
        (ElfError, ValueError),
        (ImageError, ValueError),
        (KeyFormatError, ValueError),
        (KeySizeError, ValueError),
        (KeyExponentError, ValueError),
        (SigstructError, ValueError),
        (LayoutFileError, ValueError),
        (MeasurementError, ValueError),
        (BuildError, RuntimeError),
        (LayoutError, ValueError),
        (BadValueError, ValueError),
        (EcallError, None),
        (EnclaveFaultError, None),
        (OcallHandlerError, None),
        (OcallRefusedError, None),
    ],
)
def test_every_sdk_error_is_a_vmpl_sgx_error(
    kind: type[Exception], second_base: type[Exception] | None
) -> None:
    assert issubclass(kind, SdkError) and issubclass(kind, VmplSgxError)
    if second_base is not None:
        assert issubclass(kind, second_base)


def test_sdk_error_carries_its_rule() -> None:
    error = ElfError("no PT_LOAD segment")
    assert str(error) == "no PT_LOAD segment"
    assert (error.errno_name, error.ioctl, error.constraint) == ("EINVAL", None, str(error))


def test_wrong_sizes_and_permissions_are_typed() -> None:
    with pytest.raises(BadValueError, match="a SECS is 4096 bytes, not 3"):
        Enclave(Simulator().open()).create(b"abc")
    with pytest.raises(LayoutError, match="permission 'q'"):
        reg_flags("rq")
