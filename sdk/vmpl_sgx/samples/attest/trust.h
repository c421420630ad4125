/* SPDX-License-Identifier: MIT */
/*
 * The ecalls the attest and peer samples share (trust.c); each sample's
 * enclave.c lists them with its own name ecall, so the two have different
 * MRENCLAVEs but the same signer.
 *
 * ecall 0 report(TARGETINFO 512, REPORTDATA 64): the REPORT (432) this
 *         enclave makes for that target
 * ecall 1 getkey(KEYREQUEST 512): struct vmpl_sgx_key_answer (24)
 * ecall 2 targetinfo(): this enclave's own TARGETINFO (512), built from a
 *         report about itself, so others can target reports at it
 * ecall 3 verify(REPORT 432): checks a report targeted at this enclave;
 *         returns a VMPL_SGX_TRUST_STATUS_* value, and with OK outputs the
 *         reporter's MRENCLAVE (32)
 * ecall 4 seal(u16 key policy, u16 0, u32 aad length, aad, text): the
 *         sealed blob; returns a VMPL_SGX_TRUST_STATUS_* value
 * ecall 5 unseal(u16 required policy, u16 0, u32 0, blob): u32 aad length,
 *         u32 text length, aad, text; returns a VMPL_SGX_TRUST_STATUS_* value
 * ecall 6 name(): the sample's name
 *
 * Seal and unseal take at most SAMPLE_SEAL_MAX bytes of aad and of text.
 * A sample shows keys and unsealed text to the host; real enclaves keep
 * them inside.
 */
#ifndef SAMPLE_TRUST_H
#define SAMPLE_TRUST_H

#include "vmpl_sgx_enclave.h"

#define SAMPLE_SEAL_MAX 1024

uint64_t trust_report(struct vmpl_sgx_call *call);
uint64_t trust_getkey(struct vmpl_sgx_call *call);
uint64_t trust_targetinfo(struct vmpl_sgx_call *call);
uint64_t trust_verify(struct vmpl_sgx_call *call);
uint64_t trust_seal(struct vmpl_sgx_call *call);
uint64_t trust_unseal(struct vmpl_sgx_call *call);

#define TRUST_ECALLS \
	VMPL_SGX_ECALL(0, trust_report) \
	VMPL_SGX_ECALL(1, trust_getkey) \
	VMPL_SGX_ECALL(2, trust_targetinfo) \
	VMPL_SGX_ECALL(3, trust_verify) \
	VMPL_SGX_ECALL(4, trust_seal) \
	VMPL_SGX_ECALL(5, trust_unseal)

#endif /* SAMPLE_TRUST_H */
