/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters of vmpl_sgx.ko, readable as text in debugfs
 * (/sys/kernel/debug/vmpl_sgx/stats); writing anything there resets them.
 */
#ifndef VMPL_SGX_STATS_H
#define VMPL_SGX_STATS_H

#include <linux/types.h>

enum vmpl_sgx_stat {
	VMPL_SGX_STAT_PAGES_ADDED,	/* pages the SEH reported added */
	VMPL_SGX_STAT_BYTES_IN,		/* bytes copied from user space for the SEH */
	VMPL_SGX_STAT_BYTES_OUT,	/* bytes of run output copied to user space */
	VMPL_SGX_STAT_RETRIES,		/* calls repeated after INCOMPLETE or BUSY */
	VMPL_SGX_STAT_CONTINUED,	/* continuations issued after INCOMPLETE with progress */
	VMPL_SGX_STAT_REFUSED,		/* Run-VMPL0 requests the hypervisor refused */
	VMPL_SGX_STAT_TIMEOUTS,		/* calls abandoned after seh_timeout_ms */
	VMPL_SGX_STAT_LOST,		/* calls failed because the SEH went away */
	VMPL_SGX_STAT_MALFORMED,	/* responses that broke the protocol */
	VMPL_SGX_STAT_INTERRUPTED,	/* RUNs that returned -ERESTARTSYS mid-call */
	VMPL_SGX_STAT_COLLECTED,	/* RUNs that resumed a parked entry */
	VMPL_SGX_STAT_CANCELLED,	/* RUNs with VMPL_SGX_RUN_CANCEL that succeeded */
	VMPL_SGX_STAT_ENCLAVES_CREATED,
	VMPL_SGX_STAT_ENCLAVES_DESTROYED,
	VMPL_SGX_STAT_BROKEN,		/* enclaves marked broken */
	VMPL_SGX_NR_STATS,
};

/* Gauges of live objects (never reset): leak checks expect 0 once all is closed. */
enum vmpl_sgx_gauge {
	VMPL_SGX_GAUGE_CALLS,		/* struct seh_call */
	VMPL_SGX_GAUGE_ENCLAVES,	/* struct vmpl_sgx_encl */
	VMPL_SGX_GAUGE_PAGES,		/* pages allocated or referenced */
	VMPL_SGX_NR_GAUGES,
};

void vmpl_sgx_stat_add(enum vmpl_sgx_stat stat, u64 n);
void vmpl_sgx_gauge_add(enum vmpl_sgx_gauge gauge, long n);
void vmpl_sgx_stat_call(u32 call_id);
void vmpl_sgx_stat_result(u64 result);

/* alloc_page() and __free_page(), counted in live.pages */
struct page;
struct page *vmpl_sgx_alloc_page(gfp_t gfp);
void vmpl_sgx_free_page(struct page *page);

void vmpl_sgx_stats_init(void);
void vmpl_sgx_stats_exit(void);

#endif /* VMPL_SGX_STATS_H */
