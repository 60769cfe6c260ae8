/* history.c - see history.h. */
#include "history.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int
clean_field(const char *s)
{
	return *s != '\0' && strpbrk(s, "\t\n\r") == NULL;
}

int
history_format(const struct hist_entry *e, char *buf, size_t n)
{
	if (!clean_field(e->unit) || !clean_field(e->result) ||
	    !clean_field(e->cause) || !clean_field(e->strategies) ||
	    !clean_field(e->report)) {
		errno = EINVAL;
		return -1;
	}
	/* Past 24.8 days "downtime" is no longer a heal's measure, and
	 * the cap keeps the field within a 32-bit long when read back. */
	if (str_fmt(buf, n, "v1\t%" PRId64 "\t%s\t%s\t%s\t%ld\t%s\t%s\n",
	    e->when, e->unit, e->result, e->cause,
	    e->downtime_ms > 0x7fffffffL ? 0x7fffffffL : e->downtime_ms,
	    e->strategies, e->report) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Next tab-separated field of *p into dst[n]; -1 when absent or long. */
static int
field(const char **p, char *dst, size_t n)
{
	size_t len = strcspn(*p, "\t\n");

	if (len == 0 || len >= n)
		return -1;
	memcpy(dst, *p, len);
	dst[len] = '\0';
	*p += len;
	if (**p == '\t')
		(*p)++;
	return 0;
}

int
history_parse(const char *line, struct hist_entry *e)
{
	char ver[4], when[24], down[24];
	const char *p = line;
	uint64_t u;

	memset(e, 0, sizeof *e);
	if (field(&p, ver, sizeof ver) < 0 || strcmp(ver, "v1") != 0 ||
	    field(&p, when, sizeof when) < 0 ||
	    parse_u64(when, INT64_MAX, &u) < 0)
		return -1;
	e->when = (int64_t)u;
	if (field(&p, e->unit, sizeof e->unit) < 0 ||
	    field(&p, e->result, sizeof e->result) < 0 ||
	    field(&p, e->cause, sizeof e->cause) < 0 ||
	    field(&p, down, sizeof down) < 0 ||
	    field(&p, e->strategies, sizeof e->strategies) < 0 ||
	    field(&p, e->report, sizeof e->report) < 0)
		return -1;
	if (*p != '\0' && *p != '\n')
		return -1;
	if (strcmp(down, "-1") == 0)
		e->downtime_ms = -1;
	else if (parse_u64(down, 0x7fffffff, &u) == 0)
		e->downtime_ms = (long)u;
	else
		return -1;
	return 0;
}

/* Rotation is done under an exclusive lock on the directory's lock
 * file, so two heals never both rename. */
static void
maybe_rotate(const char *dir, const char *path)
{
	char lock[300], old[300];
	struct stat st;
	int fd;

	if (stat(path, &st) < 0 || st.st_size < HISTORY_ROTATE_BYTES)
		return;
	if (str_fmt(lock, sizeof lock, "%s/history.lock", dir) < 0 ||
	    str_fmt(old, sizeof old, "%s/history.1", dir) < 0)
		return;
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX) == 0) {
		/* Someone may have rotated while we waited. */
		if (stat(path, &st) == 0 && st.st_size >= HISTORY_ROTATE_BYTES)
			rename(path, old);
	}
	close(fd);
}

int
history_append(const char *dir, const struct hist_entry *e)
{
	char path[300], line[HISTORY_LINE_MAX];
	int fd, r, saved;

	if (history_format(e, line, sizeof line) < 0)
		return -1;
	if (str_fmt(path, sizeof path, "%s/history", dir) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	maybe_rotate(dir, path);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	r = fd_write_all(fd, line, strlen(line));
	if (r == 0)
		r = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

static int
each_file(const char *path, const char *unit,
    void (*fn)(const struct hist_entry *, void *), void *arg,
    unsigned *bad)
{
	char line[HISTORY_LINE_MAX];
	struct hist_entry e;
	unsigned flags;
	size_t len;
	FILE *f;
	int r, saved;

	f = fopen_regular(path);
	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((r = line_read(f, line, sizeof line, &len, &flags)) == 1) {
		if (flags != 0 || history_parse(line, &e) < 0) {
			(*bad)++;
			continue;
		}
		if (unit == NULL || strcmp(unit, e.unit) == 0)
			fn(&e, arg);
	}
	saved = errno;
	fclose(f);
	if (r < 0) {
		errno = saved ? saved : EIO;
		return -1;
	}
	return 0;
}

int
history_each(const char *dir, const char *unit,
    void (*fn)(const struct hist_entry *, void *), void *arg,
    unsigned *bad)
{
	char path[300];

	*bad = 0;
	if (str_fmt(path, sizeof path, "%s/history.1", dir) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (each_file(path, unit, fn, arg, bad) < 0)
		return -1;
	path[strlen(path) - 2] = '\0';
	return each_file(path, unit, fn, arg, bad);
}
