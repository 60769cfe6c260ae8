/*
 * fuzz_smtp.c - libFuzzer harness for smtp.c (not part of `make test`).
 *
 *	clang -g -O1 -std=c11 -D_GNU_SOURCE \
 *	    -fsanitize=fuzzer,address,undefined -Isrc \
 *	    -o build/fuzz_smtp test/fuzz/fuzz_smtp.c src/smtp.c \
 *	    src/util.c src/log.c src/tcp.c src/tls.c \
 *	    -Ibuild/bearssl/inc build/bearssl/libbearssl.a
 *	mkdir -p build/corpus/smtp
 *	build/fuzz_smtp -max_total_time=300 build/corpus/smtp
 *
 * The first byte chooses a split point; the rest is a server's reply,
 * fed whole and in two pieces: both must give the same outcome, and
 * the results must stay within their bounds.  The input is also a
 * body for quoted-printable and a subject: what comes out must be
 * 7-bit, CRLF-only, within its line length and exactly as long as
 * the functions said.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp.h"

static struct smtp_reply a, b;
static char text[1 << 16], out[1 << 18];

static size_t
feed(struct smtp_reply *r, const char *s, size_t len, size_t cut)
{
	size_t used;

	smtp_reply_init(r, NULL, NULL);
	used = smtp_reply_feed(r, s, cut);
	if (used == cut && r->state == SMTP_R_MORE)
		used += smtp_reply_feed(r, s + cut, len - cut);
	return used;
}

static void
replies(const char *s, size_t len, size_t cut)
{
	size_t ua = feed(&a, s, len, len), ub = feed(&b, s, len, cut);

	if (a.state != b.state || ua != ub || ua > len)
		abort();
	if (a.state == SMTP_R_FAILED && (a.err[0] == '\0' ||
	    strcmp(a.err, b.err) != 0))
		abort();
	if (a.state != SMTP_R_DONE)
		return;
	if (a.code < 200 || a.code > 599 || a.code != b.code ||
	    a.nlines == 0 || a.nlines > SMTP_LINES_MAX ||
	    a.tlen >= SMTP_TEXT_MAX || strlen(a.text) != a.tlen ||
	    strcmp(a.text, b.text) != 0 || a.caps.flags != b.caps.flags)
		abort();
}

/* 7-bit, CRLF-only, lines within max. */
static void
wire_ok(const char *s, size_t len, size_t max)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || c == '\0')
			abort();
		if (c == '\r') {
			if (i + 1 >= len || s[i + 1] != '\n' || col > max)
				abort();
			i++;
			col = 0;
			continue;
		}
		if (c == '\n')
			abort();
		col++;
	}
	if (col != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len, n;

	if (size < 1 || size >= sizeof text)
		return 0;
	len = size - 1;
	memcpy(text, data + 1, len);
	text[len] = '\0';
	replies(text, len, data[0] % (len + 1));
	/* As C strings from here: up to the first NUL. */
	n = smtp_qp(text, out, sizeof out);
	if (n >= sizeof out || strlen(out) != n)
		abort();
	wire_ok(out, n, SMTP_QP_LINE);
	n = smtp_subject(text, out, sizeof out);
	if (n >= sizeof out || strlen(out) != n ||
	    strncmp(out, "Subject:", 8) != 0)
		abort();
	wire_ok(out, n, SMTP_HEADER_LINE);
	return 0;
}
