/* ai.c - see ai.h. */
#include "ai.h"
#include "conn.h"
#include "heal.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "redact.h"
#include "tcp.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GROQ_URL	"https://api.groq.com/openai/v1/chat/completions"
#define GROQ_MODEL	"llama-3.1-8b-instant"
#define OLLAMA_URL	"http://127.0.0.1:11434/api/chat"
#define OLLAMA_MODEL	"llama3.2"
#define CRED_NAME	"ansai-ai-key"
/* Requests per explanation, 429 retries included: a server that keeps
 * answering "Retry-After: 0" gets three, not a storm until the
 * deadline. */
#define AI_TRIES_MAX	3

/* ---- the key ---- */

int
ai_key_load(const struct conf_ai *ai, char *key, size_t n, char *why,
    size_t wn)
{
	const char *cred = getenv("CREDENTIALS_DIRECTORY");
	char path[CONF_PATH_MAX + 32];
	struct stat st;
	ssize_t len;
	char *k;
	int fd;

	key[0] = '\0';
	if (ai->key_file[0] != '\0')
		str_copy(path, sizeof path, ai->key_file);
	else if (cred != NULL && cred[0] == '/' &&
	    str_fmt(path, sizeof path, "%s/%s", cred, CRED_NAME) == 0 &&
	    access(path, F_OK) == 0)
		;
	else
		return 0;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		str_fmt(why, wn, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		str_fmt(why, wn, "key file %s: not a regular file", path);
		close(fd);
		return -1;
	}
	/* systemd's credentials are private by construction; a key file
	 * anyone may read has already leaked. */
	if (st.st_mode & S_IRWXO) {
		str_fmt(why, wn, "key file %s is readable by others (mode "
		    "%04o): refused; run chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -1;
	}
	/* Never a key cut short without a word. */
	if (st.st_size > (off_t)n - 1) {
		str_fmt(why, wn, "key file %s: longer than %zu bytes", path,
		    n - 1);
		close(fd);
		return -1;
	}
	len = read(fd, key, n - 1);
	close(fd);
	if (len < 0) {
		str_fmt(why, wn, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	key[len] = '\0';
	k = str_trim(key);
	memmove(key, k, strlen(k) + 1);	/* overlapping: not str_copy */
	if (key[0] == '\0' || strpbrk(key, "\r\n") != NULL) {
		explicit_bzero(key, n);
		str_fmt(why, wn, "key file %s: empty or more than one line",
		    path);
		return -1;
	}
	return 1;
}

/* ---- the prompt ---- */

static const char prompt_head[] =
    "A systemd service on a small Linux device failed.  Explain it to "
    "the person on call.  Answer in plain text with exactly these four "
    "headings, each at the start of its own line, in this order:\n"
    "ROOT CAUSE:\nWHY:\nFIX:\nPREVENTION:\n"
    "Keep each section under 80 words and name exact commands where "
    "they help.  The evidence follows.\n\n";

static void
strategies_text(const struct heal *h, char *buf, size_t n)
{
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < h->nstrats; i++)
		str_append(buf, n, "- %s: %s: %s\n",
		    strat_name(h->strats[i].id),
		    strat_status_word(h->strats[i].status),
		    h->strats[i].detail);
	if (h->nstrats == 0)
		str_append(buf, n, "- none\n");
}

size_t
ai_prompt(const struct heal *h, const struct analysis *builtin, char *buf,
    size_t cap)
{
	char cause[256], strats[2048], sys[1024];
	const char *j = h->journal;
	size_t len, room, jl;

	cause_describe(&h->cause, cause, sizeof cause);
	strategies_text(h, strats, sizeof strats);
	sysinfo_format(&h->sys, sys, sizeof sys);
	buf[0] = '\0';
	str_append(buf, cap, "%sUnit: %s\nWhat happened: %s %s.\n"
	    "State before: %s/%s, result %s\nOutcome: %s: %s\n"
	    "Strategies tried:\n%sMachine:\n%s", prompt_head, h->unit,
	    h->unit, cause, h->before.active_state, h->before.sub_state,
	    h->before.result, heal_result_word(h->result), h->summary,
	    strats, sys);
	if (builtin != NULL)
		str_append(buf, cap, "Built-in analysis (may be wrong): %s\n",
		    builtin->root_cause);
	str_append(buf, cap, "Journal of the failed run, newest last:\n");
	/* The newest lines matter most: drop whole lines from the top
	 * until the rest fits. */
	len = strlen(buf);
	room = len + 1 < cap ? cap - len - 1 : 0;
	jl = strlen(j);
	while (jl > room) {
		const char *nl = strchr(j, '\n');

		if (nl == NULL) {
			jl = 0;
			break;
		}
		jl -= (size_t)(nl + 1 - j);
		j = nl + 1;
	}
	memcpy(buf + len, j, jl);
	buf[len + jl] = '\0';
	return len + jl;
}

/* ---- the answer's four sections ---- */

static const char *const headings[4] = {
	"ROOT CAUSE", "WHY", "FIX", "PREVENTION"
};

/* Is line a heading ("**Root cause:**", "## WHY", "3. Fix:")?  Its
 * index, with *rest at the text after it; else -1. */
static int
heading(const char *line, size_t len, const char **rest)
{
	const char *p = line, *end = line + len;
	int k;

	while (p < end && (*p == '#' || *p == '*' || *p == ' ' ||
	    *p == '\t' || *p == '-' || isdigit((unsigned char)*p) ||
	    *p == '.' || *p == ')'))
		p++;
	for (k = 0; k < 4; k++) {
		size_t hl = strlen(headings[k]);

		if ((size_t)(end - p) < hl || strncasecmp(p, headings[k],
		    hl) != 0)
			continue;
		p += hl;
		/* "## Why\r": a CRLF line end is part of the line. */
		while (p < end && (*p == '*' || *p == ' ' || *p == '\t' ||
		    *p == '\r'))
			p++;
		if (p < end && *p != ':')
			return -1;
		if (p < end)
			p++;
		while (p < end && (*p == '*' || *p == ' '))
			p++;
		*rest = p;
		return k;
	}
	return -1;
}

static char *
section_field(struct analysis *a, int k, size_t *n)
{
	switch (k) {
	case 0:
		*n = sizeof a->root_cause;
		return a->root_cause;
	case 1:
		*n = sizeof a->why;
		return a->why;
	case 2:
		*n = sizeof a->fix;
		return a->fix;
	default:
		*n = sizeof a->prevention;
		return a->prevention;
	}
}

/* Append len bytes of model text to a section, dropping control bytes
 * (it lands in a report read in a terminal) and marking a cut. */
static void
section_add(char *dst, size_t n, const char *s, size_t len)
{
	size_t w = strlen(dst), i;

	if (w > 0 && w + 1 < n)
		dst[w++] = '\n';
	for (i = 0; i < len && w + 1 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 || c == '\t')
			dst[w++] = (char)c;
	}
	dst[w] = '\0';
	if (i < len && n > 6)
		memcpy(dst + n - 6, "[...]", 6);
}

int
ai_sections(const char *text, struct analysis *a)
{
	int cur = -1, found = 0, k;
	const char *p = text;

	a->root_cause[0] = a->why[0] = a->fix[0] = a->prevention[0] = '\0';
	while (*p) {
		size_t len = strcspn(p, "\n");
		const char *rest;
		size_t n;
		char *f;

		k = heading(p, len, &rest);
		if (k >= 0) {
			cur = k;
			found |= 1 << k;
			f = section_field(a, k, &n);
			f[0] = '\0';
			if (rest < p + len)
				section_add(f, n, rest, (size_t)(p + len - rest));
		} else if (cur >= 0 && len > 0) {
			f = section_field(a, cur, &n);
			section_add(f, n, p, len);
		}
		p += len + (p[len] == '\n');
	}
	for (k = 0; k < 4; k++) {
		size_t n;

		if (section_field(a, k, &n)[0] == '\0')
			found &= ~(1 << k);
	}
	return found == 0xf ? 0 : -1;
}

/* ---- the provider's protocol ---- */

static int
request_body(const struct conf_ai *ai, const char *model, const char *prompt,
    char *buf, size_t cap, size_t *len)
{
	struct json_enc e;

	json_enc_init(&e, buf, cap);
	json_obj(&e);
	json_key_str(&e, "model", model);
	json_key(&e, "messages");
	json_arr(&e);
	json_obj(&e);
	json_key_str(&e, "role", "system");
	json_key_str(&e, "content", "You are a careful Linux and systemd "
	    "reliability engineer.  You explain; you never claim to have "
	    "run anything.");
	json_end(&e);
	json_obj(&e);
	json_key_str(&e, "role", "user");
	json_key_str(&e, "content", prompt);
	json_end(&e);
	json_end(&e);
	if (ai->provider == AI_OLLAMA) {
		json_key_bool(&e, "stream", 0);
		json_key(&e, "options");
		json_obj(&e);
		json_key_int(&e, "temperature", 0);
		json_end(&e);
	} else {
		json_key_int(&e, "temperature", 0);
		json_key_int(&e, "max_tokens", 700);
	}
	json_end(&e);
	return json_enc_end(&e, len);
}

/* The model's text out of a 200 answer, or why not. */
static int
answer_text(const struct conf_ai *ai, const char *body, size_t len,
    char *text, size_t n, char *why, size_t wn)
{
	const char *path = ai->provider == AI_OLLAMA ? "message.content" :
	    "choices.0.message.content";
	struct json_doc d;
	int r;

	if (json_parse(&d, body, len) < 0) {
		str_fmt(why, wn, "malformed answer: %s", d.err);
		return -1;
	}
	r = json_get_string(&d, path, text, n);
	if (r != JSON_OK) {
		str_fmt(why, wn, "malformed answer: %s: %s", path,
		    json_strerror(r));
		return -1;
	}
	return 0;
}

/* The server's own words for a refusal, when it gave any. */
static void
server_words(const char *body, size_t len, char *out, size_t n)
{
	struct json_doc d;

	out[0] = '\0';
	if (json_parse(&d, body, len) < 0)
		return;
	if (json_get_string(&d, "error.message", out, n) != JSON_OK &&
	    json_get_string(&d, "error", out, n) != JSON_OK)
		out[0] = '\0';
}

/* An address literal of the loopback network, or the name localhost;
 * never a name that merely starts like one (127.example.com). */
struct job {
	const struct conf *c;
	struct http_url url;
	char model[CONF_WORD_MAX];
	char key[AI_KEY_MAX];
	char auth[AI_KEY_MAX + 16];
	char *prompt;
	char *body;
	size_t body_len;
	char answer[AI_ANSWER_MAX];
	char text[AI_ANSWER_MAX];
};

static int
token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("+/=_-.~%:", c) != NULL;
}

/* A journal line cut at its bound ends in the head of whatever was
 * there, perhaps a token too short now for the secret detectors to
 * know it: the word before each " [... N more bytes]" mark goes whole.
 * In place; the text only shrinks or keeps its length. */
static void
cut_tails(char *text)
{
	static const char mark[] = " [... ";
	static const char repl[] = "[CUT]";
	char *p = text, *m, *w;

	while ((m = strstr(p, mark)) != NULL) {
		w = m;
		while (w > p && token_char(w[-1]))
			w--;
		if (m - w >= (ptrdiff_t)sizeof repl) {
			memcpy(w, repl, sizeof repl - 1);
			memmove(w + sizeof repl - 1, m, strlen(m) + 1);
			m = w + sizeof repl - 1;
		}
		p = m + sizeof mark - 1;
	}
}

/* Redact the prompt with the built-in rules and [ai] redact patterns.
 * A pattern that no longer compiles stops the request: sending what it
 * was meant to hide is the one thing never to do. */
static int
scrub(const struct conf_ai *ai, char *text, size_t *len, size_t cap,
    unsigned *count, char *why, size_t wn)
{
	struct redact_extra x;
	char err[160];

	if (redact_extra_conf(&x, ai, err, sizeof err) < 0) {
		str_fmt(why, wn, "%s; nothing was sent", err);
		return -1;
	}
	cut_tails(text);
	*len = strlen(text);
	*len = redact(text, *len, cap, &x, count);
	redact_extra_free(&x);
	return 0;
}

static int
prepare(struct job *j, const struct heal *h, const struct analysis *b,
    struct ai_answer *out)
{
	const struct conf_ai *ai = &j->c->ai;
	const char *url = ai->url;
	size_t cap = ai->max_prompt_bytes, plen;
	char why[256];
	int r;

	if (url[0] == '\0')
		url = ai->provider == AI_GROQ ? GROQ_URL :
		    ai->provider == AI_OLLAMA ? OLLAMA_URL : "";
	if (url[0] == '\0') {
		str_copy(out->failure, sizeof out->failure, "[ai] provider "
		    "= openai needs [ai] url");
		return -1;
	}
	r = http_parse_url(url, &j->url);
	if (r != HTTP_URL_OK) {
		str_fmt(out->failure, sizeof out->failure, "[ai] url: %s",
		    http_url_strerror(r));
		return -1;
	}
	http_url_show(&j->url, out->endpoint, sizeof out->endpoint);
	str_copy(j->model, sizeof j->model, ai->model[0] ? ai->model :
	    ai->provider == AI_GROQ ? GROQ_MODEL :
	    ai->provider == AI_OLLAMA ? OLLAMA_MODEL : "");
	if (j->model[0] == '\0') {
		str_copy(out->failure, sizeof out->failure, "[ai] provider "
		    "= openai needs [ai] model");
		return -1;
	}
	str_copy(out->model, sizeof out->model, j->model);
	r = ai_key_load(ai, j->key, sizeof j->key, why, sizeof why);
	if (r < 0 || (r == 0 && ai->provider == AI_GROQ)) {
		str_copy(out->failure, sizeof out->failure, r < 0 ? why :
		    "no API key: set [ai] key_file or the credential "
		    CRED_NAME);
		return -1;
	}
	if (r == 1)
		str_fmt(j->auth, sizeof j->auth, "Bearer %s", j->key);
	j->prompt = malloc(cap + 1);
	j->body = malloc(cap * 2 + 4096);
	if (j->prompt == NULL || j->body == NULL) {
		str_copy(out->failure, sizeof out->failure, "out of memory");
		return -1;
	}
	plen = ai_prompt(h, b, j->prompt, cap + 1);
	out->redaction_skipped = ai->skip_redaction &&
	    ai->provider == AI_OLLAMA && tcp_host_is_loopback(j->url.host);
	if (!out->redaction_skipped && scrub(ai, j->prompt, &plen, cap + 1,
	    &out->redacted, out->failure, sizeof out->failure) < 0)
		return -1;
	out->prompt_bytes = plen;
	if (request_body(ai, j->model, j->prompt, j->body, cap * 2 + 4096,
	    &j->body_len) < 0) {
		str_copy(out->failure, sizeof out->failure, "the request "
		    "did not fit its buffer");
		return -1;
	}
	return 0;
}

/* Send, honouring a 429's Retry-After while it fits the deadline. */
static int
ask(struct job *j, struct ai_answer *out, int64_t deadline)
{
	struct http_header hdr[2] = {
		{ "Content-Type", "application/json" },
		{ "Authorization", j->auth },
	};
	struct http_request req = { "POST", j->url.authority, j->url.path,
		hdr, j->auth[0] ? 2 : 1, j->body, j->body_len };
	static struct http_resp r;
	char why[256], words[200];
	int tries;

	for (tries = 1;; tries++) {
		http_resp_init(&r, j->answer, sizeof j->answer);
		if (conn_http(&j->url, j->c->ca_file, deadline, &req, &r, why,
		    sizeof why) < 0) {
			str_copy(out->failure, sizeof out->failure, why);
			return -1;
		}
		out->status = r.status;
		if (r.status != 429 || r.retry_after < 0 ||
		    tries == AI_TRIES_MAX ||
		    mono_ms() + r.retry_after * 1000 >= deadline)
			break;
		logx(LOG_INFO, "model rate limited: retrying in %lld s",
		    (long long)r.retry_after);
		sleep_ms((int)r.retry_after * 1000);
	}
	if (r.status == 200)
		return answer_text(&j->c->ai, r.body, r.body_len, j->text,
		    sizeof j->text, out->failure, sizeof out->failure);
	server_words(r.body, r.body_len, words, sizeof words);
	switch (r.status) {
	case 401:
	case 403:
		str_fmt(out->failure, sizeof out->failure, "refused (%d): "
		    "the API key was not accepted%s%s", r.status,
		    words[0] ? ": " : "", words);
		break;
	case 413:
		str_fmt(out->failure, sizeof out->failure, "prompt too large "
		    "for the server (413): lower [ai] max_prompt_bytes");
		break;
	case 429:
		str_fmt(out->failure, sizeof out->failure, "rate limited "
		    "(429)%s", tries == AI_TRIES_MAX ? " on every one of 3 "
		    "tries" : r.retry_after >= 0 ? "; Retry-After is past "
		    "the deadline" : "");
		break;
	default:
		str_fmt(out->failure, sizeof out->failure, "HTTP %d %s%s%s",
		    r.status, r.reason, words[0] ? ": " : "", words);
	}
	return -1;
}

int
ai_explain(const struct conf *c, const struct heal *h,
    const struct analysis *builtin, struct ai_answer *out)
{
	static struct job j;
	int64_t start = mono_ms();
	int64_t deadline = start + (int64_t)c->ai.timeout_sec * 1000;
	int rc = -1;

	memset(out, 0, sizeof *out);
	memset(&j, 0, sizeof j);
	j.c = c;
	if (c->ai.provider == AI_NONE) {
		str_copy(out->failure, sizeof out->failure, "no [ai] provider");
		return -1;
	}
	if (prepare(&j, h, builtin, out) == 0 && ask(&j, out, deadline) == 0) {
		if (ai_sections(j.text, &out->sections) == 0) {
			out->ok = 1;
			out->sections.source = "model";
			rc = 0;
		} else {
			str_copy(out->failure, sizeof out->failure, "the answer "
			    "lacked the four sections");
		}
	}
	/* Whatever came from the server is shown to people. */
	text_scrub(out->failure);
	text_scrub(out->sections.root_cause);
	text_scrub(out->sections.why);
	text_scrub(out->sections.fix);
	text_scrub(out->sections.prevention);
	explicit_bzero(j.key, sizeof j.key);
	explicit_bzero(j.auth, sizeof j.auth);
	free(j.prompt);
	free(j.body);
	out->ms = (long)(mono_ms() - start);
	return rc;
}
