/*
 * redact.h - take secrets out of text before it leaves the machine.
 *
 * Text (a report, journal lines, systemctl status) is rewritten in
 * place: every secret value becomes REDACT_MARK and everything else is
 * kept byte for byte, so a model still reads "password=[REDACTED]" and
 * knows a password was set.  What counts as a secret:
 *
 *   key = value    the value after a key whose name ends in password,
 *                  passwd, passphrase, secret, token, api_key, apikey,
 *                  access_key, secret_key, private_key, credential(s),
 *                  authorization, cookie, session_id or sessionid (an
 *                  optional digit after it), or whose last part is
 *                  "pass", "pw" or "pwd" (not PWD, a directory):
 *                  DB_PASSWORD=, x-api-key:, "token": "...", password
 *                  = "a b", --password=..., --password VALUE,
 *                  "Authorization: Bearer ..." (the scheme word is
 *                  kept), "Cookie: ...".  A value in quotes ends at its
 *                  quote; after "key=" at a blank (logfmt, command
 *                  lines); after "key: " and "key = " at the end of
 *                  the line (YAML, INI, headers: values with blanks),
 *                  or at the quote that opened the key; after a quoted
 *                  key ("token": null, ...) at , ; } ] ) before a
 *                  blank;
 *   Bearer VALUE   anywhere, VALUE at least 8 characters;
 *   PEM            -----BEGIN ... PRIVATE KEY----- up to the matching
 *                  END line, or to the end of the text when it is cut
 *                  off, as one marker;
 *   URLs           scheme://USER:PASS@host -> scheme://[REDACTED]@host,
 *                  and a user part of 16 or more characters (a token
 *                  used as the user name);
 *   tokens         JWTs (eyJ...); runs of 32 or more hex digits;
 *                  base64 and base64url runs of 32 or more characters
 *                  that mix letter cases or letters and digits as
 *                  random text does (see redact.c); well-known token
 *                  prefixes (ghp_, github_pat_, glpat-, xox?-, sk_live_,
 *                  sk-..., AKIA..., AIza...);
 *   e-mail         local@domain.tld, except systemd units such as
 *                  getty@tty1.service;
 *   extras         matches of up to REDACT_EXTRA_MAX POSIX extended
 *                  regexes (case-insensitive), e.g. from "[ai] redact".
 *
 * Kept on purpose: UUIDs (8-4-4-4-12), 32-digit lowercase invocation
 * ids named as such (INVOCATION_ID=, InvocationID=, "invocation ",
 * "failed run "), paths, unit names, timestamps, PIDs and ordinary
 * words.  Other 32-digit hex ids (boot id, machine id), hashes and
 * certificate bodies are redacted: better one id too many.
 *
 * Not caught: user:password@host without a scheme, secrets in prose
 * ("the password is hunter2"), values split across lines, and short
 * tokens (under 32 characters) with no key name or known prefix.
 *
 * Work is per line (a line ends at '\n' or NUL) and linear in the text
 * except for the extra regexes, which are musl's (TRE, no backtracking;
 * back-references are refused).  A line longer than REDACT_LINE_MAX is
 * not examined: it is replaced whole by a marker, never passed through.
 * Not reentrant: the line buffers are static (ansai is one thread).
 */
#ifndef ANSAI_REDACT_H
#define ANSAI_REDACT_H

#include <regex.h>
#include <stddef.h>

#include "conf.h"

#define REDACT_MARK		"[REDACTED]"
/* Longer lines are replaced whole.  Journal lines are cut at about
 * 450 bytes and report lines at 512; 8 KiB leaves room for long
 * command lines in systemctl status. */
#define REDACT_LINE_MAX		8192
#define REDACT_EXTRA_MAX	8	/* user patterns */
#define REDACT_PATTERN_MAX	256	/* bytes of one pattern */

/* The user's patterns, compiled.  regcomp allocates: release with
 * redact_extra_free. */
struct redact_extra {
	unsigned n;
	regex_t re[REDACT_EXTRA_MAX];
};

void redact_extra_init(struct redact_extra *x);

/* Compile one POSIX extended regex (REG_EXTENDED | REG_ICASE) and add
 * it.  A match is replaced whole and never spans lines.  Refused with
 * -1 and err[en] saying why: more than REDACT_EXTRA_MAX patterns, empty
 * or longer than REDACT_PATTERN_MAX, a back-reference (\1..\9, which
 * may take exponential time), or regcomp's own complaint. */
int redact_extra_add(struct redact_extra *x, const char *pattern,
    char *err, size_t en);

/* Every pattern of [ai] redact, in order.  0, or -1 with err[en]
 * naming the first one refused; x then holds none, and the caller
 * must not send the text: a pattern the user asked for that cannot be
 * applied is no reason to send what it should have removed. */
int redact_extra_conf(struct redact_extra *x, const struct conf_ai *ai,
    char *err, size_t en);

void redact_extra_free(struct redact_extra *x);

/*
 * Redact text[0..len) in place.  cap is the size of the buffer, which
 * must be more than len; the result is always NUL-terminated and never
 * longer than cap - 1.  extra may be NULL.  *count (if count is not
 * NULL) is set to the number of values replaced (a private key block
 * is one), including any in lines a cut then dropped.  Returns the
 * new length.
 *
 * Markers may be longer than what they replace.  When the result would
 * not fit in cap, it is cut after the last whole line that fits and
 * ends with the line REDACT_CUT_NOTE; nothing unexamined is ever kept.
 * With len >= cap, the text is taken as cut at its last line end
 * before cap - 1 (the partial line after it is dropped, since it may
 * hold half a secret) and ends with REDACT_CUT_NOTE.
 */
#define REDACT_CUT_NOTE "[... cut: no room left after redaction]\n"
size_t redact(char *text, size_t len, size_t cap,
    const struct redact_extra *extra, unsigned *count);

/* One line for a report: "Redaction: 3 values were removed before this
 * text left the machine." (or "no value needed removing"). */
void redact_note(unsigned count, char *buf, size_t n);

#endif
