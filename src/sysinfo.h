/*
 * sysinfo.h - the machine's memory, swap, load, uptime and disk, read
 * from /proc and statvfs.  The parsers take text so tests can feed
 * them recorded files; the readers add the bounded reads.
 */
#ifndef ANSAI_SYSINFO_H
#define ANSAI_SYSINFO_H

#include <stddef.h>
#include <stdint.h>

#define SYSINFO_UNKNOWN UINT64_MAX

struct meminfo {		/* kB, SYSINFO_UNKNOWN when absent */
	uint64_t total, available, free, swap_total, swap_free;
};

struct loadavg {
	double one, five, fifteen;
	unsigned running, total;	/* runnable / all tasks */
};

struct diskinfo {
	char path[256];
	uint64_t total, avail;		/* bytes */
	uint64_t files, files_avail;	/* inodes */
	int ok;
};

struct sysinfo_snap {
	char host[65];			/* uname's nodename */
	struct meminfo mem;
	struct loadavg load;
	double uptime_sec;
	int mem_ok, load_ok, uptime_ok;
	struct diskinfo disk[2];	/* "/" and the state directory */
};

/* Parse /proc/meminfo text.  0 when MemTotal was found, else -1. */
int meminfo_parse(const char *text, struct meminfo *m);

/* Parse /proc/loadavg text ("0.12 0.34 0.56 1/234 5678").  0 or -1. */
int loadavg_parse(const char *text, struct loadavg *l);

/* Parse /proc/uptime text ("12345.67 2345.67").  0 or -1. */
int uptime_parse(const char *text, double *sec);

/* Read everything; what cannot be read is marked not ok. */
void sysinfo_read(struct sysinfo_snap *s, const char *state_dir);

/* Several lines for a report, each starting with two spaces. */
void sysinfo_format(const struct sysinfo_snap *s, char *buf, size_t n);

#endif
