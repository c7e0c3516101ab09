// The platform (platform.hpp) and the C API that builds and drives it (smmusim.h): configuration,
// the register interface handed to the driver, DMA from the master ports, memory. Statistics
// reports are in platform_stats.cpp.
#include "platform.hpp"

#include <systemc>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

using namespace sc_core;
using namespace smmusim;

// Debian's libsystemc.so exports main(), which calls sc_main(); the library cannot link without
// this symbol (extern "C", as SystemC declares it). Our executables (tests, tools) bring their own
// main(), so this is never called. Weak: a SystemC platform built on the TLM component
// (smmusim/smmuv3_tlm.hpp) brings its own sc_main, which wins.
extern "C" __attribute__((weak)) int sc_main(int, char **) { return 0; }

static_assert(unsigned(XLATE_OK) == SMMUSIM_DMA_OK && unsigned(XLATE_ABORT) == SMMUSIM_DMA_ABORT &&
		      unsigned(XLATE_RAZWI) == SMMUSIM_DMA_RAZWI,
	      "the model's outcomes are the C API's DMA statuses");
static_assert(unsigned(HIT_NONE) == SMMUSIM_HIT_NONE && unsigned(HIT_UTLB) == SMMUSIM_HIT_UTLB &&
		      unsigned(HIT_MTLB) == SMMUSIM_HIT_MTLB && unsigned(HIT_TCU) == SMMUSIM_HIT_TCU &&
		      unsigned(HIT_WALK) == SMMUSIM_HIT_WALK,
	      "the model's hit levels are the C API's");

namespace {

const sc_time kCycle(1, SC_NS);
bool g_created = false; // SystemC elaborates once per process

// The C request as the model's transaction: the one conversion on the way in (every field of t
// but the tag and the issue cycle).
void to_txn(const struct smmusim_dma &d, Txn &t)
{
	t.port = d.port;
	t.sid = d.sid;
	t.ssv = d.ssv;
	t.ssid = d.ssv ? (d.ssid & SMMU_ID_MASK(SMMU_MAX_SSID_BITS)) : 0;
	t.addr = d.addr;
	t.size = d.size;
	t.write = d.write;
	t.priv = d.priv;
	t.instr = d.instr && !d.write;
}

// The model's result into the caller's C result: the one conversion on the way out, a copy (the
// same layout, the same values).
#define SAME_FIELD(f) \
	(offsetof(DmaResult, f) == offsetof(smmusim_dma_result, f) && \
	 sizeof(DmaResult::f) == sizeof(smmusim_dma_result::f))
static_assert(sizeof(DmaResult) == sizeof(smmusim_dma_result) && SAME_FIELD(status) && SAME_FIELD(hit) &&
		      SAME_FIELD(pa) && SAME_FIELD(event) && SAME_FIELD(event_recorded) && SAME_FIELD(issue_cycle) &&
		      SAME_FIELD(done_cycle) && SAME_FIELD(tag),
	      "DmaResult is struct smmusim_dma_result field for field");
#undef SAME_FIELD
void to_result(const DmaResult &r, smmusim_dma_result &out) { std::memcpy(&out, &r, sizeof out); }

bool valid(const smmusim_platform &m, const struct smmusim_dma &d)
{
	// one access never crosses a 4 KB boundary (as a PCIe request does not): one page, one translation
	constexpr uint64_t page = 1ull << SMMU_GRANULE_4K;
	// 1 <= size <= page - offset, as one unsigned compare (size 0 wraps to the largest value)
	return d.port < m.p.tbu_count && (uint64_t)d.size - 1 < page - (d.addr & (page - 1));
}

// ---- The register interface (regif.h) on this platform -----------------------------------------

smmusim_platform &P(void *ctx) { return *static_cast<smmusim_platform *>(ctx); }

// A CPU read of a register costs the MMIO round trip (smmu.reg_read_cycles): the request reaches
// the SMMU half-way, which is when the register is sampled, and the CPU has the value at the end.
// Writes are posted: the CPU does not wait for them.
template <class Read> auto reg_read(smmusim_platform &m, Read read)
{
	const unsigned rt = m.reads_timed ? m.p.reg_read_cycles : 0;
	m.smmu->stats.c[smmusim::ST_REG_READS]++;
	m.smmu->stats.c[smmusim::ST_REG_READ_CYCLES] += rt;
	if (rt)
		m.run(rt / 2);
	const auto v = read();
	if (rt)
		m.run(rt - rt / 2);
	return v;
}
uint32_t ri_read32(void *ctx, uint32_t off)
{
	return reg_read(P(ctx), [&] { return P(ctx).smmu->read32(off); });
}
// A write may notify a SystemC event (CMDQ_PROD, CR0 ...), and so change what SystemC has due.
// It needs no sc_start to bring SystemC's clock to the model's first: the Smmu notifies at now(),
// smmu->ahead past SystemC's clock (Smmu::kick_cmdq, schedule_ack), and nothing of SystemC's is
// due before that (run()), so its processes wake at the cycle, and in the order, they would after
// a catch-up.
template <class Write> void reg_write(smmusim_platform &m, Write write)
{
	write();
	m.sc_due = 0;
}
void ri_write32(void *ctx, uint32_t off, uint32_t v)
{
	reg_write(P(ctx), [&] { P(ctx).smmu->write32(off, v); });
}
uint64_t ri_read64(void *ctx, uint32_t off)
{
	return reg_read(P(ctx), [&] { return P(ctx).smmu->read64(off); });
}
void ri_write64(void *ctx, uint32_t off, uint64_t v)
{
	reg_write(P(ctx), [&] { P(ctx).smmu->write64(off, v); });
}

int ri_dma_alloc(void *ctx, size_t size, size_t align, smmu_dma_buf *buf)
{
	if (!buf)
		return -EINVAL;
	smmusim_platform &m = P(ctx);
	uint64_t bus = 0;
	int r = m.alloc.alloc(size, align ? align : 1, bus);
	if (r)
		return r;
	buf->cpu = m.mem.ptr(bus);
	buf->bus = bus;
	buf->size = size;
	if (m.p.stores_at_barriers) { // the CPU works on a copy of its own (smmusim_platform::publish_stores)
		CpuView v;
		v.bus = bus;
		v.words = (size + 7) / 8; // within the block: blocks are at least 64 bytes, in powers of two
		v.cpu.reset(new (std::nothrow) uint64_t[v.words]);
		v.seen.reset(new (std::nothrow) uint64_t[v.words]);
		if (!v.cpu || !v.seen) {
			m.alloc.free(bus);
			return -ENOMEM;
		}
		std::memcpy(v.cpu.get(), m.mem.ptr(bus), v.words * 8);
		std::memcpy(v.seen.get(), v.cpu.get(), v.words * 8);
		buf->cpu = v.cpu.get();
		m.views[bus] = std::move(v);
	}
	return 0;
}

void ri_dma_free(void *ctx, const smmu_dma_buf *buf)
{
	if (!buf)
		return;
	P(ctx).alloc.free(buf->bus);
	P(ctx).views.erase(buf->bus); // stores not yet made visible are lost, as with a real write buffer
}

// By default the model performs every access in program order and the barriers have nothing to
// order. With mem.store_visibility = barrier they are the only moments the CPU's copy of DMA memory
// and memory exchange what changed (regif.h says what each orders).
void ri_rmb(void *ctx)
{
	if (P(ctx).p.stores_at_barriers)
		P(ctx).observe_writes();
}
void ri_wmb(void *ctx)
{
	if (P(ctx).p.stores_at_barriers)
		P(ctx).publish_stores();
}
void ri_mb(void *ctx)
{
	if (P(ctx).p.stores_at_barriers) {
		P(ctx).publish_stores();
		P(ctx).observe_writes();
	}
}

void ri_relax(void *ctx) { P(ctx).run(P(ctx).p.relax_cycles); }

void ri_log(void *ctx, smmu_log_level level, const char *msg)
{
	static const char *names[] = {"err", "warn", "info", "debug"};
	if (P(ctx).log && msg)
		std::fprintf(stderr, "smmu[%s]: %s\n", names[(unsigned)level & 3u], msg);
}

void set_err(char *err, size_t errlen, const std::string &msg)
{
	if (err && errlen)
		std::snprintf(err, errlen, "%s", msg.c_str());
}

} // namespace

// ---- The platform --------------------------------------------------------------------------------

uint32_t smmusim_platform::new_slot()
{
	if (free_slots.empty()) {
		results.emplace_back();
		return (uint32_t)(results.size() - 1);
	}
	uint32_t s = free_slots.back();
	free_slots.pop_back();
	return s;
}

// A transaction's event record, written at its detection cycle (work_until), into the result in
// `slot`.
void smmusim_platform::queue_event(const PendingEvent &pev, uint64_t s, uint32_t slot)
{
	EventRef e;
	e.cycle = pev.cycle;
	e.seq = s;
	std::memcpy(e.ev, pev.ev, sizeof e.ev);
	e.slot = slot;
	events.push_back(e);
	std::push_heap(events.begin(), events.end(), std::greater<EventRef>());
}

// Present one transaction now and file its result in a slot.
uint32_t smmusim_platform::present_now(const Txn &t, void *data)
{
	const uint32_t slot = new_slot();
	PendingEvent pev;
	smmu->transact(t, data, results[slot], pev);
	const uint64_t s = seq++;
	if (pev.pending)
		queue_event(pev, s, slot);
	return slot;
}

// Present one submitted transaction (at its issue cycle, in issue order): its result goes into
// the completion queue in place, or into a slot when its event record comes later. In line in
// work_until, its one caller.
__attribute__((always_inline)) inline void smmusim_platform::present(const Txn &t)
{
	Done &d = done.next();
	PendingEvent pev;
	smmu->transact(t, nullptr, d.res, pev);
	d.done = d.res.done_cycle;
	d.seq = seq++;
	d.slot = Done::kInline;
	if (pev.pending) {
		d.slot = new_slot();
		results[d.slot] = d.res;
		queue_event(pev, d.seq, d.slot);
	}
	done.commit();
}

// How far ahead of the transaction being presented the next one's CD is prefetched: enough for a
// host memory access to complete meanwhile, near enough for the line to be in cache when used.
static constexpr size_t kPrefetchAhead = 8;

// Our own work (transactions to present, event records to write) strictly before `limit` and at or
// before `last`, in cycle order; events before transactions of the same cycle.
void smmusim_platform::work_until(uint64_t limit, uint64_t last)
{
	for (;;) {
		const Pending *pd = pending.top();
		const uint64_t tp = pd ? pd->at : ~0ull;
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
			// The transaction kPrefetchAhead behind this one: its CD on the way to the host's caches
			// while this one runs (Smmu::prefetch_cd, no effect on the simulation). Only while
			// transactions read CDs from memory (one did since the last hint): with the CDs in the
			// configuration cache (few PASIDs) a hint loads nothing new and costs as much as the
			// lookup it would precede.
			if (pending.count > kPrefetchAhead && smmu->stats.c[ST_RD_CD] != cd_reads_hinted) {
				const Txn &next = pending.ring[(pending.head + kPrefetchAhead) & pending.mask].txn;
				if (next.ssv) {
					cd_reads_hinted = smmu->stats.c[ST_RD_CD];
					cd_hints++;
					smmu->prefetch_cd(next.sid, next.ssid);
				}
			}
			present(pd->txn); // pushes nothing to `pending`: pd stays valid
			pending.pop(pd);
		}
	}
}

// SystemC's clock, in cycles: behind now() by smmu->ahead.
static uint64_t sc_cycle() { return sc_time_stamp().value() / kCycle.value(); }

// Advance time to now + cycles, then also settle everything due at the final cycle (sc_start(t)
// stops before running the processes notified for exactly t), so state read afterwards includes
// that cycle. Transactions and event writes are not SystemC processes: between two SystemC
// activities nothing else changes the state they read, so each stretch is processed in one go
// (one loop iteration per register/command activity, not per transaction or per cycle).
// SystemC's clock is moved only to run its own activity: when none is due by the target, the
// model's time runs ahead of it (smmu->ahead; temporal decoupling), so a driver's register reads
// and polls between two commands cost no sc_start. Nothing of SystemC's is then due before
// SystemC's clock + ahead, and a register write notifies its events that much later (reg_write).
void smmusim_platform::run(uint64_t cycles)
{
	const uint64_t target = now() + cycles;
	if (target < sc_due && next_work() > target) { // nothing due by the target: what the loop would do
		smmu->ahead += cycles;
		return;
	}
	for (;;) {
		const uint64_t s = sc_now;
		uint64_t next_sc = ~0ull;
		if (sc_pending_activity())
			next_sc = s + (uint64_t)(sc_time_to_pending_activity() / kCycle);
		work_until(next_sc, target);
		if (next_sc > target) {
			sc_due = next_sc;
			break;
		}
		smmu->ahead = 0; // next_sc is past the cycles run ahead: nothing was due in between
		// With no work of ours due by the target (a driver call: the replay drains DMA first),
		// SystemC runs all its activity before the target in one sc_start: its processes add
		// nothing to our work, and ours cannot come between.
		const uint64_t work = next_work(), to = work > target ? target : next_sc;
		smmu->quiet_until = std::min(work, target); // our next work, or the caller's at the target
		if (to > s)
			sc_advance((double)(to - s) * kCycle);
		else
			sc_advance(SC_ZERO_TIME); // activity now (a delta or update): run it, so the loop advances
		if (sc_pending_activity_at_current_time())
			sc_advance(SC_ZERO_TIME);
		smmu->quiet_until = 0;
	}
	smmu->ahead = target - sc_now; // nothing of SystemC's is due up to and at the target
	work_until(~0ull, target);     // anything due at the final cycle
}

void smmusim_platform::sc_advance(const sc_time &t)
{
	sc_start(t);
	sc_now = sc_cycle();
}

size_t smmusim_platform::outstanding() const
{
	// Results whose completion cycle is still in the future are outstanding too.
	const uint64_t n = now();
	size_t k = pending.size();
	done.for_each([&](const Done &d) { k += d.done > n; });
	return k;
}

// ---- The C API -----------------------------------------------------------------------------------

extern "C" {

smmusim_platform *smmusim_create(const smmusim_config *cfg, char *err, size_t errlen)
{
	if (g_created) {
		set_err(err, errlen, "smmusim_create: only one simulation per process (SystemC elaborates once)");
		return nullptr;
	}
	auto *m = new smmusim_platform;
	std::string msg;
	if (!smmu_params_from_config(cfg, m->p, msg) || !m->mem.init(m->p.mem_size, msg)) {
		set_err(err, errlen, msg);
		delete m;
		return nullptr;
	}
	g_created = true;
	setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
	try {
		m->smmu = new Smmu("smmu", m->p, m->mem);
		// sc_start with nothing to do warns (W571) on stdout; idle periods are normal here.
		sc_report_handler::set_actions(SC_ID_NO_SC_START_ACTIVITY_, SC_DO_NOTHING);
		m->sc_advance(SC_ZERO_TIME); // finish elaboration so that timed notifications work
	} catch (const std::exception &ex) {
		set_err(err, errlen, std::string("smmusim_create: ") + ex.what());
		return nullptr; // half-built modules stay alive: SystemC cannot take them back
	}
	m->alloc.init(&m->mem, m->p);
	m->log = m->p.log || std::getenv("SMMUSIM_LOG") != nullptr;
	m->regif.ctx = m;
	m->regif.read32 = ri_read32;
	m->regif.write32 = ri_write32;
	m->regif.read64 = ri_read64;
	m->regif.write64 = ri_write64;
	m->regif.dma_alloc = ri_dma_alloc;
	m->regif.dma_free = ri_dma_free;
	m->regif.rmb = ri_rmb;
	m->regif.wmb = ri_wmb;
	m->regif.mb = ri_mb;
	m->regif.relax = ri_relax;
	m->regif.log = ri_log;
	return m;
}

// mem.store_visibility = barrier. A block is compared in chunks first (most are unchanged), then
// word by word where they differ.
constexpr size_t kViewChunk = 512; // words

void smmusim_platform::publish_stores()
{
	for (auto &kv : views) {
		CpuView &v = kv.second;
		uint64_t *ram = reinterpret_cast<uint64_t *>(mem.ptr(v.bus));
		for (size_t i = 0; i < v.words; i += kViewChunk) {
			const size_t n = std::min(kViewChunk, v.words - i);
			if (!std::memcmp(v.cpu.get() + i, v.seen.get() + i, n * 8))
				continue;
			for (size_t k = i; k < i + n; k++)
				if (v.cpu[k] != v.seen[k])
					ram[k] = v.seen[k] = v.cpu[k];
		}
	}
}

// A word both sides changed keeps the CPU's store, which the next write barrier makes visible.
void smmusim_platform::observe_writes()
{
	for (auto &kv : views) {
		CpuView &v = kv.second;
		const uint64_t *ram = reinterpret_cast<const uint64_t *>(mem.ptr(v.bus));
		for (size_t i = 0; i < v.words; i += kViewChunk) {
			const size_t n = std::min(kViewChunk, v.words - i);
			if (!std::memcmp(ram + i, v.seen.get() + i, n * 8))
				continue;
			for (size_t k = i; k < i + n; k++)
				if (ram[k] != v.seen[k]) {
					if (v.cpu[k] == v.seen[k])
						v.cpu[k] = ram[k];
					v.seen[k] = ram[k];
				}
		}
	}
}

// Releases the memory; the SystemC modules stay idle until exit.
void smmusim_destroy(smmusim_platform *sim)
{
	if (sim) // the SMMU module outlives the platform (SystemC): it must not write to a closed stream
		sim->smmu->tracer_ = Tracer{};
	delete sim;
}

const struct smmu_regif *smmusim_regif(smmusim_platform *sim) { return sim ? &sim->regif : nullptr; }

int smmusim_reg_read_timing(smmusim_platform *sim, int timed)
{
	if (!sim)
		return 0;
	const bool was = sim->reads_timed;
	sim->reads_timed = timed != 0;
	return was;
}

uint64_t smmusim_now(const smmusim_platform *sim) { return sim ? sim->now() : 0; }

int smmusim_trace_events(smmusim_platform *sim, const char *patterns, FILE *out, char *err, size_t errlen)
{
	uint64_t mask = 0;
	std::string why;
	if (!trace_mask_from(patterns, mask, why)) {
		set_err(err, errlen, why);
		return -EINVAL;
	}
	if (!sim || (mask && !out)) {
		set_err(err, errlen, "smmusim_trace_events: no platform or no output stream");
		return -EINVAL;
	}
	sim->smmu->tracer_.mask = mask;
	sim->smmu->tracer_.out = out;
	return 0;
}

size_t smmusim_trace_point_count(void) { return TR_COUNT; }
const char *smmusim_trace_point_name(size_t index) { return index < TR_COUNT ? kTracePointNames[index] : nullptr; }
const char *smmusim_trace_point_doc(size_t index) { return index < TR_COUNT ? kTracePointDocs[index] : nullptr; }

void smmusim_cmd_log(smmusim_platform *sim, bool on)
{
	if (sim)
		sim->smmu->cmd_log_on = on;
}

size_t smmusim_cmd_poll(smmusim_platform *sim, struct smmusim_cmd_record *out, size_t max, bool all)
{
	if (!sim || !out)
		return 0;
	CmdLogEntry e;
	size_t n = 0;
	for (; n < max && sim->smmu->take_cmd_log(e, all); n++)
		out[n] = {{e.dw[0], e.dw[1]}, e.consumed, e.done, e.drain, e.seen, e.cerror};
	return n;
}

const char *smmusim_cmd_name(unsigned opcode) { return opcode < 256 ? cmd_name(opcode) : nullptr; }

void smmusim_run(smmusim_platform *sim, uint64_t cycles)
{
	if (sim)
		sim->run(cycles);
}

void smmusim_fail_alloc_after(smmusim_platform *sim, long long n)
{
	if (sim)
		sim->alloc.fail_after(n);
}

int smmusim_dma(smmusim_platform *sim, const struct smmusim_dma *req, void *data, struct smmusim_dma_result *res)
{
	if (!sim || !req || !valid(*sim, *req))
		return -EINVAL;
	sim->work_until(sim->now() + 1, sim->now()); // submitted transactions due now go first
	Txn t;
	to_txn(*req, t);
	t.issue = sim->now();
	const uint32_t slot = sim->present_now(t, data);
	const uint64_t done = sim->results[slot].done_cycle, n = sim->now();
	sim->run(done > n ? done - n : 0);
	if (res)
		to_result(sim->results[slot], *res); // after run(): a deferred event has been written
	sim->free_slots.push_back(slot);
	return 0;
}

int smmusim_dma_submit(smmusim_platform *sim, const struct smmusim_dma *req, uint64_t at, uint64_t tag)
{
	if (!sim || !req || !valid(*sim, *req))
		return -EINVAL;
	const uint64_t n = sim->now();
	Pending &p = sim->pending.next(); // built in place
	p.at = at < n ? n : at;
	p.seq = sim->seq++;
	to_txn(*req, p.txn);
	p.txn.tag = tag;
	p.txn.issue = p.at;
	sim->pending.commit();
	return 0;
}

size_t smmusim_dma_poll(smmusim_platform *sim, struct smmusim_dma_result *out, size_t max)
{
	if (!sim || !out)
		return 0;
	const uint64_t n = sim->now();
	size_t k = 0;
	const Done *d;
	while (k < max && (d = sim->done.top()) && d->done <= n) {
		if (d->slot == Done::kInline) {
			to_result(d->res, out[k++]);
		} else { // after its event record, which work_until wrote by its detection cycle
			to_result(sim->results[d->slot], out[k++]);
			sim->free_slots.push_back(d->slot);
		}
		sim->done.pop(d);
	}
	return k;
}

size_t smmusim_dma_outstanding(const smmusim_platform *sim) { return sim ? sim->outstanding() : 0; }

int smmusim_mem_read(smmusim_platform *sim, uint64_t pa, void *buf, size_t len)
{
	if (!sim || (!buf && len))
		return -EINVAL;
	return sim->mem.read(pa, buf, len) ? 0 : -EFAULT;
}

int smmusim_mem_write(smmusim_platform *sim, uint64_t pa, const void *buf, size_t len)
{
	if (!sim || (!buf && len))
		return -EINVAL;
	return sim->mem.write(pa, buf, len) ? 0 : -EFAULT;
}

} // extern "C"
