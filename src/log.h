/*
 * log.h - the two tiers of output.
 *
 * Every message goes to standard error for the person or unit that runs
 * ansai.  With LOG_TO_JOURNAL it also goes to the journal through the
 * native protocol, tagged SYSLOG_IDENTIFIER=ansai-self-heal and, once
 * set, ANSAI_UNIT=<unit being healed>, so that
 * `journalctl -t ansai-self-heal` tells the story of every heal.  When
 * standard error already is the journal (ansai runs inside its unit),
 * the stderr copy is skipped so no line appears twice.
 *
 * Logging is the one piece of process-wide state: it is set once in
 * main before any work and only read afterwards.
 */
#ifndef ANSAI_LOG_H
#define ANSAI_LOG_H

#include <syslog.h>

#define LOG_IDENT "ansai-self-heal"

enum { LOG_TO_JOURNAL = 1, LOG_VERBOSE = 2 };

void log_open(const char *prog, int flags);
void log_set_unit(const char *unit);

/* Log at priority prio (LOG_CRIT ... LOG_DEBUG).  logx adds nothing;
 * log_errno appends ": strerror(errno)" using the errno at entry. */
void logx(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_errno(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* To the journal only (with LOG_TO_JOURNAL): for what the command
 * already told its user on standard output. */
void log_journal(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
