/*
 * Secondary vCPUs: their contexts, stacks and C entry (see rt/vcpu.h).
 */
#include "rt/rt.h"
#include "rt/vcpu.h"

#define VCPU_STACK_SIZE (8 * 1024)
/* Segment attributes in the context's _ar form (core/public/hvm_vcpu.h). */
#define AR_CODE32 0xc9b /* G, D, present, DPL 0, execute/read accessed */
#define AR_DATA32 0xc93 /* G, B, present, DPL 0, read/write accessed */
#define AR_TSS32_BUSY 0x8b
#define CR0_ET (1 << 4)

extern char rt_vcpu_entry32[], rt_vcpu_entry64[];

static uint8_t vcpu_stacks[RT_MAX_VCPUS][VCPU_STACK_SIZE] __attribute__((aligned(16)));
static rt_vcpu_fn vcpu_fns[RT_MAX_VCPUS];

static uint64_t stack_top(unsigned int id)
{
	return (uint64_t)(uintptr_t)&vcpu_stacks[id][VCPU_STACK_SIZE];
}

unsigned int rt_vcpu_id(void)
{
	uint64_t sp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
	uint64_t base = (uint64_t)(uintptr_t)vcpu_stacks;

	/* The stacks are one array: which one is a division, outside it the boot stack. */
	if (sp <= base || sp > stack_top(RT_MAX_VCPUS - 1))
		return 0;
	return (unsigned int)((sp - base - 1) / VCPU_STACK_SIZE);
}

void rt_vcpu_context64(struct vcpu_hvm_context *ctx, unsigned int id)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->mode = VCPU_HVM_MODE_64B;
	ctx->cpu_regs.x86_64 = (struct vcpu_hvm_x86_64){
		.rsp = stack_top(id),
		.rdi = id,
		.rip = (uint64_t)(uintptr_t)rt_vcpu_entry64,
		.rflags = 0x2,
		.cr0 = (uint32_t)(CR0_PE | CR0_ET | CR0_WP | CR0_PG),
		.cr3 = read_cr3(),
		.cr4 = CR4_PAE,
		.efer = EFER_LME,
	};
}

void rt_vcpu_context32(struct vcpu_hvm_context *ctx, unsigned int id)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->mode = VCPU_HVM_MODE_32B;
	ctx->cpu_regs.x86_32 = (struct vcpu_hvm_x86_32){
		.esp = (uint32_t)stack_top(id),
		.edi = id,
		.esi = (uint32_t)read_cr3(),
		.eip = (uint32_t)(uintptr_t)rt_vcpu_entry32,
		.eflags = 0x2,
		.cr0 = CR0_PE | CR0_ET,
		.cs_limit = 0xffffffff,
		.ds_limit = 0xffffffff,
		.ss_limit = 0xffffffff,
		.es_limit = 0xffffffff,
		.tr_limit = 0x67,
		.cs_ar = AR_CODE32,
		.ds_ar = AR_DATA32,
		.ss_ar = AR_DATA32,
		.es_ar = AR_DATA32,
		.tr_ar = AR_TSS32_BUSY,
	};
}

int64_t rt_vcpu_initialise(unsigned int id, bool mode32, rt_vcpu_fn fn)
{
	struct vcpu_hvm_context ctx;

	if (id == 0 || id >= RT_MAX_VCPUS)
		return -EINVAL;
	if (mode32)
		rt_vcpu_context32(&ctx, id);
	else
		rt_vcpu_context64(&ctx, id);
	vcpu_fns[id] = fn;
	return hypercall_vcpu_op(VCPUOP_initialise, id, &ctx);
}

__noreturn void rt_vcpu_main(unsigned int id)
{
	/* The boot vCPU's IDT: rebuilt with the same entries, then loaded here. */
	traps_init();
	for (;;) {
		int64_t rc;

		if (id < RT_MAX_VCPUS && vcpu_fns[id])
			vcpu_fns[id](id);
		rc = hypercall_vcpu_op(VCPUOP_down, id, NULL);
		if (rc)
			rt_panic("vCPU %u: VCPUOP_down on itself returned %ld", id, rc);
	}
}
