/* SPDX-License-Identifier: MIT */
/*
 * smmusim bench aggregate DIR: merge the cd-layouts result files of DIR (ID.json) into
 * DIR/summary.csv, summary.json, summary.md, and plots (gnuplot, SVG + PNG) of the CD-table
 * footprint and the translation latency against the PASID count, one line per layout.
 * The CSV and Markdown hold only deterministic fields, so merged shards equal an unsharded run
 * byte for byte; host times are in summary.json only.
 */
#include <dirent.h>
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "bench.h"

extern char **environ;

/* Deterministic columns of summary.csv, in order. */
static const char *const cols[] = {
	"id", "layout", "pasids", "alloc", "access", "cfg_entries", "cache_l1", "dmas", "seed", "window", "clock_mhz",
	"scatter_stride", "domains", "stream_table_bytes", "cd_l1_bytes", "cd_leaf_bytes", "cd_table_bytes",
	"cd_table_peak_bytes", "page_table_bytes", "table_bytes", "transactions", "faults", "mem.reads.l1cd",
	"mem.reads.cd", "mem.reads.ste", "mem.reads.l1std", "tcu.cfg.lookups", "tcu.cfg.misses", "tcu.cfg.l1_lookups",
	"tcu.cfg.l1_misses", "cfg_hit_rate", "tbu.mtlb.misses", "tcu.walks", "latency_mean", "latency_p50",
	"latency_p99", "latency_max", "dma_cycles", "throughput_per_us"};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static const char *const layouts[] = {"linear", "2l-4k", "2l-64k"};

static int rank(const char *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (v && !strcmp(v, names[i]))
			return i;
	return n;
}

static unsigned long long num(const struct bench_kv *kv, const char *k)
{
	const char *v = bench_kv_get(kv, k);
	return v ? strtoull(v, NULL, 10) : 0;
}

static int cmp_kv(const void *a, const void *b)
{
	const struct bench_kv *x = *(struct bench_kv *const *)a, *y = *(struct bench_kv *const *)b;
	static const char *const allocs[] = {"dense", "scattered", "strided"}, *const acc[] = {"random", "stream", "burst"};
	int d;
	if ((d = rank(bench_kv_get(x, "layout"), layouts, 3) - rank(bench_kv_get(y, "layout"), layouts, 3)))
		return d;
	if ((d = rank(bench_kv_get(x, "alloc"), allocs, 3) - rank(bench_kv_get(y, "alloc"), allocs, 3)))
		return d;
	if ((d = rank(bench_kv_get(x, "access"), acc, 3) - rank(bench_kv_get(y, "access"), acc, 3)))
		return d;
	static const char *const nums[] = {"cfg_entries", "cache_l1", "dmas", "seed", "pasids"};
	for (int i = 0; i < 5; i++) {
		unsigned long long p = num(x, nums[i]), q = num(y, nums[i]);
		if (p != q)
			return p < q ? -1 : 1;
	}
	return strcmp(bench_kv_get(x, "id"), bench_kv_get(y, "id"));
}

static void usage(FILE *out)
{
	fprintf(out, "usage: smmusim bench aggregate [--no-plots] DIR\n\n"
		     "Merge the cd-layouts result files in DIR (ID.json, from --point or --shard runs) into\n"
		     "DIR/summary.csv, DIR/summary.json and DIR/summary.md, and plot (gnuplot, SVG and PNG)\n"
		     "DIR/cd-footprint.* and DIR/cd-latency.*: CD-table bytes and mean translation latency\n"
		     "against live PASIDs, one line per layout and allocation pattern (random access,\n"
		     "64-entry configuration cache without L1 descriptors).\n");
}

static bool is_plot_base(const struct bench_kv *kv)
{
	const char *acc = bench_kv_get(kv, "access");
	return acc && !strcmp(acc, "random") && num(kv, "cfg_entries") == 64 && num(kv, "cache_l1") == 0;
}

static int run_gnuplot(const char *script)
{
	char *av[] = {"gnuplot", (char *)script, NULL};
	pid_t pid;
	if (posix_spawnp(&pid, "gnuplot", NULL, NULL, av, environ) != 0)
		return -1;
	int ws;
	if (waitpid(pid, &ws, 0) < 0 || !WIFEXITED(ws))
		return -1;
	return WEXITSTATUS(ws);
}

static void human_bytes(char *buf, size_t len, unsigned long long b)
{
	if (b >= (1ull << 20) && b % (1ull << 10) == 0)
		snprintf(buf, len, "%.1f MiB", (double)b / (1 << 20));
	else if (b >= 1024)
		snprintf(buf, len, "%.1f KiB", (double)b / 1024);
	else
		snprintf(buf, len, "%llu B", b);
}

/* One gnuplot "plot" command: a line per layout and allocation pattern, data column `col`. */
static void plot_lines(FILE *g, const char *dir, int col)
{
	static const char *const allocs[] = {"dense", "scattered", "strided"};
	fprintf(g, "plot ");
	for (int l = 0; l < 3; l++)
		for (int a = 0; a < 3; a++)
			fprintf(g, "%s'%s/plot-%s-%s.dat' using 1:%d with linespoints lc %d dt %d pt %d title '%s, %s'",
				l || a ? ", " : "", dir, layouts[l], allocs[a], col, l + 1, a ? a + 1 : 1, 7 + 2 * a,
				layouts[l], allocs[a]);
}

static int plots(const char *dir, struct bench_kv **v, size_t n)
{
	static const char *const allocs[] = {"dense", "scattered", "strided"};
	char path[4200];
	bool any = false;
	for (int l = 0; l < 3; l++)
		for (int a = 0; a < 3; a++) {
			snprintf(path, sizeof(path), "%s/plot-%s-%s.dat", dir, layouts[l], allocs[a]);
			FILE *f = fopen(path, "w");
			if (!f)
				return -1;
			fprintf(f, "# pasids cd_table_bytes latency_mean latency_p99 table_bytes\n");
			for (size_t i = 0; i < n; i++)
				if (is_plot_base(v[i]) && !strcmp(bench_kv_get(v[i], "layout"), layouts[l]) &&
				    !strcmp(bench_kv_get(v[i], "alloc"), allocs[a])) {
					fprintf(f, "%s %s %s %s %s\n", bench_kv_get(v[i], "pasids"),
						bench_kv_get(v[i], "cd_table_bytes"), bench_kv_get(v[i], "latency_mean"),
						bench_kv_get(v[i], "latency_p99"), bench_kv_get(v[i], "table_bytes"));
					any = true;
				}
			fclose(f);
		}
	if (!any)
		return 0;
	snprintf(path, sizeof(path), "%s/plot.gp", dir);
	FILE *g = fopen(path, "w");
	if (!g)
		return -1;
	fprintf(g, "# generated by smmusim bench aggregate\n"
		   "set logscale x 2\nset format x '2^{%%L}'\nset grid\nset key bottom right font ',9'\n"
		   "set xlabel 'live PASIDs'\n");
	static const char *const term[2][2] = {{"svg size 720,420 dynamic font 'sans,11'", "svg"},
					       {"pngcairo size 720,420 font 'sans,10'", "png"}};
	for (int t = 0; t < 2; t++) {
		fprintf(g, "set terminal %s\n", term[t][0]);
		fprintf(g, "set output '%s/cd-footprint.%s'\nset logscale y 2\nset format y '2^{%%L}'\n"
			   "set ylabel 'CD table bytes (L1 + leaves)'\nset title 'CD-table footprint (S1CDMax = 20)'\n",
			dir, term[t][1]);
		plot_lines(g, dir, 2); /* footprint */
		fprintf(g, "\nset output '%s/cd-latency.%s'\nunset logscale y\nset format y '%%g'\nset yrange [0:*]\n"
			   "set ylabel 'mean translation latency (cycles)'\n"
			   "set title 'Mean latency, random PASID per access, 64-entry config cache'\n",
			dir, term[t][1]);
		plot_lines(g, dir, 3); /* mean latency */
		fprintf(g, "\nunset yrange\n");
	}
	fclose(g);
	int rc = run_gnuplot(path);
	if (rc < 0) {
		fprintf(stderr, "smmusim bench aggregate: warning: gnuplot not found, no plots (script %s)\n", path);
		return 0;
	}
	if (rc)
		fprintf(stderr, "smmusim bench aggregate: warning: gnuplot failed (exit %d) on %s\n", rc, path);
	return 0;
}

int bench_aggregate(int argc, char **argv)
{
	bool no_plots = false;
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return SMMUSIM_EXIT_OK;
		} else if (!strcmp(argv[i], "--no-plots")) {
			no_plots = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "smmusim bench aggregate: unknown option \"%s\"\n", argv[i]);
			return SMMUSIM_EXIT_USAGE;
		} else if (dir) {
			fprintf(stderr, "smmusim bench aggregate: unexpected argument \"%s\" (one DIR)\n", argv[i]);
			return SMMUSIM_EXIT_USAGE;
		} else {
			dir = argv[i];
		}
	}
	if (!dir) {
		fprintf(stderr, "smmusim bench aggregate: missing DIR\n");
		return SMMUSIM_EXIT_USAGE;
	}
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "smmusim bench aggregate: %s: %s\n", dir, strerror(errno));
		return SMMUSIM_EXIT_INPUT;
	}
	struct bench_kv **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int status = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json") || !strcmp(e->d_name, "summary.json"))
			continue;
		char path[4200];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct bench_kv *kv = malloc(sizeof(*kv));
		if (!kv || bench_kv_read(path, kv) != 0) {
			free(kv);
			continue;
		}
		const char *id = bench_kv_get(kv, "id");
		if (!id || strncmp(e->d_name, id, len - 5) || strlen(id) != len - 5 || !bench_kv_get(kv, "throughput_per_us")) {
			fprintf(stderr, "%s: not a cd-layouts result file (ID.json with every field)\n", path);
			free(kv);
			status = SMMUSIM_EXIT_INPUT;
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			struct bench_kv **nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				free(kv);
				break;
			}
			v = nv;
		}
		v[n++] = kv;
	}
	closedir(d);
	if (status) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return status;
	}
	if (!n) {
		fprintf(stderr, "smmusim bench aggregate: %s: no result files\n", dir);
		free(v);
		return SMMUSIM_EXIT_INPUT;
	}
	qsort(v, n, sizeof(*v), cmp_kv);

	char path[4200];
	snprintf(path, sizeof(path), "%s/summary.csv", dir);
	FILE *csv = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	FILE *js = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/summary.md", dir);
	FILE *md = fopen(path, "w");
	if (!csv || !js || !md) {
		fprintf(stderr, "smmusim bench aggregate: %s: cannot create: %s\n", path, strerror(errno));
		status = SMMUSIM_EXIT_INPUT;
	} else {
		for (size_t c = 0; c < NCOLS; c++)
			fprintf(csv, "%s%s", c ? "," : "", cols[c]);
		fprintf(csv, "\n");
		fprintf(js, "[\n");
		fprintf(md, "| layout | PASIDs | alloc | access | cfg entries | L1 cached | stream table | CD L1 | CD leaves | "
			    "page tables | L1CD reads | CD reads | cfg hit rate | mean lat | p99 lat | tx/us |\n"
			    "|---|--:|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
		for (size_t i = 0; i < n; i++) {
			for (size_t c = 0; c < NCOLS; c++) {
				const char *val = bench_kv_get(v[i], cols[c]);
				fprintf(csv, "%s%s", c ? "," : "", val ? val : "");
			}
			fprintf(csv, "\n");
			fprintf(js, "  {");
			for (size_t k = 0; k < v[i]->n; k++) {
				if (v[i]->str[k])
					fprintf(js, "%s\"%s\": \"%s\"", k ? ", " : "", v[i]->key[k], v[i]->val[k]);
				else
					fprintf(js, "%s\"%s\": %s", k ? ", " : "", v[i]->key[k], v[i]->val[k]);
			}
			fprintf(js, "}%s\n", i + 1 < n ? "," : "");
			char st[32], l1[32], lv[32], pt[32];
			human_bytes(st, sizeof(st), num(v[i], "stream_table_bytes"));
			human_bytes(l1, sizeof(l1), num(v[i], "cd_l1_bytes"));
			human_bytes(lv, sizeof(lv), num(v[i], "cd_leaf_bytes"));
			human_bytes(pt, sizeof(pt), num(v[i], "page_table_bytes"));
			fprintf(md, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f %% | %.1f | %s | %.1f |\n",
				bench_kv_get(v[i], "layout"), bench_kv_get(v[i], "pasids"), bench_kv_get(v[i], "alloc"),
				bench_kv_get(v[i], "access"), bench_kv_get(v[i], "cfg_entries"),
				num(v[i], "cache_l1") ? "yes" : "no", st, l1, lv, pt, bench_kv_get(v[i], "mem.reads.l1cd"),
				bench_kv_get(v[i], "mem.reads.cd"), 100.0 * strtod(bench_kv_get(v[i], "cfg_hit_rate"), NULL),
				strtod(bench_kv_get(v[i], "latency_mean"), NULL), bench_kv_get(v[i], "latency_p99"),
				strtod(bench_kv_get(v[i], "throughput_per_us"), NULL));
		}
		fprintf(js, "]\n");
	}
	if (csv && fclose(csv) != 0)
		status = SMMUSIM_EXIT_INPUT;
	if (js && fclose(js) != 0)
		status = SMMUSIM_EXIT_INPUT;
	if (md && fclose(md) != 0)
		status = SMMUSIM_EXIT_INPUT;
	if (!status && !no_plots && plots(dir, v, n) != 0) {
		fprintf(stderr, "smmusim bench aggregate: %s: cannot write the plot data\n", dir);
		status = SMMUSIM_EXIT_INPUT;
	}
	if (!status)
		printf("%s: %zu points -> summary.csv, summary.json, summary.md%s\n", dir, n,
		       no_plots ? "" : ", cd-footprint.{svg,png}, cd-latency.{svg,png}");
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return status;
}
