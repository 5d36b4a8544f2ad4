/*
 * A small vsnprintf for the hypervisor, the UEFI loader and the guest test
 * runtime. Output beyond the buffer is counted but dropped, as C's
 * vsnprintf does; tests/unit/core/lib/test_vsnprintf.c checks every
 * supported format against the C library.
 */
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"

struct out {
	char *buf;
	size_t size;
	size_t len; /* what the full output needs */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padding(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left;
	bool zero;
	bool alt;
	bool pointer; /* %p: "0x" even for 0 */
	int width;
	int precision; /* -1: none */
};

static void put_string(struct out *o, const char *s, const struct spec *sp)
{
	size_t n, i;

	if (!s)
		s = "(null)";
	n = sp->precision >= 0 ? strnlen(s, (size_t)sp->precision) : strlen(s);
	if (!sp->left)
		put_padding(o, ' ', sp->width - (int)n);
	for (i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		put_padding(o, ' ', sp->width - (int)n);
}

static void put_number(struct out *o, uint64_t v, bool negative, unsigned int base, bool upper,
		       const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	const char *prefix = "";
	int n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (negative)
		prefix = "-";
	else if (sp->alt && base == 16 && (tmp[n - 1] != '0' || sp->pointer))
		prefix = upper ? "0X" : "0x";
	else if (sp->alt && base == 8 && tmp[n - 1] != '0')
		prefix = "0";
	len = n + (int)strlen(prefix);

	if (!sp->left && !sp->zero)
		put_padding(o, ' ', sp->width - len);
	while (*prefix)
		put(o, *prefix++);
	if (!sp->left && sp->zero)
		put_padding(o, '0', sp->width - len);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		put_padding(o, ' ', sp->width - len);
}

/* Reads an argument of the given length modifier: 0 int, 1 long, 2 long long, -1 short, -2 char. */
static uint64_t arg_unsigned(va_list *ap, int length)
{
	switch (length) {
	case -2:
		return (uint8_t)va_arg(*ap, unsigned int);
	case -1:
		return (uint16_t)va_arg(*ap, unsigned int);
	case 0:
		return va_arg(*ap, unsigned int);
	default:
		return va_arg(*ap, unsigned long long);
	}
}

static int64_t arg_signed(va_list *ap, int length)
{
	switch (length) {
	case -2:
		return (int8_t)va_arg(*ap, int);
	case -1:
		return (int16_t)va_arg(*ap, int);
	case 0:
		return va_arg(*ap, int);
	default:
		return va_arg(*ap, long long);
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };
	va_list args;

	va_copy(args, ap);
	for (; *fmt; fmt++) {
		struct spec sp = { .precision = -1 };
		int length = 0;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (;;) {
			fmt++;
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '#')
				sp.alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(args, int);
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			sp.precision = 0;
			fmt++;
			if (*fmt == '*') {
				sp.precision = va_arg(args, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.precision = sp.precision * 10 + (*fmt++ - '0');
			}
		}
		for (;; fmt++) {
			if (*fmt == 'l' || *fmt == 'z')
				length = length < 0 ? 1 : length + 1;
			else if (*fmt == 'h')
				length--;
			else
				break;
		}

		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&args, length);

			put_number(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false, &sp);
			break;
		}
		case 'u':
			put_number(&o, arg_unsigned(&args, length), false, 10, false, &sp);
			break;
		case 'x':
		case 'X':
			put_number(&o, arg_unsigned(&args, length), false, 16, *fmt == 'X', &sp);
			break;
		case 'o':
			put_number(&o, arg_unsigned(&args, length), false, 8, false, &sp);
			break;
		case 'p':
			sp.alt = true;
			sp.pointer = true;
			put_number(&o, (uint64_t)(uintptr_t)va_arg(args, void *), false, 16, false,
				   &sp);
			break;
		case 's':
			put_string(&o, va_arg(args, const char *), &sp);
			break;
		case 'c':
			put(&o, (char)va_arg(args, int));
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			/* A lone '%' at the end: print it, and stop. */
			put(&o, '%');
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
