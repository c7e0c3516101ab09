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
#include <queue>
#include <vector>

using namespace sc_core;
using namespace smmusim;

namespace {

const sc_time kCycle(1, SC_NS);
bool g_created = false; // SystemC elaborates once per process

struct Pending {
	uint64_t at, seq;
	Txn txn;
	bool operator>(const Pending &o) const { return at != o.at ? at > o.at : seq > o.seq; }
};
struct Done {
	uint64_t seq;
	DmaResult res;
	bool operator>(const Done &o) const
	{
		return res.done_cycle != o.res.done_cycle ? res.done_cycle > o.res.done_cycle : seq > o.seq;
	}
};

// Presents submitted transactions at their cycle: one SC_METHOD woken only when the earliest
// pending transaction is due.
struct Masters : sc_module {
	SC_HAS_PROCESS(Masters);
	Smmu &smmu;
	std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> pending;
	std::vector<Done> done; // a min-heap on (done_cycle, seq) via std::push_heap/pop_heap
	sc_event wake;
	uint64_t seq = 0;

	Masters(sc_module_name n, Smmu &s) : sc_module(n), smmu(s)
	{
		SC_METHOD(dispatch);
		sensitive << wake;
		dont_initialize();
	}
	void dispatch()
	{
		const uint64_t now = smmu.now();
		while (!pending.empty() && pending.top().at <= now) {
			Pending p = pending.top();
			pending.pop();
			p.txn.issue = now;
			Done d;
			d.seq = p.seq;
			smmu.transact(p.txn, nullptr, d.res);
			done.push_back(d);
			std::push_heap(done.begin(), done.end(), std::greater<Done>());
		}
		if (!pending.empty())
			wake.notify((double)(pending.top().at - now) * kCycle);
	}
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
	Masters *masters = nullptr;
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
		m.masters = new Masters("masters", *m.smmu);
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
// Advance time; then also settle everything due at the final cycle (sc_start(t) stops before
// running the processes notified for exactly t), so state read afterwards includes cycle t.
void SmmusimEngine::run(uint64_t cycles)
{
	if (cycles)
		sc_start((double)cycles * kCycle);
	if (sc_pending_activity_at_current_time()) // an idle sc_start(0) only warns (W571)
		sc_start(SC_ZERO_TIME);
}
void SmmusimEngine::relax() { run(impl_->p.relax_cycles); }

bool SmmusimEngine::valid(const EngineDma &d) const
{
	return d.port < impl_->p.tbu_count && d.size >= 1 && d.size <= 4096 && (d.addr & 0xFFFu) + d.size <= 4096;
}

void SmmusimEngine::dma(const EngineDma &d, void *data, EngineResult &res)
{
	Txn t = to_txn(d);
	t.issue = now();
	DmaResult r;
	impl_->smmu->transact(t, data, r);
	to_result(r, res);
	const uint64_t n = now();
	run(r.done_cycle > n ? r.done_cycle - n : 0);
}

void SmmusimEngine::submit(const EngineDma &d, uint64_t at, uint64_t tag)
{
	const uint64_t n = now();
	Pending p;
	p.at = at < n ? n : at;
	p.seq = impl_->masters->seq++;
	p.txn = to_txn(d);
	p.txn.tag = tag;
	impl_->masters->pending.push(p);
	impl_->masters->wake.notify((double)(p.at - n) * kCycle);
}

size_t SmmusimEngine::poll(EngineResult *out, size_t max)
{
	const uint64_t n = now();
	size_t k = 0;
	auto &done = impl_->masters->done;
	while (k < max && !done.empty() && done.front().res.done_cycle <= n) {
		to_result(done.front().res, out[k++]);
		std::pop_heap(done.begin(), done.end(), std::greater<Done>());
		done.pop_back();
	}
	return k;
}

size_t SmmusimEngine::outstanding() const
{
	// Results whose completion cycle is still in the future are outstanding too.
	const uint64_t n = now();
	size_t k = impl_->masters->pending.size();
	for (const Done &d : impl_->masters->done)
		k += d.res.done_cycle > n;
	return k;
}

bool SmmusimEngine::mem_read(uint64_t pa, void *buf, size_t len) { return impl_->mem.read(pa, buf, len); }
bool SmmusimEngine::mem_write(uint64_t pa, const void *buf, size_t len) { return impl_->mem.write(pa, buf, len); }

uint64_t SmmusimEngine::stat(const char *name) const
{
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
		if (end != name + 13 && !*end && b < 65)
			return st.lat_hist[b];
	}
	return 0;
}

int SmmusimEngine::stats_json(FILE *out) const
{
	const Stats &st = impl_->smmu->stats;
	std::fprintf(out, "{\n  \"cycles\": %llu", (unsigned long long)now());
	for (unsigned i = 0; i < ST_COUNT; i++)
		std::fprintf(out, ",\n  \"%s\": %llu", kStatNames[i], (unsigned long long)st.c[i]);
	for (unsigned t = 0; t < 256; t++)
		if (const char *n = event_name(t))
			std::fprintf(out, ",\n  \"events.%s\": %llu", n, (unsigned long long)st.events[t]);
	std::fprintf(out, ",\n  \"mem.dma_bytes\": %llu", (unsigned long long)impl_->alloc.bytes_in_use());
	// Histogram: [upper bound (exclusive), count] for every non-empty bucket.
	std::fprintf(out, ",\n  \"latency.histogram\": [");
	bool first = true;
	for (unsigned b = 0; b < 65; b++) {
		if (!st.lat_hist[b])
			continue;
		unsigned long long ub = b >= 64 ? ~0ull : (1ull << b);
		std::fprintf(out, "%s[%llu, %llu]", first ? "" : ", ", ub, (unsigned long long)st.lat_hist[b]);
		first = false;
	}
	std::fprintf(out, "]\n}\n");
	return std::ferror(out) ? -EIO : 0;
}
