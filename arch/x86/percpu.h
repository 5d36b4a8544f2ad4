/*
 * Per-CPU data: each processor finds its own struct percpu at %gs:0. It
 * holds the CPU's descriptor tables and its exception stacks, so a fault on
 * one CPU never runs on another CPU's stack.
 */
#ifndef ARCH_X86_PERCPU_H
#define ARCH_X86_PERCPU_H

#include "core/config.h"
#include "core/types.h"

#define GDT_ENTRIES 5 /* null, code, data, TSS (two slots) */
#define IST_STACK_SIZE 4096
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_COUNT 3

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

/* A CPU's life; smp.c describes the start-up handshake. */
enum cpu_state {
	CPU_OFFLINE = 0,
	CPU_STARTING, /* the boot CPU sent INIT-SIPI-SIPI */
	CPU_BOOTING,  /* the CPU runs ap_entry */
	CPU_ONLINE,
	CPU_FAILED,
};

struct percpu {
	struct percpu *self; /* must stay first: %gs:0 */
	uint32_t cpu_id;
	uint32_t apic_id;
	uint64_t stack_base; /* the CPU's main stack, for backtrace bounds */
	uint64_t stack_top;
	volatile uint32_t state; /* enum cpu_state */
	uint32_t exception_depth;
	uint64_t gdt[GDT_ENTRIES] __aligned(16);
	struct tss64 tss __aligned(16);
	uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE] __aligned(16);
};

extern struct percpu *percpu_table[HV_MAX_CPUS];
extern unsigned int nr_cpus_online;

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* Loads the GDT, TSS, IDT and GS base of the calling CPU from *pc. */
void percpu_load(struct percpu *pc);
void percpu_setup(struct percpu *pc, uint32_t cpu_id, uint32_t apic_id, uint64_t stack_base,
		  uint64_t stack_top);

#endif
