/*
 * Tests for core/hypercall.c and the handlers behind it (core/hc_*.c),
 * called through hypercall_dispatch() as the VMCALL exit does. The edges
 * are faked here: guest-virtual memory is one buffer with a configurable
 * faulting range and a read-only range; guest RAM and the overhead pages
 * live in the fake physical arena; the domain console, shutdown, overhead
 * allocation and EPT mapping calls are recorded.
 *
 * unit-test-sources: core/hc_console.c core/hc_version.c core/hc_sched.c core/hc_vcpu.c core/hc_memory.c core/hc_hvm.c tests/unit/fakes/physmem.c tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arch.h"
#include "core/pvclock.h"
#include "core/vcpu_timer.h"
#include "core/errno.h"
#include "core/evtchn.h"
#include "core/grant_table.h"
#include "core/guest_memory.h"
#include "core/hypercall.h"
#include "core/hypercalls.h"
#include "core/mm.h"
#include "core/public/hvm_vcpu.h"
#include "core/sched.h"
#include "tests/unit/fakes/console.h"
#include "tests/unit/fakes/physmem.h"

/* Guest-virtual window the fake copy_{from,to}_guest serve. */
#define GVA_BASE 0x400000ULL
#define GVA_SIZE (128 * 1024)
/* Host layout in the fake arena: guest RAM, then overhead pages. */
#define ARENA_BASE 0x10000000ULL
#define GUEST_RAM (2 * MiB)
#define OVERHEAD_BASE (ARENA_BASE + GUEST_RAM)
#define OVERHEAD_PAGES 4
#define ARENA_SIZE (GUEST_RAM + OVERHEAD_PAGES * PAGE_SIZE)
#define GFN_NONE (~0ULL)

#define TEST_DOMID 3
#define OTHER_DOMID 5

struct map_call {
	uint64_t gpa;
	paddr_t hpa;
	uint64_t size;
	unsigned int perms;
};

static struct domain dom;
static struct domain other_dom;
static struct vcpu vcpu0, vcpu1;
struct domain *domains[MAX_DOMAINS];

static uint8_t gmem[GVA_SIZE];
static uint64_t fault_lo, fault_hi; /* copies touching [lo, hi) fail */
static uint64_t ro_lo, ro_hi;       /* copy_to_guest touching [lo, hi) fails */

static char console_out[80 * 1024];
static size_t console_len;
static unsigned int console_calls;
static int shutdown_reason;
static unsigned int shutdown_calls;
static unsigned int overhead_allocs;
static int overhead_fail;
static struct map_call map_calls[8];
static unsigned int nr_map_calls;
static int map_fail;
static uint64_t incarnation;

/* ---- fakes of what the handlers call ---- */

static bool overlaps(uint64_t gva, size_t len, uint64_t lo, uint64_t hi)
{
	return len && gva < hi && gva + len > lo;
}

static int guest_range(uint64_t gva, size_t len)
{
	if (gva < GVA_BASE || gva - GVA_BASE > GVA_SIZE || len > GVA_SIZE - (gva - GVA_BASE))
		return -EFAULT;
	return overlaps(gva, len, fault_lo, fault_hi) ? -EFAULT : 0;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
	assert_true(v == &vcpu0 || v == &vcpu1);
	if (guest_range(gva, len))
		return -EFAULT;
	memcpy(dst, gmem + (gva - GVA_BASE), len);
	return 0;
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
	assert_true(v == &vcpu0 || v == &vcpu1);
	if (guest_range(gva, len) || overlaps(gva, len, ro_lo, ro_hi))
		return -EFAULT;
	memcpy(gmem + (gva - GVA_BASE), src, len);
	return 0;
}

int guest_phys_to_host(const struct domain *d, uint64_t gpa, paddr_t *hpa)
{
	if (gpa >= d->memory_bytes)
		return -EFAULT;
	*hpa = ARENA_BASE + gpa;
	return 0;
}

int guest_phys_write(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
	if (gpa >= d->memory_bytes || len > d->memory_bytes - gpa)
		return -EFAULT;
	memcpy(phys_to_virt(ARENA_BASE + gpa), src, len);
	return 0;
}

void domain_console_write(struct domain *d, const char *buf, size_t len)
{
	assert_ptr_equal(d, &dom);
	assert_true(len <= sizeof(console_out) - console_len);
	memcpy(console_out + console_len, buf, len);
	console_len += len;
	console_calls++;
}

static unsigned int kicks;
static bool guest_64bit = true;

bool arch_vcpu_is_64bit(struct vcpu *v)
{
	(void)v;
	return guest_64bit;
}

void domain_kick_vcpus(struct domain *d)
{
	(void)d;
	kicks++;
}

void domain_shutdown(struct domain *d, uint32_t reason)
{
	assert_ptr_equal(d, &dom);
	shutdown_reason = (int)reason;
	shutdown_calls++;
}

int domain_alloc_overhead_page(struct domain *d, paddr_t *pa)
{
	assert_ptr_equal(d, &dom);
	if (overhead_fail)
		return overhead_fail;
	assert_true(overhead_allocs < OVERHEAD_PAGES);
	*pa = OVERHEAD_BASE + overhead_allocs++ * PAGE_SIZE;
	return 0;
}

int arch_domain_map(struct domain *d, uint64_t gpa, paddr_t hpa, uint64_t size,
		    unsigned int perms)
{
	assert_ptr_equal(d, &dom);
	if (map_fail)
		return map_fail;
	assert_true(nr_map_calls < ARRAY_SIZE(map_calls));
	map_calls[nr_map_calls++] = (struct map_call){ gpa, hpa, size, perms };
	return 0;
}

void arch_cpu_relax(void)
{
}

/* The grant table has its own test (test_grant_table.c): here only the routing into it. */
static uint64_t grant_calls, grant_last_arg;
static uint64_t map_frame_calls, map_frame_idx, map_frame_gfn;

int64_t do_grant_table_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	grant_calls++;
	grant_last_arg = args[1];
	return -12345;
}

int gnttab_map_frame(struct domain *d, uint64_t idx, uint64_t gfn)
{
	assert_ptr_equal(d, &dom);
	map_frame_calls++;
	map_frame_idx = idx;
	map_frame_gfn = gfn;
	return idx == 99 ? -EINVAL : 0;
}

/* The clock (1 tick = 1 us) and the slice, for console_io's rate limit and preemption. */
#define TEST_TSC_KHZ 1000
static uint64_t fake_tsc;
static bool slice_used_up;

uint64_t arch_cycles(void)
{
	return fake_tsc;
}

uint64_t arch_tsc_khz(void)
{
	return TEST_TSC_KHZ;
}

bool hypercall_should_preempt(struct vcpu *v)
{
	return slice_used_up;
}

/* The scheduler's side of vcpu_op: calls recorded, state changed as the real one would. */
static unsigned int sched_up_calls, sched_down_calls;
static int hvm_context_rc;
static unsigned int hvm_context_calls;
static struct vcpu_hvm_context hvm_context_seen;

void sched_vcpu_up(struct vcpu *v)
{
	sched_up_calls++;
	v->state = VCPU_RUNNABLE;
}

void sched_vcpu_down(struct vcpu *v)
{
	sched_down_calls++;
	v->state = VCPU_DOWN;
}

void sched_runstate_get(struct vcpu *v, struct vcpu_runstate_info *info)
{
	*info = v->runstate;
}

int arch_vcpu_set_hvm_context(struct vcpu *v, const struct vcpu_hvm_context *ctx)
{
	hvm_context_calls++;
	hvm_context_seen = *ctx;
	return hvm_context_rc;
}

/* core/evtchn.c, which has its own test: what the handlers ask of it. */
static struct vcpu_info vinfo[2];
static unsigned int reasserts;
static uint64_t pending_ports[EVTCHN_2L_NR_CHANNELS / 64];

void evtchn_upcall_reassert(struct vcpu *v)
{
	reasserts++;
}

bool evtchn_port_pending(const struct domain *d, evtchn_port_t port)
{
	assert_ptr_equal(d, &dom);
	assert_true(port < EVTCHN_2L_NR_CHANNELS);
	return pending_ports[port / 64] & (1ULL << (port % 64));
}

/* The poll timeout's timer and clock. */
static uint64_t fake_now = 5000000;
static uint64_t poll_timer_set_to;
static unsigned int poll_timer_stops;

uint64_t system_time(void)
{
	return fake_now;
}

void timer_set(struct timer *t, uint64_t expires)
{
	assert_ptr_equal(t, &vcpu0.poll_timer);
	poll_timer_set_to = expires;
}

void timer_stop(struct timer *t)
{
	assert_ptr_equal(t, &vcpu0.poll_timer);
	poll_timer_stops++;
}

int64_t do_event_channel_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	return -1000 - (int64_t)args[0];
}

/* core/vcpu_timer.c is tested by the guest test guest-timers: here calls are recorded. */
static unsigned int timer_op_calls, timer_op_cmd;

int64_t vcpu_op_timer(struct vcpu *v, struct vcpu *t, unsigned int cmd, uint64_t arg)
{
	timer_op_calls++;
	timer_op_cmd = cmd;
	return -2000 - (int64_t)cmd;
}

int64_t do_set_timer_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	return -3000 - (int64_t)args[0];
}

/* core/pvclock.c is tested by the guest test guest-time: here its calls are counted. */
static unsigned int pvclock_updates, wallclock_updates;

void pvclock_update(struct vcpu *v)
{
	assert_ptr_equal(v, &vcpu0);
	pvclock_updates++;
}

void wallclock_update(struct domain *d)
{
	assert_ptr_equal(d, &dom);
	wallclock_updates++;
}

/* ---- fixture ---- */

static int setup(void **state)
{
	fake_physmem_init(ARENA_BASE, ARENA_SIZE);
	/* Fresh memory is not zero on real machines either. */
	memset(phys_to_virt(ARENA_BASE), 0xa5, ARENA_SIZE);

	guest_64bit = true;
	memset(&dom, 0, sizeof(dom));
	dom.id = TEST_DOMID;
	dom.memory_bytes = GUEST_RAM;
	dom.frames_guest = GUEST_RAM >> PAGE_SHIFT;
	dom.nr_vcpus = 2;
	dom.vcpus[0] = &vcpu0;
	dom.vcpus[1] = &vcpu1;
	dom.shared_info_gfn = GFN_NONE;
	/* Each test's domain is a new incarnation: registrations do not carry over. */
	dom.start_tsc = ++incarnation;

	memset(&vcpu0, 0, sizeof(vcpu0));
	vcpu0.domain = &dom;
	vcpu0.id = 0;
	vcpu0.state = VCPU_RUNNABLE;
	vcpu0.on_cpu = true;
	vcpu0.initialised = true;
	vcpu0.runstate.state = RUNSTATE_running;
	memset(&vcpu1, 0, sizeof(vcpu1));
	vcpu1.domain = &dom;
	vcpu1.id = 1;
	vcpu1.state = VCPU_DOWN;
	vcpu1.down = true;
	vcpu1.runstate.state = RUNSTATE_offline;
	sched_up_calls = sched_down_calls = 0;
	fake_tsc = 5000000;
	slice_used_up = false;
	hvm_context_rc = 0;
	hvm_context_calls = 0;
	memset(vinfo, 0, sizeof(vinfo));
	vcpu0.vcpu_info = &vinfo[0];
	vcpu1.vcpu_info = &vinfo[1];
	reasserts = 0;
	memset(pending_ports, 0, sizeof(pending_ports));
	poll_timer_set_to = 0;
	poll_timer_stops = 0;

	memset(domains, 0, sizeof(domains));
	memset(&other_dom, 0, sizeof(other_dom));
	other_dom.id = OTHER_DOMID;
	domains[TEST_DOMID] = &dom;
	domains[OTHER_DOMID] = &other_dom;

	memset(gmem, 0x5a, sizeof(gmem));
	fault_lo = fault_hi = ro_lo = ro_hi = 0;
	console_len = 0;
	console_calls = 0;
	shutdown_reason = -1;
	shutdown_calls = 0;
	overhead_allocs = 0;
	overhead_fail = 0;
	nr_map_calls = 0;
	map_fail = 0;
	grant_calls = grant_last_arg = 0;
	map_frame_calls = map_frame_idx = map_frame_gfn = 0;
	fake_console_reset();
	pvclock_updates = wallclock_updates = 0;
	timer_op_calls = timer_op_cmd = 0;
	return 0;
}

static int teardown(void **state)
{
	fake_physmem_free();
	return 0;
}

/* ---- helpers ---- */

static int64_t hcall_on(struct vcpu *v, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	const uint64_t args[HYPERCALL_NR_ARGS] = { a0, a1, a2, 0xdead0010, 0xdead0008 };

	return hypercall_dispatch(v, nr, args);
}

static int64_t hcall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	return hcall_on(&vcpu0, nr, a0, a1, a2);
}

static void *gptr(uint64_t gva)
{
	assert_true(gva >= GVA_BASE && gva < GVA_BASE + GVA_SIZE);
	return gmem + (gva - GVA_BASE);
}

static void gput(uint64_t gva, const void *src, size_t len)
{
	memcpy(gptr(gva), src, len);
}

static void gget(void *dst, uint64_t gva, size_t len)
{
	memcpy(dst, gptr(gva), len);
}

static void set_fault(uint64_t lo, uint64_t len)
{
	fault_lo = lo;
	fault_hi = lo + len;
}

static void set_read_only(uint64_t lo, uint64_t len)
{
	ro_lo = lo;
	ro_hi = lo + len;
}

#define GA(off) (GVA_BASE + (off))

/* ---- dispatch ---- */

static void test_dispatch_unknown_numbers(void **state)
{
	static const uint64_t numbers[] = {
		0,
		__HYPERVISOR_mmu_update,
		__HYPERVISOR_vm_assist,
		__HYPERVISOR_domctl,
		NR_HYPERCALLS - 1,
		NR_HYPERCALLS,
		1ULL << 32 | __HYPERVISOR_xen_version, /* the number is never truncated */
		~0ULL,
	};

	for (size_t i = 0; i < ARRAY_SIZE(numbers); i++)
		assert_int_equal(hcall(numbers[i], XENVER_version, 0, 0), -ENOSYS);
}

static void test_dispatch_routes_by_number(void **state)
{
	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_version, 0, 0), 0x40011);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0), 0);
	assert_true(vcpu0.requests & VCPU_REQ_YIELD);
}

/* ---- console_io ---- */

static void test_console_write(void **state)
{
	gput(GA(0x100), "hello, world\r\n", 14);

	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 14, GA(0x100)), 0);
	assert_int_equal(console_len, 14);
	assert_memory_equal(console_out, "hello, world\r\n", 14);
}

static void test_console_write_in_chunks(void **state)
{
	uint8_t text[1000];

	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (uint8_t)('a' + i % 26);
	gput(GA(0x1000), text, sizeof(text));

	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, sizeof(text), GA(0x1000)),
			 0);
	assert_int_equal(console_len, sizeof(text));
	assert_memory_equal(console_out, text, sizeof(text));
	/* 1000 bytes in chunks of 128: 8 calls, none larger than a chunk. */
	assert_int_equal(console_calls, 8);
}

/* Asserts that the last call asked to be issued again with count bytes left at buffer. */
static void assert_continues(uint64_t count, uint64_t buffer)
{
	assert_true(vcpu0.hypercall_restart);
	assert_int_equal(vcpu0.hypercall_restart_args[0], CONSOLEIO_write);
	assert_int_equal(vcpu0.hypercall_restart_args[1], count);
	assert_int_equal(vcpu0.hypercall_restart_args[2], buffer);
	vcpu0.hypercall_restart = false;
}

static void test_console_write_limits(void **state)
{
	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 0, GA(0)), 0);
	assert_int_equal(console_len, 0);
	assert_false(vcpu0.hypercall_restart);

	/* The burst (16 KiB) goes out at once; the rest waits for tokens, nothing is refused. */
	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 20 * 1024, GA(0)), 0);
	assert_int_equal(console_len, 16 * 1024);
	assert_continues(4 * 1024, GA(16 * 1024));
	assert_non_null(strstr(fake_console_output(),
			       "domain 3 (): console output above 4 KiB/s: its writes wait"));

	/* Issued again at once: still no token, no progress, the same continuation. */
	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 4 * 1024, GA(16 * 1024)),
			 0);
	assert_int_equal(console_len, 16 * 1024);
	assert_continues(4 * 1024, GA(16 * 1024));

	/* 100 ms later: 4 KiB/s gave 409 bytes, three whole chunks of 128. */
	fake_tsc += 100000;
	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 4 * 1024, GA(16 * 1024)),
			 0);
	assert_int_equal(console_len, 16 * 1024 + 384);
	assert_continues(4 * 1024 - 384, GA(16 * 1024 + 384));
	assert_int_equal(dom.console_tokens, 409 - 384);
	/* Fractions are not lost: 1.9 s more make 8192 bytes since the burst, in all. */
	fake_tsc += 1900000;
	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 4 * 1024 - 384,
			       GA(16 * 1024 + 384)),
			 0);
	assert_int_equal(console_len, 20 * 1024);
	assert_false(vcpu0.hypercall_restart);
	assert_int_equal(dom.console_tokens, 8 * 1024 - 4 * 1024);
	/* Each call that ran out: the first, the one at once, the one 100 ms later. */
	assert_int_equal(dom.console_waits, 3);

	/* A long pause refills the bucket to its size, never more. */
	fake_tsc += 1ULL << 40;
	console_len = 0;
	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 64 * 1024, GA(0)), 0);
	assert_int_equal(console_len, 16 * 1024);
	assert_continues(48 * 1024, GA(16 * 1024));
}

static void test_console_write_preempted(void **state)
{
	uint8_t text[1000];

	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (uint8_t)('A' + i % 26);
	gput(GA(0x1000), text, sizeof(text));
	/* Its slice is used up: one chunk each time, then a continuation with the rest. */
	slice_used_up = true;
	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, sizeof(text), GA(0x1000)),
			 0);
	assert_int_equal(console_len, 128);
	assert_continues(sizeof(text) - 128, GA(0x1000) + 128);
	slice_used_up = false;
	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, sizeof(text) - 128,
			       GA(0x1000) + 128),
			 0);
	assert_false(vcpu0.hypercall_restart);
	assert_int_equal(console_len, sizeof(text));
	assert_memory_equal(console_out, text, sizeof(text));
}

static void test_console_write_bad_pointer(void **state)
{
	set_fault(GA(0x2000), PAGE_SIZE);
	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 10, GA(0x2000)), -EFAULT);
	assert_int_equal(console_len, 0);

	/* Outside anything the guest maps. */
	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 10, 0x1000), -EFAULT);

	/* A fault part-way: the chunks before it are out, the call fails. */
	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 300, GA(0x2000) - 200),
			 -EFAULT);
	assert_int_equal(console_len, 128);
}

static void test_console_other_commands(void **state)
{
	assert_int_equal(hcall(__HYPERVISOR_console_io, CONSOLEIO_read, 16, GA(0)), 0);
	assert_int_equal(hcall(__HYPERVISOR_console_io, 2, 16, GA(0)), -ENOSYS);
	assert_int_equal(hcall(__HYPERVISOR_console_io, ~0ULL, 16, GA(0)), -ENOSYS);
	assert_int_equal(console_len, 0);
	/* cmd is an int in Xen's ABI: bits above 31 are not part of it. */
	gput(GA(0), "x", 1);
	assert_int_equal(hcall(__HYPERVISOR_console_io, 1ULL << 32 | CONSOLEIO_write, 1, GA(0)), 0);
	assert_int_equal(console_len, 1);
}

/* ---- xen_version ---- */

static void test_version_number(void **state)
{
	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_version, 0, 0), (4 << 16) | 17);
}

static void test_version_extraversion(void **state)
{
	char buf[XEN_EXTRAVERSION_LEN];

	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, GA(0x300), 0), 0);
	gget(buf, GA(0x300), sizeof(buf));
	assert_string_equal(buf, ".0-hv");
	/* All 16 bytes written: the tail is zeros, not the old 0x5a. */
	for (size_t i = strlen(buf); i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(*(uint8_t *)gptr(GA(0x300 + XEN_EXTRAVERSION_LEN)), 0x5a);

	set_read_only(GA(0x300 + 15), 1);
	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_extraversion, GA(0x300), 0),
			 -EFAULT);
}

static void test_version_get_features(void **state)
{
	struct xen_feature_info fi = { .submap_idx = 0, .submap = 0xdeadbeef };
	const uint32_t expected = (1u << XENFEAT_writable_page_tables) |
				  (1u << XENFEAT_auto_translated_physmap) |
				  (1u << XENFEAT_hvm_callback_vector) |
				  (1u << XENFEAT_hvm_safe_pvclock) |
				  (1u << XENFEAT_memory_op_vnode_supported) |
				  (1u << XENFEAT_not_direct_mapped);

	gput(GA(0x400), &fi, sizeof(fi));
	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_get_features, GA(0x400), 0), 0);
	gget(&fi, GA(0x400), sizeof(fi));
	assert_int_equal(fi.submap_idx, 0);
	assert_int_equal(fi.submap, expected);
	assert_false(fi.submap & (1u << XENFEAT_dom0));
	assert_false(fi.submap & (1u << XENFEAT_direct_mapped));
}

static void test_version_get_features_errors(void **state)
{
	struct xen_feature_info fi = { .submap_idx = 1, .submap = 0x12345678 };

	/* Only submap 0 exists (Xen: -EINVAL), and nothing is written back. */
	gput(GA(0x400), &fi, sizeof(fi));
	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_get_features, GA(0x400), 0),
			 -EINVAL);
	gget(&fi, GA(0x400), sizeof(fi));
	assert_int_equal(fi.submap, 0x12345678);

	set_fault(GA(0x404), 1);
	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_get_features, GA(0x400), 0),
			 -EFAULT);

	fi.submap_idx = 0;
	gput(GA(0x500), &fi, sizeof(fi));
	set_fault(0, 0);
	set_read_only(GA(0x504), 4);
	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_get_features, GA(0x500), 0),
			 -EFAULT);
}

static void test_version_pagesize(void **state)
{
	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0), 4096);
	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_pagesize, GA(0), 0), -EINVAL);
}

static void test_version_strings(void **state)
{
	char caps[1024], changeset[64], compile[144], handle[16], cmdline[16];
	uint64_t virt_start;

	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_capabilities, GA(0x1000), 0), 0);
	gget(caps, GA(0x1000), sizeof(caps));
	assert_non_null(strstr(caps, "hvm-3.0-x86_64"));
	assert_null(strstr(caps, "xen-3.0")); /* no PV guests */
	assert_int_equal(caps[1023], 0);
	assert_int_equal(*(uint8_t *)gptr(GA(0x1000 + 1024)), 0x5a);

	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_changeset, GA(0x2000), 0), 0);
	gget(changeset, GA(0x2000), sizeof(changeset));
	assert_int_equal(changeset[63], 0);
	assert_true(strlen(changeset) > 0);

	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_compile_info, GA(0x3000), 0), 0);
	gget(compile, GA(0x3000), sizeof(compile));
	assert_string_equal(compile, "gcc");
	assert_int_equal(*(uint8_t *)gptr(GA(0x3000 + 144)), 0x5a);

	assert_int_equal(
		hcall(__HYPERVISOR_xen_version, XENVER_platform_parameters, GA(0x4000), 0), 0);
	gget(&virt_start, GA(0x4000), sizeof(virt_start));
	assert_int_equal(virt_start, 0xffff800000000000ULL);

	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_guest_handle, GA(0x5000), 0), 0);
	gget(handle, GA(0x5000), sizeof(handle));
	for (size_t i = 0; i < sizeof(handle); i++)
		assert_int_equal(handle[i], 0);

	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_commandline, GA(0x6000), 0), 0);
	gget(cmdline, GA(0x6000), sizeof(cmdline));
	assert_string_equal(cmdline, "<denied>");

	set_fault(GA(0x7000), 1);
	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_capabilities, GA(0x7000), 0),
			 -EFAULT);
	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_guest_handle, GA(0x7000), 0),
			 -EFAULT);
}

static void test_version_refused(void **state)
{
	assert_int_equal(hcall(__HYPERVISOR_xen_version, XENVER_build_id, GA(0), 0), -EPERM);
	assert_int_equal(hcall(__HYPERVISOR_xen_version, 11, GA(0), 0), -ENOSYS);
	assert_int_equal(hcall(__HYPERVISOR_xen_version, 0x80000000u, GA(0), 0), -ENOSYS);
}

/* ---- sched_op ---- */

static void test_sched_yield_and_block(void **state)
{
	vcpu0.requests = VCPU_REQ_STOP;
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0), 0);
	assert_int_equal(vcpu0.requests, VCPU_REQ_STOP | VCPU_REQ_YIELD);

	vcpu0.requests = 0;
	vinfo[0].evtchn_upcall_mask = 1;
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);
	assert_int_equal(vcpu0.requests, VCPU_REQ_BLOCK);
	/* Blocking enables event delivery again, as in Xen. */
	assert_int_equal(vinfo[0].evtchn_upcall_mask, 0);
	assert_int_equal(vcpu1.requests, 0);
	assert_int_equal(shutdown_calls, 0);

	/* An event already pending: it does not sleep. */
	vcpu0.requests = 0;
	vinfo[0].evtchn_upcall_pending = 1;
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);
	assert_int_equal(vcpu0.requests, 0);
}

static void put_poll(uint64_t gva, uint64_t ports_gva, uint32_t nr, uint64_t timeout)
{
	struct sched_poll p = { .ports = ports_gva, .nr_ports = nr, .timeout = timeout };

	gput(gva, &p, sizeof(p));
}

static void test_sched_poll(void **state)
{
	const evtchn_port_t ports[3] = { 7, 200, 4095 };

	gput(GA(0x100), ports, sizeof(ports));
	/* Nothing pending: the vCPU sleeps as a poller of several ports. */
	put_poll(GA(0x10), GA(0x100), 3, 0);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, GA(0x10), 0), 0);
	assert_int_equal(vcpu0.requests, VCPU_REQ_BLOCK);
	assert_true(vcpu0.polling);
	assert_int_equal(vcpu0.poll_port, -1);

	/* One port: remembered, so only its event wakes the vCPU. */
	vcpu0.requests = 0;
	put_poll(GA(0x10), GA(0x104), 1, 0);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, GA(0x10), 0), 0);
	assert_int_equal(vcpu0.poll_port, 200);
	assert_int_equal(vcpu0.requests, VCPU_REQ_BLOCK);

	/* One of them pending: back at once, not polling. */
	vcpu0.requests = 0;
	pending_ports[4095 / 64] = 1ULL << (4095 % 64);
	put_poll(GA(0x10), GA(0x100), 3, 0);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, GA(0x10), 0), 0);
	assert_int_equal(vcpu0.requests, 0);
	assert_false(vcpu0.polling);

	/* A timeout ahead: the timer is armed for it and the vCPU sleeps. */
	vcpu0.requests = 0;
	pending_ports[4095 / 64] = 0;
	put_poll(GA(0x10), GA(0x100), 3, fake_now + 1000);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, GA(0x10), 0), 0);
	assert_int_equal(vcpu0.requests, VCPU_REQ_BLOCK);
	assert_int_equal(poll_timer_set_to, fake_now + 1000);
	/* The largest timeout is just a far deadline. */
	vcpu0.requests = 0;
	put_poll(GA(0x10), GA(0x100), 3, UINT64_MAX);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, GA(0x10), 0), 0);
	assert_int_equal(poll_timer_set_to, UINT64_MAX);
	/* A timeout already passed: back at once, no timer, not polling. */
	vcpu0.requests = 0;
	poll_timer_set_to = 0;
	put_poll(GA(0x10), GA(0x100), 3, fake_now);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, GA(0x10), 0), 0);
	assert_int_equal(vcpu0.requests, 0);
	assert_false(vcpu0.polling);
	assert_int_equal(poll_timer_set_to, 0);
	/* Every poll first stops the previous one's timer. */
	assert_int_equal(poll_timer_stops, 6);

	/* A 32-bit guest's layout: a 4-byte handle, 16 bytes in all. */
	guest_64bit = false;
	{
		struct compat_sched_poll c = { .ports = (uint32_t)GA(0x100), .nr_ports = 2 };

		gput(GA(0x10), &c, sizeof(c));
		set_fault(GA(0x20), 8); /* beyond the 16 bytes */
		assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, GA(0x10), 0), 0);
		assert_int_equal(vcpu0.requests, VCPU_REQ_BLOCK);
	}
}

static void test_sched_poll_errors(void **state)
{
	const evtchn_port_t ports[2] = { 3, 4096 };

	gput(GA(0x100), ports, sizeof(ports));
	put_poll(GA(0x10), GA(0x100), 129, 0);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, GA(0x10), 0), -EINVAL);
	put_poll(GA(0x10), GA(0x100), 2, 0);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, GA(0x10), 0), -EINVAL);
	put_poll(GA(0x10), GA(0x100), 1, 0);
	set_fault(GA(0x102), 1);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, GA(0x10), 0), -EFAULT);
	set_fault(GA(0x12), 1);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, GA(0x10), 0), -EFAULT);
	/* A failed poll neither sleeps nor stays a poller. */
	assert_int_equal(vcpu0.requests, 0);
	assert_false(vcpu0.polling);
}

static void test_sched_shutdown(void **state)
{
	struct sched_shutdown s = { .reason = SHUTDOWN_crash };

	gput(GA(0x10), &s, sizeof(s));
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, GA(0x10), 0), 0);
	assert_int_equal(shutdown_calls, 1);
	assert_int_equal(shutdown_reason, SHUTDOWN_crash);

	s.reason = SHUTDOWN_poweroff;
	gput(GA(0x10), &s, sizeof(s));
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, GA(0x10), 0), 0);
	assert_int_equal(shutdown_calls, 2);
	assert_int_equal(shutdown_reason, SHUTDOWN_poweroff);
}

static void test_sched_shutdown_errors(void **state)
{
	struct sched_shutdown s = { .reason = SHUTDOWN_soft_reset + 1 };

	gput(GA(0x10), &s, sizeof(s));
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, GA(0x10), 0), -EINVAL);
	s.reason = 0xffffffff;
	gput(GA(0x10), &s, sizeof(s));
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, GA(0x10), 0), -EINVAL);

	s.reason = SHUTDOWN_poweroff;
	gput(GA(0x10), &s, sizeof(s));
	set_fault(GA(0x13), 1);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, GA(0x10), 0), -EFAULT);
	assert_int_equal(shutdown_calls, 0);
}

static void test_sched_unsupported(void **state)
{
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, GA(0), 0), -ENOSYS);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown_code, GA(0), 0), -ENOSYS);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, SCHEDOP_watchdog, GA(0), 0), -ENOSYS);
	assert_int_equal(hcall(__HYPERVISOR_sched_op, 99, GA(0), 0), -ENOSYS);
	assert_int_equal(vcpu0.requests, 0);
	assert_int_equal(shutdown_calls, 0);
}

/* ---- vcpu_op ---- */

static void test_vcpu_bad_id(void **state)
{
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 2, 0), -ENOENT);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, DOMAIN_MAX_VCPUS, 0), -ENOENT);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 7, GA(0)),
			 -ENOENT);
	/* The id is checked before the command, as in Xen. */
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, 99, 0xffffffff, 0), -ENOENT);
	dom.vcpus[1] = NULL;
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), -ENOENT);
}

static void test_vcpu_is_up(void **state)
{
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0), 1);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 0);
	/* Xen's _VPF_down, not the scheduler's state: blocked is up. */
	vcpu1.state = VCPU_BLOCKED;
	vcpu1.down = false;
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 1);
}

static void put_hvm_context(uint64_t gva, uint32_t mode)
{
	struct vcpu_hvm_context ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.mode = mode;
	ctx.cpu_regs.x86_64.rip = 0x123456;
	gput(gva, &ctx, sizeof(ctx));
}

static void test_vcpu_initialise(void **state)
{
	put_hvm_context(GA(0x100), VCPU_HVM_MODE_64B);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, GA(0x100)), 0);
	assert_int_equal(hvm_context_calls, 1);
	assert_int_equal(hvm_context_seen.mode, VCPU_HVM_MODE_64B);
	assert_int_equal(hvm_context_seen.cpu_regs.x86_64.rip, 0x123456);
	assert_true(vcpu1.initialised);
	/* Still down until VCPUOP_up. */
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 0);
	assert_int_equal(sched_up_calls, 0);
	/* Once only; vCPU 0 was initialised by the builder. */
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, GA(0x100)), -EEXIST);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 0, GA(0x100)), -EEXIST);
	assert_int_equal(hvm_context_calls, 1);
}

static void test_vcpu_initialise_errors(void **state)
{
	/* The architecture's verdict on the context is the caller's. */
	hvm_context_rc = -EINVAL;
	put_hvm_context(GA(0x100), 7);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, GA(0x100)), -EINVAL);
	assert_false(vcpu1.initialised);
	/* A context that cannot be read: nothing checked, nothing kept. */
	hvm_context_rc = 0;
	hvm_context_calls = 0;
	set_fault(GA(0x100) + sizeof(struct vcpu_hvm_context) - 1, 1);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, GA(0x100)), -EFAULT);
	assert_int_equal(hvm_context_calls, 0);
	assert_false(vcpu1.initialised);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 2, GA(0x100)), -ENOENT);
}

static void test_vcpu_up_down(void **state)
{
	/* Not initialised: Xen's -EINVAL. */
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0), -EINVAL);
	assert_int_equal(sched_up_calls, 0);
	vcpu1.initialised = true;
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0), 0);
	assert_int_equal(sched_up_calls, 1);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 1);
	/* Up again: nothing to do. */
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0), 0);
	assert_int_equal(sched_up_calls, 1);

	/* vCPU 1 takes vCPU 0 down: vCPU 1 is still up, so the domain lives. */
	assert_int_equal(hcall_on(&vcpu1, __HYPERVISOR_vcpu_op, VCPUOP_down, 0, 0), 0);
	assert_int_equal(sched_down_calls, 1);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0), 0);
	assert_int_equal(shutdown_calls, 0);
	/* Down again: nothing to do. */
	assert_int_equal(hcall_on(&vcpu1, __HYPERVISOR_vcpu_op, VCPUOP_down, 0, 0), 0);
	assert_int_equal(sched_down_calls, 1);

	/* The last vCPU that is up goes down: Xen powers the domain off. */
	assert_int_equal(hcall_on(&vcpu1, __HYPERVISOR_vcpu_op, VCPUOP_down, 1, 0), 0);
	assert_int_equal(shutdown_calls, 1);
	assert_int_equal(shutdown_reason, SHUTDOWN_poweroff);
	assert_int_equal(sched_down_calls, 1);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_up, 2, 0), -ENOENT);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_down, 2, 0), -ENOENT);
}

static void put_vcpu_info_reg(uint64_t gva, uint64_t gfn, uint32_t offset)
{
	struct vcpu_register_vcpu_info reg = { .mfn = gfn, .offset = offset };

	gput(gva, &reg, sizeof(reg));
}

static void test_vcpu_register_vcpu_info(void **state)
{
	uint64_t gpa = 0;
	struct shared_info *si;
	struct vcpu_info expect;
	const uint8_t *ram = phys_to_virt(ARENA_BASE);

	/* shared_info exists: the new copy starts from its slot. */
	dom.shared_info_hpa = OVERHEAD_BASE;
	si = phys_to_virt(OVERHEAD_BASE);
	memset(si, 0, PAGE_SIZE);
	si->vcpu_info[0].evtchn_upcall_mask = 1;
	si->vcpu_info[0].time.version = 42;

	vcpu0.vcpu_info = &si->vcpu_info[0];
	expect = si->vcpu_info[0];
	/* Xen marks everything pending in the new copy, so no event is lost in the move. */
	expect.evtchn_upcall_pending = 1;
	expect.evtchn_pending_sel = ~0UL;

	assert_int_equal(vcpu_info_location(&vcpu0, &gpa), -ENOENT);
	put_vcpu_info_reg(GA(0x20), 0x10, 0x40);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GA(0x20)), 0);
	assert_int_equal(vcpu_info_location(&vcpu0, &gpa), 0);
	assert_int_equal(gpa, 0x10040);
	assert_memory_equal(ram + 0x10040, &expect, sizeof(struct vcpu_info));
	/* Events are delivered there from now on, and the pending state is asserted. */
	assert_ptr_equal(vcpu0.vcpu_info, ram + 0x10040);
	assert_int_equal(reasserts, 1);
	assert_int_equal(pvclock_updates, 1); /* its record moved there */
	/* Only those 64 bytes were written. */
	assert_int_equal(ram[0x1003f], 0xa5);
	assert_int_equal(ram[0x10080], 0xa5);

	/* Once only, as in Xen. */
	put_vcpu_info_reg(GA(0x20), 0x20, 0);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GA(0x20)),
			 -EINVAL);
	assert_int_equal(vcpu_info_location(&vcpu0, &gpa), 0);
	assert_int_equal(gpa, 0x10040);
}

static void test_vcpu_register_vcpu_info_other_vcpu(void **state)
{
	uint64_t gpa = 0;
	const uint8_t *ram = phys_to_virt(ARENA_BASE);

	/* vCPU 1 is down: vCPU 0 may register for it. Without shared_info it starts zeroed. */
	put_vcpu_info_reg(GA(0x20), 0x11, PAGE_SIZE - sizeof(struct vcpu_info));
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1, GA(0x20)), 0);
	assert_int_equal(vcpu_info_location(&vcpu1, &gpa), 0);
	assert_int_equal(gpa, 0x11000 + PAGE_SIZE - 64);
	assert_int_equal(ram[gpa], 1); /* evtchn_upcall_pending */
	for (size_t i = 1; i < 8; i++)
		assert_int_equal(ram[gpa + i], 0);
	for (size_t i = 8; i < 16; i++) /* evtchn_pending_sel */
		assert_int_equal(ram[gpa + i], 0xff);
	for (size_t i = 16; i < 64; i++)
		assert_int_equal(ram[gpa + i], 0);
	assert_ptr_equal(vcpu1.vcpu_info, ram + gpa);
	assert_ptr_equal(vcpu0.vcpu_info, &vinfo[0]);
	assert_int_equal(vcpu_info_location(&vcpu0, &gpa), -ENOENT);
}

static void test_vcpu_register_vcpu_info_errors(void **state)
{
	uint64_t gpa;

	/* Does not fit in the page. */
	put_vcpu_info_reg(GA(0x20), 0x10, PAGE_SIZE - sizeof(struct vcpu_info) + 8);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GA(0x20)),
			 -EINVAL);
	put_vcpu_info_reg(GA(0x20), 0x10, 0xffffffff);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GA(0x20)),
			 -EINVAL);
	/* Misaligned. */
	put_vcpu_info_reg(GA(0x20), 0x10, 4);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GA(0x20)),
			 -EINVAL);
	/* Not RAM. */
	put_vcpu_info_reg(GA(0x20), GUEST_RAM >> PAGE_SHIFT, 0);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GA(0x20)),
			 -EINVAL);
	put_vcpu_info_reg(GA(0x20), 1ULL << 52, 0);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GA(0x20)),
			 -EINVAL);
	/* The gfn that shows shared_info. */
	dom.shared_info_gfn = 0x30;
	put_vcpu_info_reg(GA(0x20), 0x30, 0);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GA(0x20)),
			 -EINVAL);
	/* Another vCPU that is up. */
	vcpu1.state = VCPU_RUNNABLE;
	vcpu1.down = false;
	put_vcpu_info_reg(GA(0x20), 0x10, 0);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1, GA(0x20)),
			 -EINVAL);
	/* Bad argument pointer. */
	set_fault(GA(0x2f), 1);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GA(0x20)),
			 -EFAULT);

	assert_int_equal(vcpu_info_location(&vcpu0, &gpa), -ENOENT);
	assert_int_equal(vcpu_info_location(&vcpu1, &gpa), -ENOENT);
	assert_ptr_equal(vcpu0.vcpu_info, &vinfo[0]);
	assert_ptr_equal(vcpu1.vcpu_info, &vinfo[1]);
	assert_int_equal(reasserts, 0);
}

static void test_vcpu_registration_ends_with_domain(void **state)
{
	uint64_t gpa, gva;
	uint64_t area = GA(0x800);

	put_vcpu_info_reg(GA(0x20), 0x10, 0);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GA(0x20)), 0);
	gput(GA(0x30), &area, sizeof(area));
	assert_int_equal(
		hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, GA(0x30)), 0);
	assert_int_equal(vcpu_info_location(&vcpu0, &gpa), 0);
	assert_int_equal(vcpu_runstate_area(&vcpu0, &gva), 0);

	/* The same id and address, but a new domain (its vCPUs are new too): nothing registered. */
	dom.start_tsc = ++incarnation;
	vcpu0.runstate_gva = 0;
	assert_int_equal(vcpu_info_location(&vcpu0, &gpa), -ENOENT);
	assert_int_equal(vcpu_runstate_area(&vcpu0, &gva), -ENOENT);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GA(0x20)), 0);
}

static void test_vcpu_runstate_info(void **state)
{
	struct vcpu_runstate_info info, want = {
		.state = RUNSTATE_blocked,
		.state_entry_time = 123456789,
		.time = { 1000, 2000, 3000, 4000 },
	};

	memset(&info, 0x77, sizeof(info));
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, GA(0x40)), 0);
	gget(&info, GA(0x40), sizeof(info));
	assert_int_equal(info.state, RUNSTATE_running);

	/* What the scheduler accounted, for any vCPU of the domain. */
	vcpu1.runstate = want;
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 1, GA(0x40)), 0);
	gget(&info, GA(0x40), sizeof(info));
	assert_memory_equal(&info, &want, sizeof(info));

	set_read_only(GA(0x40 + sizeof(info) - 1), 1);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 1, GA(0x40)),
			 -EFAULT);
}

static void test_vcpu_runstate_area(void **state)
{
	struct vcpu_runstate_info info;
	uint64_t area = GA(0x900), gva = 0;

	gput(GA(0x30), &area, sizeof(area));
	assert_int_equal(
		hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, GA(0x30)), 0);
	assert_int_equal(vcpu_runstate_area(&vcpu0, &gva), 0);
	assert_int_equal(gva, GA(0x900));
	/* Filled at once. */
	gget(&info, GA(0x900), sizeof(info));
	assert_int_equal(info.state, RUNSTATE_running);
	assert_int_equal(info.time[0], 0);

	/* An area the guest cannot be written at is still accepted, as in Xen. */
	area = 0x1000;
	gput(GA(0x30), &area, sizeof(area));
	assert_int_equal(
		hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, GA(0x30)), 0);
	assert_int_equal(vcpu_runstate_area(&vcpu0, &gva), 0);
	assert_int_equal(gva, 0x1000);

	/* For another vCPU: kept, but not written now (Xen writes only the caller's own). */
	area = GA(0xa00);
	gput(GA(0x30), &area, sizeof(area));
	assert_int_equal(
		hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 1, GA(0x30)), 0);
	assert_int_equal(vcpu_runstate_area(&vcpu1, &gva), 0);
	assert_int_equal(gva, GA(0xa00));
	assert_int_equal(*(uint8_t *)gptr(GA(0xa00)), 0x5a);

	/* Address 0 unregisters. */
	area = 0;
	gput(GA(0x30), &area, sizeof(area));
	assert_int_equal(
		hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 1, GA(0x30)), 0);
	assert_int_equal(vcpu_runstate_area(&vcpu1, &gva), -ENOENT);

	set_fault(GA(0x30), 8);
	assert_int_equal(
		hcall(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 1, GA(0x30)),
		-EFAULT);
	assert_int_equal(vcpu_runstate_area(&vcpu1, &gva), -ENOENT);
}

/* The four timer sub-ops go to core/vcpu_timer.c, whichever vCPU they name; set_timer_op too. */
static void test_vcpu_timers_and_unsupported(void **state)
{
	static const unsigned int cmds[] = {
		VCPUOP_set_periodic_timer, VCPUOP_stop_periodic_timer,
		VCPUOP_set_singleshot_timer, VCPUOP_stop_singleshot_timer,
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(cmds); i++) {
		assert_int_equal(hcall(__HYPERVISOR_vcpu_op, cmds[i], i % 2, GA(0)),
				 -2000 - (int64_t)cmds[i]);
		assert_int_equal(timer_op_cmd, cmds[i]);
	}
	assert_int_equal(timer_op_calls, 4);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 2, GA(0)),
			 -ENOENT);
	assert_int_equal(timer_op_calls, 4);
	assert_int_equal(hcall(__HYPERVISOR_set_timer_op, 7, 0, 0), -3007);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, VCPUOP_send_nmi, 1, 0), -ENOSYS);
	assert_int_equal(hcall(__HYPERVISOR_vcpu_op, 99, 0, 0), -ENOSYS);
	assert_int_equal(vcpu1.state, VCPU_DOWN);
}

/* ---- memory_op ---- */

static void test_memory_map(void **state)
{
	struct xen_memory_map map = { .nr_entries = 4, .buffer = GA(0x200) };
	struct e820_entry e;

	gput(GA(0x100), &map, sizeof(map));
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_memory_map, GA(0x100), 0), 0);
	gget(&map, GA(0x100), sizeof(map));
	assert_int_equal(map.nr_entries, 1);
	assert_int_equal(map.buffer, GA(0x200));
	gget(&e, GA(0x200), sizeof(e));
	assert_int_equal(e.addr, 0);
	assert_int_equal(e.size, GUEST_RAM);
	assert_int_equal(e.type, E820_RAM);
	/* One packed 20-byte entry, nothing after it. */
	assert_int_equal(*(uint8_t *)gptr(GA(0x200 + 20)), 0x5a);
}

/* A 32-bit guest's struct: {u32 nr_entries; u32 buffer}, 8 bytes. */
static void test_memory_map_compat(void **state)
{
	struct compat_memory_map map = { .nr_entries = 4, .buffer = (uint32_t)GA(0x200) };
	struct e820_entry e;

	guest_64bit = false;
	*(uint32_t *)gptr(GA(0x108)) = 0xabcdef01; /* just past the 8-byte struct */
	gput(GA(0x100), &map, sizeof(map));
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_memory_map, GA(0x100), 0), 0);
	gget(&map, GA(0x100), sizeof(map));
	assert_int_equal(map.nr_entries, 1);
	assert_int_equal(map.buffer, (uint32_t)GA(0x200));
	assert_int_equal(*(uint32_t *)gptr(GA(0x108)), 0xabcdef01);
	gget(&e, GA(0x200), sizeof(e));
	assert_int_equal(e.size, GUEST_RAM);
	assert_int_equal(e.type, E820_RAM);
}

static void test_memory_map_small_buffer(void **state)
{
	struct xen_memory_map map = { .nr_entries = 0, .buffer = GA(0x200) };

	/* Xen copies what fits, none here, and says so. */
	set_fault(GA(0x200), 20);
	gput(GA(0x100), &map, sizeof(map));
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_memory_map, GA(0x100), 0), 0);
	gget(&map, GA(0x100), sizeof(map));
	assert_int_equal(map.nr_entries, 0);
}

static void test_memory_map_bad_pointers(void **state)
{
	struct xen_memory_map map = { .nr_entries = 1, .buffer = GA(0x200) };

	gput(GA(0x100), &map, sizeof(map));
	set_fault(GA(0x200 + 19), 1);
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_memory_map, GA(0x100), 0), -EFAULT);

	set_fault(GA(0x100), 1);
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_memory_map, GA(0x100), 0), -EFAULT);

	set_fault(0, 0);
	set_read_only(GA(0x100), 4);
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_memory_map, GA(0x100), 0), -EFAULT);
}

static int64_t add_to_physmap(domid_t domid, uint32_t space, uint64_t idx, uint64_t gpfn)
{
	struct xen_add_to_physmap xatp = {
		.domid = domid, .space = space, .idx = idx, .gpfn = gpfn
	};

	gput(GA(0x600), &xatp, sizeof(xatp));
	return hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, GA(0x600), 0);
}

/* A 32-bit guest's struct: idx and gpfn are 32 bits, 16 bytes in all. */
static void test_add_to_physmap_compat(void **state)
{
	struct compat_add_to_physmap xatp = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0, .gpfn = 0x80
	};

	guest_64bit = false;
	gput(GA(0x600), &xatp, sizeof(xatp));
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, GA(0x600), 0), 0);
	assert_int_equal(dom.shared_info_gfn, 0x80);

	/* Read with the 64-bit layout, the same bytes would be a nonzero idx: refused. */
	guest_64bit = true;
	xatp.gpfn = 0x81;
	gput(GA(0x600), &xatp, sizeof(xatp));
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, GA(0x600), 0),
			 -EINVAL);
	assert_int_equal(dom.shared_info_gfn, 0x80);
}

static void test_add_to_physmap_shared_info(void **state)
{
	const uint8_t *page;
	unsigned int kicks_before = kicks;

	assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x80), 0);
	assert_int_equal(kicks, kicks_before + 1); /* other vCPUs pick up the new mapping */
	assert_int_equal(overhead_allocs, 1);
	assert_int_equal(dom.shared_info_hpa, OVERHEAD_BASE);
	assert_int_equal(dom.shared_info_gfn, 0x80);
	assert_int_equal(nr_map_calls, 1);
	assert_int_equal(map_calls[0].gpa, 0x80000);
	assert_int_equal(map_calls[0].hpa, OVERHEAD_BASE);
	assert_int_equal(map_calls[0].size, PAGE_SIZE);
	assert_int_equal(map_calls[0].perms, ARCH_MAP_R | ARCH_MAP_W);
	/* The page is cleared (the arena was 0xa5); the time code is then asked to fill it. */
	page = phys_to_virt(OVERHEAD_BASE);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(page[i], 0);
	assert_int_equal(wallclock_updates, 1);
	assert_int_equal(pvclock_updates, 1); /* the caller's record may be in the page now */
}

static void test_add_to_physmap_moves(void **state)
{
	assert_int_equal(add_to_physmap(TEST_DOMID, XENMAPSPACE_shared_info, 0, 0x80), 0);
	/* Moving it: same page, new gfn; the old gfn shows its RAM frame again. */
	assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x90), 0);
	assert_int_equal(overhead_allocs, 1);
	assert_int_equal(dom.shared_info_gfn, 0x90);
	assert_int_equal(nr_map_calls, 3);
	assert_int_equal(map_calls[1].gpa, 0x90000);
	assert_int_equal(map_calls[1].hpa, OVERHEAD_BASE);
	assert_int_equal(map_calls[2].gpa, 0x80000);
	assert_int_equal(map_calls[2].hpa, ARENA_BASE + 0x80000);
	assert_int_equal(map_calls[2].size, PAGE_SIZE);
	assert_int_equal(map_calls[2].perms, ARCH_MAP_RWX);

	/* Again at the same gfn: mapped again, nothing to restore. */
	assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x90), 0);
	assert_int_equal(nr_map_calls, 4);
	assert_int_equal(map_calls[3].gpa, 0x90000);
}

static void test_add_to_physmap_grant_table(void **state)
{
	assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 3, 0x80), 0);
	assert_int_equal(map_frame_calls, 1);
	assert_int_equal(map_frame_idx, 3);
	assert_int_equal(map_frame_gfn, 0x80);
	assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 99, 0x80), -EINVAL);
	/* Another domain's table: refused before the grant code sees it. */
	assert_int_equal(add_to_physmap(OTHER_DOMID, XENMAPSPACE_grant_table, 0, 0x80), -EPERM);
	assert_int_equal(map_frame_calls, 2);
}

static void test_dispatch_grant_table_op(void **state)
{
	assert_int_equal(hcall(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, 0x1234, 1),
			 -12345);
	assert_int_equal(grant_calls, 1);
	assert_int_equal(grant_last_arg, 0x1234);
}

static void test_add_to_physmap_errors(void **state)
{
	assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 1, 0x80), -EINVAL);
	assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
					GUEST_RAM >> PAGE_SHIFT),
			 -EINVAL);
	assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, ~0ULL), -EINVAL);
	assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, 0x10, 0x80), -ENOSYS);
	assert_int_equal(add_to_physmap(DOMID_SELF, 77, 0, 0x80), -ENOSYS);
	assert_int_equal(add_to_physmap(OTHER_DOMID, XENMAPSPACE_shared_info, 0, 0x80), -EPERM);
	assert_int_equal(add_to_physmap(9, XENMAPSPACE_shared_info, 0, 0x80), -ESRCH);
	assert_int_equal(add_to_physmap(0x7ff1, XENMAPSPACE_shared_info, 0, 0x80), -ESRCH);

	set_fault(GA(0x600 + 23), 1);
	assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x80), -EFAULT);

	assert_int_equal(overhead_allocs, 0);
	assert_int_equal(nr_map_calls, 0);
	assert_int_equal(dom.shared_info_hpa, 0);
	assert_int_equal(dom.shared_info_gfn, GFN_NONE);
}

static void test_add_to_physmap_failures(void **state)
{
	overhead_fail = -ENOMEM;
	assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x80), -ENOMEM);
	assert_int_equal(dom.shared_info_hpa, 0);
	assert_int_equal(dom.shared_info_gfn, GFN_NONE);
	assert_int_equal(nr_map_calls, 0);

	overhead_fail = 0;
	map_fail = -ENOMEM;
	assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x80), -ENOMEM);
	assert_int_equal(dom.shared_info_gfn, GFN_NONE);
	/* The page stays the domain's, and is reused on the next try. */
	assert_int_equal(dom.shared_info_hpa, OVERHEAD_BASE);

	map_fail = 0;
	assert_int_equal(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x80), 0);
	assert_int_equal(overhead_allocs, 1);
	assert_int_equal(dom.shared_info_gfn, 0x80);
}

static void test_memory_reservation_queries(void **state)
{
	domid_t self = DOMID_SELF, own = TEST_DOMID, other = OTHER_DOMID, none = 12;

	dom.frames_guest = 500;
	gput(GA(0x10), &self, sizeof(self));
	gput(GA(0x12), &own, sizeof(own));
	gput(GA(0x14), &other, sizeof(other));
	gput(GA(0x16), &none, sizeof(none));

	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_current_reservation, GA(0x10), 0),
			 500);
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_maximum_reservation, GA(0x12), 0),
			 500);
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_maximum_gpfn, GA(0x10), 0),
			 (GUEST_RAM >> PAGE_SHIFT) - 1);
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_current_reservation, GA(0x14), 0),
			 -EPERM);
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_maximum_gpfn, GA(0x16), 0), -ESRCH);
	set_fault(GA(0x11), 1);
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_current_reservation, GA(0x10), 0),
			 -EFAULT);
}

static void test_memory_op_unsupported(void **state)
{
	struct xen_memory_map map = { .nr_entries = 4, .buffer = GA(0x200) };

	gput(GA(0x100), &map, sizeof(map));
	/* A start extent (continuation) on an op that has none. */
	assert_int_equal(hcall(__HYPERVISOR_memory_op, 1 << 6 | XENMEM_memory_map, GA(0x100), 0),
			 -ENOSYS);
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_populate_physmap, GA(0x100), 0),
			 -ENOSYS);
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, GA(0x100), 0),
			 -ENOSYS);
	assert_int_equal(hcall(__HYPERVISOR_memory_op, XENMEM_machine_memory_map, GA(0x100), 0),
			 -ENOSYS);
	assert_int_equal(hcall(__HYPERVISOR_memory_op, 63, GA(0x100), 0), -ENOSYS);
	gget(&map, GA(0x100), sizeof(map));
	assert_int_equal(map.nr_entries, 4);
}

/* ---- hvm_op ---- */

static int64_t hvm_param(unsigned int op, domid_t domid, uint32_t index, uint64_t value,
			 uint64_t *out)
{
	struct xen_hvm_param p = { .domid = domid, .index = index, .value = value };
	int64_t rc;

	gput(GA(0x700), &p, sizeof(p));
	rc = hcall(__HYPERVISOR_hvm_op, op, GA(0x700), 0);
	gget(&p, GA(0x700), sizeof(p));
	if (out)
		*out = p.value;
	return rc;
}

static void test_hvm_get_xenstore_params(void **state)
{
	uint64_t value;

	/* Zero means "no XenStore": XTF and Linux need the call itself to succeed. */
	assert_int_equal(hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_PFN, 0x1234,
				   &value),
			 0);
	assert_int_equal(value, 0);
	assert_int_equal(hvm_param(HVMOP_get_param, TEST_DOMID, HVM_PARAM_STORE_EVTCHN, 0x1234,
				   &value),
			 0);
	assert_int_equal(value, 0);

	dom.hvm_params[HVM_PARAM_STORE_PFN] = 0xfeff;
	assert_int_equal(hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_PFN, 0, &value),
			 0);
	assert_int_equal(value, 0xfeff);
}

static void test_hvm_get_console_params(void **state)
{
	uint64_t value;

	/* Unset: an error, so XTF writes through console_io instead of a dead ring. */
	assert_int_equal(hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_CONSOLE_PFN, 7, &value),
			 -ENOENT);
	assert_int_equal(value, 7);
	assert_int_equal(hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_CONSOLE_EVTCHN, 7,
				   &value),
			 -ENOENT);

	dom.hvm_params[HVM_PARAM_CONSOLE_PFN] = 0x99;
	dom.hvm_params[HVM_PARAM_CONSOLE_EVTCHN] = 3;
	assert_int_equal(hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_CONSOLE_PFN, 0, &value),
			 0);
	assert_int_equal(value, 0x99);
	assert_int_equal(hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_CONSOLE_EVTCHN, 0,
				   &value),
			 0);
	assert_int_equal(value, 3);
}

static void test_hvm_get_param_errors(void **state)
{
	uint64_t value;

	dom.hvm_params[5] = 0x55;
	assert_int_equal(hvm_param(HVMOP_get_param, DOMID_SELF, HVM_NR_PARAMS, 0, NULL), -EINVAL);
	assert_int_equal(hvm_param(HVMOP_get_param, DOMID_SELF, 0xffffffff, 0, NULL), -EINVAL);
	/* Not one a guest may read about itself. */
	assert_int_equal(hvm_param(HVMOP_get_param, DOMID_SELF, 5, 0, &value), -EPERM);
	assert_int_equal(value, 0);
	assert_int_equal(hvm_param(HVMOP_get_param, OTHER_DOMID, HVM_PARAM_STORE_PFN, 0, NULL),
			 -EPERM);
	assert_int_equal(hvm_param(HVMOP_get_param, 11, HVM_PARAM_STORE_PFN, 0, NULL), -ESRCH);

	set_fault(GA(0x700), 1);
	assert_int_equal(hcall(__HYPERVISOR_hvm_op, HVMOP_get_param, GA(0x700), 0), -EFAULT);
	set_fault(0, 0);
	set_read_only(GA(0x708), 8);
	assert_int_equal(hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_PFN, 0, NULL),
			 -EFAULT);
}

static void test_hvm_set_param(void **state)
{
	uint64_t value;
	const uint64_t via_vector = (2ULL << 56) | 0xf3;

	assert_int_equal(hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, via_vector,
				   NULL),
			 0);
	assert_int_equal(dom.hvm_params[HVM_PARAM_CALLBACK_IRQ], via_vector);
	assert_int_equal(dom.callback_vector, 0xf3);
	/* Each vCPU is asked to take what is already pending. */
	assert_int_equal(reasserts, 2);
	assert_int_equal(hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 0, &value),
			 0);
	assert_int_equal(value, via_vector);

	/* Only the vector type is delivered; vectors below 0x10 are exceptions. */
	assert_int_equal(hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 5, NULL),
			 -EOPNOTSUPP);
	assert_int_equal(hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ,
				   (1ULL << 56) | 0x20, NULL),
			 -EOPNOTSUPP);
	assert_int_equal(hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ,
				   (2ULL << 56) | 0x0f, NULL),
			 -EINVAL);
	assert_int_equal(dom.callback_vector, 0xf3);
	/* 0 turns delivery off. */
	assert_int_equal(hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 0, NULL), 0);
	assert_int_equal(dom.callback_vector, 0);
	assert_int_equal(hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, via_vector,
				   NULL),
			 0);

	/* Everything else is set for the guest, not by it. */
	assert_int_equal(hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_STORE_PFN, 0x10, NULL),
			 -EPERM);
	assert_int_equal(hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CONSOLE_PFN, 0x10, NULL),
			 -EPERM);
	assert_int_equal(hvm_param(HVMOP_set_param, DOMID_SELF, HVM_NR_PARAMS, 0x10, NULL),
			 -EINVAL);
	assert_int_equal(hvm_param(HVMOP_set_param, OTHER_DOMID, HVM_PARAM_CALLBACK_IRQ, 1, NULL),
			 -EPERM);
	assert_int_equal(hvm_param(HVMOP_set_param, 13, HVM_PARAM_CALLBACK_IRQ, 1, NULL), -ESRCH);
	set_fault(GA(0x70f), 1);
	assert_int_equal(hcall(__HYPERVISOR_hvm_op, HVMOP_set_param, GA(0x700), 0), -EFAULT);

	assert_int_equal(dom.hvm_params[HVM_PARAM_STORE_PFN], 0);
	assert_int_equal(dom.hvm_params[HVM_PARAM_CONSOLE_PFN], 0);
	assert_int_equal(dom.hvm_params[HVM_PARAM_CALLBACK_IRQ], via_vector);
}

static void test_hvm_upcall_vector(void **state)
{
	struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 1, .vector = 0xe0 };

	gput(GA(0x10), &uv, sizeof(uv));
	assert_int_equal(hcall(__HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, GA(0x10), 0), 0);
	assert_int_equal(vcpu1.upcall_vector, 0xe0);
	assert_int_equal(vcpu0.upcall_vector, 0);
	assert_int_equal(reasserts, 1);

	uv = (struct xen_hvm_evtchn_upcall_vector){ .vcpu = 0, .vector = 0x0f };
	gput(GA(0x10), &uv, sizeof(uv));
	assert_int_equal(hcall(__HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, GA(0x10), 0),
			 -EINVAL);
	uv = (struct xen_hvm_evtchn_upcall_vector){ .vcpu = 2, .vector = 0xe0 };
	gput(GA(0x10), &uv, sizeof(uv));
	assert_int_equal(hcall(__HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, GA(0x10), 0),
			 -ENOENT);
	uv.vcpu = DOMAIN_MAX_VCPUS;
	gput(GA(0x10), &uv, sizeof(uv));
	assert_int_equal(hcall(__HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, GA(0x10), 0),
			 -ENOENT);
	set_fault(GA(0x17), 1);
	assert_int_equal(hcall(__HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, GA(0x10), 0),
			 -EFAULT);
	assert_int_equal(vcpu0.upcall_vector, 0);
	assert_int_equal(reasserts, 1);
}

static void test_event_channel_op_is_dispatched(void **state)
{
	assert_int_equal(hcall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, GA(0), 0),
			 -1000 - EVTCHNOP_send);
}

static void test_hvm_unsupported(void **state)
{
	assert_int_equal(hcall(__HYPERVISOR_hvm_op, HVMOP_pagetable_dying, GA(0), 0), -ENOSYS);
	assert_int_equal(hcall(__HYPERVISOR_hvm_op, 2, GA(0), 0), -ENOSYS);
	assert_int_equal(hcall(__HYPERVISOR_hvm_op, 1ULL << 32 | HVMOP_get_param, GA(0), 0),
			 -ENOSYS);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_dispatch_unknown_numbers),
		TEST(test_event_channel_op_is_dispatched),
		TEST(test_sched_poll),
		TEST(test_sched_poll_errors),
		TEST(test_hvm_upcall_vector),
		TEST(test_dispatch_routes_by_number),
		TEST(test_console_write),
		TEST(test_console_write_in_chunks),
		TEST(test_console_write_limits),
		TEST(test_console_write_preempted),
		TEST(test_console_write_bad_pointer),
		TEST(test_console_other_commands),
		TEST(test_version_number),
		TEST(test_version_extraversion),
		TEST(test_version_get_features),
		TEST(test_version_get_features_errors),
		TEST(test_version_pagesize),
		TEST(test_version_strings),
		TEST(test_version_refused),
		TEST(test_sched_yield_and_block),
		TEST(test_sched_shutdown),
		TEST(test_sched_shutdown_errors),
		TEST(test_sched_unsupported),
		TEST(test_vcpu_bad_id),
		TEST(test_vcpu_is_up),
		TEST(test_vcpu_initialise),
		TEST(test_vcpu_initialise_errors),
		TEST(test_vcpu_up_down),
		TEST(test_vcpu_register_vcpu_info),
		TEST(test_vcpu_register_vcpu_info_other_vcpu),
		TEST(test_vcpu_register_vcpu_info_errors),
		TEST(test_vcpu_registration_ends_with_domain),
		TEST(test_vcpu_runstate_info),
		TEST(test_vcpu_runstate_area),
		TEST(test_vcpu_timers_and_unsupported),
		TEST(test_memory_map),
		TEST(test_memory_map_compat),
		TEST(test_memory_map_small_buffer),
		TEST(test_memory_map_bad_pointers),
		TEST(test_add_to_physmap_shared_info),
		TEST(test_add_to_physmap_compat),
		TEST(test_add_to_physmap_moves),
		TEST(test_add_to_physmap_errors),
		TEST(test_add_to_physmap_grant_table),
		TEST(test_dispatch_grant_table_op),
		TEST(test_add_to_physmap_failures),
		TEST(test_memory_reservation_queries),
		TEST(test_memory_op_unsupported),
		TEST(test_hvm_get_xenstore_params),
		TEST(test_hvm_get_console_params),
		TEST(test_hvm_get_param_errors),
		TEST(test_hvm_set_param),
		TEST(test_hvm_unsupported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
