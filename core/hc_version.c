/*
 * xen_version(cmd, arg): which Xen we claim to be and what a PVH guest may
 * rely on (Xen 4.17's common/kernel.c semantics for an unprivileged guest).
 */
#include "core/guest_memory.h"
#include "core/hypercalls.h"

#define HV_XEN_MAJOR 4
#define HV_XEN_MINOR 17

/*
 * Sizes of Xen's public/version.h buffers that core/public/xen.h does not
 * name yet (xen_capabilities_info_t, xen_changeset_info_t, ...).
 */
#define XEN_CAPABILITIES_INFO_LEN 1024
#define XEN_CHANGESET_INFO_LEN 64
#define XEN_DOMAIN_HANDLE_LEN 16
#define XEN_DENIED_STRING "<denied>"

/* struct xen_compile_info from public/version.h. */
struct xen_compile_info {
	char compiler[64];
	char compile_by[16];
	char compile_domain[32];
	char compile_date[32];
};

/* HYPERVISOR_VIRT_START for 64-bit guests: all XENVER_platform_parameters holds. */
#define XEN_HYPERVISOR_VIRT_START 0xffff800000000000ULL

/* What Xen 4.17 reports to a PVH domU in submap 0 (docs/XEN-ABI.md). */
#define PVH_FEATURES_SUBMAP0                                                            \
	((1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) | \
	 (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock) |         \
	 (1u << XENFEAT_memory_op_vnode_supported) | (1u << XENFEAT_not_direct_mapped))

static const xen_extraversion_t extraversion = ".0-hv";
/* HVM guests only (PVH is an HVM guest type): no PV "xen-3.0-..." entries. */
static const char capabilities[XEN_CAPABILITIES_INFO_LEN] =
	"hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64";
static const char changeset[XEN_CHANGESET_INFO_LEN] = "unavailable";
static const struct xen_compile_info compile_info = {
	.compiler = "gcc",
	.compile_by = "hv",
	.compile_domain = "",
	.compile_date = "",
};
/* A domain handle is the toolstack's UUID; ours have none, so it is all zeros. */
static const uint8_t domain_handle[XEN_DOMAIN_HANDLE_LEN];
static const uint64_t hypervisor_virt_start = XEN_HYPERVISOR_VIRT_START;
/* Xen only shows its command line to privileged domains; others read this. */
static const char denied[] = XEN_DENIED_STRING;

static int64_t copy_out(struct vcpu *v, uint64_t arg, const void *src, size_t len)
{
	return copy_to_guest(v, arg, src, len) ? -EFAULT : 0;
}

static int64_t get_features(struct vcpu *v, uint64_t arg)
{
	struct xen_feature_info fi;

	if (copy_from_guest(v, &fi, arg, sizeof(fi)))
		return -EFAULT;
	/* Only submap 0 exists; Xen answers -EINVAL for the others. */
	if (fi.submap_idx != 0)
		return -EINVAL;

	fi.submap = PVH_FEATURES_SUBMAP0;
	return copy_out(v, arg, &fi, sizeof(fi));
}

static int64_t xen_version_info(struct vcpu *v, uint32_t cmd, uint64_t arg)
{
	switch (cmd) {
	case XENVER_extraversion:
		return copy_out(v, arg, extraversion, sizeof(extraversion));
	case XENVER_compile_info:
		return copy_out(v, arg, &compile_info, sizeof(compile_info));
	case XENVER_capabilities:
		return copy_out(v, arg, capabilities, sizeof(capabilities));
	case XENVER_changeset:
		return copy_out(v, arg, changeset, sizeof(changeset));
	case XENVER_platform_parameters:
		return copy_out(v, arg, &hypervisor_virt_start, sizeof(hypervisor_virt_start));
	case XENVER_get_features:
		return get_features(v, arg);
	case XENVER_pagesize:
		/* Xen takes no buffer here and refuses one. */
		return arg ? -EINVAL : (int64_t)PAGE_SIZE;
	case XENVER_guest_handle:
		return copy_out(v, arg, domain_handle, sizeof(domain_handle));
	case XENVER_commandline:
		return copy_out(v, arg, denied, sizeof(denied));
	case XENVER_build_id:
		/* Privileged domains only in Xen, as for the command line. */
		return -EPERM;
	default:
		return -ENOSYS;
	}
}

int64_t do_xen_version(struct vcpu *v, const uint64_t args[HYPERCALL_NR_ARGS])
{
	uint32_t cmd = (uint32_t)args[0]; /* an int in Xen's prototype */

	/* The null hypercall of benchmarks and of Xen's own: kept free of any stack frame. */
	if (cmd == XENVER_version)
		return (HV_XEN_MAJOR << 16) | HV_XEN_MINOR;
	return xen_version_info(v, cmd, args[1]);
}
