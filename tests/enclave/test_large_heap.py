"""Heaps are unmeasured zero pages: added without contents where the backend can, with the
MRENCLAVE of ordinary zero pages either way, and usable by the enclave's allocator."""

from __future__ import annotations

import dataclasses
import errno
from pathlib import Path
from typing import Dict

import pytest

from tests.conformance import raw
from vmpl_sgx._abi import PAGE_SIZE, Cap, PageFlag
from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.executor import NativeExecutor
from vmpl_sgx.image import ImageParams
from vmpl_sgx.layout import Layout, build_secs, mrenclave
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import LIBC_HEAP_LIMITS
from vmpl_sgx.seh import SehModel, model
from vmpl_sgx.seh.enclave import Enclave as SehEnclave
from vmpl_sgx.simulator import Simulator
from vmpl_sgx.simulator.core import SimulatorBackend

from .conftest import LoadApp

HEAP = 256 << 20


def with_heap_as_ordinary_pages(layout: Layout) -> Layout:
    """The same layout with its heap as a region of zero bytes, as loaders added it before."""
    regions = tuple(
        dataclasses.replace(region, data=bytes(region.size), zero_size=0)
        if region.is_zero
        else region
        for region in layout.regions
    )
    return dataclasses.replace(layout, regions=regions)


def seh_enclave_of(simulator: Simulator, app: EnclaveApp) -> SehEnclave:
    seh = simulator.model
    assert seh is not None
    backend = app.enclave.backend
    assert isinstance(backend, SimulatorBackend)
    handle = backend._file.handle  # the SEH's handle, known only to the "module"
    enclave = seh.enclave(handle)
    assert enclave is not None
    return enclave


def test_a_large_heap_is_zero_pages_with_the_measurement_of_ordinary_ones(
    load_app: LoadApp, simulator: Simulator
) -> None:
    app = load_app("libc", ImageParams(heap_size=HEAP))
    heap = [region for region in app.layout.regions if region.name == "heap"]
    assert len(heap) == 1 and heap[0].is_zero and heap[0].data == b""
    assert app.enclave.info().has(Cap.ZERO_PAGES)
    expected = mrenclave(with_heap_as_ordinary_pages(app.layout))
    assert app.enclave.identity.mrenclave == expected == mrenclave(app.layout)
    # The SEH keeps the heap as one run of zero pages, not a buffer per page.
    enclave = seh_enclave_of(simulator, app)
    assert list(enclave.zero.runs()) == [(heap[0].offset, heap[0].end, heap[0].secinfo_flags)]
    assert not any(heap[0].offset <= offset < heap[0].end for offset in enclave.pages)
    # malloc of nearly the whole heap, realloc, calloc: the pages work as memory.
    assert app.ecall(LIBC_HEAP_LIMITS) == b"ok"


def test_without_zero_pages_the_heap_is_staged_with_the_same_measurement(
    images: Dict[str, Path], key: RsaPrivateKey, executor: NativeExecutor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(model, "MODEL_CAPABILITIES", 0)
    simulator = Simulator(SehModel(executor=executor))
    params = ImageParams(heap_size=1 << 20)
    with EnclaveApp.load(images["libc"], key, Enclave(simulator.open()), params) as app:
        assert not app.enclave.info().has(Cap.ZERO_PAGES)
        expected = mrenclave(with_heap_as_ordinary_pages(app.layout))
        assert app.enclave.identity.mrenclave == expected
        enclave = seh_enclave_of(simulator, app)
        assert enclave.zero.page_count == 0  # every heap page came with contents
        assert app.ecall(LIBC_HEAP_LIMITS) == b"ok"
    # Asked for anyway, ZERO pages are refused before any page.
    with raw.kept() as keep, Enclave(simulator.open()) as fresh:
        fresh.create(build_secs(app.layout))
        result = raw.add_pages_raw(
            fresh.backend, src=0, offset=0, length=PAGE_SIZE,
            secinfo=raw.secinfo(keep, raw.REG_RW), flags=int(PageFlag.ZERO),
        )
        assert result == (errno.EOPNOTSUPP, 0)
