"""The owner rule: only the process that opened the file may change or run its enclave."""

from __future__ import annotations

import errno
import json
import os
import warnings
from typing import Callable, Dict

from tests.conformance import raw
from vmpl_sgx import _abi
from vmpl_sgx.backend import Backend


def in_child(calls: Dict[str, Callable[[], object]]) -> Dict[str, int]:
    """Run each call in a forked child; returns the errno each one got there (0: success)."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() with threads around
        pid = os.fork()
    if pid == 0:  # the child: report and leave without running any cleanup of the parent's
        status = 1
        try:
            os.close(read_end)
            results = {name: raw.errno_of(call) for name, call in calls.items()}
            os.write(write_end, json.dumps(results).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert status == 0, "the child failed"
    decoded: Dict[str, int] = json.loads(data)
    return decoded


def test_child_gets_eperm_before_any_other_check(initialized: Backend) -> None:
    results = in_child(
        {
            "create": lambda: initialized.ioctl(_abi.IOC_ENCLAVE_CREATE, 0),
            "add_pages": lambda: initialized.ioctl(_abi.IOC_ENCLAVE_ADD_PAGES, 0),
            "init": lambda: initialized.ioctl(_abi.IOC_ENCLAVE_INIT, 0),
            "run": lambda: initialized.ioctl(_abi.IOC_ENCLAVE_RUN, 0),
            "get_info": lambda: raw.get_info(initialized),
            "get_info_null": lambda: initialized.ioctl(_abi.IOC_GET_INFO, 0),
        }
    )
    assert results == {
        "create": errno.EPERM,
        "add_pages": errno.EPERM,
        "init": errno.EPERM,
        "run": errno.EPERM,
        "get_info": 0,
        "get_info_null": errno.EFAULT,
    }


def test_child_of_a_new_file_gets_eperm(handle: Backend) -> None:
    results = in_child({"create": lambda: handle.ioctl(_abi.IOC_ENCLAVE_CREATE, 0)})
    assert results == {"create": errno.EPERM}


def test_unknown_command_is_enotty_even_in_a_child(handle: Backend) -> None:
    results = in_child({"unknown": lambda: handle.ioctl(raw.ioc(3, 0x05, 40), 0)})
    assert results == {"unknown": errno.ENOTTY}


def test_parent_keeps_working_after_the_child(
    initialized: Backend, keep: raw.Keep
) -> None:
    in_child({"init": lambda: initialized.ioctl(_abi.IOC_ENCLAVE_INIT, 0)})
    assert raw.errno_of(lambda: initialized.ioctl(_abi.IOC_ENCLAVE_INIT, 0)) == errno.EINVAL
