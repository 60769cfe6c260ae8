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
	/* Every raw byte may become 4: \xNN. */
	char line[(JOURNAL_LINE_MAX + JOURNAL_MARK_ROOM) * 4 + 64];
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, w = 0, k;

	/* The stream was already capped at JOURNAL_LINE_MAX with a mark
	 * appended (see journal_fetch); leave room for that mark. */
	while (i < len && i < JOURNAL_LINE_MAX + JOURNAL_MARK_ROOM) {
		k = utf8_len(u + i, len - i);
		/* C1 controls are U+0080..U+009F: 0xC2 0x80..0x9F. */
		if (k == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)
			k = 0;
		if (k == 1 && (u[i] < 0x20 || u[i] == 0x7f) && u[i] != '\t')
			k = 0;
		if (k == 0) {
			snprintf(line + w, 5, "\\x%02x", u[i]);
			w += 4;
			i++;
			continue;
		}
		memcpy(line + w, u + i, k);
		w += k;
		i += k;
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
	/* Lines are capped as they arrive (with room for the cut's mark),
	 * so the kept tail always holds the last lines, however long. */
	struct exec_buf ob = { .data = raw, .cap = sizeof raw,
		.keep_tail = 1, .line_cap = JOURNAL_LINE_MAX };
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
