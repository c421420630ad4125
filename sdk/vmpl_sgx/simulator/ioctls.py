"""The ioctls as the kernel module implements them, step by step.

Every check, its order and its errno follow docs/ioctl-semantics.md; the step numbers in the
comments are that document's. What the simulator cannot do: see a signal in the middle of a
call (so it never fails with EINTR and never returns a partial count for that reason), or lose
its SEH to a timeout.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
from typing import Iterator, Protocol

from vmpl_sgx._abi import (
    API_VERSION,
    PAGE_SIZE,
    QUOTE_BUFFER_MAX,
    QUOTE_NONCE_SIZE,
    QUOTE_REPORT_SIZE,
    SECS_SIZE,
    SEH_PROTOCOL,
    SIGSTRUCT_SIZE,
    VENDOR_INTEL,
    Attr,
    Cap,
    EnclaveAddPages,
    EnclaveCreate,
    EnclaveInit,
    EnclaveQuote,
    EnclaveRun,
    Enclu,
    Exit,
    Info,
    PageFlag,
    PageType,
    QuotingTarget,
    RunFlag,
    Secinfo,
    SecinfoFlag,
    Secs,
    SehDescFlag,
    SehEnterFault,
    SehEnterRsp,
    Sigstruct,
    Transport,
)
from vmpl_sgx.errors import EnclaveStateError, EntryParkedError, QuotaExceededError
from vmpl_sgx.simulator.enclave_file import EnclaveFile, State
from vmpl_sgx.simulator.failure import Failure
from vmpl_sgx.simulator.hooks import Hooks
from vmpl_sgx.simulator.parked import ParkedEntry
from vmpl_sgx.simulator.quota import Quota
from vmpl_sgx.simulator.seh_link import Limits, SehSession, default_limits
from vmpl_sgx.usermem import UserFault, UserMemory

_U64 = (1 << 64) - 1
_PERMISSIONS = int(SecinfoFlag.R | SecinfoFlag.W | SecinfoFlag.X)
_TYPE_MASK = int(SecinfoFlag.PAGE_TYPE_MASK)
_PRIVILEGED = int(Attr.PROVISIONKEY | Attr.EINITTOKENKEY)
# Plain ints: inverting an IntFlag keeps only its declared bits on newer Pythons.
_MEASURE = int(PageFlag.MEASURE)
_ZERO = int(PageFlag.ZERO)
_ARG_UNREADABLE = "the argument struct cannot be read"
_RUN_SIZE = ctypes.sizeof(EnclaveRun)
_RUN_RESERVED_AT = vars(EnclaveRun)["reserved"].offset
_RUN_RESERVED = _RUN_SIZE - _RUN_RESERVED_AT
_RUN_CANCEL = int(RunFlag.CANCEL)
_RUN_FLAGS = _RUN_CANCEL


class Host(Protocol):
    """What the handlers need from the simulator that owns the file."""

    @property
    def session(self) -> SehSession | None: ...

    @property
    def max_pages_per_call(self) -> int: ...

    @property
    def quota(self) -> Quota: ...


class Arg:
    """The ioctl argument: the caller's bytearray, or a raw user address."""

    def __init__(self, value: bytearray | int, memory: UserMemory) -> None:
        self._value = value
        self._memory = memory

    def read(self, size: int) -> bytes:
        """copy_from_user of the argument struct (zero-extended when the buffer is shorter)."""
        if isinstance(self._value, bytearray):
            return bytes(self._value[:size]).ljust(size, b"\0")
        try:
            return self._memory.read(self._value, size)
        except UserFault:
            raise Failure(errno.EFAULT, _ARG_UNREADABLE) from None

    def write(self, data: bytes, offset: int = 0, what: str = "the result") -> None:
        """copy_to_user into the argument struct; a buffer takes what fits, as fcntl's does."""
        if isinstance(self._value, bytearray):
            end = min(len(self._value), offset + len(data))
            if end > offset:
                self._value[offset:end] = data[: end - offset]
            return
        try:
            self._memory.write(self._value + offset, data)
        except UserFault:
            raise Failure(errno.EFAULT, f"{what} cannot be written back") from None


class Call:
    """One ioctl on one file: everything a handler touches."""

    def __init__(
        self, name: str, host: Host, file: EnclaveFile, hooks: Hooks, value: bytearray | int
    ) -> None:
        self.name = name
        self.host = host
        self.file = file
        self.hooks = hooks
        self.memory = UserMemory()
        self.arg = Arg(value, self.memory)
        self.size = 0
        """The struct size the command carries (what an extensible command's handler uses)."""

    def read_user(self, address: int, length: int, what: str) -> bytes:
        try:
            return self.memory.read(address, length)
        except UserFault:
            raise Failure(errno.EFAULT, f"{what} at 0x{address:x} cannot be read") from None

    def limits(self) -> Limits:
        session = self.file.session
        if session is None or session is not self.host.session:
            raise Failure(errno.EIO, "no SEH is attached")
        return session.limits()

    @contextlib.contextmanager
    def serialized(self) -> Iterator[EnclaveFile]:
        """Step 1 of CREATE, ADD_PAGES and INIT: owner, busy, broken; then hold the lock."""
        file = self.file
        file.check_owner()
        if not file.lock.acquire(blocking=False):
            raise Failure(
                errno.EBUSY,
                "another ENCLAVE_CREATE, ENCLAVE_ADD_PAGES or ENCLAVE_INIT is running",
            )
        try:
            if file.is_broken(self.host.session):
                raise Failure(errno.EIO, "the enclave is broken: its SEH went away")
            self.hooks.reached(self.name)
            yield file
        except Failure as failure:
            if failure.lost:
                file.lost = True
            raise
        finally:
            file.lock.release()


def _state_failure(file: EnclaveFile, needed: State) -> Failure:
    if file.state > needed:
        what = "already initialized"
    else:
        what = "not created" if file.state is State.NEW else "not initialized"
    return Failure(errno.EINVAL, f"the enclave is {what}", kind=EnclaveStateError)


# ---- ENCLAVE_CREATE


def enclave_create(call: Call) -> None:
    with call.serialized() as file:  # 1
        if file.state is not State.NEW:  # 2
            raise Failure(errno.EINVAL, "the enclave was already created", kind=EnclaveStateError)
        create = EnclaveCreate.from_buffer_copy(call.arg.read(ctypes.sizeof(EnclaveCreate)))  # 3
        raw = call.read_user(create.src, SECS_SIZE, "the 4096-byte SECS")  # 4
        secs = Secs.from_buffer_copy(raw)
        if not secs.size or secs.size & (secs.size - 1):  # 5
            raise Failure(errno.EINVAL, f"SECS.size 0x{secs.size:x} is zero or not a power of two")
        quota = call.host.quota  # 6
        if not quota.charge(file.quota_uid, 1):
            raise _quota_failure(quota, "the SECS")
        session = call.host.session  # 7
        try:
            if session is None:
                raise Failure(errno.EIO, "no SEH is attached")
            file.handle = session.create(raw)
        except Failure:
            quota.uncharge(file.quota_uid, 1)
            raise
        file.quota_pages = 1
        file.session = session
        file.base, file.size, file.attributes = secs.base, secs.size, secs.attributes
        file.state = State.CREATED


def _quota_failure(quota: Quota, what: str) -> Failure:
    return Failure(
        errno.EDQUOT,
        f"{what} would take the user's SEH pages over seh_pages_per_user "
        f"({quota.pages_per_user})",
        kind=QuotaExceededError,
    )


# ---- ENCLAVE_ADD_PAGES


def _check_range(add: EnclaveAddPages, size: int) -> None:
    if add.offset % PAGE_SIZE:
        raise Failure(errno.EINVAL, f"offset 0x{add.offset:x} is not page-aligned")
    if not add.length or add.length % PAGE_SIZE:
        raise Failure(errno.EINVAL, f"length 0x{add.length:x} is zero or not page-aligned")
    end = add.offset + add.length
    if end > _U64:
        raise Failure(errno.EINVAL, "offset + length overflows")
    if end > size:
        raise Failure(errno.EINVAL, f"offset + length 0x{end:x} is beyond SECS.size 0x{size:x}")


def check_secinfo(raw: bytes) -> None:
    """Step 8: the SECINFO rules of Linux's driver."""
    secinfo = Secinfo.from_buffer_copy(raw)
    flags = secinfo.flags
    kind = (flags & _TYPE_MASK) >> 8
    permissions = flags & _PERMISSIONS
    why = ""
    if kind not in (PageType.REG, PageType.TCS):
        why = f"page type {kind} is neither REG nor TCS"
    elif permissions & SecinfoFlag.W and not permissions & SecinfoFlag.R:
        why = "W without R"
    elif kind == PageType.TCS and permissions:
        why = "a TCS page has R, W or X"
    elif flags & ~(_PERMISSIONS | _TYPE_MASK):
        why = f"flag bits 0x{flags & ~(_PERMISSIONS | _TYPE_MASK):x} are not R, W, X or the type"
    elif any(secinfo.reserved):
        why = "a reserved byte is not zero"
    if why:
        raise Failure(errno.EINVAL, f"SECINFO 0x{flags:x}: {why}")


class _Adder:
    """Step 9: copy the source pages batch by batch and hand each batch to the SEH."""

    def __init__(self, call: Call, add: EnclaveAddPages, secinfo_flags: int) -> None:
        self.call = call
        self.add = add
        self.secinfo_flags = secinfo_flags
        self.desc_flags = int(SehDescFlag.MEASURE) if add.flags & PageFlag.MEASURE else 0
        self.count = 0

    def run(self, max_pages: int) -> None:
        if self.add.flags & _ZERO:
            self._run_zero(max_pages)
            return
        add, file = self.add, self.call.file
        assert file.session is not None
        bounce = bytearray(min(max_pages, add.length // PAGE_SIZE) * PAGE_SIZE)
        quota = self.call.host.quota
        while self.count < add.length:
            want = min(max_pages, (add.length - self.count) // PAGE_SIZE)
            n = quota.charge(file.quota_uid, want)  # in order while the user's cap lasts
            if not n:
                where = add.offset + self.count
                raise _quota_failure(quota, f"the page at enclave offset 0x{where:x}")
            copied = self._copy(add.src + self.count, n, bounce)
            done = 0
            try:
                if copied:
                    view = memoryview(bounce)
                    pages = [view[i * PAGE_SIZE : (i + 1) * PAGE_SIZE] for i in range(copied)]
                    offset = add.offset + self.count
                    done, number, why = file.session.add_pages(
                        file.handle, pages, offset, self.secinfo_flags, self.desc_flags
                    )
                    self.count += done * PAGE_SIZE
                    if number:
                        where = add.offset + self.count
                        raise Failure(number, f"{why} at enclave offset 0x{where:x}")
            finally:
                file.quota_pages += done
                quota.uncharge(file.quota_uid, n - done)
            if copied < n:
                address = add.src + self.count
                raise Failure(errno.EFAULT, f"the source page at 0x{address:x} cannot be read")

    def _run_zero(self, max_pages: int) -> None:
        """Zero pages: nothing to copy, descriptors without a guest page."""
        add, file = self.add, self.call.file
        assert file.session is not None
        while self.count < add.length:
            n = min(max_pages, (add.length - self.count) // PAGE_SIZE)
            done, number, why = file.session.add_zero_pages(
                file.handle, n, add.offset + self.count, self.secinfo_flags
            )
            self.count += done * PAGE_SIZE
            if number:
                where = add.offset + self.count
                raise Failure(number, f"{why} at enclave offset 0x{where:x}")

    def _copy(self, src: int, n: int, bounce: bytearray) -> int:
        """Copy up to `n` pages from `src` into `bounce`; returns how many could be read."""
        memory = self.call.memory
        readable = memory.readable_bytes(src, n * PAGE_SIZE) // PAGE_SIZE
        if not readable:
            return 0
        try:
            bounce[: readable * PAGE_SIZE] = memory.read(src, readable * PAGE_SIZE)
            return readable
        except UserFault:
            pass  # the mappings changed meanwhile: find the first page that faults
        for index in range(readable):
            try:
                page = memory.read(src + index * PAGE_SIZE, PAGE_SIZE)
            except UserFault:
                return index
            bounce[index * PAGE_SIZE : (index + 1) * PAGE_SIZE] = page
        return readable


def enclave_add_pages(call: Call) -> None:
    with call.serialized() as file:  # 1
        if file.state is not State.CREATED:  # 2
            raise _state_failure(file, State.CREATED)
        add = EnclaveAddPages.from_buffer_copy(
            call.arg.read(ctypes.sizeof(EnclaveAddPages))  # 3
        )
        adder = _Adder(call, add, 0)
        failure: Failure | None = None
        try:
            if add.src % PAGE_SIZE:  # 4
                raise Failure(errno.EINVAL, f"src 0x{add.src:x} is not page-aligned")
            _check_range(add, file.size)  # 5
            if add.flags & ~(_MEASURE | _ZERO):  # 6
                raise Failure(errno.EINVAL, f"flags 0x{add.flags:x} has unknown bits")
            if add.flags & _ZERO and (add.flags & _MEASURE or add.src):
                raise Failure(errno.EINVAL, "ZERO pages are never measured and take src 0")
            raw = call.read_user(add.secinfo, ctypes.sizeof(Secinfo), "the 64-byte SECINFO")  # 7
            check_secinfo(raw)  # 8
            # Bits 63-32 were rejected above; the page descriptor has 32 bits for them.
            adder.secinfo_flags = Secinfo.from_buffer_copy(raw).flags & 0xFFFFFFFF
            limits = call.limits()
            if add.flags & _ZERO and not limits.capabilities & Cap.ZERO_PAGES:  # 9
                raise Failure(errno.EOPNOTSUPP, "the SEH cannot add zero pages (no ZERO_PAGES)")
            adder.run(limits.max_pages_per_call)
        except Failure as caught:
            failure = caught
        count_offset = vars(EnclaveAddPages)["count"].offset  # 10
        call.arg.write(adder.count.to_bytes(8, "little"), count_offset, what="count")
        if failure is not None:
            raise failure


# ---- ENCLAVE_INIT


def enclave_init(call: Call) -> None:
    with call.serialized() as file:  # 1
        if file.state is not State.CREATED:  # 2
            raise _state_failure(file, State.CREATED)
        init = EnclaveInit.from_buffer_copy(call.arg.read(ctypes.sizeof(EnclaveInit)))  # 3
        raw = call.read_user(init.sigstruct, SIGSTRUCT_SIZE, "the 1808-byte SIGSTRUCT")  # 4
        vendor = Sigstruct.from_buffer_copy(raw).vendor
        if vendor not in (0, VENDOR_INTEL):  # 5
            raise Failure(errno.EINVAL, f"SIGSTRUCT.vendor 0x{vendor:x} is neither 0 nor 0x8086")
        if file.attributes & _PRIVILEGED:  # 6
            raise Failure(
                errno.EACCES, "SECS attributes ask for PROVISIONKEY or EINITTOKENKEY"
            )
        assert file.session is not None
        file.session.init(file.handle, raw)  # 7
        file.state = State.INITIALIZED


# ---- GET_INFO


def get_info(call: Call) -> None:
    session = call.host.session
    limits = default_limits(call.host.max_pages_per_call)
    if session is not None:
        with contextlib.suppress(Failure):
            limits = session.limits()
    info = Info(
        size=min(call.size, ctypes.sizeof(Info)),
        api_version=API_VERSION,
        seh_protocol=SEH_PROTOCOL,
        seh_version=limits.version,
        transport=Transport.SIMULATOR,
        capabilities=limits.capabilities,
        max_pages_per_call=limits.max_pages_per_call,
        max_run_buffer=limits.max_run_buffer,
        max_enclave_size=limits.max_enclave_size,
    )
    write_extensible(call, bytes(info))


def write_extensible(call: Call, struct: bytes) -> None:
    """Copy out an extensible struct (the spec's extensible-doc): the prefix the caller's
    size and the module's share, zeros for the rest of a larger caller's struct."""
    common = min(call.size, len(struct))
    call.arg.write(struct[:common] + bytes(call.size - common))


# ---- ENCLAVE_RUN


def _check_run(run: EnclaveRun, raw: bytes, file: EnclaveFile) -> None:
    if run.flags & ~_RUN_FLAGS or raw.count(0, _RUN_RESERVED_AT) != _RUN_RESERVED:  # 4
        raise Failure(errno.EINVAL, "flags has unknown bits or a reserved byte is not zero")
    cancel = run.flags & _RUN_CANCEL  # CANCEL does not use function
    if not cancel and run.function not in (Enclu.EENTER, Enclu.ERESUME):  # 5
        raise Failure(errno.EINVAL, f"function {run.function} is neither EENTER nor ERESUME")
    tcs = run.tcs
    if tcs < file.base or tcs - file.base >= file.size or tcs % PAGE_SIZE:  # 6
        raise Failure(errno.EINVAL, f"tcs 0x{tcs:x} is outside the enclave or not page-aligned")


def enclave_run(call: Call) -> None:
    file = call.file
    file.check_owner()  # 1
    if file.is_broken(call.host.session):
        raise Failure(errno.EIO, "the enclave is broken: its SEH went away")
    if file.state is not State.INITIALIZED:  # 2
        raise _state_failure(file, State.INITIALIZED)
    raw = call.arg.read(_RUN_SIZE)  # 3
    run = EnclaveRun.from_buffer_copy(raw)
    _check_run(run, raw, file)  # 4-6
    if run.flags & _RUN_CANCEL:
        _cancel(call, run)
        return
    limit = call.limits().max_run_buffer
    if run.input_len > limit:  # 7
        raise Failure(errno.E2BIG, f"input_len {run.input_len} is above {limit}")
    if run.output_capacity > limit:
        raise Failure(errno.E2BIG, f"output_capacity {run.output_capacity} is above {limit}")
    data = call.read_user(run.input, run.input_len, f"the {run.input_len}-byte input")  # 8
    try:
        call.memory.check_writable(run.output, run.output_capacity)
    except UserFault:
        raise Failure(
            errno.EFAULT, f"the output range 0x{run.output:x}+{run.output_capacity} is not writable"
        ) from None
    index = (run.tcs - file.base) // PAGE_SIZE
    parked = file.claim_tcs(index)  # 9
    if parked is not None and not parked.resumed_by(run, data):
        file.unclaim_tcs(index, parked)
        raise Failure(
            errno.EALREADY,
            "an entry is parked on this TCS and this RUN is not the same RUN that resumes it",
            kind=EntryParkedError,
        )
    if parked is None:
        parked = _enter(call, run, data, index)  # 10
    try:  # 11
        call.memory.write(run.output, parked.output)
        _write_back(run, parked.rsp, parked.fault)
        call.arg.write(bytes(run), what="the RUN results")
    except (UserFault, Failure) as error:
        # The exit is not lost: it stays parked for the same RUN.
        file.unclaim_tcs(index, parked)
        if isinstance(error, Failure):
            raise
        raise Failure(errno.EFAULT, "the output cannot be written") from None
    file.unclaim_tcs(index)


def _cancel(call: Call, run: EnclaveRun) -> None:
    """VMPL_SGX_RUN_CANCEL: the parked entry and its ocall are given up at the SEH."""
    file = call.file
    index = (run.tcs - file.base) // PAGE_SIZE
    call.limits()  # as the module, which asks for the session's limits first
    file.claim_tcs(index)  # 9; a parked exit is dropped
    try:
        assert file.session is not None
        file.session.abandon(file.handle, run.tcs - file.base)
    finally:
        file.unclaim_tcs(index)


def _enter(call: Call, run: EnclaveRun, data: bytes, index: int) -> ParkedEntry:
    """Step 10: ENTER at the SEH; the TCS stays claimed unless the call fails."""
    file = call.file
    try:
        call.hooks.reached(call.name)
        assert file.session is not None
        rsp, fault, output = file.session.enter(
            file.handle,
            run.tcs - file.base,
            function=run.function,
            call_id=run.call_id,
            data=data,
            output_capacity=run.output_capacity,
        )
    except Failure as failure:
        if failure.lost:
            file.lost = True
        file.unclaim_tcs(index)
        raise
    except BaseException:
        file.unclaim_tcs(index)
        raise
    return ParkedEntry(run.function, run.call_id, data, run.output_capacity, rsp, fault, output)


def _write_back(run: EnclaveRun, rsp: SehEnterRsp, fault: SehEnterFault) -> None:
    exception = rsp.exit_kind == Exit.EXCEPTION
    if not exception:
        run.function = Enclu.EEXIT
    run.exception_vector = rsp.exception_vector if exception else 0
    run.exception_error_code = rsp.exception_error_code if exception else 0
    run.exception_rip = fault.exception_rip if exception else 0
    run.exception_addr = rsp.exception_addr if exception else 0
    if rsp.exit_kind == Exit.OCALL:
        run.call_id = rsp.call_id
    run.exit_kind = rsp.exit_kind
    run.output_len = rsp.output_len
    run.retval = rsp.retval if rsp.exit_kind == Exit.NORMAL else 0


# ---- ENCLAVE_QUOTE and QUOTING_TARGET


_QUOTE_PARTS = ("snp_report", "manifest", "certificates")


def enclave_quote(call: Call) -> None:
    file = call.file
    file.check_owner()  # 1
    if file.is_broken(call.host.session):
        raise Failure(errno.EIO, "the enclave is broken: its SEH went away")
    if file.state is not State.INITIALIZED:  # 2
        raise _state_failure(file, State.INITIALIZED)
    quote = EnclaveQuote.from_buffer_copy(call.arg.read(ctypes.sizeof(EnclaveQuote)))  # 3
    if quote.flags or bytes(quote.reserved).count(0) != len(quote.reserved):  # 4
        raise Failure(errno.EINVAL, "flags or a reserved byte is not zero")
    capacities = [getattr(quote, f"{part}_len") for part in _QUOTE_PARTS]
    for part, capacity in zip(_QUOTE_PARTS, capacities):  # 5
        if capacity > QUOTE_BUFFER_MAX:
            raise Failure(errno.E2BIG, f"{part}_len {capacity} is above {QUOTE_BUFFER_MAX}")
    report = call.read_user(quote.report, QUOTE_REPORT_SIZE, "the 432-byte REPORT")  # 6
    nonce = call.read_user(quote.nonce, QUOTE_NONCE_SIZE, "the 64-byte nonce")
    for part, capacity in zip(_QUOTE_PARTS, capacities):  # 7
        address = getattr(quote, part)
        try:
            call.memory.check_writable(address, capacity)
        except UserFault:
            raise Failure(
                errno.EFAULT, f"the {part} range 0x{address:x}+{capacity} is not writable"
            ) from None
    call.hooks.reached(call.name)
    assert file.session is not None
    try:
        reply = file.session.quote(file.handle, report, nonce, capacities)  # 8
    except Failure as failure:
        if failure.lost:
            file.lost = True
        raise
    if not reply.errno:  # 9
        for part, data in zip(_QUOTE_PARTS, reply.parts):
            try:
                call.memory.write(getattr(quote, part), data)
            except UserFault:
                raise Failure(errno.EFAULT, f"the {part} cannot be written") from None
    for part, length in zip(_QUOTE_PARTS, reply.lengths):
        setattr(quote, f"{part}_len", length)
    call.arg.write(bytes(quote), what="the quote lengths")
    if reply.errno:
        needed = ", ".join(f"{part} {n}" for part, n in zip(_QUOTE_PARTS, reply.lengths))
        raise Failure(reply.errno, f"a quote buffer is too small; needed: {needed} bytes")


def quoting_target(call: Call) -> None:
    session = call.host.session
    if session is None:
        raise Failure(errno.EIO, "no SEH is attached")
    target = QuotingTarget()
    ctypes.memmove(target.targetinfo, session.quoting_target(), ctypes.sizeof(target.targetinfo))
    call.arg.write(bytes(target))
