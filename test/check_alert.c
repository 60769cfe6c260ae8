/*
 * check_alert.c - unit tests for alert.c: an alert built from a heal,
 * its subject (exact bytes), its plain-text body, and its webhook and
 * Slack JSON, each parsed back with json.h and compared field by field,
 * also for hostile unit names and analysis text.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai.h"
#include "alert.h"
#include "analyse.h"
#include "cause.h"
#include "conf.h"
#include "heal.h"
#include "json.h"
#include "util.h"

#define T0	1796398951	/* 2026-12-04T15:42:31Z */
#define T0_ISO	"2026-12-04T15:42:31Z"
#define UNIT	"my-app.service"
#define REPORT	"/var/lib/ansai/reports/1796398951-my-app.service-42.txt"
#define OK_MARK	"\xe2\x9c\x85"
#define NO_MARK	"\xe2\x9d\x8c"
#define INV	"0123456789abcdef0123456789abcdef"

static struct conf c;
static struct heal h;
static struct analysis an;
static struct ai_answer ai;
static struct alert a, b;
static char buf[ALERT_JSON_MAX];
static char text[ALERT_TEXT_MAX];
static char str[ALERT_JSON_MAX];

/* ---- helpers ---- */

static int
utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), k;

	while (left > 0) {
		k = utf8_len(p, left);
		if (k == 0)
			return 0;
		p += k;
		left -= k;
	}
	return 1;
}

/* No C0 control (but '\n' when nl), no DEL, no C1. */
static int
no_controls(const char *s, int nl)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if ((*p < 0x20 && !(nl && *p == '\n')) || *p == 0x7f)
			return 0;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 0;
	}
	return 1;
}

static void
set_strat(unsigned i, enum strat_id id, enum strat_status st, long ms,
    const char *detail)
{
	h.strats[i].id = id;
	h.strats[i].status = st;
	h.strats[i].ms = ms;
	str_copy(h.strats[i].detail, sizeof h.strats[i].detail, detail);
	if (h.nstrats < i + 1)
		h.nstrats = i + 1;
}

static void
set_analysis(struct analysis *x, const char *root, const char *why,
    const char *fix, const char *prev)
{
	memset(x, 0, sizeof *x);
	str_copy(x->kind, sizeof x->kind, "killed");
	str_copy(x->root_cause, sizeof x->root_cause, root);
	str_copy(x->why, sizeof x->why, why);
	str_copy(x->fix, sizeof x->fix, fix);
	str_copy(x->prevention, sizeof x->prevention, prev);
	x->source = ANALYSIS_SOURCE_BUILTIN;
}

/* A heal of UNIT, killed by SIGKILL, healed by a restart in 0.412 s. */
static void
healed(void)
{
	conf_defaults(&c);
	heal_init(&h, &c, NULL, UNIT, 0);
	h.started = T0;
	ck_assert_int_eq(cause_from_monitor("signal", "killed", "KILL", INV,
	    &h.cause), 0);
	h.result = HEAL_HEALED;
	h.failed_usec = 1000000;
	h.serving_usec = 1412000;
	str_copy(h.summary, sizeof h.summary,
	    "serving again 0.412 s after the failure");
	str_copy(h.sys.host, sizeof h.sys.host, "box");
	set_strat(0, STRAT_RESTART, SS_OK, 380, "active and stable for 5 s");
	str_copy(h.report_path, sizeof h.report_path, REPORT);
	set_analysis(&an, "It was killed from outside.",
	    "systemd reports signal KILL.\nNo error before it.",
	    "Nothing: it runs again.", "Find who sends SIGKILL.");
	h.analysis = &an;
}

/* The same unit, critical, not healed: escalated with commands. */
static void
escalated(int critical)
{
	healed();
	h.result = HEAL_NOT_HEALED;
	h.serving_usec = 0;
	h.pol.critical = critical;
	str_copy(h.summary, sizeof h.summary, "every strategy failed or "
	    "none applied; a human is needed");
	set_strat(0, STRAT_RESTART, SS_FAILED, 30012, "still failing");
	set_strat(1, STRAT_PORT, SS_SKIPPED, 0, "no port configured");
	h.esc.needed = 1;
	h.esc.critical = critical;
	str_copy(h.esc.reason, sizeof h.esc.reason, "every strategy failed");
	str_copy(h.esc.cmds[0], sizeof h.esc.cmds[0], "ssh root@box");
	str_copy(h.esc.cmds[1], sizeof h.esc.cmds[1],
	    "systemctl status " UNIT);
	str_copy(h.esc.cmds[2], sizeof h.esc.cmds[2],
	    "journalctl -u " UNIT " -b");
	h.esc.ncmds = 3;
}

static void
parse(struct json_doc *d, const char *s)
{
	int r = json_parse(d, s, strlen(s));

	ck_assert_msg(r == 0, "not JSON: %s: %.200s", d->err, s);
}

static void
str_at(const struct json_doc *d, const char *path, const char *want)
{
	int r = json_get_string(d, path, str, sizeof str);

	ck_assert_msg(r == JSON_OK, "%s: %s", path, json_strerror(r));
	ck_assert_str_eq(str, want);
}

static void
int_at(const struct json_doc *d, const char *path, long long want)
{
	long long v;
	int r = json_get_int(d, path, &v);

	ck_assert_msg(r == JSON_OK, "%s: %s", path, json_strerror(r));
	ck_assert_int_eq(v, want);
}

static void
bool_at(const struct json_doc *d, const char *path, int want)
{
	int v, r = json_get_bool(d, path, &v);

	ck_assert_msg(r == JSON_OK, "%s: %s", path, json_strerror(r));
	ck_assert_int_eq(v, want);
}

/* Every field of the webhook document d against x, by name. */
static void
webhook_equals(const struct json_doc *d, const struct alert *x)
{
	char key[64], when[32];
	size_t n;
	unsigned i;

	str_at(d, "event", "ansai.heal");
	int_at(d, "version", 1);
	str_at(d, "id", x->id);
	time_iso(when, sizeof when, x->time);
	str_at(d, "time", when);
	str_at(d, "unit", x->unit);
	str_at(d, "host", x->host);
	str_at(d, "result", x->result);
	bool_at(d, "escalated", x->escalated);
	bool_at(d, "critical", x->critical);
	str_at(d, "cause", x->cause);
	str_at(d, "cause_tag", x->cause_tag);
	str_at(d, "reason", x->reason);
	str_at(d, "summary", x->summary);
	if (x->heal_ms < 0)
		ck_assert_int_eq(json_type_at(d, "heal_ms"), JSON_NULL);
	else
		int_at(d, "heal_ms", x->heal_ms);
	ck_assert_int_eq(json_get_count(d, "strategies", &n), JSON_OK);
	ck_assert_uint_eq(n, x->nstrats);
	for (i = 0; i < x->nstrats; i++) {
		snprintf(key, sizeof key, "strategies.%u.name", i);
		str_at(d, key, x->strats[i].name);
		snprintf(key, sizeof key, "strategies.%u.outcome", i);
		str_at(d, key, x->strats[i].outcome);
		snprintf(key, sizeof key, "strategies.%u.ms", i);
		int_at(d, key, x->strats[i].ms);
		snprintf(key, sizeof key, "strategies.%u.detail", i);
		str_at(d, key, x->strats[i].detail);
	}
	str_at(d, "analysis.root_cause", x->analysis_root);
	str_at(d, "analysis.why", x->why);
	str_at(d, "analysis.fix", x->fix);
	str_at(d, "analysis.prevention", x->prevention);
	str_at(d, "analysis.source", x->analysis_source);
	str_at(d, "analysis.model", x->analysis_model);
	ck_assert_int_eq(json_get_count(d, "next_steps", &n), JSON_OK);
	ck_assert_uint_eq(n, x->nsteps);
	for (i = 0; i < x->nsteps; i++) {
		snprintf(key, sizeof key, "next_steps.%u", i);
		str_at(d, key, x->steps[i]);
	}
	if (x->report_path[0] == '\0')
		ck_assert_int_eq(json_type_at(d, "report"), JSON_NULL);
	else
		str_at(d, "report", x->report_path);
}

/* Two alerts hold the same data. */
static void
alert_equals(const struct alert *x, const struct alert *y)
{
	unsigned i;

	ck_assert_str_eq(x->id, y->id);
	ck_assert_int_eq(x->time, y->time);
	ck_assert_str_eq(x->unit, y->unit);
	ck_assert_str_eq(x->host, y->host);
	ck_assert_str_eq(x->result, y->result);
	ck_assert_int_eq(x->escalated, y->escalated);
	ck_assert_int_eq(x->critical, y->critical);
	ck_assert_str_eq(x->cause, y->cause);
	ck_assert_str_eq(x->cause_tag, y->cause_tag);
	ck_assert_str_eq(x->reason, y->reason);
	ck_assert_str_eq(x->summary, y->summary);
	ck_assert_int_eq(x->heal_ms, y->heal_ms);
	ck_assert_uint_eq(x->nstrats, y->nstrats);
	for (i = 0; i < x->nstrats; i++) {
		ck_assert_str_eq(x->strats[i].name, y->strats[i].name);
		ck_assert_str_eq(x->strats[i].outcome, y->strats[i].outcome);
		ck_assert_int_eq(x->strats[i].ms, y->strats[i].ms);
		ck_assert_str_eq(x->strats[i].detail, y->strats[i].detail);
	}
	ck_assert_str_eq(x->analysis_root, y->analysis_root);
	ck_assert_str_eq(x->why, y->why);
	ck_assert_str_eq(x->fix, y->fix);
	ck_assert_str_eq(x->prevention, y->prevention);
	ck_assert_str_eq(x->analysis_source, y->analysis_source);
	ck_assert_str_eq(x->analysis_model, y->analysis_model);
	ck_assert_uint_eq(x->nsteps, y->nsteps);
	for (i = 0; i < x->nsteps; i++)
		ck_assert_str_eq(x->steps[i], y->steps[i]);
	ck_assert_str_eq(x->report_path, y->report_path);
}

/* Webhook JSON of x: checked by name, then read back whole. */
static void
roundtrip(const struct alert *x)
{
	struct json_doc d;
	char why[160];
	size_t len;

	ck_assert_int_eq(alert_json_webhook(x, buf, sizeof buf, &len), 0);
	ck_assert_uint_eq(len, strlen(buf));
	ck_assert(utf8_valid(buf));
	parse(&d, buf);
	webhook_equals(&d, x);
	ck_assert_msg(alert_from_json(&d, "", &b, why, sizeof why) == 0,
	    "%s", why);
	alert_equals(x, &b);
}

/* ---- subjects: exact bytes ---- */

START_TEST(subject_resolved)
{
	healed();
	alert_from_heal(&h, &a);
	ck_assert_int_eq(alert_subject(&a, text, sizeof text), 0);
	ck_assert_str_eq(text, "\xe2\x9c\x85 ANSAI: my-app.service - "
	    "RESOLVED");
}
END_TEST

START_TEST(subject_failed)
{
	escalated(0);
	alert_from_heal(&h, &a);
	ck_assert_int_eq(alert_subject(&a, text, sizeof text), 0);
	ck_assert_str_eq(text, "\xe2\x9d\x8c ANSAI: my-app.service - FAILED");
}
END_TEST

START_TEST(subject_critical)
{
	escalated(1);
	alert_from_heal(&h, &a);
	ck_assert_int_eq(alert_subject(&a, text, sizeof text), 0);
	ck_assert_str_eq(text, "\xe2\x9d\x8c ANSAI: my-app.service - FAILED"
	    " - CRITICAL: needs immediate attention");
}
END_TEST

/* A critical unit that was healed needs nobody: no CRITICAL. */
START_TEST(subject_critical_healed)
{
	healed();
	h.pol.critical = 1;
	alert_from_heal(&h, &a);
	ck_assert_int_eq(a.critical, 1);
	ck_assert_int_eq(alert_subject(&a, text, sizeof text), 0);
	ck_assert_str_eq(text, OK_MARK " ANSAI: my-app.service - RESOLVED");
}
END_TEST

/* Whatever the unit holds, the subject is one clean line: it becomes
 * a mail header. */
START_TEST(subject_hostile)
{
	memset(&a, 0, sizeof a);
	str_copy(a.unit, sizeof a.unit, "x\r\nBcc: all@example.org\x1b[2J"
	    "\xff.service");
	str_copy(a.result, sizeof a.result, "not-healed");
	ck_assert_int_eq(alert_subject(&a, text, sizeof text), 0);
	ck_assert_ptr_null(strpbrk(text, "\r\n\x1b"));
	ck_assert(utf8_valid(text));
	ck_assert_str_eq(text, NO_MARK " ANSAI: x  Bcc: all@example.org [2J"
	    "?.service - FAILED");
	/* Too small: cut, said so, still terminated. */
	ck_assert_int_eq(alert_subject(&a, text, 10), -1);
	ck_assert_uint_lt(strlen(text), 10);
}
END_TEST

/* ---- built from a heal ---- */

START_TEST(from_heal_healed)
{
	char cause[256];

	healed();
	alert_from_heal(&h, &a);
	ck_assert_uint_eq(strlen(a.id), 33);
	ck_assert_int_eq(strncmp(a.id, "20261204T154231Z-", 17), 0);
	ck_assert_uint_eq(strspn(a.id + 17, "0123456789abcdef"), 16);
	ck_assert_int_eq(a.time, T0);
	ck_assert_str_eq(a.unit, UNIT);
	ck_assert_str_eq(a.host, "box");
	ck_assert_str_eq(a.result, "healed");
	ck_assert_int_eq(a.escalated, 0);
	ck_assert_int_eq(a.critical, 0);
	cause_describe(&h.cause, cause, sizeof cause);
	ck_assert_str_eq(a.cause, cause);
	ck_assert_str_eq(a.cause_tag, "signal:KILL");
	ck_assert_str_eq(a.reason, "");
	ck_assert_int_eq(a.heal_ms, 412);
	ck_assert_uint_eq(a.nstrats, 1);
	ck_assert_str_eq(a.strats[0].name, "restart");
	ck_assert_str_eq(a.strats[0].outcome, "ok");
	ck_assert_int_eq(a.strats[0].ms, 380);
	ck_assert_str_eq(a.analysis_source, "built-in");
	ck_assert_str_eq(a.analysis_root, "It was killed from outside.");
	ck_assert_str_eq(a.why, "systemd reports signal KILL.\nNo error "
	    "before it.");
	ck_assert_uint_eq(a.nsteps, 5);
	ck_assert_str_eq(a.steps[0], "systemctl status " UNIT);
	ck_assert_str_eq(a.steps[1], "journalctl -u " UNIT " -b");
	ck_assert_str_eq(a.steps[2], "journalctl _SYSTEMD_INVOCATION_ID="
	    INV);
	ck_assert_str_eq(a.steps[3], "journalctl -t ansai-self-heal -b");
	ck_assert_str_eq(a.steps[4], "cat " REPORT);
	ck_assert_str_eq(a.report_path, REPORT);
}
END_TEST

START_TEST(from_heal_escalated)
{
	escalated(1);
	alert_from_heal(&h, &a);
	ck_assert_str_eq(a.result, "not-healed");
	ck_assert_int_eq(a.escalated, 1);
	ck_assert_int_eq(a.critical, 1);
	ck_assert_int_eq(a.heal_ms, -1);
	ck_assert_str_eq(a.reason, "every strategy failed");
	ck_assert_uint_eq(a.nstrats, 2);
	ck_assert_str_eq(a.strats[1].name, "port");
	ck_assert_str_eq(a.strats[1].outcome, "skipped");
	ck_assert_uint_eq(a.nsteps, 4);
	ck_assert_str_eq(a.steps[0], "ssh root@box");
	ck_assert_str_eq(a.steps[3], "cat " REPORT);
}
END_TEST

/* The model's answer wins over the built-in one when it came. */
START_TEST(from_heal_model)
{
	healed();
	memset(&ai, 0, sizeof ai);
	ai.ok = 1;
	set_analysis(&ai.sections, "MODEL root", "MODEL why", "MODEL fix",
	    "MODEL prevention");
	ai.sections.source = "model";
	str_copy(ai.model, sizeof ai.model, "llama-3.1-8b-instant");
	h.ai = &ai;
	alert_from_heal(&h, &a);
	ck_assert_str_eq(a.analysis_source, "model");
	ck_assert_str_eq(a.analysis_model, "llama-3.1-8b-instant");
	ck_assert_str_eq(a.analysis_root, "MODEL root");
	ck_assert_str_eq(a.prevention, "MODEL prevention");
	/* A model that failed leaves the built-in analysis. */
	ai.ok = 0;
	alert_from_heal(&h, &a);
	ck_assert_str_eq(a.analysis_source, "built-in");
	ck_assert_str_eq(a.analysis_root, "It was killed from outside.");
	/* No analysis at all. */
	h.ai = NULL;
	h.analysis = NULL;
	alert_from_heal(&h, &a);
	ck_assert_str_eq(a.analysis_source, "none");
	ck_assert_str_eq(a.analysis_root, "");
	roundtrip(&a);
}
END_TEST

START_TEST(from_heal_no_host_no_report)
{
	healed();
	h.sys.host[0] = '\0';
	h.report_path[0] = '\0';
	h.failed_usec = 0;
	alert_from_heal(&h, &a);
	ck_assert_str_ne(a.host, "");
	ck_assert_int_eq(a.heal_ms, -1);
	ck_assert_str_eq(a.report_path, "");
	ck_assert_uint_eq(a.nsteps, 4);
	roundtrip(&a);
}
END_TEST

static int
id_cmp(const void *x, const void *y)
{
	return strcmp(x, y);
}

START_TEST(ids_unique)
{
	static char ids[2000][ALERT_ID_MAX];
	unsigned i;

	for (i = 0; i < 2000; i++)
		alert_new_id(ids[i], sizeof ids[i], T0);
	qsort(ids, 2000, sizeof ids[0], id_cmp);
	for (i = 1; i < 2000; i++)
		ck_assert_str_ne(ids[i - 1], ids[i]);
}
END_TEST

START_TEST(wanted)
{
	healed();
	ck_assert_int_eq(alert_wanted(&h, ALERT_ON_ALL), 1);
	ck_assert_int_eq(alert_wanted(&h, ALERT_ON_FAILURE), 0);
	escalated(0);
	ck_assert_int_eq(alert_wanted(&h, ALERT_ON_ALL), 1);
	ck_assert_int_eq(alert_wanted(&h, ALERT_ON_FAILURE), 1);
	/* Within the window of an earlier escalation: already told. */
	h.esc.repeat = 1;
	ck_assert_int_eq(alert_wanted(&h, ALERT_ON_FAILURE), 0);
	h.esc.repeat = 0;
	h.result = HEAL_RATE_LIMITED;
	ck_assert_int_eq(alert_wanted(&h, ALERT_ON_FAILURE), 1);
	h.result = HEAL_SUPPRESSED;
	ck_assert_int_eq(alert_wanted(&h, ALERT_ON_ALL), 0);
	h.result = HEAL_NOTHING;
	ck_assert_int_eq(alert_wanted(&h, ALERT_ON_ALL), 0);
	h.result = HEAL_BUSY;
	ck_assert_int_eq(alert_wanted(&h, ALERT_ON_ALL), 0);
	healed();
	h.dry_run = 1;
	ck_assert_int_eq(alert_wanted(&h, ALERT_ON_ALL), 0);
}
END_TEST

/* ---- JSON ---- */

START_TEST(webhook_healed)
{
	struct json_doc d;

	healed();
	alert_from_heal(&h, &a);
	roundtrip(&a);
	parse(&d, buf);
	/* The contract, spelled out once more with literal values. */
	str_at(&d, "time", T0_ISO);
	str_at(&d, "unit", UNIT);
	int_at(&d, "heal_ms", 412);
	str_at(&d, "strategies.0.name", "restart");
	str_at(&d, "analysis.source", "built-in");
	str_at(&d, "report", REPORT);
	ck_assert_int_eq(json_type_at(&d, "escalated"), JSON_BOOL);
}
END_TEST

START_TEST(webhook_escalated)
{
	struct json_doc d;

	escalated(1);
	alert_from_heal(&h, &a);
	roundtrip(&a);
	parse(&d, buf);
	ck_assert_int_eq(json_type_at(&d, "heal_ms"), JSON_NULL);
	bool_at(&d, "critical", 1);
	str_at(&d, "next_steps.0", "ssh root@box");
}
END_TEST

START_TEST(webhook_too_small)
{
	size_t len = 99;

	healed();
	alert_from_heal(&h, &a);
	ck_assert_int_eq(alert_json_webhook(&a, buf, 300, &len), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(alert_json_slack(&a, buf, 300, &len), -1);
	ck_assert_str_eq(buf, "");
}
END_TEST

static const char hostile[] = "q\"uo\\te \x01\x1f\x7f ESC\x1b[31m "
    "bad\xff\xfe surrogate\xed\xa0\x80 overlong\xc0\xaf C1\xc2\x9b "
    "<!channel> <http://evil|click> &amp; \xe2\x9c\x85 end";

/* Hostile text everywhere: cleaned once, then every rendering is valid
 * and parses back to the cleaned alert. */
START_TEST(hostile_text)
{
	struct json_doc d;
	unsigned i;

	healed();
	str_copy(h.unit, sizeof h.unit, hostile);
	str_copy(h.summary, sizeof h.summary, hostile);
	str_copy(h.sys.host, sizeof h.sys.host, "h\"o\nst\xff");
	set_strat(0, STRAT_RESTART, SS_OK, 1, hostile);
	set_analysis(&an, hostile, "line one\nline \"two\"\r\n\x1b]0;x\x07",
	    hostile, hostile);
	h.esc.needed = 1;
	str_copy(h.esc.reason, sizeof h.esc.reason, hostile);
	h.esc.ncmds = 1;
	str_copy(h.esc.cmds[0], sizeof h.esc.cmds[0], hostile);
	alert_from_heal(&h, &a);
	ck_assert(utf8_valid(a.unit) && no_controls(a.unit, 0));
	ck_assert(utf8_valid(a.summary) && no_controls(a.summary, 0));
	ck_assert(utf8_valid(a.host) && no_controls(a.host, 0));
	ck_assert(utf8_valid(a.strats[0].detail));
	ck_assert(no_controls(a.strats[0].detail, 0));
	ck_assert(utf8_valid(a.why) && no_controls(a.why, 1));
	ck_assert_str_eq(a.why, "line one\nline \"two\" \n ]0;x ");
	for (i = 0; i < a.nsteps; i++)
		ck_assert(utf8_valid(a.steps[i]) &&
		    no_controls(a.steps[i], 0));
	/* Quotes, backslashes, the emoji and the rest survive. */
	ck_assert_ptr_nonnull(strstr(a.unit, "q\"uo\\te"));
	ck_assert_ptr_nonnull(strstr(a.unit, "<!channel>"));
	ck_assert_ptr_nonnull(strstr(a.unit, "\xe2\x9c\x85 end"));
	roundtrip(&a);
	/* Slack: parses, and no mention or link can be forged. */
	ck_assert_int_eq(alert_json_slack(&a, buf, sizeof buf, NULL), 0);
	parse(&d, buf);
	ck_assert_int_eq(json_get_string(&d, "text", text, sizeof text),
	    JSON_OK);
	ck_assert_ptr_null(strchr(text, '<'));
	ck_assert_ptr_null(strchr(text, '>'));
	ck_assert_ptr_nonnull(strstr(text, "&lt;!channel&gt;"));
	ck_assert_ptr_nonnull(strstr(text, "&amp;amp;"));
	ck_assert(utf8_valid(text) && no_controls(text, 1));
	ck_assert_int_eq(alert_text(&a, text, sizeof text), 0);
	ck_assert(utf8_valid(text) && no_controls(text, 1));
}
END_TEST

/* An alert nobody cleaned still gives valid JSON. */
START_TEST(raw_bytes_valid_json)
{
	struct json_doc d;

	memset(&a, 0, sizeof a);
	memcpy(a.unit, "\x00", 1);
	str_copy(a.id, sizeof a.id, "x\x01y");
	str_copy(a.summary, sizeof a.summary, hostile);
	str_copy(a.why, sizeof a.why, hostile);
	a.nstrats = 1;
	str_copy(a.strats[0].detail, sizeof a.strats[0].detail, hostile);
	ck_assert_int_eq(alert_json_webhook(&a, buf, sizeof buf, NULL), 0);
	parse(&d, buf);
	ck_assert(utf8_valid(buf));
	ck_assert_int_eq(alert_json_slack(&a, buf, sizeof buf, NULL), 0);
	parse(&d, buf);
	/* Read back, the text is clean. */
	ck_assert_int_eq(alert_json_webhook(&a, buf, sizeof buf, NULL), 0);
	parse(&d, buf);
	ck_assert_int_eq(alert_from_json(&d, "", &b, str, sizeof str), 0);
	ck_assert_str_eq(b.id, "x_y");
	ck_assert(no_controls(b.summary, 0) && utf8_valid(b.summary));
}
END_TEST

static void
fill(char *f, size_t n, const char *with)
{
	size_t k = strlen(with), i = 0;

	while (i + k < n) {
		memcpy(f + i, with, k);
		i += k;
	}
	f[i] = '\0';
}

/* Every field full: the buffers sized in alert.h hold every rendering
 * of the worst alert a heal can make (all quotes, or all 3-byte
 * characters, or all '<' for Slack). */
static void
full_alert(const char *with)
{
	unsigned i;

	memset(&a, 0, sizeof a);
	fill(a.id, 34, "a");
	a.time = T0;
	fill(a.unit, sizeof a.unit, with);
	fill(a.host, sizeof a.host, with);
	str_copy(a.result, sizeof a.result, "not-healed");
	a.escalated = a.critical = 1;
	fill(a.cause, sizeof a.cause, with);
	fill(a.cause_tag, sizeof a.cause_tag, with);
	fill(a.reason, sizeof a.reason, with);
	fill(a.summary, sizeof a.summary, with);
	a.heal_ms = 2147483647;
	a.nstrats = ALERT_STRATS_MAX;
	for (i = 0; i < a.nstrats; i++) {
		fill(a.strats[i].name, sizeof a.strats[i].name, with);
		fill(a.strats[i].outcome, sizeof a.strats[i].outcome, with);
		a.strats[i].ms = 2147483647;
		fill(a.strats[i].detail, sizeof a.strats[i].detail, with);
	}
	fill(a.analysis_root, sizeof a.analysis_root, with);
	fill(a.why, sizeof a.why, with);
	fill(a.fix, sizeof a.fix, with);
	fill(a.prevention, sizeof a.prevention, with);
	fill(a.analysis_source, sizeof a.analysis_source, with);
	fill(a.analysis_model, sizeof a.analysis_model, with);
	a.nsteps = ALERT_STEPS_MAX;
	for (i = 0; i < a.nsteps; i++)
		fill(a.steps[i], sizeof a.steps[i], with);
	fill(a.report_path, sizeof a.report_path, with);
	alert_clean(&a);
}

START_TEST(full_alert_fits)
{
	static const char *const with[] = { "\"", "\\", "\xe2\x82\xac",
		"<", "&" };
	struct json_doc d;
	size_t len;
	unsigned k;

	for (k = 0; k < ARRAY_LEN(with); k++) {
		full_alert(with[k]);
		ck_assert_int_eq(alert_text(&a, text, sizeof text), 0);
		roundtrip(&a);
		ck_assert_int_eq(alert_json_slack(&a, buf, sizeof buf, &len),
		    0);
		parse(&d, buf);
		ck_assert_int_eq(json_get_string(&d, "text", str, sizeof str),
		    JSON_OK);
		ck_assert_uint_lt(strlen(str), ALERT_SLACK_TEXT_MAX);
		ck_assert(utf8_valid(str));
	}
}
END_TEST

/* ---- the plain text ---- */

static void
has(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle) != NULL, "no \"%s\" in:\n%s",
	    needle, hay);
}

START_TEST(text_healed)
{
	healed();
	alert_from_heal(&h, &a);
	ck_assert_int_eq(alert_text(&a, text, sizeof text), 0);
	has(text, "ANSAI: my-app.service on box - RESOLVED\n");
	has(text, "What happened\n  At " T0_ISO " my-app.service failed: ");
	has(text, "What was tried\n  1. restart: ok (0.380 s) active and "
	    "stable for 5 s\n");
	has(text, "Result\n  healed\n");
	has(text, "Healing time\n  0.412 s from the failure to serving "
	    "again\n");
	has(text, "Analysis (built-in)\n  ROOT CAUSE: It was killed from "
	    "outside.\n  WHY: systemd reports signal KILL.\n    No error "
	    "before it.\n  FIX: Nothing: it runs again.\n  PREVENTION: Find "
	    "who sends SIGKILL.\n");
	has(text, "Next steps\n  systemctl status my-app.service\n"
	    "  journalctl -u my-app.service -b\n");
	has(text, "Report\n  " REPORT "\n");
	has(text, a.id);
}
END_TEST

START_TEST(text_escalated)
{
	healed();
	escalated(1);
	alert_from_heal(&h, &a);
	ck_assert_int_eq(alert_text(&a, text, sizeof text), 0);
	has(text, " - FAILED - CRITICAL unit: needs immediate attention\n");
	has(text, "  1. restart: failed (30.012 s) still failing\n"
	    "  2. port: skipped (0.000 s) no port configured\n");
	has(text, "Result\n  not-healed - escalated (CRITICAL unit): every "
	    "strategy failed\n");
	has(text, "Healing time\n  none: it was not healed\n");
	has(text, "Next steps\n  ssh root@box\n");
}
END_TEST

/* Cut to fit: at a character boundary, with a note, terminated. */
START_TEST(text_cut)
{
	size_t n;

	healed();
	alert_from_heal(&h, &a);
	fill(a.summary, sizeof a.summary, "\xe2\x82\xac");
	for (n = 60; n < 700; n += 7) {
		memset(text, 'X', sizeof text);
		ck_assert_int_eq(alert_text(&a, text, n), -1);
		ck_assert_uint_lt(strlen(text), n);
		ck_assert(utf8_valid(text));
		has(text, "[... cut here: the report holds everything]\n");
	}
	ck_assert_int_eq(alert_text(&a, text, 10), -1);
	ck_assert_uint_lt(strlen(text), 10);
}
END_TEST

/* ---- Slack ---- */

START_TEST(slack_healed)
{
	struct json_doc d;
	size_t n;

	healed();
	alert_from_heal(&h, &a);
	ck_assert_int_eq(alert_json_slack(&a, buf, sizeof buf, NULL), 0);
	parse(&d, buf);
	ck_assert_int_eq(json_get_count(&d, "", &n), JSON_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(json_get_string(&d, "text", text, sizeof text),
	    JSON_OK);
	ck_assert(str_starts(text, OK_MARK " *ANSAI: my-app.service - "
	    "RESOLVED*\nserving again 0.412 s after the failure\n"));
	has(text, "*Healing time:* 0.412 s");
	has(text, "*Root cause:* It was killed from outside.");
	has(text, "*Why:* systemd reports signal KILL.\nNo error before it.");
	has(text, "*Next steps:*\n```\nsystemctl status my-app.service\n");
	has(text, "*Report:* `" REPORT "`");
}
END_TEST

START_TEST(slack_critical)
{
	struct json_doc d;

	escalated(1);
	alert_from_heal(&h, &a);
	ck_assert_int_eq(alert_json_slack(&a, buf, sizeof buf, NULL), 0);
	parse(&d, buf);
	ck_assert_int_eq(json_get_string(&d, "text", text, sizeof text),
	    JSON_OK);
	has(text, NO_MARK " *ANSAI: my-app.service - FAILED - CRITICAL: "
	    "needs immediate attention*\n");
	has(text, "*Escalated:* every strategy failed");
	has(text, "```\nssh root@box\n");
}
END_TEST

/* ---- reading back ---- */

static void
refused(const char *doc, const char *why_has)
{
	struct json_doc d;
	char why[160];

	parse(&d, doc);
	ck_assert_int_eq(alert_from_json(&d, "", &b, why, sizeof why), -1);
	ck_assert_msg(strstr(why, why_has) != NULL, "why \"%s\" lacks \"%s\"",
	    why, why_has);
}

/* Replace the first from in buf with to, into str. */
static const char *
edit(const char *from, const char *to)
{
	const char *p = strstr(buf, from);

	ck_assert_ptr_nonnull(p);
	snprintf(str, sizeof str, "%.*s%s%s", (int)(p - buf), buf, to,
	    p + strlen(from));
	return str;
}

START_TEST(from_json_refuses)
{
	healed();
	alert_from_heal(&h, &a);
	ck_assert_int_eq(alert_json_webhook(&a, buf, sizeof buf, NULL), 0);
	refused(edit("\"version\":1", "\"version\":2"), "version");
	refused(edit("\"event\":\"ansai.heal\"", "\"event\":\"x\""), "event");
	refused(edit(T0_ISO, "2026-02-30T00:00:00Z"), "time");
	refused(edit(T0_ISO, "2026-12-04 15:42:31Z"), "time");
	refused(edit("\"unit\":", "\"unix\":"), "unit");
	refused(edit("\"heal_ms\":412", "\"heal_ms\":\"412\""), "heal_ms");
	refused(edit("\"escalated\":false", "\"escalated\":0"), "escalated");
	refused(edit("\"strategies\":[", "\"strategies\":{\"a\":1},\"x\":["),
	    "strategies");
	refused(edit("\"id\":\"", "\"id\":\"\",\"x\":\""), "id");
	refused(edit("\"analysis\":{", "\"analysis\":{\"why\":1,"), "why");
	/* A unit longer than its buffer is refused, not cut. */
	memset(text, 'u', 300);
	text[300] = '\0';
	str_fmt(text + 400, 400, "\"unit\":\"%s\"", text);
	refused(edit("\"unit\":\"" UNIT "\"", text + 400), "unit");
	/* Nine strategies: one more than fits. */
	{
		char nine[2048] = "\"strategies\":[";
		int i;

		for (i = 0; i < 9; i++)
			str_append(nine, sizeof nine, "%s{\"name\":\"r\","
			    "\"outcome\":\"ok\",\"ms\":1,\"detail\":\"\"}",
			    i ? "," : "");
		str_append(nine, sizeof nine, "],\"x\":[");
		refused(edit("\"strategies\":[", nine), "strategies");
	}
}
END_TEST

/* Nested under a key, as the spool keeps it. */
START_TEST(from_json_nested)
{
	struct json_enc e;
	struct json_doc d;
	char why[160];

	escalated(0);
	alert_from_heal(&h, &a);
	json_enc_init(&e, buf, sizeof buf);
	json_obj(&e);
	json_key_int(&e, "spool", 1);
	json_key(&e, "alert");
	alert_json_enc(&e, &a);
	json_end(&e);
	ck_assert_int_eq(json_enc_end(&e, NULL), 0);
	parse(&d, buf);
	ck_assert_msg(alert_from_json(&d, "alert", &b, why, sizeof why) == 0,
	    "%s", why);
	alert_equals(&a, &b);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("alert");
	TCase *t = tcase_create("subject");

	tcase_add_test(t, subject_resolved);
	tcase_add_test(t, subject_failed);
	tcase_add_test(t, subject_critical);
	tcase_add_test(t, subject_critical_healed);
	tcase_add_test(t, subject_hostile);
	suite_add_tcase(s, t);
	t = tcase_create("from_heal");
	tcase_add_test(t, from_heal_healed);
	tcase_add_test(t, from_heal_escalated);
	tcase_add_test(t, from_heal_model);
	tcase_add_test(t, from_heal_no_host_no_report);
	tcase_add_test(t, ids_unique);
	tcase_add_test(t, wanted);
	suite_add_tcase(s, t);
	t = tcase_create("json");
	tcase_add_test(t, webhook_healed);
	tcase_add_test(t, webhook_escalated);
	tcase_add_test(t, webhook_too_small);
	tcase_add_test(t, hostile_text);
	tcase_add_test(t, raw_bytes_valid_json);
	tcase_add_test(t, full_alert_fits);
	tcase_add_test(t, from_json_refuses);
	tcase_add_test(t, from_json_nested);
	suite_add_tcase(s, t);
	t = tcase_create("text");
	tcase_add_test(t, text_healed);
	tcase_add_test(t, text_escalated);
	tcase_add_test(t, text_cut);
	tcase_add_test(t, slack_healed);
	tcase_add_test(t, slack_critical);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
