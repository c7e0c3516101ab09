// Transaction processing rules (digest sections 3, 4, 7, 8.4, 10).
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

} // namespace
