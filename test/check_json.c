/* check_json.c - unit tests for json.c: the escaping table, invalid
 * UTF-8, the reader on real answer shapes, surrogate pairs, malformed
 * input, and seeded fuzz-style runs of truncated and mutated text. */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define FFFD "\xef\xbf\xbd"

/* Check records every passing ck_assert in a file; in loops of tens
 * of thousands that is most of the run time, so loops use this. */
#define CHECK(c) do {							\
	if (!(c))							\
		ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #c);	\
} while (0)
#define CHECK_EQ(a, b)		CHECK((a) == (b))
#define CHECK_GT(a, b)		CHECK((a) > (b))
#define CHECK_STREQ(a, b)	CHECK(strcmp((a), (b)) == 0)

/* Encode one string value into buf; fails the test on overflow. */
static const char *
enc1(char *buf, size_t cap, const char *s, size_t n)
{
	struct json_enc e;

	json_enc_init(&e, buf, cap);
	json_strn(&e, s, n);
	CHECK(json_enc_end(&e, NULL) == 0);
	return buf;
}

/* Parse a copy in a heap block of exactly len bytes, so that ASan
 * catches any read past the end. */
static int
parse_exact(struct json_doc *d, const char *s, size_t len, char **copy)
{
	*copy = malloc(len > 0 ? len : 1);
	CHECK(*copy != NULL);
	memcpy(*copy, s, len);
	return json_parse(d, *copy, len);
}

/* Independent UTF-8 check for what the decoder returns. */
static int
utf8_valid(const unsigned char *s)
{
	while (*s != '\0') {
		unsigned cp, n, i;

		if (s[0] < 0x80) {
			s++;
			continue;
		}
		if ((s[0] & 0xe0) == 0xc0)
			n = 1, cp = s[0] & 0x1fu;
		else if ((s[0] & 0xf0) == 0xe0)
			n = 2, cp = s[0] & 0x0fu;
		else if ((s[0] & 0xf8) == 0xf0)
			n = 3, cp = s[0] & 0x07u;
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

/* ---- encoder ---- */

static const struct {
	const char	*in;
	size_t		len;
	const char	*out;
} esc_table[] = {
	{ "plain", 5, "\"plain\"" },
	{ "", 0, "\"\"" },
	{ "a\"b", 3, "\"a\\\"b\"" },
	{ "a\\b", 3, "\"a\\\\b\"" },
	{ "\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"" },
	{ "\x01\x1f", 2, "\"\\u0001\\u001f\"" },
	{ "\x7f", 1, "\"\\u007f\"" },
	{ "\x1b[31m", 5, "\"\\u001b[31m\"" },
	{ "a\0b", 3, "\"a\\u0000b\"" },
	{ "/</script>", 10, "\"/</script>\"" },
	{ "caf\xc3\xa9", 5, "\"caf\xc3\xa9\"" },
	{ "\xe2\x82\xac", 3, "\"\xe2\x82\xac\"" },
	{ "\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"" },
	{ "\xed\x9f\xbf", 3, "\"\xed\x9f\xbf\"" },		/* U+D7FF */
	{ "\xee\x80\x80", 3, "\"\xee\x80\x80\"" },		/* U+E000 */
	{ "\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\"" },	/* U+10FFFF */
	{ "\xef\xbf\xbd", 3, "\"" FFFD "\"" },			/* U+FFFD */
};

START_TEST(enc_escape_table)
{
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof esc_table / sizeof esc_table[0]; i++)
		ck_assert_str_eq(enc1(buf, sizeof buf, esc_table[i].in,
		    esc_table[i].len), esc_table[i].out);
}
END_TEST

/* One U+FFFD per maximal subpart (Unicode 15, section 3.9). */
static const struct {
	const char	*in;
	const char	*out;
} bad_utf8[] = {
	{ "\x80", FFFD },				/* stray */
	{ "a\xbf" "b", "a" FFFD "b" },
	{ "\xc0\x80", FFFD FFFD },			/* overlong NUL */
	{ "\xc1\xbf", FFFD FFFD },			/* overlong */
	{ "\xe0\x80\x80", FFFD FFFD FFFD },		/* overlong */
	{ "\xe0\x9f\xbf", FFFD FFFD FFFD },		/* overlong U+07FF */
	{ "\xf0\x8f\xbf\xbf", FFFD FFFD FFFD FFFD },	/* overlong */
	{ "\xed\xa0\x80", FFFD FFFD FFFD },		/* U+D800 */
	{ "\xed\xbf\xbf", FFFD FFFD FFFD },		/* U+DFFF */
	{ "\xed\xa0\xbd\xed\xb8\x80",			/* CESU-8 pair */
	    FFFD FFFD FFFD FFFD FFFD FFFD },
	{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD },	/* U+110000 */
	{ "\xf5\x80", FFFD FFFD },
	{ "\xfe\xff", FFFD FFFD },
	{ "\xe2\x82", FFFD },				/* truncated at end */
	{ "\xe2\x82" "A", FFFD "A" },			/* truncated */
	{ "\xf0\x9f\x98", FFFD },
	{ "\xf0\x9f\x98" "\"", FFFD "\\\"" },
	{ "\xc3", FFFD },
	{ "\xc3\xc3\xa9", FFFD "\xc3\xa9" },
};

START_TEST(enc_invalid_utf8)
{
	char buf[128], want[128];
	size_t i;

	for (i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
		snprintf(want, sizeof want, "\"%s\"", bad_utf8[i].out);
		ck_assert_str_eq(enc1(buf, sizeof buf, bad_utf8[i].in,
		    strlen(bad_utf8[i].in)), want);
	}
}
END_TEST

/* The shape of a chat request, commas and nesting included. */
static int
build_request(char *buf, size_t cap, size_t *len)
{
	struct json_enc e;

	json_enc_init(&e, buf, cap);
	json_obj(&e);
	json_key_str(&e, "model", "llama3");
	json_key(&e, "messages");
	json_arr(&e);
	json_obj(&e);
	json_key_str(&e, "role", "system");
	json_key_str(&e, "content", "You fix \"services\".\n");
	json_end(&e);
	json_obj(&e);
	json_key_str(&e, "role", "user");
	json_key_str(&e, "content", "nginx: exit 1");
	json_end(&e);
	json_end(&e);
	json_key_bool(&e, "stream", 0);
	json_key_int(&e, "max_tokens", 512);
	json_key(&e, "stop");
	json_null(&e);
	json_key(&e, "empty");
	json_arr(&e);
	json_end(&e);
	json_key(&e, "nums");
	json_arr(&e);
	json_int(&e, -1);
	json_int(&e, 0);
	json_bool(&e, 1);
	json_end(&e);
	json_end(&e);
	return json_enc_end(&e, len);
}

static const char request_json[] =
	"{\"model\":\"llama3\",\"messages\":[{\"role\":\"system\","
	"\"content\":\"You fix \\\"services\\\".\\n\"},{\"role\":\"user\","
	"\"content\":\"nginx: exit 1\"}],\"stream\":false,"
	"\"max_tokens\":512,\"stop\":null,\"empty\":[],"
	"\"nums\":[-1,0,true]}";

START_TEST(enc_structure)
{
	char buf[512];
	size_t len;
	struct json_doc d;

	ck_assert_int_eq(build_request(buf, sizeof buf, &len), 0);
	ck_assert_str_eq(buf, request_json);
	ck_assert_uint_eq(len, strlen(request_json));
	ck_assert_int_eq(json_parse(&d, buf, len), 0);
}
END_TEST

/* Every capacity: either the exact text or an empty buffer and -1. */
START_TEST(enc_overflow_every_cap)
{
	size_t need = strlen(request_json), cap, len;
	char *buf;

	for (cap = 0; cap <= need + 2; cap++) {
		buf = malloc(cap > 0 ? cap : 1);
		ck_assert_ptr_nonnull(buf);
		if (cap <= need) {
			ck_assert_int_eq(build_request(buf, cap, &len), -1);
			if (cap > 0)
				ck_assert_str_eq(buf, "");
		} else {
			ck_assert_int_eq(build_request(buf, cap, &len), 0);
			ck_assert_str_eq(buf, request_json);
		}
		free(buf);
	}
}
END_TEST

START_TEST(enc_overflow_is_sticky)
{
	char buf[8];
	struct json_enc e;

	json_enc_init(&e, buf, sizeof buf);
	json_arr(&e);
	json_str(&e, "much too long");
	json_str(&e, "");		/* would fit, but overflow is sticky */
	json_end(&e);
	ck_assert_int_eq(json_enc_overflow(&e), 1);
	ck_assert_int_eq(json_enc_end(&e, NULL), -1);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(enc_numbers)
{
	char buf[64];
	struct json_enc e;

	json_enc_init(&e, buf, sizeof buf);
	json_arr(&e);
	json_int(&e, LLONG_MIN);
	json_int(&e, LLONG_MAX);
	json_end(&e);
	ck_assert_int_eq(json_enc_end(&e, NULL), 0);
	ck_assert_str_eq(buf,
	    "[-9223372036854775808,9223372036854775807]");
}
END_TEST

START_TEST(enc_misuse)
{
	char buf[2 * JSON_ENC_DEPTH + 1];
	struct json_enc e;
	unsigned i;

	json_enc_init(&e, buf, sizeof buf);	/* key in an array */
	json_arr(&e);
	json_key(&e, "a");
	json_int(&e, 1);
	json_end(&e);
	ck_assert_int_eq(json_enc_end(&e, NULL), -1);
	ck_assert_int_eq(json_enc_overflow(&e), 0);

	json_enc_init(&e, buf, sizeof buf);	/* value without a key */
	json_obj(&e);
	json_int(&e, 1);
	json_end(&e);
	ck_assert_int_eq(json_enc_end(&e, NULL), -1);

	json_enc_init(&e, buf, sizeof buf);	/* key without a value */
	json_obj(&e);
	json_key(&e, "a");
	json_end(&e);
	ck_assert_int_eq(json_enc_end(&e, NULL), -1);

	json_enc_init(&e, buf, sizeof buf);	/* two keys in a row */
	json_obj(&e);
	json_key(&e, "a");
	json_key(&e, "b");
	json_int(&e, 1);
	json_end(&e);
	ck_assert_int_eq(json_enc_end(&e, NULL), -1);

	json_enc_init(&e, buf, sizeof buf);	/* unclosed */
	json_arr(&e);
	ck_assert_int_eq(json_enc_end(&e, NULL), -1);

	json_enc_init(&e, buf, sizeof buf);	/* one end too many */
	json_arr(&e);
	json_end(&e);
	json_end(&e);
	ck_assert_int_eq(json_enc_end(&e, NULL), -1);

	json_enc_init(&e, buf, sizeof buf);	/* two top-level values */
	json_int(&e, 1);
	json_int(&e, 2);
	ck_assert_int_eq(json_enc_end(&e, NULL), -1);

	json_enc_init(&e, buf, sizeof buf);	/* nothing at all */
	ck_assert_int_eq(json_enc_end(&e, NULL), -1);

	json_enc_init(&e, buf, sizeof buf);	/* deeper than the limit */
	for (i = 0; i <= JSON_ENC_DEPTH; i++)
		json_arr(&e);
	ck_assert_int_eq(json_enc_end(&e, NULL), -1);
	ck_assert_str_eq(buf, "");

	json_enc_init(&e, buf, sizeof buf);	/* at the limit: fine */
	for (i = 0; i < JSON_ENC_DEPTH; i++)
		json_arr(&e);
	for (i = 0; i < JSON_ENC_DEPTH; i++)
		json_end(&e);
	ck_assert_int_eq(json_enc_end(&e, NULL), 0);

	json_enc_init(&e, buf, sizeof buf);	/* a scalar document */
	json_str(&e, "x");
	ck_assert_int_eq(json_enc_end(&e, NULL), 0);
	ck_assert_str_eq(buf, "\"x\"");
}
END_TEST

/* ---- reader on real answers ---- */

static const char openai_answer[] =
	"{\n"
	"  \"id\": \"chatcmpl-9x\",\n"
	"  \"object\": \"chat.completion\",\n"
	"  \"created\": 1733325000,\n"
	"  \"model\": \"gpt-4o-mini-2024-07-18\",\n"
	"  \"choices\": [\n"
	"    {\n"
	"      \"index\": 0,\n"
	"      \"message\": {\n"
	"        \"role\": \"assistant\",\n"
	"        \"content\": \"The unit failed: \\\"port 80 in use\\\".\\n"
	"Run `ss -ltnp` \\u2014 then restart.\",\n"
	"        \"refusal\": null\n"
	"      },\n"
	"      \"logprobs\": null,\n"
	"      \"finish_reason\": \"stop\"\n"
	"    }\n"
	"  ],\n"
	"  \"usage\": {\"prompt_tokens\": 412, \"completion_tokens\": 57,"
	" \"total_tokens\": 469,\n"
	"    \"prompt_tokens_details\": {\"cached_tokens\": 0}},\n"
	"  \"system_fingerprint\": \"fp_0ba0d124f1\"\n"
	"}\n";

START_TEST(dec_openai)
{
	struct json_doc d;
	char out[256];
	long long v;
	size_t n;

	ck_assert_int_eq(json_parse(&d, openai_answer,
	    strlen(openai_answer)), 0);
	ck_assert_int_eq(json_get_string(&d, "choices.0.message.content",
	    out, sizeof out), JSON_OK);
	ck_assert_str_eq(out, "The unit failed: \"port 80 in use\".\n"
	    "Run `ss -ltnp` \xe2\x80\x94 then restart.");
	ck_assert_int_eq(json_get_string(&d, "choices.0.message.role", out,
	    sizeof out), JSON_OK);
	ck_assert_str_eq(out, "assistant");
	ck_assert_int_eq(json_get_int(&d, "usage.total_tokens", &v), 0);
	ck_assert_int_eq(v, 469);
	ck_assert_int_eq(json_get_int(&d,
	    "usage.prompt_tokens_details.cached_tokens", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(json_get_count(&d, "choices", &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(json_get_count(&d, "usage", &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(json_type_at(&d, "choices.0.message.refusal"),
	    JSON_NULL);
	ck_assert_int_eq(json_type_at(&d, "choices.1"), JSON_NONE);
	ck_assert_int_eq(json_type_at(&d, ""), JSON_OBJECT);
	ck_assert_int_eq(json_get_string(&d, "error.message", out,
	    sizeof out), JSON_ENOENT);
}
END_TEST

/* Groq: the same shape with its own extras ("x_groq"). */
static const char groq_answer[] =
	"{\"id\":\"chatcmpl-f51b\",\"object\":\"chat.completion\","
	"\"created\":1730241104,\"model\":\"llama-3.1-8b-instant\","
	"\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
	"\"content\":\"Restart it: `systemctl restart app`.\"},"
	"\"logprobs\":null,\"finish_reason\":\"stop\"}],"
	"\"usage\":{\"queue_time\":0.037,\"prompt_tokens\":18,"
	"\"prompt_time\":0.000680,\"completion_tokens\":556,"
	"\"completion_time\":0.463,\"total_tokens\":574,"
	"\"total_time\":0.464},\"system_fingerprint\":\"fp_179b0f92c9\","
	"\"x_groq\":{\"id\":\"req_01jbd6g2qdfw2adyrt2az8hz4w\"}}";

static const char ollama_answer[] =
	"{\"model\":\"llama3.2\",\"created_at\":\"2024-12-04T15:42:31.12Z\","
	"\"message\":{\"role\":\"assistant\",\"content\":\"Disk is full "
	"\\u00e0 99%.\"},\"done_reason\":\"stop\",\"done\":true,"
	"\"total_duration\":4883583458,\"load_duration\":1334875,"
	"\"prompt_eval_count\":26,\"eval_count\":282}";

START_TEST(dec_groq_ollama)
{
	struct json_doc d;
	char out[128];
	long long v;
	int b;

	ck_assert_int_eq(json_parse(&d, groq_answer, strlen(groq_answer)),
	    0);
	ck_assert_int_eq(json_get_string(&d, "choices.0.message.content",
	    out, sizeof out), JSON_OK);
	ck_assert_str_eq(out, "Restart it: `systemctl restart app`.");
	ck_assert_int_eq(json_get_int(&d, "usage.queue_time", &v),
	    JSON_ERANGE);

	ck_assert_int_eq(json_parse(&d, ollama_answer,
	    strlen(ollama_answer)), 0);
	ck_assert_int_eq(json_get_string(&d, "message.content", out,
	    sizeof out), JSON_OK);
	ck_assert_str_eq(out, "Disk is full \xc3\xa0 99%.");
	ck_assert_int_eq(json_get_bool(&d, "done", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(json_get_int(&d, "total_duration", &v), 0);
	ck_assert_int_eq(v, 4883583458LL);
	ck_assert_int_eq(json_get_bool(&d, "message", &b), JSON_ETYPE);
}
END_TEST

START_TEST(dec_errors_and_slack)
{
	static const char openai_err[] =
	    "{\"error\":{\"message\":\"Incorrect API key provided: sk-abc***"
	    "xyz.\",\"type\":\"invalid_request_error\",\"param\":null,"
	    "\"code\":\"invalid_api_key\"}}";
	static const char ollama_err[] = "{\"error\":\"model \\\"llama9\\\" "
	    "not found, try pulling it first\"}";
	static const char slack_api[] = "{\"ok\":false,\"error\":"
	    "\"invalid_auth\",\"warning\":\"missing_charset\","
	    "\"response_metadata\":{\"warnings\":[\"missing_charset\"]}}";
	struct json_doc d;
	char out[128];
	int b;

	ck_assert_int_eq(json_parse(&d, openai_err, strlen(openai_err)), 0);
	ck_assert_int_eq(json_type_at(&d, "error"), JSON_OBJECT);
	ck_assert_int_eq(json_get_string(&d, "error.message", out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "Incorrect API key provided: sk-abc***xyz.");
	ck_assert_int_eq(json_get_string(&d, "error.type", out, sizeof out),
	    0);
	ck_assert_str_eq(out, "invalid_request_error");
	ck_assert_int_eq(json_get_string(&d, "error.param", out, sizeof out),
	    JSON_ETYPE);

	/* Ollama's error is a string, not an object. */
	ck_assert_int_eq(json_parse(&d, ollama_err, strlen(ollama_err)), 0);
	ck_assert_int_eq(json_type_at(&d, "error"), JSON_STRING);
	ck_assert_int_eq(json_get_string(&d, "error.message", out,
	    sizeof out), JSON_ENOENT);
	ck_assert_int_eq(json_get_string(&d, "error", out, sizeof out), 0);
	ck_assert_str_eq(out, "model \"llama9\" not found, try pulling it "
	    "first");

	ck_assert_int_eq(json_parse(&d, slack_api, strlen(slack_api)), 0);
	ck_assert_int_eq(json_get_bool(&d, "ok", &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(json_get_string(&d, "response_metadata.warnings.0",
	    out, sizeof out), 0);
	ck_assert_str_eq(out, "missing_charset");

	/* A webhook's plain "ok" is not JSON: the caller compares text. */
	ck_assert_int_eq(json_parse(&d, "ok", 2), -1);
	ck_assert_str_eq(d.err, "unexpected 'o' at byte 0");
	ck_assert_int_eq(json_get_bool(&d, "ok", &b), JSON_EINVAL);
	ck_assert_int_eq(json_type_at(&d, ""), JSON_NONE);
}
END_TEST

static const struct {
	const char	*json;
	const char	*want;
} unescape_table[] = {
	{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },	/* U+1F600 */
	{ "\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80" },	/* upper case */
	{ "\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf" },	/* U+10FFFF */
	{ "\"\\ud800\\udc00\"", "\xf0\x90\x80\x80" },	/* U+10000 */
	{ "\"\\ud83d\"", FFFD },			/* lone high */
	{ "\"\\ud83dx\"", FFFD "x" },
	{ "\"\\ud83d\\u0041\"", FFFD "A" },		/* high, not low */
	{ "\"\\ud83d\\ud83d\\ude00\"", FFFD "\xf0\x9f\x98\x80" },
	{ "\"\\ude00\"", FFFD },			/* lone low */
	{ "\"\\ude00\\ud83d\"", FFFD FFFD },		/* reversed */
	{ "\"\\ud83d\\n\"", FFFD "\n" },
	{ "\"\\u0000\"", FFFD },			/* no NUL inside */
	{ "\"\\u0041\\u00e9\\u20ac\"", "A\xc3\xa9\xe2\x82\xac" },
	{ "\"\\u007f\\u001b\"", "\x7f\x1b" },
	{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t" },
	{ "\"raw \xc3\xa9 \xf0\x9f\x98\x80\"",
	    "raw \xc3\xa9 \xf0\x9f\x98\x80" },
	{ "\"raw \xc0\xaf bad\"", "raw " FFFD FFFD " bad" },
	{ "\"\xed\xa0\x80\"", FFFD FFFD FFFD },		/* raw surrogate */
	{ "\"\xe2\x82\"", FFFD },			/* cut by the quote */
	{ "\"\"", "" },
};

START_TEST(dec_unescape)
{
	struct json_doc d;
	char out[64];
	size_t i;

	for (i = 0; i < sizeof unescape_table / sizeof unescape_table[0];
	    i++) {
		const char *j = unescape_table[i].json;

		ck_assert_msg(json_parse(&d, j, strlen(j)) == 0, "%s: %s", j,
		    d.err);
		ck_assert_int_eq(json_get_string(&d, "", out, sizeof out), 0);
		ck_assert_str_eq(out, unescape_table[i].want);
	}
}
END_TEST

static const char *const malformed[] = {
	"", " ", "\n\t\r ", "{", "}", "[", "]", "[1,]", "[,1]", "[1,,2]",
	"{,}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":}", "{\"a\"}", "{a:1}",
	"{1:1}", "{'a':1}", "[01]", "[-01]", "[1.]", "[.5]", "[-]", "[+1]",
	"[1e]", "[1e+]", "[1E-]", "[--1]", "[1.2.3]", "[0x10]", "[NaN]",
	"[Infinity]", "[-Infinity]", "\"abc", "\"a\\x\"", "\"\\u12\"",
	"\"\\u12g4\"", "\"\\U0041\"", "\"\\", "\"\\u", "\"\\ud83d", "\"a\nb\"",
	"\"a\tb\"", "tru", "truex", "nul", "nulll", "False", "[1] x", "[1]]",
	"{}{}", "[\"a\"\"b\"]", "[1 2]", "'a'", "\xef\xbb\xbf{}", "[1]/",
	"[1]//c", "/*c*/[1]", "[\"a\"]\x01", "\x01", "[1,2", "{\"a\":[}",
	"{\"a\":{]}", "[}", "{\"a\":1 \"b\":2}", "-", "1 2", "\"\"\"",
};

START_TEST(dec_malformed)
{
	struct json_doc d;
	size_t i;

	for (i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		ck_assert_msg(json_parse(&d, malformed[i],
		    strlen(malformed[i])) == -1, "accepted: %s", malformed[i]);
		ck_assert_msg(d.err[0] != '\0', "no message: %s",
		    malformed[i]);
		ck_assert_int_eq(d.valid, 0);
	}
	/* NUL bytes are not whitespace, and not allowed in strings. */
	ck_assert_int_eq(json_parse(&d, "[1]\0", 4), -1);
	ck_assert_int_eq(json_parse(&d, "[\"a\0\"]", 6), -1);
	ck_assert_str_eq(d.err, "control byte 0x00 in a string at byte 3");
}
END_TEST

START_TEST(dec_messages)
{
	static const struct {
		const char	*json;
		const char	*err;
	} t[] = {
		{ "", "empty document at byte 0" },
		{ "[1] x", "trailing data after the value at byte 4" },
		{ "{\"a\": \"b", "unterminated string at byte 6" },
		{ "[01]", "bad number (leading zero) at byte 1" },
		{ "[1.]", "bad number at byte 1" },
		{ "[\"\\q\"]", "bad escape at byte 2" },
		{ "[\"\\u12x4\"]", "bad \\u escape at byte 2" },
		{ "{\"a\":1,}", "unexpected '}' at byte 7" },
		{ "[1,", "unexpected end of the document at byte 3" },
		{ "[\x80]", "unexpected byte 0x80 at byte 1" },
	};
	struct json_doc d;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_int_eq(json_parse(&d, t[i].json, strlen(t[i].json)),
		    -1);
		ck_assert_str_eq(d.err, t[i].err);
	}
}
END_TEST

static const char *const valid_edge[] = {
	"0", "-0", "1e-5", "1E+5", "-0.0e0", "123456789012345678901234567890",
	"[]", "{}", " \t\r\n[ ]\n", "\"\"", "true", "false", "null",
	"\"\\/\"", "[[[]]]", "{\"\":{\"\":[]}}", "[1,-2.5e10,\"x\",null]",
	"{\"a\":1,\"a\":2}",
};

START_TEST(dec_valid_edge)
{
	struct json_doc d;
	size_t i;

	for (i = 0; i < sizeof valid_edge / sizeof valid_edge[0]; i++)
		ck_assert_msg(json_parse(&d, valid_edge[i],
		    strlen(valid_edge[i])) == 0, "%s: %s", valid_edge[i],
		    d.err);
}
END_TEST

START_TEST(dec_depth)
{
	char buf[2 * (JSON_DEPTH_MAX + 1) + 1];
	struct json_doc d;
	size_t n, i;
	char *deep;

	for (n = JSON_DEPTH_MAX; n <= JSON_DEPTH_MAX + 1; n++) {
		for (i = 0; i < n; i++) {
			buf[i] = '[';
			buf[2 * n - 1 - i] = ']';
		}
		ck_assert_int_eq(json_parse(&d, buf, 2 * n),
		    n <= JSON_DEPTH_MAX ? 0 : -1);
	}
	ck_assert_ptr_nonnull(strstr(d.err, "nesting deeper"));
	/* A million '[' fails at the limit: no stack to exhaust. */
	deep = malloc(1000000);
	ck_assert_ptr_nonnull(deep);
	memset(deep, '[', 1000000);
	ck_assert_int_eq(json_parse(&d, deep, 1000000), -1);
	ck_assert_uint_eq(d.err_off, JSON_DEPTH_MAX);
	free(deep);
}
END_TEST

START_TEST(dec_getters)
{
	static const char j[] = "{\"a\":{\"b\":[10,\"x\",true,[],{}]},"
	    "\"\\u0063ontent\":\"esc key\",\"dup\":1,\"dup\":2,"
	    "\"dot.key\":3,\"0\":\"zero\",\"big\":9223372036854775807,"
	    "\"min\":-9223372036854775808,\"over\":9223372036854775808,"
	    "\"under\":-9223372036854775809,\"frac\":1.5,\"exp\":1e3,"
	    "\"s\":\"12345\"}";
	struct json_doc d;
	char out[8];
	long long v;
	size_t n;
	int b;

	ck_assert_int_eq(json_parse(&d, j, strlen(j)), 0);
	ck_assert_int_eq(json_get_int(&d, "a.b.0", &v), 0);
	ck_assert_int_eq(v, 10);
	ck_assert_int_eq(json_get_string(&d, "a.b.1", out, sizeof out), 0);
	ck_assert_str_eq(out, "x");
	ck_assert_int_eq(json_get_bool(&d, "a.b.2", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(json_get_count(&d, "a.b.3", &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(json_get_count(&d, "a.b.4", &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(json_get_count(&d, "a.b", &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(json_get_count(&d, "a.b.0", &n), JSON_ETYPE);
	ck_assert_int_eq(json_type_at(&d, "a.b.5"), JSON_NONE);
	ck_assert_int_eq(json_type_at(&d, "a.b.01"), JSON_NONE);
	ck_assert_int_eq(json_type_at(&d, "a.b.x"), JSON_NONE);
	ck_assert_int_eq(json_type_at(&d, "a.b.0.c"), JSON_NONE);
	ck_assert_int_eq(json_type_at(&d, "a.c"), JSON_NONE);
	/* Keys compare unescaped; the first of two equal keys counts. */
	ck_assert_int_eq(json_get_string(&d, "content", out, sizeof out),
	    0);
	ck_assert_str_eq(out, "esc key");
	ck_assert_int_eq(json_get_int(&d, "dup", &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(json_type_at(&d, "dot.key"), JSON_NONE);
	ck_assert_int_eq(json_get_string(&d, "0", out, sizeof out), 0);
	ck_assert_str_eq(out, "zero");
	/* Exactly fitting, and one byte short. */
	ck_assert_int_eq(json_get_string(&d, "s", out, 6), 0);
	ck_assert_str_eq(out, "12345");
	ck_assert_int_eq(json_get_string(&d, "s", out, 5), JSON_ETOOBIG);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(json_get_string(&d, "s", out, 0), JSON_ETOOBIG);
	ck_assert_int_eq(json_get_int(&d, "s", &v), JSON_ETYPE);
	ck_assert_int_eq(json_get_int(&d, "big", &v), 0);
	ck_assert_int_eq(v, LLONG_MAX);
	ck_assert_int_eq(json_get_int(&d, "min", &v), 0);
	ck_assert_int_eq(v, LLONG_MIN);
	ck_assert_int_eq(json_get_int(&d, "over", &v), JSON_ERANGE);
	ck_assert_int_eq(json_get_int(&d, "under", &v), JSON_ERANGE);
	ck_assert_int_eq(json_get_int(&d, "frac", &v), JSON_ERANGE);
	ck_assert_int_eq(json_get_int(&d, "exp", &v), JSON_ERANGE);
	ck_assert_str_eq(json_strerror(JSON_ETOOBIG),
	    "string longer than the buffer");
}
END_TEST

/* The text need not be NUL-terminated, and bytes after len are not
 * part of it. */
START_TEST(dec_not_terminated)
{
	static const char j[] = "[\"abc\"]garbage";
	struct json_doc d;
	char *copy, out[8];

	ck_assert_int_eq(parse_exact(&d, j, 7, &copy), 0);
	ck_assert_int_eq(json_get_string(&d, "0", out, sizeof out), 0);
	ck_assert_str_eq(out, "abc");
	free(copy);
	ck_assert_int_eq(parse_exact(&d, "123", 3, &copy), 0);
	free(copy);
	ck_assert_int_eq(parse_exact(&d, "\"\\u00", 5, &copy), -1);
	free(copy);
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

static const char *const seeds[] = {
	openai_answer, groq_answer, ollama_answer, request_json,
	"{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"tokens\","
	"\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
	"{\"ok\":true,\"channel\":\"C1\",\"ts\":\"1503435956.000247\","
	"\"message\":{\"text\":\"\\ud83d\\ude00 \\u00e9\\n\",\"type\":"
	"\"message\"}}",
	"[[[{\"a\":[1,2,{\"b\":\"\\\\\\\"\"}]}]],-0.5e-3,true,false,null]",
};

/* Paths worth trying on any mutant. */
static const char *const paths[] = {
	"", "choices.0.message.content", "message.content", "error.message",
	"error", "ok", "0", "0.0", "0.0.0.a.2.b", "usage.total_tokens",
	"messages.1.content", "done", "message.text", "a", "1",
};

static const char interesting[] = "\"\\{}[],:0-e.u \x00\x80\xff\x1f"
	"tfn9E+/";

static size_t
mutate(char *buf, size_t len, size_t cap)
{
	size_t k, at, n;

	for (k = 1 + rnd_n(4); k > 0; k--) {
		at = rnd_n(len + 1);
		switch (rnd_n(6)) {
		case 0:				/* flip a bit */
			if (len > 0)
				buf[rnd_n(len)] ^= (char)(1 << rnd_n(8));
			break;
		case 1:				/* an interesting byte */
			if (len > 0)
				buf[rnd_n(len)] = interesting[rnd_n(
				    sizeof interesting - 1)];
			break;
		case 2:				/* delete */
			if (at < len) {
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
			}
			break;
		case 3:				/* insert */
			if (len < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = interesting[rnd_n(
				    sizeof interesting - 1)];
				len++;
			}
			break;
		case 4:				/* duplicate a slice */
			n = rnd_n(16);
			if (at + n <= len && len + n <= cap) {
				memmove(buf + at + n, buf + at, len - at);
				len += n;
			}
			break;
		default:			/* truncate */
			len = at;
			break;
		}
	}
	return len;
}

/* Whatever a valid document holds, the getters stay sane. */
static void
probe(const struct json_doc *d)
{
	char out[512];
	long long v;
	size_t i, n;
	int b, r;

	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		r = json_get_string(d, paths[i], out, sizeof out);
		CHECK(r == JSON_OK || r == JSON_ENOENT ||
		    r == JSON_ETYPE || r == JSON_ETOOBIG);
		if (r == JSON_OK)
			CHECK(utf8_valid((unsigned char *)out));
		else
			CHECK_STREQ(out, "");
		r = json_get_int(d, paths[i], &v);
		CHECK(r == JSON_OK || r == JSON_ENOENT ||
		    r == JSON_ETYPE || r == JSON_ERANGE);
		r = json_get_bool(d, paths[i], &b);
		CHECK(r != JSON_OK || b == 0 || b == 1);
		r = json_get_count(d, paths[i], &n);
		CHECK(r != JSON_OK || n <= d->len);
		CHECK((int)json_type_at(d, paths[i]) <= JSON_OBJECT);
	}
}

START_TEST(fuzz_truncated)
{
	struct json_doc d;
	size_t i, len, cut, total = 0;
	char *copy;

	/* Every proper prefix of an object or array is incomplete. */
	for (i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		len = strlen(seeds[i]);
		while (len > 0 && seeds[i][len - 1] == '\n')
			len--;
		for (cut = 0; cut < len; cut++, total++) {
			if (parse_exact(&d, seeds[i], cut, &copy) != -1)
				ck_abort_msg("seed %zu accepted at %zu", i,
				    cut);
			free(copy);
		}
		CHECK_EQ(parse_exact(&d, seeds[i], len, &copy), 0);
		probe(&d);
		free(copy);
	}
	CHECK_GT(total, 1000);
}
END_TEST

START_TEST(fuzz_mutated)
{
	enum { ROUNDS = 40000, CAP = 2048 };
	struct json_doc d, d2;
	char buf[CAP], out[CAP + 8], *copy;
	unsigned valid = 0, i;
	size_t len;

	rng = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < ROUNDS; i++) {
		const char *s = seeds[rnd_n(sizeof seeds / sizeof seeds[0])];

		len = strlen(s);
		memcpy(buf, s, len);
		len = mutate(buf, len, sizeof buf);
		if (parse_exact(&d, buf, len, &copy) == 0) {
			valid++;
			probe(&d);
		} else {
			CHECK(d.err[0] != '\0' && d.err_off <= len);
			CHECK_EQ(json_get_string(&d, "", out,
			    sizeof out), JSON_EINVAL);
		}
		/* Any string value read re-encodes to the same text. */
		if (d.valid && json_get_string(&d, "", out, sizeof out) == 0) {
			char enc[3 * CAP];

			enc1(enc, sizeof enc, out, strlen(out));
			CHECK_EQ(json_parse(&d2, enc, strlen(enc)), 0);
			CHECK_EQ(json_get_string(&d2, "", buf,
			    sizeof buf), 0);
			CHECK_STREQ(buf, out);
		}
		free(copy);
	}
	/* Mutants must reach past the syntax check now and then. */
	CHECK_GT(valid, ROUNDS / 50);
}
END_TEST

/* Random bytes, weighted to UTF-8 lead, continuation and control
 * bytes, survive encoding and decoding as valid UTF-8, unchanged when
 * they were valid UTF-8 without NUL. */
START_TEST(fuzz_encode_roundtrip)
{
	static const unsigned char pool[] = {
		0x00, 0x01, 0x1f, '"', '\\', 'a', '/', 0x7f, 0x80, 0x8f, 0x9f,
		0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4,
		0xf5, 0xff,
	};
	char in[64], buf[512], out[512];
	struct json_enc e;
	struct json_doc d;
	size_t n, k, len;
	unsigned i, same = 0;

	rng = 42;
	for (i = 0; i < 50000; i++) {
		n = rnd_n(sizeof in);
		for (k = 0; k < n; k++)
			in[k] = (char)pool[rnd_n(sizeof pool)];
		json_enc_init(&e, buf, sizeof buf);
		json_obj(&e);
		json_key(&e, "k");
		json_strn(&e, in, n);
		json_end(&e);
		CHECK_EQ(json_enc_end(&e, &len), 0);
		CHECK_EQ(json_parse(&d, buf, len), 0);
		CHECK_EQ(json_get_string(&d, "k", out, sizeof out), 0);
		CHECK(utf8_valid((unsigned char *)out));
		in[n] = '\0';
		if (memchr(in, 0, n) == NULL &&
		    utf8_valid((unsigned char *)in)) {
			CHECK_STREQ(out, in);
			same++;
		}
	}
	CHECK_GT(same, 1000);
}
END_TEST

/* Random documents built with the encoder parse back. */
static void
gen_value(struct json_enc *e, unsigned depth)
{
	static const char *const words[] = {
		"", "a", "content", "\xc3\xa9\n", "\"q\"", "\\", "\x01",
	};
	size_t n, k;

	switch (depth >= 6 ? rnd_n(4) : rnd_n(6)) {
	case 0:
		json_int(e, (long long)rnd() >> rnd_n(64));
		break;
	case 1:
		json_str(e, words[rnd_n(sizeof words / sizeof words[0])]);
		break;
	case 2:
		json_bool(e, (int)rnd_n(2));
		break;
	case 3:
		json_null(e);
		break;
	case 4:
		json_arr(e);
		for (n = rnd_n(4), k = 0; k < n; k++)
			gen_value(e, depth + 1);
		json_end(e);
		break;
	default:
		json_obj(e);
		for (n = rnd_n(4), k = 0; k < n; k++) {
			json_key(e, words[rnd_n(sizeof words /
			    sizeof words[0])]);
			gen_value(e, depth + 1);
		}
		json_end(e);
		break;
	}
}

START_TEST(fuzz_generated)
{
	char buf[8192], *copy;
	struct json_enc e;
	struct json_doc d;
	size_t len, cut;
	unsigned i;

	rng = 7;
	for (i = 0; i < 3000; i++) {
		json_enc_init(&e, buf, sizeof buf);
		gen_value(&e, 0);
		if (json_enc_end(&e, &len) < 0) {
			CHECK(json_enc_overflow(&e));
			continue;
		}
		if (json_parse(&d, buf, len) != 0)
			ck_abort_msg("%s: %s", buf, d.err);
		probe(&d);
		if (buf[0] != '[' && buf[0] != '{')
			continue;
		cut = rnd_n(len);
		CHECK_EQ(parse_exact(&d, buf, cut, &copy), -1);
		free(copy);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");
	TCase *fz = tcase_create("fuzz");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, enc_escape_table);
	tcase_add_test(tc, enc_invalid_utf8);
	tcase_add_test(tc, enc_structure);
	tcase_add_test(tc, enc_overflow_every_cap);
	tcase_add_test(tc, enc_overflow_is_sticky);
	tcase_add_test(tc, enc_numbers);
	tcase_add_test(tc, enc_misuse);
	tcase_add_test(tc, dec_openai);
	tcase_add_test(tc, dec_groq_ollama);
	tcase_add_test(tc, dec_errors_and_slack);
	tcase_add_test(tc, dec_unescape);
	tcase_add_test(tc, dec_malformed);
	tcase_add_test(tc, dec_messages);
	tcase_add_test(tc, dec_valid_edge);
	tcase_add_test(tc, dec_depth);
	tcase_add_test(tc, dec_getters);
	tcase_add_test(tc, dec_not_terminated);
	suite_add_tcase(s, tc);
	/* Sanitizers slow these down; Check's default 4 s is too tight
	 * on a small board. */
	tcase_set_timeout(fz, 120);
	tcase_add_test(fz, fuzz_truncated);
	tcase_add_test(fz, fuzz_mutated);
	tcase_add_test(fz, fuzz_encode_roundtrip);
	tcase_add_test(fz, fuzz_generated);
	suite_add_tcase(s, fz);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
