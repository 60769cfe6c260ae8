/* check_svc.c - unit tests for the `systemctl show` parser in svc.c.
 * Nothing here runs systemctl. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc.h"
#include "util.h"

#define FIXTURES "test/fixtures"

static char text[SVC_OUT_MAX];

static const char *
load(const char *name)
{
	char path[256];
	ssize_t n;

	snprintf(path, sizeof path, FIXTURES "/svc/%s", name);
	n = file_read(path, text, sizeof text);
	ck_assert_msg(n > 0, "cannot read %s", path);
	return text;
}

START_TEST(check_init)
{
	struct svc_show s;

	memset(&s, 0x5a, sizeof s);
	svc_show_init(&s);
	ck_assert_str_eq(s.id, "");
	ck_assert_str_eq(s.load_state, "");
	ck_assert_str_eq(s.active_state, "");
	ck_assert_str_eq(s.invocation_id, "");
	ck_assert_int_eq(s.exec_main_code, SVC_UNKNOWN);
	ck_assert_int_eq(s.exec_main_status, SVC_UNKNOWN);
	ck_assert_int_eq(s.n_restarts, SVC_UNKNOWN);
	ck_assert_int_eq(s.main_pid, 0);
	ck_assert_uint_eq(s.exit_usec, 0);
	ck_assert_int_eq(s.dropped, 0);
}
END_TEST

START_TEST(check_failed_unit)
{
	struct svc_show s;
	const char *buf = load("failed.show");
	const char *end;

	end = svc_show_parse(buf, &s);
	ck_assert_ptr_eq(end, buf + strlen(buf));
	ck_assert_str_eq(s.id, "my-app.service");
	ck_assert_str_eq(s.load_state, "loaded");
	ck_assert_str_eq(s.active_state, "failed");
	ck_assert_str_eq(s.sub_state, "failed");
	ck_assert_str_eq(s.result, "exit-code");
	ck_assert_str_eq(s.invocation_id, "4d3c2b1a0f9e8d7c6b5a493827160504");
	ck_assert_int_eq(s.exec_main_code, 1);
	ck_assert_int_eq(s.exec_main_status, 3);
	ck_assert_int_eq(s.main_pid, 0);
	ck_assert_int_eq(s.n_restarts, 0);
	ck_assert_str_eq(s.restart, "on-failure");
	ck_assert_uint_eq(s.exit_usec, 8123456789ULL);
	ck_assert_uint_eq(s.inactive_usec, 8123460012ULL);
	ck_assert_uint_eq(s.change_usec, 8123460012ULL);
	ck_assert_str_eq(s.fragment, "/etc/systemd/system/my-app.service");
	ck_assert_str_eq(s.user, "app");
	ck_assert_str_eq(s.on_failure, "ansai-heal@my-app.service");
	ck_assert_str_eq(s.cgroup, "");		/* "ControlGroup=" */
	ck_assert_int_eq(s.dropped, 0);
	ck_assert(!svc_is_handled(&s));
}
END_TEST

START_TEST(check_two_units)
{
	struct svc_show a, b, c;
	const char *buf = load("two.show");
	const char *p, *q, *r;

	p = svc_show_parse(buf, &a);
	ck_assert_ptr_ne(p, buf + strlen(buf));
	ck_assert(str_starts(p, "Restart=no\n"));
	ck_assert_str_eq(a.id, "worker@1.service");
	ck_assert_str_eq(a.result, "oom-kill");
	ck_assert_str_eq(a.active_state, "activating");
	ck_assert_str_eq(a.sub_state, "auto-restart");
	ck_assert_int_eq(a.exec_main_code, 2);
	ck_assert_int_eq(a.exec_main_status, 9);
	ck_assert_int_eq(a.n_restarts, 4);
	ck_assert_str_eq(a.restart, "always");
	ck_assert_str_eq(a.user, "");
	ck_assert_str_eq(a.on_failure, "");
	ck_assert_str_eq(a.invocation_id,
	    "0123456789abcdef0123456789abcdef");
	ck_assert_int_eq(a.dropped, 0);
	ck_assert(svc_is_handled(&a));

	q = svc_show_parse(p, &b);
	ck_assert_ptr_eq(q, buf + strlen(buf));
	ck_assert_str_eq(b.id, "nosuch.service");
	ck_assert_str_eq(b.load_state, "not-found");
	ck_assert_str_eq(b.active_state, "inactive");
	ck_assert_str_eq(b.sub_state, "dead");
	ck_assert_str_eq(b.result, "success");
	ck_assert_str_eq(b.fragment, "");
	ck_assert_str_eq(b.invocation_id, "");
	ck_assert_int_eq(b.exec_main_code, 0);
	ck_assert_uint_eq(b.exit_usec, 0);
	ck_assert_int_eq(b.dropped, 0);
	/* Nothing of the first unit leaks into the second. */
	ck_assert_str_eq(b.restart, "no");
	ck_assert_int_eq(b.n_restarts, 0);
	ck_assert(!svc_is_handled(&b));

	/* At the end: an empty block, everything unknown. */
	r = svc_show_parse(q, &c);
	ck_assert_ptr_eq(r, q);
	ck_assert_str_eq(c.id, "");
	ck_assert_int_eq(c.n_restarts, SVC_UNKNOWN);
}
END_TEST

START_TEST(check_full_show)
{
	struct svc_show s;
	const char *buf = load("full.show");

	ck_assert_ptr_eq(svc_show_parse(buf, &s), buf + strlen(buf));
	ck_assert_str_eq(s.id, "my-app.service");
	ck_assert_str_eq(s.load_state, "loaded");
	ck_assert_str_eq(s.active_state, "active");
	ck_assert_str_eq(s.sub_state, "running");
	ck_assert_str_eq(s.result, "success");
	ck_assert_int_eq(s.main_pid, 2817);
	ck_assert_int_eq(s.n_restarts, 2);
	ck_assert_int_eq(s.exec_main_code, 0);
	ck_assert_int_eq(s.exec_main_status, 0);
	ck_assert_uint_eq(s.exit_usec, 0);
	ck_assert_uint_eq(s.inactive_usec, 812340000ULL);
	ck_assert_uint_eq(s.change_usec, 812345679ULL);
	ck_assert_str_eq(s.cgroup, "/system.slice/my-app.service");
	ck_assert_str_eq(s.user, "app");
	ck_assert_str_eq(s.on_failure, "ansai-heal@my-app.service");
	ck_assert_str_eq(s.invocation_id, "9f2c7e1b3a5d4c6e8f0a1b2c3d4e5f60");
	ck_assert_str_eq(s.fragment, "/etc/systemd/system/my-app.service");
	ck_assert(svc_is_handled(&s));
}
END_TEST

START_TEST(check_unknown_and_dropped)
{
	struct svc_show s;
	const char *buf = load("odd.show");

	svc_show_parse(buf, &s);
	/* Too long for their fields: dropped whole, never cut. */
	ck_assert_str_eq(s.id, "");
	ck_assert_str_eq(s.result, "");
	ck_assert_str_eq(s.on_failure, "");
	/* Every spelling of "unknown". */
	ck_assert_str_eq(s.active_state, "");
	ck_assert_str_eq(s.sub_state, "");
	ck_assert_str_eq(s.invocation_id, "");
	ck_assert_str_eq(s.restart, "");
	ck_assert_str_eq(s.user, "");
	ck_assert_int_eq(s.exec_main_code, SVC_UNKNOWN);
	ck_assert_int_eq(s.main_pid, 0);
	ck_assert_uint_eq(s.inactive_usec, 0);
	/* Out of range or not a number. */
	ck_assert_int_eq(s.exec_main_status, SVC_UNKNOWN);
	ck_assert_int_eq(s.n_restarts, SVC_UNKNOWN);
	ck_assert_uint_eq(s.exit_usec, 0);
	/* 2^64-2 is a number, not "unknown". */
	ck_assert_uint_eq(s.change_usec, UINT64_MAX - 1);
	/* Split at the first '=' only. */
	ck_assert_str_eq(s.fragment, "/etc/systemd/system/odd=name.service");
	ck_assert_str_eq(s.cgroup, "/system.slice/odd=name.service");
	ck_assert_str_eq(s.load_state, "loaded");
	/* Id, Result, ExecMainStatus, NRestarts, the exit timestamp and
	 * OnFailure. */
	ck_assert_int_eq(s.dropped, 6);
}
END_TEST

START_TEST(check_field_bounds)
{
	struct svc_show s;
	char buf[2200];

	/* 23 bytes fit a 24-byte field; 24 do not. */
	svc_show_parse("Result=abcdefghijklmnopqrstuvw\n", &s);
	ck_assert_str_eq(s.result, "abcdefghijklmnopqrstuvw");
	ck_assert_int_eq(s.dropped, 0);
	svc_show_parse("Result=abcdefghijklmnopqrstuvwx\n", &s);
	ck_assert_str_eq(s.result, "");
	ck_assert_int_eq(s.dropped, 1);

	/* ExecMainStatus 0..255, MainPID up to 2^31-1. */
	svc_show_parse("ExecMainStatus=255\nMainPID=2147483647\n", &s);
	ck_assert_int_eq(s.exec_main_status, 255);
	ck_assert_int_eq(s.main_pid, 2147483647L);
	ck_assert_int_eq(s.dropped, 0);
	svc_show_parse("ExecMainStatus=-1\nMainPID=2147483648\n", &s);
	ck_assert_int_eq(s.exec_main_status, SVC_UNKNOWN);
	ck_assert_int_eq(s.main_pid, 0);
	ck_assert_int_eq(s.dropped, 2);

	/* A 2000-byte line is skipped whole and counted; the lines
	 * around it still count. */
	strcpy(buf, "Id=a.service\nOnFailure=");
	memset(buf + strlen(buf), 'x', 2000);
	strcpy(buf + 23 + 2000, "\nResult=signal\n");
	svc_show_parse(buf, &s);
	ck_assert_str_eq(s.id, "a.service");
	ck_assert_str_eq(s.on_failure, "");
	ck_assert_str_eq(s.result, "signal");
	ck_assert_int_eq(s.dropped, 1);
}
END_TEST

START_TEST(check_no_trailing_newline)
{
	struct svc_show s;
	const char *in = "Id=x.service\nActiveState=failed";

	ck_assert_ptr_eq(svc_show_parse(in, &s), in + strlen(in));
	ck_assert_str_eq(s.id, "x.service");
	ck_assert_str_eq(s.active_state, "failed");
	in = "";
	ck_assert_ptr_eq(svc_show_parse(in, &s), in);
	ck_assert_str_eq(s.id, "");
	/* A leading blank line is an empty block. */
	in = "\nId=y.service\n";
	ck_assert_ptr_eq(svc_show_parse(in, &s), in + 1);
	ck_assert_str_eq(s.id, "");
}
END_TEST

START_TEST(check_parse_resets)
{
	struct svc_show s;

	svc_show_parse("Id=a.service\nNRestarts=7\nResult=signal\n", &s);
	ck_assert_int_eq(s.n_restarts, 7);
	svc_show_parse("Id=b.service\n", &s);
	ck_assert_str_eq(s.id, "b.service");
	ck_assert_int_eq(s.n_restarts, SVC_UNKNOWN);
	ck_assert_str_eq(s.result, "");
}
END_TEST

/* Every property ansai asks for lands in its field. */
START_TEST(check_every_prop_parsed)
{
	char props[1024], in[2048];
	struct svc_show s;
	char *tok, *save = NULL;
	unsigned n = 0;

	ck_assert_int_eq(str_copy(props, sizeof props, svc_show_props), 0);
	in[0] = '\0';
	for (tok = strtok_r(props, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save), n++)
		str_append(in, sizeof in, "%s=%s\n", tok,
		    str_ends(tok, "Monotonic") ? "42" :
		    strcmp(tok, "ExecMainCode") == 0 ? "1" :
		    strcmp(tok, "ExecMainStatus") == 0 ||
		    strcmp(tok, "MainPID") == 0 ||
		    strcmp(tok, "NRestarts") == 0 ? "7" : "v");
	ck_assert_uint_eq(n, 18);
	svc_show_parse(in, &s);
	ck_assert_int_eq(s.dropped, 0);
	ck_assert_str_eq(s.id, "v");
	ck_assert_str_eq(s.load_state, "v");
	ck_assert_str_eq(s.active_state, "v");
	ck_assert_str_eq(s.sub_state, "v");
	ck_assert_str_eq(s.result, "v");
	ck_assert_str_eq(s.invocation_id, "v");
	ck_assert_int_eq(s.exec_main_code, 1);
	ck_assert_int_eq(s.exec_main_status, 7);
	ck_assert_int_eq(s.main_pid, 7);
	ck_assert_int_eq(s.n_restarts, 7);
	ck_assert_str_eq(s.restart, "v");
	ck_assert_uint_eq(s.exit_usec, 42);
	ck_assert_uint_eq(s.inactive_usec, 42);
	ck_assert_uint_eq(s.change_usec, 42);
	ck_assert_str_eq(s.fragment, "v");
	ck_assert_str_eq(s.user, "v");
	ck_assert_str_eq(s.on_failure, "v");
	ck_assert_str_eq(s.cgroup, "v");
}
END_TEST

START_TEST(check_is_handled)
{
	static const struct {
		const char *active, *sub;
		int handled;
	} t[] = {
		{ "active", "running", 1 },
		{ "active", "exited", 1 },
		{ "activating", "start", 1 },
		{ "activating", "auto-restart", 1 },
		{ "reloading", "reload", 1 },
		{ "failed", "auto-restart", 1 },
		{ "failed", "failed", 0 },
		{ "inactive", "dead", 0 },
		{ "deactivating", "stop-sigterm", 0 },
		{ "maintenance", "", 0 },
		{ "", "", 0 },
		{ "Active", "running", 0 },
	};
	struct svc_show s;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		svc_show_init(&s);
		strcpy(s.active_state, t[i].active);
		strcpy(s.sub_state, t[i].sub);
		ck_assert_msg(svc_is_handled(&s) == t[i].handled,
		    "%s/%s: want %d", t[i].active, t[i].sub, t[i].handled);
	}
}
END_TEST

static Suite *
svc_suite(void)
{
	Suite *s = suite_create("svc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, check_init);
	tcase_add_test(tc, check_failed_unit);
	tcase_add_test(tc, check_two_units);
	tcase_add_test(tc, check_full_show);
	tcase_add_test(tc, check_unknown_and_dropped);
	tcase_add_test(tc, check_field_bounds);
	tcase_add_test(tc, check_no_trailing_newline);
	tcase_add_test(tc, check_parse_resets);
	tcase_add_test(tc, check_every_prop_parsed);
	tcase_add_test(tc, check_is_handled);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(svc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
