/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SEH calls: one call abstraction shared by every transport, the request
 * builders of the SEH protocol, result mapping, retries and the limits
 * negotiated with the SEH.
 *
 * A call is the request bytes that go into the Calling Area buffer, the call
 * number, and a table of module-owned pages named by guest-physical address
 * (each readable, or writable by the SEH). A transport delivers it and fills
 * in the result code (RAX) and the response bytes.
 */
#ifndef VMPL_SGX_SEH_H
#define VMPL_SGX_SEH_H

#include <linux/build_bug.h>
#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/types.h>

#include <linux/vmpl_sgx.h>
#include "seh_abi.h"

static_assert(VMPL_SGX_LB_MAX_PAGES >= VMPL_SGX_SEH_MAX_PAGES_PER_CALL);
static_assert(VMPL_SGX_LB_MAX_PAGES >= 2 * VMPL_SGX_SEH_RUN_PAGES);
static_assert(VMPL_SGX_SEH_RUN_PAGES * PAGE_SIZE == VMPL_SGX_RUN_BUFFER_MAX);

#define SEH_KNOWN_CAPS \
	(VMPL_SGX_CAP_RUN | VMPL_SGX_CAP_OCALL | VMPL_SGX_CAP_EXCEPTION_INFO)

/* Module parameters (main.c). */
extern unsigned int vmpl_sgx_seh_timeout_ms;
extern unsigned int vmpl_sgx_max_pages_per_call;
extern unsigned int vmpl_sgx_seh_retries;

struct seh_page {
	struct page *page;
	bool writable;
};

/* Where a call is in a queueing transport (loopback); svsm only uses IDLE/DONE. */
enum seh_call_state {
	SEH_CALL_IDLE,		/* not submitted */
	SEH_CALL_QUEUED,	/* waiting for the SEH to read it */
	SEH_CALL_INFLIGHT,	/* read by the SEH, waiting for its answer */
	SEH_CALL_COMPLETING,	/* an answer is being taken in */
	SEH_CALL_DONE,		/* status (and result) final for this try */
};

struct seh_call {
	struct kref ref;
	u32 call_id;
	u32 req_len;
	u64 session;		/* transport session the call belongs to */

	/* Outcome of the current try, valid once @done completed. */
	int status;		/* 0: @result/@rsp valid; <0: transport failure */
	u64 result;		/* RAX from the SEH */
	u32 rsp_len;		/* RCX from the SEH */
	struct completion done;

	/* Bookkeeping of seh_call_run(). */
	bool submitted;
	unsigned int tries;
	unsigned long deadline;	/* jiffies */

	/* Owned by the transport while submitted. */
	enum seh_call_state state;
	struct list_head node;
	u64 seq;

	unsigned int npages;
	unsigned int nwritable;
	struct seh_page pages[VMPL_SGX_LB_MAX_PAGES];
	u8 req[VMPL_SGX_SEH_CAA_BUFFER_SIZE];
	u8 rsp[VMPL_SGX_SEH_CAA_BUFFER_SIZE];
};

/*
 * Transport status values (seh_call.status and seh_call_run()):
 *   -EIO        no SEH attached, or it went away (its session ended)
 *   -ETIMEDOUT  no answer within seh_timeout_ms; the call was abandoned
 *   -EINTR      a fatal signal ended the wait; the call was abandoned
 *   -EPROTO     the answer broke the protocol (malformed, handshake failed)
 *   -ECANCELED  the caller gave the call up
 * Only -EIO leaves the SEH's state known (nothing happened, or the SEH is gone).
 */
struct seh_transport {
	const char *name;
	u32 id;				/* VMPL_SGX_TRANSPORT_* */
	/* Probe and bind; on failure set *why to one short reason. */
	int (*init)(const char **why);
	void (*exit)(void);
	/* Current session: 0 while no SEH is attached. */
	u64 (*session)(void);
	/*
	 * Deliver @c in session c->session. Returns -EIO (without taking the
	 * call) when that session is not live; otherwise 0, and c->done
	 * completes once c->status is final (maybe before submit returns).
	 */
	int (*submit)(struct seh_call *c);
	/*
	 * Take back a submitted call that has not been answered: complete it
	 * with @status and return true. With @queued_only, only a call the SEH
	 * has not read yet is taken back. False: it completes on its own.
	 */
	bool (*cancel)(struct seh_call *c, int status, bool queued_only);
};

extern const struct seh_transport seh_transport_svsm;
extern const struct seh_transport seh_transport_loopback;

/* Limits in force for one session (GET_INFO reports them). */
struct seh_limits {
	u64 session;		/* 0: module defaults, nothing negotiated */
	u32 version;
	u32 max_pages_per_call;
	u32 max_run_buffer;
	u64 capabilities;
	u64 max_enclave_size;
};

enum seh_wait {
	SEH_WAIT_KILLABLE,	/* only a fatal signal ends the wait (call taken back) */
	SEH_WAIT_INTERRUPTIBLE,	/* any signal ends the wait, the call keeps going */
	SEH_WAIT_DETACH,	/* as KILLABLE, but a call not answered in time is
				 * left with the transport instead of taken back */
};

/* Binding a transport; main.c. */
int seh_bind(const struct seh_transport *t, const char **why);
void seh_unbind(void);
u32 seh_transport_id(void);
u64 seh_session(void);
bool seh_session_alive(u64 session);
int seh_negotiate_now(void);

/* Limits: defaults or negotiated for the live session (may talk to the SEH). */
void seh_limits_info(struct seh_limits *lim);
/* Limits of @session, negotiating first if needed; -EIO if it is not usable. */
int seh_limits_get(u64 session, struct seh_limits *lim);

/* Calls, for transports and the request builders. */
struct seh_call *seh_call_alloc(u32 call_id, const void *req, u32 req_len);
void seh_call_attach_page(struct seh_call *c, struct page *page, bool writable);
void seh_call_get(struct seh_call *c);
void seh_call_put(struct seh_call *c);
void seh_call_finish(struct seh_call *c, int status);
int seh_call_run(struct seh_call *c, enum seh_wait mode);
void seh_call_abandon(struct seh_call *c);
unsigned long seh_timeout_jiffies(void);

/*
 * Request builders. Each returns 0 or a negative errno for user space. *lost
 * is set when the SEH's state is unknown afterwards (timeout, abandoned call,
 * protocol violation): the enclave must then be treated as broken.
 */
int seh_create(struct page *secs, u64 *session, u64 *handle, bool *lost);
int seh_add_pages(u64 session, u64 handle, struct page **pages,
		  unsigned int n, u64 offset, u32 secinfo_flags, u32 desc_flags,
		  unsigned int *done, bool *lost);
int seh_init(u64 session, u64 handle, struct page *sigstruct,
	     struct vmpl_sgx_seh_init_rsp *rsp, bool *lost);
struct seh_call *seh_enter_prepare(u64 session, u64 handle, u64 tcs_offset,
				   u32 function, u32 call_id,
				   struct page **in, u32 input_len,
				   struct page **out, u32 output_capacity);
int seh_enter_finish(struct seh_call *c, struct vmpl_sgx_seh_enter_rsp *rsp,
		     bool *lost);
int seh_destroy(u64 session, u64 handle);

#endif /* VMPL_SGX_SEH_H */
