/* lock.c - see lock.h. */
#include "lock.h"
#include "report.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int
lock_unit(const char *state_dir, const char *unit, int *fd, char *why,
    size_t n)
{
	char dir[300], path[600];
	size_t i, len;

	*fd = -1;
	if (str_fmt(dir, sizeof dir, "%s/locks", state_dir) < 0 ||
	    str_fmt(path, sizeof path, "%s/%s.lock", dir, unit) < 0) {
		str_copy(why, n, "lock path too long");
		return -1;
	}
	/* Same file-name rule as reports: no backslashes. */
	len = strlen(dir);
	for (i = len; path[i]; i++)
		if (path[i] == '\\')
			path[i] = '_';
	if (state_dir_make(dir) < 0) {
		str_fmt(why, n, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0) {
		str_fmt(why, n, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			close(*fd);
			*fd = -1;
			return 1;
		}
		str_fmt(why, n, "cannot lock %s: %s", path, strerror(errno));
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}
