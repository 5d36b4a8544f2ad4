/*
 * Secondary vCPUs the Xen way for HVM/PVH guests: VCPUOP_initialise with a
 * struct vcpu_hvm_context, then VCPUOP_up. A started vCPU runs fn(id) on
 * its own stack and then takes itself down (VCPUOP_down); a later
 * VCPUOP_up resumes it, and it runs fn(id) again.
 */
#ifndef GUEST_RT_VCPU_H
#define GUEST_RT_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "core/public/hvm_vcpu.h"

#define RT_MAX_VCPUS 8

typedef void (*rt_vcpu_fn)(unsigned int id);

/* The contexts rt_vcpu_start uses: 64-bit mode, or 32-bit protected mode with paging off. */
void rt_vcpu_context64(struct vcpu_hvm_context *ctx, unsigned int id);
void rt_vcpu_context32(struct vcpu_hvm_context *ctx, unsigned int id);

/* Sets fn for vCPU id (1..RT_MAX_VCPUS-1); returns VCPUOP_initialise's result. */
int64_t rt_vcpu_initialise(unsigned int id, bool mode32, rt_vcpu_fn fn);

/* The vCPU this runs on: found from the stack (vCPU 0 runs on the boot stack). */
unsigned int rt_vcpu_id(void);

/* Called from rt/vcpu.S on the new vCPU. */
__attribute__((noreturn)) void rt_vcpu_main(unsigned int id);

#endif
