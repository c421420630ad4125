/* SPDX-License-Identifier: MIT */
/* The instructions behind vmpl_sgx_random, one try each; random.c retries. */
#include "cpu_random.h"

int vmpl_sgx_rdrand64(uint64_t *word)
{
	unsigned char ok;

	__asm__ volatile("rdrand %0; setc %1" : "=r"(*word), "=qm"(ok) : : "cc");
	return ok;
}

int vmpl_sgx_rdseed64(uint64_t *word)
{
	unsigned char ok;

	__asm__ volatile("rdseed %0; setc %1" : "=r"(*word), "=qm"(ok) : : "cc");
	return ok;
}
