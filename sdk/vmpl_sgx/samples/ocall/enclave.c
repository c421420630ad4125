/* SPDX-License-Identifier: MIT */
/*
 * Sample enclave that needs the host: it asks for data through ocalls and
 * returns a result built from the answers.
 *
 * ocall 1 GET_RECORD: request u32 index (little-endian); answer the record's bytes
 * ocall 2 LOG:        request a text line; answer empty
 *
 * ecall 0 join(count u32): fetch records 0..count-1 and return them joined
 *         with '|', after logging how many it fetched
 * ecall 1 checksum(count u32): fetch the records and return the u64 sum of
 *         their bytes (the records never leave the enclave)
 * ecall 2 missing(): call an ocall the host has no handler for and return the status
 * ecall 3 relay(bytes): send the input as ocall 3 RELAY and return the answer
 *         (at most 1024 bytes); used to test oversize requests and answers
 */
#include "vmpl_sgx_enclave.h"

#define OCALL_GET_RECORD 1
#define OCALL_LOG 2
#define OCALL_RELAY 3
#define OCALL_MISSING 99
#define RECORD_MAX 1024

static uint64_t read_count(const struct vmpl_sgx_call *call, uint32_t *count)
{
	if (call->input_len != 4)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	*count = (uint32_t)call->input[0] | (uint32_t)call->input[1] << 8 |
		 (uint32_t)call->input[2] << 16 | (uint32_t)call->input[3] << 24;
	return VMPL_SGX_ENCLAVE_STATUS_OK;
}

static uint64_t get_record(struct vmpl_sgx_call *call, uint32_t index, uint8_t *record,
			   uint64_t *len)
{
	uint8_t request[4] = { (uint8_t)index, (uint8_t)(index >> 8), (uint8_t)(index >> 16),
			       (uint8_t)(index >> 24) };

	return vmpl_sgx_ocall(call, OCALL_GET_RECORD, request, sizeof(request), record,
			      RECORD_MAX, len);
}

static uint64_t ecall_join(struct vmpl_sgx_call *call)
{
	uint8_t record[RECORD_MAX];
	static const char line[] = "joined records: ";
	uint8_t text[sizeof(line) + 10];
	uint64_t len, status, text_len = sizeof(line) - 1;
	uint32_t count, i, digits[10], n = 0;

	status = read_count(call, &count);
	if (status)
		return status;
	for (i = 0; i < count; i++) {
		status = get_record(call, i, record, &len);
		if (status)
			return status;
		if (i && (status = vmpl_sgx_output(call, "|", 1)))
			return status;
		if ((status = vmpl_sgx_output(call, record, len)))
			return status;
	}
	memcpy(text, line, text_len);
	do {
		digits[n++] = count % 10;
		count /= 10;
	} while (count);
	while (n)
		text[text_len++] = (uint8_t)('0' + digits[--n]);
	return vmpl_sgx_ocall(call, OCALL_LOG, text, text_len, record, 0, &len);
}

static uint64_t ecall_checksum(struct vmpl_sgx_call *call)
{
	uint8_t record[RECORD_MAX];
	uint64_t len, status, sum = 0, j;
	uint32_t count, i;

	status = read_count(call, &count);
	if (status)
		return status;
	for (i = 0; i < count; i++) {
		status = get_record(call, i, record, &len);
		if (status)
			return status;
		for (j = 0; j < len; j++)
			sum += record[j];
	}
	return vmpl_sgx_output(call, &sum, sizeof(sum));
}

static uint64_t ecall_missing(struct vmpl_sgx_call *call)
{
	uint64_t len = 0;

	return vmpl_sgx_ocall(call, OCALL_MISSING, "?", 1, NULL, 0, &len);
}

static uint64_t ecall_relay(struct vmpl_sgx_call *call)
{
	uint8_t answer[RECORD_MAX];
	uint64_t len = 0, status;

	status = vmpl_sgx_ocall(call, OCALL_RELAY, call->input, call->input_len, answer,
				sizeof(answer), &len);
	if (status)
		return status;
	return vmpl_sgx_output(call, answer, len);
}

VMPL_SGX_ECALLS(
	VMPL_SGX_ECALL(0, ecall_join)
	VMPL_SGX_ECALL(1, ecall_checksum)
	VMPL_SGX_ECALL(2, ecall_missing)
	VMPL_SGX_ECALL(3, ecall_relay)
)
