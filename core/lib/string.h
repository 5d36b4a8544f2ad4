/*
 * The C string and memory functions the hypervisor and the UEFI loader use.
 * The prototypes are the standard ones, so host unit tests link the same
 * callers against the C library instead of core/lib/string.c.
 */
#ifndef CORE_LIB_STRING_H
#define CORE_LIB_STRING_H

#include "core/types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

#endif
