// SPDX-License-Identifier: GPL-2.0
/*
 * The one SVSM calling path. Every SEH call, whatever the gate, goes through
 * vmpl_sgx_seh_call_run():
 *
 *   slice (interrupts off, one run of VMPL0):
 *     request -> this CPU's Calling Area buffer, call_pending = 1,
 *     RAX = (protocol << 32) | call, RCX, RDX = R8 = R9 = 0,
 *     save the GHCB MSR, write Run-VMPL0, VMGEXIT, read and restore the MSR,
 *     xchg(call_pending, 0), and on 0 the response out of the buffer;
 *   between slices (interrupts on): decide, continue, wait, cond_resched(),
 *     signals and the timeout.
 *
 * The decisions are NMI-safe: an NMI rewrites the GHCB MSR without restoring
 * it, so the MSR only tells a refused Run-VMPL apart when the call was not
 * taken. call_pending 0 means VMPL0 took and finished the call: RAX/RCX are
 * valid whatever the MSR reads. call_pending still 1 means the call never
 * reached the SEH (or VMPL0 was preempted before answering): it is issued
 * again, nothing is broken. Nothing stays in one CPU's Calling Area between
 * slices, so the thread may migrate.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "seh.h"
#include "stats.h"

static struct kmem_cache *seh_call_cache;

int vmpl_sgx_seh_call_cache_init(void)
{
	seh_call_cache = kmem_cache_create("vmpl_sgx_call", sizeof(struct seh_call),
					   0, SLAB_ACCOUNT, NULL);
	return seh_call_cache ? 0 : -ENOMEM;
}

void vmpl_sgx_seh_call_cache_exit(void)
{
	kmem_cache_destroy(seh_call_cache);
}

/* ------------------------------------------------------ call objects */

struct seh_call *vmpl_sgx_seh_call_alloc(u32 call_id, const void *req, u32 req_len)
{
	struct seh_call *c;

	if (req_len > sizeof(c->req))
		return NULL;
	c = kmem_cache_zalloc(seh_call_cache, GFP_KERNEL);
	if (!c)
		return NULL;
	vmpl_sgx_gauge_add(VMPL_SGX_GAUGE_CALLS, 1);
	kref_init(&c->ref);
	INIT_LIST_HEAD(&c->node);
	c->protocol = VMPL_SGX_SEH_PROTOCOL;
	c->call_id = call_id;
	c->req_len = req_len;
	c->rcx_in = req_len;
	if (req)
		memcpy(c->req, req, req_len);
	return c;
}

/*
 * The call keeps its own reference on @page until it is freed. A full table
 * is a module bug: the call fails rather than name a page it holds no
 * reference on.
 */
int vmpl_sgx_seh_call_attach_page(struct seh_call *c, struct page *page, bool writable)
{
	if (WARN_ON_ONCE(c->npages >= ARRAY_SIZE(c->pages)))
		return -EINVAL;
	get_page(page);
	vmpl_sgx_gauge_add(VMPL_SGX_GAUGE_PAGES, 1);
	c->pages[c->npages].page = page;
	c->pages[c->npages].writable = writable;
	c->npages++;
	if (writable)
		c->nwritable++;
	return 0;
}

void vmpl_sgx_seh_call_get(struct seh_call *c)
{
	kref_get(&c->ref);
}

static void seh_call_free(struct kref *ref)
{
	struct seh_call *c = container_of(ref, struct seh_call, ref);
	unsigned int i;

	for (i = 0; i < c->npages; i++)
		put_page(c->pages[i].page);
	vmpl_sgx_gauge_add(VMPL_SGX_GAUGE_PAGES, -(long)c->npages);
	kmem_cache_free(seh_call_cache, c);
	vmpl_sgx_gauge_add(VMPL_SGX_GAUGE_CALLS, -1);
}

void vmpl_sgx_seh_call_put(struct seh_call *c)
{
	if (c)
		kref_put(&c->ref, seh_call_free);
}

static unsigned long seh_timeout_jiffies(void)
{
	return msecs_to_jiffies(max(READ_ONCE(vmpl_sgx_seh_timeout_ms), 1U));
}

/* ------------------------------------------------------- one slice */

enum seh_slice {
	SEH_SLICE_DONE,		/* call_pending 0: the result registers are valid */
	SEH_SLICE_PENDING,	/* call_pending 1: not taken (yet); issue it again */
	SEH_SLICE_REFUSED,	/* call_pending 1 and the hypervisor refused Run-VMPL */
	SEH_SLICE_NO_CA,	/* this CPU's Calling Area is not where it was mapped */
	SEH_SLICE_BAD_RCX,	/* a response longer than the Calling Area buffer */
};

static bool seh_ghcb_refused(u64 resp)
{
	return (resp & VMPL_SGX_GHCB_INFO_MASK) == VMPL_SGX_GHCB_RUN_VMPL_RESP &&
	       (resp >> 32);
}

static enum seh_slice seh_slice(const struct seh_gate *g, struct seh_call *c)
{
	struct vmpl_sgx_svsm_regs regs = {
		.rax = ((u64)c->protocol << 32) | c->call_id,
		.rcx = c->rcx_in,
	};
	enum seh_slice ret = SEH_SLICE_DONE;
	struct vmpl_sgx_ca *ca;
	unsigned long flags;
	u64 resp;
	u8 pending;

	local_irq_save(flags);
	ca = vmpl_sgx_caa_this(g);
	if (!ca) {
		ret = SEH_SLICE_NO_CA;
		goto out;
	}
	memcpy(ca->VMPL_SGX_CA_BUFFER, c->req, c->req_len);
	WRITE_ONCE(ca->call_pending, 1);
	resp = g->vmgexit(VMPL_SGX_GHCB_RUN_VMPL0_REQ, &regs, c);
	pending = xchg(&ca->call_pending, 0);

	if (pending) {
		ret = seh_ghcb_refused(resp) ? SEH_SLICE_REFUSED : SEH_SLICE_PENDING;
		goto out;
	}
	c->result = regs.rax;
	c->rcx_out = regs.rcx;
	c->rsp_len = 0;
	if (c->protocol == VMPL_SGX_SEH_PROTOCOL) {
		if (regs.rcx > sizeof(ca->VMPL_SGX_CA_BUFFER)) {
			ret = SEH_SLICE_BAD_RCX;
			goto out;
		}
		memcpy(c->rsp, ca->VMPL_SGX_CA_BUFFER, regs.rcx);
		c->rsp_len = regs.rcx;
	}
out:
	local_irq_restore(flags);
	return ret;
}

/* --------------------------------------------------- the common loop */

static void seh_count_status(int status)
{
	switch (status) {
	case -ETIMEDOUT:
		vmpl_sgx_stat_add(VMPL_SGX_STAT_TIMEOUTS, 1);
		break;
	case -EIO:
		vmpl_sgx_stat_add(VMPL_SGX_STAT_LOST, 1);
		break;
	case -EPROTO:
		vmpl_sgx_stat_add(VMPL_SGX_STAT_MALFORMED, 1);
		break;
	default:
		break;
	}
}

/* End the current try without an answer; the gate gives the call up. */
static int seh_call_fail(const struct seh_gate *g, struct seh_call *c, int status)
{
	if (g && g->withdraw && c->started)
		g->withdraw(c);
	c->started = false;
	seh_count_status(status);
	return status;
}

static bool seh_gate_ready(const struct seh_gate *g, struct seh_call *c)
{
	return g->answered(c) || !vmpl_sgx_seh_session_alive(c->session);
}

/*
 * Between two slices of a call VMPL0 has not answered yet. 0: run the next
 * slice; otherwise the status to return (the call keeps going only for
 * -ERESTARTSYS and for a detached wait).
 */
static int seh_call_wait(const struct seh_gate *g, struct seh_call *c,
			 enum seh_wait mode)
{
	unsigned long now = jiffies;
	long left = time_before(now, c->deadline) ? (long)(c->deadline - now) : 0;
	int status;
	long r;

	if (!g->wq) {
		/* Hardware: VMPL0 was preempted or never ran; issue it again. */
		if (fatal_signal_pending(current))
			r = -ERESTARTSYS;
		else if (mode == SEH_WAIT_INTERRUPTIBLE && signal_pending(current))
			r = -ERESTARTSYS;
		else
			r = left;
		if (r > 0) {
			cond_resched();
			return 0;
		}
	} else if (mode == SEH_WAIT_INTERRUPTIBLE) {
		r = wait_event_interruptible_timeout(*g->wq, seh_gate_ready(g, c), left);
	} else {
		r = wait_event_killable_timeout(*g->wq, seh_gate_ready(g, c), left);
	}
	if (r > 0)
		return 0;
	if (r < 0 && mode == SEH_WAIT_INTERRUPTIBLE)
		return -ERESTARTSYS;	/* the call keeps going: call again */
	status = r ? -EINTR : -ETIMEDOUT;
	if (mode == SEH_WAIT_DETACH) {
		/* Left with the gate: the SEH still gets it (vmpl_sgx_seh_call_detach()). */
		seh_count_status(status);
		return status;
	}
	if (g->withdraw && !g->withdraw(c))
		return 0;		/* the answer came in meanwhile: take it */
	c->started = false;
	seh_count_status(status);
	return status;
}

/* Only a call that did not reach VMPL0 at all can be issued again safely. */
static int seh_call_refused(struct seh_call *c)
{
	vmpl_sgx_stat_add(VMPL_SGX_STAT_REFUSED, 1);
	if (++c->refused > READ_ONCE(vmpl_sgx_seh_retries)) {
		pr_warn_ratelimited("the hypervisor refused Run-VMPL0 %u times\n", c->refused);
		return -EIO;
	}
	return 0;
}

/* A result has arrived: true when the call goes on (continuation or retry). */
static bool seh_call_again(struct seh_call *c)
{
	vmpl_sgx_stat_result(c->result);
	if (c->result == VMPL_SGX_SEH_RESULT_INCOMPLETE && c->cont && c->cont(c)) {
		vmpl_sgx_stat_add(VMPL_SGX_STAT_CONTINUED, 1);
		return true;	/* progress kept: not a retry */
	}
	if (!vmpl_sgx_seh_result_retry(c->result) ||
	    c->tries >= READ_ONCE(vmpl_sgx_seh_retries))
		return false;
	c->tries++;
	vmpl_sgx_stat_add(VMPL_SGX_STAT_RETRIES, 1);
	return true;
}

/**
 * vmpl_sgx_seh_call_run() - take a call to VMPL0 until it has a final result
 * @c: the call; may be one that returned -ERESTARTSYS before (it is resumed)
 * @mode: how signals and timeouts end the waits between slices
 *
 * Return: 0 when c->result holds VMPL0's result code, -ERESTARTSYS when a
 * signal interrupted an SEH_WAIT_INTERRUPTIBLE wait (the call keeps going:
 * call again to collect it), or a status listed at struct seh_gate.
 */
int vmpl_sgx_seh_call_run(struct seh_call *c, enum seh_wait mode)
{
	const struct seh_gate *g = vmpl_sgx_seh_gate_bound();
	int ret;

	for (;;) {
		if (!g || !vmpl_sgx_seh_session_alive(c->session))
			return seh_call_fail(g, c, -EIO);
		if (!c->started) {
			c->started = true;
			c->refused = 0;
			c->deadline = jiffies + seh_timeout_jiffies();
			/* Core protocol calls count as unknown ids, not as SEH calls. */
			vmpl_sgx_stat_call(c->protocol == VMPL_SGX_SEH_PROTOCOL ? c->call_id : U32_MAX);
		}
		switch (seh_slice(g, c)) {
		case SEH_SLICE_DONE:
			c->started = false;
			if (!seh_call_again(c))
				return 0;
			break;
		case SEH_SLICE_BAD_RCX:
			return seh_call_fail(g, c, -EPROTO);
		case SEH_SLICE_NO_CA:
			pr_warn_ratelimited("this CPU's Calling Area moved; the call fails\n");
			return seh_call_fail(g, c, -EIO);
		case SEH_SLICE_REFUSED:
			ret = seh_call_refused(c);
			if (ret)
				return seh_call_fail(g, c, ret);
			break;
		case SEH_SLICE_PENDING:
			ret = seh_call_wait(g, c, mode);
			if (ret)
				return ret;
			continue;
		}
		cond_resched();
		/* Between two slices of an ENTER its entry is parked at the SEH. */
		if (mode == SEH_WAIT_INTERRUPTIBLE && signal_pending(current))
			return -ERESTARTSYS;
		if (fatal_signal_pending(current) && !c->started)
			return seh_call_fail(g, c, -EINTR);
	}
}

/* Give up a call the caller no longer waits for. */
void vmpl_sgx_seh_call_abandon(struct seh_call *c)
{
	const struct seh_gate *g = vmpl_sgx_seh_gate_bound();

	if (!c)
		return;
	if (c->started && g && g->abandon)
		g->abandon(c, false);
	vmpl_sgx_seh_call_put(c);
}

/* Leave a call with the gate: the SEH still gets it, nobody waits for it. */
void vmpl_sgx_seh_call_detach(struct seh_call *c)
{
	const struct seh_gate *g = vmpl_sgx_seh_gate_bound();

	if (c->started && g && g->abandon)
		g->abandon(c, true);
	vmpl_sgx_seh_call_put(c);
}

/* Core QUERY_PROTOCOL (protocol 0, call 6) for the SEH's protocol. */
int vmpl_sgx_seh_core_query_protocol(u64 session, u32 *min, u32 *max)
{
	struct seh_call *c = vmpl_sgx_seh_call_alloc(VMPL_SGX_SVSM_CORE_QUERY_PROTOCOL, NULL, 0);
	int ret;

	if (!c)
		return -ENOMEM;
	c->protocol = 0;
	c->rcx_in = ((u64)VMPL_SGX_SEH_PROTOCOL << 32) | VMPL_SGX_SEH_VERSION;
	c->session = session;
	ret = vmpl_sgx_seh_call_run(c, SEH_WAIT_KILLABLE);
	if (!ret && c->result)
		ret = -EPROTO;
	if (!ret) {
		*min = lower_32_bits(c->rcx_out);
		*max = upper_32_bits(c->rcx_out);
	}
	vmpl_sgx_seh_call_put(c);
	return ret;
}
