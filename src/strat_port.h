/*
 * strat_port.h - the parts of the port strategy that tests reach.
 *
 * The strategy itself is strat_port (strategy.h).  It applies when the
 * unit has a port (pol.port) or its journal shows "Address already in
 * use" naming one, and it frees that port only from a provably stale
 * copy of the same service: a process in the unit's own cgroup, or, when
 * the process's cgroup names no unit, one running the unit's ExecStart
 * program as the unit's user.  PID 1, any "systemd" and every process of
 * another unit or user are never signalled; a .socket unit or a foreign
 * process on the port is a conflict for a human (heal_conflict).
 *
 * Everything here is bounded by the caps below and allocates nothing.
 */
#ifndef ANSAI_STRAT_PORT_H
#define ANSAI_STRAT_PORT_H

#include <stddef.h>
#include <sys/types.h>

#include "port.h"
#include "unitname.h"

/* ExecStart= entries compared; a service has one, oneshots a few. */
#define SP_EXEC_MAX	8
/* Program paths: as /proc/PID/exe is read (port.h). */
#define SP_PATH_MAX	PORT_EXE_MAX
/* Socket units kept per port: one per address family, with margin. */
#define SP_SOCKETS_MAX	8
/* Stale processes signalled in one heal; more is a conflict. */
#define SP_TARGETS_MAX	16

/* What the strategy knows of the unit it heals. */
struct sp_unit {
	const char *name;		/* "flask.service" */
	uid_t uid;			/* User= resolved; (uid_t)-1 unknown */
	char user[64];			/* User= as written; "" is root */
	long main_pid;			/* its main process now; 0 none */
	char cgroup[512];		/* ControlGroup=; "" unknown */
	int running;			/* active, activating, reloading or
					   deactivating: its cgroup holds
					   the current run */
	unsigned nexec;
	/* ExecStart= programs: each path as written and, when it differs,
	 * resolved through symlinks (/usr/bin/python3 -> python3.11),
	 * since /proc/PID/exe shows the resolved file. */
	char exec[SP_EXEC_MAX * 2][SP_PATH_MAX];
};

enum sp_verdict {
	SP_STALE,	/* a leftover copy of this unit: may be signalled */
	SP_CURRENT,	/* the unit's current run: never stale */
	SP_SYSTEMD,	/* PID 1 or a systemd manager: socket activation */
	SP_FOREIGN,	/* another unit's, user's or program's: never */
	SP_UNKNOWN	/* cannot be told apart: never signalled */
};

/* Is a process whose cgroup is path inside a unit's ControlGroup=
 * (that path, or below it)?  Empty paths never match. */
int sp_in_cgroup(const char *path, const char *unit_cgroup);

/*
 * Judge one owner of the port against the unit.  Fills why[n] with the
 * reason ("in flask.service's own cgroup", "belongs to other.service",
 * ...).  Pure: reads only its arguments.
 */
enum sp_verdict sp_judge(const struct port_owner *o, const struct sp_unit *u,
    char *why, size_t n);

/* "pid 123 (python3, user app, flask.service)" into buf[n]; bytes of
 * comm that are not printable ASCII show as '?'. */
void sp_owner_str(const struct port_owner *o, char *buf, size_t n);

/* Is exe (from /proc/PID/exe, maybe ending in " (deleted)") one of the
 * unit's ExecStart programs?  1 or 0. */
int sp_exe_matches(const char *exe, const struct sp_unit *u);

/*
 * The programs of the ExecStart= lines of `systemctl show` text, one
 * "ExecStart={ path=/usr/bin/python3 ; argv[]=... }" line per command
 * ("[not set]", empty or unterminated values give none), into
 * paths[max].  A path too long for SP_PATH_MAX is skipped, never cut.
 * Returns the count stored.
 */
unsigned sp_exec_paths(const char *show, char paths[][SP_PATH_MAX],
    unsigned max);

/*
 * uid of user in the passwd file at path (NULL: /etc/passwd): "" is
 * root (User= unset), an all-digit name is the uid itself.  Lines over
 * 1024 bytes are skipped whole.  0, or -1 with errno ENOENT (no such
 * user) or the error of opening the file.
 */
int sp_user_uid(const char *passwd, const char *user, uid_t *uid);

/*
 * Port of a listen address as systemd and servers print it:
 * "127.0.0.1:5000", "[::]:80", "[fe80::1%eth0]:80", ":5000", "*:6379",
 * ":::3000" (Node), "localhost:5000".  1..65535 into *port and 0, or -1
 * when s is no IP endpoint (a path, "12:00:00", "vsock:2:5").
 */
int sp_parse_endpoint(const char *s, size_t len, unsigned *port);

enum sp_jport {
	SP_JP_NONE,	/* no line says a port is in use */
	SP_JP_NOPORT,	/* one does ("[Errno 98] ..."), naming no port */
	SP_JP_PORT	/* and *port holds the newest one named */
};

/*
 * Scan journal text (journalctl --output=short-iso lines, or bare
 * messages) for "address already in use" and kin (EADDRINUSE, "Port
 * 5000 is in use", gunicorn's "Connection in use") and the port those
 * lines name: "bind() to 0.0.0.0:5000 failed (98: ...)", "listen tcp
 * :5000: bind: ...", "('127.0.0.1', 8000)", "Bind to port 22 on ...".
 * Timestamps never count as ports.
 */
enum sp_jport sp_journal_port(const char *text, unsigned *port);

struct sp_socket {
	char unit[UNIT_NAME_MAX];	/* "foo.socket" */
	char listen[64];		/* "127.0.0.1:5000" */
	char activates[256];		/* "foo.service" or "a, b" */
};

/*
 * From `systemctl list-sockets --all --no-legend --full --show-types`
 * text, the Stream sockets listening on port, into out[max].  Lines
 * that do not parse (paths, netlink, legends) are skipped.  Returns the
 * number found, which may exceed max (only max are stored).
 */
unsigned sp_sockets_for_port(const char *text, unsigned port,
    struct sp_socket *out, unsigned max);

/* Does the comma-separated activates list name unit?  1 or 0. */
int sp_activates(const char *activates, const char *unit);

/*
 * State letter (R, S, D, Z, X ...) and start time (field 22) from the
 * contents of /proc/PID/stat.  0, or -1 with errno EINVAL.
 */
int sp_stat_state(const char *stat, char *state, unsigned long long *start);

/*
 * One process to stop, pinned by pid and start time and, where the
 * kernel has pidfd_open (5.3), by a pidfd so that a reused pid can
 * never be hit.
 */
struct sp_target {
	pid_t pid;
	unsigned long long start;
	int pidfd;			/* -1: none (fallback or closed) */
	int gone;			/* seen exited (or a zombie) */
	int killed;			/* SIGKILL was needed */
	char ident[160];		/* "pid N" or sp_owner_str */
};

/* How a target is reached: pidfd when use_pidfd and the kernel has it,
 * else kill(2) right after re-reading the start time. */
enum sp_open { SP_OPEN_OK, SP_OPEN_GONE, SP_OPEN_ERR };

/*
 * Pin pid (start time start) in t.  With use_pidfd, opens a pidfd and
 * re-reads the start time after opening, so the pidfd is known to be
 * that process; ENOSYS falls back silently.  procdir NULL is /proc.
 * SP_OPEN_GONE when it exited or its pid was reused; SP_OPEN_ERR with
 * errno when it could not be told.
 */
enum sp_open sp_target_open(struct sp_target *t, const char *procdir,
    pid_t pid, unsigned long long start, int use_pidfd);

/* Send sig to t if it is still the same process.  0 sent; 1 it is gone
 * (not signalled); -1 with errno. */
int sp_target_signal(struct sp_target *t, const char *procdir, int sig);

/* 1 when t has exited (a zombie counts), 0 alive, -1 unknown. */
int sp_target_gone(struct sp_target *t, const char *procdir);

void sp_target_close(struct sp_target *t);

/*
 * SIGTERM to every target, up to term_ms for all to exit (polling),
 * SIGKILL to survivors, up to kill_ms more.  Returns 0 when all are
 * gone, -1 when one could not be signalled or outlived SIGKILL, with
 * why[n] saying which.  Targets must be open.  Each signal is logged
 * with unit, the unit being healed.
 */
int sp_stop_all(struct sp_target *t, unsigned nt, const char *procdir,
    const char *unit, int term_ms, int kill_ms, char *why, size_t n);

#endif
