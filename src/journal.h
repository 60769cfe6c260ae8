/*
 * journal.h - the failed run's own journal lines, as evidence.
 *
 * journalctl runs with --all (so lines holding control bytes are shown,
 * not hidden as "[blob data]"), -n LINES, and, when the invocation id
 * of the failed run is known, a match on it so only that run's lines
 * come back.  Its output is capped, keeping the newest bytes, and then
 * cleaned: control bytes become \xNN and each line is bounded, with the
 * cut named in the line itself.
 */
#ifndef ANSAI_JOURNAL_H
#define ANSAI_JOURNAL_H

#include <stddef.h>

#define JOURNAL_LINE_MAX	400	/* bytes of one raw line kept */
#define JOURNAL_MARK_ROOM	48	/* " [... N more bytes]" */
#define JOURNAL_RAW_MAX		65536	/* journalctl output kept */
#define JOURNAL_TIMEOUT_MS	5000

/* Is s an invocation id (32 lowercase hex digits)? */
int journal_invocation_valid(const char *s);

/* Clean raw journalctl output (len bytes) into out[n], always
 * NUL-terminated: valid UTF-8 is kept; control bytes (C0, DEL, and the
 * C1 controls U+0080..U+009F) and bytes that are not valid UTF-8 become
 * \xNN, so a report is always valid UTF-8 text.  Each line is bounded
 * to JOURNAL_LINE_MAX raw bytes, the cut named in the line.  Returns
 * the number of lines written. */
unsigned journal_clean(const char *raw, size_t len, char *out, size_t n);

/* Fetch and clean.  invocation may be "" (then all of this boot's lines
 * for unit).  0, or -1 with why[wn] saying what failed. */
int journal_fetch(const char *unit, const char *invocation, unsigned lines,
    char *out, size_t n, char *why, size_t wn);

#endif
