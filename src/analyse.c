/*
 * analyse.c - see analyse.h.
 *
 * One table, rules[], lists the kinds in the order they are tried: the
 * most specific evidence first (systemd's own result, then the exit
 * status systemd set, then journal lines, then machine figures), so a
 * watchdog abort is "watchdog" and not "crash", and a full disk that
 * made the configuration unreadable is "disk-full" and not "config".
 * A rule's match() looks; its fill() writes the four sections.
 */
#include "analyse.h"
#include "signame.h"
#include "strat_port.h"
#include "util.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define LINE_BUF	1024	/* a cleaned journal line is ~450 bytes */
#define QUOTED_MAX	600	/* a shell-quoted word */
#define DISK_FULL_PCT	95
#define MEM_LOW_PCT	5	/* MemAvailable this low: machine short */

struct ctx {
	const struct heal *h;
	struct analysis *a;
	const char *unit;
	char uq[QUOTED_MAX];	/* unit, quoted for a shell */
	int code;		/* exit status, -1 unknown */
	int signo;		/* signal that ended it, -1 unknown */
	int dumped;		/* it dumped core */
	const char *label;	/* what a setup code means */
	char path[256];		/* a path the evidence names, or "" */
	unsigned line;		/* a line number it names, 0 none */
};

/* ---- text helpers ---- */

static int
safe_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("_@%+=:,./-", c));
}

/* s as one shell word: as is when it is safe, else in single quotes.
 * Text from the journal goes into commands a human will paste. */
static void
shq(const char *s, char *out, size_t n)
{
	size_t i, k = 0;

	for (i = 0; s[i] && safe_char((unsigned char)s[i]); i++)
		;
	if (s[i] == '\0' && i > 0) {
		str_copy(out, n, s);
		return;
	}
	if (n < 3) {
		out[0] = '\0';
		return;
	}
	out[k++] = '\'';
	for (i = 0; s[i] && k + 6 < n; i++) {
		if (s[i] == '\'') {
			memcpy(out + k, "'\\''", 4);
			k += 4;
		} else {
			out[k++] = s[i];
		}
	}
	out[k++] = '\'';
	out[k] = '\0';
}

/* Bytes of kB as "12.3 MiB" or "1.9 GiB". */
static void
fmt_kib(uint64_t kb, char *buf, size_t n)
{
	if (kb >= 1024 * 1024)
		str_fmt(buf, n, "%.1f GiB", (double)kb / (1024.0 * 1024.0));
	else
		str_fmt(buf, n, "%.1f MiB", (double)kb / 1024.0);
}

static void
fmt_bytes(uint64_t b, char *buf, size_t n)
{
	fmt_kib(b / 1024, buf, n);
}

/* The message of a journalctl short-iso line: past "TIME HOST IDENT: ".
 * Lines without that shape are taken whole. */
static const char *
message_of(const char *line)
{
	const char *p = line, *c;
	int i;

	if (!(line[0] >= '0' && line[0] <= '9') || strlen(line) < 20 ||
	    line[4] != '-' || line[10] != 'T')
		return line;
	for (i = 0; i < 2; i++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return line;
		p++;
	}
	c = strstr(p, ": ");
	if (c == NULL || memchr(p, ' ', (size_t)(c - p)) != NULL)
		return line;
	return c + 2;
}

/* Is the line systemd's own bookkeeping about the unit? */
static int
bookkeeping(const char *line)
{
	static const char *const phrases[] = {
		"Main process exited", "Failed with result", "Consumed ",
		"Scheduled restart job", "Deactivated successfully",
		"Started ", "Starting ", "Stopped ", "Stopping ",
		"Failed to start ", "Killing process", "Unit entered failed",
		"Control process exited", "Start request repeated",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(phrases); i++)
		if (strstr(line, phrases[i]) != NULL)
			return 1;
	return 0;
}

/* Lines of the journal, one at a time, copied so each can be searched
 * alone.  Returns 0 at the end. */
static int
next_line(const char **pp, char *buf, size_t n)
{
	const char *p = *pp;
	size_t len, k;

	if (p == NULL || *p == '\0')
		return 0;
	len = strcspn(p, "\n");
	k = len < n - 1 ? len : n - 1;
	memcpy(buf, p, k);
	buf[k] = '\0';
	*pp = p + len + (p[len] == '\n');
	return 1;
}

static int
has_any(const char *s, const char *const *pats)
{
	for (; *pats != NULL; pats++)
		if (strcasestr(s, *pats) != NULL)
			return 1;
	return 0;
}

/* The first (or with last, the last) journal line holding any of
 * pats, and, when ctx is given, not systemd's bookkeeping; its message
 * goes to a->evidence.  Returns 1 when one was found. */
static int
jfind(struct ctx *c, const char *const *pats, int last, int skip_systemd)
{
	const char *p = c->h->journal;
	char buf[LINE_BUF], found[LINE_BUF] = "";

	while (next_line(&p, buf, sizeof buf)) {
		if (!has_any(buf, pats))
			continue;
		if (skip_systemd && bookkeeping(buf))
			continue;
		str_copy(found, sizeof found, buf);
		if (!last)
			break;
	}
	if (found[0] == '\0')
		return 0;
	str_copy(c->a->evidence, sizeof c->a->evidence, message_of(found));
	return 1;
}

/* Does any journal line hold one of pats? (evidence untouched) */
static int
jhas(const struct heal *h, const char *const *pats)
{
	const char *p = h->journal;
	char buf[LINE_BUF];

	while (next_line(&p, buf, sizeof buf))
		if (has_any(buf, pats))
			return 1;
	return 0;
}

/* The first absolute path in s, and a line number after it (":12" or
 * "line 12"), into c->path and c->line. */
static void
take_path(struct ctx *c, const char *s)
{
	const char *p, *ln;
	size_t k;

	for (p = s; *p; p++)
		if (*p == '/' && (p == s || strchr(" \t\"'`(=<[", p[-1])))
			break;
	if (*p == '\0')
		return;
	for (k = 0; p[k] && !strchr(" \t\"'`),;:>]", p[k]); k++)
		;
	while (k > 1 && p[k - 1] == '.')
		k--;
	if (k < 2 || k >= sizeof c->path)
		return;
	memcpy(c->path, p, k);
	c->path[k] = '\0';
	if (p[k] == ':' && p[k + 1] >= '1' && p[k + 1] <= '9')
		c->line = (unsigned)strtoul(p + k + 1, NULL, 10);
	else if ((ln = strcasestr(p + k, "line ")) != NULL &&
	    ln[5] >= '1' && ln[5] <= '9')
		c->line = (unsigned)strtoul(ln + 5, NULL, 10);
}

/* The program systemd names in "Failed to locate executable P: ...",
 * "Failed to execute P: ..." or "... spawning P: ...". */
static void
take_exec_path(struct ctx *c)
{
	static const char *const pre[] = {
		"executable ", "Failed to execute ", "spawning ",
	};
	const char *p = c->h->journal, *s, *e;
	char buf[LINE_BUF];
	size_t i, k;

	while (next_line(&p, buf, sizeof buf)) {
		for (i = 0; i < ARRAY_LEN(pre); i++) {
			s = strstr(buf, pre[i]);
			if (s == NULL || s[strlen(pre[i])] != '/')
				continue;
			s += strlen(pre[i]);
			e = strstr(s, ": ");
			k = e ? (size_t)(e - s) : strlen(s);
			if (k > 0 && k < sizeof c->path) {
				memcpy(c->path, s, k);
				c->path[k] = '\0';
				return;
			}
		}
	}
}

/* A shell's "sh: line 3: foo: command not found": foo. */
static void
take_command(struct ctx *c)
{
	const char *e = strstr(c->a->evidence, ": command not found"), *b;
	size_t k;

	if (e == NULL)
		return;
	for (b = e; b > c->a->evidence && !(b[-1] == ' ' && b - 1 >
	    c->a->evidence && b[-2] == ':'); b--)
		;
	k = (size_t)(e - b);
	if (k == 0 || k >= sizeof c->path)
		return;
	memcpy(c->path, b, k);
	c->path[k] = '\0';
}

static void
sec(char *dst, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Append to a section; a section that does not fit is cut, which the
 * report can live with (it is advice, not data). */
static void
sec(char *dst, size_t n, const char *fmt, ...)
{
	size_t len = strnlen(dst, n);
	va_list ap;

	if (len + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(dst + len, n - len, fmt, ap);
	va_end(ap);
}

#define RC(...)		sec(c->a->root_cause, sizeof c->a->root_cause, \
			    __VA_ARGS__)
#define WHY(...)	sec(c->a->why, sizeof c->a->why, __VA_ARGS__)
#define FIX(...)	sec(c->a->fix, sizeof c->a->fix, __VA_ARGS__)
#define PREV(...)	sec(c->a->prevention, sizeof c->a->prevention, \
			    __VA_ARGS__)

/* "systemd: exited with code 1 (Result=exit-code)." */
static void
why_cause(struct ctx *c)
{
	const struct cause *k = &c->h->cause;
	char d[256], named[sizeof k->result + 2];

	if (k->kind == CAUSE_EXIT && k->code < 0)
		str_copy(d, sizeof d, "exited with a non-zero code");
	else
		cause_describe(k, d, sizeof d);
	WHY("%s%s", str_starts(d, "systemd ") ? "" : "systemd: ", d);
	/* cause_describe names some results itself: "(oom-kill)". */
	str_fmt(named, sizeof named, "(%s)", k->result);
	if (k->result[0] && strstr(d, named) == NULL)
		WHY(" (Result=%s)", k->result);
	WHY(".");
}

static void
why_evidence(struct ctx *c)
{
	if (c->a->evidence[0])
		WHY("\nThe journal of the failed run says: \"%s\"",
		    c->a->evidence);
}

static int
disk_pct(const struct diskinfo *d)
{
	if (!d->ok || d->total == 0 || d->avail > d->total)
		return -1;
	return (int)(100 - d->avail * 100 / d->total);
}

static int
inodes_out(const struct diskinfo *d)
{
	return d->ok && d->files > 0 && d->files_avail * 100 < d->files * 2;
}

/* The disk ansai looked at that is worst off (out of inodes, else the
 * fullest), or NULL when none was read. */
static const struct diskinfo *
fullest(const struct heal *h)
{
	const struct diskinfo *best = NULL;
	size_t i;

	for (i = 0; i < ARRAY_LEN(h->sys.disk); i++)
		if (inodes_out(&h->sys.disk[i]))
			return &h->sys.disk[i];
	for (i = 0; i < ARRAY_LEN(h->sys.disk); i++)
		if (disk_pct(&h->sys.disk[i]) >= 0 && (best == NULL ||
		    disk_pct(&h->sys.disk[i]) > disk_pct(best)))
			best = &h->sys.disk[i];
	return best;
}

static int
mem_known(const struct heal *h)
{
	return h->sys.mem_ok && h->sys.mem.total != SYSINFO_UNKNOWN &&
	    h->sys.mem.total > 0 && h->sys.mem.available != SYSINFO_UNKNOWN;
}

static unsigned
mem_pct(const struct heal *h)
{
	return (unsigned)(h->sys.mem.available * 100 / h->sys.mem.total);
}

/* "MemAvailable was 12.3 MiB of 512.0 MiB (2 %)...; swap ..." */
static void
why_memory(struct ctx *c)
{
	const struct meminfo *m = &c->h->sys.mem;
	char av[32], tot[32], sw[32], swt[32];

	if (!mem_known(c->h)) {
		WHY("\nMemory figures were not read.");
		return;
	}
	fmt_kib(m->available, av, sizeof av);
	fmt_kib(m->total, tot, sizeof tot);
	WHY("\nMemAvailable was %s of %s (%u %%) when ansai looked, right "
	    "after the failure", av, tot, mem_pct(c->h));
	if (m->swap_total == 0) {
		WHY("; there is no swap.");
	} else if (m->swap_total != SYSINFO_UNKNOWN &&
	    m->swap_free != SYSINFO_UNKNOWN) {
		fmt_kib(m->swap_free, sw, sizeof sw);
		fmt_kib(m->swap_total, swt, sizeof swt);
		WHY("; swap free %s of %s.", sw, swt);
	} else {
		WHY(".");
	}
}

/* What the strategies did, in one line: their details are in the
 * report's own section. */
static void
why_strategies(struct ctx *c)
{
	const struct heal *h = c->h;
	unsigned i;

	if (h->nstrats == 0)
		return;
	WHY("\nansai tried:");
	for (i = 0; i < h->nstrats && i < STRATS_MAX; i++)
		WHY("%s %s (%s)", i ? "," : "", strat_name(h->strats[i].id),
		    strat_status_word(h->strats[i].status));
	WHY(".");
}

/* Figures that matter whatever the kind: a full disk, low memory. */
static void
why_side_notes(struct ctx *c)
{
	const struct diskinfo *d = fullest(c->h);
	char av[32];

	if (d != NULL && disk_pct(d) >= DISK_FULL_PCT &&
	    strncmp(c->a->kind, "disk", 4) != 0) {
		fmt_bytes(d->avail, av, sizeof av);
		WHY("\nAlso: %s is %d %% full (%s free).", d->path,
		    disk_pct(d), av);
	}
	if (mem_known(c->h) && mem_pct(c->h) < MEM_LOW_PCT &&
	    strcmp(c->a->kind, "oom") != 0) {
		fmt_kib(c->h->sys.mem.available, av, sizeof av);
		WHY("\nAlso: only %s of memory was available.", av);
	}
}

/* "Then: systemctl restart UNIT", or that ansai already did. */
static void
fix_restart(struct ctx *c)
{
	if (c->h->result == HEAL_HEALED)
		FIX("\nansai's restart brought it back for now; without the "
		    "fix it will fail again.");
	else
		FIX("\nThen start it again:\n  systemctl restart %s", c->uq);
}

/* The detail of strategy id's outcome, or NULL. */
static const char *
strat_detail(const struct heal *h, enum strat_id id)
{
	unsigned i;

	for (i = 0; i < h->nstrats && i < STRATS_MAX; i++)
		if (h->strats[i].id == id && h->strats[i].detail[0])
			return h->strats[i].detail;
	return NULL;
}

static int
in_list(const struct strat_list *l, enum strat_id id)
{
	unsigned i;

	for (i = 0; i < l->n && i < STRATS_MAX; i++)
		if (l->id[i] == id)
			return 1;
	return 0;
}

/* ---- memory ---- */

static const char *const oom_pats[] = {
	"oom-kill", "OOM killer", "Out of memory", "Killed process",
	"MemoryError", "OutOfMemoryError", "Cannot allocate memory",
	"heap out of memory", "bad_alloc", "memory exhausted", NULL,
};

static int
m_oom(struct ctx *c)
{
	int found = jfind(c, oom_pats, 0, 0);

	return c->h->cause.kind == CAUSE_OOM || found;
}

static void
f_oom(struct ctx *c)
{
	const struct meminfo *m = &c->h->sys.mem;
	unsigned max_mib = 0, high_mib = 0;
	char tot[32];

	if (c->h->cause.kind == CAUSE_OOM || c->signo == SIGKILL ||
	    c->code == 128 + SIGKILL)
		RC("%s ran out of memory and was killed by the OOM killer.",
		    c->unit);
	else
		RC("%s ran out of memory: it could not allocate what it "
		    "needed and stopped.", c->unit);
	if (mem_known(c->h) && mem_pct(c->h) < MEM_LOW_PCT * 2)
		RC(" The whole machine was short of memory.");
	else if (mem_known(c->h))
		RC(" The machine still had memory, so a limit of its own "
		    "(MemoryMax= or a runtime heap limit) was most likely "
		    "reached.");
	why_cause(c);
	why_evidence(c);
	why_memory(c);
	FIX("See its limit and its use now, and the kernel's report of "
	    "the kill:\n  systemctl show -p MemoryMax,MemoryHigh,"
	    "MemoryCurrent %s\n  journalctl -k -b | grep -i -A5 'out of "
	    "memory'", c->uq);
	if (mem_known(c->h)) {
		max_mib = (unsigned)(m->total * 3 / 4 / 1024);
		high_mib = max_mib * 9 / 10;
		fmt_kib(m->total, tot, sizeof tot);
		FIX("\nCap it so that only it is killed, not its neighbours "
		    "(three quarters of the %s here), or raise a limit that "
		    "is too low: systemctl edit %s, and add\n  [Service]\n"
		    "  MemoryHigh=%uM\n  MemoryMax=%uM", tot, c->uq, high_mib,
		    max_mib);
	} else {
		FIX("\nCap it so that only it is killed, or raise a limit "
		    "that is too low: systemctl edit %s, and add\n"
		    "  [Service]\n  MemoryMax=SIZE", c->uq);
	}
	fix_restart(c);
	PREV("Find what grows: watch \"Memory:\" in systemctl status %s over "
	    "a day, and fix the leak or lower its caches.  Keep MemoryMax= "
	    "set, with MemoryHigh= a little below it so the kernel reclaims "
	    "before it kills", c->uq);
	if (mem_known(c->h) && m->swap_total == 0)
		PREV("; this machine has no swap: a small swap file or "
		    "zram gives headroom for peaks");
	PREV(".");
}

/* ---- watchdog ---- */

static int
m_watchdog(struct ctx *c)
{
	static const char *const pats[] = { "Watchdog timeout", NULL };
	int found = jfind(c, pats, 0, 0);

	return c->h->cause.kind == CAUSE_WATCHDOG || found;
}

static void
f_watchdog(struct ctx *c)
{
	RC("%s stopped sending its watchdog keep-alive within WatchdogSec=, "
	    "so systemd killed it: it hung, or was too busy to answer.",
	    c->unit);
	why_cause(c);
	why_evidence(c);
	if (c->h->sys.load_ok)
		WHY("\nThe load average was %.2f (1 min), %.2f (5 min).",
		    c->h->sys.load.one, c->h->sys.load.five);
	FIX("See what it was doing before the timeout, and where it hung "
	    "(systemd sends SIGABRT, so a core dump shows the stack):\n"
	    "  journalctl -u %s -b -n 50\n  coredumpctl list "
	    "COREDUMP_UNIT=%s\n  systemctl show -p WatchdogUSec %s", c->uq,
	    c->uq, c->uq);
	fix_restart(c);
	PREV("Send WATCHDOG=1 from the loop that does the work (at least "
	    "every WatchdogSec=/2), not from a separate timer, so a hang is "
	    "caught; set WatchdogSec= above the longest legitimate stall "
	    "(disk flushes, start-up work).");
}

/* ---- systemd could not run it ---- */

static int
exit_203(struct ctx *c)
{
	static const char *const pats[] = {
		"status=203/EXEC", "Failed at step EXEC",
		"Failed to locate executable", NULL,
	};

	return c->code == 203 || jhas(c->h, pats);
}

static int
m_exec(struct ctx *c)
{
	static const char *const perm[] = { "Permission denied", NULL };
	static const char *const fmt[] = { "Exec format error", NULL };
	static const char *const miss[] = {
		"No such file or directory", "Failed to locate executable",
		"command not found", NULL,
	};
	static const char *const any[] = {
		"Failed to execute", "Failed at step EXEC",
		"Failed to locate executable", "status=203/EXEC", NULL,
	};

	if (!exit_203(c) && c->code != 126 && c->code != 127)
		return 0;
	if (jfind(c, fmt, 0, 0))
		str_copy(c->a->kind, sizeof c->a->kind, "exec-format");
	else if (jfind(c, perm, 0, 0) || c->code == 126)
		str_copy(c->a->kind, sizeof c->a->kind, "exec-permission");
	else if (jfind(c, miss, 0, 0) || c->code == 127 || exit_203(c))
		str_copy(c->a->kind, sizeof c->a->kind, "exec-missing");
	if (c->a->evidence[0] == '\0')
		jfind(c, any, 0, 0);
	/* A shell names its script first and the missing command last. */
	if (c->code == 127)
		take_command(c);
	if (c->path[0] == '\0')
		take_exec_path(c);
	if (c->path[0] == '\0' && c->a->evidence[0])
		take_path(c, c->a->evidence);
	return 1;
}

static void
f_exec(struct ctx *c)
{
	char pq[QUOTED_MAX];
	const char *what = c->path[0] ? c->path : "the program in ExecStart=";

	shq(c->path[0] ? c->path : "PROGRAM", pq, sizeof pq);
	if (strcmp(c->a->kind, "exec-format") == 0) {
		RC("%s could not start: %s is not a program this machine can "
		    "run (Exec format error): built for another CPU, or a "
		    "script without a #! line.", c->unit, what);
		FIX("Compare the file with this machine:\n  file %s\n  uname "
		    "-m\n  head -c 64 %s\nInstall the build for this "
		    "architecture, or start the script with #!/bin/sh.", pq,
		    pq);
		PREV("Build and ship for the device's architecture (uname -m) "
		    "and test the exact artifact on one device before "
		    "rolling it out.");
	} else if (strcmp(c->a->kind, "exec-permission") == 0) {
		RC("%s could not start: permission to execute %s was denied.",
		    c->unit, what);
		FIX("Check its mode, the directories above it, and whether "
		    "its file system is mounted noexec:\n  ls -l %s\n  "
		    "namei -l %s\n  findmnt -T %s -o TARGET,OPTIONS\nMake "
		    "it executable (chmod 755 %s) or move it off a noexec "
		    "mount.", pq, pq, pq, pq);
		PREV("Let the package or the deployment set the mode; keep "
		    "programs out of /tmp, /home and other noexec mounts; "
		    "check with systemd-analyze verify %s after changes.",
		    c->uq);
	} else {
		RC("%s could not start: %s does not exist, so systemd could "
		    "not execute it.", c->unit, what);
		FIX("Check the path and what the unit runs:\n  ls -l %s\n  "
		    "systemctl cat %s\nReinstall what provides it (dpkg -S "
		    "%s shows the package, if any), or correct ExecStart= "
		    "with systemctl edit --full %s, then systemctl "
		    "daemon-reload.", pq, c->uq, pq, c->uq);
		PREV("An upgrade, a cleanup or a missing mount took the "
		    "program away: add RequiresMountsFor= when it lives on "
		    "a separate mount, and run systemd-analyze verify %s "
		    "after every deployment (ansai's config strategy runs it "
		    "when config or validate is set for the unit).", c->uq);
	}
	why_cause(c);
	if (exit_203(c))
		WHY(" Exit status 203 is systemd's own: the program never "
		    "ran, so it logged nothing itself.");
	if (c->code == 126 || c->code == 127)
		WHY(" Exit status %d is the shell's: a command the service "
		    "runs could not be %s.", c->code, c->code == 126 ?
		    "executed" : "found");
	why_evidence(c);
	fix_restart(c);
}

static const char *const env_pats[] = {
	"Failed to load environment files", NULL,
};

static int
m_env(struct ctx *c)
{
	return jfind(c, env_pats, 0, 0);
}

static void
f_env(struct ctx *c)
{
	const char *d = strat_detail(c->h, STRAT_CONFIG);

	RC("%s could not start: an EnvironmentFile= it needs is missing or "
	    "unreadable, so systemd did not run it.", c->unit);
	why_cause(c);
	why_evidence(c);
	if (d != NULL)
		WHY("\nansai's config check found: %s", d);
	FIX("List its environment files and see which is missing:\n  "
	    "systemctl show -p EnvironmentFiles %s\n  ls -l FILE\nRestore "
	    "the file, or, if it is optional, mark it with a leading '-' "
	    "(EnvironmentFile=-/etc/default/NAME) in systemctl edit %s.",
	    c->uq, c->uq);
	fix_restart(c);
	PREV("Have the deployment create the file before the service "
	    "starts, mark optional files with '-', and list the variables "
	    "it needs with env = in ansai.conf so ansai names the missing "
	    "one.");
}

/* systemd's 2xx exit statuses: the step of setting up the process
 * that failed.  Some are about identity and access: "permission". */
static const struct {
	int code;
	const char *name;
	int perm;
	const char *what;
	const char *fix;
} steps[] = {
	{ 200, "CHDIR", 0, "its WorkingDirectory= does not exist or cannot "
	    "be entered", "create the directory, or correct "
	    "WorkingDirectory= (a leading '-' makes it optional)" },
	{ 204, "MEMORY", 0, "systemd ran out of memory setting it up",
	    "free memory; see the figures above" },
	{ 208, "STDIN", 0, "its StandardInput= could not be opened",
	    "correct StandardInput=" },
	{ 209, "STDOUT", 0, "its StandardOutput= file or socket could not "
	    "be opened", "create the directory of the file, or correct "
	    "StandardOutput=" },
	{ 210, "CHROOT", 0, "its RootDirectory= or RootImage= is unusable",
	    "check RootDirectory=/RootImage=" },
	{ 216, "GROUP", 1, "its Group= or SupplementaryGroups= does not "
	    "exist", "create the group (groupadd --system NAME) or correct "
	    "Group=" },
	{ 217, "USER", 1, "its User= does not exist or its credentials "
	    "could not be determined", "create the user (useradd --system "
	    "NAME), correct User=, or use DynamicUser=yes" },
	{ 218, "CAPABILITIES", 1, "its capabilities could not be set",
	    "check CapabilityBoundingSet= and AmbientCapabilities=" },
	{ 219, "CGROUP", 0, "its control group could not be set up",
	    "check the cgroup settings (Delegate=, Slice=)" },
	{ 222, "STDERR", 0, "its StandardError= could not be opened",
	    "correct StandardError=" },
	{ 224, "PAM", 1, "the PAM session could not be opened",
	    "check PAMName= and /etc/pam.d" },
	{ 226, "NAMESPACE", 1, "its file system sandbox could not be set "
	    "up: a path in ReadWritePaths=, ReadOnlyPaths=, BindPaths= or "
	    "similar is missing", "create the path, or prefix it with '-' "
	    "to make it optional" },
	{ 227, "NO_NEW_PRIVILEGES", 1, "NoNewPrivileges= could not be set",
	    "check the sandboxing options" },
	{ 228, "SECCOMP", 1, "its SystemCallFilter= could not be applied",
	    "check SystemCallFilter= and the kernel's seccomp support" },
	{ 231, "APPARMOR_PROFILE", 1, "its AppArmor profile could not be "
	    "applied", "check AppArmorProfile= and aa-status" },
	{ 233, "RUNTIME_DIRECTORY", 0, "its RuntimeDirectory= could not be "
	    "created", "check RuntimeDirectory= and /run" },
	{ 235, "CHOWN", 1, "a directory could not be given to its user",
	    "check ownership of its state and log directories" },
	{ 238, "STATE_DIRECTORY", 0, "its StateDirectory= could not be "
	    "created", "check StateDirectory= and /var/lib (full disk?)" },
	{ 240, "LOGS_DIRECTORY", 0, "its LogsDirectory= could not be "
	    "created", "check LogsDirectory= and /var/log" },
	{ 243, "CREDENTIALS", 0, "its credentials (LoadCredential=, "
	    "SetCredential=) could not be loaded", "check that each "
	    "credential file exists" },
};

/* The 2xx status from the exit code, or from systemd's journal line
 * "status=217/USER" when the exit code is unknown. */
static int
setup_code(struct ctx *c)
{
	const char *p = c->h->journal, *s;
	char buf[LINE_BUF];
	int v;

	if (c->code >= 200 && c->code <= 245)
		return c->code;
	while (next_line(&p, buf, sizeof buf)) {
		s = strstr(buf, "status=2");
		if (s == NULL)
			continue;
		v = (int)strtol(s + 7, NULL, 10);
		if (v >= 200 && v <= 245)
			return v;
	}
	return -1;
}

static int
m_setup(struct ctx *c)
{
	static const char *const pats[] = { "Failed at step ", NULL };
	int code = setup_code(c);
	size_t i;

	if (code < 0 || code == 203)
		return 0;
	c->code = code;
	c->label = "a step of setting it up";
	for (i = 0; i < ARRAY_LEN(steps); i++)
		if (steps[i].code == code) {
			c->label = steps[i].name;
			if (steps[i].perm)
				str_copy(c->a->kind, sizeof c->a->kind,
				    "permission");
		}
	if (!jfind(c, pats, 0, 0)) {
		static const char *const st[] = { "status=2", NULL };

		jfind(c, st, 0, 0);
	}
	return 1;
}

static void
f_setup(struct ctx *c)
{
	const char *what = "systemd could not set the process up", *fix =
	    "see the journal line above for the setting it names";
	size_t i;

	for (i = 0; i < ARRAY_LEN(steps); i++)
		if (steps[i].code == c->code) {
			what = steps[i].what;
			fix = steps[i].fix;
		}
	RC("systemd could not start %s: %s (exit status %d/%s).", c->unit,
	    what, c->code, c->label);
	why_cause(c);
	WHY(" Exit statuses 200 and up are systemd's own: it stopped "
	    "before running the program, at the step %s.", c->label);
	why_evidence(c);
	if (c->h->before.user[0])
		WHY("\nThe unit runs as User=%s.", c->h->before.user);
	FIX("See the unit as systemd has it, and check it:\n  systemctl "
	    "cat %s\n  systemd-analyze verify %s\nThen %s (systemctl edit "
	    "%s for a drop-in).", c->uq, c->uq, fix, c->uq);
	fix_restart(c);
	PREV("Run systemd-analyze verify %s and a test start on one device "
	    "after every change to the unit or its users and directories; "
	    "let systemd create what it can (StateDirectory=, "
	    "RuntimeDirectory=, DynamicUser=).", c->uq);
}

/* ---- resources and neighbours ---- */

static int
m_disk_full(struct ctx *c)
{
	static const char *const pats[] = {
		"No space left on device", "ENOSPC", "Errno 28",
		"Disk quota exceeded", "EDQUOT", "disk full", "disk is full",
		NULL,
	};

	if (!jfind(c, pats, 0, 0))
		return 0;
	take_path(c, c->a->evidence);
	return 1;
}

static void
fill_disk(struct ctx *c, int sure)
{
	const struct diskinfo *d = fullest(c->h);
	char av[32], tot[32], pq[QUOTED_MAX], dq[QUOTED_MAX];
	const char *where = d ? d->path : "/";

	int pct = d != NULL ? disk_pct(d) : -1;

	shq(c->path[0] ? c->path : where, pq, sizeof pq);
	shq(where, dq, sizeof dq);
	if (pct >= 0) {
		fmt_bytes(d->avail, av, sizeof av);
		fmt_bytes(d->total, tot, sizeof tot);
	}
	if (!sure && inodes_out(d))
		RC("%s failed while %s had almost no free inodes left; a file "
		    "it could not create is the likely cause", c->unit, where);
	else if (!sure)
		RC("%s failed while %s was %d %% full; a write that failed "
		    "for lack of space is the likely cause", c->unit, where,
		    pct);
	else
		RC("%s failed because a file system is full: no space left on "
		    "device", c->unit);
	if (sure && pct >= 90)
		RC(" (%s: %d %% used, %s free of %s)", d->path, pct, av, tot);
	else if (sure && c->path[0])
		RC(" (writing %s)", c->path);
	RC(".");
	why_cause(c);
	why_evidence(c);
	if (pct >= 0)
		WHY("\n%s is %d %% full: %s free of %s.", d->path, pct, av,
		    tot);
	if (sure && pct >= 0 && pct < 90)
		WHY(" ansai measures only / and its state directory: the full "
		    "one is another (df -h lists them all).");
	if (d != NULL && inodes_out(d))
		WHY("\n%s has almost no free inodes (%llu of %llu): many "
		    "small files.", d->path,
		    (unsigned long long)d->files_avail,
		    (unsigned long long)d->files);
	FIX("See what fills it:\n  df -h %s\n  df -i %s\n  du -xh -d 2 %s "
	    "| sort -h | tail -n 20\n  journalctl --disk-usage\nFree space "
	    "(journalctl --vacuum-size=50M, apt-get clean, old logs and "
	    "dumps), then check df again.", pq, pq, dq);
	fix_restart(c);
	PREV("Cap what grows: SystemMaxUse= in journald.conf, logrotate for "
	    "%s's own logs, an age limit for caches (tmpfiles.d); and have "
	    "monitoring warn at 85 %%.", c->unit);
}

static void
f_disk_full(struct ctx *c)
{
	fill_disk(c, 1);
}

static int
m_disk_high(struct ctx *c)
{
	const struct diskinfo *d = fullest(c->h);
	size_t i;

	for (i = 0; i < ARRAY_LEN(c->h->sys.disk); i++)
		if (inodes_out(&c->h->sys.disk[i]))
			return 1;
	return d != NULL && disk_pct(d) >= DISK_FULL_PCT;
}

static void
f_disk_high(struct ctx *c)
{
	fill_disk(c, 0);
}

/* The holder of the port in the port strategy's words, "pid 812
 * (nginx, user www-data, nginx.service)": from "held by " to a ':' or
 * ';' outside parentheses. */
static int
port_owner(const struct heal *h, char *out, size_t n)
{
	const char *d = strat_detail(h, STRAT_PORT), *s;
	size_t k;
	int depth = 0;

	if (d == NULL || (s = strstr(d, "held by ")) == NULL)
		return 0;
	s += 8;
	for (k = 0; s[k]; k++) {
		if (s[k] == '(')
			depth++;
		else if (s[k] == ')' && depth > 0)
			depth--;
		else if (depth == 0 && (s[k] == ':' || s[k] == ';' ||
		    (s[k] == ',' && s[k + 1] == ' ')))
			break;
	}
	while (k > 0 && s[k - 1] == ' ')
		k--;
	if (k == 0 || k >= n)
		return 0;
	memcpy(out, s, k);
	out[k] = '\0';
	return 1;
}

static int
m_addr(struct ctx *c)
{
	static const char *const pats[] = {
		"already in use", "EADDRINUSE", "Errno 98",
		"Connection in use", "address in use", NULL,
	};
	unsigned port = 0;
	enum sp_jport r = sp_journal_port(c->h->journal, &port);

	if (r == SP_JP_NONE && !jhas(c->h, pats))
		return 0;
	jfind(c, pats, 0, 0);
	c->a->port = r == SP_JP_PORT ? port : c->h->pol.port;
	return 1;
}

static void
f_addr(struct ctx *c)
{
	char *owner = c->a->owner;
	int known = port_owner(c->h, owner, sizeof c->a->owner);
	unsigned p = c->a->port;

	if (p)
		RC("%s could not listen on port %u: the address is already "
		    "in use", c->unit, p);
	else
		RC("%s could not bind its address: it is already in use",
		    c->unit);
	if (known)
		RC(", held by %s", owner);
	RC(".");
	why_cause(c);
	why_evidence(c);
	if (strat_detail(c->h, STRAT_PORT) != NULL)
		WHY("\nansai's port check found: %s",
		    strat_detail(c->h, STRAT_PORT));
	if (p && c->h->pol.port && c->h->pol.port != p)
		WHY("\nThe port configured for it in ansai.conf is %u.",
		    c->h->pol.port);
	if (p)
		FIX("See who holds the port:\n  ansai port %u\n  ss -ltnp "
		    "'sport = :%u'\n", p, p);
	else
		FIX("See who holds which port:\n  ss -ltnp\n");
	FIX("If it is a leftover copy of %s, stop it; if it is another "
	    "service, give one of the two another port.", c->unit);
	fix_restart(c);
	PREV("Give each service its own port; let systemd stop all of %s's "
	    "processes with it (KillMode=control-group, the default) so no "
	    "copy outlives a restart", c->uq);
	if ((!c->h->pol.port || !in_list(&c->h->pol.strategies,
	    STRAT_PORT)) && p)
		PREV("; set port = %u and add port to strategies in [unit "
		    "%s] of ansai.conf so ansai frees a stale holder itself",
		    p, c->unit);
	PREV(".");
}

static int
m_permission(struct ctx *c)
{
	static const char *const pats[] = {
		"Permission denied", "EACCES", "Errno 13",
		"Operation not permitted", "EPERM", NULL,
	};

	if (!jfind(c, pats, 0, 1) && c->code != 77)
		return 0;
	take_path(c, c->a->evidence);
	return 1;
}

static void
f_permission(struct ctx *c)
{
	const char *user = c->h->before.user[0] ? c->h->before.user : "root";
	char pq[QUOTED_MAX], uq[QUOTED_MAX];

	if (c->label != NULL) {		/* a 2xx setup step */
		f_setup(c);
		return;
	}
	shq(c->path[0] ? c->path : "PATH", pq, sizeof pq);
	shq(user, uq, sizeof uq);
	RC("%s was denied access%s%s while running as %s.", c->unit,
	    c->path[0] ? " to " : "", c->path, user);
	why_cause(c);
	why_evidence(c);
	if (c->code == 77)
		WHY("\nExit code 77 is EX_NOPERM: the program says it lacks "
		    "permission.");
	if (c->h->before.user[0] && strcmp(user, "root") != 0)
		FIX("Check the path as its user, and every directory above "
		    "it:\n  namei -l %s\n  runuser -u %s -- test -r %s && "
		    "echo readable\nGive %s access (chown or chmod), or, ",
		    pq, uq, pq, user);
	else
		FIX("As root, a denial comes from the unit's sandbox, a "
		    "read-only mount, or SELinux/AppArmor:\n  systemctl show "
		    "-p ProtectSystem,ProtectHome,ReadOnlyPaths,"
		    "CapabilityBoundingSet %s\n  findmnt -T %s\nThen, ",
		    c->uq, pq);
	FIX("when it is under a path its sandbox makes read-only "
	    "(ProtectSystem=, ProtectHome=), add ReadWritePaths=%s with "
	    "systemctl edit %s.", c->path[0] ? c->path : "PATH", c->uq);
	fix_restart(c);
	PREV("Let systemd create its directories with the right owner "
	    "(StateDirectory=, LogsDirectory=, RuntimeDirectory=), and list "
	    "the files it reads with config = in ansai.conf so ansai checks "
	    "them as User=%s before restarting.", user);
}

/* ---- configuration ---- */

static const char *const cfg_strong[] = {
	"syntax error", "parse error", "failed to parse", "could not parse",
	"cannot parse", "unable to parse", "error parsing", "parsing error",
	"test failed", "invalid config", "configuration error",
	"config error", "unknown directive", "unknown option",
	"unrecognized option", "bad configuration", "yaml.scanner",
	"yaml.parser", "YAMLError", "ScannerError", "JSONDecodeError",
	"cannot unmarshal", "unexpected token", "unexpected end of",
	"unexpected character", "invalid value", "TomlDecodeError", NULL,
};

/* The file (and line) a parse error names, on its own line or on one
 * of the next few: Python's YAML errors put 'in "/etc/x.yaml", line 3'
 * on a line of their own. */
static void
path_near(struct ctx *c)
{
	const char *p = c->h->journal;
	char buf[LINE_BUF];
	int left = -1;

	take_path(c, c->a->evidence);
	if (c->path[0] || c->a->evidence[0] == '\0')
		return;
	while (left != 0 && next_line(&p, buf, sizeof buf)) {
		if (left < 0 && strstr(buf, c->a->evidence) == NULL)
			continue;
		left = left < 0 ? 4 : left - 1;
		take_path(c, message_of(buf));
		if (c->path[0])
			return;
	}
}

/* Weak words count only next to a word about configuration. */
static int
cfg_weak(const char *line)
{
	static const char *const weak[] = {
		"invalid", "unexpected", "yaml", "json", "toml", NULL,
	};
	static const char *const ctx[] = {
		"conf", "setting", "option", "directive", "pars", "line ",
		"key", "field", NULL,
	};

	return has_any(line, weak) && has_any(line, ctx);
}

static int
m_config(struct ctx *c)
{
	const char *p = c->h->journal;
	char buf[LINE_BUF];
	int conflict = c->h->conflict &&
	    strat_detail(c->h, STRAT_CONFIG) != NULL;

	if (!jfind(c, cfg_strong, 0, 1)) {
		while (next_line(&p, buf, sizeof buf))
			if (!bookkeeping(buf) && cfg_weak(buf)) {
				str_copy(c->a->evidence,
				    sizeof c->a->evidence, message_of(buf));
				break;
			}
	}
	if (c->a->evidence[0] == '\0' && c->code != 78 && !conflict)
		return 0;
	path_near(c);
	return 1;
}

/* Is path one of the unit's configured files? */
static const char *
conf_file(const struct ctx *c)
{
	const struct conf_paths *cp = c->h->pol.config;

	if (c->path[0])
		return c->path;
	return cp != NULL && cp->n > 0 ? cp->v[0] : NULL;
}

static void
f_config(struct ctx *c)
{
	const struct conf_words *v = c->h->pol.validate;
	const char *file = conf_file(c), *d = strat_detail(c->h,
	    STRAT_CONFIG);
	char fq[QUOTED_MAX], cmd[QUOTED_MAX] = "", w[QUOTED_MAX];
	unsigned i;

	RC("%s refused to start because its configuration is invalid",
	    c->unit);
	if (file && c->line)
		RC(": %s, line %u", file, c->line);
	else if (file)
		RC(": %s", file);
	RC(".");
	why_cause(c);
	if (c->code == 78)
		WHY(" Exit code 78 is EX_CONFIG: the program itself says its "
		    "configuration is wrong.");
	why_evidence(c);
	if (d != NULL)
		WHY("\nansai's config check found: %s", d);
	for (i = 0; v != NULL && i < v->n; i++) {
		shq(v->v[i], w, sizeof w);
		str_append(cmd, sizeof cmd, "%s%s", i ? " " : "", w);
	}
	if (file) {
		shq(file, fq, sizeof fq);
		if (c->line)
			FIX("Correct line %u of %s (and the lines before it: "
			    "a parser often trips later than the mistake):\n"
			    "  sed -n '%u,%up' %s", c->line, file,
			    c->line > 3 ? c->line - 3 : 1, c->line + 3, fq);
		else
			FIX("Correct %s:\n  ${EDITOR:-vi} %s", file, fq);
	} else {
		FIX("Find the file it reads in its command line:\n  systemctl "
		    "cat %s\nand correct it.", c->uq);
	}
	if (cmd[0])
		FIX("\nCheck it before restarting:\n  %s", cmd);
	if (c->h->pol.rollback)
		FIX("\nrollback = yes keeps last-known-good copies in ansai's "
		    "state directory if the change cannot be fixed now.");
	fix_restart(c);
	PREV("Check every configuration change before it is applied (the "
	    "program's own test, e.g. nginx -t, as ExecStartPre= or "
	    "ExecReload=)%s; keep the files under version control and set "
	    "rollback = yes for %s in ansai.conf.", cmd[0] ? "" :
	    ", and set validate = to that test in ansai.conf so ansai runs "
	    "it before restarting", c->unit);
}

/* ---- crashes and signals ---- */

static int
crash_signal(int s)
{
	return s == SIGSEGV || s == SIGABRT || s == SIGBUS || s == SIGILL ||
	    s == SIGFPE || s == SIGSYS || s == SIGTRAP;
}

static int
m_crash(struct ctx *c)
{
	static const char *const pats[] = {
		"Segmentation fault", "segfault", "core dumped",
		"dumped core", "SIGSEGV", "SIGABRT", "SIGBUS",
		"stack smashing", "double free", "free(): invalid",
		"Assertion", "panic:", "Aborted", "Illegal instruction",
		"Bus error", "Floating point exception", NULL,
	};
	int found = jfind(c, pats, 0, 1);

	if (c->code > 128 && crash_signal(c->code - 128))
		c->signo = c->code - 128;
	return c->h->cause.kind == CAUSE_CORE || c->dumped ||
	    crash_signal(c->signo) || found;
}

static void
f_crash(struct ctx *c)
{
	RC("%s crashed", c->unit);
	if (c->signo > 0)
		RC(": its process got SIG%s", signame(c->signo));
	if (c->signo == SIGSEGV)
		RC(" (an invalid memory access)");
	else if (c->signo == SIGABRT)
		RC(" (it aborted itself: a failed check or assertion)");
	RC("%s.", c->dumped || c->h->cause.kind == CAUSE_CORE ?
	    ", and dumped core" : "");
	why_cause(c);
	why_evidence(c);
	FIX("Get the stack of the crash:\n  coredumpctl list "
	    "COREDUMP_UNIT=%s\n  coredumpctl info COREDUMP_UNIT=%s\n"
	    "(coredumpctl debug needs gdb and debug symbols.)  If it began "
	    "after an update, go back to the previous version until it is "
	    "fixed.", c->uq, c->uq);
	fix_restart(c);
	PREV("Report the crash upstream with the stack and the input that "
	    "triggers it; until then Restart=on-failure with RestartSec=5 "
	    "brings it back, and ansai escalates when it keeps "
	    "happening.");
}

static int
m_timeout(struct ctx *c)
{
	/* systemd's "start operation timed out"; an application's own
	 * "timed out" is an error it reports, not this. */
	static const char *const pats[] = { "operation timed out", NULL };
	int found = jfind(c, pats, 0, 0);

	return c->h->cause.kind == CAUSE_TIMEOUT || found;
}

static void
f_timeout(struct ctx *c)
{
	RC("%s did not finish starting (or stopping) within its timeout, "
	    "so systemd killed it.", c->unit);
	why_cause(c);
	why_evidence(c);
	if (c->h->sys.load_ok)
		WHY("\nThe load average was %.2f (1 min).",
		    c->h->sys.load.one);
	FIX("See its timeouts and what it waited for:\n  systemctl show -p "
	    "TimeoutStartUSec,TimeoutStopUSec,Type %s\n  journalctl -u %s "
	    "-b -n 50\nA Type=notify service must send READY=1; one that "
	    "waits for a database or the network needs After= and Wants= "
	    "on it; one that is just slow needs TimeoutStartSec= raised "
	    "(systemctl edit %s).", c->uq, c->uq, c->uq);
	fix_restart(c);
	PREV("Order %s after what it needs (After=, Wants=), give "
	    "start-up waits a deadline of their own, and set "
	    "TimeoutStartSec= to the measured worst case on this "
	    "hardware.", c->unit);
}

static int
m_start_limit(struct ctx *c)
{
	static const char *const pats[] = {
		"Start request repeated too quickly", "start-limit-hit", NULL,
	};
	int found = jfind(c, pats, 0, 0);

	return c->h->cause.kind == CAUSE_START_LIMIT || found;
}

static void
f_start_limit(struct ctx *c)
{
	long n = c->h->before.n_restarts;

	RC("%s failed again and again so quickly that systemd stopped "
	    "restarting it (start-limit-hit)", c->unit);
	if (n > 0)
		RC(" after %ld automatic restarts", n);
	RC(".");
	why_cause(c);
	why_evidence(c);
	WHY("\nThe start limit is the symptom: each earlier run failed for "
	    "its own reason, which their journal lines hold.");
	FIX("Find the failure that repeats:\n  journalctl -u %s -b -n 200 "
	    "--no-pager | grep -v 'Scheduled restart'\nFix it, then clear "
	    "the limit:\n  systemctl reset-failed %s", c->uq, c->uq);
	fix_restart(c);
	PREV("Fix the repeating failure; set RestartSec= (e.g. 5s) so that "
	    "a short outage of something %s needs does not use up "
	    "StartLimitBurst= within StartLimitIntervalSec=.", c->unit);
}

static int
m_killed(struct ctx *c)
{
	if (c->code > 128 && c->code < 128 + 65 && c->signo < 0)
		c->signo = c->code - 128;
	return c->h->cause.kind == CAUSE_SIGNAL ||
	    (c->code > 128 && c->code < 128 + 65);
}

static void
f_killed(struct ctx *c)
{
	const char *s = c->signo > 0 ? signame(c->signo) : "?";

	RC("%s was killed by signal SIG%s from outside: it did not crash "
	    "by itself", c->unit, s);
	if (c->code > 128)
		RC(" (exit code %d is 128+%d: a process it ran was killed)",
		    c->code, c->code - 128);
	RC(".");
	why_cause(c);
	why_evidence(c);
	if (c->signo == SIGKILL)
		WHY("\nSIGKILL comes from kill -9, a memory limit in another "
		    "layer (a container, earlyoom) or a watchdog script.");
	else if (c->signo == SIGTERM)
		WHY("\nSIGTERM while systemd was not stopping it comes from "
		    "another program: a script, a deployment tool, a "
		    "container runtime.");
	why_memory(c);
	FIX("Find who sent it, around the time of the failure:\n  "
	    "journalctl -b --since '-15 min' | grep -iE 'kill|oom|term'\nTo "
	    "catch the sender next time:\n  auditctl -a always,exit -F "
	    "arch=b64 -S kill -S tkill -S tgkill -k ansai-kill");
	fix_restart(c);
	PREV("Stop whatever sends the signal, or have it use systemctl "
	    "stop/restart %s so systemd knows; Restart=on-failure brings it "
	    "back meanwhile.", c->uq);
}

/* What an exit code means by convention. */
static const char *
exit_meaning(int code)
{
	switch (code) {
	case 1:
		return "a general error, named in its last lines";
	case 2:
		return "a usage error or, from a Go program, a panic";
	case 64:
		return "EX_USAGE: a wrong command line";
	case 65:
		return "EX_DATAERR: bad input data";
	case 66:
		return "EX_NOINPUT: an input file is missing or unreadable";
	case 69:
		return "EX_UNAVAILABLE: a service it needs is unavailable";
	case 70:
		return "EX_SOFTWARE: an internal error";
	case 71:
		return "EX_OSERR: a system call failed";
	case 73:
		return "EX_CANTCREAT: it could not create an output file";
	case 74:
		return "EX_IOERR: an input/output error";
	case 75:
		return "EX_TEMPFAIL: a temporary failure; retrying may work";
	case 76:
		return "EX_PROTOCOL: a remote end broke the protocol";
	default:
		return NULL;
	}
}

static const char *const err_pats[] = {
	"error", "fatal", "exception", "failed", "cannot", "can't",
	"could not", "unable", "refused", "not found", "denied", "panic",
	"critical", "traceback", NULL,
};

static int
m_exit(struct ctx *c)
{
	jfind(c, err_pats, 1, 1);
	return c->code > 0 || c->h->cause.kind == CAUSE_EXIT;
}

static void
f_exit(struct ctx *c)
{
	const char *m = exit_meaning(c->code);

	RC("%s exited with code %d", c->unit, c->code);
	if (m)
		RC(" (%s)", m);
	if (c->a->evidence[0])
		RC("; its last error: \"%.300s\"", c->a->evidence);
	RC(".");
	why_cause(c);
	if (c->a->evidence[0])
		WHY("\nThe last error line of the failed run: \"%s\"",
		    c->a->evidence);
	else
		WHY("\nIts journal lines hold no error message.");
	FIX("Read the failed run's lines, and run its command by hand as "
	    "its user to see the error:\n  journalctl -u %s -b -n 50\n  "
	    "systemctl show -p ExecStart,User,WorkingDirectory %s", c->uq,
	    c->uq);
	fix_restart(c);
	PREV("Make %s log why it exits before it does; Restart=on-failure "
	    "with RestartSec= covers transient causes, and ansai escalates "
	    "repeats.", c->unit);
}

static int
m_unknown(struct ctx *c)
{
	(void)c;
	return 1;
}

static void
f_unknown(struct ctx *c)
{
	char d[256];

	cause_describe(&c->h->cause, d, sizeof d);
	RC("ansai could not tell why %s failed: systemd says it %s, and the "
	    "failed run's journal lines hold no error it recognises.",
	    c->unit, d);
	why_cause(c);
	if (c->h->journal[0] == '\0')
		WHY("\nNo journal lines were gathered%s%s.",
		    c->h->journal_why[0] ? ": " : "", c->h->journal_why);
	else
		WHY("\nThe journal lines are in the report; none matches a "
		    "known failure.");
	FIX("Look at the unit and at the whole machine around the time:\n"
	    "  systemctl status %s\n  journalctl -u %s -b -n 100\n  "
	    "journalctl -b -p warning --since '-15 min'", c->uq, c->uq);
	fix_restart(c);
	PREV("Make %s log its errors to standard error (the journal keeps "
	    "them), and raise journal_lines in ansai.conf if the lines that "
	    "matter were cut.", c->unit);
}

/* ---- the table ---- */

static const struct rule {
	const char *kind;
	int (*match)(struct ctx *);
	void (*fill)(struct ctx *);
} rules[] = {
	{ "oom", m_oom, f_oom },
	{ "watchdog", m_watchdog, f_watchdog },
	{ "exec-missing", m_exec, f_exec },	/* or -permission, -format */
	{ "env-file", m_env, f_env },
	{ "setup", m_setup, f_permission },	/* or permission */
	{ "disk-full", m_disk_full, f_disk_full },
	{ "addr-in-use", m_addr, f_addr },
	{ "permission", m_permission, f_permission },
	{ "config", m_config, f_config },
	{ "crash", m_crash, f_crash },
	{ "timeout", m_timeout, f_timeout },
	{ "start-limit", m_start_limit, f_start_limit },
	{ "killed", m_killed, f_killed },
	{ "disk-high", m_disk_high, f_disk_high },
	{ "exit", m_exit, f_exit },
	{ "unknown", m_unknown, f_unknown },
};

/* The exit status and signal from the cause, else from systemctl
 * show's ExecMain* fields. */
static void
ctx_init(struct ctx *c, const struct heal *h, struct analysis *a)
{
	memset(c, 0, sizeof *c);
	c->h = h;
	c->a = a;
	c->unit = h->unit;
	shq(h->unit, c->uq, sizeof c->uq);
	c->code = h->cause.code;
	c->signo = h->cause.signo;
	c->dumped = h->cause.kind == CAUSE_CORE;
	if (c->code < 0 && h->before.exec_main_code == CLD_EXITED)
		c->code = h->before.exec_main_status;
	if (c->signo < 0 && (h->before.exec_main_code == CLD_KILLED ||
	    h->before.exec_main_code == CLD_DUMPED)) {
		c->signo = h->before.exec_main_status;
		c->dumped |= h->before.exec_main_code == CLD_DUMPED;
	}
}

void
analyse_builtin(const struct heal *h, struct analysis *a)
{
	struct ctx c;
	size_t i;

	memset(a, 0, sizeof *a);
	a->source = ANALYSIS_SOURCE_BUILTIN;
	ctx_init(&c, h, a);
	for (i = 0; i < ARRAY_LEN(rules); i++) {
		a->evidence[0] = '\0';
		a->kind[0] = '\0';
		c.path[0] = '\0';
		c.line = 0;
		if (!rules[i].match(&c))
			continue;
		/* A match may have named a finer kind itself. */
		if (a->kind[0] == '\0')
			str_copy(a->kind, sizeof a->kind, rules[i].kind);
		rules[i].fill(&c);
		break;
	}
	why_side_notes(&c);
	why_strategies(&c);
}

void
analyse_port_owner(struct analysis *a, const struct port_result *r)
{
	char who[160], why[256];

	if (strcmp(a->kind, "addr-in-use") != 0 || a->port == 0 ||
	    r->port != a->port || a->owner[0] != '\0')
		return;
	if (r->state == PORT_FREE) {
		sec(a->why, sizeof a->why, "\nPort %u is free now: whatever "
		    "held it has gone.", a->port);
		return;
	}
	if (r->nowners == 0) {
		port_why_str(r, why, sizeof why);
		sec(a->why, sizeof a->why, "\nSomething listens on port %u, "
		    "but its owner could not be read%s%s.", a->port,
		    why[0] ? ": " : "", why);
		return;
	}
	sp_owner_str(&r->owners[0], who, sizeof who);
	if (r->nowners_total > 1)
		str_fmt(a->owner, sizeof a->owner, "%s and %u more", who,
		    r->nowners_total - 1);
	else
		str_copy(a->owner, sizeof a->owner, who);
	sec(a->root_cause, sizeof a->root_cause, " It is held by %s.",
	    a->owner);
	sec(a->why, sizeof a->why, "\nansai looked it up: port %u is held "
	    "by %s.", a->port, a->owner);
}

/* ---- strategy order ---- */

static int
exit_status_of(const struct heal *h)
{
	if (h->cause.code >= 0)
		return h->cause.code;
	if (h->before.exec_main_code == CLD_EXITED)
		return h->before.exec_main_status;
	return -1;
}

static int
config_evidence(const struct heal *h)
{
	const struct unit_policy *p = &h->pol;
	int code = exit_status_of(h);

	if (!((p->config && p->config->n) || (p->validate &&
	    p->validate->n) || (p->env && p->env->n)))
		return 0;
	return code == 78 || (code >= 200 && code <= 245) ||
	    h->cause.kind == CAUSE_RESOURCES || jhas(h, env_pats) ||
	    jhas(h, cfg_strong);
}

static int
port_evidence(const struct heal *h)
{
	unsigned port = 0;
	enum sp_jport r;

	if (h->journal[0] == '\0')
		return 0;
	r = sp_journal_port(h->journal, &port);
	return r == SP_JP_PORT || (r == SP_JP_NOPORT && h->pol.port != 0);
}

int
analyse_suggest_order(const struct heal *h, struct strat_list *order)
{
	struct strat_list in = h->pol.strategies, out;
	enum strat_id first[2];
	unsigned nfirst = 0, i, j, taken = 0;

	if (in.n > STRATS_MAX)
		in.n = STRATS_MAX;
	if (port_evidence(h))
		first[nfirst++] = STRAT_PORT;
	if (config_evidence(h))
		first[nfirst++] = STRAT_CONFIG;
	memset(&out, 0, sizeof out);
	for (j = 0; j < nfirst; j++)
		for (i = 0; i < in.n; i++)
			if (!(taken & 1u << i) && in.id[i] == first[j]) {
				out.id[out.n++] = in.id[i];
				taken |= 1u << i;
			}
	for (i = 0; i < in.n; i++)
		if (!(taken & 1u << i))
			out.id[out.n++] = in.id[i];
	*order = out;
	return memcmp(out.id, in.id, in.n * sizeof in.id[0]) != 0;
}

/* ---- rendering ---- */

static void
render(char *buf, size_t n, const char *label, const char *text)
{
	const char *p = text;
	int first = 1;

	str_append(buf, n, "%s:", label);
	if (*p == '\0')
		str_append(buf, n, " (none)\n");
	while (*p) {
		size_t len = strcspn(p, "\n");

		str_append(buf, n, "%s%.*s\n", first ? " " : "  ", (int)len,
		    p);
		first = 0;
		p += len + (p[len] == '\n');
	}
}

void
analysis_format(const struct analysis *a, char *buf, size_t n)
{
	if (n == 0)
		return;
	buf[0] = '\0';
	render(buf, n, "ROOT CAUSE", a->root_cause);
	render(buf, n, "WHY", a->why);
	render(buf, n, "FIX", a->fix);
	render(buf, n, "PREVENTION", a->prevention);
}
