/*
 * Build-time limits of the hypervisor.
 */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#define HV_MAX_CPUS 64
#define HV_STACK_SIZE (16 * 1024)
#define HV_VERSION_STRING "0.1"

#endif
