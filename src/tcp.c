/* tcp.c - see tcp.h. */
#include "tcp.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <strings.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
probe(const struct sockaddr *sa, socklen_t len, int timeout_ms)
{
	struct pollfd pfd;
	int fd, err = 0, ok = 0;
	socklen_t el = sizeof err;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return 0;
	if (connect(fd, sa, len) == 0) {
		ok = 1;
	} else if (errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, timeout_ms) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 &&
		    err == 0)
			ok = 1;
	}
	close(fd);
	return ok;
}

int
tcp_probe_local(unsigned port, int timeout_ms)
{
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;

	memset(&v4, 0, sizeof v4);
	v4.sin_family = AF_INET;
	v4.sin_port = htons((unsigned short)port);
	v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (probe((struct sockaddr *)&v4, sizeof v4, timeout_ms / 2))
		return 1;
	memset(&v6, 0, sizeof v6);
	v6.sin6_family = AF_INET6;
	v6.sin6_port = htons((unsigned short)port);
	v6.sin6_addr = in6addr_loopback;
	return probe((struct sockaddr *)&v6, sizeof v6, timeout_ms / 2);
}

/* strerror as a clause: "Connection refused" -> "connection refused".
 * An acronym ("I/O error") keeps its capital. */
static void
reason(char *buf, size_t n, int err)
{
	str_copy(buf, n, strerror(err));
	if (isupper((unsigned char)buf[0]) &&
	    islower((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
}

static int
fail_errno(struct tcp_conn *c, const char *what, int err)
{
	char why[96];

	reason(why, sizeof why, err);
	str_fmt(c->err, sizeof c->err, "%s %s: %s", what, c->peer, why);
	return -1;
}

/* N in "timed out after N ms" is the budget the caller gave, not the
 * time spent, so that the message matches the configuration. */
static int
fail_timeout(struct tcp_conn *c, const char *doing)
{
	int64_t budget = c->deadline_ms - c->start_ms;

	str_fmt(c->err, sizeof c->err, "timed out after %lld ms while %s %s",
	    (long long)(budget > 0 ? budget : 0), doing, c->peer);
	return -1;
}

/* Wait until fd is ready for events or until the monotonic time until.
 * 1 ready, 0 timed out, -1 with errno.  Signals do not end the wait:
 * the time left is recomputed and poll called again. */
static int
poll_until(int fd, short events, int64_t until)
{
	struct pollfd p;

	p.fd = fd;
	p.events = events;
	for (;;) {
		int64_t left = until - mono_ms();
		int r;

		if (left <= 0)
			return 0;
		p.revents = 0;
		r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* Wait on the connection's deadline; 0 ready, -1 with c->err set. */
static int
wait_ready(struct tcp_conn *c, short events, const char *doing,
    const char *what)
{
	int r = poll_until(c->fd, events, c->deadline_ms);

	if (r > 0)
		return 0;
	if (r == 0)
		return fail_timeout(c, doing);
	return fail_errno(c, what, errno);
}

static void
set_peer(struct tcp_conn *c, const char *host, const char *port)
{
	/* An IPv6 literal is bracketed so that the port stays apart. */
	if (strchr(host, ':') != NULL)
		str_fmt(c->peer, sizeof c->peer, "[%s]:%s", host, port);
	else
		str_fmt(c->peer, sizeof c->peer, "%s:%s", host, port);
}

/* Literal addresses first, with AI_NUMERICHOST, so that no resolver
 * (no /etc/hosts, no DNS) is involved for them. */
static int
resolve(struct tcp_conn *c, const char *host, const char *port,
    struct addrinfo **res)
{
	struct addrinfo hints;
	int r;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	r = getaddrinfo(host, port, &hints, res);
	if (r == EAI_NONAME) {
		hints.ai_flags = AI_NUMERICSERV;
		r = getaddrinfo(host, port, &hints, res);
	}
	if (r != 0) {
		char why[96];

		if (r == EAI_SYSTEM)
			reason(why, sizeof why, errno);
		else
			str_copy(why, sizeof why, gai_strerror(r));
		str_fmt(c->err, sizeof c->err, "resolve %s: %s", host, why);
		return -1;
	}
	if (mono_ms() >= c->deadline_ms) {
		freeaddrinfo(*res);
		return fail_timeout(c, "resolving");
	}
	return 0;
}

/* One non-blocking connect bounded by until.  The connected socket, or
 * -1 with *err an errno value (ETIMEDOUT when until passed). */
static int
try_addr(const struct addrinfo *ai, int64_t until, int *err)
{
	socklen_t el = sizeof *err;
	int fd, r;

	fd = socket(ai->ai_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		*err = errno;
		goto fail;
	}
	r = poll_until(fd, POLLOUT, until);
	if (r <= 0) {
		*err = r == 0 ? ETIMEDOUT : errno;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &el) < 0)
		*err = errno;
	if (*err == 0)
		return fd;
fail:
	close(fd);
	return -1;
}

static void
addr_text(const struct addrinfo *ai, char *buf, size_t n)
{
	const void *a;

	if (ai->ai_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
	else
		a = &((const struct sockaddr_in *)ai->ai_addr)->sin_addr;
	if (inet_ntop(ai->ai_family, a, buf, (socklen_t)n) == NULL)
		str_copy(buf, n, "?");
}

/* Report the last address's failure: for a literal the peer says it
 * all; for a name, the address tried is added. */
static int
fail_connect(struct tcp_conn *c, const struct addrinfo *ai, int err,
    int literal)
{
	char why[96], addr[INET6_ADDRSTRLEN];

	if (err == ETIMEDOUT && mono_ms() >= c->deadline_ms)
		return fail_timeout(c, "connecting to");
	reason(why, sizeof why, err);
	if (literal) {
		str_fmt(c->err, sizeof c->err, "connect to %s: %s", c->peer,
		    why);
		return -1;
	}
	addr_text(ai, addr, sizeof addr);
	str_fmt(c->err, sizeof c->err, "connect to %s (%s): %s", c->peer,
	    addr, why);
	return -1;
}

static int
connect_any(struct tcp_conn *c, const struct addrinfo *res, int literal)
{
	const struct addrinfo *ai, *last = res;
	size_t left = 0;
	int err = 0;

	for (ai = res; ai != NULL; ai = ai->ai_next)
		left++;
	for (ai = res; ai != NULL; ai = ai->ai_next, left--) {
		int64_t now = mono_ms(), share;

		if (now >= c->deadline_ms)
			break;
		share = (c->deadline_ms - now) / (int64_t)left;
		c->fd = try_addr(ai, now + share, &err);
		if (c->fd >= 0)
			return 0;
		last = ai;
	}
	if (err == 0)
		err = ETIMEDOUT;
	return fail_connect(c, last, err, literal);
}

static int
is_literal(const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
}

int
tcp_connect(struct tcp_conn *c, const char *host, const char *port,
    int64_t deadline_ms)
{
	struct addrinfo *res = NULL;
	uint64_t pn;
	int r;

	c->fd = -1;
	c->start_ms = mono_ms();
	c->deadline_ms = deadline_ms;
	c->err[0] = '\0';
	if (strlen(host) >= TCP_HOST_MAX || *host == '\0') {
		str_copy(c->peer, sizeof c->peer, "?");
		str_fmt(c->err, sizeof c->err,
		    "connect: host name empty or longer than %d bytes",
		    TCP_HOST_MAX - 1);
		return -1;
	}
	set_peer(c, host, port);
	if (parse_u64(port, 65535, &pn) < 0 || pn == 0) {
		str_fmt(c->err, sizeof c->err,
		    "connect to %s: port must be a number from 1 to 65535",
		    c->peer);
		return -1;
	}
	if (resolve(c, host, port, &res) < 0)
		return -1;
	r = connect_any(c, res, is_literal(host));
	freeaddrinfo(res);
	return r;
}

void
tcp_set_deadline(struct tcp_conn *c, int64_t deadline_ms)
{
	c->start_ms = mono_ms();
	c->deadline_ms = deadline_ms;
}

/* Checked before every read and write, not only when the socket would
 * block: a peer that drips a byte at a time must not outlive the
 * deadline. */
static int
check_open(struct tcp_conn *c, const char *doing)
{
	if (c->fd < 0) {
		str_fmt(c->err, sizeof c->err, "%s %s: not connected", doing,
		    c->peer);
		return -1;
	}
	if (mono_ms() >= c->deadline_ms)
		return fail_timeout(c, doing);
	return 0;
}

ssize_t
tcp_read(struct tcp_conn *c, void *buf, size_t len)
{
	if (check_open(c, "reading from") < 0)
		return -1;
	for (;;) {
		ssize_t r = recv(c->fd, buf, len, 0);

		if (r > 0)
			return r;
		if (r == 0) {
			str_fmt(c->err, sizeof c->err,
			    "%s closed the connection", c->peer);
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return fail_errno(c, "read from", errno);
		if (wait_ready(c, POLLIN, "reading from", "read from") < 0)
			return -1;
	}
}

int
tcp_write_all(struct tcp_conn *c, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w;

		if (check_open(c, "writing to") < 0)
			return -1;
		/* send, not write: MSG_NOSIGNAL turns SIGPIPE into EPIPE. */
		w = send(c->fd, p, len, MSG_NOSIGNAL);
		if (w >= 0) {
			p += w;
			len -= (size_t)w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return fail_errno(c, "write to", errno);
		if (wait_ready(c, POLLOUT, "writing to", "write to") < 0)
			return -1;
	}
	return 0;
}

void
tcp_close(struct tcp_conn *c)
{
	if (c == NULL || c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
}

int
tcp_host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (host == NULL)
		return 0;
	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

