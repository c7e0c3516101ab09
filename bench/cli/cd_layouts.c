/* SPDX-License-Identifier: MIT */
/*
 * smmusim bench cd-layouts: the CD-table layout study. Every point is one deterministic process
 * (SystemC elaborates once per process): --point ID runs one in-process and writes OUT/ID.json
 * (cd_point.c); --shard I/N runs points I, I+N, I+2N, ... of the list, one child process each.
 *
 * Every point runs on the same configuration path as replay (defaults < --preset < --config <
 * --set), then its own axis values; the non-default settings are hashed into the point ID and
 * listed in the result file. --axis KEY=V1,V2,.. multiplies the sweep by the values of any
 * configuration key or point dimension (cd.layout, tcu.cfg.entries, wl.hot, ...).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd_layouts.h"
#include "smmusim/number.h"

const char *const cd_layout_names[L_COUNT] = {"linear", "2l-4k", "2l-64k"};
const char *const cd_alloc_names[A_COUNT] = {"dense", "scattered", "strided"};
const char *const cd_access_names[X_COUNT] = {"stream", "random", "burst"};
const char *const cd_point_keys[] = {"cd.layout", "tcu.cfg.entries", "tcu.cfg.cache_l1", "sim.seed", NULL};

#define MAX_SETS 64

struct axis {
	char key[64];
	char *vals[32];
	size_t n;
	bool point_key; /* a point dimension (in the ID), not a configuration key */
};

struct opts {
	bool quick, list, aggregate;
	const char *point, *out, *filter;
	unsigned shard_i, shard_n, jobs;
	struct point base;              /* defaults of every point (--dmas 0: the sweep's) */
	struct bench_settings s;        /* configuration keys only */
	const char *psets[MAX_SETS];    /* --set of point dimensions, applied to every point */
	size_t npsets;
	struct axis axes[CD_MAX_AXES];
	size_t naxes;
};

/* ---- point IDs --------------------------------------------------------------------------------- */
void cd_point_id(struct point *p)
{
	/* layout_nN_alloc_access_cfgE_l1X_dD_(wW|oI)[_mhzM][_hH|_zipf][_pgP][_devD][_tbuT][_chR][_xHASH]_sS:
	 * the workload's defaults and an empty hash are left out of the name */
	char opt[160] = "", *o = opt;
	size_t left = sizeof(opt);
#define ADD(...)                                                                                                       \
	do {                                                                                                           \
		int w_ = snprintf(o, left, __VA_ARGS__);                                                              \
		if (w_ > 0 && (size_t)w_ < left) {                                                                     \
			o += w_;                                                                                       \
			left -= (size_t)w_;                                                                            \
		}                                                                                                      \
	} while (0)
	if (p->clock_mhz != 1000)
		ADD("_mhz%u", p->clock_mhz);
	if (p->hot)
		ADD("_h%u", p->hot);
	if (p->zipf)
		ADD("_zipf");
	if (p->pages != CD_DEFAULT_PAGES)
		ADD("_pg%u", p->pages);
	if (p->devices != 1)
		ADD("_dev%u", p->devices);
	if (p->tbus != 1)
		ADD("_tbu%u", p->tbus);
	if (p->churn)
		ADD("_ch%u", p->churn);
	if (p->xhash)
		ADD("_x%08x", p->xhash);
#undef ADD
	snprintf(p->id, sizeof(p->id), "%s_n%u_%s_%s_cfg%u_l1%s_d%u_%c%u%s_s%llu", cd_layout_names[p->layout], p->pasids,
		 cd_alloc_names[p->alloc], cd_access_names[p->access], p->cfg_entries, p->cache_l1 ? "on" : "off", p->dmas,
		 p->interval ? 'o' : 'w', p->interval ? p->interval : p->window, opt, (unsigned long long)p->seed);
}

/* Why a point cannot run, or NULL. */
static const char *point_invalid(const struct point *p)
{
	if (p->pasids < 1 || p->pasids > CD_MAX_PASID)
		return "live PASIDs must be 1 .. 2^20-1";
	if (p->alloc != A_DENSE && p->pasids > CD_MAX_PASID / 2)
		return "scattered and strided allocation need at most 2^19 live PASIDs";
	if (p->cfg_entries > 65536 || p->dmas < 1 || p->dmas > (1u << 30) || p->window < 1 || p->window > 4096)
		return "cfg entries <= 65536, 1 <= DMAs <= 2^30, 1 <= window <= 4096";
	if (p->clock_mhz < 1 || p->clock_mhz > 100000 || p->interval > 100000)
		return "clock 1 .. 100000 MHz, open-loop interval at most 100000 cycles";
	if (p->hot > p->pasids || (p->hot && p->zipf) || (p->zipf && p->access == X_STREAM))
		return "hot PASIDs at most the live ones, and neither with Zipf; Zipf needs random or burst access";
	if (p->pages < 1 || p->pages > 4096)
		return "pages per domain 1 .. 4096";
	if (p->devices < 1 || p->devices > 64 || p->tbus < 1 || p->tbus > p->devices)
		return "devices 1 .. 64, TBUs 1 .. devices";
	if (p->churn > 1000)
		return "churn at most 1000 bind/unbind cycles per 1000 DMAs";
	return NULL;
}

static bool name_index(const char *s, const char *const *names, unsigned n, unsigned *out)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(s, names[i])) {
			*out = i;
			return true;
		}
	return false;
}

static bool tok_u(const char *t, const char *prefix, uint64_t *v)
{
	size_t pl = strlen(prefix);
	return !strncmp(t, prefix, pl) && t[pl] >= '0' && t[pl] <= '9' && smmusim_parse_u64(t + pl, strlen(t + pl), 0, v);
}

/* The optional tokens between the loop token and the seed, in their fixed order. */
static bool parse_optional(char **tok, size_t nt, struct point *p)
{
	uint64_t v;
	for (size_t i = 0; i < nt; i++) {
		const char *t = tok[i];
		if (tok_u(t, "mhz", &v))
			p->clock_mhz = (unsigned)(v <= 100000 ? v : 0);
		else if (!strcmp(t, "zipf"))
			p->zipf = true;
		else if (tok_u(t, "h", &v) && v <= CD_MAX_PASID)
			p->hot = (uint32_t)v;
		else if (tok_u(t, "pg", &v) && v <= 4096)
			p->pages = (uint32_t)v;
		else if (tok_u(t, "dev", &v) && v <= 64)
			p->devices = (unsigned)v;
		else if (tok_u(t, "tbu", &v) && v <= 64)
			p->tbus = (unsigned)v;
		else if (tok_u(t, "ch", &v) && v <= 1000)
			p->churn = (uint32_t)v;
		else if (t[0] == 'x' && strlen(t) == 9 && smmusim_parse_u64(t + 1, 8, SMMUSIM_NUM_HEX, &v))
			p->xhash = (uint32_t)v;
		else
			return false;
	}
	return true;
}

bool cd_parse_point_id(const char *id, struct point *p)
{
	char buf[sizeof(p->id)], *save = NULL, *tok[20];
	size_t nt = 0;
	uint64_t n, cfg, d, w, seed;
	memset(p, 0, sizeof(*p));
	p->pages = CD_DEFAULT_PAGES;
	p->devices = p->tbus = 1;
	p->clock_mhz = 1000;
	if (strlen(id) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", id);
	for (char *t = strtok_r(buf, "_", &save); t && nt < 20; t = strtok_r(NULL, "_", &save))
		tok[nt++] = t;
	if (nt < 9 || !name_index(tok[0], cd_layout_names, L_COUNT, &p->layout) ||
	    !name_index(tok[2], cd_alloc_names, A_COUNT, &p->alloc) ||
	    !name_index(tok[3], cd_access_names, X_COUNT, &p->access) || !tok_u(tok[1], "n", &n) ||
	    !tok_u(tok[4], "cfg", &cfg) || (strcmp(tok[5], "l1on") && strcmp(tok[5], "l1off")) || !tok_u(tok[6], "d", &d) ||
	    !(tok_u(tok[7], "w", &w) || tok_u(tok[7], "o", &w)) || !tok_u(tok[nt - 1], "s", &seed) ||
	    !parse_optional(tok + 8, nt - 9, p))
		return false;
	if (n > CD_MAX_PASID || cfg > 65536 || d > (1u << 30) || w > 100000)
		return false;
	p->pasids = (uint32_t)n;
	p->cfg_entries = (uint32_t)cfg;
	p->cache_l1 = !strcmp(tok[5], "l1on");
	p->dmas = (uint32_t)d;
	p->window = tok[7][0] == 'w' ? (unsigned)w : 16;
	p->interval = tok[7][0] == 'o' ? (uint32_t)w : 0;
	p->seed = seed;
	if (point_invalid(p) || (tok[7][0] == 'o' && !p->interval))
		return false;
	cd_point_id(p);
	return !strcmp(p->id, id); /* the canonical spelling only */
}

/* ---- point dimensions by key: --set and --axis -------------------------------------------------- */
static const char *const point_dims[] = {"cd.layout", "tcu.cfg.entries", "tcu.cfg.cache_l1", "sim.seed",
					 "wl.pasids", "wl.alloc",        "wl.access",        "wl.dmas",
					 "wl.window", "wl.hot",          "wl.zipf",          "wl.pages",
					 "wl.devices", "wl.tbus",        "wl.churn",         "wl.interval", NULL};

static bool is_point_dim(const char *key, size_t len)
{
	for (size_t i = 0; point_dims[i]; i++)
		if (strlen(point_dims[i]) == len && !strncmp(key, point_dims[i], len))
			return true;
	return false;
}

static bool parse_bool(const char *v, bool *b)
{
	if (!strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes"))
		*b = true;
	else if (!strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no"))
		*b = false;
	else
		return false;
	return true;
}

/* Set one point dimension from "KEY=VALUE"; false if the value is not one. */
static bool set_point_dim(struct point *p, const char *kv)
{
	const char *eq = strchr(kv, '='), *v = eq + 1;
	size_t kl = (size_t)(eq - kv);
	uint64_t x = 0;
	bool num = smmusim_parse_u64(v, strlen(v), SMMUSIM_NUM_SUFFIX, &x) && x <= UINT32_MAX;
#define KEY(k) (kl == strlen(k) && !strncmp(kv, k, kl))
	if (KEY("cd.layout"))
		return name_index(v, cd_layout_names, L_COUNT, &p->layout);
	if (KEY("wl.alloc"))
		return name_index(v, cd_alloc_names, A_COUNT, &p->alloc);
	if (KEY("wl.access"))
		return name_index(v, cd_access_names, X_COUNT, &p->access);
	if (KEY("tcu.cfg.cache_l1"))
		return parse_bool(v, &p->cache_l1);
	if (KEY("wl.zipf"))
		return parse_bool(v, &p->zipf);
	if (KEY("sim.seed"))
		return smmusim_parse_u64(v, strlen(v), SMMUSIM_NUM_SUFFIX, &p->seed);
	if (!num)
		return false;
	uint32_t *u32[] = {&p->cfg_entries, &p->pasids, &p->dmas, &p->hot, &p->pages, &p->churn, &p->interval};
	const char *k32[] = {"tcu.cfg.entries", "wl.pasids", "wl.dmas", "wl.hot", "wl.pages", "wl.churn", "wl.interval"};
	for (size_t i = 0; i < 7; i++)
		if (KEY(k32[i])) {
			*u32[i] = (uint32_t)x;
			return true;
		}
	unsigned *un[] = {&p->window, &p->devices, &p->tbus};
	const char *kn[] = {"wl.window", "wl.devices", "wl.tbus"};
	for (size_t i = 0; i < 3; i++)
		if (KEY(kn[i])) {
			*un[i] = (unsigned)x;
			return true;
		}
#undef KEY
	return false;
}

/* ---- the sweep ------------------------------------------------------------------------------- */
struct list {
	struct point *v;
	size_t n, cap;
	bool oom;
};

static void add_raw(struct list *l, struct point p)
{
	cd_point_id(&p);
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].id, p.id))
			return; /* the sub-sweeps share points */
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct point *nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv) {
			l->oom = true;
			return;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = p;
}

static struct point pt(const struct opts *o, unsigned layout, uint32_t n, unsigned alloc, unsigned access, uint32_t cfg,
		       bool l1)
{
	struct point p = o->base;
	p.layout = layout;
	p.pasids = n;
	p.alloc = alloc;
	p.access = access;
	p.cfg_entries = cfg;
	p.cache_l1 = l1;
	return p;
}

/* A point of a sub-sweep, with the point dimensions of --set applied */
static void add(const struct opts *o, struct list *l, struct point p)
{
	for (size_t i = 0; i < o->npsets; i++)
		set_point_dim(&p, o->psets[i]); /* checked when parsed */
	add_raw(l, p);
}

/* D-H: the workload's dimensions, each from the default point (dense, random, 64 entries). */
static void sweep_workload(const struct opts *o, struct list *l, unsigned lay)
{
	static const uint32_t hot_full[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 1024}, hot_quick[] = {1, 4, 16, 64};
	const uint32_t hn = o->quick ? 1024 : 4096, *hots = o->quick ? hot_quick : hot_full;
	for (size_t i = 0; i < (o->quick ? 4u : 10u); i++) { /* D: H hot of N live */
		struct point p = pt(o, lay, hn, A_DENSE, X_RANDOM, o->base.cfg_entries, o->base.cache_l1);
		p.hot = hots[i];
		add(o, l, p);
		p.cache_l1 = true;
		p.cfg_entries = 1024;
		add(o, l, p);
	}
	struct point z = pt(o, lay, hn, A_DENSE, X_RANDOM, o->base.cfg_entries, o->base.cache_l1);
	z.zipf = true;
	add(o, l, z);
	for (uint32_t pg = 1; pg <= 256; pg *= 16) { /* E: working set per PASID */
		struct point p = pt(o, lay, 256, A_DENSE, X_RANDOM, o->base.cfg_entries, o->base.cache_l1);
		p.pages = pg;
		add(o, l, p);
		p.access = X_STREAM;
		add(o, l, p);
	}
	static const unsigned dt[][2] = {{2, 1}, {2, 2}, {4, 1}, {4, 4}};
	for (size_t i = 0; i < (o->quick ? 2u : 4u); i++) { /* F: devices x TBUs */
		struct point p = pt(o, lay, 256, A_DENSE, X_RANDOM, o->base.cfg_entries, o->base.cache_l1);
		p.devices = dt[i][0];
		p.tbus = dt[i][1];
		add(o, l, p);
	}
	for (uint32_t ch = 1; ch <= 10; ch *= 10) { /* G: churn */
		struct point p = pt(o, lay, o->quick ? 256 : 1024, A_DENSE, X_RANDOM, o->base.cfg_entries, o->base.cache_l1);
		p.churn = ch;
		add(o, l, p);
	}
	static const uint32_t iv[] = {64, 16, 32, 24}; /* below and beyond the closed loop's rate */
	for (size_t i = 0; i < (o->quick ? 2u : 4u); i++) { /* H: open loop */
		struct point p = pt(o, lay, o->quick ? 256 : 1024, A_DENSE, X_RANDOM, o->base.cfg_entries, o->base.cache_l1);
		p.interval = iv[i];
		add(o, l, p);
	}
}

/*
 * The configuration cache of the base points is the configuration's (64 entries without L1
 * descriptors by default, MMU-600-like; a preset or file may say otherwise).
 * A: footprint and latency against the PASID count: every layout x N x {dense, scattered, strided},
 *    random access, the base configuration cache.
 * B: access patterns: stream and burst at two N.
 * C: configuration cache: 1024 entries, and L1 descriptors cached, at two N.
 * D-H: hot PASIDs, working set, devices x TBUs, churn, open loop (sweep_workload).
 */
static void sweep(const struct opts *o, struct list *l)
{
	static const uint32_t full_n[] = {1, 16, 256, 1024, 4096, 65536, CD_MAX_PASID}, quick_n[] = {1, 16, 256, 1024};
	const uint32_t *ns = o->quick ? quick_n : full_n;
	const size_t nn = o->quick ? 4 : 7, nb = o->quick ? 1 : 2;
	const uint32_t b_n[2] = {256, 4096}, c_n[2] = {1024, 65536};
	for (unsigned lay = 0; lay < L_COUNT; lay++)
		for (size_t i = 0; i < nn; i++)
			for (unsigned a = A_DENSE; a < A_COUNT; a++)
				if (!(a != A_DENSE && ns[i] > CD_MAX_PASID / 2))
					add(o, l, pt(o, lay, ns[i], a, X_RANDOM, o->base.cfg_entries, o->base.cache_l1));
	for (unsigned lay = 0; lay < L_COUNT; lay++)
		for (size_t i = 0; i < nb; i++)
			for (unsigned x = X_STREAM; x <= X_BURST; x++)
				add(o, l, pt(o, lay, b_n[i], A_DENSE, x, o->base.cfg_entries, o->base.cache_l1));
	for (unsigned lay = 0; lay < L_COUNT; lay++)
		for (size_t i = 0; i < nb; i++) {
			add(o, l, pt(o, lay, c_n[i], A_DENSE, X_RANDOM, o->base.cfg_entries, true));
			add(o, l, pt(o, lay, c_n[i], A_DENSE, X_RANDOM, 1024, false));
			add(o, l, pt(o, lay, c_n[i], A_DENSE, X_RANDOM, 1024, true));
		}
	for (unsigned lay = 0; lay < L_COUNT; lay++)
		sweep_workload(o, l, lay);
}

/*
 * Every point of the sweep times every combination of the axis values: point dimensions go into
 * the point, configuration keys into its axis settings, whose non-default set is hashed.
 */
static int expand(const struct opts *o, const struct list *base, struct list *out, char *err, size_t errlen)
{
	size_t combos = 1, idx[CD_MAX_AXES] = {0};
	for (size_t a = 0; a < o->naxes; a++)
		combos *= o->axes[a].n;
	for (size_t c = 0; c < combos; c++) {
		struct point t = {0};
		size_t k = c;
		for (size_t a = o->naxes; a-- > 0;) {
			idx[a] = k % o->axes[a].n;
			k /= o->axes[a].n;
		}
		for (size_t a = 0; a < o->naxes; a++)
			if (!o->axes[a].point_key)
				t.axis_sets[t.naxis_sets++] = o->axes[a].vals[idx[a]];
		smmusim_config *cfg;
		int rc = bench_config_build(&o->s, t.axis_sets, t.naxis_sets, &cfg, err, errlen);
		if (rc)
			return rc;
		char diff[4096];
		bench_config_diff(cfg, cd_point_keys, diff, sizeof(diff), &t.xhash);
		const char *tc = smmusim_config_get(cfg, "tbu.count");
		uint64_t tbus = 1;
		smmusim_parse_u64(tc, strlen(tc), SMMUSIM_NUM_SUFFIX, &tbus);
		smmusim_config_free(cfg);
		for (size_t i = 0; i < base->n; i++) {
			struct point p = base->v[i];
			for (size_t a = 0; a < o->naxes; a++)
				if (o->axes[a].point_key && !set_point_dim(&p, o->axes[a].vals[idx[a]])) {
					snprintf(err, errlen, "--axis %s: not a value of this dimension", o->axes[a].vals[idx[a]]);
					return SMMUSIM_EXIT_USAGE;
				}
			memcpy(p.axis_sets, t.axis_sets, sizeof(p.axis_sets));
			p.naxis_sets = t.naxis_sets;
			p.xhash = t.xhash;
			const char *why = point_invalid(&p);
			if ((why && o->naxes) || p.tbus > tbus) /* a value that does not fit the sub-sweep: left out */
				continue;
			if (why) {
				cd_point_id(&p);
				snprintf(err, errlen, "point %s: %s", p.id, why);
				return SMMUSIM_EXIT_USAGE;
			}
			add_raw(out, p);
		}
	}
	return out->oom ? SMMUSIM_EXIT_SIM : 0;
}

/* ---- command line ---------------------------------------------------------------------------- */
static void usage(FILE *out)
{
	fprintf(out,
		"usage: smmusim bench cd-layouts [OPTIONS]\n\n"
		"The CD-table layout study: layouts (linear, 2l-4k, 2l-64k) x live PASIDs (1 .. 2^20-1) x\n"
		"allocation (dense from 1; scattered: N*k allocated, all but every k-th freed; strided: only\n"
		"k, 2k, .. N*k attached, spread over the SSID space) x access (stream, random, burst) x\n"
		"configuration cache (tcu.cfg.entries, tcu.cfg.cache_l1), and the workload's dimensions:\n"
		"hot PASIDs, working set, devices x TBUs, churn, open loop (docs/benchmarks.md).\n"
		"Each point is one process and one result file OUT/ID.json.\n\n"
		"  -l, --list             print the points, one per line: ID and parameters\n"
		"  -p, --point ID         run one point in this process (with the --preset, --config, --set\n"
		"                         and --axis values that --list had: the ID holds their hash)\n"
		"      --shard I/N        run points I, I+N, I+2N, ... (0 <= I < N), one child process each [0/1]\n"
		"  -j, --jobs J           child processes at once [1]\n"
		"  -o, --out DIR          result directory (created) [bench-out]\n"
		"  -q, --quick            the CI-sized sweep (N up to 1024, 4096 DMAs per point)\n"
		"  -f, --filter TEXT      only points whose ID contains TEXT\n"
		"  -n, --dmas N           DMAs per point [65536; 4096 with --quick]\n"
		"  -s, --seed N           seed of the access pattern and of random replacement [1]\n"
		"      --window W         outstanding DMAs per device of the closed loop [16]\n"
		"      --clock-mhz MHZ    SMMU clock for transactions per microsecond [1000]\n"
		"      --preset NAME      a named configuration (configs/NAME.ini) under every point\n"
		"  -c, --config FILE      a configuration file (INI) for every point, after the preset\n"
		"      --set KEY=VALUE    one setting for every point, after the file (repeatable); KEY is a\n"
		"                         configuration key or a point dimension (below)\n"
		"      --axis KEY=V1,V2,..  sweep KEY over the values: every point once per value (repeatable,\n"
		"                         up to 4 axes, 32 values each)\n"
		"      --no-aggregate     do not aggregate OUT after an unsharded run\n"
		"  -h, --help             this help\n\n"
		"Point dimensions (--set and --axis): cd.layout, tcu.cfg.entries, tcu.cfg.cache_l1, sim.seed,\n"
		"wl.pasids, wl.alloc, wl.access, wl.dmas, wl.window, wl.hot (H hot PASIDs take the traffic, 0 =\n"
		"all), wl.zipf (0/1: Zipf over the live PASIDs), wl.pages (4 KiB pages per domain) [16],\n"
		"wl.devices [1], wl.tbus [1], wl.churn (bind/unbind cycles per 1000 DMAs) [0], wl.interval\n"
		"(open loop: mean cycles between a device's DMAs, 0 = closed loop) [0].\n"
		"ID: layout_nN_alloc_access_cfgE_l1on|off_dD_wW|oI[_mhzM][_hH|_zipf][_pgP][_devD][_tbuT][_chR]\n"
		"[_xHASH]_sS (defaults left out; HASH of the settings that differ from the defaults).\n\n"
		"Without --list or --point the shard's points run; an unsharded run then aggregates OUT\n"
		"(smmusim bench aggregate OUT). Slurm: --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT;\n"
		"GNU parallel: --list | cut -d' ' -f1 | parallel smmusim bench cd-layouts --point {} --out OUT\n"
		"(with the same --preset, --config, --set, --axis).\n");
}

static bool parse_u(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x;
	if (!s || !smmusim_parse_u64(s, strlen(s), SMMUSIM_NUM_SUFFIX, &x) || x > max)
		return false;
	*v = x;
	return true;
}

static int bad(const char *msg, const char *arg)
{
	fprintf(stderr, "smmusim bench cd-layouts: %s%s%s%s\n", msg, arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "");
	return SMMUSIM_EXIT_USAGE;
}

/* --set KEY=VALUE: a point dimension (checked on a scratch point) or a configuration key. */
static int opt_set(struct opts *o, char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		return bad("--set wants KEY=VALUE, got", kv);
	if (is_point_dim(kv, (size_t)(eq - kv))) {
		struct point scratch = o->base;
		if (!set_point_dim(&scratch, kv))
			return bad("--set: not a value of this point dimension:", kv);
		if (o->npsets == MAX_SETS)
			return bad("too many --set", NULL);
		o->psets[o->npsets++] = kv;
		return 0;
	}
	if (o->s.nsets == MAX_SETS)
		return bad("too many --set", NULL);
	o->s.sets[o->s.nsets++] = kv;
	return 0;
}

/* --axis KEY=V1,V2,...: each value becomes "KEY=Vi" (validated when the points are made). */
static int opt_axis(struct opts *o, const char *arg)
{
	int rc;
	const char *eq = strchr(arg, '=');
	if (o->naxes == CD_MAX_AXES)
		return bad("at most 4 --axis", NULL);
	struct axis *a = &o->axes[o->naxes];
	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(a->key) || !eq[1])
		return bad("--axis wants KEY=V1,V2,..., got", arg);
	memcpy(a->key, arg, (size_t)(eq - arg));
	a->key[eq - arg] = '\0';
	a->point_key = is_point_dim(a->key, strlen(a->key));
	for (size_t i = 0; i < o->naxes; i++)
		if (!strcmp(o->axes[i].key, a->key))
			return bad("the same key on two axes:", a->key);
	for (const char *v = eq + 1; *v;) {
		size_t len = strcspn(v, ",");
		if (!len || a->n == 32)
			return bad("--axis: empty value or more than 32 values in", arg);
		char *kv = malloc(strlen(a->key) + len + 2);
		if (!kv)
			return bad("out of memory", NULL);
		sprintf(kv, "%s=%.*s", a->key, (int)len, v);
		if (a->point_key) {
			struct point scratch = o->base;
			if (!set_point_dim(&scratch, kv)) {
				rc = bad("--axis: not a value of this point dimension:", kv);
				free(kv);
				return rc;
			}
		}
		a->vals[a->n++] = kv;
		v += len + (v[len] == ',');
	}
	o->naxes++;
	return 0;
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{"list", no_argument, NULL, 'l'},     {"point", required_argument, NULL, 'p'},
		{"shard", required_argument, NULL, 'S'}, {"jobs", required_argument, NULL, 'j'},
		{"out", required_argument, NULL, 'o'}, {"quick", no_argument, NULL, 'q'},
		{"filter", required_argument, NULL, 'f'}, {"dmas", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 's'}, {"window", required_argument, NULL, 'W'},
		{"clock-mhz", required_argument, NULL, 'C'}, {"no-aggregate", no_argument, NULL, 'A'},
		{"preset", required_argument, NULL, 'P'}, {"config", required_argument, NULL, 'c'},
		{"set", required_argument, NULL, 'E'},   {"axis", required_argument, NULL, 'X'},
		{"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0}};
	uint64_t v;
	int c, rc = 0;
	opterr = 0;
	optind = 1;
	while (!rc && (c = getopt_long(argc, argv, ":lp:j:o:qf:n:s:c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'l': o->list = true; break;
		case 'p': o->point = optarg; break;
		case 'S': {
			unsigned i, n;
			char tail;
			if (sscanf(optarg, "%u/%u%c", &i, &n, &tail) != 2 || n == 0 || i >= n)
				return bad("--shard needs I/N with 0 <= I < N, got", optarg);
			o->shard_i = i;
			o->shard_n = n;
			break;
		}
		case 'j':
			if (!parse_u(optarg, 256, &v) || v == 0)
				return bad("--jobs needs a number from 1 to 256, got", optarg);
			o->jobs = (unsigned)v;
			break;
		case 'o': o->out = optarg; break;
		case 'q': o->quick = true; break;
		case 'f': o->filter = optarg; break;
		case 'n':
			if (!parse_u(optarg, 1u << 30, &v) || v == 0)
				return bad("--dmas needs a number from 1 to 2^30, got", optarg);
			o->base.dmas = (uint32_t)v;
			break;
		case 's':
			if (!parse_u(optarg, UINT64_MAX, &v))
				return bad("--seed needs a non-negative number, got", optarg);
			o->base.seed = v;
			break;
		case 'W':
			if (!parse_u(optarg, 4096, &v) || v == 0)
				return bad("--window needs a number from 1 to 4096, got", optarg);
			o->base.window = (unsigned)v;
			break;
		case 'C':
			if (!parse_u(optarg, 100000, &v) || v == 0)
				return bad("--clock-mhz needs a number from 1 to 100000, got", optarg);
			o->base.clock_mhz = (unsigned)v;
			break;
		case 'A': o->aggregate = false; break;
		case 'P': o->s.preset = optarg; break;
		case 'c': o->s.config = optarg; break;
		case 'E': rc = opt_set(o, optarg); break;
		case 'X': rc = opt_axis(o, optarg); break;
		case 'h': usage(stdout); return -1;
		case ':': return bad("missing value for", argv[optind - 1]);
		default: return bad("unknown option", argv[optind - 1]);
		}
	}
	if (rc)
		return rc;
	if (optind < argc)
		return bad("unexpected argument", argv[optind]);
	if (o->list && o->point)
		return bad("--list and --point exclude each other", NULL);
	if (o->point && (o->npsets || o->naxes))
		return bad("--point takes the point dimensions from the ID: give its configuration keys with --set", NULL);
	return 0;
}

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "smmusim bench cd-layouts: %s: cannot create: %s\n", dir, strerror(errno));
		return SMMUSIM_EXIT_INPUT;
	}
	return 0;
}

static void list_points(const struct point *const *sel, size_t nsel)
{
	for (size_t k = 0; k < nsel; k++) {
		const struct point *p = sel[k];
		printf("%s layout=%s pasids=%u alloc=%s access=%s cfg_entries=%u cache_l1=%s dmas=%u window=%u "
		       "clock_mhz=%u hot=%u zipf=%u pages=%u devices=%u tbus=%u churn=%u interval=%u seed=%llu",
		       p->id, cd_layout_names[p->layout], p->pasids, cd_alloc_names[p->alloc], cd_access_names[p->access],
		       p->cfg_entries, p->cache_l1 ? "on" : "off", p->dmas, p->window, p->clock_mhz, p->hot, p->zipf,
		       p->pages, p->devices, p->tbus, p->churn, p->interval, (unsigned long long)p->seed);
		for (size_t i = 0; i < p->naxis_sets; i++)
			printf(" %s", p->axis_sets[i]);
		printf("\n");
	}
}

/* The child's command line: the point, the output, the user's configuration and the axis values. */
static char **child_argv(const struct opts *o, const struct point *p)
{
	char **a = calloc(12 + 2 * (o->s.nsets + p->naxis_sets), sizeof(*a));
	size_t i = 0;
	if (!a)
		return NULL;
	a[i++] = "bench";
	a[i++] = "cd-layouts";
	a[i++] = "--point";
	a[i++] = (char *)p->id;
	a[i++] = "--out";
	a[i++] = (char *)o->out;
	if (o->s.preset) {
		a[i++] = "--preset";
		a[i++] = (char *)o->s.preset;
	}
	if (o->s.config) {
		a[i++] = "--config";
		a[i++] = (char *)o->s.config;
	}
	for (size_t k = 0; k < o->s.nsets; k++) {
		a[i++] = "--set";
		a[i++] = (char *)o->s.sets[k];
	}
	for (size_t k = 0; k < p->naxis_sets; k++) {
		a[i++] = "--set";
		a[i++] = (char *)p->axis_sets[k];
	}
	return a;
}

static int run_shard(const struct opts *o, const struct point *const *sel, size_t nsel)
{
	int rc = make_dir(o->out);
	if (rc)
		return rc;
	char ***argvs = calloc(nsel ? nsel : 1, sizeof(*argvs));
	int *status = calloc(nsel ? nsel : 1, sizeof(*status));
	const struct point **which = calloc(nsel ? nsel : 1, sizeof(*which));
	size_t nrun = 0;
	if (!argvs || !status || !which) {
		fprintf(stderr, "smmusim bench cd-layouts: out of memory\n");
		return SMMUSIM_EXIT_SIM;
	}
	for (size_t k = o->shard_i; k < nsel; k += o->shard_n) {
		if (!(argvs[nrun] = child_argv(o, sel[k])))
			break;
		which[nrun++] = sel[k];
	}
	double t0 = bench_seconds();
	size_t failed = bench_spawn_all(argvs, nrun, o->jobs, status, isatty(2));
	for (size_t k = 0; k < nrun; k++) {
		if (status[k])
			fprintf(stderr, "smmusim bench cd-layouts: point %s failed (exit %d)\n", which[k]->id, status[k]);
		free(argvs[k]);
	}
	free(argvs);
	free(status);
	free(which);
	fprintf(stderr, "smmusim bench cd-layouts: %zu points (shard %u/%u) in %.1f s, %zu failed; results in %s\n", nrun,
		o->shard_i, o->shard_n, bench_seconds() - t0, failed, o->out);
	if (failed)
		return SMMUSIM_EXIT_SIM;
	if (o->shard_n == 1 && o->aggregate) {
		char *av[] = {"aggregate", (char *)o->out, NULL};
		return bench_aggregate(2, av);
	}
	return SMMUSIM_EXIT_OK;
}

/* The base points' configuration cache: that of the preset, file and --set (point dimensions of
 * --set are applied to every point afterwards anyway). */
static int base_cache(struct opts *o, char *err, size_t errlen)
{
	smmusim_config *cfg;
	int rc = bench_config_build(&o->s, NULL, 0, &cfg, err, errlen);
	if (rc)
		return rc;
	const char *e = smmusim_config_get(cfg, "tcu.cfg.entries"), *l1 = smmusim_config_get(cfg, "tcu.cfg.cache_l1");
	uint64_t v = 64;
	smmusim_parse_u64(e, strlen(e), SMMUSIM_NUM_SUFFIX, &v);
	o->base.cfg_entries = (uint32_t)(v <= 65536 ? v : 65536);
	o->base.cache_l1 = false;
	if (!parse_bool(l1, &o->base.cache_l1))
		o->base.cache_l1 = false;
	smmusim_config_free(cfg);
	return 0;
}

static int run_one(const struct opts *o)
{
	struct point p;
	if (!cd_parse_point_id(o->point, &p))
		return bad("not a point ID (see --list):", o->point);
	/* the configuration keys of --set are this point's settings (the parent passes its axis values) */
	int rc = make_dir(o->out);
	return rc ? rc : cd_run_point(o->out, &o->s, &p);
}

/* Every --axis value is a heap string the points refer to: freed once the sweep is done. */
static void free_axes(struct opts *o)
{
	for (size_t a = 0; a < CD_MAX_AXES; a++)
		for (size_t v = 0; v < o->axes[a].n; v++)
			free(o->axes[a].vals[v]);
}

static int cd_layouts(struct opts *o, int argc, char **argv)
{
	int rc = parse_opts(o, argc, argv);
	if (rc)
		return rc < 0 ? SMMUSIM_EXIT_OK : rc;
	if (o->point)
		return run_one(o);
	if (!o->base.dmas)
		o->base.dmas = o->quick ? 4096 : 65536;
	struct list base = {0}, all = {0};
	char err[700];
	if (o->s.preset && !strcmp(o->s.preset, "list")) {
		fputs(smmusim_preset_list(), stdout);
		return SMMUSIM_EXIT_OK;
	}
	if ((rc = base_cache(o, err, sizeof(err)))) {
		fprintf(stderr, "smmusim bench cd-layouts: %s\n", err);
		return rc;
	}
	sweep(o, &base);
	rc = base.oom ? SMMUSIM_EXIT_SIM : expand(o, &base, &all, err, sizeof(err));
	free(base.v);
	if (rc) {
		fprintf(stderr, "smmusim bench cd-layouts: %s\n", rc == SMMUSIM_EXIT_SIM ? "out of memory" : err);
		free(all.v);
		return rc;
	}
	const struct point **sel = calloc(all.n ? all.n : 1, sizeof(*sel));
	size_t nsel = 0;
	for (size_t i = 0; sel && i < all.n; i++)
		if (!o->filter || strstr(all.v[i].id, o->filter))
			sel[nsel++] = &all.v[i];
	if (!sel)
		rc = bad("out of memory", NULL);
	else if (o->list)
		list_points(sel, nsel);
	else if (o->filter && nsel == 0)
		rc = bad("no point matches --filter", o->filter);
	else
		rc = run_shard(o, sel, nsel);
	free(sel);
	free(all.v);
	return rc;
}

int bench_cd_layouts(int argc, char **argv)
{
	static const char *sets[MAX_SETS];
	struct opts o = {.out = "bench-out", .shard_n = 1, .jobs = 1, .aggregate = true};
	o.base = (struct point){.seed = 1, .window = 16, .clock_mhz = 1000, .pages = CD_DEFAULT_PAGES, .devices = 1,
				.tbus = 1, .cfg_entries = 64};
	o.s.sets = sets;
	int rc = cd_layouts(&o, argc, argv);
	free_axes(&o);
	return rc;
}
