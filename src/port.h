/*
 * port.h - who listens on TCP port P?
 *
 * Reads <procdir>/net/tcp and <procdir>/net/tcp6 for LISTEN rows on the
 * port, then walks <procdir>/<pid>/fd once to find the processes holding
 * those sockets.  Nothing here allocates memory and nothing keeps state
 * between calls; every buffer is bounded by one of the caps below.
 *
 * Three outcomes must never be confused: no listener at all, listeners
 * whose owners are known, and listeners whose owners could not be
 * determined.  A process we were not allowed to inspect might hold the
 * socket, so "could not tell" is never reported as "free".
 */
#ifndef ANSAI_PORT_H
#define ANSAI_PORT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Listening sockets kept per lookup (SO_REUSEPORT groups, v4 + v6). */
#define PORT_MAX_LISTENERS	64
/* Distinct processes kept per lookup (prefork servers share a socket). */
#define PORT_MAX_OWNERS		64
/* /proc/PID/comm: TASK_COMM_LEN is 16, kernel threads may show up to 64. */
#define PORT_COMM_MAX		64
/* User names: 32 characters as useradd allows, plus NUL. */
#define PORT_USER_MAX		33
/* systemd unit names are at most 255 bytes (UNIT_NAME_MAX), plus NUL. */
#define PORT_UNIT_MAX		256
/* cgroup paths kept whole; longer ones are dropped, not cut. */
#define PORT_CGROUP_MAX		512
/* Executable paths longer than this are reported as unknown (""). */
#define PORT_EXE_MAX		256
/* "[" INET6_ADDRSTRLEN "]:65535" rounded up. */
#define PORT_ADDR_MAX		64

/* What the lookup could establish; see port_result. */
enum port_state {
	/* No LISTEN row for the port. */
	PORT_FREE,
	/* Every listener has owners and every process could be read. */
	PORT_OWNED,
	/* Owners found, but there may be more or some are missing: why. */
	PORT_PARTIAL,
	/* Listening, but no owner could be identified: why. */
	PORT_UNKNOWN
};

/*
 * port_result.why: reasons the owner list may be incomplete.
 * DENIED	EACCES/EPERM on some /proc/PID/fd (not root).
 * HIDDEN	hidepid=invisible: other users' processes are not listed.
 * ERROR	another per-process error; port_result.err has the errno.
 * VANISHED	a listener is unowned and processes exited mid-scan.
 * NOPROC	a listener is unowned and nothing else explains it: a
 *		kernel socket, another PID namespace, or closed meanwhile.
 * TOOMANY	more listeners or owners than the caps; list truncated.
 */
#define PORT_WHY_DENIED		0x01
#define PORT_WHY_HIDDEN		0x02
#define PORT_WHY_ERROR		0x04
#define PORT_WHY_VANISHED	0x08
#define PORT_WHY_NOPROC		0x10
#define PORT_WHY_TOOMANY	0x20

struct port_listener {
	int		family;		/* AF_INET or AF_INET6 */
	/* Network byte order; AF_INET uses the first 4 bytes. */
	unsigned char	addr[16];
	uint16_t	port;		/* host order */
	uid_t		uid;		/* socket owner, from the table */
	uint64_t	inode;		/* 0 if the kernel gave none */
	/* Processes holding it, including ones not stored (TOOMANY). */
	unsigned	nowners;
	char		user[PORT_USER_MAX];	/* name of uid or "" */
};

struct port_owner {
	pid_t		pid;
	/*
	 * Field 22 of /proc/PID/stat, clock ticks after boot.  pid + start
	 * identify the process; re-check with port_same_process() before
	 * signalling it.  0 means unknown: never signal such an owner.
	 */
	unsigned long long start;
	uid_t		uid;		/* real uid; (uid_t)-1 if unknown */
	/* Bit i set: holds port_result.listeners[i]. */
	uint64_t	listeners;
	char		comm[PORT_COMM_MAX];	/* raw: may hold any byte */
	char		user[PORT_USER_MAX];	/* "" if not in passwd */
	char		unit[PORT_UNIT_MAX];	/* "foo.service" or "" */
	/* The whole cgroup path the unit came from ("" if longer than
	 * fits): the same name may be a system unit and a user's unit
	 * (/user.slice/.../user@1500.service/app.slice/web.service), so
	 * only the path proves membership. */
	char		cgroup[PORT_CGROUP_MAX];
	/* "" if unreadable; ends in " (deleted)" if replaced on disk. */
	char		exe[PORT_EXE_MAX];
};

/*
 * About 46 KiB: callers on small stacks should make it static or
 * allocate it.  Counts are of stored entries unless named _total.
 */
struct port_result {
	uint16_t	port;
	enum port_state	state;
	unsigned	why;		/* PORT_WHY_* bits; 0 if complete */
	int		err;		/* errno behind PORT_WHY_ERROR */
	unsigned	ndenied;	/* processes with unreadable fds */
	unsigned	nvanished;	/* processes that exited mid-scan */
	unsigned	nerror;		/* processes failing otherwise */
	unsigned	nbad;		/* table lines skipped as malformed */
	unsigned	nlisteners;
	unsigned	nlisteners_total;
	unsigned	nowners;	/* sorted by pid */
	unsigned	nowners_total;
	struct port_listener listeners[PORT_MAX_LISTENERS];
	struct port_owner owners[PORT_MAX_OWNERS];
};

/*
 * Find who listens on TCP port `port` (1..65535).
 *
 * procdir: proc root, NULL for "/proc" (tests point it at fixture trees).
 * passwd: user database for names, NULL for "/etc/passwd".
 * res: caller-owned, fully overwritten.
 *
 * A missing net/tcp6 means IPv6 is disabled and is not an error; a
 * process we cannot inspect is not an error either but is recorded in
 * res->why.  Returns 0 on success.  Returns -1 with errno set if the
 * port is 0 or res is NULL (EINVAL), or if procdir, net/tcp, an existing
 * net/tcp6 or the process list cannot be read (errno from open/read);
 * res is then not meaningful.
 */
int	port_lookup(uint16_t port, const char *procdir, const char *passwd,
	    struct port_result *res);

/*
 * Print res for humans: a "PORT ADDRESS PID COMM USER UNIT EXE" table with
 * one row per (listener, owner), or a "no process listens" line, followed
 * by a line naming the reason when the owners are unknown or possibly
 * incomplete.  Control characters in comm, exe and unit print as '?'.
 * Returns 0, or -1 with errno set if writing to fp failed.
 */
int	port_print(FILE *fp, const struct port_result *res);

/*
 * Write the human reason for res->why ("" if 0) into buf, always
 * NUL-terminated when size > 0.  Returns the length the full text needs,
 * like snprintf, so a result >= size means truncation.
 */
size_t	port_why_str(const struct port_result *res, char *buf, size_t size);

/*
 * Format the listener as "127.0.0.1:5000", "[::]:5000" or
 * "[::ffff:127.0.0.1]:5000" into buf (PORT_ADDR_MAX is enough).
 * Returns 0, or -1 with errno ENOSPC (buf too small) or EAFNOSUPPORT.
 */
int	port_format_addr(const struct port_listener *l, char *buf,
	    size_t size);

/*
 * Is pid still the process that had start time `start`?  Meant for use
 * right before signalling an owner (guards against pid reuse; a pidfd
 * closes the remaining window where the kernel has one).
 * procdir: NULL for "/proc".  Returns 1 if same, 0 if it exited or the
 * pid was reused, -1 with errno if it could not be told (EINVAL for
 * pid <= 0 or start 0, EACCES, EIO on an unparsable stat).
 */
int	port_same_process(const char *procdir, pid_t pid,
	    unsigned long long start);

/*
 * Parsers, exported so they can be tested and reused.  All take
 * NUL-terminated input that the caller owns and keep no reference.
 */

/*
 * Parse one row of /proc/net/tcp (family AF_INET) or tcp6 (AF_INET6)
 * without its newline.  On success fills *l (nowners and user zeroed),
 * stores the TCP state (0x0A is LISTEN) in *state and returns 0.
 * Returns -1 with errno EINVAL for headers and anything malformed.
 */
int	port_parse_tcp_row(const char *line, int family,
	    struct port_listener *l, unsigned *state);

/*
 * Extract start time (field 22) from the contents of /proc/PID/stat,
 * which may contain spaces and ')' inside comm.  Returns 0, or -1 with
 * errno EINVAL if malformed.
 */
int	port_parse_stat_start(const char *stat, unsigned long long *start);

/*
 * The unit a cgroup path belongs to: the last component that is a
 * valid unit name ending in .service, .socket, .scope, .mount or .swap
 * ("/system.slice/foo.service/child" gives "foo.service").  Returns 0,
 * or -1 with errno ENOENT if there is none or ENAMETOOLONG if it does
 * not fit in size bytes.
 */
int	port_unit_from_cgroup_path(const char *path, char *unit, size_t size);

#endif
