/* SPDX-License-Identifier: MIT */
/*
 * smmusim bench aggregate: the plots of a cd-layouts result directory (gnuplot, SVG + PNG).
 *   cd-footprint  CD-table bytes against live PASIDs, a line per layout and allocation;
 *   cd-latency    translation-only latency (mean) against live PASIDs, the same lines;
 *   cd-tradeoff   footprint against translation latency, a point per (layout, allocation, N);
 *   cd-axis-DIM   translation latency against each dimension swept (workload, configuration cache,
 *                 every configuration key of --axis), a line per combination of the others.
 * Lines whose every point agrees within 0.2 % are drawn once, titled "A = B".
 */
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <smmusim/smmusim.h>

#include "bench.h"

extern char **environ;

#define MAX_SERIES 1024
#define MAX_PTS 64
#define MAX_CATS 32

struct series {
	char key[512];    /* the other dimensions' values */
	char title[200];
	double x[MAX_PTS], y[MAX_PTS];
	size_t n;
	bool merged;      /* drawn by an earlier, identical series */
};

struct plot {
	char name[80], title[160], xlabel[120], ylabel[80];
	bool logx, logy, points_only;
	char cats[MAX_CATS][64]; /* categorical x: the values in order of appearance */
	size_t ncats;
	struct series s[MAX_SERIES];
	size_t ns;
};

static const char *get(const struct bench_kv *kv, const char *k)
{
	const char *v = bench_kv_get(kv, k);
	return v ? v : "";
}

static double num(const struct bench_kv *kv, const char *k)
{
	return strtod(get(kv, k), NULL);
}

/* The fields a point is made of, in ID order; "settings" stands for every set.KEY. */
static const char *const dims[] = {"layout", "pasids", "alloc", "access", "cfg_entries", "cache_l1", "dmas", "seed",
				   "window", "clock_mhz", "hot", "zipf", "pages", "devices", "tbus", "churn", "interval"};
#define NDIMS (sizeof(dims) / sizeof(dims[0]))

static bool workload_default(const struct bench_kv *kv)
{
	return num(kv, "hot") == 0 && num(kv, "zipf") == 0 && num(kv, "pages") == 16 && num(kv, "devices") == 1 &&
	       num(kv, "tbus") == 1 && num(kv, "churn") == 0 && num(kv, "interval") == 0;
}

/* The key of a point without the dimensions in `skip` (space-separated names) and the set.KEY `skipset`. */
static void key_of(const struct bench_kv *kv, const char *skip, const char *skipset, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < NDIMS; i++) {
		char pat[40];
		snprintf(pat, sizeof(pat), " %s ", dims[i]);
		if (strstr(skip, pat))
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s=%s ", dims[i], get(kv, dims[i]));
	}
	for (size_t i = 0; i < kv->n && used < len; i++)
		if (!strncmp(kv->key[i], "set.", 4) && (!skipset || strcmp(kv->key[i] + 4, skipset)))
			used += (size_t)snprintf(buf + used, len - used, "%s=%s ", kv->key[i] + 4, kv->val[i]);
}

static void add_point(struct plot *pl, const char *key, double x, double y)
{
	size_t i = 0;
	while (i < pl->ns && strcmp(pl->s[i].key, key))
		i++;
	if (i == pl->ns) {
		if (pl->ns == MAX_SERIES)
			return;
		memset(&pl->s[i], 0, sizeof(pl->s[i]));
		snprintf(pl->s[i].key, sizeof(pl->s[i].key), "%s", key);
		pl->ns++;
	}
	struct series *s = &pl->s[i];
	if (s->n < MAX_PTS) {
		s->x[s->n] = x;
		s->y[s->n++] = y;
	}
}

/* Titles: the words of the key that not every series shares ("layout=linear" shown as "linear"). */
static void titles(struct plot *pl)
{
	for (size_t i = 0; i < pl->ns; i++) {
		char buf[512], *save = NULL, *t = pl->s[i].title;
		size_t used = 0;
		snprintf(buf, sizeof(buf), "%s", pl->s[i].key);
		for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			char pat[200];
			snprintf(pat, sizeof(pat), "%s ", w);
			bool shared = true;
			for (size_t j = 0; j < pl->ns && shared; j++)
				shared = strstr(pl->s[j].key, pat) != NULL;
			if (shared && strncmp(w, "layout=", 7))
				continue;
			const char *shown = !strncmp(w, "layout=", 7) || !strncmp(w, "alloc=", 6) ? strchr(w, '=') + 1 : w;
			int n = snprintf(t + used, sizeof(pl->s[i].title) - used, "%s%s", used ? ", " : "", shown);
			if (n > 0 && (size_t)n < sizeof(pl->s[i].title) - used)
				used += (size_t)n;
		}
	}
}

static bool same_series(const struct series *a, const struct series *b)
{
	if (a->n != b->n || !a->n)
		return false;
	for (size_t k = 0; k < a->n; k++)
		if (a->x[k] != b->x[k] || fabs(a->y[k] - b->y[k]) > 0.002 * fmax(fabs(a->y[k]), 1.0))
			return false;
	return true;
}

/* Identical lines drawn once: the first keeps them all in its title. */
static void merge(struct plot *pl)
{
	for (size_t i = 0; i < pl->ns; i++)
		for (size_t j = i + 1; j < pl->ns; j++)
			if (!pl->s[i].merged && !pl->s[j].merged && same_series(&pl->s[i], &pl->s[j])) {
				/* A copy: GCC's -Wrestrict cannot tell s[i] from s[j] (ASan builds). */
				char other[sizeof(pl->s[j].title)];
				size_t l = strlen(pl->s[i].title);
				memcpy(other, pl->s[j].title, sizeof(other));
				snprintf(pl->s[i].title + l, sizeof(pl->s[i].title) - l, " = %s", other);
				pl->s[j].merged = true;
			}
}

static int cmp_x(const void *a, const void *b)
{
	const double *x = a, *y = b;
	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Titles, each line sorted by x, identical lines merged, and the data files. Returns the lines to draw. */
static size_t prepare(const char *dir, struct plot *pl)
{
	size_t drawn = 0;
	titles(pl);
	for (size_t i = 0; i < pl->ns; i++) { /* sort each line by x */
		double xy[MAX_PTS][2];
		for (size_t k = 0; k < pl->s[i].n; k++) {
			xy[k][0] = pl->s[i].x[k];
			xy[k][1] = pl->s[i].y[k];
		}
		qsort(xy, pl->s[i].n, sizeof(xy[0]), cmp_x);
		for (size_t k = 0; k < pl->s[i].n; k++) {
			pl->s[i].x[k] = xy[k][0];
			pl->s[i].y[k] = xy[k][1];
		}
	}
	merge(pl);
	for (size_t i = 0; i < pl->ns; i++) {
		if (pl->s[i].merged)
			continue;
		char path[4200];
		snprintf(path, sizeof(path), "%s/plot-%s-%zu.dat", dir, pl->name, i);
		FILE *f = fopen(path, "w");
		if (!f)
			return 0;
		fprintf(f, "# %s\n", pl->s[i].title);
		for (size_t k = 0; k < pl->s[i].n; k++)
			fprintf(f, "%.17g %.6f\n", pl->s[i].x[k], pl->s[i].y[k]);
		fclose(f);
		drawn++;
	}
	return drawn;
}

/* The gnuplot commands of one prepared plot, for one terminal. */
static void commands(FILE *g, const char *dir, const struct plot *pl, const char *ext)
{
	size_t drawn = 0;
	fprintf(g, "set output '%s/%s.%s'\nset title '%s' noenhanced\nset xlabel '%s' noenhanced\nset ylabel '%s' noenhanced\n",
		dir, pl->name, ext, pl->title, pl->xlabel, pl->ylabel);
	fprintf(g, pl->logx ? "set logscale x 2\nset format x '2^{%%L}'\n" : "unset logscale x\nset format x '%%g'\n");
	fprintf(g, pl->logy ? "set logscale y 2\nset format y '2^{%%L}'\nset yrange [*:*]\n"
			    : "unset logscale y\nset format y '%%g'\nset yrange [0:*]\n");
	if (pl->ncats) {
		fprintf(g, "set xtics (");
		for (size_t c = 0; c < pl->ncats; c++)
			fprintf(g, "%s'%s' %zu", c ? ", " : "", pl->cats[c], c);
		fprintf(g, ")\nset xrange [-0.5:%zu.5]\n", pl->ncats - 1);
	} else {
		fprintf(g, "set xtics autofreq\nset xrange [*:*]\n");
	}
	fprintf(g, "plot ");
	for (size_t i = 0; i < pl->ns; i++) {
		if (pl->s[i].merged)
			continue;
		static const char *const rgb[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
						  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
		fprintf(g, "%s'%s/plot-%s-%zu.dat' using 1:2 with %s lc rgb '%s' dt %zu pt %zu title '%s' noenhanced",
			drawn ? ", " : "", dir, pl->name, i, pl->points_only ? "points" : "linespoints", rgb[drawn % 10],
			drawn % 5 + 1, 4 + 2 * (drawn % 6), pl->s[i].title);
		drawn++;
	}
	fprintf(g, "\nunset xtics\nset xtics\n");
}

static void init(struct plot *pl, const char *name, const char *title, const char *xlabel, const char *ylabel)
{
	memset(pl, 0, sizeof(*pl));
	snprintf(pl->name, sizeof(pl->name), "%s", name);
	snprintf(pl->title, sizeof(pl->title), "%s", title);
	snprintf(pl->xlabel, sizeof(pl->xlabel), "%s", xlabel);
	snprintf(pl->ylabel, sizeof(pl->ylabel), "%s", ylabel);
}

#define ALL_DIMS " layout pasids alloc access cfg_entries cache_l1 dmas seed window clock_mhz hot zipf pages devices tbus churn interval "

/* The base points of the PASID-count plots: random access, default workload, the configuration
 * cache most of those points have, and the settings of the first of them (a sweep with axes plots
 * its first combination). */
struct base {
	char settings[1024];
	double cfg, l1;
};

static bool is_base(const struct bench_kv *kv, const struct base *b)
{
	char s[1024] = "";
	key_of(kv, ALL_DIMS, NULL, s, sizeof(s));
	return !strcmp(get(kv, "access"), "random") && num(kv, "cfg_entries") == b->cfg && num(kv, "cache_l1") == b->l1 &&
	       workload_default(kv) && !strcmp(s, b->settings);
}

static void find_base(struct bench_kv **v, size_t n, struct base *b)
{
	size_t best = 0;
	memset(b, 0, sizeof(*b));
	for (size_t i = 0; i < n; i++) {
		if (strcmp(get(v[i], "access"), "random") || !workload_default(v[i]))
			continue;
		size_t count = 0;
		for (size_t j = 0; j < n; j++)
			count += !strcmp(get(v[j], "access"), "random") && workload_default(v[j]) &&
				 num(v[j], "cfg_entries") == num(v[i], "cfg_entries") &&
				 num(v[j], "cache_l1") == num(v[i], "cache_l1");
		if (count > best) {
			best = count;
			b->cfg = num(v[i], "cfg_entries");
			b->l1 = num(v[i], "cache_l1");
			key_of(v[i], ALL_DIMS, NULL, b->settings, sizeof(b->settings));
		}
	}
}

/* which: 0 footprint, 1 latency, 2 footprint against latency, each against the base points. */
static void pasid_plot(struct plot *pl, int which, struct bench_kv **v, size_t n)
{
	struct base base;
	char t[160];
	find_base(v, n, &base);
	if (which == 0) {
		init(pl, "cd-footprint", "CD-table footprint (S1CDMax = 20)", "live PASIDs", "CD table bytes (L1 + leaves)");
		pl->logy = true;
	} else if (which == 1) {
		snprintf(t, sizeof(t), "Translation latency, random PASID per access, %.0f-entry config cache%s", base.cfg,
			 base.l1 ? " with L1" : "");
		init(pl, "cd-latency", t, "live PASIDs", "mean translation latency (cycles)");
	} else {
		snprintf(t, sizeof(t), "Footprint against translation latency (random access, %.0f-entry config cache%s)",
			 base.cfg, base.l1 ? " with L1" : "");
		init(pl, "cd-tradeoff", t, "CD table bytes (L1 + leaves)", "mean translation latency (cycles)");
		pl->points_only = true;
	}
	pl->logx = true;
	for (size_t i = 0; i < n; i++) {
		if (!is_base(v[i], &base))
			continue;
		char key[160];
		snprintf(key, sizeof(key), "layout=%s alloc=%s ", get(v[i], "layout"), get(v[i], "alloc"));
		double bytes = num(v[i], "cd_table_bytes"), lat = num(v[i], "xlate_latency_mean");
		add_point(pl, key, which == 2 ? bytes : num(v[i], "pasids"), which == 0 ? bytes : lat);
	}
}

/* x of a point on a workload dimension, NAN if the point is not on that plot. */
static double dim_x(const struct bench_kv *kv, const char *dim)
{
	if (!strcmp(dim, "hot"))
		return num(kv, "zipf") ? NAN : num(kv, "hot") ? num(kv, "hot") : num(kv, "pasids");
	if (!strcmp(dim, "interval"))
		return num(kv, "interval") ? num(kv, "offered_per_us") : NAN;
	return num(kv, dim);
}

/* One plot per point dimension that some line sweeps (at least two values). */
static void dim_plot(struct plot *pl, const char *dim, struct bench_kv **v, size_t n)
{
	static const struct { const char *dim, *skip, *xlabel; bool logx; } d[] = {
		{"hot", " hot ", "hot PASIDs (traffic spread evenly over them; all live ones at the right end)", true},
		{"pages", " pages ", "4 KiB pages per PASID (working set)", true},
		{"devices", " devices tbus ", "devices (the same PASIDs each)", false},
		{"churn", " churn ", "bind/unbind cycles per 1000 DMAs", false},
		{"interval", " interval ", "offered load (DMAs per microsecond, open loop)", false},
		{"window", " window ", "outstanding DMAs per device (closed loop)", true},
		{"cfg_entries", " cfg_entries ", "configuration cache entries", true},
		{"pasids", " pasids ", "live PASIDs", true},
	};
	size_t k = 0;
	while (strcmp(d[k].dim, dim))
		k++;
	char title[160];
	snprintf(title, sizeof(title), "Translation latency against %s", dim);
	init(pl, "", title, d[k].xlabel, "mean translation latency (cycles)");
	snprintf(pl->name, sizeof(pl->name), "cd-axis-%s", dim);
	pl->logx = d[k].logx;
	for (size_t i = 0; i < n; i++) {
		double x = dim_x(v[i], dim);
		if (isnan(x))
			continue;
		char key[512];
		key_of(v[i], d[k].skip, NULL, key, sizeof(key));
		if (!strcmp(dim, "devices")) {
			size_t l = strlen(key);
			unsigned dev = (unsigned)num(v[i], "devices"), tb = (unsigned)num(v[i], "tbus");
			snprintf(key + l, sizeof(key) - l, "%s ", tb == 1 ? "one-TBU" : tb == dev ? "a-TBU-each" : "some-TBUs");
		}
		add_point(pl, key, x, num(v[i], "xlate_latency_mean"));
	}
}

/* One plot per configuration key some points set (--set/--axis), against its value. */
static void set_plot(struct plot *pl, const char *key, struct bench_kv **v, size_t n)
{
	char title[160], setkey[80];
	snprintf(title, sizeof(title), "Translation latency against %s", key);
	init(pl, "", title, key, "mean translation latency (cycles)");
	snprintf(pl->name, sizeof(pl->name), "cd-axis-%s", key);
	snprintf(setkey, sizeof(setkey), "set.%s", key);
	smmusim_config *def = smmusim_config_new();
	const char *dv = def ? smmusim_config_get(def, key) : NULL;
	bool numeric = true;
	for (size_t i = 0; i < n; i++) {
		const char *val = bench_kv_get(v[i], setkey);
		if (!val)
			val = dv ? dv : "";
		char *end;
		strtod(val, &end);
		numeric &= *val && !*end;
	}
	for (size_t i = 0; i < n; i++) {
		const char *val = bench_kv_get(v[i], setkey);
		if (!val)
			val = dv ? dv : "";
		double x = strtod(val, NULL);
		if (!numeric) {
			size_t c = 0;
			while (c < pl->ncats && strcmp(pl->cats[c], val))
				c++;
			if (c == pl->ncats && c < MAX_CATS)
				snprintf(pl->cats[pl->ncats++], sizeof(pl->cats[0]), "%s", val);
			x = (double)c;
		}
		char k[512];
		key_of(v[i], " ", key, k, sizeof(k));
		add_point(pl, k, x, num(v[i], "xlate_latency_mean"));
	}
	smmusim_config_free(def);
	double lo = INFINITY, hi = 0;
	for (size_t i = 0; numeric && i < pl->ns; i++)
		for (size_t j = 0; j < pl->s[i].n; j++) {
			lo = fmin(lo, pl->s[i].x[j]);
			hi = fmax(hi, pl->s[i].x[j]);
		}
	pl->logx = numeric && lo > 0 && hi / lo >= 16;
}

/* Keep the lines with at least two points; true if any is left. */
static bool swept(struct plot *pl)
{
	size_t k = 0;
	for (size_t i = 0; i < pl->ns; i++)
		if (pl->s[i].n >= 2)
			pl->s[k++] = pl->s[i];
	pl->ns = k;
	return k > 0;
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

/* The configuration keys set in some result file (set.KEY), each once. */
static size_t set_keys(struct bench_kv **v, size_t n, char (*keys)[64], size_t max)
{
	size_t nk = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < v[i]->n; j++) {
			if (strncmp(v[i]->key[j], "set.", 4))
				continue;
			size_t k = 0;
			while (k < nk && strcmp(keys[k], v[i]->key[j] + 4))
				k++;
			if (k == nk && nk < max)
				snprintf(keys[nk++], 64, "%s", v[i]->key[j] + 4);
		}
	return nk;
}

/* Plot number i of the directory's plots into *pl; false past the last. */
static bool build(size_t i, struct plot *pl, struct bench_kv **v, size_t n, char (*keys)[64], size_t nk)
{
	static const char *const dimnames[] = {"hot", "pages", "devices", "churn", "interval", "window", "cfg_entries"};
	enum { NDIMS_PLOTTED = sizeof(dimnames) / sizeof(dimnames[0]) };
	if (i < 3) {
		pasid_plot(pl, (int)i, v, n);
	} else if (i < 3 + NDIMS_PLOTTED) {
		dim_plot(pl, dimnames[i - 3], v, n);
	} else if (i < 3 + NDIMS_PLOTTED + nk) {
		set_plot(pl, keys[i - 3 - NDIMS_PLOTTED], v, n);
	} else {
		return false;
	}
	return true;
}

int bench_cd_plots(const char *dir, struct bench_kv **v, size_t n, char *names, size_t len)
{
	struct plot *pl = malloc(sizeof(*pl));
	char path[4200], keys[16][64];
	size_t used = 0, nk = set_keys(v, n, keys, 16);
	snprintf(path, sizeof(path), "%s/plot.gp", dir);
	FILE *g = pl ? fopen(path, "w") : NULL;
	if (!g) {
		free(pl);
		return -1;
	}
	fprintf(g, "# generated by smmusim bench aggregate\nset grid\nset key outside right top font ',8'\n");
	static const char *const term[2][2] = {{"svg size 1000,480 dynamic font 'sans,11'", "svg"},
					       {"pngcairo size 1000,480 font 'sans,10'", "png"}};
	names[0] = '\0';
	for (size_t i = 0; build(i, pl, v, n, keys, nk); i++) {
		if (!swept(pl) || !prepare(dir, pl))
			continue;
		for (int t = 0; t < 2; t++) {
			fprintf(g, "set terminal %s\n", term[t][0]);
			commands(g, dir, pl, term[t][1]);
		}
		int w = snprintf(names + used, len - used, ", %s.{svg,png}", pl->name);
		if (w > 0 && (size_t)w < len - used)
			used += (size_t)w;
	}
	fclose(g);
	free(pl);
	int rc = run_gnuplot(path);
	if (rc < 0)
		fprintf(stderr, "smmusim bench aggregate: warning: gnuplot not found, no plots (script %s)\n", path);
	else if (rc)
		fprintf(stderr, "smmusim bench aggregate: warning: gnuplot failed (exit %d) on %s\n", rc, path);
	return 0;
}
