/* SPDX-License-Identifier: MIT */
/* One try of RDRAND or RDSEED: 1 and a word, or 0 when the CPU had none (CF clear). */
#ifndef VMPL_SGX_CPU_RANDOM_H
#define VMPL_SGX_CPU_RANDOM_H

#include <stdint.h>

int vmpl_sgx_rdrand64(uint64_t *word);
int vmpl_sgx_rdseed64(uint64_t *word);

#endif
