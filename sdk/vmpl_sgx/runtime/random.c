/* SPDX-License-Identifier: MIT */
/*
 * vmpl_sgx_random: random bytes from RDRAND, falling back to RDSEED, with
 * both failures bounded. The instructions themselves are in cpu_random.c, so
 * the retry logic can be built against scripted failures on the host
 * (tests/enclave/test_random_failure.py).
 */
#include <string.h>

#include "cpu_random.h"
#include "vmpl_sgx_libc.h"

/* Intel's guidance: RDRAND may fail transiently, 10 tries make failure vanishingly rare. */
#define RDRAND_TRIES 10
/* RDSEED fails more often under load; it is the fallback, so it gets more tries. */
#define RDSEED_TRIES 100

static int hardware_word(uint64_t *word)
{
	int i;

	for (i = 0; i < RDRAND_TRIES; i++) {
		if (vmpl_sgx_rdrand64(word))
			return 1;
	}
	for (i = 0; i < RDSEED_TRIES; i++) {
		if (vmpl_sgx_rdseed64(word))
			return 1;
		__builtin_ia32_pause();
	}
	return 0;
}

int vmpl_sgx_random(void *buf, size_t len)
{
	uint8_t *out = buf;
	uint64_t word;
	size_t n;

	while (len) {
		if (!hardware_word(&word))
			return -1;
		n = len < sizeof(word) ? len : sizeof(word);
		memcpy(out, &word, n);
		out += n;
		len -= n;
	}
	word = 0;
	return 0;
}
