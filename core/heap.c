/*
 * The hypervisor heap, on top of the frame allocator.
 *
 * Requests up to 2048 bytes are rounded up to a power-of-two size class and
 * carved from slabs: single pages that start with a struct slab (the class,
 * a bitmap of objects in use, links in the class's list of slabs with free
 * objects). Larger requests take 2^order whole pages that start with a
 * 16-byte struct large_block. Either way the header sits at the start of
 * the object's page, so kfree() finds it by rounding down, and it is
 * reached through the physical address so the mapping need not preserve
 * page alignment. The header of a large block makes kmalloc(4096) take two
 * pages: callers wanting whole pages call alloc_pages().
 *
 * A slab of 2048-byte objects holds one object (the header leaves no room
 * for a second); slabs of 1024 hold three. A slab whose objects are all free
 * goes back to the frame allocator at once.
 *
 * Any CPU may allocate or free: the slab lists, the slabs' bitmaps and the
 * page headers kfree() reads are used only under heap.lock. Allocating a
 * large block takes the frame allocator's own lock alone.
 */
#include "core/heap.h"
#include "core/console.h"
#include "core/lib/string.h"
#include "core/mm.h"
#include "core/page_alloc.h"
#include "core/spinlock.h"

#define HEAP_ALIGN 16
#define SLAB_MAGIC 0x42414c53u /* "SLAB" */
#define LARGE_MAGIC 0x4752414cu /* "LARG" */
#define MIN_CLASS_SHIFT 4 /* 16 bytes */
#define MAX_CLASS_SHIFT 11 /* 2048 bytes */
#define NR_CLASSES (MAX_CLASS_SHIFT - MIN_CLASS_SHIFT + 1)
#define SLAB_MAX_OBJECTS 256

struct slab {
	uint32_t magic;
	uint16_t class;
	uint16_t nr_objects;
	uint16_t nr_free;
	uint16_t pad[3];
	struct slab *prev; /* in the class's list of slabs with free objects */
	struct slab *next;
	uint64_t used[SLAB_MAX_OBJECTS / BITS_PER_WORD];
};

struct large_block {
	uint32_t magic;
	uint32_t order;
	uint64_t size; /* bytes requested, for the log */
};

STATIC_ASSERT(sizeof(struct slab) % HEAP_ALIGN == 0);
STATIC_ASSERT(sizeof(struct large_block) == HEAP_ALIGN);
STATIC_ASSERT((PAGE_SIZE - sizeof(struct slab)) >> MIN_CLASS_SHIFT <= SLAB_MAX_OBJECTS);
STATIC_ASSERT(sizeof(struct slab) + (1UL << MAX_CLASS_SHIFT) <= PAGE_SIZE);

struct heap {
	spinlock_t lock;
	struct slab *partial[NR_CLASSES]; /* slabs with at least one free object */
};

static struct heap heap;

static size_t class_size(unsigned int class)
{
	return (size_t)1 << (class + MIN_CLASS_SHIFT);
}

static unsigned int size_class(size_t size)
{
	unsigned int class = 0;

	while (class_size(class) < size)
		class++;
	return class;
}

static uint8_t *slab_object(struct slab *slab, unsigned int index)
{
	return (uint8_t *)slab + sizeof(*slab) + (size_t)index * class_size(slab->class);
}

static void slab_list_add(struct slab *slab)
{
	struct slab **head = &heap.partial[slab->class];

	slab->prev = NULL;
	slab->next = *head;
	if (*head)
		(*head)->prev = slab;
	*head = slab;
}

static void slab_list_remove(struct slab *slab)
{
	if (slab->prev)
		slab->prev->next = slab->next;
	else
		heap.partial[slab->class] = slab->next;
	if (slab->next)
		slab->next->prev = slab->prev;
	slab->prev = NULL;
	slab->next = NULL;
}

static struct slab *slab_create(unsigned int class)
{
	struct slab *slab;
	unsigned int nr;
	paddr_t pa;

	if (alloc_pages(0, &pa))
		return NULL;
	slab = phys_to_virt(pa);
	nr = (PAGE_SIZE - sizeof(*slab)) / class_size(class);
	memset(slab, 0, sizeof(*slab));
	slab->magic = SLAB_MAGIC;
	slab->class = (uint16_t)class;
	slab->nr_objects = (uint16_t)nr;
	slab->nr_free = (uint16_t)nr;
	slab_list_add(slab);
	return slab;
}

static void *slab_alloc(unsigned int class)
{
	struct slab *slab = heap.partial[class];
	unsigned int index = 0;

	if (!slab) {
		slab = slab_create(class);
		if (!slab)
			return NULL;
	}
	/* A slab on the list has a free object, so the lowest clear bit is below nr_objects. */
	for (unsigned int w = 0; w < ARRAY_SIZE(slab->used); w++) {
		if (slab->used[w] != ~0ULL) {
			index = w * BITS_PER_WORD + (unsigned int)__builtin_ctzll(~slab->used[w]);
			break;
		}
	}
	slab->used[index / BITS_PER_WORD] |= 1ULL << (index % BITS_PER_WORD);
	if (--slab->nr_free == 0)
		slab_list_remove(slab);
	return slab_object(slab, index);
}

static void slab_free(struct slab *slab, void *ptr)
{
	size_t offset = (size_t)((uint8_t *)ptr - (uint8_t *)slab);
	unsigned int index;
	uint64_t bit;

	if (slab->class >= NR_CLASSES || offset < sizeof(*slab) ||
	    (offset - sizeof(*slab)) % class_size(slab->class) != 0) {
		pr_err("heap: kfree(%p): not an object of its slab, ignored\n", ptr);
		return;
	}
	index = (unsigned int)((offset - sizeof(*slab)) / class_size(slab->class));
	bit = 1ULL << (index % BITS_PER_WORD);
	if (index >= slab->nr_objects || !(slab->used[index / BITS_PER_WORD] & bit)) {
		pr_err("heap: kfree(%p): double free, ignored\n", ptr);
		return;
	}

	slab->used[index / BITS_PER_WORD] &= ~bit;
	if (slab->nr_free++ == 0)
		slab_list_add(slab);
	if (slab->nr_free == slab->nr_objects) {
		slab_list_remove(slab);
		/* A stale pointer into a released slab must not pass for a live one. */
		slab->magic = 0;
		free_pages(virt_to_phys(slab), 0);
	}
}

static void *large_alloc(size_t size)
{
	struct large_block *block;
	unsigned int order = 0;
	uint64_t pages;
	paddr_t pa;

	/* Nothing this large exists; refusing it here keeps the sum below from wrapping. */
	if (size > SIZE_MAX - sizeof(*block) - (PAGE_SIZE - 1))
		return NULL;
	pages = (size + sizeof(*block) + PAGE_SIZE - 1) / PAGE_SIZE;
	while ((1ULL << order) < pages)
		order++;
	if (alloc_pages(order, &pa))
		return NULL;
	block = phys_to_virt(pa);
	block->magic = LARGE_MAGIC;
	block->order = order;
	block->size = size;
	return block + 1;
}

static void large_free(struct large_block *block, void *ptr)
{
	if (ptr != (void *)(block + 1)) {
		pr_err("heap: kfree(%p): not the start of a block, ignored\n", ptr);
		return;
	}
	block->magic = 0;
	free_pages(virt_to_phys(block), block->order);
}

void *kmalloc(size_t size)
{
	void *ptr;

	if (size == 0)
		return NULL;
	if (size > class_size(NR_CLASSES - 1))
		return large_alloc(size);
	spin_lock(&heap.lock);
	ptr = slab_alloc(size_class(size));
	spin_unlock(&heap.lock);
	return ptr;
}

void *kzalloc(size_t size)
{
	void *ptr = kmalloc(size);

	if (ptr)
		memset(ptr, 0, size);
	return ptr;
}

void kfree(void *ptr)
{
	uint32_t *header;

	if (!ptr)
		return;
	header = phys_to_virt(ALIGN_DOWN(virt_to_phys(ptr), PAGE_SIZE));
	/* Under the lock: freeing a slab's last object clears its magic. */
	spin_lock(&heap.lock);
	if (*header == SLAB_MAGIC)
		slab_free((struct slab *)header, ptr);
	else if (*header == LARGE_MAGIC)
		large_free((struct large_block *)header, ptr);
	else
		pr_err("heap: kfree(%p): not a heap pointer, ignored\n", ptr);
	spin_unlock(&heap.lock);
}
