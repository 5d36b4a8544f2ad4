/*
 * Grant tables between three domains of this one kernel, roles by domain id
 * (CPUID leaf 0x40000004 ECX; boot order gives 1, 2, 3):
 *   d1, the granter: places its table with add_to_physmap, grants pages;
 *   d2, the mapper: maps and copies them, and checks every bad input;
 *   d3, the vandal: maps a read-only grant and writes to it - it must be
 *       crashed (EPT violation), and the page must stay intact.
 * There is no XenStore or event channel: the references are fixed (d1 grants
 * ref 8 of page P to d2, ...) and the mapper retries until the grant exists.
 * Word 0 and 1 of page P are the mailbox: d2 writes its progress to word 0
 * (through its mapping, later by grant copy), d1 its answers to word 1.
 * At the end d1 shuts down while d2 still maps one of its pages: d2 must then
 * see its own RAM again at that address, and its handle must be gone.
 */
#include "core/public/grant_table.h"
#include "rt/rt.h"

const char test_title[] = "grant: map, unmap, copy between domains; bad inputs; teardown";

#define GRANTER 1
#define MAPPER 2
#define VANDAL 3

#define REF_P 8        /* page P, writable, to d2 */
#define REF_R 9        /* page R, read-only, to d2 */
#define REF_FOREIGN 10 /* page P, to d3: d2 may not use it */
#define REF_Q 11       /* page Q, writable, to d2, mapped when d1 dies */
#define REF_R2 12      /* page R2, read-only, to d3 */
#define REF_M 13       /* page M, writable, to d3: its mailbox */

/* Where the mapper maps grants: beyond its RAM, inside the boot identity map. */
#define MAP_P 0x10000000ull
#define MAP_R 0x10001000ull

#define B_MAPPED 0xb1
#define B_COPIED 0xb2
#define B_HOLDS_Q 0xb3
#define A_CHECKED_MAP 0xa1
#define A_CHECKED_COPY 0xa2
#define C_MAPPED 0xc1

#define WAIT_YIELDS 200000

static uint8_t table_frame[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t page_p[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t page_r[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t page_q[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t page_r2[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t page_m[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t local[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t under_q[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static int64_t gnttab_op(unsigned int cmd, void *uop, unsigned int count)
{
	return hypercall_page_call(__HYPERVISOR_grant_table_op, cmd, HCALL_ARG(uop), count, 0, 0);
}

static uint64_t gfn_of(const void *p)
{
	return (uint64_t)(uintptr_t)p >> PAGE_SHIFT; /* the runtime maps VA == PA */
}

static uint8_t pattern(unsigned int seed, unsigned int i)
{
	return (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

static void fill(uint8_t *page, unsigned int seed)
{
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		page[i] = pattern(seed, i);
}

/* Bytes of [from, to) that differ from the pattern. */
static unsigned int mismatches(const volatile uint8_t *page, unsigned int seed, unsigned int from,
			       unsigned int to)
{
	unsigned int bad = 0;

	for (unsigned int i = from; i < to; i++)
		bad += page[i] != pattern(seed, i);
	return bad;
}

static volatile uint32_t *mailbox(void *page, unsigned int word)
{
	return (volatile uint32_t *)page + word;
}

/* Yields until *word == value; false (and a failure) after WAIT_YIELDS. */
static bool wait_word(volatile uint32_t *word, uint32_t value, const char *what)
{
	for (unsigned int i = 0; i < WAIT_YIELDS; i++) {
		if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == value)
			return true;
		hypercall_yield();
	}
	test_fail("gave up waiting for %s (word is %#x)", what, *word);
	return false;
}

static int16_t map(domid_t dom, grant_ref_t ref, uint64_t gpa, uint32_t flags,
		   grant_handle_t *handle)
{
	struct gnttab_map_grant_ref op = { .host_addr = gpa, .flags = flags, .ref = ref,
					   .dom = dom, .status = 99 };
	int64_t rc = gnttab_op(GNTTABOP_map_grant_ref, &op, 1);

	if (rc)
		return (int16_t)-1000;
	if (handle)
		*handle = op.handle;
	return op.status;
}

static int16_t unmap(grant_handle_t handle, uint64_t gpa)
{
	struct gnttab_unmap_grant_ref op = { .host_addr = gpa, .handle = handle, .status = 99 };

	return gnttab_op(GNTTABOP_unmap_grant_ref, &op, 1) ? (int16_t)-1000 : op.status;
}

/* Maps, retrying while the granter has not granted it yet. */
static int16_t map_retry(domid_t dom, grant_ref_t ref, uint64_t gpa, uint32_t flags,
			 grant_handle_t *handle)
{
	int16_t st = GNTST_general_error;

	for (unsigned int i = 0; i < WAIT_YIELDS && st == GNTST_general_error; i++) {
		st = map(dom, ref, gpa, flags, handle);
		if (st == GNTST_general_error)
			hypercall_yield();
	}
	return st;
}

static struct gnttab_copy copy_op(uint64_t src, domid_t sdom, uint16_t soff, uint64_t dst,
				  domid_t ddom, uint16_t doff, uint16_t len, uint16_t flags)
{
	struct gnttab_copy op = { .len = len, .flags = flags, .status = 99 };

	op.source.u.gmfn = src;
	op.source.domid = sdom;
	op.source.offset = soff;
	op.dest.u.gmfn = dst;
	op.dest.domid = ddom;
	op.dest.offset = doff;
	return op;
}

static int16_t copy1(struct gnttab_copy op)
{
	return gnttab_op(GNTTABOP_copy, &op, 1) ? (int16_t)-1000 : op.status;
}

/* Writes word 0 of page P (the mapper's progress) by grant copy. */
static bool post_progress(uint32_t value)
{
	*(volatile uint32_t *)local = value;
	return check_eq("progress posted by copy",
			copy1(copy_op(gfn_of(local), DOMID_SELF, 0, REF_P, GRANTER, 0, 4,
				      GNTCOPY_dest_gref)),
			GNTST_okay);
}

/* Reads word 1 of page P (the granter's answer) by grant copy, until it is value. */
static bool wait_answer(uint32_t value, const char *what)
{
	for (unsigned int i = 0; i < WAIT_YIELDS; i++) {
		int16_t st = copy1(copy_op(REF_P, GRANTER, 4, gfn_of(local), DOMID_SELF, 4, 4,
					   GNTCOPY_source_gref));

		if (st != GNTST_okay)
			return check_eq("answer read by copy", st, GNTST_okay);
		if (*mailbox(local, 1) == value)
			return true;
		hypercall_yield();
	}
	test_fail("gave up waiting for %s", what);
	return false;
}

/* ---- the checks every domain can make alone ---- */

static void common_checks(domid_t self)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	struct gnttab_set_version sv = { .version = 2 };
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	uint64_t frames[2] = { 0, 0 };
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
					 .frame_list = HCALL_ARG(frames) };

	check_eq("query_size", gnttab_op(GNTTABOP_query_size, &q, 1), 0);
	check_eq("query_size status", q.status, GNTST_okay);
	check(q.nr_frames >= 1 && q.nr_frames <= q.max_nr_frames, "table of %u frames (max %u)",
	      q.nr_frames, q.max_nr_frames);
	check_eq("set_version(2) is not offered", gnttab_op(GNTTABOP_set_version, &sv, 1),
		 -ENOSYS);
	check_eq("set_version writes back the version in force", sv.version, 1);
	sv.version = 1;
	check_eq("set_version(1)", gnttab_op(GNTTABOP_set_version, &sv, 1), 0);
	check_eq("get_version", gnttab_op(GNTTABOP_get_version, &gv, 1), 0);
	check_eq("version", gv.version, 1);
	check_eq("setup_table", gnttab_op(GNTTABOP_setup_table, &st, 1), 0);
	check_eq("setup_table status", st.status, GNTST_okay);
	st.nr_frames = q.max_nr_frames + 1;
	check_eq("setup_table", gnttab_op(GNTTABOP_setup_table, &st, 1), 0);
	check_eq("setup_table past the table", st.status, GNTST_general_error);
	st.nr_frames = 1;
	st.dom = self == GRANTER ? MAPPER : GRANTER;
	check_eq("setup_table", gnttab_op(GNTTABOP_setup_table, &st, 1), 0);
	check_eq("setup_table of another domain", st.status, GNTST_permission_denied);
	check_eq("setup_table with count 2", gnttab_op(GNTTABOP_setup_table, &st, 2), -EINVAL);
	check_eq("a negative count", gnttab_op(GNTTABOP_copy, NULL, 0x80000000u), -EINVAL);
	check_eq("transfer is not offered", gnttab_op(GNTTABOP_transfer, NULL, 1), -ENOSYS);
	check_eq("a bad structure pointer",
		 gnttab_op(GNTTABOP_query_size, (void *)0x7ff000000000ull, 1), -EFAULT);
}

/* ---- d1 ---- */

static struct grant_entry_v1 *entry(grant_ref_t ref)
{
	return (struct grant_entry_v1 *)table_frame + ref;
}

static void grant_page(grant_ref_t ref, domid_t to, const void *page, uint16_t flags)
{
	struct grant_entry_v1 *e = entry(ref);

	e->domid = to;
	e->frame = (uint32_t)gfn_of(page);
	__atomic_store_n(&e->flags, GTF_permit_access | flags, __ATOMIC_RELEASE);
}

static uint16_t flags_of(grant_ref_t ref)
{
	return __atomic_load_n(&entry(ref)->flags, __ATOMIC_ACQUIRE);
}

static void granter(void)
{
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
					   .idx = 0, .gpfn = gfn_of(table_frame) };
	uint64_t frames[1] = { 0 };
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
					 .frame_list = HCALL_ARG(frames) };

	xatp.idx = 999;
	check_eq("add_to_physmap(grant_table) past the table",
		 hypercall_memory_op(XENMEM_add_to_physmap, &xatp), -EINVAL);
	xatp.idx = XENMAPIDX_grant_table_status;
	check_eq("add_to_physmap(grant_table status frame, v2)",
		 hypercall_memory_op(XENMEM_add_to_physmap, &xatp), -EINVAL);
	xatp.idx = 0;
	if (!check_eq("add_to_physmap(grant_table, 0)",
		      hypercall_memory_op(XENMEM_add_to_physmap, &xatp), 0))
		return;
	check_eq("setup_table", gnttab_op(GNTTABOP_setup_table, &st, 1), 0);
	check_eq("setup_table reports where frame 0 is", frames[0], gfn_of(table_frame));
	/* The frame is the hypervisor's, fresh: every entry invalid. */
	check_eq("a fresh table entry", entry(REF_P)->flags, GTF_invalid);

	/* A domain may map its own grant only if it granted itself. */
	grant_page(3, MAPPER, page_p, 0);
	check_eq("mapping a grant meant for another domain",
		 map(DOMID_SELF, 3, MAP_P, GNTMAP_host_map, NULL), GNTST_general_error);
	entry(3)->flags = 0;

	fill(page_p, 1);
	fill(page_r, 2);
	fill(page_q, 3);
	fill(page_r2, 4);
	*mailbox(page_p, 0) = 0;
	*mailbox(page_p, 1) = 0;
	*mailbox(page_m, 0) = 0;
	grant_page(REF_FOREIGN, VANDAL, page_p, 0);
	grant_page(REF_R, MAPPER, page_r, GTF_readonly);
	grant_page(REF_R2, VANDAL, page_r2, GTF_readonly);
	grant_page(REF_M, VANDAL, page_m, 0);
	grant_page(REF_P, MAPPER, page_p, 0);
	printk("granted refs %u-%u\n", REF_P, REF_M);

	/* d2 has both mapped and wrote its pattern into P through its mapping. */
	if (!wait_word(mailbox(page_p, 0), B_MAPPED, "d2 to map P and R"))
		return;
	check_eq("ref P flags while mapped writable", flags_of(REF_P),
		 GTF_permit_access | GTF_reading | GTF_writing);
	check_eq("ref R flags while mapped read-only", flags_of(REF_R),
		 GTF_permit_access | GTF_readonly | GTF_reading);
	check_eq("bytes d2 wrote into P through its mapping", mismatches(page_p, 5, 2048, 4096),
		 0);
	__atomic_store_n(mailbox(page_p, 1), A_CHECKED_MAP, __ATOMIC_RELEASE);

	/* d2 unmapped both and copied into P. */
	if (!wait_word(mailbox(page_p, 0), B_COPIED, "d2's copies"))
		return;
	check_eq("ref R flags once unmapped", flags_of(REF_R), GTF_permit_access | GTF_readonly);
	check_eq("bytes d2 copied into P", mismatches(page_p, 6, 1024, 1536), 0);
	check_eq("P's own bytes around them", mismatches(page_p, 1, 1536, 2048), 0);
	grant_page(REF_Q, MAPPER, page_q, 0);
	__atomic_store_n(mailbox(page_p, 1), A_CHECKED_COPY, __ATOMIC_RELEASE);

	/* d3 mapped R2 read-only; its write must crash it, which drops its pin. */
	if (!wait_word(mailbox(page_m, 0), C_MAPPED, "d3 to map R2"))
		return;
	for (unsigned int i = 0; i < WAIT_YIELDS && (flags_of(REF_R2) & GTF_reading); i++)
		hypercall_yield();
	check_eq("ref R2 flags once d3 is gone", flags_of(REF_R2), GTF_permit_access | GTF_readonly);
	check_eq("bytes of R2 after d3's write", mismatches(page_r2, 4, 0, PAGE_SIZE), 0);

	/* d2 now holds Q mapped: we end, and that mapping must go with us. */
	if (!wait_word(mailbox(page_p, 0), B_HOLDS_Q, "d2 to map Q"))
		return;
	check_eq("ref Q flags while mapped", flags_of(REF_Q),
		 GTF_permit_access | GTF_reading | GTF_writing);
	printk("ending with page Q mapped by d2\n");
}

/* ---- d2 ---- */

static void mapper_bad_inputs(void)
{
	grant_handle_t h = ~0u;

	check_eq("map without host_map", map(GRANTER, REF_P, MAP_P, 0, NULL), GNTST_bad_gntref);
	check_eq("map a PTE (PV only)",
		 map(GRANTER, REF_P, MAP_P, GNTMAP_host_map | GNTMAP_contains_pte, NULL),
		 GNTST_general_error);
	check_eq("map at an unaligned address", map(GRANTER, REF_P, MAP_P + 8, GNTMAP_host_map,
						    NULL),
		 GNTST_bad_virt_addr);
	check_eq("map from a domain that does not exist", map(9, REF_P, MAP_P, GNTMAP_host_map,
							      NULL),
		 GNTST_bad_domain);
	check_eq("map a ref past the table", map(GRANTER, 100000, MAP_P, GNTMAP_host_map, NULL),
		 GNTST_bad_gntref);
	check_eq("unmap a handle never given", unmap(777, MAP_P), GNTST_bad_handle);
	check_eq("copy past the page",
		 copy1(copy_op(gfn_of(local), DOMID_SELF, 4000, gfn_of(under_q), DOMID_SELF, 0,
			       200, 0)),
		 GNTST_bad_copy_arg);
	check_eq("copy from another domain's frame by number",
		 copy1(copy_op(gfn_of(page_p), GRANTER, 0, gfn_of(local), DOMID_SELF, 0, 8, 0)),
		 GNTST_permission_denied);
	check_eq("copy from own frame outside RAM",
		 copy1(copy_op(rt_ram_end() >> PAGE_SHIFT, DOMID_SELF, 0, gfn_of(local),
			       DOMID_SELF, 0, 8, 0)),
		 GNTST_bad_page);
	/* Wait for the grants, then the ones that stay refused. */
	if (!check_eq("map P (retried until granted)",
		      map_retry(GRANTER, REF_P, MAP_P, GNTMAP_host_map, &h), GNTST_okay))
		return;
	check_eq("unmap P", unmap(h, MAP_P), GNTST_okay);
	check_eq("map a grant meant for d3", map(GRANTER, REF_FOREIGN, MAP_P, GNTMAP_host_map,
						 NULL),
		 GNTST_general_error);
	check_eq("map a read-only grant writable", map(GRANTER, REF_R, MAP_R, GNTMAP_host_map,
						       NULL),
		 GNTST_general_error);
	check_eq("copy into a read-only grant",
		 copy1(copy_op(gfn_of(local), DOMID_SELF, 0, REF_R, GRANTER, 0, 8,
			       GNTCOPY_dest_gref)),
		 GNTST_general_error);
}

static void mapper(void)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)MAP_P;
	volatile uint8_t *r = (volatile uint8_t *)(uintptr_t)MAP_R;
	struct gnttab_copy batch[16];
	grant_handle_t hp = ~0u, hr = ~0u, hq = ~0u;
	unsigned int bad = 0;

	mapper_bad_inputs();
	if (!check_eq("map P", map(GRANTER, REF_P, MAP_P, GNTMAP_host_map, &hp), GNTST_okay) ||
	    !check_eq("map R read-only",
		      map(GRANTER, REF_R, MAP_R, GNTMAP_host_map | GNTMAP_readonly, &hr),
		      GNTST_okay))
		return;
	check_eq("P as mapped: the granter's bytes", mismatches(p, 1, 8, 4096), 0);
	check_eq("R as mapped read-only: the granter's bytes", mismatches(r, 2, 0, 4096), 0);
	for (unsigned int i = 2048; i < PAGE_SIZE; i++)
		p[i] = pattern(5, i);
	__atomic_store_n(mailbox((void *)p, 0), B_MAPPED, __ATOMIC_RELEASE);
	if (!wait_word(mailbox((void *)p, 1), A_CHECKED_MAP, "d1 to check the mappings"))
		return;
	check_eq("unmap R at the wrong address", unmap(hr, MAP_P), GNTST_general_error);
	check_eq("unmap R", unmap(hr, MAP_R), GNTST_okay);
	check_eq("unmap P", unmap(hp, MAP_P), GNTST_okay);
	check_eq("unmap P again", unmap(hp, MAP_P), GNTST_bad_handle);

	/* Copies, both directions. */
	memset(local, 0, sizeof(local));
	check_eq("copy from the read-only grant",
		 copy1(copy_op(REF_R, GRANTER, 0, gfn_of(local), DOMID_SELF, 0, PAGE_SIZE,
			       GNTCOPY_source_gref)),
		 GNTST_okay);
	check_eq("bytes copied from R", mismatches(local, 2, 0, PAGE_SIZE), 0);
	fill(local, 6);
	check_eq("copy into P at an offset",
		 copy1(copy_op(gfn_of(local), DOMID_SELF, 1024, REF_P, GRANTER, 1024, 512,
			       GNTCOPY_dest_gref)),
		 GNTST_okay);
	/* A batch of 16, each 256 bytes of R into a different place of local. */
	memset(local, 0, sizeof(local));
	for (unsigned int i = 0; i < 16; i++)
		batch[i] = copy_op(REF_R, GRANTER, (uint16_t)(i * 256), gfn_of(local), DOMID_SELF,
				   (uint16_t)((15 - i) * 256), 256, GNTCOPY_source_gref);
	batch[7].len = 4000; /* past the page: only this one fails */
	check_eq("a batch of 16 copies", gnttab_op(GNTTABOP_copy, batch, 16), 0);
	for (unsigned int i = 0; i < 16; i++)
		bad += batch[i].status != (i == 7 ? GNTST_bad_copy_arg : GNTST_okay);
	check_eq("statuses of the batch", bad, 0);
	bad = 0;
	for (unsigned int i = 0; i < 16; i++)
		for (unsigned int j = 0; j < 256 && i != 7; j++)
			bad += local[(15 - i) * 256 + j] != pattern(2, i * 256 + j);
	check_eq("bytes of the batch", bad, 0);
	if (!post_progress(B_COPIED) || !wait_answer(A_CHECKED_COPY, "d1 to check the copies"))
		return;

	/* Q over our own RAM page: when d1 dies we must see that page again. */
	fill(under_q, 7);
	if (!check_eq("map Q over our own page",
		      map(GRANTER, REF_Q, gfn_of(under_q) << PAGE_SHIFT, GNTMAP_host_map, &hq),
		      GNTST_okay))
		return;
	check_eq("Q as mapped", mismatches(under_q, 3, 0, PAGE_SIZE), 0);
	if (!post_progress(B_HOLDS_Q))
		return;
	for (unsigned int i = 0; i < WAIT_YIELDS && mismatches(under_q, 7, 0, 64); i++)
		hypercall_yield();
	check_eq("our own page back once d1 died", mismatches(under_q, 7, 0, PAGE_SIZE), 0);
	check_eq("the handle of Q went with d1", unmap(hq, gfn_of(under_q) << PAGE_SHIFT),
		 GNTST_bad_handle);
	check_eq("d1 is no granter any more", map(GRANTER, REF_Q, MAP_P, GNTMAP_host_map, NULL),
		 GNTST_bad_domain);
}

/* ---- d3 ---- */

static void vandal(void)
{
	volatile uint8_t *r2 = (volatile uint8_t *)(uintptr_t)MAP_R;

	if (!check_eq("map R2 read-only", map_retry(GRANTER, REF_R2, MAP_R,
						    GNTMAP_host_map | GNTMAP_readonly, NULL),
		      GNTST_okay))
		return;
	check_eq("R2 as mapped", mismatches(r2, 4, 0, PAGE_SIZE), 0);
	*(volatile uint32_t *)local = C_MAPPED;
	if (!check_eq("mailbox posted", copy1(copy_op(gfn_of(local), DOMID_SELF, 0, REF_M,
						      GRANTER, 0, 4, GNTCOPY_dest_gref)),
		      GNTST_okay))
		return;
	printk("writing to the read-only grant mapping at %#llx now\n", MAP_R);
	r2[100] = 0x99;
	test_fail("the write to a read-only grant mapping returned (reads back %#x)", r2[100]);
}

void test_main(const struct hvm_start_info *si)
{
	struct cpuid_result leaf4;

	(void)si;
	test_require_xen();
	leaf4 = cpuid(xen_cpuid_base + 4);
	if (!(leaf4.eax & XEN_HVM_CPUID_DOMID_PRESENT)) {
		test_error("CPUID leaf 4 has no domain id");
		return;
	}
	printk("domain %u\n", leaf4.ecx);
	common_checks((domid_t)leaf4.ecx);
	switch (leaf4.ecx) {
	case GRANTER:
		granter();
		break;
	case MAPPER:
		mapper();
		break;
	case VANDAL:
		vandal();
		break;
	default:
		test_error("domain %u has no role here", leaf4.ecx);
	}
}
