// C shim: DMA allocator, memory, DMA entry points, asynchronous interface, statistics.
#include "harness.hpp"

#include <smmusim/memory.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace th;

namespace {

struct Platform : ::testing::Test {
	Sim s{{"smmu.strict", "0"}}; // the lenient allocator's zeros; strict mode's junk: DmaAllocator.*
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

// Register reads cost smmu.reg_read_cycles (sampled half-way) and run() advances time; the
// platform runs its clock ahead of SystemC's while nothing of SystemC's is due. What SystemC does
// must still happen at its own cycle: a write's acknowledgement due between two reads, a command
// consumed at its PROD write after a stretch of reads and runs and done while reads run ahead.
TEST(PlatformTime, SystemCActivityAtItsCycleAfterReadsAndRuns)
{
	Sim s{{"smmu.reg_read_cycles", "100"}, {"smmu.ack_delay", "130"}, {"smmu.cmd_cycles", "130"}};
	s.boot();
	smmusim_cmd_log(s.sim, true);
	s.run(1000);
	for (int i = 0; i < 3; i++)
		(void)s.r32(SMMU_GERROR);
	const uint64_t w = s.now();
	s.w32(SMMU_GBPA, (uint32_t)SMMU_PREP(GBPA_UPDATE, 1));
	EXPECT_TRUE(SMMU_GET(s.r32(SMMU_GBPA), GBPA_UPDATE)) << "sampled at w + 50, before the ack at w + 130";
	EXPECT_FALSE(SMMU_GET(s.r32(SMMU_GBPA), GBPA_UPDATE)) << "sampled at w + 150";
	EXPECT_EQ(w + 200, s.now());

	s.run(777);
	(void)s.r32(SMMU_GERROR);
	const uint32_t m = s.qmask(s.cmdq_log2), p = s.r32(SMMU_CMDQ_PROD) & m;
	const uint64_t ent = CMDQ + (uint64_t)(p & ((1u << s.cmdq_log2) - 1)) * CMD_SIZE;
	s.m64(ent, SMMU_PREP(CMD0_OPCODE, CMD_SYNC));
	s.m64(ent + 8, 0);
	const uint64_t w2 = s.now();
	s.w32(SMMU_CMDQ_PROD, (p + 1) & m);
	EXPECT_EQ(p, s.r32(SMMU_CMDQ_CONS) & m) << "sampled at w2 + 50: the SYNC takes 132 cycles";
	EXPECT_EQ((p + 1) & m, s.r32(SMMU_CMDQ_CONS) & m) << "sampled at w2 + 150";
	smmusim_cmd_record rec[2];
	ASSERT_EQ(1u, smmusim_cmd_poll(s.sim, rec, 2, false));
	EXPECT_EQ(w2, rec[0].consumed_cycle);
	EXPECT_EQ(w2 + 130 + 2, rec[0].done_cycle) << "smmu.cmd_cycles + smmu.cmd_sync_cycles";
	EXPECT_EQ(w2 + 150, rec[0].seen_cycle);
	EXPECT_EQ(w2 + 200, s.now());

	// An acknowledged CMDQ_ERR (GERRORN) resumes the queue at the write's cycle too.
	const uint32_t p2 = (p + 1) & m;
	const uint64_t ent2 = CMDQ + (uint64_t)(p2 & ((1u << s.cmdq_log2) - 1)) * CMD_SIZE;
	s.m64(ent2, SMMU_PREP(CMD0_OPCODE, CMD_SYNC) | SMMU_PREP(CMD0_SSEC, 1)); // CERROR_ILL
	s.m64(ent2 + 8, 0);
	s.w32(SMMU_CMDQ_PROD, (p2 + 1) & m);
	s.run(500);
	const uint32_t gerror = s.r32(SMMU_GERROR);
	ASSERT_EQ(1u, (gerror ^ s.r32(SMMU_GERRORN)) & 1u) << "CMDQ_ERR active";
	s.m64(ent2, SMMU_PREP(CMD0_OPCODE, CMD_SYNC));
	s.run(333);
	(void)s.r32(SMMU_GERROR);
	const uint64_t w3 = s.now();
	s.w32(SMMU_GERRORN, gerror);
	EXPECT_EQ(p2, s.r32(SMMU_CMDQ_CONS) & m) << "sampled at w3 + 50";
	EXPECT_EQ((p2 + 1) & m, s.r32(SMMU_CMDQ_CONS) & m) << "sampled at w3 + 150";
	ASSERT_EQ(2u, smmusim_cmd_poll(s.sim, rec, 2, false));
	EXPECT_NE(0u, rec[0].cerror);
	EXPECT_EQ(0u, rec[1].cerror);
	EXPECT_EQ(w3, rec[1].consumed_cycle);
	EXPECT_EQ(w3 + 130 + 2, rec[1].done_cycle);
}

// The command queue completes the commands due before the platform's next work (a register
// access, a transaction) in one SystemC activation (Smmu::quiet_until). Each command must still
// complete at its own cycle, CONS move then, and the consumption stop at a CR0 acknowledgement
// that clears CMDQEN: the command log, CONS and the statistics are those of a run stepped one
// cycle at a time (where no command completes before the step's end, so each has an activation
// of its own), and CONS read after runs of various lengths counts the commands done by then.
std::string command_batch_run(bool stepped)
{
	return th::output_of_child([&](int fd) {
		Sim s{{"smmu.reg_read_cycles", "100"}, {"smmu.ack_delay", "400"}, {"smmu.cmd_cycles", "30"}};
		s.boot();
		smmusim_cmd_log(s.sim, true);
		smmusim_reg_read_timing(s.sim, 0); // the CONS reads below cost no cycles: no run of their own
		const uint32_t m = s.qmask(s.cmdq_log2);
		FILE *f = fdopen(fd, "w");
		uint32_t prod = s.r32(SMMU_CMDQ_PROD) & m;
		auto queue = [&](unsigned n) { // CFGI_STE, TLBI_NH_ALL, SYNC, CFGI_ALL, ... with one PROD write
			for (unsigned i = 0; i < n; i++) {
				const uint64_t ent = CMDQ + (uint64_t)(prod & ((1u << s.cmdq_log2) - 1)) * CMD_SIZE;
				static const uint8_t kOps[] = {CMD_CFGI_STE, CMD_TLBI_NH_ALL, CMD_SYNC, CMD_CFGI_STE_RANGE};
				const uint8_t op = kOps[i % 4];
				s.m64(ent, SMMU_PREP(CMD0_OPCODE, op) | SMMU_PREP(CMD0_SID, i));
				s.m64(ent + 8, op == CMD_CFGI_STE_RANGE ? SMMU_PREP(CMD1_RANGE, CMD_CFGI_ALL_RANGE) : 0);
				prod = (prod + 1) & m;
			}
			s.w32(SMMU_CMDQ_PROD, prod);
		};
		auto run = [&](uint64_t cycles, const uint64_t *steps, size_t nsteps) {
			const uint64_t end = s.now() + cycles;
			for (size_t i = 0; s.now() < end; i++) {
				s.run(std::min<uint64_t>(stepped ? 1 : steps[i % nsteps], end - s.now()));
				if (!stepped) // the commands done by now, as the log (taken at the end) will say
					std::fprintf(f, "%llu cons %u\n", (unsigned long long)s.now(), s.r32(SMMU_CMDQ_CONS) & m);
			}
		};
		static const uint64_t kSteps[] = {37, 1, 250, 90, 3, 600};
		queue(13);
		run(3000, kSteps, 6);
		queue(13); // then CMDQEN cleared: acknowledged 400 cycles later, in the middle of these
		s.w32(SMMU_CR0, s.r32(SMMU_CR0) & ~(uint32_t)SMMU_PREP(CR0_CMDQEN, 1));
		static const uint64_t kLong[] = {5000};
		run(5000, kLong, 1);
		std::fprintf(f, "CONS %u commands %llu\n", s.r32(SMMU_CMDQ_CONS) & m,
			     (unsigned long long)smmusim_stat(s.sim, "cmdq.commands"));
		smmusim_cmd_record rec;
		while (smmusim_cmd_poll(s.sim, &rec, 1, true))
			std::fprintf(f, "op 0x%02x consumed %llu done %llu\n", (unsigned)(rec.dw[0] & 0xFF),
				     (unsigned long long)rec.consumed_cycle, (unsigned long long)rec.done_cycle);
		std::fclose(f);
	});
}

TEST(PlatformTime, CommandsCompleteAtTheirCyclesInOneActivation)
{
	const std::string stepped = command_batch_run(true), batched = command_batch_run(false);
	ASSERT_NE(std::string::npos, stepped.find("CONS ")) << stepped;
	// CONS after each run of the batched one: the commands the log has done by then.
	std::vector<uint64_t> done;
	for (size_t at = 0; (at = stepped.find(" done ", at)) != std::string::npos; at++)
		done.push_back(std::strtoull(stepped.c_str() + at + 6, nullptr, 10));
	ASSERT_GT(done.size(), 13u) << "some of the second batch ran";
	ASSERT_LT(done.size(), 26u) << "the CR0 acknowledgement stopped the queue";
	size_t reads = 0, pos = 0;
	unsigned long long now, cons;
	for (int n; std::sscanf(batched.c_str() + pos, "%llu cons %llu\n%n", &now, &cons, &n) == 2; pos += (size_t)n) {
		const size_t expect = (size_t)std::count_if(done.begin(), done.end(), [&](uint64_t d) { return d <= now; });
		ASSERT_EQ(expect, cons) << "CONS at cycle " << now;
		reads++;
	}
	EXPECT_GT(reads, 20u);
	EXPECT_EQ(stepped, batched.substr(pos)) << "the same commands, at the same cycles";
}

// A CR0 write that only moves the acknowledgement later leaves the ack_method's earlier activation
// pending; that activation notifies the acknowledgement again. A command whose completion falls in
// the acknowledgement's cycle was notified, with one activation per command, after that, and the
// acknowledgement clearing CMDQEN comes first: the command is not done. The batch must stop at
// that activation (Smmu::ack_wake_), not only at the acknowledgement, to keep that order.
std::string command_batch_ack_run(bool stepped)
{
	return th::output_of_child([&](int fd) {
		Sim s{{"smmu.ack_delay", "40"}, {"smmu.cmd_cycles", "10"}, {"smmu.cmd_sync_cycles", "0"}};
		s.boot();
		smmusim_cmd_log(s.sim, true);
		smmusim_reg_read_timing(s.sim, 0);
		const uint32_t m = s.qmask(s.cmdq_log2);
		FILE *f = fdopen(fd, "w");
		auto run = [&](uint64_t cycles) {
			for (uint64_t i = 0; i < (stepped ? cycles : 1); i++)
				s.run(stepped ? 1 : cycles);
		};
		const uint32_t cr0 = s.r32(SMMU_CR0);
		s.w32(SMMU_CR0, cr0); // its acknowledgement's activation: 40 cycles from now
		run(20);
		uint32_t prod = s.r32(SMMU_CMDQ_PROD) & m;
		const uint64_t before = smmusim_stat(s.sim, "cmdq.commands");
		for (unsigned i = 0; i < 4; i++) { // four CMD_SYNCs of 10 cycles: the last done 40 cycles on
			const uint64_t ent = CMDQ + (uint64_t)(prod & ((1u << s.cmdq_log2) - 1)) * CMD_SIZE;
			s.m64(ent, SMMU_PREP(CMD0_OPCODE, CMD_SYNC));
			s.m64(ent + 8, 0);
			prod = (prod + 1) & m;
		}
		s.w32(SMMU_CMDQ_PROD, prod);
		s.w32(SMMU_CR0, cr0 & ~(uint32_t)SMMU_PREP(CR0_CMDQEN, 1)); // acknowledged 40 cycles on
		run(100);
		std::fprintf(f, "CONS %u PROD %u commands %llu\n", s.r32(SMMU_CMDQ_CONS) & m, prod,
			     (unsigned long long)(smmusim_stat(s.sim, "cmdq.commands") - before));
		smmusim_cmd_record rec;
		while (smmusim_cmd_poll(s.sim, &rec, 1, true))
			std::fprintf(f, "op 0x%02x consumed %llu done %llu\n", (unsigned)(rec.dw[0] & 0xFF),
				     (unsigned long long)rec.consumed_cycle, (unsigned long long)rec.done_cycle);
		std::fclose(f);
	});
}

TEST(PlatformTime, CommandBatchKeepsTheOrderOfAStaleAcknowledgementActivation)
{
	const std::string stepped = command_batch_ack_run(true), batched = command_batch_ack_run(false);
	ASSERT_NE(std::string::npos, stepped.find("commands ")) << stepped;
	EXPECT_NE(std::string::npos, stepped.find(" commands 3\n")) << "CMDQEN cleared before the fourth\n" << stepped;
	EXPECT_EQ(stepped, batched);
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

// The allocator itself (no SystemC: several in one process). Strict mode's UNKNOWN contents
// (docs/model.md "Strict mode"): every 64-byte line a valid-looking STE, CD or eight descriptors,
// pointing only into what was handed out, below the OAS; seeded, and new on every reuse.
struct Alloc {
	smmusim::SmmuParams p{};
	smmusim::Memory mem;
	smmusim::DmaAllocator a;
	explicit Alloc(bool strict, uint64_t seed = 1)
	{
		std::string err;
		EXPECT_TRUE(smmusim::smmu_params_from_config(nullptr, p, err)) << err;
		p.strict = strict;
		p.seed = seed;
		p.mem_size = 2ull << 30;
		EXPECT_TRUE(mem.init(p.mem_size, err)) << err;
		a.init(&mem, p);
	}
	uint64_t alloc(uint64_t size)
	{
		uint64_t bus = 0;
		EXPECT_EQ(0, a.alloc(size, size, bus));
		return bus;
	}
	const uint64_t *dw(uint64_t bus) const { return reinterpret_cast<const uint64_t *>(mem.ptr(bus)); }
};

TEST(DmaAllocator, StrictJunkLooksLikeValidStructuresPointingIntoAllocatedMemory)
{
	Alloc t(true);
	const uint64_t first = t.alloc(4096), bus = t.alloc(64 * 1024), end = bus + 64 * 1024;
	const uint64_t oas = 1ull << smmu_oas_bits(t.p.oas);
	auto inside = [&](uint64_t a) { return a >= first && a < end && a < oas; };
	unsigned stes = 0, cds = 0, descs = 0;
	for (uint64_t off = 0; off < 64 * 1024; off += 64) {
		const uint64_t *l = t.dw(bus + off);
		const unsigned config = (unsigned)SMMU_GET(l[0], STE0_CONFIG);
		if (SMMU_GET(l[0], STE0_V) && (config == STE_CONFIG_BYPASS || config == STE_CONFIG_S1_TRANS)) {
			stes++;
			EXPECT_TRUE(config == STE_CONFIG_BYPASS || inside(SMMU_ADDR(l[0], STE0_S1CONTEXTPTR)));
		} else if (SMMU_GET(l[0], CD0_V) && SMMU_GET(l[0], CD0_AA64)) {
			cds++;
			const unsigned t0sz = (unsigned)SMMU_GET(l[0], CD0_T0SZ);
			EXPECT_TRUE(t0sz >= 16 && t0sz <= 39) << t0sz;
			EXPECT_EQ(0u, SMMU_GET(l[0], CD0_EPD0));
			EXPECT_EQ(0u, SMMU_GET(l[0], CD0_HA) | SMMU_GET(l[0], CD0_HD) | SMMU_GET(l[0], CD0_ENDI));
			EXPECT_LE(smmu_oas_bits((unsigned)SMMU_GET(l[0], CD0_IPS)), smmu_oas_bits(t.p.oas));
			EXPECT_TRUE(inside(SMMU_ADDR(l[1], CD1_TTB0)));
		} else {
			descs++;
			for (unsigned i = 0; i < 8; i++) {
				EXPECT_EQ(1u, SMMU_GET(l[i], PTE_VALID) & SMMU_GET(l[i], PTE_TYPE) & SMMU_GET(l[i], PTE_AF))
					<< "line " << off << " dword " << i;
				EXPECT_TRUE(inside(SMMU_ADDR(l[i], PTE_OA)));
				EXPECT_EQ(1u, SMMU_GET(l[i], L1CD_V));
				const unsigned span = (unsigned)SMMU_GET(l[i], L1STD_SPAN);
				EXPECT_TRUE(span >= 1 && span <= 7) << span; // valid for every SPLIT (6, 8, 10)
			}
		}
	}
	EXPECT_GT(stes, 64u);
	EXPECT_GT(cds, 64u);
	EXPECT_GT(descs, 64u);
}

TEST(DmaAllocator, StrictJunkIsSeededAndNewOnReuse)
{
	Alloc a(true, 7), b(true, 7), c(true, 8);
	const uint64_t x = a.alloc(4096);
	ASSERT_EQ(x, b.alloc(4096));
	ASSERT_EQ(x, c.alloc(4096));
	EXPECT_EQ(0, std::memcmp(a.dw(x), b.dw(x), 4096)) << "same seed, same calls: same bytes";
	EXPECT_NE(0, std::memcmp(a.dw(x), c.dw(x), 4096)) << "another seed: other junk";
	std::vector<uint64_t> before(a.dw(x), a.dw(x) + 512);
	std::memset(a.mem.ptr(x), 0, 4096); // what a driver does with it
	a.a.free(x);
	ASSERT_EQ(x, a.alloc(4096));
	unsigned zero = 0, same = 0;
	for (unsigned i = 0; i < 512; i++) {
		zero += a.dw(x)[i] == 0;
		same += a.dw(x)[i] == before[i];
	}
	EXPECT_LT(zero, 512u) << "a reused block is junk again, not what the last owner left";
	EXPECT_LT(same, 512u) << "and not the junk it had before";
}

TEST(DmaAllocator, LenientHandsOutZeros)
{
	Alloc t(false);
	const uint64_t x = t.alloc(4096);
	std::memset(t.mem.ptr(x), 0xA5, 4096);
	t.a.free(x);
	ASSERT_EQ(x, t.alloc(4096));
	for (unsigned i = 0; i < 512; i++)
		ASSERT_EQ(0u, t.dw(x)[i]) << i;
}

// Software input never crashes the model or corrupts the allocator: a free of anything but a live
// block's start (twice, inside a block, never handed out, outside the region) is ignored.
TEST(DmaAllocator, FreeOfAnythingButALiveBlockIsIgnored)
{
	Alloc t(false);
	const uint64_t small = t.alloc(64), other = t.alloc(64), big = t.alloc(16384);
	ASSERT_EQ(3u, t.a.allocations());
	const uint64_t bogus[] = {small + 8,  small + 4096 * 64, big + 64, big + 4096, big + 16384,
				  t.p.dma_base - 64, 0,       ~0ull,    t.p.mem_size - 64};
	for (uint64_t bus : bogus)
		t.a.free(bus);
	EXPECT_EQ(3u, t.a.allocations()) << "none of these is a live block";
	t.a.free(small);
	t.a.free(small);
	EXPECT_EQ(2u, t.a.allocations()) << "a second free of the same block is ignored";
	EXPECT_EQ(small, t.alloc(64)) << "the freed block is reused once";
	EXPECT_NE(small, t.alloc(64)) << "and only once";
	const uint64_t live = t.a.allocations();
	t.a.free(other);
	t.a.free(big);
	EXPECT_EQ(live - 2, t.a.allocations()) << "the neighbours of the double-freed block are still live";
	EXPECT_EQ(big, t.alloc(16384));
}

} // namespace

namespace {

// mem.store_visibility = barrier (docs/model.md, "Store visibility"): the CPU works on its own copy of
// a regif DMA block; wmb/mb publish its stores to memory (what the SMMU reads), rmb/mb show it what
// was written to memory (as the SMMU writes event records).
TEST(StoreVisibility, StoresCrossOnlyAtTheirBarriers)
{
	Sim s{{"smmu.strict", "0"}, {"mem.store_visibility", "barrier"}};
	smmu_dma_buf b{};
	ASSERT_EQ(0, s.ri->dma_alloc(s.ri->ctx, 64, 64, &b));
	volatile uint64_t *cpu = static_cast<volatile uint64_t *>(b.cpu);
	cpu[0] = 0x11;
	EXPECT_EQ(0u, s.m64(b.bus)) << "not visible before a write barrier";
	s.ri->rmb(s.ri->ctx);
	EXPECT_EQ(0u, s.m64(b.bus)) << "a read barrier publishes nothing";
	s.ri->wmb(s.ri->ctx);
	EXPECT_EQ(0x11u, s.m64(b.bus));
	s.m64(b.bus + 8, 0x22); // written to memory, as the SMMU writes
	s.ri->wmb(s.ri->ctx);
	EXPECT_EQ(0u, cpu[1]) << "a write barrier shows the CPU nothing";
	s.ri->rmb(s.ri->ctx);
	EXPECT_EQ(0x22u, cpu[1]);
	cpu[2] = 0x33;
	s.m64(b.bus + 16, 0x44);
	s.m64(b.bus + 24, 0x55);
	s.ri->mb(s.ri->ctx);
	EXPECT_EQ(0x33u, s.m64(b.bus + 16)) << "both sides wrote: the CPU's later store wins";
	EXPECT_EQ(0x33u, cpu[2]);
	EXPECT_EQ(0x55u, cpu[3]) << "a full barrier orders both ways";
	s.ri->dma_free(s.ri->ctx, &b);
}

TEST(StoreVisibility, ProgramOrderByDefault)
{
	Sim s{{"smmu.strict", "0"}};
	smmu_dma_buf b{};
	ASSERT_EQ(0, s.ri->dma_alloc(s.ri->ctx, 64, 64, &b));
	static_cast<volatile uint64_t *>(b.cpu)[0] = 0x11;
	EXPECT_EQ(0x11u, s.m64(b.bus)) << "every store visible at once";
	s.ri->dma_free(s.ri->ctx, &b);
}

} // namespace
