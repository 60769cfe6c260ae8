/* notify.c - see notify.h. */
#include "notify.h"
#include "smtp.h"
#include "conn.h"
#include "http.h"
#include "log.h"
#include "tls.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Deliveries per alert and channel when a 429's wait fits the
 * deadline: a server answering Retry-After: 0 for ever is not
 * hammered. */
#define NOTIFY_TRIES	3

const char *
notify_res_word(enum notify_res res)
{
	switch (res) {
	case NOTIFY_SENT:
		return "sent";
	case NOTIFY_PERMFAIL:
		return "permfail";
	default:
		return "tempfail";
	}
}

/* ---- one delivery ---- */

struct job {
	const struct notify_channel *ch;
	struct http_url url;
	char shown[160];		/* the URL without its secrets */
	char hname[64];
	char hvalue[512];
	struct http_header hdr[2];
	struct http_request req;
	char body[ALERT_JSON_MAX];
	size_t body_len;
	char answer[NOTIFY_BODY_MAX];
	struct http_resp resp;
};

static int
fail(struct notify_result *r, enum notify_res res, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct notify_result *r, enum notify_res res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
	r->res = res;
	return -1;
}

/* "Name: value" into the job; the value is never quoted back. */
static int
extra_header(struct job *j, const char *h, struct notify_result *r)
{
	const char *colon = strchr(h, ':');
	char *name;

	if (colon == NULL || (size_t)(colon - h) >= sizeof j->hname)
		return fail(r, NOTIFY_PERMFAIL, "%s header: not \"Name: "
		    "value\" with a short name", j->ch->name);
	memcpy(j->hname, h, (size_t)(colon - h));
	j->hname[colon - h] = '\0';
	name = str_trim(j->hname);
	memmove(j->hname, name, strlen(name) + 1);
	if (str_copy(j->hvalue, sizeof j->hvalue, colon + 1) < 0)
		return fail(r, NOTIFY_PERMFAIL, "%s header %s: value longer "
		    "than %zu bytes", j->ch->name, j->hname,
		    sizeof j->hvalue - 1);
	name = str_trim(j->hvalue);
	memmove(j->hvalue, name, strlen(name) + 1);
	if (j->hname[0] == '\0' || strcasecmp(j->hname, "Content-Type") == 0)
		return fail(r, NOTIFY_PERMFAIL, "%s header: a name is needed, "
		    "and it may not be Content-Type", j->ch->name);
	j->hdr[1].name = j->hname;
	j->hdr[1].value = j->hvalue;
	return 0;
}

/* The request for a on ch, checked before any connection. */
static int
prepare(struct job *j, const struct notify_channel *ch,
    const struct alert *a, struct notify_result *r)
{
	char head[4096], why[160];
	size_t len;
	int e;

	j->ch = ch;
	e = http_parse_url(ch->url ? ch->url : "", &j->url);
	if (e != HTTP_URL_OK)
		return fail(r, NOTIFY_PERMFAIL, "%s url: %s", ch->name,
		    http_url_strerror(e));
	http_url_show(&j->url, j->shown, sizeof j->shown);
	j->hdr[0].name = "Content-Type";
	j->hdr[0].value = "application/json";
	if (ch->header != NULL && ch->header[0] != '\0' &&
	    extra_header(j, ch->header, r) < 0)
		return -1;
	e = ch->kind == NOTIFY_SLACK ?
	    alert_json_slack(a, j->body, sizeof j->body, &j->body_len) :
	    alert_json_webhook(a, j->body, sizeof j->body, &j->body_len);
	if (e < 0)
		return fail(r, NOTIFY_PERMFAIL, "the alert does not fit %zu "
		    "bytes of JSON", sizeof j->body);
	j->req.method = "POST";
	j->req.authority = j->url.authority;
	j->req.path = j->url.path;
	j->req.headers = j->hdr;
	j->req.nheaders = j->hdr[1].name != NULL ? 2 : 1;
	j->req.body = j->body;
	j->req.body_len = j->body_len;
	if (http_request_head(&j->req, head, sizeof head, &len, why,
	    sizeof why) < 0)
		return fail(r, NOTIFY_PERMFAIL, "%s: invalid request: %s",
		    ch->name, why);
	return 0;
}

/* The start of an answer, for a message: printable ASCII, one line,
 * at most n - 4 bytes and "...". */
static void
words(const char *body, size_t len, char *out, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < len && w + 4 < n; i++) {
		unsigned char c = (unsigned char)body[i];

		if (c >= 0x20 && c < 0x7f)
			out[w++] = (char)c;
		else if (w > 0 && out[w - 1] != ' ')
			out[w++] = ' ';
	}
	while (w > 0 && out[w - 1] == ' ')
		w--;
	if (i < len && w + 4 <= n) {
		memcpy(out + w, "...", 3);
		w += 3;
	}
	out[w] = '\0';
}

/* Slack's success is "ok" alone (blanks aside). */
static int
slack_ok(const char *body)
{
	char tmp[8];

	if (strlen(body) >= sizeof tmp)
		return 0;
	str_copy(tmp, sizeof tmp, body);
	return strcmp(str_trim(tmp), "ok") == 0;
}

static void
classify(const struct job *j, struct notify_result *r)
{
	const struct http_resp *s = &j->resp;
	enum notify_res res;
	char w[120];

	r->status = s->status;
	if (j->ch->kind == NOTIFY_SLACK ? s->status == 200 &&
	    slack_ok(s->body) : s->status >= 200 && s->status < 300) {
		r->res = NOTIFY_SENT;
		return;
	}
	words(s->body, s->body_len, w, sizeof w);
	if (s->status == 429 || s->status == 503)
		r->retry_after = s->retry_after;
	if (s->status >= 300 && s->status < 400) {
		fail(r, NOTIFY_PERMFAIL, "%s answered HTTP %d %s: redirects "
		    "are not followed; set the URL it names", j->shown,
		    s->status, s->reason);
		return;
	}
	res = s->status >= 400 && s->status < 500 && s->status != 408 &&
	    s->status != 429 ? NOTIFY_PERMFAIL : NOTIFY_TEMPFAIL;
	if (s->status == 200)	/* Slack without "ok" */
		fail(r, res, "%s answered HTTP 200 without \"ok\"%s%s",
		    j->shown, w[0] ? ": " : "", w);
	else
		fail(r, res, "%s answered HTTP %d %s%s%s", j->shown,
		    s->status, s->reason, w[0] ? ": " : "", w);
}

/* Send, waiting out a 429's Retry-After while it fits the deadline. */
static void
deliver(struct job *j, int64_t deadline, struct notify_result *r)
{
	char why[256];
	int tries;

	for (tries = 1;; tries++) {
		http_resp_init(&j->resp, j->answer, sizeof j->answer);
		if (conn_http(&j->url, j->ch->ca_file ? j->ch->ca_file :
		    TLS_CA_FILE_DEFAULT, deadline, &j->req, &j->resp, why,
		    sizeof why) < 0) {
			fail(r, NOTIFY_TEMPFAIL, "%s: %s", j->shown, why);
			return;
		}
		if (j->resp.status != 429 || j->resp.retry_after < 0 ||
		    tries == NOTIFY_TRIES || mono_ms() +
		    j->resp.retry_after * 1000 >= deadline)
			break;
		logx(LOG_INFO, "%s: rate limited by %s; retrying in %lld s",
		    j->ch->name, j->shown, (long long)j->resp.retry_after);
		sleep_ms((int)j->resp.retry_after * 1000);
	}
	classify(j, r);
}

/* E-mail: the alert's subject and text through ansai's own SMTP
 * client; 4xx and network trouble are "later", 5xx are final. */
static void
send_mail(const struct notify_channel *ch, const struct alert *a,
    struct notify_result *r)
{
	/* A cut text still says what matters first, and names the cut. */
	static char subject[SMTP_SUBJECT_MAX], text[16384];
	struct smtp_msg m = { subject, text, NULL };

	if (alert_subject(a, subject, sizeof subject) < 0) {
		r->res = NOTIFY_PERMFAIL;
		str_copy(r->why, sizeof r->why, "the subject does not fit");
		return;
	}
	alert_text(a, text, sizeof text);
	switch (smtp_send(ch->smtp, &m, r->why, sizeof r->why)) {
	case SMTP_SENT:
		r->res = NOTIFY_SENT;
		break;
	case SMTP_TEMPFAIL:
		r->res = NOTIFY_TEMPFAIL;
		break;
	default:
		r->res = NOTIFY_PERMFAIL;
	}
}

enum notify_res
notify_send(const struct notify_channel *ch, const struct alert *a,
    struct notify_result *r)
{
	/* One delivery at a time; about 80 KiB, off the stack. */
	static struct job j;
	unsigned t = ch->timeout_sec ? ch->timeout_sec :
	    NOTIFY_TIMEOUT_DEFAULT;
	int64_t start = mono_ms();

	memset(r, 0, sizeof *r);
	r->retry_after = -1;
	if (ch->kind == NOTIFY_MAIL) {
		send_mail(ch, a, r);
		r->ms = (long)(mono_ms() - start);
		return r->res;
	}
	memset(&j, 0, sizeof j);
	if (prepare(&j, ch, a, r) == 0)
		deliver(&j, start + (int64_t)t * 1000, r);
	explicit_bzero(j.hvalue, sizeof j.hvalue);
	r->ms = (long)(mono_ms() - start);
	return r->res;
}

/* ---- with the spool ---- */

static void
log_result(const struct alert *a, const char *channel,
    const struct notify_result *r, const char *then)
{
	if (r->res == NOTIFY_SENT)
		logx(LOG_INFO, "%s: alert %s sent to %s in %ld ms", a->unit,
		    a->id, channel, r->ms);
	else
		logx(LOG_WARNING, "%s: alert %s not sent to %s (%s): %s; %s",
		    a->unit, a->id, channel, notify_res_word(r->res), r->why,
		    then);
}

unsigned
notify_alert(const struct notify_channel *ch, size_t n,
    const struct spool *sp, const struct alert *a, int64_t now)
{
	static struct spool_entry e;
	struct notify_result r;
	unsigned sent = 0;
	size_t i;
	int held;

	for (i = 0; i < n; i++) {
		/* Written ahead: a kill while sending leaves it pending. */
		held = sp != NULL ?
		    spool_begin(sp, a, ch[i].name, now, &e) : 1;
		notify_send(&ch[i], a, &r);
		if (r.res == NOTIFY_SENT) {
			if (held == 0)
				spool_done(sp, &e);
			sent++;
			log_result(a, ch[i].name, &r, "");
			continue;
		}
		log_result(a, ch[i].name, &r, r.res == NOTIFY_PERMFAIL ?
		    "kept as dead in the spool" : "kept for a retry");
		if (held == 0)
			spool_mark(sp, &e, r.why, r.res == NOTIFY_PERMFAIL,
			    r.retry_after, now);
		else if (sp != NULL)
			spool_put(sp, a, ch[i].name, r.why,
			    r.res == NOTIFY_PERMFAIL, r.retry_after, now);
	}
	return sent;
}

struct flush {
	const struct notify_channel *ch;
	size_t n;
	int64_t now;
	int64_t until;		/* monotonic ms; 0: no limit */
	unsigned down;		/* bit i: channel i is unreachable now */
};

/* A failure that says nothing about this alert, only about the
 * channel: no answer, or the server is in trouble.  The rest of its
 * entries wait for the next pass rather than each costing a timeout. */
static int
channel_down(const struct notify_result *r)
{
	return r->res == NOTIFY_TEMPFAIL && (r->status == 0 ||
	    r->status == 429 || r->status >= 500);
}

static void
flush_one(const struct spool *sp, struct spool_entry *e, void *arg)
{
	struct flush *f = arg;
	struct notify_result r;
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->ch[i].name, e->channel) == 0)
			break;
	if (i == f->n) {
		spool_mark(sp, e, "no channel of this name is configured", 0,
		    -1, f->now);
		return;
	}
	if ((i < 32 && (f->down & 1u << i)) ||
	    (f->until != 0 && mono_ms() >= f->until)) {
		spool_release(sp, e);
		return;
	}
	notify_send(&f->ch[i], &e->alert, &r);
	if (r.res == NOTIFY_SENT) {
		spool_done(sp, e);
		log_result(&e->alert, e->channel, &r, "");
		return;
	}
	spool_mark(sp, e, r.why, r.res == NOTIFY_PERMFAIL, r.retry_after,
	    f->now);
	log_result(&e->alert, e->channel, &r, r.res == NOTIFY_PERMFAIL ?
	    "dead" : "retried later");
	if (channel_down(&r) && i < 32)
		f->down |= 1u << i;
}

int
notify_flush(const struct notify_channel *ch, size_t n,
    const struct spool *sp, int64_t now, long max_ms)
{
	struct flush f = { ch, n, now, max_ms > 0 ? mono_ms() + max_ms : 0,
		0 };

	return spool_due(sp, now, flush_one, &f);
}

int
notify_flush_all(const struct notify_channel *ch, size_t n,
    const struct spool *sp, int64_t now, long max_ms)
{
	struct flush f = { ch, n, now, max_ms > 0 ? mono_ms() + max_ms : 0,
		0 };

	/* Every pending entry is "due": a human who fixed the network
	 * does not wait for the backoff.  Failures are still backed off
	 * from now. */
	return spool_due(sp, INT64_MAX, flush_one, &f);
}
