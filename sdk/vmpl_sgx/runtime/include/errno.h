/* SPDX-License-Identifier: MIT */
/*
 * The enclave's errno.h: errno is per TCS (runtime/musl_support.c). The enclave
 * libc sets EOVERFLOW (snprintf of more than INT_MAX bytes), EILSEQ (%lc or
 * %ls of a character beyond ASCII), ERANGE (strtol and friends out of range)
 * and EINVAL (an invalid strtol base); values are Linux's, as musl's.
 */
#ifndef VMPL_SGX_ERRNO_H
#define VMPL_SGX_ERRNO_H

int *__errno_location(void);
#define errno (*__errno_location())

#define ENOMEM		12
#define EINVAL		22
#define ERANGE		34
#define EOVERFLOW	75
#define EILSEQ		84

#endif /* VMPL_SGX_ERRNO_H */
