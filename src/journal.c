/* journal.c - see journal.h. */
#include "journal.h"
#include "exec.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int
journal_invocation_valid(const char *s)
{
	size_t i;

	for (i = 0; i < 32; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[32] == '\0';
}

/* Append one cleaned line (len raw bytes at p) to out; 0 when it fit. */
static int
clean_line(const char *p, size_t len, char *out, size_t n, size_t *pos)
{
	char line[JOURNAL_LINE_MAX + 64];
	size_t i, w = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		int plain = c == '\t' || (c >= 0x20 && c != 0x7f);

		if (w + (plain ? 1 : 4) > JOURNAL_LINE_MAX)
			break;
		if (plain) {
			line[w++] = (char)c;
		} else {
			snprintf(line + w, 5, "\\x%02x", c);
			w += 4;
		}
	}
	line[w] = '\0';
	if (i < len)
		str_append(line, sizeof line, " [... %zu more bytes]",
		    len - i);
	if (str_append(out + *pos, n - *pos, "%s\n", line) < 0) {
		out[*pos] = '\0';
		return -1;
	}
	*pos += strlen(out + *pos);
	return 0;
}

unsigned
journal_clean(const char *raw, size_t len, char *out, size_t n)
{
	const char *p = raw, *end = raw + len;
	unsigned lines = 0;
	size_t pos = 0;

	if (n == 0)
		return 0;
	out[0] = '\0';
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (clean_line(p, l, out, n, &pos) < 0)
			break;
		lines++;
		p += l + (nl != NULL);
	}
	return lines;
}

int
journal_fetch(const char *unit, const char *invocation, unsigned lines,
    char *out, size_t n, char *why, size_t wn)
{
	char raw[JOURNAL_RAW_MAX];
	char nbuf[16], m1[64], m2[64], ubuf[300], err[512];
	struct exec_buf ob = { .data = raw, .cap = sizeof raw,
		.keep_tail = 1 };
	struct exec_buf eb = { .data = err, .cap = sizeof err };
	const char *argv[16];
	struct exec_result r;
	char how[96];
	size_t i = 0, skip = 0;

	out[0] = '\0';
	str_fmt(nbuf, sizeof nbuf, "%u", lines);
	argv[i++] = "journalctl";
	argv[i++] = "--no-pager";
	argv[i++] = "--all";
	argv[i++] = "--quiet";
	argv[i++] = "--output=short-iso";
	argv[i++] = "--lines";
	argv[i++] = nbuf;
	if (journal_invocation_valid(invocation)) {
		/* The service's own lines, OR systemd's lines about it. */
		str_fmt(m1, sizeof m1, "_SYSTEMD_INVOCATION_ID=%s",
		    invocation);
		str_fmt(m2, sizeof m2, "INVOCATION_ID=%s", invocation);
		argv[i++] = m1;
		argv[i++] = "+";
		argv[i++] = m2;
	} else {
		str_fmt(ubuf, sizeof ubuf, "--unit=%s", unit);
		argv[i++] = "--boot";
		argv[i++] = ubuf;
	}
	argv[i] = NULL;
	if (exec_run(argv, JOURNAL_TIMEOUT_MS, &ob, &eb, &r) < 0) {
		str_fmt(why, wn, "cannot run journalctl: %s",
		    strerror(errno));
		return -1;
	}
	if (!exec_ok(&r)) {
		exec_describe(&r, how, sizeof how);
		str_fmt(why, wn, "journalctl %s: %.*s", how,
		    (int)strcspn(err, "\n"), err);
		return -1;
	}
	/* A kept tail starts mid-line: drop that partial first line. */
	if (ob.truncated) {
		const char *nl = memchr(raw, '\n', ob.len);

		skip = nl ? (size_t)(nl - raw) + 1 : ob.len;
		str_fmt(out, n, "[... older lines dropped: over %zu bytes]\n",
		    sizeof raw);
	}
	i = strlen(out);
	journal_clean(raw + skip, ob.len - skip, out + i, n - i);
	return 0;
}
