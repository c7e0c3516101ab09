// The SMMUv3 model: TCU (register file, command queue consumer, event queue producer,
// configuration cache, walk cache, walker) and one TBU per master port (micro TLB, main TLB).
//
// Functional behaviour is evaluated when a transaction is presented (tables are read at that
// instant); timing is computed from the path the transaction took (which caches hit, which
// descriptors were read) plus structural hazards (TCU translation slots), and completion is
// reported at the computed cycle. Nothing ticks a clock: registers with delayed effects and the
// command queue are SC_METHODs woken by sc_events only when something is pending.
#ifndef SMMUSIM_SMMU_HPP
#define SMMUSIM_SMMU_HPP

#include <smmuv3/arch.h>
#include <smmusim/cache.hpp>
#include <smmusim/memory.hpp>
#include <smmusim/memport.hpp>
#include <smmusim/params.hpp>
#include <smmusim/timing.hpp>
#include <smmusim/trace.hpp>
#include <smmusim/tlb.hpp>

#include <systemc>

#include <cassert>
#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_set>
#include <vector>

namespace smmusim {

using Params = SmmuParams;

// Transaction outcome: the values of enum smmusim_dma_status (smmusim.h), to which platform.cpp
// converts it; checked there at compile time.
enum : uint8_t { XLATE_OK = 0, XLATE_ABORT = 1, XLATE_RAZWI = 2 };
// Where a translation was found: the values of enum smmusim_hit_level (smmusim.h), checked likewise.
enum : uint8_t { HIT_NONE = 0, HIT_UTLB = 1, HIT_MTLB = 2, HIT_TCU = 3, HIT_WALK = 4 };

// A transaction's result: struct smmusim_dma_result (smmusim.h) field for field, so that the C
// API copies it whole (platform.cpp checks the layout at compile time).
struct DmaResult {
	uint32_t status = XLATE_OK;
	uint32_t hit = HIT_NONE;
	uint64_t pa = 0;
	uint8_t event = 0;
	bool event_recorded = false;
	uint64_t issue_cycle = 0, done_cycle = 0, tag = 0;
};

// Every statistics counter, once: X(enumerator, "name"). The StatId enum, the name table (the
// names smmusim_stat() and the reports use) and its compile-time checks all come from this list,
// so an id and its name cannot drift apart.
#define SMMUSIM_STATS(X) \
	X(ST_DMA_TRANSACTIONS, "dma.transactions") \
	X(ST_DMA_OK, "dma.ok") \
	X(ST_DMA_ABORT, "dma.abort") \
	X(ST_DMA_RAZWI, "dma.razwi") \
	X(ST_DMA_FAULTS, "dma.faults") \
	X(ST_DMA_BYPASS, "dma.bypass") \
	X(ST_EVENTS_RECORDED, "events.recorded") \
	X(ST_EVENTS_NOT_RECORDED, "events.not_recorded") \
	X(ST_EVENTS_DISABLED, "events.eventq_disabled") \
	X(ST_EVENTS_OVERFLOW, "events.overflow") \
	X(ST_EVENTQ_ABT, "events.eventq_abort") \
	X(ST_CMDS, "cmdq.commands") \
	X(ST_CMD_ERRORS, "cmdq.errors") \
	X(ST_CMD_SYNC, "cmdq.sync") \
	X(ST_CMD_SYNC_MSI, "cmdq.sync_msi") \
	X(ST_CMD_SYNC_SEV, "cmdq.sync_sev") \
	X(ST_CMD_CFGI, "cmdq.cfgi") \
	X(ST_CMD_TLBI, "cmdq.tlbi") \
	X(ST_CMD_SYNC_DRAIN, "cmdq.sync.drain_cycles") \
	/* The CPU's register reads through the platform's interface and the cycles they took */ \
	/* (smmu.reg_read_cycles each; none for reads that smmusim_reg_read_timing made untimed). */ \
	X(ST_REG_READS, "regif.reads") \
	X(ST_REG_READ_CYCLES, "regif.read_cycles") \
	X(ST_UTLB_LOOKUPS, "tbu.utlb.lookups") \
	X(ST_UTLB_MISSES, "tbu.utlb.misses") \
	X(ST_MTLB_LOOKUPS, "tbu.mtlb.lookups") \
	X(ST_MTLB_MISSES, "tbu.mtlb.misses") \
	X(ST_MTLB_PROBES, "tbu.mtlb.probes") \
	X(ST_CFG_LOOKUPS, "tcu.cfg.lookups") \
	X(ST_CFG_MISSES, "tcu.cfg.misses") \
	X(ST_CFG_L1_LOOKUPS, "tcu.cfg.l1_lookups") \
	X(ST_CFG_L1_MISSES, "tcu.cfg.l1_misses") \
	X(ST_WALK_LOOKUPS, "tcu.walk.lookups") \
	X(ST_WALK_HITS, "tcu.walk.hits") \
	X(ST_WALKS, "tcu.walks") \
	X(ST_RD_L1STD, "mem.reads.l1std") \
	X(ST_RD_STE, "mem.reads.ste") \
	X(ST_RD_L1CD, "mem.reads.l1cd") \
	X(ST_RD_CD, "mem.reads.cd") \
	X(ST_RD_PTE0, "mem.reads.pte.l0") \
	X(ST_RD_PTE1, "mem.reads.pte.l1") \
	X(ST_RD_PTE2, "mem.reads.pte.l2") \
	X(ST_RD_PTE3, "mem.reads.pte.l3") \
	X(ST_RD_S2PTE, "mem.reads.s2pte") \
	X(ST_LAT_TOTAL, "latency.total") \
	X(ST_LAT_MAX, "latency.max") \
	X(ST_IRQ_EVENTQ, "irq.eventq") \
	X(ST_IRQ_GERROR, "irq.gerror") \
	/* Timing (docs/timing.md). Slot and channel figures are refreshed by Smmu::sync_stats(). */ \
	X(ST_TBU_REQUESTS, "tbu.requests") \
	X(ST_TBU_MERGED, "tbu.merged") \
	X(ST_TBU_SLOT_STALLS, "tbu.slots.stalls") \
	X(ST_TBU_SLOT_STALL_CYCLES, "tbu.slots.stall_cycles") \
	X(ST_TBU_SLOT_BUSY, "tbu.slots.busy_cycles") \
	X(ST_TBU_SLOT_MAX, "tbu.slots.max") \
	X(ST_TCU_SLOT_STALLS, "tcu.xlate.slots.stalls") \
	X(ST_TCU_SLOT_STALL_CYCLES, "tcu.xlate.slots.stall_cycles") \
	X(ST_TCU_SLOT_BUSY, "tcu.xlate.slots.busy_cycles") \
	X(ST_TCU_SLOT_MAX, "tcu.xlate.slots.max") \
	X(ST_PTW_SLOT_STALLS, "tcu.ptw.slots.stalls") \
	X(ST_PTW_SLOT_STALL_CYCLES, "tcu.ptw.slots.stall_cycles") \
	X(ST_PTW_SLOT_BUSY, "tcu.ptw.slots.busy_cycles") \
	X(ST_PTW_SLOT_MAX, "tcu.ptw.slots.max") \
	X(ST_CTW_SLOT_STALLS, "tcu.ctw.slots.stalls") \
	X(ST_CTW_SLOT_STALL_CYCLES, "tcu.ctw.slots.stall_cycles") \
	X(ST_CTW_SLOT_BUSY, "tcu.ctw.slots.busy_cycles") \
	X(ST_CTW_SLOT_MAX, "tcu.ctw.slots.max") \
	X(ST_CTW_WALKS, "tcu.ctw.walks") \
	X(ST_CFG_STALL_CYCLES, "tcu.cfg.stall_cycles") \
	X(ST_WALK_STALL_CYCLES, "tcu.walk.stall_cycles") \
	X(ST_LINK_STALL_CYCLES, "tcu.link.stall_cycles") \
	X(ST_HAZARD_WAITS, "tcu.hazard.waits") \
	X(ST_HAZARD_CYCLES, "tcu.hazard.cycles") \
	X(ST_WALK_L0_LOOKUPS, "tcu.walk.s1l0.lookups") \
	X(ST_WALK_L0_MISSES, "tcu.walk.s1l0.misses") \
	X(ST_WALK_L1_LOOKUPS, "tcu.walk.s1l1.lookups") \
	X(ST_WALK_L1_MISSES, "tcu.walk.s1l1.misses") \
	X(ST_WALK_L2_LOOKUPS, "tcu.walk.s1l2.lookups") \
	X(ST_WALK_L2_MISSES, "tcu.walk.s1l2.misses") \
	X(ST_WALK_L3_LOOKUPS, "tcu.walk.s1l3.lookups") \
	X(ST_WALK_L3_MISSES, "tcu.walk.s1l3.misses") \
	/* Stage-2 walk caches: the same counters, 8 after their stage-1 ones (Smmu::walk_cache_probe). */ \
	X(ST_WALK_S2L0_LOOKUPS, "tcu.walk.s2l0.lookups") \
	X(ST_WALK_S2L0_MISSES, "tcu.walk.s2l0.misses") \
	X(ST_WALK_S2L1_LOOKUPS, "tcu.walk.s2l1.lookups") \
	X(ST_WALK_S2L1_MISSES, "tcu.walk.s2l1.misses") \
	X(ST_WALK_S2L2_LOOKUPS, "tcu.walk.s2l2.lookups") \
	X(ST_WALK_S2L2_MISSES, "tcu.walk.s2l2.misses") \
	X(ST_WALK_S2L3_LOOKUPS, "tcu.walk.s2l3.lookups") \
	X(ST_WALK_S2L3_MISSES, "tcu.walk.s2l3.misses") \
	X(ST_WALK_S2_LOOKUPS, "tcu.walk.s2.lookups") \
	X(ST_WALK_S2_HITS, "tcu.walk.s2.hits") \
	X(ST_WALK_S2_LEAF_HITS, "tcu.walk.s2.leaf_hits") \
	X(ST_WALK_LEAF_HITS, "tcu.walk.leaf_hits") \
	X(ST_MEM_BUSY, "mem.channel.busy_cycles") \
	X(ST_MEM_STALL_CYCLES, "mem.channel.stall_cycles") \
	X(ST_MEM_DATA_READS, "mem.data.reads") \
	X(ST_MEM_DATA_WRITES, "mem.data.writes") \
	X(ST_MEM_DATA_BYTES, "mem.data.bytes") \
	X(ST_CY_L1STD, "mem.cycles.l1std") \
	X(ST_CY_STE, "mem.cycles.ste") \
	X(ST_CY_L1CD, "mem.cycles.l1cd") \
	X(ST_CY_CD, "mem.cycles.cd") \
	X(ST_CY_PTE0, "mem.cycles.pte.l0") \
	X(ST_CY_PTE1, "mem.cycles.pte.l1") \
	X(ST_CY_PTE2, "mem.cycles.pte.l2") \
	X(ST_CY_PTE3, "mem.cycles.pte.l3") \
	X(ST_CY_S2PTE, "mem.cycles.s2pte") \
	/* The system-level cache in front of the memory channel: hits per kind of read (misses are */ \
	/* the reads minus the hits), then the DMA data's hits (mem.slc.data) and cycles. */ \
	X(ST_SLC_L1STD, "mem.slc.hits.l1std") \
	X(ST_SLC_STE, "mem.slc.hits.ste") \
	X(ST_SLC_L1CD, "mem.slc.hits.l1cd") \
	X(ST_SLC_CD, "mem.slc.hits.cd") \
	X(ST_SLC_PTE0, "mem.slc.hits.pte.l0") \
	X(ST_SLC_PTE1, "mem.slc.hits.pte.l1") \
	X(ST_SLC_PTE2, "mem.slc.hits.pte.l2") \
	X(ST_SLC_PTE3, "mem.slc.hits.pte.l3") \
	X(ST_SLC_S2PTE, "mem.slc.hits.s2pte") \
	X(ST_SLC_DATA, "mem.slc.hits.data") \
	X(ST_CY_DATA, "mem.cycles.data") \
	/* Strict mode (docs/model.md): RES0 fields software set, structures the prefetcher cached, */ \
	/* TLB fills that overlapped a live entry of another size, lookups that found such a pair, and */ \
	/* translations answered by the TCU TLB of ASID/VMID-tagged leaves. */ \
	X(ST_STRICT_RES0, "strict.res0") \
	X(ST_STRICT_PREFETCHES, "strict.prefetches") \
	X(ST_STRICT_OVERLAPS, "strict.tlb_overlaps") \
	X(ST_STRICT_CONFLICTS, "strict.tlb_conflicts") \
	X(ST_STRICT_TLB_HITS, "strict.tlb_hits")

enum StatId : unsigned {
#define SMMUSIM_STAT_ID(id, name) id,
	SMMUSIM_STATS(SMMUSIM_STAT_ID)
#undef SMMUSIM_STAT_ID
	ST_COUNT
};
inline constexpr const char *kStatNames[] = {
#define SMMUSIM_STAT_NAME(id, name) name,
	SMMUSIM_STATS(SMMUSIM_STAT_NAME)
#undef SMMUSIM_STAT_NAME
};
static_assert(sizeof(kStatNames) / sizeof(kStatNames[0]) == ST_COUNT, "one name per StatId");
namespace detail {
constexpr bool stat_name_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		++a, ++b;
	return *a == *b;
}
constexpr bool stat_names_distinct()
{
	for (unsigned i = 0; i < ST_COUNT; i++) {
		if (!kStatNames[i][0])
			return false;
		for (unsigned j = i + 1; j < ST_COUNT; j++)
			if (stat_name_eq(kStatNames[i], kStatNames[j]))
				return false;
	}
	return true;
}
} // namespace detail
static_assert(detail::stat_names_distinct(), "statistics names are non-empty and distinct");
const char *event_name(unsigned type); // "F_TRANSLATION", ... or nullptr
const char *cmd_name(unsigned opcode);  // "CMD_CFGI_STE", ... or nullptr

// One command the SMMU consumed from the command queue (the command log, smmusim_cmd_poll).
struct CmdLogEntry {
	uint64_t dw[2] = {};
	uint64_t consumed = 0, done = 0; // read from the queue; CONS moved past it (or CERROR)
	uint64_t drain = 0;              // CMD_SYNC: cycles of it spent on translations in flight
	uint64_t seen = 0;               // first SMMU_CMDQ_CONS read at or after done (0: none yet)
	uint8_t cerror = 0;
};

struct Stats {
	uint64_t c[ST_COUNT] = {};
	uint64_t events[256] = {}; // events raised, by type (recorded or not)
	uint64_t cmds[256] = {};   // commands executed without error, by opcode
	LatencyHist latency;       // issue -> response (the transaction's latency)
	LatencyHist xlate;         // issue -> translation known at the TBU (excludes the data access)
	TopN streams, substreams;  // per StreamID, per (StreamID, SubstreamID)
};

// A table/descriptor read, in the order the transaction did them (for the timing replay).
enum ReadKind : uint8_t { RD_L1STD, RD_STE, RD_L1CD, RD_CD, RD_PTE0, RD_PTE1, RD_PTE2, RD_PTE3, RD_S2PTE, RD_KINDS };

// One DMA transaction as presented by a master.
struct Txn {
	uint32_t port = 0, sid = 0, ssid = 0, size = 0;
	bool ssv = false, write = false, priv = false, instr = false;
	uint64_t addr = 0, tag = 0, issue = 0;
};

// Key of the configuration cache: STE by SID, CD by (SID, CD index), L1 descriptors by table
// index. One cache holds all kinds, as a unified MMU-style configuration cache.
struct CfgKey {
	uint32_t sid = 0;
	uint32_t index = 0; // CD index, or L1 index for L1STD/L1CD
	uint8_t kind = 0;   // CfgKind
	bool operator==(const CfgKey &o) const noexcept { return sid == o.sid && index == o.index && kind == o.kind; }
	uint64_t hash() const noexcept { return index ^ ((uint64_t)sid << 8 | kind) * 0xD6E8FEB86659FD93ull; }
	// Set index in a cache of `sets` sets (a power of two, or any count): the index (CD index =
	// SubstreamID, or L1 index) modulo the set count, XORed with a mixing hash of the index bits
	// above that, the StreamID and the kind. An aligned block of `sets` consecutive PASIDs is thus
	// conflict-free, and PASIDs at any stride spread as with a random hash. (A plain XOR-fold of
	// 4-bit fields sent PASIDs at strides 0xFFF and 0xFFFF, where the fields cancel, all to one set.)
	uint64_t set_index(uint32_t sets) const noexcept
	{
		if (sets == 0)
			return 0;
		const uint64_t x = index;
		if ((sets & (sets - 1)) == 0) { // the same with masks and shifts instead of divisions
			const uint64_t mask = sets - 1;
			return ((x & mask) ^ set_hash((x >> __builtin_ctz(sets)) << 40 ^ (uint64_t)sid << 8 ^ kind)) & mask;
		}
		return ((x % sets) ^ set_hash((x / sets) << 40 ^ (uint64_t)sid << 8 ^ kind)) % sets;
	}
};
enum CfgKind : uint8_t { CFG_STE = 0, CFG_CD = 1, CFG_L1STD = 2, CFG_L1CD = 3, CFG_KINDS };

// The checks of an STE or a CD, as Smmu::cfg_decode found them.
enum CfgCheck : uint8_t {
	CFG_CHECK_OK,
	CFG_CHECK_BAD,      // C_BAD_STE / C_BAD_CD
	CFG_CHECK_ABORT,    // an STE with V=1 and Config 000..011: abort without an event
	CFG_CHECK_STALL,    // a legal CD with S=1: C_BAD_CD if its STE has S1STALLD=1
};
struct CfgVal {
	uint64_t dw[8] = {};
	uint64_t ready = 0; // cycle the fill completes (a hit before it waits: fill hazard)
	// The checks of an STE or a CD (Smmu::cfg_decode, when it was read), kept with the cached copy
	// so that a hit does not run them again. They depend on dw[] and the SMMU's fixed parameters
	// only, never on another structure (a CD's S=1 against its STE's S1STALLD is left to the
	// user: CFG_CHECK_STALL), so the result is what checking the same bytes again gives, and it
	// is dropped with its entry.
	CfgCheck check = CFG_CHECK_BAD;
};

// Decoded stage-2 configuration of an STE (Config 11x, IDR0.S2P=1).
struct S2Cfg {
	bool on = false, affd = false, record = false;
	uint16_t vmid = 0;
	unsigned g = 12, ia = 48, start = 0, ps = 48;
	uint64_t ttb = 0;
};
enum FetchResult : uint8_t { FETCH_OK, FETCH_ABORT, FETCH_FAULTED };
struct S2Out;
struct S1Leaf;
struct WalkGeom;
struct WalkStep;
struct WalkProbe;

struct Tbu {
	TbuTlb utlb, mtlb;
	SlotPool utlb_pipe, mtlb_pipe, slots; // lookup pipes (latency, slots) and translation slots
	Tbu(const Params &p, uint64_t seed);
};

struct WalkVal {
	uint64_t table = 0; // next-level table address, or a leaf's output address (IPA when nested)
	uint64_t acc = 0;   // accumulated APTable/XNTable/PXNTable bits (descriptor positions)
	uint64_t ready = 0; // cycle the descriptor read completes (fill hazard)
	uint64_t leaf_desc = 0; // a leaf (page or block) entry: its descriptor; 0 = a table entry
	bool leaf() const { return leaf_desc != 0; } // a valid leaf descriptor is never 0
};

// Where the transaction went, recorded by the functional evaluation and replayed by the timing
// (Smmu::timing): which lookups it made, which descriptors it read in which order, which cache
// entries it hit while their fill was still in flight, and which entries it filled.
struct Path {
	static constexpr unsigned kMaxReads = 48;
	// Stage-2 walks one translation does at most: of the L1CD and the CD address, of each of the
	// four stage-1 table addresses, and of the output IPA (nested).
	static constexpr unsigned kMaxS2Walks = 7;
	// The most cache fills one translation records, by construction: each configuration structure
	// once into the configuration cache (L1STD, STE, L1CD, CD), one walk-cache entry per level a
	// walk reads (a leaf is cached too; without DS a walk has at most the four levels 0..3): four
	// for stage 1 and four per stage-2 walk, then the main and the micro TLB. A dropped fill would
	// leave its entry ready at once, so the TLB fills, recorded last, must always fit.
	static constexpr unsigned kMaxFills = CFG_KINDS + 4 + 4 * kMaxS2Walks + 2;
	// A stage-2 walk-cache lookup is recorded in reads[] in its place among the reads (the timing
	// replays it as a lookup, not a read): kS2Lookup | its index in s2_ready.
	static constexpr uint8_t kS2Lookup = 0x80;
	static constexpr uint8_t kAtResponse = 0xFF; // fill completes when the response reaches the TBU
	bool tcu = false;      // went to the TCU (TBU TLB miss)
	bool walk = false;     // looked up the walk cache
	bool ptw = false;      // started a table walk (needs a walk slot)
	bool mtlb = false;     // looked up the main TLB
	bool data = false;     // the final access reached memory
	bool tbu_fault = false; // fault detected in the TBU (permission on a TLB hit)
	unsigned mtlb_probes = 0;
	uint64_t hit_ready = 0, cfg_ready = 0, walk_ready = 0; // fill-in-flight hazards
	uint8_t walk_first = 0xFF; // index in reads[] of the first read done under a walk slot
	uint8_t nreads = 0;
	unsigned mem_reads = 0; // all table/descriptor reads (nreads is capped at kMaxReads)
	uint8_t reads[kMaxReads];
	uint64_t slc_hits = 0; // bit k: reads[k] hit the system-level cache
	uint8_t ns2 = 0;
	uint64_t s2_ready[kMaxS2Walks]; // per stage-2 walk-cache lookup: when the entry it hit is filled
	bool data_slc_hit = false;
	uint8_t nfills = 0;
	struct Fill {
		uint64_t *ready;
		uint8_t at; // read index, or kAtResponse
	} fills[kMaxFills];
	void read(uint8_t kind, bool slc_hit)
	{
		mem_reads++;
		if (nreads < kMaxReads) {
			slc_hits |= (uint64_t)slc_hit << nreads;
			reads[nreads++] = kind;
		}
	}
	void fill(uint64_t *ready, uint8_t at)
	{
		assert(nfills < kMaxFills && "Path::kMaxFills is below a translation's fills");
		if (ready && nfills < kMaxFills)
			fills[nfills++] = Fill{ready, at};
	}
	// A stage-2 walk-cache lookup (hit or miss) before the stage-2 walk's reads; `ready` as walk_ready.
	void s2_lookup(uint64_t ready)
	{
		if (nreads < kMaxReads && ns2 < kMaxS2Walks) {
			s2_ready[ns2] = ready;
			reads[nreads++] = (uint8_t)(kS2Lookup | ns2++);
		}
	}
	uint8_t last_read() const { return nreads ? (uint8_t)(nreads - 1) : kAtResponse; }
};

// An event record to be written when the fault is detected (timed mode).
struct PendingEvent {
	bool pending = false;
	uint64_t cycle = 0;
	uint64_t ev[4] = {};
};

class Smmu : public sc_core::sc_module {
public:
	SC_HAS_PROCESS(Smmu);
	// The C API's platform: tables, queues and DMA data all in the model's own Memory.
	Smmu(sc_core::sc_module_name name, const Params &p, Memory &mem);
	// The TLM-2.0 component: the SMMU's own accesses through `port`; transact() then performs no
	// data access (its caller forwards the translated access) and takes the output address as
	// backed; data_abort() corrects the statistics when the downstream access fails.
	Smmu(sc_core::sc_module_name name, const Params &p, MemPort &port);
	void data_abort();
	void set_irq_sink(IrqSink *sink) { irq_sink_ = sink; }

	// Register interface (offsets from the SMMU base; page 1 at 0x10000).
	uint32_t read32(uint32_t off);
	void write32(uint32_t off, uint32_t val);
	uint64_t read64(uint32_t off);
	void write64(uint32_t off, uint64_t val);

	// Present a transaction at t.issue (now or later, in issue order); fills res (status, PA,
	// event, done_cycle). data as smmusim_dma. In timed mode an event is not written yet but
	// returned in pev, to be written with record_event() at pev.cycle (when the fault is detected).
	void transact(const Txn &t, void *data, DmaResult &res, PendingEvent &pev);
	// A host-cache hint for a transaction with SubstreamID ssid of StreamID sid about to be
	// presented: start loading its CD from simulated memory (prefetch.cpp). Counts nothing,
	// changes no state.
	void prefetch_cd(uint32_t sid, uint32_t ssid) const;

	uint64_t now() const; // SystemC's clock in cycles, plus `ahead`
	// Cycles the C API's platform has run past SystemC's clock while nothing of SystemC's was due
	// (smmusim_platform::run): a register read costs cycles, not an sc_start. Zero whenever a
	// SystemC process runs; a register write notifies its events `ahead` later than SystemC's
	// clock (schedule_ack, kick_cmdq), at now(), with no sc_start to catch up.
	uint64_t ahead = 0;
	// The cycle before which, while SystemC runs, nothing but the Smmu's own processes reads or
	// changes the SMMU (the C API's platform: its next transaction, event record or register
	// access): the command queue completes the commands due before it in one activation
	// (cmdq_method). 0: one command per activation.
	uint64_t quiet_until = 0;
	bool timed() const { return timed_; }
	Stats stats;
	Tracer tracer_; // trace points (trace.hpp): off until the platform sets a mask and a stream
	// The command log: off by default (one test per command); on, every command consumed is
	// kept, with its times, until taken. Software "sees" a command complete at its first read of
	// SMMU_CMDQ_CONS after CONS moved past it (a CERROR'd command: when it stopped the queue).
	bool cmd_log_on = false;
	bool take_cmd_log(CmdLogEntry &out, bool unseen_too); // the oldest seen one (or any)
	void sync_stats(); // refresh the derived counters (slots, links, channel, transactions and latency) in stats.c
	const Params &params() const { return p_; }

private:
	// ---- register file (smmu_regs.cpp)
	void ack_method();
	void schedule_ack(uint64_t &due);
	// A register write's wake-up of the command queue, at now(): `ahead` cycles past SystemC's
	// clock (a delta notification when there is none).
	void kick_cmdq();
	bool smmu_enabled() const { return cr0ack_ & 1u; }
	bool cmdq_enabled() const;
	bool eventq_enabled() const;
	bool gerror_active(unsigned bit) const { return ((gerror_ ^ gerrorn_) >> bit) & 1u; }
	void raise_gerror(unsigned bit);
	void send_msi(uint64_t cfg0, uint32_t data, unsigned abort_bit);
	void write_reg64(uint32_t off, uint64_t val);

	uint32_t idr_[6] = {}, iidr_ = 0, aidr_ = 0;
	uint32_t cr0_ = 0, cr0ack_ = 0, cr1_ = 0, cr2_ = 0, gbpa_ = GBPA_RESET_VALUE, gbpa_next_ = 0;
	uint32_t irq_ctrl_ = 0, irq_ctrlack_ = 0, gerror_ = 0, gerrorn_ = 0;
	uint32_t gerror_irq_cfg1_ = 0, gerror_irq_cfg2_ = 0, eventq_irq_cfg1_ = 0, eventq_irq_cfg2_ = 0;
	uint64_t gerror_irq_cfg0_ = 0, eventq_irq_cfg0_ = 0;
	uint64_t strtab_base_ = 0;
	uint32_t strtab_base_cfg_ = 0;
	uint64_t cmdq_base_ = 0, eventq_base_ = 0;
	uint32_t cmdq_prod_ = 0, cmdq_cons_ = 0, eventq_prod_ = 0, eventq_cons_ = 0;
	static constexpr uint64_t NEVER = ~0ull;
	uint64_t cr0_due_ = NEVER, irq_due_ = NEVER, gbpa_due_ = NEVER;
	sc_core::sc_event ack_event_;
	// The cycle of ack_event_'s pending notification (NEVER: none), at or before every due above:
	// it may be earlier than all of them (a due moved later by a second write), and the
	// ack_method's activation then still re-notifies, so the command queue's batch stops there too.
	uint64_t ack_wake_ = NEVER;

	// ---- queues (smmu_queues.cpp)
	void cmdq_method();
	bool cmdq_can_consume() const;
	unsigned cmd_cost(const uint64_t cmd[2]) const;
	uint8_t execute_command(const uint64_t cmd[2]); // CERROR code
	void cmdq_error(uint8_t code);
	void tlbi(uint8_t op, const uint64_t cmd[2]);
	void cfgi(uint8_t op, const uint64_t cmd[2]);
	void cfgi_cd(uint32_t sid, uint32_t ssid, bool leaf);
	void strict_res0(const char *what, uint64_t value); // count + log RES0 bits software set
	sc_core::sc_event cmdq_kick_, cmdq_done_;
	bool cmd_inflight_ = false;
	// CMD_SYNC drains the translations in flight when an invalidation before it ran (timed mode):
	// xlate_until_ is the latest translation-done cycle of the transactions presented so far,
	// sync_drain_ the cycle the next CMD_SYNC cannot complete before.
	uint64_t xlate_until_ = 0, sync_drain_ = 0;
	uint64_t cmd_done_at_ = 0;
	uint64_t cmd_consumed_at_ = 0, cmd_drain_ = 0; // of the command in flight (the command log)
	uint64_t cmd_[2] = {};
	std::deque<CmdLogEntry> cmd_log_;
	size_t cmd_log_seen_ = 0; // cmd_log_[0, this) have been seen by software
	void log_cmd(uint8_t cerror);
	void cmd_log_cons_read();
	bool cmd_fetch_abort_ = false;
	unsigned cmdq_log2() const;
	unsigned eventq_log2() const;

public:
	// Record an event (the queue decides whether it is written); true if it reached the queue.
	bool record_event(const uint64_t ev[4]);

private:
	// ---- translation (model/src/xlate.hpp lists its parts, one file each)
	struct Outcome {
		uint8_t status = XLATE_OK;
		uint64_t pa = 0;
		uint8_t event = 0;
		bool recorded = false;
		uint8_t hit = HIT_NONE; // where translate() found the translation
	};
	struct Xlate; // the state of one translation (model/src/xlate.hpp)
	void translate(const Txn &t, Outcome &o, Path &path); // SMMUEN, then the TBU (tbu.cpp)
	void tcu_translate(Tbu &tbu, const Txn &t, uint32_t ssid, Outcome &o, Path &path); // a TBU miss (tcu.cpp)
	bool fault(const Txn &t, Outcome &o, uint8_t type, uint64_t dw1, uint64_t dw2, uint64_t dw3, bool record,
		   uint8_t status);
	bool abort_event(Xlate &x, uint8_t type, uint64_t dw1 = 0, uint64_t dw2 = 0, uint64_t dw3 = 0);
	void bypass(Xlate &x);
	void stage2_only(Xlate &x);
	// TLB entries (tbu.cpp)
	void tbu_fill(Xlate &x, uint64_t va);
	void tbu_fill_bypass(Xlate &x);
	void tbu_fill_s2(Xlate &x, const S2Out &s2);
	void tbu_fill_s1(Xlate &x, const S1Leaf &leaf, uint8_t s2perm, unsigned out_shift);
	// Configuration (tcu_config.cpp)
	enum class Substream : uint8_t { Cd, Bypass, Ended };
	const CfgVal *cfg_lookup(CfgKind kind, uint32_t sid, uint32_t index, Path &path);
	struct CfgLast;
	const CfgVal *cfg_find(CfgLast &last, const CfgKey &k);
	const CfgVal *fetch_cfg(Xlate &x, CfgKind kind, uint32_t index, uint64_t addr, CfgVal &buf, uint64_t &fetch_pa,
				FetchResult &fr, bool looked_up = false);
	bool find_ste(Xlate &x);
	bool ste_addr_2lvl(Xlate &x, uint64_t st_base, uint64_t &ste_pa);
	void bad_streamid(Xlate &x);
	bool ste_illegal(const CfgVal &ste) const;
	bool s2_illegal(const CfgVal &ste) const;
	S2Cfg s2_config(const CfgVal &ste) const;
	Substream select_substream(Xlate &x, uint32_t &cdidx);
	bool find_cd(Xlate &x, uint32_t cdidx);
	bool cd_addr_2lvl(Xlate &x, uint64_t ctx, unsigned s1fmt, uint32_t cdidx, uint64_t &cd_pa);
	bool cd_illegal(const CfgVal &cd) const;
	static bool cd_refused(const CfgVal &cd, uint64_t ste1); // ste1: the STE's dw[1]
	void cfg_decode(CfgKind kind, CfgVal &v) const;
	// Walks (walk.cpp)
	bool read_desc(uint64_t pa, uint64_t &v, unsigned stat, Path &path);
	uint8_t walk_step(const WalkGeom &w, unsigned level, uint64_t dpa, unsigned stat, Path &path,
			  WalkStep &out);
	bool s2_translate(Xlate &x, uint64_t ipa, unsigned cls, S2Out &out);
	const WalkVal *walk_cache_probe(unsigned stage, uint16_t vmid, uint16_t asid, const WalkGeom &w, uint64_t in,
					unsigned &level, WalkProbe &probe);
	unsigned walk_cache_lookup(Xlate &x, const WalkGeom &w, uint16_t asid, uint64_t &table, uint64_t &acc,
				   uint64_t &leaf_desc, WalkProbe &probe);
	void walk_cache_fill(Xlate &x, unsigned stage, const WalkProbe &probe, unsigned level, const WalkStep &st,
			     uint64_t acc);
	bool s1_walk(Xlate &x, S1Leaf &leaf);
	bool s1_fault(Xlate &x, const S1Leaf &cfg, uint8_t type);
	// Completion cycles of a transaction from its path and the resources' free times.
	struct Times {
		uint64_t xlate = 0, detect = 0, done = 0;
	};
	void timing(const Txn &t, Path &path, Times &out);
	uint64_t data_timing(const Txn &t, uint64_t c, bool slc_hit); // the data access from c: its completion
	// A micro-TLB hit in the page of the TBU's last hit, start to finish (transact.cpp); false,
	// before any side effect, where it does not apply.
	bool utlb_hit(const Txn &t, void *data, DmaResult &res, PendingEvent &pev);
	void copy_data(const Txn &t, uint64_t pa, void *data); // the data access of the C API
	// The result and statistics of a finished transaction.
	void complete(const Txn &t, const Outcome &o, bool miss, const Times &tm, DmaResult &res, PendingEvent &pev);
	uint64_t mem_occupancy(unsigned bytes) const;
	uint64_t mem_access(uint64_t t, uint64_t occ, bool slc_hit, unsigned latency);
	uint64_t walk_lookup(uint64_t t, uint64_t ready);
	// The system-level cache (mem.slc.*): looks up the line of pa in issue order and fills it on
	// a miss; true on a hit (counted in stats.c[hit_stat]). Always false when there is none.
	bool slc_access(uint64_t pa, unsigned hit_stat);
	bool timed_ = true;
	bool utlb_hits_ = false; // utlb_hit() may take micro-TLB hits
	PendingEvent *pev_ = nullptr; // where fault() parks the event in timed mode

	// ---- strict mode (strict.cpp; docs/model.md "Strict mode")
	void strict_prefetch(); // at a seeded subset of the model's entry points
	void strict_note_transaction(const Txn &t);
	struct Prefetch {
		bool follow = false; // walk for va; otherwise follow valid descriptors from seeded indices
		uint64_t va = 0;
	};
	// The memory a prefetch reads: PA space, or with stage 2 on IPA space, through stage 2.
	struct PrefetchSpace {
		const S2Cfg *s2 = nullptr;
		uint64_t ipa_page = 0, pa_page = 0; // the last stage-2 page translated (shift 0: none)
		unsigned shift = 0;
	};
	bool strict_read(PrefetchSpace &sp, uint64_t addr, void *out, unsigned bytes);
	bool strict_s2_page(const S2Cfg &s2, uint64_t ipa, uint64_t &pa_page, unsigned &shift);
	void strict_prefetch_s2(const S2Cfg &s2, Prefetch at);
	void strict_prefetch_cfg(uint32_t sid, bool ssv, uint32_t ssid, Prefetch at);
	void strict_prefetch_ttb(uint16_t vmid, const CfgVal &cd, Prefetch at, PrefetchSpace &sp);
	void strict_prefetch_walk(uint16_t vmid, const CfgVal &cd, unsigned sel, Prefetch at, PrefetchSpace &sp);
	bool strict_pick_entry(const WalkGeom &w, unsigned level, uint64_t table, uint64_t &va, PrefetchSpace &sp);
	bool strict_fetch(CfgKind kind, uint32_t sid, uint32_t index, uint64_t addr, unsigned dwords, CfgVal &out,
			  PrefetchSpace &sp);
	void strict_cache(CfgKind kind, uint32_t sid, uint32_t index, const CfgVal &v);
	struct RecentCtx {
		uint32_t sid = 0, ssid = 0;
		bool ssv = false;
		uint64_t va = 0;
	};
	// The TCU TLB of stage-1 leaves, tagged as IHI 0070 §3.17 tags cached translations (VMID,
	// ASID unless global, VA): configuration invalidation leaves it alone, only TLBI removes its
	// entries. Disabled (no entries) unless strict.
	Tlb strict_tlb_;
	int strict_tlb_lookup(Xlate &x, S1Leaf &leaf); // 0 miss, 1 hit, 2 ended (F_TLB_CONFLICT)
	void strict_prefetch_leaf(uint16_t vmid, uint16_t asid, uint64_t va, unsigned shift, const WalkStep &st,
				  uint64_t acc, unsigned level, uint8_t cd_fields);
	void strict_res0_structure(CfgKind kind, uint64_t pa, const CfgVal &v);
	void strict_unknown_fields(uint64_t ev[4]);
	std::unordered_set<uint64_t> strict_res0_seen_; // STEs and CDs (address | kind) reported
	void strict_tlb_insert(const Xlate &x, const S1Leaf &leaf);
	static constexpr unsigned kRecent = 16;
	RecentCtx recent_[kRecent];
	unsigned recent_n_ = 0;
	SplitMix64 strict_rng_{1};

	Smmu(sc_core::sc_module_name name, const Params &p, Memory *mem, MemPort *port); // exactly one non-null
	void init();
	const Params p_;
	// Exactly one of ram_ (the C API: read inline, no virtual call on the per-walk path) and
	// port_ (the TLM component) serves the SMMU's own accesses.
	Memory *ram_ = nullptr;
	MemPort *port_ = nullptr;
	bool mem_read(uint64_t pa, void *buf, size_t len) { return ram_ ? ram_->read(pa, buf, len) : port_->read(pa, buf, len); }
	bool mem_write(uint64_t pa, const void *buf, size_t len)
	{
		return ram_ ? ram_->write(pa, buf, len) : port_->write(pa, buf, len);
	}
	IrqSink *irq_sink_ = nullptr;
	void pulse(Irq which)
	{
		if (irq_sink_)
			irq_sink_->irq(which);
	}
	uint64_t oas_mask_bits_ = 48;
	uint64_t oas_truncate(uint64_t a) const { return oas_mask_bits_ >= 64 ? a : a & ((1ull << oas_mask_bits_) - 1); }
	std::vector<std::unique_ptr<Tbu>> tbus_;
	SetAssocCache<CfgKey, CfgVal> cfg_cache_;
	// Per kind, the key a configuration-cache lookup last hit and where (cfg_lookup): a master's
	// transactions look up one STE, and one CD per SubstreamID, again and again.
	struct CfgLast {
		CfgKey key;
		SetAssocCache<CfgKey, CfgVal>::Slot at;
	} cfg_last_[CFG_KINDS];
	struct CfgMissed { // the key cfg_find last missed (none: a kind no key has), and its set
		CfgKey key{0, 0, CFG_KINDS};
		uint64_t set = 0;
	} cfg_missed_;
	struct SlcLine {
		uint64_t line = 0;
		bool operator==(const SlcLine &o) const noexcept { return line == o.line; }
		uint64_t hash() const noexcept { return line; }
	};
	SetAssocCache<SlcLine, uint8_t> slc_;
	// Walk caches (tables and leaves) of both stages: one unified cache, or for tcu.walk.layout =
	// per_level one per stage and level (stage 1 levels 0..3, then stage 2 levels 0..3).
	// walk_cache(l, stage) picks the one that holds level l of that stage.
	using WalkCache = SetAssocCache<WalkKey, WalkVal>;
	std::vector<std::unique_ptr<WalkCache>> walk_;
	WalkCache *walk_at_[2][4] = {}; // by stage and level: the one of walk_ that holds it
	WalkCache &walk_cache(unsigned level, unsigned stage = 1) { return *walk_at_[stage - 1][level]; }
	bool walk_on_[2] = {}; // a walk cache of stage 1, of stage 2 has entries
	bool walk_enabled(unsigned stage = 1) const { return walk_on_[stage - 1]; }
	template <class Pred> void walk_invalidate_if(Pred &&p)
	{
		for (auto &w : walk_)
			w->invalidate_if(p);
	}
	// TCU and memory timing resources (docs/timing.md).
	SerialLink link_in_, link_out_, channel_;
	SlotPool tcu_slots_, ptw_slots_, ctw_slots_, cfg_pipe_, walk_pipe_;
	uint64_t read_occ_[RD_KINDS] = {}; // channel cycles of each table/descriptor read (mem_occupancy)
	// log2(mem.bytes_per_cycle) when it is a power of two (the occupancy of a data access is then
	// a shift, not a division), else kNoShift.
	static constexpr unsigned kNoShift = ~0u;
	unsigned mem_bpc_shift_ = kNoShift;
};

} // namespace smmusim

#endif
