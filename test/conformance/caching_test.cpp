// Architecturally visible caching (IHI 0070 §16.2 caching, §3.21 invalidation): stale TLB entries until the right TLBI,
// stale configuration until the right CFGI, faults never cached.
#include "harness.hpp"

using namespace th;

namespace {

uint64_t op(unsigned o) { return SMMU_PREP(CMD0_OPCODE, o); }

struct Caching : ::testing::Test {
	Sim s;
	uint64_t ttb = 0;
	void SetUp() override
	{
		s.boot();
		ttb = s.s1_stream(1, 5);
		s.map(ttb, 0x1000, DATA + 0x1000);
		s.map(ttb, 0x2000, DATA + 0x2000);
		ASSERT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa);
		ASSERT_EQ(DATA + 0x2000, s.dma(1, 0x2000).pa);
		remap();
	}
	// Change both PTEs in memory without invalidation.
	void remap()
	{
		s.m64(s.pte_addr(ttb, 0x1000, 3), (DATA + 0x8000) | PTE_RW | 3);
		s.m64(s.pte_addr(ttb, 0x2000, 3), (DATA + 0x9000) | PTE_RW | 3);
	}
};

TEST_F(Caching, TlbStaleUntilTlbi)
{
	EXPECT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa) << "a TLB hit must see the old PTE";
	s.run(100000);
	EXPECT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa) << "time alone does not invalidate";
}

TEST_F(Caching, TlbiNhVaInvalidatesOnePage)
{
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 5), SMMU_PREP(CMD1_ADDR, 0x1000 >> 12) | SMMU_PREP(CMD1_LEAF, 1));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x8000, s.dma(1, 0x1000).pa);
	EXPECT_EQ(DATA + 0x2000, s.dma(1, 0x2000).pa) << "other pages stay";
}

TEST_F(Caching, TlbiNhVaOtherAsidKeepsEntry)
{
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 6), SMMU_PREP(CMD1_ADDR, 0x1000 >> 12));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa);
}

TEST_F(Caching, TlbiNhVaRangeInvalidatesRange)
{
	// RIL: TG=4K, SCALE=0, NUM=1 -> 2 pages from 0x1000.
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 5) | SMMU_PREP(CMD0_TLBI_NUM, 1),
	      SMMU_PREP(CMD1_TLBI_TG, 1) | SMMU_PREP(CMD1_ADDR, 0x1000 >> 12) | SMMU_PREP(CMD1_LEAF, 1));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x8000, s.dma(1, 0x1000).pa);
	EXPECT_EQ(DATA + 0x9000, s.dma(1, 0x2000).pa);
}

TEST_F(Caching, TlbiNhVaaInvalidatesAnyAsid)
{
	s.cmd(op(CMD_TLBI_NH_VAA), SMMU_PREP(CMD1_ADDR, 0x2000 >> 12));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa);
	EXPECT_EQ(DATA + 0x9000, s.dma(1, 0x2000).pa);
}

TEST_F(Caching, TlbiNhAsidInvalidatesAsid)
{
	s.cmd(op(CMD_TLBI_NH_ASID) | SMMU_PREP(CMD0_ASID, 5));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x8000, s.dma(1, 0x1000).pa);
	EXPECT_EQ(DATA + 0x9000, s.dma(1, 0x2000).pa);
}

TEST_F(Caching, TlbiNhAsidKeepsGlobalEntries)
{
	s.map(ttb, 0x3000, DATA + 0x3000, PTE_RW & ~SMMU_MASK(PTE_NG));
	ASSERT_EQ(DATA + 0x3000, s.dma(1, 0x3000).pa);
	s.m64(s.pte_addr(ttb, 0x3000, 3), (DATA + 0xA000) | (PTE_RW & ~SMMU_MASK(PTE_NG)) | 3);
	s.cmd(op(CMD_TLBI_NH_ASID) | SMMU_PREP(CMD0_ASID, 5));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x3000, s.dma(1, 0x3000).pa) << "global entries survive NH_ASID";
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 77), SMMU_PREP(CMD1_ADDR, 0x3000 >> 12));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0xA000, s.dma(1, 0x3000).pa) << "NH_VA removes global entries of any ASID";
}

TEST_F(Caching, TlbiNhAllInvalidatesEverything)
{
	s.cmd(op(CMD_TLBI_NH_ALL));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x8000, s.dma(1, 0x1000).pa);
}

TEST_F(Caching, TlbiNsnhAllInvalidatesEverything)
{
	s.cmd(op(CMD_TLBI_NSNH_ALL));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x9000, s.dma(1, 0x2000).pa);
}

TEST_F(Caching, TlbiWithoutSyncStillTakesEffectWhenConsumed)
{
	s.cmd(op(CMD_TLBI_NH_ALL));
	EXPECT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa) << "not yet consumed: the old entry is still used";
	ASSERT_TRUE(s.drain());
	EXPECT_EQ(DATA + 0x8000, s.dma(1, 0x1000).pa);
}

TEST_F(Caching, FaultsAreNotCached)
{
	EXPECT_EQ(EVT_F_TRANSLATION, s.dma(1, 0x7000).event);
	s.map(ttb, 0x7000, DATA + 0x7000);
	EXPECT_EQ(DATA + 0x7000, s.dma(1, 0x7000).pa) << "making a PTE valid needs no invalidation";
}

TEST_F(Caching, WalkCacheStaleUntilNonLeafTlbi)
{
	// Move the whole level-3 table: the cached level-2 table descriptor still points at the old one.
	const uint64_t new_l3 = s.new_table();
	s.m64(new_l3 + 8 * 4, (DATA + 0xB000) | PTE_RW | 3);
	s.m64(s.pte_addr(ttb, 0x4000, 2), new_l3 | 3);
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 5), SMMU_PREP(CMD1_ADDR, 0x4000 >> 12) | SMMU_PREP(CMD1_LEAF, 1));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(EVT_F_TRANSLATION, s.dma(1, 0x4000).event) << "Leaf=1 keeps the walk cache: old table, no PTE";
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 5), SMMU_PREP(CMD1_ADDR, 0x4000 >> 12));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0xB000, s.dma(1, 0x4000).pa);
}

TEST_F(Caching, SteStaleUntilCfgiSte)
{
	s.ste(1, Sim::ste0_cfg(STE_CONFIG_ABORT));
	s.cmd(op(CMD_TLBI_NH_ALL));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(1, 0x1000).status) << "the cached STE is still used";
	s.cfgi_ste(1);
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(SMMUSIM_DMA_ABORT, s.dma(1, 0x1000).status);
}

TEST_F(Caching, CfgiSteRangeCoversBlock)
{
	s.ste(1, Sim::ste0_cfg(STE_CONFIG_ABORT));
	s.cmd(op(CMD_CFGI_STE_RANGE) | SMMU_PREP(CMD0_SID, 2), SMMU_PREP(CMD1_RANGE, 1)); // SIDs 0..3
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(SMMUSIM_DMA_ABORT, s.dma(1, 0x1000).status);
}

TEST_F(Caching, CfgiSteRangeOtherBlockKeepsSte)
{
	s.ste(1, Sim::ste0_cfg(STE_CONFIG_ABORT));
	s.cmd(op(CMD_CFGI_STE_RANGE) | SMMU_PREP(CMD0_SID, 4), SMMU_PREP(CMD1_RANGE, 1)); // SIDs 4..7
	s.cmd(op(CMD_TLBI_NH_ALL));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(1, 0x1000).status);
}

TEST_F(Caching, CfgiAllInvalidatesEverySte)
{
	s.ste(1, Sim::ste0_cfg(STE_CONFIG_ABORT));
	s.cfgi_all();
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(SMMUSIM_DMA_ABORT, s.dma(1, 0x1000).status);
}

TEST_F(Caching, CdStaleUntilCfgiCd)
{
	// Point the CD at another ASID with another table; without CFGI_CD the old CD is used.
	uint64_t ttb2 = s.new_table();
	s.map(ttb2, 0x1000, DATA + 0xC000);
	s.cd(CDTAB + 64 * 1, Sim::cd0(6), ttb2);
	s.cmd(op(CMD_TLBI_NH_ALL));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x8000, s.dma(1, 0x1000).pa) << "old CD (old TTB0), new PTE after TLBI";
	s.cmd(op(CMD_CFGI_CD) | SMMU_PREP(CMD0_SID, 1), SMMU_PREP(CMD1_LEAF, 1));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0xC000, s.dma(1, 0x1000).pa);
}

// IHI 0070 §5.4.1: the model keeps a CD's checks with the cached CD (CfgVal::check): the walk
// fields and the checks are the old CD's until CFGI_CD, the new CD's after it (TLBI_NH_ALL with each
// CFGI_CD: a TCU TLB entry, strict, may hold the CD's EPDx and TxSZ as they were).
TEST_F(Caching, CdWalkFieldsStaleUntilCfgiCd)
{
	auto cfgi_cd = [&] {
		s.cmd(op(CMD_CFGI_CD) | SMMU_PREP(CMD0_SID, 1), SMMU_PREP(CMD1_LEAF, 1));
		s.cmd(op(CMD_TLBI_NH_ALL));
		ASSERT_TRUE(s.sync());
	};
	s.cd(CDTAB + 64 * 1, Sim::cd0(5) | SMMU_PREP(CD0_EPD0, 1), ttb); // TTB0 walks disabled
	s.cmd(op(CMD_TLBI_NH_ALL));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x8000, s.dma(1, 0x1000).pa) << "the cached CD still walks TTB0";
	cfgi_cd();
	EXPECT_EQ(EVT_F_TRANSLATION, s.dma(1, 0x1000).event) << "EPD0 = 1";
	s.cd(CDTAB + 64 * 1, Sim::cd0(5, 52), ttb);
	cfgi_cd();
	EXPECT_EQ(EVT_C_BAD_CD, s.dma(1, 0x1000).event) << "T0SZ above 39 is ILLEGAL";
	s.cd(CDTAB + 64 * 1, Sim::cd0(5, 39), ttb);
	cfgi_cd();
	EXPECT_EQ(EVT_F_TRANSLATION, s.dma(1, 1ull << 25).event) << "T0SZ = 39: VA[63:25] must be 0";
	s.map(ttb, 1ull << 25, DATA + 0xA000);
	s.cd(CDTAB + 64 * 1, Sim::cd0(5), ttb);
	EXPECT_EQ(EVT_F_TRANSLATION, s.dma(1, 1ull << 25).event) << "the cached CD's range until CFGI_CD";
	cfgi_cd();
	EXPECT_EQ(DATA + 0xA000, s.dma(1, 1ull << 25).pa) << "T0SZ = 16";
}

TEST_F(Caching, CfgiCdAllInvalidatesCds)
{
	s.cd(CDTAB + 64 * 1, Sim::cd0(6) & ~SMMU_MASK(CD0_V), ttb);
	s.cmd(op(CMD_CFGI_CD_ALL) | SMMU_PREP(CMD0_SID, 1));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(EVT_C_BAD_CD, s.dma(1, 0x1000).event);
}

TEST_F(Caching, CfgiSteAlsoInvalidatesCds)
{
	s.cd(CDTAB + 64 * 1, Sim::cd0(6) & ~SMMU_MASK(CD0_V), ttb);
	s.cfgi_ste(1);
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(EVT_C_BAD_CD, s.dma(1, 0x1000).event);
}

TEST_F(Caching, ConfigCacheCountsHits)
{
	s.cfgi_all();
	s.cmd(op(CMD_TLBI_NH_ALL));
	ASSERT_TRUE(s.sync());
	uint64_t reads = s.stat("mem.reads.ste");
	s.dma(1, 0x1000);
	s.cmd(op(CMD_TLBI_NH_ALL));
	ASSERT_TRUE(s.sync());
	s.dma(1, 0x1000);
	EXPECT_EQ(reads + 1, s.stat("mem.reads.ste")) << "the second miss in the TLB hits in the config cache";
}

TEST(CachingL1, L1stdNotCachedByDefault)
{
	Sim s;
	s.boot(16, STRTAB_FMT_2LVL, 8);
	s.m64(STRTAB + 8, 0x2000000 | SMMU_PREP(L1STD_SPAN, 9));
	s.ste(0x105, Sim::ste0_cfg(STE_CONFIG_BYPASS), 0, 0x2000000 - 0x100 * 64);
	s.ste(0x5, Sim::ste0_cfg(STE_CONFIG_BYPASS), 0, 0x2000000);
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(0x105, 0x1000).status);
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(0x106 - 1, 0x1000).status);
	s.m64(STRTAB + 8, 0); // L1STD now invalid; STE 0x105 is cached, but 0x1xx misses go through L1
	s.ste(0x6, Sim::ste0_cfg(STE_CONFIG_BYPASS), 0, 0x2000000);
	EXPECT_EQ(EVT_C_BAD_STREAMID, s.dma(0x106, 0x1000).event) << "L1STD re-read from memory";
}

TEST(CachingL1, L1stdCachedWithSwitchUntilNonLeafCfgi)
{
	Sim s({{"tcu.cfg.cache_l1", "1"}});
	s.boot(16, STRTAB_FMT_2LVL, 8);
	s.m64(STRTAB + 8, 0x2000000 | SMMU_PREP(L1STD_SPAN, 9));
	s.ste(0x5, Sim::ste0_cfg(STE_CONFIG_BYPASS), 0, 0x2000000);
	s.ste(0x6, Sim::ste0_cfg(STE_CONFIG_BYPASS), 0, 0x2000000);
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(0x105, 0x1000).status);
	s.m64(STRTAB + 8, 0);
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(0x106, 0x1000).status) << "stale cached L1STD";
	s.cfgi_ste(0x106, true);
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(0x106, 0x1000).status) << "Leaf=1 keeps the L1STD";
	s.cfgi_ste(0x106, false);
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(EVT_C_BAD_STREAMID, s.dma(0x106, 0x1000).event);
}

TEST(CachingL1, L1cdCachedWithSwitchUntilNonLeafCfgiCd)
{
	Sim s({{"tcu.cfg.cache_l1", "1"}});
	s.boot();
	uint64_t ttb = s.new_table();
	s.map(ttb, 0x1000, DATA);
	s.ste(2, Sim::ste0_s1(CDTAB, 12, STE_S1FMT_4K_L2), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	s.m64(CDTAB, 0x900000 | 1);
	s.cd(0x900000 + 64 * 1, Sim::cd0(1), ttb);
	s.cd(0x900000 + 64 * 2, Sim::cd0(2), ttb);
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma_ssid(2, 1, 0x1000).status);
	s.m64(CDTAB, 0);
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma_ssid(2, 2, 0x1000).status) << "stale cached L1CD";
	s.cmd(op(CMD_CFGI_CD) | SMMU_PREP(CMD0_SID, 2) | SMMU_PREP(CMD0_SSID, 3), 0);
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(EVT_C_BAD_SUBSTREAMID, s.dma_ssid(2, 3, 0x1000).event);
}

// With L1 descriptors cached too, a CD's lookup misses, then its L1CD's, and both are filled: each
// into its own set (the CD's fill must not take the set of the L1CD missed last), so the CDs hit
// when the TLB misses again.
TEST(CachingL1, CdsHitAfterTheirL1cdFills)
{
	Sim s({{"tcu.cfg.cache_l1", "1"}});
	s.boot();
	uint64_t ttb = s.new_table();
	s.map(ttb, 0x1000, DATA);
	s.ste(2, Sim::ste0_s1(CDTAB, 12, STE_S1FMT_4K_L2), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	s.m64(CDTAB, 0x900000 | 1);
	for (uint32_t ssid = 1; ssid <= 8; ssid++)
		s.cd(0x900000 + 64 * ssid, Sim::cd0((uint16_t)ssid), ttb);
	for (int round = 0; round < 2; round++) {
		for (uint32_t ssid = 1; ssid <= 8; ssid++)
			EXPECT_EQ(SMMUSIM_DMA_OK, s.dma_ssid(2, ssid, 0x1000).status);
		s.cmd(op(CMD_TLBI_NH_ALL));
		ASSERT_TRUE(s.sync());
	}
	EXPECT_EQ(8u, s.stat("mem.reads.cd")) << "each CD read once";
	EXPECT_EQ(1u, s.stat("mem.reads.l1cd"));
}

} // namespace
