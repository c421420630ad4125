/* SPDX-License-Identifier: MIT */
/*
 * Sample enclave with an EDL interface (records.edl): the bridge hands these
 * functions enclave copies of their buffers, and get_record and log_line are
 * ocall stubs generated from the same file.
 */
#include "records_t.h"
#include "sha256.h"

#define RECORD_MAX 1024
#define FAILED UINT64_MAX

void digest(const uint8_t *data, size_t len, uint8_t *hash)
{
	struct sha256 ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, data, len);
	sha256_final(&ctx, hash);
}

/* "joined records: N" into line (at least 32 bytes). */
static void count_line(char *line, uint32_t count)
{
	static const char text[] = "joined records: ";
	char digits[10];
	size_t at = sizeof(text) - 1, n = 0;

	memcpy(line, text, at);
	do {
		digits[n++] = (char)('0' + count % 10);
		count /= 10;
	} while (count);
	while (n)
		line[at++] = digits[--n];
	line[at] = 0;
}

uint64_t join(uint32_t count, char *joined, size_t capacity)
{
	uint8_t record[RECORD_MAX];
	char line[32];
	uint64_t len, used = 0;
	uint32_t i;

	for (i = 0; i < count; i++) {
		if (get_record(&len, i, record, sizeof(record)) != VMPL_SGX_ENCLAVE_STATUS_OK)
			return FAILED;
		/* The length comes from the host: never trust it past the buffer. */
		if (len > sizeof(record) || len + (i ? 1 : 0) > capacity - used)
			return FAILED;
		if (i)
			joined[used++] = '|';
		memcpy(joined + used, record, len);
		used += len;
	}
	count_line(line, count);
	if (log_line(line) != VMPL_SGX_ENCLAVE_STATUS_OK)
		return FAILED;
	return used;
}
