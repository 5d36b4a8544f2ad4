/*
 * Host tests for core/evtchn.c, the 2-level event channels, on two fake
 * domains: d1 with two vCPUs, d2 with one. Guest memory is a flat buffer
 * (a guest address is an offset into it); the scheduler's side is recorded
 * (which vCPUs sched_wake was asked to wake, which CPUs were kicked).
 * The heap is the C library's, so AddressSanitizer sees a use of a freed
 * bucket or table after a domain's teardown.
 *
 * unit-test-sources: tests/unit/fakes/physmem.c tests/unit/fakes/console.c core/lib/vsnprintf.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arch.h"
#include "core/errno.h"
#include "core/evtchn.h"
#include "core/heap.h"
#include "core/hypercalls.h"
#include "core/mm.h"
#include "core/sched.h"
#include "tests/unit/fakes/console.h"
#include "tests/unit/fakes/physmem.h"

#define ARENA_BASE 0x20000000ULL
#define ARENA_PAGES 8
#define GMEM_SIZE 0x4000
#define GA(off) ((uint64_t)(off))
#define BAD_GA 0x100000ULL
#define THIS_CPU 0

struct domain *domains[MAX_DOMAINS];
static struct domain d1, d2;
static struct vcpu v10, v11, v20;
static uint8_t gmem[GMEM_SIZE];
static unsigned int overhead_pages;
static unsigned int unblocks[3], kicks[4];
static bool unblock_queues;

/* ---- fakes ---- */

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

void *kmalloc(size_t size)
{
	return malloc(size);
}

void *kzalloc(size_t size)
{
	return calloc(1, size);
}

void kfree(void *ptr)
{
	free(ptr);
}

unsigned int arch_cpu_id(void)
{
	return THIS_CPU;
}

void arch_kick_cpu(unsigned int cpu)
{
	assert_true(cpu < ARRAY_SIZE(kicks));
	kicks[cpu]++;
}

static unsigned int vcpu_index(const struct vcpu *v)
{
	return v == &v10 ? 0 : v == &v11 ? 1 : 2;
}

bool sched_wake(struct vcpu *v)
{
	unblocks[vcpu_index(v)]++;
	return unblock_queues;
}

int domain_alloc_overhead_page(struct domain *d, paddr_t *pa)
{
	if (overhead_pages == ARENA_PAGES)
		return -ENOMEM;
	*pa = ARENA_BASE + overhead_pages++ * PAGE_SIZE;
	return 0;
}

int domain_call_locked(domid_t id, int (*fn)(struct domain *d, void *arg), void *arg)
{
	struct domain *d = id < MAX_DOMAINS ? domains[id] : NULL;

	return d && d->state == DOMAIN_RUNNING ? fn(d, arg) : -ESRCH;
}

void domains_for_each(int (*fn)(struct domain *d, void *arg), void *arg)
{
	for (unsigned int id = 0; id < MAX_DOMAINS; id++)
		if (domains[id] && fn(domains[id], arg))
			break;
}

/* The poll timers: armed by hc_sched.c, only set up and killed here. */
static unsigned int timers_inited, timers_killed;
static struct timer *last_timer;

void timer_init(struct timer *t, timer_fn_t fn, void *data, unsigned int cpu)
{
	t->fn = fn;
	t->data = data;
	t->cpu = cpu;
	last_timer = t;
	timers_inited++;
}

void timer_kill(struct timer *t)
{
	timers_killed++;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
	if (gva >= GMEM_SIZE || len > GMEM_SIZE - gva)
		return -EFAULT;
	memcpy(dst, gmem + gva, len);
	return 0;
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
	if (gva >= GMEM_SIZE || len > GMEM_SIZE - gva)
		return -EFAULT;
	memcpy(gmem + gva, src, len);
	return 0;
}

/* ---- fixture ---- */

static void make_domain(struct domain *d, domid_t id, struct vcpu *a, struct vcpu *b)
{
	memset(d, 0, sizeof(*d));
	d->id = id;
	d->state = DOMAIN_RUNNING;
	strcpy(d->name, id == 1 ? "one" : "two");
	d->vcpus[d->nr_vcpus++] = a;
	if (b)
		d->vcpus[d->nr_vcpus++] = b;
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		memset(d->vcpus[i], 0, sizeof(struct vcpu));
		d->vcpus[i]->domain = d;
		d->vcpus[i]->id = i;
		d->vcpus[i]->state = VCPU_RUNNABLE;
		d->vcpus[i]->cpu = i + (id == 2 ? 2 : 0);
	}
	domains[id] = d;
	assert_int_equal(evtchn_domain_init(d), 0);
}

static int setup(void **state)
{
	fake_physmem_init(ARENA_BASE, ARENA_PAGES * PAGE_SIZE);
	memset(phys_to_virt(ARENA_BASE), 0xa5, ARENA_PAGES * PAGE_SIZE);
	memset(domains, 0, sizeof(domains));
	memset(gmem, 0, sizeof(gmem));
	memset(unblocks, 0, sizeof(unblocks));
	memset(kicks, 0, sizeof(kicks));
	unblock_queues = false;
	overhead_pages = 0;
	timers_inited = timers_killed = 0;
	make_domain(&d1, 1, &v10, &v11);
	make_domain(&d2, 2, &v20, NULL);
	fake_console_reset();
	return 0;
}

static int teardown(void **state)
{
	evtchn_domain_destroy(&d1);
	evtchn_domain_destroy(&d2);
	fake_physmem_free();
	return 0;
}

/* ---- helpers ---- */

static int64_t op_on(struct vcpu *v, unsigned int cmd, const void *arg, size_t len)
{
	uint64_t args[HYPERCALL_NR_ARGS] = { cmd, GA(0x100) };

	memcpy(gmem + 0x100, arg, len);
	return do_event_channel_op(v, args);
}

static void result(void *out, size_t len)
{
	memcpy(out, gmem + 0x100, len);
}

static evtchn_port_t alloc_unbound(struct vcpu *v, domid_t remote)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };

	assert_int_equal(op_on(v, EVTCHNOP_alloc_unbound, &a, sizeof(a)), 0);
	result(&a, sizeof(a));
	return a.port;
}

static int64_t bind_interdomain(struct vcpu *v, domid_t remote, evtchn_port_t rport,
				evtchn_port_t *port)
{
	struct evtchn_bind_interdomain b = { .remote_dom = remote, .remote_port = rport };
	int64_t rc = op_on(v, EVTCHNOP_bind_interdomain, &b, sizeof(b));

	result(&b, sizeof(b));
	*port = b.local_port;
	return rc;
}

static int64_t send(struct vcpu *v, evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };

	return op_on(v, EVTCHNOP_send, &s, sizeof(s));
}

static int64_t do_close(struct vcpu *v, evtchn_port_t port)
{
	struct evtchn_close c = { .port = port };

	return op_on(v, EVTCHNOP_close, &c, sizeof(c));
}

static struct evtchn_status status(struct vcpu *v, evtchn_port_t port)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };

	assert_int_equal(op_on(v, EVTCHNOP_status, &st, sizeof(st)), 0);
	result(&st, sizeof(st));
	return st;
}

static struct shared_info *si(struct domain *d)
{
	return phys_to_virt(d->shared_info_hpa);
}

static bool pending(struct domain *d, evtchn_port_t port)
{
	return si(d)->evtchn_pending[port / 64] & (1ULL << (port % 64));
}

/* A channel d1:a <-> d2:b, the bind's own notification cleared. */
static void connect(evtchn_port_t *a, evtchn_port_t *b)
{
	*a = alloc_unbound(&v10, 2);
	assert_int_equal(bind_interdomain(&v20, 1, *a, b), 0);
	si(&d2)->evtchn_pending[*b / 64] = 0;
	si(&d2)->vcpu_info[0].evtchn_upcall_pending = 0;
	si(&d2)->vcpu_info[0].evtchn_pending_sel = 0;
	v20.upcall_asserted = false;
	memset(unblocks, 0, sizeof(unblocks));
	memset(kicks, 0, sizeof(kicks));
}

/* ---- tests ---- */

static void test_init_gives_zeroed_shared_info(void **state)
{
	for (unsigned int i = 0; i < 64; i++) {
		assert_int_equal(si(&d1)->evtchn_pending[i], 0);
		assert_int_equal(si(&d1)->evtchn_mask[i], 0);
	}
	assert_ptr_equal(v10.vcpu_info, &si(&d1)->vcpu_info[0]);
	assert_ptr_equal(v11.vcpu_info, &si(&d1)->vcpu_info[1]);
	assert_int_equal(v10.poll_port, -1);
	assert_int_equal(overhead_pages, 2);
}

static void test_interdomain_send_delivers(void **state)
{
	evtchn_port_t a, b;
	struct evtchn_status st;

	a = alloc_unbound(&v10, 2);
	assert_int_equal(a, 1);
	st = status(&v10, a);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, 2);

	assert_int_equal(bind_interdomain(&v20, 1, a, &b), 0);
	assert_int_equal(b, 1);
	/* The bind notifies the new port (Xen: events sent while unbound were lost). */
	assert_true(pending(&d2, b));
	st = status(&v10, a);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, 2);
	assert_int_equal(st.u.interdomain.port, b);

	connect(&a, &b);
	assert_int_equal(send(&v10, a), 0);
	assert_true(pending(&d2, b));
	assert_int_equal(si(&d2)->vcpu_info[0].evtchn_pending_sel, 1ULL << (b / 64));
	assert_int_equal(si(&d2)->vcpu_info[0].evtchn_upcall_pending, 1);
	assert_true(v20.upcall_asserted);
	assert_int_equal(unblocks[2], 1);
	/* Not queued (it runs), on another CPU: kicked so that its next entry injects. */
	assert_int_equal(kicks[2], 1);
	/* Nothing on the sender's side. */
	assert_false(pending(&d1, a));

	/* Still pending: a second send is the same event. */
	assert_int_equal(send(&v10, a), 0);
	assert_int_equal(unblocks[2], 1);
	assert_int_equal(kicks[2], 1);

	/* And the other way. */
	assert_int_equal(send(&v20, b), 0);
	assert_true(pending(&d1, a));
	assert_int_equal(unblocks[0], 1);
	/* v10 is on this CPU: no kick. */
	assert_int_equal(kicks[0], 0);
}

static void test_masked_port_and_unmask(void **state)
{
	evtchn_port_t a, b;
	struct evtchn_unmask u;

	connect(&a, &b);
	si(&d2)->evtchn_mask[0] = 1ULL << b;
	assert_int_equal(send(&v10, a), 0);
	assert_true(pending(&d2, b));
	assert_int_equal(si(&d2)->vcpu_info[0].evtchn_upcall_pending, 0);
	assert_false(v20.upcall_asserted);

	u.port = b;
	assert_int_equal(op_on(&v20, EVTCHNOP_unmask, &u, sizeof(u)), 0);
	assert_int_equal(si(&d2)->evtchn_mask[0], 0);
	assert_int_equal(si(&d2)->vcpu_info[0].evtchn_upcall_pending, 1);
	assert_true(v20.upcall_asserted);

	u.port = 99;
	assert_int_equal(op_on(&v20, EVTCHNOP_unmask, &u, sizeof(u)), -EINVAL);
	u.port = 5000;
	assert_int_equal(op_on(&v20, EVTCHNOP_unmask, &u, sizeof(u)), -EINVAL);
}

static void test_close_leaves_the_peer_unbound(void **state)
{
	evtchn_port_t a, b;
	struct evtchn_status st;

	connect(&a, &b);
	assert_int_equal(do_close(&v10, a), 0);
	st = status(&v20, b);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, 1);
	assert_int_equal(status(&v10, a).status, EVTCHNSTAT_closed);
	assert_int_equal(send(&v10, a), -EINVAL);
	/* Unbound: dropped, no error. */
	assert_int_equal(send(&v20, b), 0);
	assert_false(pending(&d1, a));
	assert_int_equal(do_close(&v10, a), -EINVAL);
	/* d1 may bind to it again: it waits for d1. */
	assert_int_equal(bind_interdomain(&v10, 2, b, &a), 0);
	assert_int_equal(status(&v20, b).status, EVTCHNSTAT_interdomain);
}

static void test_bind_errors(void **state)
{
	evtchn_port_t a, p;

	a = alloc_unbound(&v10, 1); /* for d1 itself, not for d2 */
	assert_int_equal(bind_interdomain(&v20, 1, a, &p), -EINVAL);
	assert_int_equal(bind_interdomain(&v20, 1, 0, &p), -EINVAL);
	assert_int_equal(bind_interdomain(&v20, 1, 4096, &p), -EINVAL);
	assert_int_equal(bind_interdomain(&v20, 1, 77, &p), -EINVAL);
	assert_int_equal(bind_interdomain(&v20, 9, 1, &p), -ESRCH);
	assert_int_equal(bind_interdomain(&v20, MAX_DOMAINS, 1, &p), -ESRCH);
	assert_int_equal(bind_interdomain(&v20, DOMID_XEN, 1, &p), -ESRCH);
	d1.state = DOMAIN_DYING;
	assert_int_equal(bind_interdomain(&v20, 1, a, &p), -ESRCH);
	d1.state = DOMAIN_RUNNING;
	/* Loopback: d1 binds its own port. */
	assert_int_equal(bind_interdomain(&v10, DOMID_SELF, a, &p), 0);
	assert_int_not_equal(p, a);
	assert_int_equal(status(&v10, a).u.interdomain.port, p);
	assert_int_equal(do_close(&v10, p), 0);
	assert_int_equal(status(&v10, a).status, EVTCHNSTAT_unbound);
}

static void test_teardown_unbinds_peers(void **state)
{
	evtchn_port_t a, b, c, lo1, lo2;
	struct evtchn_status st;

	connect(&a, &b);
	c = alloc_unbound(&v10, 2);
	lo1 = alloc_unbound(&v10, DOMID_SELF);
	assert_int_equal(bind_interdomain(&v10, DOMID_SELF, lo1, &lo2), 0);
	evtchn_domain_destroy(&d1);
	assert_null(d1.evtchn);
	domains[1] = NULL;
	st = status(&v20, b);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, 1);
	assert_int_equal(send(&v20, b), 0);
	assert_int_equal(do_close(&v20, b), 0);
	/* A port offered to the dead domain cannot be bound by anyone now. */
	assert_int_equal(bind_interdomain(&v20, 1, c, &a), -ESRCH);
}

static void test_all_ports_and_buckets(void **state)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 2 };
	unsigned int n = 0;
	int64_t rc;

	while ((rc = op_on(&v10, EVTCHNOP_alloc_unbound, &a, sizeof(a))) == 0) {
		result(&a, sizeof(a));
		assert_int_equal(a.port, n + 1);
		n++;
	}
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(n, EVTCHN_2L_NR_CHANNELS - 1);
	/* A freed port is handed out again, the lowest first. */
	assert_int_equal(do_close(&v10, 700), 0);
	assert_int_equal(do_close(&v10, 300), 0);
	assert_int_equal(alloc_unbound(&v10, 2), 300);
	assert_int_equal(alloc_unbound(&v10, 2), 700);
	evtchn_dump();
	assert_non_null(strstr(fake_console_output(), "d1 (one): 64 buckets of 64 ports"));
	assert_non_null(strstr(fake_console_output(), "... more ports not shown"));
}

static void test_virqs(void **state)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 1 };
	evtchn_port_t timer1, con;

	assert_int_equal(op_on(&v10, EVTCHNOP_bind_virq, &bv, sizeof(bv)), 0);
	result(&bv, sizeof(bv));
	timer1 = bv.port;
	assert_int_equal(op_on(&v10, EVTCHNOP_bind_virq, &bv, sizeof(bv)), -EEXIST);
	bv = (struct evtchn_bind_virq){ .virq = VIRQ_CON_RING, .vcpu = 0 };
	assert_int_equal(op_on(&v10, EVTCHNOP_bind_virq, &bv, sizeof(bv)), 0);
	result(&bv, sizeof(bv));
	con = bv.port;

	/* VIRQ_TIMER of vCPU 0 is not bound: nothing. Of vCPU 1: its port, for vCPU 1. */
	evtchn_send_virq(&v10, VIRQ_TIMER);
	assert_int_equal(si(&d1)->evtchn_pending[0], 0);
	evtchn_send_virq(&v11, VIRQ_TIMER);
	assert_true(pending(&d1, timer1));
	assert_int_equal(si(&d1)->vcpu_info[1].evtchn_upcall_pending, 1);
	assert_int_equal(si(&d1)->vcpu_info[0].evtchn_upcall_pending, 0);
	assert_int_equal(kicks[1], 1);
	/* A global VIRQ goes to the vCPU it is bound to (0 here); junk numbers do nothing. */
	evtchn_send_global_virq(&d1, VIRQ_CON_RING);
	assert_true(pending(&d1, con));
	assert_int_equal(si(&d1)->vcpu_info[0].evtchn_upcall_pending, 1);
	evtchn_send_virq(&v10, NR_VIRQS);
	evtchn_send_global_virq(&d1, VIRQ_TIMER);
	assert_int_equal(status(&v10, con).status, EVTCHNSTAT_virq);
	assert_int_equal(status(&v10, con).u.virq, VIRQ_CON_RING);
	assert_int_equal(do_close(&v10, timer1), 0);
	assert_int_equal(v11.virq_port[VIRQ_TIMER], 0);
}

static unsigned int hv_calls;
static evtchn_port_t hv_port_seen;

static void hv_fn(struct domain *d, evtchn_port_t port, void *data)
{
	assert_ptr_equal(d, &d2);
	assert_ptr_equal(data, &hv_calls);
	hv_port_seen = port;
	hv_calls++;
}

static void test_hypervisor_ports(void **state)
{
	struct evtchn_reset r = { .dom = DOMID_SELF };
	evtchn_port_t port, other;
	struct evtchn_status st;

	hv_calls = 0;
	assert_int_equal(evtchn_alloc_hypervisor_port(&d2, hv_fn, &hv_calls, &port), 0);
	st = status(&v20, port);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, DOMID_XEN);
	assert_int_equal(send(&v20, port), 0);
	assert_int_equal(hv_calls, 1);
	assert_int_equal(hv_port_seen, port);
	assert_int_equal(evtchn_notify(&d2, port), 0);
	assert_true(pending(&d2, port));
	assert_int_equal(evtchn_notify(&d2, 99), -EINVAL);

	/* EVTCHNOP_reset closes the guest's channels, not the hypervisor's. */
	other = alloc_unbound(&v20, 1);
	assert_int_equal(op_on(&v20, EVTCHNOP_reset, &r, sizeof(r)), 0);
	assert_int_equal(status(&v20, other).status, EVTCHNSTAT_closed);
	assert_int_equal(status(&v20, port).status, EVTCHNSTAT_interdomain);
	r.dom = 1;
	assert_int_equal(op_on(&v20, EVTCHNOP_reset, &r, sizeof(r)), -EPERM);
}

static void test_pollers_wake(void **state)
{
	evtchn_port_t a, b;

	connect(&a, &b);
	/* Masked, so only the poller's wake-up can notice it. */
	si(&d2)->evtchn_mask[0] = ~0ULL;
	v20.polling = true;
	v20.poll_port = (int32_t)b + 1;
	assert_int_equal(send(&v10, a), 0);
	assert_int_equal(unblocks[2], 0);
	assert_true(v20.polling);
	si(&d2)->evtchn_pending[0] = 0;
	v20.poll_port = (int32_t)b;
	assert_int_equal(send(&v10, a), 0);
	assert_int_equal(unblocks[2], 1);
	assert_false(v20.polling);
	/* A poller of several ports wakes for any. */
	si(&d2)->evtchn_pending[0] = 0;
	v20.polling = true;
	v20.poll_port = -1;
	assert_int_equal(send(&v10, a), 0);
	assert_int_equal(unblocks[2], 2);
	assert_true(evtchn_port_pending(&d2, b));
	assert_false(evtchn_port_pending(&d2, 4096));
}

/* The poll timeout: it wakes a vCPU that still polls, and nothing else. */
static void test_poll_timer(void **state)
{
	assert_int_equal(timers_inited, 3);
	assert_ptr_equal(last_timer, &v20.poll_timer);
	assert_int_equal(v11.poll_timer.cpu, 1);
	v20.polling = true;
	v20.poll_timer.fn(v20.poll_timer.data);
	assert_false(v20.polling);
	assert_int_equal(unblocks[2], 1);
	/* Woken by an event already: the late timeout does nothing. */
	v20.poll_timer.fn(v20.poll_timer.data);
	assert_int_equal(unblocks[2], 1);
	evtchn_domain_destroy(&d2);
	assert_int_equal(timers_killed, 1);
}

static void test_upcall_vector_and_reassert(void **state)
{
	assert_int_equal(evtchn_upcall_vector(&v10), 0);
	d1.callback_vector = 0xf3;
	assert_int_equal(evtchn_upcall_vector(&v10), 0xf3);
	v11.upcall_vector = 0xe0;
	assert_int_equal(evtchn_upcall_vector(&v11), 0xe0);
	evtchn_upcall_reassert(&v10);
	assert_false(v10.upcall_asserted);
	v10.vcpu_info->evtchn_upcall_pending = 1;
	evtchn_upcall_reassert(&v10);
	assert_true(v10.upcall_asserted);
}

static void test_bad_commands(void **state)
{
	struct evtchn_send s = { .port = 1 };
	uint64_t args[HYPERCALL_NR_ARGS] = { EVTCHNOP_send, BAD_GA };
	struct evtchn_bind_ipi ipi = { .vcpu = 2 };
	struct evtchn_bind_vcpu bvc = { .port = 1, .vcpu = 1 };
	struct evtchn_alloc_unbound au = { .dom = 2, .remote_dom = 1 };
	evtchn_port_t a;

	assert_int_equal(do_event_channel_op(&v10, args), -EFAULT);
	assert_int_equal(op_on(&v10, 99, &s, sizeof(s)), -ENOSYS);
	assert_int_equal(op_on(&v10, EVTCHNOP_expand_array, &s, sizeof(s)), -ENOSYS);
	/* FIFO set-up: not offered, but a malformed request gets Xen's error first. */
	{
		struct evtchn_init_control ic = { .control_gfn = 3, .offset = 0, .vcpu = 1 };

		d1.memory_bytes = 16 * PAGE_SIZE;
		assert_int_equal(op_on(&v10, EVTCHNOP_init_control, &ic, sizeof(ic)), -ENOSYS);
		ic.control_gfn = (uint64_t)-2;
		assert_int_equal(op_on(&v10, EVTCHNOP_init_control, &ic, sizeof(ic)), -EINVAL);
		ic.control_gfn = 16;
		assert_int_equal(op_on(&v10, EVTCHNOP_init_control, &ic, sizeof(ic)), -EINVAL);
		ic = (struct evtchn_init_control){ .control_gfn = 3, .offset = 4096 - 72 };
		assert_int_equal(op_on(&v10, EVTCHNOP_init_control, &ic, sizeof(ic)), -ENOSYS);
		ic.offset = 4096 - 64;
		assert_int_equal(op_on(&v10, EVTCHNOP_init_control, &ic, sizeof(ic)), -EINVAL);
		ic.offset = 4;
		assert_int_equal(op_on(&v10, EVTCHNOP_init_control, &ic, sizeof(ic)), -EINVAL);
		ic = (struct evtchn_init_control){ .control_gfn = 3, .vcpu = 2 };
		assert_int_equal(op_on(&v10, EVTCHNOP_init_control, &ic, sizeof(ic)), -ENOENT);
		args[0] = EVTCHNOP_init_control;
		args[1] = BAD_GA;
		assert_int_equal(do_event_channel_op(&v10, args), -EFAULT);
	}
	assert_int_equal(op_on(&v10, EVTCHNOP_bind_pirq, &s, sizeof(s)), -EPERM);
	assert_int_equal(op_on(&v10, EVTCHNOP_bind_ipi, &ipi, sizeof(ipi)), -ENOENT);
	assert_int_equal(op_on(&v10, EVTCHNOP_alloc_unbound, &au, sizeof(au)), -EPERM);
	/* Output that cannot be written: -EFAULT (the port stays allocated, as in Xen). */
	au.dom = DOMID_SELF;
	memcpy(gmem + GMEM_SIZE - sizeof(au) + 2, &au, sizeof(au) - 2);
	args[0] = EVTCHNOP_alloc_unbound;
	args[1] = GMEM_SIZE - sizeof(au) + 2;
	assert_int_equal(do_event_channel_op(&v10, args), -EFAULT);
	/* bind_vcpu moves an interdomain port's notifications. */
	a = alloc_unbound(&v10, 2);
	bvc.port = a;
	assert_int_equal(op_on(&v10, EVTCHNOP_bind_vcpu, &bvc, sizeof(bvc)), 0);
	assert_int_equal(status(&v10, a).vcpu, 1);
	bvc.vcpu = 2;
	assert_int_equal(op_on(&v10, EVTCHNOP_bind_vcpu, &bvc, sizeof(bvc)), -ENOENT);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_init_gives_zeroed_shared_info),
		TEST(test_interdomain_send_delivers),
		TEST(test_masked_port_and_unmask),
		TEST(test_close_leaves_the_peer_unbound),
		TEST(test_bind_errors),
		TEST(test_teardown_unbinds_peers),
		TEST(test_all_ports_and_buckets),
		TEST(test_virqs),
		TEST(test_hypervisor_ports),
		TEST(test_pollers_wake),
		TEST(test_poll_timer),
		TEST(test_upcall_vector_and_reassert),
		TEST(test_bad_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
