// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of /dev/vmpl_sgx but the two of remote attestation (quote.c).
 * Every check, its order and its errno
 * follow docs/ioctl-semantics.md step by step; the step numbers in the
 * comments are that document's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/vmpl_sgx.h>
#include "seh_abi.h"
#include "ioctl_table.h"
#include "encl.h"
#include "ioctl.h"
#include "quota.h"
#include "seh.h"
#include "stats.h"

/* Every command of /dev/vmpl_sgx: the spec's table picks the handler. */
long vmpl_sgx_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return vmpl_sgx_ioctl_dispatch(file, cmd, (void __user *)arg);
}

#define SECINFO_PERMS (VMPL_SGX_SECINFO_R | VMPL_SGX_SECINFO_W | VMPL_SGX_SECINFO_X)
#define SECINFO_TYPE_SHIFT 8

/* Step 1 of CREATE, ADD_PAGES and INIT: owner, busy, broken. Takes encl->lock. */
static int encl_begin(struct vmpl_sgx_encl *encl)
{
	if (!vmpl_sgx_encl_is_owner(encl))
		return -EPERM;
	if (!mutex_trylock(&encl->lock))
		return -EBUSY;
	if (vmpl_sgx_encl_is_broken(encl)) {
		mutex_unlock(&encl->lock);
		return -EIO;
	}
	return 0;
}

static void encl_end(struct vmpl_sgx_encl *encl, bool lost)
{
	if (lost)
		vmpl_sgx_encl_mark_broken(encl);
	mutex_unlock(&encl->lock);
}

/* ------------------------------------------------------------ CREATE */

long vmpl_sgx_ioc_enclave_create(struct file *file, void __user *arg)
{
	struct vmpl_sgx_encl *encl = file->private_data;
	struct vmpl_sgx_enclave_create create;
	struct vmpl_sgx_secs *secs;
	struct page *page = NULL;
	u64 session, handle, charged;
	bool lost = false;
	long ret;

	ret = encl_begin(encl);					/* 1 */
	if (ret)
		return ret;
	if (encl->state != ENCL_NEW) {				/* 2 */
		ret = -EINVAL;
		goto out;
	}
	if (copy_from_user(&create, arg, sizeof(create))) {	/* 3 */
		ret = -EFAULT;
		goto out;
	}
	page = vmpl_sgx_alloc_page(GFP_KERNEL_ACCOUNT);
	if (!page) {
		ret = -ENOMEM;
		goto out;
	}
	secs = page_address(page);
	if (copy_from_user(secs, u64_to_user_ptr(create.src), sizeof(*secs))) { /* 4 */
		ret = -EFAULT;
		goto out;
	}
	vmpl_sgx_stat_add(VMPL_SGX_STAT_BYTES_IN, sizeof(*secs));
	if (!secs->size || !is_power_of_2(secs->size)) {	/* 5 */
		ret = -EINVAL;
		goto out;
	}
	ret = vmpl_sgx_quota_charge(encl->quota_uid, 1, &charged);	/* 6 */
	if (ret)
		goto out;
	ret = vmpl_sgx_seh_create(page, &session, &handle, &lost);	/* 7 */
	if (ret) {
		vmpl_sgx_quota_uncharge(encl->quota_uid, charged);
		goto out;
	}
	encl->quota_pages = charged;
	encl->session = session;
	encl->handle = handle;
	encl->base = secs->base;
	encl->size = secs->size;
	encl->attributes = secs->attributes;
	vmpl_sgx_encl_set_state(encl, ENCL_CREATED);
	vmpl_sgx_encl_created(encl);
	vmpl_sgx_stat_add(VMPL_SGX_STAT_ENCLAVES_CREATED, 1);
out:
	if (page)
		vmpl_sgx_free_page(page);
	encl_end(encl, lost);
	return ret;
}

/* --------------------------------------------------------- ADD_PAGES */

static int secinfo_check(const struct vmpl_sgx_secinfo *secinfo)
{
	u64 flags = secinfo->flags;
	u64 perms = flags & SECINFO_PERMS;
	u64 type = (flags & VMPL_SGX_SECINFO_PAGE_TYPE_MASK) >> SECINFO_TYPE_SHIFT;

	if (type != VMPL_SGX_PAGE_TYPE_REG && type != VMPL_SGX_PAGE_TYPE_TCS)
		return -EINVAL;
	if ((perms & VMPL_SGX_SECINFO_W) && !(perms & VMPL_SGX_SECINFO_R))
		return -EINVAL;
	if (type == VMPL_SGX_PAGE_TYPE_TCS && perms)
		return -EINVAL;
	if (flags & ~(u64)(SECINFO_PERMS | VMPL_SGX_SECINFO_PAGE_TYPE_MASK))
		return -EINVAL;
	if (!vmpl_sgx_secinfo_reserved_clear(secinfo))
		return -EINVAL;
	return 0;
}

/* Step 5: offset and length inside the enclave, page-aligned, no overflow. */
static bool add_range_ok(const struct vmpl_sgx_enclave_add_pages *add, u64 size)
{
	u64 end;

	if (!PAGE_ALIGNED(add->offset) || !add->length || !PAGE_ALIGNED(add->length))
		return false;
	if (check_add_overflow(add->offset, add->length, &end))
		return false;
	return end <= size;
}

/*
 * Step 9 with VMPL_SGX_PAGE_ZERO: nothing to copy; each batch is descriptors
 * with the ZERO flag and no guest page, so no page contents travel.
 */
static long add_zero_pages_loop(struct vmpl_sgx_encl *encl,
				const struct vmpl_sgx_enclave_add_pages *add,
				u32 secinfo_flags, u32 max_pages, u64 *count,
				bool *lost)
{
	unsigned int n, done;
	long ret;

	while (*count < add->length) {
		if (signal_pending(current))
			return *count ? 0 : -ERESTARTSYS;

		n = min_t(u64, max_pages, (add->length - *count) >> PAGE_SHIFT);
		ret = vmpl_sgx_seh_add_pages(encl->session, encl->handle, NULL, n,
					     add->offset + *count, secinfo_flags,
					     VMPL_SGX_SEH_DESC_FLAG_ZERO, &done,
					     lost);
		*count += (u64)done << PAGE_SHIFT;
		vmpl_sgx_stat_add(VMPL_SGX_STAT_PAGES_ADDED, done);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

/*
 * Step 9: copy and add the pages batch by batch. Returns 0 or an errno;
 * *count holds the bytes added either way.
 */
static long add_pages_loop(struct vmpl_sgx_encl *encl,
			   const struct vmpl_sgx_enclave_add_pages *add,
			   u32 secinfo_flags, u32 max_pages, u64 *count,
			   bool *lost)
{
	u32 desc_flags = (add->flags & VMPL_SGX_PAGE_MEASURE) ?
			 VMPL_SGX_SEH_DESC_FLAG_MEASURE : 0;
	unsigned int n, i, done;
	u64 charged;
	bool fault;
	long ret;

	if (add->flags & VMPL_SGX_PAGE_ZERO)
		return add_zero_pages_loop(encl, add, secinfo_flags, max_pages,
					   count, lost);
	ret = vmpl_sgx_encl_bounce_reserve(encl, min_t(u64, max_pages, add->length >> PAGE_SHIFT));
	if (ret)
		return ret;

	while (*count < add->length) {
		if (signal_pending(current))
			return *count ? 0 : -ERESTARTSYS;

		n = min_t(u64, max_pages, (add->length - *count) >> PAGE_SHIFT);
		/* Pages go in in order while the user's SEH page cap lasts. */
		ret = vmpl_sgx_quota_charge(encl->quota_uid, n, &charged);
		if (ret)
			return ret;
		n = charged;
		done = 0;
		fault = false;
		for (i = 0; i < n; i++) {
			u64 src = add->src + *count + (u64)i * PAGE_SIZE;

			if (copy_from_user(page_address(encl->bounce[i]),
					   u64_to_user_ptr(src), PAGE_SIZE)) {
				fault = true;
				break;
			}
		}
		vmpl_sgx_stat_add(VMPL_SGX_STAT_BYTES_IN, (u64)i * PAGE_SIZE);
		if (i) {
			ret = vmpl_sgx_seh_add_pages(encl->session, encl->handle,
					    encl->bounce, i, add->offset + *count,
					    secinfo_flags, desc_flags, &done, lost);
			*count += (u64)done << PAGE_SHIFT;
			vmpl_sgx_stat_add(VMPL_SGX_STAT_PAGES_ADDED, done);
		}
		encl->quota_pages += done;
		vmpl_sgx_quota_uncharge(encl->quota_uid, n - done);
		if (ret)
			return ret;
		if (fault)
			return -EFAULT;
		cond_resched();
	}
	return 0;
}

long vmpl_sgx_ioc_enclave_add_pages(struct file *file, void __user *arg)
{
	struct vmpl_sgx_enclave_add_pages __user *uadd = arg;
	struct vmpl_sgx_encl *encl = file->private_data;
	struct vmpl_sgx_enclave_add_pages add;
	struct vmpl_sgx_secinfo secinfo;
	struct seh_limits lim;
	bool lost = false;
	u64 count = 0;
	long ret;

	ret = encl_begin(encl);					/* 1 */
	if (ret)
		return ret;
	if (encl->state != ENCL_CREATED) {			/* 2 */
		ret = -EINVAL;
		goto unlock;
	}
	if (copy_from_user(&add, arg, sizeof(add))) {		/* 3 */
		ret = -EFAULT;
		goto unlock;
	}
	if (!PAGE_ALIGNED(add.src)) {				/* 4 */
		ret = -EINVAL;
		goto out;
	}
	if (!add_range_ok(&add, encl->size)) {			/* 5 */
		ret = -EINVAL;
		goto out;
	}
	if ((add.flags & ~(u64)(VMPL_SGX_PAGE_MEASURE | VMPL_SGX_PAGE_ZERO)) ||
	    ((add.flags & VMPL_SGX_PAGE_ZERO) &&
	     ((add.flags & VMPL_SGX_PAGE_MEASURE) || add.src))) { /* 6 */
		ret = -EINVAL;
		goto out;
	}
	if (copy_from_user(&secinfo, u64_to_user_ptr(add.secinfo),
			   sizeof(secinfo))) {			/* 7 */
		ret = -EFAULT;
		goto out;
	}
	ret = secinfo_check(&secinfo);				/* 8 */
	if (ret)
		goto out;
	ret = vmpl_sgx_seh_limits_get(encl->session, &lim);
	if (ret)
		goto out;
	if ((add.flags & VMPL_SGX_PAGE_ZERO) &&
	    !(lim.capabilities & VMPL_SGX_CAP_ZERO_PAGES)) {	/* 9 */
		ret = -EOPNOTSUPP;
		goto out;
	}
	ret = add_pages_loop(encl, &add, (u32)secinfo.flags,
			     lim.max_pages_per_call, &count, &lost);
out:
	if (put_user(count, &uadd->count))			/* 10 */
		ret = -EFAULT;
unlock:
	encl_end(encl, lost);
	return ret;
}

/* -------------------------------------------------------------- INIT */

long vmpl_sgx_ioc_enclave_init(struct file *file, void __user *arg)
{
	struct vmpl_sgx_encl *encl = file->private_data;
	struct vmpl_sgx_seh_init_rsp rsp;
	struct vmpl_sgx_enclave_init init;
	struct vmpl_sgx_sigstruct *sig;
	struct page *page = NULL;
	bool lost = false;
	long ret;

	ret = encl_begin(encl);					/* 1 */
	if (ret)
		return ret;
	if (encl->state != ENCL_CREATED) {			/* 2 */
		ret = -EINVAL;
		goto out;
	}
	if (copy_from_user(&init, arg, sizeof(init))) {		/* 3 */
		ret = -EFAULT;
		goto out;
	}
	page = vmpl_sgx_alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		ret = -ENOMEM;
		goto out;
	}
	sig = page_address(page);
	if (copy_from_user(sig, u64_to_user_ptr(init.sigstruct), sizeof(*sig))) { /* 4 */
		ret = -EFAULT;
		goto out;
	}
	vmpl_sgx_stat_add(VMPL_SGX_STAT_BYTES_IN, sizeof(*sig));
	if (sig->vendor != 0 && sig->vendor != VMPL_SGX_VENDOR_INTEL) { /* 5 */
		ret = -EINVAL;
		goto out;
	}
	if (encl->attributes & (VMPL_SGX_ATTR_PROVISIONKEY |
				VMPL_SGX_ATTR_EINITTOKENKEY)) {	/* 6 */
		ret = -EACCES;
		goto out;
	}
	ret = vmpl_sgx_seh_init(encl->session, encl->handle, page, &rsp, &lost); /* 7 */
	if (!ret)
		vmpl_sgx_encl_set_state(encl, ENCL_INITIALIZED);
out:
	if (page)
		vmpl_sgx_free_page(page);
	encl_end(encl, lost);
	return ret;
}

/* ---------------------------------------------------------- GET_INFO */

/*
 * Copy out an extensible struct (the spec's extensible-doc): the prefix the
 * caller's @usize and the module's @ksize share, zeros for the rest of a
 * larger caller's struct.
 */
static int copy_extensible_to_user(void __user *dst, unsigned int usize,
				   const void *src, size_t ksize)
{
	size_t common = min_t(size_t, usize, ksize);

	if (copy_to_user(dst, src, common))
		return -EFAULT;
	if (usize > common && clear_user(dst + common, usize - common))
		return -EFAULT;
	return 0;
}

long vmpl_sgx_ioc_get_info(struct file *file, void __user *arg, unsigned int usize)
{
	struct vmpl_sgx_info info;
	struct seh_limits lim;

	memset(&info, 0, sizeof(info));
	vmpl_sgx_seh_limits_info(&lim);
	info.size = min_t(u32, usize, sizeof(info));
	info.api_version = VMPL_SGX_API_VERSION;
	info.seh_protocol = VMPL_SGX_SEH_PROTOCOL;
	info.seh_version = lim.version;
	info.transport = vmpl_sgx_seh_transport_id();
	info.capabilities = lim.capabilities;
	info.max_pages_per_call = lim.max_pages_per_call;
	info.max_run_buffer = lim.max_run_buffer;
	info.max_enclave_size = lim.max_enclave_size;
	return copy_extensible_to_user(arg, usize, &info, sizeof(info));
}

/* --------------------------------------------------------------- RUN */

static void run_free_pages(struct page **pages, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (pages[i])
			vmpl_sgx_free_page(pages[i]);
}

/* Zeroed pages: the SEH (in loopback a user-space process) sees all of them. */
static int run_alloc_pages(struct page **pages, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		pages[i] = vmpl_sgx_alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!pages[i])
			return -ENOMEM;
	}
	return 0;
}

static int run_copy_input(struct page **in, const struct vmpl_sgx_enclave_run *run)
{
	u32 off, chunk;
	int ret;

	ret = run_alloc_pages(in, DIV_ROUND_UP(run->input_len, PAGE_SIZE));
	if (ret)
		return ret;
	for (off = 0; off < run->input_len; off += chunk) {
		chunk = min_t(u32, PAGE_SIZE, run->input_len - off);
		if (copy_from_user(page_address(in[off >> PAGE_SHIFT]),
				   u64_to_user_ptr(run->input + off), chunk))
			return -EFAULT;
	}
	vmpl_sgx_stat_add(VMPL_SGX_STAT_BYTES_IN, run->input_len);
	return 0;
}

/* Step 8, second half: the whole output range must be writable user memory. */
static int run_check_output(const struct vmpl_sgx_enclave_run *run)
{
	char __user *out = u64_to_user_ptr(run->output);

	if (!run->output_capacity)
		return 0;
	if (!access_ok(out, run->output_capacity) ||
	    fault_in_safe_writeable(out, run->output_capacity))
		return -EFAULT;
	return 0;
}

/* Copy @len bytes of output from the call's writable pages to user space. */
static int run_copy_output(const struct seh_call *c, u64 output, u32 len)
{
	unsigned int i;
	u32 off = 0, chunk;
	unsigned long left;
	void *src;

	for (i = 0; i < c->npages && off < len; i++) {
		if (!c->pages[i].writable)
			continue;
		chunk = min_t(u32, PAGE_SIZE, len - off);
		src = kmap_local_page(c->pages[i].page);
		left = copy_to_user(u64_to_user_ptr(output + off), src, chunk);
		kunmap_local(src);
		if (left)
			return -EFAULT;
		off += chunk;
	}
	vmpl_sgx_stat_add(VMPL_SGX_STAT_BYTES_OUT, off);
	return off == len ? 0 : -EFAULT;
}

/*
 * Step 9: whether @run asks for the entry parked in @c (interrupted, or its
 * exit not copied out): the same function, call, lengths and input bytes.
 */
static bool run_resumes(const struct seh_call *c,
			const struct vmpl_sgx_enclave_run *run, struct page **in)
{
	const struct vmpl_sgx_seh_enter_req *req = (const void *)c->req;
	u32 off, chunk;
	unsigned int i;

	if (c->entry_function != run->function || req->call_id != run->call_id ||
	    req->input_len != run->input_len ||
	    req->output_capacity != run->output_capacity)
		return false;
	/* The input pages come first in the call's page table. */
	for (i = 0, off = 0; off < run->input_len; i++, off += chunk) {
		chunk = min_t(u32, PAGE_SIZE, run->input_len - off);
		if (i >= c->npages || c->pages[i].writable ||
		    memcmp(page_address(c->pages[i].page), page_address(in[i]), chunk))
			return false;
	}
	return true;
}

/* Step 11: the fields RUN writes back after an exit. */
static void run_write_back(struct vmpl_sgx_enclave_run *run,
			   const struct vmpl_sgx_seh_enter_rsp *rsp,
			   const struct vmpl_sgx_seh_enter_fault *fault)
{
	bool exception = rsp->exit_kind == VMPL_SGX_EXIT_EXCEPTION;

	if (!exception)
		run->function = VMPL_SGX_ENCLU_EEXIT;
	run->exception_vector = exception ? rsp->exception_vector : 0;
	run->exception_error_code = exception ? rsp->exception_error_code : 0;
	run->exception_addr = exception ? rsp->exception_addr : 0;
	run->exception_rip = exception ? fault->exception_rip : 0;
	if (rsp->exit_kind == VMPL_SGX_EXIT_OCALL)
		run->call_id = rsp->call_id;
	run->exit_kind = rsp->exit_kind;
	run->output_len = rsp->output_len;
	run->retval = rsp->exit_kind == VMPL_SGX_EXIT_NORMAL ? rsp->retval : 0;
}

/*
 * VMPL_SGX_RUN_CANCEL: give up the entry parked on the TCS (a slice still at
 * the gate is abandoned there) and have the SEH drop it and any ocall it
 * waits for. Nothing is written back.
 */
static long run_cancel(struct vmpl_sgx_encl *encl, const struct vmpl_sgx_enclave_run *run)
{
	unsigned long index = (run->tcs - encl->base) >> PAGE_SHIFT;
	struct seh_call *parked;
	bool lost = false;
	int ret;

	ret = vmpl_sgx_encl_tcs_claim(encl, index, &parked);		/* 9 */
	if (ret)
		return ret;
	vmpl_sgx_seh_call_abandon(parked);
	ret = vmpl_sgx_seh_enter_abandon(encl->session, encl->handle,
					 run->tcs - encl->base, &lost);
	vmpl_sgx_encl_tcs_unclaim(encl, index, NULL);
	if (lost)
		vmpl_sgx_encl_mark_broken(encl);
	if (!ret)
		vmpl_sgx_stat_add(VMPL_SGX_STAT_CANCELLED, 1);
	return ret;
}

long vmpl_sgx_ioc_enclave_run(struct file *file, void __user *arg)
{
	struct vmpl_sgx_encl *encl = file->private_data;
	struct page *in[VMPL_SGX_SEH_RUN_PAGES] = {};
	struct page *out[VMPL_SGX_SEH_RUN_PAGES] = {};
	struct vmpl_sgx_seh_enter_rsp rsp;
	struct vmpl_sgx_seh_enter_fault fault = {};
	struct vmpl_sgx_enclave_run run;
	struct seh_call *c = NULL;
	struct seh_limits lim;
	unsigned long index;
	bool lost = false;
	long ret;

	ret = vmpl_sgx_encl_check_entry(encl);				/* 1, 2 */
	if (ret)
		return ret;
	if (copy_from_user(&run, arg, sizeof(run)))		/* 3 */
		return -EFAULT;
	if (!vmpl_sgx_enclave_run_reserved_clear(&run) ||		/* 4 */
	    run.flags & ~VMPL_SGX_RUN_CANCEL)
		return -EINVAL;
	if (!(run.flags & VMPL_SGX_RUN_CANCEL) &&			/* 5 */
	    run.function != VMPL_SGX_ENCLU_EENTER &&
	    run.function != VMPL_SGX_ENCLU_ERESUME)
		return -EINVAL;
	if (run.tcs < encl->base || run.tcs - encl->base >= encl->size || /* 6 */
	    !PAGE_ALIGNED(run.tcs))
		return -EINVAL;
	ret = vmpl_sgx_seh_limits_get(encl->session, &lim);
	if (ret)
		return ret;
	if (run.flags & VMPL_SGX_RUN_CANCEL)
		return run_cancel(encl, &run);
	if (run.input_len > lim.max_run_buffer ||		/* 7 */
	    run.output_capacity > lim.max_run_buffer)
		return -E2BIG;
	ret = run_copy_input(in, &run);				/* 8 */
	if (ret)
		goto free;
	ret = run_check_output(&run);
	if (ret)
		goto free;
	ret = run_alloc_pages(out, DIV_ROUND_UP(run.output_capacity, PAGE_SIZE));
	if (ret)
		goto free;

	index = (run.tcs - encl->base) >> PAGE_SHIFT;
	ret = vmpl_sgx_encl_tcs_claim(encl, index, &c);		/* 9 */
	if (ret)
		goto free;
	if (c) {
		/* An entry is parked here: only the same RUN resumes it. */
		if (!run_resumes(c, &run, in)) {
			vmpl_sgx_encl_tcs_unclaim(encl, index, c);
			c = NULL;
			ret = -EALREADY;
			goto free;
		}
		vmpl_sgx_stat_add(VMPL_SGX_STAT_COLLECTED, 1);
	} else {
		c = vmpl_sgx_seh_enter_prepare(encl->session, encl->handle,
					       run.tcs - encl->base, run.function,
					       run.call_id, in, run.input_len, out,
					       run.output_capacity);
		if (IS_ERR(c)) {
			ret = PTR_ERR(c);
			c = NULL;
			vmpl_sgx_encl_tcs_unclaim(encl, index, NULL);
			goto free;
		}
	}
	ret = vmpl_sgx_seh_enter_finish(c, &rsp, &fault, &lost);	/* 10 */
	if (ret == -ERESTARTSYS) {
		/* The entry stays parked at the SEH; the same RUN resumes it. */
		vmpl_sgx_stat_add(VMPL_SGX_STAT_INTERRUPTED, 1);
		vmpl_sgx_encl_tcs_unclaim(encl, index, c);
		c = NULL;
		goto free;
	}
	if (lost)
		vmpl_sgx_encl_mark_broken(encl);
	if (ret) {
		vmpl_sgx_encl_tcs_unclaim(encl, index, NULL);
		goto put;
	}

	if (rsp.output_len > run.output_capacity)		/* 11 */
		ret = -ENOSPC;	/* only a collected call can have more */
	else
		ret = run_copy_output(c, run.output, rsp.output_len);
	if (!ret) {
		run_write_back(&run, &rsp, &fault);
		if (copy_to_user(arg, &run, sizeof(run)))
			ret = -EFAULT;
	}
	if (ret == -EFAULT) {
		/* The exit is not lost: it stays parked for the same RUN. */
		vmpl_sgx_encl_tcs_unclaim(encl, index, c);
		c = NULL;
		goto free;
	}
	vmpl_sgx_encl_tcs_unclaim(encl, index, NULL);
put:
	vmpl_sgx_seh_call_put(c);
free:
	run_free_pages(in, ARRAY_SIZE(in));
	run_free_pages(out, ARRAY_SIZE(out));
	return ret;
}
