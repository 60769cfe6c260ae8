/* heal.c - see heal.h. */
#include "heal.h"
#include "analyse.h"
#include "journal.h"
#include "lock.h"
#include "ratelimit.h"
#include "rollback.h"
#include "strategy.h"
#include "log.h"
#include "tcp.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

/* Polling: fast until the service serves, so downtime is measured
 * closely; slower while it only has to stay up. */
#define POLL_FAST_MS	20
#define POLL_SLOW_MS	100
#define PROBE_MS	200

static const struct strategy *const strategies[STRAT_COUNT] = {
	[STRAT_RESTART] = &strat_restart,
	[STRAT_PORT] = &strat_port,
	[STRAT_CONFIG] = &strat_config,
};

const char *
heal_result_word(enum heal_result r)
{
	switch (r) {
	case HEAL_HEALED:
		return "healed";
	case HEAL_NOT_HEALED:
		return "not-healed";
	case HEAL_NOTHING:
		return "nothing-to-do";
	case HEAL_DRY_RUN:
		return "dry-run";
	case HEAL_NO_UNIT:
		return "no-such-unit";
	case HEAL_ERROR:
		return "error";
	case HEAL_RATE_LIMITED:
		return "rate-limited";
	case HEAL_SUPPRESSED:
		return "suppressed";
	case HEAL_BUSY:
		return "busy";
	}
	return "?";
}

const char *
strat_status_word(enum strat_status s)
{
	switch (s) {
	case SS_OK:
		return "ok";
	case SS_FAILED:
		return "failed";
	case SS_SKIPPED:
		return "skipped";
	default:
		return "not-run";
	}
}

void
heal_init(struct heal *h, const struct conf *conf,
    const struct conf_errors *conf_errs, const char *unit, int dry_run)
{
	memset(h, 0, sizeof *h);
	h->conf = conf;
	h->conf_errs = conf_errs;
	str_copy(h->unit, sizeof h->unit, unit);
	conf_policy(conf, unit, &h->pol);
	h->dry_run = dry_run;
	h->lock_fd = -1;
	h->started = (int64_t)time(NULL);
	h->started_usec = mono_usec();
	svc_show_init(&h->before);
	svc_show_init(&h->after);
}

long
heal_downtime_ms(const struct heal *h)
{
	if (h->failed_usec == 0 || h->serving_usec < h->failed_usec)
		return -1;
	return (long)((h->serving_usec - h->failed_usec) / 1000);
}

/* Evidence is gathered once, after the first action was issued (or at
 * the end when none was), so it never delays recovery. */
void
heal_gather(struct heal *h, int again)
{
	if (h->have_evidence && !again)
		return;
	if (again && h->have_evidence) {
		if (journal_fetch(h->unit, h->cause.invocation,
		    h->conf->journal_lines, h->journal, sizeof h->journal,
		    h->journal_why, sizeof h->journal_why) < 0)
			logx(LOG_WARNING, "%s: journal lines unavailable: %s",
			    h->unit, h->journal_why);
		return;
	}
	h->have_evidence = 1;
	if (journal_fetch(h->unit, h->cause.invocation, h->conf->journal_lines,
	    h->journal, sizeof h->journal, h->journal_why,
	    sizeof h->journal_why) < 0)
		logx(LOG_WARNING, "%s: journal lines unavailable: %s",
		    h->unit, h->journal_why);
	if (svc_status_text(h->unit, h->status, sizeof h->status) < 0)
		str_copy(h->status, sizeof h->status,
		    "(systemctl status printed nothing)\n");
	sysinfo_read(&h->sys, h->conf->state_dir);
}

/* ---- verification ---- */

enum up_state { UP_WAIT, UP_OK, UP_FAIL };

struct watch {
	const char *old_inv;	/* the failed run's id; "" unknown */
	char inv[40];		/* the new run's id once seen active */
	uint64_t active_usec;	/* first seen active */
	int port_ok;
	uint64_t deadline;	/* to become active and serving */
};

/* One look at the unit; fills why[n] on UP_FAIL. */
static enum up_state
look(struct heal *h, struct watch *w, char *why, size_t n)
{
	uint64_t now;
	struct svc_show s;
	char err[256];

	if (svc_query(h->unit, &s, err, sizeof err) < 0) {
		str_fmt(why, n, "cannot read its state: %s", err);
		return UP_FAIL;
	}
	now = mono_usec();
	/* Until the restart job has run, systemd still shows the old,
	 * failed run: that is not a new failure. */
	if (w->old_inv[0] != '\0' &&
	    strcmp(s.invocation_id, w->old_inv) == 0) {
		if (now > w->deadline) {
			str_fmt(why, n, "the restart did not begin within "
			    "%d s", HEAL_START_WAIT_MS / 1000);
			return UP_FAIL;
		}
		return UP_WAIT;
	}
	if (strcmp(s.active_state, "active") == 0 &&
	    strcmp(s.sub_state, "auto-restart") != 0) {
		if (w->active_usec == 0) {
			w->active_usec = now;
			str_copy(w->inv, sizeof w->inv, s.invocation_id);
		} else if (strcmp(w->inv, s.invocation_id) != 0) {
			str_copy(why, n, "it fell over and was restarted by "
			    "systemd while being watched");
			return UP_FAIL;
		}
		if (h->pol.port && !w->port_ok) {
			w->port_ok = tcp_probe_local(h->pol.port, PROBE_MS);
			now = mono_usec();
		}
		if (h->serving_usec == 0 && (!h->pol.port || w->port_ok))
			h->serving_usec = now;
		if (h->serving_usec != 0 && now - w->active_usec >=
		    (uint64_t)h->pol.stabilize_sec * 1000000u)
			return UP_OK;
		if (h->serving_usec == 0 && now > w->deadline) {
			str_fmt(why, n, "active, but nothing accepts "
			    "connections on port %u after %d s",
			    h->pol.port, HEAL_START_WAIT_MS / 1000);
			return UP_FAIL;
		}
		return UP_WAIT;
	}
	if (strcmp(s.active_state, "activating") == 0 ||
	    strcmp(s.active_state, "reloading") == 0) {
		if (strcmp(s.sub_state, "auto-restart") == 0) {
			str_fmt(why, n, "it failed again (result %s); "
			    "systemd is restarting it", s.result[0] ?
			    s.result : "unknown");
			return UP_FAIL;
		}
		if (now > w->deadline) {
			str_fmt(why, n, "still %s/%s after %d s",
			    s.active_state, s.sub_state,
			    HEAL_START_WAIT_MS / 1000);
			return UP_FAIL;
		}
		return UP_WAIT;
	}
	str_fmt(why, n, "it fell over again: %s/%s, result %s",
	    s.active_state, s.sub_state, s.result[0] ? s.result : "unknown");
	return UP_FAIL;
}

static enum strat_status
verify_up(struct heal *h, const char *old_inv, char *detail, size_t n)
{
	struct watch w;
	enum up_state st;

	memset(&w, 0, sizeof w);
	w.old_inv = old_inv;
	w.deadline = mono_usec() + (uint64_t)HEAL_START_WAIT_MS * 1000;
	h->serving_usec = 0;
	heal_gather(h, 0);
	while ((st = look(h, &w, detail, n)) == UP_WAIT)
		sleep_ms(h->serving_usec ? POLL_SLOW_MS : POLL_FAST_MS);
	if (st == UP_FAIL) {
		h->serving_usec = 0;
		return SS_FAILED;
	}
	if (h->pol.port)
		str_fmt(detail, n, "active, accepting on port %u, stable for "
		    "%u s", h->pol.port, h->pol.stabilize_sec);
	else
		str_fmt(detail, n, "active and stable for %u s",
		    h->pol.stabilize_sec);
	return SS_OK;
}

/* ---- restart, and what other strategies share ---- */

void
heal_conflict(struct heal *h, const char *fmt, ...)
{
	va_list ap;

	h->conflict = 1;
	va_start(ap, fmt);
	vsnprintf(h->esc.reason, sizeof h->esc.reason, fmt, ap);
	va_end(ap);
	logx(LOG_WARNING, "%s: %s", h->unit, h->esc.reason);
}

/* systemd refuses a start past StartLimitBurst= and says so in the
 * journal under the failed run's invocation id.  Result= does not show
 * it when the limit was reached through Restart=: it keeps the result
 * of the last run. */
static int
start_limit_hit(struct heal *h)
{
	static const char msg[] = "Start request repeated too quickly";

	if (h->cause.kind == CAUSE_START_LIMIT)
		return 1;
	heal_gather(h, 1);	/* fetch again: the refusal is new */
	if (strstr(h->journal, msg) == NULL)
		return 0;
	h->cause.kind = CAUSE_START_LIMIT;
	return 1;
}

static int
do_restart(struct heal *h, char *err, size_t n)
{
	logx(LOG_INFO, "%s: restarting", h->unit);
	if (h->restart_usec == 0)
		h->restart_usec = mono_usec();
	return svc_ctl("restart", h->unit, HEAL_START_WAIT_MS, err, n);
}

enum strat_status
heal_restart(struct heal *h, char *detail, size_t n)
{
	int limit = h->cause.kind == CAUSE_START_LIMIT;
	char err[256];
	int r = 0;

	if (h->dry_run) {
		str_fmt(detail, n, "dry run: would run %ssystemctl restart %s",
		    limit ? "systemctl reset-failed, then " : "", h->unit);
		return SS_SKIPPED;
	}
	if (!limit)
		r = do_restart(h, err, sizeof err);
	if (limit || (r == -1 && start_limit_hit(h))) {
		logx(LOG_NOTICE, "%s: systemd's start limit was hit: "
		    "reset-failed, then restart", h->unit);
		if (svc_ctl("reset-failed", h->unit, SVC_TIMEOUT_MS, err,
		    sizeof err) != 0) {
			str_fmt(detail, n, "systemctl reset-failed: %s", err);
			return SS_FAILED;
		}
		r = do_restart(h, err, sizeof err);
	}
	/* A job still running at the deadline is judged by verify_up. */
	if (r == -1) {
		str_fmt(detail, n, "systemctl restart: %s", err);
		heal_gather(h, 0);
		return SS_FAILED;
	}
	return verify_up(h, h->before.invocation_id, detail, n);
}

static int
restart_applies(struct heal *h, char *why, size_t n)
{
	(void)h;
	(void)why;
	(void)n;
	return 1;
}

const struct strategy strat_restart = {
	STRAT_RESTART, restart_applies, heal_restart
};

/* ---- the flow ---- */

static void
detect_cause(struct heal *h)
{
	const char *inv = getenv("MONITOR_INVOCATION_ID");

	/* MONITOR_* describe the run that triggered us; if systemd has
	 * started another run since, they are stale. */
	if (inv != NULL && h->before.invocation_id[0] != '\0' &&
	    strcmp(inv, h->before.invocation_id) != 0)
		logx(LOG_NOTICE, "%s: MONITOR_INVOCATION_ID %s is not the "
		    "current run %s", h->unit, inv, h->before.invocation_id);
	if (cause_from_monitor(getenv("MONITOR_SERVICE_RESULT"),
	    getenv("MONITOR_EXIT_CODE"), getenv("MONITOR_EXIT_STATUS"),
	    inv, &h->cause) < 0)
		cause_from_show(&h->before, &h->cause);
	if (h->cause.invocation[0] == '\0')
		str_copy(h->cause.invocation, sizeof h->cause.invocation,
		    h->before.invocation_id);
	h->failed_usec = h->before.exit_usec ? h->before.exit_usec :
	    h->before.inactive_usec ? h->before.inactive_usec :
	    h->before.change_usec;
}

static void
try_strategies(struct heal *h)
{
	unsigned i;

	for (i = 0; i < h->pol.strategies.n; i++) {
		const struct strategy *st =
		    strategies[h->pol.strategies.id[i]];
		struct strat_outcome *o = &h->strats[h->nstrats++];
		uint64_t t0 = mono_usec();

		o->id = st->id;
		if (!st->applies(h, o->detail, sizeof o->detail)) {
			o->status = SS_SKIPPED;
			logx(LOG_INFO, "%s: strategy %s skipped: %s", h->unit,
			    strat_name(o->id), o->detail);
			continue;
		}
		o->status = st->run(h, o->detail, sizeof o->detail);
		o->ms = (long)((mono_usec() - t0) / 1000);
		logx(o->status == SS_FAILED ? LOG_WARNING : LOG_INFO,
		    "%s: strategy %s %s after %ld ms: %s", h->unit,
		    strat_name(o->id), strat_status_word(o->status), o->ms,
		    o->detail);
		if (o->status == SS_OK) {
			h->result = HEAL_HEALED;
			return;
		}
		if (h->conflict)
			break;
	}
	h->result = h->dry_run ? HEAL_DRY_RUN : HEAL_NOT_HEALED;
}

/* Fill the escalation: the reason, and the exact commands a human
 * should run, starting with how to reach this machine. */
static void
escalate(struct heal *h, const char *reason)
{
	struct escalation *e = &h->esc;
	struct utsname u;
	char target[160];
	unsigned k = 0;

	e->needed = 1;
	e->critical = h->pol.critical;
	if (reason != NULL)
		str_copy(e->reason, sizeof e->reason, reason);
	if (h->conf->ssh_target[0] != '\0')
		str_copy(target, sizeof target, h->conf->ssh_target);
	else if (uname(&u) == 0)
		str_fmt(target, sizeof target, "root@%s", u.nodename);
	else
		str_copy(target, sizeof target, "root@THIS-HOST");
	str_fmt(e->cmds[k++], sizeof e->cmds[0], "ssh %s", target);
	str_fmt(e->cmds[k++], sizeof e->cmds[0], "systemctl status %s",
	    h->unit);
	str_fmt(e->cmds[k++], sizeof e->cmds[0], "journalctl -u %s -b",
	    h->unit);
	if (h->cause.invocation[0])
		str_fmt(e->cmds[k++], sizeof e->cmds[0],
		    "journalctl _SYSTEMD_INVOCATION_ID=%s",
		    h->cause.invocation);
	if (h->pol.port && k < HEAL_CMDS_MAX - 1)
		str_fmt(e->cmds[k++], sizeof e->cmds[0], "ansai port %u",
		    h->pol.port);
	str_fmt(e->cmds[k++], sizeof e->cmds[0],
	    "systemctl restart %s   # once the cause is fixed", h->unit);
	e->ncmds = k;
	/* One escalation per window: within it, a further one is the
	 * same news and is recorded, not raised again. */
	if (h->rl_escalations > 0) {
		char when[32];

		e->repeat = 1;
		e->first = h->rl_last_escalation;
		time_iso(when, sizeof when, e->first);
		logx(LOG_ERR, "%s: still down%s: %s (a human was already "
		    "alerted at %s)", h->unit, e->critical ?
		    " (critical unit)" : "", e->reason, when);
		return;
	}
	logx(LOG_CRIT, "%s: ESCALATED%s: %s", h->unit,
	    e->critical ? " (critical unit)" : "", e->reason);
}

/* Over max_heals in window_sec: do not touch the unit.  Returns 1 when
 * the heal stops here. */
static int
rate_limited(struct heal *h)
{
	struct rl_state st;
	char why[HEAL_DETAIL_MAX], until[32];
	enum rl_verdict v;

	v = ratelimit_check(h->conf->state_dir, h->unit, h->pol.max_heals,
	    h->pol.window_sec, h->started, &st);
	h->rl_heals = st.heals;
	h->rl_escalated = st.escalated;
	h->rl_escalations = st.escalations;
	h->rl_last_escalation = st.last_escalation;
	if (st.bad)
		logx(LOG_WARNING, "%s: %u unreadable history lines ignored "
		    "by the rate limit", h->unit, st.bad);
	if (st.future)
		logx(LOG_WARNING, "%s: %u history lines are dated in the "
		    "future (was the clock stepped back?); not counted",
		    h->unit, st.future);
	if (v == RL_ALLOW)
		return 0;
	time_iso(until, sizeof until, st.oldest + (int64_t)h->pol.window_sec);
	str_fmt(why, sizeof why, "rate limit: %u heals in the last %u s "
	    "(max_heals = %u); ansai will not restart it again before %s, "
	    "when the oldest leaves the window", st.heals, h->pol.window_sec,
	    h->pol.max_heals, until);
	if (h->dry_run) {
		h->result = HEAL_DRY_RUN;
		str_fmt(h->summary, sizeof h->summary, "dry run: a heal now "
		    "would be refused: %s", why);
		return 1;
	}
	if (v == RL_ESCALATE) {
		h->result = HEAL_RATE_LIMITED;
		str_copy(h->summary, sizeof h->summary, why);
		heal_gather(h, 0);
		escalate(h, why);
	} else {
		char when[32];

		h->result = HEAL_SUPPRESSED;
		time_iso(when, sizeof when, st.escalated);
		str_fmt(h->summary, sizeof h->summary, "%s; a human was "
		    "told at %s", why, when);
		logx(LOG_WARNING, "%s: %s", h->unit, h->summary);
	}
	return 1;
}

static int
take_lock(struct heal *h)
{
	char why[256];
	int r;

	r = lock_unit(h->conf->state_dir, h->unit, &h->lock_fd, why,
	    sizeof why);
	if (r == 1) {
		str_copy(h->summary, sizeof h->summary, "another heal of "
		    "this unit is running; this trigger is recorded only");
		logx(LOG_NOTICE, "%s: %s", h->unit, h->summary);
		h->result = HEAL_BUSY;
		return -1;
	}
	/* Without a lock the heal still goes on: a heal refused because
	 * the state directory is broken would be the worse failure. */
	if (r < 0)
		logx(LOG_WARNING, "%s: healing without a lock: %s", h->unit,
		    why);
	return 0;
}

/* rollback = yes: a unit just verified healthy gives the new
 * last-known-good copies of its files.  It runs after the service
 * serves again, so it never adds to the downtime. */
static void
keep_good_copies(struct heal *h)
{
	char why[512];
	int k;

	if (h->dry_run)
		return;
	k = rollback_snapshot(h->conf, h->unit, why, sizeof why);
	if (k > 0)
		logx(LOG_INFO, "%s: %s", h->unit, why);
	else if (k < 0)
		logx(LOG_WARNING, "%s: no good copy taken: %s", h->unit, why);
}

/* What is known before the first action (the exit status) may show
 * that a restart cannot help; the analyser then moves the strategy
 * that can to the front.  It never adds one the user did not list. */
static void
suggest_order(struct heal *h)
{
	struct strat_list order;
	char was[64], now[64];
	unsigned i;

	/* A service that exited with an error may have said "address
	 * already in use": its journal is read before the restart only
	 * then, and only when the port strategy could act on it (about
	 * 20 ms, local).  A killed service is restarted at once. */
	for (i = 0; i < h->pol.strategies.n; i++)
		if (h->pol.strategies.id[i] == STRAT_PORT && i > 0 &&
		    h->cause.kind == CAUSE_EXIT)
			heal_gather(h, 0);
	if (!analyse_suggest_order(h, &order))
		return;
	strat_list_format(&h->pol.strategies, was, sizeof was);
	strat_list_format(&order, now, sizeof now);
	logx(LOG_INFO, "%s: the evidence points past a restart: trying %s "
	    "(configured: %s)", h->unit, now, was);
	h->pol.strategies = order;
}

enum heal_result
heal_inspect(struct heal *h)
{
	char why[256];

	if (svc_query(h->unit, &h->before, why, sizeof why) < 0) {
		str_fmt(h->summary, sizeof h->summary,
		    "could not read the unit's state: %s", why);
		return h->result = HEAL_ERROR;
	}
	if (strcmp(h->before.load_state, "not-found") == 0) {
		str_copy(h->summary, sizeof h->summary,
		    "systemd knows no such unit");
		return h->result = HEAL_NO_UNIT;
	}
	detect_cause(h);
	/* A unit running again: its last failure is somewhere in this
	 * boot's journal, not in the current run's lines. */
	if (svc_is_handled(&h->before))
		h->cause.invocation[0] = '\0';
	heal_gather(h, 0);
	h->after = h->before;
	str_fmt(h->summary, sizeof h->summary, "inspected: %s/%s, result %s",
	    h->before.active_state, h->before.sub_state,
	    h->before.result[0] ? h->before.result : "unknown");
	return h->result = HEAL_DRY_RUN;
}

/* The status taken while the restart ran would show a run that has
 * since failed; a human reading an escalation needs the state now. */
static void
refresh_status(struct heal *h)
{
	if (svc_status_text(h->unit, h->status, sizeof h->status) < 0)
		str_copy(h->status, sizeof h->status,
		    "(systemctl status printed nothing)\n");
}

/* inactive with Result=success: someone stopped it on purpose. */
static int
stopped_cleanly(const struct svc_show *s)
{
	return strcmp(s->active_state, "inactive") == 0 &&
	    strcmp(s->result, "success") == 0;
}

enum heal_result
heal_run(struct heal *h)
{
	char why[256], desc[256];

	if (!h->dry_run && take_lock(h) < 0)
		return h->result;
	if (svc_query(h->unit, &h->before, why, sizeof why) < 0) {
		logx(LOG_ERR, "%s: cannot read its state: %s", h->unit, why);
		str_fmt(h->summary, sizeof h->summary,
		    "could not read the unit's state: %s", why);
		return h->result = HEAL_ERROR;
	}
	if (strcmp(h->before.load_state, "not-found") == 0) {
		logx(LOG_ERR, "%s: no such unit; nothing done", h->unit);
		str_copy(h->summary, sizeof h->summary,
		    "systemd knows no such unit; nothing was done");
		return h->result = HEAL_NO_UNIT;
	}
	if (svc_is_handled(&h->before) || stopped_cleanly(&h->before)) {
		str_fmt(h->summary, sizeof h->summary, "the unit is %s/%s: "
		    "%s; nothing done", h->before.active_state,
		    h->before.sub_state, stopped_cleanly(&h->before) ?
		    "it was stopped, it did not fail, and ansai does not "
		    "start what someone stopped" :
		    "it is up or systemd is bringing it back");
		logx(LOG_INFO, "%s: %s", h->unit, h->summary);
		h->result = HEAL_NOTHING;
		detect_cause(h);
		heal_gather(h, 0);
		h->after = h->before;
		return h->result;
	}
	detect_cause(h);
	cause_describe(&h->cause, desc, sizeof desc);
	logx(LOG_NOTICE, "%s: down (%s/%s): %s", h->unit,
	    h->before.active_state, h->before.sub_state, desc);
	if (h->conf_errs != NULL)
		logx(LOG_WARNING, "%s: configuration %s is broken; healing "
		    "with built-in defaults", h->unit, h->conf->path);
	if (rate_limited(h)) {
		h->after = h->before;
		return h->result;
	}

	suggest_order(h);
	try_strategies(h);
	heal_gather(h, 0);
	if (svc_query(h->unit, &h->after, why, sizeof why) < 0)
		logx(LOG_WARNING, "%s: final state unreadable: %s", h->unit,
		    why);

	if (h->result == HEAL_HEALED) {
		long d = heal_downtime_ms(h);

		if (d >= 0)
			str_fmt(h->summary, sizeof h->summary, "serving again "
			    "%ld.%03ld s after the failure", d / 1000,
			    d % 1000);
		else
			str_copy(h->summary, sizeof h->summary,
			    "serving again");
		logx(LOG_NOTICE, "%s: healed: %s", h->unit, h->summary);
		keep_good_copies(h);
	} else if (h->result == HEAL_DRY_RUN) {
		str_copy(h->summary, sizeof h->summary,
		    "dry run: nothing was changed");
	} else if (h->conflict) {
		refresh_status(h);
		str_fmt(h->summary, sizeof h->summary, "stopped: %s",
		    h->esc.reason);
		escalate(h, NULL);
	} else {
		refresh_status(h);
		str_copy(h->summary, sizeof h->summary, "every strategy "
		    "failed or none applied; a human is needed");
		escalate(h, h->summary);
	}
	return h->result;
}
