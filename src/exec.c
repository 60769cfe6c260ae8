/* exec.c - see exec.h. */
#include "exec.h"
#include "signame.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child's whole environment: no inherited PATH, locale or pager
 * settings can change what systemctl prints or where it looks. */
static char *const exec_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"LC_ALL=C",
	"SYSTEMD_COLORS=0",
	"SYSTEMD_PAGER=",
	"SYSTEMD_LESS=",
	NULL
};

static const char *const exec_path[] = {
	"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
	"/sbin", "/bin",
};

/* In the child: only async-signal-safe calls from here to execve. */
static void
child(const char *const argv[], int outfd, int errfd, int reportfd)
{
	sigset_t all;
	char path[512];
	int saved = ENOENT, nullfd, s;
	size_t i;

	for (s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	setpgid(0, 0);
	nullfd = open("/dev/null", O_RDWR);
	if (nullfd < 0 || dup2(nullfd, 0) < 0 ||
	    dup2(outfd >= 0 ? outfd : nullfd, 1) < 0 ||
	    dup2(errfd >= 0 ? errfd : nullfd, 2) < 0)
		goto fail;
	if (strchr(argv[0], '/') != NULL) {
		execve(argv[0], (char *const *)argv, exec_env);
		saved = errno;
		goto fail;
	}
	for (i = 0; i < ARRAY_LEN(exec_path); i++) {
		size_t a = strlen(exec_path[i]), b = strlen(argv[0]);

		if (a + 1 + b + 1 > sizeof path)
			continue;
		memcpy(path, exec_path[i], a);
		path[a] = '/';
		memcpy(path + a + 1, argv[0], b + 1);
		execve(path, (char *const *)argv, exec_env);
		if (errno != ENOENT)
			saved = errno;
	}
fail:
	if (saved == 0)
		saved = errno;
	(void)!write(reportfd, &saved, sizeof saved);
	_exit(127);
}

static void buf_store(struct exec_buf *b, const char *data, size_t n);

/* With line_cap, each line keeps its first line_cap bytes; a cut line
 * ends with " [... N more bytes]".  Capping as the bytes stream in is
 * what stops one huge line from pushing every other line out of a
 * keep_tail buffer. */
static void
buf_take(struct exec_buf *b, const char *data, size_t n)
{
	char mark[48];
	size_t i, run = 0;

	if (b == NULL || b->cap == 0)
		return;
	if (b->line_cap == 0) {
		buf_store(b, data, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (data[i] == '\n') {
			buf_store(b, data + i - run, run);
			run = 0;
			if (b->line_drop > 0) {
				str_fmt(mark, sizeof mark, " [... %zu more "
				    "bytes]", b->line_drop);
				buf_store(b, mark, strlen(mark));
			}
			buf_store(b, "\n", 1);
			b->line_len = b->line_drop = 0;
		} else if (b->line_len < b->line_cap) {
			b->line_len++;
			run++;
		} else {
			buf_store(b, data + i - run, run);
			run = 0;
			b->line_drop++;
		}
	}
	buf_store(b, data + n - run, run);
}

static void
buf_store(struct exec_buf *b, const char *data, size_t n)
{
	size_t room;

	if (b == NULL || b->cap == 0)
		return;
	room = b->cap - 1 - b->len;
	if (n > room && b->keep_tail) {
		size_t drop = n - room;

		b->truncated = 1;
		if (n >= b->cap - 1) {
			data += n - (b->cap - 1);
			n = b->cap - 1;
			drop = b->len;
		}
		memmove(b->data, b->data + drop, b->len - drop);
		b->len -= drop;
	} else if (n > room) {
		n = room;
		b->truncated = 1;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
buf_init(struct exec_buf *b)
{
	if (b == NULL)
		return;
	b->len = 0;
	b->truncated = 0;
	b->line_len = b->line_drop = 0;
	if (b->cap > 0)
		b->data[0] = '\0';
}

static void
close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

/* How long output is still read after the child exited: a descendant
 * it left behind (a daemon it forked) may hold the pipes open for
 * ever, and must not turn a finished run into a timeout. */
#define EXEC_DRAIN_MS 200
/* Longest wait in poll, so the child's exit is noticed while a
 * descendant keeps the pipes open. */
#define EXEC_POLL_MS 50

/* Drain both pipes until EOF on both, shortly after the child exited,
 * or the deadline (then -1).  The child is not reaped here. */
static int
pump(pid_t pid, int outfd, int errfd, struct exec_buf *out,
    struct exec_buf *err, int64_t deadline)
{
	struct pollfd pfd[2] = { { outfd, POLLIN, 0 }, { errfd, POLLIN, 0 } };
	char chunk[4096];
	int64_t drain = 0;
	int i, rc = 0;

	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		int64_t left = (drain ? drain : deadline) - mono_ms();
		siginfo_t si;
		int r;

		if (left <= 0) {
			rc = drain ? 0 : -1;
			break;
		}
		r = poll(pfd, 2, left < EXEC_POLL_MS ? (int)left :
		    EXEC_POLL_MS);
		for (i = 0; r > 0 && i < 2; i++) {
			ssize_t n;

			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				continue;
			}
			buf_take(i == 0 ? out : err, chunk, (size_t)n);
		}
		/* Exited, not yet reaped: while it is a zombie its pid,
		 * which is also its group's id, cannot be reused, so
		 * killing the group reaches only what it left behind. */
		si.si_pid = 0;
		if (!drain && waitid(P_PID, (id_t)pid, &si, WEXITED |
		    WNOHANG | WNOWAIT) == 0 && si.si_pid == pid) {
			kill(-pid, SIGKILL);
			drain = mono_ms() + EXEC_DRAIN_MS;
		}
	}
	for (i = 0; i < 2; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	return rc;
}

int
exec_run(const char *const argv[], int timeout_ms,
    struct exec_buf *out, struct exec_buf *err, struct exec_result *res)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, pr[2] = { -1, -1 };
	int64_t start = mono_ms(), deadline = start + timeout_ms;
	int status = 0, saved;
	pid_t pid, w;
	ssize_t n;

	memset(res, 0, sizeof *res);
	buf_init(out);
	buf_init(err);
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0 ||
	    pipe2(pr, O_CLOEXEC) < 0)
		goto fail;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		child(argv, po[1], pe[1], pr[1]);
	/* Also set here: a kill of the group must not race the child's
	 * own setpgid. EACCES after its exec is harmless. */
	setpgid(pid, pid);
	close(po[1]);
	close(pe[1]);
	close(pr[1]);
	po[1] = pe[1] = pr[1] = -1;

	if (pump(pid, po[0], pe[0], out, err, deadline) < 0) {
		res->timed_out = 1;
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	po[0] = pe[0] = -1;	/* closed by pump */
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	n = read(pr[0], &res->exec_errno, sizeof res->exec_errno);
	if (n != (ssize_t)sizeof res->exec_errno)
		res->exec_errno = 0;
	close_pair(po);
	close_pair(pe);
	close_pair(pr);
	res->elapsed_ms = (long)(mono_ms() - start);
	if (w < 0)
		return -1;
	if (WIFEXITED(status)) {
		res->exited = 1;
		res->code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->signo = WTERMSIG(status);
	}
	return 0;
fail:
	saved = errno;
	close_pair(po);
	close_pair(pe);
	close_pair(pr);
	errno = saved;
	return -1;
}

void
exec_describe(const struct exec_result *res, char *buf, size_t n)
{
	if (res->exec_errno != 0)
		str_fmt(buf, n, "not started: %s", strerror(res->exec_errno));
	else if (res->timed_out)
		str_fmt(buf, n, "timed out after %ld ms, killed",
		    res->elapsed_ms);
	else if (res->exited)
		str_fmt(buf, n, "exited %d", res->code);
	else
		str_fmt(buf, n, "killed by SIG%s", signame(res->signo));
}

int
exec_ok(const struct exec_result *res)
{
	return res->exited && res->code == 0 && !res->timed_out &&
	    res->exec_errno == 0;
}
