"""The ocalls the in-enclave runtime makes on its own (runtime/include/vmpl_sgx_libc.h):
LOG, a line for Python's logging, and ABORT, the message abort() and assert leave before the
entry ends with #UD. EnclaveApp serves both; an application handler registered for LOG
replaces the logging one."""

from __future__ import annotations

import logging
import struct

from vmpl_sgx._abi import RuntimeOcall

OCALL_LOG = int(RuntimeOcall.LOG)
OCALL_ABORT = int(RuntimeOcall.ABORT)
RUNTIME_OCALLS = (OCALL_LOG, OCALL_ABORT)

enclave_log = logging.getLogger("vmpl_sgx.enclave")
"""Where the lines of vmpl_sgx_log() go."""

_LEVEL = struct.Struct("<I")
_LEVEL_LIMIT = 50  # CRITICAL: a larger number from the enclave is clamped, not trusted


def split_request(request: bytes) -> tuple[int, str]:
    """(level, text) of a LOG or ABORT request: u32 level, then the text (bad UTF-8 replaced).
    A request too short to hold the level reads as level 0 and the bytes as text."""
    if len(request) < _LEVEL.size:
        return 0, request.decode("utf-8", "replace")
    (level,) = _LEVEL.unpack_from(request)
    return level, request[_LEVEL.size:].decode("utf-8", "replace")


def log_line(request: bytes) -> None:
    """Hand a LOG request to the `vmpl_sgx.enclave` logger at the enclave's level."""
    level, text = split_request(request)
    enclave_log.log(max(1, min(level, _LEVEL_LIMIT)), "%s", text)
