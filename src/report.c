/* report.c - see report.h. */
#include "report.h"
#include "ai.h"
#include "analyse.h"
#include "redact.h"
#include "signame.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
section(char *buf, size_t n, const char *title)
{
	size_t i, len = strlen(title);

	str_append(buf, n, "\n%s\n", title);
	for (i = 0; i < len; i++)
		str_append(buf, n, "-");
	str_append(buf, n, "\n");
}

static void
indent(char *buf, size_t n, const char *text)
{
	while (*text) {
		size_t len = strcspn(text, "\n");

		str_append(buf, n, "  %.*s\n", (int)len, text);
		text += len + (text[len] == '\n');
	}
}

static const char *
headline(const struct heal *h)
{
	switch (h->result) {
	case HEAL_HEALED:
		return "HEALED";
	case HEAL_NOTHING:
		return "NOTHING TO DO";
	case HEAL_DRY_RUN:
		return "DRY RUN (nothing changed)";
	case HEAL_NOT_HEALED:
	case HEAL_RATE_LIMITED:
		return h->pol.critical ? "NOT HEALED - ESCALATED - CRITICAL "
		    "unit, needs a human now" : "NOT HEALED - ESCALATED, "
		    "needs a human";
	case HEAL_SUPPRESSED:
		return "NOT HEALED - rate limited, a human was already told";
	case HEAL_BUSY:
		return "BUSY - another heal of this unit was running";
	default:
		return "ERROR";
	}
}

static void
render_state(char *buf, size_t n, const char *label,
    const struct svc_show *s)
{
	str_append(buf, n, "  %s: %s/%s", label,
	    s->active_state[0] ? s->active_state : "?",
	    s->sub_state[0] ? s->sub_state : "?");
	if (s->result[0])
		str_append(buf, n, ", result %s", s->result);
	if (s->exec_main_code == 1)
		str_append(buf, n, ", main process exited %d",
		    s->exec_main_status);
	else if (s->exec_main_code == 2 || s->exec_main_code == 3)
		str_append(buf, n, ", main process killed by SIG%s",
		    signame(s->exec_main_status));
	if (s->n_restarts >= 0)
		str_append(buf, n, ", %ld automatic restarts", s->n_restarts);
	str_append(buf, n, "\n");
}

static void
render_strategies(const struct heal *h, char *buf, size_t n)
{
	unsigned i;

	if (h->nstrats == 0) {
		str_append(buf, n, "  none run\n");
		return;
	}
	for (i = 0; i < h->nstrats; i++) {
		const struct strat_outcome *o = &h->strats[i];

		str_append(buf, n, "  %u. %-8s %-8s %4ld.%03ld s  %s\n", i + 1,
		    strat_name(o->id), strat_status_word(o->status),
		    o->ms / 1000, o->ms % 1000, o->detail);
	}
}

static void
render_escalation(const struct heal *h, char *buf, size_t n)
{
	const struct escalation *e = &h->esc;
	unsigned i;

	str_append(buf, n, "  %s%s\n", e->critical ? "CRITICAL unit.  " :
	    "", e->reason);
	str_append(buf, n, "  Run:\n");
	for (i = 0; i < e->ncmds; i++)
		str_append(buf, n, "    %s\n", e->cmds[i]);
	if (h->report_path[0])
		str_append(buf, n, "    cat %s\n", h->report_path);
}

static void
render_analysis(const struct heal *h, char *buf, size_t n)
{
	const struct ai_answer *ai = h->ai;
	static char text[8192];
	char note[160];

	if (h->analysis == NULL)
		return;
	section(buf, n, "Analysis");
	if (ai != NULL && ai->ok) {
		str_append(buf, n, "  From the model %s at %s, in %ld ms:\n",
		    ai->model, ai->endpoint, ai->ms);
		analysis_format(&ai->sections, text, sizeof text);
		indent(buf, n, text);
		str_append(buf, n, "  (ansai only reports this text; it never "
		    "runs anything a model says.)\n");
		str_append(buf, n, "  Built-in analysis, for comparison: %s\n",
		    h->analysis->root_cause);
	} else {
		analysis_format(h->analysis, text, sizeof text);
		indent(buf, n, text);
		if (ai != NULL)
			str_append(buf, n, "  The model%s%s gave no analysis: "
			    "%s.  This is the built-in one.\n",
			    ai->model[0] ? " " : "", ai->model, ai->failure);
	}
	if (ai == NULL)
		return;
	if (ai->redaction_skipped) {
		str_append(buf, n, "  Redaction: skipped (local Ollama, "
		    "skip_redaction = yes).\n");
	} else if (ai->prompt_bytes > 0) {
		redact_note(ai->redacted, note, sizeof note);
		str_append(buf, n, "  %s\n", note);
	}
}

static void
render_next(const struct heal *h, char *buf, size_t n)
{
	if (h->result == HEAL_HEALED)
		str_append(buf, n, "  Nothing urgent.  To see why it failed:"
		    "\n");
	else if (h->result == HEAL_NOTHING)
		str_append(buf, n, "  Nothing urgent: it was up, or systemd "
		    "was bringing it back.  To look:\n");
	else
		str_append(buf, n, "  The service is still down.  Look at "
		    "it now:\n");
	str_append(buf, n, "    systemctl status %s\n", h->unit);
	str_append(buf, n, "    journalctl -u %s -b\n", h->unit);
	if (h->cause.invocation[0])
		str_append(buf, n, "    journalctl _SYSTEMD_INVOCATION_ID=%s\n",
		    h->cause.invocation);
	str_append(buf, n, "    journalctl -t ansai-self-heal -b\n");
	if (h->result != HEAL_HEALED && h->result != HEAL_NOTHING)
		str_append(buf, n, "  When it is fixed:\n"
		    "    systemctl restart %s\n", h->unit);
}

void
report_render(const struct heal *h, char *buf, size_t n)
{
	char when[32], cause[256], strats[64];
	long d = heal_downtime_ms(h);
	unsigned i;

	buf[0] = '\0';
	time_iso(when, sizeof when, h->started);
	cause_describe(&h->cause, cause, sizeof cause);
	str_append(buf, n, "ansai self-heal report\n"
	    "======================\n\n");
	str_append(buf, n, "Unit:      %s\n", h->unit);
	str_append(buf, n, "Host:      %s\n", h->sys.host[0] ?
	    h->sys.host : "?");
	str_append(buf, n, "Time:      %s\n", when);
	str_append(buf, n, "Result:    %s\n", headline(h));
	str_append(buf, n, "Summary:   %s\n", h->summary);
	if (d >= 0)
		str_append(buf, n, "Downtime:  %ld.%03ld s from failure to "
		    "serving again\n", d / 1000, d % 1000);
	if (h->restart_usec != 0) {
		str_append(buf, n, "Reaction:  restart issued %llu ms after "
		    "ansai started", (unsigned long long)(h->restart_usec -
		    h->started_usec) / 1000);
		if (h->failed_usec != 0 && h->restart_usec > h->failed_usec)
			str_append(buf, n, ", %llu ms after the failure",
			    (unsigned long long)(h->restart_usec -
			    h->failed_usec) / 1000);
		str_append(buf, n, "\n");
	}
	if (h->pol.critical)
		str_append(buf, n, "Critical:  yes\n");

	section(buf, n, "What happened");
	str_append(buf, n, "  %s %s.\n", h->unit, cause);
	str_append(buf, n, "  Learned from: %s%s%s\n",
	    h->cause.source ? h->cause.source : "nothing",
	    h->cause.invocation[0] ? ", failed run " : "",
	    h->cause.invocation);
	render_state(buf, n, "State when ansai started", &h->before);
	if (h->after.active_state[0])
		render_state(buf, n, "State when ansai finished", &h->after);

	if (h->esc.needed) {
		section(buf, n, "ESCALATED: a human is needed");
		render_escalation(h, buf, n);
	}

	render_analysis(h, buf, n);

	section(buf, n, "Strategies tried");
	strat_list_format(&h->pol.strategies, strats, sizeof strats);
	str_append(buf, n, "  Configured order: %s\n", strats);
	render_strategies(h, buf, n);

	section(buf, n, "Configuration");
	if (h->conf_errs != NULL) {
		str_append(buf, n, "  %s is BROKEN; built-in defaults were "
		    "used:\n", h->conf->path);
		for (i = 0; i < h->conf_errs->n; i++)
			str_append(buf, n, "    %s\n", h->conf_errs->msg[i]);
		if (h->conf_errs->more)
			str_append(buf, n, "    (%u more errors)\n",
			    h->conf_errs->more);
	} else {
		str_append(buf, n, "  %s\n", h->conf->path[0] ?
		    h->conf->path : "built-in defaults (no file)");
	}
	str_append(buf, n, "  stabilize %u s, port %s", h->pol.stabilize_sec,
	    h->pol.port ? "" : "none");
	if (h->pol.port)
		str_append(buf, n, "%u", h->pol.port);
	str_append(buf, n, "\n");

	section(buf, n, "Machine");
	sysinfo_format(&h->sys, buf + strlen(buf), n - strlen(buf));

	section(buf, n, h->result == HEAL_NOTHING ? "Journal of the last run" :
	    "Journal of the failed run");
	if (h->journal[0])
		indent(buf, n, h->journal);
	else
		str_append(buf, n, "  (none: %s)\n", h->journal_why[0] ?
		    h->journal_why : "no lines");

	section(buf, n, "systemctl status");
	indent(buf, n, h->status);

	section(buf, n, "Next steps");
	render_next(h, buf, n);
	if (h->report_path[0])
		str_append(buf, n, "  This report: %s\n", h->report_path);
	if (strlen(buf) + 1 >= n) {
		static const char cut[] = "\n[report cut: too long]\n";

		if (n >= sizeof cut)
			memcpy(buf + n - sizeof cut, cut, sizeof cut);
	}
}

int
state_dir_make(const char *dir)
{
	char path[300];
	size_t i;

	if (str_copy(path, sizeof path, dir) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (i = 1; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		path[i] = '/';
	}
	if (mkdir(path, 0700) < 0) {
		struct stat st;

		if (errno != EEXIST)
			return -1;
		if (stat(path, &st) < 0)
			return -1;
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return -1;
		}
	}
	return 0;
}

/* The unit's name as a file-name part: a backslash (from systemd's
 * \x2d escapes) would only confuse shells, so it becomes '_'. */
static void
name_part(const char *unit, char *out, size_t n)
{
	size_t i;

	str_copy(out, n, unit);
	for (i = 0; out[i]; i++)
		if (out[i] == '\\')
			out[i] = '_';
}

/* Create path exclusively; when something (a file, a planted symlink)
 * is already there, try path with -2 ... -9 before ".txt".  Never
 * opens what exists.  The fd, or -1/errno. */
static int
create_unique(char *path, size_t pn)
{
	char base[300];
	size_t len;
	int fd, i;

	if (str_copy(base, sizeof base, path) < 0 || !str_ends(base, ".txt")) {
		errno = ENAMETOOLONG;
		return -1;
	}
	len = strlen(base) - 4;
	base[len] = '\0';
	for (i = 1; i <= 9; i++) {
		if (i > 1 && str_fmt(path, pn, "%s-%d.txt", base, i) < 0) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

int
report_save(struct heal *h, char *why, size_t wn)
{
	char dir[300], stamp[32], part[UNIT_NAME_MAX], text[REPORT_MAX];
	const char *state_dir = h->conf->state_dir, *unit = h->unit;
	char *path = h->report_path;
	size_t pn = sizeof h->report_path;
	time_t now = time(NULL);
	struct tm tm;
	int fd, r, saved;

	if (str_fmt(dir, sizeof dir, "%s/reports", state_dir) < 0) {
		str_copy(why, wn, "state_dir path too long");
		return -1;
	}
	if (state_dir_make(dir) < 0) {
		str_fmt(why, wn, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	name_part(unit, part, sizeof part);
	if (str_fmt(path, pn, "%s/%s-%s-%ld.txt", dir, stamp, part,
	    (long)getpid()) < 0) {
		str_copy(why, wn, "report path too long");
		path[0] = '\0';
		return -1;
	}
	fd = create_unique(path, pn);
	if (fd < 0) {
		str_fmt(why, wn, "cannot create %s: %s", path, strerror(errno));
		path[0] = '\0';
		return -1;
	}
	report_render(h, text, sizeof text);
	r = fd_write_all(fd, text, strlen(text));
	if (r == 0)
		r = fsync(fd);
	saved = errno;
	if (close(fd) < 0 && r == 0) {
		r = -1;
		saved = errno;
	}
	if (r < 0) {
		str_fmt(why, wn, "cannot write %s: %s", path,
		    strerror(saved));
		unlink(path);
		path[0] = '\0';
		return -1;
	}
	return 0;
}

static int
is_report(const struct dirent *d)
{
	return d->d_name[0] >= '0' && d->d_name[0] <= '9' &&
	    str_ends(d->d_name, ".txt");
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
report_prune(const char *state_dir, unsigned keep, const char *current)
{
	struct dirent **list;
	char dir[300], path[600];
	int n, i, gone = 0;

	if (str_fmt(dir, sizeof dir, "%s/reports", state_dir) < 0)
		return 0;
	n = scandir(dir, &list, is_report, by_name);
	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned)(n - i) > keep &&
		    str_fmt(path, sizeof path, "%s/%s", dir,
		    list[i]->d_name) == 0 &&
		    (current == NULL || strcmp(path, current) != 0) &&
		    unlink(path) == 0)
			gone++;
		free(list[i]);
	}
	free(list);
	return gone;
}
