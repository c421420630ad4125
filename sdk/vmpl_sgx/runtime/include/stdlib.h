/* SPDX-License-Identifier: MIT */
/* The enclave's stdlib.h: the heap allocator (runtime/malloc.c), abort and wctomb. */
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

#endif /* VMPL_SGX_STDLIB_H */
