/* SPDX-License-Identifier: MIT */
/*
 * Sample enclave that misbehaves on request, for the exception-exit tests.
 * Every fault ecall ends its RUN with an exception exit; the enclave's memory
 * (here: a counter) survives and later ecalls work as before.
 *
 * ecall 0 count():         add one to a counter in enclave memory; return it (u64)
 * ecall 1 null_read():     read address 0                    -> #PF (14)
 * ecall 2 illegal():       ud2                               -> #UD (6)
 * ecall 3 divide():        divide by zero                    -> #DE (0)
 * ecall 4 breakpoint():    int3                              -> #BP (3)
 * ecall 5 write_code():    write to the enclave's own code   -> #PF (14), write
 * ecall 6 stack_overflow(): recurse past the stack's end      -> #PF (14)
 * ecall 7 rendezvous():    wait (bounded) until another TCS arrives too; returns
 *                          the thread index, or BAD_INPUT if the peer never came
 * ecall 8 thread_index():  this TCS's thread index (u64)
 * ecall 9 system_call():   exit(3) through a system call, which SGX forbids -> #UD (6)
 * ecall 10 int80():        exit(3) through int 0x80, the 32-bit system call   -> #UD (6)
 * ecall 11 sysenter():     sysenter                                          -> #UD (6)
 * ecall 12 many_calls():   getpid() a thousand times; the first one faults   -> #UD (6)
 * ecall 13 spin(u64 n):     add 0, 1, ..., n - 1 in enclave memory and return the
 *                          sum (u64); n = 0 spins forever (for preemption tests)
 */
#include "vmpl_sgx_enclave.h"

#define RENDEZVOUS_SPINS 2000000000ull

static uint64_t counter;
static volatile uint64_t arrived;
/* Never reached: keeps the recursion below finite in the compiler's eyes. */
static volatile uint64_t recursion_limit = ~0ull;

static uint64_t ecall_count(struct vmpl_sgx_call *call)
{
	uint64_t value = __atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);

	return vmpl_sgx_output(call, &value, sizeof(value));
}

static uint64_t ecall_null_read(struct vmpl_sgx_call *call)
{
	volatile uint64_t *volatile nowhere = 0;

	(void)call;
	return *nowhere;
}

static uint64_t ecall_illegal(struct vmpl_sgx_call *call)
{
	(void)call;
	__asm__ volatile("ud2");
	return 0;
}

static uint64_t ecall_divide(struct vmpl_sgx_call *call)
{
	volatile uint64_t zero = 0;

	return call->input_len / zero;
}

static uint64_t ecall_breakpoint(struct vmpl_sgx_call *call)
{
	(void)call;
	__asm__ volatile("int3");
	return 0;
}

/* The runtime's entry point: hidden, so its address is a PC-relative constant. */
extern const uint8_t vmpl_sgx_entry[] __attribute__((visibility("hidden")));

static uint64_t ecall_write_code(struct vmpl_sgx_call *call)
{
	volatile uint8_t *code = (volatile uint8_t *)(uintptr_t)vmpl_sgx_entry;

	(void)call;
	*code = 0xcc;
	return 0;
}

static uint64_t recurse(uint64_t depth)
{
	volatile uint8_t pad[512];

	pad[0] = (uint8_t)depth;
	if (depth == recursion_limit)
		return 0;
	return recurse(depth + 1) + pad[0];
}

static uint64_t ecall_stack_overflow(struct vmpl_sgx_call *call)
{
	(void)call;
	return recurse(0);
}

static uint64_t ecall_rendezvous(struct vmpl_sgx_call *call)
{
	uint64_t spins, index = call->thread->thread_index;

	__atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
	for (spins = 0; spins < RENDEZVOUS_SPINS; spins++) {
		if (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) >= 2)
			return vmpl_sgx_output(call, &index, sizeof(index));
		__asm__ volatile("pause");
	}
	__atomic_sub_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
	return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
}

static uint64_t ecall_thread_index(struct vmpl_sgx_call *call)
{
	uint64_t index = call->thread->thread_index;

	return vmpl_sgx_output(call, &index, sizeof(index));
}

static uint64_t ecall_system_call(struct vmpl_sgx_call *call)
{
	(void)call;
	__asm__ volatile("mov $60, %%eax\n\tmov $3, %%edi\n\tsyscall" ::: "rax", "rdi", "rcx", "r11",
			 "memory");
	return 0;
}

static uint64_t ecall_int80(struct vmpl_sgx_call *call)
{
	(void)call;
	__asm__ volatile("mov $1, %%eax\n\tmov $3, %%ebx\n\tint $0x80" ::: "rax", "rbx", "memory");
	return 0;
}

static uint64_t ecall_sysenter(struct vmpl_sgx_call *call)
{
	(void)call;
	__asm__ volatile("mov $1, %%eax\n\tmov $3, %%ebx\n\tsysenter" ::: "rax", "rbx", "rcx",
			 "rdx", "memory");
	return 0;
}

static uint64_t ecall_many_calls(struct vmpl_sgx_call *call)
{
	uint64_t i, pid = 0;

	for (i = 0; i < 1000; i++)
		__asm__ volatile("mov $39, %%eax\n\tsyscall" : "=a"(pid) : : "rcx", "r11", "memory");
	return vmpl_sgx_output(call, &pid, sizeof(pid));
}

static uint64_t ecall_spin(struct vmpl_sgx_call *call)
{
	static volatile uint64_t sum;
	uint64_t i, rounds = 0;

	if (call->input_len != sizeof(rounds))
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	memcpy(&rounds, call->input, sizeof(rounds));
	sum = 0;
	for (i = 0; !rounds || i < rounds; i++)
		sum += i;
	i = sum;
	return vmpl_sgx_output(call, &i, sizeof(i));
}

VMPL_SGX_ECALLS(
	VMPL_SGX_ECALL(0, ecall_count)
	VMPL_SGX_ECALL(1, ecall_null_read)
	VMPL_SGX_ECALL(2, ecall_illegal)
	VMPL_SGX_ECALL(3, ecall_divide)
	VMPL_SGX_ECALL(4, ecall_breakpoint)
	VMPL_SGX_ECALL(5, ecall_write_code)
	VMPL_SGX_ECALL(6, ecall_stack_overflow)
	VMPL_SGX_ECALL(7, ecall_rendezvous)
	VMPL_SGX_ECALL(8, ecall_thread_index)
	VMPL_SGX_ECALL(9, ecall_system_call)
	VMPL_SGX_ECALL(10, ecall_int80)
	VMPL_SGX_ECALL(11, ecall_sysenter)
	VMPL_SGX_ECALL(12, ecall_many_calls)
	VMPL_SGX_ECALL(13, ecall_spin)
)
