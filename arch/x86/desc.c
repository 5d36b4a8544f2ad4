/*
 * Descriptor tables. Each CPU has its own GDT and TSS (the TSS holds that
 * CPU's exception stacks); all CPUs share one IDT.
 */
#include "arch/x86/layout.h"
#include "arch/x86/msr.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/traps.h"
#include "core/lib/string.h"

struct descriptor_pointer {
	uint16_t limit;
	uint64_t base;
} __packed;

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __packed;

#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */

/* SDM 3.4.5: long-mode code (L=1), data, and the 16-byte TSS descriptor. */
#define GDT_CODE64 0x00af9a000000ffffUL
#define GDT_DATA 0x00cf92000000ffffUL

extern const uint64_t trap_stub_table[256];

static struct idt_gate idt[256] __aligned(16);
struct percpu *percpu_table[HV_MAX_CPUS];

void idt_init(void)
{
	for (unsigned int v = 0; v < 256; v++) {
		uint64_t target = trap_stub_table[v];
		struct idt_gate *g = &idt[v];

		g->offset_low = (uint16_t)target;
		g->selector = GDT_SELECTOR_CODE;
		g->type_attr = GATE_INTERRUPT;
		g->offset_mid = (uint16_t)(target >> 16);
		g->offset_high = (uint32_t)(target >> 32);
		g->reserved = 0;
		g->ist = 0;
	}
	/* Faults that may arrive on a broken stack run on their own. */
	idt[VECTOR_DOUBLE_FAULT].ist = IST_DOUBLE_FAULT;
	idt[VECTOR_NMI].ist = IST_NMI;
	idt[VECTOR_MACHINE_CHECK].ist = IST_MACHINE_CHECK;
}

uint64_t idt_base(void)
{
	return (uint64_t)idt;
}

void idt_load(void)
{
	struct descriptor_pointer p = { sizeof(idt) - 1, (uint64_t)idt };

	asm volatile("lidt %0" : : "m"(p));
}

void percpu_setup(struct percpu *pc, uint32_t cpu_id, uint32_t apic_id, uint64_t stack_base,
		  uint64_t stack_top)
{
	uint64_t tss = (uint64_t)&pc->tss;
	uint64_t limit = sizeof(pc->tss) - 1;

	memset(pc, 0, sizeof(*pc));
	pc->self = pc;
	pc->cpu_id = cpu_id;
	pc->apic_id = apic_id;
	pc->stack_base = stack_base;
	pc->stack_top = stack_top;

	pc->gdt[0] = 0;
	pc->gdt[1] = GDT_CODE64;
	pc->gdt[2] = GDT_DATA;
	/* Available 64-bit TSS (type 9), present (SDM 8.2.3). */
	pc->gdt[3] = (limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x89UL << 40) |
		     ((limit >> 16 & 0xf) << 48) | ((tss >> 24 & 0xff) << 56);
	pc->gdt[4] = tss >> 32;

	for (unsigned int i = 0; i < IST_COUNT; i++)
		pc->tss.ist[i] = (uint64_t)pc->ist_stacks[i] + IST_STACK_SIZE;
	pc->tss.rsp[0] = stack_top;
	pc->tss.iomap_base = sizeof(pc->tss); /* no I/O bitmap */
	percpu_table[cpu_id] = pc;
}

void percpu_load(struct percpu *pc)
{
	struct descriptor_pointer gdtp = { sizeof(pc->gdt) - 1, (uint64_t)pc->gdt };

	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movl %2, %%eax\n\t"
		     "movl %%eax, %%ds\n\t"
		     "movl %%eax, %%es\n\t"
		     "movl %%eax, %%ss\n\t"
		     "xorl %%eax, %%eax\n\t"
		     "movl %%eax, %%fs\n\t"
		     "movl %%eax, %%gs\n\t"
		     :
		     : "m"(gdtp), "i"(GDT_SELECTOR_CODE), "i"(GDT_SELECTOR_DATA)
		     : "rax", "memory");
	asm volatile("ltr %w0" : : "r"(GDT_SELECTOR_TSS));
	/* Loading GS zeroed its base: set it after. */
	wrmsr(MSR_GS_BASE, (uint64_t)pc);
	idt_load();
}
