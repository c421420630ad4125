/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4) for enclave code: no libc, no tables holding pointers. */
#ifndef SAMPLE_SHA256_H
#define SAMPLE_SHA256_H

#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

struct sha256 {
	uint32_t state[8];
	uint64_t length;	/* bytes hashed so far */
	uint8_t block[64];
	uint32_t used;		/* bytes waiting in block */
};

void sha256_init(struct sha256 *ctx);
void sha256_update(struct sha256 *ctx, const void *data, uint64_t len);
void sha256_final(struct sha256 *ctx, uint8_t digest[SHA256_DIGEST_SIZE]);

#endif
