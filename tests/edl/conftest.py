"""Fixtures of the EDL tests: interfaces generated into a scratch directory, their enclaves
built with the system C compiler, and a simulator running them with the native executor."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

# The simulator with the native executor, a session key and new_enclave: the same fixtures
# the enclave tests use.
from tests.enclave.conftest import executor, key, new_enclave, simulator  # noqa: F401
from vmpl_sgx.build import build_enclave
from vmpl_sgx.edl.command import generate

DATA = Path(__file__).resolve().parent / "data"


def import_generated(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def kitchen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """kitchen.edl's enclave, built with -Werror: the bridge must compile warning-free."""
    if shutil.which("cc") is None:
        pytest.skip("no C compiler (cc) to build the enclave")
    out = tmp_path_factory.mktemp("kitchen")
    return build_enclave(
        [DATA / "kitchen.c"],
        out / "kitchen.elf",
        include_dirs=[DATA],
        edl=DATA / "kitchen.edl",
        extra_flags=["-Werror"],
    )


@pytest.fixture(scope="session")
def kitchen_module(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("kitchen_py")
    written = generate(DATA / "kitchen.edl", out, untrusted=True, trusted=False)
    return import_generated(written["kitchen_u.py"])
