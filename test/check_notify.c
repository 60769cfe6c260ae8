/*
 * check_notify.c - unit tests for notify.c against webhook servers of
 * the tests' own on the loopback interface.
 *
 * Once for the suite (an unchecked fixture, in the parent process),
 * test/alert/fake_hooks.py starts under Debian's /usr/bin/python3 on
 * 127.0.0.1, on a port the kernel picks, recording every request in a
 * directory under /tmp; the first path segment names its answer (see
 * the script).  A second port is bound and closed again, so that
 * nothing listens there (connection refused).  The server is killed
 * and the directory removed in the teardown; should the test die
 * first, PR_SET_PDEATHSIG kills it.  Nothing but 127.0.0.1 is ever
 * contacted.
 *
 * Set CHECK_HOOKS_SERVER to the script's path when not run from the
 * repository's top directory.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alert.h"
#include "json.h"
#include "notify.h"
#include "spool.h"
#include "util.h"

#define PYTHON	"/usr/bin/python3"
#define T0	1796398951
#define SECRET	"XSECRETKEYX"		/* a webhook's key, in its path */
#define TOKEN	"tok-SECRET-123"	/* an extra header's value */

static char dir[64];
static char rec[96];
static pid_t server;
static unsigned port, dead_port;
static unsigned seq;		/* requests seen so far */

static struct alert a;
static struct notify_result r;
static struct spool sp;
static char url[256];
static char meta[65536];
static char body[ALERT_JSON_MAX];
static char want[ALERT_JSON_MAX];
static char text[ALERT_JSON_MAX];

/* ---- the server ---- */

static unsigned
free_port(void)
{
	struct sockaddr_in s;
	socklen_t len = sizeof s;
	int fd;

	memset(&s, 0, sizeof s);
	s.sin_family = AF_INET;
	s.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&s, sizeof s), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&s, &len), 0);
	close(fd);
	return ntohs(s.sin_port);
}

static void
server_start(void)
{
	const char *script = getenv("CHECK_HOOKS_SERVER");
	char path[128], buf[32], log[128];
	int64_t end;
	uint64_t p;

	if (script == NULL || *script == '\0')
		script = "test/alert/fake_hooks.py";
	str_copy(dir, sizeof dir, "/tmp/check_notify.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	str_fmt(rec, sizeof rec, "%s/rec", dir);
	ck_assert_int_eq(mkdir(rec, 0700), 0);
	str_fmt(log, sizeof log, "%s/server.log", dir);
	server = fork();
	ck_assert_int_ge(server, 0);
	if (server == 0) {
		int in = open("/dev/null", O_RDONLY);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (in < 0 || fd < 0 || dup2(in, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0)
			_exit(127);
		execl(PYTHON, PYTHON, script, "--dir", rec, (char *)NULL);
		_exit(127);
	}
	str_fmt(path, sizeof path, "%s/port", rec);
	for (end = mono_ms() + 10000; mono_ms() < end; sleep_ms(20)) {
		if (file_read(path, buf, sizeof buf) > 0 &&
		    parse_u64(str_trim(buf), 65535, &p) == 0 && p > 0) {
			port = (unsigned)p;
			break;
		}
		ck_assert_msg(waitpid(server, NULL, WNOHANG) == 0,
		    "fake_hooks.py died: see %s", log);
	}
	ck_assert_msg(port > 0, "fake_hooks.py did not start: see %s", log);
	dead_port = free_port();
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
server_stop(void)
{
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
		server = 0;
	}
	if (dir[0] != '\0')
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	dir[0] = '\0';
}

/* ---- what the server saw ---- */

static unsigned
requests(void)
{
	char path[160];
	unsigned n = seq;
	struct stat st;

	for (;;) {
		str_fmt(path, sizeof path, "%s/req-%04u.json", rec, n + 1);
		if (stat(path, &st) < 0)
			return n;
		n++;
	}
}

/* Request k (1: the first ever) into meta and body. */
static void
request(unsigned k, struct json_doc *md)
{
	char path[160];
	ssize_t n;

	str_fmt(path, sizeof path, "%s/req-%04u.json", rec, k);
	n = file_read(path, meta, sizeof meta);
	ck_assert_msg(n > 0, "no request %u", k);
	ck_assert_int_eq(json_parse(md, meta, (size_t)n), 0);
	str_fmt(path, sizeof path, "%s/req-%04u.body", rec, k);
	n = file_read(path, body, sizeof body);
	ck_assert_int_ge(n, 0);
}

/* The value of header name in request md, or "". */
static const char *
header(const struct json_doc *md, const char *name)
{
	static char v[1024];
	char key[64], k[128];
	size_t n, i;

	ck_assert_int_eq(json_get_count(md, "headers", &n), JSON_OK);
	for (i = 0; i < n; i++) {
		str_fmt(key, sizeof key, "headers.%zu.0", i);
		ck_assert_int_eq(json_get_string(md, key, k, sizeof k),
		    JSON_OK);
		if (strcasecmp(k, name) != 0)
			continue;
		str_fmt(key, sizeof key, "headers.%zu.1", i);
		ck_assert_int_eq(json_get_string(md, key, v, sizeof v),
		    JSON_OK);
		return v;
	}
	return "";
}

static void
setup(void)
{
	seq = requests();
}

/* ---- helpers ---- */

static void
make_alert(int esc)
{
	memset(&a, 0, sizeof a);
	alert_new_id(a.id, sizeof a.id, T0);
	a.time = T0;
	str_copy(a.unit, sizeof a.unit, "my-app.service");
	str_copy(a.host, sizeof a.host, "box");
	str_copy(a.result, sizeof a.result, esc ? "not-healed" : "healed");
	a.escalated = a.critical = esc;
	str_copy(a.cause, sizeof a.cause, "killed by signal SIGKILL");
	str_copy(a.summary, sizeof a.summary, "a \"quoted\" <summary> & more");
	a.heal_ms = esc ? -1 : 412;
	a.nstrats = 1;
	str_copy(a.strats[0].name, sizeof a.strats[0].name, "restart");
	str_copy(a.strats[0].outcome, sizeof a.strats[0].outcome, "ok");
	str_copy(a.analysis_root, sizeof a.analysis_root, "It was killed.");
	str_copy(a.analysis_source, sizeof a.analysis_source, "built-in");
	a.nsteps = 1;
	str_copy(a.steps[0], sizeof a.steps[0],
	    "systemctl status my-app.service");
	alert_clean(&a);
}

static struct notify_channel
chan(enum notify_kind kind, const char *mode, const char *hdr)
{
	struct notify_channel c;

	str_fmt(url, sizeof url, "http://127.0.0.1:%u/%s/services/T0/B0/"
	    SECRET, port, mode);
	memset(&c, 0, sizeof c);
	c.kind = kind;
	c.name = kind == NOTIFY_SLACK ? "slack" : "webhook";
	c.url = url;
	c.header = hdr;
	c.timeout_sec = 5;
	return c;
}

static enum notify_res
send_to(enum notify_kind kind, const char *mode, const char *hdr)
{
	struct notify_channel c = chan(kind, mode, hdr);

	return notify_send(&c, &a, &r);
}

/* The words of a failure name neither the key nor the token. */
static void
no_secrets(void)
{
	ck_assert_ptr_null(strstr(r.why, SECRET));
	ck_assert_ptr_null(strstr(r.why, TOKEN));
}

static void
why_has(const char *s)
{
	ck_assert_msg(strstr(r.why, s) != NULL, "\"%s\" lacks \"%s\"", r.why,
	    s);
	no_secrets();
}

/* ---- Slack ---- */

START_TEST(slack_ok)
{
	struct json_doc md, d;

	make_alert(0);
	ck_assert_int_eq(send_to(NOTIFY_SLACK, "slack-ok", NULL),
	    NOTIFY_SENT);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.why, "");
	ck_assert_uint_eq(requests(), seq + 1);
	request(seq + 1, &md);
	ck_assert_int_eq(json_get_string(&md, "method", text, sizeof text),
	    JSON_OK);
	ck_assert_str_eq(text, "POST");
	ck_assert_int_eq(json_get_string(&md, "path", text, sizeof text),
	    JSON_OK);
	ck_assert_str_eq(text, "/slack-ok/services/T0/B0/" SECRET);
	ck_assert_str_eq(header(&md, "Content-Type"), "application/json");
	/* What arrived is the Slack message, byte for byte. */
	ck_assert_int_eq(alert_json_slack(&a, want, sizeof want, NULL), 0);
	ck_assert_str_eq(body, want);
	ck_assert_int_eq(json_parse(&d, body, strlen(body)), 0);
	ck_assert_int_eq(json_get_string(&d, "text", text, sizeof text),
	    JSON_OK);
	ck_assert(str_starts(text, "\xe2\x9c\x85 *ANSAI: my-app.service - "
	    "RESOLVED*\n"));
	ck_assert_ptr_nonnull(strstr(text, "&lt;summary&gt; &amp; more"));
}
END_TEST

START_TEST(slack_invalid_payload)
{
	make_alert(1);
	ck_assert_int_eq(send_to(NOTIFY_SLACK, "slack-invalid", NULL),
	    NOTIFY_PERMFAIL);
	ck_assert_int_eq(r.status, 400);
	why_has("HTTP 400");
	why_has("invalid_payload");
	why_has("/slack-invalid/...");
	ck_assert_int_eq(send_to(NOTIFY_SLACK, "slack-404", NULL),
	    NOTIFY_PERMFAIL);
	why_has("no_service");
	ck_assert_int_eq(send_to(NOTIFY_SLACK, "slack-410", NULL),
	    NOTIFY_PERMFAIL);
	why_has("channel_is_archived");
}
END_TEST

/* Retry-After within the deadline: waited out, sent. */
START_TEST(slack_429_then_ok)
{
	make_alert(0);
	ck_assert_int_eq(send_to(NOTIFY_SLACK, "slack-429once", NULL),
	    NOTIFY_SENT);
	ck_assert_uint_eq(requests(), seq + 2);
	ck_assert_int_ge(r.ms, 1000);
}
END_TEST

/* Retry-After past the deadline: TEMPFAIL, with the wait for the
 * spool. */
START_TEST(slack_429_long)
{
	make_alert(0);
	ck_assert_int_eq(send_to(NOTIFY_SLACK, "slack-429long", NULL),
	    NOTIFY_TEMPFAIL);
	ck_assert_int_eq(r.status, 429);
	ck_assert_int_eq(r.retry_after, 3600);
	ck_assert_uint_eq(requests(), seq + 1);
	ck_assert_int_lt(r.ms, 1000);
	why_has("429");
}
END_TEST

START_TEST(slack_not_ok)
{
	make_alert(0);
	ck_assert_int_eq(send_to(NOTIFY_SLACK, "slack-200notok", NULL),
	    NOTIFY_TEMPFAIL);
	why_has("without \"ok\": invalid_token");
	ck_assert_int_eq(send_to(NOTIFY_SLACK, "slack-500", NULL),
	    NOTIFY_TEMPFAIL);
	why_has("HTTP 500");
	why_has("rollup_error");
	/* A webhook's 2xx body is no Slack "ok". */
	ck_assert_int_eq(send_to(NOTIFY_SLACK, "hook-200", NULL),
	    NOTIFY_TEMPFAIL);
}
END_TEST

/* ---- webhook ---- */

START_TEST(webhook_200)
{
	struct json_doc md, d;
	char why[160];
	static struct alert b;

	make_alert(1);
	ck_assert_int_eq(send_to(NOTIFY_WEBHOOK, "hook-200", "X-Token: "
	    TOKEN), NOTIFY_SENT);
	ck_assert_int_eq(r.status, 200);
	request(seq + 1, &md);
	ck_assert_str_eq(header(&md, "X-Token"), TOKEN);
	ck_assert_str_eq(header(&md, "Content-Type"), "application/json");
	ck_assert_int_eq(alert_json_webhook(&a, want, sizeof want, NULL), 0);
	ck_assert_str_eq(body, want);
	ck_assert_int_eq(json_parse(&d, body, strlen(body)), 0);
	ck_assert_int_eq(json_get_string(&d, "event", text, sizeof text),
	    JSON_OK);
	ck_assert_str_eq(text, "ansai.heal");
	ck_assert_int_eq(json_get_string(&d, "id", text, sizeof text),
	    JSON_OK);
	ck_assert_str_eq(text, a.id);
	ck_assert_int_eq(alert_from_json(&d, "", &b, why, sizeof why), 0);
	ck_assert_str_eq(b.summary, a.summary);
	ck_assert_int_eq(send_to(NOTIFY_WEBHOOK, "hook-204", NULL),
	    NOTIFY_SENT);
}
END_TEST

START_TEST(webhook_temp)
{
	make_alert(1);
	ck_assert_int_eq(send_to(NOTIFY_WEBHOOK, "hook-500", NULL),
	    NOTIFY_TEMPFAIL);
	why_has("HTTP 500");
	why_has("boom");
	ck_assert_int_eq(r.retry_after, -1);
	ck_assert_int_eq(send_to(NOTIFY_WEBHOOK, "hook-503", NULL),
	    NOTIFY_TEMPFAIL);
	ck_assert_int_eq(r.retry_after, 120);
	ck_assert_int_eq(send_to(NOTIFY_WEBHOOK, "hook-408", NULL),
	    NOTIFY_TEMPFAIL);
	ck_assert_int_eq(send_to(NOTIFY_WEBHOOK, "hook-close", NULL),
	    NOTIFY_TEMPFAIL);
	ck_assert_int_eq(r.status, 0);
	no_secrets();
}
END_TEST

START_TEST(webhook_perm)
{
	make_alert(1);
	ck_assert_int_eq(send_to(NOTIFY_WEBHOOK, "hook-404", "Authorization: "
	    "Bearer " TOKEN), NOTIFY_PERMFAIL);
	ck_assert_int_eq(r.status, 404);
	why_has("HTTP 404");
	ck_assert_int_eq(send_to(NOTIFY_WEBHOOK, "hook-401", "Authorization: "
	    "Bearer " TOKEN), NOTIFY_PERMFAIL);
	why_has("bad token");
	ck_assert_int_eq(send_to(NOTIFY_WEBHOOK, "hook-410", NULL),
	    NOTIFY_PERMFAIL);
	ck_assert_int_eq(send_to(NOTIFY_WEBHOOK, "hook-301", NULL),
	    NOTIFY_PERMFAIL);
	why_has("redirects are not followed");
}
END_TEST

START_TEST(refused_and_slow)
{
	struct notify_channel c;
	char u[128];
	int64_t t;

	make_alert(0);
	str_fmt(u, sizeof u, "http://127.0.0.1:%u/hook-200/" SECRET,
	    dead_port);
	c = chan(NOTIFY_WEBHOOK, "hook-200", NULL);
	c.url = u;
	ck_assert_int_eq(notify_send(&c, &a, &r), NOTIFY_TEMPFAIL);
	ck_assert_int_eq(r.status, 0);
	why_has("refused");
	/* The whole delivery ends by the channel's timeout. */
	c = chan(NOTIFY_WEBHOOK, "hook-slow", NULL);
	c.timeout_sec = 1;
	t = mono_ms();
	ck_assert_int_eq(notify_send(&c, &a, &r), NOTIFY_TEMPFAIL);
	t = mono_ms() - t;
	ck_assert_int_ge(t, 900);
	ck_assert_int_lt(t, 3000);
	why_has("timed out");
}
END_TEST

/* Broken configuration: refused before any connection. */
START_TEST(bad_config)
{
	struct notify_channel c;

	make_alert(0);
	c = chan(NOTIFY_WEBHOOK, "hook-200", NULL);
	c.url = "ftp://127.0.0.1/x";
	ck_assert_int_eq(notify_send(&c, &a, &r), NOTIFY_PERMFAIL);
	c.url = "http://user:" SECRET "@127.0.0.1/x";
	ck_assert_int_eq(notify_send(&c, &a, &r), NOTIFY_PERMFAIL);
	no_secrets();
	c = chan(NOTIFY_WEBHOOK, "hook-200", "no colon " TOKEN);
	ck_assert_int_eq(notify_send(&c, &a, &r), NOTIFY_PERMFAIL);
	no_secrets();
	c = chan(NOTIFY_WEBHOOK, "hook-200", "X-Bad: " TOKEN "\r\nX-I: j");
	ck_assert_int_eq(notify_send(&c, &a, &r), NOTIFY_PERMFAIL);
	no_secrets();
	c = chan(NOTIFY_WEBHOOK, "hook-200", "Host: evil");
	ck_assert_int_eq(notify_send(&c, &a, &r), NOTIFY_PERMFAIL);
	c = chan(NOTIFY_WEBHOOK, "hook-200", "content-type: text/plain");
	ck_assert_int_eq(notify_send(&c, &a, &r), NOTIFY_PERMFAIL);
	ck_assert_uint_eq(requests(), seq);
}
END_TEST

/* ---- with the spool ---- */

static void
spool_fresh(void)
{
	char state[160];

	str_fmt(state, sizeof state, "%s/state.XXXXXX", dir);
	ck_assert_ptr_nonnull(mkdtemp(state));
	ck_assert_int_eq(spool_init(&sp, state), 0);
}

struct seen {
	unsigned n, pending, dead, sending;
	unsigned attempts[8];
	char err[8][SPOOL_ERR_MAX];
};

static void
count(const struct spool *s, struct spool_entry *e, void *arg)
{
	struct seen *x = arg;

	(void)s;
	if (x->n < 8) {
		x->attempts[x->n] = e->attempts;
		str_copy(x->err[x->n], sizeof x->err[0], e->last_error);
	}
	x->n++;
	x->pending += e->state == SPOOL_PENDING;
	x->dead += e->state == SPOOL_DEAD;
	x->sending += e->state == SPOOL_SENDING;
}

static struct seen
look(void)
{
	struct seen x;

	memset(&x, 0, sizeof x);
	ck_assert_int_ge(spool_each(&sp, count, &x), 0);
	return x;
}

/* Sent where it can be, kept where not, delivered on a later flush. */
START_TEST(alert_and_flush)
{
	static char u[3][256];
	struct notify_channel ch[3];
	struct json_doc md;
	struct seen x;
	unsigned k;

	spool_fresh();
	make_alert(1);
	ch[0] = chan(NOTIFY_SLACK, "slack-ok", NULL);
	str_copy(u[0], sizeof u[0], url);
	ch[0].url = u[0];
	ch[1] = chan(NOTIFY_WEBHOOK, "hook-500", NULL);
	str_copy(u[1], sizeof u[1], url);
	ch[1].url = u[1];
	ch[2] = chan(NOTIFY_WEBHOOK, "hook-404", NULL);
	ch[2].name = "audit";
	str_copy(u[2], sizeof u[2], url);
	ch[2].url = u[2];
	ck_assert_uint_eq(notify_alert(ch, 3, &sp, &a, T0), 1);
	x = look();
	ck_assert_uint_eq(x.n, 2);
	ck_assert_uint_eq(x.pending, 1);
	ck_assert_uint_eq(x.dead, 1);
	/* Not due yet: nothing is sent. */
	k = requests();
	ck_assert_int_eq(notify_flush(ch, 3, &sp, T0 + 10, 0), 0);
	ck_assert_uint_eq(requests(), k);
	/* The webhook is fixed: the flush delivers, the dead one stays. */
	str_fmt(u[1], sizeof u[1], "http://127.0.0.1:%u/hook-200/x", port);
	ck_assert_int_eq(notify_flush(ch, 3, &sp, T0 + 61, 0), 1);
	ck_assert_uint_eq(requests(), k + 1);
	request(k + 1, &md);
	ck_assert_int_eq(alert_json_webhook(&a, want, sizeof want, NULL), 0);
	ck_assert_str_eq(body, want);	/* the same alert, the same id */
	x = look();
	ck_assert_uint_eq(x.n, 1);
	ck_assert_uint_eq(x.dead, 1);
	ck_assert_ptr_nonnull(strstr(x.err[0], "HTTP 404"));
}
END_TEST

/* A channel that does not answer costs one timeout per pass, not one
 * per entry. */
START_TEST(flush_channel_down)
{
	struct notify_channel ch;
	char u[128];
	struct seen x;
	unsigned i;

	spool_fresh();
	for (i = 0; i < 3; i++) {
		make_alert(0);
		ck_assert_int_eq(spool_put(&sp, &a, "webhook", "x", 0, -1,
		    T0), 0);
	}
	ch = chan(NOTIFY_WEBHOOK, "hook-200", NULL);
	str_fmt(u, sizeof u, "http://127.0.0.1:%u/hook-200/x", dead_port);
	ch.url = u;
	ck_assert_int_eq(notify_flush(&ch, 1, &sp, T0 + 100, 0), 3);
	x = look();
	ck_assert_uint_eq(x.pending, 3);
	ck_assert_uint_eq(x.attempts[0] + x.attempts[1] + x.attempts[2], 4);
	/* An entry for a channel no longer configured waits. */
	ch.name = "other";
	ck_assert_int_eq(notify_flush(&ch, 1, &sp, T0 + 100000, 0), 3);
	x = look();
	ck_assert_ptr_nonnull(strstr(x.err[0], "no channel"));
}
END_TEST

/* The pass stops starting deliveries once its time is up. */
START_TEST(flush_budget)
{
	struct notify_channel ch;
	struct seen x;
	unsigned i;

	spool_fresh();
	for (i = 0; i < 3; i++) {
		make_alert(0);
		ck_assert_int_eq(spool_put(&sp, &a, "webhook", "x", 0, -1,
		    T0), 0);
	}
	/* The first takes a second (a 429, then ok): the others are not
	 * started, and stay as they were. */
	ch = chan(NOTIFY_WEBHOOK, "slack-429once", NULL);
	ck_assert_int_eq(notify_flush(&ch, 1, &sp, T0 + 100, 500), 3);
	x = look();
	ck_assert_uint_eq(x.pending, 2);
	ck_assert_uint_eq(x.attempts[0] + x.attempts[1], 2);
	ch = chan(NOTIFY_WEBHOOK, "hook-200", NULL);
	ck_assert_int_eq(notify_flush(&ch, 1, &sp, T0 + 100000, 0), 2);
	ck_assert_uint_eq(look().n, 0);
}
END_TEST

/* Killed while sending: the alert written ahead is sent on the next
 * flush, not lost. */
START_TEST(killed_while_sending)
{
	struct notify_channel ch;
	struct seen x;
	int p[2];
	pid_t pid;
	char c;

	spool_fresh();
	make_alert(1);
	ch = chan(NOTIFY_WEBHOOK, "hook-slow", NULL);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		c = 'R';
		if (write(p[1], &c, 1) != 1)
			_exit(2);
		notify_alert(&ch, 1, &sp, &a, T0);
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	sleep_ms(1000);		/* it is waiting for the slow server */
	x = look();
	ck_assert_uint_eq(x.sending, 1);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	x = look();
	ck_assert_uint_eq(x.pending, 1);
	ck_assert_uint_eq(x.attempts[0], 0);
	ch = chan(NOTIFY_WEBHOOK, "hook-200", NULL);
	ck_assert_int_eq(notify_flush(&ch, 1, &sp, T0, 0), 1);
	x = look();
	ck_assert_uint_eq(x.n, 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("notify");
	TCase *t = tcase_create("notify");

	tcase_add_unchecked_fixture(t, server_start, server_stop);
	tcase_add_checked_fixture(t, setup, NULL);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, slack_ok);
	tcase_add_test(t, slack_invalid_payload);
	tcase_add_test(t, slack_429_then_ok);
	tcase_add_test(t, slack_429_long);
	tcase_add_test(t, slack_not_ok);
	tcase_add_test(t, webhook_200);
	tcase_add_test(t, webhook_temp);
	tcase_add_test(t, webhook_perm);
	tcase_add_test(t, refused_and_slow);
	tcase_add_test(t, bad_config);
	tcase_add_test(t, alert_and_flush);
	tcase_add_test(t, flush_channel_down);
	tcase_add_test(t, flush_budget);
	tcase_add_test(t, killed_while_sending);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *r0 = srunner_create(suite());
	int failed;

	srunner_run_all(r0, CK_NORMAL);
	failed = srunner_ntests_failed(r0);
	srunner_free(r0);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
