/*
 * Every hypercall a PVH guest uses, through the hypercall page: the normal
 * answers, and the errors for bad pointers, bad arguments and unknown
 * sub-operations (XEN-ABI.md, and the behaviour core/hc_*.c documents
 * where Xen leaves a choice).
 */
#include "rt/rt.h"
#include "core/public/console.h"

const char test_title[] = "hypercalls: results and errors, through the hypercall page";

/* Not mapped by the guest's page tables (PML4 slot 1 is empty). */
#define UNMAPPED_VA 0x8000000000ull
/* The hypervisor's own image: never reachable from a guest address. */
#define HYPERVISOR_VA 0xffffffff80200000ull
/*
 * core/hc_console.c: writes of any length, preempted with continuations and
 * held to the domain's output rate; this one is longer than its 16 KiB burst.
 */
#define LONG_WRITE (20 * 1024 + 1)
#define XEN_MIN_VERSION ((4u << 16) | 17)
#define BAD_SUBOP 99
#define NO_SUCH_DOMID 1000

/* Two pages of our own: the first for read-only tests, the second to unmap. */
static uint8_t scratch_pages[2][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define scratch_page scratch_pages[0]
static uint8_t shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
/* Lines of dots. */
static char long_write[LONG_WRITE];

/* A read-only view of scratch_page, for writes the hypervisor must refuse. */
static void *readonly_scratch(void)
{
	uint64_t va = (uint64_t)(uintptr_t)scratch_page;

	if (map_page(va, va, 0))
		rt_panic("cannot make the scratch page read-only");
	return scratch_page;
}

static void writable_scratch(void)
{
	uint64_t va = (uint64_t)(uintptr_t)scratch_page;

	if (map_page(va, va, PTE_W))
		rt_panic("cannot make the scratch page writable");
}

static void test_console_io(void)
{
	static const char line[] = "console_io: this line came through CONSOLEIO_write\n";
	uint64_t va = (uint64_t)(uintptr_t)scratch_page;
	char *tail;
	size_t i;

	printk("console_io\n");
	check_eq("write", hypercall_console_io(CONSOLEIO_write, sizeof(line) - 1, line), 0);
	check_eq("write of 0 bytes", hypercall_console_io(CONSOLEIO_write, 0, line), 0);
	check_eq("write from an unmapped address",
		 hypercall_console_io(CONSOLEIO_write, 8, (void *)UNMAPPED_VA), -EFAULT);
	check_eq("write from a hypervisor address",
		 hypercall_console_io(CONSOLEIO_write, 8, (void *)HYPERVISOR_VA), -EFAULT);

	/* A buffer that runs off the end of the mapped memory: every page is checked. */
	if (map_page(va + PAGE_SIZE, va + PAGE_SIZE, PTE_W) || unmap_page(va + PAGE_SIZE))
		rt_panic("cannot unmap the page after the scratch page");
	tail = (char *)scratch_page + PAGE_SIZE - 8;
	memcpy(tail, "partial\n", 8);
	check_eq("write running into an unmapped page",
		 hypercall_console_io(CONSOLEIO_write, 16, tail), -EFAULT);
	if (map_page(va + PAGE_SIZE, va + PAGE_SIZE, PTE_W))
		rt_panic("cannot map the page after the scratch page again");

	for (i = 0; i < sizeof(long_write); i++)
		long_write[i] = i % 200 == 199 || i == sizeof(long_write) - 1 ? '\n' : '.';
	check_eq("write of 20 KiB + 1 (longer than the output burst)",
		 hypercall_console_io(CONSOLEIO_write, sizeof(long_write), long_write), 0);
	check_eq("read (no input: 0 bytes)",
		 hypercall_console_io(CONSOLEIO_read, 16, scratch_page), 0);
	check_eq("unknown command", hypercall_console_io(BAD_SUBOP, 1, line), -ENOSYS);
}

static void test_xen_version(void)
{
	static const unsigned int wanted[] = {
		XENFEAT_writable_page_tables, XENFEAT_auto_translated_physmap,
		XENFEAT_hvm_callback_vector,  XENFEAT_hvm_safe_pvclock,
		XENFEAT_not_direct_mapped,
	};
	static const unsigned int unwanted[] = { XENFEAT_dom0, XENFEAT_direct_mapped };
	struct xen_feature_info fi = { .submap_idx = 0 };
	xen_extraversion_t extra;
	int64_t v;
	unsigned int i;

	printk("xen_version\n");
	v = hypercall_xen_version(XENVER_version, NULL);
	check(v >= XEN_MIN_VERSION, "version %ld.%ld is at least 4.17", v >> 16, v & 0xffff);

	memset(extra, 0x55, sizeof(extra));
	check_eq("extraversion", hypercall_xen_version(XENVER_extraversion, extra), 0);
	check(strnlen(extra, sizeof(extra)) < sizeof(extra), "extraversion \"%.*s\" is terminated",
	      (int)sizeof(extra), extra);
	check_eq("extraversion to a hypervisor address",
		 hypercall_xen_version(XENVER_extraversion, (void *)HYPERVISOR_VA), -EFAULT);
	memset(scratch_page, 0x55, sizeof(extra));
	check_eq("extraversion to a read-only page",
		 hypercall_xen_version(XENVER_extraversion, readonly_scratch()), -EFAULT);
	writable_scratch();
	check(scratch_page[0] == 0x55, "the read-only page was left alone");

	check_eq("get_features(0)", hypercall_xen_version(XENVER_get_features, &fi), 0);
	for (i = 0; i < ARRAY_SIZE(wanted); i++)
		check(fi.submap & (1u << wanted[i]), "feature %u set in %#x", wanted[i], fi.submap);
	for (i = 0; i < ARRAY_SIZE(unwanted); i++)
		check(!(fi.submap & (1u << unwanted[i])), "feature %u clear in %#x", unwanted[i],
		      fi.submap);
	/* Xen has only submap 0 and answers -EINVAL for the others. */
	fi = (struct xen_feature_info){ .submap_idx = 1 };
	check_eq("get_features(1)", hypercall_xen_version(XENVER_get_features, &fi), -EINVAL);
	check_eq("get_features at an unmapped address",
		 hypercall_xen_version(XENVER_get_features, (void *)UNMAPPED_VA), -EFAULT);
	check_eq("pagesize", hypercall_xen_version(XENVER_pagesize, NULL), PAGE_SIZE);
	check_eq("unknown sub-op", hypercall_xen_version(BAD_SUBOP, NULL), -ENOSYS);
}

static void test_sched_op(void)
{
	struct sched_shutdown bad_reason = { .reason = 99 };

	printk("sched_op\n");
	check_eq("yield", hypercall_yield(), 0);
	check_eq("shutdown with reason 99", hypercall_sched_op(SCHEDOP_shutdown, &bad_reason),
		 -EINVAL);
	check_eq("shutdown at an unmapped address",
		 hypercall_sched_op(SCHEDOP_shutdown, (void *)UNMAPPED_VA), -EFAULT);
	check_eq("unknown sub-op", hypercall_sched_op(BAD_SUBOP, NULL), -ENOSYS);
}

static void test_vcpu_op(void)
{
	struct vcpu_runstate_info rs;

	printk("vcpu_op\n");
	check_eq("is_up(0)", hypercall_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
	check_eq("is_up(1) of a 1-vCPU domain", hypercall_vcpu_op(VCPUOP_is_up, 1, NULL), -ENOENT);
	check_eq("is_up(1000)", hypercall_vcpu_op(VCPUOP_is_up, 1000, NULL), -ENOENT);
	memset(&rs, 0xff, sizeof(rs));
	check_eq("get_runstate_info(0)", hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, &rs), 0);
	check_eq("  its state (running)", rs.state, RUNSTATE_running);
	check_eq("get_runstate_info at a hypervisor address",
		 hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, (void *)HYPERVISOR_VA), -EFAULT);
	check_eq("unknown sub-op", hypercall_vcpu_op(BAD_SUBOP, 0, NULL), -ENOSYS);
}

static void test_memory_map(void)
{
	struct e820_entry entries[4];
	struct xen_memory_map map;
	uint64_t ram = rt_ram_end();

	check(rt_start_info->memmap_entries == 1, "start info memmap has %u entry (RAM)",
	      rt_start_info->memmap_entries);

	memset(entries, 0xaa, sizeof(entries));
	map = (struct xen_memory_map){ .nr_entries = ARRAY_SIZE(entries),
				       .buffer = (uint64_t)(uintptr_t)entries };
	check_eq("memory_map", hypercall_memory_op(XENMEM_memory_map, &map), 0);
	check_eq("  entries", map.nr_entries, 1);
	check_eq("  entry 0 address", (int64_t)entries[0].addr, 0);
	check_eq("  entry 0 size (the start info's RAM)", (int64_t)entries[0].size, (int64_t)ram);
	check_eq("  entry 0 type", entries[0].type, E820_RAM);

	/* Xen's answer to a short buffer: what fits (nothing), and the count written back. */
	memset(entries, 0xaa, sizeof(entries));
	map = (struct xen_memory_map){ .nr_entries = 0, .buffer = (uint64_t)(uintptr_t)entries };
	check_eq("memory_map with room for 0 entries",
		 hypercall_memory_op(XENMEM_memory_map, &map), 0);
	check_eq("  entries", map.nr_entries, 0);
	check(entries[0].type == 0xaaaaaaaa, "  the buffer was left alone");

	map = (struct xen_memory_map){ .nr_entries = 1, .buffer = UNMAPPED_VA };
	check_eq("memory_map into an unmapped buffer", hypercall_memory_op(XENMEM_memory_map, &map),
		 -EFAULT);
	check_eq("memory_map at an unmapped address",
		 hypercall_memory_op(XENMEM_memory_map, (void *)UNMAPPED_VA), -EFAULT);
}

static void test_reservation(void)
{
	domid_t self = DOMID_SELF;
	uint64_t frames = rt_ram_end() >> PAGE_SHIFT;

	check_eq("current_reservation", hypercall_memory_op(XENMEM_current_reservation, &self),
		 (int64_t)frames);
	check_eq("maximum_gpfn", hypercall_memory_op(XENMEM_maximum_gpfn, &self),
		 (int64_t)frames - 1);
	check_eq("unknown sub-op", hypercall_memory_op(BAD_SUBOP & 0x3f, NULL), -ENOSYS);
}

static int64_t add_to_physmap(uint16_t domid, uint32_t space, uint64_t idx, uint64_t gpfn)
{
	struct xen_add_to_physmap xatp = {
		.domid = domid, .space = space, .idx = idx, .gpfn = gpfn
	};

	return hypercall_memory_op(XENMEM_add_to_physmap, &xatp);
}

static void test_add_to_physmap(void)
{
	volatile struct shared_info *si = (volatile void *)shared_info_page;
	uint64_t gfn = (uint64_t)(uintptr_t)shared_info_page >> PAGE_SHIFT;
	uint64_t frames = rt_ram_end() >> PAGE_SHIFT;
	unsigned int i;
	bool zero = true;

	check_eq("add_to_physmap: space 99", add_to_physmap(DOMID_SELF, 99, 0, gfn), -ENOSYS);
	check_eq("add_to_physmap: shared_info idx 1",
		 add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 1, gfn), -EINVAL);
	check_eq("add_to_physmap: gfn beyond RAM",
		 add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, frames), -EINVAL);
	check_eq("add_to_physmap: another domain",
		 add_to_physmap(NO_SUCH_DOMID, XENMAPSPACE_shared_info, 0, gfn), -ESRCH);

	/* The RAM page has a pattern; once shared_info replaces it, the page reads as zeros. */
	memset(shared_info_page, 0xaa, PAGE_SIZE);
	if (!check_eq("add_to_physmap: shared_info at a RAM gfn",
		      add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, gfn), 0))
		return;
	for (i = 0; i < ARRAY_SIZE(si->evtchn_pending); i++)
		zero &= si->evtchn_pending[i] == 0 && si->evtchn_mask[i] == 0;
	check(zero, "the page now reads as shared_info (event bitmaps all zero)");
	check(si->vcpu_info[0].evtchn_upcall_pending == 0,
	      "vcpu_info[0].evtchn_upcall_pending is 0");
	si->evtchn_mask[0] = 1;
	check(si->evtchn_mask[0] == 1, "shared_info is writable");
}

static void test_hvm_op(void)
{
	struct xen_hvm_param p;

	printk("hvm_op\n");
	p = (struct xen_hvm_param){ .domid = DOMID_SELF, .index = HVM_PARAM_STORE_PFN,
				    .value = 0x1234 };
	check_eq("get_param(STORE_PFN)", hypercall_hvm_op(HVMOP_get_param, &p), 0);
	check_eq("  value (0: no XenStore)", (int64_t)p.value, 0);
	p = (struct xen_hvm_param){ .domid = DOMID_SELF, .index = HVM_PARAM_STORE_EVTCHN,
				    .value = 0x1234 };
	check_eq("get_param(STORE_EVTCHN)", hypercall_hvm_op(HVMOP_get_param, &p), 0);
	check_eq("  value", (int64_t)p.value, 0);
	/* The PV console ring where Xen's toolstack puts it (core/public/console.h). */
	p = (struct xen_hvm_param){ .domid = DOMID_SELF, .index = HVM_PARAM_CONSOLE_PFN };
	check_eq("get_param(CONSOLE_PFN)", hypercall_hvm_op(HVMOP_get_param, &p), 0);
	check_eq("  value", (int64_t)p.value, XENCONS_HVM_PFN);
	p = (struct xen_hvm_param){ .domid = DOMID_SELF, .index = HVM_NR_PARAMS };
	check_eq("get_param(HVM_NR_PARAMS)", hypercall_hvm_op(HVMOP_get_param, &p), -EINVAL);
	p = (struct xen_hvm_param){ .domid = NO_SUCH_DOMID, .index = HVM_PARAM_STORE_PFN };
	check_eq("get_param of another domain", hypercall_hvm_op(HVMOP_get_param, &p), -ESRCH);
	check_eq("get_param at an unmapped address",
		 hypercall_hvm_op(HVMOP_get_param, (void *)UNMAPPED_VA), -EFAULT);
	check_eq("unknown sub-op", hypercall_hvm_op(BAD_SUBOP, NULL), -ENOSYS);
}

static void test_unknown_numbers(void)
{
	static const uint64_t raw_numbers[] = { 60, 63, 64, 1000, ~0ull };
	static const unsigned int page_numbers[] = { __HYPERVISOR_vm_assist, 60, 63, 64, 127 };
	char what[64];
	unsigned int i;

	printk("unknown hypercall numbers\n");
	for (i = 0; i < ARRAY_SIZE(raw_numbers); i++) {
		snprintf(what, sizeof(what), "VMCALL %ld", (int64_t)raw_numbers[i]);
		check_eq(what, hypercall_raw(raw_numbers[i], 0, 0, 0, 0, 0), -ENOSYS);
	}
	for (i = 0; i < ARRAY_SIZE(page_numbers); i++) {
		snprintf(what, sizeof(what), "hypercall page stub %u", page_numbers[i]);
		check_eq(what, hypercall_page_call(page_numbers[i], 0, 0, 0, 0, 0), -ENOSYS);
	}
	check_eq("VMCALL xen_version (a known number without the page)",
		 hypercall_raw(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0),
		 hypercall_xen_version(XENVER_version, NULL));
}

/*
 * Returns a bit mask of the registers (other than RAX and the argument
 * registers) that a hypercall through stub changed: XTF relies on them
 * being preserved. Bits: RBX 0, RCX 1, RBP 2, R9 3, R11 4, R12-R15 5-8.
 */
uint64_t hypercall_clobbers(void *stub);
asm(".pushsection .text\n"
    /* Sets bit `bit` of RAX if register `reg` no longer holds `value`. */
    ".macro clobber_check reg, value, bit\n"
    "	movabs $\\value, %rdx\n"
    "	cmp %rdx, %\\reg\n"
    "	setne %dl\n"
    "	movzbl %dl, %edx\n"
    "	shl $\\bit, %edx\n"
    "	or %rdx, %rax\n"
    ".endm\n"
    "hypercall_clobbers:\n"
    "	push %rbx\n"
    "	push %rbp\n"
    "	push %r12\n"
    "	push %r13\n"
    "	push %r14\n"
    "	push %r15\n"
    "	mov %rdi, %rax\n"
    "	movabs $0x1111111111111111, %rbx\n"
    "	movabs $0x2222222222222222, %rcx\n"
    "	movabs $0x3333333333333333, %rbp\n"
    "	movabs $0x4444444444444444, %r9\n"
    "	movabs $0x5555555555555555, %r11\n"
    "	movabs $0x6666666666666666, %r12\n"
    "	movabs $0x7777777777777777, %r13\n"
    "	movabs $0x8888888888888888, %r14\n"
    "	movabs $0x9999999999999999, %r15\n"
    "	xor %edi, %edi\n" /* XENVER_version */
    "	xor %esi, %esi\n"
    "	call *%rax\n"
    "	xor %eax, %eax\n"
    "	clobber_check rbx, 0x1111111111111111, 0\n"
    "	clobber_check rcx, 0x2222222222222222, 1\n"
    "	clobber_check rbp, 0x3333333333333333, 2\n"
    "	clobber_check r9, 0x4444444444444444, 3\n"
    "	clobber_check r11, 0x5555555555555555, 4\n"
    "	clobber_check r12, 0x6666666666666666, 5\n"
    "	clobber_check r13, 0x7777777777777777, 6\n"
    "	clobber_check r14, 0x8888888888888888, 7\n"
    "	clobber_check r15, 0x9999999999999999, 8\n"
    "	pop %r15\n"
    "	pop %r14\n"
    "	pop %r13\n"
    "	pop %r12\n"
    "	pop %rbp\n"
    "	pop %rbx\n"
    "	ret\n"
    ".purgem clobber_check\n"
    ".popsection\n");

static void test_register_preservation(void)
{
	void *stub = hypercall_page + __HYPERVISOR_xen_version * XEN_HYPERCALL_STUB_SIZE;

	check_eq("registers changed by a hypercall (mask)", (int64_t)hypercall_clobbers(stub), 0);
}

void test_main(const struct hvm_start_info *si)
{
	(void)si;
	test_require_xen();
	test_console_io();
	test_xen_version();
	test_sched_op();
	test_vcpu_op();
	printk("memory_op\n");
	test_memory_map();
	test_reservation();
	test_add_to_physmap();
	test_hvm_op();
	test_unknown_numbers();
	test_register_preservation();
}
