/* SPDX-License-Identifier: MIT */
/* Helpers shared by the subcommands: those of the traces library and `smmusim replay` (replay/). */
#ifndef SMMUSIM_CLI_COMMON_H
#define SMMUSIM_CLI_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "smmusim/cli.h"
#include "smmusim/number.h"
#include "smmusim/trace.h"

/* Parse a number option (smmusim/number.h, suffixes allowed); prints "CMD: bad value" on failure. */
bool cli_u64(const char *cmd, const char *opt, const char *arg, uint64_t *out);

/* Progress on stderr, only when stderr is a terminal (never in pipes, logs or CI). */
struct cli_progress {
	bool on;
	uint64_t next;   /* record count at which to consider printing again */
	double last;     /* host seconds of the last print */
	double start;
};
void cli_progress_start(struct cli_progress *p);
void cli_progress_tick(struct cli_progress *p, uint64_t records, uint64_t bytes_in);
void cli_progress_end(struct cli_progress *p);
double cli_seconds(void);

/*
 * Read PATH to the end through the checker, calling each() (may be NULL) on every accepted record
 * with the checker's resolutions, n consecutive records per call (a batch: one call, not one per
 * record). ahead > 0: the decoding (inflate, parse, check) runs on its own thread, at most `ahead`
 * batches of records in front of each(); the records, their order and resolutions are the same
 * either way. Errors are printed as "FILE:LINE: reason" once each() has seen every record before
 * the bad one. Returns an SMMUSIM_EXIT_* status; each() returning non-zero (after the records
 * before the one it stopped at) stops the walk and that value is returned. *decode_cpu (if not
 * NULL): the CPU seconds the decoding took.
 */
int cli_walk_trace(const char *path, trace_checker *checker, bool progress, unsigned ahead,
		   int (*each)(void *ctx, const struct trace_checked *recs, size_t n), void *ctx, double *decode_cpu);

#endif
