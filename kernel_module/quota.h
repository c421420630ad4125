/* SPDX-License-Identifier: GPL-2.0 */
/* The per-user cap on the pages the SEH holds for enclaves (quota.c). */
#ifndef VMPL_SGX_QUOTA_H
#define VMPL_SGX_QUOTA_H

#include <linux/types.h>
#include <linux/uidgid.h>

/* Module parameter seh_pages_per_user (main.c); 0: no cap. */
extern unsigned int vmpl_sgx_seh_pages_per_user;

int vmpl_sgx_quota_charge(kuid_t uid, u64 want, u64 *got);
void vmpl_sgx_quota_uncharge(kuid_t uid, u64 pages);

#endif /* VMPL_SGX_QUOTA_H */
