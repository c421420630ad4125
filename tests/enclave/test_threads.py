"""Ecalls on different TCSs run at the same time, on shared enclave memory."""

from __future__ import annotations

import hashlib
import struct
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import List

from vmpl_sgx.image import ImageParams
from vmpl_sgx.samples import FAULTS_COUNT, FAULTS_RENDEZVOUS, FAULTS_THREAD_INDEX, SHA256_DIGEST

from .conftest import LoadApp


def test_two_tcs_meet_inside_the_enclave(load_app: LoadApp) -> None:
    # Each ecall spins until the other has arrived: this only returns if both run at once.
    app = load_app("faults", ImageParams(threads=2))
    results: List[bytes] = []
    threads = [
        threading.Thread(target=lambda i=i: results.append(app.ecall(FAULTS_RENDEZVOUS, thread=i)))
        for i in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(struct.unpack("<Q", r)[0] for r in results) == [0, 1]


def test_each_tcs_has_its_thread_data(load_app: LoadApp) -> None:
    app = load_app("faults", ImageParams(threads=3))
    for index in range(3):
        assert struct.unpack("<Q", app.ecall(FAULTS_THREAD_INDEX, thread=index)) == (index,)


def test_shared_counter_from_many_threads(load_app: LoadApp) -> None:
    app = load_app("faults", ImageParams(threads=2))
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: app.ecall(FAULTS_COUNT), range(40)))
    assert struct.unpack("<Q", app.ecall(FAULTS_COUNT)) == (41,)


def test_pool_of_tcs_serves_more_callers_than_threads(load_app: LoadApp) -> None:
    app = load_app("sha256", ImageParams(threads=2))
    inputs = [bytes([i]) * (i * 100) for i in range(12)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        digests = list(pool.map(lambda data: app.ecall(SHA256_DIGEST, data), inputs))
    assert digests == [hashlib.sha256(data).digest() for data in inputs]
