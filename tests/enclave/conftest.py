"""Fixtures of the enclave tests: the sample images, a signing key, and a simulator whose SEH
runs enclave code with the native executor."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable, Dict, Iterator

import pytest

from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.executor import NativeExecutor
from vmpl_sgx.image import ImageParams
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import SAMPLE_NAMES, build_sample
from vmpl_sgx.seh import SehModel
from vmpl_sgx.simulator import Simulator

LoadApp = Callable[..., EnclaveApp]


def _compiler_present() -> bool:
    return shutil.which("cc") is not None


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    """Every sample, built once."""
    if not _compiler_present():
        pytest.skip("no C compiler (cc) to build the sample enclaves")
    out = tmp_path_factory.mktemp("images")
    return {name: build_sample(name, out / f"{name}.elf") for name in SAMPLE_NAMES}


@pytest.fixture(scope="session")
def key() -> RsaPrivateKey:
    return RsaPrivateKey.generate()


@pytest.fixture(scope="session")
def executor() -> Iterator[NativeExecutor]:
    with NativeExecutor() as native:
        yield native


@pytest.fixture(scope="session")
def simulator(executor: NativeExecutor) -> Simulator:
    return Simulator(SehModel(executor=executor))


@pytest.fixture
def new_enclave(simulator: Simulator) -> Iterator[Callable[[], Enclave]]:
    opened: list[Enclave] = []

    def make() -> Enclave:
        enclave = Enclave(simulator.open())
        opened.append(enclave)
        return enclave

    yield make
    for enclave in opened:
        enclave.close()


@pytest.fixture
def load_app(
    images: Dict[str, Path], key: RsaPrivateKey, new_enclave: Callable[[], Enclave]
) -> LoadApp:
    """load_app(sample, params, **EnclaveApp options): the sample loaded on the simulator."""

    def load(name: str, params: ImageParams | None = None, **options: int) -> EnclaveApp:
        app = EnclaveApp.load(images[name], key, new_enclave(), params)
        if options:
            app = EnclaveApp(app.enclave, app.layout, **options)
        return app

    return load
