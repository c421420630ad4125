/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Do not edit: generated from abi/vmpl_sgx.yaml
 * by codegen/templates/ioctl_table.h.j2.
 * Regenerate with: python -m codegen
 */
/*
 * One handler per ioctl of the spec. An ioctl added to the spec without a
 * handler fails to link; the dispatcher below is the only place that maps
 * command numbers to handlers. Handlers of extensible commands also get the
 * caller's struct size (the spec's extensible-doc).
 */
#ifndef VMPL_SGX_GEN_IOCTL_TABLE_H
#define VMPL_SGX_GEN_IOCTL_TABLE_H

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/string.h>

long vmpl_sgx_ioc_enclave_create(struct file *file, void __user *arg);
long vmpl_sgx_ioc_enclave_add_pages(struct file *file, void __user *arg);
long vmpl_sgx_ioc_enclave_init(struct file *file, void __user *arg);
long vmpl_sgx_ioc_get_info(struct file *file, void __user *arg, unsigned int usize);
long vmpl_sgx_ioc_enclave_run(struct file *file, void __user *arg);
long vmpl_sgx_ioc_enclave_quote(struct file *file, void __user *arg);
long vmpl_sgx_ioc_quoting_target(struct file *file, void __user *arg);

/* A command with its size bits cleared: how extensible commands are matched. */
#define VMPL_SGX_IOC_UNSIZED(cmd) ((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

/**
 * vmpl_sgx_ioctl_dispatch() - call the handler of a known command
 * @file: the open /dev/vmpl_sgx file
 * @cmd: ioctl command; compared whole (number, direction and size), except
 *       the size of an extensible command, which only has to reach its
 *       minimum
 * @arg: user pointer to the command's struct
 *
 * Return: the handler's result, or -ENOTTY for an unknown command.
 */
static inline long vmpl_sgx_ioctl_dispatch(struct file *file, unsigned int cmd,
					   void __user *arg)
{
	switch (cmd) {
	case VMPL_SGX_IOC_ENCLAVE_CREATE:
		return vmpl_sgx_ioc_enclave_create(file, arg);
	case VMPL_SGX_IOC_ENCLAVE_ADD_PAGES:
		return vmpl_sgx_ioc_enclave_add_pages(file, arg);
	case VMPL_SGX_IOC_ENCLAVE_INIT:
		return vmpl_sgx_ioc_enclave_init(file, arg);
	case VMPL_SGX_IOC_ENCLAVE_RUN:
		return vmpl_sgx_ioc_enclave_run(file, arg);
	case VMPL_SGX_IOC_ENCLAVE_QUOTE:
		return vmpl_sgx_ioc_enclave_quote(file, arg);
	case VMPL_SGX_IOC_QUOTING_TARGET:
		return vmpl_sgx_ioc_quoting_target(file, arg);
	}
	switch (VMPL_SGX_IOC_UNSIZED(cmd)) {
	case VMPL_SGX_IOC_UNSIZED(VMPL_SGX_IOC_GET_INFO):
		if (_IOC_SIZE(cmd) < VMPL_SGX_INFO_SIZE_VER0)
			return -ENOTTY;
		return vmpl_sgx_ioc_get_info(file, arg, _IOC_SIZE(cmd));
	}
	return -ENOTTY;
}

/* True when every reserved field of struct vmpl_sgx_info is zero. */
static inline bool vmpl_sgx_info_reserved_clear(const struct vmpl_sgx_info *s)
{
	return !s->reserved0 &&
	       !memchr_inv(s->reserved1, 0, sizeof(s->reserved1));
}

/* True when every reserved field of struct vmpl_sgx_enclave_run is zero. */
static inline bool vmpl_sgx_enclave_run_reserved_clear(const struct vmpl_sgx_enclave_run *s)
{
	return !memchr_inv(s->reserved, 0, sizeof(s->reserved));
}

/* True when every reserved field of struct vmpl_sgx_enclave_quote is zero. */
static inline bool vmpl_sgx_enclave_quote_reserved_clear(const struct vmpl_sgx_enclave_quote *s)
{
	return !s->flags &&
	       !memchr_inv(s->reserved, 0, sizeof(s->reserved));
}

/* True when every reserved field of struct vmpl_sgx_quoting_target is zero. */
static inline bool vmpl_sgx_quoting_target_reserved_clear(const struct vmpl_sgx_quoting_target *s)
{
	return !memchr_inv(s->reserved, 0, sizeof(s->reserved));
}

/* True when every reserved field of struct vmpl_sgx_secs is zero. */
static inline bool vmpl_sgx_secs_reserved_clear(const struct vmpl_sgx_secs *s)
{
	return !memchr_inv(s->reserved1, 0, sizeof(s->reserved1)) &&
	       !memchr_inv(s->reserved2, 0, sizeof(s->reserved2)) &&
	       !memchr_inv(s->reserved3, 0, sizeof(s->reserved3)) &&
	       !memchr_inv(s->reserved4, 0, sizeof(s->reserved4));
}

/* True when every reserved field of struct vmpl_sgx_secinfo is zero. */
static inline bool vmpl_sgx_secinfo_reserved_clear(const struct vmpl_sgx_secinfo *s)
{
	return !memchr_inv(s->reserved, 0, sizeof(s->reserved));
}

/* True when every reserved field of struct vmpl_sgx_tcs is zero. */
static inline bool vmpl_sgx_tcs_reserved_clear(const struct vmpl_sgx_tcs *s)
{
	return !memchr_inv(s->reserved, 0, sizeof(s->reserved));
}

/* True when every reserved field of struct vmpl_sgx_sigstruct is zero. */
static inline bool vmpl_sgx_sigstruct_reserved_clear(const struct vmpl_sgx_sigstruct *s)
{
	return !memchr_inv(s->reserved1, 0, sizeof(s->reserved1)) &&
	       !memchr_inv(s->reserved2, 0, sizeof(s->reserved2)) &&
	       !memchr_inv(s->reserved3, 0, sizeof(s->reserved3)) &&
	       !memchr_inv(s->reserved4, 0, sizeof(s->reserved4));
}

#endif /* VMPL_SGX_GEN_IOCTL_TABLE_H */
