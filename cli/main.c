/* SPDX-License-Identifier: MIT */
/*
 * main() of the `smmusim` executable: the one place that sees every part, so it sits above them
 * all (cli/, docs/architecture.md) and is kept to a dispatcher. Subcommands live with their parts:
 * gen, convert, info in traces/, replay in replay/, bench in bench/cli/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/bench.h>
#include <smmusim/cli.h>
#include <smmusim/replay.h>

#ifndef SMMUSIM_VERSION
#define SMMUSIM_VERSION "unknown"
#endif

static const struct {
	const char *name;
	int (*run)(int, char **);
	const char *summary;
} commands[] = {
	{"replay", smmusim_cmd_replay, "replay a trace through the driver and the SMMUv3 model"},
	{"gen", smmusim_cmd_gen, "generate a synthetic trace"},
	{"convert", smmusim_cmd_convert, "import a trace from ftrace, lackey, Ramulator or DRAMSim2"},
	{"info", smmusim_cmd_info, "check a trace and summarise it"},
	{"bench", smmusim_cmd_bench, "run the benchmarks"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: smmusim [--help] [--version] COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`smmusim COMMAND --help` describes a command. Exit status: 0 success, 1 bad usage,\n"
		     "2 bad input, 3 simulation error.\n");
}

/* A summary lost to a full disk or a closed pipe is a failure, not a success with nothing said. */
static int finish(int status)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "smmusim: cannot write standard output: %s\n", errno ? strerror(errno) : "write error");
		return status ? status : SMMUSIM_EXIT_INPUT;
	}
	return status;
}

int main(int argc, char **argv)
{
	/* SystemC prints a banner on its first elaboration; users who want it can set the variable. */
	setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
	if (argc < 2) {
		usage(stderr);
		return SMMUSIM_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return finish(SMMUSIM_EXIT_OK);
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("smmusim %s (trace format 1)\n", SMMUSIM_VERSION);
		return finish(SMMUSIM_EXIT_OK);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return finish(commands[i].run(argc - 1, argv + 1));
	fprintf(stderr, "smmusim: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return SMMUSIM_EXIT_USAGE;
}
