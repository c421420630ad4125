/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Do not edit: generated from abi/vmpl_sgx.yaml
 * by codegen/templates/seh_abi.h.j2.
 * Regenerate with: python -m codegen
 */
#ifndef VMPL_SGX_GEN_SEH_ABI_H
#define VMPL_SGX_GEN_SEH_ABI_H

#include <linux/errno.h>
#include <linux/types.h>

/* ---- The SEH protocol: the wire between the guest module and the Secure Enclave Handler at VMPL0. ---- */

/*
 * SVSM protocol number of the SEH. 0 is core, 1 attestation and 2 vTPM in
 * every SVSM; COCONUT-SVSM uses 3 (APIC emulation) and 4 (UEFI variable
 * store), which the NestedSGX prototype also used for its "SGX" protocol;
 * TEEVisor's enclave calls use 0x10. 0x5E ("SE") sits away from the low
 * numbers that SVSM implementations allocate in sequence, so it collides
 * with none of them now and is unlikely to later.
 */
#define VMPL_SGX_SEH_PROTOCOL 0x5E

/* Version of the SEH protocol spoken by this module. */
#define VMPL_SGX_SEH_VERSION 1

/* Oldest SEH protocol version the module accepts. */
#define VMPL_SGX_SEH_MIN_VERSION 1

/* Bytes of the Calling Area buffer available for a request or response. */
#define VMPL_SGX_SEH_CAA_BUFFER_SIZE 4088

/*
 * Page descriptors in one ADD_PAGES request; 16 + 128 * 24 = 3088 bytes fit
 * the Calling Area buffer, so loading 512 KiB costs one world switch.
 */
#define VMPL_SGX_SEH_MAX_PAGES_PER_CALL 128

/*
 * Guest pages per run buffer (input or output); 16 pages carry
 * RUN_BUFFER_MAX bytes.
 */
#define VMPL_SGX_SEH_RUN_PAGES 16

/* Guest pages per QUOTE output buffer; 4 pages carry QUOTE_BUFFER_MAX bytes. */
#define VMPL_SGX_SEH_QUOTE_PAGES 4

/*
 * VMPL_SGX_SEH_CALL_* - Call numbers of the SEH protocol (RAX[31:0]).
 * @VMPL_SGX_SEH_CALL_QUERY: Report the SEH's version, limits and capabilities.
 * @VMPL_SGX_SEH_CALL_CREATE: ECREATE from a SECS page.
 * @VMPL_SGX_SEH_CALL_ADD_PAGES: EADD (and EEXTEND) a batch of pages.
 * @VMPL_SGX_SEH_CALL_INIT: EINIT with a SIGSTRUCT.
 * @VMPL_SGX_SEH_CALL_ENTER: EENTER or ERESUME on a TCS until the enclave exits.
 * @VMPL_SGX_SEH_CALL_DESTROY: Tear the enclave down and free its memory.
 * @VMPL_SGX_SEH_CALL_QUOTE: Check an enclave REPORT for the quoting identity and answer with an SNP report, manifest and certificates.
 * @VMPL_SGX_SEH_CALL_QUOTING_TARGET: Report the TARGETINFO of the quoting identity.
 */
#define VMPL_SGX_SEH_CALL_QUERY 0
#define VMPL_SGX_SEH_CALL_CREATE 1
#define VMPL_SGX_SEH_CALL_ADD_PAGES 2
#define VMPL_SGX_SEH_CALL_INIT 3
#define VMPL_SGX_SEH_CALL_ENTER 4
#define VMPL_SGX_SEH_CALL_DESTROY 5
#define VMPL_SGX_SEH_CALL_QUOTE 6
#define VMPL_SGX_SEH_CALL_QUOTING_TARGET 7

/*
 * VMPL_SGX_SEH_ENTER_OP_* - Values of ENTER's function that only the module sends, besides VMPL_SGX_ENCLU_EENTER and _ERESUME.
 * @VMPL_SGX_SEH_ENTER_OP_CONTINUE: The ENTER continuation: run the entry parked on the TCS for one more slice. The request names the same run buffers as the ENTER that started the entry; the input is not read again.
 * @VMPL_SGX_SEH_ENTER_OP_ABANDON: Give up the entry parked on the TCS and any ocall it waits for (the TCS takes a new EENTER); SUCCESS with no response, also when there was nothing to give up. No run buffers.
 */
#define VMPL_SGX_SEH_ENTER_OP_CONTINUE 256
#define VMPL_SGX_SEH_ENTER_OP_ABANDON 257

/*
 * VMPL_SGX_SEH_DESC_FLAG_* - Flags of an ADD_PAGES page descriptor.
 * @VMPL_SGX_SEH_DESC_FLAG_MEASURE: EEXTEND the page after EADD.
 * @VMPL_SGX_SEH_DESC_FLAG_ZERO: EADD a page of zeros: src_gpa must be 0 and MEASURE clear; no guest page is read.
 */
#define VMPL_SGX_SEH_DESC_FLAG_MEASURE 0x1
#define VMPL_SGX_SEH_DESC_FLAG_ZERO 0x2

/*
 * Result codes returned in RAX.
 */
#define VMPL_SGX_SEH_RESULT_SUCCESS 0x0
#define VMPL_SGX_SEH_RESULT_INCOMPLETE 0x80000000U
#define VMPL_SGX_SEH_RESULT_UNSUPPORTED_PROTOCOL 0x80000001U
#define VMPL_SGX_SEH_RESULT_UNSUPPORTED_CALL 0x80000002U
#define VMPL_SGX_SEH_RESULT_INVALID_ADDRESS 0x80000003U
#define VMPL_SGX_SEH_RESULT_INVALID_FORMAT 0x80000004U
#define VMPL_SGX_SEH_RESULT_INVALID_PARAMETER 0x80000005U
#define VMPL_SGX_SEH_RESULT_INVALID_REQUEST 0x80000006U
#define VMPL_SGX_SEH_RESULT_BUSY 0x80000007U
#define VMPL_SGX_SEH_RESULT_NO_MEMORY 0x80001000U
#define VMPL_SGX_SEH_RESULT_BAD_HANDLE 0x80001001U
#define VMPL_SGX_SEH_RESULT_ECREATE_FAILED 0x80001002U
#define VMPL_SGX_SEH_RESULT_BAD_STATE 0x80001003U
#define VMPL_SGX_SEH_RESULT_PAGE_EXISTS 0x80001004U
#define VMPL_SGX_SEH_RESULT_BAD_PAGE 0x80001005U
#define VMPL_SGX_SEH_RESULT_EADD_FAILED 0x80001006U
#define VMPL_SGX_SEH_RESULT_INVALID_SIGSTRUCT 0x80001007U
#define VMPL_SGX_SEH_RESULT_INVALID_SIGNATURE 0x80001008U
#define VMPL_SGX_SEH_RESULT_INVALID_MEASUREMENT 0x80001009U
#define VMPL_SGX_SEH_RESULT_INVALID_ATTRIBUTE 0x8000100AU
#define VMPL_SGX_SEH_RESULT_NOT_TCS 0x8000100BU
#define VMPL_SGX_SEH_RESULT_TCS_BUSY 0x8000100CU
#define VMPL_SGX_SEH_RESULT_NO_OCALL_PENDING 0x8000100DU
#define VMPL_SGX_SEH_RESULT_OCALL_PENDING 0x8000100EU
#define VMPL_SGX_SEH_RESULT_OUTPUT_TOO_SMALL 0x8000100FU
#define VMPL_SGX_SEH_RESULT_NO_IMAGE 0x80001010U
#define VMPL_SGX_SEH_RESULT_QUOTE_TOO_SMALL 0x80001011U
#define VMPL_SGX_SEH_RESULT_INVALID_REPORT 0x80001012U

/**
 * struct vmpl_sgx_seh_query_req - QUERY request.
 * @version: Highest protocol version the module speaks.
 * @reserved: Zero.
 */
struct vmpl_sgx_seh_query_req {
	__u32 version;
	__u32 reserved;
};

/**
 * struct vmpl_sgx_seh_query_rsp - QUERY response.
 * @version: Protocol version the SEH will speak (at most the requested one).
 * @max_pages_per_call: Page descriptors the SEH accepts per ADD_PAGES.
 * @max_run_buffer: Largest run buffer in bytes.
 * @reserved: Zero.
 * @capabilities: VMPL_SGX_CAP_* bits the SEH supports.
 * @max_enclave_size: Largest SECS.size the SEH accepts.
 */
struct vmpl_sgx_seh_query_rsp {
	__u32 version;
	__u32 max_pages_per_call;
	__u32 max_run_buffer;
	__u32 reserved;
	__u64 capabilities;
	__u64 max_enclave_size;
};

/**
 * struct vmpl_sgx_seh_create_req - CREATE request.
 * @secs_gpa: Guest-physical address of a page holding the SECS.
 */
struct vmpl_sgx_seh_create_req {
	__u64 secs_gpa;
};

/**
 * struct vmpl_sgx_seh_create_rsp - CREATE response.
 * @handle: SEH-chosen enclave handle, non-zero.
 */
struct vmpl_sgx_seh_create_rsp {
	__u64 handle;
};

/**
 * struct vmpl_sgx_seh_page_desc - One page of an ADD_PAGES batch.
 * @src_gpa: Guest-physical address of the page contents.
 * @offset: Page offset inside the enclave.
 * @secinfo_flags: SECINFO.flags (the module guarantees bits 63-32 are zero).
 * @flags: VMPL_SGX_SEH_DESC_* flags.
 */
struct vmpl_sgx_seh_page_desc {
	__u64 src_gpa;
	__u64 offset;
	__u32 secinfo_flags;
	__u32 flags;
};

/**
 * struct vmpl_sgx_seh_add_pages_req - ADD_PAGES request; pages are added in order and stop at the first failure.
 * @handle: Enclave handle.
 * @count: Valid descriptors, 1 to max_pages_per_call.
 * @reserved: Zero.
 * @pages: Descriptors; only the first count are read.
 */
struct vmpl_sgx_seh_add_pages_req {
	__u64 handle;
	__u32 count;
	__u32 reserved;
	struct vmpl_sgx_seh_page_desc pages[128];
};

/**
 * struct vmpl_sgx_seh_add_pages_rsp - ADD_PAGES response, valid on success, on failure and with INCOMPLETE (then done pages went in and the rest follow in the continuation).
 * @done: Pages added before the call stopped.
 * @reserved: Zero.
 */
struct vmpl_sgx_seh_add_pages_rsp {
	__u32 done;
	__u32 reserved;
};

/**
 * struct vmpl_sgx_seh_init_req - INIT request.
 * @handle: Enclave handle.
 * @sigstruct_gpa: Guest-physical address of a page holding the SIGSTRUCT.
 */
struct vmpl_sgx_seh_init_req {
	__u64 handle;
	__u64 sigstruct_gpa;
};

/**
 * struct vmpl_sgx_seh_init_rsp - INIT response.
 * @mrenclave: Final measurement.
 * @mrsigner: SHA-256 of the signer's modulus.
 */
struct vmpl_sgx_seh_init_rsp {
	__u8 mrenclave[32];
	__u8 mrsigner[32];
};

/**
 * struct vmpl_sgx_seh_enter_req - ENTER request.
 * @handle: Enclave handle.
 * @tcs_offset: Enclave offset of the TCS page.
 * @function: VMPL_SGX_ENCLU_EENTER or _ERESUME, or a VMPL_SGX_SEH_ENTER_OP_* value.
 * @call_id: Ecall number (EENTER).
 * @input_len: Input bytes spread over input_gpa pages.
 * @output_capacity: Output bytes available in output_gpa pages.
 * @input_gpa: Guest pages holding the input, in order; unused entries zero.
 * @output_gpa: Guest pages receiving the output, in order; unused entries zero.
 */
struct vmpl_sgx_seh_enter_req {
	__u64 handle;
	__u64 tcs_offset;
	__u32 function;
	__u32 call_id;
	__u32 input_len;
	__u32 output_capacity;
	__u64 input_gpa[16];
	__u64 output_gpa[16];
};

/**
 * struct vmpl_sgx_seh_enter_rsp - ENTER response.
 * @exit_kind: VMPL_SGX_EXIT_* value.
 * @call_id: Ocall number on an ocall exit.
 * @output_len: Bytes written to the output pages.
 * @exception_vector: Exception vector on an exception exit.
 * @exception_error_code: Exception error code on an exception exit.
 * @exception_addr: Faulting enclave address on an exception exit.
 * @retval: Return value on a normal exit.
 */
struct vmpl_sgx_seh_enter_rsp {
	__u32 exit_kind;
	__u32 call_id;
	__u32 output_len;
	__u16 exception_vector;
	__u16 exception_error_code;
	__u64 exception_addr;
	__u64 retval;
};

/**
 * struct vmpl_sgx_seh_enter_fault - Follows seh_enter_rsp in the ENTER response of an SEH that reports CAP_EXCEPTION_RIP (RCX then counts both); a response without it tells no instruction.
 * @exception_rip: Faulting instruction's enclave linear address on an exception exit of a DEBUG enclave; 0 for other enclaves (SGX shows their instruction pointer to no one), other exits, or if unknown.
 * @reserved: Zero.
 */
struct vmpl_sgx_seh_enter_fault {
	__u64 exception_rip;
	__u64 reserved;
};

/**
 * struct vmpl_sgx_seh_destroy_req - DESTROY request.
 * @handle: Enclave handle.
 */
struct vmpl_sgx_seh_destroy_req {
	__u64 handle;
};

/**
 * struct vmpl_sgx_seh_quote_req - QUOTE request.
 * @handle: Enclave handle; the enclave must be initialized.
 * @report: The enclave's REPORT, targeted at the quoting identity.
 * @nonce: The caller's nonce.
 * @snp_report_capacity: Bytes available in snp_report_gpa pages.
 * @manifest_capacity: Bytes available in manifest_gpa pages.
 * @certificates_capacity: Bytes available in certificates_gpa pages.
 * @reserved: Zero.
 * @snp_report_gpa: Guest pages receiving the SNP report, in order; unused entries zero.
 * @manifest_gpa: Guest pages receiving the manifest, in order; unused entries zero.
 * @certificates_gpa: Guest pages receiving the certificate table, in order; unused entries zero.
 */
struct vmpl_sgx_seh_quote_req {
	__u64 handle;
	__u8 report[432];
	__u8 nonce[64];
	__u32 snp_report_capacity;
	__u32 manifest_capacity;
	__u32 certificates_capacity;
	__u32 reserved;
	__u64 snp_report_gpa[4];
	__u64 manifest_gpa[4];
	__u64 certificates_gpa[4];
};

/**
 * struct vmpl_sgx_seh_quote_rsp - QUOTE response; with QUOTE_TOO_SMALL it holds the sizes needed.
 * @snp_report_len: Bytes of SNP report written (or needed).
 * @manifest_len: Bytes of manifest written (or needed).
 * @certificates_len: Bytes of certificate table written (or needed).
 * @reserved: Zero.
 */
struct vmpl_sgx_seh_quote_rsp {
	__u32 snp_report_len;
	__u32 manifest_len;
	__u32 certificates_len;
	__u32 reserved;
};

/**
 * struct vmpl_sgx_seh_quoting_target_rsp - QUOTING_TARGET response (no request bytes).
 * @targetinfo: TARGETINFO of the quoting identity.
 */
struct vmpl_sgx_seh_quoting_target_rsp {
	__u8 targetinfo[512];
};

/* ---- Messages on /dev/vmpl_sgx_seh, the loopback transport used for development and tests. ---- */

/* "VSLB" little-endian, first word of every message. */
#define VMPL_SGX_LB_MAGIC 0x424C5356

/* Loopback message format version. */
#define VMPL_SGX_LB_VERSION 1

/* Largest page table of one message (ADD_PAGES batches are the biggest). */
#define VMPL_SGX_LB_MAX_PAGES 128

/*
 * Largest message in bytes, 64 + 128 * 16 + 4096 + 128 * 4096; read() with a
 * smaller buffer fails with EINVAL.
 */
#define VMPL_SGX_LB_MAX_MESSAGE 530496

/*
 * VMPL_SGX_LB_PAGE_FLAG_* - Flags of a loopback page table entry.
 * @VMPL_SGX_LB_PAGE_FLAG_WRITABLE: The SEH may write this page; the response carries its new contents.
 */
#define VMPL_SGX_LB_PAGE_FLAG_WRITABLE 0x1

/**
 * struct vmpl_sgx_lb_header - First 64 bytes of every loopback message.
 * @magic: VMPL_SGX_LB_MAGIC.
 * @version: VMPL_SGX_LB_VERSION.
 * @seq: Call sequence number; the response echoes it.
 * @rax: In (protocol << 32) | call; out the result code.
 * @rcx: In the request length (a core protocol call's RCX argument); out the response length (a core protocol call's RCX result, such as QUERY_PROTOCOL's version range).
 * @rdx: Zero in this protocol version.
 * @r8: Zero in this protocol version.
 * @r9: Zero in this protocol version.
 * @npages: Entries in the page table that follows.
 * @reserved: Zero.
 */
struct vmpl_sgx_lb_header {
	__u32 magic;
	__u32 version;
	__u64 seq;
	__u64 rax;
	__u64 rcx;
	__u64 rdx;
	__u64 r8;
	__u64 r9;
	__u32 npages;
	__u32 reserved;
};

/**
 * struct vmpl_sgx_lb_page - One entry of the page table.
 * @gpa: Guest-physical address of the page.
 * @flags: VMPL_SGX_LB_PAGE_* flags.
 * @reserved: Zero.
 */
struct vmpl_sgx_lb_page {
	__u64 gpa;
	__u32 flags;
	__u32 reserved;
};

/**
 * struct vmpl_sgx_lb_caa - Image of the Calling Area buffer, padded to a page so page contents stay aligned.
 * @buffer: Request (read) or response (write).
 * @reserved: Zero.
 */
struct vmpl_sgx_lb_caa {
	__u8 buffer[4088];
	__u8 reserved[8];
};

/**
 * vmpl_sgx_seh_result_errno() - errno for an SEH result code, as the spec maps it
 * @result: value the SEH returned in RAX
 *
 * Return: 0 for success, a negative errno otherwise; -EIO for a code the
 * spec does not know, since only a broken SEH returns one.
 */
static inline int vmpl_sgx_seh_result_errno(__u64 result)
{
	switch (result) {
	case VMPL_SGX_SEH_RESULT_SUCCESS:
		return 0;
	case VMPL_SGX_SEH_RESULT_INCOMPLETE:
		return -EAGAIN;
	case VMPL_SGX_SEH_RESULT_UNSUPPORTED_PROTOCOL:
		return -ENODEV;
	case VMPL_SGX_SEH_RESULT_UNSUPPORTED_CALL:
		return -EOPNOTSUPP;
	case VMPL_SGX_SEH_RESULT_INVALID_ADDRESS:
		return -EFAULT;
	case VMPL_SGX_SEH_RESULT_INVALID_FORMAT:
		return -EINVAL;
	case VMPL_SGX_SEH_RESULT_INVALID_PARAMETER:
		return -EINVAL;
	case VMPL_SGX_SEH_RESULT_INVALID_REQUEST:
		return -EINVAL;
	case VMPL_SGX_SEH_RESULT_BUSY:
		return -EBUSY;
	case VMPL_SGX_SEH_RESULT_NO_MEMORY:
		return -ENOMEM;
	case VMPL_SGX_SEH_RESULT_BAD_HANDLE:
		return -EIO;
	case VMPL_SGX_SEH_RESULT_ECREATE_FAILED:
		return -EIO;
	case VMPL_SGX_SEH_RESULT_BAD_STATE:
		return -EINVAL;
	case VMPL_SGX_SEH_RESULT_PAGE_EXISTS:
		return -EBUSY;
	case VMPL_SGX_SEH_RESULT_BAD_PAGE:
		return -EINVAL;
	case VMPL_SGX_SEH_RESULT_EADD_FAILED:
		return -EIO;
	case VMPL_SGX_SEH_RESULT_INVALID_SIGSTRUCT:
		return -EPERM;
	case VMPL_SGX_SEH_RESULT_INVALID_SIGNATURE:
		return -EPERM;
	case VMPL_SGX_SEH_RESULT_INVALID_MEASUREMENT:
		return -EPERM;
	case VMPL_SGX_SEH_RESULT_INVALID_ATTRIBUTE:
		return -EPERM;
	case VMPL_SGX_SEH_RESULT_NOT_TCS:
		return -EINVAL;
	case VMPL_SGX_SEH_RESULT_TCS_BUSY:
		return -EBUSY;
	case VMPL_SGX_SEH_RESULT_NO_OCALL_PENDING:
		return -EINVAL;
	case VMPL_SGX_SEH_RESULT_OCALL_PENDING:
		return -EINVAL;
	case VMPL_SGX_SEH_RESULT_OUTPUT_TOO_SMALL:
		return -ENOSPC;
	case VMPL_SGX_SEH_RESULT_NO_IMAGE:
		return -ENOEXEC;
	case VMPL_SGX_SEH_RESULT_QUOTE_TOO_SMALL:
		return -ENOSPC;
	case VMPL_SGX_SEH_RESULT_INVALID_REPORT:
		return -EBADMSG;
	default:
		return -EIO;
	}
}

/**
 * vmpl_sgx_seh_result_retry() - whether the SVSM asks for the call to be repeated
 * @result: value the SEH returned in RAX
 */
static inline bool vmpl_sgx_seh_result_retry(__u64 result)
{
	return result == VMPL_SGX_SEH_RESULT_INCOMPLETE ||
	       result == VMPL_SGX_SEH_RESULT_BUSY;
}

/* Number of result codes, and a dense index of each for per-code counters. */
#define VMPL_SGX_SEH_NR_RESULTS 28

/**
 * vmpl_sgx_seh_result_index() - dense index of a result code
 * @result: value the SEH returned in RAX
 *
 * Return: 0..VMPL_SGX_SEH_NR_RESULTS - 1, or VMPL_SGX_SEH_NR_RESULTS for an
 * unknown code.
 */
static inline unsigned int vmpl_sgx_seh_result_index(__u64 result)
{
	switch (result) {
	case VMPL_SGX_SEH_RESULT_SUCCESS:
		return 0;
	case VMPL_SGX_SEH_RESULT_INCOMPLETE:
		return 1;
	case VMPL_SGX_SEH_RESULT_UNSUPPORTED_PROTOCOL:
		return 2;
	case VMPL_SGX_SEH_RESULT_UNSUPPORTED_CALL:
		return 3;
	case VMPL_SGX_SEH_RESULT_INVALID_ADDRESS:
		return 4;
	case VMPL_SGX_SEH_RESULT_INVALID_FORMAT:
		return 5;
	case VMPL_SGX_SEH_RESULT_INVALID_PARAMETER:
		return 6;
	case VMPL_SGX_SEH_RESULT_INVALID_REQUEST:
		return 7;
	case VMPL_SGX_SEH_RESULT_BUSY:
		return 8;
	case VMPL_SGX_SEH_RESULT_NO_MEMORY:
		return 9;
	case VMPL_SGX_SEH_RESULT_BAD_HANDLE:
		return 10;
	case VMPL_SGX_SEH_RESULT_ECREATE_FAILED:
		return 11;
	case VMPL_SGX_SEH_RESULT_BAD_STATE:
		return 12;
	case VMPL_SGX_SEH_RESULT_PAGE_EXISTS:
		return 13;
	case VMPL_SGX_SEH_RESULT_BAD_PAGE:
		return 14;
	case VMPL_SGX_SEH_RESULT_EADD_FAILED:
		return 15;
	case VMPL_SGX_SEH_RESULT_INVALID_SIGSTRUCT:
		return 16;
	case VMPL_SGX_SEH_RESULT_INVALID_SIGNATURE:
		return 17;
	case VMPL_SGX_SEH_RESULT_INVALID_MEASUREMENT:
		return 18;
	case VMPL_SGX_SEH_RESULT_INVALID_ATTRIBUTE:
		return 19;
	case VMPL_SGX_SEH_RESULT_NOT_TCS:
		return 20;
	case VMPL_SGX_SEH_RESULT_TCS_BUSY:
		return 21;
	case VMPL_SGX_SEH_RESULT_NO_OCALL_PENDING:
		return 22;
	case VMPL_SGX_SEH_RESULT_OCALL_PENDING:
		return 23;
	case VMPL_SGX_SEH_RESULT_OUTPUT_TOO_SMALL:
		return 24;
	case VMPL_SGX_SEH_RESULT_NO_IMAGE:
		return 25;
	case VMPL_SGX_SEH_RESULT_QUOTE_TOO_SMALL:
		return 26;
	case VMPL_SGX_SEH_RESULT_INVALID_REPORT:
		return 27;
	default:
		return VMPL_SGX_SEH_NR_RESULTS;
	}
}

/* Names of the result codes by dense index, for counters and log lines. */
static const char *const vmpl_sgx_seh_result_names[VMPL_SGX_SEH_NR_RESULTS + 1] __maybe_unused = {
	"success",
	"incomplete",
	"unsupported-protocol",
	"unsupported-call",
	"invalid-address",
	"invalid-format",
	"invalid-parameter",
	"invalid-request",
	"busy",
	"no-memory",
	"bad-handle",
	"ecreate-failed",
	"bad-state",
	"page-exists",
	"bad-page",
	"eadd-failed",
	"invalid-sigstruct",
	"invalid-signature",
	"invalid-measurement",
	"invalid-attribute",
	"not-tcs",
	"tcs-busy",
	"no-ocall-pending",
	"ocall-pending",
	"output-too-small",
	"no-image",
	"quote-too-small",
	"invalid-report",
	"unknown",
};

/* Names of the SEH calls by number, for counters and log lines. */
static const char *const vmpl_sgx_seh_call_names[] __maybe_unused = {
	[VMPL_SGX_SEH_CALL_QUERY] = "query",
	[VMPL_SGX_SEH_CALL_CREATE] = "create",
	[VMPL_SGX_SEH_CALL_ADD_PAGES] = "add-pages",
	[VMPL_SGX_SEH_CALL_INIT] = "init",
	[VMPL_SGX_SEH_CALL_ENTER] = "enter",
	[VMPL_SGX_SEH_CALL_DESTROY] = "destroy",
	[VMPL_SGX_SEH_CALL_QUOTE] = "quote",
	[VMPL_SGX_SEH_CALL_QUOTING_TARGET] = "quoting-target",
};

#endif /* VMPL_SGX_GEN_SEH_ABI_H */
