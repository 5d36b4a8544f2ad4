/*
 * VT-x feature detection. What we need: VMX (CPUID.1:ECX[5]), not disabled
 * by a locked IA32_FEATURE_CONTROL, secondary processor-based controls with
 * EPT (bit 1), VPID (bit 5) and unrestricted guest (bit 7), and an EPT
 * walk of 4 levels with write-back paging structures.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/virt.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "core/arch.h"
#include "core/console.h"
#include "core/errno.h"
#include "core/lib/vsnprintf.h"

#define CPUID1_ECX_VMX (1u << 5)

void virt_read_caps(struct virt_caps *c)
{
	struct cpuid_regs r;
	uint64_t basic, procbased, pinbased, feature;

	*c = (struct virt_caps){ 0 };
	cpuid(1, &r);
	c->vmx = r.ecx & CPUID1_ECX_VMX;
	if (!c->vmx)
		return;

	feature = rdmsr(MSR_IA32_FEATURE_CONTROL);
	c->feature_control_locked = feature & FEATURE_CONTROL_LOCK;
	c->vmx_enabled_by_firmware = feature & FEATURE_CONTROL_VMX_OUTSIDE_SMX;

	basic = rdmsr(MSR_IA32_VMX_BASIC);
	c->vmcs_revision = basic & 0x7fffffff;
	c->true_controls = basic & VMX_BASIC_TRUE_CONTROLS;
	/* The allowed-1 settings are the high 32 bits (SDM A.3). */
	procbased = rdmsr(c->true_controls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
					     MSR_IA32_VMX_PROCBASED_CTLS);
	pinbased = rdmsr(c->true_controls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
					    MSR_IA32_VMX_PINBASED_CTLS);
	c->preemption_timer = (pinbased >> 32) & PIN_PREEMPTION_TIMER;
	c->secondary_controls = (procbased >> 32) & PROC_ACTIVATE_SECONDARY;
	if (c->secondary_controls) {
		uint32_t allowed1 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32;

		c->ept = allowed1 & PROC2_ENABLE_EPT;
		c->vpid = allowed1 & PROC2_ENABLE_VPID;
		c->unrestricted_guest = allowed1 & PROC2_UNRESTRICTED_GUEST;
	}
	if (c->ept || c->vpid) {
		uint64_t cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);

		c->ept_4level = cap & EPT_CAP_4LEVEL;
		c->ept_wb = cap & EPT_CAP_WB;
		c->ept_2m = cap & EPT_CAP_2M;
		c->ept_1g = cap & EPT_CAP_1G;
	}
}

int virt_check_cpu(char *why, size_t len)
{
	struct virt_caps c;

	virt_read_caps(&c);
	if (!c.vmx) {
		snprintf(why, len, "CPUID.1:ECX.VMX is clear (the CPU, or the virtual machine "
				   "it runs in, does not offer VT-x)");
		return -ENODEV;
	}
	if (c.feature_control_locked && !c.vmx_enabled_by_firmware) {
		snprintf(why, len, "VT-x is disabled in the firmware setup "
				   "(IA32_FEATURE_CONTROL is locked with VMX off)");
		return -ENODEV;
	}
	if (!c.ept || !c.ept_4level || !c.ept_wb) {
		snprintf(why, len, "the CPU has VT-x but no usable EPT (extended page tables)");
		return -ENODEV;
	}
	if (!c.unrestricted_guest) {
		snprintf(why, len, "the CPU has VT-x and EPT but no unrestricted guest support");
		return -ENODEV;
	}
	if (!c.vpid) {
		snprintf(why, len, "the CPU has VT-x but no VPID");
		return -ENODEV;
	}
	return 0;
}

int arch_virt_check(char *why, size_t len)
{
	int rc = virt_check_cpu(why, len);

	/* Every VMCS is built from the boot CPU's capability MSRs. */
	if (!rc)
		vmx_caps_init();
	return rc;
}

void arch_virt_report(void)
{
	struct virt_caps c;
	struct cpuid_regs r;
	char vendor[13];

	cpuid(0, &r);
	*(uint32_t *)&vendor[0] = r.ebx;
	*(uint32_t *)&vendor[4] = r.edx;
	*(uint32_t *)&vendor[8] = r.ecx;
	vendor[12] = '\0';
	cpuid(1, &r);
	virt_read_caps(&c);
	pr_info("cpu: %s family %u model %u stepping %u\n", vendor,
		((r.eax >> 8) & 0xf) + ((r.eax >> 20) & 0xff), ((r.eax >> 4) & 0xf) |
		((r.eax >> 12) & 0xf0), r.eax & 0xf);
	pr_info("cpu: VT-x %s, EPT %s (2M %s, 1G %s), unrestricted guest %s, VPID %s, "
		"preemption timer %s\n",
		c.vmx ? "yes" : "no", c.ept ? "yes" : "no", c.ept_2m ? "yes" : "no",
		c.ept_1g ? "yes" : "no", c.unrestricted_guest ? "yes" : "no",
		c.vpid ? "yes" : "no", c.preemption_timer ? "yes" : "no");
	if (c.vmx)
		pr_info("cpu: VMCS revision %#x, IA32_FEATURE_CONTROL %s\n", c.vmcs_revision,
			!c.feature_control_locked   ? "unlocked (set at VMX start)" :
			c.vmx_enabled_by_firmware ? "locked, VMX on" :
						    "locked, VMX off");
}
