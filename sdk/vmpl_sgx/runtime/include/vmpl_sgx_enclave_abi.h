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

/**
 * struct vmpl_sgx_enclave_ocall_answer - Header of the ERESUME input that answers an ocall; the answer bytes follow it.
 * @status: VMPL_SGX_ENCLAVE_STATUS_* of the host's service; the bytes count only with OK.
 * @reserved: Zero; an answer with it set reaches the enclave as OCALL_FAILED.
 */
struct vmpl_sgx_enclave_ocall_answer {
	uint32_t status;
	uint32_t reserved;
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

#endif /* VMPL_SGX_ENCLAVE_ABI_H */
