/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Do not edit: generated from abi/vmpl_sgx.yaml
 * by codegen/templates/uapi_header.h.j2.
 * Regenerate with: python -m codegen
 */
#ifndef _UAPI_LINUX_VMPL_SGX_H
#define _UAPI_LINUX_VMPL_SGX_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* ---- User ABI of /dev/vmpl_sgx. ---- */

/*
 * Version of this user ABI, reported by GET_INFO. It only changes if an
 * incompatible change is ever made; additions are announced through
 * capability bits instead.
 */
#define VMPL_SGX_API_VERSION 1

/* Size of an enclave page. */
#define VMPL_SGX_PAGE_SIZE 4096

/*
 * Largest RUN input buffer and output capacity, in bytes, that this ABI
 * version allows. GET_INFO reports the limit actually in force, which may be
 * lower.
 */
#define VMPL_SGX_RUN_BUFFER_MAX 65536

/* Size of the first published version of struct vmpl_sgx_info. */
#define VMPL_SGX_INFO_SIZE_VER0 64

/*
 * Largest ENCLAVE_QUOTE output buffer (SNP report, manifest or certificate
 * table) in bytes; a larger length is refused with E2BIG.
 */
#define VMPL_SGX_QUOTE_BUFFER_MAX 16384

/* Size of the nonce ENCLAVE_QUOTE binds into the SNP report's REPORT_DATA. */
#define VMPL_SGX_QUOTE_NONCE_SIZE 64

/* Size of the enclave REPORT ENCLAVE_QUOTE takes (an SGX REPORT). */
#define VMPL_SGX_QUOTE_REPORT_SIZE 432

/*
 * VMPL_SGX_TRANSPORT_* - How the module reaches the SEH (GET_INFO.transport).
 * @VMPL_SGX_TRANSPORT_NONE: No transport bound.
 * @VMPL_SGX_TRANSPORT_SVSM: SVSM calls to VMPL0 through the Run-VMPL VMGEXIT.
 * @VMPL_SGX_TRANSPORT_LOOPBACK: SEH calls forwarded to a user-space SEH on /dev/vmpl_sgx_seh.
 * @VMPL_SGX_TRANSPORT_SIMULATOR: The SDK's in-process simulator (never reported by the module).
 */
#define VMPL_SGX_TRANSPORT_NONE 0
#define VMPL_SGX_TRANSPORT_SVSM 1
#define VMPL_SGX_TRANSPORT_LOOPBACK 2
#define VMPL_SGX_TRANSPORT_SIMULATOR 3

/*
 * VMPL_SGX_CAP_* - Capability bits reported by GET_INFO.capabilities.
 * @VMPL_SGX_CAP_RUN: ENCLAVE_RUN enters enclave code.
 * @VMPL_SGX_CAP_OCALL: Enclaves may exit with an ocall that the next RUN answers.
 * @VMPL_SGX_CAP_EXCEPTION_INFO: Exception exits report vector, error code and address.
 * @VMPL_SGX_CAP_ZERO_PAGES: ENCLAVE_ADD_PAGES accepts VMPL_SGX_PAGE_ZERO: unmeasured zero pages added without source data.
 * @VMPL_SGX_CAP_EXCEPTION_RIP: Exception exits also report the faulting instruction (RUN.exception_rip).
 * @VMPL_SGX_CAP_MODEL_ROOT_SECRET: The SEH's report, sealing and quoting keys come from a root secret the SEH model keeps (a file, or a process's memory), not from SNP hardware key requests: its reports and quotes prove nothing about AMD hardware.
 */
#define VMPL_SGX_CAP_RUN 0x1
#define VMPL_SGX_CAP_OCALL 0x2
#define VMPL_SGX_CAP_EXCEPTION_INFO 0x4
#define VMPL_SGX_CAP_ZERO_PAGES 0x8
#define VMPL_SGX_CAP_EXCEPTION_RIP 0x10
#define VMPL_SGX_CAP_MODEL_ROOT_SECRET 0x20

/*
 * VMPL_SGX_PAGE_* - Flags of ENCLAVE_ADD_PAGES, as in Linux SGX.
 * @VMPL_SGX_PAGE_MEASURE: Extend the measurement with the page contents (EEXTEND).
 * @VMPL_SGX_PAGE_ZERO: Add pages of zeros: src must be 0 and nothing is read from it; not with MEASURE. Needs VMPL_SGX_CAP_ZERO_PAGES.
 */
#define VMPL_SGX_PAGE_MEASURE 0x1
#define VMPL_SGX_PAGE_ZERO 0x2

/*
 * VMPL_SGX_RUN_* - Flags of ENCLAVE_RUN (RUN.flags). A module that predates a flag answers EINVAL to it, as to any unknown bit.
 * @VMPL_SGX_RUN_CANCEL: Give up the entry parked on the TCS (interrupted, or its exit not copied out) and the ocall it may wait for: the SEH abandons it and the TCS takes a new EENTER. function, call_id and the buffers are not used; nothing is written back.
 */
#define VMPL_SGX_RUN_CANCEL 0x1

/*
 * VMPL_SGX_ENCLU_* - ENCLU leaf numbers used in RUN.function.
 * @VMPL_SGX_ENCLU_EENTER: Start a new ecall on the TCS.
 * @VMPL_SGX_ENCLU_ERESUME: Answer the pending ocall of the TCS and continue.
 * @VMPL_SGX_ENCLU_EEXIT: Written back when the enclave left through EEXIT (normal or ocall exit).
 */
#define VMPL_SGX_ENCLU_EENTER 2
#define VMPL_SGX_ENCLU_ERESUME 3
#define VMPL_SGX_ENCLU_EEXIT 4

/*
 * VMPL_SGX_EXIT_* - How a RUN ended (RUN.exit_kind).
 * @VMPL_SGX_EXIT_NONE: Not run.
 * @VMPL_SGX_EXIT_NORMAL: The ecall returned; retval and the output buffer are valid.
 * @VMPL_SGX_EXIT_OCALL: The enclave asks the host for a service; call_id names the ocall, the output buffer holds its request. Answer with RUN function ERESUME.
 * @VMPL_SGX_EXIT_EXCEPTION: The enclave faulted; the exception fields are valid and the ecall is over.
 */
#define VMPL_SGX_EXIT_NONE 0
#define VMPL_SGX_EXIT_NORMAL 1
#define VMPL_SGX_EXIT_OCALL 2
#define VMPL_SGX_EXIT_EXCEPTION 3

/**
 * struct vmpl_sgx_enclave_create - Argument of ENCLAVE_CREATE (same layout as Linux's struct sgx_enclave_create).
 * @src: User address of a 4096-byte SECS; any alignment (it is copied).
 */
struct vmpl_sgx_enclave_create {
	__u64 src;
};

/**
 * struct vmpl_sgx_enclave_add_pages - Argument of ENCLAVE_ADD_PAGES (same layout as Linux's struct sgx_enclave_add_pages).
 * @src: User address of the source data; must be page-aligned (0 with VMPL_SGX_PAGE_ZERO).
 * @offset: Page-aligned offset of the first page inside the enclave.
 * @length: Bytes to add; non-zero and a multiple of the page size.
 * @secinfo: User address of a 64-byte SECINFO applied to every page; any alignment.
 * @flags: VMPL_SGX_PAGE_* flags.
 * @count: Out, written on success and on error - bytes added.
 */
struct vmpl_sgx_enclave_add_pages {
	__u64 src;
	__u64 offset;
	__u64 length;
	__u64 secinfo;
	__u64 flags;
	__u64 count;
};

/**
 * struct vmpl_sgx_enclave_init - Argument of ENCLAVE_INIT (same layout as Linux's struct sgx_enclave_init).
 * @sigstruct: User address of a 1808-byte SIGSTRUCT; any alignment.
 */
struct vmpl_sgx_enclave_init {
	__u64 sigstruct;
};

/**
 * struct vmpl_sgx_info - Result of GET_INFO.
 * @size: Bytes of the caller's struct the module filled: the smaller of the caller's size and the module's.
 * @api_version: VMPL_SGX_API_VERSION of the module.
 * @seh_protocol: SVSM protocol number of the SEH the module talks to.
 * @seh_version: SEH protocol version negotiated with the SEH.
 * @transport: VMPL_SGX_TRANSPORT_* in use.
 * @reserved0: Zero.
 * @capabilities: VMPL_SGX_CAP_* bits.
 * @max_pages_per_call: Pages the module sends to the SEH in one call.
 * @max_run_buffer: Largest RUN input length and output capacity in bytes.
 * @max_enclave_size: Largest SECS.size the SEH accepts.
 * @reserved1: Zero.
 *
 * An extensible struct (the ioctls' rule): later versions only append
 * fields; size tells how many bytes of the caller's struct the module
 * filled, and the bytes after them are zero.
 */
struct vmpl_sgx_info {
	__u32 size;
	__u32 api_version;
	__u32 seh_protocol;
	__u32 seh_version;
	__u32 transport;
	__u32 reserved0;
	__u64 capabilities;
	__u32 max_pages_per_call;
	__u32 max_run_buffer;
	__u64 max_enclave_size;
	__u64 reserved1[2];
};

/**
 * struct vmpl_sgx_enclave_run - Argument of ENCLAVE_RUN.
 * @tcs: Enclave linear address (SECS.base + offset) of a TCS page.
 * @function: In VMPL_SGX_ENCLU_EENTER or _ERESUME; out _EEXIT after an EEXIT.
 * @exception_vector: Out, on an exception exit.
 * @exception_error_code: Out, on an exception exit.
 * @exception_addr: Out, faulting enclave address on an exception exit.
 * @call_id: In the ecall number (EENTER; ignored by ERESUME); out the ocall number (ocall exit).
 * @exit_kind: Out, a VMPL_SGX_EXIT_* value.
 * @input: User address of the input bytes (ecall argument or ocall answer); may be NULL when input_len is 0.
 * @output: User address of the output buffer; may be NULL when output_capacity is 0.
 * @input_len: Input bytes; at most GET_INFO.max_run_buffer.
 * @output_capacity: Output buffer size; at most GET_INFO.max_run_buffer.
 * @output_len: Out, bytes written to the output buffer.
 * @flags: VMPL_SGX_RUN_* flags; unknown bits are EINVAL.
 * @retval: Out, the enclave's return value on a normal exit.
 * @exception_rip: Out, enclave linear address of the faulting instruction on an exception exit of a DEBUG enclave; 0 otherwise, and without VMPL_SGX_CAP_EXCEPTION_RIP. Ignored on input.
 * @reserved: Must be zero.
 *
 * Starts like Linux's struct sgx_enclave_run; everything after
 * exception_addr is specific to vmpl-sgx. Input fields are tcs, function,
 * call_id, input, input_len, output, output_capacity and flags; the module
 * writes back function, exception_*, call_id (on an ocall exit), exit_kind,
 * output_len and retval. New output fields are carved from the reserved
 * tail, so the struct keeps its size.
 */
struct vmpl_sgx_enclave_run {
	__u64 tcs;
	__u32 function;
	__u16 exception_vector;
	__u16 exception_error_code;
	__u64 exception_addr;
	__u32 call_id;
	__u32 exit_kind;
	__u64 input;
	__u64 output;
	__u32 input_len;
	__u32 output_capacity;
	__u32 output_len;
	__u32 flags;
	__u64 retval;
	__u64 exception_rip;
	__u8 reserved[176];
};

/**
 * struct vmpl_sgx_enclave_quote - Argument of ENCLAVE_QUOTE.
 * @report: User address of the enclave's 432-byte REPORT; any alignment.
 * @nonce: User address of the 64-byte nonce; any alignment.
 * @snp_report: User address of the buffer for the SNP attestation report; may be NULL when snp_report_len is 0.
 * @manifest: User address of the buffer for the services manifest; may be NULL when manifest_len is 0.
 * @certificates: User address of the buffer for the certificate table; may be NULL when certificates_len is 0.
 * @snp_report_len: In the snp_report buffer's size; out the bytes written (or needed, with ENOSPC).
 * @manifest_len: In the manifest buffer's size; out the bytes written (or needed, with ENOSPC).
 * @certificates_len: In the certificates buffer's size; out the bytes written (or needed, with ENOSPC); 0 when the SEH has no certificates.
 * @flags: No flags are defined; must be zero.
 * @reserved: Must be zero.
 *
 * The enclave's REPORT, targeted at the SEH's quoting identity
 * (QUOTING_TARGET), and a nonce go in; the SNP attestation report, the
 * services manifest and the certificate table come out. Lengths negotiate as
 * in the SVSM attestation protocol: each *_len is the buffer's size on input
 * and the bytes written on output; when a buffer is too small the call fails
 * with ENOSPC and every *_len holds the size needed. Extensible: new inputs
 * take reserved bytes, which must be zero today.
 */
struct vmpl_sgx_enclave_quote {
	__u64 report;
	__u64 nonce;
	__u64 snp_report;
	__u64 manifest;
	__u64 certificates;
	__u32 snp_report_len;
	__u32 manifest_len;
	__u32 certificates_len;
	__u32 flags;
	__u8 reserved[72];
};

/**
 * struct vmpl_sgx_quoting_target - Result of QUOTING_TARGET: the TARGETINFO of the SEH's quoting identity, which an enclave targets its REPORT at before ENCLAVE_QUOTE.
 * @targetinfo: An SGX TARGETINFO (struct vmpl_sgx_targetinfo of the enclave header).
 * @reserved: Zero.
 */
struct vmpl_sgx_quoting_target {
	__u8 targetinfo[512];
	__u8 reserved[64];
};

#define VMPL_SGX_MAGIC 0xA4

/*
 * Extensible arguments. An extensible command has one number for every
 * struct size: the module matches its type, number and direction, and takes
 * the caller's struct size from the command's size bits. A size below the
 * command's minimum (its first published size) is an unknown command,
 * ENOTTY. Binaries and modules of different versions then meet as the
 * kernel's extensible structs do (clone3, openat2): the module copies out
 * the prefix both sizes share and zero-fills the rest of a larger caller's
 * struct, so a newer binary on an older module reads zeros, and the size
 * field, for the fields that module does not have, and an older binary on a
 * newer module gets the fields it knows. An argument the module reads is
 * taken the same way: the caller's prefix, zero for the fields it lacks, and
 * E2BIG if a larger caller's struct has a non-zero byte the module does not
 * know. Commands without a minimum size (the SGX-compatible three and
 * ENCLAVE_RUN, which grows inside its reserved bytes under a capability bit)
 * have one exact size; any other is ENOTTY. The C header's
 * VMPL_SGX_IOC_GET_INFO_SIZED(size) (one such macro per extensible command)
 * and the Python ABI's ioc_sized() build the command for a given struct
 * size.
 */

/* Create the enclave of this file from a SECS (ECREATE). Same number as SGX_IOC_ENCLAVE_CREATE. */
#define VMPL_SGX_IOC_ENCLAVE_CREATE \
	_IOW(VMPL_SGX_MAGIC, 0x00, struct vmpl_sgx_enclave_create)

/* Add and optionally measure pages (EADD/EEXTEND). Same number as SGX_IOC_ENCLAVE_ADD_PAGES. */
#define VMPL_SGX_IOC_ENCLAVE_ADD_PAGES \
	_IOWR(VMPL_SGX_MAGIC, 0x01, struct vmpl_sgx_enclave_add_pages)

/* Finalize the enclave with a SIGSTRUCT (EINIT). Same number as SGX_IOC_ENCLAVE_INIT. */
#define VMPL_SGX_IOC_ENCLAVE_INIT \
	_IOW(VMPL_SGX_MAGIC, 0x02, struct vmpl_sgx_enclave_init)

/* Report versions, transport, capabilities and limits. Works on any open file. Extensible (any struct size from VMPL_SGX_INFO_SIZE_VER0 up). */
#define VMPL_SGX_IOC_GET_INFO \
	_IOR(VMPL_SGX_MAGIC, 0x80, struct vmpl_sgx_info)
/* The same command for a caller's struct of @size bytes, at least VMPL_SGX_INFO_SIZE_VER0. */
#define VMPL_SGX_IOC_GET_INFO_SIZED(size) \
	_IOC(_IOC_READ, VMPL_SGX_MAGIC, 0x80, (size))

/* Enter or resume an initialized enclave on one TCS and return through the ioctl. */
#define VMPL_SGX_IOC_ENCLAVE_RUN \
	_IOWR(VMPL_SGX_MAGIC, 0x81, struct vmpl_sgx_enclave_run)

/* Turn a REPORT of this initialized enclave, targeted at the quoting identity, into a quote (an SNP report at VMPL 0 binding it and a nonce). */
#define VMPL_SGX_IOC_ENCLAVE_QUOTE \
	_IOWR(VMPL_SGX_MAGIC, 0x82, struct vmpl_sgx_enclave_quote)

/* The TARGETINFO of the SEH's quoting identity. Works on any open file. */
#define VMPL_SGX_IOC_QUOTING_TARGET \
	_IOR(VMPL_SGX_MAGIC, 0x83, struct vmpl_sgx_quoting_target)

/*
 * Reserved ioctl numbers, never to be used for anything else:
 * 0x03: Kept for SGX_IOC_ENCLAVE_PROVISION.
 * 0x04: Kept for SGX_IOC_VEPC_REMOVE_ALL.
 * 0x05: Kept for SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS.
 * 0x06: Kept for SGX_IOC_ENCLAVE_MODIFY_TYPES.
 * 0x07: Kept for SGX_IOC_ENCLAVE_REMOVE_PAGES.
 */

/* ---- SGX architectural structures and constants, as the SEH implements them. ---- */

/* Size of a SECS. */
#define VMPL_SGX_SECS_SIZE 4096

/* Size of a SIGSTRUCT. */
#define VMPL_SGX_SIGSTRUCT_SIZE 1808

/* Smallest SECS.size ECREATE accepts. */
#define VMPL_SGX_MIN_ENCLAVE_SIZE 8192

/* SIGSTRUCT.vendor for Intel-signed enclaves; 0 otherwise. */
#define VMPL_SGX_VENDOR_INTEL 0x8086

/* The only RSA public exponent EINIT accepts. */
#define VMPL_SGX_SIGSTRUCT_EXPONENT 3

/* SIGSTRUCT.type bit for debug-signed enclaves. */
#define VMPL_SGX_SIGSTRUCT_TYPE_DEBUG 0x80000000U

/* XFRM bits that must be set (x87 and SSE). */
#define VMPL_SGX_XFRM_MANDATORY 0x3

/* MISCSELECT bits that must be zero (all but EXINFO). */
#define VMPL_SGX_MISCSELECT_RESERVED 0xFFFFFFFEU

/* SECS.attributes bits that must be zero (3, 6, 8, 9 and 11-63). */
#define VMPL_SGX_ATTRIBUTES_RESERVED 0xFFFFFFFFFFFFF348ULL

/*
 * VMPL_SGX_SECINFO_* - SECINFO.flags permission bits and page type field.
 * @VMPL_SGX_SECINFO_R: Readable.
 * @VMPL_SGX_SECINFO_W: Writable; requires R.
 * @VMPL_SGX_SECINFO_X: Executable.
 * @VMPL_SGX_SECINFO_PENDING: EAUG pending (not accepted by ADD_PAGES).
 * @VMPL_SGX_SECINFO_MODIFIED: EMODT modified (not accepted by ADD_PAGES).
 * @VMPL_SGX_SECINFO_PR: EMODPR restricted (not accepted by ADD_PAGES).
 * @VMPL_SGX_SECINFO_PAGE_TYPE_MASK: Page type field, bits 15-8.
 */
#define VMPL_SGX_SECINFO_R 0x1
#define VMPL_SGX_SECINFO_W 0x2
#define VMPL_SGX_SECINFO_X 0x4
#define VMPL_SGX_SECINFO_PENDING 0x8
#define VMPL_SGX_SECINFO_MODIFIED 0x10
#define VMPL_SGX_SECINFO_PR 0x20
#define VMPL_SGX_SECINFO_PAGE_TYPE_MASK 0xFF00

/*
 * VMPL_SGX_PAGE_TYPE_* - SECINFO page types (value of SECINFO.flags bits 15-8).
 * @VMPL_SGX_PAGE_TYPE_SECS: SECS page.
 * @VMPL_SGX_PAGE_TYPE_TCS: Thread Control Structure.
 * @VMPL_SGX_PAGE_TYPE_REG: Regular page.
 * @VMPL_SGX_PAGE_TYPE_VA: Version array.
 * @VMPL_SGX_PAGE_TYPE_TRIM: Trimmed page.
 */
#define VMPL_SGX_PAGE_TYPE_SECS 0
#define VMPL_SGX_PAGE_TYPE_TCS 1
#define VMPL_SGX_PAGE_TYPE_REG 2
#define VMPL_SGX_PAGE_TYPE_VA 3
#define VMPL_SGX_PAGE_TYPE_TRIM 4

/*
 * VMPL_SGX_ATTR_* - SECS.attributes bits.
 * @VMPL_SGX_ATTR_INIT: Set by EINIT; must be clear in ECREATE.
 * @VMPL_SGX_ATTR_DEBUG: Debug enclave.
 * @VMPL_SGX_ATTR_MODE64BIT: 64-bit enclave.
 * @VMPL_SGX_ATTR_PROVISIONKEY: May derive the provisioning key (privileged).
 * @VMPL_SGX_ATTR_EINITTOKENKEY: May derive the launch key (privileged).
 * @VMPL_SGX_ATTR_KSS: Key separation and sharing.
 * @VMPL_SGX_ATTR_AEXNOTIFY: AEX notifications.
 */
#define VMPL_SGX_ATTR_INIT 0x1
#define VMPL_SGX_ATTR_DEBUG 0x2
#define VMPL_SGX_ATTR_MODE64BIT 0x4
#define VMPL_SGX_ATTR_PROVISIONKEY 0x10
#define VMPL_SGX_ATTR_EINITTOKENKEY 0x20
#define VMPL_SGX_ATTR_KSS 0x80
#define VMPL_SGX_ATTR_AEXNOTIFY 0x400

/**
 * struct vmpl_sgx_secs - SGX Enclave Control Structure (4096 bytes).
 * @size: Enclave size in bytes, a power of two of at least 8 KiB.
 * @base: Enclave base linear address, naturally aligned to size.
 * @ssa_frame_size: Size of one SSA frame in pages.
 * @miscselect: MISCSELECT bits.
 * @reserved1: Zero.
 * @attributes: VMPL_SGX_ATTR_* bits.
 * @xfrm: XSAVE feature request mask.
 * @mrenclave: Measurement, filled by the SEH.
 * @reserved2: Zero.
 * @mrsigner: Signer hash, filled by the SEH at EINIT.
 * @reserved3: Zero.
 * @config_id: KSS configuration id.
 * @isv_prod_id: Product id, filled at EINIT.
 * @isv_svn: Security version, filled at EINIT.
 * @config_svn: KSS configuration version.
 * @reserved4: Zero.
 */
struct vmpl_sgx_secs {
	__u64 size;
	__u64 base;
	__u32 ssa_frame_size;
	__u32 miscselect;
	__u8 reserved1[24];
	__u64 attributes;
	__u64 xfrm;
	__u8 mrenclave[32];
	__u8 reserved2[32];
	__u8 mrsigner[32];
	__u8 reserved3[32];
	__u8 config_id[64];
	__u16 isv_prod_id;
	__u16 isv_svn;
	__u16 config_svn;
	__u8 reserved4[3834];
};

/**
 * struct vmpl_sgx_secinfo - Security information of a page (64 bytes).
 * @flags: VMPL_SGX_SECINFO_* bits and page type.
 * @reserved: Must be zero.
 */
struct vmpl_sgx_secinfo {
	__u64 flags;
	__u8 reserved[56];
};

/**
 * struct vmpl_sgx_tcs - Thread Control Structure (4096 bytes).
 * @state: Used by the SEH; zero when added.
 * @flags: Bit 0 DBGOPTIN.
 * @ossa: Enclave offset of the first SSA frame.
 * @cssa: Current SSA frame index; zero when added.
 * @nssa: Number of SSA frames.
 * @oentry: Enclave offset of the entry point.
 * @aep: Asynchronous exit pointer (unused by the SEH).
 * @ofsbase: Enclave offset of the FS segment base.
 * @ogsbase: Enclave offset of the GS segment base.
 * @fslimit: FS segment limit.
 * @gslimit: GS segment limit.
 * @reserved: Zero.
 */
struct vmpl_sgx_tcs {
	__u64 state;
	__u64 flags;
	__u64 ossa;
	__u32 cssa;
	__u32 nssa;
	__u64 oentry;
	__u64 aep;
	__u64 ofsbase;
	__u64 ogsbase;
	__u32 fslimit;
	__u32 gslimit;
	__u8 reserved[4024];
};

/**
 * struct vmpl_sgx_sigstruct - Enclave signature structure (1808 bytes).
 * @header: 06 00 00 00 E1 00 00 00 00 00 01 00.
 * @type: Bit 31 marks a debug signature.
 * @vendor: 0 or 0x8086.
 * @date: BCD date 0xYYYYMMDD as Intel's signing tool writes it: day in bits 7-0, month 15-8, year 31-16 (2026-12-01 is bytes 01 12 26 20).
 * @header2: 01 01 00 00 60 00 00 00 60 00 00 00 01 00 00 00.
 * @swdefined: Software-defined value.
 * @reserved1: Zero.
 * @modulus: RSA-3072 modulus, little-endian.
 * @exponent: RSA public exponent, 3.
 * @signature: RSA signature, little-endian.
 * @miscselect: Expected MISCSELECT.
 * @miscmask: MISCSELECT mask.
 * @reserved2: Zero.
 * @isvfamilyid: KSS family id.
 * @attributes: Expected attributes.
 * @xfrm: Expected XFRM.
 * @attributemask: Attributes mask.
 * @xfrmmask: XFRM mask.
 * @enclavehash: Expected MRENCLAVE.
 * @reserved3: Zero.
 * @isvextprodid: KSS extended product id.
 * @isvprodid: Product id.
 * @isvsvn: Security version.
 * @reserved4: Zero.
 * @q1: floor(S^2 / M), little-endian.
 * @q2: floor((S^2 mod M) * S / M), little-endian.
 */
struct vmpl_sgx_sigstruct {
	__u8 header[12];
	__u32 type;
	__u32 vendor;
	__u32 date;
	__u8 header2[16];
	__u32 swdefined;
	__u8 reserved1[84];
	__u8 modulus[384];
	__u32 exponent;
	__u8 signature[384];
	__u32 miscselect;
	__u32 miscmask;
	__u8 reserved2[4];
	__u8 isvfamilyid[16];
	__u64 attributes;
	__u64 xfrm;
	__u64 attributemask;
	__u64 xfrmmask;
	__u8 enclavehash[32];
	__u8 reserved3[16];
	__u8 isvextprodid[16];
	__u16 isvprodid;
	__u16 isvsvn;
	__u8 reserved4[12];
	__u8 q1[384];
	__u8 q2[384];
};

/* ---- Enclave ABI values host code needs: the statuses and the ocall answer header. ---- */

/* In both the uapi and the enclave header; whichever comes first defines it. */
#ifndef VMPL_SGX_ENCLAVE_HOST_SHARED
#define VMPL_SGX_ENCLAVE_HOST_SHARED

/*
 * VMPL_SGX_ENCLAVE_STATUS_* - Status values the runtime returns from an ecall and that ocalls return.
 * @VMPL_SGX_ENCLAVE_STATUS_OK: Success.
 * @VMPL_SGX_ENCLAVE_STATUS_UNKNOWN_CALL: No ecall (or ocall handler) has this number.
 * @VMPL_SGX_ENCLAVE_STATUS_OUTPUT_TOO_SMALL: The result does not fit the output buffer.
 * @VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT: The input is malformed for this call.
 * @VMPL_SGX_ENCLAVE_STATUS_OCALL_FAILED: The host could not serve the ocall.
 */
#define VMPL_SGX_ENCLAVE_STATUS_OK 0
#define VMPL_SGX_ENCLAVE_STATUS_UNKNOWN_CALL 1
#define VMPL_SGX_ENCLAVE_STATUS_OUTPUT_TOO_SMALL 2
#define VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT 3
#define VMPL_SGX_ENCLAVE_STATUS_OCALL_FAILED 4

/**
 * struct vmpl_sgx_enclave_ocall_answer - Header of the ERESUME input that answers an ocall; the answer bytes follow it.
 * @status: VMPL_SGX_ENCLAVE_STATUS_* of the host's service; the bytes count only with OK.
 * @reserved: Zero; an answer with it set reaches the enclave as OCALL_FAILED.
 */
struct vmpl_sgx_enclave_ocall_answer {
	__u32 status;
	__u32 reserved;
};

#endif /* VMPL_SGX_ENCLAVE_HOST_SHARED */

#endif /* _UAPI_LINUX_VMPL_SGX_H */
