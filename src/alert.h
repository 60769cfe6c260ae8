/*
 * alert.h - what a human is told after a heal, as data that every
 * channel renders in its own form: an e-mail subject and body, a
 * webhook's JSON document, a Slack message.
 *
 * An alert is built once from a struct heal, then only read: it is
 * what the spool keeps (spool.h) and what every retry sends again, so
 * a message delivered an hour late says what the first one would have
 * said.  alert_from_heal cleans every field once (alert_clean), so
 * the renderers can trust it:
 *  - valid UTF-8: each byte that starts no valid sequence becomes '?';
 *  - no control bytes: '\n' is kept in the four analysis sections and
 *    the escalation reason; every other C0 or C1 control (CR, ESC,
 *    DEL, U+0080-U+009F) becomes a space, so nothing from a journal or
 *    a model can forge an e-mail header or move a terminal's cursor;
 *  - an id of [0-9A-Za-z-] only, as it names files in the spool.
 *
 * The webhook document, version 1.  Its field names and types are a
 * contract: fields may be added, none renamed or retyped without a new
 * version.
 *
 *   {"event": "ansai.heal", "version": 1,
 *    "id": "20261204T154231Z-9f1c0e2a7b3d4c5e",   unique per heal, the
 *                                                 same for every
 *                                                 channel and retry:
 *                                                 deduplicate on it
 *    "time": "2026-12-04T15:42:31Z",     RFC 3339, UTC: the failure
 *                                        was handled then
 *    "unit": "my-app.service", "host": "box",
 *    "result": "healed",       heal_result_word(): healed,
 *                              not-healed, rate-limited, ...
 *    "escalated": false,       a human must act
 *    "critical": false,        the unit is marked critical
 *    "cause": "killed by signal SIGKILL",   a sentence
 *    "cause_tag": "signal:KILL",            stable, as in the history
 *    "reason": "",             why it escalated, "" when it did not
 *    "summary": "serving again 0.412 s after the failure",
 *    "heal_ms": 412,           failure to serving again; null when
 *                              unknown or not healed
 *    "strategies": [{"name": "restart", "outcome": "ok", "ms": 380,
 *                    "detail": "..."}],      in the order run
 *    "analysis": {"root_cause", "why", "fix", "prevention",
 *                 "source": "built-in" | "model" | "none",
 *                 "model": "llama-3.1-8b-instant" or ""},
 *    "next_steps": ["ssh root@box", "systemctl status my-app.service"],
 *    "report": "/var/lib/ansai/reports/....txt", or null when none}
 */
#ifndef ANSAI_ALERT_H
#define ANSAI_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "heal.h"
#include "json.h"

#define ALERT_VERSION		1
#define ALERT_EVENT		"ansai.heal"
/* "20261204T154231Z-" and 16 hex digits: 33 bytes and a NUL. */
#define ALERT_ID_MAX		40
#define ALERT_STRATS_MAX	STRATS_MAX
/* The escalation's commands and "cat REPORT". */
#define ALERT_STEPS_MAX		(HEAL_CMDS_MAX + 2)
#define ALERT_STEP_MAX		320
/* Renderings of a full alert fit these (test/check_alert.c fills
 * every field to its size to check it): */
#define ALERT_SUBJECT_MAX	(UNIT_NAME_MAX + 64)
#define ALERT_TEXT_MAX		32768
/* A cleaned alert of '"' only doubles in JSON: about 30 KiB. */
#define ALERT_JSON_MAX		65536
/* Slack shows at most 40,000 characters of "text"; ours is cut (and
 * says so) well before, leaving room for JSON escapes. */
#define ALERT_SLACK_TEXT_MAX	30000

struct alert_strat {
	char name[16];
	char outcome[16];	/* strat_status_word() */
	long ms;
	char detail[HEAL_DETAIL_MAX];
};

struct alert {
	char id[ALERT_ID_MAX];
	int64_t time;			/* wall clock, seconds */
	char unit[UNIT_NAME_MAX];
	char host[65];
	char result[24];		/* heal_result_word() */
	int escalated;
	int critical;
	char cause[256];
	char cause_tag[64];
	char reason[HEAL_DETAIL_MAX];	/* escalation reason, or "" */
	char summary[HEAL_DETAIL_MAX];
	long heal_ms;			/* -1: unknown or not healed */
	unsigned nstrats;
	struct alert_strat strats[ALERT_STRATS_MAX];
	char analysis_root[512];
	char why[1024];
	char fix[1024];
	char prevention[1024];
	char analysis_source[16];	/* "built-in", "model", "none" */
	char analysis_model[CONF_WORD_MAX];
	unsigned nsteps;
	char steps[ALERT_STEPS_MAX][ALERT_STEP_MAX];
	char report_path[256];		/* "" when none was written */
};

/* When a heal is worth telling a human ([alert] on). */
enum alert_on { ALERT_ON_ALL, ALERT_ON_FAILURE };

/* 1 when h should raise an alert: a new escalation always (not one
 * within the window of an earlier one: that human already knows), a
 * heal only with ALERT_ON_ALL; never a dry run, a busy or suppressed
 * trigger, or a unit that was up. */
int alert_wanted(const struct heal *h, enum alert_on on);

/* Fill a from h, which has been run and recorded (its report_path
 * set), and clean it.  The analysis is the model's when it answered,
 * else the built-in one (h->analysis), else none.  The host is
 * h->sys.host, or uname's when the evidence was not gathered. */
void alert_from_heal(const struct heal *h, struct alert *a);

/* See above.  Idempotent. */
void alert_clean(struct alert *a);

/* A new id for an alert raised at wall-clock time t into id[n]
 * (n >= ALERT_ID_MAX): the time, then 64 random bits. */
void alert_new_id(char *id, size_t n, int64_t t);

/* 64 bits from getrandom(); when the kernel has none yet (early
 * boot), from the clock and the pid: good enough for ids and jitter,
 * never used for secrets. */
uint64_t alert_random64(void);

/* Is the alert resolved (the unit serves)?  Its subject says RESOLVED
 * then, else FAILED. */
int alert_resolved(const struct alert *a);

/*
 * "✅ ANSAI: UNIT - RESOLVED" or "❌ ANSAI: UNIT - FAILED", the latter
 * with " - CRITICAL: needs immediate attention" for an escalation of a
 * critical unit.  UTF-8, one line, no control bytes whatever the unit
 * holds.  0, or -1 when cut to fit buf[n].
 */
int alert_subject(const struct alert *a, char *buf, size_t n);

/*
 * The plain-text body (e-mail): what happened, what was tried, the
 * result, the healing time, the analysis' four sections, the next
 * steps as exact commands, the report's path and the alert's id.
 * Lines end in '\n'.  Always terminated; 0, or -1 when it did not fit
 * and was cut at a character boundary, with a last line saying so.
 */
int alert_text(const struct alert *a, char *buf, size_t n);

/* The webhook document above into buf[n].  0 with *len (may be NULL),
 * or -1 when it does not fit (buf is then ""). */
int alert_json_webhook(const struct alert *a, char *buf, size_t n,
    size_t *len);

/* The document's object into an encoder, for the spool's record. */
void alert_json_enc(struct json_enc *e, const struct alert *a);

/*
 * A Slack incoming-webhook message: {"text": "..."} in Slack's mrkdwn,
 * the subject in bold, then the summary, the cause, the strategies,
 * the analysis and the next steps in a code block.  '&', '<' and '>'
 * are escaped as Slack asks, so no text from the unit or the journal
 * can mention @channel or forge a link.  0 with *len, or -1.
 */
int alert_json_slack(const struct alert *a, char *buf, size_t n,
    size_t *len);

/*
 * Read an alert back from the document d (json_parse()d) at path
 * (a webhook document: ""; inside another: its key).  Every field of
 * version 1 must be there with its type and fit its buffer; a is then
 * cleaned.  0, or -1 with why[wn] naming the field.
 */
int alert_from_json(const struct json_doc *d, const char *path,
    struct alert *a, char *why, size_t wn);

#endif
