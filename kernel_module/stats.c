// SPDX-License-Identifier: GPL-2.0
/*
 * Counters in debugfs. /sys/kernel/debug/vmpl_sgx/stats reads as one
 * "name value" pair per line, for example
 *
 *	calls.add-pages 12
 *	results.success 20
 *	pages.added 1536
 *
 * Every name is always listed (zeros included), in a fixed order, so a reader
 * can diff two snapshots. Writing anything to the file resets every counter
 * except the live.* gauges, which count objects in existence (both are 0
 * once every file is closed and the SEH answered or went away).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>

#include <linux/vmpl_sgx.h>
#include "seh_abi.h"
#include "stats.h"

#define NR_CALLS ARRAY_SIZE(vmpl_sgx_seh_call_names)

static atomic64_t stat_calls[NR_CALLS + 1];	/* last slot: unknown call ids */
static atomic64_t stat_results[VMPL_SGX_SEH_NR_RESULTS + 1];
static atomic64_t stat_misc[VMPL_SGX_NR_STATS];
static atomic_long_t stat_gauges[VMPL_SGX_NR_GAUGES];
static struct dentry *stats_dir;

static const char *const stat_misc_names[VMPL_SGX_NR_STATS] = {
	[VMPL_SGX_STAT_PAGES_ADDED] = "pages.added",
	[VMPL_SGX_STAT_BYTES_IN] = "bytes.in",
	[VMPL_SGX_STAT_BYTES_OUT] = "bytes.out",
	[VMPL_SGX_STAT_RETRIES] = "seh.retries",
	[VMPL_SGX_STAT_CONTINUED] = "seh.continued",
	[VMPL_SGX_STAT_REFUSED] = "seh.refused",
	[VMPL_SGX_STAT_TIMEOUTS] = "seh.timeouts",
	[VMPL_SGX_STAT_LOST] = "seh.lost",
	[VMPL_SGX_STAT_MALFORMED] = "seh.malformed",
	[VMPL_SGX_STAT_INTERRUPTED] = "run.interrupted",
	[VMPL_SGX_STAT_COLLECTED] = "run.collected",
	[VMPL_SGX_STAT_CANCELLED] = "run.cancelled",
	[VMPL_SGX_STAT_ENCLAVES_CREATED] = "enclaves.created",
	[VMPL_SGX_STAT_ENCLAVES_DESTROYED] = "enclaves.destroyed",
	[VMPL_SGX_STAT_BROKEN] = "enclaves.broken",
};

void vmpl_sgx_stat_add(enum vmpl_sgx_stat stat, u64 n)
{
	if (stat < VMPL_SGX_NR_STATS)
		atomic64_add(n, &stat_misc[stat]);
}

static const char *const stat_gauge_names[VMPL_SGX_NR_GAUGES] = {
	[VMPL_SGX_GAUGE_CALLS] = "live.calls",
	[VMPL_SGX_GAUGE_ENCLAVES] = "live.enclaves",
	[VMPL_SGX_GAUGE_PAGES] = "live.pages",
};

void vmpl_sgx_gauge_add(enum vmpl_sgx_gauge gauge, long n)
{
	if (gauge < VMPL_SGX_NR_GAUGES)
		atomic_long_add(n, &stat_gauges[gauge]);
}

/* Page leaks are invisible to kmemleak; this gauge shows them. */
struct page *vmpl_sgx_alloc_page(gfp_t gfp)
{
	struct page *page = alloc_page(gfp);

	if (page)
		vmpl_sgx_gauge_add(VMPL_SGX_GAUGE_PAGES, 1);
	return page;
}

void vmpl_sgx_free_page(struct page *page)
{
	__free_page(page);
	vmpl_sgx_gauge_add(VMPL_SGX_GAUGE_PAGES, -1);
}

void vmpl_sgx_stat_call(u32 call_id)
{
	atomic64_inc(&stat_calls[min_t(size_t, call_id, NR_CALLS)]);
}

void vmpl_sgx_stat_result(u64 result)
{
	atomic64_inc(&stat_results[vmpl_sgx_seh_result_index(result)]);
}

static int stats_show(struct seq_file *m, void *unused)
{
	size_t i;

	for (i = 0; i < NR_CALLS; i++)
		seq_printf(m, "calls.%s %lld\n", vmpl_sgx_seh_call_names[i],
			   (long long)atomic64_read(&stat_calls[i]));
	seq_printf(m, "calls.unknown %lld\n",
		   (long long)atomic64_read(&stat_calls[NR_CALLS]));
	for (i = 0; i <= VMPL_SGX_SEH_NR_RESULTS; i++)
		seq_printf(m, "results.%s %lld\n", vmpl_sgx_seh_result_names[i],
			   (long long)atomic64_read(&stat_results[i]));
	for (i = 0; i < VMPL_SGX_NR_STATS; i++)
		seq_printf(m, "%s %lld\n", stat_misc_names[i],
			   (long long)atomic64_read(&stat_misc[i]));
	for (i = 0; i < VMPL_SGX_NR_GAUGES; i++)
		seq_printf(m, "%s %ld\n", stat_gauge_names[i],
			   atomic_long_read(&stat_gauges[i]));
	return 0;
}

static int stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, stats_show, inode->i_private);
}

static ssize_t stats_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stat_calls); i++)
		atomic64_set(&stat_calls[i], 0);
	for (i = 0; i < ARRAY_SIZE(stat_results); i++)
		atomic64_set(&stat_results[i], 0);
	for (i = 0; i < ARRAY_SIZE(stat_misc); i++)
		atomic64_set(&stat_misc[i], 0);
	return count;
}

static const struct file_operations stats_fops = {
	.owner = THIS_MODULE,
	.open = stats_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = stats_write,
	.release = single_release,
};

/* debugfs is optional: without it the counters still count, unseen. */
void vmpl_sgx_stats_init(void)
{
	stats_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0600, stats_dir, NULL, &stats_fops);
}

void vmpl_sgx_stats_exit(void)
{
	debugfs_remove_recursive(stats_dir);
	stats_dir = NULL;
}
