/* SPDX-License-Identifier: MIT */
/*
 * Sealing and report checks inside the enclave.
 *
 * A sealed blob is struct vmpl_sgx_sealed_header, the additional data (in
 * clear) and the ciphertext, AES-128-GCM under an EGETKEY seal key with a
 * fresh random key id. The header names every KEYREQUEST field, so
 * vmpl_sgx_unseal derives the same key again, and the GCM tag covers the
 * header, the additional data and the ciphertext: a changed byte, or an
 * enclave that derives another key (another MRENCLAVE under an MRENCLAVE
 * policy, another signer under MRSIGNER, a lower ISVSVN, DEBUG against
 * production), gets VMPL_SGX_TRUST_STATUS_AUTH_FAILED or _KEY_REFUSED.
 *
 * All three call EREPORT or EGETKEY, whose requests leave like ocalls: the
 * running ecall's output capacity must be at least 576 bytes. They need
 * AES-NI and PCLMULQDQ (VMPL_SGX_TRUST_STATUS_NO_AESNI without) and return
 * VMPL_SGX_TRUST_STATUS_* values.
 */
#ifndef VMPL_SGX_SEAL_H
#define VMPL_SGX_SEAL_H

#include "vmpl_sgx_enclave.h"

/* Bytes of the blob that seals aad_len bytes of additional data and text_len of plaintext. */
static inline uint64_t vmpl_sgx_sealed_size(uint32_t aad_len, uint32_t text_len)
{
	return (uint64_t)VMPL_SGX_SEALED_HEADER_SIZE + aad_len + text_len;
}

/*
 * Seal text (encrypted) and aad (authenticated only) under a seal key bound
 * to key_policy (VMPL_SGX_KEY_POLICY_* with MRENCLAVE or MRSIGNER) and this
 * enclave's ISVSVN and CONFIGSVN. The blob goes to blob, which may be the
 * ecall's output (nothing secret is written there, and only after the
 * leaves); *blob_len gets its size (0 on failure).
 */
uint32_t vmpl_sgx_seal(struct vmpl_sgx_call *call, uint16_t key_policy, const void *aad,
		       uint32_t aad_len, const void *text, uint32_t text_len, void *blob,
		       uint64_t blob_capacity, uint64_t *blob_len);

/*
 * Check and decrypt a blob of blob_len bytes (it may be host memory: each
 * byte is read once). required_policy names key policy bits the blob must
 * have been sealed with (VMPL_SGX_TRUST_STATUS_WRONG_POLICY otherwise), so a
 * blob another enclave of the same signer sealed under MRSIGNER is not taken
 * for one sealed under MRENCLAVE. The additional data and the plaintext go
 * to aad and text, which must be enclave memory; on any failure both are
 * cleared and *aad_len and *text_len are 0.
 */
uint32_t vmpl_sgx_unseal(struct vmpl_sgx_call *call, const void *blob, uint64_t blob_len,
			 uint16_t required_policy, void *aad, uint32_t aad_capacity,
			 uint32_t *aad_len, void *text, uint32_t text_capacity, uint32_t *text_len);

/*
 * Check a report another enclave targeted at this one: its MAC under this
 * enclave's report key (for the report's key id). OK means the SEH made it
 * for the enclave its body describes; what that enclave may do is the
 * caller's decision (MRENCLAVE, MRSIGNER, ISVSVN, DEBUG in report->body).
 */
uint32_t vmpl_sgx_verify_report(struct vmpl_sgx_call *call, const struct vmpl_sgx_report *report);

#endif /* VMPL_SGX_SEAL_H */
