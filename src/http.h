/*
 * http.h - an HTTP/1.1 client that does not know its transport.
 *
 * The caller connects (TCP, or TLS over TCP) and hands over a struct
 * http_io; http_exchange() writes one request with "Connection: close"
 * and reads one response through it.  Nothing allocates: the response
 * context holds the one line buffer and the body goes into a buffer
 * the caller sizes.  Deadlines belong to the transport: its read and
 * write_all fail when time is up, and every byte the server can make
 * us read is bounded (line length, line count, body cap), so a hostile
 * or broken server costs at most the deadline.
 *
 * Over tcp.h, for instance (tls.h alike, its why buffer in the ctx):
 *
 *	static ssize_t rd(void *c, void *b, size_t n)
 *	{ return tcp_read(c, b, n); }
 *	static int wr(void *c, const void *b, size_t n)
 *	{ return tcp_write_all(c, b, n); }
 *	static const char *why(void *c)
 *	{ return ((struct tcp_conn *)c)->err; }
 *	...
 *	struct http_io io = { &conn, rd, wr, why };
 *	http_resp_init(&resp, body, sizeof body);
 *	if (http_exchange(&io, &req, &resp) < 0)
 *		logx(LOG_ERR, "%s: %s", shown_url, resp.errmsg);
 *
 * The response side is a push parser, an explicit state machine fed
 * whatever bytes arrive (http_resp_feed), so that it behaves the same
 * however the stream is split; tests drive it without any transport.
 *
 *	STATUS -> HEADERS -+-> BODY_LENGTH ----------------------> DONE
 *	   ^               +-> BODY_EOF ------------(server closes)-> DONE
 *	   |  (1xx)        +-> CHUNK_SIZE <-> CHUNK_DATA, CHUNK_END
 *	   +---------------+       \-> (size 0) TRAILER ----------> DONE
 *	                   +-> DONE (HEAD, 204, 304, Content-Length: 0)
 *	any state -> FAILED
 *
 * What the parser accepts and refuses (RFC 9110, 9112):
 *  - lines end in CRLF or a bare LF; any other control byte (NUL, a
 *    bare CR, ESC...) in the status line, a header or a chunk line is
 *    an error, so nothing hostile reaches a log or a terminal;
 *  - "HTTP/1.x NNN reason", the reason may be empty or missing;
 *  - header folding (a line starting with a space or tab continues the
 *    previous one) is joined with one space; a header block that
 *    starts with white space, a line without ':', a name that is not a
 *    token and white space before ':' are errors;
 *  - 1xx interim answers (100 Continue, 103 Early Hints) are skipped,
 *    at most HTTP_INTERIM_MAX of them; 101 is an error;
 *  - body framing: none for HEAD, 204, 304; else Transfer-Encoding
 *    "chunked" (extensions ignored, trailers read and ignored; it wins
 *    over Content-Length); else Content-Length (a list of equal values
 *    is one value, different values are an error); else up to the
 *    close of the connection.  Any other transfer coding, and any
 *    Content-Encoding but identity, is an error: we ask for neither;
 *  - bytes after a complete response are ignored (the connection is
 *    closed anyway), so a server sending more than its Content-Length
 *    yields that many bytes; one sending fewer is an error.  Reading
 *    stops as soon as a framed response is complete, so a TLS server
 *    that then drops the connection without close_notify does no
 *    harm; a body that ends with the close needs a clean close, or the
 *    transport's read fails (the body may have been cut);
 *  - Retry-After: delta-seconds, or an HTTP-date in any of the three
 *    forms (IMF-fixdate, RFC 850, asctime) turned into seconds from
 *    http_resp.now; anything else is ignored (-1), not an error.
 */
#ifndef ANSAI_HTTP_H
#define ANSAI_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bytes in one status, header (after folding), chunk-size or trailer
 * line without its CRLF, and in the whole request head.  8 KiB is what
 * nginx and most servers allow for a header line; API answers use a
 * few hundred bytes. */
#define HTTP_LINE_MAX		8192
/* Header lines per header or trailer block; Apache's default limit. */
#define HTTP_HEADERS_MAX	100
/* 1xx answers before the real one; a server needs one or two. */
#define HTTP_INTERIM_MAX	8
/* Kept copies for display: longer reasons are cut (with "..."). */
#define HTTP_REASON_MAX		64
/* The media type of Content-Type, e.g. "application/json"; a longer
 * or malformed one is not kept (content_type stays ""). */
#define HTTP_CTYPE_MAX		128
#define HTTP_ERR_MAX		192
/* Host names: DNS allows 253 characters. */
#define HTTP_HOST_MAX		256
/* "[" host "]:65535" */
#define HTTP_AUTHORITY_MAX	(HTTP_HOST_MAX + 8)
#define HTTP_PATH_MAX		1024
/* Retry-After above 2^31 seconds counts as 2^31 (RFC 9110, 1.2.2). */
#define HTTP_RETRY_MAX		2147483648LL
/* Bytes http_exchange reads at a time, on its stack. */
#define HTTP_READ_CHUNK		2048

/*
 * The transport.  read returns 1..n bytes, 0 at the end of the stream
 * (the server closed), -1 on error or timeout; write_all returns 0
 * when all n bytes went out, else -1.  error (may be NULL) gives the
 * transport's words for its last failure, e.g. "timed out after 10 s",
 * so that http's messages can carry them.  Writes to a closed socket
 * must not raise SIGPIPE (MSG_NOSIGNAL): that is the transport's job.
 */
struct http_io {
	void		*ctx;
	ssize_t		(*read)(void *ctx, void *buf, size_t n);
	int		(*write_all)(void *ctx, const void *buf, size_t n);
	const char	*(*error)(void *ctx);
};

struct http_header {
	const char	*name;
	const char	*value;
};

/*
 * One request.  method is a token ("GET", "POST"); authority is the
 * Host header (struct http_url.authority); path the origin-form target
 * ("/v1/chat/completions?x=1"), printable ASCII without spaces.  The
 * client itself sends Host, User-Agent: ansai/VERSION, Accept-Encoding:
 * identity, Content-Length (when body is not NULL: pass "" and 0 for
 * an empty POST) and Connection: close; headers naming one of these
 * are refused, as are names that are not tokens and values holding
 * CR, LF or other control bytes (header injection).  Values are never
 * echoed in errors or the transcript when the name is Authorization,
 * Proxy-Authorization, Cookie, X-Api-Key or Api-Key.
 */
struct http_request {
	const char			*method;
	const char			*authority;
	const char			*path;
	const struct http_header	*headers;
	size_t				nheaders;
	const void			*body;
	size_t				body_len;
};

enum http_state {
	HTTP_S_STATUS,		/* reading the status line */
	HTTP_S_HEADERS,		/* reading header lines */
	HTTP_S_BODY_LENGTH,	/* body of Content-Length bytes */
	HTTP_S_BODY_EOF,	/* body up to the close */
	HTTP_S_CHUNK_SIZE,	/* chunk-size [; extensions] line */
	HTTP_S_CHUNK_DATA,	/* chunk bytes */
	HTTP_S_CHUNK_END,	/* the CRLF after a chunk */
	HTTP_S_TRAILER,		/* trailer lines after the last chunk */
	HTTP_S_DONE,		/* a complete response */
	HTTP_S_FAILED		/* see err and errmsg */
};

enum http_err {
	HTTP_E_NONE,
	HTTP_E_REQUEST,		/* the request is invalid; nothing sent */
	HTTP_E_IO,		/* the transport failed or timed out */
	HTTP_E_CLOSED,		/* the server closed mid-response */
	HTTP_E_PROTOCOL,	/* the response is malformed */
	HTTP_E_TOOBIG		/* over the body cap or a limit above */
};

/* http_resp_feed and http_resp_eof return one of these. */
enum { HTTP_FAIL = -1, HTTP_MORE = 0, HTTP_DONE = 1 };

/*
 * The --debug transcript: dir is '>' for a request line, '<' for a
 * response line, '*' for the client's notes (state changes, sizes,
 * errors).  Lines come without CRLF, cut to 200 bytes, bytes outside
 * printable ASCII shown as '?'.  Secrets are redacted: the values of
 * the headers named at struct http_request and Set-Cookie, and the
 * request path past its first segment, as http_url_show shows it.
 */
typedef void (*http_trace_fn)(void *ctx, char dir, const char *line);

/*
 * The response and the parser's state.  Put it wherever the caller
 * likes (it is about 8.5 KiB), call http_resp_init, then http_exchange
 * or, without a transport, http_resp_feed and http_resp_eof.
 */
struct http_resp {
	/* Results, final once the state is HTTP_S_DONE. */
	int		status;		/* 100-599 */
	int		minor;		/* HTTP/1.minor */
	char		reason[HTTP_REASON_MAX];
	char		content_type[HTTP_CTYPE_MAX];	/* lower case */
	/* Retry-After in seconds from now (a date in the past gives 0);
	 * -1 when absent or not understood. */
	int64_t		retry_after;
	/* The caller's buffer, always NUL-terminated; after an error it
	 * holds what arrived before it, up to the cap. */
	char		*body;
	size_t		body_len;
	/* Why it failed: a sentence a user can act on. */
	enum http_err	err;
	char		errmsg[HTTP_ERR_MAX];
	/* Set by the caller after http_resp_init when wanted. */
	http_trace_fn	trace;
	void		*trace_ctx;
	int64_t		now;	/* Retry-After dates; init sets time() */
	/* The request was HEAD: no body follows.  http_exchange sets it
	 * from the method; callers of http_resp_feed set it themselves. */
	int		head;

	/* Private. */
	enum http_state	state;
	size_t		body_cap;
	uint64_t	remain;		/* bytes left of the body or chunk */
	uint64_t	clen;
	int		have_clen;
	int		chunked;
	unsigned	nlines;		/* lines in this header block */
	unsigned	ninterim;
	size_t		line_len;
	size_t		line_start;	/* where the line after a header
					 * that may be folded starts */
	char		line[HTTP_LINE_MAX + 2];	/* + CR, NUL */
};

/*
 * Ready r to receive a response whose body goes into body[cap]: at
 * most cap - 1 bytes, NUL-terminated.  A longer body is an error
 * ("response body larger than N bytes"), never a cut one.
 */
void http_resp_init(struct http_resp *r, char *body, size_t cap);

/*
 * Push len received bytes.  HTTP_MORE: all used, more needed;
 * HTTP_DONE: complete, *used (may be NULL) bytes were part of it and
 * the rest is to be ignored; HTTP_FAIL: see r->err and r->errmsg.
 * After DONE or FAIL, further calls change nothing.
 */
int http_resp_feed(struct http_resp *r, const void *data, size_t len,
    size_t *used);
/* The server closed the connection: HTTP_DONE when that ends the
 * response (body up to the close), else HTTP_FAIL with the reason. */
int http_resp_eof(struct http_resp *r);

/*
 * Write the request head (not the body) into buf[n], NUL-terminated;
 * *len gets its length.  0, or -1 with a message in err[errn] naming
 * what is wrong (never a secret value).
 */
int http_request_head(const struct http_request *req, char *buf, size_t n,
    size_t *len, char *err, size_t errn);

/*
 * Send req and read the response into r (after http_resp_init).  0
 * when a complete response arrived, whatever its status; -1 with
 * r->err and r->errmsg otherwise.  When sending fails the response is
 * still read, as a server may answer (413, 401) before taking the
 * whole body and then close; the send error is reported only if no
 * complete response comes.
 */
int http_exchange(const struct http_io *io, const struct http_request *req,
    struct http_resp *r);

/* "STATUS", "HEADERS", ... for the transcript. */
const char *http_state_name(enum http_state s);

/*
 * URLs.  Only http:// and https:// (scheme in any case).  The host is
 * a DNS name or IPv4 address (letters, digits, '-', '.', '_'; stored
 * in lower case) or an IPv6 address in brackets (zone IDs refused);
 * the port 1-65535, 80 or 443 when absent; the path keeps the query
 * and drops the fragment, "/" when empty.  Spaces, control and
 * non-ASCII bytes are refused anywhere: percent-encode them.
 *
 * A URL with userinfo (user:password@host) is refused, never parsed
 * and never echoed: credentials belong in a header (api key setting),
 * where the transcript redacts them.  The error texts never quote the
 * URL, since it may hold a secret.
 */
enum http_url_err {
	HTTP_URL_OK,
	HTTP_URL_SCHEME,
	HTTP_URL_USERINFO,
	HTTP_URL_HOST,
	HTTP_URL_PORT,
	HTTP_URL_PATH,
	HTTP_URL_TOOLONG
};

struct http_url {
	int		tls;			/* https */
	char		host[HTTP_HOST_MAX];	/* IPv6 without brackets */
	unsigned	port;
	/* For the Host header: host, [v6], ":port" unless default. */
	char		authority[HTTP_AUTHORITY_MAX];
	char		path[HTTP_PATH_MAX];
};

/* Returns HTTP_URL_OK or the reason; *u is zeroed on error. */
int http_parse_url(const char *url, struct http_url *u);
const char *http_url_strerror(int err);
/*
 * u for messages, without what may be secret: the query and every
 * path segment after the first ("https://hooks.slack.com/services/...",
 * as a webhook's path is its key).  Cut to fit out[n].
 */
void http_url_show(const struct http_url *u, char *out, size_t n);

#endif
