/* check_unitname.c - unit tests for unitname.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "unitname.h"

/* A string of n copies of c followed by suffix, in a static buffer. */
static const char *
rep(char c, size_t n, const char *suffix)
{
	static char buf[1024];

	ck_assert_uint_lt(n + strlen(suffix), sizeof buf);
	memset(buf, c, n);
	strcpy(buf + n, suffix);
	return buf;
}

START_TEST(check_valid_names)
{
	static const char *const ok[] = {
		"my-app.service", "a.service", "getty@tty1.service",
		"foo\\x2dbar.service", "dev-sda1.device", "x.socket",
		"multi-user.target", "home.mount", "proc.automount",
		"swapfile.swap", "daily.timer", "watch.path",
		"system.slice", "session-1.scope", "a:b_c.service",
		"a@b@c.service", "..service", "user@1000.service",
		"systemd-fsck@dev-disk-by\\x2duuid-1234.service",
	};
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
		ck_assert_msg(unit_name_check(ok[i]) == UNIT_OK,
		    "'%s' should be valid, got %d", ok[i],
		    unit_name_check(ok[i]));
}
END_TEST

START_TEST(check_invalid_names)
{
	static const struct {
		const char *name;
		enum unit_name_err e;
	} bad[] = {
		{ "", UNIT_EMPTY },
		{ "my app.service", UNIT_BAD_CHAR },
		{ "my/app.service", UNIT_BAD_CHAR },
		{ "../etc.service", UNIT_BAD_CHAR },
		{ "a$b.service", UNIT_BAD_CHAR },
		{ "a\tb.service", UNIT_BAD_CHAR },
		{ "caf\xc3\xa9.service", UNIT_BAD_CHAR },
		{ "my-app", UNIT_BAD_SUFFIX },
		{ "my-app.servic", UNIT_BAD_SUFFIX },
		{ "my-app.Service", UNIT_BAD_SUFFIX },
		{ "my-app.service.bak", UNIT_BAD_SUFFIX },
		{ "my-app.", UNIT_BAD_SUFFIX },
		{ ".service", UNIT_NO_PREFIX },
		{ "@x.service", UNIT_NO_PREFIX },
		{ "@.service", UNIT_NO_PREFIX },
		{ "foo@.service", UNIT_TEMPLATE },
		{ "getty@.service", UNIT_TEMPLATE },
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(unit_name_check(bad[i].name) == bad[i].e,
		    "'%s': want %d, got %d", bad[i].name, bad[i].e,
		    unit_name_check(bad[i].name));
}
END_TEST

START_TEST(check_length_bound)
{
	/* 247 + ".service" (8) = 255: the longest name systemd takes. */
	ck_assert_int_eq(unit_name_check(rep('a', 247, ".service")),
	    UNIT_OK);
	ck_assert_int_eq(unit_name_check(rep('a', 248, ".service")),
	    UNIT_TOO_LONG);
	ck_assert_int_eq(unit_name_check(rep('a', 600, ".service")),
	    UNIT_TOO_LONG);
	/* Too long wins over the other checks. */
	ck_assert_int_eq(unit_name_check(rep(' ', 300, "")), UNIT_TOO_LONG);
}
END_TEST

START_TEST(check_service_shorthand)
{
	char out[UNIT_NAME_MAX];

	ck_assert_int_eq(unit_name_service("my-app", out), UNIT_OK);
	ck_assert_str_eq(out, "my-app.service");
	ck_assert_int_eq(unit_name_service("my-app.service", out), UNIT_OK);
	ck_assert_str_eq(out, "my-app.service");
	ck_assert_int_eq(unit_name_service("getty@tty1", out), UNIT_OK);
	ck_assert_str_eq(out, "getty@tty1.service");
	ck_assert_int_eq(unit_name_service("foo\\x2dbar", out), UNIT_OK);
	ck_assert_str_eq(out, "foo\\x2dbar.service");
	/* An unknown type is part of the name, as systemctl does. */
	ck_assert_int_eq(unit_name_service("app.v2", out), UNIT_OK);
	ck_assert_str_eq(out, "app.v2.service");
}
END_TEST

START_TEST(check_service_refusals)
{
	char out[UNIT_NAME_MAX];

	memset(out, 'x', sizeof out);
	ck_assert_int_eq(unit_name_service("", out), UNIT_EMPTY);
	ck_assert_str_eq(out, "");

	memset(out, 'x', sizeof out);
	ck_assert_int_eq(unit_name_service("sshd.socket", out),
	    UNIT_NOT_SERVICE);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(unit_name_service("daily.timer", out),
	    UNIT_NOT_SERVICE);
	ck_assert_str_eq(out, "");

	ck_assert_int_eq(unit_name_service("foo@", out), UNIT_TEMPLATE);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(unit_name_service("foo@.service", out),
	    UNIT_TEMPLATE);
	ck_assert_int_eq(unit_name_service("@x", out), UNIT_NO_PREFIX);
	ck_assert_int_eq(unit_name_service("my app", out), UNIT_BAD_CHAR);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(unit_name_service("a;rm -rf", out), UNIT_BAD_CHAR);
	ck_assert_int_eq(unit_name_service("-", out), UNIT_OK);
	ck_assert_str_eq(out, "-.service");
}
END_TEST

START_TEST(check_service_length)
{
	char out[UNIT_NAME_MAX];

	/* 247 + ".service" = 255 fits exactly. */
	ck_assert_int_eq(unit_name_service(rep('b', 247, ""), out), UNIT_OK);
	ck_assert_uint_eq(strlen(out), 255);
	ck_assert_str_eq(out + 247, ".service");
	ck_assert_int_eq(unit_name_service(rep('b', 248, ""), out),
	    UNIT_TOO_LONG);
	ck_assert_int_eq(unit_name_service(rep('b', 247, ".service"), out),
	    UNIT_OK);
	ck_assert_uint_eq(strlen(out), 255);
	ck_assert_int_eq(unit_name_service(rep('b', 248, ".service"), out),
	    UNIT_TOO_LONG);
	ck_assert_int_eq(unit_name_service(rep('b', 900, ""), out),
	    UNIT_TOO_LONG);
}
END_TEST

/* Every other refusal empties out; a too-long name must too, or a
 * caller that ignores the code would go on with a cut name. */
START_TEST(check_service_too_long_clears_out)
{
	char out[UNIT_NAME_MAX];

	ck_assert_int_eq(unit_name_service(rep('b', 248, ""), out),
	    UNIT_TOO_LONG);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(unit_name_service(rep('b', 300, ".service"), out),
	    UNIT_TOO_LONG);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(check_strerror)
{
	ck_assert_str_eq(unit_name_strerror(UNIT_OK), "valid");
	ck_assert_str_eq(unit_name_strerror(UNIT_EMPTY), "empty name");
	ck_assert_str_eq(unit_name_strerror(UNIT_TOO_LONG),
	    "longer than 255 characters");
	ck_assert_str_eq(unit_name_strerror(UNIT_BAD_CHAR),
	    "only letters, digits and :-_.\\@ are allowed");
	ck_assert_str_eq(unit_name_strerror(UNIT_NO_PREFIX),
	    "nothing before the type or the '@'");
	ck_assert_str_eq(unit_name_strerror(UNIT_BAD_SUFFIX),
	    "unknown unit type");
	ck_assert_str_eq(unit_name_strerror(UNIT_TEMPLATE),
	    "a template names no instance");
	ck_assert_str_eq(unit_name_strerror(UNIT_NOT_SERVICE),
	    "ansai heals .service units only");
	ck_assert_str_eq(unit_name_strerror((enum unit_name_err)99),
	    "invalid");
}
END_TEST

START_TEST(check_is_ansai)
{
	ck_assert(unit_name_is_ansai("ansai-heal@my-app.service"));
	ck_assert(unit_name_is_ansai("ansai-heal@.service"));
	ck_assert(unit_name_is_ansai("ansai-flush.service"));
	ck_assert(unit_name_is_ansai("ansai-flush.timer"));
	ck_assert(unit_name_is_ansai("ansai.service"));
	ck_assert(unit_name_is_ansai("ansai@x.service"));

	ck_assert(!unit_name_is_ansai("my-app.service"));
	ck_assert(!unit_name_is_ansai("ansaix.service"));
	ck_assert(!unit_name_is_ansai("ansai-web.service"));
	ck_assert(!unit_name_is_ansai("my-ansai.service"));
	ck_assert(!unit_name_is_ansai("ansai-healer.service"));
	ck_assert(!unit_name_is_ansai("Ansai.service"));
	ck_assert(!unit_name_is_ansai(""));
}
END_TEST

static Suite *
unitname_suite(void)
{
	Suite *s = suite_create("unitname");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, check_valid_names);
	tcase_add_test(tc, check_invalid_names);
	tcase_add_test(tc, check_length_bound);
	tcase_add_test(tc, check_service_shorthand);
	tcase_add_test(tc, check_service_refusals);
	tcase_add_test(tc, check_service_length);
	tcase_add_test(tc, check_service_too_long_clears_out);
	tcase_add_test(tc, check_strerror);
	tcase_add_test(tc, check_is_ansai);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(unitname_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
