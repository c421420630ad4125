// SPDX-License-Identifier: GPL-2.0
/*
 * The hardware VMPL0 gate: this CPU's SVSM Calling Area (CAA), the GHCB MSR
 * and the VMGEXIT that runs VMPL0 once. Everything around it - filling the
 * Calling Area, call_pending, what the GHCB MSR response means, retries and
 * waiting - is the common path in seh_call.c, which runs these operations
 * with interrupts off for one slice (the kernel makes its own SVSM calls on
 * the same Calling Area, possibly from interrupt context).
 *
 * The CAAs are mapped once per CPU from a CPU-hotplug callback (sleepable,
 * runs on that CPU, covers CPUs brought up later), not per call: memremap()
 * may sleep and cannot run with interrupts off. Linux moves each CPU's CAA
 * only once, early in boot (from the firmware's to a per-CPU kernel page), so
 * the mapping stays valid; the per-slice MSR check turns a moved CAA into a
 * failed call instead of a write to a stale page.
 *
 * Needs a kernel with SVSM guest support (mainline >= 6.11: MSR_SVSM_CAA and
 * the exported snp_vmpl). Elsewhere this file compiles to a gate that refuses
 * to bind.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/version.h>
#include <asm/msr-index.h>

#include "seh.h"

#ifdef VMPL_SGX_HAVE_SVSM

#include <linux/cpuhotplug.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <asm/msr.h>
#include <asm/sev.h>

/* snp_vmpl (0: no SVSM) is exported since 6.11; earlier SVSM-capable trees lack it. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define VMPL_SGX_HAVE_SNP_VMPL 1
#endif

struct svsm_cpu {
	struct vmpl_sgx_ca *caa;
	u64 gpa;
};

static DEFINE_PER_CPU(struct svsm_cpu, svsm_cpus);
static int svsm_hp_state;
static bool svsm_bound;

static int svsm_read_caa_gpa(u64 *gpa)
{
	u32 lo, hi;

	if (rdmsr_safe(MSR_SVSM_CAA, &lo, &hi))
		return -ENODEV;
	*gpa = ((u64)hi << 32) | lo;
	return *gpa && PAGE_ALIGNED(*gpa) ? 0 : -ENODEV;
}

/* CPU hotplug, on @cpu itself: map its Calling Area. */
static int svsm_cpu_online(unsigned int cpu)
{
	struct svsm_cpu *sc = per_cpu_ptr(&svsm_cpus, cpu);
	u64 gpa;
	int ret;

	ret = svsm_read_caa_gpa(&gpa);
	if (ret)
		return ret;
	sc->caa = memremap(gpa, PAGE_SIZE, MEMREMAP_WB | MEMREMAP_ENC);
	if (!sc->caa)
		return -ENOMEM;
	sc->gpa = gpa;
	return 0;
}

static int svsm_cpu_offline(unsigned int cpu)
{
	struct svsm_cpu *sc = per_cpu_ptr(&svsm_cpus, cpu);

	if (sc->caa)
		memunmap(sc->caa);
	sc->caa = NULL;
	sc->gpa = 0;
	return 0;
}

/* With interrupts off: this CPU's CAA, if it is still where it was mapped. */
static struct vmpl_sgx_ca *svsm_this_ca(void)
{
	struct svsm_cpu *sc = this_cpu_ptr(&svsm_cpus);
	u64 gpa;

	if (!sc->caa || svsm_read_caa_gpa(&gpa) || gpa != sc->gpa)
		return NULL;
	return sc->caa;
}

/* The GHCB MSR is never intercepted: plain RDMSR/WRMSR, as the kernel does. */
static u64 svsm_ghcb_read(void)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (MSR_AMD64_SEV_ES_GHCB));
	return ((u64)hi << 32) | lo;
}

static void svsm_ghcb_write(u64 val)
{
	asm volatile("wrmsr"
		     : : "c" (MSR_AMD64_SEV_ES_GHCB), "a" ((u32)val),
		       "d" ((u32)(val >> 32))
		     : "memory");
}

/* VMGEXIT: the hypervisor runs VMPL0, which answers in the registers. */
static void svsm_vmgexit(struct vmpl_sgx_svsm_regs *regs, struct seh_call *c)
{
	register u64 r8 asm("r8") = regs->r8;
	register u64 r9 asm("r9") = regs->r9;

	asm volatile("rep; vmmcall"
		     : "+a" (regs->rax), "+c" (regs->rcx), "+d" (regs->rdx),
		       "+r" (r8), "+r" (r9)
		     : : "memory");
	regs->r8 = r8;
	regs->r9 = r9;
}

static u64 svsm_session(void)
{
	return svsm_bound ? 1 : 0;
}

static int svsm_init(const char **why)
{
	unsigned int vmpl = 0;
	u32 min, max;
	int ret;

	if (!cc_platform_has(CC_ATTR_GUEST_SEV_SNP)) {
		*why = "not an SEV-SNP guest";
		return -ENODEV;
	}
#ifdef VMPL_SGX_HAVE_SNP_VMPL
	vmpl = snp_vmpl;
	if (!vmpl) {
		*why = "the guest runs at VMPL0: there is no SVSM";
		return -ENODEV;
	}
#endif
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "vmpl_sgx/svsm:online",
				svsm_cpu_online, svsm_cpu_offline);
	if (ret < 0) {
		*why = "no SVSM Calling Area (MSR_SVSM_CAA) on every CPU";
		return -ENODEV;
	}
	svsm_hp_state = ret;

	svsm_bound = true;	/* session 1, for the probe */
	ret = vmpl_sgx_seh_core_query_protocol(1, &min, &max);
	svsm_bound = false;
	if (ret) {
		*why = "the SVSM's QUERY_PROTOCOL call failed";
		goto err;
	}
	if (!min && !max) {
		*why = "the SVSM has no enclave service (protocol 0x5E)";
		goto err;
	}
	if (max < VMPL_SGX_SEH_MIN_VERSION || min > VMPL_SGX_SEH_VERSION) {
		*why = "the SVSM's enclave service speaks no version this module knows";
		goto err;
	}
	svsm_bound = true;
	pr_info("SVSM enclave service found (versions %u..%u), guest VMPL %u%s\n",
		min, max, vmpl, IS_ENABLED(VMPL_SGX_HAVE_SNP_VMPL) ? "" : " (unknown)");
	return 0;
err:
	cpuhp_remove_state(svsm_hp_state);
	return -ENODEV;
}

static void svsm_exit(void)
{
	svsm_bound = false;
	cpuhp_remove_state(svsm_hp_state);
}

#else /* !VMPL_SGX_HAVE_SVSM */

static int svsm_init(const char **why)
{
	if (!cc_platform_has(CC_ATTR_GUEST_SEV_SNP))
		*why = "not an SEV-SNP guest";
	else
		*why = "this kernel has no SVSM guest support (needs MSR_SVSM_CAA, Linux >= 6.11)";
	return -ENODEV;
}

static void svsm_exit(void)
{
}

static u64 svsm_session(void)
{
	return 0;
}

/* Never bound, so never called. */
static struct vmpl_sgx_ca *svsm_this_ca(void)
{
	return NULL;
}

static u64 svsm_ghcb_read(void)
{
	return 0;
}

static void svsm_ghcb_write(u64 val)
{
}

static void svsm_vmgexit(struct vmpl_sgx_svsm_regs *regs, struct seh_call *c)
{
}

#endif /* VMPL_SGX_HAVE_SVSM */

const struct seh_gate vmpl_sgx_gate_svsm = {
	.name = "svsm",
	.id = VMPL_SGX_TRANSPORT_SVSM,
	.init = svsm_init,
	.exit = svsm_exit,
	.session = svsm_session,
	.this_ca = svsm_this_ca,
	.ghcb_read = svsm_ghcb_read,
	.ghcb_write = svsm_ghcb_write,
	.vmgexit = svsm_vmgexit,
};
