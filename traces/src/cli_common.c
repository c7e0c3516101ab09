/* SPDX-License-Identifier: MIT */
#include "smmusim/cli_common.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool cli_u64(const char *cmd, const char *opt, const char *arg, uint64_t *out)
{
	if (!arg || !smmusim_parse_u64(arg, strlen(arg), SMMUSIM_NUM_SUFFIX, out)) {
		char esc[200];
		trace_escape(esc, sizeof(esc), arg ? arg : "");
		fprintf(stderr, "smmusim %s: bad value for %s: \"%s\" (a number, 0x.. hex, K/M/G/T suffix)\n", cmd, opt,
			esc);
		return false;
	}
	return true;
}

double cli_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_progress_start(struct cli_progress *p)
{
	p->on = isatty(2);
	p->next = 1u << 16;
	p->start = p->last = cli_seconds();
}

void cli_progress_tick(struct cli_progress *p, uint64_t records, uint64_t bytes_in)
{
	if (!p->on || records < p->next)
		return;
	p->next = records + (1u << 16); /* look at the clock only every 64 K records */
	double now = cli_seconds();
	if (now - p->last < 0.5)
		return;
	p->last = now;
	fprintf(stderr, "\r%.1f M records, %.1f MB read, %.1f s ", (double)records / 1e6, (double)bytes_in / 1e6,
		now - p->start);
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->on && p->last != p->start)
		fprintf(stderr, "\r\033[K");
}
