/*
 * fuzz_json.c - libFuzzer harness for json.c (not part of `make test`).
 *
 *	clang -g -O1 -std=c11 -D_GNU_SOURCE \
 *	    -fsanitize=fuzzer,address,undefined -Isrc \
 *	    -o build/fuzz_json test/fuzz/fuzz_json.c src/json.c src/util.c
 *	mkdir -p build/corpus/json
 *	build/fuzz_json -max_total_time=300 build/corpus/json
 *
 * The input is parsed as a document; when valid, every getter runs on
 * a set of paths and what they return must be valid UTF-8 without NUL.
 * The input is also encoded as a string value, which must parse back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static const char *const paths[] = {
	"", "0", "a", "0.0", "choices.0.message.content", "message.content",
	"error.message", "error", "ok", "done", "a.b.c.0.1",
};

static int
utf8_ok(const unsigned char *s)
{
	while (*s != '\0') {
		unsigned n, i, cp;

		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0)
			n = 1, cp = *s & 0x1fu;
		else if ((*s & 0xf0) == 0xe0)
			n = 2, cp = *s & 0x0fu;
		else if ((*s & 0xf8) == 0xf0)
			n = 3, cp = *s & 0x07u;
		else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i] & 0x3fu);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += n + 1;
	}
	return 1;
}

static void
probe(const struct json_doc *d)
{
	char out[1024];
	long long v;
	size_t i, n;
	int b;

	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		if (json_get_string(d, paths[i], out, sizeof out) == JSON_OK &&
		    !utf8_ok((const unsigned char *)out))
			abort();
		(void)json_get_int(d, paths[i], &v);
		if (json_get_bool(d, paths[i], &b) == JSON_OK && b != 0 &&
		    b != 1)
			abort();
		if (json_get_count(d, paths[i], &n) == JSON_OK && n > d->len)
			abort();
		(void)json_type_at(d, paths[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char enc[6 * 65536 + 8], out[65536 * 3 + 8];
	struct json_doc d;
	struct json_enc e;
	size_t len;

	if (json_parse(&d, (const char *)data, size) == 0)
		probe(&d);
	else if (d.err[0] == '\0' || d.err_off > size)
		abort();
	if (size > 65536)
		return 0;
	json_enc_init(&e, enc, sizeof enc);
	json_strn(&e, (const char *)data, size);
	if (json_enc_end(&e, &len) < 0 || json_parse(&d, enc, len) < 0 ||
	    json_get_string(&d, "", out, sizeof out) != JSON_OK ||
	    !utf8_ok((const unsigned char *)out))
		abort();
	return 0;
}
