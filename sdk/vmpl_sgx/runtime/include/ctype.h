/* SPDX-License-Identifier: MIT */
/*
 * The enclave's ctype.h: musl's classification and case mapping for the C
 * locale (ASCII; every byte above 0x7f is in no class). Arguments are an
 * unsigned char's value or EOF, as C requires.
 */
#ifndef VMPL_SGX_CTYPE_H
#define VMPL_SGX_CTYPE_H

int isalnum(int c);
int isalpha(int c);
int isblank(int c);
int iscntrl(int c);
int isdigit(int c);
int isgraph(int c);
int islower(int c);
int isprint(int c);
int ispunct(int c);
int isspace(int c);
int isupper(int c);
int isxdigit(int c);
int tolower(int c);
int toupper(int c);

#endif /* VMPL_SGX_CTYPE_H */
