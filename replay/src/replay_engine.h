/* SPDX-License-Identifier: MIT */
/* The replay execution engine (internal): driver calls for control records, DMA through the model. */
#ifndef SMMUSIM_REPLAY_ENGINE_H
#define SMMUSIM_REPLAY_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct replay_options {
	const char *trace;
	const char *preset;      /* named preset (configs/NAME.ini, compiled in) or NULL */
	const char *config;      /* INI file or NULL, applied after the preset */
	const char **sets;       /* "KEY=VALUE" overrides, applied after the file */
	size_t nsets;
	const char *json, *csv;  /* result files or NULL */
	const char *timeline;    /* --timeline FILE or NULL */
	uint64_t timeline_limit; /* transactions drawn at most */
	const char *trace_events; /* --trace-events patterns, or NULL (docs/tracing.md) */
	const char *trace_file;   /* --trace-file, or NULL for stderr */
	uint64_t timeline_from, timeline_to; /* trace cycles [from, to) whose transactions are drawn */
	unsigned decode_ahead;   /* batches the decoding thread may run ahead; 0: no thread */
	bool quiet;
};

/* Returns an SMMUSIM_EXIT_* status; every error is one line on stderr. */
int replay_run(const struct replay_options *o);

#endif
