# Do not edit: generated from abi/vmpl_sgx.yaml
# by codegen/templates/abi.py.j2.
# Regenerate with: python -m codegen
"""Every number and layout of the vmpl-sgx ABI, generated from abi/vmpl_sgx.yaml.

The kernel module compiles C headers generated from the same spec, so the SDK
and the driver cannot drift apart.
"""

from __future__ import annotations

import ctypes
import enum
import errno
from typing import ClassVar, Final, Mapping, NamedTuple

SPEC_NAME: Final = "vmpl_sgx"

# ---- User ABI of /dev/vmpl_sgx.

API_VERSION: Final = 1
"""Version of this user ABI, reported by GET_INFO. It only changes if an incompatible change is
ever made; additions are announced through capability bits instead.
"""

PAGE_SIZE: Final = 4096
"""Size of an enclave page."""

RUN_BUFFER_MAX: Final = 65536
"""Largest RUN input buffer and output capacity, in bytes, that this ABI version allows. GET_INFO
reports the limit actually in force, which may be lower.
"""

INFO_SIZE_VER0: Final = 64
"""Size of the first published version of struct vmpl_sgx_info."""

QUOTE_BUFFER_MAX: Final = 16384
"""Largest ENCLAVE_QUOTE output buffer (SNP report, manifest or certificate table) in bytes; a
larger length is refused with E2BIG.
"""

QUOTE_NONCE_SIZE: Final = 64
"""Size of the nonce ENCLAVE_QUOTE binds into the SNP report's REPORT_DATA."""

QUOTE_REPORT_SIZE: Final = 432
"""Size of the enclave REPORT ENCLAVE_QUOTE takes (an SGX REPORT)."""


class Transport(enum.IntEnum):
    """How the module reaches the SEH (GET_INFO.transport)."""

    NONE = 0
    """No transport bound."""
    SVSM = 1
    """SVSM calls to VMPL0 through the Run-VMPL VMGEXIT."""
    LOOPBACK = 2
    """SEH calls forwarded to a user-space SEH on /dev/vmpl_sgx_seh."""
    SIMULATOR = 3
    """The SDK's in-process simulator (never reported by the module)."""


class Cap(enum.IntFlag):
    """Capability bits reported by GET_INFO.capabilities."""

    RUN = 0x1
    """ENCLAVE_RUN enters enclave code."""
    OCALL = 0x2
    """Enclaves may exit with an ocall that the next RUN answers."""
    EXCEPTION_INFO = 0x4
    """Exception exits report vector, error code and address."""
    ZERO_PAGES = 0x8
    """ENCLAVE_ADD_PAGES accepts VMPL_SGX_PAGE_ZERO: unmeasured zero pages added without source
    data.
    """
    EXCEPTION_RIP = 0x10
    """Exception exits also report the faulting instruction (RUN.exception_rip)."""
    MODEL_ROOT_SECRET = 0x20
    """The SEH's report, sealing and quoting keys come from a root secret the SEH model keeps (a
    file, or a process's memory), not from SNP hardware key requests: its reports and quotes
    prove nothing about AMD hardware.
    """


class PageFlag(enum.IntFlag):
    """Flags of ENCLAVE_ADD_PAGES, as in Linux SGX."""

    MEASURE = 0x1
    """Extend the measurement with the page contents (EEXTEND)."""
    ZERO = 0x2
    """Add pages of zeros: src must be 0 and nothing is read from it; not with MEASURE. Needs
    VMPL_SGX_CAP_ZERO_PAGES.
    """


class RunFlag(enum.IntFlag):
    """Flags of ENCLAVE_RUN (RUN.flags). A module that predates a flag answers EINVAL to it, as to any
unknown bit.
"""

    CANCEL = 0x1
    """Give up the entry parked on the TCS (interrupted, or its exit not copied out) and the ocall
    it may wait for: the SEH abandons it and the TCS takes a new EENTER. function, call_id and
    the buffers are not used; nothing is written back.
    """


class Enclu(enum.IntEnum):
    """ENCLU leaf numbers used in RUN.function."""

    EENTER = 2
    """Start a new ecall on the TCS."""
    ERESUME = 3
    """Answer the pending ocall of the TCS and continue."""
    EEXIT = 4
    """Written back when the enclave left through EEXIT (normal or ocall exit)."""


class Exit(enum.IntEnum):
    """How a RUN ended (RUN.exit_kind)."""

    NONE = 0
    """Not run."""
    NORMAL = 1
    """The ecall returned; retval and the output buffer are valid."""
    OCALL = 2
    """The enclave asks the host for a service; call_id names the ocall, the output buffer holds
    its request. Answer with RUN function ERESUME.
    """
    EXCEPTION = 3
    """The enclave faulted; the exception fields are valid and the ecall is over."""


class EnclaveCreate(ctypes.Structure):
    """Argument of ENCLAVE_CREATE (same layout as Linux's struct sgx_enclave_create)."""

    src: int
    _fields_ = [
        ("src", ctypes.c_uint64),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_enclave_create"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields that must be zero."""


class EnclaveAddPages(ctypes.Structure):
    """Argument of ENCLAVE_ADD_PAGES (same layout as Linux's struct sgx_enclave_add_pages)."""

    src: int
    offset: int
    length: int
    secinfo: int
    flags: int
    count: int
    _fields_ = [
        ("src", ctypes.c_uint64),
        ("offset", ctypes.c_uint64),
        ("length", ctypes.c_uint64),
        ("secinfo", ctypes.c_uint64),
        ("flags", ctypes.c_uint64),
        ("count", ctypes.c_uint64),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_enclave_add_pages"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields that must be zero."""


class EnclaveInit(ctypes.Structure):
    """Argument of ENCLAVE_INIT (same layout as Linux's struct sgx_enclave_init)."""

    sigstruct: int
    _fields_ = [
        ("sigstruct", ctypes.c_uint64),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_enclave_init"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields that must be zero."""


class Info(ctypes.Structure):
    """Result of GET_INFO. An extensible struct (the ioctls' rule): later versions only append fields;
size tells how many bytes of the caller's struct the module filled, and the bytes after them are
zero.
"""

    size: int
    api_version: int
    seh_protocol: int
    seh_version: int
    transport: int
    reserved0: int
    capabilities: int
    max_pages_per_call: int
    max_run_buffer: int
    max_enclave_size: int
    reserved1: ctypes.Array[ctypes.c_uint64]
    _fields_ = [
        ("size", ctypes.c_uint32),
        ("api_version", ctypes.c_uint32),
        ("seh_protocol", ctypes.c_uint32),
        ("seh_version", ctypes.c_uint32),
        ("transport", ctypes.c_uint32),
        ("reserved0", ctypes.c_uint32),
        ("capabilities", ctypes.c_uint64),
        ("max_pages_per_call", ctypes.c_uint32),
        ("max_run_buffer", ctypes.c_uint32),
        ("max_enclave_size", ctypes.c_uint64),
        ("reserved1", ctypes.c_uint64 * 2),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_info"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved0", "reserved1",)
    """Fields that must be zero."""


class EnclaveRun(ctypes.Structure):
    """Argument of ENCLAVE_RUN. Starts like Linux's struct sgx_enclave_run; everything after
exception_addr is specific to vmpl-sgx. Input fields are tcs, function, call_id, input,
input_len, output, output_capacity and flags; the module writes back function, exception_*,
call_id (on an ocall exit), exit_kind, output_len and retval. New output fields are carved from
the reserved tail, so the struct keeps its size.
"""

    tcs: int
    function: int
    exception_vector: int
    exception_error_code: int
    exception_addr: int
    call_id: int
    exit_kind: int
    input: int
    output: int
    input_len: int
    output_capacity: int
    output_len: int
    flags: int
    retval: int
    exception_rip: int
    reserved: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("tcs", ctypes.c_uint64),
        ("function", ctypes.c_uint32),
        ("exception_vector", ctypes.c_uint16),
        ("exception_error_code", ctypes.c_uint16),
        ("exception_addr", ctypes.c_uint64),
        ("call_id", ctypes.c_uint32),
        ("exit_kind", ctypes.c_uint32),
        ("input", ctypes.c_uint64),
        ("output", ctypes.c_uint64),
        ("input_len", ctypes.c_uint32),
        ("output_capacity", ctypes.c_uint32),
        ("output_len", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("retval", ctypes.c_uint64),
        ("exception_rip", ctypes.c_uint64),
        ("reserved", ctypes.c_uint8 * 176),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_enclave_run"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


class EnclaveQuote(ctypes.Structure):
    """Argument of ENCLAVE_QUOTE. The enclave's REPORT, targeted at the SEH's quoting identity
(QUOTING_TARGET), and a nonce go in; the SNP attestation report, the services manifest and the
certificate table come out. Lengths negotiate as in the SVSM attestation protocol: each *_len is
the buffer's size on input and the bytes written on output; when a buffer is too small the call
fails with ENOSPC and every *_len holds the size needed. Extensible: new inputs take reserved
bytes, which must be zero today.
"""

    report: int
    nonce: int
    snp_report: int
    manifest: int
    certificates: int
    snp_report_len: int
    manifest_len: int
    certificates_len: int
    flags: int
    reserved: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("report", ctypes.c_uint64),
        ("nonce", ctypes.c_uint64),
        ("snp_report", ctypes.c_uint64),
        ("manifest", ctypes.c_uint64),
        ("certificates", ctypes.c_uint64),
        ("snp_report_len", ctypes.c_uint32),
        ("manifest_len", ctypes.c_uint32),
        ("certificates_len", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("reserved", ctypes.c_uint8 * 72),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_enclave_quote"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("flags", "reserved",)
    """Fields that must be zero."""


class QuotingTarget(ctypes.Structure):
    """Result of QUOTING_TARGET: the TARGETINFO of the SEH's quoting identity, which an enclave targets
its REPORT at before ENCLAVE_QUOTE.
"""

    targetinfo: ctypes.Array[ctypes.c_uint8]
    reserved: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("targetinfo", ctypes.c_uint8 * 512),
        ("reserved", ctypes.c_uint8 * 64),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_quoting_target"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


MAGIC: Final = 0xA4
"""ioctl type byte of /dev/vmpl_sgx."""

IOC_ENCLAVE_CREATE: Final = 0x4008A400
"""Create the enclave of this file from a SECS (ECREATE). Same number as SGX_IOC_ENCLAVE_CREATE."""

IOC_ENCLAVE_ADD_PAGES: Final = 0xC030A401
"""Add and optionally measure pages (EADD/EEXTEND). Same number as SGX_IOC_ENCLAVE_ADD_PAGES."""

IOC_ENCLAVE_INIT: Final = 0x4008A402
"""Finalize the enclave with a SIGSTRUCT (EINIT). Same number as SGX_IOC_ENCLAVE_INIT."""

IOC_GET_INFO: Final = 0x8040A480
"""Report versions, transport, capabilities and limits. Works on any open file. Extensible (any
struct size from VMPL_SGX_INFO_SIZE_VER0 up).
"""

IOC_ENCLAVE_RUN: Final = 0xC100A481
"""Enter or resume an initialized enclave on one TCS and return through the ioctl."""

IOC_ENCLAVE_QUOTE: Final = 0xC080A482
"""Turn a REPORT of this initialized enclave, targeted at the quoting identity, into a quote (an
SNP report at VMPL 0 binding it and a nonce).
"""

IOC_QUOTING_TARGET: Final = 0x8240A483
"""The TARGETINFO of the SEH's quoting identity. Works on any open file."""

RESERVED_IOCTL_NUMBERS: Final = frozenset({0x03, 0x04, 0x05, 0x06, 0x07})
"""ioctl numbers kept for future use with a fixed meaning."""

# ---- SGX architectural structures and constants, as the SEH implements them.

SECS_SIZE: Final = 4096
"""Size of a SECS."""

SIGSTRUCT_SIZE: Final = 1808
"""Size of a SIGSTRUCT."""

MIN_ENCLAVE_SIZE: Final = 8192
"""Smallest SECS.size ECREATE accepts."""

VENDOR_INTEL: Final = 0x8086
"""SIGSTRUCT.vendor for Intel-signed enclaves; 0 otherwise."""

SIGSTRUCT_EXPONENT: Final = 3
"""The only RSA public exponent EINIT accepts."""

SIGSTRUCT_TYPE_DEBUG: Final = 0x80000000
"""SIGSTRUCT.type bit for debug-signed enclaves."""

XFRM_MANDATORY: Final = 0x3
"""XFRM bits that must be set (x87 and SSE)."""

MISCSELECT_RESERVED: Final = 0xFFFFFFFE
"""MISCSELECT bits that must be zero (all but EXINFO)."""

ATTRIBUTES_RESERVED: Final = 0xFFFFFFFFFFFFF348
"""SECS.attributes bits that must be zero (3, 6, 8, 9 and 11-63)."""


class SecinfoFlag(enum.IntFlag):
    """SECINFO.flags permission bits and page type field."""

    R = 0x1
    """Readable."""
    W = 0x2
    """Writable; requires R."""
    X = 0x4
    """Executable."""
    PENDING = 0x8
    """EAUG pending (not accepted by ADD_PAGES)."""
    MODIFIED = 0x10
    """EMODT modified (not accepted by ADD_PAGES)."""
    PR = 0x20
    """EMODPR restricted (not accepted by ADD_PAGES)."""
    PAGE_TYPE_MASK = 0xFF00
    """Page type field, bits 15-8."""


class PageType(enum.IntEnum):
    """SECINFO page types (value of SECINFO.flags bits 15-8)."""

    SECS = 0
    """SECS page."""
    TCS = 1
    """Thread Control Structure."""
    REG = 2
    """Regular page."""
    VA = 3
    """Version array."""
    TRIM = 4
    """Trimmed page."""


class Attr(enum.IntFlag):
    """SECS.attributes bits."""

    INIT = 0x1
    """Set by EINIT; must be clear in ECREATE."""
    DEBUG = 0x2
    """Debug enclave."""
    MODE64BIT = 0x4
    """64-bit enclave."""
    PROVISIONKEY = 0x10
    """May derive the provisioning key (privileged)."""
    EINITTOKENKEY = 0x20
    """May derive the launch key (privileged)."""
    KSS = 0x80
    """Key separation and sharing."""
    AEXNOTIFY = 0x400
    """AEX notifications."""


class Secs(ctypes.Structure):
    """SGX Enclave Control Structure (4096 bytes)."""

    size: int
    base: int
    ssa_frame_size: int
    miscselect: int
    reserved1: ctypes.Array[ctypes.c_uint8]
    attributes: int
    xfrm: int
    mrenclave: ctypes.Array[ctypes.c_uint8]
    reserved2: ctypes.Array[ctypes.c_uint8]
    mrsigner: ctypes.Array[ctypes.c_uint8]
    reserved3: ctypes.Array[ctypes.c_uint8]
    config_id: ctypes.Array[ctypes.c_uint8]
    isv_prod_id: int
    isv_svn: int
    config_svn: int
    reserved4: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("size", ctypes.c_uint64),
        ("base", ctypes.c_uint64),
        ("ssa_frame_size", ctypes.c_uint32),
        ("miscselect", ctypes.c_uint32),
        ("reserved1", ctypes.c_uint8 * 24),
        ("attributes", ctypes.c_uint64),
        ("xfrm", ctypes.c_uint64),
        ("mrenclave", ctypes.c_uint8 * 32),
        ("reserved2", ctypes.c_uint8 * 32),
        ("mrsigner", ctypes.c_uint8 * 32),
        ("reserved3", ctypes.c_uint8 * 32),
        ("config_id", ctypes.c_uint8 * 64),
        ("isv_prod_id", ctypes.c_uint16),
        ("isv_svn", ctypes.c_uint16),
        ("config_svn", ctypes.c_uint16),
        ("reserved4", ctypes.c_uint8 * 3834),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_secs"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved1", "reserved2", "reserved3", "reserved4",)
    """Fields that must be zero."""


class Secinfo(ctypes.Structure):
    """Security information of a page (64 bytes)."""

    flags: int
    reserved: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("flags", ctypes.c_uint64),
        ("reserved", ctypes.c_uint8 * 56),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_secinfo"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


class Tcs(ctypes.Structure):
    """Thread Control Structure (4096 bytes)."""

    state: int
    flags: int
    ossa: int
    cssa: int
    nssa: int
    oentry: int
    aep: int
    ofsbase: int
    ogsbase: int
    fslimit: int
    gslimit: int
    reserved: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("state", ctypes.c_uint64),
        ("flags", ctypes.c_uint64),
        ("ossa", ctypes.c_uint64),
        ("cssa", ctypes.c_uint32),
        ("nssa", ctypes.c_uint32),
        ("oentry", ctypes.c_uint64),
        ("aep", ctypes.c_uint64),
        ("ofsbase", ctypes.c_uint64),
        ("ogsbase", ctypes.c_uint64),
        ("fslimit", ctypes.c_uint32),
        ("gslimit", ctypes.c_uint32),
        ("reserved", ctypes.c_uint8 * 4024),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_tcs"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


class Sigstruct(ctypes.Structure):
    """Enclave signature structure (1808 bytes)."""

    header: ctypes.Array[ctypes.c_uint8]
    type: int
    vendor: int
    date: int
    header2: ctypes.Array[ctypes.c_uint8]
    swdefined: int
    reserved1: ctypes.Array[ctypes.c_uint8]
    modulus: ctypes.Array[ctypes.c_uint8]
    exponent: int
    signature: ctypes.Array[ctypes.c_uint8]
    miscselect: int
    miscmask: int
    reserved2: ctypes.Array[ctypes.c_uint8]
    isvfamilyid: ctypes.Array[ctypes.c_uint8]
    attributes: int
    xfrm: int
    attributemask: int
    xfrmmask: int
    enclavehash: ctypes.Array[ctypes.c_uint8]
    reserved3: ctypes.Array[ctypes.c_uint8]
    isvextprodid: ctypes.Array[ctypes.c_uint8]
    isvprodid: int
    isvsvn: int
    reserved4: ctypes.Array[ctypes.c_uint8]
    q1: ctypes.Array[ctypes.c_uint8]
    q2: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("header", ctypes.c_uint8 * 12),
        ("type", ctypes.c_uint32),
        ("vendor", ctypes.c_uint32),
        ("date", ctypes.c_uint32),
        ("header2", ctypes.c_uint8 * 16),
        ("swdefined", ctypes.c_uint32),
        ("reserved1", ctypes.c_uint8 * 84),
        ("modulus", ctypes.c_uint8 * 384),
        ("exponent", ctypes.c_uint32),
        ("signature", ctypes.c_uint8 * 384),
        ("miscselect", ctypes.c_uint32),
        ("miscmask", ctypes.c_uint32),
        ("reserved2", ctypes.c_uint8 * 4),
        ("isvfamilyid", ctypes.c_uint8 * 16),
        ("attributes", ctypes.c_uint64),
        ("xfrm", ctypes.c_uint64),
        ("attributemask", ctypes.c_uint64),
        ("xfrmmask", ctypes.c_uint64),
        ("enclavehash", ctypes.c_uint8 * 32),
        ("reserved3", ctypes.c_uint8 * 16),
        ("isvextprodid", ctypes.c_uint8 * 16),
        ("isvprodid", ctypes.c_uint16),
        ("isvsvn", ctypes.c_uint16),
        ("reserved4", ctypes.c_uint8 * 12),
        ("q1", ctypes.c_uint8 * 384),
        ("q2", ctypes.c_uint8 * 384),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_sigstruct"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved1", "reserved2", "reserved3", "reserved4",)
    """Fields that must be zero."""

# ---- The SEH protocol: the wire between the guest module and the Secure Enclave Handler at VMPL0. It follows the SVSM calling convention: RAX = (protocol << 32) | call on entry and the result code on return. The request sits at the start of the 4088-byte buffer of the calling vCPU's Calling Area and RCX holds its length in bytes; the SEH writes the response over it and returns its length in RCX. RDX, R8 and R9 are zero. Bulk data (SECS, page contents, SIGSTRUCT, run buffers) lives in guest pages owned by the module and is named by guest-physical address.

SEH_PROTOCOL: Final = 0x5E
"""SVSM protocol number of the SEH. 0 is core, 1 attestation and 2 vTPM in every SVSM; COCONUT-SVSM
uses 3 (APIC emulation) and 4 (UEFI variable store), which the NestedSGX prototype also used for
its "SGX" protocol; TEEVisor's enclave calls use 0x10. 0x5E ("SE") sits away from the low
numbers that SVSM implementations allocate in sequence, so it collides with none of them now and
is unlikely to later.
"""

SEH_VERSION: Final = 1
"""Version of the SEH protocol spoken by this module."""

SEH_MIN_VERSION: Final = 1
"""Oldest SEH protocol version the module accepts."""

SEH_CAA_BUFFER_SIZE: Final = 4088
"""Bytes of the Calling Area buffer available for a request or response."""

SEH_MAX_PAGES_PER_CALL: Final = 128
"""Page descriptors in one ADD_PAGES request; 16 + 128 * 24 = 3088 bytes fit the Calling Area
buffer, so loading 512 KiB costs one world switch.
"""

SEH_RUN_PAGES: Final = 16
"""Guest pages per run buffer (input or output); 16 pages carry RUN_BUFFER_MAX bytes."""

SEH_QUOTE_PAGES: Final = 4
"""Guest pages per QUOTE output buffer; 4 pages carry QUOTE_BUFFER_MAX bytes."""


class SehCall(enum.IntEnum):
    """Call numbers of the SEH protocol (RAX[31:0])."""

    QUERY = 0
    """Report the SEH's version, limits and capabilities."""
    CREATE = 1
    """ECREATE from a SECS page."""
    ADD_PAGES = 2
    """EADD (and EEXTEND) a batch of pages."""
    INIT = 3
    """EINIT with a SIGSTRUCT."""
    ENTER = 4
    """EENTER or ERESUME on a TCS until the enclave exits."""
    DESTROY = 5
    """Tear the enclave down and free its memory."""
    QUOTE = 6
    """Check an enclave REPORT for the quoting identity and answer with an SNP report, manifest and
    certificates.
    """
    QUOTING_TARGET = 7
    """Report the TARGETINFO of the quoting identity."""


class SehEnterOp(enum.IntEnum):
    """Values of ENTER's function that only the module sends, besides VMPL_SGX_ENCLU_EENTER and
_ERESUME.
"""

    CONTINUE = 256
    """The ENTER continuation: run the entry parked on the TCS for one more slice. The request
    names the same run buffers as the ENTER that started the entry; the input is not read again.
    """
    ABANDON = 257
    """Give up the entry parked on the TCS and any ocall it waits for (the TCS takes a new EENTER);
    SUCCESS with no response, also when there was nothing to give up. No run buffers.
    """


class SehDescFlag(enum.IntFlag):
    """Flags of an ADD_PAGES page descriptor."""

    MEASURE = 0x1
    """EEXTEND the page after EADD."""
    ZERO = 0x2
    """EADD a page of zeros: src_gpa must be 0 and MEASURE clear; no guest page is read."""


class SehResult(enum.IntEnum):
    """Result codes returned in RAX. The first nine are the SVSM's generic codes; the SEH's own codes
start at 0x80001000. errno is what the module returns to user space for each (negated).
"""

    SUCCESS = 0x00000000
    """The call succeeded."""
    INCOMPLETE = 0x80000000
    """Progress was kept; the caller issues the call's continuation. The continuation is self-
    contained and CPU-independent (the calling thread may move between slices; nothing waits in
    one CPU's Calling Area). ADD_PAGES: the response's done counts the pages of this request
    that went in, the continuation carries the rest. ENTER: the SEH bounds each enclave slice;
    an entry that has not exited by the end of its slice is parked on its TCS, AEX-like, and
    INCOMPLETE comes without a response; the continuation is the same request with function
    VMPL_SGX_SEH_ENTER_OP_CONTINUE. The module issues it with interrupts on between slices, and
    may instead give the entry up with VMPL_SGX_SEH_ENTER_OP_ABANDON. A call with no
    continuation, or no progress, is repeated a bounded number of times.
    """
    UNSUPPORTED_PROTOCOL = 0x80000001
    """No SEH behind the SVSM."""
    UNSUPPORTED_CALL = 0x80000002
    """The SEH does not implement this call."""
    INVALID_ADDRESS = 0x80000003
    """A guest-physical address in the request is invalid."""
    INVALID_FORMAT = 0x80000004
    """The request is malformed."""
    INVALID_PARAMETER = 0x80000005
    """A request field is out of range."""
    INVALID_REQUEST = 0x80000006
    """The request is not valid in this state."""
    BUSY = 0x80000007
    """The SVSM is busy; the module retries a bounded number of times."""
    NO_MEMORY = 0x80001000
    """The SEH has no memory left for this enclave."""
    BAD_HANDLE = 0x80001001
    """The enclave handle is unknown to the SEH."""
    ECREATE_FAILED = 0x80001002
    """ECREATE rejected the SECS (size, base, SSA, reserved fields, masks)."""
    BAD_STATE = 0x80001003
    """The enclave is in the wrong state for this call."""
    PAGE_EXISTS = 0x80001004
    """EADD to an offset that already holds a page."""
    BAD_PAGE = 0x80001005
    """Page offset outside the enclave, or bad SECINFO."""
    EADD_FAILED = 0x80001006
    """EADD rejected the page contents (a malformed TCS)."""
    INVALID_SIGSTRUCT = 0x80001007
    """SIGSTRUCT header constants or fields are invalid."""
    INVALID_SIGNATURE = 0x80001008
    """The SIGSTRUCT signature (or Q1/Q2) does not verify."""
    INVALID_MEASUREMENT = 0x80001009
    """MRENCLAVE differs from SIGSTRUCT.enclavehash."""
    INVALID_ATTRIBUTE = 0x8000100A
    """Attributes or MISCSELECT do not match SIGSTRUCT under its masks."""
    NOT_TCS = 0x8000100B
    """The RUN target is not a TCS page of this enclave."""
    TCS_BUSY = 0x8000100C
    """Another RUN is active on this TCS."""
    NO_OCALL_PENDING = 0x8000100D
    """ERESUME on a TCS that has no pending ocall."""
    OCALL_PENDING = 0x8000100E
    """EENTER on a TCS whose ocall still waits for its answer."""
    OUTPUT_TOO_SMALL = 0x8000100F
    """The enclave produced more output than the capacity allows."""
    NO_IMAGE = 0x80001010
    """The enclave holds no code the SEH can run."""
    QUOTE_TOO_SMALL = 0x80001011
    """A QUOTE output buffer is too small; the response holds the sizes needed (as the SVSM
    attestation protocol answers).
    """
    INVALID_REPORT = 0x80001012
    """The REPORT's MAC does not verify under the quoting identity's report key (forged, or
    targeted at another enclave).
    """


SEH_RESULT_ERRNO: Final[Mapping[SehResult, int]] = {
    SehResult.SUCCESS: 0,
    SehResult.INCOMPLETE: errno.EAGAIN,
    SehResult.UNSUPPORTED_PROTOCOL: errno.ENODEV,
    SehResult.UNSUPPORTED_CALL: errno.EOPNOTSUPP,
    SehResult.INVALID_ADDRESS: errno.EFAULT,
    SehResult.INVALID_FORMAT: errno.EINVAL,
    SehResult.INVALID_PARAMETER: errno.EINVAL,
    SehResult.INVALID_REQUEST: errno.EINVAL,
    SehResult.BUSY: errno.EBUSY,
    SehResult.NO_MEMORY: errno.ENOMEM,
    SehResult.BAD_HANDLE: errno.EIO,
    SehResult.ECREATE_FAILED: errno.EIO,
    SehResult.BAD_STATE: errno.EINVAL,
    SehResult.PAGE_EXISTS: errno.EBUSY,
    SehResult.BAD_PAGE: errno.EINVAL,
    SehResult.EADD_FAILED: errno.EIO,
    SehResult.INVALID_SIGSTRUCT: errno.EPERM,
    SehResult.INVALID_SIGNATURE: errno.EPERM,
    SehResult.INVALID_MEASUREMENT: errno.EPERM,
    SehResult.INVALID_ATTRIBUTE: errno.EPERM,
    SehResult.NOT_TCS: errno.EINVAL,
    SehResult.TCS_BUSY: errno.EBUSY,
    SehResult.NO_OCALL_PENDING: errno.EINVAL,
    SehResult.OCALL_PENDING: errno.EINVAL,
    SehResult.OUTPUT_TOO_SMALL: errno.ENOSPC,
    SehResult.NO_IMAGE: errno.ENOEXEC,
    SehResult.QUOTE_TOO_SMALL: errno.ENOSPC,
    SehResult.INVALID_REPORT: errno.EBADMSG,
}
"""errno (positive) the module returns for each result code; 0 for success."""

SEH_RESULT_RETRY: Final = frozenset({
    SehResult.INCOMPLETE,
    SehResult.BUSY,
})
"""Result codes after which the module repeats the call (a bounded number of times)."""


class SehQueryReq(ctypes.Structure):
    """QUERY request."""

    version: int
    reserved: int
    _fields_ = [
        ("version", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_query_req"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


class SehQueryRsp(ctypes.Structure):
    """QUERY response."""

    version: int
    max_pages_per_call: int
    max_run_buffer: int
    reserved: int
    capabilities: int
    max_enclave_size: int
    _fields_ = [
        ("version", ctypes.c_uint32),
        ("max_pages_per_call", ctypes.c_uint32),
        ("max_run_buffer", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
        ("capabilities", ctypes.c_uint64),
        ("max_enclave_size", ctypes.c_uint64),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_query_rsp"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


class SehCreateReq(ctypes.Structure):
    """CREATE request."""

    secs_gpa: int
    _fields_ = [
        ("secs_gpa", ctypes.c_uint64),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_create_req"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields that must be zero."""


class SehCreateRsp(ctypes.Structure):
    """CREATE response."""

    handle: int
    _fields_ = [
        ("handle", ctypes.c_uint64),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_create_rsp"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields that must be zero."""


class SehPageDesc(ctypes.Structure):
    """One page of an ADD_PAGES batch."""

    src_gpa: int
    offset: int
    secinfo_flags: int
    flags: int
    _fields_ = [
        ("src_gpa", ctypes.c_uint64),
        ("offset", ctypes.c_uint64),
        ("secinfo_flags", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_page_desc"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields that must be zero."""


class SehAddPagesReq(ctypes.Structure):
    """ADD_PAGES request; pages are added in order and stop at the first failure."""

    handle: int
    count: int
    reserved: int
    pages: ctypes.Array[SehPageDesc]
    _fields_ = [
        ("handle", ctypes.c_uint64),
        ("count", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
        ("pages", SehPageDesc * 128),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_add_pages_req"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


class SehAddPagesRsp(ctypes.Structure):
    """ADD_PAGES response, valid on success, on failure and with INCOMPLETE (then done pages went in
and the rest follow in the continuation).
"""

    done: int
    reserved: int
    _fields_ = [
        ("done", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_add_pages_rsp"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


class SehInitReq(ctypes.Structure):
    """INIT request."""

    handle: int
    sigstruct_gpa: int
    _fields_ = [
        ("handle", ctypes.c_uint64),
        ("sigstruct_gpa", ctypes.c_uint64),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_init_req"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields that must be zero."""


class SehInitRsp(ctypes.Structure):
    """INIT response."""

    mrenclave: ctypes.Array[ctypes.c_uint8]
    mrsigner: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("mrenclave", ctypes.c_uint8 * 32),
        ("mrsigner", ctypes.c_uint8 * 32),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_init_rsp"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields that must be zero."""


class SehEnterReq(ctypes.Structure):
    """ENTER request."""

    handle: int
    tcs_offset: int
    function: int
    call_id: int
    input_len: int
    output_capacity: int
    input_gpa: ctypes.Array[ctypes.c_uint64]
    output_gpa: ctypes.Array[ctypes.c_uint64]
    _fields_ = [
        ("handle", ctypes.c_uint64),
        ("tcs_offset", ctypes.c_uint64),
        ("function", ctypes.c_uint32),
        ("call_id", ctypes.c_uint32),
        ("input_len", ctypes.c_uint32),
        ("output_capacity", ctypes.c_uint32),
        ("input_gpa", ctypes.c_uint64 * 16),
        ("output_gpa", ctypes.c_uint64 * 16),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_enter_req"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields that must be zero."""


class SehEnterRsp(ctypes.Structure):
    """ENTER response."""

    exit_kind: int
    call_id: int
    output_len: int
    exception_vector: int
    exception_error_code: int
    exception_addr: int
    retval: int
    _fields_ = [
        ("exit_kind", ctypes.c_uint32),
        ("call_id", ctypes.c_uint32),
        ("output_len", ctypes.c_uint32),
        ("exception_vector", ctypes.c_uint16),
        ("exception_error_code", ctypes.c_uint16),
        ("exception_addr", ctypes.c_uint64),
        ("retval", ctypes.c_uint64),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_enter_rsp"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields that must be zero."""


class SehEnterFault(ctypes.Structure):
    """Follows seh_enter_rsp in the ENTER response of an SEH that reports CAP_EXCEPTION_RIP (RCX then
counts both); a response without it tells no instruction.
"""

    exception_rip: int
    reserved: int
    _fields_ = [
        ("exception_rip", ctypes.c_uint64),
        ("reserved", ctypes.c_uint64),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_enter_fault"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


class SehDestroyReq(ctypes.Structure):
    """DESTROY request."""

    handle: int
    _fields_ = [
        ("handle", ctypes.c_uint64),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_destroy_req"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields that must be zero."""


class SehQuoteReq(ctypes.Structure):
    """QUOTE request."""

    handle: int
    report: ctypes.Array[ctypes.c_uint8]
    nonce: ctypes.Array[ctypes.c_uint8]
    snp_report_capacity: int
    manifest_capacity: int
    certificates_capacity: int
    reserved: int
    snp_report_gpa: ctypes.Array[ctypes.c_uint64]
    manifest_gpa: ctypes.Array[ctypes.c_uint64]
    certificates_gpa: ctypes.Array[ctypes.c_uint64]
    _fields_ = [
        ("handle", ctypes.c_uint64),
        ("report", ctypes.c_uint8 * 432),
        ("nonce", ctypes.c_uint8 * 64),
        ("snp_report_capacity", ctypes.c_uint32),
        ("manifest_capacity", ctypes.c_uint32),
        ("certificates_capacity", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
        ("snp_report_gpa", ctypes.c_uint64 * 4),
        ("manifest_gpa", ctypes.c_uint64 * 4),
        ("certificates_gpa", ctypes.c_uint64 * 4),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_quote_req"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


class SehQuoteRsp(ctypes.Structure):
    """QUOTE response; with QUOTE_TOO_SMALL it holds the sizes needed."""

    snp_report_len: int
    manifest_len: int
    certificates_len: int
    reserved: int
    _fields_ = [
        ("snp_report_len", ctypes.c_uint32),
        ("manifest_len", ctypes.c_uint32),
        ("certificates_len", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_quote_rsp"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


class SehQuotingTargetRsp(ctypes.Structure):
    """QUOTING_TARGET response (no request bytes)."""

    targetinfo: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("targetinfo", ctypes.c_uint8 * 512),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_seh_quoting_target_rsp"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields that must be zero."""

# ---- Messages on /dev/vmpl_sgx_seh, the loopback transport used for development and tests. A read() returns exactly one pending SEH call: header, page table, the Calling Area buffer image, then the contents of every page in the table. The SEH answers with one write(): the same header (seq echoed, rax = result code, rcx = response length), a page table listing exactly the request's writable pages in the same order, the Calling Area buffer holding the response, then those pages' new contents. GPAs are real guest-physical addresses of module-owned pages.

LB_MAGIC: Final = 0x424C5356
""""VSLB" little-endian, first word of every message."""

LB_VERSION: Final = 1
"""Loopback message format version."""

LB_MAX_PAGES: Final = 128
"""Largest page table of one message (ADD_PAGES batches are the biggest)."""

LB_MAX_MESSAGE: Final = 530496
"""Largest message in bytes, 64 + 128 * 16 + 4096 + 128 * 4096; read() with a smaller buffer fails
with EINVAL.
"""


class LbPageFlag(enum.IntFlag):
    """Flags of a loopback page table entry."""

    WRITABLE = 0x1
    """The SEH may write this page; the response carries its new contents."""


class LbHeader(ctypes.Structure):
    """First 64 bytes of every loopback message."""

    magic: int
    version: int
    seq: int
    rax: int
    rcx: int
    rdx: int
    r8: int
    r9: int
    npages: int
    reserved: int
    _fields_ = [
        ("magic", ctypes.c_uint32),
        ("version", ctypes.c_uint32),
        ("seq", ctypes.c_uint64),
        ("rax", ctypes.c_uint64),
        ("rcx", ctypes.c_uint64),
        ("rdx", ctypes.c_uint64),
        ("r8", ctypes.c_uint64),
        ("r9", ctypes.c_uint64),
        ("npages", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_lb_header"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


class LbPage(ctypes.Structure):
    """One entry of the page table."""

    gpa: int
    flags: int
    reserved: int
    _fields_ = [
        ("gpa", ctypes.c_uint64),
        ("flags", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_lb_page"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


class LbCaa(ctypes.Structure):
    """Image of the Calling Area buffer, padded to a page so page contents stay aligned."""

    buffer: ctypes.Array[ctypes.c_uint8]
    reserved: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("buffer", ctypes.c_uint8 * 4088),
        ("reserved", ctypes.c_uint8 * 8),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_lb_caa"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""

# ---- The enclave ABI: how the SEH enters enclave code and how that code leaves. The SEH calls the entry point (SECS.base + TCS.oentry) as a System V function taking one argument, a pointer to struct vmpl_sgx_enclave_frame in memory outside the enclave. The in-enclave runtime switches to the stack its thread data names, dispatches call_id through its ecall table, writes at most output_capacity bytes to output and returns a status, which RUN reports as retval of a normal exit. An ocall is a call through the frame's ocall pointer: the SEH ends the RUN with an ocall exit (the request bytes as output), and when the application answers with ERESUME (input = struct vmpl_sgx_enclave_ocall_answer followed by the answer bytes) the call returns the answer's status, with the bytes copied to the response buffer. Exceptions in enclave code end the RUN with an exception exit.

ENCLAVE_THREAD_DATA_SIZE: Final = 64
"""Size of struct vmpl_sgx_enclave_thread_data, found at SECS.base + TCS.ofsbase."""


class EnclaveFrame(ctypes.Structure):
    """What the SEH passes to the enclave entry point; lives outside the enclave."""

    tcs: int
    enclave_base: int
    fsbase: int
    gsbase: int
    call_id: int
    reserved0: int
    input: int
    input_len: int
    output: int
    output_capacity: int
    output_len: int
    ocall: int
    reserved1: ctypes.Array[ctypes.c_uint64]
    _fields_ = [
        ("tcs", ctypes.c_uint64),
        ("enclave_base", ctypes.c_uint64),
        ("fsbase", ctypes.c_uint64),
        ("gsbase", ctypes.c_uint64),
        ("call_id", ctypes.c_uint32),
        ("reserved0", ctypes.c_uint32),
        ("input", ctypes.c_uint64),
        ("input_len", ctypes.c_uint64),
        ("output", ctypes.c_uint64),
        ("output_capacity", ctypes.c_uint64),
        ("output_len", ctypes.c_uint64),
        ("ocall", ctypes.c_uint64),
        ("reserved1", ctypes.c_uint64 * 5),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_enclave_frame"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved0", "reserved1",)
    """Fields that must be zero."""


class EnclaveThreadData(ctypes.Structure):
    """Per-thread data the loader places at SECS.base + TCS.ofsbase (measured)."""

    self_offset: int
    stack_top_offset: int
    stack_size: int
    heap_offset: int
    heap_size: int
    thread_index: int
    reserved: ctypes.Array[ctypes.c_uint64]
    _fields_ = [
        ("self_offset", ctypes.c_uint64),
        ("stack_top_offset", ctypes.c_uint64),
        ("stack_size", ctypes.c_uint64),
        ("heap_offset", ctypes.c_uint64),
        ("heap_size", ctypes.c_uint64),
        ("thread_index", ctypes.c_uint64),
        ("reserved", ctypes.c_uint64 * 2),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_enclave_thread_data"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""

# ---- Enclave ABI values host code needs: the statuses and the ocall answer header. A normal exit's retval is one of the statuses; the ERESUME input that answers an ocall starts with struct vmpl_sgx_enclave_ocall_answer. Both headers carry them (the uapi header for host C clients, the enclave header for enclave code).


class EnclaveStatus(enum.IntEnum):
    """Status values the runtime returns from an ecall and that ocalls return."""

    OK = 0
    """Success."""
    UNKNOWN_CALL = 1
    """No ecall (or ocall handler) has this number."""
    OUTPUT_TOO_SMALL = 2
    """The result does not fit the output buffer."""
    BAD_INPUT = 3
    """The input is malformed for this call."""
    OCALL_FAILED = 4
    """The host could not serve the ocall."""


class EnclaveOcallAnswer(ctypes.Structure):
    """Header of the ERESUME input that answers an ocall; the answer bytes follow it."""

    status: int
    reserved: int
    _fields_ = [
        ("status", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_enclave_ocall_answer"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""

# ---- SGX local attestation and keys (EREPORT, EGETKEY). Layouts as in Intel's SDM: TARGETINFO + REPORTDATA -> REPORT and KEYREQUEST -> 16-byte key. The SEH serves both; a report's MAC is AES-128-CMAC over the 384-byte body under the target enclave's report key, and every key is rooted in a secret that only the SEH holds.

TARGETINFO_SIZE: Final = 512
"""Size of a TARGETINFO (512-byte aligned)."""

REPORT_DATA_SIZE: Final = 64
"""Size of the REPORTDATA an enclave puts in a report."""

REPORT_BODY_SIZE: Final = 384
"""Size of the report body, the bytes the MAC covers."""

REPORT_SIZE: Final = 432
"""Size of a REPORT (512-byte aligned)."""

KEYREQUEST_SIZE: Final = 512
"""Size of a KEYREQUEST (512-byte aligned)."""

KEY_SIZE: Final = 16
"""Size of a key returned by EGETKEY."""


class KeyName(enum.IntEnum):
    """KEYREQUEST.key_name values."""

    EINITTOKEN = 0
    """Launch key (needs the EINITTOKENKEY attribute)."""
    PROVISION = 1
    """Provisioning key (needs the PROVISIONKEY attribute)."""
    PROVISION_SEAL = 2
    """Provisioning seal key (needs the PROVISIONKEY attribute)."""
    REPORT = 3
    """Report key of the calling enclave, to check reports targeted at it."""
    SEAL = 4
    """Seal key."""


class KeyPolicy(enum.IntFlag):
    """KEYREQUEST.key_policy bits; they pick the identity a key is bound to."""

    MRENCLAVE = 0x1
    """Bind to the enclave's MRENCLAVE."""
    MRSIGNER = 0x2
    """Bind to the enclave's MRSIGNER."""
    NOISVPRODID = 0x4
    """Leave ISVPRODID out of the derivation."""
    CONFIGID = 0x8
    """Bind to CONFIGID (KSS)."""
    ISVFAMILYID = 0x10
    """Bind to ISVFAMILYID (KSS)."""
    ISVEXTPRODID = 0x20
    """Bind to ISVEXTPRODID (KSS)."""


class KeyStatus(enum.IntEnum):
    """EGETKEY status codes (RAX after the leaf), as SGX defines them."""

    SUCCESS = 0
    """The key was derived."""
    INVALID_ATTRIBUTE = 2
    """The enclave lacks the attribute this key name needs."""
    INVALID_CPUSVN = 32
    """CPUSVN above the platform's."""
    INVALID_ISVSVN = 64
    """ISVSVN or CONFIGSVN above the enclave's own."""
    INVALID_KEYNAME = 256
    """Unknown key name."""


class Leaf(enum.IntEnum):
    """Ocall ids the SEH serves itself, never the host: SGX's user leaves EREPORT and EGETKEY. Their
request and answer go through the ocall function like any ocall, so the RUN's output capacity
must hold the request.
"""

    EREPORT = 4294967040
    """Request TARGETINFO (512) then REPORTDATA (64); answer the REPORT (432)."""
    EGETKEY = 4294967041
    """Request a KEYREQUEST (512); answer struct vmpl_sgx_key_answer."""


class RuntimeOcall(enum.IntEnum):
    """Ocall ids the enclave runtime's libc makes on its own; the host SDK (EnclaveApp) serves them.
Applications must not reuse them.
"""

    LOG = 4294966784
    """Request u32 level (Python logging numbers) then the text; goes to the vmpl_sgx.enclave
    logger.
    """
    ABORT = 4294966785
    """Request u32 0 then the message abort() or assert left; the entry then ends with #UD."""


class Targetinfo(ctypes.Structure):
    """Names the enclave a report is for (its report key MACs the report)."""

    mrenclave: ctypes.Array[ctypes.c_uint8]
    attributes: int
    xfrm: int
    reserved1: ctypes.Array[ctypes.c_uint8]
    config_svn: int
    miscselect: int
    reserved2: ctypes.Array[ctypes.c_uint8]
    config_id: ctypes.Array[ctypes.c_uint8]
    reserved3: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("mrenclave", ctypes.c_uint8 * 32),
        ("attributes", ctypes.c_uint64),
        ("xfrm", ctypes.c_uint64),
        ("reserved1", ctypes.c_uint8 * 2),
        ("config_svn", ctypes.c_uint16),
        ("miscselect", ctypes.c_uint32),
        ("reserved2", ctypes.c_uint8 * 8),
        ("config_id", ctypes.c_uint8 * 64),
        ("reserved3", ctypes.c_uint8 * 384),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_targetinfo"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved1", "reserved2", "reserved3",)
    """Fields that must be zero."""


class ReportBody(ctypes.Structure):
    """What a report says about the enclave that made it (the MAC covers all 384 bytes)."""

    cpu_svn: ctypes.Array[ctypes.c_uint8]
    miscselect: int
    reserved1: ctypes.Array[ctypes.c_uint8]
    isv_ext_prod_id: ctypes.Array[ctypes.c_uint8]
    attributes: int
    xfrm: int
    mrenclave: ctypes.Array[ctypes.c_uint8]
    reserved2: ctypes.Array[ctypes.c_uint8]
    mrsigner: ctypes.Array[ctypes.c_uint8]
    reserved3: ctypes.Array[ctypes.c_uint8]
    config_id: ctypes.Array[ctypes.c_uint8]
    isv_prod_id: int
    isv_svn: int
    config_svn: int
    reserved4: ctypes.Array[ctypes.c_uint8]
    isv_family_id: ctypes.Array[ctypes.c_uint8]
    report_data: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("cpu_svn", ctypes.c_uint8 * 16),
        ("miscselect", ctypes.c_uint32),
        ("reserved1", ctypes.c_uint8 * 12),
        ("isv_ext_prod_id", ctypes.c_uint8 * 16),
        ("attributes", ctypes.c_uint64),
        ("xfrm", ctypes.c_uint64),
        ("mrenclave", ctypes.c_uint8 * 32),
        ("reserved2", ctypes.c_uint8 * 32),
        ("mrsigner", ctypes.c_uint8 * 32),
        ("reserved3", ctypes.c_uint8 * 32),
        ("config_id", ctypes.c_uint8 * 64),
        ("isv_prod_id", ctypes.c_uint16),
        ("isv_svn", ctypes.c_uint16),
        ("config_svn", ctypes.c_uint16),
        ("reserved4", ctypes.c_uint8 * 42),
        ("isv_family_id", ctypes.c_uint8 * 16),
        ("report_data", ctypes.c_uint8 * 64),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_report_body"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved1", "reserved2", "reserved3", "reserved4",)
    """Fields that must be zero."""


class Report(ctypes.Structure):
    """Result of EREPORT."""

    body: ReportBody
    key_id: ctypes.Array[ctypes.c_uint8]
    mac: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("body", ReportBody),
        ("key_id", ctypes.c_uint8 * 32),
        ("mac", ctypes.c_uint8 * 16),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_report"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields that must be zero."""


class KeyAnswer(ctypes.Structure):
    """Answer of the EGETKEY leaf."""

    status: int
    reserved: int
    key: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("status", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
        ("key", ctypes.c_uint8 * 16),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_key_answer"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved",)
    """Fields that must be zero."""


class Keyrequest(ctypes.Structure):
    """Argument of EGETKEY."""

    key_name: int
    key_policy: int
    isv_svn: int
    reserved1: int
    cpu_svn: ctypes.Array[ctypes.c_uint8]
    attribute_mask: int
    xfrm_mask: int
    key_id: ctypes.Array[ctypes.c_uint8]
    misc_mask: int
    config_svn: int
    reserved2: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("key_name", ctypes.c_uint16),
        ("key_policy", ctypes.c_uint16),
        ("isv_svn", ctypes.c_uint16),
        ("reserved1", ctypes.c_uint16),
        ("cpu_svn", ctypes.c_uint8 * 16),
        ("attribute_mask", ctypes.c_uint64),
        ("xfrm_mask", ctypes.c_uint64),
        ("key_id", ctypes.c_uint8 * 32),
        ("misc_mask", ctypes.c_uint32),
        ("config_svn", ctypes.c_uint16),
        ("reserved2", ctypes.c_uint8 * 434),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_keyrequest"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved1", "reserved2",)
    """Fields that must be zero."""

# ---- The enclave runtime's sealing and report checks (vmpl_sgx_seal.h). vmpl_sgx_seal encrypts with AES-128-GCM under an EGETKEY seal key and writes a sealed blob: struct vmpl_sgx_sealed_header, then the additional authenticated bytes (in clear), then the ciphertext. The header carries every KEYREQUEST field the key was derived with, so vmpl_sgx_unseal derives the same key again; the GCM tag covers the header up to the tag, the additional bytes and the ciphertext. AES comes from AES-NI and GHASH from PCLMULQDQ, checked with CPUID.

SEALED_MAGIC: Final = 0x4C414553
"""SEALED_HEADER.magic, the bytes "SEAL"."""

SEALED_VERSION: Final = 1
"""SEALED_HEADER.version this runtime writes and reads."""

SEALED_HEADER_SIZE: Final = 128
"""Size of struct vmpl_sgx_sealed_header."""

SEALED_AUTHENTICATED_SIZE: Final = 112
"""Header bytes (all before the tag) that start the GCM additional data."""

SEAL_ATTRIBUTE_MASK: Final = 0xB7
"""KEYREQUEST.attribute_mask vmpl_sgx_seal uses: INIT, DEBUG, MODE64BIT, PROVISIONKEY,
EINITTOKENKEY and KSS, so an enclave that differs in any of them gets another key. XFRM and
MISCSELECT stay out (mask 0).
"""

SEALED_TEXT_MAX: Final = 0x7FFFFFFF
"""Largest additional data or plaintext one blob carries."""


class TrustStatus(enum.IntEnum):
    """Statuses of vmpl_sgx_seal, vmpl_sgx_unseal and vmpl_sgx_verify_report. The failures start at
0x100, clear of VMPL_SGX_ENCLAVE_STATUS_*, so an ecall can return either.
"""

    OK = 0
    """Done."""
    NO_AESNI = 256
    """The CPU lacks AES-NI or PCLMULQDQ (CPUID.1:ECX bits 25 and 1); nothing was done."""
    BAD_POLICY = 257
    """The key policy binds to neither MRENCLAVE nor MRSIGNER, or has bits no key policy defines."""
    TOO_LARGE = 258
    """The additional data or the plaintext exceeds SEALED_TEXT_MAX bytes."""
    OUTPUT_TOO_SMALL = 259
    """The output buffer cannot hold the result; nothing was written to it."""
    MALFORMED = 260
    """The blob is shorter than a header, has another magic, version, header size or key name, non-
    zero reserved bytes, or sizes that disagree with its length.
    """
    WRONG_POLICY = 261
    """The blob was sealed without a key policy bit the caller requires."""
    KEY_REFUSED = 262
    """EGETKEY refused the key: the blob names an ISVSVN or CONFIGSVN above this enclave's, or a
    CPUSVN above the platform's.
    """
    AUTH_FAILED = 263
    """The tag or MAC does not verify: the bytes were changed, or they were made for another
    enclave, whose key differs.
    """
    NO_RANDOM = 264
    """RDRAND and RDSEED gave no bytes for the key id and IV."""
    LEAF_FAILED = 265
    """EREPORT or EGETKEY did not answer, e.g. because the ecall's output capacity is below the
    leaf's request (576 bytes).
    """


class SealedHeader(ctypes.Structure):
    """First 128 bytes of a sealed blob; aad_size bytes of additional data and text_size bytes of
ciphertext follow it, and nothing else.
"""

    magic: int
    version: int
    header_size: int
    key_name: int
    key_policy: int
    isv_svn: int
    config_svn: int
    cpu_svn: ctypes.Array[ctypes.c_uint8]
    attribute_mask: int
    xfrm_mask: int
    misc_mask: int
    reserved1: int
    key_id: ctypes.Array[ctypes.c_uint8]
    iv: ctypes.Array[ctypes.c_uint8]
    aad_size: int
    text_size: int
    reserved2: int
    tag: ctypes.Array[ctypes.c_uint8]
    _fields_ = [
        ("magic", ctypes.c_uint32),
        ("version", ctypes.c_uint16),
        ("header_size", ctypes.c_uint16),
        ("key_name", ctypes.c_uint16),
        ("key_policy", ctypes.c_uint16),
        ("isv_svn", ctypes.c_uint16),
        ("config_svn", ctypes.c_uint16),
        ("cpu_svn", ctypes.c_uint8 * 16),
        ("attribute_mask", ctypes.c_uint64),
        ("xfrm_mask", ctypes.c_uint64),
        ("misc_mask", ctypes.c_uint32),
        ("reserved1", ctypes.c_uint32),
        ("key_id", ctypes.c_uint8 * 32),
        ("iv", ctypes.c_uint8 * 12),
        ("aad_size", ctypes.c_uint32),
        ("text_size", ctypes.c_uint32),
        ("reserved2", ctypes.c_uint32),
        ("tag", ctypes.c_uint8 * 16),
    ]
    C_NAME: ClassVar[str] = "struct vmpl_sgx_sealed_header"
    """The C declaration of this struct."""
    RESERVED_FIELDS: ClassVar[tuple[str, ...]] = ("reserved1", "reserved2",)
    """Fields that must be zero."""


class IoctlSpec(NamedTuple):
    """One ioctl of the spec."""

    name: str
    number: int
    nr: int
    direction: str
    struct: type[ctypes.Structure]
    min_size: int = 0
    """Extensible argument: the smallest struct size the command takes; 0 for one fixed size."""


IOCTLS: Final[tuple[IoctlSpec, ...]] = (
    IoctlSpec("enclave_create", IOC_ENCLAVE_CREATE, 0x00, "write", EnclaveCreate),
    IoctlSpec("enclave_add_pages", IOC_ENCLAVE_ADD_PAGES, 0x01, "readwrite", EnclaveAddPages),
    IoctlSpec("enclave_init", IOC_ENCLAVE_INIT, 0x02, "write", EnclaveInit),
    IoctlSpec("get_info", IOC_GET_INFO, 0x80, "read", Info, INFO_SIZE_VER0),
    IoctlSpec("enclave_run", IOC_ENCLAVE_RUN, 0x81, "readwrite", EnclaveRun),
    IoctlSpec("enclave_quote", IOC_ENCLAVE_QUOTE, 0x82, "readwrite", EnclaveQuote),
    IoctlSpec("quoting_target", IOC_QUOTING_TARGET, 0x83, "read", QuotingTarget),
)
"""Every ioctl in spec order."""

_ioc_size_bits: Final = 0x3FFF << 16


def ioc_size(cmd: int) -> int:
    """The argument size a command number carries (Linux's _IOC_SIZE)."""
    return (cmd & _ioc_size_bits) >> 16


def ioc_sized(spec: IoctlSpec, size: int) -> int:
    """The command of the extensible ioctl `spec` for a caller's struct of `size` bytes."""
    if not spec.min_size:
        raise ValueError(f"{spec.name} has one fixed argument size")
    if not 0 <= size <= _ioc_size_bits >> 16:
        raise ValueError(f"an ioctl argument size is 0 to {_ioc_size_bits >> 16}, not {size}")
    return (spec.number & ~_ioc_size_bits) | (size << 16)


def lookup_ioctl(cmd: int) -> IoctlSpec | None:
    """The ioctl a command number means (an extensible one at any size from its min_size up),
    None for an unknown command (ENOTTY)."""
    for spec in IOCTLS:
        if cmd == spec.number:
            return spec
        if (
            spec.min_size
            and cmd & ~_ioc_size_bits == spec.number & ~_ioc_size_bits
            and ioc_size(cmd) >= spec.min_size
        ):
            return spec
    return None
