/*
 * ELF image checking, shared by the UEFI loader (the hypervisor ELF), the
 * hypervisor (boot modules) and later the domain builder. Only reads the
 * image: loading is the caller's. Accepts ELFCLASS64 and ELFCLASS32, little
 * endian, machine x86-64 or i386 (XTF's hvm64 kernels are ELFCLASS32 with
 * machine x86-64).
 */
#ifndef CORE_ELF_H
#define CORE_ELF_H

#include "core/types.h"

#define ELF_MAX_SEGMENTS 16

#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4

struct elf_segment {
	uint64_t offset; /* in the file */
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint32_t flags; /* ELF_PF_* */
};

struct elf_info {
	bool is64;
	uint16_t machine; /* 62 x86-64, 3 i386 */
	uint64_t entry;
	uint32_t nr_segments; /* PT_LOAD segments only */
	struct elf_segment segments[ELF_MAX_SEGMENTS];
	uint64_t paddr_min; /* lowest p_paddr of a PT_LOAD */
	uint64_t paddr_max; /* highest p_paddr + p_memsz */
};

/*
 * Checks the header, the program header table and every PT_LOAD (inside
 * the file, filesz <= memsz, no address overflow, at least one PT_LOAD) and
 * fills *info. Returns 0 or -ENOEXEC with *why set to a static reason
 * ("bad magic", "segment 2 runs past the end of the file", ...).
 */
int elf_parse(const void *image, uint64_t size, struct elf_info *info, const char **why);

/*
 * Finds the first note with the given owner name and type in the image's
 * PT_NOTE segments (or SHT_NOTE sections when there are none). Returns 0
 * with *desc and *desc_size set, -ENOENT when absent, -ENOEXEC when a note
 * is malformed.
 */
int elf_find_note(const void *image, uint64_t size, const char *name, uint32_t type,
		  const void **desc, uint32_t *desc_size);

#endif
