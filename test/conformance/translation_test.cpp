// Transaction processing rules (IHI 0070 §3.3 translation procedure, §5.2 STE,
// §5.4 CD, §3.3.2 substreams, §3.4 address sizes).
#include "harness.hpp"

using namespace th;

namespace {

struct Translation : ::testing::Test {
	Sim s;
};

TEST_F(Translation, GbpaBypassWhenSmmuDisabled)
{
	uint32_t v = 0xA5A5A5A5, got = 0;
	ASSERT_EQ(0, smmusim_mem_write(s.sim, DATA + 0x10, &v, 4));
	auto r = s.dma(7, DATA + 0x10, false, &got);
	EXPECT_EQ(SMMUSIM_DMA_OK, r.status);
	EXPECT_EQ(DATA + 0x10, r.pa);
	EXPECT_EQ(v, got);
	EXPECT_EQ(0, r.event);
}

TEST_F(Translation, GbpaAbortWhenSmmuDisabled)
{
	s.w32(SMMU_GBPA, (uint32_t)(SMMU_PREP(GBPA_ABORT, 1) | SMMU_PREP(GBPA_UPDATE, 1)));
	ASSERT_TRUE(s.poll(SMMU_GBPA, (uint32_t)SMMU_MASK(GBPA_UPDATE), 0));
	auto r = s.dma(7, DATA);
	EXPECT_EQ(SMMUSIM_DMA_ABORT, r.status);
	EXPECT_EQ(0, r.event);
}

TEST_F(Translation, Stage1FourKbPageTranslates)
{
	s.boot();
	uint64_t ttb = s.s1_stream(3, 5);
	s.map(ttb, 0x12345000, DATA + 0x7000);
	uint32_t v = 0xDEADBEEF, got = 0;
	ASSERT_EQ(0, smmusim_mem_write(s.sim, DATA + 0x7abc, &v, 4));
	auto r = s.dma(3, 0x12345abc, false, &got);
	EXPECT_EQ(SMMUSIM_DMA_OK, r.status);
	EXPECT_EQ(DATA + 0x7abc, r.pa);
	EXPECT_EQ(v, got);
	// A write goes to the translated address.
	uint32_t w = 0x1234;
	r = s.dma(3, 0x12345ab0, true, &w);
	EXPECT_EQ(SMMUSIM_DMA_OK, r.status);
	EXPECT_EQ(0x1234u, (uint32_t)s.m64(DATA + 0x7ab0));
}

TEST_F(Translation, FTranslationOnInvalidPteRecordsEvent)
{
	s.boot();
	s.s1_stream(3, 5);
	auto r = s.dma(3, 0x40001234, true, nullptr, 4, false, 0, true);
	EXPECT_EQ(SMMUSIM_DMA_ABORT, r.status);
	EXPECT_EQ(EVT_F_TRANSLATION, r.event);
	EXPECT_TRUE(r.event_recorded);
	uint64_t ev[4];
	ASSERT_TRUE(s.pop_event(ev));
	EXPECT_EQ(EVT_F_TRANSLATION, ev_type(ev));
	EXPECT_EQ(3u, ev_sid(ev));
	EXPECT_EQ(0u, SMMU_GET(ev[0], EVT0_SSV));
	EXPECT_EQ(1u, SMMU_GET(ev[1], EVT1_PNU));
	EXPECT_EQ(0u, SMMU_GET(ev[1], EVT1_IND));
	EXPECT_EQ(0u, SMMU_GET(ev[1], EVT1_RNW));
	EXPECT_EQ(0u, SMMU_GET(ev[1], EVT1_S2));
	EXPECT_EQ(0u, SMMU_GET(ev[1], EVT1_STALL));
	EXPECT_EQ(EVT_CLASS_IN, SMMU_GET(ev[1], EVT1_CLASS));
	EXPECT_EQ(0x40001234u, ev[2]);
	EXPECT_FALSE(s.pop_event(ev));
}

TEST_F(Translation, SteAbortConfigIsSilent)
{
	s.boot();
	s.ste(1, s.ste0_cfg(STE_CONFIG_ABORT));
	auto r = s.dma(1, DATA);
	EXPECT_EQ(SMMUSIM_DMA_ABORT, r.status);
	EXPECT_EQ(0, r.event);
	EXPECT_EQ(0u, s.event_count());
}

TEST_F(Translation, SteBypassPassesThrough)
{
	s.boot();
	s.ste(1, s.ste0_cfg(STE_CONFIG_BYPASS));
	auto r = s.dma(1, DATA + 0x123);
	EXPECT_EQ(SMMUSIM_DMA_OK, r.status);
	EXPECT_EQ(DATA + 0x123, r.pa);
}

// ---- stream table layouts
TEST(StreamTable, LinearIndexedBySid)
{
	Sim s;
	s.boot(4);
	uint64_t ttb = s.s1_stream(9, 1);
	s.map(ttb, 0x1000, DATA);
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(9, 0x1000).status);
	EXPECT_EQ(EVT_C_BAD_STREAMID, s.dma(16, 0x1000).event) << "LOG2SIZE=4";
}

void two_level(unsigned split)
{
	Sim s;
	s.boot(20, STRTAB_FMT_2LVL, split);
	const uint32_t sid = (5u << split) | 3u;
	const uint64_t l2 = 0x2000000;
	s.m64(STRTAB + 8 * 5, l2 | SMMU_PREP(L1STD_SPAN, split + 1));
	uint64_t ttb = s.new_table();
	s.cd(CDTAB, Sim::cd0(1), ttb);
	s.ste(3, Sim::ste0_s1(CDTAB), 0, l2);
	s.map(ttb, 0x1000, DATA + 0x4000);
	auto r = s.dma(sid, 0x1010);
	EXPECT_EQ(SMMUSIM_DMA_OK, r.status);
	EXPECT_EQ(DATA + 0x4010, r.pa);
	EXPECT_EQ(1u, s.stat("mem.reads.l1std"));
	EXPECT_EQ(1u, s.stat("mem.reads.ste"));
}
TEST(StreamTable, TwoLevelSplit6) { two_level(6); }
TEST(StreamTable, TwoLevelSplit8) { two_level(8); }
TEST(StreamTable, TwoLevelSplit10) { two_level(10); }

TEST(StreamTable, SidSizeLimitsLog2size)
{
	Sim s({{"smmu.sidsize", "8"}});
	s.boot(20, STRTAB_FMT_2LVL, 8);
	EXPECT_EQ(EVT_C_BAD_STREAMID, s.dma(1u << 8, 0x1000).event) << "effective LOG2SIZE = min(LOG2SIZE, SIDSIZE)";
}

TEST(StreamTable, LinearOnlyImplementationIgnoresFmt)
{
	Sim s({{"smmu.sidsize", "6"}, {"smmu.st_level", "linear"}});
	EXPECT_EQ(IDR0_ST_LEVEL_LINEAR, SMMU_GET(s.r32(SMMU_IDR0), IDR0_ST_LEVEL));
	s.boot(6, STRTAB_FMT_2LVL, 6);
	EXPECT_EQ(0u, SMMU_GET(s.r32(SMMU_STRTAB_BASE_CFG), STRTAB_BASE_CFG_FMT));
	s.ste(2, Sim::ste0_cfg(STE_CONFIG_BYPASS));
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(2, 0x1000).status);
}

// ---- CD table layouts and substreams
struct Substreams : ::testing::Test {
	Sim s;
	uint64_t ttb = 0;
	void SetUp() override
	{
		s.boot();
		ttb = s.new_table();
		s.map(ttb, 0x1000, DATA + 0x5000);
	}
};

TEST_F(Substreams, LinearCdTableIndexedBySsid)
{
	s.ste(2, Sim::ste0_s1(CDTAB, 8), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	s.cd(CDTAB + 64 * 200, Sim::cd0(7), ttb);
	auto r = s.dma_ssid(2, 200, 0x1004);
	EXPECT_EQ(SMMUSIM_DMA_OK, r.status);
	EXPECT_EQ(DATA + 0x5004, r.pa);
	EXPECT_EQ(EVT_C_BAD_CD, s.dma_ssid(2, 201, 0x1004).event) << "CD 201 is not valid";
}

TEST_F(Substreams, TwoLevelCdTable4kLeaves)
{
	s.ste(2, Sim::ste0_s1(CDTAB, 12, STE_S1FMT_4K_L2), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	const uint64_t leaf = 0x900000;
	s.m64(CDTAB + 8 * (1000 >> 6), leaf | SMMU_PREP(L1CD_V, 1));
	s.cd(leaf + 64 * (1000 & 63), Sim::cd0(7), ttb);
	auto r = s.dma_ssid(2, 1000, 0x1004);
	EXPECT_EQ(SMMUSIM_DMA_OK, r.status);
	EXPECT_EQ(1u, s.stat("mem.reads.l1cd"));
	EXPECT_EQ(1u, s.stat("mem.reads.cd"));
}

TEST_F(Substreams, TwoLevelCdTable64kLeaves)
{
	s.ste(2, Sim::ste0_s1(CDTAB, 20, STE_S1FMT_64K_L2), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	const uint64_t leaf = 0xA00000, ssid = (3u << 10) | 1000u;
	s.m64(CDTAB + 8 * 3, leaf | SMMU_PREP(L1CD_V, 1));
	s.cd(leaf + 64 * 1000, Sim::cd0(7), ttb);
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma_ssid(2, ssid, 0x1004).status);
}

TEST_F(Substreams, S1FmtIgnoredWithS1CdMaxZero)
{
	s.ste(2, Sim::ste0_s1(CDTAB, 0, STE_S1FMT_64K_L2));
	s.cd(CDTAB, Sim::cd0(7), ttb);
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(2, 0x1004).status);
}

TEST_F(Substreams, S1DssBypassSkipsStage1ForNoSsid)
{
	s.ste(2, Sim::ste0_s1(CDTAB, 4), SMMU_PREP(STE1_S1DSS, STE_S1DSS_BYPASS));
	auto r = s.dma(2, DATA + 0x40);
	EXPECT_EQ(SMMUSIM_DMA_OK, r.status);
	EXPECT_EQ(DATA + 0x40, r.pa);
}

TEST_F(Substreams, S1DssSubstream0UsesCd0ForNoSsid)
{
	s.ste(2, Sim::ste0_s1(CDTAB, 4), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	s.cd(CDTAB, Sim::cd0(7), ttb);
	auto r = s.dma(2, 0x1004);
	EXPECT_EQ(SMMUSIM_DMA_OK, r.status);
	EXPECT_EQ(DATA + 0x5004, r.pa);
}

TEST_F(Substreams, SsidWithoutSubstreamSupport)
{
	// SSIDSIZE is 20 here; an SSID on an STE with S1CDMax=0 is C_BAD_SUBSTREAMID.
	s.ste(2, Sim::ste0_s1(CDTAB, 0));
	s.cd(CDTAB, Sim::cd0(7), ttb);
	EXPECT_EQ(EVT_C_BAD_SUBSTREAMID, s.dma_ssid(2, 1, 0x1004).event);
}

TEST(SubstreamsConfig, Cd2lAbsentMakesTwoLevelIllegal)
{
	Sim s({{"smmu.cd2l", "0"}});
	s.boot();
	s.ste(2, Sim::ste0_s1(CDTAB, 8, STE_S1FMT_4K_L2), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	EXPECT_EQ(EVT_C_BAD_STE, s.dma_ssid(2, 1, 0x1004).event);
}

// ---- granules, levels and input ranges
TEST(Walk, FourKbBlocks)
{
	Sim s;
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x40000000, 0x80000000, PTE_RW, 1); // 1 GB block
	s.map(ttb, 0x200000, DATA, PTE_RW, 2);         // 2 MB block
	EXPECT_EQ(0x80000000u + 0x123456, s.dma(1, 0x40123456).pa);
	EXPECT_EQ(DATA + 0x1ABCDE, s.dma(1, 0x3ABCDE).pa);
}

TEST(Walk, StartLevelFromT0sz)
{
	Sim s;
	s.boot();
	// T0SZ=25: 39-bit input, the walk starts at level 1 with a 512-entry table.
	uint64_t l1 = s.new_table(), l2 = s.new_table(), l3 = s.new_table();
	s.cd(CDTAB, Sim::cd0(1, 25), l1);
	s.ste(1, Sim::ste0_s1(CDTAB));
	const uint64_t va = 0x40000000ull * 5 + 0x1000;
	s.m64(l1 + 8 * 5, l2 | 3);
	s.m64(l2, l3 | 3);
	s.m64(l3 + 8, DATA | PTE_RW | 3);
	EXPECT_EQ(DATA + 0x10, s.dma(1, va + 0x10).pa);
	EXPECT_EQ(EVT_F_TRANSLATION, s.dma(1, 1ull << 39).event);
}

TEST(Walk, SixteenKbGranule)
{
	Sim s;
	s.boot();
	// T0SZ=28 (36 bits), 16 KB: levels 1 (VA[35:36] 2 bits.. ) -> start = 4 - ceil(22/11) = 2.
	uint64_t l2 = s.new_table(16384), l3 = s.new_table(16384);
	s.cd(CDTAB, Sim::cd0(1, 28, CD_TG0_16K), l2);
	s.ste(1, Sim::ste0_s1(CDTAB));
	const uint64_t va = (3ull << 25) | (7ull << 14) | 0x123;
	s.m64(l2 + 8 * 3, l3 | 3);
	s.m64(l3 + 8 * 7, DATA | PTE_RW | 3);
	EXPECT_EQ(DATA + 0x123, s.dma(1, va).pa);
}

TEST(Walk, SixtyFourKbGranule)
{
	Sim s;
	s.boot();
	// T0SZ=16 with 64 KB: start level 1 (64 entries), 3 levels.
	uint64_t l1 = s.new_table(65536), l2 = s.new_table(65536), l3 = s.new_table(65536);
	s.cd(CDTAB, Sim::cd0(1, 16, CD_TG0_64K), l1);
	s.ste(1, Sim::ste0_s1(CDTAB));
	const uint64_t va = (2ull << 42) | (5ull << 29) | (9ull << 16) | 0xABCD;
	s.m64(l1 + 8 * 2, l2 | 3);
	s.m64(l2 + 8 * 5, l3 | 3);
	s.m64(l3 + 8 * 9, DATA | PTE_RW | 3);
	EXPECT_EQ(DATA + 0xABCD, s.dma(1, va).pa);
	// A 512 MB block at level 2.
	s.m64(l2 + 8 * 6, 0x20000000 | PTE_RW | 1);
	EXPECT_EQ(0x20000000u + 0x123456, s.dma(1, (2ull << 42) | (6ull << 29) | 0x123456).pa);
}

TEST(Walk, UnsupportedGranuleIsBadCd)
{
	Sim s({{"smmu.gran16k", "0"}});
	s.boot();
	s.cd(CDTAB, Sim::cd0(1, 28, CD_TG0_16K), 0x5000000);
	s.ste(1, Sim::ste0_s1(CDTAB));
	EXPECT_EQ(EVT_C_BAD_CD, s.dma(1, 0x1000).event);
}

TEST(Walk, Ttb1UpperRange)
{
	Sim s;
	s.boot();
	uint64_t ttb1 = s.new_table();
	uint64_t d0 = (Sim::cd0(1) & ~SMMU_MASK(CD0_EPD1)) | SMMU_PREP(CD0_T1SZ, 16) | SMMU_PREP(CD0_TG1, CD_TG1_4K) |
		      SMMU_PREP(CD0_EPD0, 1);
	uint64_t dw[8] = {d0, 0, ttb1, SMMU_MAIR_LINUX, 0, 0, 0, 0};
	s.mwrite(CDTAB, dw, 8);
	s.ste(1, Sim::ste0_s1(CDTAB));
	const uint64_t va = 0xFFFF800000001000ull;
	s.map(ttb1, va, DATA);
	EXPECT_EQ(DATA + 4, s.dma(1, va + 4).pa);
	EXPECT_EQ(EVT_F_TRANSLATION, s.dma(1, 0x1000).event) << "EPD0";
}

TEST(Walk, TopByteIgnore)
{
	Sim s;
	s.boot();
	uint64_t ttb = s.new_table();
	s.cd(CDTAB, Sim::cd0(1) | SMMU_PREP(CD0_TBI0, 1), ttb);
	s.ste(1, Sim::ste0_s1(CDTAB));
	s.map(ttb, 0x1000, DATA);
	auto r = s.dma(1, 0x5A00000000001008ull);
	EXPECT_EQ(SMMUSIM_DMA_OK, r.status);
	EXPECT_EQ(DATA + 8, r.pa);
	s.cd(CDTAB, Sim::cd0(1), ttb);
	s.cfgi_ste(1);
	ASSERT_TRUE(s.sync());
	r = s.dma(1, 0x5A00000000002008ull);
	EXPECT_EQ(EVT_F_TRANSLATION, r.event);
	uint64_t ev[4];
	ASSERT_TRUE(s.pop_event(ev));
	EXPECT_EQ(0x5A00000000002008ull, ev[2]) << "InputAddr keeps the top byte";
}

// The VA range check with and without TBIx, through TTB0 and TTB1, at pages both CDs map: without
// TBIx a top byte that is not all zeros (TTB0) or all ones (TTB1) is out of range.
TEST(Walk, TopByteCheckedWithoutTbi)
{
	Sim s;
	s.boot();
	const uint64_t ttb0 = s.new_table(), ttb1 = s.new_table();
	const uint64_t lo = 0x1000, hi = 0xFFFF800000001000ull;
	s.map(ttb0, lo, DATA);
	s.map(ttb1, hi, DATA);
	const uint64_t d0 = (Sim::cd0(1) & ~SMMU_MASK(CD0_EPD1)) | SMMU_PREP(CD0_T1SZ, 16) | SMMU_PREP(CD0_TG1, CD_TG1_4K);
	for (uint32_t sid : {1u, 2u}) { // StreamID 2: TBI0 = TBI1 = 1
		const uint64_t tbi = sid == 2 ? SMMU_PREP(CD0_TBI0, 1) | SMMU_PREP(CD0_TBI1, 1) : 0;
		const uint64_t dw[8] = {d0 | tbi, ttb0 & SMMU_MASK(CD1_TTB0), ttb1 & SMMU_MASK(CD2_TTB1), SMMU_MAIR_LINUX,
					0, 0, 0, 0};
		s.mwrite(CDTAB + sid * CD_SIZE, dw, 8);
		s.ste(sid, Sim::ste0_s1(CDTAB + sid * CD_SIZE));
	}
	const uint64_t top = 0x5Aull << 56;
	EXPECT_EQ(DATA + 8, s.dma(1, lo + 8).pa);
	EXPECT_EQ(DATA + 8, s.dma(1, hi + 8).pa);
	EXPECT_EQ(EVT_F_TRANSLATION, s.dma(1, top | lo | 8).event) << "TTB0, TBI0 = 0";
	EXPECT_EQ(EVT_F_TRANSLATION, s.dma(1, (hi & ~SMMU_MASK(VA_TOP_BYTE)) | top | 8).event) << "TTB1, TBI1 = 0";
	EXPECT_EQ(DATA + 8, s.dma(2, top | lo | 8).pa) << "TTB0, TBI0 = 1";
	EXPECT_EQ(DATA + 8, s.dma(2, (hi & ~SMMU_MASK(VA_TOP_BYTE)) | top | 8).pa) << "TTB1, TBI1 = 1";
}

TEST(Walk, OutputOutsideRamAbortsWithoutEvent)
{
	Sim s;
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, 1ull << 40);
	auto r = s.dma(1, 0x1000);
	EXPECT_EQ(SMMUSIM_DMA_ABORT, r.status);
	EXPECT_EQ(0, r.event);
}

TEST(Walk, SmmuDisableFollowsGbpaAgain)
{
	Sim s;
	s.boot();
	s.ste(1, Sim::ste0_cfg(STE_CONFIG_ABORT));
	EXPECT_EQ(SMMUSIM_DMA_ABORT, s.dma(1, DATA).status);
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_EVENTQEN, 1))));
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(1, DATA).status);
}

} // namespace
