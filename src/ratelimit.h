/*
 * ratelimit.h - at most max_heals heals of a unit in window_sec,
 * counted from the persistent history, so the limit holds across
 * restarts of ansai and reboots of the machine.
 *
 * A heal counts when it acted: history results "healed" and
 * "not-healed".  Over the limit the first refusal in a window
 * escalates ("rate-limited"); later ones are only recorded
 * ("suppressed").  rl_state also counts the window's escalations, so
 * that a heal can tell whether a human was already woken in it.
 */
#ifndef ANSAI_RATELIMIT_H
#define ANSAI_RATELIMIT_H

#include <stdint.h>

enum rl_verdict {
	RL_ALLOW,	/* under the limit: heal */
	RL_ESCALATE,	/* over it, first time in this window */
	RL_SUPPRESS,	/* over it, a human was already told */
};

struct rl_state {
	unsigned heals;		/* acting heals in the window */
	unsigned refusals;	/* rate-limited lines in the window */
	int64_t oldest;		/* time of the oldest counted heal */
	int64_t escalated;	/* time of the last rate-limited line */
	unsigned bad;		/* unreadable history lines */
	unsigned future;	/* lines dated after now, not counted */
	unsigned escalations;	/* not-healed or rate-limited lines */
	int64_t last_escalation;
};

/* Decide for unit at time now.  A history that cannot be read counts as
 * empty (the heal goes ahead: refusing to heal because a log file is
 * damaged would be the worse failure); *st says what was counted. */
enum rl_verdict ratelimit_check(const char *state_dir, const char *unit,
    unsigned max_heals, unsigned window_sec, int64_t now,
    struct rl_state *st);

#endif
