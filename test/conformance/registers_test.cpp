// Register file rules (IHI 0070 §6.2, §6.3).
#include "harness.hpp"

using namespace th;

namespace {

struct Registers : ::testing::Test {
	Sim s;
};

TEST_F(Registers, IdRegistersReportConfiguredFeatures)
{
	uint32_t idr0 = s.r32(SMMU_IDR0), idr1 = s.r32(SMMU_IDR1), idr5 = s.r32(SMMU_IDR5);
	EXPECT_EQ(1u, SMMU_GET(idr0, IDR0_S1P));
	EXPECT_EQ(0u, SMMU_GET(idr0, IDR0_S2P));
	EXPECT_EQ(IDR0_TTF_AARCH64, SMMU_GET(idr0, IDR0_TTF));
	EXPECT_EQ(1u, SMMU_GET(idr0, IDR0_CD2L));
	EXPECT_EQ(IDR0_ST_LEVEL_2LVL, SMMU_GET(idr0, IDR0_ST_LEVEL));
	EXPECT_EQ(IDR0_STALL_MODEL_TERMINATE, SMMU_GET(idr0, IDR0_STALL_MODEL));
	EXPECT_EQ(IDR0_TTENDIAN_LE, SMMU_GET(idr0, IDR0_TTENDIAN));
	EXPECT_EQ(1u, SMMU_GET(idr0, IDR0_ASID16));
	EXPECT_EQ(0u, SMMU_GET(idr0, IDR0_ATS));
	EXPECT_EQ(0u, SMMU_GET(idr0, IDR0_PRI));
	EXPECT_EQ(24u, SMMU_GET(idr1, IDR1_SIDSIZE));
	EXPECT_EQ(20u, SMMU_GET(idr1, IDR1_SSIDSIZE));
	EXPECT_EQ(19u, SMMU_GET(idr1, IDR1_CMDQS));
	EXPECT_EQ(19u, SMMU_GET(idr1, IDR1_EVENTQS));
	EXPECT_EQ(0u, SMMU_GET(idr1, IDR1_PRIQS));
	EXPECT_EQ(SMMU_OAS_48, SMMU_GET(idr5, IDR5_OAS));
	EXPECT_EQ(1u, SMMU_GET(idr5, IDR5_GRAN4K));
	EXPECT_EQ(1u, SMMU_GET(idr5, IDR5_GRAN16K));
	EXPECT_EQ(1u, SMMU_GET(idr5, IDR5_GRAN64K));
	EXPECT_EQ(1u, SMMU_GET(s.r32(SMMU_IDR3), IDR3_RIL));
	EXPECT_EQ(0u, SMMU_GET(s.r32(SMMU_IDR3), IDR3_BBML)) << "smmu.bbml defaults to 0";
	EXPECT_EQ(1u, SMMU_GET(s.r32(SMMU_AIDR), AIDR_ARCH_MINOR));
	EXPECT_EQ(0x43Bu, SMMU_GET(s.r32(SMMU_IIDR), IIDR_IMPLEMENTER));
	EXPECT_EQ(0x0Du, s.r32(SMMU_CIDR0));
}

TEST_F(Registers, IdRegistersFollowConfiguration)
{
	// A fresh process is needed for another configuration: check the registry instead, and that
	// the defaults above are what smmusim_config_get reports.
	smmusim_config *c = smmusim_config_new();
	EXPECT_STREQ("24", smmusim_config_get(c, "smmu.sidsize"));
	EXPECT_STREQ("19", smmusim_config_get(c, "smmu.cmdqs"));
	smmusim_config_free(c);
}

TEST_F(Registers, ReadOnlyRegistersIgnoreWrites)
{
	uint32_t idr0 = s.r32(SMMU_IDR0);
	s.w32(SMMU_IDR0, 0);
	s.w32(SMMU_CR0ACK, 0xF);
	s.w32(SMMU_GERROR, 0x1FD);
	s.w32(SMMU_IIDR, 0);
	EXPECT_EQ(idr0, s.r32(SMMU_IDR0));
	EXPECT_EQ(0u, s.r32(SMMU_CR0ACK));
	EXPECT_EQ(0u, s.r32(SMMU_GERROR));
}

TEST_F(Registers, UnknownOffsetsAreRazWi)
{
	for (uint32_t off : {0x0F0u, 0x200u, 0x8000u, 0x8020u, 0xE00u, 0x1FFFCu, 0x10000u, SMMU_PRIQ_PROD})
	{
		s.w32(off, 0xFFFFFFFFu);
		EXPECT_EQ(0u, s.r32(off)) << std::hex << off;
	}
	s.w64(0x300, ~0ull);
	EXPECT_EQ(0u, s.r64(0x300));
	s.w32(0x21, 5); // misaligned
	EXPECT_EQ(0u, s.r32(0x21));
}

TEST_F(Registers, Cr0AckFollowsCr0AfterDelay)
{
	s.w32(SMMU_CR0, (uint32_t)SMMU_PREP(CR0_CMDQEN, 1));
	EXPECT_EQ((uint32_t)SMMU_PREP(CR0_CMDQEN, 1), s.r32(SMMU_CR0));
	EXPECT_EQ(0u, s.r32(SMMU_CR0ACK)) << "the acknowledgement must take simulated time";
	EXPECT_TRUE(s.poll(SMMU_CR0ACK, 0xFFFFFFFFu, (uint32_t)SMMU_PREP(CR0_CMDQEN, 1)));
	s.w32(SMMU_CR0, 0);
	EXPECT_NE(0u, s.r32(SMMU_CR0ACK));
	EXPECT_TRUE(s.poll(SMMU_CR0ACK, 0xFFFFFFFFu, 0));
}

TEST_F(Registers, Cr0UnimplementedEnablesReadAsZero)
{
	s.w32(SMMU_CR0, (uint32_t)(SMMU_PREP(CR0_PRIQEN, 1) | SMMU_PREP(CR0_ATSCHK, 1) | SMMU_PREP(CR0_VMW, 7)));
	EXPECT_EQ(0u, s.r32(SMMU_CR0));
}

TEST_F(Registers, IrqCtrlAckFollowsIrqCtrl)
{
	uint32_t v = (uint32_t)(SMMU_PREP(IRQ_CTRL_GERROR_IRQEN, 1) | SMMU_PREP(IRQ_CTRL_EVENTQ_IRQEN, 1));
	s.w32(SMMU_IRQ_CTRL, v);
	EXPECT_EQ(0u, s.r32(SMMU_IRQ_CTRLACK));
	EXPECT_TRUE(s.poll(SMMU_IRQ_CTRLACK, 0xFFFFFFFFu, v));
}

TEST_F(Registers, IrqCfgWritableOnlyWhileIrqDisabled)
{
	s.w64(SMMU_EVENTQ_IRQ_CFG0, 0x1000);
	s.w32(SMMU_EVENTQ_IRQ_CFG1, 0x55);
	EXPECT_EQ(0x1000u, s.r64(SMMU_EVENTQ_IRQ_CFG0));
	EXPECT_EQ(0x55u, s.r32(SMMU_EVENTQ_IRQ_CFG1));
	s.w32(SMMU_IRQ_CTRL, (uint32_t)SMMU_PREP(IRQ_CTRL_EVENTQ_IRQEN, 1));
	ASSERT_TRUE(s.poll(SMMU_IRQ_CTRLACK, 0xFFFFFFFFu, (uint32_t)SMMU_PREP(IRQ_CTRL_EVENTQ_IRQEN, 1)));
	s.w64(SMMU_EVENTQ_IRQ_CFG0, 0x2000);
	s.w32(SMMU_EVENTQ_IRQ_CFG1, 0x66);
	EXPECT_EQ(0x1000u, s.r64(SMMU_EVENTQ_IRQ_CFG0));
	EXPECT_EQ(0x55u, s.r32(SMMU_EVENTQ_IRQ_CFG1));
}

TEST_F(Registers, GbpaUpdateClearsAfterDelay)
{
	EXPECT_EQ(GBPA_RESET_VALUE, s.r32(SMMU_GBPA));
	uint32_t v = (uint32_t)(SMMU_PREP(GBPA_ABORT, 1) | SMMU_PREP(GBPA_SHCFG, 1));
	s.w32(SMMU_GBPA, v | (uint32_t)SMMU_PREP(GBPA_UPDATE, 1));
	EXPECT_EQ(1u, SMMU_GET(s.r32(SMMU_GBPA), GBPA_UPDATE));
	EXPECT_TRUE(s.poll(SMMU_GBPA, (uint32_t)SMMU_MASK(GBPA_UPDATE), 0));
	EXPECT_EQ(v, s.r32(SMMU_GBPA));
}

TEST_F(Registers, GbpaWriteWithoutUpdateIgnored)
{
	s.w32(SMMU_GBPA, (uint32_t)SMMU_PREP(GBPA_ABORT, 1));
	s.run(100);
	EXPECT_EQ(GBPA_RESET_VALUE, s.r32(SMMU_GBPA));
}

TEST_F(Registers, GerrorToggleProtocol)
{
	// Provoke CMDQ_ERR with an illegal opcode, then acknowledge through GERRORN.
	s.boot();
	s.cmd(SMMU_PREP(CMD0_OPCODE, 0xFF));
	EXPECT_FALSE(s.drain());
	uint32_t g = s.r32(SMMU_GERROR), gn = s.r32(SMMU_GERRORN);
	EXPECT_EQ(1u, (g ^ gn) & 1u) << "error active while GERROR != GERRORN";
	s.w32(SMMU_GERRORN, g);
	EXPECT_EQ(0u, (s.r32(SMMU_GERROR) ^ s.r32(SMMU_GERRORN)) & 1u);
	// A second error toggles GERROR back (it is not a level).
	s.run(100);
	EXPECT_FALSE(s.drain());
	EXPECT_EQ(g ^ 1u, s.r32(SMMU_GERROR) & 1u);
}

TEST_F(Registers, WriteWhenEnabledIgnored)
{
	s.boot();
	s.w64(SMMU_STRTAB_BASE, 0x9000000);
	s.w32(SMMU_STRTAB_BASE_CFG, 3);
	s.w32(SMMU_CR1, 0xFFF);
	s.w32(SMMU_CR2, 0);
	s.w64(SMMU_CMDQ_BASE, 0x9000000 | 4);
	s.w64(SMMU_EVENTQ_BASE, 0x9000000 | 4);
	s.w32(SMMU_CMDQ_CONS, 5);
	s.w32(SMMU_EVENTQ_PROD, 5);
	EXPECT_EQ(STRTAB, s.r64(SMMU_STRTAB_BASE));
	EXPECT_EQ(8u, SMMU_GET(s.r32(SMMU_STRTAB_BASE_CFG), STRTAB_BASE_CFG_LOG2SIZE));
	EXPECT_EQ(0u, s.r32(SMMU_CR1));
	EXPECT_EQ(1u, SMMU_GET(s.r32(SMMU_CR2), CR2_RECINVSID));
	EXPECT_EQ(CMDQ | s.cmdq_log2, s.r64(SMMU_CMDQ_BASE));
	EXPECT_EQ(EVTQ | s.evtq_log2, s.r64(SMMU_EVENTQ_BASE));
	EXPECT_EQ(0u, s.r32(SMMU_CMDQ_CONS));
	EXPECT_EQ(0u, s.r32(SMMU_EVENTQ_PROD));
}

TEST_F(Registers, WritableWhileDisabled)
{
	s.w64(SMMU_STRTAB_BASE, 0x9000040);
	s.w32(SMMU_STRTAB_BASE_CFG, (uint32_t)(SMMU_PREP(STRTAB_BASE_CFG_FMT, 1) | SMMU_PREP(STRTAB_BASE_CFG_SPLIT, 8) | 12));
	s.w32(SMMU_CR1, 0xFFF);
	s.w32(SMMU_CR2, 0x7);
	EXPECT_EQ(0x9000040u, s.r64(SMMU_STRTAB_BASE));
	EXPECT_EQ(0x1020Cu, s.r32(SMMU_STRTAB_BASE_CFG));
	EXPECT_EQ(0xFFFu, s.r32(SMMU_CR1));
	EXPECT_EQ(0x6u, s.r32(SMMU_CR2)) << "E2H needs HYP";
}

TEST_F(Registers, SixtyFourBitRegisterAsTwoHalves)
{
	s.w32(SMMU_STRTAB_BASE, 0x12345640);
	s.w32(SMMU_STRTAB_BASE + 4, 0x00AB);
	EXPECT_EQ(0x000000AB12345640ull, s.r64(SMMU_STRTAB_BASE));
	EXPECT_EQ(0x12345640u, s.r32(SMMU_STRTAB_BASE));
	EXPECT_EQ(0xABu, s.r32(SMMU_STRTAB_BASE + 4));
	// A 64-bit access to 32-bit registers is RAZ/WI in this model.
	s.w64(SMMU_CR0, ~0ull);
	EXPECT_EQ(0u, s.r32(SMMU_CR0));
}

TEST_F(Registers, QueueBaseFieldsMasked)
{
	s.w64(SMMU_CMDQ_BASE, ~0ull);
	EXPECT_EQ(SMMU_MASK(Q_BASE_ADDR) | SMMU_MASK(Q_BASE_RWA) | SMMU_MASK(Q_BASE_LOG2SIZE), s.r64(SMMU_CMDQ_BASE));
}

TEST_F(Registers, EventqIndexesOnPage1)
{
	s.w32(SMMU_EVENTQ_CONS, 0x80000003u);
	EXPECT_EQ(0x80000003u, s.r32(SMMU_EVENTQ_CONS));
	EXPECT_EQ(0u, s.r32(SMMU_PAGE1 - 0x10000 + 0x0AC)) << "no page-0 alias";
	s.w32(SMMU_EVENTQ_PROD, 7);
	EXPECT_EQ(7u, s.r32(SMMU_EVENTQ_PROD));
}

// Random writes everywhere but CR0: the ID registers keep their values and the SMMU still
// acknowledges a CR0 write (it neither crashed nor wedged).
TEST_F(Registers, RandomWritesNeverCrash)
{
	const uint32_t ids[] = {SMMU_IDR0, SMMU_IDR1, SMMU_IDR3, SMMU_IDR5, SMMU_IIDR, SMMU_AIDR};
	uint32_t before[6];
	for (int i = 0; i < 6; i++)
		before[i] = s.r32(ids[i]);
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint32_t off = (uint32_t)(x % 0x20000) & ~3u;
		if (off == SMMU_CR0)
			continue; // keep the SMMU alive
		s.w32(off, (uint32_t)(x >> 32));
		if (i % 64 == 0)
			s.relax();
	}
	s.run(10000);
	for (int i = 0; i < 6; i++)
		EXPECT_EQ(before[i], s.r32(ids[i])) << "ID register at 0x" << std::hex << ids[i];
	EXPECT_TRUE(s.set_cr0(0)) << "CR0ACK follows CR0";
	EXPECT_TRUE(s.set_cr0((uint32_t)SMMU_PREP(CR0_CMDQEN, 1))) << "CR0ACK follows CR0";
}

} // namespace
