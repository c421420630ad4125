/* SPDX-License-Identifier: MIT */
/*
 * What the musl objects of the enclave libc (vmpl_sgx/musl.py) call outside
 * themselves, in versions that need no system call, no %fs and no lock.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_state.h"
#include "vmpl_sgx_libc.h"

/*
 * errno, one per tracked TCS (found through the running ecall, like the
 * heap); code that runs outside an ecall, or on a TCS beyond the tracked
 * ones, shares the last one.
 */
static int errno_of[VMPL_SGX_TRACKED_THREADS + 1];

int *__errno_location(void)
{
	struct vmpl_sgx_call *call = vmpl_sgx_current_call();
	uint64_t slot = call ? call->thread->thread_index : VMPL_SGX_TRACKED_THREADS;

	if (slot > VMPL_SGX_TRACKED_THREADS)
		slot = VMPL_SGX_TRACKED_THREADS;
	return &errno_of[slot];
}

/* The name musl's own objects call. */
int *___errno_location(void) __attribute__((alias("__errno_location")));

/*
 * musl's stdio locks a FILE whose lock field is not negative. The only FILE
 * here is vsnprintf's, made with lock -1, so these are never reached; if they
 * were, taking a lock would be wrong, so they abort.
 */
struct _IO_FILE;
int __lockfile(struct _IO_FILE *file);
void __unlockfile(struct _IO_FILE *file);
void __stdio_exit_needed(void);

int __lockfile(struct _IO_FILE *file)
{
	(void)file;
	vmpl_sgx_abort_message("musl stdio tried to lock a FILE");
}

void __unlockfile(struct _IO_FILE *file)
{
	(void)file;
	vmpl_sgx_abort_message("musl stdio tried to unlock a FILE");
}

/* Pulls in flushing at exit in a full libc; an enclave has no open files to flush. */
void __stdio_exit_needed(void)
{
}

/* As musl's C locale: ASCII only. %lc and %ls of anything else fail with EILSEQ. */
int wctomb(char *s, wchar_t wc)
{
	if (!s)
		return 0;	/* no shift states */
	if ((uint32_t)wc < 0x80) {
		*s = (char)wc;
		return 1;
	}
	errno = EILSEQ;
	return -1;
}

/* For %m and for callers: the errno values the enclave libc sets, and a catch-all. */
char *strerror(int error)
{
	switch (error) {
	case 0: return (char *)"No error information";
	case ENOMEM: return (char *)"Out of memory";
	case EINVAL: return (char *)"Invalid argument";
	case ERANGE: return (char *)"Result not representable";
	case EOVERFLOW: return (char *)"Value too large for data type";
	case EILSEQ: return (char *)"Illegal byte sequence";
	default: return (char *)"Unknown error";
	}
}
