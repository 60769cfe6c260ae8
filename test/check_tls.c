/*
 * check_tls.c - unit tests for the TLS client in src/tls.c.
 *
 * Once for the whole suite (an unchecked fixture, in the parent
 * process), test/tls/mkcerts.sh makes a test CA and certificates in a
 * directory under /tmp, and these peers start on 127.0.0.1, port
 * chosen by the kernel:
 *   openssl s_server -www with a good, a wrong-name, an expired and a
 *   self-signed certificate, one that speaks TLS 1.3 only, one that
 *   knows only the name localhost (SNI), one -rev (an echo server: it
 *   sends each line back reversed);
 *   a plain TCP server that answers with an HTTP error, one that
 *   closes after reading the ClientHello, and a listener that never
 *   accepts.
 * They are killed and the directory removed in the teardown; should
 * the test die first, PR_SET_PDEATHSIG kills them.
 *
 * Set TLS_MKCERTS to the script's path when not run from the
 * repository's top directory.  Needs the `openssl` command.
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
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tcp.h"
#include "tls.h"
#include "util.h"

#define SLACK_MS	150
#define SYSTEM_BUNDLE	"/etc/ssl/certs/ca-certificates.crt"

enum {
	S_GOOD, S_WRONG, S_EXPIRED, S_SELF, S_TLS13, S_REV, S_SNI, S_COUNT
};

/* -www or -rev: without either, s_server would end each connection as
 * soon as its standard input, /dev/null, ends.  S_SNI answers only to
 * the name localhost (-servername needs -cert2 to take effect). */
static const struct {
	const char *cert;
	const char *args[10];	/* NULL-terminated */
} servers[S_COUNT] = {
	[S_GOOD] = { "good", { "-www" } },
	[S_WRONG] = { "wrong", { "-www" } },
	[S_EXPIRED] = { "expired", { "-www" } },
	[S_SELF] = { "self", { "-www" } },
	[S_TLS13] = { "good", { "-www", "-tls1_3" } },
	[S_REV] = { "good", { "-rev" } },
	[S_SNI] = { "good", { "-www", "-cert2", "good.crt", "-key2",
	    "good.key", "-servername", "localhost", "-servername_fatal" } },
};

/* A forked child must not call ck_assert: it would write to Check's
 * message file at the same time as its parent and garble it. */
static char dir[64];
static pid_t pids[S_COUNT + 2];
static unsigned ports[S_COUNT];
static unsigned garbage_port, eof_port, silent_port;
static int silent_fd = -1;

/* 41 KiB: static rather than on the stack, as tls.h advises. */
static struct tls_conn tls;
static struct tcp_conn tcp;
static char why[512];

static void
path_in(char *buf, size_t n, const char *name)
{
	ck_assert_int_eq(str_fmt(buf, n, "%s/%s", dir, name), 0);
}

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
		execl("/bin/sh", "sh", script, dir, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "%s %s failed (status %d)", script, dir, st);
}

static void
child_setup(const char *out)
{
	int in = open("/dev/null", O_RDONLY);
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (in < 0 || fd < 0 || dup2(in, 0) < 0 || dup2(fd, 1) < 0 ||
	    dup2(fd, 2) < 0 || chdir(dir) < 0)
		_exit(127);
}

/* s_server prints "ACCEPT 127.0.0.1:PORT" once it listens. */
static unsigned
wait_accept_line(const char *out)
{
	int64_t end = mono_ms() + 5000;
	char buf[4096];
	unsigned port;

	while (mono_ms() < end) {
		const char *p;

		if (file_read(out, buf, sizeof buf) > 0 &&
		    (p = strstr(buf, "ACCEPT 127.0.0.1:")) != NULL &&
		    sscanf(p, "ACCEPT 127.0.0.1:%u", &port) == 1)
			return port;
		sleep_ms(20);
	}
	ck_abort_msg("openssl s_server did not start: see %s", out);
	return 0;
}

/* Start openssl s_server with cert NAME.crt and its key, then args;
 * its port goes to *port. */
static pid_t
spawn_s_server(const char *name, const char *const *args, unsigned *port)
{
	const char *argv[24] = { "openssl", "s_server", "-accept",
	    "127.0.0.1:0", "-cert", NULL, "-key", NULL };
	char out[128], cert[32], key[32];
	size_t i;
	pid_t pid;

	str_fmt(out, sizeof out, "%s/%s-%d.out", dir, name, (int)mono_ms());
	str_fmt(cert, sizeof cert, "%s.crt", name);
	str_fmt(key, sizeof key, "%s.key", name);
	argv[5] = cert;
	argv[7] = key;
	for (i = 0; args[i] != NULL; i++) {
		ck_assert_uint_lt(8 + i, sizeof argv / sizeof argv[0] - 1);
		argv[8 + i] = args[i];
	}
	pid = fork();
	if (pid == 0) {
		child_setup(out);
		execvp("openssl", (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	*port = wait_accept_line(out);
	return pid;
}

static void
start_s_server(int i)
{
	pids[i] = spawn_s_server(servers[i].cert, servers[i].args,
	    &ports[i]);
}

static int
listener(int backlog, unsigned *port)
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
	ck_assert_int_eq(listen(fd, backlog), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Read the ClientHello first: closing with unread data would send a
 * reset, and the client might see that instead of our answer. */
static void
plain_peer(int c, const char *answer)
{
	struct timeval tv = { 2, 0 };
	char buf[4096];

	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (read(c, buf, sizeof buf) <= 0)
		return;
	if (answer == NULL)
		return;
	if (write(c, answer, strlen(answer)) < 0)
		return;
	shutdown(c, SHUT_WR);
	while (read(c, buf, sizeof buf) > 0)
		;
}

static pid_t
start_plain(const char *answer, unsigned *port)
{
	int fd = listener(8, port);
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			int c = accept(fd, NULL, NULL);

			if (c < 0)
				_exit(0);
			plain_peer(c, answer);
			close(c);
		}
	}
	ck_assert_int_gt(pid, 0);
	close(fd);
	return pid;
}

static void
certs_make(void)
{
	str_copy(dir, sizeof dir, "/tmp/check_tls.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	run_mkcerts();
}

static void
servers_start(void)
{
	int i;

	certs_make();
	for (i = 0; i < S_COUNT; i++)
		start_s_server(i);
	pids[S_COUNT] = start_plain("HTTP/1.1 400 Bad Request\r\n"
	    "Content-Length: 0\r\n\r\n", &garbage_port);
	pids[S_COUNT + 1] = start_plain(NULL, &eof_port);
	silent_fd = listener(64, &silent_port);
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
certs_remove(void)
{
	if (dir[0] != '\0')
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	dir[0] = '\0';
}

static void
servers_stop(void)
{
	size_t i;

	for (i = 0; i < sizeof pids / sizeof pids[0]; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
		}
	}
	if (silent_fd >= 0)
		close(silent_fd);
	silent_fd = -1;
	certs_remove();
}

static struct tls_trust *
trust_from(const char *name)
{
	struct tls_trust *t;
	char path[128];

	path_in(path, sizeof path, name);
	ck_assert_msg(tls_trust_load(&t, path, why, sizeof why) == 0,
	    "%s", why);
	return t;
}

/* TCP to 127.0.0.1:port, then a handshake as name. */
static int
handshake(const struct tls_trust *t, unsigned port, const char *name,
    int ms)
{
	char ps[8];

	str_fmt(ps, sizeof ps, "%u", port);
	ck_assert_msg(tcp_connect(&tcp, "127.0.0.1", ps, mono_ms() + ms) ==
	    0, "%s", tcp.err);
	return tls_connect(&tls, &tcp, t, name, why, sizeof why);
}

/* The handshake must fail with exactly "TLS handshake with
 * 127.0.0.1:PORT: " followed by clause. */
static void
expect_failure(const char *ca, unsigned port, const char *name,
    const char *clause)
{
	struct tls_trust *t = trust_from(ca);
	char want[512];

	ck_assert_int_eq(handshake(t, port, name, 3000), -1);
	str_fmt(want, sizeof want, "TLS handshake with 127.0.0.1:%u: %s",
	    port, clause);
	ck_assert_str_eq(why, want);
	tls_close(&tls);
	tcp_close(&tcp);
	tls_trust_free(t);
}

/* ---- connections ------------------------------------------------- */

static size_t
read_all(char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t r;

	while ((r = tls_read(&tls, buf + got, cap - 1 - got, why,
	    sizeof why)) > 0) {
		got += (size_t)r;
		ck_assert_uint_lt(got, cap - 1);
	}
	ck_assert_msg(r == 0, "tls_read: %s", why);
	buf[got] = '\0';
	return got;
}

START_TEST(good_server_http_exchange)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	struct tls_trust *t = trust_from("ca.crt");
	static char page[65536];

	ck_assert_msg(handshake(t, ports[S_GOOD], "localhost", 3000) == 0,
	    "%s", why);
	ck_assert_int_eq(tls_write_all(&tls, req, sizeof req - 1, why,
	    sizeof why), 0);
	read_all(page, sizeof page);
	ck_assert_msg(str_starts(page, "HTTP/1.0 200 ok"), "%.60s", page);
	ck_assert_ptr_nonnull(strstr(page, "TLSv1.2"));
	/* The server ended with close_notify: reads stay at 0. */
	ck_assert_int_eq(tls_read(&tls, page, 16, why, sizeof why), 0);
	tls_close(&tls);
	tls_close(&tls);
	tcp_close(&tcp);
	tls_trust_free(t);
}
END_TEST

/* Larger than one record each way: 1600 lines of 38 bytes, 59 KiB. */
START_TEST(echo_many_records)
{
	struct tls_trust *t = trust_from("ca.crt");
	static char out[65536], in[65536];
	size_t len = 0, got = 0;
	int i;

	for (i = 0; i < 1600; i++) {
		ck_assert_int_eq(str_fmt(out + len, sizeof out - len,
		    "line %05d abcdefghijklmnopqrstuvwxyz\n", i), 0);
		len += 38;
	}
	ck_assert_msg(handshake(t, ports[S_REV], "localhost", 5000) == 0,
	    "%s", why);
	ck_assert_msg(tls_write_all(&tls, out, len, why, sizeof why) == 0,
	    "%s", why);
	while (got < len) {
		ssize_t r = tls_read(&tls, in + got, sizeof in - got, why,
		    sizeof why);

		ck_assert_msg(r > 0, "after %zu bytes: %s", got, why);
		got += (size_t)r;
	}
	ck_assert_uint_eq(got, len);
	ck_assert_int_eq(memcmp(in, "zyxwvutsrqponmlkjihgfedcba 00000 enil\n",
	    38), 0);
	tls_close(&tls);
	tcp_close(&tcp);
	tls_trust_free(t);
}
END_TEST

START_TEST(read_waits_no_longer_than_deadline)
{
	struct tls_trust *t = trust_from("ca.crt");
	char buf[64], want[128];
	int64_t t0;

	ck_assert_msg(handshake(t, ports[S_GOOD], "localhost", 3000) == 0,
	    "%s", why);
	/* -www answers only a request: none is sent. */
	tcp_set_deadline(&tcp, mono_ms() + 200);
	t0 = mono_ms();
	ck_assert_int_eq(tls_read(&tls, buf, sizeof buf, why, sizeof why),
	    -1);
	ck_assert_int_lt(mono_ms() - t0, 200 + SLACK_MS);
	str_fmt(want, sizeof want, "TLS read: timed out after 200 ms while "
	    "reading from 127.0.0.1:%u", ports[S_GOOD]);
	ck_assert_str_eq(why, want);
	ck_assert_int_eq(tls_read(&tls, buf, sizeof buf, why, sizeof why),
	    -1);
	ck_assert_ptr_nonnull(strstr(why, "session not open"));
	tls_close(&tls);
	tcp_close(&tcp);
	tls_trust_free(t);
}
END_TEST

START_TEST(close_sends_close_notify_without_waiting)
{
	struct tls_trust *t = trust_from("ca.crt");
	int64_t t0;

	ck_assert_msg(handshake(t, ports[S_GOOD], "localhost", 3000) == 0,
	    "%s", why);
	t0 = mono_ms();
	tls_close(&tls);
	ck_assert_int_lt(mono_ms() - t0, 100);
	ck_assert_int_eq(tls_write_all(&tls, "x", 1, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "session not open"));
	tcp_close(&tcp);
	tls_close(NULL);
	tls_trust_free(t);
}
END_TEST

/* A certificate without CA:TRUE in the CA file is trusted as the
 * server's own: a self-signed server can be pinned. */
START_TEST(self_signed_can_be_pinned)
{
	struct tls_trust *t = trust_from("self.crt");

	ck_assert_msg(handshake(t, ports[S_SELF], "localhost", 3000) == 0,
	    "%s", why);
	tls_close(&tls);
	tcp_close(&tcp);
	tls_trust_free(t);
}
END_TEST

START_TEST(self_signed_not_trusted)
{
	expect_failure("ca.crt", ports[S_SELF], "localhost",
	    "certificate chain not trusted (is the CA in ca_file?)");
}
END_TEST

START_TEST(system_bundle_does_not_trust_test_ca)
{
	struct tls_trust *t;
	char want[160];

	ck_assert_msg(tls_trust_load(&t, SYSTEM_BUNDLE, why, sizeof why) ==
	    0, "%s", why);
	ck_assert_int_eq(handshake(t, ports[S_GOOD], "localhost", 3000), -1);
	str_fmt(want, sizeof want, "TLS handshake with 127.0.0.1:%u: "
	    "certificate chain not trusted (is the CA in ca_file?)",
	    ports[S_GOOD]);
	ck_assert_str_eq(why, want);
	tls_close(&tls);
	tcp_close(&tcp);
	tls_trust_free(t);
}
END_TEST

START_TEST(wrong_name)
{
	expect_failure("ca.crt", ports[S_WRONG], "localhost",
	    "certificate is for another name than \"localhost\" "
	    "(it names \"wrong.example\")");
	expect_failure("ca.crt", ports[S_GOOD], "other.example",
	    "certificate is for another name than \"other.example\" "
	    "(it names \"localhost\")");
}
END_TEST

START_TEST(expired)
{
	struct tls_trust *t = trust_from("ca.crt");
	char want[160];

	ck_assert_int_eq(handshake(t, ports[S_EXPIRED], "localhost", 3000),
	    -1);
	str_fmt(want, sizeof want, "TLS handshake with 127.0.0.1:%u: "
	    "certificate expired or not yet valid: check the clock (now is ",
	    ports[S_EXPIRED]);
	ck_assert_msg(str_starts(why, want), "%s", why);
	ck_assert_msg(str_ends(why, "Z)"), "%s", why);
	tls_close(&tls);
	tcp_close(&tcp);
	tls_trust_free(t);
}
END_TEST

START_TEST(tls13_only_server)
{
	expect_failure("ca.crt", ports[S_TLS13], "localhost",
	    "server wants a TLS version ansai does not speak "
	    "(TLS 1.3 only?)");
}
END_TEST

START_TEST(plain_tcp_server)
{
	expect_failure("ca.crt", garbage_port, "localhost",
	    "server does not speak TLS (it sent \"HTTP/\")");
}
END_TEST

/* Not text: the bytes BearSSL read, the 5 of a record header, in hex.
 * This peer is the test's own child, stopped before the test ends. */
START_TEST(binary_answer_quoted_in_hex)
{
	unsigned port;
	pid_t pid = start_plain("\x80\x01\x02\x03\x04\x05\x06", &port);

	expect_failure("ca.crt", port, "localhost",
	    "server does not speak TLS (it sent 80 01 02 03 04)");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
END_TEST

START_TEST(server_closes_during_handshake)
{
	expect_failure("ca.crt", eof_port, "localhost",
	    "server closed the connection without answering "
	    "(is it a TLS port?)");
}
END_TEST

START_TEST(server_name_is_sent)
{
	struct tls_trust *t = trust_from("ca.crt");

	ck_assert_msg(handshake(t, ports[S_SNI], "localhost", 3000) == 0,
	    "%s", why);
	tls_close(&tls);
	tcp_close(&tcp);
	tls_trust_free(t);
	expect_failure("ca.crt", ports[S_SNI], "other.example",
	    "server does not know the name \"other.example\" (SNI)");
}
END_TEST

/* A server that dies after the handshake closes TCP without
 * close_notify: what was read may be cut short, so it is an error. */
START_TEST(truncated_session_reported)
{
	static const char *const args[] = { "-www", NULL };
	struct tls_trust *t = trust_from("ca.crt");
	char buf[64], want[200];
	unsigned port;
	pid_t pid = spawn_s_server("good", args, &port);

	ck_assert_msg(handshake(t, port, "localhost", 3000) == 0, "%s", why);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(tls_read(&tls, buf, sizeof buf, why, sizeof why),
	    -1);
	str_fmt(want, sizeof want, "TLS read with 127.0.0.1:%u: server "
	    "closed the connection without close_notify: data may be cut "
	    "short", port);
	ck_assert_str_eq(why, want);
	tls_close(&tls);
	tcp_close(&tcp);
	tls_trust_free(t);
}
END_TEST

START_TEST(silent_server_ends_at_deadline)
{
	struct tls_trust *t = trust_from("ca.crt");
	char want[128];
	int64_t t0 = mono_ms(), took;

	ck_assert_int_eq(handshake(t, silent_port, "localhost", 300), -1);
	took = mono_ms() - t0;
	ck_assert_int_ge(took, 300);
	ck_assert_int_lt(took, 300 + SLACK_MS);
	str_fmt(want, sizeof want, "TLS handshake: timed out after 300 ms "
	    "while reading from 127.0.0.1:%u", silent_port);
	ck_assert_str_eq(why, want);
	tls_close(&tls);
	tcp_close(&tcp);
	tls_trust_free(t);
}
END_TEST

START_TEST(refused_port_fails_fast)
{
	int64_t t0 = mono_ms();
	char ps[8], want[64];
	unsigned port;
	int fd = listener(1, &port);

	close(fd);	/* nothing listens there now */
	str_fmt(ps, sizeof ps, "%u", port);
	ck_assert_int_eq(tcp_connect(&tcp, "127.0.0.1", ps, t0 + 3000), -1);
	ck_assert_int_lt(mono_ms() - t0, SLACK_MS);
	str_fmt(want, sizeof want, "connect to 127.0.0.1:%u: connection "
	    "refused", port);
	ck_assert_str_eq(tcp.err, want);
}
END_TEST

START_TEST(unverifiable_names_refused)
{
	struct tls_trust *t = trust_from("ca.crt");
	char want[200];

	ck_assert_int_eq(handshake(t, ports[S_GOOD], "127.0.0.1", 3000), -1);
	str_fmt(want, sizeof want, "TLS handshake with 127.0.0.1:%u: cannot "
	    "verify a certificate for an IP address (127.0.0.1): use the "
	    "host name the certificate is for", ports[S_GOOD]);
	ck_assert_str_eq(why, want);
	tls_close(&tls);
	ck_assert_int_eq(tls_connect(&tls, &tcp, t, "::1", why, sizeof why),
	    -1);
	ck_assert_ptr_nonnull(strstr(why, "for an IP address (::1)"));
	ck_assert_int_eq(tls_connect(&tls, &tcp, t, "", why, sizeof why),
	    -1);
	ck_assert_ptr_nonnull(strstr(why, "server name empty"));
	tls_close(&tls);
	tcp_close(&tcp);
	tls_trust_free(t);
}
END_TEST

/* ---- trust anchors ----------------------------------------------- */

static void
write_file(const char *name, const void *data, size_t len)
{
	char path[128];
	int fd;

	path_in(path, sizeof path, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fd_write_all(fd, data, len), 0);
	close(fd);
}

/* Append a file of dir to buf[cap] at *len. */
static void
cat_into(char *buf, size_t cap, size_t *len, const char *name)
{
	char path[128];
	ssize_t r;

	path_in(path, sizeof path, name);
	r = file_read(path, buf + *len, cap - *len);
	ck_assert_int_gt(r, 0);
	*len += (size_t)r;
}

static void
expect_load_error(const char *name, const char *clause)
{
	struct tls_trust *t = (struct tls_trust *)&t;	/* must be NULLed */
	char path[128], want[256];

	path_in(path, sizeof path, name);
	ck_assert_int_eq(tls_trust_load(&t, path, why, sizeof why), -1);
	ck_assert_ptr_null(t);
	str_fmt(want, sizeof want, "CA file %s: %s", path, clause);
	ck_assert_str_eq(why, want);
}

START_TEST(system_bundle_loads)
{
	struct tls_trust *t;

	ck_assert_msg(tls_trust_load(&t, SYSTEM_BUNDLE, why, sizeof why) ==
	    0, "%s", why);
	ck_assert_uint_gt(tls_trust_count(t), 100);
	ck_assert_uint_le(tls_trust_count(t), TLS_ANCHORS_MAX);
	/* Names and keys only: well under the bundle's own size. */
	ck_assert_uint_lt(tls_trust_bytes(t), 160 * 1024);
	tls_trust_free(t);
	tls_trust_free(NULL);
}
END_TEST

START_TEST(empty_and_garbage_files)
{
	static const char junk[] = "not a certificate\n\x01\x02\xff\n";
	static const char broken[] = "-----BEGIN CERTIFICATE-----\n"
	    "this is not base64 !!!\n-----END CERTIFICATE-----\n";
	static const char cut[] = "-----BEGIN CERTIFICATE-----\n"
	    "MIIB\n";
	static const char bogus[] = "-----BEGIN CERTIFICATE-----\n"
	    "AAAA\n-----END CERTIFICATE-----\n";

	write_file("empty.pem", "", 0);
	expect_load_error("empty.pem",
	    "no PEM certificate in it (BEGIN CERTIFICATE)");
	write_file("junk.pem", junk, sizeof junk - 1);
	expect_load_error("junk.pem",
	    "no PEM certificate in it (BEGIN CERTIFICATE)");
	write_file("broken.pem", broken, sizeof broken - 1);
	expect_load_error("broken.pem", "broken PEM in object 1");
	write_file("cut.pem", cut, sizeof cut - 1);
	expect_load_error("cut.pem", "ends inside a PEM object (cut short?)");
	write_file("bogus.pem", bogus, sizeof bogus - 1);
	expect_load_error("bogus.pem",
	    "no certificate in it that ansai can use");
	expect_load_error("missing.pem", "No such file or directory");
}
END_TEST

START_TEST(huge_files_refused)
{
	char path[128], want[256];
	struct tls_trust *t;
	int fd;

	path_in(path, sizeof path, "huge.pem");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, TLS_CA_FILE_MAX + 1), 0);
	close(fd);
	expect_load_error("huge.pem", "larger than 1 MiB: not a CA bundle?");
	/* Endless, and without a size to check first. */
	ck_assert_int_eq(tls_trust_load(&t, "/dev/zero", why, sizeof why),
	    -1);
	str_fmt(want, sizeof want, "CA file /dev/zero: not a regular file");
	ck_assert_str_eq(why, want);
}
END_TEST

/* Opening a FIFO without a writer would block for ever. */
START_TEST(fifo_refused_at_once)
{
	char path[128];
	int64_t t0;

	path_in(path, sizeof path, "fifo.pem");
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	t0 = mono_ms();
	expect_load_error("fifo.pem", "not a regular file");
	ck_assert_int_lt(mono_ms() - t0, SLACK_MS);
}
END_TEST

START_TEST(too_many_certificates)
{
	static char big[TLS_CA_FILE_MAX];
	size_t len = 0, one;
	int i;

	cat_into(big, sizeof big, &len, "ca.crt");
	one = len;
	for (i = 1; i <= TLS_ANCHORS_MAX; i++) {
		ck_assert_uint_lt(len + one, sizeof big);
		memcpy(big + len, big, one);
		len += one;
	}
	write_file("many.pem", big, len);
	expect_load_error("many.pem", "more than 256 certificates");
	write_file("many.pem", big, len - one);
	{
		struct tls_trust *t = trust_from("many.pem");

		ck_assert_uint_eq(tls_trust_count(t), TLS_ANCHORS_MAX);
		tls_trust_free(t);
	}
}
END_TEST

/* Keys and other objects are skipped; a final line without its newline
 * still counts. */
START_TEST(mixed_file)
{
	static char buf[16384];
	struct tls_trust *t;
	size_t len = 0;

	cat_into(buf, sizeof buf, &len, "good.key");
	cat_into(buf, sizeof buf, &len, "ca.crt");
	cat_into(buf, sizeof buf, &len, "self.crt");
	ck_assert(len > 0 && buf[len - 1] == '\n');
	write_file("mixed.pem", buf, len - 1);
	t = trust_from("mixed.pem");
	ck_assert_uint_eq(tls_trust_count(t), 2);
	ck_assert_uint_eq(tls_trust_skipped(t), 0);
	tls_trust_free(t);
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("client");
	TCase *ta = tcase_create("anchors");

	tcase_add_unchecked_fixture(tc, servers_start, servers_stop);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, good_server_http_exchange);
	tcase_add_test(tc, echo_many_records);
	tcase_add_test(tc, read_waits_no_longer_than_deadline);
	tcase_add_test(tc, close_sends_close_notify_without_waiting);
	tcase_add_test(tc, self_signed_can_be_pinned);
	tcase_add_test(tc, self_signed_not_trusted);
	tcase_add_test(tc, system_bundle_does_not_trust_test_ca);
	tcase_add_test(tc, wrong_name);
	tcase_add_test(tc, expired);
	tcase_add_test(tc, tls13_only_server);
	tcase_add_test(tc, plain_tcp_server);
	tcase_add_test(tc, binary_answer_quoted_in_hex);
	tcase_add_test(tc, server_closes_during_handshake);
	tcase_add_test(tc, server_name_is_sent);
	tcase_add_test(tc, truncated_session_reported);
	tcase_add_test(tc, silent_server_ends_at_deadline);
	tcase_add_test(tc, refused_port_fails_fast);
	tcase_add_test(tc, unverifiable_names_refused);
	suite_add_tcase(s, tc);

	tcase_add_unchecked_fixture(ta, certs_make, certs_remove);
	tcase_set_timeout(ta, 20);
	tcase_add_test(ta, system_bundle_loads);
	tcase_add_test(ta, empty_and_garbage_files);
	tcase_add_test(ta, huge_files_refused);
	tcase_add_test(ta, fifo_refused_at_once);
	tcase_add_test(ta, too_many_certificates);
	tcase_add_test(ta, mixed_file);
	suite_add_tcase(s, ta);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tls_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
