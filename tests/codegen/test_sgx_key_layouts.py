"""The generated EREPORT/EGETKEY structures sit at the offsets of Intel's SDM."""

from __future__ import annotations

import ctypes

import pytest

from vmpl_sgx import _abi

SDM_OFFSETS = [
    (_abi.Targetinfo, "attributes", 32),
    (_abi.Targetinfo, "config_svn", 50),
    (_abi.Targetinfo, "miscselect", 52),
    (_abi.Targetinfo, "config_id", 64),
    (_abi.ReportBody, "miscselect", 16),
    (_abi.ReportBody, "isv_ext_prod_id", 32),
    (_abi.ReportBody, "attributes", 48),
    (_abi.ReportBody, "mrenclave", 64),
    (_abi.ReportBody, "mrsigner", 128),
    (_abi.ReportBody, "config_id", 192),
    (_abi.ReportBody, "isv_prod_id", 256),
    (_abi.ReportBody, "isv_svn", 258),
    (_abi.ReportBody, "config_svn", 260),
    (_abi.ReportBody, "isv_family_id", 304),
    (_abi.ReportBody, "report_data", 320),
    (_abi.Report, "key_id", 384),
    (_abi.Report, "mac", 416),
    (_abi.Keyrequest, "key_policy", 2),
    (_abi.Keyrequest, "isv_svn", 4),
    (_abi.Keyrequest, "cpu_svn", 8),
    (_abi.Keyrequest, "attribute_mask", 24),
    (_abi.Keyrequest, "key_id", 40),
    (_abi.Keyrequest, "misc_mask", 72),
    (_abi.Keyrequest, "config_svn", 76),
]


@pytest.mark.parametrize(("struct", "name", "offset"), SDM_OFFSETS)
def test_field_offset(struct: type[ctypes.Structure], name: str, offset: int) -> None:
    assert getattr(struct, name).offset == offset


def test_sizes() -> None:
    assert ctypes.sizeof(_abi.Targetinfo) == _abi.TARGETINFO_SIZE == 512
    assert ctypes.sizeof(_abi.ReportBody) == _abi.REPORT_BODY_SIZE == 384
    assert ctypes.sizeof(_abi.Report) == _abi.REPORT_SIZE == 432
    assert ctypes.sizeof(_abi.Keyrequest) == _abi.KEYREQUEST_SIZE == 512


def test_sgx_numbers() -> None:
    assert [int(k) for k in _abi.KeyName] == [0, 1, 2, 3, 4]
    assert int(_abi.KeyPolicy.NOISVPRODID) == 4
    assert int(_abi.KeyStatus.INVALID_KEYNAME) == 256
    assert int(_abi.KeyStatus.INVALID_ISVSVN) == 64
