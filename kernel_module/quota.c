// SPDX-License-Identifier: GPL-2.0
/*
 * The per-user cap on SEH memory: the pages the SEH holds for the enclaves of
 * one user (each SECS and every added page). That memory is VMPL0's, which no
 * memory cgroup or rlimit of the guest sees, and it is shared by all users.
 * Pages are charged to the user who opened the enclave's file before CREATE
 * and each ADD_PAGES batch go to the SEH, given back for what the SEH did not
 * take, and released when the file is closed. seh_pages_per_user = 0: no cap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "quota.h"

struct quota_user {
	struct hlist_node node;
	kuid_t uid;
	u64 pages;
};

static DEFINE_HASHTABLE(quota_users, 6);
static DEFINE_SPINLOCK(quota_lock);

static struct quota_user *quota_find(kuid_t uid)
{
	struct quota_user *u;

	hash_for_each_possible(quota_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/**
 * vmpl_sgx_quota_charge() - charge up to @want pages to @uid within the cap
 * @uid: the user
 * @want: pages wanted
 * @got: pages granted, at most @want (fewer when the cap is near)
 *
 * Return: 0 with *got > 0 (or @want 0), -EDQUOT when the user has no page
 * left under seh_pages_per_user, -ENOMEM.
 */
int vmpl_sgx_quota_charge(kuid_t uid, u64 want, u64 *got)
{
	u64 cap = READ_ONCE(vmpl_sgx_seh_pages_per_user);
	struct quota_user *u, *fresh = NULL;
	u64 grant;

	*got = 0;
	if (!want)
		return 0;
again:
	spin_lock(&quota_lock);
	u = quota_find(uid);
	if (!u && !fresh) {
		spin_unlock(&quota_lock);
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh)
			return -ENOMEM;
		goto again;
	}
	if (!u) {
		u = fresh;
		fresh = NULL;
		u->uid = uid;
		hash_add(quota_users, &u->node, __kuid_val(uid));
	}
	grant = !cap ? want : u->pages >= cap ? 0 : min(want, cap - u->pages);
	u->pages += grant;
	if (!u->pages) {
		hash_del(&u->node);
		fresh = u;
	}
	spin_unlock(&quota_lock);
	kfree(fresh);
	*got = grant;
	return grant ? 0 : -EDQUOT;
}

/* Give back @pages charged to @uid. */
void vmpl_sgx_quota_uncharge(kuid_t uid, u64 pages)
{
	struct quota_user *u, *gone = NULL;

	if (!pages)
		return;
	spin_lock(&quota_lock);
	u = quota_find(uid);
	if (!WARN_ON_ONCE(!u || u->pages < pages)) {
		u->pages -= pages;
		if (!u->pages) {
			hash_del(&u->node);
			gone = u;
		}
	}
	spin_unlock(&quota_lock);
	kfree(gone);
}
