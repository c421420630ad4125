"""The SEH model's ARK and ASK keys for test guests, made on the host once per cache.

The SEH model keeps its two RSA-4096 chain keys beside its root secret
(`vmpl_sgx.seh.model_chain.file_keys`) and generates them in pure Python at its first
quote: about 95 s in a guest under TCG, in every boot of every kernel. The host makes them
here with `cryptography` instead (well under a second) and the guest script puts the file
where the SEH looks for it, so a guest's quotes run the same code with its own root secret
and VCEK, minus that key generation (which the Python tiers run natively).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import List

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.vm.cache import cache_dir, locked

FILE_NAME = "model-chain-keys.json"
GUEST_VARIABLE = "VMPL_SGX_MODEL_KEYS"
"""The guest script's variable naming the file (tests/vm/guest_tests.sh)."""


def rsa4096_fields() -> List[int]:
    """One fresh RSA-4096 key as `rsa_pss.RsaPrivate`'s fields: n, e, d, p, q."""
    numbers = rsa.generate_private_key(public_exponent=65537, key_size=4096).private_numbers()
    public = numbers.public_numbers
    return [public.n, public.e, numbers.d, numbers.p, numbers.q]


def model_keys_file() -> Path:
    """The keys file of this cache (mode 0600), generated on first use."""
    path = cache_dir() / FILE_NAME
    with locked("model-keys"):
        if not path.exists():
            staging = path.with_name(path.name + ".partial")
            text = json.dumps({"ark": rsa4096_fields(), "ask": rsa4096_fields()})
            fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(text)
            staging.rename(path)
    return path
