/*
 * smtp.h - ansai's own SMTP client: one message to a few recipients
 * through one submission server, for alerts.
 *
 * smtp_send() builds the message, connects (plain, STARTTLS or TLS
 * from the first byte), says EHLO (HELO when EHLO is refused),
 * upgrades to TLS and says EHLO again, authenticates (AUTH PLAIN, else
 * LOGIN), names the sender and every recipient, sends the message and
 * says QUIT.  The session is an explicit state machine:
 *
 *	connect -> greeting -> ehlo --+-> starttls -> ehlo (in TLS)
 *	                        |     |
 *	             (500, 502, 504)  +-> auth [-> auth-user -> auth-pass]
 *	                        v     |
 *	                       helo --+-> mail -> rcpt (each) -> data
 *	                                  -> body -> quit -> done
 *	any state -> failed (then QUIT when the server still listens)
 *
 * and each state's name appears in the transcript and in messages.
 *
 * Everything is bounded: the session, from the connection to QUIT and
 * name lookup aside (see tcp.h), by timeout_ms; a reply line by
 * SMTP_LINE_MAX, a reply by SMTP_LINES_MAX lines; the message by
 * SMTP_MSG_MAX.  Building the message and loading the CA file come
 * first, bounded by their sizes.
 *
 * What goes on the wire: CRLF line ends only, no bare CR or LF, no
 * line over 998 bytes (headers fold at 78, the body is quoted-
 * printable with lines of at most 76), dot-stuffing, 7-bit only, so
 * that no server can mangle it.  Headers: Date (UTC), From, To,
 * Subject (RFC 2047 encoded-words when not plain ASCII), Message-ID
 * (<TIME.PID.COUNT.RANDOM@DOMAIN>), MIME-Version, Content-Type
 * text/plain; charset=utf-8, Content-Transfer-Encoding
 * quoted-printable, and Auto-Submitted: auto-generated (RFC 3834) so
 * that vacation responders stay quiet.
 *
 * Results.  A 4xx answer at any step, a network error, a timeout, a
 * TLS failure (a device whose clock is not set yet fails the
 * certificate dates) and a malformed answer are SMTP_TEMPFAIL: try
 * again later.  A 5xx answer and a configuration the server cannot
 * serve (no STARTTLS offered, no AUTH PLAIN or LOGIN, message over
 * its SIZE) are SMTP_PERMFAIL.  Recipients are all or nothing: one
 * refused recipient, 4xx (say greylisting) or 5xx, fails the whole
 * message, which is then never sent to the others, so that a retry
 * cannot deliver twice.  One exception: when the connection is lost
 * after the final "." but before the server's answer, the result is
 * SMTP_TEMPFAIL and the message may arrive twice (RFC 5321, 4.1.1.4).
 *
 * Secrets.  The password and the AUTH payloads never reach the
 * transcript (shown as "[REDACTED]") nor a message; the copies
 * smtp_send makes are wiped with explicit_bzero.  The caller's
 * password is the caller's to wipe.
 */
#ifndef ANSAI_SMTP_H
#define ANSAI_SMTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* RFC 5321 allows 512 bytes for a reply line; a server's text lines
 * are at most 1000 (4.5.3.1.6).  Both counts include the CRLF. */
#define SMTP_LINE_MAX		1000
/* Lines in one reply: an EHLO answer has 5 to 20. */
#define SMTP_LINES_MAX		100
/* The server's words kept for messages; longer text ends in "...". */
#define SMTP_TEXT_MAX		1024
#define SMTP_ERR_MAX		192
/* A path in MAIL FROM or RCPT TO (RFC 5321, 4.5.3.1.3). */
#define SMTP_ADDR_MAX		254
#define SMTP_RCPT_MAX		32
/* User name and password, each without its NUL (RFC 4616 allows
 * 255 bytes for either). */
#define SMTP_SECRET_MAX		255
/* A subject longer than this is cut at a character and ends in
 * "...": it is our own text, and a cut alert still says what
 * happened. */
#define SMTP_SUBJECT_MAX	512
/* The built message: reports are a few KiB. */
#define SMTP_MSG_MAX		(1024 * 1024)
/* Quoted-printable lines, with the soft-break '=' (RFC 2045). */
#define SMTP_QP_LINE		76
/* Header lines, without the CRLF (RFC 5322, 2.1.1). */
#define SMTP_HEADER_LINE	78
/* The wait for the answer to QUIT, within the session's deadline. */
#define SMTP_QUIT_MS		1000

enum smtp_tls {
	SMTP_TLS_STARTTLS,	/* port 587 by default */
	SMTP_TLS_IMPLICIT,	/* port 465 by default */
	SMTP_TLS_NONE		/* port 25; loopback servers only */
};

/*
 * Where and how to send.  Strings are the caller's and outlive the
 * call.
 *
 * server is a DNS name for TLS (the certificate is checked against
 * it; an IP address is refused, see tls.h); with SMTP_TLS_NONE it must
 * be loopback: 127.0.0.0/8, ::1 or "localhost", and the address
 * actually connected is checked again, so a name that resolves
 * elsewhere is refused too.  port 0 means the default of tls.
 *
 * user NULL or "" means no AUTH.  from and every to[i] are bare
 * addresses (local@domain, printable ASCII, no "<>", at most
 * SMTP_ADDR_MAX bytes).  ca_file NULL means TLS_CA_FILE_DEFAULT.
 * helo_name NULL means this host's name when it is a dotted name,
 * else the address literal of the local end ("[192.0.2.7]").
 *
 * trace, when set, receives the transcript line by line: dir '>' for
 * what is sent, '<' for what the server says, '*' for events (state
 * changes, TLS up).  AUTH payloads show as "[REDACTED]" and the
 * message itself as one line with its size.
 */
struct smtp_opts {
	const char *server;
	unsigned port;
	enum smtp_tls tls;
	const char *user;
	const char *password;
	const char *from;
	const char *const *to;
	unsigned nto;		/* 1 .. SMTP_RCPT_MAX */
	int timeout_ms;		/* > 0: the session, see above */
	const char *ca_file;
	const char *helo_name;
	void (*trace)(void *ctx, char dir, const char *line);
	void *trace_ctx;
};

/*
 * The message.  subject and body are UTF-8 (a byte that starts no
 * valid sequence becomes '?', so that the declared charset holds);
 * body lines may end in LF, CRLF or CR, each one line break.
 * message_id_domain NULL means the domain of opts.from.
 */
struct smtp_msg {
	const char *subject;
	const char *body;
	const char *message_id_domain;
};

enum smtp_result {
	SMTP_SENT,
	SMTP_TEMPFAIL,		/* 4xx, network, timeout: retry later */
	SMTP_PERMFAIL		/* 5xx or configuration: will not work */
};

/*
 * Send m as o says (neither NULL; a NULL subject or body is empty).
 * why[n] tells what happened (NULL or 0 when not wanted), in words
 * that name the server, the step and, for an answer, the server's own
 * words, e.g.
 *   smtp.example.com:587 answered RCPT TO:<ops@example.com> with
 *     450 4.2.0 Greylisted, try again later
 *   timed out after 30000 ms while reading from smtp.example.com:587
 *     (state greeting)
 *   tls = none is allowed only to a loopback server, not "mx.example"
 * and, on SMTP_SENT, the server's answer to the message (it often
 * holds the queue id).  For the log, e.g.:
 *
 *	r = smtp_send(&o, &m, why, sizeof why);
 *	logx(r == SMTP_SENT ? LOG_INFO : LOG_WARNING, "mail to %s: %s: %s",
 *	    o.to[0], smtp_result_name(r), why);
 */
enum smtp_result smtp_send(const struct smtp_opts *o,
    const struct smtp_msg *m, char *why, size_t n);

/* "sent", "temporary failure", "permanent failure". */
const char *smtp_result_name(enum smtp_result r);

/* A trace function for smtp_opts.trace: each line to the log at
 * LOG_DEBUG as "smtp > EHLO host" (ctx unused). */
void smtp_trace_log(void *ctx, char dir, const char *line);

/*
 * Read the SMTP password: from file when file is set, else from the
 * systemd credential $CREDENTIALS_DIRECTORY/ansai-smtp-password when
 * it exists.  1 with pw[n] set (one line; a final LF or CRLF is
 * dropped, blanks are kept: they may belong to the password), 0 when
 * neither is set up, -1 with why[wn].  Refused: a file others may
 * read, or that is not a regular file, empty, longer than
 * SMTP_SECRET_MAX bytes or of more than one line.  The caller wipes
 * pw after use.
 */
#define SMTP_CRED_NAME	"ansai-smtp-password"
int smtp_password_load(const char *file, char *pw, size_t n, char *why,
    size_t wn);

/* ---- pure helpers, exposed for tests ---------------------------- */

/* Is host a loopback server: an IPv4 literal in 127.0.0.0/8, ::1 (or
 * ::ffff:127.x.y.z), or "localhost"?  No name is resolved. */
int smtp_is_loopback(const char *host);

/* Is a a bare address smtp_send accepts (see smtp_opts)? */
int smtp_addr_ok(const char *a);

/* Base64 (RFC 4648) of in[len] into out[n] with a NUL.  The length,
 * or -1 when out is too small. */
ssize_t smtp_b64(const void *in, size_t len, char *out, size_t n);

/*
 * The functions below that fill out[cap] work like snprintf: they
 * return the length the whole output needs, write as much as fits and
 * NUL-terminate when cap > 0.  The output is complete only when the
 * length returned is less than cap.
 */

/* Quoted-printable (RFC 2045, 6.7) of the UTF-8 text in: lines of at
 * most SMTP_QP_LINE bytes ending in CRLF; '=', control bytes, bytes
 * above 126 and a blank before a line break encoded; '.' kept (SMTP
 * dot-stuffing protects it).  Each LF, CRLF or CR ends a line; a
 * final line break adds no empty line; the output ends in CRLF unless
 * in is empty. */
size_t smtp_qp(const char *in, char *out, size_t cap);

/* The whole "Subject: ..." field with its CRLF.  Control bytes become
 * spaces.  Printable ASCII that folds at spaces into lines of at most
 * SMTP_HEADER_LINE bytes stays as it is; anything else becomes
 * RFC 2047 encoded-words "=?UTF-8?Q?...?=" of at most 75 bytes, each
 * holding whole characters, one per folded line, so that a reader
 * decodes exactly the subject given. */
size_t smtp_subject(const char *subject, char *out, size_t cap);

/* An RFC 5322 date in UTC: "Thu, 04 Dec 2025 17:11:00 +0000". */
void smtp_date(time_t t, char *out, size_t n);

/* A fresh "<TIME.PID.COUNT.RANDOM@domain>": 64 random bits from
 * getrandom (or /dev/urandom); unique through time, pid and a counter
 * even when no randomness is at hand.  0, or -1 when domain is not a
 * host name (letters, digits, '-', labels joined by '.') or out[n] is
 * too small. */
int smtp_message_id(const char *domain, char *out, size_t n);

/* The message as DATA carries it before dot-stuffing: headers (see
 * above) with date and message_id, a blank line, the body in
 * quoted-printable.  Only o->from, o->to and o->nto are used.  0 when
 * an address, the message id (it must look like "<x@y>") or nto is
 * not valid. */
size_t smtp_msg_build(const struct smtp_opts *o, const struct smtp_msg *m,
    time_t date, const char *message_id, char *out, size_t cap);

/* ---- replies ---------------------------------------------------- */

/* What EHLO offered, from its lines after the first. */
enum {
	SMTP_CAP_STARTTLS = 1 << 0,
	SMTP_CAP_AUTH_PLAIN = 1 << 1,
	SMTP_CAP_AUTH_LOGIN = 1 << 2,
	SMTP_CAP_8BITMIME = 1 << 3,
	SMTP_CAP_SIZE = 1 << 4,
	SMTP_CAP_PIPELINING = 1 << 5,
	SMTP_CAP_SMTPUTF8 = 1 << 6,
	SMTP_CAP_ENHANCED = 1 << 7	/* ENHANCEDSTATUSCODES */
};

struct smtp_caps {
	unsigned flags;
	uint64_t size_max;	/* SIZE N; 0 when none was given */
};

/* Add what one EHLO keyword line (the text after "250-" or "250 ")
 * offers: keywords and AUTH mechanisms in any case; "AUTH=..." as old
 * servers write it; unknown keywords ignored. */
void smtp_caps_line(struct smtp_caps *c, const char *text);

enum { SMTP_R_MORE, SMTP_R_DONE, SMTP_R_FAILED };

/*
 * A reply parser, pushed whatever bytes arrive, so that a reply split
 * anywhere across reads parses the same.  Lines end in CRLF (a bare LF
 * is taken too); a line is "NNN-text" (more follow) or "NNN text" or
 * "NNN" (the last), NNN from 200 to 599 and the same on every line.
 * Errors (state SMTP_R_FAILED, err set): a line too long, too many
 * lines, a control byte (NUL, bare CR, ESC...; tab is fine), a line
 * that is no reply (err quotes its start), a code that changes.
 * About 2.3 KiB; it may live on the stack.
 */
struct smtp_reply {
	int state;		/* SMTP_R_* */
	int code;		/* once a line is in */
	unsigned nlines;
	size_t len;		/* bytes in line[] */
	char line[SMTP_LINE_MAX];
	size_t tlen;		/* bytes in text[] */
	char text[SMTP_TEXT_MAX];	/* lines' text, '\n' between */
	int cut;		/* text ends in "...": more was said */
	struct smtp_caps caps;	/* from lines 2 and on */
	void (*on_line)(void *ctx, const char *line);
	void *ctx;
	char err[SMTP_ERR_MAX];
};

/* Start a reply.  on_line (may be NULL) sees each whole line, without
 * its CRLF, once checked. */
void smtp_reply_init(struct smtp_reply *r,
    void (*on_line)(void *ctx, const char *line), void *ctx);

/* Push buf[len]; the bytes used.  It stops at the end of a reply:
 * what follows belongs to the next one.  Check r->state after. */
size_t smtp_reply_feed(struct smtp_reply *r, const void *buf, size_t len);

#endif
