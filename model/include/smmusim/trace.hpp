// Named trace points of the model (docs/tracing.md), in the manner of QEMU's trace-events: one
// line per step of a translation, per command consumed, per event recorded. Off by default, and
// free when off: a point is one test of a bit in a mask before any argument is formatted.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace smmusim {

// Every trace point, once: X(enumerator, "name", "what its line says"). The enum, the names that
// --trace-events matches, `--trace-events list` and docs/tracing.md all come from this list.
#define SMMUSIM_TRACE_POINTS(X) \
	X(TR_TBU_UTLB, "tbu_utlb", "micro-TLB lookup of a DMA: sid ssid va, hit or miss") \
	X(TR_TBU_MTLB, "tbu_mtlb", "main-TLB lookup after a micro-TLB miss: sid ssid va probes, hit or miss") \
	X(TR_CFG_LOOKUP, "cfg_lookup", "configuration-cache lookup: kind (STE, CD, L1STD, L1CD) sid index, hit or miss") \
	X(TR_CFG_READ, "cfg_read", "configuration structure read from memory: kind sid index pa") \
	X(TR_WALK_CACHE, "walk_cache", "stage-1 walk-cache lookup: asid va, the level the walk starts at, leaf when it hit a leaf") \
	X(TR_WALK_LEVEL, "walk_level", "one descriptor of a walk: stage level pa desc, and table, leaf or the fault") \
	X(TR_PERM, "perm", "permission check of a translation: access (r/w, priv, instr) allowed or denied, tlb or walk") \
	X(TR_FAULT, "fault", "a fault: event type sid ssid va, recorded or suppressed") \
	X(TR_XLATE, "xlate", "a DMA's outcome: sid ssid va, ok pa / abort / razwi") \
	X(TR_CMD, "cmd", "a command consumed from the command queue: opcode, its two doublewords, CERROR (0: none)") \
	X(TR_EVENT, "event", "an event record written to the event queue, or why not (disabled, error, overflow)")

enum TracePoint : unsigned {
#define SMMUSIM_TRACE_ID(id, name, doc) id,
	SMMUSIM_TRACE_POINTS(SMMUSIM_TRACE_ID)
#undef SMMUSIM_TRACE_ID
	TR_COUNT
};
static_assert(TR_COUNT <= 64, "trace points are bits of one 64-bit mask");

inline constexpr const char *kTracePointNames[] = {
#define SMMUSIM_TRACE_NAME(id, name, doc) name,
	SMMUSIM_TRACE_POINTS(SMMUSIM_TRACE_NAME)
#undef SMMUSIM_TRACE_NAME
};
inline constexpr const char *kTracePointDocs[] = {
#define SMMUSIM_TRACE_DOC(id, name, doc) doc,
	SMMUSIM_TRACE_POINTS(SMMUSIM_TRACE_DOC)
#undef SMMUSIM_TRACE_DOC
};

// The mask of the points a comma-separated list of glob patterns ("walk*,cmd") selects; false
// with a message for a pattern that selects no point. "" selects none.
bool trace_mask_from(const char *patterns, uint64_t &mask, std::string &err);

// Where the points go: a mask and a stream. Lines are "<cycle> <point> <fields>".
struct Tracer {
	uint64_t mask = 0;
	FILE *out = nullptr;
	bool on(TracePoint p) const { return (mask >> p) & 1u; }
	void emit(uint64_t cycle, TracePoint p, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
};

} // namespace smmusim

// In a member of Smmu: formats nothing unless the point is on.
#define SMMU_TRACE(point, ...)                                                   \
	do {                                                                      \
		if (__builtin_expect(tracer_.on(point), 0))                        \
			tracer_.emit(now(), point, __VA_ARGS__);                    \
	} while (0)
