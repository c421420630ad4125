/* SPDX-License-Identifier: MIT */
/*
 * The C half of the in-enclave runtime: turns the SEH's frame into a
 * struct vmpl_sgx_call, dispatches it, and leaves the enclave for ocalls.
 */
#include "runtime_state.h"

/* Argument block of vmpl_sgx_host_call (entry.S); the offsets are fixed there. */
struct vmpl_sgx_host_call {
	uint64_t fn;
	uint64_t host_rsp;
	uint64_t args[6];
};

uint64_t vmpl_sgx_host_call(struct vmpl_sgx_host_call *call);
uint64_t vmpl_sgx_main(struct vmpl_sgx_enclave_frame *frame, uint64_t host_rsp);

/*
 * The running ecall of each TCS, by thread index, with that thread's stack
 * range, so that malloc, logging and abort find the heap and the way out
 * without a call argument: the stack that holds the caller's frame names
 * the thread. A slot has one writer, its own thread, and a thread only ever
 * matches its own slot, so no lock is needed.
 */
static struct vmpl_sgx_call *running[VMPL_SGX_TRACKED_THREADS];
static uint64_t stack_low[VMPL_SGX_TRACKED_THREADS];
static uint64_t stack_high[VMPL_SGX_TRACKED_THREADS];
static uint64_t slots_used;

struct vmpl_sgx_call *vmpl_sgx_current_call(void)
{
	uint64_t here = (uintptr_t)__builtin_frame_address(0);
	uint64_t used = __atomic_load_n(&slots_used, __ATOMIC_ACQUIRE), i;

	for (i = 0; i < used; i++) {
		if (here >= __atomic_load_n(&stack_low[i], __ATOMIC_RELAXED) &&
		    here < __atomic_load_n(&stack_high[i], __ATOMIC_RELAXED))
			return running[i];
	}
	return NULL;
}

static void track(uint64_t slot, struct vmpl_sgx_call *call)
{
	const struct vmpl_sgx_enclave_thread_data *thread = call->thread;
	uint64_t top = call->enclave_base + thread->stack_top_offset, used;

	running[slot] = call;
	__atomic_store_n(&stack_low[slot], top - thread->stack_size, __ATOMIC_RELAXED);
	__atomic_store_n(&stack_high[slot], top, __ATOMIC_RELAXED);
	used = __atomic_load_n(&slots_used, __ATOMIC_RELAXED);
	while (used <= slot &&
	       !__atomic_compare_exchange_n(&slots_used, &used, slot + 1, 0, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED))
		;
}

uint64_t vmpl_sgx_main(struct vmpl_sgx_enclave_frame *frame, uint64_t host_rsp)
{
	/* The frame is host memory: read each field once, write only output_len. */
	const struct vmpl_sgx_enclave_thread_data *thread =
		(const struct vmpl_sgx_enclave_thread_data *)(uintptr_t)frame->fsbase;
	struct vmpl_sgx_call call = {
		.call_id = frame->call_id,
		.input = (const uint8_t *)(uintptr_t)frame->input,
		.input_len = frame->input_len,
		.output = (uint8_t *)(uintptr_t)frame->output,
		.output_capacity = frame->output_capacity,
		.output_len = 0,
		.thread = thread,
		.enclave_base = frame->fsbase - thread->self_offset,
		.ocall_fn = frame->ocall,
		.host_rsp = host_rsp,
	};
	uint64_t slot = thread->thread_index, status;

	if (slot < VMPL_SGX_TRACKED_THREADS)
		track(slot, &call);
	status = vmpl_sgx_dispatch(&call);
	if (slot < VMPL_SGX_TRACKED_THREADS)
		running[slot] = NULL;

	/* Never report more than the buffer holds, whatever the ecall did with output_len. */
	if (call.output_len > call.output_capacity) {
		call.output_len = 0;
		status = VMPL_SGX_ENCLAVE_STATUS_OUTPUT_TOO_SMALL;
	}
	frame->output_len = call.output_len;
	return status;
}

uint64_t vmpl_sgx_output(struct vmpl_sgx_call *call, const void *data, uint64_t len)
{
	if (call->output_len > call->output_capacity ||
	    len > call->output_capacity - call->output_len)
		return VMPL_SGX_ENCLAVE_STATUS_OUTPUT_TOO_SMALL;
	memcpy(call->output + call->output_len, data, len);
	call->output_len += len;
	return VMPL_SGX_ENCLAVE_STATUS_OK;
}

uint64_t vmpl_sgx_ocall(struct vmpl_sgx_call *call, uint32_t id, const void *request,
			uint64_t request_len, void *response, uint64_t response_capacity,
			uint64_t *response_len)
{
	uint64_t got = 0;
	struct vmpl_sgx_host_call host = {
		.fn = call->ocall_fn,
		.host_rsp = call->host_rsp,
		.args = { id, (uintptr_t)request, request_len, (uintptr_t)response,
			  response_capacity, (uintptr_t)&got },
	};
	uint64_t status;

	if (!host.fn)
		return VMPL_SGX_ENCLAVE_STATUS_OCALL_FAILED;
	status = vmpl_sgx_host_call(&host);
	if (status != VMPL_SGX_ENCLAVE_STATUS_OK)
		return status;
	/* The answer must fit what we offered; anything else is a broken host. */
	if (got > response_capacity)
		return VMPL_SGX_ENCLAVE_STATUS_OCALL_FAILED;
	if (response_len)
		*response_len = got;
	return VMPL_SGX_ENCLAVE_STATUS_OK;
}

void *vmpl_sgx_heap(const struct vmpl_sgx_call *call, uint64_t *size)
{
	const struct vmpl_sgx_enclave_thread_data *thread = call->thread;

	if (!thread->heap_offset || !thread->heap_size) {
		*size = 0;
		return NULL;
	}
	*size = thread->heap_size;
	return (void *)(uintptr_t)(call->enclave_base + thread->heap_offset);
}

uint64_t vmpl_sgx_ereport(struct vmpl_sgx_call *call, const struct vmpl_sgx_targetinfo *target,
			  const uint8_t report_data[VMPL_SGX_REPORT_DATA_SIZE],
			  struct vmpl_sgx_report *report)
{
	uint8_t request[VMPL_SGX_TARGETINFO_SIZE + VMPL_SGX_REPORT_DATA_SIZE];
	uint64_t len = 0, status;

	memcpy(request, target, VMPL_SGX_TARGETINFO_SIZE);
	memcpy(request + VMPL_SGX_TARGETINFO_SIZE, report_data, VMPL_SGX_REPORT_DATA_SIZE);
	status = vmpl_sgx_ocall(call, VMPL_SGX_LEAF_EREPORT, request, sizeof(request), report,
				sizeof(*report), &len);
	if (status == VMPL_SGX_ENCLAVE_STATUS_OK && len != sizeof(*report))
		return VMPL_SGX_ENCLAVE_STATUS_OCALL_FAILED;
	return status;
}

uint64_t vmpl_sgx_egetkey(struct vmpl_sgx_call *call, const struct vmpl_sgx_keyrequest *request,
			  uint8_t key[VMPL_SGX_KEY_SIZE], uint32_t *key_status)
{
	struct vmpl_sgx_key_answer answer;
	uint64_t len = 0, status;

	status = vmpl_sgx_ocall(call, VMPL_SGX_LEAF_EGETKEY, request, sizeof(*request), &answer,
				sizeof(answer), &len);
	if (status != VMPL_SGX_ENCLAVE_STATUS_OK)
		return status;
	if (len != sizeof(answer))
		return VMPL_SGX_ENCLAVE_STATUS_OCALL_FAILED;
	*key_status = answer.status;
	if (answer.status == VMPL_SGX_KEY_STATUS_SUCCESS)
		memcpy(key, answer.key, VMPL_SGX_KEY_SIZE);
	memset(&answer, 0, sizeof(answer));
	return VMPL_SGX_ENCLAVE_STATUS_OK;
}
