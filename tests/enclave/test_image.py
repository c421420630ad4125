"""ELF to layout: the enclave map, permissions, and MRENCLAVE computed before loading."""

from __future__ import annotations

import ctypes
import dataclasses
from pathlib import Path
from typing import Callable, Dict

import pytest

from tests.seh.helpers import Harness, Page
from vmpl_sgx._abi import PAGE_SIZE, EnclaveThreadData, Secs, SehResult, Tcs
from vmpl_sgx.elf import load_elf
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.errors import InitRejectedError
from vmpl_sgx.image import ImageError, ImageParams, layout_from_elf, layout_from_file
from vmpl_sgx.layout import SECINFO_TCS, Layout, R, W, X, build_secs, load, mrenclave, sign
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.seh import SehModel

PERMISSIONS = R | W | X


def test_no_page_is_writable_and_executable(images: Dict[str, Path]) -> None:
    for path in images.values():
        layout = layout_from_file(path, ImageParams(threads=3, heap_size=2 * PAGE_SIZE))
        for region in layout.regions:
            assert region.secinfo_flags & (W | X) != (W | X), region.name


def test_segments_keep_their_permissions(images: Dict[str, Path]) -> None:
    image = load_elf(images["sha256"])
    layout = layout_from_elf(image)
    by_offset = {region.offset: region for region in layout.regions}
    for segment in image.segments:
        region = by_offset[segment.first_page]
        expected = R | (W if segment.writable else 0) | (X if segment.executable else 0)
        assert region.secinfo_flags & PERMISSIONS == expected
        assert region.measured
        start = segment.vaddr - segment.first_page
        assert region.data[start : start + len(segment.data)] == segment.data


def test_threads_stacks_and_thread_data(images: Dict[str, Path]) -> None:
    params = ImageParams(threads=2, stack_size=8 * PAGE_SIZE, heap_size=4 * PAGE_SIZE, nssa=3)
    layout = layout_from_file(images["sha256"], params)
    regions = {region.name: region for region in layout.regions}
    assert len(layout.tcs_offsets) == 2
    heap = regions["heap"]
    assert not heap.measured and heap.size == 4 * PAGE_SIZE
    for index, tcs_offset in enumerate(layout.tcs_offsets):
        tcs = Tcs.from_buffer_copy(regions[f"tcs {index}"].data)
        assert regions[f"tcs {index}"].secinfo_flags == SECINFO_TCS
        assert tcs.oentry == load_elf(images["sha256"]).entry
        assert tcs.nssa == 3 and tcs.ossa == regions[f"ssa {index}"].offset
        data = regions[f"thread data {index}"]
        assert tcs.ofsbase == tcs.ogsbase == data.offset
        thread = EnclaveThreadData.from_buffer_copy(data.data[: ctypes.sizeof(EnclaveThreadData)])
        stack = regions[f"stack {index}"]
        assert thread.self_offset == data.offset
        assert thread.stack_top_offset == stack.end == tcs_offset
        assert thread.stack_size == stack.size == 8 * PAGE_SIZE
        assert (thread.heap_offset, thread.heap_size) == (heap.offset, heap.size)
        assert thread.thread_index == index
        # The page below each stack is a guard: no region covers it.
        guard = stack.offset - PAGE_SIZE
        assert not any(r.offset <= guard < r.end for r in layout.regions)
    assert layout.size & (layout.size - 1) == 0
    assert max(region.end for region in layout.regions) <= layout.size
    assert layout.base % layout.size == 0


def test_regions_are_in_ascending_order(images: Dict[str, Path]) -> None:
    layout = layout_from_file(images["ocall"], ImageParams(threads=4))
    offsets = [region.offset for region in layout.regions]
    assert offsets == sorted(offsets)


def test_measurement_does_not_depend_on_the_base(images: Dict[str, Path]) -> None:
    first = layout_from_file(images["sha256"], ImageParams(base=1 << 40))
    second = layout_from_file(images["sha256"], ImageParams(base=1 << 41))
    assert mrenclave(first) == mrenclave(second)


@pytest.mark.parametrize(
    "params",
    [
        ImageParams(threads=0),
        ImageParams(stack_size=100),
        ImageParams(stack_size=0),
        ImageParams(nssa=0),
    ],
)
def test_bad_parameters(images: Dict[str, Path], params: ImageParams) -> None:
    with pytest.raises(ImageError):
        layout_from_file(images["sha256"], params)


def _load_into_model(layout: Layout, key: RsaPrivateKey) -> tuple[Harness, int, bytes]:
    harness = Harness(SehModel())
    handle = harness.created(Secs.from_buffer_copy(build_secs(layout)))
    pages = [
        Page(offset, layout_page(layout, offset), flags, measured)
        for offset, flags, measured in layout.pages()
    ]
    for start in range(0, len(pages), 128):
        assert harness.add_pages(handle, pages[start : start + 128]) == (
            SehResult.SUCCESS,
            len(pages[start : start + 128]),
        )
    result, response = harness.init(handle, sign(layout, key))
    assert result is SehResult.SUCCESS and response is not None
    return harness, handle, bytes(response.mrenclave)


def layout_page(layout: Layout, offset: int) -> bytes:
    for region in layout.regions:
        if region.offset <= offset < region.end:
            start = offset - region.offset
            return region.data[start : start + PAGE_SIZE]
    raise AssertionError(f"no page at 0x{offset:x}")


def test_mrenclave_before_loading_equals_the_sehs(
    images: Dict[str, Path], key: RsaPrivateKey
) -> None:
    layout = layout_from_file(images["faults"], ImageParams(threads=2, heap_size=3 * PAGE_SIZE))
    expected = mrenclave(layout)
    harness, handle, measured = _load_into_model(layout, key)
    assert measured == expected
    enclave = harness.model.enclave(handle)
    assert enclave is not None and enclave.mrenclave == expected


def test_tampered_page_fails_init(
    images: Dict[str, Path], key: RsaPrivateKey, new_enclave: Callable[[], Enclave]
) -> None:
    layout = layout_from_file(images["sha256"])
    sigstruct = sign(layout, key)
    code = layout.regions[0]
    patched = bytearray(code.data)
    patched[100] ^= 0x01
    tampered = dataclasses.replace(
        layout, regions=(dataclasses.replace(code, data=bytes(patched)), *layout.regions[1:])
    )
    with pytest.raises(InitRejectedError) as caught:
        load(new_enclave(), tampered, sigstruct)
    assert caught.value.errno == 1  # EPERM
    # The untouched layout loads with the same SIGSTRUCT.
    load(new_enclave(), layout, sigstruct)
