/* smtp.c - see smtp.h. */
#include "smtp.h"
#include "log.h"
#include "tcp.h"
#include "tls.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* One command line we send: the longest is AUTH PLAIN with two
 * secrets, 11 + 684 bytes of base64 + CRLF. */
#define CMD_MAX		1024
/* Bytes read from the server at a time. */
#define READ_CHUNK	1024
/* The message goes out in pieces of this size: fewer TLS records
 * than a write per line, and no second copy of the message. */
#define WBUF_SIZE	4096
#define NETERR_MAX	512
#define HELO_MAX	256
/* Q encoding: "=?UTF-8?Q?" and "?=" around at most 75 bytes
 * (RFC 2047, 2); the first word shares its line with "Subject: ". */
#define EW_HEAD		"=?UTF-8?Q?"
#define EW_WORD_MAX	75
#define EW_FIRST_MAX	(SMTP_HEADER_LINE - 9 - 12)
#define EW_NEXT_MAX	(EW_WORD_MAX - 12)

static const char hexdig[] = "0123456789ABCDEF";

/* ---- output that counts what it cannot store (snprintf-like) ---- */

struct out {
	char *p;
	size_t cap, len;
};

static void
out_put(struct out *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->cap)
			o->p[o->len] = s[i];
}

static void
out_str(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static size_t
out_end(struct out *o)
{
	if (o->cap > 0)
		o->p[o->len < o->cap ? o->len : o->cap - 1] = '\0';
	return o->len;
}

/* ---- names and addresses ---------------------------------------- */

int
smtp_is_loopback(const char *host)
{
	return tcp_host_is_loopback(host);
}

/* The address connected to, which a name such as "localhost" could
 * have turned into anything. */
static int
fd_peer_is_loopback(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char text[INET6_ADDRSTRLEN];
	const void *a;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		a = &((struct sockaddr_in *)&ss)->sin_addr;
	else if (ss.ss_family == AF_INET6)
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	else
		return 0;
	if (inet_ntop(ss.ss_family, a, text, sizeof text) == NULL)
		return 0;
	return smtp_is_loopback(text);
}

/* Letters, digits, '-' and '.', no empty label: a host name as the
 * right side of a Message-ID or an EHLO argument needs it. */
static int
domain_ok(const char *d, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum(c) || c == '-') {
			label++;
		} else {
			return 0;
		}
	}
	return label > 0;
}

/* Bytes that could end a path or start a comment or a quoted part
 * are refused in the local part; the domain is a plain host name. */
int
smtp_addr_ok(const char *a)
{
	const char *at;
	size_t i, len;

	if (a == NULL)
		return 0;
	len = strlen(a);
	at = strrchr(a, '@');
	if (len == 0 || len > SMTP_ADDR_MAX || at == NULL || at == a)
		return 0;
	for (i = 0; a + i < at; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c <= ' ' || c >= 0x7f || strchr("<>()[]\\,;:\"@", c))
			return 0;
	}
	return domain_ok(at + 1, strlen(at + 1));
}

/* ---- base64 ------------------------------------------------------ */

ssize_t
smtp_b64(const void *in, size_t len, char *out, size_t n)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = in;
	size_t need = (len + 2) / 3 * 4, i, o = 0;

	if (n == 0 || need >= n)
		return -1;
	for (i = 0; i + 2 < len; i += 3) {
		out[o++] = al[p[i] >> 2];
		out[o++] = al[(p[i] & 3) << 4 | p[i + 1] >> 4];
		out[o++] = al[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		out[o++] = al[p[i + 2] & 63];
	}
	if (i < len) {
		unsigned b = i + 1 < len ? p[i + 1] : 0;

		out[o++] = al[p[i] >> 2];
		out[o++] = al[(p[i] & 3) << 4 | b >> 4];
		out[o++] = i + 1 < len ? al[(b & 15) << 2] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return (ssize_t)o;
}

/* ---- quoted-printable -------------------------------------------- */

struct qp {
	struct out *o;
	size_t col;
};

/* A soft break first when the piece would push the line past 75, so
 * that with its '=' no line exceeds SMTP_QP_LINE. */
static void
qp_piece(struct qp *q, const char *s, size_t n)
{
	if (q->col + n > SMTP_QP_LINE - 1) {
		out_put(q->o, "=\r\n", 3);
		q->col = 0;
	}
	out_put(q->o, s, n);
	q->col += n;
}

static void
qp_byte(struct qp *q, unsigned char c, int at_eol)
{
	char e[3] = { '=', hexdig[c >> 4], hexdig[c & 15] };
	int blank = c == ' ' || c == '\t';

	/* A blank that ends a line would be stripped in transit. */
	if ((blank && !at_eol) || (c > ' ' && c < 0x7f && c != '='))
		qp_piece(q, (const char *)&c, 1);
	else
		qp_piece(q, e, 3);
}

static int
is_eol(char c)
{
	return c == '\0' || c == '\n' || c == '\r';
}

static void
qp_emit(struct out *o, const char *in)
{
	const unsigned char *p = (const unsigned char *)in;
	const unsigned char *end = p + strlen(in);
	struct qp q = { o, 0 };
	int open = 0;

	while (p < end) {
		size_t n, k;

		if (*p == '\r' || *p == '\n') {
			p += (p[0] == '\r' && p[1] == '\n') ? 2 : 1;
			out_put(o, "\r\n", 2);
			q.col = 0;
			open = 0;
			continue;
		}
		open = 1;
		n = utf8_len(p, (size_t)(end - p));
		if (n == 0) {
			/* Not UTF-8: the declared charset must hold. */
			qp_byte(&q, '?', is_eol((char)p[1]));
			p++;
			continue;
		}
		for (k = 0; k < n; k++)
			qp_byte(&q, p[k], is_eol((char)p[k + 1]));
		p += n;
	}
	if (open)
		out_put(o, "\r\n", 2);
}

size_t
smtp_qp(const char *in, char *out, size_t cap)
{
	struct out o = { out, cap, 0 };

	qp_emit(&o, in);
	return out_end(&o);
}

/* ---- subject ----------------------------------------------------- */

/* Copy subject into s[SMTP_SUBJECT_MAX + 1]: controls (CR and LF
 * above all: they would start a header of the sender's choosing)
 * become spaces, invalid UTF-8 '?', and a subject too long is cut at
 * a character and ends in "...". */
static void
subject_clean(const char *subject, char *s)
{
	const unsigned char *p = (const unsigned char *)subject;
	size_t left = strlen(subject), o = 0;
	size_t room = left > SMTP_SUBJECT_MAX ? SMTP_SUBJECT_MAX - 3 :
	    SMTP_SUBJECT_MAX;

	while (left > 0) {
		size_t n = utf8_len(p, left);

		if (o + (n ? n : 1) > room)
			break;
		if (n == 0) {
			s[o++] = '?';
			n = 1;
		} else if (n == 1 && (*p < ' ' || *p == 0x7f)) {
			s[o++] = ' ';
		} else {
			memcpy(s + o, p, n);
			o += n;
		}
		p += n;
		left -= n;
	}
	if (left > 0) {
		memcpy(s + o, "...", 3);
		o += 3;
	}
	s[o] = '\0';
}

/* Plain text folds at spaces only when every piece fits, the text
 * holds nothing a reader would decode ("=?") and no line would be
 * blank.  0 with the field written to o, or -1 (o undefined). */
static int
subject_fold(struct out *o, const char *s)
{
	const char *p = s;
	size_t col = 8;

	out_str(o, "Subject:");
	if (*s == ' ' || (*s != '\0' && s[strlen(s) - 1] == ' ') ||
	    strstr(s, "=?") != NULL)
		return -1;
	for (; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p > '~')
			return -1;
	for (p = s; *p != '\0';) {
		size_t blanks = strspn(p, " ");
		size_t word = strcspn(p + blanks, " ");
		/* The first word gets the space after the colon. */
		size_t tok = blanks + word + (p == s);

		if (col + tok > SMTP_HEADER_LINE && p != s) {
			out_put(o, "\r\n", 2);
			col = 0;
		}
		if (col + tok > SMTP_HEADER_LINE)
			return -1;
		if (p == s)
			out_put(o, " ", 1);
		out_put(o, p, blanks + word);
		col += tok;
		p += blanks + word;
	}
	out_put(o, "\r\n", 2);
	return 0;
}

/* Q encoding of one byte for an unstructured field (RFC 2047, 4.2
 * and 5(1)): '_' is the space; '=', '?', '_' and non-ASCII are hex. */
static size_t
q_byte(unsigned char c, char *e)
{
	if (c == ' ') {
		e[0] = '_';
		return 1;
	}
	if (isalnum(c) || (c != '\0' && strchr("!*+-/.,:;", c))) {
		e[0] = (char)c;
		return 1;
	}
	e[0] = '=';
	e[1] = hexdig[c >> 4];
	e[2] = hexdig[c & 15];
	return 3;
}

/* Encoded-words that never split a character, so that each decodes
 * alone (RFC 2047, 5); the folding between them is not part of the
 * text (6.2), so the subject comes back exactly. */
static void
subject_encode(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + strlen(s);
	size_t used = 0, max = EW_FIRST_MAX;

	out_str(o, "Subject: " EW_HEAD);
	while (p < end) {
		size_t n = utf8_len(p, (size_t)(end - p)), k, len = 0;
		char e[4 * 3];

		if (n == 0)	/* subject_clean left none; be safe */
			n = 1;
		for (k = 0; k < n; k++)
			len += q_byte(p[k], e + len);
		if (used + len > max) {
			out_str(o, "?=\r\n " EW_HEAD);
			used = 0;
			max = EW_NEXT_MAX;
		}
		out_put(o, e, len);
		used += len;
		p += n;
	}
	out_str(o, "?=\r\n");
}

static void
subject_emit(struct out *o, const char *subject)
{
	char s[SMTP_SUBJECT_MAX + 1];
	struct out probe = { NULL, 0, 0 };

	subject_clean(subject, s);
	if (subject_fold(&probe, s) == 0)
		subject_fold(o, s);
	else
		subject_encode(o, s);
}

size_t
smtp_subject(const char *subject, char *out, size_t cap)
{
	struct out o = { out, cap, 0 };

	subject_emit(&o, subject);
	return out_end(&o);
}

/* ---- Date and Message-ID ------------------------------------------ */

/* Our own names: strftime's %a and %b follow the locale. */
void
smtp_date(time_t t, char *out, size_t n)
{
	static const char wd[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char mo[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
		"Sep", "Oct", "Nov", "Dec"
	};
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		str_copy(out, n, "Thu, 01 Jan 1970 00:00:00 +0000");
		return;
	}
	str_fmt(out, n, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* 64 random bits; 0 when none could be had (early boot without the
 * getrandom system call): the id stays unique without them. */
static uint64_t
random64(void)
{
	uint64_t r = 0;
	ssize_t got;
	int fd;

	got = getrandom(&r, sizeof r, GRND_NONBLOCK);
	if (got == (ssize_t)sizeof r)
		return r;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (read(fd, &r, sizeof r) != (ssize_t)sizeof r)
		r = 0;
	close(fd);
	return r;
}

int
smtp_message_id(const char *domain, char *out, size_t n)
{
	static unsigned count;

	if (domain == NULL || !domain_ok(domain, strlen(domain)))
		return -1;
	count++;
	return str_fmt(out, n, "<%lld.%ld.%u.%016llx@%s>",
	    (long long)time(NULL), (long)getpid(), count,
	    (unsigned long long)random64(), domain);
}

static int
message_id_ok(const char *id)
{
	size_t i, len = strlen(id);

	if (len < 5 || len > 250 || id[0] != '<' || id[len - 1] != '>' ||
	    strchr(id, '@') == NULL)
		return 0;
	for (i = 1; i + 1 < len; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c <= ' ' || c >= 0x7f || c == '<' || c == '>')
			return 0;
	}
	return 1;
}

/* ---- the message ------------------------------------------------- */

static void
header(struct out *o, const char *name, const char *value)
{
	out_str(o, name);
	out_str(o, ": ");
	out_str(o, value);
	out_put(o, "\r\n", 2);
}

/* Addresses separated by ", ", folded after a comma when the next
 * would pass SMTP_HEADER_LINE (an address longer than a line gets a
 * line of its own, up to 2 + SMTP_ADDR_MAX bytes). */
static void
header_to(struct out *o, const char *const *to, unsigned nto)
{
	size_t col = 3;
	unsigned i;

	out_str(o, "To:");
	for (i = 0; i < nto; i++) {
		size_t len = strlen(to[i]);

		if (i > 0) {
			out_put(o, ",", 1);
			col++;
		}
		if (i > 0 && col + 1 + len > SMTP_HEADER_LINE) {
			out_put(o, "\r\n", 2);
			col = 0;
		}
		out_put(o, " ", 1);
		out_put(o, to[i], len);
		col += 1 + len;
	}
	out_put(o, "\r\n", 2);
}

static int
envelope_ok(const struct smtp_opts *o)
{
	unsigned i;

	if (o->nto == 0 || o->nto > SMTP_RCPT_MAX || o->to == NULL ||
	    !smtp_addr_ok(o->from))
		return 0;
	for (i = 0; i < o->nto; i++)
		if (!smtp_addr_ok(o->to[i]))
			return 0;
	return 1;
}

size_t
smtp_msg_build(const struct smtp_opts *o, const struct smtp_msg *m,
    time_t date, const char *message_id, char *out, size_t cap)
{
	struct out b = { out, cap, 0 };
	char d[40];

	if (!envelope_ok(o) || message_id == NULL ||
	    !message_id_ok(message_id)) {
		out_end(&b);
		return 0;
	}
	smtp_date(date, d, sizeof d);
	header(&b, "Date", d);
	header(&b, "From", o->from);
	header_to(&b, o->to, o->nto);
	subject_emit(&b, m->subject != NULL ? m->subject : "");
	header(&b, "Message-ID", message_id);
	header(&b, "MIME-Version", "1.0");
	header(&b, "Content-Type", "text/plain; charset=utf-8");
	header(&b, "Content-Transfer-Encoding", "quoted-printable");
	header(&b, "Auto-Submitted", "auto-generated");
	out_put(&b, "\r\n", 2);
	qp_emit(&b, m->body != NULL ? m->body : "");
	return out_end(&b);
}

/* ---- EHLO capabilities ------------------------------------------- */

static int
word_is(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

static void
caps_auth(struct smtp_caps *c, const char *p)
{
	for (;;) {
		size_t n;

		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n == 0)
			return;
		if (word_is(p, n, "PLAIN"))
			c->flags |= SMTP_CAP_AUTH_PLAIN;
		else if (word_is(p, n, "LOGIN"))
			c->flags |= SMTP_CAP_AUTH_LOGIN;
		p += n;
	}
}

static void
caps_size(struct smtp_caps *c, const char *p)
{
	char num[24];
	uint64_t v;
	size_t n;

	c->flags |= SMTP_CAP_SIZE;
	p += strspn(p, " ");
	n = strcspn(p, " ");
	if (n == 0 || n >= sizeof num)
		return;
	memcpy(num, p, n);
	num[n] = '\0';
	if (parse_u64(num, UINT64_MAX, &v) == 0)
		c->size_max = v;
}

void
smtp_caps_line(struct smtp_caps *c, const char *text)
{
	static const struct {
		const char *kw;
		unsigned flag;
	} simple[] = {
		{ "STARTTLS", SMTP_CAP_STARTTLS },
		{ "8BITMIME", SMTP_CAP_8BITMIME },
		{ "PIPELINING", SMTP_CAP_PIPELINING },
		{ "SMTPUTF8", SMTP_CAP_SMTPUTF8 },
		{ "ENHANCEDSTATUSCODES", SMTP_CAP_ENHANCED },
	};
	size_t n = strcspn(text, " =");
	size_t i;

	if (word_is(text, n, "AUTH")) {
		caps_auth(c, text + n + (text[n] == '='));
		return;
	}
	if (word_is(text, n, "SIZE")) {
		caps_size(c, text + n);
		return;
	}
	for (i = 0; i < ARRAY_LEN(simple); i++)
		if (word_is(text, n, simple[i].kw) && text[n] != '=')
			c->flags |= simple[i].flag;
}

/* ---- replies ------------------------------------------------------ */

void
smtp_reply_init(struct smtp_reply *r,
    void (*on_line)(void *ctx, const char *line), void *ctx)
{
	memset(r, 0, sizeof *r);
	r->state = SMTP_R_MORE;
	r->on_line = on_line;
	r->ctx = ctx;
}

static void
reply_fail(struct smtp_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
reply_fail(struct smtp_reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	r->state = SMTP_R_FAILED;
}

/* The start of a line that is no reply, for the message: printable
 * ASCII only, so that a binary answer cannot reach a terminal. */
static void
quote_start(const char *line, size_t len, char *q, size_t n)
{
	size_t i;

	for (i = 0; i < len && i + 1 < n && i < 40; i++)
		q[i] = line[i] >= ' ' && line[i] < 0x7f ? line[i] : '?';
	q[i] = '\0';
}

static int
line_check(struct smtp_reply *r)
{
	const char *l = r->line;
	char q[48];
	size_t i;

	for (i = 0; i < r->len; i++) {
		unsigned char c = (unsigned char)l[i];

		if ((c < ' ' && c != '\t') || c == 0x7f) {
			reply_fail(r, "reply line holds the control byte "
			    "0x%02x", c);
			return -1;
		}
	}
	if (r->len < 3 || l[0] < '2' || l[0] > '5' ||
	    !isdigit((unsigned char)l[1]) || !isdigit((unsigned char)l[2]) ||
	    (r->len > 3 && l[3] != ' ' && l[3] != '-')) {
		quote_start(l, r->len, q, sizeof q);
		reply_fail(r, "not an SMTP reply: \"%s\"", q);
		return -1;
	}
	return 0;
}

/* Keep the text for messages: when it no longer fits, it ends in
 * "..." and the rest is dropped (the reply is still parsed whole). */
static void
text_add(struct smtp_reply *r, const char *t)
{
	/* Room kept at the end for "..." and the NUL. */
	size_t lim = sizeof r->text - 4, len = strlen(t), k;
	size_t sep = r->tlen > 0;

	if (r->cut)
		return;
	if (r->tlen + sep + len <= lim) {
		if (sep)
			r->text[r->tlen++] = '\n';
		memcpy(r->text + r->tlen, t, len + 1);
		r->tlen += len;
		return;
	}
	r->cut = 1;
	k = r->tlen + sep < lim ? lim - r->tlen - sep : 0;
	/* Cut before a character, not inside one. */
	while (k > 0 && ((unsigned char)t[k] & 0xc0) == 0x80)
		k--;
	if (k > 0) {
		if (sep)
			r->text[r->tlen++] = '\n';
		memcpy(r->text + r->tlen, t, k);
		r->tlen += k;
	}
	memcpy(r->text + r->tlen, "...", 4);
	r->tlen += 3;
}

static void
line_end(struct smtp_reply *r)
{
	const char *text;
	int code;

	if (r->len > 0 && r->line[r->len - 1] == '\r')
		r->len--;
	r->line[r->len] = '\0';
	if (line_check(r) < 0)
		return;
	code = (r->line[0] - '0') * 100 + (r->line[1] - '0') * 10 +
	    (r->line[2] - '0');
	if (r->nlines > 0 && code != r->code) {
		reply_fail(r, "reply code changed from %d to %d within one "
		    "reply", r->code, code);
		return;
	}
	if (r->nlines == SMTP_LINES_MAX) {
		reply_fail(r, "reply longer than %d lines", SMTP_LINES_MAX);
		return;
	}
	r->code = code;
	r->nlines++;
	text = r->len > 3 ? r->line + 4 : "";
	text_add(r, text);
	if (r->nlines > 1)
		smtp_caps_line(&r->caps, text);
	if (r->on_line != NULL)
		r->on_line(r->ctx, r->line);
	if (r->len == 3 || r->line[3] == ' ')
		r->state = SMTP_R_DONE;
	r->len = 0;
}

size_t
smtp_reply_feed(struct smtp_reply *r, const void *buf, size_t len)
{
	const char *p = buf;
	size_t i;

	for (i = 0; i < len && r->state == SMTP_R_MORE; i++) {
		if (p[i] == '\n') {
			line_end(r);
			continue;
		}
		/* Room for the NUL: with its LF a line has at most
		 * SMTP_LINE_MAX bytes. */
		if (r->len >= SMTP_LINE_MAX - 1) {
			reply_fail(r, "reply line longer than %d bytes",
			    SMTP_LINE_MAX);
			return i + 1;
		}
		r->line[r->len++] = p[i];
	}
	return i;
}

/* ---- the password ------------------------------------------------ */

static int
pw_path(const char *file, char *path, size_t n)
{
	const char *cred = getenv("CREDENTIALS_DIRECTORY");

	if (file != NULL && file[0] != '\0')
		return str_copy(path, n, file) == 0 ? 1 : -1;
	if (cred == NULL || cred[0] != '/' ||
	    str_fmt(path, n, "%s/%s", cred, SMTP_CRED_NAME) < 0 ||
	    access(path, F_OK) != 0)
		return 0;
	return 1;
}

static int
pw_open(const char *path, char *why, size_t wn)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		str_fmt(why, wn, "password file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		str_fmt(why, wn, "password file %s: not a regular file",
		    path);
		close(fd);
		return -1;
	}
	/* A password others can read has already leaked. */
	if (st.st_mode & S_IRWXO) {
		str_fmt(why, wn, "password file %s is readable by others "
		    "(mode %04o): refused; run chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Read all of fd into buf[cap]; the length, or -1 when it does not
 * fit or read fails. */
static ssize_t
pw_read(int fd, char *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t r = read(fd, buf + got, cap - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return (ssize_t)got;
		got += (size_t)r;
	}
	return -1;
}

int
smtp_password_load(const char *file, char *pw, size_t n, char *why,
    size_t wn)
{
	char path[4096], buf[SMTP_SECRET_MAX + 3];
	ssize_t len;
	int fd, r;

	if (n > 0)
		pw[0] = '\0';
	r = pw_path(file, path, sizeof path);
	if (r <= 0) {
		if (r < 0)
			str_fmt(why, wn, "password file name too long");
		return r;
	}
	fd = pw_open(path, why, wn);
	if (fd < 0)
		return -1;
	len = pw_read(fd, buf, sizeof buf);
	close(fd);
	r = -1;
	if (len < 0) {
		str_fmt(why, wn, "password file %s: unreadable or longer "
		    "than %d bytes", path, SMTP_SECRET_MAX);
		goto out;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0 || memchr(buf, '\n', (size_t)len) != NULL ||
	    memchr(buf, '\r', (size_t)len) != NULL ||
	    memchr(buf, '\0', (size_t)len) != NULL ||
	    (size_t)len > SMTP_SECRET_MAX || (size_t)len >= n) {
		str_fmt(why, wn, "password file %s: empty, more than one "
		    "line, or longer than %d bytes", path, SMTP_SECRET_MAX);
		goto out;
	}
	memcpy(pw, buf, (size_t)len);
	pw[len] = '\0';
	r = 1;
out:
	explicit_bzero(buf, sizeof buf);
	return r;
}

/* ---- the session ------------------------------------------------- */

enum state {
	S_CONNECT, S_GREETING, S_EHLO, S_HELO, S_STARTTLS, S_AUTH,
	S_AUTH_USER, S_AUTH_PASS, S_MAIL, S_RCPT, S_DATA, S_BODY, S_QUIT,
	S_DONE, S_FAILED
};

struct session {
	const struct smtp_opts *o;
	enum state st;
	int64_t deadline;
	unsigned port;
	struct tcp_conn tcp;
	struct tls_trust *trust;
	struct tls_conn *tls;	/* on the heap: 41 KiB */
	int tls_on;
	struct smtp_caps caps;
	struct smtp_reply r;
	char rbuf[READ_CHUNK];	/* read, not yet parsed: roff..rlen */
	size_t roff, rlen;
	char wbuf[WBUF_SIZE];
	size_t wlen;
	char cmd[CMD_MAX];
	char helo[HELO_MAX];
	char neterr[NETERR_MAX];
	const char *msg;	/* built, CRLF lines, not yet stuffed */
	size_t msg_len;
	unsigned rcpt;		/* next recipient */
	int polite;		/* the server still listens: say QUIT */
	enum smtp_result result;
	char *why;
	size_t wn;
};

static const char *state_name(enum state st);

static void
trace(struct session *s, char dir, const char *line)
{
	if (s->o->trace != NULL)
		s->o->trace(s->o->trace_ctx, dir, line);
}

static void
trace_reply_line(void *ctx, const char *line)
{
	trace(ctx, '<', line);
}

static enum state
fail(struct session *s, enum smtp_result res, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum state
fail(struct session *s, enum smtp_result res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, s->wn, fmt, ap);
	va_end(ap);
	s->result = res;
	return S_FAILED;
}

/* The connection failed or carries nonsense: neterr says how. */
static enum state
lost(struct session *s)
{
	s->polite = 0;
	return fail(s, SMTP_TEMPFAIL, "%s (state %s)", s->neterr,
	    state_name(s->st));
}

/* ---- transport: TCP, or TLS over it ---- */

static int
conn_write(struct session *s, const void *buf, size_t n)
{
	if (s->tls_on)
		return tls_write_all(s->tls, buf, n, s->neterr,
		    sizeof s->neterr);
	if (tcp_write_all(&s->tcp, buf, n) == 0)
		return 0;
	str_copy(s->neterr, sizeof s->neterr, s->tcp.err);
	return -1;
}

static ssize_t
conn_read(struct session *s, void *buf, size_t n)
{
	ssize_t r;

	if (s->tls_on) {
		r = tls_read(s->tls, buf, n, s->neterr, sizeof s->neterr);
		if (r == 0)
			str_fmt(s->neterr, sizeof s->neterr,
			    "%s closed the connection", s->tcp.peer);
		return r;
	}
	r = tcp_read(&s->tcp, buf, n);
	if (r <= 0)
		str_copy(s->neterr, sizeof s->neterr, s->tcp.err);
	return r;
}

/* Send line and CRLF; the transcript shows shown (for secrets) or the
 * line itself.  0, or -1 with neterr. */
static int
send_line(struct session *s, const char *line, const char *shown)
{
	size_t len = strlen(line);

	if (len + 3 > sizeof s->cmd) {
		str_copy(s->neterr, sizeof s->neterr, "command too long");
		return -1;
	}
	trace(s, '>', shown != NULL ? shown : line);
	memmove(s->cmd, line, len);
	memcpy(s->cmd + len, "\r\n", 3);
	return conn_write(s, s->cmd, len + 2);
}

/* Send a line that holds a secret; the copy in cmd is wiped. */
static int
send_secret(struct session *s, const char *line, const char *shown)
{
	int r = send_line(s, line, shown);

	explicit_bzero(s->cmd, sizeof s->cmd);
	return r;
}

/* Read one whole reply into s->r; what follows it stays buffered.
 * 0, or -1 with neterr. */
static int
read_reply(struct session *s)
{
	smtp_reply_init(&s->r, trace_reply_line, s);
	for (;;) {
		ssize_t got;

		if (s->roff < s->rlen) {
			s->roff += smtp_reply_feed(&s->r, s->rbuf + s->roff,
			    s->rlen - s->roff);
			if (s->r.state == SMTP_R_DONE)
				return 0;
			if (s->r.state == SMTP_R_FAILED) {
				str_fmt(s->neterr, sizeof s->neterr, "%s: %s",
				    s->tcp.peer, s->r.err);
				return -1;
			}
			continue;
		}
		got = conn_read(s, s->rbuf, sizeof s->rbuf);
		if (got <= 0)
			return -1;
		s->roff = 0;
		s->rlen = (size_t)got;
	}
}

/* The server's words on one line, for messages and the log. */
static void
reply_words(const struct smtp_reply *r, char *buf, size_t n)
{
	size_t i;

	str_fmt(buf, n, "%d%s%s", r->code, r->tlen > 0 ? " " : "",
	    r->text);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	utf8_scrub(buf);
}

/* The server said no to what: 5xx is permanent; 4xx, or an answer
 * out of place (say 250 to DATA), temporary. */
static enum state
refused(struct session *s, const char *what)
{
	char words[SMTP_TEXT_MAX + 8];

	/* 421: the server is closing; nothing more to say to it. */
	s->polite = s->r.code != 421;
	reply_words(&s->r, words, sizeof words);
	return fail(s, s->r.code / 100 == 5 ? SMTP_PERMFAIL : SMTP_TEMPFAIL,
	    "%s answered %s with %s", s->tcp.peer, what, words);
}

/* Read the answer to what: 0 when its first digit is want, else -1
 * with the failure set. */
static int
answer(struct session *s, const char *what, int want)
{
	if (read_reply(s) < 0) {
		lost(s);
		return -1;
	}
	if (s->r.code / 100 == want)
		return 0;
	refused(s, what);
	return -1;
}

/* Send line (also its name in messages), expect class want. */
static int
command(struct session *s, const char *line, int want)
{
	if (send_line(s, line, NULL) < 0) {
		lost(s);
		return -1;
	}
	return answer(s, line, want);
}

/* ---- the states ---- */

/* This host's name when it is a dotted one, else the address literal
 * of our end of the connection (RFC 5321, 4.1.4): many servers refuse
 * an EHLO without a dot. */
static void
helo_default(struct session *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char a[INET6_ADDRSTRLEN];
	const void *p;

	if (gethostname(s->helo, sizeof s->helo) == 0 &&
	    memchr(s->helo, '\0', sizeof s->helo) != NULL &&
	    strchr(s->helo, '.') != NULL &&
	    domain_ok(s->helo, strlen(s->helo)))
		return;
	str_copy(s->helo, sizeof s->helo, "[127.0.0.1]");
	if (getsockname(s->tcp.fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	p = ss.ss_family == AF_INET6 ?
	    (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr :
	    (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
	if (inet_ntop(ss.ss_family, p, a, sizeof a) == NULL)
		return;
	str_fmt(s->helo, sizeof s->helo, "[%s%s]",
	    ss.ss_family == AF_INET6 ? "IPv6:" : "", a);
}

static int
tls_start(struct session *s)
{
	s->tls = calloc(1, sizeof *s->tls);
	if (s->tls == NULL) {
		str_copy(s->neterr, sizeof s->neterr, "out of memory");
		return -1;
	}
	if (tls_connect(s->tls, &s->tcp, s->trust, s->o->server, s->neterr,
	    sizeof s->neterr) < 0)
		return -1;
	s->tls_on = 1;
	trace(s, '*', "TLS established, certificate verified");
	return 0;
}

static enum state
st_connect(struct session *s)
{
	char port[8], line[TCP_PEER_MAX + 24];

	str_fmt(port, sizeof port, "%u", s->port);
	str_fmt(line, sizeof line, "connecting to %s port %s", s->o->server,
	    port);
	trace(s, '*', line);
	/* The clock starts here, as tcp's does, so that "timed out after
	 * N ms" names the configured timeout. */
	s->deadline = mono_ms() + s->o->timeout_ms;
	if (tcp_connect(&s->tcp, s->o->server, port, s->deadline) < 0) {
		str_copy(s->neterr, sizeof s->neterr, s->tcp.err);
		return lost(s);
	}
	if (s->o->tls == SMTP_TLS_NONE && !fd_peer_is_loopback(s->tcp.fd))
		return fail(s, SMTP_PERMFAIL, "%s is not a loopback address: "
		    "tls = none refused", s->tcp.peer);
	if (s->o->helo_name != NULL && s->o->helo_name[0] != '\0')
		str_copy(s->helo, sizeof s->helo, s->o->helo_name);
	else
		helo_default(s);
	if (s->o->tls == SMTP_TLS_IMPLICIT && tls_start(s) < 0)
		return lost(s);
	return S_GREETING;
}

static enum state
st_greeting(struct session *s)
{
	if (answer(s, "the connection", 2) < 0)
		return S_FAILED;
	s->polite = 1;
	return S_EHLO;
}

/* What comes after a successful EHLO or HELO. */
static enum state
after_hello(struct session *s, const char *how)
{
	if (s->o->tls == SMTP_TLS_STARTTLS && !s->tls_on) {
		if (!(s->caps.flags & SMTP_CAP_STARTTLS))
			return fail(s, SMTP_PERMFAIL, "%s does not offer "
			    "STARTTLS in its answer to %s: refused to go on "
			    "without TLS (tls = starttls)", s->tcp.peer, how);
		return S_STARTTLS;
	}
	if (s->o->user != NULL && s->o->user[0] != '\0')
		return S_AUTH;
	return S_MAIL;
}

static enum state
st_ehlo(struct session *s)
{
	char line[HELO_MAX + 8];
	int c;

	str_fmt(line, sizeof line, "EHLO %s", s->helo);
	if (send_line(s, line, NULL) < 0 || read_reply(s) < 0)
		return lost(s);
	c = s->r.code;
	if (c / 100 == 2) {
		s->caps = s->r.caps;
		return after_hello(s, "EHLO");
	}
	/* A server that does not know EHLO says 500, 502 or 504: try
	 * HELO (RFC 5321, 3.2).  Not inside TLS: a server that offered
	 * STARTTLS knows EHLO. */
	if ((c == 500 || c == 502 || c == 504) && !s->tls_on)
		return S_HELO;
	return refused(s, "EHLO");
}

static enum state
st_helo(struct session *s)
{
	char line[HELO_MAX + 8];

	str_fmt(line, sizeof line, "HELO %s", s->helo);
	if (command(s, line, 2) < 0)
		return S_FAILED;
	memset(&s->caps, 0, sizeof s->caps);
	return after_hello(s, "HELO");
}

static enum state
st_starttls(struct session *s)
{
	if (command(s, "STARTTLS", 2) < 0)
		return S_FAILED;
	/* Bytes after the answer came in clear text and would be read
	 * as if they came through TLS: injected answers (the client side
	 * of CVE-2011-0411).  Refuse rather than drop them. */
	if (s->roff < s->rlen) {
		s->polite = 0;
		return fail(s, SMTP_TEMPFAIL, "%s sent %zu bytes after its "
		    "answer to STARTTLS: refused (injected answers?)",
		    s->tcp.peer, s->rlen - s->roff);
	}
	if (tls_start(s) < 0)
		return lost(s);
	/* Forget all the server said before TLS (RFC 3207, 4.2). */
	memset(&s->caps, 0, sizeof s->caps);
	return S_EHLO;
}

static enum state
auth_plain(struct session *s)
{
	size_t ul = strlen(s->o->user), pl = strlen(s->o->password);
	char raw[2 * SMTP_SECRET_MAX + 2], line[CMD_MAX];
	int r = -1;

	/* authzid (empty) NUL user NUL password (RFC 4616). */
	raw[0] = '\0';
	memcpy(raw + 1, s->o->user, ul);
	raw[1 + ul] = '\0';
	memcpy(raw + 2 + ul, s->o->password, pl);
	memcpy(line, "AUTH PLAIN ", 11);
	if (smtp_b64(raw, 2 + ul + pl, line + 11, sizeof line - 11) >= 0)
		r = send_secret(s, line, "AUTH PLAIN [REDACTED]");
	else
		str_copy(s->neterr, sizeof s->neterr, "AUTH line too long");
	explicit_bzero(raw, sizeof raw);
	explicit_bzero(line, sizeof line);
	if (r < 0)
		return lost(s);
	if (answer(s, "AUTH PLAIN", 2) < 0)
		return S_FAILED;
	return S_MAIL;
}

/* PLAIN when offered: one round trip; else LOGIN. */
static enum state
st_auth(struct session *s)
{
	if (s->caps.flags & SMTP_CAP_AUTH_PLAIN)
		return auth_plain(s);
	if (!(s->caps.flags & SMTP_CAP_AUTH_LOGIN))
		return fail(s, SMTP_PERMFAIL, "%s offers neither AUTH PLAIN "
		    "nor AUTH LOGIN%s", s->tcp.peer, s->tls_on ? "" :
		    " (on a connection without TLS)");
	if (command(s, "AUTH LOGIN", 3) < 0)
		return S_FAILED;
	return S_AUTH_USER;
}

/* One AUTH LOGIN step: the secret in base64, never shown. */
static int
login_send(struct session *s, const char *secret)
{
	char line[CMD_MAX];
	int r = -1;

	if (smtp_b64(secret, strlen(secret), line, sizeof line) >= 0)
		r = send_secret(s, line, "[REDACTED]");
	else
		str_copy(s->neterr, sizeof s->neterr, "AUTH line too long");
	explicit_bzero(line, sizeof line);
	return r;
}

static enum state
st_auth_user(struct session *s)
{
	if (login_send(s, s->o->user) < 0)
		return lost(s);
	if (answer(s, "AUTH LOGIN (the user name)", 3) < 0)
		return S_FAILED;
	return S_AUTH_PASS;
}

static enum state
st_auth_pass(struct session *s)
{
	if (login_send(s, s->o->password) < 0)
		return lost(s);
	if (answer(s, "AUTH LOGIN", 2) < 0)
		return S_FAILED;
	return S_MAIL;
}

static enum state
st_mail(struct session *s)
{
	char line[SMTP_ADDR_MAX + 48];
	uint64_t max = s->caps.size_max;
	int size = (s->caps.flags & SMTP_CAP_SIZE) != 0;

	/* SIZE (RFC 1870): refuse now what the server would refuse
	 * after the whole message was sent. */
	if (size && max > 0 && s->msg_len > max)
		return fail(s, SMTP_PERMFAIL, "the message (%zu bytes) is "
		    "larger than %s accepts (SIZE %llu)", s->msg_len,
		    s->tcp.peer, (unsigned long long)max);
	if (size)
		str_fmt(line, sizeof line, "MAIL FROM:<%s> SIZE=%zu",
		    s->o->from, s->msg_len);
	else
		str_fmt(line, sizeof line, "MAIL FROM:<%s>", s->o->from);
	if (command(s, line, 2) < 0)
		return S_FAILED;
	return S_RCPT;
}

/* All or nothing (see smtp.h): the first recipient refused ends the
 * session before DATA. */
static enum state
st_rcpt(struct session *s)
{
	char line[SMTP_ADDR_MAX + 16];

	str_fmt(line, sizeof line, "RCPT TO:<%s>", s->o->to[s->rcpt]);
	if (command(s, line, 2) < 0)
		return S_FAILED;
	return ++s->rcpt < s->o->nto ? S_RCPT : S_DATA;
}

static enum state
st_data(struct session *s)
{
	if (command(s, "DATA", 3) < 0)
		return S_FAILED;
	return S_BODY;
}

static int
wflush(struct session *s)
{
	int r = 0;

	if (s->wlen > 0)
		r = conn_write(s, s->wbuf, s->wlen);
	s->wlen = 0;
	return r;
}

static int
wput(struct session *s, const char *p, size_t n)
{
	while (n > 0) {
		size_t k = sizeof s->wbuf - s->wlen;

		if (k == 0) {
			if (wflush(s) < 0)
				return -1;
			continue;
		}
		if (k > n)
			k = n;
		memcpy(s->wbuf + s->wlen, p, k);
		s->wlen += k;
		p += k;
		n -= k;
	}
	return 0;
}

/* The message, dot-stuffed (RFC 5321, 4.5.2), then the lone ".".
 * smtp_msg_build ends every line in CRLF. */
static int
send_message(struct session *s, unsigned *stuffed)
{
	const char *p = s->msg, *end = s->msg + s->msg_len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) + 1 :
		    (size_t)(end - p);

		if (*p == '.') {
			(*stuffed)++;
			if (wput(s, ".", 1) < 0)
				return -1;
		}
		if (wput(s, p, n) < 0)
			return -1;
		p += n;
	}
	if (wput(s, ".\r\n", 3) < 0)
		return -1;
	return wflush(s);
}

static enum state
st_body(struct session *s)
{
	char line[96];
	unsigned stuffed = 0;
	int r;

	r = send_message(s, &stuffed);
	str_fmt(line, sizeof line, "[message: %zu bytes, %u line%s "
	    "dot-stuffed]", s->msg_len, stuffed, stuffed == 1 ? "" : "s");
	trace(s, '>', line);
	trace(s, '>', ".");
	if (r < 0)
		return lost(s);
	if (answer(s, "the message", 2) < 0)
		return S_FAILED;
	s->result = SMTP_SENT;
	reply_words(&s->r, s->why, s->wn);
	return S_QUIT;
}

/* Polite and short: the answer is awaited at most SMTP_QUIT_MS, and
 * whatever happens changes no result. */
static void
quit(struct session *s)
{
	int64_t until = mono_ms() + SMTP_QUIT_MS;

	if (until > s->deadline)
		until = s->deadline;
	tcp_set_deadline(&s->tcp, until);
	if (send_line(s, "QUIT", NULL) == 0)
		read_reply(s);
}

static enum state
st_quit(struct session *s)
{
	quit(s);
	return S_DONE;
}

static const struct {
	const char *name;
	enum state (*run)(struct session *);
} states[] = {
	[S_CONNECT] = { "connect", st_connect },
	[S_GREETING] = { "greeting", st_greeting },
	[S_EHLO] = { "ehlo", st_ehlo },
	[S_HELO] = { "helo", st_helo },
	[S_STARTTLS] = { "starttls", st_starttls },
	[S_AUTH] = { "auth", st_auth },
	[S_AUTH_USER] = { "auth-user", st_auth_user },
	[S_AUTH_PASS] = { "auth-pass", st_auth_pass },
	[S_MAIL] = { "mail", st_mail },
	[S_RCPT] = { "rcpt", st_rcpt },
	[S_DATA] = { "data", st_data },
	[S_BODY] = { "body", st_body },
	[S_QUIT] = { "quit", st_quit },
	[S_DONE] = { "done", NULL },
	[S_FAILED] = { "failed", NULL },
};

static const char *
state_name(enum state st)
{
	return states[st].name;
}

static void
run(struct session *s)
{
	enum state st = S_CONNECT;

	while (states[st].run != NULL) {
		char line[48];

		s->st = st;
		str_fmt(line, sizeof line, "state %s", state_name(st));
		trace(s, '*', line);
		st = states[st].run(s);
	}
	if (st == S_FAILED && s->polite)
		quit(s);
}

/* ---- before any connection ---- */

static int
bad(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
bad(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -1;
}

static unsigned
default_port(enum smtp_tls t)
{
	return t == SMTP_TLS_IMPLICIT ? 465 : t == SMTP_TLS_NONE ? 25 : 587;
}

static int
secret_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strlen(s) <= SMTP_SECRET_MAX;
}

/* A host name, or an address literal such as [192.0.2.7] or
 * [IPv6:2001:db8::7]. */
static int
helo_ok(const char *h)
{
	size_t len = strlen(h), i;

	if (len < 3 || h[0] != '[' || h[len - 1] != ']')
		return domain_ok(h, len);
	if (len > 64)
		return 0;
	for (i = 1; i + 1 < len; i++)
		if (!isxdigit((unsigned char)h[i]) &&
		    strchr(".:IPv", h[i]) == NULL)
			return 0;
	return 1;
}

/* Whatever no server could fix, found before any connection. */
static int
check_opts(const struct smtp_opts *o, char *why, size_t n)
{
	const char *u = o->user;

	if (o->server == NULL || o->server[0] == '\0')
		return bad(why, n, "no mail server set");
	if (o->tls == SMTP_TLS_NONE && !smtp_is_loopback(o->server))
		return bad(why, n, "tls = none is allowed only to a loopback "
		    "server (127.0.0.0/8, ::1, localhost), not \"%s\"",
		    o->server);
	if ((unsigned)o->tls > SMTP_TLS_NONE || o->port > 65535 ||
	    o->timeout_ms <= 0)
		return bad(why, n, "bad tls mode, port or timeout");
	if (!smtp_addr_ok(o->from))
		return bad(why, n, "from: not a usable address");
	if (!envelope_ok(o))
		return bad(why, n, "to: 1 to %d usable addresses needed",
		    SMTP_RCPT_MAX);
	if (u != NULL && u[0] != '\0' &&
	    (!secret_ok(u) || !secret_ok(o->password)))
		return bad(why, n, "user set but the password is missing, "
		    "or one is longer than %d bytes", SMTP_SECRET_MAX);
	if (o->helo_name != NULL && o->helo_name[0] != '\0' &&
	    !helo_ok(o->helo_name))
		return bad(why, n, "helo_name: not a host name");
	return 0;
}

/* The message, into a buffer of its own size. */
static int
build(struct session *s, const struct smtp_msg *m, char **buf)
{
	const char *dom = m->message_id_domain;
	char id[320];
	time_t now = time(NULL);
	size_t len;

	if (dom == NULL)
		dom = strrchr(s->o->from, '@') + 1;	/* checked */
	if (smtp_message_id(dom, id, sizeof id) < 0)
		return bad(s->why, s->wn, "message id domain \"%s\" is not a "
		    "host name", dom);
	len = smtp_msg_build(s->o, m, now, id, NULL, 0);
	if (len == 0 || len > SMTP_MSG_MAX)
		return bad(s->why, s->wn, "the message (%zu bytes) is empty "
		    "or larger than %d bytes", len, SMTP_MSG_MAX);
	*buf = malloc(len + 1);
	if (*buf == NULL)
		return bad(s->why, s->wn, "out of memory for %zu bytes", len);
	smtp_msg_build(s->o, m, now, id, *buf, len + 1);
	s->msg = *buf;
	s->msg_len = len;
	return 0;
}

static int
prepare(struct session *s, const struct smtp_msg *m, char **buf)
{
	const char *ca = s->o->ca_file != NULL ? s->o->ca_file :
	    TLS_CA_FILE_DEFAULT;

	if (check_opts(s->o, s->why, s->wn) < 0 || build(s, m, buf) < 0)
		return -1;
	if (s->o->tls != SMTP_TLS_NONE &&
	    tls_trust_load(&s->trust, ca, s->why, s->wn) < 0)
		return -1;
	return 0;
}

static void
session_end(struct session *s)
{
	if (s->tls != NULL) {
		tls_close(s->tls);
		/* tls_close wipes keys and buffers; the rest goes too. */
		explicit_bzero(s->tls, sizeof *s->tls);
		free(s->tls);
	}
	tls_trust_free(s->trust);
	tcp_close(&s->tcp);
	explicit_bzero(s, sizeof *s);
}

enum smtp_result
smtp_send(const struct smtp_opts *o, const struct smtp_msg *m, char *why,
    size_t n)
{
	struct session *s;
	char *msg = NULL, spare[8];
	enum smtp_result res;

	if (why == NULL || n == 0) {
		why = spare;
		n = sizeof spare;
	}
	/* 10 KiB of buffers: the heap, not a small stack. */
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		str_copy(why, n, "out of memory");
		return SMTP_TEMPFAIL;
	}
	s->o = o;
	s->why = why;
	s->wn = n;
	s->tcp.fd = -1;
	s->result = SMTP_PERMFAIL;
	s->port = o->port != 0 ? o->port : default_port(o->tls);
	if (prepare(s, m, &msg) == 0)
		run(s);
	res = s->result;
	session_end(s);
	free(s);
	free(msg);
	return res;
}

const char *
smtp_result_name(enum smtp_result r)
{
	switch (r) {
	case SMTP_SENT:
		return "sent";
	case SMTP_TEMPFAIL:
		return "temporary failure";
	case SMTP_PERMFAIL:
		return "permanent failure";
	}
	return "?";
}

void
smtp_trace_log(void *ctx, char dir, const char *line)
{
	(void)ctx;
	logx(LOG_DEBUG, "smtp %c %s", dir, line);
}
