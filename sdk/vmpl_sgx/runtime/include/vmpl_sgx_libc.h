/* SPDX-License-Identifier: MIT */
/*
 * The enclave's small libc beyond the C standard headers in this directory:
 * logging to the host and hardware random numbers.
 *
 * Both work only while an ecall runs (they find it through the TCS that runs
 * them); outside one, vmpl_sgx_log drops the line and abort still ends the
 * entry, without a message.
 */
#ifndef VMPL_SGX_LIBC_H
#define VMPL_SGX_LIBC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The ocall ids the runtime itself uses, VMPL_SGX_RUNTIME_OCALL_LOG and
 * _ABORT, come from the spec (vmpl_sgx_enclave_abi.h). The SDK serves them
 * (EnclaveApp): LOG goes to Python's logging (logger "vmpl_sgx.enclave"),
 * ABORT makes the ecall raise EnclaveAbortError.
 */
#include "vmpl_sgx_enclave_abi.h"

/* Levels as Python's logging numbers them. */
#define VMPL_SGX_LOG_DEBUG	10
#define VMPL_SGX_LOG_INFO	20
#define VMPL_SGX_LOG_WARNING	30
#define VMPL_SGX_LOG_ERROR	40

/* Longest log or abort message; longer ones are cut. */
#define VMPL_SGX_LOG_MAX	512

/*
 * Format like printf and send the line to the host at `level`. Returns a
 * VMPL_SGX_ENCLAVE_STATUS_* value (OCALL_FAILED outside an ecall).
 */
uint64_t vmpl_sgx_log(int level, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Tell the host `message` and end the entry with #UD, as SGX's abort does. */
__attribute__((noreturn)) void vmpl_sgx_abort_message(const char *message);

/*
 * Fill buf with len random bytes from RDRAND, each word retried up to 10
 * times, then from RDSEED (up to 100 times). Returns 0, or -1 if the
 * hardware gave nothing within those bounds (buf contents are then unusable).
 */
int vmpl_sgx_random(void *buf, size_t len);

#endif /* VMPL_SGX_LIBC_H */
