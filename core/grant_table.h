/*
 * Grant tables, version 1 (core/public/grant_table.h): each domain's
 * table of grants it offers, the pins other domains hold on them, and the
 * maptrack of the grants it has mapped itself. Mappings go into the
 * mapper's EPT at the guest-physical address it chose (auto-translated
 * guests); copies go through the hypervisor's own map of host memory.
 */
#ifndef CORE_GRANT_TABLE_H
#define CORE_GRANT_TABLE_H

#include "core/domain.h"
#include "core/hypercall.h"
#include "core/public/grant_table.h"

#define GNTTAB_DEFAULT_FRAMES 4 /* the default limit, 2048 entries; one frame at first */
#define GNTTAB_MAX_FRAMES 32    /* Xen's v1 limit: 16384 entries */
#define GNTTAB_ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(struct grant_entry_v1))
#define GNTTAB_MAPTRACK_MAX 1024 /* handles per mapping domain */
/* A map's host_addr must lie below this (bounds the EPT tables a guest can make us build). */
#define GNTTAB_MAP_GPA_LIMIT (1ULL << 36)

/*
 * Allocates d's table (one frame; it grows up to d->config.gnttab_frames
 * frames, 0 for the default) and makes d known to the grant code.
 * -EINVAL, -ENOMEM.
 */
int gnttab_domain_init(struct domain *d);
/*
 * Before d's frames go back (first thing when d is freed): drops every pin
 * d holds on others' grants, removes every other domain's mapping of d's
 * pages from their EPTs, and frees the table. Safe on a domain without one.
 */
void gnttab_domain_destroy(struct domain *d);

/*
 * XENMEM_add_to_physmap(XENMAPSPACE_grant_table): table frame idx at gfn,
 * growing the table to idx + 1 frames. 0, -EINVAL, -ENOMEM.
 */
int gnttab_map_frame(struct domain *d, uint64_t idx, uint64_t gfn);

/*
 * The operations behind grant_table_op (core/hc_grant.c), on structures
 * already copied in from the guest: each returns the GNTST_* status and
 * fills the op's outputs.
 */
int16_t gnttab_map(struct domain *ld, struct gnttab_map_grant_ref *op);
int16_t gnttab_unmap(struct domain *ld, struct gnttab_unmap_grant_ref *op);
int16_t gnttab_copy(struct domain *ld, const struct gnttab_copy *op);
/* A table operation's dom: GNTST_okay for d itself, else permission_denied or bad_domain. */
int16_t gnttab_check_self(struct domain *d, domid_t dom);
/* setup_table: grows d's table to nr_frames. GNTST_okay or GNTST_general_error (too many, no memory). */
int16_t gnttab_setup(struct domain *d, uint32_t nr_frames);
/* The table's size now and its limit, and where the guest placed frame idx (~0: nowhere). */
unsigned int gnttab_nr_frames(const struct domain *d);
unsigned int gnttab_max_frames(const struct domain *d);
uint64_t gnttab_frame_gfn(const struct domain *d, unsigned int idx);

/* Debug key 'g': every domain's table, the grants in use and the maps held. */
void gnttab_dump(void);

/* Host memory d's grant structures take now, in bytes. */
uint64_t gnttab_memory_bytes(const struct domain *d);

#endif
