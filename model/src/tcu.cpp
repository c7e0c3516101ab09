// The TCU's part of a translation, in the order of IHI 0070 §3.3: the STE, substream selection, the
// CD, the stage-1 walk and its permission check, stage 2, and the TLB entry. Each step lives in the
// file of its part (xlate.hpp lists them); this file holds the sequence, the STE and substream
// bypasses, and the fault/event builder.
#include "xlate.hpp"

#include <cstring>

namespace smmusim {

// Build and (maybe) record one event; set the transaction's outcome. Returns false so that
// callers can write "return fault(...)".
bool Smmu::fault(const Txn &t, Outcome &o, uint8_t type, uint64_t dw1, uint64_t dw2, uint64_t dw3, bool record,
		 uint8_t status)
{
	uint64_t ev[4];
	ev[0] = SMMU_PREP(EVT0_TYPE, type) | SMMU_PREP(EVT0_SID, t.sid);
	if (type == EVT_C_BAD_SUBSTREAMID) {
		// IHI 0070 §7.3.9: SubstreamID always valid, no SSV (0 for traffic without one).
		ev[0] |= SMMU_PREP(EVT0_SSID, t.ssv ? t.ssid : 0);
	} else if (type == EVT_F_STREAM_DISABLED) {
		// IHI 0070 §7.3.7: StreamID only.
	} else if (t.ssv) {
		ev[0] |= SMMU_PREP(EVT0_SSV, 1) | SMMU_PREP(EVT0_SSID, t.ssid);
	} else if (p_.strict) {
		ev[0] |= SMMU_PREP(EVT0_SSID, strict_rng_.next()); // SSV=0: SubstreamID is UNKNOWN (§7.3)
	}
	ev[1] = dw1;
	ev[2] = dw2;
	ev[3] = dw3;
	if (p_.strict)
		strict_unknown_fields(ev);
	SMMU_TRACE(TR_FAULT, "%s sid=0x%x ssv=%u ssid=0x%x va=0x%llx %s", event_name(type), t.sid, t.ssv, t.ssid,
		   (unsigned long long)t.addr, record ? "recorded" : "suppressed");
	o.status = status;
	o.event = type;
	o.recorded = false;
	if (!record) {
		stats.events[type]++; // raised but suppressed (CD.R=0)
	} else if (pev_) { // timed: written when the fault is detected (Smmu::transact)
		pev_->pending = true;
		std::memcpy(pev_->ev, ev, sizeof ev);
	} else {
		o.recorded = record_event(ev);
	}
	return false;
}

// A recorded event that aborts the transaction (configuration errors, fetch aborts).
bool Smmu::abort_event(Xlate &x, uint8_t type, uint64_t dw1, uint64_t dw2, uint64_t dw3)
{
	return fault(x.t, x.o, type, dw1, dw2, dw3, true, XLATE_ABORT);
}

// Stage 1 bypassed with stage 2 on (Config=110, or S1DSS=bypass when nested): IPA = input.
void Smmu::stage2_only(Xlate &x)
{
	// IHI 0070 §3.4: an input address beyond the IAS (= OAS here) is a stage-1 address size fault,
	// even with stage 1 bypassed (S2=0, CLASS=IN), not a stage-2 translation fault.
	if (x.t.addr >> oas_mask_bits_) {
		abort_event(x, EVT_F_ADDR_SIZE, x.acc_bits | SMMU_PREP(EVT1_CLASS, EVT_CLASS_IN), x.t.addr, 0);
		return;
	}
	x.path.ptw = true; // the stage-2 walk runs under a walk slot
	x.path.walk_first = x.path.nreads;
	S2Out s2;
	if (!s2_translate(x, x.t.addr, EVT_CLASS_IN, s2))
		return;
	x.o.pa = s2.pa;
	x.path.data = true;
	tbu_fill_s2(x, s2);
}

// Bypass (stage 1 off, or S1DSS=bypass): the output is the input, checked against the OAS.
void Smmu::bypass(Xlate &x)
{
	if (x.s2.on) {
		stage2_only(x);
		return;
	}
	if (x.t.addr >> oas_mask_bits_) {
		abort_event(x, EVT_F_ADDR_SIZE, x.acc_bits | SMMU_PREP(EVT1_CLASS, EVT_CLASS_IN), x.t.addr, 0);
		return;
	}
	x.o.pa = x.t.addr;
	x.path.data = true;
	tbu_fill_bypass(x);
}

// A transaction the TBU could not translate (tbu.cpp, Smmu::translate), in the TCU.
void Smmu::tcu_translate(Tbu &tbu, const Txn &t, uint32_t ssid, Outcome &o, Path &path)
{
	// 1. The STE (tcu_config.cpp).
	path.tcu = true;
	path.tbu_fault = false;
	Xlate x(t, o, path, tbu, ssid);
	if (!find_ste(x))
		return;
	if (x.config == STE_CONFIG_BYPASS || x.config == STE_CONFIG_S2_TRANS) {
		if (t.ssv)
			abort_event(x, EVT_C_BAD_SUBSTREAMID); // a SubstreamID needs stage 1
		else
			bypass(x);
		return;
	}

	// 2. Substreams and the CD (tcu_config.cpp). Config is 101 or (nested) 111 here.
	uint32_t cdidx = 0;
	switch (select_substream(x, cdidx)) {
	case Substream::Ended: return;
	case Substream::Bypass: bypass(x); return;
	case Substream::Cd: break;
	}
	if (!find_cd(x, cdidx))
		return;

	// 3. Stage-1 walk (walk.cpp) and permission (permission.cpp).
	S1Leaf leaf;
	if (!s1_walk(x, leaf))
		return;
	const bool allowed = s1_allows(leaf.eff, x.priv, x.instr, t.write, leaf.wxn, leaf.pan);
	SMMU_TRACE(TR_PERM, "access=%s%s%s %s walk", t.write ? "w" : "r", x.priv ? ",priv" : "", x.instr ? ",instr" : "",
		   allowed ? "allowed" : "denied");
	if (!allowed) {
		s1_fault(x, leaf, EVT_F_PERMISSION);
		return;
	}
	o.pa = leaf.oa | (t.addr & ((1ull << leaf.shift) - 1));
	unsigned out_shift = leaf.shift;
	uint8_t s2perm = 7;
	if (x.s2.on) { // 4. the IPA through stage 2 (CLASS=IN)
		S2Out s2;
		if (!s2_translate(x, o.pa, EVT_CLASS_IN, s2))
			return;
		o.pa = s2.pa;
		s2perm = s2.perm;
		out_shift = std::min(leaf.shift, s2.shift); // the combined entry covers the smaller page
	}
	path.data = true;
	// 5. The TLB entry (tbu.cpp).
	tbu_fill_s1(x, leaf, s2perm, out_shift);
}

} // namespace smmusim
