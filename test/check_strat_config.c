/* check_strat_config.c - unit tests for the config strategy's parts:
 * cfgcheck.c (environment files, Environment=/EnvironmentFiles=, one-
 * line output, the validator, systemd-analyze lines, the unit's user,
 * readability) and rollback.c (names, meta, save/restore).  Nothing
 * here runs systemctl; files are made in a private directory under
 * /tmp.  Readability and owner tests need root and say so. */
#include <check.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfgcheck.h"
#include "rollback.h"
#include "util.h"

#define FIXTURES "test/fixtures/strat_config"

static char text[65536];
static char tmpdir[64];

static const char *
load(const char *name)
{
	char path[256];
	ssize_t n;

	snprintf(path, sizeof path, FIXTURES "/%s", name);
	n = file_read(path, text, sizeof text);
	ck_assert_msg(n > 0, "cannot read %s", path);
	return text;
}

/* A private directory other users may enter (for readability tests). */
static void
mk_tmpdir(void)
{
	str_copy(tmpdir, sizeof tmpdir, "/tmp/check-strat-config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ck_assert_int_eq(chmod(tmpdir, 0755), 0);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* Only the directory made above, depth first, never following links. */
static void
rm_tmpdir(void)
{
	ck_assert_int_eq(nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

static void
put_file(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fd_write_all(fd, content, strlen(content)), 0);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
}

static const char *
get_file(const char *path)
{
	static char buf[4096];

	ck_assert_int_ge(file_read(path, buf, sizeof buf), 0);
	return buf;
}

static int
is_root(void)
{
	return geteuid() == 0;
}

/* ---- environment files ---- */

START_TEST(check_env_text)
{
	static const char *const set[] = {
		"PLAIN", "AFTER_COMMENT", "INDENTED", "EXPORTED",
		"EXPORTED_TAB",
		"exported_lower", "SPACED", "EMPTY", "SINGLE", "DOUBLE",
		"MULTI", "SQ_MULTI", "CONT", "AFTER_CONT", "CRLF",
		"EQ_IN_VALUE", "LAST_NO_NEWLINE",
	};
	static const char *const unset[] = {
		"NOT_SET_SEMI", "NOT_SET_HASH", "NOT_SET_IN_DQUOTE",
		"NOT_SET_IN_SQUOTE", "NOT_SET_CONT", "NO", "NO EQUALS",
		"1BAD", "BAD", "BAD-DASH", "export", "exported", "PLAI",
		"PLAIN1", "a", "",
	};
	const char *t = load("app.env");
	unsigned i, skipped = 99;

	for (i = 0; i < ARRAY_LEN(set); i++)
		ck_assert_msg(env_text_defines(t, set[i], &skipped),
		    "%s not found", set[i]);
	ck_assert_uint_eq(skipped, 0);
	for (i = 0; i < ARRAY_LEN(unset); i++)
		ck_assert_msg(!env_text_defines(t, unset[i], NULL),
		    "'%s' found", unset[i]);
}
END_TEST

START_TEST(check_env_text_overlong)
{
	static char big[5 * CFG_ENVLINE_MAX];
	unsigned skipped = 0;
	size_t at;

	/* A value just within the bound counts; one past it is skipped
	 * whole, and the lines around it still count. */
	str_copy(big, sizeof big, "BEFORE=1\nFITS=");
	at = strlen(big);
	memset(big + at, 'v', CFG_ENVLINE_MAX - 6);
	big[at + CFG_ENVLINE_MAX - 6] = '\0';
	str_append(big, sizeof big, "\nLONG=");
	at = strlen(big);
	memset(big + at, 'w', CFG_ENVLINE_MAX);
	big[at + CFG_ENVLINE_MAX] = '\0';
	str_append(big, sizeof big, "\n# ");
	at = strlen(big);
	memset(big + at, 'c', CFG_ENVLINE_MAX);	/* a long comment */
	big[at + CFG_ENVLINE_MAX] = '\0';
	str_append(big, sizeof big, "\nAFTER=1\n");
	ck_assert(env_text_defines(big, "BEFORE", &skipped));
	ck_assert(env_text_defines(big, "FITS", &skipped));
	ck_assert(env_text_defines(big, "AFTER", &skipped));
	ck_assert_uint_eq(skipped, 1);
	ck_assert(!env_text_defines(big, "LONG", &skipped));
	ck_assert_uint_eq(skipped, 1);
}
END_TEST

START_TEST(check_env_text_unterminated)
{
	/* An open quote runs to the end: nothing after it is a key. */
	const char *t = "A=\"never closed\nB=1\n";

	ck_assert(env_text_defines(t, "A", NULL));
	ck_assert(!env_text_defines(t, "B", NULL));
	ck_assert(!env_text_defines("", "A", NULL));
	ck_assert(!env_text_defines("\n\n   \n", "A", NULL));
}
END_TEST

START_TEST(check_env_prop)
{
	const char *t = load("env.show");
	size_t len;
	const char *v;

	v = strstr(t, "Environment=");
	ck_assert_ptr_nonnull(v);
	v += strlen("Environment=");
	len = strcspn(v, "\n");
	ck_assert(env_prop_defines(v, len, "OTHER"));
	ck_assert(env_prop_defines(v, len, "GREETING"));
	ck_assert(env_prop_defines(v, len, "QUOTE"));
	ck_assert(env_prop_defines(v, len, "PATHLIKE"));
	ck_assert(env_prop_defines(v, len, "EMPTY"));
	ck_assert(!env_prop_defines(v, len, "world"));	/* inside quotes */
	ck_assert(!env_prop_defines(v, len, "hi"));
	ck_assert(!env_prop_defines(v, len, "b"));	/* after an '=' */
	ck_assert(!env_prop_defines(v, len, "OTHE"));
	ck_assert(!env_prop_defines(v, len, "EnvironmentFiles"));
	/* len bounds it: the next line is not read. */
	ck_assert(!env_prop_defines(v, 7, "GREETING"));
	ck_assert(env_prop_defines(v, 7, "OTHER"));
	ck_assert(!env_prop_defines("", 0, "A"));
	ck_assert(!env_prop_defines("A", 1, "A"));	/* no '=' */
	ck_assert(env_prop_defines("'A=x y' B=1", 11, "B"));
	ck_assert(!env_prop_defines("'A=x B=1'", 9, "B"));
}
END_TEST

START_TEST(check_env_files)
{
	struct env_file f[CFG_ENVFILES_MAX];
	char why[256];
	unsigned n = 99;

	ck_assert_int_eq(env_files_parse(load("env.show"), f,
	    CFG_ENVFILES_MAX, &n, why, sizeof why), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(f[0].path, "/etc/c-e.env");
	ck_assert_int_eq(f[0].ignore_errors, 0);
	ck_assert_str_eq(f[1].path, "/etc/c e/with space.env");
	ck_assert_int_eq(f[1].ignore_errors, 1);
	ck_assert_str_eq(f[2].path, "/etc/c-opt.env");
	ck_assert_int_eq(f[2].ignore_errors, 1);

	/* More than fit: refused, not cut. */
	ck_assert_int_eq(env_files_parse(text, f, 2, &n, why, sizeof why),
	    -1);
	ck_assert_ptr_nonnull(strstr(why, "more than 2"));

	ck_assert_int_eq(env_files_parse("User=\n", f, 4, &n, why,
	    sizeof why), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(check_env_files_malformed)
{
	static const char *const bad[] = {
		"EnvironmentFiles=/etc/x.env\n",
		"EnvironmentFiles=/etc/x.env (ignore_errors=maybe)\n",
		"EnvironmentFiles=/etc/x.env (ignore_errors=no\n",
		"EnvironmentFiles= (ignore_errors=no)\n",
	};
	struct env_file f[4];
	char why[256], big[CONF_PATH_MAX + 64];
	unsigned i, n;

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		why[0] = '\0';
		ck_assert_msg(env_files_parse(bad[i], f, 4, &n, why,
		    sizeof why) == -1, "accepted: %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(why, "not understood"));
	}
	/* A path too long for the struct is refused, not cut. */
	str_copy(big, sizeof big, "EnvironmentFiles=/");
	memset(big + strlen(big), 'p', CONF_PATH_MAX);
	big[18 + CONF_PATH_MAX] = '\0';
	str_append(big, sizeof big, " (ignore_errors=no)\n");
	ck_assert_int_eq(env_files_parse(big, f, 4, &n, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "too long"));
	/* The last " (ignore_errors=" wins: a path may hold the words. */
	ck_assert_int_eq(env_files_parse("EnvironmentFiles=/a (ignore_errors="
	    "no).env (ignore_errors=yes)\n", f, 4, &n, why, sizeof why), 0);
	ck_assert_str_eq(f[0].path, "/a (ignore_errors=no).env");
	ck_assert_int_eq(f[0].ignore_errors, 1);
}
END_TEST

/* ---- output in one line ---- */

START_TEST(check_condense_lines)
{
	char out[256];

	cfg_condense("  first line  \n\n\t\nsecond\tline\r\nthird\x01\x7f"
	    "\n", 0, 200, out, sizeof out);
	ck_assert_str_eq(out, "first line | second line | third??");
	cfg_condense("", 0, 200, out, sizeof out);
	ck_assert_str_eq(out, "");
	cfg_condense("\n \n", 1, 200, out, sizeof out);
	ck_assert_str_eq(out, " [cut]");
	cfg_condense("exactly10!", 0, 10, out, sizeof out);
	ck_assert_str_eq(out, "exactly10!");
}
END_TEST

START_TEST(check_condense_bounds)
{
	static char big[20000];
	char out[512];
	size_t i, keep = CFG_OUTPUT_MAX;

	/* Numbered lines: head and tail must be the real ones. */
	big[0] = '\0';
	for (i = 0; i < 1000; i++)
		str_append(big, sizeof big, "line %zu\n", i);
	cfg_condense(big, 0, keep, out, sizeof out);
	ck_assert_uint_le(strlen(out), keep + strlen(" [...] "));
	ck_assert(str_starts(out, "line 0 | line 1 | "));
	ck_assert(str_ends(out, " | line 998 | line 999"));
	ck_assert_ptr_nonnull(strstr(out, " [...] "));
	cfg_condense(big, 1, keep, out, sizeof out);
	ck_assert_uint_le(strlen(out), keep + strlen(" [...] ") +
	    strlen(" [cut]"));
	ck_assert(str_ends(out, "line 999 [cut]"));
	/* A small out[] is filled and terminated, never overrun. */
	memset(out, 'z', sizeof out);
	cfg_condense(big, 1, keep, out, 16);
	ck_assert_uint_eq(strlen(out), 15);
	ck_assert_int_eq(out[16], 'z');
	cfg_condense(big, 0, keep, out, 1);
	ck_assert_str_eq(out, "");
}
END_TEST

/* ---- the validator ---- */

static void
words(struct conf_words *w, const char *a, const char *b, const char *c)
{
	memset(w, 0, sizeof *w);
	ck_assert_int_eq(str_copy(w->v[w->n++], CONF_WORD_MAX, a), 0);
	if (b != NULL)
		ck_assert_int_eq(str_copy(w->v[w->n++], CONF_WORD_MAX, b), 0);
	if (c != NULL)
		ck_assert_int_eq(str_copy(w->v[w->n++], CONF_WORD_MAX, c), 0);
}

START_TEST(check_validate_ok_and_fail)
{
	struct conf_words w;
	char out[CFG_OUTPUT_MAX + 160];

	words(&w, "/bin/true", NULL, NULL);
	memset(out, 'x', sizeof out);
	ck_assert_int_eq(cfg_validate(&w, 5000, out, sizeof out), 1);
	ck_assert_str_eq(out, "");

	words(&w, "/bin/sh", "-c", "echo out-line; echo 'bad: line 3' >&2; "
	    "exit 3");
	ck_assert_int_eq(cfg_validate(&w, 5000, out, sizeof out), 0);
	/* stderr first: that is where validators complain. */
	ck_assert_str_eq(out, "exited 3: bad: line 3 | out-line");

	words(&w, "/bin/false", NULL, NULL);
	ck_assert_int_eq(cfg_validate(&w, 5000, out, sizeof out), 0);
	ck_assert_str_eq(out, "exited 1, printing nothing");

	words(&w, "/bin/sh", "-c", "kill -TERM $$");
	ck_assert_int_eq(cfg_validate(&w, 5000, out, sizeof out), 0);
	ck_assert_str_eq(out, "killed by SIGTERM, printing nothing");
}
END_TEST

START_TEST(check_validate_not_started)
{
	struct conf_words w;
	char out[CFG_OUTPUT_MAX + 160];

	words(&w, "/nonexistent/validator", "x", NULL);
	ck_assert_int_eq(cfg_validate(&w, 5000, out, sizeof out), -1);
	ck_assert_str_eq(out, "not started: No such file or directory");
}
END_TEST

/* A validator that gives no verdict in time did not check anything:
 * -1 (no verdict), never 0 (invalid), so no rollback can follow. */
START_TEST(check_validate_timeout)
{
	struct conf_words w;
	char out[CFG_OUTPUT_MAX + 160];

	words(&w, "/bin/sh", "-c", "echo hanging >&2; exec sleep 10");
	ck_assert_int_eq(cfg_validate(&w, 300, out, sizeof out), -1);
	ck_assert(str_starts(out, "timed out after "));
	ck_assert(str_ends(out, " ms, killed"));
}
END_TEST

/* Exit 0 is valid even when the validator leaves a daemon behind. */
START_TEST(check_validate_leaves_child)
{
	struct conf_words w;
	char out[CFG_OUTPUT_MAX + 160];

	words(&w, "/bin/sh", "-c", "setsid sleep 5 & echo config ok; exit 0");
	ck_assert_int_eq(cfg_validate(&w, 3000, out, sizeof out), 1);
}
END_TEST

START_TEST(check_validate_output_bounded)
{
	struct conf_words w;
	char out[CFG_OUTPUT_MAX + 160];
	const char *colon;

	/* 100 KB on each stream: the capture is cut (and says so), the
	 * line stays within CFG_OUTPUT_MAX plus its markers. */
	words(&w, "/bin/sh", "-c", "seq 0 20000 | sed 's/^/out /' >&2; "
	    "yes 'error: wrong' | head -n 9000; exit 2");
	memset(out, 'x', sizeof out);
	ck_assert_int_eq(cfg_validate(&w, 20000, out, sizeof out), 0);
	ck_assert_msg(str_starts(out, "exited 2: out 0 | out 1 | "), "%s",
	    out);
	ck_assert(str_ends(out, " [cut]"));
	ck_assert_ptr_nonnull(strstr(out, " [...] "));
	colon = strchr(out, ':');
	ck_assert_uint_le(strlen(colon + 2), CFG_OUTPUT_MAX +
	    strlen(" [...] ") + strlen(" [cut]"));
	ck_assert_uint_lt(strlen(out), sizeof out);
}
END_TEST

/* ---- systemd-analyze verify ---- */

START_TEST(check_verify_lines)
{
	char out[CFG_OUTPUT_MAX + 32];
	unsigned k;

	k = cfg_verify_lines(load("verify-mixed.txt"), "c-v.service",
	    "/etc/systemd/system/c-v.service", out, sizeof out);
	/* Its 4 lines, head and tail kept; c-bad2.service's left out. */
	ck_assert_uint_eq(k, 4);
	ck_assert(str_starts(out, "/etc/systemd/system/c-v.service:8: "
	    "Special user nobody"));
	ck_assert(str_ends(out, "c-v.service: Command /usr/bin/c-missing is "
	    "not executable: No such file or directory"));
	ck_assert_ptr_nonnull(strstr(out, " [...] "));
	ck_assert_uint_le(strlen(out), CFG_OUTPUT_MAX + strlen(" [...] "));
	ck_assert_ptr_null(strstr(out, "c-bad2"));

	k = cfg_verify_lines(load("verify-others.txt"), "c-ok.service",
	    "/etc/systemd/system/c-ok.service", out, sizeof out);
	ck_assert_uint_eq(k, 0);
	ck_assert_str_eq(out, "");

	/* A unit whose name ends another's is not taken for it. */
	k = cfg_verify_lines("xc-v.service: Command /x is not executable\n"
	    "Unit c-v.service has a bad unit file setting.\n", "c-v.service",
	    "", out, sizeof out);
	ck_assert_uint_eq(k, 1);
	ck_assert_str_eq(out, "Unit c-v.service has a bad unit file "
	    "setting.");
	k = cfg_verify_lines("c-v.services: x\nc-v.service.d: y\n"
	    "Unit c-v.service2 z\n", "c-v.service", "", out, sizeof out);
	ck_assert_uint_eq(k, 0);
}
END_TEST

/* ---- the unit's user ---- */

START_TEST(check_user_resolve)
{
	struct cfg_user u;
	struct passwd *pw = getpwnam("nobody");
	struct group *gr;
	char why[256];
	unsigned i;
	int in;

	ck_assert_int_eq(cfg_user_resolve("", "", "", &u, why, sizeof why), 0);
	ck_assert_str_eq(u.name, "root");
	ck_assert_uint_eq(u.uid, 0);
	ck_assert_uint_eq(u.gid, 0);
	ck_assert_uint_ge(u.ngroups, 1);

	ck_assert_ptr_nonnull(pw);
	ck_assert_int_eq(cfg_user_resolve("nobody", NULL, NULL, &u, why,
	    sizeof why), 0);
	ck_assert_uint_eq(u.uid, pw->pw_uid);
	ck_assert_uint_eq(u.gid, pw->pw_gid);

	/* A number unknown to /etc/passwd: taken as is, gid the same. */
	ck_assert_int_eq(cfg_user_resolve("54321", "", "", &u, why,
	    sizeof why), 0);
	ck_assert_uint_eq(u.uid, 54321);
	ck_assert_uint_eq(u.gid, 54321);
	ck_assert_uint_eq(u.ngroups, 1);

	/* Group= and SupplementaryGroups= by name and number. */
	gr = getgrnam("users");
	ck_assert_ptr_nonnull(gr);
	ck_assert_int_eq(cfg_user_resolve("nobody", "users", " 4242  users ",
	    &u, why, sizeof why), 0);
	ck_assert_uint_eq(u.gid, gr->gr_gid);
	for (i = 0, in = 0; i < u.ngroups; i++)
		in += u.groups[i] == 4242;
	ck_assert_int_eq(in, 1);

	ck_assert_int_eq(cfg_user_resolve("no-such-user-x", "", "", &u, why,
	    sizeof why), -1);
	ck_assert_str_eq(why, "User=no-such-user-x does not exist");
	ck_assert_int_eq(cfg_user_resolve("nobody", "no-such-group-x", "",
	    &u, why, sizeof why), -1);
	ck_assert_str_eq(why, "Group=no-such-group-x does not exist");
	ck_assert_int_eq(cfg_user_resolve("nobody", "", "users nogroup-x",
	    &u, why, sizeof why), -1);
	ck_assert_str_eq(why, "SupplementaryGroups=nogroup-x does not exist");
}
END_TEST

/* Groups the user is a member of in /etc/group count: found on this
 * machine, as /etc/group is the host's own. */
START_TEST(check_user_member_groups)
{
	struct cfg_user u;
	struct group *gr;
	struct passwd *pw;
	char why[256], user[64] = "";
	gid_t want = 0;
	unsigned i;
	int in = 0;

	setgrent();
	while (user[0] == '\0' && (gr = getgrent()) != NULL) {
		if (gr->gr_mem[0] == NULL)
			continue;
		pw = getpwnam(gr->gr_mem[0]);
		if (pw == NULL || pw->pw_gid == gr->gr_gid)
			continue;
		str_copy(user, sizeof user, gr->gr_mem[0]);
		want = gr->gr_gid;
	}
	endgrent();
	if (user[0] == '\0') {
		fprintf(stderr, "check_user_member_groups: no user with a "
		    "supplementary group in /etc/group; not run\n");
		return;
	}
	ck_assert_int_eq(cfg_user_resolve(user, "", "", &u, why, sizeof why),
	    0);
	for (i = 0; i < u.ngroups; i++)
		in += u.groups[i] == want;
	ck_assert_msg(in == 1, "%s: group %u missing", user, (unsigned)want);
}
END_TEST

/* Without CAP_SETUID/CAP_SETGID even root cannot take on the user:
 * that is "cannot test" (-1), never "readable". */
static int
drop_setid_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	unsigned bits = (1u << CAP_SETUID) | (1u << CAP_SETGID);

	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	d[0].effective &= ~bits;
	d[0].permitted &= ~bits;
	d[0].inheritable &= ~bits;
	return (int)syscall(SYS_capset, &h, d);
}

START_TEST(check_readable_cannot_switch)
{
	struct cfg_user u;
	char why[256];
	int status, err;
	pid_t pid;

	if (!is_root()) {
		fprintf(stderr, "check_readable_cannot_switch: needs root; "
		    "not run\n");
		return;
	}
	ck_assert_int_eq(cfg_user_resolve("nobody", "", "", &u, why,
	    sizeof why), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int r;

		if (drop_setid_caps() < 0)
			_exit(90);
		r = cfg_readable_as(&u, "/etc/passwd", &err);
		_exit(r == -1 && err == EPERM ? 0 : 91 + r);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(check_readable_as)
{
	struct cfg_user u;
	struct group *gr = getgrnam("users");
	char why[256], f[128], sub[128], g[160];
	int err;

	if (!is_root()) {
		fprintf(stderr, "check_readable_as: needs root; not run\n");
		return;
	}
	mk_tmpdir();
	ck_assert_int_eq(cfg_user_resolve("nobody", "", "", &u, why,
	    sizeof why), 0);
	snprintf(f, sizeof f, "%s/app.conf", tmpdir);
	put_file(f, "x\n", 0600);
	ck_assert_int_eq(cfg_readable_as(&u, f, &err), 0);
	ck_assert_int_eq(err, EACCES);
	ck_assert_int_eq(chmod(f, 0644), 0);
	ck_assert_int_eq(cfg_readable_as(&u, f, &err), 1);
	ck_assert_int_eq(err, 0);

	/* Through a group: the user's own groups and Group=. */
	ck_assert_ptr_nonnull(gr);
	ck_assert_int_eq(chown(f, 0, gr->gr_gid), 0);
	ck_assert_int_eq(chmod(f, 0640), 0);
	ck_assert_int_eq(cfg_readable_as(&u, f, &err), 0);
	ck_assert_int_eq(cfg_user_resolve("nobody", "", "users", &u, why,
	    sizeof why), 0);
	ck_assert_int_eq(cfg_readable_as(&u, f, &err), 1);

	/* A directory on the way counts. */
	snprintf(sub, sizeof sub, "%s/private", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(g, sizeof g, "%s/app.conf", sub);
	put_file(g, "x\n", 0644);
	ck_assert_int_eq(cfg_readable_as(&u, g, &err), 0);
	ck_assert_int_eq(err, EACCES);

	snprintf(g, sizeof g, "%s/missing.conf", tmpdir);
	ck_assert_int_eq(cfg_readable_as(&u, g, &err), 0);
	ck_assert_int_eq(err, ENOENT);

	/* root reads what nobody may. */
	ck_assert_int_eq(cfg_user_resolve("", "", "", &u, why, sizeof why), 0);
	ck_assert_int_eq(chmod(f, 0), 0);
	ck_assert_int_eq(cfg_readable_as(&u, f, &err), 1);
	rm_tmpdir();
}
END_TEST

/* ---- rollback: names ---- */

START_TEST(check_escape)
{
	static const char *const cases[][2] = {
		{ "/etc/app.conf", "etc-app.conf" },
		{ "/etc/c-app.json", "etc-c%2dapp.json" },
		{ "//etc//x/", "etc-x" },
		{ "/.hidden/a.b", "%2ehidden-a.b" },
		{ "/srv/a b/c:d_e", "srv-a%20b-c:d_e" },
		{ "/etc/%m", "etc-%25m" },
		{ "/etc/caf\xc3\xa9", "etc-caf%c3%a9" },
		{ "/etc/x\\y", "etc-x%5cy" },
	};
	char out[ROLLBACK_NAME_MAX + 1], longp[300];
	unsigned i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		ck_assert_int_eq(rollback_escape(cases[i][0], out, sizeof out),
		    0);
		ck_assert_str_eq(out, cases[i][1]);
		ck_assert_ptr_null(strstr(out, "%m"));
	}
	ck_assert_int_eq(rollback_escape("etc/app.conf", out, sizeof out), -1);
	ck_assert_int_eq(rollback_escape("/", out, sizeof out), -1);
	ck_assert_int_eq(rollback_escape("", out, sizeof out), -1);
	/* 247 bytes fit (room is kept for "%meta"), 248 do not, nor do
	 * 83 that each need %XX. */
	longp[0] = '/';
	memset(longp + 1, 'a', 248);
	longp[248] = '\0';
	ck_assert_int_eq(rollback_escape(longp, out, sizeof out), 0);
	ck_assert_uint_eq(strlen(out), 247);
	longp[248] = 'a';
	longp[249] = '\0';
	ck_assert_int_eq(rollback_escape(longp, out, sizeof out), -1);
	memset(longp + 1, '-', 83);
	longp[84] = '\0';
	ck_assert_int_eq(rollback_escape(longp, out, sizeof out), -1);
	/* out[] too small: refused, not cut. */
	ck_assert_int_eq(rollback_escape("/etc/app.conf", out, 12), -1);
}
END_TEST

START_TEST(check_store_path)
{
	char out[ROLLBACK_PATH_MAX];

	ck_assert_int_eq(rollback_store_path("/var/lib/ansai",
	    "my-app.service", "/etc/my-app/app.conf", "", out, sizeof out), 0);
	ck_assert_str_eq(out,
	    "/var/lib/ansai/good/my-app.service/etc-my%2dapp-app.conf");
	ck_assert_int_eq(rollback_store_path("/s", "foo\\x2dbar.service",
	    "/etc/x", "%meta", out, sizeof out), 0);
	ck_assert_str_eq(out, "/s/good/foo%5cx2dbar.service/etc-x%meta");
	ck_assert_int_eq(rollback_store_path("/s", "a.service", "rel", "",
	    out, sizeof out), -1);
	ck_assert_int_eq(rollback_store_path("/s", "a.service", "/etc/x", "",
	    out, 20), -1);
}
END_TEST

START_TEST(check_broken_name)
{
	char out[128];

	/* 1796400900 is 2026-12-04T16:15:00Z. */
	ck_assert_int_eq(rollback_broken_name("/etc/app.conf", 1796400900, 1,
	    out, sizeof out), 0);
	ck_assert_str_eq(out, "/etc/app.conf.ansai-broken-20261204T161500Z");
	ck_assert_int_eq(rollback_broken_name("/etc/app.conf", 1796400900, 2,
	    out, sizeof out), 0);
	ck_assert_str_eq(out,
	    "/etc/app.conf.ansai-broken-20261204T161500Z-2");
	ck_assert_int_eq(rollback_broken_name("/etc/app.conf", 1796400900, 1,
	    out, 40), -1);
}
END_TEST

START_TEST(check_meta)
{
	struct rollback_meta m, back;
	char buf[1024];

	memset(&m, 0, sizeof m);
	str_copy(m.path, sizeof m.path, "/etc/app.conf");
	m.mode = 02640;
	m.uid = 65534;
	m.gid = 100;
	m.size = 1234567;
	m.taken = 1796400900;
	rollback_meta_format(&m, buf, sizeof buf);
	ck_assert(str_starts(buf, "# ansai: last-known-good copy of "
	    "/etc/app.conf, taken 2026-12-04T16:15:00Z\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\nmode=2640\n"));
	ck_assert_int_eq(rollback_meta_parse(buf, &back), 0);
	ck_assert_str_eq(back.path, m.path);
	ck_assert_uint_eq(back.mode, m.mode);
	ck_assert_uint_eq(back.uid, m.uid);
	ck_assert_uint_eq(back.gid, m.gid);
	ck_assert_int_eq(back.size, m.size);
	ck_assert_int_eq(back.taken, m.taken);

	/* Unknown keys of a later version are ignored. */
	str_append(buf, sizeof buf, "sha256=abc\n");
	ck_assert_int_eq(rollback_meta_parse(buf, &back), 0);
	ck_assert_int_eq(rollback_meta_parse("path=/x\nmode=0644\nuid=0\n"
	    "gid=0\nsize=1\n", &back), -1);	/* no taken= */
	ck_assert_int_eq(rollback_meta_parse("path=/x\nmode=0844\nuid=0\n"
	    "gid=0\nsize=1\ntaken=1\n", &back), -1);
	ck_assert_int_eq(rollback_meta_parse("path=x\nmode=0644\nuid=0\n"
	    "gid=0\nsize=1\ntaken=1\n", &back), -1);
	ck_assert_int_eq(rollback_meta_parse("path=/x\nmode=0644\nuid=-1\n"
	    "gid=0\nsize=1\ntaken=1\n", &back), -1);
	ck_assert_int_eq(rollback_meta_parse("garbage\n", &back), -1);
}
END_TEST

/* ---- rollback: save, find, compare, restore ---- */

static unsigned
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

START_TEST(check_save_restore)
{
	struct rollback_meta m;
	struct stat st;
	char state[128], etc[128], f[160], store[ROLLBACK_PATH_MAX];
	char broken[256], broken2[256], why[256];
	int64_t t = 1796400900;

	mk_tmpdir();
	snprintf(state, sizeof state, "%s/state", tmpdir);
	snprintf(etc, sizeof etc, "%s/etc", tmpdir);
	ck_assert_int_eq(mkdir(etc, 0755), 0);
	snprintf(f, sizeof f, "%s/app.conf", etc);
	put_file(f, "good = 1\n", 0640);
	if (is_root())
		ck_assert_int_eq(chown(f, 65534, 100), 0);

	ck_assert_int_eq(rollback_find(state, "a.service", f, &m, why,
	    sizeof why), 0);
	ck_assert_int_eq(rollback_save(state, "a.service", f, why,
	    sizeof why), 0);
	ck_assert_int_eq(rollback_store_path(state, "a.service", f, "", store,
	    sizeof store), 0);
	ck_assert_int_eq(stat(store, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_str_eq(get_file(store), "good = 1\n");
	ck_assert_int_eq(rollback_find(state, "a.service", f, &m, why,
	    sizeof why), 1);
	ck_assert_str_eq(m.path, f);
	ck_assert_uint_eq(m.mode, 0640);
	ck_assert_int_eq(m.size, 9);
	ck_assert_int_eq(rollback_differs(state, "a.service", &m, why,
	    sizeof why), 0);

	/* Broken: the same size, other bytes; then restored. */
	put_file(f, "good = ?\n", 0600);
	ck_assert_int_eq(rollback_differs(state, "a.service", &m, why,
	    sizeof why), 1);
	ck_assert_int_eq(rollback_restore(state, "a.service", &m, t, broken,
	    sizeof broken, why, sizeof why), 0);
	ck_assert(str_ends(broken, "/etc/app.conf.ansai-broken-"
	    "20261204T161500Z"));
	ck_assert_str_eq(get_file(broken), "good = ?\n");
	ck_assert_str_eq(get_file(f), "good = 1\n");
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	if (is_root()) {
		ck_assert_uint_eq(st.st_uid, 65534);
		ck_assert_uint_eq(st.st_gid, 100);
	}
	ck_assert_int_eq(rollback_differs(state, "a.service", &m, why,
	    sizeof why), 0);

	/* Again within the same second: a second broken name. */
	put_file(f, "broken again\n", 0640);
	ck_assert_int_eq(rollback_restore(state, "a.service", &m, t, broken2,
	    sizeof broken2, why, sizeof why), 0);
	ck_assert(str_ends(broken2, "-20261204T161500Z-2"));
	ck_assert_str_eq(get_file(broken), "good = ?\n");
	ck_assert_str_eq(get_file(broken2), "broken again\n");
	/* app.conf and the two broken files; no temporary left over. */
	ck_assert_uint_eq(count_entries(etc), 3);

	/* Missing: restored, no broken name. */
	ck_assert_int_eq(unlink(f), 0);
	ck_assert_int_eq(rollback_differs(state, "a.service", &m, why,
	    sizeof why), 1);
	ck_assert_int_eq(rollback_restore(state, "a.service", &m, t + 1,
	    broken, sizeof broken, why, sizeof why), 0);
	ck_assert_str_eq(broken, "");
	ck_assert_str_eq(get_file(f), "good = 1\n");
	rm_tmpdir();
}
END_TEST

START_TEST(check_restore_refuses_symlink)
{
	struct rollback_meta m;
	char state[128], f[160], target[160], broken[256], why[256];

	mk_tmpdir();
	snprintf(state, sizeof state, "%s/state", tmpdir);
	snprintf(f, sizeof f, "%s/app.conf", tmpdir);
	snprintf(target, sizeof target, "%s/real.conf", tmpdir);
	put_file(f, "good\n", 0644);
	ck_assert_int_eq(rollback_save(state, "a.service", f, why,
	    sizeof why), 0);
	ck_assert_int_eq(rollback_find(state, "a.service", f, &m, why,
	    sizeof why), 1);
	ck_assert_int_eq(unlink(f), 0);
	put_file(target, "bad\n", 0644);
	ck_assert_int_eq(symlink(target, f), 0);
	ck_assert_int_eq(rollback_restore(state, "a.service", &m, 1, broken,
	    sizeof broken, why, sizeof why), -1);
	ck_assert(str_ends(why, "is a symbolic link: not replaced"));
	ck_assert_str_eq(broken, "");
	ck_assert_str_eq(get_file(target), "bad\n");
	/* app.conf, real.conf, state: nothing added, nothing gone. */
	ck_assert_uint_eq(count_entries(tmpdir), 3);
	rm_tmpdir();
}
END_TEST

START_TEST(check_find_damaged)
{
	struct rollback_meta m;
	char state[128], f[160], store[ROLLBACK_PATH_MAX], why[256];

	mk_tmpdir();
	snprintf(state, sizeof state, "%s/state", tmpdir);
	snprintf(f, sizeof f, "%s/app.conf", tmpdir);
	put_file(f, "good\n", 0644);
	ck_assert_int_eq(rollback_save(state, "a.service", f, why,
	    sizeof why), 0);
	ck_assert_int_eq(rollback_store_path(state, "a.service", f, "", store,
	    sizeof store), 0);
	/* The copy no longer has the recorded size: never restored. */
	put_file(store, "good, but longer\n", 0600);
	ck_assert_int_eq(rollback_find(state, "a.service", f, &m, why,
	    sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "missing or damaged"));
	ck_assert_int_eq(rollback_store_path(state, "a.service", f, "%meta",
	    store, sizeof store), 0);
	put_file(store, "path=/other\n", 0600);
	ck_assert_int_eq(rollback_find(state, "a.service", f, &m, why,
	    sizeof why), -1);
	ck_assert(str_ends(why, "is damaged"));
	/* Not a regular file: not saved. */
	ck_assert_int_eq(rollback_save(state, "a.service", tmpdir, why,
	    sizeof why), -1);
	ck_assert(str_ends(why, "not a regular file"));
	rm_tmpdir();
}
END_TEST

static Suite *
strat_config_suite(void)
{
	Suite *s = suite_create("strat_config");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, check_env_text);
	tcase_add_test(tc, check_env_text_overlong);
	tcase_add_test(tc, check_env_text_unterminated);
	tcase_add_test(tc, check_env_prop);
	tcase_add_test(tc, check_env_files);
	tcase_add_test(tc, check_env_files_malformed);
	tcase_add_test(tc, check_condense_lines);
	tcase_add_test(tc, check_condense_bounds);
	tcase_add_test(tc, check_validate_ok_and_fail);
	tcase_add_test(tc, check_validate_not_started);
	tcase_add_test(tc, check_validate_timeout);
	tcase_add_test(tc, check_validate_leaves_child);
	tcase_add_test(tc, check_validate_output_bounded);
	tcase_add_test(tc, check_verify_lines);
	tcase_add_test(tc, check_user_resolve);
	tcase_add_test(tc, check_user_member_groups);
	tcase_add_test(tc, check_readable_as);
	tcase_add_test(tc, check_readable_cannot_switch);
	tcase_add_test(tc, check_escape);
	tcase_add_test(tc, check_store_path);
	tcase_add_test(tc, check_broken_name);
	tcase_add_test(tc, check_meta);
	tcase_add_test(tc, check_save_restore);
	tcase_add_test(tc, check_restore_refuses_symlink);
	tcase_add_test(tc, check_find_damaged);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(strat_config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
