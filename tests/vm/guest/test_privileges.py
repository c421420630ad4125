"""Who may open the devices, with the repository's udev rule applied by hand (the guest
has no udev): MODE/GROUP of kernel_module/udev/*.rules on the device nodes, a numeric
group standing in for `vmpl-sgx` (the guest's root is read-only), and children that drop
to an unprivileged uid. The fork rule is in the conformance suite. Device only."""

from __future__ import annotations

import errno
import grp
import hashlib
import json
import os
import pwd
import re
import stat
import traceback
from pathlib import Path
from typing import Callable, Dict, Iterator, List, NamedTuple

import pytest

from tests.conformance import raw
from tests.vm.guest.conftest import DEVICE, SEH_DEVICE
from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.device import DeviceBackend
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.image import ImageParams, layout_from_file
from vmpl_sgx.layout import load, sign
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import SHA256_DIGEST

RULES_DIR = Path(__file__).resolve().parents[3] / "kernel_module" / "udev"
STAND_IN_GID = 47811
"""The gid used for a rule's group that the (read-only) group database lacks."""
USER = 47812
"""An unprivileged uid (and primary gid) in no other group."""


class Rule(NamedTuple):
    mode: int
    uid: int
    gid: int
    group: str


def _gid(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return STAND_IN_GID


def _uid(name: str) -> int:
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return 0


def parse_rules() -> Dict[str, Rule]:
    rules: Dict[str, Rule] = {}
    for path in sorted(RULES_DIR.glob("*.rules")):
        for line in path.read_text().splitlines():
            if line.lstrip().startswith("#"):
                continue
            kernel = re.search(r'KERNEL=="([^"]+)"', line)
            if not kernel:
                continue
            mode = re.search(r'MODE="([0-7]+)"', line)
            group = re.search(r'GROUP="([^"]+)"', line)
            owner = re.search(r'OWNER="([^"]+)"', line)
            name = group.group(1) if group else "root"
            rules[kernel.group(1)] = Rule(
                mode=int(mode.group(1), 8) if mode else 0o600,
                uid=_uid(owner.group(1)) if owner else 0,
                gid=_gid(name),
                group=name,
            )
    return rules


RULES = parse_rules()


def test_rules_cover_both_devices() -> None:
    assert set(RULES) >= {"vmpl_sgx", "vmpl_sgx_seh"}, RULES
    assert RULES["vmpl_sgx"].mode & 0o007 == 0, "the enclave device is open to everybody"
    assert RULES["vmpl_sgx"].gid != 0
    assert RULES["vmpl_sgx_seh"].mode & 0o077 == 0, "the SEH device is not root-only"


@pytest.fixture
def udev() -> Iterator[Dict[str, Rule]]:
    """The rule applied to both nodes; their modes and owners restored afterwards."""
    saved = {}
    for name, rule in RULES.items():
        node = f"/dev/{name}"
        if not os.path.exists(node):
            continue
        info = os.stat(node)
        saved[node] = (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid)
        os.chown(node, rule.uid, rule.gid)
        os.chmod(node, rule.mode)
    yield RULES
    for node, (mode, uid, gid) in saved.items():
        os.chown(node, uid, gid)
        os.chmod(node, mode)


def as_user(groups: List[int], work: Callable[[], object]) -> object:
    """`work()` in a forked child running as uid/gid USER with these supplementary groups;
    its JSON-able result, or its exception re-raised here as an AssertionError."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            os.setgroups(groups)
            os.setgid(USER)
            os.setuid(USER)
            assert os.geteuid() == USER and os.getegid() == USER
            reply = ["ok", work()]
        except BaseException:
            reply = ["error", traceback.format_exc()]
        with os.fdopen(write_end, "w") as stream:
            json.dump(reply, stream)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as stream:
        text = stream.read()
    _, status = os.waitpid(pid, 0)
    assert status == 0, f"child status {status}"
    kind, value = json.loads(text)
    if kind != "ok":
        raise AssertionError(f"in the unprivileged child:\n{value}")
    return value


def open_errno(path: str) -> int:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError as error:
        return error.errno or -1
    os.close(fd)
    return 0


def test_outsider_cannot_open(udev: Dict[str, Rule]) -> None:
    assert as_user([], lambda: open_errno(DEVICE)) == errno.EACCES


def test_member_runs_an_enclave(
    udev: Dict[str, Rule], seh: object, key: RsaPrivateKey, sha256_image: Path
) -> None:
    gid = udev["vmpl_sgx"].gid
    layout = layout_from_file(sha256_image, ImageParams())
    sigstruct = sign(layout, key)
    data = b"run by an unprivileged member of the group"

    def lifecycle() -> Dict[str, object]:
        handle = DeviceBackend(DEVICE)
        try:
            info = raw.get_info(handle)
        finally:
            handle.close()
        enclave = Enclave(DeviceBackend(DEVICE))
        load(enclave, layout, sigstruct)
        with EnclaveApp(enclave, layout) as app:
            digest = app.ecall(SHA256_DIGEST, data)
        return {"max_pages_per_call": info.max_pages_per_call, "digest": digest.hex()}

    result = as_user([gid], lifecycle)
    assert isinstance(result, dict)
    assert result["max_pages_per_call"] >= 1
    assert result["digest"] == hashlib.sha256(data).hexdigest()


def test_nobody_unprivileged_opens_the_seh_device(udev: Dict[str, Rule]) -> None:
    groups = [udev["vmpl_sgx"].gid, udev["vmpl_sgx_seh"].gid]
    assert as_user(groups, lambda: open_errno(SEH_DEVICE)) in (errno.EACCES, errno.EPERM)
    # Even with the node open to all, the module wants CAP_SYS_ADMIN.
    os.chmod(SEH_DEVICE, 0o666)
    try:
        assert as_user(groups, lambda: open_errno(SEH_DEVICE)) == errno.EPERM
    finally:
        os.chmod(SEH_DEVICE, udev["vmpl_sgx_seh"].mode)
