// The CD prefetch (Smmu::prefetch_cd): the platform hints the CD of the transaction queued some
// places behind the one it presents. A hint must change nothing the simulation computes: the same
// PASID traffic submitted one transaction at a time (nothing queued behind it, so no hint) and all
// at once (a hint for nearly every transaction) gives the same results and statistics.
#include "harness.hpp"

#include "../../model/src/platform.hpp" // smmusim_platform::cd_hints

#include <cstdio>
#include <string>

using namespace th;

namespace {

constexpr unsigned kDmas = 3000;
constexpr uint64_t kSpacing = 20000; // cycles between issues: each completes before the next starts

// SID 1: a two-level CD table (64 CDs per leaf, leaves 0..31 present, 2048 SSIDs); SID 2: a linear
// table of 256 CDs. A configuration cache of 16 entries (LRU): the cold SSIDs miss their CD.
void workload(int fd, bool all_at_once, const char *timing)
{
	Sim s({{"tcu.cfg.entries", "16"}, {"tcu.cfg.ways", "4"}, {"tcu.cfg.policy", "lru"}, {"model.timing", timing},
	       {"stats.top_n", "16"}});
	s.boot();
	const uint64_t ttb = s.new_table(), l1 = s.new_table(), linear = s.new_table(256 * CD_SIZE);
	for (uint64_t p = 0; p < 16; p++)
		s.map(ttb, p << 12, DATA + (p << 12));
	for (uint32_t leaf = 0; leaf < 32; leaf++) {
		const uint64_t l2 = s.new_table();
		s.m64(l1 + leaf * L1CD_SIZE, l2 | SMMU_PREP(L1CD_V, 1));
		for (uint32_t i = 0; i < 64; i++)
			s.cd(l2 + i * CD_SIZE, Sim::cd0((uint16_t)(1 + (leaf * 64 + i) % 40)), ttb);
	}
	for (uint32_t i = 0; i < 256; i++)
		s.cd(linear + i * CD_SIZE, Sim::cd0((uint16_t)(100 + i % 7)), ttb);
	s.ste(1, Sim::ste0_s1(l1, 12, STE_S1FMT_4K_L2));
	s.ste(2, Sim::ste0_s1(linear, 8));
	uint64_t x = 99, t0 = s.now() + 1;
	for (unsigned i = 0; i < kDmas; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		struct smmusim_dma d = {};
		d.sid = 1 + (uint32_t)(x >> 63);
		d.ssv = true;
		// half from a few hot SSIDs (configuration-cache hits, so replacement order matters), half
		// anywhere, past the CD table's reach too (C_BAD_SUBSTREAMID, or an L1CD without a leaf)
		d.ssid = (x >> 30) & 1 ? (uint32_t)(x >> 32) % 10 * 7 : (uint32_t)(x >> 20) % (d.sid == 1 ? 4200 : 300);
		d.addr = ((x >> 40) % 16) << 12;
		d.size = 64;
		d.write = (x >> 10) & 1;
		const uint64_t at = t0 + i * kSpacing;
		ASSERT_EQ(0, smmusim_dma_submit(s.sim, &d, at, i));
		if (!all_at_once)
			s.run(at + kSpacing - s.now());
	}
	if (all_at_once)
		s.run(t0 + kDmas * kSpacing - s.now());
	ASSERT_EQ(t0 + kDmas * kSpacing, s.now());
	smmusim_dma_result out[64];
	uint64_t sum = 0, n_done = 0;
	size_t n;
	while ((n = smmusim_dma_poll(s.sim, out, 64)))
		for (size_t k = 0; k < n; k++, n_done++)
			sum = sum * 31 + out[k].done_cycle * 7 + out[k].tag + out[k].status + out[k].pa;
	FILE *f = fdopen(fd, "w");
	std::fprintf(f, "done %llu poll %llu\n", (unsigned long long)n_done, (unsigned long long)sum);
	smmusim_stats_json(s.sim, f);
	std::fclose(f);
}

void same_with_and_without_hints(const char *timing)
{
	std::string one = th::output_of_child([&](int fd) { workload(fd, false, timing); });
	std::string all = th::output_of_child([&](int fd) { workload(fd, true, timing); });
	ASSERT_NE("child failed", one);
	EXPECT_NE(std::string::npos, one.find("done 3000 ")) << one;
	EXPECT_NE(std::string::npos, one.find("\"events.C_BAD_SUBSTREAMID\": ")) << "SSIDs out of range";
	EXPECT_EQ(std::string::npos, one.find("\"events.C_BAD_SUBSTREAMID\": 0,"));
	EXPECT_EQ(one, all);
}

// Hints only while transactions read CDs from memory: for traffic whose CDs stay in the
// configuration cache, one before the first CD read and one after each; one per transaction (but
// the last 8, with nothing queued 8 behind them) when each reads its CD.
uint64_t hints_for(uint32_t pasids)
{
	constexpr unsigned kTxns = 2000;
	std::string out = th::output_of_child([&](int fd) {
		Sim s({{"tcu.cfg.entries", "64"}, {"tcu.cfg.ways", "4"}, {"model.timing", "functional"}});
		s.boot();
		const uint64_t ttb = s.new_table(), linear = s.new_table(4096 * CD_SIZE);
		s.map(ttb, 0, DATA);
		for (uint32_t i = 0; i < 4096; i++)
			s.cd(linear + i * CD_SIZE, Sim::cd0((uint16_t)(1 + i % 200)), ttb);
		s.ste(1, Sim::ste0_s1(linear, 12));
		const uint64_t t0 = s.now() + 1;
		for (unsigned i = 0; i < kTxns; i++) {
			struct smmusim_dma d = {};
			d.sid = 1;
			d.ssv = true;
			d.ssid = (uint32_t)(i * 7 % pasids);
			d.size = 64;
			ASSERT_EQ(0, smmusim_dma_submit(s.sim, &d, t0 + i * 100, i));
		}
		s.run(t0 + kTxns * 100 - s.now());
		FILE *f = fdopen(fd, "w");
		std::fprintf(f, "%llu %llu", (unsigned long long)smmusim_stat(s.sim, "mem.reads.cd"),
			     (unsigned long long)s.sim->cd_hints);
		std::fclose(f);
	});
	unsigned long long cd_reads = 0, hints = ~0ull;
	EXPECT_EQ(2, std::sscanf(out.c_str(), "%llu %llu", &cd_reads, &hints)) << out;
	EXPECT_EQ(pasids == 4096 ? kTxns : pasids, cd_reads) << "each CD read once, or every one from memory";
	return hints;
}

TEST(CdPrefetch, OnlyWhileCdsAreRead)
{
	EXPECT_EQ(17u, hints_for(16));
	EXPECT_EQ(2000u - 8, hints_for(4096));
}

TEST(CdPrefetch, HintsChangeNoResultTimed) { same_with_and_without_hints("timed"); }
TEST(CdPrefetch, HintsChangeNoResultFunctional) { same_with_and_without_hints("functional"); }

} // namespace
