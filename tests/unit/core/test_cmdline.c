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
	expect_error(line, "longer than 255 characters");
}

static void test_domains(void **state)
{
	struct hv_options opt;
	char err[256];

	assert_int_equal(parse("domain=web,kernel=k1 domain=db.2,kernel=k2,memory=64M,vcpus=2,"
			       "initrd=rd,cpu=1,timeout=3000,gnttab_frames=32",
			       &opt, err),
			 0);
	assert_int_equal(opt.nr_domains, 2);
	assert_string_equal(opt.domains[0].name, "web");
	assert_string_equal(opt.domains[0].kernel, "k1");
	assert_string_equal(opt.domains[0].initrd, "");
	assert_int_equal(opt.domains[0].memory, 16 * 1024 * 1024);
	assert_int_equal(opt.domains[0].vcpus, 1);
	assert_int_equal(opt.domains[0].cpu, -1);
	assert_int_equal(opt.domains[0].timeout_ms, 0);
	assert_string_equal(opt.domains[1].name, "db.2");
	assert_string_equal(opt.domains[1].initrd, "rd");
	assert_int_equal(opt.domains[1].memory, 64 * 1024 * 1024);
	assert_int_equal(opt.domains[1].vcpus, 2);
	assert_int_equal(opt.domains[1].cpu, 1);
	assert_int_equal(opt.domains[1].timeout_ms, 3000);
	assert_int_equal(opt.domains[0].gnttab_frames, 0); /* the default */
	assert_int_equal(opt.domains[1].gnttab_frames, 32);
	assert_false(opt.domains[1].test_bad_guest_state);

	assert_int_equal(parse("domain=t,kernel=k,test=bad-guest-state", &opt, err), 0);
	assert_true(opt.domains[0].test_bad_guest_state);

	assert_int_equal(parse("domain=big,kernel=k,memory=3G", &opt, err), 0);
	assert_int_equal(opt.domains[0].memory, 3ULL << 30);
	assert_int_equal(parse("domain=small,kernel=k,memory=2048k", &opt, err), 0);
	assert_int_equal(opt.domains[0].memory, 2 << 20);
}

static void test_domain_errors(void **state)
{
	expect_error("domain=a", "domain 'a': no kernel=MODULE");
	expect_error("domain=,kernel=k", "domain: bad name ''");
	expect_error("domain=b@d,kernel=k", "domain: bad name 'b@d'");
	expect_error("domain=a,kernel=k domain=a,kernel=j", "name 'a' used twice");
	expect_error("domain=a,kernel=k,memory=3M", "memory '3M'");
	expect_error("domain=a,kernel=k,memory=1M", "memory '1M'");
	expect_error("domain=a,kernel=k,memory=4G", "memory '4G'");
	expect_error("domain=a,kernel=k,memory=99999999999999999999G", "memory");
	expect_error("domain=a,kernel=k,memory=lots", "memory 'lots'");
	expect_error("domain=a,kernel=k,vcpus=0", "vcpus '0'");
	expect_error("domain=a,kernel=k,vcpus=9", "vcpus '9'");
	expect_error("domain=a,kernel=k,cpu=64", "cpu '64'");
	expect_error("domain=a,kernel=k,timeout=0", "timeout '0'");
	expect_error("domain=a,kernel=k,gnttab_frames=0", "gnttab_frames '0' is not from 1 to 32");
	expect_error("domain=a,kernel=k,gnttab_frames=33", "gnttab_frames '33'");
	expect_error("domain=a,kernel=k,colour=red", "unknown setting 'colour'");
	expect_error("domain=a,kernel=k,vcpus", "'vcpus' is not key=value");
	expect_error("domain=a,kernel=b@d", "bad module name 'b@d'");
	expect_error("domain=a,kernel=k,test=explode", "unknown test 'explode'");
	expect_error("domain=a,kernel=k,kernel=j", "domain 'a': 'kernel' given twice");
	expect_error("domain=a,kernel=k,memory=4M,vcpus=2,memory=8M", "'memory' given twice");
	expect_error("domain=a,initrd=r,kernel=k,initrd=s", "'initrd' given twice");
	expect_error("domain=a,kernel=k,timeout=5,timeout=5", "'timeout' given twice");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_overlong_option),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_domain_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
