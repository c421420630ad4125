"""Reading the header of a blob that enclave code sealed with vmpl_sgx_seal (no decryption).

    blob = parse_sealed_blob(data)
    blob.key_policy, blob.isv_svn, len(blob.aad), len(blob.ciphertext)

Tooling can see what a blob is bound to and whether it is well formed without the key, which
only the enclave that sealed it (or one its policy admits) can get from the SEH. The layout is
the spec's (struct vmpl_sgx_sealed_header, docs/abi.md); the checks are the ones the runtime's
vmpl_sgx_unseal makes before it derives the key.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

from vmpl_sgx._abi import (
    SEALED_AUTHENTICATED_SIZE,
    SEALED_HEADER_SIZE,
    SEALED_MAGIC,
    SEALED_VERSION,
    KeyName,
    KeyPolicy,
    Keyrequest,
    SealedHeader,
)
from vmpl_sgx.errors import BadValueError

_IDENTITY = KeyPolicy.MRENCLAVE | KeyPolicy.MRSIGNER
_DEFINED = 0
for _bit in KeyPolicy:
    _DEFINED |= int(_bit)


class SealedBlobError(BadValueError):
    """The bytes are not a sealed blob this SDK reads; the message names the broken rule."""


@dataclass(frozen=True)
class SealedBlob:
    """A sealed blob's header fields, its additional data and its ciphertext."""

    key_policy: KeyPolicy
    isv_svn: int
    config_svn: int
    cpu_svn: bytes
    attribute_mask: int
    xfrm_mask: int
    misc_mask: int
    key_id: bytes
    iv: bytes
    tag: bytes
    aad: bytes
    """Additional data: authenticated, not encrypted."""
    ciphertext: bytes
    authenticated_header: bytes
    """The header bytes before the tag, which start the GCM additional data."""

    def key_request(self) -> Keyrequest:
        """The KEYREQUEST the sealing enclave derived its key with."""
        request = Keyrequest(
            key_name=int(KeyName.SEAL),
            key_policy=int(self.key_policy),
            isv_svn=self.isv_svn,
            config_svn=self.config_svn,
            attribute_mask=self.attribute_mask,
            xfrm_mask=self.xfrm_mask,
            misc_mask=self.misc_mask,
        )
        ctypes.memmove(request.cpu_svn, self.cpu_svn, len(self.cpu_svn))
        ctypes.memmove(request.key_id, self.key_id, len(self.key_id))
        return request

    @property
    def gcm_additional_data(self) -> bytes:
        """What AES-GCM authenticates beside the ciphertext: the header up to the tag, then
        the additional data."""
        return self.authenticated_header + self.aad


def parse_sealed_blob(data: bytes) -> SealedBlob:
    """Split `data` into header fields, additional data and ciphertext; SealedBlobError when it
    breaks a rule vmpl_sgx_unseal checks before deriving the key (the tag is not checked)."""
    data = bytes(data)
    if len(data) < SEALED_HEADER_SIZE:
        raise SealedBlobError(
            f"a sealed blob starts with a {SEALED_HEADER_SIZE}-byte header; got {len(data)} bytes"
        )
    header = SealedHeader.from_buffer_copy(data[:SEALED_HEADER_SIZE])
    _check(header.magic == SEALED_MAGIC, f"magic is 0x{header.magic:08x}, not 0x{SEALED_MAGIC:08x}")
    _check(header.version == SEALED_VERSION,
           f"version is {header.version}; this SDK reads version {SEALED_VERSION}")
    _check(header.header_size == SEALED_HEADER_SIZE,
           f"header_size is {header.header_size}, not {SEALED_HEADER_SIZE}")
    _check(header.key_name == KeyName.SEAL,
           f"key_name is {header.key_name}, not SEAL ({int(KeyName.SEAL)})")
    _check(header.reserved1 == 0 and header.reserved2 == 0, "reserved header fields are not zero")
    policy = header.key_policy
    _check(bool(policy & _IDENTITY) and not policy & ~_DEFINED,
           f"key_policy 0x{policy:x} must include MRENCLAVE or MRSIGNER and no undefined bits")
    expected = SEALED_HEADER_SIZE + header.aad_size + header.text_size
    _check(len(data) == expected,
           f"the header announces {header.aad_size} bytes of additional data and "
           f"{header.text_size} of ciphertext ({expected} in all); the blob has {len(data)}")
    aad_end = SEALED_HEADER_SIZE + header.aad_size
    return SealedBlob(
        key_policy=KeyPolicy(policy),
        isv_svn=header.isv_svn,
        config_svn=header.config_svn,
        cpu_svn=bytes(header.cpu_svn),
        attribute_mask=header.attribute_mask,
        xfrm_mask=header.xfrm_mask,
        misc_mask=header.misc_mask,
        key_id=bytes(header.key_id),
        iv=bytes(header.iv),
        tag=bytes(header.tag),
        aad=data[SEALED_HEADER_SIZE:aad_end],
        ciphertext=data[aad_end:],
        authenticated_header=data[:SEALED_AUTHENTICATED_SIZE],
    )


def _check(condition: bool, rule: str) -> None:
    if not condition:
        raise SealedBlobError(f"not a sealed blob: {rule}")
