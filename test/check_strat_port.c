/*
 * check_strat_port.c - unit tests for the pure parts of the port
 * strategy (src/strat_port.c): ExecStart paths, users, endpoints, ports
 * in journal messages, list-sockets, /proc/PID/stat, the judgement of
 * owners, and stopping processes this test starts itself.
 *
 * Fixtures are real systemctl and journalctl output, described in
 * test/fixtures/strat_port/README.  Run from the repository root.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strat_port.h"
#include "util.h"

#define FIXTURES "test/fixtures/strat_port"

static char text[32768];

static const char *
load(const char *name)
{
	char path[256];
	ssize_t n;

	snprintf(path, sizeof path, FIXTURES "/%s", name);
	n = file_read(path, text, sizeof text);
	ck_assert_msg(n > 0, "cannot read %s", path);
	return text;
}

/* ---- ExecStart ---- */

START_TEST(exec_multi)
{
	char p[SP_EXEC_MAX][SP_PATH_MAX];
	unsigned n = sp_exec_paths(load("exec-multi.show"), p, SP_EXEC_MAX);

	/* ExecStartPre= is not ExecStart=; prefixes -@ are not shown. */
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(p[0], "/bin/true");
	ck_assert_str_eq(p[1], "/bin/sleep");
	ck_assert_str_eq(p[2], "/usr/bin/env");
	ck_assert_uint_eq(sp_exec_paths(text, p, 2), 2);
}
END_TEST

START_TEST(exec_single)
{
	char p[SP_EXEC_MAX][SP_PATH_MAX];

	ck_assert_uint_eq(sp_exec_paths(load("exec-sh.show"), p,
	    SP_EXEC_MAX), 1);
	ck_assert_str_eq(p[0], "/bin/sh");
	ck_assert_uint_eq(sp_exec_paths(load("exec-journald.show"), p,
	    SP_EXEC_MAX), 1);
	ck_assert_str_eq(p[0], "/lib/systemd/systemd-journald");
}
END_TEST

START_TEST(exec_odd)
{
	char p[SP_EXEC_MAX][SP_PATH_MAX], big[600];
	char show[800];

	ck_assert_uint_eq(sp_exec_paths("ExecStart=[not set]\nUser=\n", p,
	    SP_EXEC_MAX), 0);
	ck_assert_uint_eq(sp_exec_paths("ExecStart=\n", p, SP_EXEC_MAX), 0);
	ck_assert_uint_eq(sp_exec_paths("", p, SP_EXEC_MAX), 0);
	/* No terminator: maybe cut, so not trusted. */
	ck_assert_uint_eq(sp_exec_paths("ExecStart={ path=/bin/sh", p,
	    SP_EXEC_MAX), 0);
	/* Relative: not a program path. */
	ck_assert_uint_eq(sp_exec_paths("ExecStart={ path=sh ; argv[]=sh }",
	    p, SP_EXEC_MAX), 0);
	/* A "{ path=" inside argv is argv, not another program. */
	ck_assert_uint_eq(sp_exec_paths("ExecStart={ path=/bin/echo ; "
	    "argv[]=/bin/echo { path=/evil ; } ; ignore_errors=no }\n", p,
	    SP_EXEC_MAX), 1);
	ck_assert_str_eq(p[0], "/bin/echo");
	ck_assert_uint_eq(sp_exec_paths("XExecStart={ path=/bin/a ; }\n"
	    "ExecStartPre={ path=/bin/b ; }\n", p, SP_EXEC_MAX), 0);
	/* Spaces in a path are kept. */
	ck_assert_uint_eq(sp_exec_paths("ExecStart={ path=/opt/my app/run ; "
	    "argv[]=x }", p, SP_EXEC_MAX), 1);
	ck_assert_str_eq(p[0], "/opt/my app/run");
	/* Too long for SP_PATH_MAX: skipped, never cut. */
	memset(big, 'a', sizeof big - 1);
	big[0] = '/';
	big[sizeof big - 1] = '\0';
	snprintf(show, sizeof show, "ExecStart={ path=%s ; argv[]=x }\n"
	    "ExecStart={ path=/bin/ok ; argv[]=x }\n", big);
	ck_assert_uint_eq(sp_exec_paths(show, p, SP_EXEC_MAX), 1);
	ck_assert_str_eq(p[0], "/bin/ok");
}
END_TEST

/* ---- users ---- */

START_TEST(user_uid)
{
	const char *pw = FIXTURES "/passwd";
	uid_t uid = 12345;

	ck_assert_int_eq(sp_user_uid(pw, "", &uid), 0);
	ck_assert_uint_eq(uid, 0);
	ck_assert_int_eq(sp_user_uid(pw, "root", &uid), 0);
	ck_assert_uint_eq(uid, 0);
	ck_assert_int_eq(sp_user_uid(pw, "app", &uid), 0);
	ck_assert_uint_eq(uid, 1000);	/* the first "app" wins */
	ck_assert_int_eq(sp_user_uid(pw, "apple", &uid), 0);
	ck_assert_uint_eq(uid, 1001);
	ck_assert_int_eq(sp_user_uid(pw, "nobody", &uid), 0);
	ck_assert_uint_eq(uid, 65534);
	ck_assert_int_eq(sp_user_uid(pw, "4321", &uid), 0);
	ck_assert_uint_eq(uid, 4321);
	ck_assert_int_eq(sp_user_uid(pw, "long", &uid), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(user_unknown)
{
	const char *pw = FIXTURES "/passwd";
	uid_t uid = 12345;

	/* The tail of an overlong line is no user of its own. */
	ck_assert_int_eq(sp_user_uid(pw, "ghost", &uid), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(sp_user_uid(pw, "ap", &uid), -1);
	ck_assert_int_eq(sp_user_uid(pw, "baduid", &uid), -1);
	ck_assert_int_eq(sp_user_uid(pw, "garbage without colons", &uid),
	    -1);
	ck_assert_int_eq(sp_user_uid(pw, "4294967295", &uid), -1);
	ck_assert_uint_eq(uid, 12345);
	ck_assert_int_eq(sp_user_uid(FIXTURES "/none", "app", &uid), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* ---- endpoints ---- */

static const struct ep_case {
	const char *s;
	int ok;
	unsigned port;
} ep_cases[] = {
	{ "127.0.0.1:5000", 1, 5000 },
	{ "0.0.0.0:80", 1, 80 },
	{ "[::]:5151", 1, 5151 },
	{ "[::1]:65535", 1, 65535 },
	{ "[fe80::1%eth0]:8080", 1, 8080 },
	{ ":5000", 1, 5000 },
	{ "*:6379", 1, 6379 },
	{ ":::3000", 1, 3000 },
	{ "localhost:8000", 1, 8000 },
	{ "12:00:00", 0, 0 },		/* a time of day */
	{ "16:10", 0, 0 },
	{ "127.0.0.1:0", 0, 0 },
	{ "127.0.0.1:65536", 0, 0 },
	{ "127.0.0.1:123456", 0, 0 },
	{ "127.0.0.1:", 0, 0 },
	{ "127.0.0.1:50a", 0, 0 },
	{ "[::1]", 0, 0 },
	{ "[::1:80", 0, 0 },
	{ "/run/app.sock", 0, 0 },
	{ "vsock:2:1234", 0, 0 },
	{ "example.com:80", 0, 0 },
	{ "300.0.0.1:80", 0, 0 },
	{ "", 0, 0 },
};

START_TEST(endpoint)
{
	const struct ep_case *c = &ep_cases[_i];
	unsigned port = 0;
	int r = sp_parse_endpoint(c->s, strlen(c->s), &port);

	ck_assert_msg(r == (c->ok ? 0 : -1), "%s: got %d", c->s, r);
	if (c->ok)
		ck_assert_uint_eq(port, c->port);
}
END_TEST

/* ---- ports in journal messages ---- */

static const struct jp_case {
	const char *line;
	enum sp_jport r;
	unsigned port;
} jp_cases[] = {
	/* nginx, with its own time of day in the message */
	{ "2026-12-04T16:10:49+0000 box nginx[12]: 2024/01/01 12:00:00 "
	    "[emerg] 1234#1234: bind() to 0.0.0.0:5000 failed (98: Address "
	    "already in use)", SP_JP_PORT, 5000 },
	{ "bind() to [::]:80 failed (98: Address already in use)",
	    SP_JP_PORT, 80 },
	/* Go */
	{ "listen tcp :5000: bind: address already in use", SP_JP_PORT,
	    5000 },
	{ "listen tcp4 127.0.0.1:8080: bind: address already in use",
	    SP_JP_PORT, 8080 },
	{ "listen tcp [::1]:9090: bind: address already in use", SP_JP_PORT,
	    9090 },
	/* Python, uvicorn, gunicorn, werkzeug */
	{ "OSError: [Errno 98] Address already in use", SP_JP_NOPORT, 0 },
	{ "[Errno 98] error while attempting to bind on address "
	    "('127.0.0.1', 8000): address already in use", SP_JP_PORT, 8000 },
	{ "[ERROR] Connection in use: ('0.0.0.0', 8001)", SP_JP_PORT, 8001 },
	{ "Port 5000 is in use by another program.", SP_JP_PORT, 5000 },
	/* Node */
	{ "Error: listen EADDRINUSE: address already in use :::3000",
	    SP_JP_PORT, 3000 },
	{ "Error: listen EADDRINUSE 127.0.0.1:3001", SP_JP_PORT, 3001 },
	/* Apache, Redis, HAProxy, socat, sshd, Spring, dnsmasq */
	{ "(98)Address already in use: AH00072: make_sock: could not bind "
	    "to address [::]:8443", SP_JP_PORT, 8443 },
	{ "Could not create server TCP listening socket *:6379: bind: "
	    "Address already in use", SP_JP_PORT, 6379 },
	{ "Starting frontend www: cannot bind socket (Address already in "
	    "use) [0.0.0.0:8088]", SP_JP_PORT, 8088 },
	{ "E bind(5, {AF=2 0.0.0.0:5001}, 16): Address already in use",
	    SP_JP_PORT, 5001 },
	{ "error: Bind to port 2222 on 0.0.0.0 failed: Address already in "
	    "use.", SP_JP_PORT, 2222 },
	{ "Web server failed to start. Port 8081 was already in use.",
	    SP_JP_PORT, 8081 },
	{ "failed to create listening socket for port 53: Address in use",
	    SP_JP_PORT, 53 },
	{ "listen address=127.0.0.1:5003: address already in use",
	    SP_JP_PORT, 5003 },
	/* Not about a port in use, or no port in the message */
	{ "2026-12-04T16:10:49+0000 box app[1]: listening on 0.0.0.0:5000",
	    SP_JP_NONE, 0 },
	{ "2026-12-04T16:10:49+0000 box app[1]: memory in use: 12 MB",
	    SP_JP_NONE, 0 },
	{ "2026-12-04T16:10:49+0000 box app[1]: Address already in use",
	    SP_JP_NOPORT, 0 },
	{ "Transport 5000 already in use", SP_JP_NOPORT, 0 },
	{ "port 5000.5 already in use", SP_JP_NOPORT, 0 },
	{ "port 99999 already in use", SP_JP_NOPORT, 0 },
	{ "", SP_JP_NONE, 0 },
};

START_TEST(journal_line)
{
	const struct jp_case *c = &jp_cases[_i];
	unsigned port = 0;
	enum sp_jport r = sp_journal_port(c->line, &port);

	ck_assert_msg(r == c->r, "%s: got %d", c->line, (int)r);
	if (r == SP_JP_PORT)
		ck_assert_uint_eq(port, c->port);
}
END_TEST

START_TEST(journal_fixtures)
{
	unsigned port = 0;

	ck_assert_int_eq(sp_journal_port(load("journal-go.txt"), &port),
	    SP_JP_PORT);
	ck_assert_uint_eq(port, 5102);
	port = 0;
	ck_assert_int_eq(sp_journal_port(load("journal-flask.txt"), &port),
	    SP_JP_PORT);
	ck_assert_uint_eq(port, 5000);
	ck_assert_int_eq(sp_journal_port(load("journal-python.txt"), &port),
	    SP_JP_NOPORT);
}
END_TEST

START_TEST(journal_newest)
{
	unsigned port = 0;
	char big[1200];

	ck_assert_int_eq(sp_journal_port("bind() to :5001 failed (98: "
	    "Address already in use)\nnoise\nlisten tcp :5002: bind: address "
	    "already in use\n[Errno 98] Address already in use\n", &port),
	    SP_JP_PORT);
	ck_assert_uint_eq(port, 5002);
	/* An overlong line is skipped whole. */
	memset(big, 'x', sizeof big);
	memcpy(big + sizeof big - 40, " 0.0.0.0:5004 already in use",
	    29);
	big[sizeof big - 11] = '\0';
	ck_assert_int_eq(sp_journal_port(big, &port), SP_JP_NONE);
}
END_TEST

/* ---- list-sockets ---- */

START_TEST(sockets_fixture)
{
	struct sp_socket s[SP_SOCKETS_MAX];
	const char *t = load("sockets.txt");

	/* Two Stream sockets on 5160; the Datagram one is no TCP port. */
	ck_assert_uint_eq(sp_sockets_for_port(t, 5160, s, SP_SOCKETS_MAX),
	    2);
	ck_assert_str_eq(s[0].unit, "p-fx.socket");
	ck_assert_str_eq(s[0].listen, "127.0.0.1:5160");
	ck_assert_str_eq(s[0].activates, "p-fx.service");
	ck_assert_str_eq(s[1].listen, "[::1]:5160");
	ck_assert_uint_eq(sp_sockets_for_port(t, 5161, s, SP_SOCKETS_MAX),
	    1);
	ck_assert_str_eq(s[0].unit, "p-acc.socket");
	ck_assert_str_eq(s[0].activates, "-");
	ck_assert_uint_eq(sp_sockets_for_port(t, 1361, s, SP_SOCKETS_MAX),
	    0);
	ck_assert_uint_eq(sp_sockets_for_port(t, 5000, s, SP_SOCKETS_MAX),
	    0);
	/* More than fit: counted, only max stored. */
	ck_assert_uint_eq(sp_sockets_for_port(t, 5160, s, 1), 2);
}
END_TEST

START_TEST(sockets_odd)
{
	struct sp_socket s[SP_SOCKETS_MAX];

	ck_assert_uint_eq(sp_sockets_for_port("[::]:80 Stream web.socket "
	    "a.service, b.service\n", 80, s, SP_SOCKETS_MAX), 1);
	ck_assert_str_eq(s[0].activates, "a.service, b.service");
	ck_assert_int_eq(sp_activates(s[0].activates, "b.service"), 1);
	ck_assert_int_eq(sp_activates(s[0].activates, "a.service"), 1);
	ck_assert_int_eq(sp_activates(s[0].activates, "a.servic"), 0);
	ck_assert_int_eq(sp_activates("-", "a.service"), 0);
	/* Without --show-types: no type word, not trusted. */
	ck_assert_uint_eq(sp_sockets_for_port("0.0.0.0:80 web.socket "
	    "web.service\n", 80, s, SP_SOCKETS_MAX), 0);
	/* A legend, a blank line, a unit-less line. */
	ck_assert_uint_eq(sp_sockets_for_port("LISTEN TYPE UNIT ACTIVATES\n"
	    "\n0.0.0.0:80 Stream\n2 sockets listed.\n", 80, s,
	    SP_SOCKETS_MAX), 0);
	/* No ACTIVATES column at all. */
	ck_assert_uint_eq(sp_sockets_for_port("*:81 Stream w.socket", 81, s,
	    SP_SOCKETS_MAX), 1);
	ck_assert_str_eq(s[0].activates, "");
}
END_TEST

/* ---- /proc/PID/stat ---- */

START_TEST(stat_state)
{
	char st = '?';
	unsigned long long start = 0;

	ck_assert_int_eq(sp_stat_state("42 (python3) S 1 42 42 0 -1 4194560 "
	    "100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 200 18446744073709551615",
	    &st, &start), 0);
	ck_assert_int_eq(st, 'S');
	ck_assert_uint_eq(start, 987654);
	/* comm holding ") Z 1" must not fool it. */
	ck_assert_int_eq(sp_stat_state("43 (a) Z 1 (b) Z 1 43 43 0 -1 0 0 0 "
	    "0 0 0 0 0 0 20 0 1 0 555 0 0", &st, &start), 0);
	ck_assert_int_eq(st, 'Z');
	ck_assert_uint_eq(start, 555);
	ck_assert_int_eq(sp_stat_state("44 (x)", &st, &start), -1);
	ck_assert_int_eq(sp_stat_state("garbage", &st, &start), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* ---- judging owners ---- */

static struct sp_unit
flask_unit(void)
{
	struct sp_unit u;

	memset(&u, 0, sizeof u);
	u.name = "flask.service";
	str_copy(u.cgroup, sizeof u.cgroup, "/system.slice/flask.service");
	u.uid = 1000;
	str_copy(u.user, sizeof u.user, "app");
	u.main_pid = 0;
	u.nexec = 2;
	str_copy(u.exec[0], SP_PATH_MAX, "/usr/bin/python3");
	str_copy(u.exec[1], SP_PATH_MAX, "/usr/bin/python3.11");
	return u;
}

static struct port_owner
owner(pid_t pid, const char *comm, uid_t uid, const char *unit,
    const char *exe)
{
	struct port_owner o;

	memset(&o, 0, sizeof o);
	/* A system unit's cgroup, as /proc/PID/cgroup shows it. */
	if (unit[0] != '\0')
		str_fmt(o.cgroup, sizeof o.cgroup, "/system.slice/%s", unit);
	o.pid = pid;
	o.start = 4242;
	o.uid = uid;
	str_copy(o.comm, sizeof o.comm, comm);
	str_copy(o.user, sizeof o.user, uid == 1000 ? "app" : "");
	str_copy(o.unit, sizeof o.unit, unit);
	str_copy(o.exe, sizeof o.exe, exe);
	return o;
}

static enum sp_verdict
judge(const struct port_owner *o, const struct sp_unit *u, char *why)
{
	return sp_judge(o, u, why, 256);
}

START_TEST(judge_systemd)
{
	struct sp_unit u = flask_unit();
	struct port_owner o;
	char why[256];

	/* PID 1 is never stale, even "in" the unit. */
	o = owner(1, "systemd", 0, "flask.service", "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_SYSTEMD);
	ck_assert_str_eq(why, "PID 1, the service manager");
	o = owner(1, "init", 0, "init.scope", "/sbin/init");
	ck_assert_int_eq(judge(&o, &u, why), SP_SYSTEMD);
	/* A user manager: comm "systemd", wherever it runs. */
	o = owner(900, "systemd", 1000, "flask.service", "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_SYSTEMD);
	o = owner(0, "x", 1000, "flask.service", "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_SYSTEMD);
}
END_TEST

START_TEST(judge_cgroup)
{
	struct sp_unit u = flask_unit();
	struct port_owner o;
	char why[256];

	/* In the unit's own cgroup: stale, whatever program or user. */
	o = owner(123, "python3", 1000, "flask.service", "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_STALE);
	ck_assert_str_eq(why, "in flask.service's own cgroup");
	o = owner(124, "worker", 0, "flask.service", "/opt/other");
	ck_assert_int_eq(judge(&o, &u, why), SP_STALE);
	/* Below the unit's cgroup (a sub-group): still its own. */
	str_copy(o.cgroup, sizeof o.cgroup, "/system.slice/flask.service/w");
	ck_assert_int_eq(judge(&o, &u, why), SP_STALE);
	/* The same name as a user's unit: another cgroup, foreign, never
	 * killed (it was, when only the name was compared). */
	o = owner(128, "python3", 1500, "flask.service", "/usr/bin/python3");
	str_copy(o.cgroup, sizeof o.cgroup, "/user.slice/user-1500.slice/"
	    "user@1500.service/app.slice/flask.service");
	ck_assert_int_eq(judge(&o, &u, why), SP_FOREIGN);
	/* A prefix that is not a parent: /system.slice/flask.service2. */
	o = owner(129, "python3", 1000, "flask.service2", "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_FOREIGN);
	/* While the unit runs, its cgroup is the current run. */
	u.running = 1;
	o = owner(131, "python3", 1000, "flask.service", "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_CURRENT);
	u.running = 0;
	/* Another unit: foreign, even with the same program and user. */
	o = owner(125, "python3", 1000, "other.service", "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_FOREIGN);
	ck_assert_str_eq(why, "it belongs to another unit, other.service at "
	    "/system.slice/other.service");
	o = owner(126, "python3", 1000, "session-3.scope",
	    "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_FOREIGN);
	o = owner(127, "python3", 1000, "flask@2.service",
	    "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_FOREIGN);
}
END_TEST

START_TEST(judge_program)
{
	struct sp_unit u = flask_unit();
	struct port_owner o;
	char why[256];

	/* Outside any unit: same program and same user is stale. */
	o = owner(130, "python3", 1000, "", "/usr/bin/python3.11");
	ck_assert_int_eq(judge(&o, &u, why), SP_STALE);
	ck_assert_str_eq(why, "it runs flask.service's program "
	    "/usr/bin/python3.11 as its user, outside any unit");
	/* Replaced on disk by an upgrade: still the same program. */
	o = owner(131, "python3", 1000, "", "/usr/bin/python3 (deleted)");
	ck_assert_int_eq(judge(&o, &u, why), SP_STALE);
	/* Same program, another user. */
	o = owner(132, "python3", 1001, "", "/usr/bin/python3.11");
	ck_assert_int_eq(judge(&o, &u, why), SP_FOREIGN);
	ck_assert_str_eq(why, "it runs flask.service's program as another "
	    "user (uid 1001, not 1000)");
	o = owner(133, "python3", 0, "", "/usr/bin/python3.11");
	ck_assert_int_eq(judge(&o, &u, why), SP_FOREIGN);
	/* Another program, same user. */
	o = owner(134, "nc", 1000, "", "/usr/bin/nc.openbsd");
	ck_assert_int_eq(judge(&o, &u, why), SP_FOREIGN);
	ck_assert_str_eq(why, "it runs /usr/bin/nc.openbsd, which is not "
	    "flask.service's program");
	o = owner(135, "python3", 1000, "", "/usr/bin/python3.1");
	ck_assert_int_eq(judge(&o, &u, why), SP_FOREIGN);
}
END_TEST

START_TEST(judge_unknown)
{
	struct sp_unit u = flask_unit();
	struct port_owner o;
	char why[256];

	o = owner(140, "python3", 1000, "flask.service", "/usr/bin/python3");
	o.start = 0;
	ck_assert_int_eq(judge(&o, &u, why), SP_UNKNOWN);
	o = owner(141, "python3", 1000, "", "");
	ck_assert_int_eq(judge(&o, &u, why), SP_UNKNOWN);
	o = owner(142, "python3", (uid_t)-1, "", "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_UNKNOWN);
	u.uid = (uid_t)-1;
	o = owner(143, "python3", 1000, "", "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_UNKNOWN);
	ck_assert_str_eq(why, "flask.service's user 'app' cannot be "
	    "resolved");
	/* The cgroup proof needs no user. */
	o = owner(144, "python3", 1000, "flask.service", "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_STALE);
}
END_TEST

START_TEST(judge_current)
{
	struct sp_unit u = flask_unit();
	struct port_owner o;
	char why[256];

	u.main_pid = 150;
	o = owner(150, "python3", 1000, "flask.service", "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_CURRENT);
	o = owner(151, "python3", 1000, "flask.service", "/usr/bin/python3");
	ck_assert_int_eq(judge(&o, &u, why), SP_STALE);
}
END_TEST

START_TEST(owner_str)
{
	struct port_owner o = owner(123, "py\x1b[31m", 1000, "flask.service",
	    "/usr/bin/python3");
	char buf[160];

	sp_owner_str(&o, buf, sizeof buf);
	ck_assert_str_eq(buf, "pid 123 (py?[31m, user app, flask.service)");
	o = owner(124, "", 4000, "", "");
	sp_owner_str(&o, buf, sizeof buf);
	ck_assert_str_eq(buf, "pid 124 (?, user uid 4000, no unit)");
	o.uid = (uid_t)-1;
	sp_owner_str(&o, buf, sizeof buf);
	ck_assert_str_eq(buf, "pid 124 (?, user ?, no unit)");
}
END_TEST

START_TEST(exe_matches)
{
	struct sp_unit u = flask_unit();

	ck_assert_int_eq(sp_exe_matches("/usr/bin/python3", &u), 1);
	ck_assert_int_eq(sp_exe_matches("/usr/bin/python3.11 (deleted)", &u),
	    1);
	ck_assert_int_eq(sp_exe_matches("/usr/bin/python3 (deleted) x", &u),
	    0);
	ck_assert_int_eq(sp_exe_matches(" (deleted)", &u), 0);
	ck_assert_int_eq(sp_exe_matches("", &u), 0);
	ck_assert_int_eq(sp_exe_matches("/usr/bin/python", &u), 0);
	u.nexec = 0;
	ck_assert_int_eq(sp_exe_matches("/usr/bin/python3", &u), 0);
}
END_TEST

/* ---- stopping processes this test starts ---- */

static unsigned long long
start_of(pid_t pid)
{
	char path[64], buf[2048], st;
	unsigned long long start;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	ck_assert_int_gt(file_read(path, buf, sizeof buf), 0);
	ck_assert_int_eq(sp_stat_state(buf, &st, &start), 0);
	return start;
}

/* A child that waits for signals; ignoring SIGTERM when told to.  It
 * says it is ready through a pipe, so no signal comes too early. */
static pid_t
child(int ignore_term)
{
	int fd[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (ignore_term)
			signal(SIGTERM, SIG_IGN);
		else
			signal(SIGTERM, SIG_DFL);
		close(fd[0]);
		if (write(fd[1], "r", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(fd[1]);
	ck_assert_int_eq(read(fd[0], &c, 1), 1);
	close(fd[0]);
	return pid;
}

static int
reaped_by(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) ? WTERMSIG(st) : -1;
}

START_TEST(target_term)
{
	pid_t pid = child(0);
	struct sp_target t;

	memset(&t, 0, sizeof t);
	ck_assert_int_eq(sp_target_open(&t, NULL, pid, start_of(pid), _i),
	    SP_OPEN_OK);
	if (!_i)
		ck_assert_int_eq(t.pidfd, -1);
	ck_assert_int_eq(sp_target_gone(&t, NULL), 0);
	ck_assert_int_eq(sp_target_signal(&t, NULL, SIGTERM), 0);
	/* Not yet reaped: a zombie counts as gone. */
	while (sp_target_gone(&t, NULL) == 0)
		sleep_ms(5);
	ck_assert_int_eq(sp_target_gone(&t, NULL), 1);
	ck_assert_int_eq(reaped_by(pid), SIGTERM);
	/* Gone: never signalled again. */
	ck_assert_int_eq(sp_target_signal(&t, NULL, SIGKILL), 1);
	sp_target_close(&t);
	ck_assert_int_eq(t.pidfd, -1);
}
END_TEST

START_TEST(target_reused)
{
	pid_t pid = child(0);
	struct sp_target t;

	/* Another start time: another process under that pid. */
	ck_assert_int_eq(sp_target_open(&t, NULL, pid, start_of(pid) - 1,
	    _i), SP_OPEN_GONE);
	ck_assert_int_eq(t.pidfd, -1);
	ck_assert_int_eq(sp_target_signal(&t, NULL, SIGTERM), 1);
	ck_assert_int_eq(kill(pid, 0), 0);	/* untouched */
	kill(pid, SIGKILL);
	ck_assert_int_eq(reaped_by(pid), SIGKILL);
	/* An exited and reaped process. */
	ck_assert_int_eq(sp_target_open(&t, NULL, pid, 77, _i),
	    SP_OPEN_GONE);
}
END_TEST

START_TEST(target_reused_after_open)
{
	pid_t pid = child(0);
	struct sp_target t;

	/* Without a pidfd the start time is read again before kill(2). */
	ck_assert_int_eq(sp_target_open(&t, NULL, pid, start_of(pid), 0),
	    SP_OPEN_OK);
	t.start--;
	ck_assert_int_eq(sp_target_signal(&t, NULL, SIGTERM), 1);
	ck_assert_int_eq(kill(pid, 0), 0);
	kill(pid, SIGKILL);
	ck_assert_int_eq(reaped_by(pid), SIGKILL);
}
END_TEST

START_TEST(stop_all_kill)
{
	struct sp_target t[3];
	pid_t a = child(0), b = child(1), c = child(0);
	char why[256];
	int64_t t0;

	ck_assert_int_eq(sp_target_open(&t[0], NULL, a, start_of(a), 1),
	    SP_OPEN_OK);
	ck_assert_int_eq(sp_target_open(&t[1], NULL, b, start_of(b), 1),
	    SP_OPEN_OK);
	ck_assert_int_eq(sp_target_open(&t[2], NULL, c, start_of(c), 0),
	    SP_OPEN_OK);
	str_copy(t[1].ident, sizeof t[1].ident, "the stubborn one");
	t0 = mono_ms();
	ck_assert_int_eq(sp_stop_all(t, 3, NULL, "test.service", 300, 2000,
	    why, sizeof why), 0);
	/* The stubborn one got SIGKILL after the 300 ms grace only. */
	ck_assert_int_ge(mono_ms() - t0, 300);
	ck_assert_int_eq(t[0].killed, 0);
	ck_assert_int_eq(t[1].killed, 1);
	ck_assert_int_eq(t[2].killed, 0);
	ck_assert_int_eq(reaped_by(a), SIGTERM);
	ck_assert_int_eq(reaped_by(b), SIGKILL);
	ck_assert_int_eq(reaped_by(c), SIGTERM);
	sp_target_close(&t[0]);
	sp_target_close(&t[1]);
	sp_target_close(&t[2]);
}
END_TEST

START_TEST(stop_all_quick)
{
	struct sp_target t;
	pid_t a = child(0);
	char why[256];
	int64_t t0;

	ck_assert_int_eq(sp_target_open(&t, NULL, a, start_of(a), 1),
	    SP_OPEN_OK);
	t0 = mono_ms();
	ck_assert_int_eq(sp_stop_all(&t, 1, NULL, "test.service", 3000,
	    2000, why, sizeof why), 0);
	/* No fixed sleep: done as soon as it exited. */
	ck_assert_int_lt(mono_ms() - t0, 1000);
	ck_assert_int_eq(reaped_by(a), SIGTERM);
	sp_target_close(&t);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("strat_port");
	TCase *tc = tcase_create("parse");
	TCase *tj = tcase_create("judge");
	TCase *tp = tcase_create("processes");

	tcase_add_test(tc, exec_multi);
	tcase_add_test(tc, exec_single);
	tcase_add_test(tc, exec_odd);
	tcase_add_test(tc, user_uid);
	tcase_add_test(tc, user_unknown);
	tcase_add_loop_test(tc, endpoint, 0, (int)ARRAY_LEN(ep_cases));
	tcase_add_loop_test(tc, journal_line, 0, (int)ARRAY_LEN(jp_cases));
	tcase_add_test(tc, journal_fixtures);
	tcase_add_test(tc, journal_newest);
	tcase_add_test(tc, sockets_fixture);
	tcase_add_test(tc, sockets_odd);
	tcase_add_test(tc, stat_state);
	suite_add_tcase(s, tc);
	tcase_add_test(tj, judge_systemd);
	tcase_add_test(tj, judge_cgroup);
	tcase_add_test(tj, judge_program);
	tcase_add_test(tj, judge_unknown);
	tcase_add_test(tj, judge_current);
	tcase_add_test(tj, owner_str);
	tcase_add_test(tj, exe_matches);
	suite_add_tcase(s, tj);
	/* _i: 0 without a pidfd (the ENOSYS fallback), 1 with one. */
	tcase_add_loop_test(tp, target_term, 0, 2);
	tcase_add_loop_test(tp, target_reused, 0, 2);
	tcase_add_test(tp, target_reused_after_open);
	tcase_add_test(tp, stop_all_kill);
	tcase_add_test(tp, stop_all_quick);
	tcase_set_timeout(tp, 20);
	suite_add_tcase(s, tp);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
