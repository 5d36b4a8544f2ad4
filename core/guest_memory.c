/*
 * Guest memory: allocation of a domain's RAM and every access the
 * hypervisor makes to it (see guest_memory.h).
 *
 * Guest RAM [0, memory_bytes) is a sorted array of chunks, each a naturally
 * aligned block of 2^order frames in both guest-physical and host-physical
 * space. 2 MiB chunks are the rule (the EPT can then use large pages); when
 * the frame allocator is fragmented, smaller blocks fill the gap. The chunk
 * list never changes while the domain lives, so readers need no lock.
 *
 * Every access checks its whole range against memory_bytes before touching
 * a byte, and copies chunk by chunk through the hypervisor's own mapping of
 * host memory (phys_to_virt), never through a guest-supplied pointer.
 */
#include "core/guest_memory.h"
#include "core/arch.h"
#include "core/errno.h"
#include "core/heap.h"
#include "core/lib/string.h"
#include "core/mm.h"
#include "core/page_alloc.h"

#define CHUNK_ORDER 9 /* 2 MiB */
#define CHUNK_SIZE (PAGE_SIZE << CHUNK_ORDER)

enum guest_phys_op {
	GUEST_PHYS_READ,
	GUEST_PHYS_WRITE,
	GUEST_PHYS_ZERO,
};

static uint64_t chunk_size(const struct guest_chunk *c)
{
	return PAGE_SIZE << c->order;
}

/*
 * The largest order, at most cap, whose block is aligned at gpa and fits in
 * left bytes: keeping chunks naturally aligned lets the EPT map every
 * aligned 2 MiB chunk with one large page even after a fallback.
 */
static unsigned int chunk_order_at(uint64_t gpa, uint64_t left, unsigned int cap)
{
	unsigned int order = cap;

	while (order > 0 && (!IS_ALIGNED(gpa, PAGE_SIZE << order) || (PAGE_SIZE << order) > left))
		order--;
	return order;
}

/* Doubles the chunk array; the old one is freed only once the copy exists. */
static int chunks_grow(struct guest_chunk **chunks, unsigned int *capacity, unsigned int nr)
{
	struct guest_chunk *bigger;

	if (*capacity > UINT32_MAX / 2)
		return -ENOMEM;
	bigger = kmalloc((size_t)*capacity * 2 * sizeof(*bigger));
	if (!bigger)
		return -ENOMEM;
	memcpy(bigger, *chunks, (size_t)nr * sizeof(*bigger));
	kfree(*chunks);
	*chunks = bigger;
	*capacity *= 2;
	return 0;
}

/*
 * Allocates one block of up to 2^*order frames, trying smaller orders when
 * the allocator has no block that large. *max_order remembers the largest
 * order that can still succeed: nothing is freed while a domain's memory is
 * being allocated, so an order that failed once fails again.
 */
static int chunk_alloc(unsigned int *order, unsigned int *max_order, paddr_t *hpa)
{
	int rc;

	for (;;) {
		rc = alloc_pages(*order, hpa);
		if (rc != -ENOMEM || *order == 0)
			return rc;
		(*order)--;
		*max_order = *order;
	}
}

int domain_memory_alloc(struct domain *d, uint64_t bytes)
{
	struct guest_chunk *chunks;
	unsigned int nr = 0, capacity, max_order = CHUNK_ORDER;
	uint64_t gpa = 0, mapped_end = 0;
	int rc;

	if (!IS_ALIGNED(bytes, CHUNK_SIZE) || bytes < DOMAIN_MIN_MEMORY ||
	    bytes > DOMAIN_MAX_MEMORY)
		return -EINVAL;
	if (d->chunks)
		return -EEXIST;

	capacity = (unsigned int)(bytes / CHUNK_SIZE);
	chunks = kmalloc((size_t)capacity * sizeof(*chunks));
	if (!chunks)
		return -ENOMEM;
	/* Set before mapping, so the arch code sees the size the EPT will cover. */
	d->memory_bytes = bytes;

	while (gpa < bytes) {
		unsigned int order = chunk_order_at(gpa, bytes - gpa, max_order);
		uint64_t size;
		paddr_t hpa;

		if (nr == capacity) {
			rc = chunks_grow(&chunks, &capacity, nr);
			if (rc)
				goto fail;
		}
		rc = chunk_alloc(&order, &max_order, &hpa);
		if (rc)
			goto fail;
		size = PAGE_SIZE << order;
		/* A guest must never see what a previous owner left in these frames. */
		memset(phys_to_virt(hpa), 0, size);
		mapped_end = gpa + size;
		rc = arch_domain_map(d, gpa, hpa, size, ARCH_MAP_RWX);
		if (rc) {
			free_pages(hpa, order);
			goto fail;
		}
		chunks[nr++] = (struct guest_chunk){ .gpa = gpa, .hpa = hpa, .order = order };
		gpa += size;
	}

	d->chunks = chunks;
	d->nr_chunks = nr;
	d->frames_guest = bytes >> PAGE_SHIFT;
	return 0;

fail:
	/* No EPT entry may keep pointing at frames that go back to the allocator. */
	if (mapped_end)
		arch_domain_unmap(d, 0, mapped_end);
	while (nr > 0) {
		nr--;
		free_pages(chunks[nr].hpa, chunks[nr].order);
	}
	kfree(chunks);
	d->memory_bytes = 0;
	return rc;
}

void domain_memory_free(struct domain *d)
{
	for (unsigned int i = 0; i < d->nr_chunks; i++)
		free_pages(d->chunks[i].hpa, d->chunks[i].order);
	kfree(d->chunks);
	d->chunks = NULL;
	d->nr_chunks = 0;
	d->frames_guest = 0;
	d->memory_bytes = 0;
}

/*
 * The chunk holding gpa, or NULL. Chunks are sorted by gpa and do not
 * overlap, and do not change while the domain runs. The one found last is
 * tried first: a page walk's tables, a ring, a hypercall argument are
 * mostly in one chunk. The hint is only ever an index, so CPUs racing on
 * it can only make each other search.
 */
static const struct guest_chunk *find_chunk(const struct domain *d, uint64_t gpa)
{
	unsigned int hint = __atomic_load_n(&d->chunk_hint, __ATOMIC_RELAXED);
	unsigned int lo = 0, hi = d->nr_chunks;

	if (hint < hi) {
		const struct guest_chunk *c = &d->chunks[hint];

		if (gpa >= c->gpa && gpa - c->gpa < chunk_size(c))
			return c;
	}
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct guest_chunk *c = &d->chunks[mid];

		if (gpa < c->gpa) {
			hi = mid;
		} else if (gpa - c->gpa >= chunk_size(c)) {
			lo = mid + 1;
		} else {
			__atomic_store_n(&((struct domain *)d)->chunk_hint, mid, __ATOMIC_RELAXED);
			return c;
		}
	}
	return NULL;
}

const volatile void *guest_phys_entry(const struct domain *d, uint64_t gpa, unsigned int size)
{
	const struct guest_chunk *c;

	if ((size != 4 && size != 8) || (gpa & (size - 1)))
		return NULL;
	if (gpa >= d->memory_bytes || size > d->memory_bytes - gpa)
		return NULL;
	/* Aligned, so within one page, so within one chunk. */
	c = find_chunk(d, gpa);
	if (!c)
		return NULL;
	return phys_to_virt(c->hpa + (gpa - c->gpa));
}
int guest_phys_to_host(const struct domain *d, uint64_t gpa, paddr_t *hpa)
{
	const struct guest_chunk *c;

	if (gpa >= d->memory_bytes)
		return -EFAULT;
	c = find_chunk(d, gpa);
	if (!c)
		return -EFAULT;
	*hpa = c->hpa + (gpa - c->gpa);
	return 0;
}

/*
 * One access to guest-physical [gpa, gpa + len). The range is checked as a
 * whole first (in a form that cannot wrap), so nothing is copied unless all
 * of it is RAM; a zero length is always allowed.
 */
static int guest_phys_access(struct domain *d, uint64_t gpa, void *dst, const void *src,
			     size_t len, enum guest_phys_op op)
{
	uint8_t *to = dst;
	const uint8_t *from = src;

	if (len == 0)
		return 0;
	if (gpa >= d->memory_bytes || len > d->memory_bytes - gpa)
		return -EFAULT;

	while (len > 0) {
		const struct guest_chunk *c = find_chunk(d, gpa);
		uint64_t offset;
		size_t n;
		void *host;

		if (!c)
			return -EFAULT;
		offset = gpa - c->gpa;
		n = (size_t)MIN((uint64_t)len, chunk_size(c) - offset);
		host = phys_to_virt(c->hpa + offset);
		if (op == GUEST_PHYS_READ) {
			memcpy(to, host, n);
			to += n;
		} else if (op == GUEST_PHYS_WRITE) {
			memcpy(host, from, n);
			from += n;
		} else {
			memset(host, 0, n);
		}
		gpa += n;
		len -= n;
	}
	return 0;
}

int guest_phys_write(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
	return guest_phys_access(d, gpa, NULL, src, len, GUEST_PHYS_WRITE);
}

int guest_phys_read(struct domain *d, void *dst, uint64_t gpa, size_t len)
{
	return guest_phys_access(d, gpa, dst, NULL, len, GUEST_PHYS_READ);
}

int guest_phys_zero(struct domain *d, uint64_t gpa, size_t len)
{
	return guest_phys_access(d, gpa, NULL, NULL, len, GUEST_PHYS_ZERO);
}

/*
 * Copies page by page, translating each guest-virtual page just before it
 * is used. A bad first page means nothing was copied. A bad later page
 * stops the copy with -EFAULT after the earlier pages were copied, as in
 * Xen: callers report the error and must not rely on the destination.
 */
static int guest_virt_access(struct vcpu *v, uint64_t gva, void *dst, const void *src,
			     size_t len, bool write)
{
	struct domain *d = v->domain;
	uint8_t *to = dst;
	const uint8_t *from = src;

	if (len == 0)
		return 0;
	if (len - 1 > UINT64_MAX - gva)
		return -EFAULT;

	while (len > 0) {
		uint64_t offset = gva & (PAGE_SIZE - 1);
		size_t n = (size_t)MIN((uint64_t)len, PAGE_SIZE - offset);
		uint64_t gpa;
		int rc;

		if (arch_guest_translate(v, gva, write, &gpa))
			return -EFAULT;
		/* Whether the walk returns the frame or the byte, the offset is the gva's. */
		gpa = ALIGN_DOWN(gpa, PAGE_SIZE) | offset;
		if (write) {
			rc = guest_phys_write(d, gpa, from, n);
			from += n;
		} else {
			rc = guest_phys_read(d, to, gpa, n);
			to += n;
		}
		if (rc)
			return -EFAULT;
		gva += n;
		len -= n;
	}
	return 0;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
	return guest_virt_access(v, gva, dst, NULL, len, false);
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
	return guest_virt_access(v, gva, NULL, src, len, true);
}
