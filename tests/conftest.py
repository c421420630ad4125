"""For every test session: the SEH model's test ARK and ASK keys come from `cryptography`.

The model generates its two RSA-4096 chain keys in pure Python (`model_chain._generate`),
20-40 s once per process, in each interpreter of the matrix. The generator itself is
tested in tests/crypto/test_rsa_pss.py, and the command-line tests' own processes still
run it; here it only costs time.
"""

from __future__ import annotations

import pytest

from tests.vm.model_keys import rsa4096_fields
from vmpl_sgx.crypto import rsa_pss
from vmpl_sgx.seh import model_chain


def _fast_root_keys() -> model_chain.RootKeys:
    return model_chain.RootKeys(
        rsa_pss.RsaPrivate(*rsa4096_fields()), rsa_pss.RsaPrivate(*rsa4096_fields())
    )


def pytest_configure(config: pytest.Config) -> None:
    model_chain._generate = _fast_root_keys
