/*
 * heal.h - the main job: confirm a unit is down, recover it with the
 * configured strategies in order, verify it stays up, and gather the
 * evidence a human (and the report) needs.
 *
 * A strategy is one entry in the table in heal.c: a name, a test of
 * whether it applies to this failure, and a run function.  Nothing slow
 * runs before the first restart is issued: evidence is gathered once a
 * strategy has issued its action, while the service starts.
 */
#ifndef ANSAI_HEAL_H
#define ANSAI_HEAL_H

#include <stdint.h>

#include "cause.h"
#include "conf.h"
#include "svc.h"
#include "sysinfo.h"

#define HEAL_JOURNAL_MAX	24576	/* cleaned journal lines kept */
#define HEAL_STATUS_MAX		8192	/* systemctl status text kept */
#define HEAL_START_WAIT_MS	30000	/* restart issued -> active */
#define HEAL_DETAIL_MAX		512

enum heal_result {
	HEAL_HEALED,		/* up and stable */
	HEAL_NOT_HEALED,	/* every strategy failed or none applied */
	HEAL_NOTHING,		/* it was up, or systemd was restarting it */
	HEAL_DRY_RUN,		/* decided, changed nothing */
	HEAL_NO_UNIT,		/* systemd knows no such unit */
	HEAL_ERROR,		/* could not even ask systemd */
	HEAL_RATE_LIMITED,	/* over max_heals: not touched, escalated */
	HEAL_SUPPRESSED,	/* over it again: a human was already told */
	HEAL_BUSY,		/* another heal of this unit is running */
};

#define HEAL_CMDS_MAX 6

/*
 * Why and how a human must step in.  It is data, not text, so that the
 * report and each alert channel can render it in its own form; only the
 * report's own path is added by whoever knows it.
 */
struct escalation {
	int needed;
	int repeat;		/* a human was already alerted about this
				   unit within window_sec: recorded, not
				   raised again */
	int64_t first;		/* when that alert went out */
	int critical;
	char reason[HEAL_DETAIL_MAX];
	unsigned ncmds;
	char cmds[HEAL_CMDS_MAX][320];	/* exact commands, first: ssh */
};

enum strat_status { SS_NOT_RUN, SS_OK, SS_FAILED, SS_SKIPPED };

struct strat_outcome {
	enum strat_id id;
	enum strat_status status;
	long ms;
	char detail[HEAL_DETAIL_MAX];
};

struct analysis;
struct ai_answer;

struct heal {
	/* given */
	const struct conf *conf;
	const struct conf_errors *conf_errs;	/* non-NULL: broken file */
	char unit[UNIT_NAME_MAX];
	struct unit_policy pol;
	int dry_run;

	/* detection */
	int64_t started;		/* wall clock, seconds */
	uint64_t started_usec;		/* monotonic */
	uint64_t failed_usec;		/* when it went down; 0 unknown */
	struct svc_show before;
	struct cause cause;

	/* recovery */
	struct strat_outcome strats[STRATS_MAX];
	unsigned nstrats;
	enum heal_result result;
	uint64_t restart_usec;		/* first restart issued; 0 none */
	uint64_t serving_usec;		/* verified serving; 0 never */
	char summary[HEAL_DETAIL_MAX];

	/* escalation: set when a human is needed */
	int conflict;			/* a strategy found what it must
					   not fix: stop, escalate */
	struct escalation esc;
	int lock_fd;			/* held until ansai exits */
	unsigned rl_heals;		/* heals counted in the window */
	int64_t rl_escalated;		/* when the limit last escalated */
	unsigned rl_escalations;	/* escalations in the window */
	int64_t rl_last_escalation;

	/* evidence */
	int have_evidence;
	struct sysinfo_snap sys;
	char journal[HEAL_JOURNAL_MAX];
	char journal_why[256];
	char status[HEAL_STATUS_MAX];
	struct svc_show after;
	char report_path[256];

	/* understanding: set by the caller before the report */
	const struct analysis *analysis;	/* built-in, always */
	const struct ai_answer *ai;		/* NULL: no model asked */
};


/* Fill h for one heal of unit; conf_errs non-NULL when the
 * configuration was broken and defaults are in use. */
void heal_init(struct heal *h, const struct conf *conf,
    const struct conf_errors *conf_errs, const char *unit, int dry_run);

/* Run the whole job; returns h->result.  Logs each step. */
enum heal_result heal_run(struct heal *h);

/* Only look: the state, the cause and the evidence of the unit's last
 * failure, for `ansai analyze`.  Changes and records nothing.  Returns
 * HEAL_DRY_RUN, or HEAL_NO_UNIT / HEAL_ERROR. */
enum heal_result heal_inspect(struct heal *h);

/* For strategies (see strategy.h). */

/* Restart the unit (reset-failed first when systemd's start limit
 * refuses it) and verify it stays up, as the restart strategy does. */
enum strat_status heal_restart(struct heal *h, char *detail, size_t n);

/* Gather the evidence if not done yet (journal, status, machine); with
 * again, fetch the journal anew. */
void heal_gather(struct heal *h, int again);

/* Record that a strategy found something it must not fix: no further
 * strategy runs, and the heal escalates with this reason. */
void heal_conflict(struct heal *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Milliseconds from failure to serving, -1 when unknown. */
long heal_downtime_ms(const struct heal *h);

const char *heal_result_word(enum heal_result r);
const char *strat_status_word(enum strat_status s);

#endif
