// Timing: an isolated transaction's latency is the sum of the parameters on its path
// (docs/model.md, "Timing"). Defaults: utlb 1, mtlb 3, links 8+8, cfg 3, walk 4, memory 100.
#include "harness.hpp"

using namespace th;

namespace {

struct Timing : ::testing::Test {
	Sim s;
	uint64_t ttb = 0;
	void SetUp() override
	{
		s.boot();
		ttb = s.s1_stream(1, 1);
		s.map(ttb, 0x1000, DATA + 0x1000);
		s.map(ttb, 0x2000, DATA + 0x2000);
	}
};

TEST_F(Timing, ColdTranslation)
{
	// utlb 1 + mtlb 3 + link 8 + cfg 3 + walk cache 4 + (STE + CD + 4 PTEs) * 100 + link 8 + data 100
	EXPECT_EQ(1u + 3 + 8 + 3 + 4 + 600 + 8 + 100, lat(s.dma(1, 0x1000)));
}

TEST_F(Timing, MicroTlbHit)
{
	s.dma(1, 0x1000);
	EXPECT_EQ(1u + 100, lat(s.dma(1, 0x1004)));
}

TEST_F(Timing, WalkCacheHitReadsOnlyLeaf)
{
	s.dma(1, 0x1000);
	// Config cache hit (no reads), walk cache hit at level 2, one PTE read.
	EXPECT_EQ(1u + 3 + 8 + 3 + 4 + 100 + 8 + 100, lat(s.dma(1, 0x2000)));
}

TEST_F(Timing, SyncDmaAdvancesTimeByLatency)
{
	uint64_t t0 = s.now();
	auto r = s.dma(1, 0x1000);
	EXPECT_EQ(t0, r.issue_cycle);
	EXPECT_EQ(r.done_cycle, s.now());
}

TEST_F(Timing, FaultHasNoDataAccess)
{
	// STE + CD + level-0 descriptor (invalid) read, then the response link; no data access.
	EXPECT_EQ(1u + 3 + 8 + 3 + 4 + 300 + 8, lat(s.dma(1, 0x8000000000ull)));
}

TEST(TimingConfig, MainTlbHitWithOneEntryMicroTlb)
{
	Sim s({{"tbu.utlb.entries", "1"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.map(ttb, 0x2000, DATA);
	s.dma(1, 0x1000);
	s.dma(1, 0x2000);
	EXPECT_EQ(1u + 3 + 100, lat(s.dma(1, 0x1000)));
	EXPECT_EQ(1u, s.stat("tbu.mtlb.lookups") - s.stat("tbu.mtlb.misses")) << "one main TLB hit";
}

// A main-TLB hit refills the micro TLB: the next access to the page is a micro-TLB hit.
TEST(TimingConfig, MainTlbHitRefillsTheMicroTlb)
{
	Sim s({{"tbu.utlb.entries", "1"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.map(ttb, 0x2000, DATA);
	s.dma(1, 0x1000);
	s.dma(1, 0x2000); // evicts 0x1000 from the 1-entry micro TLB
	EXPECT_EQ(1u + 3 + 100, lat(s.dma(1, 0x1000))) << "main TLB hit";
	const uint64_t umiss = s.stat("tbu.utlb.misses"), mlook = s.stat("tbu.mtlb.lookups");
	EXPECT_EQ(1u + 100, lat(s.dma(1, 0x1008))) << "micro TLB hit after the refill";
	EXPECT_EQ(umiss, s.stat("tbu.utlb.misses"));
	EXPECT_EQ(mlook, s.stat("tbu.mtlb.lookups")) << "the main TLB is not looked up again";
}

// The C API result says where each translation was found (enum smmusim_hit_level).
TEST(TimingConfig, HitLevelOfEachLookup)
{
	Sim s({{"tbu.utlb.entries", "1"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.map(ttb, 0x2000, DATA);
	EXPECT_EQ(SMMUSIM_HIT_WALK, s.dma(1, 0x1000).hit);
	EXPECT_EQ(SMMUSIM_HIT_UTLB, s.dma(1, 0x1004).hit);
	EXPECT_EQ(SMMUSIM_HIT_WALK, s.dma(1, 0x2000).hit) << "walk cache at level 2, then the leaf read";
	EXPECT_EQ(SMMUSIM_HIT_MTLB, s.dma(1, 0x1000).hit) << "evicted from the 1-entry micro TLB";
	EXPECT_EQ(SMMUSIM_HIT_UTLB, s.dma(1, 0x1008).hit);
}

TEST(TimingConfig, ExtraMainTlbProbePerPageSize)
{
	Sim s({{"tbu.utlb.entries", "1"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.map(ttb, 0x40000000, 0x40000000, PTE_RW, 1); // a 1 GB block: a second page size
	s.dma(1, 0x40000000);
	s.dma(1, 0x1000); // evicts the block from the 1-entry micro TLB
	// The 4 KB probe misses, the 1 GB probe hits: mtlb latency + 1.
	EXPECT_EQ(1u + 3 + 1 + 100, lat(s.dma(1, 0x40000000)));
}

TEST(TimingConfig, FormulaFollowsParameters)
{
	Sim s({{"mem.latency", "10"}, {"mem.data_latency", "11"}, {"tbu.utlb.latency", "2"}, {"tbu.mtlb.latency", "5"}, {"tbu.link.to_tcu", "3"},
	       {"tbu.link.to_tbu", "4"}, {"tcu.cfg.latency", "6"}, {"tcu.walk.latency", "7"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	EXPECT_EQ(2u + 5 + 3 + 6 + 7 + 6 * 10 + 4 + 11, lat(s.dma(1, 0x1000)));
	EXPECT_EQ(2u + 11, lat(s.dma(1, 0x1000)));
}

TEST(TimingConfig, DisabledCachesCostNothing)
{
	Sim s({{"tbu.utlb.entries", "0"}, {"tbu.mtlb.entries", "0"}, {"tcu.walk.l0.entries", "0"},
	       {"tcu.walk.l1.entries", "0"}, {"tcu.walk.l2.entries", "0"}, {"tcu.walk.l3.entries", "0"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	EXPECT_EQ(8u + 3 + 600 + 8 + 100, lat(s.dma(1, 0x1000)));
	EXPECT_EQ(8u + 3 + 400 + 8 + 100, lat(s.dma(1, 0x1000))) << "config cache hit: only the 4 PTE reads";
}

TEST(TimingConfig, UnifiedWalkCache)
{
	Sim s({{"tcu.walk.layout", "unified"}, {"tcu.walk.entries", "8"}, {"tcu.walk.ways", "0"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.map(ttb, 0x2000, DATA);
	s.dma(1, 0x1000);
	EXPECT_EQ(1u + 3 + 8 + 3 + 4 + 100 + 8 + 100, lat(s.dma(1, 0x2000)));
	EXPECT_EQ(1u, s.stat("tcu.walk.hits"));
}

TEST(TimingConfig, DisabledUnifiedWalkCache)
{
	Sim s({{"tcu.walk.layout", "unified"}, {"tcu.walk.entries", "0"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.map(ttb, 0x2000, DATA);
	s.dma(1, 0x1000);
	EXPECT_EQ(1u + 3 + 8 + 3 + 400 + 8 + 100, lat(s.dma(1, 0x2000))) << "no walk-cache lookup, 4 PTE reads";
}

TEST(TimingConfig, PerLevelWalkCacheOnlyLevel1)
{
	// Only the level-1 cache exists: a second page hits it and reads the level-2 and level-3 PTEs.
	Sim s({{"tcu.walk.l0.entries", "0"}, {"tcu.walk.l2.entries", "0"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.map(ttb, 0x2000, DATA);
	s.dma(1, 0x1000);
	EXPECT_EQ(1u + 3 + 8 + 3 + 4 + 200 + 8 + 100, lat(s.dma(1, 0x2000)));
	EXPECT_EQ(1u, s.stat("mem.reads.pte.l0"));
	EXPECT_EQ(1u, s.stat("mem.reads.pte.l1"));
	EXPECT_EQ(2u, s.stat("mem.reads.pte.l2"));
}

TEST(TimingConfig, BypassWhenDisabledIsOneMemoryAccess)
{
	Sim s;
	EXPECT_EQ(100u, lat(s.dma(1, DATA)));
}

// TCU translation slots and walk slots as separate hazards: budget_test.cpp (Hazards.*).

TEST(TimingConfig, Deterministic)
{
	// The same sequence on two streams with identical tables gives identical latencies.
	Sim s;
	s.boot();
	uint64_t t1 = s.s1_stream(1, 1), t2 = s.s1_stream(2, 2);
	for (uint64_t p = 0; p < 64; p++) {
		s.map(t1, p << 12, DATA + (p << 12));
		s.map(t2, p << 12, DATA + (p << 12));
	}
	std::vector<uint64_t> a, b;
	for (uint64_t p = 0; p < 64; p++)
		a.push_back(lat(s.dma(1, (p * 7 % 64) << 12, false, nullptr, 4, false, 0, false, false, 0)));
	for (uint64_t p = 0; p < 64; p++)
		b.push_back(lat(s.dma(2, (p * 7 % 64) << 12, false, nullptr, 4, false, 0, false, false, 1)));
	EXPECT_EQ(a, b);
}

} // namespace
