/* tcp.c - see tcp.h. */
#include "tcp.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
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
