// SPDX-License-Identifier: GPL-2.0
/*
 * The loopback transport: SEH calls go to a user-space SEH through
 * /dev/vmpl_sgx_seh instead of VMPL0, in the message format of the spec's
 * loopback group. A read() returns one pending call: header, page table,
 * Calling Area image, page contents. A write() answers one call: header
 * (seq echoed, RAX = result, RCX = response length), the request's writable
 * pages in order, the Calling Area image holding the response, the new
 * contents of those pages.
 *
 * One SEH at a time (CAP_SYS_ADMIN). Each open starts a session; closing the
 * device (or the SEH dying) ends it: every queued or unanswered call fails at
 * once with -EIO, and enclaves created in the session count as broken.
 *
 * A well-formed answer whose seq matches no unanswered call (it timed out or
 * was withdrawn) is refused with -ENOENT; the session goes on. A malformed
 * answer is refused with -EINVAL and fails its call.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
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

static struct {
	spinlock_t lock;		/* everything below, and seh_call.state/node/seq */
	wait_queue_head_t readq;	/* the SEH waiting for a call */
	struct list_head queue;		/* submitted, not read yet */
	struct list_head inflight;	/* read, not answered yet */
	u64 session;			/* live session; 0: no SEH attached */
	u64 last_session;
	u64 next_seq;
} lb = {
	.lock = __SPIN_LOCK_UNLOCKED(lb.lock),
	.readq = __WAIT_QUEUE_HEAD_INITIALIZER(lb.readq),
	.queue = LIST_HEAD_INIT(lb.queue),
	.inflight = LIST_HEAD_INIT(lb.inflight),
};

/* ------------------------------------------------- transport operations */

static u64 lb_session(void)
{
	return READ_ONCE(lb.session);
}

static int lb_submit(struct seh_call *c)
{
	spin_lock(&lb.lock);
	if (!lb.session || c->session != lb.session) {
		spin_unlock(&lb.lock);
		return -EIO;
	}
	c->seq = ++lb.next_seq;
	c->state = SEH_CALL_QUEUED;
	seh_call_get(c);		/* the transport's reference */
	list_add_tail(&c->node, &lb.queue);
	spin_unlock(&lb.lock);
	wake_up_interruptible(&lb.readq);
	return 0;
}

/* Complete a call taken off the lists (state COMPLETING or claimed). */
static void lb_finish(struct seh_call *c, int status)
{
	spin_lock(&lb.lock);
	c->state = SEH_CALL_DONE;
	spin_unlock(&lb.lock);
	seh_call_finish(c, status);
	seh_call_put(c);		/* drop the transport's reference */
}

static bool lb_cancel(struct seh_call *c, int status, bool queued_only)
{
	spin_lock(&lb.lock);
	if (c->state != SEH_CALL_QUEUED &&
	    (queued_only || c->state != SEH_CALL_INFLIGHT)) {
		spin_unlock(&lb.lock);
		return false;
	}
	list_del_init(&c->node);
	c->state = SEH_CALL_COMPLETING;
	spin_unlock(&lb.lock);
	lb_finish(c, status);
	return true;
}

/* The SEH went away: fail everything it had, at once. */
static void lb_session_end(void)
{
	struct seh_call *c, *tmp;
	LIST_HEAD(dead);

	spin_lock(&lb.lock);
	lb.session = 0;
	list_splice_init(&lb.queue, &dead);
	list_splice_init(&lb.inflight, &dead);
	list_for_each_entry(c, &dead, node)
		c->state = SEH_CALL_COMPLETING;
	spin_unlock(&lb.lock);

	list_for_each_entry_safe(c, tmp, &dead, node) {
		list_del_init(&c->node);
		lb_finish(c, -EIO);
	}
}

/* ------------------------------------------------------------ read() */

static bool lb_has_queued(void)
{
	bool ret;

	spin_lock(&lb.lock);
	ret = !list_empty(&lb.queue);
	spin_unlock(&lb.lock);
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
	hdr.rax = ((u64)VMPL_SGX_SEH_PROTOCOL << 32) | c->call_id;
	hdr.rcx = c->req_len;
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

	/* Calling Area image: the request, then zeros. */
	if (copy_to_user(buf + off, c->req, c->req_len) ||
	    clear_user(buf + off + c->req_len,
		       sizeof(struct vmpl_sgx_lb_caa) - c->req_len))
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
		spin_lock(&lb.lock);
		c = list_first_entry_or_null(&lb.queue, struct seh_call, node);
		if (c) {
			size = LB_MSG_SIZE(c->npages);
			if (count < size) {
				spin_unlock(&lb.lock);
				return -EINVAL;
			}
			list_move_tail(&c->node, &lb.inflight);
			c->state = SEH_CALL_INFLIGHT;
			seh_call_get(c);	/* ours, for the copy */
			spin_unlock(&lb.lock);
			break;
		}
		spin_unlock(&lb.lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(lb.readq, lb_has_queued());
		if (ret)
			return ret;
	}

	ret = lb_put_request(c, buf);
	if (ret) {
		/* Not delivered: back to the head of the queue. */
		spin_lock(&lb.lock);
		if (c->state == SEH_CALL_INFLIGHT) {
			list_move(&c->node, &lb.queue);
			c->state = SEH_CALL_QUEUED;
		}
		spin_unlock(&lb.lock);
	}
	seh_call_put(c);
	return ret ? ret : size;
}

/* ----------------------------------------------------------- write() */

/* Take the unanswered call @seq off the in-flight list, or NULL. */
static struct seh_call *lb_claim(u64 seq)
{
	struct seh_call *c;

	spin_lock(&lb.lock);
	list_for_each_entry(c, &lb.inflight, node) {
		if (c->seq == seq) {
			list_del_init(&c->node);
			c->state = SEH_CALL_COMPLETING;
			spin_unlock(&lb.lock);
			return c;
		}
	}
	spin_unlock(&lb.lock);
	return NULL;
}

static int lb_take_response(struct seh_call *c,
			    const struct vmpl_sgx_lb_header *hdr,
			    const char __user *buf, size_t count)
{
	struct vmpl_sgx_lb_page ent;
	unsigned long left;
	u8 caa_tail[sizeof_field(struct vmpl_sgx_lb_caa, reserved)];
	unsigned int i;
	size_t off;
	void *p;

	if (hdr->magic != VMPL_SGX_LB_MAGIC || hdr->version != VMPL_SGX_LB_VERSION ||
	    hdr->reserved || hdr->npages != c->nwritable ||
	    count != LB_MSG_SIZE(hdr->npages) ||
	    hdr->rcx > VMPL_SGX_SEH_CAA_BUFFER_SIZE)
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

	if (copy_from_user(c->rsp, buf + off, sizeof(c->rsp)) ||
	    copy_from_user(caa_tail, buf + off + sizeof(c->rsp), sizeof(caa_tail)))
		return -EFAULT;
	if (memchr_inv(caa_tail, 0, sizeof(caa_tail)))
		return -EINVAL;
	off += sizeof(struct vmpl_sgx_lb_caa);

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

static ssize_t lb_write(struct file *file, const char __user *buf,
			size_t count, loff_t *ppos)
{
	struct vmpl_sgx_lb_header hdr;
	struct seh_call *c;
	int ret;

	if (count < sizeof(hdr))
		return -EINVAL;
	if (copy_from_user(&hdr, buf, sizeof(hdr)))
		return -EFAULT;
	c = lb_claim(hdr.seq);
	if (!c) {
		if (hdr.magic != VMPL_SGX_LB_MAGIC || hdr.version != VMPL_SGX_LB_VERSION)
			return -EINVAL;
		return -ENOENT;
	}
	ret = lb_take_response(c, &hdr, buf, count);
	if (ret) {
		pr_warn_ratelimited("malformed SEH answer to call %llu (%d); the call fails\n",
				    hdr.seq, ret);
		lb_finish(c, -EPROTO);
		return ret;
	}
	c->result = hdr.rax;
	c->rsp_len = hdr.rcx;
	lb_finish(c, 0);
	return count;
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
	spin_lock(&lb.lock);
	if (lb.session) {
		spin_unlock(&lb.lock);
		return -EBUSY;
	}
	session = ++lb.last_session;
	WRITE_ONCE(lb.session, session);
	spin_unlock(&lb.lock);
	pr_info("loopback SEH attached (session %llu)\n", session);
	return stream_open(inode, file);
}

static int lb_release(struct inode *inode, struct file *file)
{
	u64 session = lb_session();

	lb_session_end();
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

static int lb_init(const char **why)
{
	int ret = misc_register(&lb_misc);

	if (ret)
		*why = "cannot register /dev/vmpl_sgx_seh";
	return ret;
}

static void lb_exit(void)
{
	misc_deregister(&lb_misc);
}

const struct seh_transport seh_transport_loopback = {
	.name = "loopback",
	.id = VMPL_SGX_TRANSPORT_LOOPBACK,
	.init = lb_init,
	.exit = lb_exit,
	.session = lb_session,
	.submit = lb_submit,
	.cancel = lb_cancel,
};
