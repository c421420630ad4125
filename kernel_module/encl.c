// SPDX-License-Identifier: GPL-2.0
/*
 * Enclave objects: ownership, the busy lock, the broken rule, bounce pages
 * and the per-TCS running set, and teardown (DESTROY in the SEH).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "encl.h"
#include "quota.h"
#include "stats.h"

/* Created enclaves, so that the end of their SEH session can mark them broken. */
static DEFINE_SPINLOCK(encl_list_lock);
static LIST_HEAD(encl_list);

struct vmpl_sgx_encl *vmpl_sgx_encl_alloc(void)
{
	struct vmpl_sgx_encl *encl;

	encl = kzalloc(sizeof(*encl), GFP_KERNEL_ACCOUNT);
	if (!encl)
		return NULL;
	vmpl_sgx_gauge_add(VMPL_SGX_GAUGE_ENCLAVES, 1);
	encl->owner = get_pid(task_tgid(current));
	encl->quota_uid = current_uid();
	mutex_init(&encl->lock);
	mutex_init(&encl->run_lock);
	xa_init(&encl->tcs);
	INIT_LIST_HEAD(&encl->node);
	encl->state = ENCL_NEW;
	return encl;
}

/* CREATE succeeded: the enclave lives in encl->session from now on. */
void vmpl_sgx_encl_created(struct vmpl_sgx_encl *encl)
{
	spin_lock(&encl_list_lock);
	list_add(&encl->node, &encl_list);
	spin_unlock(&encl_list_lock);
}

/* The SEH of @session went away: its enclaves are broken, and counted so. */
void vmpl_sgx_encl_session_ended(u64 session)
{
	struct vmpl_sgx_encl *encl;

	spin_lock(&encl_list_lock);
	list_for_each_entry(encl, &encl_list, node)
		if (encl->session == session)
			vmpl_sgx_encl_mark_broken(encl);
	spin_unlock(&encl_list_lock);
}

/* Last close: give up interrupted RUNs, DESTROY in the SEH, free everything. */
void vmpl_sgx_encl_release(struct vmpl_sgx_encl *encl)
{
	struct encl_tcs *t;
	unsigned long index;
	unsigned int i;
	int ret;

	xa_for_each(&encl->tcs, index, t) {
		vmpl_sgx_seh_call_abandon(t->pending);
		kfree(t);
	}
	xa_destroy(&encl->tcs);

	spin_lock(&encl_list_lock);
	list_del(&encl->node);
	spin_unlock(&encl_list_lock);

	if (encl->state >= ENCL_CREATED) {
		if (vmpl_sgx_seh_session_alive(encl->session)) {
			ret = vmpl_sgx_seh_destroy(encl->session, encl->handle);
			if (ret)
				pr_warn_ratelimited("DESTROY of enclave 0x%llx failed (%d)\n",
						    encl->handle, ret);
		}
		vmpl_sgx_stat_add(VMPL_SGX_STAT_ENCLAVES_DESTROYED, 1);
	}

	vmpl_sgx_quota_uncharge(encl->quota_uid, encl->quota_pages);
	for (i = 0; i < encl->nbounce; i++)
		vmpl_sgx_free_page(encl->bounce[i]);
	put_pid(encl->owner);
	mutex_destroy(&encl->run_lock);
	mutex_destroy(&encl->lock);
	kfree(encl);
	vmpl_sgx_gauge_add(VMPL_SGX_GAUGE_ENCLAVES, -1);
}

bool vmpl_sgx_encl_is_owner(const struct vmpl_sgx_encl *encl)
{
	return encl->owner == task_tgid(current);
}

static int encl_state(struct vmpl_sgx_encl *encl)
{
	return smp_load_acquire(&encl->state);
}

/* Publishes everything written before it (handle, base, size, ...). */
void vmpl_sgx_encl_set_state(struct vmpl_sgx_encl *encl, int state)
{
	smp_store_release(&encl->state, state);
}

/*
 * Broken: marked so after a call whose outcome is unknown, or created in an
 * SEH session that has ended (the loopback SEH closed its device or died).
 */
bool vmpl_sgx_encl_is_broken(struct vmpl_sgx_encl *encl)
{
	if (test_bit(ENCL_BROKEN, &encl->flags))
		return true;
	return encl_state(encl) >= ENCL_CREATED &&
	       !vmpl_sgx_seh_session_alive(encl->session);
}

/* Steps 1-2 of RUN and QUOTE: owner, not broken, initialized. Takes no lock. */
int vmpl_sgx_encl_check_entry(struct vmpl_sgx_encl *encl)
{
	if (!vmpl_sgx_encl_is_owner(encl))
		return -EPERM;
	if (vmpl_sgx_encl_is_broken(encl))
		return -EIO;
	if (encl_state(encl) != ENCL_INITIALIZED)
		return -EINVAL;
	return 0;
}

void vmpl_sgx_encl_mark_broken(struct vmpl_sgx_encl *encl)
{
	if (!test_and_set_bit(ENCL_BROKEN, &encl->flags))
		vmpl_sgx_stat_add(VMPL_SGX_STAT_BROKEN, 1);
}

/* Make sure @n bounce pages exist; called with encl->lock held. */
int vmpl_sgx_encl_bounce_reserve(struct vmpl_sgx_encl *encl, unsigned int n)
{
	struct page *page;

	n = min_t(unsigned int, n, ARRAY_SIZE(encl->bounce));
	while (encl->nbounce < n) {
		page = vmpl_sgx_alloc_page(GFP_KERNEL_ACCOUNT);
		if (!page)
			return -ENOMEM;
		encl->bounce[encl->nbounce++] = page;
	}
	return 0;
}

/*
 * Mark the TCS at @index running. -EBUSY if a RUN is already active on it.
 * *pending receives an interrupted call of an earlier RUN to collect, if any.
 */
int vmpl_sgx_encl_tcs_claim(struct vmpl_sgx_encl *encl, unsigned long index,
		   struct seh_call **pending)
{
	struct encl_tcs *t;
	int ret = 0;

	*pending = NULL;
	mutex_lock(&encl->run_lock);
	t = xa_load(&encl->tcs, index);
	if (t) {
		if (t->running) {
			ret = -EBUSY;
		} else {
			t->running = true;
			*pending = t->pending;
			t->pending = NULL;
		}
		goto out;
	}
	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t) {
		ret = -ENOMEM;
		goto out;
	}
	t->running = true;
	ret = xa_err(xa_store(&encl->tcs, index, t, GFP_KERNEL_ACCOUNT));
	if (ret)
		kfree(t);
out:
	mutex_unlock(&encl->run_lock);
	return ret;
}

/* End the RUN on @index; keep @pending (may be NULL) for the next RUN to collect. */
void vmpl_sgx_encl_tcs_unclaim(struct vmpl_sgx_encl *encl, unsigned long index,
		      struct seh_call *pending)
{
	struct encl_tcs *t;

	mutex_lock(&encl->run_lock);
	t = xa_load(&encl->tcs, index);
	if (t) {
		t->running = false;
		t->pending = pending;
		if (!pending) {
			xa_erase(&encl->tcs, index);
			kfree(t);
		}
	}
	mutex_unlock(&encl->run_lock);
}
