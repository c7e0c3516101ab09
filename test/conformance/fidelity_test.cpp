// Architecture rules the model once got wrong (each case failed before its fix): ILLEGAL STE/CD
// fields, event-record fields, execute-only permissions, addresses above the OAS.
#include "harness.hpp"

using namespace th;

namespace {

uint64_t op(unsigned o) { return SMMU_PREP(CMD0_OPCODE, o); }

constexpr uint64_t S2_XO = SMMU_PREP(PTE_AF, 1) | (0xFull << 2) | SMMU_PREP(PTE_SH, 3); // S2AP=00, XN=0

uint64_t s2_dw2(uint16_t vmid, unsigned t0sz = 16, unsigned sl0 = 2)
{
	return SMMU_PREP(STE2_S2VMID, vmid) | SMMU_PREP(STE2_S2T0SZ, t0sz) | SMMU_PREP(STE2_S2SL0, sl0) |
	       SMMU_PREP(STE2_S2TG, 0) | SMMU_PREP(STE2_S2PS, SMMU_OAS_48) | SMMU_PREP(STE2_S2AA64, 1) |
	       SMMU_PREP(STE2_S2R, 1);
}

TEST(Fidelity, CdHdWithoutHttuIsIllegal)
{
	// IHI 0070 §5.4: CD.HD=1 needs IDR0.HTTU = 2 (the model has HTTU = 0).
	Sim s;
	s.boot();
	const uint64_t ttb = s.new_table();
	s.map(ttb, 0x1000, DATA);
	s.cd(CDTAB, Sim::cd0(1) | SMMU_PREP(CD0_HD, 1), ttb);
	s.ste(4, Sim::ste0_s1(CDTAB));
	EXPECT_EQ(EVT_C_BAD_CD, s.dma(4, 0x1000).event);
}

TEST(Fidelity, S1FmtReservedIsIllegal)
{
	Sim s;
	s.boot();
	s.ste(4, Sim::ste0_s1(CDTAB, 4, 3), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	EXPECT_EQ(EVT_C_BAD_STE, s.dma_ssid(4, 1, 0x1000).event);
}

TEST(Fidelity, S2T0szBelowSixtyFourMinusIasIsIllegal)
{
	// IHI 0070 §5.2: S2T0SZ >= MAX(16, 64 - IAS); with a 40-bit OAS (= IAS) the minimum is 24.
	Sim s({{"smmu.s2p", "1"}, {"smmu.oas", "40"}});
	s.boot();
	s.ste(5, Sim::ste0_cfg(STE_CONFIG_S2_TRANS));
	uint64_t dw[8] = {Sim::ste0_cfg(STE_CONFIG_S2_TRANS), 0, s2_dw2(1, 16, 2), s.new_table(), 0, 0, 0, 0};
	s.mwrite(STRTAB + 64 * 5, dw, 8);
	EXPECT_EQ(EVT_C_BAD_STE, s.dma(5, 0x1000).event);
}

TEST(Fidelity, S2VmidHighBitsOnStage1OnlySteIllegalWithEightBitVmids)
{
	Sim s({{"smmu.s2p", "1"}, {"smmu.vmid16", "0"}});
	s.boot();
	const uint64_t ttb = s.s1_stream(4, 1);
	s.map(ttb, 0x1000, DATA);
	uint64_t dw[8] = {Sim::ste0_s1(CDTAB + 64 * 4), 0, SMMU_PREP(STE2_S2VMID, 0x100), 0, 0, 0, 0, 0};
	s.mwrite(STRTAB + 64 * 4, dw, 8);
	EXPECT_EQ(EVT_C_BAD_STE, s.dma(4, 0x1000).event);
}

// IHI 0070 §7.3.7, §7.3.9: neither record has an SSV bit.
TEST(Fidelity, CBadSubstreamidHasNoSsv)
{
	Sim s;
	s.boot();
	s.s1_stream(4, 1);
	EXPECT_EQ(EVT_C_BAD_SUBSTREAMID, s.dma_ssid(4, 3, 0x1000).event);
	uint64_t ev[4];
	ASSERT_TRUE(s.pop_event(ev));
	EXPECT_EQ(0u, SMMU_GET(ev[0], EVT0_SSV));
	EXPECT_EQ(3u, SMMU_GET(ev[0], EVT0_SSID));
}

TEST(Fidelity, FStreamDisabledHasNoSubstreamFields)
{
	Sim s;
	s.boot();
	s.ste(4, Sim::ste0_s1(CDTAB, 4), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	EXPECT_EQ(EVT_F_STREAM_DISABLED, s.dma_ssid(4, 0, 0x1000).event);
	uint64_t ev[4];
	ASSERT_TRUE(s.pop_event(ev));
	EXPECT_EQ(0u, ev[0] & 0xFFFFFF00u) << "bits [31:8] are RES0";
}

TEST(Fidelity, El0MayExecuteAPrivilegedOnlyPage)
{
	// AP[1]=0 denies EL0 data access; EL0 execution is governed by UXN alone (execute-only).
	Sim s;
	s.boot();
	const uint64_t ttb = s.s1_stream(4, 1);
	s.map(ttb, 0x1000, DATA, PTE_RW & ~SMMU_MASK(PTE_AP1));
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(4, 0x1000, false, nullptr, 4, false, 0, false, true).status);
	EXPECT_EQ(EVT_F_PERMISSION, s.dma(4, 0x1000).event) << "but not read it";
}

TEST(Fidelity, Stage2ExecuteOnlyPage)
{
	Sim s({{"smmu.s2p", "1"}});
	s.boot();
	const uint64_t s2ttb = s.new_table();
	s.map(s2ttb, 0x80000000, DATA, S2_XO);
	uint64_t dw[8] = {Sim::ste0_cfg(STE_CONFIG_S2_TRANS), 0, s2_dw2(1), s2ttb, 0, 0, 0, 0};
	s.mwrite(STRTAB + 64 * 3, dw, 8);
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(3, 0x80000000, false, nullptr, 4, false, 0, false, true).status);
	EXPECT_EQ(EVT_F_PERMISSION, s.dma(3, 0x80000000).event) << "S2AP=00: no data read";
}

TEST(Fidelity, Stage2FaultsOutsideFPermissionHaveNoTtrnw)
{
	// A stage-2 translation fault on a stage-1 descriptor fetch (CLASS=TT): TTRnW is defined only
	// in F_PERMISSION records (IHI 0070 §7.3).
	Sim s({{"smmu.s2p", "1"}});
	s.boot();
	const uint64_t s2ttb = s.new_table();
	s.map(s2ttb, 0, 0, SMMU_PREP(PTE_AF, 1) | (3ull << 6) | (0xFull << 2) | SMMU_PREP(PTE_SH, 3), 1); // first GiB
	const uint64_t cd_ipa = CDTAB + 64 * 6;
	s.cd(cd_ipa, Sim::cd0(1), 0x40000000ull + 0x1000); // TTB0 at an IPA stage 2 does not map
	uint64_t dw[8] = {Sim::ste0_s1(cd_ipa) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_NESTED), 0, s2_dw2(1), s2ttb, 0, 0, 0, 0};
	s.mwrite(STRTAB + 64 * 6, dw, 8);
	EXPECT_EQ(EVT_F_TRANSLATION, s.dma(6, 0x1000).event);
	uint64_t ev[4];
	ASSERT_TRUE(s.pop_event(ev));
	EXPECT_EQ(EVT_CLASS_TT, SMMU_GET(ev[1], EVT1_CLASS));
	EXPECT_EQ(0u, SMMU_GET(ev[1], EVT1_TTRNW));
}

TEST(Fidelity, InputBeyondIasWithStage1BypassedIsStage1AddressSizeFault)
{
	// IHI 0070 §3.4: F_ADDR_SIZE with S2=0 and CLASS=IN, not a stage-2 F_TRANSLATION.
	Sim s({{"smmu.s2p", "1"}});
	s.boot();
	uint64_t dw[8] = {Sim::ste0_cfg(STE_CONFIG_S2_TRANS), 0, s2_dw2(1), s.new_table(), 0, 0, 0, 0};
	s.mwrite(STRTAB + 64 * 3, dw, 8);
	EXPECT_EQ(EVT_F_ADDR_SIZE, s.dma(3, 1ull << 48).event);
	uint64_t ev[4];
	ASSERT_TRUE(s.pop_event(ev));
	EXPECT_EQ(0u, SMMU_GET(ev[1], EVT1_S2));
	EXPECT_EQ(EVT_CLASS_IN, SMMU_GET(ev[1], EVT1_CLASS));
}

TEST(Fidelity, QueueAddressAboveOasIsTruncated)
{
	// IHI 0070 §3.4.3: queue base bits above the OAS are ignored, the queue is not aborted.
	Sim s;
	s.boot();
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	s.w64(SMMU_CMDQ_BASE, (1ull << 50) | CMDQ | s.cmdq_log2);
	s.w32(SMMU_CMDQ_CONS, 0);
	s.w32(SMMU_CMDQ_PROD, 0);
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	s.cmd(op(CMD_TLBI_NH_ALL));
	EXPECT_TRUE(s.sync());
	EXPECT_FALSE(s.cmdq_err_active());
}

TEST(Fidelity, MsiAndEventQueueAddressesAboveOasAreTruncated)
{
	// IHI 0070 §3.4.3: MSI and queue addresses above the OAS are truncated to it, not aborted.
	Sim s;
	s.boot(8, STRTAB_FMT_LINEAR, 8, true, false);
	ASSERT_TRUE(s.set_cr0((uint32_t)SMMU_PREP(CR0_CMDQEN, 1)));
	s.w64(SMMU_EVENTQ_BASE, (1ull << 50) | EVTQ | s.evtq_log2);
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	EXPECT_EQ(EVT_C_BAD_STE, s.dma(3, 0x1000).event);
	uint64_t ev[4];
	ASSERT_TRUE(s.pop_event(ev)) << "the record is written at the truncated address";
	EXPECT_EQ(3u, ev_sid(ev));
	const uint64_t msi = 0x3000000;
	s.m64(msi, 0);
	s.cmd(op(CMD_SYNC) | SMMU_PREP(CMD0_SYNC_CS, CMD_SYNC_CS_IRQ) | SMMU_PREP(CMD0_SYNC_MSIDATA, 0xCAFE),
	      SMMU_PREP(CMD1_SYNC_MSIADDR, ((1ull << 50) | msi) >> 2));
	EXPECT_TRUE(s.drain());
	EXPECT_EQ(0xCAFEu, s.m64(msi)) << "the MSI is written at the truncated address";
	EXPECT_EQ(0u, (s.r32(SMMU_GERROR) ^ s.r32(SMMU_GERRORN)) & ~1u) << "no MSI or EVENTQ abort";
}

TEST(Fidelity, CdTableAddressAboveOasIsBadSte)
{
	// IHI 0070 §3.4.3: an SMMUv3.1 reports a CD or L1CD address (STE.S1ContextPtr) above the OAS
	// as C_BAD_STE; an L1CD.L2Ptr above it as C_BAD_SUBSTREAMID.
	Sim s({{"smmu.oas", "40"}});
	s.boot();
	const uint64_t ttb = s.new_table();
	s.map(ttb, 0x1000, DATA);
	s.cd(CDTAB, Sim::cd0(1), ttb);
	s.ste(4, Sim::ste0_s1(CDTAB | (1ull << 44)));
	EXPECT_EQ(EVT_C_BAD_STE, s.dma(4, 0x1000).event);
	s.ste(5, Sim::ste0_s1(CDTAB + 0x1000, 12, STE_S1FMT_4K_L2), SMMU_PREP(STE1_S1DSS, STE_S1DSS_SSID0));
	s.m64(CDTAB + 0x1000, 0x900000 | (1ull << 44) | 1);
	s.cd(0x900000 + 64 * 1, Sim::cd0(1), ttb);
	EXPECT_EQ(EVT_C_BAD_SUBSTREAMID, s.dma_ssid(5, 1, 0x1000).event);
}

TEST(Fidelity, L1stdL2PtrLowBitsBelowTheArraySizeAreIgnored)
{
	// IHI 0070 §5.1: L2Ptr[5 + (Span - 1):0] are treated as 0 (the level-2 array is aligned to
	// its size). Span 2: two STEs, 128 bytes; L2Ptr names the middle of the array.
	Sim s;
	s.boot(16, STRTAB_FMT_2LVL, 8);
	s.m64(STRTAB + 8 * 1, (0x2000000 + 64) | SMMU_PREP(L1STD_SPAN, 2));
	s.ste(1, Sim::ste0_cfg(STE_CONFIG_BYPASS), 0, 0x2000000);
	s.ste(2, 0, 0, 0x2000000); // where an unaligned L2Ptr would find StreamID 0x101: V = 0
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(0x101, 0x1000).status);
}

} // namespace
