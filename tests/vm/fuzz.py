"""Differential ioctl fuzzer: the kernel module's device against the SDK's simulator.

    python -m tests.vm.fuzz --seed S --calls N [--slots K] [--backends device,simulator]

Each slot holds one enclave file on each of two backends. A seeded `random.Random` picks an
operation (CREATE, ADD_PAGES, INIT, GET_INFO, RUN, QUOTE, QUOTING_TARGET, an unknown ioctl
number, or closing and reopening the slot) with random and boundary arguments, and the
identical call goes to both files, one after the other, against the same user memory (bad
pointers included: NULL, a munmap()ed page, a guard page, a read-only page for write-backs).
Compared per call: return value or errno, the whole argument buffer afterwards, and the user
memory the call may write (RUN's output buffer, QUOTE's, an argument passed by address).
GET_INFO's `transport` differs by design (loopback vs simulator) and is masked. QUOTE's
REPORT comes from the fuzzer's memory, not from an enclave, so a QUOTE that passes the
module's checks ends at the SEH's MAC check (EBADMSG, the same on both: the two SEHs' report
keys differ, so a valid REPORT for one would be forged for the other); what it explores is
every check before that.

The first divergence is printed with the seed and exits 1; otherwise one line
`FUZZ calls=<n> divergences=0 seed=<s>` and exit 0. The same seed gives the same sequence
as long as the backends agree.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import random
import sys
from typing import Any, Callable, Dict, List, Sequence, Tuple, Union

from tests.conformance.memory import READ, RW, Mapping
from vmpl_sgx import _abi
from vmpl_sgx._abi import (
    PAGE_SIZE,
    QUOTE_BUFFER_MAX,
    QUOTE_NONCE_SIZE,
    REPORT_SIZE,
    RUN_BUFFER_MAX,
    Attr,
    EnclaveAddPages,
    EnclaveCreate,
    EnclaveInit,
    EnclaveQuote,
    EnclaveRun,
    Enclu,
    Info,
    PageType,
    QuotingTarget,
    Secinfo,
    SecinfoFlag,
    Secs,
    Sigstruct,
)
from vmpl_sgx.backend import Backend
from vmpl_sgx.errors import VmplSgxError
from vmpl_sgx.layout import Layout, build_secs, sample_layout, sign
from vmpl_sgx.rsa import RsaPrivateKey


def _offset(struct: type, field: str) -> int:
    descriptor: Any = getattr(struct, field)
    return int(descriptor.offset)


U64 = (1 << 64) - 1
# Share of random ADD_PAGES whose range ends within a page of SECS.size, and of CREATEs
# of a valid SECS with privileged attributes (tests/vm/README.md: what they buy).
EDGE_BIAS = 0.3
PRIVILEGED_BIAS = 0.12
PRIVILEGED_BITS = (
    int(Attr.PROVISIONKEY),
    int(Attr.EINITTOKENKEY),
    int(Attr.PROVISIONKEY | Attr.EINITTOKENKEY),
)
BIG_PAGES = 300
BIG_HOLE = 260
BIG_SIZE = 1 << 21
"""A SECS.size CREATE gets now and then, to hold multi-batch ADD_PAGES."""
U32 = (1 << 32) - 1

# A fixed 3072-bit test key: generating one takes seconds, and the fuzzer must be fast and
# deterministic. It signs nothing but the sample layout here.
FUZZ_KEY_PEM = """-----BEGIN RSA PRIVATE KEY-----
MIIG4gIBAAKCAYEApmYARylZBBUQx5jo/CER3U4d9Q3feIzznUmY6u+maxqSLCAb
fQIbDZqCfvsKv7sO3vMVhuGVX3itkQIs1zbfTntlxrBohYfnLahjOBcSYrBFSlVd
YZYVhSK2dqW88x6jlgu0YEpZrFxcAKSONJoBQcsTWyZpv+BYEcxWm2gtiY44KhCA
atak76PP6SxXE8IIi9kqMu08cxtifHnCn8ugoOYk2NKH2hBy0IVxXE6IUzk4HE4P
nj0zPxWoLoqZ9gk7gN+iP+hazCCyuqVfgmp7CuegxycBMJzWEl8Aq2/xHRUgmbTB
cNfrPibOGD2wCV/DH14Rsgc4TlYVIPGbOy0tmwpm4kTySbdjcXEt/lWKX1/i6DpT
r+jxb81Gg7qMKlNGXXuEmWTIHkXQuWvDEWgFAAm4WaRR8vR2D4L9Eo6YhFVvVMRy
oKKJzjO5Mh/g9dXE2ybKUGRHQ0z0UaTyudUDmTIFMPvLH6YVj0jM+8Eq3KUn42KD
68SRyYW5HIlR1ioTAgEDAoIBgBu7qraG5CtY2CFEJtSwLaTiWlOCT+ls00ThmXx9
RmcvGFywBJTVryzvFb/UgcqfLSUog5Z67jqUHO2AXM6JJTe/O6EdZsDr+9zxZd6u
gxBytjcOOjruWOuFyRPGSiiFG0OsnhAMZEdkugAbbQjEVYr3LeSGZvVQDq2iDm88
B5btCVxYFWcjxifwoqbcuS31rBdO3F3SNL3Z5b9poG/3RXAmW3l4a/mtaHgWPY9i
bA3e3q9iV++03d/Y8V0XGakBiaX4/EZ659PghzXdM9IrbCj6wWhYf2fF5CqGm4MB
njKPCyz6MCORJ5lv0gcRATLotJFTSO/ey4Z3JUdJ0SE7YYp1Ytw26bVslTR682ic
LZSMbLFrSm9gwnRM7E/JTBu9v3CqAUzoZraLtK5SyNHJLJCxWAl3ww+iRq+U/jPq
7zQMxJktJe9vF9EEBNXDTjXQLE09TLCz3efVFw7VIylbUWt/7Ql/zO892/uUJnYj
AJa059zDU1YEof9DtwlPVlCANwKBwQDVvIMSTeCpLLvr/nI7K73QDucCnupXJUup
/WwpdLWegHlIuPaJarxG3kS7NkLGc8qin/T01BhDiozCHtEmPabwzs0JX92CMcUw
CL+IuwuQlZcezbM1c0jMoeqebjbO7YLldDVXCyvE9AF6hvmQ8on3rAXJil/PduGG
IAVxXgV/H/IkDqqNjpm64QKeWCCjDQfyRundg9s94oB47GZTI7CgxaYnr9C/jLk2
FlY8i9CKLH6j5BOPN2e1AcXuyXa+aI8CgcEAx001hrkLK7DLi3e2Wjo0RPgxUnUa
atQxaTnvb/GGTzpkQx6qEgZBXqmdMqFmEXe9FMpnHfpa5ACosxfjTYs9a3tIr5ua
hvofBoa6AfFtU3+/oOjh3jEZ6V3SBpSMtPNG1AtHdOc0EguTKPQUlb5vpDWiV0tf
xa/sa+UCaa73zOjhmabkdnlhLTqZkTPrD+ezGXAUTqk4lmvpf7m5bo1qc2zQ0E0s
xKY0c7mP+mNWyjs6Eup8WHFeGO2o9ePVNMA9AoHBAI59rLbelcYd0p1UTCdyfoq0
mgG/RuTDh8ao8sZNzmmq+4XQpFucfYSULdIkLIRNMcG/+KM4EC0HCIFp4MQpGfXf
M1uVPlbL2Mqwf7B8smBjuhSJIiOiMIhr8b70JInzrJj4I49cx9iiq6cEpmChsU/I
A9uxlTT5667AA6DpWP9qoW1fHF5fESdArGmQFcIIr/bZ8T5X536XAFCdmYzCdcCD
xBp1NdUIe3lkOX2yiwbIVG1Ct7TPmnir2UnbpH7wXwKBwQCE3iOvJgdydd0HpSQ8
Js2DUCDho2bx4sube/T1S67ffELXaca2rtY/G74hwO62T9NjMZoT/DyYAHB3ZUIz
sijyUjB1EmcEpr9Zryar9kjiVSprRevpdhFGPowEYwh4oi84B4T4miK2smIbTWMO
fvUYI8GPh5UudUhH7gGbyfqIm0ERGe2kUOtzfGZgzUdf78y7oA2JxiW5nUZVJnuf
CPGiSIs1iMiDGXhNJl/8QjncJ3wMnFLloOll88X5Qo4jKtMCgcBA3Dfqlb5fytmx
S7lr5aj1KwK+1MFVg5Zj9N7yCu+m7f97d13NTQdJhGfCcHRjey1Me58/GHY7I8bi
YyriRNmS06kYqtjQn6oUyKnBDWwX8F5mJWSpWjUi8UXxsV5Yxas9v3eTWV2/hohC
VRX5RwZ7b+G+j1ao0MZEwJgyXPILVcwENih3j7sQJ6/V0VW9zg6ObEQsPephhTVt
OawlLvKlXUCtGztweKKOZR6Ru8JCMR26sO+U+o1VukgskZmFr2g=
-----END RSA PRIVATE KEY-----
"""

INFO_TRANSPORT = _offset(Info, "transport")
RUN_RESERVED = _offset(EnclaveRun, "reserved")
RUN_RESERVED_SIZE = ctypes.sizeof(EnclaveRun) - RUN_RESERVED
QUOTE_RESERVED = _offset(EnclaveQuote, "reserved")
QUOTE_RESERVED_SIZE = ctypes.sizeof(EnclaveQuote) - QUOTE_RESERVED
QUOTE_LENGTHS = (0, 1, 1184, PAGE_SIZE, QUOTE_BUFFER_MAX, QUOTE_BUFFER_MAX + 1, U32)
SIG_VENDOR = _offset(Sigstruct, "vendor")

Arg = Union[bytearray, int]
Outcome = Tuple[str, int, bytes, Tuple[bytes, ...]]
"""(kind 'ok'/'errno'/exception name, value, argument buffer after, snapshots)."""


# ---- user memory


class Page:
    """`pages` pages at a fixed address followed by one guard page (PROT_NONE)."""

    def __init__(self, pages: int, prot: int = RW) -> None:
        self.pages = pages
        self.prot = prot
        self.mapping = Mapping(pages + 1)
        self.mapping.guard_page(pages)
        if prot != RW:
            self.mapping.protect(prot, 0, pages * PAGE_SIZE)

    @property
    def address(self) -> int:
        return self.mapping.address

    @property
    def end(self) -> int:
        """The address of the guard page."""
        return self.mapping.address + self.pages * PAGE_SIZE

    def write(self, offset: int, data: bytes) -> None:
        if self.prot != RW:
            self.mapping.protect(RW, 0, self.pages * PAGE_SIZE)
        self.mapping.write(offset, data)
        if self.prot != RW:
            self.mapping.protect(self.prot, 0, self.pages * PAGE_SIZE)

    def read(self, offset: int, length: int) -> bytes:
        return self.mapping.read(offset, length)

    def close(self) -> None:
        self.mapping.close()


def _unmapped_address() -> int:
    """The address of a page that was mapped and then unmapped."""
    hole = Mapping(1)
    address = hole.address
    hole.close()
    return address


class Memory:
    """Every buffer the fuzzer points the ioctls at."""

    def __init__(self, layout: Layout, sigstructs: Sequence[bytes]) -> None:
        # Pages 0-6: the sample layout's pages in offset order; 7: noise (a malformed TCS).
        content = bytearray(8 * PAGE_SIZE)
        for region in layout.regions:
            content[region.offset : region.end] = region.data
        content[7 * PAGE_SIZE :] = random.Random(7).randbytes(PAGE_SIZE)
        self.src = Page(8)
        self.src.write(0, bytes(content))
        self.secs = Page(1)
        self.secinfo = Page(1)
        self.sig = Page(1)
        self.scratch = Page(1)
        self.out = Page(1)
        self.read_only = Page(1, READ)
        self.guard = Page(0)  # only a guard page
        # Zero pages for multi-batch ADD_PAGES (more than max_pages_per_call pages), with a
        # second guard page in the middle so that a later batch can fault.
        self.big = Page(BIG_PAGES)
        self.big.mapping.guard_page(BIG_HOLE)
        self.pages = [
            self.src,
            self.secs,
            self.secinfo,
            self.sig,
            self.scratch,
            self.out,
            self.read_only,
            self.guard,
            self.big,
        ]
        self.unmapped = _unmapped_address()
        self.sigstructs = list(sigstructs)

    def bad(self, rng: random.Random) -> Tuple[str, int]:
        """A pointer that faults for reading and writing."""
        return rng.choice(
            [
                ("null", 0),
                ("munmapped", self.unmapped),
                ("low", 0x1000),
                ("guard", self.guard.end),
                ("kernel", 0xFFFF_8000_0000_0000),
                ("non-canonical", 0x8000_0000_0000_0000),
                ("top", U64 & ~0xFFF),
            ]
        )

    def close(self) -> None:
        for page in self.pages:
            page.close()


# ---- one operation


Write = Tuple[Page, int, bytes]


class Op:
    """One ioctl, applied identically to both backends."""

    def __init__(self, name: str, cmd: int, arg: Arg, info: Dict[str, object]) -> None:
        self.name = name
        self.cmd = cmd
        self.arg = arg
        self.info = info
        self.writes: List[Write] = []
        """Memory set up before each backend's call."""
        self.snapshots: List[Tuple[Page, int, int]] = []
        """Memory compared after the calls."""
        self.mask: Callable[[bytearray], None] | None = None
        """Masks fields that differ by design, in the buffer and every snapshot."""

    def describe(self) -> str:
        arg = f"0x{self.arg:x}" if isinstance(self.arg, int) else self.arg.hex()
        fields = ", ".join(f"{key}={_show(value)}" for key, value in self.info.items())
        return f"{self.name} cmd=0x{self.cmd:08x} arg={arg}\n    {fields}"


def _show(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"0x{value:x}"
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return str(value)


def apply(op: Op, backend: Backend) -> Outcome:
    for page, offset, data in op.writes:
        page.write(offset, data)
    buffer = bytearray(op.arg) if isinstance(op.arg, bytearray) else op.arg
    try:
        value = backend.ioctl(op.cmd, buffer)
        kind = "ok"
    except VmplSgxError as error:
        kind, value = "errno", error.errno
    except Exception as error:  # any other failure is a result to compare
        kind, value = f"{type(error).__name__}: {error}", getattr(error, "errno", None) or 0
    after = bytearray(buffer) if isinstance(buffer, bytearray) else bytearray()
    snapshots = [bytearray(page.read(offset, length)) for page, offset, length in op.snapshots]
    if op.mask is not None:
        for raw in (after, *snapshots):
            if raw:
                op.mask(raw)
    return kind, value, bytes(after), tuple(bytes(raw) for raw in snapshots)


# ---- argument generators


def _pick(rng: random.Random, weighted: Sequence[Tuple[float, object]]) -> object:
    total = sum(weight for weight, _ in weighted)
    point = rng.random() * total
    for weight, value in weighted:
        point -= weight
        if point < 0:
            return value
    return weighted[-1][1]


def _struct_arg(rng: random.Random, memory: Memory, op: Op, raw: bytes, writes_back: bool) -> None:
    """Pass `raw` in a bytearray (mostly), by address in RW or read-only memory, or bad."""
    choice = rng.random()
    if choice < 0.85:
        op.arg = bytearray(raw)
        return
    if choice < 0.92:
        offset = rng.choice([0, 8, PAGE_SIZE - len(raw)])
        op.writes.append((memory.scratch, offset, raw))
        op.snapshots.append((memory.scratch, offset, len(raw)))
        op.arg = memory.scratch.address + offset
        op.info["arg_at"] = "scratch"
    elif choice < 0.96:
        op.writes.append((memory.read_only, 0, raw))
        op.arg = memory.read_only.address
        op.info["arg_at"] = "read-only" + (" (write-back faults)" if writes_back else "")
    else:
        where, address = memory.bad(rng)
        op.arg = address
        op.info["arg_at"] = where


def _buffer_pointer(
    rng: random.Random, memory: Memory, page: Page, length: int, good: float = 0.8
) -> Tuple[str, int]:
    """A pointer to `length` bytes in `page`: aligned, unaligned, running into its guard, bad."""
    choice = rng.random()
    if choice < good:
        return "ok", page.address
    if choice < good + (1 - good) / 3:
        shift = rng.choice([1, 8, 64, 2048])
        return f"+{shift}", page.address + shift
    if choice < good + 2 * (1 - good) / 3:
        return "into-guard", page.end - rng.choice([1, 16, max(1, length // 2)])
    return memory.bad(rng)


def gen_create(rng: random.Random, memory: Memory, layout: Layout) -> Op:
    secs = bytearray(build_secs(layout))
    info: Dict[str, object] = {}
    if rng.random() < 0.1:
        _put(secs, _offset(Secs, "size"), 8, BIG_SIZE)
        info["secs.size"] = BIG_SIZE
    elif rng.random() < PRIVILEGED_BIAS:
        # An otherwise valid enclave asking for a privileged key: it creates and loads
        # normally, and only INIT must refuse it.
        value = layout.attributes | rng.choice(PRIVILEGED_BITS)
        _put(secs, _offset(Secs, "attributes"), 8, value)
        info["secs.attributes"] = value
    elif rng.random() < 0.45:
        for _ in range(rng.choice([1, 1, 2])):
            field = rng.choice(
                ["size", "base", "ssa", "misc", "attributes", "xfrm", "reserved", "mr"]
            )
            info.update(_mutate_secs(rng, secs, field, layout))
    src_kind, src = _buffer_pointer(rng, memory, memory.secs, PAGE_SIZE)
    op = Op("CREATE", _abi.IOC_ENCLAVE_CREATE, 0, info)
    if src_kind.startswith("+"):
        shift = src - memory.secs.address
        op.writes.append((memory.secs, shift, bytes(secs[: PAGE_SIZE - shift])))
    else:
        op.writes.append((memory.secs, 0, bytes(secs)))
    info["src"] = src_kind
    _struct_arg(rng, memory, op, bytes(EnclaveCreate(src=src)), writes_back=False)
    return op


def _put(raw: bytearray, offset: int, size: int, value: int) -> None:
    raw[offset : offset + size] = (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")


def _mutate_secs(
    rng: random.Random, secs: bytearray, field: str, layout: Layout
) -> Dict[str, object]:
    if field == "size":
        value = rng.choice(
            [
                0,
                1,
                0x1000,
                0x2000,
                0x3000,
                0x8000,
                0x20000,
                BIG_SIZE,
                BIG_SIZE,
                1 << 36,
                1 << 37,
                1 << 63,
                U64,
                rng.getrandbits(64),
                1 << rng.randrange(64),
            ]
        )
        _put(secs, _offset(Secs, "size"), 8, value)
    elif field == "base":
        value = rng.choice(
            [
                0,
                layout.base + PAGE_SIZE,
                layout.base + 1,
                1 << 63,
                U64 & ~0xFFF,
                layout.size * rng.randrange(1, 1 << 20),
                rng.getrandbits(64),
            ]
        )
        _put(secs, _offset(Secs, "base"), 8, value)
    elif field == "ssa":
        value = rng.choice([0, 1, 2, 16, 0x7FFFFFFF, U32])
        _put(secs, _offset(Secs, "ssa_frame_size"), 4, value)
    elif field == "misc":
        value = rng.choice([0, 1, 2, 0x80000000, U32])
        _put(secs, _offset(Secs, "miscselect"), 4, value)
    elif field == "attributes":
        bits = [int(a) for a in Attr] + [1 << 3, 1 << 6, 1 << 8, 1 << 11, 1 << 63]
        value = int.from_bytes(
            secs[_offset(Secs, "attributes") : _offset(Secs, "attributes") + 8], "little"
        )
        value ^= rng.choice(bits)
        _put(secs, _offset(Secs, "attributes"), 8, value)
    elif field == "xfrm":
        value = rng.choice([0, 1, 2, 3, 7, 0xE7, U64])
        _put(secs, _offset(Secs, "xfrm"), 8, value)
    elif field == "reserved":
        name = rng.choice(list(Secs.RESERVED_FIELDS))
        descriptor: Any = getattr(Secs, name)
        value = rng.randrange(descriptor.offset, descriptor.offset + descriptor.size)
        secs[value] = rng.randrange(1, 256)
    else:
        value = rng.randrange(_offset(Secs, "mrenclave"), _offset(Secs, "isv_prod_id") + 6)
        secs[value] = rng.randrange(1, 256)
    return {f"secs.{field}": value}


REG = int(PageType.REG) << 8
TCS = int(PageType.TCS) << 8
R, W, X = int(SecinfoFlag.R), int(SecinfoFlag.W), int(SecinfoFlag.X)


def gen_secinfo(rng: random.Random) -> Tuple[str, bytes]:
    flags = rng.choice([REG | R | W, REG | R | X, REG | R, REG | R | W | X, TCS])
    reserved = b""
    label = "valid"
    if rng.random() < 0.4:
        label = rng.choice(
            ["type", "w-without-r", "tcs-perm", "pending", "modified", "pr", "high", "reserved"]
        )
        if label == "type":
            flags = (rng.choice([0, 3, 4, 5, 0xFF]) << 8) | R
        elif label == "w-without-r":
            flags = REG | W | rng.choice([0, X])
        elif label == "tcs-perm":
            flags = TCS | rng.choice([R, W, X, R | W])
        elif label in ("pending", "modified", "pr"):
            bit = {
                "pending": SecinfoFlag.PENDING,
                "modified": SecinfoFlag.MODIFIED,
                "pr": SecinfoFlag.PR,
            }[label]
            flags |= int(bit)
        elif label == "high":
            flags |= 1 << rng.randrange(16, 64)
        else:
            index = rng.randrange(56)
            reserved = bytes(index) + bytes([rng.randrange(1, 256)])
    raw = bytearray(bytes(Secinfo(flags=flags)))
    raw[8 : 8 + len(reserved)] = reserved
    return f"{label}:0x{flags:x}", bytes(raw)


def gen_add(
    rng: random.Random,
    memory: Memory,
    layout: Layout,
    region: int | None = None,
    big: bool = False,
) -> Op:
    """ADD_PAGES: the sample layout's region `region` exactly, or random boundary arguments."""
    info: Dict[str, object] = {}
    count = rng.choice([U64, 0, rng.getrandbits(64)])
    secinfo_offset = 0
    if region is not None:
        chosen = layout.regions[region]
        src, offset, length = memory.src.address + chosen.offset, chosen.offset, chosen.size
        flags = 1 if chosen.measured else 0
        secinfo_raw = bytes(Secinfo(flags=chosen.secinfo_flags))
        secinfo = memory.secinfo.address
        info["region"] = chosen.name
    else:
        page = rng.randrange(9)
        src_kind = "ok"
        src = memory.src.address + page * PAGE_SIZE
        roll = rng.random()
        if roll < 0.08:
            src += rng.choice([1, 8, 2048])
            src_kind = "misaligned"
        elif roll < 0.14:
            src_kind, src = memory.bad(rng)
        elif roll < 0.17:
            src_kind, src = "read-only", memory.read_only.address
        elif roll < 0.27 or big:
            page = rng.choice([0, 1, 100, 130])
            src_kind, src = "big", memory.big.address + page * PAGE_SIZE
        info["src"] = f"{src_kind}/page{page}"
        size = layout.size
        offset = rng.choice(
            [
                rng.randrange(0, size, PAGE_SIZE),
                rng.randrange(0, size, PAGE_SIZE),
                0,
                size - PAGE_SIZE,
                size,
                size + PAGE_SIZE,
                rng.randrange(1, size),
                U64 & ~0xFFF,
                (1 << 63),
                rng.getrandbits(64) & ~0xFFF,
            ]
        )
        length = (
            rng.choice(
                [
                    PAGE_SIZE,
                    PAGE_SIZE,
                    2 * PAGE_SIZE,
                    rng.randrange(1, 5) * PAGE_SIZE,
                    0,
                    PAGE_SIZE - 1,
                    PAGE_SIZE + 1,
                    size,
                    size - offset if offset < size else 0,
                    size + PAGE_SIZE,
                    U64 & ~0xFFF,
                    (U64 & ~0xFFF) - offset % (1 << 64),
                    rng.randrange(1, 1 << 20),
                ]
            )
            & U64
        )
        if rng.random() < EDGE_BIAS:
            # Independent choices almost never end a range exactly at, one page short of or
            # one page past SECS.size, where off-by-one bugs live: aim there on purpose.
            before_end = rng.randrange(1, 4)
            offset = size - before_end * PAGE_SIZE
            length = (before_end + rng.choice([-1, 0, 1])) * PAGE_SIZE
            info["edge"] = offset + length - size
        if src_kind == "big":  # several batches, for an enclave CREATEd with BIG_SIZE
            offset = rng.choice([0, 0x10000, rng.randrange(0, BIG_SIZE // 2, PAGE_SIZE)])
            length = rng.choice([128, 129, 130, 200, 257, 270]) * PAGE_SIZE
        flags = rng.choice([0, 1, 1, 1, 2, 3, 1 << 63, rng.getrandbits(64)])
        label, secinfo_raw = gen_secinfo(rng)
        info["secinfo"] = label
        secinfo_kind, secinfo = _buffer_pointer(rng, memory, memory.secinfo, 64, good=0.85)
        info["secinfo_at"] = secinfo_kind
        if secinfo_kind.startswith("+"):
            secinfo_offset = secinfo - memory.secinfo.address
        elif secinfo_kind == "into-guard":
            secinfo_offset = secinfo - memory.secinfo.address
            secinfo_raw = secinfo_raw[: PAGE_SIZE - secinfo_offset]
    op = Op("ADD_PAGES", _abi.IOC_ENCLAVE_ADD_PAGES, 0, info)
    op.writes.append((memory.secinfo, 0, bytes(PAGE_SIZE)))
    op.writes.append((memory.secinfo, secinfo_offset, secinfo_raw))
    raw = EnclaveAddPages(
        src=src, offset=offset, length=length, secinfo=secinfo, flags=flags, count=count
    )
    info.update(offset=offset, length=length, flags=flags)
    if region is not None:
        op.arg = bytearray(raw)
    else:
        _struct_arg(rng, memory, op, bytes(raw), writes_back=True)
    return op


def gen_init(rng: random.Random, memory: Memory, valid: bool) -> Op:
    info: Dict[str, object] = {}
    sig = bytearray(memory.sigstructs[0])
    if not valid:
        roll = rng.random()
        if roll < 0.3:
            index = rng.randrange(len(sig))
            sig[index] ^= 1 << rng.randrange(8)
            info["tampered"] = index
        elif roll < 0.55:
            vendor = rng.choice([0, 0x8086, 1, 0x8087, U32])
            _put(sig, SIG_VENDOR, 4, vendor)
            info["vendor"] = vendor
        elif roll < 0.75:
            sig = bytearray(memory.sigstructs[1])
            info["signed"] = "other layout"
        else:
            info["sigstruct"] = "valid"
    sig_kind, address = ("ok", memory.sig.address)
    if not valid:
        sig_kind, address = _buffer_pointer(rng, memory, memory.sig, len(sig))
    info["sig_at"] = sig_kind
    op = Op("INIT", _abi.IOC_ENCLAVE_INIT, 0, info)
    shift = address - memory.sig.address
    if sig_kind == "into-guard":
        op.writes.append((memory.sig, shift, bytes(sig[: PAGE_SIZE - shift])))
    elif sig_kind == "ok" or sig_kind.startswith("+"):
        op.writes.append((memory.sig, shift, bytes(sig)))
    raw = bytes(EnclaveInit(sigstruct=address))
    if valid:
        op.arg = bytearray(raw)
    else:
        _struct_arg(rng, memory, op, raw, writes_back=False)
    return op


def gen_info(rng: random.Random, memory: Memory) -> Op:
    op = Op("GET_INFO", _abi.IOC_GET_INFO, 0, {})
    junk = bytes(rng.randrange(256) for _ in range(ctypes.sizeof(Info)))
    _struct_arg(rng, memory, op, junk, writes_back=True)
    if isinstance(op.arg, int) and op.info.get("arg_at") == "read-only":
        op.snapshots.append((memory.read_only, 0, ctypes.sizeof(Info)))

    def mask(raw: bytearray) -> None:
        if len(raw) >= INFO_TRANSPORT + 4:
            raw[INFO_TRANSPORT : INFO_TRANSPORT + 4] = bytes(4)

    op.mask = mask
    return op


def gen_run(rng: random.Random, memory: Memory, layout: Layout, valid: bool) -> Op:
    info: Dict[str, object] = {}
    limit = RUN_BUFFER_MAX
    tcs = layout.base
    function = int(Enclu.EENTER)
    input_ptr, input_len = memory.src.address + 2 * PAGE_SIZE, rng.choice([0, 5, 64])
    output_ptr, output_capacity = memory.out.address, rng.choice([0, 64, PAGE_SIZE])
    flags = 0
    reserved_index = -1
    if not valid:
        mutation = rng.choice(
            [
                "tcs",
                "function",
                "input",
                "output",
                "input_len",
                "output_capacity",
                "flags",
                "reserved",
                "none",
                "resume",
            ]
        )
        info["mutation"] = mutation
        if mutation == "tcs":
            tcs = rng.choice(
                [
                    layout.base + 0x1000,
                    layout.base + 0x8000,
                    layout.base + 8,
                    layout.base - PAGE_SIZE,
                    layout.base + layout.size,
                    0,
                    U64 & ~0xFFF,
                    layout.base + rng.randrange(0, layout.size, PAGE_SIZE),
                ]
            )
        elif mutation == "function":
            function = rng.choice([0, 1, int(Enclu.EEXIT), 5, U32, rng.getrandbits(32)])
        elif mutation == "resume":
            function = int(Enclu.ERESUME)
        elif mutation == "input":
            input_len = rng.choice([1, 16, PAGE_SIZE])
            kind, input_ptr = _buffer_pointer(rng, memory, memory.read_only, input_len, 0.3)
            info["input_at"] = kind
        elif mutation == "output":
            output_capacity = rng.choice([1, 64, PAGE_SIZE])
            roll = rng.random()
            if roll < 0.3:
                output_ptr = memory.read_only.address
                info["output_at"] = "read-only"
            elif roll < 0.6:
                output_ptr = memory.out.end - rng.choice([1, 16, 32])
                info["output_at"] = "into-guard"
            else:
                kind, output_ptr = memory.bad(rng)
                info["output_at"] = kind
        elif mutation == "input_len":
            input_len = rng.choice([PAGE_SIZE, 8 * PAGE_SIZE, limit, limit + 1, 1 << 31, U32])
        elif mutation == "output_capacity":
            output_capacity = rng.choice([PAGE_SIZE + 1, limit, limit + 1, 1 << 31, U32])
        elif mutation == "flags":
            flags = rng.choice([1, 2, 0x80000000, rng.getrandbits(32) | 1])
        elif mutation == "reserved":
            reserved_index = rng.randrange(RUN_RESERVED_SIZE)
    run = EnclaveRun(
        tcs=tcs,
        function=function,
        call_id=rng.getrandbits(32),
        exit_kind=rng.getrandbits(32),
        exception_vector=rng.getrandbits(16),
        exception_error_code=rng.getrandbits(16),
        exception_addr=rng.getrandbits(64),
        input=input_ptr,
        input_len=input_len,
        output=output_ptr,
        output_capacity=output_capacity,
        output_len=rng.getrandbits(32),
        flags=flags,
        retval=rng.getrandbits(64),
    )
    raw = bytearray(bytes(run))
    if reserved_index >= 0:
        raw[RUN_RESERVED + reserved_index] = rng.randrange(1, 256)
    info.update(tcs=tcs, function=function, input_len=input_len, capacity=output_capacity)
    op = Op("RUN", _abi.IOC_ENCLAVE_RUN, 0, info)
    op.writes.append((memory.out, 0, b"\xa5" * PAGE_SIZE))
    op.snapshots.append((memory.out, 0, PAGE_SIZE))
    if valid:
        op.arg = raw
    else:
        _struct_arg(rng, memory, op, bytes(raw), writes_back=True)
    return op


def _quote_output(rng: random.Random, memory: Memory) -> Tuple[str, int, int]:
    """(where, address, length) of one QUOTE output buffer: mostly in `big`, whose pages
    before its hole hold QUOTE_BUFFER_MAX bytes; else read-only, running into the hole, bad."""
    length = rng.choice(QUOTE_LENGTHS)
    roll = rng.random()
    if roll < 0.6:
        return "big", memory.big.address + rng.choice([0, 5, PAGE_SIZE]), length
    if roll < 0.7:
        return "read-only", memory.read_only.address, length
    if roll < 0.8:
        hole = memory.big.address + BIG_HOLE * PAGE_SIZE
        return "into-hole", hole - rng.choice([1, 16, PAGE_SIZE]), length
    where, address = memory.bad(rng)
    return where, address, length


def gen_quote(rng: random.Random, memory: Memory, valid: bool) -> Op:
    report_at, report = "ok", memory.src.address + rng.choice([0, 3 * PAGE_SIZE + 7])
    nonce_at, nonce = "ok", memory.src.address + PAGE_SIZE
    outputs = [("big", memory.big.address, PAGE_SIZE)] * 3
    flags = 0
    reserved_index = -1
    if not valid:
        report_at, report = _buffer_pointer(rng, memory, memory.src, REPORT_SIZE, 0.7)
        nonce_at, nonce = _buffer_pointer(rng, memory, memory.src, QUOTE_NONCE_SIZE, 0.7)
        outputs = [_quote_output(rng, memory) for _ in range(3)]
        roll = rng.random()
        if roll < 0.1:
            flags = rng.choice([1, 0x80000000, rng.getrandbits(32) | 1])
        elif roll < 0.2:
            reserved_index = rng.randrange(QUOTE_RESERVED_SIZE)
    (snp_at, snp, snp_len), (manifest_at, manifest, manifest_len), (
        certs_at, certs, certs_len
    ) = outputs
    raw = bytearray(
        EnclaveQuote(
            report=report,
            nonce=nonce,
            snp_report=snp,
            manifest=manifest,
            certificates=certs,
            snp_report_len=snp_len,
            manifest_len=manifest_len,
            certificates_len=certs_len,
            flags=flags,
        )
    )
    if reserved_index >= 0:
        raw[QUOTE_RESERVED + reserved_index] = rng.randrange(1, 256)
    info: Dict[str, object] = dict(
        report_at=report_at, nonce_at=nonce_at, snp_at=snp_at, snp_len=snp_len,
        manifest_at=manifest_at, manifest_len=manifest_len, certs_at=certs_at,
        certs_len=certs_len, flags=flags, reserved_index=reserved_index,
    )
    op = Op("QUOTE", _abi.IOC_ENCLAVE_QUOTE, 0, info)
    # A failed QUOTE writes nothing: the start of `big` must come back as it was put.
    op.writes.append((memory.big, 0, b"\x5a" * (2 * PAGE_SIZE)))
    op.snapshots.append((memory.big, 0, 2 * PAGE_SIZE))
    if valid:
        op.arg = raw
    else:
        _struct_arg(rng, memory, op, bytes(raw), writes_back=True)
    return op


def gen_quoting_target(rng: random.Random, memory: Memory) -> Op:
    op = Op("QUOTING_TARGET", _abi.IOC_QUOTING_TARGET, 0, {})
    junk = bytes(rng.randrange(256) for _ in range(ctypes.sizeof(QuotingTarget)))
    _struct_arg(rng, memory, op, junk, writes_back=True)
    return op


VFS_MAGICS = {0x00, 0x54, 0x58, 0x66, 0x94}
"""Types of ioctls the VFS answers before the driver sees them (FIGETBSZ, FIOCLEX, ...)."""


def gen_unknown(rng: random.Random, memory: Memory) -> Op:
    while True:
        if rng.random() < 0.5:
            spec = rng.choice(_abi.IOCTLS)
            direction = rng.randrange(4)
            size = rng.choice([0, 1, 8, 48, 64, 256, ctypes.sizeof(spec.struct) + 8])
            nr = spec.nr
        else:
            direction = rng.randrange(4)
            size = rng.choice([0, 8, 48, 64, 256, rng.randrange(1 << 14)])
            nr = rng.choice(
                [*_abi.RESERVED_IOCTL_NUMBERS, 0x08, 0x7F, 0x83, 0xFF, rng.randrange(256)]
            )
        magic = _abi.MAGIC if rng.random() < 0.85 else rng.choice([0xA3, 0xA5, 0xEE, 0x01])
        cmd = (direction << 30) | (size << 16) | (magic << 8) | nr
        if _abi.lookup_ioctl(cmd) is None and magic not in VFS_MAGICS:
            break
    info: Dict[str, object] = {"dir": direction, "size": size, "type": magic, "nr": nr}
    arg: Arg = bytearray(rng.randrange(256) for _ in range(max(size, 8)))
    if rng.random() < 0.2:
        arg = memory.bad(rng)[1]
    return Op("UNKNOWN", cmd, arg, info)


# ---- slots and the driver loop


class DivergenceError(Exception):
    """The backends disagreed; the message is the report."""


class Slot:
    """One enclave file on each backend, and what the calls so far did to it."""

    def __init__(self, openers: Tuple[Callable[[], Backend], Callable[[], Backend]]) -> None:
        self.openers = openers
        self.files = (openers[0](), openers[1]())
        self.reset_state()

    def reset_state(self) -> None:
        self.created = False
        self.big = False
        self.next_region = 0
        self.initialized = False

    def reopen(self) -> None:
        for handle in self.files:
            handle.close()
        self.files = (self.openers[0](), self.openers[1]())
        self.reset_state()

    def close(self) -> None:
        for handle in self.files:
            handle.close()


class Fuzzer:
    def __init__(
        self,
        seed: int,
        openers: Tuple[Callable[[], Backend], Callable[[], Backend]],
        names: Tuple[str, str],
        slots: int,
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.names = names
        self.layout = sample_layout()
        other = sample_layout(data=b"another enclave")
        key = RsaPrivateKey.from_pem(FUZZ_KEY_PEM)
        self.memory = Memory(self.layout, [sign(self.layout, key), sign(other, key)])
        self.slots = [Slot(openers) for _ in range(slots)]
        self.calls = 0

    def close(self) -> None:
        for slot in self.slots:
            slot.close()
        self.memory.close()

    def call(self, slot: Slot, op: Op) -> Outcome:
        self.calls += 1
        first = apply(op, slot.files[0])
        second = apply(op, slot.files[1])
        if first != second:
            raise DivergenceError(self._report(slot, op, first, second))
        return first

    def _report(self, slot: Slot, op: Op, first: Outcome, second: Outcome) -> str:
        lines = [
            f"FUZZ DIVERGENCE seed={self.seed} call={self.calls} slot={self.slots.index(slot)}",
            f"  op: {op.describe()}",
        ]
        for name, outcome in zip(self.names, (first, second)):
            kind, value, _, _ = outcome
            shown = value if kind == "ok" else f"{value} ({_errno_name(value)})"
            lines.append(f"  {name}: {kind} {shown}")
        if first[2] != second[2]:
            lines.append("  argument buffers differ:")
            lines.extend(_diff(first[2], second[2], self.names))
        for index, (one, two) in enumerate(zip(first[3], second[3])):
            if one != two:
                lines.append(f"  memory snapshot {index} differs:")
                lines.extend(_diff(one, two, self.names))
        return "\n".join(lines)

    def step(self) -> None:
        rng = self.rng
        slot = rng.choice(self.slots)
        roll = rng.random()
        memory, layout = self.memory, self.layout
        if roll < 0.03:
            slot.reopen()
            return
        if roll < 0.08:
            info = gen_info if rng.random() < 0.6 else gen_quoting_target
            self.call(slot, info(rng, memory))
            return
        if roll < 0.13:
            self.call(slot, gen_unknown(rng, memory))
            return
        if roll < 0.25:  # anything, whatever the state
            kind = rng.choice(["create", "add", "init", "run", "quote"])
            op = {
                "create": lambda: gen_create(rng, memory, layout),
                "add": lambda: gen_add(rng, memory, layout),
                "init": lambda: gen_init(rng, memory, valid=False),
                "run": lambda: gen_run(rng, memory, layout, valid=False),
                "quote": lambda: gen_quote(rng, memory, valid=False),
            }[kind]()
            self.track(slot, op, self.call(slot, op))
            return
        if not slot.created:
            op = gen_create(rng, memory, layout)
        elif slot.initialized and rng.random() < 0.2:
            op = gen_quote(rng, memory, valid=rng.random() < 0.3)
        elif slot.initialized:
            op = gen_run(rng, memory, layout, valid=rng.random() < 0.3)
        elif slot.big and rng.random() < 0.3:
            op = gen_add(rng, memory, layout, big=True)
        elif slot.next_region < len(layout.regions):
            region = slot.next_region if rng.random() < 0.75 else None
            op = gen_add(rng, memory, layout, region)
        else:
            op = gen_init(rng, memory, valid=rng.random() < 0.5)
        self.track(slot, op, self.call(slot, op))

    def track(self, slot: Slot, op: Op, outcome: Outcome) -> None:
        """Follow the slot's state from the (agreed) outcome, to steer later calls."""
        ok = outcome[0] == "ok"
        if op.name == "CREATE" and ok:
            slot.created = True
            slot.big = op.info.get("secs.size") == BIG_SIZE
        elif op.name == "ADD_PAGES" and "region" in op.info:
            if ok:
                slot.next_region += 1
            else:  # the slot cannot follow the layout any more: start over sometimes
                slot.next_region = len(self.layout.regions)
        elif op.name == "INIT" and ok:
            slot.initialized = True

    def run(self, calls: int) -> None:
        while self.calls < calls:
            self.step()


def _errno_name(value: int) -> str:
    return errno.errorcode.get(value, "?")


def _diff(one: bytes, two: bytes, names: Tuple[str, str]) -> List[str]:
    if len(one) != len(two):
        return [f"    lengths {len(one)} != {len(two)}"]
    lines = []
    for start in range(0, len(one), 16):
        a, b = one[start : start + 16], two[start : start + 16]
        if a != b:
            lines.append(f"    +{start:04x} {names[0]}: {a.hex()}")
            lines.append(f"    +{start:04x} {names[1]}: {b.hex()}")
        if len(lines) >= 16:
            lines.append("    ...")
            break
    return lines


def _openers(
    names: Sequence[str],
) -> Tuple[Tuple[Callable[[], Backend], Callable[[], Backend]], List[Callable[[], None]]]:
    from vmpl_sgx.device import DeviceBackend  # noqa: PLC0415
    from vmpl_sgx.executor import NativeExecutor  # noqa: PLC0415
    from vmpl_sgx.seh import SehModel  # noqa: PLC0415
    from vmpl_sgx.simulator import Simulator  # noqa: PLC0415

    openers: List[Callable[[], Backend]] = []
    cleanups: List[Callable[[], None]] = []
    for name in names:
        if name == "device":
            openers.append(lambda: DeviceBackend("/dev/vmpl_sgx"))
        elif name == "simulator":
            executor = NativeExecutor()
            simulator = Simulator(SehModel(executor=executor))
            openers.append(simulator.open)
            cleanups.append(executor.close)
        else:
            raise SystemExit(f"unknown backend {name!r}: use device or simulator")
    return (openers[0], openers[1]), cleanups


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.vm.fuzz", description=__doc__)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--slots", type=int, default=3)
    parser.add_argument("--backends", default="device,simulator")
    args = parser.parse_args(argv)
    names = args.backends.split(",")
    if len(names) != 2:
        parser.error("--backends takes two names, e.g. device,simulator")
    openers, cleanups = _openers(names)
    fuzzer = Fuzzer(args.seed, openers, (names[0], names[1]), max(1, args.slots))
    try:
        fuzzer.run(args.calls)
    except DivergenceError as divergence:
        print(divergence, flush=True)
        return 1
    finally:
        fuzzer.close()
        for cleanup in cleanups:
            cleanup()
    print(f"FUZZ calls={fuzzer.calls} divergences=0 seed={args.seed}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
