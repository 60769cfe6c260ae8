/*
 * check_spool.c - unit tests for spool.c, in directories under /tmp:
 * put, due, mark, done; back-off; dead entries; bounds and the order
 * of eviction; tidying after crashes; corrupt files; and writers
 * killed with SIGKILL at random points, after which the spool must
 * hold the complete old state or the complete new one.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "json.h"
#include "spool.h"
#include "util.h"

#define T0	1796398951	/* 2026-12-04T15:42:31Z */

static char top[64];		/* made once, removed at the end */
static char state[128];		/* one per test, under top */
static struct spool sp;

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
	strcpy(top, "/tmp/check_spool.XXXXXX");
	if (mkdtemp(top) == NULL)
		abort();
}

static void
top_remove(void)
{
	nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
fresh(void)
{
	snprintf(state, sizeof state, "%s/s.XXXXXX", top);
	ck_assert_ptr_nonnull(mkdtemp(state));
	ck_assert_int_eq(spool_init(&sp, state), 0);
}

/* Alert i: a heal, or an escalation when esc. */
static void
make(struct alert *a, unsigned i, int esc)
{
	memset(a, 0, sizeof *a);
	alert_new_id(a->id, sizeof a->id, T0 + i);
	a->time = T0 + i;
	snprintf(a->unit, sizeof a->unit, "u%u.service", i);
	str_copy(a->host, sizeof a->host, "box");
	str_copy(a->result, sizeof a->result, esc ? "not-healed" : "healed");
	a->escalated = esc;
	str_copy(a->cause, sizeof a->cause, "killed by signal SIGKILL");
	str_copy(a->summary, sizeof a->summary, "a \"quoted\" summary\\");
	a->heal_ms = esc ? -1 : 412;
	a->nstrats = 1;
	str_copy(a->strats[0].name, sizeof a->strats[0].name, "restart");
	str_copy(a->strats[0].outcome, sizeof a->strats[0].outcome,
	    esc ? "failed" : "ok");
	a->strats[0].ms = 380;
	str_copy(a->why, sizeof a->why, "line one\nline two \xe2\x82\xac");
	str_copy(a->analysis_source, sizeof a->analysis_source, "built-in");
	a->nsteps = 1;
	snprintf(a->steps[0], sizeof a->steps[0], "systemctl status %s",
	    a->unit);
	alert_clean(a);
}

/* The same data: their webhook documents are byte for byte equal. */
static void
same_alert(const struct alert *x, const struct alert *y)
{
	static char bx[ALERT_JSON_MAX], by[ALERT_JSON_MAX];

	ck_assert_int_eq(alert_json_webhook(x, bx, sizeof bx, NULL), 0);
	ck_assert_int_eq(alert_json_webhook(y, by, sizeof by, NULL), 0);
	ck_assert_str_eq(bx, by);
}

/* What spool_each saw. */
#define SEEN_MAX 64
struct seen {
	unsigned n;
	struct spool_entry e[SEEN_MAX];
};

static struct seen seen;

static void
collect(const struct spool *s, struct spool_entry *e, void *arg)
{
	struct seen *x = arg;

	(void)s;
	if (x->n < SEEN_MAX)
		x->e[x->n] = *e;
	x->n++;
}

static unsigned
each(void)
{
	memset(&seen, 0, sizeof seen);
	ck_assert_int_ge(spool_each(&sp, collect, &seen), 0);
	return seen.n;
}

/* The entry of alert id for channel, or NULL. */
static const struct spool_entry *
find(const char *id, const char *channel)
{
	unsigned i;

	for (i = 0; i < seen.n && i < SEEN_MAX; i++)
		if (strcmp(seen.e[i].alert.id, id) == 0 &&
		    strcmp(seen.e[i].channel, channel) == 0)
			return &seen.e[i];
	return NULL;
}

static int
exists(const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", sp.dir, name);
	return lstat(path, &st) == 0;
}

static void
file_name(char *buf, size_t n, const struct alert *a, const char *channel,
    const char *st)
{
	snprintf(buf, n, "%s.%s.%s.%s", a->id, a->escalated ? "esc" : "info",
	    channel, st);
}

/* Files in the spool directory, dot files included (with tmp, only
 * the temporary ones). */
static unsigned
count_files(int tmp)
{
	char cmd[600];
	FILE *p;
	unsigned n = 0;
	int c;

	snprintf(cmd, sizeof cmd, "ls -A '%s' 2>/dev/null%s", sp.dir,
	    tmp ? " | grep '^\\.tmp-'" : "");
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while ((c = getc(p)) != EOF)
		n += c == '\n';
	pclose(p);
	return n;
}

static unsigned
files(void)
{
	return count_files(0);
}

static void
write_file(const char *name, const char *data, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof path, "%s/%s", sp.dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fd_write_all(fd, data, len), 0);
	close(fd);
}

static size_t
read_file(const char *name, char *buf, size_t cap)
{
	char path[512];
	ssize_t n;

	snprintf(path, sizeof path, "%s/%s", sp.dir, name);
	n = file_read(path, buf, cap);
	ck_assert_int_ge(n, 0);
	return (size_t)n;
}

/* ---- put, each ---- */

START_TEST(put_and_each)
{
	static struct alert a;
	struct stat st;
	char name[SPOOL_NAME_MAX], path[512];
	const struct spool_entry *e;

	fresh();
	make(&a, 1, 0);
	ck_assert_int_eq(each(), 0);	/* no spool yet: empty */
	ck_assert_int_eq(spool_put(&sp, &a, "slack", "HTTP 503 Service "
	    "Unavailable", 0, -1, T0), 0);
	ck_assert_int_eq(stat(sp.dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	file_name(name, sizeof name, &a, "slack", "pending");
	snprintf(path, sizeof path, "%s/%s", sp.dir, name);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_uint_eq(files(), 1);
	ck_assert_uint_eq(each(), 1);
	e = find(a.id, "slack");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->name, name);
	ck_assert_int_eq(e->state, SPOOL_PENDING);
	ck_assert_uint_eq(e->attempts, 1);
	ck_assert_int_eq(e->created, T0);
	ck_assert_int_eq(e->last_try, T0);
	ck_assert_int_ge(e->next_try, T0 + 54);
	ck_assert_int_le(e->next_try, T0 + 60);
	ck_assert_str_eq(e->last_error, "HTTP 503 Service Unavailable");
	same_alert(&e->alert, &a);
}
END_TEST

/* One file per (alert, channel): each with its own fate. */
START_TEST(put_two_channels)
{
	static struct alert a;

	fresh();
	make(&a, 1, 1);
	ck_assert_int_eq(spool_put(&sp, &a, "slack", "timeout", 0, -1, T0),
	    0);
	ck_assert_int_eq(spool_put(&sp, &a, "webhook", "HTTP 404", 1, -1, T0),
	    0);
	ck_assert_uint_eq(each(), 2);
	ck_assert_int_eq(find(a.id, "slack")->state, SPOOL_PENDING);
	ck_assert_int_eq(find(a.id, "webhook")->state, SPOOL_DEAD);
	ck_assert_str_eq(find(a.id, "webhook")->last_error, "HTTP 404");
	same_alert(&find(a.id, "webhook")->alert, &a);
}
END_TEST

START_TEST(put_refuses)
{
	static struct alert a;

	fresh();
	make(&a, 1, 0);
	ck_assert_int_eq(spool_put(&sp, &a, "Slack", "x", 0, -1, T0), -1);
	ck_assert_int_eq(spool_put(&sp, &a, "a.b", "x", 0, -1, T0), -1);
	ck_assert_int_eq(spool_put(&sp, &a, "", "x", 0, -1, T0), -1);
	ck_assert_int_eq(spool_put(&sp, &a, "abcdefghijklmnop", "x", 0, -1,
	    T0), -1);
	str_copy(a.id, sizeof a.id, "../../etc/x");
	ck_assert_int_eq(spool_put(&sp, &a, "slack", "x", 0, -1, T0), -1);
	a.id[0] = '\0';
	ck_assert_int_eq(spool_put(&sp, &a, "slack", "x", 0, -1, T0), -1);
	ck_assert_uint_eq(files(), 0);
}
END_TEST

/* ---- due, done, mark ---- */

struct act {
	int what;	/* 0 nothing, 1 done, 2 fail, 3 fail for good */
	int64_t now;
	int64_t wait;
	unsigned calls;
	int sending_seen;	/* the claimed file was on disk */
	char err[64];
};

static void
act(const struct spool *s, struct spool_entry *e, void *arg)
{
	struct act *x = arg;

	x->calls++;
	x->sending_seen = e->state == SPOOL_SENDING && exists(e->name) &&
	    strstr(e->name, ".sending-") != NULL;
	if (x->what == 1)
		ck_assert_int_eq(spool_done(s, e), 0);
	else if (x->what >= 2)
		ck_assert_int_eq(spool_mark(s, e, x->err, x->what == 3,
		    x->wait, x->now), 0);
}

START_TEST(due_and_done)
{
	static struct alert a;
	struct act x = { 1, 0, -1, 0, 0, "" };

	fresh();
	make(&a, 1, 0);
	ck_assert_int_eq(spool_put(&sp, &a, "slack", "503", 0, -1, T0), 0);
	ck_assert_int_eq(spool_due(&sp, T0 + 10, act, &x), 0);
	ck_assert_uint_eq(x.calls, 0);
	ck_assert_int_eq(spool_due(&sp, T0 + 61, act, &x), 1);
	ck_assert_uint_eq(x.calls, 1);
	ck_assert_int_eq(x.sending_seen, 1);
	ck_assert_uint_eq(files(), 0);
	ck_assert_uint_eq(each(), 0);
}
END_TEST

/* Each failure doubles the wait, up to an hour, less jitter. */
START_TEST(mark_backs_off)
{
	static struct alert a;
	struct act x = { 2, 0, -1, 0, 0, "HTTP 502" };
	int64_t now = T0, lo, hi, d = 60;
	unsigned k;

	fresh();
	make(&a, 1, 0);
	ck_assert_int_eq(spool_put(&sp, &a, "webhook", "503", 0, -1, now),
	    0);
	for (k = 2; k <= 10; k++) {
		ck_assert_uint_eq(each(), 1);
		now = seen.e[0].next_try;
		x.now = now;
		ck_assert_int_eq(spool_due(&sp, now, act, &x), 1);
		d = d * 2 > 3600 ? 3600 : d * 2;
		ck_assert_uint_eq(each(), 1);
		ck_assert_uint_eq(seen.e[0].attempts, k);
		ck_assert_str_eq(seen.e[0].last_error, "HTTP 502");
		ck_assert_int_eq(seen.e[0].last_try, now);
		ck_assert_int_eq(seen.e[0].created, T0);
		lo = now + d - d / 10;
		hi = now + d;
		ck_assert_int_ge(seen.e[0].next_try, lo);
		ck_assert_int_le(seen.e[0].next_try, hi);
		ck_assert_int_eq(seen.e[0].state, SPOOL_PENDING);
		same_alert(&seen.e[0].alert, &a);
	}
	ck_assert_uint_eq(files(), 1);
}
END_TEST

START_TEST(backoff_values)
{
	static const int64_t d[] = { 60, 60, 120, 240, 480, 960, 1920, 3600,
		3600 };
	int64_t v, lo = 1 << 30, hi = 0;
	unsigned k, i;

	for (k = 0; k < ARRAY_LEN(d); k++) {
		for (i = 0; i < 200; i++) {
			v = spool_backoff(k);
			ck_assert_int_le(v, d[k]);
			ck_assert_int_ge(v, d[k] - d[k] / 10);
		}
	}
	for (i = 0; i < 200; i++) {
		v = spool_backoff(1000000);
		ck_assert_int_le(v, 3600);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	ck_assert_int_lt(lo, hi);	/* there is jitter */
	ck_assert_int_ge(lo, 3240);
}
END_TEST

/* A server's Retry-After longer than the back-off wins, up to a day. */
START_TEST(mark_wait)
{
	static struct alert a;
	struct act x = { 2, T0 + 100, 7200, 0, 0, "HTTP 429" };

	fresh();
	make(&a, 1, 0);
	ck_assert_int_eq(spool_put(&sp, &a, "slack", "429", 0, 600, T0), 0);
	ck_assert_uint_eq(each(), 1);
	ck_assert_int_eq(seen.e[0].next_try, T0 + 600);
	ck_assert_int_eq(spool_due(&sp, T0 + 599, act, &x), 0);
	ck_assert_int_eq(spool_due(&sp, T0 + 600, act, &x), 1);
	ck_assert_uint_eq(each(), 1);
	ck_assert_int_eq(seen.e[0].next_try, T0 + 100 + 7200);
	x.wait = 1000000000;
	ck_assert_int_eq(spool_due(&sp, T0 + 7300, act, &x), 1);
	ck_assert_uint_eq(each(), 1);
	ck_assert_int_eq(seen.e[0].next_try, T0 + 100 + 86400);
	x.wait = 5;	/* shorter than the back-off: the back-off */
	ck_assert_int_eq(spool_due(&sp, T0 + 86500, act, &x), 1);
	ck_assert_uint_eq(each(), 1);
	ck_assert_int_ge(seen.e[0].next_try, T0 + 100 + 432);
}
END_TEST

/* Dead: kept with its reason, never handed out again. */
START_TEST(dead_kept)
{
	static struct alert a, b;
	struct act x = { 3, T0 + 100, -1, 0, 0, "Slack: invalid_payload" };
	struct spool_stats st;
	char name[SPOOL_NAME_MAX];

	fresh();
	make(&a, 1, 0);
	make(&b, 2, 1);
	ck_assert_int_eq(spool_put(&sp, &a, "mail", "550 no such user", 1,
	    -1, T0), 0);
	ck_assert_int_eq(spool_put(&sp, &b, "slack", "timeout", 0, -1, T0),
	    0);
	ck_assert_int_eq(spool_due(&sp, T0 + 100, act, &x), 1);
	ck_assert_uint_eq(x.calls, 1);
	ck_assert_int_eq(spool_due(&sp, T0 + 100000, act, &x), 0);
	ck_assert_uint_eq(each(), 2);
	ck_assert_int_eq(find(a.id, "mail")->state, SPOOL_DEAD);
	ck_assert_str_eq(find(a.id, "mail")->last_error, "550 no such user");
	ck_assert_int_eq(find(b.id, "slack")->state, SPOOL_DEAD);
	ck_assert_uint_eq(find(b.id, "slack")->attempts, 2);
	ck_assert_str_eq(find(b.id, "slack")->last_error,
	    "Slack: invalid_payload");
	file_name(name, sizeof name, &b, "slack", "dead");
	ck_assert(exists(name));
	ck_assert_uint_eq(files(), 2);
	ck_assert_int_eq(spool_stats(&sp, &st), 0);
	ck_assert_uint_eq(st.dead, 2);
	ck_assert_uint_eq(st.pending, 0);
	ck_assert_int_eq(st.next_try, 0);
}
END_TEST

/* A callback that neither confirms nor fails leaves it as it was. */
START_TEST(due_neither)
{
	static struct alert a;
	struct act x = { 0, 0, -1, 0, 0, "" };
	char name[SPOOL_NAME_MAX];

	fresh();
	make(&a, 1, 0);
	ck_assert_int_eq(spool_put(&sp, &a, "slack", "x", 0, -1, T0), 0);
	ck_assert_int_eq(spool_due(&sp, T0 + 100, act, &x), 1);
	file_name(name, sizeof name, &a, "slack", "pending");
	ck_assert(exists(name));
	ck_assert_uint_eq(files(), 1);
	ck_assert_uint_eq(each(), 1);
	ck_assert_uint_eq(seen.e[0].attempts, 1);
}
END_TEST

static void
nested(const struct spool *s, struct spool_entry *e, void *arg)
{
	int *r = arg;

	*r = spool_put(s, &e->alert, "webhook", "x", 0, -1, T0);
}

START_TEST(nested_refused)
{
	static struct alert a;
	int r = 0;

	fresh();
	make(&a, 1, 0);
	ck_assert_int_eq(spool_put(&sp, &a, "slack", "x", 0, -1, T0), 0);
	ck_assert_int_eq(spool_each(&sp, nested, &r), 1);
	ck_assert_int_eq(r, -1);
	ck_assert_uint_eq(each(), 1);
}
END_TEST

/* ---- bounds ---- */

static int
has_id(const struct alert *a)
{
	unsigned i;

	for (i = 0; i < seen.n && i < SEEN_MAX; i++)
		if (strcmp(seen.e[i].alert.id, a->id) == 0)
			return 1;
	return 0;
}

/* Heal alerts go first, oldest first; escalations last; a new heal
 * alert never pushes out an escalation. */
START_TEST(bound_files)
{
	static struct alert a[12];
	unsigned i;

	fresh();
	sp.max_files = 5;
	for (i = 0; i < 12; i++)
		make(&a[i], i, i >= 5 && i != 10);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(spool_put(&sp, &a[i], "slack", "x", 0, -1,
		    T0), 0);
	ck_assert_uint_eq(each(), 5);
	/* Escalation 5 pushes out heal 0, 6 heal 1, ... */
	for (i = 5; i < 10; i++) {
		ck_assert_int_eq(spool_put(&sp, &a[i], "slack", "x", 0, -1,
		    T0), 0);
		ck_assert_uint_eq(each(), 5);
		ck_assert(!has_id(&a[i - 5]));
		ck_assert(has_id(&a[i]));
	}
	/* Full of escalations: a new heal alert is dropped itself. */
	ck_assert_int_eq(spool_put(&sp, &a[10], "slack", "x", 0, -1, T0), 1);
	ck_assert_uint_eq(each(), 5);
	ck_assert(!has_id(&a[10]));
	/* A new escalation pushes out the oldest escalation. */
	ck_assert_int_eq(spool_put(&sp, &a[11], "slack", "x", 0, -1, T0), 0);
	ck_assert_uint_eq(each(), 5);
	ck_assert(!has_id(&a[5]));
	ck_assert(has_id(&a[6]) && has_id(&a[11]));
	ck_assert_uint_eq(files(), 5);
}
END_TEST

/* corrupt, dead heal, pending heal, dead escalation, pending
 * escalation: in that order, and never one being sent. */
START_TEST(eviction_order)
{
	static struct alert a[10];
	static char raw[SPOOL_FILE_MAX];
	char name[SPOOL_NAME_MAX], bad[SPOOL_NAME_MAX];
	unsigned i;

	fresh();
	for (i = 0; i < 10; i++)
		make(&a[i], i, i == 2 || i == 3 || i >= 5);
	/* 0 pending heal, 1 dead heal, 2 pending esc, 3 dead esc */
	ck_assert_int_eq(spool_put(&sp, &a[0], "slack", "x", 0, -1, T0), 0);
	ck_assert_int_eq(spool_put(&sp, &a[1], "slack", "x", 1, -1, T0), 0);
	ck_assert_int_eq(spool_put(&sp, &a[2], "slack", "x", 0, -1, T0), 0);
	ck_assert_int_eq(spool_put(&sp, &a[3], "slack", "x", 1, -1, T0), 0);
	/* 4: a file being sent by a live process (pid 1): untouchable */
	ck_assert_int_eq(spool_put(&sp, &a[4], "slack", "x", 0, -1, T0), 0);
	file_name(name, sizeof name, &a[4], "slack", "pending");
	read_file(name, raw, sizeof raw);
	file_name(bad, sizeof bad, &a[4], "slack", "sending-1");
	{
		char p1[512], p2[512];

		snprintf(p1, sizeof p1, "%s/%s", sp.dir, name);
		snprintf(p2, sizeof p2, "%s/%s", sp.dir, bad);
		ck_assert_int_eq(rename(p1, p2), 0);
	}
	/* a corrupt one */
	write_file("20000101T000000Z-0.info.slack.pending.corrupt", "{", 1);
	sp.max_files = 6;
	ck_assert_uint_eq(files(), 6);
	ck_assert_int_eq(spool_put(&sp, &a[5], "slack", "x", 0, -1, T0), 0);
	ck_assert(!exists("20000101T000000Z-0.info.slack.pending.corrupt"));
	ck_assert_uint_eq(each(), 6);
	ck_assert_int_eq(spool_put(&sp, &a[6], "slack", "x", 0, -1, T0), 0);
	ck_assert_uint_eq(each(), 6);
	ck_assert(!has_id(&a[1]) && has_id(&a[0]));
	ck_assert_int_eq(spool_put(&sp, &a[7], "slack", "x", 0, -1, T0), 0);
	ck_assert_uint_eq(each(), 6);
	ck_assert(!has_id(&a[0]) && has_id(&a[3]));
	ck_assert_int_eq(spool_put(&sp, &a[8], "slack", "x", 0, -1, T0), 0);
	ck_assert_uint_eq(each(), 6);
	ck_assert(!has_id(&a[3]) && has_id(&a[2]));
	ck_assert_int_eq(spool_put(&sp, &a[9], "slack", "x", 0, -1, T0), 0);
	ck_assert_uint_eq(each(), 6);
	ck_assert(!has_id(&a[2]) && has_id(&a[5]));
	ck_assert(exists(bad));
	ck_assert_uint_eq(files(), 6);
}
END_TEST

START_TEST(bound_bytes)
{
	static struct alert a[5];
	char name[SPOOL_NAME_MAX], path[512];
	struct stat st;
	unsigned i;

	fresh();
	for (i = 0; i < 5; i++)
		make(&a[i], i, 0);
	ck_assert_int_eq(spool_put(&sp, &a[0], "slack", "x", 0, -1, T0), 0);
	file_name(name, sizeof name, &a[0], "slack", "pending");
	snprintf(path, sizeof path, "%s/%s", sp.dir, name);
	ck_assert_int_eq(stat(path, &st), 0);
	/* Room for three files and a bit. */
	sp.max_bytes = (uint64_t)st.st_size * 3 + 10;
	for (i = 1; i < 5; i++)
		ck_assert_int_eq(spool_put(&sp, &a[i], "slack", "x", 0, -1,
		    T0), 0);
	ck_assert_uint_eq(each(), 3);
	ck_assert(!has_id(&a[0]) && !has_id(&a[1]) && has_id(&a[2]) &&
	    has_id(&a[4]));
	/* A file larger than the whole bound is dropped, nothing else. */
	sp.max_bytes = 100;
	ck_assert_int_eq(spool_put(&sp, &a[0], "slack", "x", 0, -1, T0), 1);
	ck_assert_uint_eq(files(), 3);
}
END_TEST

/* ---- tidying and corrupt files ---- */

static pid_t
dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	ck_assert_int_gt(p, 0);
	ck_assert_int_eq(waitpid(p, NULL, 0), p);
	return p;
}

static void
rename_to(const struct alert *a, const char *from, const char *to)
{
	char n1[SPOOL_NAME_MAX], n2[SPOOL_NAME_MAX], p1[512], p2[512];

	file_name(n1, sizeof n1, a, "slack", from);
	file_name(n2, sizeof n2, a, "slack", to);
	snprintf(p1, sizeof p1, "%s/%s", sp.dir, n1);
	snprintf(p2, sizeof p2, "%s/%s", sp.dir, n2);
	ck_assert_int_eq(rename(p1, p2), 0);
}

static void
copy_to(const struct alert *a, const char *from, const char *to)
{
	static char raw[SPOOL_FILE_MAX];
	char n1[SPOOL_NAME_MAX], n2[SPOOL_NAME_MAX];
	size_t len;

	file_name(n1, sizeof n1, a, "slack", from);
	file_name(n2, sizeof n2, a, "slack", to);
	len = read_file(n1, raw, sizeof raw);
	write_file(n2, raw, len);
}

/* What crashes leave behind is put right on the next listing. */
START_TEST(tidy_after_crashes)
{
	static struct alert a[5];
	struct act x = { 1, 0, -1, 0, 0, "" };
	struct spool_stats st;
	char sending[32], name[SPOOL_NAME_MAX];
	struct timespec old[2];
	unsigned i;

	fresh();
	for (i = 0; i < 5; i++) {
		make(&a[i], i, 0);
		ck_assert_int_eq(spool_put(&sp, &a[i], "slack", "x",
		    i == 0, -1, T0), 0);
	}
	snprintf(sending, sizeof sending, "sending-%ld", (long)dead_pid());
	/* 0: dead and a stale pending copy: dead wins */
	copy_to(&a[0], "dead", "pending");
	/* 1: pending and an abandoned claim: the claim goes */
	copy_to(&a[1], "pending", sending);
	/* 2: an abandoned claim alone: pending again */
	rename_to(&a[2], "pending", sending);
	/* 3: a live claim (pid 1, just made): left alone */
	rename_to(&a[3], "pending", "sending-1");
	/* temporary files: an old one goes, a fresh one stays */
	write_file(".tmp-1-old", "{", 1);
	write_file(".tmp-1-new", "{", 1);
	old[0].tv_sec = old[1].tv_sec = time(NULL) - 3600;
	old[0].tv_nsec = old[1].tv_nsec = 0;
	{
		char p[512];

		snprintf(p, sizeof p, "%s/.tmp-1-old", sp.dir);
		ck_assert_int_eq(utimensat(AT_FDCWD, p, old, 0), 0);
	}
	ck_assert_int_eq(spool_stats(&sp, &st), 0);
	ck_assert_uint_eq(st.dead, 1);
	ck_assert_uint_eq(st.pending, 3);
	ck_assert_uint_eq(st.sending, 1);
	ck_assert_uint_eq(st.corrupt, 0);
	ck_assert(!exists(".tmp-1-old"));
	ck_assert(exists(".tmp-1-new"));
	file_name(name, sizeof name, &a[0], "slack", "pending");
	ck_assert(!exists(name));
	file_name(name, sizeof name, &a[1], "slack", sending);
	ck_assert(!exists(name));
	file_name(name, sizeof name, &a[2], "slack", "pending");
	ck_assert(exists(name));
	file_name(name, sizeof name, &a[3], "slack", "sending-1");
	ck_assert(exists(name));
	/* The reclaimed one is sent again; the live claim is not. */
	ck_assert_int_eq(spool_due(&sp, T0 + 100, act, &x), 3);
	ck_assert_uint_eq(each(), 2);
	ck_assert_int_eq(find(a[3].id, "slack")->state, SPOOL_SENDING);
	ck_assert_int_eq(find(a[3].id, "slack")->pid, 1);
}
END_TEST

/* Truncated, garbage, empty, oversized, mislabelled: each is set aside
 * with a warning, the rest is delivered, nothing crashes. */
START_TEST(corrupt_files)
{
	static struct alert a[8];
	static char raw[SPOOL_FILE_MAX];
	struct act x = { 1, 0, -1, 0, 0, "" };
	struct spool_stats st;
	char name[SPOOL_NAME_MAX], path[512];
	size_t len;
	unsigned i;
	int fd;

	fresh();
	for (i = 0; i < 8; i++) {
		make(&a[i], i, 0);
		ck_assert_int_eq(spool_put(&sp, &a[i], "slack", "x", 0, -1,
		    T0), 0);
	}
	/* 0: cut in half */
	file_name(name, sizeof name, &a[0], "slack", "pending");
	len = read_file(name, raw, sizeof raw);
	write_file(name, raw, len / 2);
	/* 1: garbage bytes */
	file_name(name, sizeof name, &a[1], "slack", "pending");
	write_file(name, "\x00\xff\x1b[2J", 6);
	/* 2: empty */
	file_name(name, sizeof name, &a[2], "slack", "pending");
	write_file(name, "", 0);
	/* 3: larger than any spool file (sparse) */
	file_name(name, sizeof name, &a[3], "slack", "pending");
	snprintf(path, sizeof path, "%s/%s", sp.dir, name);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, SPOOL_FILE_MAX + 10), 0);
	close(fd);
	/* 4: the content of 5 under 4's name */
	file_name(name, sizeof name, &a[5], "slack", "pending");
	len = read_file(name, raw, sizeof raw);
	file_name(name, sizeof name, &a[4], "slack", "pending");
	write_file(name, raw, len);
	/* 6: valid JSON, wrong shape */
	file_name(name, sizeof name, &a[6], "slack", "pending");
	write_file(name, "{\"spool\":1}", 11);
	/* not spool files at all: ignored, left alone */
	write_file("README", "hi", 2);
	snprintf(path, sizeof path, "%s/20260101T000000Z-1.info.slack.pending",
	    sp.dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/20260101T000000Z-2.info.slack.dead",
	    sp.dir);
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);

	ck_assert_uint_eq(each(), 2);
	ck_assert_ptr_nonnull(find(a[5].id, "slack"));
	ck_assert_ptr_nonnull(find(a[7].id, "slack"));
	for (i = 0; i < 7; i++) {
		if (i == 5)
			continue;
		file_name(name, sizeof name, &a[i], "slack",
		    "pending.corrupt");
		ck_assert_msg(exists(name), "%u not set aside", i);
	}
	ck_assert_int_eq(spool_stats(&sp, &st), 0);
	ck_assert_uint_eq(st.corrupt, 6);
	ck_assert_uint_eq(st.pending, 2);
	ck_assert_int_eq(spool_due(&sp, T0 + 100, act, &x), 2);
	ck_assert_uint_eq(each(), 0);
	ck_assert(exists("README"));
}
END_TEST

/* Valid UTF-8 without control bytes (but '\n' when nl). */
static int
clean_text(const char *s, int nl)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), k;

	while (left > 0) {
		k = utf8_len(p, left);
		if (k == 0 || (*p < 0x20 && !(nl && *p == '\n')) ||
		    *p == 0x7f)
			return 0;
		p += k;
		left -= k;
	}
	return 1;
}

/* Every prefix of a good file, and random byte changes: each is set
 * aside or read whole and clean; nothing crashes (ASan watches). */
START_TEST(mutations)
{
	static struct alert a;
	static char good[SPOOL_FILE_MAX], bad[SPOOL_FILE_MAX];
	char name[SPOOL_NAME_MAX], cor[SPOOL_NAME_MAX + 8], path[600];
	size_t len, k, i;
	unsigned loaded = 0, aside = 0, n;

	fresh();
	make(&a, 1, 1);
	ck_assert_int_eq(spool_put(&sp, &a, "slack", "x\"y", 0, -1, T0), 0);
	file_name(name, sizeof name, &a, "slack", "pending");
	snprintf(cor, sizeof cor, "%s.corrupt", name);
	len = read_file(name, good, sizeof good);
	for (k = 0; k < len + 600; k++) {
		size_t l = len;

		memcpy(bad, good, len);
		if (k < len) {
			l = k;		/* every prefix */
		} else {
			for (i = 0; i < 1 + k % 3; i++)
				bad[alert_random64() % len] =
				    (char)(alert_random64() & 0xff);
		}
		write_file(name, bad, l);
		n = each();
		if (n == 1) {
			loaded++;
			ck_assert(k >= len);
			ck_assert(!exists(cor));
			ck_assert(clean_text(seen.e[0].alert.unit, 0));
			ck_assert(clean_text(seen.e[0].alert.summary, 0));
			ck_assert(clean_text(seen.e[0].alert.why, 1));
			ck_assert(clean_text(seen.e[0].alert.id, 0));
		} else {
			ck_assert_uint_eq(n, 0);
			ck_assert(exists(cor));
			snprintf(path, sizeof path, "%s/%s", sp.dir, cor);
			ck_assert_int_eq(unlink(path), 0);
			aside++;
		}
	}
	fprintf(stderr, "check_spool: mutations: %u read back, %u set "
	    "aside\n", loaded, aside);
	ck_assert_uint_ge(aside, len);
}
END_TEST

START_TEST(stats_counts)
{
	static struct alert a[3];
	struct spool_stats st;
	unsigned i;

	fresh();
	ck_assert_int_eq(spool_stats(&sp, &st), 0);
	ck_assert_uint_eq(st.pending + st.dead + st.sending + st.corrupt, 0);
	for (i = 0; i < 3; i++)
		make(&a[i], i, i == 2);
	ck_assert_int_eq(spool_put(&sp, &a[0], "slack", "x", 0, 3000, T0 + 5),
	    0);
	ck_assert_int_eq(spool_put(&sp, &a[1], "slack", "x", 0, 100, T0), 0);
	ck_assert_int_eq(spool_put(&sp, &a[2], "slack", "x", 1, -1, T0), 0);
	ck_assert_int_eq(spool_stats(&sp, &st), 0);
	ck_assert_uint_eq(st.pending, 2);
	ck_assert_uint_eq(st.dead, 1);
	ck_assert_int_eq(st.oldest, T0);
	ck_assert_int_eq(st.next_try, T0 + 100);
	ck_assert_uint_gt(st.bytes, 1000);
}
END_TEST

/* ---- killed at random points ---- */

enum { M_PUT, M_MARK, M_EVICT };

#define OLD_N	3
static struct alert olds[OLD_N], fresh_alert;

/* The child: tell the parent it starts, do one operation, tell it
 * it is done, wait to be killed.  Never ck_assert here. */
static void
child(int fd, int mode)
{
	struct act x = { 2, T0 + 100, -1, 0, 0, "second failure" };
	char c = 'R';
	int r;

	if (write(fd, &c, 1) != 1)
		_exit(2);
	if (mode == M_MARK)
		r = spool_due(&sp, T0 + 100, act, &x) == 1 ? 0 : -1;
	else
		r = spool_put(&sp, &fresh_alert, "slack", "x", 0, -1, T0 + 50);
	c = r == 0 ? 'D' : 'E';
	if (write(fd, &c, 1) != 1)
		_exit(2);
	for (;;)
		pause();
}

/* What a kill left on disk, before any listing tidied it: counts of
 * temporary, pending and sending files, e.g. "t1 p3 s1". */
#define SHAPES_MAX 16
struct tally {
	unsigned rounds, old, new_, completed, nshapes;
	char shape[SHAPES_MAX][24];
	unsigned shape_n[SHAPES_MAX];
};

static void
shape(struct tally *t)
{
	char cmd[600], sh[24];
	unsigned k[3] = { 0, 0, 0 }, i;
	FILE *p;
	char line[256];

	snprintf(cmd, sizeof cmd, "ls -A '%s'", sp.dir);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof line, p) != NULL) {
		if (str_starts(line, ".tmp-"))
			k[0]++;
		else if (strstr(line, ".pending") != NULL)
			k[1]++;
		else if (strstr(line, ".sending-") != NULL)
			k[2]++;
	}
	pclose(p);
	snprintf(sh, sizeof sh, "t%u p%u s%u", k[0], k[1], k[2]);
	for (i = 0; i < t->nshapes; i++)
		if (strcmp(t->shape[i], sh) == 0)
			break;
	if (i == t->nshapes && i < SHAPES_MAX)
		str_copy(t->shape[t->nshapes++], sizeof t->shape[0], sh);
	if (i < SHAPES_MAX)
		t->shape_n[i]++;
}

/* One round: a spool with OLD_N entries (in M_MARK the first is due,
 * and marked by the child), an operation killed after delay_us, or
 * (delay_us < 0) left to finish: the microseconds it took. */
static long
round_(int mode, long delay_us, struct tally *t)
{
	const struct spool_entry *e;
	struct spool_stats st;
	int p[2], done = 0;
	int64_t start;
	unsigned i, n;
	long took = 0;
	pid_t pid;
	char c;

	fresh();
	sp.max_files = mode == M_EVICT ? OLD_N : 100;
	for (i = 0; i < OLD_N; i++)
		ck_assert_int_eq(spool_put(&sp, &olds[i], "slack", "x", 0, -1,
		    i == 0 || mode != M_MARK ? T0 : T0 + 1000), 0);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		child(p[1], mode);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'R');
	start = (int64_t)mono_usec();
	if (delay_us < 0) {
		ck_assert_int_eq(read(p[0], &c, 1), 1);
		took = (long)((int64_t)mono_usec() - start);
	} else if (delay_us > 0) {
		usleep((useconds_t)delay_us);
	}
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	if (delay_us < 0 || read(p[0], &c, 1) == 1) {
		ck_assert_msg(c == 'D', "the operation failed in the child");
		done = 1;
	}
	close(p[0]);
	t->rounds++;
	t->completed += done;
	shape(t);

	/* Now look: every file whole, each alert once. */
	n = each();
	ck_assert_int_eq(spool_stats(&sp, &st), 0);
	ck_assert_uint_eq(st.corrupt, 0);
	ck_assert_uint_eq(st.sending, 0);
	for (i = (mode == M_MARK); i < OLD_N; i++) {
		if (mode == M_EVICT && i == 0 && find(fresh_alert.id, "slack"))
			continue;	/* made room for the new one */
		e = find(olds[i].id, "slack");
		ck_assert_msg(e != NULL, "old alert %u lost", i);
		ck_assert_uint_eq(e->attempts, 1);
		same_alert(&e->alert, &olds[i]);
	}
	if (mode == M_MARK) {
		/* The old state (attempt 1) or the new (attempt 2). */
		ck_assert_uint_eq(n, OLD_N);
		e = find(olds[0].id, "slack");
		ck_assert_msg(e != NULL, "the alert being marked was lost");
		ck_assert_int_eq(e->state, SPOOL_PENDING);
		same_alert(&e->alert, &olds[0]);
		if (e->attempts == 1) {
			ck_assert(!done);
			t->old++;
		} else {
			ck_assert_uint_eq(e->attempts, 2);
			ck_assert_str_eq(e->last_error, "second failure");
			t->new_++;
		}
		return took;
	}
	e = find(fresh_alert.id, "slack");
	if (e == NULL) {
		ck_assert(!done);
		ck_assert_uint_eq(n, OLD_N);
		t->old++;
	} else {
		same_alert(&e->alert, &fresh_alert);
		ck_assert_uint_eq(e->attempts, 1);
		/* The oldest goes only after the new one is in place. */
		if (mode == M_EVICT && find(olds[0].id, "slack") == NULL)
			ck_assert_uint_eq(n, OLD_N);
		t->new_++;
	}
	return took;
}

#define CRASH_ROUNDS 200

static void
crash_rounds(int mode, const char *what)
{
	static struct tally t;
	char shapes[512] = "";
	long us = 0, k;
	unsigned i;

	memset(&t, 0, sizeof t);
	for (i = 0; i < OLD_N; i++)
		make(&olds[i], i, 0);
	make(&fresh_alert, 50, 1);
	/* How long the operation takes here, left to finish. */
	for (k = 0; k < 10; k++) {
		long took = round_(mode, -1, &t);

		us = took > us ? took : us;
	}
	memset(&t, 0, sizeof t);
	/* Then kills at random points over that time and a little past
	 * it. */
	for (k = 0; k < CRASH_ROUNDS; k++)
		round_(mode, (long)(alert_random64() % (uint64_t)(us + us / 5 +
		    1)), &t);
	for (i = 0; i < t.nshapes; i++)
		str_append(shapes, sizeof shapes, " [%s]x%u", t.shape[i],
		    t.shape_n[i]);
	fprintf(stderr, "check_spool: %s: %u kills over ~%ld us: %u old "
	    "state, %u new state (%u had finished); on disk before "
	    "tidying (tmp, pending, sending):%s\n", what, t.rounds, us,
	    t.old, t.new_, t.completed, shapes);
	/* Both outcomes happened: the kills fell inside the operation. */
	ck_assert_uint_gt(t.old, 0);
	ck_assert_uint_gt(t.new_, 0);
}

START_TEST(crash_put)
{
	crash_rounds(M_PUT, "spool_put");
}
END_TEST

START_TEST(crash_mark)
{
	crash_rounds(M_MARK, "spool_due+spool_mark");
}
END_TEST

START_TEST(crash_evict)
{
	crash_rounds(M_EVICT, "spool_put evicting");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("spool");
	TCase *t = tcase_create("basic");

	tcase_add_unchecked_fixture(t, top_make, top_remove);
	tcase_add_test(t, put_and_each);
	tcase_add_test(t, put_two_channels);
	tcase_add_test(t, put_refuses);
	tcase_add_test(t, due_and_done);
	tcase_add_test(t, mark_backs_off);
	tcase_add_test(t, backoff_values);
	tcase_add_test(t, mark_wait);
	tcase_add_test(t, dead_kept);
	tcase_add_test(t, due_neither);
	tcase_add_test(t, nested_refused);
	tcase_add_test(t, stats_counts);
	suite_add_tcase(s, t);
	t = tcase_create("bounds");
	tcase_add_unchecked_fixture(t, top_make, top_remove);
	tcase_add_test(t, bound_files);
	tcase_add_test(t, eviction_order);
	tcase_add_test(t, bound_bytes);
	suite_add_tcase(s, t);
	t = tcase_create("recovery");
	tcase_add_unchecked_fixture(t, top_make, top_remove);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, tidy_after_crashes);
	tcase_add_test(t, corrupt_files);
	tcase_add_test(t, mutations);
	tcase_add_test(t, crash_put);
	tcase_add_test(t, crash_mark);
	tcase_add_test(t, crash_evict);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
