/* SPDX-License-Identifier: MIT */
/*
 * The `smmusim` subcommands of the traces library, and the exit statuses every subcommand shares.
 * Each takes the arguments after the subcommand name (argv[0] is the subcommand) and returns the
 * process exit status. main() (cli/main.c) only dispatches; `replay` is declared in
 * smmusim/replay.h (replay/), `bench` in smmusim/bench.h (bench/cli/).
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
	SMMUSIM_EXIT_INPUT = 2,   /* bad input (trace, config) */
	SMMUSIM_EXIT_SIM = 3,     /* the simulation or the driver failed */
};

int smmusim_cmd_gen(int argc, char **argv);
int smmusim_cmd_convert(int argc, char **argv);
int smmusim_cmd_info(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* SMMUSIM_CLI_H */
