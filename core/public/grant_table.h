/*
 * Grant tables, version 1: the guest-visible structures and numbers of Xen
 * 4.17's public/grant_table.h (grant_table_op, hypercall 20). Fixed-width
 * types only; the compat_* structures are the layouts a 32-bit guest uses
 * where a guest handle or xen_pfn_t changes size.
 */
#ifndef CORE_PUBLIC_GRANT_TABLE_H
#define CORE_PUBLIC_GRANT_TABLE_H

#include "core/public/xen.h"

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

/* One entry of a v1 table, written by the granting guest. */
struct grant_entry_v1 {
	uint16_t flags;  /* GTF_* */
	domid_t domid;   /* the domain allowed to use it */
	uint32_t frame;  /* the granter's gfn */
};

#define GTF_invalid 0u
#define GTF_permit_access 1u
#define GTF_accept_transfer 2u
#define GTF_transitive 3u
#define GTF_type_mask 3u
#define GTF_readonly (1u << 2)
#define GTF_reading (1u << 3)
#define GTF_writing (1u << 4)
#define GTF_PWT (1u << 5)
#define GTF_PCD (1u << 6)
#define GTF_PAT (1u << 7)
#define GTF_sub_page (1u << 8)

#define GNTTABOP_map_grant_ref 0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table 2
#define GNTTABOP_dump_table 3
#define GNTTABOP_transfer 4
#define GNTTABOP_copy 5
#define GNTTABOP_query_size 6
#define GNTTABOP_unmap_and_replace 7
#define GNTTABOP_set_version 8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version 10
#define GNTTABOP_swap_grant_ref 11
#define GNTTABOP_cache_flush 12

/* cmd bits above these carry a continuation's opaque state (cache_flush only). */
#define GNTTABOP_CONTINUATION_ARG_SHIFT 12
#define GNTTABOP_CMD_MASK ((1u << GNTTABOP_CONTINUATION_ARG_SHIFT) - 1)

#define GNTMAP_device_map (1u << 0)
#define GNTMAP_host_map (1u << 1)
#define GNTMAP_readonly (1u << 2)
#define GNTMAP_application_map (1u << 3)
#define GNTMAP_contains_pte (1u << 4)

#define GNTCOPY_source_gref (1u << 0)
#define GNTCOPY_dest_gref (1u << 1)

#define GNTST_okay 0
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)
#define GNTST_bad_gntref (-3)
#define GNTST_bad_handle (-4)
#define GNTST_bad_virt_addr (-5)
#define GNTST_bad_dev_addr (-6)
#define GNTST_no_device_space (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page (-9)
#define GNTST_bad_copy_arg (-10)
#define GNTST_address_too_big (-11)
#define GNTST_eagain (-12)
#define GNTST_no_space (-13)

/* The same for 64-bit and 32-bit guests. */
struct gnttab_map_grant_ref {
	uint64_t host_addr;
	uint32_t flags; /* GNTMAP_* */
	grant_ref_t ref;
	domid_t dom;
	int16_t status;
	grant_handle_t handle;
	uint64_t dev_bus_addr;
};

struct gnttab_unmap_grant_ref {
	uint64_t host_addr;
	uint64_t dev_bus_addr;
	grant_handle_t handle;
	int16_t status;
};

struct gnttab_setup_table {
	domid_t dom;
	uint32_t nr_frames;
	int16_t status;
	uint64_t frame_list; /* guest handle of xen_pfn_t[] (64-bit) */
};

struct compat_gnttab_setup_table {
	domid_t dom;
	uint32_t nr_frames;
	int16_t status;
	uint32_t frame_list; /* guest handle of uint32_t[] */
};

struct gnttab_dump_table {
	domid_t dom;
	int16_t status;
};

struct gnttab_copy_ptr {
	union {
		grant_ref_t ref;
		uint64_t gmfn; /* xen_pfn_t */
	} u;
	domid_t domid;
	uint16_t offset;
};

struct gnttab_copy {
	struct gnttab_copy_ptr source, dest;
	uint16_t len;
	uint16_t flags; /* GNTCOPY_* */
	int16_t status;
};

struct compat_gnttab_copy_ptr {
	union {
		grant_ref_t ref;
		uint32_t gmfn;
	} u;
	domid_t domid;
	uint16_t offset;
};

struct compat_gnttab_copy {
	struct compat_gnttab_copy_ptr source, dest;
	uint16_t len;
	uint16_t flags;
	int16_t status;
};

struct gnttab_query_size {
	domid_t dom;
	uint32_t nr_frames;
	uint32_t max_nr_frames;
	int16_t status;
};

struct gnttab_set_version {
	uint32_t version;
};

struct gnttab_get_status_frames {
	uint32_t nr_frames;
	domid_t dom;
	int16_t status;
	uint64_t frame_list; /* guest handle of uint64_t[] */
};

struct compat_gnttab_get_status_frames {
	uint32_t nr_frames;
	domid_t dom;
	int16_t status;
	uint32_t frame_list;
};

struct gnttab_get_version {
	domid_t dom;
	uint16_t pad;
	uint32_t version;
};

/* XENMEM_add_to_physmap with XENMAPSPACE_grant_table: this idx bit names a v2 status frame. */
#define XENMAPIDX_grant_table_status 0x80000000u

_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant_entry_v1");
_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "gnttab_map_grant_ref");
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "gnttab_unmap_grant_ref");
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "gnttab_setup_table");
_Static_assert(sizeof(struct compat_gnttab_setup_table) == 16, "compat_gnttab_setup_table");
_Static_assert(sizeof(struct gnttab_copy) == 40, "gnttab_copy");
_Static_assert(sizeof(struct compat_gnttab_copy) == 24, "compat_gnttab_copy");
_Static_assert(sizeof(struct gnttab_query_size) == 16, "gnttab_query_size");
_Static_assert(sizeof(struct gnttab_get_version) == 8, "gnttab_get_version");
_Static_assert(sizeof(struct gnttab_get_status_frames) == 16, "gnttab_get_status_frames");
_Static_assert(sizeof(struct compat_gnttab_get_status_frames) == 12, "compat_get_status_frames");

#endif
