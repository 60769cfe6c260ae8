/*
 * redact.c - see redact.h.
 *
 * Each line is copied into a scratch buffer (regexec wants a C string)
 * and every detector marks the bytes it wants gone in mark[]; a run of
 * marked bytes becomes one REDACT_MARK.  Detectors are independent, so
 * none can hide a secret from another, and each scans the line once:
 * after looking at a run or a value it resumes past it.
 *
 * The rewrite is in place: the text is first moved to the end of the
 * buffer, then lines are read from there and written from the start.
 * A line's output is written only when it ends before the next unread
 * byte, so input is never overwritten before it was examined.
 *
 * Thresholds, and why:
 *   32 hex digits   the shortest common secret (128-bit keys, API keys);
 *                   shorter hex runs are pids, addresses, short hashes.
 *   base64 >= 32    same length; and it must look random: two or more of
 *                   lower case, upper case and digits, and at least 30 %
 *                   of neighbouring alphanumerics change class (20 % when
 *                   a fifth of them are digits).  Random base64 changes
 *                   class 62 % of the time and is missed about once in
 *                   2000 at 32 characters; random lower-case-and-digit
 *                   tokens change 40 % and are missed about once in 10
 *                   (with a key name before them, mark_keys has them
 *                   anyway).  Paths and CamelCase names stay under 25 %;
 *                   what is caught by mistake is mostly serial numbers.
 *   URL user >= 16  a user name alone is kept ("ssh://git@host"); one
 *                   that long is most likely a token.
 *   Bearer >= 8     shorter words after "Bearer" are prose.
 */
#include "redact.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define MARK_LEN	(sizeof REDACT_MARK - 1)
#define TOKEN_MIN	32	/* hex and base64 runs */
#define URL_USER_MIN	16	/* a user part without ':' */
#define BEARER_MIN	8
#define EMAIL_LOCAL_MAX	64	/* RFC 5321 */
#define LONG_LINE_NOTE	REDACT_MARK " (a line too long to examine)"

static char line[REDACT_LINE_MAX + 1];
static unsigned char mark[REDACT_LINE_MAX];

/* ---- characters ---- */

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

static int
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Characters of a key name: DB_PASSWORD, x-api-key, spring.password. */
static int
is_keych(int c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

static int
is_b64(int c)
{
	return is_alnum(c) || c == '+' || c == '/' || c == '_' || c == '-';
}

static int
is_b64url(int c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

static void
set_marks(unsigned char *m, size_t from, size_t to)
{
	if (to > from)
		memset(m + from, 1, to - from);
}

/* Does s[0..n) end with word (lower case), case-insensitively? */
static int
ends_with(const char *s, size_t n, const char *word)
{
	size_t k = strlen(word), i;

	if (k > n)
		return 0;
	for (i = 0; i < k; i++)
		if (lower((unsigned char)s[n - k + i]) != word[i])
			return 0;
	return 1;
}

static int
starts_with_ci(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; word[i]; i++)
		if (i >= n || lower((unsigned char)s[i]) != word[i])
			return 0;
	return 1;
}

/* ---- key = value ---- */

enum key_kind { KEY_NONE, KEY_PLAIN, KEY_AUTH, KEY_COOKIE };

/* Is the name s[0..n) one whose value is secret?  '-' and '.' count as
 * '_', leading dashes (--password) and trailing digits are ignored. */
static enum key_kind
secret_key(const char *s, size_t n)
{
	static const char *const plain[] = {
		"password", "passwd", "passphrase", "secret", "token",
		"api_key", "apikey", "access_key", "secret_key",
		"private_key", "credential", "credentials", "session_id",
		"sessionid", "privatekey", "secretkey", "accesskey",
		"auth_key", "subscription_key", "signing_key",
		"encryption_key", "master_key", "client_key",
	};
	char norm[64];
	size_t i, k = 0;

	while (n > 0 && (*s == '-' || *s == '.')) {
		s++;
		n--;
	}
	while (n > 0 && is_digit((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return KEY_NONE;
	/* Only the end of the name decides. */
	if (n >= sizeof norm) {
		s += n - (sizeof norm - 1);
		n = sizeof norm - 1;
	}
	for (i = 0; i < n; i++) {
		int c = lower((unsigned char)s[i]);

		norm[k++] = c == '-' || c == '.' ? '_' : (char)c;
	}
	norm[k] = '\0';
	if (ends_with(norm, k, "authorization"))
		return KEY_AUTH;
	if (ends_with(norm, k, "cookie"))
		return KEY_COOKIE;
	for (i = 0; i < ARRAY_LEN(plain); i++)
		if (ends_with(norm, k, plain[i]))
			return KEY_PLAIN;
	/* "pass" and "pwd" only as a whole last part: db_pass, but not
	 * bypass; and not PWD, the working directory. */
	/* WiFi pre-shared keys, Docker's "auth" (base64 of user:pass). */
	if (strcmp(norm, "psk") == 0 || strcmp(norm, "auth") == 0 ||
	    ends_with(norm, k, "_psk"))
		return KEY_PLAIN;
	if (strcmp(norm, "pass") == 0 || strcmp(norm, "pw") == 0 ||
	    ends_with(norm, k, "_pass") || ends_with(norm, k, "_pw") ||
	    ends_with(norm, k, "_pwd"))
		return KEY_PLAIN;
	return KEY_NONE;
}

enum quote { Q_NONE, Q_DOUBLE, Q_SINGLE, Q_ESCAPED };

/* Skip the quote that closes a quoted key ("token": or \"token\":). */
static size_t
skip_key_quote(const char *s, size_t n, size_t p)
{
	if (p < n && (s[p] == '"' || s[p] == '\''))
		return p + 1;
	if (p + 1 < n && s[p] == '\\' && s[p + 1] == '"')
		return p + 2;
	return p;
}

static size_t
skip_blanks(const char *s, size_t n, size_t p)
{
	while (p < n && is_blank((unsigned char)s[p]))
		p++;
	return p;
}

/* ',' ';' ')' '}' ']' end an unquoted value only when nothing follows
 * them on the word: "pw=a,b" is one value, "{pw=a}, x" is not. */
static int
ends_value(const char *s, size_t n, size_t p)
{
	int c = (unsigned char)s[p], d;

	if (is_blank(c) || c == '&' || c == '"' || c == '\'' || c == '<' ||
	    c == '>' || c == '`')
		return 1;
	if (c != ',' && c != ';' && c != ')' && c != '}' && c != ']')
		return 0;
	if (p + 1 >= n)
		return 1;
	d = (unsigned char)s[p + 1];
	return is_blank(d) || d == ',' || d == ';' || d == ')' || d == '}' ||
	    d == ']' || d == '"' || d == '\'';
}

/* The end of a quoted value starting at p (just past the quote); the
 * end of the line when it is not closed. */
static size_t
quoted_end(const char *s, size_t n, size_t p, enum quote q)
{
	for (; p < n; p++) {
		if (q == Q_ESCAPED) {
			if (s[p] == '\\' && p + 1 < n && s[p + 1] == '"')
				return p;
			continue;
		}
		if (s[p] == '\\' && p + 1 < n) {
			p++;
			continue;
		}
		if (s[p] == (q == Q_DOUBLE ? '"' : '\''))
			return p;
	}
	return n;
}

/* "Bearer abc": keep the scheme word, it tells what kind of secret. */
static size_t
skip_scheme(const char *s, size_t vs, size_t ve)
{
	size_t p = vs;

	while (p < ve && is_alpha((unsigned char)s[p]))
		p++;
	if (p == vs || p - vs > 16 || p >= ve ||
	    !is_blank((unsigned char)s[p]))
		return vs;
	while (p < ve && is_blank((unsigned char)s[p]))
		p++;
	return p < ve ? p : vs;
}

/* How a value follows its key: "pw=x" ends at a blank; "password =
 * a b" (INI), "password: a b" (YAML, headers) take the rest of the
 * line, except after a quoted key ("token": null, ...: JSON). */
enum sep { SEP_NONE, SEP_TIGHT, SEP_WIDE, SEP_FLAG };

/* The separator after a key name ending at p: '=', ':', "=>", ":=",
 * or, for --flag, blanks.  Returns the position after it, or 0 when
 * there is none, and how the value follows in *how. */
static size_t
key_separator(const char *s, size_t n, size_t p, int flag, enum sep *how)
{
	size_t k = skip_key_quote(s, n, p), q = skip_blanks(s, n, k);
	int quoted = k > p, blanks = q > k;

	*how = SEP_NONE;
	if (q < n && s[q] == '=') {
		q++;
		if (q < n && s[q] == '>')
			q++;
		*how = !quoted && (blanks || (q < n &&
		    is_blank((unsigned char)s[q]))) ? SEP_WIDE : SEP_TIGHT;
		return q;
	}
	if (q < n && s[q] == ':') {
		q++;
		if (q < n && s[q] == '=')
			q++;
		*how = quoted ? SEP_TIGHT : SEP_WIDE;
		return q;
	}
	/* "--password hunter2": a flag, blanks, then a word that is not
	 * another option. */
	if (flag && blanks && q < n && s[q] != '-') {
		*how = SEP_FLAG;
		return q;
	}
	return 0;
}

/* The end of a wide value: the rest of the line, or up to the quote
 * that opened the key ('Authorization: Bearer x' in a curl command
 * line). */
static size_t
wide_end(const char *s, size_t n, size_t b, size_t e, size_t vs)
{
	const char *q;
	size_t ve = n;

	if (b > 0 && (s[b - 1] == '"' || s[b - 1] == '\'') &&
	    s[e] != s[b - 1] && (q = memchr(s + vs, s[b - 1], n - vs)))
		ve = (size_t)(q - s);
	while (ve > vs && is_blank((unsigned char)s[ve - 1]))
		ve--;
	return ve;
}

/* Mark the value of the key s[b..e); returns where scanning goes on. */
static size_t
key_value(const char *s, size_t n, size_t b, size_t e, enum key_kind kind,
    unsigned char *m)
{
	enum quote q = Q_NONE;
	enum sep how;
	size_t p, vs, ve;

	p = key_separator(s, n, e, s[b] == '-', &how);
	if (p == 0)
		return e;
	p = skip_blanks(s, n, p);
	if (p < n && s[p] == '"')
		q = Q_DOUBLE;
	else if (p < n && s[p] == '\'')
		q = Q_SINGLE;
	else if (p + 1 < n && s[p] == '\\' && s[p + 1] == '"')
		q = Q_ESCAPED;
	vs = p + (q == Q_ESCAPED ? 2 : q != Q_NONE);
	if (q == Q_NONE && n - vs >= MARK_LEN &&
	    memcmp(s + vs, REDACT_MARK, MARK_LEN) == 0) {
		return vs + MARK_LEN;	/* redacted before */
	} else if (q != Q_NONE) {
		ve = quoted_end(s, n, vs, q);
	} else if (how == SEP_WIDE || kind != KEY_PLAIN) {
		/* Headers always: "Authorization=Basic x" has a blank. */
		ve = wide_end(s, n, b, e, vs);
	} else {
		for (ve = vs; ve < n && !ends_value(s, n, ve); ve++)
			;
	}
	if (kind == KEY_AUTH)
		vs = skip_scheme(s, vs, ve);
	if (ve <= vs)
		return vs;
	if (ve - vs != MARK_LEN || memcmp(s + vs, REDACT_MARK, MARK_LEN) != 0)
		set_marks(m, vs, ve);
	return ve;
}

static void
mark_keys(const char *s, size_t n, unsigned char *m)
{
	size_t i = 0, e;
	enum key_kind kind;

	while (i < n) {
		if (!is_keych((unsigned char)s[i]) ||
		    (i > 0 && is_keych((unsigned char)s[i - 1]))) {
			i++;
			continue;
		}
		for (e = i; e < n && is_keych((unsigned char)s[e]); e++)
			;
		kind = secret_key(s + i, e - i);
		i = kind == KEY_NONE ? e : key_value(s, n, i, e, kind, m);
		if (i < e)
			i = e;
	}
}

/* "Bearer VALUE" anywhere, not only after Authorization:. */
static void
mark_bearer(const char *s, size_t n, unsigned char *m)
{
	size_t i, p, v;

	for (i = 0; i + 6 < n; i++) {
		if ((i > 0 && is_alnum((unsigned char)s[i - 1])) ||
		    !starts_with_ci(s + i, n - i, "bearer") ||
		    !is_blank((unsigned char)s[i + 6]))
			continue;
		p = skip_blanks(s, n, i + 6);
		for (v = p; v < n && (is_b64((unsigned char)s[v]) ||
		    s[v] == '.' || s[v] == '~' || s[v] == '='); v++)
			;
		if (v - p >= BEARER_MIN)
			set_marks(m, p, v);
		i = v > i ? v - 1 : i;
	}
}

/* ---- private keys ---- */

/* Find "-----BEGIN" (or END) whose label holds "PRIVATE KEY" and that
 * closes with "-----" on the line, at or after from.  Returns its start
 * and sets *end past the closing dashes, or returns n. */
static size_t
find_pem(const char *s, size_t n, size_t from, const char *what,
    size_t *end)
{
	size_t wl = strlen(what), i, j;

	for (i = from; i + wl <= n; i++) {
		if (memcmp(s + i, what, wl) != 0)
			continue;
		for (j = i + wl; j + 5 <= n; j++)
			if (memcmp(s + j, "-----", 5) == 0)
				break;
		if (j + 5 > n)
			return n;	/* no closing dashes: none after */
		if (memmem(s + i, j - i, "PRIVATE KEY", 11) != NULL) {
			*end = j + 5;
			return i;
		}
		i = j - 1;	/* those dashes may begin the next one */
	}
	return n;
}

/* Mark private key blocks that begin on this line.  *in_pem says a
 * block is open at the end of the line.  Returns where the line's own
 * text starts (past an END when the line began inside a block). */
static size_t
mark_pem(const char *s, size_t n, unsigned char *m, int *in_pem)
{
	size_t start = 0, b, e, end;

	if (*in_pem) {
		if (find_pem(s, n, 0, "-----END", &end) == n)
			return n;
		start = end;
		*in_pem = 0;
	}
	for (e = start; (b = find_pem(s, n, e, "-----BEGIN", &end)) < n;) {
		if (find_pem(s, n, end, "-----END", &e) == n) {
			set_marks(m, b, n);
			*in_pem = 1;
			break;
		}
		set_marks(m, b, e);
	}
	return start;
}

/* ---- URLs and e-mail ---- */

static int
ends_userinfo(int c)
{
	return c == '/' || c == '?' || c == '#' || is_blank(c) || c == '"' ||
	    c == '<' || c == '>' || c == '`';
}

/* scheme://user:pass@host: the user part ends at the last '@' before
 * the path, so a raw '@' in a password cannot leak its tail. */
static void
mark_urls(const char *s, size_t n, unsigned char *m)
{
	size_t i = 0, b, j, at, colon;

	while (i + 3 <= n) {
		if (memcmp(s + i, "://", 3) != 0) {
			i++;
			continue;
		}
		b = i + 3;
		at = colon = 0;
		for (j = b; j < n && !ends_userinfo((unsigned char)s[j]);
		    j++) {
			if (s[j] == '@')
				at = j;
			else if (s[j] == ':' && colon == 0)
				colon = j;
		}
		if (at > b && ((colon != 0 && colon < at) ||
		    at - b >= URL_USER_MIN))
			set_marks(m, b, at);
		i = j > i + 3 ? j : i + 3;
	}
}

static int
is_local(int c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
	    c == '-';
}

/* Unit names look like addresses: getty@tty1.service. */
static int
unit_suffix(const char *tld, size_t n)
{
	static const char *const units[] = {
		"service", "socket", "target", "timer", "mount", "automount",
		"slice", "scope", "path", "device", "swap",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(units); i++)
		if (strlen(units[i]) == n && starts_with_ci(tld, n, units[i]))
			return 1;
	return 0;
}

/* The end of the domain starting at d, or d when it is none: labels
 * of letters, digits and '-', at least one dot, a top-level part of
 * two or more letters that is not a unit type. */
static size_t
domain_end(const char *s, size_t n, size_t d)
{
	size_t e = d, dot = 0, k;

	while (e < n && (is_alnum((unsigned char)s[e]) || s[e] == '-' ||
	    s[e] == '.'))
		e++;
	while (e > d && (s[e - 1] == '.' || s[e - 1] == '-'))
		e--;
	for (k = d; k < e; k++)
		if (s[k] == '.')
			dot = k;
	if (dot == 0 || dot == d || e - dot - 1 < 2)
		return d;
	for (k = dot + 1; k < e; k++)
		if (!is_alpha((unsigned char)s[k]))
			return d;
	return unit_suffix(s + dot + 1, e - dot - 1) ? d : e;
}

static void
mark_emails(const char *s, size_t n, unsigned char *m)
{
	size_t i, k, e, low = 0;

	for (i = 1; i + 1 < n; i++) {
		if (s[i] != '@')
			continue;
		/* A URL's user part ends here: already marked. */
		if (m[i - 1]) {
			low = i + 1;
			continue;
		}
		for (k = i; k > low && i - k < EMAIL_LOCAL_MAX &&
		    is_local((unsigned char)s[k - 1]); k--)
			;
		while (k < i && s[k] == '.')
			k++;
		e = domain_end(s, n, i + 1);
		low = i + 1;
		/* ssh://git@host: a URL's user name, which mark_urls keeps. */
		if (k == i || e == i + 1 || (k >= 2 && s[k - 1] == '/' &&
		    s[k - 2] == '/'))
			continue;
		set_marks(m, k, e);
		low = e;
		i = e - 1;
	}
}

/* ---- token shapes ---- */

/* Lower case hex ids that systemd prints and a reader needs: the
 * invocation id of the failed run, named as such. */
static int
named_invocation(const char *s, size_t b, size_t e)
{
	static const char *const names[] = {
		"invocation_id=", "invocationid=", "invocation ",
		"invocation: ", "failed run ",
	};
	size_t i;

	if (e - b != 32)
		return 0;
	for (i = b; i < e; i++)
		if (s[i] >= 'A' && s[i] <= 'F')
			return 0;
	for (i = 0; i < ARRAY_LEN(names); i++)
		if (ends_with(s, b, names[i]))
			return 1;
	return 0;
}

/* Runs of 32 or more hex digits between non-alphanumerics. */
static void
mark_hex(const char *s, size_t n, unsigned char *m)
{
	size_t i = 0, e, k;

	while (i < n) {
		if (!is_alnum((unsigned char)s[i])) {
			i++;
			continue;
		}
		for (e = i, k = 0; e < n && is_alnum((unsigned char)s[e]);
		    e++)
			k += is_hex((unsigned char)s[e]) != 0;
		if (k == e - i && k >= TOKEN_MIN && !named_invocation(s, i, e))
			set_marks(m, i, e);
		i = e;
	}
}

static int
uuid_shape(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !is_hex((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static int
char_class(int c)
{
	return is_digit(c) ? 1 : c >= 'a' && c <= 'z' ? 2 : 3;
}

/* Does s[0..n) (a base64 run) look like random data?  See the top. */
static int
looks_random(const char *s, size_t n)
{
	unsigned classes = 0, pairs = 0, changes = 0;
	size_t i, hex = 0, digits = 0, alnum = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (!is_alnum(c))
			continue;
		alnum++;
		hex += is_hex(c) != 0;
		digits += is_digit(c) != 0;
		classes |= 1u << char_class(c);
		if (i > 0 && is_alnum((unsigned char)s[i - 1])) {
			pairs++;
			changes += char_class(c) !=
			    char_class((unsigned char)s[i - 1]);
		}
	}
	/* All hex: mark_hex decides, with its invocation id rule. */
	if (hex == n)
		return 0;
	if ((classes & (classes - 1)) == 0)	/* one class only */
		return 0;
	if (pairs == 0)
		return 0;
	if (changes * 100 >= pairs * 30)
		return 1;
	return digits * 5 >= alnum && changes * 100 >= pairs * 20;
}

static void
mark_base64(const char *s, size_t n, unsigned char *m)
{
	size_t i = 0, e, pad;

	while (i < n) {
		if (!is_b64((unsigned char)s[i])) {
			i++;
			continue;
		}
		for (e = i; e < n && is_b64((unsigned char)s[e]); e++)
			;
		for (pad = e; pad < n && pad - e < 2 && s[pad] == '='; pad++)
			;
		if (e - i >= TOKEN_MIN && !uuid_shape(s + i, e - i) &&
		    looks_random(s + i, e - i))
			set_marks(m, i, pad);
		i = pad > e ? pad : e;
	}
}

/* Tokens that announce themselves, with the shortest real length. */
static const struct {
	const char *prefix;
	size_t min;		/* whole token */
	int upper;		/* the rest is [A-Z0-9] only */
} known[] = {
	{ "ghp_", 36, 0 }, { "gho_", 36, 0 }, { "ghu_", 36, 0 },
	{ "ghs_", 36, 0 }, { "ghr_", 36, 0 }, { "github_pat_", 40, 0 },
	{ "glpat-", 24, 0 }, { "xoxb-", 20, 0 }, { "xoxp-", 20, 0 },
	{ "xoxa-", 20, 0 }, { "xoxr-", 20, 0 }, { "sk_live_", 20, 0 },
	{ "sk_test_", 20, 0 }, { "rk_live_", 20, 0 }, { "sk-", 24, 0 },
	{ "hf_", 30, 0 }, { "npm_", 36, 0 }, { "AKIA", 20, 1 },
	{ "ASIA", 20, 1 }, { "AIza", 39, 0 },
};

static int
known_token(const char *s, size_t n)
{
	size_t i, j, pl;

	for (i = 0; i < ARRAY_LEN(known); i++) {
		pl = strlen(known[i].prefix);
		if (n < known[i].min || memcmp(s, known[i].prefix, pl) != 0)
			continue;
		if (!known[i].upper)
			return 1;
		for (j = pl; j < n; j++)
			if (!is_digit((unsigned char)s[j]) &&
			    !(s[j] >= 'A' && s[j] <= 'Z'))
				break;
		if (j == n)
			return 1;
	}
	return 0;
}

/* A JWT: eyJ<header>.<payload>[.<signature>], base64url parts. */
static size_t
jwt_end(const char *s, size_t n, size_t i)
{
	size_t p = i, part;

	for (part = 0; part < 3; part++) {
		size_t b = p;

		while (p < n && is_b64url((unsigned char)s[p]))
			p++;
		if (part < 2 && p - b < 10)
			return i;
		if (part == 2 || p >= n || s[p] != '.')
			return part == 0 ? i : p;
		p++;
	}
	return p;
}

static void
mark_shapes(const char *s, size_t n, unsigned char *m)
{
	size_t i = 0, e, j;

	while (i < n) {
		if (!is_b64url((unsigned char)s[i])) {
			i++;
			continue;
		}
		if (n - i > 3 && memcmp(s + i, "eyJ", 3) == 0 &&
		    (j = jwt_end(s, n, i)) > i) {
			set_marks(m, i, j);
			i = j;
			continue;
		}
		for (e = i; e < n && is_b64url((unsigned char)s[e]); e++)
			;
		if (known_token(s + i, e - i))
			set_marks(m, i, e);
		i = e;
	}
}

/* ---- the user's patterns ---- */

void
redact_extra_init(struct redact_extra *x)
{
	memset(x, 0, sizeof *x);
}

/*
 * musl's regex engine does not backtrack, but it compiles a bounded
 * repeat by copying its operand: (a{1,255}){1,255} took gigabytes and
 * seconds, before any restart, on a router.  So a count over
 * REDACT_REPEAT_MAX is refused, and so is any repeat applied to a group
 * that itself holds a repeat (nesting multiplies the copies).
 */
#define REDACT_REPEAT_MAX 20

static int
costly(const char *p, char *err, size_t en)
{
	int inner[16] = { 0 };	/* per open group: holds a repeat */
	int depth = 0, closed_rep = 0;
	size_t i;

	for (i = 0; p[i]; i++) {
		char c = p[i];
		int quant = c == '*' || c == '+' || c == '?' || c == '{';

		if (c == '\\' && p[i + 1]) {
			i++;
			closed_rep = 0;
			continue;
		}
		if (c == '{') {
			unsigned long a = strtoul(p + i + 1, NULL, 10);
			const char *comma = strchr(p + i, ',');
			const char *end = strchr(p + i, '}');

			if (a > REDACT_REPEAT_MAX || (comma && end &&
			    comma < end && comma[1] != '}' &&
			    strtoul(comma + 1, NULL, 10) > REDACT_REPEAT_MAX)) {
				str_fmt(err, en, "a repeat count over %d is "
				    "too costly for a redact pattern",
				    REDACT_REPEAT_MAX);
				return 1;
			}
		}
		if (quant && closed_rep) {
			str_copy(err, en, "a repeat of a group that holds a "
			    "repeat is too costly for a redact pattern");
			return 1;
		}
		if (quant && depth > 0)
			inner[depth < 16 ? depth : 15] = 1;
		closed_rep = 0;
		if (c == '(' && depth < 15)
			inner[++depth] = 0;
		else if (c == ')' && depth > 0)
			closed_rep = inner[depth--];
	}
	return 0;
}

int
redact_extra_add(struct redact_extra *x, const char *pattern, char *err,
    size_t en)
{
	size_t len = strlen(pattern), i;
	int r;

	if (x->n >= REDACT_EXTRA_MAX) {
		str_fmt(err, en, "more than %d redact patterns",
		    REDACT_EXTRA_MAX);
		return -1;
	}
	if (len == 0 || len > REDACT_PATTERN_MAX) {
		str_fmt(err, en, "a redact pattern must have 1 to %d bytes",
		    REDACT_PATTERN_MAX);
		return -1;
	}
	for (i = 0; i + 1 < len; i++) {
		if (pattern[i] != '\\')
			continue;
		if (pattern[i + 1] >= '1' && pattern[i + 1] <= '9') {
			str_copy(err, en, "back-references (\\1 ...) are not "
			    "allowed in redact patterns");
			return -1;
		}
		i++;
	}
	if (costly(pattern, err, en))
		return -1;
	r = regcomp(&x->re[x->n], pattern, REG_EXTENDED | REG_ICASE);
	if (r != 0) {
		char msg[128];

		regerror(r, &x->re[x->n], msg, sizeof msg);
		str_fmt(err, en, "bad redact pattern '%s': %s", pattern, msg);
		return -1;
	}
	x->n++;
	return 0;
}

int
redact_extra_conf(struct redact_extra *x, const struct conf_ai *ai,
    char *err, size_t en)
{
	unsigned i;

	redact_extra_init(x);
	for (i = 0; i < ai->nredact && i < CONF_REDACT_MAX; i++)
		if (redact_extra_add(x, ai->redact[i], err, en) < 0) {
			redact_extra_free(x);
			return -1;
		}
	return 0;
}

void
redact_extra_free(struct redact_extra *x)
{
	unsigned i;

	for (i = 0; i < x->n; i++)
		regfree(&x->re[i]);
	x->n = 0;
}

static void
mark_extra(const char *s, size_t n, const struct redact_extra *x,
    unsigned char *m)
{
	regmatch_t pm;
	unsigned i;
	size_t off, b, e;

	for (i = 0; x != NULL && i < x->n; i++) {
		for (off = 0; off <= n;) {
			if (regexec(&x->re[i], s + off, 1, &pm,
			    off > 0 ? REG_NOTBOL : 0) != 0 || pm.rm_so < 0)
				break;
			b = off + (size_t)pm.rm_so;
			e = off + (size_t)pm.rm_eo;
			set_marks(m, b, e);
			off = e > b ? e : b + 1;
		}
	}
}

/* ---- the rewrite ---- */

/* What one line becomes: its bytes from `from`, each run of marked
 * bytes as one marker.  Writes to dst when it is not NULL; returns the
 * length and adds the markers to *runs. */
static size_t
emit(char *dst, const char *s, const unsigned char *m, size_t from,
    size_t n, unsigned *runs)
{
	size_t i, len = 0;

	for (i = from; i < n; i++) {
		if (!m[i]) {
			if (dst)
				dst[len] = s[i];
			len++;
			continue;
		}
		if (dst)
			memcpy(dst + len, REDACT_MARK, MARK_LEN);
		len += MARK_LEN;
		(*runs)++;
		while (i + 1 < n && m[i + 1])
			i++;
	}
	return len;
}

static int
blank_only(const char *s, size_t from, size_t n)
{
	for (; from < n; from++)
		if (!is_blank((unsigned char)s[from]))
			return 0;
	return 1;
}

struct out {
	char *text;
	size_t w;		/* next byte written */
	size_t cap;
	unsigned count;
	int in_pem;
};

/* End the output with the cut note after the last whole line that
 * leaves room for it; everything not yet written is dropped. */
static void
cut(struct out *o)
{
	static const char note[] = REDACT_CUT_NOTE;
	size_t k = sizeof note - 1, room = o->cap - 1;

	while (o->w > 0 && o->w + k > room) {
		o->w--;
		while (o->w > 0 && o->text[o->w - 1] != '\n' &&
		    o->text[o->w - 1] != '\0')
			o->w--;
	}
	if (k > room)
		k = room;
	memcpy(o->text + o->w, note, k);
	o->w += k;
}

/* Redact one line of the input s[0..n), whose terminator (or -1 at
 * the end) is term, into o; next is where unread input starts. */
static int
do_line(struct out *o, const char *s, size_t n, int term, size_t next,
    const struct redact_extra *x)
{
	size_t from = 0, len;
	unsigned runs = 0;
	int was_pem = o->in_pem;

	if (n > REDACT_LINE_MAX) {
		if (o->in_pem && memmem(s, n, "-----END", 8) != NULL)
			o->in_pem = 0;
		len = sizeof LONG_LINE_NOTE - 1;
		if (o->w + len + (term >= 0) > next)
			return -1;
		memcpy(o->text + o->w, LONG_LINE_NOTE, len);
		o->count++;
		o->w += len;
		if (term >= 0)
			o->text[o->w++] = (char)term;
		return 0;
	}
	memcpy(line, s, n);
	line[n] = '\0';
	memset(mark, 0, n);
	from = mark_pem(line, n, mark, &o->in_pem);
	/* A line wholly inside a private key block is dropped, and so is
	 * an END line with nothing after it: the BEGIN line's marker
	 * stands for the block. */
	if (was_pem && blank_only(line, from, n))
		return 0;
	mark_keys(line, n, mark);
	mark_bearer(line, n, mark);
	mark_urls(line, n, mark);
	mark_emails(line, n, mark);
	mark_hex(line, n, mark);
	mark_base64(line, n, mark);
	mark_shapes(line, n, mark);
	mark_extra(line, n, x, mark);
	len = emit(NULL, line, mark, from, n, &runs);
	if (o->w + len + (term >= 0) > next)
		return -1;
	runs = 0;
	emit(o->text + o->w, line, mark, from, n, &runs);
	o->count += runs;
	o->w += len;
	if (term >= 0)
		o->text[o->w++] = (char)term;
	return 0;
}

/* The end of the line starting at p: the first '\n' or NUL. */
static size_t
line_end(const char *t, size_t p, size_t end)
{
	while (p < end && t[p] != '\n' && t[p] != '\0')
		p++;
	return p;
}

size_t
redact(char *text, size_t len, size_t cap, const struct redact_extra *extra,
    unsigned *count)
{
	struct out o;
	size_t r, e, end, slack;
	int truncated = 0;

	if (count)
		*count = 0;
	if (cap == 0)
		return 0;
	/* More text than buffer: the last line may hold half a secret,
	 * too short to be recognised, so it goes, and the cut is named. */
	if (len >= cap) {
		for (len = cap - 1; len > 0 && text[len - 1] != '\n' &&
		    text[len - 1] != '\0'; len--)
			;
		truncated = 1;
	}
	/* The input moves to the end; lines are read from there. */
	slack = cap - 1 - len;
	memmove(text + slack, text, len);
	memset(&o, 0, sizeof o);
	o.text = text;
	o.cap = cap;
	end = cap - 1;
	for (r = slack; r < end; r = e + 1) {
		int term;

		e = line_end(text, r, end);
		term = e < end ? (unsigned char)text[e] : -1;
		if (do_line(&o, text + r, e - r, term, e < end ? e + 1 : end,
		    extra) < 0) {
			truncated = 1;
			break;
		}
	}
	if (truncated)
		cut(&o);
	text[o.w] = '\0';
	if (count)
		*count = o.count;
	return o.w;
}

void
redact_note(unsigned count, char *buf, size_t n)
{
	if (count == 0)
		str_copy(buf, n, "Redaction: no value needed removing before "
		    "this text left the machine.");
	else
		str_fmt(buf, n, "Redaction: %u value%s removed before this "
		    "text left the machine.", count, count == 1 ? " was" :
		    "s were");
}
