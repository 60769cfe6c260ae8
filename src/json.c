/* json.c - see json.h. */
#include "json.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
#define REPLACEMENT	"\xef\xbf\xbd"

/*
 * Length of the UTF-8 sequence at s[0..n), n >= 1.  *ok = 1 when it is
 * well formed; otherwise the length is that of its maximal subpart (at
 * least 1), which is what one U+FFFD replaces.  The narrowed second-byte
 * ranges after E0, ED, F0 and F4 are what exclude overlong forms,
 * surrogates and code points above U+10FFFF (Unicode, table 3-7).
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, int *ok)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	*ok = 1;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		*ok = 0;
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*ok = 0;
			return i;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

/* ---- encoder ---- */

void
json_enc_init(struct json_enc *e, char *buf, size_t cap)
{
	memset(e, 0, sizeof *e);
	e->buf = buf;
	e->cap = cap;
}

/* Append n bytes, keeping one byte free for the final NUL. */
static void
put(struct json_enc *e, const char *s, size_t n)
{
	if (e->overflow || e->misuse)
		return;
	if (n >= e->cap - e->len) {
		e->overflow = 1;
		return;
	}
	memcpy(e->buf + e->len, s, n);
	e->len += n;
}

static int
in_object(const struct json_enc *e)
{
	return e->depth > 0 && (e->is_obj >> (e->depth - 1) & 1);
}

/* Before any value: is one allowed here?  Then its comma. */
static void
value_start(struct json_enc *e)
{
	if (e->done || (in_object(e) && !e->want_value))
		e->misuse = 1;
	if (e->comma)
		put(e, ",", 1);
	e->want_value = 0;
}

/* After a complete value: the next sibling needs a comma. */
static void
value_end(struct json_enc *e)
{
	e->comma = e->depth > 0;
	if (e->depth == 0)
		e->done = 1;
}

static void
open_container(struct json_enc *e, int obj)
{
	value_start(e);
	if (e->depth >= JSON_ENC_DEPTH) {
		e->misuse = 1;
		return;
	}
	if (obj)
		e->is_obj |= 1UL << e->depth;
	else
		e->is_obj &= ~(1UL << e->depth);
	e->depth++;
	e->comma = 0;
	put(e, obj ? "{" : "[", 1);
}

void
json_obj(struct json_enc *e)
{
	open_container(e, 1);
}

void
json_arr(struct json_enc *e)
{
	open_container(e, 0);
}

void
json_end(struct json_enc *e)
{
	int obj = in_object(e);

	/* A key waiting for its value cannot be closed over. */
	if (e->depth == 0 || e->want_value) {
		e->misuse = 1;
		return;
	}
	e->depth--;
	put(e, obj ? "}" : "]", 1);
	value_end(e);
}

/* A control byte as JSON wants it: short forms where JSON has them. */
static void
put_control(struct json_enc *e, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char u[6] = { '\\', 'u', '0', '0', 0, 0 };
	const char *s;

	switch (c) {
	case '\b': s = "\\b"; break;
	case '\f': s = "\\f"; break;
	case '\n': s = "\\n"; break;
	case '\r': s = "\\r"; break;
	case '\t': s = "\\t"; break;
	case '"': s = "\\\""; break;
	case '\\': s = "\\\\"; break;
	default:
		u[4] = hex[c >> 4];
		u[5] = hex[c & 15];
		put(e, u, sizeof u);
		return;
	}
	put(e, s, 2);
}

static int
plain_ascii(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* The quoted string; plain runs are copied in one piece. */
static void
put_string(struct json_enc *e, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run;
	int ok;

	put(e, "\"", 1);
	while (i < len) {
		for (run = i; run < len && plain_ascii(u[run]); run++)
			;
		put(e, s + i, run - i);
		i = run;
		if (i == len)
			break;
		if (u[i] < 0x80) {
			put_control(e, u[i]);
			i++;
			continue;
		}
		run = utf8_seq(u + i, len - i, &ok);
		if (ok)
			put(e, s + i, run);
		else
			put(e, REPLACEMENT, 3);
		i += run;
	}
	put(e, "\"", 1);
}

void
json_key(struct json_enc *e, const char *key)
{
	if (!in_object(e) || e->want_value)
		e->misuse = 1;
	if (e->comma)
		put(e, ",", 1);
	put_string(e, key, strlen(key));
	put(e, ":", 1);
	e->want_value = 1;
	e->comma = 0;
}

void
json_strn(struct json_enc *e, const char *s, size_t len)
{
	value_start(e);
	put_string(e, s, len);
	value_end(e);
}

void
json_str(struct json_enc *e, const char *s)
{
	json_strn(e, s, strlen(s));
}

void
json_int(struct json_enc *e, long long v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%lld", v);

	value_start(e);
	put(e, num, (size_t)n);
	value_end(e);
}

void
json_bool(struct json_enc *e, int v)
{
	value_start(e);
	put(e, v ? "true" : "false", v ? 4 : 5);
	value_end(e);
}

void
json_null(struct json_enc *e)
{
	value_start(e);
	put(e, "null", 4);
	value_end(e);
}

void
json_key_str(struct json_enc *e, const char *key, const char *s)
{
	json_key(e, key);
	json_str(e, s);
}

void
json_key_int(struct json_enc *e, const char *key, long long v)
{
	json_key(e, key);
	json_int(e, v);
}

void
json_key_bool(struct json_enc *e, const char *key, int v)
{
	json_key(e, key);
	json_bool(e, v);
}

int
json_enc_end(struct json_enc *e, size_t *len)
{
	if (!e->done || e->depth != 0)
		e->misuse = 1;
	if (e->overflow || e->misuse) {
		if (e->cap > 0)
			e->buf[0] = '\0';
		return -1;
	}
	e->buf[e->len] = '\0';
	if (len != NULL)
		*len = e->len;
	return 0;
}

int
json_enc_overflow(const struct json_enc *e)
{
	return e->overflow;
}

/* ---- validation ---- */

struct parser {
	const char	*s;
	size_t		len;
	size_t		pos;
	struct json_doc	*d;
};

static int
fail(struct parser *p, size_t off, const char *what)
{
	p->d->err_off = off;
	str_fmt(p->d->err, sizeof p->d->err, "%s at byte %zu", what, off);
	return -1;
}

/* "unexpected 'x'", or the byte in hex when it is not printable. */
static int
unexpected(struct parser *p)
{
	char what[40];
	unsigned char c;

	if (p->pos >= p->len)
		return fail(p, p->pos, "unexpected end of the document");
	c = (unsigned char)p->s[p->pos];
	if (c > 0x20 && c < 0x7f)
		str_fmt(what, sizeof what, "unexpected '%c'", c);
	else
		str_fmt(what, sizeof what, "unexpected byte 0x%02x", c);
	return fail(p, p->pos, what);
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
skip_ws(struct parser *p)
{
	while (p->pos < p->len && is_ws(p->s[p->pos]))
		p->pos++;
}

/* Is the next byte c?  Then consume it. */
static int
eat(struct parser *p, char c)
{
	if (p->pos < p->len && p->s[p->pos] == c) {
		p->pos++;
		return 1;
	}
	return 0;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* At "\\": one escape of the string. */
static int
check_escape(struct parser *p)
{
	size_t at = p->pos, i;

	p->pos++;
	if (p->pos >= p->len)
		return -1;
	if (strchr("\"\\/bfnrt", p->s[p->pos]) != NULL &&
	    p->s[p->pos] != '\0') {
		p->pos++;
		return 0;
	}
	if (p->s[p->pos] != 'u')
		return fail(p, at, "bad escape");
	for (i = 1; i <= 4; i++) {
		if (p->pos + i >= p->len)
			return -1;	/* the string is unterminated */
		if (hex_digit(p->s[p->pos + i]) < 0)
			return fail(p, at, "bad \\u escape");
	}
	p->pos += 5;
	return 0;
}

/* A string; raw bytes from 0x80 up are checked only when read. */
static int
check_string(struct parser *p)
{
	size_t start = p->pos;
	unsigned char c;

	p->pos++;
	while (p->pos < p->len) {
		c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			p->pos++;
			return 0;
		}
		if (c < 0x20) {
			char what[40];

			str_fmt(what, sizeof what,
			    "control byte 0x%02x in a string", c);
			return fail(p, p->pos, what);
		}
		if (c != '\\')
			p->pos++;
		else if (check_escape(p) < 0)
			break;
	}
	if (p->d->err[0] != '\0')
		return -1;
	return fail(p, start, "unterminated string");
}

static void
skip_digits(struct parser *p)
{
	while (p->pos < p->len && is_digit(p->s[p->pos]))
		p->pos++;
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int
check_number(struct parser *p)
{
	size_t start = p->pos;

	eat(p, '-');
	if (eat(p, '0')) {
		if (p->pos < p->len && is_digit(p->s[p->pos]))
			return fail(p, start, "bad number (leading zero)");
	} else if (p->pos < p->len && is_digit(p->s[p->pos])) {
		skip_digits(p);
	} else {
		return fail(p, start, "bad number");
	}
	if (eat(p, '.')) {
		if (p->pos >= p->len || !is_digit(p->s[p->pos]))
			return fail(p, start, "bad number");
		skip_digits(p);
	}
	if (eat(p, 'e') || eat(p, 'E')) {
		if (!eat(p, '+'))
			eat(p, '-');
		if (p->pos >= p->len || !is_digit(p->s[p->pos]))
			return fail(p, start, "bad number");
		skip_digits(p);
	}
	return 0;
}

static int
check_literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return unexpected(p);
	p->pos += n;
	return 0;
}

static int check_value(struct parser *p, unsigned depth);

/* At '{' or '[': members or elements up to the matching close. */
static int
check_container(struct parser *p, unsigned depth)
{
	char close = p->s[p->pos] == '{' ? '}' : ']';

	if (depth >= JSON_DEPTH_MAX)
		return fail(p, p->pos, "nesting deeper than "
		    "JSON_DEPTH_MAX (64)");
	p->pos++;
	skip_ws(p);
	if (eat(p, close))
		return 0;
	for (;;) {
		skip_ws(p);
		if (close == '}') {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return unexpected(p);
			if (check_string(p) < 0)
				return -1;
			skip_ws(p);
			if (!eat(p, ':'))
				return unexpected(p);
		}
		if (check_value(p, depth + 1) < 0)
			return -1;
		skip_ws(p);
		if (eat(p, close))
			return 0;
		if (!eat(p, ','))
			return unexpected(p);
	}
}

static int
check_value(struct parser *p, unsigned depth)
{
	skip_ws(p);
	if (p->pos >= p->len)
		return unexpected(p);
	switch (p->s[p->pos]) {
	case '{':
	case '[':
		return check_container(p, depth);
	case '"':
		return check_string(p);
	case 't':
		return check_literal(p, "true");
	case 'f':
		return check_literal(p, "false");
	case 'n':
		return check_literal(p, "null");
	default:
		if (p->s[p->pos] == '-' || is_digit(p->s[p->pos]))
			return check_number(p);
		return unexpected(p);
	}
}

int
json_parse(struct json_doc *d, const char *s, size_t len)
{
	struct parser p = { s, len, 0, d };

	memset(d, 0, sizeof *d);
	d->s = s;
	d->len = len;
	skip_ws(&p);
	if (p.pos == len)
		return fail(&p, 0, "empty document");
	if (check_value(&p, 0) < 0)
		return -1;
	skip_ws(&p);
	if (p.pos != len)
		return fail(&p, p.pos, "trailing data after the value");
	d->valid = 1;
	return 0;
}

/* ---- reading checked text ---- */

/* The getters walk text json_parse accepted, but every step is still
 * bounded by len so that a wrong offset can never read past the end. */

static size_t
ws(const char *s, size_t len, size_t i)
{
	while (i < len && is_ws(s[i]))
		i++;
	return i;
}

/* At '"': the index after the closing quote. */
static size_t
skip_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

/* At any value: the index after it. */
static size_t
skip_value(const char *s, size_t len, size_t i)
{
	size_t depth = 0;

	if (i >= len)
		return len;
	if (s[i] == '"')
		return skip_string(s, len, i);
	if (s[i] != '{' && s[i] != '[') {
		while (i < len && !is_ws(s[i]) && s[i] != ',' &&
		    s[i] != ']' && s[i] != '}')
			i++;
		return i;
	}
	while (i < len) {
		if (s[i] == '"') {
			i = skip_string(s, len, i);
			continue;
		}
		if (s[i] == '{' || s[i] == '[')
			depth++;
		else if ((s[i] == '}' || s[i] == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return len;
}

/* The 4 hex digits at s[i..i+4) (bounds checked by the caller). */
static unsigned
hex4(const char *s, size_t i)
{
	unsigned v = 0, k;

	for (k = 0; k < 4; k++)
		v = v << 4 | (unsigned)hex_digit(s[i + k]);
	return v;
}

static size_t
utf8_put(unsigned cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int
is_u_escape(const char *s, size_t len, size_t i)
{
	size_t k;

	if (len - i < 6 || s[i] != '\\' || s[i + 1] != 'u')
		return 0;
	for (k = 2; k < 6; k++)
		if (hex_digit(s[i + k]) < 0)
			return 0;
	return 1;
}

/*
 * At "\\u": one code point, with a following low surrogate escape
 * joined to a high one.  Lone surrogates and U+0000 give U+FFFD (see
 * json.h).  *i moves past what was used.
 */
static unsigned
unescape_u(const char *s, size_t len, size_t *i)
{
	unsigned cp, lo;

	if (!is_u_escape(s, len, *i)) {
		*i = len;
		return 0xfffd;
	}
	cp = hex4(s, *i + 2);
	*i += 6;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return 0xfffd;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (!is_u_escape(s, len, *i))
			return 0xfffd;
		lo = hex4(s, *i + 2);
		if (lo < 0xdc00 || lo > 0xdfff)
			return 0xfffd;
		*i += 6;
		return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return cp == 0 ? 0xfffd : cp;
}

/* At "\\": the escape's UTF-8 bytes into out; returns their count. */
static size_t
unescape(const char *s, size_t len, size_t *i, char out[4])
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *at;

	if (*i + 1 >= len) {
		*i = len;
		return 0;
	}
	if (s[*i + 1] == 'u')
		return utf8_put(unescape_u(s, len, i), out);
	at = memchr(from, s[*i + 1], sizeof from - 1);
	*i += 2;
	if (at == NULL)
		return 0;
	out[0] = to[at - from];
	return 1;
}

/*
 * The string whose opening quote is s[i], unescaped into out[n] with a
 * NUL.  JSON_ETOOBIG when it does not fit.
 */
static int
decode_string(const char *s, size_t len, size_t i, char *out, size_t n,
    size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0, k;
	char tmp[4];
	int ok;

	for (i++; i < len && s[i] != '"';) {
		if (s[i] == '\\') {
			k = unescape(s, len, &i, tmp);
		} else if (u[i] < 0x80) {
			tmp[0] = s[i++];
			k = 1;
		} else {
			k = utf8_seq(u + i, len - i, &ok);
			if (ok)
				memcpy(tmp, s + i, k);
			else
				memcpy(tmp, REPLACEMENT, 3);
			i += k;
			k = ok ? k : 3;
		}
		if (k >= n - o)
			return JSON_ETOOBIG;
		memcpy(out + o, tmp, k);
		o += k;
	}
	out[o] = '\0';
	*outlen = o;
	return JSON_OK;
}

/* Does the key whose quote is at s[i] read step[0..k)? */
static int
key_is(const char *s, size_t len, size_t i, const char *step, size_t k)
{
	char key[JSON_KEY_MAX];
	size_t n;

	if (decode_string(s, len, i, key, sizeof key, &n) != JSON_OK)
		return 0;
	return n == k && memcmp(key, step, k) == 0;
}

#define NOT_FOUND ((size_t)-1)

/* At '{': the index of the value of member step, or NOT_FOUND. */
static size_t
member(const char *s, size_t len, size_t i, const char *step, size_t k)
{
	int match;

	i = ws(s, len, i + 1);
	while (i < len && s[i] == '"') {
		match = key_is(s, len, i, step, k);
		i = ws(s, len, skip_string(s, len, i));
		i = ws(s, len, i + 1);		/* past ':' */
		if (match)
			return i;
		i = ws(s, len, skip_value(s, len, i));
		if (i >= len || s[i] != ',')
			break;
		i = ws(s, len, i + 1);
	}
	return NOT_FOUND;
}

/* A step naming an array index: decimal digits, no leading zero. */
static int
step_index(const char *step, size_t k, size_t *idx)
{
	size_t v = 0, j;

	if (k == 0 || k > 9 || (step[0] == '0' && k > 1))
		return -1;
	for (j = 0; j < k; j++) {
		if (!is_digit(step[j]))
			return -1;
		v = v * 10 + (size_t)(step[j] - '0');
	}
	*idx = v;
	return 0;
}

/* At '[': the index of element step, or NOT_FOUND. */
static size_t
element(const char *s, size_t len, size_t i, const char *step, size_t k)
{
	size_t want, n = 0;

	if (step_index(step, k, &want) < 0)
		return NOT_FOUND;
	i = ws(s, len, i + 1);
	if (i >= len || s[i] == ']')
		return NOT_FOUND;
	for (;;) {
		if (n == want)
			return i;
		i = ws(s, len, skip_value(s, len, i));
		if (i >= len || s[i] != ',')
			return NOT_FOUND;
		i = ws(s, len, i + 1);
		n++;
	}
}

/* The index of the value at path, or NOT_FOUND. */
static size_t
find(const struct json_doc *d, const char *path)
{
	const char *s = d->s, *dot;
	size_t len = d->len, i = ws(s, len, 0), k;

	if (!d->valid)
		return NOT_FOUND;
	while (*path != '\0' && i < len) {
		dot = strchr(path, '.');
		k = dot != NULL ? (size_t)(dot - path) : strlen(path);
		if (s[i] == '{')
			i = member(s, len, i, path, k);
		else if (s[i] == '[')
			i = element(s, len, i, path, k);
		else
			return NOT_FOUND;
		if (i == NOT_FOUND)
			return NOT_FOUND;
		path += k + (dot != NULL);
	}
	return i < len ? i : NOT_FOUND;
}

static enum json_type
type_of(char c)
{
	switch (c) {
	case '{': return JSON_OBJECT;
	case '[': return JSON_ARRAY;
	case '"': return JSON_STRING;
	case 't':
	case 'f': return JSON_BOOL;
	case 'n': return JSON_NULL;
	default: return JSON_NUMBER;
	}
}

enum json_type
json_type_at(const struct json_doc *d, const char *path)
{
	size_t i = find(d, path);

	return i == NOT_FOUND ? JSON_NONE : type_of(d->s[i]);
}

/* The value at path when it has type want, else the error. */
static int
find_typed(const struct json_doc *d, const char *path, enum json_type want,
    size_t *at)
{
	if (!d->valid)
		return JSON_EINVAL;
	*at = find(d, path);
	if (*at == NOT_FOUND)
		return JSON_ENOENT;
	if (type_of(d->s[*at]) != want)
		return JSON_ETYPE;
	return JSON_OK;
}

int
json_get_string(const struct json_doc *d, const char *path, char *out,
    size_t n)
{
	size_t at, len;
	int r;

	if (n == 0)
		return JSON_ETOOBIG;
	out[0] = '\0';
	r = find_typed(d, path, JSON_STRING, &at);
	if (r == JSON_OK)
		r = decode_string(d->s, d->len, at, out, n, &len);
	if (r != JSON_OK)
		out[0] = '\0';
	return r;
}

int
json_get_int(const struct json_doc *d, const char *path, long long *v)
{
	const char *s = d->s;
	size_t at, i;
	long long acc = 0;
	int r, neg, dig;

	r = find_typed(d, path, JSON_NUMBER, &at);
	if (r != JSON_OK)
		return r;
	i = at;
	neg = s[i] == '-';
	i += (size_t)neg;
	/* Accumulate negatively: -LLONG_MIN does not fit. */
	for (; i < d->len && is_digit(s[i]); i++) {
		dig = s[i] - '0';
		if (acc < (LLONG_MIN + dig) / 10)
			return JSON_ERANGE;
		acc = acc * 10 - dig;
	}
	if (i < d->len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E'))
		return JSON_ERANGE;
	if (!neg && acc == LLONG_MIN)
		return JSON_ERANGE;
	*v = neg ? acc : -acc;
	return JSON_OK;
}

int
json_get_bool(const struct json_doc *d, const char *path, int *v)
{
	size_t at;
	int r = find_typed(d, path, JSON_BOOL, &at);

	if (r == JSON_OK)
		*v = d->s[at] == 't';
	return r;
}

int
json_get_count(const struct json_doc *d, const char *path, size_t *n)
{
	const char *s = d->s;
	size_t at, i, len = d->len;

	if (!d->valid)
		return JSON_EINVAL;
	at = find(d, path);
	if (at == NOT_FOUND)
		return JSON_ENOENT;
	if (s[at] != '{' && s[at] != '[')
		return JSON_ETYPE;
	*n = 0;
	i = ws(s, len, at + 1);
	if (i >= len || s[i] == '}' || s[i] == ']')
		return JSON_OK;
	for (;;) {
		(*n)++;
		if (s[at] == '{') {		/* key and ':' first */
			i = ws(s, len, skip_string(s, len, i));
			i = ws(s, len, i + 1);
		}
		i = ws(s, len, skip_value(s, len, i));
		if (i >= len || s[i] != ',')
			return JSON_OK;
		i = ws(s, len, i + 1);
	}
}

const char *
json_strerror(int res)
{
	switch (res) {
	case JSON_OK: return "no error";
	case JSON_ENOENT: return "no such value";
	case JSON_ETYPE: return "value of another type";
	case JSON_ETOOBIG: return "string longer than the buffer";
	case JSON_ERANGE: return "not an integer in range";
	case JSON_EINVAL: return "not a valid JSON document";
	default: return "unknown JSON error";
	}
}
