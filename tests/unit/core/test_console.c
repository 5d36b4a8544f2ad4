/*
 * Tests for core/console.c: levels, the lock that keeps CPUs' lines apart,
 * and the two ways a CPU prints while it already holds that lock (an NMI
 * or a fault in the middle of a sink's write), which must not wait for
 * itself. The CPU id is per thread, so threads stand for CPUs.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arch.h"
#include "core/console.h"

/* A deadlock would otherwise hang the run: let SIGALRM end it as a failure. */
#define HANG_LIMIT_S 20

static _Thread_local unsigned int fake_cpu;

unsigned int arch_cpu_id(void)
{
	return fake_cpu;
}

void arch_cpu_relax(void)
{
	sched_yield();
}

static char output[4096];
static size_t output_len;
static pthread_mutex_t output_mutex = PTHREAD_MUTEX_INITIALIZER;
/* Called in the middle of a sink write, at most once: what an NMI would print. */
static void (*interrupt_hook)(void);

static void sink_write(const char *buf, size_t len)
{
	void (*hook)(void) = interrupt_hook;

	pthread_mutex_lock(&output_mutex);
	if (len > sizeof(output) - 1 - output_len)
		len = sizeof(output) - 1 - output_len;
	memcpy(output + output_len, buf, len);
	output_len += len;
	output[output_len] = '\0';
	pthread_mutex_unlock(&output_mutex);
	if (hook) {
		interrupt_hook = NULL;
		hook();
	}
}

static struct console_sink sink = { .name = "test", .write = sink_write };

static int group_setup(void **state)
{
	console_register(&sink);
	alarm(HANG_LIMIT_S);
	return 0;
}

static int setup(void **state)
{
	output_len = 0;
	output[0] = '\0';
	fake_cpu = 0;
	interrupt_hook = NULL;
	console_set_level(LOG_INFO);
	return 0;
}

static void test_levels(void **state)
{
	enum log_level level;

	printk(LOG_DEBUG, "hidden\n");
	printk(LOG_INFO, "shown %d\n", 1);
	console_set_level(LOG_ERROR);
	pr_warn("hidden too\n");
	pr_err("error\n");
	assert_string_equal(output, "shown 1\nerror\n");

	assert_int_equal(console_parse_level("debug", &level), 0);
	assert_int_equal(level, LOG_DEBUG);
	assert_int_equal(console_parse_level("loud", &level), -1);
}

static void nmi_printk(void)
{
	printk(LOG_WARN, "[nmi]");
}

/* An NMI that prints while its CPU is inside a write gets out, on the spot. */
static void test_nested_print_on_same_cpu(void **state)
{
	interrupt_hook = nmi_printk;
	printk(LOG_INFO, "line\n");
	assert_string_equal(output, "line\n[nmi]");
	/* The lock was released afterwards: a later line still gets out. */
	printk(LOG_INFO, "next\n");
	assert_string_equal(output, "line\n[nmi]next\n");
}

static pthread_barrier_t in_write, other_started;

static void hold_the_lock(void)
{
	/* CPU 0 is inside its write: let CPU 1 try, and give it time to get through. */
	pthread_barrier_wait(&in_write);
	pthread_barrier_wait(&other_started);
	usleep(100 * 1000);
	sink_write("(end of cpu 0)", 14);
}

static void *other_cpu(void *arg)
{
	fake_cpu = 1;
	pthread_barrier_wait(&in_write);
	pthread_barrier_wait(&other_started);
	printk(LOG_INFO, "cpu 1\n");
	return NULL;
}

/* Another CPU waits for the line in progress: lines do not mix. */
static void test_other_cpu_waits(void **state)
{
	pthread_t thread;

	assert_int_equal(pthread_barrier_init(&in_write, NULL, 2), 0);
	assert_int_equal(pthread_barrier_init(&other_started, NULL, 2), 0);
	assert_int_equal(pthread_create(&thread, NULL, other_cpu, NULL), 0);
	interrupt_hook = hold_the_lock;
	printk(LOG_INFO, "cpu 0 ");
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_string_equal(output, "cpu 0 (end of cpu 0)cpu 1\n");
	pthread_barrier_destroy(&in_write);
	pthread_barrier_destroy(&other_started);
}

static void *cpu1_panics(void *arg)
{
	fake_cpu = 1;
	console_enter_panic();
	printk(LOG_ERROR, "panic report\n");
	return NULL;
}

static void stop_and_panic_elsewhere(void)
{
	pthread_t thread;

	/* As if this CPU had been stopped here, holding the lock, by the panic's NMI. */
	assert_int_equal(pthread_create(&thread, NULL, cpu1_panics, NULL), 0);
	assert_int_equal(pthread_join(thread, NULL), 0);
}

/* After a panic the lock is ignored: a CPU stopped while holding it blocks nothing. */
static void test_panic_ignores_the_lock(void **state)
{
	interrupt_hook = stop_and_panic_elsewhere;
	printk(LOG_INFO, "held ");
	assert_string_equal(output, "held panic report\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_levels, setup),
		cmocka_unit_test_setup(test_nested_print_on_same_cpu, setup),
		cmocka_unit_test_setup(test_other_cpu_waits, setup),
		/* Last: the console stays in panic mode for good. */
		cmocka_unit_test_setup(test_panic_ignores_the_lock, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
