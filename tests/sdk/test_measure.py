"""MRENCLAVE: the reference vectors, batch against per-record, snapshots and every refusal."""

from __future__ import annotations

import copy
import hashlib
import os
import random
import struct
from typing import Iterator, Sequence

import pytest

from vmpl_sgx import measure
from vmpl_sgx.measure import PAGE_SIZE, Measurement, MeasurementError

V1 = "9e197c8837c6d65632dbdd59cd7df4f1a25b68d8e4e5eb6ca3b20b05311fecb8"
V2 = "717cfd67bb7996da4e9e8609989b184fb6c832fd8f0e86c012bdfbab8796e286"
V3 = "e253c00aa1d7c21cb976f448155257aafb9c119ab570cafbe4198d42754e82c9"
V4 = "52ce3ab8a611fbe3895e2e880ed9148d2f99d1f5ccc5b6cd1f36646acdd82215"

ZERO_PAGE = bytes(PAGE_SIZE)
PAGE_OF_A = b"A" * PAGE_SIZE
COUNTING_PAGE = bytes(i & 0xFF for i in range(PAGE_SIZE))
TCS = 0x100


def reference_mrenclave(
    ssa_frame_size: int, size: int, pages: Sequence[tuple[int, int, bytes | None]]
) -> str:
    """MRENCLAVE straight from the record definitions, one record at a time."""
    digest = hashlib.sha256(struct.pack("<8sIQ44x", b"ECREATE\0", ssa_frame_size, size))
    for offset, flags, data in pages:
        digest.update(struct.pack("<8sQQ40x", b"EADD\0\0\0\0", offset, flags))
        if data is not None:
            for chunk in range(0, PAGE_SIZE, 256):
                digest.update(struct.pack("<8sQ48x", b"EEXTEND\0", offset + chunk))
                digest.update(data[chunk : chunk + 256])
    return digest.hexdigest()


def started(ssa_frame_size: int = 1, size: int = 0x2000, **options: bool) -> Measurement:
    measurement = Measurement(**options)
    measurement.ecreate(ssa_frame_size, size)
    return measurement


# ---- the four reference vectors, incrementally and in batches


def test_v1_ecreate_only() -> None:
    assert started().hexdigest() == V1


def test_v2_incremental() -> None:
    measurement = started()
    measurement.eadd(0x0, TCS)
    measurement.eextend_page(0x0, ZERO_PAGE)
    measurement.eadd(0x1000, 0x203)
    measurement.eextend_page(0x1000, bytearray(PAGE_OF_A))
    assert measurement.hexdigest() == V2


def test_v2_batch() -> None:
    measurement = started()
    measurement.add_pages(0x0, ZERO_PAGE, TCS)
    measurement.add_pages(0x1000, PAGE_OF_A, 0x203)
    assert measurement.hexdigest() == V2


def test_v2_chunk_by_chunk() -> None:
    measurement = started()
    for offset, flags, page in ((0, TCS, ZERO_PAGE), (0x1000, 0x203, PAGE_OF_A)):
        measurement.eadd(offset, flags)
        for chunk in range(0, PAGE_SIZE, 256):
            measurement.eextend(offset + chunk, memoryview(page)[chunk : chunk + 256])
    assert measurement.hexdigest() == V2


def test_v3_incremental() -> None:
    measurement = started()
    measurement.eadd(0x0, TCS)
    measurement.eextend_page(0x0, ZERO_PAGE)
    measurement.eadd(0x1000, 0x203)
    assert measurement.hexdigest() == V3


def test_v3_batch() -> None:
    measurement = started()
    measurement.add_pages(0x0, ZERO_PAGE, TCS)
    measurement.add_pages(0x1000, PAGE_OF_A, 0x203, measured=False)
    assert measurement.hexdigest() == V3
    other = started()
    other.add_pages(0x0, ZERO_PAGE, TCS)
    other.add_unmeasured_pages(0x1000, 1, 0x203)
    assert other.hexdigest() == V3


def test_v4_incremental() -> None:
    measurement = started(2, 0x4000)
    measurement.eadd(0x0, TCS)
    measurement.eextend_page(0x0, ZERO_PAGE)
    measurement.eadd(0x1000, 0x205)
    measurement.eextend_page(0x1000, COUNTING_PAGE)
    measurement.eadd(0x2000, 0x203)
    assert measurement.hexdigest() == V4


def test_v4_batch() -> None:
    measurement = started(2, 0x4000)
    measurement.add_pages(0x0, ZERO_PAGE, TCS)
    measurement.add_pages(0x1000, COUNTING_PAGE, 0x205)
    measurement.add_unmeasured_pages(0x2000, 1, 0x203)
    assert measurement.hexdigest() == V4


def test_reference_model_reproduces_the_vectors() -> None:
    assert reference_mrenclave(1, 0x2000, []) == V1
    pages_v2 = [(0, TCS, ZERO_PAGE), (0x1000, 0x203, PAGE_OF_A)]
    assert reference_mrenclave(1, 0x2000, pages_v2) == V2
    assert reference_mrenclave(1, 0x2000, [(0, TCS, ZERO_PAGE), (0x1000, 0x203, None)]) == V3


# ---- batch against per-record on random layouts


def random_regions(rng: random.Random, size: int) -> Iterator[tuple[int, int, int, bool]]:
    """(offset, page count, flags, measured) runs covering part of an enclave of `size`."""
    page = rng.randrange(0, 40)
    while page < size // PAGE_SIZE:
        count = min(rng.choice([1, 2, 15, 16, 17, 31, 32, 33, 64, 100]), size // PAGE_SIZE - page)
        yield page * PAGE_SIZE, count, rng.choice([TCS, 0x201, 0x203, 0x205]), rng.random() < 0.7
        page += count + rng.choice([0, 0, 1, 7])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("overlap", [False, True])
def test_batch_matches_per_record_on_random_layouts(seed: int, overlap: bool) -> None:
    rng = random.Random(seed)
    size = 1 << rng.randrange(21, 23)
    ssa_frame_size = rng.randrange(1, 5)
    batch = started(ssa_frame_size, size, overlap_hashing=overlap)
    per_page = started(ssa_frame_size, size)
    expected: list[tuple[int, int, bytes | None]] = []
    for offset, count, flags, measured in random_regions(rng, size):
        data = rng.randbytes(count * PAGE_SIZE)
        batch.add_pages(offset, data, flags, measured)
        for index in range(count):
            page = data[index * PAGE_SIZE : (index + 1) * PAGE_SIZE]
            per_page.eadd(offset + index * PAGE_SIZE, flags)
            if measured:
                per_page.eextend_page(offset + index * PAGE_SIZE, page)
            expected.append((offset + index * PAGE_SIZE, flags, page if measured else None))
    assert batch.hexdigest() == per_page.hexdigest()
    assert batch.hexdigest() == reference_mrenclave(ssa_frame_size, size, expected)


@pytest.mark.parametrize("overlap", [False, True])
def test_large_batch_at_high_unaligned_offset(overlap: bool) -> None:
    # Enough pages for the helper thread, starting mid-window, with offsets above 4 GiB.
    size = 1 << 40
    offset = (1 << 33) + 5 * PAGE_SIZE
    data = os.urandom(300 * PAGE_SIZE)
    batch = started(3, size, overlap_hashing=overlap)
    batch.add_pages(offset, data, 0x203)
    pages = [
        (offset + i * PAGE_SIZE, 0x203, data[i * PAGE_SIZE : (i + 1) * PAGE_SIZE])
        for i in range(300)
    ]
    assert batch.hexdigest() == reference_mrenclave(3, size, pages)


def test_input_buffer_types_agree() -> None:
    data = os.urandom(3 * PAGE_SIZE)
    digests = set()
    for form in (data, bytearray(data), memoryview(data), memoryview(data).cast("Q")):
        measurement = started(1, 0x10000)
        measurement.add_pages(0x4000, form, 0x203)
        digests.add(measurement.digest())
    assert len(digests) == 1


def test_empty_batch_changes_nothing() -> None:
    measurement = started()
    measurement.add_pages(0x1000, b"", 0x203)
    measurement.add_unmeasured_pages(0x1000, 0, 0x203)
    assert measurement.hexdigest() == V1


# ---- digest, snapshots and copies


def test_digest_does_not_finalize() -> None:
    measurement = started()
    assert measurement.digest() == measurement.digest()
    measurement.add_pages(0x0, ZERO_PAGE, TCS)
    measurement.add_pages(0x1000, PAGE_OF_A, 0x203)
    assert measurement.hexdigest() == V2


def test_copies_diverge_independently() -> None:
    base = started()
    base.add_pages(0x0, ZERO_PAGE, TCS)
    measured = base.copy()
    unmeasured = copy.copy(base)
    measured.add_pages(0x1000, PAGE_OF_A, 0x203)
    unmeasured.add_unmeasured_pages(0x1000, 1, 0x203)
    assert (measured.hexdigest(), unmeasured.hexdigest()) == (V2, V3)
    with pytest.raises(MeasurementError, match="exactly once"):
        measured.ecreate(1, 0x2000)


# ---- refusals


def test_ecreate_exactly_once_and_first() -> None:
    measurement = Measurement()
    with pytest.raises(MeasurementError, match="ECREATE must be measured before"):
        measurement.eadd(0, TCS)
    with pytest.raises(MeasurementError, match="ECREATE must be measured before"):
        measurement.add_pages(0, ZERO_PAGE, TCS)
    measurement.ecreate(1, 0x2000)
    with pytest.raises(MeasurementError, match="exactly once"):
        measurement.ecreate(1, 0x2000)


@pytest.mark.parametrize(
    ("field", "args"),
    [("ssa_frame_size", (1 << 32, 0x2000)), ("size", (1, 1 << 64)), ("ssa_frame_size", (-1, 8))],
)
def test_ecreate_values_must_fit(field: str, args: tuple[int, int]) -> None:
    with pytest.raises(MeasurementError, match=f"{field} .* does not fit"):
        Measurement().ecreate(*args)


def test_offsets_must_be_aligned_and_inside() -> None:
    measurement = started()
    with pytest.raises(MeasurementError, match="multiple of 4096"):
        measurement.eadd(0x800, 0x203)
    with pytest.raises(MeasurementError, match="multiple of 256"):
        measurement.eextend(0x80, bytes(256))
    with pytest.raises(MeasurementError, match="non-negative"):
        measurement.add_pages(-PAGE_SIZE, ZERO_PAGE, 0x203)
    with pytest.raises(MeasurementError, match="outside the enclave size 0x2000"):
        measurement.eadd(0x2000, 0x203)
    with pytest.raises(MeasurementError, match="outside the enclave size"):
        measurement.add_pages(0x1000, bytes(2 * PAGE_SIZE), 0x203)
    with pytest.raises(MeasurementError, match="outside the enclave size"):
        measurement.add_unmeasured_pages(0x0, 3, 0x203)
    assert measurement.hexdigest() == V1  # refusals measure nothing


def test_lengths_and_flags_are_checked() -> None:
    measurement = started()
    with pytest.raises(MeasurementError, match="exactly 256 bytes"):
        measurement.eextend(0, bytes(255))
    with pytest.raises(MeasurementError, match="a page is 4096 bytes"):
        measurement.eextend_page(0, bytes(4095))
    with pytest.raises(MeasurementError, match="whole pages"):
        measurement.add_pages(0, bytes(100), 0x203)
    with pytest.raises(MeasurementError, match=r"secinfo_flags .* does not fit in 64 bits"):
        measurement.eadd(0, 1 << 64)
    with pytest.raises(MeasurementError, match="page_count must not be negative"):
        measurement.add_unmeasured_pages(0, -1, 0x203)
    strided = memoryview(bytes(2 * PAGE_SIZE))[::2]
    with pytest.raises(MeasurementError, match="contiguous"):
        measurement.add_pages(0, strided, 0x203)


class BoomError(Exception):
    pass


@pytest.mark.parametrize("overlap", [False, True])
def test_interrupted_batch_leaves_the_measurement_unusable(
    overlap: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_batches = measure._RecordBuilder.batches

    def failing_batches(self: measure._RecordBuilder, *args: object) -> Iterator[bytes]:
        for number, batch in enumerate(real_batches(self, *args)):  # type: ignore[arg-type]
            if number == 3:
                raise BoomError
            yield batch

    monkeypatch.setattr(measure._RecordBuilder, "batches", failing_batches)
    measurement = started(1, 1 << 30, overlap_hashing=overlap)
    with pytest.raises(BoomError):
        measurement.add_pages(0, bytes(400 * PAGE_SIZE), 0x203)
    with pytest.raises(MeasurementError, match="unusable"):
        measurement.digest()
    with pytest.raises(MeasurementError, match="unusable"):
        measurement.eadd(0, TCS)


def test_hashing_failure_on_the_helper_thread_reaches_the_caller() -> None:
    class FailingHash:
        calls = 0

        def update(self, data: bytes) -> None:
            self.calls += 1
            if self.calls == 2:
                raise BoomError

    measurement = started(1, 1 << 30, overlap_hashing=True)
    measurement._hash = FailingHash()  # type: ignore[assignment]
    with pytest.raises(BoomError):
        measurement.add_pages(0, bytes(400 * PAGE_SIZE), 0x203)
    with pytest.raises(MeasurementError, match="unusable"):
        measurement.digest()
