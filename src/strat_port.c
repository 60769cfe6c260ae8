/*
 * strat_port.c - the port strategy: free a port that a stale copy of the
 * service still holds, then restart it.  See strat_port.h for what is
 * judged stale and strategy.h for how strategies run.
 *
 * Outcomes, kept consistent:
 *   not applicable  no port is configured and the journal names none;
 *   SS_SKIPPED      a port is known but there is nothing to free: no
 *                   listener (TIME_WAIT sockets do not count), the
 *                   unit's own running process or own .socket holds it,
 *                   or a dry run;
 *   SS_FAILED       it could not be freed: owner unknown, a foreign
 *                   process or a .socket unit (both via heal_conflict),
 *                   a process that would not die, or the restart after
 *                   freeing failed;
 *   SS_OK           freed, restarted and verified by heal_restart.
 *
 * ansai runs one heal per process, so the large buffers are static
 * rather than on the stack of a small device.
 */
#include "strat_port.h"
#include "exec.h"
#include "journal.h"
#include "log.h"
#include "strategy.h"
#include "svc.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TERM_WAIT_MS	3000	/* SIGTERM, then SIGKILL after this */
#define KILL_WAIT_MS	2000	/* SIGKILL, then give up after this */
#define FREE_WAIT_MS	5000	/* all gone -> their listeners gone */
#define POLL_MS		50
/* Lines of the current run searched for "Address already in use":
 * a failing start prints a few dozen at most. */
#define SCAN_LINES	200
/* Longer journal or list-sockets lines are skipped whole; cleaned
 * journal lines are under JOURNAL_LINE_MAX + 32 bytes. */
#define LINE_MAX_SP	1024
#define PASSWD_LINE	1024
/* /proc/PID/stat: 52 fields of at most 20 digits, plus comm. */
#define STAT_BUF	2048
#define SOCKETS_OUT_MAX	16384
/* Identities spelled out in one detail line; the rest are counted. */
#define SHOWN_MAX	3

/* ---- small text helpers ---- */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive search for needle (lowercase) in s[len]. */
static const char *
ci_find(const char *s, size_t len, const char *needle)
{
	size_t nl = strlen(needle), i, j;

	for (i = 0; nl <= len && i <= len - nl; i++) {
		for (j = 0; j < nl && lower((unsigned char)s[i + j]) ==
		    needle[j]; j++)
			;
		if (j == nl)
			return s + i;
	}
	return NULL;
}

/* Copy for a log line or report: bytes outside printable ASCII become
 * '?', since comm and exe may hold anything. */
static void
clean_copy(char *dst, size_t n, const char *src)
{
	size_t i;

	if (n == 0)
		return;
	for (i = 0; src[i] != '\0' && i + 1 < n; i++)
		dst[i] = (unsigned char)src[i] >= 0x20 &&
		    (unsigned char)src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

/* ---- endpoints and journal messages ---- */

static int
digits_port(const char *s, size_t len, unsigned *port)
{
	unsigned v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

/* Is s[len] the host part of an endpoint: an IP address (IPv6 maybe
 * bracketed, with a %zone), "*", "localhost", or nothing? */
static int
host_ok(const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 20], *pct;
	unsigned char a[16];
	int bracket = 0;

	if (len == 0 || (len == 1 && s[0] == '*') ||
	    (len == 9 && memcmp(s, "localhost", 9) == 0))
		return 1;
	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']')
			return 0;
		s++;
		len -= 2;
		bracket = 1;
	}
	if (len >= sizeof buf)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (bracket) {
		if ((pct = strchr(buf, '%')) != NULL)
			*pct = '\0';
		return inet_pton(AF_INET6, buf, a) == 1;
	}
	return inet_pton(AF_INET, buf, a) == 1 ||
	    inet_pton(AF_INET6, buf, a) == 1;
}

int
sp_parse_endpoint(const char *s, size_t len, unsigned *port)
{
	size_t i = len;

	while (i > 0 && s[i - 1] != ':')
		i--;
	if (i == 0)
		return -1;
	if (digits_port(s + i, len - i, port) < 0)
		return -1;
	return host_ok(s, i - 1) ? 0 : -1;
}

/* Trim quoting and punctuation around a word of a message, so that
 * "0.0.0.0:5000}," or ":5000:" or "[0.0.0.0:80]" is an endpoint. */
static void
trim_word(const char **w, size_t *len)
{
	static const char lead[] = "\"'(<{,=";
	static const char trail[] = "\"')>},.;!?:";
	const char *s = *w, *eq;
	size_t n = *len;

	/* "address=0.0.0.0:5000": the value. */
	while ((eq = memchr(s, '=', n)) != NULL) {
		n -= (size_t)(eq + 1 - s);
		s = eq + 1;
	}
	while (n > 0 && strchr(lead, s[0]) != NULL) {
		s++;
		n--;
	}
	while (n > 0 && strchr(trail, s[n - 1]) != NULL)
		n--;
	/* "[0.0.0.0:80]" (HAProxy), but not "[::]:80". */
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		const char *close = memchr(s, ']', n);

		if (close == s + n - 1) {
			s++;
			n -= 2;
		}
	}
	*w = s;
	*len = n;
}

/* The first endpoint word of msg[len]. */
static int
word_port(const char *msg, size_t len, unsigned *port)
{
	size_t i = 0;

	while (i < len) {
		const char *w;
		size_t wl;

		while (i < len && is_space((unsigned char)msg[i]))
			i++;
		w = msg + i;
		while (i < len && !is_space((unsigned char)msg[i]))
			i++;
		wl = (size_t)(msg + i - w);
		trim_word(&w, &wl);
		if (wl > 0 && memchr(w, ':', wl) != NULL &&
		    sp_parse_endpoint(w, wl, port) == 0)
			return 0;
	}
	return -1;
}

/* Python's address tuples: "('127.0.0.1', 8000)". */
static int
tuple_port(const char *msg, size_t len, unsigned *port)
{
	size_t i, j, k;

	for (i = 1; i + 3 < len; i++) {
		char q = msg[i];

		if ((q != '\'' && q != '"') || msg[i + 1] != ',' ||
		    msg[i + 2] != ' ')
			continue;
		k = i + 3;
		while (k < len && is_digit((unsigned char)msg[k]))
			k++;
		if (k == len || msg[k] != ')')
			continue;
		for (j = i; j > 0 && msg[j - 1] != q; j--)
			;
		if (j == 0 || !host_ok(msg + j, i - j))
			continue;
		if (digits_port(msg + i + 3, k - i - 3, port) == 0)
			return 0;
	}
	return -1;
}

/* "port 5000", "Port 8080 was already in use", "port=53". */
static int
word_port_n(const char *msg, size_t len, unsigned *port)
{
	const char *p = msg, *end = msg + len;

	while ((p = ci_find(p, (size_t)(end - p), "port")) != NULL) {
		const char *d = p + 4;
		size_t n = 0;

		if (p > msg && is_alnum((unsigned char)p[-1])) {
			p += 4;
			continue;
		}
		if (d < end && (*d == ':' || *d == '='))
			d++;
		while (d < end && *d == ' ')
			d++;
		while (d + n < end && is_digit((unsigned char)d[n]))
			n++;
		if (n > 0 && (d + n == end || (!is_alnum((unsigned char)d[n])
		    && !(d[n] == '.' && d + n + 1 < end &&
		    is_digit((unsigned char)d[n + 1])))) &&
		    digits_port(d, n, port) == 0)
			return 0;
		p += 4;
	}
	return -1;
}

/* Where the message starts in a short-iso journal line
 * ("2026-12-04T16:10:49+0000 host ident[pid]: message"); the whole
 * line when it does not look like one. */
static const char *
message_of(const char *line, size_t len, size_t *mlen)
{
	const char *p = line, *end = line + len, *colon;
	int field;

	*mlen = len;
	if (len < 11 || !is_digit((unsigned char)line[0]) || line[4] != '-' ||
	    line[10] != 'T')
		return line;
	for (field = 0; field < 2; field++) {
		while (p < end && !is_space((unsigned char)*p))
			p++;
		while (p < end && is_space((unsigned char)*p))
			p++;
	}
	for (colon = p; colon + 1 < end; colon++)
		if (colon[0] == ':' && colon[1] == ' ')
			break;
	if (colon + 1 >= end)
		return line;
	*mlen = (size_t)(end - colon - 2);
	return colon + 2;
}

static int
says_in_use(const char *msg, size_t len)
{
	static const char *const phrases[] = {
		"already in use", "address in use", "eaddrinuse",
		"connection in use", " is in use",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(phrases); i++)
		if (ci_find(msg, len, phrases[i]) != NULL)
			return 1;
	return 0;
}

enum sp_jport
sp_journal_port(const char *text, unsigned *port)
{
	enum sp_jport r = SP_JP_NONE;
	const char *p = text;

	while (*p != '\0') {
		size_t len = strcspn(p, "\n"), mlen;
		const char *msg = message_of(p, len, &mlen);
		unsigned v;

		if (len < LINE_MAX_SP && says_in_use(msg, mlen)) {
			if (r == SP_JP_NONE)
				r = SP_JP_NOPORT;
			/* The newest line naming a port wins. */
			if (word_port(msg, mlen, &v) == 0 ||
			    tuple_port(msg, mlen, &v) == 0 ||
			    word_port_n(msg, mlen, &v) == 0) {
				*port = v;
				r = SP_JP_PORT;
			}
		}
		p += len + (p[len] == '\n');
	}
	return r;
}

/* ---- systemctl output ---- */

unsigned
sp_exec_paths(const char *show, char paths[][SP_PATH_MAX], unsigned max)
{
	static const char key[] = "ExecStart={ path=";
	const size_t kl = sizeof key - 1;
	const char *p = show;
	unsigned n = 0;

	/* systemd prints one "ExecStart={ path=P ; argv[]=... }" line per
	 * command.  Only the path at the start of the value counts: argv
	 * may hold any text, "{ path=" included. */
	while (*p != '\0') {
		size_t len = strcspn(p, "\n"), pl = 0;
		const char *q = p + kl;

		if (len > kl && memcmp(p, key, kl) == 0) {
			while (kl + pl < len && !(q[pl] == ' ' &&
			    kl + pl + 1 < len && q[pl + 1] == ';'))
				pl++;
			if (pl > 0 && pl < SP_PATH_MAX && q[0] == '/' &&
			    kl + pl < len && n < max) {
				memcpy(paths[n], q, pl);
				paths[n][pl] = '\0';
				n++;
			}
		}
		p += len + (p[len] == '\n');
	}
	return n;
}

/* Split a line into blank-separated words; returns how many (at most
 * max; further words are ignored). */
static unsigned
split_words(const char *s, size_t len, const char **w, size_t *wl,
    unsigned max)
{
	unsigned n = 0;
	size_t i = 0;

	while (i < len && n < max) {
		while (i < len && is_space((unsigned char)s[i]))
			i++;
		if (i == len)
			break;
		w[n] = s + i;
		while (i < len && !is_space((unsigned char)s[i]))
			i++;
		wl[n] = (size_t)(s + i - w[n]);
		n++;
	}
	return n;
}

static int
word_ends(const char *w, size_t len, const char *suffix)
{
	size_t sl = strlen(suffix);

	return len > sl && memcmp(w + len - sl, suffix, sl) == 0;
}

/* One line: "LISTEN TYPE UNIT ACTIVATES...".  LISTEN may be several
 * words (netlink: "route 1361"); UNIT is the first word ending in
 * ".socket", TYPE the word before it. */
static int
socket_line(const char *s, size_t len, unsigned port, struct sp_socket *o)
{
	const char *w[16];
	size_t wl[16], rest;
	unsigned nw, k, p;

	nw = split_words(s, len, w, wl, ARRAY_LEN(w));
	for (k = 2; k < nw && !word_ends(w[k], wl[k], ".socket"); k++)
		;
	if (k >= nw || k != 2 || wl[1] != 6 || memcmp(w[1], "Stream", 6) ||
	    sp_parse_endpoint(w[0], wl[0], &p) < 0 || p != port ||
	    wl[0] >= sizeof o->listen || wl[k] >= sizeof o->unit)
		return -1;
	memset(o, 0, sizeof *o);
	memcpy(o->listen, w[0], wl[0]);
	memcpy(o->unit, w[k], wl[k]);
	if (k + 1 < nw) {
		rest = (size_t)(s + len - w[k + 1]);
		while (rest > 0 && is_space((unsigned char)w[k + 1][rest - 1]))
			rest--;
		if (rest < sizeof o->activates)
			memcpy(o->activates, w[k + 1], rest);
	}
	return 0;
}

unsigned
sp_sockets_for_port(const char *text, unsigned port, struct sp_socket *out,
    unsigned max)
{
	const char *p = text;
	unsigned n = 0;

	while (*p != '\0') {
		size_t len = strcspn(p, "\n");
		struct sp_socket s;

		if (len < LINE_MAX_SP && socket_line(p, len, port, &s) == 0) {
			if (n < max)
				out[n] = s;
			n++;
		}
		p += len + (p[len] == '\n');
	}
	return n;
}

int
sp_activates(const char *activates, const char *unit)
{
	const char *p = activates;
	size_t ul = strlen(unit);

	while (*p != '\0') {
		size_t len;

		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (len == ul && memcmp(p, unit, ul) == 0)
			return 1;
		p += len;
	}
	return 0;
}

/* ---- users and processes ---- */

/* Field 3 of a passwd line for name; -1 when the line is another's. */
static int
passwd_line(char *line, const char *name, uid_t *uid)
{
	char *c1 = strchr(line, ':'), *c2, *c3;
	uint64_t v;

	if (c1 == NULL || (size_t)(c1 - line) != strlen(name) ||
	    memcmp(line, name, strlen(name)) != 0)
		return -1;
	if ((c2 = strchr(c1 + 1, ':')) == NULL ||
	    (c3 = strchr(c2 + 1, ':')) == NULL)
		return -1;
	*c3 = '\0';
	if (parse_u64(c2 + 1, UINT32_MAX - 1, &v) < 0)
		return -1;
	*uid = (uid_t)v;
	return 0;
}

int
sp_user_uid(const char *passwd, const char *user, uid_t *uid)
{
	char line[PASSWD_LINE];
	uint64_t v;
	FILE *fp;
	int skip = 0, found = -1;

	if (user[0] == '\0') {
		*uid = 0;
		return 0;
	}
	if (parse_u64(user, UINT32_MAX - 1, &v) == 0) {
		*uid = (uid_t)v;
		return 0;
	}
	if ((fp = fopen(passwd ? passwd : "/etc/passwd", "re")) == NULL)
		return -1;
	while (found < 0 && fgets(line, sizeof line, fp) != NULL) {
		size_t len = strlen(line);
		int whole = len > 0 && line[len - 1] == '\n';

		/* The tail of an overlong line is no line of its own. */
		if (skip || (!whole && !feof(fp))) {
			skip = !whole;
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		found = passwd_line(line, user, uid);
	}
	fclose(fp);
	if (found < 0)
		errno = ENOENT;
	return found;
}

int
sp_stat_state(const char *stat, char *state, unsigned long long *start)
{
	const char *p = strrchr(stat, ')');

	if (p == NULL || p[1] != ' ' || p[2] == '\0' || p[3] != ' ') {
		errno = EINVAL;
		return -1;
	}
	*state = p[2];
	return port_parse_stat_start(stat, start);
}

/* ---- judging owners ---- */

int
sp_exe_matches(const char *exe, const struct sp_unit *u)
{
	static const char del[] = " (deleted)";
	size_t len = strlen(exe);
	unsigned i;

	if (str_ends(exe, del))
		len -= sizeof del - 1;
	if (len == 0)
		return 0;
	for (i = 0; i < u->nexec; i++)
		if (strlen(u->exec[i]) == len &&
		    memcmp(u->exec[i], exe, len) == 0)
			return 1;
	return 0;
}

void
sp_owner_str(const struct port_owner *o, char *buf, size_t n)
{
	char comm[PORT_COMM_MAX], user[48];

	clean_copy(comm, sizeof comm, o->comm);
	if (o->user[0] != '\0')
		clean_copy(user, sizeof user, o->user);
	else if (o->uid != (uid_t)-1)
		str_fmt(user, sizeof user, "uid %u", (unsigned)o->uid);
	else
		str_copy(user, sizeof user, "?");
	str_fmt(buf, n, "pid %d (%s, user %s, %s)", (int)o->pid,
	    comm[0] ? comm : "?", user, o->unit[0] ? o->unit : "no unit");
}

int
sp_in_cgroup(const char *path, const char *unit_cgroup)
{
	size_t len = strlen(unit_cgroup);

	if (len == 0 || path[0] == '\0')
		return 0;
	return strncmp(path, unit_cgroup, len) == 0 &&
	    (path[len] == '\0' || path[len] == '/');
}

enum sp_verdict
sp_judge(const struct port_owner *o, const struct sp_unit *u, char *why,
    size_t n)
{
	char exe[SP_PATH_MAX];

	if (o->pid <= 1) {
		str_copy(why, n, "PID 1, the service manager");
		return SP_SYSTEMD;
	}
	if (strcmp(o->comm, "systemd") == 0) {
		str_copy(why, n, "a systemd service manager");
		return SP_SYSTEMD;
	}
	if (o->start == 0) {
		str_copy(why, n, "its start time is unreadable, so it "
		    "cannot be signalled safely");
		return SP_UNKNOWN;
	}
	if (u->main_pid > 0 && o->pid == u->main_pid) {
		str_fmt(why, n, "the main process of %s's current run",
		    u->name);
		return SP_CURRENT;
	}
	/* systemd keeps a service's leftovers in its cgroup: the proof,
	 * by the whole path, never the name alone (a user's unit may have
	 * the same name).  While the unit runs, its cgroup is the current
	 * run, whatever process holds the port there. */
	if (sp_in_cgroup(o->cgroup, u->cgroup)) {
		if (u->running) {
			str_fmt(why, n, "part of %s's current run (its cgroup "
			    "%s)", u->name, u->cgroup);
			return SP_CURRENT;
		}
		str_fmt(why, n, "in %s's own cgroup", u->name);
		return SP_STALE;
	}
	if (o->unit[0] != '\0') {
		str_fmt(why, n, "it belongs to another unit, %s%s%s", o->unit,
		    o->cgroup[0] ? " at " : "", o->cgroup);
		return SP_FOREIGN;
	}
	clean_copy(exe, sizeof exe, o->exe);
	if (o->exe[0] == '\0') {
		str_copy(why, n, "its program is unreadable and its cgroup "
		    "names no unit");
		return SP_UNKNOWN;
	}
	if (!sp_exe_matches(o->exe, u)) {
		str_fmt(why, n, "it runs %s, which is not %s's program",
		    exe, u->name);
		return SP_FOREIGN;
	}
	if (o->uid == (uid_t)-1) {
		str_copy(why, n, "its user is unreadable");
		return SP_UNKNOWN;
	}
	if (u->uid == (uid_t)-1) {
		str_fmt(why, n, "%s's user '%s' cannot be resolved", u->name,
		    u->user);
		return SP_UNKNOWN;
	}
	if (o->uid != u->uid) {
		str_fmt(why, n, "it runs %s's program as another user (uid "
		    "%u, not %u)", u->name, (unsigned)o->uid,
		    (unsigned)u->uid);
		return SP_FOREIGN;
	}
	str_fmt(why, n, "it runs %s's program %s as its user, outside any "
	    "unit", u->name, exe);
	return SP_STALE;
}

/* ---- stopping processes ---- */

/* pidfd_open(2) is Linux 5.3; musl has no wrapper. */
static int
pidfd_open_sys(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static int
pidfd_signal_sys(int fd, int sig)
{
#ifdef SYS_pidfd_send_signal
	return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
#else
	(void)fd;
	(void)sig;
	errno = ENOSYS;
	return -1;
#endif
}

enum sp_open
sp_target_open(struct sp_target *t, const char *procdir, pid_t pid,
    unsigned long long start, int use_pidfd)
{
	int r, e;

	t->pid = pid;
	t->start = start;
	t->pidfd = -1;
	t->gone = 0;
	t->killed = 0;
	str_fmt(t->ident, sizeof t->ident, "pid %d", (int)pid);
	if (use_pidfd) {
		t->pidfd = pidfd_open_sys(pid);
		if (t->pidfd < 0 && errno == ESRCH) {
			t->gone = 1;
			return SP_OPEN_GONE;
		}
		if (t->pidfd < 0 && errno != ENOSYS)
			return SP_OPEN_ERR;
	}
	/* The pid may have been reused before the pidfd was opened: only
	 * the same start time afterwards makes the pidfd ours. */
	r = port_same_process(procdir, pid, start);
	if (r == 1)
		return SP_OPEN_OK;
	e = errno;
	sp_target_close(t);
	if (r == 0) {
		t->gone = 1;
		return SP_OPEN_GONE;
	}
	errno = e;
	return SP_OPEN_ERR;
}

int
sp_target_signal(struct sp_target *t, const char *procdir, int sig)
{
	int r;

	if (t->gone)
		return 1;
	/* A pidfd names the process itself, checked when it was opened:
	 * a reused pid cannot be hit through it. */
	if (t->pidfd >= 0) {
		if (pidfd_signal_sys(t->pidfd, sig) == 0)
			return 0;
		if (errno != ESRCH)
			return -1;
		t->gone = 1;
		return 1;
	}
	/* Without a pidfd a window remains between this check and kill(2)
	 * in which the pid could be reused; it is as short as it gets. */
	r = port_same_process(procdir, t->pid, t->start);
	if (r < 0)
		return -1;
	if (r == 1 && kill(t->pid, sig) == 0)
		return 0;
	if (r == 1 && errno != ESRCH)
		return -1;
	t->gone = 1;
	return 1;
}

int
sp_target_gone(struct sp_target *t, const char *procdir)
{
	char path[PATH_MAX], buf[STAT_BUF], state;
	unsigned long long now;

	if (t->gone)
		return 1;
	if (str_fmt(path, sizeof path, "%s/%d/stat", procdir ? procdir :
	    "/proc", (int)t->pid) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (file_read(path, buf, sizeof buf) < 0) {
		if (errno != ENOENT && errno != ESRCH)
			return -1;
		t->gone = 1;
		return 1;
	}
	if (sp_stat_state(buf, &state, &now) < 0)
		return -1;
	/* Another process under the pid, or a zombie: its sockets are
	 * closed either way. */
	if (now != t->start || state == 'Z' || state == 'X' ||
	    state == 'x') {
		t->gone = 1;
		return 1;
	}
	return 0;
}

void
sp_target_close(struct sp_target *t)
{
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
}

/* Wait up to ms for every target to be gone; 1 when they are. */
static int
wait_gone(struct sp_target *t, unsigned nt, const char *procdir, int ms)
{
	int64_t deadline = mono_ms() + ms;
	unsigned i, left;

	for (;;) {
		for (i = left = 0; i < nt; i++)
			if (sp_target_gone(&t[i], procdir) != 1)
				left++;
		if (left == 0)
			return 1;
		if (mono_ms() >= deadline)
			return 0;
		sleep_ms(POLL_MS);
	}
}

static int
signal_all(struct sp_target *t, unsigned nt, const char *procdir,
    const char *unit, int sig, char *why, size_t n)
{
	unsigned i;
	int r;

	for (i = 0; i < nt; i++) {
		if (t[i].gone)
			continue;
		r = sp_target_signal(&t[i], procdir, sig);
		if (r < 0) {
			str_fmt(why, n, "cannot send %s to %s: %s",
			    sig == SIGKILL ? "SIGKILL" : "SIGTERM", t[i].ident,
			    strerror(errno));
			logx(LOG_WARNING, "%s: %s", unit, why);
			return -1;
		}
		if (sig == SIGKILL && r == 0)
			t[i].killed = 1;
		logx(sig == SIGKILL ? LOG_WARNING : LOG_NOTICE, "%s: %s %s",
		    unit, r == 0 ? (sig == SIGKILL ? "SIGKILL to" :
		    "SIGTERM to") : "already gone:", t[i].ident);
	}
	return 0;
}

int
sp_stop_all(struct sp_target *t, unsigned nt, const char *procdir,
    const char *unit, int term_ms, int kill_ms, char *why, size_t n)
{
	unsigned i;

	if (signal_all(t, nt, procdir, unit, SIGTERM, why, n) < 0)
		return -1;
	if (wait_gone(t, nt, procdir, term_ms))
		return 0;
	logx(LOG_WARNING, "%s: still running %d ms after SIGTERM: SIGKILL",
	    unit, term_ms);
	if (signal_all(t, nt, procdir, unit, SIGKILL, why, n) < 0)
		return -1;
	if (wait_gone(t, nt, procdir, kill_ms))
		return 0;
	for (i = 0; i < nt && t[i].gone; i++)
		;
	str_fmt(why, n, "%s still runs %d ms after SIGKILL", i < nt ?
	    t[i].ident : "a process", kill_ms);
	logx(LOG_WARNING, "%s: %s", unit, why);
	return -1;
}

/* ---- the strategy ---- */

/* What applies() learnt, for run() of the same heal. */
struct job {
	const struct heal *h;
	char unit[UNIT_NAME_MAX];
	unsigned port;
	const char *source;		/* "configured", "from the journal" */
	enum sp_jport jp;		/* what the journal said */
};

static struct job job;
static char jtext[HEAL_JOURNAL_MAX];
static char show[SVC_OUT_MAX];
static char socks_out[SOCKETS_OUT_MAX];
static struct port_result res;
static struct sp_unit unit_facts;

/* The journal of the unit's current run: after a failed restart, the
 * refusal to bind is there, under the new invocation id. */
static enum sp_jport
scan_journal(struct heal *h, unsigned *port)
{
	char inv[40], why[256] = "no InvocationID= line";
	enum sp_jport r = SP_JP_NONE, r2;
	unsigned p2;

	inv[0] = '\0';
	if (svc_props(h->unit, "InvocationID", show, sizeof show, why,
	    sizeof why) < 0 || svc_prop(show, "InvocationID", inv,
	    sizeof inv) < 0)
		logx(LOG_WARNING, "%s: current invocation unknown: %s",
		    h->unit, why);
	if (journal_invocation_valid(inv)) {
		if (journal_fetch(h->unit, inv, SCAN_LINES, jtext,
		    sizeof jtext, why, sizeof why) < 0)
			logx(LOG_WARNING, "%s: journal of run %s unreadable: "
			    "%s", h->unit, inv, why);
		else
			r = sp_journal_port(jtext, port);
	}
	/* The failed run's lines, when gathered and from another run. */
	if (r != SP_JP_PORT && h->have_evidence &&
	    strcmp(inv, h->cause.invocation) != 0) {
		r2 = sp_journal_port(h->journal, &p2);
		if (r2 == SP_JP_PORT)
			*port = p2;
		if (r2 > r)
			r = r2;
	}
	return r;
}

static int
find_port(struct heal *h, char *why, size_t n)
{
	unsigned jport = 0;

	memset(&job, 0, sizeof job);
	job.h = h;
	str_copy(job.unit, sizeof job.unit, h->unit);
	job.jp = scan_journal(h, &jport);
	if (job.jp == SP_JP_PORT) {
		job.port = jport;
		job.source = "named in its journal";
	} else if (h->pol.port != 0) {
		job.port = h->pol.port;
		job.source = "configured";
	} else if (job.jp == SP_JP_NOPORT) {
		str_fmt(why, n, "its journal says an address is already in "
		    "use but names no port, and no port is configured for "
		    "%s", h->unit);
		return 0;
	} else {
		str_fmt(why, n, "no port is configured for %s and its journal "
		    "shows no 'Address already in use'", h->unit);
		return 0;
	}
	if (job.jp == SP_JP_PORT && h->pol.port && h->pol.port != jport)
		logx(LOG_NOTICE, "%s: the journal names port %u in use, not "
		    "the configured %u: freeing %u", h->unit, jport,
		    h->pol.port, jport);
	return 1;
}

static int
port_applies(struct heal *h, char *why, size_t n)
{
	return find_port(h, why, n);
}

/* ExecStart programs, User= and MainPID of the unit now. */
static int
read_unit(struct heal *h, struct sp_unit *u, char *why, size_t n)
{
	char err[256], pid[24], real[PATH_MAX], state[32];
	uint64_t v;
	unsigned i, nraw;

	memset(u, 0, sizeof *u);
	u->name = h->unit;
	if (svc_props(h->unit, "ExecStart,User,MainPID,ControlGroup,"
	    "ActiveState", show, sizeof show, err, sizeof err) < 0) {
		str_fmt(why, n, "cannot read ExecStart and User of %s: %s",
		    h->unit, err);
		return -1;
	}
	/* The line is always there ("User=" when unset): failing to read
	 * it means a name too long, never root. */
	if (svc_prop(show, "User", u->user, sizeof u->user) < 0)
		str_copy(u->user, sizeof u->user, "(unreadable)");
	if (sp_user_uid(NULL, u->user, &u->uid) < 0)
		u->uid = (uid_t)-1;
	if (svc_prop(show, "MainPID", pid, sizeof pid) == 0 &&
	    parse_u64(pid, INT_MAX, &v) == 0)
		u->main_pid = (long)v;
	if (svc_prop(show, "ControlGroup", u->cgroup, sizeof u->cgroup) < 0)
		u->cgroup[0] = '\0';
	if (svc_prop(show, "ActiveState", state, sizeof state) == 0)
		u->running = strcmp(state, "active") == 0 ||
		    strcmp(state, "activating") == 0 ||
		    strcmp(state, "reloading") == 0 ||
		    strcmp(state, "deactivating") == 0;
	nraw = sp_exec_paths(show, u->exec, SP_EXEC_MAX);
	u->nexec = nraw;
	/* /proc/PID/exe shows the file, not the symlink ExecStart names. */
	for (i = 0; i < nraw; i++)
		if (realpath(u->exec[i], real) != NULL &&
		    strcmp(real, u->exec[i]) != 0 &&
		    strlen(real) < SP_PATH_MAX)
			str_copy(u->exec[u->nexec++], SP_PATH_MAX, real);
	return 0;
}

/* Active socket units listening on the port (list-sockets --all also
 * lists stopped ones, which hold nothing). */
static unsigned
socket_units(unsigned port, struct sp_socket *s, unsigned max)
{
	const char *argv[] = { "systemctl", "list-sockets", "--all",
		"--no-legend", "--no-pager", "--full", "--show-types", NULL };
	struct exec_buf ob = { .data = socks_out, .cap = sizeof socks_out };
	struct exec_result r;
	char state[32], err[256];
	unsigned i, k, kept = 0;

	if (exec_run(argv, SVC_TIMEOUT_MS, &ob, NULL, &r) < 0) {
		log_errno(LOG_WARNING, "cannot run systemctl list-sockets");
		return 0;
	}
	if (!exec_ok(&r) || ob.truncated) {
		exec_describe(&r, err, sizeof err);
		logx(LOG_WARNING, "systemctl list-sockets %s%s", err,
		    ob.truncated ? ", output cut" : "");
		if (!exec_ok(&r))
			return 0;
	}
	k = sp_sockets_for_port(socks_out, port, s, max);
	if (k > max)
		k = max;
	for (i = 0; i < k; i++) {
		if (svc_props(s[i].unit, "ActiveState", show, sizeof show,
		    err, sizeof err) < 0 || svc_prop(show, "ActiveState",
		    state, sizeof state) < 0 || strcmp(state, "active") != 0)
			continue;
		s[kept++] = s[i];
	}
	return kept;
}

/* A .socket unit holds the port: socket activation by PID 1.  Its own
 * socket is no conflict unless the service also binds the port itself
 * (the journal says so); another unit's socket always is. */
static enum strat_status
socket_conflict(struct heal *h, const struct port_owner *o, const char
    *owhy, char *detail, size_t n)
{
	struct sp_socket s[SP_SOCKETS_MAX];
	char ident[160];
	unsigned k = socket_units(job.port, s, ARRAY_LEN(s)), i;

	sp_owner_str(o, ident, sizeof ident);
	if (k == 0) {
		str_fmt(detail, n, "port %u is held by %s, %s, and no active "
		    ".socket unit lists it; ansai never signals it", job.port,
		    ident, owhy);
		heal_conflict(h, "%s", detail);
		return SS_FAILED;
	}
	for (i = 0; i < k && sp_activates(s[i].activates, h->unit); i++)
		;
	if (i == k && job.jp == SP_JP_NONE) {
		str_fmt(detail, n, "port %u is held by %s (%s), which "
		    "activates %s: socket activation, not a stale process; "
		    "nothing to free", job.port, s[0].unit, s[0].listen,
		    h->unit);
		return SS_SKIPPED;
	}
	if (i == k)
		str_fmt(detail, n, "port %u is held by %s (%s), the socket "
		    "that activates %s, yet %s binds the port itself: a "
		    "configuration conflict (use the socket passed in, or "
		    "drop the .socket unit); ansai never signals PID 1",
		    job.port, s[0].unit, s[0].listen, h->unit, h->unit);
	else
		str_fmt(detail, n, "port %u is held by %s (%s, activates "
		    "%s): systemd (PID 1) listens there for socket "
		    "activation, so %s cannot bind it: a configuration "
		    "conflict between the units; ansai never signals PID 1",
		    job.port, s[i].unit, s[i].listen, s[i].activates[0] ?
		    s[i].activates : "nothing", h->unit);
	heal_conflict(h, "%s", detail);
	return SS_FAILED;
}

/* "pid 1 (...), pid 2 (...) and 3 more" of the owners with verdict v. */
static void
idents(const enum sp_verdict *vs, enum sp_verdict v, char *buf, size_t n)
{
	char one[160];
	unsigned i, shown = 0, more = 0;

	buf[0] = '\0';
	for (i = 0; i < res.nowners; i++) {
		if (vs[i] != v)
			continue;
		if (shown == SHOWN_MAX) {
			more++;
			continue;
		}
		sp_owner_str(&res.owners[i], one, sizeof one);
		str_append(buf, n, "%s%s", shown ? ", " : "", one);
		shown++;
	}
	if (more)
		str_append(buf, n, " and %u more", more);
}

/* Is any owner in res one of the stopped targets? */
static int
held_by(const struct sp_target *t, unsigned nt)
{
	unsigned i, j;

	for (i = 0; i < res.nowners; i++)
		for (j = 0; j < nt; j++)
			if (res.owners[i].pid == t[j].pid &&
			    res.owners[i].start == t[j].start)
				return 1;
	return 0;
}

/* After they exited, until the port has no listener of theirs. */
static int
wait_port(struct heal *h, const struct sp_target *t, unsigned nt,
    char *why, size_t n)
{
	int64_t deadline = mono_ms() + FREE_WAIT_MS;

	for (;;) {
		if (port_lookup((uint16_t)job.port, NULL, NULL, &res) < 0) {
			str_fmt(why, n, "cannot look up port %u again: %s",
			    job.port, strerror(errno));
			return -1;
		}
		if (res.state == PORT_FREE)
			return 0;
		if (res.state == PORT_OWNED && !held_by(t, nt)) {
			char who[160];

			sp_owner_str(&res.owners[0], who, sizeof who);
			logx(LOG_NOTICE, "%s: port %u is held anew by %s; "
			    "restarting anyway", h->unit, job.port, who);
			return 0;
		}
		if (mono_ms() >= deadline) {
			str_fmt(why, n, "port %u still has a listener %d s "
			    "after its stale owners were stopped", job.port,
			    FREE_WAIT_MS / 1000);
			return -1;
		}
		sleep_ms(POLL_MS);
	}
}

/* Stop the stale owners, wait for the port, restart and verify. */
static enum strat_status
free_and_restart(struct heal *h, const enum sp_verdict *vs, char *detail,
    size_t n)
{
	struct sp_target t[SP_TARGETS_MAX];
	char who[HEAL_DETAIL_MAX], why[256], after[HEAL_DETAIL_MAX];
	enum strat_status st;
	unsigned i, nt = 0, killed = 0;

	idents(vs, SP_STALE, who, sizeof who);
	if (h->dry_run) {
		str_fmt(detail, n, "dry run: would send SIGTERM (SIGKILL "
		    "after %d s) to stale %s on port %u, then restart %s",
		    TERM_WAIT_MS / 1000, who, job.port, h->unit);
		return SS_SKIPPED;
	}
	for (i = 0; i < res.nowners; i++) {
		struct sp_target *x = &t[nt];
		enum sp_open o;

		if (vs[i] != SP_STALE)
			continue;
		o = sp_target_open(x, NULL, res.owners[i].pid,
		    res.owners[i].start, 1);
		sp_owner_str(&res.owners[i], x->ident, sizeof x->ident);
		if (o == SP_OPEN_ERR) {
			str_fmt(detail, n, "cannot tell whether %s is still "
			    "the stale process: %s; nothing more was done",
			    x->ident, strerror(errno));
			goto fail;
		}
		nt++;
	}
	if (sp_stop_all(t, nt, NULL, h->unit, TERM_WAIT_MS, KILL_WAIT_MS,
	    why, sizeof why) < 0) {
		str_fmt(detail, n, "port %u: %s", job.port, why);
		goto fail;
	}
	for (i = 0; i < nt; i++) {
		killed += (unsigned)t[i].killed;
		sp_target_close(&t[i]);
	}
	if (wait_port(h, t, nt, why, sizeof why) < 0) {
		str_copy(detail, n, why);
		logx(LOG_WARNING, "%s: %s", h->unit, why);
		return SS_FAILED;
	}
	logx(LOG_NOTICE, "%s: port %u freed from stale %s", h->unit,
	    job.port, who);
	st = heal_restart(h, after, sizeof after);
	str_fmt(detail, n, "freed port %u: SIGTERM%s to stale %s; then %s: "
	    "%s", job.port, killed ? ", then SIGKILL," : "", who,
	    st == SS_OK ? "restarted" : "the restart failed", after);
	return st;
fail:
	for (i = 0; i < nt; i++)
		sp_target_close(&t[i]);
	logx(LOG_WARNING, "%s: %s", h->unit, detail);
	return SS_FAILED;
}

/* Listeners whose owners cannot all be named: never kill. */
static enum strat_status
owners_unknown(struct heal *h, const enum sp_verdict *vs, char *detail,
    size_t n)
{
	struct sp_socket s[SP_SOCKETS_MAX];
	char reason[256], who[HEAL_DETAIL_MAX];
	unsigned k = socket_units(job.port, s, ARRAY_LEN(s));

	if (k > 0 && !sp_activates(s[0].activates, h->unit)) {
		str_fmt(detail, n, "port %u is held by %s (%s, activates %s), "
		    "an active socket unit: a configuration conflict with "
		    "%s; ansai never signals PID 1", job.port, s[0].unit,
		    s[0].listen, s[0].activates, h->unit);
		heal_conflict(h, "%s", detail);
		return SS_FAILED;
	}
	port_why_str(&res, reason, sizeof reason);
	idents(vs, SP_UNKNOWN, who, sizeof who);
	str_fmt(detail, n, "cannot tell who holds port %u%s%s%s%s; nothing "
	    "was killed", job.port, reason[0] ? ": " : "", reason,
	    who[0] ? ": cannot judge " : "", who);
	logx(LOG_WARNING, "%s: %s", h->unit, detail);
	return SS_FAILED;
}

/* Every owner judged, with the first reason of the kinds that end the
 * strategy, and each judgement logged. */
struct verdicts {
	enum sp_verdict v[PORT_MAX_OWNERS];
	unsigned count[SP_UNKNOWN + 1];
	int first[SP_UNKNOWN + 1];		/* index in res.owners */
	char why[SP_UNKNOWN + 1][256];		/* of that first one */
};

static void
judge_all(struct heal *h, struct verdicts *vd)
{
	char who[160], why[256];
	unsigned i;

	memset(vd, 0, sizeof *vd);
	for (i = 0; i <= SP_UNKNOWN; i++)
		vd->first[i] = -1;
	for (i = 0; i < res.nowners; i++) {
		enum sp_verdict v = sp_judge(&res.owners[i], &unit_facts,
		    why, sizeof why);

		sp_owner_str(&res.owners[i], who, sizeof who);
		logx(LOG_INFO, "%s: port %u: %s: %s", h->unit, job.port, who,
		    why);
		vd->v[i] = v;
		if (vd->count[v]++ == 0) {
			vd->first[v] = (int)i;
			str_copy(vd->why[v], sizeof vd->why[v], why);
		}
	}
}

static enum strat_status
foreign_conflict(struct heal *h, const struct verdicts *vd, char *detail,
    size_t n)
{
	char who[HEAL_DETAIL_MAX];

	idents(vd->v, SP_FOREIGN, who, sizeof who);
	str_fmt(detail, n, "port %u is held by %s: %s; not a stale copy of "
	    "%s, so ansai does not kill it", job.port, who,
	    vd->why[SP_FOREIGN], h->unit);
	heal_conflict(h, "%s", detail);
	return SS_FAILED;
}

static enum strat_status
port_run(struct heal *h, char *detail, size_t n)
{
	static struct verdicts vd;
	char who[HEAL_DETAIL_MAX];

	if ((job.h != h || strcmp(job.unit, h->unit) != 0) &&
	    !find_port(h, detail, n))
		return SS_SKIPPED;
	logx(LOG_INFO, "%s: port strategy: port %u (%s)", h->unit, job.port,
	    job.source);
	if (read_unit(h, &unit_facts, detail, n) < 0)
		return SS_FAILED;
	if (port_lookup((uint16_t)job.port, NULL, NULL, &res) < 0) {
		str_fmt(detail, n, "cannot look up port %u: %s", job.port,
		    strerror(errno));
		return SS_FAILED;
	}
	if (res.state == PORT_FREE) {
		str_fmt(detail, n, "port %u is free (no listener; sockets in "
		    "TIME_WAIT or other states do not count): nothing to "
		    "kill", job.port);
		logx(LOG_INFO, "%s: %s", h->unit, detail);
		return SS_SKIPPED;
	}
	judge_all(h, &vd);
	/* Worst first: what must not be touched decides. */
	if (vd.count[SP_SYSTEMD])
		return socket_conflict(h, &res.owners[vd.first[SP_SYSTEMD]],
		    vd.why[SP_SYSTEMD], detail, n);
	if (vd.count[SP_FOREIGN])
		return foreign_conflict(h, &vd, detail, n);
	if (res.state != PORT_OWNED || vd.count[SP_UNKNOWN])
		return owners_unknown(h, vd.v, detail, n);
	if (vd.count[SP_CURRENT]) {
		idents(vd.v, SP_CURRENT, who, sizeof who);
		str_fmt(detail, n, "port %u is held by %s, the unit's current "
		    "main process: nothing stale to free", job.port, who);
		return SS_SKIPPED;
	}
	if (vd.count[SP_STALE] > SP_TARGETS_MAX) {
		str_fmt(detail, n, "port %u is held by %u stale processes, "
		    "more than the %d ansai stops at once; nothing was "
		    "killed", job.port, vd.count[SP_STALE], SP_TARGETS_MAX);
		return SS_FAILED;
	}
	return free_and_restart(h, vd.v, detail, n);
}

const struct strategy strat_port = { STRAT_PORT, port_applies, port_run };
