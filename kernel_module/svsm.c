// SPDX-License-Identifier: GPL-2.0
/*
 * The svsm transport: SEH calls as SVSM calls to VMPL0.
 *
 * Per call, with interrupts off for the whole exchange (the kernel makes its
 * own SVSM calls - PVALIDATE, vTPM, attestation - on the same per-CPU Calling
 * Area, possibly from interrupt context):
 *   - check this CPU's Calling Area (CAA) is still at the address mapped for
 *     it (MSR_SVSM_CAA, emulated by the kernel's #VC handler);
 *   - copy the request into the CAA buffer, set call_pending;
 *   - save the GHCB MSR, write the MSR-protocol Run-VMPL request for VMPL0,
 *     VMGEXIT with RAX = (protocol << 32) | call, RCX = request length,
 *     RDX = R8 = R9 = 0; check the Run-VMPL response and restore the MSR;
 *   - xchg call_pending to 0: still 1 means the SVSM never took the call;
 *   - copy the response (RCX bytes) out of the CAA buffer.
 * Bulk data travels in module-owned pages named by guest-physical address.
 *
 * The CAAs are mapped once per CPU from a CPU-hotplug callback (sleepable,
 * runs on that CPU, covers CPUs brought up later), not per call: memremap()
 * may sleep and cannot run with interrupts off. Linux moves each CPU's CAA
 * only once, early in boot (from the firmware's to a per-CPU kernel page), so
 * the mapping stays valid; the per-call MSR check turns a moved CAA into a
 * failed call instead of a write to a stale page.
 *
 * Needs a kernel with SVSM guest support (mainline >= 6.11: MSR_SVSM_CAA and
 * the exported snp_vmpl). Elsewhere this file compiles to a stub that refuses
 * to bind.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/version.h>
#include <asm/msr-index.h>

#include "seh.h"

#if defined(CONFIG_AMD_MEM_ENCRYPT) && defined(MSR_SVSM_CAA)
#define VMPL_SGX_HAVE_SVSM 1
#endif

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

#define VMPL_SGX_GHCB_RUN_VMPL_REQ	0x016ULL	/* target VMPL in bits 39:32 */
#define VMPL_SGX_GHCB_RUN_VMPL_RESP	0x017ULL
#define VMPL_SGX_GHCB_INFO_MASK	0xfffULL
#define SVSM_CORE_QUERY_PROTOCOL 6ULL		/* protocol 0, call 6 */

struct svsm_caa {
	u8 call_pending;
	u8 mem_available;
	u8 reserved[6];
	u8 buffer[VMPL_SGX_SEH_CAA_BUFFER_SIZE];
};
static_assert(sizeof(struct svsm_caa) == PAGE_SIZE);

struct svsm_regs {
	u64 rax, rcx, rdx, r8, r9;
};

struct svsm_cpu {
	struct svsm_caa *caa;
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

/* The GHCB MSR is never intercepted: plain RDMSR/WRMSR, as the kernel does. */
static __always_inline u64 ghcb_msr_read(void)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (MSR_AMD64_SEV_ES_GHCB));
	return ((u64)hi << 32) | lo;
}

static __always_inline void ghcb_msr_write(u64 val)
{
	asm volatile("wrmsr"
		     : : "c" (MSR_AMD64_SEV_ES_GHCB), "a" ((u32)val),
		       "d" ((u32)(val >> 32))
		     : "memory");
}

/* One Run-VMPL0 round trip; interrupts are off. */
static int svsm_exchange(struct svsm_caa *caa, struct svsm_regs *regs)
{
	u64 rax = regs->rax, rcx = regs->rcx, rdx = regs->rdx;
	u64 saved, resp;
	u8 pending;

	saved = ghcb_msr_read();
	ghcb_msr_write(VMPL_SGX_GHCB_RUN_VMPL_REQ | ((u64)0 << 32));
	WRITE_ONCE(caa->call_pending, 1);
	{
		register u64 r8 asm("r8") = regs->r8;
		register u64 r9 asm("r9") = regs->r9;

		asm volatile("rep; vmmcall"
			     : "+a" (rax), "+c" (rcx), "+d" (rdx),
			       "+r" (r8), "+r" (r9)
			     : : "memory");
		regs->r8 = r8;
		regs->r9 = r9;
	}
	resp = ghcb_msr_read();
	ghcb_msr_write(saved);
	pending = xchg(&caa->call_pending, 0);

	regs->rax = rax;
	regs->rcx = rcx;
	regs->rdx = rdx;
	if ((resp & VMPL_SGX_GHCB_INFO_MASK) != VMPL_SGX_GHCB_RUN_VMPL_RESP || resp >> 32)
		return -EPROTO;		/* the hypervisor refused to run VMPL0 */
	if (pending)
		return -EPROTO;		/* the SVSM never took the call */
	return 0;
}

/*
 * A full SVSM call on this CPU's Calling Area. @req goes into the CAA buffer;
 * with @rsp, the response (RCX bytes) comes back out of it.
 */
static int svsm_call(struct svsm_regs *regs, const void *req, u32 req_len,
		     void *rsp, u32 *rsp_len)
{
	struct svsm_cpu *sc;
	unsigned long flags;
	u64 gpa;
	int ret;

	local_irq_save(flags);
	sc = this_cpu_ptr(&svsm_cpus);
	if (!sc->caa || svsm_read_caa_gpa(&gpa) || gpa != sc->gpa) {
		ret = -EPROTO;
		goto out;
	}
	if (req_len)
		memcpy(sc->caa->buffer, req, req_len);
	ret = svsm_exchange(sc->caa, regs);
	if (ret || !rsp)
		goto out;
	if (regs->rcx > sizeof(sc->caa->buffer)) {
		ret = -EPROTO;
		goto out;
	}
	memcpy(rsp, sc->caa->buffer, regs->rcx);
	*rsp_len = regs->rcx;
out:
	local_irq_restore(flags);
	return ret;
}

static int svsm_submit(struct seh_call *c)
{
	struct svsm_regs regs = {
		.rax = ((u64)VMPL_SGX_SEH_PROTOCOL << 32) | c->call_id,
		.rcx = c->req_len,
	};
	u32 rsp_len = 0;
	int ret;

	if (!svsm_bound || c->session != 1)
		return -EIO;
	ret = svsm_call(&regs, c->req, c->req_len, c->rsp, &rsp_len);
	if (ret)
		pr_warn_ratelimited("SVSM call 0x%llx failed the Run-VMPL handshake\n",
				    regs.rax);
	c->result = regs.rax;
	c->rsp_len = rsp_len;
	c->state = SEH_CALL_DONE;
	seh_call_finish(c, ret);
	return 0;
}

static bool svsm_cancel(struct seh_call *c, int status, bool queued_only)
{
	return false;	/* calls complete inside submit */
}

static u64 svsm_session(void)
{
	return svsm_bound ? 1 : 0;
}

static int svsm_init(const char **why)
{
	struct svsm_regs regs = {};
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

	regs.rax = SVSM_CORE_QUERY_PROTOCOL;
	regs.rcx = ((u64)VMPL_SGX_SEH_PROTOCOL << 32) | VMPL_SGX_SEH_VERSION;
	ret = svsm_call(&regs, NULL, 0, NULL, NULL);
	if (ret || regs.rax) {
		*why = "the SVSM's QUERY_PROTOCOL call failed";
		goto err;
	}
	min = lower_32_bits(regs.rcx);
	max = upper_32_bits(regs.rcx);
	if (!regs.rcx) {
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

static int svsm_submit(struct seh_call *c)
{
	return -EIO;
}

static bool svsm_cancel(struct seh_call *c, int status, bool queued_only)
{
	return false;
}

#endif /* VMPL_SGX_HAVE_SVSM */

const struct seh_transport seh_transport_svsm = {
	.name = "svsm",
	.id = VMPL_SGX_TRANSPORT_SVSM,
	.init = svsm_init,
	.exit = svsm_exit,
	.session = svsm_session,
	.submit = svsm_submit,
	.cancel = svsm_cancel,
};
