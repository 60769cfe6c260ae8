/* strat_port.c - the port strategy (being written; see strategy.h). */
#include "strategy.h"
#include "util.h"

static int
not_yet(struct heal *h, char *why, size_t n)
{
	(void)h;
	str_copy(why, n, "not available in this version of ansai");
	return 0;
}

const struct strategy strat_port = { STRAT_PORT, not_yet, NULL };
