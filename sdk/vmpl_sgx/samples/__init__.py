"""Sample enclaves shipped with the SDK, as C sources built on demand.

- sha256: SHA-256 of the ecall's input, computed inside the enclave.
- ocall: asks the host for records through ocalls and returns a result built from them.
- faults: misbehaves on request (page fault, #UD, #DE, int3, ...) and runs two TCSs at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

from vmpl_sgx.build import build_enclave

SAMPLES_DIR = Path(__file__).resolve().parent
SAMPLE_NAMES = ("sha256", "ocall", "faults")

# Ecall and ocall numbers of the samples, as their enclave.c files define them.
SHA256_DIGEST = 0
SHA256_DOUBLE_DIGEST = 1

OCALL_JOIN = 0
OCALL_CHECKSUM = 1
OCALL_MISSING = 2
OCALL_RELAY = 3
OCALL_ID_GET_RECORD = 1
OCALL_ID_LOG = 2
OCALL_ID_RELAY = 3
OCALL_ID_MISSING = 99

FAULTS_COUNT = 0
FAULTS_NULL_READ = 1
FAULTS_ILLEGAL = 2
FAULTS_DIVIDE = 3
FAULTS_BREAKPOINT = 4
FAULTS_WRITE_CODE = 5
FAULTS_STACK_OVERFLOW = 6
FAULTS_RENDEZVOUS = 7
FAULTS_THREAD_INDEX = 8
FAULTS_SYSTEM_CALL = 9


def sources(name: str) -> List[Path]:
    """The C sources of sample `name`."""
    if name not in SAMPLE_NAMES:
        raise ValueError(f"unknown sample {name!r}: choose one of {', '.join(SAMPLE_NAMES)}")
    return sorted((SAMPLES_DIR / name).glob("*.c"))


def build_sample(name: str, output: str | Path) -> Path:
    """Build sample `name` into the image `output`."""
    return build_enclave(sources(name), output, include_dirs=[SAMPLES_DIR / name])
