// SPDX-License-Identifier: GPL-2.0
/*
 * The emulated VMPL0 gate (transport=loopback): per-CPU Calling Area pages,
 * an emulated GHCB MSR, and a "VMGEXIT" that hands the Calling Area, the
 * registers and the request's pages to a user-space SEH on /dev/vmpl_sgx_seh,
 * in the message format of the spec's loopback group. Until the SEH has
 * answered, the VMGEXIT returns as a preempted VMPL0 would: call_pending
 * still 1, and the common loop (seh_call.c) waits and runs VMPL0 again. The
 * run after the answer writes it into the Calling Area and the registers and
 * clears call_pending, as VMPL0 does. The gate never sleeps.
 *
 * A read() returns one handed-over call: header, page table, Calling Area
 * image, page contents. A write() answers one call: header (seq echoed,
 * RAX = result, RCX = response length, or the result value of a core
 * protocol call such as QUERY_PROTOCOL), the request's writable pages in
 * order, the Calling Area image holding the response, the new contents of
 * those pages. The answer is copied in before the call is claimed, so no
 * caller ever waits behind a slow user-space copy.
 *
 * One SEH at a time (CAP_SYS_ADMIN). Each open starts a session; closing the
 * device (or the SEH dying) ends it: every call it had fails at once with
 * -EIO, and enclaves created in the session count as broken.
 *
 * A well-formed answer whose seq matches no call the SEH has read (it timed
 * out or was withdrawn) is refused with -ENOENT; the session goes on. A
 * malformed answer is refused with -EINVAL and fails its call.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "seh.h"
#include "stats.h"

#define LB_MSG_SIZE(npages)						\
	(sizeof(struct vmpl_sgx_lb_header) +				\
	 (size_t)(npages) * sizeof(struct vmpl_sgx_lb_page) +		\
	 sizeof(struct vmpl_sgx_lb_caa) + (size_t)(npages) * PAGE_SIZE)

static_assert(LB_MSG_SIZE(VMPL_SGX_LB_MAX_PAGES) == VMPL_SGX_LB_MAX_MESSAGE);
static_assert(sizeof(struct vmpl_sgx_lb_caa) == PAGE_SIZE);
static_assert(sizeof_field(struct vmpl_sgx_lb_caa, buffer) ==
	      sizeof_field(struct vmpl_sgx_ca, VMPL_SGX_CA_BUFFER));

/*
 * Faults the emulated gate injects, for tests of the common path's decisions:
 * each counts down by one per event it causes.
 */
static unsigned int emul_refuse_runs;
module_param(emul_refuse_runs, uint, 0644);
MODULE_PARM_DESC(emul_refuse_runs,
		 "Loopback: refuse this many Run-VMPL0 requests as a hypervisor may (error in the GHCB MSR response) [0]");

static unsigned int emul_drop_runs;
module_param(emul_drop_runs, uint, 0644);
MODULE_PARM_DESC(emul_drop_runs,
		 "Loopback: run VMPL0 this many times without it taking the call (call_pending stays 1) [0]");

static unsigned int emul_clobber_ghcb;
module_param(emul_clobber_ghcb, uint, 0644);
MODULE_PARM_DESC(emul_clobber_ghcb,
		 "Loopback: after this many delivered answers, leave the GHCB MSR as an NMI does (not the Run-VMPL response) [0]");

/* Whether to inject the fault @count counts down; lb.lock held. */
static bool lb_inject(unsigned int *count)
{
	unsigned int left = READ_ONCE(*count);

	if (!left)
		return false;
	WRITE_ONCE(*count, left - 1);
	return true;
}

/* What an NMI leaves in the GHCB MSR: the GHCB page's address, no response code. */
#define LB_NMI_GHCB_VALUE 0x7ff000ULL

/* This CPU's emulated Calling Area and GHCB MSR. */
struct lb_cpu {
	struct vmpl_sgx_ca *ca;
	u64 ghcb;
};
static DEFINE_PER_CPU(struct lb_cpu, lb_cpus);

static struct {
	spinlock_t lock;		/* below, and seh_call.gate_* (irqs off) */
	wait_queue_head_t readq;	/* the SEH waiting for a call */
	wait_queue_head_t answerq;	/* callers waiting for an answer */
	struct list_head queue;		/* handed over, not read yet */
	struct list_head inflight;	/* read, answered or being answered */
	u64 session;			/* live session; 0: no SEH attached */
	u64 last_session;
	u64 next_seq;
} lb = {
	.lock = __SPIN_LOCK_UNLOCKED(lb.lock),
	.readq = __WAIT_QUEUE_HEAD_INITIALIZER(lb.readq),
	.answerq = __WAIT_QUEUE_HEAD_INITIALIZER(lb.answerq),
	.queue = LIST_HEAD_INIT(lb.queue),
	.inflight = LIST_HEAD_INIT(lb.inflight),
};

/* --------------------------------------------------- gate operations */

static u64 lb_session(void)
{
	return READ_ONCE(lb.session);
}

/* The emulated CAA MSR: where this CPU's emulated Calling Area page is. */
static int lb_read_caa_msr(u64 *gpa)
{
	struct vmpl_sgx_ca *ca = this_cpu_read(lb_cpus.ca);

	if (!ca)
		return -ENODEV;
	*gpa = virt_to_phys(ca);
	return 0;
}

/* Off the lists, no reference of the gate's left; lb.lock held. */
static void lb_unlink(struct seh_call *c)
{
	list_del_init(&c->node);
	c->gate_state = SEH_GATE_IDLE;
	c->orphan = false;
}

/*
 * What the hypervisor and VMPL0 do on a VMGEXIT, interrupts off. Hands a new
 * call over; takes an arrived answer as VMPL0 would deliver it; otherwise
 * leaves call_pending set. The response goes into the emulated GHCB MSR.
 */
static void lb_run_vmpl0(struct lb_cpu *cpu, struct vmpl_sgx_svsm_regs *regs,
			 struct seh_call *c)
{
	struct vmpl_sgx_ca *ca = cpu->ca;
	bool wake = false, put = false;

	if (cpu->ghcb != VMPL_SGX_GHCB_RUN_VMPL0_REQ)
		return;		/* not a Run-VMPL0 request: nothing runs */

	spin_lock(&lb.lock);
	if (lb_inject(&emul_refuse_runs)) {
		cpu->ghcb = VMPL_SGX_GHCB_RUN_VMPL_RESP | (1ULL << 32);
		goto out;
	}
	cpu->ghcb = VMPL_SGX_GHCB_RUN_VMPL_RESP;
	if (lb_inject(&emul_drop_runs))
		goto out;	/* VMPL0 ran but never looked at the call */
	switch (c->gate_state) {
	case SEH_GATE_IDLE:
		if (!lb.session || c->session != lb.session)
			break;	/* no SEH: VMPL0 does not take the call */
		c->gate_regs = *regs;
		memcpy(c->gate_ca, ca->VMPL_SGX_CA_BUFFER, sizeof(c->gate_ca));
		c->seq = ++lb.next_seq;
		c->gate_state = SEH_GATE_QUEUED;
		vmpl_sgx_seh_call_get(c);	/* the gate's reference */
		list_add_tail(&c->node, &lb.queue);
		wake = true;
		break;
	case SEH_GATE_ANSWERED:
		memcpy(ca->VMPL_SGX_CA_BUFFER, c->gate_ca, sizeof(ca->VMPL_SGX_CA_BUFFER));
		*regs = c->gate_regs;
		WRITE_ONCE(ca->call_pending, 0);
		lb_unlink(c);
		put = true;
		if (lb_inject(&emul_clobber_ghcb))
			cpu->ghcb = LB_NMI_GHCB_VALUE;
		break;
	case SEH_GATE_MALFORMED:
		/* An answer no SVSM could give: RCX beyond the buffer. */
		regs->rcx = U64_MAX;
		WRITE_ONCE(ca->call_pending, 0);
		lb_unlink(c);
		put = true;
		break;
	default:
		break;	/* VMPL0 still works on it: preempted */
	}
out:
	spin_unlock(&lb.lock);
	if (wake)
		wake_up_interruptible(&lb.readq);
	if (put)
		vmpl_sgx_seh_call_put(c);	/* never the last: the caller holds one */
}

/* The gate's VMGEXIT, on the emulated GHCB MSR: save, request, run, read, restore. */
static u64 lb_vmgexit(u64 ghcb_req, struct vmpl_sgx_svsm_regs *regs, struct seh_call *c)
{
	struct lb_cpu *cpu = this_cpu_ptr(&lb_cpus);
	u64 saved = cpu->ghcb, resp;

	cpu->ghcb = ghcb_req;
	lb_run_vmpl0(cpu, regs, c);
	resp = cpu->ghcb;
	cpu->ghcb = saved;
	return resp;
}

static bool lb_answered(struct seh_call *c)
{
	enum seh_gate_state state = READ_ONCE(c->gate_state);

	return state == SEH_GATE_ANSWERED || state == SEH_GATE_MALFORMED ||
	       state == SEH_GATE_IDLE;
}

/* Take a call back from the SEH; false if its answer has arrived. */
static bool lb_withdraw(struct seh_call *c)
{
	bool put = false, ret = true;

	spin_lock_irq(&lb.lock);
	switch (c->gate_state) {
	case SEH_GATE_IDLE:
		break;
	case SEH_GATE_ANSWERED:
	case SEH_GATE_MALFORMED:
		ret = false;
		break;
	default:
		lb_unlink(c);
		put = true;
		break;
	}
	spin_unlock_irq(&lb.lock);
	if (put)
		vmpl_sgx_seh_call_put(c);
	return ret;
}

static void lb_abandon(struct seh_call *c, bool keep_unread)
{
	bool put = false;

	spin_lock_irq(&lb.lock);
	switch (c->gate_state) {
	case SEH_GATE_IDLE:
		break;
	case SEH_GATE_QUEUED:
		if (keep_unread) {
			c->orphan = true;
			break;
		}
		lb_unlink(c);
		put = true;
		break;
	case SEH_GATE_INFLIGHT:
	case SEH_GATE_COPYING:
		c->orphan = true;	/* the answer drops it */
		break;
	default:
		lb_unlink(c);
		put = true;
		break;
	}
	spin_unlock_irq(&lb.lock);
	if (put)
		vmpl_sgx_seh_call_put(c);
}

/* The SEH went away: every call it had fails at once. */
static void lb_session_end(void)
{
	struct seh_call *c, *tmp;
	LIST_HEAD(dead);

	spin_lock_irq(&lb.lock);
	WRITE_ONCE(lb.session, 0);
	list_splice_init(&lb.queue, &dead);
	list_splice_init(&lb.inflight, &dead);
	list_for_each_entry(c, &dead, node) {
		c->gate_state = SEH_GATE_IDLE;
		c->orphan = false;
	}
	spin_unlock_irq(&lb.lock);

	list_for_each_entry_safe(c, tmp, &dead, node) {
		list_del_init(&c->node);
		vmpl_sgx_seh_call_put(c);
	}
	wake_up_all(&lb.answerq);
}

/* ------------------------------------------------------------ read() */

static bool lb_has_queued(void)
{
	bool ret;

	spin_lock_irq(&lb.lock);
	ret = !list_empty(&lb.queue);
	spin_unlock_irq(&lb.lock);
	return ret;
}

static int lb_put_request(const struct seh_call *c, char __user *buf)
{
	struct vmpl_sgx_lb_header hdr;
	struct vmpl_sgx_lb_page ent;
	unsigned long left;
	unsigned int i;
	size_t off;
	void *p;

	memset(&hdr, 0, sizeof(hdr));
	hdr.magic = VMPL_SGX_LB_MAGIC;
	hdr.version = VMPL_SGX_LB_VERSION;
	hdr.seq = c->seq;
	hdr.rax = c->gate_regs.rax;
	hdr.rcx = c->gate_regs.rcx;
	hdr.rdx = c->gate_regs.rdx;
	hdr.r8 = c->gate_regs.r8;
	hdr.r9 = c->gate_regs.r9;
	hdr.npages = c->npages;
	if (copy_to_user(buf, &hdr, sizeof(hdr)))
		return -EFAULT;
	off = sizeof(hdr);

	for (i = 0; i < c->npages; i++) {
		memset(&ent, 0, sizeof(ent));
		ent.gpa = page_to_phys(c->pages[i].page);
		ent.flags = c->pages[i].writable ? VMPL_SGX_LB_PAGE_FLAG_WRITABLE : 0;
		if (copy_to_user(buf + off, &ent, sizeof(ent)))
			return -EFAULT;
		off += sizeof(ent);
	}

	/* The Calling Area buffer as VMPL0 would find it, padded to a page. */
	if (copy_to_user(buf + off, c->gate_ca, sizeof(c->gate_ca)) ||
	    clear_user(buf + off + sizeof(c->gate_ca),
		       sizeof(struct vmpl_sgx_lb_caa) - sizeof(c->gate_ca)))
		return -EFAULT;
	off += sizeof(struct vmpl_sgx_lb_caa);

	for (i = 0; i < c->npages; i++) {
		p = kmap_local_page(c->pages[i].page);
		left = copy_to_user(buf + off, p, PAGE_SIZE);
		kunmap_local(p);
		if (left)
			return -EFAULT;
		off += PAGE_SIZE;
	}
	return 0;
}

static ssize_t lb_read(struct file *file, char __user *buf, size_t count,
		       loff_t *ppos)
{
	struct seh_call *c;
	size_t size;
	int ret;

	for (;;) {
		spin_lock_irq(&lb.lock);
		c = list_first_entry_or_null(&lb.queue, struct seh_call, node);
		if (c) {
			size = LB_MSG_SIZE(c->npages);
			if (count < size) {
				spin_unlock_irq(&lb.lock);
				return -EINVAL;
			}
			list_move_tail(&c->node, &lb.inflight);
			c->gate_state = SEH_GATE_INFLIGHT;
			vmpl_sgx_seh_call_get(c);	/* ours, for the copy */
			spin_unlock_irq(&lb.lock);
			break;
		}
		spin_unlock_irq(&lb.lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(lb.readq, lb_has_queued());
		if (ret)
			return ret;
	}

	ret = lb_put_request(c, buf);
	if (ret) {
		/* Not delivered: back to the head of the queue. */
		spin_lock_irq(&lb.lock);
		if (c->gate_state == SEH_GATE_INFLIGHT) {
			list_move(&c->node, &lb.queue);
			c->gate_state = SEH_GATE_QUEUED;
		}
		spin_unlock_irq(&lb.lock);
	}
	vmpl_sgx_seh_call_put(c);
	return ret ? ret : size;
}

/* ----------------------------------------------------------- write() */

/* Mark the read call @seq as being answered and take a reference, or NULL. */
static struct seh_call *lb_find_inflight(u64 seq)
{
	struct seh_call *c;

	spin_lock_irq(&lb.lock);
	list_for_each_entry(c, &lb.inflight, node) {
		if (c->seq == seq && c->gate_state == SEH_GATE_INFLIGHT) {
			c->gate_state = SEH_GATE_COPYING;
			vmpl_sgx_seh_call_get(c);
			spin_unlock_irq(&lb.lock);
			return c;
		}
	}
	spin_unlock_irq(&lb.lock);
	return NULL;
}

/* Copy the answer in: the writable pages go straight to the call's pages. */
static int lb_take_response(struct seh_call *c,
			    const struct vmpl_sgx_lb_header *hdr,
			    const char __user *buf, size_t count,
			    struct vmpl_sgx_lb_caa *caa)
{
	struct vmpl_sgx_lb_page ent;
	unsigned long left;
	unsigned int i;
	size_t off;
	void *p;

	/* RCX is a response length for the SEH's calls, a value for core calls. */
	if (hdr->magic != VMPL_SGX_LB_MAGIC || hdr->version != VMPL_SGX_LB_VERSION ||
	    hdr->reserved || hdr->npages != c->nwritable ||
	    count != LB_MSG_SIZE(hdr->npages) ||
	    (c->protocol == VMPL_SGX_SEH_PROTOCOL && hdr->rcx > VMPL_SGX_SEH_CAA_BUFFER_SIZE))
		return -EINVAL;
	off = sizeof(*hdr);

	for (i = 0; i < c->npages; i++) {
		if (!c->pages[i].writable)
			continue;
		if (copy_from_user(&ent, buf + off, sizeof(ent)))
			return -EFAULT;
		if (ent.gpa != page_to_phys(c->pages[i].page) ||
		    ent.flags != VMPL_SGX_LB_PAGE_FLAG_WRITABLE || ent.reserved)
			return -EINVAL;
		off += sizeof(ent);
	}

	if (copy_from_user(caa, buf + off, sizeof(*caa)))
		return -EFAULT;
	if (memchr_inv(caa->reserved, 0, sizeof(caa->reserved)))
		return -EINVAL;
	off += sizeof(*caa);

	for (i = 0; i < c->npages; i++) {
		if (!c->pages[i].writable)
			continue;
		p = kmap_local_page(c->pages[i].page);
		left = copy_from_user(p, buf + off, PAGE_SIZE);
		kunmap_local(p);
		if (left)
			return -EFAULT;
		off += PAGE_SIZE;
	}
	return 0;
}

/* Publish the copied answer, unless the call was withdrawn meanwhile. */
static bool lb_commit(struct seh_call *c, const struct vmpl_sgx_lb_header *hdr,
		      const struct vmpl_sgx_lb_caa *caa, bool malformed)
{
	bool live, put = false;

	spin_lock_irq(&lb.lock);
	live = c->gate_state == SEH_GATE_COPYING;
	if (live && c->orphan) {
		lb_unlink(c);
		put = true;
	} else if (live) {
		c->gate_regs.rax = hdr->rax;
		c->gate_regs.rcx = hdr->rcx;
		c->gate_regs.rdx = hdr->rdx;
		c->gate_regs.r8 = hdr->r8;
		c->gate_regs.r9 = hdr->r9;
		if (!malformed)
			memcpy(c->gate_ca, caa->buffer, sizeof(c->gate_ca));
		c->gate_state = malformed ? SEH_GATE_MALFORMED : SEH_GATE_ANSWERED;
	}
	spin_unlock_irq(&lb.lock);
	if (put)
		vmpl_sgx_seh_call_put(c);
	if (live)
		wake_up_all(&lb.answerq);
	return live;
}

static ssize_t lb_write(struct file *file, const char __user *buf,
			size_t count, loff_t *ppos)
{
	struct vmpl_sgx_lb_header hdr;
	struct vmpl_sgx_lb_caa *caa;
	struct seh_call *c;
	int ret;

	if (count < sizeof(hdr))
		return -EINVAL;
	if (copy_from_user(&hdr, buf, sizeof(hdr)))
		return -EFAULT;
	caa = kmalloc(sizeof(*caa), GFP_KERNEL);
	if (!caa)
		return -ENOMEM;
	c = lb_find_inflight(hdr.seq);
	if (!c) {
		kfree(caa);
		if (hdr.magic != VMPL_SGX_LB_MAGIC || hdr.version != VMPL_SGX_LB_VERSION)
			return -EINVAL;
		return -ENOENT;
	}
	ret = lb_take_response(c, &hdr, buf, count, caa);
	if (ret)
		pr_warn_ratelimited("malformed SEH answer to call %llu (%d); the call fails\n",
				    hdr.seq, ret);
	if (!lb_commit(c, &hdr, caa, ret) && !ret)
		ret = -ENOENT;	/* withdrawn while the answer was copied in */
	vmpl_sgx_seh_call_put(c);
	kfree(caa);
	return ret ? ret : count;
}

/* ---------------------------------------------------- the SEH's device */

static __poll_t lb_poll(struct file *file, poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &lb.readq, wait);
	if (lb_has_queued())
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static int lb_open(struct inode *inode, struct file *file)
{
	u64 session;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	spin_lock_irq(&lb.lock);
	if (lb.session) {
		spin_unlock_irq(&lb.lock);
		return -EBUSY;
	}
	session = ++lb.last_session;
	WRITE_ONCE(lb.session, session);
	spin_unlock_irq(&lb.lock);
	pr_info("loopback SEH attached (session %llu)\n", session);
	return stream_open(inode, file);
}

static int lb_release(struct inode *inode, struct file *file)
{
	u64 session = lb_session();

	lb_session_end();
	vmpl_sgx_seh_session_ended(session);
	pr_info("loopback SEH detached (session %llu); its enclaves are broken\n",
		session);
	return 0;
}

static const struct file_operations lb_fops = {
	.owner = THIS_MODULE,
	.open = lb_open,
	.release = lb_release,
	.read = lb_read,
	.write = lb_write,
	.poll = lb_poll,
};

static struct miscdevice lb_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmpl_sgx_seh",
	.fops = &lb_fops,
	.mode = 0600,
};

static void lb_free_cas(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct lb_cpu *lc = per_cpu_ptr(&lb_cpus, cpu);

		if (lc->ca)
			free_page((unsigned long)lc->ca);
		lc->ca = NULL;
	}
}

/* One emulated Calling Area page per possible CPU, as the SVSM gives each vCPU. */
static int lb_init(const char **why)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct lb_cpu *lc = per_cpu_ptr(&lb_cpus, cpu);

		lc->ca = (struct vmpl_sgx_ca *)get_zeroed_page(GFP_KERNEL);
		if (!lc->ca) {
			lb_free_cas();
			*why = "no memory for the emulated Calling Areas";
			return -ENOMEM;
		}
	}
	return 0;
}

static void lb_exit(void)
{
	lb_free_cas();
}

static int lb_publish(const char **why)
{
	int ret = misc_register(&lb_misc);

	if (ret)
		*why = "cannot register /dev/vmpl_sgx_seh";
	return ret;
}

static void lb_unpublish(void)
{
	misc_deregister(&lb_misc);
}

const struct seh_gate vmpl_sgx_gate_loopback = {
	.name = "loopback",
	.id = VMPL_SGX_TRANSPORT_LOOPBACK,
	.init = lb_init,
	.exit = lb_exit,
	.publish = lb_publish,
	.unpublish = lb_unpublish,
	.session = lb_session,
	.read_caa_msr = lb_read_caa_msr,
	.vmgexit = lb_vmgexit,
	.wq = &lb.answerq,
	.answered = lb_answered,
	.withdraw = lb_withdraw,
	.abandon = lb_abandon,
};
