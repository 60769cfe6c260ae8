/* check_history.c - unit tests for history.c, the file ones in a
 * directory under /tmp. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"
#include "util.h"

static char top[64];		/* made once, removed at the end */
static char dir[128];		/* one per test, under top */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
top_make(void)
{
	strcpy(top, "/tmp/check_history.XXXXXX");
	if (mkdtemp(top) == NULL)
		abort();
}

static void
top_remove(void)
{
	nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
dir_make(void)
{
	snprintf(dir, sizeof dir, "%s/t.XXXXXX", top);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
entry(struct hist_entry *e, int64_t when, const char *unit, long down)
{
	memset(e, 0, sizeof *e);
	e->when = when;
	strcpy(e->unit, unit);
	strcpy(e->result, "healed");
	strcpy(e->cause, "exit:3");
	e->downtime_ms = down;
	strcpy(e->strategies, "restart:ok,port:skipped");
	strcpy(e->report, "/var/lib/ansai/reports/1-x-1.txt");
}

/* What history_each hands back, collected. */
struct seen {
	unsigned n;
	int64_t when[8];
	char unit[8][UNIT_NAME_MAX];
};

static void
collect(const struct hist_entry *e, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->when[s->n] = e->when;
		strcpy(s->unit[s->n], e->unit);
	}
	s->n++;
}

static void
count(const struct hist_entry *e, void *arg)
{
	(void)e;
	(*(unsigned *)arg)++;
}

static void
write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fd_write_all(fd, text, len), 0);
	close(fd);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	return st.st_size;
}

START_TEST(check_format)
{
	struct hist_entry e;
	char buf[HISTORY_LINE_MAX];

	entry(&e, 1764862951, "my-app.service", 2500);
	ck_assert_int_eq(history_format(&e, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "v1\t1764862951\tmy-app.service\thealed\t"
	    "exit:3\t2500\trestart:ok,port:skipped\t"
	    "/var/lib/ansai/reports/1-x-1.txt\n");

	e.downtime_ms = -1;
	strcpy(e.report, "-");
	ck_assert_int_eq(history_format(&e, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "v1\t1764862951\tmy-app.service\thealed\t"
	    "exit:3\t-1\trestart:ok,port:skipped\t-\n");
}
END_TEST

START_TEST(check_format_refuses)
{
	struct hist_entry e;
	char buf[HISTORY_LINE_MAX];

	entry(&e, 1, "a.service", 1);
	strcpy(e.cause, "exit\t3");
	errno = 0;
	ck_assert_int_eq(history_format(&e, buf, sizeof buf), -1);
	ck_assert_int_eq(errno, EINVAL);

	entry(&e, 1, "a.service", 1);
	strcpy(e.report, "/x\n/y");
	ck_assert_int_eq(history_format(&e, buf, sizeof buf), -1);
	entry(&e, 1, "a.service", 1);
	strcpy(e.strategies, "restart:ok\r");
	ck_assert_int_eq(history_format(&e, buf, sizeof buf), -1);
	entry(&e, 1, "a.service", 1);
	e.result[0] = '\0';
	errno = 0;
	ck_assert_int_eq(history_format(&e, buf, sizeof buf), -1);
	ck_assert_int_eq(errno, EINVAL);

	/* Does not fit: the line is 90 bytes. */
	entry(&e, 1, "a.service", 1);
	errno = 0;
	ck_assert_int_eq(history_format(&e, buf, 40), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

START_TEST(check_parse_roundtrip)
{
	struct hist_entry e, f;
	char buf[HISTORY_LINE_MAX];

	entry(&e, 1764862951, "getty@tty1.service", 0);
	ck_assert_int_eq(history_format(&e, buf, sizeof buf), 0);
	ck_assert_int_eq(history_parse(buf, &f), 0);
	ck_assert(f.when == 1764862951);
	ck_assert_str_eq(f.unit, "getty@tty1.service");
	ck_assert_str_eq(f.result, "healed");
	ck_assert_str_eq(f.cause, "exit:3");
	ck_assert_int_eq(f.downtime_ms, 0);
	ck_assert_str_eq(f.strategies, "restart:ok,port:skipped");
	ck_assert_str_eq(f.report, "/var/lib/ansai/reports/1-x-1.txt");

	/* Without its newline too; -1 is "unknown". */
	ck_assert_int_eq(history_parse("v1\t5\ta.service\tnot-healed\t"
	    "oom-kill\t-1\trestart:failed\t-", &f), 0);
	ck_assert(f.when == 5);
	ck_assert_int_eq(f.downtime_ms, -1);
	ck_assert_str_eq(f.report, "-");

	/* The longest values each field takes. */
	ck_assert_int_eq(history_parse("v1\t9223372036854775807\ta.service\t"
	    "abcdefghijklmnopqrstuvw\tx\t2147483647\ty\tz\n", &f), 0);
	ck_assert(f.when == INT64_MAX);
	ck_assert_str_eq(f.result, "abcdefghijklmnopqrstuvw");
	ck_assert_int_eq(f.downtime_ms, 2147483647L);
}
END_TEST

START_TEST(check_parse_rejects)
{
	static const char *const bad[] = {
		"",
		"\n",
		"hello world\n",
		"v2\t5\ta.service\thealed\tx\t1\ty\tz\n",
		"v1 5 a.service healed x 1 y z\n",
		"v1\t5\ta.service\thealed\tx\t1\ty\n",
		"v1\t5\ta.service\thealed\tx\t1\ty\tz\textra\n",
		"v1\t5\ta.service\t\tx\t1\ty\tz\n",
		"v1\t-5\ta.service\thealed\tx\t1\ty\tz\n",
		"v1\tnow\ta.service\thealed\tx\t1\ty\tz\n",
		"v1\t9223372036854775808\ta.service\thealed\tx\t1\ty\tz\n",
		"v1\t5\ta.service\thealed\tx\t-2\ty\tz\n",
		"v1\t5\ta.service\thealed\tx\t1.5\ty\tz\n",
		"v1\t5\ta.service\tabcdefghijklmnopqrstuvwx\tx\t1\ty\tz\n",
		"v10\t5\ta.service\thealed\tx\t1\ty\tz\n",
	};
	struct hist_entry e;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(history_parse(bad[i], &e) == -1,
		    "accepted bad line %zu", i);
}
END_TEST

/* A unit down for 25 days (a manual `ansai heal` long after the
 * failure) must still give a line that reads back: the downtime is
 * written capped at 2^31-1 ms, which fits a 32-bit long. */
START_TEST(check_parse_long_downtime)
{
	struct hist_entry e, f;
	char buf[HISTORY_LINE_MAX];

	entry(&e, 1764862951, "a.service", 2160000000L);
	ck_assert_int_eq(history_format(&e, buf, sizeof buf), 0);
	ck_assert_int_eq(history_parse(buf, &f), 0);
	ck_assert_int_eq(f.downtime_ms, 0x7fffffffL);
}
END_TEST

START_TEST(check_append_each)
{
	struct hist_entry e;
	struct seen s;
	char path[200];
	struct stat st;
	unsigned bad = 7;

	dir_make();
	entry(&e, 100, "a.service", 1);
	ck_assert_int_eq(history_append(dir, &e), 0);
	entry(&e, 200, "b.service", 2);
	ck_assert_int_eq(history_append(dir, &e), 0);
	entry(&e, 300, "a.service", -1);
	ck_assert_int_eq(history_append(dir, &e), 0);

	snprintf(path, sizeof path, "%s/history", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);

	memset(&s, 0, sizeof s);
	ck_assert_int_eq(history_each(dir, NULL, collect, &s, &bad), 0);
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert(s.when[0] == 100 && s.when[1] == 200 && s.when[2] == 300);
	ck_assert_str_eq(s.unit[1], "b.service");

	memset(&s, 0, sizeof s);
	ck_assert_int_eq(history_each(dir, "a.service", collect, &s, &bad),
	    0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert(s.when[0] == 100 && s.when[1] == 300);

	memset(&s, 0, sizeof s);
	ck_assert_int_eq(history_each(dir, "c.service", collect, &s, &bad),
	    0);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

START_TEST(check_missing_history)
{
	unsigned n = 0, bad = 7;
	char path[200];

	dir_make();
	ck_assert_int_eq(history_each(dir, NULL, count, &n, &bad), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(bad, 0);
	snprintf(path, sizeof path, "%s/nonexistent", dir);
	ck_assert_int_eq(history_each(path, NULL, count, &n, &bad), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(check_bad_lines)
{
	char text[4096], path[200], line[HISTORY_LINE_MAX];
	struct hist_entry e;
	struct seen s;
	unsigned bad = 0;
	size_t len;

	dir_make();
	text[0] = '\0';
	entry(&e, 1, "a.service", 1);
	ck_assert_int_eq(history_format(&e, line, sizeof line), 0);
	str_append(text, sizeof text, "%s", line);
	str_append(text, sizeof text, "garbage\n\n");
	/* A line too long for the reader is one bad line, skipped whole:
	 * its tail, a valid line after one buffer's worth (1025 bytes),
	 * must not be read as an entry. */
	len = strlen(text);
	memset(text + len, 'x', HISTORY_LINE_MAX + 1);
	text[len + HISTORY_LINE_MAX + 1] = '\0';
	str_append(text, sizeof text, "v1\t9\te.service\thealed\tx\t1\t"
	    "y\tz\n");
	str_append(text, sizeof text, "v2\t1\ta\tb\tc\t1\td\te\n");
	entry(&e, 2, "b.service", 2);
	ck_assert_int_eq(history_format(&e, line, sizeof line), 0);
	str_append(text, sizeof text, "%s", line);
	/* A cut last line, as a crash mid-write would leave. */
	str_append(text, sizeof text, "v1\t3\tc.serv");
	snprintf(path, sizeof path, "%s/history", dir);
	write_file(path, text, strlen(text));

	memset(&s, 0, sizeof s);
	ck_assert_int_eq(history_each(dir, NULL, collect, &s, &bad), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert(s.when[0] == 1 && s.when[1] == 2);
	/* garbage, the empty line, the long one, v2, the cut one. */
	ck_assert_uint_eq(bad, 5);
}
END_TEST

/* Fill path with valid lines of unit until it holds exactly size
 * bytes (the last line padded in its report field). */
static unsigned
fill(const char *path, const char *unit, int64_t when0, size_t size)
{
	static char text[HISTORY_ROTATE_BYTES + 2048];
	struct hist_entry e;
	char line[HISTORY_LINE_MAX];
	size_t len = 0;
	unsigned n = 0;

	ck_assert_uint_le(size, sizeof text - 1);
	for (;;) {
		entry(&e, when0 + n, unit, n);
		ck_assert_int_eq(history_format(&e, line, sizeof line), 0);
		if (len + 2 * strlen(line) > size)
			break;
		memcpy(text + len, line, strlen(line));
		len += strlen(line);
		n++;
	}
	/* One last line of exactly the bytes left. */
	entry(&e, when0 + n, unit, n);
	ck_assert_int_eq(history_format(&e, line, sizeof line), 0);
	memset(e.report, 'r', size - len - strlen(line) +
	    strlen(e.report));
	e.report[size - len - strlen(line) + strlen(e.report)] = '\0';
	ck_assert_int_eq(history_format(&e, line, sizeof line), 0);
	ck_assert_uint_eq(len + strlen(line), size);
	memcpy(text + len, line, strlen(line));
	len += strlen(line);
	n++;
	write_file(path, text, len);
	return n;
}

START_TEST(check_rotation)
{
	char path[200], old[200];
	struct hist_entry e;
	struct seen s;
	unsigned n1, n2, total = 0, bad = 9;
	off_t before;

	dir_make();
	snprintf(path, sizeof path, "%s/history", dir);
	snprintf(old, sizeof old, "%s/history.1", dir);

	/* One byte short of the limit: no rotation. */
	n1 = fill(path, "a.service", 1000, HISTORY_ROTATE_BYTES - 1);
	ck_assert_int_eq(file_size(path), HISTORY_ROTATE_BYTES - 1);
	entry(&e, 5000, "x.service", 1);
	ck_assert_int_eq(history_append(dir, &e), 0);
	ck_assert_int_eq(file_size(old), -1);
	before = file_size(path);
	ck_assert_int_gt(before, HISTORY_ROTATE_BYTES);

	/* Now past it: history becomes history.1. */
	entry(&e, 6000, "y.service", 1);
	ck_assert_int_eq(history_append(dir, &e), 0);
	ck_assert_int_eq(file_size(old), before);
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(history_each(dir, "y.service", collect, &s, &bad),
	    0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(bad, 0);
	ck_assert_int_eq(history_each(dir, NULL, count, &total, &bad), 0);
	ck_assert_uint_eq(total, n1 + 2);
	/* Oldest first: history.1's first line, history's last. */
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(history_each(dir, "a.service", collect, &s, &bad),
	    0);
	ck_assert(s.when[0] == 1000);

	/* Exactly at the limit, a second rotation drops the first
	 * history.1. */
	n2 = fill(path, "b.service", 2000, HISTORY_ROTATE_BYTES);
	entry(&e, 7000, "z.service", 1);
	ck_assert_int_eq(history_append(dir, &e), 0);
	ck_assert_int_eq(file_size(old), HISTORY_ROTATE_BYTES);
	total = 0;
	ck_assert_int_eq(history_each(dir, NULL, count, &total, &bad), 0);
	ck_assert_uint_eq(total, n2 + 1);
	ck_assert_uint_eq(bad, 0);
	total = 0;
	ck_assert_int_eq(history_each(dir, "a.service", count, &total,
	    &bad), 0);
	ck_assert_uint_eq(total, 0);
	/* The lock file is all else that is left. */
	snprintf(path, sizeof path, "%s/history.lock", dir);
	ck_assert_int_ge(file_size(path), 0);
}
END_TEST

START_TEST(check_append_refuses)
{
	struct hist_entry e;
	char path[200], target[200], big[400];
	unsigned n = 0, bad = 0;

	dir_make();
	snprintf(path, sizeof path, "%s/history", dir);

	/* A bad entry writes nothing. */
	entry(&e, 1, "a.service", 1);
	strcpy(e.unit, "a\tb");
	errno = 0;
	ck_assert_int_eq(history_append(dir, &e), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(file_size(path), -1);

	/* history is never followed through a symlink. */
	snprintf(target, sizeof target, "%s/elsewhere", dir);
	ck_assert_int_eq(symlink(target, path), 0);
	entry(&e, 1, "a.service", 1);
	errno = 0;
	ck_assert_int_eq(history_append(dir, &e), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_int_eq(file_size(target), -1);

	/* A directory name too long for the path. */
	memset(big, 'd', sizeof big - 1);
	big[0] = '/';
	big[sizeof big - 1] = '\0';
	errno = 0;
	ck_assert_int_eq(history_append(big, &e), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	errno = 0;
	ck_assert_int_eq(history_each(big, NULL, count, &n, &bad), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

/* history.h: "-1/errno when history exists but cannot be read". */
START_TEST(check_each_unreadable)
{
	char path[200];
	unsigned n = 0, bad = 0;

	dir_make();
	snprintf(path, sizeof path, "%s/history", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(history_each(dir, NULL, count, &n, &bad), -1);
}
END_TEST

static Suite *
history_suite(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, top_make, top_remove);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, check_format);
	tcase_add_test(tc, check_format_refuses);
	tcase_add_test(tc, check_parse_roundtrip);
	tcase_add_test(tc, check_parse_rejects);
	tcase_add_test(tc, check_parse_long_downtime);
	tcase_add_test(tc, check_append_each);
	tcase_add_test(tc, check_missing_history);
	tcase_add_test(tc, check_bad_lines);
	tcase_add_test(tc, check_rotation);
	tcase_add_test(tc, check_append_refuses);
	tcase_add_test(tc, check_each_unreadable);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(history_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
