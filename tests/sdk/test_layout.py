"""Layouts: validation, SECS, MRENCLAVE (known vectors and the SEH's own), signing, loading."""

from __future__ import annotations

import dataclasses
from typing import List, Tuple

import pytest

from vmpl_sgx._abi import PAGE_SIZE, Attr, EnclaveThreadData, Secs, Tcs
from vmpl_sgx.enclave import Enclave, EnclaveState
from vmpl_sgx.layout import (
    SECINFO_TCS,
    Layout,
    Region,
    build_secs,
    load,
    mrenclave,
    pad_to_pages,
    reg_flags,
    sample_layout,
    sign,
    sigstruct_params,
    tcs_page,
)
from vmpl_sgx.measure import Measurement
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.sigstruct import read_params, verify_sigstruct
from vmpl_sgx.simulator import Simulator

# Vectors from the SGX reference notes (computed independently with OpenSSL).
V2 = "717cfd67bb7996da4e9e8609989b184fb6c832fd8f0e86c012bdfbab8796e286"
V3 = "e253c00aa1d7c21cb976f448155257aafb9c119ab570cafbe4198d42754e82c9"


def vector_layout(measure_second: bool) -> Layout:
    return Layout(
        size=0x2000,
        base=0,
        regions=(
            Region(0, bytes(PAGE_SIZE), 0x100),
            Region(0x1000, b"A" * PAGE_SIZE, 0x203, measure_second),
        ),
    )


def test_known_vectors() -> None:
    assert mrenclave(vector_layout(True)).hex() == V2
    assert mrenclave(vector_layout(False)).hex() == V3


def test_mrenclave_matches_operation_by_operation(layout_sample: Layout) -> None:
    reference = Measurement()
    reference.ecreate(layout_sample.ssa_frame_size, layout_sample.size)
    for region in layout_sample.regions:
        for page in range(0, region.size, PAGE_SIZE):
            reference.eadd(region.offset + page, region.secinfo_flags)
            if region.measured:
                reference.eextend_page(region.offset + page, region.data[page : page + PAGE_SIZE])
    assert mrenclave(layout_sample) == reference.digest()


@pytest.fixture(scope="module")
def layout_sample() -> Layout:
    return sample_layout()


def test_sample_layout(layout_sample: Layout) -> None:
    assert layout_sample.tcs_offsets == (0,)
    assert layout_sample.page_count == 7
    assert layout_sample.attributes == int(Attr.MODE64BIT | Attr.DEBUG)
    tcs = Tcs.from_buffer_copy(layout_sample.regions[0].data)
    assert (tcs.oentry, tcs.ossa, tcs.nssa, tcs.ofsbase) == (0x1000, 0x4000, 1, 0x3000)
    thread = EnclaveThreadData.from_buffer_copy(layout_sample.regions[3].data)
    assert thread.self_offset == 0x3000 and thread.stack_top_offset == 0x7000
    assert [region.measured for region in layout_sample.regions][-1] is False
    assert next(iter(layout_sample.pages())) == (0, SECINFO_TCS, True)


def test_build_secs(layout_sample: Layout) -> None:
    secs = Secs.from_buffer_copy(build_secs(layout_sample))
    assert (secs.size, secs.base, secs.ssa_frame_size) == (0x10000, layout_sample.base, 1)
    assert (secs.attributes, secs.xfrm, secs.miscselect) == (int(Attr.MODE64BIT | Attr.DEBUG), 3, 0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"size": 0x3000}, "power of two"),
        ({"size": PAGE_SIZE}, "power of two"),
        ({"base": 0x1000}, "aligned"),
        ({"regions": (Region(0x800, bytes(PAGE_SIZE), 0x203),)}, "whole pages"),
        ({"regions": (Region(0, b"x", 0x203),)}, "whole pages"),
        ({"regions": (Region(0xF000, bytes(2 * PAGE_SIZE), 0x203),)}, "beyond"),
        (
            {
                "regions": (
                    Region(0, bytes(2 * PAGE_SIZE), 0x203, name="a"),
                    Region(0x1000, bytes(PAGE_SIZE), 0x203, name="b"),
                )
            },
            "b overlaps a",
        ),
    ],
)
def test_validation(layout_sample: Layout, changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(layout_sample, **changes)  # type: ignore[arg-type]


def test_helpers() -> None:
    assert reg_flags("rwx") == 0x207
    assert reg_flags("R") == 0x201
    with pytest.raises(ValueError):
        reg_flags("rq")
    assert pad_to_pages(b"") == bytes(PAGE_SIZE)
    assert len(pad_to_pages(b"x" * (PAGE_SIZE + 1))) == 2 * PAGE_SIZE
    assert len(pad_to_pages(b"x", 3)) == 3 * PAGE_SIZE
    with pytest.raises(ValueError):
        pad_to_pages(bytes(PAGE_SIZE + 1), 1)
    tcs = Tcs.from_buffer_copy(tcs_page(0x1000, 0x2000, nssa=2, ogsbase=0x5000))
    assert (tcs.oentry, tcs.ossa, tcs.nssa, tcs.ogsbase, tcs.fslimit) == (
        0x1000, 0x2000, 2, 0x5000, 0xFFF
    )
    assert Region.tcs(0x3000, oentry=0, ossa=0x1000).is_tcs


def test_sign(layout_sample: Layout, rsa_key: RsaPrivateKey) -> None:
    sigstruct = sign(layout_sample, rsa_key, isvprodid=3, isvsvn=4)
    verify_sigstruct(sigstruct)
    params = read_params(sigstruct)
    assert params.enclavehash == mrenclave(layout_sample)
    assert (params.attributes, params.xfrm, params.miscselect) == (
        layout_sample.attributes, layout_sample.xfrm, layout_sample.miscselect
    )
    assert (params.isvprodid, params.isvsvn) == (3, 4)
    assert sigstruct_params(layout_sample).enclavehash == params.enclavehash


def test_load_initializes_with_the_same_measurement_as_the_seh(
    layout_sample: Layout, rsa_key: RsaPrivateKey
) -> None:
    progress: List[Tuple[int, int]] = []
    with Enclave(Simulator().open()) as enclave:
        sigstruct = sign(layout_sample, rsa_key)
        load(enclave, layout_sample, sigstruct, progress=lambda *done: progress.append(done))
        assert enclave.state is EnclaveState.INITIALIZED
    total = layout_sample.page_count * PAGE_SIZE
    assert progress[-1] == (total, total)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


def test_load_of_a_many_page_region(rsa_key: RsaPrivateKey) -> None:
    pages = 300
    big = Layout(
        size=0x200000,
        base=0x200000,
        regions=(
            Region.tcs(0, oentry=0x1000, ossa=0x2000),
            Region(0x1000, bytes(range(256)) * (pages * PAGE_SIZE // 256), reg_flags("rx")),
        ),
    )
    with Enclave(Simulator().open()) as enclave:
        load(enclave, big, sign(big, rsa_key))
        assert enclave.state is EnclaveState.INITIALIZED
