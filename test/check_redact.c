/* check_redact.c - unit tests for redact.c: a table of what must go
 * and what must stay, the in-place rewrite at the edge of its buffer,
 * the user's patterns, hostile input, and a fuzz loop that plants
 * secrets in random text and checks that none survives. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redact.h"

#define R REDACT_MARK

static char buf[1 << 20];

/* Redact s in buf (cap bytes) and return buf. */
static const char *
run(const char *s, size_t cap, const struct redact_extra *x, unsigned *n)
{
	size_t len = strlen(s), r;

	ck_assert_uint_lt(len, sizeof buf);
	memcpy(buf, s, len + 1);
	r = redact(buf, len, cap, x, n);
	ck_assert_uint_lt(r, cap);
	ck_assert_uint_eq(strlen(buf), r);
	return buf;
}

static const struct {
	const char *in, *out;
	unsigned count;
} cases[] = {
	/* key = value, in all its spellings */
	{ "password=hunter2", "password=" R, 1 },
	{ "DB_PASSWORD=s3cr3t!x", "DB_PASSWORD=" R, 1 },
	{ "Environment=PGPASSWORD=abc123", "Environment=PGPASSWORD=" R, 1 },
	{ "passwd: letmein", "passwd: " R, 1 },
	{ "password: correct horse battery", "password: " R, 1 },
	{ "[db]\npassword = my secret pw\nuser = app",
	    "[db]\npassword = " R "\nuser = app", 1 },
	{ "level=info password=abc user=bob", "level=info password=" R
	    " user=bob", 1 },
	{ "{\"token\": null, \"user\": \"bob\"}",
	    "{\"token\": " R ", \"user\": \"bob\"}", 1 },
	{ "authorization=Basic dXNlcjpw", "authorization=Basic " R, 1 },
	{ "x-api-key: 0a1b2c3d", "x-api-key: " R, 1 },
	{ "apikey=AbCd1234", "apikey=" R, 1 },
	{ "client_secret = topsecret", "client_secret = " R, 1 },
	{ "{\"token\": \"abc\", \"user\": \"bob\"}",
	    "{\"token\": \"" R "\", \"user\": \"bob\"}", 1 },
	{ "{'password': 'p w'}", "{'password': '" R "'}", 1 },
	{ "password = \"a b c\" # quoted", "password = \"" R "\" # quoted",
	    1 },
	{ "msg={\\\"token\\\":\\\"xyz\\\",\\\"n\\\":1}",
	    "msg={\\\"token\\\":\\\"" R "\\\",\\\"n\\\":1}", 1 },
	{ "app --password=abc -v", "app --password=" R " -v", 1 },
	{ "app --password abc -v", "app --password " R " -v", 1 },
	{ "app --db-password 'a b' -v", "app --db-password '" R "' -v", 1 },
	{ "Authorization: Bearer abc.def-ghi", "Authorization: Bearer " R,
	    1 },
	{ "Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic " R, 1 },
	{ "\"Authorization\": \"Bearer abc\"", "\"Authorization\": \"Bearer "
	    R "\"", 1 },
	{ "Cookie: sid=abc; theme=dark", "Cookie: " R, 1 },
	{ "Set-Cookie: sid=abc; Path=/; HttpOnly", "Set-Cookie: " R, 1 },
	{ "GET /cb?access_token=abc123&state=ok", "GET /cb?access_token=" R
	    "&state=ok", 1 },
	{ "spring.datasource.password: pw1", "spring.datasource.password: " R,
	    1 },
	{ "db_pass=x1 mysql_pwd=x2", "db_pass=" R " mysql_pwd=" R, 2 },
	{ "password2=abc", "password2=" R, 1 },
	{ "cfg: {password=abc}, next", "cfg: {password=" R "}, next", 1 },
	{ "pw=abc pass=x bypass=1", "pw=" R " pass=" R " bypass=1", 2 },
	{ "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx"
	    "In0.sig' x", "curl -H 'Authorization: Bearer " R "' x", 1 },
	{ "sent Bearer abcdefgh1234 upstream", "sent Bearer " R " upstream",
	    1 },
	/* private keys */
	{ "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAbCd\n"
	    "-----END RSA PRIVATE KEY-----\nafter", R "\nafter", 1 },
	{ "key: -----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n", "key: " R "\n",
	    1 },
	{ "x -----BEGIN PRIVATE KEY-----MIIE-----END PRIVATE KEY----- y",
	    "x " R " y", 1 },
	{ "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END ENCRYPTED "
	    "PRIVATE KEY----- tail", R "\n tail", 1 },
	/* URLs */
	{ "dsn postgres://app:hunter2@db:5432/app",
	    "dsn postgres://" R "@db:5432/app", 1 },
	{ "https://u:p@ss@host/x", "https://" R "@host/x", 1 },
	{ "https://ghp0123456789abcdefXYZ@github.com/o/r",
	    "https://" R "@github.com/o/r", 1 },
	/* tokens */
	{ "key 9f86d081884c7d659a2feaa0c55ad015"
	    "a3bf4f1b2b0b822cd15d6c15b0f00a08",
	    "key " R, 1 },
	{ "secret dGhpcyBpcyBhIHNlY3JldCBrZXkgMTIzNDU2Nzg5MA== end",
	    "secret " R " end", 1 },
	{ "aws AKIAIOSFODNN7EXAMPLE and "
	    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	    "aws " R " and " R, 2 },
	{ "gh ghp_abcdefghijklmnopqrstuvwxyz0123456789",
	    "gh " R, 1 },
	{ "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3"
	    "jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok", "jwt " R " ok", 1 },
	{ "slack xoxb-123456789012-abcdefghij", "slack " R, 1 },
	/* e-mail */
	{ "mail to alice.smith+ops@example.co.uk failed",
	    "mail to " R " failed", 1 },
	{ "From: <bob@mail.example.org>", "From: <" R ">", 1 },
	/* innocent text that must stay */
	{ "2026-12-04T16:25:30+0000 box systemd[1]: Started my-app.service.",
	    NULL, 0 },
	{ "/usr/lib/x86_64-linux-gnu/systemd/system-generators/foo", NULL, 0 },
	{ "/home/User/Documents/Project2024/src/Main.java", NULL, 0 },
	{ "getty@tty1.service ansai-heal@my-app.service.service", NULL, 0 },
	{ "uuid 123e4567-e89b-12d3-a456-426614174000 mounted", NULL, 0 },
	{ "journalctl _SYSTEMD_INVOCATION_ID=4d3c2b1a0f9e8d7c6b5a493827160504",
	    NULL, 0 },
	{ "Learned from: systemctl show, failed run "
	    "4d3c2b1a0f9e8d7c6b5a493827160504", NULL, 0 },
	{ "sshd[1]: Failed password for root from 10.0.0.1 port 22", NULL,
	    0 },
	{ "Invalid token", NULL, 0 },
	{ "password_file=/run/secrets/db max_tokens=100", NULL, 0 },
	{ "PWD=/root HOME=/root", NULL, 0 },
	{ "bypass=1 ${DB_PASSWORD} $PASSWORD", NULL, 0 },
	{ "AbstractApplicationContextRefreshFailedException", NULL, 0 },
	{ "-----BEGIN CERTIFICATE-----", NULL, 0 },
	{ "ssh://git@github.com/o/r.git and http://[::1]:8080/x", NULL, 0 },
	{ "Main process exited, code=exited, status=203/EXEC", NULL, 0 },
	{ "pid 12345 addr 0x7ffd5e8c sha 1a2b3c4d", NULL, 0 },
	{ "password: " R " and Authorization: Bearer " R, NULL, 0 },
	{ "", NULL, 0 },
};

START_TEST(check_table)
{
	unsigned i, n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *want = cases[i].out ? cases[i].out : cases[i].in;

		run(cases[i].in, sizeof buf, NULL, &n);
		ck_assert_msg(strcmp(buf, want) == 0,
		    "case %u: \"%s\"\n  gave \"%s\"\n  want \"%s\"", i,
		    cases[i].in, buf, want);
		ck_assert_msg(n == cases[i].count, "case %u: count %u, "
		    "want %u", i, n, cases[i].count);
	}
	ck_assert_uint_ge(i, 40);
}
END_TEST

/* Redacting twice changes nothing more. */
START_TEST(check_idempotent)
{
	static char once[4096];
	unsigned i, n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run(cases[i].in, sizeof buf, NULL, &n);
		strcpy(once, buf);
		run(once, sizeof buf, NULL, &n);
		ck_assert_msg(strcmp(buf, once) == 0 && n == 0,
		    "case %u: \"%s\" became \"%s\"", i, once, buf);
	}
}
END_TEST

START_TEST(check_journal_lines)
{
	const char *in =
	    "2026-12-04T16:25:30+0000 box app[812]: connecting to "
	    "redis://:Sup3rS3cret@10.0.0.5:6379/0\n"
	    "2026-12-04T16:25:30+0000 box app[812]: config: {\"db\": "
	    "{\"user\": \"app\", \"password\": \"Tr0ub4dor&3\"}}\n"
	    "2026-12-04T16:25:31+0000 box systemd[1]: my-app.service: Main "
	    "process exited, code=exited, status=1/FAILURE\n";
	unsigned n;

	run(in, sizeof buf, NULL, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_null(strstr(buf, "Sup3rS3cret"));
	ck_assert_ptr_null(strstr(buf, "Tr0ub4dor"));
	ck_assert_ptr_nonnull(strstr(buf, "redis://" R "@10.0.0.5:6379/0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\"password\": \"" R "\"}}\n"));
	ck_assert_ptr_nonnull(strstr(buf, "status=1/FAILURE\n"));
}
END_TEST

/* A whole report as report.c writes it: only the secrets change. */
START_TEST(check_report_text)
{
	static const char *const keep[] = {
		"ansai self-heal report\n======================\n\n",
		"Unit:      my-app.service\nHost:      box\n",
		"Time:      2026-12-04T16:25:31Z\n",
		"Summary:   serving again 0.412 s after the failure\n",
		"  my-app.service exited with code 1.\n",
		"  Learned from: MONITOR_* variables, failed run "
		    "4d3c2b1a0f9e8d7c6b5a493827160504\n",
		"  State when ansai started: failed/failed, result exit-code, "
		    "main process exited 1, 3 automatic restarts\n",
		"  1. restart  ok          0.412 s  active, accepting on port "
		    "5000, stable for 5 s\n",
		"  /etc/ansai/ansai.conf\n  stabilize 5 s, port 5000\n",
		"  Memory: 301.2 MiB available of 512.0 MiB (41% used)\n",
		"  Swap: none\n  Load: 0.42 0.30 0.25 (1 of 123 tasks "
		    "runnable)\n  Uptime: 3d 4h 5m\n",
		"  Disk /: 5.0 GiB free of 8.0 GiB (38% used), 400000 of "
		    "500000 inodes free\n",
		"  2026-12-04T16:25:30+0000 box app.py[2817]: Traceback (most "
		    "recent call last):\n",
		"  2026-12-04T16:25:30+0000 box app.py[2817]:   File "
		    "\"/opt/my-app/app.py\", line 12, in <module>\n",
		"  2026-12-04T16:25:30+0000 box systemd[1]: my-app.service: "
		    "Main process exited, code=exited, status=1/FAILURE\n",
		"  \xe2\x97\x8f my-app.service - My App\n",
		"       Loaded: loaded (/etc/systemd/system/my-app.service; "
		    "enabled; preset: enabled)\n",
		"     Main PID: 3012 (python3)\n        Tasks: 1 (limit: "
		    "4915)\n       Memory: 21.3M\n          CPU: 1.234s\n",
		"       CGroup: /system.slice/my-app.service\n",
		"    journalctl _SYSTEMD_INVOCATION_ID="
		    "4d3c2b1a0f9e8d7c6b5a493827160504\n",
		"    journalctl -t ansai-self-heal -b\n",
		"  This report: /var/lib/ansai/reports/20261204T162531Z-"
		    "my-app.service-3012.txt\n",
	};
	static char in[8192], want[8192];
	unsigned i, n;

	in[0] = want[0] = '\0';
	for (i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		strcat(in, keep[i]);
		strcat(want, keep[i]);
		if (i == 12) {
			strcat(in, "  2026 box app.py[2817]: connect "
			    "postgres://app:Pa55w0rd@db/app\n");
			strcat(want, "  2026 box app.py[2817]: connect "
			    "postgres://" R "@db/app\n");
		}
		if (i == 18) {
			strcat(in, "               \xe2\x94\x94\xe2\x94\x80"
			    "3012 /usr/bin/python3 /opt/my-app/app.py --token "
			    "t0k3nV4lue\n");
			strcat(want, "               \xe2\x94\x94\xe2\x94\x80"
			    "3012 /usr/bin/python3 /opt/my-app/app.py --token "
			    R "\n");
		}
	}
	run(in, sizeof buf, NULL, &n);
	ck_assert_str_eq(buf, want);
	ck_assert_uint_eq(n, 2);
}
END_TEST

/* A key block cut off at the end takes everything after it along. */
START_TEST(check_pem_cut)
{
	const char *in = "before\n2026 app[1]: -----BEGIN EC PRIVATE KEY-----"
	    "\n2026 app[1]: MHcCAQEEIBL\n2026 app[1]: AwEHoUQDQgAE";
	unsigned n;

	run(in, sizeof buf, NULL, &n);
	ck_assert_str_eq(buf, "before\n2026 app[1]: " R "\n");
	ck_assert_uint_eq(n, 1);
}
END_TEST

/* Markers longer than the secrets: growth within cap is fine; beyond
 * it, the text is cut after a whole line and says so. */
START_TEST(check_growth_and_cut)
{
	const char *in = "a=1\npw=x\npw=y\npw=z\n";
	size_t len = strlen(in), r;
	unsigned n;

	run(in, sizeof buf, NULL, &n);
	ck_assert_str_eq(buf, "a=1\npw=" R "\npw=" R "\npw=" R "\n");
	ck_assert_uint_eq(n, 3);

	/* Exactly enough room. */
	memcpy(buf, in, len + 1);
	r = redact(buf, len, len + 3 * 9 + 1, NULL, &n);
	ck_assert_str_eq(buf, "a=1\npw=" R "\npw=" R "\npw=" R "\n");
	ck_assert_uint_eq(r, len + 27);

	/* Not enough: whole lines, then the note, within cap. */
	memcpy(buf, in, len + 1);
	r = redact(buf, len, 45, NULL, &n);
	ck_assert_uint_lt(r, 45);
	ck_assert_str_eq(buf, "a=1\n" REDACT_CUT_NOTE);
	ck_assert_uint_eq(n, 2);	/* replaced, then cut away */

	/* No room even for the note: as much of it as fits. */
	memcpy(buf, "pw=x", 5);
	r = redact(buf, 4, 5, NULL, &n);
	ck_assert_uint_eq(r, 4);
	ck_assert_str_eq(buf, "[...");
	ck_assert_ptr_null(strchr(buf, 'x'));

	/* Zero-sized and one-byte buffers. */
	ck_assert_uint_eq(redact(buf, 0, 0, NULL, &n), 0);
	buf[0] = 'q';
	ck_assert_uint_eq(redact(buf, 1, 1, NULL, &n), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

/* Every buffer size from 1 up: the result fits, and is either the
 * whole redaction or whole lines of it followed by the cut note. */
START_TEST(check_every_cap)
{
	static char full[2048], in[1024];
	const char *note = REDACT_CUT_NOTE;
	size_t len, flen, cap, r, k = strlen(note);
	unsigned i, n;

	in[0] = '\0';
	for (i = 0; i < 12; i++)
		snprintf(in + strlen(in), sizeof in - strlen(in), "line %u "
		    "pw=%c\n", i, 'a' + i);
	len = strlen(in);
	memcpy(full, in, len + 1);
	flen = redact(full, len, sizeof full, NULL, &n);
	ck_assert_uint_eq(n, 12);
	for (cap = 1; cap <= flen + 1; cap++) {
		memcpy(buf, in, len + 1);
		r = redact(buf, len, cap, NULL, &n);
		ck_assert_uint_lt(r, cap);
		if (cap == flen + 1) {
			ck_assert_str_eq(buf, full);
			break;
		}
		if (r < k) {
			ck_assert_int_eq(strncmp(buf, note, r), 0);
			continue;
		}
		ck_assert_str_eq(buf + r - k, note);
		ck_assert_int_eq(strncmp(buf, full, r - k), 0);
		ck_assert(r == k || buf[r - k - 1] == '\n');
	}
	/* And when the text itself is longer than the buffer. */
	for (cap = 1; cap <= len; cap++) {
		memcpy(buf, in, len + 1);
		r = redact(buf, len, cap, NULL, &n);
		ck_assert_uint_lt(r, cap);
		ck_assert_ptr_null(strstr(buf, "pw=a"));
		if (r >= k)
			ck_assert_str_eq(buf + r - k, note);
	}
}
END_TEST

START_TEST(check_long_line)
{
	size_t len = REDACT_LINE_MAX + 10;
	unsigned n;

	memset(buf, 'a', len);
	memcpy(buf + 100, "password=zzz", 12);
	memcpy(buf + len, "\nok\n", 5);
	redact(buf, len + 4, sizeof buf, NULL, &n);
	ck_assert_str_eq(buf, R " (a line too long to examine)\nok\n");
	ck_assert_uint_eq(n, 1);
}
END_TEST

/* NUL bytes end lines for the detectors and are kept. */
START_TEST(check_nul_bytes)
{
	const char in[] = "a\0password=x\0b";
	unsigned n;
	size_t r;

	memcpy(buf, in, sizeof in);
	r = redact(buf, sizeof in - 1, sizeof buf, NULL, &n);
	ck_assert_uint_eq(r, 2 + 9 + 10 + 2);
	ck_assert_mem_eq(buf, "a\0password=" R "\0b", r + 1);
	ck_assert_uint_eq(n, 1);
}
END_TEST

START_TEST(check_extra)
{
	struct redact_extra x;
	char err[256], big[REDACT_PATTERN_MAX + 2];
	unsigned i, n;

	redact_extra_init(&x);
	ck_assert_int_eq(redact_extra_add(&x, "cust-[0-9]{6}", err,
	    sizeof err), 0);
	ck_assert_int_eq(redact_extra_add(&x, "^internal", err, sizeof err),
	    0);
	ck_assert_int_eq(redact_extra_add(&x, "x*", err, sizeof err), 0);
	run("order CUST-123456 and cust-654321\ninternal note internal",
	    sizeof buf, &x, &n);
	ck_assert_str_eq(buf, "order " R " and " R "\n" R " note internal");
	ck_assert_uint_eq(n, 3);

	ck_assert_int_eq(redact_extra_add(&x, "(a)\\1", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "back-references"));
	ck_assert_int_eq(redact_extra_add(&x, "", err, sizeof err), -1);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(redact_extra_add(&x, big, err, sizeof err), -1);
	ck_assert_int_eq(redact_extra_add(&x, "a(b", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "bad redact pattern"));
	for (i = x.n; i < REDACT_EXTRA_MAX; i++)
		ck_assert_int_eq(redact_extra_add(&x, "q", err, sizeof err),
		    0);
	ck_assert_int_eq(redact_extra_add(&x, "q", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 8"));
	redact_extra_free(&x);
	ck_assert_uint_eq(x.n, 0);
}
END_TEST

/* The patterns as ansai.conf's [ai] redact holds them. */
START_TEST(check_extra_conf)
{
	struct conf_ai ai;
	struct redact_extra x;
	char err[256];
	unsigned n;

	memset(&ai, 0, sizeof ai);
	ai.nredact = 2;
	strcpy(ai.redact[0], "acct-[0-9]+");
	strcpy(ai.redact[1], "internal\\.example");
	ck_assert_int_eq(redact_extra_conf(&x, &ai, err, sizeof err), 0);
	ck_assert_uint_eq(x.n, 2);
	run("acct-42 on internal.example", sizeof buf, &x, &n);
	ck_assert_str_eq(buf, R " on " R);
	redact_extra_free(&x);

	/* One refused: none is kept, and the error names it. */
	strcpy(ai.redact[1], "(x)\\1");
	ck_assert_int_eq(redact_extra_conf(&x, &ai, err, sizeof err), -1);
	ck_assert_uint_eq(x.n, 0);
	ck_assert_ptr_nonnull(strstr(err, "back-references"));
	ai.nredact = 0;
	ck_assert_int_eq(redact_extra_conf(&x, &ai, err, sizeof err), 0);
	ck_assert_uint_eq(x.n, 0);
}
END_TEST

/* Patterns whose compilation would cost gigabytes in musl (bounded
 * repeats are copied) are refused before regcomp ever sees them. */
START_TEST(check_extra_costly)
{
	static const char *const bad[] = {
		"(a{1,150}){1,150}", "((a{0,200}){0,200}){0,200}", "(a+)+",
		"x{21}", "y{1,21}", "(ab*)*", "((x)+)?",
	};
	static const char *const good[] = {
		"ACME-[0-9]{6}", "sk-[a-z0-9]{20}", "(foo|bar)+", "a{2,}",
		"\\{99\\}", "x{0,20}",
	};
	struct redact_extra x;
	char err[160];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		redact_extra_init(&x);
		ck_assert_msg(redact_extra_add(&x, bad[i], err, sizeof err) < 0,
		    "accepted %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "too costly"));
		redact_extra_free(&x);
	}
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		redact_extra_init(&x);
		ck_assert_msg(redact_extra_add(&x, good[i], err, sizeof err)
		    == 0, "refused %s: %s", good[i], err);
		redact_extra_free(&x);
	}
}
END_TEST

/* Key names found missing in review: camelCase, *_key, psk, auth. */
START_TEST(check_more_keys)
{
	static const char *const in[] = {
		"{\"privateKey\":\"pkVALUE123\"}",
		"{\"secretKey\":\"skVALUE123\",\"accessKey\":\"akVALUE123\"}",
		"ENCRYPTION_KEY=encVALUE123",
		"SIGNING_KEY=sigVALUE123",
		"psk=\"MyWifiPSKpass1\"",
		"{\"auth\":\"dXNlcjpodW50ZXIy\"}",
		"Ocp-Apim-Subscription-Key: subVALUE123",
	};
	static const char *const secret[] = {
		"pkVALUE123", "skVALUE123", "encVALUE123", "sigVALUE123",
		"MyWifiPSKpass1", "dXNlcjpodW50ZXIy", "subVALUE123",
	};
	char line[512];
	unsigned count;
	size_t i;

	for (i = 0; i < sizeof in / sizeof in[0]; i++) {
		snprintf(line, sizeof line, "%s\n", in[i]);
		redact(line, strlen(line), sizeof line, NULL, &count);
		ck_assert_msg(strstr(line, secret[i]) == NULL, "kept: %s", line);
		ck_assert_uint_ge(count, 1);
	}
	/* akVALUE123 too, in the same line. */
	snprintf(line, sizeof line, "%s\n", in[1]);
	redact(line, strlen(line), sizeof line, NULL, &count);
	ck_assert(strstr(line, "akVALUE123") == NULL);
}
END_TEST

START_TEST(check_note)
{
	char s[128];

	redact_note(0, s, sizeof s);
	ck_assert_ptr_nonnull(strstr(s, "no value"));
	redact_note(1, s, sizeof s);
	ck_assert_str_eq(s, "Redaction: 1 value was removed before this "
	    "text left the machine.");
	redact_note(7, s, sizeof s);
	ck_assert_ptr_nonnull(strstr(s, "7 values were removed"));
}
END_TEST

/* Inputs made to make a careless scanner quadratic: each must take
 * well under a second even with sanitizers. */
START_TEST(check_hostile)
{
	static const char *const units[] = {
		"://", "a@", "password=", "password='", "-----BEGIN PRIVATE "
		"KEY-----", "-----BEGIN X", "eyJ", "bearer ", "\\\"token\\\":",
		"aB3", "@a.", "ghp_", "x",
	};
	struct redact_extra x;
	char err[128];
	unsigned i, n;
	size_t len, k;

	redact_extra_init(&x);
	ck_assert_int_eq(redact_extra_add(&x, "(a|b)*c", err, sizeof err), 0);
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		clock_t t0 = clock();

		len = 0;
		k = strlen(units[i]);
		while (len + k + 1 < 300000) {
			memcpy(buf + len, units[i], k);
			len += k;
			/* one line per 8000 bytes: the line limit is not
			 * what keeps it fast */
			if (len % 8000 < k)
				buf[len++] = '\n';
		}
		buf[len] = '\0';
		redact(buf, len, sizeof buf, &x, &n);
		ck_assert_msg(clock() - t0 < CLOCKS_PER_SEC, "unit '%s' took "
		    "%ld ms", units[i], (long)((clock() - t0) * 1000 /
		    CLOCKS_PER_SEC));
	}
	redact_extra_free(&x);
}
END_TEST

/* ---- fuzz ---- */

/* Longer runs: -DFUZZ_ITERS=200000. */
#ifndef FUZZ_ITERS
#define FUZZ_ITERS 4000
#endif

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* A random value: letters of each class in turn, so base64 forms look
 * random by construction and no window repeats innocent text. */
static void
secret(char *s, size_t len, const char *alpha)
{
	static const char *const cls[] = {
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz",
		"0123456789",
	};
	size_t i;

	for (i = 0; i < len; i++) {
		const char *a = alpha ? alpha : cls[i % 3];

		s[i] = a[rnd((unsigned)strlen(a))];
	}
	s[len] = '\0';
}

static const char *const innocent[] = {
	"2026-12-04T16:25:30+0000 box systemd[1]: Started my-app.service.",
	"Main process exited, code=exited, status=1/FAILURE", "user=app",
	"/usr/lib/python3/dist-packages/flask/app.py", "port 5000", "ok",
	"Failed password for root", "uuid 123e4567-e89b-12d3-a456-"
	"426614174000", "getty@tty1.service", "Traceback (most recent call "
	"last):", "{\"level\": \"error\", \"msg\": \"boom\"}", "pid=812",
	"Consumed 1.234s CPU time.", "GET /health HTTP/1.1 200",
};

#define NSECRETS 8

struct plant {
	char v[NSECRETS][64];
	unsigned n;
};

/* Append one secret in one of its forms; remember its value. */
static void
add_secret(char *s, size_t n, struct plant *p)
{
	char *v = p->v[p->n++], f[256];

	switch (rnd(12)) {
	case 0:
		secret(v, 12, NULL);
		snprintf(f, sizeof f, "password=%s", v);
		break;
	case 1:
		secret(v, 12, NULL);
		snprintf(f, sizeof f, "{\"api_key\": \"%s x\"}", v);
		break;
	case 2:
		secret(v, 12, NULL);
		snprintf(f, sizeof f, "--password %s", v);
		break;
	case 3:
		secret(v, 16, NULL);
		snprintf(f, sizeof f, "Authorization: Bearer %s", v);
		break;
	case 4:
		secret(v, 10, NULL);
		snprintf(f, sizeof f, "https://admin:%s@db.lan/x", v);
		break;
	case 5:
		secret(v, 40, "0123456789abcdef");
		snprintf(f, sizeof f, "sum %s", v);
		break;
	case 6:
		secret(v, 44, NULL);
		snprintf(f, sizeof f, "k=%.3s %s==", "xyz", v);
		break;
	case 7:
		secret(v, 10, "abcdefghijklmnopqrstuvwxyz");
		snprintf(f, sizeof f, "mail %s@example.com", v);
		break;
	case 8:
		secret(v, 20, NULL);
		snprintf(f, sizeof f, "-----BEGIN RSA PRIVATE KEY-----\n%s\n"
		    "-----END RSA PRIVATE KEY-----", v);
		break;
	case 9:
		secret(v, 36, NULL);
		snprintf(f, sizeof f, "ghp_%s", v);
		break;
	case 10:
		secret(v, 24, NULL);
		snprintf(f, sizeof f, "eyJhbGciOiJIUzI1NiJ9.eyJ%s.sig", v);
		break;
	default:
		secret(v, 12, NULL);
		snprintf(f, sizeof f, "DB_PASSWORD='%s'", v);
		break;
	}
	strncat(s, f, n - strlen(s) - 1);
}

/* Does any 6-byte window of v appear in s? */
static int
leaks(const char *s, const char *v)
{
	size_t i, k = strlen(v);
	char w[7];

	for (i = 0; i + 6 <= k; i++) {
		memcpy(w, v + i, 6);
		w[6] = '\0';
		if (strstr(s, w))
			return 1;
	}
	return 0;
}

START_TEST(check_fuzz_planted)
{
	static const char *const seps[] = { " ", "\n", ", ", "; ", " | ",
	    "\t" };
	static char in[8192];
	struct plant p;
	unsigned it, j, n;
	size_t len, cap;

	for (it = 0; it < FUZZ_ITERS; it++) {
		in[0] = '\0';
		memset(&p, 0, sizeof p);
		for (j = 0; j < 10; j++) {
			if (rnd(3) == 0 && p.n < NSECRETS)
				add_secret(in, sizeof in, &p);
			else
				strncat(in, innocent[rnd(sizeof innocent /
				    sizeof innocent[0])], sizeof in -
				    strlen(in) - 1);
			strncat(in, seps[rnd(6)], sizeof in - strlen(in) - 1);
		}
		len = strlen(in);
		/* Sometimes too small, to go through the cut. */
		cap = rnd(4) == 0 ? len / 2 + 1 + rnd((unsigned)len) :
		    sizeof buf;
		memcpy(buf, in, len + 1);
		ck_assert_uint_lt(redact(buf, len, cap, NULL, &n), cap);
		for (j = 0; j < p.n; j++)
			ck_assert_msg(!leaks(buf, p.v[j]), "iteration %u: "
			    "'%s' survived in:\n%s\nfrom:\n%s", it, p.v[j],
			    buf, in);
	}
}
END_TEST

/* Random bytes and mutations of real text: no crash, bounds kept,
 * output terminated. */
START_TEST(check_fuzz_random)
{
	static char in[4096];
	static const char alpha[] = "aZ9=:/@.-_\"' \n\t\\{}[]-----BEGIN "
	    "PRIVATE KEY password token eyJ ghp_ ://";
	struct redact_extra x;
	char err[64];
	unsigned it, n, j;
	size_t len, cap, r;

	redact_extra_init(&x);
	ck_assert_int_eq(redact_extra_add(&x, "[0-9]+x?", err, sizeof err),
	    0);
	for (it = 0; it < FUZZ_ITERS * 3 / 4; it++) {
		len = rnd(sizeof in - 1);
		for (j = 0; j < len; j++)
			in[j] = it % 2 ? (char)rnd(256) :
			    alpha[rnd(sizeof alpha - 1)];
		cap = len + 1 + (rnd(2) ? rnd(64) : rnd(4096));
		memcpy(buf, in, len);
		buf[len] = '\0';
		buf[cap] = 'G';		/* guard */
		r = redact(buf, len, cap, &x, &n);
		ck_assert_uint_lt(r, cap);
		ck_assert_int_eq(buf[r], '\0');
		ck_assert_int_eq(buf[cap], 'G');
		/* And again on its own output. */
		redact(buf, r, cap, &x, &n);
		ck_assert_int_eq(buf[cap], 'G');
	}
	redact_extra_free(&x);
}
END_TEST

static Suite *
redact_suite(void)
{
	Suite *s = suite_create("redact");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, check_table);
	tcase_add_test(tc, check_idempotent);
	tcase_add_test(tc, check_journal_lines);
	tcase_add_test(tc, check_report_text);
	tcase_add_test(tc, check_pem_cut);
	tcase_add_test(tc, check_growth_and_cut);
	tcase_add_test(tc, check_every_cap);
	tcase_add_test(tc, check_long_line);
	tcase_add_test(tc, check_nul_bytes);
	tcase_add_test(tc, check_extra);
	tcase_add_test(tc, check_extra_conf);
	tcase_add_test(tc, check_note);
	tcase_add_test(tc, check_hostile);
	tcase_add_test(tc, check_fuzz_planted);
	tcase_add_test(tc, check_fuzz_random);
	tcase_add_test(tc, check_extra_costly);
	tcase_add_test(tc, check_more_keys);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(redact_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
