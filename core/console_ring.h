/*
 * Each boot domain's PV console (core/public/console.h): a ring page the
 * hypervisor owns, mapped into the guest at XENCONS_HVM_PFN and announced
 * in HVM_PARAM_CONSOLE_PFN. Until a service domain takes the back end, the
 * hypervisor itself drains the output ring to its console as "(dN) ..."
 * lines, within the domain's output rate (what does not fit stays in the
 * ring: the guest sees it full and waits).
 */
#ifndef CORE_CONSOLE_RING_H
#define CORE_CONSOLE_RING_H

#include "core/domain.h"

/* Allocates, zeroes and maps the page; sets HVM_PARAM_CONSOLE_PFN. 0 or -errno. */
int console_ring_domain_init(struct domain *d);
/* Frees the page (the EPT that mapped it goes with the domain). Safe if never set up. */
void console_ring_domain_destroy(struct domain *d);

/* Moves what the guest wrote to the hypervisor console. Any CPU; cheap when empty. */
void console_ring_drain(struct domain *d);

#endif
