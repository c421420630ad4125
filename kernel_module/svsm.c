// SPDX-License-Identifier: GPL-2.0
/*
 * The hardware VMPL0 gate: two instruction sequences only an SEV-SNP guest
 * under an SVSM can execute. Everything around them is common code that the
 * emulated gate runs too (and the VM tier's coverage check sees run): the
 * platform check and the SVSM probe at bind (seh.c), mapping each CPU's
 * Calling Area and checking it in every slice (caa.c), and the slice itself
 * with what call_pending and the GHCB MSR response mean (seh_call.c).
 *
 * Needs a kernel with SVSM guest support (mainline >= 6.11: MSR_SVSM_CAA).
 * Elsewhere the common platform check refuses this gate before either
 * operation could run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <asm/msr-index.h>

#include "seh.h"

#ifdef VMPL_SGX_HAVE_SVSM

#include <asm/msr.h>

/* RDMSR of the SVSM CAA MSR: the guest-physical address of this CPU's Calling Area. */
static int svsm_read_caa_msr(u64 *gpa)
{
	u32 lo, hi;

	if (rdmsr_safe(MSR_SVSM_CAA, &lo, &hi))
		return -ENODEV;
	*gpa = ((u64)hi << 32) | lo;
	return 0;
}

/*
 * Run VMPL0 once: GHCB MSR := @ghcb_req, VMGEXIT (the hypervisor runs VMPL0,
 * which answers in the registers), read the MSR, restore it. The GHCB MSR is
 * never intercepted: plain RDMSR/WRMSR, as the kernel does.
 */
static u64 svsm_vmgexit(u64 ghcb_req, struct vmpl_sgx_svsm_regs *regs, struct seh_call *c)
{
	register u64 r8 asm("r8") = regs->r8;
	register u64 r9 asm("r9") = regs->r9;
	u32 lo, hi, saved_lo, saved_hi;

	asm volatile("rdmsr" : "=a" (saved_lo), "=d" (saved_hi)
		     : "c" (MSR_AMD64_SEV_ES_GHCB));
	asm volatile("wrmsr" : : "c" (MSR_AMD64_SEV_ES_GHCB), "a" ((u32)ghcb_req),
		     "d" ((u32)(ghcb_req >> 32)) : "memory");
	asm volatile("rep; vmmcall"
		     : "+a" (regs->rax), "+c" (regs->rcx), "+d" (regs->rdx),
		       "+r" (r8), "+r" (r9)
		     : : "memory");
	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (MSR_AMD64_SEV_ES_GHCB));
	asm volatile("wrmsr" : : "c" (MSR_AMD64_SEV_ES_GHCB), "a" (saved_lo),
		     "d" (saved_hi) : "memory");
	regs->r8 = r8;
	regs->r9 = r9;
	return ((u64)hi << 32) | lo;
}

#else /* !VMPL_SGX_HAVE_SVSM: never bound (seh.c refuses), so never called */

static int svsm_read_caa_msr(u64 *gpa)
{
	return -ENODEV;
}

static u64 svsm_vmgexit(u64 ghcb_req, struct vmpl_sgx_svsm_regs *regs, struct seh_call *c)
{
	return 0;
}

#endif /* VMPL_SGX_HAVE_SVSM */

const struct seh_gate vmpl_sgx_gate_svsm = {
	.name = "svsm",
	.id = VMPL_SGX_TRANSPORT_SVSM,
	.needs_svsm = true,
	.read_caa_msr = svsm_read_caa_msr,
	.vmgexit = svsm_vmgexit,
};
