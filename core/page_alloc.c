/*
 * The physical frame allocator: one bit per 4 KiB frame, set when the frame
 * is not free (allocated, or never available). The bitmap covers frames
 * from 0 up to the end of the highest AVAILABLE region.
 *
 * The bitmap lives in a block of whole frames carved out of available memory
 * (above 1 MiB when possible), together with the list of frame ranges the
 * allocator manages: free_pages() needs that list to tell a frame it handed
 * out from one it never owned, which the bitmap alone cannot.
 *
 * Frames below 1 MiB form the low pool: only alloc_low_page() takes from
 * it, since real-mode start-up code needs such frames and they are few.
 * Frame 0 is never managed: it is left unmapped to catch null pointers
 * (core/mm.h) and holds the real-mode interrupt table.
 *
 * Counters: total_frames counts every managed frame (the bitmap block
 * included, which stays allocated), free_frames the ones free right now,
 * in both pools.
 *
 * Every CPU allocates and frees at run time (hypercalls, domains ending),
 * so the bitmap and the counters are changed only under allocator.lock.
 * page_alloc_init() runs alone on the boot CPU, before any other CPU.
 */
#include "core/page_alloc.h"
#include "core/console.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/mm.h"
#include "core/spinlock.h"

#define LOW_POOL_END (LOW_MEMORY_LIMIT >> PAGE_SHIFT)

/* Beyond this order a block's size in bytes no longer fits 64 bits. */
#define ORDER_LIMIT (64 - PAGE_SHIFT)

/* Frames [start, end) inside one AVAILABLE region. */
struct frame_range {
	uint64_t start;
	uint64_t end;
};

struct page_allocator {
	spinlock_t lock;
	uint64_t *bitmap;
	struct frame_range *ranges; /* sorted, stored after the bitmap */
	uint32_t nr_ranges;
	uint64_t nr_frames; /* frames the bitmap covers */
	uint64_t block_start; /* frames holding the bitmap and the ranges */
	uint64_t block_frames;
	uint64_t total_frames;
	uint64_t free_frames;
	uint64_t next_frame; /* where the next alloc_pages() search starts */
};

static struct page_allocator allocator;

static uint64_t div_round_up(uint64_t n, uint64_t d)
{
	return n / d + (n % d != 0);
}

/*
 * The whole frames of an AVAILABLE region, frame 0 excluded. Returns false
 * when the region holds none.
 */
static bool region_frames(const struct boot_mem_region *r, struct frame_range *range)
{
	uint64_t end = r->base + r->length;

	if (r->type != BOOT_MEM_AVAILABLE || r->base > UINT64_MAX - (PAGE_SIZE - 1))
		return false;
	range->start = MAX(ALIGN_UP(r->base, PAGE_SIZE) >> PAGE_SHIFT, 1);
	range->end = end >> PAGE_SHIFT;
	return range->start < range->end;
}

/* The map must be sorted, without empty, wrapping or overlapping regions. */
static bool map_is_normalized(const struct boot_mem_region *regions, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		const struct boot_mem_region *r = &regions[i];

		if (r->length == 0 || r->length > UINT64_MAX - r->base)
			return false;
		if (i > 0 && r->base < regions[i - 1].base + regions[i - 1].length)
			return false;
	}
	return true;
}

static void mark_frames(uint64_t first, uint64_t nr, bool used)
{
	uint64_t frame = first, end = first + nr;

	while (frame < end) {
		uint64_t bit = frame % BITS_PER_WORD;
		uint64_t n = MIN(BITS_PER_WORD - bit, end - frame);
		uint64_t mask = (n == BITS_PER_WORD ? ~0ULL : (1ULL << n) - 1) << bit;

		if (used)
			allocator.bitmap[frame / BITS_PER_WORD] |= mask;
		else
			allocator.bitmap[frame / BITS_PER_WORD] &= ~mask;
		frame += n;
	}
}

/* The first frame in [from, limit) whose bit equals used, or limit. */
static uint64_t find_frame(uint64_t from, uint64_t limit, bool used)
{
	while (from < limit) {
		uint64_t word = allocator.bitmap[from / BITS_PER_WORD];

		if (!used)
			word = ~word;
		word &= ~0ULL << (from % BITS_PER_WORD);
		if (word != 0)
			return MIN(ALIGN_DOWN(from, BITS_PER_WORD) + __builtin_ctzll(word), limit);
		from = ALIGN_DOWN(from, BITS_PER_WORD) + BITS_PER_WORD;
	}
	return limit;
}

/* First free, naturally aligned block of nr frames in [from, limit). */
static bool find_free_block(uint64_t from, uint64_t limit, uint64_t nr, uint64_t *frame)
{
	while (from < limit) {
		uint64_t start = ALIGN_UP(find_frame(from, limit, false), nr);
		uint64_t used;

		if (start >= limit || nr > limit - start)
			return false;
		used = find_frame(start, start + nr, true);
		if (used == start + nr) {
			*frame = start;
			return true;
		}
		from = used + 1;
	}
	return false;
}

/* Where the bitmap block of nr frames goes: above 1 MiB if a region has room, else below. */
static bool place_block(const struct boot_mem_region *regions, uint32_t count, uint64_t nr,
			uint64_t *start)
{
	struct frame_range range;

	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < count; i++) {
			uint64_t first;

			if (!region_frames(&regions[i], &range))
				continue;
			first = pass == 0 ? MAX(range.start, LOW_POOL_END) : range.start;
			if (first < range.end && range.end - first >= nr) {
				*start = first;
				return true;
			}
		}
	}
	return false;
}

int page_alloc_init(const struct boot_mem_region *regions, uint32_t count)
{
	struct frame_range range;
	uint64_t bitmap_words, block_bytes, block_start, block_frames, highest = 0;
	uint32_t nr_ranges = 0;

	if (count == 0 || !map_is_normalized(regions, count))
		return -EINVAL;
	for (uint32_t i = 0; i < count; i++) {
		if (region_frames(&regions[i], &range)) {
			nr_ranges++;
			highest = range.end;
		}
	}
	bitmap_words = div_round_up(highest, BITS_PER_WORD);
	block_bytes = bitmap_words * sizeof(uint64_t) + nr_ranges * sizeof(struct frame_range);
	block_frames = div_round_up(block_bytes, PAGE_SIZE);

	memset(&allocator, 0, sizeof(allocator));
	if (nr_ranges == 0 || !place_block(regions, count, block_frames, &block_start))
		return -ENOMEM;

	allocator.bitmap = phys_to_virt(block_start << PAGE_SHIFT);
	allocator.ranges = (struct frame_range *)(allocator.bitmap + bitmap_words);
	allocator.nr_frames = highest;
	allocator.block_start = block_start;
	allocator.block_frames = block_frames;
	allocator.next_frame = LOW_POOL_END;
	memset(allocator.bitmap, 0xff, bitmap_words * sizeof(uint64_t));
	for (uint32_t i = 0; i < count; i++) {
		if (!region_frames(&regions[i], &range))
			continue;
		allocator.ranges[allocator.nr_ranges++] = range;
		mark_frames(range.start, range.end - range.start, false);
		allocator.total_frames += range.end - range.start;
	}
	mark_frames(block_start, block_frames, true);
	allocator.free_frames = allocator.total_frames - block_frames;
	pr_info("page_alloc: %llu frames managed, %llu free, bitmap at 0x%llx\n",
		(unsigned long long)allocator.total_frames,
		(unsigned long long)allocator.free_frames,
		(unsigned long long)(block_start << PAGE_SHIFT));
	return 0;
}

int alloc_pages(unsigned int order, paddr_t *pa)
{
	uint64_t nr, frame;
	int rc = -ENOMEM;

	if (order >= ORDER_LIMIT)
		return -EINVAL;
	nr = 1ULL << order;
	spin_lock(&allocator.lock);
	if (nr > allocator.free_frames)
		goto out;
	/* Next fit: resume after the last block, then retry from the start of the high pool. */
	if (!find_free_block(allocator.next_frame, allocator.nr_frames, nr, &frame) &&
	    !find_free_block(LOW_POOL_END, allocator.nr_frames, nr, &frame))
		goto out;

	mark_frames(frame, nr, true);
	allocator.free_frames -= nr;
	allocator.next_frame = frame + nr;
	if (allocator.next_frame >= allocator.nr_frames)
		allocator.next_frame = LOW_POOL_END;
	*pa = frame << PAGE_SHIFT;
	rc = 0;
out:
	spin_unlock(&allocator.lock);
	return rc;
}

/* The managed range holding frame, or NULL. */
static const struct frame_range *find_range(uint64_t frame)
{
	uint32_t lo = 0, hi = allocator.nr_ranges;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct frame_range *r = &allocator.ranges[mid];

		if (frame < r->start)
			hi = mid;
		else if (frame >= r->end)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

/* Why the block of 2^order frames at pa cannot be freed, or NULL when it can. */
static const char *free_error(paddr_t pa, unsigned int order)
{
	const struct frame_range *range;
	uint64_t first, nr;

	if (order >= ORDER_LIMIT)
		return "bad order";
	nr = 1ULL << order;
	if (!IS_ALIGNED(pa, PAGE_SIZE << order))
		return "misaligned";
	first = pa >> PAGE_SHIFT;
	range = find_range(first);
	if (!range || nr > range->end - first)
		return "frames never free";
	if (first < allocator.block_start + allocator.block_frames &&
	    allocator.block_start < first + nr)
		return "frames of the allocator's bitmap";
	if (find_frame(first, first + nr, false) != first + nr)
		return "double free";
	return NULL;
}

void free_pages(paddr_t pa, unsigned int order)
{
	const char *error;

	spin_lock(&allocator.lock);
	error = free_error(pa, order);
	if (!error) {
		mark_frames(pa >> PAGE_SHIFT, 1ULL << order, false);
		allocator.free_frames += 1ULL << order;
	}
	spin_unlock(&allocator.lock);
	if (error)
		pr_err("page_alloc: free_pages(0x%llx, %u): %s, ignored\n", (unsigned long long)pa,
		       order, error);
}

int alloc_low_page(paddr_t limit, paddr_t *pa)
{
	/* Every frame of the low pool lies below 1 MiB, so a higher limit asks for nothing more. */
	uint64_t end, frame;
	int rc = -ENOMEM;

	spin_lock(&allocator.lock);
	end = MIN(MIN(limit, LOW_MEMORY_LIMIT) >> PAGE_SHIFT, allocator.nr_frames);
	frame = allocator.bitmap ? find_frame(1, end, false) : end;
	if (frame < end) {
		mark_frames(frame, 1, true);
		allocator.free_frames--;
		*pa = frame << PAGE_SHIFT;
		rc = 0;
	}
	spin_unlock(&allocator.lock);
	return rc;
}

uint64_t page_alloc_free_frames(void)
{
	return __atomic_load_n(&allocator.free_frames, __ATOMIC_RELAXED);
}

uint64_t page_alloc_total_frames(void)
{
	return allocator.total_frames;
}
