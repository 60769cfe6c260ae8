/* check_analyse.c - unit tests for analyse.c: one recorded case per
 * failure class (the cause systemd gives, systemd 252's and the
 * applications' own journal lines, machine figures), what decides
 * between classes, shell quoting of journal text, the strategy order
 * and the rendering. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "util.h"

#define INV "4d3c2b1a0f9e8d7c6b5a493827160504"
#define T "2026-12-04T16:25:30+0000 box "
#define SD T "systemd[1]: my-app.service: "
#define MIB 1024ull
#define GIB (1024ull * 1024 * 1024)

static struct heal h;
static struct analysis a;
static struct conf_paths no_paths, cfg_paths;
static struct conf_words no_words, val_words;
static struct conf_names no_names, env_names;
static char out[8192];

static void
heal_for(const char *result, const char *how, const char *status)
{
	memset(&h, 0, sizeof h);
	str_copy(h.unit, sizeof h.unit, "my-app.service");
	svc_show_init(&h.before);
	svc_show_init(&h.after);
	str_copy(h.before.active_state, sizeof h.before.active_state,
	    "failed");
	h.pol.config = &no_paths;
	h.pol.validate = &no_words;
	h.pol.env = &no_names;
	h.pol.strategies.n = 3;
	h.pol.strategies.id[0] = STRAT_RESTART;
	h.pol.strategies.id[1] = STRAT_PORT;
	h.pol.strategies.id[2] = STRAT_CONFIG;
	h.result = HEAL_NOT_HEALED;
	if (cause_from_monitor(result, how, status, INV, &h.cause) < 0)
		cause_from_show(&h.before, &h.cause);
	/* A small device: 512 MiB, plenty free, no swap, 8 GiB disk. */
	h.sys.mem_ok = 1;
	h.sys.mem.total = 512 * MIB;
	h.sys.mem.available = 300 * MIB;
	h.sys.mem.free = 200 * MIB;
	h.sys.mem.swap_total = 0;
	h.sys.mem.swap_free = 0;
	h.sys.load_ok = 1;
	h.sys.load.one = 0.42;
	h.sys.load.five = 0.30;
	str_copy(h.sys.disk[0].path, sizeof h.sys.disk[0].path, "/");
	h.sys.disk[0].ok = 1;
	h.sys.disk[0].total = 8 * GIB;
	h.sys.disk[0].avail = 5 * GIB;
	h.sys.disk[0].files = 500000;
	h.sys.disk[0].files_avail = 400000;
	str_copy(h.sys.disk[1].path, sizeof h.sys.disk[1].path,
	    "/var/lib/ansai");
	h.sys.disk[1] = h.sys.disk[0];
	str_copy(h.sys.disk[1].path, sizeof h.sys.disk[1].path,
	    "/var/lib/ansai");
}

static void
journal(const char *text)
{
	str_copy(h.journal, sizeof h.journal, text);
	h.have_evidence = 1;
}

static void
outcome(enum strat_id id, enum strat_status st, const char *detail)
{
	struct strat_outcome *o = &h.strats[h.nstrats++];

	o->id = id;
	o->status = st;
	str_copy(o->detail, sizeof o->detail, detail);
}

/* Analyse, render, and check what every analysis must have. */
static void
analyse(const char *kind)
{
	analyse_builtin(&h, &a);
	analysis_format(&a, out, sizeof out);
	/* CHECK_ANALYSE_PRINT=1 shows every analysis, to read them. */
	if (getenv("CHECK_ANALYSE_PRINT") != NULL)
		fprintf(stderr, "---- %s\n%s", a.kind, out);
	ck_assert_msg(strcmp(a.kind, kind) == 0, "kind %s, want %s\n%s",
	    a.kind, kind, out);
	ck_assert_str_eq(a.source, ANALYSIS_SOURCE_BUILTIN);
	ck_assert_uint_gt(strlen(a.root_cause), 20);
	ck_assert_uint_gt(strlen(a.why), 20);
	ck_assert_uint_gt(strlen(a.fix), 20);
	ck_assert_uint_gt(strlen(a.prevention), 20);
	/* Nothing was cut for an ordinary unit name. */
	ck_assert_uint_lt(strlen(a.root_cause), sizeof a.root_cause - 1);
	ck_assert_uint_lt(strlen(a.why), sizeof a.why - 1);
	ck_assert_uint_lt(strlen(a.fix), sizeof a.fix - 1);
	ck_assert_uint_lt(strlen(a.prevention), sizeof a.prevention - 1);
}

#define HAS(field, s) ck_assert_msg(strstr(a.field, s) != NULL, \
	"%s lacks \"%s\":\n%s", #field, s, a.field)
#define HASNT(field, s) ck_assert_msg(strstr(a.field, s) == NULL, \
	"%s has \"%s\":\n%s", #field, s, a.field)

/* ---- one case per class ---- */

START_TEST(check_oom)
{
	heal_for("oom-kill", "killed", "KILL");
	h.sys.mem.available = 12595;	/* 12.3 MiB */
	journal(T "systemd[1]: Started my-app.service - My App.\n"
	    SD "A process of this unit has been killed by the OOM killer.\n"
	    SD "Main process exited, code=killed, status=9/KILL\n"
	    SD "Failed with result 'oom-kill'.\n"
	    SD "Consumed 41.310s CPU time.\n");
	analyse("oom");
	HAS(root_cause, "my-app.service ran out of memory");
	HAS(root_cause, "OOM killer");
	HAS(root_cause, "whole machine was short");
	HAS(why, "MemAvailable was 12.3 MiB of 512.0 MiB (2 %)");
	HAS(why, "no swap");
	HAS(why, "systemd: killed for running out of memory (oom-kill).");
	HAS(why, "\"my-app.service: A process of this unit has been killed "
	    "by the OOM killer.\"");
	HAS(evidence, "OOM killer");
	HAS(fix, "systemctl show -p MemoryMax,MemoryHigh,MemoryCurrent "
	    "my-app.service");
	HAS(fix, "systemctl edit my-app.service");
	HAS(fix, "MemoryMax=384M");
	HAS(fix, "MemoryHigh=345M");
	HAS(fix, "systemctl restart my-app.service");
	HAS(prevention, "MemoryHigh=");
	HAS(prevention, "zram");
}
END_TEST

/* A runtime's own out-of-memory, the machine not short: its limit. */
START_TEST(check_oom_runtime)
{
	heal_for("exit-code", "exited", "1");
	h.sys.mem.total = 2 * 1024 * MIB;
	h.sys.mem.available = 1500 * MIB;
	h.sys.mem.swap_total = 1024 * MIB;
	h.sys.mem.swap_free = 1000 * MIB;
	journal(T "java[812]: Exception in thread \"main\" "
	    "java.lang.OutOfMemoryError: Java heap space\n"
	    SD "Main process exited, code=exited, status=1/FAILURE\n");
	h.result = HEAL_HEALED;
	analyse("oom");
	HAS(root_cause, "could not allocate");
	HAS(root_cause, "limit of its own");
	HAS(why, "MemAvailable was 1.5 GiB of 2.0 GiB (73 %)");
	HAS(why, "swap free 1000.0 MiB of 1.0 GiB");
	HAS(evidence, "java.lang.OutOfMemoryError");
	HAS(fix, "MemoryMax=1536M");
	HAS(fix, "brought it back for now");
	HASNT(fix, "systemctl restart");
	HASNT(prevention, "no swap");
}
END_TEST

START_TEST(check_exec_missing)
{
	heal_for("exit-code", "exited", "203");
	journal(T "systemd[1]: Started my-app.service - My App.\n"
	    T "systemd[2817]: my-app.service: Failed to locate executable "
	    "/opt/my-app/bin/server: No such file or directory\n"
	    T "systemd[2817]: my-app.service: Failed at step EXEC spawning "
	    "/opt/my-app/bin/server: No such file or directory\n"
	    SD "Main process exited, code=exited, status=203/EXEC\n"
	    SD "Failed with result 'exit-code'.\n");
	analyse("exec-missing");
	HAS(root_cause, "/opt/my-app/bin/server does not exist");
	HAS(why, "Exit status 203 is systemd's own");
	HAS(why, "exited with code 203");
	HAS(evidence, "Failed to locate executable /opt/my-app/bin/server");
	HAS(fix, "ls -l /opt/my-app/bin/server");
	HAS(fix, "systemctl cat my-app.service");
	HAS(fix, "dpkg -S /opt/my-app/bin/server");
	HAS(prevention, "systemd-analyze verify my-app.service");
	HAS(prevention, "RequiresMountsFor=");
}
END_TEST

START_TEST(check_exec_permission_and_format)
{
	heal_for("exit-code", "exited", "203");
	journal(T "systemd[2817]: my-app.service: Failed to execute "
	    "/opt/my-app/run.sh: Permission denied\n"
	    T "systemd[2817]: my-app.service: Failed at step EXEC spawning "
	    "/opt/my-app/run.sh: Permission denied\n"
	    SD "Main process exited, code=exited, status=203/EXEC\n");
	analyse("exec-permission");
	HAS(root_cause, "permission to execute /opt/my-app/run.sh was "
	    "denied");
	HAS(fix, "findmnt -T /opt/my-app/run.sh");
	HAS(fix, "chmod 755 /opt/my-app/run.sh");

	heal_for("exit-code", "exited", "203");
	journal(T "systemd[2817]: my-app.service: Failed to execute "
	    "/opt/my-app/server: Exec format error\n"
	    SD "Main process exited, code=exited, status=203/EXEC\n");
	analyse("exec-format");
	HAS(root_cause, "another CPU");
	HAS(fix, "file /opt/my-app/server");
	HAS(fix, "uname -m");
}
END_TEST

/* A wrapper script whose command is gone: the shell's 127. */
START_TEST(check_exec_127)
{
	heal_for("exit-code", "exited", "127");
	journal(T "start.sh[900]: /opt/my-app/start.sh: line 4: gunicorn: "
	    "command not found\n"
	    SD "Main process exited, code=exited, status=127/n/a\n");
	analyse("exec-missing");
	HAS(root_cause, "gunicorn does not exist");
	HAS(why, "Exit status 127 is the shell's");
	HAS(fix, "ls -l gunicorn");
}
END_TEST

START_TEST(check_permission)
{
	heal_for("exit-code", "exited", "1");
	str_copy(h.before.user, sizeof h.before.user, "app");
	journal(T "python3[812]: Traceback (most recent call last):\n"
	    T "python3[812]:   File \"/opt/my-app/app.py\", line 9, in "
	    "<module>\n"
	    T "python3[812]: PermissionError: [Errno 13] Permission denied: "
	    "'/var/lib/my-app/state.db'\n"
	    SD "Main process exited, code=exited, status=1/FAILURE\n");
	analyse("permission");
	HAS(root_cause, "denied access to /var/lib/my-app/state.db while "
	    "running as app");
	HAS(evidence, "PermissionError: [Errno 13]");
	HAS(fix, "namei -l /var/lib/my-app/state.db");
	HAS(fix, "runuser -u app -- test -r /var/lib/my-app/state.db");
	HAS(fix, "ReadWritePaths=/var/lib/my-app/state.db");
	HAS(prevention, "StateDirectory=");
	HAS(prevention, "User=app");
}
END_TEST

/* systemd's setup steps: 217/USER and 226/NAMESPACE are about access,
 * 200/CHDIR is a plain setup failure. */
START_TEST(check_setup_codes)
{
	heal_for("exit-code", "exited", "217");
	journal(SD "Failed to determine user credentials: No such process\n"
	    T "systemd[2817]: my-app.service: Failed at step USER spawning "
	    "/usr/bin/my-app: No such process\n"
	    SD "Main process exited, code=exited, status=217/USER\n");
	analyse("permission");
	HAS(root_cause, "User= does not exist");
	HAS(root_cause, "217/USER");
	HAS(why, "Exit statuses 200 and up are systemd's own");
	HAS(evidence, "Failed at step USER");
	HAS(fix, "useradd --system");
	HAS(fix, "systemd-analyze verify my-app.service");

	heal_for("exit-code", "exited", "226");
	journal(SD "Failed to set up mount namespacing: "
	    "/run/systemd/unit-root/var/lib/my-app: No such file or "
	    "directory\n"
	    T "systemd[2817]: my-app.service: Failed at step NAMESPACE "
	    "spawning /usr/bin/my-app: No such file or directory\n"
	    SD "Main process exited, code=exited, status=226/NAMESPACE\n");
	analyse("permission");
	HAS(root_cause, "226/NAMESPACE");
	HAS(root_cause, "ReadWritePaths=");

	/* Exit code unknown: the journal's status= line decides. */
	heal_for("exit-code", NULL, NULL);
	journal(SD "Changing to the requested working directory failed: No "
	    "such file or directory\n"
	    SD "Main process exited, code=exited, status=200/CHDIR\n");
	analyse("setup");
	HAS(root_cause, "WorkingDirectory=");
	HAS(root_cause, "200/CHDIR");
}
END_TEST

START_TEST(check_addr_in_use)
{
	heal_for("exit-code", "exited", "1");
	h.pol.port = 5000;
	journal(T "python3[492]:  * Serving Flask app 'flask_app'\n"
	    T "python3[492]: Address already in use\n"
	    T "python3[492]: Port 5000 is in use by another program. Either "
	    "identify and stop that program, or start the server with a "
	    "different port.\n"
	    SD "Main process exited, code=exited, status=1/FAILURE\n");
	outcome(STRAT_RESTART, SS_FAILED, "it fell over again: failed/"
	    "failed, result exit-code");
	outcome(STRAT_PORT, SS_FAILED, "port 5000 is held by pid 812 "
	    "(nginx, user www-data, nginx.service): it belongs to another "
	    "unit, nginx.service; not a stale copy of my-app.service, so "
	    "ansai does not kill it");
	analyse("addr-in-use");
	ck_assert_uint_eq(a.port, 5000);
	HAS(root_cause, "could not listen on port 5000");
	HAS(root_cause, "held by pid 812 (nginx, user www-data, "
	    "nginx.service).");
	ck_assert_str_eq(a.owner, "pid 812 (nginx, user www-data, "
	    "nginx.service)");
	HAS(why, "ansai's port check found: port 5000 is held by pid 812");
	HAS(why, "ansai tried: restart (failed), port (failed).");
	HAS(evidence, "Address already in use");
	HAS(fix, "ansai port 5000");
	HAS(fix, "ss -ltnp 'sport = :5000'");
	HAS(prevention, "KillMode=control-group");
	HASNT(prevention, "set port =");	/* already configured */
}
END_TEST

START_TEST(check_addr_in_use_nginx)
{
	heal_for("exit-code", "exited", "1");
	journal(T "nginx[1234]: nginx: [emerg] bind() to 0.0.0.0:80 failed "
	    "(98: Address already in use)\n"
	    T "nginx[1234]: nginx: [emerg] still could not bind()\n"
	    SD "Control process exited, code=exited, status=1/FAILURE\n");
	analyse("addr-in-use");
	ck_assert_uint_eq(a.port, 80);
	HAS(root_cause, "port 80");
	HASNT(root_cause, "held by");
	HAS(fix, "ansai port 80");
	HAS(prevention, "set port = 80 and add port to strategies in [unit "
	    "my-app.service]");
}
END_TEST

/* The owner from a lookup the caller made, when no strategy named
 * it. */
START_TEST(check_port_owner)
{
	static struct port_result r;

	heal_for("exit-code", "exited", "1");
	journal(T "nginx[1234]: nginx: [emerg] bind() to 0.0.0.0:80 failed "
	    "(98: Address already in use)\n");
	analyse("addr-in-use");
	ck_assert_str_eq(a.owner, "");
	memset(&r, 0, sizeof r);
	r.port = 81;
	r.state = PORT_OWNED;
	r.nowners = r.nowners_total = 1;
	r.owners[0].pid = 777;
	r.owners[0].uid = 0;
	str_copy(r.owners[0].comm, sizeof r.owners[0].comm, "apache2");
	str_copy(r.owners[0].user, sizeof r.owners[0].user, "root");
	str_copy(r.owners[0].unit, sizeof r.owners[0].unit,
	    "apache2.service");
	analyse_port_owner(&a, &r);		/* another port */
	ck_assert_str_eq(a.owner, "");
	r.port = 80;
	analyse_port_owner(&a, &r);
	ck_assert_str_eq(a.owner, "pid 777 (apache2, user root, "
	    "apache2.service)");
	HAS(root_cause, "It is held by pid 777 (apache2, user root, "
	    "apache2.service).");
	HAS(why, "ansai looked it up: port 80 is held by pid 777");
	/* Known already: not added twice. */
	analyse_port_owner(&a, &r);
	ck_assert_ptr_null(strstr(strstr(a.root_cause, "It is held") + 1,
	    "It is held"));

	analyse("addr-in-use");
	r.state = PORT_FREE;
	r.nowners = r.nowners_total = 0;
	analyse_port_owner(&a, &r);
	HAS(why, "Port 80 is free now");
	analyse("addr-in-use");
	r.state = PORT_UNKNOWN;
	r.why = PORT_WHY_DENIED;
	analyse_port_owner(&a, &r);
	HAS(why, "its owner could not be read");

	/* Other kinds are left alone. */
	heal_for("oom-kill", "killed", "KILL");
	analyse("oom");
	r.state = PORT_OWNED;
	r.nowners = 1;
	analyse_port_owner(&a, &r);
	ck_assert_str_eq(a.owner, "");
}
END_TEST

START_TEST(check_config_nginx)
{
	static const char *const v[] = { "/usr/sbin/nginx", "-t", "-q" };
	unsigned i;

	heal_for("exit-code", "exited", "1");
	val_words.n = 3;
	for (i = 0; i < 3; i++)
		str_copy(val_words.v[i], sizeof val_words.v[i], v[i]);
	h.pol.validate = &val_words;
	journal(T "nginx[812]: nginx: [emerg] unknown directive "
	    "\"servr_name\" in /etc/nginx/sites-enabled/default:12\n"
	    T "nginx[812]: nginx: configuration file /etc/nginx/nginx.conf "
	    "test failed\n"
	    SD "Control process exited, code=exited, status=1/FAILURE\n");
	analyse("config");
	HAS(root_cause, "configuration is invalid: "
	    "/etc/nginx/sites-enabled/default, line 12");
	HAS(evidence, "unknown directive");
	HAS(fix, "sed -n '9,15p' /etc/nginx/sites-enabled/default");
	HAS(fix, "/usr/sbin/nginx -t -q");
	HAS(prevention, "rollback = yes");
	HASNT(prevention, "set validate");
}
END_TEST

/* Python's YAML error names the file on the next line. */
START_TEST(check_config_yaml)
{
	heal_for("exit-code", "exited", "1");
	journal(T "python3[812]: yaml.scanner.ScannerError: mapping values "
	    "are not allowed here\n"
	    T "python3[812]:   in \"/etc/my-app/config.yaml\", line 3, "
	    "column 9\n"
	    SD "Main process exited, code=exited, status=1/FAILURE\n");
	analyse("config");
	HAS(root_cause, "/etc/my-app/config.yaml, line 3");
	HAS(fix, "sed -n '1,6p' /etc/my-app/config.yaml");
	HAS(prevention, "validate =");
}
END_TEST

/* Exit 78 alone, and a configured file: EX_CONFIG. */
START_TEST(check_config_78)
{
	heal_for("exit-code", "exited", "78");
	cfg_paths.n = 1;
	str_copy(cfg_paths.v[0], sizeof cfg_paths.v[0],
	    "/etc/my-app/app.toml");
	h.pol.config = &cfg_paths;
	h.pol.rollback = 1;
	journal(SD "Main process exited, code=exited, status=78/CONFIG\n");
	outcome(STRAT_CONFIG, SS_FAILED, "configuration invalid, not "
	    "restarted: validator /usr/bin/my-app --check exited 1: "
	    "app.toml: expected '=' at line 7");
	h.conflict = 1;
	analyse("config");
	HAS(root_cause, "/etc/my-app/app.toml");
	HAS(why, "Exit code 78 is EX_CONFIG");
	HAS(why, "ansai's config check found: configuration invalid");
	HAS(fix, "/etc/my-app/app.toml");
	HAS(fix, "rollback = yes keeps last-known-good");
}
END_TEST

START_TEST(check_env_file)
{
	heal_for("resources", NULL, NULL);
	journal(SD "Failed to load environment files: No such file or "
	    "directory\n"
	    SD "Failed to run 'start' task: No such file or directory\n"
	    SD "Failed with result 'resources'.\n"
	    T "systemd[1]: Failed to start my-app.service - My App.\n");
	outcome(STRAT_CONFIG, SS_FAILED, "configuration invalid, not "
	    "restarted: EnvironmentFile=/etc/default/my-app does not exist");
	analyse("env-file");
	HAS(root_cause, "EnvironmentFile=");
	HAS(why, "systemd could not create its resources (resources).");
	HAS(why, "/etc/default/my-app does not exist");
	HAS(evidence, "Failed to load environment files");
	HAS(fix, "systemctl show -p EnvironmentFiles my-app.service");
	HAS(fix, "EnvironmentFile=-/etc/default/NAME");
	HAS(prevention, "env =");
}
END_TEST

START_TEST(check_crash)
{
	heal_for("core-dump", "dumped", "SEGV");
	journal(SD "Main process exited, code=dumped, status=11/SEGV\n"
	    SD "Failed with result 'core-dump'.\n"
	    T "systemd-coredump[3001]: Process 812 (server) of user 1001 "
	    "dumped core.\n");
	analyse("crash");
	HAS(root_cause, "crashed: its process got SIGSEGV (an invalid "
	    "memory access), and dumped core.");
	HAS(evidence, "dumped core");
	HAS(fix, "coredumpctl info COREDUMP_UNIT=my-app.service");
	HAS(prevention, "Restart=on-failure");

	/* A shell wrapper: 139 = 128 + SEGV. */
	heal_for("exit-code", "exited", "139");
	journal(T "run.sh[700]: /opt/my-app/run.sh: line 3:   701 "
	    "Segmentation fault      (core dumped) ./server\n");
	analyse("crash");
	HAS(root_cause, "SIGSEGV");

	/* glibc's abort, no core (core dumps off). */
	heal_for("signal", "killed", "ABRT");
	journal(T "server[812]: free(): double free detected in tcache 2\n");
	analyse("crash");
	HAS(root_cause, "SIGABRT");
	HAS(evidence, "double free");
}
END_TEST

START_TEST(check_start_limit)
{
	heal_for("start-limit-hit", NULL, NULL);
	h.before.n_restarts = 5;
	journal(SD "Scheduled restart job, restart counter is at 5.\n"
	    T "systemd[1]: Stopped my-app.service - My App.\n"
	    SD "Start request repeated too quickly.\n"
	    SD "Failed with result 'start-limit-hit'.\n"
	    T "systemd[1]: Failed to start my-app.service - My App.\n");
	analyse("start-limit");
	HAS(root_cause, "after 5 automatic restarts");
	HAS(evidence, "Start request repeated too quickly");
	HAS(fix, "systemctl reset-failed my-app.service");
	HAS(prevention, "RestartSec=");
	HAS(prevention, "StartLimitBurst=");
}
END_TEST

START_TEST(check_disk_full)
{
	heal_for("exit-code", "exited", "1");
	h.sys.disk[0].avail = 100 * 1024 * 1024;	/* 100 MiB of 8 GiB */
	journal(T "python3[812]: OSError: [Errno 28] No space left on "
	    "device: '/var/lib/my-app/cache/blob.tmp'\n"
	    SD "Main process exited, code=exited, status=1/FAILURE\n");
	analyse("disk-full");
	HAS(root_cause, "no space left on device (/: 99 % used, 100.0 MiB "
	    "free of 8.0 GiB)");
	HAS(why, "/ is 99 % full");
	HAS(fix, "df -h /var/lib/my-app/cache/blob.tmp");
	HAS(fix, "du -xh -d 2 / ");
	HAS(fix, "journalctl --vacuum-size=50M");
	HAS(prevention, "SystemMaxUse=");

	/* No message, only the figure: named as likely, not certain. */
	heal_for("exit-code", "exited", "1");
	h.sys.disk[1].avail = h.sys.disk[1].total / 40;	/* 97.5 % */
	journal(SD "Main process exited, code=exited, status=1/FAILURE\n");
	analyse("disk-high");
	HAS(root_cause, "/var/lib/ansai was 98 % full");
	HAS(root_cause, "likely");

	/* Out of inodes with space left. */
	heal_for("exit-code", "exited", "1");
	h.sys.disk[0].files_avail = 10;
	journal("");
	analyse("disk-high");
	HAS(why, "almost no free inodes (10 of 500000)");
}
END_TEST

START_TEST(check_watchdog)
{
	heal_for("watchdog", "dumped", "ABRT");
	h.sys.load.one = 7.91;
	journal(SD "Watchdog timeout (limit 30s)!\n"
	    SD "Killing process 812 (server) with signal SIGABRT.\n"
	    SD "Main process exited, code=dumped, status=6/ABRT\n"
	    SD "Failed with result 'watchdog'.\n");
	analyse("watchdog");	/* not "crash": systemd caused the abort */
	HAS(root_cause, "WatchdogSec=");
	HAS(why, "Result=watchdog");
	HAS(why, "load average was 7.91");
	HAS(evidence, "Watchdog timeout (limit 30s)!");
	HAS(fix, "coredumpctl list COREDUMP_UNIT=my-app.service");
	HAS(fix, "systemctl show -p WatchdogUSec my-app.service");
	HAS(prevention, "WATCHDOG=1");
}
END_TEST

START_TEST(check_timeout_killed_exit_unknown)
{
	heal_for("timeout", "killed", "TERM");
	journal(SD "start operation timed out. Terminating.\n"
	    SD "Failed with result 'timeout'.\n");
	analyse("timeout");
	HAS(fix, "TimeoutStartUSec");

	heal_for("signal", "killed", "KILL");
	journal(SD "Main process exited, code=killed, status=9/KILL\n");
	analyse("killed");
	HAS(root_cause, "SIGKILL from outside");
	HAS(fix, "auditctl");

	heal_for("exit-code", "exited", "137");
	journal("");
	analyse("killed");
	HAS(root_cause, "exit code 137 is 128+9");

	heal_for("exit-code", "exited", "3");
	journal(T "app.py[2817]: ERROR config key 'db_url' missing\n"
	    T "app.py[2817]: shutting down\n"
	    SD "Main process exited, code=exited, status=3/NOTIMPLEMENTED\n"
	    SD "Failed with result 'exit-code'.\n");
	analyse("exit");
	HAS(root_cause, "exited with code 3; its last error: \"ERROR config "
	    "key 'db_url' missing\"");
	HAS(fix, "journalctl -u my-app.service -b -n 50");

	heal_for("exit-code", "exited", "75");
	journal("");
	analyse("exit");
	HAS(root_cause, "EX_TEMPFAIL");
	HAS(why, "no error message");

	heal_for(NULL, NULL, NULL);
	str_copy(h.journal_why, sizeof h.journal_why, "journalctl exited 1");
	analyse("unknown");
	HAS(root_cause, "could not tell why my-app.service failed");
	HAS(why, "No journal lines were gathered: journalctl exited 1");
	HAS(fix, "systemctl status my-app.service");
}
END_TEST

/* ---- what decides between classes ---- */

START_TEST(check_priorities)
{
	/* nginx cannot read its file: permission, not config. */
	heal_for("exit-code", "exited", "1");
	journal(T "nginx[812]: nginx: [emerg] open() "
	    "\"/etc/nginx/nginx.conf\" failed (13: Permission denied)\n"
	    T "nginx[812]: nginx: configuration file /etc/nginx/nginx.conf "
	    "test failed\n");
	analyse("permission");
	HAS(root_cause, "/etc/nginx/nginx.conf");

	/* A full disk made the write fail: disk, not the app's error. */
	heal_for("exit-code", "exited", "1");
	journal(T "app[1]: ERROR failed to save: write /data/x: no space "
	    "left on device\n");
	analyse("disk-full");

	/* OOM wins over the signal it sent. */
	heal_for("signal", "killed", "KILL");
	journal(SD "A process of this unit has been killed by the OOM "
	    "killer.\n");
	analyse("oom");

	/* "invalid" alone is not a configuration error... */
	heal_for("exit-code", "exited", "1");
	journal(T "app[1]: invalid request from 10.0.0.3\n");
	analyse("exit");
	/* ...but next to a configuration word it is. */
	journal(T "app[1]: invalid value for option 'workers'\n");
	analyse("config");

	/* An application's own "timed out" is an error, not systemd's
	 * timeout. */
	heal_for("exit-code", "exited", "1");
	journal(T "app[1]: fatal: connection to db timed out\n");
	analyse("exit");

	/* Side notes: a full disk and low memory are mentioned whatever
	 * the kind. */
	heal_for("core-dump", "dumped", "SEGV");
	h.sys.disk[0].avail = 0;
	h.sys.mem.available = 10 * MIB;
	journal("");
	analyse("crash");
	HAS(why, "Also: / is 100 % full");
	HAS(why, "Also: only 10.0 MiB of memory was available");
}
END_TEST

/* Journal text in commands is quoted; odd unit names too. */
START_TEST(check_quoting)
{
	heal_for("exit-code", "exited", "203");
	str_copy(h.unit, sizeof h.unit, "foo\\x2dbar.service");
	journal(T "systemd[9]: foo\\x2dbar.service: Failed to locate "
	    "executable /opt/$(reboot)/it's: No such file or directory\n");
	analyse("exec-missing");
	HAS(fix, "ls -l '/opt/$(reboot)/it'\\''s'");
	HAS(fix, "systemctl cat 'foo\\x2dbar.service'");
	HAS(root_cause, "foo\\x2dbar.service could not start");

	/* The longest unit name: sections are cut, never overrun. */
	heal_for("oom-kill", "killed", "KILL");
	memset(h.unit, 'u', UNIT_NAME_MAX - 9);
	strcpy(h.unit + UNIT_NAME_MAX - 9, ".service");
	analyse_builtin(&h, &a);
	ck_assert_uint_lt(strlen(a.fix), sizeof a.fix);
	ck_assert_uint_lt(strlen(a.prevention), sizeof a.prevention);
	analysis_format(&a, out, sizeof out);
}
END_TEST

/* ---- strategy order ---- */

static void
order3(enum strat_id x, enum strat_id y, enum strat_id z)
{
	h.pol.strategies.n = 3;
	h.pol.strategies.id[0] = x;
	h.pol.strategies.id[1] = y;
	h.pol.strategies.id[2] = z;
}

static void
expect(const struct strat_list *l, const char *want)
{
	char got[64];

	strat_list_format(l, got, sizeof got);
	ck_assert_str_eq(got, want);
}

START_TEST(check_suggest_order)
{
	struct strat_list o;

	/* No evidence: as configured. */
	heal_for("exit-code", "exited", "1");
	ck_assert_int_eq(analyse_suggest_order(&h, &o), 0);
	expect(&o, "restart, port, config");

	/* EX_CONFIG with checks configured: config first. */
	heal_for("exit-code", "exited", "78");
	h.pol.config = &cfg_paths;
	cfg_paths.n = 1;
	ck_assert_int_eq(analyse_suggest_order(&h, &o), 1);
	expect(&o, "config, restart, port");
	/* Without anything to check, config cannot help: unchanged. */
	h.pol.config = &no_paths;
	ck_assert_int_eq(analyse_suggest_order(&h, &o), 0);
	expect(&o, "restart, port, config");

	/* 203/EXEC and other setup codes, with validate. */
	heal_for("exit-code", "exited", "203");
	val_words.n = 1;
	h.pol.validate = &val_words;
	ck_assert_int_eq(analyse_suggest_order(&h, &o), 1);
	expect(&o, "config, restart, port");
	heal_for(NULL, NULL, NULL);
	h.before.exec_main_code = 1;	/* from systemctl show */
	h.before.exec_main_status = 226;
	h.pol.validate = &val_words;
	ck_assert_int_eq(analyse_suggest_order(&h, &o), 1);

	/* A missing EnvironmentFile= (resources), with env. */
	heal_for("resources", NULL, NULL);
	env_names.n = 1;
	h.pol.env = &env_names;
	ck_assert_int_eq(analyse_suggest_order(&h, &o), 1);
	expect(&o, "config, restart, port");

	/* Address in use, port configured: port first. */
	heal_for("exit-code", "exited", "1");
	h.pol.port = 5000;
	journal(T "python3[1]: OSError: [Errno 98] Address already in use\n");
	ck_assert_int_eq(analyse_suggest_order(&h, &o), 1);
	expect(&o, "port, restart, config");
	/* ...no port configured and none named: the strategy cannot run. */
	h.pol.port = 0;
	ck_assert_int_eq(analyse_suggest_order(&h, &o), 0);
	/* ...but a port the journal names is enough. */
	journal(T "nginx[1]: bind() to 0.0.0.0:80 failed (98: Address "
	    "already in use)\n");
	ck_assert_int_eq(analyse_suggest_order(&h, &o), 1);
	expect(&o, "port, restart, config");

	/* Both: port, then config, then the rest. */
	heal_for("exit-code", "exited", "78");
	h.pol.env = &env_names;
	order3(STRAT_CONFIG, STRAT_RESTART, STRAT_PORT);
	journal(T "nginx[1]: bind() to 0.0.0.0:80 failed (98: Address "
	    "already in use)\n");
	ck_assert_int_eq(analyse_suggest_order(&h, &o), 1);
	expect(&o, "port, config, restart");

	/* Never adds what the user did not list. */
	h.pol.strategies.n = 1;
	h.pol.strategies.id[0] = STRAT_RESTART;
	ck_assert_int_eq(analyse_suggest_order(&h, &o), 0);
	expect(&o, "restart");
	h.pol.strategies.n = 2;
	h.pol.strategies.id[1] = STRAT_CONFIG;
	ck_assert_int_eq(analyse_suggest_order(&h, &o), 1);
	expect(&o, "config, restart");

	/* In place. */
	order3(STRAT_RESTART, STRAT_CONFIG, STRAT_PORT);
	ck_assert_int_eq(analyse_suggest_order(&h, &h.pol.strategies), 1);
	expect(&h.pol.strategies, "port, config, restart");
	ck_assert_int_eq(analyse_suggest_order(&h, &h.pol.strategies), 0);
}
END_TEST

/* ---- rendering ---- */

START_TEST(check_format)
{
	char small[24];

	memset(&a, 0, sizeof a);
	str_copy(a.root_cause, sizeof a.root_cause, "It broke.");
	str_copy(a.why, sizeof a.why, "Because.\nAnd more.");
	str_copy(a.fix, sizeof a.fix, "Run:\n  systemctl restart x");
	analysis_format(&a, out, sizeof out);
	ck_assert_str_eq(out, "ROOT CAUSE: It broke.\n"
	    "WHY: Because.\n  And more.\n"
	    "FIX: Run:\n    systemctl restart x\n"
	    "PREVENTION: (none)\n");
	analysis_format(&a, small, sizeof small);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	analysis_format(&a, small, 1);
	ck_assert_str_eq(small, "");

	/* A whole analysis renders its four labels in order. */
	heal_for("oom-kill", "killed", "KILL");
	analyse("oom");
	ck_assert_ptr_eq(strstr(out, "ROOT CAUSE: "), out);
	ck_assert_ptr_nonnull(strstr(out, "\nWHY: systemd: killed"));
	ck_assert_ptr_nonnull(strstr(out, "\nFIX: See its limit"));
	ck_assert_ptr_nonnull(strstr(out, "\n    systemctl show -p "));
	ck_assert_ptr_nonnull(strstr(out, "\nPREVENTION: Find what "));
}
END_TEST

static Suite *
analyse_suite(void)
{
	Suite *s = suite_create("analyse");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, check_oom);
	tcase_add_test(tc, check_oom_runtime);
	tcase_add_test(tc, check_exec_missing);
	tcase_add_test(tc, check_exec_permission_and_format);
	tcase_add_test(tc, check_exec_127);
	tcase_add_test(tc, check_permission);
	tcase_add_test(tc, check_setup_codes);
	tcase_add_test(tc, check_addr_in_use);
	tcase_add_test(tc, check_addr_in_use_nginx);
	tcase_add_test(tc, check_port_owner);
	tcase_add_test(tc, check_config_nginx);
	tcase_add_test(tc, check_config_yaml);
	tcase_add_test(tc, check_config_78);
	tcase_add_test(tc, check_env_file);
	tcase_add_test(tc, check_crash);
	tcase_add_test(tc, check_start_limit);
	tcase_add_test(tc, check_disk_full);
	tcase_add_test(tc, check_watchdog);
	tcase_add_test(tc, check_timeout_killed_exit_unknown);
	tcase_add_test(tc, check_priorities);
	tcase_add_test(tc, check_quoting);
	tcase_add_test(tc, check_suggest_order);
	tcase_add_test(tc, check_format);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(analyse_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
