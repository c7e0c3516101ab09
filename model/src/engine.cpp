// The platform: memory, DMA allocator, the SMMU model and the master ports that present
// transactions (synchronously, or at a given cycle for trace replay).
#include "engine.hpp"

#include <smmusim/memory.hpp>
#include <smmusim/params.hpp>
#include <smmusim/smmu.hpp>

#include <systemc>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace sc_core;
using namespace smmusim;

namespace {

const sc_time kCycle(1, SC_NS);
bool g_created = false; // SystemC elaborates once per process

// A min-queue for items that mostly arrive in order: a ring FIFO takes every item not smaller
// than the newest, a heap the rest; top/pop merge the two. Submissions (by issue cycle) and
// completions (by done cycle: hits all take the same latency) are in order almost always, so
// pushes and pops are O(1) instead of O(log n).
template <class T> struct OrderedQueue {
	std::vector<T> ring = std::vector<T>(1024);
	size_t head = 0, count = 0;
	std::vector<T> heap; // out-of-order items (min-heap)
	size_t size() const { return count + heap.size(); }
	bool empty() const { return !size(); }
	void push(const T &p)
	{
		if (count && ring[(head + count - 1) & (ring.size() - 1)] > p) {
			heap.push_back(p);
			std::push_heap(heap.begin(), heap.end(), std::greater<T>());
			return;
		}
		if (count == ring.size()) { // grow (amortised, not per transaction)
			std::vector<T> r(ring.size() * 2);
			for (size_t i = 0; i < count; i++)
				r[i] = ring[(head + i) & (ring.size() - 1)];
			ring.swap(r);
			head = 0;
		}
		ring[(head + count++) & (ring.size() - 1)] = p;
	}
	const T *top() const
	{
		const T *a = count ? &ring[head] : nullptr;
		const T *b = heap.empty() ? nullptr : &heap.front();
		return !a ? b : !b ? a : (*a > *b ? b : a);
	}
	void pop()
	{
		const T *a = count ? &ring[head] : nullptr;
		if (a && (heap.empty() || !(*a > heap.front()))) {
			head = (head + 1) & (ring.size() - 1);
			count--;
		} else {
			std::pop_heap(heap.begin(), heap.end(), std::greater<T>());
			heap.pop_back();
		}
	}
	template <class F> void for_each(F &&f) const
	{
		for (size_t i = 0; i < count; i++)
			f(ring[(head + i) & (ring.size() - 1)]);
		for (const T &x : heap)
			f(x);
	}
};

// Submitted transactions wait in issue order (at, seq).
struct Pending {
	uint64_t at, seq;
	Txn txn;
	bool operator>(const Pending &o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

// Results live in a slot pool (reused through a free list) so that an event written later can
// still set its result's event_recorded; the completion heap orders slots by (done, seq).
struct DoneRef {
	uint64_t done, seq;
	uint32_t slot;
	bool operator>(const DoneRef &o) const { return done != o.done ? done > o.done : seq > o.seq; }
};
struct EventRef {
	uint64_t cycle, seq;
	uint64_t ev[4];
	uint32_t slot;
	bool operator>(const EventRef &o) const { return cycle != o.cycle ? cycle > o.cycle : seq > o.seq; }
};

Txn to_txn(const EngineDma &d)
{
	Txn t;
	t.port = d.port;
	t.sid = d.sid;
	t.ssv = d.ssv;
	t.ssid = d.ssv ? (d.ssid & 0xFFFFFu) : 0;
	t.addr = d.addr;
	t.size = d.size;
	t.write = d.write;
	t.priv = d.priv;
	t.instr = d.instr && !d.write;
	return t;
}

void to_result(const DmaResult &r, EngineResult &e)
{
	e.status = r.status;
	e.event = r.event;
	e.event_recorded = r.event_recorded;
	e.pa = r.pa;
	e.issue_cycle = r.issue_cycle;
	e.done_cycle = r.done_cycle;
	e.tag = r.tag;
}

} // namespace

struct SmmusimEngine::Impl {
	Params p;
	Memory mem;
	DmaAllocator alloc;
	Smmu *smmu = nullptr; // SystemC modules cannot be deleted after elaboration: they stay
	OrderedQueue<Pending> pending;
	std::vector<DmaResult> results;
	std::vector<uint32_t> free_slots;
	OrderedQueue<DoneRef> done;
	std::vector<EventRef> events; // min-heap: event records waiting for their detection cycle
	uint64_t seq = 0;

	uint32_t new_slot()
	{
		if (free_slots.empty()) {
			results.emplace_back();
			return (uint32_t)(results.size() - 1);
		}
		uint32_t s = free_slots.back();
		free_slots.pop_back();
		return s;
	}
	// Present one transaction (at its issue cycle, in issue order) and file its result.
	uint32_t present(Txn &t, void *data, bool queue_done)
	{
		const uint32_t slot = new_slot();
		DmaResult &r = results[slot];
		PendingEvent pev;
		smmu->transact(t, data, r, pev);
		const uint64_t s = seq++;
		if (pev.pending) {
			EventRef e;
			e.cycle = pev.cycle;
			e.seq = s;
			std::memcpy(e.ev, pev.ev, sizeof e.ev);
			e.slot = slot;
			events.push_back(e);
			std::push_heap(events.begin(), events.end(), std::greater<EventRef>());
		}
		if (queue_done)
			done.push(DoneRef{r.done_cycle, s, slot});
		return slot;
	}
	// Our own work (transactions to present, event records to write) strictly before `limit`
	// and at or before `last`, in cycle order; events before transactions of the same cycle.
	void work_until(uint64_t limit, uint64_t last)
	{
		for (;;) {
			const Pending *p = pending.top();
			const uint64_t tp = p ? p->at : ~0ull;
			const uint64_t te = events.empty() ? ~0ull : events.front().cycle;
			const uint64_t t = std::min(tp, te);
			if (t >= limit || t > last)
				return;
			if (te <= tp) {
				EventRef e = events.front();
				std::pop_heap(events.begin(), events.end(), std::greater<EventRef>());
				events.pop_back();
				results[e.slot].event_recorded = smmu->record_event(e.ev);
			} else {
				Txn txn = p->txn;
				txn.issue = p->at;
				pending.pop();
				present(txn, nullptr, true);
			}
		}
	}
};

SmmusimEngine *SmmusimEngine::create(const SmmuParams &p, std::string &err)
{
	if (g_created) {
		err = "smmusim_create: only one simulation per process (SystemC elaborates once)";
		return nullptr;
	}
	auto *e = new SmmusimEngine;
	e->impl_ = new Impl;
	Impl &m = *e->impl_;
	m.p = p;
	if (!m.mem.init(p.mem_size, err)) {
		delete e;
		return nullptr;
	}
	g_created = true;
	setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
	try {
		m.smmu = new Smmu("smmu", m.p, m.mem);
		// sc_start with nothing to do warns (W571) on stdout; idle periods are normal here.
		sc_report_handler::set_actions(SC_ID_NO_SC_START_ACTIVITY_, SC_DO_NOTHING);
		sc_start(SC_ZERO_TIME); // finish elaboration so that timed notifications work
	} catch (const std::exception &ex) {
		err = std::string("smmusim_create: ") + ex.what();
		return nullptr; // half-built modules stay alive: SystemC cannot take them back
	}
	m.alloc.init(&m.mem, p.dma_base, p.mem_size);
	return e;
}

SmmusimEngine::~SmmusimEngine() { delete impl_; }

uint32_t SmmusimEngine::read32(uint32_t off) { return impl_->smmu->read32(off); }
void SmmusimEngine::write32(uint32_t off, uint32_t val) { impl_->smmu->write32(off, val); }
uint64_t SmmusimEngine::read64(uint32_t off) { return impl_->smmu->read64(off); }
void SmmusimEngine::write64(uint32_t off, uint64_t val) { impl_->smmu->write64(off, val); }

int SmmusimEngine::dma_alloc(uint64_t size, uint64_t align, uint64_t &bus, void *&cpu)
{
	int r = impl_->alloc.alloc(size, align ? align : 1, bus);
	if (!r)
		cpu = impl_->mem.ptr(bus);
	return r;
}
void SmmusimEngine::dma_free(uint64_t bus) { impl_->alloc.free(bus); }
void SmmusimEngine::fail_alloc_after(long long n) { impl_->alloc.fail_after(n); }

uint64_t SmmusimEngine::now() const { return impl_->smmu->now(); }
// Advance time to now + cycles, then also settle everything due at the final cycle (sc_start(t)
// stops before running the processes notified for exactly t), so state read afterwards includes
// that cycle. Transactions and event writes are not SystemC processes: between two SystemC
// activities nothing else changes the state they read, so each stretch is processed in one go
// (one loop iteration per register/command activity, not per transaction or per cycle).
void SmmusimEngine::run(uint64_t cycles)
{
	Impl &m = *impl_;
	const uint64_t target = now() + cycles;
	for (;;) {
		const uint64_t n = now();
		uint64_t next_sc = ~0ull;
		if (sc_pending_activity())
			next_sc = n + (uint64_t)(sc_time_to_pending_activity() / kCycle);
		m.work_until(next_sc, target);
		if (next_sc > target)
			break;
		if (next_sc > n)
			sc_start((double)(next_sc - n) * kCycle);
		else
			sc_start(SC_ZERO_TIME); // activity now (a delta or update): run it, so the loop advances
		if (sc_pending_activity_at_current_time())
			sc_start(SC_ZERO_TIME);
	}
	if (target > now())
		sc_start((double)(target - now()) * kCycle);
	if (sc_pending_activity_at_current_time())
		sc_start(SC_ZERO_TIME);
	m.work_until(~0ull, target); // anything due at the final cycle after its SystemC activity
}
void SmmusimEngine::relax() { run(impl_->p.relax_cycles); }

bool SmmusimEngine::valid(const EngineDma &d) const
{
	return d.port < impl_->p.tbu_count && d.size >= 1 && d.size <= 4096 && (d.addr & 0xFFFu) + d.size <= 4096;
}

void SmmusimEngine::dma(const EngineDma &d, void *data, EngineResult &res)
{
	Impl &m = *impl_;
	m.work_until(now() + 1, now()); // submitted transactions due now go first
	Txn t = to_txn(d);
	t.issue = now();
	const uint32_t slot = m.present(t, data, false);
	const uint64_t done = m.results[slot].done_cycle, n = now();
	run(done > n ? done - n : 0);
	to_result(m.results[slot], res); // after run(): a deferred event has been written
	m.free_slots.push_back(slot);
}

void SmmusimEngine::submit(const EngineDma &d, uint64_t at, uint64_t tag)
{
	const uint64_t n = now();
	Pending p;
	p.at = at < n ? n : at;
	p.seq = impl_->seq++;
	p.txn = to_txn(d);
	p.txn.tag = tag;
	impl_->pending.push(p);
}

size_t SmmusimEngine::poll(EngineResult *out, size_t max)
{
	Impl &m = *impl_;
	const uint64_t n = now();
	size_t k = 0;
	const DoneRef *d;
	while (k < max && (d = m.done.top()) && d->done <= n) {
		const uint32_t slot = d->slot;
		to_result(m.results[slot], out[k++]);
		m.done.pop();
		m.free_slots.push_back(slot);
	}
	return k;
}

size_t SmmusimEngine::outstanding() const
{
	// Results whose completion cycle is still in the future are outstanding too.
	const uint64_t n = now();
	size_t k = impl_->pending.size();
	impl_->done.for_each([&](const DoneRef &d) { k += d.done > n; });
	return k;
}

bool SmmusimEngine::mem_read(uint64_t pa, void *buf, size_t len) { return impl_->mem.read(pa, buf, len); }
bool SmmusimEngine::mem_write(uint64_t pa, const void *buf, size_t len) { return impl_->mem.write(pa, buf, len); }

namespace {

// Distribution figures by suffix: mean (rounded down), p50, p90, p99, max, count.
bool hist_stat(const LatencyHist &h, const char *suffix, uint64_t &v)
{
	static const struct { const char *n; unsigned permille; } q[] = {{"p50", 500}, {"p90", 900}, {"p99", 990}};
	if (!std::strcmp(suffix, "mean"))
		v = h.count() ? h.sum() / h.count() : 0;
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

uint64_t SmmusimEngine::stat(const char *name) const
{
	impl_->smmu->sync_stats();
	const Stats &st = impl_->smmu->stats;
	if (!std::strcmp(name, "cycles"))
		return now();
	if (!std::strcmp(name, "dma.outstanding"))
		return outstanding();
	if (!std::strcmp(name, "mem.dma_bytes"))
		return impl_->alloc.bytes_in_use();
	if (!std::strcmp(name, "mem.dma_allocations"))
		return impl_->alloc.allocations();
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

int SmmusimEngine::stats_json(FILE *out) const
{
	impl_->smmu->sync_stats();
	const Stats &st = impl_->smmu->stats;
	std::fprintf(out, "{\n  \"cycles\": %llu", (unsigned long long)now());
	for (unsigned i = 0; i < ST_COUNT; i++)
		std::fprintf(out, ",\n  \"%s\": %llu", kStatNames[i], (unsigned long long)st.c[i]);
	for (unsigned t = 0; t < 256; t++)
		if (const char *n = event_name(t))
			std::fprintf(out, ",\n  \"events.%s\": %llu", n, (unsigned long long)st.events[t]);
	std::fprintf(out, ",\n  \"mem.dma_bytes\": %llu", (unsigned long long)impl_->alloc.bytes_in_use());
	// Mean slot occupancy = busy slot-cycles / cycles (Little's law).
	const double cyc = now() ? (double)now() : 1.0;
	std::fprintf(out, ",\n  \"tbu.slots.occupancy_mean\": %.3f", (double)st.c[ST_TBU_SLOT_BUSY] / cyc);
	std::fprintf(out, ",\n  \"tcu.xlate.slots.occupancy_mean\": %.3f", (double)st.c[ST_TCU_SLOT_BUSY] / cyc);
	std::fprintf(out, ",\n  \"tcu.ptw.slots.occupancy_mean\": %.3f", (double)st.c[ST_PTW_SLOT_BUSY] / cyc);
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
int SmmusimEngine::stats_text(FILE *out) const
{
	impl_->smmu->sync_stats();
	const Stats &st = impl_->smmu->stats;
	const auto c = [&](StatId i) { return (unsigned long long)st.c[i]; };
	auto rate = [](uint64_t lookups, uint64_t misses) {
		return lookups ? 100.0 * (double)(lookups - misses) / (double)lookups : 0.0;
	};
	const double cyc = now() ? (double)now() : 1.0;
	std::fprintf(out, "cycles                 %llu\n", (unsigned long long)now());
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
	std::fprintf(out, "walk cache             %llu lookups, %llu hits; S1L0 %llu/%llu S1L1 %llu/%llu S1L2 %llu/%llu (lookups/misses)\n",
		     c(ST_WALK_LOOKUPS), c(ST_WALK_HITS), c(ST_WALK_L0_LOOKUPS), c(ST_WALK_L0_MISSES), c(ST_WALK_L1_LOOKUPS),
		     c(ST_WALK_L1_MISSES), c(ST_WALK_L2_LOOKUPS), c(ST_WALK_L2_MISSES));
	std::fprintf(out, "TCU slots              mean %.2f busy, max %llu, %llu stalls / %llu cycles\n",
		     (double)st.c[ST_TCU_SLOT_BUSY] / cyc, c(ST_TCU_SLOT_MAX), c(ST_TCU_SLOT_STALLS), c(ST_TCU_SLOT_STALL_CYCLES));
	std::fprintf(out, "walk slots             %llu walks, mean %.2f busy, max %llu, %llu stalls / %llu cycles\n", c(ST_WALKS),
		     (double)st.c[ST_PTW_SLOT_BUSY] / cyc, c(ST_PTW_SLOT_MAX), c(ST_PTW_SLOT_STALLS), c(ST_PTW_SLOT_STALL_CYCLES));
	std::fprintf(out, "stalls                 links %llu, cfg lookups %llu, walk lookups %llu, fill hazards %llu (%llu cycles)\n",
		     c(ST_LINK_STALL_CYCLES), c(ST_CFG_STALL_CYCLES), c(ST_WALK_STALL_CYCLES), c(ST_HAZARD_WAITS), c(ST_HAZARD_CYCLES));
	static const char *const kinds[] = {"L1STD", "STE", "L1CD", "CD", "PTE L0", "PTE L1", "PTE L2", "PTE L3", "S2 PTE"};
	std::fprintf(out, "table reads (mean cy)  ");
	const char *sep = "";
	for (unsigned k = 0; k < 9; k++) {
		const uint64_t n = st.c[ST_RD_L1STD + k];
		if (n) {
			std::fprintf(out, "%s%s %llu (%.1f)", sep, kinds[k], (unsigned long long)n,
				     (double)st.c[ST_CY_L1STD + k] / (double)n);
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
