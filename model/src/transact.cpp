// Smmu::transact: one transaction from presentation to completion. The functional evaluation
// (Smmu::translate) decides the outcome and records the path; the data access follows; then the
// timing replays the path through the model's resources (docs/timing.md); then the statistics.
#include "xlate.hpp"

#include <cstring>

namespace smmusim {

// The cycles an access of `bytes` holds the memory channel: ceil(bytes / mem.bytes_per_cycle), at
// least one (a shift instead of a division when the width is a power of two).
uint64_t Smmu::mem_occupancy(unsigned bytes) const
{
	const uint64_t b = (uint64_t)bytes + p_.mem_bytes_per_cycle - 1;
	return std::max<uint64_t>(1, mem_bpc_shift_ != kNoShift ? b >> mem_bpc_shift_ : b / p_.mem_bytes_per_cycle);
}

// One memory access. A system-level cache hit completes mem.slc.latency cycles after t and does
// not use the channel. Otherwise it goes on the shared memory channel (table walks and DMA data
// contend here): it holds the channel `occ` cycles (mem_occupancy) from the first free cycle at or
// after t, and completes `latency` cycles after its last beat. Returns the completion.
uint64_t Smmu::mem_access(uint64_t t, uint64_t occ, bool slc_hit, unsigned latency)
{
	if (slc_hit)
		return t + p_.slc_latency;
	const uint64_t start = channel_.reserve(t, occ);
	return start + occ - 1 + latency;
}

bool Smmu::slc_access(uint64_t pa, unsigned hit_stat)
{
	if (!slc_.enabled())
		return false;
	const SlcLine k{pa >> 6};
	if (slc_.lookup(k, k.line)) {
		stats.c[hit_stat]++;
		return true;
	}
	slc_.insert(k, k.line, 0);
	return false;
}

// A walk-cache lookup (either stage) at cycle t of an entry whose fill completes at `ready` (0 on
// a miss): a slot of the lookup pipe, then the wait for an entry still being read. Returns when
// the walk continues. In line in timing(), its one caller (once per walk).
__attribute__((always_inline)) inline uint64_t Smmu::walk_lookup(uint64_t t, uint64_t ready)
{
	t = walk_pipe_.pass(t, p_.walk_latency);
	if (ready > t) { // the descriptor it hit is still being read
		stats.c[ST_HAZARD_WAITS]++;
		stats.c[ST_HAZARD_CYCLES] += ready - t;
		t = ready;
	}
	return t;
}

// The timing of one transaction (docs/timing.md): replays its path through the resources in
// pipeline order. Each step is "wait until the resource is free, hold it, move on"; the sum of
// the steps for an isolated transaction is the budget in docs/timing.md.
void Smmu::timing(const Txn &t, Path &path, Times &out)
{
	uint64_t c = t.issue;
	uint64_t read_end[Path::kMaxReads];
	Tbu &tbu = *tbus_[t.port];
	if (smmu_enabled() || path.tcu || path.mtlb) {
		if (tbu.utlb.enabled())
			c = tbu.utlb_pipe.pass(c, p_.utlb_latency);
		if (path.mtlb)
			c = tbu.mtlb_pipe.pass(c, p_.mtlb_latency + (path.mtlb_probes > 1 ? path.mtlb_probes - 1 : 0));
	}
	const bool merged = !path.tcu && path.hit_ready > c; // the entry's own miss is still in flight
	if (path.tcu || merged) {
		// A translation slot from the main-TLB miss until the translation reaches the TBU. Every
		// slot is held within this call, with no other request to its pool meanwhile (enter/leave).
		const uint64_t slot_start = c = tbu.slots.enter(c);
		if (merged) {
			stats.c[ST_TBU_MERGED]++;
			c = std::max(c, path.hit_ready);
			out.detect = c;
		} else {
			stats.c[ST_TBU_REQUESTS]++;
			c = link_in_.reserve(c, p_.link_cycles) + p_.link_to_tcu;
			const uint64_t tcu_start = c = tcu_slots_.enter(c);
			c = cfg_pipe_.pass(c, p_.cfg_latency);
			if (path.cfg_ready > c) { // the configuration it hit is still being fetched
				stats.c[ST_HAZARD_WAITS]++;
				stats.c[ST_HAZARD_CYCLES] += path.cfg_ready - c;
				c = path.cfg_ready;
			}
			const unsigned first = std::min<unsigned>(path.walk_first, path.nreads);
			unsigned i = 0;
			auto read = [&](unsigned k) __attribute__((always_inline)) { // no call per read
				const uint8_t kind = path.reads[k];
				if (kind & Path::kS2Lookup) { // a stage-2 walk-cache lookup, as the stage-1 one below
					read_end[k] = c = walk_lookup(c, path.s2_ready[kind & ~Path::kS2Lookup]);
					return;
				}
				const bool hit = (path.slc_hits >> k) & 1;
				const uint64_t end = mem_access(c, read_occ_[kind], hit, p_.mem_latency);
				stats.c[ST_CY_L1STD + kind] += end - c;
				read_end[k] = c = end;
			};
			if (first) { // configuration reads: under a configuration-walk slot when they are limited
				stats.c[ST_CTW_WALKS]++;
				if (p_.ctw_slots) {
					const uint64_t cfg_start = c = ctw_slots_.enter(c);
					for (; i < first; i++)
						read(i);
					ctw_slots_.leave(cfg_start, c);
				}
				for (; i < first; i++)
					read(i);
			}
			if (path.walk)
				c = walk_lookup(c, path.walk_ready);
			if (path.ptw) {
				// A walk slot is held from the walk's first descriptor read: a stage-2 lookup
				// before it needs none, and a walk that reads nothing takes none.
				for (; i < path.nreads && (path.reads[i] & Path::kS2Lookup); i++)
					read(i);
			}
			if (path.ptw && i < path.nreads) {
				const uint64_t walk_start = c = ptw_slots_.enter(c);
				for (; i < path.nreads; i++)
					read(i);
				ptw_slots_.leave(walk_start, c);
			}
			for (; i < path.nreads; i++)
				read(i);
			out.detect = c;
			tcu_slots_.leave(tcu_start, c);
			c = link_out_.reserve(c, p_.link_cycles) + p_.link_to_tbu;
		}
		tbu.slots.leave(slot_start, c);
	} else {
		out.detect = c;
	}
	out.xlate = c;
	for (const Path::Fill *f = path.fills, *const end = f + path.nfills; f != end; f++)
		*f->ready = f->at == Path::kAtResponse ? c : read_end[f->at];
	if (path.data)
		c = data_timing(t, c, path.data_slc_hit);
	out.done = c;
}

// data_timing and complete are in line in both paths, utlb_hit in transact (only this file calls
// them): a call each cost about a sixth of a micro-TLB hit's instructions.
__attribute__((always_inline)) inline uint64_t Smmu::data_timing(const Txn &t, uint64_t c, bool slc_hit)
{
	stats.c[t.write ? ST_MEM_DATA_WRITES : ST_MEM_DATA_READS]++;
	stats.c[ST_MEM_DATA_BYTES] += t.size;
	const uint64_t done = mem_access(c, mem_occupancy(t.size), slc_hit, p_.mem_data_latency);
	stats.c[ST_CY_DATA] += done - c;
	return done;
}

void Smmu::sync_stats()
{
	auto put = [&](unsigned base, const SlotStats &s) {
		stats.c[base] = s.stalls;
		stats.c[base + 1] = s.stall_cycles;
		stats.c[base + 2] = s.busy_cycles;
		stats.c[base + 3] = s.max_busy;
	};
	SlotStats tbu;
	for (auto &b : tbus_) {
		tbu.stalls += b->slots.st.stalls;
		tbu.stall_cycles += b->slots.st.stall_cycles;
		tbu.busy_cycles += b->slots.st.busy_cycles;
		tbu.max_busy = std::max(tbu.max_busy, b->slots.st.max_busy);
	}
	put(ST_TBU_SLOT_STALLS, tbu);
	put(ST_TCU_SLOT_STALLS, tcu_slots_.st);
	put(ST_PTW_SLOT_STALLS, ptw_slots_.st);
	put(ST_CTW_SLOT_STALLS, ctw_slots_.st);
	stats.c[ST_CFG_STALL_CYCLES] = cfg_pipe_.st.stall_cycles;
	stats.c[ST_WALK_STALL_CYCLES] = walk_pipe_.st.stall_cycles;
	stats.c[ST_LINK_STALL_CYCLES] = link_in_.wait_cycles + link_out_.wait_cycles;
	stats.c[ST_MEM_BUSY] = channel_.busy_cycles;
	stats.c[ST_MEM_STALL_CYCLES] = channel_.wait_cycles;
	stats.c[ST_DMA_TRANSACTIONS] = stats.latency.count(); // one latency per transaction (complete)
	stats.c[ST_LAT_TOTAL] = stats.latency.sum();
	stats.c[ST_LAT_MAX] = stats.latency.max();
}

void Smmu::copy_data(const Txn &t, uint64_t pa, void *data)
{
	if (t.write)
		std::memcpy(ram_->ptr(pa), data, t.size);
	else
		std::memcpy(data, ram_->ptr(pa), t.size);
}

// The steps of translate() and timing() for one case, a micro-TLB hit that needs nothing else:
// the same side effects in the same order (the TBU's statistics and micro-TLB lookup, the data,
// the micro-TLB pipe, the data access) without recording a Path and replaying it. The case is
// most transactions of a streaming master (every access after the first in a page), so the memo
// of the TBU's last hit (TbuTlb::remembered) finds it without side effects. It does not apply,
// and the general path runs, with SMMUEN=0, strict mode (its prefetcher follows every
// transaction), a trace point of the way on, a system-level cache on the data, a MemPort, an
// access the entry does not allow (a fault), an output address outside RAM, or an entry whose
// fill may still be in flight when the lookup completes (a merged miss).
__attribute__((always_inline)) inline bool Smmu::utlb_hit(const Txn &t, void *data, DmaResult &res, PendingEvent &pev)
{
	constexpr uint64_t kTraced = 1ull << TR_TBU_UTLB | 1ull << TR_PERM | 1ull << TR_XLATE;
	if (!utlb_hits_ || !smmu_enabled() || (tracer_.mask & kTraced))
		return false;
	Tbu &tbu = *tbus_[t.port];
	const uint32_t ssid = t.ssv ? t.ssid : kNoSsid;
	const TbuEntry *hit = tbu.utlb.remembered(t.sid, ssid, t.addr);
	if (!hit || (timed_ && hit->ready > t.issue + p_.utlb_latency)) // the lookup ends at issue + latency or later
		return false;
	const bool priv = eff_priv(hit->privcfg, t.priv), instr = eff_instr(hit->instcfg, t.instr, t.write);
	if (!((hit->perm_ok >> access_bit(priv, instr, t.write)) & 1u))
		return false;
	Outcome o;
	o.pa = hit->out_base | (t.addr & ((1ull << hit->page_shift) - 1));
	o.hit = HIT_UTLB;
	if (!ram_->in_range(o.pa, t.size))
		return false;
	stats.c[ST_UTLB_LOOKUPS]++;
	tbu.utlb.lookup_remembered(); // the micro-TLB's side effects of the hit
	if (data)
		copy_data(t, o.pa, data);
	Times tm;
	tm.xlate = tm.detect = tm.done = t.issue;
	if (timed_) {
		tm.xlate = tm.detect = tbu.utlb_pipe.pass(t.issue, p_.utlb_latency);
		tm.done = data_timing(t, tm.xlate, false);
		xlate_until_ = std::max(xlate_until_, tm.xlate);
	}
	pev.pending = false;
	complete(t, o, false, tm, res, pev);
	return true;
}

void Smmu::transact(const Txn &t, void *data, DmaResult &res, PendingEvent &pev)
{
	if (utlb_hit(t, data, res, pev))
		return;
	Path path;
	Outcome o;
	pev.pending = false;
	pev_ = timed_ ? &pev : nullptr;
	translate(t, o, path);
	pev_ = nullptr;
	SMMU_TRACE(TR_XLATE, "sid=0x%x ssv=%u ssid=0x%x va=0x%llx %s pa=0x%llx", t.sid, t.ssv, t.ssid,
		   (unsigned long long)t.addr, o.status == XLATE_OK ? "ok" : o.status == XLATE_ABORT ? "abort" : "razwi",
		   (unsigned long long)(o.status == XLATE_OK ? o.pa : 0));
	if (o.status == XLATE_OK && ram_) { // with a MemPort, the caller performs the data access
		const Memory &ram = *ram_;
		if (!ram.in_range(o.pa, t.size)) {
			o.status = XLATE_ABORT; // the output address is not backed by RAM: bus abort
			path.data = false;
		} else if (data) {
			copy_data(t, o.pa, data);
		}
	} else if (o.status == XLATE_RAZWI && data && !t.write) {
		std::memset(data, 0, t.size);
	}
	if (p_.slc_data && path.data) // looked up by its first line (docs/timing.md)
		path.data_slc_hit = slc_access(o.pa, ST_SLC_DATA);
	Times tm;
	tm.xlate = tm.detect = tm.done = t.issue;
	if (timed_) {
		timing(t, path, tm);
		xlate_until_ = std::max(xlate_until_, tm.xlate);
	}
	complete(t, o, path.tcu, tm, res, pev);
}

__attribute__((always_inline)) inline void Smmu::complete(const Txn &t, const Outcome &o, bool miss, const Times &tm, DmaResult &res, PendingEvent &pev)
{
	pev.cycle = tm.detect;
	res.status = o.status;
	res.pa = o.status == XLATE_OK ? o.pa : 0;
	res.event = o.event;
	res.event_recorded = o.recorded;
	res.hit = o.hit;
	res.issue_cycle = t.issue;
	res.done_cycle = tm.done;
	res.tag = t.tag;
	stats.c[o.status == XLATE_OK ? ST_DMA_OK : o.status == XLATE_ABORT ? ST_DMA_ABORT : ST_DMA_RAZWI]++;
	if (o.event)
		stats.c[ST_DMA_FAULTS]++;
	stats.latency.add(tm.done - t.issue); // also the transaction count, total and maximum (sync_stats)
	stats.xlate.add(tm.xlate - t.issue);
	const bool faulted = o.event != 0;
	stats.streams.add(t.sid, miss, faulted);
	if (t.ssv)
		stats.substreams.add(SMMU_PREP(SIDSSID_SID, t.sid) | SMMU_PREP(SIDSSID_SSID, t.ssid), miss, faulted);
}

// The downstream access of a translated transaction failed (TLM component): it is an abort, as
// an output address outside the C API's memory is.
void Smmu::data_abort()
{
	stats.c[ST_DMA_OK]--;
	stats.c[ST_DMA_ABORT]++;
}

} // namespace smmusim
