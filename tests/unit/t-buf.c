/*
 * t-buf.c - unit tests of the capped buffer and terminal escaping.
 */
#include "base/compat.h"
#include "base/buf.h"
#include "scq.h"
#include "tap.h"

static void test_cap(void)
{
	struct buf b;
	buf_init(&b, 8);
	is_int(buf_adds(&b, "12345678"), 0, "fill to the cap");
	is_int(buf_adds(&b, "9"), -1, "one byte past the cap fails");
	is_str(b.ptr, "12345678", "failed append leaves content intact");
	buf_release(&b);
	is_str(b.ptr, "", "released buffer reads as empty");
}

static void test_format(void)
{
	struct buf b = BUF_INIT;
	char *s;
	size_t len;
	buf_addf(&b, "%s-%d", "job", 42);
	buf_addc(&b, '!');
	is_str(b.ptr, "job-42!", "addf and addc");
	s = buf_detach(&b, &len);
	is_int((long long)len, 7, "detach gives the length");
	is_str(b.ptr, "", "detached buffer is empty");
	free(s);
}

#define L "\xe2\x9f\xa8" /* the marker brackets U+27E8, U+27E9 */
#define R "\xe2\x9f\xa9"

/* One-line form: names and table cells stay one line. */
static void test_escape(void)
{
	struct buf b = BUF_INIT;
	const char in[] = "a\x1b[31mred\n\\ \xc3\xa9 \xff \xc2\x9b\tx";
	buf_add_escaped(&b, in, sizeof(in) - 1);
	is_str(b.ptr, "a" L "ESC" R "[31mred" L "LF" R "\\ \xc3\xa9 " L "0xFF" R " " L "U+009B" R
	       L "TAB" R "x", "one line: controls, LF, TAB, invalid UTF-8 and C1 are markers; "
	       "backslash and valid UTF-8 are kept");
	buf_release(&b);
}

/* Files and logs: text is shown as it is, markers only for what acts on a
 * terminal. */
static void test_shown_text(void)
{
	struct buf b = BUF_INIT;
	const char code[] = "printf(\"\\n\");\n\tindent\\t\n";
	const char evil[] = "\x1b]0;t\x07 \xc2\x85 \x7f \xe2\x80\xae \xff\xfe \r\n\x00!";
	is_int(buf_add_shown(&b, code, sizeof(code) - 1, BUF_SHOW_MULTILINE), 0, "plain code: no marker");
	is_str(b.ptr, code, "backslashes, TAB and LF are the exact bytes");
	buf_reset(&b);
	is_int(buf_add_shown(&b, evil, sizeof(evil) - 1, BUF_SHOW_MULTILINE), 9,
	       "ESC BEL NEL DEL RLO 0xFF 0xFE CR NUL: nine markers");
	is_str(b.ptr, L "ESC" R "]0;t" L "BEL" R " " L "U+0085" R " " L "DEL" R " " L "U+202E" R
	       " " L "0xFF" R L "0xFE" R " " L "CR" R "\n" L "NUL" R "!", "each shown as its marker");
	buf_reset(&b);
	is_int(buf_add_shown(&b, "x " L "ESC" R, 11, BUF_SHOW_MULTILINE), 1,
	       "a literal opening bracket is itself a marker");
	is_str(b.ptr, "x " L "U+27E8" R "ESC" R, "so file text cannot pass for a marker");
	buf_reset(&b);
	/* overlong '/', a surrogate, a sequence cut short at the end */
	is_int(buf_add_shown(&b, "\xc0\xaf\xed\xa0\x80\xe4\xb8", 7, BUF_SHOW_MULTILINE), 7,
	       "overlong, surrogate and cut sequences: one marker per byte");
	is_str(b.ptr, L "0xC0" R L "0xAF" R L "0xED" R L "0xA0" R L "0x80" R L "0xE4" R L "0xB8" R,
	       "every byte of them");
	buf_release(&b);
	buf_init(&b, 8);
	is_int(buf_add_shown(&b, "\x1b\x1b", 2, 0), -1, "a capped buffer refuses what passes the cap");
	ok(b.len <= 8, "and never grows past it");
	buf_release(&b);
}

static void test_utf8(void)
{
	const char cjk[] = "\xe6\x97\xa5\xe6\x9c\xac"; /* two 3-byte characters */
	ok(utf8_valid(cjk, 6) && utf8_valid("", 0), "valid UTF-8 is valid");
	ok(!utf8_valid("caf\xe9", 4) && !utf8_valid(cjk, 5), "Latin-1 and a cut sequence are not");
	is_int((long long)utf8_boundary(cjk, 6, 4), 3, "a cut inside a character moves back to its start");
	is_int((long long)utf8_boundary(cjk, 6, 3), 3, "a cut on a boundary stays");
	is_int((long long)utf8_boundary(cjk, 6, 9), 6, "a cut past the end is the end");
}

/* The Trojan Source class beyond the first list (hostile review): an
 * Arabic letter mark, tag characters spelling hidden text, a Hangul filler
 * that makes a file name look blank, a soft hyphen, a line separator. */
static void test_format_list(void)
{
	static const uint32_t hidden[] = { 0x061c, 0xe0041, 0xe007f, 0x3164, 0x00ad, 0x2028,
					   0x202e, 0x2066, 0xfeff, 0x200b, 0xfe0f };
	static const uint32_t shown[] = { 'a', 0x00e9, 0x4e2d, 0x1f600, 0x2027, 0x27e9 };
	size_t i, n;
	int all = 1;
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		all &= scq_is_format_char(hidden[i]);
	ok(all, "bidi, invisible, filler and tag characters are format characters");
	all = 1;
	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		all &= !scq_is_format_char(shown[i]);
	ok(all, "letters, CJK, emoji and other punctuation are not");
	scq_format_char_ranges(&n);
	ok(n >= 10, "the list has its ranges (%zu)", n);
}

int main(void)
{
	test_format_list();
	test_cap();
	test_format();
	test_escape();
	test_shown_text();
	test_utf8();
	return done_testing();
}
