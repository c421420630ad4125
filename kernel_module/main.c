// SPDX-License-Identifier: GPL-2.0
/*
 * vmpl_sgx.ko: SGX-style enclaves for SEV-SNP guests. /dev/vmpl_sgx, one
 * enclave per open file; its ioctls are forwarded to the Secure Enclave
 * Handler (SEH) at VMPL0 through one SVSM calling path (seh_call.c), whose
 * VMPL0 gate is the hardware's (svsm) or an emulation that hands calls to a
 * user-space SEH on /dev/vmpl_sgx_seh (loopback) for development and tests.
 *
 * This file: module parameters, load and unload, the misc device and its
 * file operations.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include <linux/vmpl_sgx.h>
#include "seh_abi.h"
#include "ioctl.h"
#include "layout_asserts.h"
#include "encl.h"
#include "quota.h"
#include "seh.h"
#include "stats.h"

#define VMPL_SGX_MODULE_VERSION "0.1.0"

static char *transport = "auto";
module_param(transport, charp, 0444);
MODULE_PARM_DESC(transport,
		 "How to reach the SEH: auto (the SVSM's enclave service, else refuse to load), svsm, or loopback (a user-space SEH on /dev/vmpl_sgx_seh) [auto]");

unsigned int vmpl_sgx_seh_timeout_ms = 30000;
module_param_named(seh_timeout_ms, vmpl_sgx_seh_timeout_ms, uint, 0644);
MODULE_PARM_DESC(seh_timeout_ms,
		 "Loopback: milliseconds a call waits for the SEH's answer before it fails with -ETIMEDOUT and its enclave becomes broken; writable at run time [30000]");

unsigned int vmpl_sgx_max_pages_per_call = VMPL_SGX_SEH_MAX_PAGES_PER_CALL;
module_param_named(max_pages_per_call, vmpl_sgx_max_pages_per_call, uint, 0444);
MODULE_PARM_DESC(max_pages_per_call,
		 "Most pages sent to the SEH in one ADD_PAGES call, 1..128; the SEH's own limit may lower it [128]");

unsigned int vmpl_sgx_seh_pages_per_user = 65536;
module_param_named(seh_pages_per_user, vmpl_sgx_seh_pages_per_user, uint, 0644);
MODULE_PARM_DESC(seh_pages_per_user,
		 "Most pages the SEH holds for the enclaves of one user (SECS and added pages, charged to the user who opened the file until it is closed); beyond it CREATE and ADD_PAGES fail with -EDQUOT; 0: no cap; writable at run time [65536]");

unsigned int vmpl_sgx_seh_retries = 16;
module_param_named(seh_retries, vmpl_sgx_seh_retries, uint, 0644);
MODULE_PARM_DESC(seh_retries,
		 "How many times a call answered INCOMPLETE or BUSY is repeated before its error is returned [16]");

/* ------------------------------------------------------ /dev/vmpl_sgx */

static int vmpl_sgx_open(struct inode *inode, struct file *file)
{
	struct vmpl_sgx_encl *encl = vmpl_sgx_encl_alloc();

	if (!encl)
		return -ENOMEM;
	file->private_data = encl;
	return nonseekable_open(inode, file);
}

static int vmpl_sgx_release(struct inode *inode, struct file *file)
{
	vmpl_sgx_encl_release(file->private_data);
	return 0;
}

static const struct file_operations vmpl_sgx_fops = {
	.owner = THIS_MODULE,
	.open = vmpl_sgx_open,
	.release = vmpl_sgx_release,
	.unlocked_ioctl = vmpl_sgx_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice vmpl_sgx_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmpl_sgx",
	.fops = &vmpl_sgx_fops,
	.mode = 0660,
};

/* ------------------------------------------------------ load, unload */

static int __init vmpl_sgx_init(void)
{
	const struct seh_gate *t;
	const char *why = "unknown reason";
	bool is_auto = false;
	int ret;

	if (vmpl_sgx_max_pages_per_call < 1 ||
	    vmpl_sgx_max_pages_per_call > VMPL_SGX_SEH_MAX_PAGES_PER_CALL) {
		pr_err("max_pages_per_call=%u is outside 1..%u\n",
		       vmpl_sgx_max_pages_per_call, VMPL_SGX_SEH_MAX_PAGES_PER_CALL);
		return -EINVAL;
	}
	if (!transport || sysfs_streq(transport, "auto")) {
		t = &vmpl_sgx_gate_svsm;
		is_auto = true;
	} else if (sysfs_streq(transport, "svsm")) {
		t = &vmpl_sgx_gate_svsm;
	} else if (sysfs_streq(transport, "loopback")) {
		t = &vmpl_sgx_gate_loopback;
	} else {
		pr_err("transport=%s is none of auto, svsm, loopback\n", transport);
		return -EINVAL;
	}

	vmpl_sgx_stats_init();
	ret = vmpl_sgx_seh_call_cache_init();
	if (ret)
		goto err_stats;
	ret = vmpl_sgx_seh_bind(t, &why);
	if (ret) {
		if (is_auto)
			pr_err("no SVSM enclave service to bind to (%s); load with transport=loopback to use a user-space SEH\n",
			       why);
		else
			pr_err("transport=%s unavailable: %s\n", t->name, why);
		goto err_cache;
	}
	/* The user-visible devices last: nothing may fail once a file can be open. */
	ret = misc_register(&vmpl_sgx_misc);
	if (ret) {
		pr_err("cannot register /dev/vmpl_sgx (%d)\n", ret);
		goto err_unbind;
	}
	if (t->publish) {
		ret = t->publish(&why);
		if (ret) {
			pr_err("transport=%s unavailable: %s\n", t->name, why);
			misc_deregister(&vmpl_sgx_misc);
			goto err_unbind;
		}
	}
	pr_info("version %s loaded, transport %s\n", VMPL_SGX_MODULE_VERSION, t->name);
	return 0;

err_unbind:
	vmpl_sgx_seh_unbind();
err_cache:
	vmpl_sgx_seh_call_cache_exit();
err_stats:
	vmpl_sgx_stats_exit();
	return ret;
}

static void __exit vmpl_sgx_exit(void)
{
	const struct seh_gate *g = vmpl_sgx_seh_gate_bound();

	if (g && g->unpublish)
		g->unpublish();
	misc_deregister(&vmpl_sgx_misc);
	vmpl_sgx_seh_unbind();
	vmpl_sgx_seh_call_cache_exit();
	vmpl_sgx_stats_exit();
}

module_init(vmpl_sgx_init);
module_exit(vmpl_sgx_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("SGX-style enclaves for AMD SEV-SNP guests through an SVSM Secure Enclave Handler");
MODULE_AUTHOR("The vmpl-sgx developers");
MODULE_VERSION(VMPL_SGX_MODULE_VERSION);
