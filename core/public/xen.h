/*
 * The guest-visible hypercall ABI, following Xen 4.17's public headers
 * (xen/include/public/xen.h, version.h, sched.h, vcpu.h, memory.h,
 * hvm/hvm_op.h, hvm/params.h, features.h). Used unchanged by the
 * hypervisor, dom0 and guests: fixed-width types only, no pointers in
 * shared structures (guest addresses are uint64_t).
 *
 * Calling convention (x86-64 HVM/PVH): VMCALL with RAX = hypercall number,
 * arguments in RDI, RSI, RDX, R10, R8; result in RAX, negative errno
 * (core/errno.h values) on failure.
 */
#ifndef CORE_PUBLIC_XEN_H
#define CORE_PUBLIC_XEN_H

#include <stdint.h>

typedef uint16_t domid_t;
#define DOMID_FIRST_RESERVED ((domid_t)0x7ff0)
#define DOMID_SELF ((domid_t)0x7ff0)
#define DOMID_IO ((domid_t)0x7ff1)
#define DOMID_XEN ((domid_t)0x7ff2)
#define DOMID_INVALID ((domid_t)0x7ff4)

/* Hypercall numbers. */
#define __HYPERVISOR_set_trap_table 0
#define __HYPERVISOR_mmu_update 1
#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_multicall 13
#define __HYPERVISOR_set_timer_op 15
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_console_io 18
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_vm_assist 21
#define __HYPERVISOR_vcpu_op 24
#define __HYPERVISOR_mmuext_op 26
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_physdev_op 33
#define __HYPERVISOR_hvm_op 34
#define __HYPERVISOR_sysctl 35
#define __HYPERVISOR_domctl 36
#define NR_HYPERCALLS 64

/* xen_version sub-operations. */
#define XENVER_version 0 /* returns major << 16 | minor */
#define XENVER_extraversion 1
#define XENVER_compile_info 2
#define XENVER_capabilities 3
#define XENVER_changeset 4
#define XENVER_platform_parameters 5
#define XENVER_get_features 6
#define XENVER_pagesize 7
#define XENVER_guest_handle 8
#define XENVER_commandline 9
#define XENVER_build_id 10

#define XEN_EXTRAVERSION_LEN 16
typedef char xen_extraversion_t[XEN_EXTRAVERSION_LEN];

struct xen_feature_info {
	uint32_t submap_idx; /* IN: which 32-bit submap */
	uint32_t submap;     /* OUT */
};

/* XENVER_get_features bits (submap 0). */
#define XENFEAT_writable_page_tables 0
#define XENFEAT_writable_descriptor_tables 1
#define XENFEAT_auto_translated_physmap 2
#define XENFEAT_supervisor_mode_kernel 3
#define XENFEAT_pae_pgdir_above_4gb 4
#define XENFEAT_mmu_pt_update_preserve_ad 5
#define XENFEAT_highmem_assist 6
#define XENFEAT_gnttab_map_avail_bits 7
#define XENFEAT_hvm_callback_vector 8
#define XENFEAT_hvm_safe_pvclock 9
#define XENFEAT_hvm_pirqs 10
#define XENFEAT_dom0 11
#define XENFEAT_grant_map_identity 12
#define XENFEAT_memory_op_vnode_supported 13
#define XENFEAT_linux_rsdp_unrestricted 15
#define XENFEAT_direct_mapped 16
#define XENFEAT_not_direct_mapped 17

/* console_io. */
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1

/* sched_op. */
#define SCHEDOP_yield 0
#define SCHEDOP_block 1
#define SCHEDOP_shutdown 2
#define SCHEDOP_poll 3
#define SCHEDOP_remote_shutdown 4
#define SCHEDOP_shutdown_code 5
#define SCHEDOP_watchdog 6

struct sched_shutdown {
	uint32_t reason; /* SHUTDOWN_* */
};

/* SCHEDOP_poll: ports is a guest pointer to nr_ports evtchn_port_t; timeout in ns of system time. */
struct sched_poll {
	uint64_t ports;
	uint32_t nr_ports;
	uint32_t pad;
	uint64_t timeout; /* 0: none */
};

/* The same from a 32-bit guest: a 4-byte handle, and uint64_t 4-byte aligned. */
struct compat_sched_poll {
	uint32_t ports;
	uint32_t nr_ports;
	uint32_t timeout_lo;
	uint32_t timeout_hi;
};

#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot 1
#define SHUTDOWN_suspend 2
#define SHUTDOWN_crash 3
#define SHUTDOWN_watchdog 4
#define SHUTDOWN_soft_reset 5

/* vcpu_op: (cmd, vcpuid, extra_args). */
#define VCPUOP_initialise 0
#define VCPUOP_up 1
#define VCPUOP_down 2
#define VCPUOP_is_up 3
#define VCPUOP_get_runstate_info 4
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_set_periodic_timer 6
#define VCPUOP_stop_periodic_timer 7
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_stop_singleshot_timer 9
#define VCPUOP_register_vcpu_info 10
#define VCPUOP_send_nmi 11
#define VCPUOP_get_physid 12

/* VCPUOP_set_periodic_timer: a VIRQ_TIMER every period_ns (at least 1 ms). */
struct vcpu_set_periodic_timer {
	uint64_t period_ns;
};

/* VCPUOP_set_singleshot_timer: one VIRQ_TIMER at system time timeout_abs_ns. */
struct vcpu_set_singleshot_timer {
	uint64_t timeout_abs_ns;
	uint32_t flags; /* VCPU_SSHOTTMR_* */
};
/* A deadline already passed is refused with -ETIME instead of firing at once. */
#define VCPU_SSHOTTMR_future (1u << 0)

struct vcpu_register_vcpu_info {
	uint64_t mfn;    /* guest frame holding the vcpu_info */
	uint32_t offset; /* offset in that frame */
	uint32_t rsvd;
};

struct vcpu_runstate_info {
	int32_t state;
	uint32_t pad;
	uint64_t state_entry_time;
	uint64_t time[4];
};

#define RUNSTATE_running 0
#define RUNSTATE_runnable 1
#define RUNSTATE_blocked 2
#define RUNSTATE_offline 3

/* memory_op. */
#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_maximum_ram_page 2
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_populate_physmap 6
#define XENMEM_add_to_physmap 7
#define XENMEM_memory_map 9
#define XENMEM_machine_memory_map 10
#define XENMEM_maximum_gpfn 14

struct xen_memory_map {
	uint32_t nr_entries; /* IN: room in buffer; OUT: entries written */
	uint32_t pad;
	uint64_t buffer; /* guest address of struct e820_entry[] */
};

/* The E820 entry XENMEM_memory_map writes: 20 bytes, packed. */
struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3
#define E820_NVS 4

struct xen_add_to_physmap {
	domid_t domid;
	uint16_t size; /* for XENMAPSPACE_gmfn_range */
	uint32_t space;
	uint64_t idx;
	uint64_t gpfn;
};

/*
 * The same two structures as a 32-bit guest lays them out: xen_ulong_t,
 * xen_pfn_t and guest handles are 32 bits wide there (Xen's compat ABI).
 */
struct compat_memory_map {
	uint32_t nr_entries;
	uint32_t buffer;
};

struct compat_add_to_physmap {
	domid_t domid;
	uint16_t size;
	uint32_t space;
	uint32_t idx;
	uint32_t gpfn;
};

#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
#define XENMAPSPACE_gmfn 2
#define XENMAPSPACE_gmfn_range 3

/* hvm_op. */
#define HVMOP_set_param 0
#define HVMOP_get_param 1
#define HVMOP_pagetable_dying 9
#define HVMOP_set_evtchn_upcall_vector 23

struct xen_hvm_param {
	domid_t domid;
	uint16_t pad;
	uint32_t index;
	uint64_t value;
};

/* HVMOP_set_evtchn_upcall_vector (hvm/hvm_op.h): 8 bytes with the padding. */
struct xen_hvm_evtchn_upcall_vector {
	uint32_t vcpu;
	uint8_t vector;
};

#define HVM_PARAM_CALLBACK_IRQ 0
/* Its value (hvm/params.h): the type in bits 63:56; the vector type's vector in bits 7:0. */
#define HVM_PARAM_CALLBACK_TYPE_SHIFT 56
#define HVM_PARAM_CALLBACK_TYPE_GSI 0
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX 1
#define HVM_PARAM_CALLBACK_TYPE_VECTOR 2
#define HVM_PARAM_STORE_PFN 1
#define HVM_PARAM_STORE_EVTCHN 2
#define HVM_PARAM_CONSOLE_PFN 17
#define HVM_PARAM_CONSOLE_EVTCHN 18
#define HVM_NR_PARAMS 40

/* shared_info (public/xen.h, arch-x86/xen.h): one page per domain. */
#define XEN_LEGACY_MAX_VCPUS 32

struct vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad1[2];
};

struct vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask;
	uint8_t pad[6];
	uint64_t evtchn_pending_sel;
	uint64_t arch_cr2;
	uint64_t arch_pad;
	struct vcpu_time_info time;
};

struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	uint64_t evtchn_pending[64];
	uint64_t evtchn_mask[64];
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
	uint32_t wc_sec_hi;
	/* arch_shared_info follows; unused by PVH guests. */
};

_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info is 64 bytes");
_Static_assert(sizeof(struct vcpu_set_singleshot_timer) == 16, "singleshot timer is 16 bytes");
_Static_assert(sizeof(struct sched_poll) == 24, "sched_poll is 24 bytes");
_Static_assert(sizeof(struct compat_sched_poll) == 16, "compat sched_poll is 16 bytes");
_Static_assert(sizeof(struct e820_entry) == 20, "e820_entry is 20 bytes");
_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "xen_add_to_physmap is 24 bytes");
_Static_assert(sizeof(struct xen_hvm_param) == 16, "xen_hvm_param is 16 bytes");
_Static_assert(sizeof(struct xen_hvm_evtchn_upcall_vector) == 8, "upcall_vector is 8 bytes");
_Static_assert(sizeof(struct compat_memory_map) == 8, "compat_memory_map is 8 bytes");
_Static_assert(sizeof(struct compat_add_to_physmap) == 16, "compat_add_to_physmap is 16 bytes");

#endif
