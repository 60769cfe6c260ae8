/* check_cause.c - unit tests for cause.c. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"

#define INV "4d3c2b1a0f9e8d7c6b5a493827160504"

static char tag[64], desc[256];

static void
words(const struct cause *c)
{
	cause_tag(c, tag, sizeof tag);
	cause_describe(c, desc, sizeof desc);
}

START_TEST(check_monitor_exit)
{
	struct cause c;

	ck_assert_int_eq(cause_from_monitor("exit-code", "exited", "3", INV,
	    &c), 0);
	ck_assert_int_eq(c.kind, CAUSE_EXIT);
	ck_assert_str_eq(c.result, "exit-code");
	ck_assert_int_eq(c.code, 3);
	ck_assert_int_eq(c.signo, -1);
	ck_assert_str_eq(c.invocation, INV);
	ck_assert_str_eq(c.source, "MONITOR_* variables");
	words(&c);
	ck_assert_str_eq(tag, "exit:3");
	ck_assert_str_eq(desc, "exited with code 3");
}
END_TEST

START_TEST(check_monitor_signal)
{
	struct cause c;

	/* systemd names the signal without "SIG"; accept both, and
	 * numbers. */
	ck_assert_int_eq(cause_from_monitor("signal", "killed", "KILL", NULL,
	    &c), 0);
	ck_assert_int_eq(c.kind, CAUSE_SIGNAL);
	ck_assert_int_eq(c.signo, SIGKILL);
	ck_assert_int_eq(c.code, -1);
	ck_assert_str_eq(c.invocation, "");
	words(&c);
	ck_assert_str_eq(tag, "signal:KILL");
	ck_assert_str_eq(desc, "killed by signal SIGKILL");

	ck_assert_int_eq(cause_from_monitor("signal", "killed", "SIGTERM",
	    NULL, &c), 0);
	ck_assert_int_eq(c.signo, SIGTERM);
	ck_assert_int_eq(cause_from_monitor("signal", "killed", "6", NULL,
	    &c), 0);
	ck_assert_int_eq(c.signo, SIGABRT);
	words(&c);
	ck_assert_str_eq(tag, "signal:ABRT");
	/* Not a signal: the kind stays, the number is unknown. */
	ck_assert_int_eq(cause_from_monitor("signal", "killed", "65", NULL,
	    &c), 0);
	ck_assert_int_eq(c.kind, CAUSE_SIGNAL);
	ck_assert_int_eq(c.signo, -1);
	ck_assert_int_eq(cause_from_monitor("signal", "killed", "BOGUS",
	    NULL, &c), 0);
	ck_assert_int_eq(c.signo, -1);
}
END_TEST

START_TEST(check_monitor_core_oom)
{
	struct cause c;

	ck_assert_int_eq(cause_from_monitor("core-dump", "dumped", "SEGV",
	    INV, &c), 0);
	ck_assert_int_eq(c.kind, CAUSE_CORE);
	ck_assert_int_eq(c.signo, SIGSEGV);
	words(&c);
	ck_assert_str_eq(tag, "core-dump:SEGV");
	ck_assert_str_eq(desc,
	    "crashed with signal SIGSEGV and dumped core");

	/* The result word wins over how the process ended. */
	ck_assert_int_eq(cause_from_monitor("oom-kill", "killed", "KILL",
	    INV, &c), 0);
	ck_assert_int_eq(c.kind, CAUSE_OOM);
	ck_assert_int_eq(c.signo, SIGKILL);
	words(&c);
	ck_assert_str_eq(tag, "oom-kill");
	ck_assert_str_eq(desc,
	    "killed for running out of memory (oom-kill)");

	ck_assert_int_eq(cause_from_monitor("timeout", "killed", "TERM",
	    INV, &c), 0);
	ck_assert_int_eq(c.kind, CAUSE_TIMEOUT);
	ck_assert_int_eq(c.signo, SIGTERM);
	words(&c);
	ck_assert_str_eq(tag, "timeout");
	ck_assert_str_eq(desc, "did not start or stop in time (timeout)");
}
END_TEST

START_TEST(check_monitor_results)
{
	static const struct {
		const char *result;
		enum cause_kind kind;
		const char *tag, *desc;
	} t[] = {
		{ "watchdog", CAUSE_WATCHDOG, "watchdog",
		    "stopped answering its watchdog" },
		{ "start-limit-hit", CAUSE_START_LIMIT, "start-limit-hit",
		    "failed too often in a row: systemd's start limit was "
		    "hit (start-limit-hit)" },
		{ "resources", CAUSE_RESOURCES, "resources",
		    "systemd could not create its resources (resources)" },
		{ "protocol", CAUSE_OTHER, "other:protocol",
		    "failed with result 'protocol'" },
		{ "exec-condition", CAUSE_OTHER, "other:exec-condition",
		    "failed with result 'exec-condition'" },
		{ "success", CAUSE_UNKNOWN, "unknown",
		    "failed for a reason systemd did not report" },
	};
	struct cause c;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_int_eq(cause_from_monitor(t[i].result, NULL, NULL,
		    NULL, &c), 0);
		ck_assert_int_eq(c.kind, t[i].kind);
		ck_assert_int_eq(c.code, -1);
		ck_assert_int_eq(c.signo, -1);
		words(&c);
		ck_assert_str_eq(tag, t[i].tag);
		ck_assert_str_eq(desc, t[i].desc);
	}
}
END_TEST

START_TEST(check_monitor_success_exit)
{
	struct cause c;

	/* "success" with a non-zero exit (SuccessExitStatus= aside) is
	 * classified by the exit; with 0 it stays unknown. */
	ck_assert_int_eq(cause_from_monitor("success", "exited", "2", NULL,
	    &c), 0);
	ck_assert_int_eq(c.kind, CAUSE_EXIT);
	ck_assert_int_eq(c.code, 2);
	ck_assert_int_eq(cause_from_monitor("success", "exited", "0", NULL,
	    &c), 0);
	ck_assert_int_eq(c.kind, CAUSE_UNKNOWN);
	ck_assert_int_eq(c.code, 0);
	/* An exit status over 255 is not one. */
	ck_assert_int_eq(cause_from_monitor("exit-code", "exited", "256",
	    NULL, &c), 0);
	ck_assert_int_eq(c.kind, CAUSE_EXIT);
	ck_assert_int_eq(c.code, -1);
	/* An unknown exit code word says nothing. */
	ck_assert_int_eq(cause_from_monitor("success", "vanished", "9",
	    NULL, &c), 0);
	ck_assert_int_eq(c.kind, CAUSE_UNKNOWN);
	ck_assert_int_eq(c.code, -1);
	ck_assert_int_eq(c.signo, -1);
}
END_TEST

START_TEST(check_monitor_fallback)
{
	struct cause c;

	memset(&c, 0x5a, sizeof c);
	ck_assert_int_eq(cause_from_monitor(NULL, "exited", "1", INV, &c),
	    -1);
	ck_assert_int_eq(c.kind, CAUSE_UNKNOWN);
	ck_assert_int_eq(c.code, -1);
	ck_assert_int_eq(c.signo, -1);
	ck_assert_str_eq(c.result, "");
	ck_assert_str_eq(c.invocation, "");
	ck_assert_ptr_null(c.source);

	ck_assert_int_eq(cause_from_monitor("", "exited", "1", INV, &c), -1);
	ck_assert_int_eq(c.kind, CAUSE_UNKNOWN);
	ck_assert_int_eq(c.code, -1);
}
END_TEST

/* cause.h: on -1 "c is then left initialised but unknown".  A result
 * word too long for c->result must not stay behind cut. */
START_TEST(check_monitor_long_result)
{
	struct cause c;

	ck_assert_int_eq(cause_from_monitor("a-result-word-of-30-bytes-xx",
	    "exited", "1", INV, &c), -1);
	ck_assert_int_eq(c.kind, CAUSE_UNKNOWN);
	ck_assert_int_eq(c.code, -1);
	ck_assert_str_eq(c.result, "");
}
END_TEST

START_TEST(check_from_show)
{
	struct svc_show s;
	struct cause c;

	svc_show_init(&s);
	strcpy(s.result, "exit-code");
	strcpy(s.invocation_id, INV);
	s.exec_main_code = 1;		/* CLD_EXITED */
	s.exec_main_status = 1;
	cause_from_show(&s, &c);
	ck_assert_int_eq(c.kind, CAUSE_EXIT);
	ck_assert_int_eq(c.code, 1);
	ck_assert_int_eq(c.signo, -1);
	ck_assert_str_eq(c.result, "exit-code");
	ck_assert_str_eq(c.invocation, INV);
	ck_assert_str_eq(c.source, "systemctl show");
	words(&c);
	ck_assert_str_eq(tag, "exit:1");

	strcpy(s.result, "signal");
	s.exec_main_code = 2;		/* CLD_KILLED */
	s.exec_main_status = 9;
	cause_from_show(&s, &c);
	ck_assert_int_eq(c.kind, CAUSE_SIGNAL);
	ck_assert_int_eq(c.signo, 9);
	ck_assert_int_eq(c.code, -1);
	words(&c);
	ck_assert_str_eq(tag, "signal:KILL");

	/* No result word: how the process ended decides. */
	s.result[0] = '\0';
	s.exec_main_code = 3;		/* CLD_DUMPED */
	s.exec_main_status = 6;
	cause_from_show(&s, &c);
	ck_assert_int_eq(c.kind, CAUSE_CORE);
	words(&c);
	ck_assert_str_eq(tag, "core-dump:ABRT");

	/* Nothing known at all. */
	svc_show_init(&s);
	cause_from_show(&s, &c);
	ck_assert_int_eq(c.kind, CAUSE_UNKNOWN);
	ck_assert_int_eq(c.code, -1);
	ck_assert_int_eq(c.signo, -1);
	ck_assert_str_eq(c.invocation, "");
	words(&c);
	ck_assert_str_eq(tag, "unknown");
}
END_TEST

START_TEST(check_describe_exit_codes)
{
	static const struct {
		int code;
		const char *desc;
	} t[] = {
		{ 1, "exited with code 1" },
		{ 126, "exited with code 126 (command found but not "
		    "executable)" },
		{ 127, "exited with code 127 (command not found)" },
		{ 128, "exited with code 128" },
		{ 129, "exited with code 129 (128+1: a process it ran was "
		    "killed by SIGHUP)" },
		{ 137, "exited with code 137 (128+9: a process it ran was "
		    "killed by SIGKILL, which is what the OOM killer sends)" },
		{ 143, "exited with code 143 (128+15: a process it ran was "
		    "killed by SIGTERM)" },
		{ 193, "exited with code 193" },
		{ 200, "exited with code 200 (systemd could not set up the "
		    "process; the journal names the step)" },
		{ 203, "exited with code 203 (203/EXEC: systemd could not "
		    "execute the program)" },
		{ 217, "exited with code 217 (systemd could not set up the "
		    "process; the journal names the step)" },
		{ 243, "exited with code 243 (systemd could not set up the "
		    "process; the journal names the step)" },
		{ 244, "exited with code 244" },
		{ 255, "exited with code 255" },
	};
	struct cause c;
	char code[16];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(code, sizeof code, "%d", t[i].code);
		ck_assert_int_eq(cause_from_monitor("exit-code", "exited",
		    code, NULL, &c), 0);
		ck_assert_int_eq(c.code, t[i].code);
		words(&c);
		ck_assert_str_eq(desc, t[i].desc);
		snprintf(code, sizeof code, "exit:%d", t[i].code);
		ck_assert_str_eq(tag, code);
	}
}
END_TEST

START_TEST(check_small_buffers)
{
	struct cause c;
	char b[10];

	cause_from_monitor("exit-code", "exited", "137", NULL, &c);
	memset(b, 'x', sizeof b);
	cause_describe(&c, b, sizeof b);
	ck_assert_str_eq(b, "exited wi");
	memset(b, 'x', sizeof b);
	cause_from_monitor("start-limit-hit", NULL, NULL, NULL, &c);
	cause_tag(&c, b, sizeof b);
	ck_assert_str_eq(b, "start-lim");
}
END_TEST

/* signame.h promises "RTMIN+3" style names for real-time signals, and
 * systemd (glibc: SIGRTMIN is 34) names them so in MONITOR_EXIT_STATUS
 * and counts them the same way in ExecMainStatus. */
START_TEST(check_realtime_signal_in)
{
	struct cause c;

	ck_assert_int_eq(cause_from_monitor("signal", "killed", "RTMIN+3",
	    NULL, &c), 0);
	ck_assert_int_eq(c.signo, 34 + 3);
}
END_TEST

START_TEST(check_realtime_signal_out)
{
	struct svc_show s;
	struct cause c;

	svc_show_init(&s);
	strcpy(s.result, "signal");
	s.exec_main_code = 2;
	s.exec_main_status = 34 + 3;
	cause_from_show(&s, &c);
	words(&c);
	ck_assert_str_eq(tag, "signal:RTMIN+3");
	ck_assert_str_eq(desc, "killed by signal SIGRTMIN+3");
}
END_TEST

static Suite *
cause_suite(void)
{
	Suite *s = suite_create("cause");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, check_monitor_exit);
	tcase_add_test(tc, check_monitor_signal);
	tcase_add_test(tc, check_monitor_core_oom);
	tcase_add_test(tc, check_monitor_results);
	tcase_add_test(tc, check_monitor_success_exit);
	tcase_add_test(tc, check_monitor_fallback);
	tcase_add_test(tc, check_monitor_long_result);
	tcase_add_test(tc, check_from_show);
	tcase_add_test(tc, check_describe_exit_codes);
	tcase_add_test(tc, check_small_buffers);
	tcase_add_test(tc, check_realtime_signal_in);
	tcase_add_test(tc, check_realtime_signal_out);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cause_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
