/* SPDX-License-Identifier: MIT */
/*
 * One point of smmusim bench cd-layouts, in this process: the platform from the point's
 * configuration, its devices and live PASIDs through the reference driver, then the DMA phase
 * through the model's asynchronous interface (smmusim_dma_submit / smmusim_run / smmusim_dma_poll,
 * the calls the replay engine makes), with spare PASIDs bound and unbound while the traffic runs
 * (churn), and the result file OUT/ID.json.
 *
 * Every device gets the same live PASIDs, attached with iommu_attach_device_pasid to a pool of
 * min(N, 256) paging domains (ASIDs are 16 bits, so 2^20 PASIDs cannot each have their own), as
 * processes bound to several devices share their address space.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cd_layouts.h"
#include "platform.h"

#define DOMAIN_POOL 256u
#define MAX_DEVICES 64u
#define IOVA_BASE 0x10000000ull
#define PA_BASE 0x80000000ull
#define BURST 32u
#define SCATTER_MAX_STRIDE 64u
#define OPEN_HORIZON 4096u /* open loop: arrivals submitted this many cycles ahead */

static const enum smmu_cd_layout layout_enum[] = {SMMU_CD_LAYOUT_LINEAR, SMMU_CD_LAYOUT_2L_4K, SMMU_CD_LAYOUT_2L_64K};

struct device {
	struct smmu_master *m;
	uint32_t port;
	uint64_t rng;
	uint64_t issued;      /* this device's accesses so far */
	uint32_t inflight;
	uint32_t bidx, bline; /* the current burst */
	uint64_t next_at;     /* open loop: the next arrival */
};

struct run {
	struct bench_platform pf;
	struct device dev[MAX_DEVICES];
	struct iommu_domain *dom[DOMAIN_POOL];
	uint32_t ndom;
	uint32_t *live;        /* the live PASIDs, ascending */
	uint32_t *hot;         /* the PASIDs that get traffic (hot set), or NULL: every live one */
	double *zipf_cdf;      /* Zipf: cumulative probability of the live PASIDs by rank */
	uint32_t stride;       /* scattered/strided: live PASIDs are stride, 2*stride, ... */
	uint64_t lat_sum, lat_max, done, faults, issued;
	uint64_t first_issue, last_done;
	uint64_t binds, bind_cycles, unbind_cycles, bind_max, unbind_max;
};

static uint32_t domain_of(const struct run *r, uint32_t pasid)
{
	return (pasid / r->stride) % r->ndom;
}

static int fail(char *err, size_t errlen, const char *what, int rc)
{
	snprintf(err, errlen, "%s: error %d", what, rc);
	return SMMUSIM_EXIT_SIM;
}

static int attach_all(struct run *r, const struct point *p, uint32_t pasid, char *err, size_t errlen)
{
	for (unsigned d = 0; d < p->devices; d++) {
		int rc = iommu_attach_device_pasid(r->pf.smmu, r->dom[domain_of(r, pasid)], r->dev[d].m, pasid);
		if (rc) {
			snprintf(err, errlen, "iommu_attach_device_pasid(device %u, PASID %u): error %d", d, pasid, rc);
			return SMMUSIM_EXIT_SIM;
		}
	}
	return 0;
}

static int setup_devices(struct run *r, const struct point *p, char *err, size_t errlen)
{
	struct smmu_device *smmu = r->pf.smmu;
	for (unsigned d = 0; d < p->devices; d++) {
		uint32_t sid = d;
		struct iommu_device_desc desc = {&sid, 1, 20, NULL};
		int rc = iommu_probe_device_ex(smmu, &desc, &r->dev[d].m);
		if (rc)
			return fail(err, errlen, "iommu_probe_device", rc);
		if (iommu_master_ssid_bits(r->dev[d].m) != 20) {
			snprintf(err, errlen, "the device got %u SSID bits, not 20 (smmu.ssidsize?)",
				 iommu_master_ssid_bits(r->dev[d].m));
			return SMMUSIM_EXIT_SIM;
		}
		r->dev[d].port = d % p->tbus;
		r->dev[d].rng = p->seed + 0x632be59bd9b4e019ull * d; /* device 0 keeps the seed's sequence */
	}
	r->ndom = p->pasids < DOMAIN_POOL ? p->pasids : DOMAIN_POOL;
	uint64_t region = (uint64_t)p->pages * 4096;
	for (uint32_t d = 0; d < r->ndom; d++) {
		int rc = iommu_domain_alloc(smmu, IOMMU_DOMAIN_DMA, &r->dom[d]);
		if (!rc)
			rc = iommu_map(smmu, r->dom[d], IOVA_BASE, PA_BASE + (uint64_t)d * region, region,
				       IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE | IOMMU_NOEXEC);
		if (rc) {
			snprintf(err, errlen, "domain %u: error %d", d, rc);
			return SMMUSIM_EXIT_SIM;
		}
	}
	return 0;
}

/*
 * dense: PASIDs 1..N from the allocator (lowest free first);
 * scattered: 1..N*k from the allocator, k = min(64, (2^20-1)/N), then all but every k-th detached
 * and freed (leaves stay: the driver frees them only with the table);
 * strided: only k, 2k, ..., N*k attached, k = (2^20-1)/N: spread over the whole SSID space,
 * caller-chosen (iommu_attach_device_pasid, Linux v6.2+).
 */
static int setup_pasids(struct run *r, const struct point *p, char *err, size_t errlen)
{
	struct smmu_device *smmu = r->pf.smmu;
	r->stride = 1;
	if (p->alloc != A_DENSE) {
		r->stride = CD_MAX_PASID / p->pasids;
		if (p->alloc == A_SCATTERED && r->stride > SCATTER_MAX_STRIDE)
			r->stride = SCATTER_MAX_STRIDE; /* N*k attaches: keep the allocation phase bounded */
	}
	uint32_t total = p->pasids * r->stride, n = 0;
	for (uint32_t i = 1; i <= total; i++) {
		if (p->alloc == A_STRIDED && i % r->stride)
			continue;
		uint32_t pasid = i;
		if (p->alloc != A_STRIDED && (pasid = iommu_alloc_global_pasid(smmu, r->dev[0].m)) != i) {
			snprintf(err, errlen, "the PASID allocator gave %u, expected %u", pasid, i);
			return SMMUSIM_EXIT_SIM;
		}
		int rc = attach_all(r, p, pasid, err, errlen);
		if (rc)
			return rc;
		if ((i & 4095) == 0)
			bench_evtq_drain(&r->pf);
	}
	for (uint32_t pasid = r->stride; pasid <= total; pasid += r->stride)
		r->live[n++] = pasid;
	for (uint32_t pasid = 1; p->alloc == A_SCATTERED && pasid <= total; pasid++)
		if (pasid % r->stride) {
			for (unsigned d = 0; d < p->devices; d++)
				iommu_detach_device_pasid(smmu, r->dom[domain_of(r, pasid)], r->dev[d].m, pasid);
			iommu_free_global_pasid(smmu, pasid);
		}
	if (n != p->pasids) {
		snprintf(err, errlen, "%u live PASIDs, expected %u", n, p->pasids);
		return SMMUSIM_EXIT_SIM;
	}
	bench_evtq_drain(&r->pf);
	return 0;
}

/* The PASIDs the traffic goes to: H hot ones spread evenly over the live list, or Zipf ranks. */
static int setup_traffic(struct run *r, const struct point *p, char *err, size_t errlen)
{
	if (p->hot) {
		r->hot = malloc(sizeof(*r->hot) * p->hot);
		if (!r->hot)
			goto oom;
		for (uint32_t j = 0; j < p->hot; j++)
			r->hot[j] = r->live[smmusim_hot_index(j, p->hot, p->pasids)];
	}
	if (p->zipf) {
		r->zipf_cdf = malloc(sizeof(*r->zipf_cdf) * p->pasids);
		if (!r->zipf_cdf)
			goto oom;
		smmusim_zipf_cdf(r->zipf_cdf, p->pasids);
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return SMMUSIM_EXIT_SIM;
}

/* A PASID of the traffic from a random number: uniform over the hot set or the live list, or Zipf. */
static uint32_t pick(const struct run *r, const struct point *p, uint64_t x)
{
	if (p->zipf)
		return r->live[smmusim_zipf_rank(r->zipf_cdf, p->pasids, x)];
	uint32_t n = p->hot ? p->hot : p->pasids;
	const uint32_t *v = p->hot ? r->hot : r->live;
	return v[(uint32_t)(x % n)];
}

/* The next access of device d: PASID and address. */
static void access_next(struct run *r, const struct point *p, struct device *d, uint32_t *pasid, uint64_t *addr)
{
	const uint32_t lines = p->pages * (4096u / 64);
	const uint64_t i = d->issued++;
	uint32_t line;
	switch (p->access) {
	case X_STREAM: { /* every PASID streams through its region, interleaved round robin */
		uint32_t n = p->hot ? p->hot : p->pasids;
		const uint32_t *v = p->hot ? r->hot : r->live;
		*pasid = v[i % n];
		line = (uint32_t)((i / n) % lines);
		break;
	}
	case X_BURST: /* BURST consecutive lines of one random PASID, then another */
		if (i % BURST == 0) {
			uint64_t x = bench_rand(&d->rng);
			d->bidx = pick(r, p, x);
			d->bline = (uint32_t)((x >> 32) % lines);
		}
		*pasid = d->bidx;
		line = (d->bline + (uint32_t)(i % BURST)) % lines;
		break;
	default: { /* a random PASID and a random line per access */
		uint64_t x = bench_rand(&d->rng);
		*pasid = pick(r, p, x);
		line = (uint32_t)((x >> 32) % lines);
		break;
	}
	}
	*addr = IOVA_BASE + (uint64_t)line * 64;
}

static void record(struct run *r, const struct smmusim_dma_result *res)
{
	uint64_t lat = res->done_cycle - res->issue_cycle;
	r->done++;
	r->lat_sum += lat;
	if (lat > r->lat_max)
		r->lat_max = lat;
	if (res->event) /* a fault raised its event (recorded or suppressed): the model's dma.faults */
		r->faults++;
	if (res->done_cycle > r->last_done)
		r->last_done = res->done_cycle;
}

/*
 * Churn: a spare PASID from the allocator bound to device 0 and unbound again while the other
 * PASIDs' traffic is in flight (the driver's CMD_SYNC waits advance the simulation, so DMAs already
 * submitted progress meanwhile). Its cost is the simulated cycles each call takes.
 */
static int churn_once(struct run *r, const struct point *p, char *err, size_t errlen)
{
	struct smmu_device *smmu = r->pf.smmu;
	smmusim_platform *sim = r->pf.sim;
	uint32_t pasid = iommu_alloc_global_pasid(smmu, r->dev[0].m);
	if (!pasid || pasid > CD_MAX_PASID) {
		snprintf(err, errlen, "churn: no free PASID");
		return SMMUSIM_EXIT_SIM;
	}
	struct iommu_domain *dom = r->dom[r->binds % r->ndom];
	uint64_t t0 = smmusim_now(sim);
	int rc = iommu_attach_device_pasid(smmu, dom, r->dev[0].m, pasid);
	if (rc)
		return fail(err, errlen, "churn: iommu_attach_device_pasid", rc);
	uint64_t t1 = smmusim_now(sim);
	iommu_detach_device_pasid(smmu, dom, r->dev[0].m, pasid);
	uint64_t t2 = smmusim_now(sim);
	if (p->alloc != A_STRIDED || pasid % r->stride)
		iommu_free_global_pasid(smmu, pasid);
	r->binds++;
	r->bind_cycles += t1 - t0;
	r->unbind_cycles += t2 - t1;
	if (t1 - t0 > r->bind_max)
		r->bind_max = t1 - t0;
	if (t2 - t1 > r->unbind_max)
		r->unbind_max = t2 - t1;
	return 0;
}

static int submit(struct run *r, const struct point *p, struct device *d, unsigned di, uint64_t at, char *err,
		  size_t errlen)
{
	struct smmusim_dma x = {.port = d->port, .sid = di, .ssv = true, .size = 64};
	access_next(r, p, d, &x.ssid, &x.addr);
	if (smmusim_dma_submit(r->pf.sim, &x, at, di) < 0) {
		snprintf(err, errlen, "smmusim_dma_submit refused access %llu", (unsigned long long)r->issued);
		return SMMUSIM_EXIT_SIM;
	}
	r->issued++;
	d->inflight++;
	return 0;
}

/* Exponential inter-arrival time of mean `mean` cycles, at least 1. */
static uint64_t interarrival(struct device *d, uint32_t mean)
{
	double u = ((double)(bench_rand(&d->rng) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
	uint64_t t = (uint64_t)(-log(u) * (double)mean + 0.5);
	return t ? t : 1;
}

/*
 * Issue what may issue now: closed loop, a device with fewer than `window` DMAs in flight issues
 * (devices in turn); open loop, every arrival up to OPEN_HORIZON cycles ahead is submitted at its
 * arrival cycle. Churn runs when the issued count crosses a multiple of 1000 / churn.
 */
static int issue(struct run *r, const struct point *p, uint64_t *next_churn, char *err, size_t errlen)
{
	uint64_t now = smmusim_now(r->pf.sim);
	bool more = true;
	while (more && r->issued < p->dmas) {
		more = false;
		for (unsigned di = 0; di < p->devices && r->issued < p->dmas; di++) {
			struct device *d = &r->dev[di];
			if (p->interval ? d->next_at > now + OPEN_HORIZON : d->inflight >= p->window)
				continue;
			int rc = submit(r, p, d, di, p->interval ? d->next_at : now, err, errlen);
			if (rc)
				return rc;
			if (p->interval)
				d->next_at += interarrival(d, p->interval);
			more = true;
		}
		if (p->churn && r->issued >= *next_churn) {
			*next_churn += 1000 / p->churn;
			int rc = churn_once(r, p, err, errlen);
			if (rc)
				return rc;
			now = smmusim_now(r->pf.sim);
		}
	}
	return 0;
}

static int dma_phase(struct run *r, const struct point *p, char *err, size_t errlen)
{
	smmusim_platform *sim = r->pf.sim;
	struct smmusim_dma_result res[64];
	uint64_t idle = 0, next_churn = p->churn ? 1000 / p->churn : 0;
	r->first_issue = smmusim_now(sim);
	for (unsigned di = 0; p->interval && di < p->devices; di++)
		r->dev[di].next_at = r->first_issue + interarrival(&r->dev[di], p->interval);
	while (r->done < p->dmas) {
		int rc = issue(r, p, &next_churn, err, errlen);
		if (rc)
			return rc;
		smmusim_run(sim, 1);
		size_t n, got = 0;
		while ((n = smmusim_dma_poll(sim, res, 64)) > 0) {
			for (size_t i = 0; i < n; i++) {
				record(r, &res[i]);
				r->dev[res[i].tag].inflight--;
			}
			got += n;
		}
		idle = got ? 0 : idle + 1;
		if (idle > 10000000) {
			snprintf(err, errlen, "no DMA completed in 10M cycles: the model is stuck");
			return SMMUSIM_EXIT_SIM;
		}
		if ((r->done & 1023) == 0)
			bench_evtq_drain(&r->pf);
	}
	bench_evtq_drain(&r->pf);
	return 0;
}

/* Model counters of the DMA phase (deltas), in the result file under these names. */
static const char *const delta_stats[] = {
	"tcu.cfg.lookups", "tcu.cfg.misses", "tcu.cfg.l1_lookups", "tcu.cfg.l1_misses", "mem.reads.l1std",
	"mem.reads.ste",   "mem.reads.l1cd", "mem.reads.cd",       "tbu.utlb.misses",   "tbu.mtlb.misses",
	"tcu.walks",       "tcu.walk.hits",  "mem.reads.pte.l0",   "mem.reads.pte.l1",  "mem.reads.pte.l2",
	"mem.reads.pte.l3", "tcu.walk.lookups", "cmdq.commands", "mem.data.reads", "mem.data.writes",
	/* system-level cache hits per kind of read, in the order of slc_kinds */
	"mem.slc.hits.l1std", "mem.slc.hits.ste", "mem.slc.hits.l1cd", "mem.slc.hits.cd", "mem.slc.hits.pte.l0",
	"mem.slc.hits.pte.l1", "mem.slc.hits.pte.l2", "mem.slc.hits.pte.l3", "mem.slc.hits.data"};
#define NDELTA (sizeof(delta_stats) / sizeof(delta_stats[0]))
enum { D_CFG_LOOKUPS, D_CFG_MISSES, D_WALK_HITS = 11, D_WALK_LOOKUPS = 16 };

/* The kinds of read whose system-level cache misses the result file reports: the reads of the
 * kind (mem.reads.KIND; data: its reads and writes) minus its hits, the ones the memory channel
 * served. */
static const char *const slc_kinds[] = {"l1std", "ste", "l1cd", "cd", "pte.l0", "pte.l1", "pte.l2", "pte.l3", "data"};
#define NSLC (sizeof(slc_kinds) / sizeof(slc_kinds[0]))

struct outcome {
	uint64_t delta[NDELTA];
	struct smmu_mem_usage u, pk;
	uint64_t xlate_sum, xlate_count, xlate_p50, xlate_p99, xlate_max;
	uint64_t lat_p50, lat_p99; /* the model's DMA latency percentiles (its one implementation) */
	char settings[4096];
	size_t nsettings;
	double setup_s, dma_s;
};

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static uint64_t delta_of(const struct outcome *o, const char *name)
{
	for (size_t i = 0; i < NDELTA; i++)
		if (!strcmp(delta_stats[i], name))
			return o->delta[i];
	return 0;
}

/* "mem.slc.misses.KIND" of each kind of read (its hits are among the deltas). */
static void write_slc_misses(FILE *f, const struct outcome *o)
{
	char name[64];
	for (size_t k = 0; k < NSLC; k++) {
		uint64_t reads;
		if (!strcmp(slc_kinds[k], "data")) {
			reads = delta_of(o, "mem.data.reads") + delta_of(o, "mem.data.writes");
		} else {
			snprintf(name, sizeof(name), "mem.reads.%s", slc_kinds[k]);
			reads = delta_of(o, name);
		}
		snprintf(name, sizeof(name), "mem.slc.hits.%s", slc_kinds[k]);
		const uint64_t hits = delta_of(o, name);
		fprintf(f, "  \"mem.slc.misses.%s\": %llu,\n", slc_kinds[k], (unsigned long long)(reads - hits));
	}
}

static void write_fields(FILE *f, const struct point *p, const struct run *r, const struct outcome *o,
			 const struct bench_settings *s)
{
	uint64_t cycles = r->last_done - r->first_issue;
	double us = (double)cycles / (double)p->clock_mhz;
	fprintf(f, "{\n  \"id\": \"%s\",\n  \"layout\": \"%s\",\n  \"pasids\": %u,\n  \"alloc\": \"%s\",\n"
		   "  \"access\": \"%s\",\n  \"cfg_entries\": %u,\n  \"cache_l1\": %u,\n  \"dmas\": %u,\n  \"seed\": %llu,\n",
		p->id, cd_layout_names[p->layout], p->pasids, cd_alloc_names[p->alloc], cd_access_names[p->access],
		p->cfg_entries, p->cache_l1, p->dmas, (unsigned long long)p->seed);
	fprintf(f, "  \"window\": %u,\n  \"clock_mhz\": %u,\n  \"hot\": %u,\n  \"zipf\": %u,\n  \"pages\": %u,\n"
		   "  \"devices\": %u,\n  \"tbus\": %u,\n  \"churn\": %u,\n  \"interval\": %u,\n",
		p->interval ? 0 : p->window, p->clock_mhz, p->hot, p->zipf, p->pages, p->devices, p->tbus, p->churn,
		p->interval);
	fprintf(f, "  \"preset\": \"%s\",\n  \"settings_hash\": \"%08x\",\n", s->preset ? s->preset : "", p->xhash);
	/* every non-default setting on its own line: "set.KEY": "VALUE" */
	char buf[sizeof(o->settings)];
	snprintf(buf, sizeof(buf), "%s", o->settings);
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		*eq = '\0';
		fprintf(f, "  \"set.%s\": \"%s\",\n", line, eq + 1);
	}
	fprintf(f, "  \"scatter_stride\": %u,\n  \"domains\": %u,\n", r->stride, r->ndom);
	fprintf(f, "  \"stream_table_bytes\": %llu,\n  \"cd_l1_bytes\": %llu,\n  \"cd_leaf_bytes\": %llu,\n"
		   "  \"cd_table_bytes\": %llu,\n  \"cd_table_peak_bytes\": %llu,\n  \"page_table_bytes\": %llu,\n"
		   "  \"table_bytes\": %llu,\n",
		(unsigned long long)o->u.stream_table, (unsigned long long)o->u.cd_l1, (unsigned long long)o->u.cd_leaves,
		(unsigned long long)o->u.cd_tables, (unsigned long long)o->pk.cd_tables,
		(unsigned long long)o->u.page_tables,
		(unsigned long long)(o->u.stream_table + o->u.cd_tables + o->u.page_tables));
	fprintf(f, "  \"transactions\": %llu,\n  \"faults\": %llu,\n", (unsigned long long)r->done,
		(unsigned long long)r->faults);
	for (size_t i = 0; i < NDELTA; i++)
		fprintf(f, "  \"%s\": %llu,\n", delta_stats[i], (unsigned long long)o->delta[i]);
	write_slc_misses(f, o);
	fprintf(f, "  \"cfg_hit_rate\": %.6f,\n  \"walk_hit_rate\": %.6f,\n",
		1.0 - ratio(o->delta[D_CFG_MISSES], o->delta[D_CFG_LOOKUPS]),
		ratio(o->delta[D_WALK_HITS], o->delta[D_WALK_LOOKUPS]));
	fprintf(f, "  \"xlate_latency_mean\": %.3f,\n  \"xlate_latency_p50\": %llu,\n  \"xlate_latency_p99\": %llu,\n"
		   "  \"xlate_latency_max\": %llu,\n",
		ratio(o->xlate_sum, o->xlate_count), (unsigned long long)o->xlate_p50, (unsigned long long)o->xlate_p99,
		(unsigned long long)o->xlate_max);
	fprintf(f, "  \"latency_mean\": %.3f,\n  \"latency_p50\": %llu,\n  \"latency_p99\": %llu,\n  \"latency_max\": %llu,\n",
		ratio(r->lat_sum, r->done), (unsigned long long)o->lat_p50, (unsigned long long)o->lat_p99,
		(unsigned long long)r->lat_max);
	fprintf(f, "  \"binds\": %llu,\n  \"bind_cycles_mean\": %.3f,\n  \"bind_cycles_max\": %llu,\n"
		   "  \"unbind_cycles_mean\": %.3f,\n  \"unbind_cycles_max\": %llu,\n",
		(unsigned long long)r->binds, ratio(r->bind_cycles, r->binds), (unsigned long long)r->bind_max,
		ratio(r->unbind_cycles, r->binds), (unsigned long long)r->unbind_max);
	/* offered load: DMAs per microsecond of all devices; 0 in a closed loop */
	fprintf(f, "  \"dma_cycles\": %llu,\n  \"offered_per_us\": %.3f,\n  \"throughput_per_us\": %.3f,\n",
		(unsigned long long)cycles,
		p->interval ? (double)p->devices * (double)p->clock_mhz / (double)p->interval : 0.0,
		us > 0 ? (double)r->done / us : 0.0);
	fprintf(f, "  \"host\": {\"setup_seconds\": %.3f, \"dma_seconds\": %.3f}\n}\n", o->setup_s, o->dma_s);
}

static int write_result(const char *out, const struct point *p, const struct run *r, const struct outcome *o,
			const struct bench_settings *s, char *err, size_t errlen)
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof(path), "%s/%s.json", out, p->id);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "%.600s: cannot create: %s", tmp, strerror(errno));
		return SMMUSIM_EXIT_INPUT;
	}
	write_fields(f, p, r, o, s);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%.600s: cannot write: %s", path, strerror(errno));
		unlink(tmp);
		return SMMUSIM_EXIT_INPUT;
	}
	return 0;
}

/* The point's configuration: the user's settings, then the point's own keys (they win). */
static int point_config(const struct bench_settings *s, const struct point *p, struct outcome *o, smmusim_config **cfg,
			char *err, size_t errlen)
{
	int rc = bench_config_build(s, p->axis_sets, p->naxis_sets, cfg, err, errlen);
	if (rc)
		return rc;
	uint32_t h;
	o->nsettings = bench_config_diff(*cfg, cd_point_keys, o->settings, sizeof(o->settings), &h);
	if (h != p->xhash) {
		snprintf(err, errlen, "the settings (hash %08x) are not those of the point ID (hash %08x): give the same "
				      "--preset, --config, --set and --axis as for --list", h, p->xhash);
		return SMMUSIM_EXIT_USAGE;
	}
	char v[32];
	const char *keys[] = {"tcu.cfg.entries", "tcu.cfg.cache_l1", "sim.seed"};
	for (int i = 0; i < 3 && !rc; i++) {
		snprintf(v, sizeof(v), "%llu", i == 0 ? (unsigned long long)p->cfg_entries : i == 1 ? (unsigned long long)p->cache_l1
													  : (unsigned long long)p->seed);
		rc = smmusim_config_set(*cfg, keys[i], v, err, errlen) < 0 ? SMMUSIM_EXIT_USAGE : 0;
	}
	/* small caches must stay consistent: ways divide entries (fully associative below 4) */
	if (!rc && p->cfg_entries < 4)
		rc = smmusim_config_set(*cfg, "tcu.cfg.ways", "0", err, errlen) < 0 ? SMMUSIM_EXIT_USAGE : 0;
	const char *tc = smmusim_config_get(*cfg, "tbu.count");
	if (!rc && strtoull(tc, NULL, 0) < p->tbus) {
		snprintf(err, errlen, "%u TBUs wanted, tbu.count is %s", p->tbus, tc);
		rc = SMMUSIM_EXIT_USAGE;
	}
	return rc;
}

static int measure(struct run *r, const struct point *p, struct outcome *o, char *err, size_t errlen)
{
	for (size_t i = 0; i < NDELTA; i++)
		o->delta[i] = bench_stat(&r->pf, delta_stats[i]);
	/* the translation-only latency (issue to translation known at the TBU): the model's histogram,
	 * which only DMAs feed, so it holds the DMA phase alone */
	int rc = dma_phase(r, p, err, errlen);
	if (rc)
		return rc;
	for (size_t i = 0; i < NDELTA; i++)
		o->delta[i] = bench_stat(&r->pf, delta_stats[i]) - o->delta[i];
	o->xlate_sum = bench_stat(&r->pf, "xlate.latency.sum");
	o->xlate_count = bench_stat(&r->pf, "xlate.latency.count");
	o->xlate_p50 = bench_stat(&r->pf, "xlate.latency.p50");
	o->xlate_p99 = bench_stat(&r->pf, "xlate.latency.p99");
	o->xlate_max = bench_stat(&r->pf, "xlate.latency.max");
	o->lat_p50 = bench_stat(&r->pf, "latency.p50");
	o->lat_p99 = bench_stat(&r->pf, "latency.p99");
	if (o->xlate_count != r->done) {
		snprintf(err, errlen, "the model counted %llu translations for %llu DMAs",
			 (unsigned long long)o->xlate_count, (unsigned long long)r->done);
		return SMMUSIM_EXIT_SIM;
	}
	o->u = smmu_get_mem_usage(r->pf.smmu);
	o->pk = smmu_get_mem_peak(r->pf.smmu);
	return 0;
}

int cd_run_point(const char *out, const struct bench_settings *s, const struct point *p)
{
	char err[700] = "";
	struct run r = {0};
	struct outcome *o = calloc(1, sizeof(*o));
	smmusim_config *cfg = NULL;
	double t0 = bench_seconds();
	int status = o ? point_config(s, p, o, &cfg, err, sizeof(err)) : SMMUSIM_EXIT_SIM;
	if (!status) {
		status = bench_platform_open_cfg(&r.pf, cfg, layout_enum[p->layout]);
		if (status)
			snprintf(err, sizeof(err), "%s", r.pf.err);
	} else {
		smmusim_config_free(cfg);
	}
	r.live = malloc(sizeof(*r.live) * p->pasids);
	if (!status && !r.live) {
		snprintf(err, sizeof(err), "out of memory");
		status = SMMUSIM_EXIT_SIM;
	}
	if (!status)
		status = setup_devices(&r, p, err, sizeof(err));
	if (!status)
		status = setup_pasids(&r, p, err, sizeof(err));
	if (!status)
		status = setup_traffic(&r, p, err, sizeof(err));
	double t1 = bench_seconds();
	if (!status)
		status = measure(&r, p, o, err, sizeof(err));
	if (!status) {
		o->setup_s = t1 - t0;
		o->dma_s = bench_seconds() - t1;
		status = write_result(out, p, &r, o, s, err, sizeof(err));
	}
	if (status)
		fprintf(stderr, "smmusim bench cd-layouts: %s: %s\n", p->id, err);
	bench_platform_close(&r.pf);
	free(r.live);
	free(r.hot);
	free(r.zipf_cdf);
	free(o);
	return status;
}
