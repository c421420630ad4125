"""Fixtures shared by the SEH tests."""

from __future__ import annotations

import pytest

from vmpl_sgx.rsa import RsaPrivateKey


@pytest.fixture(scope="session")
def signing_key() -> RsaPrivateKey:
    """One RSA-3072 e=3 key for the whole session: generating one takes a second or so."""
    return RsaPrivateKey.generate()
