/*
 * VMX operation on each CPU: IA32_FEATURE_CONTROL, the CR0/CR4 fixed bits,
 * VMXON and VMXOFF (SDM volume 3, 24.7 and 24.8), and the capability MSRs
 * every VMCS is built from.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/emulate.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "core/arch.h"
#include "core/console.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/mm.h"
#include "core/page_alloc.h"

#define VMX_MISC_PREEMPTION_SHIFT_MASK 0x1f

struct vmx_caps vmx_caps;
paddr_t vmx_msr_bitmap_pa;
paddr_t vmx_io_bitmap_a_pa, vmx_io_bitmap_b_pa;

static paddr_t vmxon_region[HV_MAX_CPUS];
static bool vmx_on[HV_MAX_CPUS];

bool vmx_control(uint32_t want, uint32_t must, uint32_t allowed0, uint32_t allowed1,
		 uint32_t *out)
{
	if ((must & allowed1) != must)
		return false;
	*out = ((want | must) & allowed1) | allowed0;
	return true;
}

static void read_pair(uint32_t msr, uint32_t *allowed0, uint32_t *allowed1)
{
	uint64_t v = rdmsr(msr);

	*allowed0 = (uint32_t)v;
	*allowed1 = (uint32_t)(v >> 32);
}

/* Every MSR not in the pass-through list exits (SDM 25.6.9: bit set = exit). */
static int build_bitmaps(void)
{
	uint8_t *msr_bitmap;
	int rc;

	rc = alloc_pages(0, &vmx_msr_bitmap_pa);
	if (!rc)
		rc = alloc_pages(0, &vmx_io_bitmap_a_pa);
	if (!rc)
		rc = alloc_pages(0, &vmx_io_bitmap_b_pa);
	if (rc)
		return rc;
	msr_bitmap = phys_to_virt(vmx_msr_bitmap_pa);
	memset(msr_bitmap, 0xff, PAGE_SIZE);
	/* Read low, read high, write low, write high: 1 KiB each (SDM 25.6.9). */
	for (unsigned int i = 0; i < nr_msr_passthrough; i++) {
		uint32_t msr = msr_passthrough[i];
		unsigned int base = msr >= 0xc0000000 ? 1024 : 0;
		uint32_t index = msr & 0x1fff;

		msr_bitmap[base + index / 8] &= ~(1u << (index % 8));
		msr_bitmap[base + 2048 + index / 8] &= ~(1u << (index % 8));
	}
	memset(phys_to_virt(vmx_io_bitmap_a_pa), 0xff, PAGE_SIZE);
	memset(phys_to_virt(vmx_io_bitmap_b_pa), 0xff, PAGE_SIZE);
	return 0;
}

void vmx_caps_init(void)
{
	uint64_t basic = rdmsr(MSR_IA32_VMX_BASIC);
	bool true_ctls = basic & VMX_BASIC_TRUE_CONTROLS;

	vmx_caps.revision = basic & 0x7fffffff;
	read_pair(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS,
		  &vmx_caps.pin_allowed0, &vmx_caps.pin_allowed1);
	read_pair(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS,
		  &vmx_caps.proc_allowed0, &vmx_caps.proc_allowed1);
	read_pair(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS,
		  &vmx_caps.exit_allowed0, &vmx_caps.exit_allowed1);
	read_pair(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS,
		  &vmx_caps.entry_allowed0, &vmx_caps.entry_allowed1);
	vmx_caps.proc2_allowed1 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32;
	vmx_caps.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	vmx_caps.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	vmx_caps.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	vmx_caps.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	vmx_caps.preemption_timer_shift = rdmsr(MSR_IA32_VMX_MISC) & VMX_MISC_PREEMPTION_SHIFT_MASK;
	vmx_caps.preemption_timer = (vmx_caps.pin_allowed1 & PIN_PREEMPTION_TIMER) &&
				    (vmx_caps.exit_allowed1 & EXIT_SAVE_PREEMPTION_TIMER);
}

int arch_virt_cpu_start(void)
{
	unsigned int cpu = this_cpu()->cpu_id;
	uint64_t feature = rdmsr(MSR_IA32_FEATURE_CONTROL);
	paddr_t region;
	bool fail;

	if (vmx_on[cpu])
		return 0;
	if (cpu == 0 && !vmx_msr_bitmap_pa && build_bitmaps())
		return -ENOMEM;
	/* OVMF leaves it unlocked: enable VMX outside SMX and lock (SDM 24.7). */
	if (!(feature & FEATURE_CONTROL_LOCK)) {
		feature |= FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCK;
		wrmsr(MSR_IA32_FEATURE_CONTROL, feature);
	}
	if (!(feature & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return -ENODEV;

	/*
	 * SDM 24.8: CR0 and CR4 must honour the fixed bits in VMX operation.
	 * The guests' x87/SSE state is switched with FXSAVE/FXRSTOR, which
	 * need CR0.EM and CR0.TS clear and, to cover the XMM registers,
	 * CR4.OSFXSR (SDM vol 1, 10.5.1). The host CR0/CR4 fields copy these.
	 */
	write_cr0(((read_cr0() & ~(X86_CR0_EM | X86_CR0_TS)) | vmx_caps.cr0_fixed0) &
		  vmx_caps.cr0_fixed1);
	write_cr4((read_cr4() | vmx_caps.cr4_fixed0 | X86_CR4_VMXE | X86_CR4_OSFXSR) &
		  vmx_caps.cr4_fixed1);

	if (!vmxon_region[cpu]) {
		if (alloc_pages(0, &region))
			return -ENOMEM;
		memset(phys_to_virt(region), 0, PAGE_SIZE);
		*(uint32_t *)phys_to_virt(region) = vmx_caps.revision;
		vmxon_region[cpu] = region;
	}
	asm volatile("vmxon %1; setbe %0" : "=qm"(fail) : "m"(vmxon_region[cpu]) : "cc", "memory");
	if (fail) {
		/* CR4.VMXE means "in VMX operation" to the rest of arch/x86. */
		write_cr4(read_cr4() & ~X86_CR4_VMXE);
		return -EIO;
	}
	vmx_on[cpu] = true;
	return 0;
}

void arch_virt_cpu_stop(void)
{
	unsigned int cpu = this_cpu()->cpu_id;

	if (!vmx_on[cpu])
		return;
	asm volatile("vmxoff" ::: "cc", "memory");
	write_cr4(read_cr4() & ~X86_CR4_VMXE);
	vmx_on[cpu] = false;
}
