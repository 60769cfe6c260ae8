/*
 * ansai - a self-healing companion for systemd services.
 *
 * main reads the global options, loads the configuration and hands the
 * command to its function in the table below.  `heal` is the product:
 * detect, recover, gather evidence, report, record.
 */
#include "ai.h"
#include "alert.h"
#include "analyse.h"
#include "conf.h"
#include "dropin.h"
#include "exitcode.h"
#include "heal.h"
#include "history.h"
#include "log.h"
#include "notify.h"
#include "port.h"
#include "report.h"
#include "rollback.h"
#include "smtp.h"
#include "spool.h"
#include "svc.h"
#include "unitname.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#ifndef ANSAI_VERSION
#define ANSAI_VERSION "0.1.0"
#endif

struct ctx {
	const char *conf_path;
	int conf_named;			/* -c or $ANSAI_CONFIG: must exist */
	int verbose;
	struct conf conf;
	struct conf_errors errs;
	int conf_broken;
	char **argv;			/* ansai's own, for a re-exec */
};

static const char usage_text[] =
    "usage: ansai [-c FILE] [-v] COMMAND [ARGS]\n"
    "\n"
    "  heal [--dry-run] UNIT  heal a failed unit (run by OnFailure=)\n"
    "  analyze UNIT           explain its last failure, changing nothing\n"
    "  flush [--now]          send the spooled alerts that are due (all)\n"
    "  test-alert             send a test alert on every channel\n"
    "  enable UNIT...         wire OnFailure= for each unit\n"
    "  disable UNIT...        remove that wiring\n"
    "  status                 units wired, and the last outcome of each\n"
    "  history [UNIT]         past heals, newest last\n"
    "  check                  validate the configuration file\n"
    "  port PORT              who listens on a TCP port\n"
    "  version                print the version\n"
    "  help                   print this help\n"
    "\n"
    "  -c FILE  configuration (default $ANSAI_CONFIG, then "
    CONF_DEFAULT_PATH ")\n"
    "  -v       also print debug messages\n"
    "\n"
    "Exit: 0 ok/healed, 1 not healed, 2 nothing to do, 64 usage,\n"
    "65 bad unit name, 66 no such unit, 71 system error, 73 cannot\n"
    "write, 75 another heal of the unit runs, 78 configuration error.\n";

/* "ansai: MSG 'ARG'" (ARG optional), then the usage text. */
static int
usage(const char *msg, const char *arg)
{
	if (msg != NULL && arg != NULL)
		fprintf(stderr, "ansai: %s '%s'\n", msg, arg);
	else if (msg != NULL)
		fprintf(stderr, "ansai: %s\n", msg);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static void
print_conf_errors(const struct ctx *c, int prio)
{
	unsigned i;

	for (i = 0; i < c->errs.n; i++)
		logx(prio, "%s", c->errs.msg[i]);
	if (c->errs.more)
		logx(prio, "%s: %u more errors", c->conf_path, c->errs.more);
}

/* Load the configuration; every command but heal refuses a broken one. */
static int
load_conf(struct ctx *c, int broken_ok)
{
	if (conf_load(&c->conf, c->conf_path, c->conf_named, &c->errs) == 0)
		return 0;
	c->conf_broken = 1;
	if (broken_ok)
		return 0;
	print_conf_errors(c, LOG_ERR);
	return -1;
}

/* A unit name from the command line, made a full service name. */
static int
unit_arg(const char *arg, char out[UNIT_NAME_MAX])
{
	enum unit_name_err e = unit_name_service(arg, out);

	if (e != UNIT_OK) {
		logx(LOG_ERR, "invalid unit name '%s': %s", arg,
		    unit_name_strerror(e));
		return -1;
	}
	if (unit_name_is_ansai(out)) {
		logx(LOG_ERR, "%s is one of ansai's own units; it is never "
		    "healed or wired", out);
		return -1;
	}
	return 0;
}

/* ---- understanding ---- */

/* The built-in analysis always; the model's when one is configured.
 * Both run after the unit was recovered (or given up on): they never
 * stand between a failure and its restart. */
static void
understand(const struct conf *c, struct heal *h, int ask_model)
{
	static struct analysis an;
	static struct ai_answer ans;
	static struct port_result pr;	/* ~78 KiB */

	analyse_builtin(h, &an);
	if (strcmp(an.kind, "addr-in-use") == 0 && an.port != 0 &&
	    an.owner[0] == '\0' &&
	    port_lookup((uint16_t)an.port, NULL, NULL, &pr) == 0)
		analyse_port_owner(&an, &pr);
	h->analysis = &an;
	if (!ask_model || c->ai.provider == AI_NONE)
		return;
	logx(LOG_INFO, "%s: asking %s for an explanation", h->unit,
	    ai_provider_name(c->ai.provider));
	if (ai_explain(c, h, &an, &ans) == 0)
		logx(LOG_INFO, "%s: %s explained it in %ld ms (%u values "
		    "redacted)", h->unit, ans.model, ans.ms, ans.redacted);
	else
		logx(LOG_WARNING, "%s: no explanation from the model: %s; the "
		    "built-in analysis stands", h->unit, ans.failure);
	h->ai = &ans;
}

/* ---- tell ---- */

#define CHANNELS_MAX 3

/* A Slack URL is its own secret: a url_file others may read has
 * leaked it already. */
static int
slack_url(const struct conf_alert *a, char *url, size_t n)
{
	struct stat st;
	char buf[CONF_URL_MAX];
	FILE *f;

	if (a->slack_url_file[0] == '\0')
		return str_copy(url, n, a->slack_url);
	f = fopen_regular(a->slack_url_file);
	if (f == NULL || fstat(fileno(f), &st) < 0 || (st.st_mode & S_IRWXO)) {
		logx(LOG_ERR, "[slack] url_file %s: %s", a->slack_url_file,
		    f == NULL ? strerror(errno) : "readable by others: "
		    "refused (chmod 600)");
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if (fgets(buf, sizeof buf, f) == NULL) {
		fclose(f);
		logx(LOG_ERR, "[slack] url_file %s: empty", a->slack_url_file);
		return -1;
	}
	fclose(f);
	return str_copy(url, n, str_trim(buf));
}

/* [mail] as the SMTP client wants it.  The password is read here
 * (password_file, or the credential ansai-smtp-password) and kept in
 * static storage for this short-lived process. */
static struct smtp_opts smtp;
static char smtp_pw[SMTP_SECRET_MAX + 1];
static const char *smtp_to[CONF_ARGS_MAX];

static int
mail_opts(const struct conf *c)
{
	static const enum smtp_tls tls[] = { SMTP_TLS_STARTTLS,
		SMTP_TLS_IMPLICIT, SMTP_TLS_NONE };
	char why[256];
	unsigned i;

	memset(&smtp, 0, sizeof smtp);
	if (c->mail.user[0] && smtp_password_load(c->mail.password_file[0] ?
	    c->mail.password_file : NULL, smtp_pw, sizeof smtp_pw, why,
	    sizeof why) < 0) {
		logx(LOG_ERR, "[mail]: %s; mail is off", why);
		return -1;
	}
	if (c->mail.from[0] == '\0' || c->mail.to.n == 0) {
		logx(LOG_ERR, "[mail] needs from and to; mail is off");
		return -1;
	}
	for (i = 0; i < c->mail.to.n; i++)
		smtp_to[i] = c->mail.to.v[i];
	smtp.server = c->mail.server;
	smtp.port = c->mail.port;
	smtp.tls = tls[c->mail.tls];
	smtp.user = c->mail.user;
	smtp.password = smtp_pw;
	smtp.from = c->mail.from;
	smtp.to = smtp_to;
	smtp.nto = c->mail.to.n;
	smtp.timeout_ms = (int)c->mail.timeout_sec * 1000;
	smtp.ca_file = c->ca_file;
	/* The dialogue at debug level (-v), secrets redacted by smtp.c. */
	smtp.trace = smtp_trace_log;
	return 0;
}

/* The configured channels into ch[]; their count. */
static size_t
channels(const struct conf *c, struct notify_channel ch[CHANNELS_MAX])
{
	static char slack[CONF_URL_MAX];
	size_t n = 0;

	memset(ch, 0, sizeof *ch * CHANNELS_MAX);
	if ((c->alert.slack_url[0] || c->alert.slack_url_file[0]) &&
	    slack_url(&c->alert, slack, sizeof slack) == 0) {
		ch[n].kind = NOTIFY_SLACK;
		ch[n].name = "slack";
		ch[n].url = slack;
		ch[n].ca_file = c->ca_file;
		ch[n++].timeout_sec = c->alert.slack_timeout_sec;
	}
	if (c->mail.server[0] && mail_opts(c) == 0) {
		ch[n].kind = NOTIFY_MAIL;
		ch[n].name = "mail";
		ch[n].smtp = &smtp;
		ch[n++].timeout_sec = c->mail.timeout_sec;
	}
	if (c->alert.webhook_url[0]) {
		ch[n].kind = NOTIFY_WEBHOOK;
		ch[n].name = "webhook";
		ch[n].url = c->alert.webhook_url;
		ch[n].header = c->alert.webhook_header;
		ch[n].ca_file = c->ca_file;
		ch[n++].timeout_sec = c->alert.webhook_timeout_sec;
	}
	return n;
}

static int
open_spool(const struct conf *c, struct spool *sp)
{
	if (spool_init(sp, c->state_dir) < 0) {
		log_errno(LOG_ERR, "cannot open the spool in %s", c->state_dir);
		return -1;
	}
	sp->max_files = c->alert.spool_max_files;
	sp->max_bytes = c->alert.spool_max_bytes;
	return 0;
}

/* After the heal was recorded (the alert names the report): send it on
 * every channel, keep what did not go in the spool, and retry what
 * earlier heals left there.  Recovery is long done by now. */
static void
tell(const struct conf *c, const struct heal *h)
{
	static struct alert a;
	struct notify_channel ch[CHANNELS_MAX];
	struct spool sp;
	char subject[512];
	size_t n = channels(c, ch);
	int want = alert_wanted(h, c->alert.on_failure_only ?
	    ALERT_ON_FAILURE : ALERT_ON_ALL);

	if (want) {
		alert_from_heal(h, &a);
		if (alert_subject(&a, subject, sizeof subject) == 0)
			logx(a.escalated ? LOG_NOTICE : LOG_INFO, "%s: alert: "
			    "%s", h->unit, subject);
	}
	if (n == 0 || open_spool(c, &sp) < 0)
		return;
	if (want)
		notify_alert(ch, n, &sp, &a, (int64_t)time(NULL));
	/* Bounded: a heal must not spend minutes on an old backlog. */
	notify_flush(ch, n, &sp, (int64_t)time(NULL), 5000);
}

static int
cmd_flush(struct ctx *c, int argc, char **argv)
{
	struct notify_channel ch[CHANNELS_MAX];
	struct spool sp;
	size_t n;
	int k;

	int all = argc == 2 && strcmp(argv[1], "--now") == 0;

	if (argc != 1 && !all)
		return usage("flush takes only --now", NULL);
	if (load_conf(c, 0) < 0)
		return EXIT_CONFIG;
	n = channels(&c->conf, ch);
	if (open_spool(&c->conf, &sp) < 0)
		return EXIT_SYSTEM;
	k = (all ? notify_flush_all : notify_flush)(ch, n, &sp,
	    (int64_t)time(NULL), 0);
	if (k < 0)
		return EXIT_SYSTEM;
	printf("flush: %d spooled alerts were due\n", k);
	return EXIT_OK;
}

static int
cmd_test_alert(struct ctx *c, int argc, char **argv)
{
	static struct heal h;
	static struct alert a;
	struct notify_channel ch[CHANNELS_MAX];
	struct notify_result r;
	size_t n, i;
	int bad = 0;

	(void)argv;
	if (argc != 1)
		return usage("test-alert takes no arguments", NULL);
	if (load_conf(c, 0) < 0)
		return EXIT_CONFIG;
	n = channels(&c->conf, ch);
	if (n == 0) {
		printf("no alert channel is configured ([slack], [webhook])\n");
		return EXIT_OK;
	}
	heal_init(&h, &c->conf, NULL, "ansai-test-alert.service", 1);
	h.result = HEAL_HEALED;
	str_copy(h.summary, sizeof h.summary, "a test alert from `ansai "
	    "test-alert`: nothing failed");
	alert_from_heal(&h, &a);
	for (i = 0; i < n; i++) {
		notify_send(&ch[i], &a, &r);
		printf("%-8s %-9s %ld ms  %s\n", ch[i].name,
		    notify_res_word(r.res), r.ms, r.res == NOTIFY_SENT ?
		    "delivered" : r.why);
		bad |= r.res != NOTIFY_SENT;
	}
	return bad ? EXIT_SYSTEM : EXIT_OK;
}

/* ---- heal ---- */

/* Report, history line, pruning.  0, or -1 when something the README
 * promises was not written (the heal's outcome stands either way). */
static int
record(struct heal *h)
{
	struct hist_entry e;
	char why[256];
	unsigned i;
	int r = 0;

	if (state_dir_make(h->conf->state_dir) < 0) {
		log_errno(LOG_ERR, "cannot create %s", h->conf->state_dir);
		r = -1;
	}
	/* A refused or repeated trigger changes nothing: a history line
	 * says it happened; a report would only bury the real ones. */
	if (h->result == HEAL_SUPPRESSED || h->result == HEAL_BUSY)
		;
	else if (report_save(h, why, sizeof why) < 0) {
		logx(LOG_ERR, "%s: report not written: %s", h->unit, why);
		r = -1;
	} else
		logx(LOG_INFO, "%s: report %s", h->unit, h->report_path);
	memset(&e, 0, sizeof e);
	e.when = h->started;
	str_copy(e.unit, sizeof e.unit, h->unit);
	str_copy(e.result, sizeof e.result, heal_result_word(h->result));
	cause_tag(&h->cause, e.cause, sizeof e.cause);
	e.downtime_ms = heal_downtime_ms(h);
	for (i = 0; i < h->nstrats; i++)
		str_append(e.strategies, sizeof e.strategies, "%s%s:%s",
		    i ? "," : "", strat_name(h->strats[i].id),
		    strat_status_word(h->strats[i].status));
	if (h->nstrats == 0)
		str_copy(e.strategies, sizeof e.strategies, "-");
	str_copy(e.report, sizeof e.report, h->report_path[0] ?
	    h->report_path : "-");
	if (history_append(h->conf->state_dir, &e) < 0) {
		log_errno(LOG_ERR, "%s: history not written in %s", h->unit,
		    h->conf->state_dir);
		r = -1;
	}
	report_prune(h->conf->state_dir, h->conf->keep_reports,
	    h->report_path[0] ? h->report_path : NULL);
	return r;
}

/* The benchmark reads this line: ansai's own peak, without the
 * systemctl and journalctl children it ran.  VmHWM, not getrusage:
 * ru_maxrss keeps the high-water mark of the process image that
 * exec'd ansai (a shell, nsenter), which is not ansai's. */
static void
peak_rss(void)
{
	char buf[4096];
	const char *p;

	if (file_read("/proc/self/status", buf, sizeof buf) < 0)
		return;
	p = strstr(buf, "VmHWM:");
	if (p != NULL)
		logx(LOG_DEBUG, "peak RSS %ld KiB", strtol(p + 6, NULL, 10));
}

/*
 * While this heal asked the model and sent its alerts, the unit may
 * have failed again: systemd then merged that OnFailure= start into
 * this still running job, and nobody else will heal it.  So look once
 * more and, if it is down in a new run, start over as a fresh process
 * (the rate limit bounds how often).  The lock goes with the exec.
 */
static void
heal_again_if_down(struct heal *h, char **argv)
{
	struct svc_show s;
	char why[256];

	if (h->result != HEAL_HEALED || svc_query(h->unit, &s, why,
	    sizeof why) < 0 || strcmp(s.active_state, "failed") != 0)
		return;
	logx(LOG_NOTICE, "%s: it failed again while this heal finished; "
	    "healing again", h->unit);
	/* The MONITOR_* variables describe the first failure. */
	unsetenv("MONITOR_SERVICE_RESULT");
	unsetenv("MONITOR_EXIT_CODE");
	unsetenv("MONITOR_EXIT_STATUS");
	unsetenv("MONITOR_INVOCATION_ID");
	if (h->lock_fd >= 0)
		close(h->lock_fd);
	fflush(stdout);
	execv("/proc/self/exe", argv);
	log_errno(LOG_ERR, "%s: cannot start the next heal", h->unit);
}

static int
cmd_heal(struct ctx *c, int argc, char **argv)
{
	static struct heal h;	/* ~45 KiB: kept off the stack */
	char unit[UNIT_NAME_MAX];
	int dry = 0, i = 1, recorded;

	if (i < argc && strcmp(argv[i], "--dry-run") == 0) {
		dry = 1;
		i++;
	}
	if (argc - i != 1)
		return usage("heal takes one unit", NULL);
	if (unit_arg(argv[i], unit) < 0)
		return EXIT_BAD_UNIT;
	/* A dry run records nothing, in the journal neither. */
	if (dry)
		log_open("ansai", c->verbose ? LOG_VERBOSE : 0);
	log_set_unit(unit);
	load_conf(c, 1);
	if (c->conf_broken)
		print_conf_errors(c, LOG_WARNING);
	heal_init(&h, &c->conf, c->conf_broken ? &c->errs : NULL, unit, dry);
	heal_run(&h);
	peak_rss();
	if (h.result == HEAL_NO_UNIT)
		return EXIT_NO_UNIT;
	if (h.result == HEAL_ERROR)
		return EXIT_SYSTEM;
	if (h.result != HEAL_BUSY && h.result != HEAL_SUPPRESSED)
		understand(&c->conf, &h, h.result != HEAL_NOTHING);
	if (dry) {
		/* Whatever it found, a dry run only shows it. */
		static char text[REPORT_MAX];

		report_render(&h, text, sizeof text);
		fputs(text, stdout);
		return EXIT_OK;
	}
	recorded = record(&h);
	tell(&c->conf, &h);
	heal_again_if_down(&h, c->argv);
	switch (h.result) {
	case HEAL_HEALED:
		return recorded < 0 ? EXIT_CANT_WRITE : EXIT_OK;
	case HEAL_NOTHING:
		return recorded < 0 ? EXIT_CANT_WRITE : EXIT_NOTHING;
	case HEAL_BUSY:
		return EXIT_BUSY;
	default:
		return EXIT_NOT_HEALED;
	}
}

/* ---- analyze ---- */

static int
cmd_analyze(struct ctx *c, int argc, char **argv)
{
	static struct heal h;
	static char text[8192];
	char unit[UNIT_NAME_MAX];

	if (argc != 2)
		return usage("analyze takes one unit", NULL);
	if (unit_arg(argv[1], unit) < 0)
		return EXIT_BAD_UNIT;
	if (load_conf(c, 0) < 0)
		return EXIT_CONFIG;
	heal_init(&h, &c->conf, NULL, unit, 1);
	heal_inspect(&h);
	if (h.result == HEAL_NO_UNIT) {
		logx(LOG_ERR, "%s: no such unit", unit);
		return EXIT_NO_UNIT;
	}
	if (h.result == HEAL_ERROR) {
		logx(LOG_ERR, "%s: %s", unit, h.summary);
		return EXIT_SYSTEM;
	}
	understand(&c->conf, &h, 1);
	printf("%s: %s\n\n", unit, h.summary);
	if (h.ai != NULL && h.ai->ok) {
		printf("From %s (%s):\n", h.ai->model, h.ai->endpoint);
		analysis_format(&h.ai->sections, text, sizeof text);
	} else {
		if (h.ai != NULL)
			printf("The model gave no answer (%s); built-in "
			    "analysis:\n", h.ai->failure);
		analysis_format(h.analysis, text, sizeof text);
	}
	fputs(text, stdout);
	return EXIT_OK;
}

/* ---- enable / disable ---- */

/* "ansai-heal@" + UNIT + ".service" must itself be a valid unit name,
 * or systemd could never start the heal. */
#define HEALABLE_NAME_MAX (UNIT_NAME_MAX - 1 - 11 - 8)

static int
check_units(int argc, char **argv, char units[][UNIT_NAME_MAX], int need)
{
	struct svc_show s;
	char why[256];
	int i, bad = 0;

	for (i = 0; i < argc; i++) {
		if (unit_arg(argv[i], units[i]) < 0) {
			bad = EXIT_BAD_UNIT;
			continue;
		}
		if (!need)
			continue;
		if (strlen(units[i]) > HEALABLE_NAME_MAX) {
			logx(LOG_ERR, "%s: refused: names longer than %d "
			    "characters cannot be wired (ansai-heal@NAME.service "
			    "would pass systemd's limit of 255)", units[i],
			    HEALABLE_NAME_MAX);
			bad = EXIT_BAD_UNIT;
			continue;
		}
		if (svc_query(units[i], &s, why, sizeof why) < 0) {
			logx(LOG_ERR, "%s: %s", units[i], why);
			bad = EXIT_SYSTEM;
		} else if (strcmp(s.load_state, "loaded") != 0) {
			logx(LOG_ERR, "%s: refused: systemd says it is %s",
			    units[i], s.load_state);
			if (!bad)
				bad = EXIT_NO_UNIT;
		}
	}
	return bad;
}

#define UNITS_PER_CALL 64

static int
reload(void)
{
	char why[256];

	if (svc_ctl("daemon-reload", NULL, SVC_RELOAD_TIMEOUT_MS, why,
	    sizeof why) < 0) {
		logx(LOG_ERR, "systemctl daemon-reload: %s", why);
		return -1;
	}
	return 0;
}

static int
cmd_enable(struct ctx *c, int argc, char **argv)
{
	char units[UNITS_PER_CALL][UNIT_NAME_MAX], why[256];
	struct svc_show s;
	int i, r;

	(void)c;
	argc--, argv++;
	if (argc < 1 || argc > UNITS_PER_CALL)
		return usage("enable takes 1 to 64 units", NULL);
	if ((r = check_units(argc, argv, units, 1)) != 0)
		return r;	/* all or nothing: nothing written yet */
	for (i = 0; i < argc; i++) {
		if (dropin_write(DROPIN_UNITDIR, units[i], why,
		    sizeof why) < 0) {
			logx(LOG_ERR, "%s: %s; nothing enabled", units[i], why);
			/* All or nothing: take back what this call wrote. */
			while (i-- > 0)
				dropin_remove(DROPIN_UNITDIR, units[i], why,
				    sizeof why);
			return EXIT_CANT_WRITE;
		}
	}
	if (reload() < 0)
		return EXIT_SYSTEM;
	/* Trust systemd's view, not our file: a unit masked or overridden
	 * elsewhere would not pick the drop-in up. */
	for (i = 0; i < argc; i++) {
		if (svc_query(units[i], &s, why, sizeof why) < 0 ||
		    strstr(s.on_failure, "ansai-heal@") == NULL) {
			logx(LOG_ERR, "%s: drop-in written but systemd does not "
			    "show OnFailure=ansai-heal@...; see systemctl cat "
			    "%s", units[i], units[i]);
			r = EXIT_SYSTEM;
			continue;
		}
		printf("%s: enabled: OnFailure=%s\n", units[i], s.on_failure);
		log_journal(LOG_INFO, "%s: enabled: OnFailure=%s", units[i],
		    s.on_failure);
	}
	/* rollback = yes: a unit enabled while healthy gives the first
	 * last-known-good copies of its config files. */
	if (load_conf(c, 1) == 0 && !c->conf_broken) {
		for (i = 0; i < argc; i++) {
			int k = rollback_snapshot(&c->conf, units[i], why,
			    sizeof why);

			if (k > 0)
				printf("%s: %s\n", units[i], why);
			else if (k < 0)
				logx(LOG_WARNING, "%s: %s", units[i], why);
		}
	}
	return r;
}

static int
cmd_disable(struct ctx *c, int argc, char **argv)
{
	char units[UNITS_PER_CALL][UNIT_NAME_MAX], why[256];
	int i, r, removed = 0;

	(void)c;
	argc--, argv++;
	if (argc < 1 || argc > UNITS_PER_CALL)
		return usage("disable takes 1 to 64 units", NULL);
	if ((r = check_units(argc, argv, units, 0)) != 0)
		return r;
	for (i = 0; i < argc; i++) {
		int k = dropin_remove(DROPIN_UNITDIR, units[i], why,
		    sizeof why);

		if (k < 0) {
			logx(LOG_ERR, "%s: %s", units[i], why);
			r = EXIT_CANT_WRITE;
		} else {
			printf("%s: %s\n", units[i], k ? "disabled" :
			    "was not enabled");
			if (k)
				log_journal(LOG_INFO, "%s: disabled",
				    units[i]);
			removed += k;
		}
	}
	if (removed > 0 && reload() < 0)
		return EXIT_SYSTEM;
	return r;
}

/* ---- status / history ---- */

struct last {
	struct hist_entry e;
	unsigned count;
};

static void
keep_last(const struct hist_entry *e, void *arg)
{
	struct last *l = arg;

	l->e = *e;
	if (strcmp(e->result, "healed") == 0 ||
	    strcmp(e->result, "not-healed") == 0)
		l->count++;
}

static void
status_line(const char *unit, void *arg)
{
	const char *dir = arg;
	struct last l;
	struct svc_show s;
	char why[128], when[32];
	unsigned bad;

	memset(&l, 0, sizeof l);
	if (svc_query(unit, &s, why, sizeof why) < 0)
		str_copy(s.active_state, sizeof s.active_state, "?");
	history_each(dir, unit, keep_last, &l, &bad);
	if (l.e.when == 0) {
		printf("%-32s %-10s %-20s %-13s %5u\n", unit, s.active_state,
		    "never", "-", 0u);
		return;
	}
	time_iso(when, sizeof when, l.e.when);
	printf("%-32s %-10s %-20s %-13s %5u\n", unit, s.active_state, when,
	    l.e.result, l.count);
}

static void
dead_line(const struct spool *sp, struct spool_entry *e, void *arg)
{
	(void)sp;
	(void)arg;
	if (e->state == SPOOL_DEAD)
		printf("  dead: %s to %s after %u tries: %s\n", e->alert.unit,
		    e->channel, e->attempts, e->last_error);
}

static void
spool_status(const struct conf *c)
{
	struct spool sp;
	struct spool_stats st;

	if (open_spool(c, &sp) < 0 || spool_stats(&sp, &st) < 0)
		return;
	if (st.pending + st.dead + st.sending + st.corrupt == 0)
		return;
	printf("\nalert spool: %u pending, %u dead, %u being sent, %u "
	    "corrupt\n", st.pending, st.dead, st.sending, st.corrupt);
	spool_each(&sp, dead_line, NULL);
}

static int
cmd_status(struct ctx *c, int argc, char **argv)
{
	int n;

	(void)argv;
	if (argc != 1)
		return usage("status takes no arguments", NULL);
	if (load_conf(c, 0) < 0)
		return EXIT_CONFIG;
	printf("%-32s %-10s %-20s %-13s %5s\n", "UNIT", "STATE", "LAST HEAL",
	    "RESULT", "HEALS");
	n = dropin_list(DROPIN_UNITDIR, status_line, c->conf.state_dir);
	if (n < 0) {
		log_errno(LOG_ERR, "cannot read %s", DROPIN_UNITDIR);
		return EXIT_SYSTEM;
	}
	if (n == 0)
		printf("(no unit is enabled; see ansai enable)\n");
	spool_status(&c->conf);
	return EXIT_OK;
}

static void
history_line(const struct hist_entry *e, void *arg)
{
	char when[32], down[24];

	(void)arg;
	time_iso(when, sizeof when, e->when);
	if (e->downtime_ms >= 0)
		str_fmt(down, sizeof down, "%ld.%03lds", e->downtime_ms / 1000,
		    e->downtime_ms % 1000);
	else
		str_copy(down, sizeof down, "-");
	printf("%s  %-28s %-13s %-16s %9s  %s  %s\n", when, e->unit,
	    e->result, e->cause, down, e->strategies, e->report);
}

static int
cmd_history(struct ctx *c, int argc, char **argv)
{
	char unit[UNIT_NAME_MAX];
	unsigned bad;

	if (argc > 2)
		return usage("history takes at most one unit", NULL);
	if (argc == 2 && unit_arg(argv[1], unit) < 0)
		return EXIT_BAD_UNIT;
	if (load_conf(c, 0) < 0)
		return EXIT_CONFIG;
	if (history_each(c->conf.state_dir, argc == 2 ? unit : NULL,
	    history_line, NULL, &bad) < 0) {
		log_errno(LOG_ERR, "cannot read %s/history",
		    c->conf.state_dir);
		return EXIT_SYSTEM;
	}
	if (bad)
		logx(LOG_WARNING, "%u unreadable history lines skipped", bad);
	return EXIT_OK;
}

/* ---- check / port / version ---- */

static int
cmd_check(struct ctx *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage("check takes no arguments", NULL);
	if (load_conf(c, 0) < 0)
		return EXIT_CONFIG;
	if (c->conf.path[0] == '\0')
		printf("%s: not present; built-in defaults apply\n",
		    c->conf_path);
	else
		printf("%s: ok, %u unit section%s\n", c->conf.path,
		    c->conf.nunits, c->conf.nunits == 1 ? "" : "s");
	return EXIT_OK;
}

static int
cmd_port(struct ctx *c, int argc, char **argv)
{
	static struct port_result res;	/* ~46 KiB */
	uint64_t port;

	(void)c;
	if (argc != 2)
		return usage("port takes one port number", NULL);
	if (parse_u64(argv[1], 65535, &port) < 0 || port == 0)
		return usage("not a port from 1 to 65535:", argv[1]);
	if (port_lookup((uint16_t)port, NULL, NULL, &res) < 0) {
		log_errno(LOG_ERR, "cannot read the socket tables in /proc");
		return EXIT_SYSTEM;
	}
	if (port_print(stdout, &res) < 0) {
		log_errno(LOG_ERR, "cannot write the answer");
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

static int
cmd_version(struct ctx *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	printf("ansai %s\n", ANSAI_VERSION);
	return EXIT_OK;
}

static int
cmd_help(struct ctx *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	fputs(usage_text, stdout);
	return EXIT_OK;
}

static const struct command {
	const char *name;
	int (*fn)(struct ctx *, int, char **);
	int journal;		/* its story belongs in the journal */
} commands[] = {
	{ "heal", cmd_heal, 1 },
	{ "analyze", cmd_analyze, 0 },
	{ "flush", cmd_flush, 1 },
	{ "test-alert", cmd_test_alert, 0 },
	{ "enable", cmd_enable, 1 },
	{ "disable", cmd_disable, 1 },
	{ "status", cmd_status, 0 },
	{ "history", cmd_history, 0 },
	{ "check", cmd_check, 0 },
	{ "port", cmd_port, 0 },
	{ "version", cmd_version, 0 },
	{ "help", cmd_help, 0 },
};

int
main(int argc, char **argv)
{
	static struct ctx c;
	const struct command *cmd = NULL;
	const char *env = getenv("ANSAI_CONFIG");
	size_t k;
	int i, r;

	c.argv = argv;
	c.conf_path = CONF_DEFAULT_PATH;
	if (env != NULL && *env != '\0') {
		c.conf_path = env;
		c.conf_named = 1;
	}
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-c") == 0 && i + 1 == argc)
			return usage("option -c needs a FILE", NULL);
		if (strcmp(argv[i], "-c") == 0) {
			c.conf_path = argv[++i];
			c.conf_named = 1;
		} else if (strcmp(argv[i], "-v") == 0) {
			c.verbose = 1;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			return cmd_help(&c, 0, NULL);
		} else if (strcmp(argv[i], "--version") == 0) {
			return cmd_version(&c, 0, NULL);
		} else {
			return usage("unknown option", argv[i]);
		}
	}
	if (i == argc)
		return usage(NULL, NULL);
	for (k = 0; k < ARRAY_LEN(commands); k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			cmd = &commands[k];
	if (cmd == NULL)
		return usage("unknown command", argv[i]);
	log_open("ansai", (cmd->journal ? LOG_TO_JOURNAL : 0) |
	    (c.verbose ? LOG_VERBOSE : 0));
	r = cmd->fn(&c, argc - i, argv + i);
	/* An answer that never reached its reader (a full disk, a closed
	 * pipe) is a failure, not a success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_errno(LOG_ERR, "cannot write standard output");
		return EXIT_SYSTEM;
	}
	return r;
}
