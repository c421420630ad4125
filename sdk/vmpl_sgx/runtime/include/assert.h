/* SPDX-License-Identifier: MIT */
/* The enclave's assert.h: a failed assert aborts the ecall with file, line and expression. */
#ifndef VMPL_SGX_ASSERT_H
#define VMPL_SGX_ASSERT_H

__attribute__((noreturn)) void vmpl_sgx_assert_fail(const char *expr, const char *file,
						     int line);

#ifdef NDEBUG
#define assert(expr) ((void)0)
#else
#define assert(expr) ((expr) ? (void)0 : vmpl_sgx_assert_fail(#expr, __FILE__, __LINE__))
#endif

#endif /* VMPL_SGX_ASSERT_H */
