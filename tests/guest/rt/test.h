/*
 * The test side of the runtime, after the Xen Test Framework's model: a
 * test kernel defines test_title and test_main(); checks record the worst
 * outcome so far (SUCCESS < SKIP < ERROR < FAILURE); when test_main
 * returns the runtime prints "Test result: X" and shuts the domain down.
 */
#ifndef GUEST_RT_TEST_H
#define GUEST_RT_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/public/hvm_start_info.h"
#include "rt/console.h"

#define __noreturn __attribute__((noreturn))

enum test_status {
	TEST_SUCCESS,
	TEST_SKIP,   /* the test cannot run here */
	TEST_ERROR,  /* the test itself went wrong */
	TEST_FAILURE, /* the system under test misbehaved */
};

/* Defined by each test kernel. */
extern const char test_title[];
void test_main(const struct hvm_start_info *si);

/* Raises the recorded outcome to status if it is worse, after printing the reason. */
__printf(2, 3) void test_note(enum test_status status, const char *fmt, ...);
#define test_fail(...) test_note(TEST_FAILURE, __VA_ARGS__)
#define test_error(...) test_note(TEST_ERROR, __VA_ARGS__)

/* Prints "Test result: X" and shuts down (poweroff); never returns. */
__noreturn void test_result(enum test_status status);
/* Ends the test now with the outcome recorded so far. */
__noreturn void test_finish(void);
/* Ends the test with SKIP (after printing why) unless the hypercall page works. */
void test_require_xen(void);

/* "ok"/"FAIL" lines: each prints what it checked and records a failure. */
bool check_eq(const char *what, int64_t got, int64_t want);
__printf(2, 3) bool check(bool ok, const char *fmt, ...);

/* Crashes the domain (SHUTDOWN_crash); never returns. */
__noreturn void rt_crash(void);
__printf(1, 2) __noreturn void rt_panic(const char *fmt, ...);

/* What the loader passed: the start info, its command line ("" if none), the end of RAM. */
extern const struct hvm_start_info *rt_start_info;
const char *rt_cmdline(void);
uint64_t rt_ram_end(void);

/* Called from rt/head.S in long mode. */
__noreturn void rt_main(uint32_t start_info_pa);

#endif
