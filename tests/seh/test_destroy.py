"""DESTROY: frees an enclave in any state; its handle is never valid again."""

from __future__ import annotations

from vmpl_sgx._abi import PAGE_SIZE, SehResult
from vmpl_sgx.seh import SehModel

from .helpers import Harness, Page, page_of


def test_destroy_frees_the_enclave_and_its_handle_for_good() -> None:
    harness = Harness(SehModel(memory_limit=2 * PAGE_SIZE))
    first, second = harness.created(), harness.created()
    assert harness.add_pages(first, [Page(0, page_of(1)), Page(PAGE_SIZE, page_of(2))])[1] == 2
    assert harness.destroy(first) is SehResult.SUCCESS
    assert harness.model.enclave(first) is None
    assert harness.destroy(first) is SehResult.BAD_HANDLE
    assert harness.add_pages(first, [Page(0, page_of(1))]) == (SehResult.BAD_HANDLE, 0)
    # Its pages went back to the SEH; the other enclave is untouched.
    assert harness.add_pages(second, [Page(0, page_of(3)), Page(PAGE_SIZE, page_of(4))])[1] == 2
    third = harness.created()
    assert third not in (first, second)


def test_destroy_of_an_initialized_enclave() -> None:
    harness = Harness()
    handle = harness.created()
    enclave = harness.model.enclave(handle)
    assert enclave is not None
    enclave.initialize(bytes(32), bytes(32), 0, 0)
    assert harness.destroy(handle) is SehResult.SUCCESS


def test_unknown_handles() -> None:
    harness = Harness()
    for handle in (0, 1, 0xFFFFFFFFFFFFFFFF):
        assert harness.destroy(handle) is SehResult.BAD_HANDLE
