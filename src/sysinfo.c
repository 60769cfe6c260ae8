/* sysinfo.c - see sysinfo.h. */
#include "sysinfo.h"
#include "util.h"

#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>

/* /proc/meminfo is about 1.5 KiB on current kernels. */
#define PROC_SMALL_MAX 8192

int
meminfo_parse(const char *text, struct meminfo *m)
{
	static const struct {
		const char *key;
		size_t off;
	} want[] = {
		{ "MemTotal:", offsetof(struct meminfo, total) },
		{ "MemAvailable:", offsetof(struct meminfo, available) },
		{ "MemFree:", offsetof(struct meminfo, free) },
		{ "SwapTotal:", offsetof(struct meminfo, swap_total) },
		{ "SwapFree:", offsetof(struct meminfo, swap_free) },
	};
	const char *p = text;
	size_t i;

	m->total = m->available = m->free = SYSINFO_UNKNOWN;
	m->swap_total = m->swap_free = SYSINFO_UNKNOWN;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		for (i = 0; i < ARRAY_LEN(want); i++) {
			size_t kl = strlen(want[i].key);
			char num[32];
			const char *v;
			size_t vl;
			uint64_t u;

			if (len <= kl || memcmp(p, want[i].key, kl) != 0)
				continue;
			v = p + kl;
			while (v < p + len && *v == ' ')
				v++;
			vl = strspn(v, "0123456789");
			if (vl == 0 || vl >= sizeof num || v + vl > p + len)
				break;
			memcpy(num, v, vl);
			num[vl] = '\0';
			/* The unit is kB when present; anything else
			 * would be a format ansai does not know. */
			if (strncmp(v + vl, " kB", 3) != 0 &&
			    v + vl != p + len)
				break;
			if (parse_u64(num, UINT64_MAX / 1024, &u) == 0)
				*(uint64_t *)((char *)m + want[i].off) = u;
			break;
		}
		p += len + (nl != NULL);
	}
	return m->total == SYSINFO_UNKNOWN ? -1 : 0;
}

/* A load or a duration from /proc: finite, not negative, and below
 * max (a bound that also keeps casts to integers defined). */
static int
sane(double v, double max)
{
	return isfinite(v) && v >= 0 && v < max;
}

int
loadavg_parse(const char *text, struct loadavg *l)
{
	int end = -1;

	memset(l, 0, sizeof *l);
	if (sscanf(text, "%lf %lf %lf %u/%u %*u%n", &l->one, &l->five,
	    &l->fifteen, &l->running, &l->total, &end) != 5 || end < 0 ||
	    (text[end] != '\0' && strcmp(text + end, "\n") != 0) ||
	    !sane(l->one, 1e6) || !sane(l->five, 1e6) ||
	    !sane(l->fifteen, 1e6))
		return -1;
	return 0;
}

int
uptime_parse(const char *text, double *sec)
{
	char *end;

	if (*text < '0' || *text > '9')
		return -1;
	*sec = strtod(text, &end);
	/* 1e10 s is over 300 years: anything above is not an uptime. */
	if (end == text || *end != ' ' || !sane(*sec, 1e10))
		return -1;
	return 0;
}

static void
disk_read(struct diskinfo *d, const char *path)
{
	struct statvfs sv;

	memset(d, 0, sizeof *d);
	str_copy(d->path, sizeof d->path, path);
	if (statvfs(path, &sv) < 0)
		return;
	d->total = (uint64_t)sv.f_blocks * sv.f_frsize;
	d->avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	d->files = sv.f_files;
	d->files_avail = sv.f_favail;
	d->ok = 1;
}

void
sysinfo_read(struct sysinfo_snap *s, const char *state_dir)
{
	char buf[PROC_SMALL_MAX];
	struct utsname u;

	memset(s, 0, sizeof *s);
	if (uname(&u) == 0)
		str_copy(s->host, sizeof s->host, u.nodename);
	s->mem_ok = file_read("/proc/meminfo", buf, sizeof buf) >= 0 &&
	    meminfo_parse(buf, &s->mem) == 0;
	s->load_ok = file_read("/proc/loadavg", buf, sizeof buf) >= 0 &&
	    loadavg_parse(buf, &s->load) == 0;
	s->uptime_ok = file_read("/proc/uptime", buf, sizeof buf) >= 0 &&
	    uptime_parse(buf, &s->uptime_sec) == 0;
	disk_read(&s->disk[0], "/");
	disk_read(&s->disk[1], state_dir);
}

static void
fmt_kb(char *buf, size_t n, uint64_t kb)
{
	if (kb == SYSINFO_UNKNOWN)
		str_copy(buf, n, "?");
	else if (kb >= 1024 * 1024)
		str_fmt(buf, n, "%.1f GiB", (double)kb / (1024.0 * 1024));
	else
		str_fmt(buf, n, "%.1f MiB", (double)kb / 1024.0);
}

static unsigned
pct_used(uint64_t total, uint64_t avail)
{
	if (total == 0 || avail > total)
		return 0;
	return (unsigned)(100 - avail * 100 / total);
}

void
sysinfo_format(const struct sysinfo_snap *s, char *buf, size_t n)
{
	char a[32], b[32], c[32];
	int i;

	buf[0] = '\0';
	if (s->mem_ok) {
		fmt_kb(a, sizeof a, s->mem.available);
		fmt_kb(b, sizeof b, s->mem.total);
		str_append(buf, n, "  Memory: %s available of %s", a, b);
		if (s->mem.available != SYSINFO_UNKNOWN && s->mem.total)
			str_append(buf, n, " (%u%% used)",
			    pct_used(s->mem.total, s->mem.available));
		str_append(buf, n, "\n");
		if (s->mem.swap_total == 0) {
			str_append(buf, n, "  Swap: none\n");
		} else {
			fmt_kb(c, sizeof c, s->mem.swap_free);
			fmt_kb(b, sizeof b, s->mem.swap_total);
			str_append(buf, n, "  Swap: %s free of %s\n", c, b);
		}
	} else {
		str_append(buf, n, "  Memory: /proc/meminfo unreadable\n");
	}
	if (s->load_ok)
		str_append(buf, n, "  Load: %.2f %.2f %.2f (%u of %u tasks "
		    "runnable)\n", s->load.one, s->load.five,
		    s->load.fifteen, s->load.running, s->load.total);
	if (s->uptime_ok) {
		unsigned long up = (unsigned long)s->uptime_sec;

		str_append(buf, n, "  Uptime: %lud %luh %lum\n", up / 86400,
		    up / 3600 % 24, up / 60 % 60);
	}
	for (i = 0; i < 2; i++) {
		const struct diskinfo *d = &s->disk[i];

		if (i == 1 && strcmp(d->path, s->disk[0].path) == 0)
			continue;
		if (!d->ok) {
			str_append(buf, n, "  Disk %s: statvfs failed\n",
			    d->path);
			continue;
		}
		fmt_kb(a, sizeof a, d->avail / 1024);
		fmt_kb(b, sizeof b, d->total / 1024);
		str_append(buf, n, "  Disk %s: %s free of %s (%u%% used), "
		    "inodes %u%% used\n", d->path, a, b,
		    pct_used(d->total, d->avail),
		    pct_used(d->files, d->files_avail));
	}
}
