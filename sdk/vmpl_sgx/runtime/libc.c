/* SPDX-License-Identifier: MIT */
/*
 * The parts of the enclave libc that need the host: logging and abort through
 * the runtime's own ocalls, and assert. Random numbers: random.c.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_state.h"
#include "vmpl_sgx_libc.h"

/* Request of both runtime ocalls: u32 level (0 for ABORT), then the text. */
static uint64_t send_text(uint32_t id, uint32_t level, const char *text)
{
	struct vmpl_sgx_call *call = vmpl_sgx_current_call();
	uint8_t request[4 + VMPL_SGX_LOG_MAX];
	size_t len = strnlen(text, VMPL_SGX_LOG_MAX);

	if (!call)
		return VMPL_SGX_ENCLAVE_STATUS_OCALL_FAILED;
	memcpy(request, &level, 4);
	memcpy(request + 4, text, len);
	return vmpl_sgx_ocall(call, id, request, 4 + len, NULL, 0, NULL);
}

uint64_t vmpl_sgx_log(int level, const char *format, ...)
{
	char text[VMPL_SGX_LOG_MAX + 1];
	va_list args;

	va_start(args, format);
	vsnprintf(text, sizeof(text), format, args);
	va_end(args);
	return send_text(VMPL_SGX_RUNTIME_OCALL_LOG, (uint32_t)level, text);
}

void vmpl_sgx_abort_message(const char *message)
{
	send_text(VMPL_SGX_RUNTIME_OCALL_ABORT, 0, message);
	for (;;)
		__asm__ volatile("ud2");
}

void abort(void)
{
	vmpl_sgx_abort_message("abort() called");
}

void vmpl_sgx_assert_fail(const char *expr, const char *file, int line)
{
	char text[VMPL_SGX_LOG_MAX + 1];

	snprintf(text, sizeof(text), "%s:%d: assertion failed: %s", file, line, expr);
	vmpl_sgx_abort_message(text);
}
