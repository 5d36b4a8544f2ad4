/*
 * Tests for core/domain_build.c with the real ELF checker, guest memory,
 * frame allocator and heap over a fake physical arena. Kernels are ELF
 * images built here (64-bit like Linux's vmlinux, ELFCLASS32 with machine
 * x86-64 like XTF's hvm64 tests) and placed in the arena as boot modules.
 * Guest RAM is filled with a marker before each build, so a test can see
 * every byte the builder wrote, and that a refused kernel wrote none.
 * unit-test-sources: core/guest_memory.c core/elf.c core/page_alloc.c core/heap.c tests/unit/fakes/physmem.c tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <elf.h>

#include "core/arch.h"
#include "core/domain_build.h"
#include "core/errno.h"
#include "core/guest_memory.h"
#include "core/mm.h"
#include "core/page_alloc.h"
#include "core/public/hvm_start_info.h"
#include "tests/unit/fakes/console.h"
#include "tests/unit/fakes/physmem.h"

#define ARENA_SIZE (64 * MiB)
#define FREE_START (1 * MiB)
#define FREE_END (44 * MiB)
#define KERNEL_BASE (44 * MiB) /* boot modules live above the allocator's memory */
#define KERNEL_MAX (2 * MiB)
#define INITRD_BASE (46 * MiB)
#define INITRD_MAX (18 * MiB)
#define MARKER 0xcc
#define LIMIT_1G (1ULL << 30)

static const struct boot_mem_region test_map[] = {
	{ .base = FREE_START, .length = FREE_END - FREE_START, .type = BOOT_MEM_AVAILABLE },
};

/* ---- arch fakes ---- */

int arch_domain_map(struct domain *d, uint64_t gpa, paddr_t hpa, uint64_t size,
		    unsigned int perms)
{
	return 0;
}

int arch_domain_unmap(struct domain *d, uint64_t gpa, uint64_t size)
{
	return 0;
}

int arch_guest_translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
	fail_msg("the domain builder works on guest-physical memory only");
	return -EFAULT;
}

static struct {
	unsigned int calls;
	struct vcpu *v;
	uint32_t entry;
	uint32_t ebx;
} pvh;

void arch_vcpu_set_pvh_entry(struct vcpu *v, uint32_t entry, uint32_t ebx)
{
	pvh.calls++;
	pvh.v = v;
	pvh.entry = entry;
	pvh.ebx = ebx;
}

/* ---- ELF images ---- */

struct seg {
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint32_t flags; /* PF_* */
};

struct kernel_spec {
	bool is64;
	uint16_t machine;
	const struct seg *segs;
	unsigned int nr_segs;
	uint32_t note_size; /* bytes of the PHYS32_ENTRY value; 0: no note */
	uint64_t entry;
	uint64_t vaddr_offset; /* vaddr = paddr + this, as in Linux's vmlinux */
};

#define PHOFF 0x40
#define NOTE_OFF 0x400
#define DATA_OFF 0x1000

/* Segment i's file byte j: distinct per segment and position. */
static uint8_t seg_byte(unsigned int i, uint64_t j)
{
	return (uint8_t)(0x11 * (i + 1) + j * 7 + (j >> 8));
}

static uint64_t seg_offset(const struct kernel_spec *k, unsigned int i)
{
	uint64_t off = DATA_OFF;

	for (unsigned int j = 0; j < i; j++)
		off += ALIGN_UP(k->segs[j].filesz, PAGE_SIZE);
	return off;
}

/* Writes the image at KERNEL_BASE in the arena and returns its size. */
static uint64_t build_kernel(const struct kernel_spec *k)
{
	uint8_t *img = phys_to_virt(KERNEL_BASE);
	unsigned int nr_ph = k->nr_segs + (k->note_size ? 1 : 0);
	uint64_t size = seg_offset(k, k->nr_segs);
	uint8_t *note = img + NOTE_OFF;
	uint32_t note_len = 12 + 4 + ALIGN_UP(k->note_size, 4);

	assert_true(size <= KERNEL_MAX);
	memset(img, 0, size);
	memcpy(img, ELFMAG, SELFMAG);
	img[EI_CLASS] = k->is64 ? ELFCLASS64 : ELFCLASS32;
	img[EI_DATA] = ELFDATA2LSB;
	img[EI_VERSION] = EV_CURRENT;

	if (k->is64) {
		Elf64_Ehdr *eh = (Elf64_Ehdr *)img;

		eh->e_type = ET_EXEC;
		eh->e_machine = k->machine;
		eh->e_version = EV_CURRENT;
		eh->e_entry = k->entry + k->vaddr_offset;
		eh->e_phoff = PHOFF;
		eh->e_ehsize = sizeof(*eh);
		eh->e_phentsize = sizeof(Elf64_Phdr);
		eh->e_phnum = (uint16_t)nr_ph;
		for (unsigned int i = 0; i < k->nr_segs; i++) {
			Elf64_Phdr *ph = (Elf64_Phdr *)(img + PHOFF) + i;

			ph->p_type = PT_LOAD;
			ph->p_flags = k->segs[i].flags;
			ph->p_offset = seg_offset(k, i);
			ph->p_vaddr = k->segs[i].paddr + k->vaddr_offset;
			ph->p_paddr = k->segs[i].paddr;
			ph->p_filesz = k->segs[i].filesz;
			ph->p_memsz = k->segs[i].memsz;
			ph->p_align = PAGE_SIZE;
		}
		if (k->note_size) {
			Elf64_Phdr *ph = (Elf64_Phdr *)(img + PHOFF) + k->nr_segs;

			ph->p_type = PT_NOTE;
			ph->p_offset = NOTE_OFF;
			ph->p_filesz = note_len;
			ph->p_align = 4;
		}
	} else {
		Elf32_Ehdr *eh = (Elf32_Ehdr *)img;

		eh->e_type = ET_EXEC;
		eh->e_machine = k->machine;
		eh->e_version = EV_CURRENT;
		eh->e_entry = (uint32_t)k->entry;
		eh->e_phoff = PHOFF;
		eh->e_ehsize = sizeof(*eh);
		eh->e_phentsize = sizeof(Elf32_Phdr);
		eh->e_phnum = (uint16_t)nr_ph;
		for (unsigned int i = 0; i < k->nr_segs; i++) {
			Elf32_Phdr *ph = (Elf32_Phdr *)(img + PHOFF) + i;

			ph->p_type = PT_LOAD;
			ph->p_flags = k->segs[i].flags;
			ph->p_offset = (uint32_t)seg_offset(k, i);
			ph->p_vaddr = (uint32_t)k->segs[i].paddr;
			ph->p_paddr = (uint32_t)k->segs[i].paddr;
			ph->p_filesz = (uint32_t)k->segs[i].filesz;
			ph->p_memsz = (uint32_t)k->segs[i].memsz;
			ph->p_align = PAGE_SIZE;
		}
		if (k->note_size) {
			Elf32_Phdr *ph = (Elf32_Phdr *)(img + PHOFF) + k->nr_segs;

			ph->p_type = PT_NOTE;
			ph->p_offset = NOTE_OFF;
			ph->p_filesz = note_len;
			ph->p_align = 4;
		}
	}

	if (k->note_size) {
		uint32_t header[3] = { 4, k->note_size, XEN_ELFNOTE_PHYS32_ENTRY };

		memcpy(note, header, sizeof(header));
		memcpy(note + 12, "Xen", 4);
		memcpy(note + 16, &k->entry, MIN(k->note_size, sizeof(k->entry)));
	}
	for (unsigned int i = 0; i < k->nr_segs; i++)
		for (uint64_t j = 0; j < k->segs[i].filesz; j++)
			img[seg_offset(k, i) + j] = seg_byte(i, j);
	return size;
}

/* ---- fixtures ---- */

static struct domain dom;
static struct vcpu vcpu0;
static struct boot_module kernel_mod, initrd_mod;
static uint8_t *before; /* guest RAM as it was before the build */
static char err[256];
static uint64_t baseline_free;

static int setup(void **state)
{
	fake_physmem_init(0, ARENA_SIZE);
	memset(phys_to_virt(0), 0xa5, ARENA_SIZE);
	if (page_alloc_init(test_map, ARRAY_SIZE(test_map)) != 0)
		return -1;
	baseline_free = page_alloc_free_frames();
	fake_console_reset();

	memset(&dom, 0, sizeof(dom));
	memset(&vcpu0, 0, sizeof(vcpu0));
	strcpy(dom.name, "test");
	vcpu0.domain = &dom;
	dom.vcpus[0] = &vcpu0;
	dom.nr_vcpus = 1;
	memset(&pvh, 0, sizeof(pvh));
	memset(err, '?', sizeof(err));

	memset(&kernel_mod, 0, sizeof(kernel_mod));
	kernel_mod.base = KERNEL_BASE;
	strcpy(kernel_mod.name, "vmlinux");
	memset(&initrd_mod, 0, sizeof(initrd_mod));
	initrd_mod.base = INITRD_BASE;
	strcpy(initrd_mod.name, "initrd");
	before = NULL;
	return 0;
}

static int teardown(void **state)
{
	if (dom.chunks)
		domain_memory_free(&dom);
	free(before);
	fake_physmem_free();
	return 0;
}

/* Guest RAM of the given size, every byte MARKER except page 0 which holds its own bytes. */
static void make_memory(uint64_t bytes)
{
	assert_int_equal(domain_memory_alloc(&dom, bytes), 0);
	before = malloc(bytes);
	assert_non_null(before);
	memset(before, MARKER, bytes);
	for (uint64_t i = 0; i < PAGE_SIZE; i++)
		before[i] = (uint8_t)(i ^ 0x3c);
	assert_int_equal(guest_phys_write(&dom, 0, before, bytes), 0);
}

static void make_initrd(uint64_t size, const char *cmdline)
{
	uint8_t *p = phys_to_virt(INITRD_BASE);

	assert_true(size <= INITRD_MAX);
	for (uint64_t i = 0; i < size; i++)
		p[i] = (uint8_t)(i * 3 + 0x40);
	initrd_mod.size = size;
	strcpy(initrd_mod.cmdline, cmdline);
}

static int build(const struct kernel_spec *k, bool with_initrd)
{
	kernel_mod.size = build_kernel(k);
	return domain_build(&dom, &kernel_mod, with_initrd ? &initrd_mod : NULL, err, sizeof(err));
}

static uint8_t *read_guest(uint64_t gpa, uint64_t len)
{
	uint8_t *buf = malloc(len ? len : 1);

	assert_non_null(buf);
	assert_int_equal(guest_phys_read(&dom, buf, gpa, len), 0);
	return buf;
}

/* A failed build wrote nothing to guest memory and did not touch vCPU 0. */
static void assert_untouched(void)
{
	uint8_t *now = read_guest(0, dom.memory_bytes);

	assert_memory_equal(now, before, dom.memory_bytes);
	free(now);
	assert_int_equal(pvh.calls, 0);
}

static void assert_error(int rc, int expected_rc, const char *expected)
{
	assert_int_equal(rc, expected_rc);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	if (!strstr(err, expected))
		fail_msg("error \"%s\" lacks \"%s\"", err, expected);
	assert_true(strncmp(err, "domain 'test': ", 15) == 0);
	assert_untouched();
}

struct range {
	uint64_t start;
	uint64_t end;
};

static bool overlaps(struct range a, struct range b)
{
	return a.start < b.end && b.start < a.end;
}

/*
 * What the guest finds: the start_info EBX points at, checked field by
 * field, and every byte of guest RAM: segment bytes, zeroed BSS, the
 * objects the builder placed, and the marker everywhere else.
 */
struct expect {
	const struct kernel_spec *k;
	uint32_t entry;
	const char *cmdline;
	bool initrd;
	const char *initrd_cmdline; /* NULL: none */
};

static struct range check_guest(const struct expect *e, struct range *initrd_out)
{
	const struct kernel_spec *k = e->k;
	struct hvm_start_info si;
	struct hvm_memmap_table_entry mm;
	struct range info, initrd = { 0, 0 };
	uint8_t *now, *expect;
	uint64_t mem = dom.memory_bytes;

	assert_int_equal(pvh.calls, 1);
	assert_ptr_equal(pvh.v, &vcpu0);
	assert_int_equal(pvh.entry, e->entry);

	/* start_info: page aligned, above page 0, below 1 GiB, outside the kernel. */
	info.start = pvh.ebx;
	info.end = info.start + PAGE_SIZE;
	assert_int_equal(info.start % PAGE_SIZE, 0);
	assert_true(info.start >= PAGE_SIZE);
	assert_true(info.end <= mem && info.end <= LIMIT_1G);
	for (unsigned int i = 0; i < k->nr_segs; i++) {
		struct range s = { k->segs[i].paddr, k->segs[i].paddr + k->segs[i].memsz };

		assert_false(overlaps(s, info));
	}

	assert_int_equal(guest_phys_read(&dom, &si, info.start, sizeof(si)), 0);
	assert_int_equal(si.magic, XEN_HVM_START_MAGIC_VALUE);
	assert_int_equal(si.version, 1);
	assert_int_equal(si.flags, 0);
	assert_int_equal(si.rsdp_paddr, 0);
	assert_int_equal(si.reserved, 0);
	assert_int_equal(si.memmap_entries, 1);
	/* Everything start_info points at sits in its block. */
	assert_true(si.memmap_paddr >= info.start + sizeof(si));
	assert_true(si.memmap_paddr + sizeof(mm) <= info.end);
	assert_int_equal(guest_phys_read(&dom, &mm, si.memmap_paddr, sizeof(mm)), 0);
	assert_int_equal(mm.addr, 0);
	assert_int_equal(mm.size, mem);
	assert_int_equal(mm.type, XEN_HVM_MEMMAP_TYPE_RAM);
	assert_int_equal(mm.reserved, 0);

	assert_true(si.cmdline_paddr >= info.start + sizeof(si));
	assert_true(si.cmdline_paddr + strlen(e->cmdline) + 1 <= info.end);
	/* Compared with its terminator, which the guest needs. */
	uint8_t *cmdline = read_guest(si.cmdline_paddr, strlen(e->cmdline) + 1);
	assert_memory_equal(cmdline, e->cmdline, strlen(e->cmdline) + 1);
	free(cmdline);

	if (e->initrd) {
		struct hvm_modlist_entry mod;

		assert_int_equal(si.nr_modules, 1);
		assert_true(si.modlist_paddr >= info.start + sizeof(si));
		assert_true(si.modlist_paddr + sizeof(mod) <= info.end);
		assert_int_equal(guest_phys_read(&dom, &mod, si.modlist_paddr, sizeof(mod)), 0);
		assert_int_equal(mod.size, initrd_mod.size);
		assert_int_equal(mod.reserved, 0);
		initrd.start = mod.paddr;
		initrd.end = mod.paddr + mod.size;
		assert_int_equal(initrd.start % PAGE_SIZE, 0);
		assert_true(initrd.start >= PAGE_SIZE);
		assert_true(initrd.end <= mem && initrd.end <= LIMIT_1G);
		assert_false(overlaps(initrd, info));
		for (unsigned int i = 0; i < k->nr_segs; i++) {
			struct range s = { k->segs[i].paddr, k->segs[i].paddr + k->segs[i].memsz };

			assert_false(overlaps(initrd, s));
		}
		if (e->initrd_cmdline) {
			size_t len = strlen(e->initrd_cmdline) + 1;
			uint8_t *s = read_guest(mod.cmdline_paddr, len);

			assert_true(mod.cmdline_paddr >= info.start &&
				    mod.cmdline_paddr + len <= info.end);
			assert_memory_equal(s, e->initrd_cmdline, len);
			free(s);
		} else {
			assert_int_equal(mod.cmdline_paddr, 0);
		}
	} else {
		assert_int_equal(si.nr_modules, 0);
		assert_int_equal(si.modlist_paddr, 0);
	}

	/* Every byte of guest RAM: what each object should hold, the marker elsewhere. */
	expect = malloc(mem);
	assert_non_null(expect);
	memcpy(expect, before, mem);
	for (unsigned int i = 0; i < k->nr_segs; i++) {
		const struct seg *s = &k->segs[i];

		for (uint64_t j = 0; j < s->memsz; j++)
			expect[s->paddr + j] = j < s->filesz ? seg_byte(i, j) : 0;
	}
	for (uint64_t j = initrd.start; j < initrd.end; j++)
		expect[j] = (uint8_t)((j - initrd.start) * 3 + 0x40);
	now = read_guest(0, mem);
	/* The start_info block is the builder's to lay out: compare it apart. */
	memcpy(expect + info.start, now + info.start, PAGE_SIZE);
	for (uint64_t j = 0; j < mem; j++)
		if (now[j] != expect[j])
			fail_msg("guest byte 0x%llx is 0x%02x, expected 0x%02x",
				 (unsigned long long)j, now[j], expect[j]);
	free(now);
	free(expect);

	if (initrd_out)
		*initrd_out = initrd;
	return info;
}

/* ---- successful builds ---- */

/* XTF's hvm64 layout: ELFCLASS32, x86-64, one RWX PT_LOAD with a BSS, a 4-byte note. */
static const struct seg xtf_segs[] = {
	{ .paddr = 0x100000, .filesz = 0x2345, .memsz = 0x9000, .flags = PF_R | PF_W | PF_X },
};

static void test_xtf_style_kernel(void **state)
{
	const struct kernel_spec k = {
		.is64 = false, .machine = EM_X86_64, .segs = xtf_segs, .nr_segs = 1,
		.note_size = 4, .entry = 0x100000,
	};
	struct expect e = { .k = &k, .entry = 0x100000, .cmdline = "" };
	struct range info;

	make_memory(16 * MiB);
	assert_int_equal(build(&k, false), 0);
	assert_string_equal(err, "");
	info = check_guest(&e, NULL);
	/* First fit right after the kernel's last byte. */
	assert_int_equal(info.start, 0x109000);
	assert_non_null(strstr(fake_console_output(), "domain 'test': kernel 'vmlinux' at "
						       "[0x100000-0x109000), PVH entry 0x100000, "
						       "start_info at 0x109000"));
}

static void test_elf32_i386_kernel(void **state)
{
	const struct seg segs[] = {
		{ .paddr = 0x200000, .filesz = 0x1000, .memsz = 0x1800, .flags = PF_R | PF_X },
	};
	const struct kernel_spec k = {
		.is64 = false, .machine = EM_386, .segs = segs, .nr_segs = 1,
		.note_size = 4, .entry = 0x200010,
	};
	struct expect e = { .k = &k, .entry = 0x200010, .cmdline = "quiet" };

	make_memory(4 * MiB);
	strcpy(kernel_mod.cmdline, "quiet");
	assert_int_equal(build(&k, false), 0);
	check_guest(&e, NULL);
}

/* Linux's vmlinux layout: 64-bit, high virtual addresses, several segments, an 8-byte note. */
static const struct seg linux_segs[] = {
	{ .paddr = 0x1000000, .filesz = 0x3000, .memsz = 0x3000, .flags = PF_R | PF_X },
	{ .paddr = 0x1200000, .filesz = 0x1800, .memsz = 0x1800, .flags = PF_R },
	{ .paddr = 0x1400000, .filesz = 0x1234, .memsz = 0x6000, .flags = PF_R | PF_W },
};

static const struct kernel_spec linux_kernel = {
	.is64 = true, .machine = EM_X86_64, .segs = linux_segs, .nr_segs = 3,
	.note_size = 8, .entry = 0x1000850, .vaddr_offset = 0xffffffff80000000ULL,
};

static void test_linux_style_kernel_with_initrd(void **state)
{
	struct expect e = {
		.k = &linux_kernel, .entry = 0x1000850,
		.cmdline = "console=hvc0 earlyprintk=xen root=/dev/ram0", .initrd = true,
		.initrd_cmdline = "initrd-args",
	};
	struct range info, initrd;

	make_memory(32 * MiB);
	make_initrd(100000, "initrd-args");
	strcpy(kernel_mod.cmdline, e.cmdline);
	assert_int_equal(build(&linux_kernel, true), 0);
	info = check_guest(&e, &initrd);
	/* The initrd first, right above the kernel, then the start_info block. */
	assert_int_equal(initrd.start, 0x1406000);
	assert_int_equal(info.start, ALIGN_UP(initrd.end, PAGE_SIZE));
	assert_non_null(strstr(fake_console_output(), "PVH entry 0x1000850"));
}

static void test_initrd_without_cmdline(void **state)
{
	struct expect e = { .k = &linux_kernel, .entry = 0x1000850, .cmdline = "", .initrd = true };

	make_memory(32 * MiB);
	make_initrd(PAGE_SIZE, "");
	assert_int_equal(build(&linux_kernel, true), 0);
	check_guest(&e, NULL);
}

/* A kernel reaching the top of memory: everything goes below it, from 0x1000 up. */
static void test_placement_below_kernel(void **state)
{
	const struct seg segs[] = {
		{ .paddr = 0x800000, .filesz = 0x100, .memsz = 0x800000, .flags = PF_R | PF_X },
	};
	const struct kernel_spec k = {
		.is64 = true, .machine = EM_X86_64, .segs = segs, .nr_segs = 1,
		.note_size = 8, .entry = 0x800000,
	};
	struct expect e = { .k = &k, .entry = 0x800000, .cmdline = "x", .initrd = true };
	struct range info, initrd;

	make_memory(16 * MiB);
	make_initrd(0x4800, "");
	strcpy(kernel_mod.cmdline, "x");
	assert_int_equal(build(&k, true), 0);
	info = check_guest(&e, &initrd);
	assert_int_equal(initrd.start, 0x1000);
	assert_int_equal(info.start, 0x6000);
}

/* Room above the kernel for the initrd only: start_info goes below. */
static void test_placement_split(void **state)
{
	const struct seg segs[] = {
		{ .paddr = 0x100000, .filesz = 0x10, .memsz = 0xef9000, .flags = PF_R | PF_X },
	};
	const struct kernel_spec k = {
		.is64 = true, .machine = EM_X86_64, .segs = segs, .nr_segs = 1,
		.note_size = 8, .entry = 0x100000,
	};
	struct expect e = { .k = &k, .entry = 0x100000, .cmdline = "", .initrd = true };
	struct range info, initrd;

	make_memory(16 * MiB);
	make_initrd(7 * PAGE_SIZE, "");
	assert_int_equal(build(&k, true), 0);
	info = check_guest(&e, &initrd);
	assert_int_equal(initrd.start, 0xff9000);
	assert_int_equal(initrd.end, 16 * MiB);
	assert_int_equal(info.start, 0x1000);
}

/* Segments may touch each other and the last byte of memory; empty ones are ignored. */
static void test_segments_at_the_edges(void **state)
{
	const struct seg segs[] = {
		{ .paddr = 0x1000, .filesz = 0x1000, .memsz = 0x1000, .flags = PF_R | PF_X },
		{ .paddr = 0x2000, .filesz = 0x800, .memsz = 0x1000, .flags = PF_R | PF_W },
		{ .paddr = 0x1800, .filesz = 0, .memsz = 0, .flags = PF_R },
		{ .paddr = 0, .filesz = 0, .memsz = 0, .flags = PF_R | PF_X },
		{ .paddr = 1 * MiB, .filesz = 0x10, .memsz = PAGE_SIZE, .flags = PF_R },
	};
	const struct kernel_spec k = {
		.is64 = true, .machine = EM_X86_64, .segs = segs, .nr_segs = 5,
		.note_size = 4, .entry = 0x1fff,
	};
	struct expect e = { .k = &k, .entry = 0x1fff, .cmdline = "" };

	make_memory(2 * MiB);
	assert_int_equal(build(&k, false), 0);
	assert_int_equal(check_guest(&e, NULL).start, 1 * MiB + PAGE_SIZE);
}

/* ---- refused kernels ---- */

static void test_no_pvh_note(void **state)
{
	const struct kernel_spec k = {
		.is64 = false, .machine = EM_X86_64, .segs = xtf_segs, .nr_segs = 1,
		.note_size = 0, .entry = 0x100000,
	};

	make_memory(16 * MiB);
	strcpy(kernel_mod.name, "xtf");
	assert_error(build(&k, false), -ENOEXEC,
		     "kernel 'xtf' has no XEN_ELFNOTE_PHYS32_ENTRY note (not a PVH kernel)");
	assert_string_equal(err, "domain 'test': kernel 'xtf' has no XEN_ELFNOTE_PHYS32_ENTRY "
				 "note (not a PVH kernel)");
}

static void test_bad_note_values(void **state)
{
	struct kernel_spec k = {
		.is64 = true, .machine = EM_X86_64, .segs = xtf_segs, .nr_segs = 1,
		.note_size = 8, .entry = 0x100000100000ULL,
	};

	make_memory(16 * MiB);
	assert_error(build(&k, false), -ENOEXEC, "PVH entry point 0x100000100000 is above 4 GiB");
	k.note_size = 2;
	k.entry = 0x100000;
	assert_error(build(&k, false), -ENOEXEC, "has 2 bytes, not 4 or 8");
}

static void test_entry_outside_executable_segment(void **state)
{
	const struct seg segs[] = {
		{ .paddr = 0x100000, .filesz = 0x1000, .memsz = 0x2000, .flags = PF_R | PF_X },
		{ .paddr = 0x200000, .filesz = 0x1000, .memsz = 0x1000, .flags = PF_R | PF_W },
	};
	struct kernel_spec k = {
		.is64 = true, .machine = EM_X86_64, .segs = segs, .nr_segs = 2,
		.note_size = 8, .entry = 0x300000,
	};

	make_memory(16 * MiB);
	assert_error(build(&k, false), -ENOEXEC,
		     "PVH entry point 0x300000 is not inside an executable segment");
	/* Inside a loaded but non-executable segment. */
	k.entry = 0x200010;
	assert_error(build(&k, false), -ENOEXEC, "0x200010 is not inside an executable segment");
	/* One past the end of the executable one. */
	k.entry = 0x102000;
	assert_error(build(&k, false), -ENOEXEC, "0x102000 is not inside an executable segment");
	k.entry = 0x101fff;
	assert_int_equal(build(&k, false), 0);
}

static void test_segment_beyond_memory(void **state)
{
	const struct seg segs[] = {
		{ .paddr = 0x100000, .filesz = 0x1000, .memsz = 0x1000, .flags = PF_R | PF_X },
		{ .paddr = 0x100000 + 0x1000, .filesz = 0x1000, .memsz = 0x9000000 - 0x1000,
		  .flags = PF_R | PF_W },
	};
	const struct seg edge[] = {
		{ .paddr = 16 * MiB - PAGE_SIZE, .filesz = 0x10, .memsz = PAGE_SIZE + 1,
		  .flags = PF_R | PF_X },
	};
	const struct kernel_spec k = {
		.is64 = true, .machine = EM_X86_64, .segs = segs, .nr_segs = 2,
		.note_size = 8, .entry = 0x100000,
	};
	const struct kernel_spec k_edge = {
		.is64 = true, .machine = EM_X86_64, .segs = edge, .nr_segs = 1,
		.note_size = 8, .entry = 16 * MiB - PAGE_SIZE,
	};

	make_memory(16 * MiB);
	strcpy(kernel_mod.name, "k");
	strcpy(dom.name, "x");
	assert_int_equal(build(&k, false), -ENOMEM);
	assert_string_equal(err, "domain 'x': kernel 'k' segment 1 [0x101000-0x9100000) does not "
				 "fit in 16 MiB of guest memory");
	assert_untouched();
	strcpy(dom.name, "test");
	assert_error(build(&k_edge, false), -ENOMEM,
		     "segment 0 [0xfff000-0x1000001) does not fit in 16 MiB");
}

static void test_overlapping_segments(void **state)
{
	const struct seg segs[] = {
		{ .paddr = 0x100000, .filesz = 0x1000, .memsz = 0x3000, .flags = PF_R | PF_X },
		{ .paddr = 0x400000, .filesz = 0x1000, .memsz = 0x1000, .flags = PF_R },
		{ .paddr = 0x102fff, .filesz = 0x1, .memsz = 0x10, .flags = PF_R | PF_W },
	};
	const struct kernel_spec k = {
		.is64 = true, .machine = EM_X86_64, .segs = segs, .nr_segs = 3,
		.note_size = 8, .entry = 0x100000,
	};

	make_memory(16 * MiB);
	assert_error(build(&k, false), -ENOEXEC,
		     "segments 0 [0x100000-0x103000) and 2 [0x102fff-0x10300f) overlap");
}

static void test_segment_in_page_0(void **state)
{
	const struct seg segs[] = {
		{ .paddr = 0x800, .filesz = 0x100, .memsz = 0x1000, .flags = PF_R | PF_X },
	};
	const struct kernel_spec k = {
		.is64 = false, .machine = EM_X86_64, .segs = segs, .nr_segs = 1,
		.note_size = 4, .entry = 0x1000,
	};

	make_memory(2 * MiB);
	assert_error(build(&k, false), -ENOEXEC,
		     "segment 0 [0x800-0x1800) overlaps guest page 0");
}

static void test_bad_elf(void **state)
{
	const struct kernel_spec k = {
		.is64 = true, .machine = EM_X86_64, .segs = xtf_segs, .nr_segs = 1,
		.note_size = 8, .entry = 0x100000,
	};
	uint8_t *img = phys_to_virt(KERNEL_BASE);

	make_memory(16 * MiB);
	kernel_mod.size = build_kernel(&k);
	img[1] = 'X';
	assert_error(domain_build(&dom, &kernel_mod, NULL, err, sizeof(err)), -ENOEXEC,
		     "kernel 'vmlinux' is not a usable ELF image: bad magic");

	/* Truncated: the segment's file bytes run past the module's end. */
	build_kernel(&k);
	kernel_mod.size = seg_offset(&k, 0) + xtf_segs[0].filesz - 1;
	assert_error(domain_build(&dom, &kernel_mod, NULL, err, sizeof(err)), -ENOEXEC,
		     "is not a usable ELF image: a PT_LOAD segment runs past the end of the file");

	kernel_mod.size = 0;
	assert_error(domain_build(&dom, &kernel_mod, NULL, err, sizeof(err)), -ENOEXEC,
		     "is not a usable ELF image");

	/* Machine neither x86-64 nor i386. */
	const struct kernel_spec arm = {
		.is64 = true, .machine = EM_AARCH64, .segs = xtf_segs, .nr_segs = 1,
		.note_size = 8, .entry = 0x100000,
	};
	assert_error(build(&arm, false), -ENOEXEC, "machine is neither x86-64 nor i386");
}

/* ---- no room, bad arguments ---- */

static void test_no_room_for_start_info(void **state)
{
	const struct seg segs[] = {
		{ .paddr = 0x1000, .filesz = 0x10, .memsz = 2 * MiB - 0x1000,
		  .flags = PF_R | PF_X },
	};
	const struct kernel_spec k = {
		.is64 = true, .machine = EM_X86_64, .segs = segs, .nr_segs = 1,
		.note_size = 8, .entry = 0x1000,
	};

	make_memory(2 * MiB);
	assert_error(build(&k, false), -ENOMEM, "no room below 1 GiB outside kernel 'vmlinux' "
						"for the PVH start info");
}

static void test_no_room_for_initrd(void **state)
{
	make_memory(32 * MiB);
	make_initrd(PAGE_SIZE, "");
	initrd_mod.size = 40 * MiB; /* never read: refused before the copy */
	assert_error(build(&linux_kernel, true), -ENOMEM,
		     "for initrd 'initrd' (41943040 bytes) in 32 MiB of guest memory");
}

/* An initrd too big for the room above the kernel goes below it; start_info still above. */
static void test_placement_initrd_below(void **state)
{
	struct expect e = { .k = &linux_kernel, .entry = 0x1000850, .cmdline = "", .initrd = true };
	struct range info, initrd;

	make_memory(32 * MiB);
	make_initrd(32 * MiB - 0x1406000 + PAGE_SIZE, "");
	assert_int_equal(build(&linux_kernel, true), 0);
	info = check_guest(&e, &initrd);
	assert_int_equal(initrd.start, 0x1000);
	assert_int_equal(info.start, 0x1406000);
}

static void test_bad_arguments(void **state)
{
	const struct kernel_spec k = {
		.is64 = true, .machine = EM_X86_64, .segs = xtf_segs, .nr_segs = 1,
		.note_size = 8, .entry = 0x100000,
	};

	kernel_mod.size = build_kernel(&k);
	assert_int_equal(domain_build(&dom, &kernel_mod, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "domain 'test': no guest memory allocated");

	make_memory(16 * MiB);
	dom.vcpus[0] = NULL;
	assert_error(domain_build(&dom, &kernel_mod, NULL, err, sizeof(err)), -EINVAL,
		     "no vCPU 0");
	dom.vcpus[0] = &vcpu0;

	make_initrd(0, "");
	assert_error(domain_build(&dom, &kernel_mod, &initrd_mod, err, sizeof(err)), -EINVAL,
		     "initrd 'initrd' is empty");
}

/* A short error buffer is truncated and terminated; none at all is allowed. */
static void test_error_buffer_sizes(void **state)
{
	const struct kernel_spec k = {
		.is64 = true, .machine = EM_X86_64, .segs = xtf_segs, .nr_segs = 1,
		.note_size = 0, .entry = 0x100000,
	};

	make_memory(16 * MiB);
	kernel_mod.size = build_kernel(&k);
	assert_int_equal(domain_build(&dom, &kernel_mod, NULL, err, 10), -ENOEXEC);
	assert_string_equal(err, "domain 't");
	assert_int_equal(err[10], '?');
	assert_int_equal(domain_build(&dom, &kernel_mod, NULL, err, 20), -ENOEXEC);
	assert_string_equal(err, "domain 'test': kern");
	assert_int_equal(domain_build(&dom, &kernel_mod, NULL, NULL, 0), -ENOEXEC);
	assert_untouched();
}

/* Names and command lines filling their arrays without a terminator are still bounded. */
static void test_unterminated_module_strings(void **state)
{
	struct expect e = { .k = &linux_kernel, .entry = 0x1000850, .initrd = true };
	char cmdline[BOOT_MODULE_CMDLINE_MAX + 1], initrd_cmdline[BOOT_MODULE_CMDLINE_MAX + 1];
	char name[BOOT_MODULE_NAME_MAX + 16];

	make_memory(32 * MiB);
	make_initrd(PAGE_SIZE, "");
	memset(kernel_mod.cmdline, 'c', sizeof(kernel_mod.cmdline));
	memset(initrd_mod.cmdline, 'i', sizeof(initrd_mod.cmdline));
	memset(kernel_mod.name, 'n', sizeof(kernel_mod.name));
	memset(cmdline, 'c', BOOT_MODULE_CMDLINE_MAX);
	cmdline[BOOT_MODULE_CMDLINE_MAX] = '\0';
	memset(initrd_cmdline, 'i', BOOT_MODULE_CMDLINE_MAX);
	initrd_cmdline[BOOT_MODULE_CMDLINE_MAX] = '\0';
	e.cmdline = cmdline;
	e.initrd_cmdline = initrd_cmdline;
	assert_int_equal(build(&linux_kernel, true), 0);
	check_guest(&e, NULL);
	snprintf(name, sizeof(name), "kernel '%.*s' at", BOOT_MODULE_NAME_MAX,
		 "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
	assert_non_null(strstr(fake_console_output(), name));
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_xtf_style_kernel),
		TEST(test_elf32_i386_kernel),
		TEST(test_linux_style_kernel_with_initrd),
		TEST(test_initrd_without_cmdline),
		TEST(test_placement_below_kernel),
		TEST(test_placement_split),
		TEST(test_placement_initrd_below),
		TEST(test_segments_at_the_edges),
		TEST(test_no_pvh_note),
		TEST(test_bad_note_values),
		TEST(test_entry_outside_executable_segment),
		TEST(test_segment_beyond_memory),
		TEST(test_overlapping_segments),
		TEST(test_segment_in_page_0),
		TEST(test_bad_elf),
		TEST(test_no_room_for_start_info),
		TEST(test_no_room_for_initrd),
		TEST(test_bad_arguments),
		TEST(test_error_buffer_sizes),
		TEST(test_unterminated_module_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
