"""Fixtures shared by the SDK tests."""

from __future__ import annotations

import pytest

from vmpl_sgx.rsa import RsaPrivateKey


@pytest.fixture(scope="session")
def rsa_key() -> RsaPrivateKey:
    """One generated RSA-3072 e=3 key for the session: generation takes seconds."""
    return RsaPrivateKey.generate()
