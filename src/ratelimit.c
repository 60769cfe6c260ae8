/* ratelimit.c - see ratelimit.h. */
#include "ratelimit.h"
#include "history.h"

#include <string.h>

/* Lines dated ahead of now by more than this come from a clock that
 * was later stepped back (a board without an RTC before NTP): they are
 * not counted, or they would block heals until the clock caught up. */
#define RL_FUTURE_SLACK 60

struct counter {
	int64_t since, until;
	struct rl_state *st;
};

static void
count(const struct hist_entry *e, void *arg)
{
	struct counter *c = arg;

	if (e->when < c->since)
		return;
	if (e->when > c->until) {
		c->st->future++;
		return;
	}
	if (strcmp(e->result, "not-healed") == 0 ||
	    strcmp(e->result, "rate-limited") == 0)
		c->st->escalations++, c->st->last_escalation = e->when;
	if (strcmp(e->result, "healed") == 0 ||
	    strcmp(e->result, "not-healed") == 0) {
		if (c->st->heals == 0 || e->when < c->st->oldest)
			c->st->oldest = e->when;
		c->st->heals++;
	} else if (strcmp(e->result, "rate-limited") == 0) {
		c->st->refusals++;
		c->st->escalated = e->when;
	}
}

enum rl_verdict
ratelimit_check(const char *state_dir, const char *unit,
    unsigned max_heals, unsigned window_sec, int64_t now,
    struct rl_state *st)
{
	struct counter c = { now - (int64_t)window_sec, now + RL_FUTURE_SLACK,
		st };

	memset(st, 0, sizeof *st);
	if (history_each(state_dir, unit, count, &c, &st->bad) < 0)
		return RL_ALLOW;
	if (st->heals < max_heals)
		return RL_ALLOW;
	return st->refusals > 0 ? RL_SUPPRESS : RL_ESCALATE;
}
