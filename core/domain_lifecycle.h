/*
 * The parts of a domain's life the scheduler drives: the final release of a vCPU (on its own CPU) and of the domain (when its last
 * vCPU is gone).
 */
#ifndef CORE_DOMAIN_LIFECYCLE_H
#define CORE_DOMAIN_LIFECYCLE_H

#include "core/domain.h"

/* Frees a stopped vCPU on its own CPU; the last one frees its domain. */
void vcpu_finalize(struct vcpu *v);

/* "name=OUTCOME ..." for every ended or never created domain, by id; returns the count. */
int domains_outcomes(char *buf, size_t len);

/* Called when the last domain has ended (prints the result line, powers off). */
extern void (*domains_all_ended)(void);

#endif
