"""RUN.exception_rip: an exception exit of a DEBUG enclave names the faulting instruction,
also when the exit was parked and the same RUN collects it; other enclaves and other exits
say 0 (docs/ioctl-semantics.md, ENCLAVE_RUN step 11)."""

from __future__ import annotations

import errno
from typing import Iterator

import pytest

from tests.conformance import raw
from tests.conformance.conftest import Target, load_regions
from tests.conformance.memory import READ
from vmpl_sgx import _abi
from vmpl_sgx._abi import Attr, Cap, EnclaveRun, Enclu, Exit
from vmpl_sgx.backend import Backend
from vmpl_sgx.layout import Layout, Region, build_secs, pad_to_pages, reg_flags, sample_layout, sign
from vmpl_sgx.rsa import RsaPrivateKey

FAULT_AT = 3
"""Offset of the faulting load in CODE: the entry's first instruction is not the one."""
CODE = bytes.fromhex(
    "909090"  # nop; nop; nop
    "488b042500000000"  # mov rax, [0]: #PF reading 0x0
    "c3"  # ret, never reached
)
CODE_OFFSET = 0x1000
VECTOR_PF = 14
STALE = 0xA5A5_A5A5_A5A5
"""Put in exception_rip on input, which RUN ignores and overwrites."""


def faulting_layout(attributes: int) -> Layout:
    """The sample layout with a code page that faults at CODE_OFFSET + FAULT_AT."""
    sample = sample_layout(attributes=attributes)
    code = Region(CODE_OFFSET, pad_to_pages(CODE), reg_flags("rx"), True, "code")
    regions = tuple(code if r.offset == CODE_OFFSET else r for r in sample.regions)
    return Layout(size=sample.size, base=sample.base, regions=regions, attributes=attributes)


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def faulting(
    target: Target, keep: raw.Keep, key: RsaPrivateKey, debug: bool
) -> Iterator[tuple[Backend, Layout]]:
    """The faulting enclave, initialized on a backend whose SEH runs enclave code."""
    attributes = int(Attr.MODE64BIT | (Attr.DEBUG if debug else 0))
    layout = faulting_layout(attributes)
    executor = None
    opener = target.open
    if target.is_simulator:
        from vmpl_sgx.executor import NativeExecutor  # noqa: PLC0415
        from vmpl_sgx.seh import SehModel  # noqa: PLC0415
        from vmpl_sgx.simulator import Simulator  # noqa: PLC0415

        executor = NativeExecutor()
        opener = Simulator(SehModel(executor=executor)).open
    handle = opener()
    try:
        if not raw.get_info(handle).capabilities & Cap.RUN:
            pytest.skip("this SEH runs no enclave code")
        raw.create(handle, keep, build_secs(layout))
        load_regions(handle, keep, list(layout.regions))
        raw.init(handle, keep, sign(layout, key))
        yield handle, layout
    finally:
        handle.close()
        if executor is not None:
            executor.close()


def run_fields(layout: Layout, keep: raw.Keep) -> dict[str, int]:
    return {
        "tcs": layout.base,
        "function": int(Enclu.EENTER),
        "call_id": 0,
        "output": keep.map(pages=1).address,
        "output_capacity": 64,
        "exception_rip": STALE,
    }


def expected_rip(handle: Backend, layout: Layout, debug: bool) -> int:
    if not debug or not raw.get_info(handle).capabilities & Cap.EXCEPTION_RIP:
        return 0
    return layout.base + CODE_OFFSET + FAULT_AT


def check_fault(done: EnclaveRun, rip: int) -> None:
    assert done.exit_kind == Exit.EXCEPTION
    assert done.function == Enclu.EENTER  # an exception exit leaves function alone
    assert done.exception_vector == VECTOR_PF
    assert done.exception_addr == 0
    assert done.exception_rip == rip


def test_a_fault_exit_carries_the_instruction_of_debug_enclaves_only(
    faulting: tuple[Backend, Layout], keep: raw.Keep, debug: bool
) -> None:
    handle, layout = faulting
    if debug:
        assert raw.get_info(handle).capabilities & Cap.EXCEPTION_RIP
    rip = expected_rip(handle, layout, debug)
    check_fault(raw.run(handle, **run_fields(layout, keep)), rip)
    # Every fault says it again: the field is written back, not left from before.
    check_fault(raw.run(handle, **run_fields(layout, keep)), rip)


def test_a_parked_fault_exit_is_redelivered_with_its_instruction(
    faulting: tuple[Backend, Layout], keep: raw.Keep, debug: bool
) -> None:
    handle, layout = faulting
    run = run_fields(layout, keep)
    # RUN from a read-only argument: the entry faults, writing back its exit fails, it parks.
    arg = keep.map(bytes(EnclaveRun(**run)), prot=READ).address
    assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_RUN, arg)) == errno.EFAULT
    # Another RUN cannot take it; the same RUN receives the same exit, instruction included.
    other = dict(run, call_id=1)
    assert raw.run_errno(handle, **other) == errno.EALREADY
    check_fault(raw.run(handle, **run), expected_rip(handle, layout, debug))
