/*
 * The hypervisor heap, on top of the frame allocator: small objects come
 * from per-size-class pages, large ones from whole pages. All memory is
 * 16-byte aligned.
 */
#ifndef CORE_HEAP_H
#define CORE_HEAP_H

#include "core/types.h"

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *ptr);

#endif
