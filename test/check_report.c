/* check_report.c - unit tests for report.c: rendering a hand-filled
 * heal, saving and pruning under /tmp. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "util.h"

#define INV "4d3c2b1a0f9e8d7c6b5a493827160504"

static char top[64];
static char sdir[128];
static struct conf conf;
static struct conf_errors cerrs;
static struct heal h;
static char text[REPORT_MAX];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
top_make(void)
{
	strcpy(top, "/tmp/check_report.XXXXXX");
	if (mkdtemp(top) == NULL)
		abort();
}

static void
top_remove(void)
{
	nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
sdir_make(void)
{
	snprintf(sdir, sizeof sdir, "%s/s.XXXXXX", top);
	ck_assert_ptr_nonnull(mkdtemp(sdir));
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fd_write_all(fd, s, strlen(s)), 0);
	close(fd);
}

/* A heal of my-app.service that a restart fixed. */
static void
healed(void)
{
	struct strat_outcome *o;

	conf_defaults(&conf);
	strcpy(conf.path, "/etc/ansai/ansai.conf");
	memset(&h, 0, sizeof h);
	h.conf = &conf;
	strcpy(h.unit, "my-app.service");
	conf_policy(&conf, h.unit, &h.pol);
	h.pol.port = 5000;
	h.started = 1764862951;			/* 2025-12-04T15:42:31Z */
	h.failed_usec = 1000000;
	h.serving_usec = 3500000;
	svc_show_init(&h.before);
	strcpy(h.before.active_state, "failed");
	strcpy(h.before.sub_state, "failed");
	strcpy(h.before.result, "exit-code");
	h.before.exec_main_code = 1;
	h.before.exec_main_status = 3;
	h.before.n_restarts = 0;
	svc_show_init(&h.after);
	strcpy(h.after.active_state, "active");
	strcpy(h.after.sub_state, "running");
	strcpy(h.after.result, "success");
	h.after.n_restarts = 0;
	ck_assert_int_eq(cause_from_monitor("exit-code", "exited", "3", INV,
	    &h.cause), 0);
	o = &h.strats[h.nstrats++];
	o->id = STRAT_RESTART;
	o->status = SS_OK;
	o->ms = 1234;
	strcpy(o->detail, "restarted; active after 1.2 s");
	h.result = HEAL_HEALED;
	strcpy(h.summary, "my-app.service is up again after a restart");
	h.have_evidence = 1;
	strcpy(h.sys.host, "box");
	strcpy(h.sys.disk[0].path, "/");
	strcpy(h.sys.disk[1].path, "/");
	strcpy(h.journal,
	    "2025-12-04T15:42:31+0000 box app.py[2817]: boom\n"
	    "2025-12-04T15:42:31+0000 box systemd[1]: my-app.service: "
	    "Failed with result 'exit-code'.\n");
	strcpy(h.status, "* my-app.service - My App\n"
	    "     Active: active (running) since Thu 2025-12-04\n");
}

/* The same unit, still down after two strategies, with a broken
 * configuration file. */
static void
not_healed(void)
{
	struct strat_outcome *o;

	healed();
	h.conf_errs = &cerrs;
	memset(&cerrs, 0, sizeof cerrs);
	cerrs.n = 1;
	strcpy(cerrs.msg[0], "/etc/ansai/ansai.conf:3: duplicate key "
	    "'port'");
	cerrs.more = 2;
	h.pol.port = 0;
	h.pol.critical = 1;
	h.serving_usec = 0;
	svc_show_init(&h.before);
	strcpy(h.before.result, "signal");
	h.before.exec_main_code = 2;
	h.before.exec_main_status = 9;
	svc_show_init(&h.after);
	cause_from_show(&h.before, &h.cause);
	h.nstrats = 0;
	o = &h.strats[h.nstrats++];
	o->id = STRAT_RESTART;
	o->status = SS_FAILED;
	o->ms = 30000;
	strcpy(o->detail, "still failed");
	o = &h.strats[h.nstrats++];
	o->id = STRAT_PORT;
	o->status = SS_SKIPPED;
	o->ms = 0;
	strcpy(o->detail, "no port configured");
	h.result = HEAL_NOT_HEALED;
	strcpy(h.summary, "my-app.service is still down");
	h.journal[0] = '\0';
	strcpy(h.journal_why, "journalctl exited 1: No journal files");
	h.status[0] = '\0';
	strcpy(h.report_path, "/var/lib/ansai/reports/x.txt");
}

START_TEST(check_render_healed)
{
	healed();
	report_render(&h, text, sizeof text);
	ck_assert_str_eq(text,
	    "ansai self-heal report\n"
	    "======================\n"
	    "\n"
	    "Unit:      my-app.service\n"
	    "Host:      box\n"
	    "Time:      2025-12-04T15:42:31Z\n"
	    "Result:    HEALED\n"
	    "Summary:   my-app.service is up again after a restart\n"
	    "Downtime:  2.500 s from failure to serving again\n"
	    "\n"
	    "What happened\n"
	    "-------------\n"
	    "  my-app.service exited with code 3.\n"
	    "  Learned from: MONITOR_* variables, failed run " INV "\n"
	    "  State when ansai started: failed/failed, result exit-code, "
	    "main process exited 3, 0 automatic restarts\n"
	    "  State when ansai finished: active/running, result success, "
	    "0 automatic restarts\n"
	    "\n"
	    "Strategies tried\n"
	    "----------------\n"
	    "  Configured order: restart, port, config\n"
	    "  1. restart  ok          1.234 s  restarted; active after "
	    "1.2 s\n"
	    "\n"
	    "Configuration\n"
	    "-------------\n"
	    "  /etc/ansai/ansai.conf\n"
	    "  stabilize 5 s, port 5000\n"
	    "\n"
	    "Machine\n"
	    "-------\n"
	    "  Memory: /proc/meminfo unreadable\n"
	    "  Disk /: statvfs failed\n"
	    "\n"
	    "Journal of the failed run\n"
	    "-------------------------\n"
	    "  2025-12-04T15:42:31+0000 box app.py[2817]: boom\n"
	    "  2025-12-04T15:42:31+0000 box systemd[1]: my-app.service: "
	    "Failed with result 'exit-code'.\n"
	    "\n"
	    "systemctl status\n"
	    "----------------\n"
	    "  * my-app.service - My App\n"
	    "       Active: active (running) since Thu 2025-12-04\n"
	    "\n"
	    "Next steps\n"
	    "----------\n"
	    "  Nothing urgent.  To see why it failed:\n"
	    "    systemctl status my-app.service\n"
	    "    journalctl -u my-app.service -b\n"
	    "    journalctl _SYSTEMD_INVOCATION_ID=" INV "\n"
	    "    journalctl -t ansai-self-heal -b\n");
}
END_TEST

static void
has(const char *needle)
{
	ck_assert_msg(strstr(text, needle) != NULL, "no '%s' in:\n%s",
	    needle, text);
}

static void
has_not(const char *needle)
{
	ck_assert_msg(strstr(text, needle) == NULL, "'%s' in:\n%s",
	    needle, text);
}

START_TEST(check_render_not_healed)
{
	not_healed();
	report_render(&h, text, sizeof text);
	has("Unit:      my-app.service\n");
	has("Result:    NOT HEALED - ESCALATED - CRITICAL unit, needs a human "
	    "now\n");
	has("Critical:  yes\n");
	has_not("Downtime:");
	has("  my-app.service killed by signal SIGKILL.\n"
	    "  Learned from: systemctl show\n"
	    "  State when ansai started: ?/?, result signal, main process "
	    "killed by SIGKILL\n\nStrategies tried\n");
	has("  1. restart  failed     30.000 s  still failed\n"
	    "  2. port     skipped     0.000 s  no port configured\n");
	has("  /etc/ansai/ansai.conf is BROKEN; built-in defaults were "
	    "used:\n"
	    "    /etc/ansai/ansai.conf:3: duplicate key 'port'\n"
	    "    (2 more errors)\n"
	    "  stabilize 5 s, port none\n");
	has("Journal of the failed run\n"
	    "-------------------------\n"
	    "  (none: journalctl exited 1: No journal files)\n");
	has("systemctl status\n----------------\n\nNext steps\n");
	has("Next steps\n----------\n"
	    "  The service is still down.  Look at it now:\n"
	    "    systemctl status my-app.service\n"
	    "    journalctl -u my-app.service -b\n"
	    "    journalctl -t ansai-self-heal -b\n"
	    "  When it is fixed:\n"
	    "    systemctl restart my-app.service\n"
	    "  This report: /var/lib/ansai/reports/x.txt\n");
	has_not("_SYSTEMD_INVOCATION_ID");

	h.pol.critical = 0;
	report_render(&h, text, sizeof text);
	has("Result:    NOT HEALED - ESCALATED, needs a human\n");
	has_not("Critical:");
}
END_TEST

START_TEST(check_render_other_results)
{
	healed();
	h.nstrats = 0;
	h.result = HEAL_DRY_RUN;
	report_render(&h, text, sizeof text);
	has("Result:    DRY RUN (nothing changed)\n");
	has("  Configured order: restart, port, config\n  none run\n");
	h.result = HEAL_ERROR;
	report_render(&h, text, sizeof text);
	has("Result:    ERROR\n");
	h.result = HEAL_NOTHING;
	report_render(&h, text, sizeof text);
	has("Result:    NOTHING TO DO\n");
	has_not("When it is fixed");
	/* No conf file: said so. */
	conf.path[0] = '\0';
	report_render(&h, text, sizeof text);
	has("Configuration\n-------------\n"
	    "  built-in defaults (no file)\n");
}
END_TEST

/* HEAL_NOTHING means the unit was up or systemd was restarting it;
 * the report must not tell the reader it is still down. */
START_TEST(check_render_nothing_not_down)
{
	healed();
	h.nstrats = 0;
	h.result = HEAL_NOTHING;
	report_render(&h, text, sizeof text);
	has_not("still down");
}
END_TEST

START_TEST(check_render_cut)
{
	char small[300];

	healed();
	memset(small, 'x', sizeof small);
	report_render(&h, small, sizeof small);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	ck_assert(str_starts(small, "ansai self-heal report\n"));
	ck_assert(str_ends(small, "\n[report cut: too long]\n"));

	/* A journal that fills the report. */
	memset(h.journal, 'j', sizeof h.journal - 1);
	h.journal[sizeof h.journal - 1] = '\0';
	report_render(&h, small, sizeof small);
	ck_assert(str_ends(small, "\n[report cut: too long]\n"));
}
END_TEST

/* "always terminated" holds for any n; a buffer shorter than the cut
 * notice must not be written before its start. */
START_TEST(check_render_tiny_buffer)
{
	char *tiny = malloc(16);

	ck_assert_ptr_nonnull(tiny);
	healed();
	report_render(&h, tiny, 16);
	ck_assert_uint_lt(strlen(tiny), 16);
	free(tiny);
}
END_TEST

/* The stamp part of a report name for t. */
static void
stamp(char *buf, size_t n, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y%m%dT%H%M%SZ", &tm);
}

START_TEST(check_save)
{
	char why[256] = "", want[64], dir[300], st1[32], st2[32];
	const char *name;
	time_t t0, t1;
	struct stat st;
	size_t dl;

	sdir_make();
	healed();
	strcpy(h.unit, "my\\x2dapp.service");
	snprintf(conf.state_dir, sizeof conf.state_dir, "%s/state/ansai",
	    sdir);
	umask(0);
	t0 = time(NULL);
	ck_assert_int_eq(report_save(&h, why, sizeof why), 0);
	t1 = time(NULL);
	ck_assert_str_eq(why, "");

	/* STATE_DIR/reports/STAMP-UNIT-PID.txt, '\' made '_'. */
	snprintf(dir, sizeof dir, "%s/reports/", conf.state_dir);
	dl = strlen(dir);
	ck_assert_msg(strncmp(h.report_path, dir, dl) == 0, "path %s",
	    h.report_path);
	name = h.report_path + dl;
	stamp(st1, sizeof st1, t0);
	stamp(st2, sizeof st2, t1);
	ck_assert_msg(strncmp(name, st1, 16) == 0 ||
	    strncmp(name, st2, 16) == 0, "name %s", name);
	snprintf(want, sizeof want, "-my_x2dapp.service-%ld.txt",
	    (long)getpid());
	ck_assert_str_eq(name + 16, want);

	ck_assert_int_eq(stat(h.report_path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	dir[dl - 1] = '\0';
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);

	/* The file is the report, naming itself. */
	{
		static char got[REPORT_MAX];
		char line[300];

		ck_assert_int_gt(file_read(h.report_path, got, sizeof got),
		    0);
		report_render(&h, text, sizeof text);
		ck_assert_str_eq(got, text);
		snprintf(line, sizeof line, "  This report: %s\n",
		    h.report_path);
		ck_assert(str_ends(got, line));
		ck_assert(strstr(got, "Unit:      my\\x2dapp.service\n"));
	}
}
END_TEST

/* Plant name at every stamp the save may use (now .. now+2 s). */
static void
plant(char paths[3][300], const char *target)
{
	char dir[300], st[32];
	time_t now = time(NULL);
	int i;

	snprintf(dir, sizeof dir, "%s/reports", conf.state_dir);
	ck_assert_int_eq(state_dir_make(dir), 0);
	for (i = 0; i < 3; i++) {
		stamp(st, sizeof st, now + i);
		ck_assert_int_eq(str_fmt(paths[i], 300, "%s/%s-%s-%ld.txt",
		    dir, st, h.unit, (long)getpid()), 0);
		if (target == NULL)
			put(paths[i], "precious\n");
		else
			ck_assert_int_eq(symlink(target, paths[i]), 0);
	}
}

/* The report lands under a -N name, and the report names itself. */
static void
saved_beside(char paths[3][300])
{
	static char saved[REPORT_MAX];
	int i;

	ck_assert(str_ends(h.report_path, "-2.txt") ||
	    str_ends(h.report_path, ".txt"));
	for (i = 0; i < 3; i++)
		ck_assert_str_ne(h.report_path, paths[i]);
	ck_assert_int_gt(file_read(h.report_path, saved, sizeof saved), 0);
	ck_assert_ptr_nonnull(strstr(saved, h.report_path));
}

START_TEST(check_save_no_overwrite)
{
	char why[600], paths[3][300], got[64];
	int i;

	sdir_make();
	healed();
	snprintf(conf.state_dir, sizeof conf.state_dir, "%s", sdir);
	plant(paths, NULL);
	/* A file already at the name is never written through: the
	 * report goes beside it, so no heal's report is lost. */
	ck_assert_int_eq(report_save(&h, why, sizeof why), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(file_read(paths[i], got, sizeof got), 9);
		ck_assert_str_eq(got, "precious\n");
	}
	saved_beside(paths);
}
END_TEST

START_TEST(check_save_no_symlink)
{
	char why[600], paths[3][300], target[300], other[300], got[64];

	sdir_make();
	healed();
	snprintf(conf.state_dir, sizeof conf.state_dir, "%s", sdir);
	/* A dangling link: following it would create the target. */
	snprintf(target, sizeof target, "%s/planted-target", sdir);
	plant(paths, target);
	ck_assert_int_eq(report_save(&h, why, sizeof why), 0);
	ck_assert(!exists(target));
	saved_beside(paths);

	/* A link to an existing file: left as it was. */
	sdir_make();
	h.report_path[0] = '\0';
	snprintf(conf.state_dir, sizeof conf.state_dir, "%s", sdir);
	snprintf(other, sizeof other, "%s/victim", sdir);
	put(other, "victim\n");
	plant(paths, other);
	ck_assert_int_eq(report_save(&h, why, sizeof why), 0);
	ck_assert_int_eq(file_read(other, got, sizeof got), 7);
	ck_assert_str_eq(got, "victim\n");
	saved_beside(paths);
}
END_TEST

START_TEST(check_save_twice)
{
	char why[600] = "", first[256], want[700];
	static char text1[REPORT_MAX];

	sdir_make();
	healed();
	snprintf(conf.state_dir, sizeof conf.state_dir, "%s", sdir);
	ck_assert_int_eq(report_save(&h, why, sizeof why), 0);
	strcpy(first, h.report_path);
	ck_assert_int_gt(file_read(first, text1, sizeof text1), 0);
	strcpy(h.summary, "second save");
	if (report_save(&h, why, sizeof why) == 0) {
		/* Another second: another file. */
		ck_assert_str_ne(h.report_path, first);
	} else {
		snprintf(want, sizeof want, "cannot create %s: File exists",
		    first);
		ck_assert_str_eq(why, want);
	}
	/* Either way the first report is intact. */
	ck_assert_int_gt(file_read(first, text, sizeof text), 0);
	ck_assert_str_eq(text, text1);
}
END_TEST

START_TEST(check_save_errors)
{
	char why[300], want[400];

	sdir_make();
	healed();
	/* A file where the state directory should be. */
	snprintf(conf.state_dir, sizeof conf.state_dir, "%s/file", sdir);
	put(conf.state_dir, "x");
	ck_assert_int_eq(report_save(&h, why, sizeof why), -1);
	snprintf(want, sizeof want, "cannot create %s/reports: "
	    "Not a directory", conf.state_dir);
	ck_assert_str_eq(why, want);
	ck_assert_str_eq(h.report_path, "");
}
END_TEST

/* A valid unit name of 240 bytes makes the path too long for
 * report_path[256]; the failed save must not leave a cut path there
 * (main.c's record() writes a non-empty report_path into history). */
START_TEST(check_save_long_name)
{
	char why[300];

	sdir_make();
	healed();
	snprintf(conf.state_dir, sizeof conf.state_dir, "%s", sdir);
	memset(h.unit, 'a', 232);
	strcpy(h.unit + 232, ".service");
	ck_assert_int_eq(report_save(&h, why, sizeof why), -1);
	ck_assert_str_eq(why, "report path too long");
	ck_assert_str_eq(h.report_path, "");
}
END_TEST

static void
reports(const char *dir, const char *const *names, size_t n)
{
	char path[400];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		put(path, "r\n");
	}
}

START_TEST(check_prune)
{
	static const char *const names[] = {
		"20250102T000000Z-b.service-10.txt",
		"20250101T000000Z-a.service-1.txt",
		"20250301T000000Z-a.service-3.txt",
		"20250104T000000Z-c.service-4.txt",
		"20250201T000000Z-a.service-2.txt",
	};
	static const char *const others[] = {
		"README", ".20240101.txt", "notes.txt", "20240101.log",
	};
	char dir[300], path[400];
	size_t i;

	sdir_make();
	snprintf(dir, sizeof dir, "%s/reports", sdir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	reports(dir, names, 5);
	reports(dir, others, 4);

	ck_assert_int_eq(report_prune(sdir, 5, NULL), 0);
	ck_assert_int_eq(report_prune(sdir, 100, NULL), 0);
	ck_assert_int_eq(report_prune(sdir, 2, NULL), 3);
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		ck_assert_msg(exists(path) == (i == 2 || i == 4),
		    "%s", names[i]);
	}
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, others[i]);
		ck_assert(exists(path));
	}
	ck_assert_int_eq(report_prune(sdir, 0, NULL), 2);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, others[i]);
		ck_assert(exists(path));
	}
	ck_assert_int_eq(report_prune(sdir, 0, NULL), 0);
}
END_TEST

START_TEST(check_prune_missing)
{
	char nodir[200];

	sdir_make();
	ck_assert_int_eq(report_prune(sdir, 0, NULL), 0);
	snprintf(nodir, sizeof nodir, "%s/none", sdir);
	ck_assert_int_eq(report_prune(nodir, 0, NULL), 0);
}
END_TEST

START_TEST(check_state_dir_make)
{
	char path[300], big[400];
	struct stat st;

	sdir_make();
	umask(0);
	snprintf(path, sizeof path, "%s/a/b/c", sdir);
	ck_assert_int_eq(state_dir_make(path), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	snprintf(path, sizeof path, "%s/a/b", sdir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0755);
	/* Again: nothing to do. */
	snprintf(path, sizeof path, "%s/a/b/c", sdir);
	ck_assert_int_eq(state_dir_make(path), 0);

	/* A file in the way of a parent. */
	snprintf(path, sizeof path, "%s/f", sdir);
	put(path, "x");
	snprintf(path, sizeof path, "%s/f/sub", sdir);
	errno = 0;
	ck_assert_int_eq(state_dir_make(path), -1);
	ck_assert_int_eq(errno, ENOTDIR);

	memset(big, 'd', sizeof big - 1);
	big[0] = '/';
	big[sizeof big - 1] = '\0';
	errno = 0;
	ck_assert_int_eq(state_dir_make(big), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

/* Like mkdir -p, a file where the directory should be is an error. */
START_TEST(check_state_dir_is_file)
{
	char path[300];

	sdir_make();
	snprintf(path, sizeof path, "%s/f", sdir);
	put(path, "x");
	ck_assert_int_eq(state_dir_make(path), -1);
}
END_TEST

static Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, top_make, top_remove);
	tcase_add_test(tc, check_render_healed);
	tcase_add_test(tc, check_render_not_healed);
	tcase_add_test(tc, check_render_other_results);
	tcase_add_test(tc, check_render_nothing_not_down);
	tcase_add_test(tc, check_render_cut);
	tcase_add_test(tc, check_render_tiny_buffer);
	tcase_add_test(tc, check_save);
	tcase_add_test(tc, check_save_no_overwrite);
	tcase_add_test(tc, check_save_no_symlink);
	tcase_add_test(tc, check_save_twice);
	tcase_add_test(tc, check_save_errors);
	tcase_add_test(tc, check_save_long_name);
	tcase_add_test(tc, check_prune);
	tcase_add_test(tc, check_prune_missing);
	tcase_add_test(tc, check_state_dir_make);
	tcase_add_test(tc, check_state_dir_is_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(report_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
