/*
 * report.h - the heal report: one text file per heal in
 * STATE_DIR/reports/, mode 0600, created exclusively and never through
 * a symlink, named TIME-UNIT-PID.txt so names sort by age.  The oldest
 * are pruned beyond [heal] keep_reports.
 */
#ifndef ANSAI_REPORT_H
#define ANSAI_REPORT_H

#include <stddef.h>

#include "heal.h"

#define REPORT_MAX 65536	/* one rendered report */

/* Render h as text into buf[n] (always terminated; a report that does
 * not fit ends with a line saying so). */
void report_render(const struct heal *h, char *buf, size_t n);

/* Create STATE_DIR/reports (0700) if needed, choose the report's path
 * (kept in h->report_path, which the report itself names), render h
 * and write it there.  0, or -1 with why[wn]. */
int report_save(struct heal *h, char *why, size_t wn);

/* Remove the oldest reports beyond keep, by name (names start with
 * the time), but never current: a clock stepped back must not make
 * the report just written the "oldest".  Returns how many went. */
int report_prune(const char *state_dir, unsigned keep, const char *current);

/* mkdir -p for the state directory and its parents, mode 0700 for the
 * last component.  0 or -1/errno. */
int state_dir_make(const char *dir);

#endif
