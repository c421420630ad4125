/* SPDX-License-Identifier: MIT */
/*
 * Do not edit: generated from abi/vmpl_sgx.yaml
 * by codegen/templates/enclave_abi.h.j2.
 * Regenerate with: python -m codegen
 */
/*
 * The enclave ABI for enclave authors and the in-enclave runtime: freestanding
 * C, no kernel or libc headers needed.
 */
#ifndef VMPL_SGX_ENCLAVE_ABI_H
#define VMPL_SGX_ENCLAVE_ABI_H

#include <stdint.h>

/* ---- The enclave ABI: how the SEH enters enclave code and how that code leaves. ---- */
/*
 * The SEH calls the entry point (SECS.base + TCS.oentry) as a System V
 * function taking one argument, a pointer to struct vmpl_sgx_enclave_frame
 * in memory outside the enclave. The in-enclave runtime switches to the
 * stack its thread data names, dispatches call_id through its ecall table,
 * writes at most output_capacity bytes to output and returns a status, which
 * RUN reports as retval of a normal exit. An ocall is a call through the
 * frame's ocall pointer: the SEH ends the RUN with an ocall exit (the
 * request bytes as output), and when the application answers with ERESUME
 * (input = struct vmpl_sgx_enclave_ocall_answer followed by the answer
 * bytes) the call returns the answer's status, with the bytes copied to the
 * response buffer. Exceptions in enclave code end the RUN with an exception
 * exit.
 */

/*
 * Size of struct vmpl_sgx_enclave_thread_data, found at SECS.base +
 * TCS.ofsbase.
 */
#define VMPL_SGX_ENCLAVE_THREAD_DATA_SIZE 64

/**
 * struct vmpl_sgx_enclave_frame - What the SEH passes to the enclave entry point; lives outside the enclave.
 * @tcs: Linear address of the TCS entered.
 * @enclave_base: Linear address of the enclave's first byte.
 * @fsbase: enclave_base + TCS.ofsbase: this thread's struct vmpl_sgx_enclave_thread_data.
 * @gsbase: enclave_base + TCS.ogsbase.
 * @call_id: Ecall number.
 * @reserved0: Zero.
 * @input: Address of the input bytes (outside the enclave).
 * @input_len: Input length.
 * @output: Address of the output buffer (outside the enclave).
 * @output_capacity: Output buffer size.
 * @output_len: Out: bytes the enclave wrote to output.
 * @ocall: Address of the host's ocall function, a vmpl_sgx_enclave_ocall_fn.
 * @reserved1: Zero.
 */
struct vmpl_sgx_enclave_frame {
	uint64_t tcs;
	uint64_t enclave_base;
	uint64_t fsbase;
	uint64_t gsbase;
	uint32_t call_id;
	uint32_t reserved0;
	uint64_t input;
	uint64_t input_len;
	uint64_t output;
	uint64_t output_capacity;
	uint64_t output_len;
	uint64_t ocall;
	uint64_t reserved1[5];
};

/**
 * struct vmpl_sgx_enclave_thread_data - Per-thread data the loader places at SECS.base + TCS.ofsbase (measured).
 * @self_offset: Enclave offset of this struct (lets the runtime find the base).
 * @stack_top_offset: Enclave offset just above this thread's stack.
 * @stack_size: Bytes of stack below stack_top_offset.
 * @heap_offset: Enclave offset of the heap, 0 if none.
 * @heap_size: Bytes of heap.
 * @thread_index: 0 for the first TCS, 1 for the next, ...
 * @reserved: Zero.
 */
struct vmpl_sgx_enclave_thread_data {
	uint64_t self_offset;
	uint64_t stack_top_offset;
	uint64_t stack_size;
	uint64_t heap_offset;
	uint64_t heap_size;
	uint64_t thread_index;
	uint64_t reserved[2];
};

/* ---- Enclave ABI values host code needs: the statuses and the ocall answer header. ---- */
/*
 * A normal exit's retval is one of the statuses; the ERESUME input that
 * answers an ocall starts with struct vmpl_sgx_enclave_ocall_answer. Both
 * headers carry them (the uapi header for host C clients, the enclave header
 * for enclave code).
 */

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
	uint32_t status;
	uint32_t reserved;
};

#endif /* VMPL_SGX_ENCLAVE_HOST_SHARED */

/* ---- SGX local attestation and keys (EREPORT, EGETKEY). ---- */
/*
 * Layouts as in Intel's SDM: TARGETINFO + REPORTDATA -> REPORT and
 * KEYREQUEST -> 16-byte key. The SEH serves both; a report's MAC is
 * AES-128-CMAC over the 384-byte body under the target enclave's report key,
 * and every key is rooted in a secret that only the SEH holds.
 */

/* Size of a TARGETINFO (512-byte aligned). */
#define VMPL_SGX_TARGETINFO_SIZE 512

/* Size of the REPORTDATA an enclave puts in a report. */
#define VMPL_SGX_REPORT_DATA_SIZE 64

/* Size of the report body, the bytes the MAC covers. */
#define VMPL_SGX_REPORT_BODY_SIZE 384

/* Size of a REPORT (512-byte aligned). */
#define VMPL_SGX_REPORT_SIZE 432

/* Size of a KEYREQUEST (512-byte aligned). */
#define VMPL_SGX_KEYREQUEST_SIZE 512

/* Size of a key returned by EGETKEY. */
#define VMPL_SGX_KEY_SIZE 16

/*
 * VMPL_SGX_KEY_NAME_* - KEYREQUEST.key_name values.
 * @VMPL_SGX_KEY_NAME_EINITTOKEN: Launch key (needs the EINITTOKENKEY attribute).
 * @VMPL_SGX_KEY_NAME_PROVISION: Provisioning key (needs the PROVISIONKEY attribute).
 * @VMPL_SGX_KEY_NAME_PROVISION_SEAL: Provisioning seal key (needs the PROVISIONKEY attribute).
 * @VMPL_SGX_KEY_NAME_REPORT: Report key of the calling enclave, to check reports targeted at it.
 * @VMPL_SGX_KEY_NAME_SEAL: Seal key.
 */
#define VMPL_SGX_KEY_NAME_EINITTOKEN 0
#define VMPL_SGX_KEY_NAME_PROVISION 1
#define VMPL_SGX_KEY_NAME_PROVISION_SEAL 2
#define VMPL_SGX_KEY_NAME_REPORT 3
#define VMPL_SGX_KEY_NAME_SEAL 4

/*
 * VMPL_SGX_KEY_POLICY_* - KEYREQUEST.key_policy bits; they pick the identity a key is bound to.
 * @VMPL_SGX_KEY_POLICY_MRENCLAVE: Bind to the enclave's MRENCLAVE.
 * @VMPL_SGX_KEY_POLICY_MRSIGNER: Bind to the enclave's MRSIGNER.
 * @VMPL_SGX_KEY_POLICY_NOISVPRODID: Leave ISVPRODID out of the derivation.
 * @VMPL_SGX_KEY_POLICY_CONFIGID: Bind to CONFIGID (KSS).
 * @VMPL_SGX_KEY_POLICY_ISVFAMILYID: Bind to ISVFAMILYID (KSS).
 * @VMPL_SGX_KEY_POLICY_ISVEXTPRODID: Bind to ISVEXTPRODID (KSS).
 */
#define VMPL_SGX_KEY_POLICY_MRENCLAVE 0x1
#define VMPL_SGX_KEY_POLICY_MRSIGNER 0x2
#define VMPL_SGX_KEY_POLICY_NOISVPRODID 0x4
#define VMPL_SGX_KEY_POLICY_CONFIGID 0x8
#define VMPL_SGX_KEY_POLICY_ISVFAMILYID 0x10
#define VMPL_SGX_KEY_POLICY_ISVEXTPRODID 0x20

/*
 * VMPL_SGX_KEY_STATUS_* - EGETKEY status codes (RAX after the leaf), as SGX defines them.
 * @VMPL_SGX_KEY_STATUS_SUCCESS: The key was derived.
 * @VMPL_SGX_KEY_STATUS_INVALID_ATTRIBUTE: The enclave lacks the attribute this key name needs.
 * @VMPL_SGX_KEY_STATUS_INVALID_CPUSVN: CPUSVN above the platform's.
 * @VMPL_SGX_KEY_STATUS_INVALID_ISVSVN: ISVSVN or CONFIGSVN above the enclave's own.
 * @VMPL_SGX_KEY_STATUS_INVALID_KEYNAME: Unknown key name.
 */
#define VMPL_SGX_KEY_STATUS_SUCCESS 0
#define VMPL_SGX_KEY_STATUS_INVALID_ATTRIBUTE 2
#define VMPL_SGX_KEY_STATUS_INVALID_CPUSVN 32
#define VMPL_SGX_KEY_STATUS_INVALID_ISVSVN 64
#define VMPL_SGX_KEY_STATUS_INVALID_KEYNAME 256

/*
 * VMPL_SGX_LEAF_* - Ocall ids the SEH serves itself, never the host: SGX's user leaves EREPORT and EGETKEY. Their request and answer go through the ocall function like any ocall, so the RUN's output capacity must hold the request.
 * @VMPL_SGX_LEAF_EREPORT: Request TARGETINFO (512) then REPORTDATA (64); answer the REPORT (432).
 * @VMPL_SGX_LEAF_EGETKEY: Request a KEYREQUEST (512); answer struct vmpl_sgx_key_answer.
 */
#define VMPL_SGX_LEAF_EREPORT 4294967040U
#define VMPL_SGX_LEAF_EGETKEY 4294967041U

/*
 * VMPL_SGX_RUNTIME_OCALL_* - Ocall ids the enclave runtime's libc makes on its own; the host SDK (EnclaveApp) serves them. Applications must not reuse them.
 * @VMPL_SGX_RUNTIME_OCALL_LOG: Request u32 level (Python logging numbers) then the text; goes to the vmpl_sgx.enclave logger.
 * @VMPL_SGX_RUNTIME_OCALL_ABORT: Request u32 0 then the message abort() or assert left; the entry then ends with #UD.
 */
#define VMPL_SGX_RUNTIME_OCALL_LOG 4294966784U
#define VMPL_SGX_RUNTIME_OCALL_ABORT 4294966785U

/**
 * struct vmpl_sgx_targetinfo - Names the enclave a report is for (its report key MACs the report).
 * @mrenclave: MRENCLAVE of the target.
 * @attributes: Attribute flags of the target.
 * @xfrm: XFRM of the target.
 * @reserved1: Zero.
 * @config_svn: CONFIGSVN of the target.
 * @miscselect: MISCSELECT of the target.
 * @reserved2: Zero.
 * @config_id: CONFIGID of the target.
 * @reserved3: Zero.
 */
struct vmpl_sgx_targetinfo {
	uint8_t mrenclave[32];
	uint64_t attributes;
	uint64_t xfrm;
	uint8_t reserved1[2];
	uint16_t config_svn;
	uint32_t miscselect;
	uint8_t reserved2[8];
	uint8_t config_id[64];
	uint8_t reserved3[384];
};

/**
 * struct vmpl_sgx_report_body - What a report says about the enclave that made it (the MAC covers all 384 bytes).
 * @cpu_svn: Security version of the platform (the SEH's).
 * @miscselect: MISCSELECT of the enclave.
 * @reserved1: Zero.
 * @isv_ext_prod_id: ISVEXTPRODID of the enclave.
 * @attributes: Attribute flags of the enclave.
 * @xfrm: XFRM of the enclave.
 * @mrenclave: MRENCLAVE of the enclave.
 * @reserved2: Zero.
 * @mrsigner: MRSIGNER of the enclave.
 * @reserved3: Zero.
 * @config_id: CONFIGID of the enclave.
 * @isv_prod_id: ISVPRODID of the enclave.
 * @isv_svn: ISVSVN of the enclave.
 * @config_svn: CONFIGSVN of the enclave.
 * @reserved4: Zero.
 * @isv_family_id: ISVFAMILYID of the enclave.
 * @report_data: REPORTDATA the enclave chose.
 */
struct vmpl_sgx_report_body {
	uint8_t cpu_svn[16];
	uint32_t miscselect;
	uint8_t reserved1[12];
	uint8_t isv_ext_prod_id[16];
	uint64_t attributes;
	uint64_t xfrm;
	uint8_t mrenclave[32];
	uint8_t reserved2[32];
	uint8_t mrsigner[32];
	uint8_t reserved3[32];
	uint8_t config_id[64];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint16_t config_svn;
	uint8_t reserved4[42];
	uint8_t isv_family_id[16];
	uint8_t report_data[64];
};

/**
 * struct vmpl_sgx_report - Result of EREPORT.
 * @body: The enclave's identity and REPORTDATA.
 * @key_id: Key id the report key was derived with.
 * @mac: AES-128-CMAC of body under the target's report key.
 */
struct vmpl_sgx_report {
	struct vmpl_sgx_report_body body;
	uint8_t key_id[32];
	uint8_t mac[16];
};

/**
 * struct vmpl_sgx_key_answer - Answer of the EGETKEY leaf.
 * @status: VMPL_SGX_KEY_STATUS_* value; the key is valid only with SUCCESS.
 * @reserved: Zero.
 * @key: The derived key.
 */
struct vmpl_sgx_key_answer {
	uint32_t status;
	uint32_t reserved;
	uint8_t key[16];
};

/**
 * struct vmpl_sgx_keyrequest - Argument of EGETKEY.
 * @key_name: VMPL_SGX_KEY_NAME_* value.
 * @key_policy: VMPL_SGX_KEY_POLICY_* bits.
 * @isv_svn: ISVSVN to derive for; at most the enclave's.
 * @reserved1: Zero.
 * @cpu_svn: CPUSVN to derive for; at most the platform's.
 * @attribute_mask: Attribute flags that enter the derivation.
 * @xfrm_mask: XFRM bits that enter the derivation.
 * @key_id: Caller-chosen diversifier.
 * @misc_mask: MISCSELECT bits that enter the derivation.
 * @config_svn: CONFIGSVN to derive for; at most the enclave's.
 * @reserved2: Zero.
 */
struct vmpl_sgx_keyrequest {
	uint16_t key_name;
	uint16_t key_policy;
	uint16_t isv_svn;
	uint16_t reserved1;
	uint8_t cpu_svn[16];
	uint64_t attribute_mask;
	uint64_t xfrm_mask;
	uint8_t key_id[32];
	uint32_t misc_mask;
	uint16_t config_svn;
	uint8_t reserved2[434];
};

/* ---- The enclave runtime's sealing and report checks (vmpl_sgx_seal.h). ---- */
/*
 * vmpl_sgx_seal encrypts with AES-128-GCM under an EGETKEY seal key and
 * writes a sealed blob: struct vmpl_sgx_sealed_header, then the additional
 * authenticated bytes (in clear), then the ciphertext. The header carries
 * every KEYREQUEST field the key was derived with, so vmpl_sgx_unseal
 * derives the same key again; the GCM tag covers the header up to the tag,
 * the additional bytes and the ciphertext. AES comes from AES-NI and GHASH
 * from PCLMULQDQ, checked with CPUID.
 */

/* SEALED_HEADER.magic, the bytes "SEAL". */
#define VMPL_SGX_SEALED_MAGIC 0x4C414553

/* SEALED_HEADER.version this runtime writes and reads. */
#define VMPL_SGX_SEALED_VERSION 1

/* Size of struct vmpl_sgx_sealed_header. */
#define VMPL_SGX_SEALED_HEADER_SIZE 128

/* Header bytes (all before the tag) that start the GCM additional data. */
#define VMPL_SGX_SEALED_AUTHENTICATED_SIZE 112

/*
 * KEYREQUEST.attribute_mask vmpl_sgx_seal uses: INIT, DEBUG, MODE64BIT,
 * PROVISIONKEY, EINITTOKENKEY and KSS, so an enclave that differs in any of
 * them gets another key. XFRM and MISCSELECT stay out (mask 0).
 */
#define VMPL_SGX_SEAL_ATTRIBUTE_MASK 0xB7

/* Largest additional data or plaintext one blob carries. */
#define VMPL_SGX_SEALED_TEXT_MAX 0x7FFFFFFF

/*
 * VMPL_SGX_TRUST_STATUS_* - Statuses of vmpl_sgx_seal, vmpl_sgx_unseal and vmpl_sgx_verify_report. The failures start at 0x100, clear of VMPL_SGX_ENCLAVE_STATUS_*, so an ecall can return either.
 * @VMPL_SGX_TRUST_STATUS_OK: Done.
 * @VMPL_SGX_TRUST_STATUS_NO_AESNI: The CPU lacks AES-NI or PCLMULQDQ (CPUID.1:ECX bits 25 and 1); nothing was done.
 * @VMPL_SGX_TRUST_STATUS_BAD_POLICY: The key policy binds to neither MRENCLAVE nor MRSIGNER, or has bits no key policy defines.
 * @VMPL_SGX_TRUST_STATUS_TOO_LARGE: The additional data or the plaintext exceeds SEALED_TEXT_MAX bytes.
 * @VMPL_SGX_TRUST_STATUS_OUTPUT_TOO_SMALL: The output buffer cannot hold the result; nothing was written to it.
 * @VMPL_SGX_TRUST_STATUS_MALFORMED: The blob is shorter than a header, has another magic, version, header size or key name, non-zero reserved bytes, or sizes that disagree with its length.
 * @VMPL_SGX_TRUST_STATUS_WRONG_POLICY: The blob was sealed without a key policy bit the caller requires.
 * @VMPL_SGX_TRUST_STATUS_KEY_REFUSED: EGETKEY refused the key: the blob names an ISVSVN or CONFIGSVN above this enclave's, or a CPUSVN above the platform's.
 * @VMPL_SGX_TRUST_STATUS_AUTH_FAILED: The tag or MAC does not verify: the bytes were changed, or they were made for another enclave, whose key differs.
 * @VMPL_SGX_TRUST_STATUS_NO_RANDOM: RDRAND and RDSEED gave no bytes for the key id and IV.
 * @VMPL_SGX_TRUST_STATUS_LEAF_FAILED: EREPORT or EGETKEY did not answer, e.g. because the ecall's output capacity is below the leaf's request (576 bytes).
 */
#define VMPL_SGX_TRUST_STATUS_OK 0
#define VMPL_SGX_TRUST_STATUS_NO_AESNI 256
#define VMPL_SGX_TRUST_STATUS_BAD_POLICY 257
#define VMPL_SGX_TRUST_STATUS_TOO_LARGE 258
#define VMPL_SGX_TRUST_STATUS_OUTPUT_TOO_SMALL 259
#define VMPL_SGX_TRUST_STATUS_MALFORMED 260
#define VMPL_SGX_TRUST_STATUS_WRONG_POLICY 261
#define VMPL_SGX_TRUST_STATUS_KEY_REFUSED 262
#define VMPL_SGX_TRUST_STATUS_AUTH_FAILED 263
#define VMPL_SGX_TRUST_STATUS_NO_RANDOM 264
#define VMPL_SGX_TRUST_STATUS_LEAF_FAILED 265

/**
 * struct vmpl_sgx_sealed_header - First 128 bytes of a sealed blob; aad_size bytes of additional data and text_size bytes of ciphertext follow it, and nothing else.
 * @magic: VMPL_SGX_SEALED_MAGIC.
 * @version: VMPL_SGX_SEALED_VERSION.
 * @header_size: VMPL_SGX_SEALED_HEADER_SIZE.
 * @key_name: VMPL_SGX_KEY_NAME_SEAL.
 * @key_policy: VMPL_SGX_KEY_POLICY_* bits the key is bound to; MRENCLAVE or MRSIGNER among them.
 * @isv_svn: ISVSVN of the sealing enclave; an enclave with a lower one cannot unseal.
 * @config_svn: CONFIGSVN of the sealing enclave.
 * @cpu_svn: CPUSVN of the platform that sealed.
 * @attribute_mask: KEYREQUEST.attribute_mask (VMPL_SGX_SEAL_ATTRIBUTE_MASK).
 * @xfrm_mask: KEYREQUEST.xfrm_mask.
 * @misc_mask: KEYREQUEST.misc_mask.
 * @reserved1: Zero.
 * @key_id: Random KEYREQUEST.key_id: every blob has its own key.
 * @iv: Random GCM IV.
 * @aad_size: Bytes of additional data after the header (authenticated, not encrypted).
 * @text_size: Bytes of ciphertext after the additional data.
 * @reserved2: Zero.
 * @tag: GCM tag over the first 112 header bytes, the additional data and the ciphertext.
 */
struct vmpl_sgx_sealed_header {
	uint32_t magic;
	uint16_t version;
	uint16_t header_size;
	uint16_t key_name;
	uint16_t key_policy;
	uint16_t isv_svn;
	uint16_t config_svn;
	uint8_t cpu_svn[16];
	uint64_t attribute_mask;
	uint64_t xfrm_mask;
	uint32_t misc_mask;
	uint32_t reserved1;
	uint8_t key_id[32];
	uint8_t iv[12];
	uint32_t aad_size;
	uint32_t text_size;
	uint32_t reserved2;
	uint8_t tag[16];
};

/*
 * The host's ocall function: sends request bytes to the application's handler
 * for ocall id and copies at most response_capacity bytes of its answer to
 * response. Returns a VMPL_SGX_ENCLAVE_STATUS_* value; *response_len is set on
 * success.
 */
typedef uint64_t (*vmpl_sgx_enclave_ocall_fn)(uint32_t id, const void *request,
					     uint64_t request_len, void *response,
					     uint64_t response_capacity, uint64_t *response_len);

_Static_assert(sizeof(struct vmpl_sgx_enclave_frame) == 128, "frame layout");
_Static_assert(sizeof(struct vmpl_sgx_enclave_thread_data) == VMPL_SGX_ENCLAVE_THREAD_DATA_SIZE,
	       "thread data layout");
_Static_assert(sizeof(struct vmpl_sgx_targetinfo) == VMPL_SGX_TARGETINFO_SIZE, "TARGETINFO layout");
_Static_assert(sizeof(struct vmpl_sgx_report_body) == VMPL_SGX_REPORT_BODY_SIZE, "report body layout");
_Static_assert(sizeof(struct vmpl_sgx_report) == VMPL_SGX_REPORT_SIZE, "REPORT layout");
_Static_assert(sizeof(struct vmpl_sgx_keyrequest) == VMPL_SGX_KEYREQUEST_SIZE, "KEYREQUEST layout");

#endif /* VMPL_SGX_ENCLAVE_ABI_H */
