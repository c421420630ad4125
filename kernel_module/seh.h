/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SEH calls: the one SVSM calling path every call takes, the "VMPL0 gate"
 * it runs through, the request builders of the SEH protocol, result mapping,
 * continuation and the limits negotiated with the SEH.
 *
 * A call is the request bytes that go into the Calling Area buffer, the call
 * number, and a table of module-owned pages named by guest-physical address
 * (each readable, or writable by the SEH). The common loop in seh_call.c puts
 * the request into this CPU's Calling Area, runs VMPL0 once through the gate
 * and decides from call_pending and the GHCB MSR what happened. Only the gate
 * differs between hardware (svsm.c) and the emulation (loopback.c).
 */
#ifndef VMPL_SGX_SEH_H
#define VMPL_SGX_SEH_H

#include <linux/build_bug.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <asm/msr-index.h>

#include <linux/vmpl_sgx.h>
#include "seh_abi.h"

static_assert(VMPL_SGX_LB_MAX_PAGES >= VMPL_SGX_SEH_MAX_PAGES_PER_CALL);
static_assert(VMPL_SGX_LB_MAX_PAGES >= 2 * VMPL_SGX_SEH_RUN_PAGES);
static_assert(VMPL_SGX_SEH_RUN_PAGES * PAGE_SIZE == VMPL_SGX_RUN_BUFFER_MAX);
static_assert(VMPL_SGX_SEH_QUOTE_PAGES * PAGE_SIZE == VMPL_SGX_QUOTE_BUFFER_MAX);
static_assert(VMPL_SGX_LB_MAX_PAGES >= 3 * VMPL_SGX_SEH_QUOTE_PAGES);

#define SEH_KNOWN_CAPS \
	(VMPL_SGX_CAP_RUN | VMPL_SGX_CAP_OCALL | VMPL_SGX_CAP_EXCEPTION_INFO | \
	 VMPL_SGX_CAP_ZERO_PAGES | VMPL_SGX_CAP_EXCEPTION_RIP | \
	 VMPL_SGX_CAP_MODEL_ROOT_SECRET)


/* Core protocol (0) QUERY_PROTOCOL call. */
#define VMPL_SGX_SVSM_CORE_QUERY_PROTOCOL 6U

/* Module parameters (main.c). */
extern unsigned int vmpl_sgx_seh_timeout_ms;
extern unsigned int vmpl_sgx_max_pages_per_call;
extern unsigned int vmpl_sgx_seh_retries;

/*
 * The SVSM Calling Area (one page per CPU) and the GHCB MSR's Run-VMPL codes:
 * the kernel's own definitions where it has them (SVSM guest support, Linux
 * >= 6.11), the same layout and values otherwise (6.1).
 */
#if defined(CONFIG_AMD_MEM_ENCRYPT) && defined(MSR_SVSM_CAA)
#define VMPL_SGX_HAVE_SVSM 1
#include <asm/sev.h>
#define vmpl_sgx_ca svsm_ca
#define VMPL_SGX_CA_BUFFER svsm_buffer
#define VMPL_SGX_GHCB_RUN_VMPL0_REQ	GHCB_MSR_VMPL_REQ_LEVEL(0)
#define VMPL_SGX_GHCB_RUN_VMPL_RESP	GHCB_MSR_VMPL_RESP
#define VMPL_SGX_GHCB_INFO_MASK		GHCB_MSR_INFO_MASK
#else
struct vmpl_sgx_ca {
	u8 call_pending;
	u8 mem_available;
	u8 reserved[6];
	u8 buffer[VMPL_SGX_SEH_CAA_BUFFER_SIZE];
};
#define VMPL_SGX_CA_BUFFER buffer
#define VMPL_SGX_GHCB_RUN_VMPL0_REQ	0x016ULL	/* target VMPL 0 in bits 39:32 */
#define VMPL_SGX_GHCB_RUN_VMPL_RESP	0x017ULL
#define VMPL_SGX_GHCB_INFO_MASK		0xfffULL
#endif
static_assert(sizeof(struct vmpl_sgx_ca) == PAGE_SIZE);
static_assert(sizeof_field(struct vmpl_sgx_ca, VMPL_SGX_CA_BUFFER) ==
	      VMPL_SGX_SEH_CAA_BUFFER_SIZE);

/* The registers of an SVSM call, in and out. */
struct vmpl_sgx_svsm_regs {
	u64 rax, rcx, rdx, r8, r9;
};

struct seh_page {
	struct page *page;
	bool writable;
};

/* Where a call is at the emulated gate; the hardware gate leaves it IDLE. */
enum seh_gate_state {
	SEH_GATE_IDLE,		/* nothing handed over */
	SEH_GATE_QUEUED,	/* handed over, the SEH has not read it */
	SEH_GATE_INFLIGHT,	/* read by the SEH */
	SEH_GATE_COPYING,	/* the SEH's answer is being copied in */
	SEH_GATE_ANSWERED,	/* the answer waits for the next run of VMPL0 */
	SEH_GATE_MALFORMED,	/* the answer broke the message format */
};

struct seh_call {
	struct kref ref;
	u32 protocol;		/* RAX[63:32] */
	u32 call_id;		/* RAX[31:0] */
	u64 rcx_in;		/* RCX of the request (the request length, or a core argument) */
	u32 req_len;
	u64 session;		/* gate session the call belongs to */

	/* Outcome of the last completed try. */
	u64 result;		/* RAX from VMPL0 */
	u64 rcx_out;		/* RCX from VMPL0 */
	u32 rsp_len;		/* RCX, when it is a response length */

	/* Bookkeeping of the common loop. */
	bool started;		/* a try is under way; its answer is still due */
	bool finished;		/* ENTER: the final result is in (see seh_enter_finish) */
	u32 entry_function;	/* ENTER: the RUN's EENTER or ERESUME (req changes to CONTINUE) */
	unsigned int tries;
	unsigned int refused;
	unsigned long deadline;	/* jiffies */
	/*
	 * Continuation after INCOMPLETE: rewrite the request to carry on from
	 * the progress the response reports; false when there is none.
	 */
	bool (*cont)(struct seh_call *c);
	u32 progress;		/* units the continuations have carried so far */

	/* Owned by the emulated gate, under its lock. */
	enum seh_gate_state gate_state;
	bool orphan;		/* nobody collects the answer */
	struct list_head node;
	u64 seq;
	struct vmpl_sgx_svsm_regs gate_regs;
	u8 gate_ca[VMPL_SGX_SEH_CAA_BUFFER_SIZE];

	unsigned int npages;
	unsigned int nwritable;
	struct seh_page pages[VMPL_SGX_LB_MAX_PAGES];
	u8 req[VMPL_SGX_SEH_CAA_BUFFER_SIZE];
	u8 rsp[VMPL_SGX_SEH_CAA_BUFFER_SIZE];
};

/*
 * The VMPL0 gate: executes instructions, decides nothing. read_caa_msr and
 * vmgexit run with interrupts off; they are all the hardware gate has.
 *
 * Status values of vmpl_sgx_seh_call_run() and the builders' transport errors:
 *   -EIO        no SEH, it went away, or VMPL0 refused the call every time
 *               (nothing happened: the SEH's state is known)
 *   -ETIMEDOUT  no answer within seh_timeout_ms; the call was withdrawn
 *   -EINTR      a fatal signal ended the wait; the call was withdrawn
 *   -EPROTO     the answer broke the protocol
 */
struct seh_gate {
	const char *name;
	u32 id;				/* VMPL_SGX_TRANSPORT_* */
	/* An SEV-SNP guest under an SVSM only; the SVSM is probed at bind. */
	bool needs_svsm;
	/* Optional: set up and tear down; on failure set *why to one short reason. */
	int (*init)(const char **why);
	void (*exit)(void);
	/* Optional: create and remove the gate's user-visible device. */
	int (*publish)(const char **why);
	void (*unpublish)(void);
	/* Optional: current session, 0 while VMPL0 cannot answer (NULL: always 1). */
	u64 (*session)(void);
	/* The CAA MSR: this CPU's Calling Area's guest-physical address. */
	int (*read_caa_msr)(u64 *gpa);
	/*
	 * Run VMPL0 once with @regs: save the GHCB MSR, write @ghcb_req,
	 * VMGEXIT, read the MSR (returned), restore it. @c names the call to
	 * the emulation only.
	 */
	u64 (*vmgexit)(u64 ghcb_req, struct vmpl_sgx_svsm_regs *regs, struct seh_call *c);
	/*
	 * Emulation only (NULL on hardware, where nothing stays with VMPL0
	 * between two runs): where to wait, whether the next run of VMPL0
	 * would make progress, and taking a call back. withdraw() returns
	 * false when an answer has arrived (run VMPL0 again to take it);
	 * abandon() drops the caller's interest, leaving a call the SEH has
	 * not read yet queued when @keep_unread.
	 */
	wait_queue_head_t *wq;
	bool (*answered)(struct seh_call *c);
	bool (*withdraw)(struct seh_call *c);
	void (*abandon)(struct seh_call *c, bool keep_unread);
};

extern const struct seh_gate vmpl_sgx_gate_svsm;
extern const struct seh_gate vmpl_sgx_gate_loopback;

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
				 * left with the gate instead of taken back */
};

/* Each CPU's Calling Area through the gate's CAA MSR (caa.c). */
int vmpl_sgx_caa_map(const struct seh_gate *g, const char **why);
void vmpl_sgx_caa_unmap(void);
struct vmpl_sgx_ca *vmpl_sgx_caa_this(const struct seh_gate *g);

/* Binding a gate; main.c. */
int vmpl_sgx_seh_bind(const struct seh_gate *g, const char **why);
const struct seh_gate *vmpl_sgx_seh_gate_bound(void);
void vmpl_sgx_seh_unbind(void);
u32 vmpl_sgx_seh_transport_id(void);
bool vmpl_sgx_seh_session_alive(u64 session);
void vmpl_sgx_seh_session_ended(u64 session);

/* Limits: defaults or negotiated for the live session (may talk to the SEH). */
void vmpl_sgx_seh_limits_info(struct seh_limits *lim);
/* Limits of @session, negotiating first if needed; -EIO if it is not usable. */
int vmpl_sgx_seh_limits_get(u64 session, struct seh_limits *lim);

/* Calls, for the gates and the request builders (seh_call.c). */
int vmpl_sgx_seh_call_cache_init(void);
void vmpl_sgx_seh_call_cache_exit(void);
struct seh_call *vmpl_sgx_seh_call_alloc(u32 call_id, const void *req, u32 req_len);
int vmpl_sgx_seh_call_attach_page(struct seh_call *c, struct page *page, bool writable);
void vmpl_sgx_seh_call_get(struct seh_call *c);
void vmpl_sgx_seh_call_put(struct seh_call *c);
int vmpl_sgx_seh_call_run(struct seh_call *c, enum seh_wait mode);
void vmpl_sgx_seh_call_abandon(struct seh_call *c);
void vmpl_sgx_seh_call_detach(struct seh_call *c);
int vmpl_sgx_seh_core_query_protocol(u64 session, u32 *min, u32 *max);

/*
 * Request builders. Each returns 0 or a negative errno for user space. *lost
 * is set when the SEH's state is unknown afterwards (timeout, abandoned call,
 * protocol violation): the enclave must then be treated as broken.
 */
int vmpl_sgx_seh_create(struct page *secs, u64 *session, u64 *handle, bool *lost);
/* @pages NULL: @n zero pages (desc_flags ZERO), no guest page named or sent. */
int vmpl_sgx_seh_add_pages(u64 session, u64 handle, struct page **pages,
		  unsigned int n, u64 offset, u32 secinfo_flags, u32 desc_flags,
		  unsigned int *done, bool *lost);
int vmpl_sgx_seh_init(u64 session, u64 handle, struct page *sigstruct,
	     struct vmpl_sgx_seh_init_rsp *rsp, bool *lost);
struct seh_call *vmpl_sgx_seh_enter_prepare(u64 session, u64 handle, u64 tcs_offset,
				   u32 function, u32 call_id,
				   struct page **in, u32 input_len,
				   struct page **out, u32 output_capacity);
int vmpl_sgx_seh_enter_finish(struct seh_call *c, struct vmpl_sgx_seh_enter_rsp *rsp,
		     struct vmpl_sgx_seh_enter_fault *fault, bool *lost);
int vmpl_sgx_seh_enter_abandon(u64 session, u64 handle, u64 tcs_offset, bool *lost);
int vmpl_sgx_seh_destroy(u64 session, u64 handle);

/* One QUOTE output buffer: its capacity, its pages and what the SEH put there. */
struct seh_quote_out {
	u32 capacity;
	u32 len;		/* bytes written; with -ENOSPC the bytes needed */
	struct page *pages[VMPL_SGX_SEH_QUOTE_PAGES];
};

/* The three buffers of a quote, in the order of the SEH request. */
enum seh_quote_part {
	SEH_QUOTE_SNP_REPORT,
	SEH_QUOTE_MANIFEST,
	SEH_QUOTE_CERTIFICATES,
	SEH_QUOTE_PARTS,
};

int vmpl_sgx_seh_quote(u64 session, u64 handle, const u8 *report, const u8 *nonce,
		       struct seh_quote_out out[SEH_QUOTE_PARTS], bool *lost);
int vmpl_sgx_seh_quoting_target(u8 *targetinfo, u32 size);

#endif /* VMPL_SGX_SEH_H */
