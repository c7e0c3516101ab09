/* SPDX-License-Identifier: MIT */
/*
 * The replay's timeline (internal): the run as Chrome trace-event JSON, which Perfetto and
 * chrome://tracing open. One process per TBU whose threads are lanes of non-overlapping
 * transactions (issue to completion, with where each translation was found), the driver's
 * calls with the commands they issued (each from the SMMU consuming it to its completion, a
 * CMD_SYNC until software saw it complete), the SMMU's events, and counters sampled from
 * the model's statistics (TCU slot and memory-channel occupancy, table reads by kind). Time
 * axis: 1 us = 1 SMMU cycle.
 * Recording costs nothing when off (the replay holds a NULL timeline).
 */
#ifndef SMMUSIM_TIMELINE_H
#define SMMUSIM_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmusim/smmusim.h>

typedef struct timeline timeline;

/* Record at most `limit` transactions issued in simulated cycles [from, to). NULL: see err. */
timeline *timeline_new(const char *path, uint64_t limit, uint64_t from, uint64_t to, char *err, size_t errlen);
/* A DMA about to be submitted at cycle `at` with tag `tag` (tags count up from 0). */
void timeline_submit(timeline *t, uint64_t tag, uint64_t at, const struct smmusim_dma *d);
/* A completion. */
void timeline_complete(timeline *t, const struct smmusim_dma_result *res);
/* A driver call (a control record of kind `kind`, or the bring-up) from cycle start to its return
 * at end, with the commands it issued. */
void timeline_control(timeline *t, const char *what, const char *kind, uint64_t line, uint64_t start, uint64_t end,
		      uint64_t cmds, uint64_t syncs);
/* Take the commands the model logged (smmusim_cmd_poll; the replay turned the log on): those
 * software has seen complete, or with `all` every one. Turns the log off once nothing more is drawn. */
void timeline_commands(timeline *t, smmusim_platform *sim, bool all);
/* Sample the model's counters at its current cycle (cheap to call often: it keeps its own pace);
 * `last` at the end of the run, whatever the pace. */
void timeline_sample(timeline *t, const smmusim_platform *sim, bool last);
/* Transactions recorded so far. */
uint64_t timeline_transactions(const timeline *t);
/* Write the file and free everything; 0, or -1 with the reason in err. t may be NULL. */
int timeline_finish(timeline *t, char *err, size_t errlen);
/* Free without writing (the run failed). */
void timeline_discard(timeline *t);

#endif
