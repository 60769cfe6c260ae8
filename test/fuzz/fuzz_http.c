/*
 * fuzz_http.c - libFuzzer harness for http.c (not part of `make test`).
 *
 *	clang -g -O1 -std=c11 -D_GNU_SOURCE \
 *	    -fsanitize=fuzzer,address,undefined -Isrc \
 *	    -o build/fuzz_http test/fuzz/fuzz_http.c src/http.c src/util.c
 *	mkdir -p build/corpus/http
 *	build/fuzz_http -max_total_time=300 build/corpus/http
 *
 * The first two bytes choose a split point and the body cap; the rest
 * is a response.  Fed whole and fed in two pieces, it must give the
 * same outcome, and the results must stay within their bounds.  The
 * input is also tried as a URL and as a request header value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

struct outcome {
	int	rc, status;
	size_t	body_len;
	char	errmsg[HTTP_ERR_MAX];
	char	body[512];
};

static struct http_resp resp;

static void
run(const char *s, size_t len, size_t cut, size_t cap, struct outcome *o)
{
	int rc;

	memset(o, 0, sizeof *o);
	http_resp_init(&resp, o->body, cap);
	resp.now = 1733325000;
	rc = http_resp_feed(&resp, s, cut, NULL);
	if (rc == HTTP_MORE)
		rc = http_resp_feed(&resp, s + cut, len - cut, NULL);
	if (rc == HTTP_MORE)
		rc = http_resp_eof(&resp);
	if (rc != HTTP_DONE && rc != HTTP_FAIL)
		abort();
	if (rc == HTTP_FAIL && (resp.errmsg[0] == '\0' ||
	    resp.err == HTTP_E_NONE))
		abort();
	if (cap > 0 && (resp.body_len >= cap || o->body[resp.body_len]))
		abort();
	if (resp.retry_after < -1 || resp.retry_after > HTTP_RETRY_MAX)
		abort();
	o->rc = rc;
	o->status = resp.status;
	o->body_len = resp.body_len;
	memcpy(o->errmsg, resp.errmsg, sizeof o->errmsg);
}

static void
other_inputs(const char *s, size_t len)
{
	static char text[4096], head[HTTP_LINE_MAX + 1];
	char err[HTTP_ERR_MAX];
	struct http_header h = { "X-Fuzz", text };
	struct http_request req = {
		"POST", "h", "/", &h, 1, "", 0,
	};
	struct http_url u;
	size_t n;

	if (len >= sizeof text)
		return;
	memcpy(text, s, len);
	text[len] = '\0';
	if (http_parse_url(text, &u) == HTTP_URL_OK &&
	    (u.port == 0 || u.port > 65535 || u.path[0] != '/' ||
	    strpbrk(u.path, " \r\n") != NULL ||
	    strpbrk(u.authority, " \r\n@/") != NULL))
		abort();
	/* A value that passes must not be able to start a new line. */
	if (http_request_head(&req, head, sizeof head, &n, err,
	    sizeof err) == 0 && strpbrk(text, "\r\n") != NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct outcome a, b;
	const char *s = (const char *)data + 2;
	size_t len, cut, cap;

	if (size < 2)
		return 0;
	len = size - 2;
	cut = len > 0 ? data[0] % (len + 1) : 0;
	cap = data[1] % sizeof a.body;
	run(s, len, len, cap, &a);
	run(s, len, cut, cap, &b);
	if (a.rc != b.rc || a.status != b.status ||
	    a.body_len != b.body_len || strcmp(a.errmsg, b.errmsg) != 0 ||
	    memcmp(a.body, b.body, a.body_len) != 0)
		abort();
	other_inputs(s, len);
	return 0;
}
