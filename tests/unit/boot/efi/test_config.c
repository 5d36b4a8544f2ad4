/*
 * Tests for boot/efi/config.c: the UEFI loader's hv.cfg parser. Every
 * error is checked with its exact "file:line: reason" message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot/efi/config.h"
#include "core/errno.h"

static struct bootcfg cfg;
static char err[256];

static int parse_section(const char *text, const char *section)
{
	memset(&cfg, 0xa5, sizeof(cfg));
	memset(err, 'x', sizeof(err));
	return bootcfg_parse(text, strlen(text), "hv.cfg", section, &cfg, err, sizeof(err));
}

static int parse(const char *text)
{
	return parse_section(text, NULL);
}

static void expect_error_section(const char *text, const char *section, const char *message)
{
	static const struct bootcfg zero;

	assert_int_equal(parse_section(text, section), -EINVAL);
	assert_string_equal(err, message);
	/* A failed parse leaves nothing half-filled behind. */
	assert_memory_equal(&cfg, &zero, sizeof(cfg));
}

static void expect_error(const char *text, const char *message)
{
	expect_error_section(text, NULL, message);
}

/* A string of n copies of c (n < 1024); the last 8 results stay valid. */
static const char *repeat(char c, size_t n)
{
	static char buf[8][1024];
	static unsigned int next;
	char *s = buf[next++ % 8];

	assert_true(n < sizeof(buf[0]));
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static const char example[] = "# the product configuration\n"
			      "[global]\n"
			      "default=normal            # the section to boot\n"
			      "\n"
			      "[normal]\n"
			      "hypervisor=hv.elf\n"
			      "options=serial=com1,115200 loglvl=info\n"
			      "module=dom0 dom0.elf console=hvc0\n"
			      "module=initrd initrd.img\n"
			      "\n"
			      "[other]\n"
			      "options=loglvl=debug\n"
			      "module=dom0 other/dom0.elf\n";

static void test_example(void **state)
{
	assert_int_equal(parse(example), 0);
	assert_string_equal(err, "");
	assert_string_equal(cfg.section, "normal");
	assert_int_equal(cfg.section_line, 5);
	assert_string_equal(cfg.hypervisor, "hv.elf");
	assert_int_equal(cfg.hypervisor_line, 6);
	assert_string_equal(cfg.options, "serial=com1,115200 loglvl=info");
	assert_int_equal(cfg.nr_modules, 2);
	assert_string_equal(cfg.modules[0].name, "dom0");
	assert_string_equal(cfg.modules[0].file, "dom0.elf");
	assert_string_equal(cfg.modules[0].cmdline, "console=hvc0");
	assert_int_equal(cfg.modules[0].line, 8);
	assert_string_equal(cfg.modules[1].name, "initrd");
	assert_string_equal(cfg.modules[1].file, "initrd.img");
	assert_string_equal(cfg.modules[1].cmdline, "");
	assert_int_equal(cfg.modules[1].line, 9);
}

static void test_override_section(void **state)
{
	assert_int_equal(parse_section(example, "other"), 0);
	assert_string_equal(cfg.section, "other");
	assert_int_equal(cfg.section_line, 11);
	/* hypervisor= defaults, reported at the section header. */
	assert_string_equal(cfg.hypervisor, "hv.elf");
	assert_int_equal(cfg.hypervisor_line, 11);
	assert_string_equal(cfg.options, "loglvl=debug");
	assert_int_equal(cfg.nr_modules, 1);
	assert_string_equal(cfg.modules[0].file, "other/dom0.elf");
	assert_int_equal(cfg.modules[0].line, 13);

	/* An empty override means "no override". */
	assert_int_equal(parse_section(example, ""), 0);
	assert_string_equal(cfg.section, "normal");
}

static void test_layout_freedom(void **state)
{
	/* BOM, CRLF, tabs, blanks around everything, comments, no final newline. */
	static const char text[] = "\xef\xbb\xbf[ boot ]  \r\n"
				   "\t hypervisor \t=\t /EFI/hv/hv-1.elf \r\n"
				   "module =  a.b-c_D   x.bin    one  two\t three  # not this\r\n"
				   "  # a comment line\r\n"
				   "\r\n"
				   "[global]\r\n"
				   "default = boot";

	assert_int_equal(parse(text), 0);
	assert_string_equal(cfg.section, "boot");
	assert_int_equal(cfg.section_line, 1);
	assert_string_equal(cfg.hypervisor, "/EFI/hv/hv-1.elf");
	assert_int_equal(cfg.hypervisor_line, 2);
	assert_string_equal(cfg.options, "");
	assert_int_equal(cfg.nr_modules, 1);
	assert_string_equal(cfg.modules[0].name, "a.b-c_D");
	assert_string_equal(cfg.modules[0].file, "x.bin");
	/* Inner blanks of a command line are kept as written. */
	assert_string_equal(cfg.modules[0].cmdline, "one  two\t three");
}

static void test_empty_options_and_limits(void **state)
{
	char text[4096];
	unsigned int i;
	int n;

	n = snprintf(text, sizeof(text),
		     "[global]\ndefault=%s\n[%s]\noptions=\nhypervisor=%s\nmodule=%s %s %s\n",
		     repeat('s', 31), repeat('s', 31), repeat('h', 127), repeat('m', 31),
		     repeat('f', 127), repeat('c', 255));
	assert_true(n > 0 && (size_t)n < sizeof(text));
	assert_int_equal(parse(text), 0);
	assert_string_equal(cfg.section, repeat('s', 31));
	assert_string_equal(cfg.options, "");
	assert_string_equal(cfg.hypervisor, repeat('h', 127));
	assert_string_equal(cfg.modules[0].name, repeat('m', 31));
	assert_string_equal(cfg.modules[0].file, repeat('f', 127));
	assert_string_equal(cfg.modules[0].cmdline, repeat('c', 255));

	snprintf(text, sizeof(text), "[global]\ndefault=a\n[a]\noptions=%s\n", repeat('o', 511));
	assert_int_equal(parse(text), 0);
	assert_string_equal(cfg.options, repeat('o', 511));

	/* BOOT_MAX_MODULES modules, kept in order. */
	n = snprintf(text, sizeof(text), "[global]\ndefault=a\n[a]\n");
	for (i = 0; i < BOOT_MAX_MODULES; i++)
		n += snprintf(text + n, sizeof(text) - n, "module=m%u f%u.bin arg=%u\n", i, i, i);
	assert_int_equal(parse(text), 0);
	assert_int_equal(cfg.nr_modules, BOOT_MAX_MODULES);
	for (i = 0; i < BOOT_MAX_MODULES; i++) {
		char want[32];

		snprintf(want, sizeof(want), "m%u", i);
		assert_string_equal(cfg.modules[i].name, want);
		snprintf(want, sizeof(want), "arg=%u", i);
		assert_string_equal(cfg.modules[i].cmdline, want);
		assert_int_equal(cfg.modules[i].line, 4 + i);
	}
}

static void test_same_module_name_in_two_sections(void **state)
{
	assert_int_equal(parse("[global]\ndefault=b\n[a]\nmodule=x a.bin\n[b]\nmodule=x b.bin\n"),
			 0);
	assert_string_equal(cfg.modules[0].file, "b.bin");
	assert_int_equal(cfg.nr_modules, 1);
}

static void test_unknown_keys(void **state)
{
	expect_error("[global]\ndefault=a\nfoo=1\n[a]\n", "hv.cfg:3: unknown key 'foo'");
	/* Section keys are not global keys and the other way round. */
	expect_error("[global]\ndefault=a\noptions=x\n[a]\n", "hv.cfg:3: unknown key 'options'");
	expect_error("[global]\ndefault=a\n[a]\ndefault=a\n", "hv.cfg:4: unknown key 'default'");
	expect_error("[global]\ndefault=a\n[a]\n\n\n\nOptions=x\n",
		     "hv.cfg:7: unknown key 'Options'");
	/* The section that does not boot is checked too. */
	expect_error("[global]\ndefault=a\n[a]\n[b]\nbogus = 1\n", "hv.cfg:5: unknown key 'bogus'");
}

static void test_key_outside_section(void **state)
{
	expect_error("# hello\ndefault=a\n[global]\n",
		     "hv.cfg:2: key 'default' outside any section");
}

static void test_malformed_lines(void **state)
{
	expect_error("[global]\ndefault a\n",
		     "hv.cfg:2: malformed line (expected key=value or [section])");
	expect_error("[global]\n=a\n", "hv.cfg:2: malformed line (empty key)");
	expect_error("[global]\n  = a\n", "hv.cfg:2: malformed line (empty key)");
	expect_error("[global\ndefault=a\n", "hv.cfg:1: unterminated section header");
	/* The comment is stripped first, so it cannot hide the ']'. */
	expect_error("[global # ]\n", "hv.cfg:1: unterminated section header");
	expect_error("[global] x\n", "hv.cfg:1: text after the section header");
	expect_error("[global]]\n", "hv.cfg:1: text after the section header");
	expect_error("[]\n",
		     "hv.cfg:1: bad section name '' (1..31 characters of A-Z a-z 0-9 _ . -)");
	expect_error("[global]\ndefault=a\n[a b]\n",
		     "hv.cfg:3: bad section name 'a b' (1..31 characters of A-Z a-z 0-9 _ . -)");
	expect_error("[global]\ndefault=a\n[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
		     "hv.cfg:3: bad section name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' "
		     "(1..31 characters of A-Z a-z 0-9 _ . -)");
}

static void test_empty_values(void **state)
{
	expect_error("[global]\ndefault=\n", "hv.cfg:2: empty value for 'default'");
	expect_error("[global]\ndefault=a\n[a]\nhypervisor= # none\n",
		     "hv.cfg:4: empty value for 'hypervisor'");
	expect_error("[global]\ndefault=a\n[a]\nmodule=\n", "hv.cfg:4: empty value for 'module'");
}

static void test_duplicates(void **state)
{
	expect_error("[global]\ndefault=a\n[a]\n[b]\n[a]\n",
		     "hv.cfg:5: duplicate section [a] (first at line 3)");
	expect_error("[global]\ndefault=a\n[a]\n[ global ]\n",
		     "hv.cfg:4: duplicate section [global] (first at line 1)");
	/* With a byte order mark in front of the first header. */
	expect_error("\xef\xbb\xbf[a]\n[global]\ndefault=a\n[a]\n",
		     "hv.cfg:4: duplicate section [a] (first at line 1)");
	expect_error("[global]\ndefault=a\ndefault=b\n",
		     "hv.cfg:3: duplicate key 'default' (first at line 2)");
	expect_error("[global]\ndefault=a\n[a]\nhypervisor=x\n\nhypervisor=x\n",
		     "hv.cfg:6: duplicate key 'hypervisor' (first at line 4)");
	expect_error("[global]\ndefault=a\n[a]\noptions=\noptions=x\n",
		     "hv.cfg:5: duplicate key 'options' (first at line 4)");
	expect_error("[global]\ndefault=a\n[a]\nmodule=m a\nmodule=n b\nmodule=m c\n",
		     "hv.cfg:6: duplicate module name 'm' (first at line 4)");
	/* A key may repeat in another section. */
	assert_int_equal(parse("[global]\ndefault=a\n[a]\noptions=1\n[b]\noptions=2\n"), 0);
	assert_string_equal(cfg.options, "1");
}

static void test_module_errors(void **state)
{
	expect_error("[global]\ndefault=a\n[a]\nmodule=dom0\n",
		     "hv.cfg:4: module 'dom0' has no file");
	expect_error("[global]\ndefault=a\n[a]\nmodule=dom0   # file\n",
		     "hv.cfg:4: module 'dom0' has no file");
	expect_error("[global]\ndefault=a\n[a]\nmodule=dom/0 x.bin\n",
		     "hv.cfg:4: bad module name 'dom/0' (1..31 characters of A-Z a-z 0-9 _ . -)");
	expect_error("[global]\ndefault=a\n[a]\nmodule=abcdefghijabcdefghijabcdefghij12 x\n",
		     "hv.cfg:4: bad module name 'abcdefghijabcdefghijabcdefghij12' "
		     "(1..31 characters of A-Z a-z 0-9 _ . -)");
}

static void test_too_many_modules(void **state)
{
	char text[4096];
	unsigned int i;
	int n;

	n = snprintf(text, sizeof(text), "[global]\ndefault=a\n[a]\n");
	for (i = 0; i <= BOOT_MAX_MODULES; i++)
		n += snprintf(text + n, sizeof(text) - n, "module=m%u f\n", i);
	expect_error(text, "hv.cfg:20: too many modules (max 16)");
}

static void test_too_long(void **state)
{
	char text[2048];
	char want[256];

	snprintf(text, sizeof(text), "[global]\ndefault=a\n[a]\noptions=%s\n", repeat('o', 512));
	expect_error(text, "hv.cfg:4: options too long (512 characters, max 511)");

	snprintf(text, sizeof(text), "[global]\ndefault=a\n[a]\nmodule=m f %s\n", repeat('c', 256));
	expect_error(text,
		     "hv.cfg:4: command line of module 'm' too long (256 characters, max 255)");

	snprintf(text, sizeof(text), "[global]\ndefault=a\n[a]\nhypervisor=%s\n", repeat('h', 128));
	expect_error(text, "hv.cfg:4: file name too long (128 characters, max 127)");

	snprintf(text, sizeof(text), "[global]\ndefault=a\n[a]\nmodule=m %s x\n", repeat('f', 128));
	expect_error(text, "hv.cfg:4: file name too long (128 characters, max 127)");

	/* An error message quotes at most 64 characters of the culprit. */
	snprintf(text, sizeof(text), "[global]\ndefault=a\n[a]\n%s=1\n", repeat('k', 100));
	snprintf(want, sizeof(want), "hv.cfg:4: unknown key '%s'", repeat('k', 64));
	expect_error(text, want);
}

static void test_bad_file_names(void **state)
{
	expect_error("[global]\ndefault=a\n[a]\nhypervisor=my hv.elf\n",
		     "hv.cfg:4: bad file name 'my hv.elf' (printable ASCII, no spaces)");
	expect_error("[global]\ndefault=a\n[a]\nmodule=m caf\xc3\xa9.bin\n",
		     "hv.cfg:4: bad file name 'caf\xc3\xa9.bin' (printable ASCII, no spaces)");
}

static void test_missing_global_and_default(void **state)
{
	expect_error("", "hv.cfg:1: no [global] section");
	expect_error("\n\n# nothing\n[a]\noptions=x\n", "hv.cfg:1: no [global] section");
	expect_error("[a]\n\n[global]\n# default=a\n", "hv.cfg:3: no default= in [global]");
	expect_error("[global]\ndefault=b\n[a]\n", "hv.cfg:2: default section 'b' does not exist");
	/* [global] is not a boot section. */
	expect_error("[a]\n[global]\n\ndefault=global\n",
		     "hv.cfg:4: default section 'global' does not exist");
	/* Too long to be any section's name. */
	expect_error("[global]\ndefault=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n[a]\n",
		     "hv.cfg:2: default section 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' "
		     "does not exist");
}

static void test_unknown_override(void **state)
{
	expect_error_section(example, "nosuch", "load options: no section [nosuch] in hv.cfg");
	expect_error_section(example, "global", "load options: no section [global] in hv.cfg");
	expect_error_section(example, repeat('n', 40),
			     "load options: no section "
			     "[nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn] in hv.cfg");
	/* The file itself is still checked first. */
	expect_error_section("[global]\n", "normal", "hv.cfg:1: no default= in [global]");
}

static void test_nul_byte(void **state)
{
	static const char text[] = "[global]\ndefault=a\n[a]\nopt\0ions=x\n";
	static const struct bootcfg zero;

	memset(&cfg, 0xa5, sizeof(cfg));
	assert_int_equal(bootcfg_parse(text, sizeof(text) - 1, "EFI/hv.cfg", NULL, &cfg, err,
				       sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "EFI/hv.cfg:4: NUL byte in the file");
	assert_memory_equal(&cfg, &zero, sizeof(cfg));

	/* Even inside a comment. */
	assert_int_equal(bootcfg_parse("[global]\n#\0\n", 12, "hv.cfg", NULL, &cfg, err,
				       sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "hv.cfg:2: NUL byte in the file");
}

static void test_only_len_bytes_are_read(void **state)
{
	/* The text need not be terminated: what follows len is not parsed. */
	static const char text[] = "[global]\ndefault=a\n[a]\noptions=x\nbogus=1\n";

	assert_int_equal(bootcfg_parse(text, strlen(text) - 8, "hv.cfg", NULL, &cfg, err,
				       sizeof(err)),
			 0);
	assert_string_equal(cfg.options, "x");
}

static void test_small_error_buffer(void **state)
{
	char small[12];

	memset(small, 'x', sizeof(small));
	assert_int_equal(bootcfg_parse("[global]\nfoo=1\n", 15, "hv.cfg", NULL, &cfg, small,
				       sizeof(small)),
			 -EINVAL);
	assert_string_equal(small, "hv.cfg:2: u");

	/* No buffer at all still reports the error. */
	assert_int_equal(bootcfg_parse("[global]\nfoo=1\n", 15, "hv.cfg", NULL, &cfg, NULL, 0),
			 -EINVAL);
	assert_int_equal(parse_section("[global]\ndefault=a\n[a]\n", "b"), 0 - EINVAL);
	assert_int_equal(bootcfg_parse("[global]\ndefault=a\n[a]\n", 23, "hv.cfg", "b", &cfg,
				       NULL, 0),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_override_section),
		cmocka_unit_test(test_layout_freedom),
		cmocka_unit_test(test_empty_options_and_limits),
		cmocka_unit_test(test_same_module_name_in_two_sections),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_key_outside_section),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_module_errors),
		cmocka_unit_test(test_too_many_modules),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_bad_file_names),
		cmocka_unit_test(test_missing_global_and_default),
		cmocka_unit_test(test_unknown_override),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_only_len_bytes_are_read),
		cmocka_unit_test(test_small_error_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
