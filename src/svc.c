/* svc.c - see svc.h. */
#include "svc.h"
#include "exec.h"
#include "util.h"

#include <errno.h>
#include <string.h>

const char svc_show_props[] =
    "Id,LoadState,ActiveState,SubState,Result,InvocationID,"
    "ExecMainCode,ExecMainStatus,MainPID,NRestarts,Restart,"
    "ExecMainExitTimestampMonotonic,InactiveEnterTimestampMonotonic,"
    "StateChangeTimestampMonotonic,FragmentPath,User,OnFailure,"
    "ControlGroup";

void
svc_show_init(struct svc_show *s)
{
	memset(s, 0, sizeof *s);
	s->exec_main_code = SVC_UNKNOWN;
	s->exec_main_status = SVC_UNKNOWN;
	s->n_restarts = SVC_UNKNOWN;
}

static int
unknown_value(const char *v)
{
	return *v == '\0' || strcmp(v, "[not set]") == 0 ||
	    strcmp(v, "infinity") == 0 ||
	    strcmp(v, "18446744073709551615") == 0;
}

static void
set_str(struct svc_show *s, char *dst, size_t n, const char *v)
{
	if (str_copy(dst, n, v) < 0) {
		dst[0] = '\0';
		s->dropped++;
	}
}

static void
set_num(struct svc_show *s, uint64_t *dst, const char *v)
{
	if (parse_u64(v, UINT64_MAX, dst) < 0) {
		*dst = 0;
		s->dropped++;
	}
}

static void
set_int(struct svc_show *s, long *dst, long max, const char *v)
{
	uint64_t u;

	if (parse_u64(v, (uint64_t)max, &u) < 0) {
		s->dropped++;
		return;
	}
	*dst = (long)u;
}

#define F(x) s->x, sizeof s->x

static void
set_field(struct svc_show *s, const char *k, const char *v)
{
	long l = SVC_UNKNOWN;

	if (unknown_value(v))
		return;
	if (strcmp(k, "Id") == 0)
		set_str(s, F(id), v);
	else if (strcmp(k, "LoadState") == 0)
		set_str(s, F(load_state), v);
	else if (strcmp(k, "ActiveState") == 0)
		set_str(s, F(active_state), v);
	else if (strcmp(k, "SubState") == 0)
		set_str(s, F(sub_state), v);
	else if (strcmp(k, "Result") == 0)
		set_str(s, F(result), v);
	else if (strcmp(k, "InvocationID") == 0)
		set_str(s, F(invocation_id), v);
	else if (strcmp(k, "Restart") == 0)
		set_str(s, F(restart), v);
	else if (strcmp(k, "FragmentPath") == 0)
		set_str(s, F(fragment), v);
	else if (strcmp(k, "User") == 0)
		set_str(s, F(user), v);
	else if (strcmp(k, "OnFailure") == 0)
		set_str(s, F(on_failure), v);
	else if (strcmp(k, "ControlGroup") == 0)
		set_str(s, F(cgroup), v);
	else if (strcmp(k, "ExecMainExitTimestampMonotonic") == 0)
		set_num(s, &s->exit_usec, v);
	else if (strcmp(k, "InactiveEnterTimestampMonotonic") == 0)
		set_num(s, &s->inactive_usec, v);
	else if (strcmp(k, "StateChangeTimestampMonotonic") == 0)
		set_num(s, &s->change_usec, v);
	else if (strcmp(k, "MainPID") == 0)
		set_int(s, &s->main_pid, 0x7fffffff, v);
	else if (strcmp(k, "NRestarts") == 0)
		set_int(s, &s->n_restarts, 0x7fffffff, v);
	else if (strcmp(k, "ExecMainCode") == 0) {
		set_int(s, &l, 255, v);
		s->exec_main_code = (int)l;
	} else if (strcmp(k, "ExecMainStatus") == 0) {
		set_int(s, &l, 255, v);
		s->exec_main_status = (int)l;
	}
}

#undef F

/* Lines longer than this are not properties ansai reads (ExecStart
 * can be long); they are skipped whole, never read in part. */
#define SVC_LINE_MAX 1024

const char *
svc_show_parse(const char *buf, struct svc_show *s)
{
	const char *p = buf;

	svc_show_init(s);
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *next = nl ? nl + 1 : p + len;
		char line[SVC_LINE_MAX], *eq;

		if (len == 0) {
			p = next;
			break;	/* a blank line ends one unit's block */
		}
		if (len < sizeof line) {
			memcpy(line, p, len);
			line[len] = '\0';
			eq = strchr(line, '=');
			if (eq != NULL) {
				*eq = '\0';
				set_field(s, line, eq + 1);
			}
		} else {
			s->dropped++;
		}
		p = next;
	}
	return p;
}

int
svc_is_handled(const struct svc_show *s)
{
	return strcmp(s->active_state, "active") == 0 ||
	    strcmp(s->active_state, "activating") == 0 ||
	    strcmp(s->active_state, "reloading") == 0 ||
	    strcmp(s->sub_state, "auto-restart") == 0;
}

/* Turn a failed systemctl run into one line: its first stderr line, or
 * how it ended. */
static void
why_failed(const struct exec_result *r, const char *err, char *why, size_t n)
{
	char how[96];
	size_t len;

	exec_describe(r, how, sizeof how);
	len = strcspn(err, "\n");
	if (len > 0 && !r->timed_out && r->exec_errno == 0)
		str_fmt(why, n, "%.*s (%s)", (int)len, err, how);
	else
		str_fmt(why, n, "systemctl %s", how);
}

int
svc_props(const char *unit, const char *props, char *out, size_t n,
    char *why, size_t wn)
{
	const char *argv[] = { "systemctl", "show", "-p", props, "--", unit,
		NULL };
	char err[1024];
	struct exec_buf ob = { .data = out, .cap = n };
	struct exec_buf eb = { .data = err, .cap = sizeof err };
	struct exec_result r;

	if (exec_run(argv, SVC_TIMEOUT_MS, &ob, &eb, &r) < 0) {
		str_fmt(why, wn, "cannot run systemctl: %s", strerror(errno));
		return -1;
	}
	if (!exec_ok(&r)) {
		why_failed(&r, err, why, wn);
		return -1;
	}
	if (ob.truncated) {
		str_fmt(why, wn, "systemctl show printed over %zu bytes", n);
		return -1;
	}
	return 0;
}

int
svc_prop(const char *text, const char *key, char *val, size_t n)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");

		if (len > kl && memcmp(p, key, kl) == 0 && p[kl] == '=') {
			if (len - kl - 1 >= n)
				return -1;
			memcpy(val, p + kl + 1, len - kl - 1);
			val[len - kl - 1] = '\0';
			return 0;
		}
		p += len + (p[len] == '\n');
	}
	return -1;
}

int
svc_query(const char *unit, struct svc_show *s, char *why, size_t n)
{
	char out[SVC_OUT_MAX];

	svc_show_init(s);
	if (svc_props(unit, svc_show_props, out, sizeof out, why, n) < 0)
		return -1;
	svc_show_parse(out, s);
	if (s->load_state[0] == '\0') {
		str_fmt(why, n, "systemctl show gave no LoadState for %s",
		    unit);
		return -1;
	}
	return 0;
}

int
svc_ctl(const char *verb, const char *unit, int timeout_ms,
    char *why, size_t n)
{
	const char *argv[5];
	char err[1024];
	struct exec_buf eb = { .data = err, .cap = sizeof err };
	struct exec_result r;
	size_t i = 0;

	argv[i++] = "systemctl";
	argv[i++] = verb;
	if (unit != NULL) {
		argv[i++] = "--";
		argv[i++] = unit;
	}
	argv[i] = NULL;
	if (exec_run(argv, timeout_ms, NULL, &eb, &r) < 0) {
		str_fmt(why, n, "cannot run systemctl: %s", strerror(errno));
		return -1;
	}
	if (r.timed_out) {
		str_fmt(why, n, "systemctl %s still waiting after %d ms", verb,
		    timeout_ms);
		return SVC_TIMED_OUT;
	}
	if (!exec_ok(&r)) {
		why_failed(&r, err, why, n);
		return -1;
	}
	return 0;
}

int
svc_status_text(const char *unit, char *out, size_t n)
{
	const char *argv[] = { "systemctl", "status", "--no-pager", "--full",
		"-n", "0", "--", unit, NULL };
	struct exec_buf ob = { .data = out, .cap = n };
	struct exec_result r;

	if (exec_run(argv, SVC_TIMEOUT_MS, &ob, NULL, &r) < 0)
		return -1;
	/* 0 running, 3 not running: both print a status. */
	if (r.exited && (r.code == 0 || r.code == 3) && ob.len > 0)
		return 0;
	return -1;
}
