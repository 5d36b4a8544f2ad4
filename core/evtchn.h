/*
 * Event channels (Xen's 2-level ABI): the hypervisor's side of
 * core/public/event_channel.h, and what the rest of the hypervisor uses to
 * notify guests - virtual IRQs (timers, debug keys) and channels whose
 * other end is the hypervisor itself (the console ring before a service
 * domain takes it over).
 */
#ifndef CORE_EVTCHN_H
#define CORE_EVTCHN_H

#include "core/domain.h"
#include "core/hypercall.h"
#include "core/public/event_channel.h"

/* A domain's channels: set up at creation, torn down (peers left unbound) when it dies. */
int evtchn_domain_init(struct domain *d);
void evtchn_domain_destroy(struct domain *d);

/* event_channel_op (hypercall 32). */
int64_t do_event_channel_op(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS]);

/* Raises a per-vCPU VIRQ (VIRQ_TIMER, VIRQ_DEBUG) on v, if the guest bound it. Any CPU. */
void evtchn_send_virq(struct vcpu *v, unsigned int virq);
/* Raises a global VIRQ of d (delivered to the vCPU the guest bound it on). Any CPU. */
void evtchn_send_global_virq(struct domain *d, unsigned int virq);

/*
 * A channel whose remote end is the hypervisor: the guest sees an
 * interdomain port bound to DOMID_XEN; its sends call fn(d, port, data)
 * on the sending CPU, with no lock of the event-channel code held.
 */
typedef void (*evtchn_hypervisor_fn_t)(struct domain *d, evtchn_port_t port, void *data);
int evtchn_alloc_hypervisor_port(struct domain *d, evtchn_hypervisor_fn_t fn, void *data,
				 evtchn_port_t *port);
/* The hypervisor's send on such a port (or any bound port of d): marks it pending. */
int evtchn_notify(struct domain *d, evtchn_port_t port);

/* The vector the architecture injects for v's upcalls; 0 if the guest set none. */
uint8_t evtchn_upcall_vector(const struct vcpu *v);
/* After v's vcpu_info moved or its vector changed: an upcall still pending is asserted again. */
void evtchn_upcall_reassert(struct vcpu *v);
/* Whether port is pending in d's shared_info (SCHEDOP_poll). */
bool evtchn_port_pending(const struct domain *d, evtchn_port_t port);

/* Debug key 'e'. */
void evtchn_dump(void);

#endif
