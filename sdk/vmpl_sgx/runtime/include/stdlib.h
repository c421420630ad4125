/* SPDX-License-Identifier: MIT */
/*
 * The enclave's stdlib.h: the heap allocator (runtime/malloc.c), abort and
 * wctomb from the runtime; number parsing, sorting and searching from musl
 * (vmpl_sgx/musl.py). strtod and the rest of floating-point parsing are left
 * out.
 */
#ifndef VMPL_SGX_STDLIB_H
#define VMPL_SGX_STDLIB_H

#include <stddef.h>

/* Allocations are 16-byte aligned and come from the image's heap; NULL when it is full or absent. */
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);

/* Ends the entry with #UD after telling the host; the ecall raises EnclaveAbortError. */
__attribute__((noreturn)) void abort(void);

/* ASCII only, as musl's C locale: -1 and errno EILSEQ for anything else. */
int wctomb(char *s, wchar_t wc);

/* As C99: out of range gives the limit and errno ERANGE, a base other than 0 or 2-36 errno EINVAL. */
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);

int abs(int value);
long labs(long value);
long long llabs(long long value);

void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *));
/* GNU's argument order, as glibc's and musl's: the context comes last. */
void qsort_r(void *base, size_t count, size_t size,
	     int (*compare)(const void *, const void *, void *), void *context);
void *bsearch(const void *key, const void *base, size_t count, size_t size,
	      int (*compare)(const void *, const void *));

#endif /* VMPL_SGX_STDLIB_H */
