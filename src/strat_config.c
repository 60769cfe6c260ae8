/*
 * strat_config.c - the config strategy: check the unit's configuration
 * (cfgcheck.h) before restarting it, and never restart it on one known
 * to be bad.
 *
 *   every check passes   restart and verify, as `restart` does
 *   a problem            no restart: heal_conflict() with the exact
 *                        problem, so the heal escalates to a human
 *   rollback = yes, and every problem is one a good copy may cure (a
 *   config file missing or unreadable, the validator failing)
 *                        put back each config file that differs from
 *                        its last-known-good copy (rollback.h), the
 *                        broken file kept beside it; check again;
 *                        restart and verify.  If the checks still
 *                        fail, the good copies stay in place (they are
 *                        what last worked; the broken files sit beside
 *                        them) and the heal escalates naming both.
 *
 * In a dry run the checks run (they change nothing) and the detail says
 * what would have been done.
 */
#include "cfgcheck.h"
#include "log.h"
#include "rollback.h"
#include "strategy.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CUT_MARK " [...]"

/* str_fmt that says so when it had to cut. */
static void
say(char *dst, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
say(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (n == 0)
		return;
	va_start(ap, fmt);
	r = vsnprintf(dst, n, fmt, ap);
	va_end(ap);
	if (r < 0)
		dst[0] = '\0';
	else if ((size_t)r >= n && n >= sizeof CUT_MARK)
		memcpy(dst + n - sizeof CUT_MARK, CUT_MARK, sizeof CUT_MARK);
}

static int
config_applies(struct heal *h, char *why, size_t n)
{
	if (h->pol.config->n > 0 || h->pol.validate->n > 0 ||
	    h->pol.env->n > 0)
		return 1;
	str_fmt(why, n, "no config, validate or env set for %s", h->unit);
	return 0;
}

/* detail[n]: what was done, how the restart went, then (cut first
 * when long) what was wrong before. */
static enum strat_status
restart_after(struct heal *h, const char *did, const char *was,
    char *detail, size_t n)
{
	char how[HEAL_DETAIL_MAX];
	enum strat_status st = heal_restart(h, how, sizeof how);

	say(detail, n, "%s; %s%s%s", did, how, was[0] ? "; it was: " : "",
	    was);
	return st;
}

static enum strat_status
valid(struct heal *h, const struct cfg_result *r, char *detail, size_t n)
{
	char did[HEAL_DETAIL_MAX];

	if (r->notes[0] != '\0')
		say(did, sizeof did, "configuration valid (not checked: %s)",
		    r->notes);
	else
		str_copy(did, sizeof did, "configuration valid");
	return restart_after(h, did, "", detail, n);
}

/* No restart: the heal stops here and a human gets the problem. */
static enum strat_status
escalate(struct heal *h, const struct cfg_result *r, const char *more,
    char *detail, size_t n)
{
	const char *sep = more[0] ? "; " : "";

	if (h->dry_run) {
		heal_conflict(h, "dry run: configuration invalid, would not "
		    "restart: %s%s%s", r->text, sep, more);
		say(detail, n, "dry run: would escalate, not restart: %s%s%s",
		    r->text, sep, more);
		return SS_SKIPPED;
	}
	heal_conflict(h, "configuration invalid, not restarted: %s%s%s",
	    r->text, sep, more);
	say(detail, n, "not restarted: %s%s%s", r->text, sep, more);
	return SS_FAILED;
}

/* ---- rollback ---- */

struct plan {
	unsigned n;
	struct rollback_meta m[CONF_FILES_MAX];
	char broken[CONF_FILES_MAX][CONF_PATH_MAX + 64];
};

/* The config files to put back: those that differ from a good copy.
 * 0, or -1 with why[n] when a good copy cannot cure the problems. */
static int
plan_restore(struct heal *h, const struct cfg_result *r, struct plan *pl,
    char *why, size_t n)
{
	const struct conf_paths *cf = h->pol.config;
	const char *dir = h->conf->state_dir;
	char err[256];
	unsigned i, copies = 0;
	int k;

	pl->n = 0;
	for (i = 0; i < cf->n; i++) {
		struct rollback_meta *m = &pl->m[pl->n];

		k = rollback_find(dir, h->unit, cf->v[i], m, err, sizeof err);
		if (k < 0) {
			str_fmt(why, n, "not rolled back: %s", err);
			return -1;
		}
		if (k == 0 && (r->bad_files & (1u << i))) {
			str_fmt(why, n, "not rolled back: no good copy of %s "
			    "was ever taken", cf->v[i]);
			return -1;
		}
		if (k == 0)
			continue;
		copies++;
		k = rollback_differs(dir, h->unit, m, err, sizeof err);
		if (k < 0) {
			str_fmt(why, n, "not rolled back: %s", err);
			return -1;
		}
		if (k == 1)
			pl->n++;
	}
	if (copies == 0) {
		str_copy(why, n, "not rolled back: no good copy was ever "
		    "taken (ansai enable takes one while the unit is up)");
		return -1;
	}
	if (pl->n == 0) {
		str_copy(why, n, "not rolled back: the files in place are "
		    "their good copies");
		return -1;
	}
	return 0;
}

/* "restored F from the good copy of T; broken file kept as B, ..." */
static void
describe(const struct plan *pl, unsigned done, char *out, size_t n)
{
	char when[32];
	unsigned i;

	out[0] = '\0';
	for (i = 0; i < done; i++) {
		time_iso(when, sizeof when, pl->m[i].taken);
		str_append(out, n, "%srestored %s from the good copy of %s; "
		    "%s%s", i ? "; " : "", pl->m[i].path, when,
		    pl->broken[i][0] ? "broken file kept as " :
		    "it was missing", pl->broken[i]);
	}
}

static enum strat_status
dry_restore(struct heal *h, const struct plan *pl, char *detail, size_t n)
{
	char text[HEAL_DETAIL_MAX], when[32], broken[CONF_PATH_MAX + 64];
	int64_t now = (int64_t)time(NULL);
	unsigned i;

	text[0] = '\0';
	for (i = 0; i < pl->n; i++) {
		time_iso(when, sizeof when, pl->m[i].taken);
		if (rollback_broken_name(pl->m[i].path, now, 1, broken,
		    sizeof broken) < 0)
			str_copy(broken, sizeof broken, "?");
		str_append(text, sizeof text, "%s%s from the good copy of %s "
		    "(keeping the broken file as %s)", i ? ", " : "",
		    pl->m[i].path, when, broken);
	}
	say(detail, n, "dry run: would restore %s, check again and restart "
	    "%s", text, h->unit);
	return SS_SKIPPED;
}

static int
restore_all(struct heal *h, struct plan *pl, unsigned *done, char *why,
    size_t n)
{
	int64_t now = (int64_t)time(NULL);
	char when[32];
	unsigned i;

	*done = 0;
	for (i = 0; i < pl->n; i++) {
		if (rollback_restore(h->conf->state_dir, h->unit, &pl->m[i],
		    now, pl->broken[i], sizeof pl->broken[i], why, n) < 0)
			return -1;
		(*done)++;
		time_iso(when, sizeof when, pl->m[i].taken);
		logx(LOG_WARNING, "%s: RESTORED %s from the good copy of %s; "
		    "%s%s", h->unit, pl->m[i].path, when,
		    pl->broken[i][0] ? "the broken file is kept as " :
		    "it was missing", pl->broken[i]);
	}
	return 0;
}

static enum strat_status
roll_back(struct heal *h, const struct cfg_result *r, char *detail,
    size_t n)
{
	static struct plan pl;
	struct cfg_result again;
	char why[HEAL_DETAIL_MAX], did[HEAL_DETAIL_MAX];
	unsigned done;

	memset(&pl, 0, sizeof pl);
	if (plan_restore(h, r, &pl, why, sizeof why) < 0)
		return escalate(h, r, why, detail, n);
	logx(LOG_WARNING, "%s: configuration invalid: %s; rolling back",
	    h->unit, r->text);
	if (h->dry_run)
		return dry_restore(h, &pl, detail, n);
	if (restore_all(h, &pl, &done, why, sizeof why) < 0) {
		describe(&pl, done, did, sizeof did);
		heal_conflict(h, "configuration invalid, not restarted: %s; "
		    "restoring its good copy failed: %s%s%s", r->text, why,
		    done ? "; already " : "", did);
		say(detail, n, "not restarted: restoring the good copy "
		    "failed: %s%s%s", why, done ? "; already " : "", did);
		return SS_FAILED;
	}
	describe(&pl, done, did, sizeof did);
	/* The unit file is as it was: no second systemd-analyze. */
	if (cfg_check(h->unit, &h->pol, CFG_FILES | CFG_VALIDATE | CFG_ENV |
	    CFG_QUIET, &again) < 0 ||
	    again.problems > 0) {
		heal_conflict(h, "configuration still invalid after the "
		    "rollback, not restarted: %s; %s (the good copy stays in "
		    "place)", again.text, did);
		say(detail, n, "not restarted: still invalid after the "
		    "rollback: %s; %s", again.text, did);
		return SS_FAILED;
	}
	return restart_after(h, did, r->text, detail, n);
}

static enum strat_status
config_run(struct heal *h, char *detail, size_t n)
{
	struct cfg_result r;

	/* heal_conflict logs the problems; quiet avoids saying it twice. */
	if (cfg_check(h->unit, &h->pol, CFG_ALL | CFG_QUIET, &r) < 0) {
		say(detail, n, "could not check the configuration: %s",
		    r.text);
		return SS_FAILED;
	}
	if (r.problems == 0)
		return valid(h, &r, detail, n);
	if (!h->pol.rollback)
		return escalate(h, &r, "", detail, n);
	if (r.fixable < r.problems)
		return escalate(h, &r, "not rolled back: a good copy of the "
		    "config files cannot cure this", detail, n);
	return roll_back(h, &r, detail, n);
}

const struct strategy strat_config = {
	STRAT_CONFIG, config_applies, config_run
};
