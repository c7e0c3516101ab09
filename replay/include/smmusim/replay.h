/* SPDX-License-Identifier: MIT */
/* `smmusim replay` (replay/): a trace run through the reference driver on the model platform. */
#ifndef SMMUSIM_REPLAY_H
#define SMMUSIM_REPLAY_H

#include <smmusim/cli.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The subcommand: arguments after "smmusim" (argv[0] = "replay"); returns an SMMUSIM_EXIT_* status. */
int smmusim_cmd_replay(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* SMMUSIM_REPLAY_H */
