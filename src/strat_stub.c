/* strat_stub.c - placeholders for the port and config strategies while
 * they are written; removed when strat_port.c and strat_config.c land. */
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
const struct strategy strat_config = { STRAT_CONFIG, not_yet, NULL };
