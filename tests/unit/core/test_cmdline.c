/*
 * Host tests for core/cmdline.c: every option, and every way a command line
 * can be wrong.
 * unit-test-sources: tests/unit/fakes/console.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/cmdline.h"
#include "core/config.h"
#include "core/errno.h"

/* core/console.c is not linked: the fake console provides the rest. */
int console_parse_level(const char *name, enum log_level *level)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (unsigned int i = 0; i < 4; i++) {
		if (!strcmp(name, names[i])) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

static int parse(const char *line, struct hv_options *opt, char *err)
{
	cmdline_defaults(opt);
	err[0] = '\0';
	return cmdline_parse(line, opt, err, 256);
}

static void test_defaults(void **state)
{
	struct hv_options opt;
	char err[256];

	assert_int_equal(parse("", &opt, err), 0);
	assert_true(opt.serial_enabled);
	assert_int_equal(opt.serial_port, 0x3f8);
	assert_int_equal(opt.serial_baud, 115200);
	assert_int_equal(opt.loglvl, LOG_INFO);
	assert_int_equal(opt.maxcpus, HV_MAX_CPUS);
	assert_int_equal(opt.on_ready, ON_READY_CONSOLE);
	assert_false(opt.test_fault);
}

static void test_all_options(void **state)
{
	struct hv_options opt;
	char err[256];

	assert_int_equal(parse("  serial=com2,38400\tloglvl=debug maxcpus=2 on_ready=poweroff "
			       "hvtest=fault  ",
			       &opt, err),
			 0);
	assert_int_equal(opt.serial_port, 0x2f8);
	assert_int_equal(opt.serial_baud, 38400);
	assert_int_equal(opt.loglvl, LOG_DEBUG);
	assert_int_equal(opt.maxcpus, 2);
	assert_int_equal(opt.on_ready, ON_READY_POWEROFF);
	assert_true(opt.test_fault);

	assert_int_equal(parse("serial=0x2e8 on_ready=halt", &opt, err), 0);
	assert_int_equal(opt.serial_port, 0x2e8);
	assert_int_equal(opt.serial_baud, 115200);
	assert_int_equal(opt.on_ready, ON_READY_HALT);

	assert_int_equal(parse("serial=none", &opt, err), 0);
	assert_false(opt.serial_enabled);
}

static void expect_error(const char *line, const char *needle)
{
	struct hv_options opt;
	char err[256];

	assert_int_equal(parse(line, &opt, err), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("'%s': error '%s' does not mention '%s'", line, err, needle);
}

static void test_errors(void **state)
{
	expect_error("bogus=1", "unknown option 'bogus=1'");
	expect_error("loglvl=info noequals", "malformed option 'noequals'");
	expect_error("=value", "malformed option '=value'");
	expect_error("key=", "malformed option 'key='");
	expect_error("loglvl=loud", "loglvl: unknown level 'loud'");
	expect_error("maxcpus=0", "maxcpus: '0'");
	expect_error("maxcpus=65", "maxcpus: '65'");
	expect_error("maxcpus=2x", "maxcpus: '2x'");
	expect_error("maxcpus=99999999999999999999999", "maxcpus");
	expect_error("serial=com3", "serial: bad value");
	expect_error("serial=com1,7", "serial: bad value");
	expect_error("serial=com1,115201", "serial: bad value");
	expect_error("serial=com1,", "serial: bad value");
	expect_error("serial=none,9600", "serial: bad value");
	expect_error("serial=0x0", "serial: bad value");
	expect_error("serial=0x10000", "serial: bad value");
	expect_error("on_ready=sleep", "on_ready: 'sleep'");
	expect_error("hvtest=explode", "hvtest: unknown test 'explode'");
}

static void test_overlong_option(void **state)
{
	char line[300];

	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	line[3] = '=';
	expect_error(line, "longer than 127 characters");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_overlong_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
