// The VMSAv8-64 translation table walks: one level step (descriptor read and decode) shared by the
// stage-1 walk (with the walk cache, and through stage 2 when nested) and the stage-2 walk.
#include "xlate.hpp"

namespace smmusim {

bool Smmu::read_desc(uint64_t pa, uint64_t &v, unsigned stat, Path &path)
{
	path.read((uint8_t)(stat - ST_RD_L1STD), slc_access(pa, stat - ST_RD_L1STD + ST_SLC_L1STD));
	stats.c[stat]++;
	return (pa >> oas_mask_bits_) == 0 && mem_read(pa, &v, 8);
}

// One level of a walk: read the descriptor at dpa (counted as `stat`) and decode it. Returns 0
// with the table or leaf in `out`, or the fault: F_WALK_EABT (the read failed), F_TRANSLATION
// (invalid, or a block where the granule allows none), F_ADDR_SIZE (the next table or the output
// address exceeds the stage's output size), F_ACCESS (AF=0 without AFFD).
uint8_t Smmu::walk_step(const WalkGeom &w, unsigned level, uint64_t dpa, unsigned stat, Path &path, WalkStep &out)
{
	const unsigned stage = stat == ST_RD_S2PTE ? 2 : 1;
	if (!read_desc(dpa, out.d, stat, path)) {
		SMMU_TRACE(TR_WALK_LEVEL, "stage=%u level=%u pa=0x%llx F_WALK_EABT", stage, level, (unsigned long long)dpa);
		return EVT_F_WALK_EABT;
	}
	const uint8_t f = decode_desc(w, level, out);
	SMMU_TRACE(TR_WALK_LEVEL, "stage=%u level=%u pa=0x%llx desc=0x%llx %s", stage, level, (unsigned long long)dpa,
		   (unsigned long long)out.d, f ? event_name(f) : out.table ? "table" : "leaf");
	return f;
}

uint8_t decode_desc(const WalkGeom &w, unsigned level, WalkStep &out)
{
	const uint64_t d = out.d;
	if (!SMMU_GET(d, PTE_VALID))
		return EVT_F_TRANSLATION;
	out.table = level < 3 && SMMU_GET(d, PTE_TYPE);
	// Leaf: a page at level 3, or a block where this granule allows one.
	if (!out.table && (level == 3 ? !SMMU_GET(d, PTE_TYPE) : !w.block_ok(level)))
		return EVT_F_TRANSLATION;
	out.addr = SMMU_ADDR(d, PTE_OA) & ~((1ull << (out.table ? w.g : w.shift(level))) - 1);
	if (out.addr >> w.oa_bits)
		return EVT_F_ADDR_SIZE;
	if (!out.table && !SMMU_GET(d, PTE_AF) && !w.affd)
		return EVT_F_ACCESS;
	return 0;
}

// ---- Walk caches (both stages) ---------------------------------------------------------------------

// One walk-cache lookup of `stage` for input address `in` (a VA, or an IPA at stage 2) probes every
// level in parallel; the deepest entry wins (the levels above it count as probed only in the
// per-level statistics of MMU-600's PMU style: a level is counted when it was looked up, down to
// the hit). An entry holds the descriptor found at its level: a table (the walk continues one level
// down) or a leaf, a page or block (the walk is over). Returns the hit and its level, or nullptr;
// `probe` keeps the key of each level looked up, for the fills of the levels the walk then reads.
const WalkVal *Smmu::walk_cache_probe(unsigned stage, uint16_t vmid, uint16_t asid, const WalkGeom &w, uint64_t in,
				      unsigned &level, WalkProbe &probe)
{
	const unsigned s2 = stage == 2;
	stats.c[s2 ? ST_WALK_S2_LOOKUPS : ST_WALK_LOOKUPS]++;
	for (int l = 3; l >= (int)w.start; l--) {
		const WalkKey &k = probe.key[l] = make_walk_key(0, (uint8_t)stage, vmid, asid, (uint8_t)l, w.shift((unsigned)l), in);
		const uint64_t set_index = probe.set_index[l] = k.set_index();
		const unsigned lstat = ST_WALK_L0_LOOKUPS + 8 * s2 + 2 * (unsigned)l;
		stats.c[lstat]++;
		if (const WalkVal *v = walk_cache((unsigned)l, stage).lookup(k, set_index)) {
			stats.c[s2 ? ST_WALK_S2_HITS : ST_WALK_HITS]++;
			stats.c[s2 ? ST_WALK_S2_LEAF_HITS : ST_WALK_LEAF_HITS] += v->leaf();
			level = (unsigned)l;
			return v;
		}
		stats.c[lstat + 1]++;
	}
	return nullptr;
}

// The walk cache of `level` keeps the descriptor just read, a table or a leaf (IHI 0070 §3.17:
// leaves and tables may be cached; the TLBI scopes in smmu_queues.cpp remove both); its fill
// completes with that read (fill hazard). A level is read only below the deepest hit of the walk's
// lookup (walk_cache_probe), which looked up every level below it: the entry is absent, and its
// key is the one `probe` kept.
void Smmu::walk_cache_fill(Xlate &x, unsigned stage, const WalkProbe &probe, unsigned level, const WalkStep &st,
			   uint64_t acc)
{
	WalkVal v;
	v.table = st.addr;
	v.acc = acc;
	v.leaf_desc = st.table ? 0 : st.d;
	if (WalkVal *stored = walk_cache(level, stage).insert_absent(probe.key[level], probe.set_index[level], v))
		x.path.fill(&stored->ready, x.path.last_read());
}

// ---- Stage 2 -------------------------------------------------------------------------------------

// Stage-2 translation of ipa for a CD fetch (CLASS=CD), a stage-1 table read (CLASS=TT) or the
// transaction's own access (CLASS=IN), through the stage-2 walk caches when there are any: each
// such walk looks them up once (timed like the stage-1 lookup) and a leaf hit reads nothing. On a
// fault the event is raised (S2=1; stage 2 behaves as A=1, R=STE.S2R) and false is returned.
bool Smmu::s2_translate(Xlate &x, uint64_t ipa, unsigned cls, S2Out &out)
{
	const Txn &t = x.t;
	const S2Cfg &s2 = x.s2;
	const bool in = cls == EVT_CLASS_IN;
	const bool write = in && t.write, instr = in && x.instr; // table and CD reads are data reads
	// TTRnW (the descriptor access was a read) is defined only in an F_PERMISSION record of
	// CLASS=TT (IHI 0070 §7.3); walk_step never gives F_PERMISSION, so only the check below sets it.
	const uint64_t dw1 = x.acc_bits | SMMU_PREP(EVT1_S2, 1) | SMMU_PREP(EVT1_CLASS, cls);
	const uint64_t ttrnw = cls == EVT_CLASS_TT ? SMMU_PREP(EVT1_TTRNW, 1) : 0;
	const uint64_t dw3 = ipa & SMMU_MASK(EVT3_IPA);
	if (ipa >> s2.ia)
		return fault(t, x.o, EVT_F_TRANSLATION, dw1, t.addr, dw3, s2.record, XLATE_ABORT);
	const WalkGeom w(s2.g, s2.ia, s2.start, s2.ps, s2.affd);
	uint64_t table = w.base(s2.ttb);
	unsigned level = s2.start;
	WalkStep st;
	const WalkVal *hit = nullptr;
	WalkProbe probe;
	if (walk_enabled(2)) {
		hit = walk_cache_probe(2, s2.vmid, 0, w, ipa, level, probe);
		x.path.s2_lookup(hit ? hit->ready : 0);
		if (hit && hit->leaf()) {
			st.d = hit->leaf_desc;
			st.addr = hit->table;
		} else if (hit) {
			table = hit->table;
			level++;
		}
	}
	for (; !st.d; level++) { // until a leaf: read from the walk cache, or walked
		const uint64_t dpa = w.desc_addr(table, ipa, level);
		const uint8_t f = walk_step(w, level, dpa, ST_RD_S2PTE, x.path, st);
		if (f == EVT_F_WALK_EABT)
			return fault(t, x.o, f, dw1, t.addr, SMMU_PREP_ADDR(EVT3_FETCHADDR, dpa), true, XLATE_ABORT);
		if (f)
			return fault(t, x.o, f, dw1, t.addr, dw3, s2.record, XLATE_ABORT);
		if (walk_enabled(2))
			walk_cache_fill(x, 2, probe, level, st, 0);
		if (!st.table)
			break;
		table = st.addr;
		st.d = 0;
	}
	// S2AP and XN (no IDR3.XNX).
	// Execute depends on XN alone: S2AP = 00 with XN = 0 is an execute-only page.
	const bool r = SMMU_GET(st.d, PTE_S2AP_R), wr = SMMU_GET(st.d, PTE_S2AP_W), xn = SMMU_GET(st.d, PTE_S2XN);
	out.perm = (uint8_t)(r | (wr << 1) | (!xn << 2));
	if (!s2_allows(out.perm, write, instr))
		return fault(t, x.o, EVT_F_PERMISSION, dw1 | ttrnw, t.addr, dw3, s2.record, XLATE_ABORT);
	out.shift = w.shift(level);
	out.pa = st.addr | (ipa & ((1ull << out.shift) - 1));
	return true;
}

// ---- Stage 1 -------------------------------------------------------------------------------------

// A stage-1 fault on the transaction's input (CLASS=IN), with the CD's fault configuration A and R.
bool Smmu::s1_fault(Xlate &x, const S1Leaf &cfg, uint8_t type)
{
	return fault(x.t, x.o, type, x.acc_bits | SMMU_PREP(EVT1_CLASS, EVT_CLASS_IN), x.t.addr, 0, cfg.cd_r,
		     cfg.cd_a ? XLATE_ABORT : XLATE_RAZWI);
}

// The stage-1 walk-cache lookup of a translation (walk_cache_probe): the level the walk continues
// at (a leaf: its own level), with the table or output address, the accumulated table attributes
// and, for a leaf, its descriptor in leaf_desc.
unsigned Smmu::walk_cache_lookup(Xlate &x, const WalkGeom &w, uint16_t asid, uint64_t &table, uint64_t &acc,
				 uint64_t &leaf_desc, WalkProbe &probe)
{
	x.path.walk = walk_enabled();
	if (!x.path.walk)
		return w.start;
	unsigned l = w.start;
	const WalkVal *v = walk_cache_probe(1, x.fill.vmid, asid, w, x.t.addr, l, probe);
	if (!v)
		return w.start;
	table = v->table;
	acc = v->acc;
	leaf_desc = v->leaf_desc;
	x.path.walk_ready = v->ready;
	return v->leaf() ? l : l + 1;
}

// The walk's result as an S1Leaf: from the leaf descriptor d at `level` with output address oa.
static void s1_leaf_from(S1Leaf &leaf, const WalkGeom &w, unsigned level, uint64_t d, uint64_t oa, uint64_t acc)
{
	leaf.d = d;
	leaf.eff = fold_table_attrs(d, acc);
	leaf.oa = oa;
	leaf.shift = w.shift(level);
	leaf.level = level;
}

// The stage-1 walk of the transaction's VA with x.cd (TTB0 or TTB1 by VA[55]); false if the
// transaction ended on a fault. The leaf's permissions are checked by the caller.
bool Smmu::s1_walk(Xlate &x, S1Leaf &leaf)
{
	const Txn &t = x.t;
	const CfgVal &cd = *x.cd;
	const uint64_t d0 = cd.dw[0];
	leaf.cd_a = SMMU_GET(d0, CD0_A);
	leaf.cd_r = SMMU_GET(d0, CD0_R);
	leaf.wxn = SMMU_GET(d0, CD0_WXN);
	leaf.pan = SMMU_GET(d0, CD0_PAN);
	leaf.asid = cd_asid(p_, cd);
	if (p_.strict) {
		// Before the CD's EPDx/TxSZ/TBI checks: a TLB entry may hold those fields as they were
		// at its fill (IHI 0070 §5.4.1), so only a TLBI makes their change visible to it.
		if (const int hit = strict_tlb_lookup(x, leaf))
			return hit == 1;
	}
	const uint64_t va = t.addr;
	const unsigned sel = (unsigned)SMMU_GET(va, VA_TTBSEL);
	if (sel ? SMMU_GET(d0, CD0_EPD1) : SMMU_GET(d0, CD0_EPD0))
		return s1_fault(x, leaf, EVT_F_TRANSLATION);
	if (!s1_va_in_range(cd, sel, va))
		return s1_fault(x, leaf, EVT_F_TRANSLATION);
	const bool had = p_.had && (sel ? SMMU_GET(cd.dw[2], CD2_HAD1) : SMMU_GET(cd.dw[1], CD1_HAD0));
	uint64_t ttb;
	const WalkGeom w = s1_geometry(cd, sel, (unsigned)oas_mask_bits_, ttb);
	uint64_t table = w.base(ttb);
	uint64_t acc = 0; // table restrictions accumulated from the levels above
	uint64_t leaf_desc = 0;
	WalkProbe probe;
	unsigned level = walk_cache_lookup(x, w, leaf.asid, table, acc, leaf_desc, probe);
	SMMU_TRACE(TR_WALK_CACHE, "asid=0x%x va=0x%llx start=%u%s", leaf.asid, (unsigned long long)va, level,
		   leaf_desc ? " leaf" : "");
	x.path.walk_first = x.path.nreads;
	if (leaf_desc) { // a leaf entry: no descriptor read; a nested output still walks stage 2
		s1_leaf_from(leaf, w, level, leaf_desc, table, acc);
		x.path.ptw = x.s2.on;
		return true;
	}
	stats.c[ST_WALKS]++;
	x.path.ptw = true;
	for (;; level++) {
		uint64_t dpa = w.desc_addr(table, va, level);
		if (x.s2.on) { // nested: the tables live in IPA space (faults here are CLASS=TT)
			S2Out s2;
			if (!s2_translate(x, dpa, EVT_CLASS_TT, s2))
				return false;
			dpa = s2.pa;
		}
		WalkStep st;
		const uint8_t f = walk_step(w, level, dpa, ST_RD_PTE0 + level, x.path, st);
		if (f == EVT_F_WALK_EABT)
			return abort_event(x, f, x.acc_bits | SMMU_PREP(EVT1_CLASS, EVT_CLASS_TT), t.addr,
					   SMMU_PREP_ADDR(EVT3_FETCHADDR, dpa));
		if (f)
			return s1_fault(x, leaf, f);
		if (st.table && !had)
			acc |= st.d & kTableAttrMask;
		if (x.path.walk) // without a stage-1 walk cache there was no lookup and is no fill
			walk_cache_fill(x, 1, probe, level, st, acc);
		if (!st.table) {
			s1_leaf_from(leaf, w, level, st.d, st.addr, acc);
			if (p_.strict)
				strict_tlb_insert(x, leaf);
			return true;
		}
		table = st.addr;
	}
}

} // namespace smmusim
