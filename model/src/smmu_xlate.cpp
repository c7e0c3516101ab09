// Transaction processing (digest section 10): GBPA, stream table, STE checks, substreams, CD
// tables, CD checks, the VMSAv8-64 stage-1 walk, faults and events, TBU TLBs, and the timing
// formula documented in docs/model.md.
#include <smmusim/smmu.hpp>

#include <algorithm>

using namespace sc_core;

namespace smmusim {

static constexpr uint32_t kNoSsid = ~0u;

// ---- TBU TLB -----------------------------------------------------------------------------------

static uint64_t tbu_set(uint64_t vpn, uint32_t sid, uint32_t ssid)
{
	return vpn ^ set_hash((uint64_t)sid << 32 | ssid);
}

const TbuEntry *TbuTlb::lookup(uint32_t sid, uint32_t ssid, uint64_t va, unsigned &probes)
{
	probes = 0;
	uint64_t shifts = present_;
	while (shifts) {
		const unsigned shift = (unsigned)__builtin_ctzll(shifts);
		shifts &= shifts - 1;
		TbuTag k;
		k.vpn = va >> shift;
		k.sid = sid;
		k.ssid = ssid;
		k.page_shift = (uint8_t)shift;
		probes++;
		if (const TbuEntry *e = cache_.lookup(k, tbu_set(k.vpn, sid, ssid)))
			return e;
	}
	return nullptr;
}

TbuEntry *TbuTlb::insert(uint32_t sid, uint32_t ssid, uint64_t va, const TbuEntry &e)
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
	TbuEntry *stored = cache_.insert(k, tbu_set(k.vpn, sid, ssid), e, &how, &victim);
	if (how == Fill::Evicted && --count_[victim.page_shift] == 0)
		present_ &= ~(1ull << victim.page_shift);
	if (how != Fill::Updated && count_[k.page_shift]++ == 0)
		present_ |= 1ull << k.page_shift;
	return stored;
}

// ---- helpers -------------------------------------------------------------------------------------

namespace {

// Stage-1 permission check (digest 7.4) on a leaf whose AP/XN bits already include the
// restrictions of APTable/XNTable/PXNTable above it.
bool allowed(uint64_t d, bool priv, bool instr, bool write, bool wxn, bool pan)
{
	const bool ap1 = SMMU_GET(d, PTE_AP1), ap2 = SMMU_GET(d, PTE_AP2);
	const bool uxn = SMMU_GET(d, PTE_UXN), pxn = SMMU_GET(d, PTE_PXN);
	if (!priv && !ap1)
		return false;
	if (write && ap2)
		return false;
	if (priv && pan && ap1 && !instr)
		return false;
	if (instr) {
		const bool el0_writable = ap1 && !ap2, priv_writable = !ap2;
		if (priv && (pxn || el0_writable || (wxn && priv_writable)))
			return false;
		if (!priv && (uxn || (wxn && el0_writable)))
			return false;
	}
	return true;
}

bool eff_priv(unsigned privcfg, bool priv)
{
	return privcfg == STE_PRIVCFG_UNPRIV ? false : privcfg == STE_PRIVCFG_PRIV ? true : priv;
}

bool eff_instr(unsigned instcfg, bool instr, bool write)
{
	if (write)
		return false; // InD is always 0 for writes
	return instcfg == STE_INSTCFG_DATA ? false : instcfg == STE_INSTCFG_INSTR ? true : instr;
}

// Granule shift for CD.TG0 / CD.TG1 encodings; 0 = reserved.
unsigned tg0_shift(unsigned tg) { return tg == CD_TG0_4K ? 12 : tg == CD_TG0_64K ? 16 : tg == CD_TG0_16K ? 14 : 0; }
unsigned tg1_shift(unsigned tg) { return tg == CD_TG1_4K ? 12 : tg == CD_TG1_64K ? 16 : tg == CD_TG1_16K ? 14 : 0; }

} // namespace

bool Smmu::read_desc(uint64_t pa, uint64_t &v, unsigned stat, Path &path)
{
	path.read((uint8_t)(stat - ST_RD_L1STD));
	stats.c[stat]++;
	return (pa >> oas_mask_bits_) == 0 && mem_.read64(pa, v);
}

static CfgKey cfg_key(CfgKind kind, uint32_t sid, uint32_t index)
{
	CfgKey k;
	k.sid = kind == CFG_L1STD ? 0 : sid;
	k.index = index;
	k.kind = kind;
	return k;
}

// Configuration-cache lookup (L1 descriptors only with tcu.cfg.cache_l1). The STE and the CD are
// looked up by (StreamID) and (StreamID, CD index) before any table is read: a hit needs no
// L1STD or L1CD read (MMU-600 caches STE+CD per context, not the tables leading to them).
bool Smmu::cfg_lookup(CfgKind kind, uint32_t sid, uint32_t index, CfgVal &out, Path &path)
{
	const bool l1 = kind == CFG_L1STD || kind == CFG_L1CD;
	if (l1 && !p_.cfg_cache_l1)
		return false;
	const CfgKey k = cfg_key(kind, sid, index);
	stats.c[l1 ? ST_CFG_L1_LOOKUPS : ST_CFG_LOOKUPS]++;
	if (const CfgVal *v = cfg_cache_.lookup(k, k.set_index(cfg_cache_.sets()))) {
		out = *v;
		path.cfg_ready = std::max(path.cfg_ready, v->ready);
		return true;
	}
	stats.c[l1 ? ST_CFG_L1_MISSES : ST_CFG_MISSES]++;
	return false;
}

// Fetch a configuration structure through the configuration cache (looked_up: the caller has
// already missed in it). A failed fetch is not cached.
FetchResult Smmu::fetch_cfg(CfgKind kind, uint32_t sid, uint32_t index, uint64_t addr, unsigned dwords, CfgVal &out,
			    unsigned stat, Path &path, const Txn &t, Outcome &o, const S2Cfg *s2, uint64_t acc_bits,
			    uint64_t &fetch_pa, bool looked_up)
{
	const bool l1 = kind == CFG_L1STD || kind == CFG_L1CD;
	const bool cached = !l1 || p_.cfg_cache_l1;
	const CfgKey k = cfg_key(kind, sid, index);
	fetch_pa = addr;
	if (!looked_up && cfg_lookup(kind, sid, index, out, path))
		return FETCH_OK;
	if (s2) { // nested: the address is an IPA (faults here are CLASS=CD)
		unsigned shift;
		uint8_t perm;
		if (!s2_translate(t, o, *s2, addr, EVT_CLASS_CD, acc_bits, false, false, path, fetch_pa, shift, perm))
			return FETCH_FAULTED;
	}
	path.read((uint8_t)(stat - ST_RD_L1STD));
	stats.c[stat]++;
	if ((fetch_pa >> oas_mask_bits_) || !mem_.read(fetch_pa, out.dw, dwords * 8))
		return FETCH_ABORT;
	if (cached) {
		out.ready = 0;
		if (CfgVal *v = cfg_cache_.insert(k, k.set_index(cfg_cache_.sets()), out))
			path.fill(&v->ready, path.last_read());
	}
	return FETCH_OK;
}

bool Smmu::ste_illegal(const CfgVal &ste) const
{
	const uint64_t d0 = ste.dw[0], d1 = ste.dw[1];
	const unsigned config = (unsigned)SMMU_GET(d0, STE0_CONFIG);
	if ((config & 2u) && (!p_.s2p || s2_illegal(ste)))
		return true; // stage 2 enabled but IDR0.S2P=0, or bad stage-2 fields
	if (config & 1u) {
		const unsigned cdmax = (unsigned)SMMU_GET(d0, STE0_S1CDMAX), fmt = (unsigned)SMMU_GET(d0, STE0_S1FMT);
		if (p_.ssidsize && cdmax) {
			if ((fmt == STE_S1FMT_4K_L2 || fmt == STE_S1FMT_64K_L2) && !p_.cd2l)
				return true;
			if (cdmax > p_.ssidsize)
				return true;
		}
		if (SMMU_GET(d1, STE1_S1STALLD) && p_.stall_model != IDR0_STALL_MODEL_BOTH)
			return true;
		if ((d0 & SMMU_MASK(STE0_S1CONTEXTPTR)) >> oas_mask_bits_)
			return true;
		// STRW is ignored without IDR0.HYP; EATS is ignored without IDR0.ATS.
	}
	return false;
}

static unsigned s2tg_shift(unsigned tg) { return tg == 0 ? 12 : tg == 1 ? 16 : tg == 2 ? 14 : 0; }

S2Cfg Smmu::s2_config(const CfgVal &ste) const
{
	const uint64_t d2 = ste.dw[2];
	S2Cfg c;
	c.on = true;
	c.vmid = (uint16_t)SMMU_GET(d2, STE2_S2VMID);
	c.g = s2tg_shift((unsigned)SMMU_GET(d2, STE2_S2TG));
	c.ia = 64 - (unsigned)SMMU_GET(d2, STE2_S2T0SZ);
	const unsigned sl0 = (unsigned)SMMU_GET(d2, STE2_S2SL0);
	c.start = c.g == 12 ? 2 - sl0 : 3 - sl0; // digest 7.6
	c.ps = std::min(smmu_oas_bits((unsigned)SMMU_GET(d2, STE2_S2PS)), (unsigned)oas_mask_bits_);
	c.ttb = ste.dw[3] & SMMU_MASK(STE3_S2TTB);
	c.affd = SMMU_GET(d2, STE2_S2AFFD);
	c.record = SMMU_GET(d2, STE2_S2R);
	return c;
}

// Stage-2 fields of an STE with stage 2 enabled (digest 3.4).
bool Smmu::s2_illegal(const CfgVal &ste) const
{
	const uint64_t d2 = ste.dw[2];
	const unsigned tg = (unsigned)SMMU_GET(d2, STE2_S2TG), t0sz = (unsigned)SMMU_GET(d2, STE2_S2T0SZ);
	const unsigned sl0 = (unsigned)SMMU_GET(d2, STE2_S2SL0), g = s2tg_shift(tg);
	if (!g || (g == 12 && !p_.gran4k) || (g == 14 && !p_.gran16k) || (g == 16 && !p_.gran64k))
		return true;
	if (t0sz < 16 || t0sz > 39 || sl0 == 3)
		return true;
	const S2Cfg c = s2_config(ste);
	const unsigned stride = g - 3, start_shift = g + (3 - c.start) * stride;
	// The starting level must resolve at least one bit and at most a 16-table concatenation.
	if (c.ia <= start_shift || c.ia - start_shift > stride + 4)
		return true;
	if (!SMMU_GET(d2, STE2_S2AA64) || SMMU_GET(d2, STE2_S2ENDI) || SMMU_GET(d2, STE2_S2HA) || SMMU_GET(d2, STE2_S2HD))
		return true;
	if (SMMU_GET(d2, STE2_S2S) != (p_.stall_model == IDR0_STALL_MODEL_FORCED ? 1u : 0u) &&
	    p_.stall_model != IDR0_STALL_MODEL_BOTH)
		return true;
	if (!p_.vmid16 && (c.vmid >> 8))
		return true;
	return (c.ttb >> c.ps) != 0;
}

bool Smmu::s2_translate(const Txn &t, Outcome &o, const S2Cfg &s2, uint64_t ipa, unsigned cls, uint64_t acc_bits,
			bool write, bool instr, Path &path, uint64_t &pa, unsigned &shift, uint8_t &perm)
{
	const uint64_t dw1 = acc_bits | SMMU_PREP(EVT1_S2, 1) | SMMU_PREP(EVT1_CLASS, cls) |
			     (cls != EVT_CLASS_IN ? SMMU_PREP(EVT1_TTRNW, 1) : 0);
	const uint64_t dw3 = ipa & SMMU_MASK(EVT3_IPA);
	// Stage 2 behaves as A=1 (abort), R = STE.S2R.
	auto s2fault = [&](uint8_t type) { fault(t, o, type, dw1, t.addr, dw3, s2.record, XLATE_ABORT); };
	if (ipa >> s2.ia) {
		s2fault(EVT_F_TRANSLATION);
		return false;
	}
	const unsigned g = s2.g, stride = g - 3;
	auto level_shift = [&](unsigned l) { return g + (3 - l) * stride; };
	const unsigned start_bits = s2.ia - level_shift(s2.start);
	uint64_t table = s2.ttb & ~((std::max<uint64_t>(8ull << start_bits, 64)) - 1);
	const uint64_t oa_mask = SMMU_MASK(PTE_OA);
	for (unsigned level = s2.start;; level++) {
		const unsigned sh = level_shift(level);
		const unsigned bits = level == s2.start ? start_bits : stride;
		const uint64_t dpa = table + ((ipa >> sh) & ((1ull << bits) - 1)) * 8;
		uint64_t d = 0;
		if (!read_desc(dpa, d, ST_RD_S2PTE, path)) {
			fault(t, o, EVT_F_WALK_EABT, dw1, t.addr, dpa & SMMU_MASK(EVT3_FETCHADDR), true, XLATE_ABORT);
			return false;
		}
		if (!SMMU_GET(d, PTE_VALID)) {
			s2fault(EVT_F_TRANSLATION);
			return false;
		}
		if (level < 3 && SMMU_GET(d, PTE_TYPE)) {
			table = d & oa_mask & ~((1ull << g) - 1);
			if (table >> s2.ps) {
				s2fault(EVT_F_ADDR_SIZE);
				return false;
			}
			continue;
		}
		const bool block_ok = (g == 12 && (level == 1 || level == 2)) || (g != 12 && level == 2);
		if (level == 3 ? !SMMU_GET(d, PTE_TYPE) : !block_ok) {
			s2fault(EVT_F_TRANSLATION);
			return false;
		}
		const uint64_t out = d & oa_mask & ~((1ull << sh) - 1);
		if (out >> s2.ps) {
			s2fault(EVT_F_ADDR_SIZE);
			return false;
		}
		if (!SMMU_GET(d, PTE_AF) && !s2.affd) {
			s2fault(EVT_F_ACCESS);
			return false;
		}
		// S2AP: bit 6 read, bit 7 write; XN in bit 54 (no IDR3.XNX).
		const bool r = (d >> 6) & 1u, w = (d >> 7) & 1u, x = r && !SMMU_GET(d, PTE_UXN);
		perm = (uint8_t)(r | (w << 1) | (x << 2));
		if (!(write ? w : instr ? x : r)) {
			s2fault(EVT_F_PERMISSION);
			return false;
		}
		pa = out | (ipa & ((1ull << sh) - 1));
		shift = sh;
		return true;
	}
}

bool Smmu::cd_illegal(const CfgVal &cd, const CfgVal &ste) const
{
	const uint64_t d0 = cd.dw[0];
	if (!SMMU_GET(d0, CD0_V) || !SMMU_GET(d0, CD0_AA64) || SMMU_GET(d0, CD0_ENDI))
		return true; // AArch64 tables only, little-endian only
	if (SMMU_GET(d0, CD0_HA))
		return true; // no HTTU ({HD,HA} = 10 behaves as 00)
	if (!p_.asid16 && (SMMU_GET(d0, CD0_ASID) >> 8))
		return true;
	const bool s = SMMU_GET(d0, CD0_S);
	if (s && (p_.stall_model == IDR0_STALL_MODEL_TERMINATE || SMMU_GET(ste.dw[1], STE1_S1STALLD)))
		return true;
	if (!s && p_.stall_model == IDR0_STALL_MODEL_FORCED)
		return true;
	const unsigned ips = std::min(smmu_oas_bits((unsigned)SMMU_GET(d0, CD0_IPS)), (unsigned)oas_mask_bits_);
	auto bad_ttb = [&](unsigned txsz, unsigned gshift, uint64_t ttb) {
		if (txsz < 16 || txsz > 39 || !gshift)
			return true;
		if ((gshift == 12 && !p_.gran4k) || (gshift == 14 && !p_.gran16k) || (gshift == 16 && !p_.gran64k))
			return true;
		return (ttb >> ips) != 0;
	};
	if (!SMMU_GET(d0, CD0_EPD0) &&
	    bad_ttb((unsigned)SMMU_GET(d0, CD0_T0SZ), tg0_shift((unsigned)SMMU_GET(d0, CD0_TG0)), cd.dw[1] & SMMU_MASK(CD1_TTB0)))
		return true;
	if (!SMMU_GET(d0, CD0_EPD1) &&
	    bad_ttb((unsigned)SMMU_GET(d0, CD0_T1SZ), tg1_shift((unsigned)SMMU_GET(d0, CD0_TG1)), cd.dw[2] & SMMU_MASK(CD2_TTB1)))
		return true;
	return false;
}

// Build and (maybe) record one event; set the transaction's outcome. Returns false so that
// callers can write "return fault(...)".
bool Smmu::fault(const Txn &t, Outcome &o, uint8_t type, uint64_t dw1, uint64_t dw2, uint64_t dw3, bool record,
		 uint8_t status)
{
	uint64_t ev[4];
	ev[0] = SMMU_PREP(EVT0_TYPE, type) | SMMU_PREP(EVT0_SID, t.sid);
	if (t.ssv)
		ev[0] |= SMMU_PREP(EVT0_SSV, 1) | SMMU_PREP(EVT0_SSID, t.ssid);
	ev[1] = dw1;
	ev[2] = dw2;
	ev[3] = dw3;
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

void Smmu::translate(const Txn &t, Outcome &o, Path &path)
{
	// 1. SMMUEN=0 (as acknowledged): global bypass attributes, no event.
	if (!smmu_enabled()) {
		if (SMMU_GET(gbpa_, GBPA_ABORT) || (t.addr >> oas_mask_bits_)) {
			o.status = XLATE_ABORT;
			return;
		}
		o.pa = t.addr;
		path.data = true;
		stats.c[ST_DMA_BYPASS]++;
		return;
	}

	const bool write = t.write;
	const uint32_t ctx_ssid = t.ssv ? t.ssid : kNoSsid;
	auto access_bits = [&](unsigned privcfg, unsigned instcfg) {
		const bool pr = eff_priv(privcfg, t.priv), in = eff_instr(instcfg, t.instr, write);
		return SMMU_PREP(EVT1_PNU, pr) | SMMU_PREP(EVT1_IND, in) | SMMU_PREP(EVT1_RNW, !write);
	};
	const uint64_t class_in = SMMU_PREP(EVT1_CLASS, EVT_CLASS_IN);

	// 2. TBU: micro TLB, then main TLB.
	Tbu &tbu = *tbus_[t.port];
	const TbuEntry *hit = nullptr;
	unsigned probes = 0;
	if (tbu.utlb.enabled()) {
		stats.c[ST_UTLB_LOOKUPS]++;
		hit = tbu.utlb.lookup(t.sid, ctx_ssid, t.addr, probes);
		if (!hit)
			stats.c[ST_UTLB_MISSES]++;
	}
	if (!hit && tbu.mtlb.enabled()) {
		path.mtlb = true;
		stats.c[ST_MTLB_LOOKUPS]++;
		hit = tbu.mtlb.lookup(t.sid, ctx_ssid, t.addr, probes);
		path.mtlb_probes = probes;
		stats.c[ST_MTLB_PROBES] += probes;
		if (!hit)
			stats.c[ST_MTLB_MISSES]++;
		else
			tbu.utlb.insert(t.sid, ctx_ssid, t.addr, *hit);
	}
	if (hit) {
		path.hit_ready = hit->ready;
		path.tbu_fault = true; // only used if a fault follows
		const unsigned bit = (eff_priv(hit->privcfg, t.priv) ? 4u : 0u) | (eff_instr(hit->instcfg, t.instr, write) ? 2u : 0u) |
				     (write ? 1u : 0u);
		if (!((hit->perm_ok >> bit) & 1u)) {
			const uint64_t acc = access_bits(hit->privcfg, hit->instcfg) | class_in;
			if (hit->s2 && ((hit->perm_s1 >> bit) & 1u)) { // denied by stage 2: S2 fault with the IPA
				const uint64_t ipa = hit->ipa_base | (t.addr & ((1ull << hit->page_shift) - 1));
				fault(t, o, EVT_F_PERMISSION, acc | SMMU_PREP(EVT1_S2, 1), t.addr, ipa & SMMU_MASK(EVT3_IPA),
				      hit->s2_record, XLATE_ABORT);
			} else {
				fault(t, o, EVT_F_PERMISSION, acc, t.addr, 0, hit->fault_r, hit->fault_a ? XLATE_ABORT : XLATE_RAZWI);
			}
			return;
		}
		o.pa = hit->out_base | (t.addr & ((1ull << hit->page_shift) - 1));
		path.data = true;
		return;
	}

	// 3. TCU: configuration.
	path.tcu = true;
	path.tbu_fault = false;
	auto abort_evt = [&](uint8_t type, uint64_t dw1, uint64_t dw2, uint64_t dw3) {
		return fault(t, o, type, dw1, dw2, dw3, true, XLATE_ABORT);
	};
	const uint64_t st_base = strtab_base_ & SMMU_MASK(STRTAB_BASE_ADDR);
	const unsigned log2size = std::min((unsigned)SMMU_GET(strtab_base_cfg_, STRTAB_BASE_CFG_LOG2SIZE), p_.sidsize);
	const bool recinvsid = SMMU_GET(cr2_, CR2_RECINVSID);
	auto bad_sid = [&]() {
		if (recinvsid)
			abort_evt(EVT_C_BAD_STREAMID, 0, 0, 0);
		else
			fault(t, o, EVT_C_BAD_STREAMID, 0, 0, 0, false, XLATE_ABORT);
	};
	if ((uint64_t)t.sid >> log2size) {
		bad_sid();
		return;
	}
	uint64_t ste_pa = 0, fetch_pa = 0;
	CfgVal ste;
	const bool ste_hit = cfg_lookup(CFG_STE, t.sid, 0, ste, path);
	const unsigned fmt = p_.st_level ? (unsigned)SMMU_GET(strtab_base_cfg_, STRTAB_BASE_CFG_FMT) : 0;
	if (ste_hit) {
		// cached: no stream-table read
	} else if (fmt == STRTAB_FMT_2LVL) {
		unsigned split = (unsigned)SMMU_GET(strtab_base_cfg_, STRTAB_BASE_CFG_SPLIT);
		if (split != 6 && split != 8 && split != 10)
			split = 6;
		const uint32_t l1idx = split >= 32 ? 0 : t.sid >> split;
		const uint64_t l1pa = st_base + (uint64_t)l1idx * L1STD_SIZE;
		CfgVal l1;
		if (fetch_cfg(CFG_L1STD, t.sid, l1idx, l1pa, 1, l1, ST_RD_L1STD, path, t, o, nullptr, 0, fetch_pa) != FETCH_OK) {
			abort_evt(EVT_F_STE_FETCH, 0, 0, l1pa & SMMU_MASK(EVT3_FETCHADDR));
			return;
		}
		const unsigned span = (unsigned)SMMU_GET(l1.dw[0], L1STD_SPAN);
		const uint32_t l2idx = t.sid & ((1u << split) - 1);
		if (span == 0 || span > 11 || span > split + 1 || l2idx >= (1u << (span - 1))) {
			bad_sid();
			return;
		}
		ste_pa = (l1.dw[0] & SMMU_MASK(L1STD_L2PTR)) + (uint64_t)l2idx * STE_SIZE;
	} else {
		ste_pa = st_base + (uint64_t)t.sid * STE_SIZE;
	}
	if (!ste_hit &&
	    fetch_cfg(CFG_STE, t.sid, 0, ste_pa, STE_DWORDS, ste, ST_RD_STE, path, t, o, nullptr, 0, fetch_pa, true) != FETCH_OK) {
		abort_evt(EVT_F_STE_FETCH, 0, 0, ste_pa & SMMU_MASK(EVT3_FETCHADDR));
		return;
	}
	if (!SMMU_GET(ste.dw[0], STE0_V)) {
		abort_evt(EVT_C_BAD_STE, 0, 0, 0);
		return;
	}
	const unsigned config = (unsigned)SMMU_GET(ste.dw[0], STE0_CONFIG);
	if (config < STE_CONFIG_BYPASS) { // abort, or reserved 001..011 which behave as abort: no event
		o.status = XLATE_ABORT;
		return;
	}
	if (ste_illegal(ste)) {
		abort_evt(EVT_C_BAD_STE, 0, 0, 0);
		return;
	}
	const unsigned privcfg = (unsigned)SMMU_GET(ste.dw[1], STE1_PRIVCFG);
	const unsigned instcfg = (unsigned)SMMU_GET(ste.dw[1], STE1_INSTCFG);
	const uint64_t acc_bits = access_bits(privcfg, instcfg);

	TbuEntry fill;
	// Both TLBs are filled when the response reaches the TBU (the timing sets `ready`).
	auto fill_tbu = [&](uint64_t va_fill) {
		fill.ready = 0;
		if (TbuEntry *e = tbu.mtlb.insert(t.sid, ctx_ssid, va_fill, fill))
			path.fill(&e->ready, Path::kAtResponse);
		if (TbuEntry *e = tbu.utlb.insert(t.sid, ctx_ssid, va_fill, fill))
			path.fill(&e->ready, Path::kAtResponse);
	};
	fill.privcfg = (uint8_t)privcfg;
	fill.instcfg = (uint8_t)instcfg;
	const S2Cfg s2 = (config & 2u) ? s2_config(ste) : S2Cfg();
	// TLB entries carry STE.S2VMID when the SMMU has stage 2 (also for stage-1-only STEs).
	fill.vmid = p_.s2p ? (uint16_t)(SMMU_GET(ste.dw[2], STE2_S2VMID) & (p_.vmid16 ? 0xFFFFu : 0xFFu)) : 0;
	const bool in_eff = eff_instr(instcfg, t.instr, write);
	// Stage-1 bypassed with stage 2 on (Config=110, or S1DSS=bypass when nested): IPA = input.
	auto stage2_only = [&]() {
		uint64_t pa;
		unsigned shift;
		uint8_t perm;
		path.ptw = true; // the stage-2 walk runs under a walk slot
		path.walk_first = path.nreads;
		if (!s2_translate(t, o, s2, t.addr, EVT_CLASS_IN, acc_bits | class_in, write, in_eff, path, pa, shift, perm))
			return;
		o.pa = pa;
		path.data = true;
		fill.out_base = pa & ~((1ull << shift) - 1);
		fill.page_shift = (uint8_t)shift;
		fill.global = true;
		fill.s1 = false;
		fill.s2 = true;
		fill.perm_ok = 0;
		for (unsigned b = 0; b < 8; b++) {
			const bool bw = b & 1u, bi = (b >> 1) & 1u;
			if (!(bw && bi) && (bw ? perm & 2u : bi ? perm & 4u : perm & 1u))
				fill.perm_ok |= (uint8_t)(1u << b);
		}
		fill.fault_a = true;
		fill.fault_r = s2.record;
		fill.s2_record = s2.record;
		fill.perm_s1 = 0xFF;
		fill.ipa_base = t.addr & ~((1ull << shift) - 1);
		fill_tbu(t.addr);
	};
	// Bypass (stage 1 off, or S1DSS=bypass): the output is the input, checked against the OAS.
	auto bypass = [&]() {
		if (s2.on) {
			stage2_only();
			return;
		}
		if (t.addr >> oas_mask_bits_) {
			abort_evt(EVT_F_ADDR_SIZE, acc_bits | class_in, t.addr, 0);
			return;
		}
		o.pa = t.addr;
		path.data = true;
		fill.out_base = t.addr & ~0xFFFull;
		fill.global = true;
		fill_tbu(t.addr);
	};
	if (config == STE_CONFIG_BYPASS || config == STE_CONFIG_S2_TRANS) {
		if (t.ssv) {
			abort_evt(EVT_C_BAD_SUBSTREAMID, 0, 0, 0); // a SubstreamID needs stage 1
			return;
		}
		bypass();
		return;
	}

	// 4. Substreams (digest 8.4). Config is 101 or (nested) 111 here.
	const unsigned cdmax = p_.ssidsize ? (unsigned)SMMU_GET(ste.dw[0], STE0_S1CDMAX) : 0;
	const unsigned s1dss = (unsigned)SMMU_GET(ste.dw[1], STE1_S1DSS);
	uint32_t cdidx = 0;
	if (t.ssv) {
		if (cdmax == 0 || (t.ssid >> cdmax)) {
			abort_evt(EVT_C_BAD_SUBSTREAMID, 0, 0, 0);
			return;
		}
		if (s1dss == STE_S1DSS_SSID0 && t.ssid == 0) {
			abort_evt(EVT_F_STREAM_DISABLED, 0, 0, 0);
			return;
		}
		cdidx = t.ssid;
	} else if (cdmax) {
		if (s1dss == STE_S1DSS_BYPASS) {
			bypass();
			return;
		}
		if (s1dss != STE_S1DSS_SSID0) { // terminate, or reserved 11 which behaves as terminate
			abort_evt(EVT_F_STREAM_DISABLED, 0, 0, 0);
			return;
		}
	}

	// 5. Find and check the CD.
	const uint64_t ctx = ste.dw[0] & SMMU_MASK(STE0_S1CONTEXTPTR);
	uint64_t cd_pa = ctx;
	CfgVal cd;
	const bool cd_hit = cfg_lookup(CFG_CD, t.sid, cdidx, cd, path);
	if (cd_hit) {
		// cached: no CD-table read
	} else if (cdmax) {
		const unsigned s1fmt = (unsigned)SMMU_GET(ste.dw[0], STE0_S1FMT);
		if (s1fmt == STE_S1FMT_4K_L2 || s1fmt == STE_S1FMT_64K_L2) {
			const unsigned split = s1fmt == STE_S1FMT_4K_L2 ? CD_SPLIT_4K : CD_SPLIT_64K;
			const uint32_t l1idx = cdidx >> split;
			const uint64_t l1pa = ctx + (uint64_t)l1idx * L1CD_SIZE;
			CfgVal l1;
			const FetchResult fr = fetch_cfg(CFG_L1CD, t.sid, l1idx, l1pa, 1, l1, ST_RD_L1CD, path, t, o,
							 s2.on ? &s2 : nullptr, acc_bits, fetch_pa);
			if (fr != FETCH_OK) {
				if (fr == FETCH_ABORT)
					abort_evt(EVT_F_CD_FETCH, 0, 0, fetch_pa & SMMU_MASK(EVT3_FETCHADDR));
				return;
			}
			uint64_t l2 = l1.dw[0] & SMMU_MASK(L1CD_L2PTR);
			if (split == CD_SPLIT_64K)
				l2 &= ~0xFFFFull; // L2Ptr[15:12] are RES0 for 64 KB leaves
			if (!SMMU_GET(l1.dw[0], L1CD_V) || (l2 >> oas_mask_bits_)) {
				abort_evt(EVT_C_BAD_SUBSTREAMID, 0, 0, 0);
				return;
			}
			cd_pa = l2 + (uint64_t)(cdidx & ((1u << split) - 1)) * CD_SIZE;
		} else {
			cd_pa = ctx + (uint64_t)cdidx * CD_SIZE;
		}
	}
	const FetchResult fr = cd_hit ? FETCH_OK
				      : fetch_cfg(CFG_CD, t.sid, cdidx, cd_pa, CD_DWORDS, cd, ST_RD_CD, path, t, o,
						  s2.on ? &s2 : nullptr, acc_bits, fetch_pa, true);
	if (fr != FETCH_OK) {
		if (fr == FETCH_ABORT)
			abort_evt(EVT_F_CD_FETCH, 0, 0, fetch_pa & SMMU_MASK(EVT3_FETCHADDR));
		return;
	}
	if (cd_illegal(cd, ste)) {
		abort_evt(EVT_C_BAD_CD, 0, 0, 0);
		return;
	}

	// 6. Stage-1 walk (digest 7).
	const uint64_t d0 = cd.dw[0];
	const bool cd_a = SMMU_GET(d0, CD0_A), cd_r = SMMU_GET(d0, CD0_R);
	const bool wxn = SMMU_GET(d0, CD0_WXN), pan = SMMU_GET(d0, CD0_PAN), affd = SMMU_GET(d0, CD0_AFFD);
	const uint16_t asid = (uint16_t)(SMMU_GET(d0, CD0_ASID) & (p_.asid16 ? 0xFFFFu : 0xFFu));
	const unsigned ips = std::min(smmu_oas_bits((unsigned)SMMU_GET(d0, CD0_IPS)), (unsigned)oas_mask_bits_);
	auto xlate_fault = [&](uint8_t type) {
		fault(t, o, type, acc_bits | class_in, t.addr, 0, cd_r, cd_a ? XLATE_ABORT : XLATE_RAZWI);
	};
	const uint64_t va = t.addr;
	const unsigned sel = (unsigned)((va >> 55) & 1u);
	const bool tbi = sel ? SMMU_GET(d0, CD0_TBI1) : SMMU_GET(d0, CD0_TBI0);
	const unsigned txsz = (unsigned)(sel ? SMMU_GET(d0, CD0_T1SZ) : SMMU_GET(d0, CD0_T0SZ));
	const bool epd = sel ? SMMU_GET(d0, CD0_EPD1) : SMMU_GET(d0, CD0_EPD0);
	if (epd) {
		xlate_fault(EVT_F_TRANSLATION);
		return;
	}
	const unsigned top = tbi ? 55 : 63;
	const uint64_t range_mask = SMMU_MASK_(top, 64 - txsz);
	if ((va & range_mask) != (sel ? range_mask : 0)) {
		xlate_fault(EVT_F_TRANSLATION);
		return;
	}
	const unsigned g = sel ? tg1_shift((unsigned)SMMU_GET(d0, CD0_TG1)) : tg0_shift((unsigned)SMMU_GET(d0, CD0_TG0));
	const bool had = p_.had && (sel ? (cd.dw[2] >> 1) & 1u : (cd.dw[1] >> 1) & 1u); // CD.HAD0/HAD1
	const unsigned ia = 64 - txsz, stride = g - 3;
	const unsigned levels = (ia - g + stride - 1) / stride;
	const unsigned start = 4 - levels;
	auto level_shift = [&](unsigned l) { return g + (3 - l) * stride; };
	const uint64_t ttb = sel ? (cd.dw[2] & SMMU_MASK(CD2_TTB1)) : (cd.dw[1] & SMMU_MASK(CD1_TTB0));
	const unsigned start_bits = ia - level_shift(start);
	uint64_t table = ttb & ~((std::max<uint64_t>(8ull << start_bits, 64)) - 1);
	uint64_t acc = 0; // table restrictions accumulated from the levels above
	const uint64_t table_attr_mask = SMMU_MASK(PTE_PXNTABLE) | SMMU_MASK(PTE_UXNTABLE) | SMMU_MASK(PTE_APTABLE0) |
					 SMMU_MASK(PTE_APTABLE1);
	const uint64_t oa_mask = SMMU_MASK(PTE_OA);

	unsigned level = start;
	path.walk = walk_enabled();
	if (path.walk) {
		// One lookup probes every level in parallel; the deepest table entry wins (the levels
		// above it count as probed only in the per-level statistics of MMU-600's PMU style:
		// a level is counted when it was looked up, down to the hit).
		stats.c[ST_WALK_LOOKUPS]++;
		for (int l = 2; l >= (int)start; l--) {
			WalkKey k = make_walk_key(0, 1, fill.vmid, asid, (uint8_t)l, level_shift((unsigned)l), va);
			stats.c[ST_WALK_L0_LOOKUPS + 2 * l]++;
			if (const WalkVal *w = walk_cache((unsigned)l).lookup(k, k.set_index())) {
				table = w->table;
				acc = w->acc;
				level = (unsigned)l + 1;
				path.walk_ready = w->ready;
				stats.c[ST_WALK_HITS]++;
				break;
			}
			stats.c[ST_WALK_L0_MISSES + 2 * l]++;
		}
	}
	stats.c[ST_WALKS]++;
	path.ptw = true;
	path.walk_first = path.nreads;
	for (;; level++) {
		const unsigned shift = level_shift(level);
		const unsigned bits = level == start ? start_bits : stride;
		const uint64_t idx = (va >> shift) & ((1ull << bits) - 1);
		uint64_t dpa = table + idx * 8;
		if (s2.on) { // nested: S1 tables live in IPA space (faults here are CLASS=TT)
			unsigned sh2;
			uint8_t perm2;
			if (!s2_translate(t, o, s2, dpa, EVT_CLASS_TT, acc_bits, false, false, path, dpa, sh2, perm2))
				return;
		}
		uint64_t d = 0;
		if (!read_desc(dpa, d, ST_RD_PTE0 + level, path)) {
			abort_evt(EVT_F_WALK_EABT, acc_bits | SMMU_PREP(EVT1_CLASS, EVT_CLASS_TT), t.addr,
				  dpa & SMMU_MASK(EVT3_FETCHADDR));
			return;
		}
		if (!SMMU_GET(d, PTE_VALID)) {
			xlate_fault(EVT_F_TRANSLATION);
			return;
		}
		if (level < 3 && SMMU_GET(d, PTE_TYPE)) { // table descriptor
			const uint64_t next = d & oa_mask & ~((1ull << g) - 1);
			if (next >> ips) {
				xlate_fault(EVT_F_ADDR_SIZE);
				return;
			}
			if (!had)
				acc |= d & table_attr_mask;
			WalkKey k = make_walk_key(0, 1, fill.vmid, asid, (uint8_t)level, shift, va);
			WalkVal w;
			w.table = next;
			w.acc = acc;
			if (WalkVal *v = walk_cache(level).insert(k, k.set_index(), w))
				path.fill(&v->ready, path.last_read());
			table = next;
			continue;
		}
		// Leaf: a page at level 3, or a block where this granule allows one.
		const bool block_ok = (g == 12 && (level == 1 || level == 2)) || (g != 12 && level == 2);
		if (level == 3 ? !SMMU_GET(d, PTE_TYPE) : !block_ok) {
			xlate_fault(EVT_F_TRANSLATION);
			return;
		}
		const uint64_t out = d & oa_mask & ~((1ull << shift) - 1);
		if (out >> ips) {
			xlate_fault(EVT_F_ADDR_SIZE);
			return;
		}
		if (!SMMU_GET(d, PTE_AF) && !affd) {
			xlate_fault(EVT_F_ACCESS);
			return;
		}
		// Fold the table restrictions into the leaf's own AP/XN bits.
		uint64_t eff = d;
		if (SMMU_GET(acc, PTE_APTABLE0))
			eff &= ~SMMU_MASK(PTE_AP1);
		if (SMMU_GET(acc, PTE_APTABLE1))
			eff |= SMMU_MASK(PTE_AP2);
		if (SMMU_GET(acc, PTE_UXNTABLE))
			eff |= SMMU_MASK(PTE_UXN);
		if (SMMU_GET(acc, PTE_PXNTABLE))
			eff |= SMMU_MASK(PTE_PXN);
		const bool pr = eff_priv(privcfg, t.priv), in = eff_instr(instcfg, t.instr, write);
		if (!allowed(eff, pr, in, write, wxn, pan)) {
			xlate_fault(EVT_F_PERMISSION);
			return;
		}
		o.pa = out | (va & ((1ull << shift) - 1));
		unsigned out_shift = shift;
		uint8_t s2perm = 7;
		if (s2.on) { // 7. the IPA through stage 2 (CLASS=IN)
			unsigned sh2;
			if (!s2_translate(t, o, s2, o.pa, EVT_CLASS_IN, acc_bits | class_in, write, in, path, o.pa, sh2, s2perm))
				return;
			out_shift = std::min(shift, sh2); // the combined entry covers the smaller page
		}
		path.data = true;
		// 8. Fill the TBU TLBs (only successful translations are cached).
		uint8_t perm = 0, perm_s1 = 0;
		for (unsigned b = 0; b < 8; b++) {
			const bool bw = b & 1u, bi = (b >> 1) & 1u, bp = (b >> 2) & 1u;
			if (bw && bi)
				continue; // no instruction writes
			if (!allowed(eff, bp, bi, bw, wxn, pan))
				continue;
			perm_s1 |= (uint8_t)(1u << b);
			if (bw ? s2perm & 2u : bi ? s2perm & 4u : s2perm & 1u)
				perm |= (uint8_t)(1u << b);
		}
		fill.perm_s1 = perm_s1;
		fill.s2_record = s2.record;
		fill.ipa_base = (out | (va & ((1ull << shift) - 1))) & ~((1ull << out_shift) - 1);
		fill.out_base = o.pa & ~((1ull << out_shift) - 1);
		fill.page_shift = (uint8_t)out_shift;
		fill.s2 = s2.on;
		fill.level = (uint8_t)level;
		fill.asid = asid;
		fill.global = !SMMU_GET(d, PTE_NG);
		fill.perm_ok = perm;
		fill.fault_a = cd_a;
		fill.fault_r = cd_r;
		fill_tbu(va);
		return;
	}
}

// One access on the shared memory channel (table walks and DMA data contend here): it holds the
// channel ceil(bytes / mem.bytes_per_cycle) cycles from the first free cycle at or after t, and
// completes mem.latency cycles after its last beat. Returns the completion cycle.
uint64_t Smmu::mem_access(uint64_t t, unsigned bytes)
{
	const uint64_t occ = std::max<uint64_t>(1, (bytes + p_.mem_bytes_per_cycle - 1) / p_.mem_bytes_per_cycle);
	const uint64_t start = channel_.reserve(t, occ);
	return start + occ - 1 + p_.mem_latency;
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
		// A translation slot from the main-TLB miss until the translation reaches the TBU.
		unsigned tbu_slot;
		const uint64_t slot_start = c = tbu.slots.acquire(c, tbu_slot);
		if (merged) {
			stats.c[ST_TBU_MERGED]++;
			c = std::max(c, path.hit_ready);
			out.detect = c;
		} else {
			stats.c[ST_TBU_REQUESTS]++;
			c = link_in_.reserve(c, p_.link_cycles) + p_.link_to_tcu;
			unsigned xs;
			const uint64_t tcu_start = c = tcu_slots_.acquire(c, xs);
			c = cfg_pipe_.pass(c, p_.cfg_latency);
			if (path.cfg_ready > c) { // the configuration it hit is still being fetched
				stats.c[ST_HAZARD_WAITS]++;
				stats.c[ST_HAZARD_CYCLES] += path.cfg_ready - c;
				c = path.cfg_ready;
			}
			const unsigned first = std::min<unsigned>(path.walk_first, path.nreads);
			unsigned i = 0;
			auto read = [&](unsigned k) {
				const uint8_t kind = path.reads[k];
				const uint64_t end = mem_access(c, read_bytes_[kind]);
				stats.c[ST_CY_L1STD + kind] += end - c;
				read_end[k] = c = end;
			};
			for (; i < first; i++)
				read(i);
			if (path.walk) {
				c = walk_pipe_.pass(c, p_.walk_latency);
				if (path.walk_ready > c) { // the table descriptor it hit is still being read
					stats.c[ST_HAZARD_WAITS]++;
					stats.c[ST_HAZARD_CYCLES] += path.walk_ready - c;
					c = path.walk_ready;
				}
			}
			if (path.ptw) {
				unsigned ws;
				const uint64_t walk_start = c = ptw_slots_.acquire(c, ws);
				for (; i < path.nreads; i++)
					read(i);
				ptw_slots_.release(ws, walk_start, c);
			}
			for (; i < path.nreads; i++)
				read(i);
			out.detect = c;
			tcu_slots_.release(xs, tcu_start, c);
			c = link_out_.reserve(c, p_.link_cycles) + p_.link_to_tbu;
		}
		tbu.slots.release(tbu_slot, slot_start, c);
	} else {
		out.detect = c;
	}
	out.xlate = c;
	for (unsigned f = 0; f < path.nfills; f++)
		*path.fills[f].ready = path.fills[f].at == Path::kAtResponse ? c : read_end[path.fills[f].at];
	if (path.data) {
		stats.c[t.write ? ST_MEM_DATA_WRITES : ST_MEM_DATA_READS]++;
		stats.c[ST_MEM_DATA_BYTES] += t.size;
		c = mem_access(c, t.size);
	}
	out.done = c;
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
	stats.c[ST_CFG_STALL_CYCLES] = cfg_pipe_.st.stall_cycles;
	stats.c[ST_WALK_STALL_CYCLES] = walk_pipe_.st.stall_cycles;
	stats.c[ST_LINK_STALL_CYCLES] = link_in_.wait_cycles + link_out_.wait_cycles;
	stats.c[ST_MEM_BUSY] = channel_.busy_cycles;
	stats.c[ST_MEM_STALL_CYCLES] = channel_.wait_cycles;
}

void Smmu::transact(const Txn &t, void *data, DmaResult &res, PendingEvent &pev)
{
	Path path;
	Outcome o;
	pev.pending = false;
	pev_ = timed_ ? &pev : nullptr;
	translate(t, o, path);
	pev_ = nullptr;
	if (o.status == XLATE_OK) {
		if (!mem_.in_range(o.pa, t.size)) {
			o.status = XLATE_ABORT; // the output address is not backed by RAM: bus abort
			path.data = false;
		} else if (data) {
			if (t.write)
				std::memcpy(mem_.ptr(o.pa), data, t.size);
			else
				std::memcpy(data, mem_.ptr(o.pa), t.size);
		}
	} else if (o.status == XLATE_RAZWI && data && !t.write) {
		std::memset(data, 0, t.size);
	}
	Times tm;
	tm.xlate = tm.detect = tm.done = t.issue;
	if (timed_)
		timing(t, path, tm);
	pev.cycle = tm.detect;
	res.status = o.status;
	res.pa = o.status == XLATE_OK ? o.pa : 0;
	res.event = o.event;
	res.event_recorded = o.recorded;
	res.issue_cycle = t.issue;
	res.done_cycle = tm.done;
	res.tag = t.tag;
	stats.c[ST_DMA_TRANSACTIONS]++;
	stats.c[o.status == XLATE_OK ? ST_DMA_OK : o.status == XLATE_ABORT ? ST_DMA_ABORT : ST_DMA_RAZWI]++;
	if (o.event)
		stats.c[ST_DMA_FAULTS]++;
	const uint64_t lat = tm.done - t.issue;
	stats.c[ST_LAT_TOTAL] += lat;
	stats.c[ST_LAT_MAX] = std::max(stats.c[ST_LAT_MAX], lat);
	stats.latency.add(lat);
	stats.xlate.add(tm.xlate - t.issue);
	const bool miss = path.tcu, faulted = o.event != 0;
	stats.streams.add(t.sid, miss, faulted);
	if (t.ssv)
		stats.substreams.add(((uint64_t)t.sid << 20) | t.ssid, miss, faulted);
}

} // namespace smmusim
