"""ENCLAVE_QUOTE and QUOTING_TARGET: state, fields, sizes, copies, then what the SEH says.

The error paths use the sample layout (no code); the SEH's own checks need real reports, which
the attest sample enclave makes (built with the system C compiler, run by the SEH).
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import time
from typing import Dict, Iterator, NamedTuple, Tuple

import pytest

from tests.conformance import raw
from tests.conformance.conftest import DEVICE, Target
from tests.conformance.memory import READ
from vmpl_sgx import _abi
from vmpl_sgx._abi import QUOTE_BUFFER_MAX, EnclaveQuote, QuotingTarget, Report, Targetinfo
from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.attestation import cert_table
from vmpl_sgx.attestation.quote import Quote
from vmpl_sgx.attestation.verify import Expectations, verify_quote
from vmpl_sgx.backend import Backend
from vmpl_sgx.crypto import x509
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.executor import NativeExecutor
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import ATTEST_REPORT, ATTEST_TARGETINFO, build_sample
from vmpl_sgx.seh import SehModel
from vmpl_sgx.seh.quoting import QUOTING_IDENTITY
from vmpl_sgx.simulator import Simulator

NONCE = hashlib.sha512(b"conformance nonce").digest()
PARTS = ("snp_report", "manifest", "certificates")
BUSY_WAIT = 900.0
"""Seconds to wait while a fresh loopback SEH still generates its test chain (EBUSY)."""


class Call(NamedTuple):
    errno: int
    lengths: Tuple[int, int, int]


def quote_call(
    handle: Backend,
    keep: raw.Keep,
    report_bytes: bytes,
    sizes: Tuple[int, int, int] = (0, 0, 0),
    fields: Dict[str, int] | None = None,
) -> Tuple[Call, list[bytes]]:
    """QUOTE with fresh mappings of `sizes` bytes; retries EBUSY while the SEH warms up."""
    outputs = [keep.map(pages=max(1, -(-size // 4096))) if size else None for size in sizes]
    values = {
        "report": keep.map(report_bytes).address,
        "nonce": keep.map(NONCE).address,
        **{f"{part}_len": size for part, size in zip(PARTS, sizes)},
        **{part: out.address for part, out in zip(PARTS, outputs) if out is not None},
    }
    values.update(fields or {})
    deadline = time.monotonic() + BUSY_WAIT
    buffer = bytearray(EnclaveQuote(**values))
    while True:
        number = _quote_errno_of(handle, buffer)
        if number != errno.EBUSY or time.monotonic() > deadline:
            break
        time.sleep(1)
        buffer[:] = bytes(EnclaveQuote(**values))
    done = EnclaveQuote.from_buffer_copy(buffer)
    lengths = (done.snp_report_len, done.manifest_len, done.certificates_len)
    data = [out.read(0, n) if out is not None else b"" for out, n in zip(outputs, lengths)]
    return Call(number, lengths), data


def _quote_errno_of(handle: Backend, buffer: bytearray) -> int:
    return raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_QUOTE, buffer))


def quote_errno(
    handle: Backend, keep: raw.Keep, fields: Dict[str, int], report_bytes: bytes = bytes(432)
) -> int:
    return quote_call(handle, keep, report_bytes, fields=fields)[0].errno


# ---- an enclave that makes reports


class Reports(NamedTuple):
    handle: Backend
    good: bytes
    """Targeted at the quoting identity."""
    misdirected: bytes
    """Targeted at the enclave itself: a valid MAC, but not for the quoting identity."""


@pytest.fixture(scope="module")
def reports(
    target: Target, key: RsaPrivateKey, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Reports]:
    try:
        image = build_sample("attest", tmp_path_factory.mktemp("attest") / "attest.elf")
    except (OSError, RuntimeError) as error:
        pytest.skip(f"cannot build the attest sample: {error}")
    executor = None
    if target.is_simulator:
        executor = NativeExecutor()
        backend: Backend = Simulator(SehModel(executor=executor)).open()
    else:
        backend = DeviceBackend(DEVICE)
    app = EnclaveApp.load(image, key, Enclave(backend))
    try:
        quoting = app.enclave.quoting_target()
        own = app.ecall(ATTEST_TARGETINFO)
        data = b"report data".ljust(64, b"\0")
        good = app.ecall(ATTEST_REPORT, quoting + data)
        misdirected = app.ecall(ATTEST_REPORT, own + data)
        yield Reports(backend, good, misdirected)
    finally:
        app.close()
        if executor is not None:
            executor.close()


# ---- QUOTING_TARGET


def test_quoting_target_names_the_quoting_identity(handle: Backend) -> None:
    buffer = bytearray(b"\xff" * ctypes.sizeof(QuotingTarget))
    handle.ioctl(_abi.IOC_QUOTING_TARGET, buffer)
    answer = QuotingTarget.from_buffer_copy(buffer)
    assert bytes(answer.reserved) == bytes(64)
    target = Targetinfo.from_buffer_copy(bytes(answer.targetinfo))
    assert bytes(target.mrenclave) == QUOTING_IDENTITY.mrenclave
    assert target.attributes == QUOTING_IDENTITY.attributes


def test_quoting_target_works_in_every_state(handle: Backend, initialized: Backend) -> None:
    first, second = bytearray(576), bytearray(576)
    handle.ioctl(_abi.IOC_QUOTING_TARGET, first)
    initialized.ioctl(_abi.IOC_QUOTING_TARGET, second)
    assert first == second


@pytest.mark.parametrize("where", raw.BAD_PLACES)
def test_quoting_target_unwritable_is_efault(handle: Backend, keep: raw.Keep, where: str) -> None:
    address = raw.bad_address(keep, where)
    assert raw.errno_of(lambda: handle.ioctl(_abi.IOC_QUOTING_TARGET, address)) == errno.EFAULT


# ---- ENCLAVE_QUOTE: the module's checks


def test_before_init_is_einval(handle: Backend, loaded: Backend, keep: raw.Keep) -> None:
    assert quote_errno(loaded, keep, {}) == errno.EINVAL
    fresh_number = raw.errno_of(lambda: handle.ioctl(_abi.IOC_ENCLAVE_QUOTE, 0))
    assert fresh_number == errno.EINVAL  # the state comes before the argument


@pytest.mark.parametrize("where", raw.BAD_PLACES)
def test_unreadable_argument_is_efault(initialized: Backend, keep: raw.Keep, where: str) -> None:
    address = raw.bad_address(keep, where)
    number = raw.errno_of(lambda: initialized.ioctl(_abi.IOC_ENCLAVE_QUOTE, address))
    assert number == errno.EFAULT


@pytest.mark.parametrize(("field", "index"), [("flags", 0), ("reserved", 0), ("reserved", 71)])
def test_flags_and_reserved_bytes_are_einval(
    initialized: Backend, keep: raw.Keep, field: str, index: int
) -> None:
    data = bytearray(EnclaveQuote(report=keep.map(bytes(432)).address))
    data[vars(EnclaveQuote)[field].offset + index] = 1
    assert raw.errno_of(lambda: initialized.ioctl(_abi.IOC_ENCLAVE_QUOTE, data)) == errno.EINVAL


@pytest.mark.parametrize("part", PARTS)
def test_a_length_above_the_maximum_is_e2big(
    initialized: Backend, keep: raw.Keep, part: str
) -> None:
    fields = {f"{part}_len": QUOTE_BUFFER_MAX + 1}
    assert quote_errno(initialized, keep, fields) == errno.E2BIG


@pytest.mark.parametrize("which", ["report", "nonce"])
@pytest.mark.parametrize("where", raw.BAD_PLACES)
def test_unreadable_report_or_nonce_is_efault(
    initialized: Backend, keep: raw.Keep, which: str, where: str
) -> None:
    fields = {which: raw.bad_address(keep, where)}
    assert quote_errno(initialized, keep, fields) == errno.EFAULT


@pytest.mark.parametrize("part", PARTS)
def test_an_unwritable_output_is_efault(initialized: Backend, keep: raw.Keep, part: str) -> None:
    readonly = keep.map(pages=1, prot=READ)
    fields = {part: readonly.address, f"{part}_len": 16}
    assert quote_errno(initialized, keep, fields) == errno.EFAULT


# ---- ENCLAVE_QUOTE: the SEH's checks


def test_a_forged_report_is_ebadmsg(initialized: Backend, keep: raw.Keep) -> None:
    assert quote_errno(initialized, keep, {}, b"\x5a" * 432) == errno.EBADMSG


def test_a_misdirected_or_altered_report_is_ebadmsg(reports: Reports, keep: raw.Keep) -> None:
    assert quote_call(reports.handle, keep, reports.misdirected)[0].errno == errno.EBADMSG
    altered = bytearray(reports.good)
    altered[vars(Report)["body"].offset + 64] ^= 1  # MRENCLAVE
    assert quote_call(reports.handle, keep, bytes(altered))[0].errno == errno.EBADMSG


def test_small_buffers_get_the_sizes_needed(reports: Reports, keep: raw.Keep) -> None:
    call, _ = quote_call(reports.handle, keep, reports.good)
    assert call.errno == errno.ENOSPC
    assert call.lengths[0] == 1184  # an SNP attestation report
    assert all(0 < length <= QUOTE_BUFFER_MAX for length in call.lengths)
    short = (call.lengths[0], call.lengths[1], call.lengths[2] - 1)
    again, _ = quote_call(reports.handle, keep, reports.good, short)
    assert again == call._replace(errno=errno.ENOSPC)


def test_a_quote_verifies_with_the_sizes_negotiated(reports: Reports, keep: raw.Keep) -> None:
    needed, _ = quote_call(reports.handle, keep, reports.good)
    call, parts = quote_call(reports.handle, keep, reports.good, needed.lengths)
    assert call == (0, needed.lengths)
    quote = Quote(*parts)
    anchor = x509.parse_der(cert_table.decode(quote.certificates)[cert_table.ARK_GUID])
    body = Report.from_buffer_copy(reports.good).body
    expect = Expectations(mrenclave=bytes(body.mrenclave), allow_debug=True)
    result = verify_quote(quote, NONCE, expect, anchor=anchor)
    assert result.enclave.report_data[:11] == b"report data"
