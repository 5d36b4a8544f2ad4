/* Symbol lookup for backtraces; see symbols.h. */
#include "core/symbols.h"

extern const uint64_t hv_symbol_count;
extern const uint64_t hv_symbol_addrs[];
extern const uint32_t hv_symbol_name_offsets[];
extern const char hv_symbol_names[];
extern const char hv_text_end[];

const char *symbol_lookup(uint64_t addr, uint64_t *offset, uint64_t *size)
{
	uint64_t lo = 0, hi = hv_symbol_count;

	if (!hi || addr < hv_symbol_addrs[0] || addr >= (uint64_t)hv_text_end)
		return NULL;
	/* The last symbol whose address is <= addr. */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (hv_symbol_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - hv_symbol_addrs[lo];
	*size = (lo + 1 < hv_symbol_count ? hv_symbol_addrs[lo + 1] : (uint64_t)hv_text_end) -
		hv_symbol_addrs[lo];
	return hv_symbol_names + hv_symbol_name_offsets[lo];
}
