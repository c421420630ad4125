/* SPDX-License-Identifier: MIT */
/*
 * The in-enclave runtime of vmpl-sgx: what enclave code includes.
 *
 * Enclave code is freestanding C: no system libc (the runtime's small one is
 * in string.h, stdlib.h, stdio.h, assert.h and vmpl_sgx_libc.h next to
 * this file), no static data holding pointers
 * (the image is not relocated, so an initialized pointer would be wrong at
 * run time; the loader rejects images that need relocation). Ecalls are
 * listed with VMPL_SGX_ECALLS, which builds a switch, not a pointer table:
 *
 *	static uint64_t hello(struct vmpl_sgx_call *call)
 *	{
 *		return vmpl_sgx_output(call, "hi", 2);
 *	}
 *
 *	VMPL_SGX_ECALLS(
 *		VMPL_SGX_ECALL(0, hello)
 *	)
 *
 * An ecall returns a VMPL_SGX_ENCLAVE_STATUS_* value (or any number of the
 * author's own), which RUN reports as retval.
 */
#ifndef VMPL_SGX_ENCLAVE_H
#define VMPL_SGX_ENCLAVE_H

#include <stddef.h>
#include <stdint.h>

#include "vmpl_sgx_enclave_abi.h"

/* One ecall as its function sees it. Input and output live outside the enclave. */
struct vmpl_sgx_call {
	uint32_t call_id;
	uint32_t reserved;
	const uint8_t *input;
	uint64_t input_len;
	uint8_t *output;
	uint64_t output_capacity;
	uint64_t output_len;		/* bytes of output written so far */
	const struct vmpl_sgx_enclave_thread_data *thread;
	uint64_t enclave_base;
	/* Private to the runtime. */
	uint64_t ocall_fn;
	uint64_t host_rsp;
};

typedef uint64_t (*vmpl_sgx_ecall_fn)(struct vmpl_sgx_call *call);

/* Append len bytes to the ecall's output; OUTPUT_TOO_SMALL (and nothing written) if they do not fit. */
uint64_t vmpl_sgx_output(struct vmpl_sgx_call *call, const void *data, uint64_t len);

/*
 * Ask the host for service id: the application's handler gets request and
 * its answer (at most response_capacity bytes) lands in response. Returns a
 * VMPL_SGX_ENCLAVE_STATUS_* value; *response_len is set when it is OK.
 */
uint64_t vmpl_sgx_ocall(struct vmpl_sgx_call *call, uint32_t id, const void *request,
			uint64_t request_len, void *response, uint64_t response_capacity,
			uint64_t *response_len);

/*
 * EREPORT: a REPORT about this enclave for the enclave target names, carrying
 * report_data (64 bytes); its MAC verifies only with the target's report key.
 * EGETKEY: the 16-byte key request asks for; *key_status gets the
 * VMPL_SGX_KEY_STATUS_* value and key is written only with SUCCESS.
 * Both are served by the SEH through the ocall path, so the running ecall's
 * output capacity must hold the request (576 and 512 bytes). They return a
 * VMPL_SGX_ENCLAVE_STATUS_* value.
 */
uint64_t vmpl_sgx_ereport(struct vmpl_sgx_call *call, const struct vmpl_sgx_targetinfo *target,
			  const uint8_t report_data[VMPL_SGX_REPORT_DATA_SIZE],
			  struct vmpl_sgx_report *report);
uint64_t vmpl_sgx_egetkey(struct vmpl_sgx_call *call, const struct vmpl_sgx_keyrequest *request,
			  uint8_t key[VMPL_SGX_KEY_SIZE], uint32_t *key_status);

/* The enclave's heap (NULL and *size 0 without one). Its pages are not measured: clear before trusting. */
void *vmpl_sgx_heap(const struct vmpl_sgx_call *call, uint64_t *size);

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Implemented by VMPL_SGX_ECALLS in the enclave's code. */
uint64_t vmpl_sgx_dispatch(struct vmpl_sgx_call *call);

#define VMPL_SGX_ECALL(id, fn) \
	case (id): \
		return fn(call);

/* The ecall table: a switch over call_id, so it needs no relocation. */
#define VMPL_SGX_ECALLS(cases) \
	uint64_t vmpl_sgx_dispatch(struct vmpl_sgx_call *call) \
	{ \
		switch (call->call_id) { \
		cases \
		default: \
			return VMPL_SGX_ENCLAVE_STATUS_UNKNOWN_CALL; \
		} \
	}

#endif /* VMPL_SGX_ENCLAVE_H */
