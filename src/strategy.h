/*
 * strategy.h - what every healing strategy looks like.
 *
 * A strategy is a table entry: whether it applies to this failure, and
 * how to run it.  heal.c walks [heal] strategies (or the unit's own
 * list) in order and stops at the first that returns SS_OK, which means
 * the unit was verified up and stable.  A strategy that changes
 * something (frees a port, restores a file) ends with heal_restart(),
 * which restarts and verifies exactly as the restart strategy does.
 *
 * A strategy that finds something it must not fix (a foreign process on
 * the port, a socket unit holding it, a configuration that does not
 * validate) says so with heal_conflict(): no later strategy runs and the
 * heal escalates to a human with that reason.
 */
#ifndef ANSAI_STRATEGY_H
#define ANSAI_STRATEGY_H

#include <stddef.h>

#include "heal.h"

struct strategy {
	enum strat_id id;
	/* 1 when it applies; else 0 with why[n] saying why not. */
	int (*applies)(struct heal *h, char *why, size_t n);
	/* SS_OK when the unit is verified up; else SS_FAILED or
	 * SS_SKIPPED, with detail[n] saying what happened. */
	enum strat_status (*run)(struct heal *h, char *detail, size_t n);
};

extern const struct strategy strat_restart;
extern const struct strategy strat_port;
extern const struct strategy strat_config;

#endif
