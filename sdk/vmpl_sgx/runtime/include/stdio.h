/* SPDX-License-Identifier: MIT */
/*
 * The enclave's stdio.h: formatting into memory only, with musl's vfprintf
 * (vmpl_sgx/musl.py). Every C99 conversion including floating point
 * (%f %e %g %a), %n and %m; %lc and %ls for ASCII only (else -1, errno
 * EILSEQ); more than INT_MAX bytes gives -1 and errno EOVERFLOW. sprintf and
 * vsprintf trust the buffer to be large enough, as everywhere: prefer
 * snprintf. No FILE: printf, fopen and the like are not linked (the build
 * names them).
 */
#ifndef VMPL_SGX_STDIO_H
#define VMPL_SGX_STDIO_H

#include <stdarg.h>
#include <stddef.h>

int snprintf(char *buf, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *format, va_list args)
	__attribute__((format(printf, 3, 0)));
int sprintf(char *buf, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
int vsprintf(char *buf, const char *format, va_list args)
	__attribute__((format(printf, 2, 0)));

#endif /* VMPL_SGX_STDIO_H */
