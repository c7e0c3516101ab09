/* SPDX-License-Identifier: MIT */
/* `smmusim bench` (bench/cli/): the CD-layout sweep, the speed benchmark, result aggregation. */
#ifndef SMMUSIM_BENCH_CLI_H
#define SMMUSIM_BENCH_CLI_H

#include <smmusim/cli.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The subcommand: arguments after "smmusim" (argv[0] = "bench"); returns an SMMUSIM_EXIT_* status. */
int smmusim_cmd_bench(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* SMMUSIM_BENCH_CLI_H */
