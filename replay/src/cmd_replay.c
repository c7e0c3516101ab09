/* SPDX-License-Identifier: MIT */
/* smmusim replay: the command line; the engine is in replay_engine.c. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/cli_common.h>
#include <smmusim/replay.h>

#include "replay_engine.h"

#include <smmusim/smmusim.h>

static void replay_usage(FILE *out)
{
	fprintf(out,
		"usage: smmusim replay [OPTIONS] TRACE\n\n"
		"Replay TRACE (plain or .gz, \"-\" for stdin) through the reference driver and the SMMUv3 model.\n\n"
		"  -p, --preset NAME      start from a named configuration (\"--preset list\" lists them)\n"
		"  -c, --config FILE      configuration file (INI: [section] key = value; after --preset)\n"
		"  -s, --set KEY=VALUE    override one parameter (repeatable; after --config)\n"
		"  -j, --json FILE        write the statistics as JSON\n"
		"      --csv FILE         write the statistics as CSV (one header line, one value line)\n"
		"  -q, --quiet            no human summary on stdout\n"
		"      --timeline FILE    write the run as Chrome trace-event JSON (Perfetto, chrome://tracing)\n"
		"      --timeline-limit N draw at most N transactions [100000]\n"
		"      --timeline-window FROM:TO  draw the transactions the trace issues in cycles [FROM, TO)\n"
		"      --trace-events PATTERNS  print the model's trace points matching the comma-separated\n"
		"                         glob PATTERNS (\"walk*,cmd\"; \"list\" lists them) to stderr\n"
		"      --trace-file FILE  write the trace points to FILE instead of stderr\n"
		"      --decode-ahead N   decode the trace (inflate, parse, check) on a second thread, at most\n"
		"                         N batches of 256 records ahead of the simulation; 0: one thread [16]\n"
		"  -h, --help             this help\n\n");
	/* the accepted values come from the configuration registry, so the help cannot drift */
	fprintf(out,
		"Driver policy keys passed to the driver: cd.layout (%s),\n"
		"st.layout (%s). Every other key goes to the model (docs/configuration.md).\n\n",
		smmusim_config_choices("cd.layout"), smmusim_config_choices("st.layout"));
	fprintf(out,
		"One pass: each record is checked (errors: \"FILE:LINE: reason\", exit 2, no results), then\n"
		"control records run through the driver and DMA records through the model. Trace cycle 0\n"
		"is the cycle the driver finished bringing the SMMU up. Exit 3 if the driver or model fails.\n");
}

int smmusim_cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, 0, 'c'}, {"set", required_argument, 0, 's'},
		{"preset", required_argument, 0, 'p'},
		{"json", required_argument, 0, 'j'},   {"csv", required_argument, 0, 1},
		{"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
		{"timeline", required_argument, 0, 2}, {"timeline-limit", required_argument, 0, 3},
		{"timeline-window", required_argument, 0, 4},
		{"trace-events", required_argument, 0, 5}, {"trace-file", required_argument, 0, 6},
		{"decode-ahead", required_argument, 0, 7},
		{0, 0, 0, 0}};
	struct replay_options o = {.timeline_limit = 100000, .timeline_to = UINT64_MAX, .decode_ahead = 16};
	const char **sets = calloc((size_t)argc + 1, sizeof(*sets));
	int c, status = SMMUSIM_EXIT_OK;
	if (!sets) {
		fprintf(stderr, "smmusim replay: out of memory\n");
		return SMMUSIM_EXIT_SIM;
	}
	optind = 1;
	while (status == SMMUSIM_EXIT_OK && (c = getopt_long(argc, argv, "p:c:s:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': o.preset = optarg; break;
		case 'c': o.config = optarg; break;
		case 's':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				char esc[200];
				trace_escape(esc, sizeof(esc), optarg);
				fprintf(stderr, "smmusim replay: --set wants KEY=VALUE, got \"%s\"\n", esc);
				status = SMMUSIM_EXIT_USAGE;
			}
			sets[o.nsets++] = optarg;
			break;
		case 'j': o.json = optarg; break;
		case 1: o.csv = optarg; break;
		case 'q': o.quiet = true; break;
		case 2: o.timeline = optarg; break;
		case 3:
			if (!cli_u64("replay", "--timeline-limit", optarg, &o.timeline_limit))
				status = SMMUSIM_EXIT_USAGE;
			break;
		case 4: {
			const char *colon = strchr(optarg, ':');
			if (!colon || !smmusim_parse_u64(optarg, (size_t)(colon - optarg), SMMUSIM_NUM_SUFFIX, &o.timeline_from) ||
			    !smmusim_parse_u64(colon + 1, strlen(colon + 1), SMMUSIM_NUM_SUFFIX, &o.timeline_to) ||
			    o.timeline_to <= o.timeline_from) {
				char esc[200];
				trace_escape(esc, sizeof(esc), optarg);
				fprintf(stderr, "smmusim replay: --timeline-window wants FROM:TO with FROM < TO, got \"%s\"\n", esc);
				status = SMMUSIM_EXIT_USAGE;
			}
			break;
		}
		case 5: o.trace_events = optarg; break;
		case 6: o.trace_file = optarg; break;
		case 7: {
			uint64_t v = 0;
			if (!cli_u64("replay", "--decode-ahead", optarg, &v))
				status = SMMUSIM_EXIT_USAGE;
			else if (v > 4096) {
				fprintf(stderr, "smmusim replay: --decode-ahead must be at most 4096, got %llu\n",
					(unsigned long long)v);
				status = SMMUSIM_EXIT_USAGE;
			}
			o.decode_ahead = (unsigned)v;
			break;
		}
		case 'h': replay_usage(stdout); free(sets); return SMMUSIM_EXIT_OK;
		default: replay_usage(stderr); status = SMMUSIM_EXIT_USAGE;
		}
	}
	if (status == SMMUSIM_EXIT_OK && o.preset && strcmp(o.preset, "list") == 0) {
		fputs(smmusim_preset_list(), stdout);
		free(sets);
		return SMMUSIM_EXIT_OK;
	}
	if (status == SMMUSIM_EXIT_OK && o.trace_events && strcmp(o.trace_events, "list") == 0) {
		for (size_t i = 0; i < smmusim_trace_point_count(); i++)
			printf("%-12s %s\n", smmusim_trace_point_name(i), smmusim_trace_point_doc(i));
		free(sets);
		return SMMUSIM_EXIT_OK;
	}
	if (status == SMMUSIM_EXIT_OK && optind + 1 != argc) {
		replay_usage(stderr);
		status = SMMUSIM_EXIT_USAGE;
	}
	if (status == SMMUSIM_EXIT_OK) {
		o.trace = argv[optind];
		o.sets = sets;
		status = replay_run(&o);
	}
	free(sets);
	return status;
}
