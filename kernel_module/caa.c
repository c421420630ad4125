// SPDX-License-Identifier: GPL-2.0
/*
 * Each CPU's SVSM Calling Area, found through the gate's CAA MSR: the real
 * MSR_SVSM_CAA on hardware, the emulated gate's own page in tests, so both
 * take this code.
 *
 * The Calling Areas are mapped once per CPU from a CPU-hotplug callback
 * (sleepable, runs on that CPU, covers CPUs brought up later), not per call:
 * memremap() may sleep and cannot run with interrupts off. Linux moves each
 * CPU's CAA only once, early in boot (from the firmware's to a per-CPU kernel
 * page), so the mapping stays valid; the per-slice MSR check turns a moved
 * CAA into a failed call instead of a write to a stale page.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>

#include "seh.h"

struct caa_cpu {
	struct vmpl_sgx_ca *ca;
	u64 gpa;
};

static DEFINE_PER_CPU(struct caa_cpu, caa_cpus);
static const struct seh_gate *caa_gate;
static int caa_hp_state;

static int caa_read(const struct seh_gate *g, u64 *gpa)
{
	if (g->read_caa_msr(gpa))
		return -ENODEV;
	return *gpa && PAGE_ALIGNED(*gpa) ? 0 : -ENODEV;
}

/* CPU hotplug, on @cpu itself: map its Calling Area. */
static int caa_cpu_online(unsigned int cpu)
{
	struct caa_cpu *cc = per_cpu_ptr(&caa_cpus, cpu);
	u64 gpa;
	int ret;

	ret = caa_read(caa_gate, &gpa);
	if (ret)
		return ret;
	cc->ca = memremap(gpa, PAGE_SIZE, MEMREMAP_WB | MEMREMAP_ENC);
	if (!cc->ca)
		return -ENOMEM;
	cc->gpa = gpa;
	return 0;
}

static int caa_cpu_offline(unsigned int cpu)
{
	struct caa_cpu *cc = per_cpu_ptr(&caa_cpus, cpu);

	if (cc->ca)
		memunmap(cc->ca);
	cc->ca = NULL;
	cc->gpa = 0;
	return 0;
}

/* Map every CPU's Calling Area, now and as CPUs come up. */
int vmpl_sgx_caa_map(const struct seh_gate *g, const char **why)
{
	int ret;

	caa_gate = g;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "vmpl_sgx/caa:online",
				caa_cpu_online, caa_cpu_offline);
	if (ret < 0) {
		*why = "no SVSM Calling Area (CAA MSR) on every CPU";
		caa_gate = NULL;
		return -ENODEV;
	}
	caa_hp_state = ret;
	return 0;
}

void vmpl_sgx_caa_unmap(void)
{
	if (!caa_gate)
		return;
	cpuhp_remove_state(caa_hp_state);
	caa_gate = NULL;
}

/* With interrupts off: this CPU's Calling Area, if it is still where it was mapped. */
struct vmpl_sgx_ca *vmpl_sgx_caa_this(const struct seh_gate *g)
{
	struct caa_cpu *cc = this_cpu_ptr(&caa_cpus);
	u64 gpa;

	if (!cc->ca || caa_read(g, &gpa) || gpa != cc->gpa)
		return NULL;
	return cc->ca;
}
