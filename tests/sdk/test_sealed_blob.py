"""vmpl_sgx.sealed_blob reads the header vmpl_sgx_seal writes and names each broken rule."""

from __future__ import annotations

import ctypes

import pytest

from vmpl_sgx._abi import (
    SEAL_ATTRIBUTE_MASK,
    SEALED_HEADER_SIZE,
    SEALED_MAGIC,
    SEALED_VERSION,
    KeyName,
    KeyPolicy,
    SealedHeader,
)
from vmpl_sgx.errors import VmplSgxError
from vmpl_sgx.sealed_blob import SealedBlobError, parse_sealed_blob


def header(**fields: int) -> SealedHeader:
    made = SealedHeader(
        magic=SEALED_MAGIC,
        version=SEALED_VERSION,
        header_size=SEALED_HEADER_SIZE,
        key_name=int(KeyName.SEAL),
        key_policy=int(KeyPolicy.MRSIGNER),
        isv_svn=7,
        config_svn=2,
        attribute_mask=SEAL_ATTRIBUTE_MASK,
        aad_size=3,
        text_size=5,
    )
    ctypes.memmove(made.key_id, bytes(range(32)), 32)
    ctypes.memmove(made.iv, bytes(range(100, 112)), 12)
    ctypes.memmove(made.tag, b"T" * 16, 16)
    for name, value in fields.items():
        setattr(made, name, value)
    return made


def test_fields_additional_data_and_ciphertext_come_apart() -> None:
    data = bytes(header()) + b"aad" + b"ciphr"
    blob = parse_sealed_blob(data)
    assert (blob.key_policy, blob.isv_svn, blob.config_svn) == (KeyPolicy.MRSIGNER, 7, 2)
    assert (blob.aad, blob.ciphertext, blob.tag) == (b"aad", b"ciphr", b"T" * 16)
    assert blob.gcm_additional_data == data[:112] + b"aad"
    request = blob.key_request()
    assert (request.key_name, request.key_policy, request.isv_svn) == (KeyName.SEAL, 2, 7)
    assert bytes(request.key_id) == bytes(range(32))
    assert request.attribute_mask == SEAL_ATTRIBUTE_MASK


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"magic": 0x4C414554}, "magic"),
        ({"version": 2}, "version"),
        ({"header_size": 112}, "header_size"),
        ({"key_name": int(KeyName.REPORT)}, "key_name"),
        ({"reserved1": 1}, "reserved"),
        ({"reserved2": 1}, "reserved"),
        ({"key_policy": int(KeyPolicy.NOISVPRODID)}, "MRENCLAVE or MRSIGNER"),
        ({"key_policy": 0x41}, "undefined bits"),
        ({"text_size": 6}, "the blob has 136"),
    ],
)
def test_each_broken_rule_is_named(fields: dict[str, int], rule: str) -> None:
    with pytest.raises(SealedBlobError, match=rule) as raised:
        parse_sealed_blob(bytes(header(**fields)) + b"aad" + b"ciphr")
    assert isinstance(raised.value, VmplSgxError)


def test_a_blob_shorter_than_its_header_is_refused() -> None:
    with pytest.raises(SealedBlobError, match="128-byte header; got 127"):
        parse_sealed_blob(bytes(header())[:127])
