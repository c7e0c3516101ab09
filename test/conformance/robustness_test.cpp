// Malformed software input is answered as the architecture says, never with a crash.
#include "harness.hpp"

using namespace th;

namespace {

struct Rng {
	uint64_t x = 0x9E3779B97F4A7C15ull;
	uint64_t next()
	{
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		return x;
	}
};

TEST(Robustness, RandomTablesCommandsAndTrafficNeverCrash)
{
	Sim s({{"tcu.cfg.cache_l1", "1"}});
	s.boot(10, STRTAB_FMT_2LVL, 6);
	Rng r;
	// Random L1STDs, STEs, CDs and page tables, mostly valid-looking so that deep paths run.
	// Pointers land inside the region that was filled (64 pages of STEs, 128 of CDs and PTEs).
	auto ptr = [&](uint64_t region) { return region + ((r.next() % (region == 0x2000000 ? 64 : 128)) << 12); };
	for (int i = 0; i < 16; i++)
		s.m64(STRTAB + 8 * i, ptr(0x2000000) | (r.next() % 4 ? 7 : r.next() % 32));
	for (int i = 0; i < 4096; i++) {
		uint64_t a = 0x2000000 + (uint64_t)i * 64;
		uint64_t d0 = (r.next() & ~SMMU_MASK(STE0_S1CONTEXTPTR)) | (ptr(0x3000000) & SMMU_MASK(STE0_S1CONTEXTPTR));
		if (r.next() % 2)
			d0 = (d0 & ~(SMMU_MASK(STE0_CONFIG) | SMMU_MASK(STE0_V) | SMMU_MASK(STE0_S1CDMAX))) | SMMU_PREP(STE0_V, 1) |
			     SMMU_PREP(STE0_CONFIG, STE_CONFIG_S1_TRANS) | SMMU_PREP(STE0_S1CDMAX, r.next() % 2 ? 0 : r.next() % 9);
		s.m64(a, d0);
		s.m64(a + 8, r.next() & (r.next() % 8 ? ~SMMU_MASK(STE1_S1STALLD) : ~0ull));
	}
	for (int i = 0; i < 8192; i++) {
		uint64_t a = 0x3000000 + (uint64_t)i * 64;
		uint64_t d0 = r.next();
		if (r.next() % 2)
			d0 = Sim::cd0((uint16_t)r.next(), 16 + r.next() % 24, (unsigned)(r.next() % 3)) ^ (r.next() & 0x0F006000ull);
		s.m64(a, d0);
		s.m64(a + 8, ptr(0x4000000) | (r.next() & 0xF));
		s.m64(a + 16, r.next());
	}
	for (int i = 0; i < 65536; i++)
		s.m64(0x4000000 + (uint64_t)i * 8, (r.next() % 4 ? ptr(0x4000000) : r.next()) | (r.next() & 0xFFF0000000000FFFull));
	for (int round = 0; round < 3000; round++) {
		if (round % 7 == 0) {
			s.cmd(r.next(), r.next());
			s.run(r.next() % 64);
			if (s.cmdq_err_active())
				s.w32(SMMU_GERRORN, s.r32(SMMU_GERROR));
		}
		struct smmusim_dma d = {};
		d.port = (uint32_t)(r.next() % 4);
		d.sid = (uint32_t)(r.next() % 1100);
		d.ssv = r.next() % 3 == 0;
		d.ssid = (uint32_t)r.next();
		d.addr = r.next() % 2 ? (r.next() & 0x1FFF000ull) : r.next() % 3 ? (r.next() & 0xFFFFFFFFF000ull) : r.next() & ~0xFFFull;
		d.size = 1 + (uint32_t)(r.next() % 4096);
		d.write = r.next() % 2;
		d.priv = r.next() % 2;
		d.instr = r.next() % 2;
		smmusim_dma_result res;
		ASSERT_EQ(0, smmusim_dma(s.sim, &d, nullptr, &res));
		EXPECT_LE(res.status, SMMUSIM_DMA_RAZWI);
		uint64_t ev[4];
		if (round % 5 == 0)
			while (s.pop_event(ev)) {
			}
	}
	if (getenv("DUMP")) smmusim_stats_json(s.sim, stdout);
	EXPECT_EQ(3000u, s.stat("dma.transactions"));
	EXPECT_GT(s.stat("tcu.walks"), 20u) << "the random tables should reach the walker";
	EXPECT_GT(s.stat("events.C_BAD_STE") + s.stat("events.C_BAD_CD") + s.stat("events.C_BAD_STREAMID"), 100u);
}

TEST(Robustness, RunWithNothingPendingIsQuiet)
{
	Sim s;
	::testing::internal::CaptureStdout();
	::testing::internal::CaptureStderr();
	for (int i = 0; i < 10; i++) {
		s.run(0);
		s.run(5);
		s.relax();
	}
	std::string out = ::testing::internal::GetCapturedStdout() + ::testing::internal::GetCapturedStderr();
	EXPECT_EQ("", out);
}

TEST(Robustness, Asid8BitRejectsHighByte)
{
	Sim s({{"smmu.asid16", "0"}});
	EXPECT_EQ(0u, SMMU_GET(s.r32(SMMU_IDR0), IDR0_ASID16));
	s.boot();
	uint64_t ttb = s.s1_stream(1, 0x100);
	s.map(ttb, 0x1000, DATA);
	EXPECT_EQ(EVT_C_BAD_CD, s.dma(1, 0x1000).event);
	s.cd(CDTAB + 64, Sim::cd0(0x7F), ttb);
	s.cfgi_ste(1);
	ASSERT_TRUE(s.sync());
	EXPECT_EQ(SMMUSIM_DMA_OK, s.dma(1, 0x1000).status);
}

TEST(Robustness, SmallerCmdqsLimitsQueueSize)
{
	Sim s({{"smmu.cmdqs", "2"}});
	EXPECT_EQ(2u, SMMU_GET(s.r32(SMMU_IDR1), IDR1_CMDQS));
	s.cmdq_log2 = 2; // software must use min(LOG2SIZE, CMDQS); the harness indexes with 2
	s.w64(SMMU_CMDQ_BASE, CMDQ | 8); // LOG2SIZE 8 above CMDQS behaves as 2
	s.w32(SMMU_CMDQ_PROD, 0);
	s.w32(SMMU_CMDQ_CONS, 0);
	ASSERT_TRUE(s.set_cr0((uint32_t)SMMU_PREP(CR0_CMDQEN, 1)));
	for (int i = 0; i < 5; i++)
		ASSERT_TRUE(s.sync());
	EXPECT_EQ((1u << 2) | 1u, s.r32(SMMU_CMDQ_CONS)) << "wraps after 4 entries";
}

TEST(Robustness, CmdqDisableStopsAtNextCommand)
{
	Sim s;
	s.boot();
	for (int i = 0; i < 20; i++)
		s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_SYNC));
	s.run(20);
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	uint32_t cons = s.r32(SMMU_CMDQ_CONS);
	EXPECT_LT(cons, 20u);
	s.run(1000);
	EXPECT_EQ(cons, s.r32(SMMU_CMDQ_CONS)) << "no command consumed after CMDQEN=0 is acknowledged";
}

TEST(Robustness, FSteFetchOnL1stdAbort)
{
	Sim s;
	s.w64(SMMU_STRTAB_BASE, 1ull << 40);
	s.boot(16, STRTAB_FMT_2LVL, 8);
	s.w64(SMMU_STRTAB_BASE, 1ull << 40); // ignored now: still the boot value
	ASSERT_TRUE(s.set_cr0(0));
	s.w64(SMMU_STRTAB_BASE, 1ull << 40);
	ASSERT_TRUE(s.set_cr0((uint32_t)(SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1))));
	auto r = s.dma(0x305, 0x1000);
	EXPECT_EQ(EVT_F_STE_FETCH, r.event);
	uint64_t ev[4];
	ASSERT_TRUE(s.pop_event(ev));
	EXPECT_EQ((1ull << 40) + 3 * 8, ev[3] & SMMU_MASK(EVT3_FETCHADDR)) << "FetchAddr of the L1STD";
}

} // namespace
