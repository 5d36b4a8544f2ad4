/*
 * Domain objects and their lifecycle: creation from the boot configuration,
 * the console, crash and shutdown, and the release of every frame when the
 * last vCPU has left its CPU.
 */
#include "core/arch.h"
#include "core/console.h"
#include "core/console_ring.h"
#include "core/domain.h"
#include "core/domain_build.h"
#include "core/domain_lifecycle.h"
#include "core/errno.h"
#include "core/evtchn.h"
#include "core/grant_table.h"
#include "core/guest_memory.h"
#include "core/heap.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"
#include "core/mm.h"
#include "core/page_alloc.h"
#include "core/sched.h"
#include "core/time.h"
#include "core/timer.h"
#include "core/vcpu_timer.h"

struct domain_outcome {
	char name[DOMAIN_NAME_MAX]; /* "" for an unused id */
	char outcome[16];
};

struct domain *domains[MAX_DOMAINS];
static spinlock_t domains_lock = SPINLOCK_INIT;
static uint32_t live_domains;
static struct domain_outcome outcomes[MAX_DOMAINS]; /* by domain id */
void (*domains_all_ended)(void);

static const char *const shutdown_names[] = {
	[SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
	[SHUTDOWN_suspend] = "suspend",	  [SHUTDOWN_crash] = "crash",
	[SHUTDOWN_watchdog] = "watchdog", [SHUTDOWN_soft_reset] = "soft_reset",
};

int domain_alloc_overhead_page(struct domain *d, paddr_t *pa)
{
	int rc = alloc_pages(0, pa);

	if (!rc)
		__atomic_add_fetch(&d->frames_overhead, 1, __ATOMIC_RELAXED);
	return rc;
}

void domain_free_overhead_page(struct domain *d, paddr_t pa)
{
	free_pages(pa, 0);
	__atomic_sub_fetch(&d->frames_overhead, 1, __ATOMIC_RELAXED);
}

/* The characters of a result word: it goes into the machine-read HV-RESULT line. */
static bool result_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* Logs one line of d's console; line has room for the NUL. Lock held. */
static void console_flush_line(struct domain *d, char *line, unsigned int *len)
{
	static const char marker[] = "Test result: ";

	line[*len] = '\0';
	if (!strncmp(line, marker, sizeof(marker) - 1)) {
		const char *word = line + sizeof(marker) - 1;
		size_t n = 0;

		/* Anything else (a tab, '=') would let a guest forge another domain's outcome. */
		while (result_char(word[n]) && n < sizeof(d->result) - 1)
			n++;
		memcpy(d->result, word, n);
		d->result[n] = '\0';
	}
	printk(LOG_INFO, "(d%u) %s\n", d->id, line);
	*len = 0;
}

static void console_write_into(struct domain *d, char *line, unsigned int *len, const char *buf,
			       size_t count)
{
	spin_lock(&d->lock);
	for (size_t i = 0; i < count; i++) {
		char c = buf[i];

		if (c == '\n') {
			console_flush_line(d, line, len);
			continue;
		}
		if (c == '\r')
			continue;
		if ((c < 32 && c != '\t') || c == 127)
			c = '?'; /* a guest never drives our terminal */
		line[(*len)++] = c;
		if (*len == DOMAIN_CONSOLE_LINE - 1)
			console_flush_line(d, line, len);
	}
	spin_unlock(&d->lock);
}

void domain_console_write(struct domain *d, const char *buf, size_t len)
{
	console_write_into(d, d->console_line, &d->console_len, buf, len);
}

void domain_console_ring_write(struct domain *d, const char *buf, size_t len)
{
	console_write_into(d, d->console_ring_line, &d->console_ring_len, buf, len);
}

void domain_kick_vcpus(struct domain *d)
{
	unsigned int self = arch_cpu_id();

	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i]->on_cpu && d->vcpus[i]->cpu != self)
			arch_kick_cpu(d->vcpus[i]->cpu);
}

/* The first end wins; every vCPU is then asked to stop. */
static void domain_end(struct domain *d, bool crashed, const char *reason)
{
	spin_lock(&d->lock);
	if (d->state != DOMAIN_RUNNING) {
		spin_unlock(&d->lock);
		return;
	}
	d->state = DOMAIN_DYING;
	d->crashed = crashed;
	strlcpy(d->end_reason, reason, sizeof(d->end_reason));
	if (d->console_len)
		console_flush_line(d, d->console_line, &d->console_len);
	if (d->console_ring_len)
		console_flush_line(d, d->console_ring_line, &d->console_ring_len);
	spin_unlock(&d->lock);
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		sched_stop_vcpu(d->vcpus[i]);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	char reason[sizeof(d->end_reason)];
	int n = snprintf(reason, sizeof(reason), "crashed: ");
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason + n, sizeof(reason) - n, fmt, ap);
	va_end(ap);
	if (d->state == DOMAIN_RUNNING)
		pr_err("domain %u (%s) %s\n", d->id, d->name, reason);
	domain_end(d, true, reason);
}

void domain_shutdown(struct domain *d, uint32_t reason)
{
	char text[64];

	snprintf(text, sizeof(text), "shutdown %s",
		 reason < ARRAY_SIZE(shutdown_names) ? shutdown_names[reason] : "unknown");
	if (d->state == DOMAIN_RUNNING)
		pr_info("domain %u (%s) %s\n", d->id, d->name, text);
	domain_end(d, reason != SHUTDOWN_poweroff, text);
}

/* The timeout timer's callback, on vCPU 0's CPU; the domain is not freed before it returns. */
static void domain_timeout(void *data)
{
	struct domain *d = data;
	static const char *const vcpu_states[] = {
		[VCPU_DOWN] = "down",
		[VCPU_RUNNABLE] = "running",
		[VCPU_BLOCKED] = "blocked",
		[VCPU_DEAD] = "dead",
	};
	char reason[96];

	if (d->state != DOMAIN_RUNNING)
		return;
	snprintf(reason, sizeof(reason), "destroyed: timeout after %lu ms (vCPU 0 %s)",
		 d->config.timeout_ms, vcpu_states[d->vcpus[0]->state & 3]);
	pr_warn("domain %u (%s) %s\n", d->id, d->name, reason);
	domain_end(d, true, reason);
}

int domain_call_locked(domid_t id, int (*fn)(struct domain *d, void *arg), void *arg)
{
	struct domain *d;
	int rc;

	spin_lock(&domains_lock);
	d = id < MAX_DOMAINS ? domains[id] : NULL;
	rc = d && d->state == DOMAIN_RUNNING ? fn(d, arg) : -ESRCH;
	spin_unlock(&domains_lock);
	return rc;
}

void domains_for_each(int (*fn)(struct domain *d, void *arg), void *arg)
{
	spin_lock(&domains_lock);
	for (unsigned int id = 0; id < MAX_DOMAINS; id++)
		if (domains[id] && fn(domains[id], arg))
			break;
	spin_unlock(&domains_lock);
}

/* Frees everything a domain holds; safe on a partly built one. */
static void domain_free(struct domain *d)
{
	timer_kill(&d->timeout_timer);
	/* No timer callback may raise a VIRQ once the channels go. */
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		vcpu_timers_destroy(d->vcpus[i]);
	/* First: peers' channels to it become unbound while all of it still exists. */
	evtchn_domain_destroy(d);
	/* Then other domains' mappings of its frames go before the frames do. */
	gnttab_domain_destroy(d);
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		arch_vcpu_destroy(d->vcpus[i]);
		kfree(d->vcpus[i]);
	}
	domain_memory_free(d);
	if (d->shared_info_hpa)
		domain_free_overhead_page(d, d->shared_info_hpa);
	console_ring_domain_destroy(d);
	arch_domain_destroy(d);
	if (d->frames_overhead)
		pr_err("domain %u (%s): %lu hypervisor frames not returned\n", d->id, d->name,
		       d->frames_overhead);
	kfree(d);
}

static const char *outcome_of(const struct domain *d)
{
	if (!d->crashed && d->result[0])
		return d->result;
	return "CRASH";
}

static void domain_finalize(struct domain *d)
{
	struct domain_outcome *o;

	spin_lock(&domains_lock);
	domains[d->id] = NULL;
	o = &outcomes[d->id];
	strlcpy(o->name, d->name, sizeof(o->name));
	strlcpy(o->outcome, outcome_of(d), sizeof(o->outcome));
	spin_unlock(&domains_lock);

	printk(LOG_INFO, "DOMAIN-END: %s %s %s\n", d->name, o->outcome, d->end_reason);
	d->state = DOMAIN_DEAD;
	domain_free(d);
	/*
	 * Counted only once freed: another CPU ending the last domain meanwhile
	 * must not report (and power off) before every frame of this one is back.
	 */
	if (__atomic_sub_fetch(&live_domains, 1, __ATOMIC_ACQ_REL) == 0 && domains_all_ended)
		domains_all_ended();
}

void vcpu_finalize(struct vcpu *v)
{
	struct domain *d = v->domain;

	arch_vcpu_destroy(v);
	v->state = VCPU_DEAD;
	if (__atomic_sub_fetch(&d->vcpus_alive, 1, __ATOMIC_ACQ_REL) == 0)
		domain_finalize(d);
}

int domains_outcomes(char *buf, size_t len)
{
	size_t used = 0;
	int count = 0;

	buf[0] = '\0';
	for (unsigned int id = 1; id < MAX_DOMAINS && used < len; id++) {
		if (!outcomes[id].name[0])
			continue;
		used += snprintf(buf + used, len - used, "%s%s=%s", count ? " " : "",
				 outcomes[id].name, outcomes[id].outcome);
		count++;
	}
	return count;
}

static void record_not_created(domid_t id, const char *name)
{
	struct domain_outcome *o;

	spin_lock(&domains_lock);
	o = &outcomes[id];
	strlcpy(o->name, name, sizeof(o->name));
	strlcpy(o->outcome, "NOTCREATED", sizeof(o->outcome));
	spin_unlock(&domains_lock);
	printk(LOG_INFO, "DOMAIN-END: %s NOTCREATED\n", name);
}

static const struct boot_module *find_module(const struct boot_info *bi, const char *name)
{
	for (uint32_t i = 0; i < bi->nr_modules; i++)
		if (!strcmp(bi->modules[i].name, name))
			return &bi->modules[i];
	return NULL;
}

static struct domain *domain_create(const struct boot_info *bi, const struct domain_config *cfg,
				    domid_t id, char *err, size_t errlen)
{
	const struct boot_module *kernel = find_module(bi, cfg->kernel);
	const struct boot_module *initrd = cfg->initrd[0] ? find_module(bi, cfg->initrd) : NULL;
	struct domain *d;
	int rc;

	if (!kernel || (cfg->initrd[0] && !initrd)) {
		snprintf(err, errlen, "domain '%s': no boot module named '%s'", cfg->name,
			 kernel ? cfg->initrd : cfg->kernel);
		return NULL;
	}
	d = kzalloc(sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "domain '%s': out of memory", cfg->name);
		return NULL;
	}
	d->id = id;
	strlcpy(d->name, cfg->name, sizeof(d->name));
	d->config = *cfg;
	d->state = DOMAIN_BUILDING;
	d->shared_info_gfn = ~0UL;
	timer_init(&d->timeout_timer, domain_timeout, d, 0);

	rc = arch_domain_init(d);
	if (!rc)
		rc = domain_memory_alloc(d, cfg->memory);
	if (!rc)
		rc = gnttab_domain_init(d);
	if (!rc)
		rc = console_ring_domain_init(d);
	for (unsigned int i = 0; !rc && i < cfg->vcpus; i++) {
		struct vcpu *v = kzalloc(sizeof(*v));

		if (!v) {
			rc = -ENOMEM;
			break;
		}
		v->domain = d;
		v->id = i;
		v->cpu = sched_place_vcpu(i == 0 ? cfg->cpu : -1);
		sched_vcpu_init(v);
		vcpu_timers_init(v);
		d->vcpus[d->nr_vcpus++] = v;
		rc = arch_vcpu_init(v);
	}
	if (!rc)
		rc = evtchn_domain_init(d);
	if (rc) {
		snprintf(err, errlen, "domain '%s': cannot allocate %lu MiB and %u vCPU%s: %s",
			 cfg->name, cfg->memory / MiB, cfg->vcpus, cfg->vcpus == 1 ? "" : "s",
			 rc == -ENOMEM ? "out of memory" : "error");
		domain_free(d);
		return NULL;
	}
	rc = domain_build(d, kernel, initrd, err, errlen);
	if (rc) {
		domain_free(d);
		return NULL;
	}
	return d;
}

unsigned int domains_create_from_config(const struct boot_info *bi,
					const struct domain_config *configs, unsigned int count)
{
	unsigned int started = 0;

	for (unsigned int i = 0; i < count && i + 1 < MAX_DOMAINS; i++) {
		char err[256];
		struct domain *d = domain_create(bi, &configs[i], (domid_t)(i + 1), err,
						 sizeof(err));

		if (!d) {
			pr_err("%s: domain not created\n", err);
			record_not_created((domid_t)(i + 1), configs[i].name);
			continue;
		}
		pr_info("domain %u (%s): %lu MiB, %u vCPU%s, vCPU 0 on CPU %u, hypervisor "
			"overhead %lu KiB\n",
			d->id, d->name, d->memory_bytes / MiB, d->nr_vcpus,
			d->nr_vcpus == 1 ? "" : "s", d->vcpus[0]->cpu,
			(d->frames_overhead * PAGE_SIZE + sizeof(*d) +
			 d->nr_vcpus * sizeof(struct vcpu) +
			 d->nr_chunks * sizeof(struct guest_chunk)) / KiB);
		d->vcpus_alive = d->nr_vcpus;
		d->state = DOMAIN_RUNNING;
		__atomic_add_fetch(&live_domains, 1, __ATOMIC_ACQ_REL);
		spin_lock(&domains_lock);
		domains[d->id] = d;
		spin_unlock(&domains_lock);
		started++;
	}
	/*
	 * Start them only once all exist, so none ends before the count is right.
	 * A started domain may end on another CPU at once: nothing of it is used
	 * after its sched_vcpu_up().
	 */
	for (unsigned int i = 1; i < MAX_DOMAINS; i++) {
		struct domain *d = domains[i];

		if (!d)
			continue;
		/* The timeout counts from the start, not from the build. */
		d->start_tsc = arch_cycles();
		if (d->config.timeout_ms) {
			timer_migrate(&d->timeout_timer, d->vcpus[0]->cpu);
			timer_set(&d->timeout_timer,
				  system_time() + d->config.timeout_ms * NSEC_PER_MSEC);
		}
		/* vCPU 0 has the PVH start state; the others wait for VCPUOP_initialise + up. */
		d->vcpus[0]->initialised = true;
		d->vcpus[0]->down = false;
		sched_vcpu_up(d->vcpus[0]);
	}
	return started;
}
