/* check_journal.c - unit tests for journal_clean() and
 * journal_invocation_valid().  Nothing here runs journalctl. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "util.h"

#define FIXTURES "test/fixtures"

START_TEST(check_invocation_valid)
{
	ck_assert(journal_invocation_valid(
	    "4d3c2b1a0f9e8d7c6b5a493827160504"));
	ck_assert(journal_invocation_valid(
	    "00000000000000000000000000000000"));
	ck_assert(journal_invocation_valid(
	    "abcdefabcdefabcdefabcdefabcdefab"));

	ck_assert(!journal_invocation_valid(""));
	ck_assert(!journal_invocation_valid("4d3c2b1a"));
	/* 31 and 33 digits. */
	ck_assert(!journal_invocation_valid(
	    "4d3c2b1a0f9e8d7c6b5a49382716050"));
	ck_assert(!journal_invocation_valid(
	    "4d3c2b1a0f9e8d7c6b5a4938271605041"));
	/* Upper case, a UUID with dashes, a non-hex letter, blanks. */
	ck_assert(!journal_invocation_valid(
	    "4D3C2B1A0F9E8D7C6B5A493827160504"));
	ck_assert(!journal_invocation_valid(
	    "4d3c2b1a-0f9e-8d7c-6b5a-493827160504"));
	ck_assert(!journal_invocation_valid(
	    "4d3c2b1a0f9e8d7c6b5a49382716050g"));
	ck_assert(!journal_invocation_valid(
	    "4d3c2b1a0f9e8d7c6b5a49382716050 "));
	ck_assert(!journal_invocation_valid(
	    "4d3c2b1a0f9e8d7c6b5a493827160504\n"));
	/* Something that would be an option or a match to journalctl. */
	ck_assert(!journal_invocation_valid(
	    "--unit=x+_SYSTEMD_UNIT=y.service"));
}
END_TEST

START_TEST(check_clean_plain)
{
	char out[256];
	const char *raw;

	raw = "2025-12-04T15:42:31+0000 box app[12]: starting\n"
	    "2025-12-04T15:42:32+0000 box app[12]: listening on :5000\n";
	ck_assert_uint_eq(journal_clean(raw, strlen(raw), out, sizeof out),
	    2);
	ck_assert_str_eq(out, raw);

	/* A missing final newline is added; empty lines are lines. */
	raw = "a\n\nb";
	ck_assert_uint_eq(journal_clean(raw, strlen(raw), out, sizeof out),
	    3);
	ck_assert_str_eq(out, "a\n\nb\n");

	memset(out, 'x', sizeof out);
	ck_assert_uint_eq(journal_clean("", 0, out, sizeof out), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(journal_clean("\n", 1, out, sizeof out), 1);
	ck_assert_str_eq(out, "\n");
}
END_TEST

START_TEST(check_clean_escapes)
{
	char out[256];
	/* NUL, ESC colour codes, CR, DEL, a tab, UTF-8. */
	static const char raw[] = "a\0b\x1b[31mred\x1b[0m\r\x7f\tend "
	    "caf\xc3\xa9\n";

	ck_assert_uint_eq(journal_clean(raw, sizeof raw - 1, out,
	    sizeof out), 1);
	ck_assert_str_eq(out, "a\\x00b\\x1b[31mred\\x1b[0m\\x0d\\x7f\tend "
	    "caf\xc3\xa9\n");
}
END_TEST

START_TEST(check_clean_long_line)
{
	char raw[1000], out[8192], want[64];
	const size_t keep = JOURNAL_LINE_MAX + JOURNAL_MARK_ROOM;
	char *marker;

	memset(raw, 'a', sizeof raw);
	ck_assert_uint_eq(journal_clean(raw, sizeof raw, out, sizeof out),
	    1);
	marker = strstr(out, " [... ");
	ck_assert_ptr_nonnull(marker);
	ck_assert_uint_eq((size_t)(marker - out), keep);
	ck_assert_uint_eq(strspn(out, "a"), keep);
	snprintf(want, sizeof want, " [... %zu more bytes]\n",
	    sizeof raw - keep);
	ck_assert_str_eq(marker, want);

	/* The bound counts raw bytes: escaped ones take four in the
	 * output but one of the bound. */
	memset(raw, 1, keep);
	ck_assert_uint_eq(journal_clean(raw, keep, out, sizeof out), 1);
	ck_assert_uint_eq(strlen(out), keep * 4 + 1);
	ck_assert(strstr(out, "more bytes") == NULL);
	ck_assert_uint_eq(journal_clean(raw, keep + 1, out, sizeof out), 1);
	ck_assert_str_eq(out + keep * 4, " [... 1 more bytes]\n");

	/* The next line is not lost after a cut one. */
	memset(raw, 'b', 600);
	memcpy(raw + 600, "\nnext\n", 6);
	ck_assert_uint_eq(journal_clean(raw, 606, out, sizeof out), 2);
	ck_assert(str_ends(out, " more bytes]\nnext\n"));
}
END_TEST

/* Valid UTF-8 passes; invalid bytes, C1 controls, overlongs and
 * surrogates are escaped, so the report is valid UTF-8. */
START_TEST(check_clean_utf8)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "caf\xc3\xa9 \xe2\x9c\x85 \xf0\x9f\x98\x80", "caf\xc3\xa9 "
		    "\xe2\x9c\x85 \xf0\x9f\x98\x80\n" },
		{ "a\xff" "b", "a\\xffb\n" },
		{ "\xc2\x9b[31m", "\\xc2\\x9b[31m\n" },		/* C1 CSI */
		{ "\xc0\xaf", "\\xc0\\xaf\n" },			/* overlong */
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80\n" },	/* surrogate */
		{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80\n" }, /* >10FFFF */
		{ "cut \xe2\x9c", "cut \\xe2\\x9c\n" },		/* truncated */
		{ "\xc2\xa0nbsp", "\xc2\xa0nbsp\n" },
	};
	char out[256];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		journal_clean(t[i].in, strlen(t[i].in), out, sizeof out);
		ck_assert_str_eq(out, t[i].out);
	}
}
END_TEST

/* journal.h: JOURNAL_LINE_MAX "bytes of one line kept".  A line of
 * exactly that many printable bytes fits and must be kept whole. */
START_TEST(check_clean_line_at_max)
{
	char raw[JOURNAL_LINE_MAX], out[1024];

	memset(raw, 'a', sizeof raw);
	ck_assert_uint_eq(journal_clean(raw, sizeof raw, out, sizeof out),
	    1);
	ck_assert_uint_eq(strlen(out), JOURNAL_LINE_MAX + 1);
	ck_assert_int_eq(out[JOURNAL_LINE_MAX], '\n');
}
END_TEST

START_TEST(check_clean_out_full)
{
	char out[8];
	const char *raw = "aaaa\nbbbb\ncc\n";

	/* Whole lines only: "aaaa\n" fits in 8 bytes, "bbbb\n" not. */
	memset(out, 'x', sizeof out);
	ck_assert_uint_eq(journal_clean(raw, strlen(raw), out, sizeof out),
	    1);
	ck_assert_str_eq(out, "aaaa\n");

	memset(out, 'x', sizeof out);
	ck_assert_uint_eq(journal_clean(raw, strlen(raw), out, 1), 0);
	ck_assert_str_eq(out, "");
	memset(out, 'x', sizeof out);
	ck_assert_uint_eq(journal_clean(raw, strlen(raw), out, 0), 0);
	ck_assert_int_eq(out[0], 'x');
	/* Exactly enough room: 5 bytes + NUL. */
	ck_assert_uint_eq(journal_clean(raw, 5, out, 6), 1);
	ck_assert_str_eq(out, "aaaa\n");
}
END_TEST

START_TEST(check_clean_len_not_nul)
{
	char out[64];

	/* len bounds the input, not a NUL. */
	ck_assert_uint_eq(journal_clean("abc\ndef\n", 3, out, sizeof out),
	    1);
	ck_assert_str_eq(out, "abc\n");
}
END_TEST

START_TEST(check_clean_fixture)
{
	char raw[8192], out[16384], want[16384];
	ssize_t n, m;

	n = file_read(FIXTURES "/journal/raw.txt", raw, sizeof raw);
	ck_assert_int_gt(n, 0);
	m = file_read(FIXTURES "/journal/clean.txt", want, sizeof want);
	ck_assert_int_gt(m, 0);
	ck_assert_uint_eq(journal_clean(raw, (size_t)n, out, sizeof out), 7);
	ck_assert_str_eq(out, want);
}
END_TEST

static Suite *
journal_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, check_invocation_valid);
	tcase_add_test(tc, check_clean_plain);
	tcase_add_test(tc, check_clean_escapes);
	tcase_add_test(tc, check_clean_long_line);
	tcase_add_test(tc, check_clean_utf8);
	tcase_add_test(tc, check_clean_line_at_max);
	tcase_add_test(tc, check_clean_out_full);
	tcase_add_test(tc, check_clean_len_not_nul);
	tcase_add_test(tc, check_clean_fixture);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(journal_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
