// SPDX-License-Identifier: GPL-2.0
/*
 * ENCLAVE_QUOTE and QUOTING_TARGET: remote attestation through the SEH.
 * Every check, its order and its errno follow docs/ioctl-semantics.md; the
 * step numbers in the comments are that document's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <linux/vmpl_sgx.h>
#include "seh_abi.h"
#include "ioctl_table.h"
#include "encl.h"
#include "seh.h"
#include "stats.h"

/* One user buffer of the argument: its address and length field. */
struct quote_user_buf {
	u64 addr;
	u32 *len;
};

static void quote_user_bufs(struct vmpl_sgx_enclave_quote *q,
			    struct quote_user_buf bufs[SEH_QUOTE_PARTS])
{
	bufs[SEH_QUOTE_SNP_REPORT] = (struct quote_user_buf){ q->snp_report, &q->snp_report_len };
	bufs[SEH_QUOTE_MANIFEST] = (struct quote_user_buf){ q->manifest, &q->manifest_len };
	bufs[SEH_QUOTE_CERTIFICATES] =
		(struct quote_user_buf){ q->certificates, &q->certificates_len };
}

static void quote_free_pages(struct seh_quote_out *out)
{
	unsigned int part, i;

	for (part = 0; part < SEH_QUOTE_PARTS; part++)
		for (i = 0; i < ARRAY_SIZE(out[part].pages); i++)
			if (out[part].pages[i])
				vmpl_sgx_free_page(out[part].pages[i]);
}

/* Zeroed pages: the SEH (in loopback a user-space process) sees all of them. */
static int quote_alloc_pages(struct seh_quote_out *out)
{
	unsigned int n, i;

	n = DIV_ROUND_UP(out->capacity, PAGE_SIZE);
	for (i = 0; i < n; i++) {
		out->pages[i] = vmpl_sgx_alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!out->pages[i])
			return -ENOMEM;
	}
	return 0;
}

/* Step 7: a whole output range must be writable user memory. */
static int quote_check_output(const struct quote_user_buf *buf)
{
	char __user *dst = u64_to_user_ptr(buf->addr);

	if (!*buf->len)
		return 0;
	if (!access_ok(dst, *buf->len) || fault_in_safe_writeable(dst, *buf->len))
		return -EFAULT;
	return 0;
}

/* Step 9: copy what the SEH wrote into the pages of @out to user space. */
static int quote_copy_output(const struct seh_quote_out *out, u64 addr)
{
	unsigned int i;
	u32 off, chunk;
	unsigned long left;
	void *src;

	for (i = 0, off = 0; off < out->len; i++, off += chunk) {
		chunk = min_t(u32, PAGE_SIZE, out->len - off);
		src = kmap_local_page(out->pages[i]);
		left = copy_to_user(u64_to_user_ptr(addr + off), src, chunk);
		kunmap_local(src);
		if (left)
			return -EFAULT;
	}
	vmpl_sgx_stat_add(VMPL_SGX_STAT_BYTES_OUT, out->len);
	return 0;
}

/* Steps 8-9: the SEH call, then the outputs and the lengths back to user space. */
static long quote_call(struct vmpl_sgx_encl *encl, struct vmpl_sgx_enclave_quote *q,
		       void __user *arg, const u8 *report, const u8 *nonce,
		       struct seh_quote_out *out)
{
	struct quote_user_buf bufs[SEH_QUOTE_PARTS];
	unsigned int part;
	bool lost = false;
	long ret;

	quote_user_bufs(q, bufs);
	ret = vmpl_sgx_seh_quote(encl->session, encl->handle, report, nonce, out, &lost);
	if (lost)
		vmpl_sgx_encl_mark_broken(encl);
	if (ret && ret != -ENOSPC)
		return ret;
	for (part = 0; part < SEH_QUOTE_PARTS && !ret; part++)
		ret = quote_copy_output(&out[part], bufs[part].addr);
	if (ret && ret != -ENOSPC)
		return ret;
	for (part = 0; part < SEH_QUOTE_PARTS; part++)
		*bufs[part].len = out[part].len;
	if (copy_to_user(arg, q, sizeof(*q)))
		return -EFAULT;
	return ret;
}

long vmpl_sgx_ioc_enclave_quote(struct file *file, void __user *arg)
{
	struct seh_quote_out out[SEH_QUOTE_PARTS] = {};
	struct vmpl_sgx_encl *encl = file->private_data;
	struct quote_user_buf bufs[SEH_QUOTE_PARTS];
	u8 report[VMPL_SGX_QUOTE_REPORT_SIZE];
	u8 nonce[VMPL_SGX_QUOTE_NONCE_SIZE];
	struct vmpl_sgx_enclave_quote q;
	unsigned int part;
	long ret;

	ret = vmpl_sgx_encl_check_entry(encl);				/* 1, 2 */
	if (ret)
		return ret;
	if (copy_from_user(&q, arg, sizeof(q)))				/* 3 */
		return -EFAULT;
	if (!vmpl_sgx_enclave_quote_reserved_clear(&q))			/* 4 */
		return -EINVAL;
	quote_user_bufs(&q, bufs);
	for (part = 0; part < SEH_QUOTE_PARTS; part++)			/* 5 */
		if (*bufs[part].len > VMPL_SGX_QUOTE_BUFFER_MAX)
			return -E2BIG;
	if (copy_from_user(report, u64_to_user_ptr(q.report), sizeof(report)) || /* 6 */
	    copy_from_user(nonce, u64_to_user_ptr(q.nonce), sizeof(nonce)))
		return -EFAULT;
	vmpl_sgx_stat_add(VMPL_SGX_STAT_BYTES_IN, sizeof(report) + sizeof(nonce));
	for (part = 0; part < SEH_QUOTE_PARTS; part++) {		/* 7 */
		ret = quote_check_output(&bufs[part]);
		if (ret)
			return ret;
	}
	for (part = 0; part < SEH_QUOTE_PARTS; part++) {
		out[part].capacity = *bufs[part].len;
		ret = quote_alloc_pages(&out[part]);
		if (ret)
			goto free;
	}
	ret = quote_call(encl, &q, arg, report, nonce, out);		/* 8, 9 */
free:
	quote_free_pages(out);
	return ret;
}

long vmpl_sgx_ioc_quoting_target(struct file *file, void __user *arg)
{
	struct vmpl_sgx_quoting_target target;
	int ret;

	memset(&target, 0, sizeof(target));
	ret = vmpl_sgx_seh_quoting_target(target.targetinfo, sizeof(target.targetinfo));
	if (ret)
		return ret;
	if (copy_to_user(arg, &target, sizeof(target)))
		return -EFAULT;
	return 0;
}
