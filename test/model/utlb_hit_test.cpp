// The shortcut for micro-TLB hits (Smmu::utlb_hit) changes nothing: a workload run with it and run
// through the general path gives the same results, cycles, statistics and events. Trace points of
// the translation send every transaction through the general path, so the general-path run is the
// same workload with the tbu_utlb point on (written to /dev/null). Two child processes per
// comparison (SystemC elaborates once per process), timed and functional.
#include "harness.hpp"

#include <cstdio>
#include <string>

using namespace th;

namespace {

// Streams of 64-byte accesses through the pages of four StreamIDs, switching stream every few
// accesses: mostly micro-TLB hits, with the first touches (walks), hits on entries still being
// filled (merged misses), several accesses in one cycle (micro-TLB pipe and channel contention),
// writes to a read-only page (permission faults on a hit), TLB invalidation in the middle and
// synchronous DMAs with data.
void workload(int fd, bool general, bool functional)
{
	Sim s({{"smmu.strict", "0"}, {"model.timing", functional ? "functional" : "timed"}, {"tbu.utlb.entries", "8"},
	       {"tbu.utlb.latency", "2"}, {"tbu.utlb.slots", "1"}, {"mem.bytes_per_cycle", "8"}, {"stats.top_n", "4"}});
	if (general) {
		FILE *null = std::fopen("/dev/null", "w");
		char err[128];
		ASSERT_EQ(0, smmusim_trace_events(s.sim, "tbu_utlb", null, err, sizeof err)) << err;
	}
	s.boot();
	constexpr uint64_t kPages = 12, kReadOnly = 5;
	for (uint32_t sid = 0; sid < 4; sid++) {
		const uint64_t ttb = s.s1_stream(sid, (uint16_t)(sid + 1));
		for (uint64_t p = 0; p < kPages; p++)
			s.map(ttb, p << 12, DATA + ((sid * kPages + p) << 12), PTE_RW | (p == kReadOnly ? SMMU_PREP(PTE_AP2, 1) : 0));
	}
	uint64_t x = 99, now = s.now(), addr[4] = {};
	uint64_t sum = 0;
	auto collect = [&] {
		smmusim_dma_result out[64];
		size_t n;
		while ((n = smmusim_dma_poll(s.sim, out, 64)))
			for (size_t k = 0; k < n; k++)
				sum = sum * 31 + out[k].done_cycle * 7 + out[k].tag + out[k].status * 3 + out[k].hit * 5 +
				      out[k].pa + out[k].event * 11 + out[k].event_recorded;
	};
	for (int i = 0; i < 6000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		const uint32_t sid = (uint32_t)(i / 7) % 4;
		if (x >> 61 == 0) // a jump to another page of the stream
			addr[sid] = ((x >> 20) % kPages) << 12;
		struct smmusim_dma d = {};
		d.sid = sid;
		d.addr = addr[sid];
		d.size = 64;
		d.write = ((x >> 10) & 3) == 0;
		addr[sid] = (addr[sid] + 64) % (kPages << 12);
		ASSERT_EQ(0, smmusim_dma_submit(s.sim, &d, now + (uint64_t)i / 3, (uint64_t)i));
		if (i % 1500 == 1499) {
			s.run(5000);
			collect();
			s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_TLBI_NH_ALL));
			s.cmd(SMMU_PREP(CMD0_OPCODE, CMD_SYNC));
			// synchronous accesses with data, a read after a write of the same line
			uint8_t buf[64], back[64];
			for (unsigned k = 0; k < 64; k++)
				buf[k] = (uint8_t)(i + k);
			s.dma(1, 0x2040, true, buf, 64);
			s.dma(1, 0x2040, false, back, 64);
			sum = sum * 31 + (uint64_t)std::memcmp(buf, back, 64);
			now = s.now();
		}
	}
	s.run(200000);
	collect();
	FILE *f = fdopen(fd, "w");
	std::fprintf(f, "poll %llu\n", (unsigned long long)sum);
	smmusim_stats_json(s.sim, f);
	std::fclose(f);
}

std::string run_child(bool general, bool functional)
{
	return th::output_of_child([&](int fd) { workload(fd, general, functional); });
}

TEST(UtlbHit, ShortcutAndGeneralPathAgreeTimed)
{
	const std::string fast = run_child(false, false), general = run_child(true, false);
	ASSERT_NE("child failed", fast);
	EXPECT_NE(std::string::npos, fast.find("\"dma.transactions\": 6008"));
	EXPECT_NE(std::string::npos, fast.find("\"events.F_PERMISSION\": ")) << "writes to the read-only page fault";
	EXPECT_EQ(std::string::npos, fast.find("\"tbu.merged\": 0,")) << "hits on entries being filled";
	EXPECT_EQ(std::string::npos, fast.find("\"mem.channel.stall_cycles\": 0,")) << "the channel contends";
	EXPECT_EQ(fast, general);
}

TEST(UtlbHit, ShortcutAndGeneralPathAgreeFunctional)
{
	const std::string fast = run_child(false, true), general = run_child(true, true);
	ASSERT_NE("child failed", fast);
	EXPECT_NE(std::string::npos, fast.find("\"dma.transactions\": 6008"));
	EXPECT_EQ(fast, general);
}

} // namespace
