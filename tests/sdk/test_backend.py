"""Choosing and opening a backend; the device backend's ioctl plumbing on a non-vmpl file."""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import termios
from pathlib import Path

import pytest

from vmpl_sgx import _abi
from vmpl_sgx.backend import BACKEND_ENV, check_arg, ioctl_name
from vmpl_sgx.device import FCNTL_BUFFER_MAX, DeviceBackend
from vmpl_sgx.errors import ClosedError, DeviceMissingError, NotSupportedError
from vmpl_sgx.selection import open_backend
from vmpl_sgx.simulator import SimulatorBackend

MISSING = "/nonexistent/vmpl_sgx"


@pytest.fixture(autouse=True)
def no_backend_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BACKEND_ENV, raising=False)


def test_simulator_on_request() -> None:
    backend = open_backend("simulator")
    assert isinstance(backend, SimulatorBackend)
    assert backend.name == "simulator"
    backend.close()


def test_auto_without_a_device_is_the_simulator(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="vmpl_sgx"):
        backend = open_backend("auto", MISSING)
    assert backend.name == "simulator"
    assert f"simulator backend ({MISSING} not found)" in caplog.text
    backend.close()


def test_auto_with_a_device_is_the_device() -> None:
    backend = open_backend("auto", "/dev/null")
    assert isinstance(backend, DeviceBackend)
    assert backend.name == "device"
    backend.close()


def test_environment_decides_auto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BACKEND_ENV, "simulator")
    backend = open_backend("auto", "/dev/null")
    assert backend.name == "simulator"
    backend.close()
    monkeypatch.setenv(BACKEND_ENV, "device")
    with pytest.raises(DeviceMissingError):
        open_backend("auto", MISSING)


def test_bad_names_are_value_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="unknown backend"):
        open_backend("hardware")
    monkeypatch.setenv(BACKEND_ENV, "quantum")
    with pytest.raises(ValueError, match=BACKEND_ENV):
        open_backend("auto")


def test_missing_device_is_device_missing() -> None:
    with pytest.raises(DeviceMissingError) as caught:
        open_backend("device", MISSING)
    assert caught.value.errno == errno.ENOENT
    assert caught.value.ioctl == "open"
    assert MISSING in str(caught.value)


def test_device_ioctls_fail_typed_on_another_file(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    backend = DeviceBackend(str(plain))
    assert backend.fileno() >= 0
    with pytest.raises(NotSupportedError) as caught:
        backend.ioctl(_abi.IOC_GET_INFO, bytearray(64))
    assert caught.value.errno == errno.ENOTTY
    assert caught.value.ioctl == "GET_INFO"
    with pytest.raises(NotSupportedError):
        backend.ioctl(_abi.IOC_ENCLAVE_RUN, 0x7F00_0000_0000)  # a 64-bit pointer value
    backend.close()
    backend.close()
    assert backend.closed
    with pytest.raises(ClosedError):
        backend.ioctl(_abi.IOC_GET_INFO, bytearray(64))


def test_device_ioctl_writes_back_on_both_paths(tmp_path: Path) -> None:
    """A real ioctl that writes its answer (FIONREAD on a FIFO holding 5 bytes), through the
    fcntl path (an ABI-sized buffer) and the libc path (a buffer too big for fcntl's copy)."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    backend = DeviceBackend(str(fifo))  # O_RDWR: a FIFO opened for both ends never blocks
    os.write(backend.fileno(), b"hello")
    for size in (8, FCNTL_BUFFER_MAX, FCNTL_BUFFER_MAX + 1, 4 * FCNTL_BUFFER_MAX):
        buffer = bytearray(b"\xff" * size)
        assert backend.ioctl(termios.FIONREAD, buffer) == 0
        assert int.from_bytes(buffer[:4], "little") == 5
        assert buffer[4:] == b"\xff" * (size - 4)
    backend.close()


def test_argument_types() -> None:
    check_arg(bytearray(8))
    check_arg(0)
    for bad in (b"\0" * 8, True, 1.0, memoryview(bytearray(8)), None):
        with pytest.raises(TypeError):
            check_arg(bad)


def test_ioctl_names() -> None:
    assert ioctl_name(_abi.IOC_ENCLAVE_ADD_PAGES) == "ENCLAVE_ADD_PAGES"
    assert ioctl_name(0x1234) is None


def test_device_file_is_close_on_exec() -> None:
    # An inherited enclave file would keep its enclave alive in an exec'd program.
    opened = DeviceBackend(os.devnull)
    try:
        assert fcntl.fcntl(opened.fileno(), fcntl.F_GETFD) & fcntl.FD_CLOEXEC
    finally:
        opened.close()
