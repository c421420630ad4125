/* SPDX-License-Identifier: MIT */
/*
 * The parts of the enclave libc that need the host or the CPU: logging and
 * abort through the runtime's own ocalls, assert, and RDRAND/RDSEED.
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

/* Intel's guidance: RDRAND may fail transiently, 10 tries make failure vanishingly rare. */
#define RDRAND_TRIES 10
/* RDSEED fails more often under load; it is the fallback, so it gets more tries. */
#define RDSEED_TRIES 100

static int hardware_word(uint64_t *word)
{
	unsigned char ok;
	int i;

	for (i = 0; i < RDRAND_TRIES; i++) {
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*word), "=qm"(ok) : : "cc");
		if (ok)
			return 1;
	}
	for (i = 0; i < RDSEED_TRIES; i++) {
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*word), "=qm"(ok) : : "cc");
		if (ok)
			return 1;
		__builtin_ia32_pause();
	}
	return 0;
}

int vmpl_sgx_random(void *buf, size_t len)
{
	uint8_t *out = buf;
	uint64_t word;
	size_t n;

	while (len) {
		if (!hardware_word(&word))
			return -1;
		n = len < sizeof(word) ? len : sizeof(word);
		memcpy(out, &word, n);
		out += n;
		len -= n;
	}
	word = 0;
	return 0;
}
