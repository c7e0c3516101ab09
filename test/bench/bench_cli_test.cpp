// smmusim bench without simulation: the point list and option errors.
#include "helpers.h"

using namespace bench_test;

TEST(BenchList, StableCompleteAndUnique)
{
	CliRun a = run("bench cd-layouts --list"), b = run("bench cd-layouts --list");
	ASSERT_EQ(a.status, 0) << a.err;
	EXPECT_EQ(a.out, b.out);
	std::vector<std::string> v = lines(a.out);
	// A: 3 layouts x (7 dense + 6 scattered + 6 strided); B: 3 x 2 N x {stream, burst}; C: 3 x 2 N x 3 caches
	EXPECT_EQ(v.size(), 57u + 12u + 18u);
	ASSERT_FALSE(v.empty());
	EXPECT_EQ(v[0], "linear_n1_dense_random_cfg64_l1off_d65536_w16_s1 layout=linear pasids=1 alloc=dense "
			"access=random cfg_entries=64 cache_l1=off dmas=65536 window=16 clock_mhz=1000 seed=1");
	std::set<std::string> ids;
	for (const std::string &l : v)
		ids.insert(l.substr(0, l.find(' ')));
	EXPECT_EQ(ids.size(), v.size());
	EXPECT_TRUE(ids.count("2l-64k_n1048575_dense_random_cfg64_l1off_d65536_w16_s1"));
	EXPECT_TRUE(ids.count("2l-4k_n65536_dense_random_cfg1024_l1on_d65536_w16_s1"));
	CliRun q = run("bench cd-layouts --list --quick --seed 7");
	ASSERT_EQ(q.status, 0);
	EXPECT_EQ(lines(q.out).size(), 36u + 6u + 9u);
	EXPECT_NE(q.out.find("2l-4k_n256_dense_burst_cfg64_l1off_d4096_w16_s7 "), std::string::npos);
	// the window and a non-default clock are part of every ID: result files never collide
	CliRun w = run("bench cd-layouts --list --window 8 --clock-mhz 800 --filter linear_n16_dense_random_cfg64");
	ASSERT_EQ(w.status, 0);
	EXPECT_EQ(w.out.substr(0, w.out.find(' ')), "linear_n16_dense_random_cfg64_l1off_d65536_w8_mhz800_s1");
}

TEST(BenchOptions, BadOptionsRejectedWithOneLine)
{
	const std::vector<std::pair<std::string, int>> cases = {
		{"bench", 1},
		{"bench frob", 1},
		{"bench cd-layouts --shard 2/2", 1},
		{"bench cd-layouts --shard 1", 1},
		{"bench cd-layouts --shard 0/0", 1},
		{"bench cd-layouts --jobs 0", 1},
		{"bench cd-layouts --dmas -5", 1},
		{"bench cd-layouts --frobnicate", 1},
		{"bench cd-layouts --point nonsense", 1},
		{"bench cd-layouts --point linear_n0_dense_random_cfg64_l1off_d1_w16_s1", 1},
		{"bench cd-layouts --point linear_n1048575_scattered_random_cfg64_l1off_d1_w16_s1", 1},
		{"bench cd-layouts --point linear_n016_dense_random_cfg64_l1off_d1_w16_s1", 1},
		{"bench cd-layouts --point linear_n16_dense_random_cfg64_l1off_d1_w16_mhz1000_s1", 1},
		{"bench cd-layouts --point linear_n16_dense_random_cfg64_l1off_d1_s1", 1},
		{"bench cd-layouts --list --point x", 1},
		{"bench cd-layouts --filter no-such-point --out /tmp", 1},
		{"bench cd-layouts extra", 1},
		{"bench cd-layouts --window", 1},
		{"bench speed --repeat 0", 1},
		{"bench speed --hit-count x", 1},
		{"bench speed --set nokeyvalue", 1},
		{"bench speed --preset mmu900", 1},
		{"bench aggregate", 1},
		{"bench aggregate --bogus /tmp", 1},
		{"bench aggregate /nonexistent-dir-for-smmusim", 2},
	};
	for (const auto &c : cases) {
		CliRun r = run(c.first);
		EXPECT_EQ(r.status, c.second) << c.first;
		EXPECT_EQ(lines(r.err).size(), 1u) << c.first << ": " << r.err;
		EXPECT_TRUE(r.out.empty()) << c.first;
	}
	EXPECT_EQ(run("bench --help").status, 0);
	EXPECT_EQ(run("bench cd-layouts --help").status, 0);
	EXPECT_EQ(run("bench speed --help").status, 0);
	CliRun presets = run("bench speed --preset list");
	EXPECT_EQ(presets.status, 0);
	EXPECT_NE(presets.out.find("mmu700"), std::string::npos) << presets.out;
	EXPECT_EQ(run("bench aggregate --help").status, 0);
}
