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

/* Deterministic columns of summary.csv, in order ("settings" is made of the "set.KEY" fields). */
static const char *const cols[] = {
	"id", "layout", "pasids", "alloc", "access", "cfg_entries", "cache_l1", "dmas", "seed", "window", "clock_mhz",
	"hot", "zipf", "pages", "devices", "tbus", "churn", "interval", "preset", "settings_hash", "settings",
	"scatter_stride", "domains", "stream_table_bytes", "cd_l1_bytes", "cd_leaf_bytes", "cd_table_bytes",
	"cd_table_peak_bytes", "page_table_bytes", "table_bytes", "transactions", "faults", "mem.reads.l1cd",
	"mem.reads.cd", "mem.reads.ste", "mem.reads.l1std", "mem.reads.pte.l0", "mem.reads.pte.l1", "mem.reads.pte.l2",
	"mem.reads.pte.l3", "tcu.cfg.lookups", "tcu.cfg.misses", "tcu.cfg.l1_lookups", "tcu.cfg.l1_misses",
	"cfg_hit_rate", "tcu.walk.lookups", "tcu.walk.hits", "walk_hit_rate", "tbu.mtlb.misses", "tcu.walks",
	"xlate_latency_mean", "xlate_latency_p50", "xlate_latency_p99", "xlate_latency_max", "latency_mean",
	"latency_p50", "latency_p99", "latency_max", "binds", "bind_cycles_mean", "bind_cycles_max",
	"unbind_cycles_mean", "unbind_cycles_max", "dma_cycles", "offered_per_us", "throughput_per_us",
	"mem.slc.hits.l1std", "mem.slc.misses.l1std", "mem.slc.hits.ste", "mem.slc.misses.ste", "mem.slc.hits.l1cd",
	"mem.slc.misses.l1cd", "mem.slc.hits.cd", "mem.slc.misses.cd", "mem.slc.hits.pte.l0", "mem.slc.misses.pte.l0",
	"mem.slc.hits.pte.l1", "mem.slc.misses.pte.l1", "mem.slc.hits.pte.l2", "mem.slc.misses.pte.l2",
	"mem.slc.hits.pte.l3", "mem.slc.misses.pte.l3", "mem.slc.hits.data", "mem.slc.misses.data"};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static const char *const layouts[] = {"linear", "2l-4k", "2l-64k"};
static const char *const allocs[] = {"dense", "scattered", "strided"};

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

static double dbl(const struct bench_kv *kv, const char *k)
{
	const char *v = bench_kv_get(kv, k);
	return v ? strtod(v, NULL) : 0.0;
}

/* The "set.KEY" fields as "KEY=VALUE KEY=VALUE" (the result file lists them in registry order). */
static void settings_of(const struct bench_kv *kv, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < kv->n; i++)
		if (!strncmp(kv->key[i], "set.", 4)) {
			int w = snprintf(buf + used, len - used, "%s%s=%s", used ? " " : "", kv->key[i] + 4, kv->val[i]);
			if (w < 0 || (size_t)w >= len - used)
				break;
			used += (size_t)w;
		}
}

/* Point fields in sort order after layout, allocation and access. */
static const char *const sort_nums[] = {"cfg_entries", "cache_l1", "dmas", "seed", "hot", "zipf", "pages", "devices",
					"tbus", "churn", "interval", "window", "pasids"};

static int cmp_kv(const void *a, const void *b)
{
	const struct bench_kv *x = *(struct bench_kv *const *)a, *y = *(struct bench_kv *const *)b;
	static const char *const acc[] = {"random", "stream", "burst"};
	int d;
	if ((d = rank(bench_kv_get(x, "layout"), layouts, 3) - rank(bench_kv_get(y, "layout"), layouts, 3)))
		return d;
	if ((d = rank(bench_kv_get(x, "alloc"), allocs, 3) - rank(bench_kv_get(y, "alloc"), allocs, 3)))
		return d;
	if ((d = rank(bench_kv_get(x, "access"), acc, 3) - rank(bench_kv_get(y, "access"), acc, 3)))
		return d;
	for (size_t i = 0; i < sizeof(sort_nums) / sizeof(sort_nums[0]); i++) {
		unsigned long long p = num(x, sort_nums[i]), q = num(y, sort_nums[i]);
		if (p != q)
			return p < q ? -1 : 1;
	}
	char sx[1024], sy[1024];
	settings_of(x, sx, sizeof(sx));
	settings_of(y, sy, sizeof(sy));
	if ((d = strcmp(sx, sy)))
		return d;
	return strcmp(bench_kv_get(x, "id"), bench_kv_get(y, "id"));
}

static void usage(FILE *out)
{
	fprintf(out, "usage: smmusim bench aggregate [--no-plots] DIR\n\n"
		     "Merge the cd-layouts result files in DIR (ID.json, from --point or --shard runs) into\n"
		     "DIR/summary.csv, DIR/summary.json and DIR/summary.md, and plot (gnuplot, SVG and PNG):\n"
		     "cd-footprint (CD-table bytes against live PASIDs), cd-latency (translation latency\n"
		     "against live PASIDs), cd-tradeoff (footprint against translation latency), each for\n"
		     "random access and a 64-entry configuration cache without L1 descriptors, a line per\n"
		     "layout and allocation; and cd-axis-DIM, translation latency against every dimension\n"
		     "that the points sweep (workload, cache size, each --axis configuration key).\n");
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

/* The workload of a point in a few words: what differs from the defaults. */
static void workload_words(const struct bench_kv *kv, char *buf, size_t len)
{
	size_t used = 0;
	static const char *const f[] = {"hot", "pages", "devices", "tbus", "churn", "interval"};
	static const unsigned long long dflt[] = {0, 16, 1, 1, 0, 0};
	buf[0] = '\0';
	for (size_t i = 0; i < 6; i++)
		if (num(kv, f[i]) != dflt[i])
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s=%llu", used ? " " : "", f[i],
						 num(kv, f[i]));
	if (num(kv, "zipf") && used < len)
		used += (size_t)snprintf(buf + used, len - used, "%szipf", used ? " " : "");
	if (!used)
		snprintf(buf, len, "-");
}

static void md_header(FILE *md)
{
	fprintf(md, "| layout | PASIDs | alloc | access | cfg entries | L1 cached | workload | settings | CD table | "
		    "xlate mean | xlate p50 | xlate p99 | DMA mean | cfg hit | walk hit | STE/tx | L1CD/tx | CD/tx | "
		    "PTE/tx | bind / unbind cycles | offered / achieved tx/us |\n"
		    "|---|--:|---|---|--:|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
}

/* One row: translation latency first; throughput only in an open loop (in a closed loop it is the
 * window over the latency). */
static void md_row(FILE *md, const struct bench_kv *kv)
{
	char cd[32], wl[160], st[1024], binds[64] = "-", tput[64] = "-";
	human_bytes(cd, sizeof(cd), num(kv, "cd_table_bytes"));
	workload_words(kv, wl, sizeof(wl));
	settings_of(kv, st, sizeof(st));
	double tx = dbl(kv, "transactions");
	tx = tx > 0 ? tx : 1;
	double pte = dbl(kv, "mem.reads.pte.l0") + dbl(kv, "mem.reads.pte.l1") + dbl(kv, "mem.reads.pte.l2") +
		     dbl(kv, "mem.reads.pte.l3");
	if (num(kv, "binds"))
		snprintf(binds, sizeof(binds), "%.1f / %.1f", dbl(kv, "bind_cycles_mean"), dbl(kv, "unbind_cycles_mean"));
	if (num(kv, "interval"))
		snprintf(tput, sizeof(tput), "%.1f / %.1f", dbl(kv, "offered_per_us"), dbl(kv, "throughput_per_us"));
	fprintf(md, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f | %s | %s | %.1f | %.1f %% | %.1f %% | %.3f | %.3f | "
		    "%.3f | %.3f | %s | %s |\n",
		bench_kv_get(kv, "layout"), bench_kv_get(kv, "pasids"), bench_kv_get(kv, "alloc"), bench_kv_get(kv, "access"),
		bench_kv_get(kv, "cfg_entries"), num(kv, "cache_l1") ? "yes" : "no", wl, st[0] ? st : "-", cd,
		dbl(kv, "xlate_latency_mean"), bench_kv_get(kv, "xlate_latency_p50"), bench_kv_get(kv, "xlate_latency_p99"),
		dbl(kv, "latency_mean"), 100.0 * dbl(kv, "cfg_hit_rate"), 100.0 * dbl(kv, "walk_hit_rate"),
		dbl(kv, "mem.reads.ste") / tx, dbl(kv, "mem.reads.l1cd") / tx, dbl(kv, "mem.reads.cd") / tx, pte / tx, binds,
		tput);
}

static void csv_row(FILE *csv, const struct bench_kv *kv)
{
	for (size_t c = 0; c < NCOLS; c++) {
		char st[1024];
		const char *val = bench_kv_get(kv, cols[c]);
		if (!strcmp(cols[c], "settings")) {
			settings_of(kv, st, sizeof(st));
			val = st;
		}
		fprintf(csv, "%s%s", c ? "," : "", val ? val : "");
	}
	fprintf(csv, "\n");
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
		if (!id || strncmp(e->d_name, id, len - 5) || strlen(id) != len - 5 || !bench_kv_get(kv, "xlate_latency_mean")) {
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
		md_header(md);
		for (size_t i = 0; i < n; i++) {
			csv_row(csv, v[i]);
			fprintf(js, "  {");
			for (size_t k = 0; k < v[i]->n; k++) {
				if (v[i]->str[k])
					fprintf(js, "%s\"%s\": \"%s\"", k ? ", " : "", v[i]->key[k], v[i]->val[k]);
				else
					fprintf(js, "%s\"%s\": %s", k ? ", " : "", v[i]->key[k], v[i]->val[k]);
			}
			fprintf(js, "}%s\n", i + 1 < n ? "," : "");
			md_row(md, v[i]);
		}
		fprintf(js, "]\n");
	}
	if (csv && fclose(csv) != 0)
		status = SMMUSIM_EXIT_INPUT;
	if (js && fclose(js) != 0)
		status = SMMUSIM_EXIT_INPUT;
	if (md && fclose(md) != 0)
		status = SMMUSIM_EXIT_INPUT;
	char names[2048] = "";
	if (!status && !no_plots && bench_cd_plots(dir, v, n, names, sizeof(names)) != 0) {
		fprintf(stderr, "smmusim bench aggregate: %s: cannot write the plot data\n", dir);
		status = SMMUSIM_EXIT_INPUT;
	}
	if (!status)
		printf("%s: %zu points -> summary.csv, summary.json, summary.md%s\n", dir, n, names);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return status;
}
