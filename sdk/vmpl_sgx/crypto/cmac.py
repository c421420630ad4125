"""AES-CMAC (NIST SP 800-38B, RFC 4493) with AES-128: the MAC of SGX reports and key derivation."""

from __future__ import annotations

import hmac

from vmpl_sgx.crypto.aes import BLOCK_SIZE, Aes128

MAC_SIZE = 16
_RB = 0x87  # the constant R_128 of SP 800-38B, 5.3


def _double(block: int) -> int:
    block <<= 1
    return (block ^ _RB) & ((1 << 128) - 1) if block >> 128 else block


def aes_cmac(key: bytes, message: bytes) -> bytes:
    """The 16-byte AES-128-CMAC of `message` under `key`."""
    cipher = Aes128(key)
    k1 = _double(int.from_bytes(cipher.encrypt_block(bytes(BLOCK_SIZE)), "big"))
    k2 = _double(k1)
    blocks = max(1, -(-len(message) // BLOCK_SIZE))
    last = message[(blocks - 1) * BLOCK_SIZE :]
    if len(last) == BLOCK_SIZE:
        last_value = int.from_bytes(last, "big") ^ k1
    else:
        padded = last + b"\x80" + bytes(BLOCK_SIZE - len(last) - 1)
        last_value = int.from_bytes(padded, "big") ^ k2
    state = 0
    for index in range(blocks - 1):
        chunk = int.from_bytes(message[index * BLOCK_SIZE : (index + 1) * BLOCK_SIZE], "big")
        state = int.from_bytes(cipher.encrypt_block((state ^ chunk).to_bytes(16, "big")), "big")
    return cipher.encrypt_block((state ^ last_value).to_bytes(16, "big"))


def cmac_matches(key: bytes, message: bytes, mac: bytes) -> bool:
    """Whether `mac` is the CMAC of `message`, compared in constant time."""
    return hmac.compare_digest(aes_cmac(key, message), bytes(mac))
