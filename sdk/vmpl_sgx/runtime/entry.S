/* SPDX-License-Identifier: MIT */
/*
 * Enclave entry and the way back out for ocalls.
 *
 * The SEH calls vmpl_sgx_entry(frame) as a System V function on a stack
 * outside the enclave. The thread data of the TCS (at frame->fsbase) names
 * this thread's stack inside the enclave; the entry moves there before any C
 * code runs, so enclave code never uses memory it does not own for its stack.
 * Ocalls go the other way: the host function runs on the host stack, below
 * the point where the SEH entered, never on the small enclave stack.
 */
	.section .text.vmpl_sgx_entry, "ax", @progbits

/* Offsets in struct vmpl_sgx_enclave_frame and _thread_data (vmpl_sgx_enclave_abi.h). */
#define FRAME_FSBASE		16
#define TD_SELF_OFFSET		0
#define TD_STACK_TOP_OFFSET	8

/* uint64_t vmpl_sgx_entry(struct vmpl_sgx_enclave_frame *frame) */
	.globl	vmpl_sgx_entry
	.type	vmpl_sgx_entry, @function
vmpl_sgx_entry:
	mov	FRAME_FSBASE(%rdi), %rax	/* thread data */
	mov	%rax, %rcx
	sub	TD_SELF_OFFSET(%rax), %rcx	/* enclave base = fsbase - self_offset */
	add	TD_STACK_TOP_OFFSET(%rax), %rcx	/* top of this thread's stack */
	and	$-16, %rcx
	mov	%rsp, %rsi			/* host stack, the second argument */
	mov	%rcx, %rsp
	push	%rsi				/* keep it for the way out */
	sub	$8, %rsp			/* 16-byte alignment at the call */
	call	vmpl_sgx_main			/* (frame, host_rsp) -> status in %rax */
	add	$8, %rsp
	pop	%rsp
	ret
	.size	vmpl_sgx_entry, . - vmpl_sgx_entry

/*
 * uint64_t vmpl_sgx_host_call(struct vmpl_sgx_host_call *call)
 * Calls call->fn(args[0..5]) on the host stack at call->host_rsp.
 */
#define HC_FN		0
#define HC_HOST_RSP	8
#define HC_ARGS		16
/* What the host stack keeps free above the new frame (the SEH's red zone). */
#define HOST_STACK_GAP	256

	.globl	vmpl_sgx_host_call
	.type	vmpl_sgx_host_call, @function
vmpl_sgx_host_call:
	push	%rbp
	mov	%rsp, %rbp			/* enclave stack, callee-saved across the call */
	push	%rbx
	mov	%rdi, %rbx
	mov	HC_HOST_RSP(%rbx), %rax
	sub	$HOST_STACK_GAP, %rax
	and	$-16, %rax
	mov	%rax, %rsp
	mov	HC_ARGS+0(%rbx), %rdi
	mov	HC_ARGS+8(%rbx), %rsi
	mov	HC_ARGS+16(%rbx), %rdx
	mov	HC_ARGS+24(%rbx), %rcx
	mov	HC_ARGS+32(%rbx), %r8
	mov	HC_ARGS+40(%rbx), %r9
	call	*HC_FN(%rbx)
	lea	-8(%rbp), %rsp
	pop	%rbx
	pop	%rbp
	ret
	.size	vmpl_sgx_host_call, . - vmpl_sgx_host_call

	.section .note.GNU-stack, "", @progbits
