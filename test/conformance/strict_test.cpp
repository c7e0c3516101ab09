// Strict mode (smmu.strict, docs/model.md "Strict mode"): invalidation removes exactly what a
// command must remove (IHI 0070 §4.3, §4.4) and keeps everything else, so a driver that relies on
// over-invalidation sees the stale entry. Each case also runs the lenient model where the two
// differ, so the test shows which behaviour is the relaxation.
#include "harness.hpp"

using namespace th;

namespace {

uint64_t op(unsigned o) { return SMMU_PREP(CMD0_OPCODE, o); }

const char *mode(bool strict) { return strict ? "1" : "0"; }

// A 2 MB block at VA 0x200000 (level 2) cached in the TLB, then split in memory into a level-3
// table whose page 1 points elsewhere: what a driver does when it unmaps part of a block.
struct Split {
	Sim s;
	uint64_t ttb = 0;
	explicit Split(bool strict) : s({{"smmu.strict", mode(strict)}})
	{
		s.boot();
		ttb = s.s1_stream(1, 5);
		s.map(ttb, 0x200000, DATA + 0x200000, PTE_RW, 2);
		EXPECT_EQ(DATA + 0x201000, s.dma(1, 0x201000).pa);
		const uint64_t l3 = s.new_table();
		for (unsigned i = 0; i < 512; i++)
			s.m64(l3 + 8 * i, (DATA + 0x200000 + 0x1000ull * i) | PTE_RW | 3);
		s.m64(l3 + 8 * 1, (DATA + 0x900000) | PTE_RW | 3);
		s.m64(s.pte_addr(ttb, 0x200000, 2), l3 | 3);
	}
	void tlbi_va(uint64_t va, unsigned tg, unsigned ttl, bool leaf, unsigned num = 0)
	{
		s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 5) | SMMU_PREP(CMD0_TLBI_NUM, num),
		      SMMU_PREP(CMD1_ADDR, va >> 12) | SMMU_PREP(CMD1_LEAF, leaf) | SMMU_PREP(CMD1_TLBI_TG, tg) |
			      SMMU_PREP(CMD1_TLBI_TTL, ttl));
		ASSERT_TRUE(s.sync());
	}
};

TEST(Strict, TtlOfTheNewLeafKeepsTheCachedBlock)
{
	// IHI 0070 §4.4.1.1: with TTL != 0 only leaves from a walk at level TTL must go.
	Split strict(true);
	strict.tlbi_va(0x201000, 1, 3, true);
	EXPECT_EQ(DATA + 0x201000, strict.s.dma(1, 0x201000).pa) << "the level-2 block survives TTL=3";
	strict.tlbi_va(0x201000, 1, 2, true);
	EXPECT_EQ(DATA + 0x900000, strict.s.dma(1, 0x201000).pa) << "TTL=2 names the block's level";
}

TEST(Strict, LenientModelIgnoresTtl)
{
	Split lenient(false);
	lenient.tlbi_va(0x201000, 1, 3, true);
	EXPECT_EQ(DATA + 0x900000, lenient.s.dma(1, 0x201000).pa) << "the lenient model over-invalidates";
}

TEST(Strict, TtlZeroRemovesLeavesOfAnyLevel)
{
	Split strict(true);
	strict.tlbi_va(0x201000, 1, 0, true, 1); // TG=4K, TTL=0, NUM=1: two pages, any level
	EXPECT_EQ(DATA + 0x900000, strict.s.dma(1, 0x201000).pa);
}

TEST(Strict, TgOfAnotherGranuleKeepsTheEntry)
{
	// TG != 0: only entries inserted with that granule must go.
	Split strict(true);
	strict.tlbi_va(0x200000, 3, 2, true); // 64 KB granule, level 2
	EXPECT_EQ(DATA + 0x201000, strict.s.dma(1, 0x201000).pa);
	strict.tlbi_va(0x200000, 1, 2, true);
	EXPECT_EQ(DATA + 0x900000, strict.s.dma(1, 0x201000).pa);
}

TEST(Strict, RangeBoundsAreExact)
{
	// Pages 0x1000..0x3000 cached; a range TLBI of two pages from 0x1000 keeps 0x3000.
	Sim s({{"smmu.strict", "1"}});
	s.boot();
	const uint64_t ttb = s.s1_stream(1, 5);
	for (uint64_t va = 0x1000; va <= 0x3000; va += 0x1000)
		s.map(ttb, va, DATA + va);
	for (uint64_t va = 0x1000; va <= 0x3000; va += 0x1000) {
		ASSERT_EQ(DATA + va, s.dma(1, va).pa);
		s.m64(s.pte_addr(ttb, va, 3), (DATA + 0x10000 + va) | PTE_RW | 3);
	}
	// SCALE[25] is RES0 without IDR5.DS: the range is NUM+1 = 2 pages, not 2^32 of them.
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 5) | SMMU_PREP(CMD0_TLBI_NUM, 1) | SMMU_PREP(CMD0_TLBI_SCALE, 0x20),
	      SMMU_PREP(CMD1_TLBI_TG, 1) | SMMU_PREP(CMD1_ADDR, 0x1000 >> 12) | SMMU_PREP(CMD1_LEAF, 1));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x11000, s.dma(1, 0x1000).pa);
	EXPECT_EQ(DATA + 0x12000, s.dma(1, 0x2000).pa);
	EXPECT_EQ(DATA + 0x3000, s.dma(1, 0x3000).pa) << "past the range: kept";
	EXPECT_EQ(1u, s.stat("strict.res0")) << "SCALE[25] set by software is reported";
}

// Move the level-3 table under a cached level-2 table descriptor. TLBI Leaf=0, TTL=2: the walk
// cache need only drop table descriptors of levels 0 and 1 (IHI 0070 §4.4.1.1 note).
void leaf_zero_with_ttl(bool strict)
{
	Sim s({{"smmu.strict", mode(strict)}});
	s.boot();
	const uint64_t ttb = s.s1_stream(1, 5);
	s.map(ttb, 0x4000, DATA + 0x4000);
	ASSERT_EQ(DATA + 0x4000, s.dma(1, 0x4000).pa);
	const uint64_t old_pte = s.pte_addr(ttb, 0x4000, 3);
	const uint64_t new_l3 = s.new_table();
	s.m64(new_l3 + 8 * 4, (DATA + 0xB000) | PTE_RW | 3);
	s.m64(s.pte_addr(ttb, 0x4000, 2), new_l3 | 3);
	s.m64(old_pte, (DATA + 0xC000) | PTE_RW | 3); // the old table's PTE changes too
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 5),
	      SMMU_PREP(CMD1_ADDR, 0x4000 >> 12) | SMMU_PREP(CMD1_TLBI_TG, 1) | SMMU_PREP(CMD1_TLBI_TTL, 2));
	ASSERT_TRUE(s.sync());
	// The level-3 leaf is out of scope too (TTL=2), so the TLB still answers in strict mode.
	EXPECT_EQ(strict ? DATA + 0x4000 : DATA + 0xB000, s.dma(1, 0x4000).pa);
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 5),
	      SMMU_PREP(CMD1_ADDR, 0x4000 >> 12) | SMMU_PREP(CMD1_TLBI_TG, 1) | SMMU_PREP(CMD1_TLBI_TTL, 3) |
		      SMMU_PREP(CMD1_LEAF, 1));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(strict ? DATA + 0xC000 : DATA + 0xB000, s.dma(1, 0x4000).pa)
		<< "strict: the leaf is gone, the cached level-2 table descriptor still points at the old table";
}

TEST(Strict, LeafZeroWithTtlKeepsTableEntriesAtAndBelowTtl) { leaf_zero_with_ttl(true); }
TEST(Strict, LenientLeafZeroWithTtlDropsEveryTableEntry) { leaf_zero_with_ttl(false); }

// IHI 0070 §4.4.1.1: TG=16K, TTL=01 counts as TTL=0 without IDR5.DS; with NUM=SCALE=0 the
// encoding is reserved (CERROR_ILL), in both modes.
void reserved_ttl(const char *m)
{
	Sim s({{"smmu.strict", m}});
	s.boot();
	s.cmd(op(CMD_TLBI_NH_VA), SMMU_PREP(CMD1_TLBI_TG, 2) | SMMU_PREP(CMD1_TLBI_TTL, 1));
	EXPECT_FALSE(s.drain());
	EXPECT_EQ(CERROR_ILL, s.cons_err());
}
TEST(Strict, ReservedTtlWithSixteenKbGranuleIsIllegal) { reserved_ttl("1"); }
TEST(Strict, LenientReservedTtlWithSixteenKbGranuleIsIllegal) { reserved_ttl("0"); }

// CFGI_STE(Leaf=0) names the L1STD covering its SID, not every L1STD (IHI 0070 §4.3).
void cfgi_ste_l1(bool strict)
{
	Sim s({{"tcu.cfg.cache_l1", "1"}, {"smmu.strict", mode(strict)}});
	s.boot(16, STRTAB_FMT_2LVL, 8);
	s.m64(STRTAB + 8 * 1, 0x2000000 | SMMU_PREP(L1STD_SPAN, 9));
	s.m64(STRTAB + 8 * 2, 0x3000000 | SMMU_PREP(L1STD_SPAN, 9));
	s.ste(0x5, Sim::ste0_cfg(STE_CONFIG_BYPASS), 0, 0x2000000);
	s.ste(0x5, Sim::ste0_cfg(STE_CONFIG_BYPASS), 0, 0x3000000);
	s.ste(0x6, Sim::ste0_cfg(STE_CONFIG_BYPASS), 0, 0x3000000);
	ASSERT_EQ(SMMUSIM_DMA_OK, s.dma(0x105, 0x1000).status);
	ASSERT_EQ(SMMUSIM_DMA_OK, s.dma(0x205, 0x1000).status);
	s.m64(STRTAB + 8 * 2, 0);
	s.cfgi_ste(0x105, false);
	ASSERT_TRUE(s.sync());
	if (strict)
		EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(0x206, 0x1000).status) << "L1STD 2 is still cached";
	else
		EXPECT_EQ(EVT_C_BAD_STREAMID, s.dma(0x206, 0x1000).event) << "lenient: every L1STD dropped";
}
TEST(Strict, CfgiSteLeafZeroKeepsOtherL1std) { cfgi_ste_l1(true); }
TEST(Strict, LenientCfgiSteLeafZeroDropsOtherL1std) { cfgi_ste_l1(false); }

// CFGI_CD(Leaf=0) names the L1CD covering its SubstreamID, not every L1CD of the StreamID.
void cfgi_cd_l1(bool strict)
{
	Sim s({{"tcu.cfg.cache_l1", "1"}, {"smmu.strict", mode(strict)}});
	s.boot();
	const uint64_t ttb = s.new_table();
	s.map(ttb, 0x1000, DATA);
	s.ste(2, Sim::ste0_s1(CDTAB, 12, STE_S1FMT_4K_L2), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	s.m64(CDTAB, 0x900000 | 1);          // SubstreamIDs 0..63
	s.m64(CDTAB + 8 * 2, 0xA00000 | 1);  // SubstreamIDs 128..191
	s.cd(0x900000 + 64 * 1, Sim::cd0(1), ttb);
	s.cd(0xA00000 + 64 * 1, Sim::cd0(2), ttb);
	s.cd(0xA00000 + 64 * 2, Sim::cd0(3), ttb);
	ASSERT_EQ(SMMUSIM_DMA_OK, s.dma_ssid(2, 1, 0x1000).status);
	ASSERT_EQ(SMMUSIM_DMA_OK, s.dma_ssid(2, 129, 0x1000).status);
	s.m64(CDTAB + 8 * 2, 0);
	s.cmd(op(CMD_CFGI_CD) | SMMU_PREP(CMD0_SID, 2) | SMMU_PREP(CMD0_SSID, 1), 0); // Leaf=0, L1CD 0
	ASSERT_TRUE(s.sync());
	if (strict)
		EXPECT_EQ(SMMUSIM_DMA_OK, s.dma_ssid(2, 130, 0x1000).status) << "L1CD 2 is still cached";
	else
		EXPECT_EQ(EVT_C_BAD_SUBSTREAMID, s.dma_ssid(2, 130, 0x1000).event);
}
TEST(Strict, CfgiCdLeafZeroKeepsOtherL1cd) { cfgi_cd_l1(true); }
TEST(Strict, LenientCfgiCdLeafZeroDropsOtherL1cd) { cfgi_cd_l1(false); }

// TG = 0 (no range): TTL and NUM are RES0; strict mode counts them, the command still executes.
void res0_tlbi(bool strict)
{
	Sim s({{"smmu.strict", mode(strict)}});
	s.boot();
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_TLBI_NUM, 3), SMMU_PREP(CMD1_TLBI_TTL, 2));
	ASSERT_TRUE(s.sync()) << "a RES0 violation is reported, not an error";
	EXPECT_EQ(strict ? 1u : 0u, s.stat("strict.res0"));
}
TEST(Strict, Res0FieldsOfTlbiAreCountedNotFatal) { res0_tlbi(true); }
TEST(Strict, LenientDoesNotCheckRes0) { res0_tlbi(false); }

} // namespace

namespace {

// The prefetcher caches valid structures no transaction used (IHI 0070 §3.21): an STE changed
// without CFGI_STE stays stale even if no DMA ever went through it before the change.
void prefetched_ste(bool strict)
{
	Sim s({{"smmu.strict", mode(strict)}});
	s.boot(2); // four StreamIDs, so the prefetcher finds StreamID 2 quickly
	s.ste(2, Sim::ste0_cfg(STE_CONFIG_BYPASS));
	for (int i = 0; i < 64; i++)
		ASSERT_TRUE(s.sync()); // register writes and commands: the prefetcher's moments
	s.ste(2, Sim::ste0_cfg(STE_CONFIG_ABORT)); // no CFGI_STE: a driver bug
	if (strict) {
		EXPECT_LT(0u, s.stat("strict.prefetches"));
		EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(2, 0x1000).status) << "the prefetched (old) STE is used";
		s.cfgi_ste(2);
		ASSERT_TRUE(s.sync());
	} else {
		EXPECT_EQ(0u, s.stat("strict.prefetches"));
	}
	EXPECT_EQ(SMMUSIM_DMA_ABORT, s.dma(2, 0x1000).status);
}
TEST(Strict, PrefetcherCachesAnUnusedValidSte) { prefetched_ste(true); }
TEST(Strict, LenientCachesOnlyOnUse) { prefetched_ste(false); }

// Invalid structures are never cached: an STE made valid later needs no invalidation of the
// invalid one.
TEST(Strict, PrefetcherNeverCachesAnInvalidSte)
{
	Sim s({{"smmu.strict", "1"}});
	s.boot(2);
	for (int i = 0; i < 64; i++)
		ASSERT_TRUE(s.sync());
	s.ste(3, Sim::ste0_cfg(STE_CONFIG_BYPASS));
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(3, 0x1000).status);
}

} // namespace

namespace {

// IHI 0070 §7.3: with SSV=0 the SubstreamID field is UNKNOWN; strict mode fills it from the seed,
// so software that reads it without looking at SSV gets garbage, as it may on hardware.
void unknown_ssid(bool strict)
{
	Sim s({{"smmu.strict", mode(strict)}});
	s.boot();
	s.s1_stream(1, 5);
	ASSERT_EQ(EVT_F_TRANSLATION, s.dma(1, 0x7000).event);
	uint64_t ev[4];
	ASSERT_TRUE(s.pop_event(ev));
	EXPECT_EQ(0u, SMMU_GET(ev[0], EVT0_SSV));
	if (strict)
		EXPECT_NE(0u, SMMU_GET(ev[0], EVT0_SSID)) << "seeded UNKNOWN value";
	else
		EXPECT_EQ(0u, SMMU_GET(ev[0], EVT0_SSID));
}
TEST(Strict, UnknownSubstreamIdIsSeeded) { unknown_ssid(true); }
TEST(Strict, LenientUnknownSubstreamIdIsZero) { unknown_ssid(false); }

} // namespace

namespace {

// IHI 0070 §3.17: cached translations are tagged by VMID and ASID, and are architecturally
// separate from the configuration that located them, so CFGI_* need not remove them. A driver
// that gives an ASID to new tables (a reused ASID, or a CD pointed at other tables) without
// TLBI + SYNC gets the old translation. Stream 1 caches VA 0x1000 under ASID 5; then stream 1's
// CD gets new tables under the same ASID, with CFGI_CD + CFGI_STE but no TLBI. The walk caches
// (also ASID-tagged, in both modes) are off, so only the TLBs can remember the old translation.
void asid_reuse(bool strict)
{
	Sim s({{"smmu.strict", mode(strict)}, {"tcu.walk.layout", "unified"}, {"tcu.walk.entries", "0"}});
	s.boot();
	const uint64_t old_ttb = s.s1_stream(1, 5);
	s.map(old_ttb, 0x1000, DATA + 0x1000);
	ASSERT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa);
	const uint64_t new_ttb = s.new_table();
	s.map(new_ttb, 0x1000, DATA + 0x5000);
	s.cd(CDTAB + 64 * 1, Sim::cd0(5), new_ttb);
	s.cmd(op(CMD_CFGI_CD) | SMMU_PREP(CMD0_SID, 1), SMMU_PREP(CMD1_LEAF, 1));
	s.cfgi_ste(1);
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(strict ? DATA + 0x1000 : DATA + 0x5000, s.dma(1, 0x1000).pa)
		<< "strict: the ASID-5 translation outlives configuration invalidation";
	// Another stream whose CD has ASID 5 shares the translation (ASIDs are one namespace per VMID).
	const uint64_t other_ttb = s.s1_stream(2, 5);
	s.map(other_ttb, 0x1000, DATA + 0x7000);
	EXPECT_EQ(strict ? DATA + 0x1000 : DATA + 0x7000, s.dma(2, 0x1000).pa);
	// A third ASID never matches.
	const uint64_t third_ttb = s.s1_stream(3, 6);
	s.map(third_ttb, 0x1000, DATA + 0x8000);
	EXPECT_EQ(DATA + 0x8000, s.dma(3, 0x1000).pa);
	s.cmd(op(CMD_TLBI_NH_ASID) | SMMU_PREP(CMD0_ASID, 5));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x5000, s.dma(1, 0x1000).pa) << "TLBI_NH_ASID removes it";
	EXPECT_EQ(strict, s.stat("strict.tlb_hits") > 0);
}
TEST(Strict, TlbTaggedByAsidSurvivesCfgi) { asid_reuse(true); }
TEST(Strict, LenientCfgiDropsTheTlbEntriesOfTheStream) { asid_reuse(false); }

// The TCU TLB obeys the exact TLBI scopes: NH_VA of one page of the ASID, TTL of a level-3
// leaf, removes it; NH_VA of another ASID does not.
TEST(Strict, TcuTlbHonoursTlbiVaScope)
{
	Sim s({{"smmu.strict", "1"}});
	s.boot();
	const uint64_t ttb = s.s1_stream(1, 5);
	s.map(ttb, 0x1000, DATA + 0x1000);
	ASSERT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa);
	s.m64(s.pte_addr(ttb, 0x1000, 3), (DATA + 0x3000) | PTE_RW | 3);
	s.cfgi_ste(1); // drops the TBU's entries of the stream; the TCU TLB stays
	ASSERT_TRUE(s.sync());
	ASSERT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa);
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 6), SMMU_PREP(CMD1_ADDR, 1) | SMMU_PREP(CMD1_LEAF, 1));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa) << "another ASID's TLBI";
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 5),
	      SMMU_PREP(CMD1_ADDR, 1) | SMMU_PREP(CMD1_LEAF, 1) | SMMU_PREP(CMD1_TLBI_TG, 1) | SMMU_PREP(CMD1_TLBI_TTL, 3));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x3000, s.dma(1, 0x1000).pa);
}

} // namespace

namespace {

// The prefetcher also walks the page tables of live CDs (IHI 0070 §3.21): a page no DMA used is
// cached, so unmapping it without TLBI leaves it reachable.
void prefetched_page(bool strict)
{
	Sim s({{"smmu.strict", mode(strict)}});
	s.boot(2); // four StreamIDs, so the prefetcher finds StreamID 1 quickly
	const uint64_t ttb = s.s1_stream(1, 5);
	s.map(ttb, 0x4000, DATA + 0x4000);
	for (int i = 0; i < 64; i++)
		ASSERT_TRUE(s.sync()); // register writes and commands: the prefetcher's moments
	s.m64(s.pte_addr(ttb, 0x4000, 3), 0); // unmapped without TLBI: a driver bug
	if (strict)
		EXPECT_EQ(DATA + 0x4000, s.dma(1, 0x4000).pa) << "the prefetched leaf is used";
	else
		EXPECT_EQ(EVT_F_TRANSLATION, s.dma(1, 0x4000).event);
}
TEST(Strict, PrefetcherWalksPageTables) { prefetched_page(true); }
TEST(Strict, LenientCachesPagesOnlyOnUse) { prefetched_page(false); }

// ... and table descriptors: replacing a level-3 table no DMA walked, with only a leaf TLBI
// (Leaf = 1) after it, keeps the old table in use.
void prefetched_table(bool strict)
{
	Sim s({{"smmu.strict", mode(strict)}});
	s.boot(2);
	const uint64_t ttb = s.s1_stream(1, 5);
	s.map(ttb, 0x4000, DATA + 0x4000);
	for (int i = 0; i < 64; i++)
		ASSERT_TRUE(s.sync());
	const uint64_t l3 = s.new_table();
	s.m64(l3 + 8 * 4, (DATA + 0x8000) | PTE_RW | 3);
	s.m64(s.pte_addr(ttb, 0x4000, 3), (DATA + 0xC000) | PTE_RW | 3); // the old table changes too
	s.m64(s.pte_addr(ttb, 0x4000, 2), l3 | 3);
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 5), SMMU_PREP(CMD1_ADDR, 4) | SMMU_PREP(CMD1_LEAF, 1));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(strict ? DATA + 0xC000 : DATA + 0x8000, s.dma(1, 0x4000).pa)
		<< "strict: the prefetched level-2 table descriptor still leads to the old table";
}
TEST(Strict, PrefetcherCachesTableDescriptors) { prefetched_table(true); }
TEST(Strict, LenientCachesTableDescriptorsOnlyOnUse) { prefetched_table(false); }

} // namespace

namespace {

// IHI 0070 §3.21.1: with IDR3.BBML = 0, a block replaced by a table without break-before-make may
// be held in the TLB beside pages of the new table, and a lookup that finds both either uses one
// or reports F_TLB_CONFLICT. The block at 0x200000 is cached, then replaced in one store by a
// table mapping only page 0x201000 elsewhere; the TBU's entries are dropped (CFGI_STE) and the
// prefetcher walks the new table.
void block_table_conflict(const char *bbml, const char *seed)
{
	Sim s({{"smmu.strict", "1"}, {"smmu.bbml", bbml}, {"sim.seed", seed}});
	s.boot(2);
	const uint64_t ttb = s.s1_stream(1, 5);
	s.map(ttb, 0x200000, DATA + 0x200000, PTE_RW, 2);
	ASSERT_EQ(DATA + 0x201000, s.dma(1, 0x201000).pa);
	const uint64_t l3 = s.new_table();
	s.m64(l3 + 8 * 1, (DATA + 0x900000) | PTE_RW | 3);
	s.m64(s.pte_addr(ttb, 0x200000, 2), l3 | 3); // no break-before-make
	s.cfgi_ste(1);
	for (int i = 0; i < 64; i++)
		ASSERT_TRUE(s.sync());
	const smmusim_dma_result r = s.dma(1, 0x201000);
	if (std::string(bbml) != "0") {
		EXPECT_EQ(0u, s.stat("strict.tlb_overlaps")) << "BBML != 0: the page does not enter beside the block";
		EXPECT_EQ(DATA + 0x201000, r.pa);
		return;
	}
	EXPECT_LT(0u, s.stat("strict.tlb_overlaps"));
	ASSERT_EQ(1u, s.stat("strict.tlb_conflicts")) << "the lookup finds the block and the page";
	if (r.status == SMMUSIM_DMA_OK) {
		EXPECT_EQ(DATA + 0x201000, r.pa) << "the old block is used";
		return;
	}
	EXPECT_EQ(EVT_F_TLB_CONFLICT, r.event);
	uint64_t ev[4];
	ASSERT_TRUE(s.pop_event(ev));
	EXPECT_EQ(EVT_F_TLB_CONFLICT, ev_type(ev));
	EXPECT_EQ(0x201000u, ev[2]) << "InputAddr";
}
// The seed picks the outcome: seed 1 gives F_TLB_CONFLICT, seed 2 the old block (today; either is
// accepted, so that a change in the prefetcher's draws does not break the cases).
TEST(Strict, BlockAndTableWithoutBbmConflictSeed1) { block_table_conflict("0", "1"); }
TEST(Strict, BlockAndTableWithoutBbmConflictSeed2) { block_table_conflict("0", "2"); }
TEST(Strict, BbmlTwoNeverHoldsBlockAndPage) { block_table_conflict("2", "1"); }

} // namespace

namespace {

// RES0 fields of an STE and a CD written by software (IHI 0070 §5.2, §5.4): ignored, and in strict
// mode reported once per structure (strict.res0), never an error.
void res0_structures(bool strict)
{
	Sim s({{"smmu.strict", mode(strict)}});
	s.boot();
	const uint64_t ttb = s.s1_stream(1, 5);
	s.map(ttb, 0x1000, DATA + 0x1000);
	s.m64(STRTAB + 64 * 1, s.m64(STRTAB + 64 * 1) | SMMU_MASK_(57, 57)); // STE dw0 [58:56]
	s.m64(STRTAB + 64 * 1 + 8 * 7, 1);                                    // STE dw7
	s.m64(CDTAB + 64 * 1 + 8, s.m64(CDTAB + 64 * 1 + 8) | SMMU_MASK_(56, 56)); // CD dw1 [57:56]
	EXPECT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa) << "RES0 bits change nothing";
	EXPECT_EQ(strict ? 2u : 0u, s.stat("strict.res0")) << "the STE and the CD, once each";
	s.cfgi_ste(1);
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(EVT_F_TRANSLATION, s.dma(1, 0x2000).event) << "STE and CD fetched again";
	EXPECT_EQ(strict ? 2u : 0u, s.stat("strict.res0")) << "reported once per structure";
}
TEST(Strict, Res0FieldsOfSteAndCdAreReportedOnce) { res0_structures(true); }
TEST(Strict, LenientDoesNotCheckRes0OfStructures) { res0_structures(false); }

} // namespace

namespace {

// IHI 0070 §7.3.13, §7.3.16: the IPA of a stage-1 fault and TTRnW outside CLASS = TT are UNKNOWN;
// strict mode fills them from the seed.
void unknown_ipa(bool strict)
{
	Sim s({{"smmu.strict", mode(strict)}});
	s.boot();
	const uint64_t ttb = s.s1_stream(1, 5);
	s.map(ttb, 0x1000, DATA + 0x1000, PTE_RW | SMMU_PREP(PTE_AP2, 1)); // read-only
	ASSERT_EQ(EVT_F_TRANSLATION, s.dma(1, 0x7000).event);
	ASSERT_EQ(EVT_F_PERMISSION, s.dma(1, 0x1000, true).event);
	uint64_t ev[4], ev2[4];
	ASSERT_TRUE(s.pop_event(ev));
	ASSERT_TRUE(s.pop_event(ev2));
	EXPECT_EQ(0u, SMMU_GET(ev[1], EVT1_S2));
	EXPECT_EQ(strict, ev[3] != 0) << "IPA of a stage-1 F_TRANSLATION";
	EXPECT_EQ(0u, ev[3] & ~SMMU_MASK(EVT3_IPA)) << "only the IPA field";
	EXPECT_EQ(strict, ev2[3] != 0) << "IPA of a stage-1 F_PERMISSION";
	if (!strict) {
		EXPECT_EQ(0u, SMMU_GET(ev2[1], EVT1_TTRNW));
	}
}
TEST(Strict, UnknownIpaOfStageOneFaultIsSeeded) { unknown_ipa(true); }
TEST(Strict, LenientUnknownIpaIsZero) { unknown_ipa(false); }

} // namespace

namespace {

// IHI 0070 §5.4.1: a TLB entry may cache the CD's WXN, PAN, EPDx, TxSZ and TBI with the
// translation, so a change to them needs a TLBI besides CFGI_CD; strict mode's TCU TLB keeps them
// from the fill. Stream 1 caches VA 0x1000 (EL0 read/write) under ASID 5, then its CD gets `set`
// with CFGI_CD + SYNC only: the access that the new CD denies still goes through in strict mode,
// until TLBI_NH_ASID.
void cd_field_cached(bool strict, uint64_t set, bool priv, bool instr, uint8_t denied)
{
	Sim s({{"smmu.strict", mode(strict)}});
	s.boot();
	const uint64_t ttb = s.s1_stream(1, 5);
	s.map(ttb, 0x1000, DATA + 0x1000);
	ASSERT_EQ(DATA + 0x1000, s.dma(1, 0x1000, false, nullptr, 4, false, 0, priv, instr).pa);
	s.m64(CDTAB + 64 * 1, s.m64(CDTAB + 64 * 1) | set);
	s.cmd(op(CMD_CFGI_CD) | SMMU_PREP(CMD0_SID, 1), SMMU_PREP(CMD1_LEAF, 1));
	ASSERT_TRUE(s.sync());
	const smmusim_dma_result r = s.dma(1, 0x1000, false, nullptr, 4, false, 0, priv, instr);
	if (strict)
		EXPECT_EQ(DATA + 0x1000, r.pa) << "the field as it was when the translation was cached";
	else
		EXPECT_EQ(denied, r.event);
	s.cmd(op(CMD_TLBI_NH_ASID) | SMMU_PREP(CMD0_ASID, 5));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(denied, s.dma(1, 0x1000, false, nullptr, 4, false, 0, priv, instr).event) << "after the TLBI";
}
TEST(Strict, TcuTlbKeepsPanOfTheFill) { cd_field_cached(true, SMMU_PREP(CD0_PAN, 1), true, false, EVT_F_PERMISSION); }
TEST(Strict, LenientTakesPanFromTheCurrentCd)
{
	cd_field_cached(false, SMMU_PREP(CD0_PAN, 1), true, false, EVT_F_PERMISSION);
}
// WXN: an EL0 instruction fetch from a page EL0 may write.
TEST(Strict, TcuTlbKeepsWxnOfTheFill) { cd_field_cached(true, SMMU_PREP(CD0_WXN, 1), false, true, EVT_F_PERMISSION); }
TEST(Strict, TcuTlbKeepsEpd0OfTheFill) { cd_field_cached(true, SMMU_PREP(CD0_EPD0, 1), false, false, EVT_F_TRANSLATION); }
TEST(Strict, LenientTakesEpd0FromTheCurrentCd)
{
	cd_field_cached(false, SMMU_PREP(CD0_EPD0, 1), false, false, EVT_F_TRANSLATION);
}

// CD.A and CD.R are not among the fields a TLB entry may cache (IHI 0070 §5.4.1): CFGI_CD alone
// makes their change visible, also to a fault on a TCU TLB hit. Stream 1 caches a read-only page,
// its CD gets R = 0 with CFGI_CD, and a write faults without a record in both modes.
void cd_r_current(bool strict)
{
	Sim s({{"smmu.strict", mode(strict)}});
	s.boot();
	const uint64_t ttb = s.s1_stream(1, 5);
	s.map(ttb, 0x1000, DATA + 0x1000, PTE_RW | SMMU_PREP(PTE_AP2, 1));
	ASSERT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa);
	s.m64(CDTAB + 64 * 1, s.m64(CDTAB + 64 * 1) & ~SMMU_MASK(CD0_R));
	s.cmd(op(CMD_CFGI_CD) | SMMU_PREP(CMD0_SID, 1), SMMU_PREP(CMD1_LEAF, 1));
	ASSERT_TRUE(s.sync());
	const smmusim_dma_result r = s.dma(1, 0x1000, true);
	EXPECT_EQ(EVT_F_PERMISSION, r.event);
	EXPECT_FALSE(r.event_recorded) << "R = 0 of the current CD";
	EXPECT_EQ(0u, s.event_count());
	EXPECT_EQ(strict, s.stat("strict.tlb_hits") > 0) << "strict: the fault came from a TCU TLB hit";
}
TEST(Strict, TcuTlbHitTakesRFromTheCurrentCd) { cd_r_current(true); }
TEST(Strict, LenientTakesRFromTheCurrentCd) { cd_r_current(false); }

// The STE's PRIVCFG/INSTCFG are not among the STE fields a TLB entry may cache (IHI 0070 §5.2):
// CFGI_STE alone makes their change visible, also on a TCU TLB hit. A page EL0 may not read is
// read with PRIVCFG = privileged, then PRIVCFG becomes unprivileged with CFGI_STE only.
TEST(Strict, TcuTlbHitTakesPrivcfgFromTheCurrentSte)
{
	Sim s({{"smmu.strict", "1"}});
	s.boot();
	const uint64_t ttb = s.s1_stream(1, 5);
	s.map(ttb, 0x1000, DATA + 0x1000, PTE_RW & ~SMMU_MASK(PTE_AP1)); // privileged only
	const uint64_t ste0 = s.m64(STRTAB + 64 * 1);
	s.ste(1, ste0, SMMU_PREP(STE1_PRIVCFG, STE_PRIVCFG_PRIV));
	ASSERT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa);
	s.ste(1, ste0, SMMU_PREP(STE1_PRIVCFG, STE_PRIVCFG_UNPRIV));
	s.cfgi_ste(1);
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(EVT_F_PERMISSION, s.dma(1, 0x1000).event);
	EXPECT_LT(0u, s.stat("strict.tlb_hits"));
}

} // namespace

namespace {

// The prefetcher walks TTB1 too when the CD enables it (EPD1 = 0): a TTB1 page no DMA used,
// unmapped without TLBI, stays reachable.
void prefetched_ttb1_page(bool strict)
{
	Sim s({{"smmu.strict", mode(strict)}});
	s.boot(2);
	s.s1_stream(1, 5);
	const uint64_t ttb1 = s.new_table(), cd = CDTAB + 64 * 1;
	s.m64(cd, (s.m64(cd) & ~SMMU_MASK(CD0_EPD1)) | SMMU_PREP(CD0_T1SZ, 16) | SMMU_PREP(CD0_TG1, CD_TG1_4K));
	s.m64(cd + 16, ttb1 & SMMU_MASK(CD2_TTB1));
	constexpr uint64_t va = 0xFFFF000000004000ull;
	s.map(ttb1, va, DATA + 0x4000);
	for (int i = 0; i < 64; i++)
		ASSERT_TRUE(s.sync());
	s.m64(s.pte_addr(ttb1, va, 3), 0); // unmapped without TLBI
	if (strict)
		EXPECT_EQ(DATA + 0x4000, s.dma(1, va).pa) << "the prefetched TTB1 leaf is used";
	else
		EXPECT_EQ(EVT_F_TRANSLATION, s.dma(1, va).event);
}
TEST(Strict, PrefetcherWalksTtb1Tables) { prefetched_ttb1_page(true); }
TEST(Strict, LenientCachesTtb1PagesOnlyOnUse) { prefetched_ttb1_page(false); }

// ... and reads what a nested STE locates through stage 2: its CD and its stage-1 tables are at
// IPAs, translated by a stage-2 walk as the SMMU's own reads would be (IHI 0070 §3.21.3: any
// reachable structure). The stage-1 leaf (an IPA) is cached; stage 2 is walked on use.
// A nested StreamID 1 (VMID 1): its CD and stage-1 tables at IPA = PA (a 1 GiB stage-2 block),
// stage-1 page 0x4000 -> IPA 0x80004000 -> DATA + 0x4000, and IPA 0x80005000 -> DATA + 0x5000.
struct Nested {
	static constexpr uint64_t S2_RW = SMMU_PREP(PTE_AF, 1) | (3ull << 6) | (0xFull << 2) | SMMU_PREP(PTE_SH, 3);
	Sim s;
	uint64_t s2ttb = 0, ttb = 0;
	explicit Nested(bool strict) : s({{"smmu.strict", mode(strict)}, {"smmu.s2p", "1"}})
	{
		s.boot(2);
		s2ttb = s.new_table();
		ttb = s.new_table();
		s.map(s2ttb, 0, 0, S2_RW, 1);
		s.map(s2ttb, 0x80004000, DATA + 0x4000, S2_RW);
		s.map(s2ttb, 0x80005000, DATA + 0x5000, S2_RW);
		s.cd(CDTAB + 64 * 1, Sim::cd0(5), ttb);
		s.map(ttb, 0x4000, 0x80004000);
		const uint64_t d2 = SMMU_PREP(STE2_S2VMID, 1) | SMMU_PREP(STE2_S2T0SZ, 16) | SMMU_PREP(STE2_S2SL0, 2) |
				    SMMU_PREP(STE2_S2PS, SMMU_OAS_48) | SMMU_PREP(STE2_S2AA64, 1) | SMMU_PREP(STE2_S2R, 1);
		const uint64_t ste[8] = {Sim::ste0_s1(CDTAB + 64 * 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_NESTED), 0, d2,
					 s2ttb};
		s.mwrite(STRTAB + 64 * 1, ste, 8);
		for (int i = 0; i < 64; i++)
			EXPECT_TRUE(s.sync());
	}
};

void prefetched_nested_page(bool strict)
{
	Nested n(strict);
	Sim &s = n.s;
	s.m64(s.pte_addr(n.ttb, 0x4000, 3), 0); // stage 1 unmapped without TLBI
	if (strict)
		EXPECT_EQ(DATA + 0x4000, s.dma(1, 0x4000).pa) << "the prefetched stage-1 leaf, then stage 2";
	else
		EXPECT_EQ(EVT_F_TRANSLATION, s.dma(1, 0x4000).event);
}
TEST(Strict, PrefetcherReadsThroughStage2) { prefetched_nested_page(true); }
TEST(Strict, LenientCachesNestedPagesOnlyOnUse) { prefetched_nested_page(false); }

// The stage-2 walks of those reads fill the stage-2 walk caches: with the stage-2 block of the
// CD and the stage-1 tables removed without TLBI_S2_IPA, a page mapped after the prefetch (so
// not in the TCU TLB) is still walked through the cached block.
void prefetched_s2_entry(bool strict)
{
	Nested n(strict);
	Sim &s = n.s;
	s.map(n.ttb, 0x5000, 0x80005000); // a new mapping: no invalidation needed
	s.m64(s.pte_addr(n.s2ttb, 0, 1), 0); // stage 2 of the tables removed without TLBI_S2_IPA
	const smmusim_dma_result r = s.dma(1, 0x5000);
	if (strict)
		EXPECT_EQ(DATA + 0x5000, r.pa) << "the prefetched stage-2 block translates the table reads";
	else
		EXPECT_EQ(EVT_F_TRANSLATION, r.event);
}
TEST(Strict, PrefetcherFillsStage2WalkCaches) { prefetched_s2_entry(true); }
TEST(Strict, LenientCachesStage2EntriesOnlyOnUse) { prefetched_s2_entry(false); }

// ... and then walks stage 2 for the output IPA of the stage-1 leaf it found: that stage-2 page,
// removed without TLBI_S2_IPA, still translates.
void prefetched_final_ipa(bool strict)
{
	Nested n(strict);
	Sim &s = n.s;
	s.m64(s.pte_addr(n.s2ttb, 0x80004000, 3), 0); // stage 2 unmapped without TLBI_S2_IPA
	const smmusim_dma_result r = s.dma(1, 0x4000);
	if (strict)
		EXPECT_EQ(DATA + 0x4000, r.pa) << "both stages prefetched";
	else
		EXPECT_EQ(EVT_F_TRANSLATION, r.event);
}
TEST(Strict, PrefetcherWalksStage2OfTheFinalIpa) { prefetched_final_ipa(true); }
TEST(Strict, LenientWalksTheFinalIpaOnlyOnUse) { prefetched_final_ipa(false); }

// A stage-2-only StreamID: the prefetcher walks its stage-2 tables (no transaction has used
// them), so a page unmapped without TLBI_S2_IPA stays reachable.
void prefetched_s2_only(bool strict)
{
	constexpr uint64_t S2_RW = Nested::S2_RW;
	Sim s({{"smmu.strict", mode(strict)}, {"smmu.s2p", "1"}});
	s.boot(2);
	const uint64_t s2ttb = s.new_table();
	s.map(s2ttb, 0x80004000, DATA + 0x4000, S2_RW);
	const uint64_t d2 = SMMU_PREP(STE2_S2VMID, 1) | SMMU_PREP(STE2_S2T0SZ, 16) | SMMU_PREP(STE2_S2SL0, 2) |
			    SMMU_PREP(STE2_S2PS, SMMU_OAS_48) | SMMU_PREP(STE2_S2AA64, 1) | SMMU_PREP(STE2_S2R, 1);
	const uint64_t ste[8] = {Sim::ste0_cfg(STE_CONFIG_S2_TRANS), 0, d2, s2ttb};
	s.mwrite(STRTAB + 64 * 1, ste, 8);
	for (int i = 0; i < 64; i++)
		ASSERT_TRUE(s.sync());
	s.m64(s.pte_addr(s2ttb, 0x80004000, 3), 0); // unmapped without TLBI_S2_IPA
	const smmusim_dma_result r = s.dma(1, 0x80004000);
	if (strict)
		EXPECT_EQ(DATA + 0x4000, r.pa) << "the prefetched stage-2 page";
	else
		EXPECT_EQ(EVT_F_TRANSLATION, r.event);
}
TEST(Strict, PrefetcherWalksStage2OnlyTables) { prefetched_s2_only(true); }
TEST(Strict, LenientWalksStage2OnlyTablesOnlyOnUse) { prefetched_s2_only(false); }

// The reverse of a split (IHI 0070 §3.21.1): a level-2 table whose page 0x201000 is cached is
// replaced in one store by a block mapping elsewhere. With BBML = 0 the prefetcher may miss the
// cached table descriptor and put the block beside the cached page; a lookup that finds both
// uses the older (the page) or reports F_TLB_CONFLICT, by the seed. With BBML = 1 or 2 the cached
// table descriptor is used and the two are never both cached by the prefetcher.
void table_block_conflict(const char *bbml, const char *seed)
{
	Sim s({{"smmu.strict", "1"}, {"smmu.bbml", bbml}, {"sim.seed", seed}});
	s.boot(2);
	const uint64_t ttb = s.s1_stream(1, 5);
	s.map(ttb, 0x201000, DATA + 0x201000);
	ASSERT_EQ(DATA + 0x201000, s.dma(1, 0x201000).pa);
	s.m64(s.pte_addr(ttb, 0x200000, 2), (DATA + 0x800000) | PTE_RW | 1); // no break-before-make
	s.cfgi_ste(1);
	for (int i = 0; i < 64; i++)
		ASSERT_TRUE(s.sync());
	const smmusim_dma_result r = s.dma(1, 0x201000);
	if (std::string(bbml) != "0") {
		EXPECT_EQ(0u, s.stat("strict.tlb_overlaps"));
		EXPECT_EQ(0u, s.stat("strict.tlb_conflicts"));
		EXPECT_EQ(DATA + 0x201000, r.pa) << "the cached page";
		return;
	}
	EXPECT_LT(0u, s.stat("strict.tlb_overlaps"));
	ASSERT_EQ(1u, s.stat("strict.tlb_conflicts")) << "the lookup finds the page and the block";
	if (r.status == SMMUSIM_DMA_OK) {
		EXPECT_EQ(DATA + 0x201000, r.pa) << "the older entry: the page";
	} else {
		EXPECT_EQ(EVT_F_TLB_CONFLICT, r.event);
		uint64_t ev[4];
		ASSERT_TRUE(s.pop_event(ev));
		EXPECT_EQ(0x201000u, ev[2]) << "InputAddr";
	}
	EXPECT_EQ(DATA + 0x803000, s.dma(1, 0x203000).pa) << "elsewhere in the block only the block matches";
	EXPECT_EQ(1u, s.stat("strict.tlb_conflicts"));
}
TEST(Strict, TableToBlockWithoutBbmConflictSeed1) { table_block_conflict("0", "1"); }
TEST(Strict, TableToBlockWithoutBbmConflictSeed2) { table_block_conflict("0", "2"); }
TEST(Strict, TableToBlockBbmlTwoNeverHoldsBoth) { table_block_conflict("2", "1"); }

} // namespace
