/*
 * check_smtp.c - unit tests for the SMTP client in src/smtp.c.
 *
 * "helpers": base64, quoted-printable, the Subject field, Date,
 * Message-ID, the whole message, the reply parser (split at every
 * byte), EHLO capabilities, the password file.
 *
 * "scripted": smtp_send against peers written here: a child process
 * listens on 127.0.0.1 (port chosen by the kernel) and plays a script
 * of lines to expect and answers to give, recording every byte the
 * client sent, so that tests can check CRLF-only, dot-stuffing and
 * what was (not) sent.  The child never calls ck_assert (it would
 * garble Check's messages): it exits 1 and writes why to a file.
 *
 * "real server": smtp_send against aiosmtpd (Debian's
 * python3-aiosmtpd, run by test/smtp/peer.py with /usr/bin/python3)
 * with certificates from test/tls/mkcerts.sh: STARTTLS with AUTH
 * offered only inside TLS, and TLS from the first byte.  Each message
 * saved is parsed by Python's email package (peer.py check).
 *
 * Every child gets PR_SET_PDEATHSIG and is killed in the teardown.
 * Set TLS_MKCERTS and SMTP_PEER to the scripts' paths when not run
 * from the repository's top directory.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smtp.h"
#include "util.h"

#define PYTHON		"/usr/bin/python3"
#define SLACK_MS	200
#define USER		"alerts"
#define PASSWORD	"s3cr3t-P4ss w0rd"
/* base64 of "\0alerts\0s3cr3t-P4ss w0rd" and of the password alone */
#define PLAIN_B64	"AGFsZXJ0cwBzM2NyM3QtUDRzcyB3MHJk"
#define PASS_B64	"czNjcjN0LVA0c3MgdzByZA=="
#define USER_B64	"YWxlcnRz"
#define SUBJ_OK		"\xe2\x9c\x85 ANSAI: flask.service - RESOLVED"
#define SUBJ_BAD	"\xe2\x9d\x8c ANSAI: flask.service - FAILED"

static char dir[64];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
dir_make(void)
{
	str_copy(dir, sizeof dir, "/tmp/check_smtp.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
dir_remove(void)
{
	if (dir[0] != '\0')
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	dir[0] = '\0';
}

static void
path_in(char *buf, size_t n, const char *name)
{
	ck_assert_int_eq(str_fmt(buf, n, "%s/%s", dir, name), 0);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(fd_write_all(fd, text, strlen(text)), 0);
	close(fd);
}

/* No CR without LF after it, no LF without CR before it. */
static int
crlf_only(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n'))
			return 0;
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return 0;
	}
	return 1;
}

/* The longest line, without its CRLF, from p up to end or the first
 * empty line when head_only. */
static size_t
longest_line(const char *p, int head_only)
{
	size_t max = 0;

	while (*p != '\0') {
		size_t n = strcspn(p, "\r");

		if (n == 0 && head_only)
			break;
		if (n > max)
			max = n;
		p += n;
		p += *p == '\r' ? 2 : 0;
	}
	return max;
}

/* ---- base64, addresses ------------------------------------------- */

START_TEST(b64_vectors)
{
	static const char *const in[] = {
		"", "f", "fo", "foo", "foob", "fooba", "foobar"
	};
	static const char *const want[] = {
		"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
		"Zm9vYmFy"
	};
	char out[64];
	size_t i;

	for (i = 0; i < ARRAY_LEN(in); i++) {
		ck_assert_int_eq(smtp_b64(in[i], strlen(in[i]), out,
		    sizeof out), (ssize_t)strlen(want[i]));
		ck_assert_str_eq(out, want[i]);
	}
	ck_assert_int_eq(smtp_b64("\0" USER "\0" PASSWORD,
	    sizeof USER + sizeof PASSWORD, out, sizeof out),
	    (ssize_t)strlen(PLAIN_B64));
	ck_assert_str_eq(out, PLAIN_B64);
	ck_assert_int_eq(smtp_b64("\xff\xfe\x00", 3, out, sizeof out), 4);
	ck_assert_str_eq(out, "//4A");
	/* No room for the NUL: refused, not cut. */
	ck_assert_int_eq(smtp_b64("foo", 3, out, 4), -1);
	ck_assert_int_eq(smtp_b64("foo", 3, out, 5), 4);
}
END_TEST

START_TEST(loopback_names)
{
	ck_assert(smtp_is_loopback("127.0.0.1"));
	ck_assert(smtp_is_loopback("127.1.2.3"));
	ck_assert(smtp_is_loopback("::1"));
	ck_assert(smtp_is_loopback("::ffff:127.0.0.1"));
	ck_assert(smtp_is_loopback("localhost"));
	ck_assert(smtp_is_loopback("LocalHost"));
	ck_assert(!smtp_is_loopback("127.evil.example"));
	ck_assert(!smtp_is_loopback("127.0.0.1.nip.io"));
	ck_assert(!smtp_is_loopback("128.0.0.1"));
	ck_assert(!smtp_is_loopback("10.0.0.1"));
	ck_assert(!smtp_is_loopback("::2"));
	ck_assert(!smtp_is_loopback("localhost.example.com"));
	ck_assert(!smtp_is_loopback(""));
	ck_assert(!smtp_is_loopback(NULL));
}
END_TEST

START_TEST(addresses)
{
	char longest[SMTP_ADDR_MAX + 2];

	ck_assert(smtp_addr_ok("ops@example.com"));
	ck_assert(smtp_addr_ok("ops+alerts@mail.example-1.org"));
	ck_assert(smtp_addr_ok("root@localhost"));
	ck_assert(!smtp_addr_ok("ops"));
	ck_assert(!smtp_addr_ok("@example.com"));
	ck_assert(!smtp_addr_ok("ops@"));
	ck_assert(!smtp_addr_ok("ops@example..com"));
	ck_assert(!smtp_addr_ok("ops@.example.com"));
	ck_assert(!smtp_addr_ok("o ps@example.com"));
	ck_assert(!smtp_addr_ok("ops@example.com>"));
	ck_assert(!smtp_addr_ok("<ops@example.com"));
	ck_assert(!smtp_addr_ok("ops@example.com\r\nRCPT TO:<x@y>"));
	ck_assert(!smtp_addr_ok("ops@exa mple.com"));
	ck_assert(!smtp_addr_ok("\xc3\xa9@example.com"));
	ck_assert(!smtp_addr_ok(""));
	ck_assert(!smtp_addr_ok(NULL));
	memset(longest, 'a', sizeof longest);
	memcpy(longest + SMTP_ADDR_MAX - 12, "@example.com", 13);
	ck_assert_uint_eq(strlen(longest), SMTP_ADDR_MAX);
	ck_assert(smtp_addr_ok(longest));
	memmove(longest + 1, longest, SMTP_ADDR_MAX + 1);
	ck_assert(!smtp_addr_ok(longest));
}
END_TEST

/* ---- quoted-printable -------------------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode QP, CRLF hard breaks to LF, into out[cap].  The length, or
 * -1 when the input breaks a rule: a '=' that starts neither a soft
 * break nor two upper-case hex digits, a line over 76 bytes, a bare
 * CR.  (No ck_assert per byte: each one costs Check a write.) */
static ssize_t
qp_decode(const char *in, char *out, size_t cap)
{
	size_t o = 0, col = 0;

	for (; *in != '\0'; o++) {
		if (o + 1 >= cap)
			return -1;
		if (in[0] == '\r') {
			if (in[1] != '\n' || col > SMTP_QP_LINE)
				return -1;
			out[o] = '\n';
			in += 2;
			col = 0;
		} else if (in[0] == '=' && in[1] == '\r') {
			if (in[2] != '\n' || col + 1 > SMTP_QP_LINE)
				return -1;
			in += 3;
			col = 0;
			o--;
		} else if (in[0] == '=') {
			if (hexval(in[1]) < 0 || hexval(in[2]) < 0)
				return -1;
			out[o] = (char)(hexval(in[1]) << 4 | hexval(in[2]));
			in += 3;
			col += 3;
		} else {
			out[o] = *in++;
			col++;
		}
	}
	out[o] = '\0';
	return (ssize_t)o;
}

static void
qp_back(const char *qp, char *out, size_t cap)
{
	ck_assert_msg(qp_decode(qp, out, cap) >= 0, "bad QP: %s", qp);
}

static int
seven_bit(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

static void
qp_is(const char *in, const char *want)
{
	char out[1024];

	ck_assert_uint_eq(smtp_qp(in, out, sizeof out), strlen(want));
	ck_assert_str_eq(out, want);
}

START_TEST(qp_small_cases)
{
	qp_is("", "");
	qp_is("hello\n", "hello\r\n");
	qp_is("hello", "hello\r\n");
	qp_is("\n", "\r\n");
	qp_is("a=b\n", "a=3Db\r\n");
	qp_is("trailing space \nand tab\t\n", "trailing space=20\r\n"
	    "and tab=09\r\n");
	qp_is("space at end ", "space at end=20\r\n");
	qp_is("inner  spaces kept\n", "inner  spaces kept\r\n");
	/* CRLF, LF and a lone CR: one break each; no bare CR or LF. */
	qp_is("a\r\nb\rc\nd\r\r\ne", "a\r\nb\r\nc\r\nd\r\n\r\ne\r\n");
	/* Dots stay: the SMTP layer stuffs them. */
	qp_is(".\n..x\n.hidden\n", ".\r\n..x\r\n.hidden\r\n");
	qp_is("caf\xc3\xa9 \xe2\x9c\x85\n", "caf=C3=A9 =E2=9C=85\r\n");
	/* Not UTF-8: '?' so that charset=utf-8 holds. */
	qp_is("a\xff" "b\xc3(\n", "a?b?(\r\n");
	qp_is("esc\x1b[1m\x7f\n", "esc=1B[1m=7F\r\n");
}
END_TEST

START_TEST(qp_long_lines)
{
	static char in[4096], out[16384], back[8192];
	size_t i, len;
	const char *p;

	/* 200 letters: soft breaks, every line within 76. */
	memset(in, 'a', 200);
	in[200] = '\0';
	len = smtp_qp(in, out, sizeof out);
	ck_assert_uint_lt(len, sizeof out);
	ck_assert_uint_le(longest_line(out, 0), SMTP_QP_LINE);
	ck_assert(crlf_only(out, len));
	qp_back(out, back, sizeof back);
	in[200] = '\n';
	in[201] = '\0';
	ck_assert_str_eq(back, in);
	/* 100 x "é" then a space at the end: no escape split, the
	 * final blank encoded. */
	for (i = 0; i < 100; i++)
		memcpy(in + 2 * i, "\xc3\xa9", 2);
	memcpy(in + 200, " \n", 3);
	len = smtp_qp(in, out, sizeof out);
	ck_assert_uint_le(longest_line(out, 0), SMTP_QP_LINE);
	qp_back(out, back, sizeof back);
	ck_assert_str_eq(back, in);
	/* Lines of exactly 75 and 76 characters. */
	memset(in, 'b', 76);
	in[75] = '\n';
	memcpy(in + 76, "cccccccccccccccccccccccccccccccccccccccccccccccc"
	    "cccccccccccccccccccccccccccc\n", 78);
	len = smtp_qp(in, out, sizeof out);
	for (p = out; *p != '\0'; p += strcspn(p, "\n") + 1)
		ck_assert_uint_le(strcspn(p, "\r"), SMTP_QP_LINE);
	qp_back(out, back, sizeof back);
	ck_assert_str_eq(back, in);
}
END_TEST

/* Random texts of CR, LF, blanks, '.', '=', ASCII and UTF-8: the
 * output is CRLF-only, within 76 and decodes to the input with every
 * line break made LF. */
START_TEST(qp_random_round_trip)
{
	static const char *const pieces[] = {
		"\r", "\n", "\r\n", " ", "\t", ".", "=", "a", "Z", "~",
		"\xc3\xa9", "\xe2\x9c\x85", "\xf0\x9f\x94\xa5", "..", "From "
	};
	static char in[2048], want[2048], out[8192], back[4096];
	unsigned seed = 12345;
	int round;

	for (round = 0; round < 2000; round++) {
		size_t len = 0, w = 0, n, k, olen;

		in[0] = '\0';
		n = (seed = seed * 1103515245 + 12345) >> 16 & 63;
		for (k = 0; k < n * 4; k++) {
			const char *p;

			seed = seed * 1103515245 + 12345;
			p = pieces[(seed >> 16) % ARRAY_LEN(pieces)];
			memcpy(in + len, p, strlen(p) + 1);
			len += strlen(p);
		}
		/* What should come back: each break a LF, a final
		 * line always ended. */
		for (k = 0; k < len; k++) {
			if (in[k] == '\r' && in[k + 1] == '\n')
				continue;
			want[w++] = in[k] == '\r' ? '\n' : in[k];
		}
		if (w > 0 && want[w - 1] != '\n')
			want[w++] = '\n';
		want[w] = '\0';
		olen = smtp_qp(in, out, sizeof out);
		if (olen >= sizeof out || !crlf_only(out, olen) ||
		    !seven_bit(out, olen) ||
		    qp_decode(out, back, sizeof back) < 0 ||
		    strcmp(back, want) != 0)
			break;
	}
	/* One assertion at the end: each costs Check a write. */
	ck_assert_msg(round == 2000, "round %d: \"%s\" gave \"%s\"", round,
	    in, out);
}
END_TEST

START_TEST(qp_snprintf_semantics)
{
	char out[8];

	ck_assert_uint_eq(smtp_qp("hello world\n", out, sizeof out), 13);
	ck_assert_str_eq(out, "hello w");
	ck_assert_uint_eq(smtp_qp("hello world\n", NULL, 0), 13);
}
END_TEST

/* ---- Subject ----------------------------------------------------- */

/* Decode a Subject field as a reader would: unfold, then either plain
 * text or encoded-words (the white space between two of them
 * dropped).  Checks each encoded-word is at most 75 bytes. */
static void
subject_decode(const char *field, char *out, size_t cap)
{
	char unf[4096];
	const char *p;
	size_t u = 0, o = 0;

	ck_assert(str_starts(field, "Subject:"));
	for (p = field + 8; *p != '\0'; p++) {
		if (p[0] == '\r' && p[1] == '\n') {
			p++;
			continue;
		}
		ck_assert_uint_lt(u + 1, sizeof unf);
		unf[u++] = *p;
	}
	unf[u] = '\0';
	p = unf + (unf[0] == ' ');
	if (strstr(p, "=?UTF-8?Q?") == NULL) {
		str_copy(out, cap, p);
		return;
	}
	while (*p != '\0') {
		const char *end;

		p += strspn(p, " ");
		ck_assert_msg(str_starts(p, "=?UTF-8?Q?"), "%s", p);
		end = strstr(p + 10, "?=");
		ck_assert_ptr_nonnull(end);
		ck_assert_int_le(end + 2 - p, 75);
		for (p += 10; p < end;) {
			ck_assert_uint_lt(o + 1, cap);
			if (*p == '_') {
				out[o++] = ' ';
				p++;
			} else if (*p == '=') {
				out[o++] = (char)(hexval(p[1]) << 4 |
				    hexval(p[2]));
				p += 3;
			} else {
				ck_assert(strchr("=?_ ", *p) == NULL);
				out[o++] = *p++;
			}
		}
		p = end + 2;
	}
	out[o] = '\0';
}

static void
subject_round_trip(const char *in, const char *want)
{
	char field[4096], back[2048];
	size_t len = smtp_subject(in, field, sizeof field);

	ck_assert_uint_lt(len, sizeof field);
	ck_assert(crlf_only(field, len));
	ck_assert(str_ends(field, "\r\n"));
	ck_assert_uint_le(longest_line(field, 0), SMTP_HEADER_LINE);
	subject_decode(field, back, sizeof back);
	ck_assert_str_eq(back, want);
}

START_TEST(subject_emoji_exact)
{
	char field[256];

	smtp_subject(SUBJ_OK, field, sizeof field);
	ck_assert_str_eq(field, "Subject: =?UTF-8?Q?=E2=9C=85_ANSAI:_flask."
	    "service_-_RESOLVED?=\r\n");
	smtp_subject(SUBJ_BAD, field, sizeof field);
	ck_assert_str_eq(field, "Subject: =?UTF-8?Q?=E2=9D=8C_ANSAI:_flask."
	    "service_-_FAILED?=\r\n");
	subject_round_trip(SUBJ_OK, SUBJ_OK);
	subject_round_trip(SUBJ_BAD, SUBJ_BAD);
}
END_TEST

START_TEST(subject_plain_ascii)
{
	char field[256];

	smtp_subject("ANSAI: nginx.service restarted", field, sizeof field);
	ck_assert_str_eq(field, "Subject: ANSAI: nginx.service restarted\r\n");
	smtp_subject("", field, sizeof field);
	ck_assert_str_eq(field, "Subject:\r\n");
	/* What a reader would decode, and '_' '?' '=' in plain text. */
	smtp_subject("a =?UTF-8?Q?x?= b", field, sizeof field);
	ck_assert(str_starts(field, "Subject: =?UTF-8?Q?a_=3D=3FUTF-8=3FQ"));
	subject_round_trip("a =?UTF-8?Q?x?= b", "a =?UTF-8?Q?x?= b");
	subject_round_trip("under_score? 100% = done", "under_score? 100% = "
	    "done");
}
END_TEST

START_TEST(subject_folding)
{
	char in[600], field[4096];
	size_t i, len;

	/* Long ASCII: folded at spaces, not encoded. */
	in[0] = '\0';
	for (i = 0; i < 20; i++)
		str_append(in, sizeof in, "%sword%02zu-of-text", i ? " " : "",
		    i);
	len = smtp_subject(in, field, sizeof field);
	ck_assert(strstr(field, "=?") == NULL);
	ck_assert_ptr_nonnull(strstr(field, "\r\n "));
	ck_assert_uint_le(longest_line(field, 0), SMTP_HEADER_LINE);
	ck_assert_uint_lt(len, sizeof field);
	subject_round_trip(in, in);
	/* One word longer than a line: encoded-words instead. */
	memset(in, 'x', 120);
	in[120] = '\0';
	smtp_subject(in, field, sizeof field);
	ck_assert(str_starts(field, "Subject: =?UTF-8?Q?xxx"));
	subject_round_trip(in, in);
	/* Long non-ASCII: several words, none splitting a character. */
	in[0] = '\0';
	for (i = 0; i < 40; i++)
		str_append(in, sizeof in, "\xe2\x9c\x85 \xc3\xa9t\xc3\xa9 ");
	str_append(in, sizeof in, "end");
	subject_round_trip(in, in);
}
END_TEST

START_TEST(subject_injection_and_limits)
{
	char in[2048], field[8192], back[4096];
	size_t len;

	/* CR and LF become spaces: no header of the sender's choosing. */
	len = smtp_subject("down\r\nBcc: victim@example.com", field,
	    sizeof field);
	ck_assert(crlf_only(field, len));
	ck_assert(strstr(field, "\r\nBcc") == NULL);
	subject_round_trip("down\r\nBcc: victim@example.com",
	    "down  Bcc: victim@example.com");
	subject_round_trip("tab\there\x01", "tab here ");
	subject_round_trip("bad \xff utf8 \xc3", "bad ? utf8 ?");
	/* Too long: cut at a character, "..." at the end. */
	memset(in, 0, sizeof in);
	for (len = 0; len + 3 < 1500; len += 3)
		memcpy(in + len, "\xe2\x9c\x85", 3);
	smtp_subject(in, field, sizeof field);
	subject_decode(field, back, sizeof back);
	ck_assert(str_ends(back, "..."));
	ck_assert_uint_le(strlen(back), SMTP_SUBJECT_MAX);
	ck_assert_uint_eq((strlen(back) - 3) % 3, 0);
	ck_assert_uint_le(longest_line(field, 0), SMTP_HEADER_LINE);
}
END_TEST

/* ---- Date, Message-ID, the message ------------------------------- */

START_TEST(date_format)
{
	char d[40];

	smtp_date(0, d, sizeof d);
	ck_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	smtp_date(1764868260, d, sizeof d);
	ck_assert_str_eq(d, "Thu, 04 Dec 2025 17:11:00 +0000");
	smtp_date(951782400, d, sizeof d);
	ck_assert_str_eq(d, "Tue, 29 Feb 2000 00:00:00 +0000");
}
END_TEST

START_TEST(message_ids)
{
	char a[128], b[128];
	long long t;
	long pid;
	unsigned c;
	char rnd[17], dom[64];

	ck_assert_int_eq(smtp_message_id("device.example", a, sizeof a), 0);
	ck_assert_int_eq(smtp_message_id("device.example", b, sizeof b), 0);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(sscanf(a, "<%lld.%ld.%u.%16[0-9a-f]@%63[^>]>", &t,
	    &pid, &c, rnd, dom), 5);
	ck_assert_int_eq(pid, getpid());
	ck_assert_uint_eq(strlen(rnd), 16);
	ck_assert_str_eq(dom, "device.example");
	ck_assert(str_ends(a, "@device.example>"));
	ck_assert_int_eq(smtp_message_id("localhost", a, sizeof a), 0);
	ck_assert_int_eq(smtp_message_id("bad domain", a, sizeof a), -1);
	ck_assert_int_eq(smtp_message_id("a>b", a, sizeof a), -1);
	ck_assert_int_eq(smtp_message_id("", a, sizeof a), -1);
	ck_assert_int_eq(smtp_message_id("x.example", a, 10), -1);
}
END_TEST

static const char *const two_to[] = { "ops@example.com",
    "oncall@example.net" };

static struct smtp_opts
opts_for(const char *server, enum smtp_tls tls, unsigned port)
{
	struct smtp_opts o;

	memset(&o, 0, sizeof o);
	o.server = server;
	o.port = port;
	o.tls = tls;
	o.from = "ansai@device.example";
	o.to = two_to;
	o.nto = 2;
	o.timeout_ms = 5000;
	return o;
}

START_TEST(message_build_whole)
{
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 25);
	struct smtp_msg m = { SUBJ_OK, "line one\n.dot line\n", NULL };
	static const char want[] =
	    "Date: Thu, 04 Dec 2025 17:11:00 +0000\r\n"
	    "From: ansai@device.example\r\n"
	    "To: ops@example.com, oncall@example.net\r\n"
	    "Subject: =?UTF-8?Q?=E2=9C=85_ANSAI:_flask.service_-_RESOLVED"
	    "?=\r\n"
	    "Message-ID: <1.2.3.4@device.example>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "\r\n"
	    "line one\r\n"
	    ".dot line\r\n";
	char out[2048];

	ck_assert_uint_eq(smtp_msg_build(&o, &m, 1764868260,
	    "<1.2.3.4@device.example>", out, sizeof out), sizeof want - 1);
	ck_assert_str_eq(out, want);
	/* Counting only, like snprintf. */
	ck_assert_uint_eq(smtp_msg_build(&o, &m, 1764868260,
	    "<1.2.3.4@device.example>", NULL, 0), sizeof want - 1);
}
END_TEST

START_TEST(message_build_refuses_bad_input)
{
	static const char *const bad_to[] = { "ops@example.com",
	    "x@y\r\nBcc: z@w" };
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 25);
	struct smtp_msg m = { "s", "b", NULL };
	char out[2048];

	ck_assert_uint_eq(smtp_msg_build(&o, &m, 0, "<>", out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "");
	o.nto = 0;
	ck_assert_uint_eq(smtp_msg_build(&o, &m, 0, "<1@b>", out,
	    sizeof out), 0);
	o.nto = 2;
	o.to = bad_to;
	ck_assert_uint_eq(smtp_msg_build(&o, &m, 0, "<1@b>", out,
	    sizeof out), 0);
	o.to = two_to;
	o.from = "ansai";
	ck_assert_uint_eq(smtp_msg_build(&o, &m, 0, "<1@b>", out,
	    sizeof out), 0);
	o.from = "ansai@device.example";
	ck_assert_uint_eq(smtp_msg_build(&o, &m, 0, "1@b", out,
	    sizeof out), 0);
	ck_assert_uint_eq(smtp_msg_build(&o, &m, 0, "<1@b>\r\nX: y", out,
	    sizeof out), 0);
	ck_assert_uint_gt(smtp_msg_build(&o, &m, 0, "<1@b>", out,
	    sizeof out), 0);
}
END_TEST

/* Many long recipients: To folds; a body with every hazard: the whole
 * is CRLF-only, headers within 78, body within 76, 7-bit. */
START_TEST(message_build_limits)
{
	static char addr[12][80];
	const char *to[12];
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 25);
	struct smtp_msg m = { SUBJ_BAD, NULL, NULL };
	static char body[8192], out[32768];
	size_t i, len;

	for (i = 0; i < 12; i++) {
		str_fmt(addr[i], sizeof addr[i],
		    "on-call-person-number-%02zu@mail.example.com", i);
		to[i] = addr[i];
	}
	o.to = to;
	o.nto = 12;
	body[0] = '\0';
	str_append(body, sizeof body, ".\n..\n.leading dot\r\nCR only\r"
	    "tab\tend\t\n\xe2\x9c\x85 ok\n");
	for (i = 0; i < 300; i++)
		str_append(body, sizeof body, "%c", 'a' + (char)(i % 26));
	m.body = body;
	len = smtp_msg_build(&o, &m, 0, "<1@b>", out, sizeof out);
	ck_assert_uint_lt(len, sizeof out);
	ck_assert(crlf_only(out, len));
	ck_assert_uint_le(longest_line(out, 1), SMTP_HEADER_LINE);
	ck_assert_uint_le(longest_line(strstr(out, "\r\n\r\n") + 4, 0),
	    SMTP_QP_LINE);
	ck_assert(seven_bit(out, len));
	ck_assert_ptr_nonnull(strstr(out, "To: on-call-person-number-00@"
	    "mail.example.com,\r\n on-call-person-number-01@"));
	ck_assert_ptr_nonnull(strstr(out, "\r\n\r\n.\r\n..\r\n.leading dot"
	    "\r\nCR only\r\ntab\tend=09\r\n=E2=9C=85 ok\r\n"));
}
END_TEST

/* ---- replies ----------------------------------------------------- */

static const char ehlo_reply[] =
    "250-mail.example.com Hello [192.0.2.7]\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 35882577\r\n"
    "250-8BITMIME\r\n"
    "250-AUTH LOGIN PLAIN XOAUTH2\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-SMTPUTF8\r\n"
    "250 STARTTLS\r\n";

static void
check_ehlo(const struct smtp_reply *r)
{
	ck_assert_int_eq(r->state, SMTP_R_DONE);
	ck_assert_int_eq(r->code, 250);
	ck_assert_uint_eq(r->nlines, 8);
	ck_assert_uint_eq(r->caps.flags, SMTP_CAP_STARTTLS |
	    SMTP_CAP_AUTH_PLAIN | SMTP_CAP_AUTH_LOGIN | SMTP_CAP_8BITMIME |
	    SMTP_CAP_SIZE | SMTP_CAP_PIPELINING | SMTP_CAP_SMTPUTF8 |
	    SMTP_CAP_ENHANCED);
	ck_assert(r->caps.size_max == 35882577);
	ck_assert_str_eq(r->text, "mail.example.com Hello [192.0.2.7]\n"
	    "PIPELINING\nSIZE 35882577\n8BITMIME\nAUTH LOGIN PLAIN XOAUTH2\n"
	    "ENHANCEDSTATUSCODES\nSMTPUTF8\nSTARTTLS");
}

static unsigned lines_seen;

static void
count_line(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
	lines_seen++;
}

START_TEST(reply_split_at_every_byte)
{
	size_t len = sizeof ehlo_reply - 1, cut, i;
	struct smtp_reply r;

	for (cut = 0; cut <= len; cut++) {
		size_t used;

		smtp_reply_init(&r, count_line, NULL);
		lines_seen = 0;
		used = smtp_reply_feed(&r, ehlo_reply, cut);
		ck_assert_uint_eq(used, cut);
		used += smtp_reply_feed(&r, ehlo_reply + cut, len - cut);
		ck_assert_uint_eq(used, len);
		ck_assert_uint_eq(lines_seen, 8);
		check_ehlo(&r);
	}
	/* And one byte at a time. */
	smtp_reply_init(&r, NULL, NULL);
	for (i = 0; i < len; i++) {
		ck_assert_int_eq(r.state, SMTP_R_MORE);
		ck_assert_uint_eq(smtp_reply_feed(&r, ehlo_reply + i, 1), 1);
	}
	check_ehlo(&r);
}
END_TEST

START_TEST(reply_stops_at_its_end)
{
	static const char two[] = "250 ok\r\n354 go ahead\r\n";
	struct smtp_reply r;

	smtp_reply_init(&r, NULL, NULL);
	ck_assert_uint_eq(smtp_reply_feed(&r, two, sizeof two - 1), 8);
	ck_assert_int_eq(r.state, SMTP_R_DONE);
	ck_assert_str_eq(r.text, "ok");
	/* More bytes do nothing once done. */
	ck_assert_uint_eq(smtp_reply_feed(&r, two + 8, 5), 0);
	smtp_reply_init(&r, NULL, NULL);
	ck_assert_uint_eq(smtp_reply_feed(&r, two + 8, sizeof two - 9),
	    sizeof two - 9);
	ck_assert_int_eq(r.code, 354);
	/* A bare LF ends a line too; "NNN" alone is a whole reply. */
	smtp_reply_init(&r, NULL, NULL);
	smtp_reply_feed(&r, "220-hi\n220\n", 11);
	ck_assert_int_eq(r.state, SMTP_R_DONE);
	ck_assert_str_eq(r.text, "hi\n");
	ck_assert_int_eq(r.code, 220);
}
END_TEST

static void
reply_fails(const char *in, size_t len, const char *err)
{
	struct smtp_reply r;

	smtp_reply_init(&r, NULL, NULL);
	smtp_reply_feed(&r, in, len);
	ck_assert_int_eq(r.state, SMTP_R_FAILED);
	ck_assert_str_eq(r.err, err);
}

START_TEST(reply_errors)
{
	reply_fails("HTTP/1.1 400 Bad Request\r\n", 26,
	    "not an SMTP reply: \"HTTP/1.1 400 Bad Request\"");
	reply_fails("199 no\r\n", 8, "not an SMTP reply: \"199 no\"");
	reply_fails("600 no\r\n", 8, "not an SMTP reply: \"600 no\"");
	reply_fails("25\r\n", 4, "not an SMTP reply: \"25\"");
	reply_fails("250x\r\n", 6, "not an SMTP reply: \"250x\"");
	reply_fails("250-a\r\n251 b\r\n", 14,
	    "reply code changed from 250 to 251 within one reply");
	reply_fails("250 a\rb\r\n", 9,
	    "reply line holds the control byte 0x0d");
	reply_fails("250 a\0b\r\n", 9,
	    "reply line holds the control byte 0x00");
	reply_fails("250 \x1b[31mred\r\n", 14,
	    "reply line holds the control byte 0x1b");
	reply_fails("\xff\xfe\r\n", 4, "not an SMTP reply: \"??\"");
}
END_TEST

START_TEST(reply_bounds)
{
	static char big[SMTP_LINE_MAX * 2 + (SMTP_LINES_MAX + 2) * 8];
	struct smtp_reply r;
	size_t i, len;

	/* 998 bytes and CRLF: the longest line there may be. */
	memcpy(big, "250 ", 4);
	memset(big + 4, 'x', 994);
	memcpy(big + 998, "\r\n", 2);
	smtp_reply_init(&r, NULL, NULL);
	ck_assert_uint_eq(smtp_reply_feed(&r, big, 1000), 1000);
	ck_assert_int_eq(r.state, SMTP_R_DONE);
	/* One more: refused, not cut. */
	memset(big + 4, 'x', 995);
	memcpy(big + 999, "\r\n", 2);
	reply_fails(big, 1001, "reply line longer than 1000 bytes");
	/* 100 lines are fine, 101 are not. */
	for (len = 0, i = 0; i < SMTP_LINES_MAX; i++) {
		memcpy(big + len, i + 1 < SMTP_LINES_MAX ? "250-ab\r\n" :
		    "250 ab\r\n", 8);
		len += 8;
	}
	smtp_reply_init(&r, NULL, NULL);
	smtp_reply_feed(&r, big, len);
	ck_assert_int_eq(r.state, SMTP_R_DONE);
	ck_assert_uint_eq(r.nlines, SMTP_LINES_MAX);
	memcpy(big + len - 8, "250-ab\r\n250 ab\r\n", 16);
	reply_fails(big, len + 8, "reply longer than 100 lines");
	/* Text beyond SMTP_TEXT_MAX: kept cut, with "...". */
	for (len = 0, i = 0; i < 20; i++) {
		memcpy(big + len, "550-", 4);
		memset(big + len + 4, 'a' + (char)i, 96);
		memcpy(big + len + 100, "\r\n", 2);
		len += 102;
	}
	big[len - 102 + 3] = ' ';
	smtp_reply_init(&r, NULL, NULL);
	smtp_reply_feed(&r, big, len);
	ck_assert_int_eq(r.state, SMTP_R_DONE);
	ck_assert_int_eq(r.cut, 1);
	ck_assert(str_ends(r.text, "..."));
	ck_assert_uint_eq(strlen(r.text), r.tlen);
	ck_assert_uint_le(r.tlen, SMTP_TEXT_MAX - 1);
}
END_TEST

START_TEST(caps_lines)
{
	struct smtp_caps c;

	memset(&c, 0, sizeof c);
	smtp_caps_line(&c, "auth login");
	ck_assert_uint_eq(c.flags, SMTP_CAP_AUTH_LOGIN);
	smtp_caps_line(&c, "AUTH=PLAIN");
	ck_assert_uint_eq(c.flags, SMTP_CAP_AUTH_LOGIN | SMTP_CAP_AUTH_PLAIN);
	memset(&c, 0, sizeof c);
	smtp_caps_line(&c, "AUTH CRAM-MD5 XOAUTH2 PLAINX");
	smtp_caps_line(&c, "STARTTLSX");
	smtp_caps_line(&c, "XSTARTTLS");
	smtp_caps_line(&c, "STARTTLS=1");
	smtp_caps_line(&c, "");
	ck_assert_uint_eq(c.flags, 0);
	smtp_caps_line(&c, "SIZE");
	ck_assert_uint_eq(c.flags, SMTP_CAP_SIZE);
	ck_assert(c.size_max == 0);
	smtp_caps_line(&c, "size 10240000");
	ck_assert(c.size_max == 10240000);
	smtp_caps_line(&c, "SIZE 99999999999999999999999");
	ck_assert(c.size_max == 10240000);
	smtp_caps_line(&c, "starttls");
	smtp_caps_line(&c, "8bitmime");
	ck_assert_uint_eq(c.flags, SMTP_CAP_SIZE | SMTP_CAP_STARTTLS |
	    SMTP_CAP_8BITMIME);
}
END_TEST

/* ---- the password file ------------------------------------------ */

START_TEST(password_files)
{
	char path[128], pw[SMTP_SECRET_MAX + 1], why[512];
	char big[SMTP_SECRET_MAX + 8];

	path_in(path, sizeof path, "pw");
	write_file(path, " pass word \n", 0600);
	ck_assert_int_eq(smtp_password_load(path, pw, sizeof pw, why,
	    sizeof why), 1);
	ck_assert_str_eq(pw, " pass word ");
	write_file(path, "crlf\r\n", 0640);
	ck_assert_int_eq(smtp_password_load(path, pw, sizeof pw, why,
	    sizeof why), 1);
	ck_assert_str_eq(pw, "crlf");
	write_file(path, "secret\n", 0604);
	ck_assert_int_eq(smtp_password_load(path, pw, sizeof pw, why,
	    sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "is readable by others (mode "
	    "0604): refused"));
	ck_assert_str_eq(pw, "");
	write_file(path, "", 0600);
	ck_assert_int_eq(smtp_password_load(path, pw, sizeof pw, why,
	    sizeof why), -1);
	write_file(path, "two\nlines\n", 0600);
	ck_assert_int_eq(smtp_password_load(path, pw, sizeof pw, why,
	    sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "more than one line"));
	memset(big, 'p', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	write_file(path, big, 0600);
	ck_assert_int_eq(smtp_password_load(path, pw, sizeof pw, why,
	    sizeof why), -1);
	big[SMTP_SECRET_MAX] = '\0';
	write_file(path, big, 0600);
	ck_assert_int_eq(smtp_password_load(path, pw, sizeof pw, why,
	    sizeof why), 1);
	ck_assert_uint_eq(strlen(pw), SMTP_SECRET_MAX);
	path_in(path, sizeof path, "missing");
	ck_assert_int_eq(smtp_password_load(path, pw, sizeof pw, why,
	    sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "No such file"));
}
END_TEST

START_TEST(password_credential)
{
	char path[128], pw[64], why[512];

	unsetenv("CREDENTIALS_DIRECTORY");
	ck_assert_int_eq(smtp_password_load(NULL, pw, sizeof pw, why,
	    sizeof why), 0);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	ck_assert_int_eq(smtp_password_load("", pw, sizeof pw, why,
	    sizeof why), 0);
	path_in(path, sizeof path, SMTP_CRED_NAME);
	write_file(path, "from-credential\n", 0400);
	ck_assert_int_eq(smtp_password_load(NULL, pw, sizeof pw, why,
	    sizeof why), 1);
	ck_assert_str_eq(pw, "from-credential");
	unlink(path);
	unsetenv("CREDENTIALS_DIRECTORY");
}
END_TEST

/* ---- scripted peers ---------------------------------------------- */

/*
 * A script is a list of steps, each a letter, ':' and an argument:
 *   S:TEXT   send TEXT as it is
 *   P:       pause 30 ms (so that what follows is a separate write)
 *   C:TEXT   read one line; it must end in CRLF and start with TEXT
 *            (any case)
 *   E:TEXT   read one line; it must be TEXT and CRLF exactly
 *   D:       read DATA up to "CRLF.CRLF", saved to the data file
 *   K:N      read N bytes, then close (connection lost mid-DATA)
 *   X:       close now
 *   H:       say nothing until the client goes (at most 10 s)
 * After the last step the peer reads until the client closes.
 */
struct peer {
	pid_t pid;
	unsigned port;
	char wire[128];		/* every byte the client sent */
	char data[128];		/* the DATA content, stuffed */
	char err[128];		/* why the script failed */
};

static struct peer peer;
static int wire_fd = -1;

static void
peer_exit(const char *err_path, const char *what, const char *arg)
	__attribute__((noreturn));

/* Write "what: arg" to err_path and exit 1. */
static void
peer_exit(const char *err_path, const char *what, const char *arg)
{
	char msg[2600];
	int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	str_fmt(msg, sizeof msg, "%s: %s", what, arg);
	if (fd >= 0) {
		fd_write_all(fd, msg, strlen(msg));
		close(fd);
	}
	_exit(1);
}

static ssize_t
peer_read(int c, char *buf, size_t n)
{
	ssize_t r = read(c, buf, n);

	if (r > 0)
		fd_write_all(wire_fd, buf, (size_t)r);
	return r;
}

/* One line with its LF; 1 with CRLF, 0 without, -1 at the end. */
static int
peer_line(int c, char *line, size_t n)
{
	size_t len = 0;

	while (len + 1 < n) {
		if (peer_read(c, line + len, 1) != 1)
			return -1;
		if (line[len++] == '\n')
			break;
	}
	line[len] = '\0';
	if (len < 2 || line[len - 1] != '\n' || line[len - 2] != '\r')
		return 0;
	line[len - 2] = '\0';
	return 1;
}

static void
peer_data(int c, const char *data_path, const char *err)
{
	static char buf[65536];
	size_t len = 0;
	int fd;

	while (len < 5 || memcmp(buf + len - 5, "\r\n.\r\n", 5) != 0) {
		if (len + 1 >= sizeof buf || peer_read(c, buf + len, 1) != 1)
			peer_exit(err, "DATA not ended", "no CRLF.CRLF");
		len++;
	}
	fd = open(data_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		fd_write_all(fd, buf, len);
		close(fd);
	}
}

static void
peer_step(int c, const char *step, const struct peer *p)
{
	char line[2048];
	const char *arg = step + 2;
	size_t n;

	switch (step[0]) {
	case 'S':
		fd_write_all(c, arg, strlen(arg));
		break;
	case 'P':
		sleep_ms(30);
		break;
	case 'C':
	case 'E':
		if (peer_line(c, line, sizeof line) != 1)
			peer_exit(p->err, "no CRLF line, wanted", arg);
		if (step[0] == 'C' ? strncasecmp(line, arg, strlen(arg)) != 0 :
		    strcmp(line, arg) != 0)
			peer_exit(p->err, "unexpected line", line);
		break;
	case 'D':
		peer_data(c, p->data, p->err);
		break;
	case 'K':
		for (n = (size_t)atoi(arg); n > 0; n--)
			if (peer_read(c, line, 1) != 1)
				break;
		/* fall through */
	case 'X':
		close(c);
		_exit(0);
	case 'H':
		while (peer_read(c, line, sizeof line) > 0)
			;
		break;
	}
}

static void
peer_child(int lfd, const char *const *script, const struct peer *p)
{
	struct timeval tv = { 10, 0 };
	char buf[256];
	int c, one = 1;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* A script may go on talking after the client has gone. */
	signal(SIGPIPE, SIG_IGN);
	wire_fd = open(p->wire, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	c = accept(lfd, NULL, NULL);
	if (c < 0 || wire_fd < 0)
		_exit(2);
	close(lfd);
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	for (; *script != NULL; script++)
		peer_step(c, *script, p);
	while (peer_read(c, buf, sizeof buf) > 0)
		;
	_exit(0);
}

static int
listener(unsigned *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void
peer_start(const char *name, const char *const *script)
{
	int fd;

	memset(&peer, 0, sizeof peer);
	path_in(peer.wire, sizeof peer.wire, name);
	str_append(peer.wire, sizeof peer.wire, ".wire");
	path_in(peer.data, sizeof peer.data, name);
	str_append(peer.data, sizeof peer.data, ".data");
	path_in(peer.err, sizeof peer.err, name);
	str_append(peer.err, sizeof peer.err, ".err");
	fd = listener(&peer.port);
	peer.pid = fork();
	ck_assert_int_ge(peer.pid, 0);
	if (peer.pid == 0)
		peer_child(fd, script, &peer);
	close(fd);
}

/* Wait for the peer (at most 3 s); it must have played all its
 * script. */
static void
peer_finish(void)
{
	int64_t end = mono_ms() + 3000;
	char err[512] = "";
	int st = 0;
	pid_t r;

	while ((r = waitpid(peer.pid, &st, WNOHANG)) == 0 &&
	    mono_ms() < end)
		sleep_ms(10);
	if (r == 0) {
		kill(peer.pid, SIGKILL);
		waitpid(peer.pid, &st, 0);
	}
	peer.pid = 0;
	file_read(peer.err, err, sizeof err);
	ck_assert_msg(r != 0, "the peer did not finish");
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "peer: status %d: %s", st, err);
}

static size_t
wire(char *buf, size_t cap)
{
	ssize_t n = file_read(peer.wire, buf, cap);

	ck_assert_int_ge(n, 0);
	ck_assert_msg(crlf_only(buf, (size_t)n), "bare CR or LF sent");
	return (size_t)n;
}

/* The transcript, one "D line" per line. */
static char transcript[65536];

static void
trace_keep(void *ctx, char d, const char *line)
{
	(void)ctx;
	str_append(transcript, sizeof transcript, "%c %s\n", d, line);
}

static enum smtp_result
send_to_peer(struct smtp_opts *o, const struct smtp_msg *m, char *why,
    size_t n)
{
	transcript[0] = '\0';
	o->trace = trace_keep;
	o->port = peer.port;
	return smtp_send(o, m, why, n);
}

static const struct smtp_msg alert = {
	SUBJ_OK,
	"flask.service failed and was restarted.\n"
	".hidden line that starts with a dot\n"
	"..two dots\n"
	".\n"
	"last line\n",
	NULL
};

#define GREET		"S:220 peer.example ESMTP ready\r\n"
#define EHLO_OK		"S:250-peer.example\r\n250 8BITMIME\r\n"
#define MAIL_FROM	"E:MAIL FROM:<ansai@device.example>"
#define RCPT_1		"E:RCPT TO:<ops@example.com>"
#define RCPT_2		"E:RCPT TO:<oncall@example.net>"
#define OK		"S:250 2.0.0 Ok\r\n"
#define QUIT		"E:QUIT", "S:221 2.0.0 Bye\r\n"
#define TO_DATA		MAIL_FROM, OK, RCPT_1, OK, RCPT_2, OK, \
			"E:DATA", "S:354 End data with <CR><LF>.<CR><LF>\r\n"

START_TEST(plain_send_split_ehlo)
{
	static const char *const script[] = {
		GREET, "C:EHLO [127.0.0.1]",
		"S:250-peer.example greets you\r\n250-PIPE", "P:",
		"S:LINING\r\n250-SIZE 100000\r\n25", "P:", "S:0 8BITMIME\r\n",
		"C:MAIL FROM:<ansai@device.example> SIZE=", OK,
		RCPT_1, OK, RCPT_2, OK, "E:DATA",
		"S:354 go ahead\r\n", "D:",
		"S:250 2.0.0 Ok: queued as ABC123\r\n", QUIT, NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	static char buf[65536], why[512];
	size_t n;

	o.helo_name = "[127.0.0.1]";
	peer_start("plain", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_SENT);
	peer_finish();
	ck_assert_str_eq(why, "250 2.0.0 Ok: queued as ABC123");
	wire(buf, sizeof buf);
	n = (size_t)file_read(peer.data, buf, sizeof buf);
	ck_assert(crlf_only(buf, n));
	/* Stuffed on the wire: each line that starts with '.' got one
	 * more; the end is the lone dot. */
	ck_assert_ptr_nonnull(strstr(buf, "\r\n..hidden line that starts "
	    "with a dot\r\n...two dots\r\n..\r\nlast line\r\n.\r\n"));
	ck_assert(str_ends(buf, "last line\r\n.\r\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\r\nSubject: =?UTF-8?Q?=E2=9C=85"));
	ck_assert_ptr_nonnull(strstr(transcript, "< 250-PIPELINING\n"
	    "< 250-SIZE 100000\n< 250 8BITMIME\n"));
	ck_assert_ptr_nonnull(strstr(transcript, "* state rcpt\n> RCPT TO:"
	    "<ops@example.com>\n"));
	ck_assert_ptr_nonnull(strstr(transcript, "> [message: "));
}
END_TEST

START_TEST(greylisting_on_one_rcpt_is_tempfail)
{
	static const char *const script[] = {
		GREET, "C:EHLO ", EHLO_OK, MAIL_FROM, OK, RCPT_1, OK, RCPT_2,
		"S:450 4.2.0 <oncall@example.net>: Recipient address "
		"rejected: Greylisted, try again in 300 s\r\n", QUIT, NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	static char buf[65536], why[512];

	peer_start("greylist", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_TEMPFAIL);
	peer_finish();
	ck_assert_str_eq(why + strcspn(why, " "), " answered RCPT TO:"
	    "<oncall@example.net> with 450 4.2.0 <oncall@example.net>: "
	    "Recipient address rejected: Greylisted, try again in 300 s");
	ck_assert(str_starts(why, "127.0.0.1:"));
	/* No partial delivery: DATA never sent. */
	wire(buf, sizeof buf);
	ck_assert_ptr_null(strstr(buf, "DATA"));
}
END_TEST

START_TEST(mail_from_554_is_permfail)
{
	static const char *const script[] = {
		GREET, "C:EHLO ", EHLO_OK, MAIL_FROM,
		"S:554 5.7.1 <ansai@device.example>: Sender address "
		"rejected: Access denied\r\n", QUIT, NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	char why[512];

	peer_start("mail554", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_PERMFAIL);
	peer_finish();
	ck_assert_ptr_nonnull(strstr(why, "answered MAIL FROM:<ansai@device."
	    "example> with 554 5.7.1 <ansai@device.example>: Sender address "
	    "rejected: Access denied"));
}
END_TEST

START_TEST(rcpt_550_is_permfail_for_all)
{
	static const char *const script[] = {
		GREET, "C:EHLO ", EHLO_OK, MAIL_FROM, OK, RCPT_1,
		"S:550-5.1.1 The email account that you tried to reach\r\n"
		"550 5.1.1 does not exist.\r\n", QUIT, NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	char why[512];

	peer_start("rcpt550", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_PERMFAIL);
	peer_finish();
	/* The lines of a multi-line answer, joined. */
	ck_assert(str_ends(why, "with 550 5.1.1 The email account that you "
	    "tried to reach 5.1.1 does not exist."));
}
END_TEST

START_TEST(drop_mid_data_is_tempfail)
{
	static const char *const script[] = {
		GREET, "C:EHLO ", EHLO_OK, TO_DATA, "K:64", NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	char why[512];

	peer_start("drop", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_TEMPFAIL);
	peer_finish();
	ck_assert_msg(str_ends(why, "(state body)"), "%s", why);
}
END_TEST

static void
silent_case(const char *name, const char *const *script, int ms,
    const char *state)
{
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	char why[512], want[128];
	int64_t t0, took;

	o.timeout_ms = ms;
	peer_start(name, script);
	t0 = mono_ms();
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_TEMPFAIL);
	took = mono_ms() - t0;
	peer_finish();
	ck_assert_msg(took >= ms - 5 && took <= ms + SLACK_MS,
	    "took %lld ms", (long long)took);
	str_fmt(want, sizeof want, "timed out after %d ms while reading "
	    "from 127.0.0.1:%u (state %s)", ms, peer.port, state);
	ck_assert_str_eq(why, want);
}

START_TEST(silent_server_times_out)
{
	static const char *const mute[] = { "H:", NULL };
	static const char *const mute_after_data[] = {
		GREET, "C:EHLO ", EHLO_OK, TO_DATA, "D:", "H:", NULL
	};
	/* A server that drips a line at a time still ends by the
	 * deadline. */
	static const char *const drip[] = {
		"S:220-a\r\n", "P:", "S:220-b\r\n", "P:", "S:220-c\r\n",
		"P:", "S:220-d\r\n", "P:", "S:220-e\r\n", "P:", "S:220-f\r\n",
		"P:", "S:220-g\r\n", "P:", "S:220-h\r\n", "P:", "H:", NULL
	};

	silent_case("mute", mute, 300, "greeting");
	silent_case("mute-data", mute_after_data, 400, "body");
	silent_case("drip", drip, 150, "greeting");
}
END_TEST

START_TEST(helo_fallback)
{
	static const char *const script[] = {
		GREET, "E:EHLO [127.0.0.1]",
		"S:502 5.5.2 Error: command not recognized\r\n",
		"E:HELO [127.0.0.1]", "S:250 peer.example\r\n",
		TO_DATA, "D:", "S:250 2.0.0 Ok: queued\r\n", QUIT, NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	char why[512];

	o.helo_name = "[127.0.0.1]";
	peer_start("helo", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_SENT);
	peer_finish();
	ck_assert_ptr_nonnull(strstr(transcript, "* state helo\n"));
}
END_TEST

static void
no_secret_in_transcript(void)
{
	ck_assert_ptr_null(strstr(transcript, PASSWORD));
	ck_assert_ptr_null(strstr(transcript, PASS_B64));
	ck_assert_ptr_null(strstr(transcript, PLAIN_B64));
	ck_assert_ptr_null(strstr(transcript, USER_B64));
}

START_TEST(auth_login_flow)
{
	static const char *const script[] = {
		GREET, "C:EHLO ", "S:250-peer.example\r\n250 AUTH LOGIN\r\n",
		"E:AUTH LOGIN", "S:334 VXNlcm5hbWU6\r\n", "E:" USER_B64,
		"S:334 UGFzc3dvcmQ6\r\n", "E:" PASS_B64,
		"S:235 2.7.0 Authentication successful\r\n",
		TO_DATA, "D:", "S:250 2.0.0 Ok\r\n", QUIT, NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	char why[512];

	o.user = USER;
	o.password = PASSWORD;
	peer_start("login", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_SENT);
	peer_finish();
	ck_assert_ptr_nonnull(strstr(transcript, "> AUTH LOGIN\n"
	    "< 334 VXNlcm5hbWU6\n* state auth-user\n> [REDACTED]\n"
	    "< 334 UGFzc3dvcmQ6\n* state auth-pass\n> [REDACTED]\n"));
	no_secret_in_transcript();
}
END_TEST

START_TEST(auth_plain_preferred)
{
	static const char *const script[] = {
		GREET, "C:EHLO ",
		"S:250-peer.example\r\n250 AUTH LOGIN PLAIN CRAM-MD5\r\n",
		"E:AUTH PLAIN " PLAIN_B64, "S:235 2.7.0 Ok\r\n",
		TO_DATA, "D:", "S:250 2.0.0 Ok\r\n", QUIT, NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	char why[512];

	o.user = USER;
	o.password = PASSWORD;
	peer_start("plainauth", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_SENT);
	peer_finish();
	ck_assert_ptr_nonnull(strstr(transcript, "> AUTH PLAIN [REDACTED]\n"));
	no_secret_in_transcript();
}
END_TEST

START_TEST(auth_refused)
{
	static const char *const bad[] = {
		GREET, "C:EHLO ", "S:250-peer.example\r\n250 AUTH PLAIN\r\n",
		"C:AUTH PLAIN ",
		"S:535 5.7.8 Error: authentication failed\r\n", QUIT, NULL
	};
	static const char *const later[] = {
		GREET, "C:EHLO ", "S:250-peer.example\r\n250 AUTH PLAIN\r\n",
		"C:AUTH PLAIN ",
		"S:454 4.7.0 Temporary authentication failure\r\n", QUIT, NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	char why[512];

	o.user = USER;
	o.password = PASSWORD;
	peer_start("auth535", bad);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_PERMFAIL);
	peer_finish();
	ck_assert(str_ends(why, "answered AUTH PLAIN with 535 5.7.8 Error: "
	    "authentication failed"));
	ck_assert_ptr_null(strstr(why, PLAIN_B64));
	no_secret_in_transcript();
	peer_start("auth454", later);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_TEMPFAIL);
	peer_finish();
	ck_assert(str_ends(why, "with 454 4.7.0 Temporary authentication "
	    "failure"));
}
END_TEST

START_TEST(no_auth_offered)
{
	static const char *const script[] = {
		GREET, "C:EHLO ", EHLO_OK, QUIT, NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	char why[512];

	o.user = USER;
	o.password = PASSWORD;
	peer_start("noauth", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_PERMFAIL);
	peer_finish();
	ck_assert(str_ends(why, "offers neither AUTH PLAIN nor AUTH LOGIN "
	    "(on a connection without TLS)"));
}
END_TEST

START_TEST(greetings_refused)
{
	static const char *const busy[] = {
		"S:421 4.3.2 Service not available, closing channel\r\n",
		"H:", NULL
	};
	static const char *const go_away[] = {
		"S:554 5.3.2 No SMTP service here\r\n", QUIT, NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	static char buf[4096], why[512];

	peer_start("421", busy);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_TEMPFAIL);
	peer_finish();
	ck_assert(str_ends(why, "answered the connection with 421 4.3.2 "
	    "Service not available, closing channel"));
	/* 421: not a word more, not even QUIT (the peer listened until
	 * the client closed). */
	ck_assert_uint_eq(wire(buf, sizeof buf), 0);
	peer_start("554", go_away);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_PERMFAIL);
	peer_finish();
	ck_assert(str_ends(why, "with 554 5.3.2 No SMTP service here"));
}
END_TEST

START_TEST(closing_421_mid_session)
{
	static const char *const script[] = {
		GREET, "C:EHLO ", EHLO_OK, MAIL_FROM, OK, RCPT_1,
		"S:421 4.4.2 peer.example Error: timeout exceeded\r\n", "H:",
		NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	static char buf[4096], why[512];

	peer_start("421rcpt", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_TEMPFAIL);
	peer_finish();
	wire(buf, sizeof buf);
	ck_assert_ptr_null(strstr(buf, "QUIT"));
}
END_TEST

START_TEST(starttls_required_but_not_offered)
{
	static const char *const script[] = {
		GREET, "C:EHLO ", EHLO_OK, QUIT, NULL
	};
	struct smtp_opts o = opts_for("localhost", SMTP_TLS_STARTTLS, 0);
	static char buf[4096], why[512];

	peer_start("nostarttls", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_PERMFAIL);
	peer_finish();
	ck_assert(str_ends(why, "does not offer STARTTLS in its answer to "
	    "EHLO: refused to go on without TLS (tls = starttls)"));
	wire(buf, sizeof buf);
	ck_assert_ptr_null(strstr(buf, "MAIL"));
}
END_TEST

START_TEST(starttls_injection_refused)
{
	static const char *const script[] = {
		GREET, "C:EHLO ", "S:250-peer.example\r\n250 STARTTLS\r\n",
		"E:STARTTLS", "S:220 2.0.0 Ready to start TLS\r\n"
		"250 injected\r\n", NULL
	};
	struct smtp_opts o = opts_for("localhost", SMTP_TLS_STARTTLS, 0);
	char why[512];

	peer_start("inject", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_TEMPFAIL);
	peer_finish();
	ck_assert(str_ends(why, "sent 14 bytes after its answer to "
	    "STARTTLS: refused (injected answers?)"));
}
END_TEST

START_TEST(not_an_smtp_server)
{
	static const char *const script[] = {
		"S:HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
		"X:", NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	char why[512], want[256];

	peer_start("http", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_TEMPFAIL);
	peer_finish();
	str_fmt(want, sizeof want, "127.0.0.1:%u: not an SMTP reply: "
	    "\"HTTP/1.1 400 Bad Request\" (state greeting)", peer.port);
	ck_assert_str_eq(why, want);
}
END_TEST

START_TEST(size_limit_checked_before_mail)
{
	static const char *const script[] = {
		GREET, "C:EHLO ", "S:250-peer.example\r\n250 SIZE 100\r\n",
		QUIT, NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	char why[512];

	peer_start("size", script);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_PERMFAIL);
	peer_finish();
	ck_assert_ptr_nonnull(strstr(why, "accepts (SIZE 100)"));
}
END_TEST

START_TEST(odd_answers)
{
	/* 250 to DATA: out of place, temporary. */
	static const char *const data250[] = {
		GREET, "C:EHLO ", EHLO_OK, MAIL_FROM, OK, RCPT_1, OK, RCPT_2,
		OK, "E:DATA", "S:250 what?\r\n", QUIT, NULL
	};
	/* Bare LF line ends from the server are taken. */
	static const char *const lf[] = {
		"S:220 peer\n", "C:EHLO ", "S:250-peer\n250 8BITMIME\n",
		MAIL_FROM, "S:250 ok\n", RCPT_1, "S:250 ok\n", RCPT_2,
		"S:250 ok\n", "E:DATA", "S:354 go\n", "D:", "S:250 ok\n",
		"E:QUIT", "S:221 bye\n", NULL
	};
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	char why[512];

	peer_start("data250", data250);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_TEMPFAIL);
	peer_finish();
	ck_assert(str_ends(why, "answered DATA with 250 what?"));
	peer_start("lf", lf);
	ck_assert_int_eq(send_to_peer(&o, &alert, why, sizeof why),
	    SMTP_SENT);
	peer_finish();
}
END_TEST

START_TEST(options_refused_before_connecting)
{
	static const char *const bad_to[] = { "ops@example.com\r\nDATA" };
	struct smtp_opts o = opts_for("192.0.2.1", SMTP_TLS_NONE, 25);
	char why[512];
	int64_t t0 = mono_ms();

	ck_assert_int_eq(smtp_send(&o, &alert, why, sizeof why),
	    SMTP_PERMFAIL);
	ck_assert_str_eq(why, "tls = none is allowed only to a loopback "
	    "server (127.0.0.0/8, ::1, localhost), not \"192.0.2.1\"");
	o.server = "127.0.0.1.nip.io";
	ck_assert_int_eq(smtp_send(&o, &alert, why, sizeof why),
	    SMTP_PERMFAIL);
	ck_assert(str_starts(why, "tls = none is allowed only"));
	o.server = "127.0.0.1";
	o.to = bad_to;
	o.nto = 1;
	ck_assert_int_eq(smtp_send(&o, &alert, why, sizeof why),
	    SMTP_PERMFAIL);
	ck_assert_str_eq(why, "to: 1 to 32 usable addresses needed");
	o.to = two_to;
	o.nto = 2;
	o.user = USER;
	ck_assert_int_eq(smtp_send(&o, &alert, why, sizeof why),
	    SMTP_PERMFAIL);
	ck_assert(str_starts(why, "user set but the password is missing"));
	o.user = NULL;
	o.helo_name = "bad name\r\n";
	ck_assert_int_eq(smtp_send(&o, &alert, why, sizeof why),
	    SMTP_PERMFAIL);
	o.helo_name = NULL;
	o.tls = SMTP_TLS_STARTTLS;
	o.server = "localhost";
	o.ca_file = "/nonexistent/ca.pem";
	ck_assert_int_eq(smtp_send(&o, &alert, why, sizeof why),
	    SMTP_PERMFAIL);
	ck_assert(str_starts(why, "CA file /nonexistent/ca.pem"));
	ck_assert_int_lt(mono_ms() - t0, 100);
	/* No why buffer: still safe. */
	ck_assert_int_eq(smtp_send(&o, &alert, NULL, 0), SMTP_PERMFAIL);
}
END_TEST

START_TEST(refused_port_is_tempfail)
{
	struct smtp_opts o = opts_for("127.0.0.1", SMTP_TLS_NONE, 0);
	unsigned port;
	char why[512];
	int fd = listener(&port);

	close(fd);
	o.port = port;
	ck_assert_int_eq(smtp_send(&o, &alert, why, sizeof why),
	    SMTP_TEMPFAIL);
	ck_assert_msg(str_ends(why, "connection refused (state connect)"),
	    "%s", why);
}
END_TEST

/* ---- a real server: aiosmtpd ------------------------------------- */

static pid_t aio_pid;
static unsigned aio_starttls, aio_implicit;

static const char *
script_path(const char *env, const char *dflt)
{
	const char *p = getenv(env);

	return p != NULL && *p != '\0' ? p : dflt;
}

/* Run argv, output to out; the exit status, or -1. */
static int
run(const char *const *argv, const char *out)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
aio_start(void)
{
	const char *mk[] = { "/bin/sh",
	    script_path("TLS_MKCERTS", "test/tls/mkcerts.sh"), dir, NULL };
	const char *py[] = { PYTHON,
	    script_path("SMTP_PEER", "test/smtp/peer.py"), "serve", dir, USER,
	    PASSWORD, NULL };
	char out[128], ports[128], buf[4096] = "";
	int64_t end;

	dir_make();
	path_in(out, sizeof out, "mkcerts.out");
	ck_assert_msg(run(mk, out) == 0, "%s failed: see %s", mk[1], out);
	path_in(out, sizeof out, "aiosmtpd.out");
	path_in(ports, sizeof ports, "ports");
	aio_pid = fork();
	ck_assert_int_ge(aio_pid, 0);
	if (aio_pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execv(py[0], (char *const *)py);
		_exit(127);
	}
	for (end = mono_ms() + 10000; mono_ms() < end; sleep_ms(20))
		if (file_read(ports, buf, sizeof buf) > 0)
			break;
	file_read(out, buf + strlen(buf), sizeof buf - strlen(buf));
	ck_assert_msg(sscanf(buf, "starttls %u implicit %u", &aio_starttls,
	    &aio_implicit) == 2, "aiosmtpd did not start (is Debian's "
	    "python3-aiosmtpd installed?): %s", buf);
}

static void
aio_stop(void)
{
	if (aio_pid > 0) {
		kill(aio_pid, SIGKILL);
		waitpid(aio_pid, NULL, 0);
	}
	aio_pid = 0;
	dir_remove();
}

static struct smtp_opts
aio_opts(enum smtp_tls tls, unsigned port, const char *const *to)
{
	static char ca[128];
	struct smtp_opts o = opts_for("localhost", tls, port);

	path_in(ca, sizeof ca, "ca.crt");
	o.ca_file = ca;
	o.user = USER;
	o.password = PASSWORD;
	o.to = to;
	o.nto = 1;
	o.trace = trace_keep;
	return o;
}

/* Python's email package must read back exactly what was sent. */
static void
check_saved(const char *rcpt, const struct smtp_msg *m)
{
	const char *argv[] = { PYTHON,
	    script_path("SMTP_PEER", "test/smtp/peer.py"), "check", NULL,
	    NULL, NULL, NULL };
	char eml[128], subj[128], body[128], out[128], buf[4096] = "";
	int r;

	path_in(eml, sizeof eml, rcpt);
	str_append(eml, sizeof eml, ".eml");
	path_in(subj, sizeof subj, "subject.txt");
	path_in(body, sizeof body, "body.txt");
	path_in(out, sizeof out, "check.out");
	write_file(subj, m->subject, 0600);
	write_file(body, m->body, 0600);
	argv[3] = eml;
	argv[4] = subj;
	argv[5] = body;
	r = run(argv, out);
	file_read(out, buf, sizeof buf);
	ck_assert_msg(r == 0, "peer.py check: %s", buf);
	ck_assert_str_eq(buf, "ok\n");
}

static const struct smtp_msg rich = {
	SUBJ_OK,
	"flask.service failed (exit 1) and was restarted; it is up.\n"
	".hidden line that starts with a dot\n"
	"..two dots\n"
	".\n"
	"na\xc3\xafve caf\xc3\xa9 \xe2\x9c\x85 \xe2\x9d\x8c\n"
	"a = b, trailing blank \n"
	"a very long line aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa end\n"
	"last line\n",
	NULL
};

START_TEST(starttls_auth_real_server)
{
	static const char *const to[] = { "ops+starttls@example.com" };
	struct smtp_opts o = aio_opts(SMTP_TLS_STARTTLS, aio_starttls, to);
	char why[512], json[1024], path[128];
	const char *tls_up, *auth;

	transcript[0] = '\0';
	ck_assert_msg(smtp_send(&o, &rich, why, sizeof why) == SMTP_SENT,
	    "%s\n%s", why, transcript);
	ck_assert_str_eq(why, "250 2.0.0 Ok: saved as "
	    "ops+starttls@example.com");
	check_saved("ops+starttls@example.com", &rich);
	/* AUTH is offered only inside TLS: EHLO was said again. */
	tls_up = strstr(transcript, "* TLS established");
	auth = strstr(transcript, "< 250-AUTH ");
	ck_assert_ptr_nonnull(tls_up);
	ck_assert_ptr_nonnull(auth);
	ck_assert(auth > tls_up);
	ck_assert_ptr_nonnull(strstr(tls_up, "> EHLO "));
	ck_assert_ptr_nonnull(strstr(transcript, "> AUTH PLAIN [REDACTED]"));
	no_secret_in_transcript();
	path_in(path, sizeof path, "ops+starttls@example.com.json");
	ck_assert_int_gt(file_read(path, json, sizeof json), 0);
	ck_assert_ptr_nonnull(strstr(json, "\"tls\": true"));
	ck_assert_ptr_nonnull(strstr(json, "\"auth\": true"));
	ck_assert_ptr_nonnull(strstr(json, "\"mail_from\": "
	    "\"ansai@device.example\""));
}
END_TEST

START_TEST(implicit_tls_real_server)
{
	static const char *const to[] = { "ops+implicit@example.com" };
	struct smtp_opts o = aio_opts(SMTP_TLS_IMPLICIT, aio_implicit, to);
	struct smtp_msg m = { SUBJ_BAD, "It failed again.\n", NULL };
	char why[512];

	transcript[0] = '\0';
	ck_assert_msg(smtp_send(&o, &m, why, sizeof why) == SMTP_SENT,
	    "%s\n%s", why, transcript);
	check_saved("ops+implicit@example.com", &m);
	ck_assert(str_starts(strstr(transcript, "* TLS established"),
	    "* TLS established, certificate verified\n* state greeting\n"));
	no_secret_in_transcript();
}
END_TEST

START_TEST(wrong_password_real_server)
{
	static const char *const to[] = { "ops+wrongpw@example.com" };
	struct smtp_opts o = aio_opts(SMTP_TLS_STARTTLS, aio_starttls, to);
	char why[512];

	o.password = "not the password";
	transcript[0] = '\0';
	ck_assert_int_eq(smtp_send(&o, &rich, why, sizeof why),
	    SMTP_PERMFAIL);
	ck_assert_msg(str_ends(why, "answered AUTH PLAIN with 535 5.7.8 "
	    "Authentication credentials invalid"), "%s", why);
	ck_assert_ptr_null(strstr(transcript, "not the password"));
}
END_TEST

START_TEST(untrusted_certificate_real_server)
{
	static const char *const to[] = { "ops+untrusted@example.com" };
	struct smtp_opts o = aio_opts(SMTP_TLS_STARTTLS, aio_starttls, to);
	char why[512];

	o.ca_file = NULL;	/* the system's CAs do not know ours */
	transcript[0] = '\0';
	ck_assert_int_eq(smtp_send(&o, &rich, why, sizeof why),
	    SMTP_TEMPFAIL);
	ck_assert_msg(strstr(why, "certificate chain not trusted") != NULL &&
	    str_ends(why, "(state starttls)"), "%s", why);
	/* Nothing after STARTTLS went out in clear text. */
	ck_assert_ptr_null(strstr(transcript, "AUTH"));
}
END_TEST

static Suite *
smtp_suite(void)
{
	Suite *s = suite_create("smtp");
	TCase *th = tcase_create("helpers");
	TCase *tp = tcase_create("scripted");
	TCase *tr = tcase_create("real server");

	tcase_add_unchecked_fixture(th, dir_make, dir_remove);
	tcase_add_test(th, b64_vectors);
	tcase_add_test(th, loopback_names);
	tcase_add_test(th, addresses);
	tcase_add_test(th, qp_small_cases);
	tcase_add_test(th, qp_long_lines);
	tcase_add_test(th, qp_random_round_trip);
	tcase_add_test(th, qp_snprintf_semantics);
	tcase_add_test(th, subject_emoji_exact);
	tcase_add_test(th, subject_plain_ascii);
	tcase_add_test(th, subject_folding);
	tcase_add_test(th, subject_injection_and_limits);
	tcase_add_test(th, date_format);
	tcase_add_test(th, message_ids);
	tcase_add_test(th, message_build_whole);
	tcase_add_test(th, message_build_refuses_bad_input);
	tcase_add_test(th, message_build_limits);
	tcase_add_test(th, reply_split_at_every_byte);
	tcase_add_test(th, reply_stops_at_its_end);
	tcase_add_test(th, reply_errors);
	tcase_add_test(th, reply_bounds);
	tcase_add_test(th, caps_lines);
	tcase_add_test(th, password_files);
	tcase_add_test(th, password_credential);
	suite_add_tcase(s, th);

	tcase_add_unchecked_fixture(tp, dir_make, dir_remove);
	tcase_set_timeout(tp, 30);
	tcase_add_test(tp, plain_send_split_ehlo);
	tcase_add_test(tp, greylisting_on_one_rcpt_is_tempfail);
	tcase_add_test(tp, mail_from_554_is_permfail);
	tcase_add_test(tp, rcpt_550_is_permfail_for_all);
	tcase_add_test(tp, drop_mid_data_is_tempfail);
	tcase_add_test(tp, silent_server_times_out);
	tcase_add_test(tp, helo_fallback);
	tcase_add_test(tp, auth_login_flow);
	tcase_add_test(tp, auth_plain_preferred);
	tcase_add_test(tp, auth_refused);
	tcase_add_test(tp, no_auth_offered);
	tcase_add_test(tp, greetings_refused);
	tcase_add_test(tp, closing_421_mid_session);
	tcase_add_test(tp, starttls_required_but_not_offered);
	tcase_add_test(tp, starttls_injection_refused);
	tcase_add_test(tp, not_an_smtp_server);
	tcase_add_test(tp, size_limit_checked_before_mail);
	tcase_add_test(tp, odd_answers);
	tcase_add_test(tp, options_refused_before_connecting);
	tcase_add_test(tp, refused_port_is_tempfail);
	suite_add_tcase(s, tp);

	tcase_add_unchecked_fixture(tr, aio_start, aio_stop);
	tcase_set_timeout(tr, 30);
	tcase_add_test(tr, starttls_auth_real_server);
	tcase_add_test(tr, implicit_tls_real_server);
	tcase_add_test(tr, wrong_password_real_server);
	tcase_add_test(tr, untrusted_certificate_real_server);
	suite_add_tcase(s, tr);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(smtp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
