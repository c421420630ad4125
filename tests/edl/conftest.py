"""Fixtures of the EDL tests: interfaces generated into a scratch directory, their enclaves
built with the system C compiler, and a simulator running them with the native executor."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator, List

import pytest

from vmpl_sgx.build import build_enclave
from vmpl_sgx.edl.command import generate
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.executor import NativeExecutor
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.seh import SehModel
from vmpl_sgx.simulator import Simulator

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


@pytest.fixture(scope="session")
def key() -> RsaPrivateKey:
    return RsaPrivateKey.generate()


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    with NativeExecutor() as native:
        yield Simulator(SehModel(executor=native))


@pytest.fixture
def new_enclave(simulator: Simulator) -> Iterator[Callable[[], Enclave]]:
    opened: List[Enclave] = []

    def make() -> Enclave:
        enclave = Enclave(simulator.open())
        opened.append(enclave)
        return enclave

    yield make
    for enclave in opened:
        enclave.close()
