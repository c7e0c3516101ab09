// The timing budget of docs/timing.md, one test per row: an isolated transaction's latency is
// exactly the sum of the documented parameters on its path. Then the structural hazards (TBU and
// TCU slots, walk slots, links, memory channel, miss merging, hit-under-miss) with their cycle
// numbers worked out by hand in the comments (and in docs/timing.md for the contention case).
#include "harness.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace th;

namespace {

// Defaults (docs/configuration.md).
constexpr uint64_t U = 1, M = 3, LT = 8, LB = 8, C = 3, W = 4, R = 100;

// Stream 1: linear stream table, single CD, 4 KB pages at 0x1000.. (page p -> DATA + p).
struct Budget : ::testing::Test {
	Sim s;
	uint64_t ttb = 0;
	void SetUp() override
	{
		s.boot();
		ttb = s.s1_stream(1, 1);
		for (uint64_t va : {0x1000ull, 0x2000ull, 0x201000ull, 0x40001000ull, 0x8000001000ull})
			s.map(ttb, va, DATA + (va & 0xFFFFFFF));
	}
};

TEST(BudgetRow, GbpaBypass) { Sim s; EXPECT_EQ(R, lat(s.dma(1, DATA))); }

TEST_F(Budget, ConfigMissLinearStSingleCdFullWalk)
{
	// STE + CD + 4 PTEs.
	EXPECT_EQ(U + M + LT + C + W + 6 * R + LB + R, lat(s.dma(1, 0x1000)));
}

TEST_F(Budget, MicroTlbHit)
{
	s.dma(1, 0x1000);
	EXPECT_EQ(U + R, lat(s.dma(1, 0x1004)));
}

TEST_F(Budget, WalkCacheHitS1L2)
{
	s.dma(1, 0x1000);
	EXPECT_EQ(U + M + LT + C + W + 1 * R + LB + R, lat(s.dma(1, 0x2000))) << "one PTE read (level 3)";
}

TEST_F(Budget, WalkCacheHitS1L1)
{
	s.dma(1, 0x1000);
	EXPECT_EQ(U + M + LT + C + W + 2 * R + LB + R, lat(s.dma(1, 0x201000))) << "level 2 and 3 PTEs";
	EXPECT_EQ(1u, s.stat("tcu.walk.s1l1.lookups") - s.stat("tcu.walk.s1l1.misses"));
}

TEST_F(Budget, WalkCacheHitS1L0)
{
	s.dma(1, 0x1000);
	EXPECT_EQ(U + M + LT + C + W + 3 * R + LB + R, lat(s.dma(1, 0x40001000))) << "level 1, 2 and 3 PTEs";
	EXPECT_EQ(1u, s.stat("tcu.walk.s1l0.lookups") - s.stat("tcu.walk.s1l0.misses"));
}

// Leaf entries in the walk caches (tcu.walk.l3.entries; blocks in their level's cache): with no
// TBU TLBs every access goes to the TCU, and a second access to a walked page reads no descriptor.
struct NoTbuTlbs {
	Sim s;
	uint64_t ttb = 0;
	explicit NoTbuTlbs(const char *l3 = "256") : s({{"tbu.utlb.entries", "0"}, {"tbu.mtlb.entries", "0"}, {"tcu.walk.l3.entries", l3}})
	{
		s.boot();
		ttb = s.s1_stream(1, 1);
		s.map(ttb, 0x1000, DATA);
		s.map(ttb, 0x40000000, 0x40000000, PTE_RW, 2); // a 2 MB block at level 2
		s.dma(1, 0x1000);
		s.dma(1, 0x40000000);
	}
};

TEST(BudgetRow, WalkCacheLeafHitS1L3)
{
	NoTbuTlbs t;
	EXPECT_EQ(LT + C + W + LB + R, lat(t.s.dma(1, 0x1000))) << "no descriptor read, no walk slot";
	EXPECT_EQ(1u, t.s.stat("tcu.walk.leaf_hits"));
	EXPECT_EQ(2u, t.s.stat("tcu.walks")) << "the hit is not a walk";
}

TEST(BudgetRow, WalkCacheLeafHitBlockS1L2)
{
	NoTbuTlbs t;
	EXPECT_EQ(LT + C + W + LB + R, lat(t.s.dma(1, 0x40000000 + 0x1234 * 8)));
	EXPECT_EQ(1u, t.s.stat("tcu.walk.leaf_hits"));
}

TEST(BudgetRow, WalkCacheLeafLevelOff)
{
	NoTbuTlbs t("0");
	EXPECT_EQ(LT + C + W + R + LB + R, lat(t.s.dma(1, 0x1000))) << "level-2 table hit: the level-3 PTE is read";
	EXPECT_EQ(LT + C + W + LB + R, lat(t.s.dma(1, 0x40000000))) << "a block lives in the level-2 cache";
}

TEST(BudgetRow, WalkCacheLeafInvalidatedByLeafTlbi)
{
	// TLBI_NH_VA Leaf=1 removes the cached leaf and keeps the level-2 table: one PTE read again.
	NoTbuTlbs t;
	t.s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 1),
		SMMU_PREP(CMD1_LEAF, 1) | SMMU_PREP(CMD1_ADDR, 0x1000 >> 12));
	ASSERT_TRUE(t.s.sync());
	EXPECT_EQ(LT + C + W + R + LB + R, lat(t.s.dma(1, 0x1000)));
	EXPECT_EQ(LT + C + W + LB + R, lat(t.s.dma(1, 0x40000000))) << "another VA's leaf stays";
}

TEST_F(Budget, FullWalkConfigHit)
{
	s.dma(1, 0x1000);
	EXPECT_EQ(U + M + LT + C + W + 4 * R + LB + R, lat(s.dma(1, 0x8000001000ull))) << "walk cache misses every level";
}

TEST_F(Budget, TranslationFaultAtLevel0NoDataAccess)
{
	// STE + CD + the invalid level-0 descriptor, then the response; no data access.
	EXPECT_EQ(U + M + LT + C + W + 3 * R + LB, lat(s.dma(1, 0x10000000000ull)));
}

TEST_F(Budget, PermissionFaultOnTlbHitCostsTheLookup)
{
	s.map(ttb, 0x3000, DATA, PTE_RW | SMMU_PREP(PTE_AP2, 1)); // read-only
	s.dma(1, 0x3000);
	auto r = s.dma(1, 0x3000, /*write=*/true);
	EXPECT_EQ(EVT_F_PERMISSION, r.event);
	EXPECT_EQ(U, lat(r)) << "detected in the TBU on the micro-TLB hit; no data access";
}

TEST(BudgetRow, MainTlbHit)
{
	Sim s({{"tbu.utlb.entries", "1"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.map(ttb, 0x2000, DATA);
	s.dma(1, 0x1000);
	s.dma(1, 0x2000);
	EXPECT_EQ(U + M + R, lat(s.dma(1, 0x1000)));
}

TEST(BudgetRow, MainTlbHitSecondPageSize)
{
	Sim s({{"tbu.utlb.entries", "1"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.map(ttb, 0x40000000, 0x40000000, PTE_RW, 1);
	s.dma(1, 0x40000000);
	s.dma(1, 0x1000);
	EXPECT_EQ(U + M + 1 + R, lat(s.dma(1, 0x40000000))) << "one extra probe per page size";
}

// ---- the system-level cache (mem.slc.*) and the data latency --------------------------------------

constexpr uint64_t S = 30; // mem.slc.latency default

TEST(BudgetRow, SystemCacheHitOnPteLine)
{
	// Page 2's level-3 PTE shares a 64-byte line with page 1's: after page 1's walk it hits.
	Sim s({{"mem.slc.size", "1M"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.map(ttb, 0x2000, DATA);
	EXPECT_EQ(U + M + LT + C + W + 6 * R + LB + R, lat(s.dma(1, 0x1000))) << "cold: every line misses";
	EXPECT_EQ(U + M + LT + C + W + S + LB + R, lat(s.dma(1, 0x2000)));
	EXPECT_EQ(1u, s.stat("mem.slc.hits.pte.l3"));
	EXPECT_EQ(S, s.stat("mem.cycles.pte.l3") - R);
	EXPECT_EQ(0u, s.stat("mem.slc.hits.data")) << "data bypasses it by default";
}

TEST(BudgetRow, SystemCacheHitsConfigurationReads)
{
	// No configuration cache: the second translation re-reads STE and CD, both from the SLC.
	Sim s({{"mem.slc.size", "1M"}, {"tcu.cfg.entries", "0"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.map(ttb, 0x2000, DATA);
	s.dma(1, 0x1000);
	EXPECT_EQ(U + M + LT + C + S + S + W + S + LB + R, lat(s.dma(1, 0x2000)));
	EXPECT_EQ(1u, s.stat("mem.slc.hits.ste"));
	EXPECT_EQ(1u, s.stat("mem.slc.hits.cd"));
}

TEST(BudgetRow, SystemCacheForDataAndDataLatency)
{
	// mem.slc.data: the second access to a data line hits; mem.data_latency times a data miss.
	Sim s({{"mem.slc.size", "1M"}, {"mem.slc.data", "1"}, {"mem.data_latency", "50"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	EXPECT_EQ(U + M + LT + C + W + 6 * R + LB + 50, lat(s.dma(1, 0x1000)));
	EXPECT_EQ(U + S, lat(s.dma(1, 0x1004))) << "micro-TLB hit, data line in the SLC";
	EXPECT_EQ(1u, s.stat("mem.slc.hits.data"));
	EXPECT_EQ(50 + S, s.stat("mem.cycles.data"));
}

// ---- configuration-cache misses per stream-table and CD layout ---------------------------------

// 2-level stream table (split 8): StreamIDs a = 5<<8|3 and b = 5<<8|4 share one L1STD.
struct TwoLevelSt {
	Sim s;
	uint64_t ttb_a = 0, ttb_b = 0;
	static constexpr uint32_t a = (5u << 8) | 3u, b = (5u << 8) | 4u;
	explicit TwoLevelSt(bool cache_l1) : s({{"tcu.cfg.cache_l1", cache_l1 ? "1" : "0"}})
	{
		s.boot(20, STRTAB_FMT_2LVL, 8);
		const uint64_t l2 = 0x2000000;
		s.m64(STRTAB + 8 * 5, l2 | SMMU_PREP(L1STD_SPAN, 9));
		ttb_a = s.new_table();
		ttb_b = s.new_table();
		s.cd(CDTAB, Sim::cd0(1), ttb_a);
		s.cd(CDTAB + 64, Sim::cd0(2), ttb_b);
		s.ste(3, Sim::ste0_s1(CDTAB), 0, l2);
		s.ste(4, Sim::ste0_s1(CDTAB + 64), 0, l2);
		s.map(ttb_a, 0x1000, DATA);
		s.map(ttb_b, 0x1000, DATA);
	}
};

TEST(BudgetRow, ConfigMissTwoLevelSt)
{
	TwoLevelSt t(false);
	EXPECT_EQ(U + M + LT + C + W + 7 * R + LB + R, lat(t.s.dma(t.a, 0x1000))) << "L1STD + STE + CD + 4 PTEs";
	EXPECT_EQ(U + M + LT + C + W + 7 * R + LB + R, lat(t.s.dma(t.b, 0x1000))) << "L1STD read again (not cached)";
}

TEST(BudgetRow, ConfigMissTwoLevelStL1Cached)
{
	TwoLevelSt t(true);
	EXPECT_EQ(U + M + LT + C + W + 7 * R + LB + R, lat(t.s.dma(t.a, 0x1000)));
	EXPECT_EQ(U + M + LT + C + W + 6 * R + LB + R, lat(t.s.dma(t.b, 0x1000))) << "L1STD hit: STE + CD + 4 PTEs";
}

// Stream 2 with substreams: CD layout `fmt`, SSIDs x and y in the same CD leaf, one page table
// (same ASID), so y after x misses only its CD (the STE is cached, the walk cache hits at L2).
struct CdLayout {
	Sim s;
	uint64_t ttb = 0;
	uint32_t x = 0, y = 0;
	CdLayout(unsigned fmt, bool cache_l1) : s({{"tcu.cfg.cache_l1", cache_l1 ? "1" : "0"}})
	{
		s.boot();
		ttb = s.new_table();
		s.map(ttb, 0x1000, DATA);
		s.map(ttb, 0x2000, DATA);
		const unsigned split = fmt == STE_S1FMT_64K_L2 ? 10 : 6;
		x = (3u << split) | 5u;
		y = (3u << split) | 6u;
		s.ste(2, Sim::ste0_s1(CDTAB, 16, fmt), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
		uint64_t cdbase = CDTAB;
		if (fmt != STE_S1FMT_LINEAR) {
			cdbase = 0xA00000;
			s.m64(CDTAB + 8 * 3, cdbase | SMMU_PREP(L1CD_V, 1));
			cdbase -= 0; // leaf holds CDs indexed by the low `split` bits
			s.cd(cdbase + 64 * 5, Sim::cd0(7), ttb);
			s.cd(cdbase + 64 * 6, Sim::cd0(7), ttb);
		} else {
			s.cd(CDTAB + 64ull * x, Sim::cd0(7), ttb);
			s.cd(CDTAB + 64ull * y, Sim::cd0(7), ttb);
		}
	}
};

TEST(BudgetRow, ConfigMissLinearCdTable)
{
	CdLayout t(STE_S1FMT_LINEAR, false);
	EXPECT_EQ(U + M + LT + C + W + 6 * R + LB + R, lat(t.s.dma_ssid(2, t.x, 0x1000))) << "STE + CD + 4 PTEs";
	EXPECT_EQ(U + M + LT + C + W + 2 * R + LB + R, lat(t.s.dma_ssid(2, t.y, 0x2000))) << "CD + 1 PTE";
}

void two_level_cd(unsigned fmt)
{
	{
		CdLayout t(fmt, false);
		EXPECT_EQ(U + M + LT + C + W + 7 * R + LB + R, lat(t.s.dma_ssid(2, t.x, 0x1000))) << "STE + L1CD + CD + 4 PTEs";
		EXPECT_EQ(U + M + LT + C + W + 3 * R + LB + R, lat(t.s.dma_ssid(2, t.y, 0x2000))) << "L1CD + CD + 1 PTE";
		EXPECT_EQ(2u, t.s.stat("mem.reads.l1cd"));
	}
}
void two_level_cd_cached(unsigned fmt)
{
	CdLayout t(fmt, true);
	EXPECT_EQ(U + M + LT + C + W + 7 * R + LB + R, lat(t.s.dma_ssid(2, t.x, 0x1000)));
	EXPECT_EQ(U + M + LT + C + W + 2 * R + LB + R, lat(t.s.dma_ssid(2, t.y, 0x2000))) << "L1CD hit: CD + 1 PTE";
	EXPECT_EQ(1u, t.s.stat("mem.reads.l1cd"));
}
// One SystemC simulation per process: the uncached and cached variants are separate tests.
TEST(BudgetRow, ConfigMissTwoLevelCd4k) { two_level_cd(STE_S1FMT_4K_L2); }
TEST(BudgetRow, ConfigMissTwoLevelCd64k) { two_level_cd(STE_S1FMT_64K_L2); }
TEST(BudgetRow, ConfigMissTwoLevelCd4kL1Cached) { two_level_cd_cached(STE_S1FMT_4K_L2); }
TEST(BudgetRow, ConfigMissTwoLevelCd64kL1Cached) { two_level_cd_cached(STE_S1FMT_64K_L2); }

TEST(BudgetRow, ParametersAddUp)
{
	Sim s({{"mem.latency", "10"}, {"mem.data_latency", "11"}, {"tbu.utlb.latency", "2"}, {"tbu.mtlb.latency", "5"},
	       {"tbu.link.to_tcu", "3"}, {"tbu.link.to_tbu", "4"}, {"tcu.cfg.latency", "6"}, {"tcu.walk.latency", "7"},
	       {"mem.bytes_per_cycle", "16"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	// STE and CD are 64-byte reads: 4 beats at 16 B/cycle, so 10 + 3 cycles each; PTEs 8 bytes.
	EXPECT_EQ(2u + 5 + 3 + 6 + 2 * (10 + 3) + 7 + 4 * 10 + 4 + 11, lat(s.dma(1, 0x1000)));
	EXPECT_EQ(2u + 11 + 3, lat(s.dma(1, 0x1000, false, nullptr, 64))) << "64-byte data access: 4 beats";
}

// ---- stage 2: the stage-2 walk caches (tcu.walk.s2l*.entries) --------------------------------------

// Stage-2 leaf: AF, S2AP read+write, Normal WB, inner shareable.
constexpr uint64_t S2_RW = SMMU_PREP(PTE_AF, 1) | (3ull << 6) | (0xFull << 2) | SMMU_PREP(PTE_SH, 3);
constexpr uint16_t kVmid = 2;

// Stream 4 nested (VMID 2, ASID 7) and stream 3 stage-2 only (VMID 2). Stage 2 (4 KB granule, from
// level 0) maps the first GB, where every table and the CD live, by one identity level-1 block, so
// the stage-2 walk of a table address reads 2 descriptors; IPAs 0x80001000.. map to DATA by 4 levels.
// Stage-1 pages 0x1000 and 0x2000 map to IPAs 0x80001000 and 0x80002000.
struct Nested {
	Sim s;
	uint64_t s1ttb = 0;
	explicit Nested(std::vector<std::pair<std::string, std::string>> cfg = {}) : s(with_s2(cfg))
	{
		s.boot();
		const uint64_t s2ttb = s.new_table();
		s.map(s2ttb, 0, 0, S2_RW, 1);
		s1ttb = s.new_table();
		for (uint64_t p : {1, 2}) {
			s.map(s1ttb, p << 12, 0x80000000 | p << 12);
			s.map(s2ttb, 0x80000000 | p << 12, DATA + (p << 12), S2_RW);
		}
		const uint64_t cdpa = CDTAB + 64 * 4;
		s.cd(cdpa, Sim::cd0(7), s1ttb);
		const uint64_t dw2 = SMMU_PREP(STE2_S2VMID, kVmid) | SMMU_PREP(STE2_S2T0SZ, 16) | SMMU_PREP(STE2_S2SL0, 2) |
				     SMMU_PREP(STE2_S2PS, SMMU_OAS_48) | SMMU_PREP(STE2_S2AA64, 1) | SMMU_PREP(STE2_S2R, 1);
		const uint64_t nested[8] = {Sim::ste0_s1(cdpa) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_NESTED), 0, dw2, s2ttb};
		const uint64_t s2only[8] = {Sim::ste0_cfg(STE_CONFIG_S2_TRANS), 0, dw2, s2ttb};
		s.mwrite(STRTAB + 64 * 4, nested, 8);
		s.mwrite(STRTAB + 64 * 3, s2only, 8);
	}
	static std::vector<std::pair<std::string, std::string>> with_s2(std::vector<std::pair<std::string, std::string>> c)
	{
		c.insert(c.begin(), {"smmu.s2p", "1"});
		return c;
	}
	static std::vector<std::pair<std::string, std::string>> no_tlbs(const char *strict = "0")
	{
		return {{"tbu.utlb.entries", "0"}, {"tbu.mtlb.entries", "0"}, {"smmu.strict", strict}};
	}
	// TLBI_S2_IPA of ipa (VMID 2), with TG = 4 KB and TTL when ttl > 0, then CMD_SYNC.
	void tlbi_s2_ipa(uint64_t ipa, bool leaf, unsigned ttl = 0)
	{
		s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_S2_IPA) | SMMU_PREP(CMD0_VMID, kVmid),
		      SMMU_PREP(CMD1_LEAF, leaf) | SMMU_PREP(CMD1_ADDR, ipa >> 12) |
			      (ttl ? SMMU_PREP(CMD1_TLBI_TG, 1) | SMMU_PREP(CMD1_TLBI_TTL, ttl) : 0));
		ASSERT_TRUE(s.sync());
	}
	void tlbi(unsigned op)
	{
		s.cmd(SMMU_PREP(CMD0_OPCODE, op) | SMMU_PREP(CMD0_VMID, kVmid));
		ASSERT_TRUE(s.sync());
	}
};
const std::vector<std::pair<std::string, std::string>> kNoS2Walk = {
	{"tcu.walk.s2l0.entries", "0"}, {"tcu.walk.s2l1.entries", "0"}, {"tcu.walk.s2l2.entries", "0"}, {"tcu.walk.s2l3.entries", "0"}};

TEST(BudgetRow, NestedWalkWithStage2WalkCacheHits)
{
	// Page 2 after page 1: the stage-1 level-2 entry gives the level-3 table's IPA; its stage-2
	// walk hits the level-1 block (no read); the level-3 PTE; the output IPA's stage-2 walk hits
	// the level-2 table: one stage-2 PTE. Three walk-cache lookups.
	Nested n;
	n.s.dma(4, 0x1000);
	const uint64_t lookups = n.s.stat("tcu.walk.s2.lookups"), hits = n.s.stat("tcu.walk.s2.hits"),
		       leaves = n.s.stat("tcu.walk.s2.leaf_hits");
	auto l2_hits = [&] { return n.s.stat("tcu.walk.s2l2.lookups") - n.s.stat("tcu.walk.s2l2.misses"); };
	const uint64_t l2 = l2_hits();
	EXPECT_EQ(U + M + LT + C + W + W + R + W + R + LB + R, lat(n.s.dma(4, 0x2000)));
	EXPECT_EQ(2u, n.s.stat("tcu.walk.s2.lookups") - lookups);
	EXPECT_EQ(2u, n.s.stat("tcu.walk.s2.hits") - hits);
	EXPECT_EQ(1u, n.s.stat("tcu.walk.s2.leaf_hits") - leaves) << "the block";
	EXPECT_EQ(l2 + 1, l2_hits()) << "the output IPA's walk hit at level 2";
}

TEST(BudgetRow, NestedWalkWithoutStage2WalkCaches)
{
	// The same with every stage-2 level off: no stage-2 lookup; the table's stage-2 walk reads
	// 2 descriptors (level 0, the block), the output IPA's 4.
	Nested n(kNoS2Walk);
	n.s.dma(4, 0x1000);
	EXPECT_EQ(U + M + LT + C + W + 2 * R + R + 4 * R + LB + R, lat(n.s.dma(4, 0x2000)));
	EXPECT_EQ(0u, n.s.stat("tcu.walk.s2.lookups"));
}

TEST(BudgetRow, NestedLeavesOfBothStagesCached)
{
	// No TBU TLBs: a second access to page 1 hits the stage-1 leaf and the stage-2 leaf of its IPA:
	// two lookups, no descriptor read, no walk slot.
	Nested n(Nested::no_tlbs());
	n.s.dma(4, 0x1000);
	const uint64_t walks = n.s.stat("tcu.ptw.slots.busy_cycles");
	EXPECT_EQ(LT + C + W + W + LB + R, lat(n.s.dma(4, 0x1000)));
	EXPECT_EQ(walks, n.s.stat("tcu.ptw.slots.busy_cycles")) << "no walk slot held";
}

TEST(BudgetRow, Stage2OnlyWalkCacheHit)
{
	// Stage-2-only stream: the second page of a 2 MB region hits the stage-2 level-2 table.
	Nested n;
	n.s.dma(3, 0x80001000);
	EXPECT_EQ(U + M + LT + C + W + R + LB + R, lat(n.s.dma(3, 0x80002000)));
}

TEST(BudgetRow, Stage2OnlyWithoutStage2WalkCaches)
{
	Nested n(kNoS2Walk);
	n.s.dma(3, 0x80001000);
	EXPECT_EQ(U + M + LT + C + 4 * R + LB + R, lat(n.s.dma(3, 0x80002000)));
}

// No TBU TLBs; pages 1 and 2 walked, so both stages' leaves are cached.
struct Stage2Tlbi : ::testing::Test {
	Nested n{Nested::no_tlbs()};
	void SetUp() override
	{
		n.s.dma(4, 0x1000);
		n.s.dma(4, 0x2000);
	}
};

TEST_F(Stage2Tlbi, S2IpaLeafKeepsTables)
{
	// TLBI_S2_IPA Leaf = 1 removes the IPA's stage-2 leaf only: the level-2 table still hits.
	n.tlbi_s2_ipa(0x80001000, true);
	EXPECT_EQ(LT + C + W + W + R + LB + R, lat(n.s.dma(4, 0x1000)));
	EXPECT_EQ(LT + C + W + W + LB + R, lat(n.s.dma(4, 0x2000))) << "another IPA's leaf stays";
}

TEST_F(Stage2Tlbi, S2IpaRemovesTablesAbove)
{
	// Leaf = 0 also removes the tables above it (levels 0..2): a 4-level stage-2 walk.
	n.tlbi_s2_ipa(0x80001000, false);
	EXPECT_EQ(LT + C + W + W + 4 * R + LB + R, lat(n.s.dma(4, 0x1000)));
	EXPECT_EQ(LT + C + W + W + LB + R, lat(n.s.dma(4, 0x2000))) << "another IPA's leaf stays";
}

TEST_F(Stage2Tlbi, NhAllKeepsStage2)
{
	// TLBI_NH_ALL removes stage-1 entries only: a full stage-1 walk whose table addresses and
	// output IPA all hit stage 2 (no stage-2 read).
	n.tlbi(CMD_TLBI_NH_ALL);
	EXPECT_EQ(LT + C + W + 4 * (W + R) + W + LB + R, lat(n.s.dma(4, 0x1000)));
}

// TLBI_S12_VMALL and TLBI_NSNH_ALL remove both stages: the level-0 table's stage-2 walk reads
// level 0 and the block, the next three hit the block, the output IPA hits level 0 (3 reads).
constexpr uint64_t kBothStagesCold = LT + C + W + (W + 2 * R) + R + 3 * (W + R) + (W + 3 * R) + LB + R;

TEST_F(Stage2Tlbi, S12VmallRemovesBothStages)
{
	n.tlbi(CMD_TLBI_S12_VMALL);
	EXPECT_EQ(kBothStagesCold, lat(n.s.dma(4, 0x1000)));
}

TEST_F(Stage2Tlbi, NsnhAllRemovesBothStages)
{
	n.tlbi(CMD_TLBI_NSNH_ALL);
	EXPECT_EQ(kBothStagesCold, lat(n.s.dma(4, 0x1000)));
}

// TG = 4 KB, TTL = 2: the required scope is leaves at level 2 and (Leaf = 0) tables at levels
// 0..1. Strict mode removes exactly that, so the level-3 leaf of the IPA stays; the lenient model
// ignores TTL and removes it.
void s2_ipa_ttl(const char *strict, uint64_t expect)
{
	Nested n(Nested::no_tlbs(strict));
	n.s.dma(4, 0x1000);
	n.tlbi_s2_ipa(0x80001000, true, 2);
	EXPECT_EQ(expect, lat(n.s.dma(4, 0x1000)));
}
TEST(BudgetRow, Stage2WalkCacheTtlStrict) { s2_ipa_ttl("1", LT + C + W + W + LB + R); }
TEST(BudgetRow, Stage2WalkCacheTtlLenient) { s2_ipa_ttl("0", LT + C + W + W + R + LB + R); }

// ---- structural hazards --------------------------------------------------------------------------

struct smmusim_dma req(uint32_t sid, uint64_t addr, uint32_t port, uint32_t size = 4)
{
	struct smmusim_dma d = {};
	d.sid = sid;
	d.addr = addr;
	d.port = port;
	d.size = size;
	return d;
}

std::vector<smmusim_dma_result> run_all(Sim &s, size_t n, uint64_t cycles = 5000)
{
	s.run(cycles);
	std::vector<smmusim_dma_result> out(n + 1);
	size_t got = smmusim_dma_poll(s.sim, out.data(), n + 1);
	EXPECT_EQ(n, got);
	out.resize(got);
	std::sort(out.begin(), out.end(), [](auto &a, auto &b) { return a.tag < b.tag; });
	return out;
}

// The contention case of docs/timing.md: 4 TBUs, 2 TCU translation slots, each TBU misses once at
// the same cycle T (config cached, walk-cache hit at level 2: one PTE read each).
//
//   tx k (port k)   link in       TCU slot         cfg   walk  PTE read (channel)   link out  data (channel)   done
//   tx0             T+4 -> T+12   T+12             T+15  T+19  T+19 -> T+119        -> T+127  T+127 -> T+227   T+227
//   tx1             T+5 -> T+13   T+13             T+16  T+20  T+20 -> T+120        -> T+128  T+128 -> T+228   T+228
//   tx2             T+6 -> T+14   T+119 (tx0's)    T+122 T+126 T+126 -> T+226       -> T+234  T+234 -> T+334   T+334
//   tx3             T+7 -> T+15   T+120 (tx1's)    T+123 T+127 T+129 -> T+229 (*)   -> T+237  T+237 -> T+337   T+337
//
// Every transaction reaches its TBU's main-TLB miss at T+1+3 = T+4; the shared link takes one
// request per cycle (tx k leaves at T+4+k); cfg and walk lookups are 3 and 4 cycles; (*) the
// channel cycles T+127 and T+128 carry tx0's and tx1's data, so tx3's PTE read starts at T+129.
TEST(Contention, FourTbusTwoTcuSlots)
{
	Sim s({{"tcu.xlate.slots", "2"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	for (uint64_t p = 1; p <= 5; p++)
		s.map(ttb, p << 12, DATA + (p << 12));
	s.dma(1, 0x1000); // warms the configuration and walk caches (port 0 TLBs hold page 1 only)
	const uint64_t T = s.now() + 10;
	for (uint32_t k = 0; k < 4; k++) {
		struct smmusim_dma d = req(1, (k + 2ull) << 12, k);
		ASSERT_EQ(0, smmusim_dma_submit(s.sim, &d, T, k));
	}
	auto r = run_all(s, 4);
	ASSERT_EQ(4u, r.size());
	EXPECT_EQ(T + 227, r[0].done_cycle);
	EXPECT_EQ(T + 228, r[1].done_cycle);
	EXPECT_EQ(T + 334, r[2].done_cycle);
	EXPECT_EQ(T + 337, r[3].done_cycle);
	EXPECT_EQ(2u, s.stat("tcu.xlate.slots.stalls"));
	EXPECT_EQ((119u - 14) + (120 - 15), s.stat("tcu.xlate.slots.stall_cycles"));
	EXPECT_EQ(2u, s.stat("tcu.xlate.slots.max"));
	EXPECT_EQ(1u + 2 + 3, s.stat("tcu.link.stall_cycles"));
	EXPECT_EQ(2u, s.stat("mem.channel.stall_cycles"));
}

TEST(Hazards, MissesToOnePageMerge)
{
	Sim s;
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	const uint64_t T = s.now() + 10;
	struct smmusim_dma a = req(1, 0x1000, 0), b = req(1, 0x1040, 0);
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &a, T, 0));
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &b, T + 1, 1));
	auto r = run_all(s, 2);
	const uint64_t first = U + M + LT + C + 2 * R + W + 4 * R + LB; // translation back at T + 627
	EXPECT_EQ(T + first + R, r[0].done_cycle);
	// b waits for a's fill, then its data beat follows a's on the channel.
	EXPECT_EQ(T + first + 1 + R, r[1].done_cycle);
	EXPECT_EQ(1u, s.stat("tbu.requests"));
	EXPECT_EQ(1u, s.stat("tbu.merged"));
	EXPECT_EQ(6u, s.stat("mem.reads.ste") + s.stat("mem.reads.cd") + s.stat("mem.reads.pte.l0") +
			      s.stat("mem.reads.pte.l1") + s.stat("mem.reads.pte.l2") + s.stat("mem.reads.pte.l3"))
		<< "one walk";
}

// The most fills one translation records (Path::kMaxFills): L1STD, STE, L1CD and CD into the
// configuration cache, four walk-cache levels, then the main and micro TLB. The TLB fills come
// last, so a second miss to the page merges only if none was dropped.
TEST(Hazards, WorstCaseFillsStillMerge)
{
	Sim s({{"tcu.cfg.cache_l1", "1"}});
	s.boot(20, STRTAB_FMT_2LVL, 8);
	const uint64_t l2 = 0x2000000, leaf = 0xA00000;
	s.m64(STRTAB + 8 * 5, l2 | SMMU_PREP(L1STD_SPAN, 9));
	const uint64_t ttb = s.new_table();
	s.map(ttb, 0x1000, DATA);
	s.ste(3, Sim::ste0_s1(CDTAB, 16, STE_S1FMT_4K_L2), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0), l2);
	s.m64(CDTAB + 8 * 3, leaf | SMMU_PREP(L1CD_V, 1));
	s.cd(leaf + 64 * 5, Sim::cd0(7), ttb);
	const uint32_t sid = (5u << 8) | 3u, ssid = (3u << 6) | 5u;
	const uint64_t T = s.now() + 10;
	struct smmusim_dma a = req(sid, 0x1000, 0), b = req(sid, 0x1040, 0);
	a.ssv = b.ssv = true;
	a.ssid = b.ssid = ssid;
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &a, T, 0));
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &b, T + 1, 1));
	auto r = run_all(s, 2);
	ASSERT_EQ(2u, r.size());
	EXPECT_EQ(1u, s.stat("mem.reads.l1std") + s.stat("mem.reads.ste") + s.stat("mem.reads.l1cd") +
			      s.stat("mem.reads.cd") - 3)
		<< "each configuration structure read once";
	EXPECT_EQ(4u, s.stat("mem.reads.pte.l0") + s.stat("mem.reads.pte.l1") + s.stat("mem.reads.pte.l2") +
			      s.stat("mem.reads.pte.l3"));
	EXPECT_EQ(1u, s.stat("tbu.merged"));
	// b waits for a's TLB fill, then its data beat follows a's on the channel.
	EXPECT_EQ(r[0].done_cycle + 1, r[1].done_cycle);
}

TEST(Hazards, HitUnderMiss)
{
	Sim s;
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.map(ttb, 0x2000, DATA);
	s.dma(1, 0x1000);
	const uint64_t T = s.now() + 10;
	struct smmusim_dma miss = req(1, 0x2000, 0), hit = req(1, 0x1000, 0);
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &miss, T, 0));
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &hit, T + 1, 1));
	auto r = run_all(s, 2);
	EXPECT_EQ(T + U + M + LT + C + W + R + LB + R, r[0].done_cycle);
	EXPECT_EQ(T + 1 + U + R, r[1].done_cycle) << "the younger hit completes before the older miss";
}

TEST(Hazards, TbuSlotsFullStallMisses)
{
	Sim s({{"tbu.xlate.slots", "1"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	for (uint64_t p = 1; p <= 3; p++)
		s.map(ttb, p << 12, DATA + (p << 12));
	s.dma(1, 0x1000);
	const uint64_t T = s.now() + 10;
	struct smmusim_dma a = req(1, 0x2000, 0), b = req(1, 0x3000, 0);
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &a, T, 0));
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &b, T + 1, 1));
	auto r = run_all(s, 2);
	const uint64_t a_back = T + U + M + LT + C + W + R + LB; // a's translation returns: T+127
	EXPECT_EQ(a_back + R, r[0].done_cycle);
	// b misses at T+1+U+M = T+5 and holds no slot until T+127; then the same TCU path.
	EXPECT_EQ(a_back + LT + C + W + R + LB + R, r[1].done_cycle);
	EXPECT_EQ(1u, s.stat("tbu.slots.stalls"));
	EXPECT_EQ(a_back - (T + 1 + U + M), s.stat("tbu.slots.stall_cycles"));
}

TEST(Hazards, WalkSlotsHoldOnlyWalks)
{
	// One walk slot: a second walk waits for it; a bypass STE (no walk) does not.
	Sim s({{"tcu.ptw.slots", "1"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	for (uint64_t p = 1; p <= 3; p++)
		s.map(ttb, p << 12, DATA + (p << 12));
	s.ste(2, Sim::ste0_cfg(STE_CONFIG_BYPASS));
	s.dma(1, 0x1000);
	s.dma(2, 0x1000, false, nullptr, 4, false, 0, false, false, 3); // STE 2 cached
	const uint64_t T = s.now() + 10;
	struct smmusim_dma a = req(1, 0x2000, 1), b = req(1, 0x3000, 2), c = req(2, 0x5000, 3);
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &a, T, 0));
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &b, T, 1));
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &c, T, 2));
	auto r = run_all(s, 3);
	// a: link T+4 -> T+12, cfg T+15, walk lookup T+19, PTE T+19 -> T+119, back T+127, data T+227.
	EXPECT_EQ(T + 227, r[0].done_cycle);
	// b: link T+5 -> T+13, cfg T+16, walk lookup T+20, walk slot at T+119, PTE -> T+219, back
	// T+227, data channel cycle T+227 -> T+327.
	EXPECT_EQ(T + 327, r[1].done_cycle);
	// c (bypass, config cached): link T+6 -> T+14, cfg T+17, no walk, back T+25, data T+125.
	EXPECT_EQ(T + 125, r[2].done_cycle);
	EXPECT_EQ(99u, s.stat("tcu.ptw.slots.stall_cycles"));
}

// Configuration-walk slots (tcu.ctw.slots): a configuration fetch (here STE + CD, or one STE)
// holds one from its first configuration read to its last; a second stream's fetch waits.
static std::vector<smmusim_dma_result> two_config_misses(uint64_t &T, Sim &s)
{
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.ste(2, Sim::ste0_cfg(STE_CONFIG_BYPASS));
	T = s.now() + 10;
	struct smmusim_dma a = req(1, 0x1000, 0), b = req(2, 0x1000, 1);
	EXPECT_EQ(0, smmusim_dma_submit(s.sim, &a, T, 0));
	EXPECT_EQ(0, smmusim_dma_submit(s.sim, &b, T, 1));
	return run_all(s, 2);
}

TEST(Hazards, ConfigWalkSlotsHoldConfigurationFetches)
{
	Sim s({{"tcu.ctw.slots", "1"}});
	uint64_t T = 0;
	auto r = two_config_misses(T, s);
	// a: link T+4 -> T+12, cfg T+15, CTW slot: STE T+15 -> T+115, CD -> T+215 (slot free), walk
	// lookup T+219, 4 PTEs -> T+619, back T+627, data T+727.
	EXPECT_EQ(T + U + M + LT + C + 2 * R + W + 4 * R + LB + R, r[0].done_cycle);
	// b (bypass STE): link T+5 -> T+13, cfg T+16, waits for the slot until T+215, STE -> T+315,
	// back T+323, data T+423.
	EXPECT_EQ(T + 215 + R + LB + R, r[1].done_cycle);
	EXPECT_EQ(1u, s.stat("tcu.ctw.slots.stalls"));
	EXPECT_EQ(215u - 16, s.stat("tcu.ctw.slots.stall_cycles"));
	EXPECT_EQ(2 * R + R, s.stat("tcu.ctw.slots.busy_cycles"));
	EXPECT_EQ(1u, s.stat("tcu.ctw.slots.max"));
	EXPECT_EQ(2u, s.stat("tcu.ctw.walks"));
}

// b's STE read starts at its configuration lookup, T+16: back T+124, data T+224.
static void config_walks_do_not_wait(const char *slots)
{
	Sim s({{"tcu.ctw.slots", slots}});
	uint64_t T = 0;
	auto r = two_config_misses(T, s);
	EXPECT_EQ(T + 1 + U + M + LT + C + R + LB + R, r[1].done_cycle) << slots; // 1: a had the link first
	EXPECT_EQ(0u, s.stat("tcu.ctw.slots.stall_cycles")) << slots;
}

TEST(Hazards, ConfigWalkSlotsTwoDoNotWait) { config_walks_do_not_wait("2"); }
TEST(Hazards, ConfigWalkSlotsZeroIsNoLimit) { config_walks_do_not_wait("0"); }

TEST(Hazards, TcuSlotsHoldEveryTranslation)
{
	Sim s({{"tcu.xlate.slots", "1"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.ste(2, Sim::ste0_cfg(STE_CONFIG_BYPASS));
	const uint64_t T = s.now() + 5;
	struct smmusim_dma a = req(1, 0x1000, 0), b = req(2, 0x1000, 1);
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &a, T, 0));
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &b, T, 1));
	auto r = run_all(s, 2);
	const uint64_t a_release = T + U + M + LT + C + 2 * R + W + 4 * R; // a leaves the TCU
	EXPECT_EQ(a_release + LB + R, r[0].done_cycle);
	// b: the TCU slot at a_release, then cfg, its STE read, the response and the data.
	EXPECT_EQ(a_release + C + R + LB + R, r[1].done_cycle);
}

TEST(Hazards, WalkCacheLookupSlots)
{
	// One walk-cache lookup slot of 4 cycles: two lookups in the same cycle serialise.
	Sim s({{"tcu.walk.slots", "1"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	for (uint64_t p = 1; p <= 3; p++)
		s.map(ttb, p << 12, DATA + (p << 12));
	s.dma(1, 0x1000);
	const uint64_t T = s.now() + 10;
	struct smmusim_dma a = req(1, 0x2000, 1), b = req(1, 0x3000, 2);
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &a, T, 0));
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &b, T, 1));
	auto r = run_all(s, 2);
	EXPECT_EQ(T + 227, r[0].done_cycle);
	// b: cfg done T+16, walk slot free at T+19 -> T+23, PTE -> T+123, back T+131, data T+231.
	EXPECT_EQ(T + 231, r[1].done_cycle);
	EXPECT_EQ(3u, s.stat("tcu.walk.stall_cycles"));
}

TEST(Hazards, MemoryChannelBandwidth)
{
	// 4 bytes per cycle: a 64-byte access holds the channel 16 cycles; a second one waits.
	Sim s({{"mem.bytes_per_cycle", "4"}});
	const uint64_t T = s.now() + 10;
	struct smmusim_dma a = req(0, DATA, 0, 64), b = req(0, DATA + 64, 1, 64);
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &a, T, 0));
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &b, T, 1));
	auto r = run_all(s, 2);
	EXPECT_EQ(T + 15 + R, r[0].done_cycle) << "SMMUEN=0: bypass, 16 beats";
	EXPECT_EQ(T + 16 + 15 + R, r[1].done_cycle);
	EXPECT_EQ(16u, s.stat("mem.channel.stall_cycles"));
	EXPECT_EQ(32u, s.stat("mem.channel.busy_cycles"));
}

TEST(Hazards, LaterHitUsesEarlierChannelGap)
{
	// A miss reserves the channel at future cycles; a hit computed after it for an earlier
	// cycle is not blocked by those reservations (the channel is a calendar, not a free pointer).
	Sim s;
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.map(ttb, 0x2000, DATA);
	s.dma(1, 0x1000);
	const uint64_t T = s.now() + 10;
	struct smmusim_dma miss = req(1, 0x2000, 1), hit = req(1, 0x1000, 0);
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &miss, T, 0));
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &hit, T + 100, 1));
	auto r = run_all(s, 2);
	EXPECT_EQ(T + 227, r[0].done_cycle);
	// Its data access at T+101 is before the miss's data beat at T+127 (already reserved).
	EXPECT_EQ(T + 100 + U + R, r[1].done_cycle);
}

// ---- command queue -------------------------------------------------------------------------------

TEST(CommandBudget, InvalidationThenSync)
{
	// TLBI: cmd_cycles 4 + cmd_inv_cycles 8; CMD_SYNC: 4 + cmd_sync_cycles 2. The SYNC completes
	// (CONS passes it) 18 cycles after PROD is written, not one cycle earlier; a transaction
	// issued after that sees the invalidation.
	Sim s;
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.dma(1, 0x1000);
	ASSERT_TRUE(s.sync());
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_NH_ALL));
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_SYNC));
	s.run(17);
	EXPECT_NE(s.r32(SMMU_CMDQ_PROD), s.r32(SMMU_CMDQ_CONS));
	s.run(1);
	EXPECT_EQ(s.r32(SMMU_CMDQ_PROD), s.r32(SMMU_CMDQ_CONS));
	EXPECT_EQ(U + M + LT + C + W + 4 * R + LB + R, lat(s.dma(1, 0x1000))) << "TLBs and walk caches invalidated";
}

TEST(CommandBudget, RegisterReadIsSampledHalfWay)
{
	// smmu.reg_read_cycles = 20: a register read returns 20 cycles after it is issued, with the
	// value of 10 cycles after. A TLBI completes 12 cycles after its PROD write, a CMD_SYNC 6.
	Sim s({{"smmu.reg_read_cycles", "20"}});
	s.boot();
	ASSERT_TRUE(s.sync());
	const uint32_t idle = s.r32(SMMU_CMDQ_CONS);
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_NH_ALL));
	const uint64_t t0 = s.now();
	EXPECT_EQ(idle, s.r32(SMMU_CMDQ_CONS)) << "sampled at +10, before the TLBI completes at +12";
	EXPECT_EQ(t0 + 20, s.now());
	const uint32_t after_tlbi = s.r32(SMMU_CMDQ_CONS);
	EXPECT_NE(idle, after_tlbi) << "sampled at +30";
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_SYNC));
	EXPECT_NE(after_tlbi, s.r32(SMMU_CMDQ_CONS)) << "sampled at +10, after the SYNC completed at +6";
	// An interrupt handler's reads (smmusim_reg_read_timing off) take no simulated time; the
	// statistics count every read and the cycles of the timed ones.
	const uint64_t reads = s.stat("regif.reads"), cycles = s.stat("regif.read_cycles");
	EXPECT_GT(reads, 0u);
	EXPECT_EQ(20 * reads, cycles) << "every read so far was timed";
	EXPECT_EQ(1, smmusim_reg_read_timing(s.sim, 0));
	const uint64_t t1 = s.now();
	s.r32(SMMU_CMDQ_CONS);
	s.r64(SMMU_CMDQ_BASE);
	EXPECT_EQ(t1, s.now());
	EXPECT_EQ(0, smmusim_reg_read_timing(s.sim, 1));
	s.r64(SMMU_CMDQ_BASE);
	EXPECT_EQ(t1 + 20, s.now());
	EXPECT_EQ(reads + 3, s.stat("regif.reads"));
	EXPECT_EQ(cycles + 20, s.stat("regif.read_cycles"));
}

TEST(CommandBudget, InvalidationCostFollowsWhatItSearches)
{
	// smmu.cmd_inv_search_rate = 64: a TLBI searches one TBU's TLBs (32 + 2048) and the walk
	// caches of both stages (2 x (16 + 64 + 256 + 256)): ceil(3264 / 64) = 51 more cycles; with
	// the SYNC 18 + 51 = 69.
	Sim s({{"smmu.cmd_inv_search_rate", "64"}});
	s.boot();
	ASSERT_TRUE(s.sync());
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_NH_ALL));
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_SYNC));
	s.run(68);
	EXPECT_NE(s.r32(SMMU_CMDQ_PROD), s.r32(SMMU_CMDQ_CONS));
	s.run(1);
	EXPECT_EQ(s.r32(SMMU_CMDQ_PROD), s.r32(SMMU_CMDQ_CONS));
}

TEST(CommandBudget, SyncDrainsTranslationsInFlight)
{
	// A cold translation is in flight (back at the TBU at T + 627) when TLBI + CMD_SYNC are
	// written: the SYNC completes when that translation is done, not 18 cycles after PROD.
	Sim s;
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	ASSERT_TRUE(s.sync());
	const uint64_t T = s.now() + 2;
	struct smmusim_dma d = req(1, 0x1000, 0);
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &d, T, 0));
	s.run(5);
	const uint64_t w = s.now();
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_NH_ALL));
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_SYNC));
	uint64_t done = 0;
	for (int i = 0; i < 2000 && !done; i++) {
		s.run(1);
		if (s.r32(SMMU_CMDQ_PROD) == s.r32(SMMU_CMDQ_CONS))
			done = s.now();
	}
	const uint64_t xlate = T + U + M + LT + C + 2 * R + W + 4 * R + LB;
	EXPECT_EQ(xlate, done);
	EXPECT_EQ(xlate - (w + 18), s.stat("cmdq.sync.drain_cycles"));
}

// The command log (smmusim_cmd_poll) gives each command's times as the rows above have them: the
// TLBI consumed at the PROD write and done 12 cycles later, the CMD_SYNC from there until the
// translation in flight is done (its drain, which cmdq.sync.drain_cycles counts), both seen by
// software at its first CONS read after that; a command that raises CERROR is seen at once.
TEST(CommandBudget, CommandLogGivesEachCommandsTimes)
{
	Sim s;
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	ASSERT_TRUE(s.sync());
	smmusim_cmd_record rec[4];
	EXPECT_EQ(0u, smmusim_cmd_poll(s.sim, rec, 4, true)) << "off by default";
	smmusim_cmd_log(s.sim, true);
	const uint64_t T = s.now() + 2;
	struct smmusim_dma d = req(1, 0x1000, 0);
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &d, T, 0));
	s.run(5);
	const uint64_t w = s.now();
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_NH_ASID) | SMMU_PREP(CMD0_ASID, 1));
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_SYNC));
	const uint64_t xlate = T + U + M + LT + C + 2 * R + W + 4 * R + LB;
	s.run(xlate + 10 - s.now()); // no CONS read on the way
	EXPECT_EQ(0u, smmusim_cmd_poll(s.sim, rec, 4, false)) << "software has not read CONS yet";
	const uint64_t seen = s.now();
	(void)s.r32(SMMU_CMDQ_CONS);
	ASSERT_EQ(2u, smmusim_cmd_poll(s.sim, rec, 4, false));
	EXPECT_EQ(CMD_TLBI_NH_ASID, SMMU_GET(rec[0].dw[0], CMD0_OPCODE));
	EXPECT_EQ(1u, SMMU_GET(rec[0].dw[0], CMD0_ASID));
	EXPECT_EQ(w, rec[0].consumed_cycle);
	EXPECT_EQ(w + 12, rec[0].done_cycle);
	EXPECT_EQ(0u, rec[0].drain_cycles);
	EXPECT_EQ(seen, rec[0].seen_cycle);
	EXPECT_EQ(0u, rec[0].cerror);
	EXPECT_EQ(CMD_SYNC, SMMU_GET(rec[1].dw[0], CMD0_OPCODE));
	EXPECT_EQ(w + 12, rec[1].consumed_cycle);
	EXPECT_EQ(xlate, rec[1].done_cycle);
	EXPECT_EQ(xlate - (w + 18), rec[1].drain_cycles);
	EXPECT_EQ(s.stat("cmdq.sync.drain_cycles"), rec[1].drain_cycles);
	EXPECT_EQ(seen, rec[1].seen_cycle);
	EXPECT_EQ(1u, s.stat("cmdq.op.CMD_TLBI_NH_ASID"));
	EXPECT_STREQ("CMD_TLBI_NH_ASID", smmusim_cmd_name(CMD_TLBI_NH_ASID));
	EXPECT_EQ(nullptr, smmusim_cmd_name(0x7F));
	s.cmd(SMMU_PREP(CMD0_OPCODE, 0x7F)); // reserved: CERROR_ILL stops the queue
	s.run(10);
	ASSERT_EQ(1u, smmusim_cmd_poll(s.sim, rec, 4, false));
	EXPECT_EQ(CERROR_ILL, rec[0].cerror);
	EXPECT_EQ(rec[0].done_cycle, rec[0].seen_cycle);
	EXPECT_EQ(1u, s.stat("cmdq.errors"));
}

// ---- events at the detection cycle, functional mode, output hygiene -------------------------

TEST(Events, WrittenWhenTheFaultIsDetected)
{
	Sim s;
	s.boot();
	s.s1_stream(1, 1); // no mappings: level-0 translation fault
	const uint64_t T = s.now() + 10;
	struct smmusim_dma a = req(1, 0x1000, 0);
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &a, T, 0));
	const uint64_t detect = T + U + M + LT + C + 2 * R + W + R; // after the level-0 read
	s.run(detect - 1 - s.now());
	EXPECT_EQ(0u, s.event_count()) << "not yet detected";
	s.run(1);
	EXPECT_EQ(1u, s.event_count());
	s.run(LB);
	smmusim_dma_result r;
	ASSERT_EQ(1u, smmusim_dma_poll(s.sim, &r, 1));
	EXPECT_EQ(detect + LB, r.done_cycle);
	EXPECT_TRUE(r.event_recorded);
	EXPECT_EQ(EVT_F_TRANSLATION, r.event);
}

TEST(Events, SyncDmaReportsRecordedEvent)
{
	Sim s;
	s.boot();
	s.s1_stream(1, 1);
	auto r = s.dma(1, 0x1000);
	EXPECT_EQ(EVT_F_TRANSLATION, r.event);
	EXPECT_TRUE(r.event_recorded);
	EXPECT_EQ(1u, s.event_count());
}

TEST(FunctionalMode, TranslatesWithoutTiming)
{
	Sim s({{"model.timing", "functional"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	auto r = s.dma(1, 0x1010);
	EXPECT_EQ(SMMUSIM_DMA_OK, r.status);
	EXPECT_EQ(DATA + 0x10, r.pa);
	EXPECT_EQ(0u, lat(r));
	auto f = s.dma(1, 0x5000);
	EXPECT_EQ(EVT_F_TRANSLATION, f.event);
	EXPECT_TRUE(f.event_recorded);
	EXPECT_EQ(0u, s.stat("tbu.requests")) << "no timing resources are used";
	EXPECT_EQ(2u, s.stat("dma.transactions"));
}

TEST(Output, NoSystemCWarningsOnStdout)
{
	testing::internal::CaptureStdout();
	{
		Sim s;
		s.run(0);
		s.run(10);
		s.dma(1, DATA);
		s.relax();
		s.run(0);
	}
	const std::string out = testing::internal::GetCapturedStdout();
	EXPECT_EQ(std::string::npos, out.find("W571")) << out;
	EXPECT_EQ("", out);
}

// ---- statistics ---------------------------------------------------------------------------------

TEST(Stats, ExactPercentilesAndPerStream)
{
	Sim s({{"stats.top_n", "4"}});
	s.boot();
	uint64_t ttb = s.s1_stream(1, 1);
	s.map(ttb, 0x1000, DATA);
	s.dma(1, 0x1000);                 // 727 cycles
	for (int i = 0; i < 98; i++)      // 98 micro-TLB hits: 101 cycles
		s.dma(1, 0x1000);
	s.dma(1, 0x2000);                 // fault after STE/CD hit + 4 PTE reads... (L3 invalid)
	const uint64_t fault_lat = U + M + LT + C + W + R + LB; // walk cache hit at L2, invalid L3
	EXPECT_EQ(100u, s.stat("latency.count"));
	EXPECT_EQ(101u, s.stat("latency.p50"));
	EXPECT_EQ(101u, s.stat("latency.p90"));
	EXPECT_EQ(fault_lat, s.stat("latency.p99")) << "99th of 100 sorted values";
	EXPECT_EQ(727u, s.stat("latency.max"));
	EXPECT_EQ(U, s.stat("xlate.latency.p50")) << "translation latency excludes the data access";
	char *buf = nullptr;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ASSERT_EQ(0, smmusim_stats_json(s.sim, f));
	std::fclose(f);
	std::string json(buf, len);
	free(buf);
	EXPECT_NE(std::string::npos, json.find("{\"sid\": 1, \"transactions\": 100, \"misses\": 2, \"faults\": 1, \"error\": 0}"))
		<< json;
	EXPECT_NE(std::string::npos, json.find("\"latency\": {\"count\": 100,"));
	f = open_memstream(&buf, &len);
	ASSERT_EQ(0, smmusim_stats_text(s.sim, f));
	std::fclose(f);
	std::string text(buf, len);
	free(buf);
	EXPECT_NE(std::string::npos, text.find("latency                mean 107.5, p50 101, p90 101, p99 127, max 727 cycles"))
		<< text;
	EXPECT_NE(std::string::npos, text.find("busiest streams        SID 1: 100 transactions, 2 misses, 1 faults")) << text;
	if (std::getenv("SMMUSIM_SHOW_STATS"))
		std::fputs(text.c_str(), stdout);
}

} // namespace
