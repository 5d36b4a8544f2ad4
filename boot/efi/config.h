/*
 * The UEFI loader's boot configuration (hv.cfg), in the manner of Xen's
 * xen.cfg. Pure C with no EFI types, so the host unit tests compile it.
 *
 * Format:
 *
 *   # A '#' starts a comment that runs to the end of the line (as in
 *   # xen.cfg). Blank lines are ignored; whitespace around keys and values
 *   # is trimmed. Keys are case sensitive. CR LF line ends are accepted.
 *   [global]
 *   default=normal            # the section to boot (required)
 *
 *   [normal]
 *   hypervisor=hv.elf         # optional, default hv.elf
 *   options=serial=com1,115200 loglvl=info   # the hypervisor command line
 *   module=dom0 dom0.elf console=hvc0        # module=<name> <file> [command line]
 *
 * [global] takes only default=. A boot section takes hypervisor= and
 * options= at most once each, and module= up to BOOT_MAX_MODULES times, in
 * boot order. A module name is 1..31 of [A-Za-z0-9_.-], unique within its
 * section; so is a section name. File names are printable ASCII without
 * spaces, at most 127 characters, relative to the loader's own directory
 * (a leading '/' or '\' means the root of the loader's volume; '/' and '\'
 * both separate directories). options= is at most 511 characters and a
 * module command line at most 255.
 *
 * The whole file is checked, not only the section that boots. A section
 * name given to the loader (its load options, e.g. `BOOTX64.EFI other`)
 * overrides default=.
 */
#ifndef BOOT_EFI_CONFIG_H
#define BOOT_EFI_CONFIG_H

#include "boot/bootinfo.h"

#define BOOTCFG_NAME_MAX 32  /* section and module names, with the NUL */
#define BOOTCFG_FILE_MAX 128 /* file names, with the NUL */
#define BOOTCFG_DEFAULT_HYPERVISOR "hv.elf"

STATIC_ASSERT(BOOTCFG_NAME_MAX == BOOT_MODULE_NAME_MAX);

struct bootcfg_module {
	char name[BOOTCFG_NAME_MAX];
	char file[BOOTCFG_FILE_MAX];
	char cmdline[BOOT_MODULE_CMDLINE_MAX];
	unsigned int line; /* of the module= key, for the loader's messages */
};

/* The section chosen to boot. */
struct bootcfg {
	char section[BOOTCFG_NAME_MAX];
	unsigned int section_line; /* of its [name] header */
	char hypervisor[BOOTCFG_FILE_MAX];
	unsigned int hypervisor_line; /* of hypervisor=, or of the header if defaulted */
	char options[BOOT_CMDLINE_MAX];
	unsigned int nr_modules;
	struct bootcfg_module modules[BOOT_MAX_MODULES];
};

/*
 * Parses text[0..len) (not NUL terminated; it may not contain a NUL) read
 * from filename, and fills *cfg with the section named by section, or by
 * default= when section is NULL or empty. Returns 0, or -EINVAL with a
 * message in err (always terminated when errlen > 0):
 *   "<filename>:<line>: <reason>"   for a mistake in the file, e.g.
 *                                    "hv.cfg:7: unknown key 'foo'";
 *   "load options: <reason>"        when section names no section.
 * A missing [global] section is reported at line 1, a missing default= at
 * the [global] header, a default= naming no section at the default= line.
 */
int bootcfg_parse(const char *text, size_t len, const char *filename, const char *section,
		  struct bootcfg *cfg, char *err, size_t errlen);

#endif
