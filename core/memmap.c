/*
 * Physical memory map normalisation; the rules are in memmap.h.
 *
 * memmap_normalize() runs before any allocator exists, so it works in the
 * caller's array and a few locals:
 *
 *  1. A read-only sweep over the region boundaries counts the entries of the
 *     result. A result larger than the capacity is refused here, before the
 *     map is touched.
 *  2. Every entry is rewritten in its effective form (see below) and empty
 *     ones are dropped.
 *  3. Pairs are resolved without creating entries until nothing changes:
 *     same-type regions that overlap or touch merge, and a lower-ranked
 *     region loses whatever a higher-ranked one covers at either of its ends
 *     (or disappears when covered whole).
 *  4. What remains are higher-ranked regions lying strictly inside a
 *     lower-ranked one: each such hole splits the outer region in two, and
 *     step 3 runs again. At the fixed point of step 3 the regions nest
 *     without partial overlaps, each region yields one result entry plus one
 *     per group of touching holes, so every split stays within the count
 *     from step 1 and fits the capacity.
 *  5. The entries are sorted by base.
 *
 * Effective form of an entry: types outside enum boot_mem_type count as
 * RESERVED (nobody knows what is there). A region whose end would pass
 * 2^64 - 1 is corrupt: an AVAILABLE one is dropped, because handing out
 * memory on the word of a broken entry is unsafe (and the frame allocator
 * would size its bitmap by it); any other type is clipped to end at
 * 2^64 - 1, because keeping a reservation is always safe. Exclusive ends
 * cannot express 2^64, so the last byte of the address space is never
 * described.
 */
#include "core/memmap.h"
#include "core/console.h"
#include "core/errno.h"
#include "core/lib/string.h"

/* Exclusive end of everything a map can describe. */
#define ADDRESS_LIMIT UINT64_MAX

/* memmap.h: AVAILABLE loses to everything, FIRMWARE_RUNTIME beats everything. */
static const uint8_t type_rank[] = {
	[BOOT_MEM_AVAILABLE] = 1,    [BOOT_MEM_RESERVED] = 2, [BOOT_MEM_ACPI_RECLAIM] = 3,
	[BOOT_MEM_ACPI_NVS] = 4,     [BOOT_MEM_BAD] = 5,      [BOOT_MEM_FIRMWARE_RUNTIME] = 6,
};

static bool type_is_known(uint32_t type)
{
	return type >= BOOT_MEM_AVAILABLE && type <= BOOT_MEM_FIRMWARE_RUNTIME;
}

static uint32_t effective_type(uint32_t type)
{
	return type_is_known(type) ? type : BOOT_MEM_RESERVED;
}

static bool region_wraps(const struct boot_mem_region *r)
{
	return r->length > ADDRESS_LIMIT - r->base;
}

static uint64_t region_end(const struct boot_mem_region *r)
{
	return r->base + r->length;
}

/*
 * Reads an input entry in its effective form (see the top of the file).
 * Returns false when it describes nothing.
 */
static bool effective_region(const struct boot_mem_region *r, uint64_t *end, uint32_t *type)
{
	uint32_t t = effective_type(r->type);

	if (r->length == 0)
		return false;
	if (region_wraps(r)) {
		if (t == BOOT_MEM_AVAILABLE)
			return false;
		*end = ADDRESS_LIMIT;
	} else {
		*end = region_end(r);
	}
	*type = t;
	return *end > r->base;
}

/*
 * Counts the entries of the normalised form of an unnormalised map without
 * changing it: walks the elementary intervals between consecutive region
 * boundaries, giving each the highest-ranked type covering it.
 */
static uint32_t normalized_count(const struct boot_mem_region *regions, uint32_t count)
{
	uint64_t pos = 0, run_end = 0;
	uint32_t run_type = 0, result = 0;
	bool more = true;

	while (more) {
		uint64_t next = 0;
		uint32_t type = 0;

		more = false;
		for (uint32_t i = 0; i < count; i++) {
			uint64_t base = regions[i].base, end;
			uint32_t t;

			if (!effective_region(&regions[i], &end, &t))
				continue;
			if (base <= pos && pos < end &&
			    (type == 0 || type_rank[t] > type_rank[type]))
				type = t;
			if (base > pos && (!more || base < next)) {
				next = base;
				more = true;
			}
			if (end > pos && (!more || end < next)) {
				next = end;
				more = true;
			}
		}
		/* [pos, next) has one type; it extends the previous entry if it touches it. */
		if (type != 0) {
			if (result == 0 || run_end != pos || run_type != type)
				result++;
			run_type = type;
			run_end = next;
		}
		pos = next;
	}
	return result;
}

/* Removes entries of length zero, keeping the order of the others. */
static uint32_t drop_empty(struct boot_mem_region *regions, uint32_t count)
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < count; i++) {
		if (regions[i].length != 0)
			regions[kept++] = regions[i];
	}
	return kept;
}

/*
 * Resolves one pair of effective regions without creating an entry: merges
 * same-type regions that overlap or touch, and takes from the lower-ranked
 * region what the higher-ranked one covers at its start or end. A region
 * left with length zero is dropped later. Returns true when anything
 * changed; a higher-ranked region strictly inside the other is left alone.
 */
static bool resolve_pair(struct boot_mem_region *a, struct boot_mem_region *b)
{
	struct boot_mem_region *high, *low;
	uint64_t high_end, low_end;

	if (a->type == b->type) {
		uint64_t base = MIN(a->base, b->base);
		uint64_t end = MAX(region_end(a), region_end(b));

		if (a->base > region_end(b) || b->base > region_end(a))
			return false;
		a->base = base;
		a->length = end - base;
		b->length = 0;
		return true;
	}
	if (region_end(a) <= b->base || region_end(b) <= a->base)
		return false;

	high = type_rank[a->type] > type_rank[b->type] ? a : b;
	low = high == a ? b : a;
	high_end = region_end(high);
	low_end = region_end(low);
	if (high->base <= low->base && low_end <= high_end) {
		low->length = 0;
	} else if (high->base <= low->base) {
		low->base = high_end;
		low->length = low_end - high_end;
	} else if (low_end <= high_end) {
		low->length = high->base - low->base;
	} else {
		return false;
	}
	return true;
}

/* Step 3: resolves pairs until nothing changes; returns the new count. */
static uint32_t resolve_overlaps(struct boot_mem_region *regions, uint32_t count)
{
	bool changed;

	do {
		changed = false;
		for (uint32_t i = 0; i < count; i++) {
			for (uint32_t j = i + 1; j < count && regions[i].length != 0; j++) {
				if (regions[j].length == 0)
					continue;
				if (resolve_pair(&regions[i], &regions[j]))
					changed = true;
			}
		}
		count = drop_empty(regions, count);
	} while (changed);
	return count;
}

/* Finds a region lying strictly inside a lower-ranked one. */
static bool find_hole(const struct boot_mem_region *regions, uint32_t count, uint32_t *outer,
		      uint32_t *inner)
{
	for (uint32_t i = 0; i < count; i++) {
		for (uint32_t j = 0; j < count; j++) {
			if (type_rank[regions[j].type] > type_rank[regions[i].type] &&
			    regions[j].base > regions[i].base &&
			    region_end(&regions[j]) < region_end(&regions[i])) {
				*outer = i;
				*inner = j;
				return true;
			}
		}
	}
	return false;
}

static void sort_by_base(struct boot_mem_region *regions, uint32_t count)
{
	for (uint32_t i = 1; i < count; i++) {
		struct boot_mem_region r = regions[i];
		uint32_t j = i;

		for (; j > 0 && regions[j - 1].base > r.base; j--)
			regions[j] = regions[j - 1];
		regions[j] = r;
	}
}

int memmap_normalize(struct boot_mem_region *regions, uint32_t *count, uint32_t capacity)
{
	uint32_t n = 0, outer, inner;

	if (normalized_count(regions, *count) > capacity)
		return -ENOSPC;

	for (uint32_t i = 0; i < *count; i++) {
		struct boot_mem_region r = regions[i];
		uint64_t end;
		uint32_t type;

		if (r.length != 0 && region_wraps(&r)) {
			bool dropped = effective_type(r.type) == BOOT_MEM_AVAILABLE;

			pr_warn("memmap: region 0x%llx+0x%llx type %u passes 2^64: %s\n",
				(unsigned long long)r.base, (unsigned long long)r.length, r.type,
				dropped ? "dropped" : "clipped");
		}
		if (!effective_region(&r, &end, &type))
			continue;
		regions[n].base = r.base;
		regions[n].length = end - r.base;
		regions[n].type = type;
		regions[n].pad = 0;
		n++;
	}

	n = resolve_overlaps(regions, n);
	while (find_hole(regions, n, &outer, &inner)) {
		struct boot_mem_region *o = &regions[outer];
		const struct boot_mem_region *h = &regions[inner];

		/* Cannot happen (see step 4 above); refuse rather than write past the array. */
		if (n >= capacity) {
			pr_err("memmap: normalisation needs more than %u entries\n", capacity);
			*count = n;
			return -ENOSPC;
		}
		regions[n].base = region_end(h);
		regions[n].length = region_end(o) - region_end(h);
		regions[n].type = o->type;
		regions[n].pad = 0;
		o->length = h->base - o->base;
		n = resolve_overlaps(regions, n + 1);
	}
	sort_by_base(regions, n);
	*count = n;
	return 0;
}

int memmap_set_type(struct boot_mem_region *regions, uint32_t *count, uint32_t capacity,
		    uint64_t base, uint64_t length, uint32_t type)
{
	struct boot_mem_region pieces[3];
	struct boot_mem_region *left = &pieces[0], *middle = &pieces[1], *right = &pieces[2];
	uint32_t n = *count, first = 0, last, nr_pieces = 0, new_count;
	uint64_t end;

	if (length == 0 || length > ADDRESS_LIMIT - base || !type_is_known(type))
		return -EINVAL;
	end = base + length;

	/* Entries [first, last) overlap or touch [base, end): they are replaced. */
	while (first < n && region_end(&regions[first]) < base)
		first++;
	last = first;
	while (last < n && regions[last].base <= end)
		last++;

	left->length = 0;
	right->length = 0;
	if (first < last && regions[first].base < base)
		*left = (struct boot_mem_region){ regions[first].base, base - regions[first].base,
						  regions[first].type, 0 };
	if (first < last && region_end(&regions[last - 1]) > end)
		*right = (struct boot_mem_region){ end, region_end(&regions[last - 1]) - end,
						   regions[last - 1].type, 0 };
	*middle = (struct boot_mem_region){ base, length, type, 0 };
	if (left->length != 0 && left->type == type) {
		middle->base = left->base;
		middle->length += left->length;
		left->length = 0;
	}
	if (right->length != 0 && right->type == type) {
		middle->length += right->length;
		right->length = 0;
	}
	for (uint32_t i = 0; i < ARRAY_SIZE(pieces); i++) {
		if (pieces[i].length != 0)
			pieces[nr_pieces++] = pieces[i];
	}

	new_count = n - (last - first) + nr_pieces;
	if (new_count > capacity)
		return -ENOSPC;

	memmove(&regions[first + nr_pieces], &regions[last], (n - last) * sizeof(*regions));
	memcpy(&regions[first], pieces, nr_pieces * sizeof(*regions));
	*count = new_count;
	return 0;
}

uint64_t memmap_total(const struct boot_mem_region *regions, uint32_t count, uint32_t type)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < count; i++) {
		if (regions[i].type == type)
			total += regions[i].length;
	}
	return total;
}
