// TCU configuration: the configuration cache, the stream table and the STE (with its checks and
// its stage-2 fields), substream selection, the CD table and the CD (with its checks).
#include "xlate.hpp"

namespace smmusim {

// ---- Configuration cache -------------------------------------------------------------------------

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
// Returns the cached structure (valid until the cache's next fill), or nullptr on a miss.
const CfgVal *Smmu::cfg_lookup(CfgKind kind, uint32_t sid, uint32_t index, Path &path)
{
	const bool l1 = kind == CFG_L1STD || kind == CFG_L1CD;
	if (l1 && !p_.cfg_cache_l1)
		return nullptr;
	const CfgKey k = cfg_key(kind, sid, index);
	stats.c[l1 ? ST_CFG_L1_LOOKUPS : ST_CFG_LOOKUPS]++;
	static constexpr const char *kKind[CFG_KINDS] = {"STE", "CD", "L1STD", "L1CD"};
	CfgLast &last = cfg_last_[kind];
	const CfgVal *v = last.key == k ? cfg_cache_.lookup_at(k, last.at) : nullptr;
	if (!v)
		v = cfg_find(last, k);
	SMMU_TRACE(TR_CFG_LOOKUP, "%s sid=0x%x index=0x%x %s", kKind[kind], sid, index, v ? "hit" : "miss");
	if (v) {
		path.cfg_ready = std::max(path.cfg_ready, v->ready);
		return v;
	}
	stats.c[l1 ? ST_CFG_L1_MISSES : ST_CFG_MISSES]++;
	return nullptr;
}

// cfg_lookup's lookup of a key not found where it was last (out of line: the call of the common
// case, the key found at once, then saves no registers for this one).
__attribute__((noinline)) const CfgVal *Smmu::cfg_find(CfgLast &last, const CfgKey &k)
{
	const uint64_t set = k.set_index(cfg_cache_.sets());
	const CfgVal *v = cfg_cache_.lookup(k, set);
	if (v) {
		last.key = k;
		last.at = cfg_cache_.slot_of(v);
	} else {
		cfg_missed_ = {k, set}; // for the fill that follows (fetch_cfg)
	}
	return v;
}

// Fetch a configuration structure of the transaction's StreamID through the configuration cache
// (looked_up: the caller has already missed in it). With stage 2 on (nested), addr is an IPA,
// translated on a miss: a stage-2 fault is raised there (CLASS=CD) and gives FETCH_FAULTED.
// fetch_pa: the PA read. A failed fetch is not cached. Returns the structure, decoded (cfg_decode):
// the configuration cache's copy (valid until the cache's next fill), or `buf`, which holds what
// was read, where it is not cached; nullptr if the fetch failed (fr says how).
const CfgVal *Smmu::fetch_cfg(Xlate &x, CfgKind kind, uint32_t index, uint64_t addr, CfgVal &buf, uint64_t &fetch_pa,
			      FetchResult &fr, bool looked_up)
{
	struct Shape {
		uint8_t read;
		unsigned stat, dwords;
	};
	static constexpr Shape kShape[] = {
		/* CFG_STE */ {RD_STE, ST_RD_STE, STE_DWORDS},
		/* CFG_CD */ {RD_CD, ST_RD_CD, CD_DWORDS},
		/* CFG_L1STD */ {RD_L1STD, ST_RD_L1STD, 1},
		/* CFG_L1CD */ {RD_L1CD, ST_RD_L1CD, 1},
	};
	static constexpr const char *kKindName[CFG_KINDS] = {"STE", "CD", "L1STD", "L1CD"};
	const Shape &shape = kShape[kind];
	const bool l1 = kind == CFG_L1STD || kind == CFG_L1CD;
	const bool cached = !l1 || p_.cfg_cache_l1;
	const CfgKey k = cfg_key(kind, x.t.sid, index);
	fetch_pa = addr;
	fr = FETCH_OK;
	if (!looked_up && cached)
		if (const CfgVal *v = cfg_lookup(kind, x.t.sid, index, x.path))
			return v;
	if (x.s2.on) {
		S2Out s2;
		if (!s2_translate(x, addr, EVT_CLASS_CD, s2)) {
			fr = FETCH_FAULTED;
			return nullptr;
		}
		fetch_pa = s2.pa;
	}
	x.path.read(shape.read, slc_access(fetch_pa, ST_SLC_L1STD + shape.read));
	stats.c[shape.stat]++;
	SMMU_TRACE(TR_CFG_READ, "%s sid=0x%x index=0x%x pa=0x%llx", kKindName[kind], x.t.sid, index,
		   (unsigned long long)fetch_pa);
	if ((fetch_pa >> oas_mask_bits_) || !mem_read(fetch_pa, buf.dw, shape.dwords * 8)) {
		fr = FETCH_ABORT;
		return nullptr;
	}
	if (kind == CFG_STE || kind == CFG_CD)
		cfg_decode(kind, buf);
	if (p_.strict && !l1)
		strict_res0_structure(kind, fetch_pa, buf);
	if (cached) {
		buf.ready = 0;
		// it missed above, in cfg_find, which kept the set of the key it missed
		const uint64_t set = cfg_missed_.key == k ? cfg_missed_.set : k.set_index(cfg_cache_.sets());
		if (CfgVal *v = cfg_cache_.insert_absent(k, set, buf)) {
			x.path.fill(&v->ready, x.path.last_read());
			return v;
		}
	}
	return &buf;
}

// ---- Stream table and STE --------------------------------------------------------------------------

// C_BAD_STREAMID: recorded only with SMMU_CR2.RECINVSID.
void Smmu::bad_streamid(Xlate &x)
{
	fault(x.t, x.o, EVT_C_BAD_STREAMID, 0, 0, 0, SMMU_GET(cr2_, CR2_RECINVSID), XLATE_ABORT);
}

// The STE's address in a two-level stream table, from its L1 descriptor; false if the
// transaction ended (F_STE_FETCH, or C_BAD_STREAMID for a StreamID outside the span).
bool Smmu::ste_addr_2lvl(Xlate &x, uint64_t st_base, uint64_t &ste_pa)
{
	const unsigned split = strtab_split(strtab_base_cfg_);
	const uint32_t l1idx = x.t.sid >> split;
	const uint64_t l1pa = st_base + (uint64_t)l1idx * L1STD_SIZE;
	CfgVal buf;
	uint64_t fetch_pa;
	FetchResult fr;
	const CfgVal *l1 = fetch_cfg(x, CFG_L1STD, l1idx, l1pa, buf, fetch_pa, fr);
	if (!l1) {
		abort_event(x, EVT_F_STE_FETCH, 0, 0, SMMU_PREP_ADDR(EVT3_FETCHADDR, l1pa));
		return false;
	}
	if (!l1std_ste_addr(l1->dw[0], x.t.sid, split, ste_pa)) {
		bad_streamid(x);
		return false;
	}
	return true;
}

// Find, fetch and check the transaction's STE and take from it what the rest of the translation
// needs (x.config, the attribute overrides, the stage-2 configuration). False if the
// transaction ended here.
bool Smmu::find_ste(Xlate &x)
{
	const Txn &t = x.t;
	const uint64_t st_base = SMMU_ADDR(strtab_base_, STRTAB_BASE_ADDR);
	const unsigned log2size = std::min((unsigned)SMMU_GET(strtab_base_cfg_, STRTAB_BASE_CFG_LOG2SIZE), p_.sidsize);
	if ((uint64_t)t.sid >> log2size) {
		bad_streamid(x);
		return false;
	}
	const CfgVal *found = cfg_lookup(CFG_STE, t.sid, 0, x.path);
	if (!found) { // a hit needs no stream-table read
		const unsigned fmt = p_.st_level ? (unsigned)SMMU_GET(strtab_base_cfg_, STRTAB_BASE_CFG_FMT) : 0;
		uint64_t ste_pa = st_base + (uint64_t)t.sid * STE_SIZE, fetch_pa;
		if (fmt == STRTAB_FMT_2LVL && !ste_addr_2lvl(x, st_base, ste_pa))
			return false;
		FetchResult fr;
		found = fetch_cfg(x, CFG_STE, 0, ste_pa, x.ste_buf.emplace(), fetch_pa, fr, true);
		if (!found) {
			abort_event(x, EVT_F_STE_FETCH, 0, 0, SMMU_PREP_ADDR(EVT3_FETCHADDR, ste_pa));
			return false;
		}
	}
	x.ste = found;
	const CfgVal &ste = *found;
	if (ste.check != CFG_CHECK_OK) { // checked when it was read (cfg_decode)
		if (ste.check == CFG_CHECK_ABORT)
			x.o.status = XLATE_ABORT;
		else
			abort_event(x, EVT_C_BAD_STE);
		return false;
	}
	x.config = (unsigned)SMMU_GET(ste.dw[0], STE0_CONFIG);
	const unsigned privcfg = (unsigned)SMMU_GET(ste.dw[1], STE1_PRIVCFG);
	const unsigned instcfg = (unsigned)SMMU_GET(ste.dw[1], STE1_INSTCFG);
	x.priv = eff_priv(privcfg, t.priv);
	x.instr = eff_instr(instcfg, t.instr, t.write);
	x.acc_bits = event_access_bits(x.priv, x.instr, t.write);
	x.fill.privcfg = (uint8_t)privcfg;
	x.fill.instcfg = (uint8_t)instcfg;
	if (x.config & STE_CONFIG_S2_EN)
		x.s2 = s2_config(ste);
	// TLB entries carry STE.S2VMID when the SMMU has stage 2 (also for stage-1-only STEs).
	x.fill.vmid = ste_vmid(p_, ste);
	return true;
}

// The checks of a structure just read (fetch_cfg, strict_fetch), kept in it (CfgVal::check) and
// with it in the configuration cache.
void Smmu::cfg_decode(CfgKind kind, CfgVal &v) const
{
	if (kind == CFG_STE) {
		if (!SMMU_GET(v.dw[0], STE0_V))
			v.check = CFG_CHECK_BAD;
		else if ((unsigned)SMMU_GET(v.dw[0], STE0_CONFIG) < STE_CONFIG_BYPASS)
			v.check = CFG_CHECK_ABORT; // abort, or reserved 001..011 which behave as abort: no event
		else
			v.check = ste_illegal(v) ? CFG_CHECK_BAD : CFG_CHECK_OK;
		return;
	}
	if (kind != CFG_CD)
		return;
	v.check = cd_illegal(v) ? CFG_CHECK_BAD : SMMU_GET(v.dw[0], CD0_S) ? CFG_CHECK_STALL : CFG_CHECK_OK;
}

bool Smmu::ste_illegal(const CfgVal &ste) const
{
	const uint64_t d0 = ste.dw[0], d1 = ste.dw[1];
	const unsigned config = (unsigned)SMMU_GET(d0, STE0_CONFIG);
	if ((config & STE_CONFIG_S2_EN) && (!p_.s2p || s2_illegal(ste)))
		return true; // stage 2 enabled but IDR0.S2P=0, or bad stage-2 fields
	// IHI 0070 §5.2: a stage-1-only STE still gives its TLB entries S2VMID when S2P=1, so
	// S2VMID[15:8] must be 0 with 8-bit VMIDs.
	if (config == STE_CONFIG_S1_TRANS && p_.s2p && !p_.vmid16 && (SMMU_GET(ste.dw[2], STE2_S2VMID) >> 8))
		return true;
	if (config & STE_CONFIG_S1_EN) {
		const unsigned cdmax = (unsigned)SMMU_GET(d0, STE0_S1CDMAX), fmt = (unsigned)SMMU_GET(d0, STE0_S1FMT);
		if (p_.ssidsize && cdmax) {
			if ((fmt == STE_S1FMT_4K_L2 || fmt == STE_S1FMT_64K_L2) && !p_.cd2l)
				return true;
			if (fmt == 3)
				return true; // S1Fmt = 0b11 is reserved (IHI 0070 §5.2)
			if (cdmax > p_.ssidsize)
				return true;
		}
		if (SMMU_GET(d1, STE1_S1STALLD) && p_.stall_model != IDR0_STALL_MODEL_BOTH)
			return true;
		if (SMMU_ADDR(d0, STE0_S1CONTEXTPTR) >> oas_mask_bits_)
			return true;
		// STRW is ignored without IDR0.HYP; EATS is ignored without IDR0.ATS.
	}
	return false;
}

S2Cfg Smmu::s2_config(const CfgVal &ste) const
{
	const uint64_t d2 = ste.dw[2];
	S2Cfg c;
	c.on = true;
	c.vmid = (uint16_t)SMMU_GET(d2, STE2_S2VMID);
	c.g = s2tg_shift((unsigned)SMMU_GET(d2, STE2_S2TG));
	c.ia = 64 - (unsigned)SMMU_GET(d2, STE2_S2T0SZ);
	const unsigned sl0 = (unsigned)SMMU_GET(d2, STE2_S2SL0);
	c.start = c.g == SMMU_GRANULE_4K ? 2 - sl0 : 3 - sl0; // IHI 0070 §5.2, STE.S2SL0
	c.ps = std::min(smmu_oas_bits((unsigned)SMMU_GET(d2, STE2_S2PS)), (unsigned)oas_mask_bits_);
	c.ttb = SMMU_ADDR(ste.dw[3], STE3_S2TTB);
	c.affd = SMMU_GET(d2, STE2_S2AFFD);
	c.record = SMMU_GET(d2, STE2_S2R);
	return c;
}

// Stage-2 fields of an STE with stage 2 enabled: the ILLEGAL settings of IHI 0070 §5.2 (STE.S2*).
bool Smmu::s2_illegal(const CfgVal &ste) const
{
	const uint64_t d2 = ste.dw[2];
	const unsigned tg = (unsigned)SMMU_GET(d2, STE2_S2TG), t0sz = (unsigned)SMMU_GET(d2, STE2_S2T0SZ);
	const unsigned sl0 = (unsigned)SMMU_GET(d2, STE2_S2SL0), g = s2tg_shift(tg);
	if (!granule_supported(p_, g))
		return true;
	// IHI 0070 §5.2: S2T0SZ at least MAX(16, 64 - IAS); IAS = OAS without AArch32 tables.
	if (t0sz < std::max(16u, 64u - (unsigned)oas_mask_bits_) || t0sz > 39 || sl0 == 3)
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
	if (c.vmid >> SMMU_VMID_BITS(p_.vmid16))
		return true;
	return (c.ttb >> c.ps) != 0;
}

// ---- Substreams and CD -------------------------------------------------------------------------------

// Which CD a transaction with stage 1 (Config 101, or nested 111) uses (IHI 0070 §3.3.2): SSV=1
// selects CD[SubstreamID] (checked against S1CDMax; SubstreamID 0 with S1DSS=SSID0 is refused);
// SSV=0 takes CD 0, or with substreams enabled follows STE.S1DSS (§5.2).
Smmu::Substream Smmu::select_substream(Xlate &x, uint32_t &cdidx)
{
	const Txn &t = x.t;
	const unsigned cdmax = p_.ssidsize ? (unsigned)SMMU_GET(x.ste->dw[0], STE0_S1CDMAX) : 0;
	const unsigned s1dss = (unsigned)SMMU_GET(x.ste->dw[1], STE1_S1DSS);
	cdidx = 0;
	if (t.ssv) {
		if (cdmax == 0 || (t.ssid >> cdmax)) {
			abort_event(x, EVT_C_BAD_SUBSTREAMID);
			return Substream::Ended;
		}
		if (s1dss == STE_S1DSS_SSID0 && t.ssid == 0) {
			abort_event(x, EVT_F_STREAM_DISABLED);
			return Substream::Ended;
		}
		cdidx = t.ssid;
	} else if (cdmax) {
		if (s1dss == STE_S1DSS_BYPASS)
			return Substream::Bypass;
		if (s1dss != STE_S1DSS_SSID0) { // terminate, or reserved 11 which behaves as terminate
			abort_event(x, EVT_F_STREAM_DISABLED);
			return Substream::Ended;
		}
	}
	return Substream::Cd;
}

// The CD's address in a two-level CD table, from its L1 descriptor; false if the transaction
// ended (F_CD_FETCH, a stage-2 fault on the L1CD's IPA, or C_BAD_SUBSTREAMID for an invalid
// L1 descriptor).
bool Smmu::cd_addr_2lvl(Xlate &x, uint64_t ctx, unsigned s1fmt, uint32_t cdidx, uint64_t &cd_pa)
{
	const unsigned split = cd_split(s1fmt);
	const uint32_t l1idx = cdidx >> split;
	const uint64_t l1pa = ctx + (uint64_t)l1idx * L1CD_SIZE;
	CfgVal buf;
	uint64_t fetch_pa;
	FetchResult fr;
	const CfgVal *l1 = fetch_cfg(x, CFG_L1CD, l1idx, l1pa, buf, fetch_pa, fr);
	if (!l1) {
		if (fr == FETCH_ABORT)
			abort_event(x, EVT_F_CD_FETCH, 0, 0, SMMU_PREP_ADDR(EVT3_FETCHADDR, fetch_pa));
		return false;
	}
	const uint64_t l1cd = l1->dw[0];
	const uint64_t l2 = l1cd_l2_base(l1cd, split);
	if (!SMMU_GET(l1cd, L1CD_V) || (l2 >> oas_mask_bits_)) {
		abort_event(x, EVT_C_BAD_SUBSTREAMID);
		return false;
	}
	cd_pa = l2_cd_addr(l2, split, cdidx);
	return true;
}

// Find, fetch and check CD[cdidx] of the STE into x.cd; false if the transaction ended. The CD's
// fill may evict the STE from the configuration cache: x.ste is not used after this.
bool Smmu::find_cd(Xlate &x, uint32_t cdidx)
{
	const uint64_t ste0 = x.ste->dw[0], ste1 = x.ste->dw[1];
	x.ste = nullptr;
	const uint64_t ctx = SMMU_ADDR(ste0, STE0_S1CONTEXTPTR);
	const CfgVal *cd = cfg_lookup(CFG_CD, x.t.sid, cdidx, x.path);
	if (!cd) { // a hit needs no CD-table read
		const unsigned cdmax = p_.ssidsize ? (unsigned)SMMU_GET(ste0, STE0_S1CDMAX) : 0;
		const unsigned s1fmt = (unsigned)SMMU_GET(ste0, STE0_S1FMT);
		uint64_t cd_pa = ctx, fetch_pa;
		if (cdmax) {
			if (s1fmt == STE_S1FMT_4K_L2 || s1fmt == STE_S1FMT_64K_L2) {
				if (!cd_addr_2lvl(x, ctx, s1fmt, cdidx, cd_pa))
					return false;
			} else {
				cd_pa = ctx + (uint64_t)cdidx * CD_SIZE;
			}
		}
		FetchResult fr;
		cd = fetch_cfg(x, CFG_CD, cdidx, cd_pa, x.cd_buf.emplace(), fetch_pa, fr, true);
		if (!cd) {
			if (fr == FETCH_ABORT)
				abort_event(x, EVT_F_CD_FETCH, 0, 0, SMMU_PREP_ADDR(EVT3_FETCHADDR, fetch_pa));
			return false;
		}
	}
	x.cd = cd;
	if (cd_refused(*cd, ste1)) { // checked when it was read (cfg_decode)
		abort_event(x, EVT_C_BAD_CD);
		return false;
	}
	return true;
}

// C_BAD_CD for a decoded CD under its STE: the CD's own checks, and CD.S=1 under STE.S1STALLD=1.
bool Smmu::cd_refused(const CfgVal &cd, uint64_t ste1)
{
	return cd.check == CFG_CHECK_BAD || (cd.check == CFG_CHECK_STALL && SMMU_GET(ste1, STE1_S1STALLD));
}

// The ILLEGAL settings of a CD that it alone decides (IHI 0070 §5.4); cd_refused adds the STE's.
bool Smmu::cd_illegal(const CfgVal &cd) const
{
	const uint64_t d0 = cd.dw[0];
	// V=1 and AA64=1 (AArch64 tables only), ENDI=0 (little-endian only), HA=HD=0 (IHI 0070 §5.4:
	// HA needs IDR0.HTTU >= 1, HD needs HTTU = 2; the model has none): one compare
	constexpr uint64_t kFixed = SMMU_MASK(CD0_V) | SMMU_MASK(CD0_AA64) | SMMU_MASK(CD0_ENDI) | SMMU_MASK(CD0_HA) |
				    SMMU_MASK(CD0_HD);
	if ((d0 & kFixed) != (SMMU_MASK(CD0_V) | SMMU_MASK(CD0_AA64)))
		return true;
	if (SMMU_GET(d0, CD0_ASID) >> SMMU_ASID_BITS(p_.asid16))
		return true;
	const bool s = SMMU_GET(d0, CD0_S);
	if (s && p_.stall_model == IDR0_STALL_MODEL_TERMINATE)
		return true;
	if (!s && p_.stall_model == IDR0_STALL_MODEL_FORCED)
		return true;
	const unsigned ips = std::min(smmu_oas_bits((unsigned)SMMU_GET(d0, CD0_IPS)), (unsigned)oas_mask_bits_);
	auto bad_ttb = [&](unsigned txsz, unsigned gshift, uint64_t ttb) {
		if (txsz < 16 || txsz > 39 || !granule_supported(p_, gshift))
			return true;
		return (ttb >> ips) != 0;
	};
	if (!SMMU_GET(d0, CD0_EPD0) &&
	    bad_ttb((unsigned)SMMU_GET(d0, CD0_T0SZ), tg0_shift((unsigned)SMMU_GET(d0, CD0_TG0)), SMMU_ADDR(cd.dw[1], CD1_TTB0)))
		return true;
	if (!SMMU_GET(d0, CD0_EPD1) &&
	    bad_ttb((unsigned)SMMU_GET(d0, CD0_T1SZ), tg1_shift((unsigned)SMMU_GET(d0, CD0_TG1)), SMMU_ADDR(cd.dw[2], CD2_TTB1)))
		return true;
	return false;
}

} // namespace smmusim
