// The engine's statistics (stats_report.hpp), shared by the C API (smmusim.h) and the TLM-2.0
// component: one counter by name, every counter as JSON, and the human-readable report. All
// deterministic (no host-time figures).
#include "platform.hpp"
#include "stats_report.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

using namespace smmusim;

namespace {

// Distribution figures by suffix: mean (rounded down), sum (for an exact mean), p50, p90, p99, max, count.
bool hist_stat(const LatencyHist &h, const char *suffix, uint64_t &v)
{
	static const struct { const char *n; unsigned permille; } q[] = {{"p50", 500}, {"p90", 900}, {"p99", 990}};
	if (!std::strcmp(suffix, "mean"))
		v = h.count() ? h.sum() / h.count() : 0;
	else if (!std::strcmp(suffix, "sum"))
		v = h.sum();
	else if (!std::strcmp(suffix, "max"))
		v = h.max();
	else if (!std::strcmp(suffix, "count"))
		v = h.count();
	else {
		for (const auto &e : q)
			if (!std::strcmp(suffix, e.n)) {
				v = h.percentile(e.permille);
				return true;
			}
		return false;
	}
	return true;
}

void hist_json(FILE *out, const char *name, const LatencyHist &h)
{
	std::fprintf(out, ",\n  \"%s\": {\"count\": %llu, \"mean\": %.3f, \"p50\": %llu, \"p90\": %llu, \"p99\": %llu, \"max\": %llu}",
		     name, (unsigned long long)h.count(), h.count() ? (double)h.sum() / (double)h.count() : 0.0,
		     (unsigned long long)h.percentile(500), (unsigned long long)h.percentile(900),
		     (unsigned long long)h.percentile(990), (unsigned long long)h.max());
}

void streams_json(FILE *out, const char *name, const TopN &t, bool ssid)
{
	std::fprintf(out, ",\n  \"%s\": [", name);
	bool first = true;
	for (const StreamCount &e : t.sorted()) {
		std::fprintf(out, "%s\n    {\"sid\": %llu, ", first ? "" : ",",
			     (unsigned long long)(ssid ? e.key >> 20 : e.key));
		if (ssid)
			std::fprintf(out, "\"ssid\": %llu, ", (unsigned long long)(e.key & 0xFFFFF));
		std::fprintf(out, "\"transactions\": %llu, \"misses\": %llu, \"faults\": %llu, \"error\": %llu}",
			     (unsigned long long)e.transactions, (unsigned long long)e.misses, (unsigned long long)e.faults,
			     (unsigned long long)e.err);
		first = false;
	}
	std::fprintf(out, "%s]", first ? "" : "\n  ");
}

} // namespace

namespace smmusim {

uint64_t engine_stat(Smmu &smmu, const char *name)
{
	smmu.sync_stats();
	const Stats &st = smmu.stats;
	if (!std::strcmp(name, "cycles"))
		return smmu.now();
	for (unsigned i = 0; i < ST_COUNT; i++)
		if (!std::strcmp(name, kStatNames[i]))
			return st.c[i];
	uint64_t v = 0;
	if (!std::strncmp(name, "latency.", 8) && hist_stat(st.latency, name + 8, v))
		return v;
	if (!std::strncmp(name, "xlate.latency.", 14) && hist_stat(st.xlate, name + 14, v))
		return v;
	if (!std::strncmp(name, "events.", 7)) {
		for (unsigned t = 0; t < 256; t++) {
			const char *n = event_name(t);
			if (n && !std::strcmp(name + 7, n))
				return st.events[t];
		}
	}
	if (!std::strncmp(name, "cmdq.op.", 8)) {
		for (unsigned op = 0; op < 256; op++) {
			const char *n = cmd_name(op);
			if (n && !std::strcmp(name + 8, n))
				return st.cmds[op];
		}
	}
	if (!std::strncmp(name, "latency.hist.", 13)) {
		char *end = nullptr;
		unsigned long b = std::strtoul(name + 13, &end, 10);
		uint64_t buckets[65];
		st.latency.log2_buckets(buckets);
		if (end != name + 13 && !*end && b < 65)
			return buckets[b];
	}
	return 0;
}

int engine_stats_json(Smmu &smmu, FILE *out, const uint64_t *dma_bytes)
{
	smmu.sync_stats();
	const Stats &st = smmu.stats;
	const uint64_t now = smmu.now();
	std::fprintf(out, "{\n  \"cycles\": %llu", (unsigned long long)now);
	for (unsigned i = 0; i < ST_COUNT; i++)
		std::fprintf(out, ",\n  \"%s\": %llu", kStatNames[i], (unsigned long long)st.c[i]);
	for (unsigned t = 0; t < 256; t++)
		if (const char *n = event_name(t))
			std::fprintf(out, ",\n  \"events.%s\": %llu", n, (unsigned long long)st.events[t]);
	for (unsigned op = 0; op < 256; op++)
		if (const char *n = cmd_name(op))
			std::fprintf(out, ",\n  \"cmdq.op.%s\": %llu", n, (unsigned long long)st.cmds[op]);
	if (dma_bytes)
		std::fprintf(out, ",\n  \"mem.dma_bytes\": %llu", (unsigned long long)*dma_bytes);
	// Mean slot occupancy = busy slot-cycles / cycles (Little's law).
	const double cyc = now ? (double)now : 1.0;
	std::fprintf(out, ",\n  \"tbu.slots.occupancy_mean\": %.3f", (double)st.c[ST_TBU_SLOT_BUSY] / cyc);
	std::fprintf(out, ",\n  \"tcu.xlate.slots.occupancy_mean\": %.3f", (double)st.c[ST_TCU_SLOT_BUSY] / cyc);
	std::fprintf(out, ",\n  \"tcu.ptw.slots.occupancy_mean\": %.3f", (double)st.c[ST_PTW_SLOT_BUSY] / cyc);
	std::fprintf(out, ",\n  \"tcu.ctw.slots.occupancy_mean\": %.3f", (double)st.c[ST_CTW_SLOT_BUSY] / cyc);
	hist_json(out, "latency", st.latency);
	hist_json(out, "xlate.latency", st.xlate);
	// Histogram: [upper bound (exclusive), count] for every non-empty power-of-two bucket.
	uint64_t buckets[65];
	st.latency.log2_buckets(buckets);
	std::fprintf(out, ",\n  \"latency.histogram\": [");
	bool first = true;
	for (unsigned b = 0; b < 65; b++) {
		if (!buckets[b])
			continue;
		unsigned long long ub = b >= 64 ? ~0ull : (1ull << b);
		std::fprintf(out, "%s[%llu, %llu]", first ? "" : ", ", ub, (unsigned long long)buckets[b]);
		first = false;
	}
	std::fprintf(out, "]");
	streams_json(out, "streams", st.streams, false);
	streams_json(out, "substreams", st.substreams, true);
	std::fprintf(out, "\n}\n");
	return std::ferror(out) ? -EIO : 0;
}

// Human-readable report: the counters grouped by unit, with hit rates and the distributions.
int engine_stats_text(Smmu &smmu, FILE *out)
{
	smmu.sync_stats();
	const Stats &st = smmu.stats;
	const uint64_t now = smmu.now();
	const auto c = [&](StatId i) { return (unsigned long long)st.c[i]; };
	auto rate = [](uint64_t lookups, uint64_t misses) {
		return lookups ? 100.0 * (double)(lookups - misses) / (double)lookups : 0.0;
	};
	const double cyc = now ? (double)now : 1.0;
	std::fprintf(out, "cycles                 %llu\n", (unsigned long long)now);
	std::fprintf(out, "transactions           %llu (ok %llu, abort %llu, RAZ/WI %llu, faults %llu, bypass %llu)\n",
		     c(ST_DMA_TRANSACTIONS), c(ST_DMA_OK), c(ST_DMA_ABORT), c(ST_DMA_RAZWI), c(ST_DMA_FAULTS), c(ST_DMA_BYPASS));
	std::fprintf(out, "micro TLB              %llu lookups, %llu misses (%.1f %% hits)\n", c(ST_UTLB_LOOKUPS),
		     c(ST_UTLB_MISSES), rate(st.c[ST_UTLB_LOOKUPS], st.c[ST_UTLB_MISSES]));
	std::fprintf(out, "main TLB               %llu lookups (%llu probes), %llu misses (%.1f %% hits)\n",
		     c(ST_MTLB_LOOKUPS), c(ST_MTLB_PROBES), c(ST_MTLB_MISSES), rate(st.c[ST_MTLB_LOOKUPS], st.c[ST_MTLB_MISSES]));
	std::fprintf(out, "TBU requests to TCU    %llu, merged misses %llu\n", c(ST_TBU_REQUESTS), c(ST_TBU_MERGED));
	std::fprintf(out, "TBU slots              mean %.2f busy, max %llu, %llu stalls / %llu cycles\n",
		     (double)st.c[ST_TBU_SLOT_BUSY] / cyc, c(ST_TBU_SLOT_MAX), c(ST_TBU_SLOT_STALLS), c(ST_TBU_SLOT_STALL_CYCLES));
	std::fprintf(out, "config cache           %llu lookups, %llu misses (%.1f %% hits); L1 %llu lookups, %llu misses\n",
		     c(ST_CFG_LOOKUPS), c(ST_CFG_MISSES), rate(st.c[ST_CFG_LOOKUPS], st.c[ST_CFG_MISSES]), c(ST_CFG_L1_LOOKUPS),
		     c(ST_CFG_L1_MISSES));
	std::fprintf(out, "walk cache             %llu lookups, %llu hits (%llu leaves); S1L0 %llu/%llu S1L1 %llu/%llu S1L2 %llu/%llu S1L3 %llu/%llu (lookups/misses)\n",
		     c(ST_WALK_LOOKUPS), c(ST_WALK_HITS), c(ST_WALK_LEAF_HITS), c(ST_WALK_L0_LOOKUPS), c(ST_WALK_L0_MISSES),
		     c(ST_WALK_L1_LOOKUPS), c(ST_WALK_L1_MISSES), c(ST_WALK_L2_LOOKUPS), c(ST_WALK_L2_MISSES),
		     c(ST_WALK_L3_LOOKUPS), c(ST_WALK_L3_MISSES));
	if (st.c[ST_WALK_S2_LOOKUPS])
		std::fprintf(out, "stage-2 walk cache     %llu lookups, %llu hits (%llu leaves); S2L0 %llu/%llu S2L1 %llu/%llu S2L2 %llu/%llu S2L3 %llu/%llu (lookups/misses)\n",
			     c(ST_WALK_S2_LOOKUPS), c(ST_WALK_S2_HITS), c(ST_WALK_S2_LEAF_HITS), c(ST_WALK_S2L0_LOOKUPS),
			     c(ST_WALK_S2L0_MISSES), c(ST_WALK_S2L1_LOOKUPS), c(ST_WALK_S2L1_MISSES), c(ST_WALK_S2L2_LOOKUPS),
			     c(ST_WALK_S2L2_MISSES), c(ST_WALK_S2L3_LOOKUPS), c(ST_WALK_S2L3_MISSES));
	std::fprintf(out, "TCU slots              mean %.2f busy, max %llu, %llu stalls / %llu cycles\n",
		     (double)st.c[ST_TCU_SLOT_BUSY] / cyc, c(ST_TCU_SLOT_MAX), c(ST_TCU_SLOT_STALLS), c(ST_TCU_SLOT_STALL_CYCLES));
	std::fprintf(out, "walk slots             %llu walks, mean %.2f busy, max %llu, %llu stalls / %llu cycles\n", c(ST_WALKS),
		     (double)st.c[ST_PTW_SLOT_BUSY] / cyc, c(ST_PTW_SLOT_MAX), c(ST_PTW_SLOT_STALLS), c(ST_PTW_SLOT_STALL_CYCLES));
	std::fprintf(out, "config walk slots      %llu walks, mean %.2f busy, max %llu, %llu stalls / %llu cycles\n", c(ST_CTW_WALKS),
		     (double)st.c[ST_CTW_SLOT_BUSY] / cyc, c(ST_CTW_SLOT_MAX), c(ST_CTW_SLOT_STALLS), c(ST_CTW_SLOT_STALL_CYCLES));
	std::fprintf(out, "stalls                 links %llu, cfg lookups %llu, walk lookups %llu, fill hazards %llu (%llu cycles)\n",
		     c(ST_LINK_STALL_CYCLES), c(ST_CFG_STALL_CYCLES), c(ST_WALK_STALL_CYCLES), c(ST_HAZARD_WAITS), c(ST_HAZARD_CYCLES));
	static const char *const kinds[] = {"L1STD", "STE", "L1CD", "CD", "PTE L0", "PTE L1", "PTE L2", "PTE L3", "S2 PTE"};
	std::fprintf(out, "table reads (mean cy)  ");
	const char *sep = "";
	for (unsigned k = 0; k < 9; k++) {
		const uint64_t n = st.c[ST_RD_L1STD + k];
		if (n) {
			std::fprintf(out, "%s%s %llu (%.1f", sep, kinds[k], (unsigned long long)n,
				     (double)st.c[ST_CY_L1STD + k] / (double)n);
			if (st.c[ST_SLC_L1STD + k])
				std::fprintf(out, ", %llu system-cache hits", (unsigned long long)st.c[ST_SLC_L1STD + k]);
			std::fprintf(out, ")");
			sep = ", ";
		}
	}
	if (!*sep)
		std::fprintf(out, "none");
	std::fprintf(out, "\nmemory channel         %.1f %% busy, %llu stall cycles; data %llu reads, %llu writes, %llu bytes\n",
		     100.0 * (double)st.c[ST_MEM_BUSY] / cyc, c(ST_MEM_STALL_CYCLES), c(ST_MEM_DATA_READS),
		     c(ST_MEM_DATA_WRITES), c(ST_MEM_DATA_BYTES));
	for (const auto &h : {std::make_pair("latency", &st.latency), std::make_pair("translation latency", &st.xlate)}) {
		const LatencyHist &l = *h.second;
		std::fprintf(out, "%-22s mean %.1f, p50 %llu, p90 %llu, p99 %llu, max %llu cycles\n", h.first,
			     l.count() ? (double)l.sum() / (double)l.count() : 0.0, (unsigned long long)l.percentile(500),
			     (unsigned long long)l.percentile(900), (unsigned long long)l.percentile(990),
			     (unsigned long long)l.max());
	}
	std::fprintf(out, "events                ");
	bool any = false;
	for (unsigned t = 0; t < 256; t++)
		if (const char *n = event_name(t))
			if (st.events[t]) {
				std::fprintf(out, " %s=%llu", n, (unsigned long long)st.events[t]);
				any = true;
			}
	std::fprintf(out, "%s (recorded %llu)\n", any ? "" : " none", c(ST_EVENTS_RECORDED));
	std::fprintf(out, "commands               %llu (sync %llu, cfgi %llu, tlbi %llu, errors %llu)\n", c(ST_CMDS),
		     c(ST_CMD_SYNC), c(ST_CMD_CFGI), c(ST_CMD_TLBI), c(ST_CMD_ERRORS));
	if (c(ST_CMDS)) {
		std::fprintf(out, "commands by opcode    ");
		for (unsigned op = 0; op < 256; op++)
			if (st.cmds[op] && cmd_name(op))
				std::fprintf(out, " %s=%llu", cmd_name(op), (unsigned long long)st.cmds[op]);
		std::fprintf(out, "\n");
	}
	unsigned shown = 0;
	for (const StreamCount &e : st.substreams.sorted()) {
		if (shown++ == 8)
			break;
		std::fprintf(out, "%s SID %llu SSID %llu: %llu transactions, %llu misses, %llu faults\n",
			     shown == 1 ? "busiest substreams    " : "                      ", (unsigned long long)(e.key >> 20),
			     (unsigned long long)(e.key & 0xFFFFF), (unsigned long long)e.transactions,
			     (unsigned long long)e.misses, (unsigned long long)e.faults);
	}
	shown = 0;
	for (const StreamCount &e : st.streams.sorted()) {
		if (shown++ == 8)
			break;
		std::fprintf(out, "%s SID %llu: %llu transactions, %llu misses, %llu faults\n",
			     shown == 1 ? "busiest streams       " : "                      ", (unsigned long long)e.key,
			     (unsigned long long)e.transactions, (unsigned long long)e.misses, (unsigned long long)e.faults);
	}
	return std::ferror(out) ? -EIO : 0;
}

} // namespace smmusim

extern "C" {

uint64_t smmusim_stat(const smmusim_platform *sim, const char *name)
{
	if (!sim || !name)
		return 0;
	if (!std::strcmp(name, "dma.outstanding"))
		return sim->outstanding();
	if (!std::strcmp(name, "mem.dma_bytes"))
		return sim->alloc.bytes_in_use();
	if (!std::strcmp(name, "mem.dma_allocations"))
		return sim->alloc.allocations();
	return engine_stat(*sim->smmu, name);
}

int smmusim_stats_json(const smmusim_platform *sim, FILE *out)
{
	if (!sim || !out)
		return -EINVAL;
	const uint64_t dma_bytes = sim->alloc.bytes_in_use();
	return engine_stats_json(*sim->smmu, out, &dma_bytes);
}

int smmusim_stats_text(const smmusim_platform *sim, FILE *out)
{
	if (!sim || !out)
		return -EINVAL;
	return engine_stats_text(*sim->smmu, out);
}

} // extern "C"
