/* SPDX-License-Identifier: MIT */
/*
 * The enclave's string.h: musl's functions (vmpl_sgx/musl.py), strerror from
 * runtime/musl_support.c. strdup and strndup allocate from the image's heap
 * (NULL without one). strtok is left out (its state is one for all TCSs):
 * use strtok_r.
 */
#ifndef VMPL_SGX_STRING_H
#define VMPL_SGX_STRING_H

#include <stddef.h>
#include <strings.h>	/* strcasecmp, strncasecmp, as glibc's and musl's string.h */

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
void *memrchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strchrnul(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
char *strcpy(char *dst, const char *src);
char *stpcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *stpncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strncat(char *dst, const char *src, size_t n);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
char *strpbrk(const char *s, const char *accept);
void *memmem(const void *haystack, size_t haystack_len, const void *needle, size_t needle_len);
char *strdup(const char *s);
char *strndup(const char *s, size_t n);
char *strtok_r(char *s, const char *delimiters, char **state);
char *strsep(char **state, const char *delimiters);
char *strerror(int error);

#endif /* VMPL_SGX_STRING_H */
