/*
 * Secondary vCPUs the Xen way, in a domain with 4 vCPUs: vCPU 0 brings
 * vCPUs 1-3 up with VCPUOP_initialise + VCPUOP_up (1 and 2 in 64-bit mode,
 * 3 in 32-bit protected mode), each reports and takes itself down; vCPU 1
 * is brought up a second time (it resumes after its VCPUOP_down), vCPU 2 is
 * taken down by vCPU 0 while it spins. The runstates must add up: every
 * vCPU's four times sum to the same span (all exist since the domain was
 * built), a vCPU that ran has running time, one that waited to be brought
 * up has offline time. Every error Xen gives for bad input is checked.
 */
#include "rt/rt.h"

const char test_title[] = "vcpu-up: VCPUOP_initialise/up/down/is_up and runstates, 4 vCPUs";

#define NR_VCPUS 4
#define WAIT_YIELDS 200000  /* far beyond what any wait below needs */
#define WORK_ITERATIONS 20000
#define YIELD_EVERY 2000

static volatile uint32_t rounds[NR_VCPUS];        /* times each vCPU ran its function */
static volatile int64_t is_up_seen[NR_VCPUS];     /* VCPUOP_is_up on itself */
static volatile int32_t own_state_seen[NR_VCPUS]; /* its runstate as it saw it */
static volatile uint64_t work_done[NR_VCPUS];
static volatile bool spin_until_released;         /* vCPU 2's second round spins */
static volatile bool spinning;

static struct vcpu_runstate_info own_area; /* vCPU 0's registered runstate area */

static int64_t vcpu_op(unsigned int cmd, unsigned int id, void *arg)
{
	return hypercall_vcpu_op(cmd, id, arg);
}

static void secondary(unsigned int id)
{
	struct vcpu_runstate_info info;
	uint64_t sum = 0;

	printk("vCPU %u: running (round %u)\n", id, rounds[id] + 1);
	is_up_seen[id] = vcpu_op(VCPUOP_is_up, id, NULL);
	if (vcpu_op(VCPUOP_get_runstate_info, id, &info) == 0)
		own_state_seen[id] = info.state;
	for (uint64_t i = 1; i <= WORK_ITERATIONS; i++) {
		sum += i * (id + 1);
		if (i % YIELD_EVERY == 0)
			hypercall_yield();
	}
	work_done[id] = sum;
	if (id == 2 && spin_until_released) {
		spinning = true;
		while (spin_until_released)
			cpu_relax();
		spinning = false;
	}
	__atomic_add_fetch(&rounds[id], 1, __ATOMIC_ACQ_REL);
}

static uint64_t expected_work(unsigned int id)
{
	return (uint64_t)WORK_ITERATIONS * (WORK_ITERATIONS + 1) / 2 * (id + 1);
}

/* Yields until cond(id) holds; false after WAIT_YIELDS. */
static bool wait_for(bool (*cond)(unsigned int), unsigned int id)
{
	for (unsigned int i = 0; i < WAIT_YIELDS; i++) {
		if (cond(id))
			return true;
		hypercall_yield();
	}
	return cond(id);
}

static unsigned int wanted_rounds;

static bool has_reported(unsigned int id)
{
	return rounds[id] >= wanted_rounds;
}

static bool is_offline(unsigned int id)
{
	struct vcpu_runstate_info info;

	return vcpu_op(VCPUOP_get_runstate_info, id, &info) == 0 &&
	       info.state == RUNSTATE_offline;
}

static bool is_spinning(unsigned int id)
{
	(void)id;
	return spinning;
}

static uint64_t runstate_sum(const struct vcpu_runstate_info *r)
{
	return r->time[RUNSTATE_running] + r->time[RUNSTATE_runnable] +
	       r->time[RUNSTATE_blocked] + r->time[RUNSTATE_offline];
}

static void check_bad_input(void)
{
	struct vcpu_hvm_context ctx;

	printk("bad input:\n");
	check_eq("is_up(4), past the domain's vCPUs", vcpu_op(VCPUOP_is_up, 4, NULL), -ENOENT);
	check_eq("is_up(1000)", vcpu_op(VCPUOP_is_up, 1000, NULL), -ENOENT);
	rt_vcpu_context64(&ctx, 1);
	check_eq("initialise(4)", vcpu_op(VCPUOP_initialise, 4, &ctx), -ENOENT);
	check_eq("up(4)", vcpu_op(VCPUOP_up, 4, NULL), -ENOENT);
	check_eq("down(7)", vcpu_op(VCPUOP_down, 7, NULL), -ENOENT);
	check_eq("up(1) before initialise", vcpu_op(VCPUOP_up, 1, NULL), -EINVAL);
	check_eq("initialise(0): vCPU 0 is initialised", vcpu_op(VCPUOP_initialise, 0, &ctx),
		 -EEXIST);
	check_eq("initialise(1) from an unmapped address",
		 vcpu_op(VCPUOP_initialise, 1, (void *)(uintptr_t)BOOT_IDENTITY_MAP_END), -EFAULT);

	rt_vcpu_context64(&ctx, 1);
	ctx.mode = 2;
	check_eq("initialise: mode 2", vcpu_op(VCPUOP_initialise, 1, &ctx), -EINVAL);
	rt_vcpu_context64(&ctx, 1);
	ctx.pad = 1;
	check_eq("initialise: pad set", vcpu_op(VCPUOP_initialise, 1, &ctx), -EINVAL);
	rt_vcpu_context64(&ctx, 1);
	ctx.cpu_regs.x86_64.rip = 0x0000800000000000ull;
	check_eq("initialise 64B: non-canonical RIP", vcpu_op(VCPUOP_initialise, 1, &ctx),
		 -EINVAL);
	rt_vcpu_context64(&ctx, 1);
	ctx.cpu_regs.x86_64.cr0 &= ~(uint64_t)(uint32_t)CR0_PG;
	check_eq("initialise 64B: paging off", vcpu_op(VCPUOP_initialise, 1, &ctx), -EINVAL);
	rt_vcpu_context64(&ctx, 1);
	ctx.cpu_regs.x86_64.efer = 0;
	check_eq("initialise 64B: EFER.LME clear", vcpu_op(VCPUOP_initialise, 1, &ctx), -EINVAL);
	rt_vcpu_context64(&ctx, 1);
	ctx.cpu_regs.x86_64.cr4 |= 1u << 13; /* VMXE */
	check_eq("initialise 64B: CR4.VMXE", vcpu_op(VCPUOP_initialise, 1, &ctx), -EINVAL);
	rt_vcpu_context64(&ctx, 1);
	ctx.cpu_regs.x86_64.cr0 |= 1ull << 40;
	check_eq("initialise 64B: CR0 reserved bit", vcpu_op(VCPUOP_initialise, 1, &ctx), -EINVAL);

	rt_vcpu_context32(&ctx, 1);
	ctx.cpu_regs.x86_32.cs_ar = 0;
	check_eq("initialise 32B: null CS", vcpu_op(VCPUOP_initialise, 1, &ctx), -EINVAL);
	rt_vcpu_context32(&ctx, 1);
	ctx.cpu_regs.x86_32.cs_ar = 0xc93; /* data */
	check_eq("initialise 32B: data segment in CS", vcpu_op(VCPUOP_initialise, 1, &ctx),
		 -EINVAL);
	rt_vcpu_context32(&ctx, 1);
	ctx.cpu_regs.x86_32.ss_ar = 0xc9b; /* code */
	check_eq("initialise 32B: code segment in SS", vcpu_op(VCPUOP_initialise, 1, &ctx),
		 -EINVAL);
	rt_vcpu_context32(&ctx, 1);
	ctx.cpu_regs.x86_32.ss_ar |= 3 << 5;
	check_eq("initialise 32B: SS.DPL != CS.DPL", vcpu_op(VCPUOP_initialise, 1, &ctx), -EINVAL);
	rt_vcpu_context32(&ctx, 1);
	ctx.cpu_regs.x86_32.cs_limit = 0xfffff;
	ctx.cpu_regs.x86_32.cs_ar &= ~0x800; /* byte granular: 1 MiB */
	ctx.cpu_regs.x86_32.eip = 0x100000;
	check_eq("initialise 32B: EIP past the CS limit", vcpu_op(VCPUOP_initialise, 1, &ctx),
		 -EINVAL);
	rt_vcpu_context32(&ctx, 1);
	ctx.cpu_regs.x86_32.tr_ar = 0x89 | 0x10; /* a code/data descriptor */
	check_eq("initialise 32B: TR not a TSS", vcpu_op(VCPUOP_initialise, 1, &ctx), -EINVAL);
	rt_vcpu_context32(&ctx, 1);
	ctx.cpu_regs.x86_32.ds_ar |= 0x1000;
	check_eq("initialise 32B: attribute bit 12", vcpu_op(VCPUOP_initialise, 1, &ctx), -EINVAL);
	rt_vcpu_context32(&ctx, 1);
	ctx.cpu_regs.x86_32.efer = 1u << 10; /* LMA without LME */
	check_eq("initialise 32B: EFER.LMA without LME", vcpu_op(VCPUOP_initialise, 1, &ctx),
		 -EINVAL);
	rt_vcpu_context32(&ctx, 1);
	ctx.cpu_regs.x86_32.pad2[1] = 1;
	check_eq("initialise 32B: pad2 set", vcpu_op(VCPUOP_initialise, 1, &ctx), -EINVAL);
	rt_vcpu_context32(&ctx, 1);
	ctx.cpu_regs.x86_32.cr0 = 0x80000000; /* PG without PE */
	check_eq("initialise 32B: CR0.PG without PE", vcpu_op(VCPUOP_initialise, 1, &ctx),
		 -EINVAL);

	/* None of that initialised vCPU 1. */
	check_eq("up(1) after the refused contexts", vcpu_op(VCPUOP_up, 1, NULL), -EINVAL);
	check_eq("is_up(1)", vcpu_op(VCPUOP_is_up, 1, NULL), 0);
}

static void bring_up(unsigned int id, bool mode32)
{
	struct vcpu_hvm_context ctx;

	check_eq("initialise", rt_vcpu_initialise(id, mode32, secondary), 0);
	rt_vcpu_context64(&ctx, id);
	check_eq("initialise again", vcpu_op(VCPUOP_initialise, id, &ctx), -EEXIST);
	check_eq("is_up before up", vcpu_op(VCPUOP_is_up, id, NULL), 0);
	check_eq("up", vcpu_op(VCPUOP_up, id, NULL), 0);
	check_eq("up again", vcpu_op(VCPUOP_up, id, NULL), 0);
}

/* The first round: each secondary reported, saw itself up and running, went offline. */
static void check_first_round(struct vcpu_runstate_info rs[NR_VCPUS])
{
	int64_t rc[NR_VCPUS];

	wanted_rounds = 1;
	for (unsigned int id = 1; id < NR_VCPUS; id++) {
		check(wait_for(has_reported, id), "vCPU %u ran its function", id);
		check(wait_for(is_offline, id), "vCPU %u went offline by itself", id);
		check_eq("  its is_up afterwards", vcpu_op(VCPUOP_is_up, id, NULL), 0);
		check_eq("  is_up as it saw itself", is_up_seen[id], 1);
		check_eq("  its runstate as it saw itself", own_state_seen[id], RUNSTATE_running);
		check_eq("  its work", (int64_t)work_done[id], (int64_t)expected_work(id));
	}
	/* Sampled back to back, so that the spans compare. */
	for (unsigned int id = 0; id < NR_VCPUS; id++)
		rc[id] = vcpu_op(VCPUOP_get_runstate_info, id, &rs[id]);
	for (unsigned int id = 0; id < NR_VCPUS; id++)
		check_eq("get_runstate_info", rc[id], 0);
}

static void check_runstates(const struct vcpu_runstate_info rs[NR_VCPUS])
{
	uint64_t span0 = runstate_sum(&rs[0]);

	for (unsigned int id = 0; id < NR_VCPUS; id++) {
		const struct vcpu_runstate_info *r = &rs[id];
		uint64_t span = runstate_sum(r);
		uint64_t diff = span > span0 ? span - span0 : span0 - span;

		printk("vCPU %u runstate: state %d entered at %lu ns; running %lu runnable %lu "
		       "blocked %lu offline %lu ns\n",
		       id, r->state, r->state_entry_time, r->time[0], r->time[1], r->time[2],
		       r->time[3]);
		check(r->time[RUNSTATE_running] > 0, "vCPU %u has running time", id);
		/* All were created together: the spans agree to within 1 % (sampled apart). */
		check(diff <= span0 / 100, "vCPU %u's times add up to vCPU 0's span (%lu vs %lu ns)",
		      id, span, span0);
		if (id) {
			/* Offline from the build until vCPU 0 brought it up, far longer than vCPU 0. */
			check(r->time[RUNSTATE_offline] > rs[0].time[RUNSTATE_offline],
			      "vCPU %u was offline longer than vCPU 0", id);
			check_eq("  its state", r->state, RUNSTATE_offline);
		}
	}
	check_eq("vCPU 0's own state", rs[0].state, RUNSTATE_running);
}

static void check_own_area(void)
{
	struct vcpu_runstate_info before = own_area;
	uint64_t running_before = before.time[RUNSTATE_running];

	for (unsigned int i = 0; i < 50; i++)
		hypercall_yield();
	check_eq("own runstate area: state while running", own_area.state, RUNSTATE_running);
	check(own_area.time[RUNSTATE_running] > running_before,
	      "own runstate area: running time grows across switches (%lu -> %lu ns)",
	      running_before, own_area.time[RUNSTATE_running]);
	check(own_area.state_entry_time >= before.state_entry_time,
	      "own runstate area: state entry time monotonic");
}

void test_main(const struct hvm_start_info *si)
{
	struct vcpu_register_runstate_memory_area {
		uint64_t addr;
	} area = { (uint64_t)(uintptr_t)&own_area };
	struct vcpu_runstate_info rs[NR_VCPUS], again;

	(void)si;
	test_require_xen();
	check_eq("is_up(0)", vcpu_op(VCPUOP_is_up, 0, NULL), 1);
	for (unsigned int id = 1; id < NR_VCPUS; id++)
		check_eq("is_up of a secondary vCPU at start", vcpu_op(VCPUOP_is_up, id, NULL), 0);
	check_eq("register_runstate_memory_area(0)",
		 vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area), 0);
	check_eq("own area written at once: state", own_area.state, RUNSTATE_running);
	check(own_area.state_entry_time > 0, "own area written at once: entry time %lu ns",
	      own_area.state_entry_time);

	check_bad_input();

	printk("round 1: vCPUs 1 and 2 in 64-bit mode, 3 in 32-bit mode\n");
	bring_up(1, false);
	bring_up(2, false);
	bring_up(3, true);
	check_first_round(rs);
	check_runstates(rs);
	check_own_area();

	printk("round 2: vCPU 1 up again, resuming after its VCPUOP_down\n");
	check_eq("up(1) again", vcpu_op(VCPUOP_up, 1, NULL), 0);
	wanted_rounds = 2;
	check(wait_for(has_reported, 1), "vCPU 1 ran its function a second time");
	check(wait_for(is_offline, 1), "vCPU 1 went offline again");
	check_eq("get_runstate_info(1)", vcpu_op(VCPUOP_get_runstate_info, 1, &again), 0);
	check(again.time[RUNSTATE_running] > rs[1].time[RUNSTATE_running],
	      "vCPU 1's running time grew (%lu -> %lu ns)", rs[1].time[RUNSTATE_running],
	      again.time[RUNSTATE_running]);
	check(again.time[RUNSTATE_offline] > rs[1].time[RUNSTATE_offline],
	      "vCPU 1's offline time grew while it was down");

	printk("round 3: vCPU 0 takes vCPU 2 down while it spins\n");
	spin_until_released = true;
	check_eq("up(2) again", vcpu_op(VCPUOP_up, 2, NULL), 0);
	check(wait_for(is_spinning, 2), "vCPU 2 spins");
	check_eq("down(2) from vCPU 0", vcpu_op(VCPUOP_down, 2, NULL), 0);
	check_eq("is_up(2) right after", vcpu_op(VCPUOP_is_up, 2, NULL), 0);
	check(wait_for(is_offline, 2), "vCPU 2 is offline, taken off its CPU");
	check_eq("vCPU 2 did not finish meanwhile", rounds[2], 1);
	check_eq("up(2) once more", vcpu_op(VCPUOP_up, 2, NULL), 0);
	spin_until_released = false;
	wanted_rounds = 2;
	check(wait_for(has_reported, 2), "vCPU 2 went on where it was and finished");
	check(wait_for(is_offline, 2), "vCPU 2 took itself down");
	check_eq("rounds of vCPU 3", rounds[3], 1);
	for (unsigned int id = 1; id < NR_VCPUS; id++)
		check_eq("is_up at the end", vcpu_op(VCPUOP_is_up, id, NULL), 0);
}
