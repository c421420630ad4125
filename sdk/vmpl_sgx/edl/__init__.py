"""Enclave interfaces in Intel's EDL: parse an .edl file, generate the trusted C bridge and a
typed Python host module (`vmpl-sgx edger8r FILE.edl`, see docs/edl.md).

The generator (model, parser, trusted_c, host_py, command) is standard library only and
imports nothing of the host API; `vmpl_sgx.edl.host` is what generated host modules run on.
"""

from __future__ import annotations

from vmpl_sgx.edl.model import EdlError, Function, Interface, Param
from vmpl_sgx.edl.parser import parse_file

__all__ = ["EdlError", "Function", "Interface", "Param", "parse_file"]
