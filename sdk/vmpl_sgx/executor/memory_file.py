"""An initialized enclave's memory as a shared memory file, for the worker processes to map.

The file is the enclave's memory from the first ENTER on: every worker of the enclave maps
it shared, so threads on different TCSs see each other's writes, and a worker that dies on a
fault takes none of the enclave's state with it.
"""

from __future__ import annotations

import errno
import os
from typing import List

from vmpl_sgx._abi import PageType, SecinfoFlag
from vmpl_sgx.executor import libc
from vmpl_sgx.executor.messages import Mapping
from vmpl_sgx.seh.executor import EnclaveView

_TYPE_SHIFT = 8
_TYPE_MASK = int(SecinfoFlag.PAGE_TYPE_MASK)
_REG = int(PageType.REG)


def page_prot(secinfo_flags: int) -> int:
    """PROT_* bits for a page: REG pages as SECINFO allows, anything else (a TCS) no access."""
    if (secinfo_flags & _TYPE_MASK) >> _TYPE_SHIFT != _REG:
        return libc.PROT_NONE
    prot = libc.PROT_NONE
    if secinfo_flags & SecinfoFlag.R:
        prot |= libc.PROT_READ
    if secinfo_flags & SecinfoFlag.W:
        prot |= libc.PROT_WRITE
    if secinfo_flags & SecinfoFlag.X:
        prot |= libc.PROT_EXEC
    return prot


def _create_memfd(name: str) -> int:
    try:
        return os.memfd_create(name, libc.MFD_CLOEXEC | libc.MFD_EXEC)
    except OSError as error:
        if error.errno != errno.EINVAL:
            raise
    return os.memfd_create(name, libc.MFD_CLOEXEC)


class MemoryFile:
    """The memory file of one enclave and the list of mappings its workers make."""

    def __init__(self, enclave: EnclaveView) -> None:
        self.fd = _create_memfd(f"vmpl-sgx-enclave-{enclave.handle}")
        try:
            os.ftruncate(self.fd, enclave.size)
            self.mappings = self._fill(enclave)
        except BaseException:
            os.close(self.fd)
            raise

    def _fill(self, enclave: EnclaveView) -> List[Mapping]:
        """Copy every page with contents in and merge runs of equal protection into mappings.

        Zero pages are not written: the file reads as zeros where nothing was written, and
        holds no memory there until the enclave writes."""
        mappings: List[Mapping] = []
        run_start, run_length, run_prot = 0, 0, -1
        for offset, length, flags, data in enclave.page_runs():
            prot = page_prot(flags)
            if prot != libc.PROT_NONE and data is not None:
                os.pwrite(self.fd, data, offset)
            if prot == run_prot and offset == run_start + run_length:
                run_length += length
                continue
            if run_length:
                mappings.append(Mapping(run_start, run_length, run_prot))
            run_start, run_length, run_prot = offset, length, prot
        if run_length:
            mappings.append(Mapping(run_start, run_length, run_prot))
        return [mapping for mapping in mappings if mapping.prot != libc.PROT_NONE]

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
