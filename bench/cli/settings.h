/* SPDX-License-Identifier: MIT */
/* smmusim bench (internal): the configuration a user steers every point of a sweep with. */
#ifndef SMMUSIM_BENCH_SETTINGS_H
#define SMMUSIM_BENCH_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include <smmusim/smmusim.h>

/* What the command line gave, applied in replay's order: defaults < preset < file < each --set. */
struct bench_settings {
	const char *preset;  /* NULL: none */
	const char *config;  /* NULL: none */
	const char **sets;   /* "KEY=VALUE" */
	size_t nsets;
};

/*
 * A new configuration: defaults, the preset, the file, each --set, then each of `extra` (the axis
 * values of one point, "KEY=VALUE"). Returns 0, or SMMUSIM_EXIT_USAGE / SMMUSIM_EXIT_INPUT with
 * the reason in err.
 */
int bench_config_build(const struct bench_settings *s, const char *const *extra, size_t nextra, smmusim_config **out,
		       char *err, size_t errlen);

/*
 * The settings of cfg that differ from the defaults, skipping the keys in skip[] (NULL-terminated):
 * "key=value" each, in the registry's order, numbers in decimal, into buf separated by '\n'.
 * Returns how many; *hash gets a 32-bit FNV-1a of buf (0 when there are none).
 */
size_t bench_config_diff(const smmusim_config *cfg, const char *const *skip, char *buf, size_t len, uint32_t *hash);

#endif
