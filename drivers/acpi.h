/*
 * ACPI table discovery: RSDP, XSDT/RSDT, MADT and FADT. Every table's
 * signature, length and checksum are checked before any field is used.
 * Tables are reached through phys_to_virt().
 */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include "core/config.h"
#include "core/types.h"

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t acpi_id;
};

struct acpi_info {
	uint8_t revision; /* RSDP revision */
	char oem_id[7];

	/* MADT */
	bool has_madt;
	uint64_t lapic_base;
	uint32_t nr_cpus; /* enabled local APICs, x2APIC included */
	struct acpi_cpu cpus[HV_MAX_CPUS];
	uint32_t nr_cpus_ignored; /* beyond HV_MAX_CPUS */
	uint32_t nr_ioapics;

	/* FADT */
	bool has_fadt;
	uint16_t sci_irq;
	uint32_t pm1a_cnt_port; /* 0: none */
	uint32_t pm1b_cnt_port;
	bool has_s5; /* \_S5 found in the DSDT */
	uint8_t s5_slp_typa;
	uint8_t s5_slp_typb;
	bool has_reset_reg; /* system I/O space reset register */
	uint16_t reset_port;
	uint8_t reset_value;
};

/*
 * Parses the tables behind the RSDP copy (rsdp, rsdp_length as in
 * boot_info). Returns 0; -ENOENT when there is no RSDP (rsdp_length 0);
 * -EINVAL with a reason in err for a broken RSDP or root table. A broken
 * MADT or FADT is skipped with a warning in err's place and 0 returned, so
 * the machine still boots on one CPU: has_madt/has_fadt tell.
 */
int acpi_parse(const uint8_t *rsdp, uint32_t rsdp_length, struct acpi_info *info, char *err,
	       size_t errlen);

/* Sum of len bytes modulo 256 (0 for a valid ACPI table). */
uint8_t acpi_checksum(const void *data, size_t len);

#endif
