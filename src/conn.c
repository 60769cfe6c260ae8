/* conn.c - see conn.h. */
#include "conn.h"
#include "tcp.h"
#include "tls.h"
#include "util.h"

#include <string.h>

struct link {
	struct tcp_conn tcp;
	struct tls_conn *tls;	/* NULL for plain http */
	char why[256];
};

static ssize_t
link_read(void *ctx, void *buf, size_t n)
{
	struct link *l = ctx;
	ssize_t r;

	if (l->tls != NULL)
		return tls_read(l->tls, buf, n, l->why, sizeof l->why);
	r = tcp_read(&l->tcp, buf, n);
	if (r < 0)
		str_copy(l->why, sizeof l->why, l->tcp.err);
	return r;
}

static int
link_write(void *ctx, const void *buf, size_t n)
{
	struct link *l = ctx;

	if (l->tls != NULL)
		return tls_write_all(l->tls, buf, n, l->why, sizeof l->why);
	if (tcp_write_all(&l->tcp, buf, n) < 0) {
		str_copy(l->why, sizeof l->why, l->tcp.err);
		return -1;
	}
	return 0;
}

static const char *
link_error(void *ctx)
{
	return ((struct link *)ctx)->why;
}

int
conn_http(const struct http_url *u, const char *ca_file, int64_t deadline,
    const struct http_request *req, struct http_resp *r, char *why,
    size_t n)
{
	/* One exchange per process at a time: its 41 KiB of TLS buffers
	 * stay out of the stack. */
	static struct tls_conn tls;
	struct tls_trust *trust = NULL;
	struct link l;
	struct http_io io = { &l, link_read, link_write, link_error };
	char port[8];
	int rc = -1;

	memset(&l, 0, sizeof l);
	str_fmt(port, sizeof port, "%u", u->port);
	if (tcp_connect(&l.tcp, u->host, port, deadline) < 0) {
		str_copy(why, n, l.tcp.err);
		return -1;
	}
	if (u->tls) {
		if (tls_trust_load(&trust, ca_file, why, n) < 0)
			goto out;
		if (tls_connect(&tls, &l.tcp, trust, u->host, why, n) < 0)
			goto out;
		l.tls = &tls;
	}
	if (http_exchange(&io, req, r) < 0) {
		str_copy(why, n, r->errmsg);
		goto out;
	}
	rc = 0;
out:
	if (l.tls != NULL)
		tls_close(l.tls);
	tls_trust_free(trust);
	tcp_close(&l.tcp);
	return rc;
}

