/*
 * exec.h - run a program with an argv, never through a shell.
 *
 * The child gets /dev/null as stdin, a fixed environment (EXEC_ENV) and
 * its own process group; its stdout and stderr are captured into the
 * caller's buffers, each bounded.  Output beyond a buffer is read and
 * dropped (so the child never blocks on a full pipe) and flagged.  The
 * whole run is bounded by timeout_ms: the group is then killed with
 * SIGKILL and reaped.
 */
#ifndef ANSAI_EXEC_H
#define ANSAI_EXEC_H

#include <stddef.h>

struct exec_buf {
	char *data;		/* caller's storage, NUL-terminated on return */
	size_t cap;		/* its size; 0 means discard */
	size_t len;
	int truncated;		/* more output arrived than fitted */
	int keep_tail;		/* when full, keep the newest bytes */
	size_t line_cap;	/* >0: keep at most this many bytes of
				   each line, and mark the cut */
	size_t line_len;	/* private: bytes kept of this line */
	size_t line_drop;	/* private: bytes dropped from it */
};

struct exec_result {
	int exited;		/* 1: exited with code; 0: killed by signo */
	int code;
	int signo;
	int timed_out;
	int exec_errno;		/* the program could not be started */
	long elapsed_ms;
};

/* Run argv[0] (looked up in a fixed PATH when it holds no '/') with
 * argv.  out and err may be NULL.  Returns 0 when the child ran and was
 * reaped (look at res for how it ended), -1/errno when it could not be
 * started at all (pipe, fork).  A program that is not found shows as
 * res->exec_errno, with code 127. */
int exec_run(const char *const argv[], int timeout_ms,
    struct exec_buf *out, struct exec_buf *err, struct exec_result *res);

/* "exited 0", "exited 3", "killed by SIGKILL", "timed out after 5000 ms,
 * killed",
 * "not started: No such file or directory" into buf[n]. */
void exec_describe(const struct exec_result *res, char *buf, size_t n);

/* Did it exit with code 0? */
int exec_ok(const struct exec_result *res);

#endif
