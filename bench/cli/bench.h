/* SPDX-License-Identifier: MIT */
/* smmusim bench (internal): subcommands, point runner, child processes, result files. */
#ifndef SMMUSIM_BENCH_H
#define SMMUSIM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <smmusim/bench.h>

int bench_cd_layouts(int argc, char **argv);
int bench_speed(int argc, char **argv);
int bench_aggregate(int argc, char **argv);

/* ---- child processes (one SystemC elaboration per process) ----------------------------------- */
/* Run /proc/self/exe with argv (argv[0] is the first argument after the program, e.g. "bench"),
 * at most `jobs` at once; returns the number of children that failed, statuses in status[]. */
size_t bench_spawn_all(char ***argvs, size_t n, unsigned jobs, int *status, bool progress);
/* The same, with each child's peak resident memory (KiB, getrusage of the child) in peak_rss_kib[]. */
size_t bench_spawn_all_rss(char ***argvs, size_t n, unsigned jobs, int *status, long *peak_rss_kib, bool progress);

/* ---- host time ------------------------------------------------------------------------------- */
double bench_seconds(void);

/* ---- flat JSON result files: one "key": value per line -------------------------------------- */
#define BENCH_MAX_KEYS 160
struct bench_kv {
	size_t n;
	char key[BENCH_MAX_KEYS][48];
	char val[BENCH_MAX_KEYS][80]; /* raw text: numbers as written, strings without quotes */
	bool str[BENCH_MAX_KEYS];
};
int bench_kv_read(const char *path, struct bench_kv *kv); /* 0 or -errno / -EINVAL */
const char *bench_kv_get(const struct bench_kv *kv, const char *key);

/* The plots of a cd-layouts result directory (plots.c): writes DIR/plot.gp and runs gnuplot; the
 * plot names go into names (", NAME.{svg,png}" each). 0, or -1 if the script cannot be written. */
int bench_cd_plots(const char *dir, struct bench_kv **v, size_t n, char *names, size_t len);

#endif
