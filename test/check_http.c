/* check_http.c - unit tests for http.c, driven by in-memory scripted
 * transports: responses split at every byte, chunked bodies, early
 * closes, limits, Retry-After, header injection refused, URLs, and
 * seeded fuzz-style runs of truncated and mutated responses. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"

/* Check records every passing ck_assert in a file; in loops of tens
 * of thousands that is most of the run time, so loops use this. */
#define CHECK(c) do {							\
	if (!(c))							\
		ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #c);	\
} while (0)

/* 2024-12-04 15:10:00 UTC: the clock for Retry-After dates. */
#define NOW 1733325000

#define BODY_CAP 4096

#ifndef ANSAI_VERSION
#define ANSAI_VERSION "0.1.0"
#endif

/* ---- scripted transport ---- */

struct script {
	const char	*data;		/* what the server sends */
	size_t		len;
	size_t		pos;
	size_t		step;		/* bytes per read at most */
	int		read_fail;	/* at the end: -1, not EOF */
	long		write_room;	/* bytes writable, -1: unlimited */
	char		sent[16384];
	size_t		nsent;
	const char	*why;		/* the transport's message */
};

static ssize_t
s_read(void *ctx, void *buf, size_t n)
{
	struct script *s = ctx;
	size_t k = s->len - s->pos;

	if (k == 0) {
		if (s->read_fail) {
			s->why = "timed out after 10 s";
			return -1;
		}
		return 0;
	}
	if (k > s->step)
		k = s->step;
	if (k > n)
		k = n;
	memcpy(buf, s->data + s->pos, k);
	s->pos += k;
	return (ssize_t)k;
}

static int
s_write(void *ctx, const void *buf, size_t n)
{
	struct script *s = ctx;

	if (s->write_room >= 0 && n > (size_t)s->write_room) {
		s->why = "connection reset by peer";
		return -1;
	}
	if (s->write_room >= 0)
		s->write_room -= (long)n;
	ck_assert_uint_le(n, sizeof s->sent - s->nsent);
	memcpy(s->sent + s->nsent, buf, n);
	s->nsent += n;
	return 0;
}

static const char *
s_error(void *ctx)
{
	return ((struct script *)ctx)->why;
}

static void
script_init(struct script *s, const char *data, size_t step)
{
	memset(s, 0, sizeof *s);
	s->data = data;
	s->len = strlen(data);
	s->step = step;
	s->write_room = -1;
}

/* ---- feeding the parser directly ---- */

struct outcome {
	int		rc;
	int		status;
	int		minor;
	enum http_err	err;
	int64_t		retry;
	size_t		body_len;
	char		errmsg[HTTP_ERR_MAX];
	char		reason[HTTP_REASON_MAX];
	char		ctype[HTTP_CTYPE_MAX];
	char		body[BODY_CAP];
};

static struct http_resp resp;	/* 8.7 KiB: not on Check's stack */

/* Feed s[len] in pieces that end at cuts[0..ncuts), then the rest,
 * then EOF if still needed. */
static void
feed_cuts(const char *s, size_t len, const size_t *cuts, size_t ncuts,
    size_t cap, struct outcome *o)
{
	size_t at = 0, i, end, used;
	int rc = HTTP_MORE;

	memset(o, 0, sizeof *o);
	http_resp_init(&resp, o->body, cap);
	resp.now = NOW;
	for (i = 0; i <= ncuts && rc == HTTP_MORE; i++) {
		end = i < ncuts ? cuts[i] : len;
		if (end < at)
			continue;
		rc = http_resp_feed(&resp, s + at, end - at, &used);
		CHECK(used <= end - at);
		CHECK(rc != HTTP_MORE || used == end - at);
		at = end;
	}
	if (rc == HTTP_MORE)
		rc = http_resp_eof(&resp);
	o->rc = rc;
	o->status = resp.status;
	o->minor = resp.minor;
	o->err = resp.err;
	o->retry = resp.retry_after;
	o->body_len = resp.body_len;
	memcpy(o->errmsg, resp.errmsg, sizeof o->errmsg);
	memcpy(o->reason, resp.reason, sizeof o->reason);
	memcpy(o->ctype, resp.content_type, sizeof o->ctype);
	CHECK(rc == HTTP_DONE || rc == HTTP_FAIL);
	CHECK((rc == HTTP_FAIL) == (resp.state == HTTP_S_FAILED));
	CHECK((rc == HTTP_FAIL) == (o->err != HTTP_E_NONE));
	CHECK(rc == HTTP_DONE || o->errmsg[0] != '\0');
	CHECK(cap == 0 || (o->body_len < cap && o->body[o->body_len] == 0));
}

static void
feed_all(const char *s, size_t cap, struct outcome *o)
{
	feed_cuts(s, strlen(s), NULL, 0, cap, o);
}

/* Feed in pieces of step bytes. */
static void
feed_step(const char *s, size_t len, size_t step, size_t cap,
    struct outcome *o)
{
	static size_t cuts[70000];
	size_t n = 0, at;

	for (at = step; at < len && n < sizeof cuts / sizeof cuts[0];
	    at += step)
		cuts[n++] = at;
	feed_cuts(s, len, cuts, n, cap, o);
}

static int
same(const struct outcome *a, const struct outcome *b)
{
	return a->rc == b->rc && a->status == b->status &&
	    a->minor == b->minor && a->err == b->err &&
	    a->retry == b->retry && a->body_len == b->body_len &&
	    memcmp(a->body, b->body, a->body_len) == 0 &&
	    strcmp(a->errmsg, b->errmsg) == 0 &&
	    strcmp(a->reason, b->reason) == 0 &&
	    strcmp(a->ctype, b->ctype) == 0;
}

/* On a difference, print the input escaped, then fail. */
static void
check_same(const struct outcome *a, const struct outcome *b,
    const char *s, size_t len)
{
	size_t i;

	if (same(a, b))
		return;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		fprintf(stderr, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
	}
	ck_abort_msg("outcomes differ: %d \"%s\" %zu bytes, %d \"%s\" "
	    "%zu bytes", a->rc, a->errmsg, a->body_len, b->rc, b->errmsg,
	    b->body_len);
}

/* ---- responses ---- */

static const char r_length[] =
	"HTTP/1.1 200 OK\r\n"
	"Date: Wed, 04 Dec 2024 15:10:00 GMT\r\n"
	"Content-Type: Application/JSON; charset=utf-8\r\n"
	"Content-Length: 28\r\n"
	"Connection: close\r\n"
	"\r\n"
	"{\"message\":{\"content\":\"hi\"}}";

static const char r_chunked[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: application/json\r\n"
	"Transfer-Encoding: chunked\r\n"
	"\r\n"
	"5;name=value\r\nhello\r\n"
	"6 ; ext=\"q;x\"\r\n world\r\n"
	"A\r\n0123456789\r\n"
	"0;last\r\n"
	"X-Trailer: yes\r\n"
	"\r\n";

static const char r_eof_10[] =
	"HTTP/1.0 200 OK\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"ok, until the end";

static const char r_folded[] =
	"HTTP/1.1 429 Too Many Requests\n"
	"X-Long: part one\n"
	"   part two\n"
	"\tpart three\n"
	"Content-Type:\n"
	" text/plain\n"
	"Retry-After: 120\n"
	"Content-Length: 4\n"
	"\n"
	"slow";

static const char r_interim[] =
	"HTTP/1.1 100 Continue\r\n\r\n"
	"HTTP/1.1 103 Early Hints\r\nLink: </x.css>\r\nRetry-After: 5\r\n\r\n"
	"HTTP/1.1 401 Unauthorized\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 72\r\n\r\n"
	"{\"error\":{\"message\":\"Incorrect API key\",\"type\":"
	"\"invalid_request_error\"}}";

static const char *const responses[] = {
	r_length, r_chunked, r_eof_10, r_folded, r_interim,
};

START_TEST(content_length)
{
	struct outcome o;

	feed_all(r_length, BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_DONE);
	ck_assert_int_eq(o.status, 200);
	ck_assert_int_eq(o.minor, 1);
	ck_assert_str_eq(o.reason, "OK");
	ck_assert_str_eq(o.ctype, "application/json");
	ck_assert_str_eq(o.body, "{\"message\":{\"content\":\"hi\"}}");
	ck_assert_int_eq(o.retry, -1);
}
END_TEST

START_TEST(chunked_with_extensions_and_trailer)
{
	struct outcome o;

	feed_all(r_chunked, BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_DONE);
	ck_assert_str_eq(o.body, "hello world0123456789");
	ck_assert_uint_eq(o.body_len, 21);
}
END_TEST

START_TEST(http10_until_eof)
{
	struct outcome o;

	feed_all(r_eof_10, BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_DONE);
	ck_assert_int_eq(o.minor, 0);
	ck_assert_str_eq(o.body, "ok, until the end");
	ck_assert_str_eq(o.ctype, "text/plain");
}
END_TEST

START_TEST(folding_and_bare_lf)
{
	struct outcome o;

	feed_all(r_folded, BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_DONE);
	ck_assert_int_eq(o.status, 429);
	ck_assert_str_eq(o.reason, "Too Many Requests");
	ck_assert_str_eq(o.ctype, "text/plain");
	ck_assert_int_eq(o.retry, 120);
	ck_assert_str_eq(o.body, "slow");
	feed_all("HTTP/1.1 200 OK\r\n X: y\r\n\r\n", BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_FAIL);
	ck_assert_str_eq(o.errmsg, "header block starts with white space");
}
END_TEST

START_TEST(interim_then_401)
{
	struct outcome o;
	struct json_doc d;
	char msg[64];

	feed_all(r_interim, BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_DONE);
	ck_assert_int_eq(o.status, 401);
	ck_assert_str_eq(o.reason, "Unauthorized");
	ck_assert_int_eq(o.retry, -1);		/* the 103's is forgotten */
	ck_assert_int_eq(json_parse(&d, o.body, o.body_len), 0);
	ck_assert_int_eq(json_get_string(&d, "error.message", msg,
	    sizeof msg), 0);
	ck_assert_str_eq(msg, "Incorrect API key");
}
END_TEST

START_TEST(interim_limits)
{
	char buf[512] = "";
	struct outcome o;
	int i;

	feed_all("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
	    BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_FAIL);
	ck_assert_ptr_nonnull(strstr(o.errmsg, "switched protocols (101)"));
	for (i = 0; i <= HTTP_INTERIM_MAX; i++)
		strcat(buf, "HTTP/1.1 100 Continue\r\n\r\n");
	strcat(buf, "HTTP/1.1 204 No Content\r\n\r\n");
	feed_all(buf, BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_FAIL);
	ck_assert_str_eq(o.errmsg, "more than 8 interim (1xx) answers");
}
END_TEST

/* The same outcome however the bytes arrive. */
START_TEST(split_at_every_byte)
{
	struct outcome ref, o;
	size_t i, len, cut, cuts[2];

	for (i = 0; i < sizeof responses / sizeof responses[0]; i++) {
		len = strlen(responses[i]);
		feed_all(responses[i], BODY_CAP, &ref);
		CHECK(ref.rc == HTTP_DONE);
		feed_step(responses[i], len, 1, BODY_CAP, &o);
		CHECK(same(&ref, &o));
		feed_step(responses[i], len, 3, BODY_CAP, &o);
		CHECK(same(&ref, &o));
		for (cut = 0; cut <= len; cut++) {
			feed_cuts(responses[i], len, &cut, 1, BODY_CAP, &o);
			CHECK(same(&ref, &o));
			cuts[0] = cut / 2;
			cuts[1] = cut;
			feed_cuts(responses[i], len, cuts, 2, BODY_CAP, &o);
			CHECK(same(&ref, &o));
		}
	}
}
END_TEST

/* Cut anywhere, then closed: framed bodies fail, up-to-close ones
 * end there, and nothing is ever reported as complete by mistake. */
START_TEST(closed_early_everywhere)
{
	struct outcome o;
	size_t i, len, cut, hdr;

	for (i = 0; i < sizeof responses / sizeof responses[0]; i++) {
		len = strlen(responses[i]);
		hdr = (size_t)(strstr(responses[i], "\n\n") != NULL ?
		    strstr(responses[i], "\n\n") + 2 - responses[i] :
		    strstr(responses[i], "\r\n\r\n") + 4 - responses[i]);
		for (cut = 0; cut < len; cut++) {
			feed_cuts(responses[i], cut, NULL, 0, BODY_CAP, &o);
			if (responses[i] == r_eof_10 && cut >= hdr) {
				CHECK(o.rc == HTTP_DONE);
				CHECK(o.body_len == cut - hdr);
				continue;
			}
			CHECK(o.rc == HTTP_FAIL);
			CHECK(o.err == HTTP_E_CLOSED);
			CHECK(strstr(o.errmsg, "the server closed the "
			    "connection") == o.errmsg);
		}
	}
}
END_TEST

START_TEST(early_close_messages)
{
	static const struct {
		const char	*resp;
		const char	*err;
	} t[] = {
		{ "", "the server closed the connection without answering" },
		{ "HTTP/1.1 200", "the server closed the connection in the "
		    "middle of the headers" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n",
		    "the server closed the connection in the middle of the "
		    "headers" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
		    "the server closed the connection before the end of the "
		    "body (5 of 10 bytes)" },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\r\nhello\r\n", "the server closed the connection "
		    "before the end of the chunked body (5 bytes so far)" },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "0\r\n", "the server closed the connection before the end "
		    "of the chunked body (0 bytes so far)" },
	};
	struct outcome o;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		feed_all(t[i].resp, BODY_CAP, &o);
		ck_assert_int_eq(o.rc, HTTP_FAIL);
		ck_assert_int_eq(o.err, HTTP_E_CLOSED);
		ck_assert_str_eq(o.errmsg, t[i].err);
	}
}
END_TEST

START_TEST(content_length_mismatch)
{
	static const char more[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
	    "\r\nabcdef";
	struct outcome o;
	size_t used;
	char body[16];

	/* More than announced: the announced bytes, the rest ignored. */
	http_resp_init(&resp, body, sizeof body);
	ck_assert_int_eq(http_resp_feed(&resp, more, strlen(more), &used),
	    HTTP_DONE);
	ck_assert_uint_eq(used, strlen(more) - 3);
	ck_assert_str_eq(body, "abc");
	ck_assert_int_eq(http_resp_feed(&resp, "x", 1, &used), HTTP_DONE);
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(http_resp_eof(&resp), HTTP_DONE);

	feed_all("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n"
	    "Content-Length: 5\r\n\r\nhello", BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_DONE);
	feed_all("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\nhello!", BODY_CAP, &o);
	ck_assert_str_eq(o.errmsg, "conflicting Content-Length values 5 "
	    "and 6");
	feed_all("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!",
	    BODY_CAP, &o);
	ck_assert_int_eq(o.err, HTTP_E_PROTOCOL);
	feed_all("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", BODY_CAP,
	    &o);
	ck_assert_str_eq(o.errmsg, "bad Content-Length \"-1\"");
	feed_all("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", BODY_CAP,
	    &o);
	ck_assert_str_eq(o.errmsg, "bad Content-Length \"1 2\"");
	feed_all("HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456789"
	    "\r\n\r\n", BODY_CAP, &o);
	ck_assert_int_eq(o.err, HTTP_E_PROTOCOL);
	/* Chunked wins over Content-Length. */
	feed_all("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	    BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_DONE);
	ck_assert_str_eq(o.body, "abc");
}
END_TEST

START_TEST(no_body_statuses)
{
	static const char *const t[] = {
		"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
		"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	};
	struct outcome o;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		/* Complete without waiting for a close. */
		char body[8];
		size_t used;

		http_resp_init(&resp, body, sizeof body);
		ck_assert_int_eq(http_resp_feed(&resp, t[i], strlen(t[i]),
		    &used), HTTP_DONE);
		ck_assert_uint_eq(resp.body_len, 0);
		ck_assert_str_eq(body, "");
	}
	http_resp_init(&resp, o.body, BODY_CAP);
	resp.head = 1;
	ck_assert_int_eq(http_resp_feed(&resp, r_length, strlen(r_length) -
	    28, NULL), HTTP_DONE);
	ck_assert_uint_eq(resp.body_len, 0);
}
END_TEST

START_TEST(status_lines)
{
	static const struct {
		const char	*line;
		const char	*err;
	} bad[] = {
		{ "HTTP/2 200\r\n\r\n",
		    "status line is not HTTP/1.x: \"HTTP/2 200\"" },
		{ "HTTP/1.1 99 Low\r\n\r\n",
		    "status line is not HTTP/1.x: \"HTTP/1.1 99 Low\"" },
		{ "HTTP/1.1 2000 OK\r\n\r\n",
		    "status line is not HTTP/1.x: \"HTTP/1.1 2000 OK\"" },
		{ "HTTP/1.1 200OK\r\n\r\n",
		    "status line is not HTTP/1.x: \"HTTP/1.1 200OK\"" },
		{ "HTTP/1.1 600 Odd\r\n\r\n", "status code 600 out of range" },
		{ "HTTP/1.1 099 Odd\r\n\r\n", "status code 99 out of range" },
		{ "HTTP/1.1 200 OK\r\r\n\r\n",
		    "control byte 0x0d in the status line" },
	};
	static const char *const alien[] = {
		"\r\n",
		"SSH-2.0-OpenSSH_9.2p1\r\n",
		"\x15\x03\x01\x00\x02\x02\x50",		/* a TLS alert */
		"<html>",
		"http/1.1 200 OK\r\n",
	};
	struct outcome o;
	size_t i, used;
	char body[8];

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		feed_all(bad[i].line, BODY_CAP, &o);
		ck_assert_int_eq(o.err, HTTP_E_PROTOCOL);
		ck_assert_str_eq(o.errmsg, bad[i].err);
	}
	/* Not HTTP at all: refused at the first wrong byte, before any
	 * line end or the close. */
	for (i = 0; i < sizeof alien / sizeof alien[0]; i++) {
		http_resp_init(&resp, body, sizeof body);
		ck_assert_int_eq(http_resp_feed(&resp, alien[i],
		    strlen(alien[i]), &used), HTTP_FAIL);
		ck_assert_ptr_nonnull(strstr(resp.errmsg,
		    "status line is not HTTP/1.x (is it an HTTP server"));
	}
	feed_all("HTTP/1.1 200\r\n\r\n", BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_DONE);
	ck_assert_str_eq(o.reason, "");
	feed_all("HTTP/1.1 503 Service \x80navailable because of a very, "
	    "very, very, very long reason\r\nContent-Length: 0\r\n\r\n",
	    BODY_CAP, &o);
	ck_assert_int_eq(o.status, 503);
	ck_assert_str_eq(o.reason, "Service ?navailable because of a very, "
	    "very, very, very long...");
}
END_TEST

START_TEST(hostile_headers)
{
	static const struct {
		const char	*resp;
		const char	*err;
	} t[] = {
		{ "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
		    "control byte 0x0d in the header" },
		{ "HTTP/1.1 200 OK\r\nX: \x1b[2J\r\n\r\n",
		    "control byte 0x1b in the header" },
		{ "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
		    "header line without a colon: \"No colon here\"" },
		{ "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello",
		    "white space before the colon in header "
		    "\"Content-Length : 5\"" },
		{ "HTTP/1.1 200 OK\r\n: v\r\n\r\n",
		    "bad header name in \": v\"" },
		{ "HTTP/1.1 200 OK\r\nA(b): v\r\n\r\n",
		    "bad header name in \"A(b): v\"" },
		{ "HTTP/1.1 200 OK\r\n"
		    "Transfer-Encoding: gzip, chunked\r\n\r\n",
		    "unsupported Transfer-Encoding \"gzip\" (ansai reads only "
		    "chunked)" },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "Transfer-Encoding: gzip\r\n\r\n",
		    "Transfer-Encoding has a coding after chunked" },
		{ "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n",
		    "the response is compressed (Content-Encoding: gzip), "
		    "which ansai did not ask for" },
		{ "HTTP/1.1 200 OK\r\nHTTP/1.1 200 OK\r\n\r\n",
		    "header line without a colon: \"HTTP/1.1 200 OK\"" },
	};
	static const char nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
	struct outcome o;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		feed_all(t[i].resp, BODY_CAP, &o);
		ck_assert_int_eq(o.rc, HTTP_FAIL);
		ck_assert_int_eq(o.err, HTTP_E_PROTOCOL);
		ck_assert_str_eq(o.errmsg, t[i].err);
	}
	feed_cuts(nul, sizeof nul - 1, NULL, 0, BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_FAIL);
	ck_assert_str_eq(o.errmsg, "control byte 0x00 in the header");
	feed_all("HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\n"
	    "Transfer-Encoding: ,chunked\r\nX-Obs: caf\xc3\xa9\r\n"
	    "Content-Type: text/caf\xc3\xa9\r\n\r\n0\r\n\r\n", BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_DONE);
	ck_assert_str_eq(o.ctype, "");		/* not a media type */
	feed_all("HTTP/1.1 200 OK\r\nContent-Type: text/plain;charset=x\r\n"
	    "Content-Type: nonsense\r\n\r\n", BODY_CAP, &o);
	ck_assert_str_eq(o.ctype, "");		/* the last one counts */
}
END_TEST

START_TEST(bad_chunks)
{
	static const struct {
		const char	*chunks;
		const char	*err;
	} t[] = {
		{ "zz\r\n", "bad chunk size line \"zz\"" },
		{ "\r\n", "bad chunk size line \"\"" },
		{ "5 x\r\nhello\r\n0\r\n\r\n", "bad chunk size line \"5 x\"" },
		{ "-5\r\n", "bad chunk size line \"-5\"" },
		{ "0x5\r\n", "bad chunk size line \"0x5\"" },
		{ "10000000000000000\r\n", "chunk size too large" },
		{ "3\r\nhello\r\n0\r\n\r\n",
		    "chunk longer than its chunk size" },
		{ "3\r\nabc0\r\n\r\n", "chunk longer than its chunk size" },
		{ "0\r\nno colon\r\n\r\n", "trailer line without a colon" },
		{ "5\x01\r\n", "control byte 0x01 in the chunk size line" },
	};
	char buf[256];
	struct outcome o;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n%s", t[i].chunks);
		feed_all(buf, BODY_CAP, &o);
		ck_assert_int_eq(o.rc, HTTP_FAIL);
		ck_assert_str_eq(o.errmsg, t[i].err);
	}
	/* Leading zeros are no overflow; hex in either case; bare LF. */
	feed_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "00000000000000000000003\nabc\nb\r\nabcdefghijk\r\n0\n\n",
	    BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_DONE);
	ck_assert_str_eq(o.body, "abcabcdefghijk");
}
END_TEST

START_TEST(oversized_lines_and_counts)
{
	static char buf[HTTP_LINE_MAX * 2 + 256];
	struct outcome o;
	size_t n;
	int i;

	/* A header of exactly HTTP_LINE_MAX bytes fits. */
	n = (size_t)snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nX: ");
	memset(buf + n, 'a', HTTP_LINE_MAX - 3);
	n += HTTP_LINE_MAX - 3;
	strcpy(buf + n, "\r\nContent-Length: 0\r\n\r\n");
	feed_all(buf, BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_DONE);
	/* One more byte does not; nor does folding past the limit. */
	strcpy(buf + n, "a\r\n\r\n");
	feed_all(buf, BODY_CAP, &o);
	ck_assert_int_eq(o.err, HTTP_E_TOOBIG);
	ck_assert_str_eq(o.errmsg, "header longer than 8192 bytes");
	strcpy(buf + n, "a\n\n");		/* no CR to make room for */
	feed_all(buf, BODY_CAP, &o);
	ck_assert_str_eq(o.errmsg, "header longer than 8192 bytes");
	n -= 4000;
	strcpy(buf + n, "\r\n ");
	memset(buf + n + 3, 'b', 4100);
	strcpy(buf + n + 3 + 4100, "\r\n\r\n");
	feed_all(buf, BODY_CAP, &o);
	ck_assert_str_eq(o.errmsg, "header longer than 8192 bytes");
	/* A status line that never ends. */
	memcpy(buf, "HTTP/1.1 200 ", 13);
	memset(buf + 13, 'x', HTTP_LINE_MAX);
	buf[13 + HTTP_LINE_MAX] = '\0';
	feed_all(buf, BODY_CAP, &o);
	ck_assert_str_eq(o.errmsg, "status line longer than 8192 bytes");
	/* HTTP_HEADERS_MAX lines fit, one more does not. */
	strcpy(buf, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < HTTP_HEADERS_MAX - 1; i++)
		strcat(buf, "X: y\r\n");
	strcat(buf, "Content-Length: 0\r\n\r\n");
	feed_all(buf, BODY_CAP, &o);
	ck_assert_int_eq(o.rc, HTTP_DONE);
	strcpy(strstr(buf, "Content-Length"), "X: y\r\nX: y\r\n\r\n");
	feed_all(buf, BODY_CAP, &o);
	ck_assert_str_eq(o.errmsg, "more than 100 header lines");
	/* Trailers are bounded the same way. */
	strcpy(buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0\r\n");
	for (i = 0; i <= HTTP_HEADERS_MAX; i++)
		strcat(buf, "T: y\r\n");
	strcat(buf, "\r\n");
	feed_all(buf, BODY_CAP, &o);
	ck_assert_str_eq(o.errmsg, "more than 100 trailer lines");
	/* Blank continuation lines count too: no endless headers. */
	strcpy(buf, "HTTP/1.1 200 OK\r\nX: y\r\n");
	for (i = 0; i < HTTP_HEADERS_MAX; i++)
		strcat(buf, " \r\n");
	feed_all(buf, BODY_CAP, &o);
	ck_assert_str_eq(o.errmsg, "more than 100 header lines");
}
END_TEST

START_TEST(body_cap)
{
	static const char cl[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
	    "\r\n0123456789";
	static const char ch[] = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n4\r\n6789\r\n"
	    "0\r\n\r\n";
	static const char eof[] = "HTTP/1.1 200 OK\r\n\r\n0123456789";
	const char *const t[] = { cl, ch, eof };
	struct outcome o;
	size_t i, used;
	char body[11];

	for (i = 0; i < 3; i++) {
		feed_all(t[i], 11, &o);		/* exactly fits */
		ck_assert_int_eq(o.rc, HTTP_DONE);
		ck_assert_str_eq(o.body, "0123456789");
		feed_all(t[i], 10, &o);		/* one byte short */
		ck_assert_int_eq(o.rc, HTTP_FAIL);
		ck_assert_int_eq(o.err, HTTP_E_TOOBIG);
		ck_assert_ptr_nonnull(strstr(o.errmsg,
		    "response body larger than 9 bytes"));
		ck_assert_uint_le(o.body_len, 9);
	}
	/* Refused on the header, before any body byte is read. */
	http_resp_init(&resp, body, 10);
	ck_assert_int_eq(http_resp_feed(&resp, cl, strlen(cl), &used),
	    HTTP_FAIL);
	ck_assert_uint_eq(used, strlen(cl) - 10);
	ck_assert_str_eq(resp.errmsg, "response body larger than 9 bytes "
	    "(Content-Length: 10)");
	/* No buffer: any body at all is too big. */
	feed_all(eof, 0, &o);
	ck_assert_int_eq(o.err, HTTP_E_TOOBIG);
	feed_all("HTTP/1.1 204 No Content\r\n\r\n", 0, &o);
	ck_assert_int_eq(o.rc, HTTP_DONE);
}
END_TEST

START_TEST(retry_after_forms)
{
	static const struct {
		const char	*value;
		int64_t		secs;
	} t[] = {
		{ "120", 120 },
		{ "0", 0 },
		{ "  7  ", 7 },
		{ "99999999999999999999", HTTP_RETRY_MAX },
		{ "Wed, 04 Dec 2024 15:11:30 GMT", 90 },
		{ "Wednesday, 04-Dec-24 16:10:00 GMT", 3600 },
		{ "Wed Dec  4 17:10:00 2024", 7200 },
		{ "Sat Dec 14 17:10:00 2024", 871200 },
		{ "Sat Dec 14 17:10:00 24", -1 },
		{ "Wed, 04 Dec 2024 15:08:20 GMT", 0 },		/* past */
		{ "Friday, 31-Dec-99 23:59:59 GMT", 0 },	/* 1999 */
		{ "Thu, 01 Jan 2099 00:00:00 GMT", HTTP_RETRY_MAX },
		{ "Wed, 04 Dec 2024 15:10:01 GMT", 1 },
		{ "Sat, 01 Jan 2000 00:00:00 GMT", 0 },
		{ "-5", -1 },
		{ "1.5", -1 },
		{ "soon", -1 },
		{ "", -1 },
		{ "Wed, 04 Dec 2024 15:11:30 UTC", -1 },
		{ "Wed, 04 Dec 2024 25:11:30 GMT", -1 },
		{ "Wed, 4 Dec 2024 15:11:30 GMT", -1 },
		{ "wed, 04 dec 2024 15:11:30 GMT", -1 },
		{ "Wed, 04 Dec 2024 15:11:30 GMT x", -1 },
		{ "Wed, 04 Dec 2024 15:11:30", -1 },
	};
	char buf[256];
	struct outcome o;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(buf, sizeof buf, "HTTP/1.1 429 Too Many Requests\r\n"
		    "Retry-After: %s\r\nContent-Length: 0\r\n\r\n",
		    t[i].value);
		feed_all(buf, BODY_CAP, &o);
		ck_assert_int_eq(o.rc, HTTP_DONE);
		ck_assert_int_eq(o.status, 429);
		ck_assert_msg(o.retry == t[i].secs, "%s: %lld", t[i].value,
		    (long long)o.retry);
	}
}
END_TEST

/* ---- whole exchanges ---- */

static const struct http_header auth_headers[] = {
	{ "Authorization", "Bearer sk-SECRET-123" },
	{ "Content-Type", "application/json" },
};

static const char post_body[] = "{\"model\":\"m\"}";

static struct http_request
post_request(void)
{
	struct http_request req;

	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.authority = "api.example.com";
	req.path = "/v1/chat/completions";
	req.headers = auth_headers;
	req.nheaders = 2;
	req.body = post_body;
	req.body_len = strlen(post_body);
	return req;
}

static char transcript[8192];

static void
collect(void *ctx, char dir, const char *line)
{
	(void)ctx;
	ck_assert_ptr_null(strchr(line, '\n'));
	snprintf(transcript + strlen(transcript),
	    sizeof transcript - strlen(transcript), "%c %s\n", dir, line);
}

START_TEST(request_bytes_on_the_wire)
{
	struct http_request req = post_request();
	struct http_io io = { NULL, s_read, s_write, s_error };
	static struct script s;
	char body[64];

	script_init(&s, r_length, 7);
	io.ctx = &s;
	http_resp_init(&resp, body, sizeof body);
	ck_assert_int_eq(http_exchange(&io, &req, &resp), 0);
	s.sent[s.nsent] = '\0';
	ck_assert_str_eq(s.sent,
	    "POST /v1/chat/completions HTTP/1.1\r\n"
	    "Host: api.example.com\r\n"
	    "User-Agent: ansai/" ANSAI_VERSION "\r\n"
	    "Accept-Encoding: identity\r\n"
	    "Authorization: Bearer sk-SECRET-123\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 13\r\n"
	    "Connection: close\r\n"
	    "\r\n"
	    "{\"model\":\"m\"}");
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(body, "{\"message\":{\"content\":\"hi\"}}");
	/* The key is not left behind in the line buffer. */
	ck_assert_ptr_null(memmem(resp.line, sizeof resp.line, "SECRET", 6));

	/* GET: no Content-Length; an empty POST body: "0". */
	req.method = "GET";
	req.body = NULL;
	req.body_len = 0;
	req.nheaders = 0;
	script_init(&s, r_length, 2048);
	http_resp_init(&resp, body, sizeof body);
	ck_assert_int_eq(http_exchange(&io, &req, &resp), 0);
	s.sent[s.nsent] = '\0';
	ck_assert_ptr_null(strstr(s.sent, "Content-Length"));
	req.method = "POST";
	req.body = "";
	script_init(&s, r_length, 2048);
	http_resp_init(&resp, body, sizeof body);
	ck_assert_int_eq(http_exchange(&io, &req, &resp), 0);
	s.sent[s.nsent] = '\0';
	ck_assert_ptr_nonnull(strstr(s.sent, "\r\nContent-Length: 0\r\n"));
}
END_TEST

START_TEST(transcript_redacts)
{
	struct http_request req = post_request();
	struct http_io io = { NULL, s_read, s_write, s_error };
	static struct script s;
	char body[64];

	script_init(&s, "HTTP/1.1 200 OK\r\nSet-Cookie: sid=SECRET\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", 5);
	io.ctx = &s;
	transcript[0] = '\0';
	http_resp_init(&resp, body, sizeof body);
	resp.trace = collect;
	ck_assert_int_eq(http_exchange(&io, &req, &resp), 0);
	ck_assert_ptr_null(strstr(transcript, "SECRET"));
	ck_assert_ptr_nonnull(strstr(transcript,
	    "> POST /v1/... HTTP/1.1\n> Host: api.example.com\n"));
	ck_assert_ptr_nonnull(strstr(transcript,
	    "> Authorization: [redacted]\n"));
	ck_assert_ptr_nonnull(strstr(transcript,
	    "> Content-Type: application/json\n"));
	ck_assert_ptr_nonnull(strstr(transcript, "* request body: 13 bytes"));
	ck_assert_ptr_nonnull(strstr(transcript, "< HTTP/1.1 200 OK\n"));
	ck_assert_ptr_nonnull(strstr(transcript,
	    "< Set-Cookie: [redacted]\n"));
	ck_assert_ptr_nonnull(strstr(transcript, "* HEADERS -> CHUNK_SIZE\n"));
	ck_assert_ptr_nonnull(strstr(transcript, "* TRAILER -> DONE\n"));
	ck_assert_ptr_nonnull(strstr(transcript, "* body: 2 bytes\n"));

	/* A webhook's path is its key. */
	req.path = "/services/T0/B0/SECRET?token=SECRET";
	script_init(&s, r_length, 64);
	transcript[0] = '\0';
	http_resp_init(&resp, body, sizeof body);
	resp.trace = collect;
	ck_assert_int_eq(http_exchange(&io, &req, &resp), 0);
	ck_assert_ptr_null(strstr(transcript, "SECRET"));
	ck_assert_ptr_nonnull(strstr(transcript,
	    "> POST /services/... HTTP/1.1\n"));
}
END_TEST

START_TEST(state_names)
{
	int s;

	for (s = HTTP_S_STATUS; s <= HTTP_S_FAILED; s++)
		ck_assert_str_ne(http_state_name((enum http_state)s), "?");
	ck_assert_str_eq(http_state_name(HTTP_S_CHUNK_END), "CHUNK_END");
	ck_assert_str_eq(http_state_name((enum http_state)99), "?");
}
END_TEST

/* A server that answers 413 while the body is being sent, then
 * closes: the answer counts, not the failed write. */
START_TEST(answer_before_body_413)
{
	struct http_request req = post_request();
	struct http_io io = { NULL, s_read, s_write, s_error };
	static struct script s;
	char body[256];

	script_init(&s, "HTTP/1.1 413 Payload Too Large\r\n"
	    "Content-Type: application/json\r\nContent-Length: 29\r\n\r\n"
	    "{\"error\":\"request too large\"}", 64);
	s.write_room = 200;	/* the head goes out, the body does not */
	io.ctx = &s;
	http_resp_init(&resp, body, sizeof body);
	ck_assert_int_eq(http_exchange(&io, &req, &resp), 0);
	ck_assert_int_eq(resp.status, 413);
	ck_assert_str_eq(body, "{\"error\":\"request too large\"}");

	/* Nothing came back: the send error is the one reported. */
	script_init(&s, "", 64);
	s.write_room = 10;
	http_resp_init(&resp, body, sizeof body);
	ck_assert_int_eq(http_exchange(&io, &req, &resp), -1);
	ck_assert_int_eq(resp.err, HTTP_E_IO);
	ck_assert_str_eq(resp.errmsg,
	    "sending the request: connection reset by peer");
}
END_TEST

START_TEST(transport_errors)
{
	struct http_request req = post_request();
	struct http_io io = { NULL, s_read, s_write, s_error };
	static struct script s;
	char body[64];

	script_init(&s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
	    4);
	s.read_fail = 1;
	io.ctx = &s;
	http_resp_init(&resp, body, sizeof body);
	ck_assert_int_eq(http_exchange(&io, &req, &resp), -1);
	ck_assert_int_eq(resp.err, HTTP_E_IO);
	ck_assert_str_eq(resp.errmsg,
	    "reading the response: timed out after 10 s");
	io.error = NULL;
	script_init(&s, "", 4);
	s.read_fail = 1;
	http_resp_init(&resp, body, sizeof body);
	ck_assert_int_eq(http_exchange(&io, &req, &resp), -1);
	ck_assert_str_eq(resp.errmsg, "reading the response failed");
	script_init(&s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
	    4);
	http_resp_init(&resp, body, sizeof body);
	ck_assert_int_eq(http_exchange(&io, &req, &resp), -1);
	ck_assert_int_eq(resp.err, HTTP_E_CLOSED);
}
END_TEST

/* Header injection and other bad requests: refused before anything
 * is sent, and the message never holds a header's value. */
START_TEST(request_injection_refused)
{
	static const struct {
		const char	*name;
		const char	*value;
		const char	*err;
	} hdr[] = {
		{ "X-Evil", "a\r\nHost: evil", "request header \"X-Evil\" has "
		    "a CR, LF or control byte in its value" },
		{ "X-Evil", "SECRET\n", "request header \"X-Evil\" has a CR, "
		    "LF or control byte in its value" },
		{ "X-Evil", "a\0b", NULL },	/* ends at the NUL: fine */
		{ "Authorization", "Bearer SECRET\r\nX: y", "request header "
		    "\"Authorization\" has a CR, LF or control byte in its "
		    "value" },
		{ "X-Evil\r\nHost", "v", "request header name "
		    "\"X-Evil??Host\" is not a token (CR, LF, space or ':' in "
		    "it?)" },
		{ "X Evil", "v", NULL },
		{ "X:Evil", "v", NULL },
		{ "", "v", NULL },
		{ "Host", "evil", "request header \"Host\" is set by the HTTP "
		    "client itself" },
		{ "content-length", "0", NULL },
		{ "Transfer-Encoding", "chunked", NULL },
		{ "Connection", "keep-alive", NULL },
	};
	static const char *const paths[] = {
		"/a b", "/a\r\nX: y", "/a\n", "noslash", "", "/caf\xc3\xa9",
		"/a#frag", "/\x7f",
	};
	static const char *const hosts[] = {
		"", "a b", "h\r\nX: y", "user@h", "h/x", "h?x", "h#x",
	};
	static const char *const methods[] = { "", "GE T", "GET\r\n", "G:" };
	struct http_request req = post_request();
	struct http_io io = { NULL, s_read, s_write, s_error };
	static struct script s;
	struct http_header h;
	char head[1024], err[HTTP_ERR_MAX];
	size_t i, len;

	for (i = 0; i < sizeof hdr / sizeof hdr[0]; i++) {
		h.name = hdr[i].name;
		h.value = hdr[i].value;
		req.headers = &h;
		req.nheaders = 1;
		err[0] = '\0';
		if (strcmp(hdr[i].value, "a") == 0) {
			ck_assert_int_eq(http_request_head(&req, head,
			    sizeof head, &len, err, sizeof err), 0);
			continue;
		}
		ck_assert_int_eq(http_request_head(&req, head, sizeof head,
		    &len, err, sizeof err), -1);
		if (hdr[i].err != NULL)
			ck_assert_str_eq(err, hdr[i].err);
		ck_assert_ptr_null(strstr(err, "SECRET"));
		ck_assert_ptr_null(strstr(err, "evil"));
	}
	req = post_request();
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		req.path = paths[i];
		ck_assert_int_eq(http_request_head(&req, head, sizeof head,
		    &len, err, sizeof err), -1);
		ck_assert_str_eq(err, "request path does not start with '/' "
		    "or holds spaces, control or non-ASCII bytes");
	}
	req = post_request();
	for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		req.authority = hosts[i];
		ck_assert_int_eq(http_request_head(&req, head, sizeof head,
		    &len, err, sizeof err), -1);
	}
	req = post_request();
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		req.method = methods[i];
		ck_assert_int_eq(http_request_head(&req, head, sizeof head,
		    &len, err, sizeof err), -1);
		ck_assert_str_eq(err, "request method is not a token");
	}
	h.name = "X";
	h.value = NULL;
	req.headers = &h;
	req.nheaders = 1;
	ck_assert_int_eq(http_request_head(&req, head, sizeof head, &len, err,
	    sizeof err), -1);
	req.headers = NULL;
	ck_assert_int_eq(http_request_head(&req, head, sizeof head, &len, err,
	    sizeof err), -1);
	req = post_request();
	req.body = NULL;
	ck_assert_int_eq(http_request_head(&req, head, sizeof head, &len, err,
	    sizeof err), -1);
	ck_assert_str_eq(err, "request body missing");
	/* A head that does not fit is refused and wiped, not cut. */
	req = post_request();
	ck_assert_int_eq(http_request_head(&req, head, 100, &len, err,
	    sizeof err), -1);
	ck_assert_str_eq(err, "request head longer than 99 bytes");
	ck_assert_ptr_null(memmem(head, sizeof head, "SECRET", 6));
	/* Through http_exchange: nothing reaches the transport. */
	h.name = "X-Evil";
	h.value = "a\r\n\r\nGET /admin HTTP/1.1";
	req.headers = &h;
	req.nheaders = 1;
	script_init(&s, r_length, 64);
	io.ctx = &s;
	http_resp_init(&resp, head, sizeof head);
	ck_assert_int_eq(http_exchange(&io, &req, &resp), -1);
	ck_assert_int_eq(resp.err, HTTP_E_REQUEST);
	ck_assert_uint_eq(s.nsent, 0);
	ck_assert_uint_eq(s.pos, 0);
	/* IPv6 authority and a query are fine. */
	req = post_request();
	req.authority = "[::1]:8080";
	req.path = "/api/chat?x=1&y=%20";
	ck_assert_int_eq(http_request_head(&req, head, sizeof head, &len, err,
	    sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(head, "Host: [::1]:8080\r\n"));
}
END_TEST

/* ---- URLs ---- */

START_TEST(url_good)
{
	static const struct {
		const char	*url;
		int		tls;
		const char	*host;
		unsigned	port;
		const char	*authority;
		const char	*path;
	} t[] = {
		{ "http://example.com", 0, "example.com", 80, "example.com",
		    "/" },
		{ "https://API.OpenAI.com/v1/chat/completions", 1,
		    "api.openai.com", 443, "api.openai.com",
		    "/v1/chat/completions" },
		{ "HTTPS://h:8443/x?y=1#frag", 1, "h", 8443, "h:8443",
		    "/x?y=1" },
		{ "http://127.0.0.1:11434/api/chat", 0, "127.0.0.1", 11434,
		    "127.0.0.1:11434", "/api/chat" },
		{ "http://[::1]:8080/x", 0, "::1", 8080, "[::1]:8080", "/x" },
		{ "https://[2001:DB8::1]/", 1, "2001:db8::1", 443,
		    "[2001:db8::1]", "/" },
		{ "http://h:443/", 0, "h", 443, "h:443", "/" },
		{ "https://h:443", 1, "h", 443, "h", "/" },
		{ "http://h:/p", 0, "h", 80, "h", "/p" },
		{ "http://h?q=1", 0, "h", 80, "h", "/?q=1" },
		{ "http://h#f", 0, "h", 80, "h", "/" },
		{ "http://my_host.local./", 0, "my_host.local.", 80,
		    "my_host.local.", "/" },
	};
	struct http_url u;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_int_eq(http_parse_url(t[i].url, &u), HTTP_URL_OK);
		ck_assert_int_eq(u.tls, t[i].tls);
		ck_assert_str_eq(u.host, t[i].host);
		ck_assert_uint_eq(u.port, t[i].port);
		ck_assert_str_eq(u.authority, t[i].authority);
		ck_assert_str_eq(u.path, t[i].path);
	}
}
END_TEST

START_TEST(url_bad)
{
	static char long_host[HTTP_HOST_MAX + 32], long_path[HTTP_PATH_MAX
	    + 32];
	static const struct {
		const char	*url;
		int		err;
	} t[] = {
		{ "ftp://h/", HTTP_URL_SCHEME },
		{ "h/x", HTTP_URL_SCHEME },
		{ "", HTTP_URL_SCHEME },
		{ "http:/h", HTTP_URL_SCHEME },
		{ "http://", HTTP_URL_HOST },
		{ "http:///x", HTTP_URL_HOST },
		{ "http://user:pw@h/", HTTP_URL_USERINFO },
		{ "https://sk-SECRET@api.x.com/v1", HTTP_URL_USERINFO },
		{ "http://@h/", HTTP_URL_USERINFO },
		{ "http://h:0/", HTTP_URL_PORT },
		{ "http://h:65536/", HTTP_URL_PORT },
		{ "http://h:123456/", HTTP_URL_PORT },
		{ "http://h:12a/", HTTP_URL_PORT },
		{ "http://h:-1/", HTTP_URL_PORT },
		{ "http://h:80:80/", HTTP_URL_PORT },
		{ "http://[::1/", HTTP_URL_HOST },
		{ "http://[]/", HTTP_URL_HOST },
		{ "http://[1.2.3.4]/", HTTP_URL_HOST },
		{ "http://[fe80::1%25eth0]/", HTTP_URL_HOST },
		{ "http://[::1]x/", HTTP_URL_HOST },
		{ "http://exa mple.com/", HTTP_URL_HOST },
		{ "http://h\r\n/", HTTP_URL_HOST },
		{ "http://caf\xc3\xa9.com/", HTTP_URL_HOST },
		{ "http://h%41/", HTTP_URL_HOST },
		{ "http://h/a b", HTTP_URL_PATH },
		{ "http://h/a\r\nHost: x", HTTP_URL_PATH },
		{ "http://h/caf\xc3\xa9", HTTP_URL_PATH },
		{ "http://h/\x7f", HTTP_URL_PATH },
		{ "http://h?a b", HTTP_URL_PATH },
	};
	struct http_url u;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&u, 'x', sizeof u);
		ck_assert_msg(http_parse_url(t[i].url, &u) == t[i].err,
		    "case %zu", i);
		ck_assert_str_eq(u.host, "");		/* zeroed */
		ck_assert_uint_eq(u.port, 0);
		ck_assert_ptr_null(strstr(http_url_strerror(t[i].err),
		    "SECRET"));
	}
	strcpy(long_host, "http://");
	memset(long_host + 7, 'a', HTTP_HOST_MAX);
	ck_assert_int_eq(http_parse_url(long_host, &u), HTTP_URL_TOOLONG);
	long_host[7 + HTTP_HOST_MAX - 1] = '\0';	/* 255: fits */
	ck_assert_int_eq(http_parse_url(long_host, &u), HTTP_URL_OK);
	strcpy(long_path, "http://h/");
	memset(long_path + 9, 'p', HTTP_PATH_MAX);
	ck_assert_int_eq(http_parse_url(long_path, &u), HTTP_URL_TOOLONG);
	long_path[8 + HTTP_PATH_MAX - 1] = '\0';	/* 1023: fits */
	ck_assert_int_eq(http_parse_url(long_path, &u), HTTP_URL_OK);
	ck_assert_uint_eq(strlen(u.path), HTTP_PATH_MAX - 1);
	ck_assert_ptr_nonnull(strstr(http_url_strerror(HTTP_URL_USERINFO),
	    "user name or password"));
}
END_TEST

START_TEST(url_show)
{
	static const struct {
		const char	*url;
		const char	*shown;
	} t[] = {
		{ "https://api.openai.com/v1/chat/completions",
		    "https://api.openai.com/v1/..." },
		{ "https://hooks.slack.com/services/T0/B0/XXXXSECRET",
		    "https://hooks.slack.com/services/..." },
		{ "http://h:8080/api?key=SECRET", "http://h:8080/api?..." },
		{ "http://h/?key=SECRET", "http://h/?..." },
		{ "http://[::1]:11434/api/chat",
		    "http://[::1]:11434/api/..." },
		{ "http://h", "http://h/" },
		{ "http://h/health", "http://h/health" },
	};
	struct http_url u;
	char out[64];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_int_eq(http_parse_url(t[i].url, &u), 0);
		http_url_show(&u, out, sizeof out);
		ck_assert_str_eq(out, t[i].shown);
	}
	ck_assert_int_eq(http_parse_url(t[0].url, &u), 0);
	http_url_show(&u, out, 16);
	ck_assert_str_eq(out, "https://api....");
}
END_TEST

/* ---- fuzz-style ---- */

static uint64_t rng;

static uint64_t
rnd(void)
{
	/* xorshift64*: small, and the same sequence everywhere. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static size_t
rnd_n(size_t n)
{
	return n == 0 ? 0 : (size_t)(rnd() % n);
}

static const char interesting[] = "\r\n\r\n :;,0123456789aAfF\t\x00\x7f"
	"\x80\xff-HTTP/1.1 ";

static size_t
mutate(char *buf, size_t len, size_t cap)
{
	size_t k, at, n;

	for (k = 1 + rnd_n(3); k > 0; k--) {
		at = rnd_n(len + 1);
		switch (rnd_n(6)) {
		case 0:
			if (len > 0)
				buf[rnd_n(len)] ^= (char)(1 << rnd_n(8));
			break;
		case 1:
			if (len > 0)
				buf[rnd_n(len)] = interesting[rnd_n(
				    sizeof interesting - 1)];
			break;
		case 2:
			if (at < len) {
				n = 1 + rnd_n(8);
				if (n > len - at)
					n = len - at;
				memmove(buf + at, buf + at + n, len - at - n);
				len -= n;
			}
			break;
		case 3:
			if (len < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = interesting[rnd_n(
				    sizeof interesting - 1)];
				len++;
			}
			break;
		case 4:
			n = rnd_n(24);
			if (at + n <= len && len + n <= cap) {
				memmove(buf + at + n, buf + at, len - at);
				len += n;
			}
			break;
		default:
			len = at;
			break;
		}
	}
	return len;
}

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Mutants give the same outcome whole, byte by byte and split at
 * random places; results stay within their bounds. */
START_TEST(fuzz_mutated)
{
	enum { ROUNDS = 20000, CAP = 1024 };
	static struct outcome ref, o;
	char buf[CAP], *copy;
	size_t len, cuts[3], cap;
	unsigned i, done = 0;

	rng = 0x2545f4914f6cdd1dULL;
	for (i = 0; i < ROUNDS; i++) {
		const char *s = responses[rnd_n(sizeof responses /
		    sizeof responses[0])];

		len = strlen(s);
		memcpy(buf, s, len);
		len = mutate(buf, len, sizeof buf);
		copy = malloc(len > 0 ? len : 1);	/* ASan: exact */
		CHECK(copy != NULL);
		memcpy(copy, buf, len);
		cap = 1 + rnd_n(64);
		feed_cuts(copy, len, NULL, 0, cap, &ref);
		done += ref.rc == HTTP_DONE;
		CHECK(printable(ref.reason) && printable(ref.ctype) &&
		    printable(ref.errmsg));
		CHECK(ref.rc != HTTP_DONE || (ref.status >= 200 &&
		    ref.status <= 599));
		CHECK(ref.retry >= -1 && ref.retry <= HTTP_RETRY_MAX);
		cuts[0] = rnd_n(len + 1);
		cuts[1] = cuts[0] + rnd_n(len + 1 - cuts[0]);
		cuts[2] = cuts[1] + rnd_n(len + 1 - cuts[1]);
		feed_cuts(copy, len, cuts, 3, cap, &o);
		check_same(&ref, &o, copy, len);
		if (i % 16 == 0) {
			feed_step(copy, len, 1, cap, &o);
			check_same(&ref, &o, copy, len);
		}
		free(copy);
	}
	CHECK(done > ROUNDS / 20);
}
END_TEST

/* Random bytes through a whole exchange, in random read sizes. */
START_TEST(fuzz_exchange)
{
	static struct script s;
	static char data[1024];
	struct http_request req = post_request();
	struct http_io io = { NULL, s_read, s_write, s_error };
	char body[128];
	unsigned i;
	size_t len, k;
	int rc;

	rng = 99;
	io.ctx = &s;
	for (i = 0; i < 3000; i++) {
		const char *src = responses[rnd_n(sizeof responses /
		    sizeof responses[0])];

		len = strlen(src);
		memcpy(data, src, len);
		len = mutate(data, len, sizeof data - 1);
		for (k = 0; k < len; k++)	/* the script is a string */
			if (data[k] == '\0')
				data[k] = ' ';
		data[len] = '\0';
		script_init(&s, data, 1 + rnd_n(40));
		s.read_fail = (int)rnd_n(2);
		http_resp_init(&resp, body, sizeof body);
		rc = http_exchange(&io, &req, &resp);
		CHECK(rc == 0 || rc == -1);
		CHECK((rc == 0) == (resp.state == HTTP_S_DONE));
		CHECK(rc == 0 || resp.errmsg[0] != '\0');
		CHECK(resp.body_len < sizeof body &&
		    body[resp.body_len] == '\0');
		CHECK(memmem(resp.line, sizeof resp.line, "SECRET", 6) ==
		    NULL);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");
	TCase *fz = tcase_create("fuzz");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, content_length);
	tcase_add_test(tc, chunked_with_extensions_and_trailer);
	tcase_add_test(tc, http10_until_eof);
	tcase_add_test(tc, folding_and_bare_lf);
	tcase_add_test(tc, interim_then_401);
	tcase_add_test(tc, interim_limits);
	tcase_add_test(tc, early_close_messages);
	tcase_add_test(tc, content_length_mismatch);
	tcase_add_test(tc, no_body_statuses);
	tcase_add_test(tc, status_lines);
	tcase_add_test(tc, hostile_headers);
	tcase_add_test(tc, bad_chunks);
	tcase_add_test(tc, oversized_lines_and_counts);
	tcase_add_test(tc, body_cap);
	tcase_add_test(tc, retry_after_forms);
	tcase_add_test(tc, request_bytes_on_the_wire);
	tcase_add_test(tc, transcript_redacts);
	tcase_add_test(tc, state_names);
	tcase_add_test(tc, answer_before_body_413);
	tcase_add_test(tc, transport_errors);
	tcase_add_test(tc, request_injection_refused);
	tcase_add_test(tc, url_good);
	tcase_add_test(tc, url_bad);
	tcase_add_test(tc, url_show);
	suite_add_tcase(s, tc);
	/* Sanitizers slow these down; Check's default 4 s is too tight
	 * on a small board. */
	tcase_set_timeout(fz, 120);
	tcase_add_test(fz, split_at_every_byte);
	tcase_add_test(fz, closed_early_everywhere);
	tcase_add_test(fz, fuzz_mutated);
	tcase_add_test(fz, fuzz_exchange);
	suite_add_tcase(s, fz);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
