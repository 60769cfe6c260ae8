/* http.c - see http.h. */
#include "http.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifndef ANSAI_VERSION
#define ANSAI_VERSION "0.1.0"
#endif

/* A transcript line, or a quoted excerpt in an error message. */
#define SHOW_MAX	200
#define EXCERPT_MAX	48

static const char *const state_names[] = {
	[HTTP_S_STATUS] = "STATUS",
	[HTTP_S_HEADERS] = "HEADERS",
	[HTTP_S_BODY_LENGTH] = "BODY_LENGTH",
	[HTTP_S_BODY_EOF] = "BODY_EOF",
	[HTTP_S_CHUNK_SIZE] = "CHUNK_SIZE",
	[HTTP_S_CHUNK_DATA] = "CHUNK_DATA",
	[HTTP_S_CHUNK_END] = "CHUNK_END",
	[HTTP_S_TRAILER] = "TRAILER",
	[HTTP_S_DONE] = "DONE",
	[HTTP_S_FAILED] = "FAILED",
};

/* Headers whose values are secrets: never shown, never echoed. */
static const char *const secret_headers[] = {
	"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
	"X-Api-Key", "Api-Key",
};

/* Headers the client writes itself; a caller's copy would conflict
 * with the framing and connection handling done here. */
static const char *const own_headers[] = {
	"Host", "User-Agent", "Accept-Encoding", "Content-Length",
	"Transfer-Encoding", "Connection",
};

const char *
http_state_name(enum http_state s)
{
	if ((unsigned)s >= ARRAY_LEN(state_names))
		return "?";
	return state_names[s];
}

/* ---- small character helpers ---- */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* tchar of RFC 9110 5.6.2: what header names and methods are made of. */
static int
is_tchar(char c)
{
	return is_alpha(c) || is_digit(c) ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
is_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_tchar(s[i]))
			return 0;
	return 1;
}

/* Case-insensitive (ASCII) s[n] == word. */
static int
name_is(const char *s, size_t n, const char *word)
{
	size_t i;

	if (strlen(word) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower(s[i]) != lower(word[i]))
			return 0;
	return 1;
}

static int
name_in(const char *s, size_t n, const char *const *list, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (name_is(s, n, list[i]))
			return 1;
	return 0;
}

/* First control byte of s[n] (HTAB allowed), or -1. */
static int
first_ctl(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return c;
	}
	return -1;
}

/*
 * A printable copy of s[n] in out[cap]: bytes outside printable ASCII
 * become '?' (a server's bytes must not reach a terminal or the
 * journal raw), and a copy that does not fit ends in "...".
 */
static void
show(char *out, size_t cap, const char *s, size_t n)
{
	size_t i, keep = n;

	if (cap < 4) {
		if (cap > 0)
			out[0] = '\0';
		return;
	}
	if (n >= cap)
		keep = cap - 4;
	for (i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (keep < n) {
		memcpy(out + keep, "...", 3);
		keep += 3;
	}
	out[keep] = '\0';
}

/* ---- transcript and errors ---- */

static void
trace_text(struct http_resp *r, char dir, const char *s, size_t n)
{
	char buf[SHOW_MAX];

	if (r->trace == NULL)
		return;
	show(buf, sizeof buf, s, n);
	r->trace(r->trace_ctx, dir, buf);
}

static void note(struct http_resp *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
note(struct http_resp *r, const char *fmt, ...)
{
	char buf[SHOW_MAX];
	va_list ap;

	if (r->trace == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	r->trace(r->trace_ctx, '*', buf);
}

/* A header line for the transcript, its value hidden if secret. */
static void
trace_header(struct http_resp *r, char dir, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	char buf[SHOW_MAX];
	size_t k;

	if (colon == NULL || !name_in(s, (size_t)(colon - s),
	    secret_headers, ARRAY_LEN(secret_headers))) {
		trace_text(r, dir, s, n);
		return;
	}
	k = (size_t)(colon - s);
	if (k > sizeof buf - 16)
		k = sizeof buf - 16;
	show(buf, sizeof buf, s, k);
	str_append(buf, sizeof buf, ": [redacted]");
	if (r->trace != NULL)
		r->trace(r->trace_ctx, dir, buf);
}

static void
set_state(struct http_resp *r, enum http_state s)
{
	if (r->state != s)
		note(r, "%s -> %s", http_state_name(r->state),
		    http_state_name(s));
	r->state = s;
}

static int fail(struct http_resp *r, enum http_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct http_resp *r, enum http_err e, const char *fmt, ...)
{
	va_list ap;

	r->err = e;
	va_start(ap, fmt);
	vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
	va_end(ap);
	set_state(r, HTTP_S_FAILED);
	note(r, "error: %s", r->errmsg);
	return HTTP_FAIL;
}

/* ---- the response ---- */

void
http_resp_init(struct http_resp *r, char *body, size_t cap)
{
	memset(r, 0, sizeof *r);
	r->body = body;
	/* One byte is for the NUL; cap 0 takes no body at all. */
	r->body_cap = cap > 0 ? cap - 1 : 0;
	if (cap > 0)
		body[0] = '\0';
	r->retry_after = -1;
	r->now = (int64_t)time(NULL);
	r->state = HTTP_S_STATUS;
}

/* What the current line is, for messages. */
static const char *
line_kind(const struct http_resp *r)
{
	switch (r->state) {
	case HTTP_S_STATUS: return "status line";
	case HTTP_S_HEADERS: return "header";
	case HTTP_S_CHUNK_SIZE: return "chunk size line";
	case HTTP_S_CHUNK_END: return "line after a chunk";
	default: return "trailer line";
	}
}

static int
too_big(struct http_resp *r)
{
	return fail(r, HTTP_E_TOOBIG, "response body larger than %zu bytes",
	    r->body_cap);
}

/* Over the cap, what fits is kept before failing, so that the body
 * after an error does not depend on how the bytes were split. */
static int
body_add(struct http_resp *r, const char *p, size_t n)
{
	size_t k = r->body_cap - r->body_len;

	if (n < k)
		k = n;
	if (k > 0) {
		memcpy(r->body + r->body_len, p, k);
		r->body_len += k;
		r->body[r->body_len] = '\0';
	}
	return k < n ? too_big(r) : HTTP_MORE;
}

static int
finish(struct http_resp *r)
{
	note(r, "body: %zu bytes", r->body_len);
	set_state(r, HTTP_S_DONE);
	return HTTP_DONE;
}

static void
line_reset(struct http_resp *r)
{
	r->line_len = 0;
	r->line_start = 0;
}

/* ---- Retry-After ---- */

struct cursor {
	const char	*s;
	size_t		n;
	size_t		i;
};

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char *const day_short[] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
};
static const char *const day_long[] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday",
};

static int
cur_lit(struct cursor *c, const char *lit)
{
	size_t k = strlen(lit);

	if (c->n - c->i < k || memcmp(c->s + c->i, lit, k) != 0)
		return -1;
	c->i += k;
	return 0;
}

/* Exactly k digits. */
static int
cur_num(struct cursor *c, size_t k, int *v)
{
	size_t j;

	if (c->n - c->i < k)
		return -1;
	*v = 0;
	for (j = 0; j < k; j++) {
		if (!is_digit(c->s[c->i + j]))
			return -1;
		*v = *v * 10 + (c->s[c->i + j] - '0');
	}
	c->i += k;
	return 0;
}

/* One of names, as written (dates are case-sensitive); its index. */
static int
cur_name(struct cursor *c, const char *const *names, size_t count)
{
	size_t j;

	for (j = 0; j < count; j++)
		if (cur_lit(c, names[j]) == 0)
			return (int)j;
	return -1;
}

struct date {
	int	year, mon, day, hour, min, sec;
};

/* "08:49:37" */
static int
cur_time(struct cursor *c, struct date *d)
{
	return cur_num(c, 2, &d->hour) < 0 || cur_lit(c, ":") < 0 ||
	    cur_num(c, 2, &d->min) < 0 || cur_lit(c, ":") < 0 ||
	    cur_num(c, 2, &d->sec) < 0 ? -1 : 0;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT", the form servers send. */
static int
date_imf(struct cursor *c, struct date *d)
{
	if (cur_name(c, day_short, 7) < 0 || cur_lit(c, ", ") < 0 ||
	    cur_num(c, 2, &d->day) < 0 || cur_lit(c, " ") < 0 ||
	    (d->mon = cur_name(c, months, 12)) < 0 || cur_lit(c, " ") < 0 ||
	    cur_num(c, 4, &d->year) < 0 || cur_lit(c, " ") < 0 ||
	    cur_time(c, d) < 0)
		return -1;
	return cur_lit(c, " GMT");
}

/* "Sunday, 06-Nov-94 08:49:37 GMT" (RFC 850, obsolete). */
static int
date_rfc850(struct cursor *c, struct date *d)
{
	if (cur_name(c, day_long, 7) < 0 || cur_lit(c, ", ") < 0 ||
	    cur_num(c, 2, &d->day) < 0 || cur_lit(c, "-") < 0 ||
	    (d->mon = cur_name(c, months, 12)) < 0 || cur_lit(c, "-") < 0 ||
	    cur_num(c, 2, &d->year) < 0 || cur_lit(c, " ") < 0 ||
	    cur_time(c, d) < 0)
		return -1;
	d->year += 10000;	/* marks a two-digit year */
	return cur_lit(c, " GMT");
}

/* "Sun Nov  6 08:49:37 1994" (asctime, obsolete). */
static int
date_asctime(struct cursor *c, struct date *d)
{
	if (cur_name(c, day_short, 7) < 0 || cur_lit(c, " ") < 0 ||
	    (d->mon = cur_name(c, months, 12)) < 0 || cur_lit(c, " ") < 0)
		return -1;
	if (cur_lit(c, " ") == 0) {
		if (cur_num(c, 1, &d->day) < 0)
			return -1;
	} else if (cur_num(c, 2, &d->day) < 0) {
		return -1;
	}
	if (cur_lit(c, " ") < 0 || cur_time(c, d) < 0 ||
	    cur_lit(c, " ") < 0)
		return -1;
	return cur_num(c, 4, &d->year);
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (m 1-12). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/*
 * An RFC 850 year "94" is the year ending in 94 that is not more than
 * 50 years after now (RFC 9110 5.6.7).
 */
static int
full_year(int yy, int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;
	int year, cur;

	if (gmtime_r(&t, &tm) == NULL)
		return 1900 + yy;
	cur = tm.tm_year + 1900;
	year = cur - cur % 100 + yy;
	if (year > cur + 50)
		year -= 100;
	return year;
}

/* An HTTP-date (all three forms RFC 9110 makes recipients read) as
 * seconds since the epoch; -1 when it is none. */
static int
http_date(const char *s, size_t n, int64_t now, int64_t *when)
{
	struct date d;
	struct cursor c;
	int (*const forms[])(struct cursor *, struct date *) = {
		date_imf, date_rfc850, date_asctime,
	};
	size_t f;

	for (f = 0; f < ARRAY_LEN(forms); f++) {
		memset(&d, 0, sizeof d);
		c.s = s;
		c.n = n;
		c.i = 0;
		if (forms[f](&c, &d) == 0 && c.i == n)
			break;
	}
	if (f == ARRAY_LEN(forms))
		return -1;
	if (d.year >= 10000)
		d.year = full_year(d.year - 10000, now);
	if (d.day < 1 || d.day > 31 || d.hour > 23 || d.min > 59 ||
	    d.sec > 60)
		return -1;
	*when = days_from_civil(d.year, d.mon + 1, d.day) * 86400 +
	    d.hour * 3600 + d.min * 60 + d.sec;
	return 0;
}

/* delta-seconds or an HTTP-date; -1 when neither. */
static int64_t
retry_after(const char *v, size_t n, int64_t now)
{
	int64_t secs = 0, when;
	size_t i;

	if (n > 0 && is_digit(v[0])) {
		for (i = 0; i < n; i++) {
			if (!is_digit(v[i]))
				return -1;
			if (secs < HTTP_RETRY_MAX)
				secs = secs * 10 + (v[i] - '0');
		}
		return secs < HTTP_RETRY_MAX ? secs : HTTP_RETRY_MAX;
	}
	if (http_date(v, n, now, &when) < 0)
		return -1;
	if (when <= now)
		return 0;
	return when - now < HTTP_RETRY_MAX ? when - now : HTTP_RETRY_MAX;
}

/* ---- header fields ---- */

/* A protocol error quoting (a printable excerpt of) s[n]. */
static int
bad(struct http_resp *r, const char *what, const char *s, size_t n)
{
	char ex[EXCERPT_MAX];

	show(ex, sizeof ex, s, n);
	return fail(r, HTTP_E_PROTOCOL, "%s \"%s\"", what, ex);
}

/* Calls fn for each non-empty element of the comma-separated list
 * v[n], trimmed; stops at the first that does not return HTTP_MORE. */
static int
each_element(struct http_resp *r, const char *v, size_t n,
    int (*fn)(struct http_resp *, const char *, size_t))
{
	size_t i = 0, j, a, b;
	int rc;

	while (i <= n) {
		for (j = i; j < n && v[j] != ','; j++)
			;
		for (a = i; a < j && is_ows(v[a]); a++)
			;
		for (b = j; b > a && is_ows(v[b - 1]); b--)
			;
		if (b > a && (rc = fn(r, v + a, b - a)) != HTTP_MORE)
			return rc;
		i = j + 1;
	}
	return HTTP_MORE;
}

static int
clen_element(struct http_resp *r, const char *v, size_t n)
{
	uint64_t x = 0;
	size_t i;

	/* 18 digits: far beyond any cap, and no overflow to check. */
	for (i = 0; i < n && i < 19 && is_digit(v[i]); i++)
		x = x * 10 + (uint64_t)(v[i] - '0');
	if (i != n || n > 18)
		return bad(r, "bad Content-Length", v, n);
	if (r->have_clen && x != r->clen)
		return fail(r, HTTP_E_PROTOCOL,
		    "conflicting Content-Length values %llu and %llu",
		    (unsigned long long)r->clen, (unsigned long long)x);
	r->have_clen = 1;
	r->clen = x;
	return HTTP_MORE;
}

static int
te_element(struct http_resp *r, const char *v, size_t n)
{
	char ex[EXCERPT_MAX];

	if (r->chunked)
		return fail(r, HTTP_E_PROTOCOL,
		    "Transfer-Encoding has a coding after chunked");
	if (!name_is(v, n, "chunked")) {
		show(ex, sizeof ex, v, n);
		return fail(r, HTTP_E_PROTOCOL, "unsupported "
		    "Transfer-Encoding \"%s\" (ansai reads only chunked)", ex);
	}
	r->chunked = 1;
	return HTTP_MORE;
}

static int
ce_element(struct http_resp *r, const char *v, size_t n)
{
	char ex[EXCERPT_MAX];

	if (name_is(v, n, "identity"))
		return HTTP_MORE;
	show(ex, sizeof ex, v, n);
	return fail(r, HTTP_E_PROTOCOL, "the response is compressed "
	    "(Content-Encoding: %s), which ansai did not ask for", ex);
}

/* Keep the media type (type "/" subtype, tokens), lower case; the
 * parameters are not needed.  Anything else leaves "". */
static void
content_type(struct http_resp *r, const char *v, size_t n)
{
	const char *slash;
	size_t k, i;

	r->content_type[0] = '\0';
	for (k = 0; k < n && v[k] != ';'; k++)
		;
	while (k > 0 && is_ows(v[k - 1]))
		k--;
	slash = memchr(v, '/', k);
	if (k >= sizeof r->content_type || slash == NULL ||
	    !is_token(v, (size_t)(slash - v)) ||
	    !is_token(slash + 1, k - (size_t)(slash - v) - 1))
		return;
	for (i = 0; i < k; i++)
		r->content_type[i] = lower(v[i]);
	r->content_type[k] = '\0';
}

/* One header field (folded lines already joined), s[n] without CRLF. */
static int
header_field(struct http_resp *r, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n), *v;
	size_t k, vn;

	trace_header(r, '<', s, n);
	if (colon == NULL)
		return bad(r, "header line without a colon:", s, n);
	k = (size_t)(colon - s);
	if (k > 0 && is_ows(s[k - 1]))
		return bad(r, "white space before the colon in header", s, n);
	if (!is_token(s, k))
		return bad(r, "bad header name in", s, n);
	v = colon + 1;
	vn = n - k - 1;
	while (vn > 0 && is_ows(v[0]))
		v++, vn--;
	while (vn > 0 && is_ows(v[vn - 1]))
		vn--;
	if (name_is(s, k, "Content-Length"))
		return each_element(r, v, vn, clen_element);
	if (name_is(s, k, "Transfer-Encoding"))
		return each_element(r, v, vn, te_element);
	if (name_is(s, k, "Content-Encoding"))
		return each_element(r, v, vn, ce_element);
	if (name_is(s, k, "Content-Type"))
		content_type(r, v, vn);
	else if (name_is(s, k, "Retry-After"))
		r->retry_after = retry_after(v, vn, r->now);
	return HTTP_MORE;
}

/* Forget what an interim (1xx) answer said. */
static void
interim_reset(struct http_resp *r)
{
	r->status = 0;
	r->reason[0] = '\0';
	r->content_type[0] = '\0';
	r->retry_after = -1;
	r->have_clen = 0;
	r->clen = 0;
	r->chunked = 0;
}

/* The empty line after the headers: how is the body framed? */
static int
headers_end(struct http_resp *r)
{
	line_reset(r);
	if (r->status < 200) {
		if (r->status == 101)
			return fail(r, HTTP_E_PROTOCOL, "the server switched "
			    "protocols (101), which ansai did not ask for");
		if (++r->ninterim > HTTP_INTERIM_MAX)
			return fail(r, HTTP_E_PROTOCOL,
			    "more than %d interim (1xx) answers",
			    HTTP_INTERIM_MAX);
		interim_reset(r);
		set_state(r, HTTP_S_STATUS);
		return HTTP_MORE;
	}
	if (r->head || r->status == 204 || r->status == 304)
		return finish(r);
	if (r->chunked) {
		set_state(r, HTTP_S_CHUNK_SIZE);
		return HTTP_MORE;
	}
	if (!r->have_clen) {
		set_state(r, HTTP_S_BODY_EOF);
		return HTTP_MORE;
	}
	if (r->clen > r->body_cap)
		return fail(r, HTTP_E_TOOBIG, "response body larger than %zu "
		    "bytes (Content-Length: %llu)", r->body_cap,
		    (unsigned long long)r->clen);
	if (r->clen == 0)
		return finish(r);
	r->remain = r->clen;
	set_state(r, HTTP_S_BODY_LENGTH);
	return HTTP_MORE;
}

/*
 * Headers are kept in line[0..line_start) until the first byte of the
 * next line shows that it does not continue them (obsolete folding);
 * then they are interpreted and the buffer is free for that line.
 */
static int
header_flush(struct http_resp *r)
{
	size_t n = r->line_start;

	line_reset(r);
	return header_field(r, r->line, n);
}

/* A complete physical line in HEADERS: a header, a continuation of
 * the kept one, or the empty line that ends them. */
static int
header_line(struct http_resp *r)
{
	char *cur = r->line + r->line_start;
	size_t n = r->line_len - r->line_start, k;

	if (n == 0)
		return headers_end(r);
	if (++r->nlines > HTTP_HEADERS_MAX)
		return fail(r, HTTP_E_TOOBIG, "more than %d header lines",
		    HTTP_HEADERS_MAX);
	if (!is_ows(cur[0])) {
		r->line_start = r->line_len;	/* keep it */
		return HTTP_MORE;
	}
	if (r->line_start == 0)
		return fail(r, HTTP_E_PROTOCOL,
		    "header block starts with white space");
	for (k = 0; k < n && is_ows(cur[k]); k++)
		;
	if (k < n) {
		/* Join with one space: k >= 1, so it fits. */
		cur[0] = ' ';
		memmove(cur + 1, cur + k, n - k);
		r->line_start += 1 + n - k;
	}
	r->line_len = r->line_start;
	return HTTP_MORE;
}

static int
status_line(struct http_resp *r)
{
	const char *s = r->line;
	size_t n = r->line_len;

	trace_text(r, '<', s, n);
	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || !is_digit(s[7]) ||
	    s[8] != ' ' || !is_digit(s[9]) || !is_digit(s[10]) ||
	    !is_digit(s[11]) || (n > 12 && s[12] != ' '))
		return bad(r, "status line is not HTTP/1.x:", s, n);
	r->minor = s[7] - '0';
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (r->status < 100 || r->status > 599)
		return fail(r, HTTP_E_PROTOCOL,
		    "status code %d out of range", r->status);
	if (n > 13)
		show(r->reason, sizeof r->reason, s + 13, n - 13);
	else
		r->reason[0] = '\0';
	line_reset(r);
	r->nlines = 0;
	set_state(r, HTTP_S_HEADERS);
	return HTTP_MORE;
}

/* chunk-size [ BWS ";" extensions ]; extensions are ignored. */
static int
chunk_size_line(struct http_resp *r)
{
	const char *s = r->line;
	size_t n = r->line_len, i;
	uint64_t v = 0;

	for (i = 0; i < n && hex_digit(s[i]) >= 0; i++) {
		if (v > UINT64_MAX >> 4)
			return fail(r, HTTP_E_PROTOCOL,
			    "chunk size too large");
		v = v << 4 | (uint64_t)hex_digit(s[i]);
	}
	while (i > 0 && i < n && is_ows(s[i]))
		i++;
	if (i == 0 || (i < n && s[i] != ';'))
		return bad(r, "bad chunk size line", s, n);
	line_reset(r);
	if (v == 0) {
		r->nlines = 0;
		set_state(r, HTTP_S_TRAILER);
		return HTTP_MORE;
	}
	if (v > r->body_cap - r->body_len)
		return too_big(r);
	r->remain = v;
	set_state(r, HTTP_S_CHUNK_DATA);
	return HTTP_MORE;
}

/* Trailer fields are read (bounded like headers) and ignored. */
static int
trailer_line(struct http_resp *r)
{
	size_t n = r->line_len;

	line_reset(r);
	if (n == 0)
		return finish(r);
	if (++r->nlines > HTTP_HEADERS_MAX)
		return fail(r, HTTP_E_TOOBIG, "more than %d trailer lines",
		    HTTP_HEADERS_MAX);
	if (memchr(r->line, ':', n) == NULL)
		return fail(r, HTTP_E_PROTOCOL,
		    "trailer line without a colon");
	trace_header(r, '<', r->line, n);
	return HTTP_MORE;
}

/* A complete line in one of the line states. */
static int
line_done(struct http_resp *r)
{
	const char *cur = r->line + r->line_start;
	int c = first_ctl(cur, r->line_len - r->line_start);

	if (c >= 0)
		return fail(r, HTTP_E_PROTOCOL,
		    "control byte 0x%02x in the %s", c, line_kind(r));
	switch (r->state) {
	case HTTP_S_STATUS:
		return status_line(r);
	case HTTP_S_HEADERS:
		return header_line(r);
	case HTTP_S_CHUNK_SIZE:
		return chunk_size_line(r);
	case HTTP_S_CHUNK_END:
		if (r->line_len != 0)
			return fail(r, HTTP_E_PROTOCOL,
			    "chunk longer than its chunk size");
		set_state(r, HTTP_S_CHUNK_SIZE);
		return HTTP_MORE;
	default:
		return trailer_line(r);
	}
}

static int
line_too_long(struct http_resp *r)
{
	return fail(r, HTTP_E_TOOBIG, "%s longer than %d bytes",
	    line_kind(r), HTTP_LINE_MAX);
}

/*
 * Add bytes up to the next LF to the line; *used gets how many were
 * taken.  HTTP_DONE when the line is complete (LF and a CR before it
 * dropped), HTTP_MORE when it needs more, HTTP_FAIL when too long.
 */
static int
take_line(struct http_resp *r, const char *p, size_t n, size_t *used)
{
	const char *lf = memchr(p, '\n', n);
	size_t k = lf != NULL ? (size_t)(lf - p) : n;

	*used = k + (lf != NULL);
	/* Room for HTTP_LINE_MAX bytes, the CR of a CRLF and a NUL. */
	if (k > HTTP_LINE_MAX + 1 - r->line_len)
		return line_too_long(r);
	memcpy(r->line + r->line_len, p, k);
	r->line_len += k;
	r->line[r->line_len] = '\0';
	/* Something that is not HTTP (TLS on a plain port, SSH) fails
	 * at once rather than after 8 KiB or the deadline. */
	if (r->state == HTTP_S_STATUS &&
	    memcmp(r->line, "HTTP/", r->line_len < 5 ? r->line_len : 5) != 0)
		return fail(r, HTTP_E_PROTOCOL, "status line is not HTTP/1.x"
		    " (is it an HTTP server, and http:// vs https:// right?)");
	if (lf == NULL)
		return HTTP_MORE;
	if (r->line_len > r->line_start && r->line[r->line_len - 1] == '\r')
		r->line[--r->line_len] = '\0';
	if (r->line_len > HTTP_LINE_MAX)
		return line_too_long(r);
	return HTTP_DONE;
}

/* Bytes in a line state.  A kept header is interpreted once the
 * first byte of the next line shows that it is not continued. */
static int
take_text(struct http_resp *r, const char *p, size_t n, size_t *used)
{
	int rc;

	*used = 0;
	if (r->state == HTTP_S_HEADERS && r->line_start > 0 &&
	    r->line_len == r->line_start && !is_ows(p[0]) &&
	    header_flush(r) != HTTP_MORE)
		return HTTP_FAIL;
	rc = take_line(r, p, n, used);
	return rc == HTTP_DONE ? line_done(r) : rc;
}

/* Body bytes in BODY_LENGTH, CHUNK_DATA or BODY_EOF. */
static int
take_body(struct http_resp *r, const char *p, size_t n, size_t *used)
{
	size_t k = n;

	if (r->state != HTTP_S_BODY_EOF && k > r->remain)
		k = (size_t)r->remain;
	*used = k;
	if (body_add(r, p, k) != HTTP_MORE)
		return HTTP_FAIL;
	if (r->state == HTTP_S_BODY_EOF)
		return HTTP_MORE;
	r->remain -= k;
	if (r->remain > 0)
		return HTTP_MORE;
	if (r->state == HTTP_S_BODY_LENGTH)
		return finish(r);
	set_state(r, HTTP_S_CHUNK_END);
	return HTTP_MORE;
}

int
http_resp_feed(struct http_resp *r, const void *data, size_t len,
    size_t *used)
{
	const char *p = data;
	size_t i = 0, k;
	int rc = HTTP_MORE;

	while (i < len && rc == HTTP_MORE && r->state != HTTP_S_DONE &&
	    r->state != HTTP_S_FAILED) {
		switch (r->state) {
		case HTTP_S_BODY_LENGTH:
		case HTTP_S_BODY_EOF:
		case HTTP_S_CHUNK_DATA:
			rc = take_body(r, p + i, len - i, &k);
			break;
		default:
			rc = take_text(r, p + i, len - i, &k);
			break;
		}
		i += k;
	}
	if (used != NULL)
		*used = i;
	if (r->state == HTTP_S_DONE)
		return HTTP_DONE;
	return r->state == HTTP_S_FAILED ? HTTP_FAIL : HTTP_MORE;
}

int
http_resp_eof(struct http_resp *r)
{
	switch (r->state) {
	case HTTP_S_DONE:
		return HTTP_DONE;
	case HTTP_S_FAILED:
		return HTTP_FAIL;
	case HTTP_S_BODY_EOF:
		return finish(r);
	case HTTP_S_STATUS:
		if (r->line_len == 0 && r->ninterim == 0)
			return fail(r, HTTP_E_CLOSED,
			    "the server closed the connection without "
			    "answering");
		/* FALLTHROUGH */
	case HTTP_S_HEADERS:
		return fail(r, HTTP_E_CLOSED, "the server closed the "
		    "connection in the middle of the headers");
	case HTTP_S_BODY_LENGTH:
		return fail(r, HTTP_E_CLOSED, "the server closed the "
		    "connection before the end of the body (%zu of %llu "
		    "bytes)", r->body_len, (unsigned long long)r->clen);
	default:
		return fail(r, HTTP_E_CLOSED, "the server closed the "
		    "connection before the end of the chunked body (%zu "
		    "bytes so far)", r->body_len);
	}
}

/* ---- the request ---- */

static int
valid_value(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

/* reg-name / IP-literal characters and ':' (RFC 3986), no '@'. */
static int
valid_authority(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!is_alpha(*s) && !is_digit(*s) &&
		    strchr("-._~:[]!$&'()*+,;=%", *s) == NULL)
			return 0;
	return 1;
}

/* origin-form: '/' and printable ASCII without spaces or '#'. */
static int
valid_path(const char *s)
{
	if (*s != '/')
		return 0;
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f || *s == '#')
			return 0;
	return 1;
}

static int req_err(char *err, size_t errn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A request error into err[errn]; always -1. */
static int
req_err(char *err, size_t errn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errn, fmt, ap);
	va_end(ap);
	return -1;
}

static int
check_header(const struct http_header *h, char *err, size_t errn)
{
	char ex[EXCERPT_MAX];
	size_t n;

	if (h->name == NULL || h->value == NULL)
		return req_err(err, errn, "request header without a name or "
		    "value");
	n = strlen(h->name);
	show(ex, sizeof ex, h->name, n);
	if (!is_token(h->name, n))
		return req_err(err, errn, "request header name \"%s\" is not "
		    "a token (CR, LF, space or ':' in it?)", ex);
	if (name_in(h->name, n, own_headers, ARRAY_LEN(own_headers)))
		return req_err(err, errn, "request header \"%s\" is set by "
		    "the HTTP client itself", ex);
	if (!valid_value(h->value))
		return req_err(err, errn, "request header \"%s\" has a CR, LF "
		    "or control byte in its value", ex);
	return 0;
}

static int
check_request(const struct http_request *req, char *err, size_t errn)
{
	size_t i;

	if (req->method == NULL ||
	    !is_token(req->method, strlen(req->method)))
		return req_err(err, errn, "request method is not a token");
	if (req->authority == NULL || !valid_authority(req->authority))
		return req_err(err, errn, "request host is empty or holds "
		    "characters a host cannot have");
	if (req->path == NULL || !valid_path(req->path))
		return req_err(err, errn, "request path does not start with "
		    "'/' or holds spaces, control or non-ASCII bytes");
	if (req->nheaders > 0 && req->headers == NULL)
		return req_err(err, errn, "request headers missing");
	for (i = 0; i < req->nheaders; i++)
		if (check_header(&req->headers[i], err, errn) < 0)
			return -1;
	if (req->body == NULL && req->body_len > 0)
		return req_err(err, errn, "request body missing");
	return 0;
}

int
http_request_head(const struct http_request *req, char *buf, size_t n,
    size_t *len, char *err, size_t errn)
{
	size_t i;
	int bad;

	if (check_request(req, err, errn) < 0)
		return -1;
	bad = str_fmt(buf, n, "%s %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: ansai/" ANSAI_VERSION "\r\n"
	    "Accept-Encoding: identity\r\n",
	    req->method, req->path, req->authority);
	for (i = 0; i < req->nheaders && !bad; i++)
		bad = str_append(buf, n, "%s: %s\r\n", req->headers[i].name,
		    req->headers[i].value);
	if (req->body != NULL && !bad)
		bad = str_append(buf, n, "Content-Length: %zu\r\n",
		    req->body_len);
	if (!bad)
		bad = str_append(buf, n, "Connection: close\r\n\r\n");
	if (bad) {
		if (n > 0)
			explicit_bzero(buf, n);
		return req_err(err, errn, "request head longer than %zu bytes",
		    n > 0 ? n - 1 : 0);
	}
	*len = strlen(buf);
	return 0;
}

/*
 * A path for people: its first segment, then "/..." or "?..." for what
 * is hidden, as later segments and the query may be keys (a Slack
 * webhook's path is its secret).  A cut copy is fine: it is marked.
 */
static void
path_shown(const char *path, char *out, size_t n)
{
	size_t k = 1 + strcspn(path + 1, "/?");
	const char *rest = path[k] == '\0' ? "" :
	    path[k] == '/' ? "/..." : "?...";

	if (str_fmt(out, n, "%.*s%s", (int)k, path, rest) < 0 && n >= 4)
		memcpy(out + n - 4, "...", 4);
}

/* The request head for the transcript, one line at a time; the
 * request line with the path as path_shown gives it. */
static void
trace_request(struct http_resp *r, const struct http_request *req,
    const char *head, size_t len)
{
	const char *p = memchr(head, '\n', len), *end = head + len, *eol;
	char path[SHOW_MAX / 2], line[SHOW_MAX];

	if (r->trace == NULL || p == NULL)
		return;
	path_shown(req->path, path, sizeof path);
	str_fmt(line, sizeof line, "%s %s HTTP/1.1", req->method, path);
	trace_text(r, '>', line, strlen(line));
	for (p++; p < end; p = eol + 2) {
		eol = memchr(p, '\r', (size_t)(end - p));
		if (eol == NULL || eol == p)
			break;
		trace_header(r, '>', p, (size_t)(eol - p));
	}
}

/* "sending the request: <the transport's words>" into out[n]. */
static void
io_why(const struct http_io *io, const char *doing, char *out, size_t n)
{
	const char *why = io->error != NULL ? io->error(io->ctx) : NULL;

	if (why != NULL && *why != '\0')
		str_fmt(out, n, "%s: %s", doing, why);
	else
		str_fmt(out, n, "%s failed", doing);
}

static int
read_response(const struct http_io *io, struct http_resp *r)
{
	char buf[HTTP_READ_CHUNK], why[HTTP_ERR_MAX];
	size_t used;
	ssize_t n;
	int rc = HTTP_MORE;

	while (rc == HTTP_MORE) {
		n = io->read(io->ctx, buf, sizeof buf);
		if (n < 0 || n > (ssize_t)sizeof buf) {
			io_why(io, "reading the response", why, sizeof why);
			return fail(r, HTTP_E_IO, "%s", why);
		}
		if (n == 0) {
			rc = http_resp_eof(r);
			break;
		}
		rc = http_resp_feed(r, buf, (size_t)n, &used);
		if (rc == HTTP_DONE && used < (size_t)n)
			note(r, "ignoring %zu bytes after the response",
			    (size_t)n - used);
	}
	return rc;
}

int
http_exchange(const struct http_io *io, const struct http_request *req,
    struct http_resp *r)
{
	char sent[HTTP_ERR_MAX] = "";
	size_t len = 0;
	int bad;

	r->head = req->method != NULL && strcmp(req->method, "HEAD") == 0;
	/* The line buffer is free until the response arrives. */
	if (http_request_head(req, r->line, HTTP_LINE_MAX + 1, &len,
	    r->errmsg, sizeof r->errmsg) < 0) {
		r->err = HTTP_E_REQUEST;
		set_state(r, HTTP_S_FAILED);
		return -1;
	}
	trace_request(r, req, r->line, len);
	bad = io->write_all(io->ctx, r->line, len) < 0;
	/* The head may hold a key: wipe it before reusing the buffer. */
	explicit_bzero(r->line, len);
	if (!bad && req->body_len > 0) {
		note(r, "request body: %zu bytes", req->body_len);
		bad = io->write_all(io->ctx, req->body, req->body_len) < 0;
	}
	if (bad) {
		io_why(io, "sending the request", sent, sizeof sent);
		note(r, "%s; reading what the server said anyway", sent);
	}
	if (read_response(io, r) == HTTP_DONE)
		return 0;
	if (sent[0] != '\0') {
		r->err = HTTP_E_IO;
		str_copy(r->errmsg, sizeof r->errmsg, sent);
	}
	return -1;
}

/* ---- URLs ---- */

static int
prefix_nocase(const char *s, const char *p)
{
	for (; *p != '\0'; s++, p++)
		if (lower(*s) != *p)
			return 0;
	return 1;
}

static int
host_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' ||
	    c == '_';
}

/* Host in a[n], IPv6 in brackets or a name; *port points after ':'. */
static int
url_host(struct http_url *u, const char *a, size_t n, const char **port)
{
	const char *close, *h = a, *colon;
	size_t hn, i;
	int v6 = n > 0 && a[0] == '[';

	*port = NULL;
	if (v6) {
		close = memchr(a, ']', n);
		if (close == NULL)
			return HTTP_URL_HOST;
		h = a + 1;
		hn = (size_t)(close - h);
		if (close + 1 < a + n) {
			if (close[1] != ':')
				return HTTP_URL_HOST;
			*port = close + 2;
		}
	} else {
		colon = memchr(a, ':', n);
		hn = colon != NULL ? (size_t)(colon - a) : n;
		if (colon != NULL)
			*port = colon + 1;
	}
	if (hn == 0)
		return HTTP_URL_HOST;
	if (hn >= sizeof u->host)
		return HTTP_URL_TOOLONG;
	for (i = 0; i < hn; i++) {
		if (v6 ? hex_digit(h[i]) < 0 && h[i] != ':' && h[i] != '.'
		    : !host_char(h[i]))
			return HTTP_URL_HOST;
		u->host[i] = lower(h[i]);
	}
	if (v6 && memchr(h, ':', hn) == NULL)
		return HTTP_URL_HOST;
	u->host[hn] = '\0';
	return HTTP_URL_OK;
}

/* Port digits p[0..end); absent or empty keeps the default. */
static int
url_port(struct http_url *u, const char *p, const char *end)
{
	unsigned v = 0;

	if (p == NULL || p == end)
		return HTTP_URL_OK;
	if (end - p > 5)
		return HTTP_URL_PORT;
	for (; p < end; p++) {
		if (!is_digit(*p))
			return HTTP_URL_PORT;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return HTTP_URL_PORT;
	u->port = v;
	return HTTP_URL_OK;
}

/* Path and query from p, up to a fragment. */
static int
url_path(struct http_url *u, const char *p)
{
	size_t n = strcspn(p, "#"), i, o = 0;

	for (i = 0; i < n; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return HTTP_URL_PATH;
	if (n == 0 || p[0] != '/')
		u->path[o++] = '/';
	if (n >= sizeof u->path - o)
		return HTTP_URL_TOOLONG;
	memcpy(u->path + o, p, n);
	u->path[o + n] = '\0';
	return HTTP_URL_OK;
}

/* The Host header: brackets around IPv6, the port unless default. */
static int
url_authority(struct http_url *u)
{
	int v6 = strchr(u->host, ':') != NULL;

	if (str_fmt(u->authority, sizeof u->authority, "%s%s%s",
	    v6 ? "[" : "", u->host, v6 ? "]" : "") < 0 ||
	    (u->port != (u->tls ? 443u : 80u) &&
	    str_append(u->authority, sizeof u->authority, ":%u", u->port) < 0))
		return HTTP_URL_TOOLONG;
	return HTTP_URL_OK;
}

static int
url_parts(const char *url, struct http_url *u)
{
	const char *a, *end, *port;
	int e;

	if (prefix_nocase(url, "http://")) {
		a = url + 7;
		u->port = 80;
	} else if (prefix_nocase(url, "https://")) {
		a = url + 8;
		u->port = 443;
		u->tls = 1;
	} else {
		return HTTP_URL_SCHEME;
	}
	end = a + strcspn(a, "/?#");
	if (memchr(a, '@', (size_t)(end - a)) != NULL)
		return HTTP_URL_USERINFO;
	if ((e = url_host(u, a, (size_t)(end - a), &port)) != HTTP_URL_OK ||
	    (e = url_port(u, port, end)) != HTTP_URL_OK ||
	    (e = url_path(u, end)) != HTTP_URL_OK)
		return e;
	return url_authority(u);
}

int
http_parse_url(const char *url, struct http_url *u)
{
	int e;

	memset(u, 0, sizeof *u);
	e = url_parts(url, u);
	if (e != HTTP_URL_OK)
		memset(u, 0, sizeof *u);
	return e;
}

const char *
http_url_strerror(int err)
{
	switch (err) {
	case HTTP_URL_OK:
		return "no error";
	case HTTP_URL_SCHEME:
		return "the URL does not start with http:// or https://";
	case HTTP_URL_USERINFO:
		return "the URL holds a user name or password (user@host); "
		    "give credentials as a key setting, not in the URL";
	case HTTP_URL_HOST:
		return "the URL has no valid host (a name, an IPv4 address "
		    "or an IPv6 address in brackets)";
	case HTTP_URL_PORT:
		return "the URL has a bad port (1-65535)";
	case HTTP_URL_PATH:
		return "the URL path holds spaces, control or non-ASCII "
		    "bytes (percent-encode them)";
	case HTTP_URL_TOOLONG:
		return "the URL's host or path is too long";
	default:
		return "the URL is not valid";
	}
}

void
http_url_show(const struct http_url *u, char *out, size_t n)
{
	char path[HTTP_PATH_MAX];

	path_shown(u->path, path, sizeof path);
	if (str_fmt(out, n, "%s://%s%s", u->tls ? "https" : "http",
	    u->authority, path) < 0 && n >= 4)
		memcpy(out + n - 4, "...", 4);
}
