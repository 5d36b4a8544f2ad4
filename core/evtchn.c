/*
 * Event channels, Xen's 2-level ABI (Xen 4.17 common/event_channel.c and
 * event_2l.c semantics). A port is an index into the domain's bitmaps in
 * shared_info; setting its pending bit, then its word's bit in the
 * notified vCPU's evtchn_pending_sel, then that vCPU's
 * evtchn_upcall_pending, asks for one upcall (an interrupt vector the
 * architecture injects on the vCPU's next VM entry).
 *
 * Ports live in buckets of 64 allocated on first use, so a domain with a
 * handful of channels costs one bucket. Each domain's table has a lock;
 * an operation on two domains (bind, close of an interdomain channel)
 * takes both in address order. A channel's peer pointer stays valid while
 * it is bound: a domain's teardown closes each of its channels under both
 * locks, which leaves the peer's port unbound, never dangling.
 */
#include "core/evtchn.h"
#include "core/console.h"
#include "core/domain_lifecycle.h"
#include "core/errno.h"
#include "core/guest_memory.h"
#include "core/heap.h"
#include "core/hypercalls.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"
#include "core/mm.h"
#include "core/sched.h"
#include "core/timer.h"

#define BUCKET_PORTS 64
#define NR_BUCKETS (EVTCHN_2L_NR_CHANNELS / BUCKET_PORTS)

enum evtchn_state {
	ECS_FREE,
	ECS_UNBOUND,     /* waiting for u.unbound_dom to bind to it */
	ECS_INTERDOMAIN, /* connected to u.inter.port of u.inter.dom */
	ECS_VIRQ,        /* u.virq */
	ECS_IPI,         /* to notify_vcpu of its own domain */
	ECS_HYPERVISOR,  /* the remote end is the hypervisor: u.hv */
};

struct evtchn {
	uint8_t state; /* enum evtchn_state */
	uint16_t notify_vcpu;
	union {
		domid_t unbound_dom;
		struct {
			struct domain *dom;
			evtchn_port_t port;
		} inter;
		uint32_t virq;
		struct {
			evtchn_hypervisor_fn_t fn;
			void *data;
		} hv;
	} u;
};

struct evtchn_domain {
	spinlock_t lock;
	unsigned int nr_buckets; /* allocated */
	struct evtchn *buckets[NR_BUCKETS];
};

static struct shared_info *shared_info_of(const struct domain *d)
{
	return phys_to_virt(d->shared_info_hpa);
}

/* The channel behind a port, or NULL if the port was never allocated. Lock held. */
static struct evtchn *channel(const struct domain *d, evtchn_port_t port)
{
	struct evtchn *bucket;

	if (port == 0 || port >= EVTCHN_2L_NR_CHANNELS)
		return NULL;
	bucket = d->evtchn->buckets[port / BUCKET_PORTS];
	return bucket ? &bucket[port % BUCKET_PORTS] : NULL;
}

static bool virq_is_per_vcpu(uint32_t virq)
{
	return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF ||
	       virq == VIRQ_XENPMU;
}

static struct vcpu *vcpu_of(const struct domain *d, uint32_t id)
{
	return id < d->nr_vcpus && id < DOMAIN_MAX_VCPUS ? d->vcpus[id] : NULL;
}

/* ---- delivery ---------------------------------------------------------- */

/*
 * The vCPU has an upcall to take: the architecture injects it on the next
 * VM entry. A blocked vCPU wakes on its own CPU; one in guest mode on
 * another CPU is made to exit so the entry happens.
 */
static void vcpu_kick_upcall(struct vcpu *v)
{
	unsigned int cpu = v->cpu;

	__atomic_store_n(&v->upcall_asserted, true, __ATOMIC_SEQ_CST);
	/* Any event for the vCPU ends a SCHEDOP_poll too, as in Xen. */
	__atomic_store_n(&v->polling, false, __ATOMIC_RELAXED);
	/* A kick that finds it between exits costs one spare exit; a missed one, a lost event. */
	if (!sched_wake(v) && cpu != arch_cpu_id())
		arch_kick_cpu(cpu);
}

static void vcpu_mark_events_pending(struct vcpu *v)
{
	if (__atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_ACQ_REL))
		return;
	vcpu_kick_upcall(v);
}

/* SCHEDOP_poll sleepers of d waiting on port (or on several ports) wake up. */
static void wake_pollers(struct domain *d, evtchn_port_t port)
{
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		if (!v->polling || (v->poll_port >= 0 && (evtchn_port_t)v->poll_port != port))
			continue;
		if (__atomic_exchange_n(&v->polling, false, __ATOMIC_ACQ_REL))
			sched_wake(v);
	}
}

static bool test_and_set(volatile uint64_t *word, unsigned int bit)
{
	return __atomic_fetch_or(word, 1UL << bit, __ATOMIC_ACQ_REL) & (1UL << bit);
}

static bool test_and_clear(volatile uint64_t *word, unsigned int bit)
{
	return __atomic_fetch_and(word, ~(1UL << bit), __ATOMIC_ACQ_REL) & (1UL << bit);
}

static bool test_bit64(const volatile uint64_t *word, unsigned int bit)
{
	return __atomic_load_n(word, __ATOMIC_ACQUIRE) & (1UL << bit);
}

/* Xen's evtchn_2l_set_pending: pending bit, selector bit, upcall. */
static void set_pending(struct domain *d, evtchn_port_t port, uint32_t notify_vcpu)
{
	struct shared_info *si = shared_info_of(d);
	unsigned int word = port / 64, bit = port % 64;
	struct vcpu *v = vcpu_of(d, notify_vcpu);

	if (test_and_set(&si->evtchn_pending[word], bit))
		return;
	if (v && !test_bit64(&si->evtchn_mask[word], bit) &&
	    !test_and_set(&v->vcpu_info->evtchn_pending_sel, word))
		vcpu_mark_events_pending(v);
	/* A poller waits on masked ports too. */
	wake_pollers(d, port);
}

static void clear_pending(struct domain *d, evtchn_port_t port)
{
	test_and_clear(&shared_info_of(d)->evtchn_pending[port / 64], port % 64);
}

/* ---- allocation -------------------------------------------------------- */

/* The lowest free port (a new bucket if needed), or -ENOSPC / -ENOMEM. Lock held. */
static int alloc_port(struct domain *d)
{
	struct evtchn_domain *ed = d->evtchn;

	for (unsigned int b = 0; b < NR_BUCKETS; b++) {
		struct evtchn *bucket = ed->buckets[b];

		if (!bucket) {
			bucket = kzalloc(sizeof(struct evtchn) * BUCKET_PORTS);
			if (!bucket)
				return -ENOMEM;
			ed->buckets[b] = bucket;
			ed->nr_buckets++;
		}
		for (unsigned int i = b == 0 ? 1 : 0; i < BUCKET_PORTS; i++)
			if (bucket[i].state == ECS_FREE)
				return (int)(b * BUCKET_PORTS + i);
	}
	return -ENOSPC;
}

static void free_port(struct domain *d, evtchn_port_t port)
{
	struct evtchn *chn = channel(d, port);

	clear_pending(d, port);
	memset(chn, 0, sizeof(*chn));
}

/* Takes the table locks of a and b (which may be the same domain) in address order. */
static void lock_pair(struct domain *a, struct domain *b)
{
	if (a == b) {
		spin_lock(&a->evtchn->lock);
	} else if (a < b) {
		spin_lock(&a->evtchn->lock);
		spin_lock(&b->evtchn->lock);
	} else {
		spin_lock(&b->evtchn->lock);
		spin_lock(&a->evtchn->lock);
	}
}

static void unlock_pair(struct domain *a, struct domain *b)
{
	spin_unlock(&a->evtchn->lock);
	if (a != b)
		spin_unlock(&b->evtchn->lock);
}

/* ---- set-up and teardown ----------------------------------------------- */

/* SCHEDOP_poll's timeout: a vCPU still polling wakes (the hypercall returns 0). */
static void poll_timeout(void *data)
{
	struct vcpu *v = data;

	if (__atomic_exchange_n(&v->polling, false, __ATOMIC_ACQ_REL))
		sched_wake(v);
}

int evtchn_domain_init(struct domain *d)
{
	paddr_t hpa;
	int rc;

	d->evtchn = kzalloc(sizeof(*d->evtchn));
	if (!d->evtchn)
		return -ENOMEM;
	/* The bitmaps exist from the start: a port may fire before the guest maps the page. */
	if (!d->shared_info_hpa) {
		rc = domain_alloc_overhead_page(d, &hpa);
		if (rc)
			return rc;
		memset(phys_to_virt(hpa), 0, PAGE_SIZE);
		d->shared_info_hpa = hpa;
	}
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		v->poll_port = -1;
		timer_init(&v->poll_timer, poll_timeout, v, v->cpu);
		if (!v->vcpu_info) {
			if (v->id >= XEN_LEGACY_MAX_VCPUS)
				return -EINVAL;
			v->vcpu_info = &shared_info_of(d)->vcpu_info[v->id];
		}
	}
	return 0;
}

/* Closes one channel of d, leaving an interdomain peer unbound. Lock of d held. */
static void close_locked(struct domain *d, evtchn_port_t port);

void evtchn_domain_destroy(struct domain *d)
{
	struct evtchn_domain *ed = d->evtchn;

	if (!ed)
		return;
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		timer_kill(&d->vcpus[i]->poll_timer);
	for (evtchn_port_t port = 1; port < ed->nr_buckets * BUCKET_PORTS; port++) {
		struct evtchn *chn;

		spin_lock(&ed->lock);
		chn = channel(d, port);
		if (chn && chn->state == ECS_INTERDOMAIN && chn->u.inter.dom != d) {
			struct domain *peer = chn->u.inter.dom;

			/* Both locks, in order: release ours first, then re-check. */
			spin_unlock(&ed->lock);
			lock_pair(d, peer);
			chn = channel(d, port);
			if (chn->state == ECS_INTERDOMAIN && chn->u.inter.dom == peer)
				close_locked(d, port);
			unlock_pair(d, peer);
			continue;
		}
		if (chn && chn->state != ECS_FREE)
			close_locked(d, port);
		spin_unlock(&ed->lock);
	}
	for (unsigned int b = 0; b < NR_BUCKETS; b++)
		kfree(ed->buckets[b]);
	kfree(ed);
	d->evtchn = NULL;
}

/* ---- the operations ---------------------------------------------------- */


static void close_locked(struct domain *d, evtchn_port_t port)
{
	struct evtchn *chn = channel(d, port);
	struct vcpu *v;

	switch (chn->state) {
	case ECS_VIRQ:
		v = vcpu_of(d, virq_is_per_vcpu(chn->u.virq) ? chn->notify_vcpu : 0);
		if (v && v->virq_port[chn->u.virq] == port)
			v->virq_port[chn->u.virq] = 0;
		break;
	case ECS_INTERDOMAIN: {
		/* The caller holds the peer's lock too. */
		struct domain *peer = chn->u.inter.dom;
		struct evtchn *remote = channel(peer, chn->u.inter.port);

		remote->state = ECS_UNBOUND;
		remote->u.unbound_dom = d->id;
		break;
	}
	default:
		break;
	}
	free_port(d, port);
}

static int evtchn_close(struct domain *d, evtchn_port_t port)
{
	struct evtchn *chn;
	struct domain *peer;
	int rc = 0;

	spin_lock(&d->evtchn->lock);
	chn = channel(d, port);
	if (!chn || chn->state == ECS_FREE) {
		spin_unlock(&d->evtchn->lock);
		return -EINVAL;
	}
	if (chn->state != ECS_INTERDOMAIN || chn->u.inter.dom == d) {
		if (chn->state == ECS_INTERDOMAIN) {
			/* A loopback channel: both ends are ours. */
			evtchn_port_t other = chn->u.inter.port;

			if (other != port) {
				channel(d, other)->state = ECS_UNBOUND;
				channel(d, other)->u.unbound_dom = d->id;
			}
			free_port(d, port);
		} else {
			close_locked(d, port);
		}
		spin_unlock(&d->evtchn->lock);
		return 0;
	}
	peer = chn->u.inter.dom;
	spin_unlock(&d->evtchn->lock);

	lock_pair(d, peer);
	chn = channel(d, port);
	/* It may have changed while no lock was held. */
	if (chn->state == ECS_INTERDOMAIN && chn->u.inter.dom == peer)
		close_locked(d, port);
	else if (chn->state != ECS_FREE)
		rc = -EAGAIN;
	unlock_pair(d, peer);
	if (rc == -EAGAIN)
		return evtchn_close(d, port);
	return rc;
}

static int evtchn_alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *a)
{
	int port, rc;

	rc = hypercall_check_domid(d, a->dom);
	if (rc)
		return rc;
	if (a->remote_dom == DOMID_SELF)
		a->remote_dom = d->id;
	else if (a->remote_dom >= DOMID_FIRST_RESERVED)
		return -EINVAL;

	spin_lock(&d->evtchn->lock);
	port = alloc_port(d);
	if (port > 0) {
		struct evtchn *chn = channel(d, (evtchn_port_t)port);

		chn->state = ECS_UNBOUND;
		chn->u.unbound_dom = a->remote_dom;
		a->port = (evtchn_port_t)port;
	}
	spin_unlock(&d->evtchn->lock);
	return port < 0 ? port : 0;
}

struct bind_args {
	struct domain *local;
	struct evtchn_bind_interdomain *b;
};

/* With domains_lock held, so the remote domain cannot be freed meanwhile. */
static int bind_interdomain_locked(struct domain *remote, void *arg)
{
	struct bind_args *ba = arg;
	struct domain *d = ba->local;
	struct evtchn *rchn, *lchn;
	int port, rc = 0;

	if (!remote->evtchn || !d->evtchn)
		return -ESRCH;
	lock_pair(d, remote);
	rchn = channel(remote, ba->b->remote_port);
	if (!rchn || rchn->state != ECS_UNBOUND || rchn->u.unbound_dom != d->id) {
		rc = -EINVAL;
		goto out;
	}
	port = alloc_port(d);
	if (port < 0) {
		rc = port;
		goto out;
	}
	lchn = channel(d, (evtchn_port_t)port);
	lchn->state = ECS_INTERDOMAIN;
	lchn->notify_vcpu = 0;
	lchn->u.inter.dom = remote;
	lchn->u.inter.port = ba->b->remote_port;
	rchn->state = ECS_INTERDOMAIN;
	rchn->u.inter.dom = d;
	rchn->u.inter.port = (evtchn_port_t)port;
	ba->b->local_port = (evtchn_port_t)port;
	/* Events sent to the unbound port were dropped: one now, as Xen does. */
	set_pending(d, (evtchn_port_t)port, lchn->notify_vcpu);
out:
	unlock_pair(d, remote);
	return rc;
}

static int evtchn_bind_interdomain(struct domain *d, struct evtchn_bind_interdomain *b)
{
	struct bind_args ba = { d, b };
	domid_t rdom = b->remote_dom == DOMID_SELF ? d->id : b->remote_dom;

	if (rdom >= MAX_DOMAINS)
		return -ESRCH;
	return domain_call_locked(rdom, bind_interdomain_locked, &ba);
}

static int evtchn_bind_virq(struct domain *d, struct evtchn_bind_virq *b)
{
	struct vcpu *v;
	int port;

	if (b->virq >= NR_VIRQS)
		return -EINVAL;
	if (!virq_is_per_vcpu(b->virq) && b->vcpu != 0)
		return -EINVAL;
	v = vcpu_of(d, b->vcpu);
	if (!v)
		return -ENOENT;

	spin_lock(&d->evtchn->lock);
	if (v->virq_port[b->virq]) {
		port = -EEXIST;
		goto out;
	}
	port = alloc_port(d);
	if (port > 0) {
		struct evtchn *chn = channel(d, (evtchn_port_t)port);

		chn->state = ECS_VIRQ;
		chn->notify_vcpu = (uint16_t)b->vcpu;
		chn->u.virq = b->virq;
		v->virq_port[b->virq] = (uint32_t)port;
		b->port = (evtchn_port_t)port;
	}
out:
	spin_unlock(&d->evtchn->lock);
	return port < 0 ? port : 0;
}

static int evtchn_bind_ipi(struct domain *d, struct evtchn_bind_ipi *b)
{
	int port;

	if (!vcpu_of(d, b->vcpu))
		return -ENOENT;
	spin_lock(&d->evtchn->lock);
	port = alloc_port(d);
	if (port > 0) {
		struct evtchn *chn = channel(d, (evtchn_port_t)port);

		chn->state = ECS_IPI;
		chn->notify_vcpu = (uint16_t)b->vcpu;
		b->port = (evtchn_port_t)port;
	}
	spin_unlock(&d->evtchn->lock);
	return port < 0 ? port : 0;
}

static int evtchn_send(struct domain *d, evtchn_port_t port)
{
	evtchn_hypervisor_fn_t fn = NULL;
	struct evtchn *chn;
	void *data = NULL;
	int rc = 0;

	spin_lock(&d->evtchn->lock);
	chn = channel(d, port);
	if (!chn) {
		rc = -EINVAL;
		goto out;
	}
	switch (chn->state) {
	case ECS_INTERDOMAIN: {
		/* The peer cannot go away: its teardown needs our lock. */
		struct domain *peer = chn->u.inter.dom;
		evtchn_port_t rport = chn->u.inter.port;

		set_pending(peer, rport, channel(peer, rport)->notify_vcpu);
		break;
	}
	case ECS_IPI:
		set_pending(d, port, chn->notify_vcpu);
		break;
	case ECS_UNBOUND:
		/* Nobody listens yet: dropped, as in Xen. */
		break;
	case ECS_HYPERVISOR:
		fn = chn->u.hv.fn;
		data = chn->u.hv.data;
		break;
	default:
		rc = -EINVAL;
		break;
	}
out:
	spin_unlock(&d->evtchn->lock);
	if (fn)
		fn(d, port, data);
	return rc;
}

static int evtchn_status(struct domain *d, struct evtchn_status *s)
{
	struct evtchn *chn;
	int rc;

	rc = hypercall_check_domid(d, s->dom);
	if (rc)
		return rc;
	if (s->port == 0 || s->port >= EVTCHN_2L_NR_CHANNELS)
		return -EINVAL;

	memset(&s->u, 0, sizeof(s->u));
	spin_lock(&d->evtchn->lock);
	chn = channel(d, s->port);
	s->vcpu = chn ? chn->notify_vcpu : 0;
	switch (chn ? chn->state : ECS_FREE) {
	case ECS_FREE:
		s->status = EVTCHNSTAT_closed;
		break;
	case ECS_UNBOUND:
		s->status = EVTCHNSTAT_unbound;
		s->u.unbound.dom = chn->u.unbound_dom;
		break;
	case ECS_INTERDOMAIN:
		s->status = EVTCHNSTAT_interdomain;
		s->u.interdomain.dom = chn->u.inter.dom->id;
		s->u.interdomain.port = chn->u.inter.port;
		break;
	case ECS_HYPERVISOR:
		s->status = EVTCHNSTAT_interdomain;
		s->u.interdomain.dom = DOMID_XEN;
		break;
	case ECS_VIRQ:
		s->status = EVTCHNSTAT_virq;
		s->u.virq = chn->u.virq;
		break;
	case ECS_IPI:
		s->status = EVTCHNSTAT_ipi;
		break;
	}
	spin_unlock(&d->evtchn->lock);
	return 0;
}

static int evtchn_bind_vcpu(struct domain *d, struct evtchn_bind_vcpu *b)
{
	struct evtchn *chn;
	int rc = 0;

	if (!vcpu_of(d, b->vcpu))
		return -ENOENT;
	spin_lock(&d->evtchn->lock);
	chn = channel(d, b->port);
	if (!chn) {
		rc = -EINVAL;
		goto out;
	}
	switch (chn->state) {
	case ECS_VIRQ:
		if (virq_is_per_vcpu(chn->u.virq)) {
			rc = -EINVAL;
			break;
		}
		chn->notify_vcpu = (uint16_t)b->vcpu;
		break;
	case ECS_UNBOUND:
	case ECS_INTERDOMAIN:
	case ECS_HYPERVISOR:
		chn->notify_vcpu = (uint16_t)b->vcpu;
		break;
	default:
		rc = -EINVAL;
		break;
	}
out:
	spin_unlock(&d->evtchn->lock);
	return rc;
}

/* Xen's evtchn_2l_unmask: an event that came in while masked is delivered now. */
static int evtchn_unmask(struct domain *d, evtchn_port_t port)
{
	struct shared_info *si = shared_info_of(d);
	unsigned int word = port / 64, bit = port % 64;
	struct evtchn *chn;
	struct vcpu *v;

	spin_lock(&d->evtchn->lock);
	chn = channel(d, port);
	if (!chn || chn->state == ECS_FREE) {
		spin_unlock(&d->evtchn->lock);
		return -EINVAL;
	}
	v = vcpu_of(d, chn->notify_vcpu);
	if (test_and_clear(&si->evtchn_mask[word], bit) && test_bit64(&si->evtchn_pending[word], bit) &&
	    v && !test_and_set(&v->vcpu_info->evtchn_pending_sel, word))
		vcpu_mark_events_pending(v);
	spin_unlock(&d->evtchn->lock);
	return 0;
}

/* Closes every guest channel; the hypervisor's own (the console) stay. */
static int evtchn_reset(struct domain *d, struct evtchn_reset *r)
{
	int rc = hypercall_check_domid(d, r->dom);

	if (rc)
		return rc;
	for (evtchn_port_t port = 1; port < d->evtchn->nr_buckets * BUCKET_PORTS; port++) {
		struct evtchn *chn;
		bool used;

		spin_lock(&d->evtchn->lock);
		chn = channel(d, port);
		used = chn && chn->state != ECS_FREE && chn->state != ECS_HYPERVISOR;
		spin_unlock(&d->evtchn->lock);
		if (used)
			evtchn_close(d, port);
	}
	return 0;
}

/* ---- the hypercall ----------------------------------------------------- */

/*
 * EVTCHNOP_init_control: the FIFO ABI is not offered, so a well-formed
 * request answers -ENOSYS (Linux then uses 2-level). A malformed one gets
 * the error Xen's checks give it first - a control block that does not fit
 * its page, no such vCPU, a frame that is not the domain's RAM - so no
 * caller is told "unsupported" for a request that was never valid.
 */
static int fifo_init_control(struct vcpu *v, uint64_t arg)
{
	struct domain *d = v->domain;
	struct evtchn_init_control ic;

	if (copy_from_guest(v, &ic, arg, sizeof(ic)))
		return -EFAULT;
	if (ic.offset > PAGE_SIZE - EVTCHN_FIFO_CONTROL_BLOCK_SIZE || (ic.offset & 7))
		return -EINVAL;
	if (!vcpu_of(d, ic.vcpu))
		return -ENOENT;
	if (ic.control_gfn >= d->memory_bytes >> PAGE_SHIFT)
		return -EINVAL;
	return -ENOSYS;
}

/* Each command's argument size: in and out are the same structure. */
static const uint8_t op_size[] = {
	[EVTCHNOP_bind_interdomain] = sizeof(struct evtchn_bind_interdomain),
	[EVTCHNOP_bind_virq] = sizeof(struct evtchn_bind_virq),
	[EVTCHNOP_close] = sizeof(struct evtchn_close),
	[EVTCHNOP_send] = sizeof(struct evtchn_send),
	[EVTCHNOP_status] = sizeof(struct evtchn_status),
	[EVTCHNOP_alloc_unbound] = sizeof(struct evtchn_alloc_unbound),
	[EVTCHNOP_bind_ipi] = sizeof(struct evtchn_bind_ipi),
	[EVTCHNOP_bind_vcpu] = sizeof(struct evtchn_bind_vcpu),
	[EVTCHNOP_unmask] = sizeof(struct evtchn_unmask),
	[EVTCHNOP_reset] = sizeof(struct evtchn_reset),
};

int64_t do_event_channel_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	uint32_t cmd = (uint32_t)args[0];
	uint64_t arg = args[1];
	struct domain *d = v->domain;
	union {
		struct evtchn_bind_interdomain bind_interdomain;
		struct evtchn_bind_virq bind_virq;
		struct evtchn_close close;
		struct evtchn_send send;
		struct evtchn_status status;
		struct evtchn_alloc_unbound alloc_unbound;
		struct evtchn_bind_ipi bind_ipi;
		struct evtchn_bind_vcpu bind_vcpu;
		struct evtchn_unmask unmask;
		struct evtchn_reset reset;
	} op;
	int rc;

	switch (cmd) {
	case EVTCHNOP_bind_pirq:
		/* Physical IRQs belong to the service domain (not here yet). */
		return -EPERM;
	case EVTCHNOP_init_control:
		return fifo_init_control(v, arg);
	case EVTCHNOP_expand_array:
	case EVTCHNOP_set_priority:
		/* The FIFO ABI: Linux falls back to 2-level on -ENOSYS. */
		return -ENOSYS;
	default:
		if (cmd >= ARRAY_SIZE(op_size) || !op_size[cmd])
			return -ENOSYS;
	}
	if (copy_from_guest(v, &op, arg, op_size[cmd]))
		return -EFAULT;

	switch (cmd) {
	case EVTCHNOP_send:
		return evtchn_send(d, op.send.port);
	case EVTCHNOP_unmask:
		return evtchn_unmask(d, op.unmask.port);
	case EVTCHNOP_close:
		return evtchn_close(d, op.close.port);
	case EVTCHNOP_bind_vcpu:
		return evtchn_bind_vcpu(d, &op.bind_vcpu);
	case EVTCHNOP_reset:
		return evtchn_reset(d, &op.reset);
	case EVTCHNOP_bind_interdomain:
		rc = evtchn_bind_interdomain(d, &op.bind_interdomain);
		break;
	case EVTCHNOP_bind_virq:
		rc = evtchn_bind_virq(d, &op.bind_virq);
		break;
	case EVTCHNOP_status:
		rc = evtchn_status(d, &op.status);
		break;
	case EVTCHNOP_alloc_unbound:
		rc = evtchn_alloc_unbound(d, &op.alloc_unbound);
		break;
	case EVTCHNOP_bind_ipi:
		rc = evtchn_bind_ipi(d, &op.bind_ipi);
		break;
	default:
		return -ENOSYS;
	}
	/*
	 * Only the commands that break out of the switch have results to give
	 * back. A port the guest cannot learn of stays allocated, as in Xen.
	 */
	if (!rc && copy_to_guest(v, arg, &op, op_size[cmd]))
		return -EFAULT;
	return rc;
}

/* ---- for the rest of the hypervisor ------------------------------------ */

void evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
	struct domain *d = v->domain;
	evtchn_port_t port;

	if (virq >= NR_VIRQS || !d->evtchn)
		return;
	spin_lock(&d->evtchn->lock);
	port = v->virq_port[virq];
	if (port)
		set_pending(d, port, channel(d, port)->notify_vcpu);
	spin_unlock(&d->evtchn->lock);
}

void evtchn_send_global_virq(struct domain *d, unsigned int virq)
{
	if (d->nr_vcpus && !virq_is_per_vcpu(virq))
		evtchn_send_virq(d->vcpus[0], virq);
}

int evtchn_alloc_hypervisor_port(struct domain *d, evtchn_hypervisor_fn_t fn, void *data,
				 evtchn_port_t *port)
{
	int p;

	spin_lock(&d->evtchn->lock);
	p = alloc_port(d);
	if (p > 0) {
		struct evtchn *chn = channel(d, (evtchn_port_t)p);

		chn->state = ECS_HYPERVISOR;
		chn->u.hv.fn = fn;
		chn->u.hv.data = data;
		*port = (evtchn_port_t)p;
	}
	spin_unlock(&d->evtchn->lock);
	return p < 0 ? p : 0;
}

int evtchn_notify(struct domain *d, evtchn_port_t port)
{
	struct evtchn *chn;
	int rc = 0;

	spin_lock(&d->evtchn->lock);
	chn = channel(d, port);
	if (chn && chn->state != ECS_FREE && chn->state != ECS_UNBOUND)
		set_pending(d, port, chn->notify_vcpu);
	else
		rc = -EINVAL;
	spin_unlock(&d->evtchn->lock);
	return rc;
}

uint8_t evtchn_upcall_vector(const struct vcpu *v)
{
	return v->upcall_vector ? v->upcall_vector : v->domain->callback_vector;
}

void evtchn_upcall_reassert(struct vcpu *v)
{
	if (__atomic_load_n(&v->vcpu_info->evtchn_upcall_pending, __ATOMIC_ACQUIRE))
		vcpu_kick_upcall(v);
}

bool evtchn_port_pending(const struct domain *d, evtchn_port_t port)
{
	if (port >= EVTCHN_2L_NR_CHANNELS)
		return false;
	return test_bit64(&shared_info_of(d)->evtchn_pending[port / 64], port % 64);
}

/* ---- debug key 'e' ----------------------------------------------------- */

static const char *const state_names[] = {
	[ECS_FREE] = "free",	       [ECS_UNBOUND] = "unbound", [ECS_INTERDOMAIN] = "interdomain",
	[ECS_VIRQ] = "virq",	       [ECS_IPI] = "ipi",	  [ECS_HYPERVISOR] = "hypervisor",
};

static int dump_domain(struct domain *d, void *arg)
{
	struct shared_info *si;
	unsigned int used = 0;

	if (!d->evtchn)
		return 0;
	si = shared_info_of(d);
	spin_lock(&d->evtchn->lock);
	pr_info("  d%u (%s): %u bucket%s of %u ports\n", d->id, d->name, d->evtchn->nr_buckets,
		d->evtchn->nr_buckets == 1 ? "" : "s", BUCKET_PORTS);
	for (evtchn_port_t port = 1; port < d->evtchn->nr_buckets * BUCKET_PORTS; port++) {
		struct evtchn *chn = channel(d, port);
		char remote[48] = "";

		if (chn->state == ECS_FREE)
			continue;
		if (++used > 64) {
			pr_info("    ... more ports not shown\n");
			break;
		}
		if (chn->state == ECS_UNBOUND)
			snprintf(remote, sizeof(remote), " for d%u", chn->u.unbound_dom);
		else if (chn->state == ECS_INTERDOMAIN)
			snprintf(remote, sizeof(remote), " to d%u port %u", chn->u.inter.dom->id,
				 chn->u.inter.port);
		else if (chn->state == ECS_VIRQ)
			snprintf(remote, sizeof(remote), " virq %u", chn->u.virq);
		pr_info("    port %4u %-11s%s vcpu %u%s%s\n", port, state_names[chn->state], remote,
			chn->notify_vcpu, test_bit64(&si->evtchn_pending[port / 64], port % 64) ? " pending" : "",
			test_bit64(&si->evtchn_mask[port / 64], port % 64) ? " masked" : "");
	}
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu_info *vi = d->vcpus[i]->vcpu_info;

		pr_info("    vcpu %u: upcall_pending %u mask %u pending_sel %#lx vector %#x\n", i,
			vi->evtchn_upcall_pending, vi->evtchn_upcall_mask,
			(unsigned long)vi->evtchn_pending_sel, evtchn_upcall_vector(d->vcpus[i]));
	}
	spin_unlock(&d->evtchn->lock);
	return 0;
}

void evtchn_dump(void)
{
	domains_for_each(dump_domain, NULL);
}
