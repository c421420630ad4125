/* SPDX-License-Identifier: MIT */
/*
 * Sample enclave that uses the runtime's libc, one ecall per part, so that
 * the tests can check each against Python.
 *
 * ecall 0 format(u32 capacity, u8 kind, value, format\0): snprintf of one
 *         value (passed four times, for up to four conversions) into a buffer of `capacity` bytes (at most 256); kind 'i' int,
 *         'I' long long, 'u' unsigned, 'U' unsigned long long, 'f' double
 *         (values 8 bytes, little-endian), 's' string\0, 'c' one byte, 'n' none.
 *         Answers i32 snprintf's return value, then the buffer up to its NUL.
 * ecall 1 heap(u32 rounds): allocate, fill, grow, shrink and free blocks of
 *         many sizes, checking every byte; answers "ok" or BAD_INPUT
 *         (something was wrong) and fails OUTPUT_TOO_SMALL without a heap.
 * ecall 2 heap_race(u32 rounds): the same from several TCSs at once;
 *         answers u32 corrupted blocks (0 expected).
 * ecall 3 strings(a\0b\0): answers i32 each: strlen(a), strnlen(a, 3),
 *         sign of strcmp(a, b), sign of strncmp(a, b, 2), strchr(a, b[0]),
 *         strrchr(a, b[0]), strstr(a, b), memchr(a, b[0], strlen(a)) as
 *         offsets in a (-1 for NULL), then strcpy+strcat of a and b and
 *         strncpy(a, 4) as text, each ended by NUL.
 * ecall 4 log(text): logs "enclave says <text> (<length>)" at INFO.
 * ecall 5 check(bytes): assert(input is empty).
 * ecall 6 abort(): abort().
 * ecall 7 random(u32 n): n (at most 4096) random bytes, or OCALL_FAILED if
 *         the hardware gave none.
 * ecall 8 heap_limits(): malloc of more than the heap, calloc overflow and
 *         a realloc that cannot grow all fail cleanly; answers "ok".
 * ecall 9 misuse(u8 how): 0 frees a block twice, 1 frees a stack address,
 *         2 writes past a block and then allocates; each aborts the ecall.
 * ecall 10 errors(): snprintf's failures with errno after each, as text
 *         "ret errno|..." for a size over INT_MAX, %lc of U+263A and an
 *         unknown conversion, then strerror(EOVERFLOW), strerror(ERANGE) and
 *         %m of EILSEQ.
 * ecall 11 parse(u8 which, i32 base, text\0): which 0-3 strtol, strtoul,
 *         strtoll, strtoull of text in base; 4-6 atoi, atol, atoll; 7-9 abs of
 *         atoi, labs of atol, llabs of atoll. Answers
 *         the value as 8 bytes (sign-extended for the signed ones), i32 the
 *         end's offset in text (-1 for 4-9) and i32 errno.
 * ecall 12 sort(i32 values[]): answers the values sorted by qsort
 *         (ascending), then by qsort_r (descending: its context says so),
 *         then i32 bsearch's index of each input value in the ascending
 *         array and of one value not in it (-1).
 * ecall 13 text(a\0b\0): answers i32 sign of strcasecmp(a, b), sign of
 *         strncasecmp(a, b, 3), memmem's offset of b in a (-1 for NULL) and
 *         sprintf's count; then as text, each ended by NUL: a's tokens by
 *         strtok_r with b's bytes as delimiters, joined by '|'; the same by
 *         strsep; strdup(a); strndup(a, 3); sprintf("%s=%d", a, strlen(a)).
 * ecall 14 ctype(): for each byte value 0-255, u16 class bits (isalnum,
 *         isalpha, isblank, iscntrl, isdigit, isgraph, islower, isprint,
 *         ispunct, isspace, isupper, isxdigit, bits 0-11), u8 tolower and u8
 *         toupper; then the same four bytes for EOF.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmpl_sgx_enclave.h"
#include "vmpl_sgx_libc.h"

static uint64_t read_u32(const struct vmpl_sgx_call *call, uint32_t *value)
{
	if (call->input_len < 4)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	memcpy(value, call->input, 4);
	return VMPL_SGX_ENCLAVE_STATUS_OK;
}

static uint64_t ecall_format(struct vmpl_sgx_call *call)
{
	uint8_t input[1024];
	char out[256];
	const char *format, *text;
	uint64_t value = 0, len = call->input_len, at = 5;
	double real;
	uint32_t capacity;
	int32_t n;
	uint8_t kind;

	/* Copy in first: the input is host memory and may change under us. */
	if (len < 6 || len > sizeof(input))
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	memcpy(input, call->input, len);
	if (input[len - 1] != 0)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	memcpy(&capacity, input, 4);
	kind = input[4];
	if (capacity > sizeof(out))
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	text = (const char *)input + at;
	if (kind == 'i' || kind == 'I' || kind == 'u' || kind == 'U' || kind == 'f') {
		if (len < at + 9)
			return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
		memcpy(&value, input + at, 8);
		at += 8;
	} else if (kind == 's') {
		at += strlen(text) + 1;
	} else if (kind == 'c') {
		value = input[at++];
	}
	if (at >= len)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	format = (const char *)input + at;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	/* The value four times over: a format may use it up to four times. */
#define FOUR(v) v, v, v, v
	switch (kind) {
	case 'i': n = snprintf(out, capacity, format, FOUR((int)value)); break;
	case 'I': n = snprintf(out, capacity, format, FOUR((long long)value)); break;
	case 'u': n = snprintf(out, capacity, format, FOUR((unsigned int)value)); break;
	case 'U': n = snprintf(out, capacity, format, FOUR((unsigned long long)value)); break;
	case 'f':
		memcpy(&real, &value, 8);
		n = snprintf(out, capacity, format, FOUR(real));
		break;
	case 's': n = snprintf(out, capacity, format, FOUR(text)); break;
	case 'c': n = snprintf(out, capacity, format, FOUR((int)value)); break;
	case 'n': n = snprintf(out, capacity, format, 0); break;
	default: return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	}
#pragma GCC diagnostic pop
	if (vmpl_sgx_output(call, &n, 4))
		return VMPL_SGX_ENCLAVE_STATUS_OUTPUT_TOO_SMALL;
	return vmpl_sgx_output(call, out, capacity ? strlen(out) : 0);
}

/* A byte pattern that depends on block and position, so mixed-up blocks show. */
static uint8_t pattern(uint32_t block, uint64_t i)
{
	return (uint8_t)(block * 31 + i * 7 + 1);
}

static void fill(uint8_t *p, uint32_t block, uint64_t from, uint64_t to)
{
	for (; from < to; from++)
		p[from] = pattern(block, from);
}

static int intact(const uint8_t *p, uint32_t block, uint64_t len)
{
	uint64_t i;

	for (i = 0; i < len; i++) {
		if (p[i] != pattern(block, i))
			return 0;
	}
	return 1;
}

#define BLOCKS 32

/* One round of churn over BLOCKS blocks; the number of blocks found corrupted. */
static uint32_t churn(uint32_t round, uint32_t salt)
{
	uint8_t *blocks[BLOCKS];
	uint64_t sizes[BLOCKS];
	uint32_t i, bad = 0, id;

	for (i = 0; i < BLOCKS; i++) {
		id = salt + i;
		sizes[i] = 1 + (uint64_t)((i * 97 + round * 13) % 700);
		blocks[i] = malloc(sizes[i]);
		if (!blocks[i] || (uintptr_t)blocks[i] % 16)
			return BLOCKS + 1;
		fill(blocks[i], id, 0, sizes[i]);
	}
	/* Free every third, then grow and shrink the others across the holes. */
	for (i = 0; i < BLOCKS; i += 3) {
		free(blocks[i]);
		blocks[i] = NULL;
	}
	for (i = 0; i < BLOCKS; i++) {
		uint64_t grown;
		uint8_t *moved;

		if (!blocks[i])
			continue;
		id = salt + i;
		grown = i % 2 ? sizes[i] * 3 + 5 : sizes[i] / 2 + 1;
		moved = realloc(blocks[i], grown);
		if (!moved)
			return BLOCKS + 2;
		blocks[i] = moved;
		if (!intact(moved, id, grown < sizes[i] ? grown : sizes[i]))
			bad++;
		if (grown > sizes[i])
			fill(moved, id, sizes[i], grown);
		sizes[i] = grown;
	}
	for (i = 0; i < BLOCKS; i++) {
		if (blocks[i] && !intact(blocks[i], salt + i, sizes[i]))
			bad++;
		free(blocks[i]);
	}
	return bad;
}

static uint64_t ecall_heap(struct vmpl_sgx_call *call)
{
	uint64_t heap_size;
	uint32_t rounds, r;
	uint8_t *zeros;

	if (read_u32(call, &rounds))
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	if (!vmpl_sgx_heap(call, &heap_size))
		return VMPL_SGX_ENCLAVE_STATUS_OUTPUT_TOO_SMALL;
	for (r = 0; r < rounds; r++) {
		if (churn(r, r * BLOCKS))
			return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	}
	zeros = calloc(1000, 3);
	if (!zeros)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	for (r = 0; r < 3000; r++) {
		if (zeros[r])
			return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	}
	free(zeros);
	return vmpl_sgx_output(call, "ok", 2);
}

static uint64_t ecall_heap_race(struct vmpl_sgx_call *call)
{
	uint32_t rounds, r, bad = 0;
	uint32_t salt = (uint32_t)call->thread->thread_index * 100000;

	if (read_u32(call, &rounds))
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	for (r = 0; r < rounds; r++)
		bad += churn(r, salt + r * BLOCKS);
	return vmpl_sgx_output(call, &bad, 4);
}

static int32_t offset_in(const char *base, const void *found)
{
	return found ? (int32_t)((const char *)found - base) : -1;
}

static int32_t sign(int value)
{
	return (value > 0) - (value < 0);
}

/* The input a\0b\0 copied into input[256]; returns b, or NULL if the input is not that. */
static char *two_strings(const struct vmpl_sgx_call *call, char input[256])
{
	uint64_t len = call->input_len;

	if (len < 2 || len > 256)
		return NULL;
	memcpy(input, call->input, len);
	if (input[len - 1] != 0 || strlen(input) + 1 >= len)
		return NULL;
	return input + strlen(input) + 1;
}

static uint64_t ecall_strings(struct vmpl_sgx_call *call)
{
	char input[256], joined[512], first4[5];
	int32_t answers[8];
	const char *a = input, *b = two_strings(call, input);
	uint64_t status;

	if (!b)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	answers[0] = (int32_t)strlen(a);
	answers[1] = (int32_t)strnlen(a, 3);
	answers[2] = sign(strcmp(a, b));
	answers[3] = sign(strncmp(a, b, 2));
	answers[4] = offset_in(a, strchr(a, b[0]));
	answers[5] = offset_in(a, strrchr(a, b[0]));
	answers[6] = offset_in(a, strstr(a, b));
	answers[7] = offset_in(a, memchr(a, b[0], strlen(a)));
	strcpy(joined, a);
	strcat(joined, b);
	memset(first4, 'x', sizeof(first4));
	strncpy(first4, a, 4);
	first4[4] = '\0';
	status = vmpl_sgx_output(call, answers, sizeof(answers));
	if (!status)
		status = vmpl_sgx_output(call, joined, strlen(joined) + 1);
	if (!status)
		status = vmpl_sgx_output(call, first4, strlen(first4) + 1);
	return status;
}

static uint64_t ecall_log(struct vmpl_sgx_call *call)
{
	char text[128];
	uint64_t len = call->input_len < sizeof(text) - 1 ? call->input_len : sizeof(text) - 1;

	memcpy(text, call->input, len);
	text[len] = '\0';
	return vmpl_sgx_log(VMPL_SGX_LOG_INFO, "enclave says %s (%d)", text, (int)len);
}

static uint64_t ecall_check(struct vmpl_sgx_call *call)
{
	assert(call->input_len == 0);
	return VMPL_SGX_ENCLAVE_STATUS_OK;
}

static uint64_t ecall_abort(struct vmpl_sgx_call *call)
{
	(void)call;
	abort();
}

static uint64_t ecall_random(struct vmpl_sgx_call *call)
{
	uint8_t bytes[4096];
	uint32_t n;

	if (read_u32(call, &n) || n > sizeof(bytes))
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	if (vmpl_sgx_random(bytes, n))
		return VMPL_SGX_ENCLAVE_STATUS_OCALL_FAILED;
	return vmpl_sgx_output(call, bytes, n);
}

static uint64_t ecall_heap_limits(struct vmpl_sgx_call *call)
{
	uint64_t heap_size;
	void *small, *grown;

	if (!vmpl_sgx_heap(call, &heap_size))
		return VMPL_SGX_ENCLAVE_STATUS_OUTPUT_TOO_SMALL;
	if (malloc(heap_size) || malloc((size_t)-1) || calloc((size_t)1 << 33, (size_t)1 << 33))
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	small = malloc(100);
	if (!small)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	memset(small, 0x5a, 100);
	grown = realloc(small, heap_size);
	/* A failed realloc leaves the block as it was. */
	if (grown || ((uint8_t *)small)[99] != 0x5a)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	free(small);
	/* Everything freed again: nearly the whole heap is one block. */
	grown = malloc(heap_size - 64);
	if (!grown)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	free(grown);
	return vmpl_sgx_output(call, "ok", 2);
}

static uint64_t ecall_misuse(struct vmpl_sgx_call *call)
{
	char local[16];
	uint8_t *block;
	void *volatile wrong = local;	/* volatile: the compiler would refuse to free it */

	if (call->input_len != 1)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	block = malloc(24);
	if (!block)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	switch (call->input[0]) {
	case 0:
		free(block);
		free(block);
		break;
	case 1:
		free(wrong);
		break;
	case 2:
		memset(block, 0xff, 40);	/* over the next block's header */
		free(malloc(1000));
		break;
	}
	return VMPL_SGX_ENCLAVE_STATUS_OK;
}

static uint64_t ecall_errors(struct vmpl_sgx_call *call)
{
	char buf[8], text[160];
	int big, wide, unknown, big_errno, wide_errno, unknown_errno;
	const char *unknown_format = "%y";

	errno = 0;
	big = snprintf(buf, (size_t)INT_MAX + 1, "x");
	big_errno = errno;
	errno = 0;
	wide = snprintf(buf, sizeof(buf), "%lc", 0x263Au);
	wide_errno = errno;
	errno = 0;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	unknown = snprintf(buf, sizeof(buf), unknown_format);
#pragma GCC diagnostic pop
	unknown_errno = errno;
	errno = EILSEQ;
	snprintf(text, sizeof(text), "%d %d|%d %d|%d %d|%s|%s|%m", big, big_errno, wide,
		 wide_errno, unknown, unknown_errno, strerror(EOVERFLOW), strerror(ERANGE));
	return vmpl_sgx_output(call, text, strlen(text));
}

static uint64_t ecall_parse(struct vmpl_sgx_call *call)
{
	char text[128];
	char *end = NULL;
	int64_t value;
	int32_t base, tail[2];
	uint8_t which;
	uint64_t len = call->input_len;

	if (len < 6 || len - 5 > sizeof(text) || call->input[len - 1] != 0)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	which = call->input[0];
	memcpy(&base, call->input + 1, 4);
	memcpy(text, call->input + 5, len - 5);
	errno = 0;
	switch (which) {
	case 0: value = strtol(text, &end, base); break;
	case 1: value = (int64_t)strtoul(text, &end, base); break;
	case 2: value = strtoll(text, &end, base); break;
	case 3: value = (int64_t)strtoull(text, &end, base); break;
	case 4: value = atoi(text); break;
	case 5: value = atol(text); break;
	case 6: value = atoll(text); break;
	case 7: value = abs(atoi(text)); break;
	case 8: value = labs(atol(text)); break;
	case 9: value = llabs(atoll(text)); break;
	default: return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	}
	tail[0] = end ? (int32_t)(end - text) : -1;
	tail[1] = errno;
	if (vmpl_sgx_output(call, &value, sizeof(value)))
		return VMPL_SGX_ENCLAVE_STATUS_OUTPUT_TOO_SMALL;
	return vmpl_sgx_output(call, tail, sizeof(tail));
}

static int ascending(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

static int ordered(const void *a, const void *b, void *direction)
{
	return *(const int *)direction * ascending(a, b);
}

static uint64_t ecall_sort(struct vmpl_sgx_call *call)
{
	int32_t input[256], up[256], down[256], found[257];
	const int32_t *hit;
	int descending = -1;
	int32_t missing = INT32_MIN;
	size_t n = call->input_len / 4, i;
	uint64_t status;

	if (call->input_len % 4 || n > 256)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	memcpy(input, call->input, n * 4);
	memcpy(up, input, n * 4);
	memcpy(down, input, n * 4);
	qsort(up, n, 4, ascending);
	qsort_r(down, n, 4, ordered, &descending);
	for (i = 0; i <= n; i++) {
		hit = bsearch(i < n ? &input[i] : &missing, up, n, 4, ascending);
		found[i] = hit ? (int32_t)(hit - up) : -1;
	}
	status = vmpl_sgx_output(call, up, n * 4);
	if (!status)
		status = vmpl_sgx_output(call, down, n * 4);
	if (!status)
		status = vmpl_sgx_output(call, found, (n + 1) * 4);
	return status;
}

static uint64_t output_text(struct vmpl_sgx_call *call, const char *text)
{
	return vmpl_sgx_output(call, text, strlen(text) + 1);
}

static void join_tokens(char *out, char *token, char **state, const char *delimiters,
			int by_strsep)
{
	const char *separator = "";

	*out = '\0';
	for (; token; token = by_strsep ? strsep(state, delimiters) :
					  strtok_r(NULL, delimiters, state)) {
		strcat(out, separator);
		strcat(out, token);
		separator = "|";
	}
}

static uint64_t ecall_text(struct vmpl_sgx_call *call)
{
	char input[256], work[256], tokens[512], separated[512], formatted[300];
	char *a = input, *b = two_strings(call, input), *state, *copy, *prefix;
	int32_t answers[4];
	uint64_t status;

	if (!b)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	answers[0] = sign(strcasecmp(a, b));
	answers[1] = sign(strncasecmp(a, b, 3));
	answers[2] = offset_in(a, memmem(a, strlen(a), b, strlen(b)));
	answers[3] = sprintf(formatted, "%s=%d", a, (int)strlen(a));
	strcpy(work, a);
	join_tokens(tokens, strtok_r(work, b, &state), &state, b, 0);
	strcpy(work, a);
	state = work;
	join_tokens(separated, strsep(&state, b), &state, b, 1);
	copy = strdup(a);
	prefix = strndup(a, 3);
	if (!copy || !prefix) {
		free(copy);
		free(prefix);
		return VMPL_SGX_ENCLAVE_STATUS_OUTPUT_TOO_SMALL;	/* no heap */
	}
	status = vmpl_sgx_output(call, answers, sizeof(answers));
	if (!status)
		status = output_text(call, tokens);
	if (!status)
		status = output_text(call, separated);
	if (!status)
		status = output_text(call, copy);
	if (!status)
		status = output_text(call, prefix);
	if (!status)
		status = output_text(call, formatted);
	free(copy);
	free(prefix);
	return status;
}

/* Bits, not a table of function pointers: the image may hold no relocations. */
static uint16_t classes_of(int c)
{
	uint16_t bits = 0;

	bits |= isalnum(c) ? 1u << 0 : 0;
	bits |= isalpha(c) ? 1u << 1 : 0;
	bits |= isblank(c) ? 1u << 2 : 0;
	bits |= iscntrl(c) ? 1u << 3 : 0;
	bits |= isdigit(c) ? 1u << 4 : 0;
	bits |= isgraph(c) ? 1u << 5 : 0;
	bits |= islower(c) ? 1u << 6 : 0;
	bits |= isprint(c) ? 1u << 7 : 0;
	bits |= ispunct(c) ? 1u << 8 : 0;
	bits |= isspace(c) ? 1u << 9 : 0;
	bits |= isupper(c) ? 1u << 10 : 0;
	bits |= isxdigit(c) ? 1u << 11 : 0;
	return bits;
}

static uint64_t ecall_ctype(struct vmpl_sgx_call *call)
{
	uint8_t rows[257][4];	/* EOF's row last */
	uint16_t bits;
	uint8_t *row;
	int c;

	for (c = -1; c < 256; c++) {
		bits = classes_of(c);
		row = rows[c < 0 ? 256 : c];
		memcpy(row, &bits, 2);
		row[2] = (uint8_t)tolower(c);
		row[3] = (uint8_t)toupper(c);
	}
	return vmpl_sgx_output(call, rows, sizeof(rows));
}

VMPL_SGX_ECALLS(
	VMPL_SGX_ECALL(0, ecall_format)
	VMPL_SGX_ECALL(1, ecall_heap)
	VMPL_SGX_ECALL(2, ecall_heap_race)
	VMPL_SGX_ECALL(3, ecall_strings)
	VMPL_SGX_ECALL(4, ecall_log)
	VMPL_SGX_ECALL(5, ecall_check)
	VMPL_SGX_ECALL(6, ecall_abort)
	VMPL_SGX_ECALL(7, ecall_random)
	VMPL_SGX_ECALL(8, ecall_heap_limits)
	VMPL_SGX_ECALL(9, ecall_misuse)
	VMPL_SGX_ECALL(10, ecall_errors)
	VMPL_SGX_ECALL(11, ecall_parse)
	VMPL_SGX_ECALL(12, ecall_sort)
	VMPL_SGX_ECALL(13, ecall_text)
	VMPL_SGX_ECALL(14, ecall_ctype)
)
