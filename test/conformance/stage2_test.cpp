// Stage 2 and nested translation (optional feature, smmu.s2p=1): IHI 0070 §5.2, §5.2.2, §3.3.2,
// §7.3, §7.3.22, §3.4.
#include "harness.hpp"

using namespace th;

namespace {

// Stage-2 leaf: AF, S2AP read+write, MemAttr Normal WB, inner shareable.
constexpr uint64_t S2_RW = SMMU_PREP(PTE_AF, 1) | (3ull << 6) | (0xFull << 2) | SMMU_PREP(PTE_SH, 3);
constexpr uint64_t S2_RO = SMMU_PREP(PTE_AF, 1) | (1ull << 6) | (0xFull << 2) | SMMU_PREP(PTE_SH, 3);

struct Stage2 : ::testing::Test {
	Sim s{{"smmu.s2p", "1"}};
	uint64_t s2ttb = 0;
	void SetUp() override
	{
		s.boot();
		s2ttb = s.new_table();
		s.map(s2ttb, 0, 0, S2_RW, 1); // identity IPA = PA for the first GiB (tables, CDs)
	}
	static uint64_t dw2(uint16_t vmid, bool record = true)
	{
		return SMMU_PREP(STE2_S2VMID, vmid) | SMMU_PREP(STE2_S2T0SZ, 16) | SMMU_PREP(STE2_S2SL0, 2) |
		       SMMU_PREP(STE2_S2TG, 0) | SMMU_PREP(STE2_S2PS, SMMU_OAS_48) | SMMU_PREP(STE2_S2AA64, 1) |
		       SMMU_PREP(STE2_S2R, record);
	}
	void ste(uint32_t sid, uint64_t d0, uint64_t d2, uint64_t d1 = 0)
	{
		uint64_t dw[8] = {d0, d1, d2, s2ttb, 0, 0, 0, 0};
		s.mwrite(STRTAB + 64ull * sid, dw, 8);
	}
	uint64_t nested(uint32_t sid, uint16_t vmid, uint16_t asid, uint64_t cd_ipa = 0)
	{
		uint64_t ttb = s.new_table();
		if (!cd_ipa)
			cd_ipa = CDTAB + 64ull * sid;
		s.cd(cd_ipa, Sim::cd0(asid), ttb);
		ste(sid, Sim::ste0_s1(cd_ipa) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_NESTED), dw2(vmid));
		return ttb;
	}
	uint64_t ev[4] = {};
	void expect_s2_fault(unsigned type, unsigned cls, uint64_t ipa, smmusim_dma_result r)
	{
		EXPECT_EQ(SMMUSIM_DMA_ABORT, r.status);
		EXPECT_EQ(type, r.event);
		ASSERT_TRUE(s.pop_event(ev));
		EXPECT_EQ(type, ev_type(ev));
		EXPECT_EQ(1u, SMMU_GET(ev[1], EVT1_S2));
		EXPECT_EQ(cls, SMMU_GET(ev[1], EVT1_CLASS));
		if (type == EVT_F_PERMISSION && cls == EVT_CLASS_TT) { // TTRnW is UNKNOWN otherwise (IHI 0070 §7.3.16)
			EXPECT_EQ(1u, SMMU_GET(ev[1], EVT1_TTRNW));
		}
		EXPECT_EQ(ipa & SMMU_MASK(EVT3_IPA), ev[3] & SMMU_MASK(EVT3_IPA));
	}
};

TEST_F(Stage2, IdrReportsS2p) { EXPECT_EQ(1u, SMMU_GET(s.r32(SMMU_IDR0), IDR0_S2P)); }

TEST_F(Stage2, Stage2OnlyTranslates)
{
	s.map(s2ttb, 0x80000000, DATA + 0x5000);
	ste(3, Sim::ste0_cfg(STE_CONFIG_S2_TRANS), dw2(1));
	auto r = s.dma(3, 0x80000123);
	EXPECT_EQ(SMMUSIM_DMA_OK, r.status);
	EXPECT_EQ(DATA + 0x5123, r.pa);
	EXPECT_EQ(4u, s.stat("mem.reads.s2pte"));
}

TEST_F(Stage2, Stage2OnlyWithSsidIsBadSubstreamid)
{
	ste(3, Sim::ste0_cfg(STE_CONFIG_S2_TRANS), dw2(1));
	EXPECT_EQ(EVT_C_BAD_SUBSTREAMID, s.dma_ssid(3, 1, 0x1000).event);
}

TEST_F(Stage2, NestedTranslates)
{
	uint64_t ttb = nested(4, 2, 7);
	s.map(ttb, 0x1000, 0x80000000); // VA -> IPA
	s.map(s2ttb, 0x80000000, DATA + 0x6000); // IPA -> PA
	auto r = s.dma(4, 0x1044);
	EXPECT_EQ(SMMUSIM_DMA_OK, r.status);
	EXPECT_EQ(DATA + 0x6044, r.pa);
	EXPECT_EQ(4u, s.stat("mem.reads.pte.l0") + s.stat("mem.reads.pte.l1") + s.stat("mem.reads.pte.l2") +
			      s.stat("mem.reads.pte.l3"));
}

TEST_F(Stage2, FaultOnFinalIpaIsClassIn)
{
	uint64_t ttb = nested(4, 2, 7);
	s.map(ttb, 0x1000, 0x90000000); // IPA not mapped at stage 2
	expect_s2_fault(EVT_F_TRANSLATION, EVT_CLASS_IN, 0x90000000, s.dma(4, 0x1000));
	EXPECT_EQ(0x1000u, ev[2]);
}

TEST_F(Stage2, FaultFetchingCdIsClassCd)
{
	nested(4, 2, 7, 0x90000000); // the CD's IPA is not mapped at stage 2
	expect_s2_fault(EVT_F_TRANSLATION, EVT_CLASS_CD, 0x90000000, s.dma(4, 0x1000));
}

TEST_F(Stage2, FaultWalkingStage1IsClassTt)
{
	s.cd(CDTAB + 64 * 4, Sim::cd0(7), 0x90000000); // S1 tables at an unmapped IPA
	ste(4, Sim::ste0_s1(CDTAB + 64 * 4) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_NESTED), dw2(2));
	expect_s2_fault(EVT_F_TRANSLATION, EVT_CLASS_TT, 0x90000000, s.dma(4, 0x1000));
}

TEST_F(Stage2, Stage2PermissionFault)
{
	s.map(s2ttb, 0x80000000, DATA, S2_RO);
	ste(3, Sim::ste0_cfg(STE_CONFIG_S2_TRANS), dw2(1));
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(3, 0x80000000).status);
	expect_s2_fault(EVT_F_PERMISSION, EVT_CLASS_IN, 0x80000000, s.dma(3, 0x80000000, true));
}

TEST_F(Stage2, NestedStage2PermissionFaultOnTlbHitReportsIpa)
{
	uint64_t ttb = nested(4, 2, 7);
	s.map(ttb, 0x1000, 0x80000000);
	s.map(s2ttb, 0x80000000, DATA, S2_RO);
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(4, 0x1010).status);
	expect_s2_fault(EVT_F_PERMISSION, EVT_CLASS_IN, 0x80000000, s.dma(4, 0x1010, true));
	EXPECT_EQ(0x1010u, ev[2]);
}

TEST_F(Stage2, Stage2AccessFault)
{
	s.map(s2ttb, 0x80000000, DATA, S2_RW & ~SMMU_MASK(PTE_AF));
	ste(3, Sim::ste0_cfg(STE_CONFIG_S2_TRANS), dw2(1));
	expect_s2_fault(EVT_F_ACCESS, EVT_CLASS_IN, 0x80000000, s.dma(3, 0x80000000));
}

TEST_F(Stage2, S2R0DoesNotRecord)
{
	ste(3, Sim::ste0_cfg(STE_CONFIG_S2_TRANS), dw2(1, false));
	auto r = s.dma(3, 0x90000000);
	EXPECT_EQ(SMMUSIM_DMA_ABORT, r.status) << "stage 2 always aborts";
	EXPECT_FALSE(r.event_recorded);
	EXPECT_EQ(0u, s.event_count());
}

TEST_F(Stage2, IpaBeyondS2T0szIsTranslationFault)
{
	// A 40-bit IPA space (S2T0SZ=24, start level 1): 2^44 is below the IAS but beyond S2T0SZ.
	const uint64_t d2 = (dw2(1) & ~SMMU_MASK(STE2_S2T0SZ) & ~SMMU_MASK(STE2_S2SL0)) | SMMU_PREP(STE2_S2T0SZ, 24) |
			    SMMU_PREP(STE2_S2SL0, 1);
	ste(3, Sim::ste0_cfg(STE_CONFIG_S2_TRANS), d2);
	expect_s2_fault(EVT_F_TRANSLATION, EVT_CLASS_IN, 1ull << 44, s.dma(3, 1ull << 44));
}

struct BadS2Ste : Stage2 {
	void check(uint64_t d2)
	{
		ste(5, Sim::ste0_cfg(STE_CONFIG_S2_TRANS), d2);
		EXPECT_EQ(EVT_C_BAD_STE, s.dma(5, 0x1000).event);
	}
};
TEST_F(BadS2Ste, ReservedGranule) { check(dw2(1) | SMMU_PREP(STE2_S2TG, 3)); }
TEST_F(BadS2Ste, Aarch32Stage2) { check(dw2(1) & ~SMMU_MASK(STE2_S2AA64)); }
TEST_F(BadS2Ste, StallWithTerminateModel) { check(dw2(1) | SMMU_PREP(STE2_S2S, 1)); }
TEST_F(BadS2Ste, ReservedSl0) { check(dw2(1) | SMMU_PREP(STE2_S2SL0, 3)); }
TEST_F(BadS2Ste, StartLevelInconsistentWithT0sz) { check((dw2(1) & ~SMMU_MASK(STE2_S2SL0)) | SMMU_PREP(STE2_S2SL0, 0)); }
TEST_F(BadS2Ste, S2T0szOutOfRange) { check((dw2(1) & ~SMMU_MASK(STE2_S2T0SZ)) | SMMU_PREP(STE2_S2T0SZ, 40)); }
TEST_F(BadS2Ste, HardwareAccessFlagWithoutHttu) { check(dw2(1) | SMMU_PREP(STE2_S2HA, 1)); }
TEST_F(BadS2Ste, S2ttbBeyondS2ps)
{
	s2ttb = 1ull << 40;
	check((dw2(1) & ~SMMU_MASK(STE2_S2PS)) | SMMU_PREP(STE2_S2PS, SMMU_OAS_32));
}

TEST_F(Stage2, TlbiS12VmallInvalidatesVmid)
{
	s.map(s2ttb, 0x80000000, DATA);
	ste(3, Sim::ste0_cfg(STE_CONFIG_S2_TRANS), dw2(9));
	ASSERT_EQ(DATA, s.dma(3, 0x80000000).pa);
	s.m64(s.pte_addr(s2ttb, 0x80000000, 3), (DATA + 0x1000) | S2_RW | 3);
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_S12_VMALL) | SMMU_PREP(CMD0_VMID, 8));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA, s.dma(3, 0x80000000).pa) << "another VMID: stale";
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_NH_ALL) | SMMU_PREP(CMD0_VMID, 9));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA, s.dma(3, 0x80000000).pa) << "NH_ALL keeps stage-2-only entries";
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_S12_VMALL) | SMMU_PREP(CMD0_VMID, 9));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x1000, s.dma(3, 0x80000000).pa);
}

TEST_F(Stage2, TlbiS2IpaInvalidatesStage2Entry)
{
	s.map(s2ttb, 0x80000000, DATA);
	ste(3, Sim::ste0_cfg(STE_CONFIG_S2_TRANS), dw2(9));
	ASSERT_EQ(DATA, s.dma(3, 0x80000000).pa);
	s.m64(s.pte_addr(s2ttb, 0x80000000, 3), (DATA + 0x1000) | S2_RW | 3);
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_S2_IPA) | SMMU_PREP(CMD0_VMID, 9), SMMU_PREP(CMD1_ADDR, 0x80000000 >> 12));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x1000, s.dma(3, 0x80000000).pa);
}

TEST_F(Stage2, TlbiNhVaMatchesVmid)
{
	uint64_t ttb = nested(4, 2, 7);
	s.map(ttb, 0x1000, 0x80000000);
	s.map(s2ttb, 0x80000000, DATA);
	s.map(s2ttb, 0x80001000, DATA + 0x1000);
	ASSERT_EQ(DATA, s.dma(4, 0x1000).pa);
	s.m64(s.pte_addr(ttb, 0x1000, 3), 0x80001000 | PTE_RW | 3);
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_VMID, 3) | SMMU_PREP(CMD0_ASID, 7),
	      SMMU_PREP(CMD1_ADDR, 1));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA, s.dma(4, 0x1000).pa) << "other VMID";
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_VMID, 2) | SMMU_PREP(CMD0_ASID, 7),
	      SMMU_PREP(CMD1_ADDR, 1));
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(DATA + 0x1000, s.dma(4, 0x1000).pa);
}

TEST_F(Stage2, Stage2CommandsAcceptedWithS2p)
{
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_S12_VMALL));
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_S2_IPA), SMMU_PREP(CMD1_ADDR, 5));
	EXPECT_TRUE(s.sync());
	EXPECT_FALSE(s.cmdq_err_active());
}

TEST_F(Stage2, S1DssBypassNestedUsesStage2)
{
	s.map(s2ttb, 0x80000000, DATA + 0x2000);
	ste(6, Sim::ste0_s1(CDTAB, 4) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_NESTED), dw2(1),
	    SMMU_PREP(STE1_S1DSS, STE_S1DSS_BYPASS));
	EXPECT_EQ(DATA + 0x2010, s.dma(6, 0x80000010).pa);
}

} // namespace
