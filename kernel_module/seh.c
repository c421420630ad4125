// SPDX-License-Identifier: GPL-2.0
/*
 * The SEH protocol above the common calling path (seh_call.c): binding the
 * gate, result mapping through the spec's table, the QUERY negotiation of
 * limits per SEH session, and the request builders with their continuations.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/version.h>

#include "encl.h"
#include "seh.h"
#include "stats.h"

static const struct seh_gate *seh_g;

static DEFINE_MUTEX(seh_neg_lock);	/* one QUERY at a time */
static DEFINE_SPINLOCK(seh_lim_lock);	/* protects seh_lim and seh_neg_failed */
static struct seh_limits seh_lim;	/* limits of session seh_lim.session */
static u64 seh_neg_failed;		/* session whose QUERY failed */

/* ------------------------------------------------------------ binding */

/* What a gate needs of the platform: an SEV-SNP guest under an SVSM for the hardware gate. */
static int seh_check_platform(const struct seh_gate *g, const char **why)
{
	if (!g->needs_svsm)
		return 0;
	if (!cc_platform_has(CC_ATTR_GUEST_SEV_SNP)) {
		*why = "not an SEV-SNP guest";
		return -ENODEV;
	}
#ifndef VMPL_SGX_HAVE_SVSM
	*why = "this kernel has no SVSM guest support (needs MSR_SVSM_CAA, Linux >= 6.11)";
	return -ENODEV;
#else
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	/* snp_vmpl (0: no SVSM) is exported since 6.11. */
	if (!snp_vmpl) {
		*why = "the guest runs at VMPL0: there is no SVSM";
		return -ENODEV;
	}
#endif
	return 0;
#endif
}

/*
 * An SVSM answers at once: negotiate with its enclave service now
 * (QUERY_PROTOCOL, QUERY). The emulated gate's SEH comes later and is
 * negotiated with at its first GET_INFO or CREATE.
 */
static int seh_probe_service(const struct seh_gate *g, const char **why)
{
	struct seh_limits lim;

	if (!g->needs_svsm)
		return 0;
	if (vmpl_sgx_seh_limits_get(1, &lim)) {
		*why = "the SVSM's enclave service (protocol 0x5E) did not answer QUERY_PROTOCOL and QUERY";
		return -ENODEV;
	}
	pr_info("SVSM enclave service found (version %u)\n", lim.version);
	return 0;
}

int vmpl_sgx_seh_bind(const struct seh_gate *g, const char **why)
{
	int ret;

	ret = seh_check_platform(g, why);
	if (ret)
		return ret;
	ret = g->init ? g->init(why) : 0;
	if (ret)
		return ret;
	ret = vmpl_sgx_caa_map(g, why);
	if (ret)
		goto err_exit;
	WRITE_ONCE(seh_g, g);
	ret = seh_probe_service(g, why);
	if (ret)
		goto err_unmap;
	return 0;

err_unmap:
	WRITE_ONCE(seh_g, NULL);
	vmpl_sgx_caa_unmap();
err_exit:
	if (g->exit)
		g->exit();
	return ret;
}

void vmpl_sgx_seh_unbind(void)
{
	const struct seh_gate *g = seh_g;

	if (!g)
		return;
	WRITE_ONCE(seh_g, NULL);
	vmpl_sgx_caa_unmap();
	if (g->exit)
		g->exit();
}

const struct seh_gate *vmpl_sgx_seh_gate_bound(void)
{
	return READ_ONCE(seh_g);
}

u32 vmpl_sgx_seh_transport_id(void)
{
	return seh_g ? seh_g->id : VMPL_SGX_TRANSPORT_NONE;
}

static u64 seh_session(void)
{
	const struct seh_gate *g = READ_ONCE(seh_g);

	if (!g)
		return 0;
	return g->session ? g->session() : 1;
}

/* For the gate: the SEH of @session went away; its enclaves are broken. */
void vmpl_sgx_seh_session_ended(u64 session)
{
	vmpl_sgx_stat_add(VMPL_SGX_STAT_LOST, 1);
	vmpl_sgx_encl_session_ended(session);
}

bool vmpl_sgx_seh_session_alive(u64 session)
{
	return session && session == seh_session();
}

static const char *seh_call_name(u32 call_id)
{
	if (call_id < ARRAY_SIZE(vmpl_sgx_seh_call_names))
		return vmpl_sgx_seh_call_names[call_id];
	return "unknown";
}

/* ---------------------------------------------------- result handling */

static int seh_malformed(const struct seh_call *c, bool *lost, const char *what)
{
	pr_warn_ratelimited("SEH answered %s (result 0x%llx) with %s; the enclave is unusable\n",
			    seh_call_name(c->call_id), c->result, what);
	vmpl_sgx_stat_add(VMPL_SGX_STAT_MALFORMED, 1);
	*lost = true;
	return -EIO;
}

/* errno for a transport status; -EIO (no SEH, SEH gone) leaves the state known. */
static int seh_transport_errno(int status, bool *lost)
{
	switch (status) {
	case -EIO:
		return -EIO;
	case -ETIMEDOUT:
	case -EINTR:
		*lost = true;
		return status;
	default:
		*lost = true;
		return -EIO;
	}
}

/*
 * Generic SVSM codes may come from the SVSM itself, before any SEH work and
 * without a response (RCX may still hold the request length).
 */
static bool seh_result_generic(u64 result)
{
	return result && result < VMPL_SGX_SEH_RESULT_NO_MEMORY;
}

/* Run @c; on success its response must hold at least @rsp_min bytes. */
static int seh_exec(struct seh_call *c, enum seh_wait mode, u32 rsp_min,
		    bool *lost)
{
	int ret = vmpl_sgx_seh_call_run(c, mode);

	if (ret)
		return seh_transport_errno(ret, lost);
	ret = vmpl_sgx_seh_result_errno(c->result);
	if (!ret && c->rsp_len < rsp_min)
		return seh_malformed(c, lost, "a short response");
	return ret;
}

/* --------------------------------------------------------- negotiation */

static u32 seh_module_max_pages(void)
{
	return clamp_t(u32, vmpl_sgx_max_pages_per_call, 1,
		       VMPL_SGX_SEH_MAX_PAGES_PER_CALL);
}

static void seh_default_limits(struct seh_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->version = VMPL_SGX_SEH_VERSION;
	lim->max_pages_per_call = seh_module_max_pages();
	lim->max_run_buffer = VMPL_SGX_RUN_BUFFER_MAX;
}

/*
 * Every session starts as an SVSM client does, on every gate: the core
 * protocol's QUERY_PROTOCOL says which versions of the enclave service VMPL0
 * offers; then the service's own QUERY gives the limits.
 */
static int seh_query(u64 session, struct seh_limits *lim)
{
	struct vmpl_sgx_seh_query_req req = { .version = VMPL_SGX_SEH_VERSION };
	struct vmpl_sgx_seh_query_rsp rsp;
	struct seh_call *c;
	bool lost = false;
	u32 min, max;
	int ret;

	ret = vmpl_sgx_seh_core_query_protocol(session, &min, &max);
	if (ret)
		return ret;
	if (max < VMPL_SGX_SEH_MIN_VERSION || min > VMPL_SGX_SEH_VERSION) {
		pr_warn("VMPL0 offers enclave service versions %u..%u, this module %u..%u\n",
			min, max, VMPL_SGX_SEH_MIN_VERSION, VMPL_SGX_SEH_VERSION);
		return -EPROTO;
	}

	c = vmpl_sgx_seh_call_alloc(VMPL_SGX_SEH_CALL_QUERY, &req, sizeof(req));
	if (!c)
		return -ENOMEM;
	c->session = session;
	ret = seh_exec(c, SEH_WAIT_KILLABLE, sizeof(rsp), &lost);
	if (!ret)
		memcpy(&rsp, c->rsp, sizeof(rsp));
	vmpl_sgx_seh_call_put(c);
	if (ret)
		return ret;

	if (rsp.version < VMPL_SGX_SEH_MIN_VERSION ||
	    rsp.version > VMPL_SGX_SEH_VERSION) {
		pr_warn("SEH speaks protocol version %u, this module %u..%u\n",
			rsp.version, VMPL_SGX_SEH_MIN_VERSION, VMPL_SGX_SEH_VERSION);
		return -EPROTO;
	}
	if (!rsp.max_pages_per_call || rsp.reserved) {
		pr_warn("SEH QUERY response is malformed\n");
		return -EPROTO;
	}
	lim->session = session;
	lim->version = rsp.version;
	lim->max_pages_per_call = min(rsp.max_pages_per_call, seh_module_max_pages());
	lim->max_run_buffer = min_t(u32, rsp.max_run_buffer, VMPL_SGX_RUN_BUFFER_MAX);
	lim->capabilities = rsp.capabilities & SEH_KNOWN_CAPS;
	lim->max_enclave_size = rsp.max_enclave_size;
	return 0;
}

/* Look up the limits of @session; 1 found, 0 not negotiated, -EIO failed. */
static int seh_limits_lookup(u64 session, struct seh_limits *lim)
{
	int ret = 0;

	spin_lock(&seh_lim_lock);
	if (seh_lim.session == session) {
		*lim = seh_lim;
		ret = 1;
	} else if (seh_neg_failed == session) {
		ret = -EIO;
	}
	spin_unlock(&seh_lim_lock);
	return ret;
}

int vmpl_sgx_seh_limits_get(u64 session, struct seh_limits *lim)
{
	int ret;

	if (!vmpl_sgx_seh_session_alive(session))
		return -EIO;
	ret = seh_limits_lookup(session, lim);
	if (ret)
		return ret < 0 ? ret : 0;

	if (mutex_lock_killable(&seh_neg_lock))
		return -EINTR;
	ret = seh_limits_lookup(session, lim);
	if (ret) {
		mutex_unlock(&seh_neg_lock);
		return ret < 0 ? ret : 0;
	}
	ret = seh_query(session, lim);
	spin_lock(&seh_lim_lock);
	if (!ret)
		seh_lim = *lim;
	else if (ret != -EINTR)
		seh_neg_failed = session;
	spin_unlock(&seh_lim_lock);
	mutex_unlock(&seh_neg_lock);

	if (ret && ret != -EINTR) {
		pr_warn("SEH session %llu: QUERY failed (%d); its calls fail with -EIO\n",
			session, ret);
		ret = -EIO;
	}
	return ret;
}

void vmpl_sgx_seh_limits_info(struct seh_limits *lim)
{
	u64 session = seh_session();

	if (session && !vmpl_sgx_seh_limits_get(session, lim))
		return;
	seh_default_limits(lim);
}

/* ---------------------------------------------------- request builders */

int vmpl_sgx_seh_create(struct page *secs, u64 *session, u64 *handle, bool *lost)
{
	struct vmpl_sgx_seh_create_req req = { .secs_gpa = page_to_phys(secs) };
	struct vmpl_sgx_seh_create_rsp rsp;
	struct seh_limits lim;
	struct seh_call *c;
	u64 s = seh_session();
	int ret;

	ret = vmpl_sgx_seh_limits_get(s, &lim);
	if (ret)
		return ret;
	c = vmpl_sgx_seh_call_alloc(VMPL_SGX_SEH_CALL_CREATE, &req, sizeof(req));
	if (!c)
		return -ENOMEM;
	c->session = s;
	ret = vmpl_sgx_seh_call_attach_page(c, secs, false);
	if (!ret)
		ret = seh_exec(c, SEH_WAIT_KILLABLE, sizeof(rsp), lost);
	if (!ret) {
		memcpy(&rsp, c->rsp, sizeof(rsp));
		if (!rsp.handle)
			ret = seh_malformed(c, lost, "enclave handle 0");
	}
	vmpl_sgx_seh_call_put(c);
	if (!ret) {
		*session = s;
		*handle = rsp.handle;
	}
	return ret;
}

/*
 * ADD_PAGES continuation: the response says how many pages of this request
 * went in; the next request carries the rest, so nothing is added twice.
 */
static bool seh_add_pages_cont(struct seh_call *c)
{
	struct vmpl_sgx_seh_add_pages_req *req = (void *)c->req;
	struct vmpl_sgx_seh_add_pages_rsp rsp;

	if (c->rsp_len < sizeof(rsp))
		return false;
	memcpy(&rsp, c->rsp, sizeof(rsp));
	if (!rsp.done || rsp.done >= req->count)
		return false;
	memmove(req->pages, req->pages + rsp.done,
		(req->count - rsp.done) * sizeof(req->pages[0]));
	memset(req->pages + (req->count - rsp.done), 0,
	       rsp.done * sizeof(req->pages[0]));
	req->count -= rsp.done;
	c->progress += rsp.done;
	return true;
}

int vmpl_sgx_seh_add_pages(u64 session, u64 handle, struct page **pages,
		  unsigned int n, u64 offset, u32 secinfo_flags, u32 desc_flags,
		  unsigned int *done, bool *lost)
{
	struct vmpl_sgx_seh_add_pages_req *req;
	struct vmpl_sgx_seh_add_pages_rsp rsp = {};
	struct seh_call *c;
	unsigned int i;
	int ret;

	*done = 0;
	if (!n || n > VMPL_SGX_SEH_MAX_PAGES_PER_CALL)
		return -EINVAL;
	c = vmpl_sgx_seh_call_alloc(VMPL_SGX_SEH_CALL_ADD_PAGES, NULL, sizeof(*req));
	if (!c)
		return -ENOMEM;
	c->session = session;
	c->cont = seh_add_pages_cont;
	req = (struct vmpl_sgx_seh_add_pages_req *)c->req;
	req->handle = handle;
	req->count = n;
	for (i = 0; i < n; i++) {
		req->pages[i].offset = offset + (u64)i * PAGE_SIZE;
		req->pages[i].secinfo_flags = secinfo_flags;
		req->pages[i].flags = desc_flags;
		if (!pages)
			continue;	/* zero page: src_gpa stays 0 */
		req->pages[i].src_gpa = page_to_phys(pages[i]);
		ret = vmpl_sgx_seh_call_attach_page(c, pages[i], false);
		if (ret)
			goto out;
	}

	ret = vmpl_sgx_seh_call_run(c, SEH_WAIT_KILLABLE);
	if (ret) {
		ret = seh_transport_errno(ret, lost);
		goto out_progress;
	}
	ret = vmpl_sgx_seh_result_errno(c->result);
	if (seh_result_generic(c->result) &&
	    !(c->result == VMPL_SGX_SEH_RESULT_INCOMPLETE && c->rsp_len >= sizeof(rsp)))
		goto out_progress;	/* refused before the SEH added anything */
	if (c->rsp_len < sizeof(rsp)) {
		ret = seh_malformed(c, lost, "no ADD_PAGES response");
		goto out_progress;
	}
	memcpy(&rsp, c->rsp, sizeof(rsp));
	if (rsp.done > req->count || (!ret && rsp.done != req->count)) {
		ret = seh_malformed(c, lost, "an impossible page count");
		goto out_progress;
	}
	c->progress += rsp.done;
out_progress:
	*done = c->progress;
out:
	vmpl_sgx_seh_call_put(c);
	return ret;
}

int vmpl_sgx_seh_init(u64 session, u64 handle, struct page *sigstruct,
	     struct vmpl_sgx_seh_init_rsp *rsp, bool *lost)
{
	struct vmpl_sgx_seh_init_req req = {
		.handle = handle,
		.sigstruct_gpa = page_to_phys(sigstruct),
	};
	struct seh_call *c;
	int ret;

	c = vmpl_sgx_seh_call_alloc(VMPL_SGX_SEH_CALL_INIT, &req, sizeof(req));
	if (!c)
		return -ENOMEM;
	c->session = session;
	ret = vmpl_sgx_seh_call_attach_page(c, sigstruct, false);
	if (!ret)
		ret = seh_exec(c, SEH_WAIT_KILLABLE, sizeof(*rsp), lost);
	if (!ret)
		memcpy(rsp, c->rsp, sizeof(*rsp));
	vmpl_sgx_seh_call_put(c);
	return ret;
}

/*
 * ENTER continuation: the SEH parked the entry at the end of its slice
 * (INCOMPLETE, no response); the same request with CONTINUE runs it on.
 */
static bool seh_enter_cont(struct seh_call *c)
{
	struct vmpl_sgx_seh_enter_req *req = (void *)c->req;

	if (c->rsp_len)
		return false;
	req->function = VMPL_SGX_SEH_ENTER_OP_CONTINUE;
	c->progress++;
	return true;
}

struct seh_call *vmpl_sgx_seh_enter_prepare(u64 session, u64 handle, u64 tcs_offset,
				   u32 function, u32 call_id,
				   struct page **in, u32 input_len,
				   struct page **out, u32 output_capacity)
{
	unsigned int n_in = DIV_ROUND_UP(input_len, PAGE_SIZE);
	unsigned int n_out = DIV_ROUND_UP(output_capacity, PAGE_SIZE);
	struct vmpl_sgx_seh_enter_req *req;
	struct seh_call *c;
	unsigned int i;

	if (n_in > VMPL_SGX_SEH_RUN_PAGES || n_out > VMPL_SGX_SEH_RUN_PAGES)
		return ERR_PTR(-E2BIG);
	c = vmpl_sgx_seh_call_alloc(VMPL_SGX_SEH_CALL_ENTER, NULL, sizeof(*req));
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->session = session;
	c->cont = seh_enter_cont;
	c->entry_function = function;
	req = (struct vmpl_sgx_seh_enter_req *)c->req;
	req->handle = handle;
	req->tcs_offset = tcs_offset;
	req->function = function;
	req->call_id = call_id;
	req->input_len = input_len;
	req->output_capacity = output_capacity;
	for (i = 0; i < n_in; i++) {
		req->input_gpa[i] = page_to_phys(in[i]);
		if (vmpl_sgx_seh_call_attach_page(c, in[i], false))
			goto full;
	}
	for (i = 0; i < n_out; i++) {
		req->output_gpa[i] = page_to_phys(out[i]);
		if (vmpl_sgx_seh_call_attach_page(c, out[i], true))
			goto full;
	}
	return c;
full:
	vmpl_sgx_seh_call_put(c);
	return ERR_PTR(-EINVAL);
}

/*
 * Run (or keep waiting for, continue, or re-read) an ENTER call, slice after
 * slice. -ERESTARTSYS: a signal arrived; the entry stays parked (at the SEH
 * between slices, or with its slice at the gate): call again to resume it.
 * On success the output is in the call's writable pages, rsp->output_len
 * bytes of it, and *fault holds the seh_enter_fault that follows the
 * response (zero if the SEH sent none); a re-read gives the same both.
 */
int vmpl_sgx_seh_enter_finish(struct seh_call *c, struct vmpl_sgx_seh_enter_rsp *rsp,
		     struct vmpl_sgx_seh_enter_fault *fault, bool *lost)
{
	const struct vmpl_sgx_seh_enter_req *req = (const void *)c->req;
	int ret;

	/* A finished call re-parked after a failed copy-out is not entered again. */
	if (!c->finished) {
		ret = vmpl_sgx_seh_call_run(c, SEH_WAIT_INTERRUPTIBLE);
		if (ret == -ERESTARTSYS)
			return ret;
		if (ret)
			return seh_transport_errno(ret, lost);
		c->finished = true;
	}
	ret = vmpl_sgx_seh_result_errno(c->result);
	if (ret)
		return ret;
	if (c->rsp_len < sizeof(*rsp))
		return seh_malformed(c, lost, "a short ENTER response");
	memcpy(rsp, c->rsp, sizeof(*rsp));
	memset(fault, 0, sizeof(*fault));
	if (c->rsp_len >= sizeof(*rsp) + sizeof(*fault))
		memcpy(fault, c->rsp + sizeof(*rsp), sizeof(*fault));
	switch (rsp->exit_kind) {
	case VMPL_SGX_EXIT_NORMAL:
	case VMPL_SGX_EXIT_OCALL:
	case VMPL_SGX_EXIT_EXCEPTION:
		break;
	default:
		return seh_malformed(c, lost, "an unknown exit kind");
	}
	if (rsp->output_len > req->output_capacity)
		return seh_malformed(c, lost, "more output than capacity");
	return 0;
}

/* ENTER ABANDON: the SEH gives up the TCS's parked entry and its ocall. */
int vmpl_sgx_seh_enter_abandon(u64 session, u64 handle, u64 tcs_offset, bool *lost)
{
	struct vmpl_sgx_seh_enter_req *req;
	struct seh_call *c;
	int ret;

	c = vmpl_sgx_seh_call_alloc(VMPL_SGX_SEH_CALL_ENTER, NULL, sizeof(*req));
	if (!c)
		return -ENOMEM;
	c->session = session;
	req = (struct vmpl_sgx_seh_enter_req *)c->req;
	req->handle = handle;
	req->tcs_offset = tcs_offset;
	req->function = VMPL_SGX_SEH_ENTER_OP_ABANDON;
	ret = seh_exec(c, SEH_WAIT_KILLABLE, 0, lost);
	vmpl_sgx_seh_call_put(c);
	return ret;
}

/*
 * DESTROY from close(): wait for the answer at most seh_timeout_ms, and not
 * at all once the process got a fatal signal; an unanswered DESTROY stays
 * with the gate and reaches the SEH later.
 */
int vmpl_sgx_seh_destroy(u64 session, u64 handle)
{
	struct vmpl_sgx_seh_destroy_req req = { .handle = handle };
	struct seh_call *c;
	bool lost = false;
	int ret;

	if (!vmpl_sgx_seh_session_alive(session))
		return -EIO;
	c = vmpl_sgx_seh_call_alloc(VMPL_SGX_SEH_CALL_DESTROY, &req, sizeof(req));
	if (!c)
		return -ENOMEM;
	c->session = session;
	ret = seh_exec(c, SEH_WAIT_DETACH, 0, &lost);
	vmpl_sgx_seh_call_detach(c);
	return ret;
}

/* ------------------------------------------------------------ quotes */

static u64 *seh_quote_gpas(struct vmpl_sgx_seh_quote_req *req, enum seh_quote_part part)
{
	switch (part) {
	case SEH_QUOTE_SNP_REPORT:
		return req->snp_report_gpa;
	case SEH_QUOTE_MANIFEST:
		return req->manifest_gpa;
	default:
		return req->certificates_gpa;
	}
}

static u32 *seh_quote_capacity(struct vmpl_sgx_seh_quote_req *req, enum seh_quote_part part)
{
	switch (part) {
	case SEH_QUOTE_SNP_REPORT:
		return &req->snp_report_capacity;
	case SEH_QUOTE_MANIFEST:
		return &req->manifest_capacity;
	default:
		return &req->certificates_capacity;
	}
}

/* The lengths of a QUOTE response; each must fit its buffer unless @needed. */
static bool seh_quote_lengths(const struct vmpl_sgx_seh_quote_rsp *rsp,
			      struct seh_quote_out *out, bool needed)
{
	u32 len[SEH_QUOTE_PARTS] = {
		rsp->snp_report_len, rsp->manifest_len, rsp->certificates_len,
	};
	unsigned int i;

	if (rsp->reserved)
		return false;
	for (i = 0; i < SEH_QUOTE_PARTS; i++) {
		if (!needed && len[i] > out[i].capacity)
			return false;
		out[i].len = len[i];
	}
	return true;
}

/*
 * QUOTE: the SEH checks @report's MAC for the quoting identity and writes the
 * SNP report, manifest and certificate table into the pages of @out. A buffer
 * too small gives -ENOSPC with the sizes needed in out[].len, as the SVSM
 * attestation protocol answers.
 */
int vmpl_sgx_seh_quote(u64 session, u64 handle, const u8 *report, const u8 *nonce,
		       struct seh_quote_out out[SEH_QUOTE_PARTS], bool *lost)
{
	struct vmpl_sgx_seh_quote_req *req;
	struct vmpl_sgx_seh_quote_rsp rsp;
	unsigned int part, i, n;
	struct seh_call *c;
	u64 *gpas;
	int ret;

	c = vmpl_sgx_seh_call_alloc(VMPL_SGX_SEH_CALL_QUOTE, NULL, sizeof(*req));
	if (!c)
		return -ENOMEM;
	c->session = session;
	req = (struct vmpl_sgx_seh_quote_req *)c->req;
	req->handle = handle;
	memcpy(req->report, report, sizeof(req->report));
	memcpy(req->nonce, nonce, sizeof(req->nonce));
	for (part = 0; part < SEH_QUOTE_PARTS; part++) {
		n = DIV_ROUND_UP(out[part].capacity, PAGE_SIZE);
		*seh_quote_capacity(req, part) = out[part].capacity;
		gpas = seh_quote_gpas(req, part);
		for (i = 0; i < n; i++) {
			gpas[i] = page_to_phys(out[part].pages[i]);
			ret = vmpl_sgx_seh_call_attach_page(c, out[part].pages[i], true);
			if (ret)
				goto out;
		}
	}

	ret = seh_exec(c, SEH_WAIT_KILLABLE, sizeof(rsp), lost);
	if (ret == -ENOSPC && c->result == VMPL_SGX_SEH_RESULT_QUOTE_TOO_SMALL) {
		memcpy(&rsp, c->rsp, sizeof(rsp));
		if (c->rsp_len < sizeof(rsp) || !seh_quote_lengths(&rsp, out, true))
			ret = seh_malformed(c, lost, "QUOTE_TOO_SMALL without valid sizes");
	} else if (!ret) {
		memcpy(&rsp, c->rsp, sizeof(rsp));
		if (!seh_quote_lengths(&rsp, out, false))
			ret = seh_malformed(c, lost, "more quote bytes than capacity");
	}
out:
	vmpl_sgx_seh_call_put(c);
	return ret;
}

/* QUOTING_TARGET: the TARGETINFO enclaves aim their report at for a quote. */
int vmpl_sgx_seh_quoting_target(u8 *targetinfo, u32 size)
{
	struct vmpl_sgx_seh_quoting_target_rsp *rsp;
	u64 s = seh_session();
	struct seh_limits lim;
	struct seh_call *c;
	bool lost = false;
	int ret;

	if (size != sizeof(rsp->targetinfo))
		return -EINVAL;
	ret = vmpl_sgx_seh_limits_get(s, &lim);
	if (ret)
		return ret;
	c = vmpl_sgx_seh_call_alloc(VMPL_SGX_SEH_CALL_QUOTING_TARGET, NULL, 0);
	if (!c)
		return -ENOMEM;
	c->session = s;
	ret = seh_exec(c, SEH_WAIT_KILLABLE, sizeof(*rsp), &lost);
	if (!ret) {
		rsp = (struct vmpl_sgx_seh_quoting_target_rsp *)c->rsp;
		memcpy(targetinfo, rsp->targetinfo, size);
	}
	vmpl_sgx_seh_call_put(c);
	return ret;
}
