/*
 * Guest-virtual to guest-physical translation through the guest's own page
 * tables; see guest_walk.h. Every failure is -EFAULT: the caller turns it
 * into an error for the guest, never into a host access.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/guest_walk.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmcs.h"
#include "core/arch.h"
#include "core/errno.h"
#include "core/guest_memory.h"

#define GPT_ENTRIES 512
#define PAE_PDPT_ALIGN_MASK 0xffffffe0UL
#define LEGACY_ADDR_MASK 0xfffff000UL
#define LEGACY_4M_BASE_MASK 0xffc00000UL
#define LEGACY_4M_HIGH_SHIFT 13
#define LEGACY_4M_HIGH_BITS 0xffUL
#define PSE36_MAX_BITS 40
/* SDM table 4-8: PDPTE bits 2:1 and 8:5 are reserved in PAE paging. */
#define PAE_PDPTE_RESERVED 0x1e6UL
#define BITS(hi, lo) ((~0UL >> (63 - (hi))) & ~((1UL << (lo)) - 1))

struct guest_paging {
	struct domain *d;
	struct guest_walk_cache *cache; /* records a 4/5-level walk's path; NULL: none */
	uint64_t cr3, cr4, efer;
	uint64_t addr_mask; /* address bits of an entry: 51:12 below MAXPHYADDR */
	uint64_t above_maxphys; /* bits 51:MAXPHYADDR, reserved in every entry */
	bool write;
};

static unsigned int phys_addr_bits(void)
{
	static unsigned int bits;

	/* Same value on every CPU; racing first callers store the same number. */
	if (!bits) {
		unsigned int b = guest_walk_phys_addr_bits();

		bits = (b >= 32 && b <= 52) ? b : 36;
	}
	return bits;
}

/* One entry, read whole as the processor reads it (entries are naturally aligned). */
static int read_entry(const struct guest_paging *p, uint64_t pa, size_t size, uint64_t *e)
{
	const volatile void *host = guest_phys_entry(p->d, pa, (unsigned int)size);

	if (!host)
		return -EFAULT;
	*e = size == 4 ? *(const volatile uint32_t *)host : *(const volatile uint64_t *)host;
	return 0;
}

/* Present, no reserved bit set, writable when the access is a write. */
static int check_entry(const struct guest_paging *p, uint64_t e, uint64_t reserved)
{
	if (!(e & GPTE_PRESENT) || (e & reserved))
		return -EFAULT;
	if (p->write && !(e & GPTE_WRITE))
		return -EFAULT;
	return 0;
}

/*
 * The levels a 4-level, 5-level and PAE walk share: 8-byte entries, 512 per
 * table, large pages at levels 3 (1 GiB, not in PAE) and 2 (2 MiB).
 */
static int walk_tables(const struct guest_paging *p, uint64_t table, unsigned int top,
		       uint64_t reserved, uint64_t gva, uint64_t *gpa)
{
	struct guest_walk_cache *c = p->cache;
	unsigned int n = 0;

	for (unsigned int level = top; level >= 1; level--) {
		unsigned int shift = PAGE_SHIFT + 9 * (level - 1);
		uint64_t span = 1UL << shift;
		uint64_t idx = (gva >> shift) & (GPT_ENTRIES - 1);
		const volatile uint64_t *host;
		uint64_t e;

		host = guest_phys_entry(p->d, table + idx * sizeof(e), sizeof(e));
		if (!host)
			return -EFAULT;
		e = *host;
		if (check_entry(p, e, reserved))
			return -EFAULT;
		if (c) {
			c->entry[n] = host;
			c->value[n++] = e;
		}
		if (level > 1 && (e & GPTE_LARGE)) {
			/* PS is reserved above the PDPTE; bit 12 is PAT, the rest reserved. */
			if (level > 3 || (e & (span - 1) & ~BITS(12, 0)))
				return -EFAULT;
			*gpa = (e & p->addr_mask & ~(span - 1)) | (gva & (span - 1));
			break;
		}
		table = e & p->addr_mask;
		if (level == 1)
			*gpa = table | (gva & (PAGE_SIZE - 1));
	}
	if (c)
		c->levels = (uint8_t)n;
	return 0;
}

/* 4-level or 5-level paging (SDM 4.5): addresses must be canonical. */
static int walk_long_mode(const struct guest_paging *p, uint64_t gva, uint64_t *gpa)
{
	unsigned int levels = (p->cr4 & X86_CR4_LA57) ? 5 : 4;
	unsigned int unused = 64 - (PAGE_SHIFT + 9 * levels);
	uint64_t reserved = p->above_maxphys | ((p->efer & EFER_NXE) ? 0 : GPTE_NX);

	if ((uint64_t)((int64_t)(gva << unused) >> unused) != gva)
		return -EFAULT;
	return walk_tables(p, p->cr3 & p->addr_mask, levels, reserved, gva, gpa);
}

/* A PDPTE has no R/W bit: only presence and reserved bits count (SDM table 4-8). */
static bool pae_pdpte_valid(uint64_t pdpte, uint64_t above_maxphys)
{
	return !(pdpte & GPTE_PRESENT) ||
	       !(pdpte & (PAE_PDPTE_RESERVED | BITS(63, 52) | above_maxphys));
}

/* PAE paging (SDM 4.4): four PDPTEs, then 2-level tables of 8-byte entries. */
static int walk_pae(const struct guest_paging *p, uint64_t gva, uint64_t *gpa)
{
	/* In PAE paging bits 62:MAXPHYADDR are reserved, not ignored (SDM table 4-11). */
	uint64_t reserved = BITS(62, 52) | p->above_maxphys |
			    ((p->efer & EFER_NXE) ? 0 : GPTE_NX);
	uint64_t pdpte;

	if (gva >> 32)
		return -EFAULT;
	if (read_entry(p, (p->cr3 & PAE_PDPT_ALIGN_MASK) + (gva >> 30) * sizeof(pdpte),
		       sizeof(pdpte), &pdpte))
		return -EFAULT;
	if (!(pdpte & GPTE_PRESENT) || !pae_pdpte_valid(pdpte, p->above_maxphys))
		return -EFAULT;
	return walk_tables(p, pdpte & p->addr_mask, 2, reserved, gva, gpa);
}

/* 32-bit paging (SDM 4.3): 4-byte entries, 4 MiB pages with CR4.PSE (PSE-36). */
static int walk_legacy(const struct guest_paging *p, uint64_t gva, uint64_t *gpa)
{
	uint64_t pde, pte;

	if (gva >> 32)
		return -EFAULT;
	if (read_entry(p, (p->cr3 & LEGACY_ADDR_MASK) + (gva >> 22) * sizeof(uint32_t),
		       sizeof(uint32_t), &pde))
		return -EFAULT;
	if (check_entry(p, pde, 0))
		return -EFAULT;
	if ((pde & GPTE_LARGE) && (p->cr4 & X86_CR4_PSE)) {
		/* SDM table 4-4: bits (M-20):13 hold address bits (M-1):32, M <= 40. */
		unsigned int m = MIN(phys_addr_bits(), PSE36_MAX_BITS);
		uint64_t reserved = BITS(21, 21) | (m < PSE36_MAX_BITS ? BITS(20, m - 19) : 0);

		if (pde & reserved)
			return -EFAULT;
		*gpa = (pde & LEGACY_4M_BASE_MASK) |
		       (((pde >> LEGACY_4M_HIGH_SHIFT) & LEGACY_4M_HIGH_BITS) << 32) |
		       (gva & (4 * MiB - 1));
		return 0;
	}
	if (read_entry(p, (pde & LEGACY_ADDR_MASK) + ((gva >> 12) & 1023) * sizeof(uint32_t),
		       sizeof(uint32_t), &pte))
		return -EFAULT;
	if (check_entry(p, pte, 0))
		return -EFAULT;
	*gpa = (pte & LEGACY_ADDR_MASK) | (gva & (PAGE_SIZE - 1));
	return 0;
}

int guest_walk_read_pdptes(struct domain *d, uint64_t cr3, uint64_t pdpte[PAE_NR_PDPTES])
{
	unsigned int bits = phys_addr_bits();
	uint64_t above_maxphys = bits < 52 ? BITS(51, bits) : 0;

	if (guest_phys_read(d, pdpte, cr3 & PAE_PDPT_ALIGN_MASK, PAE_NR_PDPTES * sizeof(*pdpte)))
		return -EFAULT;
	for (unsigned int i = 0; i < PAE_NR_PDPTES; i++)
		if (!pae_pdpte_valid(pdpte[i], above_maxphys))
			return -EINVAL;
	return 0;
}

/*
 * The walk of gva would read exactly the entries it read last time, and
 * find the same values, so it would give the same frame: same page, same
 * paging registers, each entry unchanged (the first one's address comes
 * from CR3, each next one's from the entry before it). A write needs a walk
 * that checked writability; a read may use either.
 */
static bool walk_cache_hit(const struct guest_walk_cache *c, const struct guest_paging *p,
			   uint64_t gva)
{
	if (c->gva_page != gva >> PAGE_SHIFT || c->cr3 != p->cr3 || c->cr4 != p->cr4 ||
	    c->efer != p->efer || (p->write && !c->write))
		return false;
	for (unsigned int i = 0; i < c->levels; i++)
		if (*c->entry[i] != c->value[i])
			return false;
	return true;
}

int arch_guest_translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
	struct guest_paging p = { .d = v->domain, .write = write };
	unsigned int bits = phys_addr_bits();
	uint64_t cr0, result;
	int rc;

	vmx_guest_paging_state(v, &cr0, &p.cr3, &p.cr4, &p.efer);
	p.addr_mask = BITS(bits - 1, PAGE_SHIFT);
	p.above_maxphys = bits < 52 ? BITS(51, bits) : 0;

	if (!(cr0 & X86_CR0_PG)) {
		/* Paging off is 32-bit (or real) mode: nothing above 4 GiB is addressable. */
		if (gva >> 32)
			return -EFAULT;
		*gpa = gva;
		return 0;
	}
	if (p.efer & EFER_LMA) {
		struct guest_walk_cache *c = &v->arch.walk_cache;

		if (walk_cache_hit(c, &p, gva)) {
			*gpa = c->gpa_page | (gva & (PAGE_SIZE - 1));
			return 0;
		}
		c->gva_page = ~0UL;
		p.cache = c;
		rc = walk_long_mode(&p, gva, &result);
		if (!rc) {
			c->cr3 = p.cr3;
			c->cr4 = p.cr4;
			c->efer = p.efer;
			c->write = p.write;
			c->gpa_page = ALIGN_DOWN(result, PAGE_SIZE);
			c->gva_page = gva >> PAGE_SHIFT;
		}
	} else if (p.cr4 & X86_CR4_PAE)
		rc = walk_pae(&p, gva, &result);
	else
		rc = walk_legacy(&p, gva, &result);
	if (!rc)
		*gpa = result;
	return rc;
}
