"""Picking and opening a backend: the device when it is there, else the simulator."""

from __future__ import annotations

import logging
import os
from typing import Tuple

from vmpl_sgx.backend import BACKEND_ENV, BACKEND_NAMES, DEVICE_PATH, Backend
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.errors import SdkError
from vmpl_sgx.simulator import default_simulator

log = logging.getLogger("vmpl_sgx")
_logged: set[Tuple[str, str]] = set()  # choices already logged at INFO: once is enough


class BackendChoiceError(SdkError, ValueError):
    """The backend asked for (or named by $VMPL_SGX_BACKEND) is not one of BACKEND_NAMES."""


def open_backend(backend: str = "auto", path: str = DEVICE_PATH) -> Backend:
    """Open one enclave file on `backend`: 'device', 'simulator', or 'auto'.

    'auto' takes the backend named by $VMPL_SGX_BACKEND if set, else the device when `path`
    exists, else the simulator. A device that exists but cannot be opened is an error, not a
    reason to fall back. The choice is logged and kept in the backend's `name`.
    """
    choice, reason = _resolve(backend, path)
    if choice == "device":
        opened: Backend = DeviceBackend(path)
    else:
        opened = default_simulator().open()
    level = logging.DEBUG if (choice, reason) in _logged else logging.INFO
    _logged.add((choice, reason))
    log.log(level, "using the %s backend (%s)", choice, reason)
    return opened


def _resolve(backend: str, path: str) -> Tuple[str, str]:
    if backend not in BACKEND_NAMES:
        raise BackendChoiceError(
            f"unknown backend {backend!r}: use one of {', '.join(BACKEND_NAMES)}"
        )
    if backend != "auto":
        return backend, "asked for"
    env = os.environ.get(BACKEND_ENV, "auto")
    if env not in BACKEND_NAMES:
        raise BackendChoiceError(f"${BACKEND_ENV}={env!r} is none of {', '.join(BACKEND_NAMES)}")
    if env != "auto":
        return env, f"${BACKEND_ENV}"
    if os.path.exists(path):
        return "device", f"{path} exists"
    return "simulator", f"{path} not found"
