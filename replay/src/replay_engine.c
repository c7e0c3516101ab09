/* SPDX-License-Identifier: MIT */
/*
 * Replay: one pass over the trace, each record checked and then executed, so a trace can come
 * from a pipe ("-"). A bad line stops the run with "FILE:LINE: reason" and no results. Control
 * records run through the reference driver at their time; DMA records go to the model with
 * smmusim_dma_submit and complete asynchronously. Trace cycle 0 is the cycle at which the driver
 * finished bringing the SMMU up.
 */
#include "replay_engine.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <smmusim/bringup.h>
#include <smmusim/smmusim.h>
#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>

#include "smmusim/cli_common.h"
#include "timeline.h"

#define WINDOW 4096           /* outstanding DMA before the replay lets the simulation catch up */
#define STR_(x) #x
#define STR(x) STR_(x)
#define STALL_CYCLES 100000000ull /* no completion for this long: the model is stuck */
#define REPLAY_MEM_SIZE "64T"     /* mem.size unless the user sets it: the largest the model allows */

/* ---- Name -> driver object, keyed by the reader's interned name pointers --------------------- */
struct objmap {
	const char **keys;
	void **vals;
	size_t size, used;
};

static size_t ptr_slot(const struct objmap *m, const char *k)
{
	return (size_t)(((uintptr_t)k >> 3) * 0x9e3779b97f4a7c15ull >> 20) & (m->size - 1);
}

static void *obj_get(const struct objmap *m, const char *k)
{
	if (!m->size)
		return NULL;
	for (size_t j = ptr_slot(m, k); m->keys[j]; j = (j + 1) & (m->size - 1))
		if (m->keys[j] == k)
			return m->vals[j];
	return NULL;
}

static bool obj_put(struct objmap *m, const char *k, void *v)
{
	if ((m->used + 1) * 2 > m->size) {
		size_t nsize = m->size ? m->size * 2 : 64;
		const char **keys = calloc(nsize, sizeof(*keys));
		void **vals = calloc(nsize, sizeof(*vals));
		if (!keys || !vals) {
			free(keys);
			free(vals);
			return false;
		}
		struct objmap n = {keys, vals, nsize, 0};
		for (size_t i = 0; i < m->size; i++)
			if (m->keys[i] && m->vals[i]) {
				size_t j = ptr_slot(&n, m->keys[i]);
				while (keys[j])
					j = (j + 1) & (nsize - 1);
				keys[j] = m->keys[i];
				vals[j] = m->vals[i];
				n.used++;
			}
		free(m->keys);
		free(m->vals);
		*m = n;
	}
	size_t j = ptr_slot(m, k);
	while (m->keys[j] && m->keys[j] != k)
		j = (j + 1) & (m->size - 1);
	if (!m->keys[j])
		m->used++;
	m->keys[j] = k;
	m->vals[j] = v;
	return true;
}

static void obj_free(struct objmap *m)
{
	free(m->keys);
	free(m->vals);
}

/* ---- The run --------------------------------------------------------------------------------- */

/* Driver-visible cost of each kind of control record: the cycles from its start to the driver's
 * return (commands, their CMD_SYNC waits and the polls included). */
struct api_cost {
	uint64_t calls, cycles, max;
};

struct replay {
	const struct replay_options *o;
	struct api_cost api[TRACE_KIND_COUNT];
	smmusim_config *cfg;
	smmusim_platform *sim;
	struct smmu_device *smmu;
	trace_checker *chk;
	struct objmap masters, domains, attached; /* attached: device name -> its primary domain */
	uint64_t mem_size, tbu_count; /* from the configuration */
	uint64_t t0;                  /* simulated cycle of trace cycle 0 */
	uint64_t now;                 /* the simulated cycle, as of the last thing that could advance it */
	uint64_t last_at;             /* latest issue time submitted */
	uint64_t submitted, completed, ok, aborts, razwi;
	uint64_t late, late_cycles;   /* DMA the replay window made issue after its trace time, and by how much */
	bool pasid_warned;
	timeline *tl;                 /* --timeline, NULL when off (every hook is one test then) */
	FILE *trace_out;              /* --trace-events: stderr or --trace-file */
	struct smmu_mem_usage usage, peak; /* the driver's exact table bytes at the end, and their peaks */
	double host_start;
	char err[800];
};

static int rfail(struct replay *r, const struct trace_record *rec, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int rfail(struct replay *r, const struct trace_record *rec, int status, const char *fmt, ...)
{
	char msg[480];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rec)
		snprintf(r->err, sizeof(r->err), "%s:%llu: %s", r->o->trace, (unsigned long long)rec->line, msg);
	else
		snprintf(r->err, sizeof(r->err), "smmusim replay: %s", msg);
	return status;
}

static const char *errname(int rc)
{
	return strerror(rc < 0 ? -rc : rc);
}

static void collect(struct replay *r)
{
	struct smmusim_dma_result res[256];
	size_t n;
	do {
		n = smmusim_dma_poll(r->sim, res, 256);
		for (size_t i = 0; i < n; i++) {
			if (r->tl)
				timeline_complete(r->tl, &res[i]);
			r->completed++;
			switch (res[i].status) {
			case SMMUSIM_DMA_OK: r->ok++; break;
			case SMMUSIM_DMA_ABORT: r->aborts++; break;
			default: r->razwi++; break;
			}
		}
	} while (n == 256); /* fewer than asked for: none due is left */
	if (r->tl) {
		timeline_commands(r->tl, r->sim, false);
		timeline_sample(r->tl, r->sim, false);
	}
}

/* The driver drains the event queue as an interrupt handler would, so it never overflows. The
 * handler runs on a CPU of its own, alongside the trace's DMA: its register reads do not hold the
 * DMA back (only the driver calls of control records wait for theirs, docs/timing.md). */
static void drain_events(struct replay *r)
{
	const int timed = smmusim_reg_read_timing(r->sim, 0);
	smmu_evtq_drain(r->smmu, NULL, NULL);
	smmu_gerror_handle(r->smmu);
	smmusim_reg_read_timing(r->sim, timed);
}

/*
 * The DMA in flight: every result with a completion cycle up to now is collected as soon as the
 * simulation runs (collect), so this equals the model's smmusim_dma_outstanding, which counts by
 * walking the completion queue and so costs too much to ask once per DMA.
 */
static size_t in_flight(const struct replay *r)
{
	return (size_t)(r->submitted - r->completed);
}

/* Let the simulation reach cycle `until`, collecting completions and draining events. */
static void run_to(struct replay *r, uint64_t until)
{
	assert(r->now == smmusim_now(r->sim));
	if (until > r->now) {
		smmusim_run(r->sim, until - r->now);
		r->now = until; /* smmusim_run advances by exactly that many cycles */
		assert(r->now == smmusim_now(r->sim));
	}
	collect(r);
}

/*
 * Run until fewer than `limit` transactions are outstanding. The step grows while nothing
 * completes (DMA may be scheduled far ahead), and a model that completes nothing for
 * STALL_CYCLES after the last scheduled issue time is reported as stuck.
 */
static int drain_to(struct replay *r, size_t limit)
{
	uint64_t step = 64, done = r->completed, last_progress = r->now;
	assert(in_flight(r) == smmusim_dma_outstanding(r->sim));
	while (in_flight(r) > limit) {
		run_to(r, r->now + step);
		drain_events(r);
		const uint64_t now = r->now = smmusim_now(r->sim);
		if (r->completed != done) {
			done = r->completed;
			last_progress = now;
			step = 64;
		} else {
			if (step < (1u << 20))
				step *= 2;
			uint64_t from = last_progress > r->last_at ? last_progress : r->last_at;
			if (now > from + STALL_CYCLES)
				return rfail(r, NULL, SMMUSIM_EXIT_SIM,
					     "no DMA completed in %llu cycles (%zu outstanding): the model is stuck",
					     STALL_CYCLES, smmusim_dma_outstanding(r->sim));
		}
	}
	return 0;
}

/* Keep fewer than WINDOW transactions in flight: masters cannot queue without bound either. Out of
 * line, as exec_control: the DMA path then needs no stack frame of theirs. */
static __attribute__((noinline)) int throttle(struct replay *r)
{
	return drain_to(r, WINDOW / 2);
}

/* The error paths of exec_dma, out of line: the DMA path is the replay's per-record work. */
static __attribute__((noinline, cold)) int dma_refused(struct replay *r, const struct trace_record *rec, int rc)
{
	return rfail(r, rec, SMMUSIM_EXIT_SIM, "smmusim_dma_submit refused the DMA: %s", errname(rc));
}

static int exec_dma(struct replay *r, const struct trace_checked *c)
{
	const struct trace_record *rec = &c->rec;
	const struct smmusim_dma d = {.port = c->port, .sid = c->sid, .ssv = c->pasid >= 0, .ssid = c->pasid >= 0 ? (uint32_t)c->pasid : 0,
				      .addr = rec->u.dma.addr, .size = rec->u.dma.size, .write = rec->u.dma.write,
				      .priv = rec->u.dma.priv, .instr = rec->u.dma.instr};
	const uint64_t at = r->t0 + rec->time;
	/* r->now: only running the simulation and driver calls move it */
	assert(r->now == smmusim_now(r->sim));
	if (r->now > at) { /* the simulation is past the trace's time: the window held it back */
		r->late++;
		r->late_cycles += r->now - at;
	}
	if (r->tl)
		timeline_submit(r->tl, r->submitted, at, &d);
	const int rc = smmusim_dma_submit(r->sim, &d, at, r->submitted);
	if (rc < 0)
		return dma_refused(r, rec, rc);
	r->submitted++;
	if (at > r->last_at)
		r->last_at = at;
	return in_flight(r) >= WINDOW ? throttle(r) : 0;
}

static int exec_driver(struct replay *r, const struct trace_checked *c);

static __attribute__((noinline)) int exec_control(struct replay *r, const struct trace_checked *c)
{
	const struct trace_record *rec = &c->rec;
	/*
	 * A control operation runs at its time, and after every DMA issued before it in the trace has
	 * completed, as software maps before it starts a device and unmaps after the device is done.
	 * It may start later than its time: the driver's own work takes cycles.
	 */
	int rc = drain_to(r, 0);
	if (rc)
		return rc;
	run_to(r, r->t0 + rec->time);
	const uint64_t start = r->now;
	struct smmu_stats before = *smmu_get_stats(r->smmu);
	rc = exec_driver(r, c);
	if (rc)
		return rc;
	struct api_cost *ac = &r->api[rec->kind];
	const uint64_t spent = smmusim_now(r->sim) - start;
	ac->calls++;
	ac->cycles += spent;
	ac->max = spent > ac->max ? spent : ac->max;
	drain_events(r);
	r->now = smmusim_now(r->sim);
	if (r->tl) {
		char what[96];
		if (!trace_format_record(rec, what, sizeof(what)))
			snprintf(what, sizeof(what), "%s", trace_kind_name(rec->kind));
		const struct smmu_stats *after = smmu_get_stats(r->smmu);
		timeline_control(r->tl, what, trace_kind_name(rec->kind), rec->line, start, start + spent,
				 after->cmds - before.cmds, after->syncs - before.syncs);
		timeline_commands(r->tl, r->sim, false);
	}
	return 0;
}

/* The driver call a control record stands for. */
static int exec_driver(struct replay *r, const struct trace_checked *c)
{
	const struct trace_record *rec = &c->rec;
	int rc;
	switch (rec->kind) {
	case TRACE_DEVICE: {
		struct smmu_master *m;
		if (rec->u.device.port >= r->tbu_count)
			return rfail(r, rec, SMMUSIM_EXIT_INPUT, "device %s uses port %u but tbu.count is %llu (--set tbu.count=%u)",
				     rec->u.device.name, rec->u.device.port, (unsigned long long)r->tbu_count,
				     rec->u.device.port + 1);
		/* pasid-bits is the platform's "pasid-num-bits" property */
		struct iommu_device_desc desc = {rec->u.device.sids, rec->u.device.nsids, rec->u.device.pasid_bits, NULL};
		rc = iommu_probe_device_ex(r->smmu, &desc, &m);
		if (rc)
			return rfail(r, rec, SMMUSIM_EXIT_SIM, "iommu_probe_device(%s): %s", rec->u.device.name, errname(rc));
		if (iommu_master_ssid_bits(m) < rec->u.device.pasid_bits && !r->pasid_warned) {
			r->pasid_warned = true;
			fprintf(stderr, "%s:%llu: warning: device %s asks for %u PASID bits; the SMMU gives it %u "
					"(smmu.ssidsize, or 10 without smmu.cd2l; DMA with a larger PASID will fault)\n",
				r->o->trace, (unsigned long long)rec->line, rec->u.device.name, rec->u.device.pasid_bits,
				iommu_master_ssid_bits(m));
		}
		if (!obj_put(&r->masters, rec->u.device.name, m))
			return rfail(r, rec, SMMUSIM_EXIT_SIM, "out of memory");
		break;
	}
	case TRACE_DOMAIN: {
		static const unsigned types[] = {IOMMU_DOMAIN_IDENTITY, IOMMU_DOMAIN_BLOCKED, IOMMU_DOMAIN_DMA};
		struct iommu_domain *d;
		rc = iommu_domain_alloc(r->smmu, types[rec->u.domain.type], &d);
		if (rc)
			return rfail(r, rec, SMMUSIM_EXIT_SIM, "iommu_domain_alloc(%s, %s): %s", rec->u.domain.name,
				     trace_domain_type_name(rec->u.domain.type), errname(rc));
		if (!obj_put(&r->domains, rec->u.domain.name, d))
			return rfail(r, rec, SMMUSIM_EXIT_SIM, "out of memory");
		break;
	}
	case TRACE_ATTACH: {
		struct smmu_master *m = obj_get(&r->masters, rec->u.link.dev);
		struct iommu_domain *d = obj_get(&r->domains, rec->u.link.dom), *old = obj_get(&r->attached, rec->u.link.dev);
		if (old && old != d)
			iommu_detach_device(r->smmu, old, m); /* the trace's attach replaces the previous domain */
		rc = iommu_attach_device(r->smmu, d, m);
		if (rc)
			return rfail(r, rec, SMMUSIM_EXIT_SIM, "iommu_attach_device(%s, %s): %s", rec->u.link.dev,
				     rec->u.link.dom, errname(rc));
		obj_put(&r->attached, rec->u.link.dev, d);
		break;
	}
	case TRACE_DETACH: {
		struct smmu_master *m = obj_get(&r->masters, rec->u.link.dev);
		struct iommu_domain *d = obj_get(&r->domains, rec->u.link.dom);
		if (obj_get(&r->attached, rec->u.link.dev) == d) {
			iommu_detach_device(r->smmu, d, m);
			obj_put(&r->attached, rec->u.link.dev, NULL);
			break;
		}
		/* the link an attach-pasid made (the checker knows its PASID), else the aux attachment */
		if (c->pasid >= 0)
			iommu_detach_device_pasid(r->smmu, d, m, (uint32_t)c->pasid);
		else
			iommu_aux_detach_device(r->smmu, d, m);
		break;
	}
	case TRACE_ENABLE_AUX: {
		struct smmu_master *m = obj_get(&r->masters, rec->u.link.dev);
		rc = iommu_dev_enable_feature(r->smmu, m, IOMMU_DEV_FEAT_AUX);
		if (rc)
			return rfail(r, rec, SMMUSIM_EXIT_SIM, "iommu_dev_enable_feature(%s, AUX): %s", rec->u.link.dev,
				     errname(rc));
		break;
	}
	case TRACE_AUX_ATTACH: {
		struct smmu_master *m = obj_get(&r->masters, rec->u.link.dev);
		struct iommu_domain *d = obj_get(&r->domains, rec->u.link.dom);
		rc = iommu_aux_attach_device(r->smmu, d, m);
		if (rc)
			return rfail(r, rec, SMMUSIM_EXIT_SIM, "iommu_aux_attach_device(%s, %s): %s", rec->u.link.dev,
				     rec->u.link.dom, errname(rc));
		/* DMA records name this PASID as the trace defines it: the driver must agree */
		int got = iommu_aux_get_pasid(d, m);
		int64_t want = c->pasid;
		if (got != want)
			return rfail(r, rec, SMMUSIM_EXIT_SIM,
				     "aux-attach %s %s: the driver gave PASID %d, the trace defines %lld "
				     "(docs/trace-format.md: lowest free from 1)",
				     rec->u.link.dev, rec->u.link.dom, got, (long long)want);
		break;
	}
	case TRACE_ATTACH_PASID: {
		struct smmu_master *m = obj_get(&r->masters, rec->u.link.dev);
		struct iommu_domain *d = obj_get(&r->domains, rec->u.link.dom);
		rc = iommu_attach_device_pasid(r->smmu, d, m, rec->u.link.pasid);
		if (rc)
			return rfail(r, rec, SMMUSIM_EXIT_SIM, "iommu_attach_device_pasid(%s, %s, %u): %s", rec->u.link.dev,
				     rec->u.link.dom, rec->u.link.pasid, errname(rc));
		break;
	}
	case TRACE_MAP: {
		struct iommu_domain *d = obj_get(&r->domains, rec->u.map.dom);
		if (rec->u.map.pa > r->mem_size || rec->u.map.size > r->mem_size - rec->u.map.pa)
			return rfail(r, rec, SMMUSIM_EXIT_INPUT, "map of physical 0x%llx+0x%llx beyond mem.size (0x%llx)",
				     (unsigned long long)rec->u.map.pa, (unsigned long long)rec->u.map.size,
				     (unsigned long long)r->mem_size);
		uint32_t p = rec->u.map.prot;
		int prot = IOMMU_CACHE | (p & TRACE_PROT_READ ? IOMMU_READ : 0) | (p & TRACE_PROT_WRITE ? IOMMU_WRITE : 0) |
			   (p & TRACE_PROT_EXEC ? 0 : IOMMU_NOEXEC) | (p & TRACE_PROT_PRIV ? IOMMU_PRIV : 0);
		rc = iommu_map(r->smmu, d, rec->u.map.iova, rec->u.map.pa, rec->u.map.size, prot);
		if (rc)
			return rfail(r, rec, SMMUSIM_EXIT_SIM, "iommu_map(%s, 0x%llx, 0x%llx, 0x%llx): %s", rec->u.map.dom,
				     (unsigned long long)rec->u.map.iova, (unsigned long long)rec->u.map.pa,
				     (unsigned long long)rec->u.map.size, errname(rc));
		break;
	}
	case TRACE_UNMAP: {
		struct iommu_domain *d = obj_get(&r->domains, rec->u.map.dom);
		size_t n = iommu_unmap(r->smmu, d, rec->u.map.iova, rec->u.map.size);
		if (n != rec->u.map.size)
			return rfail(r, rec, SMMUSIM_EXIT_SIM, "iommu_unmap(%s, 0x%llx, 0x%llx) unmapped %zu bytes",
				     rec->u.map.dom, (unsigned long long)rec->u.map.iova,
				     (unsigned long long)rec->u.map.size, n);
		break;
	}
	case TRACE_FREE: {
		struct iommu_domain *d = obj_get(&r->domains, rec->u.link.dom);
		iommu_domain_free(r->smmu, d); /* the checker made sure nothing is attached to it */
		obj_put(&r->domains, rec->u.link.dom, NULL);
		break;
	}
	default:
		break;
	}
	return 0;
}

/* A batch of records from the walk, in trace order; the first error stops it. */
static int each_batch(void *ctx, const struct trace_checked *c, size_t n)
{
	struct replay *r = ctx;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = c[i].rec.kind == TRACE_DMA ? exec_dma(r, &c[i]) : exec_control(r, &c[i]);
	return rc;
}

/* ---- Results --------------------------------------------------------------------------------- */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/*
 * Host time of the whole run, in three parts: set-up (the configuration, the platform and the
 * driver's bring-up), replay (reading, checking and executing the trace until every DMA completed)
 * and teardown (driver removal, platform destruction). seconds = their sum, so the outputs are
 * rendered before the teardown and written after it.
 */
struct results {
	uint64_t cycles, p50, p99, max;
	double mean, seconds, setup_seconds, replay_seconds, teardown_seconds;
	double cpu_seconds, decode_cpu_seconds; /* the process's CPU time (getrusage), the decoding's part */
	long peak_rss_kib; /* getrusage: the process's peak resident memory */
};

static double tps(const struct replay *r, double seconds)
{
	return seconds > 0 ? (double)r->completed / seconds : 0.0;
}

static bool event_type_named(unsigned t)
{
	const char *n = smmu_event_name((uint8_t)t);
	return strcmp(n, "UNKNOWN") != 0 && strcmp(n, "IMPDEF") != 0;
}

/*
 * The limits a run can spend time at, so a latency that is queueing is not read as the SMMU's:
 * the replay's own window of outstanding DMA, the TBU, TCU and walker slots, the memory channel.
 */
struct limit {
	const char *name, *key; /* human name, JSON key */
	uint64_t waits, cycles; /* times a request waited (0 if not counted), cycles waited */
};

static size_t collect_limits(struct replay *r, struct limit *l)
{
	size_t n = 0;
	l[n++] = (struct limit){"replay (DMA issued after their trace time: window of " STR(WINDOW) ", control records)", "replay_window", r->late,
				r->late_cycles};
	static const struct {
		const char *name, *key, *stat;
	} slots[] = {{"TBU slots (tbu.slots)", "tbu_slots", "tbu.slots"},
		     {"TCU translation slots (tcu.xlate.slots)", "tcu_xlate_slots", "tcu.xlate.slots"},
		     {"TCU walk slots (tcu.ptw.slots)", "tcu_ptw_slots", "tcu.ptw.slots"}};
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		char k1[64], k2[64];
		snprintf(k1, sizeof(k1), "%s.stalls", slots[i].stat);
		snprintf(k2, sizeof(k2), "%s.stall_cycles", slots[i].stat);
		l[n++] = (struct limit){slots[i].name, slots[i].key, smmusim_stat(r->sim, k1), smmusim_stat(r->sim, k2)};
	}
	l[n++] = (struct limit){"memory channel (mem.bytes_per_cycle)", "memory_channel", 0,
				smmusim_stat(r->sim, "mem.channel.stall_cycles")};
	return n;
}

/* Everything up to the host times, which are known only after the teardown. */
static void json_head(struct replay *r, const struct results *res, FILE *f)
{
	fprintf(f, "{\n  \"trace\": ");
	json_str(f, r->o->trace);
	/* faults: the model's one counter (dma.faults), so this and the "model" object cannot disagree */
	fprintf(f, ",\n  \"transactions\": %llu,\n  \"faults\": %llu,\n", (unsigned long long)r->completed,
		(unsigned long long)smmusim_stat(r->sim, "dma.faults"));
	fprintf(f, "  \"status\": {\"ok\": %llu, \"abort\": %llu, \"razwi\": %llu},\n", (unsigned long long)r->ok,
		(unsigned long long)r->aborts, (unsigned long long)r->razwi);
	fprintf(f, "  \"events\": {");
	bool first = true;
	for (unsigned t = 0; t < 256; t++) {
		if (!event_type_named(t))
			continue;
		char key[64];
		snprintf(key, sizeof(key), "events.%s", smmu_event_name((uint8_t)t));
		uint64_t n = smmusim_stat(r->sim, key);
		if (!n)
			continue;
		fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", smmu_event_name((uint8_t)t), (unsigned long long)n);
		first = false;
	}
	fprintf(f, "},\n  \"cycles\": %llu,\n", (unsigned long long)res->cycles);
	fprintf(f, "  \"latency_cycles\": {\"mean\": %.3f, \"p50\": %llu, \"p99\": %llu, \"max\": %llu},\n", res->mean,
		(unsigned long long)res->p50, (unsigned long long)res->p99, (unsigned long long)res->max);
	fprintf(f, "  \"tables\": {\"stream_table_bytes\": %llu, \"cd_table_bytes\": %llu, \"page_table_bytes\": %llu, "
		   "\"queue_bytes\": %llu, \"driver_object_bytes\": %llu, \"peak\": {\"stream_table_bytes\": %llu, "
		   "\"cd_table_bytes\": %llu, \"page_table_bytes\": %llu}},\n",
		(unsigned long long)r->usage.stream_table, (unsigned long long)r->usage.cd_tables,
		(unsigned long long)r->usage.page_tables, (unsigned long long)r->usage.queues,
		(unsigned long long)r->usage.driver_objects, (unsigned long long)r->peak.stream_table,
		(unsigned long long)r->peak.cd_tables, (unsigned long long)r->peak.page_tables);
	struct limit l[8];
	size_t nl = collect_limits(r, l);
	fprintf(f, "  \"limits\": {");
	for (size_t i = 0; i < nl; i++)
		fprintf(f, "%s\"%s\": {\"waits\": %llu, \"cycles\": %llu}", i ? ", " : "", l[i].key,
			(unsigned long long)l[i].waits, (unsigned long long)l[i].cycles);
	fprintf(f, "},\n");
	const struct smmu_stats *ds = smmu_get_stats(r->smmu);
	fprintf(f, "  \"driver\": {\"commands\": %llu, \"syncs\": %llu, \"cfgi_ste\": %llu, \"cfgi_cd\": %llu, "
		   "\"tlbi_va\": %llu, \"tlbi_asid\": %llu, \"events_drained\": %llu, \"evtq_overflows\": %llu},\n",
		(unsigned long long)ds->cmds, (unsigned long long)ds->syncs, (unsigned long long)ds->cfgi_ste,
		(unsigned long long)ds->cfgi_cd, (unsigned long long)ds->tlbi_va, (unsigned long long)ds->tlbi_asid,
		(unsigned long long)ds->events, (unsigned long long)ds->evtq_overflows);
	fprintf(f, "  \"driver_api_cycles\": {");
	const char *sep = "";
	for (int k = 0; k < TRACE_KIND_COUNT; k++)
		if (r->api[k].calls) {
			const struct api_cost *a = &r->api[k];
			fprintf(f, "%s\"%s\": {\"calls\": %llu, \"cycles\": %llu, \"mean\": %.1f, \"max\": %llu}", sep,
				trace_kind_name((enum trace_kind)k), (unsigned long long)a->calls, (unsigned long long)a->cycles,
				(double)a->cycles / (double)a->calls, (unsigned long long)a->max);
			sep = ", ";
		}
	fprintf(f, "},\n");
	fprintf(f, "  \"config\": {");
	for (size_t i = 0; i < smmusim_config_count(r->cfg); i++) {
		const char *k = smmusim_config_key(r->cfg, i);
		fprintf(f, "%s\n    ", i ? "," : "");
		json_str(f, k);
		fprintf(f, ": ");
		json_str(f, smmusim_config_get(r->cfg, k));
	}
	fprintf(f, "\n  },\n");
}

static int write_json(struct replay *r, const struct results *res, const char *head, const char *model,
		      const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return rfail(r, NULL, SMMUSIM_EXIT_INPUT, "%s: cannot create: %s", path, strerror(errno));
	fputs(head, f);
	fprintf(f, "  \"host\": {\"seconds\": %.6f, \"setup_seconds\": %.6f, \"replay_seconds\": %.6f, "
		   "\"teardown_seconds\": %.6f, \"transactions_per_second\": %.1f, "
		   "\"replay_transactions_per_second\": %.1f, \"cpu_seconds\": %.6f, \"decode_cpu_seconds\": %.6f, "
		   "\"decode_thread\": %s, \"peak_rss_bytes\": %lld},\n  \"model\": ",
		res->seconds, res->setup_seconds, res->replay_seconds, res->teardown_seconds, tps(r, res->seconds),
		tps(r, res->replay_seconds), res->cpu_seconds, res->decode_cpu_seconds, r->o->decode_ahead ? "true" : "false",
		(long long)res->peak_rss_kib * 1024);
	fputs(model, f);
	fprintf(f, "}\n");
	if (fclose(f) != 0)
		return rfail(r, NULL, SMMUSIM_EXIT_INPUT, "%s: write failed: %s", path, strerror(errno));
	return 0;
}

/*
 * One header line and one value line with fixed columns, so runs concatenate into one table.
 * Rendered in two parts around the host columns (known only after the teardown).
 */
static void csv_head(struct replay *r, const struct results *res, FILE *f)
{
	fprintf(f, "trace,transactions,faults,cycles,latency_mean,latency_p50,latency_p99,latency_max,"
		   "stream_table_bytes,cd_table_bytes,page_table_bytes,host_seconds,transactions_per_second");
	for (unsigned t = 0; t < 256; t++)
		if (event_type_named(t))
			fprintf(f, ",events.%s", smmu_event_name((uint8_t)t));
	for (size_t i = 0; i < smmusim_config_count(r->cfg); i++)
		fprintf(f, ",%s", smmusim_config_key(r->cfg, i));
	fprintf(f, "\n\"%s\",%llu,%llu,%llu,%.3f,%llu,%llu,%llu,%llu,%llu,%llu,", r->o->trace,
		(unsigned long long)r->completed, (unsigned long long)smmusim_stat(r->sim, "dma.faults"),
		(unsigned long long)res->cycles,
		res->mean, (unsigned long long)res->p50, (unsigned long long)res->p99, (unsigned long long)res->max,
		(unsigned long long)r->usage.stream_table, (unsigned long long)r->usage.cd_tables,
		(unsigned long long)r->usage.page_tables);
}

static void csv_tail(struct replay *r, FILE *f)
{
	for (unsigned t = 0; t < 256; t++)
		if (event_type_named(t)) {
			char key[64];
			snprintf(key, sizeof(key), "events.%s", smmu_event_name((uint8_t)t));
			fprintf(f, ",%llu", (unsigned long long)smmusim_stat(r->sim, key));
		}
	for (size_t i = 0; i < smmusim_config_count(r->cfg); i++)
		fprintf(f, ",%s", smmusim_config_get(r->cfg, smmusim_config_key(r->cfg, i)));
	fprintf(f, "\n");
}

static int write_csv(struct replay *r, const struct results *res, const char *head, const char *tail,
		     const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return rfail(r, NULL, SMMUSIM_EXIT_INPUT, "%s: cannot create: %s", path, strerror(errno));
	fprintf(f, "%s%.6f,%.1f%s", head, res->seconds, tps(r, res->seconds), tail);
	if (fclose(f) != 0)
		return rfail(r, NULL, SMMUSIM_EXIT_INPUT, "%s: write failed: %s", path, strerror(errno));
	return 0;
}

/* Events the SMMU raised but did not write to the event queue, and why (IHI 0070 §7.4): software
 * never saw them, so counting them among the events alone would mislead. */
static void print_unwritten_events(struct replay *r, uint64_t raised, FILE *out)
{
	static const struct {
		const char *stat, *why;
	} lost[] = {{"events.overflow", "event queue full"},
		    {"events.eventq_disabled", "event queue disabled"},
		    {"events.not_recorded", "EVENTQ_ABT_ERR active"},
		    {"events.eventq_abort", "event queue write aborted"}};
	const uint64_t recorded = smmusim_stat(r->sim, "events.recorded");
	if (recorded >= raised)
		return;
	fprintf(out, " (recorded %llu; not written:", (unsigned long long)recorded);
	const char *sep = " ";
	for (size_t i = 0; i < sizeof(lost) / sizeof(lost[0]); i++) {
		const uint64_t n = smmusim_stat(r->sim, lost[i].stat);
		if (n) {
			fprintf(out, "%s%llu %s", sep, (unsigned long long)n, lost[i].why);
			sep = ", ";
		}
	}
	fprintf(out, ")");
}

static void print_limits(struct replay *r, const struct results *res, FILE *out)
{
	struct limit l[8];
	size_t n = collect_limits(r, l);
	bool any = false;
	fprintf(out, "limits:      ");
	for (size_t i = 0; i < n; i++) {
		if (!l[i].cycles && !l[i].waits)
			continue;
		fprintf(out, "%s %s: ", any ? ";" : "", l[i].name);
		if (l[i].waits)
			fprintf(out, "%llu waits, ", (unsigned long long)l[i].waits);
		fprintf(out, "%llu cycles", (unsigned long long)l[i].cycles);
		if (i == n - 1 && res->cycles) /* the channel: how full it was */
			fprintf(out, " (busy %.1f %% of the run)",
			       100.0 * (double)smmusim_stat(r->sim, "mem.channel.busy_cycles") / (double)res->cycles);
		any = true;
	}
	fprintf(out, "%s\n", any ? "" : " none reached");
}

static void print_summary(struct replay *r, const struct results *res, FILE *out)
{
	fprintf(out, "trace:        %s\n", r->o->trace);
	fprintf(out, "transactions: %llu (%llu ok, %llu aborted, %llu RAZ/WI)\n", (unsigned long long)r->completed,
	       (unsigned long long)r->ok, (unsigned long long)r->aborts, (unsigned long long)r->razwi);
	fprintf(out, "events:      ");
	uint64_t raised = 0;
	for (unsigned t = 0; t < 256; t++) {
		if (!event_type_named(t))
			continue;
		char key[64];
		snprintf(key, sizeof(key), "events.%s", smmu_event_name((uint8_t)t));
		uint64_t n = smmusim_stat(r->sim, key);
		if (n)
			fprintf(out, " %s=%llu", smmu_event_name((uint8_t)t), (unsigned long long)n);
		raised += n;
	}
	print_unwritten_events(r, raised, out);
	fprintf(out, "%s\n", raised ? "" : " none");
	fprintf(out, "cycles:       %llu (trace cycle 0 = cycle %llu, after the driver's bring-up)\n",
	       (unsigned long long)res->cycles, (unsigned long long)r->t0);
	fprintf(out, "latency:      mean %.1f, p50 %llu, p99 %llu, max %llu cycles\n", res->mean, (unsigned long long)res->p50,
	       (unsigned long long)res->p99, (unsigned long long)res->max);
	print_limits(r, res, out);
	fprintf(out, "tables:       stream %llu B, CD %llu B, page tables %llu B (queues %llu B)\n",
	       (unsigned long long)r->usage.stream_table, (unsigned long long)r->usage.cd_tables,
	       (unsigned long long)r->usage.page_tables, (unsigned long long)r->usage.queues);
}

static void print_host(struct replay *r, const struct results *res)
{
	printf("host:         %.3f s (set-up %.3f, replay %.3f, teardown %.3f), %.0f transactions/s "
	       "(%.0f during the replay), peak RSS %.1f MiB\n",
	       res->seconds, res->setup_seconds, res->replay_seconds, res->teardown_seconds, tps(r, res->seconds),
	       tps(r, res->replay_seconds), res->peak_rss_kib / 1024.0);
	printf("cpu:          %.3f s, of which decoding the trace %.3f s (%s)\n", res->cpu_seconds,
	       res->decode_cpu_seconds, r->o->decode_ahead ? "on its own thread" : "on the simulation's thread");
}

/* ---- Setup ----------------------------------------------------------------------------------- */
/*
 * Defaults, then --preset, then --config, then each --set (later wins). The trace is not read yet (one pass), so RAM the user
 * did not size covers every physical address mem.size allows: it is one sparse mapping, and
 * untouched pages cost nothing. A map beyond a user-chosen mem.size is an input error at its line.
 */
static int build_config(struct replay *r)
{
	char err[512];
	r->cfg = smmusim_config_new();
	if (!r->cfg)
		return rfail(r, NULL, SMMUSIM_EXIT_SIM, "out of memory");
	char dflt[32];
	snprintf(dflt, sizeof(dflt), "%s", smmusim_config_get(r->cfg, "mem.size"));
	if (r->o->preset && smmusim_config_preset(r->cfg, r->o->preset, err, sizeof(err)) < 0) {
		snprintf(r->err, sizeof(r->err), "smmusim replay: --preset: %s", err);
		return SMMUSIM_EXIT_USAGE;
	}
	if (r->o->config && smmusim_config_load(r->cfg, r->o->config, err, sizeof(err)) < 0) {
		snprintf(r->err, sizeof(r->err), "%s", err); /* already "FILE:LINE: reason" or "FILE: reason" */
		return SMMUSIM_EXIT_INPUT;
	}
	bool mem_size_set = strcmp(smmusim_config_get(r->cfg, "mem.size"), dflt) != 0;
	for (size_t i = 0; i < r->o->nsets; i++) {
		if (smmusim_config_set_pair(r->cfg, r->o->sets[i], err, sizeof(err)) < 0) {
			char esc[200];
			trace_escape(esc, sizeof(esc), r->o->sets[i]);
			snprintf(r->err, sizeof(r->err), "smmusim replay: --set %s: %s", esc, err);
			return SMMUSIM_EXIT_USAGE;
		}
		mem_size_set |= strncmp(r->o->sets[i], "mem.size=", 9) == 0;
	}
	if (!mem_size_set && smmusim_config_set(r->cfg, "mem.size", REPLAY_MEM_SIZE, err, sizeof(err)) < 0)
		return rfail(r, NULL, SMMUSIM_EXIT_SIM, "mem.size=%s: %s", REPLAY_MEM_SIZE, err);
	/* read back with the parser that accepted them (smmusim/number.h) */
	const char *ms = smmusim_config_get(r->cfg, "mem.size"), *tc = smmusim_config_get(r->cfg, "tbu.count");
	if (!smmusim_parse_u64(ms, strlen(ms), SMMUSIM_NUM_SUFFIX, &r->mem_size) ||
	    !smmusim_parse_u64(tc, strlen(tc), SMMUSIM_NUM_SUFFIX, &r->tbu_count))
		return rfail(r, NULL, SMMUSIM_EXIT_SIM, "internal: mem.size or tbu.count unreadable");
	return 0;
}

static int bring_up(struct replay *r)
{
	char err[512];
	struct smmusim_system sys;
	struct smmu_options opts;
	int rc = smmusim_system_create(&sys, r->cfg, err, sizeof(err));
	r->sim = sys.sim;
	if (rc)
		return rfail(r, NULL, SMMUSIM_EXIT_SIM, "%s", err);
	if (r->o->trace_events) { /* before the driver: its bring-up commands are traced too */
		r->trace_out = stderr;
		if (r->o->trace_file && !(r->trace_out = fopen(r->o->trace_file, "w")))
			return rfail(r, NULL, SMMUSIM_EXIT_INPUT, "%s: cannot create: %s", r->o->trace_file, strerror(errno));
		if (smmusim_trace_events(r->sim, r->o->trace_events, r->trace_out, err, sizeof(err)) < 0)
			return rfail(r, NULL, SMMUSIM_EXIT_USAGE, "--trace-events: %s", err);
	}
	if (r->o->timeline) /* before the driver: the timeline draws its bring-up commands */
		smmusim_cmd_log(r->sim, true);
	smmusim_driver_options(r->cfg, &opts);
	const uint64_t probe_start = smmusim_now(r->sim);
	rc = smmusim_system_probe(&sys, NULL, &opts, err, sizeof(err));
	r->smmu = sys.smmu;
	if (rc)
		return rfail(r, NULL, SMMUSIM_EXIT_SIM, "%s", err);
	r->now = r->t0 = smmusim_now(r->sim);
	if (r->o->timeline) {
		/* a window from trace cycle 0 takes in the bring-up before it */
		uint64_t from = r->o->timeline_from ? r->t0 + r->o->timeline_from : 0;
		uint64_t to = r->o->timeline_to > UINT64_MAX - r->t0 ? UINT64_MAX : r->t0 + r->o->timeline_to;
		r->tl = timeline_new(r->o->timeline, r->o->timeline_limit, from, to, err, sizeof(err));
		if (!r->tl)
			return rfail(r, NULL, SMMUSIM_EXIT_SIM, "%s", err);
		const struct smmu_stats *st = smmu_get_stats(r->smmu);
		timeline_control(r->tl, "driver bring-up (probe)", "probe", 0, probe_start, r->t0, st->cmds, st->syncs);
		timeline_commands(r->tl, r->sim, false);
	}
	return 0;
}

int replay_run(const struct replay_options *o)
{
	struct replay r = {.o = o};
	r.host_start = cli_seconds();
	int status = build_config(&r);
	r.chk = trace_checker_new();
	if (!status && !r.chk)
		status = rfail(&r, NULL, SMMUSIM_EXIT_SIM, "out of memory");
	if (!status)
		status = bring_up(&r);
	struct results res = {0};
	const double replay_start = cli_seconds();
	res.setup_seconds = replay_start - r.host_start;
	/*
	 * One pass: each record is checked, then executed (cli_walk_trace prints a bad line's error),
	 * the decoding on a second thread when --decode-ahead is not 0.
	 */
	if (!status)
		status = cli_walk_trace(o->trace, r.chk, true, o->decode_ahead, each_batch, &r, &res.decode_cpu_seconds);
	if (!status) {
		status = drain_to(&r, 0); /* let every DMA finish */
		collect(&r);
		drain_events(&r);
		timeline_commands(r.tl, r.sim, true); /* every command the statistics below count */
		timeline_sample(r.tl, r.sim, true);   /* and the counters up to the same end */
		r.usage = smmu_get_mem_usage(r.smmu);
		r.peak = smmu_get_mem_peak(r.smmu);
	}
	const double teardown_start = cli_seconds();
	res.replay_seconds = teardown_start - replay_start;
	/* The outputs, but for the host times, while the platform still exists. */
	char *summary = NULL, *json = NULL, *model = NULL, *csv = NULL, *csv_rest = NULL;
	size_t len;
	if (!status) {
		/* Latencies are the model's own exact statistics (the trace's DMAs are the only ones). */
		const uint64_t lat_count = smmusim_stat(r.sim, "latency.count");
		res.cycles = smmusim_now(r.sim);
		res.p50 = smmusim_stat(r.sim, "latency.p50");
		res.p99 = smmusim_stat(r.sim, "latency.p99");
		res.max = smmusim_stat(r.sim, "latency.max");
		res.mean = lat_count ? (double)smmusim_stat(r.sim, "latency.total") / (double)lat_count : 0.0;
		FILE *f;
		if ((f = open_memstream(&summary, &len))) {
			print_summary(&r, &res, f);
			fclose(f);
		}
		if (o->json && (f = open_memstream(&json, &len))) {
			json_head(&r, &res, f);
			fclose(f);
		}
		if (o->json && (f = open_memstream(&model, &len))) {
			smmusim_stats_json(r.sim, f);
			fclose(f);
		}
		if (o->csv && (f = open_memstream(&csv, &len))) {
			csv_head(&r, &res, f);
			fclose(f);
		}
		if (o->csv && (f = open_memstream(&csv_rest, &len))) {
			csv_tail(&r, f);
			fclose(f);
		}
		if (!summary || (o->json && (!json || !model)) || (o->csv && (!csv || !csv_rest)))
			status = rfail(&r, NULL, SMMUSIM_EXIT_SIM, "out of memory");
	}
	/* the driver's removal is traced too; destroying the platform turns tracing off */
	smmusim_system_down(&(struct smmusim_system){.sim = r.sim, .smmu = r.smmu});
	if (r.trace_out && r.trace_out != stderr && fclose(r.trace_out) != 0 && !status)
		status = rfail(&r, NULL, SMMUSIM_EXIT_INPUT, "%s: write failed", o->trace_file);
	trace_checker_free(r.chk);
	obj_free(&r.masters);
	obj_free(&r.domains);
	obj_free(&r.attached);
	const double end = cli_seconds();
	res.teardown_seconds = end - teardown_start;
	res.seconds = end - r.host_start;
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		res.peak_rss_kib = ru.ru_maxrss;
		res.cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
				  (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
	}
	if (!status) {
		if (!o->quiet) {
			fputs(summary, stdout);
			print_host(&r, &res);
		}
		if (o->json)
			status = write_json(&r, &res, json, model, o->json);
		if (!status && o->csv)
			status = write_csv(&r, &res, csv, csv_rest, o->csv);
		if (!status && r.tl) {
			char err[512];
			uint64_t n = timeline_transactions(r.tl);
			if (timeline_finish(r.tl, err, sizeof(err)) < 0)
				status = rfail(&r, NULL, SMMUSIM_EXIT_INPUT, "%s", err);
			else if (!o->quiet)
				printf("timeline:     %s (%llu transactions)\n", o->timeline, (unsigned long long)n);
			r.tl = NULL;
		}
	}
	if (status && r.err[0])
		fprintf(stderr, "%s\n", r.err);
	timeline_discard(r.tl);
	smmusim_config_free(r.cfg);
	free(summary);
	free(json);
	free(model);
	free(csv);
	free(csv_rest);
	return status;
}
