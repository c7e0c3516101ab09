// The translation path of the model, private to model/src. One transaction goes through the parts
// in the order IHI 0070 §3.3 describes them, one file each:
//
//   tbu.cpp         Smmu::translate: SMMUEN, then the TBU's micro and main TLB and the check of a
//                   hit; the TLB entries a TCU translation leaves
//   tcu.cpp         the TCU's sequence for a TLB miss (STE, substream, CD, stage 1, stage 2) and
//                   the fault/event builder
//   tcu_config.cpp  TCU configuration: configuration cache, stream table and STE, substreams and CD
//   walk.cpp        the VMSAv8-64 walks: one level step shared by the stage-1 and stage-2 walks
//   permission.cpp  the access checks and the permission masks a TLB entry carries
//   transact.cpp    Smmu::transact: data access, timing replay (Smmu::timing) and statistics
//
// The state of one translation travels in Smmu::Xlate (below) instead of being captured by
// lambdas or passed as long parameter lists.
#ifndef SMMUSIM_XLATE_HPP
#define SMMUSIM_XLATE_HPP

#include <smmusim/smmu.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

namespace smmusim {

// TBU TLB tag for "no SubstreamID" (a transaction with SSV=0).
inline constexpr uint32_t kNoSsid = ~0u;

// ---- Permission (permission.cpp) -----------------------------------------------------------------

// The incoming attributes after the STE overrides STE.PRIVCFG and STE.INSTCFG (IHI 0070 §5.2).
inline bool eff_priv(unsigned privcfg, bool priv)
{
	return privcfg == STE_PRIVCFG_UNPRIV ? false : privcfg == STE_PRIVCFG_PRIV ? true : priv;
}
inline bool eff_instr(unsigned instcfg, bool instr, bool write)
{
	if (write)
		return false; // InD is always 0 for writes
	return instcfg == STE_INSTCFG_DATA ? false : instcfg == STE_INSTCFG_INSTR ? true : instr;
}

// Bit of an access in the permission masks of a TbuEntry (perm_ok, perm_s1).
inline unsigned access_bit(bool priv, bool instr, bool write)
{
	return (priv ? 4u : 0u) | (instr ? 2u : 0u) | (write ? 1u : 0u);
}

// The PnU, InD and RnW fields of an event record for an access.
inline uint64_t event_access_bits(bool priv, bool instr, bool write)
{
	return SMMU_PREP(EVT1_PNU, priv) | SMMU_PREP(EVT1_IND, instr) | SMMU_PREP(EVT1_RNW, !write);
}

// Stage-2 leaf permissions as the walk returns them: bit 0 read, 1 write, 2 execute.
constexpr bool s2_allows(uint8_t perm, bool write, bool instr)
{
	return write ? perm & 2u : instr ? perm & 4u : perm & 1u;
}

// Stage-1 permission check of an access on a leaf whose AP/XN bits include the restrictions of the
// tables above it (fold_table_attrs), with CD.WXN and CD.PAN.
constexpr bool s1_allows(uint64_t eff, bool priv, bool instr, bool write, bool wxn, bool pan)
{
	const bool ap1 = SMMU_GET(eff, PTE_AP1), ap2 = SMMU_GET(eff, PTE_AP2);
	const bool uxn = SMMU_GET(eff, PTE_UXN), pxn = SMMU_GET(eff, PTE_PXN);
	if (!priv && !ap1 && !instr)
		return false; // AP[1]=0 denies EL0 data access; EL0 execution depends on UXN alone
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

// A stage-1 leaf with the restrictions of the APTable/UXNTable/PXNTable bits above it folded into
// its own AP/XN bits.
uint64_t fold_table_attrs(uint64_t leaf, uint64_t table_attrs);

// Permission masks for a TbuEntry: which of the eight accesses (access_bit) a stage allows. The
// masks depend on a few bits only, so permission.cpp builds them once, at compile time, from the
// checks above: stage 1 by AP[2:1], UXN, PXN, WXN and PAN, stage 2 by the leaf's permissions.
extern const std::array<uint8_t, 64> kS1AccessMask;
extern const std::array<uint8_t, 8> kS2AccessMask;
inline unsigned s1_mask_index(bool ap1, bool ap2, bool uxn, bool pxn, bool wxn, bool pan)
{
	return (unsigned)ap1 | (unsigned)ap2 << 1 | (unsigned)uxn << 2 | (unsigned)pxn << 3 | (unsigned)wxn << 4 |
	       (unsigned)pan << 5;
}
inline uint8_t s1_access_mask(uint64_t eff, bool wxn, bool pan)
{
	return kS1AccessMask[s1_mask_index(SMMU_GET(eff, PTE_AP1), SMMU_GET(eff, PTE_AP2), SMMU_GET(eff, PTE_UXN),
					   SMMU_GET(eff, PTE_PXN), wxn, pan)];
}
inline uint8_t s2_access_mask(uint8_t s2perm) { return kS2AccessMask[s2perm & 7u]; }

// ---- Walks (walk.cpp) ----------------------------------------------------------------------------

// Granule shift for the CD.TG0 / CD.TG1 encodings; 0 = reserved.
inline unsigned tg0_shift(unsigned tg)
{
	return tg == CD_TG0_4K ? SMMU_GRANULE_4K : tg == CD_TG0_64K ? SMMU_GRANULE_64K : tg == CD_TG0_16K ? SMMU_GRANULE_16K : 0;
}
inline unsigned tg1_shift(unsigned tg)
{
	return tg == CD_TG1_4K ? SMMU_GRANULE_4K : tg == CD_TG1_64K ? SMMU_GRANULE_64K : tg == CD_TG1_16K ? SMMU_GRANULE_16K : 0;
}
// Granule shift for the STE.S2TG encodings; 0 = reserved.
inline unsigned s2tg_shift(unsigned tg)
{
	return tg == STE_S2TG_4K ? SMMU_GRANULE_4K : tg == STE_S2TG_64K ? SMMU_GRANULE_64K : tg == STE_S2TG_16K ? SMMU_GRANULE_16K : 0;
}
// The granule sizes the SMMU supports (SMMU_IDR5.GRAN4K/16K/64K, as parameters).
inline bool granule_supported(const Params &p, unsigned g)
{
	return (g == SMMU_GRANULE_4K && p.gran4k) || (g == SMMU_GRANULE_16K && p.gran16k) || (g == SMMU_GRANULE_64K && p.gran64k);
}

// The shape of one stage's VMSAv8-64 walk: granule, input size, starting level (with the number of
// input bits it resolves, more than one level's worth for concatenated stage-2 tables) and the
// output size that table and output addresses are checked against.
struct WalkGeom {
	unsigned g = 12, stride = 9, start = 0, start_bits = 0, oa_bits = 48;
	bool affd = false; // access flag faults disabled
	WalkGeom(unsigned granule, unsigned ia, unsigned start_level, unsigned oa, bool af_disabled)
	    : g(granule), stride(granule - 3), start(start_level), oa_bits(oa), affd(af_disabled)
	{
		start_bits = ia - shift(start_level);
	}
	// The input-address shift of the region a descriptor at `level` maps.
	unsigned shift(unsigned level) const { return g + (3 - level) * stride; }
	// The starting table: TTB aligned to the size of the table (at least 64 bytes).
	uint64_t base(uint64_t ttb) const { return ttb & ~((std::max<uint64_t>(8ull << start_bits, 64)) - 1); }
	// Address of the descriptor for input address `in` in the table at `table` of `level`.
	uint64_t desc_addr(uint64_t table, uint64_t in, unsigned level) const
	{
		const unsigned bits = level == start ? start_bits : stride;
		return table + ((in >> shift(level)) & ((1ull << bits) - 1)) * 8;
	}
	// Block descriptors: levels 1 and 2 with a 4 KB granule, level 2 with 16 KB and 64 KB.
	bool block_ok(unsigned level) const
	{
		return (g == SMMU_GRANULE_4K && (level == 1 || level == 2)) || (g != SMMU_GRANULE_4K && level == 2);
	}
};

// One decoded descriptor: a table (addr = the next table) or a leaf (addr = its output address).
struct WalkStep {
	uint64_t d = 0, addr = 0;
	bool table = false;
};
// The keys and set indices of one walk's walk-cache lookup (Smmu::walk_cache_probe) by level: the
// fills of the levels the walk then reads (Smmu::walk_cache_fill) use them again. Only the levels
// looked up are set (the constructor leaves the keys alone: zeroing them would cost a walk more
// than computing them).
struct WalkProbe {
	WalkProbe() {}
	union {
		WalkKey key[4];
	};
	uint64_t set_index[4];
};
// Decode the descriptor out.d read at `level` (walk.cpp): 0, or the fault it gives.
uint8_t decode_desc(const WalkGeom &w, unsigned level, WalkStep &out);

// The stage-1 walk through a CD's TTB0 (sel 0) or TTB1 (sel 1): its geometry and table base;
// the output size is CD.IPS limited by the OAS.
inline WalkGeom s1_geometry(const CfgVal &cd, unsigned sel, unsigned oas_bits, uint64_t &ttb)
{
	const uint64_t d0 = cd.dw[0];
	const unsigned txsz = (unsigned)(sel ? SMMU_GET(d0, CD0_T1SZ) : SMMU_GET(d0, CD0_T0SZ));
	const unsigned g = sel ? tg1_shift((unsigned)SMMU_GET(d0, CD0_TG1)) : tg0_shift((unsigned)SMMU_GET(d0, CD0_TG0));
	const unsigned ips = std::min(smmu_oas_bits((unsigned)SMMU_GET(d0, CD0_IPS)), oas_bits);
	const unsigned ia = 64 - txsz, stride = g - 3;
	const unsigned levels = (ia - g + stride - 1) / stride;
	ttb = sel ? SMMU_ADDR(cd.dw[2], CD2_TTB1) : SMMU_ADDR(cd.dw[1], CD1_TTB0);
	return WalkGeom(g, ia, 4 - levels, ips, SMMU_GET(d0, CD0_AFFD));
}

// Whether va lies in the region of a CD's TTB0 (sel 0) or TTB1 (sel 1): the bits above TxSZ all 0
// (TTB0) or all 1 (TTB1), the top byte excepted with TBIx.
inline bool s1_va_in_range(const CfgVal &cd, unsigned sel, uint64_t va)
{
	const uint64_t d0 = cd.dw[0];
	const bool tbi = sel ? SMMU_GET(d0, CD0_TBI1) : SMMU_GET(d0, CD0_TBI0);
	const unsigned txsz = (unsigned)(sel ? SMMU_GET(d0, CD0_T1SZ) : SMMU_GET(d0, CD0_T0SZ));
	const uint64_t range_mask = SMMU_MASK_(63, 64 - txsz) & ~(tbi ? SMMU_MASK(VA_TOP_BYTE) : 0);
	return (va & range_mask) == (sel ? range_mask : 0);
}

// The level-2 STE array an L1STD with a valid Span points at: L2Ptr[Span+4:0] are treated as 0,
// aligning the array to its size (IHI 0070 §5.1).
inline uint64_t l1std_l2_base(uint64_t l1std, unsigned span)
{
	return SMMU_ADDR(l1std, L1STD_L2PTR) & ~((uint64_t{STE_SIZE} << (span - 1)) - 1);
}

// Two-level tables, the arithmetic alone (no reads, no faults): the translation (find_ste, find_cd),
// the strict prefetcher and the host-cache hint locate an STE or a CD the same way.
// STRTAB_BASE_CFG.SPLIT as used: 6, 8 or 10 bits; the reserved values behave as 6.
inline unsigned strtab_split(uint64_t strtab_base_cfg)
{
	const unsigned split = (unsigned)SMMU_GET(strtab_base_cfg, STRTAB_BASE_CFG_SPLIT);
	return split == 8 || split == 10 ? split : 6;
}

// The STE of StreamID sid under its L1STD; false when sid is beyond the L1STD's Span (Span 0 is
// an invalid descriptor, above 11 or SPLIT+1 is reserved): C_BAD_STREAMID (IHI 0070 §5.1).
inline bool l1std_ste_addr(uint64_t l1std, uint32_t sid, unsigned split, uint64_t &ste_pa)
{
	const unsigned span = (unsigned)SMMU_GET(l1std, L1STD_SPAN);
	const uint32_t l2idx = sid & ((1u << split) - 1);
	if (span == 0 || span > 11 || span > split + 1 || l2idx >= (1u << (span - 1)))
		return false;
	ste_pa = l1std_l2_base(l1std, span) + (uint64_t)l2idx * STE_SIZE;
	return true;
}

// CD-table index bits resolved by the level-2 tables of a two-level S1Fmt (4 KB or 64 KB leaves).
inline unsigned cd_split(unsigned s1fmt)
{
	return s1fmt == STE_S1FMT_4K_L2 ? CD_SPLIT_4K : CD_SPLIT_64K;
}

// The level-2 CD table an L1CD points at (with 64 KB leaves L2Ptr[15:12] are RES0), and CD cdidx in it.
inline uint64_t l1cd_l2_base(uint64_t l1cd, unsigned split)
{
	return split == CD_SPLIT_64K ? SMMU_ADDR(l1cd, L1CD_L2PTR_64K) : SMMU_ADDR(l1cd, L1CD_L2PTR);
}
inline uint64_t l2_cd_addr(uint64_t l2, unsigned split, uint32_t cdidx)
{
	return l2 + (uint64_t)(cdidx & ((1u << split) - 1)) * CD_SIZE;
}

// The ASID a CD tags its translations with, and the VMID an STE gives them (STE.S2VMID when the
// SMMU has stage 2, also for stage-1-only STEs: IHI 0070 §3.17).
inline uint16_t cd_asid(const Params &p, const CfgVal &cd)
{
	return (uint16_t)(SMMU_GET(cd.dw[0], CD0_ASID) & SMMU_ID_MASK(SMMU_ASID_BITS(p.asid16)));
}
inline uint16_t ste_vmid(const Params &p, const CfgVal &ste)
{
	return p.s2p ? (uint16_t)(SMMU_GET(ste.dw[2], STE2_S2VMID) & SMMU_ID_MASK(SMMU_VMID_BITS(p.vmid16))) : 0;
}
// The table restrictions a table descriptor passes to the levels below it (APTable, XNTable).
inline constexpr uint64_t kTableAttrMask =
	SMMU_MASK(PTE_PXNTABLE) | SMMU_MASK(PTE_UXNTABLE) | SMMU_MASK(PTE_APTABLE0) | SMMU_MASK(PTE_APTABLE1);

// A stage-2 translation's result.
struct S2Out {
	uint64_t pa = 0;
	unsigned shift = 0; // page or block size
	uint8_t perm = 0;   // bit 0 read, 1 write, 2 execute
};

// A stage-1 walk's leaf and the CD fields its permission check and TLB entry need.
struct S1Leaf {
	uint64_t d = 0, eff = 0; // the descriptor, and with the table restrictions folded in
	uint64_t oa = 0;          // output address (IPA when nested) of the page or block
	unsigned shift = 12, level = 3;
	uint16_t asid = 0;
	bool cd_a = true, cd_r = true, wxn = false, pan = false;
};

// ---- The per-translation state ---------------------------------------------------------------------

struct Smmu::Xlate {
	Xlate(const Txn &txn, Outcome &out, Path &p, Tbu &b, uint32_t tag_ssid)
	    : t(txn), o(out), path(p), tbu(b), ssid(tag_ssid)
	{
	}
	const Txn &t;
	Outcome &o;
	Path &path;
	Tbu &tbu;
	const uint32_t ssid; // TLB tag: the SubstreamID, or kNoSsid
	// The STE and the CD (tcu_config.cpp): the configuration cache's copies (nothing is filled
	// into it from find_ste to the end of the translation but the CD, so find_cd drops ste), or
	// where they are not cached, the structures read into ste_buf and cd_buf.
	const CfgVal *ste = nullptr, *cd = nullptr;
	std::optional<CfgVal> ste_buf, cd_buf;
	// From the STE.
	unsigned config = STE_CONFIG_ABORT;
	bool priv = false, instr = false; // the access after STE.PRIVCFG/INSTCFG
	uint64_t acc_bits = 0;            // its PnU/InD/RnW for event records (0 until the STE is known)
	S2Cfg s2;                         // off until the STE enables stage 2
	TbuEntry fill;                    // the TLB entry a successful translation leaves
};

} // namespace smmusim

#endif
