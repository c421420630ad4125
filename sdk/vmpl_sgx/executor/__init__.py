"""Executors: what runs enclave code for the SEH model's ENTER.

`NativeExecutor` runs enclave images on this machine's CPU in worker processes, so enclave
applications can be built, measured, signed, loaded and run without SEV-SNP hardware.
"""

from __future__ import annotations

from vmpl_sgx.executor.native import NativeExecutor

__all__ = ["NativeExecutor"]
