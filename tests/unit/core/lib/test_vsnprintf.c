/*
 * Host unit test of core/lib/vsnprintf.c (the hypervisor's, the loader's and
 * the guest runtime's), with the C library's snprintf as the oracle for
 * every supported format. The file under test is built renamed
 * (rt_vsnprintf, rt_snprintf, tests/unit/unit.mk) so that it does not
 * replace the C library's functions in this program.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4))) int rt_snprintf(char *buf, size_t size, const char *fmt,
						     ...);

/* Formats with both implementations and compares text and returned length. */
#define CHECK_LIKE_LIBC(...)                                                                   \
	do {                                                                                   \
		char ours[256], theirs[256];                                                   \
		int n_ours = rt_snprintf(ours, sizeof(ours), __VA_ARGS__);                     \
		int n_theirs = snprintf(theirs, sizeof(theirs), __VA_ARGS__);                  \
		assert_string_equal(ours, theirs);                                             \
		assert_int_equal(n_ours, n_theirs);                                            \
	} while (0)

static void test_integers(void **state)
{
	(void)state;
	CHECK_LIKE_LIBC("%d %d %d", 0, 42, -42);
	CHECK_LIKE_LIBC("%d %i", INT_MIN, INT_MAX);
	CHECK_LIKE_LIBC("%u %u", 0u, UINT_MAX);
	CHECK_LIKE_LIBC("%ld %ld", LONG_MIN, LONG_MAX);
	CHECK_LIKE_LIBC("%lu %llu", ULONG_MAX, ULLONG_MAX);
	CHECK_LIKE_LIBC("%lld", LLONG_MIN);
	CHECK_LIKE_LIBC("%zu %zx", (size_t)12345, SIZE_MAX);
	CHECK_LIKE_LIBC("%hd %hu", (short)-1234, (unsigned short)65535);
	CHECK_LIKE_LIBC("%hhd %hhu", (signed char)-5, (unsigned char)250);
}

static void test_hex_and_octal(void **state)
{
	(void)state;
	CHECK_LIKE_LIBC("%x %X %x", 0xdeadbeefu, 0xdeadbeefu, 0u);
	CHECK_LIKE_LIBC("%#x %#X %#x", 0x1au, 0x1au, 0u);
	CHECK_LIKE_LIBC("%lx %#lx", 0xffffffffffffffffUL, 0x8000000000UL);
	CHECK_LIKE_LIBC("%o %#o %#o", 8u, 8u, 0u);
	CHECK_LIKE_LIBC("%016lx", 0x1234UL);
	CHECK_LIKE_LIBC("%#010x", 0xabcu);
}

static void test_width_and_flags(void **state)
{
	(void)state;
	CHECK_LIKE_LIBC("[%5d] [%-5d] [%05d]", 42, 42, 42);
	CHECK_LIKE_LIBC("[%5d] [%-5d] [%05d]", -42, -42, -42);
	CHECK_LIKE_LIBC("[%2d]", 12345);
	CHECK_LIKE_LIBC("[%*d] [%-*d]", 6, 7, 6, 7);
	CHECK_LIKE_LIBC("[%8s] [%-8s] [%.3s] [%8.3s] [%.*s]", "abc", "abc", "abcdef", "abcdef", 2,
			"xyz");
	CHECK_LIKE_LIBC("[%c%c%c]", 'a', 'b', 'c');
	CHECK_LIKE_LIBC("100%% sure");
}

static void test_strings_and_pointers(void **state)
{
	int x;

	(void)state;
	CHECK_LIKE_LIBC("%s and %s", "one", "");
	CHECK_LIKE_LIBC("%p", (void *)&x);
	CHECK_LIKE_LIBC("%p", (void *)0x100000);
}

static void test_truncation(void **state)
{
	char buf[8];
	int n;

	(void)state;
	memset(buf, 'x', sizeof(buf));
	n = rt_snprintf(buf, 5, "%s", "hello world");
	assert_int_equal(n, 11);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], 'x');

	/* Size 0 writes nothing at all and still counts. */
	memset(buf, 'x', sizeof(buf));
	n = rt_snprintf(buf, 0, "%d", 123456);
	assert_int_equal(n, 6);
	assert_int_equal(buf[0], 'x');

	n = rt_snprintf(buf, 1, "abc");
	assert_int_equal(n, 3);
	assert_string_equal(buf, "");
}

/* No format attribute: lets the test pass formats the compiler would refuse. */
static int format_unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = rt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_unknown_conversion(void **state)
{
	char buf[32];
	int n;

	(void)state;
	/* Not in C: printed as written, so a bad format is visible, never a crash. */
	n = format_unchecked(buf, sizeof(buf), "a%qb");
	assert_string_equal(buf, "a%qb");
	assert_int_equal(n, 4);
	n = format_unchecked(buf, sizeof(buf), "end%");
	assert_string_equal(buf, "end%");
	assert_int_equal(n, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_hex_and_octal),
		cmocka_unit_test(test_width_and_flags),
		cmocka_unit_test(test_strings_and_pointers),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_unknown_conversion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
