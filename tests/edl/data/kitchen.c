/* SPDX-License-Identifier: MIT */
/* The enclave side of kitchen.edl. */
#include "kitchen_t.h"

int32_t sum(const int32_t *values, size_t n)
{
	int32_t total = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total += values[i];
	return total;
}

void fill(uint8_t *buf, size_t len, uint8_t value)
{
	memset(buf, value, len);
}

uint64_t reverse(void *buf, size_t len)
{
	uint8_t *bytes = buf, swap;
	size_t i;

	for (i = 0; i < len / 2; i++) {
		swap = bytes[i];
		bytes[i] = bytes[len - 1 - i];
		bytes[len - 1 - i] = swap;
	}
	return len;
}

uint64_t length(const char *text)
{
	uint64_t n = 0;

	while (text[n])
		n++;
	return n;
}

uint64_t address(void *where)
{
	return (uint64_t)(uintptr_t)where;
}

double half(double value, float bias)
{
	return value / 2 + bias;
}

int8_t negate(int8_t value)
{
	return (int8_t)-value;
}

/* The ocall answers folded into one number, or 1000 + the failing status. */
uint64_t ask(uint32_t which)
{
	uint32_t words[4] = { 0 };
	uint8_t blob[16];
	uint64_t got = 0, status;
	double scaled = 0;
	int32_t token = 0;
	unsigned int i;

	status = ocall_words(&got, which, words);
	if (status)
		return 1000 + status;
	for (i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)i;
	status = ocall_scale(&scaled, 2.0, blob);
	if (status)
		return 1000 + status;
	status = ocall_wait(&token, (int32_t)which);
	if (status)
		return 1000 + status;
	return got + words[0] + words[3] + (uint64_t)scaled + (uint64_t)token;
}

uint64_t greet(const char *name)
{
	char line[64] = KITCHEN_GREETING;
	size_t at = sizeof(KITCHEN_GREETING) - 1, i;

	for (i = 0; name[i] && at < sizeof(line) - 1; i++)
		line[at++] = name[i];
	line[at] = 0;
	return ocall_print(line);
}

void nothing(void)
{
}
