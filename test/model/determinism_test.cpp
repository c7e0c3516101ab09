// Determinism: the same configuration and inputs give the same cycles and statistics, run to run.
// Two child processes (SystemC elaborates once per process) run the same workload with small,
// randomly replaced caches and asynchronous traffic; their JSON statistics must be identical.
#include "harness.hpp"

#include <cstdio>
#include <string>

using namespace th;

namespace {

void workload(int fd, const char *strict)
{
	Sim s({{"smmu.strict", strict}, {"tbu.utlb.entries", "4"}, {"tbu.utlb.policy", "random"}, {"tbu.mtlb.entries", "16"},
	       {"tbu.mtlb.policy", "random"}, {"tcu.cfg.entries", "4"}, {"tcu.cfg.policy", "random"},
	       {"tcu.walk.l2.entries", "8"}, {"tcu.walk.policy", "random"}, {"tcu.ptw.slots", "2"}, {"sim.seed", "7"},
	       // contention on every timing resource: slots, links, lookups, the memory channel
	       {"tbu.xlate.slots", "2"}, {"tcu.xlate.slots", "3"}, {"tcu.walk.slots", "1"}, {"mem.bytes_per_cycle", "8"},
	       {"stats.top_n", "4"}});
	s.boot();
	for (uint32_t sid = 0; sid < 8; sid++) {
		uint64_t ttb = s.s1_stream(sid, (uint16_t)(sid + 1));
		for (uint64_t p = 0; p < 64; p++)
			s.map(ttb, p << 12, DATA + (p << 12));
	}
	uint64_t x = 12345, now = s.now();
	for (int i = 0; i < 4000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		struct smmusim_dma d = {};
		d.port = (uint32_t)(x >> 60) % 4;
		d.sid = (uint32_t)(x >> 40) % 9; // SID 8 has no STE (C_BAD_STE)
		d.addr = ((x >> 20) % 80) << 12;  // pages 64..79 are unmapped (F_TRANSLATION)
		d.size = 64;
		d.write = (x >> 10) & 1;
		ASSERT_EQ(0, smmusim_dma_submit(s.sim, &d, now + (uint64_t)i * 3, (uint64_t)i));
		if (i % 500 == 0) {
			s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_NH_ALL));
			s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_SYNC));
		}
	}
	s.run(2000000);
	smmusim_dma_result out[64];
	uint64_t sum = 0;
	size_t n;
	while ((n = smmusim_dma_poll(s.sim, out, 64)))
		for (size_t k = 0; k < n; k++)
			sum = sum * 31 + out[k].done_cycle * 7 + out[k].tag + out[k].status;
	FILE *f = fdopen(fd, "w");
	std::fprintf(f, "poll %llu\n", (unsigned long long)sum);
	smmusim_stats_json(s.sim, f);
	std::fclose(f);
}

std::string run_child(const char *strict = "0")
{
	return th::output_of_child([&](int fd) { workload(fd, strict); });
}

TEST(Determinism, SameInputsSameCyclesAndStats)
{
	std::string a = run_child(), b = run_child();
	ASSERT_NE("child failed", a);
	EXPECT_NE(std::string::npos, a.find("\"dma.transactions\": 4000"));
	EXPECT_NE(std::string::npos, a.find("\"events.F_TRANSLATION\": "));
	EXPECT_NE(std::string::npos, a.find("\"latency\": {\"count\": 4000,"));
	EXPECT_NE(std::string::npos, a.find("\"substreams\": ["));
	EXPECT_NE(std::string::npos, a.find("\"streams\": [\n    {\"sid\": "));
	EXPECT_EQ(std::string::npos, a.find("\"tbu.slots.stall_cycles\": 0,")) << "the workload contends";
	EXPECT_EQ(std::string::npos, a.find("\"mem.channel.stall_cycles\": 0,"));
	EXPECT_EQ(a, b);
}

// Strict mode draws its prefetches, UNKNOWN fields and TLB-conflict outcomes from sim.seed alone.
TEST(Determinism, StrictModeSameSeedSameCyclesAndStats)
{
	std::string a = run_child("1"), b = run_child("1");
	ASSERT_NE("child failed", a);
	EXPECT_NE(std::string::npos, a.find("\"strict.prefetches\": ")) << a;
	EXPECT_EQ(std::string::npos, a.find("\"strict.prefetches\": 0,")) << "the prefetcher ran";
	EXPECT_EQ(a, b);
}

} // namespace
