/*
 * Detection of the hardware virtualisation this hypervisor needs: VT-x
 * with EPT, unrestricted guest and VPID (SDM volume 3, appendix A).
 */
#ifndef ARCH_X86_VIRT_H
#define ARCH_X86_VIRT_H

#include "core/types.h"

struct virt_caps {
	bool vmx;
	bool feature_control_locked;
	bool vmx_enabled_by_firmware; /* FEATURE_CONTROL locked with VMX outside SMX on */
	bool true_controls;
	bool secondary_controls;
	bool ept;
	bool ept_2m, ept_1g, ept_4level, ept_wb;
	bool vpid;
	bool unrestricted_guest;
	bool preemption_timer;
	uint32_t vmcs_revision;
};

/* Reads this CPU's capabilities. Never faults: MSRs are read only if CPUID says VMX. */
void virt_read_caps(struct virt_caps *caps);

/* 0 when this CPU has everything needed, else -ENODEV and a reason. */
int virt_check_cpu(char *why, size_t len);

#endif
