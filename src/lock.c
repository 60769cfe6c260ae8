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

	*fd = -1;
	/* The unit's name verbatim: any rewriting (of its backslashes,
	 * say) could give two units one lock. */
	if (str_fmt(dir, sizeof dir, "%s/locks", state_dir) < 0 ||
	    str_fmt(path, sizeof path, "%s/%s.lock", dir, unit) < 0) {
		str_copy(why, n, "lock path too long");
		return -1;
	}
	/* The state directory first, so it gets its own 0700 rather than
	 * the 0755 of a parent made on the way to locks/. */
	if (state_dir_make(state_dir) < 0 || state_dir_make(dir) < 0) {
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
