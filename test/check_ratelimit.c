/* check_ratelimit.c - unit tests for ratelimit.c and lock.c, against
 * history files and lock files in a directory under /tmp. */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "history.h"
#include "lock.h"
#include "ratelimit.h"
#include "util.h"

#define NOW 1800000000

static char dir[64];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
setup(void)
{
	strcpy(dir, "/tmp/check_ratelimit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
add(const char *unit, const char *result, int64_t when)
{
	struct hist_entry e;

	memset(&e, 0, sizeof e);
	e.when = when;
	str_copy(e.unit, sizeof e.unit, unit);
	str_copy(e.result, sizeof e.result, result);
	str_copy(e.cause, sizeof e.cause, "exit:1");
	e.downtime_ms = -1;
	str_copy(e.strategies, sizeof e.strategies, "restart:failed");
	str_copy(e.report, sizeof e.report, "-");
	ck_assert_int_eq(history_append(dir, &e), 0);
}

START_TEST(check_empty_allows)
{
	struct rl_state st;

	ck_assert_int_eq(ratelimit_check(dir, "a.service", 5, 300, NOW, &st),
	    RL_ALLOW);
	ck_assert_uint_eq(st.heals, 0);
}
END_TEST

START_TEST(check_counts_only_acting_heals_in_window)
{
	struct rl_state st;

	add("a.service", "healed", NOW - 10);
	add("a.service", "not-healed", NOW - 20);
	add("a.service", "nothing-to-do", NOW - 5);	/* not counted */
	add("a.service", "busy", NOW - 5);		/* not counted */
	add("a.service", "healed", NOW - 400);		/* out of window */
	add("b.service", "healed", NOW - 1);		/* other unit */
	ck_assert_int_eq(ratelimit_check(dir, "a.service", 3, 300, NOW, &st),
	    RL_ALLOW);
	ck_assert_uint_eq(st.heals, 2);
	ck_assert_int_eq(st.oldest, NOW - 20);
	add("a.service", "healed", NOW - 1);
	ck_assert_int_eq(ratelimit_check(dir, "a.service", 3, 300, NOW, &st),
	    RL_ESCALATE);
	ck_assert_uint_eq(st.heals, 3);
}
END_TEST

START_TEST(check_one_escalation_per_window)
{
	struct rl_state st;
	int i;

	for (i = 0; i < 3; i++)
		add("a.service", "not-healed", NOW - 100 + i);
	ck_assert_int_eq(ratelimit_check(dir, "a.service", 3, 300, NOW, &st),
	    RL_ESCALATE);
	add("a.service", "rate-limited", NOW - 50);
	ck_assert_int_eq(ratelimit_check(dir, "a.service", 3, 300, NOW, &st),
	    RL_SUPPRESS);
	ck_assert_int_eq(st.escalated, NOW - 50);
	add("a.service", "suppressed", NOW - 40);
	ck_assert_int_eq(ratelimit_check(dir, "a.service", 3, 300, NOW, &st),
	    RL_SUPPRESS);
	/* Once the window has passed, the heals no longer count. */
	ck_assert_int_eq(ratelimit_check(dir, "a.service", 3, 300,
	    NOW + 300, &st), RL_ALLOW);
}
END_TEST

/* A clock stepped back leaves lines dated in the future: not counted,
 * or they would refuse every heal until the clock caught up. */
START_TEST(check_future_lines_ignored)
{
	struct rl_state st;

	add("a.service", "healed", NOW + 86400 * 365);
	add("a.service", "healed", NOW + 3600);
	add("a.service", "not-healed", NOW + 30);	/* within slack */
	ck_assert_int_eq(ratelimit_check(dir, "a.service", 2, 300, NOW, &st),
	    RL_ALLOW);
	ck_assert_uint_eq(st.future, 2);
	ck_assert_uint_eq(st.heals, 1);
}
END_TEST

/* Escalations in the window are counted for "one per window". */
START_TEST(check_escalations_counted)
{
	struct rl_state st;

	add("a.service", "not-healed", NOW - 200);
	add("a.service", "healed", NOW - 100);
	add("a.service", "rate-limited", NOW - 50);
	add("a.service", "suppressed", NOW - 40);
	add("a.service", "not-healed", NOW - 400);	/* out of window */
	ratelimit_check(dir, "a.service", 10, 300, NOW, &st);
	ck_assert_uint_eq(st.escalations, 2);
	ck_assert_int_eq(st.last_escalation, NOW - 50);
}
END_TEST

START_TEST(check_survives_rotation)
{
	struct rl_state st;
	char path[128], old[128];

	add("a.service", "healed", NOW - 30);
	add("a.service", "healed", NOW - 20);
	snprintf(path, sizeof path, "%s/history", dir);
	snprintf(old, sizeof old, "%s/history.1", dir);
	ck_assert_int_eq(rename(path, old), 0);
	add("a.service", "healed", NOW - 10);
	ck_assert_int_eq(ratelimit_check(dir, "a.service", 3, 300, NOW, &st),
	    RL_ESCALATE);
}
END_TEST

START_TEST(check_garbage_counted_not_fatal)
{
	struct rl_state st;
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/history", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("garbage\nv1\tnot-a-time\ta.service\thealed\n", f);
	fclose(f);
	add("a.service", "healed", NOW - 1);
	ck_assert_int_eq(ratelimit_check(dir, "a.service", 5, 300, NOW, &st),
	    RL_ALLOW);
	ck_assert_uint_eq(st.bad, 2);
	ck_assert_uint_eq(st.heals, 1);
}
END_TEST

START_TEST(check_lock_excludes_same_unit_only)
{
	char why[256];
	int fd, fd2, r;
	pid_t pid;
	int status;

	ck_assert_int_eq(lock_unit(dir, "a.service", &fd, why, sizeof why), 0);
	ck_assert_int_ge(fd, 0);
	/* flock is per open file description: a child process that opens
	 * the file again sees it busy, as a second ansai would. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		r = lock_unit(dir, "a.service", &fd2, why, sizeof why);
		_exit(r == 1 && fd2 == -1 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(lock_unit(dir, "b.service", &fd2, why, sizeof why),
	    0);
	close(fd2);
	close(fd);
	ck_assert_int_eq(lock_unit(dir, "a.service", &fd, why, sizeof why), 0);
	close(fd);
}
END_TEST

START_TEST(check_lock_escaped_name_and_bad_dir)
{
	char why[256], path[160];
	int fd;

	ck_assert_int_eq(lock_unit(dir, "foo\\x2dbar.service", &fd, why,
	    sizeof why), 0);
	close(fd);
	snprintf(path, sizeof path, "%s/locks/foo\\x2dbar.service.lock", dir);
	ck_assert_int_eq(access(path, F_OK), 0);
	snprintf(path, sizeof path, "%s/file", dir);
	close(creat(path, 0600));
	ck_assert_int_eq(lock_unit(path, "a.service", &fd, why, sizeof why),
	    -1);
	ck_assert_int_eq(fd, -1);
	ck_assert_ptr_nonnull(strstr(why, "cannot create"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, check_empty_allows);
	tcase_add_test(tc, check_counts_only_acting_heals_in_window);
	tcase_add_test(tc, check_one_escalation_per_window);
	tcase_add_test(tc, check_survives_rotation);
	tcase_add_test(tc, check_future_lines_ignored);
	tcase_add_test(tc, check_escalations_counted);
	tcase_add_test(tc, check_garbage_counted_not_fatal);
	tcase_add_test(tc, check_lock_excludes_same_unit_only);
	tcase_add_test(tc, check_lock_escaped_name_and_bad_dir);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
