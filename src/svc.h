/*
 * svc.h - a service as systemd sees it: `systemctl show` parsed into a
 * struct, and the few systemctl verbs ansai issues.
 *
 * systemctl runs as a child with an argv (see exec.h), "--" before the
 * unit name, a timeout and a cap on its output.  Parsing splits each
 * line at its first '='; "[not set]", an empty value, "infinity" and
 * 2^64-1 all mean "unknown", and a value too long for its field is
 * dropped and counted rather than cut.
 */
#ifndef ANSAI_SVC_H
#define ANSAI_SVC_H

#include <stddef.h>
#include <stdint.h>

#include "unitname.h"

/* How long one systemctl call may take, and how much it may print. */
#define SVC_TIMEOUT_MS		10000
#define SVC_RELOAD_TIMEOUT_MS	90000
#define SVC_OUT_MAX		16384

#define SVC_UNKNOWN (-1)

struct svc_show {
	char id[UNIT_NAME_MAX];
	char load_state[24];	/* loaded, not-found, masked, error ... */
	char active_state[24];	/* active, failed, activating ... */
	char sub_state[24];	/* running, failed, auto-restart ... */
	char result[24];	/* success, signal, oom-kill ... */
	char invocation_id[40];
	int exec_main_code;	/* CLD_EXITED 1, CLD_KILLED 2, CLD_DUMPED 3 */
	int exec_main_status;	/* exit status or signal number */
	long main_pid;		/* 0: none */
	long n_restarts;	/* SVC_UNKNOWN when not reported */
	char restart[24];	/* the Restart= setting */
	uint64_t exit_usec;	/* ExecMainExitTimestampMonotonic, 0: none */
	uint64_t inactive_usec;	/* InactiveEnterTimestampMonotonic */
	uint64_t change_usec;	/* StateChangeTimestampMonotonic */
	char fragment[256];	/* FragmentPath */
	char user[64];
	char on_failure[512];
	char cgroup[512];	/* ControlGroup */
	int dropped;		/* values that did not fit their field, and
				   lines too long to read */
};

/* The property list ansai asks for, comma-separated for `-p`. */
extern const char svc_show_props[];

/* Parse one block of `systemctl show` output (up to a blank line or
 * the end of buf).  Fields not present stay unknown.  Returns a
 * pointer just past the block, for output that lists several units. */
const char *svc_show_parse(const char *buf, struct svc_show *s);

void svc_show_init(struct svc_show *s);

/* Is the unit up, or is systemd itself bringing it back?  (active,
 * activating, reloading, or a pending automatic restart.) */
int svc_is_handled(const struct svc_show *s);

/* systemctl show for one unit.  0, or -1 with why[n] filled. */
int svc_query(const char *unit, struct svc_show *s, char *why, size_t n);

/* `systemctl VERB -- UNIT`, waiting for the job at most timeout_ms;
 * unit NULL for daemon-reload.  0 when it succeeded; -1 when it failed,
 * with why[n] holding systemctl's own words; SVC_TIMED_OUT when the
 * job was still running at the deadline (systemctl is then killed; the
 * job itself goes on inside systemd). */
#define SVC_TIMED_OUT (-2)
int svc_ctl(const char *verb, const char *unit, int timeout_ms,
    char *why, size_t n);

/* `systemctl show -p PROPS -- UNIT` verbatim into out[n], for the
 * properties only one strategy needs.  0, or -1 with why[wn]. */
int svc_props(const char *unit, const char *props, char *out, size_t n,
    char *why, size_t wn);

/* The value of KEY in `systemctl show` text, into val[n]: 0 when found
 * and it fitted, -1 when absent or too long for val. */
int svc_prop(const char *text, const char *key, char *val, size_t n);

/* `systemctl status --full -n 0 -- UNIT` into out[n] (exit 3, "not
 * running", is not an error here).  0 or -1. */
int svc_status_text(const char *unit, char *out, size_t n);

#endif
