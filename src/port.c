/*
 * port.c - who listens on TCP port P?  See port.h for the contract.
 *
 * One streaming pass over net/tcp and net/tcp6 collects the listening
 * sockets, one pass over <procdir>/<pid>/fd maps their inodes to
 * processes.  Each process is inspected through a directory fd on
 * /proc/<pid>, which stays bound to that process: if it exits and its
 * pid is reused, reads through the old fd fail instead of describing the
 * newcomer.
 */
#include "port.h"
#include "util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Table rows are ~150 (v4) and ~180 (v6) bytes; bigger tables stream. */
#define TCP_BUF		4096
/* /proc/PID/status lines we care about are short; Groups: may not be. */
#define STATUS_LINE	512
/* Container cgroup paths carry 64-hex ids; a few of them fit. */
#define CGROUP_LINE	2048
#define PASSWD_LINE	1024
/* Field 22 lies within ~600 bytes even with a 64-byte comm. */
#define STAT_MAX	1024
/* "socket:[" 20 digits "]" is 29 bytes; anything longer is no socket. */
#define FDLINK_MAX	64
#define PID_NAME_MAX	16
#define TCP_LISTEN	0x0A

/*
 * Bounded line reader over a caller-supplied buffer.  Lines that do not
 * fit are discarded whole, so their tail is never mistaken for a line.
 */
struct lr {
	int	 fd;
	char	*buf;
	size_t	 cap;		/* one byte is kept for the NUL */
	size_t	 off;
	size_t	 len;
	int	 eof;
	int	 skip;		/* discarding the rest of an over-long line */
};

enum {
	LR_LINE,		/* a complete line */
	LR_CUT,			/* last line, no newline: maybe truncated */
	LR_LONG,		/* an over-long line was skipped */
	LR_EOF,
	LR_ERR			/* read failed, errno set */
};

struct sb {
	char	*buf;
	size_t	 size;
	size_t	 len;
};

static void
lr_init(struct lr *r, int fd, char *buf, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->buf = buf;
	r->cap = cap;
}

/* *line is valid until the next call. */
static int
lr_next(struct lr *r, char **line)
{
	char	*nl;
	ssize_t	 n;

	for (;;) {
		nl = memchr(r->buf + r->off, '\n', r->len - r->off);
		if (nl != NULL) {
			*nl = '\0';
			*line = r->buf + r->off;
			r->off = (size_t)(nl - r->buf) + 1;
			if (r->skip) {
				r->skip = 0;
				return LR_LONG;
			}
			return LR_LINE;
		}
		if (r->eof) {
			if (r->skip) {
				r->skip = 0;
				r->off = r->len = 0;
				return LR_LONG;
			}
			if (r->off == r->len)
				return LR_EOF;
			r->buf[r->len] = '\0';
			*line = r->buf + r->off;
			r->off = r->len;
			return LR_CUT;
		}
		if (r->skip) {
			r->off = r->len = 0;
		} else if (r->off > 0) {
			memmove(r->buf, r->buf + r->off, r->len - r->off);
			r->len -= r->off;
			r->off = 0;
		}
		if (r->len == r->cap - 1) {
			r->skip = 1;
			r->off = r->len = 0;
		}
		n = read(r->fd, r->buf + r->len, r->cap - 1 - r->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return LR_ERR;
		}
		if (n == 0)
			r->eof = 1;
		r->len += (size_t)n;
	}
}

/* Read a small file whole (up to size - 1 bytes), NUL-terminated. */
static ssize_t
read_small(int dfd, const char *name, char *buf, size_t size)
{
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd, e;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* Exactly n (1..16) hex digits; no sign, no prefix, no spaces. */
static int
parse_hex(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t	 i;
	int	 d;

	if (n == 0 || n > 16)
		return -1;
	for (i = 0; i < n; i++) {
		if ((d = hex_digit(s[i])) < 0)
			return -1;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return 0;
}

/* Exactly n decimal digits that fit in 64 bits. */
static int
parse_dec(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t	 i;
	unsigned d;

	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* Next space-separated token; length 0 at end of line. */
static const char *
next_tok(const char **pp, size_t *len)
{
	const char *p = *pp, *s;

	while (*p == ' ')
		p++;
	s = p;
	while (*p != ' ' && *p != '\0')
		p++;
	*len = (size_t)(p - s);
	*pp = p;
	return s;
}

/* "hex:hex" as in tx_queue:rx_queue and tr:tm->when. */
static int
parse_hexpair(const char *s, size_t n)
{
	const char *c;
	uint64_t v;

	if ((c = memchr(s, ':', n)) == NULL)
		return -1;
	if (parse_hex(s, (size_t)(c - s), &v) < 0)
		return -1;
	return parse_hex(c + 1, n - (size_t)(c - s) - 1, &v);
}

/*
 * "ADDR:PORT" where ADDR is alen/8 32-bit words printed in host order,
 * so storing each word natively restores network byte order.
 */
static int
parse_endpoint(const char *s, size_t n, size_t alen, unsigned char *addr,
    uint16_t *port)
{
	uint64_t v;
	uint32_t w;
	size_t	 i;

	if (n != alen + 5 || s[alen] != ':')
		return -1;
	for (i = 0; i < alen / 8; i++) {
		if (parse_hex(s + 8 * i, 8, &v) < 0)
			return -1;
		w = (uint32_t)v;
		memcpy(addr + 4 * i, &w, sizeof(w));
	}
	if (parse_hex(s + alen + 1, 4, &v) < 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
port_parse_tcp_row(const char *line, int family, struct port_listener *l,
    unsigned *state)
{
	struct port_listener out;
	unsigned char	 raddr[16];
	const char	*p = line, *t;
	uint64_t	 v, st;
	uint16_t	 rport;
	size_t		 n, alen;

	if (line == NULL || l == NULL || state == NULL)
		goto bad;
	if (family == AF_INET)
		alen = 8;
	else if (family == AF_INET6)
		alen = 32;
	else
		goto bad;
	memset(&out, 0, sizeof(out));
	out.family = family;

	t = next_tok(&p, &n);			/* "sl:" */
	if (n < 2 || t[n - 1] != ':' || parse_dec(t, n - 1, &v) < 0)
		goto bad;
	t = next_tok(&p, &n);			/* local_address */
	if (parse_endpoint(t, n, alen, out.addr, &out.port) < 0)
		goto bad;
	t = next_tok(&p, &n);			/* rem_address */
	if (parse_endpoint(t, n, alen, raddr, &rport) < 0)
		goto bad;
	t = next_tok(&p, &n);			/* st */
	if (n != 2 || parse_hex(t, n, &st) < 0)
		goto bad;
	t = next_tok(&p, &n);			/* tx_queue:rx_queue */
	if (parse_hexpair(t, n) < 0)
		goto bad;
	t = next_tok(&p, &n);			/* tr:tm->when */
	if (parse_hexpair(t, n) < 0)
		goto bad;
	t = next_tok(&p, &n);			/* retrnsmt */
	if (parse_hex(t, n, &v) < 0)
		goto bad;
	t = next_tok(&p, &n);			/* uid */
	if (parse_dec(t, n, &v) < 0 || v > UINT32_MAX)
		goto bad;
	out.uid = (uid_t)v;
	t = next_tok(&p, &n);			/* timeout, %d */
	if (n > 0 && *t == '-') {
		t++;
		n--;
	}
	if (parse_dec(t, n, &v) < 0)
		goto bad;
	t = next_tok(&p, &n);			/* inode */
	if (parse_dec(t, n, &out.inode) < 0)
		goto bad;
	/* Real rows go on (refcount, pointer...); one that stops was cut. */
	next_tok(&p, &n);
	if (n == 0)
		goto bad;

	*l = out;
	*state = (unsigned)st;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int
port_parse_stat_start(const char *stat, unsigned long long *start)
{
	const char *p, *s;
	uint64_t v;
	int	 field;

	if (stat == NULL || start == NULL)
		goto bad;
	/* comm may hold ')' and spaces, nothing after it can. */
	if ((p = strrchr(stat, ')')) == NULL)
		goto bad;
	p++;
	for (field = 3; field < 22; field++) {
		if (*p++ != ' ' || *p == ' ' || *p == '\0')
			goto bad;
		while (*p != ' ' && *p != '\0')
			p++;
	}
	if (*p++ != ' ')
		goto bad;
	s = p;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p != ' ' && *p != '\n' && *p != '\0')
		goto bad;
	if (parse_dec(s, (size_t)(p - s), &v) < 0)
		goto bad;
	*start = (unsigned long long)v;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* Units that can contain processes; slices only group them. */
static int
is_unit_name(const char *s, size_t n)
{
	static const char *const sfx[] = {
		".service", ".socket", ".scope", ".mount", ".swap"
	};
	size_t	 i, k;

	if (n == 0 || n >= PORT_UNIT_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr(":_.\\-@", c) != NULL))
			return 0;
	}
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		k = strlen(sfx[i]);
		if (n > k && memcmp(s + n - k, sfx[i], k) == 0)
			return 1;
	}
	return 0;
}

int
port_unit_from_cgroup_path(const char *path, char *unit, size_t size)
{
	const char *p = path, *s, *best = NULL;
	size_t	 n, bestn = 0;

	if (path == NULL) {
		errno = ENOENT;
		return -1;
	}
	while (*p != '\0') {
		while (*p == '/')
			p++;
		s = p;
		while (*p != '/' && *p != '\0')
			p++;
		n = (size_t)(p - s);
		if (is_unit_name(s, n)) {
			best = s;
			bestn = n;
		}
	}
	if (best == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (unit == NULL || bestn >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(unit, best, bestn);
	unit[bestn] = '\0';
	return 0;
}

/*
 * Rank a /proc/PID/cgroup line "ID:CONTROLLERS:PATH": 2 for the v2
 * "0::" line, 1 for v1 name=systemd, 0 for others (those controllers'
 * paths need not follow systemd's layout).  *path points into line.
 */
static int
cgroup_rank(const char *line, const char **path)
{
	const char *c1, *c2, *p;
	size_t	 n;

	if ((c1 = strchr(line, ':')) == NULL ||
	    (c2 = strchr(c1 + 1, ':')) == NULL)
		return 0;
	*path = c2 + 1;
	if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1)
		return 2;
	for (p = c1 + 1; p < c2; p += n + 1) {
		n = strcspn(p, ",:");
		if (n == 12 && memcmp(p, "name=systemd", 12) == 0)
			return 1;
	}
	return 0;
}

static void
read_unit(int dfd, char *unit, size_t size, char *cg, size_t cgsize)
{
	char		 buf[CGROUP_LINE], cand[PORT_UNIT_MAX];
	struct lr	 r;
	const char	*path;
	char		*line;
	int		 fd, k, rank, best = 0;

	unit[0] = '\0';
	cg[0] = '\0';
	if ((fd = openat(dfd, "cgroup", O_RDONLY | O_CLOEXEC)) < 0)
		return;
	lr_init(&r, fd, buf, sizeof(buf));
	while ((k = lr_next(&r, &line)) != LR_EOF && k != LR_ERR) {
		if (k != LR_LINE)
			continue;
		rank = cgroup_rank(line, &path);
		if (rank <= best ||
		    port_unit_from_cgroup_path(path, cand, sizeof(cand)) < 0)
			continue;
		best = rank;
		if (strlen(cand) < size)
			memcpy(unit, cand, strlen(cand) + 1);
		if (strlen(path) < cgsize)
			memcpy(cg, path, strlen(path) + 1);
		else
			cg[0] = '\0';
	}
	close(fd);
}

/* Real uid from the "Uid:" line; (uid_t)-1 if unknown. */
static uid_t
read_uid(int dfd)
{
	char		 buf[STATUS_LINE];
	struct lr	 r;
	char		*line, *p;
	uint64_t	 v;
	uid_t		 uid = (uid_t)-1;
	size_t		 n;
	int		 fd, k;

	if ((fd = openat(dfd, "status", O_RDONLY | O_CLOEXEC)) < 0)
		return uid;
	lr_init(&r, fd, buf, sizeof(buf));
	while ((k = lr_next(&r, &line)) != LR_EOF && k != LR_ERR) {
		if (k != LR_LINE || strncmp(line, "Uid:", 4) != 0)
			continue;
		p = line + 4;
		p += strspn(p, " \t");
		n = strspn(p, "0123456789");
		if ((p[n] == '\t' || p[n] == ' ' || p[n] == '\0') &&
		    parse_dec(p, n, &v) == 0 && v < UINT32_MAX)
			uid = (uid_t)v;
		break;
	}
	close(fd);
	return uid;
}

static void
read_comm(int dfd, char *comm, size_t size)
{
	ssize_t n;

	if ((n = read_small(dfd, "comm", comm, size)) < 0) {
		comm[0] = '\0';
		return;
	}
	if (n > 0 && comm[n - 1] == '\n')
		comm[n - 1] = '\0';
}

static void
read_exe(int dfd, char *exe, size_t size)
{
	ssize_t n;

	n = readlinkat(dfd, "exe", exe, size);
	/* A cut path would name another file; unknown is more honest. */
	if (n < 0 || (size_t)n >= size)
		n = 0;
	exe[n] = '\0';
}

/* Classify a per-process failure; the scan goes on regardless. */
static void
note_fail(struct port_result *res, int e)
{
	if (e == EACCES || e == EPERM) {
		res->ndenied++;
		res->why |= PORT_WHY_DENIED;
	} else if (e == ENOENT || e == ESRCH) {
		res->nvanished++;
	} else {
		res->nerror++;
		res->why |= PORT_WHY_ERROR;
		if (res->err == 0)
			res->err = e;
	}
}

static void
add_owner(int dfd, pid_t pid, uint64_t mask, struct port_result *res)
{
	struct port_owner	*o;
	char			 stat[STAT_MAX];
	unsigned		 i;

	if (res->nowners == PORT_MAX_OWNERS) {
		res->why |= PORT_WHY_TOOMANY;
	} else {
		o = &res->owners[res->nowners];
		memset(o, 0, sizeof(*o));
		o->pid = pid;
		o->listeners = mask;
		if (read_small(dfd, "stat", stat, sizeof(stat)) < 0) {
			/* It held the socket, but has exited since. */
			if (errno == ENOENT || errno == ESRCH) {
				res->nvanished++;
				return;
			}
			note_fail(res, errno);
		} else if (port_parse_stat_start(stat, &o->start) < 0) {
			o->start = 0;
		}
		read_comm(dfd, o->comm, sizeof(o->comm));
		o->uid = read_uid(dfd);
		read_unit(dfd, o->unit, sizeof(o->unit), o->cgroup,
		    sizeof(o->cgroup));
		read_exe(dfd, o->exe, sizeof(o->exe));
		res->nowners++;
	}
	res->nowners_total++;
	for (i = 0; i < res->nlisteners; i++)
		if (mask & (UINT64_C(1) << i))
			res->listeners[i].nowners++;
}

/* "socket:[123]" -> 123, anything else -> 0. */
static uint64_t
socket_inode(const char *link, size_t n)
{
	uint64_t v;

	if (n < 10 || memcmp(link, "socket:[", 8) != 0 || link[n - 1] != ']')
		return 0;
	if (parse_dec(link + 8, n - 9, &v) < 0)
		return 0;
	return v;
}

static void
scan_pid(int procfd, const char *name, pid_t pid, struct port_result *res)
{
	struct dirent	*de;
	DIR		*fds;
	char		 link[FDLINK_MAX];
	uint64_t	 mask = 0, ino;
	ssize_t		 n;
	unsigned	 i;
	int		 dfd, fdfd, failed = 0;

	if ((dfd = openat(procfd, name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		note_fail(res, errno);
		return;
	}
	if ((fdfd = openat(dfd, "fd", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		note_fail(res, errno);
		close(dfd);
		return;
	}
	if ((fds = fdopendir(fdfd)) == NULL) {
		note_fail(res, errno);
		close(fdfd);
		close(dfd);
		return;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(fds)) == NULL) {
			if (errno != 0 && failed == 0)
				failed = errno;
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(fds), de->d_name, link, sizeof(link));
		if (n < 0) {
			/* ENOENT: closed meanwhile, which is no loss. */
			if (errno != ENOENT && failed == 0)
				failed = errno;
			continue;
		}
		if ((size_t)n >= sizeof(link) ||
		    (ino = socket_inode(link, (size_t)n)) == 0)
			continue;
		for (i = 0; i < res->nlisteners; i++)
			if (res->listeners[i].inode == ino)
				mask |= UINT64_C(1) << i;
	}
	closedir(fds);
	if (failed != 0)
		note_fail(res, failed);
	if (mask != 0)
		add_owner(dfd, pid, mask, res);
	close(dfd);
}

static pid_t
parse_pid(const char *s)
{
	uint64_t v;

	if (parse_dec(s, strlen(s), &v) < 0 || v == 0 || v > INT_MAX)
		return 0;
	return (pid_t)v;
}

static int
scan_procs(int procfd, struct port_result *res)
{
	struct dirent	*de;
	DIR		*d;
	pid_t		 pid;
	int		 fd, e;

	if ((fd = openat(procfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if ((pid = parse_pid(de->d_name)) > 0)
			scan_pid(dirfd(d), de->d_name, pid, res);
	}
	e = errno;
	closedir(d);
	errno = e;
	return e == 0 ? 0 : -1;
}

static void
add_listener(struct port_result *res, const struct port_listener *l)
{
	unsigned i;

	/* The table may shift between reads and repeat a row. */
	if (l->inode != 0)
		for (i = 0; i < res->nlisteners; i++)
			if (res->listeners[i].inode == l->inode)
				return;
	res->nlisteners_total++;
	if (res->nlisteners == PORT_MAX_LISTENERS) {
		res->why |= PORT_WHY_TOOMANY;
		return;
	}
	res->listeners[res->nlisteners++] = *l;
}

static int
read_table(int procfd, const char *name, int family,
    struct port_result *res)
{
	char			 buf[TCP_BUF];
	struct port_listener	 l;
	struct lr		 r;
	char			*line;
	unsigned		 st;
	int			 fd, k, e, header = 1;

	if ((fd = openat(procfd, name, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	lr_init(&r, fd, buf, sizeof(buf));
	while ((k = lr_next(&r, &line)) != LR_EOF) {
		if (k == LR_ERR) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (k != LR_LINE ||
		    port_parse_tcp_row(line, family, &l, &st) < 0) {
			if (!header)
				res->nbad++;
			header = 0;
			continue;
		}
		header = 0;
		if (st == TCP_LISTEN && l.port == res->port)
			add_listener(res, &l);
	}
	close(fd);
	return 0;
}

/* One pass over passwd for every uid we need; first entry wins. */
static void
resolve_users(const char *path, struct port_result *res)
{
	char		 buf[PASSWD_LINE];
	struct lr	 r;
	char		*line, *c, *p;
	uint64_t	 v;
	size_t		 namelen, n;
	unsigned	 i;
	int		 fd, k;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	lr_init(&r, fd, buf, sizeof(buf));
	while ((k = lr_next(&r, &line)) != LR_EOF && k != LR_ERR) {
		/* An unterminated last line is normal in hand-edited files. */
		if (k != LR_LINE && k != LR_CUT)
			continue;
		if (line[0] == '+' || line[0] == '-' ||
		    (c = strchr(line, ':')) == NULL)
			continue;
		namelen = (size_t)(c - line);
		if (namelen == 0 || namelen >= PORT_USER_MAX ||
		    (p = strchr(c + 1, ':')) == NULL)
			continue;
		p++;
		n = strspn(p, "0123456789");
		if (p[n] != ':' || parse_dec(p, n, &v) < 0 || v >= UINT32_MAX)
			continue;
		for (i = 0; i < res->nowners; i++) {
			if (res->owners[i].uid != (uid_t)v ||
			    res->owners[i].user[0] != '\0')
				continue;
			memcpy(res->owners[i].user, line, namelen);
			res->owners[i].user[namelen] = '\0';
		}
		for (i = 0; i < res->nlisteners; i++) {
			if (res->listeners[i].uid != (uid_t)v ||
			    res->listeners[i].user[0] != '\0')
				continue;
			memcpy(res->listeners[i].user, line, namelen);
			res->listeners[i].user[namelen] = '\0';
		}
	}
	close(fd);
}

static int
owner_cmp(const void *a, const void *b)
{
	pid_t x = ((const struct port_owner *)a)->pid;
	pid_t y = ((const struct port_owner *)b)->pid;

	return (x > y) - (x < y);
}

static void
finish(int procfd, struct port_result *res)
{
	unsigned i, unowned = 0;

	for (i = 0; i < res->nlisteners; i++)
		if (res->listeners[i].nowners == 0)
			unowned++;
	/* With hidepid=invisible even pid 1 is missing for non-root. */
	if (faccessat(procfd, "1", F_OK, 0) < 0 && errno == ENOENT)
		res->why |= PORT_WHY_HIDDEN;
	if (unowned > 0) {
		if (res->nvanished > 0)
			res->why |= PORT_WHY_VANISHED;
		if ((res->why & (PORT_WHY_DENIED | PORT_WHY_HIDDEN |
		    PORT_WHY_ERROR)) == 0)
			res->why |= PORT_WHY_NOPROC;
	}
	if (res->nowners_total == 0)
		res->state = PORT_UNKNOWN;
	else if (unowned == 0 && (res->why & (PORT_WHY_DENIED |
	    PORT_WHY_HIDDEN | PORT_WHY_ERROR | PORT_WHY_TOOMANY)) == 0)
		res->state = PORT_OWNED;
	else
		res->state = PORT_PARTIAL;
	qsort(res->owners, res->nowners, sizeof(res->owners[0]), owner_cmp);
}

int
port_lookup(uint16_t port, const char *procdir, const char *passwd,
    struct port_result *res)
{
	int procfd, e;

	if (port == 0 || res == NULL) {
		errno = EINVAL;
		return -1;
	}
	memset(res, 0, sizeof(*res));
	res->port = port;
	res->state = PORT_FREE;
	if ((procfd = open(procdir != NULL ? procdir : "/proc",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if (read_table(procfd, "net/tcp", AF_INET, res) < 0)
		goto fail;
	/* No tcp6 means a kernel without IPv6, common on small devices. */
	if (read_table(procfd, "net/tcp6", AF_INET6, res) < 0 &&
	    errno != ENOENT)
		goto fail;
	if (res->nlisteners_total > 0) {
		if (scan_procs(procfd, res) < 0)
			goto fail;
		finish(procfd, res);
		resolve_users(passwd != NULL ? passwd : "/etc/passwd", res);
	}
	close(procfd);
	return 0;
fail:
	e = errno;
	close(procfd);
	errno = e;
	return -1;
}

int
port_same_process(const char *procdir, pid_t pid, unsigned long long start)
{
	char			 path[PID_NAME_MAX + 8], stat[STAT_MAX];
	unsigned long long	 now;
	int			 procfd, e = 0;

	if (pid <= 0 || start == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((procfd = open(procdir != NULL ? procdir : "/proc",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%d/stat", (int)pid);
	if (read_small(procfd, path, stat, sizeof(stat)) < 0)
		e = errno;
	close(procfd);
	if (e == ENOENT || e == ESRCH)
		return 0;
	if (e != 0) {
		errno = e;
		return -1;
	}
	if (port_parse_stat_start(stat, &now) < 0) {
		errno = EIO;
		return -1;
	}
	return now == start;
}

int
port_format_addr(const struct port_listener *l, char *buf, size_t size)
{
	char	a[INET6_ADDRSTRLEN];
	int	n;

	if (l == NULL || (l->family != AF_INET && l->family != AF_INET6)) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (inet_ntop(l->family, l->addr, a, sizeof(a)) == NULL)
		return -1;
	n = snprintf(buf, size, l->family == AF_INET6 ? "[%s]:%u" : "%s:%u",
	    a, (unsigned)l->port);
	if (n < 0 || (size_t)n >= size) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

__attribute__((format(printf, 2, 3)))
static void
sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list	ap;
	size_t	room;
	int	n;

	room = b->len < b->size ? b->size - b->len : 0;
	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? b->buf + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

static const char *
plural(unsigned n)
{
	return n == 1 ? "process" : "processes";
}

size_t
port_why_str(const struct port_result *res, char *buf, size_t size)
{
	struct sb	 b = { buf, size, 0 };
	const char	*sep = "";

	if (size > 0)
		buf[0] = '\0';
	if (res->why & PORT_WHY_DENIED) {
		sb_printf(&b, "%spermission denied reading the fds of %u %s",
		    sep, res->ndenied, plural(res->ndenied));
		sep = "; ";
	}
	if (res->why & PORT_WHY_HIDDEN) {
		sb_printf(&b, "%s/proc hides other users' processes "
		    "(hidepid)", sep);
		sep = "; ";
	}
	if (res->why & PORT_WHY_ERROR) {
		sb_printf(&b, "%scould not inspect %u %s: %s", sep,
		    res->nerror, plural(res->nerror), strerror(res->err));
		sep = "; ";
	}
	if (res->why & PORT_WHY_VANISHED) {
		sb_printf(&b, "%s%u %s exited during the scan", sep,
		    res->nvanished, plural(res->nvanished));
		sep = "; ";
	}
	if (res->why & PORT_WHY_NOPROC) {
		sb_printf(&b, "%sno process holds the socket (kernel socket, "
		    "another PID namespace, or just closed)", sep);
		sep = "; ";
	}
	if (res->why & PORT_WHY_TOOMANY)
		sb_printf(&b, "%smore listeners or owners than fit, list "
		    "truncated", sep);
	return b.len;
}

/* Table cells for one row of port_print(). */
struct row {
	char	port[8];
	char	addr[PORT_ADDR_MAX];
	char	pid[16];
	char	comm[PORT_COMM_MAX];
	char	user[PORT_USER_MAX];
	char	unit[PORT_UNIT_MAX];
	char	exe[PORT_EXE_MAX];
};

#define NPADDED	6	/* every column but EXE, the last, is padded */

/* comm and exe are chosen by whoever started the process. */
static void
clean(char *dst, size_t size, const char *src)
{
	size_t i;

	if (src[0] == '\0')
		src = "-";
	for (i = 0; src[i] != '\0' && i < size - 1; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[i] = '\0';
}

/* o is NULL for a listener no process could be tied to. */
static void
make_row(const struct port_result *res, unsigned li,
    const struct port_owner *o, struct row *r)
{
	const struct port_listener *l = &res->listeners[li];
	const char	*user = l->user;
	uid_t		 uid = l->uid;

	snprintf(r->port, sizeof(r->port), "%u", (unsigned)l->port);
	if (port_format_addr(l, r->addr, sizeof(r->addr)) < 0)
		clean(r->addr, sizeof(r->addr), "?");
	if (o == NULL) {
		clean(r->pid, sizeof(r->pid), "-");
		clean(r->comm, sizeof(r->comm), "-");
		clean(r->unit, sizeof(r->unit), "-");
		clean(r->exe, sizeof(r->exe), "-");
	} else {
		snprintf(r->pid, sizeof(r->pid), "%d", (int)o->pid);
		clean(r->comm, sizeof(r->comm), o->comm);
		clean(r->unit, sizeof(r->unit), o->unit);
		clean(r->exe, sizeof(r->exe), o->exe);
		user = o->user;
		uid = o->uid;
	}
	if (user[0] != '\0')
		clean(r->user, sizeof(r->user), user);
	else if (uid != (uid_t)-1)
		snprintf(r->user, sizeof(r->user), "%u", (unsigned)uid);
	else
		clean(r->user, sizeof(r->user), "-");
}

static int
print_row(FILE *fp, const int *w, const char *const *cell)
{
	return fprintf(fp, "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n",
	    w[0], cell[0], w[1], cell[1], w[2], cell[2], w[3], cell[3],
	    w[4], cell[4], w[5], cell[5], cell[6]);
}

int
port_print(FILE *fp, const struct port_result *res)
{
	static const char *const head[NPADDED + 1] = {
		"PORT", "ADDRESS", "PID", "COMM", "USER", "UNIT", "EXE"
	};
	char		 why[512];
	struct row	 r;
	const char	*cell[NPADDED + 1];
	const struct port_owner *o;
	uint64_t	 bit;
	unsigned	 i, j, shown;
	int		 w[NPADDED], pass, k, n;

	if (fp == NULL || res == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (res->state == PORT_FREE || res->nlisteners == 0) {
		if (fprintf(fp, "no process listens on TCP port %u\n",
		    (unsigned)res->port) < 0)
			return -1;
		return ferror(fp) ? -1 : 0;
	}
	for (k = 0; k < NPADDED; k++)
		w[k] = (int)strlen(head[k]);
	cell[0] = r.port;
	cell[1] = r.addr;
	cell[2] = r.pid;
	cell[3] = r.comm;
	cell[4] = r.user;
	cell[5] = r.unit;
	cell[6] = r.exe;
	/* Pass 0 sizes the columns, pass 1 prints them. */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1 && print_row(fp, w, head) < 0)
			return -1;
		for (i = 0; i < res->nlisteners; i++) {
			bit = UINT64_C(1) << i;
			shown = 0;
			for (j = 0; j <= res->nowners; j++) {
				o = NULL;
				if (j < res->nowners) {
					if ((res->owners[j].listeners & bit)
					    == 0)
						continue;
					o = &res->owners[j];
				} else if (shown > 0)
					break;
				make_row(res, i, o, &r);
				shown++;
				if (pass == 1) {
					if (print_row(fp, w, cell) < 0)
						return -1;
					continue;
				}
				for (k = 0; k < NPADDED; k++)
					if ((n = (int)strlen(cell[k])) > w[k])
						w[k] = n;
			}
		}
	}
	port_why_str(res, why, sizeof(why));
	if (res->state == PORT_UNKNOWN)
		n = fprintf(fp, "listening, but the owner could not be "
		    "identified: %s\n", why);
	else if (res->state == PORT_PARTIAL)
		n = fprintf(fp, "the owner list may be incomplete: %s\n", why);
	else
		n = 0;
	if (n < 0)
		return -1;
	if (ferror(fp)) {
		errno = EIO;
		return -1;
	}
	return 0;
}
