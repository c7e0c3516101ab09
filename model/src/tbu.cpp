// The TBU, where every translation starts: its micro TLB and main TLB, tagged by StreamID and
// SubstreamID, the permission check of a hit (the entry carries everything it needs, so a hit never
// goes to the TCU), and the filling of both TLBs with the result of a TCU translation.
#include "xlate.hpp"

namespace smmusim {

// ---- Translation entry: SMMUEN and the TLB lookup ------------------------------------------------

// Where every translation starts (IHI 0070 §3.3): with SMMUEN=0 the global bypass; otherwise the
// TBU's micro TLB, then its main TLB (a main-TLB hit refills the micro TLB). A hit is finished here
// (translated, or a permission fault); a miss goes to the TCU (tcu.cpp). The hit path is kept in
// this one function so that it stays free of calls.
void Smmu::translate(const Txn &t, Outcome &o, Path &path)
{
	if (!smmu_enabled()) { // as acknowledged: global bypass attributes, no event
		if (SMMU_GET(gbpa_, GBPA_ABORT) || (t.addr >> oas_mask_bits_)) {
			o.status = XLATE_ABORT;
			return;
		}
		o.pa = t.addr;
		path.data = true;
		stats.c[ST_DMA_BYPASS]++;
		return;
	}
	if (p_.strict)
		strict_note_transaction(t); // the prefetcher follows recent contexts and addresses
	Tbu &tbu = *tbus_[t.port];
	const uint32_t ssid = t.ssv ? t.ssid : kNoSsid;
	const TbuEntry *hit = nullptr;
	unsigned probes = 0;
	if (tbu.utlb.enabled()) {
		stats.c[ST_UTLB_LOOKUPS]++;
		hit = tbu.utlb.lookup(t.sid, ssid, t.addr, probes);
		if (!hit)
			stats.c[ST_UTLB_MISSES]++;
		else
			o.hit = HIT_UTLB;
		SMMU_TRACE(TR_TBU_UTLB, "sid=0x%x ssv=%u ssid=0x%x va=0x%llx %s", t.sid, t.ssv, t.ssid,
			   (unsigned long long)t.addr, hit ? "hit" : "miss");
	}
	if (!hit && tbu.mtlb.enabled()) {
		path.mtlb = true;
		stats.c[ST_MTLB_LOOKUPS]++;
		hit = tbu.mtlb.lookup(t.sid, ssid, t.addr, probes);
		path.mtlb_probes = probes;
		stats.c[ST_MTLB_PROBES] += probes;
		if (!hit) {
			stats.c[ST_MTLB_MISSES]++;
		} else {
			tbu.utlb.insert(t.sid, ssid, t.addr, *hit, true); // (it just missed there)
			o.hit = HIT_MTLB;
		}
		SMMU_TRACE(TR_TBU_MTLB, "sid=0x%x ssv=%u ssid=0x%x va=0x%llx probes=%u %s", t.sid, t.ssv, t.ssid,
			   (unsigned long long)t.addr, probes, hit ? "hit" : "miss");
	}
	if (!hit) {
		tcu_translate(tbu, t, ssid, o, path);
		o.hit = path.ptw ? HIT_WALK : HIT_TCU; // a walk slot is taken exactly when descriptors are read
		return;
	}
	path.hit_ready = hit->ready;
	path.tbu_fault = true; // only used if a fault follows
	const bool priv = eff_priv(hit->privcfg, t.priv), instr = eff_instr(hit->instcfg, t.instr, t.write);
	const unsigned bit = access_bit(priv, instr, t.write);
	SMMU_TRACE(TR_PERM, "access=%s%s%s %s tlb", t.write ? "w" : "r", priv ? ",priv" : "", instr ? ",instr" : "",
		   (hit->perm_ok >> bit) & 1u ? "allowed" : "denied");
	if ((hit->perm_ok >> bit) & 1u) {
		o.pa = hit->out_base | (t.addr & ((1ull << hit->page_shift) - 1));
		path.data = true;
		return;
	}
	const uint64_t acc = event_access_bits(priv, instr, t.write) | SMMU_PREP(EVT1_CLASS, EVT_CLASS_IN);
	if (hit->s2 && ((hit->perm_s1 >> bit) & 1u)) { // denied by stage 2: S2 fault with the IPA
		const uint64_t ipa = hit->ipa_base | (t.addr & ((1ull << hit->page_shift) - 1));
		fault(t, o, EVT_F_PERMISSION, acc | SMMU_PREP(EVT1_S2, 1), t.addr, SMMU_PREP_ADDR(EVT3_IPA, ipa), hit->s2_record,
		      XLATE_ABORT);
	} else {
		fault(t, o, EVT_F_PERMISSION, acc, t.addr, 0, hit->fault_r, hit->fault_a ? XLATE_ABORT : XLATE_RAZWI);
	}
}

// ---- TLB entries ---------------------------------------------------------------------------------

// Both TLBs are filled when the response reaches the TBU (the timing sets `ready`). Only
// successful translations are cached. The translation came to the TCU because both missed
// (translate), so neither holds an entry for va.
void Smmu::tbu_fill(Xlate &x, uint64_t va)
{
	x.fill.ready = 0;
	if (TbuEntry *e = x.tbu.mtlb.insert(x.t.sid, x.ssid, va, x.fill, true))
		x.path.fill(&e->ready, Path::kAtResponse);
	if (TbuEntry *e = x.tbu.utlb.insert(x.t.sid, x.ssid, va, x.fill, true))
		x.path.fill(&e->ready, Path::kAtResponse);
}

// STE bypass (stage 1 and stage 2 off): a 4 KB identity page.
void Smmu::tbu_fill_bypass(Xlate &x)
{
	x.fill.out_base = x.t.addr & ~((1ull << SMMU_GRANULE_4K) - 1);
	x.fill.global = true;
	tbu_fill(x, x.t.addr);
}

// Stage 2 only (stage 1 bypassed): the page of the stage-2 leaf; a fault on a hit is a stage-2
// fault (A=1, R=STE.S2R).
void Smmu::tbu_fill_s2(Xlate &x, const S2Out &s2)
{
	TbuEntry &f = x.fill;
	f.out_base = s2.pa & ~((1ull << s2.shift) - 1);
	f.page_shift = (uint8_t)s2.shift;
	f.global = true;
	f.s1 = false;
	f.s2 = true;
	f.perm_ok = s2_access_mask(s2.perm);
	f.fault_a = true;
	f.fault_r = x.s2.record;
	f.s2_record = x.s2.record;
	f.perm_s1 = 0xFF;
	f.ipa_base = x.t.addr & ~((1ull << s2.shift) - 1);
	tbu_fill(x, x.t.addr);
}

// Stage 1, with stage 2 when nested (s2perm and out_shift then come from the stage-2 leaf of the
// output IPA; the combined entry covers the smaller of the two pages).
void Smmu::tbu_fill_s1(Xlate &x, const S1Leaf &leaf, uint8_t s2perm, unsigned out_shift)
{
	const uint64_t va = x.t.addr;
	const uint8_t perm_s1 = s1_access_mask(leaf.eff, leaf.wxn, leaf.pan);
	TbuEntry &f = x.fill;
	f.perm_s1 = perm_s1;
	f.s2_record = x.s2.record;
	f.ipa_base = (leaf.oa | (va & ((1ull << leaf.shift) - 1))) & ~((1ull << out_shift) - 1);
	f.out_base = x.o.pa & ~((1ull << out_shift) - 1);
	f.page_shift = (uint8_t)out_shift;
	f.s2 = x.s2.on;
	f.level = (uint8_t)leaf.level;
	f.asid = leaf.asid;
	f.global = !SMMU_GET(leaf.d, PTE_NG);
	f.perm_ok = perm_s1 & s2_access_mask(s2perm);
	f.fault_a = leaf.cd_a;
	f.fault_r = leaf.cd_r;
	tbu_fill(x, va);
}

} // namespace smmusim
