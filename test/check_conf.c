/* check_conf.c - unit tests for conf.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define FIXTURES "test/fixtures"
#define CDIR FIXTURES "/conf/"

static struct conf c;
static struct conf_errors errs;

/* The errors of a load, each "LINE: message" after the file's path. */
static void
expect_errs(const char *file, const char *const *want, unsigned n)
{
	char full[CONF_ERR_LEN];
	unsigned i;

	for (i = 0; i < n && i < errs.n; i++) {
		snprintf(full, sizeof full, CDIR "%s:%s", file, want[i]);
		ck_assert_str_eq(errs.msg[i], full);
	}
	ck_assert_uint_eq(errs.n, n);
	ck_assert_uint_eq(errs.more, 0);
}

static void
assert_defaults(const struct conf *k)
{
	ck_assert_str_eq(k->state_dir, "/var/lib/ansai");
	ck_assert_uint_eq(k->stabilize_sec, 5);
	ck_assert_uint_eq(k->journal_lines, 50);
	ck_assert_uint_eq(k->keep_reports, 200);
	ck_assert_uint_eq(k->strategies.n, 3);
	ck_assert_int_eq(k->strategies.id[0], STRAT_RESTART);
	ck_assert_int_eq(k->strategies.id[1], STRAT_PORT);
	ck_assert_int_eq(k->strategies.id[2], STRAT_CONFIG);
	ck_assert_uint_eq(k->nunits, 0);
}

START_TEST(check_defaults)
{
	memset(&c, 0x5a, sizeof c);
	conf_defaults(&c);
	assert_defaults(&c);
	ck_assert_str_eq(c.path, "");
}
END_TEST

START_TEST(check_shipped_conf)
{
	ck_assert_int_eq(conf_load(&c, "conf/ansai.conf", 1, &errs), 0);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_str_eq(c.path, "conf/ansai.conf");
	assert_defaults(&c);
}
END_TEST

START_TEST(check_good)
{
	struct unit_policy p;
	char buf[64];

	ck_assert_int_eq(conf_load(&c, CDIR "good.conf", 1, &errs), 0);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_str_eq(c.path, CDIR "good.conf");
	ck_assert_str_eq(c.state_dir, "/srv/ansai/state");
	ck_assert_uint_eq(c.stabilize_sec, 12);
	ck_assert_uint_eq(c.journal_lines, 0);
	ck_assert_uint_eq(c.keep_reports, 100000);
	strat_list_format(&c.strategies, buf, sizeof buf);
	ck_assert_str_eq(buf, "port, config, restart");

	ck_assert_uint_eq(c.nunits, 3);
	ck_assert_str_eq(c.units[0].name, "my-app.service");
	ck_assert_uint_eq(c.units[0].line, 12);
	ck_assert_uint_eq(c.units[0].port, 5000);
	ck_assert_int_eq(c.units[0].stabilize_sec, -1);
	ck_assert_uint_eq(c.units[0].strategies.n, 1);
	ck_assert_int_eq(c.units[0].critical, 1);
	ck_assert_str_eq(c.units[1].name, "web@blue.service");
	ck_assert_uint_eq(c.units[1].line, 17);
	ck_assert_int_eq(c.units[1].stabilize_sec, 0);
	ck_assert_int_eq(c.units[1].critical, 0);
	ck_assert_str_eq(c.units[2].name, "foo\\x2dbar.service");
	ck_assert_int_eq(c.units[2].critical, 1);

	conf_policy(&c, "my-app.service", &p);
	ck_assert_uint_eq(p.port, 5000);
	ck_assert_uint_eq(p.stabilize_sec, 12);
	strat_list_format(&p.strategies, buf, sizeof buf);
	ck_assert_str_eq(buf, "restart");
	ck_assert_int_eq(p.critical, 1);

	conf_policy(&c, "web@blue.service", &p);
	ck_assert_uint_eq(p.port, 0);
	ck_assert_uint_eq(p.stabilize_sec, 0);
	strat_list_format(&p.strategies, buf, sizeof buf);
	ck_assert_str_eq(buf, "port, config, restart");
	ck_assert_int_eq(p.critical, 0);

	/* A unit without a section gets [heal]; names are exact. */
	conf_policy(&c, "my-app", &p);
	ck_assert_uint_eq(p.port, 0);
	ck_assert_uint_eq(p.stabilize_sec, 12);
	ck_assert_uint_eq(p.strategies.n, 3);
	ck_assert_int_eq(p.critical, 0);
}
END_TEST

START_TEST(check_crlf_and_edges)
{
	struct unit_policy p;

	ck_assert_int_eq(conf_load(&c, CDIR "crlf.conf", 1, &errs), 0);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_uint_eq(c.stabilize_sec, 7);
	conf_policy(&c, "x.service", &p);
	ck_assert_uint_eq(p.port, 99);
	ck_assert_uint_eq(p.stabilize_sec, 7);

	ck_assert_int_eq(conf_load(&c, CDIR "empty.conf", 1, &errs), 0);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_str_eq(c.path, CDIR "empty.conf");
	assert_defaults(&c);

	/* Lines of exactly CONF_LINE_MAX bytes, the last one without a
	 * newline, are read. */
	ck_assert_int_eq(conf_load(&c, CDIR "exact1024.conf", 1, &errs), 0);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_uint_eq(c.journal_lines, 7);
	ck_assert_uint_eq(c.keep_reports, 9);

	ck_assert_int_eq(conf_load(&c, CDIR "path255.conf", 1, &errs), 0);
	ck_assert_uint_eq(strlen(c.state_dir), 255);
}
END_TEST

START_TEST(check_missing_file)
{
	memset(&c, 0x5a, sizeof c);
	ck_assert_int_eq(conf_load(&c, CDIR "nope.conf", 0, &errs), 0);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_str_eq(c.path, "");
	assert_defaults(&c);

	ck_assert_int_eq(conf_load(&c, CDIR "nope.conf", 1, &errs), -1);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.msg[0], CDIR "nope.conf: cannot open: "
	    "No such file or directory");
	assert_defaults(&c);
}
END_TEST

START_TEST(check_not_regular)
{
	ck_assert_int_eq(conf_load(&c, FIXTURES "/conf", 1, &errs), -1);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.msg[0], FIXTURES "/conf: not a regular file");
	assert_defaults(&c);

	/* Even when it need not exist: it does, and is wrong. */
	ck_assert_int_eq(conf_load(&c, "/dev/null", 0, &errs), -1);
	ck_assert_str_eq(errs.msg[0], "/dev/null: not a regular file");
}
END_TEST

START_TEST(check_bad_heal)
{
	static const char *const want[] = {
		"2: 'stabilize_sec' outside any section",
		"3: section header '[heal' lacks its closing ']'",
		"6: state_dir: 'var/lib/ansai' is not an absolute path",
		"7: stabilize_sec: '3601' is not a whole number from 0 to "
		    "600",
		"8: duplicate key 'stabilize_sec'",
		"9: journal_lines: '-1' is not a whole number from 0 to 1000",
		"10: keep_reports: '0' is not a whole number from 1 to 100000",
		"11: strategies: unknown strategy 'reboot' (known: restart, "
		    "port, config)",
		"12: unknown key 'colour' in [heal]",
		"13: expected 'key = value' or '[section]'",
		"14: unknown key 'Journal_Lines' in [heal]",
	};

	ck_assert_int_eq(conf_load(&c, CDIR "bad-heal.conf", 0, &errs), -1);
	expect_errs("bad-heal.conf", want, sizeof want / sizeof want[0]);
	/* A half-read file is never used. */
	ck_assert_str_eq(c.path, CDIR "bad-heal.conf");
	assert_defaults(&c);
}
END_TEST

START_TEST(check_bad_unit)
{
	static const char *const want[] = {
		"1: [unit my-app.socket]: invalid unit name: ansai heals "
		    ".service units only",
		"4: port: '0' is not a whole number from 1 to 65535",
		"5: duplicate key 'port'",
		"6: strategies: strategy 'restart' listed twice",
		"7: duplicate key 'strategies'",
		"8: critical: 'maybe' is not yes or no",
		"9: 'stabilize_sec' has no value",
		"10: unknown key 'state_dir' in [unit]",
		"11: [unit my-app.service] already defined at line 3",
		"12: [unit foo@]: invalid unit name: a template names no "
		    "instance",
		"13: unknown section [service] (known: [heal], [unit NAME], "
		    "[ai], [tls], [alert], [slack], [webhook], [mail])",
		"14: unknown section [unit] (known: [heal], [unit NAME], "
		    "[ai], [tls], [alert], [slack], [webhook], [mail])",
		"15: unknown section [units my-app] (known: [heal], "
		    "[unit NAME], [ai], [tls], [alert], [slack], [webhook], "
		    "[mail])",
		"17: [unit a b]: invalid unit name: only letters, digits "
		    "and :-_.\\@ are allowed",
	};

	ck_assert_int_eq(conf_load(&c, CDIR "bad-unit.conf", 0, &errs), -1);
	expect_errs("bad-unit.conf", want, sizeof want / sizeof want[0]);
	assert_defaults(&c);
}
END_TEST

START_TEST(check_bad_values)
{
	static const char *const want[] = {
		"2: state_dir: control characters in a path",
		"3: strategies: no strategy listed",
		"4: keep_reports: '100001' is not a whole number from 1 to "
		    "100000",
		"5: journal_lines: '12abc' is not a whole number from 0 to "
		    "1000",
		"6: stabilize_sec: '99999999999999999999999' is not a whole "
		    "number from 0 to 600",
		"8: strategies: strategy 'port' listed twice",
		"9: stabilize_sec: '-1' is not a whole number from 0 to 600",
		"10: critical: 'YES' is not yes or no",
		"11: port: '65536' is not a whole number from 1 to 65535",
		"13: strategies: unknown strategy "
		    "'averyveryveryverylongstrategyname'",
		"15: port: '1 # http' is not a whole number from 1 to 65535",
	};

	ck_assert_int_eq(conf_load(&c, CDIR "bad-values.conf", 0, &errs), -1);
	expect_errs("bad-values.conf", want, sizeof want / sizeof want[0]);
	assert_defaults(&c);
}
END_TEST

START_TEST(check_path_too_long)
{
	static const char *const want[] = {
		"2: state_dir: path longer than 255 bytes",
	};

	ck_assert_int_eq(conf_load(&c, CDIR "path256.conf", 0, &errs), -1);
	expect_errs("path256.conf", want, 1);
	ck_assert_str_eq(c.state_dir, "/var/lib/ansai");
}
END_TEST

START_TEST(check_long_lines)
{
	static const char *const want[] = {
		"2: line longer than 1024 bytes",
		"3: unknown key 'bogus' in [heal]",
		"5: line longer than 1024 bytes",
		"6: line longer than 1024 bytes",
		"7: unknown key 'colour' in [heal]",
		"8: line longer than 1024 bytes",
	};

	ck_assert_int_eq(conf_load(&c, CDIR "toolong.conf", 0, &errs), -1);
	expect_errs("toolong.conf", want, sizeof want / sizeof want[0]);
}
END_TEST

START_TEST(check_error_cap)
{
	char want[CONF_ERR_LEN];

	ck_assert_int_eq(conf_load(&c, CDIR "many-errors.conf", 0, &errs),
	    -1);
	ck_assert_uint_eq(errs.n, CONF_ERRS_MAX);
	ck_assert_uint_eq(errs.more, 5);
	ck_assert_str_eq(errs.msg[0], CDIR "many-errors.conf:2: expected "
	    "'key = value' or '[section]'");
	snprintf(want, sizeof want, CDIR "many-errors.conf:%d: expected "
	    "'key = value' or '[section]'", CONF_ERRS_MAX + 1);
	ck_assert_str_eq(errs.msg[CONF_ERRS_MAX - 1], want);
}
END_TEST

START_TEST(check_too_many_units)
{
	char want[CONF_ERR_LEN];

	/* The fixture has 65 sections, more than any CONF_UNITS_MAX up
	 * to 64; each one too many is an error. */
	ck_assert_int_le(CONF_UNITS_MAX, 64);
	ck_assert_int_eq(conf_load(&c, CDIR "units65.conf", 0, &errs), -1);
	ck_assert_uint_eq(errs.n + errs.more, 65 - CONF_UNITS_MAX);
	snprintf(want, sizeof want, CDIR "units65.conf:%d: more than %d "
	    "[unit] sections", CONF_UNITS_MAX + 1, CONF_UNITS_MAX);
	ck_assert_str_eq(errs.msg[0], want);
	ck_assert_uint_eq(c.nunits, 0);
}
END_TEST

/* conf.h: "duplicate sections are errors"; [unit] ones are, [heal]
 * ones must be too. */
START_TEST(check_duplicate_heal)
{
	ck_assert_int_eq(conf_load(&c, CDIR "dup-heal.conf", 0, &errs), -1);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_msg(strncmp(errs.msg[0], CDIR "dup-heal.conf:5: ",
	    strlen(CDIR "dup-heal.conf:5: ")) == 0, "got '%s'", errs.msg[0]);
}
END_TEST

START_TEST(check_strat_words)
{
	struct strat_list l = { 0, { 0 } };
	char buf[16];

	ck_assert_str_eq(strat_name(STRAT_RESTART), "restart");
	ck_assert_str_eq(strat_name(STRAT_PORT), "port");
	ck_assert_str_eq(strat_name(STRAT_CONFIG), "config");
	ck_assert_str_eq(strat_name(STRAT_COUNT), "?");
	ck_assert_str_eq(strat_name((enum strat_id)-1), "?");

	memset(buf, 'x', sizeof buf);
	strat_list_format(&l, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	l.n = 3;
	l.id[0] = STRAT_CONFIG;
	l.id[1] = STRAT_RESTART;
	l.id[2] = STRAT_PORT;
	strat_list_format(&l, buf, sizeof buf);
	ck_assert_str_eq(buf, "config, restart");	/* cut at 15 */
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, check_defaults);
	tcase_add_test(tc, check_shipped_conf);
	tcase_add_test(tc, check_good);
	tcase_add_test(tc, check_crlf_and_edges);
	tcase_add_test(tc, check_missing_file);
	tcase_add_test(tc, check_not_regular);
	tcase_add_test(tc, check_bad_heal);
	tcase_add_test(tc, check_bad_unit);
	tcase_add_test(tc, check_bad_values);
	tcase_add_test(tc, check_path_too_long);
	tcase_add_test(tc, check_long_lines);
	tcase_add_test(tc, check_error_cap);
	tcase_add_test(tc, check_too_many_units);
	tcase_add_test(tc, check_duplicate_heal);
	tcase_add_test(tc, check_strat_words);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(conf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
