/* The one entry point every fuzz target implements (libFuzzer's). Built with clang and
 * SMMUSIM_FUZZ=ON it is driven by libFuzzer; otherwise by standalone_main.c, which replays seeds
 * and deterministic mutations of them so CI runs the same targets with any compiler. */
#ifndef SMMUSIM_FUZZ_H
#define SMMUSIM_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: seeds the standalone runner starts from (besides files given on the command line). */
size_t fuzz_builtin_seeds(const uint8_t ***seeds, const size_t **sizes);
#ifdef __cplusplus
}
#endif
#endif
