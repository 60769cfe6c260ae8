/* conf.c - see conf.h. */
#include "conf.h"
#include "redact.h"
#include "util.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const strat_names[STRAT_COUNT] = {
	[STRAT_RESTART] = "restart",
	[STRAT_PORT] = "port",
	[STRAT_CONFIG] = "config",
};

const char *
strat_name(enum strat_id id)
{
	return (unsigned)id < STRAT_COUNT ? strat_names[id] : "?";
}

void
strat_list_format(const struct strat_list *l, char *buf, size_t n)
{
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < l->n; i++)
		str_append(buf, n, "%s%s", i ? ", " : "",
		    strat_name(l->id[i]));
}

void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof *c);
	str_copy(c->state_dir, sizeof c->state_dir, "/var/lib/ansai");
	c->stabilize_sec = 5;
	c->journal_lines = 50;
	c->keep_reports = 200;
	c->max_heals = 5;
	c->window_sec = 300;
	c->ai.timeout_sec = 20;
	c->alert.spool_max_files = 100;
	c->alert.spool_max_bytes = 2 * 1024 * 1024;
	c->alert.slack_timeout_sec = 10;
	c->alert.webhook_timeout_sec = 10;
	c->mail.timeout_sec = 30;
	c->ai.max_prompt_bytes = 16384;
	str_copy(c->ca_file, sizeof c->ca_file,
	    "/etc/ssl/certs/ca-certificates.crt");
	c->strategies.n = 3;
	c->strategies.id[0] = STRAT_RESTART;
	c->strategies.id[1] = STRAT_PORT;
	c->strategies.id[2] = STRAT_CONFIG;
}

/* ---- value parsers: each fills dst or says why not in why[n] ---- */

typedef int (*val_fn)(const char *v, void *dst, unsigned min,
    unsigned max, char *why, size_t n);

static int
val_uint(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	uint64_t u;

	if (parse_u64(v, max, &u) < 0 || u < min) {
		str_fmt(why, n, "'%s' is not a whole number from %u to %u",
		    v, min, max);
		return -1;
	}
	*(unsigned *)dst = (unsigned)u;
	return 0;
}

static int
val_int(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	unsigned u;

	if (val_uint(v, &u, min, max, why, n) < 0)
		return -1;
	*(int *)dst = (int)u;
	return 0;
}

static int
val_bool(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	(void)min;
	(void)max;
	for (i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcmp(v, yes[i]) == 0) {
			*(int *)dst = 1;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*(int *)dst = 0;
			return 0;
		}
	}
	str_fmt(why, n, "'%s' is not yes or no", v);
	return -1;
}

static int
val_dir(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	const char *p;

	(void)min;
	(void)max;
	if (v[0] != '/') {
		str_fmt(why, n, "'%s' is not an absolute path", v);
		return -1;
	}
	for (p = v; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			str_copy(why, n, "control characters in a path");
			return -1;
		}
	}
	if (str_copy(dst, CONF_PATH_MAX, v) < 0) {
		str_fmt(why, n, "path longer than %d bytes",
		    CONF_PATH_MAX - 1);
		return -1;
	}
	return 0;
}

/* "restart, port, config": commas and/or blanks between known names,
 * each at most once. */
static int
val_strats(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	struct strat_list l = { 0, { 0 } };
	char word[32];

	(void)min;
	(void)max;
	while (*v) {
		size_t len = strcspn(v, ", \t");
		unsigned i, k;

		if (len == 0) {
			v++;
			continue;
		}
		if (len >= sizeof word) {
			str_fmt(why, n, "unknown strategy '%.*s'", (int)len, v);
			return -1;
		}
		memcpy(word, v, len);
		word[len] = '\0';
		v += len;
		for (k = 0; k < STRAT_COUNT; k++)
			if (strcmp(word, strat_names[k]) == 0)
				break;
		if (k == STRAT_COUNT) {
			str_fmt(why, n, "unknown strategy '%s' (known: "
			    "restart, port, config)", word);
			return -1;
		}
		for (i = 0; i < l.n; i++) {
			if (l.id[i] == (enum strat_id)k) {
				str_fmt(why, n, "strategy '%s' listed twice",
				    word);
				return -1;
			}
		}
		l.id[l.n++] = (enum strat_id)k;
	}
	if (l.n == 0) {
		str_copy(why, n, "no strategy listed");
		return -1;
	}
	*(struct strat_list *)dst = l;
	return 0;
}

/* Split v at any of seps into at most max words, each stored in a row
 * of wmax bytes starting at out.  With unique, a word given twice is an
 * error. */
static int
split_words(const char *v, const char *seps, int unique, char *out,
    unsigned max, unsigned *count, size_t wmax, char *why, size_t n)
{
	unsigned k = 0, i;

	while (*v) {
		size_t len = strcspn(v, seps);

		if (len == 0) {
			v++;
			continue;
		}
		if (k == max) {
			str_fmt(why, n, "more than %u entries", max);
			return -1;
		}
		if (len >= wmax) {
			str_fmt(why, n, "'%.*s...' is longer than %zu bytes",
			    20, v, wmax - 1);
			return -1;
		}
		memcpy(out + k * wmax, v, len);
		out[k * wmax + len] = '\0';
		for (i = 0; unique && i < k; i++) {
			if (strcmp(out + i * wmax, out + k * wmax) == 0) {
				str_fmt(why, n, "'%s' listed twice",
				    out + k * wmax);
				return -1;
			}
		}
		k++;
		v += len;
	}
	*count = k;
	return 0;
}

static int
val_paths(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	struct conf_paths *p = dst;
	unsigned i;

	(void)min;
	(void)max;
	if (split_words(v, ", \t", 1, &p->v[0][0], CONF_FILES_MAX, &p->n,
	    CONF_PATH_MAX, why, n) < 0)
		return -1;
	for (i = 0; i < p->n; i++) {
		if (p->v[i][0] != '/') {
			str_fmt(why, n, "'%s' is not an absolute path",
			    p->v[i]);
			return -1;
		}
	}
	return 0;
}

static int
val_argv(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	struct conf_words *w = dst;

	(void)min;
	(void)max;
	if (split_words(v, " \t", 0, &w->v[0][0], CONF_ARGS_MAX, &w->n,
	    CONF_WORD_MAX, why, n) < 0)
		return -1;
	if (w->v[0][0] != '/') {
		str_fmt(why, n, "'%s': the command must be an absolute path "
		    "(it runs without a shell or PATH)", w->v[0]);
		return -1;
	}
	return 0;
}

static int
val_names(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	struct conf_names *w = dst;
	unsigned i;
	const char *p;

	(void)min;
	(void)max;
	if (split_words(v, ", \t", 1, &w->v[0][0], CONF_ENV_MAX, &w->n,
	    CONF_NAME_MAX, why, n) < 0)
		return -1;
	for (i = 0; i < w->n; i++) {
		for (p = w->v[i]; *p; p++) {
			if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= 'a' && *p <= 'z') ||
			    (p > w->v[i] && *p >= '0' && *p <= '9'))) {
				str_fmt(why, n, "'%s' is not a variable name",
				    w->v[i]);
				return -1;
			}
		}
	}
	return 0;
}

static int
val_target(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	const char *p, *at = strchr(v, '@');

	(void)min;
	(void)max;
	/* USER@HOST, neither part empty nor starting with '-' (which ssh
	 * would read as an option). */
	if (at == NULL || at == v || at[1] == '\0' || v[0] == '-' ||
	    at[1] == '-' || strchr(at + 1, '@') != NULL) {
		str_fmt(why, n, "'%s' is not USER@HOST", v);
		return -1;
	}
	for (p = v; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("@.-_:[]", *p))) {
			str_fmt(why, n, "'%s' is not USER@HOST", v);
			return -1;
		}
	}
	if (str_copy(dst, CONF_WORD_MAX, v) < 0) {
		str_copy(why, n, "too long");
		return -1;
	}
	return 0;
}

static const char *const provider_names[] = {
	[AI_NONE] = "none", [AI_GROQ] = "groq", [AI_OLLAMA] = "ollama",
	[AI_OPENAI] = "openai",
};

const char *
ai_provider_name(enum ai_provider p)
{
	return (unsigned)p < ARRAY_LEN(provider_names) ? provider_names[p] :
	    "?";
}

static int
val_provider(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	size_t i;

	(void)min;
	(void)max;
	for (i = 0; i < ARRAY_LEN(provider_names); i++) {
		if (strcmp(v, provider_names[i]) == 0) {
			*(enum ai_provider *)dst = (enum ai_provider)i;
			return 0;
		}
	}
	str_fmt(why, n, "'%s' is not none, groq, ollama or openai", v);
	return -1;
}

static int
val_url(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	const char *p;

	(void)min;
	(void)max;
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
		str_copy(why, n, "not an http:// or https:// URL");
		return -1;
	}
	for (p = v; *p; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
			str_copy(why, n, "spaces or control characters in "
			    "the URL");
			return -1;
		}
	}
	if (str_copy(dst, CONF_URL_MAX, v) < 0) {
		str_fmt(why, n, "URL longer than %d bytes", CONF_URL_MAX - 1);
		return -1;
	}
	return 0;
}

static int
val_word(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	const char *p;

	(void)min;
	(void)max;
	for (p = v; *p; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '"' ||
		    *p == '\\') {
			str_copy(why, n, "spaces, quotes or control characters");
			return -1;
		}
	}
	if (str_copy(dst, CONF_WORD_MAX, v) < 0) {
		str_fmt(why, n, "longer than %d bytes", CONF_WORD_MAX - 1);
		return -1;
	}
	return 0;
}

/* One more pattern; the key may be given once per pattern.  It is
 * compiled here so that a bad one is a FILE:LINE error, not a surprise
 * during a heal. */
static int
val_pattern(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	struct conf_ai *ai = dst;
	struct redact_extra x;
	char err[160];
	int r;

	(void)min;
	(void)max;
	if (ai->nredact == CONF_REDACT_MAX) {
		str_fmt(why, n, "more than %d patterns", CONF_REDACT_MAX);
		return -1;
	}
	if (strlen(v) >= CONF_PATTERN_MAX) {
		str_fmt(why, n, "pattern longer than %d bytes",
		    CONF_PATTERN_MAX - 1);
		return -1;
	}
	/* The same test redaction will apply, so that `ansai check` and
	 * not a heal finds a pattern redaction would refuse. */
	redact_extra_init(&x);
	r = redact_extra_add(&x, v, err, sizeof err);
	redact_extra_free(&x);
	if (r < 0) {
		str_fmt(why, n, "bad pattern: %s", err);
		return -1;
	}
	str_copy(ai->redact[ai->nredact++], CONF_PATTERN_MAX, v);
	return 0;
}

static int
val_on(const char *v, void *dst, unsigned min, unsigned max, char *why,
    size_t n)
{
	(void)min;
	(void)max;
	if (strcmp(v, "all") == 0 || strcmp(v, "failure") == 0) {
		*(int *)dst = v[0] == 'f';
		return 0;
	}
	str_fmt(why, n, "'%s' is not all or failure", v);
	return -1;
}

/* "Name: value" with a token for a name and no control bytes. */
static int
val_header(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	const char *colon = strchr(v, ':'), *p;

	(void)min;
	(void)max;
	if (colon == NULL || colon == v) {
		str_copy(why, n, "not 'Name: value'");
		return -1;
	}
	for (p = v; p < colon; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')) {
			str_copy(why, n, "the header name may hold only "
			    "letters, digits, '-' and '_'");
			return -1;
		}
	}
	for (p = colon; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			str_copy(why, n, "control characters in the header");
			return -1;
		}
	}
	if (str_copy(dst, CONF_PATTERN_MAX, v) < 0) {
		str_fmt(why, n, "longer than %d bytes", CONF_PATTERN_MAX - 1);
		return -1;
	}
	return 0;
}

static int
val_mailtls(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	static const char *const names[] = { "starttls", "tls", "none" };
	size_t i;

	(void)min;
	(void)max;
	for (i = 0; i < ARRAY_LEN(names); i++) {
		if (strcmp(v, names[i]) == 0) {
			*(int *)dst = (int)i;
			return 0;
		}
	}
	str_fmt(why, n, "'%s' is not starttls, tls or none", v);
	return -1;
}

static int
val_addr(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	const char *at = strchr(v, '@');

	if (at == NULL || at == v || at[1] == '\0') {
		str_fmt(why, n, "'%s' is not an e-mail address", v);
		return -1;
	}
	return val_word(v, dst, min, max, why, n);
}

/* Recipients: commas and/or blanks, each once, each an address. */
static int
val_addrs(const char *v, void *dst, unsigned min, unsigned max,
    char *why, size_t n)
{
	struct conf_words *w = dst;
	char tmp[CONF_WORD_MAX];
	unsigned i;

	if (split_words(v, ", \t", 1, &w->v[0][0], CONF_ARGS_MAX, &w->n,
	    CONF_WORD_MAX, why, n) < 0)
		return -1;
	for (i = 0; i < w->n; i++)
		if (val_addr(w->v[i], tmp, min, max, why, n) < 0)
			return -1;
	return 0;
}

enum sec_kind { SEC_NONE, SEC_HEAL, SEC_UNIT, SEC_AI, SEC_TLS, SEC_ALERT,
	SEC_SLACK, SEC_WEBHOOK, SEC_MAIL };

static const char *const sec_names[] = { "", "heal", "unit", "ai", "tls",
	"alert", "slack", "webhook", "mail" };

static const struct keydef {
	enum sec_kind sec;
	const char *key;
	val_fn fn;
	size_t off;
	unsigned min, max;
} keys[] = {
	{ SEC_HEAL, "state_dir", val_dir,
	    offsetof(struct conf, state_dir), 0, 0 },
	{ SEC_HEAL, "stabilize_sec", val_uint,
	    offsetof(struct conf, stabilize_sec), 0, 600 },
	{ SEC_HEAL, "journal_lines", val_uint,
	    offsetof(struct conf, journal_lines), 0, 1000 },
	{ SEC_HEAL, "keep_reports", val_uint,
	    offsetof(struct conf, keep_reports), 1, 100000 },
	{ SEC_HEAL, "strategies", val_strats,
	    offsetof(struct conf, strategies), 0, 0 },
	{ SEC_HEAL, "max_heals", val_uint,
	    offsetof(struct conf, max_heals), 1, 1000 },
	{ SEC_HEAL, "window_sec", val_uint,
	    offsetof(struct conf, window_sec), 1, 86400 },
	{ SEC_HEAL, "ssh_target", val_target,
	    offsetof(struct conf, ssh_target), 0, 0 },
	{ SEC_UNIT, "port", val_uint,
	    offsetof(struct conf_unit, port), 1, 65535 },
	{ SEC_UNIT, "strategies", val_strats,
	    offsetof(struct conf_unit, strategies), 0, 0 },
	{ SEC_UNIT, "stabilize_sec", val_int,
	    offsetof(struct conf_unit, stabilize_sec), 0, 600 },
	{ SEC_UNIT, "critical", val_bool,
	    offsetof(struct conf_unit, critical), 0, 0 },
	{ SEC_UNIT, "max_heals", val_int,
	    offsetof(struct conf_unit, max_heals), 1, 1000 },
	{ SEC_UNIT, "window_sec", val_int,
	    offsetof(struct conf_unit, window_sec), 1, 86400 },
	{ SEC_UNIT, "config", val_paths,
	    offsetof(struct conf_unit, config), 0, 0 },
	{ SEC_UNIT, "validate", val_argv,
	    offsetof(struct conf_unit, validate), 0, 0 },
	{ SEC_UNIT, "env", val_names,
	    offsetof(struct conf_unit, env), 0, 0 },
	{ SEC_UNIT, "rollback", val_bool,
	    offsetof(struct conf_unit, rollback), 0, 0 },
	{ SEC_AI, "provider", val_provider,
	    offsetof(struct conf, ai.provider), 0, 0 },
	{ SEC_AI, "url", val_url, offsetof(struct conf, ai.url), 0, 0 },
	{ SEC_AI, "model", val_word, offsetof(struct conf, ai.model), 0, 0 },
	{ SEC_AI, "key_file", val_dir,
	    offsetof(struct conf, ai.key_file), 0, 0 },
	{ SEC_AI, "timeout_sec", val_uint,
	    offsetof(struct conf, ai.timeout_sec), 1, 120 },
	{ SEC_AI, "max_prompt_bytes", val_uint,
	    offsetof(struct conf, ai.max_prompt_bytes), 1024, 262144 },
	{ SEC_AI, "redact", val_pattern, offsetof(struct conf, ai), 0, 0 },
	{ SEC_AI, "skip_redaction", val_bool,
	    offsetof(struct conf, ai.skip_redaction), 0, 0 },
	{ SEC_TLS, "ca_file", val_dir, offsetof(struct conf, ca_file), 0, 0 },
	{ SEC_ALERT, "on", val_on,
	    offsetof(struct conf, alert.on_failure_only), 0, 0 },
	{ SEC_ALERT, "spool_max_files", val_uint,
	    offsetof(struct conf, alert.spool_max_files), 1, 100000 },
	{ SEC_ALERT, "spool_max_bytes", val_uint,
	    offsetof(struct conf, alert.spool_max_bytes), 65536, 1 << 30 },
	{ SEC_SLACK, "url", val_url, offsetof(struct conf, alert.slack_url),
	    0, 0 },
	{ SEC_SLACK, "url_file", val_dir,
	    offsetof(struct conf, alert.slack_url_file), 0, 0 },
	{ SEC_SLACK, "timeout_sec", val_uint,
	    offsetof(struct conf, alert.slack_timeout_sec), 1, 120 },
	{ SEC_WEBHOOK, "url", val_url,
	    offsetof(struct conf, alert.webhook_url), 0, 0 },
	{ SEC_WEBHOOK, "header", val_header,
	    offsetof(struct conf, alert.webhook_header), 0, 0 },
	{ SEC_WEBHOOK, "timeout_sec", val_uint,
	    offsetof(struct conf, alert.webhook_timeout_sec), 1, 120 },
	{ SEC_MAIL, "server", val_word, offsetof(struct conf, mail.server),
	    0, 0 },
	{ SEC_MAIL, "port", val_uint, offsetof(struct conf, mail.port), 1,
	    65535 },
	{ SEC_MAIL, "tls", val_mailtls, offsetof(struct conf, mail.tls), 0, 0 },
	{ SEC_MAIL, "user", val_word, offsetof(struct conf, mail.user), 0, 0 },
	{ SEC_MAIL, "password_file", val_dir,
	    offsetof(struct conf, mail.password_file), 0, 0 },
	{ SEC_MAIL, "from", val_addr, offsetof(struct conf, mail.from), 0, 0 },
	{ SEC_MAIL, "to", val_addrs, offsetof(struct conf, mail.to), 0, 0 },
	{ SEC_MAIL, "timeout_sec", val_uint,
	    offsetof(struct conf, mail.timeout_sec), 1, 120 },
};

/* One bit per key in conf.seen. */
_Static_assert(ARRAY_LEN(keys) <= 64, "more keys than bits in seen");

struct parser {
	struct conf *c;
	struct conf_errors *errs;
	const char *path;
	unsigned line;
	enum sec_kind sec;
	struct conf_unit *unit;	/* current [unit] section */
	int bad_section;	/* inside a section already reported */
	unsigned heal_line;	/* where [heal] began; 0: not yet */
	unsigned seen_sec;	/* bit per [ai], [tls] already seen */
};

static void
perr(struct parser *p, const char *fmt, ...)
{
	char what[CONF_ERR_LEN - 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (p->errs->n >= CONF_ERRS_MAX) {
		p->errs->more++;
		return;
	}
	if (p->line > 0)
		str_fmt(p->errs->msg[p->errs->n], CONF_ERR_LEN, "%s:%u: %s",
		    p->path, p->line, what);
	else
		str_fmt(p->errs->msg[p->errs->n], CONF_ERR_LEN, "%s: %s",
		    p->path, what);
	p->errs->n++;
}

static void
section(struct parser *p, char *s)
{
	size_t len = strlen(s);
	char name[UNIT_NAME_MAX];
	enum unit_name_err e;
	unsigned i;

	p->sec = SEC_NONE;
	p->unit = NULL;
	p->bad_section = 1;
	if (len < 2 || s[len - 1] != ']') {
		perr(p, "section header '%s' lacks its closing ']'", s);
		return;
	}
	s[len - 1] = '\0';
	s = str_trim(s + 1);
	if (strcmp(s, "ai") == 0 || strcmp(s, "tls") == 0 ||
	    strcmp(s, "alert") == 0 || strcmp(s, "slack") == 0 ||
	    strcmp(s, "webhook") == 0 || strcmp(s, "mail") == 0) {
		p->sec = strcmp(s, "ai") == 0 ? SEC_AI :
		    strcmp(s, "tls") == 0 ? SEC_TLS :
		    strcmp(s, "alert") == 0 ? SEC_ALERT :
		    strcmp(s, "slack") == 0 ? SEC_SLACK :
		    strcmp(s, "mail") == 0 ? SEC_MAIL : SEC_WEBHOOK;
		p->bad_section = 0;
		if (p->seen_sec & (1u << p->sec)) {
			perr(p, "[%s] defined twice", s);
			p->sec = SEC_NONE;
			p->bad_section = 1;
			return;
		}
		p->seen_sec |= 1u << p->sec;
		return;
	}
	if (strcmp(s, "heal") == 0) {
		if (p->heal_line != 0) {
			perr(p, "[heal] already defined at line %u",
			    p->heal_line);
			return;
		}
		p->heal_line = p->line;
		p->sec = SEC_HEAL;
		p->bad_section = 0;
		return;
	}
	if (strncmp(s, "unit", 4) != 0 || (s[4] != ' ' && s[4] != '\t')) {
		perr(p, "unknown section [%s] (known: [heal], [unit NAME], "
		    "[ai], [tls], [alert], [slack], [webhook], [mail])", s);
		return;
	}
	s = str_trim(s + 4);
	e = unit_name_service(s, name);
	if (e != UNIT_OK) {
		perr(p, "[unit %s]: invalid unit name: %s", s,
		    unit_name_strerror(e));
		return;
	}
	for (i = 0; i < p->c->nunits; i++) {
		if (strcmp(p->c->units[i].name, name) == 0) {
			perr(p, "[unit %s] already defined at line %u", name,
			    p->c->units[i].line);
			return;
		}
	}
	if (p->c->nunits == CONF_UNITS_MAX) {
		perr(p, "more than %d [unit] sections", CONF_UNITS_MAX);
		return;
	}
	p->unit = &p->c->units[p->c->nunits++];
	memset(p->unit, 0, sizeof *p->unit);
	str_copy(p->unit->name, sizeof p->unit->name, name);
	p->unit->line = p->line;
	p->unit->stabilize_sec = -1;
	p->unit->max_heals = -1;
	p->unit->window_sec = -1;
	p->sec = SEC_UNIT;
	p->bad_section = 0;
}

static void
assignment(struct parser *p, char *s)
{
	char *eq = strchr(s, '='), *key, *val, why[256];
	uint64_t *seen;
	char *base;
	size_t i;

	if (eq == NULL) {
		perr(p, "expected 'key = value' or '[section]'");
		return;
	}
	*eq = '\0';
	key = str_trim(s);
	val = str_trim(eq + 1);
	if (p->sec == SEC_NONE) {
		/* In a rejected section its header's error says it. */
		if (!p->bad_section)
			perr(p, "'%s' outside any section", key);
		return;
	}
	for (i = 0; i < ARRAY_LEN(keys); i++)
		if (keys[i].sec == p->sec && strcmp(keys[i].key, key) == 0)
			break;
	if (i == ARRAY_LEN(keys)) {
		perr(p, "unknown key '%s' in [%s]", key, sec_names[p->sec]);
		return;
	}
	seen = p->sec == SEC_UNIT ? &p->unit->seen : &p->c->seen;
	/* redact is the one list given a line per item. */
	if (keys[i].fn != val_pattern && (*seen & ((uint64_t)1 << i))) {
		perr(p, "duplicate key '%s'", key);
		return;
	}
	*seen |= (uint64_t)1 << i;
	if (*val == '\0') {
		perr(p, "'%s' has no value", key);
		return;
	}
	base = p->sec == SEC_UNIT ? (char *)p->unit : (char *)p->c;
	if (keys[i].fn(val, base + keys[i].off, keys[i].min, keys[i].max,
	    why, sizeof why) < 0)
		perr(p, "%s: %s", key, why);
}

static void
parse_line(struct parser *p, char *line)
{
	char *s = str_trim(line);

	if (*s == '\0' || *s == '#' || *s == ';')
		return;
	if (*s == '[')
		section(p, s);
	else
		assignment(p, s);
}

int
conf_load(struct conf *c, const char *path, int must_exist,
    struct conf_errors *errs)
{
	struct parser p = { c, errs, path, 0, SEC_NONE, NULL, 0, 0, 0 };
	char line[CONF_LINE_MAX + 1];
	unsigned flags;
	size_t len;
	FILE *f;
	int r;

	conf_defaults(c);
	memset(errs, 0, sizeof *errs);
	f = fopen_regular(path);
	if (f == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		if (errno == EINVAL)
			perr(&p, "not a regular file");
		else
			perr(&p, "cannot open: %s", strerror(errno));
		return -1;
	}
	str_copy(c->path, sizeof c->path, path);
	while ((r = line_read(f, line, sizeof line, &len, &flags)) == 1) {
		p.line++;
		if (flags & LINE_LONG)
			perr(&p, "line longer than %d bytes", CONF_LINE_MAX);
		else if (flags & LINE_NUL)
			perr(&p, "NUL byte in line");
		else
			parse_line(&p, line);
	}
	if (r < 0) {
		p.line = 0;
		perr(&p, "read error: %s", strerror(errno));
	}
	fclose(f);
	if (errs->n > 0) {
		conf_defaults(c);
		str_copy(c->path, sizeof c->path, path);
		return -1;
	}
	return 0;
}

static const struct conf_paths none_paths;
static const struct conf_words none_words;
static const struct conf_names none_names;

void
conf_policy(const struct conf *c, const char *unit, struct unit_policy *p)
{
	const struct conf_unit *u = NULL;
	unsigned i;

	for (i = 0; i < c->nunits; i++)
		if (strcmp(c->units[i].name, unit) == 0)
			u = &c->units[i];
	p->port = u ? u->port : 0;
	p->stabilize_sec = u && u->stabilize_sec >= 0 ?
	    (unsigned)u->stabilize_sec : c->stabilize_sec;
	p->strategies = u && u->strategies.n > 0 ? u->strategies :
	    c->strategies;
	p->critical = u ? u->critical : 0;
	p->max_heals = u && u->max_heals > 0 ? (unsigned)u->max_heals :
	    c->max_heals;
	p->window_sec = u && u->window_sec > 0 ? (unsigned)u->window_sec :
	    c->window_sec;
	p->config = u ? &u->config : &none_paths;
	p->validate = u ? &u->validate : &none_words;
	p->env = u ? &u->env : &none_names;
	p->rollback = u ? u->rollback : 0;
}
