/* alert.c - see alert.h. */
#include "alert.h"
#include "ai.h"
#include "analyse.h"
#include "cause.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define EMOJI_OK	"\xe2\x9c\x85"	/* U+2705 WHITE HEAVY CHECK MARK */
#define EMOJI_FAIL	"\xe2\x9d\x8c"	/* U+274C CROSS MARK */
#define CRITICAL_WORDS	" - CRITICAL: needs immediate attention"

/* ---- when, and from what ---- */

int
alert_wanted(const struct heal *h, enum alert_on on)
{
	if (h->dry_run)
		return 0;
	switch (h->result) {
	case HEAL_HEALED:
		return on == ALERT_ON_ALL;
	case HEAL_NOT_HEALED:
	case HEAL_RATE_LIMITED:
	case HEAL_ERROR:
		return h->esc.needed && !h->esc.repeat;
	default:
		return 0;
	}
}

uint64_t
alert_random64(void)
{
	/* Only for the fallback: two calls in one microsecond differ. */
	static uint64_t calls;
	uint64_t v;

	if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v)
		return v;
	v = mono_usec() ^ (uint64_t)time(NULL) << 20 ^
	    (uint64_t)getpid() << 44 ^ ++calls * 0x9e3779b97f4a7c15ULL;
	/* splitmix64's finaliser spreads the few changing bits. */
	v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ULL;
	v = (v ^ (v >> 27)) * 0x94d049bb133111ebULL;
	return v ^ (v >> 31);
}

void
alert_new_id(char *id, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	char when[24];
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm) == 0)
		str_copy(when, sizeof when, "0");
	str_fmt(id, n, "%s-%016llx", when,
	    (unsigned long long)alert_random64());
}

static void
host_of(const struct heal *h, char *buf, size_t n)
{
	struct utsname u;

	if (h->sys.host[0] != '\0')
		str_copy(buf, n, h->sys.host);
	else if (uname(&u) == 0)
		str_copy(buf, n, u.nodename);
	else
		str_copy(buf, n, "?");
}

static void
strategies_from(const struct heal *h, struct alert *a)
{
	unsigned i;

	for (i = 0; i < h->nstrats && i < ALERT_STRATS_MAX; i++) {
		const struct strat_outcome *o = &h->strats[i];
		struct alert_strat *s = &a->strats[i];

		str_copy(s->name, sizeof s->name, strat_name(o->id));
		str_copy(s->outcome, sizeof s->outcome,
		    strat_status_word(o->status));
		s->ms = o->ms;
		str_copy(s->detail, sizeof s->detail, o->detail);
	}
	a->nstrats = i;
}

static void
analysis_from(const struct heal *h, struct alert *a)
{
	const struct analysis *an = h->analysis;

	if (h->ai != NULL && h->ai->ok) {
		an = &h->ai->sections;
		str_copy(a->analysis_source, sizeof a->analysis_source,
		    "model");
		str_copy(a->analysis_model, sizeof a->analysis_model,
		    h->ai->model);
	} else if (an != NULL) {
		str_copy(a->analysis_source, sizeof a->analysis_source,
		    ANALYSIS_SOURCE_BUILTIN);
	} else {
		str_copy(a->analysis_source, sizeof a->analysis_source,
		    "none");
		return;
	}
	str_copy(a->analysis_root, sizeof a->analysis_root, an->root_cause);
	str_copy(a->why, sizeof a->why, an->why);
	str_copy(a->fix, sizeof a->fix, an->fix);
	str_copy(a->prevention, sizeof a->prevention, an->prevention);
}

static void
step(struct alert *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
step(struct alert *a, const char *fmt, ...)
{
	va_list ap;

	if (a->nsteps >= ALERT_STEPS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(a->steps[a->nsteps++], ALERT_STEP_MAX, fmt, ap);
	va_end(ap);
}

/* The escalation's commands (ssh first) when a human must act; else
 * where to look at why it failed, as the report's "Next" section. */
static void
steps_from(const struct heal *h, struct alert *a)
{
	unsigned i;

	if (h->esc.needed) {
		for (i = 0; i < h->esc.ncmds && i < HEAL_CMDS_MAX; i++)
			step(a, "%s", h->esc.cmds[i]);
	} else {
		step(a, "systemctl status %s", h->unit);
		step(a, "journalctl -u %s -b", h->unit);
		if (h->cause.invocation[0])
			step(a, "journalctl _SYSTEMD_INVOCATION_ID=%s",
			    h->cause.invocation);
		step(a, "journalctl -t ansai-self-heal -b");
	}
	if (h->report_path[0])
		step(a, "cat %s", h->report_path);
}

void
alert_from_heal(const struct heal *h, struct alert *a)
{
	memset(a, 0, sizeof *a);
	alert_new_id(a->id, sizeof a->id, h->started);
	a->time = h->started;
	str_copy(a->unit, sizeof a->unit, h->unit);
	host_of(h, a->host, sizeof a->host);
	str_copy(a->result, sizeof a->result, heal_result_word(h->result));
	a->escalated = h->esc.needed;
	a->critical = h->pol.critical;
	cause_describe(&h->cause, a->cause, sizeof a->cause);
	cause_tag(&h->cause, a->cause_tag, sizeof a->cause_tag);
	if (h->esc.needed)
		str_copy(a->reason, sizeof a->reason, h->esc.reason);
	str_copy(a->summary, sizeof a->summary, h->summary);
	a->heal_ms = h->result == HEAL_HEALED ? heal_downtime_ms(h) : -1;
	strategies_from(h, a);
	analysis_from(h, a);
	steps_from(h, a);
	str_copy(a->report_path, sizeof a->report_path, h->report_path);
	alert_clean(a);
}

/* ---- cleaning ---- */

/* Terminate, make valid UTF-8, and blank C0 and C1 controls (but '\n'
 * when keep_nl). */
static void
clean(char *s, size_t n, int keep_nl)
{
	unsigned char *p;

	s[n - 1] = '\0';
	utf8_scrub(s);
	for (p = (unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && !(keep_nl && *p == '\n')) || *p == 0x7f)
			*p = ' ';
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			p[0] = p[1] = ' ';
	}
}

#define CLEAN(f, nl) clean((f), sizeof (f), (nl))

void
alert_clean(struct alert *a)
{
	char *p;
	unsigned i;

	CLEAN(a->id, 0);
	for (p = a->id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || *p == '-'))
			*p = '_';
	CLEAN(a->unit, 0);
	CLEAN(a->host, 0);
	CLEAN(a->result, 0);
	CLEAN(a->cause, 0);
	CLEAN(a->cause_tag, 0);
	CLEAN(a->reason, 1);
	CLEAN(a->summary, 0);
	if (a->nstrats > ALERT_STRATS_MAX)
		a->nstrats = ALERT_STRATS_MAX;
	for (i = 0; i < a->nstrats; i++) {
		CLEAN(a->strats[i].name, 0);
		CLEAN(a->strats[i].outcome, 0);
		CLEAN(a->strats[i].detail, 0);
	}
	CLEAN(a->analysis_root, 1);
	CLEAN(a->why, 1);
	CLEAN(a->fix, 1);
	CLEAN(a->prevention, 1);
	CLEAN(a->analysis_source, 0);
	CLEAN(a->analysis_model, 0);
	if (a->nsteps > ALERT_STEPS_MAX)
		a->nsteps = ALERT_STEPS_MAX;
	for (i = 0; i < a->nsteps; i++)
		CLEAN(a->steps[i], 0);
	CLEAN(a->report_path, 0);
}

/* ---- text out, cut only at a character boundary ---- */

struct out {
	char *buf;
	size_t size;	/* of buf */
	size_t cap;	/* bytes usable before the cut note */
	size_t len;
	int cut;
	int md;		/* Slack: escape & < > in data */
};

static void
out_init(struct out *o, char *buf, size_t n, size_t reserve, int md)
{
	o->buf = buf;
	o->size = n;
	o->cap = n > reserve + 1 ? n - 1 - reserve : 0;
	o->len = 0;
	o->cut = n <= reserve + 1;
	o->md = md;
	if (n > 0)
		buf[0] = '\0';
}

static void
out_put(struct out *o, const char *s, size_t k)
{
	if (o->cut || k > o->cap - o->len) {
		o->cut = 1;
		return;
	}
	memcpy(o->buf + o->len, s, k);
	o->len += k;
	o->buf[o->len] = '\0';
}

/* Data: whole UTF-8 sequences (a stray byte alone), escaped for Slack
 * when o->md. */
static void
out_datan(struct out *o, const char *s, size_t left)
{
	const unsigned char *p = (const unsigned char *)s;

	while (left > 0 && !o->cut) {
		size_t k = utf8_len(p, left);

		if (k == 0)
			k = 1;
		if (o->md && *p == '&')
			out_put(o, "&amp;", 5);
		else if (o->md && *p == '<')
			out_put(o, "&lt;", 4);
		else if (o->md && *p == '>')
			out_put(o, "&gt;", 4);
		else
			out_put(o, (const char *)p, k);
		p += k;
		left -= k;
	}
}

static void
out_data(struct out *o, const char *s)
{
	out_datan(o, s, strlen(s));
}

/* Markup and labels of our own, never escaped. */
static void
out_raw(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static void
out_fmt(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
out_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= sizeof tmp) {
		o->cut = 1;
		return;
	}
	out_raw(o, tmp);
}

/* Multi-line data: each line after the first starts with indent. */
static void
out_lines(struct out *o, const char *s, const char *indent)
{
	while (*s && !o->cut) {
		size_t len = strcspn(s, "\n");

		out_datan(o, s, len);
		s += len;
		if (*s == '\n' && *++s) {
			out_raw(o, "\n");
			out_raw(o, indent);
		}
	}
}

/* End: the note, when something was cut, in the room kept for it
 * (none in a buffer too small for the note itself). */
static int
out_end(struct out *o, const char *note)
{
	size_t k = strlen(note);

	if (!o->cut)
		return 0;
	if (o->len + k < o->size) {
		memcpy(o->buf + o->len, note, k + 1);
		o->len += k;
	}
	return -1;
}

/* ---- subject and body ---- */

int
alert_resolved(const struct alert *a)
{
	return strcmp(a->result, "healed") == 0 ||
	    strcmp(a->result, "nothing-to-do") == 0;
}

static int
critical_escalation(const struct alert *a)
{
	return a->escalated && a->critical && !alert_resolved(a);
}

int
alert_subject(const struct alert *a, char *buf, size_t n)
{
	char unit[UNIT_NAME_MAX];

	/* A subject is a mail header: one line whatever the caller did
	 * to the alert. */
	str_copy(unit, sizeof unit, a->unit);
	clean(unit, sizeof unit, 0);
	if (alert_resolved(a))
		return str_fmt(buf, n, EMOJI_OK " ANSAI: %s - RESOLVED", unit);
	return str_fmt(buf, n, EMOJI_FAIL " ANSAI: %s - FAILED%s", unit,
	    critical_escalation(a) ? CRITICAL_WORDS : "");
}

static void
ms_text(char *buf, size_t n, long ms)
{
	if (ms < 0)
		str_copy(buf, n, "? s");
	else
		str_fmt(buf, n, "%ld.%03ld s", ms / 1000, ms % 1000);
}

static const char *
verdict(const struct alert *a)
{
	if (alert_resolved(a))
		return "RESOLVED";
	if (critical_escalation(a))
		return "FAILED - CRITICAL unit: needs immediate attention";
	return a->escalated ? "FAILED - escalated: a human is needed" :
	    "FAILED";
}

static void
text_head(struct out *o, const struct alert *a)
{
	char when[32];

	time_iso(when, sizeof when, a->time);
	out_raw(o, "ANSAI: ");
	out_data(o, a->unit);
	out_raw(o, " on ");
	out_data(o, a->host);
	out_fmt(o, " - %s\n\nWhat happened\n  At %s ", verdict(a), when);
	out_data(o, a->unit);
	out_raw(o, " failed: ");
	out_data(o, a->cause);
	out_raw(o, ".\n  ");
	out_data(o, a->summary);
	out_raw(o, "\n\nWhat was tried\n");
}

static void
text_strategies(struct out *o, const struct alert *a)
{
	char t[32];
	unsigned i;

	if (a->nstrats == 0)
		out_raw(o, "  nothing: no strategy ran\n");
	for (i = 0; i < a->nstrats; i++) {
		const struct alert_strat *s = &a->strats[i];

		ms_text(t, sizeof t, s->ms);
		out_fmt(o, "  %u. ", i + 1);
		out_data(o, s->name);
		out_raw(o, ": ");
		out_data(o, s->outcome);
		out_fmt(o, " (%s) ", t);
		out_data(o, s->detail);
		out_raw(o, "\n");
	}
}

static void
text_result(struct out *o, const struct alert *a)
{
	char t[32];

	out_raw(o, "\nResult\n  ");
	out_data(o, a->result);
	if (a->escalated) {
		out_raw(o, a->critical ? " - escalated (CRITICAL unit): " :
		    " - escalated: ");
		out_lines(o, a->reason, "    ");
	}
	out_raw(o, "\n\nHealing time\n  ");
	if (a->heal_ms >= 0) {
		ms_text(t, sizeof t, a->heal_ms);
		out_fmt(o, "%s from the failure to serving again\n", t);
	} else {
		out_raw(o, alert_resolved(a) ? "unknown\n" :
		    "none: it was not healed\n");
	}
}

static void
text_analysis(struct out *o, const struct alert *a)
{
	static const char *const title[4] = {
		"ROOT CAUSE", "WHY", "FIX", "PREVENTION"
	};
	const char *sec[4] = { a->analysis_root, a->why, a->fix,
		a->prevention };
	int k;

	if (strcmp(a->analysis_source, "model") == 0) {
		out_raw(o, "\nAnalysis (from the model ");
		out_data(o, a->analysis_model);
		out_raw(o, "; ansai never runs what a model says)\n");
	} else if (strcmp(a->analysis_source, "none") == 0) {
		out_raw(o, "\nAnalysis\n  none was made\n");
		return;
	} else {
		out_raw(o, "\nAnalysis (built-in)\n");
	}
	for (k = 0; k < 4; k++) {
		out_fmt(o, "  %s: ", title[k]);
		out_lines(o, sec[k][0] ? sec[k] : "-", "    ");
		out_raw(o, "\n");
	}
}

static void
text_tail(struct out *o, const struct alert *a)
{
	unsigned i;

	out_raw(o, "\nNext steps\n");
	for (i = 0; i < a->nsteps; i++) {
		out_raw(o, "  ");
		out_data(o, a->steps[i]);
		out_raw(o, "\n");
	}
	out_raw(o, "\nReport\n  ");
	out_data(o, a->report_path[0] ? a->report_path :
	    "none was written");
	out_raw(o, "\n\nAlert ");
	out_data(o, a->id);
	out_raw(o, " (the same id on every channel and retry)\n");
}

#define TEXT_CUT "\n[... cut here: the report holds everything]\n"

int
alert_text(const struct alert *a, char *buf, size_t n)
{
	struct out o;

	out_init(&o, buf, n, sizeof TEXT_CUT, 0);
	text_head(&o, a);
	text_strategies(&o, a);
	text_result(&o, a);
	text_analysis(&o, a);
	text_tail(&o, a);
	return out_end(&o, TEXT_CUT);
}

/* ---- JSON ---- */

void
alert_json_enc(struct json_enc *e, const struct alert *a)
{
	char when[32];
	unsigned i;

	time_iso(when, sizeof when, a->time);
	json_obj(e);
	json_key_str(e, "event", ALERT_EVENT);
	json_key_int(e, "version", ALERT_VERSION);
	json_key_str(e, "id", a->id);
	json_key_str(e, "time", when);
	json_key_str(e, "unit", a->unit);
	json_key_str(e, "host", a->host);
	json_key_str(e, "result", a->result);
	json_key_bool(e, "escalated", a->escalated);
	json_key_bool(e, "critical", a->critical);
	json_key_str(e, "cause", a->cause);
	json_key_str(e, "cause_tag", a->cause_tag);
	json_key_str(e, "reason", a->reason);
	json_key_str(e, "summary", a->summary);
	json_key(e, "heal_ms");
	if (a->heal_ms >= 0)
		json_int(e, a->heal_ms);
	else
		json_null(e);
	json_key(e, "strategies");
	json_arr(e);
	for (i = 0; i < a->nstrats && i < ALERT_STRATS_MAX; i++) {
		json_obj(e);
		json_key_str(e, "name", a->strats[i].name);
		json_key_str(e, "outcome", a->strats[i].outcome);
		json_key_int(e, "ms", a->strats[i].ms);
		json_key_str(e, "detail", a->strats[i].detail);
		json_end(e);
	}
	json_end(e);
	json_key(e, "analysis");
	json_obj(e);
	json_key_str(e, "root_cause", a->analysis_root);
	json_key_str(e, "why", a->why);
	json_key_str(e, "fix", a->fix);
	json_key_str(e, "prevention", a->prevention);
	json_key_str(e, "source", a->analysis_source);
	json_key_str(e, "model", a->analysis_model);
	json_end(e);
	json_key(e, "next_steps");
	json_arr(e);
	for (i = 0; i < a->nsteps && i < ALERT_STEPS_MAX; i++)
		json_str(e, a->steps[i]);
	json_end(e);
	json_key(e, "report");
	if (a->report_path[0])
		json_str(e, a->report_path);
	else
		json_null(e);
	json_end(e);
}

int
alert_json_webhook(const struct alert *a, char *buf, size_t n, size_t *len)
{
	struct json_enc e;

	json_enc_init(&e, buf, n);
	alert_json_enc(&e, a);
	return json_enc_end(&e, len);
}

static void
slack_head(struct out *o, const struct alert *a)
{
	char when[32], t[32];

	time_iso(when, sizeof when, a->time);
	out_raw(o, alert_resolved(a) ? EMOJI_OK " *ANSAI: " :
	    EMOJI_FAIL " *ANSAI: ");
	out_data(o, a->unit);
	out_raw(o, alert_resolved(a) ? " - RESOLVED*\n" : " - FAILED");
	if (!alert_resolved(a))
		out_raw(o, critical_escalation(a) ? CRITICAL_WORDS "*\n" :
		    "*\n");
	out_data(o, a->summary);
	out_raw(o, "\n*Host:* ");
	out_data(o, a->host);
	out_fmt(o, "   *Time:* %s", when);
	if (a->heal_ms >= 0) {
		ms_text(t, sizeof t, a->heal_ms);
		out_fmt(o, "   *Healing time:* %s", t);
	}
	out_raw(o, "\n*What happened:* ");
	out_data(o, a->cause);
	if (a->escalated) {
		out_raw(o, "\n*Escalated:* ");
		out_lines(o, a->reason, "");
	}
}

static void
slack_strategies(struct out *o, const struct alert *a)
{
	char t[32];
	unsigned i;

	out_raw(o, "\n*Tried:*");
	if (a->nstrats == 0)
		out_raw(o, " nothing");
	for (i = 0; i < a->nstrats; i++) {
		ms_text(t, sizeof t, a->strats[i].ms);
		out_raw(o, "\n- ");
		out_data(o, a->strats[i].name);
		out_raw(o, ": ");
		out_data(o, a->strats[i].outcome);
		out_fmt(o, " (%s) ", t);
		out_data(o, a->strats[i].detail);
	}
}

static void
slack_analysis(struct out *o, const struct alert *a)
{
	static const char *const title[4] = {
		"Root cause", "Why", "Fix", "Prevention"
	};
	const char *sec[4] = { a->analysis_root, a->why, a->fix,
		a->prevention };
	int k;

	if (strcmp(a->analysis_source, "none") == 0)
		return;
	out_raw(o, "\n_Analysis: ");
	if (strcmp(a->analysis_source, "model") == 0) {
		out_raw(o, "model ");
		out_data(o, a->analysis_model);
	} else {
		out_raw(o, "built-in");
	}
	out_raw(o, "_");
	for (k = 0; k < 4; k++) {
		if (sec[k][0] == '\0')
			continue;
		out_fmt(o, "\n*%s:* ", title[k]);
		out_lines(o, sec[k], "");
	}
}

static void
slack_tail(struct out *o, const struct alert *a)
{
	unsigned i;

	if (a->nsteps > 0) {
		out_raw(o, "\n*Next steps:*\n```\n");
		for (i = 0; i < a->nsteps; i++) {
			out_data(o, a->steps[i]);
			out_raw(o, "\n");
		}
		out_raw(o, "```");
	}
	if (a->report_path[0]) {
		out_raw(o, "\n*Report:* `");
		out_data(o, a->report_path);
		out_raw(o, "`");
	}
	out_raw(o, "\n_Alert ");
	out_data(o, a->id);
	out_raw(o, "_");
}

#define SLACK_CUT "\n_(cut here: the report on the host holds everything)_"

int
alert_json_slack(const struct alert *a, char *buf, size_t n, size_t *len)
{
	/* One rendering at a time in the process; kept off the stack. */
	static char text[ALERT_SLACK_TEXT_MAX];
	struct json_enc e;
	struct out o;

	out_init(&o, text, sizeof text, sizeof SLACK_CUT, 1);
	slack_head(&o, a);
	slack_strategies(&o, a);
	slack_analysis(&o, a);
	slack_tail(&o, a);
	out_end(&o, SLACK_CUT);
	json_enc_init(&e, buf, n);
	json_obj(&e);
	json_key_str(&e, "text", text);
	json_end(&e);
	return json_enc_end(&e, len);
}

/* ---- reading back ---- */

/* d's path for key under base, into buf[JPATH_MAX]. */
#define JPATH_MAX 96

static const char *
at(char *buf, const char *base, const char *key)
{
	if (base[0] == '\0')
		str_copy(buf, JPATH_MAX, key);
	else
		str_fmt(buf, JPATH_MAX, "%s.%s", base, key);
	return buf;
}

struct rd {
	const struct json_doc *d;
	const char *base;
	char *why;
	size_t wn;
	int bad;	/* sticky: the first failure is kept in why */
};

static void
rd_fail(struct rd *r, const char *key, int res)
{
	if (r->bad)
		return;
	r->bad = 1;
	str_fmt(r->why, r->wn, "%s: %s", key, json_strerror(res));
}

static void
rd_str(struct rd *r, const char *key, char *out, size_t n)
{
	char p[JPATH_MAX];
	int res = json_get_string(r->d, at(p, r->base, key), out, n);

	if (res != JSON_OK)
		rd_fail(r, p, res);
}

static long long
rd_int(struct rd *r, const char *key)
{
	char p[JPATH_MAX];
	long long v = 0;
	int res = json_get_int(r->d, at(p, r->base, key), &v);

	if (res != JSON_OK)
		rd_fail(r, p, res);
	return v;
}

static int
rd_bool(struct rd *r, const char *key)
{
	char p[JPATH_MAX];
	int v = 0, res = json_get_bool(r->d, at(p, r->base, key), &v);

	if (res != JSON_OK)
		rd_fail(r, p, res);
	return v;
}

static int
rd_null(struct rd *r, const char *key)
{
	char p[JPATH_MAX];

	return json_type_at(r->d, at(p, r->base, key)) == JSON_NULL;
}

/* Elements of the array at key, at most max. */
static unsigned
rd_count(struct rd *r, const char *key, unsigned max)
{
	char p[JPATH_MAX];
	size_t n = 0;
	int res;

	if (json_type_at(r->d, at(p, r->base, key)) != JSON_ARRAY) {
		rd_fail(r, p, JSON_ETYPE);
		return 0;
	}
	res = json_get_count(r->d, p, &n);
	if (res != JSON_OK)
		rd_fail(r, p, res);
	else if (n > max && !r->bad) {
		r->bad = 1;
		str_fmt(r->why, r->wn, "%s: more than %u elements", p, max);
		return 0;
	}
	return (unsigned)n;
}

/* 2026-12-04T15:42:31Z exactly, as time_iso writes it. */
static int
time_parse(const char *s, int64_t *t)
{
	int y, mo, d, hh, mm, ss;
	char back[32], z;
	struct tm tm;
	time_t tt;

	if (strlen(s) != 20 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y,
	    &mo, &d, &hh, &mm, &ss, &z) != 7 || z != 'Z')
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	tt = timegm(&tm);
	/* Writing it back refuses what timegm normalised (Feb 30) and
	 * what sscanf let through (" 4", "+4"). */
	time_iso(back, sizeof back, (int64_t)tt);
	if (strcmp(back, s) != 0)
		return -1;
	*t = (int64_t)tt;
	return 0;
}

static void
rd_head(struct rd *r, struct alert *a)
{
	char event[32], when[32];

	rd_str(r, "event", event, sizeof event);
	if (!r->bad && strcmp(event, ALERT_EVENT) != 0) {
		r->bad = 1;
		str_fmt(r->why, r->wn, "event is not " ALERT_EVENT);
	}
	if (!r->bad && rd_int(r, "version") != ALERT_VERSION && !r->bad) {
		r->bad = 1;
		str_fmt(r->why, r->wn, "version is not %d", ALERT_VERSION);
	}
	rd_str(r, "id", a->id, sizeof a->id);
	rd_str(r, "time", when, sizeof when);
	if (!r->bad && time_parse(when, &a->time) < 0) {
		r->bad = 1;
		str_fmt(r->why, r->wn, "time: not YYYY-MM-DDTHH:MM:SSZ");
	}
	rd_str(r, "unit", a->unit, sizeof a->unit);
	rd_str(r, "host", a->host, sizeof a->host);
	rd_str(r, "result", a->result, sizeof a->result);
	a->escalated = rd_bool(r, "escalated");
	a->critical = rd_bool(r, "critical");
	rd_str(r, "cause", a->cause, sizeof a->cause);
	rd_str(r, "cause_tag", a->cause_tag, sizeof a->cause_tag);
	rd_str(r, "reason", a->reason, sizeof a->reason);
	rd_str(r, "summary", a->summary, sizeof a->summary);
	a->heal_ms = rd_null(r, "heal_ms") ? -1 : (long)rd_int(r, "heal_ms");
}

static void
rd_strategies(struct rd *r, struct alert *a)
{
	char key[64];
	unsigned i;

	a->nstrats = rd_count(r, "strategies", ALERT_STRATS_MAX);
	for (i = 0; i < a->nstrats && !r->bad; i++) {
		struct alert_strat *s = &a->strats[i];

		str_fmt(key, sizeof key, "strategies.%u.name", i);
		rd_str(r, key, s->name, sizeof s->name);
		str_fmt(key, sizeof key, "strategies.%u.outcome", i);
		rd_str(r, key, s->outcome, sizeof s->outcome);
		str_fmt(key, sizeof key, "strategies.%u.ms", i);
		s->ms = (long)rd_int(r, key);
		str_fmt(key, sizeof key, "strategies.%u.detail", i);
		rd_str(r, key, s->detail, sizeof s->detail);
	}
}

static void
rd_tail(struct rd *r, struct alert *a)
{
	char key[64];
	unsigned i;

	rd_str(r, "analysis.root_cause", a->analysis_root,
	    sizeof a->analysis_root);
	rd_str(r, "analysis.why", a->why, sizeof a->why);
	rd_str(r, "analysis.fix", a->fix, sizeof a->fix);
	rd_str(r, "analysis.prevention", a->prevention, sizeof a->prevention);
	rd_str(r, "analysis.source", a->analysis_source,
	    sizeof a->analysis_source);
	rd_str(r, "analysis.model", a->analysis_model,
	    sizeof a->analysis_model);
	a->nsteps = rd_count(r, "next_steps", ALERT_STEPS_MAX);
	for (i = 0; i < a->nsteps && !r->bad; i++) {
		str_fmt(key, sizeof key, "next_steps.%u", i);
		rd_str(r, key, a->steps[i], sizeof a->steps[i]);
	}
	if (!rd_null(r, "report"))
		rd_str(r, "report", a->report_path, sizeof a->report_path);
}

int
alert_from_json(const struct json_doc *d, const char *path,
    struct alert *a, char *why, size_t wn)
{
	struct rd r = { d, path, why, wn, 0 };

	memset(a, 0, sizeof *a);
	if (strlen(path) > 32) {
		str_copy(why, wn, "path too long");
		return -1;
	}
	rd_head(&r, a);
	rd_strategies(&r, a);
	rd_tail(&r, a);
	if (!r.bad && a->id[0] == '\0') {
		r.bad = 1;
		str_copy(why, wn, "id: empty");
	}
	if (r.bad) {
		memset(a, 0, sizeof *a);
		return -1;
	}
	alert_clean(a);
	return 0;
}
