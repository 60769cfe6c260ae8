/* util.c - see util.h. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
str_copy(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (n == 0)
		return -1;
	if (len >= n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

static int
vfmt(char *dst, size_t n, const char *fmt, va_list ap)
{
	int r;

	if (n == 0)
		return -1;
	r = vsnprintf(dst, n, fmt, ap);
	if (r < 0) {
		dst[0] = '\0';
		return -1;
	}
	return (size_t)r >= n ? -1 : 0;
}

int
str_fmt(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfmt(dst, n, fmt, ap);
	va_end(ap);
	return r;
}

int
str_append(char *dst, size_t n, const char *fmt, ...)
{
	size_t len = strnlen(dst, n);
	va_list ap;
	int r;

	if (len >= n)
		return -1;
	va_start(ap, fmt);
	r = vfmt(dst + len, n - len, fmt, ap);
	va_end(ap);
	return r;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *
str_trim(char *s)
{
	size_t len;

	while (is_blank(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_blank(s[len - 1]))
		s[--len] = '\0';
	return s;
}

int
str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
str_ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0') {
		errno = EINVAL;
		return -1;
	}
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9') {
			errno = EINVAL;
			return -1;
		}
		d = (unsigned)(*s - '0');
		if (v > (max - d) / 10) {
			errno = ERANGE;
			return -1;
		}
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int
fd_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

ssize_t
file_read(const char *path, char *buf, size_t cap)
{
	size_t len = 0;
	int fd, saved;

	if (cap == 0) {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len == cap - 1) {
			char probe;

			r = read(fd, &probe, 1);
			if (r > 0) {
				errno = EFBIG;
				goto fail;
			}
			break;
		}
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
fail:
	saved = errno;
	close(fd);
	buf[0] = '\0';
	errno = saved;
	return -1;
}

FILE *
fopen_regular(const char *path)
{
	struct stat st;
	FILE *f;
	int fd, saved;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if (fcntl(fd, F_SETFL, 0) < 0)
		goto fail;
	f = fdopen(fd, "r");
	if (f == NULL)
		goto fail;
	return f;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return NULL;
}

int
line_read(FILE *f, char *buf, size_t cap, size_t *len, unsigned *flags)
{
	size_t n = 0;
	int c, any = 0;

	*flags = 0;
	while ((c = getc(f)) != EOF) {
		any = 1;
		if (c == '\n')
			break;
		if (c == '\0')
			*flags |= LINE_NUL;
		if (n + 1 < cap)
			buf[n++] = (char)c;
		else
			*flags |= LINE_LONG;
	}
	buf[n] = '\0';
	*len = n;
	if (c == EOF && ferror(f))
		return -1;
	return any ? 1 : 0;
}

/* Length of the valid UTF-8 sequence at p (at most left bytes), or 0
 * when it is not one: no overlong forms, no surrogates, nothing above
 * U+10FFFF. */
size_t
utf8_len(const unsigned char *p, size_t left)
{
	size_t n, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void
utf8_scrub(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t left = strlen(s), k;

	while (left > 0) {
		k = utf8_len(p, left);
		if (k == 0) {
			*p = '?';
			k = 1;
		}
		p += k;
		left -= k;
	}
}

void
text_scrub(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t left = strlen(s), k, i;

	while (left > 0) {
		k = utf8_len(p, left);
		if (k == 0 || (k == 1 && ((*p < 0x20 && *p != '\n' &&
		    *p != '\t') || *p == 0x7f)) ||
		    (k == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
			for (i = 0; i < (k ? k : 1); i++)
				p[i] = '?';
			k = k ? k : 1;
		}
		p += k;
		left -= k;
	}
}

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t
mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void
time_iso(char *buf, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		str_copy(buf, n, "?");
}
