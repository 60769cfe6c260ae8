/*
 * history.h - one line per heal in STATE_DIR/history, newest last.
 *
 * A line is tab-separated, version first:
 *   v1 TIME UNIT RESULT CAUSE DOWNTIME_MS STRATEGIES REPORT
 * TIME is seconds since the epoch; DOWNTIME_MS is -1 when unknown;
 * STRATEGIES is "restart:ok,port:skipped"; REPORT is the report's path
 * or "-".  Each line is written with one write(2) on an O_APPEND file,
 * so concurrent heals never interleave.  When the file passes
 * HISTORY_ROTATE_BYTES it is renamed to history.1 (the previous
 * history.1 is dropped), which bounds the history at twice that size.
 */
#ifndef ANSAI_HISTORY_H
#define ANSAI_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "unitname.h"

#define HISTORY_ROTATE_BYTES	(256 * 1024)
#define HISTORY_LINE_MAX	1024

struct hist_entry {
	int64_t when;
	char unit[UNIT_NAME_MAX];
	char result[24];	/* healed, not-healed, nothing-to-do ... */
	char cause[48];
	long downtime_ms;
	char strategies[128];
	char report[256];
};

/* Format e as one line (with its newline) into buf[n]; -1 if it does
 * not fit or a field holds a tab or newline. */
int history_format(const struct hist_entry *e, char *buf, size_t n);

/* Parse one line (without or with its newline).  0, or -1 when the line
 * is not a v1 history line. */
int history_parse(const char *line, struct hist_entry *e);

/* Append e to dir/history, rotating first when needed.  0 or -1/errno. */
int history_append(const char *dir, const struct hist_entry *e);

/* Call fn for every entry, oldest first (history.1, then history);
 * unit NULL means all units.  Lines that do not parse are counted in
 * *bad.  Returns 0, or -1/errno when history exists but cannot be read;
 * a missing history is empty, not an error. */
int history_each(const char *dir, const char *unit,
    void (*fn)(const struct hist_entry *, void *), void *arg,
    unsigned *bad);

#endif
