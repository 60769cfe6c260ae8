/* check_exec.c - unit tests for exec.c with real small programs. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec.h"
#include "util.h"

#define FIXTURES "test/fixtures"

static char obuf[8192], ebuf[8192];
static struct exec_buf out, err;
static struct exec_result res;

static void
bufs(size_t ocap, int otail, size_t ecap)
{
	memset(obuf, 'x', sizeof obuf);
	memset(ebuf, 'x', sizeof ebuf);
	memset(&out, 0, sizeof out);
	memset(&err, 0, sizeof err);
	out.data = obuf;
	out.cap = ocap;
	out.keep_tail = otail;
	err.data = ebuf;
	err.cap = ecap;
}

static int
run(int timeout_ms, const char *const argv[])
{
	memset(&res, 0x5a, sizeof res);
	return exec_run(argv, timeout_ms, &out, &err, &res);
}

/* Make this test process the reaper of orphans, so a descendant that
 * exec_run's child leaves behind becomes our child and is reaped. */
static void
subreaper(void)
{
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
}

/* Was pid (an orphan reparented to us) killed by SIGKILL?  Waits up
 * to two seconds, reaping it. */
static int
killed(long pid)
{
	int i, status;

	for (i = 0; i < 200; i++) {
		pid_t w = waitpid((pid_t)pid, &status, WNOHANG);

		if (w == (pid_t)pid)
			return WIFSIGNALED(status) &&
			    WTERMSIG(status) == SIGKILL;
		if (w < 0)
			return 0;
		sleep_ms(10);
	}
	kill((pid_t)pid, SIGKILL);
	waitpid((pid_t)pid, &status, 0);
	return 0;
}

/* "1\n2\n...\nn\n", as seq prints it. */
static size_t
seq_text(char *buf, size_t cap, unsigned n)
{
	size_t len = 0;
	unsigned i;

	for (i = 1; i <= n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%u\n", i);
	ck_assert_uint_lt(len, cap);
	return len;
}

START_TEST(check_echo)
{
	const char *argv[] = { "/bin/echo", "hello", "world", NULL };
	char how[64];

	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, argv), 0);
	ck_assert_str_eq(obuf, "hello world\n");
	ck_assert_uint_eq(out.len, 12);
	ck_assert_int_eq(out.truncated, 0);
	ck_assert_str_eq(ebuf, "");
	ck_assert_uint_eq(err.len, 0);
	ck_assert_int_eq(res.exited, 1);
	ck_assert_int_eq(res.code, 0);
	ck_assert_int_eq(res.signo, 0);
	ck_assert_int_eq(res.timed_out, 0);
	ck_assert_int_eq(res.exec_errno, 0);
	ck_assert_int_ge(res.elapsed_ms, 0);
	ck_assert_int_lt(res.elapsed_ms, 5000);
	ck_assert(exec_ok(&res));
	exec_describe(&res, how, sizeof how);
	ck_assert_str_eq(how, "exited 0");
}
END_TEST

START_TEST(check_path_lookup)
{
	const char *argv[] = { "echo", "-n", "found", NULL };

	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, argv), 0);
	ck_assert_str_eq(obuf, "found");
	ck_assert(exec_ok(&res));
}
END_TEST

START_TEST(check_exit_code)
{
	const char *argv[] = { "/bin/sh", "-c", "exit 3", NULL };
	char how[64];

	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, argv), 0);
	ck_assert_int_eq(res.exited, 1);
	ck_assert_int_eq(res.code, 3);
	ck_assert_int_eq(res.timed_out, 0);
	ck_assert_int_eq(res.exec_errno, 0);
	ck_assert(!exec_ok(&res));
	exec_describe(&res, how, sizeof how);
	ck_assert_str_eq(how, "exited 3");
	ck_assert_str_eq(obuf, "");
}
END_TEST

START_TEST(check_killed_by_signal)
{
	const char *argv[] = { "/bin/sh", "-c", "kill -TERM $$", NULL };
	char how[64];

	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, argv), 0);
	ck_assert_int_eq(res.exited, 0);
	ck_assert_int_eq(res.signo, SIGTERM);
	ck_assert_int_eq(res.timed_out, 0);
	ck_assert(!exec_ok(&res));
	exec_describe(&res, how, sizeof how);
	ck_assert_str_eq(how, "killed by SIGTERM");
}
END_TEST

START_TEST(check_timeout)
{
	const char *argv[] = { "/bin/sleep", "10", NULL };
	char how[64];

	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(300, argv), 0);
	ck_assert_int_eq(res.timed_out, 1);
	ck_assert_int_eq(res.exited, 0);
	ck_assert_int_eq(res.signo, SIGKILL);
	ck_assert_int_eq(res.exec_errno, 0);
	ck_assert_int_ge(res.elapsed_ms, 300);
	ck_assert_int_lt(res.elapsed_ms, 3000);
	ck_assert(!exec_ok(&res));
	exec_describe(&res, how, sizeof how);
	ck_assert(str_starts(how, "timed out after "));
	ck_assert(str_ends(how, " ms, killed"));
}
END_TEST

/* The whole process group goes, not only the child. */
START_TEST(check_timeout_kills_group)
{
	const char *argv[] = { "/bin/sh", "-c", "sleep 30 & echo $!; wait",
		NULL };
	long pid;

	subreaper();
	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(500, argv), 0);
	ck_assert_int_eq(res.timed_out, 1);
	pid = strtol(obuf, NULL, 10);
	ck_assert_int_gt(pid, 1);
	ck_assert_msg(killed(pid), "background sleep %ld survived", pid);
}
END_TEST

/* A child that exits while a descendant holds its pipes open has
 * finished: its exit 0 counts (a validator that leaves a daemon behind
 * is not "timed out"), it ends well before the timeout, and what it
 * left in its process group is killed. */
START_TEST(check_descendant_holds_pipe)
{
	const char *argv[] = { "/bin/sh", "-c", "sleep 30 & echo $!; exit 0",
		NULL };
	long pid;

	subreaper();
	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, argv), 0);
	ck_assert_int_eq(res.timed_out, 0);
	ck_assert_int_lt(res.elapsed_ms, 1000);
	ck_assert(exec_ok(&res));
	pid = strtol(obuf, NULL, 10);
	ck_assert_int_gt(pid, 1);
	ck_assert_msg(killed(pid), "background sleep %ld survived", pid);
}
END_TEST

/* One that escaped into a session of its own cannot be killed by
 * group; it still does not hold the run up past the drain. */
START_TEST(check_setsid_descendant)
{
	const char *argv[] = { "/bin/sh", "-c",
		"setsid sleep 3 & echo started; exit 0", NULL };

	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(10000, argv), 0);
	ck_assert(exec_ok(&res));
	ck_assert_int_lt(res.elapsed_ms, 1500);
	ck_assert_str_eq(obuf, "started\n");
}
END_TEST

START_TEST(check_own_group)
{
	const char *argv[] = { "/bin/sh", "-c",
		"echo $$; cut -d' ' -f5 /proc/$$/stat", NULL };
	long pid, pgid;
	char *nl;

	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, argv), 0);
	ck_assert(exec_ok(&res));
	pid = strtol(obuf, &nl, 10);
	pgid = strtol(nl, NULL, 10);
	ck_assert_int_gt(pid, 1);
	ck_assert_int_eq(pgid, pid);
	ck_assert_int_ne(pgid, (long)getpgrp());
}
END_TEST

START_TEST(check_truncated_head)
{
	const char *argv[] = { "/usr/bin/seq", "1", "20000", NULL };
	static char want[200000];
	size_t wl = seq_text(want, sizeof want, 20000);

	bufs(64, 0, sizeof ebuf);
	ck_assert_int_eq(run(10000, argv), 0);
	ck_assert(exec_ok(&res));
	ck_assert_int_eq(out.truncated, 1);
	ck_assert_uint_eq(out.len, 63);
	ck_assert_int_eq(obuf[63], '\0');
	ck_assert(memcmp(obuf, want, 63) == 0);
	ck_assert_int_eq(obuf[64], 'x');
	ck_assert_uint_gt(wl, 63);
}
END_TEST

START_TEST(check_keep_tail)
{
	const char *argv[] = { "/usr/bin/seq", "1", "20000", NULL };
	static char want[200000];
	size_t wl = seq_text(want, sizeof want, 20000);
	size_t caps[] = { 2, 64, 4096, 4097, 5000, 8192 };
	size_t i;

	for (i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		size_t cap = caps[i];

		bufs(cap, 1, sizeof ebuf);
		ck_assert_int_eq(run(10000, argv), 0);
		ck_assert(exec_ok(&res));
		ck_assert_int_eq(out.truncated, 1);
		ck_assert_uint_eq(out.len, cap - 1);
		ck_assert_int_eq(obuf[cap - 1], '\0');
		ck_assert_msg(memcmp(obuf, want + wl - (cap - 1),
		    cap - 1) == 0, "cap %zu: not the newest bytes", cap);
	}
}
END_TEST

START_TEST(check_exact_fit)
{
	const char *fit[] = { "/bin/sh", "-c", "printf %063d 0", NULL };
	const char *over[] = { "/bin/sh", "-c", "printf %064d 0", NULL };
	char want[65];

	memset(want, '0', 64);
	want[64] = '\0';
	bufs(64, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, fit), 0);
	ck_assert_uint_eq(out.len, 63);
	ck_assert_int_eq(out.truncated, 0);
	ck_assert_str_eq(obuf, want + 1);
	bufs(64, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, over), 0);
	ck_assert_uint_eq(out.len, 63);
	ck_assert_int_eq(out.truncated, 1);
	bufs(64, 1, sizeof ebuf);
	ck_assert_int_eq(run(5000, fit), 0);
	ck_assert_int_eq(out.truncated, 0);
	ck_assert_str_eq(obuf, want + 1);
}
END_TEST

/* A megabyte into a 16-byte buffer: read and dropped, never blocking
 * the child on a full pipe. */
START_TEST(check_big_output_no_block)
{
	const char *o[] = { "/usr/bin/head", "-c", "1048576", "/dev/zero",
		NULL };
	const char *e[] = { "/bin/sh", "-c",
		"head -c 1048576 /dev/zero >&2; echo done", NULL };

	bufs(16, 0, 16);
	ck_assert_int_eq(run(10000, o), 0);
	ck_assert(exec_ok(&res));
	ck_assert_int_eq(res.timed_out, 0);
	ck_assert_int_eq(out.truncated, 1);
	ck_assert_uint_eq(out.len, 15);
	bufs(sizeof obuf, 0, 16);
	ck_assert_int_eq(run(10000, e), 0);
	ck_assert(exec_ok(&res));
	ck_assert_int_eq(err.truncated, 1);
	ck_assert_int_eq(out.truncated, 0);
	ck_assert_str_eq(obuf, "done\n");
}
END_TEST

START_TEST(check_stderr_separate)
{
	const char *argv[] = { "/bin/sh", "-c",
		"echo out; echo err >&2; echo out2; echo err2 >&2; exit 1",
		NULL };

	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, argv), 0);
	ck_assert_str_eq(obuf, "out\nout2\n");
	ck_assert_str_eq(ebuf, "err\nerr2\n");
	ck_assert_uint_eq(err.len, 9);
	ck_assert_int_eq(res.code, 1);
}
END_TEST

/* line_cap: each line keeps its head and says how much was cut, so a
 * huge line cannot push the other lines out of a keep_tail buffer. */
START_TEST(check_line_cap_keeps_other_lines)
{
	const char *argv[] = { "/bin/sh", "-c", "echo first; "
		"head -c 70000 /dev/zero | tr '\\0' x; echo; echo last",
		NULL };
	char buf[256];
	struct exec_buf ob = { .data = buf, .cap = sizeof buf,
		.keep_tail = 1, .line_cap = 10 };

	ck_assert_int_eq(exec_run(argv, 5000, &ob, NULL, &res), 0);
	ck_assert(exec_ok(&res));
	ck_assert_str_eq(buf, "first\nxxxxxxxxxx [... 69990 more bytes]\n"
	    "last\n");
	ck_assert_int_eq(ob.truncated, 0);
}
END_TEST

START_TEST(check_null_and_discard)
{
	const char *argv[] = { "/bin/sh", "-c", "echo out; echo err >&2",
		NULL };
	struct exec_buf none = { .data = NULL, .cap = 0 };

	memset(&res, 0x5a, sizeof res);
	ck_assert_int_eq(exec_run(argv, 5000, NULL, NULL, &res), 0);
	ck_assert(exec_ok(&res));
	memset(&res, 0x5a, sizeof res);
	none.len = 99;
	ck_assert_int_eq(exec_run(argv, 5000, &none, NULL, &res), 0);
	ck_assert(exec_ok(&res));
	ck_assert_uint_eq(none.len, 0);
}
END_TEST

START_TEST(check_not_found)
{
	const char *bare[] = { "ansai-no-such-program", NULL };
	const char *abs[] = { "/nonexistent/ansai-prog", "x", NULL };
	char how[96];

	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, bare), 0);
	ck_assert_int_eq(res.exec_errno, ENOENT);
	ck_assert_int_eq(res.exited, 1);
	ck_assert_int_eq(res.code, 127);
	ck_assert(!exec_ok(&res));
	exec_describe(&res, how, sizeof how);
	ck_assert_str_eq(how, "not started: No such file or directory");
	ck_assert_str_eq(obuf, "");
	ck_assert_str_eq(ebuf, "");

	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, abs), 0);
	ck_assert_int_eq(res.exec_errno, ENOENT);
	ck_assert_int_eq(res.code, 127);
}
END_TEST

START_TEST(check_not_executable)
{
	const char *argv[] = { FIXTURES "/svc/README", NULL };
	char how[96];

	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, argv), 0);
	ck_assert_int_eq(res.exec_errno, EACCES);
	ck_assert_int_eq(res.code, 127);
	exec_describe(&res, how, sizeof how);
	ck_assert_str_eq(how, "not started: Permission denied");
}
END_TEST

START_TEST(check_fixed_env_stdin)
{
	const char *env[] = { "/bin/sh", "-c", "echo \"$PATH|$LC_ALL|"
		"$SYSTEMD_COLORS|${SYSTEMD_PAGER-unset}|${HOME-unset}|"
		"${ANSAI_TEST_LEAK-unset}\"", NULL };
	const char *cat[] = { "cat", NULL };

	ck_assert_int_eq(setenv("ANSAI_TEST_LEAK", "leaked", 1), 0);
	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, env), 0);
	ck_assert_str_eq(obuf, "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
	    "/usr/bin:/sbin:/bin|C|0||unset|unset\n");

	/* stdin is /dev/null: cat ends at once. */
	bufs(sizeof obuf, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, cat), 0);
	ck_assert(exec_ok(&res));
	ck_assert_int_eq(res.timed_out, 0);
	ck_assert_uint_eq(out.len, 0);
}
END_TEST

START_TEST(check_buffers_reset)
{
	const char *a[] = { "/bin/echo", "first run", NULL };
	const char *b[] = { "/bin/echo", "2nd", NULL };

	bufs(8, 0, sizeof ebuf);
	ck_assert_int_eq(run(5000, a), 0);
	ck_assert_int_eq(out.truncated, 1);
	ck_assert_int_eq(run(5000, b), 0);
	ck_assert_int_eq(out.truncated, 0);
	ck_assert_uint_eq(out.len, 4);
	ck_assert_str_eq(obuf, "2nd\n");
}
END_TEST

START_TEST(check_describe)
{
	struct exec_result r;
	char buf[96];

	memset(&r, 0, sizeof r);
	r.signo = SIGKILL;
	exec_describe(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "killed by SIGKILL");
	ck_assert(!exec_ok(&r));
	r.timed_out = 1;
	r.elapsed_ms = 5000;
	exec_describe(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "timed out after 5000 ms, killed");
	r.exec_errno = ENOENT;
	r.exited = 1;
	r.code = 127;
	exec_describe(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "not started: No such file or directory");
	memset(&r, 0, sizeof r);
	r.exited = 1;
	ck_assert(exec_ok(&r));
	r.timed_out = 1;
	ck_assert(!exec_ok(&r));
}
END_TEST

static Suite *
exec_suite(void)
{
	Suite *s = suite_create("exec");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, check_echo);
	tcase_add_test(tc, check_path_lookup);
	tcase_add_test(tc, check_exit_code);
	tcase_add_test(tc, check_killed_by_signal);
	tcase_add_test(tc, check_timeout);
	tcase_add_test(tc, check_timeout_kills_group);
	tcase_add_test(tc, check_descendant_holds_pipe);
	tcase_add_test(tc, check_setsid_descendant);
	tcase_add_test(tc, check_own_group);
	tcase_add_test(tc, check_truncated_head);
	tcase_add_test(tc, check_keep_tail);
	tcase_add_test(tc, check_exact_fit);
	tcase_add_test(tc, check_big_output_no_block);
	tcase_add_test(tc, check_stderr_separate);
	tcase_add_test(tc, check_null_and_discard);
	tcase_add_test(tc, check_line_cap_keeps_other_lines);
	tcase_add_test(tc, check_not_found);
	tcase_add_test(tc, check_not_executable);
	tcase_add_test(tc, check_fixed_env_stdin);
	tcase_add_test(tc, check_buffers_reset);
	tcase_add_test(tc, check_describe);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(exec_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
