/*
 * tcp.h - TCP client pieces: the local liveness probe used to verify
 * that a healed service accepts connections again, and a client
 * connection for the AI and alert features in which every step ends
 * by one overall deadline.
 */
#ifndef ANSAI_TCP_H
#define ANSAI_TCP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Does anything accept a TCP connection on 127.0.0.1:port or, failing
 * that, [::1]:port within timeout_ms (split between the two)?  1 yes,
 * 0 no.  The connection is closed at once; nothing is sent. */
int tcp_probe_local(unsigned port, int timeout_ms);

/* A DNS name is at most 253 bytes; an IPv6 literal with a zone index
 * is shorter. */
#define TCP_HOST_MAX	256
/* "[" HOST "]:" PORT */
#define TCP_PEER_MAX	(TCP_HOST_MAX + 8)
/* The longest message: peer, address, reason. */
#define TCP_ERR_MAX	(TCP_PEER_MAX + 160)

/*
 * A client connection, owned by the caller (about 700 bytes; it may
 * live on the stack).  tcp_connect fills every field; after it returns,
 * success or not, tcp_close is safe to call.
 *
 * deadline_ms is absolute, on CLOCK_MONOTONIC (see mono_ms in util.h):
 * connecting, and then every tcp_read and tcp_write_all, fail with
 * "timed out after N ms while ..." once it has passed, N being the time
 * from tcp_connect (or tcp_set_deadline) to the deadline.  No call
 * blocks past it, with one exception: name resolution (below).
 *
 * err holds the last failure in words that name the operation and the
 * peer, e.g. "connect to 127.0.0.1:443: connection refused".
 */
struct tcp_conn {
	int fd;			/* non-blocking socket, -1 when closed */
	int64_t start_ms;	/* when the current deadline was set */
	int64_t deadline_ms;
	char peer[TCP_PEER_MAX];	/* "host:port" as the caller gave */
	char err[TCP_ERR_MAX];
};

/*
 * Connect to host (a name, an IPv4 or an IPv6 literal without
 * brackets) on port (decimal, "1" to "65535"; no service names, so
 * /etc/services is never read).  0, or -1 with c->err set.
 *
 * A literal address is parsed without any resolver.  A name goes
 * through getaddrinfo (IPv4 and IPv6), which cannot be bounded: musl
 * offers no asynchronous resolver, and its resolver waits for the
 * timeout and attempts of /etc/resolv.conf (by default 5 s x 2).  The
 * deadline is checked after it returns.  The addresses are then tried
 * in order, each given an equal share of the time left, so that one
 * that never answers does not use up the whole deadline.
 */
int tcp_connect(struct tcp_conn *c, const char *host, const char *port,
    int64_t deadline_ms);

/* Give the following calls a new absolute deadline. */
void tcp_set_deadline(struct tcp_conn *c, int64_t deadline_ms);

/* Read at most len bytes (len > 0).  The byte count, 0 when the peer
 * closed the connection, or -1 with c->err set. */
ssize_t tcp_read(struct tcp_conn *c, void *buf, size_t len);

/* Write all of buf.  0, or -1 with c->err set.  A peer that has gone
 * raises no SIGPIPE: the write fails with EPIPE. */
int tcp_write_all(struct tcp_conn *c, const void *buf, size_t len);

/* Close the socket if open; safe on NULL and to call twice. */
void tcp_close(struct tcp_conn *c);

/* Is host "localhost" (any case) or a loopback address: 127.0.0.0/8,
 * ::1, or ::ffff:127.x.y.z?  Names other than localhost are not
 * resolved: "127.evil.example" is not loopback. */
int tcp_host_is_loopback(const char *host);

#endif
