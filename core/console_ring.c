/*
 * The hypervisor's end of each domain's PV console ring (see
 * console_ring.h). The guest may change the page at any moment: indices
 * are read once, checked, and the bytes copied out before they are used.
 */
#include "core/arch.h"
#include "core/console.h"
#include "core/console_ring.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/mm.h"
#include "core/public/console.h"

/* Bytes moved per step: each step is within the domain's output rate. */
#define DRAIN_CHUNK 128

int console_ring_domain_init(struct domain *d)
{
	paddr_t pa;
	int rc = domain_alloc_overhead_page(d, &pa);

	if (rc)
		return rc;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	rc = arch_domain_map(d, XENCONS_HVM_PFN << PAGE_SHIFT, pa, PAGE_SIZE,
			     ARCH_MAP_R | ARCH_MAP_W);
	if (rc) {
		domain_free_overhead_page(d, pa);
		return rc;
	}
	d->console_ring_hpa = pa;
	d->hvm_params[HVM_PARAM_CONSOLE_PFN] = XENCONS_HVM_PFN;
	return 0;
}

void console_ring_domain_destroy(struct domain *d)
{
	if (!d->console_ring_hpa)
		return;
	domain_free_overhead_page(d, d->console_ring_hpa);
	d->console_ring_hpa = 0;
}

void console_ring_drain(struct domain *d)
{
	struct xencons_interface *ring;
	char chunk[DRAIN_CHUNK];

	if (!d->console_ring_hpa)
		return;
	ring = phys_to_virt(d->console_ring_hpa);
	if (__atomic_load_n(&ring->out_cons, __ATOMIC_RELAXED) ==
	    __atomic_load_n(&ring->out_prod, __ATOMIC_RELAXED))
		return;
	/* One drainer at a time; another CPU already at it will see these bytes too. */
	if (!spin_trylock(&d->console_ring_lock))
		return;
	for (;;) {
		uint32_t cons = __atomic_load_n(&ring->out_cons, __ATOMIC_RELAXED);
		/* Acquire: the bytes before out_prod are the guest's, written before it. */
		uint32_t prod = __atomic_load_n(&ring->out_prod, __ATOMIC_ACQUIRE);
		uint32_t pending = prod - cons, at = cons & (XENCONS_OUT_SIZE - 1);
		size_t n;

		if (!pending)
			break;
		if (pending > XENCONS_OUT_SIZE) {
			/* Indices no producer could leave: skip what they claim, once logged. */
			if (!d->console_ring_broken)
				pr_warn("domain %u (%s): console ring indices cons %u prod %u: "
					"output dropped\n",
					d->id, d->name, cons, prod);
			d->console_ring_broken = true;
			__atomic_store_n(&ring->out_cons, prod, __ATOMIC_RELEASE);
			break;
		}
		n = MIN(MIN((size_t)pending, sizeof(chunk)), (size_t)(XENCONS_OUT_SIZE - at));
		if (!domain_console_tokens_take(d, n))
			break; /* over its rate: the rest stays in the ring */
		memcpy(chunk, &ring->out[at], n);
		/* Release: the guest may reuse the space only after we copied it. */
		__atomic_store_n(&ring->out_cons, cons + (uint32_t)n, __ATOMIC_RELEASE);
		domain_console_ring_write(d, chunk, n);
	}
	spin_unlock(&d->console_ring_lock);
}
