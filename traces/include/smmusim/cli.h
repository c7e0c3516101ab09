/* SPDX-License-Identifier: MIT */
/*
 * The `smmusim` subcommands. Each takes the arguments after the subcommand name (argv[0] is the
 * subcommand) and returns the process exit status. main() in traces/smmusim_main.c only dispatches.
 */
#ifndef SMMUSIM_CLI_H
#define SMMUSIM_CLI_H

#ifdef __cplusplus
extern "C" {
#endif

/* Exit statuses shared by every subcommand (docs/cli.md). */
enum smmusim_exit {
	SMMUSIM_EXIT_OK = 0,
	SMMUSIM_EXIT_USAGE = 1,   /* bad command line */
	SMMUSIM_EXIT_INPUT = 2,   /* bad input (trace, config), or a part not built into this binary */
	SMMUSIM_EXIT_SIM = 3,     /* the simulation or the driver failed */
};

/* In the traces library. */
int smmusim_cmd_replay(int argc, char **argv);
int smmusim_cmd_gen(int argc, char **argv);
int smmusim_cmd_convert(int argc, char **argv);
int smmusim_cmd_info(int argc, char **argv);

/* In the bench library (bench/), when it is built; smmusim_main.c has a stub otherwise. */
int smmusim_cmd_bench(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* SMMUSIM_CLI_H */
