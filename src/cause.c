/* cause.c - see cause.h. */
#include "cause.h"
#include "signame.h"
#include "util.h"

#include <string.h>
#include <sys/wait.h>

static void
cause_init(struct cause *c)
{
	memset(c, 0, sizeof *c);
	c->code = -1;
	c->signo = -1;
}

/* systemd's result word decides the kind whenever it is specific. */
static enum cause_kind
kind_of_result(const char *r)
{
	static const struct {
		const char *word;
		enum cause_kind kind;
	} map[] = {
		{ "oom-kill", CAUSE_OOM },
		{ "signal", CAUSE_SIGNAL },
		{ "core-dump", CAUSE_CORE },
		{ "exit-code", CAUSE_EXIT },
		{ "timeout", CAUSE_TIMEOUT },
		{ "watchdog", CAUSE_WATCHDOG },
		{ "start-limit-hit", CAUSE_START_LIMIT },
		{ "resources", CAUSE_RESOURCES },
	};
	size_t i;

	if (*r == '\0')
		return CAUSE_UNKNOWN;
	for (i = 0; i < ARRAY_LEN(map); i++)
		if (strcmp(r, map[i].word) == 0)
			return map[i].kind;
	return strcmp(r, "success") == 0 ? CAUSE_UNKNOWN : CAUSE_OTHER;
}

/* Where the result says nothing, how the main process ended does. */
static void
fill_from_exit(struct cause *c, int how, int status)
{
	if (how == CLD_EXITED) {
		c->code = status;
		if (c->kind == CAUSE_UNKNOWN && status > 0)
			c->kind = CAUSE_EXIT;
	} else if (how == CLD_KILLED || how == CLD_DUMPED) {
		c->signo = status;
		if (c->kind == CAUSE_UNKNOWN)
			c->kind = how == CLD_DUMPED ? CAUSE_CORE :
			    CAUSE_SIGNAL;
	}
}

int
cause_from_monitor(const char *result, const char *exit_code,
    const char *exit_status, const char *invocation, struct cause *c)
{
	int how = 0, status = -1;
	uint64_t u;

	cause_init(c);
	if (result == NULL || *result == '\0')
		return -1;
	if (str_copy(c->result, sizeof c->result, result) < 0) {
		cause_init(c);
		return -1;
	}
	c->kind = kind_of_result(c->result);
	c->source = "MONITOR_* variables";
	if (invocation != NULL)
		str_copy(c->invocation, sizeof c->invocation, invocation);
	if (exit_code != NULL) {
		if (strcmp(exit_code, "exited") == 0)
			how = CLD_EXITED;
		else if (strcmp(exit_code, "killed") == 0)
			how = CLD_KILLED;
		else if (strcmp(exit_code, "dumped") == 0)
			how = CLD_DUMPED;
	}
	if (exit_status != NULL && how != 0) {
		if (how == CLD_EXITED) {
			if (parse_u64(exit_status, 255, &u) == 0)
				status = (int)u;
		} else {
			status = signum(exit_status);
			if (status < 0 &&
			    parse_u64(exit_status, 64, &u) == 0)
				status = (int)u;
		}
	}
	if (how != 0 && status >= 0)
		fill_from_exit(c, how, status);
	return 0;
}

void
cause_from_show(const struct svc_show *s, struct cause *c)
{
	cause_init(c);
	str_copy(c->result, sizeof c->result, s->result);
	c->kind = kind_of_result(c->result);
	c->source = "systemctl show";
	str_copy(c->invocation, sizeof c->invocation, s->invocation_id);
	if (s->exec_main_code > 0 && s->exec_main_status >= 0)
		fill_from_exit(c, s->exec_main_code, s->exec_main_status);
}

void
cause_tag(const struct cause *c, char *buf, size_t n)
{
	switch (c->kind) {
	case CAUSE_OOM:
		str_copy(buf, n, "oom-kill");
		break;
	case CAUSE_SIGNAL:
		str_fmt(buf, n, "signal:%s", signame(c->signo));
		break;
	case CAUSE_CORE:
		str_fmt(buf, n, "core-dump:%s", signame(c->signo));
		break;
	case CAUSE_EXIT:
		str_fmt(buf, n, "exit:%d", c->code);
		break;
	case CAUSE_TIMEOUT:
		str_copy(buf, n, "timeout");
		break;
	case CAUSE_WATCHDOG:
		str_copy(buf, n, "watchdog");
		break;
	case CAUSE_START_LIMIT:
		str_copy(buf, n, "start-limit-hit");
		break;
	case CAUSE_RESOURCES:
		str_copy(buf, n, "resources");
		break;
	case CAUSE_OTHER:
		str_fmt(buf, n, "other:%s", c->result);
		break;
	default:
		str_copy(buf, n, "unknown");
	}
}

/* Exit codes a shell or systemd gives meaning to. */
static const char *
exit_hint(int code)
{
	switch (code) {
	case 126:
		return "command found but not executable";
	case 127:
		return "command not found";
	case 200: case 201: case 202: case 204: case 205: case 206:
	case 207: case 208: case 209: case 210: case 211: case 212:
	case 213: case 214: case 215: case 216: case 217: case 218:
	case 219: case 220: case 221: case 222: case 223: case 224:
	case 225: case 226: case 227: case 228: case 229: case 230:
	case 231: case 232: case 233: case 234: case 235: case 236:
	case 237: case 238: case 239: case 240: case 241: case 242:
	case 243:
		return "systemd could not set up the process; the journal "
		    "names the step";
	case 203:
		return "203/EXEC: systemd could not execute the program";
	default:
		return NULL;
	}
}

void
cause_describe(const struct cause *c, char *buf, size_t n)
{
	const char *hint;

	switch (c->kind) {
	case CAUSE_OOM:
		str_copy(buf, n, "killed for running out of memory "
		    "(oom-kill)");
		break;
	case CAUSE_SIGNAL:
		str_fmt(buf, n, "killed by signal SIG%s", signame(c->signo));
		break;
	case CAUSE_CORE:
		str_fmt(buf, n, "crashed with signal SIG%s and dumped core",
		    signame(c->signo));
		break;
	case CAUSE_EXIT:
		if (c->code == 128 + 9)
			str_copy(buf, n, "exited with code 137 (128+9: a "
			    "process it ran was killed by SIGKILL, which is "
			    "what the OOM killer sends)");
		else if (c->code > 128 && c->code < 128 + 65)
			str_fmt(buf, n, "exited with code %d (128+%d: a "
			    "process it ran was killed by SIG%s)", c->code,
			    c->code - 128, signame(c->code - 128));
		else if ((hint = exit_hint(c->code)) != NULL)
			str_fmt(buf, n, "exited with code %d (%s)", c->code,
			    hint);
		else
			str_fmt(buf, n, "exited with code %d", c->code);
		break;
	case CAUSE_TIMEOUT:
		str_copy(buf, n, "did not start or stop in time (timeout)");
		break;
	case CAUSE_WATCHDOG:
		str_copy(buf, n, "stopped answering its watchdog");
		break;
	case CAUSE_START_LIMIT:
		str_copy(buf, n, "failed too often in a row: systemd's start "
		    "limit was hit (start-limit-hit)");
		break;
	case CAUSE_RESOURCES:
		str_copy(buf, n, "systemd could not create its resources "
		    "(resources)");
		break;
	case CAUSE_OTHER:
		str_fmt(buf, n, "failed with result '%s'", c->result);
		break;
	default:
		str_copy(buf, n, "failed for a reason systemd did not report");
	}
}
