/*
 * portload.c - socket load for test/bench/port_bench.sh (loopback only).
 *
 *   portload NPROCS NSOCKETS EXTRA_FDS LIFETIME_SEC
 *
 * Forks NPROCS children that together hold NSOCKETS TCP sockets on
 * 127.0.0.1 and ::1: listeners on ephemeral ports plus established
 * connection pairs (client and accepted end, both in the same child),
 * so /proc/net/tcp{,6} get about NSOCKETS rows.  Each child also holds
 * EXTRA_FDS pipe ends and open files so /proc/PID/fd is not trivial.
 * Child NPROCS/2 additionally listens on 127.0.0.1:0, the target.
 *
 * When every child is set up, prints one line on stdout:
 *   ready port=P pid=PID procs=N sockets=S fds=F
 * (P the target port, PID the child holding it, S sockets created,
 * F fds held by the children in all) and then waits.
 *
 * Bounded: the leader makes itself a process group, kills and reaps all
 * children on SIGTERM, SIGINT, SIGHUP or after LIFETIME_SEC (SIGALRM),
 * and dies with its parent (PR_SET_PDEATHSIG); children die with the
 * leader the same way and carry their own alarm as a backstop.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PROCS	4096

struct report {			/* one per child, < PIPE_BUF: atomic */
	int	idx;
	int	err;		/* 0 ok, else errno */
	int	step;		/* what failed, see step_name */
	int	port;		/* target port, or 0 */
	int	nsock;
	int	nfds;
};

static const char *const step_name[] = {
	"ok", "socket", "bind", "listen", "getsockname", "connect",
	"accept", "pipe", "open", "setup"
};

static pid_t	kids[MAX_PROCS];
static volatile sig_atomic_t nkids;

static void
die(const char *what)
{
	fprintf(stderr, "portload: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Leader: kill and reap every child, then go.  Async-signal-safe. */
static void
reap_all(int status)
{
	int i, n = nkids;

	for (i = 0; i < n; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	_exit(status);
}

static void
on_signal(int sig)
{
	reap_all(sig == SIGALRM || sig == SIGTERM ? 0 : 128 + sig);
}

/* A listener on loopback, port 0; returns fd or -1 (*step says where). */
static int
listener(int fam, int *step)
{
	struct sockaddr_in	 a4;
	struct sockaddr_in6	 a6;
	int			 fd, one = 1;

	if ((fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		*step = 1;
		return -1;
	}
	if (fam == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (fam == AF_INET) {
		memset(&a4, 0, sizeof(a4));
		a4.sin_family = AF_INET;
		a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fd, (struct sockaddr *)&a4, sizeof(a4)) < 0) {
			*step = 2;
			return -1;
		}
	} else {
		memset(&a6, 0, sizeof(a6));
		a6.sin6_family = AF_INET6;
		a6.sin6_addr = in6addr_loopback;
		if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)) < 0) {
			*step = 2;
			return -1;
		}
	}
	if (listen(fd, 64) < 0) {
		*step = 3;
		return -1;
	}
	return fd;
}

/* Connect to listener lfd and accept: two established sockets. */
static int
pair(int lfd, int *step)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	int			 cfd, afd;

	if (getsockname(lfd, (struct sockaddr *)&ss, &len) < 0) {
		*step = 4;
		return -1;
	}
	if ((cfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		*step = 1;
		return -1;
	}
	if (connect(cfd, (struct sockaddr *)&ss, len) < 0) {
		*step = 5;
		return -1;
	}
	if ((afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		*step = 6;
		return -1;
	}
	return 0;
}

static void
child(int idx, int nsock, int extra, int target, int lifetime, int wfd)
{
	struct report	 r;
	struct sockaddr_in a;
	socklen_t	 len = sizeof(a);
	int		 lfd[64], nl, nc, i, fd, p[2], step = 0;

	memset(&r, 0, sizeof(r));
	r.idx = idx;
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN);	/* the leader decides */
	signal(SIGHUP, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	alarm((unsigned)lifetime + 10);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1) {
		step = 9;
		goto fail;
	}
	/* About one socket in five listens, the rest are in pairs. */
	nl = (nsock + 4) / 5;
	if (nl < 1)
		nl = 1;
	if (nl > 64)
		nl = 64;
	if ((nsock - nl) % 2 != 0 && nl < 64)
		nl++;
	nc = (nsock - nl) / 2;
	for (i = 0; i < nl; i++) {
		/* Two in three on IPv4, the rest on ::1. */
		lfd[i] = listener(i % 3 == 2 ? AF_INET6 : AF_INET, &step);
		if (lfd[i] < 0)
			goto fail;
		r.nsock++;
	}
	for (i = 0; i < nc; i++) {
		if (pair(lfd[i % nl], &step) < 0)
			goto fail;
		r.nsock += 2;
	}
	if (target) {
		if ((fd = listener(AF_INET, &step)) < 0)
			goto fail;
		if (getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
			step = 4;
			goto fail;
		}
		r.port = ntohs(a.sin_port);
		r.nsock++;
	}
	/* Pipes and files: one open file for every four fds. */
	for (i = 0; i < extra; ) {
		if (i % 4 == 0) {
			if (open(i % 8 == 0 ? "/dev/null" : "/proc/self/stat",
			    O_RDONLY | O_CLOEXEC) < 0) {
				step = 8;
				goto fail;
			}
			i++;
		} else {
			if (pipe2(p, O_CLOEXEC) < 0) {
				step = 7;
				goto fail;
			}
			i += 2;
		}
	}
	r.nfds = r.nsock + i;
	if (write(wfd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	close(wfd);
	for (;;)
		pause();
fail:
	r.err = errno != 0 ? errno : EIO;
	r.step = step;
	(void)!write(wfd, &r, sizeof(r));
	_exit(1);
}

static int
num(const char *s, int lo, int hi, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < lo || v > hi) {
		fprintf(stderr, "portload: %s must be %d..%d: %s\n", what,
		    lo, hi, s);
		exit(2);
	}
	return (int)v;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct rlimit	 rl;
	struct report	 r;
	rlim_t		 need;
	pid_t		 pid, target_pid = 0;
	int		 nprocs, nsock, extra, lifetime, per, rem, i, p[2];
	int		 port = 0, got = 0, total = 0, fds = 0;
	ssize_t		 n;

	if (argc != 5) {
		fprintf(stderr, "usage: portload NPROCS NSOCKETS EXTRA_FDS "
		    "LIFETIME_SEC\n");
		return 2;
	}
	nprocs = num(argv[1], 1, MAX_PROCS, "NPROCS");
	nsock = num(argv[2], nprocs, 200000, "NSOCKETS");
	extra = num(argv[3], 0, 10000, "EXTRA_FDS");
	lifetime = num(argv[4], 1, 3600, "LIFETIME_SEC");
	per = nsock / nprocs;
	rem = nsock % nprocs;
	if (per + 1 > 64 * 5) {
		fprintf(stderr, "portload: too many sockets per process\n");
		return 2;
	}

	/* Own process group, so the caller can kill the lot at once. */
	if (getpgrp() != getpid() && setpgid(0, 0) < 0)
		die("setpgid");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		die("prctl");
	if (getppid() == 1)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)lifetime);

	/* Each child: its sockets, its extra fds, stdio and some slack. */
	need = (rlim_t)per + 1 + 1 + (rlim_t)extra + 2 + 16;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	if (rl.rlim_cur < need) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
			fprintf(stderr, "portload: need %llu fds per process, "
			    "hard limit is %llu\n", (unsigned long long)need,
			    (unsigned long long)rl.rlim_max);
			return 1;
		}
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			die("setrlimit");
	}

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe");
	for (i = 0; i < nprocs; i++) {
		sigset_t all, old;

		/* No handler may run between fork and recording the pid. */
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, &old);
		pid = fork();
		if (pid == 0) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			close(p[0]);
			child(i, per + (i < rem), extra, i == nprocs / 2,
			    lifetime, p[1]);
		}
		if (pid < 0) {
			fprintf(stderr, "portload: fork #%d: %s\n", i,
			    strerror(errno));
			reap_all(1);
		}
		kids[i] = pid;
		nkids = i + 1;
		if (i == nprocs / 2)
			target_pid = pid;
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	close(p[1]);
	while (got < nprocs) {
		n = read(p[0], &r, sizeof(r));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(r)) {
			fprintf(stderr, "portload: a child died during "
			    "setup\n");
			reap_all(1);
		}
		if (r.err != 0) {
			fprintf(stderr, "portload: child %d: %s: %s\n", r.idx,
			    step_name[r.step], strerror(r.err));
			reap_all(1);
		}
		if (r.port != 0)
			port = r.port;
		total += r.nsock;
		fds += r.nfds;
		got++;
	}
	close(p[0]);
	if (port == 0) {
		fprintf(stderr, "portload: no target port reported\n");
		reap_all(1);
	}
	printf("ready port=%d pid=%d procs=%d sockets=%d fds=%d\n", port,
	    (int)target_pid, nprocs, total, fds);
	fflush(stdout);
	for (;;)
		pause();
}
