/*
 * cause.h - why a service went down, classified from what systemd tells
 * the OnFailure= unit (MONITOR_SERVICE_RESULT, MONITOR_EXIT_CODE,
 * MONITOR_EXIT_STATUS, MONITOR_INVOCATION_ID) or, when those are absent,
 * from `systemctl show` (Result, ExecMainCode, ExecMainStatus).
 */
#ifndef ANSAI_CAUSE_H
#define ANSAI_CAUSE_H

#include <stddef.h>

#include "svc.h"

enum cause_kind {
	CAUSE_UNKNOWN,
	CAUSE_OOM,		/* the kernel's or systemd-oomd's OOM kill */
	CAUSE_SIGNAL,		/* killed by a signal */
	CAUSE_CORE,		/* killed by a signal and dumped core */
	CAUSE_EXIT,		/* exited with a non-zero code */
	CAUSE_TIMEOUT,		/* a start, stop or runtime timeout */
	CAUSE_WATCHDOG,		/* WatchdogSec= expired */
	CAUSE_START_LIMIT,	/* StartLimitBurst= reached */
	CAUSE_RESOURCES,	/* systemd could not set it up */
	CAUSE_OTHER,		/* a result systemd named but ansai does
				   not classify further */
};

struct cause {
	enum cause_kind kind;
	char result[24];	/* systemd's own word, "" when unknown */
	int code;		/* exit code for CAUSE_EXIT, else -1 */
	int signo;		/* signal for SIGNAL/CORE/OOM, else -1 */
	char invocation[40];	/* the failed run's InvocationID */
	const char *source;	/* "MONITOR_* variables", "systemctl show" */
};

/* Classify from the MONITOR_* strings (any may be NULL).  Returns 0 when
 * they were enough to classify, -1 when the caller should fall back to
 * systemctl show (c is then left initialised but unknown). */
int cause_from_monitor(const char *result, const char *exit_code,
    const char *exit_status, const char *invocation, struct cause *c);

void cause_from_show(const struct svc_show *s, struct cause *c);

/* Short stable tag for history lines: "oom-kill", "signal:KILL",
 * "core-dump:SEGV", "exit:1", "timeout", "watchdog", "start-limit-hit",
 * "resources", "other:protocol", "unknown". */
void cause_tag(const struct cause *c, char *buf, size_t n);

/* One sentence for a human: "killed by signal SIGKILL", "exited with
 * code 137 (128+9: a process it ran was killed by SIGKILL, which is
 * what the OOM killer sends)". */
void cause_describe(const struct cause *c, char *buf, size_t n);

#endif
