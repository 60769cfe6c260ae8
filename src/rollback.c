/* rollback.c - see rollback.h. */
#include "rollback.h"
#include "cfgcheck.h"
#include "report.h"
#include "svc.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* musl 1.2.3 has the system call but neither wrapper nor flag. */
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

#define ESCAPED_MAX	(ROLLBACK_NAME_MAX - 8)	/* room for "%meta" etc. */
#define META_MAX	(CONF_PATH_MAX + 512)
#define CHUNK		8192

/* ---- names ---- */

static int
plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':';
}

int
rollback_escape(const char *path, char *out, size_t n)
{
	size_t o = 0;
	const char *p = path;

	if (*p != '/')
		return -1;
	while (*p == '/')
		p++;
	if (*p == '\0')
		return -1;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char esc[4];

		if (c == '/') {
			while (p[1] == '/')
				p++;
			if (p[1] == '\0')
				break;	/* a trailing slash */
			esc[0] = '-';
			esc[1] = '\0';
		} else if (plain(c) && !(c == '.' && o == 0)) {
			esc[0] = (char)c;
			esc[1] = '\0';
		} else {
			snprintf(esc, sizeof esc, "%%%02x", c);
		}
		if (o + strlen(esc) >= n || o + strlen(esc) > ESCAPED_MAX)
			return -1;
		memcpy(out + o, esc, strlen(esc) + 1);
		o += strlen(esc);
	}
	return 0;
}

/* The unit's directory name: only systemd's backslash needs care. */
static int
unit_part(const char *unit, char *out, size_t n)
{
	size_t o = 0;

	for (; *unit; unit++) {
		if (o + 4 > n)
			return -1;
		if (*unit == '\\' || *unit == '%' || *unit == '/')
			o += (size_t)snprintf(out + o, n - o, "%%%02x",
			    (unsigned char)*unit);
		else
			out[o++] = *unit;
	}
	out[o] = '\0';
	return o > 0 ? 0 : -1;
}

static int
unit_dir(const char *state_dir, const char *unit, char *out, size_t n)
{
	char part[UNIT_NAME_MAX * 3];

	if (unit_part(unit, part, sizeof part) < 0)
		return -1;
	return str_fmt(out, n, "%s/" ROLLBACK_DIR "/%s", state_dir, part);
}

int
rollback_store_path(const char *state_dir, const char *unit,
    const char *path, const char *suffix, char *out, size_t n)
{
	char dir[ROLLBACK_PATH_MAX], esc[ROLLBACK_NAME_MAX + 1];

	if (unit_dir(state_dir, unit, dir, sizeof dir) < 0 ||
	    rollback_escape(path, esc, sizeof esc) < 0)
		return -1;
	return str_fmt(out, n, "%s/%s%s", dir, esc, suffix);
}

int
rollback_broken_name(const char *path, int64_t t, unsigned seq, char *out,
    size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char stamp[32];

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm) == 0)
		return -1;
	if (seq > 1)
		return str_fmt(out, n, "%s.ansai-broken-%s-%u", path, stamp,
		    seq);
	return str_fmt(out, n, "%s.ansai-broken-%s", path, stamp);
}

/* ---- the meta file ---- */

void
rollback_meta_format(const struct rollback_meta *m, char *buf, size_t n)
{
	char when[32];

	time_iso(when, sizeof when, m->taken);
	str_fmt(buf, n, "# ansai: last-known-good copy of %s, taken %s\n"
	    "path=%s\nmode=%04o\nuid=%lu\ngid=%lu\nsize=%lld\ntaken=%lld\n",
	    m->path, when, m->path, (unsigned)m->mode, (unsigned long)m->uid,
	    (unsigned long)m->gid, (long long)m->size, (long long)m->taken);
}

static int
parse_octal(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return -1;
		v = v * 8 + (unsigned)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* One "key=value" line into m; the bit of the key into *seen. */
static int
meta_line(char *line, struct rollback_meta *m, unsigned *seen)
{
	char *eq = strchr(line, '=');
	uint64_t u;
	unsigned o;

	if (eq == NULL)
		return -1;
	*eq++ = '\0';
	if (strcmp(line, "path") == 0) {
		*seen |= 1;
		return *eq == '/' ? str_copy(m->path, sizeof m->path, eq) : -1;
	}
	if (strcmp(line, "mode") == 0) {
		*seen |= 2;
		if (parse_octal(eq, 07777, &o) < 0)
			return -1;
		m->mode = (mode_t)o;
		return 0;
	}
	if (strcmp(line, "uid") == 0 || strcmp(line, "gid") == 0) {
		if (parse_u64(eq, 4294967294u, &u) < 0)
			return -1;
		if (line[0] == 'u')
			m->uid = (uid_t)u, *seen |= 4;
		else
			m->gid = (gid_t)u, *seen |= 8;
		return 0;
	}
	if (strcmp(line, "size") == 0 || strcmp(line, "taken") == 0) {
		if (parse_u64(eq, INT64_MAX, &u) < 0)
			return -1;
		if (line[0] == 's')
			m->size = (int64_t)u, *seen |= 16;
		else
			m->taken = (int64_t)u, *seen |= 32;
		return 0;
	}
	return 0;	/* a key of a later version: ignored */
}

int
rollback_meta_parse(const char *text, struct rollback_meta *m)
{
	char line[CONF_PATH_MAX + 16];
	unsigned seen = 0;

	memset(m, 0, sizeof *m);
	while (*text) {
		size_t len = strcspn(text, "\n");

		if (len >= sizeof line)
			return -1;
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (text[len] == '\n');
		if (len == 0 || line[0] == '#')
			continue;
		if (meta_line(line, m, &seen) < 0)
			return -1;
	}
	return seen == 63 ? 0 : -1;
}

/* ---- file helpers ---- */

static ssize_t
read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Copy in to out; the number of bytes, or -1/errno (EFBIG past max). */
static int64_t
copy_fd(int in, int out, int64_t max)
{
	char buf[CHUNK];
	int64_t total = 0;
	ssize_t r;

	while ((r = read_full(in, buf, sizeof buf)) > 0) {
		total += r;
		if (total > max) {
			errno = EFBIG;
			return -1;
		}
		if (fd_write_all(out, buf, (size_t)r) < 0)
			return -1;
	}
	return r < 0 ? -1 : total;
}

/* The directory part of path into out[n] ("/" for "/x"). */
static int
dir_of(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (slash == NULL)
		return -1;
	len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= n)
		return -1;
	memcpy(out, path, len);
	out[len] = '\0';
	return 0;
}

/* A rename is durable once its directory is synced. */
static int
sync_dir(const char *path)
{
	char dir[ROLLBACK_PATH_MAX];
	int fd, r;

	if (dir_of(path, dir, sizeof dir) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	if (r < 0 && errno == EINVAL)
		r = 0;	/* a file system that cannot sync a directory */
	close(fd);
	return r;
}

/* Finish a written file: owner and mode (chown first: it clears
 * set-id bits), fsync, close.  0 or -1/errno; fd closed either way. */
static int
finish_file(int fd, int chown_it, uid_t uid, gid_t gid, mode_t mode)
{
	int r = 0, saved = 0;

	if (chown_it && fchown(fd, uid, gid) < 0)
		r = -1;
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -1;
	if (r == 0 && fsync(fd) < 0)
		r = -1;
	if (r < 0)
		saved = errno;
	if (close(fd) < 0 && r == 0) {
		r = -1;
		saved = errno;
	}
	errno = saved;
	return r;
}

static int
mkdir_private(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	if (lstat(dir, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static int
store_make(const char *state_dir, const char *unit, char *why, size_t n)
{
	char good[ROLLBACK_PATH_MAX], dir[ROLLBACK_PATH_MAX];

	if (str_fmt(good, sizeof good, "%s/" ROLLBACK_DIR, state_dir) < 0 ||
	    unit_dir(state_dir, unit, dir, sizeof dir) < 0) {
		str_copy(why, n, "state_dir path too long");
		return -1;
	}
	if (state_dir_make(state_dir) < 0 || mkdir_private(good) < 0 ||
	    mkdir_private(dir) < 0) {
		str_fmt(why, n, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- save ---- */

/* Write the bytes of in to tmp (created 0600, ours). */
static int
write_copy(int in, const char *tmp, int64_t expect, char *why, size_t n)
{
	int out, saved;
	int64_t got;

	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (out < 0) {
		str_fmt(why, n, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	got = copy_fd(in, out, ROLLBACK_FILE_MAX);
	saved = errno;
	if (got < 0 || got != expect) {
		close(out);
		unlink(tmp);
		if (got < 0)
			str_fmt(why, n, "cannot copy: %s", strerror(saved));
		else
			str_copy(why, n, "it changed while being copied");
		return -1;
	}
	if (finish_file(out, 0, 0, 0, 0600) < 0) {
		str_fmt(why, n, "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
write_meta(const struct rollback_meta *m, const char *tmp, char *why,
    size_t n)
{
	char text[META_MAX];
	int fd;

	rollback_meta_format(m, text, sizeof text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0 || fd_write_all(fd, text, strlen(text)) < 0 ||
	    finish_file(fd, 0, 0, 0, 0600) < 0) {
		str_fmt(why, n, "cannot write %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		return -1;
	}
	return 0;
}

struct store_names {
	char data[ROLLBACK_PATH_MAX], meta[ROLLBACK_PATH_MAX];
	char tmp[ROLLBACK_PATH_MAX], mtmp[ROLLBACK_PATH_MAX];
};

static int
store_names(const char *state_dir, const char *unit, const char *path,
    struct store_names *s)
{
	return rollback_store_path(state_dir, unit, path, "", s->data,
	    sizeof s->data) < 0 ||
	    rollback_store_path(state_dir, unit, path, "%meta", s->meta,
	    sizeof s->meta) < 0 ||
	    rollback_store_path(state_dir, unit, path, "%tmp", s->tmp,
	    sizeof s->tmp) < 0 ||
	    rollback_store_path(state_dir, unit, path, "%mtmp", s->mtmp,
	    sizeof s->mtmp) < 0 ? -1 : 0;
}

/* Both temporaries are complete before either is renamed, so a copy
 * and its meta change together but for a crash between two renames. */
static int
save_from(int in, const struct stat *st, const char *path,
    const struct store_names *s, char *why, size_t n)
{
	struct rollback_meta m;

	memset(&m, 0, sizeof m);
	str_copy(m.path, sizeof m.path, path);
	m.mode = st->st_mode & 07777;
	m.uid = st->st_uid;
	m.gid = st->st_gid;
	m.size = (int64_t)st->st_size;
	m.taken = (int64_t)time(NULL);
	if (write_copy(in, s->tmp, m.size, why, n) < 0)
		return -1;
	if (write_meta(&m, s->mtmp, why, n) < 0) {
		unlink(s->tmp);
		return -1;
	}
	if (rename(s->tmp, s->data) < 0 || rename(s->mtmp, s->meta) < 0 ||
	    sync_dir(s->data) < 0) {
		str_fmt(why, n, "cannot store the copy in %s: %s", s->data,
		    strerror(errno));
		unlink(s->tmp);
		unlink(s->mtmp);
		return -1;
	}
	return 0;
}

int
rollback_save(const char *state_dir, const char *unit, const char *path,
    char *why, size_t n)
{
	struct store_names s;
	struct stat st;
	int in, r;

	if (strchr(path, '\n') != NULL ||
	    store_names(state_dir, unit, path, &s) < 0) {
		str_fmt(why, n, "%s: no name for its copy (too long)", path);
		return -1;
	}
	if (store_make(state_dir, unit, why, n) < 0)
		return -1;
	in = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0) {
		str_fmt(why, n, "cannot read %s: %s", path, strerror(errno));
		if (in >= 0)
			close(in);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > ROLLBACK_FILE_MAX) {
		str_fmt(why, n, "%s is %s", path, S_ISREG(st.st_mode) ?
		    "over 16 MiB: not copied" : "not a regular file");
		close(in);
		return -1;
	}
	r = save_from(in, &st, path, &s, why, n);
	close(in);
	if (r < 0)
		return -1;
	return 0;
}

/* ---- find, compare ---- */

int
rollback_find(const char *state_dir, const char *unit, const char *path,
    struct rollback_meta *m, char *why, size_t n)
{
	struct store_names s;
	char text[META_MAX];
	struct stat st;

	if (store_names(state_dir, unit, path, &s) < 0) {
		str_fmt(why, n, "%s: no name for its copy (too long)", path);
		return -1;
	}
	if (file_read(s.meta, text, sizeof text) < 0) {
		if (errno == ENOENT)
			return 0;
		str_fmt(why, n, "cannot read %s: %s", s.meta, strerror(errno));
		return -1;
	}
	if (rollback_meta_parse(text, m) < 0 || strcmp(m->path, path) != 0) {
		str_fmt(why, n, "%s is damaged", s.meta);
		return -1;
	}
	if (lstat(s.data, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (int64_t)st.st_size != m->size) {
		str_fmt(why, n, "the good copy %s is missing or damaged",
		    s.data);
		return -1;
	}
	return 1;
}

static int
same_bytes(int a, int b)
{
	char x[CHUNK], y[CHUNK];
	ssize_t ra, rb;

	for (;;) {
		ra = read_full(a, x, sizeof x);
		rb = read_full(b, y, sizeof y);
		if (ra < 0 || rb < 0)
			return -1;
		if (ra != rb || memcmp(x, y, (size_t)ra) != 0)
			return 0;
		if (ra == 0)
			return 1;
	}
}

int
rollback_differs(const char *state_dir, const char *unit,
    const struct rollback_meta *m, char *why, size_t n)
{
	char data[ROLLBACK_PATH_MAX];
	struct stat st;
	int a, b, same;

	if (stat(m->path, &st) < 0)
		return errno == ENOENT ? 1 : -1;
	if (!S_ISREG(st.st_mode) || (st.st_mode & 07777) != m->mode ||
	    st.st_uid != m->uid || st.st_gid != m->gid ||
	    (int64_t)st.st_size != m->size)
		return 1;
	if (rollback_store_path(state_dir, unit, m->path, "", data,
	    sizeof data) < 0)
		return -1;
	a = open(m->path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	b = open(data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	same = a >= 0 && b >= 0 ? same_bytes(a, b) : -1;
	if (same < 0)
		str_fmt(why, n, "cannot compare %s with %s: %s", m->path, data,
		    strerror(errno));
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	return same < 0 ? -1 : !same;
}

/* ---- restore ---- */

/* Give the file in place a second name, the broken name: a hard link,
 * else a rename that never replaces.  0 with *linked saying which. */
static int
keep_broken(const char *path, int64_t now, char *broken, size_t bn,
    int *linked)
{
	unsigned seq;

	for (seq = 1; seq <= ROLLBACK_SEQ_MAX; seq++) {
		if (rollback_broken_name(path, now, seq, broken, bn) < 0) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (link(path, broken) == 0) {
			*linked = 1;
			return 0;
		}
		if (errno == EEXIST)
			continue;
		if (syscall(SYS_renameat2, AT_FDCWD, path, AT_FDCWD, broken,
		    RENAME_NOREPLACE) == 0) {
			*linked = 0;
			return 0;
		}
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/* The good copy into a new temporary beside path, owner and mode as
 * recorded. */
static int
stage(const char *data, const struct rollback_meta *m, const char *tmp,
    char *why, size_t n)
{
	int in, out;
	int64_t got;

	in = open(data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0) {
		str_fmt(why, n, "cannot read %s: %s", data, strerror(errno));
		return -1;
	}
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (out < 0) {
		str_fmt(why, n, "cannot create %s: %s", tmp, strerror(errno));
		close(in);
		return -1;
	}
	got = copy_fd(in, out, ROLLBACK_FILE_MAX);
	close(in);
	if (got != m->size) {
		str_fmt(why, n, "cannot copy %s: %s", data, got < 0 ?
		    strerror(errno) : "its size changed");
		close(out);
		unlink(tmp);
		return -1;
	}
	if (finish_file(out, 1, m->uid, m->gid, m->mode) < 0) {
		str_fmt(why, n, "cannot write %s (owner %lu:%lu, mode %04o): "
		    "%s", tmp, (unsigned long)m->uid, (unsigned long)m->gid,
		    (unsigned)m->mode, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
in_place(const char *path, int *have, char *why, size_t n)
{
	struct stat st;

	*have = 0;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		str_fmt(why, n, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
		str_fmt(why, n, "%s is %s: not replaced", path,
		    S_ISLNK(st.st_mode) ? "a symbolic link" :
		    "not a regular file");
		return -1;
	}
	*have = 1;
	return 0;
}

int
rollback_restore(const char *state_dir, const char *unit,
    const struct rollback_meta *m, int64_t now, char *broken, size_t bn,
    char *why, size_t n)
{
	char data[ROLLBACK_PATH_MAX], tmp[ROLLBACK_PATH_MAX];
	int have, linked = 0, saved;

	broken[0] = '\0';
	if (rollback_store_path(state_dir, unit, m->path, "", data,
	    sizeof data) < 0 || str_fmt(tmp, sizeof tmp, "%s.ansai-tmp-%ld",
	    m->path, (long)getpid()) < 0) {
		str_fmt(why, n, "%s: path too long", m->path);
		return -1;
	}
	if (in_place(m->path, &have, why, n) < 0 ||
	    stage(data, m, tmp, why, n) < 0)
		return -1;
	if (have && keep_broken(m->path, now, broken, bn, &linked) < 0) {
		str_fmt(why, n, "cannot keep %s under a broken name: %s",
		    m->path, strerror(errno));
		broken[0] = '\0';
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, m->path) < 0) {
		saved = errno;
		unlink(tmp);
		/* Undo the second name: the file itself stays in place. */
		if (have && linked)
			unlink(broken);
		else if (have)
			rename(broken, m->path);
		broken[0] = '\0';
		str_fmt(why, n, "cannot rename %s to %s: %s", tmp, m->path,
		    strerror(saved));
		return -1;
	}
	if (sync_dir(m->path) < 0) {
		str_fmt(why, n, "restored %s, but cannot sync its directory: "
		    "%s", m->path, strerror(errno));
		return 0;
	}
	return 0;
}

/* ---- snapshot ---- */

static int
known_good(const char *unit, const struct unit_policy *p, char *why,
    size_t n)
{
	struct svc_show s;
	struct cfg_result r;
	char err[256];

	if (svc_query(unit, &s, err, sizeof err) < 0) {
		str_copy(why, n, err);
		return -1;
	}
	if (strcmp(s.active_state, "active") != 0) {
		str_fmt(why, n, "not active (%s/%s), so not known to be good: "
		    "no good copy taken", s.active_state, s.sub_state);
		return -1;
	}
	if (cfg_check(unit, p, CFG_FILES | CFG_VALIDATE | CFG_QUIET, &r) < 0) {
		str_copy(why, n, r.text);
		return -1;
	}
	if (r.problems > 0) {
		str_fmt(why, n, "its configuration does not pass now: %s; no "
		    "good copy taken", r.text);
		return -1;
	}
	return 0;
}

int
rollback_snapshot(const struct conf *c, const char *unit, char *why,
    size_t n)
{
	struct unit_policy p;
	char dir[ROLLBACK_PATH_MAX];
	unsigned i;

	conf_policy(c, unit, &p);
	if (!p.rollback) {
		str_fmt(why, n, "rollback is off for %s", unit);
		return 0;
	}
	if (p.config->n == 0) {
		str_fmt(why, n, "rollback = yes, but no config files are "
		    "listed for %s", unit);
		return 0;
	}
	if (known_good(unit, &p, why, n) < 0)
		return -1;
	for (i = 0; i < p.config->n; i++)
		if (rollback_save(c->state_dir, unit, p.config->v[i], why,
		    n) < 0)
			return -1;
	if (unit_dir(c->state_dir, unit, dir, sizeof dir) < 0)
		dir[0] = '\0';
	str_fmt(why, n, "good copy of %u config file%s kept in %s",
	    p.config->n, p.config->n == 1 ? "" : "s", dir);
	return (int)p.config->n;
}
