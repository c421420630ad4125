"""`Enclave`: the lifecycle, the loader loop on partial counts, and sharper error classes."""

from __future__ import annotations

import errno
import hashlib
import os
import warnings
from typing import Callable, List, Tuple

import pytest

from vmpl_sgx import _abi, enclave
from vmpl_sgx._abi import PAGE_SIZE, EnclaveAddPages, EnclaveRun, Enclu, Exit
from vmpl_sgx.enclave import Enclave, EnclaveState
from vmpl_sgx.errors import (
    ADD_PAGES,
    BadAddressError,
    BusyError,
    EnclaveStateError,
    InvalidArgumentError,
    NoImageError,
    NotOwnerError,
    PageExistsError,
    SehFailureError,
    VmplSgxError,
    error_for,
)
from vmpl_sgx.layout import Layout, build_secs, load, mrenclave, reg_flags, sample_layout, sign
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.simulator import Simulator

RW = reg_flags("rw")


@pytest.fixture(scope="module")
def layout() -> Layout:
    return sample_layout()


@pytest.fixture(scope="module")
def sigstruct(layout: Layout, rsa_key: RsaPrivateKey) -> bytes:
    return sign(layout, rsa_key)


@pytest.fixture
def fresh() -> Enclave:
    return Enclave(Simulator().open())


def state_of(handle: Enclave) -> EnclaveState:
    """The state, read afresh: mypy would narrow a repeated `handle.state` to one member."""
    return handle.state


# ---- on the simulator


def test_lifecycle(fresh: Enclave, layout: Layout, sigstruct: bytes) -> None:
    with fresh as handle:
        assert handle.backend_name == "simulator"
        assert state_of(handle) is EnclaveState.NEW
        assert handle.info().transport_name == "simulator"
        handle.create(build_secs(layout))
        assert (handle.base, handle.size) == (layout.base, layout.size)
        assert state_of(handle) is EnclaveState.CREATED
        for region in layout.regions:
            added = handle.add_pages(
                region.offset, region.data, region.secinfo_flags, region.measured
            )
            assert added == region.size
        handle.init(sigstruct)
        assert state_of(handle) is EnclaveState.INITIALIZED
        with pytest.raises(NoImageError) as caught:
            handle.run(handle.tcs_address(0), call_id=1, input=b"hi", output_capacity=32)
        assert caught.value.errno == errno.ENOEXEC
    assert state_of(fresh) is EnclaveState.CLOSED
    assert "closed" in repr(fresh)


def test_open_by_name() -> None:
    with Enclave.open("simulator") as handle:
        assert handle.backend.name == "simulator"


def test_wrong_state_is_enclave_state_error_with_the_same_errno(
    fresh: Enclave, layout: Layout, sigstruct: bytes
) -> None:
    with pytest.raises(EnclaveStateError) as caught:
        fresh.add_pages(0, bytes(PAGE_SIZE), RW)
    assert caught.value.errno == errno.EINVAL
    assert "created" in str(caught.value)
    with pytest.raises(EnclaveStateError):
        fresh.init(sigstruct)
    with pytest.raises(EnclaveStateError):
        fresh.run(layout.base)
    fresh.create(build_secs(layout))
    with pytest.raises(EnclaveStateError):
        fresh.create(build_secs(layout))


def test_other_einval_stays_invalid_argument(fresh: Enclave, layout: Layout) -> None:
    fresh.create(build_secs(layout))
    with pytest.raises(InvalidArgumentError) as caught:
        fresh.add_pages(0x1008, bytes(PAGE_SIZE), RW)
    assert type(caught.value) is InvalidArgumentError


def test_data_that_is_not_whole_pages_is_the_modules_einval(
    fresh: Enclave, layout: Layout
) -> None:
    fresh.create(build_secs(layout))
    for data in (b"", b"x" * 100, bytes(PAGE_SIZE + 1)):
        with pytest.raises(InvalidArgumentError) as caught:
            fresh.add_pages(0x1000, data, RW)
        assert caught.value.count == 0


def test_duplicate_page_is_page_exists_with_the_count(fresh: Enclave, layout: Layout) -> None:
    fresh.create(build_secs(layout))
    fresh.add_pages(0x3000, bytes(PAGE_SIZE), RW)
    with pytest.raises(PageExistsError) as caught:
        fresh.add_pages(0x1000, bytes(4 * PAGE_SIZE), RW)
    assert caught.value.errno == errno.EBUSY
    assert caught.value.count == 2 * PAGE_SIZE
    assert "0x3000" in str(caught.value)


def test_large_data_goes_in_chunks_with_progress(
    fresh: Enclave, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(enclave, "CHUNK_BYTES", 3 * PAGE_SIZE)
    big = Layout(size=0x100000, base=0x100000, regions=())
    fresh.create(build_secs(big))
    seen: List[Tuple[int, int]] = []
    data = bytes(range(256)) * (10 * PAGE_SIZE // 256)
    added = fresh.add_pages(0, data, RW, progress=lambda done, total: seen.append((done, total)))
    assert added == 10 * PAGE_SIZE
    assert seen == [(n * PAGE_SIZE, 10 * PAGE_SIZE) for n in (3, 6, 9, 10)]


def test_add_pages_error_count_covers_earlier_chunks(
    fresh: Enclave, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(enclave, "CHUNK_BYTES", 2 * PAGE_SIZE)
    big = Layout(size=0x100000, base=0x100000, regions=())
    fresh.create(build_secs(big))
    fresh.add_pages(5 * PAGE_SIZE, bytes(PAGE_SIZE), RW)
    with pytest.raises(PageExistsError) as caught:
        fresh.add_pages(0, bytes(8 * PAGE_SIZE), RW)
    assert caught.value.count == 5 * PAGE_SIZE


def test_load_and_reload_with_layout(layout: Layout, sigstruct: bytes) -> None:
    with Enclave(Simulator().open()) as handle:
        load(handle, layout, sigstruct)
        assert handle.state is EnclaveState.INITIALIZED


def test_wrong_sizes_are_value_errors(fresh: Enclave) -> None:
    with pytest.raises(ValueError):
        fresh.create(b"short")
    with pytest.raises(ValueError):
        fresh.init(b"short")


def test_child_gets_not_owner_even_from_init(layout: Layout) -> None:
    handle = Enclave(Simulator().open())
    handle.create(build_secs(layout))
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        status = 1
        try:
            names = []
            for call in (
                lambda: handle.init(bytes(_abi.SIGSTRUCT_SIZE)),
                lambda: handle.add_pages(0x1000, bytes(PAGE_SIZE), RW),
            ):
                try:
                    call()
                except VmplSgxError as error:
                    names.append(f"{type(error).__name__}:{error.errno}")
            os.write(write_end, ",".join(names).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        seen = pipe.read().decode()
    os.waitpid(pid, 0)
    assert seen == f"NotOwnerError:{errno.EPERM},NotOwnerError:{errno.EPERM}"
    handle.close()


# ---- on a scripted backend: what the module may do that the simulator never does


class ScriptedBackend:
    """Answers ADD_PAGES and RUN with scripted behaviour; everything else succeeds."""

    name = "scripted"

    def __init__(self) -> None:
        self.closed = False
        self.add_calls: List[Tuple[int, int]] = []
        self.add_script: List[Callable[[EnclaveAddPages], None]] = []
        self.run_answer: Callable[[EnclaveRun], None] = lambda run: None

    def ioctl(self, cmd: int, arg: bytearray | int) -> int:
        assert isinstance(arg, bytearray)
        if cmd == _abi.IOC_ENCLAVE_ADD_PAGES:
            add = EnclaveAddPages.from_buffer(arg)
            self.add_calls.append((add.offset, add.length))
            step = self.add_script.pop(0) if self.add_script else _all_of_it
            step(add)
        elif cmd == _abi.IOC_ENCLAVE_RUN:
            self.run_answer(EnclaveRun.from_buffer(arg))
        return 0

    def close(self) -> None:
        self.closed = True


def _all_of_it(add: EnclaveAddPages) -> None:
    add.count = add.length


def _partial(pages: int) -> Callable[[EnclaveAddPages], None]:
    def step(add: EnclaveAddPages) -> None:
        add.count = pages * PAGE_SIZE

    return step


def _fail(number: int, count: int | None) -> Callable[[EnclaveAddPages], None]:
    def step(add: EnclaveAddPages) -> None:
        if count is not None:
            add.count = count
        raise error_for(number, ADD_PAGES)

    return step


@pytest.fixture
def scripted() -> Tuple[Enclave, ScriptedBackend]:
    backend = ScriptedBackend()
    return Enclave(backend), backend


def test_partial_counts_continue_where_they_stopped(
    scripted: Tuple[Enclave, ScriptedBackend],
) -> None:
    handle, backend = scripted
    backend.add_script = [_partial(1), _partial(2)]
    assert handle.add_pages(0x10000, bytes(5 * PAGE_SIZE), RW) == 5 * PAGE_SIZE
    assert backend.add_calls == [
        (0x10000, 5 * PAGE_SIZE),
        (0x11000, 4 * PAGE_SIZE),
        (0x13000, 2 * PAGE_SIZE),
    ]


def test_interrupted_before_the_first_page_is_restarted(
    scripted: Tuple[Enclave, ScriptedBackend],
) -> None:
    handle, backend = scripted
    backend.add_script = [_fail(errno.EINTR, 0), _partial(1), _fail(errno.EINTR, 0)]
    assert handle.add_pages(0, bytes(3 * PAGE_SIZE), RW) == 3 * PAGE_SIZE
    assert [offset for offset, _ in backend.add_calls] == [0, 0, 0x1000, 0x1000]


def test_ebusy_without_count_is_the_lock_and_never_retried(
    scripted: Tuple[Enclave, ScriptedBackend],
) -> None:
    handle, backend = scripted
    backend.add_script = [_fail(errno.EBUSY, None)]
    with pytest.raises(BusyError) as caught:
        handle.add_pages(0, bytes(PAGE_SIZE), RW)
    assert type(caught.value) is BusyError
    assert caught.value.count == 0
    assert len(backend.add_calls) == 1


def test_ebusy_with_count_zero_is_a_duplicate_not_a_loop(
    scripted: Tuple[Enclave, ScriptedBackend],
) -> None:
    handle, backend = scripted
    backend.add_script = [_partial(1), _fail(errno.EBUSY, 0)]
    with pytest.raises(PageExistsError) as caught:
        handle.add_pages(0, bytes(3 * PAGE_SIZE), RW)
    assert caught.value.count == PAGE_SIZE
    assert len(backend.add_calls) == 2


def test_success_without_progress_ends(scripted: Tuple[Enclave, ScriptedBackend]) -> None:
    handle, backend = scripted
    backend.add_script = [_partial(0)] * 10
    with pytest.raises(SehFailureError):
        handle.add_pages(0, bytes(PAGE_SIZE), RW)
    assert len(backend.add_calls) == 3


def test_efault_reports_the_count(scripted: Tuple[Enclave, ScriptedBackend]) -> None:
    handle, backend = scripted
    backend.add_script = [_fail(errno.EFAULT, 2 * PAGE_SIZE)]
    with pytest.raises(BadAddressError) as caught:
        handle.add_pages(0, bytes(4 * PAGE_SIZE), RW)
    assert caught.value.count == 2 * PAGE_SIZE


def test_run_result_of_a_normal_exit(scripted: Tuple[Enclave, ScriptedBackend]) -> None:
    handle, backend = scripted

    def answer(run: EnclaveRun) -> None:
        assert run.input_len == 3 and run.output_capacity == 16 and run.call_id == 7
        run.function = Enclu.EEXIT
        run.exit_kind = Exit.NORMAL
        run.retval = 42
        run.output_len = 0

    backend.run_answer = answer
    result = handle.run(0x7000, call_id=7, input=b"abc", output_capacity=16)
    assert result.exit_kind == Exit.NORMAL
    assert (result.retval, result.ocall_id, result.exception) == (42, None, None)
    assert result.function == Enclu.EEXIT
    assert not result.is_ocall


def test_run_result_of_an_ocall_and_an_exception(
    scripted: Tuple[Enclave, ScriptedBackend],
) -> None:
    handle, backend = scripted

    def ocall(run: EnclaveRun) -> None:
        run.exit_kind, run.call_id, run.output_len = Exit.OCALL, 9, 0

    backend.run_answer = ocall
    result = handle.run(0x7000)
    assert result.is_ocall and result.ocall_id == 9 and result.output == b""

    def fault(run: EnclaveRun) -> None:
        run.exit_kind = Exit.EXCEPTION
        run.exception_vector, run.exception_error_code, run.exception_addr = 14, 6, 0x7123

    backend.run_answer = fault
    result = handle.run(0x7000)
    assert result.exception is not None
    assert (result.exception.vector, result.exception.error_code) == (14, 6)
    assert result.exception.address == 0x7123


def test_interrupted_run_is_issued_again(scripted: Tuple[Enclave, ScriptedBackend]) -> None:
    handle, backend = scripted
    attempts: List[int] = []

    def answer(run: EnclaveRun) -> None:
        attempts.append(run.tcs)
        if len(attempts) < 3:
            raise error_for(errno.EINTR, "ENCLAVE_RUN")
        run.exit_kind, run.retval = Exit.NORMAL, 5

    backend.run_answer = answer
    assert handle.run(0x7000).retval == 5
    assert attempts == [0x7000] * 3


def test_not_owner_is_sharpened_when_the_pid_changed(
    scripted: Tuple[Enclave, ScriptedBackend], monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, backend = scripted
    backend.add_script = [_fail(errno.EPERM, None)]
    real = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: real + 1)
    with pytest.raises(NotOwnerError) as caught:
        handle.add_pages(0, bytes(PAGE_SIZE), RW)
    assert str(real) in str(caught.value)


def test_identity_after_init(fresh: Enclave, layout: Layout, rsa_key: RsaPrivateKey) -> None:
    signed = sign(layout, rsa_key, isvprodid=0x1234, isvsvn=7)
    with fresh as handle:
        with pytest.raises(EnclaveStateError, match="no identity until ENCLAVE_INIT"):
            handle.identity  # noqa: B018 - the property raises
        load(handle, layout, signed)
        identity = handle.identity
    modulus = rsa_key.numbers.modulus.to_bytes(384, "little")
    assert identity.mrenclave == mrenclave(layout)
    assert identity.mrsigner == hashlib.sha256(modulus).digest()
    assert identity.attributes == layout.attributes | _abi.Attr.INIT
    assert (identity.xfrm, identity.miscselect) == (layout.xfrm, layout.miscselect)
    assert (identity.isv_prod_id, identity.isv_svn) == (0x1234, 7)
    assert identity.debug == bool(layout.attributes & _abi.Attr.DEBUG)


def test_identity_equals_the_seh_record(layout: Layout, rsa_key: RsaPrivateKey) -> None:
    simulator = Simulator()
    with Enclave(simulator.open()) as handle:
        load(handle, layout, sign(layout, rsa_key))
        model = simulator.model
        assert model is not None
        (record,) = model._enclaves.values()  # the SEH's own enclave, after EINIT
        identity = handle.identity
        assert (identity.mrenclave, identity.mrsigner) == (record.mrenclave, record.mrsigner)
        assert (identity.xfrm, identity.miscselect) == (record.xfrm, record.miscselect)
        assert identity.attributes == record.attributes
