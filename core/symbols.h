/*
 * The hypervisor's own symbol table (generated at link time by
 * tools/gensyms), for backtraces with function names.
 */
#ifndef CORE_SYMBOLS_H
#define CORE_SYMBOLS_H

#include "core/types.h"

/*
 * Finds the function containing addr. Returns its name and sets *offset
 * (addr - start) and *size (distance to the next symbol), or NULL.
 */
const char *symbol_lookup(uint64_t addr, uint64_t *offset, uint64_t *size);

#endif
