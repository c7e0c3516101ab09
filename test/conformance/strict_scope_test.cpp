// Strict mode (smmu.strict, docs/model.md "Strict mode"), the scopes strict_test.cpp leaves out:
// what a CFGI_CD must keep (IHI 0070 §4.3), VMID tagging of the TCU TLB (§3.17), the prefetcher's
// CDs and L1 descriptors (§3.21), and the log line of a RES0 report. As there, each case also runs
// the lenient model where the two differ.
#include "harness.hpp"

using namespace th;

// The conformance suite runs against the strict model; CMake sets this (test/conformance/CMakeLists.txt).
static_assert(SMMUSIM_TEST_STRICT == 1, "the conformance suite is compiled for the strict model");

namespace {

uint64_t op(unsigned o) { return SMMU_PREP(CMD0_OPCODE, o); }

const char *mode(bool strict) { return strict ? "1" : "0"; }

// IHI 0070 §4.3: CFGI_CD invalidates CDs (and with Leaf = 0 the L1CD), not the STE: an STE changed
// without CFGI_STE stays stale across a CFGI_CD of its StreamID, in both modes.
TEST(StrictScope, CfgiCdKeepsTheSte)
{
	Sim s;
	s.boot();
	const uint64_t ttb = s.s1_stream(1, 5);
	s.map(ttb, 0x1000, DATA + 0x1000);
	ASSERT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa);
	s.ste(1, Sim::ste0_cfg(STE_CONFIG_ABORT)); // no CFGI_STE
	s.cmd(op(CMD_CFGI_CD) | SMMU_PREP(CMD0_SID, 1), 0);
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa) << "the cached STE survives CFGI_CD";
	s.cfgi_ste(1);
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(SMMUSIM_DMA_ABORT, s.dma(1, 0x1000).status);
}

// IHI 0070 §4.3: CFGI_CD with Leaf = 1 need not remove the L1CD covering the SubstreamID; Leaf = 0
// must.
TEST(StrictScope, CfgiCdLeafOneKeepsTheL1cd)
{
	Sim s({{"tcu.cfg.cache_l1", "1"}});
	s.boot();
	const uint64_t ttb = s.new_table();
	s.map(ttb, 0x1000, DATA);
	s.ste(2, Sim::ste0_s1(CDTAB, 12, STE_S1FMT_4K_L2), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	s.m64(CDTAB, 0x900000 | 1);
	s.cd(0x900000 + 64 * 1, Sim::cd0(1), ttb);
	s.cd(0x900000 + 64 * 2, Sim::cd0(2), ttb);
	ASSERT_EQ(SMMUSIM_DMA_OK, s.dma_ssid(2, 1, 0x1000).status);
	s.m64(CDTAB, 0); // L1CD 0 invalid in memory, still cached
	s.cmd(op(CMD_CFGI_CD) | SMMU_PREP(CMD0_SID, 2) | SMMU_PREP(CMD0_SSID, 2), SMMU_PREP(CMD1_LEAF, 1));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma_ssid(2, 2, 0x1000).status) << "Leaf = 1 keeps the L1CD";
	s.cmd(op(CMD_CFGI_CD) | SMMU_PREP(CMD0_SID, 2) | SMMU_PREP(CMD0_SSID, 2), 0);
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(EVT_C_BAD_SUBSTREAMID, s.dma_ssid(2, 2, 0x1000).event);
}

// IHI 0070 §3.17: translations are tagged by VMID as well as ASID. Two stage-1-only streams with the
// same ASID under different S2VMIDs (S2P = 1) never share a TCU TLB entry, and a TLBI of one VMID
// leaves the other's. CFGI_STE drops the TBUs' entries, so the TCU TLB answers.
uint64_t s1_dw2(uint16_t vmid) { return SMMU_PREP(STE2_S2VMID, vmid); }

TEST(StrictScope, TcuTlbIsTaggedByVmid)
{
	Sim s({{"smmu.strict", "1"}, {"smmu.s2p", "1"}});
	s.boot();
	uint64_t ttb[2];
	for (uint32_t sid = 1; sid <= 2; sid++) {
		ttb[sid - 1] = s.s1_stream(sid, 5);
		s.map(ttb[sid - 1], 0x1000, DATA + 0x10000 * sid);
		uint64_t dw[8] = {Sim::ste0_s1(CDTAB + 64 * sid), 0, s1_dw2((uint16_t)sid), 0, 0, 0, 0, 0};
		s.mwrite(STRTAB + 64 * sid, dw, 8);
	}
	ASSERT_EQ(DATA + 0x10000, s.dma(1, 0x1000).pa);
	EXPECT_EQ(DATA + 0x20000, s.dma(2, 0x1000).pa) << "VMID 2 does not hit VMID 1's translation";
	for (uint32_t sid = 1; sid <= 2; sid++) {
		s.m64(s.pte_addr(ttb[sid - 1], 0x1000, 3), (DATA + 0x10000 * sid + 0x8000) | PTE_RW | 3);
		s.cfgi_ste(sid);
	}
	s.cmd(op(CMD_TLBI_NH_ASID) | SMMU_PREP(CMD0_ASID, 5) | SMMU_PREP(CMD0_VMID, 2));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x10000, s.dma(1, 0x1000).pa) << "a TLBI of VMID 2 keeps VMID 1's entry";
	EXPECT_EQ(DATA + 0x28000, s.dma(2, 0x1000).pa);
	EXPECT_LT(0u, s.stat("strict.tlb_hits"));
}

// The TCU TLB keeps the entries of other ASIDs across TLBI_NH_VA and TLBI_NH_ASID (IHI 0070
// §4.4.1.1, §4.4.2). The TBUs' entries are dropped (CFGI_STE) after each TLBI, so only the TCU
// TLB can answer with the old translation.
TEST(StrictScope, TcuTlbKeepsOtherAsidsAcrossTlbi)
{
	Sim s({{"smmu.strict", "1"}});
	s.boot();
	uint64_t ttb[3];
	for (uint32_t sid = 1; sid <= 2; sid++) {
		ttb[sid] = s.s1_stream(sid, (uint16_t)(4 + sid)); // ASIDs 5 and 6
		s.map(ttb[sid], 0x1000, DATA + 0x10000 * sid);
		ASSERT_EQ(DATA + 0x10000 * sid, s.dma(sid, 0x1000).pa);
		s.m64(s.pte_addr(ttb[sid], 0x1000, 3), (DATA + 0x10000 * sid + 0x8000) | PTE_RW | 3);
	}
	auto drop_tbus = [&] {
		s.cfgi_ste(1);
		s.cfgi_ste(2);
		ASSERT_TRUE(s.sync());
	};
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 6), SMMU_PREP(CMD1_ADDR, 1) | SMMU_PREP(CMD1_LEAF, 1));
	drop_tbus();
	EXPECT_EQ(DATA + 0x10000, s.dma(1, 0x1000).pa) << "TLBI_NH_VA of ASID 6 keeps ASID 5's entry";
	EXPECT_EQ(DATA + 0x28000, s.dma(2, 0x1000).pa);
	s.m64(s.pte_addr(ttb[2], 0x1000, 3), (DATA + 0x20000) | PTE_RW | 3);
	s.cmd(op(CMD_TLBI_NH_ASID) | SMMU_PREP(CMD0_ASID, 6));
	drop_tbus();
	EXPECT_EQ(DATA + 0x10000, s.dma(1, 0x1000).pa) << "TLBI_NH_ASID of ASID 6 keeps ASID 5's entry";
	EXPECT_EQ(DATA + 0x20000, s.dma(2, 0x1000).pa);
	EXPECT_LT(1u, s.stat("strict.tlb_hits"));
}

// The prefetcher caches valid CDs no transaction used (IHI 0070 §3.21): a CD made invalid without
// CFGI_CD is still used.
void prefetched_cd(bool strict)
{
	Sim s({{"smmu.strict", mode(strict)}});
	s.boot(2); // four StreamIDs, so the prefetcher finds StreamID 1 quickly
	const uint64_t ttb = s.s1_stream(1, 5);
	s.map(ttb, 0x1000, DATA + 0x1000);
	for (int i = 0; i < 64; i++)
		ASSERT_TRUE(s.sync());
	s.cd(CDTAB + 64 * 1, Sim::cd0(5) & ~SMMU_MASK(CD0_V), ttb); // no CFGI_CD: a driver bug
	if (strict)
		EXPECT_EQ(DATA + 0x1000, s.dma(1, 0x1000).pa) << "the prefetched (old) CD is used";
	else
		EXPECT_EQ(EVT_C_BAD_CD, s.dma(1, 0x1000).event);
}
TEST(StrictScope, PrefetcherCachesAnUnusedValidCd) { prefetched_cd(true); }
TEST(StrictScope, LenientCachesCdsOnlyOnUse) { prefetched_cd(false); }

// ... and L1STDs and L1CDs (when the configuration cache holds L1 descriptors): an L1STD or L1CD
// made invalid without CFGI is still used. StreamID 0x41 (2-level stream table, L1STD 1) first
// faults with C_BAD_STREAMID, so the prefetcher has its context to follow; then its tables are
// written (a 2-level CD table, SubstreamID 1 through L1CD 0) and published with CFGI_STE. No
// transaction uses them before both L1 descriptors are made invalid.
void prefetched_l1(bool strict)
{
	Sim s({{"smmu.strict", mode(strict)}, {"tcu.cfg.cache_l1", "1"}});
	s.boot(8, STRTAB_FMT_2LVL, 6);
	ASSERT_EQ(EVT_C_BAD_STREAMID, s.dma_ssid(0x41, 1, 0x1000).event);
	const uint64_t l2 = 0x2000000, ttb = s.new_table();
	s.map(ttb, 0x1000, DATA + 0x1000);
	s.ste(1, Sim::ste0_s1(CDTAB, 12, STE_S1FMT_4K_L2), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0), l2);
	s.m64(CDTAB, 0x900000 | 1);
	s.cd(0x900000 + 64 * 1, Sim::cd0(1), ttb);
	s.m64(STRTAB + 8 * 1, l2 | SMMU_PREP(L1STD_SPAN, 7));
	s.cfgi_ste(0x41, false); // as a driver publishes a new L1STD: the model cached the invalid one
	for (int i = 0; i < 64; i++)
		ASSERT_TRUE(s.sync());
	s.m64(CDTAB, 0);          // no CFGI_CD
	s.m64(STRTAB + 8 * 1, 0); // no CFGI_STE
	const smmusim_dma_result r = s.dma_ssid(0x41, 1, 0x1000);
	if (strict)
		EXPECT_EQ(DATA + 0x1000, r.pa) << "the prefetched L1STD and L1CD are used";
	else
		EXPECT_EQ(EVT_C_BAD_STREAMID, r.event);
}
TEST(StrictScope, PrefetcherCachesUnusedL1Descriptors) { prefetched_l1(true); }
TEST(StrictScope, LenientCachesL1DescriptorsOnlyOnUse) { prefetched_l1(false); }

// A RES0 report is a counter and, with smmu.log, one line on stderr naming the field.
TEST(StrictScope, Res0ReportIsLoggedWithSmmuLog)
{
	Sim s({{"smmu.strict", "1"}, {"smmu.log", "1"}});
	s.boot();
	::testing::internal::CaptureStderr();
	s.cmd(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_TLBI_NUM, 3), 0);
	const bool ok = s.sync();
	const std::string err = ::testing::internal::GetCapturedStderr();
	ASSERT_TRUE(ok);
	EXPECT_EQ(1u, s.stat("strict.res0"));
	EXPECT_NE(std::string::npos, err.find("RES0 bits of CMD_TLBI TG/TTL/NUM/SCALE")) << err;
}

} // namespace
