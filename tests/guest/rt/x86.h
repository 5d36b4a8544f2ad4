/*
 * x86 architecture constants and instruction wrappers for guest test
 * kernels. The constants are usable from assembly (__ASSEMBLY__).
 */
#ifndef GUEST_RT_X86_H
#define GUEST_RT_X86_H

/* Segment selectors of the runtime's GDT (rt/head.S). */
#define GDT_CS64 0x08
#define GDT_DS 0x10
#define GDT_CS32 0x18

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)

#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define MSR_IA32_VMX_BASIC 0x480

/* Page-table entry bits (SDM vol 3, 4.5). */
#define PTE_P 0x001
#define PTE_W 0x002
#define PTE_U 0x004
#define PTE_PS 0x080
#ifdef __ASSEMBLY__
#define PAGE_SHIFT 12
#define PAGE_SIZE 4096
#else
#include "core/types.h" /* PAGE_SHIFT, PAGE_SIZE */
#endif
#define LARGE_PAGE_SHIFT 21
#define LARGE_PAGE_SIZE (1 << LARGE_PAGE_SHIFT)

/* Exception vectors (SDM vol 3, table 6-1). */
#define X86_EXC_DE 0
#define X86_EXC_DB 1
#define X86_EXC_NMI 2
#define X86_EXC_BP 3
#define X86_EXC_OF 4
#define X86_EXC_BR 5
#define X86_EXC_UD 6
#define X86_EXC_NM 7
#define X86_EXC_DF 8
#define X86_EXC_TS 10
#define X86_EXC_NP 11
#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14
#define X86_EXC_MF 16
#define X86_EXC_AC 17
#define X86_EXC_MC 18
#define X86_EXC_XM 19
#define X86_EXC_VE 20
#define X86_EXC_CP 21
#define X86_NR_EXCEPTIONS 32
/* The runtime's event-channel upcall vector (HVM_PARAM_CALLBACK_IRQ, vector type). */
#define RT_UPCALL_VECTOR 0xf3

/* #PF error code bits. */
#define PFEC_PRESENT (1 << 0)
#define PFEC_WRITE (1 << 1)

#define X86_EFLAGS_TF (1 << 8)

/* The 0xE9 debug port (Bochs, QEMU isa-debugcon, our hypervisor). */
#define DEBUG_PORT 0xe9
/* QEMU's isa-debug-exit device: how the runtime powers off without Xen. */
#define QEMU_DEBUG_EXIT_PORT 0xf4

#ifndef __ASSEMBLY__

#include <stdint.h>

struct cpuid_result {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_result cpuid_count(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_result r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_result cpuid(uint32_t leaf)
{
	return cpuid_count(leaf, 0);
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
	asm volatile("wrmsr" ::"c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
		     : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void outb(uint16_t port, uint8_t value)
{
	asm volatile("outb %0, %1" ::"a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t value;

	asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void invlpg(uint64_t va)
{
	asm volatile("invlpg (%0)" ::"r"(va) : "memory");
}

static inline void irq_enable(void)
{
	asm volatile("sti" ::: "memory");
}

static inline void irq_disable(void)
{
	asm volatile("cli" ::: "memory");
}

/* STI's one-instruction shadow: an interrupt that is due is taken after the HLT wakes, never before it. */
static inline void safe_halt(void)
{
	asm volatile("sti; hlt" ::: "memory");
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

static inline void lidt(const struct desc_ptr *p)
{
	asm volatile("lidt %0" ::"m"(*p) : "memory");
}

static inline void sidt(struct desc_ptr *p)
{
	asm volatile("sidt %0" : "=m"(*p));
}

#endif /* __ASSEMBLY__ */

#endif
