/*
 * ACPI table discovery (ACPI 6.5 chapter 5.2): the RSDP copy from the boot
 * loader, the XSDT or RSDT, the MADT (CPUs, IO-APICs, local APIC base) and
 * the FADT with the \_S5_ sleep values from the DSDT. Firmware tables are
 * input the hypervisor does not control: every length is bounded and every
 * checksum verified before a field is used.
 */
#include "drivers/acpi.h"

#include "core/console.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"
#include "core/mm.h"

/* Anything longer is corrupt: real DSDTs stay well below this. */
#define ACPI_TABLE_MAX_LENGTH (1 * MiB)

#define ACPI_RSDP_V1_LENGTH 20
#define ACPI_RSDP_V2_LENGTH 36

#define ACPI_SIG_MADT "APIC"
#define ACPI_SIG_FADT "FACP"
#define ACPI_SIG_DSDT "DSDT"
#define ACPI_SIG_XSDT "XSDT"
#define ACPI_SIG_RSDT "RSDT"

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum; /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	/* Revision 2 and later. */
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* over the whole length */
	uint8_t reserved[3];
} __packed;
STATIC_ASSERT(sizeof(struct acpi_rsdp) == ACPI_RSDP_V2_LENGTH);
STATIC_ASSERT(offsetof(struct acpi_rsdp, length) == ACPI_RSDP_V1_LENGTH);

struct acpi_header {
	char signature[4];
	uint32_t length; /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __packed;
STATIC_ASSERT(sizeof(struct acpi_header) == 36);

/* Generic Address Structure (ACPI 5.2.3.2). */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __packed;
STATIC_ASSERT(sizeof(struct acpi_gas) == 12);

#define ACPI_GAS_SYSTEM_IO 1

/* MADT (ACPI 5.2.12): the header, then variable-length entries. */
struct acpi_madt {
	struct acpi_header header;
	uint32_t lapic_address;
	uint32_t flags;
} __packed;
STATIC_ASSERT(sizeof(struct acpi_madt) == 44);

struct madt_entry {
	uint8_t type;
	uint8_t length;
} __packed;

#define MADT_TYPE_LAPIC 0
#define MADT_TYPE_IOAPIC 1
#define MADT_TYPE_LAPIC_OVERRIDE 5
#define MADT_TYPE_X2APIC 9

/* Local APIC and x2APIC flags (ACPI table 5.23). */
#define MADT_LAPIC_ENABLED (1u << 0)

/* Broadcast destinations, never a processor's own id (SDM 11.6.2.1, 11.12.9). */
#define MADT_APIC_ID_INVALID 0xffu
#define MADT_X2APIC_ID_INVALID 0xffffffffu

struct madt_lapic {
	struct madt_entry entry;
	uint8_t acpi_id;
	uint8_t apic_id;
	uint32_t flags;
} __packed;
STATIC_ASSERT(sizeof(struct madt_lapic) == 8);

struct madt_ioapic {
	struct madt_entry entry;
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __packed;
STATIC_ASSERT(sizeof(struct madt_ioapic) == 12);

struct madt_lapic_override {
	struct madt_entry entry;
	uint16_t reserved;
	uint64_t address;
} __packed;
STATIC_ASSERT(sizeof(struct madt_lapic_override) == 12);

struct madt_x2apic {
	struct madt_entry entry;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t acpi_uid;
} __packed;
STATIC_ASSERT(sizeof(struct madt_x2apic) == 16);

/*
 * FADT (ACPI 5.2.9), up to the fields this file reads. Older tables are
 * shorter: a field is only read when the table's length covers it.
 */
struct acpi_fadt {
	struct acpi_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
} __packed;
STATIC_ASSERT(offsetof(struct acpi_fadt, sci_int) == 46);
STATIC_ASSERT(offsetof(struct acpi_fadt, pm1a_cnt_blk) == 64);
STATIC_ASSERT(offsetof(struct acpi_fadt, flags) == 112);
STATIC_ASSERT(offsetof(struct acpi_fadt, reset_reg) == 116);
STATIC_ASSERT(offsetof(struct acpi_fadt, reset_value) == 128);
STATIC_ASSERT(offsetof(struct acpi_fadt, x_dsdt) == 140);
STATIC_ASSERT(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172);
STATIC_ASSERT(sizeof(struct acpi_fadt) == 196);

/* An ACPI 1.0 FADT ends just before the reset register. */
#define ACPI_FADT_V1_LENGTH offsetof(struct acpi_fadt, reset_reg)

#define ACPI_FADT_RESET_REG_SUP (1u << 10)

/* True when a table of length len holds the whole of field. */
#define ACPI_HAS_FIELD(len, type, field) \
	((len) >= offsetof(type, field) + sizeof(((type *)0)->field))

/* AML opcodes needed to read the \_S5_ package (ACPI 20.2). */
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_QWORD_PREFIX 0x0e
#define AML_PACKAGE_OP 0x12

/* SLP_TYPx is a 3-bit field of PM1_CNT (ACPI 4.8.3.2.1). */
#define ACPI_SLP_TYP_MAX 7

#define ACPI_REASON_MAX 80

uint8_t acpi_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

static __printf(3, 4) void acpi_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Maps [pa, pa + len) for reading. NULL when the range is empty, starts at
 * 0, wraps, or is not mapped contiguously: nothing is read before this.
 */
static const void *acpi_map(paddr_t pa, size_t len)
{
	const uint8_t *start;

	if (!pa || !len || pa + len - 1 < pa)
		return NULL;
	start = phys_to_virt(pa);
	if ((const uint8_t *)phys_to_virt(pa + len - 1) != start + len - 1)
		return NULL;
	return start;
}

/*
 * Maps the table at pa and checks it: signature, a length between the
 * table's minimum (at least the header) and ACPI_TABLE_MAX_LENGTH, and the
 * checksum over the whole length. Only the header is mapped until the
 * length is known to be sane. Returns 0 with the table in *table, or
 * -EINVAL with the reason in why.
 */
static int acpi_map_table(paddr_t pa, const char *sig, size_t min_length,
			  const struct acpi_header **table, char *why, size_t whylen)
{
	const struct acpi_header *header;
	uint32_t length;

	header = acpi_map(pa, sizeof(*header));
	if (!header) {
		snprintf(why, whylen, "bad address 0x%llx", (unsigned long long)pa);
		return -EINVAL;
	}
	if (memcmp(header->signature, sig, sizeof(header->signature))) {
		snprintf(why, whylen, "signature '%.4s' instead of '%s'", header->signature, sig);
		return -EINVAL;
	}
	length = header->length;
	if (length < min_length) {
		snprintf(why, whylen, "length %u below %zu", length, min_length);
		return -EINVAL;
	}
	if (length > ACPI_TABLE_MAX_LENGTH) {
		snprintf(why, whylen, "length %u too large", length);
		return -EINVAL;
	}
	if (!acpi_map(pa, length)) {
		snprintf(why, whylen, "length %u runs past mapped memory", length);
		return -EINVAL;
	}
	if (acpi_checksum(header, length)) {
		snprintf(why, whylen, "bad checksum");
		return -EINVAL;
	}
	*table = header;
	return 0;
}

/*
 * Records one usable CPU. APIC ids must be unique; CPUs beyond
 * HV_MAX_CPUS are only counted (their ids are then not checked).
 */
static void acpi_add_cpu(struct acpi_info *info, uint32_t apic_id, uint32_t acpi_id,
			 const char *kind)
{
	uint32_t i;

	for (i = 0; i < info->nr_cpus; i++) {
		if (info->cpus[i].apic_id == apic_id) {
			pr_warn("ACPI: MADT: duplicate %s id %u ignored\n", kind, apic_id);
			return;
		}
	}
	if (info->nr_cpus >= HV_MAX_CPUS) {
		info->nr_cpus_ignored++;
		return;
	}
	info->cpus[info->nr_cpus].apic_id = apic_id;
	info->cpus[info->nr_cpus].acpi_id = acpi_id;
	info->nr_cpus++;
}

/*
 * Only enabled processors are there to start. ACPI 6.5 table 5.23: an
 * online-capable one with Enabled clear is a hot-plug slot (possibly empty)
 * that the OS may enable later, which the hypervisor does not do.
 */
static bool madt_cpu_usable(uint32_t flags)
{
	return flags & MADT_LAPIC_ENABLED;
}

/* Handles one in-bounds MADT entry; entries shorter than their type are skipped. */
static void acpi_parse_madt_entry(const struct madt_entry *entry, size_t offset,
				  struct acpi_info *info)
{
	static const uint8_t min_length[] = {
		[MADT_TYPE_LAPIC] = sizeof(struct madt_lapic),
		[MADT_TYPE_IOAPIC] = sizeof(struct madt_ioapic),
		[MADT_TYPE_LAPIC_OVERRIDE] = sizeof(struct madt_lapic_override),
		[MADT_TYPE_X2APIC] = sizeof(struct madt_x2apic),
	};
	const struct madt_lapic *lapic;
	const struct madt_lapic_override *override;
	const struct madt_x2apic *x2apic;

	if (entry->type < ARRAY_SIZE(min_length) && entry->length < min_length[entry->type]) {
		pr_warn("ACPI: MADT: type %u entry at offset %zu: length %u below %u, skipped\n",
			entry->type, offset, entry->length, min_length[entry->type]);
		return;
	}

	switch (entry->type) {
	case MADT_TYPE_LAPIC:
		lapic = (const struct madt_lapic *)entry;
		/* 0xff is the xAPIC broadcast: firmware uses it for "no processor". */
		if (madt_cpu_usable(lapic->flags) && lapic->apic_id != MADT_APIC_ID_INVALID)
			acpi_add_cpu(info, lapic->apic_id, lapic->acpi_id, "local APIC");
		break;
	case MADT_TYPE_X2APIC:
		x2apic = (const struct madt_x2apic *)entry;
		if (madt_cpu_usable(x2apic->flags) &&
		    x2apic->x2apic_id != MADT_X2APIC_ID_INVALID)
			acpi_add_cpu(info, x2apic->x2apic_id, x2apic->acpi_uid, "x2APIC");
		break;
	case MADT_TYPE_IOAPIC:
		info->nr_ioapics++;
		break;
	case MADT_TYPE_LAPIC_OVERRIDE:
		override = (const struct madt_lapic_override *)entry;
		info->lapic_base = override->address;
		break;
	default:
		break;
	}
}

static void acpi_parse_madt(const struct acpi_header *header, struct acpi_info *info)
{
	const struct acpi_madt *madt = (const struct acpi_madt *)header;
	const uint8_t *base = (const uint8_t *)header;
	size_t offset = sizeof(*madt);

	info->has_madt = true;
	info->lapic_base = madt->lapic_address;

	while (offset < header->length) {
		const struct madt_entry *entry = (const struct madt_entry *)(base + offset);

		if (header->length - offset < sizeof(*entry) || entry->length < sizeof(*entry) ||
		    entry->length > header->length - offset) {
			pr_warn("ACPI: MADT: bad entry at offset %zu, rest ignored\n", offset);
			break;
		}
		acpi_parse_madt_entry(entry, offset, info);
		offset += entry->length;
	}
}

/*
 * Reads one AML integer constant at *p: ZeroOp, OneOp or a Byte/Word/
 * DWord/QWordPrefix with its little-endian data, all before end.
 */
static int aml_read_integer(const uint8_t **p, const uint8_t *end, uint64_t *value)
{
	const uint8_t *q = *p;
	unsigned int size, i;

	if (q >= end)
		return -EINVAL;
	switch (*q) {
	case AML_ZERO_OP:
	case AML_ONE_OP:
		*value = *q;
		*p = q + 1;
		return 0;
	case AML_BYTE_PREFIX:
		size = 1;
		break;
	case AML_WORD_PREFIX:
		size = 2;
		break;
	case AML_DWORD_PREFIX:
		size = 4;
		break;
	case AML_QWORD_PREFIX:
		size = 8;
		break;
	default:
		return -EINVAL;
	}
	if ((size_t)(end - q) < 1 + size)
		return -EINVAL;
	*value = 0;
	for (i = 0; i < size; i++)
		*value |= (uint64_t)q[1 + i] << (8 * i);
	*p = q + 1 + size;
	return 0;
}

/*
 * Reads SLP_TYPa and SLP_TYPb from the package that follows "_S5_" and its
 * PackageOp: PkgLength (ACPI 20.2.4: the top two bits of the lead byte
 * count the bytes that follow), NumElements, then the elements, all within
 * both the package and the table.
 */
static int acpi_parse_s5_package(const uint8_t *p, const uint8_t *end, struct acpi_info *info)
{
	const uint8_t *package_end;
	uint64_t typa, typb;
	uint32_t pkg_length;
	unsigned int follow;

	if (p >= end)
		return -EINVAL;
	follow = p[0] >> 6;
	if ((size_t)(end - p) < 1 + follow)
		return -EINVAL;
	if (!follow) {
		pkg_length = p[0] & 0x3f;
	} else {
		pkg_length = p[0] & 0x0f;
		for (unsigned int i = 0; i < follow; i++)
			pkg_length |= (uint32_t)p[1 + i] << (4 + 8 * i);
	}
	/* PkgLength counts its own bytes and everything up to the package end. */
	if (pkg_length < 1 + follow || pkg_length > (size_t)(end - p))
		return -EINVAL;
	package_end = p + pkg_length;
	p += 1 + follow;

	/* NumElements: both SLP_TYPa and SLP_TYPb must be there. */
	if (p >= package_end || *p < 2)
		return -EINVAL;
	p++;
	if (aml_read_integer(&p, package_end, &typa) || aml_read_integer(&p, package_end, &typb))
		return -EINVAL;
	if (typa > ACPI_SLP_TYP_MAX || typb > ACPI_SLP_TYP_MAX)
		return -ERANGE;

	info->has_s5 = true;
	info->s5_slp_typa = (uint8_t)typa;
	info->s5_slp_typb = (uint8_t)typb;
	return 0;
}

/*
 * Finds \_S5_ the way small kernels do, without an AML interpreter: the
 * name "_S5_" directly followed by a PackageOp (a Name() declaration).
 */
static void acpi_find_s5(paddr_t dsdt_pa, struct acpi_info *info)
{
	const struct acpi_header *dsdt;
	const uint8_t *aml, *end;
	char why[ACPI_REASON_MAX];
	int ret;

	ret = acpi_map_table(dsdt_pa, ACPI_SIG_DSDT, sizeof(*dsdt), &dsdt, why, sizeof(why));
	if (ret) {
		pr_warn("ACPI: DSDT at 0x%llx: %s, no S5 sleep values\n",
			(unsigned long long)dsdt_pa, why);
		return;
	}
	aml = (const uint8_t *)dsdt + sizeof(*dsdt);
	end = (const uint8_t *)dsdt + dsdt->length;
	for (; end - aml >= 5; aml++) {
		if (memcmp(aml, "_S5_", 4) || aml[4] != AML_PACKAGE_OP)
			continue;
		ret = acpi_parse_s5_package(aml + 5, end, info);
		if (ret)
			pr_warn("ACPI: DSDT: malformed \\_S5_ package at offset %zu\n",
				(size_t)(aml - (const uint8_t *)dsdt));
		return;
	}
	pr_warn("ACPI: DSDT: no \\_S5_ object, ACPI power-off unavailable\n");
}

/* A port from a system I/O GAS, 0 when the GAS does not describe one. */
static uint16_t acpi_gas_io_port(const struct acpi_gas *gas)
{
	if (gas->space_id != ACPI_GAS_SYSTEM_IO || !gas->address || gas->address > 0xffff)
		return 0;
	return (uint16_t)gas->address;
}

static void acpi_parse_fadt(const struct acpi_header *header, struct acpi_info *info)
{
	const struct acpi_fadt *fadt = (const struct acpi_fadt *)header;
	uint32_t length = header->length;
	paddr_t dsdt_pa = fadt->dsdt;
	uint16_t port;

	info->has_fadt = true;
	info->sci_irq = fadt->sci_int;
	/* I/O ports are 16 bits: a larger block address would be cut to some other port. */
	info->pm1a_cnt_port = fadt->pm1a_cnt_blk <= 0xffff ? fadt->pm1a_cnt_blk : 0;
	info->pm1b_cnt_port = fadt->pm1b_cnt_blk <= 0xffff ? fadt->pm1b_cnt_blk : 0;

	/* ACPI 2.0+ extended blocks win over the 32-bit fields when they are I/O ports. */
	if (ACPI_HAS_FIELD(length, struct acpi_fadt, x_pm1a_cnt_blk)) {
		port = acpi_gas_io_port(&fadt->x_pm1a_cnt_blk);
		if (port)
			info->pm1a_cnt_port = port;
	}
	if (ACPI_HAS_FIELD(length, struct acpi_fadt, x_pm1b_cnt_blk)) {
		port = acpi_gas_io_port(&fadt->x_pm1b_cnt_blk);
		if (port)
			info->pm1b_cnt_port = port;
	}

	if (ACPI_HAS_FIELD(length, struct acpi_fadt, reset_value) &&
	    (fadt->flags & ACPI_FADT_RESET_REG_SUP)) {
		port = acpi_gas_io_port(&fadt->reset_reg);
		if (port) {
			info->has_reset_reg = true;
			info->reset_port = port;
			info->reset_value = fadt->reset_value;
		}
	}

	if (ACPI_HAS_FIELD(length, struct acpi_fadt, x_dsdt) && fadt->x_dsdt)
		dsdt_pa = fadt->x_dsdt;
	if (!dsdt_pa) {
		pr_warn("ACPI: FADT names no DSDT, no S5 sleep values\n");
		return;
	}
	acpi_find_s5(dsdt_pa, info);
}

/* The tables this file reads, each with its shortest valid length and its parser. */
struct acpi_table_parser {
	const char *sig;
	size_t min_length;
	void (*parse)(const struct acpi_header *header, struct acpi_info *info);
};

static const struct acpi_table_parser acpi_table_parsers[] = {
	{ ACPI_SIG_MADT, sizeof(struct acpi_madt), acpi_parse_madt },
	{ ACPI_SIG_FADT, ACPI_FADT_V1_LENGTH, acpi_parse_fadt },
};

/*
 * Maps one root-table entry and hands a table used here to its parser.
 * Only the first valid table of each kind counts: *seen has one bit per
 * parser.
 */
static void acpi_parse_entry(paddr_t pa, const char *root_sig, uint32_t index, uint32_t *seen,
			     struct acpi_info *info)
{
	const struct acpi_table_parser *parser = NULL;
	const struct acpi_header *header;
	char why[ACPI_REASON_MAX];
	size_t i;

	header = acpi_map(pa, sizeof(*header));
	if (!header) {
		pr_warn("ACPI: %s entry %u: bad address 0x%llx, skipped\n", root_sig, index,
			(unsigned long long)pa);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(acpi_table_parsers); i++) {
		if (!memcmp(header->signature, acpi_table_parsers[i].sig, 4)) {
			parser = &acpi_table_parsers[i];
			break;
		}
	}
	if (!parser) {
		pr_debug("ACPI: %.4s at 0x%llx not used\n", header->signature,
			 (unsigned long long)pa);
		return;
	}
	if (*seen & (1u << i)) {
		pr_warn("ACPI: %s entry %u: second %s table ignored\n", root_sig, index,
			parser->sig);
		return;
	}
	if (acpi_map_table(pa, parser->sig, parser->min_length, &header, why, sizeof(why))) {
		pr_warn("ACPI: %s table at 0x%llx (%s entry %u): %s, skipped\n", parser->sig,
			(unsigned long long)pa, root_sig, index, why);
		return;
	}
	pr_debug("ACPI: %s at 0x%llx, length %u\n", parser->sig, (unsigned long long)pa,
		 header->length);
	*seen |= 1u << i;
	parser->parse(header, info);
}

/*
 * Checks the loader's copy of the RSDP (ACPI 5.2.5) and picks the root
 * table: the XSDT for revision 2 and later when it has one, else the RSDT.
 */
static int acpi_check_rsdp(const uint8_t *copy, uint32_t copy_length, struct acpi_info *info,
			   paddr_t *root_pa, bool *xsdt, char *err, size_t errlen)
{
	struct acpi_rsdp rsdp;

	if (!copy || copy_length < ACPI_RSDP_V1_LENGTH) {
		acpi_set_err(err, errlen, "ACPI RSDP copy of %u bytes is too short", copy_length);
		return -EINVAL;
	}
	memset(&rsdp, 0, sizeof(rsdp));
	memcpy(&rsdp, copy, MIN(copy_length, (uint32_t)sizeof(rsdp)));

	if (memcmp(rsdp.signature, "RSD PTR ", sizeof(rsdp.signature))) {
		acpi_set_err(err, errlen, "ACPI RSDP: bad signature");
		return -EINVAL;
	}
	if (acpi_checksum(&rsdp, ACPI_RSDP_V1_LENGTH)) {
		acpi_set_err(err, errlen, "ACPI RSDP: bad checksum");
		return -EINVAL;
	}
	if (rsdp.revision >= 2) {
		/* The table may be longer than 36 bytes; the loader copies only those. */
		if (copy_length < ACPI_RSDP_V2_LENGTH || rsdp.length < ACPI_RSDP_V2_LENGTH) {
			acpi_set_err(err, errlen, "ACPI RSDP revision %u: length %u/%u below %u",
				     rsdp.revision, copy_length, rsdp.length, ACPI_RSDP_V2_LENGTH);
			return -EINVAL;
		}
		if (acpi_checksum(&rsdp, ACPI_RSDP_V2_LENGTH)) {
			acpi_set_err(err, errlen, "ACPI RSDP: bad extended checksum");
			return -EINVAL;
		}
	}

	info->revision = rsdp.revision;
	memcpy(info->oem_id, rsdp.oem_id, sizeof(rsdp.oem_id));
	info->oem_id[sizeof(rsdp.oem_id)] = '\0';
	*xsdt = rsdp.revision >= 2 && rsdp.xsdt_address;
	*root_pa = *xsdt ? rsdp.xsdt_address : rsdp.rsdt_address;
	return 0;
}

int acpi_parse(const uint8_t *rsdp, uint32_t rsdp_length, struct acpi_info *info, char *err,
	       size_t errlen)
{
	const struct acpi_header *root;
	char why[ACPI_REASON_MAX];
	const char *root_sig;
	uint32_t i, count, seen = 0;
	size_t entry_size;
	paddr_t root_pa;
	uint64_t entry;
	bool xsdt;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!info) {
		acpi_set_err(err, errlen, "no ACPI info buffer");
		return -EINVAL;
	}
	memset(info, 0, sizeof(*info));
	if (!rsdp_length) {
		acpi_set_err(err, errlen, "no ACPI RSDP");
		return -ENOENT;
	}

	ret = acpi_check_rsdp(rsdp, rsdp_length, info, &root_pa, &xsdt, err, errlen);
	if (ret)
		return ret;
	root_sig = xsdt ? ACPI_SIG_XSDT : ACPI_SIG_RSDT;
	entry_size = xsdt ? sizeof(uint64_t) : sizeof(uint32_t);
	ret = acpi_map_table(root_pa, root_sig, sizeof(*root), &root, why, sizeof(why));
	if (ret) {
		acpi_set_err(err, errlen, "ACPI %s at 0x%llx: %s", root_sig,
			     (unsigned long long)root_pa, why);
		return ret;
	}

	count = (root->length - sizeof(*root)) / entry_size;
	if ((root->length - sizeof(*root)) % entry_size)
		pr_warn("ACPI: %s: length %u leaves a partial entry, ignored\n", root_sig,
			root->length);
	for (i = 0; i < count; i++) {
		/* Entries are only 4-byte aligned, even the XSDT's 8-byte ones. */
		entry = 0;
		memcpy(&entry, (const uint8_t *)root + sizeof(*root) + i * entry_size, entry_size);
		acpi_parse_entry(entry, root_sig, i, &seen, info);
	}
	if (!info->has_madt)
		pr_warn("ACPI: no usable MADT, one CPU only\n");
	return 0;
}
