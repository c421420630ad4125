"""MRENCLAVE throughput of the SDK against plain hashlib.sha256 over the same record stream.

For each image size both sides hash exactly the records SGX measures for an image of measured
pages (per page: one EADD record and 16 EEXTEND records with their 256 data bytes, 5184 bytes),
and the two digests must agree.

Fairness: the baseline never builds the whole stream (330 MiB for 256 MiB of pages). It walks
the image in batches of 32 pages; each batch's records are built outside the timed region and
only the h.update() of that still cache-hot buffer is timed, so the baseline is pure hashing at
its best. The SDK is timed end to end: its add_pages() call reads the page data, builds the
records and hashes them. Both sides read their page data from the same 16 MiB random piece,
reused at successive offsets for the larger image. Every figure is the best of several runs.

Prints a table, then a final line `BENCH B2 measure_ratio_to_hashlib=<ratio at 256 MiB> ...`;
--json prints the results as one JSON line before that final line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import ssl
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sdk"))

from vmpl_sgx.measure import CHUNK_SIZE, PAGE_SIZE, Measurement

MIB = 1 << 20
GOAL = 0.8
SIZES_MIB = (1, 16, 256)
PIECE_BYTES = 16 * MIB
BASELINE_BATCH_PAGES = 32
SSA_FRAME_SIZE = 1
FLAGS = 0x203  # a REG page, readable and writable


def baseline_records(offset: int, data: memoryview, flags: int) -> bytes:
    """The records of consecutive measured pages, built naively and independently of the SDK."""
    out = bytearray()
    for page in range(0, len(data), PAGE_SIZE):
        out += struct.pack("<8sQQ40x", b"EADD\0\0\0\0", offset + page, flags)
        for chunk in range(page, page + PAGE_SIZE, CHUNK_SIZE):
            out += struct.pack("<8sQ48x", b"EEXTEND\0", offset + chunk)
            out += data[chunk : chunk + CHUNK_SIZE]
    return bytes(out)


def ecreate_record(size: int) -> bytes:
    return struct.pack("<8sIQ44x", b"ECREATE\0", SSA_FRAME_SIZE, size)


def time_hashlib(image_bytes: int, piece: memoryview) -> tuple[float, bytes]:
    digest = hashlib.sha256(ecreate_record(image_bytes))
    batch_bytes = BASELINE_BATCH_PAGES * PAGE_SIZE
    elapsed = 0.0
    for offset in range(0, image_bytes, batch_bytes):
        start = offset % len(piece)
        records = baseline_records(offset, piece[start : start + batch_bytes], FLAGS)
        began = time.perf_counter()
        digest.update(records)
        elapsed += time.perf_counter() - began
    return elapsed, digest.digest()


def time_sdk(image_bytes: int, piece: memoryview, overlap: bool | None) -> tuple[float, bytes]:
    measurement = Measurement(overlap_hashing=overlap)
    measurement.ecreate(SSA_FRAME_SIZE, image_bytes)
    step = min(len(piece), image_bytes)
    elapsed = 0.0
    for offset in range(0, image_bytes, step):
        began = time.perf_counter()
        measurement.add_pages(offset, piece[:step], FLAGS)
        elapsed += time.perf_counter() - began
    return elapsed, measurement.digest()


def default_repeats(size_mib: int) -> int:
    return max(3, min(25, 64 // size_mib))


def run(sizes: list[int], repeats: int | None, overlap: bool | None) -> list[dict[str, float]]:
    piece = memoryview(os.urandom(PIECE_BYTES))
    results = []
    for size_mib in sizes:
        image_bytes = size_mib * MIB
        best_hashlib = best_sdk = float("inf")
        for _ in range(repeats or default_repeats(size_mib)):
            seconds, expected = time_hashlib(image_bytes, piece)
            best_hashlib = min(best_hashlib, seconds)
            seconds, got = time_sdk(image_bytes, piece, overlap)
            best_sdk = min(best_sdk, seconds)
            if got != expected:
                raise SystemExit(
                    f"digest mismatch at {size_mib} MiB: {got.hex()} != {expected.hex()}"
                )
        results.append(
            {
                "image_mib": size_mib,
                "hashlib_mib_s": size_mib / best_hashlib,
                "sdk_mib_s": size_mib / best_sdk,
                "ratio": best_hashlib / best_sdk,
            }
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES_MIB), metavar="MIB")
    parser.add_argument("--repeat", type=int, default=None, help="runs per size (best is kept)")
    parser.add_argument(
        "--overlap",
        choices=("auto", "on", "off"),
        default="auto",
        help="let add_pages hash on a helper thread (auto: when more than one CPU is usable)",
    )
    args = parser.parse_args()
    overlap = {"auto": None, "on": True, "off": False}[args.overlap]
    if any(size <= 0 or size & (size - 1) for size in args.sizes):
        parser.error("sizes must be powers of two (they are the enclave size)")

    results = run(args.sizes, args.repeat, overlap)
    usable_cpus = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    )
    stream_factor = (64 + 16 * (64 + CHUNK_SIZE)) / PAGE_SIZE
    print(
        f"python {platform.python_version()}, {ssl.OPENSSL_VERSION}, usable CPUs {usable_cpus}, "
        f"overlap {args.overlap}"
    )
    print(f"MiB/s of page data; the record stream is {stream_factor:.3f}x larger")
    print(f"{'image':>8} {'hashlib':>10} {'sdk':>10} {'ratio':>7}")
    for row in results:
        print(
            f"{row['image_mib']:>4} MiB {row['hashlib_mib_s']:>10.1f} {row['sdk_mib_s']:>10.1f}"
            f" {row['ratio']:>7.3f}"
        )
    headline = next((row for row in results if row["image_mib"] == 256), results[-1])
    final = round(headline["ratio"], 2)
    if args.json:
        document = {
            "benchmark": "B2",
            "python": platform.python_version(),
            "openssl": ssl.OPENSSL_VERSION,
            "usable_cpus": usable_cpus,
            "overlap": args.overlap,
            "results": results,
            "measure_ratio_to_hashlib": final,
            "goal": GOAL,
            "pass": final >= GOAL,
        }
        print(json.dumps(document))
    verdict = "PASS" if final >= GOAL else "FAIL"
    print(f"BENCH B2 measure_ratio_to_hashlib={final:.2f} goal>={GOAL} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
