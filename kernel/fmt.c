/* printf-style formatting for the kernel (no libc, no floating point). */
#include <stdint.h>
#include <stdbool.h>
#include "kernel/fmt.h"

struct out {
	char *buf;
	size_t len;	/* capacity including the NUL */
	size_t pos;	/* characters produced so far (may exceed len) */
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16,
       F_SIGNED = 32, F_PTR = 64 };

static void put_num(struct out *o, uint64_t v, bool neg, unsigned base,
		    bool upper, int flags, int width, int prec)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;
	char sign = 0;
	const char *prefix = "";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (prec == 0 && n == 1 && tmp[0] == '0')
		n = 0;			/* C: "%.0d" of 0 prints nothing */

	/* '+' and ' ' only mean something for signed conversions (F_SIGNED). */
	if (neg)
		sign = '-';
	else if ((flags & (F_PLUS | F_SIGNED)) == (F_PLUS | F_SIGNED))
		sign = '+';
	else if ((flags & (F_SPACE | F_SIGNED)) == (F_SPACE | F_SIGNED))
		sign = ' ';

	int zeros = prec > n ? prec - n : 0;

	/* '#': 0x only for a non-zero value (or always for %p, F_PTR); for
	 * octal, a leading zero unless the digits already start with one. */
	if (flags & F_ALT) {
		if (base == 16 && n && (!(n == 1 && tmp[0] == '0') || (flags & F_PTR)))
			prefix = upper ? "0X" : "0x";
		else if (base == 8 && !zeros && (n == 0 || tmp[n - 1] != '0'))
			prefix = "0";
	}
	len = n + zeros + (sign ? 1 : 0);
	for (const char *p = prefix; *p; p++)
		len++;
	if (prec < 0 && (flags & F_ZERO) && !(flags & F_LEFT) && width > len) {
		zeros += width - len;
		len = width;
	}
	if (!(flags & F_LEFT))
		pad(o, ' ', width - len);
	if (sign)
		put(o, sign);
	for (const char *p = prefix; *p; p++)
		put(o, *p);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (flags & F_LEFT)
		pad(o, ' ', width - len);
}

static void put_str(struct out *o, const char *s, int flags, int width, int prec)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while ((prec < 0 || n < prec) && s[n])
		n++;
	if (!(flags & F_LEFT))
		pad(o, ' ', width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (flags & F_LEFT)
		pad(o, ' ', width - n);
}

static int parse_int(const char **fp)
{
	int v = 0;

	while (**fp >= '0' && **fp <= '9') {
		if (v < 100000)		/* widths beyond that are nonsense */
			v = v * 10 + (**fp - '0');
		(*fp)++;
	}
	return v;
}

int kvsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	struct out o = { buf, len, 0 };

	for (const char *f = fmt; *f; f++) {
		const char *start = f;
		int flags = 0, width = 0, prec = -1, lmod = 0;

		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f++;
		for (;; f++) {
			if (*f == '-')
				flags |= F_LEFT;
			else if (*f == '0')
				flags |= F_ZERO;
			else if (*f == '+')
				flags |= F_PLUS;
			else if (*f == ' ')
				flags |= F_SPACE;
			else if (*f == '#')
				flags |= F_ALT;
			else
				break;
		}
		if (*f == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = width == INT32_MIN ? 0 : -width;
			}
			f++;
		} else {
			width = parse_int(&f);
		}
		if (*f == '.') {
			f++;
			if (*f == '*') {
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;
				f++;
			} else {
				prec = parse_int(&f);
			}
		}
		/* lmod: 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t */
		for (;; f++) {
			if (*f == 'l')
				lmod = lmod == 1 ? 2 : 1;
			else if (*f == 'h')
				lmod = lmod == -1 ? -2 : -1;
			else if (*f == 'z' || *f == 't' || *f == 'j')
				lmod = 3;
			else
				break;
		}

		uint64_t u;
		int64_t s;
		switch (*f) {
		case 'd':
		case 'i':
			if (lmod == 1)
				s = va_arg(ap, long);
			else if (lmod == 2)
				s = va_arg(ap, long long);
			else if (lmod == 3)
				s = (int64_t)va_arg(ap, long);	/* ssize_t/ptrdiff_t */
			else
				s = va_arg(ap, int);
			if (lmod == -1)
				s = (short)s;
			else if (lmod == -2)
				s = (signed char)s;
			u = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
			put_num(&o, u, s < 0, 10, false, flags | F_SIGNED, width, prec);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lmod == 1)
				u = va_arg(ap, unsigned long);
			else if (lmod == 2)
				u = va_arg(ap, unsigned long long);
			else if (lmod == 3)
				u = va_arg(ap, size_t);
			else
				u = va_arg(ap, unsigned int);
			if (lmod == -1)
				u = (unsigned short)u;
			else if (lmod == -2)
				u = (unsigned char)u;
			put_num(&o, u, false, *f == 'u' ? 10 : *f == 'o' ? 8 : 16,
				*f == 'X', flags, width, prec);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			put_num(&o, u, false, 16, false, (flags & ~(F_PLUS | F_SPACE)) | F_ALT | F_PTR,
				width, prec);
			break;
		case 's':
			put_str(&o, va_arg(ap, const char *), flags, width, prec);
			break;
		case 'c': {
			char c[2] = { (char)va_arg(ap, int), 0 };

			if (!(flags & F_LEFT))
				pad(&o, ' ', width - 1);
			put(&o, c[0]);
			if (flags & F_LEFT)
				pad(&o, ' ', width - 1);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown or truncated conversion: copy it verbatim. */
			for (const char *p = start; p <= f && *p; p++)
				put(&o, *p);
			if (!*f)
				f--;
			break;
		}
	}
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = 0;
	return o.pos > INT32_MAX ? INT32_MAX : (int)o.pos;
}

int ksnprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}
