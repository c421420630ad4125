/* SPDX-License-Identifier: GPL-2.0 */
/* The ioctl entry point of /dev/vmpl_sgx (ioctl.c). */
#ifndef VMPL_SGX_IOCTL_H
#define VMPL_SGX_IOCTL_H

#include <linux/fs.h>

long vmpl_sgx_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* VMPL_SGX_IOCTL_H */
