/* SPDX-License-Identifier: MIT */
/*
 * snprintf and vsnprintf for enclaves: the integer, character, string and
 * pointer conversions of C99 (see include/stdio.h), no floating point.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { LEFT = 1, PLUS = 2, SPACE = 4, ALT = 8, ZERO = 16 };

/* Where output goes: bytes past size are counted, not stored. */
struct sink {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct sink *out, char c)
{
	if (out->len + 1 < out->size)
		out->buf[out->len] = c;
	out->len++;
}

static void repeat(struct sink *out, char c, int count)
{
	while (count-- > 0)
		put(out, c);
}

static void put_text(struct sink *out, const char *s, size_t n, int width, int flags)
{
	int pad = width > (int)n ? width - (int)n : 0;

	if (!(flags & LEFT))
		repeat(out, ' ', pad);
	while (n--)
		put(out, *s++);
	if (flags & LEFT)
		repeat(out, ' ', pad);
}

/* One integer: sign or prefix, zeros for precision or the 0 flag, then digits. */
static void put_number(struct sink *out, uintmax_t value, int negative, unsigned int base,
		       int upper, int width, int precision, int flags, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char text[64];
	int n = 0, zeros, pad, lead;
	size_t prefix_len = strlen(prefix);

	while (value) {
		text[n++] = digits[value % base];
		value /= base;
	}
	if (precision < 0)
		precision = 1;
	else
		flags &= ~ZERO;		/* a precision overrides the 0 flag */
	zeros = precision > n ? precision - n : 0;
	/* %#o guarantees a leading zero, and adds none when there already is one. */
	if (base == 8 && (flags & ALT) && zeros == 0 && (n == 0 || text[n - 1] != '0'))
		zeros = 1;
	lead = (negative || (flags & (PLUS | SPACE))) ? 1 : 0;
	pad = width - (n + zeros + lead + (int)prefix_len);
	if (pad < 0)
		pad = 0;
	if (!(flags & (LEFT | ZERO)))
		repeat(out, ' ', pad);
	if (negative)
		put(out, '-');
	else if (flags & PLUS)
		put(out, '+');
	else if (flags & SPACE)
		put(out, ' ');
	while (*prefix)
		put(out, *prefix++);
	if ((flags & ZERO) && !(flags & LEFT))
		repeat(out, '0', pad);
	repeat(out, '0', zeros);
	while (n)
		put(out, text[--n]);
	if (flags & LEFT)
		repeat(out, ' ', pad);
}

enum length { DEFAULT, CHAR, SHORT, LONG, LONG_LONG, INTMAX, SIZE, PTRDIFF };

static uintmax_t take_unsigned(va_list *args, enum length length)
{
	switch (length) {
	case CHAR: return (unsigned char)va_arg(*args, unsigned int);
	case SHORT: return (unsigned short)va_arg(*args, unsigned int);
	case LONG: return va_arg(*args, unsigned long);
	case LONG_LONG: return va_arg(*args, unsigned long long);
	case INTMAX: return va_arg(*args, uintmax_t);
	case SIZE: return va_arg(*args, size_t);
	case PTRDIFF: return (uintmax_t)va_arg(*args, ptrdiff_t);
	default: return va_arg(*args, unsigned int);
	}
}

static intmax_t take_signed(va_list *args, enum length length)
{
	switch (length) {
	case CHAR: return (signed char)va_arg(*args, int);
	case SHORT: return (short)va_arg(*args, int);
	case LONG: return va_arg(*args, long);
	case LONG_LONG: return va_arg(*args, long long);
	case INTMAX: return va_arg(*args, intmax_t);
	case SIZE: return (intmax_t)va_arg(*args, size_t);
	case PTRDIFF: return va_arg(*args, ptrdiff_t);
	default: return va_arg(*args, int);
	}
}

static const char *parse_length(const char *f, enum length *length)
{
	*length = DEFAULT;
	switch (*f) {
	case 'h':
		if (f[1] == 'h') {
			*length = CHAR;
			return f + 2;
		}
		*length = SHORT;
		return f + 1;
	case 'l':
		if (f[1] == 'l') {
			*length = LONG_LONG;
			return f + 2;
		}
		*length = LONG;
		return f + 1;
	case 'j': *length = INTMAX; return f + 1;
	case 'z': *length = SIZE; return f + 1;
	case 't': *length = PTRDIFF; return f + 1;
	default: return f;
	}
}

static const char *parse_flags(const char *f, int *flags)
{
	for (;; f++) {
		switch (*f) {
		case '-': *flags |= LEFT; break;
		case '+': *flags |= PLUS; break;
		case ' ': *flags |= SPACE; break;
		case '#': *flags |= ALT; break;
		case '0': *flags |= ZERO; break;
		default: return f;
		}
	}
}

/* A width or precision: digits or '*' (an int argument). */
static const char *parse_count(const char *f, va_list *args, int *count)
{
	if (*f == '*') {
		*count = va_arg(*args, int);
		return f + 1;
	}
	*count = 0;
	while (*f >= '0' && *f <= '9') {
		if (*count < 100000000)
			*count = *count * 10 + (*f - '0');
		f++;
	}
	return f;
}

static void put_conversion(struct sink *out, char conversion, va_list *args, enum length length,
			   int width, int precision, int flags)
{
	uintmax_t u;
	intmax_t i;
	const char *s;
	char c;

	switch (conversion) {
	case 'd':
	case 'i':
		i = take_signed(args, length);
		u = i < 0 ? -(uintmax_t)i : (uintmax_t)i;
		put_number(out, u, i < 0, 10, 0, width, precision, flags, "");
		return;
	case 'u':
		put_number(out, take_unsigned(args, length), 0, 10, 0, width, precision,
			   flags & ~(PLUS | SPACE), "");
		return;
	case 'o':
		put_number(out, take_unsigned(args, length), 0, 8, 0, width, precision,
			   flags & ~(PLUS | SPACE), "");
		return;
	case 'x':
	case 'X':
		u = take_unsigned(args, length);
		put_number(out, u, 0, 16, conversion == 'X', width, precision,
			   flags & ~(PLUS | SPACE),
			   (flags & ALT) && u ? (conversion == 'X' ? "0X" : "0x") : "");
		return;
	case 'p':
		u = (uintptr_t)va_arg(*args, void *);
		put_number(out, u, 0, 16, 0, width, precision, flags & ~(PLUS | SPACE), "0x");
		return;
	case 'c':
		c = (char)va_arg(*args, int);
		put_text(out, &c, 1, width, flags);
		return;
	case 's':
		s = va_arg(*args, const char *);
		if (!s)
			s = "(null)";
		put_text(out, s, precision < 0 ? strlen(s) : strnlen(s, (size_t)precision),
			 width, flags);
		return;
	case '%':
		put(out, '%');
		return;
	default:
		/* Unsupported (floating point among them): show the conversion itself. */
		put(out, '%');
		if (conversion)
			put(out, conversion);
		return;
	}
}

int vsnprintf(char *buf, size_t size, const char *format, va_list args)
{
	struct sink out = { buf, size, 0 };
	const char *f = format;
	enum length length;
	int flags, width, precision;
	va_list copy;

	va_copy(copy, args);
	while (*f) {
		if (*f != '%') {
			put(&out, *f++);
			continue;
		}
		flags = 0;
		f = parse_flags(f + 1, &flags);
		f = parse_count(f, &copy, &width);
		if (width < 0) {		/* a negative '*' width means '-' */
			flags |= LEFT;
			width = width == -2147483647 - 1 ? 0 : -width;
		}
		precision = -1;
		if (*f == '.') {
			f = parse_count(f + 1, &copy, &precision);
			if (precision < 0)
				precision = -1;
		}
		f = parse_length(f, &length);
		put_conversion(&out, *f, &copy, length, width, precision, flags);
		if (*f)
			f++;
	}
	va_end(copy);
	if (size)
		buf[out.len < size ? out.len : size - 1] = '\0';
	return out.len > 0x7fffffff ? -1 : (int)out.len;
}

int snprintf(char *buf, size_t size, const char *format, ...)
{
	va_list args;
	int n;

	va_start(args, format);
	n = vsnprintf(buf, size, format, args);
	va_end(args);
	return n;
}
