/* SPDX-License-Identifier: MIT */
/*
 * The enclave's stdio.h: formatting into memory only (runtime/format.c).
 * Conversions d i u o x X c s p and %, flags - + space # 0, width and
 * precision (also *), lengths hh h l ll z j t. No floating point: %f, %e,
 * %g and %a print nothing but the conversion itself, so a wrong use shows.
 */
#ifndef VMPL_SGX_STDIO_H
#define VMPL_SGX_STDIO_H

#include <stdarg.h>
#include <stddef.h>

int snprintf(char *buf, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *format, va_list args)
	__attribute__((format(printf, 3, 0)));

#endif /* VMPL_SGX_STDIO_H */
