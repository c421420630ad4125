"""The QUOTE call on the wire: request form, handle and state, pages, and BUSY while the
test chain is still being generated. Sizes, MAC and results end to end are in
tests/conformance/test_quote.py (simulator and module)."""

from __future__ import annotations

import threading

import pytest

from vmpl_sgx._abi import Attr, SehCall, SehQuoteReq, SehResult
from vmpl_sgx.seh import SehError, model_chain
from vmpl_sgx.seh.identity import EnclaveIdentity
from vmpl_sgx.seh.quoting import QuoteSizes
from vmpl_sgx.seh.trust import SehTrust

from .helpers import Harness

ENCLAVE = EnclaveIdentity(b"E" * 32, b"S" * 32, int(Attr.INIT | Attr.MODE64BIT), 3, 0, 1, 2)


def quote(harness: Harness, handle: int, **fields: int) -> SehResult:
    request = SehQuoteReq(handle=handle, **fields)
    return harness.call(SehCall.QUOTE, request).result


def test_unknown_handle_and_uninitialized_enclave() -> None:
    harness = Harness()
    assert quote(harness, 99) is SehResult.BAD_HANDLE
    assert quote(harness, harness.created()) is SehResult.BAD_STATE


def test_unused_page_entries_must_be_zero() -> None:
    harness = Harness()
    request = SehQuoteReq(handle=harness.created(), manifest_capacity=4096)
    request.manifest_gpa[1] = 0x5000
    assert harness.call(SehCall.QUOTE, request).result is SehResult.INVALID_FORMAT


def test_a_capacity_beyond_the_pages_is_invalid_parameter() -> None:
    harness = Harness()
    result = quote(harness, harness.created(), certificates_capacity=4 * 4096 + 1)
    assert result is SehResult.INVALID_PARAMETER


def test_quote_is_busy_while_the_chain_is_generated(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    usual_keys = model_chain.process_keys

    def slow_keys() -> model_chain.RootKeys:
        release.wait(30)
        return usual_keys()

    monkeypatch.setattr(model_chain, "process_keys", slow_keys)
    trust = SehTrust()
    report = bytes(trust.ereport(ENCLAVE, trust.quoting_targetinfo(), bytes(64)))
    trust.chain_in_background()
    try:
        for _ in range(2):  # the first starts the generation, the second finds it running
            with pytest.raises(SehError) as caught:
                trust.quote(report, bytes(64), QuoteSizes(0, 0, 0))
            assert caught.value.result is SehResult.BUSY
        # EREPORT and EGETKEY (enclaves running meanwhile) do not wait for the chain.
        assert trust.ereport(ENCLAVE, trust.quoting_targetinfo(), bytes(64)).body.isv_svn == 2
    finally:
        release.set()
