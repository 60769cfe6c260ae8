/* log.c - see log.h. */
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* One journal datagram; longer messages are cut and marked. */
#define LOG_MSG_MAX 2048

static struct {
	const char *prog;
	int flags;
	int stderr_is_journal;
	char unit[256];
} lg = { "ansai", 0, 0, "" };

/* JOURNAL_STREAM holds "dev:ino" of the stream systemd connected to our
 * stdout/stderr; if fd 2 is that stream, journald already has it. */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(2, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_open(const char *prog, int flags)
{
	lg.prog = prog;
	lg.flags = flags;
	lg.stderr_is_journal = stderr_is_journal();
}

void
log_set_unit(const char *unit)
{
	str_copy(lg.unit, sizeof lg.unit, unit);
}

/* Native journal protocol: newline-separated FIELD=value pairs in one
 * datagram.  MESSAGE never holds a newline here (see vlog). */
static int
journal_send(int prio, const char *msg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[LOG_MSG_MAX + 512];
	int fd, r;

	str_copy(sa.sun_path, sizeof sa.sun_path,
	    "/run/systemd/journal/socket");
	buf[0] = '\0';
	str_append(buf, sizeof buf, "PRIORITY=%d\nSYSLOG_IDENTIFIER=%s\n",
	    prio, LOG_IDENT);
	if (lg.unit[0] != '\0')
		str_append(buf, sizeof buf, "ANSAI_UNIT=%s\n", lg.unit);
	str_append(buf, sizeof buf, "MESSAGE=%s\n", msg);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	r = (int)sendto(fd, buf, strlen(buf), MSG_NOSIGNAL,
	    (struct sockaddr *)&sa, sizeof sa);
	close(fd);
	return r < 0 ? -1 : 0;
}

static void vlog_to(int prio, int err, int to_stderr, const char *fmt,
    va_list ap);

static void
vlog(int prio, int err, const char *fmt, va_list ap)
{
	vlog_to(prio, err, 1, fmt, ap);
}

void
log_journal(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_to(prio, 0, 0, fmt, ap);
	va_end(ap);
}

static void
vlog_to(int prio, int err, int to_stderr, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX];
	int sent = 0;
	size_t i;

	if (prio >= LOG_DEBUG && !(lg.flags & LOG_VERBOSE))
		return;
	if (vsnprintf(msg, sizeof msg, fmt, ap) >= (int)sizeof msg)
		memcpy(msg + sizeof msg - 5, "...", 4);
	if (err)
		str_append(msg, sizeof msg, ": %s", strerror(err));
	for (i = 0; msg[i]; i++)
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	utf8_scrub(msg);
	if (lg.flags & LOG_TO_JOURNAL)
		sent = journal_send(prio, msg) == 0;
	if (lg.stderr_is_journal) {
		/* systemd reads a "<N>" prefix as the line's priority. */
		if (!sent)
			fprintf(stderr, "<%d>%s\n", prio, msg);
		return;
	}
	if (to_stderr)
		fprintf(stderr, "%s: %s\n", lg.prog, msg);
}

void
logx(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, 0, fmt, ap);
	va_end(ap);
}

void
log_errno(int prio, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, err, fmt, ap);
	va_end(ap);
}
