/*
 * pvclock records and the wall clock; see pvclock.h. Every CPU's TSC is
 * taken to run in step (invariant and synchronised, as Xen's
 * "tsc stable" case), so one scale and system_time_at() serve every CPU
 * and a record stays valid until its vcpu_info moves. Each rewrite anchors
 * the record at system time itself, so a guest's reading never goes back:
 * before it, the guest's value is at most the system time; after, at least.
 */
#include "core/arch.h"
#include "core/console.h"
#include "core/mm.h"
#include "core/pvclock.h"
#include "core/time.h"
#include "drivers/rtc.h"

static uint64_t boot_wallclock_ns;

/* The version protocol (Xen's version_update_begin/end): odd while the record changes. */
static void version_begin(volatile uint32_t *version)
{
	*version = (*version + 1) | 1;
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void version_end(volatile uint32_t *version)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*version = *version + 1;
}

struct shared_info *domain_shared_info(struct domain *d)
{
	return d->shared_info_hpa ? phys_to_virt(d->shared_info_hpa) : NULL;
}

/* Its vcpu_info (core/evtchn.c keeps the pointer): shared_info's slot or the registered one. */
struct vcpu_time_info *vcpu_time_info(struct vcpu *v)
{
	struct vcpu_info *vi = __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE);

	return vi ? &vi->time : NULL;
}

void pvclock_update(struct vcpu *v)
{
	volatile struct vcpu_time_info *t = vcpu_time_info(v);
	uint64_t tsc;

	v->time_record = (struct vcpu_time_info *)t;
	v->time_record_cpu = arch_cpu_id();
	if (!t)
		return;
	version_begin(&t->version);
	tsc = arch_cycles();
	t->tsc_timestamp = tsc;
	t->system_time = system_time_at(tsc);
	t->tsc_to_system_mul = system_time_scale.mul;
	t->tsc_shift = system_time_scale.shift;
	t->flags = 0; /* no XEN_PVCLOCK_TSC_STABLE_BIT: the TSCs are not checked for it */
	version_end(&t->version);
}

void pvclock_before_run(struct vcpu *v, unsigned int cpu)
{
	if (v->time_record_cpu != cpu || vcpu_time_info(v) != v->time_record)
		pvclock_update(v);
}

void wallclock_init(void)
{
	struct rtc_time t;
	uint64_t ns;

	if (rtc_read(&t)) {
		pr_warn("rtc: no usable CMOS clock: the guests' wall clock starts at 1970\n");
		return;
	}
	ns = rtc_to_epoch(&t) * NSEC_PER_SEC;
	boot_wallclock_ns = ns - MIN(ns, system_time());
	pr_info("rtc: %04u-%02u-%02u %02u:%02u:%02u UTC\n", t.year, t.month, t.day, t.hour,
		t.minute, t.second);
}

uint64_t wallclock_base_ns(void)
{
	return boot_wallclock_ns;
}

void wallclock_update(struct domain *d)
{
	volatile struct shared_info *si = domain_shared_info(d);
	uint64_t sec = boot_wallclock_ns / NSEC_PER_SEC;

	if (!si)
		return;
	version_begin(&si->wc_version);
	si->wc_sec = (uint32_t)sec;
	si->wc_sec_hi = (uint32_t)(sec >> 32);
	si->wc_nsec = (uint32_t)(boot_wallclock_ns % NSEC_PER_SEC);
	version_end(&si->wc_version);
}
