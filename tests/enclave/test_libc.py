"""The runtime's libc, end to end on the simulator through the libc sample: snprintf (musl's)
against Python's own % formatting and the host's C library, the heap allocator (also from two
TCSs at once), string.h, strtol and friends against the host's C library, qsort and bsearch,
ctype.h against Python's ASCII classes, logging into Python's logging, assert and abort as
EnclaveAbortError, and RDRAND/RDSEED bytes."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import math
import random
import re
import string
import struct
import threading
from typing import Callable, List, Tuple, Union

import pytest

from vmpl_sgx._abi import EnclaveStatus
from vmpl_sgx.app import EcallError, EnclaveAbortError, EnclaveApp, EnclaveFaultError
from vmpl_sgx.image import ImageParams
from vmpl_sgx.runtime_ocalls import OCALL_LOG
from vmpl_sgx.samples import (
    LIBC_ABORT,
    LIBC_CHECK,
    LIBC_CTYPE,
    LIBC_ERRORS,
    LIBC_FORMAT,
    LIBC_HEAP,
    LIBC_HEAP_LIMITS,
    LIBC_HEAP_RACE,
    LIBC_LOG,
    LIBC_MISUSE,
    LIBC_PARSE,
    LIBC_RANDOM,
    LIBC_SORT,
    LIBC_STRINGS,
    LIBC_TEXT,
)

from .conftest import LoadApp

UD = 6
HEAP = ImageParams(heap_size=1 << 20)
Value = Union[int, float, str, None]

# (format, kind, value): kind as the sample's format ecall takes it ('i' int, 'I' long long,
# 'u' unsigned, 'U' unsigned long long, 'f' double, 's' string, 'c' character, 'n' no argument).
CASES: List[Tuple[str, str, Value]] = [
    ("plain text", "n", None),
    ("100%%", "n", None),
    ("%d", "i", 0),
    ("%d", "i", -1),
    ("%d", "i", 2147483647),
    ("%d", "i", -2147483648),
    ("%i|%5d|%-5d|%05d", "i", 42),
    ("[%+d] [% d] [%+.3d]", "i", 7),
    ("[%8.3d] [%-8.3d]", "i", -7),
    ("%u", "u", 4294967295),
    ("%x %X %#x %#X", "u", 0xBEEF),
    ("%#010x", "u", 0xABC),
    ("%o", "u", 8),
    ("%lld", "I", -9223372036854775808),
    ("%lld", "I", 9223372036854775807),
    ("%llu", "U", 18446744073709551615),
    ("%llx", "U", 0xFEDCBA9876543210),
    ("%20llu|", "U", 12345678901234567890),
    ("%s", "s", "hello"),
    ("[%10s] [%-10s]", "s", "abc"),
    ("[%.2s] [%7.2s]", "s", "abcdef"),
    ("%s", "s", ""),
    ("%c%c", "c", ord("Z")),
    ("[%3c] [%-3c]", "c", ord("q")),
]


# Where C and Python's % disagree (a precision turns the 0 flag off, "%#x" of 0 has no 0x,
# "%.0d" of 0 prints no digit, "%#o" is C's): checked against the host's C library.
C_CASES: List[Tuple[str, str, Union[int, float]]] = [
    ("[%08.3d]", "i", -7),
    ("%.0d|", "i", 0),
    ("%#x|%#o", "u", 0),
    ("%#o|%#.5o", "u", 8),
    ("%hhd|%hhu", "i", 300),
    ("%hd", "i", 70000),
    # Length modifiers on 64-bit values: l, ll, z, j, h, hh.
    ("%ld|%li|%lu", "I", -5),
    ("%lu|%lx|%lX|%lo", "U", 18446744073709551615),
    ("%zu|%zx|%zd", "U", 123456789012),
    ("%jd|%ju|%+lld", "I", -1),
    ("%hhx|%hx|%hhu|%hu", "i", -1),
    ("[%-20lld] [%020lld]", "I", -1234567890123),
    ("%p|%20p|%-20p|", "U", 0xDEADBEEF),
    # Floating point: musl's fmt_fp, printed exactly as glibc prints it.
    ("%f|%F", "f", 3.14159),
    ("%.2f|%10.3f|%-10.1f|%010.2f", "f", -2.5),
    ("%e|%E|%.0e|%#.0e", "f", 12345.678),
    ("%g|%G|%#g|%.3g", "f", 0.0001234),
    ("%g|%g", "f", 1e20),
    ("%+.0f|% .3e|%.0f", "f", 2.5),
    ("%.20f", "f", 0.1),
    ("%a|%A|%.2a", "f", 1.5),
    ("%e", "f", 5e-324),
    ("%f|%e|%g", "f", 0.0),
    ("%f|%e|%g", "f", -0.0),
    ("%f|%F|%e|%5g", "f", math.inf),
    ("%f|%F|%e|%g", "f", -math.inf),
    ("%f|%F", "f", math.nan),
    # 1e300 in %f is 308 characters: cut at the buffer, counted in full.
    ("%f", "f", 1e300),
    ("%.3f", "f", 1.0005),
    ("%lc|%c", "i", 65),
]


def _format_request(capacity: int, kind: str, value: Value, fmt: str) -> bytes:
    body = struct.pack("<I", capacity) + kind.encode()
    if kind == "f":
        assert isinstance(value, float)
        body += struct.pack("<d", value)
    elif kind in "iIuU":
        assert isinstance(value, int)
        body += struct.pack("<q" if kind in "iI" else "<Q", value)
    elif kind == "s":
        assert isinstance(value, str)
        body += value.encode() + b"\0"
    elif kind == "c":
        assert isinstance(value, int)
        body += bytes([value])
    return body + fmt.encode() + b"\0"


def _python_format(fmt: str, kind: str, value: Value) -> str:
    fmt = fmt.replace("ll", "")  # Python's % has no length modifiers beyond h, l and L
    if kind == "n":
        return fmt % ()
    if kind == "c":
        assert isinstance(value, int)
        value = chr(value)
    count = fmt.replace("%%", "").count("%")
    return fmt % ((value,) * count)


@pytest.fixture
def libc(load_app: LoadApp) -> EnclaveApp:
    return load_app("libc", HEAP)


def _snprintf(app: EnclaveApp, capacity: int, fmt: str, kind: str, value: Value) -> Tuple[int, str]:
    output = app.ecall(LIBC_FORMAT, _format_request(capacity, kind, value, fmt))
    return struct.unpack_from("<i", output)[0], output[4:].decode()


@pytest.mark.parametrize(("fmt", "kind", "value"), CASES)
def test_snprintf_matches_python(libc: EnclaveApp, fmt: str, kind: str, value: Value) -> None:
    expected = _python_format(fmt, kind, value)
    assert _snprintf(libc, 256, fmt, kind, value) == (len(expected), expected)


_CTYPES = {
    "i": ctypes.c_int,
    "u": ctypes.c_uint,
    "I": ctypes.c_longlong,
    "U": ctypes.c_ulonglong,
    "f": ctypes.c_double,
}


def _host_snprintf(capacity: int, fmt: str, kind: str, value: Union[int, float]) -> Tuple[int, str]:
    host = ctypes.CDLL(ctypes.util.find_library("c"))
    buffer = ctypes.create_string_buffer(max(capacity, 1))
    argument = _CTYPES[kind](value)  # type: ignore[arg-type]
    length = host.snprintf(buffer, ctypes.c_size_t(capacity), fmt.encode(), *[argument] * 4)
    return length, buffer.value.decode()


@pytest.mark.parametrize(("fmt", "kind", "value"), C_CASES)
def test_snprintf_matches_host_c_library(
    libc: EnclaveApp, fmt: str, kind: str, value: Union[int, float]
) -> None:
    assert _snprintf(libc, 256, fmt, kind, value) == _host_snprintf(256, fmt, kind, value)


@pytest.mark.parametrize("capacity", [0, 1, 2, 5, 9, 10, 11])
def test_snprintf_truncation_matches_host_c_library(libc: EnclaveApp, capacity: int) -> None:
    for fmt, kind, value in [("%+.3e", "f", -1234.5), ("%-8lld|", "I", 42), ("%#.4x", "u", 255)]:
        assert _snprintf(libc, capacity, fmt, kind, value) == _host_snprintf(
            capacity, fmt, kind, value
        ), (fmt, capacity)


def test_snprintf_truncates_and_counts(libc: EnclaveApp) -> None:
    # The return value is the full length; the buffer holds capacity - 1 bytes and a NUL.
    assert _snprintf(libc, 6, "%s world", "s", "hello") == (11, "hello")
    assert _snprintf(libc, 1, "%d", "i", 12345) == (5, "")
    assert _snprintf(libc, 0, "%d", "i", 12345) == (5, "")
    assert _snprintf(libc, 4, "%#x", "u", 0xFFFF) == (6, "0xf")


def test_snprintf_pointer_and_limits(libc: EnclaveApp) -> None:
    assert _snprintf(libc, 64, "%p", "U", 0x1000) == (6, "0x1000")
    # musl prints a null pointer as 0 (glibc says "(nil)").
    assert _snprintf(libc, 64, "%p|", "U", 0) == (2, "0|")
    # %lc beyond ASCII: the enclave's C locale has no encoding for it, so snprintf fails.
    assert _snprintf(libc, 64, "x%lcy", "i", 0x263A)[0] == -1
    # An unknown conversion is an error, not text.
    assert _snprintf(libc, 64, "%y|", "n", None)[0] == -1


def test_snprintf_failures_set_errno(libc: EnclaveApp) -> None:
    # EOVERFLOW (75) for a size over INT_MAX, EILSEQ (84) for %lc beyond ASCII, EINVAL (22) for
    # an unknown conversion; strerror and %m name them, and ERANGE (strtol's).
    assert libc.ecall(LIBC_ERRORS).decode() == (
        "-1 75|-1 84|-1 22|Value too large for data type|Result not representable|"
        "Illegal byte sequence"
    )


def test_heap_churn(libc: EnclaveApp) -> None:
    assert libc.ecall(LIBC_HEAP, struct.pack("<I", 50)) == b"ok"
    # Everything was freed: the same again finds room.
    assert libc.ecall(LIBC_HEAP, struct.pack("<I", 50)) == b"ok"


def test_heap_limits(libc: EnclaveApp) -> None:
    assert libc.ecall(LIBC_HEAP_LIMITS) == b"ok"


@pytest.mark.parametrize(
    ("how", "message"),
    [
        (0, "free: pointer not from malloc, or freed twice"),
        (1, "free: pointer not from malloc, or freed twice"),
        (2, "malloc: heap block header overwritten"),
    ],
)
def test_heap_misuse_aborts(libc: EnclaveApp, how: int, message: str) -> None:
    with pytest.raises(EnclaveAbortError) as caught:
        libc.ecall(LIBC_MISUSE, bytes([how]))
    assert caught.value.message == message
    if how < 2:
        # The abort released the heap's lock and left the heap whole.
        assert libc.ecall(LIBC_HEAP, struct.pack("<I", 2)) == b"ok"


def test_no_heap(load_app: LoadApp) -> None:
    app = load_app("libc")
    assert app.call(LIBC_HEAP, struct.pack("<I", 1))[0] == EnclaveStatus.OUTPUT_TOO_SMALL


def test_heap_from_two_tcss_at_once(load_app: LoadApp) -> None:
    app = load_app("libc", ImageParams(threads=2, heap_size=1 << 20))
    results: List[bytes] = []
    errors: List[BaseException] = []

    def run(thread: int) -> None:
        try:
            results.append(app.ecall(LIBC_HEAP_RACE, struct.pack("<I", 200), thread=thread))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    workers = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert results == [struct.pack("<I", 0)] * 2


@pytest.mark.parametrize(
    ("a", "b"),
    [("hello world", "o"), ("abc", "abd"), ("abc", "ab"), ("", "x"), ("mississippi", "ssi")],
)
def test_strings_match_python(libc: EnclaveApp, a: str, b: str) -> None:
    output = libc.ecall(LIBC_STRINGS, a.encode() + b"\0" + b.encode() + b"\0")
    numbers = list(struct.unpack_from("<8i", output))
    texts = output[32:].split(b"\0")

    def sign(value: int) -> int:
        return (value > 0) - (value < 0)

    def cmp(x: str, y: str) -> int:
        return sign((x > y) - (x < y))

    first = b[0]
    assert numbers == [
        len(a),
        min(len(a), 3),
        cmp(a, b),
        cmp(a[:2], b[:2]),
        a.find(first),
        a.rfind(first),
        a.find(b),
        a.find(first),
    ]
    assert texts[:2] == [(a + b).encode(), a[:4].encode()]


def test_log_reaches_python_logging(libc: EnclaveApp, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="vmpl_sgx.enclave"):
        assert libc.ecall(LIBC_LOG, b"hi there") == b""
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("vmpl_sgx.enclave", logging.INFO, "enclave says hi there (8)")
    ]


def test_log_handler_of_the_application_wins(libc: EnclaveApp) -> None:
    lines: List[bytes] = []
    libc.register_ocall(OCALL_LOG, lines.append)
    libc.ecall(LIBC_LOG, b"x")
    assert lines == [struct.pack("<I", logging.INFO) + b"enclave says x (1)"]


def test_assert_fails_as_abort(libc: EnclaveApp) -> None:
    assert libc.ecall(LIBC_CHECK) == b""
    with pytest.raises(EnclaveAbortError) as caught:
        libc.ecall(LIBC_CHECK, b"not empty")
    assert caught.value.vector == UD
    assert "enclave.c" in caught.value.message
    assert caught.value.message.endswith("assertion failed: call->input_len == 0")
    assert "aborted" in str(caught.value)
    # The TCS is usable again afterwards, as after any fault.
    assert libc.ecall(LIBC_CHECK) == b""


def test_abort_is_a_typed_fault(libc: EnclaveApp) -> None:
    with pytest.raises(EnclaveAbortError) as caught:
        libc.ecall(LIBC_ABORT)
    assert isinstance(caught.value, EnclaveFaultError)
    assert (caught.value.call_id, caught.value.message) == (LIBC_ABORT, "abort() called")


def test_random_bytes(libc: EnclaveApp) -> None:
    first = libc.ecall(LIBC_RANDOM, struct.pack("<I", 4096))
    second = libc.ecall(LIBC_RANDOM, struct.pack("<I", 13))
    assert (len(first), len(second)) == (4096, 13)
    assert first[:13] != second
    # 4096 hardware bytes use (nearly) every byte value; a stuck source would not.
    assert len(set(first)) > 200
    assert libc.ecall(LIBC_RANDOM, struct.pack("<I", 0)) == b""
    with pytest.raises(EcallError):
        libc.ecall(LIBC_RANDOM, struct.pack("<I", 4097))


# strtol, strtoul, strtoll, strtoull by the sample's `which`; C's errno values.
STRTO = ("strtol", "strtoul", "strtoll", "strtoull")
ERANGE, EINVAL = 34, 22
PARSE_CASES: List[Tuple[str, int]] = [
    ("0", 10),
    ("  -42xyz", 10),
    ("\t\n\v\f\r +17", 0),
    ("0x1f", 0),
    ("0X1F", 16),
    ("0x", 16),  # the 0 is the number; "x" is left
    ("0xg", 0),
    ("077", 0),
    ("08", 0),  # octal stops at the 8
    ("zZ", 36),
    ("1010102", 2),
    ("9223372036854775807", 10),
    ("9223372036854775808", 10),  # one past LONG_MAX: ERANGE for the signed ones
    ("-9223372036854775808", 10),
    ("-9223372036854775809", 10),
    ("18446744073709551615", 10),
    ("18446744073709551616", 10),  # one past ULONG_MAX: ERANGE for all
    ("-1", 10),  # the unsigned ones negate: ULONG_MAX, no error
    ("-18446744073709551616", 0),
    ("", 10),
    ("   ", 10),
    ("abc", 10),
    ("- 5", 10),
    ("12", 1),  # no base 1: EINVAL
    ("12", 37),
    ("7fffffffffffffff", 16),
]


def _parse(app: EnclaveApp, which: int, base: int, text: str) -> Tuple[int, int, int]:
    output = app.ecall(LIBC_PARSE, struct.pack("<Bi", which, base) + text.encode() + b"\0")
    return struct.unpack("<qii", output)


def _host_parse(name: str, base: int, text: str) -> Tuple[int, int, int]:
    host = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    function = getattr(host, name)
    function.restype = ctypes.c_longlong if name in ("strtol", "strtoll") else ctypes.c_ulonglong
    function.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_int]
    buffer = ctypes.create_string_buffer(text.encode())
    start = ctypes.addressof(buffer)
    # C leaves the end pointer alone for an invalid base (glibc does): start there.
    end = ctypes.c_void_p(start)
    ctypes.set_errno(0)
    value = function(buffer, ctypes.byref(end), base)
    error = ctypes.get_errno()
    assert end.value is not None
    return struct.unpack("<q", struct.pack("<Q", value & (2**64 - 1)))[0], end.value - start, error


@pytest.mark.parametrize(("text", "base"), PARSE_CASES)
def test_strtol_family_matches_host_c_library(libc: EnclaveApp, text: str, base: int) -> None:
    for which, name in enumerate(STRTO):
        value, end, error = _host_parse(name, base, text)
        if end == 0 and error == 0:
            error = EINVAL  # no digits: musl says EINVAL, as POSIX allows; glibc says nothing
        assert _parse(libc, which, base, text) == (value, end, error), name


def test_strtol_family_errors(libc: EnclaveApp) -> None:
    # Independent of the host: the C standard's results at the limits.
    assert _parse(libc, 0, 10, "9223372036854775808") == (2**63 - 1, 19, ERANGE)
    assert _parse(libc, 2, 10, "-9223372036854775809") == (-(2**63), 20, ERANGE)
    assert _parse(libc, 1, 10, "18446744073709551616") == (-1, 20, ERANGE)
    assert _parse(libc, 3, 10, "-1") == (-1, 2, 0)
    assert _parse(libc, 0, 37, "12") == (0, 0, EINVAL)
    assert _parse(libc, 0, 16, "0x") == (0, 1, 0)
    assert _parse(libc, 0, 10, " -x") == (0, 0, EINVAL)  # no digits: nothing consumed


@pytest.mark.parametrize(
    "text", ["0", "42", "  -17 apples", "+8", "2147483647", "-2147483648", "x", "", "\t99"]
)
def test_atoi_and_abs_families(libc: EnclaveApp, text: str) -> None:
    match = re.match(r"[ \t\n\v\f\r]*([+-]?\d+)", text)
    expected = int(match.group(1)) if match else 0
    for which in (4, 5, 6):  # atoi, atol, atoll
        assert _parse(libc, which, 0, text) == (expected, -1, 0)
    if expected != -(2**31):  # abs(INT_MIN) is undefined in C
        for which in (7, 8, 9):  # abs, labs, llabs of the same
            assert _parse(libc, which, 0, text) == (abs(expected), -1, 0)


@pytest.mark.parametrize("count", [0, 1, 2, 7, 256])
def test_qsort_qsort_r_and_bsearch(libc: EnclaveApp, count: int) -> None:
    draw = random.Random(count)
    values = [draw.randint(-(2**31) + 1, 2**31 - 1) for _ in range(count // 2)]
    values += draw.choices(values or [5], k=count - len(values))  # duplicates too
    output = libc.ecall(LIBC_SORT, struct.pack(f"<{count}i", *values))
    numbers = struct.unpack(f"<{3 * count + 1}i", output)
    ascending, descending, found = (
        list(numbers[:count]), list(numbers[count:2 * count]), numbers[2 * count:]
    )
    assert ascending == sorted(values)
    assert descending == sorted(values, reverse=True)
    # bsearch finds each value (any one of equal ones) and not INT32_MIN, which is absent.
    assert [ascending[index] for index in found[:count]] == values
    assert found[count] == -1


def _tokens(text: str, delimiters: str, keep_empty: bool) -> str:
    parts = re.split("[" + re.escape(delimiters) + "]", text) if delimiters else [text]
    return "|".join(part for part in parts if keep_empty or part)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hello World", "hello world"),
        ("abc", "ABD"),
        ("abcdef", "ABCxyz"),
        ("a,b,,c", ","),
        (",x;y,", ",;"),
        ("mississippi", "ssi"),
        ("", ""),
        ("no delimiters", ""),
        ("[", "[]"),
    ],
)
def test_text_functions_match_python(libc: EnclaveApp, a: str, b: str) -> None:
    output = libc.ecall(LIBC_TEXT, a.encode() + b"\0" + b.encode() + b"\0")
    numbers = list(struct.unpack_from("<4i", output))
    texts = output[16:].split(b"\0")

    def cmp(x: str, y: str) -> int:
        return (x > y) - (x < y)

    formatted = f"{a}={len(a)}"
    assert numbers == [
        cmp(a.lower(), b.lower()),
        cmp(a[:3].lower(), b[:3].lower()),
        a.find(b),
        len(formatted),
    ]
    assert [text.decode() for text in texts[:5]] == [
        _tokens(a, b, keep_empty=False),
        _tokens(a, b, keep_empty=True),
        a,
        a[:3],
        formatted,
    ]


def test_text_functions_without_a_heap(load_app: LoadApp) -> None:
    # strdup and strndup find no heap: NULL, which the sample reports as OUTPUT_TOO_SMALL.
    app = load_app("libc")
    assert app.call(LIBC_TEXT, b"abc\0b\0")[0] == EnclaveStatus.OUTPUT_TOO_SMALL


# Bit by bit as the sample packs them: isalnum ... isxdigit.
CLASSES: Tuple[Callable[[bytes], bool], ...] = (
    lambda c: c.isalnum(),
    lambda c: c.isalpha(),
    lambda c: c in b" \t",
    lambda c: c[0] < 32 or c[0] == 127,
    lambda c: c.isdigit(),
    lambda c: 33 <= c[0] < 127,
    lambda c: c.islower(),
    lambda c: 32 <= c[0] < 127,
    lambda c: c in string.punctuation.encode(),
    lambda c: c in b" \t\n\v\f\r",
    lambda c: c.isupper(),
    lambda c: c in string.hexdigits.encode(),
)


def test_ctype_is_ascii_as_python(libc: EnclaveApp) -> None:
    rows = libc.ecall(LIBC_CTYPE)
    assert len(rows) == 257 * 4
    for value in range(256):
        byte = bytes([value])
        bits = sum(1 << bit for bit, test in enumerate(CLASSES) if test(byte))
        expected = struct.pack("<H", bits) + byte.lower() + byte.upper()
        assert rows[4 * value:4 * value + 4] == expected, hex(value)
    # EOF is in no class and maps to itself (its low byte).
    assert rows[-4:] == b"\0\0\xff\xff"
