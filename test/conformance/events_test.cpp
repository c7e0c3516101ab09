// Event types (IHI 0070 §7.3, field by field) and event queue rules (§3.5.1, §7.4).
#include "harness.hpp"

using namespace th;

namespace {

struct Events : ::testing::Test {
	Sim s;
	uint64_t ev[4] = {};
	void SetUp() override { s.boot(); }
	// Expect exactly one record of `type` for sid, and return it in ev.
	void expect_event(unsigned type, uint32_t sid)
	{
		ASSERT_TRUE(s.pop_event(ev)) << "no event recorded";
		EXPECT_EQ(type, ev_type(ev));
		EXPECT_EQ(sid, ev_sid(ev));
		uint64_t more[4];
		EXPECT_FALSE(s.pop_event(more)) << "one event per transaction";
	}
	void expect_config_error(unsigned type, uint32_t sid, smmusim_dma_result r, bool ssv = false, uint32_t ssid = 0)
	{
		EXPECT_EQ(SMMUSIM_DMA_ABORT, r.status);
		EXPECT_EQ(type, r.event);
		EXPECT_TRUE(r.event_recorded);
		expect_event(type, sid);
		// C_BAD_SUBSTREAMID: SubstreamID always valid, no SSV; F_STREAM_DISABLED: neither
		// (IHI 0070 §7.3.9, §7.3.7). Elsewhere SubstreamID is UNKNOWN when SSV=0 (seeded when strict).
		const bool no_ssv = type == EVT_C_BAD_SUBSTREAMID || type == EVT_F_STREAM_DISABLED;
		EXPECT_EQ(ssv && !no_ssv ? 1u : 0u, SMMU_GET(ev[0], EVT0_SSV));
		if (type == EVT_F_STREAM_DISABLED) {
			EXPECT_EQ(0u, SMMU_GET(ev[0], EVT0_SSID));
		} else if (ssv) {
			EXPECT_EQ(ssid, SMMU_GET(ev[0], EVT0_SSID));
		}
	}
};

// ---- C_BAD_STREAMID
TEST_F(Events, CBadStreamidSidOutOfRange)
{
	auto r = s.dma(256, DATA); // STRTAB LOG2SIZE = 8
	expect_config_error(EVT_C_BAD_STREAMID, 256, r);
	EXPECT_EQ(0u, ev[1]);
	EXPECT_EQ(0u, ev[2]);
	EXPECT_EQ(0u, ev[3]);
}

TEST_F(Events, CBadStreamidNotRecordedWithoutRecinvsid)
{
	ASSERT_TRUE(s.set_cr0(0));
	s.w32(SMMU_CR2, 0);
	s.boot(8, STRTAB_FMT_LINEAR, 8, false);
	auto r = s.dma(300, DATA);
	EXPECT_EQ(SMMUSIM_DMA_ABORT, r.status);
	EXPECT_FALSE(r.event_recorded);
	EXPECT_EQ(0u, s.event_count());
}

TEST_F(Events, CBadStreamidFromInvalidL1std)
{
	ASSERT_TRUE(s.set_cr0(0));
	s.boot(16, STRTAB_FMT_2LVL, 8);
	s.m64(STRTAB + 8 * 2, 0); // L1STD for SIDs 0x200-0x2FF: Span 0
	auto r = s.dma(0x205, DATA);
	expect_config_error(EVT_C_BAD_STREAMID, 0x205, r);
}

TEST_F(Events, CBadStreamidSidBeyondSpan)
{
	ASSERT_TRUE(s.set_cr0(0));
	s.boot(16, STRTAB_FMT_2LVL, 8);
	// Span 3 = 4 STEs: SID 0x104 is beyond the level-2 table.
	s.m64(STRTAB + 8 * 1, 0x2000000 | SMMU_PREP(L1STD_SPAN, 3));
	auto r = s.dma(0x104, DATA);
	expect_config_error(EVT_C_BAD_STREAMID, 0x104, r);
	// Span > SPLIT+1 is invalid too.
	s.m64(STRTAB + 8 * 3, 0x2000000 | SMMU_PREP(L1STD_SPAN, 10));
	s.cfgi_all();
	ASSERT_TRUE(s.sync());
	r = s.dma(0x300, DATA);
	expect_config_error(EVT_C_BAD_STREAMID, 0x300, r);
}

// ---- F_STE_FETCH
TEST_F(Events, FSteFetchOnExternalAbort)
{
	ASSERT_TRUE(s.set_cr0(0));
	s.boot();
	s.set_cr0(0);
	s.w64(SMMU_STRTAB_BASE, 1ull << 40); // outside the 16 GiB of RAM
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	auto r = s.dma(5, DATA);
	expect_config_error(EVT_F_STE_FETCH, 5, r);
	EXPECT_EQ((1ull << 40) + 5 * 64, ev[3] & SMMU_MASK(EVT3_FETCHADDR));
}

// ---- C_BAD_STE
TEST_F(Events, CBadSteValidBitClear)
{
	s.ste(4, 0);
	expect_config_error(EVT_C_BAD_STE, 4, s.dma(4, DATA));
}

TEST_F(Events, CBadSteStage2WithoutS2p)
{
	s.ste(4, s.ste0_cfg(STE_CONFIG_S2_TRANS));
	expect_config_error(EVT_C_BAD_STE, 4, s.dma(4, DATA));
}

TEST_F(Events, CBadSteNestedWithoutS2p)
{
	s.ste(4, s.ste0_cfg(STE_CONFIG_NESTED));
	expect_config_error(EVT_C_BAD_STE, 4, s.dma(4, DATA));
}

TEST_F(Events, CBadSteS1CdMaxAboveSsidsize)
{
	s.ste(4, s.ste0_s1(CDTAB, 21));
	expect_config_error(EVT_C_BAD_STE, 4, s.dma(4, DATA));
}

TEST_F(Events, CBadSteS1StalldWithTerminateModel)
{
	s.ste(4, s.ste0_s1(CDTAB), SMMU_PREP(STE1_S1STALLD, 1));
	expect_config_error(EVT_C_BAD_STE, 4, s.dma(4, DATA));
}

TEST_F(Events, CBadSteContextPointerBeyondOas)
{
	s.ste(4, s.ste0_s1(1ull << 50));
	expect_config_error(EVT_C_BAD_STE, 4, s.dma(4, DATA));
}

TEST_F(Events, SteReservedConfigAbortsWithoutEvent)
{
	for (unsigned c = 1; c <= 3; c++) {
		s.ste(4, s.ste0_cfg(c));
		s.cfgi_ste(4);
		ASSERT_TRUE(s.sync());
		auto r = s.dma(4, DATA);
		EXPECT_EQ(SMMUSIM_DMA_ABORT, r.status);
		EXPECT_EQ(0, r.event);
	}
	EXPECT_EQ(0u, s.event_count());
}

// ---- C_BAD_SUBSTREAMID
TEST_F(Events, CBadSubstreamidWithSingleCd)
{
	s.s1_stream(4, 1);
	expect_config_error(EVT_C_BAD_SUBSTREAMID, 4, s.dma_ssid(4, 3, 0x1000), true, 3);
}

TEST_F(Events, CBadSubstreamidSsidBeyondS1CdMax)
{
	s.ste(4, s.ste0_s1(CDTAB, 2), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	expect_config_error(EVT_C_BAD_SUBSTREAMID, 4, s.dma_ssid(4, 4, 0x1000), true, 4);
}

TEST_F(Events, CBadSubstreamidOnBypassSte)
{
	s.ste(4, s.ste0_cfg(STE_CONFIG_BYPASS));
	expect_config_error(EVT_C_BAD_SUBSTREAMID, 4, s.dma_ssid(4, 1, 0x1000), true, 1);
}

TEST_F(Events, CBadSubstreamidInvalidL1cd)
{
	s.ste(4, s.ste0_s1(CDTAB, 12, STE_S1FMT_4K_L2), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	s.m64(CDTAB + 8 * 1, 0); // L1CD for SSIDs 64..127 invalid
	expect_config_error(EVT_C_BAD_SUBSTREAMID, 4, s.dma_ssid(4, 70, 0x1000), true, 70);
}

// ---- F_STREAM_DISABLED
TEST_F(Events, FStreamDisabledNoSsidWithS1DssTerminate)
{
	s.ste(4, s.ste0_s1(CDTAB, 4), SMMU_PREP(STE1_S1DSS, STE_S1DSS_TERMINATE));
	expect_config_error(EVT_F_STREAM_DISABLED, 4, s.dma(4, 0x1000));
}

TEST_F(Events, FStreamDisabledSsidZeroWithS1DssSubstream0)
{
	s.ste(4, s.ste0_s1(CDTAB, 4), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	expect_config_error(EVT_F_STREAM_DISABLED, 4, s.dma_ssid(4, 0, 0x1000), true, 0);
}

// ---- F_CD_FETCH
TEST_F(Events, FCdFetchOnExternalAbort)
{
	s.ste(4, s.ste0_s1(1ull << 40));
	expect_config_error(EVT_F_CD_FETCH, 4, s.dma(4, 0x1000));
	EXPECT_EQ(1ull << 40, ev[3] & SMMU_MASK(EVT3_FETCHADDR));
}

TEST_F(Events, FCdFetchOnL1cdAbort)
{
	s.ste(4, s.ste0_s1((1ull << 40), 12, STE_S1FMT_64K_L2), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	expect_config_error(EVT_F_CD_FETCH, 4, s.dma_ssid(4, 2048 + 5, 0x1000), true, 2053);
	EXPECT_EQ((1ull << 40) + 2 * 8, ev[3] & SMMU_MASK(EVT3_FETCHADDR));
}

// ---- C_BAD_CD: one case per ILLEGAL rule
struct BadCd : Events {
	void check(uint64_t d0, uint64_t ttb0 = 0x5000000, uint64_t ste1 = 0)
	{
		s.cd(CDTAB, d0, ttb0);
		s.ste(4, s.ste0_s1(CDTAB), ste1);
		expect_config_error(EVT_C_BAD_CD, 4, s.dma(4, 0x1000));
	}
};
TEST_F(BadCd, ValidBitClear) { check(Sim::cd0(1) & ~SMMU_MASK(CD0_V)); }
TEST_F(BadCd, Aarch32TablesUnsupported) { check(Sim::cd0(1) & ~SMMU_MASK(CD0_AA64)); }
TEST_F(BadCd, T0szBelowMinimum) { check(Sim::cd0(1, 15)); }
TEST_F(BadCd, T0szAboveMaximum) { check(Sim::cd0(1, 40)); }
TEST_F(BadCd, Tg0Reserved) { check(Sim::cd0(1, 16, 3)); }
TEST_F(BadCd, Tg1ReservedWhenTtb1Enabled) { check(Sim::cd0(1) & ~SMMU_MASK(CD0_EPD1)); }
TEST_F(BadCd, BigEndianNotAllowedByTtendian) { check(Sim::cd0(1) | SMMU_PREP(CD0_ENDI, 1)); }
TEST_F(BadCd, HardwareAccessFlagWithoutHttu) { check(Sim::cd0(1) | SMMU_PREP(CD0_HA, 1)); }
TEST_F(BadCd, HardwareDirtyWithoutHttu) { check(Sim::cd0(1) | SMMU_PREP(CD0_HD, 1)); }
TEST_F(BadCd, StallWithTerminateModel) { check(Sim::cd0(1) | SMMU_PREP(CD0_S, 1)); }
TEST_F(BadCd, Ttb0BeyondIps)
{
	check((Sim::cd0(1) & ~SMMU_MASK(CD0_IPS)) | SMMU_PREP(CD0_IPS, SMMU_OAS_32), 1ull << 33);
}

TEST_F(Events, Tg1ReservedIgnoredWhenEpd1Set)
{
	uint64_t ttb = s.s1_stream(4, 1); // cd0 sets EPD1 with TG1=0 (reserved): not ILLEGAL
	s.map(ttb, 0x1000, DATA);
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(4, 0x1000).status);
}

// ---- F_WALK_EABT
TEST_F(Events, FWalkEabtOnDescriptorAbort)
{
	s.cd(CDTAB, Sim::cd0(1), 1ull << 40);
	s.ste(4, s.ste0_s1(CDTAB));
	auto r = s.dma(4, 0x1008, false, nullptr, 4, false, 0, false, false);
	expect_config_error(EVT_F_WALK_EABT, 4, r);
	EXPECT_EQ(0x1008u, ev[2]);
	EXPECT_EQ(1ull << 40, ev[3] & SMMU_MASK(EVT3_FETCHADDR)) << "level-0 descriptor for VA 0x1008";
	EXPECT_EQ(1u, SMMU_GET(ev[1], EVT1_RNW));
	EXPECT_EQ(0u, SMMU_GET(ev[1], EVT1_S2));
}

// ---- translation faults: fields, A/R configuration
struct Faults : Events {
	uint64_t ttb = 0;
	void SetUp() override
	{
		Events::SetUp();
		ttb = s.s1_stream(4, 9);
	}
	void expect_fault(unsigned type, smmusim_dma_result r, uint64_t va, bool write, bool priv, bool instr)
	{
		EXPECT_EQ(SMMUSIM_DMA_ABORT, r.status);
		EXPECT_EQ(type, r.event);
		expect_event(type, 4);
		EXPECT_EQ(va, ev[2]);
		EXPECT_EQ(write ? 0u : 1u, SMMU_GET(ev[1], EVT1_RNW));
		EXPECT_EQ(priv ? 1u : 0u, SMMU_GET(ev[1], EVT1_PNU));
		EXPECT_EQ(instr ? 1u : 0u, SMMU_GET(ev[1], EVT1_IND));
		EXPECT_EQ(0u, SMMU_GET(ev[1], EVT1_S2));
		EXPECT_EQ(0u, SMMU_GET(ev[1], EVT1_STALL));
		EXPECT_EQ(0u, SMMU_GET(ev[1], EVT1_STAG));
	}
};

TEST_F(Faults, FTranslationInputBeyondT0sz)
{
	expect_fault(EVT_F_TRANSLATION, s.dma(4, 1ull << 48), 1ull << 48, false, false, false);
}

TEST_F(Faults, FTranslationTtb0Disabled)
{
	s.cd(CDTAB + 64 * 4, Sim::cd0(9) | SMMU_PREP(CD0_EPD0, 1), ttb);
	s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_CFGI_CD) | SMMU_PREP(CMD0_SID, 4), 1);
	ASSERT_TRUE(s.sync());
	expect_fault(EVT_F_TRANSLATION, s.dma(4, 0x1000), 0x1000, false, false, false);
}

TEST_F(Faults, FTranslationReservedLevel3Encoding)
{
	s.map(ttb, 0x2000, DATA);
	s.m64(s.pte_addr(ttb, 0x2000, 3), DATA | PTE_RW | 1); // 0b01 at level 3
	expect_fault(EVT_F_TRANSLATION, s.dma(4, 0x2000), 0x2000, false, false, false);
}

TEST_F(Faults, FTranslationBlockAtLevel0)
{
	s.m64(ttb, PTE_RW | 1); // block descriptor at level 0 (4 KB granule)
	expect_fault(EVT_F_TRANSLATION, s.dma(4, 0x3000), 0x3000, false, false, false);
}

TEST_F(Faults, FAddrSizeLeafBeyondIps)
{
	s.cd(CDTAB + 64 * 4, (Sim::cd0(9) & ~SMMU_MASK(CD0_IPS)) | SMMU_PREP(CD0_IPS, SMMU_OAS_32), ttb);
	s.map(ttb, 0x4000, 1ull << 33);
	expect_fault(EVT_F_ADDR_SIZE, s.dma(4, 0x4000, true, nullptr, 8), 0x4000, true, false, false);
}

TEST_F(Faults, FAddrSizeTableBeyondIps)
{
	s.cd(CDTAB + 64 * 4, (Sim::cd0(9) & ~SMMU_MASK(CD0_IPS)) | SMMU_PREP(CD0_IPS, SMMU_OAS_32), ttb);
	s.m64(ttb, (1ull << 36) | 3);
	expect_fault(EVT_F_ADDR_SIZE, s.dma(4, 0x4000), 0x4000, false, false, false);
}

TEST_F(Faults, FAddrSizeBypassInputBeyondOas)
{
	s.ste(5, s.ste0_cfg(STE_CONFIG_BYPASS));
	auto r = s.dma(5, 1ull << 50);
	EXPECT_EQ(EVT_F_ADDR_SIZE, r.event);
	expect_event(EVT_F_ADDR_SIZE, 5);
	EXPECT_EQ(EVT_CLASS_IN, SMMU_GET(ev[1], EVT1_CLASS));
}

TEST_F(Faults, FAccessWhenAfClear)
{
	s.map(ttb, 0x5000, DATA, PTE_RW & ~SMMU_MASK(PTE_AF));
	expect_fault(EVT_F_ACCESS, s.dma(4, 0x5000), 0x5000, false, false, false);
}

TEST_F(Faults, NoFAccessWithAffd)
{
	s.cd(CDTAB + 64 * 4, Sim::cd0(9) | SMMU_PREP(CD0_AFFD, 1), ttb);
	s.map(ttb, 0x5000, DATA, PTE_RW & ~SMMU_MASK(PTE_AF));
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(4, 0x5000).status);
}

TEST_F(Faults, FPermissionWriteToReadOnly)
{
	s.map(ttb, 0x6000, DATA, PTE_RW | SMMU_PREP(PTE_AP2, 1));
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(4, 0x6000).status);
	expect_fault(EVT_F_PERMISSION, s.dma(4, 0x6000, true), 0x6000, true, false, false);
}

TEST_F(Faults, FPermissionUnprivilegedWithoutAp1)
{
	s.map(ttb, 0x6000, DATA, PTE_RW & ~SMMU_MASK(PTE_AP1));
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(4, 0x6000, false, nullptr, 4, false, 0, true).status);
	expect_fault(EVT_F_PERMISSION, s.dma(4, 0x6000), 0x6000, false, false, false);
}

TEST_F(Faults, FPermissionExecuteNeverUnprivileged)
{
	s.map(ttb, 0x6000, DATA, PTE_RW | SMMU_PREP(PTE_UXN, 1) | SMMU_PREP(PTE_AP2, 1));
	expect_fault(EVT_F_PERMISSION, s.dma(4, 0x6000, false, nullptr, 4, false, 0, false, true), 0x6000, false, false, true);
}

TEST_F(Faults, FPermissionPrivilegedExecuteOfEl0Writable)
{
	s.map(ttb, 0x6000, DATA, PTE_RW); // AP=01: EL0 writable, so never privileged-executable
	expect_fault(EVT_F_PERMISSION, s.dma(4, 0x6000, false, nullptr, 4, false, 0, true, true), 0x6000, false, true, true);
}

TEST_F(Faults, FPermissionPan)
{
	s.cd(CDTAB + 64 * 4, Sim::cd0(9) | SMMU_PREP(CD0_PAN, 1), ttb);
	s.map(ttb, 0x6000, DATA, PTE_RW);
	expect_fault(EVT_F_PERMISSION, s.dma(4, 0x6000, false, nullptr, 4, false, 0, true), 0x6000, false, true, false);
}

TEST_F(Faults, FPermissionWxn)
{
	s.cd(CDTAB + 64 * 4, Sim::cd0(9) | SMMU_PREP(CD0_WXN, 1), ttb);
	s.map(ttb, 0x6000, DATA, PTE_RW); // writable at EL0, so XN for EL0 with WXN
	expect_fault(EVT_F_PERMISSION, s.dma(4, 0x6000, false, nullptr, 4, false, 0, false, true), 0x6000, false, false, true);
}

TEST_F(Faults, FPermissionApTableReadOnly)
{
	s.map(ttb, 0x6000, DATA, PTE_RW, 3, SMMU_PREP(PTE_APTABLE1, 1));
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(4, 0x6000).status);
	expect_fault(EVT_F_PERMISSION, s.dma(4, 0x6000, true), 0x6000, true, false, false);
}

TEST_F(Faults, ApTableIgnoredWithHad)
{
	s.cd(CDTAB + 64 * 4, Sim::cd0(9), ttb);
	s.m64(CDTAB + 64 * 4 + 8, ttb | 2); // CD.HAD0
	s.map(ttb, 0x6000, DATA, PTE_RW, 3, SMMU_PREP(PTE_APTABLE1, 1));
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(4, 0x6000, true).status);
}

TEST_F(Faults, StePrivcfgOverridesIncomingPrivilege)
{
	s.map(ttb, 0x6000, DATA, PTE_RW & ~SMMU_MASK(PTE_AP1)); // privileged only
	s.ste(4, s.ste0_s1(CDTAB + 64 * 4), SMMU_PREP(STE1_PRIVCFG, STE_PRIVCFG_PRIV));
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(4, 0x6000).status);
	s.ste(4, s.ste0_s1(CDTAB + 64 * 4), SMMU_PREP(STE1_PRIVCFG, STE_PRIVCFG_UNPRIV));
	s.cfgi_ste(4);
	ASSERT_TRUE(s.sync());
	expect_fault(EVT_F_PERMISSION, s.dma(4, 0x6000, false, nullptr, 4, false, 0, true), 0x6000, false, false, false);
}

TEST_F(Faults, SteInstcfgOverridesIncomingInstruction)
{
	s.map(ttb, 0x6000, DATA, PTE_RW | SMMU_PREP(PTE_UXN, 1));
	s.ste(4, s.ste0_s1(CDTAB + 64 * 4), SMMU_PREP(STE1_INSTCFG, STE_INSTCFG_INSTR));
	expect_fault(EVT_F_PERMISSION, s.dma(4, 0x6000), 0x6000, false, false, true);
}

TEST_F(Faults, CdA0TerminatesAsRazWi)
{
	s.cd(CDTAB + 64 * 4, Sim::cd0(9) & ~SMMU_MASK(CD0_A), ttb);
	uint32_t v = 0xFFFFFFFF;
	auto r = s.dma(4, 0x9000, false, &v);
	EXPECT_EQ(SMMUSIM_DMA_RAZWI, r.status);
	EXPECT_EQ(0u, v);
	expect_event(EVT_F_TRANSLATION, 4);
}

TEST_F(Faults, CdR0DoesNotRecord)
{
	s.cd(CDTAB + 64 * 4, Sim::cd0(9) & ~SMMU_MASK(CD0_R), ttb);
	auto r = s.dma(4, 0x9000);
	EXPECT_EQ(SMMUSIM_DMA_ABORT, r.status);
	EXPECT_EQ(EVT_F_TRANSLATION, r.event);
	EXPECT_FALSE(r.event_recorded);
	EXPECT_EQ(0u, s.event_count());
}

TEST_F(Faults, SsidCarriedInEvent)
{
	s.ste(4, s.ste0_s1(CDTAB, 4), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	s.cd(CDTAB + 64 * 3, Sim::cd0(9), ttb);
	auto r = s.dma_ssid(4, 3, 0x9000);
	EXPECT_EQ(EVT_F_TRANSLATION, r.event);
	expect_event(EVT_F_TRANSLATION, 4);
	EXPECT_EQ(1u, SMMU_GET(ev[0], EVT0_SSV));
	EXPECT_EQ(3u, SMMU_GET(ev[0], EVT0_SSID));
}

// ---- event queue
TEST_F(Events, EventQueueWraps)
{
	for (int i = 0; i < 100; i++) { // 64-entry queue
		s.dma(300 + (i % 2), DATA);
		uint64_t e[4];
		ASSERT_TRUE(s.pop_event(e));
		EXPECT_EQ(300u + (i % 2), ev_sid(e));
	}
	EXPECT_EQ((1u << 6) | 36u, s.r32(SMMU_EVENTQ_PROD)) << "100 records: index 36, wrapped once";
}

TEST_F(Events, EventQueueFullOverflows)
{
	for (int i = 0; i < 64; i++)
		EXPECT_TRUE(s.dma(300, DATA).event_recorded);
	EXPECT_EQ(0u, SMMU_GET(s.r32(SMMU_EVENTQ_PROD), Q_OVFLG));
	auto r = s.dma(301, DATA);
	EXPECT_FALSE(r.event_recorded) << "the record is dropped";
	EXPECT_EQ(1u, SMMU_GET(s.r32(SMMU_EVENTQ_PROD), Q_OVFLG));
	s.dma(302, DATA);
	EXPECT_EQ(1u, SMMU_GET(s.r32(SMMU_EVENTQ_PROD), Q_OVFLG)) << "toggled only if none is outstanding";
	// Consume one and acknowledge; the next overflow toggles again.
	uint64_t e[4];
	ASSERT_TRUE(s.pop_event(e));
	EXPECT_EQ(300u, ev_sid(e));
	s.w32(SMMU_EVENTQ_CONS, (s.r32(SMMU_EVENTQ_CONS) & ~(uint32_t)SMMU_MASK(Q_OVFLG)) | (uint32_t)SMMU_MASK(Q_OVFLG));
	EXPECT_TRUE(s.dma(303, DATA).event_recorded) << "an overflow does not block new records";
	s.dma(304, DATA);
	EXPECT_EQ(0u, SMMU_GET(s.r32(SMMU_EVENTQ_PROD), Q_OVFLG));
	EXPECT_EQ(3u, s.stat("events.overflow"));
}

TEST_F(Events, EventQueueDisabledDropsWithoutOverflow)
{
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	auto r = s.dma(300, DATA);
	EXPECT_EQ(SMMUSIM_DMA_ABORT, r.status);
	EXPECT_FALSE(r.event_recorded);
	EXPECT_EQ(0u, s.r32(SMMU_EVENTQ_PROD));
	EXPECT_EQ(0u, s.stat("events.overflow"));
}

TEST_F(Events, EventQueueWriteAbortRaisesGerror)
{
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	s.w64(SMMU_EVENTQ_BASE, (1ull << 40) | s.evtq_log2);
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	EXPECT_FALSE(s.dma(300, DATA).event_recorded);
	EXPECT_EQ(1u, SMMU_GET(s.r32(SMMU_GERROR) ^ s.r32(SMMU_GERRORN), GERROR_EVENTQ_ABT_ERR));
	EXPECT_EQ(0u, s.r32(SMMU_EVENTQ_PROD)) << "PROD does not move past the failed entry";
}

} // namespace

namespace {

using namespace th;

TEST(Interrupts, EventqMsiOnEmptyToNonEmpty)
{
	Sim s;
	const uint64_t msi = 0x3000000;
	s.w64(SMMU_EVENTQ_IRQ_CFG0, msi);
	s.w32(SMMU_EVENTQ_IRQ_CFG1, 0x77);
	s.w32(SMMU_IRQ_CTRL, (uint32_t)SMMU_PREP(IRQ_CTRL_EVENTQ_IRQEN, 1));
	ASSERT_TRUE(s.poll(SMMU_IRQ_CTRLACK, 0xFFFFFFFFu, (uint32_t)SMMU_PREP(IRQ_CTRL_EVENTQ_IRQEN, 1)));
	s.boot();
	s.dma(300, DATA);
	EXPECT_EQ(0x77u, (uint32_t)s.m64(msi));
	s.m64(msi, 0);
	s.dma(300, DATA);
	EXPECT_EQ(0u, (uint32_t)s.m64(msi)) << "no new edge while the queue stays non-empty";
	EXPECT_EQ(1u, s.stat("irq.eventq"));
	uint64_t ev[4];
	while (s.pop_event(ev)) {
	}
	s.dma(300, DATA);
	EXPECT_EQ(0x77u, (uint32_t)s.m64(msi));
	EXPECT_EQ(2u, s.stat("irq.eventq"));
}

TEST(Interrupts, GerrorMsiOnActivation)
{
	Sim s;
	const uint64_t msi = 0x3000000;
	s.w64(SMMU_GERROR_IRQ_CFG0, msi);
	s.w32(SMMU_GERROR_IRQ_CFG1, 0x99);
	s.w32(SMMU_IRQ_CTRL, (uint32_t)SMMU_PREP(IRQ_CTRL_GERROR_IRQEN, 1));
	ASSERT_TRUE(s.poll(SMMU_IRQ_CTRLACK, 0xFFFFFFFFu, (uint32_t)SMMU_PREP(IRQ_CTRL_GERROR_IRQEN, 1)));
	s.boot();
	s.cmd(SMMU_PREP(CMD0_OPCODE, 0x99));
	EXPECT_FALSE(s.drain());
	EXPECT_EQ(0x99u, (uint32_t)s.m64(msi));
	EXPECT_EQ(1u, s.stat("irq.gerror"));
}

TEST(Interrupts, NoInterruptWhenDisabled)
{
	Sim s;
	s.w64(SMMU_EVENTQ_IRQ_CFG0, 0x3000000);
	s.w32(SMMU_EVENTQ_IRQ_CFG1, 0x77);
	s.boot();
	s.dma(300, DATA);
	EXPECT_EQ(0u, s.m64(0x3000000));
	EXPECT_EQ(0u, s.stat("irq.eventq"));
}

} // namespace
