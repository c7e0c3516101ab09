// Command queue rules (IHI 0070 §3.5.1 queues, §4 commands).
#include "harness.hpp"

using namespace th;

namespace {

struct Commands : ::testing::Test {
	Sim s;
	void SetUp() override { s.boot(); }
	// Submit one command and expect it to be consumed without error.
	void expect_consumed(uint64_t d0, uint64_t d1 = 0)
	{
		uint32_t before = s.r32(SMMU_CMDQ_CONS);
		s.cmd(d0, d1);
		EXPECT_TRUE(s.drain()) << "CONS.ERR=" << (unsigned)s.cons_err();
		EXPECT_EQ((before + 1) & s.qmask(s.cmdq_log2), s.r32(SMMU_CMDQ_CONS) & s.qmask(s.cmdq_log2));
		EXPECT_FALSE(s.cmdq_err_active());
	}
	// Submit a good SYNC, then the bad command, and expect CERROR with CONS on the bad one.
	void expect_error(uint8_t code, uint64_t d0, uint64_t d1 = 0)
	{
		ASSERT_TRUE(s.sync());
		uint32_t at = s.r32(SMMU_CMDQ_CONS) & s.qmask(s.cmdq_log2);
		s.cmd(d0, d1);
		s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_SYNC));
		EXPECT_FALSE(s.drain());
		EXPECT_TRUE(s.cmdq_err_active());
		EXPECT_EQ(code, s.cons_err());
		EXPECT_EQ(at, s.r32(SMMU_CMDQ_CONS) & s.qmask(s.cmdq_log2)) << "CONS must point at the bad command";
	}
};

uint64_t op(unsigned o) { return SMMU_PREP(CMD0_OPCODE, o); }

TEST_F(Commands, PrefetchConfigIsAcceptedAsHint) { expect_consumed(op(CMD_PREFETCH_CONFIG) | SMMU_PREP(CMD0_SID, 3)); }
TEST_F(Commands, PrefetchAddrIsAcceptedAsHint) { expect_consumed(op(CMD_PREFETCH_ADDR), SMMU_PREP(CMD1_ADDR, 0x1234)); }
TEST_F(Commands, CfgiSteConsumed) { expect_consumed(op(CMD_CFGI_STE) | SMMU_PREP(CMD0_SID, 3), 1); }
TEST_F(Commands, CfgiSteRangeConsumed) { expect_consumed(op(CMD_CFGI_STE_RANGE), SMMU_PREP(CMD1_RANGE, 4)); }
TEST_F(Commands, CfgiAllConsumed) { expect_consumed(op(CMD_CFGI_STE_RANGE), SMMU_PREP(CMD1_RANGE, 31)); }
TEST_F(Commands, CfgiCdConsumed) { expect_consumed(op(CMD_CFGI_CD) | SMMU_PREP(CMD0_SID, 3) | SMMU_PREP(CMD0_SSID, 9), 1); }
TEST_F(Commands, CfgiCdAllConsumed) { expect_consumed(op(CMD_CFGI_CD_ALL) | SMMU_PREP(CMD0_SID, 3)); }
TEST_F(Commands, TlbiNhAllConsumed) { expect_consumed(op(CMD_TLBI_NH_ALL)); }
TEST_F(Commands, TlbiNhAsidConsumed) { expect_consumed(op(CMD_TLBI_NH_ASID) | SMMU_PREP(CMD0_ASID, 5)); }
TEST_F(Commands, TlbiNhVaConsumed) { expect_consumed(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, 5), SMMU_PREP(CMD1_ADDR, 0x12345)); }
TEST_F(Commands, TlbiNhVaRangeConsumed)
{
	expect_consumed(op(CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_TLBI_NUM, 3) | SMMU_PREP(CMD0_TLBI_SCALE, 1),
			SMMU_PREP(CMD1_TLBI_TG, 1) | SMMU_PREP(CMD1_TLBI_TTL, 3) | SMMU_PREP(CMD1_ADDR, 0x100));
}
TEST_F(Commands, TlbiNhVaaConsumed) { expect_consumed(op(CMD_TLBI_NH_VAA), SMMU_PREP(CMD1_ADDR, 0x12345)); }
TEST_F(Commands, TlbiNsnhAllConsumed) { expect_consumed(op(CMD_TLBI_NSNH_ALL)); }
TEST_F(Commands, CmdSyncConsumed) { expect_consumed(op(CMD_SYNC)); }
TEST_F(Commands, CmdSyncSevConsumed)
{
	expect_consumed(op(CMD_SYNC) | SMMU_PREP(CMD0_SYNC_CS, CMD_SYNC_CS_SEV));
	EXPECT_EQ(1u, s.stat("cmdq.sync_sev"));
}

TEST_F(Commands, TlbiEl2AllIllegalWithoutHyp) { expect_error(CERROR_ILL, op(CMD_TLBI_EL2_ALL)); }
TEST_F(Commands, TlbiEl2AsidIllegalWithoutHyp) { expect_error(CERROR_ILL, op(CMD_TLBI_EL2_ASID)); }
TEST_F(Commands, TlbiEl2VaIllegalWithoutHyp) { expect_error(CERROR_ILL, op(CMD_TLBI_EL2_VA)); }
TEST_F(Commands, TlbiEl2VaaIllegalWithoutHyp) { expect_error(CERROR_ILL, op(CMD_TLBI_EL2_VAA)); }
TEST_F(Commands, TlbiS12VmallIllegalWithoutS2p) { expect_error(CERROR_ILL, op(CMD_TLBI_S12_VMALL)); }
TEST_F(Commands, TlbiS2IpaIllegalWithoutS2p) { expect_error(CERROR_ILL, op(CMD_TLBI_S2_IPA)); }
TEST_F(Commands, TlbiEl3IllegalOnNonSecureQueue) { expect_error(CERROR_ILL, op(CMD_TLBI_EL3_ALL)); }
TEST_F(Commands, AtcInvIllegalWithoutAts) { expect_error(CERROR_ILL, op(CMD_ATC_INV)); }
TEST_F(Commands, PriRespIllegalWithoutPri) { expect_error(CERROR_ILL, op(CMD_PRI_RESP)); }
TEST_F(Commands, ResumeIllegalWithTerminateModel) { expect_error(CERROR_ILL, op(CMD_RESUME)); }
TEST_F(Commands, StallTermIllegalWithTerminateModel) { expect_error(CERROR_ILL, op(CMD_STALL_TERM)); }
TEST_F(Commands, CfgiVmsPidmIllegalWithoutVms) { expect_error(CERROR_ILL, op(CMD_CFGI_VMS_PIDM)); }
TEST_F(Commands, UnknownOpcodeIllegal) { expect_error(CERROR_ILL, op(0x99)); }
TEST_F(Commands, OpcodeZeroIllegal) { expect_error(CERROR_ILL, op(0)); }
TEST_F(Commands, SyncCs11Illegal) { expect_error(CERROR_ILL, op(CMD_SYNC) | SMMU_PREP(CMD0_SYNC_CS, 3)); }
TEST_F(Commands, SsecOnNonSecureQueueIllegal) { expect_error(CERROR_ILL, op(CMD_CFGI_STE) | SMMU_PREP(CMD0_SSEC, 1)); }
TEST_F(Commands, TlbiReservedRangeEncodingIllegal)
{
	expect_error(CERROR_ILL, op(CMD_TLBI_NH_VA), SMMU_PREP(CMD1_TLBI_TG, 1) | SMMU_PREP(CMD1_ADDR, 0x100));
}

TEST_F(Commands, CommandFetchAbortIsCerrorAbt)
{
	// Re-point the (disabled) queue outside RAM.
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	s.w64(SMMU_CMDQ_BASE, (1ull << 40) | s.cmdq_log2);
	s.w32(SMMU_CMDQ_CONS, 0);
	s.w32(SMMU_CMDQ_PROD, 1);
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	s.run(200);
	EXPECT_TRUE(s.cmdq_err_active());
	EXPECT_EQ(CERROR_ABT, s.cons_err());
	EXPECT_EQ(0u, s.r32(SMMU_CMDQ_CONS) & 0xFFFFF);
}

TEST_F(Commands, ErrorStopsConsumptionUntilAcknowledged)
{
	expect_error(CERROR_ILL, op(0x99));
	uint32_t cons = s.r32(SMMU_CMDQ_CONS);
	s.run(1000);
	EXPECT_EQ(cons, s.r32(SMMU_CMDQ_CONS)) << "nothing is consumed while CMDQ_ERR is active";
	// Linux's recovery: overwrite the bad entry with a SYNC, then acknowledge; no PROD write.
	uint64_t a = CMDQ + (uint64_t)(cons & ((1u << s.cmdq_log2) - 1)) * CMD_SIZE;
	s.m64(a, op(CMD_SYNC));
	s.w32(SMMU_GERRORN, s.r32(SMMU_GERROR));
	EXPECT_TRUE(s.drain());
	EXPECT_FALSE(s.cmdq_err_active());
}

TEST_F(Commands, AcknowledgedErrorRefetchesSameCommand)
{
	expect_error(CERROR_ILL, op(0x99));
	s.w32(SMMU_GERRORN, s.r32(SMMU_GERROR)); // not fixed: the same command fails again
	s.run(200);
	EXPECT_TRUE(s.cmdq_err_active());
	EXPECT_EQ(CERROR_ILL, s.cons_err());
	EXPECT_EQ(2u, s.stat("cmdq.errors"));
}

TEST_F(Commands, SyncCompletionTakesSimulatedTime)
{
	s.cmd(op(CMD_SYNC));
	uint32_t prod = s.r32(SMMU_CMDQ_PROD);
	EXPECT_NE(prod, s.r32(SMMU_CMDQ_CONS)) << "no completion without time passing";
	uint64_t t0 = s.now();
	EXPECT_TRUE(s.drain());
	EXPECT_GT(s.now(), t0);
}

TEST_F(Commands, SyncMsiWritesData)
{
	const uint64_t msi = 0x3000000;
	s.m64(msi, 0xFFFFFFFFFFFFFFFFull);
	s.cmd(op(CMD_SYNC) | SMMU_PREP(CMD0_SYNC_CS, CMD_SYNC_CS_IRQ) | SMMU_PREP(CMD0_SYNC_MSIDATA, 0xCAFE),
	      SMMU_PREP(CMD1_SYNC_MSIADDR, msi >> 2));
	EXPECT_TRUE(s.drain());
	EXPECT_EQ(0xFFFFFFFF0000CAFEull, s.m64(msi)) << "a 32-bit MSI write of MSIData";
}

TEST_F(Commands, SyncMsiToOwnSlotLinuxStyle)
{
	// Linux points MSIAddr at the SYNC's own queue slot with MSIData 0 and polls the opcode word.
	uint32_t prod = s.r32(SMMU_CMDQ_PROD);
	uint64_t slot = CMDQ + (uint64_t)(prod & ((1u << s.cmdq_log2) - 1)) * CMD_SIZE;
	s.cmd(op(CMD_SYNC) | SMMU_PREP(CMD0_SYNC_CS, CMD_SYNC_CS_IRQ), SMMU_PREP(CMD1_SYNC_MSIADDR, slot >> 2));
	int i = 0;
	while ((uint32_t)s.m64(slot) != 0 && i++ < 1000)
		s.relax();
	EXPECT_EQ(0u, (uint32_t)s.m64(slot));
}

TEST_F(Commands, SyncMsiAbortRaisesGerrorAndCompletes)
{
	s.cmd(op(CMD_SYNC) | SMMU_PREP(CMD0_SYNC_CS, CMD_SYNC_CS_IRQ), SMMU_PREP(CMD1_SYNC_MSIADDR, (1ull << 40) >> 2));
	EXPECT_TRUE(s.drain());
	EXPECT_EQ(1u, SMMU_GET(s.r32(SMMU_GERROR) ^ s.r32(SMMU_GERRORN), GERROR_MSI_CMDQ_ABT_ERR));
	EXPECT_FALSE(s.cmdq_err_active());
}

TEST_F(Commands, QueueWrapTogglesWrapFlag)
{
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	s.cmdq_log2 = 2; // 4 entries
	s.w64(SMMU_CMDQ_BASE, CMDQ | 2);
	s.w32(SMMU_CMDQ_PROD, 0);
	s.w32(SMMU_CMDQ_CONS, 0);
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	for (int i = 0; i < 6; i++)
		ASSERT_TRUE(s.sync());
	EXPECT_EQ((1u << 2) | 2u, s.r32(SMMU_CMDQ_CONS)) << "index 2 with the wrap flag set after 6 commands";
	// Fill the queue completely (4 entries) at once: full is index equal, wrap different.
	for (int i = 0; i < 4; i++) {
		uint32_t prod = s.r32(SMMU_CMDQ_PROD);
		uint64_t a = CMDQ + (uint64_t)(prod & 3) * CMD_SIZE;
		s.m64(a, op(CMD_SYNC));
		s.m64(a + 8, 0);
		s.w32(SMMU_CMDQ_PROD, (prod + 1) & 7);
	}
	EXPECT_TRUE(s.drain());
	EXPECT_EQ(s.r32(SMMU_CMDQ_PROD), s.r32(SMMU_CMDQ_CONS) & 7);
}

TEST_F(Commands, QueueSizeLimitedByIdr1)
{
	// LOG2SIZE above IDR1.CMDQS behaves as CMDQS (19): the index uses at most 20 bits.
	ASSERT_TRUE(s.set_cr0(0));
	s.w64(SMMU_CMDQ_BASE, CMDQ | 31);
	EXPECT_EQ(31u, SMMU_GET(s.r64(SMMU_CMDQ_BASE), Q_BASE_LOG2SIZE));
}

TEST_F(Commands, DisabledQueueNotConsumed)
{
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	s.cmd(op(CMD_SYNC));
	s.run(1000);
	EXPECT_EQ(0u, s.r32(SMMU_CMDQ_CONS) & 0xFFFFF);
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	EXPECT_TRUE(s.drain()) << "enabling the queue starts consumption";
}

TEST_F(Commands, CommandsCostConfiguredCycles)
{
	ASSERT_TRUE(s.sync());
	uint64_t t0 = s.now();
	s.cmd(op(CMD_SYNC));
	// cmd_cycles (4) + cmd_sync_cycles (2): not complete after 5 cycles, complete after 6.
	s.run(5);
	EXPECT_NE(s.r32(SMMU_CMDQ_PROD), s.r32(SMMU_CMDQ_CONS));
	s.run(1);
	EXPECT_EQ(s.r32(SMMU_CMDQ_PROD), s.r32(SMMU_CMDQ_CONS));
	EXPECT_EQ(t0 + 6, s.now());
}

} // namespace
