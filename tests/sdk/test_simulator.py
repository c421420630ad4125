"""What the simulator does beyond the conformance suite: its own knobs, hooks and plumbing."""

from __future__ import annotations

import ctypes
import errno
import os
import threading
from typing import Iterator, Tuple

import pytest

from tests.conformance import raw
from vmpl_sgx import _abi
from vmpl_sgx._abi import PAGE_SIZE, Info, SehCall, SehResult
from vmpl_sgx.errors import ClosedError, EnclaveStateError, InitRejectedError, NotOwnerError
from vmpl_sgx.layout import build_secs, sample_layout
from vmpl_sgx.seh import GuestMemory, SehModel
from vmpl_sgx.simulator import Simulator, SimulatorBackend, default_simulator
from vmpl_sgx.simulator.enclave_file import EnclaveFile
from vmpl_sgx.simulator.hooks import Hooks
from vmpl_sgx.simulator.ioctls import Call, write_extensible
from vmpl_sgx.simulator.seh_link import result_errno, result_text

SECS = build_secs(sample_layout())


@pytest.fixture
def keep() -> Iterator[raw.Keep]:
    with raw.kept() as mappings:
        yield mappings


def created(simulator: Simulator, keep: raw.Keep) -> SimulatorBackend:
    handle = simulator.open()
    raw.create(handle, keep, SECS)
    return handle


def test_default_simulator_is_shared() -> None:
    assert default_simulator() is default_simulator()


def test_reports_its_limits_and_transport() -> None:
    model = SehModel(max_pages_per_call=50, max_run_buffer=8192)
    info = raw.get_info(Simulator(model, max_pages_per_call=60).open())
    assert info.transport == _abi.Transport.SIMULATOR
    assert info.max_pages_per_call == 50  # the smaller of the SEH's and its own
    assert info.max_run_buffer == 8192
    assert raw.get_info(Simulator(max_pages_per_call=3).open()).max_pages_per_call == 3


def test_rejects_impossible_limits() -> None:
    with pytest.raises(ValueError):
        Simulator(max_pages_per_call=0)
    with pytest.raises(ValueError):
        Simulator(max_pages_per_call=129)


def test_batches_pages_like_the_module(keep: raw.Keep) -> None:
    model = SehModel()
    simulator = Simulator(model, max_pages_per_call=2)
    handle = created(simulator, keep)
    model.stats.reset()
    assert raw.add_data(handle, keep, 0x1000, bytes(5 * PAGE_SIZE)) == (0, 5 * PAGE_SIZE)
    assert model.stats.calls["add_pages"] == 3
    assert model.stats.pages_added == 5


def test_duplicate_in_a_later_batch_counts_the_batches_before(keep: raw.Keep) -> None:
    handle = created(Simulator(max_pages_per_call=2), keep)
    assert raw.add_data(handle, keep, 0x5000, bytes(PAGE_SIZE)) == (0, PAGE_SIZE)
    result = raw.add_data(handle, keep, 0x1000, bytes(6 * PAGE_SIZE))
    assert result == (errno.EBUSY, 4 * PAGE_SIZE)


def test_close_destroys_the_enclave_in_the_seh(keep: raw.Keep) -> None:
    model = SehModel()
    handle = created(Simulator(model), keep)
    assert model.stats.calls["destroy"] == 0
    handle.close()
    handle.close()
    assert model.stats.calls["destroy"] == 1
    assert handle.closed
    with pytest.raises(ClosedError) as caught:
        handle.ioctl(_abi.IOC_GET_INFO, bytearray(64))
    assert caught.value.errno == errno.EBADF


def test_closing_a_new_file_destroys_nothing() -> None:
    model = SehModel()
    Simulator(model).open().close()
    assert model.stats.calls["destroy"] == 0


def test_errors_name_the_exact_constraint(keep: raw.Keep) -> None:
    handle = created(Simulator(), keep)
    with pytest.raises(EnclaveStateError) as caught:
        raw.create(handle, keep, SECS)
    assert caught.value.constraint == "the enclave was already created"
    assert caught.value.causes == ()
    source = keep.map(bytes(PAGE_SIZE))
    with pytest.raises(Exception) as bad:
        handle.ioctl(
            _abi.IOC_ENCLAVE_ADD_PAGES,
            bytearray(_abi.EnclaveAddPages(src=source.address, offset=0x1008, length=PAGE_SIZE)),
        )
    assert "offset 0x1008 is not page-aligned" in str(bad.value)


def test_init_rejection_says_why(keep: raw.Keep) -> None:
    handle = created(Simulator(), keep)
    with pytest.raises(InitRejectedError) as caught:
        raw.init(handle, keep, bytes(_abi.SIGSTRUCT_SIZE))
    assert "SEH result invalid-" in str(caught.value)


def test_short_argument_buffer_gets_what_fits() -> None:
    handle = Simulator().open()
    short = bytearray(8)
    handle.ioctl(_abi.IOC_GET_INFO, short)
    assert int.from_bytes(short[:4], "little") == ctypes.sizeof(Info)


def test_owner_check_raises_not_owner(keep: raw.Keep, monkeypatch: pytest.MonkeyPatch) -> None:
    handle = created(Simulator(), keep)
    real = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: real + 1)
    with pytest.raises(NotOwnerError):
        handle.ioctl(_abi.IOC_ENCLAVE_INIT, 0)


class ScriptedModel(SehModel):
    """An SEH that answers some calls with a result of our choosing."""

    def __init__(self, call: SehCall, results: list[int], **options: int) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.scripted_call = call
        self.results = results
        self.answered = 0

    def call(
        self, rax: int, rcx: int, caa: bytearray | memoryview, memory: GuestMemory
    ) -> Tuple[int, int]:
        if rax & 0xFFFFFFFF == self.scripted_call and self.results:
            self.answered += 1
            return self.results.pop(0), 0
        return super().call(rax, rcx, caa, memory)


def test_busy_and_incomplete_are_retried(keep: raw.Keep) -> None:
    model = ScriptedModel(SehCall.CREATE, [SehResult.BUSY, SehResult.INCOMPLETE])
    created(Simulator(model), keep)
    assert model.answered == 2


def test_retries_are_bounded(keep: raw.Keep) -> None:
    model = ScriptedModel(SehCall.CREATE, [SehResult.BUSY] * 20)
    handle = Simulator(model, retries=3).open()
    assert raw.errno_of(lambda: raw.create(handle, keep, SECS)) == errno.EBUSY
    assert model.answered == 4


def test_generic_refusal_of_add_pages_adds_nothing(keep: raw.Keep) -> None:
    model = ScriptedModel(SehCall.ADD_PAGES, [SehResult.INVALID_FORMAT])
    handle = created(Simulator(model), keep)
    assert raw.add_data(handle, keep, 0x1000, bytes(PAGE_SIZE)) == (errno.EINVAL, 0)


def test_malformed_answer_breaks_the_enclave(keep: raw.Keep) -> None:
    # SUCCESS with an empty response: the module cannot know what happened.
    model = ScriptedModel(SehCall.ADD_PAGES, [SehResult.SUCCESS])
    handle = created(Simulator(model), keep)
    assert raw.add_data(handle, keep, 0x1000, bytes(PAGE_SIZE)) == (errno.EIO, 0)
    assert raw.add_data(handle, keep, 0x1000, bytes(PAGE_SIZE)) == (errno.EIO, raw.UNTOUCHED)


def test_query_failure_makes_calls_fail_with_eio(keep: raw.Keep) -> None:
    model = ScriptedModel(SehCall.QUERY, [SehResult.UNSUPPORTED_CALL])
    simulator = Simulator(model)
    handle = simulator.open()
    assert raw.errno_of(lambda: raw.create(handle, keep, SECS)) == errno.EIO
    info = raw.get_info(handle)  # falls back to the module's defaults
    assert info.max_enclave_size == 0 and info.capabilities == 0


def test_result_mapping() -> None:
    assert result_errno(SehResult.PAGE_EXISTS) == errno.EBUSY
    assert result_errno(0x80001234) == errno.EIO
    assert "unknown result" in result_text(0x80001234)
    assert "no-image" in result_text(SehResult.NO_IMAGE)


def test_hold_stops_a_call_until_released(keep: raw.Keep) -> None:
    handle = created(Simulator(), keep)
    with handle.hold("ENCLAVE_INIT") as hold:
        worker = threading.Thread(
            target=lambda: raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_INIT, 0))
        )
        worker.start()
        assert hold.wait_entered()
        assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, 0)) == errno.EBUSY
    worker.join()
    assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, 0)) == errno.EFAULT


@pytest.mark.parametrize("caller", [64, 72, 96, 128])
def test_extensible_copy_out_from_a_newer_module(caller: int) -> None:
    """Both directions of the extensible rule with a module struct larger than today's: an
    older caller gets its prefix, a newer one the module's fields and zeros after them."""
    module_struct = bytes(range(1, 97))  # a "newer" 96-byte struct
    buffer = bytearray(b"\xff" * 160)
    call = Call("GET_INFO", Simulator(), EnclaveFile(), Hooks(), buffer)
    call.size = caller
    write_extensible(call, module_struct)
    common = min(caller, len(module_struct))
    assert bytes(buffer[:common]) == module_struct[:common]
    assert bytes(buffer[common:caller]) == bytes(caller - common)
    assert bytes(buffer[caller:]) == b"\xff" * (160 - caller)
