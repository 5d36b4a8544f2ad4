/*
 * Exceptions in a guest test kernel: the runtime's IDT catches every
 * vector. A test probes a fault and continues in one of two ways:
 *  - exec_fault(fn, arg, &info) runs any code and reports the first
 *    exception it raised;
 *  - single-instruction probes (probe_read, wrmsr_safe, ...) carry an
 *    exception-table entry: a fault at the instruction resumes at its
 *    fixup with the vector as the result.
 * Any other exception is a bug: the runtime prints "PANIC: unexpected
 * exception" and crashes the domain.
 */
#ifndef GUEST_RT_TRAPS_H
#define GUEST_RT_TRAPS_H

#include <stdint.h>

/* The saved state of an exception, as rt/entry.S lays it out. */
struct cpu_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* What the last caught exception was. */
struct fault_info {
	uint32_t vector;
	uint32_t error_code;
	uint64_t rip; /* of the faulting instruction (after it, for traps like #BP) */
	uint64_t cr2; /* #PF only */
};

/*
 * One exception-table entry: a fault at insn records the exception in
 * extable_last_fault and resumes at fixup, which reads the vector from it.
 */
struct extable_entry {
	uint64_t insn;
	uint64_t fixup;
};

#define _ASM_EXTABLE(insn, fixup)                                                              \
	".pushsection .ex_table, \"a\"\n\t.p2align 3\n\t.quad " #insn ", " #fixup                  \
	"\n\t.popsection\n\t"

/*
 * The tail of a probe: after instruction 1, "no fault" (-1) falls through to
 * 3; a fault resumes at 2 with the vector. vector is the operand named vec.
 */
#define _PROBE_TAIL                                                                            \
	"movl $-1, %k[vec]\n\t"                                                                \
	"jmp 3f\n\t"                                                                           \
	"2: movl extable_last_fault(%%rip), %k[vec]\n\t"                                       \
	"3:\n\t" _ASM_EXTABLE(1b, 2b)

/* The details of the last exception an exception-table probe caught. */
extern struct fault_info extable_last_fault;

/* Builds the IDT and loads it. */
void traps_init(void);
/* fn runs (interrupts off) for each interrupt at RT_UPCALL_VECTOR. */
void traps_set_upcall_handler(void (*fn)(void));

/* Called from rt/entry.S for every exception. */
void do_exception(struct cpu_regs *regs);

/* Runs fn(arg); returns -1 if it returned, else the vector it raised (*info filled if non-NULL). */
int exec_fault(void (*fn)(void *), void *arg, struct fault_info *info);

/* The name of a vector, "#GP" etc. */
const char *exception_name(unsigned int vector);

/* Reads 8 bytes at addr into *value; returns -1, or the vector it raised. */
static inline int probe_read(const volatile void *addr, uint64_t *value)
{
	int vector;
	uint64_t v = 0;

	asm volatile("1: movq (%[addr]), %[v]\n\t" _PROBE_TAIL
		     : [vec] "=&r"(vector), [v] "+r"(v)
		     : [addr] "r"(addr)
		     : "memory");
	*value = v;
	return vector;
}

/* Writes 8 bytes at addr; returns -1, or the vector it raised. */
static inline int probe_write(volatile void *addr, uint64_t value)
{
	int vector;

	asm volatile("1: movq %[v], (%[addr])\n\t" _PROBE_TAIL
		     : [vec] "=&r"(vector)
		     : [addr] "r"(addr), [v] "r"(value)
		     : "memory");
	return vector;
}

/* RDMSR/WRMSR that report the exception instead of panicking: -1, or the vector. */
static inline int rdmsr_safe(uint32_t msr, uint64_t *value)
{
	int vector;
	uint32_t lo = 0, hi = 0;

	asm volatile("1: rdmsr\n\t" _PROBE_TAIL
		     : [vec] "=&r"(vector), "+a"(lo), "+d"(hi)
		     : "c"(msr)
		     : "memory");
	*value = ((uint64_t)hi << 32) | lo;
	return vector;
}

static inline int wrmsr_safe(uint32_t msr, uint64_t value)
{
	int vector;

	asm volatile("1: wrmsr\n\t" _PROBE_TAIL
		     : [vec] "=&r"(vector)
		     : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
		     : "memory");
	return vector;
}

#endif
