/*
 * check_ai.c - unit tests for the model client in src/ai.c, against
 * a model server of the tests' own on the loopback interface.
 *
 * Once for the suite (an unchecked fixture, in the parent process),
 * test/tls/mkcerts.sh makes a test CA and certificates in a directory
 * under /tmp, a 0600 key file is written there, and these servers of
 * test/ai/fake_llm.py start, each run by Debian's /usr/bin/python3 on
 * a port the kernel picks, recording every request in its own
 * directory:
 *   good     HTTPS, certificate for localhost from the test CA (Groq's
 *            API; every failure mode by a /mode/NAME path prefix)
 *   plain    plain HTTP on 127.0.0.1 (Ollama's API; and the server
 *            that is not TLS for an https:// URL)
 *   plain6   plain HTTP on ::1
 *   wrong, expired, self   HTTPS with those certificates
 * plus a listener that never accepts (the TCP handshake completes, no
 * byte ever comes back).  They are killed and the directory removed in
 * the teardown; should the test die first, PR_SET_PDEATHSIG kills them.
 *
 * Every configuration sets [ai] url to one of these servers: the
 * provider's real endpoint is never contacted.
 *
 * Set CHECK_AI_SERVER and TLS_MKCERTS to the scripts' paths when not
 * run from the repository's top directory.  Needs /usr/bin/python3 and
 * `openssl`.
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ai.h"
#include "analyse.h"
#include "heal.h"
#include "json.h"
#include "util.h"

#define PYTHON		"/usr/bin/python3"
#define MODEL		"fake-model-1"
#define KEY		"gsk-fake-key-for-tests-1"
#define GROQ_PATH	"/openai/v1/chat/completions"
#define OLLAMA_PATH	"/api/chat"

/* What test/ai/fake_llm.py answers in mode ok, section by section. */
#define A_ROOT	"FAKE-LLM root cause: the process was killed by SIGKILL."
#define A_WHY	"FAKE-LLM why: systemd reports signal KILL.\n" \
		"The journal shows no error before it."
#define A_FIX	"FAKE-LLM fix: systemctl restart the unit."
#define A_PREV	"FAKE-LLM prevention: find who sends SIGKILL."

/* Secrets planted in the journal; none may leave the machine. */
#define S_PASSWORD	"hunter2-SECRET"
#define S_BEARER	"tok3nSECRETvalue42"
#define S_PEM1		"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSj"
#define S_PEM2		"pemSECRETline"
#define S_URLPASS	"dbpassSECRET99"
#define S_MAIL		"oncall.pager@example.org"
#define S_HEX		"9f86d081884c7d659a2feaa0c55ad015" \
			"a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define S_ACME		"ACME-493021"
#define ACME_PATTERN	"ACME-[0-9]{6}"
#define N_SECRETS	7	/* values: the PEM block is one */

static const char *const secrets[] = {
	S_PASSWORD, S_BEARER, S_PEM1, S_PEM2, S_URLPASS, S_MAIL, S_HEX,
	S_ACME,
};

#define T "2026-12-04T16:25:30+0000 box payments[4242]: "
#define SD "2026-12-04T16:25:31+0000 box systemd[1]: payments.service: "

static const char journal_text[] =
    T "payments starting, pid 4242\n"
    T "connecting to postgres://app:" S_URLPASS "@db.internal:5432/pay\n"
    T "login with password=" S_PASSWORD " accepted\n"
    T "upstream call: Authorization: Bearer " S_BEARER "\n"
    T "-----BEGIN PRIVATE KEY-----\n"
    T S_PEM1 "\n"
    T S_PEM2 "\n"
    T "-----END PRIVATE KEY-----\n"
    T "alerts go to " S_MAIL "\n"
    T "digest " S_HEX "\n"
    T "customer ref " S_ACME " charged\n"
    T "processing batch 17\n"
    SD "Main process exited, code=killed, status=9/KILL\n"
    SD "Failed with result 'signal'.\n";

#define BUILTIN_ROOT "BUILTIN-ROOT: payments.service was killed from outside"

enum { S_GOOD, S_PLAIN, S_PLAIN6, S_WRONG, S_EXPIRED, S_SELF, S_COUNT };

static const struct {
	const char *name;
	const char *cert;	/* NULL: plain HTTP */
	const char *host;
} servers[S_COUNT] = {
	[S_GOOD] = { "good", "good", "127.0.0.1" },
	[S_PLAIN] = { "plain", NULL, "127.0.0.1" },
	[S_PLAIN6] = { "plain6", NULL, "::1" },
	[S_WRONG] = { "wrong", "wrong", "127.0.0.1" },
	[S_EXPIRED] = { "expired", "expired", "127.0.0.1" },
	[S_SELF] = { "self", "self", "127.0.0.1" },
};

/* A forked child must not call ck_assert: it would write to Check's
 * message file at the same time as its parent and garble it. */
static char dir[64];
static pid_t pids[S_COUNT];
static unsigned ports[S_COUNT];
static unsigned silent_port;
static int silent_fd = -1;

static struct conf c;
static struct heal h;
static struct analysis builtin;
static struct ai_answer out;

/* One recorded request, read back. */
static char meta[65536];
static char body[1 << 20];
static size_t body_len;
static char prompt[1 << 18];
static struct json_doc md;

static void
path_in(char *buf, size_t n, const char *name)
{
	ck_assert_int_eq(str_fmt(buf, n, "%s/%s", dir, name), 0);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fd_write_all(fd, text, strlen(text)), 0);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* ---- the servers -------------------------------------------------- */

static void
run_mkcerts(void)
{
	const char *script = getenv("TLS_MKCERTS");
	pid_t pid;
	int st;

	if (script == NULL || *script == '\0')
		script = "test/tls/mkcerts.sh";
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 2);
		execl("/bin/sh", "sh", script, dir, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "%s %s failed (status %d)", script, dir, st);
}

static pid_t
spawn_server(int i)
{
	const char *script = getenv("CHECK_AI_SERVER");
	const char *argv[16];
	char rec[96], log[96], cert[96], key[96];
	size_t n = 0;
	pid_t pid;

	if (script == NULL || *script == '\0')
		script = "test/ai/fake_llm.py";
	str_fmt(rec, sizeof rec, "%s/rec-%s", dir, servers[i].name);
	str_fmt(log, sizeof log, "%s/%s.log", dir, servers[i].name);
	ck_assert_int_eq(mkdir(rec, 0700), 0);
	argv[n++] = PYTHON;
	argv[n++] = script;
	argv[n++] = "--dir";
	argv[n++] = rec;
	argv[n++] = "--host";
	argv[n++] = servers[i].host;
	argv[n++] = "--api-key";
	argv[n++] = KEY;
	if (servers[i].cert != NULL) {
		str_fmt(cert, sizeof cert, "%s/%s.crt", dir, servers[i].cert);
		str_fmt(key, sizeof key, "%s/%s.key", dir, servers[i].cert);
		argv[n++] = "--cert";
		argv[n++] = cert;
		argv[n++] = "--key";
		argv[n++] = key;
	}
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (in < 0 || fd < 0 || dup2(in, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0)
			_exit(127);
		execv(PYTHON, (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	return pid;
}

/* The server writes its port to rec-NAME/port once it listens; 0 when
 * the optional one could not start. */
static unsigned
wait_port(int i)
{
	int64_t end = mono_ms() + 10000;
	char path[128], buf[32];
	uint64_t port;

	str_fmt(path, sizeof path, "%s/rec-%s/port", dir, servers[i].name);
	while (mono_ms() < end) {
		if (file_read(path, buf, sizeof buf) > 0 &&
		    parse_u64(str_trim(buf), 65535, &port) == 0 && port > 0)
			return (unsigned)port;
		if (waitpid(pids[i], NULL, WNOHANG) == pids[i]) {
			pids[i] = 0;
			break;
		}
		sleep_ms(20);
	}
	/* A machine without IPv6 on lo: the ::1 checks are skipped. */
	if (i == S_PLAIN6) {
		fprintf(stderr, "check_ai: no server on ::1 (see %s/%s.log):"
		    " IPv6 loopback checks skipped\n", dir, servers[i].name);
		return 0;
	}
	ck_abort_msg("fake_llm.py (%s) did not start: see %s/%s.log",
	    servers[i].name, dir, servers[i].name);
	return 0;
}

static int
listener(unsigned *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void
servers_start(void)
{
	char path[128];
	int i;

	str_copy(dir, sizeof dir, "/tmp/check_ai.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	run_mkcerts();
	path_in(path, sizeof path, "key");
	write_file(path, KEY "\n", 0600);
	for (i = 0; i < S_COUNT; i++)
		pids[i] = spawn_server(i);
	for (i = 0; i < S_COUNT; i++)
		ports[i] = wait_port(i);
	silent_fd = listener(&silent_port);
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
servers_stop(void)
{
	size_t i;

	for (i = 0; i < S_COUNT; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
		}
	}
	if (silent_fd >= 0)
		close(silent_fd);
	silent_fd = -1;
	if (dir[0] != '\0')
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	dir[0] = '\0';
}

/* ---- what a server recorded ---------------------------------------- */

static void
rec_dir(int s, char *buf, size_t n)
{
	ck_assert_int_eq(str_fmt(buf, n, "%s/rec-%s", dir, servers[s].name),
	    0);
}

/* Forget what server s recorded so far. */
static void
rec_clear(int s)
{
	char d[128], path[256];
	struct dirent *e;
	DIR *dp;

	rec_dir(s, d, sizeof d);
	dp = opendir(d);
	ck_assert_ptr_nonnull(dp);
	while ((e = readdir(dp)) != NULL) {
		if (str_starts(e->d_name, "req-") ||
		    strcmp(e->d_name, "connections") == 0) {
			str_fmt(path, sizeof path, "%s/%s", d, e->d_name);
			ck_assert_int_eq(unlink(path), 0);
		}
	}
	closedir(dp);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Requests recorded by server s, their names sorted into names. */
static unsigned
rec_list(int s, char names[][32], unsigned max)
{
	char d[128];
	struct dirent *e;
	unsigned n = 0;
	DIR *dp;

	rec_dir(s, d, sizeof d);
	dp = opendir(d);
	ck_assert_ptr_nonnull(dp);
	while ((e = readdir(dp)) != NULL) {
		if (!str_starts(e->d_name, "req-") ||
		    !str_ends(e->d_name, ".json"))
			continue;
		ck_assert_uint_lt(n, max);
		str_copy(names[n], 32, e->d_name);
		names[n][strlen(names[n]) - 5] = '\0';
		n++;
	}
	closedir(dp);
	qsort(names, n, 32, name_cmp);
	return n;
}

static unsigned
rec_count(int s)
{
	char names[64][32];

	return rec_list(s, names, 64);
}

/* TCP connections server s accepted (lines of its connections file). */
static unsigned
rec_connections(int s)
{
	char d[128], path[160], buf[8192], *p;
	unsigned n = 0;
	ssize_t r;

	rec_dir(s, d, sizeof d);
	str_fmt(path, sizeof path, "%s/connections", d);
	r = file_read(path, buf, sizeof buf);
	if (r < 0 && errno == ENOENT)
		return 0;
	ck_assert_int_ge(r, 0);
	for (p = buf; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	return n;
}

/* Read request k (0: the first) of server s into meta/md and body, and
 * the user message's content, JSON-decoded, into prompt (when the
 * body is JSON). */
static void
rec_load(int s, unsigned k)
{
	char names[64][32], d[128], path[192];
	unsigned n = rec_list(s, names, 64);
	ssize_t r;
	struct json_doc bd;

	ck_assert_msg(k < n, "server %s recorded %u requests, not %u",
	    servers[s].name, n, k + 1);
	rec_dir(s, d, sizeof d);
	str_fmt(path, sizeof path, "%s/%s.json", d, names[k]);
	r = file_read(path, meta, sizeof meta);
	ck_assert_int_gt(r, 0);
	ck_assert_msg(json_parse(&md, meta, (size_t)r) == 0, "%s: %s", path,
	    md.err);
	str_fmt(path, sizeof path, "%s/%s.body", d, names[k]);
	r = file_read(path, body, sizeof body);
	ck_assert_int_ge(r, 0);
	body_len = (size_t)r;
	prompt[0] = '\0';
	if (json_parse(&bd, body, body_len) == 0)
		json_get_string(&bd, "messages.1.content", prompt,
		    sizeof prompt);
}

static void
meta_str(const char *path, char *buf, size_t n)
{
	int r = json_get_string(&md, path, buf, n);

	ck_assert_msg(r == JSON_OK, "record has no %s: %s", path,
	    json_strerror(r));
}

/* ---- configuration and heal by hand -------------------------------- */

static void
conf_for(enum ai_provider p, int s, const char *scheme, const char *host,
    const char *path)
{
	char f[128];

	conf_defaults(&c);
	c.ai.provider = p;
	ck_assert_int_eq(str_fmt(c.ai.url, sizeof c.ai.url, "%s://%s:%u%s",
	    scheme, host, s >= 0 ? ports[s] : silent_port, path), 0);
	str_copy(c.ai.model, sizeof c.ai.model, MODEL);
	path_in(f, sizeof f, "key");
	str_copy(c.ai.key_file, sizeof c.ai.key_file, f);
	c.ai.timeout_sec = 5;
	c.ai.nredact = 1;
	str_copy(c.ai.redact[0], sizeof c.ai.redact[0], ACME_PATTERN);
	path_in(f, sizeof f, "ca.crt");
	str_copy(c.ca_file, sizeof c.ca_file, f);
	unsetenv("CREDENTIALS_DIRECTORY");
}

/* Groq's shape at https://localhost:PORT/[mode/MODE]/openai/v1/... */
static void
conf_groq(int s, const char *mode)
{
	char path[128];

	if (mode != NULL)
		str_fmt(path, sizeof path, "/mode/%s" GROQ_PATH, mode);
	else
		str_copy(path, sizeof path, GROQ_PATH);
	conf_for(AI_GROQ, s, "https", "localhost", path);
}

static void
conf_ollama(int s, const char *host, const char *mode)
{
	char path[128];

	if (mode != NULL)
		str_fmt(path, sizeof path, "/mode/%s" OLLAMA_PATH, mode);
	else
		str_copy(path, sizeof path, OLLAMA_PATH);
	conf_for(AI_OLLAMA, s, "http", host, path);
	c.ai.key_file[0] = '\0';
}

static void
heal_fill(void)
{
	memset(&h, 0, sizeof h);
	h.conf = &c;
	str_copy(h.unit, sizeof h.unit, "payments.service");
	svc_show_init(&h.before);
	str_copy(h.before.active_state, sizeof h.before.active_state,
	    "failed");
	str_copy(h.before.sub_state, sizeof h.before.sub_state, "failed");
	str_copy(h.before.result, sizeof h.before.result, "signal");
	ck_assert_int_eq(cause_from_monitor("signal", "killed", "KILL",
	    "4d3c2b1a0f9e8d7c6b5a493827160504", &h.cause), 0);
	h.result = HEAL_HEALED;
	str_copy(h.summary, sizeof h.summary, "restarted, active and "
	    "serving again");
	h.nstrats = 1;
	h.strats[0].id = STRAT_RESTART;
	h.strats[0].status = SS_OK;
	str_copy(h.strats[0].detail, sizeof h.strats[0].detail,
	    "active after 180 ms");
	h.sys.mem_ok = 1;
	h.sys.mem.total = 512ull * 1024 * 1024;
	h.sys.mem.available = 300ull * 1024 * 1024;
	h.have_evidence = 1;
	str_copy(h.journal, sizeof h.journal, journal_text);
	memset(&builtin, 0, sizeof builtin);
	str_copy(builtin.kind, sizeof builtin.kind, "killed");
	str_copy(builtin.root_cause, sizeof builtin.root_cause, BUILTIN_ROOT);
	builtin.source = ANALYSIS_SOURCE_BUILTIN;
}

/* ai_explain, and how long it took by the test's own clock. */
static int64_t
explain(int want)
{
	int64_t t0 = mono_ms();
	int r;

	heal_fill();
	r = ai_explain(&c, &h, &builtin, &out);
	ck_assert_msg(r == want, "ai_explain returned %d, want %d: %s", r,
	    want, out.failure);
	ck_assert_int_eq(out.ok, want == 0);
	return mono_ms() - t0;
}

#define HAS(s, sub) ck_assert_msg(strstr(s, sub) != NULL, \
	"\"%s\" lacks \"%s\"", s, sub)
#define HASNT(s, sub) ck_assert_msg(strstr(s, sub) == NULL, \
	"\"%.300s\" has \"%s\"", s, sub)

static void
expect_sections(const struct analysis *a)
{
	ck_assert_str_eq(a->root_cause, A_ROOT);
	ck_assert_str_eq(a->why, A_WHY);
	ck_assert_str_eq(a->fix, A_FIX);
	ck_assert_str_eq(a->prevention, A_PREV);
}

/* No planted secret anywhere in what was sent: the raw body (JSON as
 * it went over the wire) and the decoded prompt. */
static void
expect_no_secrets(void)
{
	size_t i;

	ck_assert_uint_gt(body_len, 0);
	for (i = 0; i < ARRAY_LEN(secrets); i++) {
		ck_assert_msg(memmem(body, body_len, secrets[i],
		    strlen(secrets[i])) == NULL, "secret %s was sent",
		    secrets[i]);
		HASNT(prompt, secrets[i]);
	}
	/* The headers too. */
	for (i = 0; i < ARRAY_LEN(secrets); i++)
		HASNT(meta, secrets[i]);
}

static void
expect_evidence(void)
{
	HAS(prompt, "Unit: payments.service");
	HAS(prompt, "killed by signal SIGKILL");
	HAS(prompt, "processing batch 17");
	HAS(prompt, "Main process exited, code=killed, status=9/KILL");
	HAS(prompt, "Failed with result 'signal'.");
	HAS(prompt, BUILTIN_ROOT);
	HAS(prompt, "restart: ok: active after 180 ms");
	HAS(prompt, "ROOT CAUSE:\nWHY:\nFIX:\nPREVENTION:\n");
	/* Redacted in place: the model still sees that a password was
	 * set, and the lines around each secret. */
	HAS(prompt, "password=[REDACTED]");
	HAS(prompt, "customer ref [REDACTED] charged");
}

/* ---- Groq's shape --------------------------------------------------- */

START_TEST(groq_answer_and_request)
{
	char v[256];
	long long n;
	size_t nmsg;
	struct json_doc bd;

	rec_clear(S_GOOD);
	conf_groq(S_GOOD, NULL);
	explain(0);
	expect_sections(&out.sections);
	ck_assert_str_eq(out.sections.source, "model");
	ck_assert_str_eq(out.model, MODEL);
	ck_assert_int_eq(out.status, 200);
	ck_assert_msg(str_starts(out.endpoint, "https://localhost:"), "%s",
	    out.endpoint);
	ck_assert_str_eq(out.failure, "");
	ck_assert_int_eq(out.redaction_skipped, 0);

	ck_assert_uint_eq(rec_count(S_GOOD), 1);
	rec_load(S_GOOD, 0);
	meta_str("method", v, sizeof v);
	ck_assert_str_eq(v, "POST");
	meta_str("path", v, sizeof v);
	ck_assert_str_eq(v, GROQ_PATH);
	meta_str("header.authorization", v, sizeof v);
	ck_assert_str_eq(v, "Bearer " KEY);
	meta_str("header.content-type", v, sizeof v);
	ck_assert_str_eq(v, "application/json");
	meta_str("header.host", v, sizeof v);
	ck_assert_msg(str_starts(v, "localhost:"), "%s", v);
	meta_str("header.content-length", v, sizeof v);
	ck_assert_int_eq(atoi(v), (int)body_len);

	ck_assert_msg(json_parse(&bd, body, body_len) == 0, "%s", bd.err);
	ck_assert_int_eq(json_get_string(&bd, "model", v, sizeof v), 0);
	ck_assert_str_eq(v, MODEL);
	ck_assert_int_eq(json_get_string(&bd, "messages.0.role", v,
	    sizeof v), 0);
	ck_assert_str_eq(v, "system");
	ck_assert_int_eq(json_get_string(&bd, "messages.1.role", v,
	    sizeof v), 0);
	ck_assert_str_eq(v, "user");
	ck_assert_int_eq(json_get_count(&bd, "messages", &nmsg), 0);
	ck_assert_uint_eq(nmsg, 2);
	ck_assert_int_eq(json_type_at(&bd, "stream"), JSON_NONE);
	ck_assert_int_eq(json_get_int(&bd, "max_tokens", &n), 0);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(out.prompt_bytes, strlen(prompt));
	ck_assert_uint_le(out.prompt_bytes, c.ai.max_prompt_bytes);
	expect_evidence();
}
END_TEST

START_TEST(groq_prompt_redacted)
{
	rec_clear(S_GOOD);
	conf_groq(S_GOOD, NULL);
	explain(0);
	rec_load(S_GOOD, 0);
	expect_no_secrets();
	ck_assert_uint_eq(out.redacted, N_SECRETS);
	ck_assert_int_eq(out.redaction_skipped, 0);
}
END_TEST

/* skip_redaction is for a model on this machine: never for Groq. */
START_TEST(groq_skip_redaction_ignored)
{
	rec_clear(S_GOOD);
	conf_groq(S_GOOD, NULL);
	c.ai.skip_redaction = 1;
	explain(0);
	rec_load(S_GOOD, 0);
	expect_no_secrets();
	ck_assert_int_eq(out.redaction_skipped, 0);
	ck_assert_uint_eq(out.redacted, N_SECRETS);
}
END_TEST

START_TEST(chunked_answer)
{
	rec_clear(S_GOOD);
	conf_groq(S_GOOD, "chunked");
	explain(0);
	expect_sections(&out.sections);
	ck_assert_uint_eq(rec_count(S_GOOD), 1);
}
END_TEST

/* ---- Ollama's shape ------------------------------------------------- */

START_TEST(ollama_answer_and_request)
{
	char v[256];
	int b;
	struct json_doc bd;

	rec_clear(S_PLAIN);
	conf_ollama(S_PLAIN, "127.0.0.1", NULL);
	explain(0);
	expect_sections(&out.sections);
	ck_assert_str_eq(out.model, MODEL);
	ck_assert_uint_eq(rec_count(S_PLAIN), 1);
	rec_load(S_PLAIN, 0);
	meta_str("path", v, sizeof v);
	ck_assert_str_eq(v, OLLAMA_PATH);
	ck_assert_int_eq(json_type_at(&md, "header.authorization"),
	    JSON_NONE);
	ck_assert_msg(json_parse(&bd, body, body_len) == 0, "%s", bd.err);
	ck_assert_int_eq(json_get_bool(&bd, "stream", &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(json_get_string(&bd, "model", v, sizeof v), 0);
	ck_assert_str_eq(v, MODEL);
	ck_assert_int_eq(json_get_string(&bd, "messages.1.role", v,
	    sizeof v), 0);
	ck_assert_str_eq(v, "user");
	/* Redaction is on unless asked off, on loopback too. */
	expect_evidence();
	expect_no_secrets();
	ck_assert_uint_eq(out.redacted, N_SECRETS);
}
END_TEST

START_TEST(ollama_chunked_answer)
{
	rec_clear(S_PLAIN);
	conf_ollama(S_PLAIN, "127.0.0.1", "chunked");
	explain(0);
	expect_sections(&out.sections);
}
END_TEST

/* A local Ollama with skip_redaction = yes gets the text as it is. */
static void
expect_unredacted(int s, const char *host)
{
	size_t i;

	rec_clear(s);
	conf_ollama(s, host, NULL);
	c.ai.skip_redaction = 1;
	explain(0);
	ck_assert_int_eq(out.redaction_skipped, 1);
	ck_assert_uint_eq(out.redacted, 0);
	rec_load(s, 0);
	for (i = 0; i < ARRAY_LEN(secrets); i++)
		HAS(prompt, secrets[i]);
}

START_TEST(ollama_skip_redaction_loopback)
{
	expect_unredacted(S_PLAIN, "127.0.0.1");
	expect_unredacted(S_PLAIN, "localhost");
	if (ports[S_PLAIN6] != 0)
		expect_unredacted(S_PLAIN6, "[::1]");
}
END_TEST

/* Only a loopback address counts as local: a name that merely starts
 * like one, an OpenAI-compatible server, or Ollama elsewhere are
 * redacted.  Run in a network namespace of its own, so that no name
 * lookup or connection can leave the machine whatever ai.c does. */
START_TEST(skip_redaction_needs_local_ollama)
{
	static const char *const urls[] = {
		"http://127.example.com:11434/api/chat",
		"http://127.0.0.1.example.com:11434/api/chat",
		"http://localhost.example.com:11434/api/chat",
		"http://10.0.0.7:11434/api/chat",
	};
	size_t i;

	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s",
	    strerror(errno));
	for (i = 0; i < ARRAY_LEN(urls); i++) {
		conf_ollama(S_PLAIN, "127.0.0.1", NULL);
		str_copy(c.ai.url, sizeof c.ai.url, urls[i]);
		c.ai.skip_redaction = 1;
		c.ai.timeout_sec = 1;
		explain(-1);
		ck_assert_msg(out.redaction_skipped == 0, "%s", urls[i]);
		ck_assert_msg(out.redacted == N_SECRETS, "%s: %u", urls[i],
		    out.redacted);
	}
	/* provider = openai on loopback: not Ollama, so redacted. */
	conf_for(AI_OPENAI, S_PLAIN, "http", "127.0.0.1", "/v1/chat");
	c.ai.skip_redaction = 1;
	c.ai.timeout_sec = 1;
	explain(-1);
	ck_assert_int_eq(out.redaction_skipped, 0);
	ck_assert_uint_eq(out.redacted, N_SECRETS);
}
END_TEST

/* ---- failures -------------------------------------------------------- */

static void
expect_failure(int s, const char *w1, const char *w2)
{
	HAS(out.failure, w1);
	if (w2 != NULL)
		HAS(out.failure, w2);
	ck_assert_str_eq(out.sections.root_cause, "");
	(void)s;
}

START_TEST(rate_limited_then_ok)
{
	int64_t ms;

	rec_clear(S_GOOD);
	conf_groq(S_GOOD, "429once");
	ms = explain(0);
	expect_sections(&out.sections);
	ck_assert_uint_eq(rec_count(S_GOOD), 2);
	/* Waited the second Retry-After asked for, and not much more. */
	ck_assert_int_ge(ms, 1000);
	ck_assert_int_lt(ms, 2500);
	ck_assert_int_eq(out.status, 200);
}
END_TEST

START_TEST(rate_limited_past_deadline)
{
	int64_t ms;

	rec_clear(S_GOOD);
	conf_groq(S_GOOD, "429long");
	ms = explain(-1);
	expect_failure(S_GOOD, "429", "Retry-After");
	ck_assert_int_eq(out.status, 429);
	ck_assert_uint_eq(rec_count(S_GOOD), 1);
	/* It gives up at once rather than sleep into the deadline. */
	ck_assert_int_lt(ms, 1000);
}
END_TEST

/* "Retry-After: 0" every time must not become a storm of requests. */
START_TEST(rate_limited_retry_after_zero)
{
	int64_t ms;

	rec_clear(S_GOOD);
	conf_groq(S_GOOD, "429zero");
	c.ai.timeout_sec = 3;
	ms = explain(-1);
	expect_failure(S_GOOD, "429", NULL);
	ck_assert_int_eq(out.status, 429);
	ck_assert_msg(rec_count(S_GOOD) >= 2 && rec_count(S_GOOD) <= 3,
	    "%u requests in %lld ms",
	    rec_count(S_GOOD), (long long)ms);
}
END_TEST

START_TEST(refused_401)
{
	char path[128];

	rec_clear(S_GOOD);
	conf_groq(S_GOOD, "401");
	explain(-1);
	expect_failure(S_GOOD, "401", "refused");
	HAS(out.failure, "Invalid API Key");
	ck_assert_int_eq(out.status, 401);
	/* A key the server does not know gets the same, from the server's
	 * own check. */
	rec_clear(S_GOOD);
	conf_groq(S_GOOD, NULL);
	path_in(path, sizeof path, "otherkey");
	write_file(path, "gsk-not-the-right-key\n", 0600);
	str_copy(c.ai.key_file, sizeof c.ai.key_file, path);
	explain(-1);
	expect_failure(S_GOOD, "401", "refused");
	HASNT(out.failure, "gsk-not-the-right-key");
	rec_load(S_GOOD, 0);
	meta_str("header.authorization", path, sizeof path);
	ck_assert_str_eq(path, "Bearer gsk-not-the-right-key");
}
END_TEST

START_TEST(too_large_413)
{
	rec_clear(S_GOOD);
	conf_groq(S_GOOD, "413");
	explain(-1);
	expect_failure(S_GOOD, "413", "too large");
	HAS(out.failure, "max_prompt_bytes");
}
END_TEST

START_TEST(malformed_answer)
{
	rec_clear(S_GOOD);
	conf_groq(S_GOOD, "malformed");
	explain(-1);
	expect_failure(S_GOOD, "malformed", NULL);
	rec_clear(S_PLAIN);
	conf_ollama(S_PLAIN, "127.0.0.1", "malformed");
	explain(-1);
	expect_failure(S_PLAIN, "malformed", NULL);
}
END_TEST

START_TEST(answer_without_sections)
{
	rec_clear(S_GOOD);
	conf_groq(S_GOOD, "nosections");
	explain(-1);
	expect_failure(S_GOOD, "lacked the four sections", NULL);
	ck_assert_int_eq(out.status, 200);
}
END_TEST

/* The server reads the request and never answers: the analysis ends at
 * the deadline, not later. */
START_TEST(silent_server_deadline)
{
	int64_t ms;

	rec_clear(S_GOOD);
	conf_groq(S_GOOD, "silent");
	c.ai.timeout_sec = 2;
	ms = explain(-1);
	expect_failure(S_GOOD, "timed out", NULL);
	ck_assert_int_ge(ms, 1950);
	ck_assert_int_le(ms, 3000);
	ck_assert_int_ge(out.ms, 1950);
	ck_assert_int_le(out.ms, 3000);
	ck_assert_uint_eq(rec_count(S_GOOD), 1);
}
END_TEST

/* A listener that never accepts: the TLS handshake gets no answer. */
START_TEST(silent_listener_deadline)
{
	int64_t ms;

	conf_groq(-1, NULL);
	c.ai.timeout_sec = 1;
	ms = explain(-1);
	expect_failure(-1, "timed out", NULL);
	ck_assert_int_ge(ms, 950);
	ck_assert_int_le(ms, 2000);
}
END_TEST

START_TEST(connection_refused)
{
	unsigned port;
	int fd = listener(&port);
	char url[128];
	int64_t ms;

	close(fd);	/* nothing listens there now */
	conf_groq(S_GOOD, NULL);
	str_fmt(url, sizeof url, "https://localhost:%u" GROQ_PATH, port);
	str_copy(c.ai.url, sizeof c.ai.url, url);
	ms = explain(-1);
	expect_failure(-1, "refused", NULL);
	ck_assert_int_lt(ms, 1000);
}
END_TEST

/* ---- TLS ------------------------------------------------------------- */

static void
expect_tls_failure(int s, const char *ca, const char *w1, const char *w2)
{
	char f[128];

	rec_clear(s);
	conf_groq(s, NULL);
	if (ca[0] == '/') {
		str_copy(c.ca_file, sizeof c.ca_file, ca);
	} else {
		path_in(f, sizeof f, ca);
		str_copy(c.ca_file, sizeof c.ca_file, f);
	}
	explain(-1);
	expect_failure(s, w1, w2);
	HAS(out.failure, "TLS handshake");
	/* Not a byte of the request went out. */
	ck_assert_uint_eq(rec_count(s), 0);
}

START_TEST(tls_wrong_name)
{
	expect_tls_failure(S_WRONG, "ca.crt", "another name", "localhost");
}
END_TEST

START_TEST(tls_expired)
{
	expect_tls_failure(S_EXPIRED, "ca.crt", "expired", NULL);
}
END_TEST

START_TEST(tls_self_signed)
{
	expect_tls_failure(S_SELF, "ca.crt", "not trusted", NULL);
}
END_TEST

/* The default ca_file, Debian's bundle, does not hold the test CA. */
START_TEST(tls_ca_not_in_ca_file)
{
	expect_tls_failure(S_GOOD, "/etc/ssl/certs/ca-certificates.crt",
	    "not trusted", "ca_file");
}
END_TEST

START_TEST(tls_plain_server_on_https)
{
	expect_tls_failure(S_PLAIN, "ca.crt", "does not speak TLS", NULL);
}
END_TEST

/* ---- the key --------------------------------------------------------- */

START_TEST(key_file_readable_by_others)
{
	char path[128];

	rec_clear(S_GOOD);
	conf_groq(S_GOOD, NULL);
	path_in(path, sizeof path, "key644");
	write_file(path, KEY "\n", 0644);
	str_copy(c.ai.key_file, sizeof c.ai.key_file, path);
	explain(-1);
	HAS(out.failure, "readable by others");
	HAS(out.failure, "0644");
	HAS(out.failure, "chmod 600");
	HASNT(out.failure, KEY);
	ck_assert_uint_eq(rec_connections(S_GOOD), 0);
	ck_assert_uint_eq(out.prompt_bytes, 0);
}
END_TEST

START_TEST(key_file_bad)
{
	char path[128];

	conf_groq(S_GOOD, NULL);
	path_in(path, sizeof path, "missing-key");
	str_copy(c.ai.key_file, sizeof c.ai.key_file, path);
	explain(-1);
	HAS(out.failure, "missing-key");
	HAS(out.failure, "No such file");
	path_in(path, sizeof path, "emptykey");
	write_file(path, " \n", 0600);
	str_copy(c.ai.key_file, sizeof c.ai.key_file, path);
	explain(-1);
	HAS(out.failure, "empty or more than one line");
	path_in(path, sizeof path, "twolines");
	write_file(path, KEY "\nsecond\n", 0600);
	str_copy(c.ai.key_file, sizeof c.ai.key_file, path);
	explain(-1);
	HAS(out.failure, "empty or more than one line");
	HASNT(out.failure, KEY);
	/* Too long for AI_KEY_MAX: refused, never sent cut short. */
	rec_clear(S_GOOD);
	{
		static char big[AI_KEY_MAX + 100];

		memset(big, 'k', sizeof big - 2);
		big[sizeof big - 2] = '\n';
		path_in(path, sizeof path, "bigkey");
		write_file(path, big, 0600);
	}
	str_copy(c.ai.key_file, sizeof c.ai.key_file, path);
	explain(-1);
	HAS(out.failure, "longer than");
	HASNT(out.failure, "kkkkkkkk");
	ck_assert_uint_eq(rec_connections(S_GOOD), 0);
}
END_TEST

/* Blanks around the key (an editor's newline, an indented paste) are
 * not part of it. */
START_TEST(key_file_trimmed)
{
	char path[128], v[128];

	rec_clear(S_GOOD);
	conf_groq(S_GOOD, NULL);
	path_in(path, sizeof path, "blankkey");
	write_file(path, " \t  " KEY " \r\n\n", 0600);
	str_copy(c.ai.key_file, sizeof c.ai.key_file, path);
	explain(0);
	rec_load(S_GOOD, 0);
	meta_str("header.authorization", v, sizeof v);
	ck_assert_str_eq(v, "Bearer " KEY);
}
END_TEST

START_TEST(no_key_for_groq)
{
	rec_clear(S_GOOD);
	conf_groq(S_GOOD, NULL);
	c.ai.key_file[0] = '\0';
	explain(-1);
	HAS(out.failure, "no API key");
	ck_assert_uint_eq(rec_connections(S_GOOD), 0);
}
END_TEST

/* systemd's LoadCredential=ansai-ai-key:... when key_file is unset. */
START_TEST(key_from_credentials_directory)
{
	char creds[128], path[160], v[128];

	path_in(creds, sizeof creds, "creds");
	ck_assert_int_eq(mkdir(creds, 0700), 0);
	str_fmt(path, sizeof path, "%s/ansai-ai-key", creds);
	write_file(path, "gsk-from-credential\n", 0400);
	rec_clear(S_GOOD);
	conf_groq(S_GOOD, "401");
	c.ai.key_file[0] = '\0';
	setenv("CREDENTIALS_DIRECTORY", creds, 1);
	explain(-1);
	rec_load(S_GOOD, 0);
	meta_str("header.authorization", v, sizeof v);
	ck_assert_str_eq(v, "Bearer gsk-from-credential");
	/* key_file wins over the credential. */
	rec_clear(S_GOOD);
	conf_groq(S_GOOD, NULL);
	setenv("CREDENTIALS_DIRECTORY", creds, 1);
	explain(0);
	rec_load(S_GOOD, 0);
	meta_str("header.authorization", v, sizeof v);
	ck_assert_str_eq(v, "Bearer " KEY);
	/* A directory without the credential: no key. */
	rec_clear(S_GOOD);
	conf_groq(S_GOOD, NULL);
	c.ai.key_file[0] = '\0';
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	explain(-1);
	HAS(out.failure, "no API key");
	ck_assert_uint_eq(rec_connections(S_GOOD), 0);
	unsetenv("CREDENTIALS_DIRECTORY");
}
END_TEST

START_TEST(provider_settings)
{
	conf_groq(S_GOOD, NULL);
	c.ai.provider = AI_NONE;
	explain(-1);
	HAS(out.failure, "no [ai] provider");
	conf_for(AI_OPENAI, S_GOOD, "https", "localhost", GROQ_PATH);
	c.ai.url[0] = '\0';
	explain(-1);
	HAS(out.failure, "needs [ai] url");
	conf_for(AI_OPENAI, S_GOOD, "https", "localhost", GROQ_PATH);
	c.ai.model[0] = '\0';
	explain(-1);
	HAS(out.failure, "needs [ai] model");
	/* A redact pattern that cannot be applied stops the request. */
	rec_clear(S_GOOD);
	conf_groq(S_GOOD, NULL);
	str_copy(c.ai.redact[0], sizeof c.ai.redact[0], "(a)\\1");
	explain(-1);
	HAS(out.failure, "nothing was sent");
	ck_assert_uint_eq(rec_connections(S_GOOD), 0);
}
END_TEST

/* The prompt is cut to max_prompt_bytes, the newest lines kept. */
START_TEST(prompt_cut_keeps_newest_lines)
{
	char line[128];
	int i;

	rec_clear(S_GOOD);
	conf_groq(S_GOOD, NULL);
	c.ai.max_prompt_bytes = 2048;
	heal_fill();
	h.journal[0] = '\0';
	for (i = 0; i < 300; i++)
		ck_assert_int_eq(str_append(h.journal, sizeof h.journal,
		    T "line %03d of the failed run\n", i), 0);
	ck_assert_int_eq(ai_explain(&c, &h, &builtin, &out), 0);
	rec_load(S_GOOD, 0);
	ck_assert_uint_eq(out.prompt_bytes, strlen(prompt));
	ck_assert_uint_le(out.prompt_bytes, 2048);
	str_fmt(line, sizeof line, T "line 299 of the failed run\n");
	ck_assert_msg(str_ends(prompt, line), "%s", prompt);
	HASNT(prompt, "line 000 ");
	HAS(prompt, "Unit: payments.service");
}
END_TEST

/* ---- ai_sections ----------------------------------------------------- */

static const struct {
	const char *name;
	const char *text;
	int rc;
	const char *root, *why, *fix, *prev;
} formats[] = {
	{ "plain", "ROOT CAUSE: r\nWHY: w\nFIX: f\nPREVENTION: p\n",
	    0, "r", "w", "f", "p" },
	{ "markdown headings",
	    "## Root Cause\nThe app ran out of memory.\n\n## Why\n"
	    "The OOM killer chose it.\n## Fix\nRaise MemoryMax=.\n"
	    "## Prevention\nWatch memory.\n",
	    0, "The app ran out of memory.", "The OOM killer chose it.",
	    "Raise MemoryMax=.", "Watch memory." },
	{ "markdown numbered headings",
	    "### 1. Root cause\nr\n### 2. Why\nw\n### 3. Fix\nf\n"
	    "### 4. Prevention\np",
	    0, "r", "w", "f", "p" },
	{ "bold, colon inside",
	    "**ROOT CAUSE:** r\n**WHY:** w\n**FIX:** f\n**PREVENTION:** p",
	    0, "r", "w", "f", "p" },
	{ "bold, colon outside",
	    "**Root cause**: r\n**Why**: w\n**Fix**: f\n**Prevention**: p",
	    0, "r", "w", "f", "p" },
	{ "numbered",
	    "1. ROOT CAUSE: r\n2. WHY: w\n3) FIX: f\n4. PREVENTION: p",
	    0, "r", "w", "f", "p" },
	{ "lower case",
	    "root cause: r\nwhy: w\nfix: f\nprevention: p",
	    0, "r", "w", "f", "p" },
	{ "preamble and closing words",
	    "Sure! Here is my analysis of the failure:\n\nROOT CAUSE: r\n"
	    "WHY: w\nFIX: f\nPREVENTION: p\n",
	    0, "r", "w", "f", "p" },
	{ "several lines, words that are no headings",
	    "ROOT CAUSE: r1\nr2\nWHY: Why not earlier: w1\nFixed nothing.\n"
	    "FIX: f1\n  systemctl restart x\nPREVENTION: p",
	    0, "r1\nr2", "Why not earlier: w1\nFixed nothing.",
	    "f1\n  systemctl restart x", "p" },
	{ "CRLF line ends",
	    "ROOT CAUSE: r\r\nWHY: w\r\nFIX: f\r\nPREVENTION: p\r\n",
	    0, "r", "w", "f", "p" },
	{ "CRLF markdown headings",
	    "## Root cause\r\nr\r\n## Why\r\nw\r\n## Fix\r\nf\r\n"
	    "## Prevention\r\np\r\n",
	    0, "r", "w", "f", "p" },
	{ "control bytes dropped",
	    "ROOT CAUSE: r\x1b[31m!\nWHY: w\a\nFIX: f\tg\nPREVENTION: p",
	    0, "r[31m!", "w", "f\tg", "p" },
	{ "missing section",
	    "ROOT CAUSE: r\nWHY: w\nFIX: f\n", -1, NULL, NULL, NULL, NULL },
	{ "empty section",
	    "ROOT CAUSE: r\nWHY:\nFIX: f\nPREVENTION: p\n",
	    -1, NULL, NULL, NULL, NULL },
	{ "no headings at all",
	    "The service seems to have crashed.  Restart it and look at "
	    "the logs.", -1, NULL, NULL, NULL, NULL },
	{ "empty", "", -1, NULL, NULL, NULL, NULL },
};

START_TEST(sections_formats)
{
	static struct analysis a;
	size_t i;

	for (i = 0; i < ARRAY_LEN(formats); i++) {
		int rc = ai_sections(formats[i].text, &a);

		ck_assert_msg(rc == formats[i].rc, "%s: %d", formats[i].name,
		    rc);
		if (rc != 0)
			continue;
		ck_assert_msg(strcmp(a.root_cause, formats[i].root) == 0,
		    "%s: root cause \"%s\"", formats[i].name, a.root_cause);
		ck_assert_msg(strcmp(a.why, formats[i].why) == 0,
		    "%s: why \"%s\"", formats[i].name, a.why);
		ck_assert_msg(strcmp(a.fix, formats[i].fix) == 0,
		    "%s: fix \"%s\"", formats[i].name, a.fix);
		ck_assert_msg(strcmp(a.prevention, formats[i].prev) == 0,
		    "%s: prevention \"%s\"", formats[i].name, a.prevention);
	}
}
END_TEST

/* A section longer than its field is cut and marked, never overrun. */
START_TEST(sections_cut_and_marked)
{
	static char text[8192];
	static struct analysis a;
	int i;

	str_copy(text, sizeof text, "ROOT CAUSE: ");
	for (i = 0; i < 100; i++)
		str_append(text, sizeof text, "word%02d ", i);
	str_append(text, sizeof text, "\nWHY: w\nFIX: f\nPREVENTION: p\n");
	ck_assert_int_eq(ai_sections(text, &a), 0);
	ck_assert_uint_eq(strlen(a.root_cause), sizeof a.root_cause - 1);
	ck_assert_msg(str_ends(a.root_cause, "[...]"), "%s", a.root_cause);
	ck_assert_msg(str_starts(a.root_cause, "word00 word01"), "%s",
	    a.root_cause);
	ck_assert_str_eq(a.why, "w");
}
END_TEST

/* ---- ai_prompt -------------------------------------------------------- */

START_TEST(prompt_carries_evidence)
{
	static char buf[65536];
	size_t len;

	conf_groq(S_GOOD, NULL);
	heal_fill();
	len = ai_prompt(&h, &builtin, buf, sizeof buf);
	ck_assert_uint_eq(len, strlen(buf));
	HAS(buf, "Unit: payments.service");
	HAS(buf, "killed by signal SIGKILL");
	HAS(buf, "State before: failed/failed, result signal");
	HAS(buf, "Outcome: healed: restarted, active and serving again");
	HAS(buf, "- restart: ok: active after 180 ms");
	HAS(buf, "Built-in analysis (may be wrong): " BUILTIN_ROOT);
	HAS(buf, "Journal of the failed run, newest last:\n" T
	    "payments starting, pid 4242\n");
	ck_assert_msg(str_ends(buf, journal_text), "%s", buf);
	/* ai_prompt does not redact: ai_explain does, before sending. */
	HAS(buf, S_PASSWORD);
	/* No built-in analysis: the line is left out. */
	len = ai_prompt(&h, NULL, buf, sizeof buf);
	HASNT(buf, "Built-in analysis");
	ck_assert_msg(str_ends(buf, journal_text), "%s", buf);
}
END_TEST

/* Cut to fit: whole lines dropped from the top, the newest kept. */
START_TEST(prompt_cut_to_cap)
{
	static char buf[4096], head[65536];
	const char *j, *p;
	size_t len, hl;
	int i, first, n;

	conf_groq(S_GOOD, NULL);
	heal_fill();
	h.journal[0] = '\0';
	for (i = 0; i < 300; i++)
		ck_assert_int_eq(str_append(h.journal, sizeof h.journal,
		    T "line %03d of the failed run\n", i), 0);
	len = ai_prompt(&h, &builtin, buf, sizeof buf);
	ck_assert_uint_lt(len, sizeof buf);
	ck_assert_uint_eq(len, strlen(buf));
	/* Over 3/4 of the room is used. */
	ck_assert_uint_gt(len, sizeof buf * 3 / 4);
	j = strstr(buf, "newest last:\n");
	ck_assert_ptr_nonnull(j);
	j += strlen("newest last:\n");
	/* The head is whole: the same as with an empty journal. */
	h.journal[0] = '\0';
	hl = ai_prompt(&h, &builtin, head, sizeof head);
	ck_assert_uint_eq(hl, (size_t)(j - buf));
	ck_assert_int_eq(memcmp(head, buf, hl), 0);
	/* Then whole lines, consecutive, up to the last one. */
	ck_assert_int_eq(sscanf(j, T "line %d of", &first), 1);
	ck_assert_int_gt(first, 0);
	for (p = j, n = first; *p != '\0'; n++) {
		char want[128];

		str_fmt(want, sizeof want, T "line %03d of the failed run\n",
		    n);
		ck_assert_msg(str_starts(p, want), "at line %d: %.80s", n, p);
		p += strlen(want);
	}
	ck_assert_int_eq(n, 300);
}
END_TEST

/* Room for less than the head, or a line longer than the room: never
 * a broken line, never past the buffer. */
START_TEST(prompt_tiny_caps)
{
	static char buf[8192];
	size_t len, cap;

	conf_groq(S_GOOD, NULL);
	heal_fill();
	for (cap = 1; cap < 1200; cap += 37) {
		memset(buf, 'Z', sizeof buf);
		len = ai_prompt(&h, &builtin, buf, cap);
		ck_assert_uint_lt(len, cap);
		ck_assert_uint_eq(strlen(buf), len);
		ck_assert_int_eq(buf[cap], 'Z');
	}
	/* One journal line longer than the room: left out whole. */
	memset(h.journal, 'x', 3000);
	h.journal[3000] = '\0';
	len = ai_prompt(&h, &builtin, buf, 2048);
	ck_assert_msg(str_ends(buf, "newest last:\n"), "%s", buf);
	ck_assert_uint_eq(len, strlen(buf));
}
END_TEST

static Suite *
ai_suite(void)
{
	Suite *s = suite_create("ai");
	TCase *tn = tcase_create("network");
	TCase *tt = tcase_create("text");

	tcase_add_unchecked_fixture(tn, servers_start, servers_stop);
	tcase_set_timeout(tn, 30);
	tcase_add_test(tn, groq_answer_and_request);
	tcase_add_test(tn, groq_prompt_redacted);
	tcase_add_test(tn, groq_skip_redaction_ignored);
	tcase_add_test(tn, chunked_answer);
	tcase_add_test(tn, ollama_answer_and_request);
	tcase_add_test(tn, ollama_chunked_answer);
	tcase_add_test(tn, ollama_skip_redaction_loopback);
	tcase_add_test(tn, skip_redaction_needs_local_ollama);
	tcase_add_test(tn, rate_limited_then_ok);
	tcase_add_test(tn, rate_limited_past_deadline);
	tcase_add_test(tn, rate_limited_retry_after_zero);
	tcase_add_test(tn, refused_401);
	tcase_add_test(tn, too_large_413);
	tcase_add_test(tn, malformed_answer);
	tcase_add_test(tn, answer_without_sections);
	tcase_add_test(tn, silent_server_deadline);
	tcase_add_test(tn, silent_listener_deadline);
	tcase_add_test(tn, connection_refused);
	tcase_add_test(tn, tls_wrong_name);
	tcase_add_test(tn, tls_expired);
	tcase_add_test(tn, tls_self_signed);
	tcase_add_test(tn, tls_ca_not_in_ca_file);
	tcase_add_test(tn, tls_plain_server_on_https);
	tcase_add_test(tn, key_file_readable_by_others);
	tcase_add_test(tn, key_file_bad);
	tcase_add_test(tn, key_file_trimmed);
	tcase_add_test(tn, no_key_for_groq);
	tcase_add_test(tn, key_from_credentials_directory);
	tcase_add_test(tn, provider_settings);
	tcase_add_test(tn, prompt_cut_keeps_newest_lines);
	suite_add_tcase(s, tn);

	tcase_add_test(tt, sections_formats);
	tcase_add_test(tt, sections_cut_and_marked);
	tcase_add_test(tt, prompt_carries_evidence);
	tcase_add_test(tt, prompt_cut_to_cap);
	tcase_add_test(tt, prompt_tiny_caps);
	suite_add_tcase(s, tt);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ai_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
