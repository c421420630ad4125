/* SPDX-License-Identifier: MIT */
/*
 * Sample enclave: SHA-256 of the ecall's input, computed inside the enclave.
 *
 * ecall 0: digest(input) -> 32 bytes
 * ecall 1: double_digest(input) -> SHA-256(SHA-256(input)), 32 bytes
 */
#include "sha256.h"
#include "vmpl_sgx_enclave.h"

static uint64_t ecall_digest(struct vmpl_sgx_call *call)
{
	struct sha256 ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, call->input, call->input_len);
	sha256_final(&ctx, digest);
	return vmpl_sgx_output(call, digest, sizeof(digest));
}

static uint64_t ecall_double_digest(struct vmpl_sgx_call *call)
{
	struct sha256 ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, call->input, call->input_len);
	sha256_final(&ctx, digest);
	sha256_init(&ctx);
	sha256_update(&ctx, digest, sizeof(digest));
	sha256_final(&ctx, digest);
	return vmpl_sgx_output(call, digest, sizeof(digest));
}

VMPL_SGX_ECALLS(
	VMPL_SGX_ECALL(0, ecall_digest)
	VMPL_SGX_ECALL(1, ecall_double_digest)
)
