/* Unit tests of the kernel's printf (kernel/fmt.c) against the host C
 * library's vsnprintf(), which implements the same C11 7.21.6.1 contract:
 * every conversion, flag, width, precision, '*' and length modifier, the
 * extreme values, and truncation at every buffer length. What the C
 * standard leaves undefined (%p formatting, NULL %s with a precision, flags
 * that make no sense for a conversion) is tested against the kernel's own
 * documented behaviour instead. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "kernel/fmt.h"

/* ------------------------------------------------------------ helpers */

#define BIG 4096

static unsigned mismatches;	/* in the current test */
static unsigned compared;

/* One mismatch: the expected and the produced text (shown up to their
 * lengths, which the caller bounds by the buffer) and return values. */
static void report(const char *where, const char *fmt, size_t len,
		   const char *want, size_t wl, int wn, const char *got, size_t gl, int gn)
{
	if (++mismatches > 12)
		return;		/* the first few are enough to see the pattern */
	print_error("%s: fmt \"%s\" buflen %zu: want %d \"%.*s\", got %d \"%.*s\"\n",
		    where, fmt, len, wn, (int)wl, want, gn, (int)gl, got);
}

/* Compares kvsnprintf with vsnprintf for fmt and the arguments in ap:
 * the full output and the return value, and, when trunc, the output and
 * return value for every buffer length 0 .. n+2 (buffers of exactly that
 * size, so ASan catches any write past the end; NULL when 0). */
static void vcompare(const char *where, bool trunc, const char *fmt, va_list ap)
{
	char want[BIG], got[BIG];
	va_list a;
	int wn, gn;

	compared++;
	va_copy(a, ap);
	wn = vsnprintf(want, sizeof(want), fmt, a);
	va_end(a);
	assert_true(wn >= 0 && wn < BIG);
	memset(got, 0x5a, sizeof(got));
	va_copy(a, ap);
	gn = kvsnprintf(got, sizeof(got), fmt, a);
	va_end(a);
	if (gn != wn || memcmp(got, want, (size_t)wn + 1)) {
		report(where, fmt, sizeof(got), want, (size_t)wn, wn, got,
		       strnlen(got, sizeof(got)), gn);
		return;
	}
	if (!trunc)
		return;
	for (size_t len = 0; len <= (size_t)wn + 2; len++) {
		char *b = len ? malloc(len) : NULL;
		char hb[BIG];
		int hn;

		if (len)
			memset(b, 0x5a, len);
		va_copy(a, ap);
		gn = kvsnprintf(b, len, fmt, a);
		va_end(a);
		va_copy(a, ap);
		hn = vsnprintf(hb, len, fmt, a);
		va_end(a);
		assert_int_equal(hn, wn);
		if (gn != wn) {
			report(where, fmt, len, want, (size_t)wn, wn, b ? b : "",
			       len ? strnlen(b, len) : 0, gn);
		} else if (len) {
			size_t n = (size_t)wn < len - 1 ? (size_t)wn : len - 1;
			bool tail_ok = true;

			for (size_t i = n + 1; i < len; i++)
				tail_ok = tail_ok && (unsigned char)b[i] == 0x5a;
			/* n bytes of output, the NUL, and nothing else written. */
			if (memcmp(b, hb, n) || b[n] != 0 || !tail_ok)
				report(where, fmt, len, hb, n, wn, b, len, gn);
		}
		free(b);
	}
}

static void compare_at(const char *where, bool trunc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcompare(where, trunc, fmt, ap);
	va_end(ap);
}

#define STR2(x) #x
#define STR(x) STR2(x)
#define WHERE __FILE__ ":" STR(__LINE__)
/* Whole output only / also every truncation length. */
#define CMP(...)  compare_at(WHERE, false, __VA_ARGS__)
#define CMPT(...) compare_at(WHERE, true, __VA_ARGS__)

static int setup(void **state)
{
	(void)state;
	mismatches = 0;
	compared = 0;
	return 0;
}

static void done(void)
{
	if (mismatches)
		fail_msg("%u of %u comparisons with the C library differ", mismatches,
			 compared);
}

/* The kernel formatter with no format attribute: some tests feed it
 * formats the compiler would (rightly) warn about. */
static int kfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

/* kfmt into a big buffer, and check both the text and the return value. */
#define EXPECT(want, ...) do { \
	char b_[BIG]; \
	int n_ = kfmt(b_, sizeof(b_), __VA_ARGS__); \
	assert_string_equal(b_, want); \
	assert_int_equal(n_, (int)strlen(want)); \
} while (0)

/* ------------------------------------------------------------ curated table */

static void test_plain_text(void **state)
{
	(void)state;
	CMPT("");
	CMPT("hello, world");
	CMPT("100%% sure %%");
	CMPT("%%%%%%");
	CMPT("tab\there\nnewline");
	done();
}

static void test_signed_decimal(void **state)
{
	(void)state;
	CMPT("%d", 0);
	CMPT("%d", 1);
	CMPT("%d", -1);
	CMPT("%i", 12345);
	CMPT("%i", -12345);
	CMPT("%d", INT_MAX);
	CMPT("%d", INT_MIN);
	CMPT("%ld", LONG_MAX);
	CMPT("%ld", LONG_MIN);
	CMPT("%lld", (long long)INT64_MAX);
	CMPT("%lld", (long long)INT64_MIN);
	CMPT("%lli", (long long)INT64_MIN);
	CMPT("%jd", (intmax_t)INT64_MIN);
	CMPT("%zd", (ssize_t)-5);
	CMPT("%zd", (ssize_t)INT64_MIN);
	CMPT("%td", (ptrdiff_t)-99);
	CMPT("%td", (ptrdiff_t)INT64_MAX);
	CMPT("%hd", 32767);
	CMPT("%hd", 32768);		/* wraps to -32768 */
	CMPT("%hd", -32769);
	CMPT("%hd", 0x12345);
	CMPT("%hhd", 127);
	CMPT("%hhd", 128);
	CMPT("%hhd", 200);
	CMPT("%hhd", -129);
	CMPT("%hhd", 0x1ff);
	done();
}

static void test_unsigned(void **state)
{
	(void)state;
	CMPT("%u", 0u);
	CMPT("%u", UINT_MAX);
	CMPT("%lu", ULONG_MAX);
	CMPT("%llu", (unsigned long long)UINT64_MAX);
	CMPT("%ju", (uintmax_t)UINT64_MAX);
	CMPT("%zu", (size_t)SIZE_MAX);
	CMPT("%zx", (size_t)0xdeadbeefcafeull);
	CMPT("%tx", (ptrdiff_t)0x7fff);
	CMPT("%x", 0xdeadbeefu);
	CMPT("%X", 0xdeadbeefu);
	CMPT("%llx", (unsigned long long)UINT64_MAX);
	CMPT("%llX", 0x0123456789abcdefull);
	CMPT("%o", 8u);
	CMPT("%o", 0u);
	CMPT("%llo", (unsigned long long)UINT64_MAX);
	CMPT("%lo", 01234567ul);
	CMPT("%hu", 65536u + 5);
	CMPT("%hx", 0x12345u);
	CMPT("%hhu", 256u + 7);
	CMPT("%hhx", 0xabcu);
	CMPT("%hho", 0777u);
	CMPT("%u", (unsigned)-1);
	done();
}

static void test_flags_width_precision(void **state)
{
	(void)state;
	CMPT("[%5d]", 42);
	CMPT("[%-5d]", 42);
	CMPT("[%05d]", 42);
	CMPT("[%05d]", -42);
	CMPT("[%-05d]", -42);	/* '-' overrides '0' */
	CMPT("[%+d]", 42);
	CMPT("[%+d]", -42);
	CMPT("[%+d]", 0);
	CMPT("[% d]", 42);
	CMPT("[% d]", -42);
	CMPT("[%+ d]", 42);	/* '+' overrides ' ' */
	CMPT("[% 05d]", 42);
	CMPT("[%+05d]", 42);
	CMPT("[%.3d]", 7);
	CMPT("[%.3d]", -7);
	CMPT("[%8.3d]", -7);
	CMPT("[%-8.3d]", -7);
	CMPT("[%08.3d]", -7);	/* precision: '0' is ignored */
	CMPT("[%.0d]", 0);	/* no digits at all */
	CMPT("[%5.0d]", 0);
	CMPT("[%+.0d]", 0);
	CMPT("[% .0d]", 0);
	CMPT("[%.d]", 0);
	CMPT("[%.0u]", 0u);
	CMPT("[%.0x]", 0u);
	CMPT("[%.0d]", 1);
	CMPT("[%.30d]", 1);
	CMPT("[%40.30lld]", (long long)INT64_MIN);
	CMPT("[%-40.30lld]", (long long)INT64_MIN);
	CMPT("[%#x]", 255u);
	CMPT("[%#X]", 255u);
	CMPT("[%#o]", 8u);
	CMPT("[%#o]", 0u);
	CMPT("[%#10x]", 255u);
	CMPT("[%#-10x]", 255u);
	CMPT("[%#010x]", 255u);
	CMPT("[%#.6x]", 255u);
	CMPT("[%#12.6x]", 255u);
	CMPT("[%#llx]", (unsigned long long)UINT64_MAX);
	CMPT("[%#llo]", (unsigned long long)UINT64_MAX);
	CMPT("[%1d]", 12345);	/* width smaller than the number */
	CMPT("[%025llu]", (unsigned long long)UINT64_MAX);
	CMPT("[%-25llx|]", (unsigned long long)UINT64_MAX);
	done();
}

static void test_star(void **state)
{
	(void)state;
	CMPT("[%*d]", 6, 42);
	CMPT("[%*d]", -6, 42);	/* negative width: '-' flag */
	CMPT("[%*d]", 0, 42);
	CMPT("[%-*d]", 6, 42);
	CMPT("[%0*d]", 6, -42);
	CMPT("[%.*d]", 4, 42);
	CMPT("[%.*d]", -4, 42);	/* negative precision: as if omitted */
	CMPT("[%0.*d]", -4, 42);	/* ... so '0' counts again */
	CMPT("[%.*d]", 0, 0);
	CMPT("[%*.*d]", 8, 4, -42);
	CMPT("[%*.*d]", -8, 4, -42);
	CMPT("[%*.*s]", 8, 3, "abcdef");
	CMPT("[%-*.*s]", 8, 3, "abcdef");
	CMPT("[%.*s]", 0, "abc");
	CMPT("[%.*s]", -1, "abc");
	CMPT("[%*c]", 4, 'x');
	CMPT("[%*c]", -4, 'x');
	CMPT("[%*lld|%*llu]", 25, (long long)INT64_MIN, -25,
	     (unsigned long long)UINT64_MAX);
	done();
}

static void test_strings_and_chars(void **state)
{
	(void)state;
	CMPT("%s", "");
	CMPT("%s", "abc");
	CMPT("[%10s]", "abc");
	CMPT("[%-10s]", "abc");
	CMPT("[%2s]", "abcdef");
	CMPT("[%.2s]", "abcdef");
	CMPT("[%.10s]", "abc");
	CMPT("[%10.2s]", "abcdef");
	CMPT("[%-10.2s]", "abcdef");
	CMPT("[%.0s]", "abcdef");
	CMPT("[%s]", (char *)NULL);
	CMPT("[%10s]", (char *)NULL);
	CMPT("[%-10s]", (char *)NULL);
	CMPT("[%.6s]", (char *)NULL);
	CMPT("[%c]", 'A');
	CMPT("[%3c]", 'A');
	CMPT("[%-3c]", 'A');
	CMPT("[%c]", 0x141);	/* converted to unsigned char */
	CMPT("[%c]", 0xff);
	CMPT("[%c%c%c]", 'a', 'b', 'c');
	CMPT("[%c]", 0);	/* a NUL inside the output counts */
	CMPT("a%cb", 0);
	done();
}

static void test_pointers(void **state)
{
	int x;
	void *p = &x;

	(void)state;
	CMPT("%p", p);
	CMPT("[%20p]", p);
	CMPT("[%-20p]", p);
	CMPT("%p", (void *)0x1000);
	CMPT("%p", (void *)UINTPTR_MAX);
	CMPT("%p %p", (void *)1, (void *)0xffffffff80000000ull);
	/* NULL is implementation-defined (glibc: "(nil)"): the kernel prints
	 * it like any other value. */
	EXPECT("0x0", "%p", (void *)NULL);
	EXPECT("[     0x0]", "[%8p]", (void *)NULL);
	done();
}

static void test_mixed_arguments(void **state)
{
	(void)state;
	/* Arguments of different sizes must be consumed in order. */
	CMPT("%d %s %lld %c %x %p %zu %hhd %%", -1, "two", (long long)INT64_MIN,
	     '4', 0x5u, (void *)0x6000, (size_t)7, 300);
	CMPT("%hhd %lld %hd %llu %d", 0x1ff, (long long)-2, 0x18000,
	     (unsigned long long)UINT64_MAX, 9);
	CMPT("%.*s=%-*d|%#*llx", 3, "keyXYZ", 5, -7, 20, 0xabcull);
	CMPT("[%5d] [%-5d] [%05d] [%+5d] [% 5d] [%.5d] [%5.3d] [%-5.3d|]", 1, 2, 3, 4,
	     5, 6, 7, 8);
	done();
}

static void test_long_output(void **state)
{
	char s[1500];

	(void)state;
	memset(s, 'q', sizeof(s) - 1);
	s[sizeof(s) - 1] = 0;
	CMP("%s", s);
	CMP("%2000s", "x");
	CMP("%-2000s|", "x");
	CMP("%.1500d", 5);
	CMP("%1800.1500lld", (long long)INT64_MIN);
	CMPT("%100s", "x");
	CMPT("%.80llx", (unsigned long long)UINT64_MAX);
	done();
}

/* ------------------------------------------------------------ cross product */

static const int64_t values[] = {
	0, 1, -1, 7, 8, 9, 10, 15, 16, 42, -42, 127, -128, 128, 200, 255, 256,
	32767, -32768, 65535, 65536, INT32_MAX, INT32_MIN, UINT32_MAX,
	0x123456789abcdefll, INT64_MAX, INT64_MIN, -2,
};

enum lmod { L_HH, L_H, L_NONE, L_L, L_LL, L_Z, L_J, L_T, L_COUNT };
static const char *const lmods[L_COUNT] = { "hh", "h", "", "l", "ll", "z", "j", "t" };

/* Calls vcompare with v passed as the type that lmod and conv name. */
static void compare_int(const char *fmt, enum lmod lm, char conv, int64_t v)
{
	bool sgn = conv == 'd' || conv == 'i';

	switch (lm) {
	case L_HH:
	case L_H:
	case L_NONE:
		if (sgn)
			compare_at("cross", false, fmt, (int)v);
		else
			compare_at("cross", false, fmt, (unsigned)v);
		break;
	case L_L:
		if (sgn)
			compare_at("cross", false, fmt, (long)v);
		else
			compare_at("cross", false, fmt, (unsigned long)v);
		break;
	case L_LL:
		if (sgn)
			compare_at("cross", false, fmt, (long long)v);
		else
			compare_at("cross", false, fmt, (unsigned long long)v);
		break;
	case L_Z:
		if (sgn)
			compare_at("cross", false, fmt, (ssize_t)v);
		else
			compare_at("cross", false, fmt, (size_t)v);
		break;
	case L_J:
		if (sgn)
			compare_at("cross", false, fmt, (intmax_t)v);
		else
			compare_at("cross", false, fmt, (uintmax_t)v);
		break;
	case L_T:
		compare_at("cross", false, fmt, (ptrdiff_t)v);
		break;
	default:
		fail();
	}
}

/* Every combination of the five flags, widths and precisions (including
 * the empty "." precision) for every integer conversion, with int and
 * long long arguments. The C standard leaves '#' with d/i/u undefined, so
 * those combinations are skipped; '+' and ' ' with an unsigned conversion
 * are defined (they have no effect) and are compared. */
static void test_cross_flags(void **state)
{
	static const char flagc[] = "-0+ #";
	static const char *const widths[] = { "", "1", "6", "24" };
	static const char *const precs[] = { "", ".", ".0", ".1", ".4", ".22" };
	static const char convs[] = "duoxX";
	static const enum lmod lms[] = { L_NONE, L_LL };

	(void)state;
	for (unsigned fl = 0; fl < 32; fl++)
		for (unsigned c = 0; convs[c]; c++) {
			char flags[8];
			unsigned nf = 0;

			if ((fl & 16) && (convs[c] == 'd' || convs[c] == 'u'))
				continue;
			for (unsigned b = 0; b < 5; b++)
				if (fl & (1u << b))
					flags[nf++] = flagc[b];
			flags[nf] = 0;
			for (unsigned w = 0; w < 4; w++)
				for (unsigned p = 0; p < 6; p++)
					for (unsigned l = 0; l < 2; l++) {
						char fmt[32];

						snprintf(fmt, sizeof(fmt), "[%%%s%s%s%s%c]", flags,
							 widths[w], precs[p], lmods[lms[l]],
							 convs[c]);
						for (size_t v = 0; v < sizeof(values) / sizeof(values[0]);
						     v += 2)
							compare_int(fmt, lms[l], convs[c], values[v]);
					}
		}
	done();
}

/* Every length modifier with every value and conversion, in a few shapes. */
static void test_cross_length_modifiers(void **state)
{
	static const char *const shapes[] = { "%%%s%c", "[%%12%s%c]", "[%%-.3%s%c]",
					      "[%%020%s%c]" };
	static const char convs[] = "diuoxX";

	(void)state;
	for (unsigned s = 0; s < 4; s++)
		for (unsigned l = 0; l < L_COUNT; l++)
			for (unsigned c = 0; convs[c]; c++) {
				char fmt[32];

				if (l == L_T && convs[c] != 'd' && convs[c] != 'i')
					continue;	/* compare_int passes ptrdiff_t */
				snprintf(fmt, sizeof(fmt), shapes[s], lmods[l], convs[c]);
				for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
					compare_int(fmt, (enum lmod)l, convs[c], values[v]);
			}
	done();
}

/* Strings and characters: width, precision and '-' together. */
static void test_cross_strings(void **state)
{
	static const char *const strs[] = { "", "a", "hello", "0123456789abcdef", NULL };
	static const char *const widths[] = { "", "1", "5", "20" };
	static const char *const precs[] = { "", ".", ".0", ".3", ".6", ".30" };

	(void)state;
	for (unsigned left = 0; left < 2; left++)
		for (unsigned w = 0; w < 4; w++)
			for (unsigned p = 0; p < 6; p++) {
				char fmt[32];

				snprintf(fmt, sizeof(fmt), "[%%%s%s%ss]", left ? "-" : "",
					 widths[w], precs[p]);
				for (unsigned s = 0; s < 5; s++) {
					/* glibc prints NULL only when "(null)" fits the
					 * precision; that case is undefined in C. */
					if (!strs[s] && precs[p][0] && strcmp(precs[p], ".30"))
						continue;
					compare_at("cross", true, fmt, strs[s]);
				}
				snprintf(fmt, sizeof(fmt), "[%%%s%sc]", left ? "-" : "", widths[w]);
				compare_at("cross", true, fmt, 'Z');
			}
	done();
}

/* ------------------------------------------------------------ the kernel's own rules */

static void test_len_zero(void **state)
{
	char b[8] = "xxxxxxx";

	(void)state;
	assert_int_equal(kfmt(NULL, 0, "%d-%s", 12345, "abc"), 9);
	assert_int_equal(kfmt(b, 0, "%d-%s", 12345, "abc"), 9);
	assert_memory_equal(b, "xxxxxxx", 8);	/* untouched */
	assert_int_equal(kfmt(b, 1, "%d", 12345), 5);
	assert_int_equal(b[0], 0);
	assert_memory_equal(b + 1, "xxxxxx", 7);
	assert_int_equal(kfmt(b, 1, ""), 0);
	assert_int_equal(b[0], 0);
	assert_int_equal(kfmt(NULL, 0, ""), 0);
}

static void test_ksnprintf_wrapper(void **state)
{
	char b[16];

	(void)state;
	assert_int_equal(ksnprintf(b, sizeof(b), "%s=%d", "answer", 42), 9);
	assert_string_equal(b, "answer=42");
	assert_int_equal(ksnprintf(b, 5, "%s=%d", "answer", 42), 9);
	assert_string_equal(b, "answ");
}

static void test_unknown_conversions_verbatim(void **state)
{
	(void)state;
	EXPECT("%y", "%y");
	EXPECT("a%yb", "a%yb");
	EXPECT("[%-5.2y]", "[%-5.2y]");
	EXPECT("%ly %hhk", "%ly %hhk");
	EXPECT("%y 7", "%y %d", 7);		/* consumes no argument */
	EXPECT("%#+ 0-w|42", "%#+ 0-w|%d", 42);
	/* A '*' takes its int before the conversion turns out unknown. */
	EXPECT("%*y 7", "%*y %d", 5, 7);
	EXPECT("%.*y 8", "%.*y %d", 5, 8);
}

static void test_trailing_lone_percent(void **state)
{
	char b[8];

	(void)state;
	EXPECT("%", "%");
	EXPECT("abc%", "abc%");
	EXPECT("7%", "%d%", 7);
	EXPECT("x%-0", "x%-0");
	EXPECT("x%12", "x%12");
	EXPECT("x%5.3", "x%5.3");
	EXPECT("x%ll", "x%ll");
	EXPECT("x%.*", "x%.*", 3);
	/* Formats in exactly sized buffers: nothing past their NUL is read. */
	static const char *const ends[] = { "%", "abc%", "x%-0", "x%12", "x%5.3",
					    "x%ll", "%%%", "%#" };

	for (unsigned i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t n = strlen(ends[i]);
		char *f = malloc(n + 1);

		memcpy(f, ends[i], n + 1);
		assert_int_equal(kfmt(b, sizeof(b), f), (int)(i == 6 ? 2 : n));
		assert_string_equal(b, i == 6 ? "%%" : ends[i]);
		free(f);
	}
	/* Truncated too. */
	assert_int_equal(kfmt(b, 3, "ab%-5"), 5);
	assert_string_equal(b, "ab");
	assert_int_equal(kfmt(b, sizeof(b), "ab%"), 3);
	assert_string_equal(b, "ab%");
}

static void test_huge_width_is_capped(void **state)
{
	char *b = malloc(2000000);

	(void)state;
	assert_non_null(b);
	/* Widths beyond 100000 are nonsense: the parser stops growing them. */
	int n = kfmt(b, 2000000, "%99999999d", 1);

	assert_true(n < 1000000);
	assert_true(n >= 100000);
	assert_int_equal((int)strlen(b), n);
	assert_int_equal(b[n - 1], '1');
	/* A width from '*' is taken as given. */
	assert_int_equal(kfmt(b, 16, "%*d", 1500000, 1), 1500000);
	assert_int_equal(kfmt(NULL, 0, "%*d", INT_MIN, 1), 1);	/* no crash */
	assert_int_equal(kfmt(NULL, 0, "%.*d", 30000000, 1), 30000000);
	free(b);
}

/* ------------------------------------------------------------ minimal reproducers
 * Each of these is one row of the tables above, kept apart so that a
 * regression names itself. */

static void test_alt_hex_zero_has_no_prefix(void **state)
{
	(void)state;
	/* C11 7.21.6.1p6: '#' with x/X prefixes "0x" to a nonzero result. */
	CMPT("[%#x]", 0u);
	CMPT("[%#X]", 0u);
	CMPT("[%#5x]", 0u);
	CMPT("[%#.3x]", 0u);
	CMPT("[%#llx]", 0ull);
	done();
}

static void test_alt_octal_precision(void **state)
{
	(void)state;
	/* '#' with o raises the precision only as far as needed to start with
	 * a 0; value 0 with precision 0 still prints one "0". */
	CMPT("[%#.0o]", 0u);
	CMPT("[%#.3o]", 8u);
	CMPT("[%#.4o]", 8u);
	CMPT("[%#6.3o]", 8u);
	done();
}

static void test_plus_space_ignored_for_unsigned(void **state)
{
	(void)state;
	/* '+' and ' ' apply to signed conversions only. */
	CMPT("[%+u]", 5u);
	CMPT("[% u]", 5u);
	CMPT("[%+x]", 255u);
	CMPT("[% X]", 255u);
	CMPT("[%+o]", 8u);
	CMPT("[%+llu]", (unsigned long long)UINT64_MAX);
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_plain_text, setup),
		cmocka_unit_test_setup(test_signed_decimal, setup),
		cmocka_unit_test_setup(test_unsigned, setup),
		cmocka_unit_test_setup(test_flags_width_precision, setup),
		cmocka_unit_test_setup(test_star, setup),
		cmocka_unit_test_setup(test_strings_and_chars, setup),
		cmocka_unit_test_setup(test_pointers, setup),
		cmocka_unit_test_setup(test_mixed_arguments, setup),
		cmocka_unit_test_setup(test_long_output, setup),
		cmocka_unit_test_setup(test_cross_flags, setup),
		cmocka_unit_test_setup(test_cross_length_modifiers, setup),
		cmocka_unit_test_setup(test_cross_strings, setup),
		cmocka_unit_test(test_len_zero),
		cmocka_unit_test(test_ksnprintf_wrapper),
		cmocka_unit_test(test_unknown_conversions_verbatim),
		cmocka_unit_test(test_trailing_lone_percent),
		cmocka_unit_test(test_huge_width_is_capped),
		cmocka_unit_test_setup(test_alt_hex_zero_has_no_prefix, setup),
		cmocka_unit_test_setup(test_alt_octal_precision, setup),
		cmocka_unit_test_setup(test_plus_space_ignored_for_unsigned, setup),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
