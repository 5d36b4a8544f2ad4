/*
 * Event channels from a guest test kernel: shared_info mapped at a page of
 * the kernel's own, the upcall taken at RT_UPCALL_VECTOR (Linux's way: the
 * handler clears evtchn_upcall_pending, takes the selector word, then each
 * pending unmasked port, clearing its bit first), and per-port counts.
 */
#ifndef GUEST_RT_EVTCHN_H
#define GUEST_RT_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/public/event_channel.h"
#include "core/public/xen.h"

/* Ports whose events the runtime counts; a higher port's events only add to evtchn_other. */
#define RT_EVTCHN_COUNTED 64

extern volatile struct shared_info *rt_shared_info;
/*
 * vCPU 0's vcpu_info, which the upcall handler reads: shared_info's slot 0
 * until moved. Secondary vCPUs use their shared_info slots.
 */
extern volatile struct vcpu_info *rt_vcpu_info;
/* Events taken by the upcall handler, per port, and upcalls taken. */
extern volatile uint32_t evtchn_count[RT_EVTCHN_COUNTED];
extern volatile uint32_t evtchn_other;
extern volatile uint32_t evtchn_upcalls;
/* The vCPU whose upcall handler took each port's last event. */
extern volatile uint32_t evtchn_vcpu[RT_EVTCHN_COUNTED];
/*
 * Like Linux, a vCPU's handler takes only the events of its own ports: those
 * bind_ipi and bind_vcpu gave it (ports below 64); every other port is
 * vCPU 0's.
 */

/* Maps shared_info (XENMAPSPACE_shared_info) and installs the upcall handler; 0 or -errno. */
int evtchn_setup(void);
/* HVM_PARAM_CALLBACK_IRQ: the vector type at RT_UPCALL_VECTOR, or 0 to turn delivery off. */
int64_t evtchn_set_callback(bool on);

/* The domain's own id, from CPUID leaf base+4 (0 if it is not there). */
uint32_t rt_domid(void);

int64_t evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
int64_t evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *port);
int64_t evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port);
int64_t evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
int64_t evtchn_bind_vcpu(evtchn_port_t port, uint32_t vcpu);
int64_t evtchn_send(evtchn_port_t port);
int64_t evtchn_close(evtchn_port_t port);
int64_t evtchn_unmask(evtchn_port_t port);
int64_t evtchn_status(evtchn_port_t port, struct evtchn_status *st);

void evtchn_mask(evtchn_port_t port);
bool evtchn_is_pending(evtchn_port_t port);
void evtchn_clear(evtchn_port_t port);

/*
 * Waits (sti; hlt) until evtchn_count[port] reaches at least want or
 * max_halts wake-ups passed; returns the count. Interrupts are on after.
 */
uint32_t evtchn_wait(evtchn_port_t port, uint32_t want, uint64_t max_halts);

#endif
