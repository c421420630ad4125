/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One enclave per open file of /dev/vmpl_sgx: its owner, state, SEH handle,
 * the lock that serializes CREATE/ADD_PAGES/INIT, the bounce pages of page
 * batches and the set of TCS pages a RUN is active on.
 */
#ifndef VMPL_SGX_ENCL_H
#define VMPL_SGX_ENCL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include "seh.h"

enum encl_state {
	ENCL_NEW,		/* nothing created in the SEH yet */
	ENCL_CREATED,		/* CREATE done: pages may be added */
	ENCL_INITIALIZED,	/* INIT done: RUN allowed */
};

/* Bits of vmpl_sgx_encl.flags. */
#define ENCL_BROKEN 0		/* the SEH's state of this enclave is unknown */

struct vmpl_sgx_encl {
	struct pid *owner;	/* thread group that opened the file */
	struct list_head node;	/* on the list of created enclaves */
	struct mutex lock;	/* CREATE, ADD_PAGES, INIT; only ever trylocked */
	int state;		/* enum encl_state; read with acquire (encl.c) */
	unsigned long flags;

	/*
	 * Set by CREATE (under lock), read by RUN and QUOTE after
	 * vmpl_sgx_encl_check_entry().
	 */
	u64 session;		/* SEH session the enclave lives in */
	u64 handle;		/* SEH handle */
	u64 base;
	u64 size;
	u64 attributes;
	/* The SEH pages this enclave holds, charged to the opener (quota.c). */
	kuid_t quota_uid;
	u64 quota_pages;	/* under lock */

	/* ADD_PAGES bounce pages, allocated on first use (under lock). */
	struct page *bounce[VMPL_SGX_SEH_MAX_PAGES_PER_CALL];
	unsigned int nbounce;

	/* TCS page index (offset >> PAGE_SHIFT) -> struct encl_tcs. */
	struct mutex run_lock;
	struct xarray tcs;
};

/* A TCS that a RUN is active on, or whose interrupted call awaits collection. */
struct encl_tcs {
	bool running;
	struct seh_call *pending;	/* ENTER still going after -ERESTARTSYS */
};

struct vmpl_sgx_encl *vmpl_sgx_encl_alloc(void);
void vmpl_sgx_encl_release(struct vmpl_sgx_encl *encl);
void vmpl_sgx_encl_created(struct vmpl_sgx_encl *encl);
void vmpl_sgx_encl_session_ended(u64 session);

bool vmpl_sgx_encl_is_owner(const struct vmpl_sgx_encl *encl);
bool vmpl_sgx_encl_is_broken(struct vmpl_sgx_encl *encl);
void vmpl_sgx_encl_mark_broken(struct vmpl_sgx_encl *encl);
int vmpl_sgx_encl_check_entry(struct vmpl_sgx_encl *encl);
void vmpl_sgx_encl_set_state(struct vmpl_sgx_encl *encl, int state);

int vmpl_sgx_encl_bounce_reserve(struct vmpl_sgx_encl *encl, unsigned int n);

int vmpl_sgx_encl_tcs_claim(struct vmpl_sgx_encl *encl, unsigned long index,
		   struct seh_call **pending);
void vmpl_sgx_encl_tcs_unclaim(struct vmpl_sgx_encl *encl, unsigned long index,
		      struct seh_call *pending);

#endif /* VMPL_SGX_ENCL_H */
