/* SPDX-License-Identifier: MIT */
/*
 * smmusim bench cd-layouts: the CD-table layout study. Every point is one deterministic process
 * (SystemC elaborates once per process): --point ID runs one in-process and writes OUT/ID.json;
 * --shard I/N runs points I, I+N, I+2N, ... of the list, one child process each.
 *
 * A point's workload drives the reference driver and the model's asynchronous DMA interface
 * directly (docs/benchmarks.md says why not through a trace file): one device with 20 SSID bits,
 * N live PASIDs attached with iommu_attach_device_pasid to a pool of min(N, 256) paging domains
 * (ASIDs are 16 bits, so 2^20 PASIDs cannot each have their own), each domain mapping 64 KiB.
 * The DMA phase is a closed loop of --window outstanding reads on one master port.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform.h"
#include "smmusim/number.h"

#define MAX_PASID ((1u << 20) - 1)   /* SSID 0 is the RID's: 2^20 - 1 usable PASIDs */
#define DOMAIN_POOL 256u
#define REGION (64u * 1024)          /* bytes each domain maps */
#define IOVA_BASE 0x10000000ull
#define PA_BASE 0x80000000ull
#define LAT_EXACT 65536u
#define BURST 32u
#define SCATTER_MAX_STRIDE 64u

enum { L_LINEAR, L_2L4K, L_2L64K, L_COUNT };
static const char *const layout_names[] = {"linear", "2l-4k", "2l-64k"};
static const enum smmu_cd_layout layout_enum[] = {SMMU_CD_LAYOUT_LINEAR, SMMU_CD_LAYOUT_2L_4K, SMMU_CD_LAYOUT_2L_64K};
enum { A_DENSE, A_SCATTERED, A_STRIDED, A_COUNT };
static const char *const alloc_names[] = {"dense", "scattered", "strided"};
enum { X_STREAM, X_RANDOM, X_BURST };
static const char *const access_names[] = {"stream", "random", "burst"};

struct point {
	char id[128];
	unsigned layout, alloc, access;
	uint32_t pasids, cfg_entries, dmas;
	bool cache_l1;
	uint64_t seed;
	unsigned window;     /* outstanding DMAs of the closed loop */
	unsigned clock_mhz;  /* SMMU clock assumed for transactions per microsecond */
};

struct opts {
	bool quick, list;
	const char *point, *out, *filter;
	unsigned shard_i, shard_n, jobs;
	uint32_t dmas;          /* 0: the sweep's default */
	uint64_t seed;
	unsigned window;
	unsigned clock_mhz;
	bool aggregate;
};

static void point_id(struct point *p)
{
	char mhz[24] = "";
	if (p->clock_mhz != 1000) /* the default clock is left out of the name */
		snprintf(mhz, sizeof(mhz), "_mhz%u", p->clock_mhz);
	snprintf(p->id, sizeof(p->id), "%s_n%u_%s_%s_cfg%u_l1%s_d%u_w%u%s_s%llu", layout_names[p->layout], p->pasids,
		 alloc_names[p->alloc], access_names[p->access], p->cfg_entries, p->cache_l1 ? "on" : "off", p->dmas,
		 p->window, mhz, (unsigned long long)p->seed);
}

/* ---- the sweep ------------------------------------------------------------------------------- */
static size_t add_point(const struct opts *o, struct point *v, size_t n, size_t cap, unsigned layout, uint32_t pasids, unsigned alloc,
			unsigned access, uint32_t cfg, bool l1, uint32_t dmas, uint64_t seed)
{
	struct point p = {.layout = layout, .alloc = alloc, .access = access, .pasids = pasids, .cfg_entries = cfg,
			  .dmas = dmas, .cache_l1 = l1, .seed = seed, .window = o->window,
			  .clock_mhz = o->clock_mhz};
	point_id(&p);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].id, p.id))
			return n; /* the sub-sweeps share points */
	if (n < cap)
		v[n++] = p;
	return n;
}

/*
 * A: footprint and latency against the PASID count: every layout x N x {dense, scattered},
 *    random access, 64-entry configuration cache without L1 descriptors (MMU-600-like).
 * B: access patterns: stream and burst at two N.
 * C: configuration cache: 1024 entries, and L1 descriptors cached, at two N.
 */
static size_t sweep(const struct opts *o, struct point *v, size_t cap)
{
	static const uint32_t full_n[] = {1, 16, 256, 1024, 4096, 65536, MAX_PASID};
	static const uint32_t quick_n[] = {1, 16, 256, 1024};
	const uint32_t *ns = o->quick ? quick_n : full_n;
	size_t nn = o->quick ? 4 : 7;
	uint32_t d = o->dmas ? o->dmas : o->quick ? 4096 : 65536;
	uint32_t b_n[2] = {256, 4096}, c_n[2] = {1024, 65536};
	size_t nb = o->quick ? 1 : 2;
	if (o->quick)
		c_n[0] = 1024;
	size_t n = 0;
	for (unsigned l = 0; l < L_COUNT; l++)
		for (size_t i = 0; i < nn; i++)
			for (unsigned a = A_DENSE; a < A_COUNT; a++)
				if (!(a != A_DENSE && ns[i] > MAX_PASID / 2))
					n = add_point(o, v, n, cap, l, ns[i], a, X_RANDOM, 64, false, d, o->seed);
	for (unsigned l = 0; l < L_COUNT; l++)
		for (size_t i = 0; i < nb; i++)
			for (unsigned x = X_STREAM; x <= X_BURST; x++)
				n = add_point(o, v, n, cap, l, b_n[i], A_DENSE, x, 64, false, d, o->seed);
	for (unsigned l = 0; l < L_COUNT; l++)
		for (size_t i = 0; i < nb; i++) {
			n = add_point(o, v, n, cap, l, c_n[i], A_DENSE, X_RANDOM, 64, true, d, o->seed);
			n = add_point(o, v, n, cap, l, c_n[i], A_DENSE, X_RANDOM, 1024, false, d, o->seed);
			n = add_point(o, v, n, cap, l, c_n[i], A_DENSE, X_RANDOM, 1024, true, d, o->seed);
		}
	return n;
}

static bool parse_point_id(const char *id, struct point *p)
{
	/* layout_nN_alloc_access_cfgE_l1X_dD_wW[_mhzM]_sS: every parameter, canonical spelling only */
	char buf[160], *save = NULL;
	const char *tok[12];
	size_t nt = 0;
	memset(p, 0, sizeof(*p));
	if (strlen(id) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", id);
	for (char *t = strtok_r(buf, "_", &save); t && nt < 12; t = strtok_r(NULL, "_", &save))
		tok[nt++] = t;
	if (nt != 9 && nt != 10)
		return false;
	unsigned long long seed, n, cfg, d, w, mhz = 1000;
	char tail;
	p->layout = p->alloc = p->access = 99;
	for (unsigned i = 0; i < L_COUNT; i++)
		if (!strcmp(tok[0], layout_names[i]))
			p->layout = i;
	for (unsigned i = 0; i < A_COUNT; i++)
		if (!strcmp(tok[2], alloc_names[i]))
			p->alloc = i;
	for (unsigned i = 0; i < 3; i++)
		if (!strcmp(tok[3], access_names[i]))
			p->access = i;
	if (p->layout > 2 || p->alloc >= A_COUNT || p->access > 2)
		return false;
	if (sscanf(tok[1], "n%llu%c", &n, &tail) != 1 || sscanf(tok[4], "cfg%llu%c", &cfg, &tail) != 1 ||
	    (strcmp(tok[5], "l1on") && strcmp(tok[5], "l1off")) || sscanf(tok[6], "d%llu%c", &d, &tail) != 1 ||
	    sscanf(tok[7], "w%llu%c", &w, &tail) != 1 || (nt == 10 && sscanf(tok[8], "mhz%llu%c", &mhz, &tail) != 1) ||
	    sscanf(tok[nt - 1], "s%llu%c", &seed, &tail) != 1)
		return false;
	if (n < 1 || n > MAX_PASID || (p->alloc != A_DENSE && n > MAX_PASID / 2) || cfg > 65536 || d < 1 ||
	    d > (1u << 30) || w < 1 || w > 4096 || mhz < 1 || mhz > 100000)
		return false;
	p->pasids = (uint32_t)n;
	p->cfg_entries = (uint32_t)cfg;
	p->cache_l1 = !strcmp(tok[5], "l1on");
	p->dmas = (uint32_t)d;
	p->window = (unsigned)w;
	p->clock_mhz = (unsigned)mhz;
	p->seed = seed;
	char want[sizeof(p->id)];
	snprintf(want, sizeof(want), "%s", id);
	point_id(p);
	return !strcmp(p->id, want);
}

/* ---- one point ------------------------------------------------------------------------------- */
struct run {
	struct bench_platform pf;
	struct smmu_master *dev;
	struct iommu_domain *dom[DOMAIN_POOL];
	uint32_t ndom;
	uint32_t *live;        /* the live PASIDs, ascending */
	uint32_t stride;       /* scattered: live PASIDs are stride, 2*stride, ... */
	uint64_t rng;
	uint32_t *lat;         /* [LAT_EXACT] histogram */
	uint64_t lat_over, lat_sum, lat_max, done, faults;
	uint64_t first_issue, last_done;
	uint32_t bidx, bline;  /* the current burst */
};

static uint32_t domain_of(const struct run *r, uint32_t pasid)
{
	return (pasid / r->stride) % r->ndom;
}

static int setup(struct run *r, const struct point *p, char *err, size_t errlen)
{
	struct smmu_device *smmu = r->pf.smmu;
	uint32_t sid = 0;
	struct iommu_device_desc desc = {&sid, 1, 20, NULL};
	int rc = iommu_probe_device_ex(smmu, &desc, &r->dev);
	if (rc) {
		snprintf(err, errlen, "iommu_probe_device: error %d", rc);
		return SMMUSIM_EXIT_SIM;
	}
	if (iommu_master_ssid_bits(r->dev) != 20) {
		snprintf(err, errlen, "the device got %u SSID bits, not 20 (smmu.ssidsize?)", iommu_master_ssid_bits(r->dev));
		return SMMUSIM_EXIT_SIM;
	}
	r->ndom = p->pasids < DOMAIN_POOL ? p->pasids : DOMAIN_POOL;
	for (uint32_t d = 0; d < r->ndom; d++) {
		rc = iommu_domain_alloc(smmu, IOMMU_DOMAIN_DMA, &r->dom[d]);
		if (!rc)
			rc = iommu_map(smmu, r->dom[d], IOVA_BASE, PA_BASE + (uint64_t)d * REGION, REGION,
				       IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE | IOMMU_NOEXEC);
		if (rc) {
			snprintf(err, errlen, "domain %u: error %d", d, rc);
			return SMMUSIM_EXIT_SIM;
		}
	}
	/*
	 * dense: PASIDs 1..N from the allocator (lowest free first);
	 * scattered: 1..N*k from the allocator, k = min(64, (2^20-1)/N), then all but every k-th detached
	 * and freed (leaves stay: the driver frees them only with the table);
	 * strided: only k, 2k, ..., N*k attached, k = (2^20-1)/N: spread over the whole SSID space,
	 * caller-chosen (iommu_attach_device_pasid, Linux v6.2+).
	 */
	r->stride = 1;
	if (p->alloc != A_DENSE) {
		r->stride = MAX_PASID / p->pasids;
		if (p->alloc == A_SCATTERED && r->stride > SCATTER_MAX_STRIDE)
			r->stride = SCATTER_MAX_STRIDE; /* N*k attaches: keep the allocation phase bounded */
	}
	r->live = malloc(sizeof(*r->live) * p->pasids);
	if (!r->live) {
		snprintf(err, errlen, "out of memory");
		return SMMUSIM_EXIT_SIM;
	}
	uint32_t total = p->pasids * r->stride, n = 0;
	for (uint32_t i = 1; i <= total; i++) {
		if (p->alloc == A_STRIDED && i % r->stride)
			continue;
		uint32_t pasid = i;
		if (p->alloc != A_STRIDED && (pasid = iommu_alloc_global_pasid(smmu, r->dev)) != i) {
			snprintf(err, errlen, "the PASID allocator gave %u, expected %u", pasid, i);
			return SMMUSIM_EXIT_SIM;
		}
		rc = iommu_attach_device_pasid(smmu, r->dom[domain_of(r, pasid)], r->dev, pasid);
		if (rc) {
			snprintf(err, errlen, "iommu_attach_device_pasid(%u): error %d", pasid, rc);
			return SMMUSIM_EXIT_SIM;
		}
		if ((i & 4095) == 0)
			smmu_evtq_drain(smmu, NULL, NULL);
	}
	for (uint32_t pasid = r->stride; pasid <= total; pasid += r->stride)
		r->live[n++] = pasid;
	for (uint32_t pasid = 1; p->alloc == A_SCATTERED && pasid <= total; pasid++)
		if (pasid % r->stride) {
			iommu_detach_device_pasid(smmu, r->dom[domain_of(r, pasid)], r->dev, pasid);
			iommu_free_global_pasid(smmu, pasid);
		}
	if (n != p->pasids) {
		snprintf(err, errlen, "%u live PASIDs, expected %u", n, p->pasids);
		return SMMUSIM_EXIT_SIM;
	}
	smmu_evtq_drain(smmu, NULL, NULL);
	return 0;
}

/* The i-th access of the pattern: PASID and address. */
static void access_at(struct run *r, const struct point *p, uint64_t i, uint32_t *pasid, uint64_t *addr)
{
	const uint32_t lines = REGION / 64;
	uint32_t idx, line;
	switch (p->access) {
	case X_STREAM: /* every PASID streams through its region, interleaved round robin */
		idx = (uint32_t)(i % p->pasids);
		line = (uint32_t)((i / p->pasids) % lines);
		break;
	case X_BURST: { /* BURST consecutive lines of one random PASID, then another */
		if (i % BURST == 0) {
			uint64_t x = bench_rand(&r->rng);
			r->bidx = (uint32_t)(x % p->pasids);
			r->bline = (uint32_t)((x >> 32) % lines);
		}
		idx = r->bidx;
		line = (r->bline + (uint32_t)(i % BURST)) % lines;
		break;
	}
	default: { /* a random PASID and a random line per access */
		uint64_t x = bench_rand(&r->rng);
		idx = (uint32_t)(x % p->pasids);
		line = (uint32_t)((x >> 32) % lines);
		break;
	}
	}
	*pasid = r->live[idx];
	*addr = IOVA_BASE + (uint64_t)line * 64;
}

static void record(struct run *r, const struct smmusim_dma_result *res)
{
	uint64_t lat = res->done_cycle - res->issue_cycle;
	r->done++;
	r->lat_sum += lat;
	if (lat > r->lat_max)
		r->lat_max = lat;
	if (lat < LAT_EXACT)
		r->lat[lat]++;
	else
		r->lat_over++;
	if (res->status != SMMUSIM_DMA_OK)
		r->faults++;
	if (res->done_cycle > r->last_done)
		r->last_done = res->done_cycle;
}

static uint64_t percentile(const struct run *r, double q)
{
	uint64_t need = (uint64_t)(q * (double)r->done + 0.999999), seen = 0;
	if (!need)
		need = 1;
	for (uint32_t l = 0; l < LAT_EXACT; l++) {
		seen += r->lat[l];
		if (seen >= need)
			return l;
	}
	return r->lat_max;
}

/* Closed loop: `window` reads outstanding; a completion lets the next access issue. */
static int dma_phase(struct run *r, const struct point *p, unsigned window, char *err, size_t errlen)
{
	smmusim_platform *sim = r->pf.sim;
	struct smmusim_dma_result res[64];
	uint64_t next = 0, inflight = 0, idle = 0;
	r->first_issue = smmusim_now(sim);
	while (r->done < p->dmas) {
		while (next < p->dmas && inflight < window) {
			struct smmusim_dma d = {.port = 0, .sid = 0, .ssv = true, .size = 64};
			access_at(r, p, next, &d.ssid, &d.addr);
			if (smmusim_dma_submit(sim, &d, smmusim_now(sim), next) < 0) {
				snprintf(err, errlen, "smmusim_dma_submit refused access %llu", (unsigned long long)next);
				return SMMUSIM_EXIT_SIM;
			}
			next++;
			inflight++;
		}
		smmusim_run(sim, 1);
		size_t n, got = 0;
		while ((n = smmusim_dma_poll(sim, res, 64)) > 0) {
			for (size_t i = 0; i < n; i++)
				record(r, &res[i]);
			inflight -= n;
			got += n;
		}
		idle = got ? 0 : idle + 1;
		if (idle > 10000000) {
			snprintf(err, errlen, "no DMA completed in 10M cycles: the model is stuck");
			return SMMUSIM_EXIT_SIM;
		}
		if ((r->done & 1023) == 0)
			smmu_evtq_drain(r->pf.smmu, NULL, NULL);
	}
	smmu_evtq_drain(r->pf.smmu, NULL, NULL);
	return 0;
}

static const char *const delta_stats[] = {
	"tcu.cfg.lookups", "tcu.cfg.misses", "tcu.cfg.l1_lookups", "tcu.cfg.l1_misses", "mem.reads.l1std",
	"mem.reads.ste",   "mem.reads.l1cd", "mem.reads.cd",       "tbu.utlb.misses",   "tbu.mtlb.misses",
	"tcu.walks",       "tcu.walk.hits",  "mem.reads.pte.l0",   "mem.reads.pte.l1",  "mem.reads.pte.l2",
	"mem.reads.pte.l3"};
#define NDELTA (sizeof(delta_stats) / sizeof(delta_stats[0]))

static int write_result(const struct opts *o, const struct point *p, const struct run *r, const uint64_t *delta,
			const struct smmu_mem_usage *u, const struct smmu_mem_usage *pk, double setup_s, double dma_s,
			char *err, size_t errlen)
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof(path), "%s/%s.json", o->out, p->id);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "cannot create the result file: %s", strerror(errno));
		fprintf(stderr, "%s: cannot create\n", tmp);
		return SMMUSIM_EXIT_INPUT;
	}
	uint64_t cycles = r->last_done - r->first_issue;
	double hit = delta[0] ? 1.0 - (double)delta[1] / (double)delta[0] : 0.0;
	double us = (double)cycles / (double)p->clock_mhz;
	fprintf(f, "{\n");
	fprintf(f, "  \"id\": \"%s\",\n  \"layout\": \"%s\",\n  \"pasids\": %u,\n  \"alloc\": \"%s\",\n"
		   "  \"access\": \"%s\",\n  \"cfg_entries\": %u,\n  \"cache_l1\": %u,\n  \"dmas\": %u,\n  \"seed\": %llu,\n",
		p->id, layout_names[p->layout], p->pasids, alloc_names[p->alloc], access_names[p->access], p->cfg_entries,
		p->cache_l1, p->dmas, (unsigned long long)p->seed);
	fprintf(f, "  \"window\": %u,\n  \"clock_mhz\": %u,\n  \"scatter_stride\": %u,\n  \"domains\": %u,\n", p->window,
		p->clock_mhz, r->stride, r->ndom);
	fprintf(f, "  \"stream_table_bytes\": %llu,\n  \"cd_l1_bytes\": %llu,\n  \"cd_leaf_bytes\": %llu,\n"
		   "  \"cd_table_bytes\": %llu,\n  \"cd_table_peak_bytes\": %llu,\n  \"page_table_bytes\": %llu,\n"
		   "  \"table_bytes\": %llu,\n",
		(unsigned long long)u->stream_table, (unsigned long long)u->cd_l1, (unsigned long long)u->cd_leaves,
		(unsigned long long)u->cd_tables, (unsigned long long)pk->cd_tables, (unsigned long long)u->page_tables,
		(unsigned long long)(u->stream_table + u->cd_tables + u->page_tables));
	fprintf(f, "  \"transactions\": %llu,\n  \"faults\": %llu,\n", (unsigned long long)r->done,
		(unsigned long long)r->faults);
	for (size_t i = 0; i < NDELTA; i++)
		fprintf(f, "  \"%s\": %llu,\n", delta_stats[i], (unsigned long long)delta[i]);
	fprintf(f, "  \"cfg_hit_rate\": %.6f,\n", hit);
	fprintf(f, "  \"latency_mean\": %.3f,\n  \"latency_p50\": %llu,\n  \"latency_p99\": %llu,\n  \"latency_max\": %llu,\n",
		r->done ? (double)r->lat_sum / (double)r->done : 0.0, (unsigned long long)percentile(r, 0.50),
		(unsigned long long)percentile(r, 0.99), (unsigned long long)r->lat_max);
	fprintf(f, "  \"dma_cycles\": %llu,\n  \"throughput_per_us\": %.3f,\n", (unsigned long long)cycles,
		us > 0 ? (double)r->done / us : 0.0);
	fprintf(f, "  \"host\": {\"setup_seconds\": %.3f, \"dma_seconds\": %.3f}\n}\n", setup_s, dma_s);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot write the result file: %s", strerror(errno));
		fprintf(stderr, "%s: write failed\n", path);
		unlink(tmp);
		return SMMUSIM_EXIT_INPUT;
	}
	return 0;
}

static int run_point(const struct opts *o, const struct point *p)
{
	char err[700] = "";
	struct run r = {.rng = p->seed};
	char cfg_e[48], cfg_l1[48], seed[48];
	snprintf(cfg_e, sizeof(cfg_e), "tcu.cfg.entries=%u", p->cfg_entries);
	snprintf(cfg_l1, sizeof(cfg_l1), "tcu.cfg.cache_l1=%u", p->cache_l1);
	snprintf(seed, sizeof(seed), "sim.seed=%llu", (unsigned long long)p->seed);
	/* small caches must stay consistent: ways divide entries (fully associative below 4) */
	const char *sets[4] = {cfg_e, cfg_l1, seed, p->cfg_entries < 4 ? "tcu.cfg.ways=0" : "tcu.cfg.ways=4"};
	double t0 = bench_seconds();
	int status = bench_platform_open(&r.pf, sets, 4, layout_enum[p->layout]);
	if (status)
		snprintf(err, sizeof(err), "%s", r.pf.err);
	r.lat = calloc(LAT_EXACT, sizeof(*r.lat));
	if (!status && !r.lat) {
		snprintf(err, sizeof(err), "out of memory");
		status = SMMUSIM_EXIT_SIM;
	}
	if (!status)
		status = setup(&r, p, err, sizeof(err));
	uint64_t delta[NDELTA];
	struct smmu_mem_usage u = {0}, pk = {0};
	double t1 = bench_seconds();
	if (!status) {
		for (size_t i = 0; i < NDELTA; i++)
			delta[i] = bench_stat(&r.pf, delta_stats[i]);
		status = dma_phase(&r, p, p->window, err, sizeof(err));
	}
	double t2 = bench_seconds();
	if (!status) {
		for (size_t i = 0; i < NDELTA; i++)
			delta[i] = bench_stat(&r.pf, delta_stats[i]) - delta[i];
		u = smmu_get_mem_usage(r.pf.smmu);
		pk = smmu_get_mem_peak(r.pf.smmu);
		status = write_result(o, p, &r, delta, &u, &pk, t1 - t0, t2 - t1, err, sizeof(err));
	}
	if (status)
		fprintf(stderr, "smmusim bench cd-layouts: %s: %s\n", p->id, err);
	bench_platform_close(&r.pf);
	free(r.lat);
	free(r.live);
	return status;
}

/* ---- command line ---------------------------------------------------------------------------- */
static void usage(FILE *out)
{
	fprintf(out,
		"usage: smmusim bench cd-layouts [OPTIONS]\n\n"
		"The CD-table layout study: layouts (linear, 2l-4k, 2l-64k) x live PASIDs (1 .. 2^20-1) x\n"
		"allocation (dense from 1; scattered: N*k allocated, all but every k-th freed; strided: only\n"
		"k, 2k, .. N*k attached, spread over the SSID space) x access\n"
		"(stream, random, burst) x configuration cache (tcu.cfg.entries, tcu.cfg.cache_l1).\n"
		"Each point is one process and one result file OUT/ID.json.\n\n"
		"  -l, --list             print the points, one per line: ID and parameters\n"
		"  -p, --point ID         run one point in this process\n"
		"      --shard I/N        run points I, I+N, I+2N, ... (0 <= I < N), one child process each [0/1]\n"
		"  -j, --jobs J           child processes at once [1]\n"
		"  -o, --out DIR          result directory (created) [bench-out]\n"
		"  -q, --quick            the CI-sized sweep (N up to 1024, 4096 DMAs per point)\n"
		"  -f, --filter TEXT      only points whose ID contains TEXT\n"
		"  -n, --dmas N           DMAs per point [65536; 4096 with --quick]\n"
		"  -s, --seed N           seed of the access pattern and of random replacement [1]\n"
		"      --window W         outstanding DMAs of the closed loop [16]\n"
		"      --clock-mhz MHZ    SMMU clock for transactions per microsecond [1000]\n"
		"      --no-aggregate     do not aggregate OUT after an unsharded run\n"
		"(--point takes every parameter from the ID: layout_nN_alloc_access_cfgE_l1on|off_dD_wW[_mhzM]_sS,\n"
		"the clock only when it is not 1000 MHz)\n"
		"  -h, --help             this help\n\n"
		"Without --list or --point the shard's points run; an unsharded run then aggregates OUT\n"
		"(smmusim bench aggregate OUT). Slurm: --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT;\n"
		"GNU parallel: smmusim bench cd-layouts --list | cut -d' ' -f1 | parallel smmusim bench\n"
		"cd-layouts --point {} --out OUT.\n");
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

int bench_cd_layouts(int argc, char **argv)
{
	static const struct option lo[] = {
		{"list", no_argument, NULL, 'l'},     {"point", required_argument, NULL, 'p'},
		{"shard", required_argument, NULL, 'S'}, {"jobs", required_argument, NULL, 'j'},
		{"out", required_argument, NULL, 'o'}, {"quick", no_argument, NULL, 'q'},
		{"filter", required_argument, NULL, 'f'}, {"dmas", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 's'}, {"window", required_argument, NULL, 'W'},
		{"clock-mhz", required_argument, NULL, 'C'}, {"no-aggregate", no_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0}};
	struct opts o = {.out = "bench-out", .shard_n = 1, .jobs = 1, .seed = 1, .window = 16, .clock_mhz = 1000,
			 .aggregate = true};
	uint64_t v;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":lp:j:o:qf:n:s:h", lo, NULL)) != -1) {
		switch (c) {
		case 'l': o.list = true; break;
		case 'p': o.point = optarg; break;
		case 'S': {
			unsigned i, n;
			char tail;
			if (sscanf(optarg, "%u/%u%c", &i, &n, &tail) != 2 || n == 0 || i >= n)
				return bad("--shard needs I/N with 0 <= I < N, got", optarg);
			o.shard_i = i;
			o.shard_n = n;
			break;
		}
		case 'j':
			if (!parse_u(optarg, 256, &v) || v == 0)
				return bad("--jobs needs a number from 1 to 256, got", optarg);
			o.jobs = (unsigned)v;
			break;
		case 'o': o.out = optarg; break;
		case 'q': o.quick = true; break;
		case 'f': o.filter = optarg; break;
		case 'n':
			if (!parse_u(optarg, 1u << 30, &v) || v == 0)
				return bad("--dmas needs a number from 1 to 2^30, got", optarg);
			o.dmas = (uint32_t)v;
			break;
		case 's':
			if (!parse_u(optarg, UINT64_MAX, &v))
				return bad("--seed needs a non-negative number, got", optarg);
			o.seed = v;
			break;
		case 'W':
			if (!parse_u(optarg, 4096, &v) || v == 0)
				return bad("--window needs a number from 1 to 4096, got", optarg);
			o.window = (unsigned)v;
			break;
		case 'C':
			if (!parse_u(optarg, 100000, &v) || v == 0)
				return bad("--clock-mhz needs a number from 1 to 100000, got", optarg);
			o.clock_mhz = (unsigned)v;
			break;
		case 'A': o.aggregate = false; break;
		case 'h': usage(stdout); return SMMUSIM_EXIT_OK;
		case ':': return bad("missing value for", argv[optind - 1]);
		default: return bad("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("unexpected argument", argv[optind]);
	if (o.list && o.point)
		return bad("--list and --point exclude each other", NULL);

	if (o.point) {
		struct point p;
		if (!parse_point_id(o.point, &p))
			return bad("not a point ID (see --list):", o.point);
		if (mkdir(o.out, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "smmusim bench cd-layouts: %s: cannot create: %s\n", o.out, strerror(errno));
			return SMMUSIM_EXIT_INPUT;
		}
		return run_point(&o, &p);
	}

	struct point pts[256];
	size_t np = sweep(&o, pts, 256), nsel = 0;
	size_t sel[256];
	for (size_t i = 0; i < np; i++)
		if (!o.filter || strstr(pts[i].id, o.filter))
			sel[nsel++] = i;
	if (o.list) {
		for (size_t k = 0; k < nsel; k++) {
			const struct point *p = &pts[sel[k]];
			printf("%s layout=%s pasids=%u alloc=%s access=%s cfg_entries=%u cache_l1=%s dmas=%u window=%u "
			       "clock_mhz=%u seed=%llu\n",
			       p->id, layout_names[p->layout], p->pasids, alloc_names[p->alloc], access_names[p->access],
			       p->cfg_entries, p->cache_l1 ? "on" : "off", p->dmas, p->window, p->clock_mhz,
			       (unsigned long long)p->seed);
		}
		return SMMUSIM_EXIT_OK;
	}
	if (o.filter && nsel == 0)
		return bad("no point matches --filter", o.filter);
	if (mkdir(o.out, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "smmusim bench cd-layouts: %s: cannot create: %s\n", o.out, strerror(errno));
		return SMMUSIM_EXIT_INPUT;
	}
	/* this shard's points, each in its own process */
	char ***argvs = calloc(nsel, sizeof(*argvs));
	int *status = calloc(nsel, sizeof(*status));
	size_t *which = calloc(nsel, sizeof(*which));
	size_t nrun = 0;
	if (!argvs || !status || !which) {
		fprintf(stderr, "smmusim bench cd-layouts: out of memory\n");
		return SMMUSIM_EXIT_SIM;
	}
	for (size_t k = o.shard_i; k < nsel; k += o.shard_n) {
		const struct point *p = &pts[sel[k]];
		char **a = calloc(16, sizeof(*a));
		if (!a)
			break;
		int i = 0;
		a[i++] = "bench";
		a[i++] = "cd-layouts";
		a[i++] = "--point";
		a[i++] = (char *)p->id;
		a[i++] = "--out";
		a[i++] = (char *)o.out;
		a[i] = NULL;
		which[nrun] = sel[k];
		argvs[nrun++] = a;
	}
	double t0 = bench_seconds();
	size_t failed = bench_spawn_all(argvs, nrun, o.jobs, status, isatty(2));
	for (size_t k = 0; k < nrun; k++) {
		if (status[k])
			fprintf(stderr, "smmusim bench cd-layouts: point %s failed (exit %d)\n", pts[which[k]].id, status[k]);
		free(argvs[k]);
	}
	free(argvs);
	free(status);
	free(which);
	fprintf(stderr, "smmusim bench cd-layouts: %zu points (shard %u/%u) in %.1f s, %zu failed; results in %s\n", nrun,
		o.shard_i, o.shard_n, bench_seconds() - t0, failed, o.out);
	if (failed)
		return SMMUSIM_EXIT_SIM;
	if (o.shard_n == 1 && o.aggregate) {
		char *av[] = {"aggregate", (char *)o.out, NULL};
		return bench_aggregate(2, av);
	}
	return SMMUSIM_EXIT_OK;
}
