/*
 * check_tcp.c - unit tests for the TCP client in src/tcp.c, against
 * peers of its own on 127.0.0.1 and ::1: an echo server, one that
 * closes at once, one that drips a byte at a time, a listener that
 * never accepts, a full backlog and a port that refuses.
 *
 * Every peer is a child of the test that made it, killed at the end of
 * the test and, through PR_SET_PDEATHSIG, when the test dies.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tcp.h"
#include "util.h"

/* How late past its deadline a call may end on a loaded machine running
 * sanitizers. */
#define SLACK_MS	150

/* A socket bound to the loopback address of family, port chosen by the
 * kernel.  backlog < 0: bound but not listening, so connects are
 * refused. */
static int
loopback(int family, int backlog, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *a;
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
	if (backlog >= 0)
		ck_assert_int_eq(listen(fd, backlog), 0);
	len = sizeof ss;
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static void
echo_peer(int c)
{
	char buf[256];
	ssize_t r;

	while ((r = read(c, buf, sizeof buf)) > 0)
		if (write(c, buf, (size_t)r) != r)
			break;
}

static void
close_peer(int c)
{
	(void)c;
}

/* One byte every 50 ms, forever: only a deadline stops a reader. */
static void
drip_peer(int c)
{
	while (write(c, "x", 1) == 1)
		usleep(50 * 1000);
}

/* Fork a peer that serves each connection on lfd with fn. */
static pid_t
peer_start(int lfd, void (*fn)(int))
{
	pid_t pid = fork();

	/* Only the parent may use ck_assert: the child would write to
	 * Check's message file along with it. */
	if (pid != 0) {
		ck_assert_int_gt(pid, 0);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		int c = accept(lfd, NULL, NULL);

		if (c < 0)
			_exit(0);
		fn(c);
		close(c);
	}
}

static void
peer_stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void
connect_ok(struct tcp_conn *c, const char *host, unsigned port, int ms)
{
	char ps[8];

	snprintf(ps, sizeof ps, "%u", port);
	ck_assert_msg(tcp_connect(c, host, ps, mono_ms() + ms) == 0,
	    "tcp_connect: %s", c->err);
}

START_TEST(refused_port_fails_fast)
{
	struct tcp_conn c;
	char want[64], ps[8];
	unsigned port;
	int fd = loopback(AF_INET, -1, &port);
	int64_t t0 = mono_ms();

	snprintf(ps, sizeof ps, "%u", port);
	ck_assert_int_eq(tcp_connect(&c, "127.0.0.1", ps, t0 + 5000), -1);
	ck_assert_int_lt(mono_ms() - t0, SLACK_MS);
	snprintf(want, sizeof want, "connect to 127.0.0.1:%u: "
	    "connection refused", port);
	ck_assert_str_eq(c.err, want);
	ck_assert_int_eq(c.fd, -1);
	tcp_close(&c);
	close(fd);
}
END_TEST

/* With the accept queue full, Linux drops the SYN: the connect hangs
 * as it would towards a host that never answers. */
START_TEST(connect_ends_at_deadline)
{
	struct tcp_conn c, filler;
	char want[96], ps[8];
	unsigned port;
	int fd = loopback(AF_INET, 0, &port);
	int64_t t0, took;

	connect_ok(&filler, "127.0.0.1", port, 1000);
	snprintf(ps, sizeof ps, "%u", port);
	t0 = mono_ms();
	ck_assert_int_eq(tcp_connect(&c, "127.0.0.1", ps, t0 + 300), -1);
	took = mono_ms() - t0;
	ck_assert_int_ge(took, 300);
	ck_assert_int_lt(took, 300 + SLACK_MS);
	snprintf(want, sizeof want, "timed out after 300 ms while "
	    "connecting to 127.0.0.1:%u", port);
	ck_assert_str_eq(c.err, want);
	tcp_close(&filler);
	close(fd);
}
END_TEST

START_TEST(ipv6_literal_echo)
{
	struct tcp_conn c;
	char buf[16], want[32];
	unsigned port;
	int fd = loopback(AF_INET6, 8, &port);
	pid_t pid = peer_start(fd, echo_peer);

	connect_ok(&c, "::1", port, 2000);
	snprintf(want, sizeof want, "[::1]:%u", port);
	ck_assert_str_eq(c.peer, want);
	ck_assert_int_eq(tcp_write_all(&c, "ping", 4), 0);
	ck_assert_int_eq(tcp_read(&c, buf, sizeof buf), 4);
	ck_assert_int_eq(memcmp(buf, "ping", 4), 0);
	tcp_close(&c);
	peer_stop(pid);
	close(fd);
}
END_TEST

/* "localhost" goes through the resolver (/etc/hosts); should it give
 * ::1 first, that address is refused and 127.0.0.1 tried next. */
START_TEST(name_resolves_and_connects)
{
	struct tcp_conn c;
	char buf[16];
	unsigned port;
	int fd = loopback(AF_INET, 8, &port);
	pid_t pid = peer_start(fd, echo_peer);

	connect_ok(&c, "localhost", port, 2000);
	ck_assert_int_eq(tcp_write_all(&c, "hi", 2), 0);
	ck_assert_int_eq(tcp_read(&c, buf, sizeof buf), 2);
	tcp_close(&c);
	peer_stop(pid);
	close(fd);
}
END_TEST

START_TEST(read_ends_at_deadline)
{
	struct tcp_conn c;
	char buf[16], want[96];
	unsigned port;
	int fd = loopback(AF_INET, 8, &port);	/* never accepts */
	int64_t t0, took;

	t0 = mono_ms();
	connect_ok(&c, "127.0.0.1", port, 250);
	ck_assert_int_eq(tcp_read(&c, buf, sizeof buf), -1);
	took = mono_ms() - t0;
	ck_assert_int_ge(took, 250);
	ck_assert_int_lt(took, 250 + SLACK_MS);
	snprintf(want, sizeof want, "timed out after 250 ms while "
	    "reading from 127.0.0.1:%u", port);
	ck_assert_str_eq(c.err, want);
	tcp_close(&c);
	close(fd);
}
END_TEST

START_TEST(dripping_peer_cannot_outlive_deadline)
{
	struct tcp_conn c;
	char buf[16];
	unsigned port;
	int fd = loopback(AF_INET, 8, &port);
	pid_t pid = peer_start(fd, drip_peer);
	int64_t t0 = mono_ms(), took;
	ssize_t r, got = 0;

	connect_ok(&c, "127.0.0.1", port, 300);
	while ((r = tcp_read(&c, buf, sizeof buf)) > 0)
		got += r;
	took = mono_ms() - t0;
	ck_assert_int_eq(r, -1);
	ck_assert_int_gt(got, 0);
	ck_assert_int_lt(took, 300 + SLACK_MS);
	ck_assert_ptr_nonnull(strstr(c.err,
	    "timed out after 300 ms while reading"));
	tcp_close(&c);
	peer_stop(pid);
	close(fd);
}
END_TEST

START_TEST(write_ends_at_deadline)
{
	static char chunk[1 << 20];
	struct tcp_conn c;
	unsigned port;
	int fd = loopback(AF_INET, 8, &port);	/* never reads */
	int64_t t0 = mono_ms(), took;
	int i;

	connect_ok(&c, "127.0.0.1", port, 500);
	for (i = 0; i < 1000; i++)
		if (tcp_write_all(&c, chunk, sizeof chunk) < 0)
			break;
	took = mono_ms() - t0;
	ck_assert_int_lt(i, 1000);
	ck_assert_int_lt(took, 500 + SLACK_MS);
	ck_assert_ptr_nonnull(strstr(c.err,
	    "timed out after 500 ms while writing to 127.0.0.1:"));
	tcp_close(&c);
	close(fd);
}
END_TEST

/* After the peer has gone, a write fails with EPIPE or ECONNRESET;
 * without MSG_NOSIGNAL, SIGPIPE would kill this test instead. */
START_TEST(closed_peer_gives_eof_then_no_sigpipe)
{
	struct tcp_conn c;
	char buf[16], want[64];
	unsigned port;
	int fd = loopback(AF_INET, 8, &port);
	pid_t pid = peer_start(fd, close_peer);
	int i;

	signal(SIGPIPE, SIG_DFL);
	connect_ok(&c, "127.0.0.1", port, 2000);
	ck_assert_int_eq(tcp_read(&c, buf, sizeof buf), 0);
	snprintf(want, sizeof want, "127.0.0.1:%u closed the connection",
	    port);
	ck_assert_str_eq(c.err, want);
	for (i = 0; i < 100; i++)
		if (tcp_write_all(&c, "x", 1) < 0)
			break;
	ck_assert_int_lt(i, 100);
	snprintf(want, sizeof want, "write to 127.0.0.1:%u: ", port);
	ck_assert_ptr_nonnull(strstr(c.err, want));
	ck_assert(strstr(c.err, "broken pipe") != NULL ||
	    strstr(c.err, "connection reset") != NULL);
	tcp_close(&c);
	peer_stop(pid);
	close(fd);
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
	static const char *ports[] = { "0", "65536", "https", "", "-1" };
	char longhost[TCP_HOST_MAX + 1];
	struct tcp_conn c;
	size_t i;

	for (i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		ck_assert_int_eq(tcp_connect(&c, "127.0.0.1", ports[i],
		    mono_ms() + 1000), -1);
		ck_assert_msg(strstr(c.err, "port must be a number from 1 "
		    "to 65535") != NULL, "%s: %s", ports[i], c.err);
		ck_assert_int_eq(c.fd, -1);
		tcp_close(&c);
	}
	ck_assert_int_eq(tcp_connect(&c, "", "80", mono_ms() + 1000), -1);
	ck_assert_ptr_nonnull(strstr(c.err, "host name empty"));
	memset(longhost, 'a', sizeof longhost - 1);
	longhost[sizeof longhost - 1] = '\0';
	ck_assert_int_eq(tcp_connect(&c, longhost, "80", mono_ms() + 1000),
	    -1);
	ck_assert_ptr_nonnull(strstr(c.err, "longer than 255 bytes"));
}
END_TEST

START_TEST(past_deadline_fails_at_once)
{
	struct tcp_conn c;

	ck_assert_int_eq(tcp_connect(&c, "127.0.0.1", "9", mono_ms() - 10),
	    -1);
	ck_assert_str_eq(c.err,
	    "timed out after 0 ms while resolving 127.0.0.1:9");
}
END_TEST

START_TEST(deadline_can_be_renewed)
{
	struct tcp_conn c;
	char buf[4], want[96];
	unsigned port;
	int fd = loopback(AF_INET, 8, &port);

	connect_ok(&c, "127.0.0.1", port, 5000);
	tcp_set_deadline(&c, mono_ms() + 100);
	ck_assert_int_eq(tcp_read(&c, buf, sizeof buf), -1);
	snprintf(want, sizeof want, "timed out after 100 ms while reading "
	    "from 127.0.0.1:%u", port);
	ck_assert_str_eq(c.err, want);
	tcp_close(&c);
	tcp_close(&c);
	tcp_close(NULL);
	ck_assert_int_eq(tcp_read(&c, buf, sizeof buf), -1);
	ck_assert_ptr_nonnull(strstr(c.err, "not connected"));
	close(fd);
}
END_TEST

START_TEST(probe_local_still_works)
{
	unsigned port;
	int fd = loopback(AF_INET, 8, &port);

	ck_assert_int_eq(tcp_probe_local(port, 500), 1);
	close(fd);
	fd = loopback(AF_INET, -1, &port);
	ck_assert_int_eq(tcp_probe_local(port, 500), 0);
	close(fd);
}
END_TEST

static Suite *
tcp_suite(void)
{
	Suite *s = suite_create("tcp");
	TCase *tc = tcase_create("client");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, refused_port_fails_fast);
	tcase_add_test(tc, connect_ends_at_deadline);
	tcase_add_test(tc, ipv6_literal_echo);
	tcase_add_test(tc, name_resolves_and_connects);
	tcase_add_test(tc, read_ends_at_deadline);
	tcase_add_test(tc, dripping_peer_cannot_outlive_deadline);
	tcase_add_test(tc, write_ends_at_deadline);
	tcase_add_test(tc, closed_peer_gives_eof_then_no_sigpipe);
	tcase_add_test(tc, bad_arguments_are_refused);
	tcase_add_test(tc, past_deadline_fails_at_once);
	tcase_add_test(tc, deadline_can_be_renewed);
	tcase_add_test(tc, probe_local_still_works);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tcp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
