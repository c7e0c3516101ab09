// Strict mode (smmu.strict, docs/model.md "Strict mode"): the behaviours the architecture allows
// that a lenient model never shows. Here: the prefetcher, which fetches and caches VALID
// configuration structures reachable from live configuration at seeded moments (IHI 0070 §3.21:
// an SMMU may fetch and cache any valid structure at any time, so only the CFGI that follows a
// change makes the change visible). A missing CFGI then becomes a stale use even for a structure
// no transaction used before the change. Nothing here runs with strict mode off.
#include "xlate.hpp"

#include <cstdio>

namespace smmusim {

// The CD fields a TCU TLB entry keeps from its fill (TlbEntry::cfg): of those IHI 0070 §5.4.1 lets
// a TLB entry cache, the ones a hit still needs (the others shaped the walk that filled it).
enum : uint8_t { kCachedWxn = 1, kCachedPan = 2 };
static uint8_t cached_cd_fields(bool wxn, bool pan)
{
	return (uint8_t)((wxn ? kCachedWxn : 0) | (pan ? kCachedPan : 0));
}

void Smmu::strict_note_transaction(const Txn &t)
{
	RecentCtx &r = recent_[recent_n_++ % kRecent];
	r.sid = t.sid;
	r.ssv = t.ssv;
	r.ssid = t.ssid;
	r.va = t.addr;
}

void Smmu::strict_prefetch()
{
	if (!smmu_enabled()) // IHI 0070 §3.21.1: nothing is cached while SMMUEN = 0
		return;
	const uint64_t r = strict_rng_.next();
	if (r & 3u) // one trigger in four prefetches
		return;
	const unsigned log2size = std::min((unsigned)SMMU_GET(strtab_base_cfg_, STRTAB_BASE_CFG_LOG2SIZE), p_.sidsize);
	uint32_t sid, ssid;
	bool ssv;
	Prefetch at;
	if (recent_n_ && ((r >> 2) & 1u)) { // the context of a recent transaction, near its address
		const RecentCtx &c = recent_[(r >> 8) % std::min<unsigned>(recent_n_, kRecent)];
		sid = c.sid;
		ssv = c.ssv;
		ssid = c.ssid;
		at.follow = true;
		at.va = c.va + (((r >> 56) & 15u) - 8ull) * 4096; // a page among its neighbours
	} else { // any StreamID of the table, SubstreamID 0..63 or none, any mapped page
		sid = log2size >= 32 ? (uint32_t)(r >> 16) : (uint32_t)((r >> 16) & ((1ull << log2size) - 1));
		ssv = (r >> 3) & 1u;
		ssid = (uint32_t)((r >> 4) & 63u);
	}
	strict_prefetch_cfg(sid, ssv, ssid, at);
}

// Read bytes at addr of the prefetch's address space: a PA, or (nested) an IPA translated by a
// stage-2 walk of the live tables, one page remembered. False on an abort or a stage-2 fault.
bool Smmu::strict_read(PrefetchSpace &sp, uint64_t addr, void *out, unsigned bytes)
{
	uint64_t pa = addr;
	if (sp.s2) {
		if (sp.shift == 0 || (addr >> sp.shift) != sp.ipa_page) {
			sp.shift = 0;
			unsigned shift;
			if (!strict_s2_page(*sp.s2, addr, sp.pa_page, shift))
				return false;
			sp.shift = shift;
			sp.ipa_page = addr >> shift;
		}
		pa = sp.pa_page | (addr & ((1ull << sp.shift) - 1));
	}
	return !(pa >> oas_mask_bits_) && mem_read(pa, out, bytes);
}

// The stage-2 page of ipa, as a data read of a CD or a stage-1 table would find it: a cached
// stage-2 entry is used as a walk would use it, and what the walk reads fills the stage-2 walk
// caches (IHI 0070 §3.21: any valid translation reachable from live configuration may be cached,
// so a missing TLBI_S2_IPA becomes a stale use). Nothing is recorded; false where the read would
// fault, which caches nothing at that level.
bool Smmu::strict_s2_page(const S2Cfg &s2, uint64_t ipa, uint64_t &pa_page, unsigned &shift)
{
	if (ipa >> s2.ia)
		return false;
	const WalkGeom w(s2.g, s2.ia, s2.start, s2.ps, s2.affd);
	uint64_t table = w.base(s2.ttb);
	for (unsigned level = s2.start; level <= 3; level++) {
		const WalkKey k = make_walk_key(0, 2, s2.vmid, 0, (uint8_t)level, w.shift(level), ipa);
		WalkCache &wc = walk_cache(level, 2);
		WalkStep st;
		if (const WalkVal *v = walk_enabled(2) ? wc.peek(k, k.set_index()) : nullptr) {
			st.table = !v->leaf();
			st.addr = v->table;
			st.d = v->leaf_desc;
		} else {
			const uint64_t dpa = w.desc_addr(table, ipa, level);
			if ((dpa >> oas_mask_bits_) || !mem_read(dpa, &st.d, 8) || decode_desc(w, level, st))
				return false;
			WalkVal nv;
			nv.table = st.addr;
			nv.leaf_desc = st.table ? 0 : st.d;
			if (walk_enabled(2))
				wc.insert(k, k.set_index(), nv);
		}
		if (st.table) {
			table = st.addr;
			continue;
		}
		if (!SMMU_GET(st.d, PTE_S2AP_R))
			return false;
		pa_page = st.addr;
		shift = w.shift(level);
		return true;
	}
	return false;
}

// A stage-2-only StreamID: the stage-2 walk of a recent transaction's IPA (or a neighbouring
// page), else of the IPA the first valid descriptor from a seeded index at each level maps; what it
// reads fills the stage-2 walk caches (strict_s2_page).
void Smmu::strict_prefetch_s2(const S2Cfg &s2, Prefetch at)
{
	uint64_t ipa = at.va;
	if (!at.follow) {
		const WalkGeom w(s2.g, s2.ia, s2.start, s2.ps, s2.affd);
		PrefetchSpace pa_space;
		uint64_t table = w.base(s2.ttb);
		ipa = 0;
		for (unsigned level = s2.start; level <= 3; level++) {
			WalkStep st;
			if (!strict_pick_entry(w, level, table, ipa, pa_space) ||
			    !strict_read(pa_space, w.desc_addr(table, ipa, level), &st.d, 8) || decode_desc(w, level, st))
				return;
			if (!st.table)
				break;
			table = st.addr;
		}
	}
	uint64_t pa_page;
	unsigned shift;
	strict_s2_page(s2, ipa, pa_page, shift);
}

// Read one structure and cache it, unless an entry is already cached (a cached copy, stale or
// not, is never refreshed: refreshing would hide the missing invalidation this is here to expose).
bool Smmu::strict_fetch(CfgKind kind, uint32_t sid, uint32_t index, uint64_t addr, unsigned dwords, CfgVal &out,
			PrefetchSpace &sp)
{
	CfgKey k;
	k.sid = kind == CFG_L1STD ? 0 : sid;
	k.index = index;
	k.kind = kind;
	const uint64_t set = k.set_index(cfg_cache_.sets());
	if (const CfgVal *v = cfg_cache_.peek(k, set)) {
		out = *v;
		return true;
	}
	if (!strict_read(sp, addr, out.dw, dwords * 8))
		return false;
	cfg_decode(kind, out);
	return true;
}

void Smmu::strict_cache(CfgKind kind, uint32_t sid, uint32_t index, const CfgVal &v)
{
	if ((kind == CFG_L1STD || kind == CFG_L1CD) && !p_.cfg_cache_l1)
		return;
	CfgKey k;
	k.sid = kind == CFG_L1STD ? 0 : sid;
	k.index = index;
	k.kind = kind;
	const uint64_t set = k.set_index(cfg_cache_.sets());
	if (cfg_cache_.peek(k, set))
		return;
	CfgVal c = v;
	c.ready = 0;
	cfg_cache_.insert(k, set, c);
	stats.c[ST_STRICT_PREFETCHES]++;
}

// The structures of one StreamID (and SubstreamID): its L1STD and STE, then with stage 1 its L1CD
// and CD, read through stage 2 when the STE nests the stages (IHI 0070 §3.21.3: any reachable
// structure), and the tables of the CD.
void Smmu::strict_prefetch_cfg(uint32_t sid, bool ssv, uint32_t ssid, Prefetch at)
{
	const uint64_t st_base = strtab_base_ & SMMU_MASK(STRTAB_BASE_ADDR);
	const unsigned log2size = std::min((unsigned)SMMU_GET(strtab_base_cfg_, STRTAB_BASE_CFG_LOG2SIZE), p_.sidsize);
	if ((uint64_t)sid >> log2size)
		return;
	const unsigned fmt = p_.st_level ? (unsigned)SMMU_GET(strtab_base_cfg_, STRTAB_BASE_CFG_FMT) : 0;
	PrefetchSpace pa_space;
	uint64_t ste_pa;
	if (fmt == STRTAB_FMT_2LVL) {
		const unsigned split = strtab_split(strtab_base_cfg_);
		const uint32_t l1idx = sid >> split;
		CfgVal l1;
		if (!strict_fetch(CFG_L1STD, sid, l1idx, st_base + (uint64_t)l1idx * L1STD_SIZE, 1, l1, pa_space) ||
		    !l1std_ste_addr(l1.dw[0], sid, split, ste_pa))
			return;
		strict_cache(CFG_L1STD, sid, l1idx, l1);
	} else {
		ste_pa = st_base + (uint64_t)sid * STE_SIZE;
	}
	CfgVal ste;
	if (!strict_fetch(CFG_STE, sid, 0, ste_pa, STE_DWORDS, ste, pa_space) || !SMMU_GET(ste.dw[0], STE0_V) ||
	    ste_illegal(ste))
		return;
	strict_cache(CFG_STE, sid, 0, ste);
	const unsigned config = (unsigned)SMMU_GET(ste.dw[0], STE0_CONFIG);
	if (config == STE_CONFIG_S2_TRANS) { // stage 2 alone: no CD, the address is an IPA
		strict_prefetch_s2(s2_config(ste), at);
		return;
	}
	if (config != STE_CONFIG_S1_TRANS && config != STE_CONFIG_NESTED)
		return; // no CD
	S2Cfg s2;
	PrefetchSpace space; // nested: the CD tables and the stage-1 tables are at IPAs
	if (config == STE_CONFIG_NESTED) {
		s2 = s2_config(ste);
		space.s2 = &s2;
	}
	const unsigned cdmax = p_.ssidsize ? (unsigned)SMMU_GET(ste.dw[0], STE0_S1CDMAX) : 0;
	uint32_t cdidx = 0;
	if (cdmax && ssv) {
		if (ssid >> cdmax)
			return;
		cdidx = ssid;
	}
	const uint64_t ctx = ste.dw[0] & SMMU_MASK(STE0_S1CONTEXTPTR);
	uint64_t cd_addr = ctx;
	if (cdmax) {
		const unsigned s1fmt = (unsigned)SMMU_GET(ste.dw[0], STE0_S1FMT);
		if (s1fmt == STE_S1FMT_4K_L2 || s1fmt == STE_S1FMT_64K_L2) {
			const unsigned split = cd_split(s1fmt);
			const uint32_t l1idx = cdidx >> split;
			CfgVal l1;
			if (!strict_fetch(CFG_L1CD, sid, l1idx, ctx + (uint64_t)l1idx * L1CD_SIZE, 1, l1, space))
				return;
			const uint64_t l2 = l1cd_l2_base(l1.dw[0], split);
			if (!SMMU_GET(l1.dw[0], L1CD_V) || (l2 >> oas_mask_bits_))
				return;
			strict_cache(CFG_L1CD, sid, l1idx, l1);
			cd_addr = l2_cd_addr(l2, split, cdidx);
		} else {
			cd_addr = ctx + (uint64_t)cdidx * CD_SIZE;
		}
	}
	CfgVal cd;
	if (!strict_fetch(CFG_CD, sid, cdidx, cd_addr, CD_DWORDS, cd, space) || cd_refused(cd, ste.dw[1]))
		return;
	strict_cache(CFG_CD, sid, cdidx, cd);
	strict_prefetch_ttb(ste_vmid(p_, ste), cd, at, space);
}

// Walk TTB0 or TTB1 of a live CD: the one of the followed address, else either one the CD
// enables (EPDx = 0), chosen by the seed when both are.
void Smmu::strict_prefetch_ttb(uint16_t vmid, const CfgVal &cd, Prefetch at, PrefetchSpace &sp)
{
	const bool epd0 = SMMU_GET(cd.dw[0], CD0_EPD0), epd1 = SMMU_GET(cd.dw[0], CD0_EPD1);
	unsigned sel;
	if (at.follow)
		sel = (unsigned)SMMU_GET(at.va, VA_TTBSEL);
	else if (!epd0 && !epd1)
		sel = (unsigned)(strict_rng_.next() & 1u);
	else
		sel = epd0 ? 1 : 0;
	if (!(sel ? epd1 : epd0))
		strict_prefetch_walk(vmid, cd, sel, at, sp);
}

// Walk the TTB0 (sel 0) or TTB1 tables of a live CD for one VA and cache what a walk finds: table
// descriptors in the walk caches, a valid leaf in the TCU TLB (IHI 0070 §3.21: any valid
// translation reachable from live configuration may be cached at any time). Without a VA to
// follow, each level follows the first valid descriptor from a seeded index, so any page the
// tables map may be prefetched. Cached entries are used as a walk would use them and never
// refreshed; a fault caches nothing.
void Smmu::strict_prefetch_walk(uint16_t vmid, const CfgVal &cd, unsigned sel, Prefetch at, PrefetchSpace &sp)
{
	uint64_t ttb;
	const WalkGeom w = s1_geometry(cd, sel, (unsigned)oas_mask_bits_, ttb);
	const unsigned ia = w.start_bits + w.shift(w.start);
	if (at.follow && !s1_va_in_range(cd, sel, at.va))
		return;
	uint64_t va = at.follow ? at.va : sel ? ~0ull << ia : 0, table = w.base(ttb), acc = 0;
	const uint16_t asid = cd_asid(p_, cd);
	const bool had = p_.had && (sel ? SMMU_GET(cd.dw[2], CD2_HAD1) : SMMU_GET(cd.dw[1], CD1_HAD0));
	const uint8_t cd_fields = cached_cd_fields(SMMU_GET(cd.dw[0], CD0_WXN), SMMU_GET(cd.dw[0], CD0_PAN));
	for (unsigned level = w.start; level <= 3; level++) {
		if (!at.follow && !strict_pick_entry(w, level, table, va, sp))
			return;
		const WalkKey k = make_walk_key(0, 1, vmid, asid, (uint8_t)level, w.shift(level), va);
		const WalkVal *v = level < 3 && walk_cache(level).enabled() ? walk_cache(level).peek(k, k.set_index())
									     : nullptr;
		// With BBML = 0 the walk may miss a cached entry (no lookup is required to hit) and find
		// in memory what replaced it without break-before-make: a table where a block is cached,
		// a block where a table is cached (IHI 0070 §3.21.1). Otherwise a cached entry is used.
		if (v && p_.bbml != 0) {
			if (v->leaf())
				return; // a cached block: nothing below it
			table = v->table;
			acc = v->acc;
			continue;
		}
		WalkStep st;
		if (!strict_read(sp, w.desc_addr(table, va, level), &st.d, 8) || decode_desc(w, level, st))
			return;
		if (!st.table) {
			strict_prefetch_leaf(vmid, asid, va, w.shift(level), st, acc, level, cd_fields);
			uint64_t pa_page;
			unsigned shift;
			if (sp.s2) // nested: then stage 2 of the leaf's output IPA, as the transaction walks it
				strict_s2_page(*sp.s2, st.addr | (va & ((1ull << w.shift(level)) - 1)), pa_page, shift);
			return;
		}
		if (v && !v->leaf()) { // a table where one is cached: the cached one leads on
			table = v->table;
			acc = v->acc;
			continue;
		}
		if (!had)
			acc |= st.d & kTableAttrMask;
		WalkVal nv;
		nv.table = st.addr;
		nv.acc = acc;
		if (level < 3 && walk_cache(level).enabled())
			walk_cache(level).insert(k, k.set_index(), nv);
		table = st.addr;
	}
}

// A leaf the prefetcher found enters the TCU TLB unless a translation of va is cached, except that
// with BBML = 0 a leaf of another size (a page of a table that replaced a block, or a block that
// replaced a table, without break-before-make) enters beside the cached one: IHI 0070 §3.21.1
// allows both to be held, so a lookup may find the two (strict_tlb_lookup).
void Smmu::strict_prefetch_leaf(uint16_t vmid, uint16_t asid, uint64_t va, unsigned shift, const WalkStep &st,
				uint64_t acc, unsigned level, uint8_t cd_fields)
{
	const TlbEntry *cached = strict_tlb_.lookup(0, vmid, asid, va).entry;
	if (cached && (p_.bbml != 0 || cached->page_shift == shift))
		return;
	if (p_.bbml == 0) { // count a leaf that enters beside one of another size it overlaps
		const uint64_t base = va >> shift << shift;
		bool overlap = false;
		strict_tlb_.cache().for_each([&](const TlbTag &t, const TlbEntry &) {
			overlap |= t.page_shift != shift && t.regime == 0 && t.vmid == vmid && (t.global || t.asid == asid) &&
				   region_overlaps(t.vpn, t.page_shift, base, 1ull << shift);
		});
		stats.c[ST_STRICT_OVERLAPS] += overlap;
	}
	strict_tlb_.insert(0, vmid, asid, !SMMU_GET(st.d, PTE_NG), va, shift, st.addr, fold_table_attrs(st.d, acc),
			   (uint8_t)level, cd_fields);
	stats.c[ST_STRICT_PREFETCHES]++;
}

// The VA bits of `level` for a walk with no VA to follow: the index of the first valid descriptor
// of the table from a seeded start. False if the table has none (or cannot be read).
bool Smmu::strict_pick_entry(const WalkGeom &w, unsigned level, uint64_t table, uint64_t &va, PrefetchSpace &sp)
{
	const uint64_t n = 1ull << (level == w.start ? w.start_bits : w.stride);
	uint64_t idx = strict_rng_.next() & (n - 1);
	for (uint64_t i = 0; i < n; i++, idx = (idx + 1) & (n - 1)) {
		uint64_t d;
		if (!strict_read(sp, table + idx * 8, &d, 8))
			return false;
		if (SMMU_GET(d, PTE_VALID)) {
			va |= idx << w.shift(level);
			return true;
		}
	}
	return false;
}

// The TCU TLB (IHI 0070 §3.17): a stage-1 leaf cached under (VMID, ASID, VA) answers any later
// translation with that tag, whichever StreamID, SubstreamID or CD led to it. A driver that
// reuses an ASID, or points a CD at other tables under the same ASID, without TLBI + SYNC
// gets the old translation, as on hardware (§3.17 note: an ASID is free only after the TLBI of
// its entries). Looked up with the walk caches (timed as a walk-cache hit, no descriptor read).
int Smmu::strict_tlb_lookup(Xlate &x, S1Leaf &leaf)
{
	const TlbLookup r = strict_tlb_.lookup(0, x.fill.vmid, leaf.asid, x.t.addr);
	if (!r.entry)
		return 0;
	stats.c[ST_STRICT_TLB_HITS]++;
	x.path.walk = true;
	const TlbEntry *e = r.entry;
	if (p_.bbml == 0) {
		// IHI 0070 §3.21.1 with BBML = 0: a lookup that matches a block and a page (one replaced
		// the other without break-before-make) uses one of them or reports F_TLB_CONFLICT. The
		// seed chooses between the conflict and the older entry, the one that is stale.
		const TlbEntry *other = strict_tlb_.peek_other_size(0, x.fill.vmid, leaf.asid, x.t.addr, e->page_shift);
		if (other) {
			stats.c[ST_STRICT_CONFLICTS]++;
			if (strict_rng_.next() & 1u) {
				abort_event(x, EVT_F_TLB_CONFLICT, x.acc_bits, x.t.addr, 0);
				return 2;
			}
			if (other->fill < e->fill)
				e = other;
		}
	}
	leaf.d = leaf.eff = e->attrs; // the leaf with its table restrictions folded in
	// The CD's WXN and PAN as they were at the fill (IHI 0070 §5.4.1 lets a TLB entry hold them;
	// A and R are not among those fields, so they stay the current CD's).
	leaf.wxn = e->cfg & kCachedWxn;
	leaf.pan = e->cfg & kCachedPan;
	leaf.oa = e->out_base;
	leaf.shift = e->page_shift;
	leaf.level = e->level;
	return 1;
}

// A valid leaf enters the TCU TLB whether or not the access it was walked for is permitted (a
// permission fault is checked on every use); faulting walks leave nothing.
void Smmu::strict_tlb_insert(const Xlate &x, const S1Leaf &leaf)
{
	strict_tlb_.insert(0, x.fill.vmid, leaf.asid, !SMMU_GET(leaf.d, PTE_NG), x.t.addr, leaf.shift, leaf.oa, leaf.eff,
			   (uint8_t)leaf.level, cached_cd_fields(leaf.wxn, leaf.pan));
}

// RES0 fields of an STE or CD that software set (IHI 0070 §5.2, §5.4; the masks in arch.h): the
// SMMU ignores them, strict mode reports each structure once (by address): strict.res0 counts it,
// smmu.log prints it. Never an error.
void Smmu::strict_res0_structure(CfgKind kind, uint64_t pa, const CfgVal &v)
{
	uint64_t m[8];
	if (kind == CFG_STE) {
		const uint64_t ste[8] = {STE_RES0_DW0, STE_RES0_DW1, STE_RES0_DW2, STE_RES0_DW3, STE_RES0_DW4,
					 STE_RES0_DW5_7, STE_RES0_DW5_7, STE_RES0_DW5_7};
		std::copy(ste, ste + 8, m);
	} else {
		const uint64_t ttb = CD_RES0_TTB | (p_.had ? 0 : SMMU_MASK(CD1_HAD0));
		const uint64_t cd[8] = {0, ttb, ttb, 0, 0, CD_RES0_DW5, CD_RES0_DW6_7, CD_RES0_DW6_7};
		std::copy(cd, cd + 8, m);
	}
	for (unsigned i = 0; i < 8; i++) {
		if (!(v.dw[i] & m[i]))
			continue;
		if (!strict_res0_seen_.insert(pa | kind).second)
			return; // reported before
		stats.c[ST_STRICT_RES0]++;
		if (p_.log)
			std::fprintf(stderr, "smmusim: strict: software set RES0 bits of the %s at 0x%llx: dword %u 0x%016llx\n",
				     kind == CFG_STE ? "STE" : "CD", (unsigned long long)pa, i, (unsigned long long)v.dw[i]);
		return;
	}
}

// Fields IHI 0070 §7.3 calls UNKNOWN get seeded values (the SubstreamID of a record with SSV = 0 is
// filled by Smmu::fault): the IPA of a stage-1 F_TRANSLATION, F_ADDR_SIZE, F_ACCESS or F_PERMISSION
// (§7.3.13-§7.3.16) and of an F_TLB_CONFLICT with S2 = 0 (§7.3.17), within the OAS (the bits above
// are RES0); TTRnW of an F_PERMISSION whose CLASS is not TT (§7.3.16).
void Smmu::strict_unknown_fields(uint64_t ev[4])
{
	const unsigned type = (unsigned)SMMU_GET(ev[0], EVT0_TYPE);
	const bool ipa_field = type == EVT_F_TRANSLATION || type == EVT_F_ADDR_SIZE || type == EVT_F_ACCESS ||
			       type == EVT_F_PERMISSION || type == EVT_F_TLB_CONFLICT;
	if (ipa_field && !SMMU_GET(ev[1], EVT1_S2))
		ev[3] = SMMU_PREP_ADDR(EVT3_IPA, oas_truncate(strict_rng_.next()));
	if (type == EVT_F_PERMISSION && SMMU_GET(ev[1], EVT1_CLASS) != EVT_CLASS_TT)
		ev[1] = (ev[1] & ~SMMU_MASK(EVT1_TTRNW)) | SMMU_PREP(EVT1_TTRNW, strict_rng_.next());
}

} // namespace smmusim
