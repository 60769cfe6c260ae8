/*
 * util.h - small helpers shared by every module: checked string
 * formatting, whole writes, bounded file reads, number parsing and the
 * monotonic clock.  Nothing here allocates.
 */
#ifndef ANSAI_UTIL_H
#define ANSAI_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Copy src into dst[n]. Returns 0, or -1 (dst holds a cut copy) when
 * src does not fit: callers decide whether a cut copy is acceptable. */
int str_copy(char *dst, size_t n, const char *src);

/* snprintf that returns 0, or -1 when the output was truncated or the
 * format failed.  dst is always NUL-terminated when n > 0. */
int str_fmt(char *dst, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Append to a NUL-terminated string in dst[n]; -1 when cut. */
int str_append(char *dst, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Strip leading and trailing blanks (space, tab, CR, LF) in place. */
char *str_trim(char *s);

/* Does s start with prefix / end with suffix? */
int str_starts(const char *s, const char *prefix);
int str_ends(const char *s, const char *suffix);

/* Parse a decimal unsigned number that fills all of s and is at most
 * max.  0 on success; -1 with errno EINVAL or ERANGE otherwise. */
int parse_u64(const char *s, uint64_t max, uint64_t *out);

/* Write all of buf, retrying short writes and EINTR.  0 or -1/errno. */
int fd_write_all(int fd, const void *buf, size_t len);

/* Read at most cap - 1 bytes of path into buf and NUL-terminate it.
 * Returns the length, or -1/errno.  EFBIG when the file holds more than
 * fits: a cut /proc file would be misread, so it is refused. */
ssize_t file_read(const char *path, char *buf, size_t cap);

/* Open path for reading only when it is a regular file.  The open
 * itself does not block, so a FIFO or a device named as a config or
 * history file is refused instead of hanging ansai.  NULL with errno;
 * EINVAL means "not a regular file". */
FILE *fopen_regular(const char *path);

/* line_read flags */
#define LINE_LONG 1	/* longer than the buffer: the rest was skipped */
#define LINE_NUL 2	/* held a NUL byte */

/* Read one line of f into buf[cap] without its newline, always
 * terminated; *len is its length, *flags says what was wrong with it.
 * Returns 1 for a line, 0 at the end, -1 on a read error. */
int line_read(FILE *f, char *buf, size_t cap, size_t *len,
    unsigned *flags);

/* Length of the valid UTF-8 sequence at p (at most left bytes), or 0
 * when it is not one: no overlong forms, no surrogates, nothing above
 * U+10FFFF. */
size_t utf8_len(const unsigned char *p, size_t left);

/* Make s valid UTF-8 in place: each byte that starts no valid sequence
 * becomes '?'.  journald stores a message that is not UTF-8 as "blob
 * data", which `journalctl` then does not show. */
void utf8_scrub(char *s);

/* For text from outside (a model, a server) shown in a terminal or a
 * report: C0 controls but newline and tab, DEL, the C1 controls and
 * bytes that are not valid UTF-8 become '?'.  In place. */
void text_scrub(char *s);

/* The value of hex digit c (either case), or -1. */
int hex_digit(int c);

/* Milliseconds and microseconds on CLOCK_MONOTONIC, the clock systemd
 * uses for its *TimestampMonotonic properties. */
int64_t mono_ms(void);
uint64_t mono_usec(void);

/* Sleep for ms milliseconds, resuming after signals. */
void sleep_ms(int ms);

/* Format t (UTC) as 2026-12-04T15:42:31Z into buf[n]. */
void time_iso(char *buf, size_t n, int64_t t);

#endif
