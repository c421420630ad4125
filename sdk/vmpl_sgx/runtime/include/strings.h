/* SPDX-License-Identifier: MIT */
/* The enclave's strings.h: musl's ASCII case-insensitive comparisons (the C locale). */
#ifndef VMPL_SGX_STRINGS_H
#define VMPL_SGX_STRINGS_H

#include <stddef.h>

int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);

#endif /* VMPL_SGX_STRINGS_H */
