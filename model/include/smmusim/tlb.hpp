// The page-size-aware TLBs on SetAssocCache: Tlb, tagged by regime, VMID and ASID as a TCU TLB is
// (the strict model's TCU TLB), and TbuTlb, tagged by StreamID and SubstreamID as a TBU is (every
// TBU's micro and main TLB); and the key of the TCU's walk caches. Both TLBs keep the page sizes
// present with one PageShifts. Header-only and free of SystemC, so the unit tests and bench-cache
// use the structures the model uses.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "smmusim/cache.hpp"

namespace smmusim {

// Does the 2^shift region numbered vpn overlap [addr, addr+len)? len 0 = the single address.
inline bool region_overlaps(uint64_t vpn, unsigned shift, uint64_t addr, uint64_t len) noexcept
{
	const uint64_t base = vpn << shift;
	const uint64_t last = base + ((uint64_t{1} << shift) - 1);
	const uint64_t end = len == 0 ? addr : (addr + (len - 1) < addr ? ~uint64_t{0} : addr + (len - 1));
	return addr <= last && end >= base;
}

// Entries per page shift and the mask of the shifts present: a TLB probes once per present shift,
// so both TLBs keep this exact through every fill, eviction and invalidation.
class PageShifts {
public:
	void add(unsigned shift) noexcept
	{
		if (count_[shift]++ == 0)
			mask_ |= uint64_t{1} << shift;
	}
	void drop(unsigned shift) noexcept
	{
		if (--count_[shift] == 0)
			mask_ &= ~(uint64_t{1} << shift);
	}
	void clear() noexcept { *this = PageShifts{}; }
	uint64_t mask() const noexcept { return mask_; }
	uint32_t count(unsigned shift) const noexcept { return shift < 64 ? count_[shift] : 0; }

private:
	uint32_t count_[64] = {};
	uint64_t mask_ = 0;
};

// Translation regime ("StreamWorld"). Values are opaque to the TLB; these are the usual ones.
enum class StreamWorld : uint8_t { NS_EL1 = 0, NS_EL2 = 1, NS_EL2_E2H = 2, Secure = 3, EL3 = 4 };

struct TlbTag {
	uint64_t vpn = 0;	 // VA >> page_shift
	uint16_t vmid = 0;
	uint16_t asid = 0;	 // 0 for global entries (ignored on match)
	uint8_t regime = 0;	 // StreamWorld
	uint8_t page_shift = 12;
	uint8_t global = 0;	 // 1 when the descriptor had nG = 0
	bool operator==(const TlbTag &o) const noexcept
	{
		return vpn == o.vpn && vmid == o.vmid && asid == o.asid && regime == o.regime &&
		       page_shift == o.page_shift && global == o.global;
	}
	uint64_t hash() const noexcept
	{
		return vpn ^ ((uint64_t)vmid << 16 | asid | (uint64_t)regime << 32 | (uint64_t)global << 40) * 0xD6E8FEB86659FD93ull ^
		       page_shift;
	}
};

struct TlbEntry {
	uint64_t out_base = 0; // output address of the page/block (low page_shift bits zero)
	uint64_t attrs = 0;    // permissions/attributes, opaque to the TLB
	uint8_t level = 3;     // walk level that produced the leaf
	uint8_t page_shift = 12;
	uint8_t global = 0;
	uint16_t asid = 0;
	uint8_t cfg = 0; // configuration fields cached with the translation, opaque to the TLB
	uint64_t fill = 0; // fill order: of two entries, the older has the smaller value
	// Output address for va (va must lie in the entry's page).
	uint64_t translate(uint64_t va) const noexcept
	{
		return out_base | (va & ((uint64_t{1} << page_shift) - 1));
	}
};

struct TlbLookup {
	const TlbEntry *entry = nullptr; // nullptr on a miss
	unsigned probes = 0;		 // set probes made (one per present page size)
};

struct TlbStats {
	uint64_t lookups = 0, hits = 0, misses = 0, probes = 0;
};

class Tlb {
public:
	// Same geometry rules as SetAssocCache (entries 0 = disabled, ways 0 = fully associative).
	// hash_context = false: set = VA >> page_shift (the brief's indexing; many address spaces
	// using the same VAs then compete for the same sets). true: the VMID and ASID are hashed
	// into the set index, spreading identical VAs of different PASIDs/ASIDs over the sets; global
	// entries are indexed without the ASID, so a page size holding both global and non-global
	// entries costs two probes (the probe count reports it).
	Tlb(uint32_t entries, uint32_t ways, Replacement policy, uint64_t seed = 1,
	    bool hash_context = false)
	    : cache_(entries, ways, policy, seed), hash_context_(hash_context)
	{
	}

	// Probes each present page size, smallest first; the first match wins. A global entry
	// matches any ASID of its regime/VMID.
	TlbLookup lookup(uint8_t regime, uint16_t vmid, uint16_t asid, uint64_t va)
	{
		TlbLookup r;
		++stats_.lookups;
		uint64_t shifts = all_.mask();
		while (shifts) {
			const unsigned shift = static_cast<unsigned>(__builtin_ctzll(shifts));
			shifts &= shifts - 1;
			const uint64_t vpn = va >> shift;
			auto match = [&](const TlbTag &t) {
				return t.vpn == vpn && t.page_shift == shift && t.regime == regime &&
				       t.vmid == vmid && (t.global || t.asid == asid);
			};
			const uint64_t bit = uint64_t{1} << shift;
			const uint64_t set_ng = set_index(vpn, vmid, asid, false);
			const uint64_t set_g = set_index(vpn, vmid, asid, true);
			const TlbEntry *e = nullptr;
			// Non-global entries (or everything, when both kinds share the set).
			if ((present_ng_ & bit) || set_ng == set_g) {
				++r.probes;
				e = cache_.lookup_if(set_ng, match);
			}
			if (!e && set_ng != set_g && (global_.mask() & bit)) {
				++r.probes;
				e = cache_.lookup_if(set_g, match);
			}
			if (e) {
				r.entry = e;
				break;
			}
		}
		stats_.probes += r.probes;
		if (r.entry)
			++stats_.hits;
		else
			++stats_.misses;
		return r;
	}

	// Fills a translation of the 2^page_shift region containing va. Throws on a page_shift
	// outside [12, 63] (a model bug, not a guest error). Returns false if disabled.
	bool insert(uint8_t regime, uint16_t vmid, uint16_t asid, bool global, uint64_t va,
		    unsigned page_shift, uint64_t out_addr, uint64_t attrs, uint8_t level, uint8_t cfg = 0)
	{
		if (page_shift < 12 || page_shift > 63)
			throw std::invalid_argument("tlb: page_shift " + std::to_string(page_shift) +
						    " outside [12, 63]");
		if (!cache_.enabled())
			return false;
		const TlbTag t = make_tag(regime, vmid, asid, global, va, page_shift);
		TlbEntry e;
		e.out_base = out_addr & ~((uint64_t{1} << page_shift) - 1);
		e.attrs = attrs;
		e.level = level;
		e.page_shift = t.page_shift;
		e.global = t.global;
		e.asid = t.asid;
		e.cfg = cfg;
		e.fill = ++fills_;
		Fill how;
		TlbTag victim;
		cache_.insert(t, set_index(t.vpn, vmid, t.asid, global), e, &how, &victim);
		if (how == Fill::Evicted)
			drop(victim.page_shift, victim.global);
		if (how != Fill::Updated)
			add(t.page_shift, t.global);
		return true;
	}

	// An entry of a page size other than `shift` that matches the lookup, or nullptr; no side
	// effects. A TLB that may hold a block and a page for one address finds the second with it.
	const TlbEntry *peek_other_size(uint8_t regime, uint16_t vmid, uint16_t asid, uint64_t va,
					unsigned shift) const
	{
		uint64_t shifts = all_.mask() & ~(uint64_t{1} << shift);
		while (shifts) {
			const unsigned s = static_cast<unsigned>(__builtin_ctzll(shifts));
			shifts &= shifts - 1;
			for (unsigned global = 0; global < 2; global++) {
				const TlbTag t = make_tag(regime, vmid, asid, global != 0, va, s);
				if (const TlbEntry *e = cache_.peek(t, set_index(t.vpn, vmid, t.asid, global)))
					return e;
			}
		}
		return nullptr;
	}

	// --- invalidation (the SMMU TLBI commands); each returns the number of entries removed --
	// TLBI_NSNH_ALL / EL2_ALL / everything of one regime.
	size_t invalidate_all()
	{
		const size_t n = cache_.valid_count();
		cache_.invalidate_all();
		all_.clear();
		global_.clear();
		present_ng_ = 0;
		return n;
	}
	size_t invalidate_regime(uint8_t regime)
	{
		return remove([&](const TlbTag &t) { return t.regime == regime; });
	}
	// NH_ALL(VMID) / S12_VMALL for the stage-1 part: every entry of the VMID, global too.
	size_t invalidate_vmid(uint8_t regime, uint16_t vmid)
	{
		return remove([&](const TlbTag &t) { return t.regime == regime && t.vmid == vmid; });
	}
	// NH_ASID / EL2_ASID: non-global entries of that ASID; global entries stay.
	size_t invalidate_asid(uint8_t regime, uint16_t vmid, uint16_t asid)
	{
		return remove([&](const TlbTag &t) {
			return t.regime == regime && t.vmid == vmid && !t.global && t.asid == asid;
		});
	}
	// NH_VA / EL2_VA: entries overlapping [addr, addr+len) of that ASID, and global entries.
	// len 0 means a single address. leaf_only is accepted for symmetry with the walk caches
	// (every TLB entry is a leaf, so it changes nothing here).
	size_t invalidate_va(uint8_t regime, uint16_t vmid, uint16_t asid, uint64_t addr, uint64_t len,
			     bool leaf_only = true)
	{
		(void)leaf_only;
		return remove([&](const TlbTag &t) {
			return t.regime == regime && t.vmid == vmid && (t.global || t.asid == asid) &&
			       overlaps(t, addr, len);
		});
	}
	// NH_VAA / EL2_VAA: entries overlapping the range in any ASID.
	size_t invalidate_vaa(uint8_t regime, uint16_t vmid, uint64_t addr, uint64_t len,
			      bool leaf_only = true)
	{
		(void)leaf_only;
		return remove([&](const TlbTag &t) {
			return t.regime == regime && t.vmid == vmid && overlaps(t, addr, len);
		});
	}
	// Generic escape hatch: pred(const TlbTag&, const TlbEntry&) -> bool.
	template <class Pred>
	size_t invalidate_if(Pred &&pred)
	{
		return cache_.invalidate_if([&](const TlbTag &t, const TlbEntry &e) {
			if (!pred(t, e))
				return false;
			drop(t.page_shift, t.global);
			return true;
		});
	}

	// True if [addr, addr+len) (len 0 = the single address) overlaps the entry's page.
	static bool overlaps(const TlbTag &t, uint64_t addr, uint64_t len) noexcept
	{
		return region_overlaps(t.vpn, t.page_shift, addr, len);
	}

	// --- state --------------------------------------------------------------------------------
	// Bit n set when at least one entry of page size 2^n is cached.
	uint64_t present_page_shifts() const noexcept { return all_.mask(); }
	unsigned present_page_sizes() const noexcept
	{
		return static_cast<unsigned>(__builtin_popcountll(all_.mask()));
	}
	uint32_t count_of_shift(unsigned shift) const noexcept { return all_.count(shift); }
	const TlbStats &stats() const noexcept { return stats_; }
	void reset_stats() noexcept
	{
		stats_ = TlbStats{};
		cache_.reset_stats();
	}
	// The underlying cache; its lookup counters count probes, not TLB lookups.
	const SetAssocCache<TlbTag, TlbEntry> &cache() const noexcept { return cache_; }
	bool hash_context() const noexcept { return hash_context_; }
	// The set index an entry of this context would use (tests, diagnostics).
	uint64_t index_of(uint64_t va, unsigned page_shift, uint16_t vmid, uint16_t asid,
			  bool global) const noexcept
	{
		return set_index(va >> page_shift, vmid, asid, global);
	}
	bool enabled() const noexcept { return cache_.enabled(); }

private:
	// The tag of va's page of size 2^page_shift (a global entry is tagged without the ASID).
	static TlbTag make_tag(uint8_t regime, uint16_t vmid, uint16_t asid, bool global, uint64_t va,
			       unsigned page_shift)
	{
		TlbTag t;
		t.vpn = va >> page_shift;
		t.vmid = vmid;
		t.asid = global ? 0 : asid;
		t.regime = regime;
		t.page_shift = static_cast<uint8_t>(page_shift);
		t.global = global ? 1 : 0;
		return t;
	}
	template <class Pred>
	size_t remove(Pred &&pred)
	{
		return cache_.invalidate_if([&](const TlbTag &t, const TlbEntry &) {
			if (!pred(t))
				return false;
			drop(t.page_shift, t.global);
			return true;
		});
	}
	uint64_t set_index(uint64_t vpn, uint16_t vmid, uint16_t asid, bool global) const noexcept
	{
		if (!hash_context_)
			return vpn;
		// Fibonacci hash of the context; the high half is well mixed, the VPN stays in the low
		// bits so neighbouring pages of one address space still use neighbouring sets.
		const uint64_t ctx = (uint64_t{vmid} << 16) | (global ? 0 : asid);
		return vpn ^ (((ctx + 1) * 0x9E3779B97F4A7C15ull) >> 32);
	}
	void add(unsigned shift, bool global) noexcept
	{
		all_.add(shift);
		if (global)
			global_.add(shift);
		refresh_ng(shift);
	}
	void drop(unsigned shift, bool global) noexcept
	{
		all_.drop(shift);
		if (global)
			global_.drop(shift);
		refresh_ng(shift);
	}
	void refresh_ng(unsigned shift) noexcept
	{
		const uint64_t bit = uint64_t{1} << shift;
		if (all_.count(shift) > global_.count(shift))
			present_ng_ |= bit;
		else
			present_ng_ &= ~bit;
	}

	SetAssocCache<TlbTag, TlbEntry> cache_;
	bool hash_context_ = false;
	PageShifts all_, global_; // every entry; global entries
	uint64_t present_ng_ = 0; // shifts with a non-global entry
	uint64_t fills_ = 0;
	TlbStats stats_;
};

// TBU TLB tag: the TBU identifies a translation context by StreamID/SubstreamID (it does not
// know ASIDs); the ASID/VMID/global tags live in the entry so TLBI can find them.
struct TbuTag {
	uint64_t vpn = 0;
	uint32_t sid = 0, ssid = 0; // ssid = ~0u for "no SubstreamID"
	uint8_t page_shift = 12;
	bool operator==(const TbuTag &o) const noexcept
	{
		return vpn == o.vpn && sid == o.sid && ssid == o.ssid && page_shift == o.page_shift;
	}
	// For the cache's tag fingerprints.
	uint64_t hash() const noexcept { return vpn ^ (((uint64_t)sid << 32 | ssid) * 0xD6E8FEB86659FD93ull) ^ page_shift; }
};
struct TbuEntry {
	uint64_t out_base = 0;
	uint16_t asid = 0, vmid = 0;
	bool global = false;
	uint8_t level = 3, page_shift = 12;
	// Everything a hit needs without the TCU: which incoming accesses are allowed (bit
	// priv*4 + instr*2 + write, after the STE overrides), the STE overrides for the event
	// record, and the CD fault configuration (A, R) for a permission fault.
	uint8_t perm_ok = 0xFF, privcfg = 0, instcfg = 0;
	bool fault_a = true, fault_r = true;
	bool s1 = true, s2 = false; // which stages the entry combines (for TLBI_S2_IPA / NH_*)
	// With stage 2: the accesses stage 1 alone allows (a hit denied only by stage 2 is a stage-2
	// fault), the IPA of the page, and STE.S2R.
	uint8_t perm_s1 = 0xFF;
	bool s2_record = true;
	uint64_t ipa_base = 0;
	uint64_t ready = 0; // cycle the translation reaches the TBU (a hit before it is a merged miss)
};

// Micro TLB or main TLB of one TBU: a SetAssocCache, probed once per page size present.
// An entry of 2^page_shift bytes lives in set (VA >> page_shift) (mixed with its context), so a
// block hits from every page inside it; the TLB counts entries per page shift and probes only the
// sizes present, as a main TLB makes one read per active page size.
class TbuTlb {
public:
	// remember_last = false turns the memo of the last hit off (lookup below): the tests compare
	// the two.
	TbuTlb(uint32_t entries, uint32_t ways, Replacement pol, uint64_t seed, bool remember_last = true)
	    : cache_(entries, ways, pol, seed), one_set_(cache_.sets() <= 1), remember_(remember_last)
	{
	}
	// Probes each present page size, smallest first; the first match wins. `probes` (one per
	// present page size looked at) is what the caller turns into cycles.
	// A master streaming through a page hits the same entry again and again, so the last hit is
	// remembered until the next fill or invalidation: a lookup in its page then has the same
	// result, probes and cache side effects (SetAssocCache::hit_last) without the tag compares.
	const TbuEntry *lookup(uint32_t sid, uint32_t ssid, uint64_t va, unsigned &probes)
	{
		if (last_.valid && last_.sid == sid && last_.ssid == ssid && (va >> last_.shift) == last_.vpn) {
			// Same smallest page as the last hit: every page size probes the same tag again.
			probes = last_.probes;
			return lookup_remembered();
		}
		return probe(sid, ssid, va, probes);
	}
	// The entry lookup() would return from its memo of the last hit, or nullptr (no memo, or
	// another page or context); no side effects.
	const TbuEntry *remembered(uint32_t sid, uint32_t ssid, uint64_t va) const
	{
		if (last_.valid && last_.sid == sid && last_.ssid == ssid && (va >> last_.shift) == last_.vpn)
			return cache_.last_touched(last_.set_index);
		return nullptr;
	}
	// lookup() of the entry remembered() just returned: its statistics and replacement update.
	const TbuEntry *lookup_remembered()
	{
		return cache_.hit_last(last_.set_index, last_.probes - 1); // the smaller sizes probed first missed
	}
	// Fills the translation of the 2^e.page_shift region containing va; nullptr when disabled.
	// absent: the caller knows there is no entry for it (a lookup of va in this context just
	// missed, and nothing was filled since), so the fill does not look for one to replace.
	TbuEntry *insert(uint32_t sid, uint32_t ssid, uint64_t va, const TbuEntry &e, bool absent = false)
	{
		if (!cache_.enabled())
			return nullptr;
		TbuTag k;
		k.vpn = va >> e.page_shift;
		k.sid = sid;
		k.ssid = ssid;
		k.page_shift = e.page_shift;
		Fill how;
		TbuTag victim;
		last_.valid = false; // the fill may evict it, or change the page sizes a lookup probes
		const uint64_t set = index(k.vpn, sid, ssid);
		TbuEntry *stored = absent ? cache_.insert_absent(k, set, e, &how, &victim) : cache_.insert(k, set, e, &how, &victim);
		if (how == Fill::Evicted) {
			// The page-size and context counts change only when the victim differs in them.
			if (victim.page_shift != k.page_shift) {
				shifts_.drop(victim.page_shift);
				shifts_.add(k.page_shift);
			}
			if (victim.sid != sid || victim.ssid != ssid) {
				const unsigned from = ctx_bucket(victim.sid, victim.ssid), to = ctx_bucket(sid, ssid);
				--ctx_count_[from];
				++ctx_count_[to];
			}
		} else if (how == Fill::Invalid) {
			shifts_.add(k.page_shift);
			++ctx_count_[ctx_bucket(sid, ssid)];
		}
		return stored;
	}
	template <class Pred> size_t invalidate_if(Pred &&p)
	{
		last_.valid = false;
		return cache_.invalidate_if([&](const TbuTag &t, const TbuEntry &e) {
			if (!p(t, e))
				return false;
			shifts_.drop(t.page_shift);
			--ctx_count_[ctx_bucket(t.sid, t.ssid)];
			return true;
		});
	}
	// False when no entry of this StreamID and SubstreamID can be cached: a CD invalidation of a
	// PASID that was never used (every PASID attach issues two) then skips the scan of the TLB.
	bool may_hold(uint32_t sid, uint32_t ssid) const { return ctx_count_[ctx_bucket(sid, ssid)] != 0; }
	bool enabled() const { return cache_.enabled(); }
	// Bit n set while an entry of page size 2^n is cached (one probe each).
	uint64_t present_page_shifts() const { return shifts_.mask(); }
	const SetAssocCache<TbuTag, TbuEntry> &cache() const { return cache_; }
	// The set index of a context's page: the VPN, so that neighbouring pages use neighbouring
	// sets, XORed with a hash of the StreamID and SubstreamID.
	static uint64_t set_of(uint64_t vpn, uint32_t sid, uint32_t ssid) { return vpn ^ context_hash(sid, ssid); }
	static uint64_t context_hash(uint32_t sid, uint32_t ssid) { return set_hash((uint64_t)sid << 32 | ssid); }

private:
	// The lookup without the memo: one probe per present page size. Out of line, so that the
	// memo's test inlines into the caller.
	__attribute__((noinline)) const TbuEntry *probe(uint32_t sid, uint32_t ssid, uint64_t va, unsigned &probes)
	{
		probes = 0;
		uint64_t shifts = shifts_.mask();
		const uint64_t ctx = one_set_ ? 0 : ctx_hash(sid, ssid);
		while (shifts) {
			const unsigned shift = (unsigned)__builtin_ctzll(shifts);
			shifts &= shifts - 1;
			TbuTag k;
			k.vpn = va >> shift;
			k.sid = sid;
			k.ssid = ssid;
			k.page_shift = (uint8_t)shift;
			probes++;
			const uint64_t set = one_set_ ? 0 : k.vpn ^ ctx; // index(), its hash hoisted
			if (const TbuEntry *e = remember_ ? cache_.lookup_scan(k, set) : cache_.lookup(k, set)) {
				if (remember_) {
					const unsigned lo = (unsigned)__builtin_ctzll(shifts_.mask());
					last_ = Last{true, va >> lo, set, sid, ssid, (uint8_t)lo, probes};
				}
				return e;
			}
		}
		return nullptr;
	}
	// set_of, except in a TLB of one set (a fully associative micro TLB), which needs no hash.
	uint64_t index(uint64_t vpn, uint32_t sid, uint32_t ssid) { return one_set_ ? 0 : vpn ^ ctx_hash(sid, ssid); }
	// context_hash, kept for the last context: a miss looks it up, then fills it.
	uint64_t ctx_hash(uint32_t sid, uint32_t ssid)
	{
		if (sid != hashed_sid_ || ssid != hashed_ssid_) {
			hashed_sid_ = sid;
			hashed_ssid_ = ssid;
			hashed_ = context_hash(sid, ssid);
		}
		return hashed_;
	}
	// The last hit (valid: nothing filled or invalidated since, so the cache's way last touched
	// in its set still holds it): its address's page of the smallest size present (vpn at shift:
	// every lookup in that page probes the same tags), the set index it hit in, its probes.
	struct Last {
		bool valid = false;
		uint64_t vpn = 0, set_index = 0;
		uint32_t sid = 0, ssid = 0;
		uint8_t shift = 0;
		unsigned probes = 0;
	};
	static constexpr unsigned kCtxBuckets = 4096;
	static unsigned ctx_bucket(uint32_t sid, uint32_t ssid)
	{
		const uint64_t h = ((uint64_t)sid << 32 | ssid) * 0x9e3779b97f4a7c15ull;
		return (unsigned)(h >> 52); // 12 bits
	}
	SetAssocCache<TbuTag, TbuEntry> cache_;
	bool one_set_, remember_;
	Last last_;
	uint32_t hashed_sid_ = 0, hashed_ssid_ = 0;
	uint64_t hashed_ = context_hash(0, 0);
	PageShifts shifts_;
	uint32_t ctx_count_[kCtxBuckets] = {}; // valid entries per (StreamID, SubstreamID) hash bucket
};

// --- walk-cache keying ----------------------------------------------------------------------
// A walk-cache entry caches the table descriptor (next-level table address) or leaf reached at
// `level` for the VA bits above that level's input shift. The model keeps one SetAssocCache per
// level or one unified cache (tcu.walk.layout); this key gives both the same tag and set index so
// invalidation by ASID/VMID/VA is uniform.
struct WalkKey {
	uint64_t va_tag = 0; // VA >> level_shift (the VA bits the level resolves and above)
	uint16_t vmid = 0;
	uint16_t asid = 0;
	uint8_t regime = 0;
	uint8_t stage = 1;	// 1 or 2 (stage 2 keys use the IPA and asid = 0)
	uint8_t level = 0;	// 0..3
	uint8_t level_shift = 0; // input-address shift that this level's descriptor covers
	bool operator==(const WalkKey &o) const noexcept
	{
		return va_tag == o.va_tag && vmid == o.vmid && asid == o.asid && regime == o.regime &&
		       stage == o.stage && level == o.level && level_shift == o.level_shift;
	}
	uint64_t hash() const noexcept
	{
		return va_tag ^ ((uint64_t)vmid << 16 | asid | (uint64_t)regime << 32 | (uint64_t)stage << 40 |
				 (uint64_t)level << 48) * 0xD6E8FEB86659FD93ull;
	}
	// Set index for SetAssocCache: the tag, so neighbouring regions spread over sets, hashed with
	// the ASID/VMID so that address spaces mapping the same VAs (one per PASID) do not all fall
	// into one set.
	uint64_t set_index() const noexcept
	{
		return va_tag ^ set_hash(uint64_t{level} << 32 | uint64_t{asid} | (uint64_t{vmid} << 16));
	}
	// True if the region this key covers overlaps [addr, addr+len) (len 0 = one address).
	bool overlaps(uint64_t addr, uint64_t len) const noexcept
	{
		return region_overlaps(va_tag, level_shift, addr, len);
	}
};

inline WalkKey make_walk_key(uint8_t regime, uint8_t stage, uint16_t vmid, uint16_t asid,
			     uint8_t level, unsigned level_shift, uint64_t va) noexcept
{
	WalkKey k;
	k.va_tag = level_shift >= 64 ? 0 : va >> level_shift;
	k.vmid = vmid;
	k.asid = asid;
	k.regime = regime;
	k.stage = stage;
	k.level = level;
	k.level_shift = static_cast<uint8_t>(level_shift);
	return k;
}

} // namespace smmusim
