/*
 * json.h - a JSON encoder into a caller buffer and a small validating
 * reader for the answers of chat and webhook APIs.  Nothing allocates.
 *
 * Encoder.  Calls append to buf[cap]; the first write that does not fit
 * sets a sticky overflow flag and every later call does nothing, so a
 * request is built with plain calls and checked once by json_enc_end().
 * Misuse (a key in an array, a value in an object without its key,
 * unbalanced ends, nesting over JSON_ENC_DEPTH) is sticky as well.
 * Strings are escaped so that any bytes give valid JSON: '"', '\\' and
 * every control byte (U+0000-U+001F, U+007F) are escaped, \b \f \n \r
 * \t in their short form, the rest as \u00XX; each ill-formed UTF-8
 * sequence (overlong, surrogate, above U+10FFFF, truncated, stray
 * continuation) becomes one U+FFFD per maximal subpart, as Unicode
 * recommends.  Non-ASCII text is written as UTF-8, not \u escapes.
 *
 *	char buf[4096];
 *	struct json_enc e;
 *
 *	json_enc_init(&e, buf, sizeof buf);
 *	json_obj(&e);
 *	json_key_str(&e, "model", model);
 *	json_key(&e, "stream");
 *	json_bool(&e, 0);
 *	json_end(&e);
 *	if (json_enc_end(&e, &len) < 0) ... "request larger than 4096"
 *
 * Reader.  json_parse() checks the whole text against RFC 8259 once:
 * it refuses trailing data, bad numbers (leading zeros, "1.", "-",
 * "+1"), control bytes and bad escapes in strings, unterminated
 * strings and containers, nesting deeper than JSON_DEPTH_MAX and empty
 * input.  It keeps no tokens: the getters walk the checked text again
 * for every lookup, which is cheap for answers of a few KiB and needs
 * no token array to size.  The text must stay unchanged while the
 * struct json_doc is used; it need not be NUL-terminated.
 *
 * Paths name a value by dot-separated steps: an object member by its
 * key, an array element by its decimal index; "" is the whole value.
 *	"choices.0.message.content"	OpenAI, Groq and compatibles
 *	"message.content", "done"	Ollama /api/chat
 *	"error.message", "error.type"	error bodies
 *	"ok"				Slack Web API; an incoming webhook
 *					answers the plain text "ok", which
 *					is not JSON (compare the body)
 * A key holding '.' cannot be named.  Keys are compared after
 * unescaping ("\u0063ontent" matches content).  When a key occurs
 * twice in an object, the first one counts.
 *
 * Strings read are unescaped to UTF-8: \uXXXX escapes, surrogate
 * pairs joined.  A lone surrogate escape, \u0000 and each ill-formed
 * UTF-8 sequence in the raw text become U+FFFD, so what a getter
 * returns is always valid UTF-8 and a C string with no NUL inside
 * (one odd character must not cost the whole answer).  Other control
 * characters are returned as they are: clean them before printing
 * text from the network to a terminal.
 */
#ifndef ANSAI_JSON_H
#define ANSAI_JSON_H

#include <stddef.h>

/* Nesting the encoder tracks: request bodies are 3-4 levels deep. */
#define JSON_ENC_DEPTH	32
/* Nesting json_parse accepts; each level is one stack frame (< 100
 * bytes), and API answers nest 4-6 levels. */
#define JSON_DEPTH_MAX	64
/* Room for json_doc.err, e.g. "bad \u escape at byte 123456". */
#define JSON_ERR_MAX	96
/* Path steps are compared against keys of at most this many bytes. */
#define JSON_KEY_MAX	256

struct json_enc {
	char		*buf;
	size_t		cap;
	size_t		len;
	int		overflow;	/* sticky: a write did not fit */
	int		misuse;		/* sticky: calls out of order */
	int		comma;		/* the next item needs a ',' */
	int		want_value;	/* a key was written */
	int		done;		/* the top-level value is complete */
	unsigned	depth;
	/* Bit i set: level i + 1 is an object, clear: an array. */
	unsigned long	is_obj;
};

void json_enc_init(struct json_enc *e, char *buf, size_t cap);
/* Open an object / an array; json_end closes the innermost one. */
void json_obj(struct json_enc *e);
void json_arr(struct json_enc *e);
void json_end(struct json_enc *e);
/* An object member's key; the next call writes its value. */
void json_key(struct json_enc *e, const char *key);
/* Values. json_strn takes len bytes (NUL bytes become \u0000). */
void json_str(struct json_enc *e, const char *s);
void json_strn(struct json_enc *e, const char *s, size_t len);
void json_int(struct json_enc *e, long long v);
void json_bool(struct json_enc *e, int v);
void json_null(struct json_enc *e);
/* Shorthands for a key followed by its value. */
void json_key_str(struct json_enc *e, const char *key, const char *s);
void json_key_int(struct json_enc *e, const char *key, long long v);
void json_key_bool(struct json_enc *e, const char *key, int v);
/*
 * Finish: 0 when one complete value was written and fits with its NUL
 * terminator; *len (may be NULL) gets its length.  -1 on overflow or
 * misuse; buf then holds an empty string (when cap > 0), never a cut
 * document.  json_enc_overflow tells which: 1 when buf was too small.
 */
int json_enc_end(struct json_enc *e, size_t *len);
int json_enc_overflow(const struct json_enc *e);

struct json_doc {
	const char	*s;
	size_t		len;
	int		valid;
	/* When json_parse failed: the offset and what is wrong. */
	size_t		err_off;
	char		err[JSON_ERR_MAX];
};

/* Check s[len]; 0 when it is one valid JSON text, else -1 with
 * d->err, e.g. "unterminated string at byte 17". */
int json_parse(struct json_doc *d, const char *s, size_t len);

/* What a getter found.  Everything but JSON_OK is negative. */
enum json_res {
	JSON_OK = 0,
	JSON_ENOENT = -1,	/* no value at that path */
	JSON_ETYPE = -2,	/* a value of another type */
	JSON_ETOOBIG = -3,	/* string longer than the buffer */
	JSON_ERANGE = -4,	/* number not an integer or out of range */
	JSON_EINVAL = -5	/* the doc did not pass json_parse */
};

enum json_type {
	JSON_NONE,		/* no value at that path */
	JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY,
	JSON_OBJECT
};

/* Type of the value at path; JSON_NONE when there is none. */
enum json_type json_type_at(const struct json_doc *d, const char *path);
/*
 * The string at path, unescaped into out[n] and NUL-terminated.  A
 * string that does not fit is JSON_ETOOBIG, never a cut copy; out is
 * "" after any error (when n > 0).
 */
int json_get_string(const struct json_doc *d, const char *path, char *out,
    size_t n);
/* An integer written without fraction or exponent, in long long. */
int json_get_int(const struct json_doc *d, const char *path, long long *v);
int json_get_bool(const struct json_doc *d, const char *path, int *v);
/* Elements of the array or members of the object at path. */
int json_get_count(const struct json_doc *d, const char *path, size_t *n);
/* "no such value", "value of another type", ... for messages. */
const char *json_strerror(int res);

#endif
