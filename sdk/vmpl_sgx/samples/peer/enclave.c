/* SPDX-License-Identifier: MIT */
/*
 * The attest sample's counterpart: the same ecalls (trust.h, built from the
 * attest sample's trust.c) and another name, so another MRENCLAVE. Signed
 * with the same key, the two share MRSIGNER: local attestation and sealing
 * between two enclaves of one vendor.
 */
#include "trust.h"

static uint64_t ecall_name(struct vmpl_sgx_call *call)
{
	return vmpl_sgx_output(call, "peer", 4);
}

VMPL_SGX_ECALLS(
	TRUST_ECALLS
	VMPL_SGX_ECALL(6, ecall_name)
)
