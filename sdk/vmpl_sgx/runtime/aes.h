/* SPDX-License-Identifier: MIT */
/*
 * AES-128 for the runtime's sealing and report checks: the block cipher is
 * the CPU's (AES-NI), GHASH uses PCLMULQDQ. Only aes.c includes the
 * intrinsics, so nothing else in an enclave is built for those instructions.
 * aes.c needs nothing of the runtime (tests build it for the host as well).
 */
#ifndef VMPL_SGX_AES_H
#define VMPL_SGX_AES_H

#include <stddef.h>
#include <stdint.h>

#define VMPL_SGX_AES_KEY_SIZE	16
#define VMPL_SGX_GCM_IV_SIZE	12
#define VMPL_SGX_GCM_TAG_SIZE	16

/* 1 when CPUID says AES-NI and PCLMULQDQ are there; call nothing below otherwise. */
int vmpl_sgx_aesni_present(void);

/* AES-128-CMAC (SP 800-38B) of data. */
void vmpl_sgx_aes_cmac(const uint8_t key[VMPL_SGX_AES_KEY_SIZE], const void *data, size_t len,
		       uint8_t mac[VMPL_SGX_GCM_TAG_SIZE]);

/*
 * AES-128-GCM (SP 800-38D) with a 96-bit IV. The additional data is aad1
 * followed by aad2 (two pieces, so a header and a caller's bytes need no
 * copy). Every input byte is read once and every output byte written once,
 * so in and out may be memory the host can change while this runs.
 */
void vmpl_sgx_gcm_encrypt(const uint8_t key[VMPL_SGX_AES_KEY_SIZE],
			  const uint8_t iv[VMPL_SGX_GCM_IV_SIZE], const void *aad1, size_t aad1_len,
			  const void *aad2, size_t aad2_len, const void *in, void *out, size_t len,
			  uint8_t tag[VMPL_SGX_GCM_TAG_SIZE]);

/* Decrypts and checks the tag: 0 when it matches, else -1 with out cleared. */
int vmpl_sgx_gcm_decrypt(const uint8_t key[VMPL_SGX_AES_KEY_SIZE],
			 const uint8_t iv[VMPL_SGX_GCM_IV_SIZE], const void *aad1, size_t aad1_len,
			 const void *aad2, size_t aad2_len, const void *in, void *out, size_t len,
			 const uint8_t tag[VMPL_SGX_GCM_TAG_SIZE]);

/* Compares in time that depends on len only: 0 when equal. */
int vmpl_sgx_equal_secret(const void *a, const void *b, size_t len);

/* memset that the compiler keeps even when the bytes are never read again. */
void vmpl_sgx_wipe(void *buf, size_t len);

#endif /* VMPL_SGX_AES_H */
