/* SPDX-License-Identifier: MIT */
/*
 * Sample enclave that uses SGX's user leaves through the runtime: reports,
 * keys, report checks and sealing (the ecalls of trust.h). The peer sample
 * is its counterpart with another MRENCLAVE.
 */
#include "trust.h"

static uint64_t ecall_name(struct vmpl_sgx_call *call)
{
	return vmpl_sgx_output(call, "attest", 6);
}

VMPL_SGX_ECALLS(
	TRUST_ECALLS
	VMPL_SGX_ECALL(6, ecall_name)
)
