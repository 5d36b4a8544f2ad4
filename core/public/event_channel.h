/*
 * Event channels: Xen 4.17's public/event_channel.h ABI, the 2-level
 * (shared_info bitmap) variant. event_channel_op(cmd, arg) takes a pointer
 * to the command's structure; the layouts are the same for 32- and 64-bit
 * guests (fixed-width fields only, no padding differences).
 */
#ifndef CORE_PUBLIC_EVENT_CHANNEL_H
#define CORE_PUBLIC_EVENT_CHANNEL_H

#include "core/public/xen.h"
#include "core/types.h"

typedef uint32_t evtchn_port_t;

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_bind_pirq 2
#define EVTCHNOP_close 3
#define EVTCHNOP_send 4
#define EVTCHNOP_status 5
#define EVTCHNOP_alloc_unbound 6
#define EVTCHNOP_bind_ipi 7
#define EVTCHNOP_bind_vcpu 8
#define EVTCHNOP_unmask 9
#define EVTCHNOP_reset 10
#define EVTCHNOP_init_control 11
#define EVTCHNOP_expand_array 12
#define EVTCHNOP_set_priority 13

/* The 2-level ABI: one bit per port in shared_info, 64 x 64 ports on x86-64. */
#define EVTCHN_2L_NR_CHANNELS 4096

/* Virtual IRQs (public/xen.h). Per-vCPU ones bind to one vCPU; the others are global. */
#define VIRQ_TIMER 0   /* per vCPU: the singleshot/periodic timer fired */
#define VIRQ_DEBUG 1   /* per vCPU: a debug key was pressed */
#define VIRQ_CONSOLE 2 /* global: the hypervisor console has input (privileged) */
#define VIRQ_DOM_EXC 3 /* global: a domain ended (privileged) */
#define VIRQ_TBUF 4
#define VIRQ_DEBUGGER 6
#define VIRQ_XENOPROF 7
#define VIRQ_CON_RING 8
#define VIRQ_PCPU_STATE 9
#define VIRQ_MEM_EVENT 10
#define VIRQ_ARGO 11
#define VIRQ_ENOMEM 12
#define VIRQ_XENPMU 13
#define NR_VIRQS 24

struct evtchn_alloc_unbound {
	domid_t dom, remote_dom; /* IN */
	evtchn_port_t port;      /* OUT */
};

struct evtchn_bind_interdomain {
	domid_t remote_dom;          /* IN */
	evtchn_port_t remote_port;   /* IN */
	evtchn_port_t local_port;    /* OUT */
};

struct evtchn_bind_virq {
	uint32_t virq;      /* IN */
	uint32_t vcpu;      /* IN */
	evtchn_port_t port; /* OUT */
};

struct evtchn_bind_pirq {
	uint32_t pirq;
	uint32_t flags;
	evtchn_port_t port;
};

struct evtchn_bind_ipi {
	uint32_t vcpu;      /* IN */
	evtchn_port_t port; /* OUT */
};

struct evtchn_close {
	evtchn_port_t port;
};

struct evtchn_send {
	evtchn_port_t port;
};

#define EVTCHNSTAT_closed 0
#define EVTCHNSTAT_unbound 1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_pirq 3
#define EVTCHNSTAT_virq 4
#define EVTCHNSTAT_ipi 5

struct evtchn_status {
	domid_t dom;        /* IN */
	evtchn_port_t port; /* IN */
	uint32_t status;    /* OUT: EVTCHNSTAT_* */
	uint32_t vcpu;      /* OUT: the vCPU it notifies */
	union {
		struct {
			domid_t dom;
		} unbound;
		struct {
			domid_t dom;
			evtchn_port_t port;
		} interdomain;
		uint32_t pirq;
		uint32_t virq;
	} u;
};

struct evtchn_bind_vcpu {
	evtchn_port_t port;
	uint32_t vcpu;
};

struct evtchn_unmask {
	evtchn_port_t port;
};

struct evtchn_reset {
	domid_t dom;
};

/* The FIFO ABI's set-up (not offered: see core/evtchn.c), checked like Xen's. */
struct evtchn_init_control {
	uint64_t control_gfn; /* IN */
	uint32_t offset;      /* IN */
	uint32_t vcpu;        /* IN */
	uint8_t link_bits;    /* OUT */
	uint8_t _pad[7];
};

/* struct evtchn_fifo_control_block: ready, a reserved word, 16 queue heads. */
#define EVTCHN_FIFO_CONTROL_BLOCK_SIZE 72

_Static_assert(sizeof(struct evtchn_init_control) == 24, "evtchn_init_control is 24 bytes");

#endif
