/* Event channels for guest test kernels; see evtchn.h. */
#include "rt/rt.h"

/* The RAM page shared_info replaces: the kernel is identity-mapped, so its address is its gfn. */
static uint8_t shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

volatile struct shared_info *rt_shared_info;
volatile struct vcpu_info *rt_vcpu_info;
volatile uint32_t evtchn_count[RT_EVTCHN_COUNTED];
volatile uint32_t evtchn_other;
volatile uint32_t evtchn_upcalls;
volatile uint32_t evtchn_vcpu[RT_EVTCHN_COUNTED];
/* Bit p of evtchn_ports_of[v]: port p (< 64) notifies vCPU v. All start on vCPU 0. */
static volatile uint64_t evtchn_ports_of[RT_MAX_VCPUS] = { [0] = ~0ull };

static void set_owner(evtchn_port_t port, uint32_t vcpu)
{
	if (port >= 64 || vcpu >= RT_MAX_VCPUS)
		return;
	for (unsigned int v = 0; v < RT_MAX_VCPUS; v++)
		__atomic_and_fetch(&evtchn_ports_of[v], ~(1ull << port), __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&evtchn_ports_of[vcpu], 1ull << port, __ATOMIC_SEQ_CST);
}

uint32_t rt_domid(void)
{
	struct cpuid_result r;

	if (!xen_cpuid_base)
		return 0;
	r = cpuid(xen_cpuid_base + 4);
	return r.eax & XEN_HVM_CPUID_DOMID_PRESENT ? r.ecx : 0;
}

/* Linux's xen_evtchn_do_upcall order: the flag, the selector, then each port. */
static void upcall(void)
{
	unsigned int self = rt_vcpu_id();
	volatile struct vcpu_info *vi = self ? &rt_shared_info->vcpu_info[self] : rt_vcpu_info;
	uint64_t sel;

	__atomic_add_fetch(&evtchn_upcalls, 1, __ATOMIC_RELAXED);
	vi->evtchn_upcall_pending = 0;
	sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int word = (unsigned int)__builtin_ctzll(sel);
		uint64_t bits;

		sel &= sel - 1;
		bits = rt_shared_info->evtchn_pending[word] & ~rt_shared_info->evtchn_mask[word];
		/* Only our own ports: another vCPU's share the word but are its to take. */
		if (word == 0)
			bits &= evtchn_ports_of[self];
		else if (self != 0)
			bits = 0;
		while (bits) {
			unsigned int bit = (unsigned int)__builtin_ctzll(bits);
			evtchn_port_t port = word * 64 + bit;

			bits &= bits - 1;
			__atomic_fetch_and(&rt_shared_info->evtchn_pending[word], ~(1ull << bit),
					   __ATOMIC_SEQ_CST);
			if (port < RT_EVTCHN_COUNTED) {
				evtchn_vcpu[port] = self;
				__atomic_add_fetch(&evtchn_count[port], 1, __ATOMIC_RELEASE);
			} else {
				__atomic_add_fetch(&evtchn_other, 1, __ATOMIC_RELAXED);
			}
		}
	}
}

int evtchn_setup(void)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_shared_info,
		.idx = 0,
		.gpfn = (uint64_t)(uintptr_t)shared_info_page >> PAGE_SHIFT,
	};
	int64_t rc = hypercall_memory_op(XENMEM_add_to_physmap, &xatp);

	if (rc)
		return (int)rc;
	rt_shared_info = (volatile struct shared_info *)shared_info_page;
	rt_vcpu_info = &rt_shared_info->vcpu_info[0];
	traps_set_upcall_handler(upcall);
	return 0;
}

int64_t evtchn_set_callback(bool on)
{
	struct xen_hvm_param p = {
		.domid = DOMID_SELF,
		.index = HVM_PARAM_CALLBACK_IRQ,
		.value = on ? (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_TYPE_SHIFT |
				      RT_UPCALL_VECTOR :
			      0,
	};

	return hypercall_hvm_op(HVMOP_set_param, &p);
}

int64_t evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = remote };
	int64_t rc = hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	*port = rc ? 0 : op.port;
	return rc;
}

int64_t evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *port)
{
	struct evtchn_bind_interdomain op = { .remote_dom = remote, .remote_port = remote_port };
	int64_t rc = hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &op);

	*port = rc ? 0 : op.local_port;
	return rc;
}

int64_t evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_ipi op = { .vcpu = vcpu };
	int64_t rc = hypercall_event_channel_op(EVTCHNOP_bind_ipi, &op);

	*port = rc ? 0 : op.port;
	if (!rc)
		set_owner(op.port, vcpu);
	return rc;
}

int64_t evtchn_bind_vcpu(evtchn_port_t port, uint32_t vcpu)
{
	struct evtchn_bind_vcpu op = { .port = port, .vcpu = vcpu };
	int64_t rc = hypercall_event_channel_op(EVTCHNOP_bind_vcpu, &op);

	if (!rc)
		set_owner(port, vcpu);
	return rc;
}

int64_t evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu };
	int64_t rc = hypercall_event_channel_op(EVTCHNOP_bind_virq, &op);

	*port = rc ? 0 : op.port;
	return rc;
}

int64_t evtchn_send(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };

	return hypercall_event_channel_op(EVTCHNOP_send, &op);
}

int64_t evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };
	int64_t rc = hypercall_event_channel_op(EVTCHNOP_close, &op);

	/* A port allocated again starts on vCPU 0, as the hypervisor binds it. */
	if (!rc)
		set_owner(port, 0);
	return rc;
}

int64_t evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };

	return hypercall_event_channel_op(EVTCHNOP_unmask, &op);
}

int64_t evtchn_status(evtchn_port_t port, struct evtchn_status *st)
{
	memset(st, 0, sizeof(*st));
	st->dom = DOMID_SELF;
	st->port = port;
	return hypercall_event_channel_op(EVTCHNOP_status, st);
}

void evtchn_mask(evtchn_port_t port)
{
	__atomic_fetch_or(&rt_shared_info->evtchn_mask[port / 64], 1ull << (port % 64),
			  __ATOMIC_SEQ_CST);
}

bool evtchn_is_pending(evtchn_port_t port)
{
	return rt_shared_info->evtchn_pending[port / 64] & (1ull << (port % 64));
}

void evtchn_clear(evtchn_port_t port)
{
	__atomic_fetch_and(&rt_shared_info->evtchn_pending[port / 64], ~(1ull << (port % 64)),
			   __ATOMIC_SEQ_CST);
}

uint32_t evtchn_wait(evtchn_port_t port, uint32_t want, uint64_t max_halts)
{
	uint32_t got;

	for (uint64_t i = 0;; i++) {
		irq_disable();
		got = evtchn_count[port];
		if (got >= want || i >= max_halts)
			break;
		safe_halt();
	}
	irq_enable();
	return got;
}
