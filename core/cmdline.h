/*
 * The hypervisor command line: space-separated key=value options, in the
 * manner of Xen's. An unknown option or a bad value is an error, never
 * silently ignored.
 *
 *   serial=com1|com2|0xPORT[,BAUD] | none   console UART (default com1,115200)
 *   loglvl=error|warn|info|debug            console verbosity (default info)
 *   maxcpus=N                               start at most N CPUs (1..HV_MAX_CPUS)
 *   on_ready=console|poweroff|halt          what to do once up (default console)
 *   hvtest=fault                            fault on purpose once up (tests the
 *                                           exception report)
 *   domain=NAME,kernel=MODULE[,memory=SIZE][,vcpus=N][,initrd=MODULE][,cpu=N][,timeout=MS]
 *                                           a guest domain (repeatable): SIZE in K/M/G,
 *                                           a multiple of 2M (default 16M); vcpus default
 *                                           1; cpu = physical CPU of vCPU 0; timeout
 *                                           destroys the domain after MS milliseconds;
 *                                           ,test=bad-guest-state makes its first VM
 *                                           entry fail (tests the failure report)
 */
#ifndef CORE_CMDLINE_H
#define CORE_CMDLINE_H

#include "core/console.h"
#include "core/domain.h"
#include "core/types.h"

enum on_ready {
	ON_READY_CONSOLE,
	ON_READY_POWEROFF,
	ON_READY_HALT,
};

struct hv_options {
	bool serial_enabled;
	uint16_t serial_port;
	uint32_t serial_baud;
	enum log_level loglvl;
	unsigned int maxcpus;
	enum on_ready on_ready;
	bool test_fault;
	unsigned int nr_domains;
	struct domain_config domains[MAX_DOMAINS - 1];
};

void cmdline_defaults(struct hv_options *opt);

/*
 * Parses cmdline into *opt (which holds the defaults). Returns 0, or
 * -EINVAL with a reason in err naming the option ("unknown option
 * 'bogus=1'", "serial: bad baud rate '12x'").
 */
int cmdline_parse(const char *cmdline, struct hv_options *opt, char *err, size_t errlen);

#endif
