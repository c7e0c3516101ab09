/* SPDX-License-Identifier: MIT */
/* The replay's timeline as Chrome trace-event JSON (see timeline.h). */
#include "timeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmuv3/arch.h>
#include <smmuv3/smmu.h>

#define SAMPLE_CYCLES 1024u /* counter pace: fine enough to see bursts, few enough to stay small */
#define PID_DRIVER 1000
#define PID_TCU 1001
#define PID_EVENTS 1002

struct xfer {
	struct smmusim_dma d;
	uint64_t issue, done, pa;
	uint8_t status, event, hit;
	bool recorded, completed;
	uint32_t lane;
};

struct control {
	char what[96], kind[24];
	uint64_t line, start, end, cmds, syncs;
};

/* Counters sampled from the model: cumulative values, written as rates per sample period. */
static const char *const kCounters[] = {
	"tcu.xlate.slots.busy_cycles", "tcu.ptw.slots.busy_cycles", "tcu.ctw.slots.busy_cycles", "mem.channel.busy_cycles",
	"mem.reads.l1std", "mem.reads.ste", "mem.reads.l1cd", "mem.reads.cd",
	"mem.reads.pte.l0", "mem.reads.pte.l1", "mem.reads.pte.l2", "mem.reads.pte.l3", "mem.reads.s2pte",
	"mem.data.reads", "mem.data.writes",
};
#define NCOUNTERS (sizeof(kCounters) / sizeof(kCounters[0]))

struct sample {
	uint64_t cycle;
	uint64_t v[NCOUNTERS];
};

struct timeline {
	char *path;
	uint64_t limit, from, to;
	bool started;
	uint64_t base_tag;      /* tag of xfers[0] */
	struct xfer *xfers;
	size_t nxfers, capxfers;
	struct control *controls;
	size_t ncontrols, capcontrols;
	struct smmusim_cmd_record *cmds; /* in the order the SMMU consumed them */
	size_t ncmds, capcmds;
	bool cmd_log_off;
	struct sample *samples;
	size_t nsamples, capsamples;
	uint64_t next_sample;
	uint64_t stop;          /* the cycle every recorded transaction had completed: the window ends */
};

static bool grow(void **p, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 256;
	void *q = realloc(*p, ncap * elem);
	if (!q)
		return false;
	*p = q;
	*cap = ncap;
	return true;
}

timeline *timeline_new(const char *path, uint64_t limit, uint64_t from, uint64_t to, char *err, size_t errlen)
{
	timeline *t = calloc(1, sizeof(*t));
	if (t)
		t->path = strdup(path);
	if (!t || !t->path) {
		snprintf(err, errlen, "--timeline: out of memory");
		timeline_discard(t);
		return NULL;
	}
	t->limit = limit;
	t->from = from;
	t->to = to;
	t->stop = UINT64_MAX;
	return t;
}

void timeline_discard(timeline *t)
{
	if (!t)
		return;
	free(t->xfers);
	free(t->controls);
	free(t->cmds);
	free(t->samples);
	free(t->path);
	free(t);
}

uint64_t timeline_transactions(const timeline *t) { return t ? t->nxfers : 0; }

/* Driver calls, commands and counters are drawn inside the window until every drawn transaction is done. */
static bool recording(const timeline *t, uint64_t cycle) { return cycle >= t->from && cycle < t->to && cycle < t->stop; }

void timeline_submit(timeline *t, uint64_t tag, uint64_t at, const struct smmusim_dma *d)
{
	if (!t || t->nxfers >= t->limit || at < t->from || at >= t->to)
		return;
	if (!t->started) {
		t->started = true;
		t->base_tag = tag;
	}
	if (tag != t->base_tag + t->nxfers)
		return; /* the window is one run of consecutive transactions */
	if (!grow((void **)&t->xfers, &t->capxfers, t->nxfers, sizeof(*t->xfers))) {
		t->limit = t->nxfers; /* out of memory: the timeline ends here, the run goes on */
		return;
	}
	struct xfer *x = &t->xfers[t->nxfers++];
	memset(x, 0, sizeof(*x));
	x->d = *d;
	x->issue = at;
}

void timeline_complete(timeline *t, const struct smmusim_dma_result *res)
{
	if (!t || !t->started || res->tag < t->base_tag || res->tag - t->base_tag >= t->nxfers)
		return;
	struct xfer *x = &t->xfers[res->tag - t->base_tag];
	x->issue = res->issue_cycle;
	x->done = res->done_cycle;
	x->pa = res->pa;
	x->status = (uint8_t)res->status;
	x->event = res->event;
	x->recorded = res->event_recorded;
	x->hit = (uint8_t)res->hit;
	x->completed = true;
}

void timeline_control(timeline *t, const char *what, const char *kind, uint64_t line, uint64_t start, uint64_t end,
		      uint64_t cmds, uint64_t syncs)
{
	if (!t || !recording(t, start) ||
	    !grow((void **)&t->controls, &t->capcontrols, t->ncontrols, sizeof(*t->controls)))
		return;
	struct control *c = &t->controls[t->ncontrols++];
	snprintf(c->what, sizeof(c->what), "%s", what);
	snprintf(c->kind, sizeof(c->kind), "%s", kind);
	c->line = line;
	c->start = start;
	c->end = end;
	c->cmds = cmds;
	c->syncs = syncs;
}

void timeline_sample(timeline *t, const smmusim_platform *sim, bool last)
{
	if (!t)
		return;
	uint64_t now = smmusim_now(sim);
	/* the last sample closes the run's final, shorter period */
	const bool due = now >= t->next_sample || (last && t->nsamples && now > t->samples[t->nsamples - 1].cycle);
	if (!due || !recording(t, now))
		return;
	if (!grow((void **)&t->samples, &t->capsamples, t->nsamples, sizeof(*t->samples)))
		return;
	struct sample *s = &t->samples[t->nsamples++];
	s->cycle = now;
	for (size_t i = 0; i < NCOUNTERS; i++)
		s->v[i] = smmusim_stat(sim, kCounters[i]);
	t->next_sample = now + SAMPLE_CYCLES;
	/* once the limit is reached and every recorded transaction is done, nothing more is drawn */
	if (t->nxfers >= t->limit) {
		bool all = true;
		for (size_t i = t->nxfers; i-- > 0 && all;)
			all = t->xfers[i].completed;
		if (all)
			t->stop = now;
	}
}

void timeline_commands(timeline *t, smmusim_platform *sim, bool all)
{
	if (!t || t->cmd_log_off)
		return;
	const bool over = t->stop != UINT64_MAX || smmusim_now(sim) >= t->to; /* nothing more is drawn */
	if (over)
		smmusim_cmd_log(sim, false);
	struct smmusim_cmd_record rec[64];
	size_t n;
	while ((n = smmusim_cmd_poll(sim, rec, 64, all || over)) > 0)
		for (size_t i = 0; i < n; i++)
			if (recording(t, rec[i].consumed_cycle) &&
			    grow((void **)&t->cmds, &t->capcmds, t->ncmds, sizeof(*t->cmds)))
				t->cmds[t->ncmds++] = rec[i];
	t->cmd_log_off = over;
}

/* ---- Lanes: transactions of one TBU on the fewest tracks where none overlaps another --------- */
struct heap {
	uint64_t *key;
	uint32_t *val;
	size_t n;
};

static void heap_push(struct heap *h, uint64_t key, uint32_t val)
{
	size_t i = h->n++;
	while (i && h->key[(i - 1) / 2] > key) {
		h->key[i] = h->key[(i - 1) / 2];
		h->val[i] = h->val[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->key[i] = key;
	h->val[i] = val;
}

static uint32_t heap_pop(struct heap *h)
{
	uint32_t top = h->val[0];
	uint64_t k = h->key[--h->n];
	uint32_t v = h->val[h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->key[c + 1] < h->key[c])
			c++;
		if (h->key[c] >= k)
			break;
		h->key[i] = h->key[c];
		h->val[i] = h->val[c];
		i = c;
	}
	h->key[i] = k;
	h->val[i] = v;
	return top;
}

static const struct xfer *sort_base;
static int by_port_issue(const void *a, const void *b)
{
	const struct xfer *x = &sort_base[*(const uint32_t *)a], *y = &sort_base[*(const uint32_t *)b];
	if (x->d.port != y->d.port)
		return x->d.port < y->d.port ? -1 : 1;
	if (x->issue != y->issue)
		return x->issue < y->issue ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1; /* tag order: deterministic */
}

/* Returns the number of lanes of each port in lanes[port] (ports < nports), or false. */
static bool assign_lanes(timeline *t, uint32_t *lanes, size_t nports)
{
	size_t n = t->nxfers;
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));
	struct heap busy = {malloc((n ? n : 1) * 8), malloc((n ? n : 1) * 4), 0},
		    free_ = {malloc((n ? n : 1) * 8), malloc((n ? n : 1) * 4), 0};
	bool ok = order && busy.key && busy.val && free_.key && free_.val;
	if (ok) {
		for (size_t i = 0; i < n; i++)
			order[i] = (uint32_t)i;
		sort_base = t->xfers;
		qsort(order, n, sizeof(*order), by_port_issue);
		uint32_t port = UINT32_MAX, nl = 0;
		for (size_t i = 0; i < n; i++) {
			struct xfer *x = &t->xfers[order[i]];
			if (x->d.port != port) {
				if (port != UINT32_MAX && port < nports)
					lanes[port] = nl;
				port = x->d.port;
				nl = 0;
				busy.n = free_.n = 0;
			}
			while (busy.n && busy.key[0] <= x->issue) {
				uint32_t l = heap_pop(&busy);
				heap_push(&free_, l, l);
			}
			x->lane = free_.n ? heap_pop(&free_) : nl++;
			heap_push(&busy, x->done, x->lane);
		}
		if (port != UINT32_MAX && port < nports)
			lanes[port] = nl;
	}
	free(order);
	free(busy.key);
	free(busy.val);
	free(free_.key);
	free(free_.val);
	return ok;
}

/* ---- Output ---------------------------------------------------------------------------------- */
static void write_cmd_args(FILE *f, const struct smmusim_cmd_record *c);
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *status_name(uint8_t s)
{
	return s == SMMUSIM_DMA_OK ? "ok" : s == SMMUSIM_DMA_ABORT ? "abort" : "razwi";
}

/* enum smmusim_hit_level, in the words of the model's trace points (docs/tracing.md) */
static const char *hit_name(uint8_t h)
{
	static const char *const names[] = {"none", "utlb", "mtlb", "tcu", "walk"};
	return h < sizeof(names) / sizeof(names[0]) ? names[h] : "unknown";
}

/* A TLBI's range (IHI 0070 §4.4.1.1: TG != 0 makes it (NUM + 1) << (SCALE + granule) bytes). */
static void write_tlbi_range(FILE *f, uint64_t d0, uint64_t d1)
{
	fprintf(f, ", \"addr\": \"0x%llx\", \"leaf\": %u", (unsigned long long)(SMMU_GET(d1, CMD1_ADDR) << 12),
		(unsigned)SMMU_GET(d1, CMD1_LEAF));
	const unsigned tg = (unsigned)SMMU_GET(d1, CMD1_TLBI_TG);
	if (tg) {
		const unsigned shift = (unsigned)(SMMU_GET(d0, CMD0_TLBI_SCALE) & 0x1Fu) + CMD_TLBI_TG_SHIFT(tg);
		const uint64_t num = SMMU_GET(d0, CMD0_TLBI_NUM) + 1;
		fprintf(f, ", \"size\": \"0x%llx\", \"ttl\": %u",
			(unsigned long long)(shift >= 59 ? UINT64_MAX : num << shift), (unsigned)SMMU_GET(d1, CMD1_TLBI_TTL));
	}
}

/* A command's fields in the architecture's words (IHI 0070 §4.3-§4.7), then its doublewords. */
static void write_cmd_args(FILE *f, const struct smmusim_cmd_record *c)
{
	const uint64_t d0 = c->dw[0], d1 = c->dw[1];
	const unsigned op = (unsigned)SMMU_GET(d0, CMD0_OPCODE);
	fprintf(f, "\"opcode\": \"0x%02x\"", op);
	switch (op) {
	case CMD_PREFETCH_CONFIG:
	case CMD_PREFETCH_ADDR:
	case CMD_CFGI_STE:
	case CMD_CFGI_STE_RANGE:
	case CMD_CFGI_CD:
	case CMD_CFGI_CD_ALL:
		fprintf(f, ", \"sid\": \"0x%x\"", (unsigned)SMMU_GET(d0, CMD0_SID));
		if (op == CMD_CFGI_CD || ((op == CMD_PREFETCH_CONFIG || op == CMD_PREFETCH_ADDR) && SMMU_GET(d0, CMD0_SSV)))
			fprintf(f, ", \"ssid\": %u", (unsigned)SMMU_GET(d0, CMD0_SSID));
		if (op == CMD_CFGI_STE || op == CMD_CFGI_CD)
			fprintf(f, ", \"leaf\": %u", (unsigned)SMMU_GET(d1, CMD1_LEAF));
		if (op == CMD_CFGI_STE_RANGE && SMMU_GET(d1, CMD1_RANGE) == CMD_CFGI_ALL_RANGE)
			fputs(", \"range\": \"all\"", f);
		else if (op == CMD_CFGI_STE_RANGE)
			fprintf(f, ", \"range\": %u", (unsigned)SMMU_GET(d1, CMD1_RANGE));
		if (op == CMD_PREFETCH_ADDR)
			fprintf(f, ", \"addr\": \"0x%llx\"", (unsigned long long)(SMMU_GET(d1, CMD1_ADDR) << 12));
		break;
	case CMD_TLBI_NH_ASID:
	case CMD_TLBI_NH_VA:
		fprintf(f, ", \"asid\": %u", (unsigned)SMMU_GET(d0, CMD0_ASID));
		/* fall through */
	case CMD_TLBI_NH_ALL:
	case CMD_TLBI_NH_VAA:
	case CMD_TLBI_S12_VMALL:
	case CMD_TLBI_S2_IPA:
		fprintf(f, ", \"vmid\": %u", (unsigned)SMMU_GET(d0, CMD0_VMID));
		if (op == CMD_TLBI_NH_VA || op == CMD_TLBI_NH_VAA || op == CMD_TLBI_S2_IPA)
			write_tlbi_range(f, d0, d1);
		break;
	case CMD_SYNC: {
		static const char *const cs[] = {"none", "irq", "sev", "reserved"};
		fprintf(f, ", \"cs\": \"%s\", \"done_cycle\": %llu, \"drain_cycles\": %llu, \"seen_cycle\": %llu",
			cs[SMMU_GET(d0, CMD0_SYNC_CS)], (unsigned long long)c->done_cycle,
			(unsigned long long)c->drain_cycles, (unsigned long long)c->seen_cycle);
		break;
	}
	default:
		break;
	}
	if (c->cerror)
		fprintf(f, ", \"cerror\": %u", c->cerror);
	fprintf(f, ", \"dw0\": \"0x%016llx\", \"dw1\": \"0x%016llx\"", (unsigned long long)d0, (unsigned long long)d1);
}

/* A CMD_SYNC lasts until software saw it complete (the poll that read CONS past it). */
static uint64_t cmd_end(const struct smmusim_cmd_record *c)
{
	return SMMU_GET(c->dw[0], CMD0_OPCODE) == CMD_SYNC && c->seen_cycle > c->done_cycle ? c->seen_cycle
												: c->done_cycle;
}

static void write_slice(FILE *f, const char *cat, const char *name, uint32_t tid, uint64_t from, uint64_t to)
{
	fprintf(f, ",\n{\"ph\": \"X\", \"cat\": \"%s\", \"name\": ", cat);
	json_string(f, name);
	fprintf(f, ", \"pid\": %d, \"tid\": %u, \"ts\": %llu, \"dur\": %llu, \"args\": {", PID_DRIVER, tid,
		(unsigned long long)from, (unsigned long long)(to - from));
}

/*
 * The driver's calls on track 0, each command nested in the call that issued it when it ran
 * inside it (the driver waits for a CMD_SYNC after its commands, so it does); a command that ran
 * past its call, or overlapped one it did not belong to, is drawn on track 1 instead.
 */
static void write_driver(const timeline *t, FILE *f)
{
	bool track1 = false;
	for (size_t i = 0; i < t->ncontrols; i++) {
		const struct control *c = &t->controls[i];
		write_slice(f, "driver", c->what, 0, c->start, c->end);
		fprintf(f, "\"kind\": \"%s\", \"line\": %llu, \"commands\": %llu, \"cmd_syncs\": %llu}}", c->kind,
			(unsigned long long)c->line, (unsigned long long)c->cmds, (unsigned long long)c->syncs);
	}
	size_t k = 0;
	for (size_t i = 0; i < t->ncmds; i++) {
		const struct smmusim_cmd_record *c = &t->cmds[i];
		const uint64_t end = cmd_end(c);
		while (k < t->ncontrols && t->controls[k].end <= c->consumed_cycle)
			k++;
		const bool overlaps = k < t->ncontrols && t->controls[k].start < end;
		const bool inside = overlaps && t->controls[k].start <= c->consumed_cycle && end <= t->controls[k].end;
		const uint32_t tid = overlaps && !inside ? 1 : 0;
		track1 |= tid == 1;
		const char *name = smmusim_cmd_name((unsigned)SMMU_GET(c->dw[0], CMD0_OPCODE));
		write_slice(f, "cmd", name ? name : "reserved opcode", tid, c->consumed_cycle, end);
		write_cmd_args(f, c);
		fputs("}}", f);
		/* what a CMD_SYNC waited for: the translations in flight, then software's poll */
		if (c->drain_cycles) {
			write_slice(f, "cmd.wait", "translations in flight", tid, c->done_cycle - c->drain_cycles, c->done_cycle);
			fputs("}}", f);
		}
		if (end > c->done_cycle) {
			write_slice(f, "cmd.wait", "until software reads CONS", tid, c->done_cycle, end);
			fputs("}}", f);
		}
	}
	fprintf(f, ",\n{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": %d, \"tid\": 0, \"args\": {\"name\": "
		   "\"driver calls and the commands they issued\"}}",
		PID_DRIVER);
	if (track1)
		fprintf(f, ",\n{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": %d, \"tid\": 1, \"args\": {\"name\": "
			   "\"commands outside a driver call\"}}",
			PID_DRIVER);
}

/* The counters' rates from sample a to sample b at cycle `at`; zeros without them. Six significant
 * digits: a rate times its period gives back the model's count. */
static void write_counters(FILE *f, uint64_t at, const struct sample *b, const struct sample *a, double dt)
{
#define RATE(k) (b ? (double)(b->v[k] - a->v[k]) / dt : 0.0)
	fprintf(f, ",\n{\"ph\": \"C\", \"name\": \"slots busy\", \"pid\": %d, \"ts\": %llu, \"args\": "
		   "{\"translation\": %.6g, \"walk\": %.6g, \"configuration\": %.6g}}",
		PID_TCU, (unsigned long long)at, RATE(0), RATE(1), RATE(2));
	fprintf(f, ",\n{\"ph\": \"C\", \"name\": \"memory channel busy\", \"pid\": %d, \"ts\": %llu, \"args\": "
		   "{\"fraction\": %.6g}}",
		PID_TCU, (unsigned long long)at, RATE(3));
	fprintf(f, ",\n{\"ph\": \"C\", \"name\": \"memory reads per cycle\", \"pid\": %d, \"ts\": %llu, \"args\": {",
		PID_TCU, (unsigned long long)at);
	for (size_t k = 4; k < NCOUNTERS; k++)
		fprintf(f, "%s\"%s\": %.6g", k > 4 ? ", " : "", kCounters[k] + 4, RATE(k));
	fprintf(f, "}}");
#undef RATE
}

int timeline_finish(timeline *t, char *err, size_t errlen)
{
	if (!t)
		return 0;
	uint32_t nports = 0;
	for (size_t i = 0; i < t->nxfers; i++)
		if (t->xfers[i].completed && t->xfers[i].d.port + 1 > nports)
			nports = t->xfers[i].d.port + 1;
	uint32_t *lanes = calloc(nports ? nports : 1, sizeof(*lanes));
	if (!lanes || !assign_lanes(t, lanes, nports)) {
		free(lanes);
		timeline_discard(t);
		snprintf(err, errlen, "--timeline: out of memory");
		return -1;
	}
	FILE *f = fopen(t->path, "w");
	if (!f) {
		snprintf(err, errlen, "%s: cannot create: %s", t->path, strerror(errno));
		free(lanes);
		timeline_discard(t);
		return -1;
	}
	fprintf(f, "{\"displayTimeUnit\": \"ns\", \"otherData\": {\"generator\": \"smmusim replay --timeline\", "
		   "\"time_axis\": \"1 us = 1 SMMU cycle\", \"transactions\": %zu},\n\"traceEvents\": [\n",
		t->nxfers);
	/* names of the tracks */
	const char *sep = "";
	for (uint32_t p = 0; p < nports; p++) {
		fprintf(f, "%s{\"ph\": \"M\", \"name\": \"process_name\", \"pid\": %u, \"args\": {\"name\": \"TBU %u\"}}", sep,
			p, p);
		sep = ",\n";
		fprintf(f, ",\n{\"ph\": \"M\", \"name\": \"process_sort_index\", \"pid\": %u, \"args\": {\"sort_index\": %u}}", p, p);
		for (uint32_t l = 0; l < lanes[p]; l++)
			fprintf(f, ",\n{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": %u, \"tid\": %u, \"args\": "
				   "{\"name\": \"lane %u\"}}",
				p, l, l);
	}
	static const struct {
		int pid;
		const char *name;
	} procs[] = {{PID_DRIVER, "driver and command queue"},
		     {PID_TCU, "TCU and memory (per-cycle rates)"},
		     {PID_EVENTS, "events"}};
	for (size_t i = 0; i < 3; i++)
		fprintf(f, "%s{\"ph\": \"M\", \"name\": \"process_name\", \"pid\": %d, \"args\": {\"name\": \"%s\"}}", sep,
			procs[i].pid, procs[i].name),
			sep = ",\n";
	/* transactions, in tag order */
	for (size_t i = 0; i < t->nxfers; i++) {
		const struct xfer *x = &t->xfers[i];
		if (!x->completed)
			continue;
		fprintf(f, ",\n{\"ph\": \"X\", \"cat\": \"dma\", \"name\": \"%s %s\", \"pid\": %u, \"tid\": %u, "
			   "\"ts\": %llu, \"dur\": %llu, \"args\": {\"tag\": %llu, \"sid\": \"0x%x\", ",
			x->d.write ? "write" : "read", status_name(x->status), x->d.port, x->lane,
			(unsigned long long)x->issue, (unsigned long long)(x->done - x->issue),
			(unsigned long long)(t->base_tag + i), x->d.sid);
		if (x->d.ssv)
			fprintf(f, "\"ssid\": %u, ", x->d.ssid);
		fprintf(f, "\"addr\": \"0x%llx\", \"size\": %u, \"status\": \"%s\", \"hit\": \"%s\"",
			(unsigned long long)x->d.addr, x->d.size, status_name(x->status), hit_name(x->hit));
		if (x->status == SMMUSIM_DMA_OK)
			fprintf(f, ", \"pa\": \"0x%llx\"", (unsigned long long)x->pa);
		if (x->event)
			fprintf(f, ", \"fault\": \"%s\", \"event_recorded\": %s", smmu_event_name(x->event),
				x->recorded ? "true" : "false");
		fprintf(f, "}}");
		if (x->event)
			fprintf(f, ",\n{\"ph\": \"i\", \"s\": \"p\", \"cat\": \"event\", \"name\": \"%s\", \"pid\": %d, "
				   "\"tid\": %d, \"ts\": %llu, \"args\": {\"tag\": %llu, \"sid\": \"0x%x\", \"addr\": "
				   "\"0x%llx\", \"recorded\": %s}}",
				smmu_event_name(x->event), PID_EVENTS, 0, (unsigned long long)x->done,
				(unsigned long long)(t->base_tag + i), x->d.sid, (unsigned long long)x->d.addr,
				x->recorded ? "true" : "false");
	}
	write_driver(t, f);
	for (size_t i = 1; i < t->nsamples; i++) {
		const struct sample *a = &t->samples[i - 1], *b = &t->samples[i];
		double dt = (double)(b->cycle - a->cycle);
		if (dt <= 0)
			continue;
		write_counters(f, a->cycle, b, a, dt);
	}
	if (t->nsamples > 1) /* each series ends with the run (else a viewer draws its last rate on) */
		write_counters(f, t->samples[t->nsamples - 1].cycle, NULL, NULL, 1);
	fprintf(f, "\n]}\n");
	int rc = 0;
	if (ferror(f) | (fclose(f) != 0)) {
		snprintf(err, errlen, "%s: write failed: %s", t->path, strerror(errno));
		rc = -1;
	}
	free(lanes);
	timeline_discard(t);
	return rc;
}
