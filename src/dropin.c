/* dropin.c - see dropin.h. */
#include "dropin.h"
#include "unitname.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char dropin_text[] =
    "# Written by `ansai enable`; `ansai disable` removes it.\n"
    "# On failure, systemd starts ansai's heal unit for this unit.\n"
    "[Unit]\n"
    "OnFailure=" DROPIN_HEAL_UNIT "\n";

int
dropin_write(const char *unitdir, const char *unit, char *why, size_t n)
{
	char dir[512], path[600], tmp[620];
	int fd, r;

	if (str_fmt(dir, sizeof dir, "%s/%s.d", unitdir, unit) < 0 ||
	    str_fmt(path, sizeof path, "%s/%s", dir, DROPIN_NAME) < 0 ||
	    str_fmt(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) < 0) {
		str_copy(why, n, "path too long");
		return -1;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		str_fmt(why, n, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd < 0) {
		str_fmt(why, n, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	r = fd_write_all(fd, dropin_text, sizeof dropin_text - 1);
	if (r == 0)
		r = fsync(fd);
	if (close(fd) < 0)
		r = -1;
	if (r == 0)
		r = rename(tmp, path);
	if (r < 0) {
		str_fmt(why, n, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
dropin_remove(const char *unitdir, const char *unit, char *why, size_t n)
{
	char dir[512], path[600];

	if (str_fmt(dir, sizeof dir, "%s/%s.d", unitdir, unit) < 0 ||
	    str_fmt(path, sizeof path, "%s/%s", dir, DROPIN_NAME) < 0) {
		str_copy(why, n, "path too long");
		return -1;
	}
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return 0;
		str_fmt(why, n, "cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	/* Other drop-ins the user keeps there make this fail: fine. */
	rmdir(dir);
	return 1;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
dropin_list(const char *unitdir, void (*fn)(const char *unit, void *),
    void *arg)
{
	struct dirent **list;
	char path[600], unit[UNIT_NAME_MAX];
	struct stat st;
	int n, i, count = 0;

	n = scandir(unitdir, &list, NULL, by_name);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const char *d = list[i]->d_name;
		size_t len = strlen(d);

		if (len > 2 && str_ends(d, ".d") && len - 2 < sizeof unit &&
		    str_fmt(path, sizeof path, "%s/%s/%s", unitdir, d,
		    DROPIN_NAME) == 0 && lstat(path, &st) == 0) {
			memcpy(unit, d, len - 2);
			unit[len - 2] = '\0';
			if (unit_name_check(unit) == UNIT_OK) {
				fn(unit, arg);
				count++;
			}
		}
		free(list[i]);
	}
	free(list);
	return count;
}
