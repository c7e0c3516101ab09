// C shim: DMA allocator, memory, DMA entry points, asynchronous interface, statistics.
#include "harness.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace th;

namespace {

struct Platform : ::testing::Test {
	Sim s;
	int alloc(size_t size, size_t align, smmu_dma_buf &b) { return s.ri->dma_alloc(s.ri->ctx, size, align, &b); }
	void free(const smmu_dma_buf &b) { s.ri->dma_free(s.ri->ctx, &b); }
};

TEST_F(Platform, DmaAllocZeroedAlignedAndShared)
{
	smmu_dma_buf b;
	ASSERT_EQ(0, alloc(100, 4096, b));
	EXPECT_EQ(0u, b.bus % 4096);
	EXPECT_GE(b.bus, 1ull << 30) << "allocations start at mem.dma_base";
	EXPECT_EQ(100u, b.size);
	for (int i = 0; i < 100; i++)
		EXPECT_EQ(0, ((unsigned char *)b.cpu)[i]);
	((uint32_t *)b.cpu)[3] = 0xABCD;
	uint32_t v = 0;
	ASSERT_EQ(0, smmusim_mem_read(s.sim, b.bus + 12, &v, 4));
	EXPECT_EQ(0xABCDu, v) << "the CPU pointer and the bus address are the same bytes";
}

TEST_F(Platform, DmaAllocReusesFreedBlocksZeroed)
{
	smmu_dma_buf a, b;
	ASSERT_EQ(0, alloc(64, 64, a));
	std::memset(a.cpu, 0xFF, 64);
	free(a);
	ASSERT_EQ(0, alloc(64, 64, b));
	EXPECT_EQ(a.bus, b.bus) << "deterministic reuse";
	for (int i = 0; i < 64; i++)
		EXPECT_EQ(0, ((unsigned char *)b.cpu)[i]);
}

TEST_F(Platform, DmaAllocManySmallIsFast)
{
	std::vector<smmu_dma_buf> v(1u << 20);
	for (auto &b : v)
		ASSERT_EQ(0, alloc(24, 8, b));
	EXPECT_NE(v[0].bus, v[1].bus);
	for (auto &b : v)
		free(b);
	EXPECT_EQ(0u, s.stat("mem.dma_allocations"));
}

TEST_F(Platform, DmaAllocLarge)
{
	smmu_dma_buf a, b;
	ASSERT_EQ(0, alloc(64u << 20, 4096, a));
	((unsigned char *)a.cpu)[(64u << 20) - 1] = 7;
	free(a);
	ASSERT_EQ(0, alloc(64u << 20, 4096, b));
	EXPECT_EQ(0, ((unsigned char *)b.cpu)[(64u << 20) - 1]);
}

TEST_F(Platform, DmaAllocRejectsBadAlignment)
{
	smmu_dma_buf b;
	EXPECT_EQ(-EINVAL, alloc(64, 48, b));
	EXPECT_EQ(-EINVAL, alloc(0, 64, b));
	EXPECT_EQ(-ENOMEM, alloc(32ull << 30, 4096, b)) << "larger than RAM";
}

TEST_F(Platform, AllocationFailureInjection)
{
	smmu_dma_buf b;
	smmusim_fail_alloc_after(s.sim, 2);
	EXPECT_EQ(0, alloc(64, 64, b));
	EXPECT_EQ(0, alloc(64, 64, b));
	EXPECT_EQ(-ENOMEM, alloc(64, 64, b));
	EXPECT_EQ(-ENOMEM, alloc(64, 64, b));
	smmusim_fail_alloc_after(s.sim, -1);
	EXPECT_EQ(0, alloc(64, 64, b));
}

// Frees of addresses the allocator never handed out, of the inside of a block, or twice, change
// nothing: the live block keeps its bytes and is not handed out again.
TEST_F(Platform, DmaFreeOfUnknownAddressIgnored)
{
	smmu_dma_buf a, b, c;
	ASSERT_EQ(0, alloc(64, 64, a));
	ASSERT_EQ(0, alloc(64, 64, b));
	std::memset(a.cpu, 0x5A, 64);
	const uint64_t bytes = s.stat("mem.dma_bytes"), n = s.stat("mem.dma_allocations");
	free(smmu_dma_buf{nullptr, 0x12345, 64});
	free(smmu_dma_buf{nullptr, a.bus + 8, 56});
	EXPECT_EQ(bytes, s.stat("mem.dma_bytes"));
	EXPECT_EQ(n, s.stat("mem.dma_allocations"));
	free(b);
	free(b);
	EXPECT_EQ(n - 1, s.stat("mem.dma_allocations")) << "the second free of b is ignored";
	ASSERT_EQ(0, alloc(64, 64, b));
	ASSERT_EQ(0, alloc(64, 64, c));
	EXPECT_NE(a.bus, b.bus);
	EXPECT_NE(a.bus, c.bus);
	EXPECT_NE(b.bus, c.bus) << "a block freed twice is handed out once";
	for (int i = 0; i < 64; i++)
		EXPECT_EQ(0x5A, ((unsigned char *)a.cpu)[i]);
}

TEST_F(Platform, MemoryOutsideRamFaults)
{
	uint64_t v = 0;
	EXPECT_EQ(-EFAULT, smmusim_mem_read(s.sim, 16ull << 30, &v, 8));
	EXPECT_EQ(-EFAULT, smmusim_mem_write(s.sim, (16ull << 30) - 4, &v, 8));
	EXPECT_EQ(0, smmusim_mem_write(s.sim, (16ull << 30) - 8, &v, 8));
}

TEST_F(Platform, DmaRejectsMalformedRequests)
{
	struct smmusim_dma d = {};
	d.size = 4;
	smmusim_dma_result r;
	d.port = 4;
	EXPECT_EQ(-EINVAL, smmusim_dma(s.sim, &d, nullptr, &r));
	d.port = 0;
	d.size = 0;
	EXPECT_EQ(-EINVAL, smmusim_dma(s.sim, &d, nullptr, &r));
	d.size = 4097;
	EXPECT_EQ(-EINVAL, smmusim_dma(s.sim, &d, nullptr, &r));
	d.size = 8;
	d.addr = 0xFFC;
	EXPECT_EQ(-EINVAL, smmusim_dma(s.sim, &d, nullptr, &r)) << "crosses 4 KB";
	EXPECT_EQ(-EINVAL, smmusim_dma_submit(s.sim, &d, 0, 0));
	d.addr = 0xFF8;
	EXPECT_EQ(0, smmusim_dma(s.sim, &d, nullptr, nullptr));
}

TEST_F(Platform, AsyncSubmitPollInCompletionOrder)
{
	struct smmusim_dma d = {};
	d.size = 4;
	d.addr = DATA;
	uint64_t t0 = s.now();
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &d, t0 + 50, 1));
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &d, t0 + 10, 2));
	ASSERT_EQ(0, smmusim_dma_submit(s.sim, &d, 0, 3)); // past = now
	EXPECT_EQ(3u, smmusim_dma_outstanding(s.sim));
	smmusim_dma_result out[4];
	EXPECT_EQ(0u, smmusim_dma_poll(s.sim, out, 4));
	s.run(1000);
	EXPECT_EQ(0u, smmusim_dma_outstanding(s.sim));
	ASSERT_EQ(3u, smmusim_dma_poll(s.sim, out, 4));
	EXPECT_EQ(3u, out[0].tag);
	EXPECT_EQ(2u, out[1].tag);
	EXPECT_EQ(1u, out[2].tag);
	EXPECT_EQ(t0 + 10, out[1].issue_cycle);
	EXPECT_EQ(t0 + 10 + 100, out[1].done_cycle) << "bypass: one memory access";
	EXPECT_LE(out[0].done_cycle, out[1].done_cycle);
	EXPECT_EQ(0u, smmusim_dma_poll(s.sim, out, 4));
}

TEST_F(Platform, RelaxAdvancesRelaxCycles)
{
	uint64_t t = s.now();
	s.relax();
	EXPECT_EQ(t + 16, s.now());
}

TEST_F(Platform, StatisticsByName)
{
	s.boot();
	s.dma(300, DATA);
	s.dma(300, DATA);
	EXPECT_EQ(2u, s.stat("dma.transactions"));
	EXPECT_EQ(2u, s.stat("dma.abort"));
	EXPECT_EQ(2u, s.stat("events.C_BAD_STREAMID"));
	EXPECT_EQ(2u, s.stat("events.recorded"));
	EXPECT_EQ(s.now(), s.stat("cycles"));
	EXPECT_EQ(0u, s.stat("no.such.counter"));
}

TEST_F(Platform, StatsJson)
{
	s.dma(1, DATA);
	char *buf = nullptr;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ASSERT_EQ(0, smmusim_stats_json(s.sim, f));
	std::fclose(f);
	std::string j(buf, len);
	std::free(buf);
	EXPECT_EQ('{', j.front());
	EXPECT_NE(std::string::npos, j.find("\"dma.transactions\": 1"));
	EXPECT_NE(std::string::npos, j.find("\"events.F_TRANSLATION\": 0"));
	EXPECT_NE(std::string::npos, j.find("\"latency.histogram\": [[128, 1]]"));
	EXPECT_EQ(std::string::npos, j.find(",\n}"));
}

// The driver refuses a register interface without barriers: the model provides all three (no-ops,
// as it performs every access in program order).
TEST_F(Platform, BarrierHooksPresent)
{
	EXPECT_NE(nullptr, s.ri->rmb);
	EXPECT_NE(nullptr, s.ri->wmb);
	EXPECT_NE(nullptr, s.ri->mb);
	EXPECT_NE(nullptr, s.ri->log);
}

// The driver's log lines reach stderr only with smmu.log (or SMMUSIM_LOG); a null message prints nothing.
TEST_F(Platform, LogHookSilentByDefault)
{
	if (std::getenv("SMMUSIM_LOG"))
		GTEST_SKIP() << "SMMUSIM_LOG is set";
	testing::internal::CaptureStderr();
	s.ri->log(s.ri->ctx, SMMU_LOG_ERR, "hello");
	EXPECT_EQ("", testing::internal::GetCapturedStderr());
}

TEST(PlatformLog, LogHookPrintsWithSmmuLog)
{
	Sim s({{"smmu.log", "1"}});
	testing::internal::CaptureStderr();
	s.ri->log(s.ri->ctx, SMMU_LOG_INFO, "hello");
	s.ri->log(s.ri->ctx, SMMU_LOG_ERR, nullptr);
	s.ri->log(s.ri->ctx, SMMU_LOG_WARN, "w");
	EXPECT_EQ("smmu[info]: hello\nsmmu[warn]: w\n", testing::internal::GetCapturedStderr());
}

} // namespace
