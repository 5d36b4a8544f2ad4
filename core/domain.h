/*
 * Domains and vCPUs: the objects the hypervisor isolates and schedules.
 * A domain owns its guest memory (a list of host chunks mapped at guest
 * physical [0, memory_bytes) by its EPT) and every frame used on its
 * behalf; all of them go back to the allocator when it is destroyed.
 */
#ifndef CORE_DOMAIN_H
#define CORE_DOMAIN_H

#include "arch/x86/vcpu_regs.h"
#include "boot/bootinfo.h"
#include "core/console.h"
#include "core/public/xen.h"
#include "core/spinlock.h"
#include "core/timer.h"
#include "core/types.h"

#define DOMAIN_NAME_MAX 32
#define DOMAIN_MAX_VCPUS 8
#define MAX_DOMAINS 16
#define DOMAIN_CONSOLE_LINE 256
#define DOMAIN_MIN_MEMORY (2UL * MiB)
#define DOMAIN_MAX_MEMORY (3UL * GiB) /* below the MMIO hole under 4 GiB */

/* One domain as the boot configuration describes it. */
struct domain_config {
	char name[DOMAIN_NAME_MAX];
	char kernel[BOOT_MODULE_NAME_MAX]; /* boot module holding the ELF kernel */
	char initrd[BOOT_MODULE_NAME_MAX]; /* boot module, "" for none */
	uint64_t memory;                   /* bytes, a multiple of 2 MiB */
	unsigned int vcpus;
	int cpu;             /* physical CPU of vCPU 0, -1 to spread automatically */
	uint64_t timeout_ms; /* destroy the domain after this long; 0: never */
	bool test_bad_guest_state; /* test hook: corrupt the VMCS so VM entry fails */
	unsigned int gnttab_frames; /* grant table size in frames; 0: the default */
};

enum domain_state {
	DOMAIN_BUILDING,
	DOMAIN_RUNNING,
	DOMAIN_DYING, /* shut down or crashed; vCPUs are leaving their CPUs */
	DOMAIN_DEAD,  /* everything freed */
};

/* What a guest range of host memory backs: guest physical [gpa, gpa + 2^order pages). */
struct guest_chunk {
	uint64_t gpa;
	paddr_t hpa;
	unsigned int order;
};

enum vcpu_state {
	VCPU_DOWN,     /* never started or stopped */
	VCPU_RUNNABLE, /* on a run queue or running */
	VCPU_BLOCKED,  /* waits for an event (HLT, SCHEDOP_block) */
	VCPU_DEAD,
};

/* Requests a hypercall or exit handler leaves for the scheduler. */
#define VCPU_REQ_YIELD (1u << 0)
#define VCPU_REQ_BLOCK (1u << 1)
#define VCPU_REQ_STOP (1u << 2) /* the domain is dying */
#define VCPU_REQ_DOWN (1u << 3) /* VCPUOP_down: off its CPU until VCPUOP_up */

struct domain;
struct grant_table;
struct evtchn_domain;

struct vcpu {
	struct arch_vcpu arch; /* first: the VMX entry code finds the registers here */
	struct domain *domain;
	unsigned int id;
	unsigned int cpu; /* physical CPU it runs on */
	volatile uint32_t state; /* enum vcpu_state */
	volatile uint32_t requests; /* VCPU_REQ_* */
	bool on_cpu;       /* in arch_vcpu_run right now */
	struct vcpu *next; /* run-queue link */
	uint64_t slice_start_tsc;
	uint64_t exits;
	/* Event delivery (core/evtchn.c). vcpu_info: shared_info's slot or the guest's page. */
	struct vcpu_info *vcpu_info;
	volatile bool upcall_asserted; /* the upcall vector is to be injected */
	uint8_t upcall_vector;         /* HVMOP_set_evtchn_upcall_vector; 0: none */
	volatile bool polling;         /* in SCHEDOP_poll */
	int32_t poll_port;             /* the one port it polls, -1 for several */
	struct timer poll_timer;       /* SCHEDOP_poll's timeout */
	uint32_t virq_port[24];        /* NR_VIRQS: the port bound to each VIRQ, 0 if none */
	uint64_t upcall_injected;      /* upcalls injected, for debug key 'e' */
	/* Set by hypercall_preempt: the VMCALL is issued again with these arguments. */
	bool hypercall_restart;
	uint64_t hypercall_restart_args[5];

	/* --- Bring-up and runstate (VCPUOP_initialise/up/down, runstate areas; hc_vcpu.c) --- */
	bool initialised; /* has a start state: the PVH entry (vCPU 0) or VCPUOP_initialise's */
	bool down;        /* Xen's _VPF_down: not brought up yet, or taken down */
	/* Times in ns of system time (core/time.h); under the run-queue lock of v->cpu. */
	struct vcpu_runstate_info runstate;
	uint64_t runstate_gva; /* the guest's copy (register_runstate_memory_area); 0: none */

	/* Guest timers (core/vcpu_timer.c): both raise VIRQ_TIMER, on v->cpu's queue. */
	struct timer singleshot_timer;
	struct timer periodic_timer;
	uint64_t periodic_period; /* ns; 0: off */
	uint64_t periodic_next;   /* system time of the next periodic event */

	/* Time (core/pvclock.c): where and on which CPU its pvclock record was last written. */
	struct vcpu_time_info *time_record; /* NULL: nowhere yet */
	unsigned int time_record_cpu;
};

struct domain {
	domid_t id;
	char name[DOMAIN_NAME_MAX];
	struct domain_config config;
	volatile uint32_t state; /* enum domain_state */
	char end_reason[160];    /* why it ended, for the log and the result line */
	bool crashed;
	char result[32]; /* the last "Test result: X" it printed, "" if none */

	uint64_t memory_bytes; /* guest RAM at guest physical [0, memory_bytes) */
	struct guest_chunk *chunks;
	unsigned int nr_chunks;
	unsigned int chunk_hint; /* index of the chunk last found (core/guest_memory.c) */
	uint64_t frames_guest;    /* frames of guest RAM */
	uint64_t frames_overhead; /* frames the hypervisor uses for this domain */

	unsigned int nr_vcpus;
	struct vcpu *vcpus[DOMAIN_MAX_VCPUS];
	uint32_t vcpus_alive; /* vCPUs not yet released; the last one frees the domain */

	char console_line[DOMAIN_CONSOLE_LINE];
	unsigned int console_len;

	paddr_t shared_info_hpa; /* hypervisor-owned page, 0 until allocated */
	uint64_t shared_info_gfn; /* where the guest mapped it; ~0 if not mapped */
	uint64_t hvm_params[HVM_NR_PARAMS];
	struct evtchn_domain *evtchn; /* core/evtchn.c */
	uint8_t callback_vector;      /* HVM_PARAM_CALLBACK_IRQ of the vector type; 0: none */

	/* Grant tables (core/grant_table.c): NULL before gnttab_domain_init and after destroy. */
	struct grant_table *grant;

	uint64_t start_tsc;
	struct timer timeout_timer; /* config.timeout_ms after the start, on vCPU 0's CPU */

	/* --- Bring-up (hc_vcpu.c) --- */
	spinlock_t vcpu_updown_lock; /* orders VCPUOP_initialise/up/down and their checks */

	/* --- Console output rate limit (hc_console.c), under lock --- */
	uint64_t console_tokens;     /* bytes it may write now */
	uint64_t console_refill_tsc; /* the tokens are counted up to here; 0: bucket full */
	uint64_t console_waits;      /* writes that waited for tokens */

	/* --- PV console ring (console_ring.c) --- */
	paddr_t console_ring_hpa; /* the ring page; 0: none */
	spinlock_t console_ring_lock;
	bool console_ring_broken; /* bad indices seen (logged once) */
	char console_ring_line[DOMAIN_CONSOLE_LINE]; /* its partial line, apart from console_io's */
	unsigned int console_ring_len;
	spinlock_t lock;
	struct arch_domain arch;
};

/* All domains by id (1..MAX_DOMAINS-1); id 0 is reserved for dom0. */
extern struct domain *domains[MAX_DOMAINS];

/*
 * Creates, builds and starts the domains the configuration lists. A domain
 * that cannot be built is logged and skipped; the others still start.
 * Returns the number started.
 */
unsigned int domains_create_from_config(const struct boot_info *bi,
					const struct domain_config *configs, unsigned int count);

/* Logs "domain N (name) crashed: <reason>" and destroys it. Any CPU. */
__printf(2, 3) void domain_crash(struct domain *d, const char *fmt, ...);

/* SCHEDOP_shutdown: reason is SHUTDOWN_*. */
void domain_shutdown(struct domain *d, uint32_t reason);

/* Makes every vCPU of d running on another CPU leave guest mode (after an EPT change). */
void domain_kick_vcpus(struct domain *d);

/*
 * Calls fn(d, arg) on running domain id with the domain table locked, so d
 * cannot be freed meanwhile; -ESRCH if there is no such domain. fn must not
 * take the domain table lock or block.
 */
int domain_call_locked(domid_t id, int (*fn)(struct domain *d, void *arg), void *arg);
/* fn(d, arg) on every domain in the table, locked the same way, until fn returns non-zero. */
void domains_for_each(int (*fn)(struct domain *d, void *arg), void *arg);

/* Console output of a domain: lines are logged as "(d<id>) text". */
void domain_console_write(struct domain *d, const char *buf, size_t len);
/* The same for its PV console ring, whose partial lines are kept apart. */
void domain_console_ring_write(struct domain *d, const char *buf, size_t len);

/*
 * The domain's console output rate limit (hc_console.c): true, and the
 * bytes counted, when it may write want bytes now; false: it must wait.
 */
bool domain_console_tokens_take(struct domain *d, size_t want);

/* Frames the hypervisor allocates on a domain's behalf (page tables, VMCS, ...). */
int domain_alloc_overhead_page(struct domain *d, paddr_t *pa);
void domain_free_overhead_page(struct domain *d, paddr_t pa);

#endif
